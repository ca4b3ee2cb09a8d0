//! A service provider's roster (服务对象名册): the older residents of its area and what the rules
//! grant each of them for services in a month — who is listed and which amounts are shown are
//! the catalog's `roster.yaml`. Nothing of income, assets or cases.

use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_core::{AreaCode, Fen, Month};
use minsheng_policy::Policy;
use minsheng_store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("the policy has no roster.yaml, or no {0} in force then")]
    Catalog(String),
    #[error("month: too early for the roster's age")]
    TooEarly,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An older resident on the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub name: String,
    /// Masked: a provider never sees a full ID number.
    pub id_number: String,
    pub sex: &'static str,
    pub age: i32,
    pub area: String,
    /// No other member of the household lives with them.
    pub lives_alone: bool,
    pub canteen_meal: Fen,
    pub delivered_meal: Fen,
    pub rural_consumption: Fen,
}

/// A page of the roster, with the youngest age listed and how many are listed in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    pub from_age: u32,
    pub entries: Vec<RosterEntry>,
    pub total: u64,
}

/// The roster of `area` for `month`, `limit` entries from `offset`.
pub async fn page(
    store: &Store,
    policy: &Policy,
    area: &AreaCode,
    month: Month,
    limit: u32,
    offset: u32,
    clock: Clock,
) -> Result<Roster, RosterError> {
    let on = month.first_day();
    let names = policy
        .roster
        .as_ref()
        .ok_or_else(|| RosterError::Catalog("roster".into()))?;
    let from_age = policy
        .count(&names.from_age, on)
        .ok_or_else(|| RosterError::Catalog(names.from_age.clone()))?;
    let born_by = on
        .checked_sub_months(chrono::Months::new(12 * from_age))
        .ok_or(RosterError::TooEarly)?;
    let (hits, total) = store
        .service_roster(area, on, born_by, limit, offset)
        .await?;
    let scope = Scope::Area(area.clone());
    let mut entries = Vec::with_capacity(hits.len());
    // The roster is ordered by household: each household is read and evaluated once for all
    // its older members on the page.
    for group in hits.chunk_by(|a, b| a.household == b.household) {
        let Some(first) = group.first() else {
            continue;
        };
        let file = store
            .household_file_within(&first.household, &scope)
            .await?;
        let members = file.as_of(on, clock.now);
        let mut evaluation =
            minsheng_policy::Evaluation::of_household(policy, month, &members, false);
        let living_together = members
            .iter()
            .filter(|(_, f)| f.lives_together && f.death_date.is_none())
            .count();
        for hit in group {
            let Some(index) = members
                .iter()
                .position(|(p, _)| p.id_number == hit.id_number)
            else {
                continue;
            };
            let mut fen = |id| match evaluation.variable(id, Some(index)) {
                Ok(minsheng_policy::Value::Money(amount)) => amount,
                _ => Fen::ZERO,
            };
            let (canteen_meal, delivered_meal, rural_consumption) = (
                fen(names.canteen_meal),
                fen(names.delivered_meal),
                fen(names.rural_consumption),
            );
            let Some(&(person, facts)) = members.get(index) else {
                continue;
            };
            entries.push(RosterEntry {
                name: hit.name.clone(),
                id_number: hit.id_number.masked(),
                sex: person.sex().label_zh(),
                age: minsheng_core::registry::describe::age(person.birth_date(), on),
                area: hit.area.clone(),
                lives_alone: facts.lives_together && living_together == 1,
                canteen_meal,
                delivered_meal,
                rural_consumption,
            });
        }
    }
    Ok(Roster {
        from_age,
        entries,
        total,
    })
}
