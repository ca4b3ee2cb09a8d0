//! The registry (一人一档): finding a household, its file with history and audit trail, revealing ID numbers, and what the rules give it.

pub(crate) mod api;
pub(crate) mod pages;
pub(crate) mod queries;
pub(crate) mod view;

use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Web;

/// Its pages.
pub(crate) fn pages() -> Router<Web> {
    Router::new()
        .route("/search", get(pages::search))
        .route("/households/{key}", get(pages::household))
        .route("/households/{key}/reveal", post(pages::reveal))
        .route("/households/{key}/explain", get(pages::explain))
}

/// Its API endpoints, with their documentation.
pub(crate) fn api() -> OpenApiRouter<Web> {
    use api::*;
    OpenApiRouter::new()
        .routes(routes!(search_households))
        .routes(routes!(household))
        .routes(routes!(explain))
}
