//! `minsheng bench medical`: a month of a whole city's claims settled by the batch, each
//! person's year in claim order, and the same month under a reform; the figures the synthetic
//! claims come to beside the city's published ones (docs/calibration.md).
//!
//! The city is generated in memory (seed 2023), everyone covered as the registry suggests, and
//! two months of claims drawn: the month before, settled from an empty year, and the month
//! measured, settled on the year the first one left.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use minsheng_core::Month;
use minsheng_medical::batch::{self, Settled};
use minsheng_medical::{enrolment, synthetic};
use minsheng_synth::{Generator, GeneratorConfig};

fn yuan(fen: i64) -> String {
    format!("{:.1} 万元", fen as f64 / 1_000_000.0)
}

pub fn run(dir: &Path, people: u64, month: Month, runs: usize, changes: &[String]) -> Result<()> {
    let policy = crate::policy::load(dir)?;
    let reform = policy
        .with_changes(changes, month.first_day())
        .map_err(anyhow::Error::msg)?;
    if month.month() == 1 {
        anyhow::bail!("month: choose one after January, so that the year before it has a month");
    }
    let threads = minsheng_app::policy::threads();
    let started = Instant::now();
    let residents = Generator::new(GeneratorConfig::new(people, 2023)).flatten();
    let months = [month.previous(), month];
    let (insured, claims) =
        synthetic::insured_city(&policy, residents, month.year(), &months, 2023)?;
    let [before, this] = claims.as_slice() else {
        anyhow::bail!("two months of claims were drawn");
    };
    println!(
        "bench medical: a city of {people}, {} insured; {} claims in {} and {} in {month} ({} lines), drawn in {:.1} s",
        insured.len(),
        before.len(),
        month.previous(),
        this.len(),
        this.classes.len(),
        started.elapsed().as_secs_f64()
    );
    let mut year_so_far = insured.clone();
    let t = Instant::now();
    let first = batch::settle(&policy, before, &mut year_so_far, threads)?;
    println!(
        "  {}: settled from an empty year in {:.2} s ({} rounds, {} refused)",
        month.previous(),
        t.elapsed().as_secs_f64(),
        first.rounds,
        first.refused.len()
    );
    let mut times = Vec::new();
    let mut reform_times = Vec::new();
    let mut settled = None;
    let mut reformed = None;
    for _ in 0..runs.max(1) {
        drop((settled.take(), reformed.take()));
        let mut insured = year_so_far.clone();
        let t = Instant::now();
        settled = Some(batch::settle(&policy, this, &mut insured, threads)?);
        times.push(t.elapsed());
        let mut insured = year_so_far.clone();
        let t = Instant::now();
        reformed = Some(batch::settle(&reform, this, &mut insured, threads)?);
        reform_times.push(t.elapsed());
    }
    let (Some(settled), Some(reformed)) = (settled, reformed) else {
        return Ok(());
    };
    println!(
        "  {month}: {} claims settled on the year so far, median {:.2} s over {} runs on {threads} threads ({} rounds, {} refused; target ≤ 20 s for ~10M)",
        this.len(),
        crate::bench::median(times).as_secs_f64(),
        runs.max(1),
        settled.rounds,
        settled.refused.len()
    );
    let funds = |s: &Settled| -> i64 { s.shares.iter().map(|x| x.fund.0 + x.supplement.0).sum() };
    let bears = |x: &batch::Shares| x.account.0 + x.person.0;
    let more = (settled.shares.iter().zip(&reformed.shares))
        .filter(|(a, b)| bears(b) > bears(a))
        .count();
    let less = (settled.shares.iter().zip(&reformed.shares))
        .filter(|(a, b)| bears(b) < bears(a))
        .count();
    println!(
        "  {month} under {}: median {:.2} s more (target ≤ 20 s); funds {} → {}; {more} claims pay more, {less} less",
        changes.join(", "),
        crate::bench::median(reform_times).as_secs_f64(),
        yuan(funds(&settled)),
        yuan(funds(&reformed)),
    );
    let f = synthetic::Figures::of(&insured, this, &settled);
    let [employees, residents] = f.inpatient_shares();
    println!(
        "  calibration ({month}): {:.3} settlements per insured person (city 1.07); funds {:.1} yuan per insured person (city 258.7); inpatient in-policy funds' share employees {:.1}% (city 88.6%), residents {:.1}% (city 72.7%)",
        f.per_insured(),
        f.funds_per_insured(),
        employees * 100.0,
        residents * 100.0,
    );
    println!(
        "  medical assistance ({month}, settled with the claims above): {} objects among the insured (drawn at the city's rates), {} claims helped, {} paid (city: 10.09 亿元 for 4.7188M person-times in five years, about 1,680 万元 a month)",
        f.aided,
        f.aid_claims,
        yuan(f.aid.0),
    );
    for ((scheme, visit), (claims, cost, funds)) in &f.by {
        println!(
            "    {} {}: {claims} claims, cost {}, funds {}",
            scheme.label(),
            visit.label(),
            yuan(cost.0),
            yuan(funds.0),
        );
    }
    Ok(())
}

