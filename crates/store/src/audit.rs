//! The audit log: who read or changed what, when. Append-only (triggers refuse any update,
//! delete or truncate), and hash-chained: each entry's hash covers its own fields and the
//! previous entry's hash, so [`Store::verify_audit`] finds any entry that was altered, removed
//! or moved, and any entry without a hash. Removing the newest entries would leave a shorter
//! valid chain, so heads witnessed earlier and kept outside the database ([`AuditAnchor`]s:
//! `audit verify --anchor FILE`) are checked too: each must still be in the chain, unchanged.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::bulk::micros;
use crate::{with_pool, Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub at: DateTime<Utc>,
}

/// What `audit verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditCheck {
    pub entries: u64,
    /// The newest entry, to keep somewhere else and so detect a removed tail later; none in
    /// an empty log.
    pub head: Option<AuditAnchor>,
    pub problems: Vec<AuditProblem>,
}

/// An entry of the chain as it was once seen, kept outside the database: the entry with this
/// id must still be there with this hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAnchor {
    pub id: i64,
    pub hash: String,
}

impl AuditAnchor {
    /// One line of an anchor file, `ID HASH` and perhaps a note after (when it was witnessed).
    pub fn parse(line: &str) -> Option<AuditAnchor> {
        let mut words = line.split_whitespace();
        let id = words.next()?.parse().ok()?;
        let hash = words.next()?;
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| AuditAnchor {
            id,
            hash: hash.to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    pub id: i64,
    pub reason: String,
}

/// Serialises appends on PostgreSQL (an arbitrary constant naming this lock).
const AUDIT_LOCK: i64 = 0x004d_5341_5544_4954;

/// SHA-256 over the previous hash and every field, each length-prefixed so that no two
/// different entries encode alike.
fn chain_hash(prev: &str, id: i64, at: i64, fields: [&str; 4]) -> String {
    let mut h = Sha256::new();
    let (id, at) = (id.to_be_bytes(), at.to_be_bytes());
    let parts: [&[u8]; 7] = [
        prev.as_bytes(),
        &id,
        &at,
        fields[0].as_bytes(),
        fields[1].as_bytes(),
        fields[2].as_bytes(),
        fields[3].as_bytes(),
    ];
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
}

const LAST: &str = "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
const INSERT: &str =
    "INSERT INTO audit_log (id, at, actor, action, subject, detail, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// An entry as it joins the chain: its number, time, predecessor's hash and own hash.
struct Link<'e> {
    entry: &'e NewAuditEntry,
    id: i64,
    at: i64,
    prev: String,
    hash: String,
}

/// `entries` chained after `last` (the newest entry's number and hash; none in an empty log).
fn chain(last: Option<(i64, String)>, entries: &[NewAuditEntry]) -> Vec<Link<'_>> {
    let (mut id, mut prev) = last.unwrap_or((0, String::new()));
    entries
        .iter()
        .map(|entry| {
            id += 1;
            let at = micros(entry.at);
            let fields = [
                entry.actor.as_str(),
                entry.action.as_str(),
                entry.subject.as_str(),
                entry.detail.as_str(),
            ];
            let hash = chain_hash(&prev, id, at, fields);
            Link {
                entry,
                id,
                at,
                prev: std::mem::replace(&mut prev, hash.clone()),
                hash,
            }
        })
        .collect()
}

/// Appends `entries` to the chain on a SQLite connection inside the caller's write
/// transaction (the bulk loader's, or the audit queue's own).
pub(crate) fn append_on(conn: &rusqlite::Connection, entries: &[NewAuditEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let last = conn
        .prepare_cached(LAST)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let mut insert = conn.prepare_cached(INSERT)?;
    for link in chain(last, entries) {
        insert.execute(rusqlite::params![
            link.id,
            link.at,
            link.entry.actor,
            link.entry.action,
            link.entry.subject,
            link.entry.detail,
            link.prev,
            link.hash
        ])?;
    }
    Ok(())
}

impl crate::bulk::Tx {
    /// Appends `entries` to the chain inside this write transaction, so that a change and the
    /// audit entries that record it commit together or not at all. On PostgreSQL the audit
    /// lock is taken here, after the transaction's own locks; nothing takes them the other
    /// way round (an append alone takes only the audit lock).
    pub async fn append_audit(&mut self, entries: &[NewAuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        if self.backend() == crate::Backend::Postgres {
            self.execute(&format!("SELECT pg_advisory_xact_lock({AUDIT_LOCK})"))
                .await?;
        }
        crate::on_tx!(self, conn => {
            let last = sqlx::query(LAST)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("hash")?)))
                .transpose()?;
            for link in chain(last, entries) {
                sqlx::query(INSERT)
                    .bind(link.id)
                    .bind(link.at)
                    .bind(&link.entry.actor)
                    .bind(&link.entry.action)
                    .bind(&link.entry.subject)
                    .bind(&link.entry.detail)
                    .bind(&link.prev)
                    .bind(&link.hash)
                    .execute(&mut *conn)
                    .await?;
            }
        });
        Ok(())
    }
}

