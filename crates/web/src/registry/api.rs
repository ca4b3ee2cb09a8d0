//! The JSON API of the registry, documented in the OpenAPI document by the same routes.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ErrorBody, WebError};
use crate::extract::{Path, Query};
use crate::registry::view::{ExplanationView, HouseholdView, SearchPage};
use crate::session::Signed;
use crate::Web;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// A household code, a member's ID number or a member's name (exact).
    q: Option<String>,
    /// From 1.
    page: Option<String>,
    /// 1 to 100; 20 if not given.
    per_page: Option<String>,
}

/// Households within the account's area that match a name, an ID number or a household code.
#[utoipa::path(get, path = "/api/v1/households", tag = "registry",
    params(SearchQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = SearchPage),
        (status = 401, body = ErrorBody),
        (status = 422, description = "bad query; `field` names it", body = ErrorBody),
    ))]
pub(crate) async fn search_households(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<SearchQuery>,
) -> Result<JsonResponse<SearchPage>, WebError> {
    let (page, per_page) = crate::queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        crate::registry::queries::search(&web, &who, q.q.as_deref().unwrap_or(""), page, per_page)
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// The day the facts are shown for (YYYY-MM-DD); today if not given.
    on: Option<String>,
    /// `true` shows full ID numbers; the audit log records it.
    reveal: Option<String>,
}

/// One household's file: members as of a day, and every version of their facts.
#[utoipa::path(get, path = "/api/v1/households/{key}", tag = "registry",
    params(("key" = String, Path, description = "household code or a member's ID number"), HouseholdQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = HouseholdView),
        (status = 401, body = ErrorBody),
        (status = 404, description = "no such household within the account's area", body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn household(
    State(web): State<Web>,
    who: Signed,
    Path(key): Path<String>,
    Query(q): Query<HouseholdQuery>,
) -> Result<JsonResponse<HouseholdView>, WebError> {
    let clock = web.clock();
    let on = crate::queries::parse_day(q.on.as_deref(), clock)?;
    let reveal = match q.reveal.as_deref().map(str::trim) {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(WebError::invalid(
                "reveal",
                format!("「{other}」应为 true 或 false"),
            ))
        }
    };
    Ok(JsonResponse(
        crate::registry::queries::household(&web, &who, &key, on, reveal, clock).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthQuery {
    /// YYYY-MM; the current month if not given.
    month: Option<String>,
}

/// Why a household gets what it gets in a month: every program, every condition, every
/// parameter with its value, effective date and legal reference.
#[utoipa::path(get, path = "/api/v1/households/{key}/explain", tag = "policy",
    params(("key" = String, Path, description = "household code or a member's ID number"), MonthQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = ExplanationView),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn explain(
    State(web): State<Web>,
    who: Signed,
    Path(key): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Result<JsonResponse<ExplanationView>, WebError> {
    let clock = web.clock();
    let month = crate::queries::parse_month(q.month.as_deref(), clock)?;
    Ok(JsonResponse(
        crate::registry::queries::explain(&web, &who, &key, month, None, clock).await?,
    ))
}
