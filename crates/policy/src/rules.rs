//! Variables and their formulas: loaded from YAML, names resolved and types checked into an
//! intermediate form ([`Node`]) that both the explaining interpreter and the batch executor run.

use std::collections::HashMap;

use chrono::NaiveDate;
use marked_yaml::types::MarkedMappingNode;
use marked_yaml::Node as Yaml;
use minsheng_core::Fen;

use crate::parameters::Parameters;
use crate::syntax::{self, Aggregate, BinOp, Expr, ExprKind, Span};
use crate::value::{Number, Type, Value};
use crate::{Diagnostics, Location};

/// The two levels every formula lives at: a group and its members. Which things they are is
/// the policy's to declare ([`crate::entities`]): a household and its persons for the
/// assistance catalog, a claim and its lines for medical settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// One of the group's members (a person of a household, a line of a claim).
    Member,
    /// The group as a whole (a household, a claim).
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Month,
    Year,
}

pub type VarId = usize;

/// The start of a formula given without a date (`formula:`): it has always applied.
pub const BEGINNING: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub label: String,
    pub entity: Entity,
    pub period: Period,
    pub ty: Type,
    pub reference: String,
    /// A benefit or status the system decides (`program: true`): what explanations start
    /// from, simulations report and the batch computes.
    pub program: bool,
    /// Paid once when decided (`one_off: true`, e.g. temporary assistance), not every month:
    /// a simulation reports it as the month's grants, never as a monthly cost times twelve.
    pub one_off: bool,
    /// Newest first: the first whose start is on or before the date applies.
    pub formulas: Vec<Formula>,
    pub location: Location,
}

impl Variable {
    /// The variables its formulas read, at any date.
    pub fn dependencies(&self) -> Vec<VarId> {
        let mut out = Vec::new();
        self.roots().for_each(|n| n.dependencies(&mut out));
        out.into_iter().map(|(_, id)| id).collect()
    }

    /// The inputs its formulas read themselves (not through other variables), at any date.
    pub fn inputs(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.roots().for_each(|n| n.inputs(&mut out));
        out
    }

    /// The top node of every expression of every formula.
    fn roots(&self) -> impl Iterator<Item = &Node> {
        self.formulas.iter().flat_map(|f| -> Vec<&Node> {
            match &f.rule {
                Rule::Expr(n) => vec![n],
                Rule::Default { base, exceptions } => base
                    .iter()
                    .chain(exceptions.iter().flat_map(|e| [&e.when, &e.then]))
                    .collect(),
            }
        })
    }
}

#[derive(Debug, Clone)]
pub struct Formula {
    pub since: NaiveDate,
    pub rule: Rule,
}

#[derive(Debug, Clone)]
pub enum Rule {
    Expr(Node),
    /// A base rule and exceptions (Catala's default logic): the exceptions that hold decide;
    /// if none holds, the default; if none holds and there is no default, no rule applies;
    /// if several hold with different values, they conflict. Neither is ever resolved silently.
    Default {
        base: Option<Node>,
        exceptions: Vec<Exception>,
    },
}

#[derive(Debug, Clone)]
pub struct Exception {
    pub label: String,
    pub reference: String,
    pub when: Node,
    pub then: Node,
}

/// A checked expression: what it computes, its type, and the text to show for it.
#[derive(Debug, Clone)]
pub struct Node {
    pub ir: Ir,
    pub ty: Type,
    /// The label of the variable or parameter it names, else its source text.
    pub shown: String,
}

