//! `monitoring.yaml`: the categories of the low-income population (低收入人口动态监测) that a
//! sweep counts in each community, each placed by a variable of the catalog. Code reads the
//! categories from here; no category is spelled in Rust.

use std::collections::HashMap;

use crate::{Diagnostics, Location, Type, VarId, Variable};

/// One category of the low-income population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringCategory {
    /// A stable code (`near_poor`), stored with each sweep's counts.
    pub code: String,
    pub label: String,
    /// A true/false variable: of the household, or of a person (true for any member).
    pub variable: VarId,
    /// The program whose enrolment is counted for the category's households, if any.
    pub program: Option<String>,
}

const KEYS: &[&str] = &["label", "variable", "program"];

pub(crate) fn read(
    file: &str,
    text: &str,
    variables: &[Variable],
    by_name: &HashMap<String, VarId>,
    programs: &[crate::Program],
    diagnostics: &mut Diagnostics,
) -> Vec<MonitoringCategory> {
    let Some(map) = crate::yaml_mapping(
        file,
        text,
        "monitoring.yaml maps codes to categories",
        diagnostics,
    ) else {
        return Vec::new();
    };
    let mut categories = Vec::new();
    for (code, def) in map.iter() {
        let at = Location::of(file, code.span().start());
        let code = code.as_str();
        let before = diagnostics.0.len();
        let Some(def) = def.as_mapping() else {
            diagnostics.push(
                at,
                format!("{code}: a category is a mapping ({})", KEYS.join(", ")),
            );
            continue;
        };
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            diagnostics.push(
                at.clone(),
                format!("'{code}': a category code is lower-case letters and '_'"),
            );
        }
        for (key, node) in def.iter() {
            if !KEYS.contains(&key.as_str()) {
                diagnostics.push(
                    Location::of(file, node.span().start()),
                    format!(
                        "{code}: unknown field '{}' (known: {})",
                        key.as_str(),
                        KEYS.join(", ")
                    ),
                );
            }
        }
        let text = |key: &str| {
            def.get_scalar(key)
                .map(|s| s.as_str().trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let label = text("label");
        if label.is_none() {
            diagnostics.push(at.clone(), format!("{code}: 'label' is missing"));
        }
        let variable = match text("variable") {
            None => {
                diagnostics.push(at.clone(), format!("{code}: 'variable' is missing"));
                None
            }
            Some(name) => match by_name.get(&name) {
                None => {
                    diagnostics.push(
                        at.clone(),
                        format!("{code}: variable '{name}' is not defined"),
                    );
                    None
                }
                Some(&id) if variables.get(id).is_some_and(|v| v.ty == Type::Bool) => Some(id),
                Some(_) => {
                    diagnostics.push(
                        at.clone(),
                        format!("{code}: variable '{name}' is not true/false"),
                    );
                    None
                }
            },
        };
        let program = text("program");
        if let Some(p) = &program {
            if !programs.iter().any(|known| &known.code == p) {
                diagnostics.push(
                    at.clone(),
                    format!("{code}: program '{p}' is not in programs.yaml"),
                );
            }
        }
        if diagnostics.0.len() > before {
            continue;
        }
        if let (Some(label), Some(variable)) = (label, variable) {
            categories.push(MonitoringCategory {
                code: code.to_string(),
                label,
                variable,
                program,
            });
        }
    }
    categories
}
