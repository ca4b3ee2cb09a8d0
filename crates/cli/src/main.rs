//! The `minsheng` command.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod assistance;
mod audit;
mod bench;
mod bench_circle;
mod bench_columns;
mod bench_eldercare;
mod bench_letters;
mod bench_meals;
mod bench_medical;
mod bench_notify;
mod bench_pages;
mod bench_visits;
mod bench_web;
mod eldercare;
mod medical;
mod notify;
mod payments;
mod policy;
mod progress;
mod show;
mod signin;
mod web;

use minsheng_payments::PaymentsStore as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate};
use clap::{Parser, Subcommand};
use minsheng_app::import::ImportOptions;
use minsheng_app::Clock;
use minsheng_core::Month;
use minsheng_store::{Store, DEFAULT_SQLITE_PATH};

use crate::progress::Bars;

// Loads allocate on one thread and free on another (rows handed to a writer); glibc's malloc
// spent a quarter of an import's time on that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "minsheng",
    version,
    about = "民生 Minsheng — a city's social protection platform"
)]
struct Cli {
    /// Database: a SQLite file path (the embedded default) or a postgres:// URL.
    #[arg(long, global = true, env = "MINSHENG_DB", default_value = DEFAULT_SQLITE_PATH)]
    db: String,

    /// Who is acting, for the audit log. A command that bears a duty (payments, case steps,
    /// decisions on benefits, revealing ID numbers, issuing tokens) acts as this login's account,
    /// proven by MINSHENG_PASSWORD (or the first line of stdin), or as MINSHENG_TOKEN's account.
    #[arg(
        long,
        global = true,
        env = "MINSHENG_ACTOR",
        default_value = signin::DEFAULT_ACTOR
    )]
    actor: String,

    /// The policy folder (parameters/, variables/, programs.yaml, tests/).
    #[arg(
        long,
        global = true,
        env = "MINSHENG_POLICY",
        default_value = "policies/qingdao"
    )]
    policy: PathBuf,

    /// The medical-insurance settlement rules (entities.yaml, parameters/, variables/, tests/).
    #[arg(
        long,
        global = true,
        env = "MINSHENG_MEDICAL_POLICY",
        default_value = "policies/qingdao-medical"
    )]
    medical_policy: PathBuf,

    /// The long-term care insurance rules (entities.yaml, parameters/, variables/, tests/).
    #[arg(
        long,
        global = true,
        env = "MINSHENG_CARE_POLICY",
        default_value = "policies/qingdao-ltc"
    )]
    care_policy: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a demo city (if the database is empty), show what it holds and serve it.
    Demo {
        #[arg(long, default_value_t = 100_000)]
        people: u64,
        #[arg(long, default_value_t = 2023)]
        seed: u64,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Prepare the demo and exit instead of serving it.
        #[arg(long)]
        no_serve: bool,
        /// Where payment cycles write bank files.
        #[arg(long, default_value = "minsheng-data/bank")]
        bank_dir: PathBuf,
    },
    /// Serve the web platform and the API over an existing database.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Where payment cycles write bank files.
        #[arg(long, default_value = "minsheng-data/bank")]
        bank_dir: PathBuf,
        /// Mark the session cookie Secure (sent only over HTTPS): true when people reach the
        /// service through HTTPS, directly or behind a proxy. Unsaid: false on a loopback
        /// address, true on any other.
        #[arg(long)]
        secure_cookies: Option<bool>,
        /// Reached through a reverse proxy: take each request's source from the last
        /// X-Forwarded-For address (sign-in throttling counts failures by source).
        #[arg(long)]
        behind_proxy: bool,
        /// Requests worked on at once; one more is answered 503 with Retry-After.
        #[arg(long, default_value_t = minsheng_web::DEFAULT_MAX_IN_FLIGHT)]
        max_in_flight: usize,
    },
    /// The notifications outbox: what waits to be sent to residents, and sending it.
    Notify {
        #[command(subcommand)]
        command: notify::NotifyCommand,
    },
    /// Sign-ins for the web service and tokens for its API.
    Account {
        #[command(subcommand)]
        command: web::AccountCommand,
    },
    /// Generate a synthetic city into an empty database.
    Generate {
        #[arg(long)]
        people: u64,
        #[arg(long, default_value_t = 2023)]
        seed: u64,
    },
    /// Import persons and households from a .csv or .xlsx roster (all or nothing).
    Import {
        file: PathBuf,
        /// Import the valid rows and report the rest, instead of importing nothing.
        #[arg(long)]
        valid_only: bool,
    },
    /// Export the registry as it stands on a day to a .csv or .xlsx roster.
    Export {
        file: PathBuf,
        /// The day to export (YYYY-MM-DD); default today.
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Load or save the list of areas (code,name,urban CSV).
    Areas {
        #[command(subcommand)]
        command: AreasCommand,
    },
    /// Look at the registry.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// Policy as code: run the rule tests, explain a household's month.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Enrol a household in a paid program (programs.yaml) from a month: a decision taken.
    Enrol {
        /// Household code.
        household: String,
        #[arg(long)]
        program: String,
        /// The first month paid (YYYY-MM).
        #[arg(long)]
        from: Month,
        /// Why: the decision's number, or the finding.
        #[arg(long)]
        basis: String,
    },
    /// Older persons' ability assessments (老年人能力评估, GB/T 42195-2022).
    Eldercare {
        #[command(subcommand)]
        command: eldercare::EldercareCommand,
    },
    /// Medical insurance (医保): claims settled, explained and reversed; a person's year.
    Medical {
        #[command(subcommand)]
        command: medical::MedicalCommand,
    },
    /// Staff who act on cases, each with a role over an area.
    Staff {
        #[command(subcommand)]
        command: assistance::cases::StaffCommand,
    },
    /// A one-thing application (一件事): one household, one form, several programs. The form is
    /// the household file (`registry show`); supply only what is missing with --change.
    Apply {
        /// Household code or a member's ID number.
        household: String,
        /// Programs, comma-separated (programs.yaml), e.g. dibao,tekun_basic.
        #[arg(long, value_delimiter = ',', required = true)]
        programs: Vec<String>,
        /// The applicant's ID number (a member of the household); default the head.
        #[arg(long, default_value = "")]
        applicant: String,
        /// Someone applying on the household's behalf (代办), with their relation.
        #[arg(long, default_value = "")]
        proxy: String,
        /// A fact the applicant supplies: ID_NUMBER:field=value (repeatable).
        #[arg(long = "change")]
        changes: Vec<String>,
        /// The day the supplied facts became true (YYYY-MM-DD); default today.
        #[arg(long)]
        from: Option<NaiveDate>,
    },
    /// A running benefit: show it, or (district) suspend, resume or end it.
    Enrolment {
        id: i64,
        #[command(subcommand)]
        decision: Option<assistance::EnrolmentCommand>,
    },
    /// Running benefits of your area by next review date (yearly; 6-monthly with a member able
    /// to work; within 3 months of a death), overdue first.
    Reviews {
        /// Every running benefit, not only those due within 30 days.
        #[arg(long)]
        all: bool,
        /// Tell each household whose review is due within 30 days (or overdue), through the
        /// notifications outbox; a household already told of the same review is not told again.
        #[arg(long)]
        remind: bool,
    },
    /// Your inbox: the cases of your area by deadline (working days left), overdue first.
    Cases {
        /// Closed cases too.
        #[arg(long)]
        all: bool,
        /// Only this program's cases (its code, e.g. dibao).
        #[arg(long)]
        program: Option<String>,
        /// Only cases at this stage (accepted, surveyed, posted, approved, refused, closed).
        #[arg(long)]
        stage: Option<minsheng_assistance::Stage>,
        /// Only cases whose current step is overdue today.
        #[arg(long)]
        overdue: bool,
    },
    /// One case: its history, objections and deadlines; or a step of it.
    Case {
        id: i64,
        #[command(subcommand)]
        step: Option<assistance::cases::CaseStep>,
    },
    /// Proactive discovery: the rules over the whole registry for a month against what is
    /// enrolled and paid — proactive cases, 免申即享 grants, reviews, recalculations.
    #[command(args_conflicts_with_subcommands = true)]
    Sweep {
        #[arg(long)]
        month: Option<Month>,
        #[command(subcommand)]
        command: Option<assistance::discovery::SweepCommand>,
    },
    /// The low-income population the month's last sweep counted, one column per category of the
    /// catalog (`monitoring.yaml`): by district, or by street or community within --area.
    LowIncome {
        #[arg(long)]
        month: Month,
        /// A district (6 digits) or street (9 digits) code.
        #[arg(long)]
        area: Option<String>,
    },
    /// Enrol every household the rules find entitled in a month, in every paid program: the
    /// caseload a city carries over from its previous system (the demo does this).
    Caseload {
        #[arg(long)]
        month: Month,
    },
    /// The monthly payment cycle. `pay --month M` freezes the registry and computes what every
    /// enrolled household is owed (or shows the cycle computed before); then `approve`,
    /// `disburse` (the bank file), `reconcile` (the bank's return file).
    #[command(args_conflicts_with_subcommands = true)]
    Pay {
        #[arg(long)]
        month: Option<Month>,
        /// Replace the month's cycle with a fresh computation (only before approval).
        #[arg(long)]
        recompute: bool,
        #[command(subcommand)]
        command: Option<payments::PayCommand>,
    },
    /// China's holiday calendar, for deadlines counted in working days.
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// The audit log of every change and every read of a full record.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Copy the (SQLite) database to a new file while it stays in use, then check the copy
    /// (integrity and audit chain). PostgreSQL: pg_dump, see docs/operations.md.
    Backup {
        /// The backup to write; it must not exist.
        to: PathBuf,
    },
    /// Restore a backup as the database --db names, which must not exist (move a broken one
    /// aside first), then check it (integrity and audit chain).
    Restore {
        /// The backup to restore.
        from: PathBuf,
    },
    /// Measure the performance targets (see docs/benchmarks.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Run the rule tests in the policy's tests/ folder (or DIR's).
    Test { dir: Option<PathBuf> },
    /// Explain every program's result for one household and month, rule by rule.
    Explain {
        /// Household code or a member's ID number.
        key: String,
        #[arg(long)]
        month: Month,
        /// The explanation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// A reform against the current rules over the whole registry for a month: beneficiaries,
    /// monthly and yearly cost, households gaining, losing and newly eligible, by district.
    Simulate {
        #[arg(long)]
        month: Month,
        /// A parameter change, NAME=VALUE or NAME=+5% (repeatable), e.g.
        /// `--set dibao.standard.urban=+5%`.
        #[arg(long = "set", required = true)]
        changes: Vec<String>,
    },
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Load a calendar file (date,kind,occasion); each year in it replaces that year.
    Import { file: PathBuf },
    /// The years loaded and their holidays and swapped working days.
    Show {
        #[arg(long)]
        year: Option<i32>,
    },
    /// The last day of a deadline of N working days starting on a day.
    Deadline {
        #[arg(long)]
        from: NaiveDate,
        #[arg(long)]
        working_days: u32,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain: report every altered, removed or moved entry (exit 1 if any),
    /// and print the head to keep elsewhere.
    Verify {
        /// A file of heads witnessed before, one `ID HASH` a line, kept where the database's
        /// writers cannot rewrite it (another machine, write-once storage). Each must still be
        /// in the chain, unchanged, so removing the newest entries is found too; an intact
        /// log's head is added to it.
        #[arg(long)]
        anchor: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AreasCommand {
    /// Add the areas of a CSV file (existing codes are kept).
    Import { file: PathBuf },
    /// Write all areas to a CSV file.
    Export { file: PathBuf },
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// One household with its history: by household code or a member's ID number.
    Show {
        key: String,
        /// Describe the household for this month (its first day).
        #[arg(long, conflicts_with = "on")]
        month: Option<Month>,
        /// Describe the household on this day (YYYY-MM-DD); default today.
        #[arg(long)]
        on: Option<NaiveDate>,
        /// As the registry knew it at the end of this day (YYYY-MM-DD); default now.
        #[arg(long)]
        known_at: Option<NaiveDate>,
        /// Show full ID numbers (the reveal is written to the audit log).
        #[arg(long)]
        reveal: bool,
    },
    /// Record a change to a person's facts from a date, e.g.
    /// `record 370212195003080231 --from 2025-03-01 income_wage=3500 employment=employed`.
    Record {
        id_number: String,
        /// The day the change takes effect (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Changes as field=value, with the roster's column names or Chinese labels.
        #[arg(required = true)]
        changes: Vec<String>,
    },
    /// Counts of what the registry holds.
    Summary,
}

#[tokio::main]
async fn main() -> ExitCode {
    // `minsheng … | head` should end quietly when head has read enough, as other commands do,
    // not panic on the closed pipe.
    sigpipe::reset();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("MINSHENG_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once: many errors already quote their
/// cause in their own message, and `{:#}` would repeat it.
fn describe(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// The file a `--db` location names, unless it is PostgreSQL.
fn sqlite_path(db: &str) -> Option<PathBuf> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        return None;
    }
    Some(PathBuf::from(db.strip_prefix("sqlite://").unwrap_or(db)))
}

/// Records a backup or a restore (`action`, of the file `file`) in `store`'s audit log and
/// shows the copy's checks; fails when the copy's audit log has problems.
async fn copied(
    store: &Store,
    actor: &str,
    action: &str,
    file: &std::path::Path,
    report: &minsheng_store::CopyReport,
    clock: Clock,
) -> Result<ExitCode> {
    let subject = file.display().to_string();
    store
        .audit(actor, action, &subject, &copy_detail(report), clock.now)
        .await?;
    print_copy(
        if action == "restore" {
            "restored"
        } else {
            action
        },
        report,
    );
    Ok(if report.audit.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A copy's audit detail: what it held and its newest audit entry.
fn copy_detail(report: &minsheng_store::CopyReport) -> String {
    let head = report
        .audit
        .head
        .as_ref()
        .map_or_else(|| "none".to_string(), |h| format!("{} {}", h.id, h.hash));
    format!(
        "bytes={} persons={} audit_entries={} audit_head={head} audit_problems={}",
        report.bytes,
        report.persons,
        report.audit.entries,
        report.audit.problems.len()
    )
}

fn print_copy(what: &str, report: &minsheng_store::CopyReport) {
    println!(
        "{what}: {} ({} bytes, {} persons); integrity ok",
        report.path.display(),
        report.bytes,
        report.persons
    );
    for p in &report.audit.problems {
        println!("audit entry {}: {}", p.id, p.reason);
    }
    match (&report.audit.head, report.audit.problems.is_empty()) {
        (_, false) => println!(
            "audit log of the copy: {} entries, {} problem(s): do not rely on it before they are explained",
            report.audit.entries,
            report.audit.problems.len()
        ),
        (Some(head), true) => println!(
            "audit log of the copy: {} entries, chain intact; head {} {}",
            report.audit.entries, head.id, head.hash
        ),
        (None, true) => println!("audit log of the copy: empty"),
    }
}

async fn open(db: &str) -> Result<Store> {
    Store::open(db)
        .await
        .with_context(|| format!("opening database {db}"))
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let clock = Clock::system();
    match cli.command {
        Command::Demo {
            people,
            seed,
            listen,
            no_serve,
            bank_dir,
        } => {
            let store = open(&cli.db).await?;
            let counts = store.counts().await?;
            if counts.persons == 0 {
                println!(
                    "Generating a demo city of {people} residents into {} …",
                    cli.db
                );
                let report =
                    minsheng_app::generate::generate(&store, people, seed, clock, &Bars::new())
                        .await?;
                println!("{}", report.tally.report());
            } else {
                println!(
                    "The demo city is already in {} ({} residents).",
                    cli.db, counts.persons
                );
            }
            let policy = policy::load(&cli.policy)?;
            let loaded =
                minsheng_assistance::calendar::load_bundled(&store, &policy, &cli.actor, clock)
                    .await?;
            if !loaded.years.is_empty() {
                let years: Vec<String> = loaded.years.iter().map(ToString::to_string).collect();
                println!(
                    "Holiday calendar loaded for {} (calendar/).",
                    years.join(", ")
                );
            }
            let next_year = clock.today.year() + 1;
            if !store.work_calendar().await?.has_year(next_year) {
                println!(
                    "No holiday calendar for {next_year} yet: deadlines that run into it are counted \
                     on the Monday–Friday rule, provisionally, until the State Council's notice is \
                     loaded (minsheng calendar import FILE)."
                );
            }
            let month = Month::containing(clock.today);
            // The caseload is households' programs; a bed or refit's person enrolment is not one.
            let carried_over = store
                .payments()
                .enrolled(month, clock.now)
                .await?
                .values()
                .flatten()
                .any(|unit| unit.person_id.is_none());
            if !carried_over {
                let policy = policy::load(&cli.policy)?;
                payments::caseload(&store, &policy, month, &cli.actor, clock).await?;
            }
            {
                use minsheng_eldercare::publication::{publish, PublicationsStore as _};
                use minsheng_policy::services::ELDERLY;
                if store
                    .publications()
                    .of_month(ELDERLY, month)
                    .await?
                    .is_none()
                {
                    let counts =
                        publish(&store, &policy, month, &cli.actor, clock, &Bars::new()).await?;
                    let persons: u64 = counts.streets.values().map(|(n, _)| n).sum();
                    println!(
                        "The basic elderly service list's counts for {month} are published ({persons} older persons): /services"
                    );
                }
            }
            let residents = u64::try_from(store.counts().await?.persons).unwrap_or(0);
            eldercare::file_synthetic(&store, &policy, residents, seed, &cli.actor, clock).await?;
            medical::file_synthetic(
                &store,
                &policy::load(&cli.medical_policy)?,
                &cli.actor,
                clock,
            )
            .await?;
            show::summary(&store).await?;
            if let Some(code) = store.sample_household_codes(1).await?.first() {
                println!("\nOne household of the demo city:\n");
                let on = clock.today;
                let text =
                    show::household(&store, code, on, clock.now, None, &cli.actor, clock).await?;
                println!("{text}");
                let staff = demo_staff(&store, code, &cli.actor, clock).await?;
                println!("Demo staff for this household's area:");
                for s in &staff {
                    println!("  {:<8} {} · {}", s.name, s.role.label(), s.area);
                }
                let file = store.household_file(code).await?;
                if let Some((head, _)) = file.as_of(clock.today, clock.now).first() {
                    let logins =
                        web::demo_accounts(&store, &staff, &head.id_number, &cli.actor, clock)
                            .await?;
                    println!(
                        "\nSign in on the web with any of these (password {}):",
                        web::DEMO_PASSWORD
                    );
                    for (login, label) in &logins {
                        println!("  {login:<20} {label}");
                    }
                    eldercare::meal_story(
                        &store,
                        &policy,
                        &staff,
                        (&head.id_number, &head.name),
                        &bank_dir,
                        clock,
                    )
                    .await?;
                    eldercare::visit_story(&store, &staff, clock).await?;
                    eldercare::circle_story(&store, &policy, &staff, clock).await?;
                    let medical_policy = policy::load(&cli.medical_policy)?;
                    medical::story(
                        &store,
                        &medical_policy,
                        &head.id_number,
                        &staff,
                        &cli.actor,
                        clock,
                    )
                    .await?;
                    let care_policy = policy::load(&cli.care_policy)?;
                    medical::care::story(&store, &care_policy, &staff, &bank_dir, clock).await?;
                }
                println!(
                    "\nNext (`cargo run --release --` stands for `minsheng` until it is installed):"
                );
                println!("  minsheng registry show {code} --month 2025-06");
                println!("  minsheng policy explain {code} --month {month}");
                println!(
                    "  minsheng eldercare entitlements {code} --member 0 --why   # 基本养老服务"
                );
                println!("  minsheng export roster.xlsx");
                println!(
                    "Payments, case steps, decisions and revealing ID numbers act as an account:"
                );
                println!("  export MINSHENG_PASSWORD={}", web::DEMO_PASSWORD);
                println!("  minsheng pay --month {month} --actor 钱主任              # freeze and compute the month");
                println!("  minsheng pay approve --month {month} --actor 周复核      # another person approves");
                println!(
                    "  minsheng pay disburse --month {month} --actor 钱主任     # the bank file"
                );
                println!("A caseworker's day:");
                println!("  minsheng sweep --month {month} --actor 钱主任          # proactive discovery, 免申即享");
                println!("  minsheng low-income --month {month}");
                println!("  minsheng apply {code} --programs dibao --actor 王社工");
                println!("  minsheng cases --actor 李审核                         # the inbox, by deadline");
                println!("  minsheng case 1 survey --surveyors 王社工,刘网格员 --report 入户核实 --actor 王社工");
                println!("  minsheng case 1 review --pass --reason 初审通过 --actor 李审核   # then 7 days of posting");
                let older = file
                    .as_of(clock.today, clock.now)
                    .into_iter()
                    .find(|(p, _)| {
                        minsheng_policy::inputs::age_on(p.id_number.birth_date(), clock.today) >= 60
                    });
                if let Some((older, _)) = older {
                    println!("An older member's ability assessment (GB/T 42195-2022):");
                    println!("  minsheng eldercare form > form.txt                    # fill in each code=");
                    println!(
                        "  minsheng eldercare assess {} --form form.txt --assessor 王社工 --reviewer 李审核 --actor 王社工",
                        older.id_number.as_str()
                    );
                }
            }
            if no_serve {
                return Ok(ExitCode::SUCCESS);
            }
            let policy = policy::load(&cli.policy)?;
            let medical = (
                policy::load(&cli.medical_policy)?,
                policy::load(&cli.care_policy)?,
            );
            web::serve(
                store,
                policy,
                medical,
                listen,
                bank_dir,
                web::Options::default(),
            )
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            listen,
            bank_dir,
            secure_cookies,
            behind_proxy,
            max_in_flight,
        } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            let options = web::Options {
                secure_cookies,
                behind_proxy,
                max_in_flight,
            };
            let medical = (
                policy::load(&cli.medical_policy)?,
                policy::load(&cli.care_policy)?,
            );
            web::serve(store, policy, medical, listen, bank_dir, options).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Notify { command } => {
            let store = open(&cli.db).await?;
            notify::run(&store, command).await
        }
        Command::Account { command } => {
            let store = open(&cli.db).await?;
            web::account(&store, command, &cli.actor, clock).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { people, seed } => {
            // The rules say who of the city has a bed or a refit: read them before writing.
            let policy = policy::load(&cli.policy)?;
            let store = open(&cli.db).await?;
            let started = std::time::Instant::now();
            let report =
                minsheng_app::generate::generate(&store, people, seed, clock, &Bars::new()).await?;
            println!(
                "Generated {} residents in {} households ({} areas) in {:.1} s.\n",
                report.persons,
                report.households,
                report.areas,
                started.elapsed().as_secs_f64()
            );
            println!("{}", report.tally.report());
            eldercare::file_synthetic(&store, &policy, report.persons, seed, &cli.actor, clock)
                .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { file, valid_only } => {
            let store = open(&cli.db).await?;
            let report = minsheng_app::import::import(
                &store,
                &file,
                ImportOptions { valid_only },
                &cli.actor,
                clock,
                &Bars::new(),
            )
            .await?;
            for e in &report.errors {
                eprintln!("{}: {e}", file.display());
            }
            println!(
                "{} rows read, {} imported ({} new households), {} rows rejected with {} errors.",
                report.rows,
                report.imported,
                report.households_created,
                report.rejected_lines(),
                report.errors.len()
            );
            if report.errors.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
                if !valid_only {
                    eprintln!("Nothing was imported. Correct the rows above, or use --valid-only to import the others.");
                }
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Export { file, on } => {
            let store = open(&cli.db).await?;
            let on = on.unwrap_or(clock.today);
            let n =
                minsheng_app::export::export(&store, &file, on, &cli.actor, clock, &Bars::new())
                    .await?;
            println!("Exported {n} persons as on {on} to {}.", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Areas { command } => {
            let store = open(&cli.db).await?;
            match command {
                AreasCommand::Import { file } => {
                    let n =
                        minsheng_app::areas::import_areas(&store, &file, &cli.actor, clock).await?;
                    println!("{n} areas added from {}.", file.display());
                }
                AreasCommand::Export { file } => {
                    let n = minsheng_app::areas::export_areas(&store, &file).await?;
                    println!("{n} areas written to {}.", file.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calendar { command } => {
            let store = open(&cli.db).await?;
            match command {
                CalendarCommand::Import { file } => {
                    let policy = policy::load(&cli.policy)?;
                    let loaded = minsheng_assistance::calendar::import_calendar(
                        &store, &policy, &file, &cli.actor, clock,
                    )
                    .await?;
                    let years: Vec<String> = loaded.years.iter().map(ToString::to_string).collect();
                    println!(
                        "Calendar loaded for {} from {}; {} open case(s) had their deadlines counted again.",
                        years.join(", "),
                        file.display(),
                        loaded.recounted
                    );
                }
                CalendarCommand::Show { year } => {
                    let calendar = store.work_calendar().await?;
                    let years: Vec<i32> = calendar.years().collect();
                    if years.is_empty() {
                        println!("No calendar loaded (minsheng calendar import FILE).");
                    }
                    for y in years.iter().filter(|y| year.is_none_or(|w| w == **y)) {
                        println!("{y}:");
                        for d in calendar.days_of(*y) {
                            let kind = match d.kind {
                                minsheng_core::DayKind::Holiday => "休",
                                minsheng_core::DayKind::Workday => "班",
                            };
                            println!("  {} {} {kind} {}", d.date, d.date.format("%a"), d.occasion);
                        }
                    }
                }
                CalendarCommand::Deadline { from, working_days } => {
                    let day =
                        minsheng_assistance::calendar::deadline(&store, from, working_days).await?;
                    let note = day.provisional.map_or(String::new(), |year| {
                        format!(
                            " — provisional: no calendar for {year} is loaded, so it is counted \
                             there on the Monday–Friday rule"
                        )
                    });
                    println!(
                        "{working_days} working days from {from}: {} ({}){note}",
                        day.on,
                        day.on.format("%a")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { to } => {
            let store = open(&cli.db).await?;
            let report = store.backup_to(&to).await?;
            copied(&store, &cli.actor, "backup", &to, &report, clock).await
        }
        Command::Restore { from } => {
            let Some(path) = sqlite_path(&cli.db) else {
                bail!("--db {}: a PostgreSQL database is restored with pg_restore (see docs/operations.md)", cli.db);
            };
            let report = minsheng_store::restore(&from, &path).await?;
            let store = open(&cli.db).await?;
            copied(&store, &cli.actor, "restore", &from, &report, clock).await
        }
        Command::Audit {
            command: AuditCommand::Verify { anchor },
        } => {
            let store = open(&cli.db).await?;
            let anchors = match &anchor {
                Some(path) => audit::read_anchors(path)?,
                None => Vec::new(),
            };
            let check = store.verify_audit(&anchors).await?;
            for p in &check.problems {
                println!("entry {}: {}", p.id, p.reason);
            }
            if !check.problems.is_empty() {
                println!(
                    "audit log: {} entries, {} problem(s): the log was changed outside Minsheng",
                    check.entries,
                    check.problems.len()
                );
                return Ok(ExitCode::FAILURE);
            }
            let witnessed = if anchors.is_empty() {
                String::new()
            } else {
                format!(", {} witnessed head(s) still in it", anchors.len())
            };
            match &check.head {
                Some(head) => println!(
                    "audit log: {} entries, chain intact{witnessed}; head {} {}",
                    check.entries, head.id, head.hash
                ),
                None => println!("audit log: empty{witnessed}"),
            }
            if let (Some(path), Some(head)) = (&anchor, &check.head) {
                audit::witness(path, head, clock.now)?;
                println!("head {} added to {}", head.id, path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Enrol {
            household,
            program,
            from,
            basis,
        } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            let who = signin::staff(&store, &cli.actor, "enrolling a household", clock).await?;
            let e = minsheng_payments::enrol(
                &store,
                &policy,
                &household,
                &program,
                from,
                &basis,
                who.name(),
                clock,
            )
            .await?;
            println!(
                "Household {} receives {} from {} ({}).",
                e.household, e.program, e.first_month, e.basis
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Eldercare { command } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            eldercare::run(&store, &policy, command, &cli.actor, clock).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Medical { command } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.medical_policy)?;
            let rules = (&policy, cli.care_policy.as_path());
            medical::run(&store, rules, command, &cli.actor, clock).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Staff { command } => {
            let store = open(&cli.db).await?;
            match command {
                assistance::cases::StaffCommand::Add { name, role, area } => {
                    assistance::cases::add_staff(&store, &name, &role, &area, &cli.actor, clock)
                        .await?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply {
            household,
            programs,
            applicant,
            proxy,
            changes,
            from,
        } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            let supplied = minsheng_assistance::cases::ApplicationForm::supplied(
                changes.iter().map(String::as_str),
            )?;
            let form = minsheng_assistance::cases::ApplicationForm {
                household,
                programs,
                applicant,
                proxy,
                changes: supplied,
                facts_from: from.unwrap_or(clock.today),
            };
            assistance::cases::apply(&store, &policy, &form, &cli.actor, clock).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Enrolment { id, decision } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            let actor = match decision {
                Some(_) => signin::staff(&store, &cli.actor, "a decision on a benefit", clock)
                    .await?
                    .name()
                    .to_string(),
                None => cli.actor.clone(),
            };
            assistance::enrolment(&store, &policy, id, decision, &actor, clock).await
        }
        Command::Reviews { all, remind } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            if remind {
                let n = minsheng_assistance::cases::remind_reviews(
                    &store, &policy, 30, &cli.actor, clock,
                )
                .await?;
                println!(
                    "{n} household(s) told that their review is due (the others were told before)."
                );
            }
            assistance::reviews(&store, &policy, all, &cli.actor, clock).await
        }
        Command::Cases {
            all,
            program,
            stage,
            overdue,
        } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            if let Some(code) = program.as_deref().filter(|c| policy.program(c).is_none()) {
                anyhow::bail!("program: '{code}' is not a program");
            }
            let filter = minsheng_assistance::storage::CaseFilter {
                program,
                stage,
                overdue_on: overdue.then_some(clock.today),
            };
            print!(
                "{}",
                assistance::cases::inbox(&store, &cli.actor, all, &filter, clock).await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Case { id, step } => {
            let store = open(&cli.db).await?;
            let text = match step {
                None => assistance::cases::show(&store, id, clock).await?,
                Some(step) => {
                    let policy = policy::load(&cli.policy)?;
                    let who = signin::staff(&store, &cli.actor, "a step of a case", clock).await?;
                    assistance::cases::step(&store, &policy, id, step, who.name(), clock).await?
                }
            };
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Sweep { month, command } => {
            let store = open(&cli.db).await?;
            assistance::discovery::run(&store, &cli.policy, month, command, &cli.actor, clock)
                .await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::LowIncome { month, area } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            print!(
                "{}",
                assistance::discovery::low_income(&store, &policy, month, area.as_deref()).await?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Caseload { month } => {
            let store = open(&cli.db).await?;
            let policy = policy::load(&cli.policy)?;
            payments::caseload(&store, &policy, month, &cli.actor, clock).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Pay {
            month,
            recompute,
            command,
        } => {
            let store = open(&cli.db).await?;
            let actor = match payments::duty(command.as_ref()) {
                Some((duty, what)) => signin::with_duty(&store, &cli.actor, duty, what, clock)
                    .await?
                    .name()
                    .to_string(),
                None => cli.actor.clone(),
            };
            payments::run(
                &store,
                &cli.policy,
                month,
                recompute,
                command,
                &actor,
                clock,
            )
            .await
        }
        Command::Policy { command } => {
            let policy = &cli.policy;
            match command {
                PolicyCommand::Test { dir } => policy::test(dir.as_deref().unwrap_or(policy))?,
                PolicyCommand::Simulate { month, changes } => {
                    let store = open(&cli.db).await?;
                    let text = policy::simulate(&store, policy, month, &changes).await?;
                    println!("{text}");
                }
                PolicyCommand::Explain { key, month, json } => {
                    let store = open(&cli.db).await?;
                    let text = policy::household(
                        &store, policy, &key, month, clock.now, json, &cli.actor, clock,
                    )
                    .await?;
                    println!("{text}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Registry { command } => {
            let store = open(&cli.db).await?;
            match command {
                RegistryCommand::Show {
                    key,
                    month,
                    on,
                    known_at,
                    reveal,
                } => {
                    let on = month.map(Month::first_day).or(on).unwrap_or(clock.today);
                    let known = match known_at {
                        Some(day) => end_of_day_china(day)?,
                        None => clock.now,
                    };
                    let text = if reveal {
                        let who =
                            signin::account(&store, &cli.actor, "revealing ID numbers", clock)
                                .await?;
                        let scope = who.account.scope();
                        show::household(&store, &key, on, known, Some(&scope), who.name(), clock)
                            .await?
                    } else {
                        show::household(&store, &key, on, known, None, &cli.actor, clock).await?
                    };
                    println!("{text}");
                }
                RegistryCommand::Record {
                    id_number,
                    from,
                    changes,
                } => {
                    let n = minsheng_app::registry::record_change(
                        &store, &id_number, from, &changes, &cli.actor, clock,
                    )
                    .await?;
                    if n == 0 {
                        println!("Nothing changed: the registry already says so from {from}.");
                    } else {
                        println!("Recorded from {from}; {n} earlier version(s) superseded.");
                        // An event: the household is re-evaluated for this month at once.
                        let month = Month::containing(clock.today);
                        let cause = format!("event: {id_number} {}", changes.join(" "));
                        match policy::load(&cli.policy) {
                            Ok(policy) => {
                                let r = minsheng_assistance::discovery::reevaluate(
                                    &store, &policy, &id_number, month, &cause, &cli.actor, clock,
                                )
                                .await?;
                                print!("{}", assistance::discovery::report(&policy, &r));
                            }
                            Err(e) => eprintln!(
                                "warning: not re-evaluated ({e}); the next sweep will see the change"
                            ),
                        }
                    }
                }
                RegistryCommand::Summary => show::summary(&store).await?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command } => {
            bench::run(command, &cli.db, &cli.policy, &cli.medical_policy, clock).await
        }
    }
}

/// Staff for the demo household's area, one per role, created once.
async fn demo_staff(
    store: &Store,
    household: &str,
    actor: &str,
    clock: Clock,
) -> Result<Vec<minsheng_core::access::Staff>> {
    use minsheng_core::access::{Role, Staff};
    let area = store.household_file(household).await?.area;
    // A household's area is a community; its street and district are its ancestors.
    let street = area.parent().unwrap_or_else(|| area.clone());
    let district = area.district().unwrap_or_else(|| area.clone());
    let people = [
        ("王社工", Role::Community, area.as_str()),
        ("李审核", Role::Street, street.as_str()),
        ("赵科长", Role::District, district.as_str()),
        ("钱主任", Role::City, "370200"),
        ("周复核", Role::City, "370200"),
        ("孙审计", Role::Auditor, "370200"),
        ("幸福助餐点", Role::Provider, street.as_str()),
        ("区医院结算", Role::Provider, district.as_str()),
        (
            medical::care::DEMO_PROVIDER,
            Role::Provider,
            district.as_str(),
        ),
    ];
    let mut out = Vec::new();
    for (name, role, area) in people {
        let staff = Staff {
            name: name.to_string(),
            role,
            area: minsheng_core::AreaCode::parse(area).map_err(|e| anyhow::anyhow!("{e}"))?,
        };
        if store.staff(name).await?.is_none() {
            store.add_staff(&staff, actor, clock.now).await?;
        }
        let staff = store.staff(name).await?.unwrap_or(staff);
        // The canteen's account orders meals; the hospital's system settles claims.
        if name == "幸福助餐点" {
            minsheng_eldercare::meals::link_provider(store, &staff, actor, clock)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        } else if name == "区医院结算" {
            medical::link_hospital(store, &staff, actor, clock).await?;
        }
        out.push(staff);
    }
    Ok(out)
}

/// The last instant of `day` in China Standard Time.
fn end_of_day_china(day: NaiveDate) -> Result<chrono::DateTime<chrono::Utc>> {
    let Some(next) = day.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)) else {
        bail!("{day} is out of range")
    };
    Ok(
        chrono::DateTime::from_naive_utc_and_offset(next - chrono::Duration::hours(8), chrono::Utc)
            - chrono::Duration::microseconds(1),
    )
}
