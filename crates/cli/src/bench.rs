//! `minsheng bench …`: the performance targets of the registry, measured end to end on this
//! machine. Each prints its figures in one run; see docs/benchmarks.md for how to read them.

use minsheng_payments::PaymentsStore as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use minsheng_app::import::ImportOptions;
use minsheng_app::{Clock, Quiet};
use minsheng_exchange::RosterWriter;
use minsheng_store::Store;
use minsheng_synth::{Generator, GeneratorConfig};

use crate::progress::Bars;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Generate N residents into a new database: wall time, rows/s, peak memory.
    Generate {
        #[arg(long, default_value_t = 1_000_000)]
        people: u64,
    },
    /// Import N generated residents from CSV into a new database: rows/s of the import alone.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        people: u64,
        /// Where to write the CSV (kept for reuse).
        #[arg(long, default_value = "bench/out/import.csv")]
        csv: PathBuf,
    },
    /// The policy catalog over N generated residents held in memory: building the columns,
    /// the batch over the whole catalog (median of several runs), a single pass over the
    /// inputs for comparison, and explaining one household.
    Policy {
        #[arg(long, default_value_t = 1_000_000)]
        people: u64,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        #[arg(long, default_value = "2025-06")]
        month: minsheng_core::Month,
        /// Also write the inputs as column files (see `bench_columns.rs`) and the compared
        /// programs' results as little-endian i64 into this folder, for
        /// `bench/openfisca/compare.py`.
        #[arg(long)]
        dump: Option<PathBuf>,
        /// Instead of generating, read the population a `--dump` wrote into this folder, as
        /// OpenFisca does in the comparison: time reading the columns the compared programs
        /// need and computing them for the dump's month, check the results against the dumped
        /// ones, and write the figures to `minsheng.json` there. Run it in a process of its
        /// own, so that its peak memory is the engine's alone.
        #[arg(long, conflicts_with_all = ["dump", "people", "month"])]
        from: Option<PathBuf>,
    },
    /// A month of a whole city's medical claims settled by the batch (each person's year in
    /// claim order), and again under a reform; with the figures the synthetic claims come to
    /// beside the city's published ones. The rules are `--medical-policy`'s.
    Medical {
        #[arg(long, default_value_t = 1_000_000)]
        people: u64,
        #[arg(long, default_value = "2025-06")]
        month: minsheng_core::Month,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The reform, from the month's first day: NAME=VALUE or NAME=+5%; repeatable.
        #[arg(long = "change", default_values_t = ["medical.ratio.general_outpatient.resident=0.70".to_string()])]
        changes: Vec<String>,
    },
    /// Hospitals settling new claims over the API at a fixed rate (open loop, from a second
    /// process on loopback) against the city in the database, its year's cover filed first if
    /// it is not (target p99 ≤ 5 ms at 1,000 claims/s on the 10M city).
    Claims {
        #[arg(long, default_value_t = 1_000)]
        rate: u32,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        /// Seconds of claims at the same rate before those measured (reported apart): a
        /// server just started reads the city's indexes into its caches first.
        #[arg(long, default_value_t = 5)]
        warmup: u64,
    },
    /// The second process of `bench claims` (run by it).
    #[command(hide = true)]
    ClaimLoad {
        #[arg(long)]
        url: String,
        #[arg(long)]
        claims: PathBuf,
        #[arg(long)]
        rate: u32,
        /// How many of the first claims are the warm-up.
        #[arg(long, default_value_t = 0)]
        warmup: usize,
    },
    /// The monthly payment cycle: from the frozen registry to the written bank file (compute,
    /// approve, disburse), for several months in a row. Generates N residents first if the
    /// database is empty, and enrols the caseload the rules find.
    Pay {
        #[arg(long, default_value_t = 5_000_000)]
        people: u64,
        #[arg(long, default_value_t = 3)]
        months: usize,
        /// Folder for the bank files.
        #[arg(long, default_value = "bench/out")]
        dir: PathBuf,
    },
    /// A whole-registry sweep of an existing database (`minsheng sweep`), end to end from the
    /// database to stored findings, with its phases; then event re-evaluations of sampled
    /// households (median and p99).
    Sweep {
        #[arg(long, default_value = "2025-06")]
        month: minsheng_core::Month,
        #[arg(long, default_value_t = 200)]
        events: i64,
    },
    /// The web service over an existing database (issue 5 targets: household page p99 ≤ 50 ms;
    /// explain endpoint ≥ 2,000 req/s with p99 ≤ 20 ms), loaded from a second process on
    /// loopback for a bounded time.
    Web {
        #[arg(long, default_value_t = 15)]
        seconds: u64,
        /// Concurrent keep-alive connections of the load process.
        #[arg(long, default_value_t = 8)]
        connections: u32,
        /// Households sampled across the registry.
        #[arg(long, default_value_t = 1000)]
        samples: i64,
        #[arg(long, default_value = "2025-06")]
        month: minsheng_core::Month,
        /// Connections of the mixed phase: household pages and explanations together while
        /// `--writers` record registry changes.
        #[arg(long, default_value_t = 200)]
        mixed_connections: u32,
        /// Tasks in the server's process recording a caseworker's change (with its audit
        /// entry) back to back during the mixed phase.
        #[arg(long, default_value_t = 2)]
        writers: u32,
    },
    /// Every kind of page, each on its own for `--seconds`, one connection, as the city's
    /// administrator, a district's approver and a street's reviewer (issue 26 target: every
    /// page's server time p99 ≤ 50 ms on the 10M database).
    Pages {
        #[arg(long, default_value_t = 3)]
        seconds: u64,
        /// Households sampled across the registry (those in each account's area are used).
        #[arg(long, default_value_t = 1000)]
        samples: i64,
        #[arg(long, default_value = "2025-06")]
        month: minsheng_core::Month,
    },
    /// The load process of `bench web` (token in MINSHENG_BENCH_TOKEN).
    #[command(hide = true)]
    Load {
        #[arg(long)]
        url: String,
        #[arg(long)]
        paths: PathBuf,
        #[arg(long)]
        seconds: u64,
        #[arg(long)]
        connections: u32,
    },
    /// Scoring older persons' ability assessments (GB/T 42195-2022, `scales/ability.yaml`)
    /// with their explanations, over forms drawn at random (target ≤ 50 µs each); then every
    /// older resident's entitlements under the basic elderly service list, counted by item,
    /// from memory (target ≤ 1 s for the ~2.3M older residents of a 10M city).
    Eldercare {
        #[arg(long, default_value_t = 100_000)]
        forms: usize,
        /// Residents of the synthetic city whose older residents' entitlements under the basic
        /// elderly service list are computed from memory (0: skip).
        #[arg(long, default_value_t = 1_000_000)]
        people: u64,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// Printable notices typeset to PDF: N decision letters on every core (total, letters/s,
    /// median and p99 per letter), then one 公示 list of ROWS households.
    Letters {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
    },
    /// The notifications outbox delivering COUNT SMS notices to a local gateway, RUNS times,
    /// into a new database (messages/s per run and the median).
    Notify {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// Meal aid in a new database of PEOPLE residents: every canteen's month settled over
    /// ORDERS served meals (target ≤ 5 s for 1M), then lunches ordered through the use case by
    /// CANTEENS counters at once (target p99 ≤ 50 ms with 200), THINK ms apart at each.
    Meals {
        #[arg(long, default_value_t = 20_000)]
        people: u64,
        #[arg(long, default_value_t = 1_000_000)]
        orders: u64,
        #[arg(long, default_value_t = 200)]
        canteens: usize,
        /// Milliseconds a counter takes between one order and the next (0: back to back).
        #[arg(long, default_value_t = 1_000)]
        think: u64,
    },
    /// Visiting care in a new database: the due and overdue visits of ELDERS listed elders,
    /// with each community's coverage (target ≤ 1 s for 300,000), RUNS times.
    Visits {
        #[arg(long, default_value_t = 300_000)]
        elders: u64,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// The 15-minute circle in a new database: ELDERS older residents' household locations read,
    /// counted per community against POINTS service points (target ≤ 2 s for 2.3M and 3,000),
    /// and 10 new stations placed (target ≤ 10 s), RUNS times.
    Circle {
        #[arg(long, default_value_t = 2_300_000)]
        elders: u64,
        #[arg(long, default_value_t = 3_000)]
        points: u64,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// The second process of `bench meals` (not for direct use): posts each counter's orders.
    #[command(hide = true)]
    MealLoad {
        #[arg(long)]
        url: String,
        #[arg(long)]
        orders: PathBuf,
        #[arg(long)]
        think: u64,
    },
    /// `registry show` latency over sampled households of an existing database.
    Show {
        #[arg(long, default_value_t = 1_000)]
        samples: i64,
    },
}

/// Peak resident memory of this process so far (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// A database that must start empty: a new SQLite file, or a fresh schema in PostgreSQL that is
/// dropped afterwards.
async fn fresh(db: &str) -> Result<(Store, Option<String>)> {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        let schema = format!(
            "bench_{}_{}",
            std::process::id(),
            chrono::Utc::now().timestamp()
        );
        Ok((Store::open_postgres(db, Some(&schema)).await?, Some(schema)))
    } else {
        let path = Path::new(db.strip_prefix("sqlite:").unwrap_or(db));
        if path.exists() {
            bail!(
                "{} exists; benchmarks write into a new database (remove it or pass another --db)",
                path.display()
            );
        }
        Ok((Store::open(db).await?, None))
    }
}

async fn drop_schema(db: &str, store: Store, schema: Option<String>) -> Result<()> {
    store.close().await;
    if let Some(schema) = schema {
        Store::drop_postgres_schema(db, &schema).await?;
    }
    Ok(())
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

pub(crate) fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

async fn pay_bench(
    db: &str,
    dir: &Path,
    people: u64,
    months: usize,
    out: &Path,
    clock: Clock,
) -> Result<()> {
    use minsheng_payments as payments;
    let store = Store::open(db).await?;
    let policy = crate::policy::load(dir)?;
    if store.counts().await?.persons == 0 {
        minsheng_app::generate::generate(&store, people, 2023, clock, &Bars::new()).await?;
    }
    let start: minsheng_core::Month = "2025-06".parse()?;
    let basis = "bench caseload";
    payments::enrol_caseload(&store, &policy, start, basis, "bench", clock, &Bars::new()).await?;
    std::fs::create_dir_all(out)?;
    let persons = store.counts().await?.persons;
    let (mut compute, mut disburse, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut month = start;
    let mut payees = 0;
    while compute.len() < months {
        if store.payments().pay_cycle(month).await?.is_some() {
            month = month.next();
            continue;
        }
        let began = Instant::now();
        let c = payments::compute(&store, &policy, month, false, "bench", clock, &Quiet).await?;
        let computed = began.elapsed();
        payments::approve(&store, month, "bench-approver", clock).await?;
        let sent = Instant::now();
        let d = payments::disburse(&store, month, out, "bench", clock)
            .await?
            .context("nothing to pay")?;
        let elapsed = began.elapsed();
        payees = c.status.payees();
        println!(
            "  {month}: {} payees, {} 元; compute {:.2} s, disburse + bank file {:.2} s ({} lines), total {:.2} s",
            payees,
            c.status.total_owed.grouped(),
            computed.as_secs_f64(),
            sent.elapsed().as_secs_f64(),
            d.payments,
            elapsed.as_secs_f64()
        );
        compute.push(computed);
        disburse.push(sent.elapsed());
        total.push(elapsed);
        month = month.next();
    }
    println!(
        "bench pay: {payees} payees of a {persons}-resident {:?} registry: frozen registry to bank file median {:.2} s (compute {:.2} s, disburse + file {:.2} s) over {months} months",
        store.backend(),
        median(total).as_secs_f64(),
        median(compute).as_secs_f64(),
        median(disburse).as_secs_f64(),
    );
    Ok(())
}

async fn sweep_bench(
    db: &str,
    dir: &Path,
    month: minsheng_core::Month,
    events: i64,
    clock: Clock,
) -> Result<()> {
    let store = Store::open(db).await?;
    let policy = crate::policy::load(dir)?;
    let persons = store.counts().await?.persons;
    let started = Instant::now();
    let r = minsheng_assistance::discovery::sweep(&store, &policy, month, "bench", clock, &Quiet)
        .await?;
    let elapsed = started.elapsed();
    println!(
        "bench sweep: {} households ({persons} residents) of a {:?} registry for {month}: {:.1} s end to end, {} new findings ({} raised before), {} granted, peak RSS {:.0} MiB",
        r.sweep.households,
        store.backend(),
        elapsed.as_secs_f64(),
        r.record.new.len(),
        r.record.repeated,
        r.record.granted,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    for (name, took) in &r.phases {
        println!("  {name}: {:.2} s", took.as_secs_f64());
    }
    let codes = store.sample_household_codes(events).await?;
    let mut times = Vec::with_capacity(codes.len());
    for code in &codes {
        let began = Instant::now();
        minsheng_assistance::discovery::reevaluate(
            &store,
            &policy,
            code,
            month,
            "bench event",
            "bench",
            clock,
        )
        .await?;
        times.push(began.elapsed());
    }
    times.sort();
    println!(
        "bench event: {} households re-evaluated one at a time: median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    Ok(())
}

/// The programs the OpenFisca comparison computes in both engines.
const COMPARED: &[&str] = &[
    "dibao_amount",
    "near_poor",
    "disability_living_subsidy",
    "disability_care_subsidy",
    "meal_aid_canteen_per_meal",
];

/// The programs of the OpenFisca comparison, as the policy names them.
fn compared_programs(policy: &minsheng_policy::Policy) -> Result<Vec<minsheng_policy::VarId>> {
    COMPARED
        .iter()
        .map(|name| {
            policy
                .variable(name)
                .with_context(|| format!("{name} is not in the policy"))
        })
        .collect()
}

/// The median time of `runs` batches of `wanted` over `population`, and the last result.
fn timed_batch(
    policy: &minsheng_policy::Policy,
    month: minsheng_core::Month,
    population: &minsheng_policy::batch::Population,
    wanted: &[minsheng_policy::VarId],
    runs: usize,
    threads: usize,
) -> (Duration, Option<minsheng_policy::batch::BatchResult>) {
    let mut times = Vec::new();
    let mut result = None;
    for _ in 0..runs.max(1) {
        drop(result.take()); // one result held at a time, as a single run would
        let started = Instant::now();
        let on = month.first_day();
        result = Some(minsheng_policy::batch::run(
            policy, on, population, wanted, threads,
        ));
        times.push(started.elapsed());
    }
    (median(times), result)
}

/// A synthetic city of `people` (seed 2023) as the batch executor reads it for `month`, and the
/// time spent building its columns; `each` sees every household (its index after it was added).
pub(crate) fn generated_population(
    policy: &minsheng_policy::Policy,
    people: u64,
    month: minsheng_core::Month,
    mut each: impl FnMut(usize, &[minsheng_core::registry::Registration]),
) -> (minsheng_policy::batch::Population, Duration) {
    use minsheng_core::registry::Registration;
    use minsheng_policy::batch::Population;
    use minsheng_policy::inputs::member_values;
    let mut population = Population::new(policy.inputs.len());
    // The registry knows its size before it is read; so does the generator.
    population.reserve(people as usize, (people as usize).div_ceil(2));
    let mut built = Duration::ZERO;
    let mut add = |household: &[Registration], population: &mut Population| {
        let t = Instant::now();
        let members: Vec<Vec<minsheng_policy::Value>> = household
            .iter()
            .map(|r| member_values(&r.person, &r.facts, month, policy.serious_illnesses))
            .collect();
        population.push(&members);
        built += t.elapsed();
        each(population.households(), household);
    };
    for batch in Generator::new(GeneratorConfig::new(people, 2023)) {
        let mut current: Vec<Registration> = Vec::new();
        for r in batch {
            if current
                .first()
                .is_some_and(|f| f.facts.household != r.facts.household)
            {
                add(&current, &mut population);
                current.clear();
            }
            current.push(r);
        }
        if !current.is_empty() {
            add(&current, &mut population);
        }
    }
    (population, built)
}

fn policy_bench(
    people: u64,
    runs: usize,
    dir: &Path,
    month: minsheng_core::Month,
    dump: Option<&Path>,
) -> Result<()> {
    let policy = crate::policy::load(dir)?;
    let outputs = policy.programs();
    // Registrations stream from the generator (they stand for the registry read, and are not
    // timed as building); only a sample of households is kept, for the explain timing.
    let started = Instant::now();
    let mut sample: Vec<Vec<minsheng_core::registry::Registration>> = Vec::new();
    let every = (people / 2_000).max(1) as usize;
    let (population, built) = generated_population(&policy, people, month, |h, household| {
        if h.is_multiple_of(every) && sample.len() < 1_000 {
            sample.push(household.to_vec());
        }
    });
    let generated = started.elapsed().saturating_sub(built);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let timed = |wanted: &[minsheng_policy::VarId]| {
        timed_batch(&policy, month, &population, wanted, runs, threads)
    };
    let (compute, result) = timed(&outputs);
    // The physical limit: touching every input value once, on all threads.
    let mut pass_times = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let inputs = &population.inputs;
        let sums: Vec<i64> = std::thread::scope(|scope| {
            let per = inputs.len().div_ceil(threads);
            let handles: Vec<_> = inputs
                .chunks(per.max(1))
                .map(|cols| {
                    scope.spawn(move || cols.iter().map(|c| c.sum()).fold(0i64, i64::wrapping_add))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
        });
        std::hint::black_box(sums);
        pass_times.push(started.elapsed());
    }
    let pass = median(pass_times);
    let result = result.context("no run")?;
    let errors: usize = result.columns.iter().map(|(_, c)| c.errors.len()).sum();
    // Explain: one household with tracing, over a sample.
    let mut explain_times = Vec::new();
    for h in &sample {
        let members: Vec<(
            &minsheng_core::registry::Person,
            &minsheng_core::registry::PersonFacts,
        )> = h.iter().map(|r| (&r.person, &r.facts)).collect();
        let started = Instant::now();
        let mut e = minsheng_policy::Evaluation::of_household(&policy, month, &members, true);
        for id in &outputs {
            for target in minsheng_policy::eval::members_of(&policy, *id, members.len()) {
                let _ = e.variable(*id, target);
            }
        }
        std::hint::black_box(&e.computations);
        explain_times.push(started.elapsed());
    }
    let explain = median(explain_times);
    println!(
        "bench policy: {} residents in {} households, {} variables ({} programs), month {month}, {threads} threads",
        population.persons(),
        population.households(),
        policy.variables.len(),
        outputs.len()
    );
    println!(
        "  generate registrations (not timed as build)   {:>10.3} s",
        generated.as_secs_f64()
    );
    println!(
        "  build input columns                            {:>10.3} s  ({:.0} MiB of columns)",
        built.as_secs_f64(),
        population.bytes() as f64 / 1048576.0
    );
    println!("  batch, whole catalog (median of {runs})           {:>10.3} s  ({:.1} M residents/s; {errors} undefined)", compute.as_secs_f64(), population.persons() as f64 / compute.as_secs_f64() / 1e6);
    println!(
        "  one pass over the inputs (median)              {:>10.3} s  (batch = {:.1}× a pass)",
        pass.as_secs_f64(),
        compute.as_secs_f64() / pass.as_secs_f64().max(1e-9)
    );
    println!(
        "  explain one household with trace (median)      {:>10.1} µs",
        explain.as_secs_f64() * 1e6
    );
    println!(
        "  peak RSS                                       {:>10.0} MiB",
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    if let Some(out) = dump {
        let compared = compared_programs(&policy)?;
        let (compute, result) = timed(&compared);
        let result = result.context("no run")?;
        crate::bench_columns::write(&policy, &population, out)?;
        std::fs::create_dir_all(out.join("outputs"))?;
        for ((_, column), name) in result.columns.iter().zip(COMPARED) {
            if !column.errors.is_empty() {
                bail!("{name}: {} rows undefined", column.errors.len());
            }
            let path = out.join("outputs").join(format!("{name}.i64"));
            let bytes: Vec<u8> = column.iter().flat_map(i64::to_le_bytes).collect();
            std::fs::write(path, bytes)?;
        }
        let meta = serde_json::json!({
            "persons": population.persons(), "households": population.households(),
            "month": month.to_string(), "threads": threads,
            "build_seconds": built.as_secs_f64(), "compute_seconds": compute.as_secs_f64(),
            "explain_seconds": explain.as_secs_f64(),
            "peak_rss_mib": peak_rss_mib(),
            "compared": COMPARED,
        });
        std::fs::write(out.join("meta.json"), serde_json::to_string_pretty(&meta)?)?;
        println!(
            "  the {} compared programs alone (median)       {:>10.3} s; columns written to {}",
            COMPARED.len(),
            compute.as_secs_f64(),
            out.display()
        );
    }
    Ok(())
}

/// `bench policy --from DIR`: the compared programs over the population a `--dump` wrote,
/// starting from the same files OpenFisca starts from.
fn policy_from_files(runs: usize, dir: &Path, from: &Path) -> Result<()> {
    let policy = crate::policy::load(dir)?;
    // The month the dump was computed for, so that the check below compares like with like.
    let meta = from.join("meta.json");
    let meta: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&meta).with_context(|| format!("reading {}", meta.display()))?,
    )?;
    let month: minsheng_core::Month = meta
        .get("month")
        .and_then(serde_json::Value::as_str)
        .context("meta.json names no month")?
        .parse()?;
    let compared = compared_programs(&policy)?;
    let needed = policy.inputs_read_by(&compared);
    let started = Instant::now();
    let population = crate::bench_columns::read(&policy, from, &needed)?;
    let build = started.elapsed();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (compute, result) = timed_batch(&policy, month, &population, &compared, runs, threads);
    // The engine's memory: taken before the check below reads the expected results.
    let peak = peak_rss_mib();
    let result = result.context("no run")?;
    for ((_, column), name) in result.columns.iter().zip(COMPARED) {
        let path = from.join("outputs").join(format!("{name}.i64"));
        let mut expected = std::io::BufReader::new(
            std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?,
        );
        let mut same = column.errors.is_empty();
        let mut value = [0u8; 8];
        for got in column.iter() {
            use std::io::Read;
            if !same || expected.read_exact(&mut value).is_err() {
                same = false;
                break;
            }
            same = i64::from_le_bytes(value) == got;
        }
        if !same || std::io::Read::read(&mut expected, &mut value)? != 0 {
            bail!("{name}: the results from the column files differ from the dumped ones");
        }
    }
    let read_columns = needed.iter().filter(|n| **n).count();
    println!(
        "bench policy --from {}: {} residents in {} households, {} programs, month {month}, {threads} threads",
        from.display(),
        population.persons(),
        population.households(),
        compared.len()
    );
    println!(
        "  read the {read_columns} input columns they need    {:>10.3} s  ({:.0} MiB)",
        build.as_secs_f64(),
        population.bytes() as f64 / 1048576.0
    );
    println!("  compute (median of {runs})                      {:>10.3} s  (same to the fen as the dump)", compute.as_secs_f64());
    println!(
        "  peak RSS of this process                       {:>10.0} MiB",
        peak.unwrap_or(f64::NAN)
    );
    let figures = serde_json::json!({
        "build_seconds": build.as_secs_f64(), "compute_seconds": compute.as_secs_f64(),
        "peak_rss_mib": peak, "input_columns": read_columns, "threads": threads,
    });
    std::fs::write(
        from.join("minsheng.json"),
        serde_json::to_string_pretty(&figures)?,
    )?;
    Ok(())
}

pub async fn run(
    command: BenchCommand,
    db: &str,
    policy: &Path,
    medical_policy: &Path,
    clock: Clock,
) -> Result<ExitCode> {
    match command {
        BenchCommand::Web {
            seconds,
            connections,
            samples,
            month,
            mixed_connections,
            writers,
        } => {
            let store = Store::open(db).await?;
            let policy = crate::policy::load(policy)?;
            let load = crate::bench_web::Load {
                month,
                samples,
                seconds,
                connections,
                mixed_connections,
                writers,
            };
            crate::bench_web::web(store, policy, load, clock).await?;
        }
        BenchCommand::Pages {
            seconds,
            samples,
            month,
        } => {
            let store = Store::open(db).await?;
            let policy = crate::policy::load(policy)?;
            let tour = crate::bench_pages::Tour {
                month,
                samples,
                seconds,
            };
            crate::bench_pages::pages(store, policy, tour, clock).await?;
        }
        BenchCommand::Load {
            url,
            paths,
            seconds,
            connections,
        } => crate::bench_web::load(&url, &paths, seconds, connections).await?,
        BenchCommand::Policy {
            people,
            runs,
            month,
            dump,
            from,
        } => match from {
            Some(dir) => policy_from_files(runs, policy, &dir)?,
            None => policy_bench(people, runs, policy, month, dump.as_deref())?,
        },
        BenchCommand::Generate { people } => {
            let (store, schema) = fresh(db).await?;
            let started = Instant::now();
            let report =
                minsheng_app::generate::generate(&store, people, 2023, clock, &Bars::new()).await?;
            let elapsed = started.elapsed();
            println!(
                "bench generate: {} residents, {} households into {:?} in {:.1} s ({:.0} residents/s), peak RSS {:.0} MiB",
                report.persons,
                report.households,
                store.backend(),
                elapsed.as_secs_f64(),
                report.persons as f64 / elapsed.as_secs_f64(),
                peak_rss_mib().unwrap_or(f64::NAN)
            );
            println!("{}", report.tally.report());
            drop_schema(db, store, schema).await?;
        }
        BenchCommand::Import { people, csv } => {
            if !csv.exists() {
                if let Some(dir) = csv.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let mut writer = RosterWriter::create(&csv)?;
                for r in Generator::new(GeneratorConfig::new(people, 2023)).flatten() {
                    writer.write(&r)?;
                }
                writer.finish()?;
            }
            let (store, schema) = fresh(db).await?;
            store
                .insert_areas(
                    Generator::new(GeneratorConfig::new(1, 2023)).areas(),
                    |added| minsheng_store::NewAuditEntry {
                        actor: "bench".into(),
                        action: "import_areas".into(),
                        subject: "bench".into(),
                        detail: format!("added={added}"),
                        at: clock.now,
                    },
                )
                .await?;
            let started = Instant::now();
            let report = minsheng_app::import::import(
                &store,
                &csv,
                ImportOptions::default(),
                "bench",
                clock,
                &Quiet,
            )
            .await
            .context("import")?;
            let elapsed = started.elapsed();
            if let Some(first) = report.errors.first() {
                bail!("the generated roster did not import cleanly: {first}");
            }
            println!(
                "bench import: {} rows from {} into {:?} in {:.2} s ({:.0} rows/s), peak RSS {:.0} MiB",
                report.imported,
                csv.display(),
                store.backend(),
                elapsed.as_secs_f64(),
                report.imported as f64 / elapsed.as_secs_f64(),
                peak_rss_mib().unwrap_or(f64::NAN)
            );
            drop_schema(db, store, schema).await?;
        }
        BenchCommand::Pay {
            people,
            months,
            dir,
        } => pay_bench(db, policy, people, months, &dir, clock).await?,
        BenchCommand::Sweep { month, events } => {
            sweep_bench(db, policy, month, events, clock).await?
        }
        BenchCommand::Medical {
            people,
            month,
            runs,
            changes,
        } => crate::bench_medical::run(medical_policy, people, month, runs, &changes)?,
        BenchCommand::Claims {
            rate,
            seconds,
            warmup,
        } => {
            let store = Store::open(db).await?;
            let load = crate::bench_medical::Online {
                rate,
                seconds,
                warmup,
            };
            let (policy, medical) = (
                crate::policy::load(policy)?,
                crate::policy::load(medical_policy)?,
            );
            crate::bench_medical::online(store, policy, medical, load, clock).await?
        }
        BenchCommand::ClaimLoad {
            url,
            claims,
            rate,
            warmup,
        } => crate::bench_medical::claim_load(&url, &claims, rate, warmup).await?,
        BenchCommand::Letters { count, rows } => crate::bench_letters::run(count, rows)?,
        BenchCommand::Notify { count, runs } => {
            let (store, schema) = fresh(db).await?;
            crate::bench_notify::run(&store, count, runs).await?;
            drop_schema(db, store, schema).await?;
        }
        BenchCommand::Eldercare {
            forms,
            people,
            runs,
        } => {
            crate::bench_eldercare::run(policy, forms)?;
            if people > 0 {
                let month = minsheng_core::Month::containing(clock.today);
                crate::bench_eldercare::entitlements(policy, people, runs, month)?;
            }
        }
        BenchCommand::Meals {
            people,
            orders,
            canteens,
            think,
        } => {
            let (store, schema) = fresh(db).await?;
            let think = std::time::Duration::from_millis(think);
            crate::bench_meals::run(&store, policy, people, orders, canteens, think, clock).await?;
            drop_schema(db, store, schema).await?;
        }
        BenchCommand::Visits { elders, runs } => {
            let (store, schema) = fresh(db).await?;
            crate::bench_visits::run(&store, policy, elders, runs, clock).await?;
            drop_schema(db, store, schema).await?;
        }
        BenchCommand::Circle {
            elders,
            points,
            runs,
        } => {
            let (store, schema) = fresh(db).await?;
            crate::bench_circle::run(&store, policy, elders, points, runs, clock).await?;
            drop_schema(db, store, schema).await?;
        }
        BenchCommand::MealLoad { url, orders, think } => {
            crate::bench_meals::load(&url, &orders, think).await?
        }
        BenchCommand::Show { samples } => {
            let store = Store::open(db).await?;
            let persons = store.counts().await?.persons;
            let codes = store.sample_household_codes(samples).await?;
            if codes.is_empty() {
                bail!("the database has no households");
            }
            let mut times = Vec::with_capacity(codes.len());
            for code in &codes {
                let started = Instant::now();
                let text = crate::show::household(
                    &store,
                    code,
                    clock.today,
                    clock.now,
                    None,
                    "bench",
                    clock,
                )
                .await?;
                times.push(started.elapsed());
                std::hint::black_box(text);
            }
            times.sort();
            println!(
                "bench show: {} households of a {}-resident {:?} registry: median {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                times.len(),
                persons,
                store.backend(),
                percentile(&times, 0.5).as_secs_f64() * 1e3,
                percentile(&times, 0.95).as_secs_f64() * 1e3,
                percentile(&times, 0.99).as_secs_f64() * 1e3,
                times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
