//! The payments commands: `minsheng pay` (the monthly cycle, printed for an operator), and
//! `caseload` (every entitled household enrolled from a month).

use minsheng_payments::PaymentsStore as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use minsheng_app::Clock;
use minsheng_core::access::Duty;
use minsheng_core::{Fen, Month};
use minsheng_payments::CycleStatus;
use minsheng_payments::{self as payments, Computed};
use minsheng_policy::Policy;
use minsheng_store::Store;

use crate::progress::Bars;
use crate::show::china;

#[derive(Subcommand)]
pub enum PayCommand {
    /// Approve the month's computed cycle (someone other than who computed it).
    Approve {
        #[arg(long)]
        month: Month,
    },
    /// Send everything outstanding in a new batch and write its bank file (CSV with full ID
    /// numbers, for the bank); with nothing outstanding, write the last batch's file again.
    Disburse {
        #[arg(long)]
        month: Month,
        /// Folder for the bank file `minsheng-pay-YYYY-MM-batchN.csv`.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Write a batch's bank file again from the ledger (the same bytes as when it was sent),
    /// e.g. after a crash or when the bank asks for it again.
    BankFile {
        #[arg(long)]
        month: Month,
        #[arg(long)]
        batch: u32,
        /// Folder for the bank file `minsheng-pay-YYYY-MM-batchN.csv`.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Record the bank's return file (reference,result,reason): confirmed payments, and
    /// failed ones, which go out again in the next batch.
    Reconcile { file: PathBuf },
    /// Where the month's cycle stands.
    Status {
        #[arg(long)]
        month: Month,
    },
    /// Net amounts paid by month, program and district (累计发放).
    Totals {
        #[arg(long)]
        from: Month,
        #[arg(long)]
        to: Month,
    },
    /// Explain a household's amounts from the registry as the month's cycle froze it.
    Explain {
        /// Household code or a member's ID number.
        key: String,
        #[arg(long)]
        month: Month,
        #[arg(long)]
        json: bool,
    },
}

/// Program labels for display: from the policy when it loads, else the codes alone (paying
/// out, reconciling and totals do not need the rules).
struct Labels(Option<Policy>);

impl Labels {
    fn of(&self, code: &str) -> String {
        self.0
            .as_ref()
            .and_then(|p| p.program(code))
            .map_or_else(|| code.to_string(), |p| format!("{} ({code})", p.label))
    }
}

fn status_text(labels: &Labels, month: Month, status: &CycleStatus) -> String {
    let mut out = format!("  {:<34} {:>10} {:>18}\n", "项目", "受益人", "金额(元)");
    for (program, n, total) in &status.owed {
        out.push_str(&format!(
            "  {:<34} {:>10} {:>18}\n",
            labels.of(program),
            n,
            total.grouped()
        ));
    }
    out.push_str(&format!(
        "  {:<34} {:>10} {:>18}\n",
        "合计",
        status.payees(),
        status.total_owed.grouped()
    ));
    out.push_str(&format!(
        "{month}: {} batch(es); {} payments sent and standing ({} confirmed by the bank), {} returned, {} outstanding; net paid {} 元\n",
        status.batches,
        status.sent,
        status.confirmed,
        status.returned,
        status.outstanding,
        status.net_paid.grouped()
    ));
    out
}

async fn show_cycle(store: &Store, labels: &Labels, month: Month) -> Result<String> {
    let cycle = store.payments().pay_cycle(month).await?.with_context(|| {
        format!("{month} 还没有发放周期：请先测算（minsheng pay --month {month}）")
    })?;
    let status = store.payments().cycle_status(month).await?;
    let approval = match &cycle.approved {
        Some((by, at)) => format!("approved by {by} at {}", china(*at)),
        None => "awaiting approval".to_string(),
    };
    let rules = match &labels.0 {
        None => "rules",
        Some(p) if p.digest == cycle.policy_digest => "the current rules",
        Some(_) => "rules since changed",
    };
    Ok(format!(
        "发放周期 {month} · registry frozen at {} (China time) · computed by {} under {rules} (sha256 {}) · {approval}\n{}",
        china(cycle.frozen_at),
        cycle.computed_by,
        &cycle.policy_digest[..12.min(cycle.policy_digest.len())],
        status_text(labels, month, &status)
    ))
}

fn computed_text(labels: &Labels, c: &Computed) -> String {
    let mut out = String::new();
    if !c.unpaid.is_empty() {
        let (zero, undecided): (Vec<_>, Vec<_>) = c.unpaid.iter().partition(|u| u.error.is_empty());
        if !zero.is_empty() {
            out.push_str(&format!(
                "{} enrolment(s) get nothing this month under the rules (no longer eligible: review them), e.g.:\n",
                zero.len()
            ));
            for u in zero.iter().take(10) {
                out.push_str(&format!("  {} {}\n", u.household, labels.of(&u.program)));
            }
        }
        for u in &undecided {
            let what = if u.excluded_by.is_some() {
                "held back"
            } else {
                "not decided"
            };
            out.push_str(&format!(
                "  {what}: {} {}: {}\n",
                u.household,
                labels.of(&u.program),
                u.error
            ));
        }
    }
    for p in &c.unknown_programs {
        out.push_str(&format!(
            "enrolments in '{p}' are not paid: the policy has no such program\n"
        ));
    }
    out
}

/// The duty a pay command bears, and what it is called in a refusal; `None` for looking.
pub fn duty(command: Option<&PayCommand>) -> Option<(Duty, &'static str)> {
    match command {
        None => Some((Duty::RunPayments, "computing a month's payments")),
        Some(PayCommand::Approve { .. }) => {
            Some((Duty::ApprovePayments, "approving a month's payments"))
        }
        Some(PayCommand::Disburse { .. }) => {
            Some((Duty::RunPayments, "sending payments to the bank"))
        }
        Some(PayCommand::BankFile { .. }) => Some((Duty::RunPayments, "writing a bank file")),
        Some(PayCommand::Reconcile { .. }) => {
            Some((Duty::RunPayments, "recording the bank's answers"))
        }
        Some(
            PayCommand::Status { .. } | PayCommand::Totals { .. } | PayCommand::Explain { .. },
        ) => None,
    }
}

pub async fn run(
    store: &Store,
    policy_dir: &Path,
    month: Option<Month>,
    recompute: bool,
    command: Option<PayCommand>,
    actor: &str,
    clock: Clock,
) -> Result<ExitCode> {
    let Some(command) = command else {
        let month = month.context("say which month: minsheng pay --month YYYY-MM")?;
        let policy = crate::policy::load(policy_dir)?;
        let computed =
            payments::compute(store, &policy, month, recompute, actor, clock, &Bars::new()).await?;
        let labels = Labels(Some(policy));
        if !computed.created {
            println!("The {month} cycle was computed before; showing it (--recompute replaces it until approved).");
        }
        print!("{}", show_cycle(store, &labels, month).await?);
        print!("{}", computed_text(&labels, &computed));
        if computed.cycle.approved.is_none() {
            println!("Next: another person approves it: minsheng pay approve --month {month} --actor <approver>");
        }
        return Ok(ExitCode::SUCCESS);
    };
    let labels = Labels(Policy::load(policy_dir).ok());
    match command {
        PayCommand::Approve { month } => {
            if payments::approve(store, month, actor, clock).await? {
                println!("Approved by {actor}.");
            } else {
                println!("The {month} cycle was approved before; nothing changed.");
            }
            print!("{}", show_cycle(store, &labels, month).await?);
        }
        PayCommand::Disburse { month, dir } => {
            match payments::disburse(store, month, &dir, actor, clock).await? {
                Some(d) => println!(
                    "{} batch {}: {} payments, {} 元 → {}",
                    if d.new_batch {
                        "Sent"
                    } else {
                        "Nothing outstanding; wrote again"
                    },
                    d.batch,
                    d.payments,
                    d.total.grouped(),
                    d.file.display()
                ),
                None => println!("The {month} cycle owes nothing; no bank file."),
            }
            print!("{}", show_cycle(store, &labels, month).await?);
        }
        PayCommand::BankFile { month, batch, dir } => {
            let d = payments::rewrite_bank_file(store, month, batch, &dir, actor, clock).await?;
            println!(
                "{month} batch {}: {} payments, {} 元 → {}",
                d.batch,
                d.payments,
                d.total.grouped(),
                d.file.display()
            );
        }
        PayCommand::Reconcile { file } => {
            let r = payments::reconcile(
                store,
                &crate::policy::load(policy_dir)?,
                &file,
                actor,
                clock,
            )
            .await?;
            println!(
                "{}: {} confirmed, {} returned (they go out in the next batch), {} already recorded.",
                file.display(),
                r.confirmed,
                r.returned,
                r.already_recorded
            );
        }
        PayCommand::Status { month } => print!("{}", show_cycle(store, &labels, month).await?),
        PayCommand::Totals { from, to } => {
            let totals =
                payments::totals(store, from, to, &minsheng_core::access::Scope::Everything)
                    .await?;
            let districts: Vec<&str> = totals.iter().map(|t| t.district.as_str()).collect();
            let names = store.area_names(&districts).await?;
            println!("累计发放 {from} – {to}");
            println!(
                "  {:<8} {:<34} {:<12} {:>10} {:>18}",
                "月份", "项目", "区(市)", "受益人", "净发放(元)"
            );
            let sum = Fen::total(totals.iter().map(|t| t.net))?;
            for t in &totals {
                println!(
                    "  {:<8} {:<34} {:<12} {:>10} {:>18}",
                    t.month.to_string(),
                    labels.of(&t.program),
                    names
                        .get(&t.district)
                        .cloned()
                        .unwrap_or_else(|| t.district.clone()),
                    t.payees,
                    t.net.grouped()
                );
            }
            println!("  合计 {} 元", sum.grouped());
        }
        PayCommand::Explain { key, month, json } => {
            let cycle = store
                .payments()
                .pay_cycle(month)
                .await?
                .with_context(|| format!("{month} 还没有发放周期"))?;
            let policy = crate::policy::load(policy_dir)?;
            if cycle.policy_digest != policy.digest {
                eprintln!(
                    "note: the rules in {} changed since the {month} cycle was computed (sha256 {} then, {} now); this explanation uses today's rules",
                    policy_dir.display(),
                    &cycle.policy_digest[..12.min(cycle.policy_digest.len())],
                    &policy.digest[..12]
                );
            }
            if !json {
                println!(
                    "按 {month} 发放周期冻结的登记信息 (as known at {} China time)",
                    china(cycle.frozen_at)
                );
            }
            let text = crate::policy::household(
                store,
                policy_dir,
                &key,
                month,
                cycle.frozen_at,
                json,
                actor,
                clock,
            )
            .await?;
            println!("{text}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `minsheng caseload MONTH`: every household the rules entitle, enrolled from the month.
pub async fn caseload(
    store: &Store,
    policy: &minsheng_policy::Policy,
    month: Month,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let enrolled = minsheng_payments::enrol_caseload(
        store,
        policy,
        month,
        &format!("caseload carried over: entitled under the rules in {month}"),
        actor,
        clock,
        &Bars::new(),
    )
    .await?;
    println!("Caseload enrolled from {month} (households already enrolled are kept):");
    for (code, n) in enrolled {
        let label = policy.program(&code).map_or("", |p| p.label.as_str());
        println!("  {label} ({code}): {n}");
    }
    Ok(())
}
