//! Proactive discovery and dynamic monitoring (主动发现, 免申即享, 动态监测).
//!
//! A **sweep** runs the rules over the whole registry for a month and compares, household by
//! household and program by program, what they say with what is enrolled and what the last
//! cycle paid (see [`ProgramState::finding`]). An **event** — a change recorded for one
//! household — does the same for that household at once, with the explaining interpreter
//! instead of the batch; the agreement test of the two executors makes both raise the same
//! findings. Either way the findings, the 免申即享 enrolments and (for a sweep) the counts of
//! the low-income population are stored in one transaction; each finding is explained by the
//! rules applied to the registry as known at its sweep.

use std::collections::{BTreeMap, HashMap, HashSet};

use minsheng_app::{Clock, Progress};
use minsheng_core::{Fen, Month};
use minsheng_payments::PaymentsStore as _;
use minsheng_policy::{Entity, Evaluation, Grant, Policy, Value, VarId};
use minsheng_store::{NewAuditEntry, Store, StoreError};

use crate::domain::discovery::{Finding, FindingKind, MonitoringCount, ProgramState, Sweep};
use crate::storage::{DiscoveryStore as _, SweepRecord};

#[derive(Debug, Clone)]
pub struct SweepReport {
    pub sweep: Sweep,
    pub record: SweepRecord,
    /// Households × programs the rules could not decide (division by zero, conflicting
    /// exceptions): (household code, program, error).
    pub undecided: Vec<(String, String, String)>,
    pub monitoring: Vec<MonitoringCount>,
    /// Wall time of each phase: reading, rules, comparing, storing.
    pub phases: Vec<(&'static str, std::time::Duration)>,
}

/// What is enrolled for the month and what the last cycle owed, by household key.
struct Current {
    enrolled: HashMap<String, HashSet<i64>>,
    /// (household, program) in gradual exit this month.
    tapering: HashSet<(i64, String)>,
    last_owed: HashMap<(i64, String), Fen>,
}

impl Current {
    fn state(&self, program: &minsheng_policy::Program, household: i64, owed: Fen) -> ProgramState {
        ProgramState {
            automatic: program.grant == Grant::Automatic,
            owed,
            enrolled: self
                .enrolled
                .get(&program.code)
                .is_some_and(|s| s.contains(&household)),
            last_owed: self
                .last_owed
                .get(&(household, program.code.clone()))
                .copied(),
            tapering: self.tapering.contains(&(household, program.code.clone())),
        }
    }

