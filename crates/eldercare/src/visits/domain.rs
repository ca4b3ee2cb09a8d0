//! Visiting care (探访关爱) as the rules schedule it, with no IO: when an older person is next
//! due a visit, by the risk tier the rules give them (`visiting_care_tier`) and the interval of
//! that tier; whether a visit is overdue, or so long overdue that the street must step in; what
//! a visit found, and the case each finding raises.

use chrono::{Duration, NaiveDate};
use minsheng_core::FieldError;

/// The intervals of the tiers and the escalation delay in force (`eldercare.visiting_care`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Days between visits for tiers 1, 2 and 3.
    pub interval_days: [u32; 3],
    /// Days overdue after which an elder not reached is reported to the street.
    pub escalate_days: u32,
}

impl Schedule {
    /// The interval of `tier` (1 to 3); `None` for 0, someone not visited.
    pub fn interval(&self, tier: u8) -> Option<Duration> {
        let days = match tier {
            1..=3 => self.interval_days.get(usize::from(tier - 1))?,
            _ => return None,
        };
        Some(Duration::days(i64::from(*days)))
    }

    /// When an elder of `tier` is next due: an interval after the last visit that reached
    /// them, or after the day they became due a visit if none has. A visit that did not reach
    /// them (nobody home, no answer) does not count: they are still due.
    pub fn due(
        &self,
        tier: u8,
        since: NaiveDate,
        last_reached: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        let interval = self.interval(tier)?;
        Some(match last_reached {
            Some(day) => day + interval,
            // Someone newly on the list is visited within one interval of joining it.
            None => since + interval,
        })
    }
}

/// Where a due visit stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Due later than today.
    Upcoming,
    /// Due today.
    Due,
    /// Past due by this many days, not yet reported to the street.
    Overdue(i64),
    /// Past due by more than the escalation delay: reported to the street.
    Escalated(i64),
}

impl Standing {
    pub fn of(due: NaiveDate, today: NaiveDate, schedule: &Schedule) -> Standing {
        let late = (today - due).num_days();
        if late < 0 {
            Standing::Upcoming
        } else if late == 0 {
            Standing::Due
        } else if late <= i64::from(schedule.escalate_days) {
            Standing::Overdue(late)
        } else {
            Standing::Escalated(late)
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::Upcoming => "未到期",
            Standing::Due => "今日到期",
            Standing::Overdue(_) => "逾期",
            Standing::Escalated(_) => "逾期已上报街道",
        }
    }

    /// Whether the visit is to be made now (due or late).
    pub fn pending(self) -> bool {
        !matches!(self, Standing::Upcoming)
    }
}

/// What a visit can find that needs more than a visit: each raises its own case in one click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// Cannot cook or fetch meals: meal aid (助餐), delivered.
    MealAid,
    /// Seems to have lost abilities: an ability assessment (能力评估).
    Assessment,
    /// In sudden hardship: temporary assistance (临时救助).
    TemporaryAssistance,
}

impl Need {
    pub const ALL: [Need; 3] = [Need::MealAid, Need::Assessment, Need::TemporaryAssistance];

    pub fn as_str(self) -> &'static str {
        match self {
            Need::MealAid => "meal_aid",
            Need::Assessment => "assessment",
            Need::TemporaryAssistance => "temporary_assistance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Need::MealAid => "需要助餐",
            Need::Assessment => "需要能力评估",
            Need::TemporaryAssistance => "需要临时救助",
        }
    }

    pub fn parse(text: &str) -> Result<Need, FieldError> {
        Need::ALL
            .into_iter()
            .find(|n| n.as_str() == text.trim() || n.label() == text.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "need",
                    format!("「{text}」不是可转办的需求（需要助餐、需要能力评估、需要临时救助）"),
                )
            })
    }
}

/// How a visit was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// At the elder's home (上门).
    Home,
    /// By telephone or video (电话).
    Phone,
}

/// A visit as the visitor records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub on: NaiveDate,
    pub mode: Mode,
    /// Whether the visitor reached the elder; a visit that did not leaves them due.
    pub reached: bool,
    /// What the visitor found, in their words.
    pub found: String,
    /// What follows, in their words (may be empty when all is well).
    pub follow_up: String,
    /// The cases it raises.
    pub needs: Vec<Need>,
}

