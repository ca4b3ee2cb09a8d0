//! What a policy's formulas are about, declared in data as OpenFisca's country packages declare
//! their entities. Every formula lives at one of two levels, a group and its members
//! ([`crate::Entity`]); a policy says which things those are.
//!
//! Without `entities.yaml` a policy is about the registry: households and their persons, the
//! persons' facts read from the registry ([`crate::inputs`]). With it, a policy declares both
//! levels and the facts each carries — the medical settlement's claim and its lines:
//!
//! ```yaml
//! claim:
//!   label: 就医结算
//!   inputs:
//!     scheme: {label: 险种, codes: [employee, resident]}
//!     deductible_paid: {label: 本年度已付起付线, type: money}
//! line:
//!   label: 费用明细
//!   plural: lines
//!   of: claim
//!   inputs:
//!     class: {label: 目录类别, codes: [a, b, c, outside]}
//!     amount: {label: 金额, type: money}
//! ```
//!
//! A group formula aggregates over its members by their plural (`sum(lines where …: …)`), and
//! a member formula reads its group's facts and variables as `claim.name`.
//!
//! Names, labels and code lists declared here live as long as the process (they are leaked
//! into `'static`, which is what the registry's own inputs are): a process loads a policy a
//! handful of times, not in a loop.

use marked_yaml::types::MarkedMappingNode;

use crate::inputs::Input;
use crate::value::{EnumType, Type};
use crate::{Diagnostics, Location};

/// The file at a policy's root that declares its entities.
pub const ENTITIES_FILE: &str = "entities.yaml";

/// One level's name, as formulas, test files and explanations use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// What a formula writes before a dot to reach the group (`household.x`, `claim.x`).
    pub name: &'static str,
    /// What an aggregate goes over (`members`, `lines`), and a rule test's list of them.
    pub plural: &'static str,
    /// For people: 家庭, 就医结算, 费用明细.
    pub label: &'static str,
}

#[derive(Debug, Clone)]
pub struct Entities {
    pub group: Declared,
    pub member: Declared,
    /// Facts of each member, in the order an evaluation is given them.
    pub member_inputs: Vec<Input>,
    /// Facts of the group as a whole, in the order an evaluation is given them.
    pub group_inputs: Vec<Input>,
    /// Whether this is the registry's model (households of persons, inputs from the registry).
    pub registry: bool,
}

impl Entities {
    /// Households and their persons, with the registry's facts.
    pub fn registry() -> Entities {
        Entities {
            group: Declared {
                name: "household",
                plural: "households",
                label: "家庭",
            },
            member: Declared {
                name: "person",
                plural: "members",
                label: "成员",
            },
            member_inputs: crate::inputs::inputs(),
            group_inputs: Vec::new(),
            registry: true,
        }
    }

    /// The level a variable's `entity:` names.
    pub fn level(&self, name: &str) -> Option<crate::Entity> {
        if name == self.group.name {
            Some(crate::Entity::Group)
        } else if name == self.member.name {
            Some(crate::Entity::Member)
        } else {
            None
        }
    }

    pub fn declared(&self, entity: crate::Entity) -> &Declared {
        match entity {
            crate::Entity::Group => &self.group,
            crate::Entity::Member => &self.member,
        }
    }

