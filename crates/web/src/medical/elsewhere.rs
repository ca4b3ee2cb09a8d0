//! Out-of-town care registration (异地就医备案) under `/api/v1/medical/elsewhere`: the insured
//! person registers themself (a temporary registration stands at once — self-service — a
//! long-term one waits for review) and sees where their registrations stand; any office's staff
//! file for anyone (市域通办); district or city staff review long-term ones.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json as JsonResponse;
use chrono::NaiveDate;
use minsheng_core::access::{Account, Role};
use minsheng_core::IdNumber;
use minsheng_medical::elsewhere::{self, Apply, ElsewhereStore as _, Reason, Registration};
use minsheng_medical::MedicalStore as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ErrorBody, WebError};
use crate::extract::{Json, Path};
use crate::session::Signed;
use crate::Web;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegistrationInput {
    /// The insured person's; a resident files for themself only.
    pub id_number: String,
    /// referral or other_temporary (临时外出就医); resettled_retiree, long_term_resident or
    /// posted_worker (长期异地).
    pub reason: String,
    /// The six-digit administrative division where the person will be cared for, outside
    /// Shandong.
    pub destination: String,
    /// YYYY-MM-DD, today or later; default today.
    pub from: Option<String>,
    pub csrf: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationView {
    pub id: i64,
    /// long_term or temporary.
    pub kind: String,
    pub reason: String,
    pub destination: String,
    pub from: String,
    /// The last day; absent: until ended.
    pub to: Option<String>,
    /// pending, approved, refused or ended.
    pub state: String,
    /// 中文: where it stands.
    pub state_label: String,
    pub decision: Option<String>,
}

impl From<&Registration> for RegistrationView {
    fn from(r: &Registration) -> Self {
        RegistrationView {
            id: r.id,
            kind: r.kind.as_str().into(),
            reason: r.reason.as_str().into(),
            destination: r.destination.clone(),
            from: r.from.to_string(),
            to: r.to.map(|t| t.to_string()),
            state: r.state.as_str().into(),
            state_label: r.state.label().into(),
            decision: r.decided.as_ref().map(|(_, _, why)| why.clone()),
        }
    }
}

/// Files a registration. 201 with where it stands (a temporary one `approved` at once).
/// Refused, nothing filed: a destination within Shandong or not a division, a first day before
/// today, someone not covered that day, a registration standing or pending then.
#[utoipa::path(post, path = "/api/v1/medical/elsewhere", tag = "medical",
    request_body = RegistrationInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "filed", body = RegistrationView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "a resident filing for someone else, or a service provider", body = ErrorBody),
        (status = 422, description = "refused; `field` names what is wrong; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn apply(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<RegistrationInput>,
) -> Result<(StatusCode, JsonResponse<RegistrationView>), WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    let id_number = IdNumber::parse(&input.id_number)
        .map_err(|e| WebError::invalid("id_number", e.to_string()))?;
    let allowed = match &who.account {
        Account::Resident { id_number: own, .. } => *own == id_number,
        Account::Staff(s) => s.role != Role::Provider,
    };
    if !allowed {
        return Err(WebError::Forbidden(
            "异地就医备案由参保人本人或医保经办窗口办理".into(),
        ));
    }
    let clock = web.clock();
    let from = match input.from.as_deref().map(str::trim) {
        None | Some("") => clock.today,
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            WebError::invalid("from", format!("「{t}」不是日期（应为 YYYY-MM-DD）"))
        })?,
    };
    let a = Apply {
        id_number,
        reason: Reason::parse("reason", &input.reason)
            .map_err(|e| WebError::invalid(&e.field, e.reason))?,
        destination: input.destination,
        from,
    };
    let rules = super::rules(&web)?;
    let r = elsewhere::apply(&web.store, rules, &who.account, &a, clock).await?;
    Ok((
        StatusCode::CREATED,
        JsonResponse(RegistrationView::from(&r)),
    ))
}

/// The caller's own registrations, the latest first: where each stands (a resident's account).
#[utoipa::path(get, path = "/api/v1/medical/elsewhere", tag = "medical",
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, body = [RegistrationView]),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not a resident's account", body = ErrorBody),
    ))]
pub(crate) async fn mine(
    State(web): State<Web>,
    who: Signed,
) -> Result<JsonResponse<Vec<RegistrationView>>, WebError> {
    let Account::Resident { id_number, .. } = &who.account else {
        return Err(WebError::Forbidden(
            "本接口列出参保人本人的备案；经办人员在 minsheng medical year 中查看".into(),
        ));
    };
    let Some(insured) = web.store.medical().insured(id_number).await? else {
        return Ok(JsonResponse(Vec::new()));
    };
    let list = web.store.elsewhere().of_person(insured.person_id).await?;
    Ok(JsonResponse(
        list.iter().map(RegistrationView::from).collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewInput {
    pub approve: bool,
    /// Why: the materials seen, or what is missing.
    pub reason: String,
    pub csrf: Option<String>,
}

/// Reviews a long-term registration: district or city staff (any district: 市域通办), never who
/// filed it.
#[utoipa::path(post, path = "/api/v1/medical/elsewhere/{id}/review", tag = "medical",
    params(("id" = i64, Path, description = "the registration's id")),
    request_body = ReviewInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "decided", body = RegistrationView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not district or city staff", body = ErrorBody),
        (status = 422, description = "not pending, filed by the caller, or no reason; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn review(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<ReviewInput>,
) -> Result<JsonResponse<RegistrationView>, WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    if !matches!(who.account.role(), Some(Role::District | Role::City)) {
        return Err(WebError::Forbidden(
            "长期异地就医备案由区或市医保经办人员审核".into(),
        ));
    }
    let r = elsewhere::review(
        &web.store,
        &who.account,
        id,
        input.approve,
        &input.reason,
        web.clock(),
    )
    .await?;
    Ok(JsonResponse(RegistrationView::from(&r)))
}
