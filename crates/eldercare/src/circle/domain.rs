//! The circle's rules (no IO): what counts as within 15 minutes' walk, where the city ends, how
//! many older residents each community has within reach of each kind of service point, and where
//! new stations would reach the most of those nobody reaches.
//!
//! Distance model, as planners use when no street network is loaded: the straight line between
//! a household and a service point on a local flat map ([`Plane`]), times a detour factor, at an
//! older person's walking speed. With the catalog's 15 minutes, 60 m a minute and 130 %, a point
//! is within reach up to 692 m in a straight line.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use minsheng_core::geo::{Plane, Position};
use minsheng_core::FieldError;
use rstar::primitives::GeomWithData;
use rstar::RTree;

/// The kinds of place that serve older residents: the four-level network's street centres and
/// community stations, and the canteens, dementia care centres and institutions around them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PointKind {
    StreetCentre,
    CommunityStation,
    Canteen,
    DementiaCentre,
    Institution,
}

impl PointKind {
    pub const ALL: [PointKind; 5] = [
        PointKind::StreetCentre,
        PointKind::CommunityStation,
        PointKind::Canteen,
        PointKind::DementiaCentre,
        PointKind::Institution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::StreetCentre => "street_centre",
            PointKind::CommunityStation => "community_station",
            PointKind::Canteen => "canteen",
            PointKind::DementiaCentre => "dementia_centre",
            PointKind::Institution => "institution",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PointKind::StreetCentre => "镇街综合养老服务机构",
            PointKind::CommunityStation => "村居养老服务站",
            PointKind::Canteen => "老年助餐机构",
            PointKind::DementiaCentre => "认知障碍照护中心",
            PointKind::Institution => "养老机构",
        }
    }

    pub fn parse(s: &str) -> Result<PointKind, String> {
        PointKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "「{s}」不是服务设施类别（{}）",
                    PointKind::ALL.map(PointKind::as_str).join("、")
                )
            })
    }

    /// Its place in [`PointKind::ALL`] and in a community's counts.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A place that serves older residents, where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePoint {
    pub kind: PointKind,
    pub code: String,
    pub name: String,
    /// The street or community it belongs to.
    pub area: String,
    pub at: Position,
}

/// The walk that counts as within the circle (`eldercare.service_circle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    pub minutes: u32,
    pub walk_metres_per_minute: u32,
    pub detour_percent: u32,
    /// The share of a community's older residents within reach below which it is a gap.
    pub target_percent: u32,
}

impl Model {
    /// Metres walked in the circle's minutes.
    pub fn walk_metres(&self) -> f64 {
        f64::from(self.minutes) * f64::from(self.walk_metres_per_minute)
    }

    /// The straight-line distance within reach: the walk divided by the detour factor.
    pub fn reach_metres(&self) -> f64 {
        self.walk_metres() * 100.0 / f64::from(self.detour_percent.max(1))
    }

    /// Whether `covered` of `elders` meets the target (a community without older residents has
    /// no gap).
    pub fn meets_target(&self, covered: u64, elders: u64) -> bool {
        u128::from(covered) * 100 >= u128::from(elders) * u128::from(self.target_percent)
    }
}

/// The city's extent: a place outside it is a mistake in the data, not a far-away household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub west: i64,
    pub east: i64,
    pub south: i64,
    pub north: i64,
}

impl Bounds {
    /// Refuses a place outside the city, naming the coordinate that is out.
    pub fn check(&self, at: Position) -> Result<(), FieldError> {
        let text = Position::degrees_text;
        if !(self.west..=self.east).contains(&at.lon) {
            return Err(FieldError::new(
                "lon",
                format!(
                    "经度 {} 在市域之外（东经 {}～{}）",
                    text(at.lon),
                    text(self.west),
                    text(self.east)
                ),
            ));
        }
        if !(self.south..=self.north).contains(&at.lat) {
            return Err(FieldError::new(
                "lat",
                format!(
                    "纬度 {} 在市域之外（北纬 {}～{}）",
                    text(at.lat),
                    text(self.south),
                    text(self.north)
                ),
            ));
        }
        Ok(())
    }

    /// The flat map the city's distances are measured on: around its middle latitude.
    pub fn plane(&self) -> Plane {
        Plane::around((self.south + self.north) / 2)
    }
}

/// An older resident as the circle sees them: their community (an index into the list the
/// caller keeps) and where their household lives, when that is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elder {
    pub community: u32,
    pub at: Option<Position>,
}

/// A community's older residents and how many are within reach.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommunityCoverage {
    pub area: String,
    pub elders: u64,
    /// Those whose household has a location.
    pub located: u64,
    /// Those within reach of any service point.
    pub covered: u64,
    /// Those within reach of each kind, in [`PointKind::ALL`]'s order.
    pub by_kind: [u64; 5],
    /// Where its located elders live on average: where a map draws it.
    pub centre: Option<Position>,
}

