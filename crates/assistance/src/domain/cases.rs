//! Applications and their cases: the MCA procedure (《最低生活保障审核确认办法》, 《特困人员认定
//! 办法》) as a state machine with deadlines in working days.
//!
//! One application (一件事) asks for several programs; each program is a case that goes
//!
//! ```text
//! accepted ──survey (≥2 surveyors)──► surveyed ──review: pass──► posted (公示, 7 days)
//!    │                                   └─review: refuse─┐      │ objections recorded, resolved
//!    │                                                    ▼      ▼
//!    └──withdraw──► closed ◄──notify── refused ◄─refuse─ decide (district, after the posting,
//!                     ▲                                    │      with no open objection)
//!                     └──────────notify────── approved ◄───┘ approve: paid from the next month
//! ```
//!
//! [`Case::transition`] checks the step, the actor's role and area, and computes the next
//! deadline; it has no IO, so every rule of the procedure is tested here with plain values.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};

use minsheng_core::access::{Role, Staff};
use minsheng_core::procedure::{working_days_after, StepCheck};
use minsheng_core::{AreaCode, Deadline, FieldError, Month, WorkCalendar};
use minsheng_policy::Policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Accepted,
    Surveyed,
    Posted,
    Approved,
    Refused,
    Closed,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Accepted,
        Stage::Surveyed,
        Stage::Posted,
        Stage::Approved,
        Stage::Refused,
        Stage::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Accepted => "accepted",
            Stage::Surveyed => "surveyed",
            Stage::Posted => "posted",
            Stage::Approved => "approved",
            Stage::Refused => "refused",
            Stage::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Accepted => "已受理, 待入户调查",
            Stage::Surveyed => "已调查, 待审核",
            Stage::Posted => "公示中",
            Stage::Approved => "已批准, 待告知",
            Stage::Refused => "不予批准, 待告知理由",
            Stage::Closed => "已办结",
        }
    }

    pub fn parse(s: &str) -> Result<Stage, String> {
        Stage::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a stage"))
    }
}

impl std::str::FromStr for Stage {
    type Err = String;