#[derive(Debug, Clone)]
pub enum Ir {
    Const(Value),
    /// An input of the member in context.
    Input(usize),
    /// An input of the group (a fact of the claim as a whole).
    GroupInput(usize),
    /// A person variable of the member in context.
    MemberVar(VarId),
    GroupVar(VarId),
    /// A parameter; with an index, one leaf per enum code.
    Param {
        leaves: Vec<String>,
        index: Option<Box<Node>>,
    },
    Neg(Box<Node>),
    Not(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    If(Box<Node>, Box<Node>, Box<Node>),
    Extreme {
        max: bool,
        args: Vec<Node>,
    },
    Members {
        aggregate: Aggregate,
        filter: Option<Box<Node>>,
        body: Option<Box<Node>>,
    },
}

impl Node {
    /// Variables this node reads (for cycle detection).
    pub fn dependencies(&self, out: &mut Vec<(Entity, VarId)>) {
        match &self.ir {
            Ir::MemberVar(v) => out.push((Entity::Member, *v)),
            Ir::GroupVar(v) => out.push((Entity::Group, *v)),
            _ => self.children(|n| n.dependencies(out)),
        }
    }

    /// Inputs this node reads.
    pub fn inputs(&self, out: &mut Vec<usize>) {
        match &self.ir {
            Ir::Input(i) => out.push(*i),
            _ => self.children(|n| n.inputs(out)),
        }
    }

    /// Calls `visit` on each direct sub-node.
    fn children(&self, mut visit: impl FnMut(&Node)) {
        match &self.ir {
            Ir::Const(_)
            | Ir::Input(_)
            | Ir::GroupInput(_)
            | Ir::MemberVar(_)
            | Ir::GroupVar(_) => {}
            Ir::Param { index, .. } => index.iter().for_each(|i| visit(i)),
            Ir::Neg(a) | Ir::Not(a) => visit(a),
            Ir::Binary(_, a, b) => {
                visit(a);
                visit(b);
            }
            Ir::If(c, a, b) => {
                visit(c);
                visit(a);
                visit(b);
            }
            Ir::Extreme { args, .. } => args.iter().for_each(visit),
            Ir::Members { filter, body, .. } => {
                filter.iter().for_each(|f| visit(f));
                body.iter().for_each(|b| visit(b));
            }
        }
    }
}

/// Everything a formula can name.
pub struct Scope<'a> {
    pub entities: &'a crate::entities::Entities,
    pub parameters: &'a Parameters,
    pub variables: &'a HashMap<String, (VarId, Entity, Type, String)>,
}

/// Where a formula's text sits in its file, to turn spans into lines and columns.
#[derive(Clone)]
pub struct Source<'a> {
    pub text: &'a str,
    pub at: Location,
}

impl Source<'_> {
    fn locate(&self, span: Span) -> Location {
        let before = &self.text[..span.start.min(self.text.len())];
        let newlines = before.matches('\n').count();
        let mut at = self.at.clone();
        if newlines == 0 {
            at.column += before.chars().count();
        } else {
            at.line += newlines;
            at.column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        }
        at
    }
}

pub struct Checker<'a, 'd> {
    pub scope: &'a Scope<'a>,
    pub diagnostics: &'d mut Diagnostics,
}

type Checked = Option<Node>;

impl Checker<'_, '_> {
    /// Parses and checks `source` as a formula of `expected` type for `entity`.
    pub fn formula(&mut self, source: &Source, entity: Entity, expected: &Type) -> Checked {
        let expr = match syntax::parse(source.text) {
            Ok(e) => e,
            Err(e) => {
                self.diagnostics.push(source.locate(e.span), e.message);
                return None;
            }
        };
        let node = self.expr(source, &expr, entity)?;
        if &node.ty != expected && !(expected == &Type::Number && node.ty == Type::Int) {
            self.diagnostics.push(
                source.locate(expr.span),
                format!(
                    "this formula gives {}, but the variable is {}",
                    node.ty, expected
                ),
            );
            return None;
        }
        Some(node)
    }

    fn error(&mut self, source: &Source, span: Span, message: String) -> Checked {
        self.diagnostics.push(source.locate(span), message);
        None
    }

