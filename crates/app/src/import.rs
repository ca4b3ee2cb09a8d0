//! `import`: persons and households from a roster file, all or nothing.
//!
//! Every row is checked: its own fields, duplicates within the file and against the registry,
//! unknown areas, and household heads. Any error and nothing is imported, unless the caller
//! asks for the valid rows only; then whole households whose head was rejected are held back
//! too, so no household is left without a head.
//!
//! Into an empty registry (a city's first load, the big one) rows stream into the load as they
//! are checked and an error rolls it back; otherwise every row is checked before anything is
//! written.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use minsheng_core::registry::{DuplicateDetector, DuplicateKind, Registration, Relation};
use minsheng_exchange::{open_roster, parse_row, Layout, Roster, RosterError, RosterRow, RowError};
use minsheng_store::{Loader, NewAuditEntry, Store, StoreError};

use crate::{Clock, Progress};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    File(#[from] RosterError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOptions {
    /// Import the rows that pass and report the others, instead of importing nothing.
    pub valid_only: bool,
}

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub rows: u64,
    pub imported: u64,
    pub households_created: u64,
    /// Every problem found, in line order.
    pub errors: Vec<RowError>,
}

impl ImportReport {
    pub fn rejected_lines(&self) -> u64 {
        self.errors
            .iter()
            .map(|e| e.line)
            .collect::<HashSet<_>>()
            .len() as u64
    }
}

/// About how many households `rows` residents make: a bound on the seeds' 2.6 residents a
/// household, generous enough to leave room for single-person ones.
fn households_among(rows: usize) -> usize {
    rows / 2
}

/// Rows per loader call: large enough for the bulk paths, small enough for steady progress.
const LOAD_CHUNK: usize = 20_000;

pub async fn import(
    store: &Store,
    path: &Path,
    options: ImportOptions,
    actor: &str,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    let roster = open_roster(path)?;
    let source = format!("import:{}", path.display());
    let areas: HashSet<String> = store
        .areas()
        .await?
        .into_iter()
        .map(|a| a.code.as_str().to_string())
        .collect();
    let mut report = ImportReport::default();
    let streaming = if options.valid_only {
        None
    } else {
        let loader = store.begin_load(&source, clock.now).await?;
        if loader.into_empty_registry() {
            Some(loader)
        } else {
            // A populated registry: check every row against it first.
            loader.abandon().await?;
            None
        }
    };
    // The audit entry commits with the load: the rows imported and the lines rejected.
    let subject = path.display().to_string();
    let record = |imported: u64, rejected: u64| NewAuditEntry {
        actor: actor.into(),
        action: "import".into(),
        subject: subject.clone(),
        detail: format!("imported={imported} rejected_lines={rejected}"),
        at: clock.now,
    };
    let loaded = match streaming {
        Some(loader) => {
            stream(loader, roster, areas, &record, clock, progress, &mut report).await?
        }
        None => {
            check_then_load(
                store,
                roster,
                areas,
                options,
                &source,
                &record,
                clock,
                progress,
                &mut report,
            )
            .await?
        }
    };
    progress.finish();
    report.errors.sort_by_key(|e| e.line);
    let Some((persons, households)) = loaded else {
        return Ok(report);
    };
    report.imported = persons;
    report.households_created = households;
    Ok(report)
}

type Loaded = Option<(u64, u64)>;

