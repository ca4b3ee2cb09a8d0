//! Loading the holiday calendar, and the deadlines counted with it.

use std::path::Path;

use chrono::NaiveDate;
use minsheng_core::{CalendarError, WorkCalendar};
use minsheng_exchange::{read_calendar, RosterError, RowError};
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
    WorkCalendar::new(days.clone())?;
    let years = store.replace_calendar_years(&days).await?;
    let listed: Vec<String> = years.iter().map(ToString::to_string).collect();
    store
        .audit(
            actor,
            "import_calendar",
            &path.display().to_string(),
            &format!("years={}", listed.join(",")),
            clock.now,
        )
        .await?;
    Ok(years)
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
