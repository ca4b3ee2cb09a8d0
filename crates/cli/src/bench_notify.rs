//! `minsheng bench notify`: the outbox delivering to a local SMS gateway (issue target: 1,000
//! messages a second).
//!
//! COUNT residents choose SMS; one notice each is written in batches of 1,000 (as a night's
//! reminders would be); then the dispatcher sends them all to the stand-in gateway on a
//! loopback port, in this process, and records each send with its audit entry. The rate is
//! the messages the gateway accepted over the dispatcher's wall time, claims, sends, records
//! and audit entries included.

use std::time::Instant;

use anyhow::Result;
use chrono::Utc;
use minsheng_core::IdNumber;
use minsheng_notify::stub::SmsStub;
use minsheng_notify::{ChannelConfig, Contact, Dispatcher, Kind, Notice, OutboxStore as _, Secret};
use minsheng_store::{NewAuditEntry, Store, Tx};

pub async fn run(store: &Store, count: usize, runs: usize) -> Result<()> {
    let born = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default();
    let now = Utc::now();
    let mut written = Instant::now().elapsed();
    let gateway = SmsStub::start("bench-key", 0).await?;
    let mut rates = Vec::new();
    for run in 0..runs {
        // Fresh notices for each run, to new residents.
        let started = Instant::now();
        let mut notices = Vec::with_capacity(count);
        for i in 0..count {
            let n = run * count + i;
            let region = 370_202 + u32::try_from(n / 999).unwrap_or(0) % 90;
            let Some(who) =
                IdNumber::from_parts(region, born, u16::try_from(n % 999).unwrap_or(0) + 1)
            else {
                anyhow::bail!("no ID number for resident {n}");
            };
            let phone = format!("139{:08}", n % 100_000_000);
            let contact = Contact::checked(&phone, "", true, false)?;
            let audit = NewAuditEntry {
                actor: "bench".into(),
                action: "set_contact".into(),
                subject: "bench".into(),
                detail: String::new(),
                at: now,
            };
            store
                .outbox()
                .set_contact(&who, &contact, "bench", now, &audit)
                .await?;
            notices.push(Notice {
                key: format!("bench:{run}:{i}:{}", now.timestamp_micros()),
                kind: Kind::ReviewDue,
                to: who,
                household: format!("BENCH-{n}"),
                title: "低保将于 2027-01-31 前复核".into(),
                body: "您家享受的低保按规定定期复核，街道工作人员会联系您核对家庭人口、收入和财产情况。".into(),
            });
        }
        for chunk in notices.chunks(1_000) {
            let mut tx = Tx::write_only(store).await?;
            minsheng_notify::enqueue_in(&mut tx, chunk, now).await?;
            tx.commit().await?;
        }
        written += started.elapsed();

        let dispatcher = Dispatcher::new(&ChannelConfig {
            sms_url: Some(gateway.url.clone()),
            sms_key: Some(Secret::new("bench-key")),
            ..ChannelConfig::default()
        })?;
        let before = gateway.messages().len();
        let sending = Instant::now();
        let round = dispatcher.drain(store, Utc::now()).await?;
        let elapsed = sending.elapsed();
        let accepted = gateway.messages().len() - before;
        anyhow::ensure!(
            accepted == count && round.sent == count as u64,
            "run {run}: the gateway accepted {accepted} of {count} (sent {}, retrying {}, failed {})",
            round.sent,
            round.retrying,
            round.failed
        );
        let rate = count as f64 / elapsed.as_secs_f64();
        println!(
            "run {}: {count} messages delivered in {:.2} s = {rate:.0} messages/s",
            run + 1,
            elapsed.as_secs_f64()
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    let median = rates.get(rates.len() / 2).copied().unwrap_or_default();
    println!(
        "{:?} backend: notices and contacts written in {:.1} s; delivery median {median:.0} messages/s over {} run(s) (target ≥ 1,000), gateway received {} requests",
        store.backend(),
        written.as_secs_f64(),
        rates.len(),
        gateway.requests()
    );
    Ok(())
}
