//! What a signed-in person asks of the dashboard, answered within their scope and audited where the
//! rules require it. Pages and endpoints are thin shells over these.

use chrono::Datelike;
use minsheng_app::Clock;
use minsheng_assistance::storage::{CasesStore as _, DiscoveryStore as _};
use minsheng_core::access::Scope;
use minsheng_core::{AreaLevel, Month};
use std::collections::BTreeMap;

use crate::assistance::view::MonitoringView;
use crate::dashboard::view::{Dashboard, ElderlyCoverageView};
use crate::error::WebError;
use crate::payments::view::TotalView;
use crate::session::Signed;
use crate::Web;

/// The city dashboard, within the account's area.
pub async fn dashboard(
    web: &Web,
    who: &Signed,
    from: Month,
    to: Month,
    clock: Clock,
) -> Result<Dashboard, WebError> {
    if !who.account.is_staff() {
        return Err(WebError::Forbidden("看板供工作人员使用".into()));
    }
    if from > to {
        return Err(WebError::invalid("from", format!("{from} 晚于 {to}")));
    }
    let scope = who.account.scope();
    let totals = minsheng_payments::totals(&web.store, from, to, &scope).await?;
    let codes: Vec<&str> = totals.iter().map(|t| t.district.as_str()).collect();
    let names = web.store.area_names(&codes).await?;
    let mut monitoring: Vec<MonitoringView> = Vec::new();
    if let Some((_, counts)) = web
        .store
        .discovery()
        .monitoring_by_category(to, &scope)
        .await?
    {
        for c in counts {
            match monitoring.iter_mut().find(|m| m.category == c.category) {
                Some(m) => {
                    m.households += c.households;
                    m.persons += c.persons;
                    m.enrolled += c.enrolled;
                }
                None => monitoring.push(MonitoringView {
                    label: web
                        .policy
                        .monitoring_category(&c.category)
                        .map_or_else(|| c.category.clone(), |m| m.label.clone()),
                    category: c.category,
                    households: c.households,
                    persons: c.persons,
                    enrolled: c.enrolled,
                }),
            }
        }
    }
    // In the catalog's order (`monitoring.yaml`); a category it no longer has, last.
    let rank = |code: &str| {
        web.policy
            .monitoring
            .iter()
            .position(|m| m.code == code)
            .unwrap_or(usize::MAX)
    };
    monitoring.sort_by_key(|m| rank(&m.category));
    let calendar = web.store.work_calendar().await?;
    let (open_cases, overdue_cases) = web
        .store
        .cases()
        .open_case_counts(&scope, calendar.working_day_through(clock.today))
        .await?;
    // The years the open cases' deadlines are counted over, from the earliest acceptance to
    // the latest whole-procedure deadline.
    let spanned = web
        .store
        .cases()
        .open_case_span(&scope)
        .await?
        .into_iter()
        .flat_map(|(first, last)| first.year()..=last.year());
    let calendar_missing = calendar.notices_wanted(clock.today, spanned);
    let (elderly, circle_as_of) = elderly(web, &scope, clock).await?;
    Ok(Dashboard {
        from: from.to_string(),
        to: to.to_string(),
        totals: totals
            .iter()
            .map(|t| TotalView {
                month: t.month.to_string(),
                program: t.program.clone(),
                district_name: names
                    .get(&t.district)
                    .cloned()
                    .unwrap_or_else(|| t.district.clone()),
                district: t.district.clone(),
                payees: t.payees,
                net_fen: t.net,
            })
            .collect(),
        monitoring,
        open_cases,
        overdue_cases,
        calendar_missing,
        elderly,
        circle_as_of,
    })
}

/// Visiting coverage today and the latest circle, summed by the areas one level below the
/// scope's.
async fn elderly(
    web: &Web,
    scope: &Scope,
    clock: Clock,
) -> Result<(Vec<ElderlyCoverageView>, Option<String>), WebError> {
    use minsheng_eldercare::circle::CircleStore as _;
    use minsheng_eldercare::visits;
    // The length of the codes one level below the scope's.
    let below = match scope {
        Scope::Area(a) => match a.level() {
            AreaLevel::City => 6,
            AreaLevel::District => 9,
            AreaLevel::Street | AreaLevel::Community => 12,
        },
        _ => 6,
    };
    let group = |code: &str| code.get(..below).unwrap_or(code).to_string();
    let mut rows: BTreeMap<String, ElderlyCoverageView> = BTreeMap::new();
    let due = visits::due(&web.store, &web.policy, scope, clock.today)
        .await
        .map_err(crate::eldercare::visits::visit_error)?;
    let (by_community, _) = visits::coverage(&due);
    for (area, c) in by_community {
        let row = rows.entry(group(&area)).or_default();
        row.listed += c.listed;
        row.visited_in_time += c.current;
        row.overdue += c.overdue;
        row.escalated += c.escalated;
    }
    let circle = web.store.circle();
    let run = circle.last_run().await?;
    if let Some(run) = &run {
        for c in circle.communities(run.id, scope).await? {
            let row = rows.entry(group(&c.area)).or_default();
            row.elders += c.elders;
            row.within_reach += c.covered;
        }
    }
    let codes: Vec<&str> = rows.keys().map(String::as_str).collect();
    let names = web.store.area_names(&codes).await?;
    let list = rows
        .into_iter()
        .map(|(area, row)| ElderlyCoverageView {
            area_name: names.get(&area).cloned().unwrap_or_else(|| area.clone()),
            area,
            ..row
        })
        .collect();
    Ok((list, run.map(|r| r.as_of.to_string())))
}
