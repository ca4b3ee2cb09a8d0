//! Long-term care insurance (长期护理保险) under `/api/v1/medical/care`: a designated care
//! provider's system claims a month of care (each person's stretches of days), settled by the
//! long-term care rules; the medical-insurance office of the provider's district (or the city)
//! approves it, and what the fund owes becomes the provider's due in the payments ledger. The
//! provider and the office read a month; ID numbers are masked.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json as JsonResponse;
use minsheng_core::access::{Account, Role};
use minsheng_core::Month;
use minsheng_medical::care::{self, CareMonth, CareStore as _};
use minsheng_policy::Policy;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ErrorBody, WebError};
use crate::extract::{Json, Path, Query};
use crate::session::Signed;
use crate::Web;

/// The long-term care rules the service was started with.
fn rules(web: &Web) -> Result<Arc<Policy>, WebError> {
    web.care.clone().ok_or_else(|| {
        WebError::Internal("the long-term care insurance rules were not loaded".into())
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StretchInput {
    pub id_number: String,
    /// YYYY-MM-DD, the first day of care, in the month claimed.
    pub from: String,
    /// YYYY-MM-DD, the last day of care, in the month claimed.
    pub to: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MonthInput {
    /// YYYY-MM, a month that has ended.
    pub month: String,
    /// One stretch of days a line; a person whose form of care changed in the month has one
    /// each side of the change.
    pub stretches: Vec<StretchInput>,
    pub csrf: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StretchView {
    pub form: String,
    pub from: String,
    pub to: String,
    pub days: i64,
    pub cost_fen: i64,
}

/// One person's month; the ID number masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct CareView {
    pub id_number: String,
    pub scheme: String,
    pub disability_grade: u8,
    pub cost_fen: i64,
    pub fund_fen: i64,
    pub person_fen: i64,
    pub stretches: Vec<StretchView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthView {
    pub id: i64,
    pub provider: String,
    pub month: String,
    pub total_fen: i64,
    pub fund_fen: i64,
    pub person_fen: i64,
    pub claimed_by: String,
    /// Who approved it, once approved.
    pub approved_by: Option<String>,
    pub cares: Vec<CareView>,
}

impl From<&CareMonth> for MonthView {
    fn from(m: &CareMonth) -> Self {
        MonthView {
            id: m.id,
            provider: m.provider.clone(),
            month: m.month.to_string(),
            total_fen: m.total.0,
            fund_fen: m.fund.0,
            person_fen: m.person.0,
            claimed_by: m.claimed_by.clone(),
            approved_by: m.approved.as_ref().map(|(_, by)| by.clone()),
            cares: (m.cares.iter())
                .map(|c| CareView {
                    id_number: c.id_number.masked(),
                    scheme: c.scheme.as_str().into(),
                    disability_grade: c.grade,
                    cost_fen: c.cost.0,
                    fund_fen: c.fund.0,
                    person_fen: c.person.0,
                    stretches: (c.stretches.iter())
                        .map(|s| StretchView {
                            form: s.form.as_str().into(),
                            from: s.from.to_string(),
                            to: s.to.to_string(),
                            days: s.days,
                            cost_fen: s.cost.0,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// Someone the provider cares for in a month: what its system claims for.
#[derive(Debug, Serialize, ToSchema)]
pub struct BeneficiaryView {
    /// In full: the provider's own beneficiary, whose care it claims.
    pub id_number: String,
    pub qualification: i64,
    /// institutional, home or family.
    pub form: String,
    pub disability_grade: u8,
    pub from: String,
    /// The last day, when the qualification ends.
    pub to: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MonthQuery {
    /// YYYY-MM.
    pub month: String,
}

/// Whom the caller's provider cares for in a month: each qualification with it that holds on a
/// day of the month, ID numbers in full (its own beneficiaries); the read is audited.
#[utoipa::path(get, path = "/api/v1/medical/care/beneficiaries", tag = "medical",
    params(MonthQuery),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = [BeneficiaryView]),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a care provider's account", body = ErrorBody),
        (status = 422, description = "no month, or not a month", body = ErrorBody),
    ))]
pub(crate) async fn beneficiaries(
    State(web): State<Web>,
    who: Signed,
    Query(query): Query<MonthQuery>,
) -> Result<JsonResponse<Vec<BeneficiaryView>>, WebError> {
    let provider = match &who.account {
        Account::Staff(s) if s.role == Role::Provider => {
            web.store.care().provider_of(&s.name).await?
        }
        _ => None,
    };
    let Some(provider) = provider else {
        return Err(WebError::Forbidden(
            "本接口列出定点护理机构本机构的长护待遇人员".into(),
        ));
    };
    let month: Month = query.month.trim().parse().map_err(|_| {
        WebError::invalid(
            "month",
            format!("「{}」不是月份（应为 YYYY-MM）", query.month),
        )
    })?;
    let list = web.store.care().cared_for(&provider, month).await?;
    let clock = web.clock();
    web.audit
        .record(minsheng_store::NewAuditEntry {
            actor: who.account.name().into(),
            action: "ltc.beneficiaries.read".into(),
            subject: format!("ltc_provider:{provider}"),
            detail: format!("month={month} rows={} via=web", list.len()),
            at: clock.now,
        })
        .await?;
    Ok(JsonResponse(
        list.iter()
            .map(|(q, id, _)| BeneficiaryView {
                id_number: id.as_str().into(),
                qualification: q.id,
                form: q.form.as_str().into(),
                disability_grade: q.grade,
                from: q.from.to_string(),
                to: q.to.map(|t| t.to_string()),
            })
            .collect(),
    ))
}

fn officer(who: &Signed) -> bool {
    matches!(who.account.role(), Some(Role::District | Role::City))
}

/// Claims a month of care for the caller's provider. Refused, nothing recorded: a month not
/// over or claimed before (409), and for any stretch a bad ID number or date, someone not
/// qualified with the provider on each of its days, not covered, dead, or in hospital.
#[utoipa::path(post, path = "/api/v1/medical/care/months", tag = "medical",
    request_body = MonthInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "claimed and settled", body = MonthView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a care provider's account", body = ErrorBody),
        (status = 409, description = "the month was claimed before; nothing written", body = ErrorBody),
        (status = 422, description = "refused; `field` names what is wrong (`stretches[2].from`); nothing written", body = ErrorBody),
    ))]
pub(crate) async fn claim(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<MonthInput>,
) -> Result<(StatusCode, JsonResponse<MonthView>), WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    let provider = match &who.account {
        Account::Staff(s) if s.role == Role::Provider => {
            web.store.care().provider_of(&s.name).await?
        }
        _ => None,
    };
    if provider.is_none() {
        return Err(WebError::Forbidden(
            "长护费用由定点护理机构的系统账户申报".into(),
        ));
    }
    let month: Month = input.month.trim().parse().map_err(|_| {
        WebError::invalid(
            "month",
            format!("「{}」不是月份（应为 YYYY-MM）", input.month),
        )
    })?;
    let rows: Vec<(String, String, String)> = (input.stretches.into_iter())
        .map(|s| (s.id_number, s.from, s.to))
        .collect();
    let rules = rules(&web)?;
    let claimed = care::claim(&web.store, &rules, &who.account, month, &rows, web.clock()).await?;
    Ok((StatusCode::CREATED, JsonResponse(MonthView::from(&claimed))))
}

/// Reads a month: the provider that claimed it, or district or city staff over its area.
async fn readable(web: &Web, who: &Signed, id: i64) -> Result<CareMonth, WebError> {
    let care = web.store.care();
    let not_found = || WebError::NotFound(format!("没有长护申报 {id}"));
    let month = care.month(id).await?.ok_or_else(not_found)?;
    let allowed = match &who.account {
        Account::Staff(s) if s.role == Role::Provider => {
            care.provider_of(&s.name).await?.as_deref() == Some(month.provider.as_str())
        }
        Account::Staff(s) if officer(who) => care
            .provider(&month.provider)
            .await?
            .is_some_and(|p| p.area.is_within(&s.area)),
        _ => false,
    };
    // Someone else's month is not said to exist.
    if allowed {
        Ok(month)
    } else {
        Err(not_found())
    }
}

/// A claimed month, each person's care with the ID number masked.
#[utoipa::path(get, path = "/api/v1/medical/care/months/{id}", tag = "medical",
    params(("id" = i64, Path, description = "the month's id, as claimed")),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = MonthView),
        (status = 401, body = ErrorBody),
        (status = 404, description = "no such month the caller may read", body = ErrorBody),
        (status = 422, description = "an id that is not a number", body = ErrorBody),
    ))]
pub(crate) async fn get_month(
    State(web): State<Web>,
    who: Signed,
    Path(id): Path<i64>,
) -> Result<JsonResponse<MonthView>, WebError> {
    let month = readable(&web, &who, id).await?;
    Ok(JsonResponse(MonthView::from(&month)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApprovalInput {
    pub csrf: Option<String>,
}

/// Approves a claimed month: district staff of the provider's district, or city staff. The
/// fund's share becomes the provider's due, paid with the month's next providers' batch.
#[utoipa::path(post, path = "/api/v1/medical/care/months/{id}/approval", tag = "medical",
    params(("id" = i64, Path, description = "the month's id, as claimed")),
    request_body = ApprovalInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "approved", body = MonthView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not district or city staff", body = ErrorBody),
        (status = 404, description = "no such month the caller may read", body = ErrorBody),
        (status = 409, description = "approved before; nothing written", body = ErrorBody),
        (status = 422, description = "an id that is not a number, or a body that is not JSON", body = ErrorBody),
    ))]
pub(crate) async fn approve(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<ApprovalInput>,
) -> Result<JsonResponse<MonthView>, WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    if !officer(&who) {
        return Err(WebError::Forbidden(
            "长护费用由区或市医保经办人员审核".into(),
        ));
    }
    readable(&web, &who, id).await?;
    let approved = care::approve(&web.store, &who.account, id, web.clock()).await?;
    Ok(JsonResponse(MonthView::from(&approved)))
}
