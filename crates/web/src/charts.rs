//! Charts as inline SVG, drawn by the browser: they need nothing from the internet, print, and
//! show Chinese labels in the reader's own fonts. (The chart crates that render SVG on the
//! server measure text with bundled font files, which would mean shipping a CJK font.)
//! This module only computes geometry; the templates draw it.

use minsheng_core::Fen;

pub struct Bar {
    pub label: String,
    pub value: String,
    pub y: i64,
    pub width: i64,
}

/// Horizontal bars, one per label, scaled to the largest.
pub struct BarChart {
    pub height: i64,
    pub bars: Vec<Bar>,
}

pub const BAR_AREA: i64 = 360;
const ROW: i64 = 26;

pub fn bars(items: &[(String, i64)], show: impl Fn(i64) -> String) -> BarChart {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    BarChart {
        height: ROW * items.len() as i64 + 8,
        bars: items
            .iter()
            .enumerate()
            .map(|(i, (label, v))| Bar {
                label: label.clone(),
                value: show(*v),
                y: ROW * i as i64 + 4,
                width: (v * BAR_AREA / max).max(if *v > 0 { 1 } else { 0 }),
            })
            .collect(),
    }
}

/// One line over months, with its axes: the baseline at zero and the largest value marked.
pub struct LineChart {
    pub points: String,
    pub marks: Vec<(i64, i64, String, String)>,
    /// The largest value, as shown at the top of the value axis.
    pub max: String,
}

/// Where the line chart's zero is drawn.
pub const LINE_BASE: i64 = 20 + (LINE_HEIGHT - 50);

pub const LINE_WIDTH: i64 = 560;
pub const LINE_HEIGHT: i64 = 160;

pub fn line(items: &[(String, i64)], show: impl Fn(i64) -> String) -> LineChart {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let n = items.len().max(2) as i64 - 1;
    let marks: Vec<(i64, i64, String, String)> = items
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let x = 40 + i as i64 * (LINE_WIDTH - 80) / n;
            let y = 20 + (LINE_HEIGHT - 50) - v * (LINE_HEIGHT - 50) / max;
            (x, y, label.clone(), show(*v))
        })
        .collect();
    LineChart {
        points: marks
            .iter()
            .map(|(x, y, _, _)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" "),
        marks,
        max: show(items.iter().map(|(_, v)| *v).max().unwrap_or(0)),
    }
}

/// A district of the map-like view: a tile placed roughly where the district lies.
pub struct Tile {
    pub name: String,
    pub value: String,
    pub x: i64,
    pub y: i64,
    /// 0.15–1.0 by the district's share of the largest value.
    pub opacity: String,
}

/// Qingdao's ten districts and county-level cities on a 4 × 4 grid, north at the top.
const PLACES: [(&str, i64, i64); 10] = [
    ("370285", 2, 0), // 莱西
    ("370283", 1, 0), // 平度
    ("370215", 3, 1), // 即墨
    ("370281", 0, 1), // 胶州
    ("370214", 2, 1), // 城阳
    ("370213", 2, 2), // 李沧
    ("370212", 3, 2), // 崂山
    ("370211", 1, 2), // 黄岛 (西海岸)
    ("370203", 2, 3), // 市北
    ("370202", 3, 3), // 市南
];

pub const TILE: i64 = 120;

pub fn districts(values: &[(String, String, i64)], show: impl Fn(i64) -> String) -> Vec<Tile> {
    let max = values.iter().map(|(_, _, v)| *v).max().unwrap_or(0).max(1);
    PLACES
        .iter()
        .filter_map(|(code, col, row)| {
            let (_, name, v) = values.iter().find(|(c, _, _)| c == code)?;
            Some(Tile {
                name: name.clone(),
                value: show(*v),
                x: col * (TILE + 6),
                y: row * (TILE / 2 + 6),
                opacity: shade(*v, max),
            })
        })
        .collect()
}

/// A cell's shade, 0.15–1.00, by its share of the largest (nothing, or less, is the lightest).
pub fn shade(value: i64, largest: i64) -> String {
    let share = if largest > 0 && value > 0 {
        value as f64 / largest as f64
    } else {
        0.0
    };
    format!("{:.2}", 0.15 + 0.85 * share)
}

/// A table cell's shade, a class rather than a colour (the pages allow no inline style): 0 for
/// nothing paid, else 1–4 by the quarter of the largest value it reaches.
pub fn heat(value: i64, largest: i64) -> u8 {
    if value <= 0 || largest <= 0 {
        return 0;
    }
    // In integers (both are positive here, and i128 holds 4 × i64::MAX): the quarter, rounded
    // up, of value / largest.
    let (value, largest) = (i128::from(value), i128::from(largest));
    let quarters = (value * 4 + largest - 1) / largest;
    quarters.clamp(1, 4) as u8
}

/// Yuan without fen for chart labels, grouped: 1,234,567 元.
pub fn yuan(fen: i64) -> String {
    let whole = Fen(fen - fen % 100).grouped();
    whole.trim_end_matches(".00").to_string()
}

/// A count with its thousands grouped: 1,234,567.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::count(0), "0");
        assert_eq!(super::count(999), "999");
        assert_eq!(super::count(1_000), "1,000");
        assert_eq!(super::count(1_234_567), "1,234,567");
        assert_eq!(super::count(-12_345), "-12,345");
    }

    #[test]
    fn heat_is_the_quarter_of_the_largest_reached() {
        assert_eq!(super::heat(0, 100), 0);
        assert_eq!(super::heat(-5, 100), 0);
        assert_eq!(super::heat(1, 100), 1);
        assert_eq!(super::heat(25, 100), 1);
        assert_eq!(super::heat(26, 100), 2);
        assert_eq!(super::heat(75, 100), 3);
        assert_eq!(super::heat(76, 100), 4);
        assert_eq!(super::heat(100, 100), 4);
        assert_eq!(super::heat(i64::MAX, i64::MAX), 4);
    }
}
