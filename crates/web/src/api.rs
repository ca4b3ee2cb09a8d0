//! The JSON API under `/api/v1`: everything is documented in the OpenAPI document the same
//! routes produce (`utoipa-axum` registers a handler and its documentation together). Here are
//! the document, the account endpoint and the CSRF check; each context's endpoints are in its
//! module and merged by [`router`].

use axum::http::HeaderMap;
use axum::Json as JsonResponse;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ErrorBody, WebError};
use crate::session::Signed;
use crate::view::Me;
use crate::Web;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Minsheng API",
        description = "The registry (一人一档), cases and policy explanations of Minsheng. \
            Sign in through `/login` (session cookie) or send `Authorization: Bearer <token>` \
            (`minsheng account token LOGIN --label ...`). Every list and search contains only what \
            the account's area (or, for a resident, their household) allows; a service provider \
            sees only its roster.",
        license(name = "Apache-2.0")
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security)
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::session::SESSION_COOKIE,
            ))),
        );
    }
}

/// The whole API: what every account shares, then each context's endpoints.
pub fn router() -> OpenApiRouter<Web> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(me))
        .merge(crate::registry::api())
        .merge(crate::assistance::api())
        .merge(crate::payments::api())
        .merge(crate::dashboard::api())
        .merge(crate::policy::api())
        .merge(crate::eldercare::api())
        .merge(crate::medical::api())
        .merge(crate::notices::api())
}

/// A browser's session must send its CSRF token with every change (header `X-CSRF-Token`
/// or the body's `csrf`); a bearer token needs none.
pub(crate) fn check_csrf(
    who: &Signed,
    headers: &HeaderMap,
    body: Option<&str>,
) -> Result<(), WebError> {
    let sent = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .or(body)
        .unwrap_or("");
    who.check_csrf(sent)
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "not signed in", body = ErrorBody),
    ))]
async fn me(who: Signed) -> JsonResponse<Me> {
    JsonResponse(Me::of(&who.login, &who.account))
}
