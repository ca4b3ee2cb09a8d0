//! Residents' own requests for help, waiting for a caseworker to accept them.

use chrono::{DateTime, Utc};
use minsheng_core::access::Scope;

use minsheng_store::{
    micros, on_tx, scope_condition, timestamp, with_pool, Columns, NewAuditEntry, Result,
    StoreError, Tx,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub id: i64,
    pub household: String,
    pub area: String,
    /// Program codes.
    pub programs: Vec<String>,
    /// The resident's ID number.
    pub requested_by: String,
    pub note: String,
    pub requested_at: DateTime<Utc>,
    /// `waiting`, `accepted` or `declined`.
    pub status: String,
    pub handled_by: Option<String>,
    pub application_id: Option<i64>,
    pub reason: String,
}

const COLUMNS: &str = "r.id, h.code, r.area_code, r.programs, r.requested_by, r.note, \
    r.requested_at, r.status, r.handled_by, r.application_id, r.reason";
/// Requests with their households, requests first: SQLite takes `CROSS JOIN` as the order to
/// join in, so a city's or a district's scope (a range over millions of households) reads the
/// few requests and looks their households up, rather than reading every household in range
/// for a request. PostgreSQL plans it as the inner join it is.
const FROM: &str = "FROM application_request r CROSS JOIN household h";

fn decode(r: &impl Columns) -> Result<RequestRecord> {
    Ok(RequestRecord {
        id: r.int("id")?,
        household: r.text("code")?,
        area: r.text("area_code")?,
        programs: r
            .text("programs")?
            .split(',')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect(),
        requested_by: r.text("requested_by")?,
        note: r.text("note")?,
        requested_at: timestamp(r.int("requested_at")?)?,
        status: r.text("status")?,
        handled_by: r.opt_text("handled_by")?,
        application_id: r.opt_int("application_id")?,
        reason: r.text("reason")?,
    })
}

minsheng_store::context_store!(
    /// The residents' requests of a store: `store.requests()`.
    Requests,
    RequestsStore,
    requests
);

impl Requests<'_> {
    /// Records a resident's request for their household (which must be within `scope`), with
    /// its audit entry, in one transaction. A household with a request already waiting is
    /// refused (field `programs`); a unique index keeps it so when two arrive at once.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_request(
        &self,
        household: &str,
        scope: &Scope,
        programs: &[String],
        requested_by: &str,
        note: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce(i64, &str) -> NewAuditEntry,
    ) -> Result<i64> {
        let file = self.household_file_within(household, scope).await?;
        let household_id = self.household_id(&file.code).await?;
        let already = || StoreError::Conflict {
            field: "programs".into(),
            reason: "本户已有一件求助在等待社区受理".into(),
        };
        let mut tx = Tx::write_only(self).await?;
        let waiting: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM application_request WHERE household_id = $1 AND status = 'waiting'",
            )
            .bind(household_id)
            .fetch_one(&mut *conn)
            .await?
        });
        if waiting > 0 {
            return Err(already());
        }
        let inserted: std::result::Result<i64, sqlx::Error> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO application_request (household_id, area_code, programs, requested_by, note, requested_at, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'waiting') RETURNING id",
            )
            .bind(household_id)
            .bind(file.area.as_str())
            .bind(programs.join(","))
            .bind(requested_by)
            .bind(note)
            .bind(micros(at))
            .fetch_one(&mut *conn)
            .await
        });
        let id = match inserted {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(already()),
            Err(e) => return Err(e.into()),
        };
        tx.append_audit(&[audit(id, &file.code)]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A page of the requests within `scope` (`limit` from `offset`), waiting ones first,
    /// newest first, and how many there are in all.
    pub async fn requests_within(
        &self,
        scope: &Scope,
        waiting_only: bool,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<RequestRecord>, u64)> {
        let (within, bound) = scope_condition(scope, 1);
        let filter = format!(
            "{FROM} WHERE h.id = r.household_id AND {within} {}",
            if waiting_only {
                "AND r.status = 'waiting'"
            } else {
                ""
            }
        );
        let sql = format!(
            "SELECT {COLUMNS} {filter} \
             ORDER BY CASE WHEN r.status = 'waiting' THEN 0 ELSE 1 END, r.id DESC \
             LIMIT {limit} OFFSET {offset}"
        );
        let count = format!("SELECT COUNT(*) {filter}");
        with_pool!(self, pool => {
            let total: i64 = sqlx::query_scalar(&count).bind(&bound).fetch_one(pool).await?;
            let rows = sqlx::query(&sql).bind(&bound).fetch_all(pool).await?;
            let requests = rows.iter().map(decode).collect::<Result<Vec<_>>>()?;
            Ok((requests, u64::try_from(total).unwrap_or(0)))
        })
    }

    pub async fn request_within(&self, id: i64, scope: &Scope) -> Result<RequestRecord> {
        let (within, bound) = scope_condition(scope, 2);
        let sql = format!(
            "SELECT {COLUMNS} {FROM} WHERE h.id = r.household_id AND r.id = $1 AND {within}"
        );
        with_pool!(self, pool => {
            match sqlx::query(&sql).bind(id).bind(&bound).fetch_optional(pool).await? {
                Some(r) => decode(&r),
                None => Err(StoreError::NotFound(format!("求助 {id}"))),
            }
        })
    }

    /// Declines a waiting request with the reason the resident will read, and writes its
    /// audit entry and the resident's notice, in one transaction; a request already handled is left as it is (field
    /// `request`).
    pub async fn decline_request(
        &self,
        id: i64,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
        notices: &[minsheng_notify::Notice],
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        handle_in(&mut tx, id, None, reason, by, at).await?;
        minsheng_notify::enqueue_in(&mut tx, notices, at).await?;
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await
    }
}

/// Marks a waiting request accepted (with its application) or declined (with a reason),
/// within `tx`; a request already handled is refused (field `request`), so it is handled once.
pub async fn handle_in(
    tx: &mut Tx,
    id: i64,
    accepted: Option<i64>,
    reason: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    let status = if accepted.is_some() {
        "accepted"
    } else {
        "declined"
    };
    let done = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE application_request SET status = $1, handled_by = $2, handled_at = $3, \
             application_id = $4, reason = $5 WHERE id = $6 AND status = 'waiting'",
        )
        .bind(status)
        .bind(by)
        .bind(micros(at))
        .bind(accepted)
        .bind(reason)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected()
    });
    if done == 0 {
        return Err(StoreError::Conflict {
            field: "request".into(),
            reason: format!("求助 {id} 已由他人处理"),
        });
    }
    Ok(())
}
