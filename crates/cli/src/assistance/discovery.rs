//! `minsheng sweep` and `minsheng low-income`: proactive discovery and monitoring, printed.

use minsheng_assistance::storage::DiscoveryStore as _;
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use clap::Subcommand;
use minsheng_app::Clock;
use minsheng_assistance::discovery::SweepReport;
use minsheng_assistance::FindingKind;
use minsheng_core::Month;
use minsheng_policy::Policy;
use minsheng_store::Store;

use crate::progress::Bars;

#[derive(Subcommand)]
pub enum SweepCommand {
    /// A household's findings, and the rules applied to the registry as its last sweep knew it.
    Show {
        /// Household code or a member's ID number.
        key: String,
    },
}

fn label(policy: &Policy, code: &str) -> String {
    policy
        .program(code)
        .map_or_else(|| code.to_string(), |p| format!("{} ({code})", p.label))
}

/// The findings of a sweep or an event, for the terminal.
pub fn report(policy: &Policy, r: &SweepReport) -> String {
    let mut out = format!(
        "核查 {} · {} · {} 户 · sweep {}: {} new finding(s), {} raised before, {} closed (no longer hold), {} household(s) enrolled without application (免申即享)\n",
        r.sweep.month,
        if r.sweep.cause == "sweep" { "全量核查" } else { r.sweep.cause.as_str() },
        r.sweep.households,
        r.sweep.id,
        r.record.new.len(),
        r.record.repeated,
        r.record.closed,
        r.record.granted,
    );
    let mut by: BTreeMap<(FindingKind, &str), Vec<&minsheng_assistance::Finding>> = BTreeMap::new();
    for f in &r.record.new {
        by.entry((f.kind, f.program.as_str())).or_default().push(f);
    }
    for ((kind, program), findings) in &by {
        out.push_str(&format!(
            "  {:<28} {:<40} {:>7}   e.g. {}\n",
            kind.label(),
            label(policy, program),
            findings.len(),
            findings
                .iter()
                .take(3)
                .map(|f| match f.last_owed {
                    Some(before) => format!(
                        "{} ({} → {} 元)",
                        f.household,
                        before.grouped(),
                        f.owed.grouped()
                    ),
                    None => format!("{} ({} 元)", f.household, f.owed.grouped()),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (household, program, error) in r.undecided.iter().take(10) {
        out.push_str(&format!("  not decided: {household} {program}: {error}\n"));
    }
    if r.undecided.len() > 10 {
        out.push_str(&format!("  … {} undecided in all\n", r.undecided.len()));
    }
    if let Some(f) = r.record.new.first() {
        out.push_str(&format!(
            "Why: minsheng sweep show {} (the rules as they applied at the sweep)\n",
            f.household
        ));
    }
    out
}

pub async fn run(
    store: &Store,
    policy_dir: &Path,
    month: Option<Month>,
    command: Option<SweepCommand>,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let policy = crate::policy::load(policy_dir)?;
    match command {
        None => {
            let month = month.context("say which month: minsheng sweep --month YYYY-MM")?;
            let started = std::time::Instant::now();
            let r = minsheng_assistance::discovery::sweep(
                store,
                &policy,
                month,
                actor,
                clock,
                &Bars::new(),
            )
            .await?;
            print!("{}", report(&policy, &r));
            println!("({:.1} s)", started.elapsed().as_secs_f64());
        }
        Some(SweepCommand::Show { key }) => {
            let file = store.household_file(&key).await?;
            let findings = store.discovery().findings_of(&file.code).await?;
            let Some(latest) = findings.first() else {
                println!("No findings for household {}.", file.code);
                return Ok(());
            };
            println!("户 {} 的核查发现 (newest first):", file.code);
            for f in &findings {
                let money = match f.finding.last_owed {
                    Some(before) => {
                        format!("{} → {} 元", before.grouped(), f.finding.owed.grouped())
                    }
                    None => format!("{} 元", f.finding.owed.grouped()),
                };
                println!(
                    "  {} sweep {} · {} · {} · {} · {}",
                    f.month,
                    f.sweep_id,
                    f.finding.kind.label(),
                    label(&policy, &f.finding.program),
                    money,
                    if f.open { "open" } else { "closed" }
                );
            }
            let sweep = store.discovery().sweep(latest.sweep_id).await?;
            println!(
                "\nThe rules for {} as sweep {} applied them (registry as known at {} China time):\n",
                latest.month,
                sweep.id,
                crate::show::china(sweep.known_at)
            );
            let text = crate::policy::household(
                store,
                policy_dir,
                &file.code,
                latest.month,
                sweep.known_at,
                false,
                actor,
                clock,
            )
            .await?;
            println!("{text}");
        }
    }
    Ok(())
}

/// The low-income population by district, or by community within `area`: one column per
/// category of the catalog (`monitoring.yaml`), households (enrolled) / persons.
pub async fn low_income(
    store: &Store,
    policy: &Policy,
    month: Month,
    area: Option<&str>,
) -> Result<String> {
    let (sweep, counts) = store
        .discovery()
        .monitoring(month, &minsheng_core::access::Scope::Everything)
        .await?
        .with_context(|| format!("no sweep of {month} yet: minsheng sweep --month {month}"))?;
    let prefix = area.unwrap_or("");
    let level = match prefix.len() {
        0 => 6,
        6 => 9,
        _ => 12,
    };
    let mut rows: BTreeMap<String, BTreeMap<&str, (u64, u64, u64)>> = BTreeMap::new();
    for c in counts.iter().filter(|c| c.area.starts_with(prefix)) {
        let key: String = c.area.chars().take(level).collect();
        let cell = rows
            .entry(key)
            .or_default()
            .entry(c.category.as_str())
            .or_default();
        cell.0 += c.households;
        cell.1 += c.persons;
        cell.2 += c.enrolled;
    }
    let codes: Vec<&str> = rows.keys().map(String::as_str).collect();
    let names = store.area_names(&codes).await?;
    let heading = |c: &minsheng_policy::MonitoringCategory| match c.program {
        Some(_) => format!("{} 户(已纳入)/人", c.label),
        None => format!("{} 户/人", c.label),
    };
    let mut out = format!(
        "低收入人口动态监测 · {month} · sweep {} ({} 户 evaluated){}\n  {:<20}",
        sweep.id,
        sweep.households,
        area.map(|a| format!(" · {a}")).unwrap_or_default(),
        "区域",
    );
    for c in &policy.monitoring {
        out.push_str(&format!(" {:>22}", heading(c)));
    }
    out.push('\n');
    let mut total: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
    let line = |name: &str, cells: &BTreeMap<&str, (u64, u64, u64)>| {
        let mut text = format!("  {name:<20}");
        for c in &policy.monitoring {
            let (households, persons, enrolled) =
                cells.get(c.code.as_str()).copied().unwrap_or_default();
            let cell = match c.program {
                Some(_) => format!("{households}({enrolled})/{persons}"),
                None => format!("{households}/{persons}"),
            };
            text.push_str(&format!(" {cell:>22}"));
        }
        text.push('\n');
        text
    };
    for (code, cells) in &rows {
        let name = names.get(code).cloned().unwrap_or_else(|| code.clone());
        out.push_str(&line(&name, cells));
        for (c, v) in cells {
            let t = total.entry(c).or_default();
            t.0 += v.0;
            t.1 += v.1;
            t.2 += v.2;
        }
    }
    out.push_str(&line("合计", &total));
    let open = store.discovery().open_findings(month).await?;
    if !open.is_empty() {
        out.push_str("Open findings of the month (whole city):\n");
        for (kind, program, n) in open {
            out.push_str(&format!("  {:<28} {:<24} {n}\n", kind.label(), program));
        }
    }
    Ok(out)
}