/// Checks a visit's record before it is kept: a clear reason naming the field when not.
pub fn check_report(
    report: &Report,
    due_since: NaiveDate,
    today: NaiveDate,
) -> Result<(), FieldError> {
    if report.on > today {
        return Err(FieldError::new(
            "on",
            format!("探访日期 {} 晚于今天", report.on),
        ));
    }
    if report.on < due_since {
        return Err(FieldError::new(
            "on",
            format!(
                "探访日期 {} 早于该老年人列入探访对象之日 {due_since}",
                report.on
            ),
        ));
    }
    if report.found.trim().is_empty() {
        return Err(FieldError::new(
            "found",
            "请写明探访所见（未见到本人也请写明原因）",
        ));
    }
    if !report.reached && !report.needs.is_empty() {
        return Err(FieldError::new(
            "needs",
            "未见到本人的探访不能转办需求：请见到本人后再转办",
        ));
    }
    let mut seen = report.needs.clone();
    seen.sort();
    seen.dedup();
    if seen.len() != report.needs.len() {
        return Err(FieldError::new("needs", "同一需求只能转办一次"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule() -> Schedule {
        Schedule {
            interval_days: [7, 14, 30],
            escalate_days: 7,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    #[test]
    fn due_an_interval_after_the_last_visit_that_reached_the_elder() {
        let s = schedule();
        assert_eq!(s.due(1, day(1), Some(day(3))), Some(day(10)));
        assert_eq!(s.due(2, day(1), Some(day(3))), Some(day(17)));
        assert_eq!(s.due(3, day(1), None), Some(day(31)));
        assert_eq!(s.due(0, day(1), None), None);
        assert_eq!(s.due(4, day(1), None), None);
    }

    #[test]
    fn standing_at_each_edge_of_the_escalation_delay() {
        let s = schedule();
        assert_eq!(Standing::of(day(10), day(9), &s), Standing::Upcoming);
        assert_eq!(Standing::of(day(10), day(10), &s), Standing::Due);
        assert_eq!(Standing::of(day(10), day(11), &s), Standing::Overdue(1));
        assert_eq!(Standing::of(day(10), day(17), &s), Standing::Overdue(7));
        assert_eq!(Standing::of(day(10), day(18), &s), Standing::Escalated(8));
        assert!(!Standing::Upcoming.pending() && Standing::Due.pending());
    }

    #[test]
    fn a_visit_record_is_checked_field_by_field() {
        let ok = Report {
            on: day(10),
            mode: Mode::Home,
            reached: true,
            found: "独自在家，行动迟缓，冰箱空".into(),
            follow_up: "联系助餐点送餐".into(),
            needs: vec![Need::MealAid],
        };
        assert!(check_report(&ok, day(1), day(10)).is_ok());
        let field = |r: &Report| check_report(r, day(1), day(10)).unwrap_err().field;
        assert_eq!(
            field(&Report {
                on: day(11),
                ..ok.clone()
            }),
            "on"
        );
        let early = check_report(&ok, day(11), day(12)).unwrap_err();
        assert_eq!(early.field, "on");
        assert_eq!(
            field(&Report {
                found: " ".into(),
                ..ok.clone()
            }),
            "found"
        );
        assert_eq!(
            field(&Report {
                reached: false,
                ..ok.clone()
            }),
            "needs"
        );
        assert_eq!(
            field(&Report {
                needs: vec![Need::MealAid, Need::MealAid],
                ..ok.clone()
            }),
            "needs"
        );
        assert!(check_report(
            &Report {
                reached: false,
                needs: vec![],
                found: "敲门无人应答，邻居称其住院".into(),
                ..ok
            },
            day(1),
            day(10)
        )
        .is_ok());
    }

    #[test]
    fn needs_read_by_code_or_label() {
        assert_eq!(Need::parse("meal_aid").unwrap(), Need::MealAid);
        assert_eq!(
            Need::parse("需要临时救助").unwrap(),
            Need::TemporaryAssistance
        );
        assert_eq!(Need::parse("钱").unwrap_err().field, "need");
    }
}
