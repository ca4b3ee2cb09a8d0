//! The page on which a clerk follows one settlement: who pays what, each line, and the rules'
//! trees with every parameter's value, date and reference. Staff see the claims of persons in
//! their area; a hospital's account sees its own; each reading is audited. And the what-if on
//! the settlement rules over a month's claims, for the city's analysts.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use minsheng_core::access::{Account, Role, Scope};
use minsheng_medical::whatif::Row;
use minsheng_medical::{ClaimRecord, MedicalStore as _};
use minsheng_store::NewAuditEntry;

use crate::error::{PageError, WebError};
use crate::extract::{PagePath, PageQuery};
use crate::i18n::filters;
use crate::pages::Frame;
use crate::policy::pages::{shown, ParameterOption, WhatIfForm, WhatIfParams};
use crate::session::OnPage;
use crate::Web;

#[derive(Template)]
#[template(path = "medical_claim.html")]
struct ClaimPage {
    frame: Option<Frame>,
    claim: ClaimRecord,
    payers: Vec<(&'static str, String)>,
    lines: Vec<LineRow>,
    trees: Vec<String>,
    same_rules: bool,
}

/// The payers and figures of a settlement, in the order the page lists them.
pub const PAYERS: [&str; 8] = [
    "医疗费用总额",
    "政策范围内费用",
    "起付线",
    "统筹基金支付",
    "大额医疗补助或大病保险支付",
    "医疗救助支付",
    "个人账户支付",
    "个人现金支付",
];

struct LineRow {
    number: usize,
    item: String,
    name: String,
    class: &'static str,
    amount: String,
    in_policy: String,
    first_self_paid: String,
}

pub async fn claim(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath((hospital, number)): PagePath<(String, String)>,
) -> Result<Html<String>, PageError> {
    let medical = web.store.medical();
    let not_found = || WebError::NotFound(format!("结算单 {hospital}/{number}"));
    let claim = medical
        .claim_numbered(&hospital, &number)
        .await?
        .ok_or_else(not_found)?;
    let allowed = match &who.account {
        Account::Staff(s) if s.role == Role::Provider => {
            medical.hospital_of(&s.name).await?.as_deref() == Some(hospital.as_str())
        }
        account => match account.scope() {
            Scope::Everything => true,
            Scope::Area(area) => claim.area.is_within(&area),
            _ => false,
        },
    };
    if !allowed {
        // Not told apart from a claim that does not exist.
        return Err(not_found().into());
    }
    web.audit
        .record(NewAuditEntry {
            actor: who.login.clone(),
            action: "medical.read".into(),
            subject: format!("claim {hospital}/{number}"),
            detail: claim.id_number.masked(),
            at: web.clock().now,
        })
        .await?;
    let explained = minsheng_medical::explain(super::rules(&web)?, &claim)?;
    let names: std::collections::HashMap<String, String> = medical
        .items()
        .await?
        .into_iter()
        .map(|i| (i.code, i.name))
        .collect();
    let s = &claim.settlement;
    let page = ClaimPage {
        frame: Frame::of(&who),
        payers: PAYERS
            .into_iter()
            .zip([
                s.total,
                s.in_policy,
                s.deductible_applied,
                s.fund,
                s.supplement,
                s.aid,
                s.account,
                s.person,
            ])
            .map(|(label, amount)| (label, amount.to_string()))
            .collect(),
        lines: s
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineRow {
                number: i + 1,
                name: names.get(&l.item).cloned().unwrap_or_default(),
                item: l.item.clone(),
                class: l.class.label(),
                amount: l.amount.to_string(),
                in_policy: l.in_policy.to_string(),
                first_self_paid: l.first_self_paid.to_string(),
            })
            .collect(),
        trees: explained.trees,
        same_rules: explained.same_rules,
        claim,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "medical_whatif.html")]
struct WhatIfPage {
    frame: Option<Frame>,
    action: &'static str,
    month: String,
    changes: String,
    parameters: Vec<ParameterOption>,
    chosen: Option<ParameterOption>,
    report: Option<Vec<WhatIfRow>>,
    message: Option<String>,
}

/// A row of the medical what-if as the page shows it; the whole city's last.
struct WhatIfRow {
    district: String,
    visit: &'static str,
    claims: u64,
    funds_before: String,
    funds_after: String,
    change: String,
    pay_more: u64,
    pay_less: u64,
    whole: bool,
}

impl WhatIfRow {
    fn of(district: String, visit: &'static str, row: &Row, whole: bool) -> WhatIfRow {
        WhatIfRow {
            district,
            visit,
            claims: row.claims,
            funds_before: row.funds_before.to_string(),
            funds_after: row.funds_after.to_string(),
            change: row
                .funds_change()
                .map_or_else(|| "—".into(), |c| c.to_string()),
            pay_more: row.pay_more,
            pay_less: row.pay_less,
            whole,
        }
    }
}

/// What a change of the settlement rules would have done to a month's claims: the funds'
/// cost before and after, and how many claims leave the person paying more or less, by
/// district and visit type (a GET: it changes nothing).
pub async fn what_if(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<WhatIfParams>,
) -> Result<Response, PageError> {
    let rules = super::rules(&web)?;
    let (month, form) = WhatIfForm::read(&web, &who, rules, &params)?;
    let ran = if form.changes.is_empty() {
        None
    } else {
        let ran = minsheng_medical::whatif::month(&web.store, rules, month, &form.changes).await;
        Some(ran.map_err(WebError::from).map(|r| {
            let mut rows: Vec<WhatIfRow> = r
                .rows
                .iter()
                .map(|(_, name, visit, row)| WhatIfRow::of(name.clone(), visit.label(), row, false))
                .collect();
            rows.push(WhatIfRow::of("全市".into(), "", &r.whole, true));
            rows
        }))
    };
    let (report, message, status) = shown(ran)?;
    let page = WhatIfPage {
        frame: Frame::of(&who),
        action: "/medical/what-if",
        month: month.to_string(),
        changes: form.text,
        parameters: form.parameters,
        chosen: form.chosen,
        report,
        message,
    };
    Ok((status, Html(page.render()?)).into_response())
}
