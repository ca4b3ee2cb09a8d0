//! The JSON API of elderly care, documented in the OpenAPI document by the same routes.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::eldercare::view::RosterPage;
use crate::error::{ErrorBody, WebError};
use crate::extract::Query;
use crate::session::Signed;
use crate::Web;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// YYYY-MM; this month if not given.
    month: Option<String>,
    /// From 1.
    page: Option<String>,
    /// 1 to 100; 20 if not given.
    per_page: Option<String>,
}

/// A service provider's roster: the older residents of its area and the meal-aid and rural
/// consumption subsidies the rules grant each in the month. Masked ID numbers, nothing of
/// income or assets; for service-provider accounts only.
#[utoipa::path(get, path = "/api/v1/roster", tag = "eldercare",
    params(RosterQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = RosterPage),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a service provider", body = ErrorBody),
        (status = 422, description = "bad query; `field` names it", body = ErrorBody),
    ))]
pub(crate) async fn roster(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<RosterQuery>,
) -> Result<JsonResponse<RosterPage>, WebError> {
    let clock = web.clock();
    let month = crate::queries::parse_month(q.month.as_deref(), clock)?;
    let (page, per_page) = crate::queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        crate::eldercare::queries::roster(&web, &who, month, page, per_page, clock).await?,
    ))
}
