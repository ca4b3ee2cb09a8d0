//! The holiday calendar as published (`date,kind,occasion`, one row per date that differs from
//! the Monday–Friday rule): the repository's `calendar/` has one file a year, and an operator
//! loads each new year's notice with `minsheng calendar import`.

use std::path::Path;

use chrono::NaiveDate;
use minsheng_core::{CalendarDay, DayKind};

use crate::areas::{read_table, table_rows, TableRow};
use crate::columns::RowError;
use crate::read::RosterError;

pub const CALENDAR_COLUMNS: [&str; 3] = ["date", "kind", "occasion"];

type Days = Result<Vec<CalendarDay>, Vec<RowError>>;

/// Reads a calendar file. Every bad row is reported; any bad row and no day is returned.
pub fn read_calendar(path: &Path) -> Result<Days, RosterError> {
    Ok(days(read_table(path, &CALENDAR_COLUMNS)?))
}

/// [`read_calendar`] over the text of a file (`name` names it in errors).
pub fn parse_calendar(text: &str, name: &str) -> Result<Days, RosterError> {
    Ok(days(table_rows(text.as_bytes(), name, &CALENDAR_COLUMNS)?))
}

fn days(rows: Vec<TableRow>) -> Days {
    let mut days = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in rows {
        let fail = |field: &str, reason: String| RowError {
            line,
            field: field.into(),
            reason,
        };
        let record = match record {
            Ok(r) => r,
            Err(reason) => {
                errors.push(fail("(row)", reason));
                continue;
            }
        };
        // `table_rows` checked the header, and the reader rejects rows of another width, so
        // every column is there.
        let column = |i| record.get(i).unwrap_or_default();
        let date = NaiveDate::parse_from_str(column(0).trim(), "%Y-%m-%d").map_err(|_| {
            fail(
                "date",
                format!("'{}' is not a date (YYYY-MM-DD)", column(0)),
            )
        });
        let kind = DayKind::parse(column(1)).map_err(|e| fail("kind", e));
        match (date, kind) {
            (Ok(date), Ok(kind)) => days.push(CalendarDay {
                date,
                kind,
                occasion: column(2).trim().to_string(),
            }),
            (date, kind) => errors.extend(date.err().into_iter().chain(kind.err())),
        }
    }
    if errors.is_empty() {
        Ok(days)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_calendars_read_and_bad_rows_are_named() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../calendar");
        let mut days = Vec::new();
        for year in [2024, 2025, 2026] {
            days.extend(
                read_calendar(&folder.join(format!("cn-{year}.csv")))
                    .unwrap()
                    .unwrap(),
            );
        }
        let calendar = minsheng_core::WorkCalendar::new(days).unwrap();
        assert_eq!(calendar.years().collect::<Vec<_>>(), [2024, 2025, 2026]);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(calendar.is_working_day(day("2025-09-28")), Ok(true));
        assert_eq!(calendar.is_working_day(day("2025-10-08")), Ok(false));

        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.csv");
        std::fs::write(
            &bad,
            "date,kind,occasion\n2027-02-30,holiday,春节\n2027-02-06,off,春节\n",
        )
        .unwrap();
        let errors = read_calendar(&bad).unwrap().unwrap_err();
        let found: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(found, [(2, "date"), (3, "kind")]);
    }
}
