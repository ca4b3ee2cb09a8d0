//! A service application's procedure as a state machine (no IO):
//!
//! ```text
//! applied ──assess──► assessed ──assign──► assigned ──start──► started ──accept──► accepted
//!  (eligible by rule)  (上门评估)  (服务机构)    (the provider)    (验收)     enrolled in the ledger
//!    └────────────────────── withdraw ──────────────────────────────┘──► withdrawn
//! ineligible: the rules refused it when it was filed (closed, with their explanation)
//! ```
//!
//! [`Application::transition`] checks the step, the actor's role and area (the shared checks of
//! [`minsheng_core::procedure`]) and computes the next step's deadline in working days.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use minsheng_core::access::{Role, Staff};
use minsheng_core::procedure::{working_days_after, StepCheck};
use minsheng_core::{AreaCode, Deadline, FieldError, Month, WorkCalendar};
use minsheng_policy::{Grant, Policy, Program};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Applied,
    Assessed,
    Assigned,
    Started,
    Accepted,
    Ineligible,
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Applied,
        Stage::Assessed,
        Stage::Assigned,
        Stage::Started,
        Stage::Accepted,
        Stage::Ineligible,
        Stage::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Applied => "applied",
            Stage::Assessed => "assessed",
            Stage::Assigned => "assigned",
            Stage::Started => "started",
            Stage::Accepted => "accepted",
            Stage::Ineligible => "ineligible",
            Stage::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Applied => "已受理, 待上门评估",
            Stage::Assessed => "已评估, 待确定服务机构",
            Stage::Assigned => "已派单, 待开始",
            Stage::Started => "已开始, 待验收",
            Stage::Accepted => "已验收, 补贴纳入发放",
            Stage::Ineligible => "不符合条件",
            Stage::Withdrawn => "已撤回",
        }
    }

    pub fn parse(s: &str) -> Result<Stage, String> {
        Stage::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a stage"))
    }

    /// Whether the procedure is over (accepted, found ineligible or withdrawn).
    pub fn is_closed(self) -> bool {
        matches!(self, Stage::Accepted | Stage::Ineligible | Stage::Withdrawn)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service program's deadlines, each in working days from the step before
/// (`procedure.<name>.{assess, assign, start, accept}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub assess: u32,
    pub assign: u32,
    pub start: u32,
    pub accept: u32,
}

impl Deadlines {
    /// The deadlines in force on `on` of `program`, if it is a service with a procedure.
    pub fn of(policy: &Policy, program: &Program, on: NaiveDate) -> Option<Deadlines> {
        if program.grant != Grant::Service {
            return None;
        }
        let name = program.procedure.as_ref()?;
        let days = |step: &str| policy.count(&format!("procedure.{name}.{step}"), on);
        Some(Deadlines {
            assess: days("assess")?,
            assign: days("assign")?,
            start: days("start")?,
            accept: days("accept")?,
        })
    }

    /// The working days the step out of `stage` has; `None` once the procedure is over.
    fn for_stage(&self, stage: Stage) -> Option<u32> {
        match stage {
            Stage::Applied => Some(self.assess),
            Stage::Assessed => Some(self.assign),
            Stage::Assigned => Some(self.start),
            Stage::Started => Some(self.accept),
            Stage::Accepted | Stage::Ineligible | Stage::Withdrawn => None,
        }
    }

    /// The deadline of the step out of `stage`, entered on `since`.
    pub fn due(
        &self,
        stage: Stage,
        since: NaiveDate,
        calendar: &WorkCalendar,
    ) -> Result<Option<Deadline>, FieldError> {
        self.for_stage(stage)
            .map(|n| working_days_after(calendar, since, n))
            .transpose()
    }
}

/// An application as the state machine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: i64,
    pub program: String,
    /// The household's community.
    pub area: AreaCode,
    pub stage: Stage,
    pub stage_since: NaiveDate,
    /// The provider assigned (a provider account's name), once assigned.
    pub provider: Option<String>,
}

