//! Loading the holiday calendar, and the deadlines counted with it.

use std::path::Path;

use chrono::NaiveDate;
use minsheng_core::{CalendarDay, CalendarError, Deadline, FieldError, WorkCalendar};
use minsheng_exchange::{parse_calendar, read_calendar, RosterError, RowError};
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Store, StoreError};

use minsheng_app::Clock;

use crate::domain::cases::{Case, Procedure};
use crate::storage::CasesStore as _;

#[derive(Debug, thiserror::Error)]
pub enum CalendarFileError {
    #[error(transparent)]
    File(#[from] RosterError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error("{} rows rejected, nothing loaded:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
    #[error(transparent)]
    Deadline(#[from] FieldError),
}

/// What loading a calendar did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The years loaded, replaced where they were loaded before.
    pub years: Vec<i32>,
    /// Open cases whose deadlines changed when counted on the calendar as it now is.
    pub recounted: u64,
}

/// Loads a calendar file: each year it mentions is replaced by the file's rows for that year.
/// The file is checked whole first (dates, kinds, duplicates, a "workday" on a weekday), so a
/// bad file changes nothing. Then the open cases' deadlines are counted again: those that
/// were provisional in a loaded year are settled.
pub async fn import_calendar(
    store: &Store,
    policy: &Policy,
    path: &Path,
    actor: &str,
    clock: Clock,
) -> Result<Loaded, CalendarFileError> {
    let days = read_calendar(path)?.map_err(CalendarFileError::Rows)?;
    let years = store_days(store, &days, &path.display().to_string(), actor, clock).await?;
    let recounted = recount_deadlines(store, policy).await?;
    Ok(Loaded { years, recounted })
}

/// Checks `days` as one calendar, replaces their years, and writes the audit entry.
async fn store_days(
    store: &Store,
    days: &[CalendarDay],
    source: &str,
    actor: &str,
    clock: Clock,
) -> Result<Vec<i32>, CalendarFileError> {
    WorkCalendar::new(days.to_vec())?;
    let years = store
        .replace_calendar_years(days, |years| NewAuditEntry {
            actor: actor.into(),
            action: "import_calendar".into(),
            subject: source.into(),
            detail: format!(
                "years={}",
                years
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            at: clock.now,
        })
        .await?;
    Ok(years)
}

/// Counts every open case's deadlines again on the calendar as it now is — the step's from
/// the day its stage began, the whole procedure's from the day it was accepted, with the
/// procedure in force then — and stores those that changed. Returns how many changed.
pub async fn recount_deadlines(store: &Store, policy: &Policy) -> Result<u64, CalendarFileError> {
    let calendar = store.work_calendar().await?;
    let mut counted = Vec::new();
    for record in store.cases().open_cases().await? {
        let case = &record.case;
        let Some(procedure) = Procedure::of(policy, &case.program, case.accepted_on) else {
            continue;
        };
        let due = Case::due(case.stage, case.stage_since, &procedure, &calendar)?.map(|d| d.on);
        let final_due = Some(
            calendar
                .add_working_days(case.accepted_on, procedure.total)?
                .on,
        );
        if (due, final_due) != (record.due_on, record.final_due_on) {
            counted.push((record, due, final_due));
        }
    }
    if counted.is_empty() {
        return Ok(0);
    }
    Ok(store.cases().set_deadlines(&counted).await?)
}

/// The calendars in the repository's `calendar/` folder, built in: what a demo database starts
/// with.
const BUNDLED: &[(&str, &str)] = &[
    (
        "calendar/cn-2024.csv",
        include_str!("../../../calendar/cn-2024.csv"),
    ),
    (
        "calendar/cn-2025.csv",
        include_str!("../../../calendar/cn-2025.csv"),
    ),
    (
        "calendar/cn-2026.csv",
        include_str!("../../../calendar/cn-2026.csv"),
    ),
];

/// Loads the built-in calendars of the years the database does not have yet, and counts the
/// open cases' deadlines again.
pub async fn load_bundled(
    store: &Store,
    policy: &Policy,
    actor: &str,
    clock: Clock,
) -> Result<Loaded, CalendarFileError> {
    let have: Vec<i32> = store.work_calendar().await?.years().collect();
    let mut loaded = Vec::new();
    for (name, text) in BUNDLED {
        let days = parse_calendar(text, name)?.map_err(CalendarFileError::Rows)?;
        if days
            .iter()
            .any(|d| have.contains(&chrono::Datelike::year(&d.date)))
        {
            continue;
        }
        loaded.extend(store_days(store, &days, name, actor, clock).await?);
    }
    let recounted = if loaded.is_empty() {
        0
    } else {
        recount_deadlines(store, policy).await?
    };
    Ok(Loaded {
        years: loaded,
        recounted,
    })
}

/// The last day of a deadline of `working_days` starting on `from` (provisional in a year
/// with no calendar loaded).
pub async fn deadline(
    store: &Store,
    from: NaiveDate,
    working_days: u32,
) -> Result<Deadline, CalendarFileError> {
    Ok(store
        .work_calendar()
        .await?
        .add_working_days(from, working_days)?)
}
