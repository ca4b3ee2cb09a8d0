//! A resident's messages (我的消息): the notices the outbox wrote for them, and how they want to
//! be told beyond this inbox (SMS, email).

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
        .route("/notices", get(pages::notices))
        .route("/notices/contact", post(pages::set_contact))
}

/// Its API endpoints, with their documentation.
pub(crate) fn api() -> OpenApiRouter<Web> {
    use api::*;
    OpenApiRouter::new()
        .routes(routes!(notices))
        .routes(routes!(contact, set_contact))
}