/// What the online settlement bench asks for.
pub struct Online {
    pub rate: u32,
    pub seconds: u64,
    /// Seconds of claims before those measured.
    pub warmup: u64,
}

/// What the load process reports: the warm-up's claims and the measured ones apart.
#[derive(serde::Serialize, serde::Deserialize)]
struct Reports {
    warmup: crate::bench_web::Report,
    measured: crate::bench_web::Report,
}

/// Hospitals settling claims over the API as they happen: the server in this process, the
/// hospitals' systems in a second one posting new claims at a fixed rate (open loop: each
/// claim is sent at its time whether or not the last has been answered, so a server falling
/// behind shows in the figures).
pub async fn online(
    store: minsheng_store::Store,
    policy: minsheng_policy::Policy,
    medical: minsheng_policy::Policy,
    load: Online,
    clock: minsheng_app::Clock,
) -> Result<()> {
    use minsheng_medical::MedicalStore as _;
    let counts = store.counts().await?;
    if counts.persons == 0 {
        anyhow::bail!("the database has no residents: generate a city first");
    }
    let year = enrolment::year_of(clock.now);
    let mut covered = store.medical().covered_persons(year).await?;
    if covered.is_empty() {
        let t = Instant::now();
        let filed = enrolment::file_synthetic(&store, &medical, year, "bench", clock.now).await?;
        println!(
            "bench claims: {year}'s cover filed for {} residents in {:.1} s",
            filed.covered,
            t.elapsed().as_secs_f64()
        );
        covered = store.medical().covered_persons(year).await?;
    }
    let warmup = usize::try_from(u64::from(load.rate) * load.warmup)?;
    let wanted = warmup + usize::try_from(u64::from(load.rate) * load.seconds)?;
    // Persons spread over the whole registry, each with the claims of the months so far, until
    // there are enough; numbers of this run's own, so that every claim is a new settlement.
    let run = clock.now.timestamp_millis();
    let step = (covered.len() / wanted.max(1)).max(1);
    let mut claims: Vec<(String, minsheng_medical::Claim)> = Vec::new();
    let months: Vec<Month> = (1..=Month::containing(clock.today).month())
        .filter_map(|m| Month::new(year, m))
        .collect();
    'people: for round in 0..step.max(1) {
        for (id, number, area, cover) in covered.iter().skip(round).step_by(step) {
            for month in &months {
                for (hospital, mut claim) in synthetic::claims_of(
                    u64::try_from(run).unwrap_or(0),
                    *id,
                    number,
                    area,
                    cover,
                    *month,
                    clock.today,
                ) {
                    claim.number = format!("B{run}-{}", claims.len());
                    claims.push((hospital, claim));
                }
            }
            if claims.len() >= wanted {
                break 'people;
            }
        }
    }
    claims.truncate(wanted);
    // One account per hospital, as each hospital's system signs in with its own.
    let mut tokens = std::collections::BTreeMap::new();
    for (hospital, _) in &claims {
        if tokens.contains_key(hospital) {
            continue;
        }
        let name = format!("bench-{hospital}");
        let area = match store.medical().hospital(hospital).await? {
            Some(h) => h.area,
            None => anyhow::bail!("hospital {hospital} is not filed"),
        };
        if store.staff(&name).await?.is_none() {
            let staff = minsheng_core::access::Staff {
                name: name.clone(),
                role: minsheng_core::access::Role::Provider,
                area: area.clone(),
            };
            store.add_staff(&staff, "bench", clock.now).await?;
            store
                .medical()
                .link_staff(
                    &name,
                    hospital,
                    minsheng_store::NewAuditEntry {
                        actor: "bench".into(),
                        action: "medical.link".into(),
                        subject: format!("hospital {hospital}"),
                        detail: name.clone(),
                        at: clock.now,
                    },
                )
                .await?;
        }
        let token = crate::bench_web::bench_token(
            &store,
            &name,
            minsheng_core::access::Role::Provider,
            &area,
            clock,
        )
        .await?;
        tokens.insert(hospital.clone(), token);
    }
    let lines: Vec<String> = (claims.iter())
        .filter_map(|(hospital, claim)| {
            Some(format!("{}\t{}", tokens.get(hospital)?, claim.to_json()))
        })
        .collect();
    let file =
        std::env::temp_dir().join(format!("minsheng-bench-claims-{}.txt", std::process::id()));
    std::fs::write(&file, lines.join("\n"))?;
    let store = store.prepare_to_serve().await?;
    let bank =
        std::env::temp_dir().join(format!("minsheng-bench-claims-bank-{}", std::process::id()));
    std::fs::create_dir_all(&bank)?;
    let web = minsheng_web::Web::new(store.clone(), policy, false, bank).with_medical(medical);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(minsheng_web::serve_on(web, listener));
    println!(
        "bench claims: {} residents, {} insured in {year}; {} new claims from {} hospitals at {}/s for {} s after {} s of warm-up, from a second process",
        counts.persons,
        covered.len(),
        lines.len(),
        tokens.len(),
        load.rate,
        load.seconds,
        load.warmup,
    );
    // The longest the write-ahead log grew during the run, sampled every 100 ms: bounded when
    // the writer starts it again (`store::Direct::checkpoint`), growing a commit at a time if not.
    let log_file = store.direct().map(|d| {
        let mut name = d.path().as_os_str().to_owned();
        name.push("-wal");
        std::path::PathBuf::from(name)
    });
    let load_done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = load_done.clone();
    let longest_log = tokio::spawn(async move {
        let mut longest = 0u64;
        let Some(file) = log_file else {
            return longest;
        };
        loop {
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            longest = longest.max(size);
            tokio::time::sleep(Duration::from_millis(100)).await;
            if done.load(std::sync::atomic::Ordering::Relaxed) {
                return longest;
            }
        }
    });
    let exe = std::env::current_exe()?;
    let (rate, warmup) = (load.rate.to_string(), warmup.to_string());
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .args([
                "bench",
                "claim-load",
                "--url",
                &url,
                "--rate",
                &rate,
                "--warmup",
                &warmup,
                "--claims",
            ])
            .arg(&file)
            .output()
    })
    .await??;
    load_done.store(true, std::sync::atomic::Ordering::Relaxed);
    let longest_log = longest_log.await?;
    server.abort();
    if !output.status.success() {
        anyhow::bail!(
            "the load process failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let reports: Reports = serde_json::from_slice(&output.stdout)?;
    for (what, report) in [
        ("warm-up", &reports.warmup),
        ("measured", &reports.measured),
    ] {
        println!(
            "  settlement (POST /api/v1/medical/claims), {what}: {}",
            report.figures("claims", "settled")
        );
    }
    println!("  target: p99 ≤ 5 ms at 1,000/s (measured)");
    if longest_log > 0 {
        println!(
            "  write-ahead log: at most {:.1} MB during the run",
            longest_log as f64 / 1e6
        );
    }
    Ok(())
}

/// The second process of [`online`]: posts each claim of `claims` (lines of `token<TAB>json`)
/// at `rate` a second, each at its own time, and prints the reports of the first `warmup`
/// claims and of the rest as one JSON line.
pub async fn claim_load(url: &str, claims: &Path, rate: u32, warmup: usize) -> Result<()> {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let text = std::fs::read_to_string(claims)?;
    let claims: Vec<(String, Bytes)> = (text.lines())
        .filter_map(|l| l.split_once('\t'))
        .map(|(token, body)| (token.to_string(), Bytes::from(body.to_string())))
        .collect();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build_http();
    let started = tokio::time::Instant::now();
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let mut sent = Vec::with_capacity(claims.len());
    for (i, (token, body)) in claims.into_iter().enumerate() {
        let due = started + interval * u32::try_from(i)?;
        tokio::time::sleep_until(due).await;
        let request = hyper::Request::post(format!("{url}/api/v1/medical/claims"))
            .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(body))?;
        let client = client.clone();
        sent.push(tokio::spawn(async move {
            // From when the claim goes out: the timer that paces them wakes up to a millisecond
            // late, which is this process's, not the server's; a server falling behind still
            // shows, as claims keep going out at their times whatever is unanswered.
            let out = tokio::time::Instant::now();
            let answer = client.request(request).await;
            let status = answer.as_ref().map(|r| r.status()).ok();
            let read = match answer {
                Ok(r) => r.into_body().collect().await.is_ok(),
                Err(_) => false,
            };
            (status, read, out.elapsed())
        }));
    }
    let mut answers = Vec::with_capacity(sent.len());
    for s in sent {
        answers.push(s.await?);
    }
    let ended = started.elapsed();
    let warmup = warmup.min(answers.len());
    let (first, rest) = answers.split_at(warmup);
    let reports = Reports {
        warmup: report_of(first, interval * u32::try_from(warmup)?),
        measured: report_of(
            rest,
            ended.saturating_sub(interval * u32::try_from(warmup)?),
        ),
    };
    println!("{}", serde_json::to_string(&reports)?);
    Ok(())
}

