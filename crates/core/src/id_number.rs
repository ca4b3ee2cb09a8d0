//! Resident identity numbers (公民身份号码, GB 11643-1999).
//!
//! Parse, don't validate: an `IdNumber` cannot exist unless its 18 characters have the right
//! shape, a real birth date and a correct ISO 7064 MOD 11-2 check character.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::registry::Sex;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber([u8; 18]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("应为 18 位，填的是 {0} 位")]
    Length(usize),
    #[error("含有全角字符（如 ０–９ 或 Ｘ）：请用半角 0–9 和 X 填写")]
    FullWidth,
    #[error("前 17 位应为数字")]
    NotDigits,
    #[error("第 7 至 14 位不是有效的出生日期（{0}）")]
    BirthDate(String),
    #[error("校验码为 {found}，按前 17 位应为 {expected}")]
    CheckDigit { found: char, expected: char },
}

fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    // `sum % 11` is below 11, the table's length.
    CHECK_CHARS
        .get((sum % 11) as usize)
        .copied()
        .unwrap_or(b'X')
}

impl IdNumber {
    pub fn parse(text: &str) -> Result<IdNumber, IdNumberError> {
        let text = text.trim();
        let bytes = text.as_bytes();
        // Typed with a Chinese input method, the number looks right and has three bytes a digit.
        if text.chars().any(|c| ('\u{FF10}'..='\u{FF5A}').contains(&c)) {
            return Err(IdNumberError::FullWidth);
        }
        if bytes.len() != 18 {
            return Err(IdNumberError::Length(text.chars().count()));
        }
        if !bytes
            .get(..17)
            .is_some_and(|first17| first17.iter().all(u8::is_ascii_digit))
        {
            return Err(IdNumberError::NotDigits);
        }
        let mut raw = [0u8; 18];
        raw.copy_from_slice(bytes);
        raw[17] = raw[17].to_ascii_uppercase();
        let id = IdNumber(raw);
        if id.try_birth_date().is_none() {
            return Err(IdNumberError::BirthDate(text[6..14].to_string()));
        }
        let expected = check_char(&raw[..17]);
        if raw[17] != expected {
            return Err(IdNumberError::CheckDigit {
                found: raw[17] as char,
                expected: expected as char,
            });
        }
        Ok(id)
    }

    /// Builds a valid number from a six-digit region code, a birth date and a three-digit
    /// sequence (odd for men, even for women, as the standard prescribes).
    pub fn from_parts(region: u32, birth: NaiveDate, sequence: u16) -> Option<IdNumber> {
        if region > 999_999 || sequence > 999 || birth.year() < 1000 || birth.year() > 9999 {
            return None;
        }
        let text = format!(
            "{region:06}{:04}{:02}{:02}{sequence:03}",
            birth.year(),
            birth.month(),
            birth.day()
        );
        let mut raw = [0u8; 18];
        raw[..17].copy_from_slice(text.as_bytes());
        raw[17] = check_char(&raw[..17]);
        Some(IdNumber(raw))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and 'X' are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The form shown in lists and logs: region code and last four kept, birth date hidden.
    pub fn masked(&self) -> String {
        let s = self.as_str();
        format!("{}********{}", &s[..6], &s[14..])
    }

    pub fn region_code(&self) -> u32 {
        self.as_str()[..6].parse().unwrap_or_default()
    }

    fn try_birth_date(&self) -> Option<NaiveDate> {
        let s = self.as_str();
        NaiveDate::from_ymd_opt(
            s[6..10].parse().ok()?,
            s[10..12].parse().ok()?,
            s[12..14].parse().ok()?,
        )
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.try_birth_date().unwrap_or_default()
    }

    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

impl fmt::Display for IdNumber {
    /// Displays the masked form, so that a number dropped into a log line or a list is never
    /// shown in full by accident. Use [`IdNumber::as_str`] where the full number is meant.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl TryFrom<String> for IdNumber {
    type Error = IdNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        IdNumber::parse(&value)
    }
}

impl From<IdNumber> for String {
    fn from(id: IdNumber) -> String {
        id.as_str().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // The worked example printed in GB 11643-1999 itself.
    const STANDARD_EXAMPLE: &str = "11010519491231002X";

    #[test]
    fn accepts_the_standards_example() {
        let id = IdNumber::parse(STANDARD_EXAMPLE).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.region_code(), 110105);
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(id.to_string(), "110105********002X");
    }

    #[test]
    fn lower_case_x_is_normalised() {
        assert_eq!(
            IdNumber::parse("11010519491231002x").unwrap().as_str(),
            STANDARD_EXAMPLE
        );
    }

    #[test]
    fn rejects_wrong_check_character() {
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::CheckDigit {
                found: '1',
                expected: 'X'
            })
        );
    }

    #[test]
    fn rejects_bad_shapes_and_dates() {
        assert_eq!(IdNumber::parse("12345"), Err(IdNumberError::Length(5)));
        assert_eq!(
            IdNumber::parse("1101051949123100AX"),
            Err(IdNumberError::NotDigits)
        );
        assert!(matches!(
            IdNumber::parse("110105194902300021"),
            Err(IdNumberError::BirthDate(_))
        ));
    }

    #[test]
    fn full_width_digits_are_named_as_such() {
        let born = NaiveDate::from_ymd_opt(1950, 3, 1).unwrap();
        let valid = IdNumber::from_parts(370202, born, 12).unwrap();
        let half = valid.as_str().to_string();
        // One full-width digit anywhere, or the whole number typed full-width.
        let one = format!("３{}", &half[1..]);
        let all: String = half
            .chars()
            .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c))
            .collect();
        for text in [one, all, half.replace('X', "Ｘ").replace('1', "１")] {
            assert_eq!(
                IdNumber::parse(&text),
                Err(IdNumberError::FullWidth),
                "{text}"
            );
        }
        assert!(IdNumberError::FullWidth.to_string().contains("全角"));
        assert_eq!(IdNumber::parse(&half), Ok(valid));
    }

    proptest! {
        #[test]
        fn built_numbers_parse_and_any_single_digit_change_is_caught(
            region in 110000u32..660000,
            days in 0i64..40_000,
            sequence in 0u16..1000,
            position in 0usize..17,
            bump in 1u8..10,
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = IdNumber::from_parts(region, birth, sequence).unwrap();
            let parsed = IdNumber::parse(id.as_str()).unwrap();
            prop_assert_eq!(parsed.birth_date(), birth);
            prop_assert_eq!(parsed.sex(), if sequence % 2 == 1 { Sex::Male } else { Sex::Female });
            let mut altered = id.as_str().as_bytes().to_vec();
            altered[position] = b'0' + (altered[position] - b'0' + bump) % 10;
            let altered = String::from_utf8(altered).unwrap();
            prop_assert!(IdNumber::parse(&altered).is_err(), "{} accepted", altered);
        }
    }
}