/// Parses one roster row, recording its errors; `None` when it was rejected on its own.
fn parse(
    row: RosterRow,
    layout: &Layout,
    today: NaiveDate,
    report: &mut ImportReport,
) -> Result<Option<(u64, Registration)>, ImportError> {
    report.rows += 1;
    match row {
        Ok((line, cells)) => match parse_row(layout, &cells, line, today) {
            Ok(r) => Ok(Some((line, r))),
            Err(errors) => {
                report.errors.extend(errors);
                Ok(None)
            }
        },
        Err(RosterError::Malformed { line, reason }) => {
            report.errors.push(RowError {
                line,
                field: "(row)".into(),
                reason,
            });
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

/// Into an empty registry, all or nothing: rows go to the loader as they are read and checked,
/// so reading, checking and writing overlap; the first bad row abandons the load (rolling it
/// back) and the rest of the file is only read, to report every error.
async fn stream(
    mut loader: Loader,
    roster: Roster,
    areas: HashSet<String>,
    record: &dyn Fn(u64, u64) -> NewAuditEntry,
    clock: Clock,
    progress: &dyn Progress,
    report: &mut ImportReport,
) -> Result<Loaded, ImportError> {
    let started = std::time::Instant::now();
    progress.start("importing", None);
    loader.reserve(households_among(roster.expected_rows));
    let mut loader = Some(loader);
    let mut checks = FileChecks::new(areas, roster.expected_rows);
    let mut batch = Vec::with_capacity(LOAD_CHUNK);
    for row in roster.rows {
        progress.advance(1);
        let Some((line, r)) = parse(row, &roster.layout, clock.today, report)? else {
            loader = None;
            continue;
        };
        let position = checks.lines.len();
        for (field, reason) in checks.admit(position, line, &r) {
            report.errors.push(RowError {
                line,
                field: field.into(),
                reason,
            });
            loader = None;
        }
        if let Some(loader) = loader.as_mut() {
            batch.push(r);
            if batch.len() == LOAD_CHUNK {
                loader.add(&batch).await?;
                batch.clear();
            }
        }
    }
    for (code, _, line) in checks.headless() {
        report.errors.push(RowError {
            line,
            field: "household".into(),
            reason: no_head(code),
        });
    }
    tracing::info!(
        rows = report.rows,
        seconds = started.elapsed().as_secs_f64(),
        "import: rows read, checked and handed to the loader"
    );
    let Some(mut loader) = loader.filter(|_| report.errors.is_empty()) else {
        return Ok(None);
    };
    loader.add(&batch).await?;
    let rejected = report.rejected_lines();
    let counts = loader
        .commit(|persons, _| record(persons, rejected))
        .await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "import: committed"
    );
    Ok(Some(counts))
}

#[allow(clippy::too_many_arguments)]
async fn check_then_load(
    store: &Store,
    roster: Roster,
    areas: HashSet<String>,
    options: ImportOptions,
    source: &str,
    record: &dyn Fn(u64, u64) -> NewAuditEntry,
    clock: Clock,
    progress: &dyn Progress,
    report: &mut ImportReport,
) -> Result<Loaded, ImportError> {
    let started = std::time::Instant::now();
    let mut rows = Rows::default();
    progress.start("reading", None);
    for row in roster.rows {
        progress.advance(1);
        if let Some((line, r)) = parse(row, &roster.layout, clock.today, report)? {
            rows.lines.push(line);
            rows.registrations.push(r);
        }
    }
    tracing::info!(
        rows = report.rows,
        seconds = started.elapsed().as_secs_f64(),
        "import: file read and rows checked"
    );
    progress.start("checking", Some(rows.registrations.len() as u64));
    check_against_file_and_registry(store, areas, &mut rows, report).await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "import: checked against file and registry"
    );
    if !report.errors.is_empty() && !options.valid_only {
        return Ok(None);
    }
    progress.start("importing", Some(rows.registrations.len() as u64));
    let mut loader = store.begin_load(source, clock.now).await?;
    for batch in rows.registrations.chunks(LOAD_CHUNK) {
        loader.add(batch).await?;
        progress.advance(batch.len() as u64);
    }
    let rejected = report.rejected_lines();
    let counts = loader
        .commit(|persons, _| record(persons, rejected))
        .await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "import: committed"
    );
    Ok(Some(counts))
}

/// Checks that need only the file and the list of areas, made row by row as rows arrive:
/// duplicates within the file, unknown areas, and one head per household.
struct FileChecks {
    areas: HashSet<String>,
    duplicates: DuplicateDetector,
    /// File line of each admitted row, by position.
    lines: Vec<u64>,
    // FxHash: SipHash on a million household codes was a visible share of an import.
    households: FxHashMap<String, HouseholdRows>,
}

