//! `bench meals`: meal aid at a city's scale, in a new database. A month's settlement of every
//! canteen over ORDERS served meals (target: 1M orders settled ≤ 5 s), then orders placed
//! through the use case — priced by the rules, checked under the slot's locks, audited — by
//! CANTEENS counters at once (target p99 ≤ 50 ms with 200), each taking THINK milliseconds
//! between one elder's order and the next (0: back to back, the store's ceiling): first in
//! this process through the use case, then from a second process through the web API.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::NaiveTime;
use minsheng_app::{Clock, Quiet};
use minsheng_core::access::{Account, Role, Staff};
use minsheng_core::{AreaCode, AreaLevel, Fen, Month};
use minsheng_eldercare::meals::{
    self, Canteen, CanteenRecord, Dish, MealsStore as _, OrderForm, Slot,
};
use minsheng_store::{Cell, NewAuditEntry, Store, Table, Tx};

use crate::bench::percentile;

const ORDER: Table = Table {
    name: "meal_order",
    columns: &[
        "canteen_code",
        "person_id",
        "id_number",
        "name",
        "area_code",
        "day",
        "slot",
        "service",
        "dish_code",
        "price",
        "discount",
        "city",
        "district",
        "elder",
        "cap",
        "rule",
        "channel",
        "ordered_by",
        "status",
        "status_at",
        "status_by",
        "settle_month",
        "recorded_at",
    ],
};

fn canteen(i: usize, area: &AreaCode, city: &AreaCode) -> CanteenRecord {
    let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    CanteenRecord {
        canteen: Canteen {
            code: format!("BENCH{i:04}"),
            name: format!("测试长者食堂{i}"),
            area: area.clone(),
            slots: BTreeMap::from([
                (Slot::Breakfast, at(7)),
                (Slot::Lunch, at(11)),
                (Slot::Dinner, at(17)),
            ]),
            // Every elder of the city is within reach: the bench draws them at random.
            delivers_to: vec![city.clone()],
            capacity: 100_000,
        },
        bank_account: format!("6222{i:012}"),
        opened_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default(),
        dishes: vec![Dish {
            code: "L1".into(),
            name: "午餐套餐".into(),
            slot: Slot::Lunch,
            price: Fen(1_200),
            discount: Fen::ZERO,
        }],
    }
}

