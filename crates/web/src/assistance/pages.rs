//! The pages of social assistance: server-rendered HTML, every form with the session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use minsheng_app::Clock;
use minsheng_core::access::Account;
use serde::Deserialize;

use crate::assistance::view::{
    ApplicationInput, CaseDetail, DeclineInput, FindingPage, RequestInput, StepInput, SubmittedView,
};
use crate::error::{PageError, WebError};
use crate::extract::{PagePath, PageQuery};
use crate::Web;
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::{CsrfForm, Frame};
use crate::registry::pages::household_page;
use crate::registry::view::{ExplanationView, HouseholdView};
use crate::session::{OnPage, Signed};

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    frame: Option<Frame>,
    csrf: String,
    detail: CaseDetail,
    explained: Option<ExplanationView>,
    message: Option<String>,
}

async fn case_page(
    web: &Web,
    who: &Signed,
    id: i64,
    message: Option<String>,
    clock: Clock,
) -> Result<Html<String>, PageError> {
    let detail = crate::assistance::queries::case(web, who, id, clock).await?;
    // The rules' view of the household for this month: what the reviewer and the approver
    // weigh (the case page of a closed case keeps it too, as the record of why).
    let explained = crate::registry::queries::explain(
        web,
        who,
        &detail.case.household,
        minsheng_core::Month::containing(clock.today),
        Some(&detail.case.program),
        clock,
    )
    .await
    .ok();
    let page = CasePage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        detail,
        explained,
        message,
    };
    Ok(Html(page.render()?))
}

pub async fn case(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
) -> Result<Html<String>, PageError> {
    case_page(&web, &who, id, None, web.clock()).await
}

/// A step from the case page; a refused step shows the page again with the reason.
pub async fn step(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
    // serde_html_form: the survey's team comes as one `surveyor` field per ticked name.
    axum_extra::extract::Form(input): axum_extra::extract::Form<StepInput>,
) -> Result<Response, PageError> {
    who.check_csrf(input.csrf.as_deref().unwrap_or(""))?;
    let clock = web.clock();
    match crate::assistance::queries::step(&web, &who, id, &input, clock).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let status = e.status();
            Ok((
                status,
                case_page(
                    &web,
                    &who,
                    id,
                    Some(e.message(crate::i18n::current())),
                    clock,
                )
                .await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "apply.html")]
struct ApplyPage {
    frame: Option<Frame>,
    csrf: String,
    file: HouseholdView,
    /// (code, label) of the programs granted on application.
    programs: Vec<(String, String)>,
    /// (ID number, label) of the members who can apply.
    members: Vec<(String, String)>,
    /// (code, label) of the facts the form asks about, for each member.
    facts: &'static [(&'static str, &'static str)],
    message: Option<String>,
}

/// The facts an application most often brings that the registry may not have yet: each kind of
/// monthly income, what the household owns, and the last twelve months' rigid spending. Each is
/// a labelled field per member; what is filled becomes that member's change (`FactChange`), as
/// an import's column of the same code would.
pub(crate) const APPLICATION_FACTS: &[(&str, &str)] = &[
    ("income_wage", "工资性收入（元/月）"),
    ("income_business", "经营净收入（元/月）"),
    ("income_property", "财产净收入（元/月）"),
    ("income_transfer", "转移净收入（元/月）"),
    ("income_pension", "养老金（元/月）"),
    ("deposits", "存款及金融资产（元）"),
    ("vehicles", "机动车辆数"),
    ("homes", "自有住房套数"),
    ("expense_medical", "近12个月医疗支出（元）"),
    ("expense_education", "近12个月教育支出（元）"),
    ("expense_rehabilitation", "近12个月康复支出（元）"),
];

/// A member's fact field: `fact:<ID number>:<code>`.
const FACT_FIELD: &str = "fact:";

async fn apply_page(
    web: &Web,
    who: &Signed,
    key: &str,
    message: Option<String>,
    clock: Clock,
) -> Result<Html<String>, PageError> {
    let (full, file) =
        crate::registry::queries::household_and_file(web, who, key, clock.today, false, clock)
            .await?;
    let members = full
        .as_of(clock.today, clock.now)
        .iter()
        .map(|(p, f)| {
            (
                p.id_number.as_str().to_string(),
                format!(
                    "{} · {} · {}",
                    p.name,
                    f.relation.label_zh(),
                    p.id_number.masked()
                ),
            )
        })
        .collect();
    let programs = crate::assistance::queries::programs_on_application(web);
    let page = ApplyPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        file,
        programs,
        members,
        facts: APPLICATION_FACTS,
        message,
    };
    Ok(Html(page.render()?))
}