impl CommunityCoverage {
    /// The covered share in tenths of a percent (of all its elders: one without a location
    /// is not known to be reached).
    pub fn covered_permille(&self) -> u64 {
        permille(self.covered, self.elders)
    }

    pub fn kind_permille(&self, kind: PointKind) -> u64 {
        permille(
            self.by_kind.get(kind.index()).copied().unwrap_or_default(),
            self.elders,
        )
    }
}

pub fn permille(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 0;
    }
    u64::try_from(u128::from(part) * 1000 / u128::from(whole)).unwrap_or(u64::MAX)
}

/// Coverage of a city: per community, and the elders no service point reaches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coverage {
    pub communities: Vec<CommunityCoverage>,
    /// Where each located elder within reach of nothing lives, with their community's index.
    pub uncovered: Vec<(Position, u32)>,
}

type Located<T> = GeomWithData<[f64; 2], T>;

/// Counts, per community, the elders within reach of each kind of service point. The points go
/// into an R*-tree, so each elder costs one lookup among the few points near them rather than a
/// pass over all; the elders are split between the machine's cores.
pub fn coverage(
    communities: &[String],
    elders: &[Elder],
    points: &[ServicePoint],
    model: &Model,
    plane: &Plane,
) -> Coverage {
    let tree: RTree<Located<u8>> = RTree::bulk_load(
        points
            .iter()
            .map(|p| Located::new(plane.project(p.at), p.kind as u8))
            .collect(),
    );
    let reach = model.reach_metres();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = elders.len().div_ceil(threads).max(1);
    let parts: Vec<Partial> = std::thread::scope(|scope| {
        let tree = &tree;
        let workers: Vec<_> = elders
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || count_part(part, communities.len(), tree, plane, reach))
            })
            .collect();
        // A worker that failed takes the whole count with it: never a silent partial count.
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut total = Partial::new(communities.len());
    for part in parts {
        total.merge(part);
    }
    Coverage {
        communities: communities
            .iter()
            .zip(total.counts)
            .map(|(area, c)| CommunityCoverage {
                area: area.clone(),
                elders: c.elders,
                located: c.located,
                covered: c.covered,
                by_kind: c.by_kind,
                centre: (c.located > 0).then(|| Position {
                    lon: average(c.lon_sum, c.located),
                    lat: average(c.lat_sum, c.located),
                }),
            })
            .collect(),
        uncovered: total.uncovered,
    }
}

fn average(sum: i128, n: u64) -> i64 {
    i64::try_from(sum / i128::from(n.max(1))).unwrap_or_default()
}

#[derive(Default, Clone)]
struct Counts {
    elders: u64,
    located: u64,
    covered: u64,
    by_kind: [u64; 5],
    lon_sum: i128,
    lat_sum: i128,
}

struct Partial {
    counts: Vec<Counts>,
    uncovered: Vec<(Position, u32)>,
}

impl Partial {
    fn new(communities: usize) -> Partial {
        Partial {
            counts: vec![Counts::default(); communities],
            uncovered: Vec::new(),
        }
    }

    fn merge(&mut self, other: Partial) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            mine.elders += theirs.elders;
            mine.located += theirs.located;
            mine.covered += theirs.covered;
            for (m, t) in mine.by_kind.iter_mut().zip(theirs.by_kind) {
                *m += t;
            }
            mine.lon_sum += theirs.lon_sum;
            mine.lat_sum += theirs.lat_sum;
        }
        self.uncovered.extend(other.uncovered);
    }
}

fn count_part(
    elders: &[Elder],
    communities: usize,
    tree: &RTree<Located<u8>>,
    plane: &Plane,
    reach: f64,
) -> Partial {
    let mut part = Partial::new(communities);
    for elder in elders {
        let Some(counts) = usize::try_from(elder.community)
            .ok()
            .and_then(|c| part.counts.get_mut(c))
        else {
            continue;
        };
        counts.elders += 1;
        let Some(at) = elder.at else { continue };
        counts.located += 1;
        counts.lon_sum += i128::from(at.lon);
        counts.lat_sum += i128::from(at.lat);
        let mut kinds = 0u8;
        for point in tree.locate_within_distance(plane.project(at), reach * reach) {
            kinds |= 1 << point.data;
        }
        if kinds == 0 {
            part.uncovered.push((at, elder.community));
            continue;
        }
        counts.covered += 1;
        for (i, n) in counts.by_kind.iter_mut().enumerate() {
            if kinds & (1 << i) != 0 {
                *n += 1;
            }
        }
    }
    part
}

/// A square of candidate sites: the sums of its uncovered elders' places, how many, and how
/// many of each community.
type Cell = (i128, i128, u64, HashMap<u32, u64>);

