//! The 15-minute elderly-service circle on the web: each district's share of older residents
//! within walking reach of each kind of service point, a map drawn from the coordinates alone
//! (no internet tiles) with each community coloured by its coverage, the service points and
//! the suggested stations, the communities below the target and where new stations would reach
//! the most, with the gain of each.

use askama::Template;
use axum::extract::State;
use axum::response::Html;

use minsheng_core::geo::{Plane, Position};
use minsheng_eldercare::circle::{self, CircleError, CommunityCoverage, PointKind, View};

use crate::error::{PageError, WebError};
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::session::{OnPage, Signed};
use crate::Web;

/// The most gaps the page lists; the count above is of all.
const SHOWN: usize = 100;
/// The map's width in its own units; its height follows the area's shape.
const MAP_WIDTH: f64 = 1000.0;

fn circle_error(e: CircleError) -> WebError {
    match e {
        CircleError::Invalid(e) if e.field == "actor" => WebError::Forbidden(e.reason),
        CircleError::Invalid(e) => WebError::invalid(&e.field, e.reason),
        CircleError::Store(e) => e.into(),
    }
}

fn percent(part: u64, whole: u64) -> String {
    let p = circle::permille(part, whole);
    format!("{}.{}%", p / 10, p % 10)
}

pub struct AreaRow {
    pub name: String,
    pub elders: u64,
    pub located: u64,
    pub covered: u64,
    pub share: String,
    pub kinds: Vec<String>,
    pub below: bool,
}

impl AreaRow {
    fn of(name: String, c: &CommunityCoverage, view: &View) -> AreaRow {
        AreaRow {
            name,
            elders: c.elders,
            located: c.located,
            covered: c.covered,
            share: percent(c.covered, c.elders),
            kinds: PointKind::ALL
                .iter()
                .map(|&k| percent(c.by_kind.get(k.index()).copied().unwrap_or(0), c.elders))
                .collect(),
            below: !view.run.model.meets_target(c.covered, c.elders),
        }
    }
}

pub struct SuggestionRow {
    pub number: usize,
    pub area: String,
    pub lon: String,
    pub lat: String,
    pub gain: u64,
}

/// A community on the map: where, how large (by its elders) and its coverage class.
pub struct Dot {
    pub x: String,
    pub y: String,
    pub r: String,
    pub class: &'static str,
    pub title: String,
}

pub struct Mark {
    pub x: String,
    pub y: String,
    pub class: &'static str,
    pub title: String,
}

pub struct Pin {
    pub number: usize,
    pub x: String,
    pub y: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "circle.html")]
struct CirclePage {
    frame: Option<Frame>,
    computed: Option<Computed>,
}

struct Computed {
    as_of: String,
    computed_by: String,
    minutes: u32,
    speed: u32,
    detour: u32,
    reach: String,
    target: u32,
    kinds: Vec<&'static str>,
    districts: Vec<AreaRow>,
    total: AreaRow,
    gaps: Vec<AreaRow>,
    gap_count: usize,
    suggestions: Vec<SuggestionRow>,
    map_height: String,
    dots: Vec<Dot>,
    marks: Vec<Mark>,
    pins: Vec<Pin>,
}

/// Fits the places of a view into the map's box, north up.
struct MapBox {
    plane: Plane,
    west: f64,
    north: f64,
    scale: f64,
}

impl MapBox {
    fn around(places: &[Position], plane: Plane) -> (MapBox, f64) {
        let projected: Vec<[f64; 2]> = places.iter().map(|&p| plane.project(p)).collect();
        let min = |i: usize| {
            projected
                .iter()
                .filter_map(|p| p.get(i).copied())
                .fold(f64::MAX, f64::min)
        };
        let max = |i: usize| {
            projected
                .iter()
                .filter_map(|p| p.get(i).copied())
                .fold(f64::MIN, f64::max)
        };
        // A margin of a kilometre, and never narrower than two.
        let (west, east, south, north) = (
            min(0) - 1_000.0,
            max(0) + 1_000.0,
            min(1) - 1_000.0,
            max(1) + 1_000.0,
        );
        let width = (east - west).max(2_000.0);
        let height = (north - south).max(2_000.0);
        let scale = MAP_WIDTH / width;
        (
            MapBox {
                plane,
                west,
                north,
                scale,
            },
            height * scale,
        )
    }

    fn at(&self, p: Position) -> (String, String) {
        let [x, y] = self.plane.project(p);
        (
            format!("{:.1}", (x - self.west) * self.scale),
            format!("{:.1}", (self.north - y) * self.scale),
        )
    }
}

