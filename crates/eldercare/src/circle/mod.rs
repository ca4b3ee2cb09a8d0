//! The 15-minute elderly-service circle (15分钟养老服务圈, 崂办字〔2024〕12号 第七条): where the
//! older residents live and where the places that serve them stand, the share of each
//! community's elders within 15 minutes' walk of each kind of place, the communities below the
//! target, and where new stations would reach the most of those nobody reaches.
//!
//! - [`domain`]: the walking model, the city's extent, coverage over a spatial index and greedy
//!   placement (no IO);
//! - [`storage`]: household locations, service points and recorded coverage, reached as
//!   `store.circle()`;
//! - this module: the use cases, each checking who may act before the store is touched.
//!
//! Architecture invariant: coverage is computed from the registry as it stands on a day and
//! recorded whole — the run, its communities and its suggestions — with its audit entry, so a
//! page reads a consistent picture however long the computation took.

pub mod domain;
pub mod storage;

pub use domain::{
    coverage, permille, suggest, Bounds, CommunityCoverage, Coverage, Elder, Model, PointKind,
    ServicePoint, Suggestion,
};
pub use storage::{Circle, CircleStore, PlacedSuggestion, RunRecord};

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use minsheng_app::{Clock, Progress};
use minsheng_core::access::{Account, Role, Scope, Staff};
use minsheng_core::geo::Position;
use minsheng_core::{FieldError, Month};
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Store, StoreError};

use crate::facilities::{FacilitiesStore as _, Kind};
use crate::meals::MealsStore as _;
use crate::supervision::SupervisionStore as _;
use crate::visits::VisitsStore as _;

/// The catalog's variable that says who is an older resident.
pub const OLDER: &str = "older_person";

/// Suggested stations per district when none is asked for.
pub const SUGGESTIONS_PER_DISTRICT: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum CircleError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for CircleError {
    fn from(e: FieldError) -> Self {
        CircleError::Invalid(e)
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> CircleError {
    CircleError::Invalid(FieldError::new(field, reason))
}

fn figure(policy: &Policy, name: &str, on: NaiveDate) -> Result<u32, FieldError> {
    policy
        .count(&format!("eldercare.service_circle.{name}"), on)
        .ok_or_else(|| FieldError::new("on", format!("政策中没有 {on} 有效的服务圈参数 {name}")))
}

/// The walking model in force on `on` (`eldercare.service_circle`).
pub fn model(policy: &Policy, on: NaiveDate) -> Result<Model, FieldError> {
    Ok(Model {
        minutes: figure(policy, "minutes", on)?,
        walk_metres_per_minute: figure(policy, "walk_metres_per_minute", on)?,
        detour_percent: figure(policy, "detour_percent", on)?,
        target_percent: figure(policy, "target_percent", on)?,
    })
}

/// The city's extent as the catalog gives it.
pub fn bounds(policy: &Policy, on: NaiveDate) -> Result<Bounds, FieldError> {
    let get = |name: &str| figure(policy, &format!("{name}_microdegrees"), on).map(i64::from);
    Ok(Bounds {
        west: get("west")?,
        east: get("east")?,
        south: get("south")?,
        north: get("north")?,
    })
}

/// The audit entry of a change the circle records.
fn entry(actor: &str, action: &str, subject: &str, detail: String, clock: Clock) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.into(),
        action: action.into(),
        subject: subject.into(),
        detail,
        at: clock.now,
    }
}

/// Planning the network is the district's and the city's: they file places and compute.
fn planner(who: &Account) -> Result<&Staff, CircleError> {
    match who {
        Account::Staff(s) if matches!(s.role, Role::District | Role::City) => Ok(s),
        _ => Err(invalid("actor", "养老服务设施布局由区或市民政工作人员维护")),
    }
}

/// A service point as a file gives it: text, checked by [`check_points`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PointRow {
    pub kind: String,
    pub code: String,
    pub name: String,
    pub area_code: String,
    pub lon: String,
    pub lat: String,
}

/// A household's location as a file gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HomeRow {
    pub household: String,
    pub lon: String,
    pub lat: String,
}

/// The file's line of row `i` (after its header).
fn line(i: usize) -> usize {
    i + 2
}

fn at_line(i: usize, e: FieldError) -> CircleError {
    invalid(&e.field, format!("第 {} 行：{}", line(i), e.reason))
}

