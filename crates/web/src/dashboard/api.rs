//! The JSON API of the dashboard, documented in the OpenAPI document by the same routes.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::dashboard::view::Dashboard;
use crate::error::{ErrorBody, WebError};
use crate::extract::Query;
use crate::session::Signed;
use crate::Web;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodQuery {
    /// YYYY-MM; five months before `to` if not given.
    from: Option<String>,
    /// YYYY-MM; the current month if not given.
    to: Option<String>,
}

/// Amounts paid by month, program and district, low-income monitoring and open cases —
/// all within the account's area.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "payments",
    params(PeriodQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = Dashboard),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn dashboard(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<PeriodQuery>,
) -> Result<JsonResponse<Dashboard>, WebError> {
    let clock = web.clock();
    let (from, to) = crate::queries::parse_period(q.from.as_deref(), q.to.as_deref(), clock)?;
    Ok(JsonResponse(
        crate::dashboard::queries::dashboard(&web, &who, from, to, clock).await?,
    ))
}
