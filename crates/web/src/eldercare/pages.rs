//! The pages of elderly care: server-rendered HTML, every form with the session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;

use crate::eldercare::view::RosterPage;
use crate::error::PageError;
use crate::extract::PageQuery;
use crate::Web;
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::session::OnPage;

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterView {
    frame: Option<Frame>,
    roster: RosterPage,
}

#[derive(Debug, Deserialize)]
pub struct RosterParams {
    month: Option<String>,
    page: Option<String>,
}

/// A service provider's roster of older residents.
pub async fn roster(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<RosterParams>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let month = crate::queries::parse_month(params.month.as_deref(), clock)?;
    let (page, per_page) = crate::queries::parse_page(params.page.as_deref(), None)?;
    let roster =
        crate::eldercare::queries::roster(&web, &who, month, page, per_page, clock).await?;
    let page = RosterView {
        frame: Frame::of(&who),
        roster,
    };
    Ok(Html(page.render()?))
}