fn computed(
    view: &View,
    names: &std::collections::HashMap<String, String>,
    plane: Plane,
) -> Computed {
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let mut totals = view.totals();
    let total = totals
        .pop()
        .map(|(_, t)| AreaRow::of("合计".into(), &t, view))
        .unwrap_or_else(|| AreaRow::of("合计".into(), &CommunityCoverage::default(), view));
    let districts = totals
        .iter()
        .map(|(code, t)| AreaRow::of(name_of(code.as_deref().unwrap_or("")), t, view))
        .collect();
    let gaps = view.gaps();
    let mut places: Vec<Position> = view.communities.iter().filter_map(|c| c.centre).collect();
    places.extend(view.suggestions.iter().map(|s| s.at));
    let (frame, height) = MapBox::around(&places, plane);
    let most = view
        .communities
        .iter()
        .map(|c| c.elders)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let model = view.run.model;
    let dots = view
        .communities
        .iter()
        .filter_map(|c| {
            let (x, y) = frame.at(c.centre?);
            let p = c.covered_permille();
            let class = if model.meets_target(c.covered, c.elders) {
                "met"
            } else if p * 2 >= u64::from(model.target_percent) * 10 {
                "short"
            } else {
                "gap"
            };
            Some(Dot {
                x,
                y,
                r: format!("{:.1}", 2.0 + 8.0 * (c.elders as f64 / most).sqrt()),
                class,
                title: format!(
                    "{}：老年人 {}，15分钟可达 {}（{}）",
                    name_of(&c.area),
                    c.elders,
                    c.covered,
                    percent(c.covered, c.elders)
                ),
            })
        })
        .collect();
    let marks = view
        .points
        .iter()
        .map(|p| {
            let (x, y) = frame.at(p.at);
            Mark {
                x,
                y,
                class: p.kind.as_str(),
                title: format!("{}（{}）", p.name, p.kind.label()),
            }
        })
        .collect();
    let pins = view
        .suggestions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (x, y) = frame.at(s.at);
            Pin {
                number: i + 1,
                x,
                y,
                title: format!(
                    "建议站点 {}：{}，新增覆盖 {} 人",
                    i + 1,
                    name_of(&s.area),
                    s.gain
                ),
            }
        })
        .collect();
    Computed {
        as_of: view.run.as_of.to_string(),
        computed_by: view.run.computed_by.clone(),
        minutes: model.minutes,
        speed: model.walk_metres_per_minute,
        detour: model.detour_percent,
        reach: format!("{:.0}", model.reach_metres()),
        target: model.target_percent,
        kinds: PointKind::ALL.iter().map(|k| k.label()).collect(),
        districts,
        total,
        gap_count: gaps.len(),
        gaps: gaps
            .iter()
            .take(SHOWN)
            .map(|c| AreaRow::of(name_of(&c.area), c, view))
            .collect(),
        suggestions: view
            .suggestions
            .iter()
            .enumerate()
            .map(|(i, s)| SuggestionRow {
                number: i + 1,
                area: name_of(&s.area),
                lon: Position::degrees_text(s.at.lon),
                lat: Position::degrees_text(s.at.lat),
                gain: s.gain,
            })
            .collect(),
        map_height: format!("{height:.0}"),
        dots,
        marks,
        pins,
    }
}

/// The circle as the account's area sees it.
pub async fn page(State(web): State<Web>, OnPage(who): OnPage) -> Result<Html<String>, PageError> {
    Ok(Html(render(&web, &who).await?))
}

async fn render(web: &Web, who: &Signed) -> Result<String, WebError> {
    let view = circle::view(&web.store, &who.account)
        .await
        .map_err(circle_error)?;
    let computed = match view {
        None => None,
        Some(view) => {
            let mut codes: Vec<&str> = view.communities.iter().map(|c| c.area.as_str()).collect();
            let districts: Vec<String> = view
                .communities
                .iter()
                .filter_map(|c| c.area.get(..6).map(str::to_string))
                .collect();
            codes.extend(districts.iter().map(String::as_str));
            codes.extend(view.suggestions.iter().map(|s| s.area.as_str()));
            codes.sort_unstable();
            codes.dedup();
            let names = web.store.area_names(&codes).await?;
            let plane = circle::bounds(&web.policy, view.run.as_of)
                .map_err(|e| WebError::invalid(&e.field, e.reason))?
                .plane();
            Some(computed(&view, &names, plane))
        }
    };
    let page = CirclePage {
        frame: Frame::of(who),
        computed,
    };
    Ok(page.render()?)
}
