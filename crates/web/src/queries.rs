//! What a signed-in person asks for, answered within their scope and written to the audit log
//! where the rules require it. Pages and API endpoints are thin shells over these.

use chrono::{Datelike, NaiveDate};
use minsheng_app::Clock;
use minsheng_assistance::storage::{CasesStore as _, DiscoveryStore as _, RequestsStore as _};
use minsheng_core::access::Scope;
use minsheng_core::registry::HouseholdFile;
use minsheng_core::Month;
use minsheng_payments::PaymentsStore as _;
use minsheng_policy::explain;

use crate::error::WebError;
use crate::session::Signed;
use minsheng_app::china_time;
use minsheng_assistance::Action;
use minsheng_core::access::Duty;

use crate::view::{
    ApplicationInput, AuditView, BenefitView, CaseDetail, CaseList, CaseView, CycleView, Dashboard,
    ExplanationView, FindingPage, FindingView, HouseholdHitView, HouseholdPaymentView,
    HouseholdView, ImpactRow, MonitoringView, ProgramImpact, ProgramOwed, ReconcileView,
    RequestInput, RequestView, RosterPage, RosterPersonView, SearchPage, StepInput, SubmittedCase,
    SubmittedView, TotalView, WhatIfView,
};
use crate::Web;

pub const PER_PAGE: u32 = 20;
/// Payments a household file lists (two years of one program to one payee).
pub const PAYMENTS_ON_FILE: u32 = 24;
pub const MAX_PER_PAGE: u32 = 100;

pub fn parse_month(text: Option<&str>, clock: Clock) -> Result<Month, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Month::containing(clock.today)),
        Some(t) => t
            .parse()
            .map_err(|_| WebError::invalid("month", format!("'{t}' is not a month like 2025-06"))),
    }
}

/// A period of months: `to` defaults to this month, `from` to five months before `to`.
pub fn parse_period(
    from: Option<&str>,
    to: Option<&str>,
    clock: Clock,
) -> Result<(Month, Month), WebError> {
    let to = parse_month(to, clock)?;
    let from = match from.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => parse_month(Some(f), clock)
            .map_err(|_| WebError::invalid("from", format!("'{f}' is not a month like 2025-06")))?,
        None => (0..5).fold(to, |m, _| m.previous()),
    };
    Ok((from, to))
}

pub fn parse_day(text: Option<&str>, clock: Clock) -> Result<NaiveDate, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(clock.today),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| WebError::invalid("on", format!("'{t}' is not a day like 2025-06-30"))),
    }
}

pub fn parse_page(page: Option<&str>, per_page: Option<&str>) -> Result<(u32, u32), WebError> {
    let number =
        |field: &str, text: Option<&str>, default: u32, max: u32| -> Result<u32, WebError> {
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(default),
                Some(t) => match t.parse::<u32>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(WebError::invalid(
                        field,
                        format!("'{t}' is not a number from 1 to {max}"),
                    )),
                },
            }
        };
    Ok((
        number("page", page, 1, 100_000)?,
        number("per_page", per_page, PER_PAGE, MAX_PER_PAGE)?,
    ))
}

