//! Explanations as people read them: a tree in Chinese, and the same as JSON.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::eval::{Computation, Step};
use crate::{Policy, VarId};

fn find(computations: &[Computation], id: VarId, member: Option<usize>) -> Option<&Computation> {
    computations
        .iter()
        .find(|c| c.variable == id && c.member == member)
}

fn who(member: Option<usize>, names: &[String]) -> String {
    match member {
        Some(m) => format!(
            " [{}]",
            names
                .get(m)
                .cloned()
                .unwrap_or_else(|| format!("成员{}", m + 1))
        ),
        None => String::new(),
    }
}

/// The tree under variable `root`: each variable once, where first used; later uses refer back.
pub fn render(
    policy: &Policy,
    computations: &[Computation],
    root: VarId,
    member: Option<usize>,
    names: &[String],
) -> String {
    let mut out = String::new();
    let mut shown = HashSet::new();
    node(
        policy,
        computations,
        root,
        member,
        names,
        "",
        true,
        &mut shown,
        &mut out,
    );
    out
}

#[allow(clippy::too_many_arguments)]
fn node(
    policy: &Policy,
    computations: &[Computation],
    id: VarId,
    member: Option<usize>,
    names: &[String],
    indent: &str,
    root: bool,
    shown: &mut HashSet<(VarId, Option<usize>)>,
    out: &mut String,
) {
    let v = &policy.variables[id];
    let Some(c) = find(computations, id, member) else {
        return;
    };
    let value = match &c.result {
        Ok(value) => value.to_string(),
        Err(e) => format!("无法确定: {e}"),
    };
    let since = c
        .since
        .filter(|d| *d > crate::rules::BEGINNING)
        .map(|d| format!("; 规则自 {d}"))
        .unwrap_or_default();
    if root {
        let _ = writeln!(
            out,
            "{}{} ({}) = {}   〔{}{}〕",
            v.label,
            who(member, names),
            v.name,
            value,
            v.reference,
            since
        );
    }
    if !shown.insert((id, member)) {
        return;
    }
    let steps: Vec<&Step> = c
        .steps
        .iter()
        .filter(
            |s| !matches!(s, Step::Uses { variable, member: m } if *variable == id && *m == member),
        )
        .collect();
    // Each variable used is listed once under this one.
    let mut seen_uses = HashSet::new();
    let steps: Vec<&Step> = steps
        .into_iter()
        .filter(|s| match s {
            Step::Uses { variable, member } => seen_uses.insert((*variable, *member)),
            _ => true,
        })
        .collect();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let (branch, next) = if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        let child_indent = format!("{indent}{next}");
        match step {
            Step::Parameter {
                name,
                description,
                value,
                since,
                reference,
                placeholder,
            } => {
                let mark = if *placeholder {
                    " (地方参数占位值)"
                } else {
                    ""
                };
                let _ = writeln!(out, "{indent}{branch}参数 {description} p.{name} = {value}{mark}, 自 {since} 起 〔{reference}〕");
            }
            Step::Compare {
                left,
                left_value,
                op,
                right,
                right_value,
                held,
            } => {
                let (symbol, mark) = if *held {
                    (op.symbol(), "✓")
                } else {
                    (op.negated_symbol(), "✗")
                };
                let side = |label: &str, value: &crate::Value| {
                    if label.is_empty() {
                        value.to_string()
                    } else {
                        format!("{label} {value}")
                    }
                };
                let _ = writeln!(
                    out,
                    "{indent}{branch}{mark} {} {symbol} {}",
                    side(left, left_value),
                    side(right, right_value)
                );
            }
            Step::Exception {
                label,
                reference,
                held,
            } => {
                let mark = if *held { "适用" } else { "不适用" };
                let _ = writeln!(out, "{indent}{branch}例外「{label}」{mark} 〔{reference}〕");
            }
            Step::Uses { variable, member } => {
                let u = &policy.variables[*variable];
                let Some(uc) = find(computations, *variable, *member) else {
                    continue;
                };
                let value = match &uc.result {
                    Ok(value) => value.to_string(),
                    Err(e) => format!("无法确定: {e}"),
                };
                let again = if shown.contains(&(*variable, *member)) {
                    " (见上)"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "{indent}{branch}{}{} = {}{again}",
                    u.label,
                    who(*member, names),
                    value
                );
                node(
                    policy,
                    computations,
                    *variable,
                    *member,
                    names,
                    &child_indent,
                    false,
                    shown,
                    out,
                );
            }
        }
    }
}

