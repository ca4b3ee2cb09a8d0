#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Loading policies: the Qingdao catalog and its rule tests, OpenFisca's parameter shape, and
//! every kind of bad policy rejected whole with file, line and column.

use std::path::Path;

use minsheng_policy::testing::run_dir;
use minsheng_policy::{Policy, Value};

fn catalog() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao")
}

#[test]
fn the_qingdao_catalog_loads_and_its_rule_tests_pass() {
    let dir = catalog();
    let policy = Policy::load(&dir).unwrap_or_else(|d| panic!("{d}"));
    let (report, problems) = run_dir(&policy, &dir);
    assert!(problems.0.is_empty(), "{problems}");
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert!(report.passed >= 25, "only {} cases", report.passed);
}

/// A member's inputs: the defaults of a rule test, but for the named ones.
fn member_with(set: &[(&str, Value)]) -> Vec<Value> {
    minsheng_policy::inputs::inputs()
        .iter()
        .map(|i| match set.iter().find(|(name, _)| *name == i.name) {
            Some((_, value)) => *value,
            None => minsheng_policy::inputs::default_value(i),
        })
        .collect()
}

fn load(files: &[(&str, &str)]) -> Result<Policy, minsheng_policy::Diagnostics> {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    Policy::from_files(Path::new("."), &files)
}

/// A policy of one monthly money variable of persons, `grant`, whose formula from 2020 is
/// `rule` (the lines under the date, indented six spaces).
fn grant_policy(rule: &str) -> Policy {
    let variables = format!(
        "\
grant:
  label: G
  entity: person
  period: month
  type: money
  reference: R
  formulas:
    2020-01-01:
{rule}"
    );
    load(&[
        ("parameters/none.yaml", "{}"),
        ("variables/v.yaml", &variables),
    ])
    .unwrap_or_else(|d| panic!("{d}"))
}

/// A parameter file written the way OpenFisca's country template writes them: a scale with
/// brackets, short-form values, references as a list and as {title, href}.
const OPENFISCA_SCALE: &str = r#"
description: Social security contribution rate
brackets:
  - rate:
      2013-01-01:
        value: 0.03
      2017-01-01:
        value: 0.02
    threshold:
      2013-01-01:
        value: 0
  - rate:
      2013-01-01:
        value: 0.04
    threshold:
      2013-01-01:
        value: 12000
metadata:
  threshold_unit: currency-EUR
  rate_unit: /1
  reference:
    - title: Wikipedia, Social security
      href: https://en.wikipedia.org/wiki/Social_security
"#;

const OPENFISCA_LEAF: &str = r#"
description: Amount of the basic income
metadata:
  unit: currency-EUR
  reference: https://law.example/basic-income
values:
  2015-12-01:
    value: 600
  2016-12-01: 700
  2020-01-01:
    value: null
"#;

#[test]
fn openfisca_parameter_files_load() {
    let policy = load(&[
        (
            "parameters/taxes/social_security_contribution.yaml",
            OPENFISCA_SCALE,
        ),
        ("parameters/benefits/basic_income.yaml", OPENFISCA_LEAF),
        ("variables/none.yaml", "{}"),
    ])
    .unwrap_or_else(|d| panic!("{d}"));
    let scale = &policy.parameters.scales["taxes.social_security_contribution"];
    assert_eq!(scale.len(), 2);
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let rate = scale[0].rate.at(day(2018, 1, 1)).unwrap();
    assert_eq!(rate.value.unwrap().to_string(), "0.02");
    assert!(rate.reference.contains("wikipedia"), "{}", rate.reference);
    let income = &policy.parameters.leaves["benefits.basic_income"];
    assert_eq!(
        income.at(day(2017, 1, 1)).unwrap().value,
        Some(Value::Money(minsheng_core::Fen(70000)))
    );
    assert!(income.at(day(2020, 6, 1)).is_none(), "ended by value: null");
    assert!(income.at(day(2015, 1, 1)).is_none(), "not yet in force");
}

const VARIABLE_OK: &str = "a:\n  label: A\n  entity: household\n  period: month\n  type: int\n  reference: R\n  formula: count(members)\n";