pub async fn search(
    web: &Web,
    who: &Signed,
    query: &str,
    page: u32,
    per_page: u32,
) -> Result<SearchPage, WebError> {
    if query.trim().is_empty() {
        return Err(WebError::invalid(
            "q",
            "give a name, an ID number or a household code",
        ));
    }
    let (hits, total) = web
        .store
        .search_households(
            query,
            &who.account.scope(),
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await?;
    Ok(SearchPage {
        items: hits.iter().map(HouseholdHitView::from).collect(),
        total,
        page,
        per_page,
    })
}

fn read_entry(
    who: &Signed,
    action: &str,
    subject: &str,
    detail: String,
    clock: Clock,
) -> minsheng_store::NewAuditEntry {
    minsheng_store::NewAuditEntry {
        actor: who.account.name().to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        detail,
        at: clock.now,
    }
}

/// A household's file as a person in scope may see it; reading it, and revealing its ID
/// numbers, is audited.
pub async fn household(
    web: &Web,
    who: &Signed,
    key: &str,
    on: NaiveDate,
    reveal: bool,
    clock: Clock,
) -> Result<HouseholdView, WebError> {
    Ok(household_and_file(web, who, key, on, reveal, clock)
        .await?
        .1)
}

/// [`household`], with the file it was read from (the application form needs the members'
/// full ID numbers to send back, without a second read).
pub async fn household_and_file(
    web: &Web,
    who: &Signed,
    key: &str,
    on: NaiveDate,
    reveal: bool,
    clock: Clock,
) -> Result<(HouseholdFile, HouseholdView), WebError> {
    let file = web
        .store
        .household_file_within(key, &who.account.scope())
        .await?;
    let action = if reveal {
        "reveal_household"
    } else {
        "read_household"
    };
    web.audit
        .record(read_entry(
            who,
            action,
            &file.code,
            format!("on={on} via=web"),
            clock,
        ))
        .await?;
    let path = web.store.area_path(&file.area).await?;
    let mut view = HouseholdView::of(&file, path, on, clock.now, reveal);
    // The benefits and payments of the household just read within scope.
    let month = Month::containing(on);
    view.benefits = web
        .store
        .payments()
        .benefits(&file.code)
        .await?
        .iter()
        .map(|(e, pauses)| BenefitView::of(e, pauses, program_label(web, &e.program), month))
        .collect();
    view.payments = web
        .store
        .payments()
        .household_payments(&file.code, PAYMENTS_ON_FILE)
        .await?
        .iter()
        .map(|p| HouseholdPaymentView {
            month: p.month.to_string(),
            program_label: program_label(web, &p.program),
            program: p.program.clone(),
            payee: p.payee.clone(),
            amount_fen: p.amount.0,
            state: p.state.as_str().into(),
            state_label: p.state.label().into(),
            attempts: p.attempts,
        })
        .collect();
    Ok((file, view))
}

/// The audit trail of a household (reads, reveals, changes): for staff only.
pub async fn household_audit(
    web: &Web,
    who: &Signed,
    household: &str,
) -> Result<Vec<AuditView>, WebError> {
    if !who.account.is_staff() {
        return Ok(Vec::new());
    }
    Ok(web
        .store
        .recent_audit_entries(household, 50)
        .await?
        .iter()
        .map(AuditView::from)
        .collect())
}

/// A page of the cases within `scope`, overdue first, then by working days left; cases
/// without a deadline last.
pub async fn cases(
    web: &Web,
    scope: &Scope,
    open_only: bool,
    page: u32,
    per_page: u32,
    clock: Clock,
) -> Result<CaseList, WebError> {
    let (list, total) = web
        .store
        .cases()
        .cases_within(
            scope,
            open_only,
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await?;
    let calendar = web.store.work_calendar().await?;
    Ok(CaseList {
        items: list
            .iter()
            .map(|c| CaseView::of(c, &calendar, clock.today))
            .collect(),
        total,
        page,
        per_page,
    })
}

/// The cases of a household already read within the account's scope.
pub async fn household_cases(
    web: &Web,
    who: &Signed,
    file: &HouseholdView,
    clock: Clock,
) -> Result<Vec<CaseView>, WebError> {
    let calendar = web.store.work_calendar().await?;
    Ok(web
        .store
        .cases()
        .household_cases(&file.household, &who.account.scope())
        .await?
        .iter()
        .map(|c| CaseView::of(c, &calendar, clock.today))
        .collect())
}

/// Every program for a household's month, from the registry as known now.
pub async fn explain(
    web: &Web,
    who: &Signed,
    key: &str,
    month: Month,
    program: Option<&str>,
    clock: Clock,
) -> Result<ExplanationView, WebError> {
    let file = web
        .store
        .household_file_within(key, &who.account.scope())
        .await?;
    web.audit
        .record(read_entry(
            who,
            "explain_household",
            &file.code,
            format!("month={month} via=web"),
            clock,
        ))
        .await?;
    let members = file.as_of(month.first_day(), clock.now);
    if members.is_empty() {
        return Err(WebError::NotFound(format!(
            "household {} has no members in {month}",
            file.code
        )));
    }
    let explained = explain::household(&web.policy, month, &members);
    Ok(ExplanationView {
        household: file.code.clone(),
        month: month.to_string(),
        trees: match program.and_then(|code| web.policy.program(code)) {
            Some(p) => explained.trees_of(p.amount),
            None => explained.trees(),
        },
        computations: serde_json::value::to_raw_value(&explained.computations())
            .map_err(|e| WebError::Internal(e.to_string()))?,
    })
}

impl From<minsheng_assistance::cases::CaseError> for WebError {
    fn from(e: minsheng_assistance::cases::CaseError) -> Self {
        use minsheng_assistance::cases::CaseError;
        match e {
            CaseError::Invalid { field, reason } => WebError::Invalid { field, reason },
            CaseError::Record(minsheng_app::registry::RecordError::Invalid(errors)) => {
                match errors.first() {
                    Some(first) => WebError::Invalid {
                        field: first.field.clone(),
                        reason: errors
                            .iter()
                            .map(|e| e.to_string())
                            .collect::<Vec<_>>()
                            .join("; "),
                    },
                    None => WebError::invalid("changes", "invalid"),
                }
            }
            CaseError::Record(minsheng_app::registry::RecordError::Store(e))
            | CaseError::Store(e) => e.into(),
        }
    }
}

/// Steps and applications are staff work.
fn staff(who: &Signed) -> Result<&minsheng_core::access::Staff, WebError> {
    match &who.account {
        minsheng_core::access::Account::Staff(s) if who.account.is_staff() => Ok(s),
        _ => Err(WebError::Forbidden(
            "only staff take steps of a case or accept applications".into(),
        )),
    }
}

pub async fn case(web: &Web, who: &Signed, id: i64, clock: Clock) -> Result<CaseDetail, WebError> {
    let (record, events, objections) = web
        .store
        .cases()
        .case_within(id, &who.account.scope())
        .await?;
    let calendar = web.store.work_calendar().await?;
    let offered = match who.account.role() {
        Some(role) => Action::offered(record.case.stage, role),
        None => Vec::new(),
    };
    Ok(CaseDetail::of(
        &record,
        &events,
        &objections,
        offered,
        &calendar,
        clock.today,
    ))
}

fn required<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, WebError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| WebError::invalid(field, "is required"))
}

