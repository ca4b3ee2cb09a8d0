#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! Proactive discovery on both backends: a sweep raises proactive cases and 免申即享 grants
//! once; an event (a recorded change) re-evaluates its household at once; and the event's
//! interpreter finds, household by household, exactly what the sweep's batch found.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{catalog, Db};
use minsheng_app::{Clock, Quiet};
use minsheng_assistance::discovery::{reevaluate, sweep};
use minsheng_assistance::storage::DiscoveryStore as _;
use minsheng_assistance::FindingKind;
use minsheng_core::Month;
use minsheng_payments::PaymentsStore as _;
use minsheng_policy::Policy;
use minsheng_store::Store;

async fn a_sweep_and_each_households_event_agree(db: Db) {
    db.ok(&["generate", "--people", "4000", "--seed", "9"]);
    let store = Store::open(&db.url).await.unwrap();
    let policy = Policy::load(Path::new(&catalog())).unwrap();
    let june = Month::new(2025, 6).unwrap();
    let clock = Clock::system();
    let first = sweep(&store, &policy, june, "analyst", clock, &Quiet)
        .await
        .unwrap();
    let kinds: Vec<FindingKind> = first.record.new.iter().map(|f| f.kind).collect();
    assert!(kinds.contains(&FindingKind::Eligible), "{kinds:?}");
    assert!(kinds.contains(&FindingKind::Granted), "{kinds:?}");
    let granted = kinds.iter().filter(|k| **k == FindingKind::Granted).count() as u64;
    assert_eq!(
        first.record.granted, granted,
        "each 免申即享 finding enrols its household"
    );
    assert!(first
        .monitoring
        .iter()
        .any(|m| m.category == "dibao" && m.enrolled == 0));

    // Again: nothing new; the granted households are enrolled and owe no finding.
    let again = sweep(&store, &policy, june, "analyst", clock, &Quiet)
        .await
        .unwrap();
    assert!(again.record.new.is_empty(), "{:?}", again.record.new);
    assert_eq!(again.record.repeated, kinds.len() as u64 - granted);
    assert_eq!(again.record.closed, 0);

    // Every household, re-evaluated alone by the interpreter, finds what the batch found.
    let mut expected: HashMap<String, u64> = HashMap::new();
    for f in first
        .record
        .new
        .iter()
        .filter(|f| f.kind != FindingKind::Granted)
    {
        *expected.entry(f.household.clone()).or_default() += 1;
    }
    let mut households: Vec<String> = expected.keys().cloned().collect();
    households.extend(store.sample_household_codes(150).await.unwrap());
    for code in &households {
        let r = reevaluate(&store, &policy, code, june, "test", "analyst", clock)
            .await
            .unwrap();
        assert!(
            r.record.new.is_empty(),
            "{code}: the event found more: {:?}",
            r.record.new
        );
        assert_eq!(
            r.record.closed, 0,
            "{code}: the event did not find what the sweep found"
        );
        assert_eq!(
            r.record.repeated,
            expected.get(code).copied().unwrap_or(0),
            "{code}"
        );
    }

    // A 特困 household also enrolled in dibao (the two exclude each other): the rules owe it no
    // dibao, and the sweep and the event both report the overlap, naming 特困.
    let tekun_alone = first
        .record
        .new
        .iter()
        .find(|f| {
            f.program == "tekun_basic"
                && f.kind == FindingKind::Eligible
                && !first
                    .record
                    .new
                    .iter()
                    .any(|g| g.household == f.household && g.program == "dibao")
        })
        .expect("a 特困 household with no dibao member")
        .household
        .clone();
    for program in ["tekun_basic", "dibao"] {
        let audit = minsheng_store::NewAuditEntry {
            actor: "caseworker".into(),
            action: "enrol".into(),
            subject: format!("household:{tekun_alone}"),
            detail: program.into(),
            at: chrono::Utc::now(),
        };
        store
            .payments()
            .enrol(
                &tekun_alone,
                program,
                june,
                "decision",
                "caseworker",
                chrono::Utc::now(),
                &audit,
            )
            .await
            .unwrap();
    }
    // Sweeps see the registry and enrolments as known at their clock: after the enrolments.
    let clock = Clock::system();
    let overlap = sweep(&store, &policy, june, "analyst", clock, &Quiet)
        .await
        .unwrap();
    let found: Vec<_> = overlap
        .record
        .new
        .iter()
        .filter(|f| f.household == tekun_alone)
        .map(|f| (f.program.as_str(), f.kind, f.excluded_by.as_deref()))
        .collect();
    assert_eq!(
        found,
        [("dibao", FindingKind::Ineligible, Some("tekun_basic"))]
    );
    let event = reevaluate(
        &store,
        &policy,
        &tekun_alone,
        june,
        "test",
        "analyst",
        clock,
    )
    .await
    .unwrap();
    assert!(event.record.new.is_empty() && event.record.closed == 0);
    let stored = store.discovery().findings_of(&tekun_alone).await.unwrap();
    assert!(
        stored
            .iter()
            .any(|f| f.open && f.finding.excluded_by.as_deref() == Some("tekun_basic")),
        "stored with the program that excludes it"
    );
    store.close().await;

    // The operator's view.
    let view = db.ok(&["low-income", "--month", "2025-06"]);
    assert!(view.contains("合计"), "{view}");
    assert!(view.contains("符合条件未纳入"), "{view}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_sweep_and_each_households_event_agree() {
    a_sweep_and_each_households_event_agree(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_sweep_and_each_households_event_agree() {
    a_sweep_and_each_households_event_agree(Db::postgres().await).await;
}

async fn a_recorded_change_is_an_event(db: Db) {
    db.ok(&["generate", "--people", "3000", "--seed", "7"]);
    db.payment_staff();
    let month = Month::containing(Clock::system().today).to_string();
    db.ok_as("operator", &["caseload", "--month", &month]);
    db.ok_as("caseworker", &["pay", "--month", &month]);
    let dir = db.path("bank");
    std::fs::create_dir_all(&dir).unwrap();
    db.ok_as("approver", &["pay", "approve", "--month", &month]);
    db.ok_as(
        "operator",
        &[
            "pay",
            "disburse",
            "--month",
            &month,
            "--dir",
            dir.to_str().unwrap(),
        ],
    );
    let file = dir.join(format!("minsheng-pay-{month}-batch1.csv"));
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text.lines().find(|l| l.contains(",dibao,")).unwrap();
    let fields: Vec<&str> = line.split(',').collect();
    let (household, id_number) = (fields[4], fields[6]);
    let from = format!("{month}-01");
    let out = db.ok_as(
        "caseworker",
        &[
            "registry",
            "record",
            id_number,
            "--from",
            &from,
            "income_wage=99999",
        ],
    );
    assert!(out.contains(&format!("event: {id_number}")), "{out}");
    assert!(out.contains("已纳入但不再符合条件"), "{out}");
    assert!(out.contains(household), "{out}");
    let shown = db.ok(&["sweep", "show", household]);
    assert!(shown.contains("open"), "{shown}");
    assert!(shown.contains("(dibao_amount) = 0.00 元"), "{shown}");
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_recorded_change_is_an_event() {
    a_recorded_change_is_an_event(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_recorded_change_is_an_event() {
    a_recorded_change_is_an_event(Db::postgres().await).await;
}
