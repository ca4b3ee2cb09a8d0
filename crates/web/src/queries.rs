//! What a signed-in person asks for, answered within their scope and written to the audit log
//! where the rules require it. Pages and API endpoints are thin shells over these.

use chrono::NaiveDate;
use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_core::{AreaCode, Month};
use minsheng_policy::explain;

use crate::error::WebError;
use crate::session::Signed;
use crate::view::{
    AuditView, CaseList, CaseView, ExplanationView, HouseholdHitView, HouseholdView, SearchPage,
};
use crate::Web;

pub const PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;

pub fn parse_month(text: Option<&str>, clock: Clock) -> Result<Month, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Month::containing(clock.today)),
        Some(t) => t
            .parse()
            .map_err(|_| WebError::invalid("month", format!("'{t}' is not a month like 2025-06"))),
    }
}

pub fn parse_day(text: Option<&str>, clock: Clock) -> Result<NaiveDate, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(clock.today),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| WebError::invalid("on", format!("'{t}' is not a day like 2025-06-30"))),
    }
}

pub fn parse_page(page: Option<&str>, per_page: Option<&str>) -> Result<(u32, u32), WebError> {
    let number =
        |field: &str, text: Option<&str>, default: u32, max: u32| -> Result<u32, WebError> {
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(default),
                Some(t) => match t.parse::<u32>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(WebError::invalid(
                        field,
                        format!("'{t}' is not a number from 1 to {max}"),
                    )),
                },
            }
        };
    Ok((
        number("page", page, 1, 100_000)?,
        number("per_page", per_page, PER_PAGE, MAX_PER_PAGE)?,
    ))
}

/// Every area from the city down to `area`, named: "青岛市 › 崂山区 › …".
async fn area_path(web: &Web, area: &AreaCode) -> Result<String, WebError> {
    let mut chain = Vec::new();
    let mut next = Some(area.clone());
    while let Some(a) = next {
        next = a.parent();
        chain.push(a);
    }
    chain.reverse();
    let codes: Vec<&str> = chain.iter().map(AreaCode::as_str).collect();
    let names = web.store.area_names(&codes).await?;
    Ok(chain
        .iter()
        .filter_map(|c| names.get(c.as_str()).cloned())
        .collect::<Vec<_>>()
        .join(" › "))
}

pub async fn search(
    web: &Web,
    who: &Signed,
    query: &str,
    page: u32,
    per_page: u32,
) -> Result<SearchPage, WebError> {
    if query.trim().is_empty() {
        return Err(WebError::invalid(
            "q",
            "give a name, an ID number or a household code",
        ));
    }
    let (hits, total) = web
        .store
        .search_households(
            query,
            &who.account.scope(),
            per_page,
            (page - 1).saturating_mul(per_page),
        )
        .await?;
    Ok(SearchPage {
        items: hits.iter().map(HouseholdHitView::from).collect(),
        total,
        page,
        per_page,
    })
}

/// A household's file as a person in scope may see it; reading it, and revealing its ID
/// numbers, is audited.
pub async fn household(
    web: &Web,
    who: &Signed,
    key: &str,
    on: NaiveDate,
    reveal: bool,
    clock: Clock,
) -> Result<HouseholdView, WebError> {
    let file = web
        .store
        .household_file_within(key, &who.account.scope())
        .await?;
    let action = if reveal {
        "reveal_household"
    } else {
        "read_household"
    };
    web.store
        .audit(
            who.account.name(),
            action,
            &file.code,
            &format!("on={on} via=web"),
            clock.now,
        )
        .await?;
    let path = area_path(web, &file.area).await?;
    Ok(HouseholdView::of(&file, path, on, clock.now, reveal))
}

/// The audit trail of a household (reads, reveals, changes): for staff only.
pub async fn household_audit(
    web: &Web,
    who: &Signed,
    household: &str,
) -> Result<Vec<AuditView>, WebError> {
    if !who.account.is_staff() {
        return Ok(Vec::new());
    }
    Ok(web
        .store
        .audit_entries(household)
        .await?
        .iter()
        .rev()
        .take(50)
        .map(AuditView::from)
        .collect())
}

pub async fn cases(
    web: &Web,
    scope: &Scope,
    open_only: bool,
    clock: Clock,
) -> Result<CaseList, WebError> {
    let list = web.store.cases_within(scope, open_only).await?;
    let calendar = web.store.work_calendar().await?;
    let mut items: Vec<CaseView> = list
        .iter()
        .map(|c| CaseView::of(c, &calendar, clock.today))
        .collect();
    // Overdue first, then by working days left; cases without a deadline last.
    items.sort_by_key(|c| (c.working_days_left.is_none(), c.working_days_left, c.id));
    Ok(CaseList {
        total: items.len() as u64,
        items,
    })
}

/// The cases of a household already read within scope (its community's cases, filtered).
pub async fn household_cases(
    web: &Web,
    file: &HouseholdView,
    clock: Clock,
) -> Result<Vec<CaseView>, WebError> {
    let area = AreaCode::parse(&file.area).map_err(|e| WebError::Internal(e.to_string()))?;
    let calendar = web.store.work_calendar().await?;
    Ok(web
        .store
        .cases_within(&Scope::Area(area), false)
        .await?
        .iter()
        .filter(|c| c.household == file.household)
        .map(|c| CaseView::of(c, &calendar, clock.today))
        .collect())
}

/// Every program for a household's month, from the registry as known now.
pub async fn explain(
    web: &Web,
    who: &Signed,
    key: &str,
    month: Month,
    clock: Clock,
) -> Result<ExplanationView, WebError> {
    let file = web
        .store
        .household_file_within(key, &who.account.scope())
        .await?;
    web.store
        .audit(
            who.account.name(),
            "explain_household",
            &file.code,
            &format!("month={month} via=web"),
            clock.now,
        )
        .await?;
    let members = file.as_of(month.first_day(), clock.now);
    if members.is_empty() {
        return Err(WebError::NotFound(format!(
            "household {} has no members in {month}",
            file.code
        )));
    }
    let explained = explain::household(&web.policy, month, &members);
    Ok(ExplanationView {
        household: file.code.clone(),
        month: month.to_string(),
        trees: explained.trees(),
        computations: explained.to_json(),
    })
}
