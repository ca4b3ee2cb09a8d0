//! What the pages and the API show of the registry: serialisable views, ID numbers masked unless
//! revealed.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_app::china_time;
use minsheng_core::registry::describe::{age, disability, illnesses, what_changed};
use minsheng_core::registry::{HouseholdFile, PersonFacts};
use minsheng_core::Fen;
use minsheng_store::{AuditEntry, HouseholdHit};
use serde::Serialize;
use utoipa::ToSchema;

use crate::payments::view::{BenefitView, HouseholdPaymentView};
use crate::view::shown;

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
    #[schema(value_type = i64)]
    pub deposits_fen: Fen,
    pub deposits: String,
    pub deceased_on: Option<NaiveDate>,
    /// 老年人能力等级 of the last confirmed assessment (GB/T 42195-2022); none if never assessed.
    pub ability_level: Option<String>,
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
        deposits_fen: f.assets.deposits,
        deposits: f.assets.deposits.grouped(),
        deceased_on: f.death_date.filter(|d| *d <= on),
        ability_level: f.ability.map(|l| l.label_zh().to_string()),
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
pub struct AuditView {
    pub at: String,
    pub actor: String,
    pub action: String,
    /// The action by its name; empty for an action without one (the page shows the code).
    pub action_label: &'static str,
    pub detail: String,
}

/// What an audit entry about a household records, by name.
pub const AUDIT_ACTIONS: [(&str, &str); 30] = [
    ("read_household", "查阅户档案"),
    ("reveal_household", "查看完整身份证号"),
    ("record_change", "登记情况变更"),
    ("import", "导入"),
    ("generate", "生成"),
    ("submit_application", "受理一件事申请"),
    ("case_survey", "入户调查"),
    ("case_review", "审核"),
    ("case_object", "登记异议"),
    ("case_resolve", "处理异议"),
    ("case_decide", "审批决定"),
    ("case_notify", "书面告知"),
    ("case_withdraw", "撤回申请"),
    ("request_help", "居民申请"),
    ("decline_request", "不予受理居民申请"),
    ("enrol", "纳入发放"),
    ("enrol_caseload", "纳入发放 (存量)"),
    ("review_enrolment", "定期核查"),
    ("read_entitlements", "查阅养老服务享受清单"),
    ("assess_ability", "能力评估"),
    ("read_assessment", "查阅能力评估报告"),
    ("service_apply", "受理床位或改造申请"),
    ("read_service_application", "查阅床位或改造申请"),
    ("service_accept", "床位或改造验收"),
    ("suspend_enrolment", "暂停发放"),
    ("resume_enrolment", "恢复发放"),
    ("end_enrolment", "终止发放"),
    ("taper_enrolment", "渐退"),
    ("print_letter", "打印文书"),
    ("send_notice", "发送通知"),
];

impl From<&AuditEntry> for AuditView {
    fn from(e: &AuditEntry) -> Self {
        AuditView {
            at: china_time(e.at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            action_label: AUDIT_ACTIONS
                .iter()
                .find(|(code, _)| *code == e.action)
                .map_or("", |(_, name)| *name),
            detail: e.detail.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExplanationView {
    pub household: String,
    pub month: String,
    /// Each program's outcome and reason in a few sentences, for everyone.
    pub summary: Vec<SummaryView>,
    /// One readable tree per program (Chinese), as `minsheng policy explain` prints it; staff
    /// only (empty for a resident, who is given the summary).
    pub trees: Vec<String>,
    /// Every computation with its conditions, parameters (value, effective date, reference),
    /// serialized once where it is computed; staff only (empty for a resident).
    #[schema(value_type = Vec<Object>)]
    pub computations: Box<serde_json::value::RawValue>,
}

/// A program's explanation as a person reads it (`minsheng_policy::summary`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    pub label: String,
    /// The member it is for, for a person's program.
    pub member: Option<String>,
    pub granted: bool,
    /// The amount in yuan, grouped (1,298.00), for a money rule.
    pub amount: Option<String>,
    /// "低保金 (月)：1,298.00 元" or "…：不符合条件".
    pub outcome: String,
    /// The deciding conditions with their figures.
    pub reasons: Vec<String>,
    /// How a granted amount is reckoned.
    pub arithmetic: Option<String>,
    /// The rule's document and article, and the parameters with values and dates.
    pub basis: Vec<String>,
}

impl From<minsheng_policy::summary::Summary> for SummaryView {
    fn from(s: minsheng_policy::summary::Summary) -> Self {
        SummaryView {
            label: s.label,
            member: s.member,
            granted: s.granted,
            amount: s.amount.map(|a| a.grouped()),
            outcome: s.outcome,
            reasons: s.reasons,
            arithmetic: s.arithmetic,
            basis: s.basis,
        }
    }
}
