//! The explaining interpreter: evaluates variables for one household and one month, on demand
//! and memoised, and (when asked) records why: every parameter used with its value, date and
//! reference, every comparison with both sides, every exception that held or not.

use chrono::NaiveDate;
use minsheng_core::Fen;

use crate::rules::{Entity, Ir, Node, Rule, VarId};
use crate::syntax::{Aggregate, BinOp};
use crate::value::{div_round, Number, Value};
use crate::Policy;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("{variable}: no rule applies")]
    NoRuleApplies { variable: String },
    #[error("{variable}: exceptions conflict ({labels})")]
    Conflict { variable: String, labels: String },
    #[error("{variable}: no formula in force on {on}")]
    NoFormula { variable: String, on: NaiveDate },
    #[error("parameter {name} has no value on {on}")]
    NoParameter { name: String, on: NaiveDate },
    #[error("division by zero in {shown}")]
    DivisionByZero { shown: String },
    #[error("an amount is too large in {shown}")]
    Overflow { shown: String },
    /// A variable id the policy does not hold: a rule compiled against another policy.
    #[error("variable #{0} is not in this policy")]
    UnknownVariable(VarId),
    /// An input the population does not hold, or holds for fewer persons.
    #[error("input #{0} is missing from the population")]
    MissingInput(usize),
}

impl EvalError {
    /// Exceptions labelled `labels` all hold and disagree.
    pub fn conflict<'a>(variable: &str, labels: impl Iterator<Item = &'a str>) -> EvalError {
        EvalError::Conflict {
            variable: variable.to_string(),
            labels: labels.collect::<Vec<_>>().join(", "),
        }
    }
}

/// One thing the explanation shows under a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<'p> {
    Parameter {
        name: &'p str,
        description: &'p str,
        value: Value,
        since: NaiveDate,
        reference: &'p str,
        placeholder: bool,
    },
    Compare {
        left: &'p str,
        left_value: Value,
        op: BinOp,
        right: &'p str,
        right_value: Value,
        held: bool,
    },
    Exception {
        label: &'p str,
        reference: &'p str,
        held: bool,
    },
    Uses {
        variable: VarId,
        member: Option<usize>,
    },
    /// A fact of the group the rule read (a claim's year so far, say): shown with its value, as
    /// it is not computed and has no tree of its own.
    Fact { label: &'p str, value: Value },
}

/// The computation of one variable for one member (or the household).
#[derive(Debug, Clone)]
pub struct Computation<'p> {
    pub variable: VarId,
    pub member: Option<usize>,
    pub result: Result<Value, EvalError>,
    pub since: Option<NaiveDate>,
    pub steps: Vec<Step<'p>>,
}

pub struct Evaluation<'p> {
    pub policy: &'p Policy,
    /// The day rules are evaluated for: the first day of the month.
    pub on: NaiveDate,
    /// Input values of each member, in the order of [`crate::inputs::inputs`].
    pub members: Vec<Vec<Value>>,
    /// Input values of the group as a whole, in the order of the policy's group inputs (none
    /// for a registry household).
    pub group: Vec<Value>,
    person_memo: Vec<Vec<Option<Result<Value, EvalError>>>>,
    household_memo: Vec<Option<Result<Value, EvalError>>>,
    tracing: bool,
    stack: Vec<Vec<Step<'p>>>,
    pub computations: Vec<Computation<'p>>,
}

type R = Result<Value, EvalError>;

