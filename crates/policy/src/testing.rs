//! Rule tests, in YAML beside the rules: a period, the members' inputs, the expected outputs.
//!
//! ```yaml
//! 城市低保_人均收入低于标准一分:
//!   period: 2023-06
//!   members:
//!     - {hukou: urban, income_wage: 1044.99}
//!   output:
//!     dibao_eligible: true
//!     dibao_amount: 0.01
//! ```
//! Inputs not given take [`crate::inputs::default_value`]. A person variable's expected value
//! is a list (one per member) or one value for every member.

use marked_yaml::Node;
use minsheng_core::Month;

use crate::eval::Evaluation;
use crate::inputs::default_value;
use crate::value::Value;
use crate::{Diagnostics, Location, Policy};

#[derive(Debug, Default)]
pub struct TestReport {
    pub passed: usize,
    /// (where, what went wrong)
    pub failures: Vec<(Location, String)>,
}

pub fn run_file(
    policy: &Policy,
    file: &str,
    text: &str,
    report: &mut TestReport,
    diagnostics: &mut Diagnostics,
) {
    let Some(cases) = crate::yaml_mapping(
        file,
        text,
        "a test file maps case names to cases",
        diagnostics,
    ) else {
        return;
    };
    for (name, case) in cases.iter() {
        let at = Location::of(file, name.span().start());
        match run_case(policy, file, case) {
            Ok(mismatches) if mismatches.is_empty() => report.passed += 1,
            Ok(mismatches) => {
                for m in mismatches {
                    report
                        .failures
                        .push((at.clone(), format!("{}: {m}", name.as_str())));
                }
            }
            Err(e) => diagnostics.push(at, format!("{}: {e}", name.as_str())),
        }
    }
}

fn run_case(policy: &Policy, file: &str, case: &Node) -> Result<Vec<String>, String> {
    let case = case
        .as_mapping()
        .ok_or("a test is a mapping with period, members and output")?;
    let period = case
        .get_scalar("period")
        .ok_or("'period' (YYYY-MM) is missing")?;
    let month = parse_month(period.as_str())
        .ok_or_else(|| format!("'{}' is not a month (YYYY-MM)", period.as_str()))?;
    let members_node = case
        .get_sequence("members")
        .ok_or("'members' (a list) is missing")?;
    let mut members = Vec::new();
    for m in members_node.iter() {
        let m = m.as_mapping().ok_or("each member is a mapping of inputs")?;
        let mut values: Vec<Value> = policy.inputs.iter().map(default_value).collect();
        for (key, value) in m.iter() {
            let (slot, input) = (values.iter_mut().zip(&policy.inputs))
                .find(|(_, i)| i.name == key.as_str())
                .ok_or_else(|| {
                    format!(
                        "unknown input '{}' (at {})",
                        key.as_str(),
                        Location::of(file, key.span().start())
                    )
                })?;
            let text = value.as_scalar().map(|s| s.as_str()).unwrap_or("");
            *slot = Value::parse(&input.ty, text)
                .ok_or_else(|| format!("{}: '{text}' is not a {}", key.as_str(), input.ty))?;
        }
        members.push(values);
    }
    let output = case.get_mapping("output").ok_or("'output' is missing")?;
    let count = members.len();
    let mut evaluation = Evaluation::new(policy, month.first_day(), members, false);
    let mut mismatches = Vec::new();
    for (name, expected) in output.iter() {
        let id = policy
            .variable(name.as_str())
            .ok_or_else(|| format!("unknown variable '{}'", name.as_str()))?;
        let v = policy
            .variables
            .get(id)
            .ok_or_else(|| format!("unknown variable '{}'", name.as_str()))?;
        let targets = crate::eval::members_of(policy, id, count);
        let expected_texts: Vec<String> = match expected {
            Node::Sequence(items) => items
                .iter()
                .filter_map(|i| i.as_scalar().map(|s| s.as_str().to_string()))
                .collect(),
            Node::Scalar(s) => vec![s.as_str().to_string(); targets.len()],
            Node::Mapping(_) => {
                return Err(format!("{}: expected a value or a list", name.as_str()))
            }
        };
        if expected_texts.len() != targets.len() {
            return Err(format!(
                "{}: {} expected values for {} members",
                name.as_str(),
                expected_texts.len(),
                targets.len()
            ));
        }
        for (target, text) in targets.into_iter().zip(expected_texts) {
            let expected = Value::parse(&v.ty, &text)
                .ok_or_else(|| format!("{}: '{text}' is not a {}", name.as_str(), v.ty))?;
            let member = target
                .map(|m| format!(" (member {})", m + 1))
                .unwrap_or_default();
            match evaluation.variable(id, target) {
                Ok(actual) if crate::eval::compare(crate::syntax::BinOp::Eq, actual, expected) => {}
                Ok(actual) => mismatches.push(format!(
                    "{}{member}: expected {expected}, computed {actual}",
                    name.as_str()
                )),
                Err(e) => mismatches.push(format!(
                    "{}{member}: expected {expected}, but {e}",
                    name.as_str()
                )),
            }
        }
    }
    Ok(mismatches)
}

fn parse_month(text: &str) -> Option<Month> {
    let (y, m) = text.trim().split_once('-')?;
    Month::new(y.parse().ok()?, m.parse().ok()?)
}

/// Runs every `tests/**.yaml` under the policy's folder.
pub fn run_dir(policy: &Policy, dir: &std::path::Path) -> (TestReport, Diagnostics) {
    let mut report = TestReport::default();
    let mut diagnostics = Diagnostics::default();
    let mut files = Vec::new();
    let tests = dir.join("tests");
    if tests.is_dir() {
        crate::read_tree(dir, &tests, &mut files, &mut diagnostics);
    } else {
        diagnostics.push(
            Location::unknown(&tests.display().to_string()),
            "no tests folder",
        );
    }
    for (name, text) in &files {
        run_file(policy, name, text, &mut report, &mut diagnostics);
    }
    (report, diagnostics)
}
