//! What the pages and the API show of social assistance: serialisable views, ID numbers masked
//! unless revealed.

use chrono::NaiveDate;
use minsheng_app::china_time;
use minsheng_assistance::storage::{CaseEvent, CaseRecord, Objection};
use minsheng_assistance::Stage;
use minsheng_core::WorkCalendar;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub household: String,
    pub program: String,
    /// The program's name in the policy (the code, for a program the policy no longer has).
    pub program_label: String,
    pub stage: String,
    pub stage_label: String,
    pub accepted_on: NaiveDate,
    /// The current step's deadline (for the posting, its last day).
    pub due_on: Option<NaiveDate>,
    /// The year whose holiday calendar `due_on` waits for: counted there on the
    /// Monday–Friday rule, provisionally, until that year's notice is loaded.
    pub due_provisional: Option<i32>,
    /// Working days until the step's deadline (negative: overdue), by the holiday calendar.
    pub working_days_left: Option<i64>,
    /// The whole procedure's deadline.
    pub final_due_on: Option<NaiveDate>,
    /// As `due_provisional`, for the whole procedure's deadline.
    pub final_due_provisional: Option<i32>,
    pub outcome: String,
    /// The outcome by its name (批准, 不予批准, 已撤回), empty while open.
    pub outcome_label: &'static str,
    /// What happens next, as the applicant is told it.
    pub next: &'static str,
}

/// What happens after each stage, for the applicant: who does what next (《最低生活保障审核确认
/// 办法》第三章: survey by the street, review, posting, approval by the county's civil affairs,
/// written notice).
pub fn next_step(stage: Stage) -> &'static str {
    match stage {
        Stage::Accepted => "工作人员将入户调查，核实家庭经济状况",
        Stage::Surveyed => "街道审核调查结果，审核通过后公示",
        Stage::Posted => "公示期间可提出异议；公示期满后由县级民政部门审批",
        Stage::Approved => "已批准：将书面告知，并按月发放",
        Stage::Refused => "不予批准：将书面告知理由，以及申请行政复议或提起行政诉讼的途径",
        Stage::Closed => "已办结",
    }
}

impl CaseView {
    pub fn of(
        c: &CaseRecord,
        policy: &minsheng_policy::Policy,
        calendar: &WorkCalendar,
        today: NaiveDate,
    ) -> CaseView {
        let deadlines = minsheng_assistance::cases::Deadlines::of(c, calendar);
        CaseView {
            id: c.case.id,
            household: c.household.clone(),
            program: c.case.program.clone(),
            program_label: policy.program_label(&c.case.program).to_string(),
            stage: c.case.stage.to_string(),
            stage_label: c.case.stage.label().to_string(),
            accepted_on: c.case.accepted_on,
            due_on: c.due_on,
            due_provisional: deadlines.step.and_then(|d| d.provisional),
            working_days_left: c
                .due_on
                .map(|due| calendar.working_days_between(today, due)),
            final_due_on: c.final_due_on,
            final_due_provisional: deadlines.whole.and_then(|d| d.provisional),
            outcome: c.outcome.clone(),
            outcome_label: outcome_label(&c.outcome),
            next: next_step(c.case.stage),
        }
    }

    pub fn overdue(&self) -> bool {
        self.working_days_left.is_some_and(|n| n < 0)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseView>,
    /// How many cases there are in all, on every page.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    pub at: String,
    pub on_day: NaiveDate,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub from: String,
    pub to: String,
    /// The role, the step and the stages by their names, as a page shows them.
    pub role_label: &'static str,
    pub action_label: &'static str,
    pub from_label: &'static str,
    pub to_label: &'static str,
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    pub raised_on: NaiveDate,
    pub raised_by: String,
    pub text: String,
    /// `upheld`, `dismissed`, or none while open.
    pub resolution: Option<String>,
    pub resolved_on: Option<NaiveDate>,
    pub resolution_reason: Option<String>,
}

/// A case with its history, objections and the steps the viewer may take now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    pub case: CaseView,
    pub events: Vec<CaseEventView>,
    pub objections: Vec<ObjectionView>,
    /// Step names (`survey`, `review`, `object`, `resolve`, `decide`, `notify`, `withdraw`)
    /// the viewer's role may take in the case's stage, now.
    pub offered: Vec<String>,
    /// Steps of the viewer's role at this stage that must wait, and for what.
    pub waiting: Vec<WaitingView>,
    /// The procedure's steps (受理 → 调查 → 审核 → 公示 → 审批 → 告知), each done (with its
    /// day), current (with its deadline), still to come, or skipped.
    pub progress: Vec<ProgressView>,
    /// When the survey is offered: the community and street staff over the household, to
    /// pick its team from.
    pub surveyors: Vec<String>,
}