impl<'p> Evaluation<'p> {
    pub fn new(
        policy: &'p Policy,
        on: NaiveDate,
        members: Vec<Vec<Value>>,
        tracing: bool,
    ) -> Evaluation<'p> {
        let n = policy.variables.len();
        Evaluation {
            person_memo: vec![vec![None; members.len()]; n],
            household_memo: vec![None; n],
            members,
            group: Vec::new(),
            policy,
            on,
            tracing,
            stack: Vec::new(),
            computations: Vec::new(),
        }
    }

    /// The same evaluation with the group's own facts (a claim's, say).
    pub fn with_group(mut self, group: Vec<Value>) -> Evaluation<'p> {
        self.group = group;
        self
    }

    fn step(&mut self, step: Step<'p>) {
        if self.tracing {
            if let Some(top) = self.stack.last_mut() {
                top.push(step);
            }
        }
    }

    /// The value of variable `id` for the household (`member` None) or one member.
    pub fn variable(&mut self, id: VarId, member: Option<usize>) -> R {
        let cached = self.memo(id, member).and_then(|slot| slot.clone());
        self.step(Step::Uses {
            variable: id,
            member,
        });
        if let Some(r) = cached {
            return r;
        }
        let policy = self.policy;
        let Some(variable) = policy.variables.get(id) else {
            return Err(EvalError::UnknownVariable(id));
        };
        if self.tracing {
            self.stack.push(Vec::new());
        }
        let formula = variable.formulas.iter().find(|f| f.since <= self.on);
        let result = match formula {
            None => Err(EvalError::NoFormula {
                variable: variable.name.clone(),
                on: self.on,
            }),
            Some(f) => match &f.rule {
                Rule::Expr(node) => self.eval(node, member).map(|v| widen_to(v, &variable.ty)),
                Rule::Default { base, exceptions } => {
                    let mut held = Vec::new();
                    let mut failure = None;
                    for e in exceptions {
                        match self.eval(&e.when, member) {
                            Ok(Value::Bool(h)) => {
                                self.step(Step::Exception {
                                    label: &e.label,
                                    reference: &e.reference,
                                    held: h,
                                });
                                if h {
                                    held.push(e);
                                }
                            }
                            Ok(_) => {}
                            Err(err) => {
                                failure = Some(err);
                                break;
                            }
                        }
                    }
                    if let Some(err) = failure {
                        Err(err)
                    } else if held.is_empty() {
                        match base {
                            Some(b) => self.eval(b, member).map(|v| widen_to(v, &variable.ty)),
                            None => Err(EvalError::NoRuleApplies {
                                variable: variable.name.clone(),
                            }),
                        }
                    } else {
                        let mut values = Vec::new();
                        let mut error = None;
                        for e in &held {
                            match self.eval(&e.then, member) {
                                Ok(v) => values.push(widen_to(v, &variable.ty)),
                                Err(err) => error = Some(err),
                            }
                        }
                        match error {
                            Some(err) => Err(err),
                            None => match values.split_first() {
                                Some((first, rest)) if rest.iter().all(|v| v == first) => {
                                    Ok(*first)
                                }
                                _ => Err(EvalError::conflict(
                                    &variable.name,
                                    held.iter().map(|e| e.label.as_str()),
                                )),
                            },
                        }
                    }
                }
            },
        };
        if self.tracing {
            let steps = self.stack.pop().unwrap_or_default();
            self.computations.push(Computation {
                variable: id,
                member,
                result: result.clone(),
                since: formula.map(|f| f.since),
                steps,
            });
        }
        if let Some(slot) = self.memo(id, member) {
            *slot = Some(result.clone());
        }
        result
    }

    /// Where the value of variable `id` for the household or one member is kept once known.
    fn memo(&mut self, id: VarId, member: Option<usize>) -> Option<&mut Option<R>> {
        match member {
            Some(m) => self.person_memo.get_mut(id)?.get_mut(m),
            None => self.household_memo.get_mut(id),
        }
    }

    pub(crate) fn eval(&mut self, node: &'p Node, member: Option<usize>) -> R {
        match &node.ir {
            Ir::Const(v) => Ok(*v),
            Ir::Input(i) => Ok(member
                .and_then(|m| self.members.get(m))
                .and_then(|values| values.get(*i).copied())
                .unwrap_or(Value::Bool(false))),
            Ir::GroupInput(i) => {
                let value = self
                    .group
                    .get(*i)
                    .copied()
                    .ok_or(EvalError::MissingInput(*i))?;
                // A code shows in the comparison or the parameter it selects; an amount or a
                // yes/no has no other place to show.
                if !matches!(value, Value::Enum(..)) {
                    let label = (self.policy.entities.group_inputs.get(*i)).map_or("", |f| f.label);
                    self.step(Step::Fact { label, value });
                }
                Ok(value)
            }
            Ir::MemberVar(v) => self.variable(*v, member),
            Ir::GroupVar(v) => self.variable(*v, None),
            Ir::Param { leaves, index } => {
                let leaf = match index {
                    None => leaves.first(),
                    Some(i) => match self.eval(i, member)? {
                        Value::Enum(_, code) => leaves.get(usize::from(code)),
                        _ => None,
                    },
                };
                let policy = self.policy;
                let parameter = leaf.and_then(|l| policy.parameters.leaves.get(l));
                let dated = parameter.and_then(|p| p.at(self.on));
                match (parameter, dated) {
                    (Some(p), Some(d)) => {
                        let value = d.value.unwrap_or(Value::Bool(false));
                        self.step(Step::Parameter {
                            name: &p.name,
                            description: &p.description,
                            value,
                            since: d.since,
                            reference: &d.reference,
                            placeholder: d.placeholder,
                        });
                        Ok(value)
                    }
                    _ => Err(EvalError::NoParameter {
                        name: leaf.cloned().unwrap_or_default(),
                        on: self.on,
                    }),
                }
            }
            Ir::Neg(a) => match self.eval(a, member)? {
                Value::Int(i) => Ok(Value::Int(-i)),
                Value::Number(n) => Ok(Value::Number(Number(-n.0))),
                Value::Money(m) => Ok(Value::Money(Fen(-m.0))),
                other => Ok(other),
            },
            Ir::Not(a) => Ok(Value::Bool(
                !self.eval(a, member)?.as_bool().unwrap_or(false),
            )),
            Ir::If(c, a, b) => {
                if self.eval(c, member)?.as_bool().unwrap_or(false) {
                    self.eval(a, member).map(|v| widen(v, node))
                } else {
                    self.eval(b, member).map(|v| widen(v, node))
                }
            }
            Ir::Binary(op, a, b) => {
                if matches!(op, BinOp::And | BinOp::Or) {
                    let left = self.eval(a, member)?.as_bool().unwrap_or(false);
                    if (*op == BinOp::And && !left) || (*op == BinOp::Or && left) {
                        return Ok(Value::Bool(left));
                    }
                    return Ok(Value::Bool(
                        self.eval(b, member)?.as_bool().unwrap_or(false),
                    ));
                }
                let (left, right) = (self.eval(a, member)?, self.eval(b, member)?);
                if op.is_comparison() {
                    let held = compare(*op, left, right);
                    self.step(Step::Compare {
                        left: &a.shown,
                        left_value: left,
                        op: *op,
                        right: &b.shown,
                        right_value: right,
                        held,
                    });
                    return Ok(Value::Bool(held));
                }
                arithmetic(*op, left, right).ok_or_else(|| match (op, right) {
                    (
                        BinOp::Div,
                        Value::Int(0) | Value::Number(Number(0)) | Value::Money(Fen(0)),
                    ) => EvalError::DivisionByZero {
                        shown: node.shown.clone(),
                    },
                    _ => EvalError::Overflow {
                        shown: node.shown.clone(),
                    },
                })
            }
            Ir::Extreme { max, args } => {
                let mut best: Option<Value> = None;
                for a in args {
                    let v = widen(self.eval(a, member)?, node);
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let greater = compare(BinOp::Gt, v, b);
                            if greater == *max {
                                v
                            } else {
                                b
                            }
                        }
                    });
                }
                Ok(best.unwrap_or(Value::Int(0)))
            }
            Ir::Members {
                aggregate,
                filter,
                body,
            } => {
                let mut acc: Option<Value> = None;
                let mut count = 0i64;
                for m in 0..self.members.len() {
                    if let Some(f) = filter {
                        if !self.eval(f, Some(m))?.as_bool().unwrap_or(false) {
                            continue;
                        }
                    }
                    count += 1;
                    let Some(body) = body else { continue };
                    let v = self.eval(body, Some(m))?;
                    acc = Some(match (aggregate, acc) {
                        (_, None) => v,
                        (Aggregate::Sum, Some(a)) => {
                            arithmetic(BinOp::Add, a, v).ok_or_else(|| EvalError::Overflow {
                                shown: node.shown.clone(),
                            })?
                        }
                        (Aggregate::Any, Some(a)) => Value::Bool(
                            a.as_bool().unwrap_or(false) || v.as_bool().unwrap_or(false),
                        ),
                        (Aggregate::All, Some(a)) => Value::Bool(
                            a.as_bool().unwrap_or(false) && v.as_bool().unwrap_or(false),
                        ),
                        (Aggregate::Max, Some(a)) => {
                            if compare(BinOp::Gt, v, a) {
                                v
                            } else {
                                a
                            }
                        }
                        (Aggregate::Min, Some(a)) => {
                            if compare(BinOp::Lt, v, a) {
                                v
                            } else {
                                a
                            }
                        }
                        (Aggregate::Count, Some(a)) => a,
                    });
                }
                Ok(match (aggregate, acc) {
                    (Aggregate::Count, _) => Value::Int(count),
                    (_, Some(v)) => v,
                    (Aggregate::Any, None) => Value::Bool(false),
                    (Aggregate::All, None) => Value::Bool(true),
                    // Nobody to sum over: zero of the body's type.
                    (_, None) => zero(node),
                })
            }
        }
    }
}

