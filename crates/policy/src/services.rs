//! Service lists (`services/<code>.yaml`): the services a bureau guarantees a group of people —
//! the basic elderly service list (基本养老服务清单) first. Each item names who it is for as a
//! yes/no variable of the catalog, so who is entitled is computed and explained like any rule.
//!
//! A list is adjusted over time (动态调整): each version takes effect on a day and the earlier
//! ones are kept, so what the list said on any day can be shown and counted.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::eval::{EvalError, Evaluation};
use crate::{Diagnostics, Entity, Location, Type, Value, VarId, Variable};

/// The basic elderly service list's code (`services/elderly.yaml`).
pub const ELDERLY: &str = "elderly";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceList {
    pub code: String,
    pub label: String,
    pub reference: String,
    /// Who the list is for (a person-level yes/no variable): whom a count of an area counts.
    pub people: VarId,
    /// Oldest first, each from a later day than the one before.
    pub versions: Vec<ListVersion>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListVersion {
    /// The first day this version is in force.
    pub from: NaiveDate,
    pub reference: String,
    pub items: Vec<ServiceItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceItem {
    pub code: String,
    pub label: String,
    /// Who it is for, in words; [`ServiceItem::eligible`] is the rule.
    pub group: String,
    /// A person-level yes/no variable: entitled this month.
    pub eligible: VarId,
    /// Person-level amounts shown beside the item (a monthly subsidy, a subsidy per meal).
    pub amounts: Vec<VarId>,
    pub content: String,
    pub standard: String,
    pub provider: String,
    pub funding: String,
    pub reference: String,
    /// The standard or the payer is not in the sources: `note` says what stands in for it.
    pub placeholder: bool,
    pub note: Option<String>,
}

impl ServiceList {
    /// The version in force on `day`: the latest that took effect on or before it.
    pub fn on(&self, day: NaiveDate) -> Option<&ListVersion> {
        self.versions.iter().rev().find(|v| v.from <= day)
    }
}

impl ListVersion {
    /// Every variable the version's items read: what a batch over a city computes.
    pub fn variables(&self) -> Vec<VarId> {
        let mut ids: Vec<VarId> = Vec::new();
        for item in &self.items {
            for id in std::iter::once(item.eligible).chain(item.amounts.iter().copied()) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    pub fn item(&self, code: &str) -> Option<&ServiceItem> {
        self.items.iter().find(|i| i.code == code)
    }
}

/// One item of a list for one person: entitled or not (or the rules' error), and the amounts.
#[derive(Debug)]
pub struct Entitlement<'l> {
    pub item: &'l ServiceItem,
    pub entitled: Result<bool, EvalError>,
    /// Each amount variable and its value for the person.
    pub amounts: Vec<(VarId, Result<Value, EvalError>)>,
}

/// The items of `version` for `member` of the household in `evaluation`, in the list's order.
/// With tracing on, the evaluation then holds what explains each item.
pub fn entitlements<'l>(
    version: &'l ListVersion,
    evaluation: &mut Evaluation,
    member: usize,
) -> Vec<Entitlement<'l>> {
    version
        .items
        .iter()
        .map(|item| {
            let entitled = evaluation
                .variable(item.eligible, Some(member))
                .map(|v| v == Value::Bool(true));
            let amounts = if matches!(entitled, Ok(true)) {
                item.amounts
                    .iter()
                    .map(|&id| (id, evaluation.variable(id, Some(member))))
                    .collect()
            } else {
                Vec::new()
            };
            Entitlement {
                item,
                entitled,
                amounts,
            }
        })
        .collect()
}

// ------------------------------------------------------------------------------------------
// Reading and checking a list file.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListFile {
    label: String,
    reference: String,
    people: String,
    versions: Vec<VersionFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionFile {
    from: String,
    reference: String,
    items: Vec<ItemFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemFile {
    code: String,
    label: String,
    group: String,
    eligible: String,
    #[serde(default)]
    amounts: Vec<String>,
    content: String,
    standard: String,
    provider: String,
    funding: String,
    reference: String,
    #[serde(default)]
    placeholder: bool,
    #[serde(default)]
    note: Option<String>,
}

/// Reads `services/<code>.yaml` against the catalog's variables; every problem goes to
/// `diagnostics`, with `None` for the list.
pub(crate) fn read(
    file: &str,
    code: &str,
    text: &str,
    variables: &[Variable],
    by_name: &std::collections::HashMap<String, VarId>,
    diagnostics: &mut Diagnostics,
) -> Option<ServiceList> {
    let parsed: ListFile = crate::typed_yaml(file, text, diagnostics)?;
    let at = Location::unknown(file);
    let before = diagnostics.0.len();
    let mut problem = |message: String| diagnostics.push(at.clone(), message);
    // A person-level variable of type `ty`, by name.
    let variable = |name: &str, ty: Type, what: &str, problem: &mut dyn FnMut(String)| {
        let Some(&id) = by_name.get(name) else {
            problem(format!("{what}: variable '{name}' is not defined"));
            return None;
        };
        let v = variables.get(id)?;
        if v.entity != Entity::Member || v.ty != ty {
            problem(format!(
                "{what}: '{name}' is a {} of a {}; a service item needs a {ty} of a person",
                v.ty,
                match v.entity {
                    Entity::Member => "person",
                    Entity::Group => "household",
                }
            ));
            return None;
        }
        Some(id)
    };
    let people = variable(&parsed.people, Type::Bool, "people", &mut problem);
    let mut versions: Vec<ListVersion> = Vec::new();
    for v in parsed.versions {
        let Ok(from) = NaiveDate::parse_from_str(v.from.trim(), "%Y-%m-%d") else {
            problem(format!(
                "version from '{}': not a date (YYYY-MM-DD)",
                v.from
            ));
            continue;
        };
        if versions.last().is_some_and(|last| last.from >= from) {
            problem(format!(
                "version from {from}: versions are listed oldest first, each from a later day"
            ));
        }
        let mut items: Vec<ServiceItem> = Vec::new();
        for i in v.items {
            let what = format!("version {from}, item '{}'", i.code);
            if !crate::is_code(&i.code) || items.iter().any(|o| o.code == i.code) {
                problem(format!(
                    "{what}: a code is unique in its version, lower-case letters, digits and '_'"
                ));
            }
            for (field, words) in [
                ("label", &i.label),
                ("group", &i.group),
                ("content", &i.content),
                ("standard", &i.standard),
                ("provider", &i.provider),
                ("funding", &i.funding),
                ("reference", &i.reference),
            ] {
                if words.trim().is_empty() {
                    problem(format!("{what}: '{field}' is empty"));
                }
            }
            if i.placeholder && i.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                problem(format!(
                    "{what}: a placeholder says in 'note' what stands in for the missing source"
                ));
            }
            let eligible = variable(
                &i.eligible,
                Type::Bool,
                &format!("{what}, eligible"),
                &mut problem,
            );
            let amounts: Vec<VarId> = i
                .amounts
                .iter()
                .filter_map(|a| variable(a, Type::Money, &format!("{what}, amounts"), &mut problem))
                .collect();
            if let Some(eligible) = eligible {
                items.push(ServiceItem {
                    code: i.code,
                    label: i.label,
                    group: i.group,
                    eligible,
                    amounts,
                    content: i.content,
                    standard: i.standard,
                    provider: i.provider,
                    funding: i.funding,
                    reference: i.reference,
                    placeholder: i.placeholder,
                    note: i.note,
                });
            }
        }
        if items.is_empty() {
            problem(format!(
                "version from {from}: a version lists at least one item"
            ));
        }
        versions.push(ListVersion {
            from,
            reference: v.reference,
            items,
        });
    }
    if versions.is_empty() {
        problem("a service list has at least one version".into());
    }
    let people = people?;
    (diagnostics.0.len() == before).then(|| ServiceList {
        people,
        code: code.to_string(),
        label: parsed.label,
        reference: parsed.reference,
        versions,
    })
}