#[derive(Default)]
struct HouseholdRows {
    /// Position and line of its head.
    head: Option<(usize, u64)>,
    /// Members seen while it had no head yet, by position; cleared when the head arrives.
    waiting: Vec<usize>,
}

fn no_head(code: &str) -> String {
    format!("新户 {code} 没有与户主关系为“户主”的成员")
}

impl FileChecks {
    /// Checks for about `rows` rows. Sizing the tables up front saves growing them row by row:
    /// on a million rows, rehashing was a tenth of reading and checking.
    fn new(areas: HashSet<String>, rows: usize) -> FileChecks {
        FileChecks {
            areas,
            duplicates: DuplicateDetector::with_capacity(rows),
            lines: Vec::with_capacity(rows),
            households: FxHashMap::with_capacity_and_hasher(
                households_among(rows),
                Default::default(),
            ),
        }
    }

    /// Checks the row at `position` (its index among admitted rows) against the ones before it.
    fn admit(
        &mut self,
        position: usize,
        line: u64,
        r: &Registration,
    ) -> Vec<(&'static str, String)> {
        self.lines.push(line);
        let mut problems = Vec::new();
        if let Some((first, kind)) = self.duplicates.admit(position, r) {
            // `first` is an earlier row's position, whose line is already in `lines`.
            let first = self.lines.get(first).copied().unwrap_or_default();
            problems.push(match kind {
                DuplicateKind::SameIdNumber => {
                    ("id_number", format!("与第 {first} 行的身份证号相同"))
                }
                DuplicateKind::SameNameBirthArea => (
                    "name",
                    format!(
                        "可能与第 {first} 行是同一人（姓名、出生日期和区域相同，身份证号不同）"
                    ),
                ),
            });
        }
        if !self.areas.contains(r.facts.area.as_str()) {
            problems.push(("area", format!("{} 不是已登记的区域代码", r.facts.area)));
        }
        let code = r.facts.household.as_str();
        let household = match self.households.get_mut(code) {
            Some(h) => h,
            None => self.households.entry(code.to_string()).or_default(),
        };
        if r.facts.relation == Relation::Head {
            match household.head {
                Some((_, first)) => {
                    problems.push(("relation", format!("户 {code} 在第 {first} 行已有户主")))
                }
                None => {
                    household.head = Some((position, line));
                    household.waiting = Vec::new();
                }
            }
        } else if household.head.is_none() {
            household.waiting.push(position);
        }
        problems
    }

    /// Every row of a household that had no head in the file: (household, position, line).
    fn headless(&self) -> impl Iterator<Item = (&str, usize, u64)> + '_ {
        self.households
            .iter()
            .filter(|(_, h)| h.head.is_none())
            .flat_map(move |(code, h)| {
                // Every waiting position was admitted, its line pushed to `lines`.
                h.waiting.iter().map(move |&position| {
                    let line = self.lines.get(position).copied().unwrap_or_default();
                    (code.as_str(), position, line)
                })
            })
    }

    fn heads(&self) -> impl Iterator<Item = (&str, usize, u64)> + '_ {
        self.households.iter().filter_map(|(code, h)| {
            h.head
                .map(|(position, line)| (code.as_str(), position, line))
        })
    }
}

/// Rows that passed their own checks: file lines and registrations, side by side.
#[derive(Default)]
struct Rows {
    lines: Vec<u64>,
    registrations: Vec<Registration>,
}

fn reject(
    rejected: &mut HashMap<usize, Vec<RowError>>,
    i: usize,
    line: u64,
    field: &str,
    reason: String,
) {
    rejected.entry(i).or_default().push(RowError {
        line,
        field: field.into(),
        reason,
    });
}

