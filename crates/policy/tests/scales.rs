#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Scored instruments: the older person's ability assessment (GB/T 42195-2022) as the catalog
//! declares it, its levels at every threshold, its adjustments and how they combine, its
//! explanation, a bad form, and a bad scale file.

use std::path::Path;

use minsheng_policy::scale::{Answers, Scale};
use minsheng_policy::Policy;

fn catalog() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao")
}

fn ability() -> Scale {
    let policy = Policy::load(&catalog()).unwrap_or_else(|d| panic!("{d}"));
    policy
        .scale("ability")
        .expect("scales/ability.yaml")
        .clone()
}

/// Every item at its best, no condition: 90 points.
fn best(scale: &Scale) -> Answers {
    let mut answers = Answers::default();
    for domain in &scale.domains {
        for item in &domain.items {
            answers.scores.insert(item.code.clone(), item.max());
        }
    }
    for condition in &scale.conditions {
        answers.conditions.insert(condition.code.clone(), 0);
    }
    answers
}

/// A form totalling `total`: points taken off the items in the scale's order.
fn totalling(scale: &Scale, total: u16) -> Answers {
    let mut answers = best(scale);
    let mut to_lose = scale.max() - total;
    for domain in &scale.domains {
        for item in &domain.items {
            let lose = u16::from(item.max()).min(to_lose);
            to_lose -= lose;
            answers
                .scores
                .insert(item.code.clone(), item.max() - lose as u8);
        }
    }
    answers
}

fn level(scale: &Scale, answers: &Answers) -> String {
    let scored = scale.score(answers).unwrap();
    scale.levels[scored.level].code.clone()
}

#[test]
fn the_ability_scale_has_the_standards_items_and_points() {
    let scale = ability();
    let items: usize = scale.domains.iter().map(|d| d.items.len()).sum();
    assert_eq!(items, 26);
    let maxima: Vec<u16> = scale
        .domains
        .iter()
        .map(|d| d.items.iter().map(|i| u16::from(i.max())).sum())
        .collect();
    // Self-care 8 × 4; motor 4 + 4 + 4 + 3; mental 6 × 4 + 1 + 1 + 2; perception 2 + 2 + 4 + 3 + 4.
    assert_eq!(maxima, [32, 15, 28, 15]);
    assert_eq!(scale.max(), 90);
    let counts: Vec<usize> = scale.domains.iter().map(|d| d.items.len()).collect();
    assert_eq!(counts, [8, 4, 9, 5]);
}

/// 能力完好 90; 轻度 66–89; 中度 46–65; 重度 30–45; 完全丧失 0–29.
#[test]
fn the_total_gives_the_level_at_every_threshold() {
    let scale = ability();
    for (total, expected) in [
        (90, "intact"),
        (89, "mild"),
        (66, "mild"),
        (65, "moderate"),
        (46, "moderate"),
        (45, "severe"),
        (30, "severe"),
        (29, "complete"),
        (0, "complete"),
    ] {
        let answers = totalling(&scale, total);
        let scored = scale.score(&answers).unwrap();
        assert_eq!(scored.total, total);
        assert_eq!(level(&scale, &answers), expected, "total {total}");
    }
}

/// Coma sets 完全丧失; dementia, another mental disorder, or two or more care-risk events in
/// 30 days raise the total's level by one — once, however many of them hold.
#[test]
fn adjustments_move_the_level_once_and_coma_outright() {
    let scale = ability();
    let with = |total: u16, conditions: &[(&str, u32)]| {
        let mut answers = totalling(&scale, total);
        for (code, value) in conditions {
            answers.conditions.insert(code.to_string(), *value);
        }
        level(&scale, &answers)
    };
    assert_eq!(with(90, &[("coma", 1)]), "complete");
    assert_eq!(with(70, &[("coma", 1), ("dementia", 1)]), "complete");
    assert_eq!(with(90, &[("dementia", 1)]), "mild");
    assert_eq!(with(90, &[("mental_disorder", 1)]), "mild");
    assert_eq!(with(70, &[("risk_events", 1)]), "mild");
    assert_eq!(with(70, &[("risk_events", 2)]), "moderate");
    assert_eq!(
        with(
            70,
            &[("dementia", 1), ("mental_disorder", 1), ("risk_events", 5)]
        ),
        "moderate",
        "several reasons still raise the level one step"
    );
    assert_eq!(with(29, &[("dementia", 1)]), "complete", "nothing is worse");
    assert_eq!(with(30, &[("risk_events", 3)]), "complete");
}

