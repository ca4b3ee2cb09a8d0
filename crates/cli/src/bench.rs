//! `minsheng bench …`: the performance targets of the registry, measured end to end on this
//! machine. Each prints its figures in one run; see docs/benchmarks.md for how to read them.

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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

pub async fn run(command: BenchCommand, db: &str, clock: Clock) -> Result<ExitCode> {
    match command {
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
                .insert_areas(Generator::new(GeneratorConfig::new(1, 2023)).areas())
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
            if !report.errors.is_empty() {
                bail!(
                    "the generated roster did not import cleanly: {}",
                    report.errors[0]
                );
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
                    false,
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