    /// The declared entities of `entities.yaml`, or every problem with them.
    pub fn read(file: &str, text: &str, diagnostics: &mut Diagnostics) -> Option<Entities> {
        let map = crate::yaml_mapping(
            file,
            text,
            "entities.yaml maps two entity names (a group, and its members with 'of') to their declarations",
            diagnostics,
        )?;
        let before = diagnostics.0.len();
        let mut group: Option<(Declared, Vec<Input>)> = None;
        let mut member: Option<(Declared, Vec<Input>, String, Location)> = None;
        for (name, node) in map.iter() {
            let at = Location::of(file, name.span().start());
            let name = name.as_str();
            if !crate::is_code(name) {
                diagnostics.push(
                    at.clone(),
                    format!("'{name}': an entity's name is lower-case letters, digits and '_'"),
                );
            }
            let Some(def) = node.as_mapping() else {
                diagnostics.push(
                    at,
                    format!("{name}: an entity is a mapping (label, plural, of, inputs)"),
                );
                continue;
            };
            for (key, node) in def.iter() {
                if !["label", "plural", "of", "inputs"].contains(&key.as_str()) {
                    diagnostics.push(
                        Location::of(file, node.span().start()),
                        format!(
                            "{name}: unknown field '{}' (known: label, plural, of, inputs)",
                            key.as_str()
                        ),
                    );
                }
            }
            let text = |key: &str| def.get_scalar(key).map(|s| s.as_str().trim().to_string());
            let label = text("label").unwrap_or_default();
            if label.is_empty() {
                diagnostics.push(at.clone(), format!("{name}: 'label' is missing"));
            }
            let plural = text("plural").unwrap_or_else(|| format!("{name}s"));
            let declared = Declared {
                name: leak(name),
                plural: leak(&plural),
                label: leak(&label),
            };
            let inputs = match def.get_mapping("inputs") {
                Some(inputs) => read_inputs(file, name, inputs, diagnostics),
                None => Vec::new(),
            };
            match text("of") {
                Some(parent) => {
                    if member.is_some() {
                        diagnostics.push(
                            at,
                            format!("{name}: only one entity is the members of another"),
                        );
                    } else {
                        member = Some((declared, inputs, parent, at));
                    }
                }
                None => {
                    if group.is_some() {
                        diagnostics.push(
                            at,
                            format!("{name}: only one entity is the group; give the other 'of'"),
                        );
                    } else {
                        group = Some((declared, inputs));
                    }
                }
            }
        }
        let (Some((group, group_inputs)), Some((member, member_inputs, parent, at))) =
            (group, member)
        else {
            diagnostics.push(
                Location::unknown(file),
                "declare two entities: a group, and its members with 'of: <group>'",
            );
            return None;
        };
        if parent != group.name {
            diagnostics.push(
                at,
                format!(
                    "{}: 'of: {parent}' names no declared group (the group is {})",
                    member.name, group.name
                ),
            );
        }
        for input in &member_inputs {
            if group_inputs.iter().any(|g| g.name == input.name) {
                diagnostics.push(
                    Location::unknown(file),
                    format!(
                        "{} is a fact of both {} and {}; name them apart",
                        input.name, group.name, member.name
                    ),
                );
            }
        }
        if diagnostics.0.len() > before {
            return None;
        }
        Some(Entities {
            group,
            member,
            member_inputs,
            group_inputs,
            registry: false,
        })
    }
}

fn read_inputs(
    file: &str,
    entity: &str,
    inputs: &MarkedMappingNode,
    diagnostics: &mut Diagnostics,
) -> Vec<Input> {
    let mut out = Vec::new();
    for (name, node) in inputs.iter() {
        let at = Location::of(file, name.span().start());
        let name = name.as_str();
        let Some(def) = node.as_mapping() else {
            diagnostics.push(
                at,
                format!("{entity}.{name}: an input is a mapping (label, and type or codes)"),
            );
            continue;
        };
        for (key, node) in def.iter() {
            if !["label", "type", "codes"].contains(&key.as_str()) {
                diagnostics.push(
                    Location::of(file, node.span().start()),
                    format!(
                        "{entity}.{name}: unknown field '{}' (known: label, type, codes)",
                        key.as_str()
                    ),
                );
            }
        }
        let label = def
            .get_scalar("label")
            .map(|s| s.as_str().trim())
            .unwrap_or_default();
        if label.is_empty() {
            diagnostics.push(at.clone(), format!("{entity}.{name}: 'label' is missing"));
        }
        let ty = match (def.get_scalar("type"), def.get_sequence("codes")) {
            (Some(t), None) => match Type::parse(t.as_str().trim()) {
                Some(t) if !matches!(t, Type::Enum(_)) => t,
                _ => {
                    diagnostics.push(at, format!("{entity}.{name}: type '{}' is not one of bool, int, number, money (a list of codes is 'codes')", t.as_str()));
                    continue;
                }
            },
            (None, Some(codes)) => {
                let mut variants = Vec::new();
                for code in codes.iter() {
                    match code.as_scalar().map(|s| s.as_str().trim()) {
                        Some(c) if crate::is_code(c) && !variants.contains(&c) => variants.push(c),
                        _ => diagnostics.push(
                            Location::of(file, code.span().start()),
                            format!("{entity}.{name}: each code is a distinct word of lower-case letters, digits and '_'"),
                        ),
                    }
                }
                if variants.is_empty() {
                    diagnostics.push(at, format!("{entity}.{name}: 'codes' lists no code"));
                    continue;
                }
                let variants: Vec<&'static str> = variants.into_iter().map(leak).collect();
                Type::Enum(Box::leak(Box::new(EnumType {
                    name: leak(name),
                    variants: Box::leak(variants.into_boxed_slice()),
                })))
            }
            _ => {
                diagnostics.push(
                    at,
                    format!("{entity}.{name}: give either 'type' or 'codes'"),
                );
                continue;
            }
        };
        if out.iter().any(|i: &Input| i.name == name) {
            diagnostics.push(at, format!("{entity}.{name} is declared twice"));
            continue;
        }
        out.push(Input {
            name: leak(name),
            label: leak(label),
            ty,
        });
    }
    out
}

fn leak(text: &str) -> &'static str {
    Box::leak(text.to_string().into_boxed_str())
}