    fn from_str(s: &str) -> Result<Stage, String> {
        Stage::parse(s.trim())
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A program's procedure deadlines (from the policy's `procedure` parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Procedure {
    /// Working days from acceptance to the household survey.
    pub survey: u32,
    /// Calendar days of public posting (公示).
    pub posting_days: u32,
    /// Working days from the end of posting to the decision.
    pub decision: u32,
    /// Working days from a decision to its notice (refusals with reasons).
    pub notice: u32,
    /// Working days from acceptance to the end of the whole procedure.
    pub total: u32,
}

impl Procedure {
    /// The deadlines of `program`'s procedure in force on `on` (working days, and calendar
    /// days of posting), if it has one.
    pub fn of(policy: &Policy, program: &str, on: NaiveDate) -> Option<Procedure> {
        let name = policy.program(program)?.procedure.as_ref()?;
        let days = |step: &str| policy.count(&format!("procedure.{name}.{step}"), on);
        Some(Procedure {
            survey: days("survey")?,
            posting_days: days("posting_days")?,
            decision: days("decision")?,
            notice: days("notice")?,
            total: days("total")?,
        })
    }
}

/// A case as the state machine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: i64,
    pub program: String,
    /// The household's community.
    pub area: AreaCode,
    pub stage: Stage,
    pub accepted_on: NaiveDate,
    /// The day the current stage began.
    pub stage_since: NaiveDate,
    pub open_objections: u32,
}

/// What a caseworker does to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Survey {
        surveyors: Vec<String>,
        report: String,
    },
    Review {
        pass: bool,
        reason: String,
    },
    Object {
        by: String,
        text: String,
    },
    Resolve {
        objection: i64,
        upheld: bool,
        reason: String,
    },
    Decide {
        approve: bool,
        reason: String,
    },
    Notify {
        text: String,
    },
    Withdraw {
        reason: String,
    },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Survey { .. } => "survey",
            Action::Review { .. } => "review",
            Action::Object { .. } => "object",
            Action::Resolve { .. } => "resolve",
            Action::Decide { .. } => "decide",
            Action::Notify { .. } => "notify",
            Action::Withdraw { .. } => "withdraw",
        }
    }

    /// The step's name for people, as the case page and its refusals say it.
    pub fn label(&self) -> &'static str {
        match self {
            Action::Survey { .. } => "入户调查",
            Action::Review { .. } => "审核",
            Action::Object { .. } => "登记异议",
            Action::Resolve { .. } => "处理异议",
            Action::Decide { .. } => "审批决定",
            Action::Notify { .. } => "书面告知",
            Action::Withdraw { .. } => "撤回",
        }
    }

    /// The roles that may take this action.
    fn roles(&self) -> &'static [Role] {
        match self {
            Action::Survey { .. } | Action::Withdraw { .. } | Action::Object { .. } => {
                &[Role::Community, Role::Street]
            }
            Action::Review { .. } | Action::Resolve { .. } => &[Role::Street],
            Action::Decide { .. } => &[Role::District],
            Action::Notify { .. } => &[Role::Street, Role::District],
        }
    }

    /// The stages it may be taken in.
    fn stages(&self) -> &'static [Stage] {
        match self {
            Action::Survey { .. } => &[Stage::Accepted],
            Action::Review { .. } => &[Stage::Surveyed],
            Action::Object { .. } | Action::Resolve { .. } | Action::Decide { .. } => {
                &[Stage::Posted]
            }
            Action::Notify { .. } => &[Stage::Approved, Stage::Refused],
            Action::Withdraw { .. } => &[Stage::Accepted, Stage::Surveyed, Stage::Posted],
        }
    }

    /// The actions someone in `role` may take on a case in `stage` (by [`Action::name`]): what
    /// a case page offers. Whether one succeeds still depends on the area, the day and the
    /// objections, which [`Case::transition`] checks.
    pub fn offered(stage: Stage, role: Role) -> Vec<&'static str> {
        let text = String::new;
        let every = [
            Action::Survey {
                surveyors: Vec::new(),
                report: text(),
            },
            Action::Review {
                pass: true,
                reason: text(),
            },
            Action::Object {
                by: text(),
                text: text(),
            },
            Action::Resolve {
                objection: 0,
                upheld: false,
                reason: text(),
            },
            Action::Decide {
                approve: true,
                reason: text(),
            },
            Action::Notify { text: text() },
            Action::Withdraw { reason: text() },
        ];
        every
            .iter()
            .filter(|a| a.roles().contains(&role) && a.stages().contains(&stage))
            .map(Action::name)
            .collect()
    }
}

/// What follows from an action, beyond the new stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    None,
    /// Record an objection raised during the posting by `by` (its text is the reason).
    AddObjection {
        by: String,
    },
    /// Resolve one.
    ResolveObjection {
        objection: i64,
        upheld: bool,
    },
    /// Enrol the household in the program from this month (the month after the decision).
    Enrol {
        first_month: Month,
    },
    /// Close the case with this outcome.
    Close {
        outcome: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub to: Stage,
    /// The next step's deadline, if the case is still open and the calendar reaches it.
    pub due_on: Option<NaiveDate>,
    /// The year whose holiday calendar `due_on` still waits for: it was counted there on the
    /// Monday–Friday rule, and is counted again when that year's notice is loaded.
    pub provisional: Option<i32>,
    pub reason: String,
    pub detail: String,
    pub effect: Effect,
}

fn refuse(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError::new(field, reason)
}

fn required(field: &str, text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        Err(refuse(field, "不能为空"))
    } else {
        Ok(t.to_string())
    }
}

