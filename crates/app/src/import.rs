//! `import`: persons and households from a roster file, all or nothing.
//!
//! Every row is checked before anything is written: its own fields, duplicates within the file
//! and against the registry, unknown areas, and household heads. Any error and nothing is
//! imported, unless the caller asks for the valid rows only; then whole households whose head
//! was rejected are held back too, so no household is left without a head.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;

use minsheng_core::registry::{find_duplicates, DuplicateKind, Registration, Relation};
use minsheng_exchange::{open_roster, parse_row, RosterError, RowError};
use minsheng_store::{Store, StoreError};

use crate::{Clock, Progress};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(#[from] RosterError),
    #[error("{0}")]
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
    let started = std::time::Instant::now();
    let roster = open_roster(path)?;
    let mut report = ImportReport::default();
    let mut rows = Rows::default();
    progress.start("reading", None);
    for row in roster.rows {
        report.rows += 1;
        progress.advance(1);
        match row {
            Ok((line, cells)) => match parse_row(&roster.layout, &cells, line, clock.today) {
                Ok(r) => {
                    rows.lines.push(line);
                    rows.registrations.push(r);
                }
                Err(errors) => report.errors.extend(errors),
            },
            Err(RosterError::Malformed { line, reason }) => report.errors.push(RowError {
                line,
                field: "(row)".into(),
                reason,
            }),
            Err(other) => return Err(other.into()),
        }
    }
    tracing::info!(
        rows = report.rows,
        seconds = started.elapsed().as_secs_f64(),
        "import: file read and rows checked"
    );
    progress.start("checking", Some(rows.registrations.len() as u64));
    check_against_file_and_registry(store, &mut rows, &mut report).await?;
    report.errors.sort_by_key(|e| e.line);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "import: checked against file and registry"
    );

    if !report.errors.is_empty() && !options.valid_only {
        progress.finish();
        return Ok(report);
    }
    progress.start("importing", Some(rows.registrations.len() as u64));
    let mut loader = store
        .begin_load(&format!("import:{}", path.display()), clock.now)
        .await?;
    for batch in rows.registrations.chunks(LOAD_CHUNK) {
        loader.add(batch).await?;
        progress.advance(batch.len() as u64);
    }
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "import: rows handed to the loader"
    );
    let (persons, households) = loader.commit().await?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "import: committed"
    );
    progress.finish();
    report.imported = persons;
    report.households_created = households;
    store
        .audit(
            actor,
            "import",
            &path.display().to_string(),
            &format!(
                "imported={persons} rejected_lines={}",
                report.rejected_lines()
            ),
            clock.now,
        )
        .await?;
    Ok(report)
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
    rows: &mut Rows,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let (lines, regs) = (&rows.lines, &rows.registrations);
    let mut rejected: HashMap<usize, Vec<RowError>> = HashMap::new();
    let t0 = std::time::Instant::now();

    // Within the file.
    for d in find_duplicates(regs) {
        let (line, first) = (lines[d.index], lines[d.first]);
        let (field, reason) = match d.kind {
            DuplicateKind::SameIdNumber => ("id_number", format!("the same ID number is on line {first}")),
            DuplicateKind::SameNameBirthArea => (
                "name",
                format!("probably the same person as line {first} (same name, birth date and area, another ID number)"),
            ),
        };
        reject(&mut rejected, d.index, line, field, reason);
    }

    tracing::info!(seconds = t0.elapsed().as_secs_f64(), "check step done");
    // Against the registry.
    let areas: HashSet<String> = store
        .areas()
        .await?
        .into_iter()
        .map(|a| a.code.as_str().to_string())
        .collect();
    // An empty registry holds no one to collide with; skip the look-ups.
    let empty = store.registry_is_empty().await?;
    let (registered, namesakes) = if empty {
        (HashSet::new(), HashMap::new())
    } else {
        let ids: Vec<&str> = regs.iter().map(|r| r.person.id_number.as_str()).collect();
        let keys: Vec<(&str, NaiveDate)> = regs
            .iter()
            .map(|r| (r.person.name.trim(), r.birth_date))
            .collect();
        let namesakes: HashMap<(String, NaiveDate, String), String> = store
            .persons_named(&keys)
            .await?
            .into_iter()
            .map(|(name, birth, area, id)| ((name, birth, area.as_str().to_string()), id.masked()))
            .collect();
        (store.registered_id_numbers(&ids).await?, namesakes)
    };
    for (i, r) in regs.iter().enumerate() {
        let line = lines[i];
        if !areas.contains(r.facts.area.as_str()) {
            reject(
                &mut rejected,
                i,
                line,
                "area",
                format!("{} is not a known area code", r.facts.area),
            );
        }
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
                let reason = format!("probably the same person as {other}, already registered (same name, birth date and area)");
                reject(&mut rejected, i, line, "name", reason);
            }
        }
    }

    tracing::info!(seconds = t0.elapsed().as_secs_f64(), "check step done");
    // Household heads: exactly one per household, counting the registry's current members.
    let codes: Vec<&str> = regs
        .iter()
        .map(|r| r.facts.household.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let existing = if empty {
        HashMap::new()
    } else {
        store.household_heads(&codes).await?
    };
    let mut heads: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, r) in regs.iter().enumerate() {
        if r.facts.relation == Relation::Head {
            heads.entry(r.facts.household.as_str()).or_default().push(i);
        }
    }
    for (i, r) in regs.iter().enumerate() {
        let line = lines[i];
        let code = r.facts.household.as_str();
        let in_file = heads.get(code).map_or(&[][..], Vec::as_slice);
        let registry_head = existing.get(code).copied().unwrap_or(false);
        if r.facts.relation == Relation::Head {
            if registry_head {
                reject(
                    &mut rejected,
                    i,
                    line,
                    "relation",
                    format!("household {code} already has a head in the registry"),
                );
            } else if in_file.first() != Some(&i) {
                let first = in_file.first().map_or(0, |f| lines[*f]);
                reject(
                    &mut rejected,
                    i,
                    line,
                    "relation",
                    format!("household {code} already has a head on line {first}"),
                );
            }
        } else if in_file.is_empty() && !existing.contains_key(code) {
            reject(
                &mut rejected,
                i,
                line,
                "household",
                format!("new household {code} has no member with relation 'head'"),
            );
        }
    }

    tracing::info!(seconds = t0.elapsed().as_secs_f64(), "check step done");
    // A household whose head is rejected cannot be imported in part.
    let headless: HashSet<&str> = rejected
        .keys()
        .filter(|i| regs[**i].facts.relation == Relation::Head)
        .map(|i| regs[*i].facts.household.as_str())
        .collect();
    let mut held_back = Vec::new();
    for (i, r) in regs.iter().enumerate() {
        if headless.contains(r.facts.household.as_str()) && !rejected.contains_key(&i) {
            held_back.push((
                i,
                format!("the head of household {} was rejected", r.facts.household),
            ));
        }
    }
    for (i, reason) in held_back {
        reject(&mut rejected, i, lines[i], "household", reason);
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
