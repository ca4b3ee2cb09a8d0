//! Policy analysis: a reform (what-if) over the whole city.

pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod queries;
pub(crate) mod view;

use axum::routing::get;
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Web;

/// Its pages.
pub(crate) fn pages() -> Router<Web> {
    Router::new().route("/what-if", get(pages::what_if))
}

/// Its API endpoints, with their documentation.
pub(crate) fn api() -> OpenApiRouter<Web> {
    use api::*;
    OpenApiRouter::new().routes(routes!(what_if))
}