/// The domain's action for a step as a form or the API sends it.
pub fn action(input: &StepInput) -> Result<Action, WebError> {
    let text = || required("text", &input.text).map(str::to_string);
    let verdict = |yes: &str, no: &str| -> Result<bool, WebError> {
        match required("verdict", &input.verdict)? {
            v if v == yes => Ok(true),
            v if v == no => Ok(false),
            other => Err(WebError::invalid(
                "verdict",
                format!("'{other}' is not {yes} or {no}"),
            )),
        }
    };
    Ok(match input.action.trim() {
        "survey" => Action::Survey {
            surveyors: required("surveyors", &input.surveyors)?
                .split([',', '，', '、'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            report: text()?,
        },
        "review" => Action::Review {
            pass: verdict("pass", "refuse")?,
            reason: text()?,
        },
        "object" => Action::Object {
            by: required("by", &input.by)?.to_string(),
            text: text()?,
        },
        "resolve" => Action::Resolve {
            objection: required("objection", &input.objection)?
                .parse()
                .map_err(|_| WebError::invalid("objection", "is not an objection number"))?,
            upheld: verdict("upheld", "dismissed")?,
            reason: text()?,
        },
        "decide" => Action::Decide {
            approve: verdict("approve", "refuse")?,
            reason: text()?,
        },
        "notify" => Action::Notify { text: text()? },
        "withdraw" => Action::Withdraw { reason: text()? },
        other => {
            return Err(WebError::invalid(
                "action",
                format!(
                    "'{other}' is not survey, review, object, resolve, decide, notify or withdraw"
                ),
            ))
        }
    })
}

/// Takes a step of a case the viewer can see; the procedure, role and area rules are the
/// domain's (`Case::transition`).
pub async fn step(
    web: &Web,
    who: &Signed,
    id: i64,
    input: &StepInput,
    clock: Clock,
) -> Result<CaseDetail, WebError> {
    let staff = staff(who)?;
    web.store
        .cases()
        .case_within(id, &who.account.scope())
        .await?;
    let action = action(input)?;
    minsheng_assistance::cases::step(&web.store, &web.policy, id, &action, &staff.name, clock)
        .await?;
    case(web, who, id, clock).await
}

/// A one-thing application for a household the viewer can see.
pub async fn apply(
    web: &Web,
    who: &Signed,
    input: &ApplicationInput,
    clock: Clock,
) -> Result<SubmittedView, WebError> {
    let staff = staff(who)?;
    let file = web
        .store
        .household_file_within(&input.household, &who.account.scope())
        .await?;
    let changes = minsheng_assistance::cases::ApplicationForm::supplied(
        input.changes.as_deref().unwrap_or("").lines(),
    )?;
    let form = minsheng_assistance::cases::ApplicationForm {
        household: file.code.clone(),
        programs: input
            .programs
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect(),
        applicant: input
            .applicant
            .clone()
            .unwrap_or_default()
            .trim()
            .to_string(),
        proxy: input.proxy.clone().unwrap_or_default().trim().to_string(),
        changes,
        facts_from: parse_day(input.facts_from.as_deref(), clock)
            .map_err(|_| WebError::invalid("facts_from", "is not a day like 2025-06-30"))?,
    };
    if form.programs.is_empty() {
        return Err(WebError::invalid("programs", "choose at least one program"));
    }
    let submitted =
        minsheng_assistance::cases::submit(&web.store, &web.policy, &form, &staff.name, clock)
            .await?;
    Ok(submitted_view(submitted))
}

fn submitted_view(submitted: minsheng_assistance::cases::Submitted) -> SubmittedView {
    SubmittedView {
        application_id: submitted.application_id,
        household: submitted.household,
        cases: submitted
            .cases
            .into_iter()
            .map(|(case, program, owed, why)| SubmittedCase {
                case,
                program,
                owed_now: owed.grouped(),
                why,
            })
            .collect(),
        provisional: submitted.provisional,
    }
}

impl From<minsheng_payments::PayError> for WebError {
    fn from(e: minsheng_payments::PayError) -> Self {
        use minsheng_payments::PayError;
        match e {
            PayError::Store(e) => e.into(),
            PayError::Invalid { field, reason } => WebError::Invalid { field, reason },
            // An unreadable return file is bad input, not a fault of the service.
            PayError::File(e) => WebError::invalid("file", e.to_string()),
            PayError::Rows(rows) => WebError::Invalid {
                field: rows
                    .first()
                    .map_or_else(|| "file".to_string(), |r| r.field.clone()),
                reason: format!(
                    "{} lines rejected, nothing recorded: {}",
                    rows.len(),
                    rows.iter()
                        .take(5)
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            },
            other => WebError::Internal(other.to_string()),
        }
    }
}

fn require(who: &Signed, duty: Duty) -> Result<(), WebError> {
    if who.account.may(duty) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            match duty {
                Duty::SeePayments => {
                    "payment cycles are for the city's administrators and auditors"
                }
                Duty::RunPayments => "only the city's administrators run payment cycles",
                Duty::ApprovePayments => "only the city's administrators approve payment cycles",
                Duty::SimulatePolicy => {
                    "what-if runs over the whole city: for the city's administrators and auditors"
                }
            }
            .into(),
        ))
    }
}