fn zero(node: &Node) -> Value {
    match node.ty {
        crate::value::Type::Money => Value::Money(Fen(0)),
        crate::value::Type::Number => Value::Number(Number(0)),
        _ => Value::Int(0),
    }
}

/// An int where the node is a number (if/min/max mixing the two).
fn widen(v: Value, node: &Node) -> Value {
    widen_to(v, &node.ty)
}

fn widen_to(v: Value, ty: &crate::value::Type) -> Value {
    match (v, ty) {
        (Value::Int(i), crate::value::Type::Number) => Value::Number(Number::from_int(i)),
        _ => v,
    }
}

/// Exact rational view of a numeric value: (numerator, denominator).
fn ratio(v: Value) -> Option<(i128, i128)> {
    match v {
        Value::Int(i) => Some((i128::from(i), 1)),
        Value::Number(n) => Some((i128::from(n.0), i128::from(Number::SCALE))),
        Value::Money(m) => Some((i128::from(m.0), 1)),
        _ => None,
    }
}

pub fn compare(op: BinOp, a: Value, b: Value) -> bool {
    let ordering = match (ratio(a), ratio(b)) {
        (Some((an, ad)), Some((bn, bd))) => (an * bd).cmp(&(bn * ad)),
        _ => {
            let equal = a == b;
            return match op {
                BinOp::Eq => equal,
                BinOp::Ne => !equal,
                _ => false,
            };
        }
    };
    use std::cmp::Ordering::*;
    match op {
        BinOp::Lt => ordering == Less,
        BinOp::Le => ordering != Greater,
        BinOp::Gt => ordering == Greater,
        BinOp::Ge => ordering != Less,
        BinOp::Eq => ordering == Equal,
        BinOp::Ne => ordering != Equal,
        _ => false,
    }
}

