//! Staff, applications, cases, their history and objections.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::Scope;
use minsheng_core::access::Staff;
use minsheng_core::AreaCode;
use minsheng_payments::storage::{begin_locked, enrol_in};
use minsheng_store::{
    corrupt, micros, on_tx, scope_condition, timestamp, with_pool, Columns, NewAuditEntry, Result,
    StoreError,
};

use crate::domain::cases::{Case, Effect, Stage, Transition};

/// An application as submitted: its programs, each with its community and deadlines.
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub household: String,
    pub applicant: String,
    pub proxy: String,
    pub submitted_on: NaiveDate,
    pub summary: String,
    /// (program, community, first deadline, final deadline); the survey has no deadline of
    /// its own for some procedures.
    pub cases: Vec<(String, AreaCode, Option<NaiveDate>, Option<NaiveDate>)>,
    /// The resident's request this application accepts (受理): marked accepted in the same
    /// transaction, so a request becomes one application, once.
    pub request: Option<i64>,
}

/// A case with what the lists and the file show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub case: Case,
    pub application_id: i64,
    pub household: String,
    pub household_id: i64,
    pub due_on: Option<NaiveDate>,
    pub final_due_on: Option<NaiveDate>,
    pub outcome: String,
    pub enrolment_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub on_day: NaiveDate,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Objection {
    pub id: i64,
    pub raised_on: NaiveDate,
    pub raised_by: String,
    pub text: String,
    pub resolved: Option<(NaiveDate, bool, String)>,
}

const CASE_COLUMNS: &str = "c.id, c.application_id, c.household_id, h.code, c.program, c.area_code, \
     c.stage, c.accepted_on, c.stage_since, c.due_on, c.final_due_on, c.outcome, c.enrolment_id, \
     (SELECT COUNT(*) FROM objection o WHERE o.case_id = c.id AND o.resolved_on IS NULL) AS open_objections";

fn decode_case(r: &impl Columns) -> Result<CaseRecord> {
    Ok(CaseRecord {
        case: Case {
            id: r.int("id")?,
            program: r.text("program")?,
            area: AreaCode::parse(&r.text("area_code")?).map_err(|e| corrupt("area_code", e))?,
            stage: Stage::parse(&r.text("stage")?).map_err(|e| corrupt("stage", e))?,
            accepted_on: r.date("accepted_on")?,
            stage_since: r.date("stage_since")?,
            open_objections: u32::try_from(r.int("open_objections")?).unwrap_or(u32::MAX),
        },
        application_id: r.int("application_id")?,
        household: r.text("code")?,
        household_id: r.int("household_id")?,
        due_on: r.opt_date("due_on")?,
        final_due_on: r.opt_date("final_due_on")?,
        outcome: r.text("outcome")?,
        enrolment_id: r.opt_int("enrolment_id")?,
    })
}

/// Which cases a list shows, beyond its scope: each `None` lets every case through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// A program's code.
    pub program: Option<String>,
    pub stage: Option<crate::domain::cases::Stage>,
    /// Overdue on this day: the current step's deadline has passed.
    pub overdue_on: Option<NaiveDate>,
}

minsheng_store::context_store!(
    /// The applications and cases of a store: `store.cases()`.
    Cases,
    CasesStore,
    cases
);

