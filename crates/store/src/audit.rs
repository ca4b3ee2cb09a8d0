//! The audit log: who read or changed what, when. Append-only; entries are never updated.
//! (Hash-chaining and `audit verify` come with the assistance-operations work, issue 4.)

use chrono::{DateTime, Utc};
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

impl Store {
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)")
                .bind(micros(at))
                .bind(actor)
                .bind(action)
                .bind(subject)
                .bind(detail)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Entries about a subject (an ID number, a household code, a file), oldest first.
    pub async fn audit_entries(&self, subject: &str) -> Result<Vec<AuditEntry>> {
        with_pool!(self, pool => {
            let rows = sqlx::query("SELECT at, actor, action, subject, detail FROM audit_log WHERE subject = $1 ORDER BY id")
                .bind(subject)
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
}
