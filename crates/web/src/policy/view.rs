//! What the pages and the API show of policy analysis: serialisable views, ID numbers masked unless
//! revealed.

use serde::Serialize;
use utoipa::ToSchema;

/// One district's line (or the city's) of a reform's effect on one program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactRow {
    /// District code, or `全市` for the whole city.
    pub district: String,
    pub district_name: String,
    pub beneficiaries_before: u64,
    pub beneficiaries_after: u64,
    pub monthly_before_fen: i64,
    pub monthly_after_fen: i64,
    /// Twelve months of the difference; none for a one-off grant.
    pub yearly_change_fen: Option<i64>,
    pub gaining: u64,
    pub losing: u64,
    pub newly_eligible: u64,
}

impl ImpactRow {
    pub fn monthly_before(&self) -> String {
        minsheng_core::Fen(self.monthly_before_fen).grouped()
    }

    pub fn monthly_after(&self) -> String {
        minsheng_core::Fen(self.monthly_after_fen).grouped()
    }

    pub fn yearly_change(&self) -> String {
        self.yearly_change_fen
            .map_or_else(|| "一次性给付".into(), |y| minsheng_core::Fen(y).grouped())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramImpact {
    pub program: String,
    pub label: String,
    pub rows: Vec<ImpactRow>,
}

/// A reform (parameters changed) against the rules in force, on the whole registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatIfView {
    pub month: String,
    pub changes: Vec<String>,
    pub households: u64,
    pub persons: u64,
    pub programs: Vec<ProgramImpact>,
    /// Rows the rules left undefined (reported by `policy explain`), left out of the sums.
    pub undefined: u64,
    pub seconds: f64,
}
