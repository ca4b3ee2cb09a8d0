//! Payments: a month's cycle (compute, approve, disburse), its bank files and the bank's returns.

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
        .route("/payments", get(pages::payments))
        .route("/payments/reconcile", post(pages::reconcile))
        .route("/payments/{step}", post(pages::cycle_step))
        .route("/payments/{month}/batches/{batch}", get(pages::bank_file))
}

/// Its API endpoints, with their documentation.
pub(crate) fn api() -> OpenApiRouter<Web> {
    use api::*;
    OpenApiRouter::new()
        .routes(routes!(payment_cycle))
        .routes(routes!(payment_step))
        .routes(routes!(bank_file))
        .routes(routes!(bank_returns))
}