/// What someone does to an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The home visit (上门评估): who visited and what they found (for a refit, what to refit).
    Assess {
        assessors: Vec<String>,
        report: String,
    },
    /// The provider that sets up the bed or does the refit: a provider account of the area
    /// (checked against the accounts by the use case).
    Assign {
        provider: String,
    },
    /// The provider starts the service or the works on `on`.
    Start {
        on: NaiveDate,
        note: String,
    },
    /// Acceptance on completion (验收) by street or district staff; the subsidy follows.
    Accept {
        report: String,
    },
    Withdraw {
        reason: String,
    },
}

impl Step {
    pub fn name(&self) -> &'static str {
        match self {
            Step::Assess { .. } => "assess",
            Step::Assign { .. } => "assign",
            Step::Start { .. } => "start",
            Step::Accept { .. } => "accept",
            Step::Withdraw { .. } => "withdraw",
        }
    }

    /// The step's name for people, as the application page and its refusals say it.
    pub fn label(&self) -> &'static str {
        match self {
            Step::Assess { .. } => "上门评估",
            Step::Assign { .. } => "确定服务机构",
            Step::Start { .. } => "开始服务",
            Step::Accept { .. } => "验收",
            Step::Withdraw { .. } => "撤回",
        }
    }

    fn roles(&self) -> &'static [Role] {
        match self {
            Step::Assess { .. } | Step::Withdraw { .. } => &[Role::Community, Role::Street],
            Step::Assign { .. } => &[Role::Street],
            Step::Start { .. } => &[Role::Provider],
            Step::Accept { .. } => &[Role::Street, Role::District],
        }
    }

    fn stages(&self) -> &'static [Stage] {
        match self {
            Step::Assess { .. } => &[Stage::Applied],
            Step::Assign { .. } => &[Stage::Assessed],
            Step::Start { .. } => &[Stage::Assigned],
            Step::Accept { .. } => &[Stage::Started],
            Step::Withdraw { .. } => &[
                Stage::Applied,
                Stage::Assessed,
                Stage::Assigned,
                Stage::Started,
            ],
        }
    }

    /// The steps someone in `role` may take at `stage`: what an application's page offers.
    pub fn offered(stage: Stage, role: Role) -> Vec<&'static str> {
        let text = String::new;
        let every = [
            Step::Assess {
                assessors: Vec::new(),
                report: text(),
            },
            Step::Assign { provider: text() },
            Step::Start {
                on: NaiveDate::MIN,
                note: text(),
            },
            Step::Accept { report: text() },
            Step::Withdraw { reason: text() },
        ];
        every
            .iter()
            .filter(|s| s.roles().contains(&role) && s.stages().contains(&stage))
            .map(Step::name)
            .collect()
    }
}

/// What a step leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub to: Stage,
    /// The day the new stage began (the start's own day for `start`).
    pub since: NaiveDate,
    pub due: Option<Deadline>,
    pub reason: String,
    pub detail: String,
    /// For an acceptance: the person is paid from the month after it (or the first month no
    /// cycle has been computed for, which storage decides).
    pub enrol_from: Option<Month>,
    /// The provider assigned.
    pub provider: Option<String>,
}

fn required(field: &str, text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        Err(FieldError::new(field, "不能为空"))
    } else {
        Ok(t.to_string())
    }
}

