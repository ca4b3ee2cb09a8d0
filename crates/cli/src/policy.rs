//! `minsheng policy`: run the rule tests of a policy folder; explain a household's month.

use std::path::Path;

use anyhow::{bail, Result};
use minsheng_app::Clock;
use minsheng_core::Month;
use minsheng_policy::{explain, Entity, Evaluation, Policy};
use minsheng_store::Store;

pub fn load(dir: &Path) -> Result<Policy> {
    Policy::load(dir).map_err(|d| anyhow::anyhow!("{d}"))
}

/// Prints each failing case; an error when any fails or a test file is malformed.
pub fn test(dir: &Path) -> Result<()> {
    let policy = load(dir)?;
    let (report, problems) = minsheng_policy::testing::run_dir(&policy, dir);
    for d in &problems.0 {
        eprintln!("{d}");
    }
    for (at, what) in &report.failures {
        eprintln!("FAIL {at}: {what}");
    }
    println!(
        "policy {}: {} variables, {} parameters; {} test cases passed, {} failed, {} malformed",
        dir.display(),
        policy.variables.len(),
        policy.parameters.leaves.len(),
        report.passed,
        report.failures.len(),
        problems.0.len()
    );
    if !report.failures.is_empty() || !problems.0.is_empty() {
        bail!("policy tests failed");
    }
    Ok(())
}

/// The programs an explanation starts from.
const ROOTS: &[&str] = &["dibao_amount", "near_poor", "tekun_basic_amount"];

pub async fn household(
    store: &Store,
    dir: &Path,
    key: &str,
    month: Month,
    json: bool,
    actor: &str,
    clock: Clock,
) -> Result<String> {
    let policy = load(dir)?;
    let file = store.household_file(key).await?;
    store
        .audit(
            actor,
            "explain_household",
            &file.code,
            &format!("month={month}"),
            clock.now,
        )
        .await?;
    let members = file.as_of(month.first_day(), clock.now);
    if members.is_empty() {
        bail!("household {} has no members in {month}", file.code);
    }
    let names: Vec<String> = members.iter().map(|(p, _)| p.name.clone()).collect();
    let mut evaluation = Evaluation::of_household(&policy, month, &members, true);
    let mut roots = Vec::new();
    for name in ROOTS {
        let Some(id) = policy.variable(name) else {
            continue;
        };
        let targets: Vec<Option<usize>> = match policy.variables[id].entity {
            Entity::Household => vec![None],
            Entity::Person => (0..members.len()).map(Some).collect(),
        };
        for t in targets {
            let _ = evaluation.variable(id, t);
            roots.push((id, t));
        }
    }
    if json {
        return Ok(serde_json::to_string_pretty(&serde_json::json!({
            "household": file.code, "month": month.to_string(),
            "computations": explain::to_json(&policy, &evaluation.computations),
        }))?);
    }
    let mut out = format!("户 {} · {month} · 规则 {}\n", file.code, dir.display());
    for (id, member) in roots {
        out.push('\n');
        out.push_str(&explain::render(
            &policy,
            &evaluation.computations,
            id,
            member,
            &names,
        ));
    }
    Ok(out)
}
