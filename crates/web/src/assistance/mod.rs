//! Social assistance: applications and cases through the MCA procedure, proactive findings, residents' requests.

pub(crate) mod api;
pub(crate) mod letters;
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
        .route(
            "/households/{key}/apply",
            get(pages::apply_form).post(pages::apply),
        )
        .route("/cases.xlsx", get(pages::cases_xlsx))
        .route("/cases/posting.pdf", get(letters::posting))
        .route("/cases/{id}", get(pages::case))
        .route("/cases/{id}/letters/{kind}", get(letters::case_letter))
        .route("/enrolments/{id}/letter", get(letters::enrolment_letter))
        .route("/cases/{id}/step", post(pages::step))
        .route("/findings", get(pages::findings))
        .route("/findings.xlsx", get(pages::findings_xlsx))
        .route("/findings/{id}/case", post(pages::open_case))
        .route("/requests", post(pages::request_help))
        .route("/requests/{id}/accept", post(pages::accept_request))
        .route("/requests/{id}/decline", post(pages::decline_request))
}

/// Its API endpoints, with their documentation.
pub(crate) fn api() -> OpenApiRouter<Web> {
    use api::*;
    OpenApiRouter::new()
        .routes(routes!(cases))
        .routes(routes!(case))
        .routes(routes!(step))
        .routes(routes!(apply))
        .routes(routes!(findings))
        .routes(routes!(open_case))
        .routes(routes!(list_requests, request_help))
        .routes(routes!(accept_request))
        .routes(routes!(decline_request))
}