    fn expr(&mut self, source: &Source, e: &Expr, entity: Entity) -> Checked {
        // A literal shows as its value alone.
        let literal = matches!(
            e.kind,
            ExprKind::Int(_) | ExprKind::Decimal(_) | ExprKind::Yuan(_) | ExprKind::Bool(_)
        );
        let shown = if literal {
            String::new()
        } else {
            source.text[e.span.start..e.span.end].to_string()
        };
        let node = |ir, ty| {
            Some(Node {
                ir,
                ty,
                shown: shown.clone(),
            })
        };
        match &e.kind {
            ExprKind::Int(i) => node(Ir::Const(Value::Int(*i)), Type::Int),
            ExprKind::Decimal(d) => match Number::parse(d) {
                Some(n) => node(Ir::Const(Value::Number(n)), Type::Number),
                None => self.error(source, e.span, format!("{d} has more than four decimals")),
            },
            ExprKind::Yuan(y) => match Fen::parse_yuan(y) {
                Ok(f) => node(Ir::Const(Value::Money(f)), Type::Money),
                Err(err) => self.error(source, e.span, format!("{y}元: {err}")),
            },
            ExprKind::Bool(b) => node(Ir::Const(Value::Bool(*b)), Type::Bool),
            ExprKind::Code(c) => self.error(
                source,
                e.span,
                format!("the code '{c}' can only be compared with a coded value (== or !=)"),
            ),
            ExprKind::Path(path) => self.path(source, e.span, path, None, entity),
            ExprKind::Index(target, index) => match &target.kind {
                ExprKind::Path(path) => self.path(source, e.span, path, Some(index), entity),
                _ => self.error(source, e.span, "only a parameter can be indexed".into()),
            },
            ExprKind::Neg(inner) => {
                let inner = self.expr(source, inner, entity)?;
                if !matches!(inner.ty, Type::Int | Type::Number | Type::Money) {
                    return self.error(source, e.span, format!("cannot negate a {}", inner.ty));
                }
                let ty = inner.ty.clone();
                node(Ir::Neg(Box::new(inner)), ty)
            }
            ExprKind::Not(inner) => {
                let inner = self.expr(source, inner, entity)?;
                if inner.ty != Type::Bool {
                    return self.error(
                        source,
                        e.span,
                        format!("'not' needs a yes/no, found {}", inner.ty),
                    );
                }
                node(Ir::Not(Box::new(inner)), Type::Bool)
            }
            ExprKind::Binary(op, a, b) => self.binary(source, e, *op, a, b, entity),
            ExprKind::If(c, a, b) => {
                let (c, a, b) = (
                    self.expr(source, c, entity),
                    self.expr(source, a, entity),
                    self.expr(source, b, entity),
                );
                let (c, a, b) = (c?, a?, b?);
                if c.ty != Type::Bool {
                    return self.error(
                        source,
                        e.span,
                        format!("'if' needs a yes/no condition, found {}", c.ty),
                    );
                }
                let Some(ty) = common_type(&a.ty, &b.ty) else {
                    return self.error(
                        source,
                        e.span,
                        format!("'then' gives {} but 'else' gives {}", a.ty, b.ty),
                    );
                };
                node(Ir::If(Box::new(c), Box::new(a), Box::new(b)), ty)
            }
            ExprKind::Extreme { max, args } => {
                let checked: Vec<Checked> =
                    args.iter().map(|a| self.expr(source, a, entity)).collect();
                let args: Vec<Node> = checked.into_iter().collect::<Option<_>>()?;
                let Some((first, rest)) = args.split_first() else {
                    return self.error(source, e.span, "min/max of nothing".to_string());
                };
                let mut ty = first.ty.clone();
                for a in rest {
                    match common_type(&ty, &a.ty) {
                        Some(t) if t != Type::Bool && !matches!(t, Type::Enum(_)) => ty = t,
                        _ => {
                            return self.error(
                                source,
                                e.span,
                                format!("min/max over {} and {}", ty, a.ty),
                            )
                        }
                    }
                }
                node(Ir::Extreme { max: *max, args }, ty)
            }
            ExprKind::Members {
                aggregate,
                over,
                filter,
                body,
            } => {
                let (group, member) = (&self.scope.entities.group, &self.scope.entities.member);
                if over != member.plural {
                    return self.error(
                        source,
                        e.span,
                        format!(
                            "'{over}' is not what this policy's members are called: {}({} …)",
                            aggregate.name(),
                            member.plural
                        ),
                    );
                }
                if entity != Entity::Group {
                    return self.error(
                        source,
                        e.span,
                        format!(
                            "sum/count/any/all/max/min over {} belong in {} formulas",
                            member.plural, group.name
                        ),
                    );
                }
                let filter = match filter {
                    Some(f) => {
                        let f = self.expr(source, f, Entity::Member)?;
                        if f.ty != Type::Bool {
                            return self.error(
                                source,
                                e.span,
                                format!("'where' needs a yes/no, found {}", f.ty),
                            );
                        }
                        Some(Box::new(f))
                    }
                    None => None,
                };
                let body = match body {
                    Some(b) => Some(Box::new(self.expr(source, b, Entity::Member)?)),
                    None => None,
                };
                let ty = match (aggregate, &body) {
                    (Aggregate::Count, None) => Type::Int,
                    (Aggregate::Count, Some(_)) => {
                        return self.error(
                            source,
                            e.span,
                            format!(
                                "count({} where …) takes a condition, not a value",
                                member.plural
                            ),
                        )
                    }
                    (_, None) => {
                        return self.error(
                            source,
                            e.span,
                            format!(
                                "{}({} …: value) needs a value after ':'",
                                aggregate.name(),
                                member.plural
                            ),
                        )
                    }
                    (Aggregate::Any | Aggregate::All, Some(b)) if b.ty == Type::Bool => Type::Bool,
                    (Aggregate::Sum | Aggregate::Max | Aggregate::Min, Some(b))
                        if b.ty.is_numeric() || b.ty == Type::Money =>
                    {
                        b.ty.clone()
                    }
                    (agg, Some(b)) => {
                        return self.error(
                            source,
                            e.span,
                            format!("{} cannot go over {} values", agg.name(), b.ty),
                        )
                    }
                };
                node(
                    Ir::Members {
                        aggregate: *aggregate,
                        filter,
                        body,
                    },
                    ty,
                )
            }
        }
    }

