//! What the pages and the API show of payments: serialisable views, ID numbers masked unless
//! revealed.

use minsheng_core::Fen;
use serde::Serialize;
use utoipa::ToSchema;

/// Where a benefit stands in a month: code and label.
pub const BENEFIT_STATUSES: [(&str, &str); 5] = [
    ("ended", "已终止"),
    ("suspended", "暂停发放"),
    ("tapering", "渐退期"),
    ("from_next_month", "次月起发放"),
    ("paid", "正常发放"),
];

/// A program a household receives or received.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitView {
    /// The enrolment's number (its notices are at `/enrolments/{id}/letter`).
    pub enrolment: i64,
    pub program: String,
    pub program_label: String,
    /// YYYY-MM.
    pub from: String,
    /// The last month paid, once ended.
    pub until: Option<String>,
    /// On the file's day: `paid`, `suspended`, `tapering`, `from_next_month` or `ended`.
    pub status: String,
    pub status_label: String,
    /// The decision, the 免申即享 finding or the caseload carried over.
    pub basis: String,
    /// Suspensions, as "from YYYY-MM (resumed YYYY-MM): reason".
    pub suspensions: Vec<String>,
    /// Whether a decision on it (a suspension not yet lifted, a gradual exit, an end) has a
    /// notice to print.
    pub notice: bool,
}

impl BenefitView {
    pub fn of(
        e: &minsheng_payments::Enrolment,
        pauses: &[minsheng_payments::Pause],
        program_label: String,
        month: minsheng_core::Month,
    ) -> BenefitView {
        let suspended = pauses
            .iter()
            .any(|(from, resumed, _)| *from <= month && resumed.is_none_or(|r| month < r));
        let [ended, paused, tapering, later, paid] = BENEFIT_STATUSES;
        let (status, status_label) = if e.last_month.is_some_and(|last| last < month) {
            ended
        } else if suspended {
            paused
        } else if e.tapering(month).is_some() {
            tapering
        } else if e.first_month > month {
            later
        } else {
            paid
        };
        BenefitView {
            enrolment: e.id,
            program: e.program.clone(),
            program_label,
            from: e.first_month.to_string(),
            until: e.last_month.map(|m| m.to_string()),
            status: status.into(),
            status_label: status_label.into(),
            basis: e.basis.clone(),
            suspensions: pauses
                .iter()
                .map(|(from, resumed, reason)| match resumed {
                    Some(r) => format!("{from} → {r}: {reason}"),
                    None => format!("{from} →: {reason}"),
                })
                .collect(),
            notice: e.last_month.is_some()
                || pauses.iter().any(|(_, resumed, _)| resumed.is_none()),
        }
    }
}

/// One month's payment of a program to a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdPaymentView {
    pub month: String,
    pub program: String,
    pub program_label: String,
    pub payee: String,
    #[schema(value_type = i64)]
    pub amount_fen: Fen,
    /// `owed`, `sent`, `confirmed` or `returned`.
    pub state: String,
    pub state_label: String,
    /// Bank files it has been in.
    pub attempts: u32,
}

impl HouseholdPaymentView {
    pub fn amount(&self) -> String {
        self.amount_fen.grouped()
    }
}

/// A month's payment cycle as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleView {
    pub month: String,
    /// False before `compute`: the rest is empty.
    pub computed: bool,
    /// The registry as known at this instant (China time) is what was computed from.
    pub frozen_at: Option<String>,
    /// SHA-256 of the policy the cycle computed with.
    pub policy_digest: Option<String>,
    pub computed_by: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    pub owed: Vec<ProgramOwed>,
    pub payees: u64,
    pub total_owed: String,
    /// Bank files (batches) written so far: 1..=batches.
    pub batches: u32,
    pub sent: u64,
    pub confirmed: u64,
    pub returned: u64,
    pub outstanding: u64,
    pub net_paid: String,
}

/// A bank return file recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconcileView {
    pub confirmed: u64,
    pub returned: u64,
    pub already_recorded: u64,
}

/// Net paid by month, program and district.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalView {
    pub month: String,
    pub program: String,
    pub district: String,
    pub district_name: String,
    pub payees: u64,
    #[schema(value_type = i64)]
    pub net_fen: Fen,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramOwed {
    pub program: String,
    pub label: String,
    pub payees: u64,
    #[schema(value_type = i64)]
    pub amount_fen: Fen,
    pub amount: String,
}
