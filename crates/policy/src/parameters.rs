//! Parameters: dated values with a legal reference on every value, in the shape of OpenFisca
//! parameter files (`values: {2023-01-01: {value: 1045, metadata: {reference: …}}}`, `brackets`
//! for scales, nested nodes). File `parameters/dibao/standard.yaml` holds node `dibao.standard`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::Node;

use crate::value::{Type, Value};
use crate::{Diagnostics, Location};

#[derive(Debug, Clone)]
pub struct Dated {
    pub since: NaiveDate,
    /// `None` when the parameter stops applying from `since` (`value: null`).
    pub value: Option<Value>,
    pub reference: String,
    /// A local figure the seeds do not give: a documented stand-in, to be replaced.
    pub placeholder: bool,
}

#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub description: String,
    pub ty: Type,
    /// Oldest first.
    pub values: Vec<Dated>,
    pub location: Location,
}

impl Parameter {
    /// The value in force on `on`.
    pub fn at(&self, on: NaiveDate) -> Option<&Dated> {
        self.values
            .iter()
            .rev()
            .find(|d| d.since <= on)
            .filter(|d| d.value.is_some())
    }
}

/// One bracket of a scale: from `threshold` up, `rate` (or `amount`).
#[derive(Debug, Clone)]
pub struct Bracket {
    pub threshold: Parameter,
    pub rate: Parameter,
}

#[derive(Debug, Clone, Default)]
pub struct Parameters {
    /// Leaf parameters by full name.
    pub leaves: BTreeMap<String, Parameter>,
    /// Scales (OpenFisca `brackets`) by full name.
    pub scales: BTreeMap<String, Vec<Bracket>>,
    /// Descriptions of inner nodes by full name.
    pub nodes: BTreeMap<String, String>,
}

impl Parameters {
    /// The names of the direct children of node `name`.
    pub fn children(&self, name: &str) -> Vec<&str> {
        let prefix = format!("{name}.");
        self.leaves
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|rest| !rest.contains('.'))
            .collect()
    }

    /// Loads one parameter file (its YAML `text`) as node `prefix`.
    pub fn load_file(
        &mut self,
        file: &str,
        prefix: &str,
        text: &str,
        diagnostics: &mut Diagnostics,
    ) {
        let Some(map) = crate::yaml_mapping(
            file,
            text,
            "a parameter file must be a mapping",
            diagnostics,
        ) else {
            return;
        };
        let mut loader = NodeLoader {
            file,
            parameters: self,
            diagnostics,
        };
        loader.node(prefix, &map, None, None);
    }
}

const NODE_KEYS: &[&str] = &[
    "description",
    "metadata",
    "documentation",
    "reference",
    "label",
];

struct NodeLoader<'a> {
    file: &'a str,
    parameters: &'a mut Parameters,
    diagnostics: &'a mut Diagnostics,
}