fn position(lon: &str, lat: &str, bounds: &Bounds) -> Result<Position, FieldError> {
    let degrees = |field: &str, text: &str| {
        Position::parse_degrees(text).ok_or_else(|| {
            FieldError::new(field, format!("「{text}」不是以度表示的数（最多六位小数）"))
        })
    };
    let at = Position {
        lon: degrees("lon", lon)?,
        lat: degrees("lat", lat)?,
    };
    bounds.check(at)?;
    Ok(at)
}

/// Checks every row of a file of service points: a known kind, a code given once, a name, an
/// area of the registry and a place inside the city. The first fault is reported with its line.
pub fn check_points(
    rows: &[PointRow],
    bounds: &Bounds,
    areas: &HashSet<String>,
) -> Result<Vec<ServicePoint>, CircleError> {
    let mut seen = HashSet::new();
    let mut points = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let fault = |field: &str, reason: String| at_line(i, FieldError::new(field, reason));
        let kind = PointKind::parse(&row.kind).map_err(|e| fault("kind", e))?;
        let code = row.code.trim();
        if code.is_empty() {
            return Err(fault("code", "设施编码不能为空".into()));
        }
        if !seen.insert((kind, code.to_string())) {
            return Err(fault("code", format!("设施「{code}」在文件中出现了两次")));
        }
        let name = row.name.trim();
        if name.is_empty() {
            return Err(fault("name", "设施名称不能为空".into()));
        }
        let area = row.area_code.trim();
        if !areas.contains(area) {
            return Err(fault("area_code", format!("「{area}」不是本市登记的区域")));
        }
        let at = position(&row.lon, &row.lat, bounds).map_err(|e| at_line(i, e))?;
        points.push(ServicePoint {
            kind,
            code: code.to_string(),
            name: name.to_string(),
            area: area.to_string(),
            at,
        });
    }
    Ok(points)
}

/// Files the service points of a file, all or none, replacing those of the same kind and code.
pub async fn import_points(
    store: &Store,
    policy: &Policy,
    who: &Account,
    rows: &[PointRow],
    clock: Clock,
) -> Result<usize, CircleError> {
    let staff = planner(who)?;
    let bounds = bounds(policy, clock.today)?;
    let areas: HashSet<String> = store
        .areas()
        .await?
        .into_iter()
        .map(|a| a.code.as_str().to_string())
        .collect();
    let points = check_points(rows, &bounds, &areas)?;
    if let Some(p) = points
        .iter()
        .find(|p| !minsheng_core::AreaCode::parse(&p.area).is_ok_and(|a| a.is_within(&staff.area)))
    {
        return Err(invalid(
            "area_code",
            format!("设施「{}」所在区域 {} 不在您的管辖范围内", p.code, p.area),
        ));
    }
    store
        .circle()
        .place(
            &points,
            (&staff.name, clock.now),
            entry(
                &staff.name,
                "service_points_import",
                "service_point",
                format!("points={}", points.len()),
                clock,
            ),
        )
        .await?;
    Ok(points.len())
}

/// Records where the households of a file live, all or none: each household by its code in
/// the registry, each place inside the city.
pub async fn import_locations(
    store: &Store,
    policy: &Policy,
    who: &Account,
    rows: &[HomeRow],
    clock: Clock,
) -> Result<usize, CircleError> {
    let staff = planner(who)?;
    let bounds = bounds(policy, clock.today)?;
    let codes: Vec<String> = rows
        .iter()
        .map(|r| r.household.trim().to_string())
        .collect();
    let ids = store.circle().household_ids(&codes).await?;
    let mut seen = HashSet::new();
    let mut homes = Vec::with_capacity(rows.len());
    for (i, (row, code)) in rows.iter().zip(&codes).enumerate() {
        let Some(&id) = ids.get(code) else {
            return Err(at_line(
                i,
                FieldError::new("household", format!("户「{code}」不在户籍登记中")),
            ));
        };
        if !seen.insert(id) {
            return Err(at_line(
                i,
                FieldError::new("household", format!("户「{code}」在文件中出现了两次")),
            ));
        }
        let at = position(&row.lon, &row.lat, &bounds).map_err(|e| at_line(i, e))?;
        homes.push((id, at));
    }
    store
        .circle()
        .locate(
            &homes,
            "imported",
            (&staff.name, clock.now),
            entry(
                &staff.name,
                "household_locations_import",
                "household_location",
                format!("households={}", homes.len()),
                clock,
            ),
        )
        .await?;
    Ok(homes.len())
}

