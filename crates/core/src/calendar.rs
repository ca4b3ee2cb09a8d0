//! Working days. MCA deadlines ("the survey starts within 3 working days", "the county decides
//! within 10 working days") are counted in working days of China's holiday calendar, where
//! some weekend days are working days (调休) and some weekdays are holidays.
//!
//! A calendar knows only the years it was given. A deadline that runs into a year with no
//! calendar loaded is still counted — a case cannot wait for the State Council's notice — on
//! the Monday–Friday rule, and is marked provisional with the first year it guessed, so every
//! front end can say so and the deadline is counted again when that year is loaded.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// How a date differs from the Monday–Friday rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off, whatever weekday it is (法定节假日, or a day swapped into the break).
    Holiday,
    /// A Saturday or Sunday that is a working day (调休上班).
    Workday,
}

impl DayKind {
    pub fn parse(text: &str) -> Result<DayKind, String> {
        match text.trim() {
            "holiday" | "休" => Ok(DayKind::Holiday),
            "workday" | "班" => Ok(DayKind::Workday),
            other => Err(format!("'{other}' is not holiday or workday")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
}

/// One row of a published calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// 元旦, 春节 …
    pub occasion: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "no holiday calendar is loaded for {0}; load the State Council's notice for that year"
    )]
    YearNotLoaded(i32),
    #[error("{date}: a holiday on a weekend or a working day on a weekday says nothing ({kind})")]
    Pointless { date: NaiveDate, kind: &'static str },
    #[error("{0} is listed twice")]
    Twice(NaiveDate),
    #[error("a deadline from {0} runs past the last date the calendar can hold")]
    OutOfRange(NaiveDate),
}

/// A deadline counted in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// The last day of the deadline.
    pub on: NaiveDate,
    /// The first year the count went through without a calendar, counted on the Monday–Friday
    /// rule: the deadline stands until that year's notice is loaded and it is counted again.
    pub provisional: Option<i32>,
}

/// The working-day calendar of the years it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    years: BTreeSet<i32>,
    exceptions: BTreeMap<NaiveDate, CalendarDay>,
}

fn weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

impl WorkCalendar {
    /// A calendar of the years that `days` mention. Each year's notice lists every exception,
    /// so a year with at least one row counts as loaded.
    pub fn new(days: Vec<CalendarDay>) -> Result<WorkCalendar, CalendarError> {
        let mut calendar = WorkCalendar::default();
        for day in days {
            let pointless = match day.kind {
                DayKind::Workday => !weekend(day.date),
                // A weekend day inside a break is listed by some notices; it is harmless.
                DayKind::Holiday => false,
            };
            if pointless {
                return Err(CalendarError::Pointless {
                    date: day.date,
                    kind: day.kind.as_str(),
                });
            }
            calendar.years.insert(day.date.year());
            if calendar.exceptions.insert(day.date, day.clone()).is_some() {
                return Err(CalendarError::Twice(day.date));
            }
        }
        Ok(calendar)
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// The listed exceptions of one year, in date order.
    pub fn days_of(&self, year: i32) -> impl Iterator<Item = &CalendarDay> + '_ {
        self.exceptions
            .values()
            .filter(move |d| d.date.year() == year)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        if !self.years.contains(&date.year()) {
            return Err(CalendarError::YearNotLoaded(date.year()));
        }
        Ok(match self.exceptions.get(&date).map(|d| d.kind) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !weekend(date),
        })
    }

    /// Whether the notice for `year` is loaded.
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The first year from `from`'s to `to`'s (either order) with no calendar loaded: a count
    /// between the two days is provisional in that year.
    pub fn missing_year(&self, from: NaiveDate, to: NaiveDate) -> Option<i32> {
        let (first, last) = (from.year().min(to.year()), from.year().max(to.year()));
        (first..=last).find(|y| !self.has_year(*y))
    }

    /// The years whose notice is wanted and not loaded, in order: `today`'s, the next one from
    /// November (when the State Council publishes it), and each year a deadline was counted
    /// through provisionally (`provisional`).
    pub fn notices_wanted(
        &self,
        today: NaiveDate,
        provisional: impl IntoIterator<Item = i32>,
    ) -> Vec<i32> {
        let mut wanted = BTreeSet::from([today.year()]);
        if today.month() >= 11 {
            wanted.insert(today.year() + 1);
        }
        wanted.extend(provisional);
        wanted.into_iter().filter(|y| !self.has_year(*y)).collect()
    }

    /// The last working day on or before `date`: a step whose deadline is before it is
    /// overdue (a working day has passed since), as `working_days_between` counts.
    pub fn working_day_through(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        // Every week has working days, so this stops within days, never at the minimum date.
        while !self.counts_as_working(day) {
            match day.pred_opt() {
                Some(before) => day = before,
                None => break,
            }
        }
        day
    }

    /// Whether `date` is a working day, on the Monday–Friday rule in a year with no calendar.
    fn counts_as_working(&self, date: NaiveDate) -> bool {
        self.is_working_day(date).unwrap_or(!weekend(date))
    }

    /// The `n`th working day after `start` (`start` itself not counted): the last day of a
    /// deadline of `n` working days that starts on `start`. Provisional where the count passes
    /// through a year with no calendar.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<Deadline, CalendarError> {
        let mut date = start;
        let mut left = n;
        while left > 0 {
            date = next_day(date)?;
            if self.counts_as_working(date) {
                left -= 1;
            }
        }
        Ok(Deadline {
            on: date,
            provisional: self.missing_year(start, date),
        })
    }

    /// Working days after `from` up to and including `to` (negative when `to` is earlier):
    /// how many working days have passed, or remain before a deadline. Counted on the
    /// Monday–Friday rule in a year with no calendar (see [`WorkCalendar::missing_year`]).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (start, end, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut date = start;
        while date < end {
            // `date < end` leaves a following day.
            date = date.succ_opt().unwrap_or(end);
            if self.counts_as_working(date) {
                count += 1;
            }
        }
        sign * count
    }
}