/// Removes from `rows` every row that fails a check needing the whole file or the registry,
/// recording why in `report`.
async fn check_against_file_and_registry(
    store: &Store,
    areas: HashSet<String>,
    rows: &mut Rows,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let (lines, regs) = (&rows.lines, &rows.registrations);
    let mut rejected: HashMap<usize, Vec<RowError>> = HashMap::new();

    let mut checks = FileChecks::new(areas, regs.len());
    for (i, (r, &line)) in regs.iter().zip(lines).enumerate() {
        for (field, reason) in checks.admit(i, line, r) {
            reject(&mut rejected, i, line, field, reason);
        }
    }

    // Against the registry. An empty registry holds no one to collide with; skip the look-ups.
    let empty = store.registry_is_empty().await?;
    let (registered, namesakes, existing) = if empty {
        (HashSet::new(), HashMap::new(), HashMap::new())
    } else {
        let ids: Vec<&str> = regs.iter().map(|r| r.person.id_number.as_str()).collect();
        let keys: Vec<(&str, NaiveDate, &str)> = regs
            .iter()
            .map(|r| (r.person.name.trim(), r.birth_date, r.facts.area.as_str()))
            .collect();
        let namesakes: HashMap<(String, NaiveDate, String), String> = store
            .persons_named(&keys)
            .await?
            .into_iter()
            .map(|(name, birth, area, id)| ((name, birth, area.as_str().to_string()), id.masked()))
            .collect();
        let codes: Vec<&str> = checks.households.keys().map(String::as_str).collect();
        (
            store.registered_id_numbers(&ids).await?,
            namesakes,
            store.household_heads(&codes).await?,
        )
    };
    for (i, (r, &line)) in regs.iter().zip(lines).enumerate() {
        if registered.contains(r.person.id_number.as_str()) {
            let reason =
                "is already registered (record changes through the registry, not an import)";
            reject(&mut rejected, i, line, "id_number", reason.into());
        } else if !namesakes.is_empty() {
            let key = (
                r.person.name.trim().to_string(),
                r.birth_date,
                r.facts.area.as_str().to_string(),
            );
            if let Some(other) = namesakes.get(&key) {
                let reason = format!("可能与已登记的 {other} 是同一人（姓名、出生日期和区域相同）");
                reject(&mut rejected, i, line, "name", reason);
            }
        }
    }
    // Household heads: exactly one per household, counting the registry's current members.
    for (code, i, line) in checks.heads() {
        if existing.get(code).copied().unwrap_or(false) {
            let reason = format!("户 {code} 在一人一档中已有户主");
            reject(&mut rejected, i, line, "relation", reason);
        }
    }
    for (code, i, line) in checks.headless() {
        if !existing.contains_key(code) {
            reject(&mut rejected, i, line, "household", no_head(code));
        }
    }

    // A household whose head is rejected cannot be imported in part, unless the registry
    // already gives it a head. A second row claiming to head it is rejected on its own and
    // holds nothing back.
    let headless: HashSet<&str> = checks
        .heads()
        .filter(|(code, i, _)| {
            rejected.contains_key(i) && !existing.get(*code).copied().unwrap_or(false)
        })
        .map(|(code, _, _)| code)
        .collect();
    let mut held_back = Vec::new();
    for (i, (r, &line)) in regs.iter().zip(lines).enumerate() {
        if headless.contains(r.facts.household.as_str()) && !rejected.contains_key(&i) {
            held_back.push((
                i,
                line,
                format!("户 {} 的户主未通过检查", r.facts.household),
            ));
        }
    }
    for (i, line, reason) in held_back {
        reject(&mut rejected, i, line, "household", reason);
    }

    if !rejected.is_empty() {
        let keep: Vec<bool> = (0..regs.len())
            .map(|i| !rejected.contains_key(&i))
            .collect();
        let mut k = keep.iter();
        rows.lines.retain(|_| k.next().copied().unwrap_or(false));
        let mut k = keep.iter();
        rows.registrations
            .retain(|_| k.next().copied().unwrap_or(false));
    }
    report.errors.extend(rejected.into_values().flatten());
    Ok(())
}
