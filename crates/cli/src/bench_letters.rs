//! `minsheng bench letters`: printable notices typeset to PDF (issue target: 10,000 decision
//! letters ≤ 60 s on two cores, one letter ≤ 200 ms; a 公示 list of 10,000 rows ≤ 60 s).
//!
//! The letters are filled with made-up people, each different, so that nothing is laid out
//! once and reused; they are typeset on every core at once, as a night's batch would be.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use minsheng_letters::{Decision, Heading, Letter, Letters, Posting, PostingRow};

use crate::bench::percentile;

fn heading(title: &str, n: usize) -> Heading {
    Heading {
        title: title.into(),
        number: format!("〔2026〕决定第 {n} 号"),
        issuer: "青岛市市南区民政局".into(),
        date: minsheng_letters::written_date(2026, 12, 5),
    }
}

fn decision(n: usize) -> Letter {
    let fen = 50_000 + (n as i64 * 7_919) % 150_000;
    Letter::Decision(Decision {
        heading: heading("最低生活保障审批决定书", n),
        applicant: format!("申请人{n}"),
        id_number: format!("370202********{:04}", n % 10_000),
        household: format!("370212001003-{:05}", n % 100_000),
        case: n.to_string(),
        program: "最低生活保障".into(),
        accepted_on: "2026年11月2日".into(),
        approved: !n.is_multiple_of(5),
        from_month: "2027年1月".into(),
        amount: minsheng_core::Fen(fen).grouped(),
        reasons: vec![
            format!(
                "家庭人均月收入 {} 元，低于低保标准 1,045.00 元",
                minsheng_core::Fen(104_500 - fen / 3).grouped()
            ),
            "审批意见：经调查核实，符合条件".into(),
        ],
        basis: vec!["《最低生活保障审核确认办法》第二十三条".into()],
        review_body: "青岛市市南区人民政府".into(),
    })
}

pub fn run(count: usize, rows: usize) -> Result<()> {
    let started = Instant::now();
    let letters = Letters::from_system().map_err(anyhow::Error::msg)?;
    println!("fonts read and typesetter made: {:.2?}", started.elapsed());

    // One letter first, alone: what a person printing from a case page waits for.
    let first = Instant::now();
    letters.render(&decision(0)).map_err(anyhow::Error::msg)?;
    println!("first letter (cold): {:.1?}", first.elapsed());

    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let wall = Instant::now();
    let per_thread: Vec<Result<(Vec<Duration>, usize)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let letters = &letters;
                scope.spawn(move || -> Result<(Vec<Duration>, usize)> {
                    let mut times = Vec::new();
                    let mut bytes = 0;
                    for n in (1 + t..=count).step_by(threads) {
                        let one = Instant::now();
                        bytes += letters
                            .render(&decision(n))
                            .map_err(anyhow::Error::msg)?
                            .len();
                        times.push(one.elapsed());
                    }
                    Ok((times, bytes))
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a worker stopped")))
            })
            .collect()
    });
    let elapsed = wall.elapsed();
    let mut times = Vec::with_capacity(count);
    let mut bytes = 0;
    for r in per_thread {
        let (t, b) = r?;
        times.extend(t);
        bytes += b;
    }
    times.sort();
    println!(
        "{count} decision letters on {threads} threads: {:.1?} ({:.0} letters/s), per letter median {:.1?}, p99 {:.1?}, max {:.1?}; {:.1} KiB each",
        elapsed,
        count as f64 / elapsed.as_secs_f64(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
        bytes as f64 / count.max(1) as f64 / 1024.0,
    );

    let posting = Letter::Posting(Posting {
        heading: heading("最低生活保障审核结果公示", 1),
        program: "最低生活保障".into(),
        from: "2026年11月20日".into(),
        until: "2026年11月26日".into(),
        posting_basis: "公示期 7 天".into(),
        rows: (1..=rows)
            .map(|n| PostingRow {
                applicant: format!("申请人{n}"),
                id_number: format!("370202********{:04}", n % 10_000),
                members: 1 + (n % 5) as u32,
                amount: minsheng_core::Fen(50_000 + (n as i64 * 7_919) % 150_000).grouped(),
            })
            .collect(),
    });
    let one = Instant::now();
    let pdf = letters
        .render(&posting)
        .map_err(anyhow::Error::msg)
        .context("the posting list")?;
    println!(
        "posting list of {rows} rows: {:.1?}, {:.0} KiB",
        one.elapsed(),
        pdf.len() as f64 / 1024.0
    );
    Ok(())
}