    fn path(
        &mut self,
        source: &Source,
        span: Span,
        path: &[String],
        index: Option<&Expr>,
        entity: Entity,
    ) -> Checked {
        let full = path.join(".");
        if let [p, parameter @ ..] = path {
            if p == "p" && !parameter.is_empty() {
                return self.parameter(source, span, &parameter.join("."), index, entity);
            }
        }
        if index.is_some() {
            return self.error(
                source,
                span,
                format!("{full} is not a parameter: it cannot be indexed"),
            );
        }
        let (entities, group, member) = (
            self.scope.entities,
            self.scope.entities.group.name,
            self.scope.entities.member.plural,
        );
        let hint = format!("parameters start with 'p.', {group} variables with '{group}.'");
        let found = |ir, ty: &Type, label: &str| {
            Some(Node {
                ir,
                ty: ty.clone(),
                shown: label.to_string(),
            })
        };
        let group_input =
            |name: &str| (entities.group_inputs.iter().enumerate()).find(|(_, i)| i.name == name);
        if let [prefix, name] = path {
            if prefix != group {
                return self.error(source, span, format!("unknown name '{full}' ({hint})"));
            }
            if let Some((i, input)) = group_input(name) {
                return found(Ir::GroupInput(i), &input.ty, input.label);
            }
            return match self.scope.variables.get(name) {
                Some((id, Entity::Group, ty, label)) => found(Ir::GroupVar(*id), ty, label),
                Some(_) => self.error(
                    source,
                    span,
                    format!(
                        "{name} is a {} variable, not a {group} one",
                        entities.member.name
                    ),
                ),
                None => self.error(source, span, format!("unknown {group} variable '{name}'")),
            };
        }
        let [name] = path else {
            return self.error(source, span, format!("unknown name '{full}' ({hint})"));
        };
        if let Some((i, input)) =
            (entities.member_inputs.iter().enumerate()).find(|(_, i)| i.name == name.as_str())
        {
            if entity == Entity::Group {
                return self.error(source, span, format!("{name} is a fact of each member: use it inside sum/count/any/all/max/min({member} …)"));
            }
            return found(Ir::Input(i), &input.ty, input.label);
        }
        if let Some((i, input)) = group_input(name) {
            if entity == Entity::Member {
                return self.error(
                    source,
                    span,
                    format!("{name} is a fact of the {group}: write {group}.{name}"),
                );
            }
            return found(Ir::GroupInput(i), &input.ty, input.label);
        }
        match self.scope.variables.get(name) {
            Some((id, Entity::Member, ty, label)) => {
                if entity == Entity::Group {
                    return self.error(source, span, format!("{name} is a {} variable: use it inside sum/count/any/all/max/min({member} …)", entities.member.name));
                }
                found(Ir::MemberVar(*id), ty, label)
            }
            Some((id, Entity::Group, ty, label)) => {
                if entity == Entity::Member {
                    return self.error(
                        source,
                        span,
                        format!("{name} is a {group} variable: write {group}.{name}"),
                    );
                }
                found(Ir::GroupVar(*id), ty, label)
            }
            None => self.error(source, span, format!("unknown name '{name}'")),
        }
    }