#[test]
fn a_bad_policy_is_rejected_whole_with_every_error_located() {
    let bad_variables = "\
unknown_name:
  label: X
  entity: household
  period: month
  type: money
  reference: R
  formula: 1元 + no_such_thing
ill_typed:
  label: Y
  entity: household
  period: month
  type: bool
  reference: R
  formula: a + true
no_period:
  label: Z
  entity: household
  type: int
  reference: R
  formula: a
loop_one:
  label: L1
  entity: household
  period: month
  type: int
  reference: R
  formula: loop_two + 1
loop_two:
  label: L2
  entity: household
  period: month
  type: int
  reference: R
  formula: loop_one
person_fact_in_household:
  label: P
  entity: household
  period: month
  type: int
  reference: R
  formula: age
";
    let unreferenced = "description: no reference anywhere\nvalues:\n  2023-01-01:\n    value: 5\n";
    let errors = load(&[
        ("parameters/unreferenced.yaml", unreferenced),
        ("variables/good.yaml", VARIABLE_OK),
        ("variables/bad.yaml", bad_variables),
    ])
    .unwrap_err();
    let text = errors.to_string();
    for expected in [
        "parameters/unreferenced.yaml:3:3: unreferenced: the value from 2023-01-01 has no legal reference",
        "variables/bad.yaml:7:17: unknown name 'no_such_thing'",
        "variables/bad.yaml:14:12: '+' does not apply to int and bool",
        "variables/bad.yaml:15:1: no_period: 'period' is missing",
        "a cycle: loop_one → loop_two → loop_one",
        "variables/bad.yaml:41:12: age is a fact of each member",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
}

#[test]
fn conflicting_exceptions_and_no_rule_are_reported_not_resolved() {
    let policy = grant_policy(
        "      exceptions:
        - {label: old, when: age >= 60, then: 100元, reference: R1}
        - {label: disabled, when: disability_grade >= 1, then: 200元, reference: R2}
",
    );
    let id = policy.variable("grant").unwrap();
    let member = |age: i64, grade: i64| {
        member_with(&[
            ("age", Value::Int(age)),
            ("disability_grade", Value::Int(grade)),
        ])
    };
    let on = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    let mut e = minsheng_policy::Evaluation::new(
        &policy,
        on,
        vec![member(70, 1), member(30, 0), member(65, 0)],
        false,
    );
    let conflict = e.variable(id, Some(0)).unwrap_err().to_string();
    assert!(conflict.contains("conflict (old, disabled)"), "{conflict}");
    let none = e.variable(id, Some(1)).unwrap_err().to_string();
    assert!(none.contains("no rule applies"), "{none}");
    assert_eq!(
        e.variable(id, Some(2)),
        Ok(Value::Money(minsheng_core::Fen(10000)))
    );
}

#[test]
fn a_conflict_under_a_default_is_found_by_both_executors_on_its_row_only() {
    let policy = grant_policy(
        "      default: 0元
      exceptions:
        - {label: old, when: age >= 60, then: 100元, reference: R1}
        - {label: disabled, when: disability_grade >= 1, then: income_wage, reference: R2}
",
    );
    let id = policy.variable("grant").unwrap();
    let member = |age: i64, grade: i64, wage: i64| {
        member_with(&[
            ("age", Value::Int(age)),
            ("disability_grade", Value::Int(grade)),
            ("income_wage", Value::Money(minsheng_core::Fen(wage))),
        ])
    };
    // Old and disabled with a wage of 100 yuan: both exceptions hold and agree. Old and
    // disabled with another wage: they disagree. Neither: the default. Only disabled: the wage.
    let members = vec![
        member(70, 1, 10_000),
        member(70, 1, 20_000),
        member(30, 0, 20_000),
        member(30, 2, 30_000),
        member(65, 0, 0),
    ];
    let on = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    let mut population = minsheng_policy::batch::Population::new(policy.inputs.len());
    population.push(&members);
    let result = minsheng_policy::batch::run(&policy, on, &population, &[id], 1);
    let column = &result.columns[0].1;
    let mut e = minsheng_policy::Evaluation::new(&policy, on, members, false);
    let conflict = e.variable(id, Some(1)).unwrap_err();
    assert!(
        conflict.to_string().contains("conflict (old, disabled)"),
        "{conflict}"
    );
    assert_eq!(column.errors.get(&1), Some(&conflict));
    assert_eq!(column.errors.len(), 1);
    for (row, fen) in [(0, 10_000), (2, 0), (3, 30_000), (4, 10_000)] {
        assert_eq!(
            e.variable(id, Some(row)),
            Ok(Value::Money(minsheng_core::Fen(fen)))
        );
        assert_eq!(column.get(row), fen, "row {row}");
    }
}

#[test]
fn a_reform_changes_parameters_from_its_month() {
    let policy = Policy::load(&catalog()).unwrap_or_else(|d| panic!("{d}"));
    let from = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    let reform = policy
        .with_changes(
            &[
                "dibao.standard.urban=+5%".into(),
                "p.dibao.standard.rural=800".into(),
            ],
            from,
        )
        .unwrap();
    let value =
        |p: &Policy, name: &str, on| p.parameters.leaves[name].at(on).unwrap().value.unwrap();
    let fen = |f| Value::Money(minsheng_core::Fen(f));
    assert_eq!(value(&reform, "dibao.standard.urban", from), fen(109_725));
    assert_eq!(value(&reform, "dibao.standard.rural", from), fen(80_000));
    let before = chrono::NaiveDate::from_ymd_opt(2023, 5, 31).unwrap();
    assert_eq!(value(&reform, "dibao.standard.urban", before), fen(104_500));
    assert_eq!(
        value(&policy, "dibao.standard.urban", from),
        fen(104_500),
        "the baseline is untouched"
    );
    assert!(policy
        .with_changes(&["dibao.standard.urban=abc".into()], from)
        .is_err());
    assert!(policy.with_changes(&["nothing=1".into()], from).is_err());
}

/// The five-year summary (青岛市“十四五”民生保障新闻发布会) reports the urban standard 36% and the
/// rural 40% higher over 2021–2025. The years around the published 2023 figure are placeholders,
/// marked as such, and must keep to those two ratios until an officer enters the real values.
#[test]
fn the_dibao_standards_rise_as_the_five_year_summary_reports() {
    let policy = Policy::load(&catalog()).unwrap_or_else(|d| panic!("{d}"));
    let on = |y| chrono::NaiveDate::from_ymd_opt(y, 6, 30).unwrap();
    let standard = |name: &str, year| {
        let dated = policy.parameters.leaves[name].at(on(year)).unwrap();
        match dated.value {
            Some(Value::Money(f)) => (f.0, dated.placeholder),
            ref other => panic!("{name} in {year}: {other:?}"),
        }
    };
    for (name, rise_percent, published_2023) in [
        ("dibao.standard.urban", 36, 104_500),
        ("dibao.standard.rural", 40, 79_100),
    ] {
        let (start, _) = standard(name, 2021);
        let (end, _) = standard(name, 2025);
        // Whole percent, rounded half up: the precision the summary reports in.
        let rise = ((end - start) * 1000 / start + 5) / 10;
        assert_eq!(rise, rise_percent, "{name}: 2021 {start} → 2025 {end}");
        assert_eq!(standard(name, 2023), (published_2023, false), "{name} 2023");
        for year in [2021, 2022, 2024, 2025, 2026] {
            assert!(
                standard(name, year).1,
                "{name} {year} is marked a placeholder"
            );
        }
        let years: Vec<i64> = (2021..=2026).map(|y| standard(name, y).0).collect();
        assert!(
            years.windows(2).all(|w| w[0] <= w[1]),
            "{name} never falls: {years:?}"
        );
    }
}

#[test]
fn the_catalog_pays_its_programs_and_digests_its_files() {
    let policy = Policy::load(&catalog()).unwrap_or_else(|d| panic!("{d}"));
    let codes: Vec<&str> = policy.programs.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "dibao",
            "single_person_dibao",
            "tekun_basic",
            "tekun_care",
            "child_basic_living",
            "disability_living",
            "disability_care",
            "home_care_bed",
            "home_refit"
        ]
    );
    let bed = policy.program("home_care_bed").unwrap();
    assert_eq!(
        (bed.grant, bed.once, bed.entity),
        (
            minsheng_policy::Grant::Service,
            false,
            minsheng_policy::Entity::Member
        )
    );
    let refit = policy.program("home_refit").unwrap();
    assert_eq!(
        (refit.grant, refit.once),
        (minsheng_policy::Grant::Service, true)
    );
    let dibao = policy.program("dibao").unwrap();
    assert_eq!(policy.variables[dibao.amount].name, "dibao_amount");
    assert_eq!(dibao.entity, minsheng_policy::Entity::Group);
    assert_eq!(dibao.grant, minsheng_policy::Grant::Application);
    let care = policy.program("disability_care").unwrap();
    assert_eq!(care.entity, minsheng_policy::Entity::Member);
    assert_eq!(care.grant, minsheng_policy::Grant::Automatic);
    assert_eq!(policy.digest.len(), 64);
    // The digest follows the text: one more character is another policy.
    let files = |extra: &str| {
        vec![
            (
                "variables/money.yaml".to_string(),
                "m:\n  label: M\n  entity: person\n  period: month\n  type: money\n  reference: R\n  formula: 5元\n".to_string(),
            ),
            ("programs.yaml".to_string(), format!("p:\n  label: P{extra}\n  amount: m\n  grant: automatic\n  reference: R\n")),
        ]
    };
    let one = Policy::from_files(Path::new("."), &files("")).unwrap();
    let two = Policy::from_files(Path::new("."), &files("!")).unwrap();
    assert_eq!(one.programs.len(), 1);
    assert_ne!(one.digest, two.digest);
}