fn program_label(web: &Web, code: &str) -> String {
    web.policy
        .program(code)
        .map_or_else(|| code.to_string(), |p| p.label.clone())
}

pub async fn cycle(web: &Web, who: &Signed, month: Month) -> Result<CycleView, WebError> {
    require(who, Duty::SeePayments)?;
    let cycle = web.store.payments().pay_cycle(month).await?;
    let status = web.store.payments().cycle_status(month).await?;
    Ok(CycleView {
        month: month.to_string(),
        computed: cycle.is_some(),
        frozen_at: cycle.as_ref().map(|c| china_time(c.frozen_at)),
        policy_digest: cycle.as_ref().map(|c| c.policy_digest.clone()),
        computed_by: cycle.as_ref().map(|c| c.computed_by.clone()),
        approved_by: cycle
            .as_ref()
            .and_then(|c| c.approved.as_ref().map(|(by, _)| by.clone())),
        approved_at: cycle
            .as_ref()
            .and_then(|c| c.approved.as_ref().map(|(_, at)| china_time(*at))),
        owed: status
            .owed
            .iter()
            .map(|(program, payees, amount)| ProgramOwed {
                program: program.clone(),
                label: program_label(web, program),
                payees: *payees,
                amount_fen: amount.0,
                amount: amount.grouped(),
            })
            .collect(),
        payees: status.payees(),
        total_owed: status.total_owed().grouped(),
        batches: status.batches,
        sent: status.sent,
        confirmed: status.confirmed,
        returned: status.returned,
        outstanding: status.outstanding,
        net_paid: status.net_paid.grouped(),
    })
}

