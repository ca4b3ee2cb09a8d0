//! Care institutions (养老机构) and service facilities (centres and stations) for a synthetic
//! city. Institutions: as many, as large and with as many nursing
//! beds as Qingdao's, scaled to the city's size — 297 institutions with 43,000 beds, 80% of them
//! nursing beds, for about ten million residents (青岛市民政局 十四五 summary: 培育养老服务机构297家、
//! 养老床位4.3万张，其中护理型床位占比80%). Deterministic for a seed; drawn apart from the
//! residents, so adding institutions changes nobody.

use chrono::NaiveDate;
use minsheng_core::area::Area;
use minsheng_core::AreaLevel;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The city's institutions per resident, beds per institution and nursing share.
pub const INSTITUTIONS_PER_10M: u64 = 297;
pub const BEDS_PER_10M: u64 = 43_000;
pub const NURSING_SHARE_PERCENT: u64 = 80;

/// An institution as the synthetic city has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticInstitution {
    /// The filing number (备案编号): the district's code, `YL`, a sequence.
    pub code: String,
    pub name: String,
    /// The community it stands in.
    pub area: String,
    /// `public` 公办, `private` 民办 or `public_private` 公建民营.
    pub operator: &'static str,
    pub beds: u32,
    pub nursing_beds: u32,
    pub residents: u32,
    pub filed_on: NaiveDate,
}

const KINDS: [&str; 5] = ["颐养院", "老年公寓", "护理院", "敬老院", "康养中心"];

/// The institutions of a city of `people` residents over `areas` (communities are where they
/// stand), at least one.
pub fn institutions(areas: &[Area], people: u64, seed: u64) -> Vec<SyntheticInstitution> {
    let communities: Vec<&Area> = areas
        .iter()
        .filter(|a| a.code.level() == AreaLevel::Community)
        .collect();
    if communities.is_empty() {
        return Vec::new();
    }
    let count = (people * INSTITUTIONS_PER_10M).div_ceil(10_000_000).max(1);
    let beds_each = BEDS_PER_10M as f64 / INSTITUTIONS_PER_10M as f64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x594c_594c);
    let mut sequence: std::collections::BTreeMap<String, u32> = Default::default();
    let mut out = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let at = rng.gen_range(0..communities.len());
        let Some(area) = communities.get(at) else {
            continue;
        };
        let district: String = area.code.as_str().chars().take(6).collect();
        let n = sequence.entry(district.clone()).or_default();
        *n += 1;
        // Beds spread around the city's mean, from a small home to a large one.
        let beds = (beds_each * rng.gen_range(0.3..1.7)).round().max(10.0) as u32;
        let nursing = NURSING_SHARE_PERCENT as f64 / 100.0 + rng.gen_range(-0.15..0.15);
        let nursing_beds = ((f64::from(beds) * nursing).round() as u32).min(beds);
        let residents = ((f64::from(beds) * rng.gen_range(0.45..0.95)).round() as u32).min(beds);
        let operator = match rng.gen_range(0..10) {
            0..=2 => "public",
            3 => "public_private",
            _ => "private",
        };
        let kind = KINDS
            .get(rng.gen_range(0..KINDS.len()))
            .copied()
            .unwrap_or("颐养院");
        let place: String = area.name.chars().take(4).collect();
        let filed_on =
            NaiveDate::from_ymd_opt(rng.gen_range(2016..=2024), rng.gen_range(1..=12), 1)
                .unwrap_or_default();
        out.push(SyntheticInstitution {
            code: format!("{district}YL{n:04}"),
            name: format!("{place}{kind}"),
            area: area.code.as_str().to_string(),
            operator,
            beds,
            nursing_beds,
            residents,
            filed_on,
        });
    }
    out
}

/// The city's 镇街综合养老服务机构 (a comprehensive centre of a street or town) and 村居养老服务站
/// (a station of a village or community) (十四五发布会: 建成镇街综合养老服务机构135家、村居养老服务站
/// 1300余家, the "15-minute elderly-care circle"). The network belongs to the map, not to the
/// population: the synthetic area tree is the whole city's at any size, so it has the whole
/// city's network (a demo of 100,000 residents keeps the circle's coverage a real city's).
pub const CENTRES: usize = 135;
pub const STATIONS: usize = 1_300;

