//! `import`: persons and households from a roster file, all or nothing.
//!
//! Every row is checked before anything is written: its own fields, duplicates within the file
//! and against the registry, unknown areas, and household heads. Any error and nothing is
//! imported, unless the caller asks for the valid rows only; then whole households whose head
//! was rejected are held back too, so no household is left without a head.

use std::collections::{HashMap, HashSet};
use std::path::Path;

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
    let roster = open_roster(path)?;
    let mut report = ImportReport::default();
    let mut rows: Vec<(u64, Registration)> = Vec::new();
    progress.start("reading", None);
    for row in roster.rows {
        report.rows += 1;
        progress.advance(1);
        match row {
            Ok((line, cells)) => match parse_row(&roster.layout, &cells, line, clock.today) {
                Ok(r) => rows.push((line, r)),
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
    progress.start("checking", Some(rows.len() as u64));
    check_against_file_and_registry(store, &mut rows, &mut report).await?;
    report.errors.sort_by_key(|e| e.line);

    if !report.errors.is_empty() && !options.valid_only {
        progress.finish();
        return Ok(report);
    }
    progress.start("importing", Some(rows.len() as u64));
    let mut loader = store
        .begin_load(&format!("import:{}", path.display()), clock.now)
        .await?;
    for chunk in rows.chunks(LOAD_CHUNK) {
        let batch: Vec<Registration> = chunk.iter().map(|(_, r)| r.clone()).collect();
        loader.add(&batch).await?;
        progress.advance(batch.len() as u64);
    }
    let (persons, households) = loader.commit().await?;
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

/// Removes from `rows` every row that fails a check needing the whole file or the registry,
/// recording why in `report`.
async fn check_against_file_and_registry(
    store: &Store,
    rows: &mut Vec<(u64, Registration)>,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let mut rejected: HashMap<usize, Vec<RowError>> = HashMap::new();
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

    // Within the file.
    let registrations: Vec<Registration> = rows.iter().map(|(_, r)| r.clone()).collect();
    for d in find_duplicates(&registrations) {
        let (line, first) = (rows[d.index].0, rows[d.first].0);
        match d.kind {
            DuplicateKind::SameIdNumber => reject(&mut rejected, d.index, line, "id_number", format!("the same ID number is on line {first}")),
            DuplicateKind::SameNameBirthArea => reject(&mut rejected, d.index, line, "name", format!("probably the same person as line {first} (same name, birth date and area, another ID number)")),
        }
    }

    // Against the registry.
    let areas: HashSet<String> = store
        .areas()
        .await?
        .into_iter()
        .map(|a| a.code.as_str().to_string())
        .collect();
    let ids: Vec<&str> = rows
        .iter()
        .map(|(_, r)| r.person.id_number.as_str())
        .collect();
    let registered = store.registered_id_numbers(&ids).await?;
    let keys: Vec<(&str, chrono::NaiveDate)> = rows
        .iter()
        .map(|(_, r)| (r.person.name.trim(), r.birth_date))
        .collect();
    let namesakes: HashMap<(String, chrono::NaiveDate, String), String> = store
        .persons_named(&keys)
        .await?
        .into_iter()
        .map(|(name, birth, area, id)| ((name, birth, area.as_str().to_string()), id.masked()))
        .collect();
    for (i, (line, r)) in rows.iter().enumerate() {
        if !areas.contains(r.facts.area.as_str()) {
            reject(
                &mut rejected,
                i,
                *line,
                "area",
                format!("{} is not a known area code", r.facts.area),
            );
        }
        if registered.contains(r.person.id_number.as_str()) {
            reject(
                &mut rejected,
                i,
                *line,
                "id_number",
                "is already registered (record changes through the registry, not an import)".into(),
            );
        } else if let Some(other) = namesakes.get(&(
            r.person.name.trim().to_string(),
            r.birth_date,
            r.facts.area.as_str().to_string(),
        )) {
            reject(&mut rejected, i, *line, "name", format!("probably the same person as {other}, already registered (same name, birth date and area)"));
        }
    }

    // Household heads: exactly one per household, counting the registry's current members.
    let codes: Vec<&str> = rows
        .iter()
        .map(|(_, r)| r.facts.household.as_str())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let existing = store.household_heads(&codes).await?;
    let mut heads: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, r)) in rows.iter().enumerate() {
        if r.facts.relation == Relation::Head {
            heads.entry(r.facts.household.as_str()).or_default().push(i);
        }
    }
    for (i, (line, r)) in rows.iter().enumerate() {
        let code = r.facts.household.as_str();
        let in_file = heads.get(code).map_or(&[][..], Vec::as_slice);
        let registry_head = existing.get(code).copied().unwrap_or(false);
        if r.facts.relation == Relation::Head {
            if registry_head {
                reject(
                    &mut rejected,
                    i,
                    *line,
                    "relation",
                    format!("household {code} already has a head in the registry"),
                );
            } else if in_file.first() != Some(&i) {
                let first = in_file.first().map_or(0, |f| rows[*f].0);
                reject(
                    &mut rejected,
                    i,
                    *line,
                    "relation",
                    format!("household {code} already has a head on line {first}"),
                );
            }
        } else if in_file.is_empty() && !existing.contains_key(code) {
            reject(
                &mut rejected,
                i,
                *line,
                "household",
                format!("new household {code} has no member with relation 'head'"),
            );
        }
    }

    // A household whose head is rejected cannot be imported in part.
    let headless: HashSet<String> = rejected
        .keys()
        .filter(|i| rows[**i].1.facts.relation == Relation::Head)
        .map(|i| rows[*i].1.facts.household.clone())
        .collect();
    for (i, (line, r)) in rows.iter().enumerate() {
        if headless.contains(&r.facts.household) && !rejected.contains_key(&i) {
            reject(
                &mut rejected,
                i,
                *line,
                "household",
                format!("the head of household {} was rejected", r.facts.household),
            );
        }
    }

    let mut index = 0;
    rows.retain(|_| {
        let keep = !rejected.contains_key(&index);
        index += 1;
        keep
    });
    report.errors.extend(rejected.into_values().flatten());
    Ok(())
}