#[test]
fn a_program_must_name_a_monthly_amount_and_a_known_grant() {
    let variables = "\
status:
  label: S
  entity: household
  period: month
  type: bool
  reference: R
  formula: 'true'
once:
  label: O
  one_off: true
  entity: household
  period: month
  type: money
  reference: R
  formula: 5元
";
    let programs = "\
not_money:
  label: X
  amount: status
  grant: automatic
  reference: R
one_off:
  label: Y
  amount: once
  grant: application
  reference: R
unknown:
  label: Z
  amount: nothing_of_the_kind
  grant: sometimes
  reference: R
missing:
  label: W
  amount: a
monthly_once:
  label: V
  amount: status
  grant: automatic
  once: true
  reference: R
household_service:
  label: U
  amount: once
  grant: service
  procedure: nowhere
  reference: R
";
    let text = load(&[
        ("variables/good.yaml", VARIABLE_OK),
        ("variables/more.yaml", variables),
        ("programs.yaml", programs),
    ])
    .unwrap_err()
    .to_string();
    for expected in [
        "programs.yaml:1:1: not_money: amount 'status' is a bool, not an amount of money",
        "programs.yaml:6:1: one_off: amount 'once' is a one-off grant",
        "programs.yaml:6:1: one_off: an application or service program needs a 'procedure'",
        "programs.yaml:11:1: unknown: grant 'sometimes' is not 'application', 'automatic' or 'service'",
        "programs.yaml:11:1: unknown: amount 'nothing_of_the_kind' is not a variable",
        "programs.yaml:16:1: missing: 'grant' is missing",
        "programs.yaml:16:1: missing: 'reference' is missing",
        "monthly_once: only a service program is paid once",
        "household_service: a service is for one person; amount 'once' is a household's",
        "household_service: procedure 'nowhere' has no parameter procedure.nowhere.assess",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
}

#[test]
fn a_zero_divisor_is_an_error_of_its_row_in_both_executors() {
    let variables = "\
share:
  label: S
  entity: person
  period: month
  type: money
  reference: R
  formula: 1045元 / (age - 30)
";
    let policy = load(&[
        ("parameters/none.yaml", "{}"),
        ("variables/v.yaml", variables),
    ])
    .unwrap_or_else(|d| panic!("{d}"));
    let id = policy.variable("share").unwrap();
    let member = |age: i64| member_with(&[("age", Value::Int(age))]);
    let on = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    let members = vec![member(32), member(30), member(33)];
    let mut population = minsheng_policy::batch::Population::new(policy.inputs.len());
    population.push(&members);
    let result = minsheng_policy::batch::run(&policy, on, &population, &[id], 1);
    let column = &result.columns[0].1;
    let mut e = minsheng_policy::Evaluation::new(&policy, on, members, false);
    let yuan = |fen| Value::Money(minsheng_core::Fen(fen));
    // 1045 ÷ 2 = 522.50, 1045 ÷ 3 = 348.33 (rounded half away from zero); 30 − 30 = 0.
    assert_eq!(e.variable(id, Some(0)), Ok(yuan(52_250)));
    assert_eq!(e.variable(id, Some(2)), Ok(yuan(34_833)));
    let interpreted = e.variable(id, Some(1)).unwrap_err();
    assert!(interpreted.to_string().contains("zero"), "{interpreted}");
    assert_eq!(column.errors.get(&1), Some(&interpreted));
    assert_eq!((column.get(0), column.get(2)), (52_250, 34_833));
    assert!(!column.errors.contains_key(&0) && !column.errors.contains_key(&2));
}

#[test]
fn the_inputs_a_program_reads_are_found_through_its_variables() {
    let policy = Policy::load(&catalog()).expect("the catalog loads");
    let names = |wanted: &[&str]| -> Vec<&str> {
        let ids: Vec<_> = wanted
            .iter()
            .map(|n| policy.variable(n).expect("a variable of the catalog"))
            .collect();
        let read = policy.inputs_read_by(&ids);
        policy
            .inputs
            .iter()
            .zip(read)
            .filter(|(_, r)| *r)
            .map(|(i, _)| i.name)
            .collect()
    };
    // The dibao amount reads incomes and assets through per-capita income and the asset test,
    // never the 特困 care inputs or the children's parents.
    let dibao = names(&["dibao_amount"]);
    for needed in [
        "hukou",
        "income_wage",
        "deposits",
        "vehicles",
        "lives_together",
    ] {
        assert!(
            dibao.contains(&needed),
            "dibao_amount reads {needed}: {dibao:?}"
        );
    }
    for not in ["self_care_items_lost", "father", "expense_medical"] {
        assert!(
            !dibao.contains(&not),
            "dibao_amount does not read {not}: {dibao:?}"
        );
    }
    // A 特困 member is not counted in the dibao, and 特困 turns on inability to work.
    assert!(dibao.contains(&"disability_grade"), "{dibao:?}");
    let both = names(&["dibao_amount", "child_basic_living_amount"]);
    assert!(both.contains(&"father") && both.len() > dibao.len());
    assert!(names(&[]).is_empty());
}

#[test]
fn a_household_sum_beyond_the_range_of_money_is_an_error_of_that_household_only() {
    let variables = "\
wages:
  label: W
  entity: household
  period: month
  type: money
  reference: R
  formula: 'sum(members: income_wage)'
living_wages:
  label: L
  entity: household
  period: month
  type: money
  reference: R
  formula: 'sum(members where lives_together: income_wage)'
";
    let policy = load(&[
        ("parameters/none.yaml", "{}"),
        ("variables/v.yaml", variables),
    ])
    .unwrap_or_else(|d| panic!("{d}"));
    let ids = [
        policy.variable("wages").unwrap(),
        policy.variable("living_wages").unwrap(),
    ];
    let member =
        |wage: i64| member_with(&[("income_wage", Value::Money(minsheng_core::Fen(wage)))]);
    let huge = i64::MAX / 2 + 1;
    let households = [
        vec![member(300_000), member(-50_000), member(7)],
        vec![member(huge), member(huge)],
        vec![member(1)],
    ];
    let mut population = minsheng_policy::batch::Population::new(policy.inputs.len());
    for h in &households {
        population.push(h);
    }
    let on = chrono::NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    let result = minsheng_policy::batch::run(&policy, on, &population, &ids, 1);
    for (k, id) in ids.iter().enumerate() {
        let column = &result.columns[k].1;
        assert_eq!((column.get(0), column.get(2)), (250_007, 1), "{k}");
        let mut e = minsheng_policy::Evaluation::new(&policy, on, households[1].clone(), false);
        let interpreted = e.variable(*id, None).unwrap_err();
        assert_eq!(column.errors.get(&1), Some(&interpreted), "{k}");
        assert_eq!(column.errors.len(), 1, "{k}");
    }
}

#[test]
fn the_catalog_declares_its_low_income_categories() {
    let policy = Policy::load(&catalog()).unwrap();
    let codes: Vec<&str> = policy.monitoring.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["dibao", "tekun", "near_poor", "rigid_expenditure"]);
    let near_poor = policy.monitoring_category("near_poor").unwrap();
    assert_eq!(near_poor.label, "低保边缘");
    assert_eq!(policy.variables[near_poor.variable].name, "near_poor");
    assert_eq!(near_poor.program, None);
    let tekun = policy.monitoring_category("tekun").unwrap();
    assert_eq!(tekun.program.as_deref(), Some("tekun_basic"));
}

