//! `audit verify --anchor FILE`: heads of the audit chain witnessed outside the database.
//!
//! The file is a plain text log, one witnessed head a line (`ID HASH WHEN`), only ever appended
//! to. Kept where those who can write to the database cannot (another machine, write-once
//! storage), it lets `audit verify` find a removed tail, which leaves a valid but shorter chain.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use minsheng_store::AuditAnchor;

/// Every head in the file; none if it does not exist yet (the first witness creates it).
pub fn read_anchors(path: &Path) -> Result<Vec<AuditAnchor>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut anchors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match AuditAnchor::parse(line) {
            Some(anchor) => anchors.push(anchor),
            None => bail!(
                "{} line {}: not a witnessed head (an entry number, then its 64-character hash): {line}",
                path.display(),
                i + 1
            ),
        }
    }
    Ok(anchors)
}

/// Appends `head` to the file, unless it is already the last line's, and flushes it to disk.
pub fn witness(path: &Path, head: &AuditAnchor, at: DateTime<Utc>) -> Result<()> {
    if read_anchors(path)?.last() == Some(head) {
        return Ok(());
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    writeln!(file, "{} {} {}", head.id, head.hash, at.to_rfc3339())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}
