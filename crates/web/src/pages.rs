//! The pages: server-rendered HTML in Chinese, one template per page, every form with the
//! session's CSRF token.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use minsheng_app::Clock;
use minsheng_core::access::Account;
use serde::Deserialize;

use crate::error::{PageError, WebError};
use crate::queries;
use crate::session::{
    constant_time_eq, login_csrf_cookie, session_cookie, OnPage, Signed, LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
};
use crate::view::{AuditView, CaseList, CaseView, ExplanationView, HouseholdView, SearchPage};
use crate::Web;

/// The header of every page for a signed-in person.
pub struct Frame {
    pub name: String,
    pub role_label: &'static str,
    pub area: Option<String>,
    pub is_staff: bool,
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
    match minsheng_app::accounts::sign_in(&web.store, &login, &form.password, Clock::system()).await
    {
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
        minsheng_app::accounts::sign_out(&web.store, token.value(), Clock::system()).await?;
    }
    let jar = jar.remove(session_cookie(String::new(), web.secure_cookies));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    frame: Option<Frame>,
    cases: CaseList,
}

/// Staff: the inbox. A resident: their household.
pub async fn home(State(web): State<Web>, OnPage(who): OnPage) -> Result<Response, PageError> {
    let clock = Clock::system();
    if let Account::Resident { id_number, .. } = &who.account {
        return household_page(&web, &who, id_number.as_str(), None, false, clock).await;
    }
    let cases = queries::cases(&web, &who.account.scope(), true, clock).await?;
    let page = InboxPage {
        frame: Frame::of(&who),
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
    Query(params): Query<SearchParams>,
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
    clock: Clock,
) -> Result<Response, PageError> {
    let on = queries::parse_day(on, clock)?;
    let file = queries::household(web, who, key, on, reveal, clock).await?;
    let cases = queries::household_cases(web, &file, clock).await?;
    let audit = queries::household_audit(web, who, &file.household).await?;
    let page = HouseholdPage {
        frame: Frame::of(who),
        frame_csrf: who.csrf().to_string(),
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
    Path(key): Path<String>,
    Query(params): Query<DayParams>,
) -> Result<Response, PageError> {
    household_page(
        &web,
        &who,
        &key,
        params.on.as_deref(),
        false,
        Clock::system(),
    )
    .await
}

/// Full ID numbers, on purpose (a form, so that a link cannot do it) and audited.
pub async fn reveal(
    State(web): State<Web>,
    OnPage(who): OnPage,
    Path(key): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    household_page(&web, &who, &key, None, true, Clock::system()).await
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
    Path(key): Path<String>,
    Query(params): Query<MonthParams>,
) -> Result<Html<String>, PageError> {
    let clock = Clock::system();
    let month = queries::parse_month(params.month.as_deref(), clock)?;
    let explained = queries::explain(&web, &who, &key, month, clock).await?;
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