/// A place for a new station and the elders it would bring within reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suggestion {
    pub at: Position,
    /// The community (an index into the caller's list) most of those elders belong to.
    pub community: u32,
    /// Elders within reach of it and of nothing before it (nor of an earlier suggestion).
    pub gain: u64,
}

/// Greedy placement of up to `count` new stations among candidate sites, each chosen for the
/// most elders it brings within reach that nothing, not even an earlier choice, reaches. The
/// candidate sites are where the uncovered live: the mean home of each square of half the
/// reach that holds any. Greedy placement is what planners use for this (maximal covering
/// location); it reaches at least 63 % of the best possible.
pub fn suggest(
    uncovered: &[(Position, u32)],
    count: usize,
    model: &Model,
    plane: &Plane,
) -> Vec<Suggestion> {
    let reach = model.reach_metres();
    let cell = (reach / 2.0).max(1.0);
    let mut cells: HashMap<(i64, i64), Cell> = HashMap::new();
    for &(at, community) in uncovered {
        let [x, y] = plane.project(at);
        let entry = cells
            .entry(((x / cell).floor() as i64, (y / cell).floor() as i64))
            .or_default();
        entry.0 += i128::from(at.lon);
        entry.1 += i128::from(at.lat);
        entry.2 += 1;
        *entry.3.entry(community).or_default() += 1;
    }
    let mut candidates: Vec<(Position, u32)> = cells
        .into_values()
        .map(|(lon, lat, n, communities)| {
            let community = communities
                .into_iter()
                .max_by_key(|&(c, k)| (k, Reverse(c)))
                .map_or(0, |(c, _)| c);
            (
                Position {
                    lon: average(lon, n),
                    lat: average(lat, n),
                },
                community,
            )
        })
        .collect();
    candidates.sort_unstable();
    let tree: RTree<Located<u32>> = RTree::bulk_load(
        uncovered
            .iter()
            .enumerate()
            .map(|(i, &(at, _))| Located::new(plane.project(at), u32::try_from(i).unwrap_or(0)))
            .collect(),
    );
    let reached: Vec<Vec<u32>> = candidates
        .iter()
        .map(|&(at, _)| {
            tree.locate_within_distance(plane.project(at), reach * reach)
                .map(|p| p.data)
                .collect()
        })
        .collect();
    // Lazy greedy: a candidate's gain only falls as others are chosen, so a stale gain at the
    // top of the heap is recounted and pushed back until the top one is current.
    let mut heap: BinaryHeap<(u64, Reverse<usize>)> = reached
        .iter()
        .enumerate()
        .map(|(i, r)| (r.len() as u64, Reverse(i)))
        .collect();
    let mut taken = vec![false; uncovered.len()];
    let mut chosen = Vec::new();
    while chosen.len() < count {
        let Some((gain, Reverse(i))) = heap.pop() else {
            break;
        };
        let Some(list) = reached.get(i) else { continue };
        let now = list
            .iter()
            .filter(|&&e| !taken.get(e as usize).copied().unwrap_or(true))
            .count() as u64;
        if now == 0 {
            continue;
        }
        if now < gain {
            heap.push((now, Reverse(i)));
            continue;
        }
        for &e in list {
            if let Some(t) = taken.get_mut(e as usize) {
                *t = true;
            }
        }
        if let Some(&(at, community)) = candidates.get(i) {
            chosen.push(Suggestion {
                at,
                community,
                gain: now,
            });
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: Model = Model {
        minutes: 15,
        walk_metres_per_minute: 60,
        detour_percent: 130,
        target_percent: 90,
    };
    const QINGDAO: Bounds = Bounds {
        west: 119_500_000,
        east: 121_000_000,
        south: 35_583_333,
        north: 37_150_000,
    };

    fn station(code: &str, at: Position) -> ServicePoint {
        ServicePoint {
            kind: PointKind::CommunityStation,
            code: code.into(),
            name: code.into(),
            area: "370202001001".into(),
            at,
        }
    }

    #[test]
    fn fifteen_minutes_at_sixty_metres_with_a_detour_of_130_percent_reach_692_metres() {
        assert_eq!(MODEL.walk_metres(), 900.0);
        assert!((MODEL.reach_metres() - 692.307).abs() < 0.001);
        let plane = QINGDAO.plane();
        let here = Position::from_degrees(120.38, 36.07);
        let points = [station("A", here)];
        let elders: Vec<Elder> = [0.0, 691.0, 692.0, 693.0, 2_000.0]
            .iter()
            .map(|&north| Elder {
                community: 0,
                at: Some(plane.offset(here, 0.0, north)),
            })
            .chain([Elder {
                community: 0,
                at: None,
            }])
            .collect();
        let got = coverage(&["c".into()], &elders, &points, &MODEL, &plane);
        let c = got.communities.first().expect("one community");
        assert_eq!((c.elders, c.located, c.covered), (6, 5, 3));
        assert_eq!(c.by_kind, [0, 3, 0, 0, 0]);
        assert_eq!(got.uncovered.len(), 2);
        assert_eq!(c.covered_permille(), 500);
        // Diagonally the same: 489.5 m east and north is 692.3 m away.
        let diagonal = plane.offset(here, 489.0, 489.0);
        let far = plane.offset(here, 490.0, 490.0);
        let got = coverage(
            &["c".into()],
            &[diagonal, far].map(|at| Elder {
                community: 0,
                at: Some(at),
            }),
            &points,
            &MODEL,
            &plane,
        );
        assert_eq!(got.communities.first().map(|c| c.covered), Some(1));
    }

    #[test]
    fn a_slower_walk_or_a_longer_detour_shrinks_the_reach() {
        let slower = Model {
            walk_metres_per_minute: 50,
            ..MODEL
        };
        assert!((slower.reach_metres() - 576.923).abs() < 0.001);
        let straight = Model {
            detour_percent: 100,
            ..MODEL
        };
        assert_eq!(straight.reach_metres(), 900.0);
    }

    #[test]
    fn the_target_is_met_at_exactly_its_share() {
        assert!(MODEL.meets_target(90, 100));
        assert!(!MODEL.meets_target(89, 100));
        assert!(MODEL.meets_target(9, 10));
        assert!(MODEL.meets_target(0, 0));
    }

    #[test]
    fn each_kind_is_counted_and_an_elder_once_however_many_points_reach_them() {
        let plane = QINGDAO.plane();
        let here = Position::from_degrees(120.38, 36.07);
        let mut points = vec![station("A", here), station("B", here)];
        points.push(ServicePoint {
            kind: PointKind::Canteen,
            ..station("C", plane.offset(here, 600.0, 0.0))
        });
        let elders = [
            Elder {
                community: 0,
                at: Some(here),
            },
            Elder {
                community: 1,
                at: Some(plane.offset(here, 1_000.0, 0.0)),
            },
            Elder {
                community: 1,
                at: Some(plane.offset(here, 5_000.0, 0.0)),
            },
        ];
        let got = coverage(&["a".into(), "b".into()], &elders, &points, &MODEL, &plane);
        let [a, b] = [0, 1].map(|i| got.communities.get(i).cloned().unwrap_or_default());
        assert_eq!((a.covered, a.by_kind), (1, [0, 1, 1, 0, 0]));
        assert_eq!((b.elders, b.covered, b.by_kind), (2, 1, [0, 0, 1, 0, 0]));
        assert_eq!(a.centre, Some(here));
    }

    #[test]
    fn places_outside_the_city_are_refused_naming_the_coordinate() {
        assert!(QINGDAO.check(Position::from_degrees(120.38, 36.07)).is_ok());
        assert!(QINGDAO
            .check(Position::from_degrees(119.5, 35.583333))
            .is_ok());
        let e = QINGDAO
            .check(Position::from_degrees(116.4, 36.07))
            .expect_err("Beijing's longitude");
        assert_eq!(e.field, "lon");
        assert!(e.reason.contains("116.400000"), "{}", e.reason);
        let e = QINGDAO
            .check(Position::from_degrees(120.38, 37.150001))
            .expect_err("north of the city");
        assert_eq!(e.field, "lat");
    }

    #[test]
    fn greedy_placement_takes_the_largest_cluster_first_and_does_not_count_anyone_twice() {
        let plane = QINGDAO.plane();
        let here = Position::from_degrees(120.38, 36.07);
        let mut uncovered = Vec::new();
        // 30 elders in one cluster, 20 in another 5 km east, 5 alone far north.
        for i in 0..30 {
            uncovered.push((plane.offset(here, f64::from(i) * 5.0, 0.0), 0));
        }
        for i in 0..20 {
            uncovered.push((plane.offset(here, 5_000.0 + f64::from(i) * 5.0, 0.0), 1));
        }
        for i in 0..5 {
            uncovered.push((plane.offset(here, 0.0, 20_000.0 + f64::from(i)), 2));
        }
        let picks = suggest(&uncovered, 5, &MODEL, &plane);
        let gains: Vec<u64> = picks.iter().map(|s| s.gain).collect();
        assert_eq!(gains, [30, 20, 5]);
        assert_eq!(
            picks.iter().map(|s| s.community).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert!(plane.distance(picks[0].at, here) < 100.0);
        assert!(suggest(&[], 3, &MODEL, &plane).is_empty());
        assert_eq!(suggest(&uncovered, 1, &MODEL, &plane).len(), 1);
    }
}
