//! The JSON API of elderly care, documented in the OpenAPI document by the same routes.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json as JsonResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::eldercare::view::RosterPage;
use crate::error::{ErrorBody, WebError};
use crate::extract::{Json, Query};
use crate::session::Signed;
use crate::Web;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// YYYY-MM; this month if not given.
    month: Option<String>,
    /// From 1.
    page: Option<String>,
    /// 1 to 100; 20 if not given.
    per_page: Option<String>,
}

/// A service provider's roster: the older residents of its area and the meal-aid and rural
/// consumption subsidies the rules grant each in the month. Masked ID numbers, nothing of
/// income or assets; for service-provider accounts only.
#[utoipa::path(get, path = "/api/v1/roster", tag = "eldercare",
    params(RosterQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = RosterPage),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a service provider", body = ErrorBody),
        (status = 422, description = "bad query; `field` names it", body = ErrorBody),
    ))]
pub(crate) async fn roster(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<RosterQuery>,
) -> Result<JsonResponse<RosterPage>, WebError> {
    let clock = web.clock();
    let month = crate::queries::parse_month(q.month.as_deref(), clock)?;
    let (page, per_page) = crate::queries::parse_page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(JsonResponse(
        crate::eldercare::queries::roster(&web, &who, month, page, per_page, clock).await?,
    ))
}

/// A meal order from a canteen's terminal or a relative's app: priced for the elder by the
/// rules, and placed when `confirm` is true.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MealOrderInput {
    /// The canteen's code; a canteen's own account orders at its canteen whatever is sent.
    canteen: Option<String>,
    /// The elder's ID number (typed, or read from their card).
    id_number: String,
    /// YYYY-MM-DD; today if not given.
    day: Option<String>,
    /// breakfast, lunch or dinner (早餐、午餐、晚餐).
    slot: String,
    /// dine_in or delivered (堂食、送餐上门).
    service: String,
    /// The dish's code on the canteen's menu.
    dish: String,
    /// True: place the order; false or left out: only price it, as shown before confirming.
    #[serde(default)]
    confirm: bool,
    /// The session's CSRF token, for a browser session (or the `X-CSRF-Token` header).
    csrf: Option<String>,
}

/// A meal priced for one elder, and its order's number once placed. Amounts in fen.
#[derive(Debug, Serialize, ToSchema)]
pub struct MealOrderView {
    pub order: Option<i64>,
    pub canteen: String,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub day: String,
    pub slot: String,
    pub service: String,
    pub dish: String,
    pub price_fen: i64,
    /// The canteen's own discount (企业让利).
    pub canteen_discount_fen: i64,
    pub city_fen: i64,
    pub district_fen: i64,
    /// What the elder pays.
    pub elder_fen: i64,
    /// The rules' cap on the government's subsidy for this elder and service.
    pub cap_fen: i64,
    /// The price in a sentence, with the rule and article that set the cap.
    pub explained: String,
}

/// Prices a meal for an elder and, with `confirm`, orders it: a canteen's account at its own
/// canteen, or a resident for an elder who lives with them or has authorised them (亲属代订餐).
/// An order is refused, naming the field, for someone under the meal-aid age, a second
/// subsidised meal in a slot, a slot begun or full, a death recorded, a relative without a
/// link, a canteen ordering for another canteen.
#[utoipa::path(post, path = "/api/v1/meals/orders", tag = "eldercare",
    request_body = MealOrderInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "priced, not placed", body = MealOrderView),
        (status = 201, description = "placed", body = MealOrderView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "clashes with what is recorded; nothing written", body = ErrorBody),
        (status = 422, description = "refused; `field` and `message` say why; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn meal_order(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<MealOrderInput>,
) -> Result<(StatusCode, JsonResponse<MealOrderView>), WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    let clock = web.clock();
    let day = crate::eldercare::meals::parse_day(input.day.as_deref(), clock.today)?;
    let own = crate::eldercare::meals::ordering_at(&web, &who).await?;
    let form = minsheng_eldercare::meals::OrderForm {
        canteen: own.as_deref().or(input.canteen.as_deref()).unwrap_or(""),
        id_number: &input.id_number,
        day,
        slot: &input.slot,
        service: &input.service,
        dish: &input.dish,
    };
    let (status, order, p) = if input.confirm {
        let placed =
            minsheng_eldercare::meals::order(&web.store, &web.policy, &who.account, &form, clock)
                .await
                .map_err(crate::eldercare::meals::meal_error)?;
        (StatusCode::CREATED, Some(placed.id), placed.priced)
    } else {
        let priced =
            minsheng_eldercare::meals::quote(&web.store, &web.policy, &who.account, &form, clock)
                .await
                .map_err(crate::eldercare::meals::meal_error)?;
        (StatusCode::OK, None, priced)
    };
    Ok((
        status,
        JsonResponse(MealOrderView {
            order,
            canteen: p.canteen.canteen.code.clone(),
            name: p.name.clone(),
            id_number: p.id_number.masked(),
            day: p.day.to_string(),
            slot: p.slot.as_str().into(),
            service: p.service.as_str().into(),
            dish: p.dish.code.clone(),
            price_fen: p.quote.price.0,
            canteen_discount_fen: p.quote.canteen.0,
            city_fen: p.quote.city.0,
            district_fen: p.quote.district.0,
            elder_fen: p.quote.elder.0,
            cap_fen: p.quote.cap.0,
            explained: p.explained.clone(),
        }),
    ))
}