fn fits(n: i128) -> Option<i64> {
    i64::try_from(n).ok()
}

/// Exact arithmetic; money results are rounded half away from zero to the fen. `None` on
/// overflow or division by zero.
pub fn arithmetic(op: BinOp, a: Value, b: Value) -> Option<Value> {
    use Value::*;
    let scale = i128::from(crate::value::Number::SCALE);
    Some(match (op, a, b) {
        (BinOp::Add, Money(x), Money(y)) => Money(Fen(x.0.checked_add(y.0)?)),
        (BinOp::Sub, Money(x), Money(y)) => Money(Fen(x.0.checked_sub(y.0)?)),
        (BinOp::Add, Int(x), Int(y)) => Int(x.checked_add(y)?),
        (BinOp::Sub, Int(x), Int(y)) => Int(x.checked_sub(y)?),
        (BinOp::Mul, Int(x), Int(y)) => Int(x.checked_mul(y)?),
        (BinOp::Mul, Money(m), Int(k)) | (BinOp::Mul, Int(k), Money(m)) => {
            Money(Fen(m.0.checked_mul(k)?))
        }
        (BinOp::Mul, Money(m), Number(n)) | (BinOp::Mul, Number(n), Money(m)) => Money(Fen(fits(
            div_round(i128::from(m.0) * i128::from(n.0), scale)?,
        )?)),
        (BinOp::Div, Money(m), Int(k)) => {
            Money(Fen(fits(div_round(i128::from(m.0), i128::from(k))?)?))
        }
        (BinOp::Div, Money(m), Number(n)) => Money(Fen(fits(div_round(
            i128::from(m.0) * scale,
            i128::from(n.0),
        )?)?)),
        (BinOp::Div, Money(x), Money(y)) => Number(crate::value::Number(fits(div_round(
            i128::from(x.0) * scale,
            i128::from(y.0),
        )?)?)),
        (op, x, y) => {
            // Numbers (ints widened).
            let (xn, xd) = ratio(x)?;
            let (yn, yd) = ratio(y)?;
            let (xs, ys) = (xn * scale / xd, yn * scale / yd);
            let r = match op {
                BinOp::Add => xs + ys,
                BinOp::Sub => xs - ys,
                BinOp::Mul => div_round(xs * ys, scale)?,
                BinOp::Div => div_round(xs * scale, ys)?,
                _ => return None,
            };
            Number(crate::value::Number(fits(r)?))
        }
    })
}

/// Which entity a variable is computed for.
pub fn members_of(policy: &Policy, id: VarId, members: usize) -> Vec<Option<usize>> {
    match policy.variables.get(id).map(|v| v.entity) {
        Some(Entity::Member) => (0..members).map(Some).collect(),
        Some(Entity::Group) | None => vec![None],
    }
}

impl<'p> Evaluation<'p> {
    /// An evaluation of a registry household for `month`: members as [`HouseholdFile::as_of`]
    /// gives them for the month's first day.
    ///
    /// [`HouseholdFile::as_of`]: minsheng_core::registry::HouseholdFile::as_of
    pub fn of_household(
        policy: &'p Policy,
        month: minsheng_core::Month,
        members: &[(
            &minsheng_core::registry::Person,
            &minsheng_core::registry::PersonFacts,
        )],
        tracing: bool,
    ) -> Evaluation<'p> {
        let inputs = members
            .iter()
            .map(|(p, f)| crate::inputs::member_values(p, f, month, policy.serious_illnesses))
            .collect();
        Evaluation::new(policy, month.first_day(), inputs, tracing)
    }
}
