#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The basic elderly service list over a registry: one older person's entitlements with their
//! reasons, and an area's counts published — equal, item by item, to the rules run person by
//! person, replaced when published again, never kept without their audit entry.

use minsheng_app::{Clock, Quiet};
use minsheng_core::Month;
use minsheng_eldercare::entitlements::{of_member, EntitlementError};
use minsheng_eldercare::publication::{publish, PublicationsStore};
use minsheng_policy::services::ELDERLY;
use minsheng_policy::Value;
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(
    published_counts_are_the_rules_person_by_person,
    counts_that_cannot_be_audited_are_not_published,
);

async fn city(store: &Store) -> Vec<minsheng_core::registry::Registration> {
    let (generator, people) = synthetic_city(2_000, 11);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    people
}

async fn published_counts_are_the_rules_person_by_person(store: &Store) {
    let people = city(store).await;
    let policy = minsheng_test_support::policy();
    let clock = Clock::system();
    let month = Month::containing(clock.today);
    let list = policy.service_list(ELDERLY).unwrap();
    let version = list.on(month.first_day()).unwrap();
    assert_eq!(
        store.publications().latest_month(ELDERLY).await.unwrap(),
        None
    );
    let counts = publish(store, &policy, month, "统计员", clock, &Quiet)
        .await
        .unwrap();
    assert_eq!(counts.undecided, 0);

    // The same, person by person through the interpreter, with each item's entitlements.
    let mut older = 0u64;
    let mut by_item = std::collections::BTreeMap::<String, u64>::new();
    let mut seen = std::collections::HashSet::new();
    for p in &people {
        if !seen.insert(p.facts.household.clone()) {
            continue;
        }
        let file = store.household_file(&p.facts.household).await.unwrap();
        let members = file.as_of(month.first_day(), clock.now);
        for member in 0..members.len() {
            let mut e = minsheng_policy::Evaluation::of_household(&policy, month, &members, false);
            if e.variable(list.people, Some(member)).unwrap() != Value::Bool(true) {
                continue;
            }
            older += 1;
            let found = of_member(&policy, month, &members, member).unwrap();
            for item in found.entitled() {
                *by_item.entry(item.item.code.clone()).or_default() += 1;
                assert!(!item.explanation.is_empty(), "{} explained", item.item.code);
            }
        }
    }
    let total: u64 = counts.streets.values().map(|(n, _)| n).sum();
    assert_eq!(total, older);
    assert!(
        older > 200,
        "a city of 2,000 has hundreds of older persons: {older}"
    );
    for item in &version.items {
        let summed: u64 = counts
            .streets
            .values()
            .map(|(_, items)| items.get(&item.code).copied().unwrap_or(0))
            .sum();
        assert_eq!(
            summed,
            by_item.get(&item.code).copied().unwrap_or(0),
            "{}",
            item.code
        );
    }
    // Everyone older is entitled to the public facilities; the 65+ to meal aid, not all.
    let summed = |code: &str| -> u64 {
        counts
            .streets
            .values()
            .map(|(_, items)| items.get(code).copied().unwrap_or(0))
            .sum()
    };
    assert_eq!(summed("public_facilities"), older);
    assert!(summed("meal_aid") > 0 && summed("meal_aid") < older);
    assert!(counts.streets.keys().all(|s| s.len() == 9), "by street");

    // As published, and again: the month's rows replaced, one audit entry each time.
    let read = store
        .publications()
        .of_month(ELDERLY, month)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.counts.streets, counts.streets);
    assert_eq!(read.published_by, "统计员");
    assert_eq!(
        store.publications().latest_month(ELDERLY).await.unwrap(),
        Some(month)
    );
    let again = publish(store, &policy, month, "统计员", clock, &Quiet)
        .await
        .unwrap();
    assert_eq!(again.streets, counts.streets);
    let entries = store.audit_entries(ELDERLY).await.unwrap();
    let published: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "publish_service_counts")
        .collect();
    assert_eq!(published.len(), 2);
    assert!(published[0].detail.contains(&format!("month={month}")));
    assert!(store
        .publications()
        .of_month(ELDERLY, month.previous())
        .await
        .unwrap()
        .is_none());

    // Before the list took effect there is nothing to count, and nothing is read or written.
    let early = Month::new(2024, 9).unwrap();
    let refused = publish(store, &policy, early, "统计员", clock, &Quiet).await;
    assert!(
        matches!(
            refused,
            Err(minsheng_eldercare::publication::PublishError::List(
                EntitlementError::NotInForce(_)
            ))
        ),
        "{refused:?}"
    );
}

async fn counts_that_cannot_be_audited_are_not_published(store: &Store) {
    city(store).await;
    let policy = minsheng_test_support::policy();
    let clock = Clock::system();
    let month = Month::containing(clock.today);
    minsheng_test_support::refuse(store, "audit_refused", "INSERT", "audit_log").await;
    let result = publish(store, &policy, month, "统计员", clock, &Quiet).await;
    minsheng_test_support::allow(store, "audit_refused", "audit_log").await;
    assert!(result.is_err());
    assert!(store
        .publications()
        .of_month(ELDERLY, month)
        .await
        .unwrap()
        .is_none());
}
