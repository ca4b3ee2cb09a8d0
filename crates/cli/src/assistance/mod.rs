//! The social-assistance commands: a caseworker's applications and cases ([`cases`]), the
//! city's sweeps ([`discovery`]), and the decisions and reviews of running benefits.

pub mod cases;
pub mod discovery;

use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;
use minsheng_app::Clock;
use minsheng_assistance::cases::EnrolmentDecision;
use minsheng_core::Month;
use minsheng_payments::PaymentsStore as _;
use minsheng_policy::Policy;
use minsheng_store::Store;

#[derive(Subcommand)]
pub enum EnrolmentCommand {
    /// Record a periodic review (定期核查): what was found. To stop or change the benefit, the
    /// district then suspends or ends it.
    Review {
        #[arg(long)]
        findings: String,
    },
    /// Stop paying from a month until someone resumes it (暂停).
    Suspend {
        #[arg(long)]
        from: Month,
        #[arg(long)]
        reason: String,
    },
    /// Pay again from a month (恢复).
    Resume {
        #[arg(long)]
        from: Month,
        #[arg(long)]
        reason: String,
    },
    /// Gradual exit (渐退): keep paying last cycle's amount for N months from a month, then
    /// end — income from work has lifted the household above the line.
    Taper {
        #[arg(long)]
        from: Month,
        #[arg(long)]
        months: u32,
        #[arg(long)]
        reason: String,
    },
    /// Pay up to and including a month, then no more (终止).
    End {
        #[arg(long)]
        last: Month,
        #[arg(long)]
        reason: String,
    },
}

/// `minsheng enrolment ID [DECISION]`: a running benefit, after the decision or review if one
/// is given.
pub async fn enrolment(
    store: &Store,
    policy: &Policy,
    id: i64,
    decision: Option<EnrolmentCommand>,
    actor: &str,
    clock: Clock,
) -> Result<ExitCode> {
    let decide = |decision: EnrolmentDecision, reason: String| async move {
        minsheng_assistance::cases::decide_enrolment(
            store, policy, id, &decision, &reason, actor, clock,
        )
        .await
    };
    match decision {
        None => {}
        Some(EnrolmentCommand::Review { findings }) => {
            minsheng_assistance::cases::review(store, id, &findings, actor, clock).await?;
        }
        Some(EnrolmentCommand::Suspend { from, reason }) => {
            decide(EnrolmentDecision::Suspend { from }, reason).await?;
        }
        Some(EnrolmentCommand::Resume { from, reason }) => {
            decide(EnrolmentDecision::Resume { from }, reason).await?;
        }
        Some(EnrolmentCommand::Taper {
            from,
            months,
            reason,
        }) => {
            decide(EnrolmentDecision::Taper { from, months }, reason).await?;
        }
        Some(EnrolmentCommand::End { last, reason }) => {
            decide(EnrolmentDecision::End { last }, reason).await?;
        }
    }
    let (e, area, pauses) = store.payments().enrolment(id).await?;
    println!(
        "enrolment {} · household {} ({area}) · {} from {}{} · {}",
        e.id,
        e.household,
        e.program,
        e.first_month,
        e.last_month.map(|m| format!(" to {m}")).unwrap_or_default(),
        e.basis
    );
    if let Some((from, amount)) = e.taper {
        println!(
            "  渐退 from {from}: {} 元 a month until it ends",
            amount.grouped()
        );
    }
    for (from, resumed, reason) in pauses {
        match resumed {
            Some(to) => println!("  suspended {from} – resumed {to}: {reason}"),
            None => println!("  suspended from {from} until resumed: {reason}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `minsheng reviews`: the running benefits in the actor's area and when each is next reviewed.
pub async fn reviews(
    store: &Store,
    policy: &Policy,
    all: bool,
    actor: &str,
    clock: Clock,
) -> Result<ExitCode> {
    let due = minsheng_assistance::cases::reviews_due(store, policy, actor, clock).await?;
    let horizon = clock.today + chrono::Duration::days(30);
    let shown: Vec<_> = due
        .iter()
        .filter(|(_, next)| all || *next <= horizon)
        .collect();
    println!(
        "{} running benefit(s) in your area; {} due by {horizon}{}:",
        due.len(),
        due.iter().filter(|(_, next)| *next <= horizon).count(),
        if all { " (all shown)" } else { "" }
    );
    for (r, next) in shown {
        println!(
            "  {} {:<20} {:<20} review due {next}{}  (last {}, enrolment {})",
            if *next < clock.today {
                "OVERDUE"
            } else {
                "       "
            },
            r.household,
            r.program,
            if r.can_work {
                " · 6-monthly: a member can work"
            } else {
                ""
            },
            r.last_review
                .map_or_else(|| "never".to_string(), |d| d.to_string()),
            r.enrolment_id
        );
    }
    Ok(ExitCode::SUCCESS)
}
