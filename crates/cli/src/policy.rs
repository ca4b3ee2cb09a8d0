//! `minsheng policy`: run the rule tests of a policy folder; explain a household's month.

use std::path::Path;

use anyhow::{bail, Result};
use minsheng_app::Clock;
use minsheng_core::Month;
use minsheng_policy::{explain, Policy};
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

/// Explains every program for a household and month, from the registry as known at
/// `known_at` (now, or a payment cycle's freeze).
#[allow(clippy::too_many_arguments)]
pub async fn household(
    store: &Store,
    dir: &Path,
    key: &str,
    month: Month,
    known_at: chrono::DateTime<chrono::Utc>,
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
    let members = file.as_of(month.first_day(), known_at);
    if members.is_empty() {
        bail!("household {} has no members in {month}", file.code);
    }
    let mut explained = explain::household(&policy, month, &members);
    let summaries = explained.summaries();
    if json {
        return Ok(serde_json::to_string_pretty(&serde_json::json!({
            "household": file.code, "month": month.to_string(),
            "summary": summaries,
            "computations": explained.to_json(),
        }))?);
    }
    let mut out = format!("户 {} · {month} · 规则 {}\n", file.code, dir.display());
    // The outcomes first, each with the conditions that decided it; the trees after.
    out.push('\n');
    for s in &summaries {
        let who = s
            .member
            .as_ref()
            .map(|m| format!(" · {m}"))
            .unwrap_or_default();
        out.push_str(&format!("{}{who}\n", s.outcome));
        for line in s.reasons.iter().chain(s.arithmetic.iter()) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for tree in explained.trees() {
        out.push('\n');
        out.push_str(&tree);
    }
    Ok(out)
}

/// Baseline against reform over the registry, printed by program and district.
pub async fn simulate(
    store: &Store,
    dir: &Path,
    month: Month,
    changes: &[String],
) -> Result<String> {
    use minsheng_app::policy::{what_if, CITY};
    let baseline = load(dir)?;
    let done = what_if(
        store,
        &baseline,
        month,
        changes,
        &crate::progress::Bars::new(),
    )
    .await?;
    let (result, names, elapsed) = (&done.simulation, &done.district_names, done.elapsed);
    let yuan = minsheng_core::Fen::grouped;
    let mut out = format!(
        "改革测算 · {month} · {} 户 {} 人 · 变更: {}\n",
        done.households,
        done.persons,
        changes.join(", ")
    );
    for (program, districts) in &result.programs {
        let variable = baseline
            .variable(program)
            .and_then(|id| baseline.variables.get(id));
        let label = variable.map(|v| v.label.clone()).unwrap_or_default();
        let one_off = variable.is_some_and(|v| v.one_off);
        out.push_str(&format!("\n{label} ({program})\n"));
        out.push_str(&format!(
            "  {:<12} {:>10} {:>10} {:>16} {:>16} {:>18} {:>8} {:>8} {:>8}\n",
            "区(市)",
            "受益 前",
            "受益 后",
            "月支出 前(元)",
            "月支出 后(元)",
            "年支出变化(元)",
            "增加",
            "减少",
            "新增"
        ));
        // Districts in code order, the city last.
        let rows = districts
            .iter()
            .filter(|(d, _)| d.as_str() != CITY)
            .chain(districts.iter().filter(|(d, _)| d.as_str() == CITY));
        for (district, line) in rows {
            let name = names
                .get(district)
                .cloned()
                .unwrap_or_else(|| district.clone());
            out.push_str(&format!(
                "  {:<12} {:>10} {:>10} {:>16} {:>16} {:>18} {:>8} {:>8} {:>8}\n",
                name,
                line.beneficiaries_before,
                line.beneficiaries_after,
                yuan(line.monthly_before),
                yuan(line.monthly_after),
                if one_off {
                    "一次性给付".to_string()
                } else {
                    line.yearly_change()
                        .map_or_else(|| minsheng_core::MoneyError::TooLarge.to_string(), yuan)
                },
                line.gaining,
                line.losing,
                line.newly_eligible
            ));
        }
    }
    out.push_str(&format!(
        "\n{} rows undefined (left out, see `policy explain`); both runs took {:.3} s.",
        result.undefined,
        elapsed.as_secs_f64()
    ));
    Ok(out)
}
