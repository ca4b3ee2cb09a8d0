//! One-thing applications (一件事) and the steps of their cases.
//!
//! Submitting: the form is the household file (pre-filled from the registry); the applicant or
//! a proxy (代办) supplies only what is missing, as dated changes that go into the registry;
//! then one accepted case per program asked for, and the rules' verdict on each, so the
//! household is told on the spot what it is being considered for and why. Every check comes
//! before any write: a bad change, a stranger as applicant, a program the household already
//! receives or has an open case for — nothing is recorded.

use chrono::NaiveDate;
use minsheng_app::registry::{check_change, RecordError};
use minsheng_app::Clock;
use minsheng_core::access::{Role, Staff};
use minsheng_core::{Fen, FieldError, Month};
use minsheng_payments::PaymentsStore as _;
use minsheng_policy::{Evaluation, Grant, Policy, Value};
use minsheng_store::{NewAuditEntry, Store, StoreError};

use crate::domain::cases::{Action, Case, Effect, Procedure, ReviewRule, Stage};
use crate::storage::{CaseRecord, CasesStore as _, DiscoveryStore as _, NewApplication};

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for CaseError {
    fn from(e: FieldError) -> CaseError {
        CaseError::Invalid {
            field: e.field,
            reason: e.reason,
        }
    }
}

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> CaseError {
    CaseError::Invalid {
        field: field.into(),
        reason: reason.into(),
    }
}

/// A clash with what is recorded: a duplicate, or something handled meanwhile.
pub(crate) fn conflict(field: &str, reason: impl Into<String>) -> CaseError {
    CaseError::Store(StoreError::Conflict {
        field: field.into(),
        reason: reason.into(),
    })
}

/// The staff member acting, or why they may not.
pub async fn acting(store: &Store, actor: &str) -> Result<Staff, CaseError> {
    store.staff(actor).await?.ok_or_else(|| {
        invalid(
            "actor",
            format!("{actor} 不在工作人员名册中，须由管理员用 `minsheng staff add` 添加"),
        )
    })
}

/// Refuses (field `actor`) unless `staff` holds one of `roles` and works over `area`.
fn authorise(
    staff: &Staff,
    roles: &[Role],
    what: &str,
    area: &minsheng_core::AreaCode,
    household: &str,
) -> Result<(), CaseError> {
    if !roles.contains(&staff.role) {
        let allowed: Vec<&str> = roles.iter().map(|r| r.label()).collect();
        return Err(invalid(
            "actor",
            format!(
                "{} 是{}；{what}由{}办理",
                staff.name,
                staff.role.label(),
                allowed.join("或")
            ),
        ));
    }
    if !area.is_within(&staff.area) {
        return Err(invalid(
            "actor",
            format!(
                "{}的工作区域是 {}，户 {household} 在 {area}",
                staff.name, staff.area
            ),
        ));
    }
    Ok(())
}

/// One application as the caseworker fills it in.
#[derive(Debug, Clone)]
pub struct ApplicationForm {
    /// Household code or a member's ID number.
    pub household: String,
    pub programs: Vec<String>,
    /// The applicant's ID number: a member of the household (empty: the head).
    pub applicant: String,
    /// 代办人 and their relation, when someone applies for the household.
    pub proxy: String,
    /// What the applicant supplies: (member's ID number, `field=value` assignments).
    pub changes: Vec<(String, Vec<String>)>,
    /// The day the supplied facts became true.
    pub facts_from: NaiveDate,
}

impl ApplicationForm {
    /// The facts an applicant supplies, as `ID_NUMBER:field=value` lines, grouped by member
    /// in the order they first appear (what [`ApplicationForm::changes`] holds).
    pub fn supplied<'a>(
        lines: impl IntoIterator<Item = &'a str>,
    ) -> Result<Vec<(String, Vec<String>)>, CaseError> {
        let mut supplied: Vec<(String, Vec<String>)> = Vec::new();
        for line in lines.into_iter().map(str::trim).filter(|l| !l.is_empty()) {
            let Some((id, assignment)) = line.split_once(':') else {
                return Err(invalid(
                    "changes",
                    format!("「{line}」应为 身份证号:字段=值"),
                ));
            };
            let (id, assignment) = (id.trim(), assignment.trim().to_string());
            match supplied.iter_mut().find(|(i, _)| i == id) {
                Some((_, list)) => list.push(assignment),
                None => supplied.push((id.to_string(), vec![assignment])),
            }
        }
        Ok(supplied)
    }
}

