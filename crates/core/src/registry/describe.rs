//! The facts of a person as people read them: Chinese labels, one line per fact, and what
//! changed between two versions. Shared by the terminal and the web pages.

use chrono::NaiveDate;

use super::{ExpenseKind, IncomeKind, PersonFacts};

pub fn age(birth: NaiveDate, on: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// Every fact of a version as a labelled, displayable value.
pub fn described(f: &PersonFacts) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("户", f.household.clone()),
        ("与户主关系", f.relation.label_zh().into()),
        ("共同生活", f.lives_together.to_string()),
        ("户籍", f.hukou.label_zh().into()),
        ("社区", f.area.to_string()),
        ("死亡日期", fmt_opt(f.death_date)),
        ("残疾", disability(f)),
        ("疾病", illnesses(f)),
        ("劳动能力", f.work_ability.label_zh().into()),
        ("就业", f.employment.label_zh().into()),
    ];
    out.extend(
        IncomeKind::ALL
            .iter()
            .map(|k| (k.label_zh(), f.income.get(*k).grouped())),
    );
    out.push(("存款", f.assets.deposits.grouped()));
    out.push(("车辆", f.assets.vehicles.to_string()));
    out.push(("住房", f.assets.homes.to_string()));
    out.push(("生活自理能力丧失", self_care(f)));
    out.push(("父亲", f.father.label_zh()));
    out.push(("母亲", f.mother.label_zh()));
    out.push(("集中供养", f.institutional_care.to_string()));
    out.push((
        "老年人能力等级",
        f.ability.map_or("未评估", |l| l.label_zh()).to_string(),
    ));
    out.extend(
        f.expenses
            .iter()
            .map(|(k, a)| (expense_label(k), a.grouped())),
    );
    out
}

pub fn expense_label(kind: ExpenseKind) -> &'static str {
    match kind {
        ExpenseKind::Medical => "近12个月医疗支出",
        ExpenseKind::Education => "近12个月教育支出",
        ExpenseKind::Rehabilitation => "近12个月康复支出",
    }
}

pub fn self_care(f: &PersonFacts) -> String {
    if f.self_care_lost.is_empty() {
        return "无".into();
    }
    let items: Vec<&str> = f.self_care_lost.iter().map(|i| i.label_zh()).collect();
    format!("{} 项 ({})", items.len(), items.join("、"))
}

/// For each version of a person, what it changed: `登记` for the first, then one line per
/// fact that differs from the version before (none when it restated the same facts).
pub fn what_changed(versions: &[crate::timeline::Recorded<PersonFacts>]) -> Vec<Vec<String>> {
    let mut previous: Option<&PersonFacts> = None;
    versions
        .iter()
        .map(|r| {
            let what = match previous {
                None => vec!["登记".to_string()],
                Some(p) => changes(p, &r.version.facts),
            };
            previous = Some(&r.version.facts);
            what
        })
        .collect()
}

/// One line per fact that differs between two versions.
pub fn changes(before: &PersonFacts, after: &PersonFacts) -> Vec<String> {
    described(before)
        .into_iter()
        .zip(described(after))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((label, a), (_, b))| format!("{label} {a} → {b}"))
        .collect()
}

pub fn fmt_opt(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".into(), |d| d.to_string())
}

pub fn disability(f: &PersonFacts) -> String {
    f.disability.map_or_else(
        || "无".into(),
        |d| format!("{} {}级", d.category.label_zh(), d.grade()),
    )
}

pub fn illnesses(f: &PersonFacts) -> String {
    if f.illnesses.is_empty() {
        "无".into()
    } else {
        f.illnesses
            .iter()
            .map(|i| i.label_zh())
            .collect::<Vec<_>>()
            .join("、")
    }
}
