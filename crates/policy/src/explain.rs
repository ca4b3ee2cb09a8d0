//! Explanations as people read them: a tree in Chinese, and the same as JSON.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::fmt::Write as _;

use crate::eval::{Computation, Step};
use crate::{Policy, VarId};

/// The computations of one evaluation by (variable, member): a tree looks one up at every
/// node, and a household's explanation has hundreds of them.
struct Index<'c>(HashMap<(VarId, Option<usize>), &'c Computation<'c>>);

impl<'c> Index<'c> {
    fn of(computations: &'c [Computation<'c>]) -> Index<'c> {
        Index(
            computations
                .iter()
                .map(|c| ((c.variable, c.member), c))
                .collect(),
        )
    }

    fn get(&self, id: VarId, member: Option<usize>) -> Option<&'c Computation<'c>> {
        self.0.get(&(id, member)).copied()
    }
}

/// What a tree is drawn from.
struct Tree<'a> {
    policy: &'a Policy,
    computations: Index<'a>,
    names: &'a [String],
}

impl Tree<'_> {
    /// ` [name]` after a person's variable; nothing after a household's.
    fn who(&self, member: Option<usize>, out: &mut String) {
        match member.map(|m| (m, self.names.get(m))) {
            Some((_, Some(name))) => {
                let _ = write!(out, " [{name}]");
            }
            Some((m, None)) => {
                let _ = write!(out, " [成员{}]", m + 1);
            }
            None => {}
        }
    }

    fn value(c: &Computation<'_>, out: &mut String) {
        let _ = match &c.result {
            Ok(value) => write!(out, "{value}"),
            Err(e) => write!(out, "无法确定: {e}"),
        };
    }
}

/// The trees under `roots`, read one after another: a variable is expanded in the first tree
/// that uses it and referred back to (见上) in the later ones, so that the dibao test under
/// the near-poor, single-person and temporary-assistance programs is explained once.
pub fn render_together(
    policy: &Policy,
    computations: &[Computation<'_>],
    roots: &[(VarId, Option<usize>)],
    names: &[String],
) -> Vec<String> {
    let tree = Tree {
        policy,
        computations: Index::of(computations),
        names,
    };
    let mut shown = HashSet::default();
    let mut indent = String::new();
    roots
        .iter()
        .map(|&(root, member)| {
            let mut out = String::new();
            node(&tree, root, member, &mut indent, true, &mut shown, &mut out);
            out
        })
        .collect()
}

/// Writes the lines of variable `id` (for `member`) under `indent`, which it extends for its
/// children and restores before returning.
fn node(
    tree: &Tree<'_>,
    id: VarId,
    member: Option<usize>,
    indent: &mut String,
    root: bool,
    shown: &mut HashSet<(VarId, Option<usize>)>,
    out: &mut String,
) {
    let (Some(v), Some(c)) = (
        tree.policy.variables.get(id),
        tree.computations.get(id, member),
    ) else {
        return;
    };
    if root {
        out.push_str(&v.label);
        tree.who(member, out);
        let _ = write!(out, " ({}) = ", v.name);
        Tree::value(c, out);
        if shown.contains(&(id, member)) {
            out.push_str(" (见上)");
        }
        let _ = write!(out, "   〔{}", v.reference);
        if let Some(since) = c.since.filter(|d| *d > crate::rules::BEGINNING) {
            let _ = write!(out, "; 规则自 {since}");
        }
        out.push_str("〕\n");
    }
    if !shown.insert((id, member)) {
        return;
    }
    // Each variable used is listed once under this one, and never the variable itself.
    let mut seen_uses = HashSet::default();
    let steps: Vec<&Step<'_>> = c
        .steps
        .iter()
        .filter(|s| match s {
            Step::Uses {
                variable,
                member: m,
            } => !(*variable == id && *m == member) && seen_uses.insert((*variable, *m)),
            _ => true,
        })
        .collect();
    for (i, step) in steps.iter().enumerate() {
        let (branch, next) = if i + 1 == steps.len() {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        out.push_str(indent);
        out.push_str(branch);
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
                let _ = writeln!(
                    out,
                    "参数 {description} p.{name} = {value}{mark}, 自 {since} 起 〔{reference}〕"
                );
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
                let side = |label: &str, value: &crate::Value, out: &mut String| {
                    let _ = if label.is_empty() {
                        write!(out, "{value}")
                    } else {
                        write!(out, "{label} {value}")
                    };
                };
                let _ = write!(out, "{mark} ");
                side(left, left_value, out);
                let _ = write!(out, " {symbol} ");
                side(right, right_value, out);
                out.push('\n');
            }
            Step::Fact { label, value } => {
                let _ = writeln!(out, "{label} = {value}");
            }
            Step::Exception {
                label,
                reference,
                held,
            } => {
                let mark = if *held { "适用" } else { "不适用" };
                let _ = writeln!(out, "例外「{label}」{mark} 〔{reference}〕");
            }
            Step::Uses { variable, member } => {
                let (Some(uc), Some(used)) = (
                    tree.computations.get(*variable, *member),
                    tree.policy.variables.get(*variable),
                ) else {
                    // Nothing to show: take back the branch just drawn.
                    out.truncate(out.len() - indent.len() - branch.len());
                    continue;
                };
                out.push_str(&used.label);
                tree.who(*member, out);
                out.push_str(" = ");
                Tree::value(uc, out);
                if shown.contains(&(*variable, *member)) {
                    out.push_str(" (见上)");
                }
                out.push('\n');
                let depth = indent.len();
                indent.push_str(next);
                node(tree, *variable, *member, indent, false, shown, out);
                indent.truncate(depth);
            }
        }
    }
}