    fn parameter(
        &mut self,
        source: &Source,
        span: Span,
        name: &str,
        index: Option<&Expr>,
        entity: Entity,
    ) -> Checked {
        let parameters = self.scope.parameters;
        let Some(index) = index else {
            return match parameters.leaves.get(name) {
                Some(p) => Some(Node {
                    ir: Ir::Param {
                        leaves: vec![name.to_string()],
                        index: None,
                    },
                    ty: p.ty.clone(),
                    shown: if p.description.is_empty() {
                        name.to_string()
                    } else {
                        p.description.clone()
                    },
                }),
                None if parameters.nodes.contains_key(name) => self.error(
                    source,
                    span,
                    format!(
                        "p.{name} is a group of parameters: pick one, or index it by a coded value"
                    ),
                ),
                None => self.error(source, span, format!("unknown parameter 'p.{name}'")),
            };
        };
        let index = self.expr(source, index, entity)?;
        let Type::Enum(codes) = index.ty.clone() else {
            return self.error(
                source,
                span,
                format!(
                    "a parameter is indexed by a coded value, not by {}",
                    index.ty
                ),
            );
        };
        let mut leaves = Vec::new();
        let mut ty: Option<Type> = None;
        for code in codes.variants {
            let leaf = format!("{name}.{code}");
            match parameters.leaves.get(&leaf) {
                Some(p) => {
                    if ty.as_ref().is_some_and(|t| t != &p.ty) {
                        return self.error(
                            source,
                            span,
                            format!("the values of p.{name} differ in type"),
                        );
                    }
                    ty = Some(p.ty.clone());
                    leaves.push(leaf);
                }
                None => {
                    return self.error(
                        source,
                        span,
                        format!("p.{name} has no value for {} '{code}'", codes.name),
                    )
                }
            }
        }
        let ty = ty?;
        let shown = parameters
            .nodes
            .get(name)
            .filter(|d| !d.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("p.{name}"));
        Some(Node {
            ir: Ir::Param {
                leaves,
                index: Some(Box::new(index)),
            },
            ty,
            shown,
        })
    }

