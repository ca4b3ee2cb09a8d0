//! What pages and the API show, built once from the domain types: the JSON of an endpoint and
//! the page for the same thing carry the same fields.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_app::china_time;
use minsheng_assistance::storage::{CaseEvent, CaseRecord, Objection};
use minsheng_core::access::Account;
use minsheng_core::registry::describe::{age, disability, illnesses, what_changed};
use minsheng_core::registry::{HouseholdFile, PersonFacts};
use minsheng_core::{IdNumber, WorkCalendar};
use minsheng_store::{AuditEntry, HouseholdHit};
use serde::Serialize;
use utoipa::ToSchema;

fn shown(id: &IdNumber, reveal: bool) -> String {
    if reveal {
        id.as_str().to_string()
    } else {
        id.masked()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub login: String,
    pub name: String,
    /// `community`, `street`, `district`, `city`, `auditor`, or `resident`.
    pub role: String,
    pub role_label: String,
    /// The area the account sees (with everything below it); none for a resident.
    pub area: Option<String>,
}

impl Me {
    pub fn of(login: &str, account: &Account) -> Me {
        Me {
            login: login.to_string(),
            name: account.name().to_string(),
            role: account
                .role()
                .map_or("resident", |r| r.as_str())
                .to_string(),
            role_label: account.role_label().to_string(),
            area: match account {
                Account::Staff(s) => Some(s.area.to_string()),
                Account::Resident { .. } => None,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdHitView {
    pub household: String,
    pub area: String,
    pub name: String,
    /// Masked: the full number only on the household's file, on request.
    pub id_number: String,
}

impl From<&HouseholdHit> for HouseholdHitView {
    fn from(h: &HouseholdHit) -> Self {
        HouseholdHitView {
            household: h.household.clone(),
            area: h.area.clone(),
            name: h.name.clone(),
            id_number: h.id_number.masked(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    pub items: Vec<HouseholdHitView>,
    /// Rows on all pages.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub name: String,
    pub relation: String,
    pub sex: String,
    pub birth_date: NaiveDate,
    pub age: i32,
    /// Masked unless the file was opened with `reveal` (which the audit log records).
    pub id_number: String,
    pub hukou: String,
    pub lives_together: bool,
    pub work_ability: String,
    pub employment: String,
    pub disability: String,
    pub illnesses: String,
    /// Monthly income by kind, e.g. "工资性收入 2,100.00".
    pub incomes: Vec<String>,
    /// Deposits in fen.
    pub deposits_fen: i64,
    pub deposits: String,
    pub deceased_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// China Standard Time.
    pub recorded_at: String,
    pub recorded_by: String,
    /// 登记 for the first version, else each fact that changed ("就业 在职 → 失业").
    pub changes: Vec<String>,
    /// When a later record corrected this one.
    pub corrected_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonHistory {
    pub name: String,
    pub id_number: String,
    pub versions: Vec<VersionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    pub household: String,
    pub area: String,
    pub area_path: String,
    /// The day the members' facts are shown for.
    pub on: NaiveDate,
    pub revealed: bool,
    pub members: Vec<MemberView>,
    pub history: Vec<PersonHistory>,
    /// The programs it receives or has received (享受待遇), with suspensions.
    pub benefits: Vec<BenefitView>,
    /// Its latest payments, newest month first.
    pub payments: Vec<HouseholdPaymentView>,
}

/// Where a benefit stands in a month: code and label.
pub const BENEFIT_STATUSES: [(&str, &str); 5] = [
    ("ended", "已终止"),
    ("suspended", "暂停发放"),
    ("tapering", "渐退期"),
    ("from_next_month", "次月起发放"),
    ("paid", "正常发放"),
];

/// A program a household receives or received.
#[derive(Debug, Serialize, ToSchema)]
pub struct BenefitView {
    pub program: String,
    pub program_label: String,
    /// YYYY-MM.
    pub from: String,
    /// The last month paid, once ended.
    pub until: Option<String>,
    /// On the file's day: `paid`, `suspended`, `tapering`, `from_next_month` or `ended`.
    pub status: String,
    pub status_label: String,
    /// The decision, the 免申即享 finding or the caseload carried over.
    pub basis: String,
    /// Suspensions, as "from YYYY-MM (resumed YYYY-MM): reason".
    pub suspensions: Vec<String>,
}

impl BenefitView {
    pub fn of(
        e: &minsheng_payments::Enrolment,
        pauses: &[minsheng_payments::Pause],
        program_label: String,
        month: minsheng_core::Month,
    ) -> BenefitView {
        let suspended = pauses
            .iter()
            .any(|(from, resumed, _)| *from <= month && resumed.is_none_or(|r| month < r));
        let [ended, paused, tapering, later, paid] = BENEFIT_STATUSES;
        let (status, status_label) = if e.last_month.is_some_and(|last| last < month) {
            ended
        } else if suspended {
            paused
        } else if e.tapering(month).is_some() {
            tapering
        } else if e.first_month > month {
            later
        } else {
            paid
        };
        BenefitView {
            program: e.program.clone(),
            program_label,
            from: e.first_month.to_string(),
            until: e.last_month.map(|m| m.to_string()),
            status: status.into(),
            status_label: status_label.into(),
            basis: e.basis.clone(),
            suspensions: pauses
                .iter()
                .map(|(from, resumed, reason)| match resumed {
                    Some(r) => format!("{from} → {r}: {reason}"),
                    None => format!("{from} →: {reason}"),
                })
                .collect(),
        }
    }
}

/// One month's payment of a program to a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct HouseholdPaymentView {
    pub month: String,
    pub program: String,
    pub program_label: String,
    pub payee: String,
    pub amount_fen: i64,
    /// `owed`, `sent`, `confirmed` or `returned`.
    pub state: String,
    pub state_label: String,
    /// Bank files it has been in.
    pub attempts: u32,
}

impl HouseholdPaymentView {
    pub fn amount(&self) -> String {
        minsheng_core::Fen(self.amount_fen).grouped()
    }
}

fn member(
    person: &minsheng_core::registry::Person,
    f: &PersonFacts,
    on: NaiveDate,
    reveal: bool,
) -> MemberView {
    MemberView {
        name: person.name.clone(),
        relation: f.relation.label_zh().into(),
        sex: person.sex().label_zh().into(),
        birth_date: person.birth_date(),
        age: age(person.birth_date(), on),
        id_number: shown(&person.id_number, reveal),
        hukou: f.hukou.label_zh().into(),
        lives_together: f.lives_together,
        work_ability: f.work_ability.label_zh().into(),
        employment: f.employment.label_zh().into(),
        disability: disability(f),
        illnesses: illnesses(f),
        incomes: f
            .income
            .iter()
            .filter(|(_, a)| a.0 != 0)
            .map(|(k, a)| format!("{} {}", k.label_zh(), a.grouped()))
            .collect(),
        deposits_fen: f.assets.deposits.0,
        deposits: f.assets.deposits.grouped(),
        deceased_on: f.death_date.filter(|d| *d <= on),
    }
}

impl HouseholdView {
    pub fn of(
        file: &HouseholdFile,
        area_path: String,
        on: NaiveDate,
        known_at: DateTime<Utc>,
        reveal: bool,
    ) -> HouseholdView {
        let members = file
            .as_of(on, known_at)
            .into_iter()
            .map(|(p, f)| member(p, f, on, reveal))
            .collect();
        let history = file
            .members
            .iter()
            .map(|m| {
                let versions = m
                    .versions
                    .iter()
                    .zip(what_changed(&m.versions))
                    .map(|(r, what)| VersionView {
                        valid_from: r.version.valid_from,
                        valid_to: r.version.valid_to,
                        recorded_at: china_time(r.recorded_at),
                        recorded_by: r.recorded_by.clone(),
                        changes: what,
                        corrected_at: r.superseded_at.map(china_time),
                    })
                    .collect();
                PersonHistory {
                    name: m.person.name.clone(),
                    id_number: shown(&m.person.id_number, reveal),
                    versions,
                }
            })
            .collect();
        HouseholdView {
            household: file.code.clone(),
            area: file.area.to_string(),
            area_path,
            on,
            revealed: reveal,
            members,
            history,
            benefits: Vec::new(),
            payments: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i64,
    pub household: String,
    pub program: String,
    pub stage: String,
    pub stage_label: String,
    pub accepted_on: NaiveDate,
    /// The current step's deadline.
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
}

impl CaseView {
    pub fn of(c: &CaseRecord, calendar: &WorkCalendar, today: NaiveDate) -> CaseView {
        let deadlines = minsheng_assistance::cases::Deadlines::of(c, calendar);
        CaseView {
            id: c.case.id,
            household: c.household.clone(),
            program: c.case.program.clone(),
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
pub struct AuditView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

impl From<&AuditEntry> for AuditView {
    fn from(e: &AuditEntry) -> Self {
        AuditView {
            at: china_time(e.at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            detail: e.detail.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationView {
    pub household: String,
    pub month: String,
    /// One readable tree per program (Chinese), as `minsheng policy explain` prints it.
    pub trees: Vec<String>,
    /// Every computation with its conditions, parameters (value, effective date, reference),
    /// serialized once where it is computed.
    #[schema(value_type = Vec<Object>)]
    pub computations: Box<serde_json::value::RawValue>,
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
    /// the viewer's role may take in the case's stage.
    pub offered: Vec<String>,
}

impl CaseDetail {
    pub fn of(
        record: &CaseRecord,
        events: &[CaseEvent],
        objections: &[Objection],
        offered: Vec<&'static str>,
        calendar: &WorkCalendar,
        today: NaiveDate,
    ) -> CaseDetail {
        CaseDetail {
            case: CaseView::of(record, calendar, today),
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
    /// survey: at least two names, comma-separated.
    #[serde(default)]
    pub surveyors: Option<String>,
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
    /// What the rules say for this month, in yuan ("1,045.00"), and why in one line.
    pub owed_now: String,
    pub why: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramOwed {
    pub program: String,
    pub label: String,
    pub payees: u64,
    pub amount_fen: i64,
    pub amount: String,
}

/// A month's payment cycle as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleView {
    pub month: String,
    /// False before `compute`: the rest is empty.
    pub computed: bool,
    /// The registry as known at this instant (China time) is what was computed from.
    pub frozen_at: Option<String>,
    /// SHA-256 of the policy the cycle computed with.
    pub policy_digest: Option<String>,
    pub computed_by: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    pub owed: Vec<ProgramOwed>,
    pub payees: u64,
    pub total_owed: String,
    /// Bank files (batches) written so far: 1..=batches.
    pub batches: u32,
    pub sent: u64,
    pub confirmed: u64,
    pub returned: u64,
    pub outstanding: u64,
    pub net_paid: String,
}

/// A bank return file recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconcileView {
    pub confirmed: u64,
    pub returned: u64,
    pub already_recorded: u64,
}

/// Net paid by month, program and district.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalView {
    pub month: String,
    pub program: String,
    pub district: String,
    pub district_name: String,
    pub payees: u64,
    pub net_fen: i64,
}

/// Low-income monitoring for an area (from the month's last sweep).
#[derive(Debug, Serialize, ToSchema)]
pub struct MonitoringView {
    /// `dibao`, `tekun`, `near_poor` or `rigid_expenditure`.
    pub category: String,
    pub label: String,
    pub households: u64,
    pub persons: u64,
    pub enrolled: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    pub from: String,
    pub to: String,
    pub totals: Vec<TotalView>,
    /// The last sweep of `to`, if any, summed over the account's area.
    pub monitoring: Vec<MonitoringView>,
    pub open_cases: u64,
    pub overdue_cases: u64,
    /// Years whose holiday notice is not loaded yet and is wanted: this year, next year from
    /// November (when the State Council publishes it), and any year an open case's deadline
    /// runs into. Deadlines there are counted on the Monday–Friday rule, provisionally, until
    /// the city administrator loads the notice.
    pub calendar_missing: Vec<i32>,
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
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FindingPage {
    pub items: Vec<FindingView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// One district's line (or the city's) of a reform's effect on one program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactRow {
    /// District code, or `全市` for the whole city.
    pub district: String,
    pub district_name: String,
    pub beneficiaries_before: u64,
    pub beneficiaries_after: u64,
    pub monthly_before_fen: i64,
    pub monthly_after_fen: i64,
    /// Twelve months of the difference; none for a one-off grant.
    pub yearly_change_fen: Option<i64>,
    pub gaining: u64,
    pub losing: u64,
    pub newly_eligible: u64,
}

impl ImpactRow {
    pub fn monthly_before(&self) -> String {
        minsheng_core::Fen(self.monthly_before_fen).grouped()
    }

    pub fn monthly_after(&self) -> String {
        minsheng_core::Fen(self.monthly_after_fen).grouped()
    }

    pub fn yearly_change(&self) -> String {
        self.yearly_change_fen
            .map_or_else(|| "一次性给付".into(), |y| minsheng_core::Fen(y).grouped())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramImpact {
    pub program: String,
    pub label: String,
    pub rows: Vec<ImpactRow>,
}

/// A reform (parameters changed) against the rules in force, on the whole registry.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhatIfView {
    pub month: String,
    pub changes: Vec<String>,
    pub households: u64,
    pub persons: u64,
    pub programs: Vec<ProgramImpact>,
    /// Rows the rules left undefined (reported by `policy explain`), left out of the sums.
    pub undefined: u64,
    pub seconds: f64,
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

/// An older resident on a service provider's roster, with what the rules grant them for
/// services: nothing of income, assets or cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterPersonView {
    pub name: String,
    /// Masked: a provider never sees a full ID number.
    pub id_number: String,
    pub sex: String,
    pub age: i32,
    pub area: String,
    /// No other member of the household lives with them (探访关爱 looks for these).
    pub lives_alone: bool,
    /// Meal-aid subsidy per meal eaten at a canteen (0 when not eligible).
    pub canteen_meal_fen: i64,
    /// Meal-aid subsidy per meal delivered.
    pub delivered_meal_fen: i64,
    /// The rural elder-care consumption subsidy's monthly ceiling.
    pub rural_consumption_fen: i64,
}

impl RosterPersonView {
    pub fn canteen_meal(&self) -> String {
        minsheng_core::Fen(self.canteen_meal_fen).grouped()
    }
    pub fn delivered_meal(&self) -> String {
        minsheng_core::Fen(self.delivered_meal_fen).grouped()
    }
    pub fn rural_consumption(&self) -> String {
        minsheng_core::Fen(self.rural_consumption_fen).grouped()
    }
}

/// A page of a service provider's roster for a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterPage {
    pub area: String,
    pub month: String,
    /// The youngest age on the roster (the meal-aid age in force).
    pub from_age: u32,
    pub items: Vec<RosterPersonView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}