#[derive(Debug, Clone)]
pub struct Submitted {
    pub application_id: i64,
    /// Years whose holiday calendar the deadlines still wait for: counted there on the
    /// Monday–Friday rule, provisionally, until that year's notice is loaded.
    pub provisional: Vec<i32>,
    pub household: String,
    /// (case id, program, what the rules say now for the month, why in one line)
    pub cases: Vec<(i64, String, Fen, String)>,
}

pub async fn submit(
    store: &Store,
    policy: &Policy,
    form: &ApplicationForm,
    actor: &str,
    clock: Clock,
) -> Result<Submitted, CaseError> {
    submit_accepting(store, policy, form, None, actor, clock).await
}

/// [`submit`], accepting (受理) a resident's waiting `request` in the same transaction.
pub(crate) async fn submit_accepting(
    store: &Store,
    policy: &Policy,
    form: &ApplicationForm,
    request: Option<i64>,
    actor: &str,
    clock: Clock,
) -> Result<Submitted, CaseError> {
    let staff = acting(store, actor).await?;
    let file = store.household_file(&form.household).await?;
    authorise(
        &staff,
        &[Role::Community, Role::Street],
        "受理申请",
        &file.area,
        &file.code,
    )?;
    let members: Vec<&str> = file
        .members
        .iter()
        .map(|m| m.person.id_number.as_str())
        .collect();
    // No applicant named: the head of the household applies.
    let applicant = if form.applicant.trim().is_empty() {
        file.as_of(clock.today, clock.now)
            .iter()
            .find(|(_, f)| f.relation == minsheng_core::registry::Relation::Head)
            .map(|(p, _)| p.id_number.as_str().to_string())
            .unwrap_or_default()
    } else {
        form.applicant.trim().to_ascii_uppercase()
    };
    if !members.contains(&applicant.as_str()) {
        return Err(invalid(
            "applicant",
            format!(
                "{} 不是户 {} 的成员",
                minsheng_core::IdNumber::parse(&applicant)
                    .map(|i| i.masked())
                    .unwrap_or(applicant.clone()),
                file.code
            ),
        ));
    }
    if form.programs.is_empty() {
        return Err(invalid("programs", "至少选择一个救助项目"));
    }
    let mut programs: Vec<&str> = Vec::new();
    for code in &form.programs {
        let Some(p) = policy.program(code.trim()) else {
            let known: Vec<&str> = policy.programs.iter().map(|p| p.code.as_str()).collect();
            return Err(invalid(
                "programs",
                format!("「{code}」不是救助项目（可选：{}）", known.join("、")),
            ));
        };
        if p.grant == Grant::Service {
            return Err(invalid(
                "programs",
                format!(
                    "{}（{}）是服务项目，由服务对象按其自身程序申请",
                    p.label, p.code
                ),
            ));
        }
        if p.grant == Grant::Automatic {
            return Err(invalid(
                "programs",
                format!(
                    "{}（{}）免申即享：登记信息证明符合条件时直接享受，无需申请",
                    p.label, p.code
                ),
            ));
        }
        if programs.contains(&p.code.as_str()) {
            return Err(invalid("programs", format!("{}重复申请", p.label)));
        }
        programs.push(p.code.as_str());
    }
    // Duplicates, before anything is written.
    under_way(store, policy, &file.code, &programs).await?;
    let mut checked = Vec::new();
    for (id_number, assignments) in &form.changes {
        if !members.contains(&id_number.trim().to_ascii_uppercase().as_str()) {
            return Err(invalid(
                "changes",
                format!("{id_number} 不是户 {} 的成员", file.code),
            ));
        }
        check_change(store, id_number, form.facts_from, assignments, clock).await?;
        checked.push((id_number, assignments));
    }
    for (id_number, assignments) in checked {
        minsheng_app::registry::record_change(
            store,
            id_number,
            form.facts_from,
            assignments,
            actor,
            clock,
        )
        .await?;
    }

    // What the rules say now, with the supplied facts.
    let today = clock.today;
    let month = Month::containing(today);
    let file = store.household_file(&file.code).await?;
    let members = file.as_of(month.first_day(), clock.now);
    let mut evaluation = Evaluation::of_household(policy, month, &members, false);
    let calendar = store.work_calendar().await?;
    let mut cases = Vec::new();
    let mut verdicts = Vec::new();
    let mut provisional: Vec<i32> = Vec::new();
    for code in &programs {
        let Some(program) = policy.program(code) else {
            continue;
        };
        let procedure = Procedure::of(policy, code, today)
            .ok_or_else(|| invalid("programs", format!("政策中没有 {code} 的办理程序")))?;
        let due = Case::due(Stage::Accepted, today, &procedure, &calendar)?;
        let final_due = calendar
            .add_working_days(today, procedure.total)
            .map_err(|e| invalid("date", e.to_string()))?;
        provisional.extend(due.and_then(|d| d.provisional));
        provisional.extend(final_due.provisional);
        let (due, final_due) = (due.map(|d| d.on), Some(final_due.on));
        let mut owed = Fen::ZERO;
        let mut why = Vec::new();
        for target in minsheng_policy::eval::members_of(policy, program.amount, members.len()) {
            match evaluation.variable(program.amount, target) {
                Ok(Value::Money(a)) => match owed.checked_add(a) {
                    Some(sum) => owed = sum,
                    None => why.push(minsheng_core::MoneyError::TooLarge.to_string()),
                },
                Ok(_) => {}
                Err(e) => why.push(e.to_string()),
            }
        }
        let line = if !why.is_empty() {
            format!("规则无法判定：{}", why.join("；"))
        } else if owed > Fen::ZERO {
            format!("按登记信息符合条件：每月 {} 元", owed.grouped())
        } else {
            "按登记信息目前不符合条件，入户调查将核实家庭情况".to_string()
        };
        verdicts.push(format!("{code}: {line}"));
        cases.push((
            code.to_string(),
            file.area.clone(),
            due,
            final_due,
            owed,
            line,
        ));
    }
    let app = NewApplication {
        household: file.code.clone(),
        applicant: applicant.clone(),
        proxy: form.proxy.trim().to_string(),
        submitted_on: today,
        summary: verdicts.join("\n"),
        cases: cases
            .iter()
            .map(|(p, a, d, f, ..)| (p.clone(), a.clone(), *d, *f))
            .collect(),
        request,
    };
    let (application_id, ids) = store
        .cases()
        .submit_application(&app, &staff, clock.now, |application_id| NewAuditEntry {
            actor: actor.into(),
            action: "submit_application".into(),
            subject: file.code.clone(),
            detail: format!(
                "application={application_id} programs={} proxy={}",
                programs.join(","),
                app.proxy
            ),
            at: clock.now,
        })
        .await?;
    provisional.sort();
    provisional.dedup();
    Ok(Submitted {
        application_id,
        provisional,
        household: file.code,
        cases: ids
            .into_iter()
            .zip(cases)
            .map(|(id, (program, _, _, _, owed, line))| (id, program, owed, line))
            .collect(),
    })
}