/// Whether the account accepts applications (社区经办, 街道审核): whom the form and its link
/// are for; anyone else would only be refused on sending it.
pub(crate) fn accepts_applications(account: &minsheng_core::access::Account) -> bool {
    use minsheng_core::access::Role;
    matches!(account.role(), Some(Role::Community | Role::Street))
}

pub async fn apply_form(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(key): PagePath<String>,
) -> Result<Html<String>, PageError> {
    if !accepts_applications(&who.account) {
        return Err(WebError::Forbidden("申请由社区和街道工作人员受理".into()).into());
    }
    apply_page(&web, &who, &key, None, web.clock()).await
}

/// The application form as sent: its fixed fields, and the facts filled in for each member,
/// turned into the lines `ID:code=value` the application takes.
#[derive(Debug, Default)]
pub struct ApplyForm {
    program: Vec<String>,
    applicant: Option<String>,
    proxy: Option<String>,
    changes: Vec<String>,
    facts_from: Option<String>,
    csrf: Option<String>,
}

impl ApplyForm {
    fn read(fields: Vec<(String, String)>) -> ApplyForm {
        let mut form = ApplyForm::default();
        for (name, value) in fields {
            let value = value.trim().to_string();
            match name.as_str() {
                "program" => form.program.push(value),
                "applicant" => form.applicant = Some(value),
                "proxy" => form.proxy = Some(value),
                "facts_from" => form.facts_from = Some(value),
                "csrf" => form.csrf = Some(value),
                _ => {
                    if let Some((id, code)) = name
                        .strip_prefix(FACT_FIELD)
                        .and_then(|rest| rest.split_once(':'))
                    {
                        if !value.is_empty() {
                            form.changes.push(format!("{id}:{code}={value}"));
                        }
                    }
                }
            }
        }
        form
    }
}

#[derive(Template)]
#[template(path = "submitted.html")]
struct SubmittedPage {
    frame: Option<Frame>,
    submitted: SubmittedView,
}

