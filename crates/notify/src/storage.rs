//! The outbox's tables (`store.outbox()`): notices, their deliveries and residents' contact
//! preferences. Notices are written by [`enqueue_in`] inside the transaction of the event that
//! causes them; deliveries are claimed and finished by the dispatcher.

use chrono::{DateTime, Utc};
use minsheng_core::IdNumber;
use minsheng_store::{
    micros, on_tx, timestamp, with_pool, Backend, Cell, Columns, NewAuditEntry, Result, Statements,
    Tx,
};

use crate::domain::{Channel, Contact, Kind, Next, Notice};

minsheng_store::context_store!(
    /// The outbox's tables of a store: `store.outbox()`.
    Outbox,
    OutboxStore,
    outbox
);

/// Writes `notices` within `tx`, the transaction of the event that causes them (sqlx's, or
/// the kept SQLite writer's: any [`Statements`]), with a delivery for each channel its
/// recipient chose. A notice whose key is already written adds nothing. Returns how many
/// notices were new.
pub async fn enqueue_in(
    tx: &mut impl Statements,
    notices: &[Notice],
    at: DateTime<Utc>,
) -> Result<u64> {
    let mut written = 0;
    for n in notices {
        let contact = tx
            .row(CONTACT, &[Cell::Text(n.to.as_str().to_string())], |r| {
                decode_contact(r)
            })
            .await?
            .unwrap_or_default();
        let id = tx
            .row(
                "INSERT INTO notice (key, kind, id_number, household_code, title, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING id",
                &[
                    Cell::Text(n.key.clone()),
                    Cell::Code(n.kind.code()),
                    Cell::Text(n.to.as_str().to_string()),
                    Cell::Text(n.household.clone()),
                    Cell::Text(n.title.clone()),
                    Cell::Text(n.body.clone()),
                    Cell::Int(micros(at)),
                ],
                |r| r.int("id"),
            )
            .await?;
        if let Some(id) = id {
            written += 1;
            for (channel, address) in contact.channels() {
                tx.execute(
                    "INSERT INTO notice_delivery (notice_id, channel, address, status, next_at) \
                     VALUES ($1, $2, $3, 'pending', $4)",
                    &[
                        Cell::Int(id),
                        Cell::Code(channel.code()),
                        Cell::Text(address.to_string()),
                        Cell::Int(micros(at)),
                    ],
                )
                .await?;
            }
        }
    }
    Ok(written)
}

const CONTACT: &str =
    "SELECT phone, email, use_sms, use_email FROM contact_preference WHERE id_number = $1";

fn decode_contact(r: &(impl Columns + ?Sized)) -> Result<Contact> {
    Ok(Contact {
        phone: r.text("phone")?,
        email: r.text("email")?,
        use_sms: r.int("use_sms")? == 1,
        use_email: r.int("use_email")? == 1,
    })
}

/// A notice as the resident's inbox shows it, with how far each chosen channel got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxNotice {
    pub id: i64,
    pub kind: Option<Kind>,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
    /// (channel, status) of each delivery: `pending`, `sending`, `sent` or `failed`.
    pub deliveries: Vec<(Channel, String)>,
}

/// A delivery claimed by one dispatcher run, with what it is to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub delivery: i64,
    pub notice: i64,
    pub key: String,
    pub channel: Channel,
    pub address: String,
    /// Attempts so far, counting this one.
    pub attempts: i64,
    pub household: String,
    pub title: String,
    pub body: String,
}

impl Claimed {
    /// The key a gateway de-duplicates by: the same for every attempt at this notice on this
    /// channel, so an attempt repeated after a crash is not a second message.
    pub fn idempotency_key(&self) -> String {
        format!("minsheng-notice-{}-{}", self.notice, self.channel.code())
    }
}

/// Deliveries by channel and status: what an operator checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxStatus {
    pub notices: i64,
    /// (channel, status, count), in channel and status order.
    pub deliveries: Vec<(String, String, i64)>,
    /// The oldest delivery still waiting, if any.
    pub oldest_waiting: Option<DateTime<Utc>>,
}

