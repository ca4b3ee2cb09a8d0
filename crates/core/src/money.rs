//! Exact money. Amounts are whole fen (分, 0.01 yuan) in an `i64`; there is no float anywhere.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("金额为空")]
    Empty,
    #[error("「{0}」不是以元为单位的金额（数字，最多两位小数，如 1045.50）")]
    Malformed(String),
    #[error("「{0}」过大")]
    Overflow(String),
    /// A sum or difference of amounts beyond what an `i64` of fen holds (about ±92 trillion
    /// yuan): never a real amount, always an error upstream.
    #[error("金额过大，无法精确计算")]
    TooLarge,
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn from_yuan(yuan: i64) -> Fen {
        Fen(yuan * 100)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_mul(self, n: i64) -> Option<Fen> {
        self.0.checked_mul(n).map(Fen)
    }

    /// Parses a yuan amount such as `1045`, `1045.5`, `-12.34` or `1,045.00` exactly.
    pub fn parse_yuan(text: &str) -> Result<Fen, MoneyError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(MoneyError::Empty);
        }
        let malformed = || MoneyError::Malformed(trimmed.to_string());
        let (negative, body) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let ungrouped: String;
        let body = if body.contains(',') {
            ungrouped = body.chars().filter(|c| *c != ',').collect();
            ungrouped.as_str()
        } else {
            body
        };
        let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
        if whole.is_empty() || frac.len() > 2 {
            return Err(malformed());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        let whole: i64 = whole
            .parse()
            .map_err(|_| MoneyError::Overflow(trimmed.to_string()))?;
        let frac_fen: i64 = match frac.len() {
            0 => 0,
            1 => frac.as_bytes().first().map_or(0, |d| i64::from(d - b'0')) * 10,
            _ => frac.parse().map_err(|_| malformed())?,
        };
        let fen = whole
            .checked_mul(100)
            .and_then(|f| f.checked_add(frac_fen))
            .ok_or_else(|| MoneyError::Overflow(trimmed.to_string()))?;
        Ok(Fen(if negative { -fen } else { fen }))
    }

    /// `1,045.00` — the form shown to people.
    pub fn grouped(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 4);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        format!("{sign}{out}.{:02}", abs % 100)
    }
}

/// `1045.00` — the plain form used in files.
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Fen {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fen::parse_yuan(s)
    }
}

impl Fen {
    /// `self + rhs`, or none past the range of an `i64` of fen.
    pub fn checked_add(self, rhs: Fen) -> Option<Fen> {
        self.0.checked_add(rhs.0).map(Fen)
    }

    /// `self - rhs`, or none past the range of an `i64` of fen.
    pub fn checked_sub(self, rhs: Fen) -> Option<Fen> {
        self.0.checked_sub(rhs.0).map(Fen)
    }

    /// The total of `amounts`, or [`MoneyError::TooLarge`] as soon as it would leave the range.
    pub fn total(amounts: impl IntoIterator<Item = Fen>) -> Result<Fen, MoneyError> {
        amounts.into_iter().try_fold(Fen::ZERO, |sum, amount| {
            sum.checked_add(amount).ok_or(MoneyError::TooLarge)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sums_and_differences_past_the_range_are_errors_not_wrapped() {
        let max = Fen(i64::MAX);
        assert_eq!(max.checked_add(Fen(1)), None);
        assert_eq!(max.checked_add(Fen(0)), Some(max));
        assert_eq!(Fen(i64::MIN).checked_sub(Fen(1)), None);
        assert_eq!(Fen(5).checked_sub(Fen(7)), Some(Fen(-2)));
        assert_eq!(Fen::total([Fen(1), Fen(2), Fen(3)]), Ok(Fen(6)));
        assert_eq!(Fen::total([]), Ok(Fen::ZERO));
        assert_eq!(Fen::total([max, Fen(-1), Fen(1)]), Ok(max));
        assert_eq!(
            Fen::total([max, Fen(1), Fen(-1)]),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Fen::total([Fen(i64::MIN), Fen(-1)]),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn parses_yuan_exactly() {
        assert_eq!(Fen::parse_yuan("1045"), Ok(Fen(104_500)));
        assert_eq!(Fen::parse_yuan("1045.5"), Ok(Fen(104_550)));
        assert_eq!(Fen::parse_yuan("1,045.05"), Ok(Fen(104_505)));
        assert_eq!(Fen::parse_yuan("-0.01"), Ok(Fen(-1)));
        assert_eq!(Fen::parse_yuan("0.10"), Ok(Fen(10)));
    }

    #[test]
    fn rejects_what_is_not_an_amount() {
        for bad in ["", "abc", "1.234", ".5", "1e3", "12.3.4", "--1", "1 000"] {
            assert!(Fen::parse_yuan(bad).is_err(), "{bad} should be rejected");
        }
        assert!(matches!(
            Fen::parse_yuan("99999999999999999999"),
            Err(MoneyError::Overflow(_))
        ));
    }

    #[test]
    fn formats_for_files_and_people() {
        assert_eq!(Fen(104_500).to_string(), "1045.00");
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(Fen(123_456_789).grouped(), "1,234,567.89");
        assert_eq!(Fen(100).grouped(), "1.00");
        assert_eq!(Fen(-100_000).grouped(), "-1,000.00");
    }

    proptest! {
        #[test]
        fn display_round_trips(fen in -10_000_000_000i64..10_000_000_000) {
            prop_assert_eq!(Fen::parse_yuan(&Fen(fen).to_string()), Ok(Fen(fen)));
            prop_assert_eq!(Fen::parse_yuan(&Fen(fen).grouped()), Ok(Fen(fen)));
        }
    }
}