#[test]
fn a_low_income_category_must_name_a_true_false_variable_and_a_known_program() {
    let variables = "\
status:
  label: S
  entity: household
  period: month
  type: bool
  reference: R
  formula: 'true'
";
    let monitoring = "\
not_bool:
  label: N
  variable: a
unknown:
  label: U
  variable: nothing_of_the_kind
  program: nowhere
missing:
  variable: status
  colour: red
good:
  label: G
  variable: status
";
    let text = load(&[
        ("variables/good.yaml", VARIABLE_OK),
        ("variables/more.yaml", variables),
        ("monitoring.yaml", monitoring),
    ])
    .unwrap_err()
    .to_string();
    for expected in [
        "monitoring.yaml:1:1: not_bool: variable 'a' is not true/false",
        "monitoring.yaml:4:1: unknown: variable 'nothing_of_the_kind' is not defined",
        "monitoring.yaml:4:1: unknown: program 'nowhere' is not in programs.yaml",
        "monitoring.yaml:8:1: missing: 'label' is missing",
        "monitoring.yaml:10:11: missing: unknown field 'colour' (known: label, variable, program)",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    assert!(
        !text.contains("good:"),
        "a good category is not reported:\n{text}"
    );
}

#[test]
fn the_roster_names_an_age_parameter_and_persons_amounts() {
    let policy = Policy::load(&catalog()).unwrap();
    let roster = policy.roster.as_ref().unwrap();
    assert_eq!(roster.from_age, "eldercare.meal_aid.min_age");
    assert_eq!(
        policy.variables[roster.canteen_meal].name,
        "meal_aid_canteen_per_meal"
    );
    let roster = "\
from_age: a
canteen_meal: a
delivered_meal: nothing_of_the_kind
colour: red
";
    let text = load(&[
        ("variables/good.yaml", VARIABLE_OK),
        ("roster.yaml", roster),
    ])
    .unwrap_err()
    .to_string();
    for expected in [
        "from_age: no parameter a",
        "canteen_meal: variable 'a' is not a person's amount of money",
        "delivered_meal: variable 'nothing_of_the_kind' is not defined",
        "'rural_consumption' is missing",
        "unknown field 'colour' (known: from_age, canteen_meal, delivered_meal, rural_consumption)",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
}

#[test]
fn the_catalog_lists_the_serious_illnesses_and_the_inputs_follow_it() {
    use minsheng_core::registry::{Illness, IllnessSet};
    let policy = Policy::load(&catalog()).unwrap();
    let serious = policy.serious_illnesses;
    assert!(serious.contains(Illness::Uremia) && serious.contains(Illness::Cancer));
    assert!(!serious.contains(Illness::Hypertension));
    let text = load(&[
        ("variables/good.yaml", VARIABLE_OK),
        ("illnesses.yaml", "serious: [cancer, gout]\ncolour: red\n"),
    ])
    .unwrap_err()
    .to_string();
    for expected in [
        "'gout' is not an illness code of the registry",
        "unknown field 'colour' (known: serious)",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    // The inputs read the list they are given: the same illnesses, another list.
    let registration = minsheng_synth::Generator::new(minsheng_synth::GeneratorConfig::new(1, 1))
        .flatten()
        .next()
        .unwrap();
    let mut facts = registration.facts.clone();
    facts.illnesses = [Illness::Uremia, Illness::Diabetes].into_iter().collect();
    let month = minsheng_core::Month::new(2025, 6).unwrap();
    let at = |name: &str| policy.inputs.iter().position(|i| i.name == name).unwrap();
    let values = |list: IllnessSet| {
        let v = minsheng_policy::inputs::member_values(&registration.person, &facts, month, list);
        (v[at("serious_illness")], v[at("chronic_illness")])
    };
    assert_eq!(values(serious), (Value::Bool(true), Value::Bool(true)));
    assert_eq!(
        values([Illness::Uremia, Illness::Diabetes].into_iter().collect()),
        (Value::Bool(true), Value::Bool(false))
    );
    assert_eq!(
        values(IllnessSet::default()),
        (Value::Bool(false), Value::Bool(true))
    );
}

/// A reference names a document; a file path in one (a parameter's, a rule's or an
/// exception's) rejects the policy, naming the path.
#[test]
fn a_reference_that_names_a_file_is_refused() {
    let parameter = "standard:\n  description: S\n  metadata:\n    unit: currency-CNY\n  values:\n    2020-01-01:\n      value: 100\n      metadata:\n        reference: \"see docs/rules.md\"\n";
    let variable = "a:\n  label: A\n  entity: household\n  period: month\n  type: money\n  reference: \"《最低生活保障审核确认办法》第十三条 (parameters/dibao/standard.yaml)\"\n  formula: p.standard.standard\n";
    let problems = load(&[
        ("parameters/standard.yaml", parameter),
        ("variables/a.yaml", variable),
    ])
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(
        problems.contains(
            "standard.standard from 2020-01-01: the reference names a file (docs/rules.md)"
        ),
        "{problems}"
    );
    assert!(
        problems.contains("a: the reference names a file (parameters/dibao/standard.yaml)"),
        "{problems}"
    );
    // The same references citing documents load.
    let fine = load(&[
        (
            "parameters/standard.yaml",
            &parameter.replace(
                "see docs/rules.md",
                "民政部《最低生活保障审核确认办法》(民发〔2021〕57号) 第十三条",
            ),
        ),
        (
            "variables/a.yaml",
            &variable.replace(" (parameters/dibao/standard.yaml)", ""),
        ),
    ]);
    assert!(fine.is_ok(), "{}", fine.map(|_| ()).unwrap_err());
    for cited in ["RULES.md", "../notes/003.txt", "./notes", "seeds/000"] {
        assert!(
            minsheng_policy::file_cited(&format!("见{cited}")).is_some()
                || minsheng_policy::file_cited(cited).is_some(),
            "{cited}"
        );
    }
    assert_eq!(
        minsheng_policy::file_cited("国发〔2014〕47号 第十条; 青政办发〔2021〕5号"),
        None
    );
}

/// The catalog declares which programs exclude or top up each other, each with its rule text,
/// and which members a household amount is for.
#[test]
fn the_catalog_declares_how_programs_bear_on_each_other() {
    let policy = Policy::load(&catalog()).unwrap_or_else(|d| panic!("{d}"));
    for (a, b) in [
        ("tekun_basic", "dibao"),
        ("dibao", "tekun_basic"),
        ("single_person_dibao", "tekun_basic"),
        ("disability_living", "tekun_basic"),
    ] {
        let reference = policy
            .exclusion(a, b)
            .unwrap_or_else(|| panic!("{a} ↔ {b}"));
        assert!(
            reference.contains('《') || reference.contains('号'),
            "{reference}"
        );
    }
    for (a, b) in [
        ("disability_living", "disability_care"),
        ("tekun_care", "disability_care"),
        ("child_basic_living", "dibao"),
        ("dibao", "dibao"),
    ] {
        assert_eq!(
            policy.exclusion(a, b),
            None,
            "{a} and {b} may be had together"
        );
    }
    let child = policy.program("child_basic_living").unwrap();
    let topped: Vec<&str> = child.tops_up.iter().map(|r| r.program.as_str()).collect();
    assert_eq!(topped, ["dibao", "tekun_basic", "disability_living"]);
    let dibao = policy.program("dibao").unwrap();
    let covers = dibao.covers.map(|id| policy.variables[id].name.as_str());
    assert_eq!(covers, Some("dibao_counted"));
}

#[test]
fn a_relation_must_name_another_program_and_its_rule_text() {
    let variables = "\
a_amount:
  label: A
  entity: household
  period: month
  type: money
  reference: R
  formula: 5元
b_amount:
  label: B
  entity: person
  period: month
  type: money
  reference: R
  formula: 5元
counted:
  label: C
  entity: person
  period: month
  type: money
  reference: R
  formula: 5元
";
    let programs = "\
a:
  label: A
  amount: a_amount
  grant: automatic
  reference: R
  covers: counted
  excludes:
    b: ''
    nothing: R
b:
  label: B
  amount: b_amount
  grant: automatic
  reference: R
  covers: counted
  excludes:
    b: R
    a: R
  tops_up:
    a: R
";
    let problems = load(&[("variables/v.yaml", variables), ("programs.yaml", programs)])
        .unwrap_err()
        .to_string();
    for expected in [
        "a: excludes 'b' needs the rule text that says so",
        "a: covers 'counted' must be a true/false variable of a person",
        "b: covers 'counted' must be a true/false variable of a person",
    ] {
        assert!(problems.contains(expected), "{expected} in:\n{problems}");
    }
    // Programs refused for their own faults are not related; once they load, their
    // relations are checked against each other.
    let fixed = programs
        .replace("    b: ''\n", "")
        .replace("  covers: counted\n", "");
    let problems = load(&[("variables/v.yaml", variables), ("programs.yaml", &fixed)])
        .unwrap_err()
        .to_string();
    for expected in [
        "a: excludes 'nothing', which is not a program",
        "b: excludes itself",
        "b: both excludes and tops up 'a'",
    ] {
        assert!(problems.contains(expected), "{expected} in:\n{problems}");
    }
}

/// A child whose father lost contact and whose mother is serving a sentence, from the dates the
/// registry records: the allowance starts in the month loss of contact completes six months,
/// and a sentence counts from its first day when its term is six months or more.
#[test]
fn a_lasting_situation_counts_from_the_month_it_has_lasted_six_months() {
    use minsheng_core::registry::{Parent, Relation};
    let policy = Policy::load(&catalog()).unwrap_or_else(|d| panic!("{d}"));
    let adult = minsheng_synth::Generator::new(minsheng_synth::GeneratorConfig::new(1, 1))
        .flatten()
        .next()
        .unwrap();
    let mut uncle = adult.facts.clone();
    uncle.relation = Relation::Head;
    uncle.income.set(
        minsheng_core::registry::IncomeKind::Wage,
        minsheng_core::Fen(900_000),
    );
    let mut child = adult.facts.clone();
    child.relation = Relation::Other;
    child.income = Default::default();
    child.disability = None;
    child.father = Parent::parse("unreachable:2025-01-15").unwrap();
    child.mother = Parent::parse("imprisoned:2025-03-01~2025-08-31").unwrap();
    // Born in 2017: eight in every month below.
    let child_person = minsheng_core::registry::Person {
        id_number: minsheng_core::IdNumber::parse("370212201701010027").unwrap(),
        name: "小明".into(),
    };
    let id = policy.variable("child_basic_living_amount").unwrap();
    let amount = |year, month, child: &minsheng_core::registry::PersonFacts| {
        let month = minsheng_core::Month::new(year, month).unwrap();
        let members = [(&adult.person, &uncle), (&child_person, child)];
        let mut e = minsheng_policy::Evaluation::of_household(&policy, month, &members, false);
        e.variable(id, Some(1)).unwrap()
    };
    let fen = |f| Value::Money(minsheng_core::Fen(f));
    // Contact lost on 2025-01-15: five full months on 2025-06-30, six on 2025-07-31.
    assert_eq!(amount(2025, 6, &child), fen(0));
    assert_eq!(amount(2025, 7, &child), fen(150_000));
    // A five-month sentence never counts, however long the father has been unreachable.
    let mut short = child.clone();
    short.mother = Parent::parse("imprisoned:2025-03-01~2025-07-31").unwrap();
    assert_eq!(amount(2025, 7, &short), fen(0));
    // The same sentence with no end on record counts once it has lasted six months: five on
    // 2025-08-31, six on 2025-09-01.
    let mut open = child.clone();
    open.mother = Parent::parse("imprisoned:2025-03-01").unwrap();
    assert_eq!(amount(2025, 8, &open), fen(0));
    assert_eq!(amount(2025, 9, &open), fen(150_000));
}
