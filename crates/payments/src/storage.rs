//! Payments: enrolments, a month's cycle and its entitlements, bank batches and the ledger.
//!
//! Writes that decide money take one lock (SQLite: an immediate transaction; PostgreSQL: a
//! transaction-scoped advisory lock), so two runs of a cycle queue up instead of both sending.
//! The ledger is append-only in the schema itself (triggers refuse UPDATE and DELETE).

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::domain::{
    BankAnswer, EnrolledUnit, Enrolment, Entitlement, HouseholdPayment, Outcome, PaidTotal,
    PayCycle, Payment, PaymentRef, PaymentState,
};
use chrono::{DateTime, Utc};
use minsheng_core::{AreaCode, Fen, IdNumber, MoneyError, Month};
use sqlx::Row;

use minsheng_core::access::Scope;

use minsheng_store::{
    corrupt, household_ids, micros, on_tx, scan, scope_condition, scope_on, timestamp, with_pool,
    Cell, Columns, NewAuditEntry, Result, ScannedPerson, Statements, Store, StoreError, Table, Tx,
    VERSION_COLUMNS, VERSION_FROM,
};

/// `pg_advisory_xact_lock` key of payment writes ("MSPAY").
const PAY_LOCK: i64 = 0x004d_5350_4159;

const ENROLMENT: Table = Table {
    name: "enrolment",
    columns: &[
        "household_id",
        "program",
        "first_month",
        "basis",
        "recorded_at",
        "recorded_by",
    ],
};

const ENTITLEMENT: Table = Table {
    name: "entitlement",
    columns: &[
        "month",
        "program",
        "enrolment_id",
        "household_id",
        "household_code",
        "person_id",
        "payee_name",
        "payee_id_number",
        "area_code",
        "amount",
    ],
};

/// What a cycle analyses after writing (PostgreSQL): the columns its queries filter on, each
/// with a small statistics target (migration 0016), so a month's rows are found by index.
const ENTITLEMENT_STATISTICS: &str = "entitlement (month, program, household_id)";
const LEDGER_STATISTICS: &str = "ledger (month, batch, kind, entitlement_id)";

const LEDGER: Table = Table {
    name: "ledger",
    columns: &[
        "month",
        "entitlement_id",
        "kind",
        "amount",
        "attempt",
        "batch",
        "refers_to",
        "reason",
        "at",
        "recorded_by",
    ],
};

/// What a bank return file would do, checked before anything is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerReport {
    pub confirmed: u64,
    pub returned: u64,
    /// Lines that repeat an answer already recorded: nothing to do.
    pub already_recorded: u64,
    /// (line, field, reason); when any, nothing was written.
    pub problems: Vec<(u64, String, String)>,
}

/// A payment the bank returned, as the payee's notice tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedPayment {
    pub reference: PaymentRef,
    pub program: String,
    pub household: String,
    pub payee_name: String,
    /// `None` where the frozen number is not one (a cycle frozen before payees were kept).
    pub payee: Option<IdNumber>,
    pub amount: Fen,
    /// The bank's reason.
    pub reason: String,
}

/// A running enrolment and what its next review depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewable {
    pub enrolment_id: i64,
    pub household: String,
    pub area: String,
    pub program: String,
    pub first_month: Month,
    pub last_review: Option<chrono::NaiveDate>,
    /// A living member is able to work (有劳动能力): reviewed every 6 months.
    pub can_work: bool,
    pub last_death: Option<chrono::NaiveDate>,
}

fn decode_enrolment(r: &impl Columns) -> Result<Enrolment> {
    Ok(Enrolment {
        id: r.int("id")?,
        household: r.text("code")?,
        program: r.text("program")?,
        first_month: month_of(r, "first_month")?,
        last_month: match r.opt_text("last_month")? {
            Some(m) => Some(m.parse().map_err(|e| corrupt("last_month", e))?),
            None => None,
        },
        basis: r.text("basis")?,
        taper: match (r.opt_text("taper_from")?, r.opt_int("taper_amount")?) {
            (Some(from), Some(amount)) => Some((
                from.parse().map_err(|e| corrupt("taper_from", e))?,
                Fen(amount),
            )),
            _ => None,
        },
        recorded_by: r.text("recorded_by")?,
        recorded_at: timestamp(r.int("recorded_at")?)?,
    })
}

/// A suspension: from a month, resumed from a month (if it was), and why.
pub type Pause = (Month, Option<Month>, String);

/// An enrolment, its household's community, its suspensions and why it was ended or set to
/// taper off.
pub type EnrolmentDecisions = (Enrolment, String, Vec<Pause>, Option<String>);

fn decode_pause(r: &impl Columns) -> Result<Pause> {
    Ok((
        month_of(r, "from_month")?,
        match r.opt_text("resumed_month")? {
            Some(m) => Some(m.parse().map_err(|e| corrupt("resumed_month", e))?),
            None => None,
        },
        r.text("reason")?,
    ))
}

fn month_of(r: &impl Columns, col: &str) -> Result<Month> {
    r.text(col)?.parse().map_err(|e| corrupt(col, e))
}

minsheng_store::context_store!(
    /// The payments tables of a store: `store.payments()`.
    Payments,
    PaymentsStore,
    payments
);

/// A transaction holding the payment lock: whatever enrols, computes or sends money takes it,
/// so that no two of them interleave.
pub async fn begin_locked(store: &Store) -> Result<Tx> {
    Ok(match store {
        Store::Sqlite(pool, _) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
        Store::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(PAY_LOCK)
                .execute(&mut *tx)
                .await?;
            Tx::Postgres(tx)
        }
    })
}

