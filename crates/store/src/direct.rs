//! SQLite through rusqlite, where sqlx's driver costs more than the query.
//!
//! sqlx runs each SQLite connection on a worker thread of its own and hands every row from that
//! thread to the async side: two thread switches per row and more per statement. For a scan of
//! millions of rows ([`crate::scan`]), for the single-household file read behind every
//! household page and explain request, and for the audit entries every such read appends,
//! that hand-off was most of the cost. They use plain connections to the same file instead:
//! same SQL text (sqlx and rusqlite both understand `$1`), same decoder ([`Columns`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use crate::bulk::Cell;
use crate::registry::{corrupt, Columns};
use crate::Result;

/// Opens a connection for reading to the database file at `path`. It is opened read-write
/// though it only reads: a connection that finds a rollback journal it judges hot must roll it
/// back before reading, and a read-only one cannot — it fails with SQLITE_READONLY_ROLLBACK
/// (seen once under a full test run, reading a household just after a refused write's
/// transaction was dropped). SQLite's locks decide whether the journal is really hot.
pub(crate) fn open(path: &Path, busy: Duration) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy)?;
    Ok(conn)
}

/// Binds `params` to `$1`, `$2` … of `statement` (a parameter the SQL does not use is skipped).
pub(crate) fn bind(statement: &mut rusqlite::Statement<'_>, params: &[Cell]) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        if let Some(index) = statement.parameter_index(&format!("${}", i + 1))? {
            statement.raw_bind_parameter(index, p)?;
        }
    }
    Ok(())
}

/// Every row `statement` returns with `params` bound, each read by `decode`.
pub(crate) fn decoded<T>(
    statement: &mut rusqlite::Statement<'_>,
    params: &[Cell],
    decode: fn(&dyn Columns) -> Result<T>,
) -> Result<Vec<T>> {
    bind(statement, params)?;
    let names = column_names(statement);
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(decode(&Row { row, names: &names })?);
    }
    Ok(out)
}

/// Column positions by name, for reading a statement's rows as [`Columns`].
pub(crate) fn column_names(statement: &rusqlite::Statement<'_>) -> FxHashMap<String, usize> {
    statement
        .column_names()
        .iter()
        .enumerate()
        .map(|(i, name)| (name.to_string(), i))
        .collect()
}

/// Connections kept beside sqlx's pool: reading ones for short reads made inline on the
/// async side (a household file is a few index look-ups, ~100 µs: less than the thread
/// switches of sending it elsewhere), and one read-write connection for appending audit
/// entries. Each connection keeps its prepared statements, so a statement is neither
/// connected nor parsed anew.
#[derive(Clone)]
pub struct Direct(Arc<Kept>);

struct Kept {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    writer: Mutex<Option<rusqlite::Connection>>,
    /// Checkpoints are someone else's job (a served database: [`crate::Store::checkpoint`]).
    serving: bool,
    /// Set by a checkpoint that left a long log all but copied back ([`Direct::checkpoint`]):
    /// the writer copies the rest after its current write, so that its next write starts the
    /// log again from the beginning.
    close_log: AtomicBool,
    /// How far the last checkpoint had copied the log, to tell a short pass from a long one.
    copied: AtomicI64,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("path", &self.0.path)
            .finish_non_exhaustive()
    }
}

impl Direct {
    /// More idle connections than this are closed rather than kept (one per busy thread).
    const KEEP: usize = 8;
    /// A reader waits this long for a lock (in WAL mode only a checkpoint that restarts the
    /// log makes a reader wait at all) before the request fails rather than stalls its thread.
    const BUSY: Duration = Duration::from_secs(2);

    /// The writer's page cache: 256 MiB (a negative `cache_size` counts KiB).
    const WRITER_CACHE: i64 = -256 * 1024;

    /// Statements the writer keeps prepared.
    const PREPARED: usize = 128;

    /// A writer waits this long for the write lock, as the sqlx pool's connections do.
    const WRITE_BUSY: Duration = Duration::from_secs(30);

    /// A served database's log is started again once it holds this many pages (16 MiB of
    /// 4 KiB pages), and not sooner: each start costs the writer a short checkpoint.
    const LOG_RESTART: i64 = 4096;

    /// A pass that copied at most this many pages was short (about a megabyte, synced in a
    /// millisecond on a plain disk), so what the writer added meanwhile is shorter still.
    const LOG_TAIL: i64 = 256;

    pub(crate) fn new(path: PathBuf, serving: bool) -> Direct {
        Direct(Arc::new(Kept {
            path,
            idle: Mutex::new(Vec::new()),
            writer: Mutex::new(None),
            serving,
            close_log: AtomicBool::new(false),
            copied: AtomicI64::new(0),
        }))
    }

    /// Closes the kept connections (the next use opens new ones): switching the file to WAL
    /// mode wants no other connection open.
    pub(crate) fn close(&self) {
        self.0
            .idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        *self.0.writer.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.0.path
    }

    /// Connections to the same file for a served database, whose checkpoints run apart.
    pub(crate) fn serving(&self) -> Direct {
        Direct::new(self.0.path.clone(), true)
    }

