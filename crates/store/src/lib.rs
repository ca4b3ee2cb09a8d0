//! Storage for Minsheng: one code path over two real backends.
//!
//! - SQLite, the embedded default: a file in a data directory.
//! - PostgreSQL, for production: selected by a `postgres://` URL.
//!
//! Architecture invariant: every query is written once. [`with_pool!`] expands the same source
//! text for each backend, so the compiler type-checks it against both; the only per-backend
//! code is connection setup, the migration DDL (column types differ) and the bulk-load fast path
//! (PostgreSQL `COPY`, SQLite multi-row inserts in one transaction).

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod access;
mod audit;
mod backup;
mod bulk;
mod calendar;
mod direct;
mod migrations;
mod pg_copy;
mod registry;
mod scan;
mod statements;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use migrations::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, PgPool, SqlitePool};

pub use access::{scope_condition, scope_on};
pub use access::{AccountHolder, HouseholdHit, SessionRecord};
pub use audit::{AuditAnchor, AuditCheck, AuditEntry, AuditProblem, NewAuditEntry};
pub use backup::{restore, CopyReport};
pub use bulk::{micros, Cell, Loader, Table, Tx};
pub use direct::Direct;
pub use registry::{
    corrupt, household_ids, timestamp, Columns, ExportedPerson, RegistryCounts, VERSION_COLUMNS,
    VERSION_FROM,
};
pub use scan::{read_all, scan, ScannedPerson};
pub use statements::{block_on, DirectTx, Statements};

