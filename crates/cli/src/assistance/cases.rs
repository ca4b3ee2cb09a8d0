//! `minsheng staff`, `apply`, `cases` and `case`: a caseworker's day from the terminal.

use anyhow::{bail, Result};
use clap::{ArgGroup, Subcommand};
use minsheng_app::Clock;
use minsheng_assistance::cases::{self, ApplicationForm};
use minsheng_assistance::storage::CasesStore as _;
use minsheng_assistance::{Action, Stage};
use minsheng_core::access::{Role, Staff};
use minsheng_core::AreaCode;
use minsheng_policy::Policy;
use minsheng_store::Store;

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Add a member of staff with a role over an area (and everything below it).
    Add {
        name: String,
        /// community, street, district, city, auditor or provider (a service provider: a
        /// meal-aid canteen, a care station; it sees only its roster of older residents).
        #[arg(long)]
        role: String,
        /// Area code (社区 12 digits, 街道 9, 区 6).
        #[arg(long)]
        area: String,
    },
}

#[derive(Subcommand)]
pub enum CaseStep {
    /// The household economic survey, by at least two people.
    Survey {
        /// Names, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        surveyors: Vec<String>,
        #[arg(long)]
        report: String,
    },
    /// The street's preliminary review: --pass starts the public posting, --refuse refuses.
    #[command(group(ArgGroup::new("verdict").required(true).args(["pass", "refuse"])))]
    Review {
        #[arg(long)]
        pass: bool,
        #[arg(long)]
        refuse: bool,
        #[arg(long)]
        reason: String,
    },
    /// Record an objection raised during the posting.
    Object {
        /// Who objected.
        #[arg(long)]
        by: String,
        #[arg(long)]
        text: String,
    },
    /// Resolve an objection (its number from `case N`).
    #[command(group(ArgGroup::new("finding").required(true).args(["upheld", "dismissed"])))]
    Resolve {
        objection: i64,
        #[arg(long)]
        upheld: bool,
        #[arg(long)]
        dismissed: bool,
        #[arg(long)]
        reason: String,
    },
    /// The district's decision, after the posting with every objection resolved.
    #[command(group(ArgGroup::new("decision").required(true).args(["approve", "refuse"])))]
    Decide {
        #[arg(long)]
        approve: bool,
        #[arg(long)]
        refuse: bool,
        #[arg(long)]
        reason: String,
    },
    /// The written notice to the applicant (a refusal's reasons in it).
    Notify {
        #[arg(long)]
        text: String,
    },
    /// The applicant withdraws.
    Withdraw {
        #[arg(long)]
        reason: String,
    },
}

impl CaseStep {
    fn action(self) -> Action {
        match self {
            CaseStep::Survey { surveyors, report } => Action::Survey { surveyors, report },
            CaseStep::Review { pass, reason, .. } => Action::Review { pass, reason },
            CaseStep::Object { by, text } => Action::Object { by, text },
            CaseStep::Resolve {
                objection,
                upheld,
                reason,
                ..
            } => Action::Resolve {
                objection,
                upheld,
                reason,
            },
            CaseStep::Decide {
                approve, reason, ..
            } => Action::Decide { approve, reason },
            CaseStep::Notify { text } => Action::Notify { text },
            CaseStep::Withdraw { reason } => Action::Withdraw { reason },
        }
    }
}

pub async fn add_staff(
    store: &Store,
    name: &str,
    role: &str,
    area: &str,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let staff = Staff {
        name: name.trim().to_string(),
        role: Role::parse(role)?,
        area: AreaCode::parse(area).map_err(|e| anyhow::anyhow!("area: {e}"))?,
    };
    if staff.name.is_empty() {
        bail!("name: is required");
    }
    store.add_staff(&staff, actor, clock.now).await?;
    store
        .audit(
            actor,
            "add_staff",
            &staff.name,
            &format!("role={} area={}", staff.role.as_str(), staff.area),
            clock.now,
        )
        .await?;
    println!(
        "{} is {} for {}.",
        staff.name,
        staff.role.label(),
        staff.area
    );
    Ok(())
}

pub async fn apply(
    store: &Store,
    policy: &Policy,
    form: &ApplicationForm,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    let s = cases::submit(store, policy, form, actor, clock).await?;
    println!(
        "Application {} for household {} accepted on {}:",
        s.application_id, s.household, clock.today
    );
    for (id, program, _, why) in &s.cases {
        let label = policy.program(program).map_or("", |p| p.label.as_str());
        println!("  case {id}: {label} ({program}) — {why}");
    }
    for year in &s.provisional {
        println!("  {}", provisional_note(*year));
    }
    println!(
        "Next: minsheng case <N> survey --surveyors 甲,乙 --report …   (the inbox: minsheng cases)"
    );
    Ok(())
}

/// Why a deadline is marked provisional, and what settles it.
fn provisional_note(year: i32) -> String {
    format!(
        "note: no holiday calendar for {year} is loaded; deadlines in it are counted on the \
         Monday–Friday rule (marked *) until its notice is loaded (minsheng calendar import FILE)"
    )
}

/// A deadline as the lists show it: `*` when it is provisional.
fn shown(deadline: Option<minsheng_core::Deadline>) -> String {
    match deadline {
        None => "—".into(),
        Some(d) if d.provisional.is_some() => format!("{}*", d.on),
        Some(d) => d.on.to_string(),
    }
}

