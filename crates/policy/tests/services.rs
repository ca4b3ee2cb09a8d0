#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Service lists: the basic elderly service list as the catalog declares it, a list adjusted
//! over time (the version in force on each day, the old one kept), who is entitled to what and
//! why, and a bad list file refused with every problem named.

use std::path::Path;

use chrono::NaiveDate;
use minsheng_policy::inputs::default_value;
use minsheng_policy::services::{entitlements, ELDERLY};
use minsheng_policy::{Entity, Evaluation, Policy, Type, Value};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn catalog() -> Policy {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao");
    Policy::load(&root).unwrap_or_else(|d| panic!("{d}"))
}

/// The catalog's list covers the items the district's opinion names, each a rule over a person.
#[test]
fn the_elderly_service_list_names_the_districts_items_as_rules() {
    let policy = catalog();
    let list = policy.service_list(ELDERLY).expect("services/elderly.yaml");
    assert!(
        list.reference.contains("崂办字〔2024〕12号"),
        "{}",
        list.reference
    );
    assert!(
        list.on(day("2024-10-21")).is_none(),
        "no list before the opinion"
    );
    let version = list
        .on(day("2024-10-22"))
        .expect("in force from the opinion's day");
    let codes: Vec<&str> = version.items.iter().map(|i| i.code.as_str()).collect();
    for wanted in [
        "tekun_institutional",
        "tekun_dispersed",
        "hard_up_subsidy",
        "home_care_services",
        "rural_consumption",
        "meal_aid",
        "free_public_transport",
        "visiting_care",
    ] {
        assert!(codes.contains(&wanted), "{wanted} missing from {codes:?}");
    }
    for item in &version.items {
        let v = &policy.variables[item.eligible];
        assert_eq!(
            (v.entity, &v.ty),
            (Entity::Member, &Type::Bool),
            "{}",
            item.code
        );
        assert!(
            !item.reference.is_empty() && !item.funding.is_empty(),
            "{}",
            item.code
        );
        assert_eq!(item.placeholder, item.note.is_some(), "{}", item.code);
    }
}

/// Members with every input at its default, then `set` for each: (member, input, value).
fn household(policy: &Policy, members: usize, set: &[(usize, &str, Value)]) -> Vec<Vec<Value>> {
    let mut rows: Vec<Vec<Value>> = (0..members)
        .map(|_| policy.inputs.iter().map(default_value).collect())
        .collect();
    for (member, name, value) in set {
        let at = policy.inputs.iter().position(|i| i.name == *name).unwrap();
        rows[*member][at] = *value;
    }
    rows
}

/// An 80-year-old rural widower on 低保 (a son earning little) living at home: entitled to the
/// hard-up elders' subsidy, meal aid, the rural consumption subsidy and free transport, not to
/// 特困 support (he has a son) nor to home-care services (not assessed as impaired).
#[test]
fn an_older_persons_entitlements_come_from_the_rules_with_their_amounts() {
    let policy = catalog();
    let version = policy
        .service_list(ELDERLY)
        .unwrap()
        .on(day("2025-06-01"))
        .unwrap();
    let rural = Value::Enum(&minsheng_policy::inputs::HUKOU, 1);
    let members = household(
        &policy,
        2,
        &[
            (0, "age", Value::Int(80)),
            (0, "hukou", rural),
            (1, "age", Value::Int(45)),
            (1, "hukou", rural),
            (1, "income_wage", Value::Money(minsheng_core::Fen(30_000))),
        ],
    );
    assert_eq!(minsheng_policy::inputs::HUKOU.variants[1], "rural");
    let mut evaluation = Evaluation::new(&policy, day("2025-06-01"), members, true);
    let found = entitlements(version, &mut evaluation, 0);
    let entitled: Vec<&str> = found
        .iter()
        .filter(|e| matches!(e.entitled, Ok(true)))
        .map(|e| e.item.code.as_str())
        .collect();
    for yes in [
        "hard_up_subsidy",
        "meal_aid",
        "rural_consumption",
        "free_public_transport",
    ] {
        assert!(entitled.contains(&yes), "{yes} not in {entitled:?}");
    }
    for no in [
        "tekun_institutional",
        "tekun_dispersed",
        "home_care_services",
    ] {
        assert!(!entitled.contains(&no), "{no} in {entitled:?}");
    }
    let hard_up = found
        .iter()
        .find(|e| e.item.code == "hard_up_subsidy")
        .unwrap();
    assert_eq!(
        hard_up
            .amounts
            .iter()
            .map(|(_, v)| v.clone().unwrap())
            .collect::<Vec<_>>(),
        vec![Value::Money(minsheng_core::Fen(10_000))]
    );
    // Not entitled: no amounts shown.
    let home = found
        .iter()
        .find(|e| e.item.code == "home_care_services")
        .unwrap();
    assert!(home.amounts.is_empty());
    // The trace explains the item through its rule, down to the age threshold.
    let tree = minsheng_policy::explain::render_together(
        &policy,
        &evaluation.computations,
        &[(hard_up.item.eligible, Some(0))],
        &["老人".into(), "儿子".into()],
    )
    .join("\n");
    assert!(tree.contains("hard_up_subsidy.min_age"), "{tree}");
}

