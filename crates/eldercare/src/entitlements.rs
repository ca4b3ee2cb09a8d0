//! What the basic elderly service list (基本养老服务清单, `services/elderly.yaml`) grants: one
//! older person in a month, item by item with the rule that decides it; and an area's counts by
//! item, computed over the whole registry and published (崂办字〔2024〕12号 第一条: 建立基本养老服务
//! 项目统计调查和发布制度).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use minsheng_core::registry::{Person, PersonFacts};
use minsheng_core::{Fen, Month};
use minsheng_policy::services::{ListVersion, ServiceItem, ServiceList, ELDERLY};
use minsheng_policy::{Evaluation, Policy, Value};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EntitlementError {
    #[error("the catalog has no basic elderly service list (services/elderly.yaml)")]
    NoList,
    #[error("the basic elderly service list is not yet in force on {0}")]
    NotInForce(NaiveDate),
    #[error("no member {0} in the household")]
    NoMember(usize),
}

/// One item of the list for one person.
#[derive(Debug, Clone)]
pub struct ItemEntitlement {
    pub item: ServiceItem,
    /// Entitled this month, or the rules' reason they cannot say (the data makes a rule
    /// undefined).
    pub entitled: Result<bool, String>,
    /// Each amount's label and value, when entitled.
    pub amounts: Vec<(String, Fen)>,
    /// The rule's explanation, as the catalog's explanation trees print it.
    pub explanation: Vec<String>,
    /// The same in a few sentences: the outcome and the conditions that decided it.
    pub summary: Option<minsheng_policy::summary::Summary>,
}

/// What the list grants one older person in a month.
#[derive(Debug, Clone)]
pub struct PersonEntitlements {
    pub month: Month,
    /// The list's title and the version in force on the month's first day.
    pub list: String,
    pub version_from: NaiveDate,
    pub version_reference: String,
    pub items: Vec<ItemEntitlement>,
}

impl PersonEntitlements {
    pub fn entitled(&self) -> impl Iterator<Item = &ItemEntitlement> {
        self.items.iter().filter(|i| i.entitled == Ok(true))
    }
}

/// The basic elderly service list and its version in force in `month`.
pub fn list_in_force(
    policy: &Policy,
    month: Month,
) -> Result<(&ServiceList, &ListVersion), EntitlementError> {
    let list = policy
        .service_list(ELDERLY)
        .ok_or(EntitlementError::NoList)?;
    let version = list
        .on(month.first_day())
        .ok_or(EntitlementError::NotInForce(month.first_day()))?;
    Ok((list, version))
}

/// What the list grants `member` of the household `members` (as the registry knew them for
/// `month`), each item explained.
pub fn of_member(
    policy: &Policy,
    month: Month,
    members: &[(&Person, &PersonFacts)],
    member: usize,
) -> Result<PersonEntitlements, EntitlementError> {
    let (list, version) = list_in_force(policy, month)?;
    if member >= members.len() {
        return Err(EntitlementError::NoMember(member));
    }
    let mut evaluation = Evaluation::of_household(policy, month, members, true);
    let names: Vec<String> = members.iter().map(|(p, _)| p.name.clone()).collect();
    let found = minsheng_policy::services::entitlements(version, &mut evaluation, member);
    let mut items: Vec<ItemEntitlement> = found
        .iter()
        .map(|e| ItemEntitlement {
            item: e.item.clone(),
            entitled: e.entitled.clone().map_err(|e| e.to_string()),
            amounts: e
                .amounts
                .iter()
                .filter_map(|(id, value)| match value {
                    Ok(Value::Money(fen)) => Some((policy.variables.get(*id)?.label.clone(), *fen)),
                    _ => None,
                })
                .collect(),
            explanation: minsheng_policy::explain::render_together(
                policy,
                &evaluation.computations,
                &[(e.item.eligible, Some(member))],
                &names,
            ),
            summary: None,
        })
        .collect();
    for item in &mut items {
        item.summary = minsheng_policy::summary::summarize(
            &mut evaluation,
            item.item.eligible,
            Some(member),
            &names,
        );
    }
    Ok(PersonEntitlements {
        month,
        list: list.label.clone(),
        version_from: version.from,
        version_reference: version.reference.clone(),
        items,
    })
}

