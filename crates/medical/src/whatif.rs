//! What-if on the settlement rules over the claims of a period: every claim of the period
//! settled again under the catalog as it stands and under a reform, each person's year
//! replayed in claim order from its first claim (a lower deductible in March changes what is
//! left of it in April), and the difference by district and visit type — the funds' cost, and
//! how many claims leave the person paying more or less. [`compare`] does the arithmetic (no
//! IO); [`month`] is the use case the CLI and the web both run: a month's claims read, the
//! reform made from its changes, districts named.

use std::collections::BTreeMap;

use minsheng_core::{Fen, Month};
use minsheng_policy::Policy;
use minsheng_store::{Store, StoreError};

use crate::domain::{self, Scheme, SettleError, Visit, YearToDate};
use crate::storage::{ClaimRecord, MedicalStore as _};

/// Why a what-if did not run.
#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    /// A change that names no parameter or gives no value it can take (field `changes`).
    #[error("{0}")]
    Change(String),
    #[error(transparent)]
    Rule(#[from] SettleError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A month's what-if as its readers see it: a row for each district and visit type, then the
/// whole city.
#[derive(Debug, Clone)]
pub struct Report {
    /// (district code, its name, visit type, the row), in code order.
    pub rows: Vec<(String, String, Visit, Row)>,
    pub whole: Row,
}

/// The claims dated in `month` settled again under `policy` changed by `changes` (each
/// `NAME=VALUE` or `NAME=+5%`, from the month's first day), against `policy` as it stands.
pub async fn month(
    store: &Store,
    policy: &Policy,
    month: Month,
    changes: &[String],
) -> Result<Report, WhatIfError> {
    let reform = policy
        .with_changes(changes, month.first_day())
        .map_err(WhatIfError::Change)?;
    let claims = store
        .medical()
        .claims_for_replay(month.first_day(), month.last_day())
        .await?;
    let table = compare(
        policy,
        &reform,
        &claims,
        month.first_day(),
        month.last_day(),
    )?;
    let codes: Vec<&str> = table.keys().map(|(d, _)| d.as_str()).collect();
    let names = store.area_names(&codes).await?;
    let mut whole = Row::default();
    let mut rows = Vec::with_capacity(table.len());
    for ((district, visit), row) in table {
        whole = whole.plus(&row).ok_or_else(too_large)?;
        let name = names
            .get(&district)
            .cloned()
            .unwrap_or_else(|| district.clone());
        rows.push((district, name, visit, row));
    }
    Ok(Report { rows, whole })
}

fn too_large() -> SettleError {
    SettleError::Rule("金额过大".into())
}

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

impl Row {
    /// This row and `other` summed; `None` if an amount overflows.
    pub fn plus(&self, other: &Row) -> Option<Row> {
        Some(Row {
            claims: self.claims.checked_add(other.claims)?,
            funds_before: self.funds_before.checked_add(other.funds_before)?,
            funds_after: self.funds_after.checked_add(other.funds_after)?,
            persons_before: self.persons_before.checked_add(other.persons_before)?,
            persons_after: self.persons_after.checked_add(other.persons_after)?,
            pay_more: self.pay_more.checked_add(other.pay_more)?,
            pay_less: self.pay_less.checked_add(other.pay_less)?,
        })
    }

    /// What the reform changes in the funds' cost (after less before).
    pub fn funds_change(&self) -> Option<Fen> {
        self.funds_after.checked_sub(self.funds_before)
    }
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
    // The person's years so far under each policy, per scheme: a cover stopped within the year
    // and the one after it are each counted by their own fund.
    let mut years: BTreeMap<Scheme, (YearToDate, YearToDate)> = BTreeMap::new();
    for c in claims {
        if person != Some(c.person_id) {
            person = Some(c.person_id);
            years.clear();
        }
        let (year_before, year_after) = years.entry(c.cover.scheme).or_default();
        let (_, a) = crate::settlement::settle_again(before, c, year_before, false)?;
        let (_, b) = crate::settlement::settle_again(after, c, year_after, false)?;
        *year_before = year_before.apply(c.visit, &a, 1).ok_or_else(too_large)?;
        *year_after = year_after.apply(c.visit, &b, 1).ok_or_else(too_large)?;
        if c.day < from || c.day > to {
            continue;
        }
        let district = c.area.as_str().get(..6).unwrap_or_default().to_string();
        let row = table.entry((district, c.visit)).or_default();
        let funds = |s: &domain::Settlement| s.fund.checked_add(s.supplement)?.checked_add(s.aid);
        let bears = |s: &domain::Settlement| s.account.checked_add(s.person);
        let (bears_before, bears_after) = (
            bears(&a).ok_or_else(too_large)?,
            bears(&b).ok_or_else(too_large)?,
        );
        let (more, less) = match bears_after.cmp(&bears_before) {
            std::cmp::Ordering::Greater => (1, 0),
            std::cmp::Ordering::Less => (0, 1),
            std::cmp::Ordering::Equal => (0, 0),
        };
        let this = Row {
            claims: 1,
            funds_before: funds(&a).ok_or_else(too_large)?,
            funds_after: funds(&b).ok_or_else(too_large)?,
            persons_before: bears_before,
            persons_after: bears_after,
            pay_more: more,
            pay_less: less,
        };
        *row = row.plus(&this).ok_or_else(too_large)?;
    }
    Ok(table)
}