impl Cases<'_> {
    /// Records an application and one accepted case per program, in one transaction. A program
    /// the household already receives, or already has an open case for, refuses the whole
    /// application (field `programs`) and nothing is written.
    pub async fn submit_application(
        &self,
        app: &NewApplication,
        by: &Staff,
        at: DateTime<Utc>,
        audit: impl FnOnce(i64) -> NewAuditEntry,
    ) -> Result<(i64, Vec<i64>)> {
        let mut tx = begin_locked(self).await?;
        let household_id: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT id FROM household WHERE code = $1")
                .bind(&app.household)
                .fetch_optional(&mut *conn)
                .await?
        })
        .ok_or_else(|| StoreError::invalid("household", format!("没有户「{}」", app.household)))?;
        for (program, ..) in &app.cases {
            let open: Option<i64> = on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "SELECT id FROM assistance_case WHERE household_id = $1 AND program = $2 AND stage <> 'closed'",
                )
                .bind(household_id)
                .bind(program)
                .fetch_optional(&mut *conn)
                .await?
            });
            if let Some(case) = open {
                return Err(StoreError::conflict(
                    "programs",
                    format!(
                        "户 {} 已有在办的{program}案件（{case}），不能重复申请",
                        app.household
                    ),
                ));
            }
            let enrolled: Option<String> = on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "SELECT first_month FROM enrolment WHERE household_id = $1 AND program = $2 AND last_month IS NULL",
                )
                .bind(household_id)
                .bind(program)
                .fetch_optional(&mut *conn)
                .await?
            });
            if let Some(since) = enrolled {
                return Err(StoreError::conflict(
                    "programs",
                    format!("户 {} 已在享受{program}（自 {since} 起）", app.household),
                ));
            }
        }
        let app_id: i64 = on_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "INSERT INTO application (household_id, applicant, proxy, submitted_on, submitted_at, submitted_by, summary) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(household_id)
            .bind(&app.applicant)
            .bind(&app.proxy)
            .bind(app.submitted_on)
            .bind(micros(at))
            .bind(&by.name)
            .bind(&app.summary)
            .fetch_one(&mut *conn)
            .await?
        });
        let mut ids = Vec::new();
        for (program, area, due, final_due) in &app.cases {
            let id: i64 = on_tx!(&mut tx, conn => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO assistance_case (application_id, household_id, program, area_code, stage, \
                     accepted_on, stage_since, due_on, final_due_on, outcome) \
                     VALUES ($1, $2, $3, $4, 'accepted', $5, $5, $6, $7, '') RETURNING id",
                )
                .bind(app_id)
                .bind(household_id)
                .bind(program)
                .bind(area.as_str())
                .bind(app.submitted_on)
                .bind(*due)
                .bind(*final_due)
                .fetch_one(&mut *conn)
                .await?;
                sqlx::query(
                    "INSERT INTO case_event (case_id, at, on_day, actor, role, action, from_stage, to_stage, reason, detail) \
                     VALUES ($1, $2, $3, $4, $5, 'accept', '', 'accepted', $6, $7)",
                )
                .bind(id)
                .bind(micros(at))
                .bind(app.submitted_on)
                .bind(&by.name)
                .bind(by.role.as_str())
                .bind(format!("申请 {app_id}"))
                .bind(format!("申请人 {}{}", minsheng_core::IdNumber::parse(&app.applicant).map_or_else(|_| app.applicant.clone(), |id| id.masked()), if app.proxy.is_empty() { String::new() } else { format!("，代办人 {}", app.proxy) }))
                .execute(&mut *conn)
                .await?;
                id
            });
            ids.push(id);
        }
        if let Some(request) = app.request {
            crate::storage::requests::handle_in(&mut tx, request, Some(app_id), "", &by.name, at)
                .await?;
        }
        tx.append_audit(&[audit(app_id)]).await?;
        tx.commit().await?;
        Ok((app_id, ids))
    }

    /// A case with its history and objections.
    /// The applicant of an application, by ID number; `None` if what was recorded is not one.
    pub async fn applicant(&self, application: i64) -> Result<Option<minsheng_core::IdNumber>> {
        let applicant: Option<String> = with_pool!(self, pool => {
            sqlx::query_scalar("SELECT applicant FROM application WHERE id = $1")
                .bind(application)
                .fetch_optional(pool)
                .await?
        });
        Ok(applicant.and_then(|a| minsheng_core::IdNumber::parse(&a).ok()))
    }

    pub async fn case(&self, id: i64) -> Result<(CaseRecord, Vec<CaseEvent>, Vec<Objection>)> {
        self.find_case(id, None).await
    }

    /// [`Store::case`] for someone who may see only `scope`: a case outside it is not found.
    pub async fn case_within(
        &self,
        id: i64,
        scope: &Scope,
    ) -> Result<(CaseRecord, Vec<CaseEvent>, Vec<Objection>)> {
        self.find_case(id, Some(scope)).await
    }

    async fn find_case(
        &self,
        id: i64,
        scope: Option<&Scope>,
    ) -> Result<(CaseRecord, Vec<CaseEvent>, Vec<Objection>)> {
        let (within, bound) = match scope.map(|s| scope_condition(s, 2)) {
            Some((sql, value)) => (sql, Some(value)),
            None => ("$2 IS NULL".to_string(), None),
        };
        with_pool!(self, pool => {
            let row = sqlx::query(&format!(
                "SELECT {CASE_COLUMNS} FROM assistance_case c JOIN household h ON h.id = c.household_id \
                 WHERE c.id = $1 AND {within}"
            ))
            .bind(id)
            .bind(bound.as_deref())
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("案件 {id}")))?;
            let record = decode_case(&row)?;
            let events = sqlx::query("SELECT * FROM case_event WHERE case_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(CaseEvent {
                        at: timestamp(r.int("at")?)?,
                        on_day: r.date("on_day")?,
                        actor: r.text("actor")?,
                        role: r.text("role")?,
                        action: r.text("action")?,
                        from: r.text("from_stage")?,
                        to: r.text("to_stage")?,
                        reason: r.text("reason")?,
                        detail: r.text("detail")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let objections = sqlx::query("SELECT * FROM objection WHERE case_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    let resolved = match r.opt_date("resolved_on")? {
                        Some(on) => Some((on, r.boolean("upheld")?, r.opt_text("resolution")?.unwrap_or_default())),
                        None => None,
                    };
                    Ok(Objection {
                        id: r.int("id")?,
                        raised_on: r.date("raised_on")?,
                        raised_by: r.text("raised_by")?,
                        text: r.text("text")?,
                        resolved,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((record, events, objections))
        })
    }

    /// A page of the cases within a scope (an area and below, or a resident's household) that
    /// pass `filter`, open ones first by deadline (those without one last), with how many pass
    /// in all.
    ///
    /// Here and in the counts below the cases are read first and their households looked up
    /// (`CROSS JOIN` fixes SQLite's order): a city's scope is a range over every household, and
    /// reading it for the few cases took 0.25 s a query in a 10M city.
    pub async fn cases_within(
        &self,
        scope: &Scope,
        open_only: bool,
        filter: &CaseFilter,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<CaseRecord>, u64)> {
        let (within, bound) = scope_condition(scope, 1);
        let open = if open_only {
            "AND c.stage <> 'closed'"
        } else {
            ""
        };
        let from = format!(
            "FROM assistance_case c CROSS JOIN household h WHERE h.id = c.household_id AND {within} {open} \
             AND ($2 IS NULL OR c.program = $2) AND ($3 IS NULL OR c.stage = $3) \
             AND ($4 IS NULL OR c.due_on < $4)"
        );
        let (program, stage) = (filter.program.as_deref(), filter.stage.map(|s| s.as_str()));
        let page = format!(
            "SELECT {CASE_COLUMNS} {from} \
             ORDER BY CASE WHEN c.stage = 'closed' THEN 1 ELSE 0 END, c.due_on IS NULL, c.due_on, c.id \
             LIMIT {limit} OFFSET {offset}"
        );
        let count = format!("SELECT COUNT(*) {from}");
        with_pool!(self, pool => {
            let total: i64 = sqlx::query_scalar(&count)
                .bind(&bound)
                .bind(program)
                .bind(stage)
                .bind(filter.overdue_on)
                .fetch_one(pool)
                .await?;
            let cases = sqlx::query(&page)
                .bind(&bound)
                .bind(program)
                .bind(stage)
                .bind(filter.overdue_on)
                .fetch_all(pool)
                .await?
                .iter()
                .map(decode_case)
                .collect::<Result<Vec<_>>>()?;
            Ok((cases, u64::try_from(total).unwrap_or(0)))
        })
    }

    /// The cases of one household (by code) within a scope, newest first.
    pub async fn household_cases(&self, code: &str, scope: &Scope) -> Result<Vec<CaseRecord>> {
        let (within, bound) = scope_condition(scope, 2);
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM assistance_case c JOIN household h ON h.id = c.household_id \
             WHERE h.code = $1 AND {within} ORDER BY c.id DESC"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql)
                .bind(code)
                .bind(&bound)
                .fetch_all(pool)
                .await?
                .iter()
                .map(decode_case)
                .collect()
        })
    }

    /// Open cases within a scope, and those among them whose step's deadline fell before
    /// `overdue_before` (the last working day up to today: a deadline before it has passed
    /// a working day ago).
    pub async fn open_case_counts(
        &self,
        scope: &Scope,
        overdue_before: NaiveDate,
    ) -> Result<(u64, u64)> {
        let (within, bound) = scope_condition(scope, 1);
        let sql = format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN c.due_on < $2 THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM assistance_case c CROSS JOIN household h \
             WHERE h.id = c.household_id AND {within} AND c.stage <> 'closed'"
        );
        let (open, overdue): (i64, i64) = with_pool!(self, pool => {
            sqlx::query_as(&sql)
                .bind(&bound)
                .bind(overdue_before)
                .fetch_one(pool)
                .await?
        });
        Ok((
            u64::try_from(open).unwrap_or(0),
            u64::try_from(overdue).unwrap_or(0),
        ))
    }

    /// The first and last days the open cases' deadlines are counted over within a scope:
    /// the earliest acceptance and the latest whole-procedure deadline.
    pub async fn open_case_span(&self, scope: &Scope) -> Result<Option<(NaiveDate, NaiveDate)>> {
        let (within, bound) = scope_condition(scope, 1);
        let sql = format!(
            "SELECT MIN(c.accepted_on) AS first, MAX(c.final_due_on) AS last \
             FROM assistance_case c CROSS JOIN household h \
             WHERE h.id = c.household_id AND {within} AND c.stage <> 'closed'"
        );
        with_pool!(self, pool => {
            let row = sqlx::query(&sql).bind(&bound).fetch_one(pool).await?;
            Ok(match (row.opt_date("first")?, row.opt_date("last")?) {
                (Some(first), Some(last)) => Some((first, last)),
                _ => None,
            })
        })
    }

    /// Every open case, whatever its area: what a newly loaded holiday calendar counts again.
    pub async fn open_cases(&self) -> Result<Vec<CaseRecord>> {
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM assistance_case c JOIN household h ON h.id = c.household_id \
             WHERE c.stage <> 'closed' ORDER BY c.id"
        );
        with_pool!(self, pool => {
            sqlx::query(&sql)
                .fetch_all(pool)
                .await?
                .iter()
                .map(decode_case)
                .collect()
        })
    }

    /// Sets the deadlines of cases counted again, in one transaction. A case that took a step
    /// since it was read (another stage, or the same stage from another day) keeps the
    /// deadline its step set. Returns how many cases changed.
    pub async fn set_deadlines(
        &self,
        counted: &[(CaseRecord, Option<NaiveDate>, Option<NaiveDate>)],
    ) -> Result<u64> {
        let mut tx = begin_locked(self).await?;
        let mut changed = 0;
        for (record, due_on, final_due_on) in counted {
            changed += on_tx!(&mut tx, conn => {
                sqlx::query(
                    "UPDATE assistance_case SET due_on = $1, final_due_on = $2 \
                     WHERE id = $3 AND stage = $4 AND stage_since = $5",
                )
                .bind(*due_on)
                .bind(*final_due_on)
                .bind(record.case.id)
                .bind(record.case.stage.as_str())
                .bind(record.case.stage_since)
                .execute(&mut *conn)
                .await?
                .rows_affected()
            });
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Records a step of a case in one transaction: the case moves on only from the stage it
    /// was checked in (else field `stage`: someone else moved it meanwhile), its history gets
    /// the event, and the step's effect (an objection, its resolution, the enrolment that an
    /// approval makes, the outcome) is written with it.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_step(
        &self,
        record: &CaseRecord,
        action: &str,
        t: &Transition,
        actor: &Staff,
        today: NaiveDate,
        at: DateTime<Utc>,
        audit: &NewAuditEntry,
        notices: &[minsheng_notify::Notice],
    ) -> Result<()> {
        let case = &record.case;
        let mut tx = begin_locked(self).await?;
        let stage_since = if t.to == case.stage {
            case.stage_since
        } else {
            today
        };
        let outcome = match &t.effect {
            Effect::Close { outcome } => *outcome,
            _ => "",
        };
        let moved = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE assistance_case SET stage = $1, stage_since = $2, due_on = $3, outcome = $4 \
                 WHERE id = $5 AND stage = $6",
            )
            .bind(t.to.as_str())
            .bind(stage_since)
            .bind(t.due_on)
            .bind(outcome)
            .bind(case.id)
            .bind(case.stage.as_str())
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if moved != 1 {
            return Err(StoreError::conflict(
                "stage",
                format!("案件 {} 已被他人办理到下一环节，请刷新后再看", case.id),
            ));
        }
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO case_event (case_id, at, on_day, actor, role, action, from_stage, to_stage, reason, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(case.id)
            .bind(micros(at))
            .bind(today)
            .bind(&actor.name)
            .bind(actor.role.as_str())
            .bind(action)
            .bind(case.stage.as_str())
            .bind(t.to.as_str())
            .bind(&t.reason)
            .bind(&t.detail)
            .execute(&mut *conn)
            .await?;
        });
        match &t.effect {
            Effect::AddObjection { by } => on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO objection (case_id, raised_on, raised_by, text, recorded_by) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(case.id)
                .bind(today)
                .bind(by)
                .bind(&t.reason)
                .bind(&actor.name)
                .execute(&mut *conn)
                .await?;
            }),
            Effect::ResolveObjection { objection, upheld } => {
                let n = on_tx!(&mut tx, conn => {
                    sqlx::query(
                        "UPDATE objection SET resolved_on = $1, upheld = $2, resolution = $3 \
                         WHERE id = $4 AND case_id = $5 AND resolved_on IS NULL",
                    )
                    .bind(today)
                    .bind(*upheld)
                    .bind(&t.reason)
                    .bind(*objection)
                    .bind(case.id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected()
                });
                if n != 1 {
                    return Err(StoreError::invalid(
                        "objection",
                        format!("{objection} 不是案件 {} 未处理的异议", case.id),
                    ));
                }
            }
            Effect::Enrol { first_month } => {
                let basis = format!(
                    "案件 {} 于 {today} 经 {} 批准：{}",
                    case.id, actor.name, t.reason
                );
                enrol_in(
                    &mut tx,
                    &[(record.household_id, case.program.as_str())],
                    *first_month,
                    &basis,
                    &actor.name,
                    at,
                )
                .await?;
                on_tx!(&mut tx, conn => {
                    sqlx::query(
                        "UPDATE assistance_case SET enrolment_id = (SELECT MAX(id) FROM enrolment \
                         WHERE household_id = $1 AND program = $2 AND last_month IS NULL) WHERE id = $3",
                    )
                    .bind(record.household_id)
                    .bind(&case.program)
                    .bind(case.id)
                    .execute(&mut *conn)
                    .await?;
                });
            }
            Effect::None | Effect::Close { .. } => {}
        }
        minsheng_notify::enqueue_in(&mut tx, notices, at).await?;
        tx.append_audit(std::slice::from_ref(audit)).await?;
        tx.commit().await?;
        Ok(())
    }
}