/// Takes a step of a case: checks it against the procedure, the actor's role and area and the
/// calendar, then records it with its effect.
/// Returns the case as it now stands and, if its deadline is provisional, the year whose
/// calendar it waits for.
pub async fn step(
    store: &Store,
    policy: &Policy,
    case_id: i64,
    action: &Action,
    actor: &str,
    clock: Clock,
) -> Result<(CaseRecord, Option<i32>), CaseError> {
    let staff = acting(store, actor).await?;
    let (record, _, _) = store.cases().case(case_id).await?;
    let procedure = Procedure::of(policy, &record.case.program, record.case.accepted_on)
        .ok_or_else(|| {
            invalid(
                "program",
                format!("政策中没有 {} 的办理程序", record.case.program),
            )
        })?;
    let calendar = store.work_calendar().await?;
    let transition = record
        .case
        .transition(action, &staff, clock.today, &procedure, &calendar)?;
    let audit = NewAuditEntry {
        actor: actor.into(),
        action: format!("case_{}", action.name()),
        subject: record.household.clone(),
        detail: format!(
            "case={case_id} program={} {} → {} reason={}",
            record.case.program, record.case.stage, transition.to, transition.reason
        ),
        at: clock.now,
    };
    let notices = match (action, &transition.effect) {
        (Action::Decide { .. }, effect) => {
            let approved_from = match effect {
                Effect::Enrol { first_month } => Some(*first_month),
                _ => None,
            };
            let applicant = match store.cases().applicant(record.application_id).await? {
                Some(applicant) => Some(applicant),
                None => head_of(store, &record.household, clock).await?,
            };
            applicant
                .into_iter()
                .map(|applicant| {
                    crate::domain::notices::decision(
                        case_id,
                        applicant,
                        &record.household,
                        policy.program_label(&record.case.program),
                        approved_from,
                        &transition.reason,
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    };
    store
        .cases()
        .record_step(
            &record,
            action.name(),
            &transition,
            &staff,
            clock.today,
            clock.now,
            &audit,
            &notices,
        )
        .await?;
    Ok((store.cases().case(case_id).await?.0, transition.provisional))
}

/// The head of a household as the registry stands today: whom its notices go to when no
/// applicant is recorded. `None` for a household with no member now.
pub(crate) async fn head_of(
    store: &Store,
    household: &str,
    clock: Clock,
) -> Result<Option<minsheng_core::IdNumber>, CaseError> {
    let file = store.household_file(household).await?;
    Ok(file
        .as_of(clock.today, clock.now)
        .first()
        .map(|(person, _)| person.id_number.clone()))
}

/// A decision about a running enrolment, taken by the district (县级民政部门).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnrolmentDecision {
    /// 暂停: not paid from this month until resumed.
    Suspend { from: Month },
    /// 恢复: paid again from this month.
    Resume { from: Month },
    /// 终止: paid up to and including this month.
    End { last: Month },
    /// 渐退: paid the amount of the last cycle for `months` more months from `from`, then
    /// ended — for a household whose work has lifted its income above the line.
    Taper { from: Month, months: u32 },
}

pub async fn decide_enrolment(
    store: &Store,
    policy: &Policy,
    enrolment: i64,
    decision: &EnrolmentDecision,
    reason: &str,
    actor: &str,
    clock: Clock,
) -> Result<(), CaseError> {
    let staff = acting(store, actor).await?;
    let (e, area, _) = store.payments().enrolment(enrolment).await?;
    let area = minsheng_core::AreaCode::parse(&area).map_err(|e| invalid("area", e.to_string()))?;
    authorise(
        &staff,
        &[Role::District],
        "暂停、恢复或终止待遇",
        &area,
        &e.household,
    )?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "请写明理由"));
    }
    let audit = |action: &str, detail: String| NewAuditEntry {
        actor: actor.into(),
        action: action.into(),
        subject: e.household.clone(),
        detail: format!(
            "enrolment={enrolment} program={} {detail} reason={reason}",
            e.program
        ),
        at: clock.now,
    };
    // The household's head is told, in the decision's own transaction.
    let notices: Vec<_> = head_of(store, &e.household, clock)
        .await?
        .map(|head| {
            crate::domain::notices::benefit_decision(
                enrolment,
                head,
                &e.household,
                policy.program_label(&e.program),
                decision,
                reason,
            )
        })
        .into_iter()
        .collect();
    match decision {
        EnrolmentDecision::Suspend { from } => {
            let audit = audit("suspend_enrolment", format!("from={from}"));
            store
                .payments()
                .suspend_enrolment(enrolment, *from, reason, actor, clock.now, &audit, &notices)
                .await?;
        }
        EnrolmentDecision::Resume { from } => {
            let audit = audit("resume_enrolment", format!("from={from}"));
            store
                .payments()
                .resume_enrolment(enrolment, *from, reason, actor, clock.now, &audit, &notices)
                .await?;
        }
        EnrolmentDecision::End { last } => {
            let audit = audit("end_enrolment", format!("last={last}"));
            store
                .payments()
                .end_enrolment(enrolment, *last, reason, &audit, &notices)
                .await?;
        }
        EnrolmentDecision::Taper { from, months } => {
            let rule = ReviewRule::of(policy, from.first_day())
                .ok_or_else(|| invalid("policy", "政策中没有定期核查的参数（procedure.review）"))?;
            if *months == 0 || *months > rule.gradual_exit {
                return Err(invalid(
                    "months",
                    format!("渐退期为 1 至 {} 个月", rule.gradual_exit),
                ));
            }
            if policy
                .program(&e.program)
                .is_none_or(|p| p.entity != minsheng_policy::Entity::Group)
            {
                return Err(invalid(
                    "enrolment",
                    format!(
                        "{} 不是按户发放的待遇，渐退只适用于按户发放的金额",
                        e.program
                    ),
                ));
            }
            let household_id = store.household_id(&e.household).await?;
            let amount = store
                .discovery()
                .last_owed_of(*from, household_id)
                .await?
                .get(&(household_id, e.program.clone()))
                .copied()
                .ok_or_else(|| {
                    invalid(
                        "from",
                        format!(
                            "{from} 之前没有向户 {1} 发放过 {0}，无可继续发放",
                            e.program, e.household
                        ),
                    )
                })?;
            let mut last = *from;
            for _ in 1..*months {
                last = last.next();
            }
            let audit = audit(
                "taper_enrolment",
                format!("from={from} last={last} amount={amount}"),
            );
            store
                .payments()
                .taper_enrolment(enrolment, *from, last, amount, reason, &audit, &notices)
                .await?;
        }
    }
    Ok(())
}