/// Computes the circle over the registry as it stands on `on` — every older resident the rules
/// count, located by their household, against every service point — with up to `per_district`
/// suggested stations in each district, and records it whole.
pub async fn refresh(
    store: &Store,
    policy: &Policy,
    who: &Account,
    on: NaiveDate,
    per_district: usize,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<RunRecord, CircleError> {
    let staff = planner(who)?;
    let model = model(policy, on)?;
    let plane = bounds(policy, on)?.plane();
    let older = policy
        .variable(OLDER)
        .ok_or_else(|| invalid("policy", format!("政策中没有变量 {OLDER}")))?;
    let month = Month::containing(on);
    let registry =
        minsheng_app::policy::load_as_of(store, policy, month, on, true, progress).await?;
    let result = registry.evaluate(policy, month, &[older]);
    let column = result
        .columns
        .first()
        .map(|(_, c)| c)
        .ok_or_else(|| invalid("policy", format!("政策未能计算 {OLDER}")))?;
    let dead = store.visits().dead_by(on).await?;
    let homes = store.circle().locations().await?;
    let mut communities: Vec<String> = Vec::new();
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut elders = Vec::new();
    for (h, community) in registry.communities.iter().enumerate() {
        let household = registry.household_ids.get(h).copied().unwrap_or_default();
        let at = homes.get(&household).copied();
        for row in registry.rows(minsheng_policy::Entity::Member, h) {
            let alive = registry.persons.get(row).is_some_and(|p| !dead.contains(p));
            if column.errors.contains_key(&row) || column.get(row) != 1 || !alive {
                continue;
            }
            let next = u32::try_from(communities.len()).unwrap_or(u32::MAX);
            let c = *index.entry(community.as_str()).or_insert_with(|| {
                communities.push(community.clone());
                next
            });
            elders.push(Elder { community: c, at });
        }
    }
    let points = store.circle().points(&Scope::Everything).await?;
    let found = coverage(&communities, &elders, &points, &model, &plane);
    let mut by_district: BTreeMap<&str, Vec<(Position, u32)>> = BTreeMap::new();
    for &(at, c) in &found.uncovered {
        let code = communities.get(c as usize).map_or("", String::as_str);
        by_district
            .entry(code.get(..6).unwrap_or(code))
            .or_default()
            .push((at, c));
    }
    let mut suggestions = Vec::new();
    for uncovered in by_district.values() {
        for (rank, s) in suggest(uncovered, per_district, &model, &plane)
            .into_iter()
            .enumerate()
        {
            suggestions.push(PlacedSuggestion {
                rank: u32::try_from(rank + 1).unwrap_or(u32::MAX),
                area: communities
                    .get(s.community as usize)
                    .cloned()
                    .unwrap_or_default(),
                at: s.at,
                gain: s.gain,
            });
        }
    }
    let sum = |f: fn(&CommunityCoverage) -> u64| found.communities.iter().map(f).sum::<u64>();
    let mut run = RunRecord {
        id: 0,
        as_of: on,
        model,
        elders: sum(|c| c.elders),
        located: sum(|c| c.located),
        covered: sum(|c| c.covered),
        points: u64::try_from(points.len()).unwrap_or(u64::MAX),
        // As the store keeps it: to the microsecond.
        computed_at: chrono::DateTime::from_timestamp_micros(clock.now.timestamp_micros())
            .unwrap_or(clock.now),
        computed_by: staff.name.clone(),
    };
    run.id = store
        .circle()
        .record_run(
            &run,
            &found.communities,
            &suggestions,
            entry(
                &staff.name,
                "service_circle_refresh",
                "circle_run",
                format!(
                    "as_of={on} elders={} located={} covered={} points={} suggestions={}",
                    run.elders,
                    run.located,
                    run.covered,
                    run.points,
                    suggestions.len()
                ),
                clock,
            ),
        )
        .await?;
    Ok(run)
}

/// The latest coverage as a scope sees it: its communities, its service points and the
/// stations suggested within it.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub run: RunRecord,
    pub communities: Vec<CommunityCoverage>,
    pub points: Vec<ServicePoint>,
    pub suggestions: Vec<PlacedSuggestion>,
}

impl View {
    /// The communities below the target, the least covered first.
    pub fn gaps(&self) -> Vec<&CommunityCoverage> {
        let mut gaps: Vec<&CommunityCoverage> = self
            .communities
            .iter()
            .filter(|c| !self.run.model.meets_target(c.covered, c.elders))
            .collect();
        gaps.sort_by_key(|c| (c.covered_permille(), std::cmp::Reverse(c.elders)));
        gaps
    }

