//! A parent's situation as the rules on children without carers read it: what it is, and for the
//! situations that count only when they last, since when (and, for a term, until when).
//!
//! 民发〔2019〕62号 (《关于进一步加强事实无人抚养儿童保障工作的意见》) 一: "失联是指失去联系且未
//! 履行监护抚养责任6个月以上；服刑在押、强制隔离戒毒或被执行其他限制人身自由的措施是指期限在6个月
//! 以上". Loss of contact counts once it has lasted; a restriction of liberty counts when its term
//! is long enough, which is known from the sentence, or from how long it has lasted so far when
//! no end is on record. The registry records the dates; the rules compare the months.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::codes::ParentSituation;
use crate::FieldError;

/// Whether a parent can raise the person, with the dates that give the situation its length.
///
/// Written (in files, changes and the database) as `situation[:since[~until]]`, e.g.
/// `imprisoned:2026-01-10~2028-01-09` or `失联:2026-03-01`; `until` is the last day of the term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Parent {
    pub situation: ParentSituation,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Default for Parent {
    fn default() -> Self {
        Parent::ABLE
    }
}

impl Parent {
    pub const ABLE: Parent = Parent {
        situation: ParentSituation::Able,
        since: None,
        until: None,
    };

    pub fn new(situation: ParentSituation) -> Parent {
        Parent {
            situation,
            since: None,
            until: None,
        }
    }

    /// Whether the situation counts only once it has lasted, so its start must be on record.
    pub fn lasts(situation: ParentSituation) -> bool {
        Self::has_term(situation) || situation == ParentSituation::Unreachable
    }

    /// Whether the situation is a restriction of liberty with a term (a sentence, a detention).
    pub fn has_term(situation: ParentSituation) -> bool {
        matches!(
            situation,
            ParentSituation::Imprisoned | ParentSituation::Detained
        )
    }

    /// Parses `situation[:since[~until]]` (`至` may stand for `~`) and checks that the dates fit
    /// the situation. The reason names what is wrong; the caller names the field.
    pub fn parse(text: &str) -> Result<Parent, String> {
        let text = text.trim();
        let (situation, dates) = match text.split_once([':', '：']) {
            Some((s, d)) => (s, Some(d.trim())),
            None => (text, None),
        };
        let situation = ParentSituation::parse(situation)?;
        let date = |d: &str| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map_err(|_| format!("「{}」不是日期（应为 YYYY-MM-DD）", d.trim()))
        };
        let (since, until) = match dates {
            None => (None, None),
            Some(d) => match d.split_once(['~', '至']) {
                Some((s, u)) => (Some(date(s)?), Some(date(u)?)),
                None => (Some(date(d)?), None),
            },
        };
        let parent = Parent {
            situation,
            since,
            until,
        };
        parent.check_shape()?;
        Ok(parent)
    }

    fn check_shape(&self) -> Result<(), String> {
        let s = self.situation;
        if s == ParentSituation::Able && self.since.is_some() {
            return Err(format!("{}（{}）没有起始日期", s.as_str(), s.label_zh()));
        }
        if Self::lasts(s) && self.since.is_none() {
            return Err(format!(
                "{}（{}）持续满 6 个月才计入：请填写开始日期，如 {}:2026-01-10",
                s.as_str(),
                s.label_zh(),
                s.as_str()
            ));
        }
        if self.until.is_some() && !Self::has_term(s) {
            return Err(format!(
                "{}（{}）没有期限：只有服刑在押和强制隔离戒毒填写结束日期",
                s.as_str(),
                s.label_zh()
            ));
        }
        if let (Some(since), Some(until)) = (self.since, self.until) {
            if until < since {
                return Err(format!("期限结束（{until}）早于开始（{since}）"));
            }
        }
        Ok(())
    }

    /// The problems of a parent recorded on `today`: a situation cannot begin in the future.
    pub fn check(&self, field: &str, today: NaiveDate) -> Vec<FieldError> {
        match self.since {
            Some(since) if since > today => {
                vec![FieldError::new(field, format!("{since} 是将来的日期"))]
            }
            _ => Vec::new(),
        }
    }

    /// The stored and exported form, which [`Parent::parse`] reads back.
    pub fn code(&self) -> String {
        let mut out = self.situation.as_str().to_string();
        if let Some(since) = self.since {
            out.push_str(&format!(":{since}"));
        }
        if let Some(until) = self.until {
            out.push_str(&format!("~{until}"));
        }
        out
    }

    /// The situation in words, with its dates: "服刑在押 (2026-01-10 起, 至 2028-01-09)".
    pub fn label_zh(&self) -> String {
        match (self.since, self.until) {
            (None, _) => self.situation.label_zh().to_string(),
            (Some(since), None) => format!("{} ({since} 起)", self.situation.label_zh()),
            (Some(since), Some(until)) => {
                format!("{} ({since} 起, 至 {until})", self.situation.label_zh())
            }
        }
    }

    /// Full months the situation has lasted on `on` (0 when no start is on record or it has not
    /// begun).
    pub fn months_lasted(&self, on: NaiveDate) -> i64 {
        self.since.map_or(0, |since| full_months(since, on))
    }

    /// Full months of the term: from the start to the day after its last day; when no end is on
    /// record, the months it has lasted on `on`, which the term is at least.
    pub fn term_months(&self, on: NaiveDate) -> i64 {
        match (self.since, self.until) {
            (Some(since), Some(until)) => until
                .checked_add_days(Days::new(1))
                .map_or(i64::MAX, |end| full_months(since, end)),
            _ => self.months_lasted(on),
        }
    }
}

