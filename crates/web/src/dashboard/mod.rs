//! The city dashboard: caseload, deadlines, payments and monitoring within the account's area, across contexts.

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
    Router::new().route("/dashboard", get(pages::dashboard))
}

/// Its API endpoints, with their documentation.
pub(crate) fn api() -> OpenApiRouter<Web> {
    use api::*;
    OpenApiRouter::new().routes(routes!(dashboard))
}
