//! Backups of the embedded database, and restoring one: what an operator runs at 3 a.m.
//!
//! SQLite's online backup copies the database as it stood at one instant while it stays in
//! use (readers and writers carry on; WAL mode lets the copy read beside them). The copy is
//! written beside its destination and renamed into place only once complete and on disk, so a
//! backup that was interrupted leaves no file that looks like one. Each copy is then opened as
//! a database of its own and checked: SQLite's integrity check and the audit chain.
//!
//! PostgreSQL has its own tools for this (`pg_dump`, `pg_restore`, continuous archiving);
//! `docs/operations.md` says how to use them and check the result with `audit verify`.

use std::path::{Path, PathBuf};

use crate::{AuditCheck, Result, Store, StoreError};

/// What a copy held and how its checks went.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub persons: i64,
    pub audit: AuditCheck,
}

fn refused(field: &str, reason: impl Into<String>) -> StoreError {
    StoreError::invalid(field, reason)
}

/// Copies the SQLite database at `from` to `to` with the online backup, through `to` plus
/// `.partial`, then renames it into place. `to` must not exist: a backup never overwrites.
fn copy(from: &Path, to: &Path) -> Result<()> {
    if to.exists() {
        return Err(refused(
            "to",
            format!(
                "{} exists; choose a new name (nothing is ever overwritten)",
                to.display()
            ),
        ));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    // A partial copy of an earlier attempt is garbage by construction.
    let _ = std::fs::remove_file(&partial);
    let source = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(std::time::Duration::from_secs(30))?;
    {
        let mut target = rusqlite::Connection::open(&partial)?;
        let backup = rusqlite::backup::Backup::new(&source, &mut target)?;
        // Every page in one step: one read transaction, so the copy is of one instant.
        backup.step(-1)?;
        drop(backup);
        // The copy is a plain file of its own, whatever journal mode the source has.
        target.pragma_update(None, "journal_mode", "DELETE")?;
    }
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| refused("to", format!("{}: {e}", partial.display())))?;
    std::fs::rename(&partial, to).map_err(|e| refused("to", format!("{}: {e}", to.display())))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself is on disk only once its directory is.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// Opens the copy at `path` as a database and checks it: SQLite's integrity check, then the
/// audit chain.
async fn check(path: &Path) -> Result<CopyReport> {
    let integrity: String = {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?
    };
    if integrity != "ok" {
        return Err(StoreError::Corrupt(format!(
            "{} fails SQLite's integrity check: {integrity}",
            path.display()
        )));
    }
    let store = Store::open_sqlite(path).await?;
    let persons = store.counts().await?.persons;
    let audit = store.verify_audit(&[]).await?;
    store.close().await;
    let bytes = std::fs::metadata(path).map_or(0, |m| m.len());
    Ok(CopyReport {
        path: path.to_path_buf(),
        bytes,
        persons,
        audit,
    })
}

impl Store {
    /// Copies this (SQLite) database to `to` while it stays in use, and checks the copy.
    pub async fn backup_to(&self, to: &Path) -> Result<CopyReport> {
        let Store::Sqlite(_, direct) = self else {
            return Err(refused(
                "db",
                "a PostgreSQL database is backed up with pg_dump (see docs/operations.md)",
            ));
        };
        let (from, target) = (direct.path().to_path_buf(), to.to_path_buf());
        tokio::task::spawn_blocking(move || copy(&from, &target))
            .await
            .map_err(|e| StoreError::Worker(format!("backup: {e}")))??;
        check(to).await
    }
}

/// Restores the backup at `from` as the database at `to`, which must not exist (move a broken
/// database aside first: it is evidence), and checks the restored copy. Migrations a newer
/// Minsheng brings run as the restored database is opened.
pub async fn restore(from: &Path, to: &Path) -> Result<CopyReport> {
    if !from.is_file() {
        return Err(refused(
            "backup",
            format!("{} is not a file", from.display()),
        ));
    }
    if to.exists() {
        return Err(refused(
            "db",
            format!(
                "{} exists; move it aside first (mv {0} {0}.broken): a restore never overwrites a database",
                to.display()
            ),
        ));
    }
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| refused("db", format!("{}: {e}", dir.display())))?;
    }
    let (source, target) = (from.to_path_buf(), to.to_path_buf());
    tokio::task::spawn_blocking(move || copy(&source, &target))
        .await
        .map_err(|e| StoreError::Worker(format!("restore: {e}")))??;
    check(to).await
}