#[test]
fn the_explanation_names_the_items_that_lost_points_and_the_adjustment() {
    let scale = ability();
    let mut answers = best(&scale);
    answers.scores.insert("eating".into(), 2);
    answers.scores.insert("stairs".into(), 1);
    answers.conditions.insert("risk_events".into(), 2);
    let scored = scale.score(&answers).unwrap();
    assert_eq!(scored.total, 86);
    let text = scale.explain(&scored).join("\n");
    for expected in [
        "总分 86 / 90, 按总分为「能力轻度受损 (轻度失能)」",
        "自理能力 30 / 32",
        "进食 2 / 4 (失 2 分): 进食中需少量接触式协助",
        "上下楼梯 1 / 3 (失 2 分)",
        "调整: 确诊痴呆、其他精神和行为障碍疾病, 或近30天内发生2次及以上照护风险事件",
        "能力等级: 能力中度受损 (中度失能)",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
    assert!(
        !text.contains("修饰"),
        "an item at its best is not listed:\n{text}"
    );
}

#[test]
fn a_form_with_a_missing_unknown_or_impossible_answer_is_refused_whole() {
    let scale = ability();
    let mut answers = best(&scale);
    answers.scores.remove("bathing");
    answers.scores.insert("stairs".into(), 4);
    answers.scores.insert("juggling".into(), 2);
    answers.conditions.insert("coma".into(), 2);
    answers.conditions.remove("risk_events");
    let errors = scale.score(&answers).unwrap_err();
    let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["bathing", "coma", "juggling", "risk_events", "stairs"],
        "{errors:?}"
    );
    let stairs = errors.iter().find(|e| e.field == "stairs").unwrap();
    assert!(stairs.reason.contains("0 至 3"), "{}", stairs.reason);
}

/// A scale file that skips a score, orders its levels wrongly, names an unknown level or
/// condition, or cites a file is refused with every problem listed.
#[test]
fn a_bad_scale_file_is_refused_with_its_problems() {
    // A sound scale named `ability` whose levels are not the registry's, beside the bad one.
    let files: Vec<(String, String)> = [
        (
            "scales/bad.yaml",
            r#"
label: 坏量表
reference: "see scales/bad.yaml"
domains:
  - code: one
    label: 一
    items:
      - code: a
        label: A
        options: {0: none, 2: all}
levels:
  - {code: low, label: 低, min: 0}
  - {code: high, label: 高, min: 1}
conditions:
  - {code: coma, label: 昏迷, type: bool}
adjustments:
  - label: 变更
    reference: 某标准
    when: [coma, falls >= 2]
    to: nowhere
"#,
        ),
        (
            "scales/ability.yaml",
            r#"
label: 能力
reference: 某标准
domains:
  - code: one
    label: 一
    items:
      - code: a
        label: A
        options: {0: none, 1: all}
levels:
  - {code: good, label: 好, min: 1}
  - {code: poor, label: 差, min: 0}
"#,
        ),
    ]
    .iter()
    .map(|(name, text)| (name.to_string(), text.to_string()))
    .collect();
    let text = Policy::from_files(Path::new("."), &files)
        .unwrap_err()
        .to_string();
    for expected in [
        "the levels (good, poor) must be the registry's ability levels, best first: intact, mild, moderate, severe, complete",
        "item a: the options score 0, 1, … up to the highest",
        "levels go from the best to the worst",
        "'falls >= 2' is neither a yes/no condition nor 'count >= N'",
        "no level 'nowhere'",
        "the reference names a file (scales/bad.yaml)",
    ] {
        assert!(text.contains(expected), "missing «{expected}» in:\n{text}");
    }
}
