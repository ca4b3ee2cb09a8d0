//! An explanation as a person reads it: the outcome and its reason in a few sentences.
//!
//! The explanation tree ([`crate::explain`]) shows every condition of every rule, hundreds of
//! lines for a household; a resident or an approver wants the one line that decides: "家庭人均月
//! 收入 3,612.40 元，不低于低保标准 791.00 元". A summary is drawn from the same trace:
//!
//! - the **outcome**: the program's amount, or that the person does not qualify;
//! - the **reasons**: the comparisons nearest the program's rule that decided it (those that
//!   held when it is granted, those that failed when it is not), each between two named
//!   quantities with their values, and any exception that applied;
//! - the **arithmetic** of a granted amount: its formula's branch that applied, each quantity
//!   named with its value ("(低保标准 1,045.00 元 − 人均收入 612.40 元) × 人数 3");
//! - the **basis**: the rule's document and article, and each parameter it reads directly with
//!   its value and the day it took effect.
//!
//! A summary names things by their labels and parameters by their descriptions only: no
//! variable code or parameter path ever reaches it, so it is what residents are shown.

use std::collections::VecDeque;
use std::fmt::Write as _;

use rustc_hash::FxHashSet as HashSet;

use crate::eval::{Computation, Step};
use crate::rules::{Ir, Node, Rule};
use crate::syntax::BinOp;
use crate::{Evaluation, Policy, Value, VarId};

/// At most this many reasons: the summary is read, the tree is for the rest.
const MOST_REASONS: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// The program's (or rule's) label.
    pub label: String,
    /// The member it was computed for, by name, for a person's rule.
    pub member: Option<String>,
    /// Whether it grants anything: an amount above zero, or a rule that holds.
    pub granted: bool,
    /// The amount, for a money rule that computed one.
    pub amount: Option<minsheng_core::Fen>,
    /// One sentence: "最低生活保障金：1,298.00 元" or "最低生活保障金：不符合条件".
    pub outcome: String,
    /// The deciding conditions, one sentence each.
    pub reasons: Vec<String>,
    /// How a granted amount is reckoned, with every quantity named and valued.
    pub arithmetic: Option<String>,
    /// The rule's document and article, then each parameter it reads with its value and date.
    pub basis: Vec<String>,
}

impl Summary {
    /// The outcome and the reasons as one paragraph.
    pub fn sentence(&self) -> String {
        let mut out = self.outcome.clone();
        if !self.reasons.is_empty() {
            out.push('。');
            out.push_str(&self.reasons.join("；"));
        }
        if let Some(arithmetic) = &self.arithmetic {
            let _ = write!(out, "。计算：{arithmetic}");
        }
        out.push('。');
        out
    }
}

/// The summary of variable `root` for `member` (None: the household) from `evaluation`, which
/// must trace (computing it first if it has not been). `names` are the members' names.
pub fn summarize<'p>(
    evaluation: &mut Evaluation<'p>,
    root: VarId,
    member: Option<usize>,
    names: &[String],
) -> Option<Summary> {
    let policy = evaluation.policy;
    let variable = policy.variables.get(root)?;
    let result = evaluation.variable(root, member);
    let granted = match &result {
        Ok(Value::Money(fen)) => fen.0 > 0,
        Ok(Value::Bool(b)) => *b,
        Ok(Value::Int(i)) => *i > 0,
        Ok(Value::Number(n)) => n.0 > 0,
        Ok(Value::Enum(..)) | Err(_) => false,
    };
    let outcome = match &result {
        Ok(Value::Bool(true)) => format!("{}：符合", variable.label),
        Ok(Value::Bool(false)) => format!("{}：不符合条件", variable.label),
        Ok(Value::Money(_)) if !granted => format!("{}：不符合条件", variable.label),
        Ok(value) => format!("{}：{value}", variable.label),
        Err(e) => format!("{}：无法判定（{e}）", variable.label),
    };
    let arithmetic = match (&result, granted) {
        (Ok(value @ Value::Money(_)), true) => arithmetic(evaluation, root, member)
            .filter(|text| *text != value.to_string())
            .map(|text| format!("{text} = {value}")),
        _ => None,
    };
    let computations = &evaluation.computations;
    let reasons = reasons(policy, computations, root, member, granted, names);
    let mut basis = vec![variable.reference.clone()];
    basis.extend(parameters(computations, root, member));
    Some(Summary {
        label: variable.label.clone(),
        member: member.and_then(|m| names.get(m).cloned()),
        granted,
        amount: match &result {
            Ok(Value::Money(fen)) => Some(*fen),
            _ => None,
        },
        outcome,
        reasons,
        arithmetic,
        basis,
    })
}