pub async fn run(
    store: &Store,
    policy_dir: &std::path::Path,
    people: u64,
    orders: u64,
    canteens: usize,
    think: Duration,
    clock: Clock,
) -> Result<()> {
    let policy = Arc::new(crate::policy::load(policy_dir)?);
    let started = Instant::now();
    minsheng_app::generate::generate(store, people, 2023, clock, &Quiet).await?;
    let communities: Vec<AreaCode> = store
        .areas()
        .await?
        .into_iter()
        .filter(|a| a.code.level() == AreaLevel::Community)
        .map(|a| a.code)
        .collect();
    let city = AreaCode::parse("370200").map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(!communities.is_empty(), "the city has no communities");
    let made: Vec<CanteenRecord> = communities
        .iter()
        .cycle()
        .take(canteens)
        .enumerate()
        .map(|(i, area)| canteen(i, area, &city))
        .collect();
    let noted = |what: &str| NewAuditEntry {
        actor: "bench".into(),
        action: what.into(),
        subject: "bench".into(),
        detail: String::new(),
        at: clock.now,
    };
    store
        .meals()
        .add_canteens(&made, "bench", clock.now, noted("file_canteens"))
        .await?;
    println!(
        "bench meals: {people} residents and {canteens} canteens set up in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // A month of served meals, written directly: what a month of counters leaves behind.
    let month = Month::containing(clock.today).previous();
    let days = i64::from(
        month
            .last_day()
            .signed_duration_since(month.first_day())
            .num_days() as i32
            + 1,
    );
    let started = Instant::now();
    let mut tx = Tx::write_only(store).await?;
    let mut rows = Vec::with_capacity(100_000);
    for n in 0..orders {
        let i = usize::try_from(n).unwrap_or(0) % canteens.max(1);
        let day = month.first_day()
            + chrono::Duration::days(i64::try_from(n / canteens as u64).unwrap_or(0) % days);
        let delivered = n % 5 == 0;
        let (city_part, district_part, elder_part) = if delivered {
            (400, 400, 400)
        } else {
            (300, 300, 600)
        };
        rows.push(vec![
            Cell::Text(format!("BENCH{i:04}")),
            Cell::Int(i64::try_from(n % 100_000).unwrap_or(0)),
            Cell::Code("370202195001010011"),
            Cell::Code("测试"),
            Cell::Text(
                made.get(i)
                    .map_or(String::new(), |c| c.canteen.area.as_str().to_string()),
            ),
            Cell::Text(day.to_string()),
            Cell::Code(match n % 3 {
                0 => "breakfast",
                1 => "lunch",
                _ => "dinner",
            }),
            Cell::Code(if delivered { "delivered" } else { "dine_in" }),
            Cell::Code("L1"),
            Cell::Int(1_200),
            Cell::Int(0),
            Cell::Int(city_part),
            Cell::Int(district_part),
            Cell::Int(elder_part),
            Cell::Int(if delivered { 800 } else { 600 }),
            Cell::Code("bench"),
            Cell::Code("canteen"),
            Cell::Code("bench"),
            Cell::Code("served"),
            Cell::Int(0),
            Cell::Code("bench"),
            Cell::Text(month.to_string()),
            Cell::Int(0),
        ]);
        if rows.len() == 100_000 {
            tx.write(&ORDER, std::mem::take(&mut rows)).await?;
        }
    }
    tx.write(&ORDER, rows).await?;
    tx.commit().await?;
    store.analyze(&["meal_order"]).await?;
    println!(
        "  {orders} served meals of {month} written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let cook = |i: usize, c: &CanteenRecord| {
        Account::Staff(Staff {
            name: format!("bench-canteen-{i}"),
            role: Role::Provider,
            area: c.canteen.area.clone(),
        })
    };
    for (i, c) in made.iter().enumerate() {
        let Account::Staff(s) = cook(i, c) else {
            continue;
        };
        store.add_staff(&s, "bench", clock.now).await?;
        store
            .meals()
            .link_staff(&s.name, &c.canteen.code, noted("canteen_staff"))
            .await?;
    }
    let after = Clock::at(clock.now);
    let started = Instant::now();
    let mut each = Vec::with_capacity(canteens);
    let mut payable = Fen::ZERO;
    let mut meals_settled = 0;
    for (i, c) in made.iter().enumerate() {
        let one = Instant::now();
        let s = meals::settle(store, &cook(i, c), &c.canteen.code, month, after).await?;
        each.push(one.elapsed());
        payable = payable.checked_add(s.payable()).context("overflow")?;
        meals_settled += s.statement.meals;
    }
    let total = started.elapsed();
    each.sort();
    println!(
        "  settlement of {month}: {meals_settled} meals over {canteens} canteens in {:.2} s (target ≤ 5 s for 1M); per canteen median {:.1} ms, p99 {:.1} ms; payable {payable} yuan",
        total.as_secs_f64(),
        percentile(&each, 0.5).as_secs_f64() * 1e3,
        percentile(&each, 0.99).as_secs_f64() * 1e3,
    );

    // Orders at every counter at once: each counter its own elders (one lunch each).
    let day = clock.today + chrono::Duration::days(1);
    let mut elders = Vec::new();
    for code in store
        .sample_household_codes(i64::try_from(people).unwrap_or(i64::MAX))
        .await?
    {
        let file = store.household_file(&code).await?;
        for (p, f) in file.as_of(day, clock.now) {
            if f.death_date.is_none()
                && minsheng_policy::inputs::age_on(p.id_number.birth_date(), day) >= 66
            {
                elders.push(p.id_number.as_str().to_string());
            }
        }
    }
    let per_counter = (elders.len() / canteens.max(1)).min(20);
    let elders = Arc::new(elders);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, c) in made.iter().enumerate() {
        let (store, policy, elders, who, code) = (
            store.clone(),
            policy.clone(),
            elders.clone(),
            cook(i, c),
            c.canteen.code.clone(),
        );
        // Counters start at different moments within the first pause, as they would.
        let start = think.mul_f64(i as f64 / canteens.max(1) as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(start).await;
            let mut times = Vec::with_capacity(per_counter);
            for k in 0..per_counter {
                let Some(id) = elders.get(i * per_counter + k) else {
                    break;
                };
                let one = Instant::now();
                let form = OrderForm {
                    canteen: &code,
                    id_number: id,
                    day,
                    slot: "lunch",
                    service: "dine_in",
                    dish: "L1",
                };
                meals::order(&store, &policy, &who, &form, Clock::system())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                times.push(one.elapsed());
                // The counter's next elder steps up: staff take a moment between orders.
                tokio::time::sleep(think).await;
            }
            Ok::<Vec<Duration>, anyhow::Error>(times)
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let wall = started.elapsed();
    times.sort();
    println!(
        "  orders: {} placed by {canteens} counters at once, {} ms between a counter's orders, in {:.2} s ({:.0}/s): median {:.1} ms, p99 {:.1} ms (target ≤ 50 ms), max {:.1} ms",
        times.len(),
        think.as_millis(),
        wall.as_secs_f64(),
        times.len() as f64 / wall.as_secs_f64().max(1e-9),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );

    // The same from a second process, through the web API (`POST /api/v1/meals/orders`, a
    // bearer token for each counter), for the day after: what a terminal at each counter does.
    let later = day + chrono::Duration::days(1);
    let mut lines = Vec::with_capacity(canteens);
    for (i, c) in made.iter().enumerate() {
        let name = format!("bench-canteen-{i}");
        let password = minsheng_app::accounts::random_token();
        let holder = minsheng_store::AccountHolder::Staff(name.clone());
        minsheng_app::accounts::add_account(store, &name, &password, &holder, "bench", clock)
            .await?;
        let token =
            minsheng_app::accounts::add_api_token(store, &name, "bench", "bench", clock).await?;
        let bodies: Vec<serde_json::Value> = (0..per_counter)
            .filter_map(|k| elders.get(i * per_counter + k))
            .map(|id| {
                serde_json::json!({"canteen": c.canteen.code, "id_number": id,
                    "day": later.to_string(), "slot": "lunch", "service": "dine_in",
                    "dish": "L1", "confirm": true})
            })
            .collect();
        let start_ms =
            u64::try_from(think.as_millis()).unwrap_or(0) * i as u64 / canteens.max(1) as u64;
        lines.push(serde_json::to_string(&Counter {
            token,
            start_ms,
            bodies,
        })?);
    }
    let serving = store.prepare_to_serve().await?;
    let bank = std::env::temp_dir().join(format!("minsheng-bench-meals-{}", std::process::id()));
    std::fs::create_dir_all(&bank)?;
    let web = minsheng_web::Web::new(serving, (*policy).clone(), false, bank);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(minsheng_web::serve_on(web, listener));
    let file =
        std::env::temp_dir().join(format!("minsheng-bench-meals-{}.jsonl", std::process::id()));
    std::fs::write(&file, lines.join("\n"))?;
    let exe = std::env::current_exe()?;
    let think_ms = think.as_millis().to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(exe)
            .args(["bench", "meal-load", "--url", &url, "--orders"])
            .arg(&file)
            .args(["--think", &think_ms])
            .output()
    })
    .await??;
    server.abort();
    anyhow::ensure!(
        output.status.success(),
        "the load process failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: crate::bench_web::Report =
        serde_json::from_slice(&output.stdout).context("reading the load process's report")?;
    println!(
        "  through the web from a second process: {} orders placed ({} failed) in {:.2} s: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms (target ≤ 50 ms), max {:.1} ms",
        report.requests,
        report.failures,
        report.seconds,
        report.p50_ms,
        report.p95_ms,
        report.p99_ms,
        report.max_ms,
    );
    Ok(())
}

/// A counter of the load process: its token, when it starts (ms) and its orders' bodies.
#[derive(serde::Serialize, serde::Deserialize)]
struct Counter {
    token: String,
    start_ms: u64,
    bodies: Vec<serde_json::Value>,
}

/// The load process of `bench meals`: one worker per line of `orders` (a counter's token, its
/// start in ms and its order bodies), each posting its orders `think` ms apart. Prints one
/// JSON report.
pub async fn load(url: &str, orders: &std::path::Path, think: u64) -> Result<()> {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    let client: hyper_util::client::legacy::Client<_, Full<Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let started = Instant::now();
    let mut workers = Vec::new();
    for line in std::fs::read_to_string(orders)?.lines() {
        let counter: Counter = serde_json::from_str(line)?;
        let token = counter.token;
        let start = Duration::from_millis(counter.start_ms);
        let bodies: Vec<String> = counter.bodies.iter().map(ToString::to_string).collect();
        let (client, url) = (client.clone(), url.to_string());
        workers.push(tokio::spawn(async move {
            tokio::time::sleep(start).await;
            let (mut times, mut failures, mut errors) = (Vec::new(), 0u64, 0u64);
            for body in bodies {
                let request = hyper::Request::post(format!("{url}/api/v1/meals/orders"))
                    .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(hyper::header::CONTENT_TYPE, "application/json")
                    .body(Full::new(Bytes::from(body)));
                let Ok(request) = request else {
                    failures += 1;
                    continue;
                };
                let sent = Instant::now();
                match client.request(request).await {
                    Ok(answer) => {
                        let status = answer.status();
                        errors += u64::from(status.is_server_error());
                        let read = answer.into_body().collect().await;
                        if status == hyper::StatusCode::CREATED && read.is_ok() {
                            times.push(sent.elapsed());
                        } else {
                            failures += 1;
                        }
                    }
                    Err(_) => failures += 1,
                }
                tokio::time::sleep(Duration::from_millis(think)).await;
            }
            (times, failures, errors)
        }));
    }
    let (mut all, mut failures, mut errors) = (Vec::new(), 0, 0);
    for w in workers {
        let (times, failed, server) = w.await?;
        all.extend(times);
        failures += failed;
        errors += server;
    }
    all.sort();
    let ms = |p: f64| percentile(&all, p).as_secs_f64() * 1e3;
    let report = crate::bench_web::Report {
        requests: all.len() as u64,
        failures,
        server_errors: errors,
        unavailable: 0,
        seconds: started.elapsed().as_secs_f64(),
        p50_ms: ms(0.5),
        p95_ms: ms(0.95),
        p99_ms: ms(0.99),
        max_ms: all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