    fn binary(
        &mut self,
        source: &Source,
        e: &Expr,
        op: BinOp,
        a: &Expr,
        b: &Expr,
        entity: Entity,
    ) -> Checked {
        let shown = source.text[e.span.start..e.span.end].to_string();
        // A code is typed by what it is compared with.
        if matches!(op, BinOp::Eq | BinOp::Ne) {
            let coded = match (&a.kind, &b.kind) {
                (_, ExprKind::Code(c)) => Some((a, c, b.span)),
                (ExprKind::Code(c), _) => Some((b, c, a.span)),
                _ => None,
            };
            if let Some((other, code, code_span)) = coded {
                let other = self.expr(source, other, entity)?;
                let Type::Enum(codes) = other.ty.clone() else {
                    return self.error(
                        source,
                        code_span,
                        format!("'{code}' is a code, but {} is {}", other.shown, other.ty),
                    );
                };
                let Some(i) = codes.index_of(code) else {
                    return self.error(
                        source,
                        code_span,
                        format!(
                            "'{code}' is not a {} (one of: {})",
                            codes.name,
                            codes.variants.join(", ")
                        ),
                    );
                };
                let constant = Node {
                    ir: Ir::Const(Value::Enum(codes, i)),
                    ty: other.ty.clone(),
                    shown: String::new(),
                };
                return Some(Node {
                    ir: Ir::Binary(op, Box::new(other), Box::new(constant)),
                    ty: Type::Bool,
                    shown,
                });
            }
        }
        let (left, right) = (self.expr(source, a, entity), self.expr(source, b, entity));
        let (left, right) = (left?, right?);
        let (l, r) = (&left.ty, &right.ty);
        use Type::*;
        let ty = match op {
            BinOp::And | BinOp::Or => (l == &Bool && r == &Bool).then_some(Bool),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => (common_type(l, r)
                .is_some_and(|t| matches!(t, Int | Number | Money)))
            .then_some(Bool),
            BinOp::Eq | BinOp::Ne => common_type(l, r).map(|_| Bool),
            BinOp::Add | BinOp::Sub => match (l, r) {
                (Money, Money) => Some(Money),
                (Int, Int) => Some(Int),
                (Int | Number, Int | Number) => Some(Number),
                _ => None,
            },
            BinOp::Mul => match (l, r) {
                (Money, Int | Number) | (Int | Number, Money) => Some(Money),
                (Int, Int) => Some(Int),
                (Int | Number, Int | Number) => Some(Number),
                _ => None,
            },
            BinOp::Div => match (l, r) {
                (Money, Int | Number) => Some(Money),
                (Money, Money) | (Int | Number, Int | Number) => Some(Number),
                _ => None,
            },
        };
        match ty {
            Some(ty) => Some(Node {
                ir: Ir::Binary(op, Box::new(left), Box::new(right)),
                ty,
                shown,
            }),
            None => self.error(
                source,
                e.span,
                format!(
                    "'{}' does not apply to {} and {}",
                    op.symbol(),
                    left.ty,
                    right.ty
                ),
            ),
        }
    }
}

/// The type two branches or operands share: equal types, or int with number.
fn common_type(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        _ if a == b => Some(a.clone()),
        (Type::Int, Type::Number) | (Type::Number, Type::Int) => Some(Type::Number),
        _ => None,
    }
}

/// Reads the variable definitions of one file (without checking formulas, which may name
/// variables of other files).
pub struct Definition {
    pub variable: Variable,
    /// (since, formula source) pairs, checked once every variable is known.
    pub pending: Vec<(NaiveDate, PendingRule)>,
}

/// Label, reference, condition and value of an exception, as text with its place.
pub type PendingException = (String, String, Located, Located);

/// Formula text and where it starts.
pub type Located = (String, Location);

pub enum PendingRule {
    Expr(String, Location),
    Default {
        base: Option<(String, Location)>,
        exceptions: Vec<PendingException>,
    },
}

fn scalar_text(file: &str, node: &Yaml) -> Option<(String, Location)> {
    let s = node.as_scalar()?;
    Some((s.as_str().to_string(), Location::of(file, s.span().start())))
}