/// A step that must wait: until the posting's last day has passed, or for open objections.
#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingView {
    pub action: String,
    /// The posting runs until this day.
    pub until: Option<NaiveDate>,
    /// Objections still open.
    pub open_objections: Option<u32>,
}

/// One step of the procedure as the case has gone through it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressView {
    /// 受理, 调查, 审核, 公示, 审批 or 告知.
    pub step: &'static str,
    /// `done`, `current`, `todo` or `skipped`.
    pub state: &'static str,
    /// The day it was done (for the posting, its last day).
    pub on: Option<NaiveDate>,
    /// The current step's deadline (for the posting, its last day).
    pub due: Option<NaiveDate>,
}

/// A closed case's outcomes by their names.
pub const OUTCOMES: [(&str, &str); 3] = [
    ("granted", "批准"),
    ("refused", "不予批准"),
    ("withdrawn", "已撤回"),
];

fn outcome_label(code: &str) -> &'static str {
    OUTCOMES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, name)| *name)
}

/// Each step of a case's history by its name.
pub const EVENT_ACTIONS: [(&str, &str); 8] = [
    ("accept", "受理"),
    ("survey", "入户调查"),
    ("review", "审核"),
    ("object", "登记异议"),
    ("resolve", "处理异议"),
    ("decide", "审批决定"),
    ("notify", "书面告知"),
    ("withdraw", "撤回"),
];

/// A code's name: a step's, a stage's or a role's; the code itself when it has none.
fn named(code: &str) -> &'static str {
    EVENT_ACTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
        .or_else(|| {
            minsheng_assistance::Stage::parse(code)
                .ok()
                .map(|s| s.label())
        })
        .or_else(|| {
            minsheng_core::access::Role::parse(code)
                .ok()
                .map(|r| r.label())
        })
        .unwrap_or("")
}

/// The procedure's steps as a case page names them.
pub const PROGRESS_STEPS: [&str; 6] = ["受理", "调查", "审核", "公示", "审批", "告知"];

