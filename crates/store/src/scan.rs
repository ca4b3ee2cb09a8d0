//! Reading many person versions at once (a whole registry, every enrolled household).
//!
//! On SQLite this goes through rusqlite ([`crate::direct`]) on a blocking thread, decoding as
//! it reads and handing rows over in batches: sqlx's per-row hand-off, about 25 µs a row, made
//! a million rows cost most of a minute-long budget. PostgreSQL rows stream through sqlx, whose
//! wire protocol has no such per-row hop; the whole registry is read from PostgreSQL by binary
//! COPY instead ([`crate::pg_copy`]).

use chrono::NaiveDate;
use futures::TryStreamExt;
use minsheng_core::registry::Registration;

use crate::bulk::Cell;
use crate::direct;
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
pub async fn scan<E>(
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
        Store::Sqlite(pool, _) => {
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
            let query = bind_pg(sqlx::query(&sql), &params)?;
            let mut rows = query.fetch(pool);
            while let Some(r) = rows.try_next().await.map_err(StoreError::from)? {
                sink(decode(&r)?)?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// Binds `params` to a PostgreSQL query as `$1`, `$2` ….
pub(crate) fn bind_pg<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    params: &[Cell],
) -> Result<sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>> {
    for p in params {
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
            Cell::NullText => query.bind(Option::<String>::None),
            Cell::NullDate => query.bind(Option::<NaiveDate>::None),
        };
    }
    Ok(query)
}

/// Reads every row of `sql` (with `params` as `$1`, `$2` …), each decoded by `decode`: a long
/// list read whole (a city's visiting roster). On SQLite through a rusqlite connection on a
/// blocking thread, as [`scan`] reads, since sqlx would hand each row between threads; on
/// PostgreSQL through the pool.
pub async fn read_all<T: Send + 'static>(
    store: &Store,
    sql: String,
    params: Vec<Cell>,
    decode: fn(&dyn Columns) -> Result<T>,
) -> Result<Vec<T>> {
    match store {
        Store::Sqlite(pool, _) => {
            let path = pool.connect_options().get_filename().to_path_buf();
            tokio::task::spawn_blocking(move || {
                let conn = direct::open(&path, std::time::Duration::from_secs(30))?;
                let mut statement = conn.prepare(&sql)?;
                direct::decoded(&mut statement, &params, decode)
            })
            .await
            .map_err(|e| StoreError::Corrupt(format!("reader: {e}")))?
        }
        Store::Postgres(pool) => bind_pg(sqlx::query(&sql), &params)?
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| decode(r))
            .collect(),
    }
}

pub fn decode(r: &impl Columns) -> Result<ScannedPerson> {
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
    let conn = direct::open(path, std::time::Duration::from_secs(30))?;
    let mut statement = conn.prepare(sql)?;
    direct::bind(&mut statement, params)?;
    let names = direct::column_names(&statement);
    let mut rows = statement.raw_query();
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = rows.next()? {
        batch.push(decode(&direct::Row { row, names: &names })?);
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
