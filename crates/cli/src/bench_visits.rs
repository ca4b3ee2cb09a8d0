//! `bench visits`: the due and overdue visits of a city's visiting roster, read and standing
//! computed for every listed elder, with each community's coverage (target ≤ 1 s for 300,000).
//! The roster is written straight to a new database: what refreshes and visits leave behind.

use std::time::Instant;

use anyhow::Result;
use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_eldercare::visits;
use minsheng_store::{Cell, NewAuditEntry, Store, Table, Tx};

use crate::bench::percentile;

const ROSTER: Table = Table {
    name: "visit_roster",
    columns: &[
        "person_id",
        "household_id",
        "area_code",
        "tier",
        "since",
        "last_reached",
    ],
};

pub async fn run(
    store: &Store,
    policy_dir: &std::path::Path,
    elders: u64,
    runs: usize,
    clock: Clock,
) -> Result<()> {
    let policy = crate::policy::load(policy_dir)?;
    let today = clock.today;
    let since = today - chrono::Duration::days(90);
    // 3,000 communities, tiers 1:2:7, visits up to 40 days ago (some overdue, some escalated).
    let rows: Vec<Vec<Cell>> = (0..elders)
        .map(|i| {
            let i = i64::try_from(i).unwrap_or(i64::MAX);
            let tier = match i % 10 {
                0 => 1,
                1 | 2 => 2,
                _ => 3,
            };
            let last = (i % 17 != 0).then(|| today - chrono::Duration::days(i % 41));
            vec![
                Cell::Int(i + 1),
                Cell::Int(i / 2 + 1),
                Cell::Text(format!("370212{:03}{:03}", i % 3000 / 100 + 1, i % 100 + 1)),
                Cell::Int(tier),
                Cell::from(since),
                last.map_or(Cell::Null, Cell::from),
            ]
        })
        .collect();
    let started = Instant::now();
    let mut tx = Tx::write_only(store).await?;
    tx.write(&ROSTER, rows).await?;
    tx.append_audit(&[NewAuditEntry {
        actor: "bench".into(),
        action: "bench_roster".into(),
        subject: "bench".into(),
        detail: format!("elders={elders}"),
        at: clock.now,
    }])
    .await?;
    tx.commit().await?;
    store.analyze(&["visit_roster"]).await?;
    println!(
        "bench visits: {elders} listed elders written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let due = visits::due(store, &policy, &Scope::Everything, today).await?;
        let (by_area, total) = visits::coverage(&due);
        times.push(t.elapsed());
        last = Some((by_area.len(), total));
    }
    times.sort();
    if let Some((communities, total)) = last {
        println!(
            "due and overdue visits of {} elders in {communities} communities: median {:.3} s, p90 {:.3} s over {} runs (target ≤ 1 s for 300,000) — {} in time, {} overdue, {} escalated",
            total.listed,
            percentile(&times, 0.5).as_secs_f64(),
            percentile(&times, 0.9).as_secs_f64(),
            times.len(),
            total.current,
            total.overdue,
            total.escalated
        );
    }
    Ok(())
}
