#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Entities declared in data: the medical settlement's claim and lines evaluated by the same
//! engine as the household catalog, and every mistake in a declaration named.

use std::path::Path;

use minsheng_policy::testing::run_dir;
use minsheng_policy::{Entity, Policy};

fn medical() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao-medical")
}

#[test]
fn the_medical_settlement_loads_and_its_rule_tests_pass() {
    let dir = medical();
    let policy = Policy::load(&dir).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(policy.entities.group.name, "claim");
    assert_eq!(policy.entities.member.plural, "lines");
    let fund = policy.variable("fund_pays").unwrap();
    assert_eq!(policy.variables[fund].entity, Entity::Group);
    let line = policy.variable("line_in_policy").unwrap();
    assert_eq!(policy.variables[line].entity, Entity::Member);
    let (report, problems) = run_dir(&policy, &dir);
    assert!(problems.0.is_empty(), "{problems}");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.passed >= 20, "only {} cases", report.passed);
}

const ENTITIES: &str = "
claim:
  label: 结算
  inputs:
    scheme: {label: 险种, codes: [employee, resident]}
    paid: {label: 已付, type: money}
line:
  label: 明细
  plural: lines
  of: claim
  inputs:
    amount: {label: 金额, type: money}
";

fn load(entities: &str, variables: &str) -> Result<Policy, String> {
    let files = vec![
        ("entities.yaml".to_string(), entities.to_string()),
        ("variables/v.yaml".to_string(), variables.to_string()),
    ];
    Policy::from_files(Path::new("."), &files).map_err(|d| d.to_string())
}

fn variable(entity: &str, ty: &str, formula: &str) -> String {
    format!("x:\n  label: x\n  entity: {entity}\n  period: month\n  type: {ty}\n  reference: r\n  formula: \"{formula}\"\n")
}

#[test]
fn a_claim_formula_aggregates_its_lines_and_reads_its_own_facts() {
    let policy = load(
        ENTITIES,
        &variable("claim", "money", "sum(lines: amount) - paid"),
    )
    .unwrap();
    let id = policy.variable("x").unwrap();
    let money = |yuan: i64| minsheng_policy::Value::Money(minsheng_core::Fen(yuan * 100));
    let on = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let scheme = match policy.entities.group_inputs[0].ty {
        minsheng_policy::Type::Enum(e) => minsheng_policy::Value::Enum(e, 1),
        _ => unreachable!(),
    };
    let mut evaluation = minsheng_policy::Evaluation::new(
        &policy,
        on,
        vec![vec![money(30)], vec![money(12)]],
        false,
    )
    .with_group(vec![scheme, money(2)]);
    assert_eq!(evaluation.variable(id, None), Ok(money(40)));
}

#[test]
fn mistakes_in_names_across_the_two_levels_are_named() {
    for (entity, ty, formula, expected) in [
        ("claim", "money", "sum(members: amount)", "'members' is not what this policy's members are called: sum(lines …)"),
        ("claim", "money", "amount", "amount is a fact of each member: use it inside sum/count/any/all/max/min(lines …)"),
        ("line", "money", "paid", "paid is a fact of the claim: write claim.paid"),
        ("line", "money", "household.paid", "unknown name 'household.paid' (parameters start with 'p.', claim variables with 'claim.')"),
        ("line", "money", "sum(lines: amount)", "sum/count/any/all/max/min over lines belong in claim formulas"),
        ("person", "money", "amount", "entity 'person' is neither line nor claim"),
    ] {
        let err = load(ENTITIES, &variable(entity, ty, formula)).unwrap_err();
        assert!(err.contains(expected), "{formula}: {err}");
    }
    let ok = load(ENTITIES, &variable("line", "money", "amount + claim.paid"));
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn a_declaration_with_mistakes_is_refused_whole() {
    for (text, expected) in [
        ("claim:\n  label: a\n", "declare two entities"),
        (
            "claim:\n  label: a\nline:\n  label: b\n  of: bill\n",
            "'of: bill' names no declared group (the group is claim)",
        ),
        (
            "claim:\n  label: a\n  inputs:\n    x: {label: x, type: date}\nline:\n  label: b\n  of: claim\n",
            "claim.x: type 'date' is not one of bool, int, number, money",
        ),
        (
            "claim:\n  label: a\n  inputs:\n    x: {label: x, codes: []}\nline:\n  label: b\n  of: claim\n",
            "claim.x: 'codes' lists no code",
        ),
        (
            "claim:\n  label: a\n  colour: red\nline:\n  label: b\n  of: claim\n",
            "claim: unknown field 'colour'",
        ),
        (
            "claim:\n  label: a\n  inputs:\n    x: {label: x, type: money}\nline:\n  label: b\n  of: claim\n  inputs:\n    x: {label: y, type: money}\n",
            "x is a fact of both claim and line",
        ),
    ] {
        let err = load(text, "").unwrap_err();
        assert!(err.contains(expected), "{text}: {err}");
    }
}

#[test]
fn the_long_term_care_rules_load_and_their_rule_tests_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao-ltc");
    let policy = Policy::load(&dir).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(policy.entities.group.name, "care");
    assert_eq!(policy.entities.member.plural, "stretches");
    let (report, problems) = run_dir(&policy, &dir);
    assert!(problems.0.is_empty(), "{problems}");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.passed >= 8, "only {} cases", report.passed);
}