/// Enrols households (by key) within `tx`, skipping any already receiving the program.
/// Returns how many were enrolled.
pub async fn enrol_in(
    tx: &mut Tx,
    units: &[(i64, &str)],
    first_month: Month,
    basis: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<u64> {
    if units.is_empty() {
        return Ok(0);
    }
    let open: HashSet<(i64, String)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT household_id, program FROM enrolment WHERE last_month IS NULL \
             AND person_id IS NULL",
        )
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect()
    });
    let mut seen = HashSet::new();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for (id, program) in units {
        if open.contains(&(*id, program.to_string())) || !seen.insert((*id, *program)) {
            continue;
        }
        rows.push(vec![
            Cell::Int(*id),
            Cell::Text(program.to_string()),
            Cell::Text(first_month.to_string()),
            Cell::Text(basis.to_string()),
            Cell::Int(micros(at)),
            Cell::Text(by.to_string()),
        ]);
    }
    let n = rows.len() as u64;
    tx.write(&ENROLMENT, rows).await?;
    Ok(n)
}

/// The field of the conflict [`Payments::store_pay_cycle`] reports when enrolments changed
/// while the cycle was computed.
pub const ENROLMENTS_CHANGED: &str = "enrolments";

/// The first month from `from` on that no payment cycle has been computed for: a grant
/// enrolled within `tx` from then on is paid by a cycle still to come, not missed by one
/// already frozen.
pub async fn first_open_month(tx: &mut Tx, from: Month) -> Result<Month> {
    let last: Option<String> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT MAX(month) FROM pay_cycle")
            .fetch_one(&mut *conn)
            .await?
    });
    let last: Option<Month> = match last {
        Some(m) => Some(m.parse().map_err(|e| corrupt("month", e))?),
        None => None,
    };
    Ok(match last {
        Some(last) if last >= from => last.next(),
        _ => from,
    })
}

/// A grant to one person of a household, as a service's acceptance makes it.
pub struct PersonGrant<'a> {
    pub household_id: i64,
    pub person_id: i64,
    pub program: &'a str,
    pub first_month: Month,
    /// The month it ends in: the first, for a subsidy paid once.
    pub last_month: Option<Month>,
    pub basis: &'a str,
}

/// Whose enrolments count for a person: theirs, or their household's as the registry places the
/// person now; in force in the month `$1` and not paused then. Over `enrolment e` and
/// `resident_search s`.
const IN_FORCE_FOR_PERSON: &str = "s.household_id = e.household_id \
    AND (e.person_id IS NULL OR e.person_id = s.person_id) \
    AND e.first_month <= $1 AND (e.last_month IS NULL OR e.last_month >= $1) \
    AND NOT EXISTS (SELECT 1 FROM enrolment_pause p WHERE p.enrolment_id = e.id \
    AND p.from_month <= $1 AND (p.resumed_month IS NULL OR p.resumed_month > $1))";

/// `programs` as an SQL list of bound values, from `$first` on.
fn program_list(programs: &[&str], first: usize) -> String {
    (0..programs.len())
        .map(|i| format!("${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which of `programs` a person is enrolled in for `month` (theirs or their household's, in
/// force and not paused), read within another context's transaction: medical assistance reads
/// 特困 and 低保 so while it settles a claim, and so knows a decision the moment it is made.
pub async fn programs_of_person_in(
    tx: &mut impl Statements,
    person_id: i64,
    month: Month,
    programs: &[&str],
) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT e.program FROM enrolment e JOIN resident_search s ON s.person_id = $2 \
         AND {IN_FORCE_FOR_PERSON} WHERE e.program IN ({})",
        program_list(programs, 3)
    );
    let mut params = vec![Cell::Text(month.to_string()), Cell::Int(person_id)];
    params.extend(programs.iter().map(|p| Cell::Text(p.to_string())));
    tx.rows(&sql, &params, |r| r.text("program")).await
}

/// Enrols one person of a household in a program within `tx`, paid to that person only.
/// Refused (field `program`) when the person already has an enrolment in it covering a month
/// from `first_month` on. Returns the enrolment's id.
pub async fn enrol_person_in(
    tx: &mut Tx,
    grant: &PersonGrant<'_>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    let held: Option<String> = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT first_month FROM enrolment WHERE person_id = $1 AND program = $2 \
             AND (last_month IS NULL OR last_month >= $3)",
        )
        .bind(grant.person_id)
        .bind(grant.program)
        .bind(grant.first_month.to_string())
        .fetch_optional(&mut *conn)
        .await?
    });
    if let Some(since) = held {
        return Err(StoreError::Conflict {
            field: "program".into(),
            reason: format!("此人已在享受 {}（自 {since} 起）", grant.program),
        });
    }
    let id: i64 = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO enrolment (household_id, person_id, program, first_month, last_month, \
             basis, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(grant.household_id)
        .bind(grant.person_id)
        .bind(grant.program)
        .bind(grant.first_month.to_string())
        .bind(grant.last_month.map(|m| m.to_string()))
        .bind(grant.basis)
        .bind(micros(at))
        .bind(by)
        .fetch_one(&mut *conn)
        .await?
    });
    Ok(id)
}