/// One step of the month's cycle, by someone whose role does it; every one is audited by the
/// use case it calls.
pub async fn run_cycle(
    web: &Web,
    who: &Signed,
    month: Month,
    step: &str,
    clock: Clock,
) -> Result<CycleView, WebError> {
    let actor = who.account.name();
    match step {
        "compute" => {
            require(who, Duty::RunPayments)?;
            minsheng_payments::compute(
                &web.store,
                &web.policy,
                month,
                false,
                actor,
                clock,
                &minsheng_app::Quiet,
            )
            .await?;
        }
        "approve" => {
            require(who, Duty::ApprovePayments)?;
            minsheng_payments::approve(&web.store, month, actor, clock).await?;
        }
        "disburse" => {
            require(who, Duty::RunPayments)?;
            minsheng_payments::disburse(&web.store, month, &web.bank_dir, actor, clock).await?;
        }
        other => {
            return Err(WebError::invalid(
                "step",
                format!("'{other}' is not compute, approve or disburse"),
            ))
        }
    }
    cycle(web, who, month).await
}

/// A batch's bank file (full account details: audited).
pub async fn bank_file(
    web: &Web,
    who: &Signed,
    month: Month,
    batch: u32,
    clock: Clock,
) -> Result<Vec<u8>, WebError> {
    require(who, Duty::SeePayments)?;
    let path = minsheng_payments::bank_file(&web.bank_dir, month, batch);
    let bytes = std::fs::read(&path).map_err(|_| {
        WebError::NotFound(format!(
            "no bank file for {month} batch {batch}; sending again (disburse) writes the last one anew"
        ))
    })?;
    web.store
        .audit(
            who.account.name(),
            "pay_download",
            &format!("pay:{month}"),
            &format!("batch={batch}"),
            clock.now,
        )
        .await?;
    Ok(bytes)
}

/// Records the bank's return file (CSV: reference,result,reason), all or nothing.
pub async fn reconcile(
    web: &Web,
    who: &Signed,
    file: &[u8],
    clock: Clock,
) -> Result<ReconcileView, WebError> {
    require(who, Duty::RunPayments)?;
    if file.is_empty() {
        return Err(WebError::invalid("file", "the return file is empty"));
    }
    let dir = web.bank_dir.join("returns");
    std::fs::create_dir_all(&dir).map_err(|e| WebError::Internal(e.to_string()))?;
    // Kept: the bank's answer as received is part of the record.
    let path = dir.join(format!(
        "return-{}.csv",
        clock.now.format("%Y%m%dT%H%M%S%.6fZ")
    ));
    std::fs::write(&path, file).map_err(|e| WebError::Internal(e.to_string()))?;
    let report = minsheng_payments::reconcile(&web.store, &path, who.account.name(), clock).await?;
    Ok(ReconcileView {
        confirmed: report.confirmed,
        returned: report.returned,
        already_recorded: report.already_recorded,
    })
}

pub(crate) fn request_status_label(status: &str) -> &'static str {
    match status {
        "waiting" => "等待社区受理",
        "accepted" => "已受理",
        _ => "不予受理",
    }
}

pub(crate) fn monitoring_label(category: &str) -> &'static str {
    match category {
        "dibao" => "低保",
        "tekun" => "特困",
        "near_poor" => "低保边缘",
        "rigid_expenditure" => "刚性支出困难",
        _ => "其他",
    }
}

