//! A write transaction's statements, whichever connection carries them.
//!
//! A use case whose hot path is many short statements in one transaction (settling a group of
//! claims: about ten each) is written once against [`Statements`] and runs either through
//! sqlx ([`Tx`], both backends) or, on SQLite, on the kept rusqlite writer
//! ([`Direct::transaction`]). Through sqlx every SQLite statement is a hand-off to the
//! connection's worker thread and back — at a thousand claims a second, most of the server's
//! time was the kernel switching threads — while on the kept writer a statement is a call,
//! prepared once and cached by its text. Same SQL text on both (`$1`, `$2` …), same row
//! decoder ([`Columns`]).

use std::future::Future;

use crate::bulk::{Cell, Tx};
use crate::direct::{self, Direct};
use crate::registry::Columns;
use crate::{NewAuditEntry, Result, StoreError};

/// Runs `$work` — an expression awaiting a use case written against [`Statements`] with
/// `$tx` — in one write transaction, committed when it returns `Ok`: on SQLite on the kept
/// writer connection ([`Direct::transaction`], on a blocking thread, so whatever `$work`
/// names is moved there and must be owned), on PostgreSQL in a transaction of the pool's.
/// Evaluates to the use case's `Result`; its error type takes a [`StoreError`].
#[macro_export]
macro_rules! write_tx {
    ($store:expr, move |$tx:ident| $work:expr) => {{
        let store: &$crate::Store = &$store;
        match store.direct() {
            Some(direct) => {
                direct
                    .transaction(move |$tx| $crate::block_on(async move { $work }))
                    .await
            }
            None => {
                let mut open = $crate::Tx::write_only(store).await?;
                let $tx = &mut open;
                let done = $work?;
                open.commit().await?;
                Ok(done)
            }
        }
    }};
}

/// Drives a use case's future on the calling thread: on the kept writer its statements answer
/// in place, so it never waits on anything else.
pub use futures::executor::block_on;

/// The statements of one open write transaction.
pub trait Statements: Send {
    /// Every row `sql` returns with `params` bound to `$1`, `$2` …, each read by `decode`.
    fn rows<T: Send>(
        &mut self,
        sql: &str,
        params: &[Cell],
        decode: fn(&dyn Columns) -> Result<T>,
    ) -> impl Future<Output = Result<Vec<T>>> + Send;

    /// Runs `sql`, which returns no rows; how many rows it changed.
    fn execute(&mut self, sql: &str, params: &[Cell]) -> impl Future<Output = Result<u64>> + Send;

    /// Appends `entries` to the audit chain, to commit with the transaction.
    fn append_audit(
        &mut self,
        entries: &[NewAuditEntry],
    ) -> impl Future<Output = Result<()>> + Send;

    /// The first row `sql` returns, if any.
    fn row<T: Send>(
        &mut self,
        sql: &str,
        params: &[Cell],
        decode: fn(&dyn Columns) -> Result<T>,
    ) -> impl Future<Output = Result<Option<T>>> + Send {
        async move { Ok(self.rows(sql, params, decode).await?.into_iter().next()) }
    }
}

impl Statements for Tx {
    async fn rows<T: Send>(
        &mut self,
        sql: &str,
        params: &[Cell],
        decode: fn(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>> {
        match self {
            Tx::Sqlite(tx) => sqlite_query(sql, params)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| decode(r))
                .collect(),
            Tx::Postgres(tx) => crate::scan::bind_pg(sqlx::query(sql), params)?
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| decode(r))
                .collect(),
        }
    }

