//! `policy simulate`: a reform against the current rules, on the whole registry for a month.

use std::collections::BTreeMap;

use minsheng_core::{Fen, MoneyError, Month};
use minsheng_policy::batch::{run, BatchResult, Column, Population};
use minsheng_policy::inputs::member_values;
use minsheng_policy::{Entity, Policy, Type, VarId};
use minsheng_store::{ScannedPerson, Store, StoreError};

use crate::Progress;

/// The registry for one month, as the batch executor reads it, with each household's district.
pub struct Registry {
    pub population: Population,
    /// The district (6-digit area code) of each household.
    pub districts: Vec<String>,
    /// Each household's key in the store.
    pub household_ids: Vec<i64>,
    /// Each household's code and its head's community, when [`load`] was asked to keep them.
    pub households: Vec<String>,
    pub communities: Vec<String>,
    /// Each person's key in the store, in the population's row order, when [`load`] was asked
    /// to keep codes.
    pub persons: Vec<i64>,
}

impl Registry {
    /// The districts that have households, in code order.
    pub fn district_codes(&self) -> Vec<&str> {
        self.districts
            .iter()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

/// Reads the registry for `month`; `keep_codes` keeps each household's code (which a whole
/// city's simulation does without).
pub async fn load(
    store: &Store,
    policy: &Policy,
    month: Month,
    keep_codes: bool,
    progress: &dyn Progress,
) -> Result<Registry, StoreError> {
    load_as_of(
        store,
        policy,
        month,
        month.first_day(),
        keep_codes,
        progress,
    )
    .await
}

/// Reads the registry as it stands on `day` (a day of `month`), for the rules of `month`: a
/// daily list (the visiting roster) sees a death or a move the day it is recorded to happen.
pub async fn load_as_of(
    store: &Store,
    policy: &Policy,
    month: Month,
    day: chrono::NaiveDate,
    keep_codes: bool,
    progress: &dyn Progress,
) -> Result<Registry, StoreError> {
    let mut population = Population::new(policy.inputs.len());
    let counts = store.counts().await?;
    population.reserve(
        usize::try_from(counts.persons).unwrap_or(0),
        usize::try_from(counts.households).unwrap_or(0),
    );
    let mut districts = Vec::new();
    let mut households = Vec::new();
    let mut household_ids = Vec::new();
    let mut communities = Vec::new();
    let mut persons = Vec::new();
    let mut current: Vec<ScannedPerson> = Vec::new();
    let mut flush = |current: &mut Vec<ScannedPerson>,
                     population: &mut Population,
                     districts: &mut Vec<String>| {
        if let Some(head) = current.first() {
            let facts = &head.registration.facts;
            districts.push(facts.area.as_str().chars().take(6).collect());
            household_ids.push(head.household_id);
            if keep_codes {
                households.push(facts.household.clone());
                communities.push(facts.area.as_str().to_string());
                persons.extend(current.iter().map(|r| r.person_id));
            }
            let members: Vec<_> = current
                .iter()
                .map(|r| {
                    member_values(
                        &r.registration.person,
                        &r.registration.facts,
                        month,
                        policy.serious_illnesses,
                    )
                })
                .collect();
            population.push(&members);
        }
        current.clear();
    };
    progress.start("reading the registry", None);
    store
        .scan_registry(day, |r| {
            progress.advance(1);
            if current
                .first()
                .is_some_and(|f| f.household_id != r.household_id)
            {
                flush(&mut current, &mut population, &mut districts);
            }
            current.push(r);
            Ok::<_, StoreError>(())
        })
        .await?;
    flush(&mut current, &mut population, &mut districts);
    progress.finish();
    Ok(Registry {
        population,
        districts,
        household_ids,
        households,
        communities,
        persons,
    })
}

impl Registry {
    /// The batch over every household, on every core.
    pub fn evaluate(&self, policy: &Policy, month: Month, wanted: &[VarId]) -> BatchResult {
        run(
            policy,
            month.first_day(),
            &self.population,
            wanted,
            threads(),
        )
    }

    /// The rows of household `h` in a column of `entity`: its own, or its members'.
    pub fn rows(&self, entity: Entity, h: usize) -> std::ops::Range<usize> {
        match entity {
            Entity::Group => h..h + 1,
            Entity::Member => match self.population.member_start.get(h..h + 2) {
                Some(&[start, end]) => start..end,
                // No such household: no rows.
                _ => 0..0,
            },
        }
    }

    /// What an amount column says household `h` is owed (its members' amounts summed), or the
    /// rules' error for it.
    pub fn owed(&self, entity: Entity, column: &Column, h: usize) -> Result<Fen, String> {
        let mut owed = Fen::ZERO;
        for row in self.rows(entity, h) {
            match column.errors.get(&row) {
                Some(e) => return Err(e.to_string()),
                None => {
                    owed = (owed.checked_add(Fen(column.get(row))))
                        .ok_or_else(|| minsheng_core::MoneyError::TooLarge.to_string())?;
                }
            }
        }
        Ok(owed)
    }
}

/// Worker threads for a batch: every core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// One program in one district (or the city, `district` "全市"), baseline against reform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub beneficiaries_before: u64,
    pub beneficiaries_after: u64,
    /// Monthly amounts (zero for status programs).
    pub monthly_before: Fen,
    pub monthly_after: Fen,
    pub gaining: u64,
    pub losing: u64,
    pub newly_eligible: u64,
}

impl Line {
    /// Twelve months of the change in the monthly amount; none past the range of fen.
    pub fn yearly_change(&self) -> Option<Fen> {
        (self.monthly_after.checked_sub(self.monthly_before))?.checked_mul(12)
    }
}

#[derive(Debug)]
pub struct Simulation {
    /// program variable → district → line; district "全市" is the whole city.
    pub programs: BTreeMap<String, BTreeMap<String, Line>>,
    pub undefined: usize,
}

pub const CITY: &str = "全市";

pub fn simulate(
    baseline: &Policy,
    reform: &Policy,
    month: Month,
    registry: &Registry,
    threads: usize,
) -> Result<Simulation, MoneyError> {
    let outputs: Vec<VarId> = baseline.programs();
    let on = month.first_day();
    let before: BatchResult = run(baseline, on, &registry.population, &outputs, threads);
    let after: BatchResult = run(reform, on, &registry.population, &outputs, threads);
    let population = &registry.population;
    // Districts as small numbers, the city last: one array of lines per program, no lookup
    // by name per row.
    let names = registry.district_codes();
    let district_of: Vec<usize> = registry
        .districts
        .iter()
        .map(|d| names.binary_search(&d.as_str()).unwrap_or(0))
        .collect();
    let city = names.len();
    let mut programs = BTreeMap::new();
    let mut undefined = 0;
    for ((id, b), (_, a)) in before.columns.iter().zip(&after.columns) {
        // The columns are those of `baseline.programs()`, ids of its variables.
        let Some(variable) = baseline.variables.get(*id) else {
            continue;
        };
        undefined += b.errors.len() + a.errors.len();
        let mut lines = vec![Line::default(); names.len() + 1];
        let money = variable.ty == Type::Money;
        let (mut xs, mut ys) = (b.iter(), a.iter());
        let mut row = 0;
        // Household `h`'s members are `member_start[h]..member_start[h + 1]`.
        let starts = &population.member_start;
        let sizes = starts
            .iter()
            .zip(starts.iter().skip(1))
            .map(|(start, end)| end - start);
        for (district, size) in district_of.iter().zip(sizes) {
            let members = match variable.entity {
                Entity::Group => 1,
                Entity::Member => size,
            };
            for _ in 0..members {
                let (x, y) = (xs.next().unwrap_or(0), ys.next().unwrap_or(0));
                let undefined_row = (!b.errors.is_empty() && b.errors.contains_key(&row))
                    || (!a.errors.is_empty() && a.errors.contains_key(&row));
                row += 1;
                if undefined_row {
                    continue;
                }
                for line in [*district, city] {
                    // Districts are positions in `names`, the city the one after: all in `lines`.
                    let Some(line) = lines.get_mut(line) else {
                        continue;
                    };
                    line.beneficiaries_before += u64::from(x > 0);
                    line.beneficiaries_after += u64::from(y > 0);
                    if money {
                        line.monthly_before = (line.monthly_before.checked_add(Fen(x)))
                            .ok_or(MoneyError::TooLarge)?;
                        line.monthly_after =
                            (line.monthly_after.checked_add(Fen(y))).ok_or(MoneyError::TooLarge)?;
                    }
                    line.gaining += u64::from(y > x);
                    line.losing += u64::from(y < x);
                    line.newly_eligible += u64::from(x <= 0 && y > 0);
                }
            }
        }
        let by_name: BTreeMap<String, Line> = names
            .iter()
            .map(|n| n.to_string())
            .chain([CITY.to_string()])
            .zip(lines)
            .collect();
        programs.insert(variable.name.clone(), by_name);
    }
    Ok(Simulation {
        programs,
        undefined,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum WhatIfError {
    /// A change that does not name a parameter, or a value of the wrong kind.
    #[error("changes: {0}")]
    Change(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// A reform against the rules in force, on the whole registry for a month.
#[derive(Debug)]
pub struct WhatIf {
    pub simulation: Simulation,
    pub households: usize,
    pub persons: usize,
    /// District code → name, for the simulation's districts.
    pub district_names: std::collections::HashMap<String, String>,
    pub elapsed: std::time::Duration,
}

/// Runs `baseline` and `baseline` with `changes` (`KEY=VALUE`, `KEY=+5%`) over the registry.
pub async fn what_if(
    store: &Store,
    baseline: &Policy,
    month: Month,
    changes: &[String],
    progress: &dyn Progress,
) -> Result<WhatIf, WhatIfError> {
    let reform = baseline
        .with_changes(changes, month.first_day())
        .map_err(WhatIfError::Change)?;
    let registry = load(store, baseline, month, false, progress).await?;
    let started = std::time::Instant::now();
    let simulation = simulate(baseline, &reform, month, &registry, threads())?;
    let elapsed = started.elapsed();
    let district_names = store.area_names(&registry.district_codes()).await?;
    Ok(WhatIf {
        simulation,
        households: registry.population.households(),
        persons: registry.population.persons(),
        district_names,
        elapsed,
    })
}