impl Application {
    /// Checks `step` by `actor` on `today` and says what it leads to; nothing else changes.
    pub fn transition(
        &self,
        step: &Step,
        actor: &Staff,
        today: NaiveDate,
        deadlines: &Deadlines,
        calendar: &WorkCalendar,
    ) -> Result<Transition, FieldError> {
        StepCheck {
            step: step.label(),
            roles: step.roles(),
            subject: &format!("服务申请 {}", self.id),
            area: &self.area,
            stage: (self.stage.as_str(), self.stage.label()),
            at_its_stage: step.stages().contains(&self.stage),
            since: self.stage_since,
        }
        .admit(actor, today)?;
        let next = |to: Stage, since: NaiveDate| -> Result<Transition, FieldError> {
            Ok(Transition {
                to,
                since,
                due: deadlines.due(to, since, calendar)?,
                reason: String::new(),
                detail: String::new(),
                enrol_from: None,
                provider: self.provider.clone(),
            })
        };
        Ok(match step {
            Step::Assess { assessors, report } => {
                let mut names: Vec<String> = assessors
                    .iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
                names.sort();
                names.dedup();
                if names.is_empty() {
                    return Err(FieldError::new("assessors", "请写明入户评估的人员"));
                }
                Transition {
                    reason: required("report", report)?,
                    detail: format!("assessors: {}", names.join(", ")),
                    ..next(Stage::Assessed, today)?
                }
            }
            Step::Assign { provider } => {
                let provider = required("provider", provider)?;
                Transition {
                    reason: format!("派给 {provider}"),
                    detail: String::new(),
                    provider: Some(provider),
                    ..next(Stage::Assigned, today)?
                }
            }
            Step::Start { on, note } => {
                if self.provider.as_deref() != Some(actor.name.as_str()) {
                    return Err(FieldError::new(
                        "actor",
                        format!(
                            "申请 {} 派给了 {}，不是 {}",
                            self.id,
                            self.provider.as_deref().unwrap_or("nobody"),
                            actor.name
                        ),
                    ));
                }
                if *on > today || *on < self.stage_since {
                    return Err(FieldError::new(
                        "on",
                        format!("{on} 不在派单日（{}）与今天之间", self.stage_since),
                    ));
                }
                Transition {
                    reason: required("note", note)?,
                    detail: format!("started on {on}"),
                    ..next(Stage::Started, *on)?
                }
            }
            Step::Accept { report } => {
                let month = Month::new(today.year(), today.month())
                    .ok_or_else(|| FieldError::new("date", "超出范围"))?;
                Transition {
                    reason: required("report", report)?,
                    detail: String::new(),
                    enrol_from: Some(month.next()),
                    ..next(Stage::Accepted, today)?
                }
            }
            Step::Withdraw { reason } => Transition {
                reason: required("reason", reason)?,
                ..next(Stage::Withdrawn, today)?
            },
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use minsheng_core::{CalendarDay, DayKind};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn area(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap()
    }

    fn staff(name: &str, role: Role, at: &str) -> Staff {
        Staff {
            name: name.into(),
            role,
            area: area(at),
        }
    }

    const DEADLINES: Deadlines = Deadlines {
        assess: 10,
        assign: 5,
        start: 10,
        accept: 10,
    };

    /// 2026's 国庆 and 中秋 break (1–8 October off, Sunday 27 September and Saturday 10 October
    /// worked), enough to count across.
    fn calendar() -> WorkCalendar {
        let mut days: Vec<CalendarDay> = (1..=8)
            .map(|d| CalendarDay {
                date: NaiveDate::from_ymd_opt(2026, 10, d).unwrap(),
                kind: DayKind::Holiday,
                occasion: "国庆节、中秋节".into(),
            })
            .collect();
        for d in ["2026-09-27", "2026-10-10"] {
            days.push(CalendarDay {
                date: day(d),
                kind: DayKind::Workday,
                occasion: "调休".into(),
            });
        }
        WorkCalendar::new(days).unwrap()
    }

    fn at(stage: Stage, since: &str, provider: Option<&str>) -> Application {
        Application {
            id: 7,
            program: "home_refit".into(),
            area: area("370212001001"),
            stage,
            stage_since: day(since),
            provider: provider.map(str::to_string),
        }
    }

    fn field(r: Result<Transition, FieldError>) -> String {
        r.err().map(|e| e.field).unwrap_or_default()
    }

    #[test]
    fn each_stage_is_due_its_working_days_after_it_began() {
        let c = calendar();
        // Applied on Wednesday 30 September: the break skipped and its worked Saturday
        // counted, ten working days are 9, 10 (Sat), 12–16, 19–21 October — the visit is due
        // on the 21st.
        let due = DEADLINES
            .due(Stage::Applied, day("2026-09-30"), &c)
            .unwrap()
            .unwrap();
        assert_eq!(due.on, day("2026-10-21"));
        assert_eq!(due.provisional, None);
        // Five working days after a visit on Friday 16 October: Friday 23 October.
        let due = DEADLINES
            .due(Stage::Assessed, day("2026-10-16"), &c)
            .unwrap()
            .unwrap();
        assert_eq!(due.on, day("2026-10-23"));
        // A year whose holidays are not loaded is counted Monday to Friday, provisionally.
        let due = DEADLINES
            .due(Stage::Started, day("2027-03-01"), &c)
            .unwrap()
            .unwrap();
        assert_eq!((due.on, due.provisional), (day("2027-03-15"), Some(2027)));
        for closed in [Stage::Accepted, Stage::Ineligible, Stage::Withdrawn] {
            assert_eq!(DEADLINES.due(closed, day("2026-10-16"), &c).unwrap(), None);
        }
    }

    #[test]
    fn the_provider_assigned_starts_between_its_assignment_and_today() {
        let c = calendar();
        let app = at(Stage::Assigned, "2026-10-12", Some("康养中心"));
        let provider = staff("康养中心", Role::Provider, "370212001");
        let start = |on: &str| Step::Start {
            on: day(on),
            note: "进场".into(),
        };
        let today = day("2026-10-14");
        for on in ["2026-10-12", "2026-10-14"] {
            let t = app
                .transition(&start(on), &provider, today, &DEADLINES, &c)
                .unwrap();
            assert_eq!((t.to, t.since), (Stage::Started, day(on)));
        }
        for on in ["2026-10-11", "2026-10-15"] {
            assert_eq!(
                field(app.transition(&start(on), &provider, today, &DEADLINES, &c)),
                "on"
            );
        }
        let other = staff("别家", Role::Provider, "370212001");
        assert_eq!(
            field(app.transition(&start("2026-10-13"), &other, today, &DEADLINES, &c)),
            "actor"
        );
        let street = staff("街道", Role::Street, "370212001");
        assert_eq!(
            field(app.transition(&start("2026-10-13"), &street, today, &DEADLINES, &c)),
            "actor"
        );
    }

    #[test]
    fn acceptance_is_the_streets_once_and_pays_from_the_next_month() {
        let c = calendar();
        let street = staff("街道", Role::Street, "370212001");
        let accept = Step::Accept {
            report: "合格".into(),
        };
        let started = at(Stage::Started, "2026-12-01", Some("康养中心"));
        let t = started
            .transition(&accept, &street, day("2026-12-31"), &DEADLINES, &c)
            .unwrap();
        assert_eq!(t.to, Stage::Accepted);
        assert_eq!(t.enrol_from, Month::new(2027, 1));
        assert_eq!(t.due, None);
        let provider = staff("康养中心", Role::Provider, "370212001");
        assert_eq!(
            field(started.transition(&accept, &provider, day("2026-12-31"), &DEADLINES, &c)),
            "actor"
        );
        let accepted = at(Stage::Accepted, "2026-12-31", Some("康养中心"));
        assert_eq!(
            field(accepted.transition(&accept, &street, day("2026-12-31"), &DEADLINES, &c)),
            "stage"
        );
        let empty = Step::Accept { report: " ".into() };
        assert_eq!(
            field(started.transition(&empty, &street, day("2026-12-31"), &DEADLINES, &c)),
            "report"
        );
        let elsewhere = staff("别的街道", Role::Street, "370212002");
        assert_eq!(
            field(started.transition(&accept, &elsewhere, day("2026-12-31"), &DEADLINES, &c)),
            "actor"
        );
    }

    #[test]
    fn each_role_is_offered_its_steps() {
        assert_eq!(
            Step::offered(Stage::Applied, Role::Community),
            ["assess", "withdraw"]
        );
        assert_eq!(
            Step::offered(Stage::Assessed, Role::Street),
            ["assign", "withdraw"]
        );
        assert_eq!(Step::offered(Stage::Assigned, Role::Provider), ["start"]);
        assert_eq!(
            Step::offered(Stage::Started, Role::Street),
            ["accept", "withdraw"]
        );
        assert_eq!(Step::offered(Stage::Started, Role::District), ["accept"]);
        assert!(Step::offered(Stage::Accepted, Role::Street).is_empty());
        assert!(Step::offered(Stage::Applied, Role::City).is_empty());
    }
}