/// A service facility as the synthetic city has it: no beds to supervise, a place that serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticFacility {
    /// The area's code, `ZX` (centre) or `ZD` (station), a sequence.
    pub code: String,
    pub name: String,
    /// The street (a centre) or community (a station) it serves.
    pub area: String,
    /// `street_centre` or `community_station`.
    pub kind: &'static str,
    pub opened_on: NaiveDate,
}

/// The facilities of a city over `areas`: centres in as many different streets, stations in as
/// many different communities (all of them, if there are fewer).
pub fn facilities(areas: &[Area], seed: u64) -> Vec<SyntheticFacility> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5a58_5a44);
    let mut out = Vec::new();
    for (level, wanted, kind, mark, label) in [
        (
            AreaLevel::Street,
            CENTRES,
            "street_centre",
            "ZX",
            "综合养老服务中心",
        ),
        (
            AreaLevel::Community,
            STATIONS,
            "community_station",
            "ZD",
            "养老服务站",
        ),
    ] {
        for area in draw(&mut rng, areas, level, wanted) {
            let opened_on =
                NaiveDate::from_ymd_opt(rng.gen_range(2018..=2024), rng.gen_range(1..=12), 1)
                    .unwrap_or_default();
            out.push(SyntheticFacility {
                code: format!("{}{mark}01", area.code.as_str()),
                name: format!("{}{label}", area.name),
                area: area.code.as_str().to_string(),
                kind,
                opened_on,
            });
        }
    }
    out
}

/// Meal-aid canteens per ten million residents: Qingdao's 1,400 and more (青岛市民政局：建成
/// 老年助餐机构1400余处).
pub const CANTEENS_PER_10M: u64 = 1_400;

/// A canteen as the synthetic city has it: where it stands, the slots it serves (`HH:MM`
/// each begins), the communities of its street it delivers to, its capacity per slot and its
/// menu (code, name, slot, price and the canteen's discount, in fen). `delivers_to` holds
/// areas whose communities it delivers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticCanteen {
    pub code: String,
    pub name: String,
    pub area: String,
    pub slots: Vec<(&'static str, &'static str)>,
    pub delivers_to: Vec<String>,
    pub capacity: u32,
    pub bank_account: String,
    pub opened_on: NaiveDate,
    pub dishes: Vec<(String, &'static str, &'static str, i64, i64)>,
}

/// The canteens of a city of `people` residents over `areas`, in communities drawn at random,
/// at least one. Every canteen serves lunch (the Laoshan canteen's 12-yuan meal, some with a
/// yuan off); some also breakfast and dinner; most deliver within their street.
pub fn canteens(areas: &[Area], people: u64, seed: u64) -> Vec<SyntheticCanteen> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4341_4e54);
    draw(
        &mut rng,
        areas,
        AreaLevel::Community,
        share(CANTEENS_PER_10M, people),
    )
    .into_iter()
    .map(|area| {
        let street = area.code.parent();
        // Most deliver throughout their street (the street's code covers its communities).
        let delivers_to = match street.filter(|_| rng.gen_bool(0.8)) {
            Some(street) => vec![street.as_str().to_string()],
            None => Vec::new(),
        };
        let mut slots = vec![("lunch", "11:00")];
        let mut dishes = vec![
            (
                "L1".to_string(),
                "午餐套餐（两荤一素）",
                "lunch",
                1_200,
                if rng.gen_bool(0.3) { 100 } else { 0 },
            ),
            ("L2".to_string(), "午餐面食", "lunch", 800, 0),
        ];
        if rng.gen_bool(0.3) {
            slots.insert(0, ("breakfast", "07:00"));
            dishes.insert(
                0,
                (
                    "B1".to_string(),
                    "早餐（粥、蛋、包子）",
                    "breakfast",
                    500,
                    0,
                ),
            );
        }
        if rng.gen_bool(0.6) {
            slots.push(("dinner", "17:00"));
            dishes.push(("D1".to_string(), "晚餐套餐", "dinner", 1_000, 0));
        }
        let opened_on =
            NaiveDate::from_ymd_opt(rng.gen_range(2019..=2024), rng.gen_range(1..=12), 1)
                .unwrap_or_default();
        SyntheticCanteen {
            code: format!("{}ST01", area.code.as_str()),
            name: format!("{}长者食堂", area.name),
            area: area.code.as_str().to_string(),
            slots,
            delivers_to,
            capacity: rng.gen_range(6..=20) * 10,
            bank_account: format!("6222{:012}", rng.gen_range(0..1_000_000_000_000_u64)),
            opened_on,
            dishes,
        }
    })
    .collect()
}

