//! `bench eldercare`: scoring older persons' ability assessments (GB/T 42195-2022) with their
//! explanations, as the catalog declares the scale, over forms drawn at random.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use minsheng_policy::scale::{Answers, Scale};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Forms drawn from a fixed seed: each form an ability from 0 to 100% that every item's score
/// follows, give or take a point, and each condition at random, so that every level and
/// adjustment occurs.
fn forms(scale: &Scale, count: usize) -> Vec<Answers> {
    // A fixed seed: the forms are the same on every run and machine.
    let mut rng = ChaCha8Rng::seed_from_u64(42_195);
    let mut next = move |below: u64| rng.gen_range(0..below.max(1));
    (0..count)
        .map(|_| {
            let mut answers = Answers::default();
            let ability = next(101);
            for item in scale.domains.iter().flat_map(|d| &d.items) {
                let max = u64::from(item.max());
                let score = ((max * ability + next(100)) / 100).min(max);
                answers
                    .scores
                    .insert(item.code.clone(), u8::try_from(score).unwrap_or(item.max()));
            }
            for condition in &scale.conditions {
                let value = match condition.kind {
                    minsheng_policy::scale::ConditionKind::Bool => u32::from(next(10) == 0),
                    minsheng_policy::scale::ConditionKind::Count => next(4) as u32,
                };
                answers.conditions.insert(condition.code.clone(), value);
            }
            answers
        })
        .collect()
}

pub fn run(policy_dir: &Path, count: usize) -> Result<()> {
    let policy = crate::policy::load(policy_dir)?;
    let scale = policy
        .scale("ability")
        .context("the catalog has no scales/ability.yaml")?;
    let forms = forms(scale, count);
    let mut times = Vec::with_capacity(forms.len());
    let mut levels = vec![0usize; scale.levels.len()];
    for answers in &forms {
        let started = Instant::now();
        let scored = scale
            .score(answers)
            .map_err(|e| anyhow::anyhow!("a drawn form was refused: {e:?}"))?;
        let lines = scale.explain(&scored);
        times.push(started.elapsed());
        std::hint::black_box(lines);
        if let Some(n) = levels.get_mut(scored.level) {
            *n += 1;
        }
    }
    times.sort();
    let at = |p: f64| crate::bench::percentile(&times, p).as_secs_f64() * 1e6;
    println!(
        "bench eldercare: {} ability assessments scored and explained: median {:.1} µs, p99 {:.1} µs, max {:.1} µs (target ≤ 50 µs)",
        times.len(),
        at(0.5),
        at(0.99),
        times.last().copied().unwrap_or(Duration::ZERO).as_secs_f64() * 1e6,
    );
    let spread: Vec<String> = scale
        .levels
        .iter()
        .zip(&levels)
        .map(|(l, n)| format!("{} {n}", l.label))
        .collect();
    println!("  levels: {}", spread.join(", "));
    Ok(())
}

/// Every older resident of a synthetic city of `people`: each item of the basic elderly service
/// list decided by the batch executor from memory, and counted. Reading the city is not timed.
pub fn entitlements(
    policy_dir: &Path,
    people: u64,
    runs: usize,
    month: minsheng_core::Month,
) -> Result<()> {
    let policy = crate::policy::load(policy_dir)?;
    let (list, version) = minsheng_eldercare::entitlements::list_in_force(&policy, month)?;
    let (population, _) = crate::bench::generated_population(&policy, people, month, |_, _| {});
    let mut wanted = vec![list.people];
    wanted.extend(version.items.iter().map(|i| i.eligible));
    let threads = minsheng_app::policy::threads();
    let mut times = Vec::new();
    let mut rules_times = Vec::new();
    let mut counts = vec![0u64; wanted.len()];
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let result =
            minsheng_policy::batch::run(&policy, month.first_day(), &population, &wanted, threads);
        rules_times.push(started.elapsed());
        let columns: Vec<&minsheng_policy::batch::Column> =
            result.columns.iter().map(|(_, c)| c).collect();
        counts = count_entitled(&columns, threads);
        times.push(started.elapsed());
    }
    times.sort();
    rules_times.sort();
    let median = crate::bench::percentile(&times, 0.5);
    let rules = crate::bench::percentile(&rules_times, 0.5);
    let older = counts.first().copied().unwrap_or(0);
    println!(
        "bench eldercare: the basic elderly service list ({} items, version of {}) for the {older} older residents of a city of {people}: median {:.3} s over {} runs on {threads} threads (target ≤ 1 s for ~2.3M)",
        version.items.len(),
        version.from,
        median.as_secs_f64(),
        times.len(),
    );
    let by_item: Vec<String> = version
        .items
        .iter()
        .zip(counts.iter().skip(1))
        .map(|(i, n)| format!("{} {n}", i.label))
        .collect();
    println!(
        "  of which the rules {:.3} s, counting {:.3} s (medians)",
        rules.as_secs_f64(),
        median.saturating_sub(rules).as_secs_f64()
    );
    println!("  entitled: {}", by_item.join(", "));
    Ok(())
}

/// Rows where the first column is not zero, and of those, the rows where each other column is
/// not zero: the columns' parts (the same chunks for every column of one run) shared out among
/// `threads`.
fn count_entitled(columns: &[&minsheng_policy::batch::Column], threads: usize) -> Vec<u64> {
    let parts = columns.first().map_or(0, |c| c.part_count());
    let per = parts.div_ceil(threads.max(1)).max(1);
    let tallies: Vec<Vec<u64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..parts)
            .step_by(per)
            .map(|from| {
                scope.spawn(move || {
                    let mut counts = vec![0u64; columns.len()];
                    for k in from..(from + per).min(parts) {
                        let mut values: Vec<_> = columns.iter().map(|c| c.part_values(k)).collect();
                        let Some((first, rest)) = values.split_first_mut() else {
                            break;
                        };
                        for older in first.by_ref() {
                            let row = rest.iter_mut().map(|c| c.next().unwrap_or(0));
                            if older == 0 {
                                row.for_each(drop);
                                continue;
                            }
                            if let Some(n) = counts.first_mut() {
                                *n += 1;
                            }
                            for (n, v) in counts.iter_mut().skip(1).zip(row) {
                                *n += u64::from(v != 0);
                            }
                        }
                    }
                    counts
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let mut total = vec![0u64; columns.len()];
    for t in tallies {
        for (sum, n) in total.iter_mut().zip(t) {
            *sum += n;
        }
    }
    total
}
