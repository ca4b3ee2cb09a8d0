//! `bench circle`: the 15-minute circle of a whole city — ELDERS older residents in households
//! placed around Qingdao's communities, POINTS service points — read from a new database and
//! counted per community through the spatial index (target ≤ 2 s for 2.3M elders and 3,000
//! points on two cores), then a greedy placement of new stations (target ≤ 10 s).

use std::time::{Duration, Instant};

use anyhow::Result;
use minsheng_app::Clock;
use minsheng_core::AreaLevel;
use minsheng_eldercare::circle::storage::LOCATION;
use minsheng_eldercare::circle::{self, CircleStore as _, Elder, PointKind, ServicePoint};
use minsheng_store::{Cell, NewAuditEntry, Store, Tx};
use minsheng_synth::areas::{area_tree, DISTRICTS};
use minsheng_synth::geography::Geography;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::bench::percentile;

/// The real network's mix (centres, stations, canteens, dementia centres, institutions) that
/// POINTS is shared out by: 135, 1,300, 1,400, 60 and 297 of Qingdao's.
const MIX: [(PointKind, u64); 5] = [
    (PointKind::StreetCentre, 135),
    (PointKind::CommunityStation, 1_300),
    (PointKind::Canteen, 1_400),
    (PointKind::DementiaCentre, 60),
    (PointKind::Institution, 297),
];

fn timed(times: &mut [Vec<Duration>; 4], i: usize, since: Instant) {
    if let Some(t) = times.get_mut(i) {
        t.push(since.elapsed());
    }
}

pub async fn run(
    store: &Store,
    policy_dir: &std::path::Path,
    elders: u64,
    points: u64,
    runs: usize,
    clock: Clock,
) -> Result<()> {
    let policy = crate::policy::load(policy_dir)?;
    let model = circle::model(&policy, clock.today)?;
    let plane = circle::bounds(&policy, clock.today)?.plane();
    let seed = 2023;
    let areas = area_tree(seed);
    let geography = Geography::new(&areas, seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Communities weighted by their district's population, shared among its communities.
    let communities: Vec<&str> = areas
        .iter()
        .filter(|a| a.level() == AreaLevel::Community)
        .map(|a| a.code.as_str())
        .collect();
    let mut cumulative = Vec::with_capacity(communities.len());
    let mut total = 0.0;
    for code in &communities {
        let district = DISTRICTS
            .iter()
            .find(|d| code.starts_with(&d.code.to_string()));
        let (population, count) = district.map_or((0.0, 1.0), |d| {
            let n = communities
                .iter()
                .filter(|c| c.starts_with(&d.code.to_string()))
                .count();
            (f64::from(d.population), n as f64)
        });
        total += population / count;
        cumulative.push(total);
    }
    // Households of one or two elders (7 in 10 of two), each in a community drawn by weight.
    let mut elder_list = Vec::with_capacity(usize::try_from(elders).unwrap_or(0));
    let mut homes = Vec::new();
    let mut household = 0i64;
    while (elder_list.len() as u64) < elders {
        household += 1;
        let pick = rng.gen::<f64>() * total;
        let c = cumulative
            .partition_point(|&w| w < pick)
            .min(communities.len() - 1);
        let code = communities.get(c).copied().unwrap_or_default();
        let Some(at) = geography.household(code, household) else {
            continue;
        };
        homes.push((household, at, c));
        for _ in 0..if rng.gen_bool(0.7) { 2 } else { 1 } {
            elder_list.push((household, u32::try_from(c).unwrap_or(0)));
        }
    }
    elder_list.truncate(usize::try_from(elders).unwrap_or(usize::MAX));
    let mix_total: u64 = MIX.iter().map(|(_, n)| n).sum();
    let mut service = Vec::new();
    for (kind, share) in MIX {
        for i in 0..points * share / mix_total {
            let c = rng.gen_range(0..communities.len());
            let area = communities.get(c).copied().unwrap_or_default();
            let code = format!("{}-{i}", kind.as_str());
            if let Some(at) = geography.near(area, &code, 300.0) {
                service.push(ServicePoint {
                    kind,
                    name: code.clone(),
                    code,
                    area: area.to_string(),
                    at,
                });
            }
        }
    }
    let started = Instant::now();
    let rows = homes
        .iter()
        .map(|&(id, at, _)| {
            vec![
                Cell::Int(id),
                Cell::Int(at.lon),
                Cell::Int(at.lat),
                Cell::Code("synthetic"),
                Cell::Int(0),
                Cell::Code("bench"),
            ]
        })
        .collect();
    let mut tx = Tx::write_only(store).await?;
    tx.write(&LOCATION, rows).await?;
    tx.append_audit(&[NewAuditEntry {
        actor: "bench".into(),
        action: "bench_locations".into(),
        subject: "bench".into(),
        detail: format!("households={}", homes.len()),
        at: clock.now,
    }])
    .await?;
    tx.commit().await?;
    println!(
        "bench circle: {} households of {} elders written in {:.1} s; {} service points; reach {:.0} m",
        homes.len(),
        elder_list.len(),
        started.elapsed().as_secs_f64(),
        service.len(),
        model.reach_metres()
    );
    let names: Vec<String> = communities.iter().map(|c| c.to_string()).collect();
    // Read, coverage, placement and the three together, per run.
    let mut times: [Vec<Duration>; 4] = Default::default();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let all = Instant::now();
        let t = Instant::now();
        let located = store.circle().locations().await?;
        let located_elders: Vec<Elder> = elder_list
            .iter()
            .map(|&(h, c)| Elder {
                community: c,
                at: located.get(&h).copied(),
            })
            .collect();
        timed(&mut times, 0, t);
        let t = Instant::now();
        let found = circle::coverage(&names, &located_elders, &service, &model, &plane);
        timed(&mut times, 1, t);
        let t = Instant::now();
        let picks = circle::suggest(&found.uncovered, 10, &model, &plane);
        timed(&mut times, 2, t);
        timed(&mut times, 3, all);
        last = Some((found, picks));
    }
    for t in &mut times {
        t.sort();
    }
    let median = |i: usize| {
        times
            .get(i)
            .map_or(0.0, |t| percentile(t, 0.5).as_secs_f64())
    };
    let p90 = |i: usize| {
        times
            .get(i)
            .map_or(0.0, |t| percentile(t, 0.9).as_secs_f64())
    };
    if let Some((found, picks)) = last {
        let covered: u64 = found.communities.iter().map(|c| c.covered).sum();
        println!(
            "{} elders in {} communities, {} service points, over {} runs (medians, p90):",
            elder_list.len(),
            names.len(),
            service.len(),
            times.first().map_or(0, Vec::len)
        );
        println!(
            "  locations read from the store: {:.3} s ({:.3})",
            median(0),
            p90(0)
        );
        println!(
            "  coverage by community: {:.3} s ({:.3}) — target ≤ 2 s; {} covered ({}.{}%)",
            median(1),
            p90(1),
            covered,
            circle::permille(covered, elder_list.len() as u64) / 10,
            circle::permille(covered, elder_list.len() as u64) % 10
        );
        println!(
            "  placement of 10 stations over {} uncovered: {:.3} s ({:.3}) — target ≤ 10 s; gains {:?}",
            found.uncovered.len(),
            median(2),
            p90(2),
            picks.iter().map(|p| p.gain).collect::<Vec<_>>()
        );
        println!("  all three: {:.3} s ({:.3})", median(3), p90(3));
    }
    Ok(())
}