/// Dementia care centres (认知障碍照护中心) per ten million residents: the sources give no
/// figure; a few per district, as cities building the four-level network have.
pub const DEMENTIA_CENTRES_PER_10M: u64 = 60;

/// The dementia care centres of a city of `people` residents: in streets drawn at random (code
/// `<street>RZ01`, name, street).
pub fn dementia_centres(areas: &[Area], people: u64, seed: u64) -> Vec<(String, String, String)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x525a);
    draw(
        &mut rng,
        areas,
        AreaLevel::Street,
        share(DEMENTIA_CENTRES_PER_10M, people),
    )
    .into_iter()
    .map(|s| {
        (
            format!("{}RZ01", s.code.as_str()),
            format!("{}认知障碍照护中心", s.name),
            s.code.as_str().to_string(),
        )
    })
    .collect()
}

/// A city of `people` residents' share of `per_10m` per ten million: at least one.
fn share(per_10m: u64, people: u64) -> usize {
    usize::try_from((people * per_10m).div_ceil(10_000_000).max(1)).unwrap_or(usize::MAX)
}

/// `wanted` areas of `level` (all, if there are fewer), drawn at random and returned in code
/// order.
fn draw<'a>(
    rng: &mut ChaCha8Rng,
    areas: &'a [Area],
    level: AreaLevel,
    wanted: usize,
) -> Vec<&'a Area> {
    let mut places: Vec<&Area> = areas.iter().filter(|a| a.code.level() == level).collect();
    let wanted = wanted.min(places.len());
    for i in 0..wanted {
        let j = rng.gen_range(i..places.len());
        places.swap(i, j);
    }
    let mut chosen: Vec<&Area> = places.into_iter().take(wanted).collect();
    chosen.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_city_of_ten_million_has_the_citys_canteens_each_serving_lunch() {
        let generator = crate::Generator::new(crate::GeneratorConfig::new(20_000, 1));
        let all = canteens(generator.areas(), 10_000_000, 7);
        let communities = generator
            .areas()
            .iter()
            .filter(|a| a.code.level() == AreaLevel::Community)
            .count();
        assert_eq!(all.len(), 1_400.min(communities));
        assert!(all.iter().all(|c| c.slots.contains(&("lunch", "11:00"))
            && c.dishes.iter().any(|d| d.2 == "lunch" && d.3 == 1_200)
            && c.dishes.iter().all(|d| d.4 >= 0 && d.4 < d.3)));
        assert!(all.iter().any(|c| !c.delivers_to.is_empty()));
        assert_eq!(all, canteens(generator.areas(), 10_000_000, 7));
    }

    #[test]
    fn a_city_of_ten_million_has_the_citys_institutions_and_beds() {
        let generator = crate::Generator::new(crate::GeneratorConfig::new(20_000, 1));
        let all = institutions(generator.areas(), 10_000_000, 7);
        assert_eq!(all.len(), 297);
        let beds: u32 = all.iter().map(|i| i.beds).sum();
        let nursing: u32 = all.iter().map(|i| i.nursing_beds).sum();
        assert!((40_000..46_000).contains(&beds), "{beds}");
        let share = f64::from(nursing) / f64::from(beds);
        assert!((0.77..0.83).contains(&share), "{share}");
        assert!(all
            .iter()
            .all(|i| i.nursing_beds <= i.beds && i.residents <= i.beds));
        let mut codes: Vec<&str> = all.iter().map(|i| i.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 297, "codes are unique");
        assert_eq!(
            all,
            institutions(generator.areas(), 10_000_000, 7),
            "same seed, same city"
        );
        assert_eq!(institutions(generator.areas(), 100_000, 7).len(), 3);
    }

    #[test]
    fn a_city_of_any_size_has_the_citys_centres_and_stations() {
        let generator = crate::Generator::new(crate::GeneratorConfig::new(20_000, 1));
        let all = facilities(generator.areas(), 7);
        let count = |kind: &str| all.iter().filter(|f| f.kind == kind).count();
        let streets = generator
            .areas()
            .iter()
            .filter(|a| a.code.level() == AreaLevel::Street)
            .count();
        assert_eq!(count("street_centre"), 135.min(streets));
        assert_eq!(count("community_station"), 1_300);
        let mut codes: Vec<&str> = all.iter().map(|f| f.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "one a place");
        assert_eq!(
            all,
            facilities(generator.areas(), 7),
            "same seed, same network"
        );
    }
}