const VARIABLES: &str = r#"
old:
  label: 老年人
  entity: person
  period: month
  type: bool
  reference: 某法第一条
  formula: age >= 60
grant:
  label: 补贴
  entity: person
  period: month
  type: money
  reference: 某法第二条
  formula: if old then 100元 else 0元
big:
  label: 大户
  entity: household
  period: month
  type: bool
  reference: 某法第三条
  formula: count(members where alive) > 3
"#;

fn item(code: &str, eligible: &str, amounts: &str) -> String {
    format!(
        r#"
      - code: {code}
        label: 项目
        group: 老年人
        eligible: {eligible}
        amounts: [{amounts}]
        content: 内容
        standard: 标准
        provider: 提供者
        funding: 区财政
        reference: 某法"#
    )
}

/// A list adjusted over time: the first version until the day the second takes effect, which
/// adds an item; the first is still there to show what the list said before.
#[test]
fn a_list_adjusted_over_time_keeps_its_earlier_versions() {
    let list = format!(
        "label: 清单\nreference: 某法\npeople: old\nversions:\n  - from: 2024-01-01\n    reference: 第一版\n    items:{}\n  - from: 2025-07-01\n    reference: 第二版\n    items:{}{}\n",
        item("visit", "old", ""),
        item("visit", "old", ""),
        item("money", "old", "grant"),
    );
    let files: Vec<(String, String)> = vec![
        ("variables/v.yaml".into(), VARIABLES.into()),
        ("services/elderly.yaml".into(), list),
    ];
    let policy = Policy::from_files(Path::new("."), &files).unwrap_or_else(|d| panic!("{d}"));
    let list = policy.service_list(ELDERLY).unwrap();
    assert_eq!(list.versions.len(), 2);
    let items = |d: &str| -> Vec<String> {
        list.on(day(d))
            .unwrap()
            .items
            .iter()
            .map(|i| i.code.clone())
            .collect()
    };
    assert_eq!(items("2025-06-30"), ["visit"]);
    assert_eq!(items("2025-07-01"), ["visit", "money"]);
    assert_eq!(list.on(day("2025-07-01")).unwrap().reference, "第二版");
    assert_eq!(list.on(day("2024-01-01")).unwrap().reference, "第一版");
    assert_eq!(
        list.on(day("2025-07-01")).unwrap().variables().len(),
        2,
        "old once, grant once"
    );
}

/// A list naming an unknown variable, a household's variable, an amount that is not money,
/// versions out of order, a duplicate code, or a placeholder without a note is refused, with
/// every problem listed.
#[test]
fn a_bad_list_is_refused_with_every_problem() {
    let mut bad_items = item("one", "nobody", "");
    bad_items += &item("two", "big", "");
    bad_items += &item("three", "old", "old");
    bad_items += &item("three", "old", "");
    bad_items += "\n        placeholder: true";
    let list = format!(
        "label: 清单\nreference: 某法\npeople: old\nversions:\n  - from: 2025-01-01\n    reference: 第二版\n    items:{}\n  - from: 2024-01-01\n    reference: 第一版\n    items:{bad_items}\n",
        item("visit", "old", "")
    );
    let files: Vec<(String, String)> = vec![
        ("variables/v.yaml".into(), VARIABLES.into()),
        ("services/elderly.yaml".into(), list),
    ];
    let text = Policy::from_files(Path::new("."), &files)
        .unwrap_err()
        .to_string();
    for expected in [
        "item 'one', eligible: variable 'nobody' is not defined",
        "item 'two', eligible: 'big' is a bool of a household; a service item needs a bool of a person",
        "item 'three', amounts: 'old' is a bool of a person; a service item needs a money of a person",
        "item 'three': a code is unique in its version",
        "a placeholder says in 'note' what stands in",
        "version from 2024-01-01: versions are listed oldest first",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    assert!(
        text.contains("services/elderly.yaml"),
        "the file is named:\n{text}"
    );
}
