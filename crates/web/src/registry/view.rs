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
    /// The detail as a person reads it: each part by its name, codes by their names
    /// (`项目：特困人员基本生活费`, `受理 → 已调查`); a part without a name as recorded.
    pub detail_text: String,
}

/// The names of an audit detail's parts (`key=value`).
const DETAIL_PARTS: [(&str, &str); 25] = [
    ("changes", "变更"),
    ("case", "案件"),
    ("application", "申请"),
    ("program", "项目"),
    ("programs", "项目"),
    ("proxy", "代办人"),
    ("reason", "理由"),
    ("on", "日期"),
    ("month", "月份"),
    ("from", "自"),
    ("to", "至"),
    ("member", "成员"),
    ("via", "途径"),
    ("stage", "阶段"),
    ("request", "居民申请"),
    ("enrolment", "发放记录"),
    ("assessment", "评估"),
    ("person", "人员"),
    ("notice", "通知"),
    ("letter", "文书"),
    ("kind", "类别"),
    ("last", "末月"),
    ("due_by", "期限"),
    ("deposits", "存款"),
    ("result", "结果"),
];

/// `detail` by name: `case=3 program=tekun_basic accepted → surveyed reason=入户核实` reads
/// `案件：3；项目：特困人员基本生活费；受理 → 已调查；理由：入户核实`. A reason runs to the end
/// (it is free text, spaces and all); a stage's code is named wherever it stands.
pub fn audit_detail(detail: &str, program: &dyn Fn(&str) -> String) -> String {
    let stage = |code: &str| {
        minsheng_assistance::domain::cases::Stage::parse(code)
            .map_or_else(|_| code.to_string(), |s| s.label().to_string())
    };
    let mut parts: Vec<String> = Vec::new();
    let mut rest = detail.trim();
    while !rest.is_empty() {
        let (token, after) = rest.split_once(' ').unwrap_or((rest, ""));
        let Some((key, value)) = token.split_once('=') else {
            // A bare word: a stage of a transition, or the arrow between two.
            match parts.last_mut() {
                Some(last) if token == "→" || last.ends_with('→') => {
                    last.push(' ');
                    last.push_str(&stage(token));
                }
                _ => parts.push(stage(token)),
            }
            rest = after.trim_start();
            continue;
        };
        // A reason (free text) and a change's assignments run to the end of the detail.
        let to_end = matches!(key, "reason" | "changes");
        let value = if to_end {
            rest.split_once('=').map_or("", |(_, v)| v)
        } else {
            value
        };
        let shown = match key {
            "program" | "programs" => value.split(',').map(program).collect::<Vec<_>>().join("、"),
            "stage" => stage(value),
            "via" => match value {
                "web" => "网页".to_string(),
                "api" => "接口".to_string(),
                "cli" => "命令行".to_string(),
                other => other.to_string(),
            },
            "member" => value
                .parse::<usize>()
                .map_or_else(|_| value.to_string(), |i| format!("第 {} 位", i + 1)),
            "proxy" if value.is_empty() => "无".to_string(),
            // `income_wage=300 deposits=5000`: each fact by its column's name.
            "changes" => value
                .split_whitespace()
                .map(|assignment| {
                    let (code, to) = assignment.split_once('=').unwrap_or((assignment, ""));
                    let name = minsheng_exchange::COLUMNS
                        .iter()
                        .find(|c| c.code == code)
                        .map_or(code, |c| c.label_zh);
                    format!("{name} {to}")
                })
                .collect::<Vec<_>>()
                .join("、"),
            _ => value.to_string(),
        };
        parts.push(match DETAIL_PARTS.iter().find(|(k, _)| *k == key) {
            Some((_, name)) => format!("{name}：{shown}"),
            None => format!("{key}={shown}"),
        });
        if to_end {
            break;
        }
        rest = after.trim_start();
    }
    parts.join("；")
}

/// What an audit entry about a household records, by name.
pub const AUDIT_ACTIONS: [(&str, &str); 31] = [
    ("read_household", "查阅户档案"),
    ("explain_household", "查阅测算说明"),
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
            detail_text: e.detail.clone(),
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

#[cfg(test)]
mod tests {
    use super::audit_detail;

    fn program(code: &str) -> String {
        match code {
            "tekun_basic" => "特困人员基本生活费".into(),
            "dibao" => "最低生活保障金".into(),
            other => other.into(),
        }
    }

    #[test]
    fn an_audit_detail_reads_by_name() {
        assert_eq!(
            audit_detail(
                "case=3 program=tekun_basic accepted → surveyed reason=入户核实，情况属实 再核",
                &program
            ),
            "案件：3；项目：特困人员基本生活费；已受理, 待入户调查 → 已调查, 待审核；理由：入户核实，情况属实 再核"
        );
        assert_eq!(
            audit_detail("application=1 programs=dibao,tekun_basic proxy=", &program),
            "申请：1；项目：最低生活保障金、特困人员基本生活费；代办人：无"
        );
        assert_eq!(
            audit_detail("member=0 month=2027-01 via=web", &program),
            "成员：第 1 位；月份：2027-01；途径：网页"
        );
        assert_eq!(
            audit_detail(
                "person=3702****0013 from=2027-01-05 changes=expense_medical=1200 vehicles=1",
                &program
            ),
            "人员：3702****0013；自：2027-01-05；变更：近12个月医疗支出 1200、机动车辆数 1"
        );
        // A part without a name stays as recorded rather than being lost.
        assert_eq!(audit_detail("seed=2023", &program), "seed=2023");
        assert_eq!(audit_detail("", &program), "");
    }
}
