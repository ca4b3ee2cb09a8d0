//! The pages: server-rendered HTML in Chinese (or English, see `i18n`), one template per page, every form with the
//! session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use minsheng_app::Clock;
use minsheng_core::access::Account;
use serde::Deserialize;

use crate::error::{PageError, WebError};
// The templates' `t` filter.
use crate::extract::{PagePath, PageQuery};
use crate::i18n::filters;
use crate::queries;
use crate::session::{
    constant_time_eq, login_csrf_cookie, session_cookie, OnPage, Signed, LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
};
use crate::view::{
    ApplicationInput, AuditView, CaseDetail, CaseList, CaseView, CycleView, Dashboard,
    DeclineInput, ExplanationView, FindingPage, HouseholdView, RequestInput, RequestView,
    RosterPage, SearchPage, StepInput, SubmittedView, WhatIfView,
};
use crate::Web;

/// The header of every page for a signed-in person.
pub struct Frame {
    pub name: String,
    pub role_label: &'static str,
    pub area: Option<String>,
    pub is_staff: bool,
    /// A service provider: its roster is all it has.
    pub is_provider: bool,
    pub sees_payments: bool,
    pub csrf: String,
}

impl Frame {
    fn of(who: &Signed) -> Option<Frame> {
        Some(Frame {
            name: who.account.name().to_string(),
            role_label: who.account.role_label(),
            area: match &who.account {
                Account::Staff(s) => Some(s.area.to_string()),
                Account::Resident { .. } => None,
            },
            is_staff: who.account.is_staff(),
            is_provider: who.account.service_area().is_some(),
            sees_payments: who.account.may(minsheng_core::access::Duty::SeePayments),
            csrf: who.csrf().to_string(),
        })
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    frame: Option<Frame>,
    title: &'static str,
    message: String,
}

pub fn error_page(e: &WebError) -> Html<String> {
    let title = match e {
        WebError::NotFound(_) => "未找到",
        WebError::Forbidden(_) | WebError::CsrfRejected => "无权操作",
        WebError::Invalid { .. } => "输入有误",
        WebError::Conflict { .. } => "与已有记录冲突",
        WebError::Throttled { .. } => "尝试次数过多",
        _ => "出错了",
    };
    let page = ErrorPage {
        frame: None,
        title,
        message: e.to_string(),
    };
    Html(page.render().unwrap_or_else(|_| e.to_string()))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Option<Frame>,
    csrf: String,
    login: String,
    message: Option<String>,
}

fn login_page(
    web: &Web,
    jar: CookieJar,
    login: String,
    message: Option<String>,
) -> Result<Response, PageError> {
    let csrf = minsheng_app::accounts::random_token();
    let page = LoginPage {
        frame: None,
        csrf: csrf.clone(),
        login,
        message,
    };
    let jar = jar.add(login_csrf_cookie(csrf, web.secure_cookies));
    Ok((jar, Html(page.render()?)).into_response())
}

pub async fn login_form(State(web): State<Web>, jar: CookieJar) -> Result<Response, PageError> {
    login_page(&web, jar, String::new(), None)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(web): State<Web>,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(expected.as_bytes(), form.csrf.as_bytes()) {
        return Err(WebError::CsrfRejected.into());
    }
    let login = form.login.trim().to_string();
    if let Err(e) = web.throttle.check(&login) {
        let page = login_page(&web, jar, login, Some(e.to_string()))?;
        return Ok(e.with_headers((e.status(), page).into_response()));
    }
    match minsheng_app::accounts::sign_in(&web.store, &login, &form.password, web.clock()).await {
        Ok(session) => {
            web.throttle.succeeded(&login);
            let jar = jar
                .remove(login_csrf_cookie(String::new(), web.secure_cookies))
                .add(session_cookie(session.token, web.secure_cookies));
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(minsheng_app::accounts::AccountError::WrongCredentials) => {
            web.throttle.failed(&login);
            let page = login_page(
                &web,
                jar,
                login,
                Some(WebError::WrongCredentials.to_string()),
            )?;
            Ok((axum::http::StatusCode::UNAUTHORIZED, page).into_response())
        }
        Err(e) => Err(WebError::from(e).into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(web): State<Web>,
    OnPage(who): OnPage,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    if let Some(token) = jar.get(SESSION_COOKIE) {
        minsheng_app::accounts::sign_out(&web.store, token.value(), web.clock()).await?;
    }
    let jar = jar.remove(session_cookie(String::new(), web.secure_cookies));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    frame: Option<Frame>,
    csrf: String,
    requests: Vec<RequestView>,
    cases: CaseList,
}

/// Staff: the inbox. A resident: their household.
#[derive(Debug, Deserialize)]
pub struct InboxParams {
    page: Option<String>,
}

pub async fn home(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<InboxParams>,
) -> Result<Response, PageError> {
    let clock = web.clock();
    if let Account::Resident { id_number, .. } = &who.account {
        return household_page(&web, &who, id_number.as_str(), None, false, None, clock).await;
    }
    if who.account.service_area().is_some() {
        return Ok(Redirect::to("/roster").into_response());
    }
    let (page, per_page) = queries::parse_page(params.page.as_deref(), None)?;
    let cases = queries::cases(&web, &who.account.scope(), true, page, per_page, clock).await?;
    let requests = queries::requests(&web, &who, true).await?;
    let page = InboxPage {
        frame: Frame::of(&who),
        csrf: who.csrf().to_string(),
        requests,
        cases,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchView {
    frame: Option<Frame>,
    query: String,
    result: Option<SearchPage>,
}

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    page: Option<String>,
}

pub async fn search(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<SearchParams>,
) -> Result<Html<String>, PageError> {
    let query = params.q.unwrap_or_default();
    let result = if query.trim().is_empty() {
        None
    } else {
        let (page, per_page) = queries::parse_page(params.page.as_deref(), None)?;
        Some(queries::search(&web, &who, &query, page, per_page).await?)
    };
    let page = SearchView {
        frame: Frame::of(&who),
        query,
        result,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "household.html")]
struct HouseholdPage {
    frame: Option<Frame>,
    frame_csrf: String,
    is_staff: bool,
    /// A resident's requests and the programs they may ask for.
    requests: Vec<RequestView>,
    programs: Vec<(String, String)>,
    message: Option<String>,
    file: HouseholdView,
    cases: Vec<CaseView>,
    audit: Vec<AuditView>,
}

async fn household_page(
    web: &Web,
    who: &Signed,
    key: &str,
    on: Option<&str>,
    reveal: bool,
    message: Option<String>,
    clock: Clock,
) -> Result<Response, PageError> {
    let on = queries::parse_day(on, clock)?;
    let file = queries::household(web, who, key, on, reveal, clock).await?;
    let cases = queries::household_cases(web, who, &file, clock).await?;
    let audit = queries::household_audit(web, who, &file.household).await?;
    let resident = !who.account.is_staff();
    let page = HouseholdPage {
        frame: Frame::of(who),
        frame_csrf: who.csrf().to_string(),
        is_staff: !resident,
        requests: if resident {
            queries::requests(web, who, false).await?
        } else {
            Vec::new()
        },
        programs: if resident {
            queries::programs_on_application(web)
        } else {
            Vec::new()
        },
        message,
        file,
        cases,
        audit,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DayParams {
    on: Option<String>,
}

pub async fn household(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(key): PagePath<String>,
    PageQuery(params): PageQuery<DayParams>,
) -> Result<Response, PageError> {
    household_page(
        &web,
        &who,
        &key,
        params.on.as_deref(),
        false,
        None,
        web.clock(),
    )
    .await
}

/// Full ID numbers, on purpose (a form, so that a link cannot do it) and audited.
pub async fn reveal(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(key): PagePath<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    household_page(&web, &who, &key, None, true, None, web.clock()).await
}

#[derive(Template)]
#[template(path = "explain.html")]
struct ExplainPage {
    frame: Option<Frame>,
    explained: ExplanationView,
}

#[derive(Debug, Deserialize)]
pub struct MonthParams {
    month: Option<String>,
}

pub async fn explain(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(key): PagePath<String>,
    PageQuery(params): PageQuery<MonthParams>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let month = queries::parse_month(params.month.as_deref(), clock)?;
    let explained = queries::explain(&web, &who, &key, month, None, clock).await?;
    let page = ExplainPage {
        frame: Frame::of(&who),
        explained,
    };
    Ok(Html(page.render()?))
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/minsheng.css"),
    )
}

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
    let detail = queries::case(web, who, id, clock).await?;
    // The rules' view of the household for this month: what the reviewer and the approver
    // weigh (the case page of a closed case keeps it too, as the record of why).
    let explained = queries::explain(
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
    Form(input): Form<StepInput>,
) -> Result<Response, PageError> {
    who.check_csrf(input.csrf.as_deref().unwrap_or(""))?;
    let clock = web.clock();
    match queries::step(&web, &who, id, &input, clock).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let status = e.status();
            Ok((
                status,
                case_page(&web, &who, id, Some(e.to_string()), clock).await?,
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
    message: Option<String>,
}

async fn apply_page(
    web: &Web,
    who: &Signed,
    key: &str,
    message: Option<String>,
    clock: Clock,
) -> Result<Html<String>, PageError> {
    let (full, file) =
        queries::household_and_file(web, who, key, clock.today, false, clock).await?;
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
    let programs = queries::programs_on_application(web);
    let page = ApplyPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        file,
        programs,
        members,
        message,
    };
    Ok(Html(page.render()?))
}

pub async fn apply_form(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(key): PagePath<String>,
) -> Result<Html<String>, PageError> {
    if !who.account.is_staff() {
        return Err(WebError::Forbidden(
            "applications are accepted by community and street staff".into(),
        )
        .into());
    }
    apply_page(&web, &who, &key, None, web.clock()).await
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    program: Vec<String>,
    applicant: Option<String>,
    proxy: Option<String>,
    changes: Option<String>,
    facts_from: Option<String>,
    csrf: Option<String>,
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
    axum_extra::extract::Form(form): axum_extra::extract::Form<ApplyForm>,
) -> Result<Response, PageError> {
    who.check_csrf(form.csrf.as_deref().unwrap_or(""))?;
    let clock = web.clock();
    let input = ApplicationInput {
        household: key.clone(),
        programs: form.program.join(","),
        applicant: form.applicant,
        proxy: form.proxy,
        changes: form.changes,
        facts_from: form.facts_from,
        csrf: None,
    };
    match queries::apply(&web, &who, &input, clock).await {
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
                apply_page(&web, &who, &key, Some(e.to_string()), clock).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "payments.html")]
struct PaymentsPage {
    frame: Option<Frame>,
    csrf: String,
    cycle: CycleView,
    can_run: bool,
    can_approve: bool,
    message: Option<String>,
}

async fn payments_page(
    web: &Web,
    who: &Signed,
    month: minsheng_core::Month,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    use minsheng_core::access::Duty;
    let cycle = queries::cycle(web, who, month).await?;
    let page = PaymentsPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        cycle,
        can_run: who.account.may(Duty::RunPayments),
        can_approve: who.account.may(Duty::ApprovePayments),
        message,
    };
    Ok(Html(page.render()?))
}

pub async fn payments(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<MonthParams>,
) -> Result<Html<String>, PageError> {
    let month = queries::parse_month(params.month.as_deref(), web.clock())?;
    payments_page(&web, &who, month, None).await
}

#[derive(Debug, Deserialize)]
pub struct CycleForm {
    month: String,
    csrf: String,
}

/// compute, approve, disburse: each a form on the payments page.
pub async fn cycle_step(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(step): PagePath<String>,
    Form(form): Form<CycleForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let clock = web.clock();
    let month = queries::parse_month(Some(&form.month), clock)?;
    match queries::run_cycle(&web, &who, month, &step, clock).await {
        Ok(_) => Ok(Redirect::to(&format!("/payments?month={month}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let status = e.status();
            Ok((
                status,
                payments_page(&web, &who, month, Some(e.to_string())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn bank_file(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath((month, batch)): PagePath<(String, String)>,
) -> Result<Response, PageError> {
    let clock = web.clock();
    let month = queries::parse_month(Some(&month), clock)?;
    let batch: u32 = batch
        .strip_suffix(".csv")
        .and_then(|b| b.parse().ok())
        .ok_or_else(|| WebError::invalid("batch", "is not a batch number"))?;
    let bytes = queries::bank_file(&web, &who, month, batch, clock).await?;
    let name = format!("attachment; filename=\"minsheng-pay-{month}-batch{batch}.csv\"");
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, name),
        ],
        bytes,
    )
        .into_response())
}

/// The bank's return file, uploaded from the payments page.
pub async fn reconcile(
    State(web): State<Web>,
    OnPage(who): OnPage,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let (mut csrf, mut month, mut file) = (String::new(), None, Vec::new());
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::invalid("file", e.body_text()))?
    {
        match field.name() {
            Some("csrf") => {
                csrf = field
                    .text()
                    .await
                    .map_err(|e| WebError::invalid("csrf", e.body_text()))?
            }
            Some("month") => {
                month = Some(
                    field
                        .text()
                        .await
                        .map_err(|e| WebError::invalid("month", e.body_text()))?,
                )
            }
            Some("file") => {
                file = field
                    .bytes()
                    .await
                    .map_err(|e| WebError::invalid("file", e.body_text()))?
                    .to_vec()
            }
            _ => {}
        }
    }
    who.check_csrf(&csrf)?;
    let clock = web.clock();
    let month = queries::parse_month(month.as_deref(), clock)?;
    let message = match queries::reconcile(&web, &who, &file, clock).await {
        Ok(r) => format!(
            "回盘已导入：确认 {}，退回 {}（将在下一批次重新发送），此前已记录 {}。",
            r.confirmed, r.returned, r.already_recorded
        ),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            format!("回盘文件未导入：{e}")
        }
        Err(e) => return Err(e.into()),
    };
    Ok(payments_page(&web, &who, month, Some(message))
        .await?
        .into_response())
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    frame: Option<Frame>,
    d: Dashboard,
    total_net: String,
    tiles: Vec<crate::charts::Tile>,
    tiles_width: i64,
    tiles_height: i64,
    programs: crate::charts::BarChart,
    months: crate::charts::LineChart,
    /// month, program, district, payees, net
    rows: Vec<(String, String, String, u64, String)>,
}

#[derive(Debug, Deserialize)]
pub struct PeriodParams {
    from: Option<String>,
    to: Option<String>,
}

pub async fn dashboard(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<PeriodParams>,
) -> Result<Html<String>, PageError> {
    use crate::charts;
    let clock = web.clock();
    let (from, to) = queries::parse_period(params.from.as_deref(), params.to.as_deref(), clock)?;
    let d = queries::dashboard(&web, &who, from, to, clock).await?;
    let label = |code: &str| {
        web.policy
            .program(code)
            .map_or_else(|| code.to_string(), |p| p.label.clone())
    };
    let mut by_district: Vec<(String, String, i64)> = Vec::new();
    let mut by_program: Vec<(String, i64)> = Vec::new();
    let mut by_month: Vec<(String, i64)> = Vec::new();
    for t in &d.totals {
        if t.month == d.to {
            match by_district.iter_mut().find(|(c, _, _)| *c == t.district) {
                Some(e) => e.2 += t.net_fen,
                None => by_district.push((t.district.clone(), t.district_name.clone(), t.net_fen)),
            }
        }
        let program = label(&t.program);
        match by_program.iter_mut().find(|(p, _)| *p == program) {
            Some(e) => e.1 += t.payees as i64,
            None => by_program.push((program, t.payees as i64)),
        }
        match by_month.iter_mut().find(|(m, _)| *m == t.month) {
            Some(e) => e.1 += t.net_fen,
            None => by_month.push((t.month.clone(), t.net_fen)),
        }
    }
    let tiles = charts::districts(&by_district, charts::yuan);
    let total: i64 = d.totals.iter().map(|t| t.net_fen).sum();
    let page = DashboardPage {
        frame: Frame::of(&who),
        total_net: charts::yuan(total),
        tiles_width: 4 * (charts::TILE + 6),
        tiles_height: 4 * (charts::TILE / 2 + 6),
        tiles,
        programs: charts::bars(&by_program, |v| v.to_string()),
        months: charts::line(&by_month, charts::yuan),
        rows: d
            .totals
            .iter()
            .map(|t| {
                (
                    t.month.clone(),
                    label(&t.program),
                    t.district_name.clone(),
                    t.payees,
                    minsheng_core::Fen(t.net_fen).grouped(),
                )
            })
            .collect(),
        d,
    };
    Ok(Html(page.render()?))
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
    let month = queries::parse_month(month, web.clock())?;
    let (page, per_page) = queries::parse_page(page, None)?;
    let found = queries::findings(web, who, month, page, per_page).await?;
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

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterView {
    frame: Option<Frame>,
    roster: RosterPage,
}

#[derive(Debug, Deserialize)]
pub struct RosterParams {
    month: Option<String>,
    page: Option<String>,
}

/// A service provider's roster of older residents.
pub async fn roster(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<RosterParams>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let month = queries::parse_month(params.month.as_deref(), clock)?;
    let (page, per_page) = queries::parse_page(params.page.as_deref(), None)?;
    let roster = queries::roster(&web, &who, month, page, per_page, clock).await?;
    let page = RosterView {
        frame: Frame::of(&who),
        roster,
    };
    Ok(Html(page.render()?))
}

/// 立案: a case from a finding, in one click.
pub async fn open_case(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    match queries::open_case(&web, &who, id, web.clock()).await {
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
                findings_page(&web, &who, None, None, Some(e.to_string())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "whatif.html")]
struct WhatIfPage {
    frame: Option<Frame>,
    month: String,
    changes: String,
    result: Option<WhatIfView>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WhatIfParams {
    month: Option<String>,
    changes: Option<String>,
}

/// The what-if form, and with changes given, their effect (a GET: it changes nothing).
pub async fn what_if(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<WhatIfParams>,
) -> Result<Response, PageError> {
    if !who.account.may(minsheng_core::access::Duty::SimulatePolicy) {
        return Err(WebError::Forbidden(
            "policy what-if runs over the whole city: for the city's administrators and auditors"
                .into(),
        )
        .into());
    }
    let month = queries::parse_month(params.month.as_deref(), web.clock())?;
    let text = params.changes.unwrap_or_default();
    let changes = queries::changes(&text);
    let (result, message, status) = if changes.is_empty() {
        (None, None, axum::http::StatusCode::OK)
    } else {
        match queries::what_if(&web, &who, month, &changes).await {
            Ok(r) => (Some(r), None, axum::http::StatusCode::OK),
            Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
                (None, Some(e.to_string()), e.status())
            }
            Err(e) => return Err(e.into()),
        }
    };
    let page = WhatIfPage {
        frame: Frame::of(&who),
        month: month.to_string(),
        changes: text,
        result,
        message,
    };
    Ok((status, Html(page.render()?)).into_response())
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
        return Err(WebError::Forbidden(
            "staff apply for a household with a one-thing application".into(),
        )
        .into());
    };
    let input = RequestInput {
        programs: form.program.join(","),
        note: form.note,
        csrf: None,
    };
    let message = match queries::request_help(&web, &who, &input, clock).await {
        Ok(_) => "申请已提交，等待社区受理。".to_string(),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => format!("未提交：{e}"),
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
    let submitted = queries::accept_request(&web, &who, id, web.clock()).await?;
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
    queries::decline_request(&web, &who, id, &form.reason, web.clock()).await?;
    Ok(Redirect::to("/").into_response())
}
