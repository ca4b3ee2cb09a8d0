//! What a signed-in person asks of social assistance, answered within their scope and audited where
//! the rules require it. Pages and endpoints are thin shells over these.

use minsheng_app::china_time;
use minsheng_app::Clock;
use minsheng_assistance::storage::{CasesStore as _, DiscoveryStore as _, RequestsStore as _};
use minsheng_assistance::Action;
use minsheng_core::access::Scope;
use minsheng_core::Month;

use crate::assistance::view::{
    ApplicationInput, CaseDetail, CaseList, CaseView, FindingPage, FindingView, RequestInput,
    RequestList, RequestView, StepInput, SubmittedCase, SubmittedView,
};
use crate::error::WebError;
use crate::queries::{parse_day, program_label};
use crate::registry::view::HouseholdView;
use crate::session::Signed;
use crate::Web;

/// A page of the cases within `scope`, overdue first, then by working days left; cases
/// without a deadline last.
/// A case list's filter as a page or the API asks for it: a program's code, a stage, and
/// `overdue` (`true`: the current step's deadline has passed). Each refused by name.
pub fn case_filter(
    web: &Web,
    program: Option<&str>,
    stage: Option<&str>,
    overdue: Option<&str>,
    clock: Clock,
) -> Result<minsheng_assistance::storage::CaseFilter, WebError> {
    fn given(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    let program = match given(program) {
        Some(code) if web.policy.program(code).is_some() => Some(code.to_string()),
        Some(code) => {
            return Err(WebError::invalid(
                "program",
                format!("「{code}」不是救助项目"),
            ))
        }
        None => None,
    };
    let stage = given(stage)
        .map(minsheng_assistance::Stage::parse)
        .transpose()
        .map_err(|e| WebError::invalid("stage", e))?;
    let overdue_on = match given(overdue) {
        Some("true" | "on" | "1") => Some(clock.today),
        Some("false" | "0") | None => None,
        Some(other) => {
            return Err(WebError::invalid(
                "overdue",
                format!("「{other}」应为 true 或 false"),
            ))
        }
    };
    Ok(minsheng_assistance::storage::CaseFilter {
        program,
        stage,
        overdue_on,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn cases(
    web: &Web,
    scope: &Scope,
    open_only: bool,
    filter: &minsheng_assistance::storage::CaseFilter,
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
            filter,
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await?;
    let calendar = web.store.work_calendar().await?;
    Ok(CaseList {
        items: list
            .iter()
            .map(|c| CaseView::of(c, &web.policy, &calendar, clock.today))
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
        .map(|c| CaseView::of(c, &web.policy, &calendar, clock.today))
        .collect())
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
                    None => WebError::invalid("changes", "填写有误"),
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
            "只有工作人员可以办理案件环节或受理申请".into(),
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
    let mut detail = CaseDetail::of(
        &record,
        &events,
        &objections,
        offered,
        &web.policy,
        &calendar,
        clock.today,
    );
    if detail.offers("survey") {
        use minsheng_core::access::Role;
        detail.surveyors = web
            .store
            .staff_over(&record.case.area, &[Role::Community, Role::Street])
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect();
    }
    Ok(detail)
}

fn required<'a>(field: &str, value: &'a Option<String>) -> Result<&'a str, WebError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| WebError::invalid(field, "必填"))
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
                format!("「{other}」应为 {yes} 或 {no}"),
            )),
        }
    };
    Ok(match input.action.trim() {
        "survey" => {
            let typed = input.surveyors.as_deref().unwrap_or_default();
            let surveyors: Vec<String> = (input.surveyor.iter().map(String::as_str))
                .chain(typed.split([',', '，', '、']))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if surveyors.is_empty() {
                return Err(WebError::invalid("surveyors", "必填"));
            }
            Action::Survey {
                surveyors,
                report: text()?,
            }
        }
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
                .map_err(|_| WebError::invalid("objection", "不是异议编号"))?,
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
                    "「{other}」不是可办理的环节（survey、review、object、resolve、decide、notify、withdraw）"
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
            .map_err(|_| WebError::invalid("facts_from", "不是 2025-06-30 这样的日期"))?,
    };
    if form.programs.is_empty() {
        return Err(WebError::invalid("programs", "至少选择一个救助项目"));
    }
    let submitted =
        minsheng_assistance::cases::submit(&web.store, &web.policy, &form, &staff.name, clock)
            .await?;
    Ok(submitted_view(web, submitted))
}

fn submitted_view(web: &Web, submitted: minsheng_assistance::cases::Submitted) -> SubmittedView {
    SubmittedView {
        application_id: submitted.application_id,
        household: submitted.household,
        cases: submitted
            .cases
            .into_iter()
            .map(|(case, program, owed, why)| SubmittedCase {
                case,
                program_label: program_label(web, &program),
                program,
                owed_now: owed.grouped(),
                why,
            })
            .collect(),
        provisional: submitted.provisional,
    }
}

pub(crate) fn request_status_label(status: &str) -> &'static str {
    match status {
        "waiting" => "等待社区受理",
        "accepted" => "已受理",
        _ => "不予受理",
    }
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
        return Err(WebError::Forbidden("核查发现仅限工作人员查看".into()));
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
                excluded_by: f
                    .finding
                    .excluded_by
                    .as_deref()
                    .map(|p| program_label(web, p)),
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
                "发现线索 {finding} 为「{}」{}：只有尚未纳入的符合条件家庭的未关闭线索可以立案",
                found.finding.kind.label(),
                if found.open { "" } else { "（已关闭）" }
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
            "工作人员请使用“一件事”申请表为家庭申请".into(),
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

/// A page of the requests within the account's area (a resident: their household's), with
/// how many there are in all.
pub async fn requests(
    web: &Web,
    who: &Signed,
    waiting_only: bool,
    page: u32,
    per_page: u32,
) -> Result<RequestList, WebError> {
    let (records, total) = web
        .store
        .requests()
        .requests_within(
            &who.account.scope(),
            waiting_only,
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await?;
    Ok(RequestList {
        items: records.iter().map(|r| request_view(web, r)).collect(),
        total,
        page,
        per_page,
    })
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
    Ok(submitted_view(web, submitted))
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
        return Err(WebError::Forbidden("求助由社区和街道工作人员答复".into()));
    }
    let request = minsheng_assistance::requests::decline(
        &web.store,
        &web.policy,
        id,
        &who.account.scope(),
        reason,
        &staff.name,
        clock,
    )
    .await?;
    Ok(request_view(web, &request))
}