/// The figures of `answers` (each claim's status, whether its body was read, and how long it
/// took), sent over `took`.
fn report_of(
    answers: &[(Option<hyper::StatusCode>, bool, Duration)],
    took: Duration,
) -> crate::bench_web::Report {
    let mut latencies = Vec::new();
    let (mut failures, mut server_errors, mut unavailable) = (0u64, 0u64, 0u64);
    for &(status, read, took) in answers {
        match status {
            Some(status) if status == hyper::StatusCode::CREATED && read => latencies.push(took),
            Some(status) => {
                failures += 1;
                server_errors += u64::from(status.is_server_error());
                unavailable += u64::from(status == hyper::StatusCode::SERVICE_UNAVAILABLE);
                if failures == 1 {
                    eprintln!("bench claim-load: a claim answered {status}");
                }
            }
            None => failures += 1,
        }
    }
    latencies.sort();
    let ms = |q: f64| crate::bench::percentile(&latencies, q).as_secs_f64() * 1000.0;
    crate::bench_web::Report {
        requests: latencies.len() as u64,
        failures,
        server_errors,
        unavailable,
        seconds: took.as_secs_f64(),
        p50_ms: ms(0.5),
        p95_ms: ms(0.95),
        p99_ms: ms(0.99),
        max_ms: ms(1.0),
    }
}