    /// Totals per district (6-digit code) and for the whole scope (`None`).
    pub fn totals(&self) -> Vec<(Option<String>, CommunityCoverage)> {
        let mut by: BTreeMap<Option<String>, CommunityCoverage> = BTreeMap::new();
        for c in &self.communities {
            let district = c.area.get(..6).map(str::to_string);
            for key in [district, None] {
                let t = by.entry(key.clone()).or_insert_with(|| CommunityCoverage {
                    area: key.unwrap_or_default(),
                    ..CommunityCoverage::default()
                });
                t.elders += c.elders;
                t.located += c.located;
                t.covered += c.covered;
                for (n, k) in t.by_kind.iter_mut().zip(c.by_kind) {
                    *n += k;
                }
            }
        }
        // The whole scope last.
        let mut out: Vec<_> = by.into_iter().collect();
        let whole_first = usize::from(out.first().is_some_and(|(k, _)| k.is_none()));
        out.rotate_left(whole_first);
        out
    }
}

/// The latest coverage within what `who` may see (staff only; a provider sees nothing here).
pub async fn view(store: &Store, who: &Account) -> Result<Option<View>, CircleError> {
    let scope = match who {
        Account::Staff(s) if s.role != Role::Provider => who.scope(),
        _ => return Err(invalid("actor", "15分钟养老服务圈仅向民政工作人员开放")),
    };
    let circle = store.circle();
    let Some(run) = circle.last_run().await? else {
        return Ok(None);
    };
    Ok(Some(View {
        communities: circle.communities(run.id, &scope).await?,
        points: circle.points(&scope).await?,
        suggestions: circle.suggestions(run.id, &scope).await?,
        run,
    }))
}

/// Places the synthetic city's service points and households (the demo), unless service
/// points are filed already: centres, stations, canteens and institutions as filed, beside
/// the street or community they serve, and the dementia care centres the city would have.
/// Returns the points and households placed.
pub async fn file_synthetic(
    store: &Store,
    people: u64,
    seed: u64,
    actor: &str,
    clock: Clock,
) -> Result<(usize, usize), StoreError> {
    let circle = store.circle();
    if !circle.points(&Scope::Everything).await?.is_empty() {
        return Ok((0, 0));
    }
    let areas = store.areas().await?;
    let geography = minsheng_synth::geography::Geography::new(&areas, seed);
    let mut points = Vec::new();
    let mut add = |kind: PointKind, code: &str, name: &str, area: &str, metres: f64| {
        if let Some(at) = geography.near(area, code, metres) {
            points.push(ServicePoint {
                kind,
                code: code.to_string(),
                name: name.to_string(),
                area: area.to_string(),
                at,
            });
        }
    };
    for f in store.facilities().all().await? {
        let kind = match f.kind {
            Kind::StreetCentre => PointKind::StreetCentre,
            Kind::CommunityStation => PointKind::CommunityStation,
        };
        add(kind, &f.code, &f.name, f.area.as_str(), 200.0);
    }
    for c in store.meals().canteens().await? {
        let c = c.canteen;
        add(PointKind::Canteen, &c.code, &c.name, c.area.as_str(), 250.0);
    }
    for i in store.supervision().institutions().await? {
        add(
            PointKind::Institution,
            &i.code,
            &i.name,
            i.area.as_str(),
            600.0,
        );
    }
    for (code, name, street) in minsheng_synth::institutions::dementia_centres(&areas, people, seed)
    {
        add(PointKind::DementiaCentre, &code, &name, &street, 300.0);
    }
    let homes: Vec<(i64, Position)> = circle
        .households()
        .await?
        .into_iter()
        .filter_map(|(id, area)| Some((id, geography.household(&area, id)?)))
        .collect();
    let audit =
        |action: &str, detail: String| entry(actor, action, "service_circle", detail, clock);
    circle
        .place(
            &points,
            (actor, clock.now),
            audit(
                "service_points_import",
                format!("synthetic seed={seed} points={}", points.len()),
            ),
        )
        .await?;
    circle
        .locate(
            &homes,
            "synthetic",
            (actor, clock.now),
            audit(
                "household_locations_import",
                format!("synthetic seed={seed} households={}", homes.len()),
            ),
        )
        .await?;
    Ok((points.len(), homes.len()))
}
