//! The pages of policy analysis: server-rendered HTML, every form with the session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minsheng_core::Month;
use serde::Deserialize;

use crate::error::{PageError, WebError};
use crate::extract::PageQuery;
use crate::Web;
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::policy::view::WhatIfView;
use crate::session::{OnPage, Signed};

#[derive(Template)]
#[template(path = "whatif.html")]
struct WhatIfPage {
    frame: Option<Frame>,
    /// Where the form is sent (the form is shared with the medical what-if's page).
    action: &'static str,
    month: String,
    changes: String,
    /// The catalog's numeric parameters in force in the month, to pick one from.
    parameters: Vec<ParameterOption>,
    /// The one picked, with its value and source.
    chosen: Option<ParameterOption>,
    result: Option<WhatIfView>,
    message: Option<String>,
}

/// A parameter as the picker shows it: its description, value in force, date and source.
#[derive(Debug, Clone)]
pub struct ParameterOption {
    pub name: String,
    pub description: String,
    pub value: String,
    pub since: String,
    pub reference: String,
    pub placeholder: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WhatIfParams {
    pub(crate) month: Option<String>,
    changes: Option<String>,
    /// A parameter picked from the catalog, and how it changes: `percent` (by `amount` %) or
    /// `value` (to `amount`).
    parameter: Option<String>,
    how: Option<String>,
    amount: Option<String>,
}

/// A what-if's form as read: the catalog's parameters to pick from, the one picked, and the
/// changes (the text as the form shows it, and its changes one by one).
pub(crate) struct WhatIfForm {
    pub(crate) parameters: Vec<ParameterOption>,
    pub(crate) chosen: Option<ParameterOption>,
    pub(crate) text: String,
    pub(crate) changes: Vec<String>,
}

impl WhatIfForm {
    /// The form as `who` sent it, for those who may simulate policy: its month (this one when
    /// not given), and its changes read against `policy`'s parameters in force on the month's
    /// first day — a picked parameter's change added to the text's unless it is there already.
    pub(crate) fn read(
        web: &Web,
        who: &Signed,
        policy: &minsheng_policy::Policy,
        params: &WhatIfParams,
    ) -> Result<(Month, WhatIfForm), WebError> {
        if !who.account.may(minsheng_core::access::Duty::SimulatePolicy) {
            return Err(WebError::Forbidden(
                "政策测算覆盖全市，仅限市级管理员和审计人员".into(),
            ));
        }
        let month = crate::queries::parse_month(params.month.as_deref(), web.clock())?;
        let parameters = parameter_options(policy, month.first_day());
        let chosen = params
            .parameter
            .as_deref()
            .and_then(|name| parameters.iter().find(|p| p.name == name).cloned());
        let mut text = params.changes.clone().unwrap_or_default();
        if let Some(change) = picked_change(params)? {
            if !text.lines().any(|l| l.trim() == change) {
                if !text.trim().is_empty() {
                    text.push('\n');
                }
                text.push_str(&change);
            }
        }
        let changes = crate::policy::queries::changes(&text);
        let form = WhatIfForm {
            parameters,
            chosen,
            text,
            changes,
        };
        Ok((month, form))
    }
}

/// A what-if's run as its page shows it: nothing yet (no changes given), its result, or the
/// refusal of changes it could not make, with the refusal's status; any other error is the
/// page's.
pub(crate) fn shown<T>(
    ran: Option<Result<T, WebError>>,
) -> Result<(Option<T>, Option<String>, StatusCode), WebError> {
    match ran {
        None => Ok((None, None, StatusCode::OK)),
        Some(Ok(result)) => Ok((Some(result), None, StatusCode::OK)),
        Some(Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. }))) => {
            Ok((None, Some(e.message(crate::i18n::current())), e.status()))
        }
        Some(Err(e)) => Err(e),
    }
}

/// The numeric parameters in force on `on`, by description.
fn parameter_options(
    policy: &minsheng_policy::Policy,
    on: chrono::NaiveDate,
) -> Vec<ParameterOption> {
    use minsheng_policy::Type;
    let mut options: Vec<ParameterOption> = policy
        .parameters
        .leaves
        .values()
        .filter(|p| matches!(p.ty, Type::Money | Type::Number | Type::Int))
        .filter_map(|p| {
            let dated = p.at(on)?;
            Some(ParameterOption {
                name: p.name.clone(),
                description: if p.description.is_empty() {
                    p.name.clone()
                } else {
                    p.description.clone()
                },
                value: dated.value.map(|v| v.to_string()).unwrap_or_default(),
                since: dated.since.to_string(),
                reference: dated.reference.clone(),
                placeholder: dated.placeholder,
            })
        })
        .collect();
    options.sort_by(|a, b| a.name.cmp(&b.name));
    options
}

/// The change a picked parameter makes, as the text form writes it: `NAME=+5%` or `NAME=850`.
fn picked_change(params: &WhatIfParams) -> Result<Option<String>, WebError> {
    let (Some(name), Some(amount)) = (
        params
            .parameter
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
        params
            .amount
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    ) else {
        return Ok(None);
    };
    match params.how.as_deref().unwrap_or("percent") {
        "percent" => {
            let signed = if amount.starts_with(['+', '-']) {
                amount.to_string()
            } else {
                format!("+{amount}")
            };
            Ok(Some(format!("{name}={signed}%")))
        }
        "value" => Ok(Some(format!("{name}={amount}"))),
        other => Err(WebError::invalid(
            "how",
            format!("「{other}」应为 percent 或 value"),
        )),
    }
}

/// The what-if form, and with changes given, their effect (a GET: it changes nothing).
pub async fn what_if(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<WhatIfParams>,
) -> Result<Response, PageError> {
    let (month, form) = WhatIfForm::read(&web, &who, &web.policy, &params)?;
    let ran = if form.changes.is_empty() {
        None
    } else {
        Some(crate::policy::queries::what_if(&web, &who, month, &form.changes).await)
    };
    let (result, message, status) = shown(ran)?;
    let page = WhatIfPage {
        frame: Frame::of(&who),
        action: "/what-if",
        month: month.to_string(),
        changes: form.text,
        parameters: form.parameters,
        chosen: form.chosen,
        result,
        message,
    };
    Ok((status, Html(page.render()?)).into_response())
}
