//! Proactive discovery (主动发现) and dynamic monitoring: what the rules say against what is
//! enrolled and paid, household by household and program by program.

use chrono::{DateTime, Utc};

use minsheng_core::{Fen, Month};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    /// Owed under the rules and not enrolled: a proactive case for a caseworker.
    Eligible,
    /// The same for a program granted without application (免申即享): enrolled at once.
    Granted,
    /// Enrolled, and the rules now say nothing is owed: a review task.
    Ineligible,
    /// Enrolled and owed, but not what the last cycle paid: a recalculation.
    AmountChanged,
}

impl FindingKind {
    pub const ALL: [FindingKind; 4] = [
        FindingKind::Eligible,
        FindingKind::Granted,
        FindingKind::Ineligible,
        FindingKind::AmountChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Eligible => "eligible",
            FindingKind::Granted => "granted",
            FindingKind::Ineligible => "ineligible",
            FindingKind::AmountChanged => "amount_changed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FindingKind::Eligible => "符合条件未纳入 (主动发现, 待立案)",
            FindingKind::Granted => "免申即享, 已直接纳入",
            FindingKind::Ineligible => "已纳入但不再符合条件 (待复核)",
            FindingKind::AmountChanged => "金额变化 (待重新核算)",
        }
    }

    pub fn parse(s: &str) -> Result<FindingKind, String> {
        FindingKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a kind of finding"))
    }
}

/// One program for one household, as a sweep sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramState {
    /// Granted without application (免申即享).
    pub automatic: bool,
    /// What the rules say the household's payees are owed this month.
    pub owed: Fen,
    /// Whether an enrolment covers the month.
    pub enrolled: bool,
    /// What the last computed cycle before the month owed them, if it had them.
    pub last_owed: Option<Fen>,
    /// In gradual exit (渐退): paid its fixed amount until it ends, whatever the rules say.
    pub tapering: bool,
}

impl ProgramState {
    /// What a sweep should raise, if anything.
    pub fn finding(self) -> Option<FindingKind> {
        if self.tapering {
            return None;
        }
        match (self.owed > Fen::ZERO, self.enrolled) {
            (true, false) if self.automatic => Some(FindingKind::Granted),
            (true, false) => Some(FindingKind::Eligible),
            (false, true) => Some(FindingKind::Ineligible),
            (true, true) => self
                .last_owed
                .filter(|last| *last != self.owed)
                .map(|_| FindingKind::AmountChanged),
            (false, false) => None,
        }
    }
}

/// A finding, with the store's key of the household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub household_id: i64,
    pub household: String,
    pub program: String,
    pub kind: FindingKind,
    pub owed: Fen,
    pub last_owed: Option<Fen>,
    /// The household head's community.
    pub area: String,
    /// For an `ineligible` finding: the program, enrolled and owed, that the catalog says
    /// excludes this one (an overlap to resolve).
    pub excluded_by: Option<String>,
}

/// A sweep: households evaluated for a month as the registry was known at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sweep {
    pub id: i64,
    pub month: Month,
    pub known_at: DateTime<Utc>,
    pub policy_digest: String,
    /// `sweep` for the whole registry, or the event that re-evaluated one household.
    pub cause: String,
    pub households: u64,
    pub started_by: String,
}

/// Low-income households of one category in one community, as a whole-registry sweep counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringCount {
    pub area: String,
    /// A category code of the catalog's `monitoring.yaml`.
    pub category: String,
    pub households: u64,
    pub persons: u64,
    /// Of them, households enrolled in the category's program (dibao, 特困); 0 for statuses.
    pub enrolled: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(automatic: bool, owed: i64, enrolled: bool, last: Option<i64>) -> ProgramState {
        ProgramState {
            automatic,
            owed: Fen(owed),
            enrolled,
            last_owed: last.map(Fen),
            tapering: false,
        }
    }

    #[test]
    fn each_combination_raises_its_finding() {
        use FindingKind::*;
        assert_eq!(state(false, 100, false, None).finding(), Some(Eligible));
        assert_eq!(state(true, 100, false, None).finding(), Some(Granted));
        assert_eq!(state(false, 0, true, Some(100)).finding(), Some(Ineligible));
        assert_eq!(state(true, 0, true, None).finding(), Some(Ineligible));
        assert_eq!(
            state(false, 120, true, Some(100)).finding(),
            Some(AmountChanged)
        );
        assert_eq!(state(false, 100, true, Some(100)).finding(), None);
        assert_eq!(
            state(false, 100, true, None).finding(),
            None,
            "nothing paid yet to compare"
        );
        assert_eq!(state(false, 0, false, Some(100)).finding(), None);
        let tapering = ProgramState {
            tapering: true,
            ..state(false, 0, true, Some(100))
        };
        assert_eq!(tapering.finding(), None, "渐退 is already decided");
        for kind in FindingKind::ALL {
            assert_eq!(FindingKind::parse(kind.as_str()), Ok(kind));
        }
    }
}
