//! The page on which a clerk follows one settlement: who pays what, each line, and the rules'
//! trees with every parameter's value, date and reference. Staff see the claims of persons in
//! their area; a hospital's account sees its own; each reading is audited.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use minsheng_core::access::{Account, Role, Scope};
use minsheng_medical::{ClaimRecord, MedicalStore as _};
use minsheng_store::NewAuditEntry;

use crate::error::{PageError, WebError};
use crate::extract::PagePath;
use crate::i18n::filters;
use crate::pages::Frame;
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
pub const PAYERS: [&str; 7] = [
    "医疗费用总额",
    "政策范围内费用",
    "起付线",
    "统筹基金支付",
    "大额医疗补助或大病保险支付",
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
