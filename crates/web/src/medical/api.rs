//! The settlement API (直接结算) for hospitals' systems, under `/api/v1/medical`. A hospital's
//! account acts for its hospital only: the hospital is never taken from the request.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json as JsonResponse;
use chrono::NaiveDate;
use minsheng_medical::{ClaimRecord, MedicalStore as _, Posted};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ErrorBody, WebError};
use crate::extract::{Json, Path, Query};
use crate::session::Signed;
use crate::Web;

/// A claim (就医结算单) as the hospital's system sends it. Amounts are yuan with at most two
/// decimals, as strings ("12.50") or numbers; `total` must equal the lines' sum.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ClaimInput {
    /// The hospital's own number: posting it again with the same contents answers the first
    /// settlement; with other contents it is refused (reverse first).
    pub claim_number: String,
    pub id_number: String,
    /// YYYY-MM-DD, not after today.
    pub date: String,
    /// general_outpatient, chronic_outpatient, inpatient or maternity.
    pub visit: String,
    /// in_city (default), in_province, registered_elsewhere or unregistered_elsewhere.
    pub place: Option<String>,
    /// Whether the employee's personal account pays what it may.
    pub use_account: Option<bool>,
    #[schema(value_type = String, example = "1200.00")]
    pub total: serde_json::Value,
    pub lines: Vec<LineInput>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct LineInput {
    /// The catalogue code (医保目录编码).
    pub item: String,
    #[schema(value_type = String, example = "600.00")]
    pub amount: serde_json::Value,
}

/// A settlement: who pays what, in fen; `fund + supplement + account + person = total`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettlementView {
    pub claim_id: i64,
    pub hospital: String,
    pub claim_number: String,
    /// Masked.
    pub id_number: String,
    pub date: String,
    pub visit: String,
    pub scheme: String,
    pub level: String,
    pub total_fen: i64,
    /// 政策范围内费用.
    pub in_policy_fen: i64,
    /// The deductible this claim bore (起付线).
    pub deductible_fen: i64,
    /// The pooling fund (统筹基金).
    pub fund_fen: i64,
    /// The employees' large-expense supplement or the residents' serious-illness insurance.
    pub supplement_fen: i64,
    /// The person's category of medical assistance on the claim's day (`none`, `tekun`,
    /// `dibao`, `near_poor`, `rigid_expenditure`, `illness_poverty`).
    pub aided_as: String,
    /// Medical assistance (医疗救助), settled with the claim.
    pub assistance_fen: i64,
    /// The employee's personal account (个人账户).
    pub account_fen: i64,
    /// What the person pays in cash.
    pub person_fen: i64,
    pub lines: Vec<LineView>,
    /// `settled`, or `reversed` (冲正).
    pub status: String,
    pub settled_at: String,
    /// Where the explanation is, line by line.
    pub explanation: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub item: String,
    /// a (甲类), b (乙类), c (丙类) or outside (目录外).
    pub class: String,
    pub amount_fen: i64,
    pub in_policy_fen: i64,
    /// 乙类先行自付.
    pub first_self_paid_fen: i64,
}

impl SettlementView {
    pub fn of(c: &ClaimRecord) -> SettlementView {
        let s = &c.settlement;
        SettlementView {
            claim_id: c.id,
            hospital: c.hospital.clone(),
            claim_number: c.number.clone(),
            id_number: c.id_number.masked(),
            date: c.day.to_string(),
            visit: c.visit.as_str().into(),
            scheme: c.cover.scheme.as_str().into(),
            level: c.level.as_str().into(),
            total_fen: s.total.0,
            in_policy_fen: s.in_policy.0,
            deductible_fen: s.deductible_applied.0,
            fund_fen: s.fund.0,
            supplement_fen: s.supplement.0,
            aided_as: c.aided_as.as_str().into(),
            assistance_fen: s.aid.0,
            account_fen: s.account.0,
            person_fen: s.person.0,
            lines: s
                .lines
                .iter()
                .map(|l| LineView {
                    item: l.item.clone(),
                    class: l.class.as_str().into(),
                    amount_fen: l.amount.0,
                    in_policy_fen: l.in_policy.0,
                    first_self_paid_fen: l.first_self_paid.0,
                })
                .collect(),
            status: if c.reversed_at.is_some() {
                "reversed"
            } else {
                "settled"
            }
            .into(),
            settled_at: c.settled_at.to_rfc3339(),
            explanation: format!(
                "/api/v1/medical/claims/{}/explanation",
                urlencoding(&c.number)
            ),
        }
    }
}

/// A claim number as a path segment.
fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Settles a claim (直接结算): checked against the registry, the person's cover on the day,
/// the hospital and the catalogue; settled on the person's year so far. 201 when settled now,
/// 200 when the same claim was settled before (the first settlement, nothing moved).
#[utoipa::path(post, path = "/api/v1/medical/claims", tag = "medical",
    request_body = ClaimInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "settled", body = SettlementView),
        (status = 200, description = "settled before with the same contents", body = SettlementView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a hospital's account", body = ErrorBody),
        (status = 409, description = "the number was settled with other contents; nothing written", body = ErrorBody),
        (status = 422, description = "refused; `field` names what is wrong; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn post_claim(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<(StatusCode, JsonResponse<SettlementView>), WebError> {
    let mut body = body;
    let csrf = body
        .as_object_mut()
        .and_then(|m| m.remove("csrf"))
        .and_then(|v| v.as_str().map(String::from));
    crate::api::check_csrf(&who, &headers, csrf.as_deref())?;
    let hospital = super::own_hospital(&web, &who).await?;
    let settling = super::settling(&web)?;
    let claim = minsheng_medical::Claim::from_json(&body)
        .map_err(|errors| WebError::from(minsheng_medical::ClaimError::Invalid(errors)))?;
    let posted = settling
        .settle(minsheng_medical::Request {
            hospital,
            claim,
            actor: who.login.clone(),
            at: web.clock().now,
        })
        .await?;
    let status = match posted {
        Posted::Settled(_) => StatusCode::CREATED,
        Posted::Again(_) => StatusCode::OK,
    };
    Ok((status, JsonResponse(SettlementView::of(posted.record()))))
}

async fn own_claim(web: &Web, who: &Signed, number: &str) -> Result<ClaimRecord, WebError> {
    let hospital = super::own_hospital(web, who).await?;
    web.store
        .medical()
        .claim_numbered(&hospital, number)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("结算单 {number}")))
}

