//! The API of a resident's notices.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json as JsonResponse;

use crate::api::check_csrf;
use crate::error::{ErrorBody, WebError};
use crate::extract::Json;
use crate::notices::view::{ContactView, NoticeView};
use crate::session::Signed;
use crate::Web;

/// The resident's notices, newest first (at most 200); listing them marks them read.
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = Vec<NoticeView>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a resident", body = ErrorBody),
    ))]
pub(crate) async fn notices(
    State(web): State<Web>,
    who: Signed,
) -> Result<JsonResponse<Vec<NoticeView>>, WebError> {
    Ok(JsonResponse(
        crate::notices::queries::notices(&web, &who, web.clock()).await?,
    ))
}

/// How the resident is told beyond the web inbox.
#[utoipa::path(get, path = "/api/v1/notices/contact", tag = "notices",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = ContactView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a resident", body = ErrorBody),
    ))]
pub(crate) async fn contact(
    State(web): State<Web>,
    who: Signed,
) -> Result<JsonResponse<ContactView>, WebError> {
    Ok(JsonResponse(
        crate::notices::queries::contact(&web, &who).await?,
    ))
}

/// Chooses the channels beyond the web inbox: a chosen channel needs its address.
#[utoipa::path(put, path = "/api/v1/notices/contact", tag = "notices",
    request_body = ContactView,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = ContactView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a resident", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn set_contact(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<ContactView>,
) -> Result<JsonResponse<ContactView>, WebError> {
    check_csrf(&who, &headers, input.csrf.as_deref())?;
    Ok(JsonResponse(
        crate::notices::queries::set_contact(&web, &who, &input, web.clock()).await?,
    ))
}