/// The procedure's steps for a case, from its history.
fn progress(
    record: &CaseRecord,
    events: &[CaseEvent],
    procedure: Option<&minsheng_assistance::Procedure>,
    today: NaiveDate,
) -> Vec<ProgressView> {
    let last = |action: &str| events.iter().rev().find(|e| e.action == action);
    let review = last("review");
    let refused_at_review = review.is_some_and(|e| e.to == "refused");
    let withdrawn = last("withdraw").is_some();
    let posting_until = review
        .filter(|e| e.to == "posted")
        .zip(procedure)
        .map(|(e, p)| minsheng_assistance::Case::posting_ends(e.on_day, p));
    let decided = last("decide");
    let [accept, survey, check, post, decide, notify] = PROGRESS_STEPS;
    let steps: [(&'static str, Option<NaiveDate>, bool); 6] = [
        (accept, Some(record.case.accepted_on), false),
        (survey, last("survey").map(|e| e.on_day), false),
        (check, review.map(|e| e.on_day), false),
        // The posting is over once its last day has passed, decided or not.
        (
            post,
            posting_until.filter(|&until| decided.is_some() || until < today),
            refused_at_review,
        ),
        (decide, decided.map(|e| e.on_day), refused_at_review),
        (notify, last("notify").map(|e| e.on_day), false),
    ];
    let mut current_given = record.case.stage == minsheng_assistance::Stage::Closed;
    steps
        .into_iter()
        .map(|(step, on, skipped)| {
            let state = if on.is_some() {
                "done"
            } else if skipped || withdrawn {
                "skipped"
            } else if !current_given {
                current_given = true;
                "current"
            } else {
                "todo"
            };
            ProgressView {
                step,
                state,
                on,
                // The posting's own end while it runs; the case's deadline for the others.
                due: match state {
                    "current" if step == post => posting_until,
                    "current" => record.due_on,
                    _ => None,
                },
            }
        })
        .collect()
}

impl CaseDetail {
    pub fn of(
        record: &CaseRecord,
        events: &[CaseEvent],
        objections: &[Objection],
        offered: Vec<&'static str>,
        policy: &minsheng_policy::Policy,
        calendar: &WorkCalendar,
        today: NaiveDate,
    ) -> CaseDetail {
        let procedure = minsheng_assistance::Procedure::of(
            policy,
            &record.case.program,
            record.case.accepted_on,
        );
        // Each offered step once through the domain's check: taken now, or waiting for what.
        let mut waiting = Vec::new();
        let offered: Vec<&str> = offered
            .into_iter()
            .filter(|a| {
                let Some(w) = procedure
                    .as_ref()
                    .and_then(|p| record.case.waiting(a, today, p))
                else {
                    return true;
                };
                let (until, open_objections) = match w {
                    minsheng_assistance::Waiting::Posting { until } => (Some(until), None),
                    minsheng_assistance::Waiting::Objections { open } => (None, Some(open)),
                };
                waiting.push(WaitingView {
                    action: a.to_string(),
                    until,
                    open_objections,
                });
                false
            })
            .collect();
        CaseDetail {
            progress: progress(record, events, procedure.as_ref(), today),
            waiting,
            surveyors: Vec::new(),
            case: CaseView::of(record, policy, calendar, today),
            events: events
                .iter()
                .map(|e| CaseEventView {
                    at: china_time(e.at),
                    on_day: e.on_day,
                    actor: e.actor.clone(),
                    role: e.role.clone(),
                    action: e.action.clone(),
                    from: e.from.clone(),
                    to: e.to.clone(),
                    role_label: named(&e.role),
                    action_label: named(&e.action),
                    from_label: named(&e.from),
                    to_label: named(&e.to),
                    reason: e.reason.clone(),
                    detail: e.detail.clone(),
                })
                .collect(),
            objections: objections
                .iter()
                .map(|o| ObjectionView {
                    id: o.id,
                    raised_on: o.raised_on,
                    raised_by: o.raised_by.clone(),
                    text: o.text.clone(),
                    resolution: o.resolved.as_ref().map(|(_, upheld, _)| {
                        if *upheld { "upheld" } else { "dismissed" }.to_string()
                    }),
                    resolved_on: o.resolved.as_ref().map(|(on, _, _)| *on),
                    resolution_reason: o.resolved.as_ref().map(|(_, _, why)| why.clone()),
                })
                .collect(),
            offered: offered.into_iter().map(String::from).collect(),
        }
    }

    pub fn offers(&self, step: &str) -> bool {
        self.offered.iter().any(|s| s == step)
    }

    /// Whether the case has its decision, whose 决定书 can be printed.
    pub fn decided(&self) -> bool {
        self.events.iter().any(|e| e.action == "decide")
    }

    pub fn open_objections(&self) -> Vec<&ObjectionView> {
        self.objections
            .iter()
            .filter(|o| o.resolution.is_none())
            .collect()
    }
}

/// A step of a case, as the API takes it: `action` and the fields that action needs.
#[derive(Debug, Default, serde::Deserialize, ToSchema)]
pub struct StepInput {
    /// survey, review, object, resolve, decide, notify or withdraw.
    pub action: String,
    /// survey: at least two names in all, comma-separated here …
    #[serde(default)]
    pub surveyors: Option<String>,
    /// … and/or picked one by one from the area's staff (a form's checkboxes).
    #[serde(default)]
    pub surveyor: Vec<String>,
    /// review, decide: `pass`/`approve` or `refuse`; resolve: `upheld` or `dismissed`.
    #[serde(default)]
    pub verdict: Option<String>,
    /// survey: the report; review, resolve, decide, withdraw: the reason; object, notify: the text.
    #[serde(default)]
    pub text: Option<String>,
    /// object: who objects.
    #[serde(default)]
    pub by: Option<String>,
    /// resolve: which objection.
    #[serde(default)]
    pub objection: Option<String>,
    /// The session's CSRF token (pages only; API clients with a bearer token leave it out).
    #[serde(default)]
    pub csrf: Option<String>,
}

/// A one-thing application (一件事), as the API and the form take it.
#[derive(Debug, Default, serde::Deserialize, ToSchema)]
pub struct ApplicationInput {
    /// Household code or a member's ID number.
    pub household: String,
    /// Program codes, comma-separated (e.g. `dibao,tekun_basic`).
    pub programs: String,
    /// The applicant's ID number; the head if empty.
    #[serde(default)]
    pub applicant: Option<String>,
    /// 代办: who applies on the household's behalf, and their relation.
    #[serde(default)]
    pub proxy: Option<String>,
    /// Facts the applicant supplies, one per line: `ID_NUMBER:field=value`.
    #[serde(default)]
    pub changes: Option<String>,
    /// The day the supplied facts became true (YYYY-MM-DD); today if empty.
    #[serde(default)]
    pub facts_from: Option<String>,
    #[serde(default)]
    pub csrf: Option<String>,
}

/// What submitting an application started.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedView {
    pub application_id: i64,
    pub household: String,
    pub cases: Vec<SubmittedCase>,
    /// Years whose holiday calendar the deadlines wait for: counted there on the
    /// Monday–Friday rule, provisionally, until that year's notice is loaded.
    pub provisional: Vec<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedCase {
    pub case: i64,
    pub program: String,
    pub program_label: String,
    /// What the rules say for this month, in yuan ("1,045.00"), and why in one line.
    pub owed_now: String,
    pub why: String,
}

/// Low-income monitoring for an area (from the month's last sweep).
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitoringView {
    /// A category code of the catalog's `monitoring.yaml`.
    pub category: String,
    pub label: String,
    pub households: u64,
    pub persons: u64,
    pub enrolled: u64,
}

/// What a sweep or a registry event found for one program of one household.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingView {
    pub id: i64,
    pub month: String,
    pub household: String,
    pub program: String,
    pub program_label: String,
    /// `eligible` (a case to open), `granted` (免申即享, enrolled at once), `ineligible` (a
    /// review), `amount_changed` (a recalculation).
    pub kind: String,
    pub kind_label: String,
    /// What the rules say now, in yuan.
    pub owed: String,
    /// What the last cycle paid, if anything.
    pub last_owed: Option<String>,
    pub area: String,
    /// For `ineligible`: the program, enrolled and owed, that excludes this one (an overlap
    /// to resolve), by its label.
    pub excluded_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingPage {
    pub items: Vec<FindingView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// A page of residents' requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestList {
    pub items: Vec<RequestView>,
    /// How many requests there are in all, on every page.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// A resident's own request for help, and what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: i64,
    pub household: String,
    pub programs: Vec<String>,
    pub program_labels: Vec<String>,
    pub note: String,
    pub requested_at: String,
    /// `waiting` (for the community), `accepted` (an application: see `application_id`) or
    /// `declined` (see `reason`).
    pub status: String,
    pub status_label: String,
    pub handled_by: Option<String>,
    pub application_id: Option<i64>,
    pub reason: String,
}

/// What a resident sends: the programs (codes, comma-separated) and a note.
#[derive(Debug, Default, serde::Deserialize, ToSchema)]
pub struct RequestInput {
    pub programs: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub csrf: Option<String>,
}

/// A caseworker's answer to a request: the reason, when declining.
#[derive(Debug, Default, serde::Deserialize, ToSchema)]
pub struct DeclineInput {
    pub reason: String,
    #[serde(default)]
    pub csrf: Option<String>,
}