/// Every computation as JSON: variable, member, value or error, rule date, steps.
pub fn to_json(policy: &Policy, computations: &[Computation]) -> serde_json::Value {
    serde_json::to_value(ComputationsJson {
        policy,
        computations,
    })
    .unwrap_or(serde_json::Value::Null)
}

/// The computations of an explanation, serialized as they are: the web answers an explain
/// request by writing this straight into the response, without an intermediate JSON tree.
pub struct ComputationsJson<'a> {
    pub policy: &'a Policy,
    pub computations: &'a [Computation<'a>],
}

impl serde::Serialize for ComputationsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let variables = &self.policy.variables;
        let known =
            (self.computations.iter()).filter_map(|c| variables.get(c.variable).map(|v| (v, c)));
        serializer.collect_seq(known.map(|(v, c)| {
            ComputationJson {
                variable: &v.name,
                label: &v.label,
                member: c.member,
                value: c.result.as_ref().ok(),
                error: c.result.as_ref().err().map(|e| e.to_string()),
                rule_since: c.since,
                reference: &v.reference,
                steps: c
                    .steps
                    .iter()
                    .map(|s| StepJson::of(self.policy, s))
                    .collect(),
            }
        }))
    }
}

#[derive(serde::Serialize)]
struct ComputationJson<'a> {
    variable: &'a str,
    label: &'a str,
    member: Option<usize>,
    value: Option<&'a crate::Value>,
    error: Option<String>,
    rule_since: Option<chrono::NaiveDate>,
    reference: &'a str,
    steps: Vec<StepJson<'a>>,
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum StepJson<'a> {
    Parameter {
        parameter: &'a str,
        description: &'a str,
        value: &'a crate::Value,
        since: chrono::NaiveDate,
        reference: &'a str,
        placeholder: bool,
    },
    Compare {
        compare: String,
        left: &'a crate::Value,
        right: &'a crate::Value,
        held: bool,
    },
    Exception {
        exception: &'a str,
        reference: &'a str,
        held: bool,
    },
    Uses {
        uses: &'a str,
        member: Option<usize>,
    },
    Fact {
        fact: &'a str,
        value: &'a crate::Value,
    },
}

impl<'a> StepJson<'a> {
    fn of(policy: &'a Policy, step: &'a Step<'a>) -> StepJson<'a> {
        match step {
            Step::Parameter {
                name,
                description,
                value,
                since,
                reference,
                placeholder,
            } => StepJson::Parameter {
                parameter: name,
                description,
                value,
                since: *since,
                reference,
                placeholder: *placeholder,
            },
            Step::Compare {
                left,
                left_value,
                op,
                right,
                right_value,
                held,
            } => StepJson::Compare {
                compare: format!("{left} {} {right}", op.symbol()),
                left: left_value,
                right: right_value,
                held: *held,
            },
            Step::Exception {
                label,
                reference,
                held,
            } => StepJson::Exception {
                exception: label,
                reference,
                held: *held,
            },
            Step::Fact { label, value } => StepJson::Fact { fact: label, value },
            Step::Uses { variable, member } => StepJson::Uses {
                uses: policy
                    .variables
                    .get(*variable)
                    .map_or("", |v| v.name.as_str()),
                member: *member,
            },
        }
    }
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
        for t in crate::eval::members_of(policy, id, members.len()) {
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
    /// One readable tree per program, in Chinese, each variable expanded once (见上 after).
    pub fn trees(&self) -> Vec<String> {
        render_together(
            self.evaluation.policy,
            &self.evaluation.computations,
            &self.roots,
            &self.names,
        )
    }

    /// The trees of one program's variable (each member's, for a person's program).
    pub fn trees_of(&self, id: VarId) -> Vec<String> {
        let roots: Vec<(VarId, Option<usize>)> = self
            .roots
            .iter()
            .copied()
            .filter(|(root, _)| *root == id)
            .collect();
        render_together(
            self.evaluation.policy,
            &self.evaluation.computations,
            &roots,
            &self.names,
        )
    }

    /// Each program's summary: outcome, deciding conditions, arithmetic, basis.
    pub fn summaries(&mut self) -> Vec<crate::summary::Summary> {
        self.summaries_where(|_| true)
    }

    /// The summaries of one program's variable (each member's, for a person's program).
    pub fn summaries_of(&mut self, id: VarId) -> Vec<crate::summary::Summary> {
        self.summaries_where(|root| root == id)
    }

    fn summaries_where(&mut self, wanted: impl Fn(VarId) -> bool) -> Vec<crate::summary::Summary> {
        let roots: Vec<(VarId, Option<usize>)> = self
            .roots
            .iter()
            .copied()
            .filter(|(r, _)| wanted(*r))
            .collect();
        roots
            .into_iter()
            .filter_map(|(root, member)| {
                crate::summary::summarize(&mut self.evaluation, root, member, &self.names)
            })
            .collect()
    }

    pub fn to_json(&self) -> serde_json::Value {
        to_json(self.evaluation.policy, &self.evaluation.computations)
    }

    /// [`Self::to_json`] without building the JSON tree: serialize it where it goes.
    pub fn computations(&self) -> ComputationsJson<'_> {
        ComputationsJson {
            policy: self.evaluation.policy,
            computations: &self.evaluation.computations,
        }
    }
}
