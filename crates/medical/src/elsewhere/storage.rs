//! Out-of-town care registrations (`medical_elsewhere`): `store.elsewhere()`, and the read the
//! settlement makes in its own transaction.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::IdNumber;
use minsheng_store::{
    corrupt, micros, timestamp, with_pool, Cell, Columns, NewAuditEntry, Result, Statements, Tx,
};

use super::{Kind, Reason, Registration, State};
use crate::storage::parsed;

minsheng_store::context_store!(
    /// Out-of-town care registrations: `store.elsewhere()`.
    Registrations,
    ElsewhereStore,
    elsewhere
);

const COLUMNS: &str = "id, person_id, kind, reason, destination, valid_from, valid_to, state, \
    applied_at, applied_by, decided_at, decided_by, decision";

fn decode(r: &(impl Columns + ?Sized)) -> Result<Registration> {
    let decided = match (
        r.opt_int("decided_at")?,
        r.opt_text("decided_by")?,
        r.opt_text("decision")?,
    ) {
        (Some(at), Some(by), Some(why)) => Some((timestamp(at)?, by, why)),
        _ => None,
    };
    Ok(Registration {
        id: r.int("id")?,
        person_id: r.int("person_id")?,
        kind: parsed(r, "kind", Kind::parse)?,
        reason: parsed(r, "reason", Reason::parse)?,
        destination: r.text("destination")?,
        from: r.date("valid_from")?,
        to: r.opt_date("valid_to")?,
        state: parsed(r, "state", State::parse)?,
        applied_at: timestamp(r.int("applied_at")?)?,
        applied_by: r.text("applied_by")?,
        decided,
    })
}

impl Registrations<'_> {
    /// The person an ID number names, if a current resident covered on `day`.
    pub async fn covered_on(&self, id_number: &IdNumber, day: NaiveDate) -> Result<Option<i64>> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT p.id FROM person p JOIN resident_search s ON s.person_id = p.id \
                 WHERE p.id_number = $1 AND EXISTS (SELECT 1 FROM medical_cover c \
                 WHERE c.person_id = p.id AND c.covered_from <= $2 AND c.covered_to >= $2)",
            )
            .bind(id_number.as_str())
            .bind(day)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Files a registration with the audit entry `audit` makes of its id, unless one of the
    /// person's pending or standing registrations reaches its first day or later (Err: that
    /// one; nothing written).
    pub async fn file(
        &self,
        r: &Registration,
        audit: impl FnOnce(i64) -> NewAuditEntry,
    ) -> Result<std::result::Result<i64, Registration>> {
        let mut tx = Tx::write_only(self).await?;
        let other = tx
            .row(
                &format!(
                    "SELECT {COLUMNS} FROM medical_elsewhere WHERE person_id = $1 \
                     AND state IN ('pending', 'approved') \
                     AND (valid_to IS NULL OR valid_to >= $2) ORDER BY valid_from LIMIT 1"
                ),
                &[Cell::Int(r.person_id), Cell::from(r.from)],
                |row| decode(row),
            )
            .await?;
        if let Some(other) = other {
            return Ok(Err(other));
        }
        let id = tx
            .row(
                "INSERT INTO medical_elsewhere (person_id, kind, reason, destination, valid_from, \
                 valid_to, state, applied_at, applied_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[
                    Cell::Int(r.person_id),
                    Cell::Code(r.kind.as_str()),
                    Cell::Code(r.reason.as_str()),
                    Cell::Text(r.destination.clone()),
                    Cell::from(r.from),
                    Cell::from(r.to),
                    Cell::Code(r.state.as_str()),
                    Cell::Int(micros(r.applied_at)),
                    Cell::Text(r.applied_by.clone()),
                ],
                |row| row.int("id"),
            )
            .await?
            .ok_or_else(|| corrupt("medical_elsewhere", "the insert returned no id"))?;
        tx.append_audit(&[audit(id)]).await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Decides a pending registration by someone other than who filed it. Err: the
    /// registration as it stands when it is not pending or the decider filed it (`None`: there
    /// is none); nothing written.
    pub async fn decide(
        &self,
        id: i64,
        state: State,
        (by, at, why): (&str, DateTime<Utc>, &str),
        audit: NewAuditEntry,
    ) -> Result<std::result::Result<Registration, Option<Registration>>> {
        let mut tx = Tx::write_only(self).await?;
        let sql = format!("SELECT {COLUMNS} FROM medical_elsewhere WHERE id = $1");
        let Some(r) = tx.row(&sql, &[Cell::Int(id)], |row| decode(row)).await? else {
            return Ok(Err(None));
        };
        if r.state != State::Pending || r.applied_by == by {
            return Ok(Err(Some(r)));
        }
        Statements::execute(
            &mut tx,
            "UPDATE medical_elsewhere SET state = $1, decided_at = $2, decided_by = $3, \
             decision = $4 WHERE id = $5",
            &[
                Cell::Code(state.as_str()),
                Cell::Int(micros(at)),
                Cell::Text(by.to_string()),
                Cell::Text(why.to_string()),
                Cell::Int(id),
            ],
        )
        .await?;
        let r = tx
            .row(&sql, &[Cell::Int(id)], |row| decode(row))
            .await?
            .ok_or_else(|| corrupt("medical_elsewhere", "the row decided is gone"))?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(Ok(r))
    }

    /// A person's registrations, the latest first.
    pub async fn of_person(&self, person_id: i64) -> Result<Vec<Registration>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM medical_elsewhere WHERE person_id = $1 \
             ORDER BY valid_from DESC, id DESC"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql).bind(person_id).fetch_all(pool).await?.iter().map(decode).collect()
        })
    }
}

/// Whether a registration of the person stands on `day`: what decides whether care out of the
/// province that day is settled as registered.
pub async fn registered_on(
    tx: &mut impl Statements,
    person_id: i64,
    day: NaiveDate,
) -> Result<bool> {
    Ok(tx
        .row(
            "SELECT id FROM medical_elsewhere WHERE person_id = $1 AND state = 'approved' \
             AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) LIMIT 1",
            &[Cell::Int(person_id), Cell::from(day)],
            |r| r.int("id"),
        )
        .await?
        .is_some())
}