/// One of the hospital's settled claims.
#[utoipa::path(get, path = "/api/v1/medical/claims/{number}", tag = "medical",
    params(("number" = String, Path, description = "the hospital's claim number")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = SettlementView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn get_claim(
    State(web): State<Web>,
    who: Signed,
    Path(number): Path<String>,
) -> Result<JsonResponse<SettlementView>, WebError> {
    Ok(JsonResponse(SettlementView::of(
        &own_claim(&web, &who, &number).await?,
    )))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReversalInput {
    /// Why (退费, 重复结算 …); required.
    pub reason: String,
    pub csrf: Option<String>,
}

/// Reverses (冲正) a settled claim: it stays, marked, and its amounts leave the person's year.
#[utoipa::path(post, path = "/api/v1/medical/claims/{number}/reversal", tag = "medical",
    params(("number" = String, Path, description = "the hospital's claim number")),
    request_body = ReversalInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = SettlementView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "already reversed", body = ErrorBody),
        (status = 422, description = "no such claim, or no reason", body = ErrorBody),
    ))]
pub(crate) async fn reverse_claim(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(number): Path<String>,
    Json(input): Json<ReversalInput>,
) -> Result<JsonResponse<SettlementView>, WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    let hospital = super::own_hospital(&web, &who).await?;
    let clock = web.clock();
    let claim = minsheng_medical::reverse(
        &web.store,
        &hospital,
        &number,
        &input.reason,
        &who.login,
        clock.now,
    )
    .await?;
    Ok(JsonResponse(SettlementView::of(&claim)))
}

/// A settlement explained: one tree per payer, and every computation with each parameter's
/// value, date and reference.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationView {
    pub settlement: SettlementView,
    pub trees: Vec<String>,
    /// Whether the rules are still those the claim was settled under.
    pub same_rules: bool,
    /// Every computation: variable, line (for a line's), value, rule date, steps.
    #[schema(value_type = Vec<Object>)]
    pub computations: serde_json::Value,
}

/// A settled claim explained line by line.
#[utoipa::path(get, path = "/api/v1/medical/claims/{number}/explanation", tag = "medical",
    params(("number" = String, Path, description = "the hospital's claim number")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = ExplanationView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn explanation(
    State(web): State<Web>,
    who: Signed,
    Path(number): Path<String>,
) -> Result<JsonResponse<ExplanationView>, WebError> {
    let claim = own_claim(&web, &who, &number).await?;
    let e = minsheng_medical::explain(super::rules(&web)?, &claim)?;
    Ok(JsonResponse(ExplanationView {
        settlement: SettlementView::of(&claim),
        trees: e.trees,
        same_rules: e.same_rules,
        computations: e.json,
    }))
}

/// The settlement as a FHIR R4 ExplanationOfBenefit, for systems that speak FHIR.
#[utoipa::path(get, path = "/api/v1/medical/claims/{number}/eob", tag = "medical",
    params(("number" = String, Path, description = "the hospital's claim number")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "FHIR R4 ExplanationOfBenefit", content_type = "application/fhir+json", body = Object),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn eob(
    State(web): State<Web>,
    who: Signed,
    Path(number): Path<String>,
) -> Result<impl IntoResponse, WebError> {
    let claim = own_claim(&web, &who, &number).await?;
    let e = minsheng_medical::explain(super::rules(&web)?, &claim)?;
    let body = super::fhir::explanation_of_benefit(&claim, &e.trees);
    Ok((
        [(header::CONTENT_TYPE, "application/fhir+json")],
        serde_json::to_string(&body).unwrap_or_default(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DayQuery {
    /// YYYY-MM-DD; default today.
    pub day: Option<String>,
}

/// The day's reconciliation file (对账单): every claim of the hospital dated that day, settled
/// or reversed, with each payer's amount in yuan, and a last line of totals over those that
/// stand. CSV, UTF-8.
#[utoipa::path(get, path = "/api/v1/medical/reconciliation", tag = "medical",
    params(DayQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "the reconciliation file", content_type = "text/csv", body = String),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn reconciliation(
    State(web): State<Web>,
    who: Signed,
    Query(q): Query<DayQuery>,
) -> Result<impl IntoResponse, WebError> {
    let hospital = super::own_hospital(&web, &who).await?;
    let day = match q.day.as_deref().map(str::trim) {
        None | Some("") => web.clock().today,
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| WebError::invalid("day", format!("「{t}」不是日期（应为 YYYY-MM-DD）")))?,
    };
    let claims = web
        .store
        .medical()
        .claims_of_hospital(&hospital, day)
        .await?;
    let text = minsheng_medical::reconciliation::csv(&hospital, day, &claims);
    let name = format!("attachment; filename=\"{hospital}-{day}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        text,
    ))
}