/// A label fit to show a person: a name, not a formula's source text with codes in it.
fn plain(shown: &str) -> bool {
    !shown.is_empty() && !shown.bytes().any(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// "低于", or what failed: "不低于".
fn comparison_words(op: BinOp, held: bool) -> &'static str {
    match (op, held) {
        (BinOp::Lt, true) | (BinOp::Ge, false) => "低于",
        (BinOp::Lt, false) | (BinOp::Ge, true) => "不低于",
        (BinOp::Le, true) | (BinOp::Gt, false) => "不高于",
        (BinOp::Le, false) | (BinOp::Gt, true) => "高于",
        (BinOp::Eq, true) | (BinOp::Ne, false) => "等于",
        _ => "不等于",
    }
}

/// The deciding conditions, nearest the root first: walking the trace breadth-first, the
/// comparisons between named quantities that held (granted) or failed (not granted), and the
/// exceptions that applied. When not granted, only the nearest failures: a failure deeper down
/// is part of why the nearer one failed, and the tree shows it.
fn reasons(
    policy: &Policy,
    computations: &[Computation<'_>],
    root: VarId,
    member: Option<usize>,
    granted: bool,
    names: &[String],
) -> Vec<String> {
    let find = |id: VarId, m: Option<usize>| {
        computations
            .iter()
            .find(|c| c.variable == id && c.member == m)
    };
    let mut queue = VecDeque::from([(root, member, 0usize)]);
    let mut visited = HashSet::default();
    let mut found: Vec<(usize, String)> = Vec::new();
    while let Some((id, m, depth)) = queue.pop_front() {
        if !visited.insert((id, m)) {
            continue;
        }
        if !granted && found.first().is_some_and(|(d, _)| *d < depth) {
            break;
        }
        let Some(c) = find(id, m) else { continue };
        // Whose quantity it is, when not the person the summary is about.
        let whose = match m {
            Some(i) if m != member => names
                .get(i)
                .map_or_else(|| format!("成员{}：", i + 1), |n| format!("{n}：")),
            _ => String::new(),
        };
        for step in &c.steps {
            let sentence = match step {
                Step::Compare {
                    left,
                    left_value,
                    op,
                    right,
                    right_value,
                    held,
                } if *held == granted && plain(left) && plain(right) => Some(format!(
                    "{whose}{left} {left_value}，{}{right} {right_value}",
                    comparison_words(*op, *held)
                )),
                Step::Exception {
                    label,
                    reference,
                    held: true,
                } => Some(format!("{whose}{label}（{reference}）")),
                Step::Uses {
                    variable,
                    member: used,
                } => {
                    if policy.variables.get(*variable).is_some() {
                        queue.push_back((*variable, *used, depth + 1));
                    }
                    None
                }
                _ => None,
            };
            if let Some(s) = sentence {
                if !found.iter().any(|(_, f)| *f == s) {
                    found.push((depth, s));
                }
            }
        }
    }
    found
        .into_iter()
        .take(MOST_REASONS)
        .map(|(_, s)| s)
        .collect()
}

/// Each parameter the rule and the rules it reads directly take, with value, date and source.
fn parameters(computations: &[Computation<'_>], root: VarId, member: Option<usize>) -> Vec<String> {
    let find = |id: VarId, m: Option<usize>| {
        computations
            .iter()
            .find(|c| c.variable == id && c.member == m)
    };
    let Some(top) = find(root, member) else {
        return Vec::new();
    };
    let near = std::iter::once(top).chain(top.steps.iter().filter_map(|s| match s {
        Step::Uses { variable, member } => find(*variable, *member),
        _ => None,
    }));
    let mut out: Vec<String> = Vec::new();
    for c in near {
        for step in &c.steps {
            if let Step::Parameter {
                description,
                value,
                since,
                reference,
                placeholder,
                ..
            } = step
            {
                if description.is_empty() {
                    continue;
                }
                // A placeholder's note says where its stand-in figure came from, for the officer
                // who will replace it; a reader is told only that it is one.
                let line = if *placeholder {
                    format!("{description} {value}（自 {since} 起，地方参数占位值）")
                } else {
                    format!("{description} {value}（自 {since} 起；{reference}）")
                };
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
    }
    out
}

/// The formula of `root` in force, down the branch that applied, each quantity named and
/// valued; `None` when it is a bare number or nothing is left to show.
fn arithmetic<'p>(
    evaluation: &mut Evaluation<'p>,
    root: VarId,
    member: Option<usize>,
) -> Option<String> {
    let policy = evaluation.policy;
    let variable = policy.variables.get(root)?;
    let formula = variable
        .formulas
        .iter()
        .find(|f| f.since <= evaluation.on)?;
    let node: &'p Node = match &formula.rule {
        Rule::Expr(node) => node,
        Rule::Default { base, exceptions } => {
            let mut applied = None;
            for e in exceptions {
                if matches!(evaluation.eval(&e.when, member), Ok(Value::Bool(true))) {
                    applied = Some(&e.then);
                    break;
                }
            }
            applied.or(base.as_ref())?
        }
    };
    let mut out = String::new();
    render(evaluation, node, member, true, &mut out).then_some(out)
}

/// Writes `node` with labels and values; false when nothing but a constant was written.
fn render<'p>(
    evaluation: &mut Evaluation<'p>,
    node: &'p Node,
    member: Option<usize>,
    top: bool,
    out: &mut String,
) -> bool {
    match &node.ir {
        Ir::If(condition, then, otherwise) => {
            let taken = match evaluation.eval(condition, member) {
                Ok(Value::Bool(true)) => then,
                _ => otherwise,
            };
            render(evaluation, taken, member, top, out)
        }
        Ir::Binary(op, a, b) if !op.is_comparison() && !matches!(op, BinOp::And | BinOp::Or) => {
            let symbol = match op {
                BinOp::Add => "+",
                BinOp::Sub => "−",
                BinOp::Mul => "×",
                _ => "÷",
            };
            if !top {
                out.push('(');
            }
            let left = render(evaluation, a, member, false, out);
            let _ = write!(out, " {symbol} ");
            let right = render(evaluation, b, member, false, out);
            if !top {
                out.push(')');
            }
            left || right
        }
        Ir::Extreme { max, args } => {
            out.push_str(if *max {
                "取较大者("
            } else {
                "取较小者("
            });
            let mut any = false;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push('，');
                }
                any |= render(evaluation, a, member, true, out);
            }
            out.push(')');
            any
        }
        Ir::Const(value) => {
            let _ = write!(out, "{value}");
            false
        }
        _ => {
            let value = evaluation.eval(node, member);
            if plain(&node.shown) {
                let _ = write!(out, "{} ", node.shown);
            }
            let _ = match value {
                Ok(v) => write!(out, "{v}"),
                Err(e) => write!(out, "（{e}）"),
            };
            true
        }
    }
}