/// The city dashboard, within the account's area.
pub async fn dashboard(
    web: &Web,
    who: &Signed,
    from: Month,
    to: Month,
    clock: Clock,
) -> Result<Dashboard, WebError> {
    if !who.account.is_staff() {
        return Err(WebError::Forbidden("the dashboard is for staff".into()));
    }
    if from > to {
        return Err(WebError::invalid("from", format!("{from} is after {to}")));
    }
    let scope = who.account.scope();
    let totals = minsheng_payments::totals(&web.store, from, to, &scope).await?;
    let codes: Vec<&str> = totals.iter().map(|t| t.district.as_str()).collect();
    let names = web.store.area_names(&codes).await?;
    let mut monitoring: Vec<MonitoringView> = Vec::new();
    if let Some((_, counts)) = web.store.discovery().monitoring(to, &scope).await? {
        for c in counts {
            match monitoring.iter_mut().find(|m| m.category == c.category) {
                Some(m) => {
                    m.households += c.households;
                    m.persons += c.persons;
                    m.enrolled += c.enrolled;
                }
                None => monitoring.push(MonitoringView {
                    label: monitoring_label(&c.category).to_string(),
                    category: c.category,
                    households: c.households,
                    persons: c.persons,
                    enrolled: c.enrolled,
                }),
            }
        }
    }
    let calendar = web.store.work_calendar().await?;
    let (open_cases, overdue_cases) = web
        .store
        .cases()
        .open_case_counts(&scope, calendar.working_day_through(clock.today))
        .await?;
    // The years the open cases' deadlines are counted over, from the earliest acceptance to
    // the latest whole-procedure deadline.
    let spanned = web
        .store
        .cases()
        .open_case_span(&scope)
        .await?
        .into_iter()
        .flat_map(|(first, last)| first.year()..=last.year());
    let calendar_missing = calendar.notices_wanted(clock.today, spanned);
    Ok(Dashboard {
        from: from.to_string(),
        to: to.to_string(),
        totals: totals
            .iter()
            .map(|t| TotalView {
                month: t.month.to_string(),
                program: t.program.clone(),
                district_name: names
                    .get(&t.district)
                    .cloned()
                    .unwrap_or_else(|| t.district.clone()),
                district: t.district.clone(),
                payees: t.payees,
                net_fen: t.net.0,
            })
            .collect(),
        monitoring,
        open_cases,
        overdue_cases,
        calendar_missing,
    })
}