impl Payments<'_> {
    /// Enrols a household in a program from `first_month`. A household already receiving the
    /// program is refused (field `program`), and nothing is written.
    #[allow(clippy::too_many_arguments)]
    pub async fn enrol(
        &self,
        household: &str,
        program: &str,
        first_month: Month,
        basis: &str,
        by: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<Enrolment> {
        let mut tx = begin_locked(self).await?;
        let household_id: Option<i64> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT id FROM household WHERE code = $1")
                .bind(household)
                .fetch_optional(&mut *conn)
                .await?
        });
        let household_id = household_id.ok_or_else(|| StoreError::Invalid {
            field: "household".into(),
            reason: format!("登记中没有户「{household}」"),
        })?;
        let open: Option<String> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT first_month FROM enrolment WHERE household_id = $1 AND program = $2 \
                 AND last_month IS NULL AND person_id IS NULL",
            )
            .bind(household_id)
            .bind(program)
            .fetch_optional(&mut *conn)
            .await?
        });
        if let Some(since) = open {
            return Err(StoreError::Conflict {
                field: "program".into(),
                reason: format!("户 {household} 已在享受 {program}（自 {since} 起）"),
            });
        }
        let id: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO enrolment (household_id, program, first_month, basis, recorded_at, \
                 recorded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(household_id)
            .bind(program)
            .bind(first_month.to_string())
            .bind(basis)
            .bind(micros(at))
            .bind(by)
            .fetch_one(&mut *conn)
            .await?
        });
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(Enrolment {
            id,
            household: household.to_string(),
            program: program.to_string(),
            first_month,
            last_month: None,
            basis: basis.to_string(),
            taper: None,
            recorded_by: by.to_string(),
            recorded_at: at,
        })
    }

    /// Enrols many households (by code) at once — a caseload carried over, or 免申即享
    /// grants — skipping those already receiving the program. An unknown code is refused and
    /// nothing is written. Returns how many were enrolled; `audit` makes the entry that
    /// records them, committed with them.
    pub async fn enrol_households(
        &self,
        units: &[(&str, &str)],
        first_month: Month,
        basis: &str,
        by: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce(u64) -> NewAuditEntry,
    ) -> Result<u64> {
        let mut tx = begin_locked(self).await?;
        let codes: Vec<&str> = units.iter().map(|(h, _)| *h).collect();
        let ids = household_ids(&mut tx, &codes).await?;
        let units = units
            .iter()
            .map(|(h, p)| match ids.get(*h) {
                Some(&id) => Ok((id, *p)),
                None => Err(StoreError::Invalid {
                    field: "household".into(),
                    reason: format!("登记中没有户「{h}」"),
                }),
            })
            .collect::<Result<Vec<(i64, &str)>>>()?;
        let n = enrol_in(&mut tx, &units, first_month, basis, by, at).await?;
        tx.append_audit(&[audit(n)]).await?;
        tx.commit().await?;
        self.analyze(&["enrolment"]).await?;
        Ok(n)
    }

    /// An enrolment, its household's community and its suspensions
    /// (from, resumed from, reason).
    pub async fn enrolment(
        &self,
        id: i64,
    ) -> Result<(Enrolment, String, Vec<(Month, Option<Month>, String)>)> {
        let (enrolment, area, pauses, _) = self.enrolment_decisions(id).await?;
        Ok((enrolment, area, pauses))
    }

    /// [`Self::enrolment`] and why it was ended or set to taper off, if it was: what the
    /// enrolment's notices say.
    pub async fn enrolment_decisions(&self, id: i64) -> Result<EnrolmentDecisions> {
        with_pool!(self, pool => {
            let r = sqlx::query(
                "SELECT e.id, h.code, h.area_code, e.program, e.first_month, e.last_month, e.basis, \
                 e.recorded_by, e.recorded_at, e.taper_from, e.taper_amount, e.end_reason FROM enrolment e JOIN household h ON h.id = e.household_id \
                 WHERE e.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("享受记录 {id}")))?;
            let enrolment = decode_enrolment(&r)?;
            let pauses = sqlx::query(
                "SELECT from_month, resumed_month, reason FROM enrolment_pause WHERE enrolment_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(decode_pause)
            .collect::<Result<Vec<_>>>()?;
            Ok((enrolment, r.text("area_code")?, pauses, r.opt_text("end_reason")?))
        })
    }

    /// Suspends an enrolment from a month until someone resumes it. Refused (field `from`) when
    /// it is suspended already or has ended by then.
    #[allow(clippy::too_many_arguments)]
    pub async fn suspend_enrolment(
        &self,
        id: i64,
        from: Month,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
        notices: &[minsheng_notify::Notice],
    ) -> Result<()> {
        let (enrolment, _, pauses) = self.enrolment(id).await?;
        if pauses.iter().any(|(_, resumed, _)| resumed.is_none()) {
            return Err(StoreError::Conflict {
                field: "from".into(),
                reason: format!("享受记录 {id} 已暂停"),
            });
        }
        if !enrolment.covers(from) {
            return Err(StoreError::invalid(
                "from",
                format!("享受记录 {id} 在 {from} 不在享受期内"),
            ));
        }
        let mut tx = begin_locked(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO enrolment_pause (enrolment_id, from_month, reason, paused_by, paused_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(from.to_string())
            .bind(reason)
            .bind(by)
            .bind(micros(at))
            .execute(&mut *conn)
            .await?;
        });
        minsheng_notify::enqueue_in(&mut tx, notices, at).await?;
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Resumes a suspended enrolment from a month (after the month it was suspended from).
    #[allow(clippy::too_many_arguments)]
    pub async fn resume_enrolment(
        &self,
        id: i64,
        from: Month,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
        notices: &[minsheng_notify::Notice],
    ) -> Result<()> {
        let mut tx = begin_locked(self).await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE enrolment_pause SET resumed_month = $1, resume_reason = $2, resumed_by = $3, \
                 resumed_at = $4 WHERE enrolment_id = $5 AND resumed_month IS NULL AND from_month < $1",
            )
            .bind(from.to_string())
            .bind(reason)
            .bind(by)
            .bind(micros(at))
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if n != 1 {
            return Err(StoreError::invalid(
                "from",
                format!("享受记录 {id} 没有在 {from} 之前开始的暂停"),
            ));
        }
        minsheng_notify::enqueue_in(&mut tx, notices, at).await?;
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Gradual exit (渐退): the enrolment runs from `from` to `last` at `amount` a month, then
    /// ends.
    #[allow(clippy::too_many_arguments)]
    pub async fn taper_enrolment(
        &self,
        id: i64,
        from: Month,
        last: Month,
        amount: Fen,
        reason: &str,
        audit: &NewAuditEntry,
        notices: &[minsheng_notify::Notice],
    ) -> Result<()> {
        self.close_enrolment(id, last, Some((from, amount)), reason, audit, notices)
            .await
    }

    /// Ends an enrolment after its last month (终止), for `reason`.
    pub async fn end_enrolment(
        &self,
        id: i64,
        last: Month,
        reason: &str,
        audit: &NewAuditEntry,
        notices: &[minsheng_notify::Notice],
    ) -> Result<()> {
        self.close_enrolment(id, last, None, reason, audit, notices)
            .await
    }

    async fn close_enrolment(
        &self,
        id: i64,
        last: Month,
        taper: Option<(Month, Fen)>,
        reason: &str,
        audit: &NewAuditEntry,
        notices: &[minsheng_notify::Notice],
    ) -> Result<()> {
        let mut tx = begin_locked(self).await?;
        let n = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE enrolment SET last_month = $1, taper_from = $2, taper_amount = $3, end_reason = $5 \
                 WHERE id = $4 AND last_month IS NULL AND first_month <= COALESCE($2, $1)",
            )
            .bind(last.to_string())
            .bind(taper.map(|(from, _)| from.to_string()))
            .bind(taper.map(|(_, amount)| amount.0))
            .bind(id)
            .bind(reason)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if n != 1 {
            let (field, month) = taper.map_or(("last", last), |(from, _)| ("from", from));
            return Err(StoreError::invalid(
                field,
                format!("享受记录 {id} 未在享受，或在 {month} 之后才开始"),
            ));
        }
        minsheng_notify::enqueue_in(&mut tx, notices, audit.at).await?;
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The running enrolments in `programs` of households in an area, with what their review
    /// dates depend on.
    pub async fn reviewable(&self, area: &AreaCode, programs: &[&str]) -> Result<Vec<Reviewable>> {
        if programs.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = programs
            .iter()
            .map(|p| format!("'{}'", p.replace('\'', "")))
            .collect();
        let (within, bound) = scope_condition(&Scope::Area(area.clone()), 1);
        let sql = format!(
            "SELECT e.id, h.code, h.area_code, e.program, e.first_month, \
             (SELECT MAX(r.reviewed_on) FROM enrolment_review r WHERE r.enrolment_id = e.id) AS last_review, \
             CAST(CASE WHEN EXISTS (SELECT 1 FROM person_version v WHERE v.household_id = e.household_id \
                 AND v.superseded_at IS NULL AND v.valid_to IS NULL AND v.death_date IS NULL \
                 AND v.work_ability = 'full') THEN 1 ELSE 0 END AS BIGINT) AS can_work, \
             (SELECT MAX(v.death_date) FROM person_version v WHERE v.household_id = e.household_id \
                 AND v.superseded_at IS NULL) AS last_death \
             FROM enrolment e JOIN household h ON h.id = e.household_id \
             WHERE e.last_month IS NULL AND {within} AND e.program IN ({}) ORDER BY e.id",
            list.join(", ")
        );
        with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(bound)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(Reviewable {
                        enrolment_id: r.int("id")?,
                        household: r.text("code")?,
                        area: r.text("area_code")?,
                        program: r.text("program")?,
                        first_month: month_of(r, "first_month")?,
                        last_review: r.opt_date("last_review")?,
                        can_work: r.int("can_work")? == 1,
                        last_death: r.opt_date("last_death")?,
                    })
                })
                .collect()
        })
    }

    /// Records a periodic review of an enrolment, with its audit entry.
    pub async fn record_review(
        &self,
        enrolment: i64,
        on: chrono::NaiveDate,
        findings: &str,
        reviewer: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO enrolment_review (enrolment_id, reviewed_on, findings, reviewer, reviewed_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(enrolment)
            .bind(on)
            .bind(findings)
            .bind(reviewer)
            .bind(micros(at))
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await
    }

    /// A household's enrolments, oldest first.
    pub async fn enrolments(&self, household: &str) -> Result<Vec<Enrolment>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT e.id, h.code, e.program, e.first_month, e.last_month, e.basis, \
                 e.recorded_by, e.recorded_at, e.taper_from, e.taper_amount FROM enrolment e JOIN household h ON h.id = e.household_id \
                 WHERE h.code = $1 ORDER BY e.id",
            )
            .bind(household)
            .fetch_all(pool)
            .await?;
            rows.iter().map(decode_enrolment)
                .collect()
        })
    }

    /// A household's benefits as its file shows them: each enrolment, oldest first, with its
    /// suspensions.
    pub async fn benefits(&self, household: &str) -> Result<Vec<(Enrolment, Vec<Pause>)>> {
        let enrolments = self.enrolments(household).await?;
        let pauses: Vec<(i64, Pause)> = with_pool!(self, pool => {
            sqlx::query(
                "SELECT p.enrolment_id, p.from_month, p.resumed_month, p.reason FROM enrolment_pause p \
                 JOIN enrolment e ON e.id = p.enrolment_id JOIN household h ON h.id = e.household_id \
                 WHERE h.code = $1 ORDER BY p.id",
            )
            .bind(household)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.int("enrolment_id")?, decode_pause(r)?)))
            .collect::<Result<Vec<_>>>()?
        });
        Ok(enrolments
            .into_iter()
            .map(|e| {
                let own = pauses
                    .iter()
                    .filter(|(id, _)| *id == e.id)
                    .map(|(_, p)| p.clone())
                    .collect();
                (e, own)
            })
            .collect())
    }

    /// A household's latest `limit` payments (newest month first): each month's entitlement
    /// per program and payee, and the bank's answer to its latest attempt.
    pub async fn household_payments(
        &self,
        household: &str,
        limit: u32,
    ) -> Result<Vec<HouseholdPayment>> {
        let sql = format!(
            "SELECT e.month, e.program, e.payee_name, e.amount, \
             (SELECT COUNT(*) FROM ledger l WHERE l.entitlement_id = e.id AND l.kind = 'paid') AS attempts, \
             (SELECT o.kind FROM ledger l LEFT JOIN ledger o ON o.refers_to = l.id \
              WHERE l.entitlement_id = e.id AND l.kind = 'paid' ORDER BY l.attempt DESC LIMIT 1) AS answer \
             FROM entitlement e WHERE e.household_id = (SELECT id FROM household WHERE code = $1) \
             ORDER BY e.month DESC, e.program, e.payee_name LIMIT {limit}"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(household)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    let attempts = r.int("attempts")?;
                    Ok(HouseholdPayment {
                        month: month_of(r, "month")?,
                        program: r.text("program")?,
                        payee: r.text("payee_name")?,
                        amount: Fen(r.int("amount")?),
                        state: PaymentState::of(attempts > 0, r.opt_text("answer")?.as_deref()),
                        attempts: u32::try_from(attempts).unwrap_or(0),
                    })
                })
                .collect::<Result<Vec<_>>>()
        })
    }

    /// Every enrolment in force for `month`, as recorded by `known_at`: program → units.
    pub async fn enrolled(
        &self,
        month: Month,
        known_at: DateTime<Utc>,
    ) -> Result<HashMap<String, Vec<EnrolledUnit>>> {
        self.enrolled_where(month, known_at, None).await
    }

    /// Current residents enrolled in one of `programs` for `month` (theirs or their
    /// household's, in force and not paused), as [`programs_of_person_in`] counts them: person,
    /// ID number and the programs, by person.
    pub async fn persons_enrolled(
        &self,
        month: Month,
        programs: &[&str],
    ) -> Result<Vec<(i64, IdNumber, Vec<String>)>> {
        let sql = format!(
            "SELECT s.person_id, s.id_number, e.program FROM enrolment e \
             JOIN resident_search s ON {IN_FORCE_FOR_PERSON} WHERE e.program IN ({}) \
             ORDER BY s.person_id, e.program",
            program_list(programs, 2)
        );
        let mut out: Vec<(i64, IdNumber, Vec<String>)> = Vec::new();
        with_pool!(self, pool => {
            let mut query = sqlx::query(&sql).bind(month.to_string());
            for p in programs {
                query = query.bind(*p);
            }
            for r in query.fetch_all(pool).await?.iter() {
                let person_id = r.int("person_id")?;
                let program = r.text("program")?;
                match out.last_mut() {
                    Some((last, _, these)) if *last == person_id => these.push(program),
                    _ => out.push((
                        person_id,
                        IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
                        vec![program],
                    )),
                }
            }
        });
        Ok(out)
    }

    /// The enrolments of one household in force for `month`, as [`Self::enrolled`] has them.
    pub async fn enrolled_household(
        &self,
        month: Month,
        known_at: DateTime<Utc>,
        household_id: i64,
    ) -> Result<HashMap<String, Vec<EnrolledUnit>>> {
        self.enrolled_where(month, known_at, Some(household_id))
            .await
    }

    async fn enrolled_where(
        &self,
        month: Month,
        known_at: DateTime<Utc>,
        household_id: Option<i64>,
    ) -> Result<HashMap<String, Vec<EnrolledUnit>>> {
        let mut out: HashMap<String, Vec<EnrolledUnit>> = HashMap::new();
        let sql = format!(
            "SELECT e.id, e.household_id, e.person_id, e.program, CAST(CASE WHEN EXISTS (SELECT 1 FROM enrolment_pause p \
             WHERE p.enrolment_id = e.id AND p.from_month <= $1 AND p.paused_at <= $2 \
             AND (p.resumed_month IS NULL OR p.resumed_month > $1 OR p.resumed_at > $2)) \
             THEN 1 ELSE 0 END AS BIGINT) AS suspended, \
             CASE WHEN e.taper_from IS NOT NULL AND e.taper_from <= $1 THEN e.taper_amount END AS tapering \
             FROM enrolment e WHERE e.first_month <= $1 \
             AND (e.last_month IS NULL OR e.last_month >= $1) AND e.recorded_at <= $2{} \
             ORDER BY e.household_id, e.id",
            if household_id.is_some() { " AND e.household_id = $3" } else { "" }
        );
        with_pool!(self, pool => {
            let mut query = sqlx::query(&sql)
                .bind(month.to_string())
                .bind(micros(known_at));
            if let Some(household_id) = household_id {
                query = query.bind(household_id);
            }
            let rows = query.fetch_all(pool).await?;
            for r in &rows {
                out.entry(r.text("program")?).or_default().push(EnrolledUnit {
                    enrolment_id: r.int("id")?,
                    household_id: r.int("household_id")?,
                    person_id: r.opt_int("person_id")?,
                    suspended: r.int("suspended")? == 1,
                    tapering: r.opt_int("tapering")?.map(Fen),
                });
            }
        });
        Ok(out)
    }

    /// Streams the members of every household enrolled for `month`, as the registry described
    /// them on the month's first day as known at `known_at`, household by household.
    pub async fn frozen_members(
        &self,
        month: Month,
        known_at: DateTime<Utc>,
        mut sink: impl FnMut(ScannedPerson),
    ) -> Result<u64> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS}, v.household_id {VERSION_FROM} \
             WHERE v.recorded_at <= $2 AND (v.superseded_at IS NULL OR v.superseded_at > $2) \
             AND v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1) \
             AND v.household_id IN (SELECT household_id FROM enrolment WHERE first_month <= $3 \
                 AND (last_month IS NULL OR last_month >= $3) AND recorded_at <= $2) \
             ORDER BY v.household_id, v.person_id"
        );
        let params = vec![
            Cell::from(month.first_day()),
            Cell::Int(micros(known_at)),
            Cell::Text(month.to_string()),
        ];
        scan(self, sql, params, |p| {
            sink(p);
            Ok::<_, StoreError>(())
        })
        .await
    }

    pub async fn pay_cycle(&self, month: Month) -> Result<Option<PayCycle>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT month, frozen_at, policy_digest, computed_by, approved_by, approved_at \
                 FROM pay_cycle WHERE month = $1",
            )
            .bind(month.to_string())
            .fetch_optional(pool)
            .await?;
            row.map(|r| {
                Ok(PayCycle {
                    month: month_of(&r, "month")?,
                    frozen_at: timestamp(r.int("frozen_at")?)?,
                    policy_digest: r.text("policy_digest")?,
                    computed_by: r.text("computed_by")?,
                    approved: match (r.opt_text("approved_by")?, r.opt_int("approved_at")?) {
                        (Some(by), Some(at)) => Some((by, timestamp(at)?)),
                        _ => None,
                    },
                })
            })
            .transpose()
        })
    }

    /// Stores a computed cycle with its entitlements, in one transaction. With `replace`, an
    /// unapproved cycle of the month is replaced; an approved one never is. Returns false (and
    /// writes nothing) when the month already has a cycle and `replace` is off.
    ///
    /// `enrolled` is how many enrolments in force for the month, as known at the freeze, the
    /// cycle was computed from: were there more by now (an enrolment committed between that
    /// read and this lock, recorded before the freeze), the cycle would miss it, so it is
    /// refused (field `enrolments`) and computed again.
    pub async fn store_pay_cycle(
        &self,
        cycle: &PayCycle,
        entitlements: &[Entitlement],
        replace: bool,
        enrolled: Option<u64>,
        audit: &NewAuditEntry,
    ) -> Result<bool> {
        let month = cycle.month.to_string();
        let mut tx = begin_locked(self).await?;
        if let Some(read) = enrolled {
            let now: i64 = on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM enrolment WHERE first_month <= $1 \
                     AND (last_month IS NULL OR last_month >= $1) AND recorded_at <= $2",
                )
                .bind(&month)
                .bind(micros(cycle.frozen_at))
                .fetch_one(&mut *conn)
                .await?
            });
            if u64::try_from(now).ok() != Some(read) {
                return Err(StoreError::conflict(
                    ENROLMENTS_CHANGED,
                    format!("{month} 的享受名单在测算期间有变动，请重新测算"),
                ));
            }
        }
        let existing: Option<Option<String>> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT approved_by FROM pay_cycle WHERE month = $1")
                .bind(&month)
                .fetch_optional(&mut *conn)
                .await?
        });
        match existing {
            Some(Some(by)) if replace => {
                return Err(StoreError::Conflict {
                    field: "month".into(),
                    reason: format!("{month} 的发放周期已由 {by} 审批，不能再重新测算"),
                })
            }
            Some(_) if !replace => return Ok(false),
            Some(_) => {
                on_tx!(&mut tx, conn => {
                    sqlx::query("DELETE FROM entitlement WHERE month = $1")
                        .bind(&month)
                        .execute(&mut *conn)
                        .await?;
                    sqlx::query("DELETE FROM pay_cycle WHERE month = $1")
                        .bind(&month)
                        .execute(&mut *conn)
                        .await?;
                });
            }
            None => {}
        }
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO pay_cycle (month, frozen_at, policy_digest, computed_by) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&month)
            .bind(micros(cycle.frozen_at))
            .bind(&cycle.policy_digest)
            .bind(&cycle.computed_by)
            .execute(&mut *conn)
            .await?;
        });
        let rows = entitlements
            .iter()
            .map(|e| {
                vec![
                    Cell::Text(month.clone()),
                    Cell::Text(e.program.clone()),
                    Cell::Int(e.enrolment_id),
                    Cell::Int(e.household_id),
                    Cell::Text(e.household_code.clone()),
                    Cell::Int(e.person_id),
                    Cell::Text(e.payee.name.clone()),
                    Cell::Text(e.payee.id_number.as_str().to_string()),
                    Cell::Text(e.area.clone()),
                    Cell::Int(e.amount.0),
                ]
            })
            .collect();
        tx.write(&ENTITLEMENT, rows).await?;
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        self.analyze(&[ENTITLEMENT_STATISTICS]).await?;
        Ok(true)
    }

    /// Approves a computed cycle. The one who computed it cannot approve it (审核与审批分离);
    /// approving an approved cycle changes nothing and returns false.
    pub async fn approve_pay_cycle(
        &self,
        month: Month,
        by: &str,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
    ) -> Result<bool> {
        let mut tx = begin_locked(self).await?;
        let row: Option<(String, Option<String>)> = on_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT computed_by, approved_by FROM pay_cycle WHERE month = $1")
                .bind(month.to_string())
                .fetch_optional(&mut *conn)
                .await?
        });
        let (computed_by, approved_by) = row.ok_or_else(|| StoreError::Invalid {
            field: "month".into(),
            reason: format!("{month} 还没有发放周期：请先测算（minsheng pay --month {month}）"),
        })?;
        if approved_by.is_some() {
            return Ok(false);
        }
        if computed_by == by {
            return Err(StoreError::Invalid {
                field: "actor".into(),
                reason: format!(
                    "{month} 的发放周期由 {by} 测算，本人不能审批，须由另一人审批（审核与审批分离）"
                ),
            });
        }
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE pay_cycle SET approved_by = $1, approved_at = $2 WHERE month = $3")
                .bind(by)
                .bind(micros(at))
                .bind(month.to_string())
                .execute(&mut *conn)
                .await?;
        });
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sends every outstanding entitlement of an approved cycle in a new batch, in one
    /// transaction: each as its next attempt, so none is ever sent twice while a send stands.
    /// Returns the new batch, or None when nothing was outstanding. `audit` makes the entry
    /// that records the batch (its number, payments and total), committed with it.
    pub async fn disburse(
        &self,
        month: Month,
        by: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce(u32, u64, Fen) -> NewAuditEntry,
    ) -> Result<Option<u32>> {
        let m = month.to_string();
        let mut tx = begin_locked(self).await?;
        let approved: Option<Option<String>> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT approved_by FROM pay_cycle WHERE month = $1")
                .bind(&m)
                .fetch_optional(&mut *conn)
                .await?
        });
        match approved {
            None => {
                return Err(StoreError::Invalid {
                    field: "month".into(),
                    reason: format!("{month} 还没有发放周期"),
                })
            }
            Some(None) => {
                return Err(StoreError::Invalid {
                    field: "month".into(),
                    reason: format!("{month} 的发放周期尚未审批，审批前不发放"),
                })
            }
            Some(Some(_)) => {}
        }
        let batch: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT CAST(COALESCE(MAX(batch), 0) + 1 AS BIGINT) FROM disbursement WHERE month = $1")
                .bind(&m)
                .fetch_one(&mut *conn)
                .await?
        });
        let batch = i32::try_from(batch).map_err(|e| corrupt("batch", e))?;
        let sent = on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO disbursement (month, batch, created_at, created_by) VALUES ($1, $2, $3, $4)",
            )
            .bind(&m)
            .bind(batch)
            .bind(micros(at))
            .bind(by)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO ledger (month, entitlement_id, kind, amount, attempt, batch, refers_to, reason, at, recorded_by) \
                 SELECT e.month, e.id, 'paid', e.amount, COALESCE(n.paid, 0) + 1, $2, NULL, '', $3, $4 \
                 FROM entitlement e LEFT JOIN ( \
                     SELECT entitlement_id, \
                            SUM(CASE WHEN kind = 'paid' THEN 1 ELSE 0 END) AS paid, \
                            SUM(CASE WHEN kind = 'returned' THEN 1 ELSE 0 END) AS returned \
                     FROM ledger WHERE month = $1 GROUP BY entitlement_id) n ON n.entitlement_id = e.id \
                 WHERE e.month = $1 AND COALESCE(n.paid, 0) = COALESCE(n.returned, 0) \
                 ORDER BY e.id",
            )
            .bind(&m)
            .bind(batch)
            .bind(micros(at))
            .bind(by)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if sent == 0 {
            // No new batch for nothing: the transaction (and its disbursement row) is dropped.
            return Ok(None);
        }
        let total: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger \
                 WHERE month = $1 AND batch = $2 AND kind = 'paid'",
            )
            .bind(&m)
            .bind(batch)
            .fetch_one(&mut *conn)
            .await?
        });
        let batch = u32::try_from(batch).map_err(|e| corrupt("batch", e))?;
        tx.append_audit(&[audit(batch, sent, Fen(total))]).await?;
        tx.commit().await?;
        self.analyze(&[LEDGER_STATISTICS]).await?;
        Ok(Some(batch))
    }

    /// The number of the month's last batch, if any.
    pub async fn last_batch(&self, month: Month) -> Result<Option<u32>> {
        let n: Option<i32> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(batch) FROM disbursement WHERE month = $1")
                .bind(month.to_string())
                .fetch_one(pool)
                .await?
        });
        Ok(n.and_then(|n| u32::try_from(n).ok()))
    }

    /// The payments of one batch, in ledger order: the bank file's lines.
    pub async fn batch_payments(&self, month: Month, batch: u32) -> Result<Vec<Payment>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT l.id, l.batch, l.attempt, l.amount, e.program, e.area_code, \
                 e.household_code, e.payee_name, e.payee_id_number \
                 FROM ledger l JOIN entitlement e ON e.id = l.entitlement_id \
                 WHERE l.month = $1 AND l.batch = $2 AND l.kind = 'paid' ORDER BY l.id",
            )
            .bind(month.to_string())
            .bind(i32::try_from(batch).unwrap_or(i32::MAX))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    let batch: i32 = r.try_get("batch")?;
                    let attempt: i32 = r.try_get("attempt")?;
                    Ok(Payment {
                        reference: PaymentRef { month, ledger_id: r.int("id")? },
                        batch: u32::try_from(batch).map_err(|e| corrupt("batch", e))?,
                        attempt: u32::try_from(attempt).map_err(|e| corrupt("attempt", e))?,
                        program: r.text("program")?,
                        household: r.text("household_code")?,
                        payee: r.text("payee_name")?,
                        id_number: IdNumber::parse(&r.text("payee_id_number")?)
                            .map_err(|e| corrupt("payee_id_number", e))?,
                        area: r.text("area_code")?,
                        amount: Fen(r.int("amount")?),
                    })
                })
                .collect()
        })
    }

    /// Records the bank's answers. Every line is checked first — the reference must name a
    /// payment sent in that month, and a payment gets one answer — and if any is wrong nothing
    /// is written. Answers already recorded are skipped, so a return file can be imported
    /// twice.
    pub async fn record_bank_answers(
        &self,
        answers: &[BankAnswer],
        by: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce(&AnswerReport) -> NewAuditEntry,
        notice: impl Fn(&ReturnedPayment) -> Option<minsheng_notify::Notice>,
    ) -> Result<AnswerReport> {
        struct Sent {
            month: Month,
            entitlement_id: i64,
            amount: i64,
            attempt: i32,
            batch: i32,
        }
        let months: BTreeSet<Month> = answers.iter().map(|a| a.reference.month).collect();
        let mut tx = begin_locked(self).await?;
        let mut sent: HashMap<i64, Sent> = HashMap::new();
        let mut answered: HashMap<i64, String> = HashMap::new();
        for month in &months {
            on_tx!(&mut tx, conn => {
                let rows = sqlx::query(
                    "SELECT l.id, l.entitlement_id, l.kind, l.amount, l.attempt, l.batch, l.refers_to \
                     FROM ledger l WHERE l.month = $1",
                )
                .bind(month.to_string())
                .fetch_all(&mut *conn)
                .await?;
                for r in &rows {
                    let kind = r.text("kind")?;
                    if kind == "paid" {
                        sent.insert(r.int("id")?, Sent {
                            month: *month,
                            entitlement_id: r.int("entitlement_id")?,
                            amount: r.int("amount")?,
                            attempt: r.try_get("attempt")?,
                            batch: r.try_get("batch")?,
                        });
                    } else if let Some(to) = r.opt_int("refers_to")? {
                        answered.insert(to, kind);
                    }
                }
            });
        }
        let mut report = AnswerReport::default();
        let mut rows = Vec::new();
        let mut returned: Vec<(i64, String)> = Vec::new();
        let mut in_file: HashMap<i64, u64> = HashMap::new();
        for a in answers {
            let id = a.reference.ledger_id;
            let kind = match a.outcome {
                Outcome::Confirmed => "confirmed",
                Outcome::Returned { .. } => "returned",
            };
            let mut problem = |reason: String| {
                report
                    .problems
                    .push((a.line, "reference".to_string(), reason));
            };
            let Some(s) = sent.get(&id).filter(|s| s.month == a.reference.month) else {
                problem(format!("{}: no such payment was sent", a.reference));
                continue;
            };
            if let Some(first) = in_file.insert(id, a.line) {
                problem(format!(
                    "{} is answered twice in this file (line {first})",
                    a.reference
                ));
                continue;
            }
            match answered.get(&id) {
                Some(earlier) if earlier == kind => {
                    report.already_recorded += 1;
                    continue;
                }
                Some(earlier) => {
                    problem(format!(
                        "{} was already answered '{earlier}'; the bank cannot now say '{kind}'",
                        a.reference
                    ));
                    continue;
                }
                None => {}
            }
            let (amount, reason) = match &a.outcome {
                Outcome::Confirmed => {
                    report.confirmed += 1;
                    (0, String::new())
                }
                Outcome::Returned { reason } => {
                    report.returned += 1;
                    returned.push((id, reason.clone()));
                    (-s.amount, reason.clone())
                }
            };
            rows.push(vec![
                Cell::Text(s.month.to_string()),
                Cell::Int(s.entitlement_id),
                Cell::Code(kind),
                Cell::Int(amount),
                Cell::Int(i64::from(s.attempt)),
                Cell::Int(i64::from(s.batch)),
                Cell::Int(id),
                Cell::Text(reason),
                Cell::Int(micros(at)),
                Cell::Text(by.to_string()),
            ]);
        }
        if !report.problems.is_empty() {
            report.confirmed = 0;
            report.returned = 0;
            return Ok(report);
        }
        tx.write(&LEDGER, rows).await?;
        // The payee of each returned payment is told, in the same transaction.
        let mut notices = Vec::new();
        for (ledger_id, reason) in &returned {
            let Some(s) = sent.get(ledger_id) else {
                continue;
            };
            let returned = on_tx!(&mut tx, conn => {
                sqlx::query(
                    "SELECT program, household_code, payee_name, payee_id_number FROM entitlement WHERE id = $1",
                )
                .bind(s.entitlement_id)
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| {
                    Ok::<_, StoreError>(ReturnedPayment {
                        reference: PaymentRef {
                            month: s.month,
                            ledger_id: *ledger_id,
                        },
                        program: r.text("program")?,
                        household: r.text("household_code")?,
                        payee_name: r.text("payee_name")?,
                        payee: IdNumber::parse(&r.text("payee_id_number")?).ok(),
                        amount: Fen(s.amount),
                        reason: reason.clone(),
                    })
                })
                .transpose()?
            });
            if let Some(returned) = returned {
                notices.extend(notice(&returned));
            }
        }
        minsheng_notify::enqueue_in(&mut tx, &notices, at).await?;
        tx.append_audit(&[audit(&report)]).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Where a month's cycle stands.
    pub async fn cycle_status(&self, month: Month) -> Result<crate::domain::CycleStatus> {
        let m = month.to_string();
        let mut status = crate::domain::CycleStatus::default();
        with_pool!(self, pool => {
            for r in sqlx::query(
                "SELECT program, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS total \
                 FROM entitlement WHERE month = $1 GROUP BY program ORDER BY program",
            )
            .bind(&m)
            .fetch_all(pool)
            .await?
            {
                let total = Fen(r.int("total")?);
                status.total_owed = (status.total_owed.checked_add(total))
                    .ok_or_else(|| corrupt("total", MoneyError::TooLarge))?;
                status.owed.push((r.text("program")?, r.int("n")? as u64, total));
            }
            let batches: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM disbursement WHERE month = $1")
                .bind(&m)
                .fetch_one(pool)
                .await?;
            status.batches = u32::try_from(batches).unwrap_or(u32::MAX);
            for r in sqlx::query(
                "SELECT kind, COUNT(*) AS n, CAST(SUM(amount) AS BIGINT) AS total FROM ledger \
                 WHERE month = $1 GROUP BY kind",
            )
            .bind(&m)
            .fetch_all(pool)
            .await?
            {
                let n = r.int("n")? as u64;
                status.net_paid = (status.net_paid.checked_add(Fen(r.int("total")?)))
                    .ok_or_else(|| corrupt("total", MoneyError::TooLarge))?;
                match r.text("kind")?.as_str() {
                    "paid" => status.sent += n,
                    "confirmed" => status.confirmed = n,
                    "returned" => status.returned = n,
                    other => return Err(corrupt("kind", other)),
                }
            }
        });
        status.sent = status.sent.saturating_sub(status.returned);
        status.outstanding = status.payees().saturating_sub(status.sent);
        Ok(status)
    }

    /// Net amounts sent per month, program and district between two months (inclusive).
    pub async fn paid_totals(
        &self,
        from: Month,
        to: Month,
        scope: &Scope,
    ) -> Result<Vec<PaidTotal>> {
        let (within, bound) = scope_on(scope, "e.area_code", "e.household_id", 3);
        let sql = format!(
            "SELECT e.month, e.program, SUBSTR(e.area_code, 1, 6) AS district, \
             COUNT(DISTINCT CASE WHEN l.kind = 'paid' THEN e.id END) AS payees, \
             CAST(SUM(l.amount) AS BIGINT) AS net \
             FROM ledger l JOIN entitlement e ON e.id = l.entitlement_id \
             WHERE e.month >= $1 AND e.month <= $2 AND {within} \
             GROUP BY e.month, e.program, SUBSTR(e.area_code, 1, 6) \
             ORDER BY e.month, e.program, district"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(&sql)
            .bind(from.to_string())
            .bind(to.to_string())
            .bind(&bound)
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(PaidTotal {
                        month: month_of(r, "month")?,
                        program: r.text("program")?,
                        district: r.text("district")?,
                        payees: r.int("payees")? as u64,
                        net: Fen(r.int("net")?),
                    })
                })
                .collect()
        })
    }
}
