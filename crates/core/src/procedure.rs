//! What every procedure checks before one of its steps is taken, whatever the context: the
//! MCA's assistance cases and the elderly-care services share these checks, each with its own
//! stages and steps.
//!
//! A step is taken by staff of a role the step names, within the area of the matter, at the
//! stage the step belongs to, not before that stage began; the next stage's deadline is counted
//! in working days on the [`WorkCalendar`].

use chrono::NaiveDate;

use crate::access::{Role, Staff};
use crate::{AreaCode, Deadline, FieldError, WorkCalendar};

/// One step asked of one matter (a case, an application), as the checks see it.
#[derive(Debug, Clone, Copy)]
pub struct StepCheck<'a> {
    /// The step's name (`survey`, `accept`).
    pub step: &'a str,
    /// The roles that may take it.
    pub roles: &'a [Role],
    /// The matter, as its error messages name it (`case 12`).
    pub subject: &'a str,
    /// The matter's area (the household's community).
    pub area: &'a AreaCode,
    /// The matter's stage (code, label) and whether the step belongs to it.
    pub stage: (&'a str, &'a str),
    pub at_its_stage: bool,
    /// The day the matter's stage began.
    pub since: NaiveDate,
}

impl StepCheck<'_> {
    /// Whether `actor` may take the step on `today`; the first reason not, naming its field.
    pub fn admit(&self, actor: &Staff, today: NaiveDate) -> Result<(), FieldError> {
        if !self.roles.contains(&actor.role) {
            let allowed: Vec<&str> = self.roles.iter().map(|r| r.label()).collect();
            return Err(FieldError::new(
                "actor",
                format!(
                    "{}是{}，「{}」由{}办理",
                    actor.name,
                    actor.role.label(),
                    self.step,
                    allowed.join("或")
                ),
            ));
        }
        if !self.area.is_within(&actor.area) {
            return Err(FieldError::new(
                "actor",
                format!(
                    "{}的工作区域是 {}，{}在 {}",
                    actor.name, actor.area, self.subject, self.area
                ),
            ));
        }
        if !self.at_its_stage {
            return Err(FieldError::new(
                "stage",
                format!(
                    "{}处于「{}」环节，「{}」不在此环节办理",
                    self.subject, self.stage.1, self.step
                ),
            ));
        }
        if today < self.since {
            return Err(FieldError::new(
                "date",
                format!("{today} 早于本环节开始的日期 {}", self.since),
            ));
        }
        Ok(())
    }
}

/// `n` working days after `from`, as a step's deadline; a calendar that cannot count them is
/// refused under the field `calendar`.
pub fn working_days_after(
    calendar: &WorkCalendar,
    from: NaiveDate,
    n: u32,
) -> Result<Deadline, FieldError> {
    calendar
        .add_working_days(from, n)
        .map_err(|e| FieldError::new("calendar", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|_| unreachable!())
    }

    fn area(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap_or_else(|_| unreachable!())
    }

    fn staff(role: Role, at: &str) -> Staff {
        Staff {
            name: "王芳".into(),
            role,
            area: area(at),
        }
    }

    #[test]
    fn a_step_is_checked_for_role_area_stage_and_day_in_that_order() {
        let here = area("370212001001");
        let check = StepCheck {
            step: "验收",
            roles: &[Role::Street],
            subject: "服务申请 7",
            area: &here,
            stage: ("started", "服务中"),
            at_its_stage: true,
            since: day("2026-03-02"),
        };
        let ok = staff(Role::Street, "370212001");
        assert_eq!(check.admit(&ok, day("2026-03-02")), Ok(()));
        let field = |r: Result<(), FieldError>| r.err().map(|e| e.field);
        assert_eq!(
            field(check.admit(&staff(Role::Community, "370212001001"), day("2026-03-02"))),
            Some("actor".into())
        );
        assert_eq!(
            field(check.admit(&staff(Role::Street, "370212002"), day("2026-03-02"))),
            Some("actor".into())
        );
        assert_eq!(
            field(check.admit(&ok, day("2026-03-01"))),
            Some("date".into())
        );
        let elsewhere = StepCheck {
            at_its_stage: false,
            ..check
        };
        let refused = elsewhere.admit(&ok, day("2026-03-02"));
        assert_eq!(field(refused.clone()), Some("stage".into()));
        assert!(refused
            .err()
            .is_some_and(|e| e.reason == "服务申请 7处于「服务中」环节，「验收」不在此环节办理"));
    }
}