/// Why a step offered at a case's stage cannot be taken yet, whatever is written in it: what a
/// case page says instead of a form that would be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// The posting (公示) runs until this day; the decision comes after it.
    Posting { until: NaiveDate },
    /// Objections raised during the posting are still open.
    Objections { open: u32 },
}

impl Case {
    /// Why `action` cannot be taken on `today`, if only waiting will let it: the decision
    /// during the posting, or while an objection is open. The checks are
    /// [`Case::transition`]'s, asked before any form is filled.
    pub fn waiting(
        &self,
        action: &str,
        today: NaiveDate,
        procedure: &Procedure,
    ) -> Option<Waiting> {
        if action != "decide" || self.stage != Stage::Posted {
            return None;
        }
        let until = Case::posting_ends(self.stage_since, procedure);
        if today <= until {
            Some(Waiting::Posting { until })
        } else if self.open_objections > 0 {
            Some(Waiting::Objections {
                open: self.open_objections,
            })
        } else {
            None
        }
    }

    /// The last day of the posting that began on `posted_on`.
    pub fn posting_ends(posted_on: NaiveDate, procedure: &Procedure) -> NaiveDate {
        posted_on + Duration::days(i64::from(procedure.posting_days.max(1)) - 1)
    }

    /// The deadline of the stage a case is in, counted from the day it began.
    pub fn due(
        stage: Stage,
        since: NaiveDate,
        procedure: &Procedure,
        calendar: &WorkCalendar,
    ) -> Result<Option<Deadline>, FieldError> {
        let days = |from, n| working_days_after(calendar, from, n).map(Some);
        match stage {
            Stage::Accepted => days(since, procedure.survey),
            // The review has no deadline of its own: the whole procedure's applies.
            Stage::Surveyed => Ok(None),
            Stage::Posted => days(Case::posting_ends(since, procedure), procedure.decision),
            Stage::Approved | Stage::Refused => days(since, procedure.notice),
            Stage::Closed => Ok(None),
        }
    }

