//! Payments: enrolments in programs, a month's cycle, what each payee is owed, the ledger of
//! what was sent and what the bank answered.
//!
//! The ledger is append-only. An entitlement is *outstanding* when every `paid` entry for it
//! has been returned (or there is none); disbursing sends each outstanding entitlement once, as
//! the next attempt. "Exactly once" is therefore a property of the ledger: per entitlement, at
//! most one `paid` entry is not returned, whatever crashes and re-runs came between.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use minsheng_core::registry::Person;
use minsheng_core::{Fen, FieldError, IdNumber, Month};

/// A household receiving a program from `first_month` (until `last_month`, once ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub id: i64,
    pub household: String,
    pub program: String,
    pub first_month: Month,
    pub last_month: Option<Month>,
    /// Why: the decision, the 免申即享 finding or the carried-over caseload.
    pub basis: String,
    /// Gradual exit (渐退): from this month to the last, this amount a month.
    pub taper: Option<(Month, Fen)>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl Enrolment {
    pub fn covers(&self, month: Month) -> bool {
        self.first_month <= month && self.last_month.is_none_or(|last| month <= last)
    }

    /// The amount paid in `month` if it falls in the gradual exit.
    pub fn tapering(&self, month: Month) -> Option<Fen> {
        self.taper
            .filter(|(from, _)| *from <= month && self.covers(month))
            .map(|(_, amount)| amount)
    }
}

/// An enrolment in force for a month, by the store's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrolledUnit {
    pub enrolment_id: i64,
    pub household_id: i64,
    /// The one member it is paid to (a service subsidy); `None`: the household's program.
    pub person_id: Option<i64>,
    /// Suspended for the month (暂停): enrolled, but not paid.
    pub suspended: bool,
    /// In gradual exit (渐退) this month: paid this amount whatever the rules now say.
    pub tapering: Option<Fen>,
}

/// What one payee is owed for a month under one program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entitlement {
    pub program: String,
    pub enrolment_id: i64,
    pub household_id: i64,
    pub household_code: String,
    /// The payee: the person with the amount, or the head for a household amount.
    pub person_id: i64,
    /// The payee's name and ID number as the cycle froze them: what the bank file carries.
    pub payee: Person,
    /// The payee's community, for totals by area.
    pub area: String,
    pub amount: Fen,
}

/// A month's payment cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayCycle {
    pub month: Month,
    /// The registry as known at this instant is what the cycle computed from.
    pub frozen_at: DateTime<Utc>,
    pub policy_digest: String,
    pub computed_by: String,
    pub approved: Option<(String, DateTime<Utc>)>,
}

/// Where a cycle stands, counted from its entitlements and the ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleStatus {
    /// Per program: payees and amount owed.
    pub owed: Vec<(String, u64, Fen)>,
    pub batches: u32,
    /// Sent and not returned (awaiting the bank, or confirmed).
    pub sent: u64,
    pub confirmed: u64,
    pub returned: u64,
    /// Owed and not sent: never sent, or returned and not yet sent again.
    pub outstanding: u64,
    /// Net amount sent (paid minus returned).
    pub net_paid: Fen,
    /// All programs' amounts owed together (checked when the status is read).
    pub total_owed: Fen,
}

impl CycleStatus {
    pub fn payees(&self) -> u64 {
        self.owed.iter().map(|(_, n, _)| n).sum()
    }
}

/// A payment's reference in the bank file and the bank's return file: `MS-YYYYMM-<ledger id>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PaymentRef {
    pub month: Month,
    pub ledger_id: i64,
}

impl fmt::Display for PaymentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MS-{:04}{:02}-{}",
            self.month.year(),
            self.month.month(),
            self.ledger_id
        )
    }
}

impl FromStr for PaymentRef {
    type Err = String;
    fn from_str(s: &str) -> Result<PaymentRef, String> {
        let bad = || format!("'{s}' is not a Minsheng payment reference (MS-YYYYMM-N)");
        let rest = s.trim().strip_prefix("MS-").ok_or_else(bad)?;
        let (ym, id) = rest.split_once('-').ok_or_else(bad)?;
        if ym.len() != 6 || !ym.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let month = Month::new(
            ym[..4].parse().map_err(|_| bad())?,
            ym[4..].parse().map_err(|_| bad())?,
        )
        .ok_or_else(bad)?;
        let ledger_id: i64 = id.parse().map_err(|_| bad())?;
        if ledger_id <= 0 || id.starts_with('0') || id.starts_with('+') {
            return Err(bad());
        }
        Ok(PaymentRef { month, ledger_id })
    }
}

