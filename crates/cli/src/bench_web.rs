//! `bench web`: the web service over an existing database, loaded from a second process on
//! loopback for a bounded time: the household page, then the explain endpoint, then both at
//! once from many connections while writers in the server's process record registry changes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use minsheng_app::Clock;
use minsheng_core::access::{Role, Staff};
use minsheng_core::{AreaCode, Month};
use minsheng_store::{AccountHolder, Store};

const BENCH_STAFF: &str = "bench-web";

/// What to load the service with.
pub struct Load {
    pub month: Month,
    pub samples: i64,
    pub seconds: u64,
    pub connections: u32,
    pub mixed_connections: u32,
    pub writers: u32,
}

/// What the load process reports, one JSON line.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct Report {
    pub requests: u64,
    pub failures: u64,
    /// Answers with a 5xx status (of `failures`); 503s (overload, with Retry-After) apart.
    pub server_errors: u64,
    pub unavailable: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Report {
    /// Requests a second, the latencies and what failed, as every load benchmark prints them.
    pub(crate) fn figures(&self, unit: &str, answered: &str) -> String {
        format!(
            "{:>8.0} {unit}/s  p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  max {:.1} ms  ({} {answered}, {} failed: {} 5xx of which {} 503)",
            self.requests as f64 / self.seconds.max(f64::EPSILON),
            self.p50_ms,
            self.p95_ms,
            self.p99_ms,
            self.max_ms,
            self.requests,
            self.failures,
            self.server_errors,
            self.unavailable,
        )
    }
}

pub async fn web(
    store: Store,
    policy: minsheng_policy::Policy,
    load: Load,
    clock: Clock,
) -> Result<()> {
    let codes = store.sample_household_codes(load.samples).await?;
    if codes.is_empty() {
        bail!("the database has no households: generate a city first");
    }
    // A city-wide account: every sampled household is in its area.
    let city = AreaCode::parse("370200").map_err(|e| anyhow::anyhow!("{e}"))?;
    let token = bench_token(&store, BENCH_STAFF, Role::City, &city, clock).await?;
    let counts = store.counts().await?;
    let store = store.prepare_to_serve().await?;
    let bank = tempfile_dir()?;
    let web = minsheng_web::Web::new(store.clone(), policy, false, bank);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(minsheng_web::serve_on(web, listener));
    println!(
        "bench web: {} residents, {} households; {} sampled households; {} s a phase, from a second process",
        counts.persons,
        counts.households,
        codes.len(),
        load.seconds
    );
    let households: Vec<String> = codes.iter().map(|c| format!("/households/{c}")).collect();
    let explanations: Vec<String> = codes
        .iter()
        .map(|c| format!("/api/v1/households/{c}/explain?month={}", load.month))
        .collect();
    let mixed: Vec<String> = households
        .iter()
        .zip(&explanations)
        .flat_map(|(h, e)| [h.clone(), e.clone()])
        .collect();
    let people = writer_people(&store, &codes).await?;
    let phases = [
        (
            "household page (HTML)",
            "household",
            households,
            load.connections,
            0,
        ),
        (
            "explain endpoint (JSON)",
            "explain",
            explanations,
            load.connections,
            0,
        ),
        (
            "mixed, with writers",
            "mixed",
            mixed,
            load.mixed_connections,
            load.writers,
        ),
    ];
    let url = format!("http://{addr}");
    for (label, name, paths, connections, writers) in phases {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writing: Vec<_> = (0..writers as usize)
            .map(|w| {
                let (store, people, stop) = (store.clone(), people.clone(), stop.clone());
                tokio::spawn(write_changes(store, people, w, stop))
            })
            .collect();
        let cpu_before = process_cpu();
        let report = run_load(&url, &token, name, &paths, load.seconds, connections).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut written = Written::default();
        for w in writing {
            written.add(w.await?);
        }
        let report = report?;
        // The server's CPU time per answered request: on a shared machine the throughput moves
        // with the neighbours' load, the CPU spent on each request much less.
        let per_request = match (cpu_before, process_cpu()) {
            (Some(before), Some(after)) if report.requests > 0 => format!(
                "  server CPU {:.0} µs/request",
                (after - before).as_secs_f64() * 1e6 / report.requests as f64
            ),
            _ => String::new(),
        };
        println!(
            "  {label:<26} {}{per_request}",
            report.figures("req", &format!("requests over {connections} connections"))
        );
        if writers > 0 {
            let (median, p99) = (written.quantile_ms(0.5), written.quantile_ms(0.99));
            println!(
                "  {:<26} {} changes recorded by {writers} writers ({:.0}/s), {} failed; a change's median {:.1} ms, p99 {:.1} ms",
                "",
                written.latencies.len(),
                written.latencies.len() as f64 / report.seconds,
                written.failures,
                median,
                p99,
            );
        }
    }
    server.abort();
    Ok(())
}