    /// Checks `action` by `actor` on `today` and says what it leads to; nothing else changes.
    pub fn transition(
        &self,
        action: &Action,
        actor: &Staff,
        today: NaiveDate,
        procedure: &Procedure,
        calendar: &WorkCalendar,
    ) -> Result<Transition, FieldError> {
        StepCheck {
            step: action.label(),
            roles: action.roles(),
            subject: &format!("案件 {}", self.id),
            area: &self.area,
            stage: (self.stage.as_str(), self.stage.label()),
            at_its_stage: action.stages().contains(&self.stage),
            since: self.stage_since,
        }
        .admit(actor, today)?;
        let mut provisional = None;
        let mut lenient = |due: Result<Option<Deadline>, FieldError>| {
            let due = due?;
            provisional = provisional.or(due.and_then(|d| d.provisional));
            Ok::<_, FieldError>(due.map(|d| d.on))
        };
        let posted_due = lenient(Case::due(
            Stage::Posted,
            self.stage_since,
            procedure,
            calendar,
        ))?;
        let next_due = |to: Stage| Case::due(to, today, procedure, calendar);
        let mut t = match action {
            Action::Survey { surveyors, report } => {
                let mut names: Vec<String> = surveyors
                    .iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                names.sort();
                names.dedup();
                if names.len() < 2 {
                    return Err(refuse(
                        "surveyors",
                        "家庭经济状况调查须由至少两名工作人员进行",
                    ));
                }
                Transition {
                    to: Stage::Surveyed,
                    due_on: lenient(next_due(Stage::Surveyed))?,
                    provisional: None,
                    reason: required("report", report)?,
                    detail: format!("调查人员: {}", names.join("、")),
                    effect: Effect::None,
                }
            }
            Action::Review { pass, reason } => {
                let to = if *pass { Stage::Posted } else { Stage::Refused };
                Transition {
                    to,
                    due_on: lenient(next_due(to))?,
                    provisional: None,
                    reason: required("reason", reason)?,
                    detail: if *pass {
                        format!("公示至 {}", Case::posting_ends(today, procedure))
                    } else {
                        String::new()
                    },
                    effect: Effect::None,
                }
            }
            Action::Object { by, text } => {
                let by = required("by", by)?;
                Transition {
                    to: Stage::Posted,
                    due_on: posted_due,
                    provisional: None,
                    reason: required("text", text)?,
                    detail: format!("异议人: {by}"),
                    effect: Effect::AddObjection { by },
                }
            }
            Action::Resolve {
                objection,
                upheld,
                reason,
            } => Transition {
                to: Stage::Posted,
                due_on: posted_due,
                provisional: None,
                reason: required("reason", reason)?,
                detail: format!(
                    "异议 {objection} {}",
                    if *upheld { "成立" } else { "不成立" }
                ),
                effect: Effect::ResolveObjection {
                    objection: *objection,
                    upheld: *upheld,
                },
            },
            Action::Decide { approve, reason } => {
                let ends = Case::posting_ends(self.stage_since, procedure);
                if today <= ends {
                    return Err(refuse("date", format!("公示期至 {ends}，期满后可审批")));
                }
                if self.open_objections > 0 {
                    return Err(refuse(
                        "objections",
                        format!("尚有 {} 件异议未处理", self.open_objections),
                    ));
                }
                let to = if *approve {
                    Stage::Approved
                } else {
                    Stage::Refused
                };
                let first_month = Month::new(today.year(), today.month())
                    .map(Month::next)
                    .ok_or_else(|| refuse("date", "超出范围"))?;
                Transition {
                    to,
                    due_on: lenient(next_due(to))?,
                    provisional: None,
                    reason: required("reason", reason)?,
                    detail: if *approve {
                        format!("自 {first_month} 起发放")
                    } else {
                        String::new()
                    },
                    effect: if *approve {
                        Effect::Enrol { first_month }
                    } else {
                        Effect::None
                    },
                }
            }
            Action::Notify { text } => Transition {
                to: Stage::Closed,
                due_on: None,
                provisional: None,
                reason: required("text", text)?,
                detail: String::new(),
                effect: Effect::Close {
                    outcome: if self.stage == Stage::Approved {
                        "granted"
                    } else {
                        "refused"
                    },
                },
            },
            Action::Withdraw { reason } => Transition {
                to: Stage::Closed,
                due_on: None,
                provisional: None,
                reason: required("reason", reason)?,
                detail: String::new(),
                effect: Effect::Close {
                    outcome: "withdrawn",
                },
            },
        };
        t.provisional = provisional;
        Ok(t)
    }
}

/// How often a running benefit is reviewed (动态管理), in months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewRule {
    pub yearly: u32,
    /// Households with a member able to work.
    pub able_to_work: u32,
    /// After a member dies.
    pub after_death: u32,
    /// The longest gradual exit (渐退), in months.
    pub gradual_exit: u32,
}

impl ReviewRule {
    /// How often running benefits are reviewed, in force on `on` (`procedure/review.yaml`).
    pub fn of(policy: &Policy, on: NaiveDate) -> Option<ReviewRule> {
        let months = |step: &str| policy.count(&format!("procedure.review.{step}"), on);
        Some(ReviewRule {
            yearly: months("yearly_months")?,
            able_to_work: months("able_to_work_months")?,
            after_death: months("after_death_months")?,
            gradual_exit: months("gradual_exit_max_months")?,
        })
    }

