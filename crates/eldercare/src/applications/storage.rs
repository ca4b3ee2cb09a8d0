//! The service applications' tables, on the store's shared infrastructure:
//! `store.applications()`.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::Scope;
use minsheng_core::{AreaCode, Deadline, IdNumber};
use minsheng_payments::storage::{begin_locked, enrol_person_in, first_open_month, PersonGrant};
use minsheng_store::{
    corrupt, micros, on_tx, timestamp, with_pool, Columns, NewAuditEntry, Result, StoreError, Tx,
};

use super::domain::{Application, Stage, Transition};

/// An application as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    pub id: i64,
    pub program: String,
    pub id_number: IdNumber,
    pub name: String,
    pub household: String,
    pub area: AreaCode,
    pub applied_on: NaiveDate,
    pub stage: Stage,
    pub stage_since: NaiveDate,
    /// The next step's deadline, while open.
    pub due: Option<Deadline>,
    pub provider: Option<String>,
    /// The ledger's enrolment, once accepted.
    pub enrolment_id: Option<i64>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

impl ApplicationRecord {
    /// The application as its state machine sees it.
    pub fn machine(&self) -> Application {
        Application {
            id: self.id,
            program: self.program.clone(),
            area: self.area.clone(),
            stage: self.stage,
            stage_since: self.stage_since,
            provider: self.provider.clone(),
        }
    }
}

/// One step taken, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub step: String,
    pub stage: Stage,
    pub taken_on: NaiveDate,
    pub reason: String,
    pub detail: String,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// A new application to record: the person (by ID number) of a household, and what the rules
/// found when it was filed (`Applied` with its deadline, or `Ineligible` with their reasons).
pub struct NewApplication<'a> {
    pub program: &'a str,
    /// Paid once a household: one application a household, not a person.
    pub once: bool,
    pub id_number: &'a IdNumber,
    pub name: &'a str,
    pub household: &'a str,
    pub area: &'a AreaCode,
    pub applied_on: NaiveDate,
    pub stage: Stage,
    pub due: Option<Deadline>,
    /// The first step's text: the applicant's request, and the rules' finding.
    pub reason: &'a str,
    pub detail: &'a str,
}

minsheng_store::context_store!(
    /// The service applications of a store: `store.applications()`.
    Applications,
    ApplicationsStore,
    applications
);

const COLUMNS: &str = "id, program, id_number, name, household_code, area_code, applied_on, \
    stage, stage_since, due_on, due_provisional, provider, enrolment_id, recorded_at, recorded_by";

fn decode(r: &impl Columns) -> Result<ApplicationRecord> {
    let due = match r.opt_date("due_on")? {
        Some(on) => Some(Deadline {
            on,
            provisional: r
                .opt_int("due_provisional")?
                .map(|y| i32::try_from(y).map_err(|e| corrupt("due_provisional", e)))
                .transpose()?,
        }),
        None => None,
    };
    Ok(ApplicationRecord {
        id: r.int("id")?,
        program: r.text("program")?,
        id_number: IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
        name: r.text("name")?,
        household: r.text("household_code")?,
        area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
        applied_on: r.date("applied_on")?,
        stage: Stage::parse(&r.text("stage")?).map_err(|e| corrupt("stage", e))?,
        stage_since: r.date("stage_since")?,
        due,
        provider: r.opt_text("provider")?,
        enrolment_id: r.opt_int("enrolment_id")?,
        recorded_at: timestamp(r.int("recorded_at")?)?,
        recorded_by: r.text("recorded_by")?,
    })
}

/// The store's keys of a person (by ID number) and a household (by code); refused (field
/// `person`) when either is unknown.
async fn keys(tx: &mut Tx, id_number: &IdNumber, household: &str) -> Result<(i64, i64)> {
    let ids: Option<(i64, i64)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT p.id, h.id FROM person p, household h WHERE p.id_number = $1 AND h.code = $2",
        )
        .bind(id_number.as_str())
        .bind(household)
        .fetch_optional(&mut *conn)
        .await?
    });
    ids.ok_or_else(|| {
        StoreError::invalid(
            "person",
            format!("户 {household} 中没有 {}", id_number.masked()),
        )
    })
}

