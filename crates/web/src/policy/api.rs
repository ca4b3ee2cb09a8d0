//! The JSON API of policy analysis, documented in the OpenAPI document by the same routes.

use axum::extract::State;
use axum::Json as JsonResponse;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::{ErrorBody, WebError};
use crate::extract::Query;
use crate::policy::view::WhatIfView;
use crate::session::Signed;
use crate::Web;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WhatIfQuery {
    /// YYYY-MM; the current month if not given.
    month: Option<String>,
    /// Parameter changes, comma-separated: `dibao.standard.urban=+5%,dibao.standard.rural=850`.
    changes: Option<String>,
}

/// A reform against the rules in force over the whole registry: beneficiaries, monthly and
/// yearly cost, households gaining, losing and newly eligible, by program and district.
#[utoipa::path(get, path = "/api/v1/what-if", tag = "policy",
    params(WhatIfQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = WhatIfView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "a change that names no parameter, or a bad value", body = ErrorBody),
    ))]
pub(crate) async fn what_if(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<WhatIfQuery>,
) -> Result<JsonResponse<WhatIfView>, WebError> {
    let month = crate::queries::parse_month(q.month.as_deref(), web.clock())?;
    let changes = crate::policy::queries::changes(q.changes.as_deref().unwrap_or(""));
    Ok(JsonResponse(
        crate::policy::queries::what_if(&web, &who, month, &changes).await?,
    ))
}