/// One line of a bank disbursement file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub reference: PaymentRef,
    pub batch: u32,
    pub attempt: u32,
    pub program: String,
    pub household: String,
    pub payee: String,
    pub id_number: IdNumber,
    pub area: String,
    pub amount: Fen,
}

/// The bank's answer for one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Confirmed,
    Returned { reason: String },
}

/// A line of the bank's return file, with its line number for error reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAnswer {
    pub line: u64,
    pub reference: PaymentRef,
    pub outcome: Outcome,
}

impl Outcome {
    /// `成功`/`success`/`ok` or `失败`/`failed` (a failure needs a reason).
    pub fn parse(result: &str, reason: &str) -> Result<Outcome, FieldError> {
        match result.trim() {
            "成功" | "success" | "ok" => Ok(Outcome::Confirmed),
            "失败" | "failed" | "fail" => {
                if reason.trim().is_empty() {
                    Err(FieldError::new("reason", "失败的发放须注明银行给出的原因"))
                } else {
                    Ok(Outcome::Returned {
                        reason: reason.trim().to_string(),
                    })
                }
            }
            other => Err(FieldError::new(
                "result",
                format!("'{other}' is neither 成功/success nor 失败/failed"),
            )),
        }
    }
}

/// Where one entitlement stands with the bank, by its latest attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    /// Computed for the month, not yet in a bank file.
    Owed,
    /// In a bank file; the bank has not answered.
    Sent,
    Confirmed,
    /// The bank sent it back; it goes out again in the next batch.
    Returned,
}

impl PaymentState {
    /// From the latest `paid` attempt (if any) and the bank's answer to it (if any).
    pub fn of(sent: bool, answer: Option<&str>) -> PaymentState {
        match (sent, answer) {
            (false, _) => PaymentState::Owed,
            (true, Some("confirmed")) => PaymentState::Confirmed,
            (true, Some(_)) => PaymentState::Returned,
            (true, None) => PaymentState::Sent,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Owed => "owed",
            PaymentState::Sent => "sent",
            PaymentState::Confirmed => "confirmed",
            PaymentState::Returned => "returned",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentState::Owed => "待发送",
            PaymentState::Sent => "已发送，待银行确认",
            PaymentState::Confirmed => "已到账",
            PaymentState::Returned => "被退回，下一批次重发",
        }
    }
}

/// One month's payment of one program to one member of a household, as its file shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdPayment {
    pub month: Month,
    pub program: String,
    pub payee: String,
    pub amount: Fen,
    pub state: PaymentState,
    /// Bank files it has been in (a returned payment is sent again).
    pub attempts: u32,
}

/// Amounts sent under a program in a district for a month (the seeds' 累计发放救助金).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidTotal {
    pub month: Month,
    pub program: String,
    /// 6-digit district code.
    pub district: String,
    pub payees: u64,
    /// Paid minus returned.
    pub net: Fen,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_references_round_trip_and_reject_look_alikes() {
        let r = PaymentRef {
            month: Month::new(2025, 6).unwrap_or_else(|| unreachable!()),
            ledger_id: 42,
        };
        assert_eq!(r.to_string(), "MS-202506-42");
        assert_eq!("MS-202506-42".parse::<PaymentRef>(), Ok(r));
        for bad in [
            "",
            "MS-202506",
            "MS-2025-06-42",
            "MS-202513-42",
            "MS-202506-0",
            "MS-202506-042",
            "MS-202506--4",
            "XX-202506-42",
            "MS-202506-4x",
        ] {
            assert!(bad.parse::<PaymentRef>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn bank_outcomes_need_a_known_result_and_a_reason_for_failures() {
        assert_eq!(Outcome::parse("成功", ""), Ok(Outcome::Confirmed));
        assert_eq!(
            Outcome::parse("失败", "账户已销户"),
            Ok(Outcome::Returned {
                reason: "账户已销户".into()
            })
        );
        assert_eq!(Outcome::parse("failed", " ").unwrap_err().field, "reason");
        assert_eq!(Outcome::parse("maybe", "").unwrap_err().field, "result");
    }

    #[test]
    fn an_enrolment_covers_its_months() {
        let m = |y, mo| Month::new(y, mo).unwrap_or_else(|| unreachable!());
        let mut e = Enrolment {
            id: 1,
            household: "H".into(),
            program: "dibao".into(),
            first_month: m(2025, 3),
            last_month: None,
            basis: String::new(),
            taper: None,
            recorded_by: String::new(),
            recorded_at: DateTime::<Utc>::default(),
        };
        assert!(!e.covers(m(2025, 2)));
        assert!(e.covers(m(2025, 3)) && e.covers(m(2030, 1)));
        e.last_month = Some(m(2025, 5));
        assert!(e.covers(m(2025, 5)) && !e.covers(m(2025, 6)));
    }
}
