//! Reading many person versions at once (a whole registry, every enrolled household).
//!
//! On SQLite this goes through rusqlite on a blocking thread, decoding as it reads and handing
//! rows over in batches: sqlx's SQLite driver hands each row from its worker thread to the
//! async side, about 25 µs a row, which made a million rows cost most of a minute-long
//! budget. Same file, read-only; a reader sees committed data only, like any other. PostgreSQL
//! rows stream through sqlx, whose wire protocol has no such per-row hop.

use chrono::NaiveDate;
use futures::TryStreamExt;
use minsheng_core::registry::Registration;
use rustc_hash::FxHashMap;

use crate::bulk::Cell;
use crate::registry::{corrupt, decode_registration, Columns};
use crate::{Result, Store, StoreError};

/// A person version as read by a scan, with the store's keys.
#[derive(Debug, Clone)]
pub struct ScannedPerson {
    pub person_id: i64,
    pub household_id: i64,
    pub registration: Registration,
}

const BATCH: usize = 2048;

/// Runs `sql` (selecting the version columns, `v.household_id` among them) with `params` as
/// `$1`, `$2` … and hands every row to `sink`, in the query's order.
pub(crate) async fn scan<E>(
    store: &Store,
    sql: String,
    params: Vec<Cell>,
    mut sink: impl FnMut(ScannedPerson) -> Result<(), E>,
) -> Result<u64, E>
where
    E: From<StoreError>,
{
    let mut n = 0;
    match store {
        Store::Sqlite(pool) => {
            let path = pool.connect_options().get_filename().to_path_buf();
            let (send, mut receive) = tokio::sync::mpsc::channel::<Result<Vec<ScannedPerson>>>(4);
            let reader = tokio::task::spawn_blocking(move || {
                if let Err(e) = read_sqlite(&path, &sql, &params, &send) {
                    let _ = send.blocking_send(Err(e));
                }
            });
            while let Some(batch) = receive.recv().await {
                for row in batch? {
                    sink(row)?;
                    n += 1;
                }
            }
            reader
                .await
                .map_err(|e| StoreError::Corrupt(format!("registry reader: {e}")))?;
        }
        Store::Postgres(pool) => {
            let mut query = sqlx::query(&sql);
            for p in &params {
                query = match p {
                    Cell::Int(v) => query.bind(*v),
                    Cell::Text(v) => query.bind(v.clone()),
                    Cell::Code(v) => query.bind(*v),
                    Cell::Date(d) => query.bind(
                        NaiveDate::parse_from_str(d.as_str(), "%Y-%m-%d")
                            .map_err(|e| corrupt("date parameter", e))?,
                    ),
                    Cell::Bool(v) => query.bind(*v),
                    Cell::Null => query.bind(Option::<i64>::None),
                };
            }
            let mut rows = query.fetch(pool);
            while let Some(r) = rows.try_next().await.map_err(StoreError::from)? {
                sink(decode(&r)?)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

fn decode(r: &impl Columns) -> Result<ScannedPerson> {
    Ok(ScannedPerson {
        person_id: r.int("person_id")?,
        household_id: r.int("household_id")?,
        registration: decode_registration(r)?,
    })
}

fn read_sqlite(
    path: &std::path::Path,
    sql: &str,
    params: &[Cell],
    send: &tokio::sync::mpsc::Sender<Result<Vec<ScannedPerson>>>,
) -> Result<()> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let mut statement = conn.prepare(sql)?;
    for (i, p) in params.iter().enumerate() {
        if let Some(index) = statement.parameter_index(&format!("${}", i + 1))? {
            statement.raw_bind_parameter(index, p)?;
        }
    }
    let names: FxHashMap<String, usize> = statement
        .column_names()
        .iter()
        .enumerate()
        .map(|(i, name)| (name.to_string(), i))
        .collect();
    let mut rows = statement.raw_query();
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = rows.next()? {
        batch.push(decode(&Row { row, names: &names })?);
        if batch.len() == BATCH
            && send
                .blocking_send(Ok(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))))
                .is_err()
        {
            return Ok(()); // the reader went away
        }
    }
    let _ = send.blocking_send(Ok(batch));
    Ok(())
}

/// A rusqlite row read by column name, as the shared decoder reads sqlx rows.
struct Row<'a, 'r> {
    row: &'a rusqlite::Row<'r>,
    names: &'a FxHashMap<String, usize>,
}

impl Row<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, col: &str) -> Result<T> {
        let index = *self
            .names
            .get(col)
            .ok_or_else(|| corrupt(col, "not selected"))?;
        Ok(self.row.get(index)?)
    }

    /// `YYYY-MM-DD`, as sqlx stores dates; read by hand because chrono's general parser was
    /// a tenth of a whole-registry read.
    fn parse_date(col: &str, text: &str) -> Result<NaiveDate> {
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| {
            b.get(range.clone())
                .filter(|d| d.iter().all(u8::is_ascii_digit))
                .map(|d| d.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')))
        };
        let date = match (b.len(), b.get(4), b.get(7)) {
            (10, Some(b'-'), Some(b'-')) => match (digits(0..4), digits(5..7), digits(8..10)) {
                (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d),
                _ => None,
            },
            _ => None,
        };
        date.ok_or_else(|| corrupt(col, format!("'{text}' is not a date (YYYY-MM-DD)")))
    }
}

impl Columns for Row<'_, '_> {
    fn text(&self, col: &str) -> Result<String> {
        self.get(col)
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        self.get(col)
    }
    fn int(&self, col: &str) -> Result<i64> {
        self.get(col)
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>> {
        self.get(col)
    }
    fn small(&self, col: &str) -> Result<i16> {
        self.get(col)
    }
    fn opt_small(&self, col: &str) -> Result<Option<i16>> {
        self.get(col)
    }
    fn date(&self, col: &str) -> Result<NaiveDate> {
        Row::parse_date(col, &self.get::<String>(col)?)
    }
    fn opt_date(&self, col: &str) -> Result<Option<NaiveDate>> {
        self.get::<Option<String>>(col)?
            .map(|t| Row::parse_date(col, &t))
            .transpose()
    }
    fn boolean(&self, col: &str) -> Result<bool> {
        self.get(col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_read_exactly_or_refused() {
        assert_eq!(
            Row::parse_date("d", "2024-02-29").ok(),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "2023-02-29",
            "2024-2-29",
            "2024/02/29",
            "2024-02-2x",
            "",
            "20240229",
            "2024-13-01",
        ] {
            assert!(Row::parse_date("d", bad).is_err(), "{bad}");
        }
    }
}
