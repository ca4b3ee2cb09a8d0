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
//!
//! A policy that declares its entities ([`crate::entities`]) lists its members under their
//! plural and its group's facts under the group's name, and may give a day instead of a month:
//!
//! ```yaml
//! 三级医院住院_起付线未付:
//!   date: 2025-03-10
//!   claim: {scheme: employee, visit: inpatient, level: tier_3}
//!   lines:
//!     - {class: a, amount: 10000}
//!   output:
//!     fund_pays: 8096.00
//! ```

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
    let (group, plural) = (policy.entities.group.name, policy.entities.member.plural);
    let case = case
        .as_mapping()
        .ok_or_else(|| format!("a test is a mapping with period (or date), {plural} and output"))?;
    let on = match (case.get_scalar("period"), case.get_scalar("date")) {
        (Some(period), None) => parse_month(period.as_str())
            .ok_or_else(|| format!("'{}' is not a month (YYYY-MM)", period.as_str()))?
            .first_day(),
        (None, Some(date)) => {
            chrono::NaiveDate::parse_from_str(date.as_str().trim(), "%Y-%m-%d")
                .map_err(|_| format!("'{}' is not a date (YYYY-MM-DD)", date.as_str()))?
        }
        _ => return Err("give 'period' (YYYY-MM) or 'date' (YYYY-MM-DD)".into()),
    };
    let members_node = case
        .get_sequence(plural)
        .ok_or_else(|| format!("'{plural}' (a list) is missing"))?;
    let mut members = Vec::new();
    for m in members_node.iter() {
        let m = m
            .as_mapping()
            .ok_or_else(|| format!("each of the {plural} is a mapping of inputs"))?;
        members.push(facts(&policy.inputs, m, file)?);
    }
    let group_facts = match case.get_mapping(group) {
        Some(g) => facts(&policy.entities.group_inputs, g, file)?,
        None if policy.entities.group_inputs.is_empty() => Vec::new(),
        None => return Err(format!("'{group}' (the {group}'s inputs) is missing")),
    };
    let output = case.get_mapping("output").ok_or("'output' is missing")?;
    let count = members.len();
    let mut evaluation = Evaluation::new(policy, on, members, false).with_group(group_facts);
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
                .map(|m| format!(" ({} {})", policy.entities.member.name, m + 1))
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

/// The values of `inputs` a test gives in `given` (the others at their defaults).
fn facts(
    inputs: &[crate::inputs::Input],
    given: &marked_yaml::types::MarkedMappingNode,
    file: &str,
) -> Result<Vec<Value>, String> {
    let mut values: Vec<Value> = inputs.iter().map(default_value).collect();
    for (key, value) in given.iter() {
        let (slot, input) = (values.iter_mut().zip(inputs))
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
    Ok(values)
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
