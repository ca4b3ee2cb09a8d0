//! Loading the holiday calendar, and the deadlines counted with it.

use std::path::Path;

use chrono::NaiveDate;
use minsheng_core::{CalendarDay, CalendarError, WorkCalendar};
use minsheng_exchange::{parse_calendar, read_calendar, RosterError, RowError};
use minsheng_store::{Store, StoreError};

use crate::Clock;

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
}

/// Loads a calendar file: each year it mentions is replaced by the file's rows for that year.
/// The file is checked whole first (dates, kinds, duplicates, a "workday" on a weekday), so a
/// bad file changes nothing. Returns the years loaded.
pub async fn import_calendar(
    store: &Store,
    path: &Path,
    actor: &str,
    clock: Clock,
) -> Result<Vec<i32>, CalendarFileError> {
    let days = read_calendar(path)?.map_err(CalendarFileError::Rows)?;
    store_days(store, &days, &path.display().to_string(), actor, clock).await
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
    let years = store.replace_calendar_years(days).await?;
    let listed: Vec<String> = years.iter().map(ToString::to_string).collect();
    store
        .audit(
            actor,
            "import_calendar",
            source,
            &format!("years={}", listed.join(",")),
            clock.now,
        )
        .await?;
    Ok(years)
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

/// Loads the built-in calendars of the years the database does not have yet. Returns the
/// years loaded.
pub async fn load_bundled(
    store: &Store,
    actor: &str,
    clock: Clock,
) -> Result<Vec<i32>, CalendarFileError> {
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
    Ok(loaded)
}

/// The last day of a deadline of `working_days` starting on `from`.
pub async fn deadline(
    store: &Store,
    from: NaiveDate,
    working_days: u32,
) -> Result<NaiveDate, CalendarFileError> {
    Ok(store
        .work_calendar()
        .await?
        .add_working_days(from, working_days)?)
}
