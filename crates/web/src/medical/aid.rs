//! Objects of medical assistance (医疗救助对象) under `/api/v1/medical/assistance`: the
//! civil-affairs bureau's recognition of a member of a 低保边缘 or 刚性支出困难 household, or of
//! a 因病致贫重病患者, for a period; the claims of its days are helped after insurance in the
//! same settlement. District and city staff, for the residents of their area.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json as JsonResponse;
use chrono::NaiveDate;
use minsheng_core::access::Role;
use minsheng_core::IdNumber;
use minsheng_medical::aid::{self, Recognise};
use minsheng_medical::Aid;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ErrorBody, WebError};
use crate::extract::Json;
use crate::session::Signed;
use crate::Web;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RecognitionInput {
    pub id_number: String,
    /// near_poor (低保边缘家庭成员), rigid_expenditure (刚性支出困难家庭成员) or illness_poverty
    /// (因病致贫重病患者).
    pub category: String,
    /// YYYY-MM-DD, the first day.
    pub from: String,
    /// YYYY-MM-DD, the last day: not before today, less than a year after `from`.
    pub to: String,
    /// The decision it rests on: the document number or the case.
    pub basis: String,
    pub csrf: Option<String>,
}

/// A recognition filed; the ID number masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecognitionView {
    pub id: i64,
    pub id_number: String,
    pub category: String,
    pub from: String,
    pub to: String,
    pub basis: String,
}

fn date(field: &str, text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::invalid(
            field,
            format!("「{}」不是日期（应为 YYYY-MM-DD）", text.trim()),
        )
    })
}

/// Recognises a resident of the caller's area as an object of medical assistance for a
/// period. Refused, nothing filed: 特困 or 低保 (they come from the assistance decisions), a
/// period backwards, past a year or already over, no basis, someone not a resident of the
/// area, a recognition overlapping one on file.
#[utoipa::path(post, path = "/api/v1/medical/assistance/recognitions", tag = "medical",
    request_body = RecognitionInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "filed", body = RecognitionView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not district or city staff", body = ErrorBody),
        (status = 422, description = "refused; `field` names what is wrong; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn recognise(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<RecognitionInput>,
) -> Result<(StatusCode, JsonResponse<RecognitionView>), WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    if !matches!(who.account.role(), Some(Role::District | Role::City)) {
        return Err(WebError::Forbidden(
            "医疗救助对象由区（市）民政部门认定".into(),
        ));
    }
    let r = Recognise {
        id_number: IdNumber::parse(&input.id_number)
            .map_err(|e| WebError::invalid("id_number", e.to_string()))?,
        category: Aid::parse("category", &input.category)
            .map_err(|e| WebError::invalid(&e.field, e.reason))?,
        from: date("from", &input.from)?,
        to: date("to", &input.to)?,
        basis: input.basis,
    };
    let clock = web.clock();
    let id = aid::recognise(&web.store, &r, &who.account.scope(), &who.login, clock.now).await?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(RecognitionView {
            id,
            id_number: r.id_number.masked(),
            category: r.category.as_str().into(),
            from: r.from.to_string(),
            to: r.to.to_string(),
            basis: r.basis.trim().to_string(),
        }),
    ))
}
