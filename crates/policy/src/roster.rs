//! `roster.yaml`: the service provider's roster — the parameter of the youngest age listed
//! and the catalog's person-level amounts its columns show. Code reads the names from here.

use std::collections::HashMap;

use crate::{Diagnostics, Entity, Location, Parameters, Type, VarId, Variable};

/// What a service provider's roster lists and shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRoster {
    /// The parameter (whole years) of the youngest age on the roster.
    pub from_age: String,
    /// Meal-aid subsidy per meal eaten at a canteen.
    pub canteen_meal: VarId,
    /// Meal-aid subsidy per meal delivered.
    pub delivered_meal: VarId,
    /// The rural elder-care consumption subsidy (monthly ceiling).
    pub rural_consumption: VarId,
}

const COLUMNS: [&str; 3] = ["canteen_meal", "delivered_meal", "rural_consumption"];

pub(crate) fn read(
    file: &str,
    text: &str,
    variables: &[Variable],
    by_name: &HashMap<String, VarId>,
    parameters: &Parameters,
    diagnostics: &mut Diagnostics,
) -> Option<ServiceRoster> {
    let map = crate::yaml_mapping(
        file,
        text,
        "roster.yaml maps from_age and the roster's columns to the catalog's names",
        diagnostics,
    )?;
    let at = Location::of(file, map.span().start());
    let before = diagnostics.0.len();
    for (key, node) in map.iter() {
        if key.as_str() != "from_age" && !COLUMNS.contains(&key.as_str()) {
            diagnostics.push(
                Location::of(file, node.span().start()),
                format!(
                    "unknown field '{}' (known: from_age, {})",
                    key.as_str(),
                    COLUMNS.join(", ")
                ),
            );
        }
    }
    let name = |key: &str, diagnostics: &mut Diagnostics| {
        let value = map
            .get_scalar(key)
            .map(|s| s.as_str().trim().to_string())
            .filter(|s| !s.is_empty());
        if value.is_none() {
            diagnostics.push(at.clone(), format!("'{key}' is missing"));
        }
        value
    };
    let from_age = name("from_age", diagnostics);
    if let Some(key) = &from_age {
        match parameters.leaves.get(key) {
            Some(p) if p.ty == Type::Int => {}
            Some(p) => diagnostics.push(
                at.clone(),
                format!("from_age: {key} is a {}, not a number of years", p.ty),
            ),
            None => diagnostics.push(at.clone(), format!("from_age: no parameter {key}")),
        }
    }
    let mut column = |key: &str| {
        let variable = name(key, diagnostics)?;
        let Some(&id) = by_name.get(&variable) else {
            diagnostics.push(
                at.clone(),
                format!("{key}: variable '{variable}' is not defined"),
            );
            return None;
        };
        let v = variables.get(id)?;
        if v.ty != Type::Money || v.entity != Entity::Member {
            diagnostics.push(
                at.clone(),
                format!("{key}: variable '{variable}' is not a person's amount of money"),
            );
            return None;
        }
        Some(id)
    };
    let (canteen, delivered, rural) = (
        column("canteen_meal"),
        column("delivered_meal"),
        column("rural_consumption"),
    );
    if diagnostics.0.len() > before {
        return None;
    }
    Some(ServiceRoster {
        from_age: from_age?,
        canteen_meal: canteen?,
        delivered_meal: delivered?,
        rural_consumption: rural?,
    })
}