    /// Runs `read` on a kept connection (opening one if none is idle). A connection whose read
    /// failed is closed, not kept.
    pub(crate) fn read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> Result<T>,
    ) -> Result<T> {
        // A panic elsewhere while holding the lock leaves only a list of connections behind,
        // each still whole: the poison carries no meaning here.
        let idle = || self.0.idle.lock().unwrap_or_else(|p| p.into_inner());
        let kept = idle().pop();
        let conn = match kept {
            Some(conn) => conn,
            None => open(&self.0.path, Self::BUSY)?,
        };
        let result = read(&conn);
        if result.is_ok() {
            let mut idle = idle();
            if idle.len() < Self::KEEP {
                idle.push(conn);
            }
        }
        result
    }

    /// Runs `write` on the kept read-write connection (opened on first use with the pool's
    /// settings), one writer at a time. Blocks: call it off the async workers. A connection
    /// whose write failed is closed, not kept.
    pub(crate) fn write<T>(
        &self,
        write: impl FnOnce(&mut rusqlite::Connection) -> Result<T>,
    ) -> Result<T> {
        let mut writer = self.0.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut conn = match writer.take() {
            Some(conn) => conn,
            None => {
                let conn = rusqlite::Connection::open_with_flags(
                    &self.0.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(Self::WRITE_BUSY)?;
                // A settlement group's statements, each kept prepared (`statements`): a
                // claim's lines make inserts of as many sizes as bills have lines.
                conn.set_prepared_statement_cache_capacity(Self::PREPARED);
                // A claim's savepoint keeps the pages it changes in a statement journal: in
                // memory, not a temporary file written and read back.
                conn.pragma_update(None, "temp_store", "MEMORY")?;
                // The indexes a settlement walks (person by ID number, the claim numbers, the
                // years) stay in the writer's own cache rather than being read back from the
                // file at every claim.
                conn.pragma_update(None, "cache_size", Self::WRITER_CACHE)?;
                conn.pragma_update(None, "synchronous", "NORMAL")?;
                conn.pragma_update(None, "foreign_keys", true)?;
                if self.0.serving {
                    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
                }
                conn
            }
        };
        let result = write(&mut conn);
        if result.is_ok() {
            if self.0.close_log.swap(false, Ordering::Relaxed) {
                // Nobody else writes while this connection checkpoints, so it copies the log
                // to its end, and the next write transaction starts it again from the
                // beginning. A failure only leaves the log longer: the writes stand.
                if let Err(e) = Self::passive_checkpoint(&conn) {
                    tracing::warn!(error = %e, "closing the log failed");
                }
            }
            *writer = Some(conn);
        }
        result
    }

    /// Copies the log of a served database back into the file without waiting for readers or
    /// the writer (SQLite's passive checkpoint), and returns whether the log is long enough
    /// to want another pass soon — not once the writer has been asked to finish. Blocks: call
    /// it off the async workers.
    ///
    /// Why the writer finishes the job: under a steady stream of writes a checkpoint run
    /// beside the writer never catches up with it, so the log is never started again and
    /// every commit extends the file — extending writes that stalled on the disk while a
    /// checkpoint synced (claims' p99 in docs/benchmarks.md). Passes follow each other while
    /// the log is long, each copying what the writer added during the one before; once one
    /// copies at most [`Self::LOG_TAIL`] pages and leaves no more behind, the writer copies
    /// what it added since itself, after its current write — a few pages, since every page
    /// its copy syncs stalls the writes queued behind it. The log then starts over and is
    /// rewritten in place, its length bounded.
    pub(crate) fn checkpoint(&self) -> Result<bool> {
        let (log, copied) = self.read(Self::passive_checkpoint)?;
        if copied < 0 {
            // Another checkpoint (the writer's) was running: try again soon.
            return Ok(true);
        }
        let before = self.0.copied.swap(copied, Ordering::Relaxed);
        // A log started again since the last pass counts from its beginning.
        let this_pass = if copied >= before {
            copied - before
        } else {
            copied
        };
        let long = log >= Self::LOG_RESTART;
        if long && this_pass <= Self::LOG_TAIL && log - copied <= Self::LOG_TAIL {
            // The writer's next write finishes; no hurry until then (a server gone quiet
            // after a burst would otherwise be asked for a pass every millisecond).
            self.0.close_log.store(true, Ordering::Relaxed);
            return Ok(false);
        }
        Ok(long)
    }

    /// A passive checkpoint on `conn`: the pages in the log, and how many of them are now in
    /// the file (both -1 when another checkpoint was running).
    fn passive_checkpoint(conn: &rusqlite::Connection) -> Result<(i64, i64)> {
        Ok(conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get(1)?, row.get(2)?))
        })?)
    }
}

/// A rusqlite row read by column name, as the shared decoder reads sqlx rows.
pub(crate) struct Row<'a, 'r> {
    pub row: &'a rusqlite::Row<'r>,
    pub names: &'a FxHashMap<String, usize>,
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