/// Expands `$body` once per backend with `$pool` bound to that backend's pool. `$store` is a
/// [`Store`] or anything that dereferences to one (a context's storage).
#[macro_export]
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match {
            let store: &$crate::Store = &$store;
            store
        } {
            $crate::Store::Sqlite($pool, _) => $body,
            $crate::Store::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection, once per backend.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

#[derive(Debug, Clone)]
pub enum Store {
    /// The sqlx pool does everything; [`Direct`] connections serve the hottest short reads and the audit appends.
    Sqlite(SqlitePool, Direct),
    Postgres(PgPool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database: {0}")]
    SqliteBulk(#[from] rusqlite::Error),
    #[error("database migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("cannot use database location '{location}': {reason}")]
    Location { location: String, reason: String },
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    /// The write clashes with what the database already holds: a duplicate, or a record that
    /// someone else changed or handled meanwhile. Nothing was written.
    #[error("{field}: {reason}")]
    Conflict { field: String, reason: String },
    #[error("未找到{0}")]
    NotFound(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A thread doing database work for an async caller ended without an answer.
    #[error("database worker: {0}")]
    Worker(String),
}

impl StoreError {
    /// A value the store refuses: `field` names it, `reason` says why.
    pub fn invalid(field: &str, reason: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A write that clashes with what is stored ([`StoreError::Conflict`]).
    pub fn conflict(field: &str, reason: impl Into<String>) -> StoreError {
        StoreError::Conflict {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Whether the database was too busy to answer in time, which trying again later may cure
    /// (nothing was written): SQLite's lock still held when its wait ran out, no pooled
    /// connection free in time, or PostgreSQL refusing connections it has no room for.
    pub fn is_busy(&self) -> bool {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
        match self {
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            StoreError::Database(sqlx::Error::Database(e)) => matches!(
                e.code().as_deref(),
                // SQLite's SQLITE_BUSY and SQLITE_LOCKED (and their extended codes);
                // PostgreSQL's too_many_connections and cannot_connect_now.
                Some("5" | "6" | "261" | "262" | "517" | "53300" | "57P03")
            ),
            StoreError::SqliteBulk(rusqlite::Error::SqliteFailure(e, _)) => {
                matches!(e.code, DatabaseBusy | DatabaseLocked)
            }
            _ => false,
        }
    }
}

impl From<minsheng_core::FieldError> for StoreError {
    fn from(e: minsheng_core::FieldError) -> Self {
        StoreError::Invalid {
            field: e.field,
            reason: e.reason,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Declares a bounded context's view of the store: `$view<'s>`, which dereferences to the
/// [`Store`] (so the shared infrastructure and the registry's reads stay at hand), and the
/// trait `$access` that gives every `Store` the method `$method()` returning it. A context's
/// queries are inherent methods of its view, kept in its own crate.
#[macro_export]
macro_rules! context_store {
    ($(#[$doc:meta])* $view:ident, $access:ident, $method:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $view<'s>(&'s $crate::Store);

        impl ::std::ops::Deref for $view<'_> {
            type Target = $crate::Store;
            fn deref(&self) -> &$crate::Store {
                self.0
            }
        }

        #[doc = concat!("Gives a `Store` its [`", stringify!($view), "`].")]
        pub trait $access {
            fn $method(&self) -> $view<'_>;
        }

        impl $access for $crate::Store {
            fn $method(&self) -> $view<'_> {
                $view(self)
            }
        }
    };
}

/// Where the embedded database lives when no `--db` is given.
pub const DEFAULT_SQLITE_PATH: &str = "minsheng-data/minsheng.db";

impl Store {
    /// Opens (creating if needed) and migrates the database at `location`: a `postgres://` or
    /// `postgresql://` URL, a `sqlite:` URL, or a plain file path for SQLite.
    pub async fn open(location: &str) -> Result<Store> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            Store::open_postgres(location, None).await
        } else {
            let path = location
                .strip_prefix("sqlite://")
                .or_else(|| location.strip_prefix("sqlite:"))
                .unwrap_or(location);
            Store::open_sqlite(Path::new(path)).await
        }
    }

    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        let location_error = |reason: String| StoreError::Location {
            location: path.display().to_string(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| location_error(e.to_string()))?;
        }
        let mut options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // A large page cache matters for bulk loads into indexed tables (negative = KiB).
            .pragma("cache_size", "-524288")
            .pragma("temp_store", "memory")
            // SQLite's own default, set again because it is the file's for good: every commit
            // writes each page it changed whole to the log, and a settled claim changes about a
            // dozen pages (49 KB of log a claim at 4 KiB, 165 KB at 16 KiB: docs/benchmarks.md).
            .page_size(4096)
            .disable_statement_logging();
        if !path.exists() {
            // A new database starts with a rollback journal: it is usually filled by a bulk
            // load, one huge transaction, and in WAL mode every spilled page would go through
            // the WAL and be written twice. Serving switches it to WAL for good
            // ([`Store::prepare_to_serve`]); an existing file keeps the mode it has.
            options = options.journal_mode(SqliteJournalMode::Delete);
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Store::Sqlite(pool, Direct::new(path.to_path_buf(), false)))
    }

    /// Opens PostgreSQL. With `schema`, everything lives in that schema (created if missing):
    /// the tests give each case a schema of its own this way.
    pub async fn open_postgres(url: &str, schema: Option<&str>) -> Result<Store> {
        let mut options = PgConnectOptions::from_str(url)?.disable_statement_logging();
        if let Some(schema) = schema {
            if !schema
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(StoreError::Location {
                    location: url.into(),
                    reason: format!("bad schema name {schema}"),
                });
            }
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .execute(&admin)
                .await?;
            admin.close().await;
            options = options.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        POSTGRES_MIGRATIONS.run(&pool).await?;
        Ok(Store::Postgres(pool))
    }

    /// Drops a PostgreSQL schema and everything in it (tests and benchmarks clean up with it).
    /// Connects without migrating, so that cleaning up never creates tables elsewhere.
    pub async fn drop_postgres_schema(url: &str, schema: &str) -> Result<()> {
        if !schema
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(StoreError::Location {
                location: schema.into(),
                reason: "bad schema name".into(),
            });
        }
        let options = PgConnectOptions::from_str(url)?.disable_statement_logging();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&pool)
            .await?;
        pool.close().await;
        Ok(())
    }

    /// Readies the database for many small concurrent requests, and returns the store to
    /// serve with. SQLite goes to WAL mode (a lasting property of the file): readers no longer
    /// wait for a writer, and a commit appends to the log instead of syncing the rollback
    /// journal and the database — with an audit entry for every household read, this is what
    /// a served database needs. The serving connections leave checkpoints to
    /// [`Store::checkpoint`], run off the request path: a checkpoint in the connection that
    /// commits stalled every request waiting on that commit (p99 45 → 12 ms, `bench web`).
    pub async fn prepare_to_serve(&self) -> Result<Store> {
        let Store::Sqlite(pool, direct) = self else {
            return Ok(self.clone());
        };
        direct.close();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
            .fetch_one(pool)
            .await?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(%mode, "SQLite stayed out of WAL mode (another process has the database open?)");
        }
        // The options a new file was opened with ask for a rollback journal: every connection
        // the serving pool opened later would switch the file back out of WAL mode.
        let options = pool
            .connect_options()
            .as_ref()
            .clone()
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("wal_autocheckpoint", "0");
        let serving = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        pool.close().await;
        Ok(Store::Sqlite(serving, direct.serving()))
    }

    /// Copies what the WAL holds into the database file without blocking readers or writers
    /// (SQLite's passive checkpoint), and returns whether the log wants another pass soon
    /// ([`Direct::checkpoint`]: a long log is all but copied back, then started again by the
    /// writer). Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<bool> {
        match self {
            Store::Sqlite(_, direct) => {
                let direct = direct.clone();
                tokio::task::spawn_blocking(move || direct.checkpoint())
                    .await
                    .map_err(|e| StoreError::Worker(format!("checkpoint: {e}")))?
            }
            Store::Postgres(_) => Ok(false),
        }
    }

    /// The kept rusqlite connections of a SQLite store ([`Direct`]); none on PostgreSQL.
    pub fn direct(&self) -> Option<&Direct> {
        match self {
            Store::Sqlite(_, direct) => Some(direct),
            Store::Postgres(_) => None,
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(..) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Refreshes PostgreSQL's planner statistics of `tables` after a bulk write, so that the
    /// next query sees their new size (with stale statistics a look-up of a few thousand
    /// enrolled households became a scan of every person version). SQLite plans by its
    /// indexes and needs no statistics here.
    pub async fn analyze(&self, tables: &[&str]) -> Result<()> {
        if let Store::Postgres(pool) = self {
            sqlx::query(&format!("ANALYZE {}", tables.join(", ")))
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}
