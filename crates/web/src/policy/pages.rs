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
    month: String,
    changes: String,
    result: Option<WhatIfView>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct WhatIfParams {
    month: Option<String>,
    changes: Option<String>,
}

/// The what-if form, and with changes given, their effect (a GET: it changes nothing).
pub async fn what_if(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<WhatIfParams>,
) -> Result<Response, PageError> {
    if !who.account.may(minsheng_core::access::Duty::SimulatePolicy) {
        return Err(WebError::Forbidden(
            "policy what-if runs over the whole city: for the city's administrators and auditors"
                .into(),
        )
        .into());
    }
    let month = crate::queries::parse_month(params.month.as_deref(), web.clock())?;
    let text = params.changes.unwrap_or_default();
    let changes = crate::policy::queries::changes(&text);
    let (result, message, status) = if changes.is_empty() {
        (None, None, axum::http::StatusCode::OK)
    } else {
        match crate::policy::queries::what_if(&web, &who, month, &changes).await {
            Ok(r) => (Some(r), None, axum::http::StatusCode::OK),
            Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
                (None, Some(e.to_string()), e.status())
            }
            Err(e) => return Err(e.into()),
        }
    };
    let page = WhatIfPage {
        frame: Frame::of(&who),
        month: month.to_string(),
        changes: text,
        result,
        message,
    };
    Ok((status, Html(page.render()?)).into_response())
}
