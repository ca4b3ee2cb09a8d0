#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Many requests at once on SQLite, with writers: every one is answered, none with a 5xx.

mod common;

use common::{get, send, staff_with_token, Auth};
use minsheng_app::Clock;
use minsheng_core::access::Role;

/// 200 requests in flight — household files (each read audited) and explanations — while two
/// caseworkers record changes back to back on the same database file, as served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_requests_in_flight_with_writers_are_all_answered() {
    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let auth = staff_with_token(&store, "市级查看", Role::City, "370200").await;
    let store = store.prepare_to_serve().await.unwrap();
    let app = minsheng_web::router(minsheng_web::Web::new(
        store.clone(),
        common::policy(),
        false,
        common::bank_dir(),
    ));
    let codes = store.sample_household_codes(100).await.unwrap();
    let mut people = Vec::new();
    for code in codes.iter().take(20) {
        let file = store.household_file(code).await.unwrap();
        people.extend(
            file.members
                .iter()
                .map(|m| m.person.id_number.as_str().to_string()),
        );
    }
    let month = minsheng_core::Month::containing(Clock::system().today);

    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (store, people, done) = (store.clone(), people.clone(), done.clone());
            tokio::spawn(async move {
                let (mut written, mut i) = (0, w * 13);
                while !done.load(std::sync::atomic::Ordering::Relaxed) || written == 0 {
                    let clock = Clock::system();
                    let change = [format!("deposits={}", 100 + i)];
                    minsheng_app::registry::record_change(
                        &store,
                        &people[i % people.len()],
                        clock.today,
                        &change,
                        "社工0",
                        clock,
                    )
                    .await
                    .unwrap_or_else(|e| panic!("a writer's change failed: {e}"));
                    written += 1;
                    i += 1;
                }
                written
            })
        })
        .collect();
    let readers: Vec<_> = (0..200)
        .map(|r| {
            let (app, code) = (app.clone(), codes[r % codes.len()].clone());
            let auth = match &auth {
                Auth::Token(t) => Auth::Token(t.clone()),
                _ => unreachable!(),
            };
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for path in [
                    format!("/api/v1/households/{code}"),
                    format!("/api/v1/households/{code}/explain?month={month}"),
                    format!("/households/{code}"),
                ] {
                    statuses.push((path.clone(), send(&app, get(&path, &auth)).await.status));
                }
                statuses
            })
        })
        .collect();
    let mut answered = 0;
    for r in readers {
        for (path, status) in r.await.unwrap() {
            assert!(status.is_success(), "{path}: {status}");
            answered += 1;
        }
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut written = 0;
    for w in writers {
        written += w.await.unwrap();
    }
    assert_eq!(answered, 600);
    assert!(written >= 2, "{written}");
    // Every household read was audited, none lost in the crowd: each sampled household was
    // read by two readers, each through the API and the page.
    for code in &codes {
        let reads = store
            .audit_entries(code)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "read_household")
            .count();
        assert!(reads >= 4, "{code}: {reads} reads audited");
    }
    drop(city);
}
