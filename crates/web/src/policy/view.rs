//! What the pages and the API show of policy analysis: serialisable views, ID numbers masked unless
//! revealed.

use minsheng_core::Fen;
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
    #[schema(value_type = i64)]
    pub monthly_before_fen: Fen,
    #[schema(value_type = i64)]
    pub monthly_after_fen: Fen,
    /// Twelve months of the difference; none for a one-off grant.
    #[schema(value_type = Option<i64>)]
    pub yearly_change_fen: Option<Fen>,
    pub gaining: u64,
    pub losing: u64,
    pub newly_eligible: u64,
}

impl ImpactRow {
    pub fn monthly_before(&self) -> String {
        self.monthly_before_fen.grouped()
    }

    pub fn monthly_after(&self) -> String {
        self.monthly_after_fen.grouped()
    }

    pub fn yearly_change(&self) -> String {
        self.yearly_change_fen
            .map_or_else(|| "一次性给付".into(), Fen::grouped)
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
