#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! High out-of-pocket costs on both backends: a resident whose stays left them more than the
//! rules' threshold in twelve months is listed with what they bore; recording it raises the
//! registry's medical spending (what the sweep reads) once, and a reversal later never lowers
//! it.

use minsheng_core::registry::ExpenseKind;
use minsheng_core::Fen;
use minsheng_medical::burden;
use minsheng_medical::{reverse, settle, Aid, Claim, Posted, Scheme};
use minsheng_store::Store;
use serde_json::json;

mod common;
use common::{cover, day, hospital, on, registry};

minsheng_test_support::on_both_backends!(a_high_burden_is_listed_and_written_into_the_registry,);

async fn stay(
    store: &Store,
    number: &str,
    id: &minsheng_core::IdNumber,
    date: chrono::NaiveDate,
) -> Fen {
    let claim = Claim::from_json(&json!({
        "claim_number": number, "id_number": id.as_str(), "date": date.to_string(),
        "visit": "inpatient", "total": "3000",
        "lines": [{"item": "A01", "amount": "2000"}, {"item": "C01", "amount": "1000"}]
    }))
    .unwrap();
    let policy = minsheng_test_support::medical_policy();
    match settle(store, &policy, "H3", &claim, "his", on(date).now).await {
        Ok(Posted::Settled(c)) => c.settlement.person,
        other => panic!("not settled: {other:?}"),
    }
}

async fn a_high_burden_is_listed_and_written_into_the_registry(store: &Store) {
    let people = registry(store, 200, 3).await;
    let r = people
        .iter()
        .find(|r| r.facts.death_date.is_none())
        .unwrap();
    let id = &r.person.id_number;
    hospital(store, &r.facts.area).await;
    cover(store, id, Scheme::Resident, 2025).await;
    // A threshold of 3,000 yuan: one stay stays below it, two pass it.
    let policy = minsheng_test_support::medical_policy()
        .with_changes(
            &["medical.assistance.high_burden=3000".into()],
            day(2025, 1, 1),
        )
        .unwrap();
    let first = stay(store, "B1", id, day(2025, 3, 1)).await;
    let listed = burden::list(store, &policy, day(2025, 3, 31))
        .await
        .unwrap();
    assert!(first < Fen(300_000), "one stay left {first}");
    assert!(listed.is_empty(), "{listed:?}");
    let second = stay(store, "B2", id, day(2025, 4, 1)).await;
    let borne = Fen(first.0 + second.0);
    assert!(borne >= Fen(300_000), "two stays left {borne}");
    let on_day = day(2025, 4, 30);
    let listed = burden::list(store, &policy, on_day).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(&listed[0].id_number, id);
    assert_eq!(
        (listed[0].borne, listed[0].recorded, listed[0].aid),
        (borne, Fen::ZERO, Aid::None)
    );
    // A stay more than twelve months before the day does not count.
    assert!(burden::list(store, &policy, day(2026, 4, 2))
        .await
        .unwrap()
        .is_empty());

    let clock = on(day(2025, 5, 2));
    assert_eq!(
        burden::record(store, &policy, on_day, "operator", clock)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        burden::record(store, &policy, on_day, "operator", clock)
            .await
            .unwrap(),
        0
    );
    let file = store.household_file(id.as_str()).await.unwrap();
    let facts = file
        .as_of(on_day, clock.now)
        .into_iter()
        .find(|(p, _)| &p.id_number == id)
        .map(|(_, f)| f.clone())
        .unwrap();
    assert_eq!(facts.expenses.get(ExpenseKind::Medical), borne);

    // A reversal lowers what the claims show; the registry keeps the higher figure.
    reverse(store, "H3", "B2", "重复结算", "his", clock.now)
        .await
        .unwrap();
    assert_eq!(
        burden::record(store, &policy, on_day, "operator", clock)
            .await
            .unwrap(),
        0
    );
}