    async fn execute(&mut self, sql: &str, params: &[Cell]) -> Result<u64> {
        Ok(match self {
            Tx::Sqlite(tx) => sqlite_query(sql, params)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => crate::scan::bind_pg(sqlx::query(sql), params)?
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    async fn append_audit(&mut self, entries: &[NewAuditEntry]) -> Result<()> {
        Tx::append_audit(self, entries).await
    }
}

/// `sql` with `params` bound, for sqlx's SQLite driver: dates as the ISO text sqlx itself
/// stores.
fn sqlite_query<'q>(
    sql: &'q str,
    params: &'q [Cell],
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    params
        .iter()
        .fold(sqlx::query(sql), |query, cell| match cell {
            Cell::Int(v) => query.bind(*v),
            Cell::Text(v) => query.bind(v.as_str()),
            Cell::Code(v) => query.bind(*v),
            Cell::Date(d) => query.bind(d.as_str()),
            Cell::Bool(v) => query.bind(*v),
            Cell::Null => query.bind(Option::<i64>::None),
            Cell::NullText | Cell::NullDate => query.bind(Option::<String>::None),
        })
}

/// A write transaction open on the kept SQLite writer ([`Direct::transaction`]): each
/// statement prepared once on the connection and run in place.
pub struct DirectTx<'c> {
    // A connection, not a `rusqlite::Transaction`: the transaction borrows the connection
    // shared, which is not `Send`, and the use cases are futures that must be.
    conn: &'c mut rusqlite::Connection,
}

impl Statements for DirectTx<'_> {
    async fn rows<T: Send>(
        &mut self,
        sql: &str,
        params: &[Cell],
        decode: fn(&dyn Columns) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut statement = self.conn.prepare_cached(sql)?;
        direct::decoded(&mut statement, params, decode)
    }

    async fn execute(&mut self, sql: &str, params: &[Cell]) -> Result<u64> {
        let mut statement = self.conn.prepare_cached(sql)?;
        direct::bind(&mut statement, params)?;
        Ok(statement.raw_execute()? as u64)
    }

    async fn append_audit(&mut self, entries: &[NewAuditEntry]) -> Result<()> {
        crate::audit::append_on(self.conn, entries)
    }
}

impl crate::Store {
    /// The first row of a short read (`sql` with `params` as `$1`, `$2` …), each read by
    /// `decode`: on SQLite inline on one of the kept reading connections (a look-up made on
    /// every request costs less than the thread switches of sending it to sqlx's worker), on
    /// PostgreSQL through the pool.
    pub async fn read_row<T: Send>(
        &self,
        sql: &str,
        params: &[Cell],
        decode: fn(&dyn Columns) -> Result<T>,
    ) -> Result<Option<T>> {
        match self {
            crate::Store::Sqlite(_, direct) => direct.read(|conn| {
                let mut statement = conn.prepare_cached(sql)?;
                let rows = direct::decoded(&mut statement, params, decode)?;
                Ok(rows.into_iter().next())
            }),
            crate::Store::Postgres(pool) => crate::scan::bind_pg(sqlx::query(sql), params)?
                .fetch_optional(pool)
                .await?
                .map(|r| decode(&r))
                .transpose(),
        }
    }
}

impl Direct {
    /// Runs `work` in one write transaction on the kept writer connection (SQLite's writer
    /// lock taken at the start, as [`Tx::write_only`] takes it), on a blocking thread:
    /// committed when `work` returns `Ok`, rolled back otherwise. `work` is usually a use case
    /// written against [`Statements`], driven with `futures::executor::block_on` — its
    /// statements never wait on anything but the database, which answers in place.
    pub async fn transaction<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut DirectTx<'_>) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let direct = self.clone();
        tokio::task::spawn_blocking(move || {
            direct.write(|conn| {
                conn.execute_batch("BEGIN IMMEDIATE")?;
                let done = work(&mut DirectTx { conn: &mut *conn });
                match done {
                    Ok(out) => {
                        conn.execute_batch("COMMIT")?;
                        Ok(out)
                    }
                    Err(e) => {
                        // The connection is closed after a failed write (`Direct::write`); a
                        // rollback first leaves nothing for the next opener to judge.
                        let _ = conn.execute_batch("ROLLBACK");
                        Err(e)
                    }
                }
            })
        })
        .await
        .map_err(|e| StoreError::Worker(format!("direct write: {e}")))?
    }
}