pub fn read_definitions(
    file: &str,
    text: &str,
    entities: &crate::entities::Entities,
    diagnostics: &mut Diagnostics,
) -> Vec<Definition> {
    let Some(map) = crate::yaml_mapping(
        file,
        text,
        "a variables file maps names to definitions",
        diagnostics,
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, def) in map.iter() {
        let at = Location::of(file, name.span().start());
        let Some(def) = def.as_mapping() else {
            diagnostics.push(
                at,
                format!(
                    "{}: a variable is a mapping (label, entity, period, type, reference, formula)",
                    name.as_str()
                ),
            );
            continue;
        };
        if let Some(d) = definition(file, name.as_str(), def, at, entities, diagnostics) {
            out.push(d);
        }
    }
    out
}

const VARIABLE_KEYS: &[&str] = &[
    "program",
    "one_off",
    "label",
    "entity",
    "period",
    "type",
    "reference",
    "formula",
    "formulas",
    "unit",
    "documentation",
];

fn definition(
    file: &str,
    name: &str,
    def: &MarkedMappingNode,
    at: Location,
    entities: &crate::entities::Entities,
    diagnostics: &mut Diagnostics,
) -> Option<Definition> {
    let field = |key: &str| def.get_scalar(key).map(|s| s.as_str().trim().to_string());
    let mut ok = true;
    for (key, node) in def.iter() {
        if !VARIABLE_KEYS.contains(&key.as_str()) {
            diagnostics.push(
                Location::of(file, node.span().start()),
                format!(
                    "{name}: unknown field '{}' (known: {})",
                    key.as_str(),
                    VARIABLE_KEYS.join(", ")
                ),
            );
            ok = false;
        }
    }
    let require = |key: &str, diagnostics: &mut Diagnostics| {
        let v = field(key);
        if v.as_deref().is_none_or(str::is_empty) {
            diagnostics.push(at.clone(), format!("{name}: '{key}' is missing"));
        }
        v
    };
    let label = require("label", diagnostics);
    let entity = require("entity", diagnostics);
    let period = require("period", diagnostics);
    let ty = require("type", diagnostics);
    let reference = require("reference", diagnostics);
    let entity = match entity.as_deref() {
        Some(e) => match entities.level(e) {
            Some(level) => Some(level),
            None => {
                diagnostics.push(
                    at.clone(),
                    format!(
                        "{name}: entity '{e}' is neither {} nor {}",
                        entities.member.name, entities.group.name
                    ),
                );
                None
            }
        },
        None => None,
    };
    let period = match period.as_deref() {
        Some("month") => Some(Period::Month),
        Some("year") => Some(Period::Year),
        Some(other) => {
            diagnostics.push(
                at.clone(),
                format!("{name}: period '{other}' is neither month nor year"),
            );
            None
        }
        None => None,
    };
    let ty = match ty.as_deref() {
        Some(t) => match Type::parse(t) {
            Some(t) => Some(t),
            None => {
                diagnostics.push(at.clone(), format!("{name}: unknown type '{t}'"));
                None
            }
        },
        None => None,
    };
    let mut pending = Vec::new();
    let beginning = BEGINNING;
    match (def.get_node("formula"), def.get_mapping("formulas")) {
        (Some(f), None) => pending.push((beginning, rule(file, name, f, diagnostics)?)),
        (None, Some(dated)) => {
            for (date, f) in dated.iter() {
                let Ok(since) = NaiveDate::parse_from_str(date.as_str(), "%Y-%m-%d") else {
                    diagnostics.push(
                        Location::of(file, date.span().start()),
                        format!(
                            "{name}: '{}' is not a start date (YYYY-MM-DD)",
                            date.as_str()
                        ),
                    );
                    ok = false;
                    continue;
                };
                match rule(file, name, f, diagnostics) {
                    Some(r) => pending.push((since, r)),
                    None => ok = false,
                }
            }
        }
        (Some(_), Some(_)) => {
            diagnostics.push(
                at.clone(),
                format!("{name}: give either 'formula' or dated 'formulas', not both"),
            );
            ok = false;
        }
        (None, None) => {
            diagnostics.push(at.clone(), format!("{name}: no formula (inputs come from the registry; a variable needs 'formula' or 'formulas')"));
            ok = false;
        }
    }
    pending.sort_by_key(|p| std::cmp::Reverse(p.0));
    let (label, entity, period, ty, reference) = (label?, entity?, period?, ty?, reference?);
    let one_off = def
        .get_scalar("one_off")
        .and_then(marked_yaml::types::MarkedScalarNode::as_bool)
        .unwrap_or(false);
    if one_off && ty != Type::Money {
        diagnostics.push(
            at.clone(),
            format!("{name}: 'one_off' is for amounts of money, and this is a {ty}"),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    Some(Definition {
        variable: Variable {
            name: name.to_string(),
            label,
            entity,
            period,
            ty,
            reference,
            program: def
                .get_scalar("program")
                .and_then(marked_yaml::types::MarkedScalarNode::as_bool)
                .unwrap_or(false),
            one_off,
            formulas: Vec::new(),
            location: at,
        },
        pending,
    })
}

fn rule(file: &str, name: &str, node: &Yaml, diagnostics: &mut Diagnostics) -> Option<PendingRule> {
    if let Some(text) = scalar_text(file, node) {
        return Some(PendingRule::Expr(text.0, text.1));
    }
    let Some(map) = node.as_mapping() else {
        diagnostics.push(
            Location::of(file, node.span().start()),
            format!(
                "{name}: a formula is an expression or a mapping with 'default' and 'exceptions'"
            ),
        );
        return None;
    };
    let base = map.get_node("default").and_then(|n| scalar_text(file, n));
    let mut exceptions = Vec::new();
    if let Some(list) = map.get_sequence("exceptions") {
        for item in list.iter() {
            let at = Location::of(file, item.span().start());
            let Some(e) = item.as_mapping() else {
                diagnostics.push(
                    at,
                    format!("{name}: an exception has label, when, then and reference"),
                );
                continue;
            };
            let text = |k: &str| e.get_node(k).and_then(|n| scalar_text(file, n));
            match (text("label"), text("when"), text("then"), text("reference")) {
                (Some(label), Some(when), Some(then), Some(reference)) => {
                    exceptions.push((label.0, reference.0, when, then))
                }
                _ => diagnostics.push(
                    at,
                    format!("{name}: an exception needs label, when, then and reference"),
                ),
            }
        }
    }
    if base.is_none() && exceptions.is_empty() {
        diagnostics.push(
            Location::of(file, node.span().start()),
            format!("{name}: a rule needs a default or exceptions"),
        );
        return None;
    }
    Some(PendingRule::Default { base, exceptions })
}

impl Checker<'_, '_> {
    pub fn rule(&mut self, pending: &PendingRule, variable: &Variable) -> Option<Rule> {
        let check = |checker: &mut Self, (text, at): &(String, Location), ty: &Type| {
            checker.formula(
                &Source {
                    text,
                    at: at.clone(),
                },
                variable.entity,
                ty,
            )
        };
        match pending {
            PendingRule::Expr(text, at) => Some(Rule::Expr(check(
                self,
                &(text.clone(), at.clone()),
                &variable.ty,
            )?)),
            PendingRule::Default { base, exceptions } => {
                let base = match base {
                    Some(b) => Some(check(self, b, &variable.ty)?),
                    None => None,
                };
                let mut checked = Vec::new();
                let mut ok = true;
                for (label, reference, when, then) in exceptions {
                    let when = check(self, when, &Type::Bool);
                    let then = check(self, then, &variable.ty);
                    match (when, then) {
                        (Some(when), Some(then)) => checked.push(Exception {
                            label: label.clone(),
                            reference: reference.clone(),
                            when,
                            then,
                        }),
                        _ => ok = false,
                    }
                }
                ok.then_some(Rule::Default {
                    base,
                    exceptions: checked,
                })
            }
        }
    }
}
