//! The basic elderly service list's counts, published (崂办字〔2024〕12号 第一条: 建立基本养老服务
//! 项目统计调查和发布制度): computed over the whole registry for a month, stored by street, and
//! read by the public page. Publishing a month again replaces its counts; the counts and their
//! audit entry commit together, so a count on the public page always has a publisher.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use minsheng_app::{Clock, Progress};
use minsheng_core::Month;
use minsheng_policy::services::ELDERLY;
use minsheng_policy::Policy;
use minsheng_store::{
    micros, on_tx, timestamp, with_pool, Columns, NewAuditEntry, Result, Store, StoreError, Tx,
};

use crate::entitlements::{count, EntitlementError, ServiceCounts};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    List(#[from] EntitlementError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Counts as published: by street, with when and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedCounts {
    pub counts: ServiceCounts,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

/// Counts the list's items for `month` over the whole registry and publishes them as `actor`.
pub async fn publish(
    store: &Store,
    policy: &Policy,
    month: Month,
    actor: &str,
    clock: Clock,
    progress: &dyn Progress,
) -> std::result::Result<ServiceCounts, PublishError> {
    // Fails before the registry is read when the list is missing or not yet in force.
    crate::entitlements::list_in_force(policy, month)?;
    let registry = minsheng_app::policy::load(store, policy, month, true, progress).await?;
    let counts = count(policy, month, &registry)?;
    let persons: u64 = counts.streets.values().map(|(n, _)| n).sum();
    store
        .publications()
        .replace(ELDERLY, &counts, actor, clock.now, || NewAuditEntry {
            actor: actor.into(),
            action: "publish_service_counts".into(),
            subject: ELDERLY.into(),
            detail: format!(
                "month={month} version={} streets={} persons={persons} undecided={}",
                counts.version_from,
                counts.streets.len(),
                counts.undecided
            ),
            at: clock.now,
        })
        .await?;
    Ok(counts)
}

minsheng_store::context_store!(
    /// The published counts of service lists: `store.publications()`.
    Publications,
    PublicationsStore,
    publications
);

/// The item code of the row that counts the people the list is for.
const PEOPLE: &str = "";

impl Publications<'_> {
    /// Replaces `list`'s counts for the month of `counts` and writes the audit entry, in one
    /// transaction.
    pub async fn replace(
        &self,
        list: &str,
        counts: &ServiceCounts,
        published_by: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce() -> NewAuditEntry,
    ) -> Result<()> {
        let month = counts.month.to_string();
        let mut tx = Tx::begin(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM service_count WHERE list = $1 AND month = $2")
                .bind(list)
                .bind(&month)
                .execute(&mut *conn)
                .await?;
        });
        for (street, (persons, items)) in &counts.streets {
            let rows = std::iter::once((PEOPLE, *persons))
                .chain(items.iter().map(|(code, n)| (code.as_str(), *n)));
            for (item, n) in rows {
                let n = i64::try_from(n)
                    .map_err(|_| StoreError::invalid("persons", "人数过多，无法保存"))?;
                on_tx!(&mut tx, conn => {
                    sqlx::query(
                        "INSERT INTO service_count (list, month, version_from, street_code, item, \
                         persons, published_at, published_by) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(list)
                    .bind(&month)
                    .bind(counts.version_from)
                    .bind(street)
                    .bind(item)
                    .bind(n)
                    .bind(micros(at))
                    .bind(published_by)
                    .execute(&mut *conn)
                    .await?;
                });
            }
        }
        tx.append_audit(&[audit()]).await?;
        tx.commit().await
    }

    /// The latest month of `list` published.
    pub async fn latest_month(&self, list: &str) -> Result<Option<Month>> {
        let month: Option<String> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(month) FROM service_count WHERE list = $1")
                .bind(list)
                .fetch_one(pool)
                .await?
        });
        month
            .map(|m| m.parse().map_err(|e| minsheng_store::corrupt("month", e)))
            .transpose()
    }

    /// `list`'s counts for `month`, if published.
    pub async fn of_month(&self, list: &str, month: Month) -> Result<Option<PublishedCounts>> {
        let rows = with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT version_from, street_code, item, persons, published_at, published_by \
                 FROM service_count WHERE list = $1 AND month = $2 ORDER BY street_code, item",
            )
            .bind(list)
            .bind(month.to_string())
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.date("version_from")?,
                        r.text("street_code")?,
                        r.text("item")?,
                        r.int("persons")?,
                        r.int("published_at")?,
                        r.text("published_by")?,
                    ))
                })
                .collect::<Result<Vec<_>>>()?
        });
        let Some((version_from, _, _, _, at, by)) = rows.first().cloned() else {
            return Ok(None);
        };
        let mut streets: BTreeMap<String, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
        for (_, street, item, n, _, _) in rows {
            let n = u64::try_from(n).map_err(|e| minsheng_store::corrupt("persons", e))?;
            let entry = streets.entry(street).or_default();
            if item == PEOPLE {
                entry.0 = n;
            } else {
                entry.1.insert(item, n);
            }
        }
        Ok(Some(PublishedCounts {
            counts: ServiceCounts {
                month,
                version_from,
                streets,
                undecided: 0,
            },
            published_at: timestamp(at)?,
            published_by: by,
        }))
    }
}