/// The running benefits of the actor's area with their next review date, soonest first.
pub async fn reviews_due(
    store: &Store,
    policy: &Policy,
    actor: &str,
    clock: Clock,
) -> Result<Vec<(minsheng_payments::Reviewable, NaiveDate)>, CaseError> {
    let staff = acting(store, actor).await?;
    let rule = ReviewRule::of(policy, clock.today)
        .ok_or_else(|| invalid("policy", "政策中没有定期核查的参数（procedure.review）"))?;
    let programs: Vec<&str> = policy
        .programs
        .iter()
        .filter(|p| p.grant == Grant::Application)
        .map(|p| p.code.as_str())
        .collect();
    let mut due: Vec<_> = store
        .payments()
        .reviewable(&staff.area, &programs)
        .await?
        .into_iter()
        .map(|r| {
            let next = rule.due(
                r.first_month.first_day(),
                r.last_review,
                r.can_work,
                r.last_death,
            );
            (r, next)
        })
        .collect();
    due.sort_by_key(|(r, next)| (*next, r.enrolment_id));
    Ok(due)
}

/// Tells each household of the actor's area whose review falls due within `within_days` (or is
/// overdue) that it does, once per household, benefit and due date: a reminder sent again
/// for the same review adds nothing. Returns how many notices were new.
pub async fn remind_reviews(
    store: &Store,
    policy: &Policy,
    within_days: i64,
    actor: &str,
    clock: Clock,
) -> Result<u64, CaseError> {
    let horizon = clock.today + chrono::Duration::days(within_days.max(0));
    let mut notices = Vec::new();
    for (r, due) in reviews_due(store, policy, actor, clock).await? {
        if due > horizon {
            break;
        }
        if let Some(head) = head_of(store, &r.household, clock).await? {
            notices.push(crate::domain::notices::review_due(
                r.enrolment_id,
                head,
                &r.household,
                policy.program_label(&r.program),
                due,
            ));
        }
    }
    let staff = acting(store, actor).await?;
    let audit = NewAuditEntry {
        actor: actor.into(),
        action: "remind_reviews".into(),
        subject: staff.area.to_string(),
        detail: format!("due_by={horizon} households={}", notices.len()),
        at: clock.now,
    };
    let mut tx = minsheng_store::Tx::write_only(store).await?;
    let written = minsheng_notify::enqueue_in(&mut tx, &notices, clock.now).await?;
    tx.append_audit(std::slice::from_ref(&audit)).await?;
    tx.commit().await?;
    Ok(written)
}