/// A month's open findings within the account's area.
pub async fn findings(
    web: &Web,
    who: &Signed,
    month: Month,
    page: u32,
    per_page: u32,
) -> Result<FindingPage, WebError> {
    if !who.account.is_staff() {
        return Err(WebError::Forbidden("findings are for staff".into()));
    }
    let (found, total) = web
        .store
        .discovery()
        .findings_within(
            month,
            &who.account.scope(),
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await?;
    Ok(FindingPage {
        items: found
            .iter()
            .map(|f| FindingView {
                id: f.id,
                month: f.month.to_string(),
                household: f.finding.household.clone(),
                program_label: program_label(web, &f.finding.program),
                program: f.finding.program.clone(),
                kind: f.finding.kind.as_str().to_string(),
                kind_label: f.finding.kind.label().to_string(),
                owed: f.finding.owed.grouped(),
                last_owed: f.finding.last_owed.map(|a| a.grouped()),
                area: f.finding.area.clone(),
            })
            .collect(),
        total,
        page,
        per_page,
    })
}

/// One click from a proactive finding to a case: an application for the program, taken by the
/// caseworker on the household's behalf (主动发现 → 立案).
pub async fn open_case(
    web: &Web,
    who: &Signed,
    finding: i64,
    clock: Clock,
) -> Result<SubmittedView, WebError> {
    staff(who)?;
    let found = web
        .store
        .discovery()
        .finding_within(finding, &who.account.scope())
        .await?;
    if found.finding.kind != minsheng_assistance::FindingKind::Eligible || !found.open {
        return Err(WebError::invalid(
            "finding",
            format!(
                "finding {finding} is {}{}: only an open finding of an eligible household not yet enrolled becomes a case",
                found.finding.kind.label(),
                if found.open { "" } else { ", closed" }
            ),
        ));
    }
    let input = ApplicationInput {
        household: found.finding.household.clone(),
        programs: found.finding.program.clone(),
        proxy: Some(format!("主动发现 (finding {finding})")),
        ..ApplicationInput::default()
    };
    apply(web, who, &input, clock).await
}

/// A reform over the whole city: `changes` are `KEY=VALUE` or `KEY=+5%` on parameters.
pub async fn what_if(
    web: &Web,
    who: &Signed,
    month: Month,
    changes: &[String],
) -> Result<WhatIfView, WebError> {
    require(who, Duty::SimulatePolicy)?;
    if changes.is_empty() {
        return Err(WebError::invalid(
            "changes",
            "give at least one change, e.g. dibao.standard.urban=+5%",
        ));
    }
    let done = minsheng_app::policy::what_if(
        &web.store,
        &web.policy,
        month,
        changes,
        &minsheng_app::Quiet,
    )
    .await
    .map_err(|e| match e {
        minsheng_app::policy::WhatIfError::Change(reason) => WebError::invalid("changes", reason),
        minsheng_app::policy::WhatIfError::Store(e) => e.into(),
    })?;
    let city = minsheng_app::policy::CITY;
    let programs = done
        .simulation
        .programs
        .iter()
        .map(|(program, districts)| {
            let variable = web
                .policy
                .variable(program)
                .map(|id| &web.policy.variables[id]);
            let one_off = variable.is_some_and(|v| v.one_off);
            // Districts in code order, the city last.
            let rows = districts
                .iter()
                .filter(|(d, _)| d.as_str() != city)
                .chain(districts.iter().filter(|(d, _)| d.as_str() == city))
                .map(|(district, l)| ImpactRow {
                    district_name: done
                        .district_names
                        .get(district)
                        .cloned()
                        .unwrap_or_else(|| district.clone()),
                    district: district.clone(),
                    beneficiaries_before: l.beneficiaries_before,
                    beneficiaries_after: l.beneficiaries_after,
                    monthly_before_fen: l.monthly_before,
                    monthly_after_fen: l.monthly_after,
                    yearly_change_fen: (!one_off)
                        .then_some((l.monthly_after - l.monthly_before) * 12),
                    gaining: l.gaining,
                    losing: l.losing,
                    newly_eligible: l.newly_eligible,
                })
                .collect();
            ProgramImpact {
                program: program.clone(),
                label: variable.map(|v| v.label.clone()).unwrap_or_default(),
                rows,
            }
        })
        .collect();
    Ok(WhatIfView {
        month: month.to_string(),
        changes: changes.to_vec(),
        households: done.households as u64,
        persons: done.persons as u64,
        programs,
        undefined: done.simulation.undefined as u64,
        seconds: done.elapsed.as_secs_f64(),
    })
}

/// Changes as a form or a query gives them: one per line or comma-separated.
pub fn changes(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

fn request_view(web: &Web, r: &minsheng_assistance::storage::RequestRecord) -> RequestView {
    RequestView {
        id: r.id,
        household: r.household.clone(),
        program_labels: r.programs.iter().map(|p| program_label(web, p)).collect(),
        programs: r.programs.clone(),
        note: r.note.clone(),
        requested_at: china_time(r.requested_at),
        status_label: request_status_label(&r.status).to_string(),
        status: r.status.clone(),
        handled_by: r.handled_by.clone(),
        application_id: r.application_id,
        reason: r.reason.clone(),
    }
}

/// The programs a resident may ask for: those granted on application (the others come
/// without asking: 免申即享).
pub fn programs_on_application(web: &Web) -> Vec<(String, String)> {
    web.policy
        .programs
        .iter()
        .filter(|p| p.grant == minsheng_policy::Grant::Application)
        .map(|p| (p.code.clone(), p.label.clone()))
        .collect()
}

/// A resident asks for help for their own household.
pub async fn request_help(
    web: &Web,
    who: &Signed,
    input: &RequestInput,
    clock: Clock,
) -> Result<RequestView, WebError> {
    let minsheng_core::access::Account::Resident { id_number, .. } = &who.account else {
        return Err(WebError::Forbidden(
            "staff apply for a household with a one-thing application".into(),
        ));
    };
    let programs: Vec<String> = input
        .programs
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    let request = minsheng_assistance::requests::ask(
        &web.store,
        &web.policy,
        id_number,
        who.account.name(),
        &who.account.scope(),
        &programs,
        input.note.as_deref().unwrap_or(""),
        clock,
    )
    .await?;
    Ok(request_view(web, &request))
}

/// Requests within the account's area (a resident: their household's).
pub async fn requests(
    web: &Web,
    who: &Signed,
    waiting_only: bool,
) -> Result<Vec<RequestView>, WebError> {
    Ok(web
        .store
        .requests()
        .requests_within(&who.account.scope(), waiting_only)
        .await?
        .iter()
        .map(|r| request_view(web, r))
        .collect())
}

/// 受理: the request becomes a one-thing application, by the resident as applicant.
pub async fn accept_request(
    web: &Web,
    who: &Signed,
    id: i64,
    clock: Clock,
) -> Result<SubmittedView, WebError> {
    let staff = staff(who)?;
    let submitted = minsheng_assistance::requests::accept(
        &web.store,
        &web.policy,
        id,
        &who.account.scope(),
        &staff.name,
        clock,
    )
    .await?;
    Ok(submitted_view(submitted))
}

/// 不予受理, with the reason the resident will read.
pub async fn decline_request(
    web: &Web,
    who: &Signed,
    id: i64,
    reason: &str,
    clock: Clock,
) -> Result<RequestView, WebError> {
    let staff = staff(who)?;
    if !matches!(
        staff.role,
        minsheng_core::access::Role::Community | minsheng_core::access::Role::Street
    ) {
        return Err(WebError::Forbidden(
            "requests are answered by community and street staff".into(),
        ));
    }
    let request = minsheng_assistance::requests::decline(
        &web.store,
        id,
        &who.account.scope(),
        reason,
        &staff.name,
        clock,
    )
    .await?;
    Ok(request_view(web, &request))
}

/// A service provider's roster: the older residents of its area and what the rules grant each
/// of them for services in `month`, a page at a time. Reading it is audited, like any list of
/// named people shown outside the bureau.
pub async fn roster(
    web: &Web,
    who: &Signed,
    month: Month,
    page: u32,
    per_page: u32,
    clock: Clock,
) -> Result<RosterPage, WebError> {
    let Some(area) = who.account.service_area() else {
        return Err(WebError::Forbidden(
            "the service roster is for service providers".into(),
        ));
    };
    let on = month.first_day();
    let from_age = web
        .policy
        .count("eldercare.meal_aid.min_age", on)
        .ok_or_else(|| WebError::Internal(format!("no eldercare.meal_aid.min_age on {on}")))?;
    let born_by = on
        .checked_sub_months(chrono::Months::new(12 * from_age))
        .ok_or_else(|| WebError::invalid("month", "too early"))?;
    let (entries, total) = web
        .store
        .service_roster(
            area,
            on,
            born_by,
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await?;
    web.audit
        .record(read_entry(
            who,
            "read_service_roster",
            area.as_str(),
            format!("month={month} page={page} via=web"),
            clock,
        ))
        .await?;
    let variable = |name: &str| {
        web.policy
            .variable(name)
            .ok_or_else(|| WebError::Internal(format!("the policy has no variable {name}")))
    };
    let canteen = variable("meal_aid_canteen_per_meal")?;
    let delivered = variable("meal_aid_delivery_per_meal")?;
    let rural = variable("rural_elder_consumption_subsidy")?;
    let scope = Scope::Area(area.clone());
    let mut items = Vec::with_capacity(entries.len());
    // The roster is ordered by household: each household is read and evaluated once for
    // all its older members on the page.
    for group in entries.chunk_by(|a, b| a.household == b.household) {
        let file = web
            .store
            .household_file_within(&group[0].household, &scope)
            .await?;
        let members = file.as_of(on, clock.now);
        let mut evaluation =
            minsheng_policy::Evaluation::of_household(&web.policy, month, &members, false);
        let living_together = members
            .iter()
            .filter(|(_, f)| f.lives_together && f.death_date.is_none())
            .count();
        for entry in group {
            let Some(index) = members
                .iter()
                .position(|(p, _)| p.id_number == entry.id_number)
            else {
                continue;
            };
            let mut fen = |id| match evaluation.variable(id, Some(index)) {
                Ok(minsheng_policy::Value::Money(amount)) => amount.0,
                _ => 0,
            };
            let (person, facts) = members[index];
            items.push(RosterPersonView {
                name: entry.name.clone(),
                id_number: entry.id_number.masked(),
                sex: person.sex().label_zh().into(),
                age: minsheng_core::registry::describe::age(person.birth_date(), on),
                area: entry.area.clone(),
                lives_alone: facts.lives_together && living_together == 1,
                canteen_meal_fen: fen(canteen),
                delivered_meal_fen: fen(delivered),
                rural_consumption_fen: fen(rural),
            });
        }
    }
    Ok(RosterPage {
        area: area.to_string(),
        month: month.to_string(),
        from_age,
        items,
        total,
        page,
        per_page,
    })
}
