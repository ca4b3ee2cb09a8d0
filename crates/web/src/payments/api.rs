//! The JSON API of payments, documented in the OpenAPI document by the same routes.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json as JsonResponse;

use crate::api::check_csrf;
use crate::error::{ErrorBody, WebError};
use crate::extract::Path;
use crate::payments::view::{CycleView, ReconcileView};
use crate::session::Signed;
use crate::Web;

fn month_of(text: &str, clock: minsheng_app::Clock) -> Result<minsheng_core::Month, WebError> {
    crate::queries::parse_month(Some(text), clock)
}

/// A month's payment cycle: frozen when, by whom, approved by whom, owed, sent, confirmed,
/// returned, outstanding. For the city's administrators and auditors.
#[utoipa::path(get, path = "/api/v1/payments/{month}", tag = "payments",
    params(("month" = String, Path, description = "YYYY-MM")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = CycleView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn payment_cycle(
    State(web): State<Web>,
    who: Signed,
    Path(month): Path<String>,
) -> Result<JsonResponse<CycleView>, WebError> {
    let month = month_of(&month, web.clock())?;
    Ok(JsonResponse(
        crate::payments::queries::cycle(&web, &who, month).await?,
    ))
}

/// `compute` freezes the registry and the rules and computes every entitlement; `approve`
/// (someone other than who computed); `disburse` sends what is outstanding as a new bank file
/// batch. Each is idempotent: repeating it changes nothing.
#[utoipa::path(post, path = "/api/v1/payments/{month}/{step}", tag = "payments",
    params(
        ("month" = String, Path, description = "YYYY-MM"),
        ("step" = String, Path, description = "compute, approve or disburse"),
    ),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "the cycle after the step", body = CycleView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "clashes with what is recorded (a duplicate, or changed meanwhile); nothing written", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn payment_step(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path((month, step)): Path<(String, String)>,
) -> Result<JsonResponse<CycleView>, WebError> {
    check_csrf(&who, &headers, None)?;
    let clock = web.clock();
    let month = month_of(&month, clock)?;
    Ok(JsonResponse(
        crate::payments::queries::run_cycle(&web, &who, month, &step, clock).await?,
    ))
}

/// A batch's bank file (CSV), as sent to the bank. Each download is audited.
#[utoipa::path(get, path = "/api/v1/payments/{month}/batches/{batch}", tag = "payments",
    params(
        ("month" = String, Path, description = "YYYY-MM"),
        ("batch" = u32, Path, description = "batch number, from 1"),
    ),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "the bank file", content_type = "text/csv", body = String),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn bank_file(
    State(web): State<Web>,
    who: Signed,
    Path((month, batch)): Path<(String, u32)>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    let clock = web.clock();
    let month = month_of(&month, clock)?;
    let bytes = crate::payments::queries::bank_file(&web, &who, month, batch, clock).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        bytes,
    )
        .into_response())
}

/// Records the bank's return file (`reference,result,reason` CSV as the body). A line that
/// cannot be matched rejects the whole file; the same file twice records nothing new;
/// returned payments go out again in the next batch.
#[utoipa::path(post, path = "/api/v1/payments/returns", tag = "payments",
    request_body(content = String, content_type = "text/csv"),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = ReconcileView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "rejected lines, nothing recorded", body = ErrorBody),
    ))]
pub(crate) async fn bank_returns(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<JsonResponse<ReconcileView>, WebError> {
    check_csrf(&who, &headers, None)?;
    Ok(JsonResponse(
        crate::payments::queries::reconcile(&web, &who, &body, web.clock()).await?,
    ))
}
