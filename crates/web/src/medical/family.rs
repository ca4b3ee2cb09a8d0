//! Family mutual aid of the employees' personal account (个人账户家庭共济) under
//! `/api/v1/medical/family`: the employee binds a spouse, parent or child (as the registry's
//! household records them) whose claims may then draw on the account, and ends it; any office's
//! staff may do it for them (市域通办).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json as JsonResponse;
use minsheng_core::access::{Account, Role};
use minsheng_core::IdNumber;
use minsheng_medical::family::{self, Binding};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ErrorBody, WebError};
use crate::extract::{Json, Path};
use crate::session::Signed;
use crate::Web;

#[derive(Debug, Deserialize, ToSchema)]
pub struct BindingInput {
    /// The employee whose account pays; a resident binds their own only.
    pub holder_id_number: String,
    /// Their spouse, parent or child.
    pub relative_id_number: String,
    pub csrf: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BindingView {
    pub id: i64,
    /// spouse, parent or child: the relative, as the employee's.
    pub kin: String,
    pub from: String,
    /// The last day, once ended.
    pub to: Option<String>,
}

impl From<&Binding> for BindingView {
    fn from(b: &Binding) -> Self {
        BindingView {
            id: b.id,
            kin: b.kin.as_str().into(),
            from: b.from.to_string(),
            to: b.to.map(|t| t.to_string()),
        }
    }
}

fn refused_provider(who: &Signed) -> Result<(), WebError> {
    match &who.account {
        Account::Staff(s) if s.role == Role::Provider => Err(WebError::Forbidden(
            "家庭共济由职工本人或医保经办窗口办理".into(),
        )),
        _ => Ok(()),
    }
}

/// Binds a relative to an employee's account from today. Refused, nothing filed: a holder not
/// in the employees' scheme today, a relative the registry does not make the holder's spouse,
/// parent or child, or one bound already.
#[utoipa::path(post, path = "/api/v1/medical/family", tag = "medical",
    request_body = BindingInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "bound", body = BindingView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "a resident binding someone else's account, or a service provider", body = ErrorBody),
        (status = 422, description = "refused; `field` names what is wrong; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn bind(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Json(input): Json<BindingInput>,
) -> Result<(StatusCode, JsonResponse<BindingView>), WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    refused_provider(&who)?;
    let holder = IdNumber::parse(&input.holder_id_number)
        .map_err(|e| WebError::invalid("holder_id_number", e.to_string()))?;
    let relative = IdNumber::parse(&input.relative_id_number)
        .map_err(|e| WebError::invalid("relative_id_number", e.to_string()))?;
    if let Account::Resident { id_number, .. } = &who.account {
        if *id_number != holder {
            return Err(WebError::Forbidden(
                "居民只能为本人的职工个人账户办理家庭共济".into(),
            ));
        }
    }
    let b = family::bind(&web.store, &who.account, &holder, &relative, web.clock()).await?;
    Ok((StatusCode::CREATED, JsonResponse(BindingView::from(&b))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndInput {
    pub csrf: Option<String>,
}

/// Ends a binding today: the employee themself or any office's staff.
#[utoipa::path(post, path = "/api/v1/medical/family/{id}/end", tag = "medical",
    params(("id" = i64, Path, description = "the binding's id")),
    request_body = EndInput,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "ended", body = BindingView),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not the employee or an office", body = ErrorBody),
        (status = 422, description = "unknown or ended; nothing written", body = ErrorBody),
    ))]
pub(crate) async fn end(
    State(web): State<Web>,
    who: Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(input): Json<EndInput>,
) -> Result<JsonResponse<BindingView>, WebError> {
    crate::api::check_csrf(&who, &headers, input.csrf.as_deref())?;
    refused_provider(&who)?;
    let b = match family::end(&web.store, &who.account, id, web.clock()).await {
        Err(minsheng_medical::ClaimError::Invalid(e))
            if e.first().is_some_and(|e| e.field == "actor") =>
        {
            return Err(WebError::Forbidden(
                "家庭共济由职工本人或医保经办窗口解除".into(),
            ))
        }
        other => other?,
    };
    Ok(JsonResponse(BindingView::from(&b)))
}
