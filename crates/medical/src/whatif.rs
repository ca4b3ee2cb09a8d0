//! What-if on the settlement rules over the claims of a period: every claim of the period
//! settled again under the catalog as it stands and under a reform, each person's year
//! replayed in claim order from its first claim (a lower deductible in March changes what is
//! left of it in April), and the difference by district and visit type — the funds' cost, and
//! how many claims leave the person paying more or less (no IO).

use std::collections::BTreeMap;

use minsheng_core::Fen;
use minsheng_policy::Policy;

use crate::domain::{self, SettleError, Visit, YearToDate};
use crate::storage::ClaimRecord;

/// One district's claims of one visit type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    pub claims: u64,
    /// Pooling fund plus supplement, as the catalog stands.
    pub funds_before: Fen,
    /// The same under the reform.
    pub funds_after: Fen,
    /// What the persons bear (account and cash), as the catalog stands and under the reform.
    pub persons_before: Fen,
    pub persons_after: Fen,
    pub pay_more: u64,
    pub pay_less: u64,
}

/// The rows by (district code, visit type).
pub type Table = BTreeMap<(String, Visit), Row>;

/// Settles `claims` again (standing claims of persons with one in the period, every earlier claim of
/// their year included, in settlement order per person) under `before` and `after`, counting
/// those dated `from..=to`.
pub fn compare(
    before: &Policy,
    after: &Policy,
    claims: &[ClaimRecord],
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Table, SettleError> {
    let mut table = Table::new();
    let mut person = None;
    let (mut year_before, mut year_after) = (YearToDate::default(), YearToDate::default());
    for c in claims {
        if person != Some(c.person_id) {
            person = Some(c.person_id);
            year_before = YearToDate::default();
            year_after = YearToDate::default();
        }
        let (_, a) = crate::settlement::settle_again(before, c, &year_before, false)?;
        let (_, b) = crate::settlement::settle_again(after, c, &year_after, false)?;
        let overflow = || SettleError::Rule("金额过大".into());
        year_before = year_before.apply(c.visit, &a, 1).ok_or_else(overflow)?;
        year_after = year_after.apply(c.visit, &b, 1).ok_or_else(overflow)?;
        if c.day < from || c.day > to {
            continue;
        }
        let district = c.area.as_str().get(..6).unwrap_or_default().to_string();
        let row = table.entry((district, c.visit)).or_default();
        let funds = |s: &domain::Settlement| s.fund.0 + s.supplement.0;
        let bears = |s: &domain::Settlement| s.account.0 + s.person.0;
        row.claims += 1;
        row.funds_before = Fen(row.funds_before.0 + funds(&a));
        row.funds_after = Fen(row.funds_after.0 + funds(&b));
        row.persons_before = Fen(row.persons_before.0 + bears(&a));
        row.persons_after = Fen(row.persons_after.0 + bears(&b));
        match bears(&b).cmp(&bears(&a)) {
            std::cmp::Ordering::Greater => row.pay_more += 1,
            std::cmp::Ordering::Less => row.pay_less += 1,
            std::cmp::Ordering::Equal => {}
        }
    }
    Ok(table)
}
