//! The pages: server-rendered HTML in Chinese (or English, see `i18n`), one template per page,
//! every form with the session's CSRF token. Here are the frame every page shares, signing in
//! and out, the home page (a staff member's inbox, a resident's own household) and the
//! stylesheet; each context's pages are in its module.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use minsheng_core::access::Account;
use serde::Deserialize;

use crate::error::{PageError, WebError};
// The templates' `t` filter.
use crate::assistance::view::{CaseList, RequestList};
use crate::extract::PageQuery;
use crate::i18n::filters;
use crate::registry::pages::household_page;
use crate::session::{
    constant_time_eq, login_csrf_cookie, session_cookie, OnPage, Signed, LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
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
    pub(crate) fn of(who: &Signed) -> Option<Frame> {
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
        message: e.message(crate::i18n::current()),
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
    source: crate::session::Source,
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
    if let Err(e) = web.throttle.check(source, &login) {
        let page = login_page(&web, jar, login, Some(e.message(crate::i18n::current())))?;
        return Ok(e.with_headers((e.status(), page).into_response()));
    }
    match minsheng_app::accounts::sign_in(&web.store, &login, &form.password, web.clock()).await {
        Ok(session) => {
            web.throttle.succeeded(source, &login);
            let jar = jar
                .remove(login_csrf_cookie(String::new(), web.secure_cookies))
                .add(session_cookie(session.token, web.secure_cookies));
            Ok((jar, Redirect::to("/")).into_response())
        }
        Err(minsheng_app::accounts::AccountError::WrongCredentials) => {
            web.throttle.failed(source, &login);
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
    pub(crate) csrf: String,
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
    requests: RequestList,
    cases: CaseList,
    /// The filter's choices and what is chosen: programs (code, label), stages (code, label).
    programs: Vec<(String, String)>,
    stages: Vec<(&'static str, &'static str)>,
    program: String,
    stage: &'static str,
    overdue: bool,
    /// `&program=…&stage=…&overdue=true` as chosen, for the pages' links.
    query: String,
}

/// Staff: the inbox. A resident: their household.
#[derive(Debug, Deserialize)]
pub struct InboxParams {
    page: Option<String>,
    program: Option<String>,
    stage: Option<String>,
    overdue: Option<String>,
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
        // A canteen's staff start at the day's orders; other providers at their roster.
        use minsheng_eldercare::meals::MealsStore as _;
        let canteen = web.store.meals().canteen_of(who.account.name()).await?;
        let start = if canteen.is_some() {
            "/meals"
        } else {
            "/roster"
        };
        return Ok(Redirect::to(start).into_response());
    }
    let (page, per_page) = crate::queries::parse_page(params.page.as_deref(), None)?;
    let filter = crate::assistance::queries::case_filter(
        &web,
        params.program.as_deref(),
        params.stage.as_deref(),
        params.overdue.as_deref(),
        clock,
    )?;
    let cases = crate::assistance::queries::cases(
        &web,
        &who.account.scope(),
        true,
        &filter,
        page,
        per_page,
        clock,
    )
    .await?;
    // The filter again, for the form and for the next and previous pages.
    let mut query = Vec::new();
    if let Some(p) = &filter.program {
        query.push(format!("program={p}"));
    }
    if let Some(s) = filter.stage {
        query.push(format!("stage={}", s.as_str()));
    }
    if filter.overdue_on.is_some() {
        query.push("overdue=true".to_string());
    }
    let requests =
        crate::assistance::queries::requests(&web, &who, true, 1, crate::queries::PER_PAGE).await?;
    let page = InboxPage {
        frame: Frame::of(&who),
        csrf: who.csrf().to_string(),
        requests,
        cases,
        programs: crate::assistance::queries::programs_on_application(&web),
        stages: minsheng_assistance::Stage::ALL
            .iter()
            .filter(|s| **s != minsheng_assistance::Stage::Closed)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        program: filter.program.clone().unwrap_or_default(),
        stage: filter.stage.map_or("", |s| s.as_str()),
        overdue: filter.overdue_on.is_some(),
        query: query.iter().map(|q| format!("&{q}")).collect(),
    };
    Ok(Html(page.render()?).into_response())
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            // No personal data in it: a browser may keep it for an hour.
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/minsheng.css"),
    )
}

#[derive(Debug, Deserialize)]
pub struct MonthParams {
    pub(crate) month: Option<String>,
}

/// A list as an Excel workbook to download, its export audited: `headers` are the columns and
/// then the sheet's name (already in the reader's language), `action` and `detail` the audit
/// entry's; the file is called `minsheng-<name>-<today>.xlsx`.
pub(crate) async fn xlsx_download(
    web: &Web,
    who: &Signed,
    name: &str,
    headers: &[String],
    rows: &[Vec<String>],
    action: &str,
    detail: String,
) -> Result<Response, WebError> {
    let clock = web.clock();
    let Some((sheet, columns)) = headers.split_last() else {
        return Err(WebError::Internal("an export without columns".into()));
    };
    let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
    let bytes = minsheng_exchange::table_xlsx(sheet, &columns, rows)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let area = match &who.account {
        Account::Staff(s) => s.area.to_string(),
        Account::Resident { .. } => String::new(),
    };
    web.audit
        .record(crate::registry::queries::read_entry(
            who,
            action,
            &area,
            format!("rows={} {detail} via=web", rows.len()),
            clock,
        ))
        .await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"minsheng-{name}-{}.xlsx\"",
                    clock.today
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}