/// Records a periodic review (by the street or the district of the household's area).
pub async fn review(
    store: &Store,
    enrolment: i64,
    findings: &str,
    actor: &str,
    clock: Clock,
) -> Result<(), CaseError> {
    let staff = acting(store, actor).await?;
    let (e, area, _) = store.payments().enrolment(enrolment).await?;
    let area = minsheng_core::AreaCode::parse(&area).map_err(|e| invalid("area", e.to_string()))?;
    authorise(
        &staff,
        &[Role::Street, Role::District],
        "定期核查",
        &area,
        &e.household,
    )?;
    if e.last_month.is_some() {
        return Err(invalid("enrolment", format!("享受记录 {enrolment} 已终止")));
    }
    let findings = findings.trim();
    if findings.is_empty() {
        return Err(invalid("findings", "请写明核查情况"));
    }
    let audit = NewAuditEntry {
        actor: actor.into(),
        action: "review_enrolment".into(),
        subject: e.household.clone(),
        detail: format!("enrolment={enrolment} findings={findings}"),
        at: clock.now,
    };
    store
        .payments()
        .record_review(enrolment, clock.today, findings, actor, clock.now, &audit)
        .await?;
    Ok(())
}

/// A case's deadlines as the calendar now stands, each provisional in the first year it was
/// counted through without a calendar (see [`minsheng_core::Deadline`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// The current step's.
    pub step: Option<minsheng_core::Deadline>,
    /// The whole procedure's.
    pub whole: Option<minsheng_core::Deadline>,
}

