//! Transfers of the insurance relation (转移接续) under `/api/v1/medical/transfers`: the
//! information sheets the province's platform pushes in (免申即享 within the province; across
//! provinces with the person's online application), and a resident's insurance transferred out.
//! City staff only: the medical-insurance bureau's operators and the platform's system account.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json as JsonResponse;
use chrono::NaiveDate;
use minsheng_core::access::{Account, Role};
use minsheng_core::IdNumber;
use minsheng_medical::transfer::{self, Leaving, Route, Sheet};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ErrorBody, WebError};
use crate::extract::Json;
use crate::session::Signed;
use crate::Web;

/// An information sheet (参保人员基本医疗保险信息表) as the platform sends it.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SheetInput {
    /// The sheet's number on the platform: a sheet is filed once.
    pub number: String,
    pub id_number: String,
    /// The sending pooling area, six digits (370102: within the province).
    pub other_area: String,
    /// employee or resident.
    pub scheme: String,
    /// YYYY-MM-DD: the first day of cover without a break.
    pub covered_since: String,
    /// YYYY-MM-DD: the last day the sending area covers; not after today.
    pub covered_until: String,
    /// An employee's months of contribution in all; 0 for a resident.
    #[schema(value_type = Option<i64>)]
    pub contribution_months: Option<serde_json::Value>,
    /// Yuan, at most two decimals: an employee's personal-account balance.
    #[schema(value_type = Option<String>, example = "1234.56")]
    pub account_balance: Option<serde_json::Value>,
    /// The person's online application: required across provinces.
    pub application: Option<String>,
}

/// A filed sheet; the ID number masked, amounts in fen.
#[derive(Debug, Serialize, ToSchema)]
pub struct SheetView {
    pub number: String,
    pub id_number: String,
    pub other_area: String,
    /// in_province (免申即享) or cross_province (全程网办).
    pub route: String,
    pub scheme: String,
    pub covered_since: String,
    pub covered_until: String,
    pub contribution_months: i64,
    pub account_balance_fen: i64,
    pub application: Option<String>,
}

impl SheetView {
    fn of(sheet: &Sheet, route: Route) -> SheetView {
        SheetView {
            number: sheet.number.trim().to_string(),
            id_number: sheet.id_number.masked(),
            other_area: sheet.other_area.clone(),
            route: route.as_str().into(),
            scheme: sheet.scheme.as_str().into(),
            covered_since: sheet.covered_since.to_string(),
            covered_until: sheet.covered_until.to_string(),
            contribution_months: sheet.contribution_months,
            account_balance_fen: sheet.account_balance.0,
            application: sheet.application.clone(),
        }
    }
}

fn city_staff(who: &Signed) -> Result<(), WebError> {
    match &who.account {
        Account::Staff(s) if s.role == Role::City => Ok(()),
        _ => Err(WebError::Forbidden(
            "医保关系转移接续仅由市级经办人员和省平台系统账户办理".into(),
        )),
    }
}

/// The JSON's own text of a field: strings as they are, numbers written out.
fn field_text(body: &serde_json::Value, name: &str) -> Option<String> {
    match body.get(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Files a sheet received from another pooling area: the person must be the city's resident;
/// an employee's balance is credited to their personal account. 201 when filed now, 200 when
/// the same sheet was filed before (nothing moved).
#[utoipa::path(post, path = "/api/v1/medical/transfers", tag = "medical",
    request_body = SheetInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "filed", body = SheetView),
        (status = 200, description = "filed before with the same contents", body = SheetView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not the city's staff", body = ErrorBody),
        (status = 409, description = "the number was filed with other contents; nothing written", body = ErrorBody),
        (status = 422, description = "refused; `field` names what is wrong; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn receive(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<(StatusCode, JsonResponse<SheetView>), WebError> {
    crate::api::check_csrf(&who, &headers, field_text(&body, "csrf").as_deref())?;
    city_staff(&who)?;
    let sheet = Sheet::read(|name| field_text(&body, name))
        .map_err(|errors| WebError::from(minsheng_medical::ClaimError::Invalid(errors)))?;
    let received = transfer::receive(
        &web.store,
        super::rules(&web)?,
        &sheet,
        &who.login,
        web.clock().now,
    )
    .await?;
    let status = if received.again {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, JsonResponse(SheetView::of(&sheet, received.route))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LeavingInput {
    pub id_number: String,
    /// The receiving pooling area, six digits.
    pub to_area: String,
    /// YYYY-MM-DD, the last day the city covers; default today.
    pub on: Option<String>,
    /// The person's online application: required across provinces.
    pub application: Option<String>,
    pub csrf: Option<String>,
}

/// Transfers a resident's insurance out: the year's cover ends on the day, the personal
/// account goes with the sheet, made from the insured registry and returned.
#[utoipa::path(post, path = "/api/v1/medical/transfers/out", tag = "medical",
    request_body = LeavingInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "transferred out: the sheet sent", body = SheetView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not the city's staff", body = ErrorBody),
        (status = 409, description = "already transferred out, retired, or a later year paid; nothing written", body = ErrorBody),
        (status = 422, description = "refused; `field` names what is wrong; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn send(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<LeavingInput>,
) -> Result<(StatusCode, JsonResponse<SheetView>), WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    city_staff(&who)?;
    let clock = web.clock();
    let id_number = IdNumber::parse(&input.id_number)
        .map_err(|e| WebError::invalid("id_number", e.to_string()))?;
    let on = match input.on.as_deref().map(str::trim) {
        None | Some("") => clock.today,
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| WebError::invalid("on", format!("「{t}」不是日期（应为 YYYY-MM-DD）")))?,
    };
    let leaving = Leaving {
        id_number,
        to_area: input.to_area.trim().to_string(),
        on,
        application: input.application,
    };
    let sheet = transfer::send(
        &web.store,
        super::rules(&web)?,
        &leaving,
        &who.login,
        clock.now,
    )
    .await?;
    let route = Route::of("to_area", &sheet.other_area)
        .map_err(|e| WebError::invalid(&e.field, e.reason))?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(SheetView::of(&sheet, route)),
    ))
}