/// A staff member and account for a bench to act as (made the first time), and a new API token
/// of it.
pub(crate) async fn bench_token(
    store: &Store,
    name: &str,
    role: Role,
    area: &AreaCode,
    clock: Clock,
) -> Result<String> {
    if store.staff(name).await?.is_none() {
        let staff = Staff {
            name: name.into(),
            role,
            area: area.clone(),
        };
        store.add_staff(&staff, "bench", clock.now).await?;
    }
    if store.account(name).await?.is_none() {
        let password = minsheng_app::accounts::random_token();
        minsheng_app::accounts::add_account(
            store,
            name,
            &password,
            &AccountHolder::Staff(name.into()),
            "bench",
            clock,
        )
        .await?;
    }
    Ok(minsheng_app::accounts::add_api_token(store, name, "bench", "bench", clock).await?)
}

/// Runs the load process over `paths` and reads its report.
pub(crate) async fn run_load(
    url: &str,
    token: &str,
    name: &str,
    paths: &[String],
    seconds: u64,
    connections: u32,
) -> Result<Report> {
    let file = std::env::temp_dir().join(format!(
        "minsheng-bench-web-{}-{name}.txt",
        std::process::id()
    ));
    std::fs::write(&file, paths.join("\n"))?;
    let exe = std::env::current_exe()?;
    let (url, token) = (url.to_string(), token.to_string());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .args(["bench", "load", "--url", &url, "--paths"])
            .arg(&file)
            .args([
                "--seconds",
                &seconds.to_string(),
                "--connections",
                &connections.to_string(),
            ])
            .env("MINSHENG_BENCH_TOKEN", token)
            .output()
    })
    .await??;
    if !output.status.success() {
        bail!(
            "the load process failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("reading the load process's report")
}

/// The ID numbers of the sampled households' members, whom the writers change.
async fn writer_people(store: &Store, codes: &[String]) -> Result<std::sync::Arc<Vec<String>>> {
    let mut people = Vec::new();
    for code in codes.iter().take(200) {
        let file = store.household_file(code).await?;
        people.extend(
            file.members
                .iter()
                .map(|m| m.person.id_number.as_str().to_string()),
        );
    }
    Ok(std::sync::Arc::new(people))
}

#[derive(Default)]
struct Written {
    latencies: Vec<Duration>,
    failures: u64,
}

impl Written {
    fn add(&mut self, other: Written) {
        self.latencies.extend(other.latencies);
        self.failures += other.failures;
    }

    fn quantile_ms(&mut self, q: f64) -> f64 {
        self.latencies.sort_unstable();
        crate::bench::percentile(&self.latencies, q).as_secs_f64() * 1000.0
    }
}

/// One writer: a caseworker recording changes back to back, each with its audit entry, as the
/// service's own writes are made, until told to stop. Deposits change by a yuan each time so
/// that every change is a new version.
async fn write_changes(
    store: Store,
    people: std::sync::Arc<Vec<String>>,
    writer: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Written {
    let mut written = Written::default();
    let mut i = writer * 7919;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let Some(id) = people.get(i % people.len().max(1)) else {
            break;
        };
        i += 1;
        let clock = Clock::system();
        let change = [format!("deposits={}", 1_000 + i % 5_000)];
        let started = Instant::now();
        match minsheng_app::registry::record_change(
            &store,
            id,
            clock.today,
            &change,
            BENCH_STAFF,
            clock,
        )
        .await
        {
            Ok(_) => written.latencies.push(started.elapsed()),
            Err(e) => {
                if written.failures == 0 {
                    eprintln!("bench web: a writer's change failed: {e}");
                }
                written.failures += 1;
            }
        }
    }
    written
}

/// User + system CPU time of this process so far, where the system reports it (Linux's
/// `/proc/self/stat`, in clock ticks of 1/100 s, the fixed `USER_HZ` of Linux's user ABI).
fn process_cpu() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces; utime and
    // stime are the 14th and 15th fields of the line, the 12th and 13th after the name.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let mut ticks = || fields.next()?.parse::<u64>().ok();
    let (user, system) = (ticks()?, ticks()?);
    Some(std::time::Duration::from_millis((user + system) * 10))
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("minsheng-bench-web-bank-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// The second process: `connections` keep-alive connections, each sending the next path as
/// soon as the last answer has been read, until `seconds` have passed.
pub async fn load(url: &str, paths: &Path, seconds: u64, connections: u32) -> Result<()> {
    let token = std::env::var("MINSHENG_BENCH_TOKEN").context("MINSHENG_BENCH_TOKEN is not set")?;
    let paths: Vec<String> = std::fs::read_to_string(paths)?
        .lines()
        .map(String::from)
        .collect();
    if paths.is_empty() {
        bail!("no paths to request");
    }
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for worker in 0..connections as usize {
        let (client, paths, url, token) = (
            client.clone(),
            paths.clone(),
            url.to_string(),
            token.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut latencies: Vec<u32> = Vec::new();
            let (mut failures, mut server_errors, mut unavailable) = (0u64, 0u64, 0u64);
            let mut i = worker * 7919;
            while Instant::now() < deadline {
                // `load` refused an empty list, so there is always a path.
                let Some(path) = paths.get(i % paths.len()) else {
                    break;
                };
                i += 1;
                let request = hyper::Request::get(format!("{url}{path}"))
                    .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Empty::<Bytes>::new());
                let Ok(request) = request else {
                    failures += 1;
                    continue;
                };
                let sent = Instant::now();
                match client.request(request).await {
                    Ok(response) => {
                        let status = response.status();
                        server_errors += u64::from(status.is_server_error());
                        unavailable += u64::from(status == hyper::StatusCode::SERVICE_UNAVAILABLE);
                        let ok = status.is_success();
                        let body = response.into_body().collect().await;
                        if ok && body.is_ok() {
                            latencies.push(
                                u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX),
                            );
                        } else {
                            failures += 1;
                        }
                    }
                    Err(_) => failures += 1,
                }
            }
            (latencies, failures, server_errors, unavailable)
        }));
    }
    let mut all = Vec::new();
    let (mut failures, mut server_errors, mut unavailable) = (0, 0, 0);
    for w in workers {
        let (latencies, failed, errors, busy) = w.await?;
        all.extend(latencies);
        failures += failed;
        server_errors += errors;
        unavailable += busy;
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    // No answer at all (every request failed): zeros, which JSON can carry, beside the failures.
    let at = |q: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 * q).ceil() as usize).clamp(1, all.len()) - 1;
        all.get(i)
            .map_or(f64::NAN, |&micros| f64::from(micros) / 1000.0)
    };
    let report = Report {
        requests: all.len() as u64,
        failures,
        server_errors,
        unavailable,
        seconds,
        p50_ms: at(0.50),
        p95_ms: at(0.95),
        p99_ms: at(0.99),
        max_ms: at(1.0),
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