impl Store {
    /// Appends an entry at the end of the chain. Appends are serialised (SQLite: an immediate
    /// transaction; PostgreSQL: a transaction-scoped advisory lock), so two writers never
    /// chain onto the same entry.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.audit_many(&[NewAuditEntry {
            actor: actor.into(),
            action: action.into(),
            subject: subject.into(),
            detail: detail.into(),
            at,
        }])
        .await
    }

    /// Appends entries in order, in one transaction: all or none. A server that writes an
    /// entry for every read groups the entries of concurrent requests this way, so that they
    /// share one commit instead of queueing for the writer lock one by one.
    pub async fn audit_many(&self, entries: &[NewAuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        match self {
            // One hop to a blocking thread for the whole group, on the kept connection
            // (`direct`): through sqlx every statement was a round trip of its own.
            Store::Sqlite(_, direct) => {
                let (direct, entries) = (direct.clone(), entries.to_vec());
                tokio::task::spawn_blocking(move || {
                    direct.write(|conn| {
                        let tx = conn
                            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                        append_on(&tx, &entries)?;
                        tx.commit()?;
                        Ok(())
                    })
                })
                .await
                .map_err(|e| crate::StoreError::Worker(format!("audit append: {e}")))?
            }
            Store::Postgres(_) => {
                let mut tx = crate::bulk::Tx::write_only(self).await?;
                tx.append_audit(entries).await?;
                tx.commit().await
            }
        }
    }

    pub async fn audit_entries(&self, subject: &str) -> Result<Vec<AuditEntry>> {
        let mut entries = self.recent_audit_entries(subject, i64::MAX).await?;
        entries.reverse();
        Ok(entries)
    }

    /// A subject's newest `limit` entries, newest first (a household page shows the last 50
    /// of a file read thousands of times).
    pub async fn recent_audit_entries(&self, subject: &str, limit: i64) -> Result<Vec<AuditEntry>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT at, actor, action, subject, detail FROM audit_log WHERE subject = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(subject)
            .bind(limit)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AuditEntry {
                        at: DateTime::from_timestamp_micros(r.try_get("at")?).unwrap_or_default(),
                        actor: r.try_get("actor")?,
                        action: r.try_get("action")?,
                        subject: r.try_get("subject")?,
                        detail: r.try_get("detail")?,
                    })
                })
                .collect()
        })
    }

    /// Walks the whole log in id order and recomputes the chain; each of `anchors` must be in
    /// it with the hash it had when it was witnessed.
    pub async fn verify_audit(&self, anchors: &[AuditAnchor]) -> Result<AuditCheck> {
        let mut check = AuditCheck::default();
        let mut prev = String::new();
        let witnessed: std::collections::HashMap<i64, &str> =
            anchors.iter().map(|a| (a.id, a.hash.as_str())).collect();
        let mut found = std::collections::HashSet::new();
        with_pool!(self, pool => {
            let mut rows = sqlx::query(
                "SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY id",
            )
            .fetch(pool);
            while let Some(r) = rows.try_next().await? {
                let id: i64 = r.try_get("id")?;
                let hash: String = r.try_get("hash")?;
                check.entries += 1;
                if let Some(seen) = witnessed.get(&id) {
                    found.insert(id);
                    if *seen != hash {
                        check.problems.push(AuditProblem {
                            id,
                            reason: "is not the entry witnessed with this number: the log was rewritten from here".into(),
                        });
                    }
                }
                if hash.is_empty() {
                    check.problems.push(AuditProblem {
                        id,
                        reason: "has no hash: written outside Minsheng, or its hash was removed".into(),
                    });
                }
                let prev_hash: String = r.try_get("prev_hash")?;
                if prev_hash != prev {
                    check.problems.push(AuditProblem {
                        id,
                        reason: "does not follow the entry before it: an entry was removed or moved".into(),
                    });
                }
                let fields: [String; 4] = [
                    r.try_get("actor")?,
                    r.try_get("action")?,
                    r.try_get("subject")?,
                    r.try_get("detail")?,
                ];
                let at: i64 = r.try_get("at")?;
                let recomputed = chain_hash(
                    &prev_hash,
                    id,
                    at,
                    [&fields[0], &fields[1], &fields[2], &fields[3]],
                );
                if recomputed != hash && !hash.is_empty() {
                    check.problems.push(AuditProblem {
                        id,
                        reason: "its fields do not match its hash: the entry was altered".into(),
                    });
                }
                check.head = Some(AuditAnchor { id, hash: hash.clone() });
                prev = hash;
            }
        });
        for anchor in anchors.iter().filter(|a| !found.contains(&a.id)) {
            check.problems.push(AuditProblem {
                id: anchor.id,
                reason: "was witnessed and is gone: the newest entries were removed".into(),
            });
        }
        check.problems.sort_by_key(|p| p.id);
        Ok(check)
    }
}
