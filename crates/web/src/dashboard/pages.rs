//! The pages of the dashboard: server-rendered HTML, every form with the session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use minsheng_core::{Fen, MoneyError};
use serde::Deserialize;

use crate::dashboard::view::Dashboard;
use crate::error::{PageError, WebError};
use crate::extract::PageQuery;
use crate::Web;
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::session::OnPage;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    frame: Option<Frame>,
    d: Dashboard,
    total_net: String,
    tiles: Vec<crate::charts::Tile>,
    tiles_width: i64,
    tiles_height: i64,
    programs: crate::charts::BarChart,
    months: crate::charts::LineChart,
    compare: crate::dashboard::view::Comparison,
    /// month, program, district, payees, net
    rows: Vec<(String, String, String, u64, String)>,
}

#[derive(Debug, Deserialize)]
pub struct PeriodParams {
    from: Option<String>,
    to: Option<String>,
}

pub async fn dashboard(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<PeriodParams>,
) -> Result<Html<String>, PageError> {
    use crate::charts;
    let clock = web.clock();
    let (from, to) =
        crate::queries::parse_period(params.from.as_deref(), params.to.as_deref(), clock)?;
    let d = crate::dashboard::queries::dashboard(&web, &who, from, to, clock).await?;
    let label = |code: &str| web.policy.program_label(code).to_string();
    // Charts scale plain numbers; the sums of fen behind them are checked.
    let add = |sum: &mut i64, amount: Fen| -> Result<(), WebError> {
        *sum = (sum.checked_add(amount.0))
            .ok_or_else(|| WebError::Internal(MoneyError::TooLarge.to_string()))?;
        Ok(())
    };
    let mut by_district: Vec<(String, String, i64)> = Vec::new();
    let mut by_program: Vec<(String, i64)> = Vec::new();
    let mut by_month: Vec<(String, i64)> = Vec::new();
    for t in &d.totals {
        if t.month == d.to {
            match by_district.iter_mut().find(|(c, _, _)| *c == t.district) {
                Some(e) => add(&mut e.2, t.net_fen)?,
                None => {
                    by_district.push((t.district.clone(), t.district_name.clone(), t.net_fen.0))
                }
            }
        }
        let program = label(&t.program);
        match by_program.iter_mut().find(|(p, _)| *p == program) {
            Some(e) => e.1 += t.payees as i64,
            None => by_program.push((program, t.payees as i64)),
        }
        match by_month.iter_mut().find(|(m, _)| *m == t.month) {
            Some(e) => add(&mut e.1, t.net_fen)?,
            None => by_month.push((t.month.clone(), t.net_fen.0)),
        }
    }
    let tiles = charts::districts(&by_district, charts::yuan);
    let total = Fen::total(d.totals.iter().map(|t| t.net_fen))
        .map_err(|e| WebError::Internal(e.to_string()))?
        .0;
    let page = DashboardPage {
        frame: Frame::of(&who),
        total_net: Fen(total).grouped(),
        tiles_width: 4 * (charts::TILE + 6),
        tiles_height: 4 * (charts::TILE / 2 + 6),
        tiles,
        programs: charts::bars(&by_program, charts::count),
        months: charts::line(&by_month, charts::yuan),
        compare: crate::dashboard::view::Comparison::of(&d.totals)
            .map_err(|e| WebError::Internal(e.to_string()))?,
        rows: d
            .totals
            .iter()
            .map(|t| {
                (
                    t.month.clone(),
                    label(&t.program),
                    t.district_name.clone(),
                    t.payees,
                    t.net_fen.grouped(),
                )
            })
            .collect(),
        d,
    };
    Ok(Html(page.render()?))
}