fn working_days_left(
    store_calendar: &minsheng_core::WorkCalendar,
    today: chrono::NaiveDate,
    due: Option<chrono::NaiveDate>,
) -> String {
    match due {
        None => "—".to_string(),
        Some(due) => match store_calendar.working_days_between(today, due) {
            n if n < 0 => format!("overdue {} 工作日", -n),
            n => format!("{n} 工作日"),
        },
    }
}

/// How many cases the inbox lists, the most pressing first.
const INBOX_LINES: u32 = 500;

/// The actor's inbox: cases in their area, open ones by deadline, overdue first.
pub async fn inbox(
    store: &Store,
    actor: &str,
    all: bool,
    filter: &minsheng_assistance::storage::CaseFilter,
    clock: Clock,
) -> Result<String> {
    let staff = cases::acting(store, actor).await?;
    let (list, total) = store
        .cases()
        .cases_within(
            &minsheng_core::access::Scope::Area(staff.area.clone()),
            !all,
            filter,
            INBOX_LINES,
            0,
        )
        .await?;
    let calendar = store.work_calendar().await?;
    let mut out = format!(
        "{} ({}, {}): {total} case(s){}\n",
        staff.name,
        staff.role.label(),
        staff.area,
        if total > list.len() as u64 {
            format!(", the first {} shown", list.len())
        } else {
            String::new()
        }
    );
    out.push_str(&format!(
        "  {:>6} {:<20} {:<22} {:<22} {:<12} {:<16} {}\n",
        "case", "household", "program", "stage", "due", "left", "whole procedure by"
    ));
    let mut provisional = std::collections::BTreeSet::new();
    for c in &list {
        let deadlines = cases::Deadlines::of(c, &calendar);
        provisional.extend(deadlines.provisional());
        out.push_str(&format!(
            "  {:>6} {:<20} {:<22} {:<22} {:<12} {:<16} {}\n",
            c.case.id,
            c.household,
            c.case.program,
            c.case.stage.label(),
            shown(deadlines.step),
            working_days_left(&calendar, clock.today, c.due_on),
            shown(deadlines.whole),
        ));
    }
    for year in provisional {
        out.push_str(&format!("  {}\n", provisional_note(year)));
    }
    Ok(out)
}

pub async fn show(store: &Store, id: i64, clock: Clock) -> Result<String> {
    let (c, events, objections) = store.cases().case(id).await?;
    let calendar = store.work_calendar().await?;
    let deadlines = cases::Deadlines::of(&c, &calendar);
    let mut out = format!(
        "case {} · household {} · {} · {} ({}){}\n  accepted {} · step due {} ({}) · whole procedure by {}\n",
        c.case.id,
        c.household,
        c.case.program,
        c.case.stage.label(),
        c.case.stage,
        if c.outcome.is_empty() { String::new() } else { format!(" · outcome {}", c.outcome) },
        c.case.accepted_on,
        shown(deadlines.step),
        working_days_left(&calendar, clock.today, c.due_on),
        shown(deadlines.whole),
    );
    let years: std::collections::BTreeSet<i32> = deadlines.provisional().collect();
    for year in years {
        out.push_str(&format!("  {}\n", provisional_note(year)));
    }
    out.push_str("History:\n");
    for e in &events {
        out.push_str(&format!(
            "  {} {} ({}) {}: {} → {} · {}{}\n",
            e.on_day,
            e.actor,
            e.role,
            e.action,
            if e.from.is_empty() { "—" } else { &e.from },
            e.to,
            e.reason,
            if e.detail.is_empty() {
                String::new()
            } else {
                format!(" · {}", e.detail)
            }
        ));
    }
    if !objections.is_empty() {
        out.push_str("Objections:\n");
        for o in &objections {
            let state = match &o.resolved {
                Some((on, upheld, why)) => format!(
                    "{} on {on}: {why}",
                    if *upheld { "upheld" } else { "dismissed" }
                ),
                None => "open".to_string(),
            };
            out.push_str(&format!(
                "  {} · {} by {}: {} · {state}\n",
                o.id, o.raised_on, o.raised_by, o.text
            ));
        }
    }
    if c.case.stage != Stage::Closed {
        out.push_str(&format!(
            "Why: minsheng policy explain {} --month {}\n",
            c.household,
            minsheng_core::Month::containing(clock.today)
        ));
    }
    Ok(out)
}

pub async fn step(
    store: &Store,
    policy: &Policy,
    id: i64,
    step: CaseStep,
    actor: &str,
    clock: Clock,
) -> Result<String> {
    let (record, provisional) =
        cases::step(store, policy, id, &step.action(), actor, clock).await?;
    let mut out = format!(
        "case {} is now {} ({})",
        id,
        record.case.stage.label(),
        record.case.stage
    );
    if let Some(year) = provisional {
        out.push_str(&format!(
            " (deadline provisional: no holiday calendar for {year} yet)"
        ));
    }
    if let Some(e) = record.enrolment_id {
        out.push_str(&format!("; enrolment {e}"));
    }
    out.push('\n');
    out.push_str(&show(store, id, clock).await?);
    Ok(out)
}
