//! The pages of the registry: server-rendered HTML, every form with the session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use minsheng_app::Clock;
use serde::Deserialize;

use crate::assistance::view::{CaseView, RequestView};
use crate::error::PageError;
use crate::extract::{PagePath, PageQuery};
use crate::Web;
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::MonthParams;
use crate::pages::{CsrfForm, Frame};
use crate::registry::view::{AuditView, ExplanationView, HouseholdView, SearchPage};
use crate::session::{OnPage, Signed};

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
        let (page, per_page) = crate::queries::parse_page(params.page.as_deref(), None)?;
        Some(crate::registry::queries::search(&web, &who, &query, page, per_page).await?)
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
    /// Community or street staff, who accept applications.
    may_apply: bool,
    /// A resident's requests and the programs they may ask for.
    requests: Vec<RequestView>,
    programs: Vec<(String, String)>,
    message: Option<String>,
    file: HouseholdView,
    cases: Vec<CaseView>,
    audit: Vec<AuditView>,
}

pub(crate) async fn household_page(
    web: &Web,
    who: &Signed,
    key: &str,
    on: Option<&str>,
    reveal: bool,
    message: Option<String>,
    clock: Clock,
) -> Result<Response, PageError> {
    let on = crate::queries::parse_day(on, clock)?;
    let file = crate::registry::queries::household(web, who, key, on, reveal, clock).await?;
    let cases = crate::assistance::queries::household_cases(web, who, &file, clock).await?;
    let audit = crate::registry::queries::household_audit(web, who, &file.household).await?;
    let resident = !who.account.is_staff();
    let page = HouseholdPage {
        frame: Frame::of(who),
        frame_csrf: who.csrf().to_string(),
        is_staff: !resident,
        may_apply: crate::assistance::pages::accepts_applications(&who.account),
        requests: if resident {
            crate::assistance::queries::requests(web, who, false, 1, crate::queries::PER_PAGE)
                .await?
                .items
        } else {
            Vec::new()
        },
        programs: if resident {
            crate::assistance::queries::programs_on_application(web)
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

pub async fn explain(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(key): PagePath<String>,
    PageQuery(params): PageQuery<MonthParams>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let month = crate::queries::parse_month(params.month.as_deref(), clock)?;
    let explained = crate::registry::queries::explain(&web, &who, &key, month, None, clock).await?;
    let page = ExplainPage {
        frame: Frame::of(&who),
        explained,
    };
    Ok(Html(page.render()?))
}
