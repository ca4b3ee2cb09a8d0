//! What a signed-in person asks of the registry, answered within their scope and audited where the
//! rules require it. Pages and endpoints are thin shells over these.

use chrono::NaiveDate;
use minsheng_app::Clock;
use minsheng_core::registry::HouseholdFile;
use minsheng_core::Month;
use minsheng_payments::PaymentsStore as _;
use minsheng_policy::explain;

use crate::error::WebError;
use crate::payments::view::{BenefitView, HouseholdPaymentView};
use crate::queries::program_label;
use crate::registry::view::{
    AuditView, ExplanationView, HouseholdHitView, HouseholdView, SearchPage, SummaryView,
};
use crate::session::Signed;
use crate::Web;

/// Payments a household file lists (two years of one program to one payee).
pub const PAYMENTS_ON_FILE: u32 = 24;

pub async fn search(
    web: &Web,
    who: &Signed,
    query: &str,
    page: u32,
    per_page: u32,
) -> Result<SearchPage, WebError> {
    if query.trim().is_empty() {
        return Err(WebError::invalid("q", "请输入姓名、身份证号或户编号"));
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

pub(crate) fn read_entry(
    who: &Signed,
    action: &str,
    subject: &str,
    detail: String,
    clock: Clock,
) -> minsheng_store::NewAuditEntry {
    minsheng_store::NewAuditEntry {
        actor: who.account.name().to_string(),
        action: action.to_string(),
        subject: subject.to_string(),
        detail,
        at: clock.now,
    }
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
    Ok(household_and_file(web, who, key, on, reveal, clock)
        .await?
        .1)
}

/// [`household`], with the file it was read from (the application form needs the members'
/// full ID numbers to send back, without a second read).
pub async fn household_and_file(
    web: &Web,
    who: &Signed,
    key: &str,
    on: NaiveDate,
    reveal: bool,
    clock: Clock,
) -> Result<(HouseholdFile, HouseholdView), WebError> {
    let file = web
        .store
        .household_file_within(key, &who.account.scope())
        .await?;
    let action = if reveal {
        "reveal_household"
    } else {
        "read_household"
    };
    web.audit
        .record(read_entry(
            who,
            action,
            &file.code,
            format!("on={on} via=web"),
            clock,
        ))
        .await?;
    let path = web.store.area_path(&file.area).await?;
    let mut view = HouseholdView::of(&file, path, on, clock.now, reveal);
    // The benefits and payments of the household just read within scope.
    let month = Month::containing(on);
    view.benefits = web
        .store
        .payments()
        .benefits(&file.code)
        .await?
        .iter()
        .map(|(e, pauses)| BenefitView::of(e, pauses, program_label(web, &e.program), month))
        .collect();
    view.payments = web
        .store
        .payments()
        .household_payments(&file.code, PAYMENTS_ON_FILE)
        .await?
        .iter()
        .map(|p| HouseholdPaymentView {
            month: p.month.to_string(),
            program_label: program_label(web, &p.program),
            program: p.program.clone(),
            payee: p.payee.clone(),
            amount_fen: p.amount,
            state: p.state.as_str().into(),
            state_label: p.state.label().into(),
            attempts: p.attempts,
        })
        .collect();
    Ok((file, view))
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
        .recent_audit_entries(household, 50)
        .await?
        .iter()
        .map(|e| {
            let mut view = AuditView::from(e);
            view.detail_text = crate::registry::view::audit_detail(&e.detail, &|code| {
                web.policy.program_label(code).to_string()
            });
            view
        })
        .collect())
}

/// Every program for a household's month, from the registry as known now.
pub async fn explain(
    web: &Web,
    who: &Signed,
    key: &str,
    month: Month,
    program: Option<&str>,
    clock: Clock,
) -> Result<ExplanationView, WebError> {
    let file = web
        .store
        .household_file_within(key, &who.account.scope())
        .await?;
    web.audit
        .record(read_entry(
            who,
            "explain_household",
            &file.code,
            format!("month={month} via=web"),
            clock,
        ))
        .await?;
    let members = file.as_of(month.first_day(), clock.now);
    if members.is_empty() {
        return Err(WebError::NotFound(format!(
            "户 {} 在 {month} 的成员",
            file.code
        )));
    }
    let mut explained = explain::household(&web.policy, month, &members);
    let program = program.and_then(|code| web.policy.program(code));
    let summary = match program {
        Some(p) => explained.summaries_of(p.amount),
        None => explained.summaries(),
    };
    // Residents are told the outcome and the reason; the trees and the computations, with
    // their parameter paths, are the staff's working.
    let staff = who.account.is_staff();
    let trees = match program {
        _ if !staff => Vec::new(),
        Some(p) => explained.trees_of(p.amount),
        None => explained.trees(),
    };
    let computations = if staff {
        serde_json::value::to_raw_value(&explained.computations())
    } else {
        serde_json::value::to_raw_value(&[(); 0])
    };
    Ok(ExplanationView {
        household: file.code.clone(),
        month: month.to_string(),
        summary: summary.into_iter().map(SummaryView::from).collect(),
        trees,
        computations: computations.map_err(|e| WebError::Internal(e.to_string()))?,
    })
}