/// How many people of each street the list is for, and how many are entitled to each item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCounts {
    pub month: Month,
    pub version_from: NaiveDate,
    /// Street (9-digit area code) → (people the list is for, item code → entitled).
    pub streets: BTreeMap<String, (u64, BTreeMap<String, u64>)>,
    /// Persons (and items of a person) the rules could not decide: their data makes a rule
    /// undefined. Published in the audit entry, not with the counts.
    pub undecided: u64,
}

/// Counts every person of `registry` (read for `month` with its households' codes kept) by
/// street and item, from one batch over the list's rules.
pub fn count(
    policy: &Policy,
    month: Month,
    registry: &minsheng_app::policy::Registry,
) -> Result<ServiceCounts, EntitlementError> {
    let (list, version) = list_in_force(policy, month)?;
    let mut wanted = vec![list.people];
    wanted.extend(version.items.iter().map(|i| i.eligible));
    let result = registry.evaluate(policy, month, &wanted);
    let column = |id| {
        result
            .columns
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, column)| column)
    };
    let (Some(people), Some(items)) = (
        column(list.people),
        version
            .items
            .iter()
            .map(|i| column(i.eligible))
            .collect::<Option<Vec<_>>>(),
    ) else {
        return Ok(ServiceCounts {
            month,
            version_from: version.from,
            streets: BTreeMap::new(),
            undecided: 0,
        });
    };
    // One pass over the rows, every column's iterator advanced together; each household's
    // street looked up once, its tallies kept by position.
    let mut slots: BTreeMap<String, usize> = BTreeMap::new();
    let mut tallies: Vec<(u64, Vec<u64>)> = Vec::new();
    let mut values: Vec<_> = items.iter().map(|c| c.iter()).collect();
    let mut row_values = vec![0i64; items.len()];
    let starts = &registry.population.member_start;
    let mut undecided = 0;
    let (mut h, mut slot) = (0usize, None);
    for (row, is_one) in people.iter().enumerate() {
        if slot.is_none() || starts.get(h + 1).is_some_and(|&end| row >= end) {
            while starts.get(h + 1).is_some_and(|&end| row >= end) {
                h += 1;
            }
            let area = registry
                .communities
                .get(h)
                .or_else(|| registry.districts.get(h))
                .map_or("", String::as_str);
            let street: String = area.chars().take(9).collect();
            let next = slots.len();
            let at = *slots.entry(street).or_insert(next);
            if at == tallies.len() {
                tallies.push((0, vec![0; items.len()]));
            }
            slot = Some(at);
        }
        for (value, column) in row_values.iter_mut().zip(values.iter_mut()) {
            *value = column.next().unwrap_or(0);
        }
        if !people.errors.is_empty() && people.errors.contains_key(&row) {
            undecided += 1;
            continue;
        }
        if is_one == 0 {
            continue;
        }
        let Some((persons, by_item)) = slot.and_then(|at| tallies.get_mut(at)) else {
            continue;
        };
        *persons += 1;
        for ((n, value), column) in by_item.iter_mut().zip(&row_values).zip(&items) {
            if !column.errors.is_empty() && column.errors.contains_key(&row) {
                undecided += 1;
            } else if *value != 0 {
                *n += 1;
            }
        }
    }
    let streets = slots
        .into_iter()
        .filter_map(|(street, at)| {
            let (persons, by_item) = tallies.get(at)?;
            let by_item = version
                .items
                .iter()
                .zip(by_item)
                .map(|(item, n)| (item.code.clone(), *n))
                .collect();
            Some((street, (*persons, by_item)))
        })
        .collect();
    Ok(ServiceCounts {
        month,
        version_from: version.from,
        streets,
        undecided,
    })
}
