//! High out-of-pocket costs (高额医疗费用预警, 防止因病返贫): who bore at least the rules'
//! `medical.assistance.high_burden` in the twelve months to a day — in cash and from their
//! personal account, over the claims settled and not reversed — and whether medical assistance
//! already helps them; and the registry's "medical spending in the last twelve months"
//! (`expense_medical`) raised to what the claims show, so that the sweep's rules on
//! rigid-expenditure hardship and low income read it and a case can be raised
//! (国办发〔2021〕42号 「强化高额医疗费用支出预警监测」).
//!
//! The registry's figure is raised, never lowered: it may hold costs the city's claims do not
//! (receipts of care elsewhere, pharmacies), recorded by a caseworker.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use minsheng_app::Clock;
use minsheng_core::registry::ExpenseKind;
use minsheng_core::{AreaCode, Fen, IdNumber, Month};
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Store};

use crate::domain::{Aid, SettleError};
use crate::settlement::ClaimError;
use crate::storage::MedicalStore as _;

/// The parameter: the cost borne in twelve months from which a person is listed.
pub const HIGH_BURDEN: &str = "medical.assistance.high_burden";

/// A person who bore a high cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burden {
    pub person_id: i64,
    pub id_number: IdNumber,
    pub area: AreaCode,
    /// Cash and personal account, over the twelve months to the day.
    pub borne: Fen,
    /// What the registry records as the last twelve months' medical spending on the day.
    pub recorded: Fen,
    /// Whom medical assistance already helps, and as what.
    pub aid: Aid,
}

/// The rules' threshold on `on`.
pub fn threshold(policy: &Policy, on: NaiveDate) -> Result<Fen, ClaimError> {
    policy
        .money(HIGH_BURDEN, on)
        .ok_or_else(|| SettleError::Rule(format!("结算规则没有金额参数 {HIGH_BURDEN}")).into())
}

/// Everyone who bore at least the threshold in the twelve months to `on`, the most first.
pub async fn list(
    store: &Store,
    policy: &Policy,
    on: NaiveDate,
) -> Result<Vec<Burden>, ClaimError> {
    let min = threshold(policy, on)?;
    let from = on - Duration::days(364);
    let rows = store.medical().burdens((from, on), min).await?;
    let mut aid: HashMap<i64, Aid> = (crate::aid::enrolled_in(store, Month::containing(on))
        .await?)
        .into_iter()
        .map(|(person, _, aid)| (person, aid))
        .collect();
    for (person, category) in store.medical().recognised_on(on).await? {
        aid.entry(person).or_insert(category);
    }
    Ok(rows
        .into_iter()
        .map(|(person_id, id_number, area, borne, recorded)| Burden {
            aid: aid.get(&person_id).copied().unwrap_or(Aid::None),
            person_id,
            id_number,
            area,
            borne,
            recorded,
        })
        .collect())
}

/// Raises the registry's medical spending of everyone [`list`] finds to what they bore, from
/// `on`, one amendment and audit entry each; how many were raised. Run again, it raises
/// nothing.
pub async fn record(
    store: &Store,
    policy: &Policy,
    on: NaiveDate,
    actor: &str,
    clock: Clock,
) -> Result<usize, ClaimError> {
    let mut raised = 0;
    for b in list(store, policy, on).await? {
        if b.borne <= b.recorded {
            continue;
        }
        let audit = NewAuditEntry {
            actor: actor.into(),
            action: "medical.burden.record".into(),
            subject: format!("person {}", b.person_id),
            detail: format!(
                "{} 近12个月医疗支出 {} → {}（截至 {on} 的医保结算：个人现金与个人账户）",
                b.id_number.masked(),
                b.recorded,
                b.borne
            ),
            at: clock.now,
        };
        store
            .amend_person(
                &b.id_number,
                on,
                |facts| facts.expenses.set(ExpenseKind::Medical, b.borne),
                actor,
                clock.now,
                &[audit],
            )
            .await?;
        raised += 1;
    }
    Ok(raised)
}
