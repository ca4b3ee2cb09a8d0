//! The pages of policy analysis: server-rendered HTML, every form with the session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use crate::error::{PageError, WebError};
use crate::extract::PageQuery;
use crate::Web;
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::policy::view::WhatIfView;
use crate::session::OnPage;

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
    /// Reads the form against `policy`'s parameters in force on `on`: a picked parameter's
    /// change is added to the text's unless it is there already.
    pub(crate) fn read(
        policy: &minsheng_policy::Policy,
        on: chrono::NaiveDate,
        params: &WhatIfParams,
    ) -> Result<WhatIfForm, WebError> {
        let parameters = parameter_options(policy, on);
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
        Ok(WhatIfForm {
            parameters,
            chosen,
            text,
            changes,
        })
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
    if !who.account.may(minsheng_core::access::Duty::SimulatePolicy) {
        return Err(
            WebError::Forbidden("政策测算覆盖全市，仅限市级管理员和审计人员".into()).into(),
        );
    }
    let month = crate::queries::parse_month(params.month.as_deref(), web.clock())?;
    let form = WhatIfForm::read(&web.policy, month.first_day(), &params)?;
    let changes = &form.changes;
    let (result, message, status) = if changes.is_empty() {
        (None, None, axum::http::StatusCode::OK)
    } else {
        match crate::policy::queries::what_if(&web, &who, month, changes).await {
            Ok(r) => (Some(r), None, axum::http::StatusCode::OK),
            Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
                (None, Some(e.message(crate::i18n::current())), e.status())
            }
            Err(e) => return Err(e.into()),
        }
    };
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