/// A legal reference as OpenFisca writes it: text, a list, or `{title, href}`.
fn reference_text(node: &Node) -> Option<String> {
    match node {
        Node::Scalar(s) => Some(s.as_str().trim().to_string()).filter(|t| !t.is_empty()),
        Node::Sequence(items) => {
            let parts: Vec<String> = items.iter().filter_map(reference_text).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Node::Mapping(m) => {
            let title = m.get_scalar("title").map(|s| s.as_str().to_string());
            let href = m.get_scalar("href").map(|s| s.as_str().to_string());
            match (title, href) {
                (Some(t), Some(h)) => Some(format!("{t} <{h}>")),
                (Some(t), None) => Some(t),
                (None, Some(h)) => Some(h),
                (None, None) => None,
            }
        }
    }
}

fn metadata_reference(map: &MarkedMappingNode) -> Option<String> {
    map.get_node("reference")
        .and_then(reference_text)
        .or_else(|| {
            map.get_mapping("metadata")?
                .get_node("reference")
                .and_then(reference_text)
        })
}

fn is_placeholder(map: &MarkedMappingNode) -> bool {
    map.get_mapping("metadata")
        .and_then(|m| m.get_scalar("placeholder"))
        .and_then(MarkedScalarNode::as_bool)
        .unwrap_or(false)
}

impl NodeLoader<'_> {
    fn location(&self, node: &Node) -> Location {
        Location::of(self.file, node.span().start())
    }

    fn node(
        &mut self,
        name: &str,
        map: &MarkedMappingNode,
        inherited: Option<&str>,
        inherited_unit: Option<&str>,
    ) {
        let reference = metadata_reference(map).or_else(|| inherited.map(String::from));
        let description = map
            .get_scalar("description")
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let unit = map
            .get_mapping("metadata")
            .and_then(|m| m.get_scalar("unit"))
            .map(|s| s.as_str().to_string())
            .or_else(|| inherited_unit.map(String::from));
        if let Some(values) = map.get_node("values") {
            let location = self.location(values);
            let parameter = self.leaf(
                name,
                &description,
                unit.as_deref(),
                values,
                reference.as_deref(),
                is_placeholder(map),
                location,
            );
            if let Some(p) = parameter {
                self.parameters.leaves.insert(name.to_string(), p);
            }
            return;
        }
        if let Some(brackets) = map.get_sequence("brackets") {
            let mut scale = Vec::new();
            for (i, bracket) in brackets.iter().enumerate() {
                let Some(b) = bracket.as_mapping() else {
                    self.diagnostics
                        .push(self.location(bracket), "a bracket must be a mapping");
                    continue;
                };
                let bracket_name = format!("{name}.brackets[{i}]");
                let reference = metadata_reference(b).or_else(|| reference.clone());
                let part =
                    |loader: &mut Self, key: &str, unit: Option<&str>| -> Option<Parameter> {
                        let node = b.get_node(key)?;
                        let location = loader.location(node);
                        loader.leaf(
                            &format!("{bracket_name}.{key}"),
                            "",
                            unit,
                            node,
                            reference.as_deref(),
                            false,
                            location,
                        )
                    };
                let threshold_unit = map
                    .get_mapping("metadata")
                    .and_then(|m| m.get_scalar("threshold_unit"))
                    .map(|s| s.as_str().to_string());
                let threshold = part(self, "threshold", threshold_unit.as_deref());
                let rate = part(self, "rate", Some("/1"))
                    .or_else(|| part(self, "amount", unit.as_deref()));
                match (threshold, rate) {
                    (Some(threshold), Some(rate)) => scale.push(Bracket { threshold, rate }),
                    _ => self.diagnostics.push(
                        self.location(bracket),
                        format!("bracket {i} of {name} needs a threshold and a rate or amount"),
                    ),
                }
            }
            self.parameters.scales.insert(name.to_string(), scale);
            return;
        }
        self.parameters.nodes.insert(name.to_string(), description);
        for (key, child) in map.iter() {
            if NODE_KEYS.contains(&key.as_str()) {
                continue;
            }
            let child_name = format!("{name}.{}", key.as_str());
            match child.as_mapping() {
                Some(m) => self.node(&child_name, m, reference.as_deref(), unit.as_deref()),
                None => self.diagnostics.push(
                    self.location(child),
                    format!("{child_name}: expected a node with 'values', 'brackets' or children"),
                ),
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn leaf(
        &mut self,
        name: &str,
        description: &str,
        unit: Option<&str>,
        values: &Node,
        reference: Option<&str>,
        placeholder: bool,
        location: Location,
    ) -> Option<Parameter> {
        let Some(values) = values.as_mapping() else {
            self.diagnostics.push(
                location,
                format!("{name}: 'values' must map dates to values"),
            );
            return None;
        };
        // Read every value as text first: the type comes from the unit, or from the values.
        // (start, value text and place, own reference, own placeholder mark, place of the date)
        type Raw = (
            NaiveDate,
            Option<(String, Location)>,
            Option<String>,
            bool,
            Location,
        );
        let mut raw: Vec<Raw> = Vec::new();
        for (date, entry) in values.iter() {
            let at = Location::of(self.file, date.span().start());
            let Ok(since) = NaiveDate::parse_from_str(date.as_str(), "%Y-%m-%d") else {
                self.diagnostics.push(
                    at,
                    format!("{name}: '{}' is not a date (YYYY-MM-DD)", date.as_str()),
                );
                continue;
            };
            let (value_node, own_reference, own_placeholder) = match entry {
                Node::Mapping(m) => (
                    m.get_node("value"),
                    metadata_reference(m),
                    is_placeholder(m),
                ),
                other => (Some(other), None, false),
            };
            let value = match value_node {
                Some(Node::Scalar(s))
                    if s.as_str() == "null" || s.as_str() == "~" || s.as_str().is_empty() =>
                {
                    None
                }
                Some(Node::Scalar(s)) => Some((
                    s.as_str().to_string(),
                    Location::of(self.file, s.span().start()),
                )),
                Some(other) => {
                    self.diagnostics.push(
                        self.location(other),
                        format!("{name}: a value must be a number, a yes/no or null"),
                    );
                    continue;
                }
                None => None,
            };
            raw.push((since, value, own_reference, own_placeholder, at));
        }
        let texts: Vec<&str> = raw
            .iter()
            .filter_map(|r| r.1.as_ref().map(|v| v.0.as_str()))
            .collect();
        let ty = match unit {
            Some(u) if u.starts_with("currency") => Type::Money,
            Some("/1") => Type::Number,
            Some("year" | "years" | "month" | "months" | "day" | "days" | "count" | "grade") => {
                Type::Int
            }
            _ if !texts.is_empty() && texts.iter().all(|t| *t == "true" || *t == "false") => {
                Type::Bool
            }
            _ if texts.iter().all(|t| t.parse::<i64>().is_ok()) => Type::Int,
            _ => Type::Number,
        };
        let mut dated = Vec::new();
        for (since, value, own_reference, own_placeholder, at) in raw {
            let value = match value {
                Some((text, value_at)) => match Value::parse(&ty, &text) {
                    Some(v) => Some(v),
                    None => {
                        self.diagnostics
                            .push(value_at, format!("{name}: '{text}' is not a {}", ty.name()));
                        continue;
                    }
                },
                None => None,
            };
            let Some(reference) = own_reference.or_else(|| reference.map(String::from)) else {
                self.diagnostics.push(
                    at,
                    format!("{name}: the value from {since} has no legal reference (metadata: reference)"),
                );
                continue;
            };
            dated.push(Dated {
                since,
                value,
                reference,
                placeholder: placeholder || own_placeholder,
            });
        }
        dated.sort_by_key(|d| d.since);
        Some(Parameter {
            name: name.to_string(),
            description: description.to_string(),
            ty,
            values: dated,
            location,
        })
    }
}