    /// When a benefit running since `start` and last reviewed on `last_review` is next due:
    /// a review period after the later of the two, or sooner after a member's death.
    pub fn due(
        &self,
        start: NaiveDate,
        last_review: Option<NaiveDate>,
        can_work: bool,
        last_death: Option<NaiveDate>,
    ) -> NaiveDate {
        let since = last_review.map_or(start, |r| r.max(start));
        let months = if can_work {
            self.able_to_work
        } else {
            self.yearly
        };
        let add = |d: NaiveDate, m: u32| d.checked_add_months(chrono::Months::new(m)).unwrap_or(d);
        let regular = add(since, months);
        match last_death {
            Some(death) if death >= since => regular.min(add(death, self.after_death)),
            _ => regular,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minsheng_core::{CalendarDay, DayKind};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn calendar() -> WorkCalendar {
        // 2025: National Day 1–8 October off, Sunday 28 September and Saturday 11 October worked.
        let mut days = vec![
            CalendarDay {
                date: d("2025-09-28"),
                kind: DayKind::Workday,
                occasion: "国庆节".into(),
            },
            CalendarDay {
                date: d("2025-10-11"),
                kind: DayKind::Workday,
                occasion: "国庆节".into(),
            },
        ];
        for day in 1..=8 {
            days.push(CalendarDay {
                date: d(&format!("2025-10-{day:02}")),
                kind: DayKind::Holiday,
                occasion: "国庆节".into(),
            });
        }
        WorkCalendar::new(days).unwrap_or_else(|e| unreachable!("{e}"))
    }

    const DIBAO: Procedure = Procedure {
        survey: 3,
        posting_days: 7,
        decision: 10,
        notice: 3,
        total: 30,
    };

    fn staff(role: Role, area: &str) -> Staff {
        Staff {
            name: format!("{}@{area}", role.as_str()),
            role,
            area: AreaCode::parse(area).unwrap_or_else(|e| unreachable!("{e}")),
        }
    }

    fn case(stage: Stage, since: &str) -> Case {
        Case {
            id: 7,
            program: "dibao".into(),
            area: AreaCode::parse("370212001003").unwrap_or_else(|e| unreachable!("{e}")),
            stage,
            accepted_on: d("2025-09-25"),
            stage_since: d(since),
            open_objections: 0,
        }
    }

    fn field(r: Result<Transition, FieldError>) -> String {
        r.err().map(|e| e.field).unwrap_or_default()
    }

    /// The page says why the decision waits exactly when the decision would be refused for it:
    /// through the posting's last day (posted Monday 2 March, seven days: until Sunday the
    /// 8th), then while an objection is open.
    #[test]
    fn the_decision_waits_for_the_posting_and_the_objections_as_the_step_would() {
        let cal = calendar();
        let district = staff(Role::District, "370212");
        let decide = Action::Decide {
            approve: true,
            reason: "符合条件".into(),
        };
        let posted = case(Stage::Posted, "2026-03-02");
        let until = d("2026-03-08");
        for (day, waits, refused) in [
            ("2026-03-02", Some(Waiting::Posting { until }), "date"),
            ("2026-03-08", Some(Waiting::Posting { until }), "date"),
            ("2026-03-09", None, ""),
        ] {
            assert_eq!(posted.waiting("decide", d(day), &DIBAO), waits, "{day}");
            assert_eq!(
                field(posted.transition(&decide, &district, d(day), &DIBAO, &cal)),
                refused,
                "{day}"
            );
        }
        let objected = Case {
            open_objections: 2,
            ..posted.clone()
        };
        assert_eq!(
            objected.waiting("decide", d("2026-03-09"), &DIBAO),
            Some(Waiting::Objections { open: 2 })
        );
        assert_eq!(
            field(objected.transition(&decide, &district, d("2026-03-09"), &DIBAO, &cal)),
            "objections"
        );
        assert_eq!(objected.waiting("object", d("2026-03-03"), &DIBAO), None);
        let surveyed = case(Stage::Surveyed, "2026-03-02");
        assert_eq!(surveyed.waiting("decide", d("2026-03-03"), &DIBAO), None);
    }

    #[test]
    fn each_stage_offers_each_role_its_own_steps() {
        assert_eq!(
            Action::offered(Stage::Accepted, Role::Community),
            ["survey", "withdraw"]
        );
        assert_eq!(
            Action::offered(Stage::Surveyed, Role::Street),
            ["review", "withdraw"]
        );
        assert_eq!(
            Action::offered(Stage::Posted, Role::Street),
            ["object", "resolve", "withdraw"]
        );
        assert_eq!(Action::offered(Stage::Posted, Role::District), ["decide"]);
        assert_eq!(Action::offered(Stage::Approved, Role::District), ["notify"]);
        assert!(Action::offered(Stage::Posted, Role::Auditor).is_empty());
        assert!(Action::offered(Stage::Closed, Role::Street).is_empty());
    }

    #[test]
    fn a_case_goes_through_every_step_with_working_day_deadlines() {
        let cal = calendar();
        let street = staff(Role::Street, "370212001");
        let district = staff(Role::District, "370212");
        // Accepted Thursday 25 September: the survey is due 3 working days later, counting the
        // swapped Sunday 28 September: Fri 26, Sun 28, Mon 29.
        assert_eq!(
            Case::due(Stage::Accepted, d("2025-09-25"), &DIBAO, &cal).map(|due| due.map(|d| d.on)),
            Ok(Some(d("2025-09-29")))
        );
        let survey = Action::Survey {
            surveyors: vec!["张三".into(), "李四".into()],
            report: "入户核实".into(),
        };
        let t = case(Stage::Accepted, "2025-09-25").transition(
            &survey,
            &street,
            d("2025-09-26"),
            &DIBAO,
            &cal,
        );
        assert_eq!(t.as_ref().map(|t| t.to), Ok(Stage::Surveyed));
        // Posted Tuesday 30 September for 7 days (to 6 October); the decision is due 10 working
        // days after, skipping the holiday: 9, 10, 11 (Sat, worked), 13–17, 20, 21 October.
        let review = Action::Review {
            pass: true,
            reason: "收入低于标准".into(),
        };
        let t = case(Stage::Surveyed, "2025-09-26").transition(
            &review,
            &street,
            d("2025-09-30"),
            &DIBAO,
            &cal,
        );
        let t = t.unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!((t.to, t.due_on), (Stage::Posted, Some(d("2025-10-21"))));
        assert_eq!(t.detail, "公示至 2025-10-06");
        let decide = Action::Decide {
            approve: true,
            reason: "符合条件".into(),
        };
        let posted = case(Stage::Posted, "2025-09-30");
        assert_eq!(
            field(posted.transition(&decide, &district, d("2025-10-06"), &DIBAO, &cal)),
            "date",
            "still posted"
        );
        let t = posted
            .transition(&decide, &district, d("2025-10-07"), &DIBAO, &cal)
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(t.to, Stage::Approved);
        assert_eq!(
            t.effect,
            Effect::Enrol {
                first_month: Month::new(2025, 11).unwrap_or_else(|| unreachable!())
            }
        );
        let notify = Action::Notify {
            text: "批准通知书".into(),
        };
        let t = case(Stage::Approved, "2025-10-07").transition(
            &notify,
            &street,
            d("2025-10-09"),
            &DIBAO,
            &cal,
        );
        assert_eq!(
            t.map(|t| (t.to, t.effect)),
            Ok((Stage::Closed, Effect::Close { outcome: "granted" }))
        );
    }

    #[test]
    fn the_wrong_role_area_step_or_survey_is_refused() {
        let cal = calendar();
        let street = staff(Role::Street, "370212001");
        let decide = Action::Decide {
            approve: true,
            reason: "ok".into(),
        };
        let posted = case(Stage::Posted, "2025-09-01");
        assert_eq!(
            field(posted.transition(&decide, &street, d("2025-09-20"), &DIBAO, &cal)),
            "actor"
        );
        let other_district = staff(Role::District, "370211");
        assert_eq!(
            field(posted.transition(&decide, &other_district, d("2025-09-20"), &DIBAO, &cal)),
            "actor"
        );
        let city = staff(Role::City, "370200");
        assert_eq!(
            field(posted.transition(&decide, &city, d("2025-09-20"), &DIBAO, &cal)),
            "actor"
        );
        let review = Action::Review {
            pass: true,
            reason: "ok".into(),
        };
        assert_eq!(
            field(posted.transition(&review, &street, d("2025-09-20"), &DIBAO, &cal)),
            "stage"
        );
        let one = Action::Survey {
            surveyors: vec!["张三".into(), " 张三 ".into()],
            report: "r".into(),
        };
        assert_eq!(
            field(case(Stage::Accepted, "2025-09-01").transition(
                &one,
                &street,
                d("2025-09-02"),
                &DIBAO,
                &cal
            )),
            "surveyors"
        );
        let mut objected = posted.clone();
        objected.open_objections = 1;
        let district = staff(Role::District, "370212");
        assert_eq!(
            field(objected.transition(&decide, &district, d("2025-09-20"), &DIBAO, &cal)),
            "objections"
        );
        let silent = Action::Review {
            pass: false,
            reason: " ".into(),
        };
        assert_eq!(
            field(case(Stage::Surveyed, "2025-09-01").transition(
                &silent,
                &street,
                d("2025-09-02"),
                &DIBAO,
                &cal
            )),
            "reason",
            "a refusal gives its reasons"
        );
        // A year without a calendar: the deadline is counted on the Monday–Friday rule and
        // marked provisional with that year; the step is taken. Posted Wednesday 2 January 2030
        // until 8 January; 10 working days later is Tuesday 22 January.
        let far = Action::Review {
            pass: true,
            reason: "r".into(),
        };
        let t = case(Stage::Surveyed, "2030-01-02")
            .transition(&far, &street, d("2030-01-02"), &DIBAO, &cal)
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            (t.to, t.due_on, t.provisional),
            (Stage::Posted, Some(d("2030-01-22")), Some(2030))
        );
    }

    #[test]
    fn reviews_come_yearly_half_yearly_with_work_and_soon_after_a_death() {
        let rule = ReviewRule {
            yearly: 12,
            able_to_work: 6,
            after_death: 3,
            gradual_exit: 6,
        };
        let start = d("2025-03-01");
        assert_eq!(rule.due(start, None, false, None), d("2026-03-01"));
        assert_eq!(rule.due(start, None, true, None), d("2025-09-01"));
        assert_eq!(
            rule.due(start, Some(d("2025-08-20")), true, None),
            d("2026-02-20")
        );
        assert_eq!(
            rule.due(start, Some(d("2025-08-20")), false, Some(d("2025-10-05"))),
            d("2026-01-05")
        );
        assert_eq!(
            rule.due(start, Some(d("2025-08-20")), false, Some(d("2025-05-05"))),
            d("2026-08-20"),
            "a death before the last review was reviewed"
        );
        assert_eq!(rule.due(d("2025-01-31"), None, true, None), d("2025-07-31"));
    }

    #[test]
    fn a_refusal_is_notified_and_closed() {
        let cal = calendar();
        let street = staff(Role::Street, "370212001");
        let review = Action::Review {
            pass: false,
            reason: "人均收入 1,120.00 元 ≥ 标准 1,045.00 元".into(),
        };
        let t = case(Stage::Surveyed, "2025-09-01").transition(
            &review,
            &street,
            d("2025-09-02"),
            &DIBAO,
            &cal,
        );
        assert_eq!(
            t.map(|t| (t.to, t.due_on)),
            Ok((Stage::Refused, Some(d("2025-09-05"))))
        );
        let notify = Action::Notify {
            text: "不予批准告知书".into(),
        };
        let t = case(Stage::Refused, "2025-09-02").transition(
            &notify,
            &street,
            d("2025-09-03"),
            &DIBAO,
            &cal,
        );
        assert_eq!(
            t.map(|t| t.effect),
            Ok(Effect::Close { outcome: "refused" })
        );
    }
}
