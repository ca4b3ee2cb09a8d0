#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Summaries: the one or two sentences a person reads before (or instead of) the tree. The
//! cases are the dibao threshold cases of `tests/dibao.yaml`: per-capita income a fen below the
//! urban standard of 2023 (1,045 yuan, 青岛市民政局2023年工作综述) and at it.

use std::path::Path;

use chrono::NaiveDate;
use minsheng_core::Fen;
use minsheng_policy::inputs::default_value;
use minsheng_policy::summary::{summarize, Summary};
use minsheng_policy::{Evaluation, Policy, Value};

fn catalog() -> Policy {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao");
    Policy::load(&root).unwrap_or_else(|d| panic!("{d}"))
}

/// A household of one urban head earning `wage_fen` a month, summarised for `variable`, June 2023.
fn single_urban(policy: &Policy, wage_fen: i64, variable: &str) -> Summary {
    let mut row: Vec<Value> = policy.inputs.iter().map(default_value).collect();
    let at = |name: &str| policy.inputs.iter().position(|i| i.name == name).unwrap();
    row[at("income_wage")] = Value::Money(Fen(wage_fen));
    row[at("hukou")] = Value::Enum(&minsheng_policy::inputs::HUKOU, 0);
    assert_eq!(minsheng_policy::inputs::HUKOU.variants[0], "urban");
    let day = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    let mut evaluation = Evaluation::new(policy, day, vec![row], true);
    let id = policy.variable(variable).unwrap();
    let entity = policy.variables[id].entity;
    let member = (entity == minsheng_policy::Entity::Member).then_some(0);
    summarize(&mut evaluation, id, member, &["户主甲".into()]).unwrap()
}

/// Every text of a summary: what a resident is shown.
fn texts(s: &Summary) -> String {
    let mut all = vec![s.outcome.clone(), s.sentence()];
    all.extend(s.reasons.iter().cloned());
    all.extend(s.arithmetic.iter().cloned());
    all.extend(s.basis.iter().cloned());
    all.join("\n")
}

fn assert_no_codes(s: &Summary) {
    let all = texts(s);
    for code in ["p.", "dibao_", "_income", "per_capita", "income_wage"] {
        assert!(!all.contains(code), "a code ({code}) in a summary:\n{all}");
    }
}

#[test]
fn income_at_the_standard_is_refused_with_both_figures() {
    let policy = catalog();
    let s = single_urban(&policy, 104_500, "dibao_amount");
    assert!(!s.granted);
    assert_eq!(s.outcome, "低保金 (月)：不符合条件", "{s:?}");
    assert_eq!(
        s.reasons,
        vec!["家庭人均月收入 1,045.00 元，不低于低保标准 1,045.00 元".to_string()],
        "the nearest failed condition alone: {s:?}"
    );
    assert_eq!(s.arithmetic, None);
    assert_no_codes(&s);
}

#[test]
fn a_fen_below_the_standard_is_granted_with_its_arithmetic_and_basis() {
    let policy = catalog();
    let s = single_urban(&policy, 104_499, "dibao_amount");
    assert!(s.granted);
    assert_eq!(s.outcome, "低保金 (月)：0.01 元");
    assert!(
        s.reasons
            .contains(&"家庭人均月收入 1,044.99 元，低于低保标准 1,045.00 元".to_string()),
        "{s:?}"
    );
    let arithmetic = s.arithmetic.clone().unwrap();
    assert!(
        arithmetic.starts_with("(低保标准 1,045.00 元 − ") && arithmetic.ends_with("= 0.01 元"),
        "{arithmetic}"
    );
    assert!(arithmetic.contains("1,044.99 元) × "), "{arithmetic}");
    assert!(
        s.basis[0].contains("《最低生活保障审核确认办法》第二十三条"),
        "{:?}",
        s.basis
    );
    assert!(
        s.basis
            .iter()
            .any(|b| b.starts_with("城市低保标准 1,045.00 元（自 2023-01-01 起")),
        "the standard with its date: {:?}",
        s.basis
    );
    assert!(
        s.sentence().starts_with("低保金 (月)：0.01 元。"),
        "{}",
        s.sentence()
    );
    assert_no_codes(&s);
}

#[test]
fn a_rule_that_holds_or_not_says_so() {
    let policy = catalog();
    let yes = single_urban(&policy, 0, "dibao_eligible");
    assert!(yes.granted);
    assert_eq!(yes.outcome, "符合低保条件：符合");
    let no = single_urban(&policy, 200_000, "dibao_eligible");
    assert!(!no.granted);
    assert_eq!(no.outcome, "符合低保条件：不符合条件");
    assert_eq!(
        no.reasons,
        vec!["家庭人均月收入 2,000.00 元，不低于低保标准 1,045.00 元".to_string()]
    );
    assert_no_codes(&no);
}