fn next_day(date: NaiveDate) -> Result<NaiveDate, CalendarError> {
    date.checked_add_days(Days::new(1))
        .ok_or(CalendarError::OutOfRange(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn day(date: NaiveDate, kind: DayKind) -> CalendarDay {
        CalendarDay {
            date,
            kind,
            occasion: "国庆节".into(),
        }
    }

    /// 2025: 国庆节、中秋节 1–8 October off; Sunday 28 September and Saturday 11 October worked.
    fn national_day_2025() -> WorkCalendar {
        let mut days: Vec<CalendarDay> = (1..=8)
            .map(|i| day(d(2025, 10, i), DayKind::Holiday))
            .collect();
        days.push(day(d(2025, 9, 28), DayKind::Workday));
        days.push(day(d(2025, 10, 11), DayKind::Workday));
        WorkCalendar::new(days).unwrap()
    }

    #[test]
    fn swapped_weekend_days_and_holidays_count_as_published() {
        let c = national_day_2025();
        assert_eq!(c.is_working_day(d(2025, 9, 28)), Ok(true), "Sunday worked");
        assert_eq!(c.is_working_day(d(2025, 10, 3)), Ok(false), "Friday off");
        assert_eq!(
            c.is_working_day(d(2025, 10, 11)),
            Ok(true),
            "Saturday worked"
        );
        assert_eq!(
            c.is_working_day(d(2025, 10, 12)),
            Ok(false),
            "an ordinary Sunday"
        );
        assert_eq!(
            c.is_working_day(d(2025, 10, 9)),
            Ok(true),
            "an ordinary Thursday"
        );
    }

    fn settled(on: NaiveDate) -> Result<Deadline, CalendarError> {
        Ok(Deadline {
            on,
            provisional: None,
        })
    }

    #[test]
    fn deadlines_skip_the_break_and_count_the_swapped_saturday() {
        let c = national_day_2025();
        // Accepted on Friday 26 September: 3 working days are Sun 28, Mon 29, Tue 30.
        assert_eq!(
            c.add_working_days(d(2025, 9, 26), 3),
            settled(d(2025, 9, 30))
        );
        // Accepted on Tuesday 30 September: the 8 days off are skipped; Thu 9, Fri 10, Sat 11.
        assert_eq!(
            c.add_working_days(d(2025, 9, 30), 3),
            settled(d(2025, 10, 11))
        );
        assert_eq!(
            c.add_working_days(d(2025, 9, 30), 0),
            settled(d(2025, 9, 30))
        );
        assert_eq!(c.working_days_between(d(2025, 9, 30), d(2025, 10, 11)), 3);
        assert_eq!(c.working_days_between(d(2025, 10, 11), d(2025, 9, 30)), -3);
        assert_eq!(c.working_days_between(d(2025, 10, 1), d(2025, 10, 8)), 0);
        // Overdue means a working day has passed since the deadline: on Wednesday 8 October,
        // the last day of the break, a step due on Tuesday 30 September is not overdue yet.
        assert_eq!(c.working_day_through(d(2025, 10, 8)), d(2025, 9, 30));
        assert_eq!(c.working_day_through(d(2025, 10, 9)), d(2025, 10, 9));
        assert_eq!(
            c.working_day_through(d(2025, 9, 28)),
            d(2025, 9, 28),
            "Sunday worked"
        );
        for (due, today) in [
            (d(2025, 9, 30), d(2025, 10, 8)),
            (d(2025, 9, 30), d(2025, 10, 9)),
            (d(2025, 9, 26), d(2025, 9, 28)),
            (d(2025, 10, 10), d(2025, 10, 12)),
        ] {
            assert_eq!(
                c.working_days_between(today, due) < 0,
                due < c.working_day_through(today),
                "{due} by {today}"
            );
        }
    }

    #[test]
    fn a_year_without_a_calendar_is_counted_provisionally_and_again_once_loaded() {
        let c = national_day_2025();
        assert_eq!(
            c.is_working_day(d(2026, 1, 5)),
            Err(CalendarError::YearNotLoaded(2026))
        );
        assert_eq!(c.missing_year(d(2025, 12, 30), d(2026, 1, 6)), Some(2026));
        assert_eq!(c.missing_year(d(2025, 10, 1), d(2025, 12, 31)), None);
        // Five working days from Tuesday 30 December 2025 without 2026's notice: Wed 31, and on
        // the Monday–Friday rule Thu 1, Fri 2, Mon 5, Tue 6 January.
        assert_eq!(
            c.add_working_days(d(2025, 12, 30), 5),
            Ok(Deadline {
                on: d(2026, 1, 6),
                provisional: Some(2026)
            })
        );
        assert_eq!(c.working_days_between(d(2025, 12, 30), d(2026, 1, 6)), 5);
        // 2026's notice: 1–3 January off, Sunday 4 January worked. Counted again: Wed 31, Sun 4,
        // Mon 5, Tue 6, Wed 7 — settled.
        let mut days: Vec<CalendarDay> = c.days_of(2025).cloned().collect();
        days.extend((1..=3).map(|i| day(d(2026, 1, i), DayKind::Holiday)));
        days.push(day(d(2026, 1, 4), DayKind::Workday));
        let loaded = WorkCalendar::new(days).unwrap();
        assert_eq!(
            loaded.add_working_days(d(2025, 12, 30), 5),
            settled(d(2026, 1, 7))
        );
        // A count that starts in an unloaded year is provisional from its first day.
        assert_eq!(
            c.add_working_days(d(2024, 12, 30), 1)
                .map(|x| x.provisional),
            Ok(Some(2024))
        );
    }

    #[test]
    fn the_notices_wanted_are_this_years_next_years_from_november_and_those_deadlines_reach() {
        let c = national_day_2025();
        assert_eq!(c.notices_wanted(d(2025, 10, 31), []), Vec::<i32>::new());
        assert_eq!(c.notices_wanted(d(2025, 11, 1), []), [2026]);
        assert_eq!(c.notices_wanted(d(2025, 6, 1), [2026, 2026]), [2026]);
        assert_eq!(c.notices_wanted(d(2027, 1, 4), [2027]), [2027]);
        assert_eq!(c.notices_wanted(d(2024, 12, 31), [2025]), [2024]);
    }

    #[test]
    fn a_malformed_calendar_is_refused() {
        let weekday_worked = vec![day(d(2025, 10, 9), DayKind::Workday)];
        assert!(matches!(
            WorkCalendar::new(weekday_worked),
            Err(CalendarError::Pointless { .. })
        ));
        let twice = vec![
            day(d(2025, 10, 1), DayKind::Holiday),
            day(d(2025, 10, 1), DayKind::Holiday),
        ];
        assert_eq!(
            WorkCalendar::new(twice),
            Err(CalendarError::Twice(d(2025, 10, 1)))
        );
    }
}