impl Deadlines {
    pub fn of(record: &CaseRecord, calendar: &minsheng_core::WorkCalendar) -> Deadlines {
        let counted = |from: NaiveDate, on: Option<NaiveDate>| {
            on.map(|on| minsheng_core::Deadline {
                on,
                provisional: calendar.missing_year(from, on),
            })
        };
        Deadlines {
            step: counted(record.case.stage_since, record.due_on),
            whole: counted(record.case.accepted_on, record.final_due_on),
        }
    }

    /// The years whose holiday calendar these deadlines wait for.
    pub fn provisional(&self) -> impl Iterator<Item = i32> {
        [self.step, self.whole]
            .into_iter()
            .flatten()
            .filter_map(|d| d.provisional)
    }
}

/// Refuses (field `programs`, a conflict) a program the household already receives or has an
/// open case for: an application for it would be a duplicate.
pub(crate) async fn under_way(
    store: &Store,
    policy: &Policy,
    household: &str,
    programs: &[&str],
) -> Result<(), CaseError> {
    let enrolments = store.payments().enrolments(household).await?;
    let open_cases: Vec<CaseRecord> = store
        .cases()
        .household_cases(household, &minsheng_core::access::Scope::Everything)
        .await?
        .into_iter()
        .filter(|c| c.case.stage != Stage::Closed)
        .collect();
    for program in programs {
        let label = policy
            .program(program)
            .map_or(*program, |p| p.label.as_str());
        if let Some(e) = enrolments
            .iter()
            .find(|e| e.program == *program && e.last_month.is_none())
        {
            return Err(conflict(
                "programs",
                format!("户 {household} 已在享受{label}（自 {} 起）", e.first_month),
            ));
        }
        if let Some(c) = open_cases
            .iter()
            .find(|c| c.household == household && c.case.program == *program)
        {
            return Err(conflict(
                "programs",
                format!(
                    "户 {household} 已有办理中的{label}案件（{}），本次为重复申请",
                    c.case.id
                ),
            ));
        }
    }
    Ok(())
}