async fn add_step(
    tx: &mut Tx,
    application: i64,
    step: &str,
    stage: Stage,
    taken_on: NaiveDate,
    (reason, detail): (&str, &str),
    (by, at): (&str, DateTime<Utc>),
) -> Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO service_step (application_id, step, stage, taken_on, reason, detail, \
             recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(application)
        .bind(step)
        .bind(stage.as_str())
        .bind(taken_on)
        .bind(reason)
        .bind(detail)
        .bind(micros(at))
        .bind(by)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// A finished application of the synthetic city: filed, visited, assigned, started and
/// accepted on the days given, the person enrolled from the month after acceptance.
pub struct SyntheticApplication {
    pub program: String,
    pub once: bool,
    pub id_number: IdNumber,
    pub name: String,
    pub household: String,
    pub area: AreaCode,
    pub provider: String,
    /// Each step (name, stage, day, reason, detail), `apply` first and `accept` last.
    pub steps: Vec<(&'static str, Stage, NaiveDate, String, String)>,
}

impl Applications<'_> {
    /// How many applications there are.
    pub async fn count(&self) -> Result<i64> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM service_application")
                .fetch_one(pool)
                .await?)
        })
    }

    /// Records a synthetic city's finished applications, their steps and enrolments, all or
    /// none, with one audit entry. Returns how many were recorded.
    pub async fn record_synthetic(
        &self,
        list: &[SyntheticApplication],
        by: &str,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<usize> {
        let mut tx = begin_locked(self).await?;
        for a in list {
            let (Some(first), Some(last)) = (a.steps.first(), a.steps.last()) else {
                continue;
            };
            let (person_id, household_id) = keys(&mut tx, &a.id_number, &a.household).await?;
            let from = minsheng_core::Month::containing(last.2).next();
            let first_month = first_open_month(&mut tx, from).await?;
            let basis = "synthetic city: service application accepted".to_string();
            let enrolment = enrol_person_in(
                &mut tx,
                &PersonGrant {
                    household_id,
                    person_id,
                    program: &a.program,
                    first_month,
                    last_month: a.once.then_some(first_month),
                    basis: &basis,
                },
                by,
                at,
            )
            .await?;
            let id: i64 = on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "INSERT INTO service_application (program, person_id, household_id, id_number, \
                     name, household_code, area_code, applied_on, stage, stage_since, provider, \
                     enrolment_id, recorded_at, recorded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                )
                .bind(&a.program)
                .bind(person_id)
                .bind(household_id)
                .bind(a.id_number.as_str())
                .bind(&a.name)
                .bind(&a.household)
                .bind(a.area.as_str())
                .bind(first.2)
                .bind(last.1.as_str())
                .bind(last.2)
                .bind(&a.provider)
                .bind(enrolment)
                .bind(micros(at))
                .bind(by)
                .fetch_one(&mut *conn)
                .await?
            });
            for (step, stage, day, reason, detail) in &a.steps {
                add_step(&mut tx, id, step, *stage, *day, (reason, detail), (by, at)).await?;
            }
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(list.len())
    }

    /// Records a new application, its first step and its audit entry in one transaction. A
    /// person with an application in the program that is neither ineligible nor withdrawn is
    /// refused (field `program`). Returns its id.
    pub async fn file(
        &self,
        new: &NewApplication<'_>,
        by: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce(i64) -> NewAuditEntry,
    ) -> Result<i64> {
        let mut tx = Tx::begin(self).await?;
        let (person_id, household_id) = keys(&mut tx, new.id_number, new.household).await?;
        let open: Option<i64> = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT id FROM service_application WHERE person_id = $1 AND program = $2 \
                 AND stage NOT IN ('ineligible', 'withdrawn')",
            )
            .bind(person_id)
            .bind(new.program)
            .fetch_optional(&mut *conn)
            .await?
        });
        // A subsidy paid once is once a household (每户一次性).
        let household_open: Option<i64> = if new.once {
            on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "SELECT id FROM service_application WHERE household_id = $1 AND program = $2 \
                     AND stage NOT IN ('ineligible', 'withdrawn')",
                )
                .bind(household_id)
                .bind(new.program)
                .fetch_optional(&mut *conn)
                .await?
            })
        } else {
            None
        };
        if let (Some(open), Stage::Applied) = (household_open, new.stage) {
            return Err(StoreError::conflict(
                "program",
                format!(
                    "户 {} 已有 {} 的申请 {open}：每户只补贴一次",
                    new.household, new.program
                ),
            ));
        }
        if let (Some(open), Stage::Applied) = (open, new.stage) {
            return Err(StoreError::conflict(
                "program",
                format!(
                    "{} 已有 {} 的申请 {open}",
                    new.id_number.masked(),
                    new.program
                ),
            ));
        }
        let id: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO service_application (program, person_id, household_id, id_number, \
                 name, household_code, area_code, applied_on, stage, stage_since, due_on, \
                 due_provisional, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(new.program)
            .bind(person_id)
            .bind(household_id)
            .bind(new.id_number.as_str())
            .bind(new.name)
            .bind(new.household)
            .bind(new.area.as_str())
            .bind(new.applied_on)
            .bind(new.stage.as_str())
            .bind(new.applied_on)
            .bind(new.due.map(|d| d.on))
            .bind(new.due.and_then(|d| d.provisional).map(i64::from))
            .bind(micros(at))
            .bind(by)
            .fetch_one(&mut *conn)
            .await?
        });
        add_step(
            &mut tx,
            id,
            "apply",
            new.stage,
            new.applied_on,
            (new.reason, new.detail),
            (by, at),
        )
        .await?;
        tx.append_audit(&[audit(id)]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a step's transition, its audit entry and, for an acceptance, the person's
    /// enrolment in the ledger, in one transaction. The application must still be at the stage
    /// the step was checked at (field `stage`: someone else moved it on meanwhile). An
    /// acceptance is paid from `enrol_from`, or from the first month after the last cycle
    /// computed, whichever is later; `once` ends it in that month. Returns the enrolment.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_step(
        &self,
        application: &Application,
        step: &str,
        t: &Transition,
        once: bool,
        by: &str,
        at: DateTime<Utc>,
        audit: impl FnOnce(Option<(i64, minsheng_core::Month)>) -> NewAuditEntry,
    ) -> Result<Option<(i64, minsheng_core::Month)>> {
        let mut tx = if t.enrol_from.is_some() {
            begin_locked(self).await?
        } else {
            Tx::begin(self).await?
        };
        let ids: Option<(i64, i64, String)> = on_tx!(&mut tx, conn => {
            sqlx::query_as(
                "SELECT person_id, household_id, stage FROM service_application WHERE id = $1",
            )
            .bind(application.id)
            .fetch_optional(&mut *conn)
            .await?
        });
        let (person_id, filed_household, stage) =
            ids.ok_or_else(|| StoreError::NotFound(format!("服务申请 {}", application.id)))?;
        if stage != application.stage.as_str() {
            return Err(StoreError::conflict(
                "stage",
                format!(
                    "申请 {} 现处于“{stage}”；“{step}”是在“{}”时办理的",
                    application.id, application.stage
                ),
            ));
        }
        let enrolled = match t.enrol_from {
            Some(from) => {
                // Paid through the household the person lives in now, which the cycle reads.
                let current: Option<i64> = on_tx!(&mut tx, conn => {
                    sqlx::query_scalar(
                        "SELECT household_id FROM person_version WHERE person_id = $1 \
                         AND superseded_at IS NULL AND valid_to IS NULL",
                    )
                    .bind(person_id)
                    .fetch_optional(&mut *conn)
                    .await?
                });
                let household_id = current.unwrap_or(filed_household);
                let first = first_open_month(&mut tx, from).await?;
                let grant = PersonGrant {
                    household_id,
                    person_id,
                    program: &application.program,
                    first_month: first,
                    last_month: once.then_some(first),
                    basis: &format!("service application {} accepted", application.id),
                };
                Some((enrol_person_in(&mut tx, &grant, by, at).await?, first))
            }
            None => None,
        };
        // Only from the stage it was checked at: a step taken meanwhile by someone else (who
        // held no lock this one waited for) leaves nothing to update, and this one is refused.
        let moved: u64 = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE service_application SET stage = $1, stage_since = $2, due_on = $3, \
                 due_provisional = $4, provider = $5, enrolment_id = COALESCE($6, enrolment_id) \
                 WHERE id = $7 AND stage = $8",
            )
            .bind(t.to.as_str())
            .bind(t.since)
            .bind(t.due.map(|d| d.on))
            .bind(t.due.and_then(|d| d.provisional).map(i64::from))
            .bind(&t.provider)
            .bind(enrolled.map(|(id, _)| id))
            .bind(application.id)
            .bind(application.stage.as_str())
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if moved != 1 {
            return Err(StoreError::conflict(
                "stage",
                format!(
                    "申请 {} 已被他人办理到下一环节；“{step}”是在“{}”时办理的，请刷新后再看",
                    application.id, application.stage
                ),
            ));
        }
        add_step(
            &mut tx,
            application.id,
            step,
            t.to,
            t.since,
            (&t.reason, &t.detail),
            (by, at),
        )
        .await?;
        tx.append_audit(&[audit(enrolled)]).await?;
        tx.commit().await?;
        Ok(enrolled)
    }

    /// One application, if it is within `scope` or assigned to `provider`.
    pub async fn get(
        &self,
        id: i64,
        scope: &Scope,
        provider: Option<&str>,
    ) -> Result<(ApplicationRecord, Vec<StepRecord>)> {
        let (within, bound) = minsheng_store::scope_on(scope, "area_code", "household_id", 2);
        let sql = format!(
            "SELECT {COLUMNS} FROM service_application WHERE id = $1 AND ({within} OR provider = $3)"
        );
        with_pool!(self, pool => {
            let record = match sqlx::query(&sql)
                .bind(id)
                .bind(&bound)
                .bind(provider.unwrap_or(""))
                .fetch_optional(pool)
                .await?
            {
                Some(r) => decode(&r)?,
                None => return Err(StoreError::NotFound(format!("服务申请 {id}"))),
            };
            let steps = sqlx::query(
                "SELECT step, stage, taken_on, reason, detail, recorded_at, recorded_by \
                 FROM service_step WHERE application_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| {
                Ok(StepRecord {
                    step: r.text("step")?,
                    stage: Stage::parse(&r.text("stage")?).map_err(|e| corrupt("stage", e))?,
                    taken_on: r.date("taken_on")?,
                    reason: r.text("reason")?,
                    detail: r.text("detail")?,
                    recorded_at: timestamp(r.int("recorded_at")?)?,
                    recorded_by: r.text("recorded_by")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
            Ok((record, steps))
        })
    }

    /// The provider accounts whose area holds `area`: who may be assigned there, by name.
    pub async fn providers_serving(&self, area: &AreaCode) -> Result<Vec<String>> {
        let rows: Vec<(String, String)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT name, area_code FROM staff WHERE role = 'provider' ORDER BY name")
                .fetch_all(pool)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter(|(_, at)| AreaCode::parse(at).is_ok_and(|at| area.is_within(&at)))
            .map(|(name, _)| name)
            .collect())
    }

    /// A page of the applications within `scope` or assigned to `provider` (in the order of
    /// [`Self::list`]), with how many there are and how many of them are open.
    pub async fn list_page(
        &self,
        scope: &Scope,
        provider: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<ApplicationRecord>, u64, u64)> {
        let (within, bound) = minsheng_store::scope_on(scope, "area_code", "household_id", 1);
        let closed = Stage::ALL
            .into_iter()
            .filter(|s| s.is_closed())
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let counts = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN stage IN ({closed}) THEN 0 ELSE 1 END), 0) AS BIGINT) \
             FROM service_application WHERE ({within} OR provider = $2)"
        );
        let sql = format!(
            "SELECT {COLUMNS} FROM service_application WHERE ({within} OR provider = $2) \
             ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id \
             LIMIT {limit} OFFSET {offset}"
        );
        with_pool!(self, pool => {
            let (total, open): (i64, i64) = sqlx::query_as(&counts)
                .bind(&bound)
                .bind(provider.unwrap_or(""))
                .fetch_one(pool)
                .await?;
            let page = sqlx::query(&sql)
                .bind(&bound)
                .bind(provider.unwrap_or(""))
                .fetch_all(pool)
                .await?
                .iter()
                .map(decode)
                .collect::<Result<Vec<_>>>()?;
            Ok((page, u64::try_from(total).unwrap_or(0), u64::try_from(open).unwrap_or(0)))
        })
    }

    /// The applications within `scope` or assigned to `provider`, open ones first, each group
    /// by deadline then number: all of them, for an export.
    pub async fn list(
        &self,
        scope: &Scope,
        provider: Option<&str>,
    ) -> Result<Vec<ApplicationRecord>> {
        let (all, _, _) = self.list_page(scope, provider, u32::MAX, 0).await?;
        Ok(all)
    }
}
