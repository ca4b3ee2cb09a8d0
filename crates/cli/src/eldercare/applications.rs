//! `minsheng eldercare apply|applications|application …`: home care beds and age-friendly
//! refits at the command line — filed for an older person, each step taken by the account that
//! must take it, the list and one application with its steps.

use std::fmt::Write as _;

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_eldercare::applications::{
    self, ApplicationForm, ApplicationRecord, ApplicationsStore as _, Step, StepRecord,
};
use minsheng_policy::Policy;
use minsheng_store::Store;

/// A step on an application.
#[derive(Subcommand)]
pub enum StepCommand {
    /// The home visit (上门评估): who visited (twice for two) and what they found.
    Assess {
        #[arg(long = "assessor", required = true)]
        assessors: Vec<String>,
        #[arg(long)]
        report: String,
    },
    /// Assign the provider (a provider account serving the person's area; street staff).
    Assign { provider: String },
    /// The assigned provider starts the service or the works (acts as the provider's account).
    Start {
        /// Default today.
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        note: String,
    },
    /// Accept the completed service or works (验收; street or district staff): the subsidy is
    /// enrolled in the payment ledger.
    Accept {
        #[arg(long)]
        report: String,
    },
    /// Withdraw the application (the person no longer wants it).
    Withdraw {
        #[arg(long)]
        reason: String,
    },
}

impl StepCommand {
    fn step(self, today: NaiveDate) -> Step {
        match self {
            StepCommand::Assess { assessors, report } => Step::Assess { assessors, report },
            StepCommand::Assign { provider } => Step::Assign { provider },
            StepCommand::Start { on, note } => Step::Start {
                on: on.unwrap_or(today),
                note,
            },
            StepCommand::Accept { report } => Step::Accept { report },
            StepCommand::Withdraw { reason } => Step::Withdraw { reason },
        }
    }
}

/// Files an application (acts as community or street staff of the person's area).
pub async fn apply(
    store: &Store,
    policy: &Policy,
    (id_number, program, request, on): (&str, &str, &str, Option<NaiveDate>),
    why: bool,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let who = crate::signin::staff(store, actor, "filing a service application", clock).await?;
    let form = ApplicationForm {
        program,
        id_number,
        applied_on: on.unwrap_or(clock.today),
        request,
    };
    let filed = applications::apply(store, policy, &who.account, &form, clock).await?;
    println!(
        "Application {} filed: {} ({}).",
        filed.id,
        filed.stage.label(),
        filed.stage
    );
    println!("{}", filed.finding);
    if why {
        for line in &filed.explanation {
            println!("{line}");
        }
    }
    Ok(())
}

/// Takes a step (acts as the account the step is for), or shows the application.
pub async fn application(
    store: &Store,
    policy: &Policy,
    id: i64,
    step: Option<StepCommand>,
    why: bool,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    if let Some(step) = step {
        let who =
            crate::signin::account(store, actor, "a step on a service application", clock).await?;
        let taken = applications::take_step(
            store,
            policy,
            &who.account,
            id,
            &step.step(clock.today),
            clock,
        )
        .await?;
        print!(
            "Application {id}: {} ({})",
            taken.stage.label(),
            taken.stage
        );
        match taken.enrolled {
            Some((enrolment, from)) => println!("; enrolment {enrolment}, paid from {from}."),
            None => println!("."),
        }
        return Ok(());
    }
    let (record, steps) = store
        .applications()
        .get(id, &Scope::Everything, None)
        .await?;
    store
        .audit(
            actor,
            "read_service_application",
            &format!("service:{id}"),
            "via=cli",
            clock.now,
        )
        .await?;
    print!("{}", application_text(policy, &record, &steps, why));
    Ok(())
}

/// The applications within an area (default the city), open ones first by deadline.
pub async fn list(store: &Store, policy: &Policy, scope: &Scope) -> Result<()> {
    let list = store.applications().list(scope, None).await?;
    let open = list.iter().filter(|a| !a.stage.is_closed()).count();
    println!("{} 件申请, 办理中 {open} 件", list.len());
    for a in &list {
        println!("  {}", line(policy, a));
    }
    Ok(())
}

fn line(policy: &Policy, a: &ApplicationRecord) -> String {
    format!(
        "{} {} · {} {} 户 {} · {} · {}{}",
        a.id,
        policy.program_label(&a.program),
        a.name,
        a.id_number.masked(),
        a.household,
        a.area,
        a.stage.label(),
        a.due.map_or_else(String::new, |d| format!(
            " · 期限 {}{}",
            d.on,
            if d.provisional.is_some() {
                " (暂按周一至周五)"
            } else {
                ""
            }
        ))
    )
}

/// An application with its steps; each step's detail in full with `why` (the rules'
/// explanation at filing), its first line otherwise.
fn application_text(
    policy: &Policy,
    a: &ApplicationRecord,
    steps: &[StepRecord],
    why: bool,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", line(policy, a));
    let _ = writeln!(out, "  申请日期 {}", a.applied_on);
    if let Some(p) = &a.provider {
        let _ = writeln!(out, "  服务机构 {p}");
    }
    if let Some(e) = a.enrolment_id {
        let _ = writeln!(out, "  发放登记 {e}");
    }
    for s in steps {
        let _ = writeln!(
            out,
            "  {} {} → {} · {} · {}",
            s.taken_on,
            s.step,
            s.stage.label(),
            s.recorded_by,
            s.reason
        );
        let lines = s.detail.lines().filter(|l| !l.is_empty());
        for d in lines.take(if why { usize::MAX } else { 1 }) {
            let _ = writeln!(out, "      {d}");
        }
    }
    out
}