    /// Marks each `ineligible` finding of one household whose program the household also
    /// holds under one the catalog declares exclusive with it (enrolled and owed): the overlap
    /// the rules resolved, left for a caseworker to close.
    fn name_exclusions(
        &self,
        policy: &Policy,
        household: i64,
        owed: &[(&str, Fen)],
        findings: &mut [Finding],
    ) {
        for f in findings
            .iter_mut()
            .filter(|f| f.kind == FindingKind::Ineligible)
        {
            f.excluded_by = owed
                .iter()
                .filter(|(code, amount)| {
                    *amount > Fen::ZERO
                        && policy.exclusion(&f.program, code).is_some()
                        && self
                            .enrolled
                            .get(*code)
                            .is_some_and(|s| s.contains(&household))
                })
                .map(|(code, _)| code.to_string())
                .next();
        }
    }
}

/// Sweeps the whole registry for `month`.
pub async fn sweep(
    store: &Store,
    policy: &Policy,
    month: Month,
    actor: &str,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<SweepReport, StoreError> {
    let known_at = clock.now;
    let mut phases = Vec::new();
    let mut phase = std::time::Instant::now();
    let mut lap = |name: &'static str| {
        phases.push((name, phase.elapsed()));
        phase = std::time::Instant::now();
    };
    let registry = minsheng_app::policy::load(store, policy, month, true, progress).await?;
    let enrolled = store.payments().enrolled(month, known_at).await?;
    let current = Current {
        tapering: enrolled
            .iter()
            .flat_map(|(p, units)| {
                units
                    .iter()
                    .filter(|u| u.tapering.is_some())
                    .map(move |u| (u.household_id, p.clone()))
            })
            .collect(),
        enrolled: enrolled
            .into_iter()
            .map(|(p, units)| (p, units.iter().map(|u| u.household_id).collect()))
            .collect(),
        last_owed: store.discovery().last_owed(month).await?,
    };
    // The low-income categories the catalog declares (`monitoring.yaml`), each placed by a
    // variable: a household variable, or a person variable true for any member.
    let categories: Vec<(&str, VarId, Option<&str>)> = policy
        .monitoring
        .iter()
        .map(|c| (c.code.as_str(), c.variable, c.program.as_deref()))
        .collect();
    let mut wanted: Vec<VarId> = policy.programs.iter().map(|p| p.amount).collect();
    wanted.extend(categories.iter().map(|(_, id, _)| *id));
    lap("read the registry, enrolments and last cycle");
    progress.start("applying the rules", None);
    let result = registry.evaluate(policy, month, &wanted);
    progress.finish();
    lap("apply the rules (batch)");
    let mut findings = Vec::new();
    let mut undecided = Vec::new();
    let mut counts: BTreeMap<(String, &str), MonitoringCount> = BTreeMap::new();
    // `load` was asked to keep each household's code and community, beside its key.
    let households = registry
        .household_ids
        .iter()
        .zip(&registry.households)
        .zip(&registry.communities);
    // One household's owed amounts by program, refilled for each (no allocation per household).
    let mut owed_here: Vec<(&str, Fen)> = Vec::with_capacity(policy.programs.len());
    for (h, ((&household, code), community)) in households.enumerate() {
        let first = findings.len();
        owed_here.clear();
        for (program, (_, column)) in policy.programs.iter().zip(&result.columns) {
            // A service is applied for by the person it serves, through its own procedure.
            if program.grant == Grant::Service {
                continue;
            }
            let owed = match registry.owed(program.entity, column, h) {
                Ok(owed) => owed,
                Err(error) => {
                    undecided.push((code.clone(), program.code.clone(), error));
                    continue;
                }
            };
            owed_here.push((program.code.as_str(), owed));
            if let Some(kind) = current.state(program, household, owed).finding() {
                findings.push(Finding {
                    household_id: household,
                    household: code.clone(),
                    program: program.code.clone(),
                    kind,
                    owed,
                    last_owed: current
                        .last_owed
                        .get(&(household, program.code.clone()))
                        .copied(),
                    area: community.clone(),
                    excluded_by: None,
                });
            }
        }
        let here = findings.get_mut(first..).unwrap_or_default();
        current.name_exclusions(policy, household, &owed_here, here);
        // The columns follow `wanted`: the programs' amounts, then the categories' variables.
        let category_columns = result.columns.iter().skip(policy.programs.len());
        for ((category, id, program), (_, column)) in categories.iter().zip(category_columns) {
            // The catalog resolved each category's variable by name, so it exists.
            let Some(entity) = policy.variables.get(*id).map(|v| v.entity) else {
                continue;
            };
            if !registry
                .rows(entity, h)
                .any(|r| column.get(r) != 0 && !column.errors.contains_key(&r))
            {
                continue;
            }
            let count = counts
                .entry((community.clone(), category))
                .or_insert_with(|| MonitoringCount {
                    area: community.clone(),
                    category: category.to_string(),
                    households: 0,
                    persons: 0,
                    enrolled: 0,
                });
            count.households += 1;
            count.persons += registry.rows(Entity::Member, h).len() as u64;
            count.enrolled += u64::from(program.is_some_and(|p| {
                current
                    .enrolled
                    .get(p)
                    .is_some_and(|s| s.contains(&household))
            }));
        }
    }
    let sweep = Sweep {
        id: 0,
        month,
        known_at,
        policy_digest: policy.digest.clone(),
        cause: "sweep".into(),
        households: registry.household_ids.len() as u64,
        started_by: actor.to_string(),
    };
    let monitoring: Vec<MonitoringCount> = counts.into_values().collect();
    lap("compare with enrolments and payments");
    let report = finish(
        store, sweep, &findings, monitoring, None, undecided, actor, clock,
    )
    .await?;
    lap("store findings, grants and counts");
    Ok(SweepReport { phases, ..report })
}

/// Stores what a sweep found (for every household, or `scope`'s alone) and audits it.
#[allow(clippy::too_many_arguments)]
async fn finish(
    store: &Store,
    sweep: Sweep,
    findings: &[Finding],
    monitoring: Vec<MonitoringCount>,
    scope: Option<i64>,
    undecided: Vec<(String, String, String)>,
    actor: &str,
    clock: Clock,
) -> Result<SweepReport, StoreError> {
    let record = store
        .discovery()
        .record_sweep(&sweep, findings, &monitoring, scope, |record| {
            NewAuditEntry {
                actor: actor.into(),
                action: if sweep.cause == "sweep" {
                    "sweep"
                } else {
                    "reevaluate"
                }
                .into(),
                subject: format!("sweep:{}", record.id),
                detail: format!(
                "month={} cause={} households={} new_findings={} repeated={} granted={} closed={}",
                sweep.month,
                sweep.cause,
                sweep.households,
                record.new.len(),
                record.repeated,
                record.granted,
                record.closed
            ),
                at: clock.now,
            }
        })
        .await?;
    Ok(SweepReport {
        sweep: Sweep {
            id: record.id,
            ..sweep
        },
        record,
        undecided,
        monitoring,
        phases: Vec::new(),
    })
}

/// Re-evaluates one household for `month` after a change to it (`cause` says which), and
/// raises the same findings a sweep would.
pub async fn reevaluate(
    store: &Store,
    policy: &Policy,
    household: &str,
    month: Month,
    cause: &str,
    actor: &str,
    clock: Clock,
) -> Result<SweepReport, StoreError> {
    let known_at = clock.now;
    let file = store.household_file(household).await?;
    let household_id = store.household_id(&file.code).await?;
    let members = file.as_of(month.first_day(), known_at);
    let running: Vec<_> = store
        .payments()
        .enrolments(&file.code)
        .await?
        .into_iter()
        .filter(|e| e.covers(month) && e.recorded_at <= known_at)
        .collect();
    let enrolled: HashMap<String, HashSet<i64>> = running
        .iter()
        .map(|e| (e.program.clone(), HashSet::from([household_id])))
        .collect();
    let tapering = running
        .iter()
        .filter(|e| e.tapering(month).is_some())
        .map(|e| (household_id, e.program.clone()))
        .collect();
    let current = Current {
        enrolled,
        tapering,
        last_owed: store.discovery().last_owed_of(month, household_id).await?,
    };
    let mut evaluation = Evaluation::of_household(policy, month, &members, false);
    let mut findings = Vec::new();
    let mut undecided = Vec::new();
    let area = members.first().map_or_else(
        || file.area.as_str().to_string(),
        |(_, f)| f.area.as_str().to_string(),
    );
    let mut owed_here = Vec::new();
    for program in policy.programs.iter().filter(|p| p.grant != Grant::Service) {
        let targets = minsheng_policy::eval::members_of(policy, program.amount, members.len());
        let mut owed = Fen::ZERO;
        let mut error = None;
        for target in targets {
            match evaluation.variable(program.amount, target) {
                Ok(Value::Money(amount)) => match owed.checked_add(amount) {
                    Some(sum) => owed = sum,
                    None => error = Some(minsheng_core::MoneyError::TooLarge.to_string()),
                },
                Ok(other) => error = Some(format!("not an amount: {other:?}")),
                Err(e) => error = Some(e.to_string()),
            }
        }
        if let Some(error) = error {
            undecided.push((file.code.clone(), program.code.clone(), error));
            continue;
        }
        owed_here.push((program.code.as_str(), owed));
        if let Some(kind) = current.state(program, household_id, owed).finding() {
            findings.push(Finding {
                household_id,
                household: file.code.clone(),
                program: program.code.clone(),
                kind,
                owed,
                last_owed: current
                    .last_owed
                    .get(&(household_id, program.code.clone()))
                    .copied(),
                area: area.clone(),
                excluded_by: None,
            });
        }
    }
    current.name_exclusions(policy, household_id, &owed_here, &mut findings);
    let sweep = Sweep {
        id: 0,
        month,
        known_at,
        policy_digest: policy.digest.clone(),
        cause: cause.to_string(),
        households: 1,
        started_by: actor.to_string(),
    };
    finish(
        store,
        sweep,
        &findings,
        Vec::new(),
        Some(household_id),
        undecided,
        actor,
        clock,
    )
    .await
}