/// Whole calendar months from `from` to `to` (0 when `to` is earlier): from 01-10, one month is
/// complete on 02-10. A start on the 31st completes a month on the last day of a shorter month.
pub fn full_months(from: NaiveDate, to: NaiveDate) -> i64 {
    if to <= from {
        return 0;
    }
    let mut months =
        i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month());
    let month_end = to.succ_opt().is_none_or(|next| next.month() != to.month());
    if to.day() < from.day() && !month_end {
        months -= 1;
    }
    months.max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn months_are_counted_whole_on_the_calendar() {
        assert_eq!(full_months(date("2026-01-10"), date("2026-07-09")), 5);
        assert_eq!(full_months(date("2026-01-10"), date("2026-07-10")), 6);
        assert_eq!(full_months(date("2026-01-31"), date("2026-02-28")), 1);
        assert_eq!(full_months(date("2026-01-31"), date("2026-02-27")), 0);
        assert_eq!(full_months(date("2025-12-15"), date("2026-06-14")), 5);
        assert_eq!(full_months(date("2026-03-01"), date("2026-01-01")), 0);
    }

    #[test]
    fn a_term_runs_to_the_day_after_its_last_day() {
        let six = Parent::parse("imprisoned:2026-01-10~2026-07-09").unwrap();
        assert_eq!(six.term_months(date("2026-01-31")), 6);
        let short = Parent::parse("服刑在押：2026-01-10至2026-07-08").unwrap();
        assert_eq!(short.term_months(date("2030-01-01")), 5);
        let open = Parent::parse("detained:2026-01-10").unwrap();
        assert_eq!(open.term_months(date("2026-07-31")), 6);
        assert_eq!(open.term_months(date("2026-06-30")), 5);
    }

    #[test]
    fn the_form_round_trips_and_the_dates_must_fit_the_situation() {
        for text in [
            "able",
            "deceased",
            "deceased:2020-05-01",
            "unreachable:2026-03-01",
            "imprisoned:2026-01-10~2028-01-09",
        ] {
            assert_eq!(Parent::parse(text).unwrap().code(), text);
        }
        for (bad, says) in [
            ("imprisoned", "请填写开始日期"),
            ("失联", "请填写开始日期"),
            ("able:2026-01-01", "没有起始日期"),
            ("unreachable:2026-01-01~2026-12-31", "没有期限"),
            ("imprisoned:2026-05-01~2026-04-30", "早于开始"),
            ("imprisoned:2026-13-01", "不是日期"),
            ("abroad:2026-01-01", "不是以下之一"),
        ] {
            let e = Parent::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
        let future = Parent::parse("unreachable:2026-03-01").unwrap();
        assert_eq!(future.check("father", date("2026-02-28")).len(), 1);
        assert!(future.check("father", date("2026-03-01")).is_empty());
    }
}
