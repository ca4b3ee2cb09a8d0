//! The holiday calendar table: loaded a year at a time, read whole (a few dozen rows a year).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use minsheng_core::{CalendarDay, DayKind, WorkCalendar};
use sqlx::Row;

use crate::{with_pool, Result, Store, StoreError};

impl Store {
    /// Replaces every year that `days` mention with exactly `days` (a corrected notice
    /// replaces its year), with the audit entry made from the years, in one transaction.
    /// Returns the years replaced.
    pub async fn replace_calendar_years(
        &self,
        days: &[CalendarDay],
        audit: impl FnOnce(&[i32]) -> crate::NewAuditEntry,
    ) -> Result<Vec<i32>> {
        let years: Vec<i32> = days
            .iter()
            .map(|d| d.date.year())
            .collect::<BTreeSet<i32>>()
            .into_iter()
            .collect();
        let mut tx = crate::Tx::begin(self).await?;
        crate::on_tx!(&mut tx, conn => {
            for year in &years {
                let (first, last) = (
                    NaiveDate::from_ymd_opt(*year, 1, 1),
                    NaiveDate::from_ymd_opt(*year, 12, 31),
                );
                sqlx::query("DELETE FROM calendar_day WHERE date >= $1 AND date <= $2")
                    .bind(first)
                    .bind(last)
                    .execute(&mut *conn)
                    .await?;
            }
            for day in days {
                sqlx::query("INSERT INTO calendar_day (date, kind, occasion) VALUES ($1, $2, $3)")
                    .bind(day.date)
                    .bind(day.kind.as_str())
                    .bind(&day.occasion)
                    .execute(&mut *conn)
                    .await?;
            }
        });
        tx.append_audit(&[audit(&years)]).await?;
        tx.commit().await?;
        Ok(years)
    }

    /// The working-day calendar of every year loaded.
    pub async fn work_calendar(&self) -> Result<WorkCalendar> {
        let days = with_pool!(self, pool => {
            let rows = sqlx::query("SELECT date, kind, occasion FROM calendar_day ORDER BY date")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    let kind: String = r.try_get("kind")?;
                    Ok(CalendarDay {
                        date: r.try_get("date")?,
                        kind: DayKind::parse(&kind).map_err(StoreError::Corrupt)?,
                        occasion: r.try_get("occasion")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        });
        WorkCalendar::new(days).map_err(|e| StoreError::Corrupt(format!("calendar_day: {e}")))
    }
}