pub async fn apply(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(key): PagePath<String>,
    axum_extra::extract::Form(fields): axum_extra::extract::Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = ApplyForm::read(fields);
    who.check_csrf(form.csrf.as_deref().unwrap_or(""))?;
    let clock = web.clock();
    let input = ApplicationInput {
        household: key.clone(),
        programs: form.program.join(","),
        applicant: form.applicant,
        proxy: form.proxy,
        changes: (!form.changes.is_empty()).then(|| form.changes.join("\n")),
        facts_from: form.facts_from,
        csrf: None,
    };
    match crate::assistance::queries::apply(&web, &who, &input, clock).await {
        Ok(submitted) => {
            let page = SubmittedPage {
                frame: Frame::of(&who),
                submitted,
            };
            Ok(Html(page.render()?).into_response())
        }
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let status = e.status();
            Ok((
                status,
                apply_page(
                    &web,
                    &who,
                    &key,
                    Some(e.message(crate::i18n::current())),
                    clock,
                )
                .await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    frame: Option<Frame>,
    csrf: String,
    month: String,
    found: FindingPage,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct FindingParams {
    month: Option<String>,
    page: Option<String>,
}

async fn findings_page(
    web: &Web,
    who: &Signed,
    month: Option<&str>,
    page: Option<&str>,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let month = crate::queries::parse_month(month, web.clock())?;
    let (page, per_page) = crate::queries::parse_page(page, None)?;
    let found = crate::assistance::queries::findings(web, who, month, page, per_page).await?;
    let page = FindingsPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        month: month.to_string(),
        found,
        message,
    };
    Ok(Html(page.render()?))
}

pub async fn findings(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<FindingParams>,
) -> Result<Html<String>, PageError> {
    findings_page(
        &web,
        &who,
        params.month.as_deref(),
        params.page.as_deref(),
        None,
    )
    .await
}

/// The export of findings: its columns, and its sheet's name.
pub const FINDING_HEADERS: [&str; 7] = [
    "家庭",
    "项目",
    "发现",
    "按规则每月",
    "上次发放",
    "与此互斥, 已享受:",
    "主动发现",
];

/// A month's open findings within the account's area as an Excel workbook (at most
/// [`EXPORT_ROWS`]), the export audited.
pub async fn findings_xlsx(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<FindingParams>,
) -> Result<Response, PageError> {
    let month = crate::queries::parse_month(params.month.as_deref(), web.clock())?;
    let found = crate::assistance::queries::findings(&web, &who, month, 1, EXPORT_ROWS).await?;
    let t = |text: &str| crate::i18n::current().translate(text).into_owned();
    let rows: Vec<Vec<String>> = found
        .items
        .iter()
        .map(|f| {
            vec![
                f.household.clone(),
                t(&f.program_label),
                t(&f.kind_label),
                f.owed.clone(),
                f.last_owed.clone().unwrap_or_default(),
                f.excluded_by.as_deref().map(t).unwrap_or_default(),
            ]
        })
        .collect();
    let headers = FINDING_HEADERS.map(t);
    Ok(crate::pages::xlsx_download(
        &web,
        &who,
        "findings",
        &headers,
        &rows,
        "export_findings",
        format!("of={} month={month}", found.total),
    )
    .await?)
}

/// 立案: a case from a finding, in one click.
pub async fn open_case(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    match crate::assistance::queries::open_case(&web, &who, id, web.clock()).await {
        Ok(submitted) => {
            let page = SubmittedPage {
                frame: Frame::of(&who),
                submitted,
            };
            Ok(Html(page.render()?).into_response())
        }
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let status = e.status();
            Ok((
                status,
                findings_page(
                    &web,
                    &who,
                    None,
                    None,
                    Some(e.message(crate::i18n::current())),
                )
                .await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    program: Vec<String>,
    note: Option<String>,
    csrf: Option<String>,
}

/// A resident's request, from their household page.
pub async fn request_help(
    State(web): State<Web>,
    OnPage(who): OnPage,
    axum_extra::extract::Form(form): axum_extra::extract::Form<RequestForm>,
) -> Result<Response, PageError> {
    who.check_csrf(form.csrf.as_deref().unwrap_or(""))?;
    let clock = web.clock();
    let Account::Resident { id_number, .. } = &who.account else {
        return Err(WebError::Forbidden("工作人员请使用“一件事”申请表为家庭申请".into()).into());
    };
    let input = RequestInput {
        programs: form.program.join(","),
        note: form.note,
        csrf: None,
    };
    let message = match crate::assistance::queries::request_help(&web, &who, &input, clock).await {
        Ok(_) => "申请已提交，等待社区受理。".to_string(),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            crate::i18n::current().message(&format!("未提交：{e}"))
        }
        Err(e) => return Err(e.into()),
    };
    household_page(
        &web,
        &who,
        id_number.as_str(),
        None,
        false,
        Some(message),
        clock,
    )
    .await
}

pub async fn accept_request(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let submitted = crate::assistance::queries::accept_request(&web, &who, id, web.clock()).await?;
    let page = SubmittedPage {
        frame: Frame::of(&who),
        submitted,
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn decline_request(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
    Form(form): Form<DeclineInput>,
) -> Result<Response, PageError> {
    who.check_csrf(form.csrf.as_deref().unwrap_or(""))?;
    crate::assistance::queries::decline_request(&web, &who, id, &form.reason, web.clock()).await?;
    Ok(Redirect::to("/").into_response())
}

/// The cases a list may filter by, as the inbox and its export take them.
#[derive(Debug, Deserialize)]
pub struct ListFilter {
    program: Option<String>,
    stage: Option<String>,
    overdue: Option<String>,
}

/// The export's columns, and its sheet's name.
pub const EXPORT_HEADERS: [&str; 9] = [
    "案件",
    "家庭",
    "项目",
    "环节",
    "受理日期",
    "本环节期限",
    "剩余工作日",
    "全程期限",
    "待办案件",
];

/// The most rows an export holds: an area's open cases, not the city's history.
const EXPORT_ROWS: u32 = 10_000;

/// The inbox's open cases, as filtered, as an Excel workbook: staff only, within their area,
/// the export audited.
pub async fn cases_xlsx(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<ListFilter>,
) -> Result<Response, PageError> {
    if !who.account.is_staff() {
        return Err(WebError::Forbidden("案件清单由工作人员导出".into()).into());
    }
    let clock = web.clock();
    let filter = crate::assistance::queries::case_filter(
        &web,
        params.program.as_deref(),
        params.stage.as_deref(),
        params.overdue.as_deref(),
        clock,
    )?;
    let scope = who.account.scope();
    let list =
        crate::assistance::queries::cases(&web, &scope, true, &filter, 1, EXPORT_ROWS, clock)
            .await?;
    let t = |text: &str| crate::i18n::current().translate(text).into_owned();
    let headers = EXPORT_HEADERS.map(t);
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let rows: Vec<Vec<String>> = list
        .items
        .iter()
        .map(|c| {
            vec![
                c.id.to_string(),
                c.household.clone(),
                t(&c.program_label),
                t(&c.stage_label),
                c.accepted_on.to_string(),
                day(c.due_on),
                c.working_days_left
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
                day(c.final_due_on),
            ]
        })
        .collect();
    let detail = format!(
        "of={} program={} stage={} overdue={}",
        list.total,
        filter.program.as_deref().unwrap_or(""),
        filter.stage.map_or("", |s| s.as_str()),
        filter.overdue_on.is_some()
    );
    Ok(
        crate::pages::xlsx_download(&web, &who, "cases", &headers, &rows, "export_cases", detail)
            .await?,
    )
}