impl Outbox<'_> {
    /// The resident's notices, newest first.
    pub async fn inbox(&self, who: &IdNumber, limit: i64) -> Result<Vec<InboxNotice>> {
        let mut notices = Vec::new();
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, kind, title, body, created_at, read_at FROM notice \
                 WHERE id_number = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(who.as_str())
            .bind(limit)
            .fetch_all(pool)
            .await?;
            for r in &rows {
                notices.push(InboxNotice {
                    id: r.int("id")?,
                    kind: Kind::parse(&r.text("kind")?),
                    title: r.text("title")?,
                    body: r.text("body")?,
                    created_at: timestamp(r.int("created_at")?)?,
                    read: r.opt_int("read_at")?.is_some(),
                    deliveries: Vec::new(),
                });
            }
            let deliveries = sqlx::query(
                "SELECT d.notice_id, d.channel, d.status FROM notice_delivery d \
                 JOIN notice n ON n.id = d.notice_id WHERE n.id_number = $1 \
                 ORDER BY d.notice_id, d.channel",
            )
            .bind(who.as_str())
            .fetch_all(pool)
            .await?;
            for r in &deliveries {
                let id = r.int("notice_id")?;
                if let (Some(n), Some(channel)) = (
                    notices.iter_mut().find(|n| n.id == id),
                    Channel::parse(&r.text("channel")?),
                ) {
                    n.deliveries.push((channel, r.text("status")?));
                }
            }
        });
        Ok(notices)
    }

    /// How many of the resident's notices are unread.
    pub async fn unread(&self, who: &IdNumber) -> Result<i64> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM notice WHERE id_number = $1 AND read_at IS NULL",
            )
            .bind(who.as_str())
            .fetch_one(pool)
            .await?)
        })
    }

    /// Marks the resident's notices read, as opening the inbox does.
    pub async fn mark_read(&self, who: &IdNumber, at: DateTime<Utc>) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE notice SET read_at = $1 WHERE id_number = $2 AND read_at IS NULL")
                .bind(micros(at))
                .bind(who.as_str())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The resident's contact preferences (none chosen: the web inbox only).
    pub async fn contact(&self, who: &IdNumber) -> Result<Contact> {
        let row = with_pool!(self, pool => {
            sqlx::query(CONTACT)
                .bind(who.as_str())
                .fetch_optional(pool)
                .await?
                .map(|r| decode_contact(&r))
                .transpose()?
        });
        Ok(row.unwrap_or_default())
    }

    /// Stores the resident's contact preferences, with the audit entry, in one transaction.
    /// Notices written before keep the addresses they were written with.
    pub async fn set_contact(
        &self,
        who: &IdNumber,
        contact: &Contact,
        by: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO contact_preference (id_number, phone, email, use_sms, use_email, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (id_number) DO UPDATE SET phone = excluded.phone, email = excluded.email, \
                 use_sms = excluded.use_sms, use_email = excluded.use_email, \
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(who.as_str())
            .bind(&contact.phone)
            .bind(&contact.email)
            .bind(i64::from(contact.use_sms))
            .bind(i64::from(contact.use_email))
            .bind(micros(at))
            .bind(by)
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await
    }

    /// Claims up to `limit` deliveries due at `now` on `channels` for one dispatcher run
    /// (`claim`), until `lease_until`: a run that dies holding them leaves them to be claimed
    /// again after the lease, and sent with the same idempotency key. Each claim counts as
    /// an attempt.
    pub async fn claim(
        &self,
        channels: &[Channel],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
        claim: &str,
    ) -> Result<Vec<Claimed>> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        let list = channels
            .iter()
            .map(|c| format!("'{}'", c.code()))
            .collect::<Vec<_>>()
            .join(", ");
        // PostgreSQL: two dispatchers (two servers) skip each other's rows rather than wait.
        let skip = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let claim_sql = format!(
            "UPDATE notice_delivery SET status = 'sending', attempts = attempts + 1, \
             next_at = $1, claim = $2 WHERE id IN (SELECT id FROM notice_delivery \
             WHERE status IN ('pending', 'sending') AND next_at <= $3 AND channel IN ({list}) \
             ORDER BY next_at, id LIMIT $4{skip})"
        );
        let mut tx = Tx::write_only(self).await?;
        let claimed = on_tx!(&mut tx, conn => {
            sqlx::query(&claim_sql)
                .bind(micros(lease_until))
                .bind(claim)
                .bind(micros(now))
                .bind(limit)
                .execute(&mut *conn)
                .await?;
            let rows = sqlx::query(
                "SELECT d.id, d.notice_id, d.channel, d.address, d.attempts, n.key, \
                 n.household_code, n.title, n.body FROM notice_delivery d \
                 JOIN notice n ON n.id = d.notice_id \
                 WHERE d.claim = $1 AND d.status = 'sending' ORDER BY d.id",
            )
            .bind(claim)
            .fetch_all(&mut *conn)
            .await?;
            let mut claimed = Vec::with_capacity(rows.len());
            for r in &rows {
                let channel = r.text("channel")?;
                claimed.push(Claimed {
                    delivery: r.int("id")?,
                    notice: r.int("notice_id")?,
                    key: r.text("key")?,
                    channel: Channel::parse(&channel)
                        .ok_or_else(|| minsheng_store::corrupt("channel", channel))?,
                    address: r.text("address")?,
                    attempts: r.int("attempts")?,
                    household: r.text("household_code")?,
                    title: r.text("title")?,
                    body: r.text("body")?,
                });
            }
            claimed
        });
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records what each claimed delivery came to, and the audit entries of the sends, in one
    /// transaction. A delivery another run has claimed since (this run's lease ran out) is left
    /// to that run.
    pub async fn finish(
        &self,
        claim: &str,
        results: &[(Claimed, Next, String)],
        now: DateTime<Utc>,
        audit: &[NewAuditEntry],
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            for (c, next, error) in results {
                let (status, next_at, sent_at) = match next {
                    Next::Sent => ("sent", micros(now), Some(micros(now))),
                    Next::Failed => ("failed", micros(now), None),
                    Next::RetryIn(after) => {
                        let after = chrono::Duration::from_std(*after)
                            .unwrap_or(chrono::Duration::hours(1));
                        ("pending", micros(now + after), None)
                    }
                };
                sqlx::query(
                    "UPDATE notice_delivery SET status = $1, next_at = $2, sent_at = $3, \
                     last_error = $4, claim = '' WHERE id = $5 AND claim = $6 AND status = 'sending'",
                )
                .bind(status)
                .bind(next_at)
                .bind(sent_at)
                .bind(error)
                .bind(c.delivery)
                .bind(claim)
                .execute(&mut *conn)
                .await?;
            }
        });
        tx.append_audit(audit).await?;
        tx.commit().await
    }

    /// Deliveries by channel and status.
    pub async fn status(&self) -> Result<OutboxStatus> {
        let mut status = OutboxStatus::default();
        with_pool!(self, pool => {
            status.notices = sqlx::query_scalar("SELECT COUNT(*) FROM notice")
                .fetch_one(pool)
                .await?;
            for r in sqlx::query(
                "SELECT channel, status, COUNT(*) AS n FROM notice_delivery \
                 GROUP BY channel, status ORDER BY channel, status",
            )
            .fetch_all(pool)
            .await?
            {
                status
                    .deliveries
                    .push((r.text("channel")?, r.text("status")?, r.int("n")?));
            }
            let oldest: Option<i64> = sqlx::query_scalar(
                "SELECT MIN(n.created_at) FROM notice_delivery d JOIN notice n ON n.id = d.notice_id \
                 WHERE d.status IN ('pending', 'sending')",
            )
            .fetch_one(pool)
            .await?;
            status.oldest_waiting = oldest.map(timestamp).transpose()?;
        });
        Ok(status)
    }
}