/// Every computation as JSON: variable, member, value or error, rule date, steps.
pub fn to_json(policy: &Policy, computations: &[Computation]) -> serde_json::Value {
    let steps = |c: &Computation| -> Vec<serde_json::Value> {
        c.steps
            .iter()
            .map(|s| match s {
                Step::Parameter {
                    name,
                    description,
                    value,
                    since,
                    reference,
                    placeholder,
                } => serde_json::json!({
                    "parameter": name, "description": description, "value": value.to_json(),
                    "since": since.to_string(), "reference": reference, "placeholder": placeholder,
                }),
                Step::Compare {
                    left,
                    left_value,
                    op,
                    right,
                    right_value,
                    held,
                } => serde_json::json!({
                    "compare": format!("{left} {} {right}", op.symbol()),
                    "left": left_value.to_json(), "right": right_value.to_json(), "held": held,
                }),
                Step::Exception {
                    label,
                    reference,
                    held,
                } => serde_json::json!({
                    "exception": label, "reference": reference, "held": held,
                }),
                Step::Uses { variable, member } => serde_json::json!({
                    "uses": policy.variables[*variable].name, "member": member,
                }),
            })
            .collect()
    };
    serde_json::Value::Array(
        computations
            .iter()
            .map(|c| {
                let v = &policy.variables[c.variable];
                serde_json::json!({
                    "variable": v.name, "label": v.label, "member": c.member,
                    "value": c.result.as_ref().ok().map(|x| x.to_json()),
                    "error": c.result.as_ref().err().map(|e| e.to_string()),
                    "rule_since": c.since.map(|d| d.to_string()),
                    "reference": v.reference,
                    "steps": steps(c),
                })
            })
            .collect(),
    )
}

/// Every program of the policy for one household's month, traced: what `policy explain` and
/// the web's explain page and endpoint show.
pub struct HouseholdExplanation<'p> {
    pub evaluation: crate::Evaluation<'p>,
    /// Each program and, for a person's program, the member it was computed for.
    pub roots: Vec<(VarId, Option<usize>)>,
    /// Member names, head first, for the tree's labels.
    pub names: Vec<String>,
}

/// Traces every program for the household `members` (as [`crate::Evaluation::of_household`]
/// takes them) in `month`.
pub fn household<'p>(
    policy: &'p Policy,
    month: minsheng_core::Month,
    members: &[(
        &minsheng_core::registry::Person,
        &minsheng_core::registry::PersonFacts,
    )],
) -> HouseholdExplanation<'p> {
    let mut evaluation = crate::Evaluation::of_household(policy, month, members, true);
    let mut roots = Vec::new();
    for id in policy.programs() {
        let targets: Vec<Option<usize>> = match policy.variables[id].entity {
            crate::Entity::Household => vec![None],
            crate::Entity::Person => (0..members.len()).map(Some).collect(),
        };
        for t in targets {
            let _ = evaluation.variable(id, t);
            roots.push((id, t));
        }
    }
    HouseholdExplanation {
        evaluation,
        roots,
        names: members.iter().map(|(p, _)| p.name.clone()).collect(),
    }
}

impl HouseholdExplanation<'_> {
    /// One readable tree per program, in Chinese.
    pub fn trees(&self) -> Vec<String> {
        let policy = self.evaluation.policy;
        self.roots
            .iter()
            .map(|&(id, member)| {
                render(
                    policy,
                    &self.evaluation.computations,
                    id,
                    member,
                    &self.names,
                )
            })
            .collect()
    }

    /// The trees of one program's variable (each member's, for a person's program).
    pub fn trees_of(&self, id: VarId) -> Vec<String> {
        let policy = self.evaluation.policy;
        self.roots
            .iter()
            .filter(|(root, _)| *root == id)
            .map(|&(root, member)| {
                render(
                    policy,
                    &self.evaluation.computations,
                    root,
                    member,
                    &self.names,
                )
            })
            .collect()
    }

    pub fn to_json(&self) -> serde_json::Value {
        to_json(self.evaluation.policy, &self.evaluation.computations)
    }
}
