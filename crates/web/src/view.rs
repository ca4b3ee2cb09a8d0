//! What pages and the API show, built once from the domain types: the JSON of an endpoint and
//! the page for the same thing carry the same fields.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_app::china_time;
use minsheng_core::access::Account;
use minsheng_core::registry::describe::{age, changes, disability, illnesses};
use minsheng_core::registry::{HouseholdFile, PersonFacts};
use minsheng_core::{IdNumber, WorkCalendar};
use minsheng_store::{AuditEntry, CaseRecord, HouseholdHit};
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
                let mut previous: Option<&PersonFacts> = None;
                let versions = m
                    .versions
                    .iter()
                    .map(|r| {
                        let what = match previous {
                            None => vec!["登记".to_string()],
                            Some(p) => changes(p, &r.version.facts),
                        };
                        previous = Some(&r.version.facts);
                        VersionView {
                            valid_from: r.version.valid_from,
                            valid_to: r.version.valid_to,
                            recorded_at: china_time(r.recorded_at),
                            recorded_by: r.recorded_by.clone(),
                            changes: what,
                            corrected_at: r.superseded_at.map(china_time),
                        }
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
    /// Working days until the step's deadline (negative: overdue), by the holiday calendar.
    pub working_days_left: Option<i64>,
    /// The whole procedure's deadline.
    pub final_due_on: Option<NaiveDate>,
    pub outcome: String,
}

impl CaseView {
    pub fn of(c: &CaseRecord, calendar: &WorkCalendar, today: NaiveDate) -> CaseView {
        CaseView {
            id: c.case.id,
            household: c.household.clone(),
            program: c.case.program.clone(),
            stage: c.case.stage.to_string(),
            stage_label: c.case.stage.label().to_string(),
            accepted_on: c.case.accepted_on,
            due_on: c.due_on,
            working_days_left: c
                .due_on
                .and_then(|due| calendar.working_days_between(today, due).ok()),
            final_due_on: c.final_due_on,
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
    pub total: u64,
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
    /// Every computation with its conditions, parameters (value, effective date, reference).
    #[schema(value_type = Object)]
    pub computations: serde_json::Value,
}
