//! Elderly care: a service provider's roster of the older residents of its area and what the
//! rules grant each; an older person's ability assessment, handed in and printed; what the basic
//! elderly service list grants one older person, and the list itself with its published counts
//! on a public page; home care beds and refits from application to acceptance; care
//! institutions and their 双随机 draws and results, public; meal aid — a canteen's order
//! screen, a relative's ordering page, and the month's settlements; visiting care — the elders
//! due a visit, a visit recorded and the cases it raises; the 15-minute circle — coverage by
//! community on a map, the gaps and suggested stations.

pub(crate) mod api;
pub(crate) mod applications;
pub(crate) mod circle;
pub(crate) mod meals;
pub(crate) mod pages;
pub(crate) mod queries;
pub(crate) mod view;
pub(crate) mod visits;

use axum::routing::{get, post};
use axum::Router;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::Web;

/// Its pages.
pub(crate) fn pages() -> Router<Web> {
    Router::new()
        .route("/roster", get(pages::roster))
        .route(
            "/eldercare/assess",
            get(pages::assess_form).post(pages::assess),
        )
        .route("/eldercare/assessments/{id}", get(pages::report))
        .route(
            "/eldercare/applications",
            get(applications::list).post(applications::file),
        )
        .route("/eldercare/applications.xlsx", get(applications::list_xlsx))
        .route(
            "/eldercare/applications/{id}",
            get(applications::one).post(applications::step),
        )
        .route("/eldercare/entitlements", get(pages::entitlements))
        .route("/meals", get(meals::order_screen))
        .route("/meals/quote", post(meals::quote))
        .route("/meals/orders", post(meals::place))
        .route("/meals/orders/{id}/{step}", post(meals::order_step))
        .route("/meals/authorise", post(meals::authorise))
        .route("/meals/settlements", get(meals::settlements))
        .route("/meals/settlements/{step}", post(meals::settlement_step))
        .route("/circle", get(circle::page))
        .route("/visits", get(visits::list))
        .route("/visits/visitors", post(visits::add_visitor))
        .route("/visits/referrals/{id}/close", post(visits::close_referral))
        .route("/visits/{person}", get(visits::elder).post(visits::record))
        .route("/visits/{person}/assign", post(visits::assign))
        .route("/services", get(pages::services))
        .route("/supervision", get(pages::supervision))
        .route(
            "/supervision/draw",
            get(pages::draw_form).post(pages::make_draw),
        )
        .route("/supervision/{id}", get(pages::draw))
        .route(
            "/supervision/{id}/inspect",
            get(pages::inspect_form).post(pages::inspect),
        )
        .route(
            "/supervision/{id}/rectify",
            get(pages::rectify_form).post(pages::rectify),
        )
}

/// Its API endpoints, with their documentation.
pub(crate) fn api() -> OpenApiRouter<Web> {
    use api::*;
    OpenApiRouter::new()
        .routes(routes!(roster))
        .routes(routes!(meal_order))
}
