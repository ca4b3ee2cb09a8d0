#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Cover stopped within the year (停保), on both backends: an employee whose employment the
//! registry records as ended has their cover stopped with that month, once; a claim after it
//! is refused; the person is reminded once, with the day by which paying continues the cover;
//! paid in time, the residents' cover follows from the day after with no waiting period and
//! its own deductible; paid too late, it waits.

use chrono::NaiveDate;
use minsheng_core::registry::{Employment, Registration};
use minsheng_core::IdNumber;
use minsheng_medical::enrolment::{self, Cause, Paying};
use minsheng_medical::{settle, stop, ClaimError, MedicalStore as _, Posted, Scheme, Tier, Visit};
use minsheng_notify::OutboxStore as _;
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};
use serde_json::json;

minsheng_test_support::on_both_backends!(an_employee_who_left_is_stopped_reminded_and_continues,);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// 2027-01-23 and `days` after it.
fn on(days: i64) -> chrono::DateTime<chrono::Utc> {
    instant(60 * 60 * 24 * (800 + 365 + days))
}

fn claim(number: &str, id: &IdNumber, date: NaiveDate) -> minsheng_medical::Claim {
    minsheng_medical::Claim::from_json(&json!({
        "claim_number": number, "id_number": id.as_str(), "date": date.to_string(),
        "visit": "inpatient", "total": "5000",
        "lines": [{"item": enrolment::ITEMS[0].0, "amount": "5000"}]
    }))
    .unwrap()
}

fn refused_field(r: Result<Posted, ClaimError>) -> String {
    match r {
        Err(ClaimError::Invalid(errors)) => errors[0].field.clone(),
        other => panic!("not refused by field: {other:?}"),
    }
}

async fn an_employee_who_left_is_stopped_reminded_and_continues(store: &Store) {
    let (generator, people) = synthetic_city(1_500, 3);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::medical_policy();
    for year in [2025, 2026, 2027] {
        enrolment::file_synthetic(store, &policy, year, "tester", on(0))
            .await
            .unwrap();
    }
    let medical = store.medical();
    // Two employees: one leaves in June (and pays in time), one in March (and pays late).
    let employees: Vec<&Registration> = people
        .iter()
        .filter(|r| {
            r.facts.death_date.is_none()
                && r.birth_date < day(1990, 1, 1)
                && r.facts.employment == Employment::Employed
                && r.facts.disability.is_none()
        })
        .take(2)
        .collect();
    let (june, march) = (
        &employees[0].person.id_number,
        &employees[1].person.id_number,
    );
    for (id, left) in [(june, day(2027, 6, 15)), (march, day(2027, 3, 10))] {
        store
            .amend_person(
                id,
                left,
                |f| f.employment = Employment::Unemployed,
                "tester",
                on(150),
                &[noted("amend_person")],
            )
            .await
            .unwrap();
    }
    let june_id = medical.insured(june).await.unwrap().unwrap().person_id;
    let march_id = medical.insured(march).await.unwrap().unwrap().person_id;
    let hospital = medical.hospitals().await.unwrap()[0].code.clone();

    // Settled before the stop is known: a June claim under the employees' scheme.
    let june_claim = settle(
        store,
        &policy,
        &hospital,
        &claim("S-1", june, day(2027, 6, 20)),
        "his",
        on(160),
    )
    .await
    .unwrap();
    assert_eq!(june_claim.record().cover.scheme, Scheme::Employee);

    // 2027-07-10: both stop, each with the month the employment ended.
    let today = on(168);
    let due = stop::due(store, 2027, today.date_naive()).await.unwrap();
    let ends = |person: i64| due.iter().find(|s| s.person_id == person).map(|s| s.ends);
    assert_eq!(ends(june_id), Some(day(2027, 6, 30)));
    assert_eq!(ends(march_id), Some(day(2027, 3, 31)));
    assert!(due
        .iter()
        .all(|s| s.cover.scheme == Scheme::Employee && !s.cover.retired));
    let stopped = stop::stop_due(store, 2027, "tester", today).await.unwrap();
    assert_eq!(stopped.len(), due.len());
    assert_eq!(
        medical.cover(june_id, 2027).await.unwrap().unwrap().to,
        day(2027, 6, 30)
    );
    // Once: run again, nothing more stops.
    assert!(stop::stop_due(store, 2027, "tester", today)
        .await
        .unwrap()
        .is_empty());

    // A claim after the stop is refused, naming the day.
    assert_eq!(
        refused_field(
            settle(
                store,
                &policy,
                &hospital,
                &claim("S-2", june, day(2027, 7, 5)),
                "his",
                today
            )
            .await
        ),
        "date"
    );

    // Reminded once each, as 停保, with the day paying continues the cover.
    let lapses = enrolment::lapses_of(store, 2027).await.unwrap();
    let reminded = |person: i64| {
        lapses
            .iter()
            .find(|l| l.person_id == person)
            .map(|l| (l.cause, l.last.to))
    };
    assert_eq!(reminded(june_id), Some((Cause::Stopped, day(2027, 6, 30))));
    assert_eq!(reminded(march_id), Some((Cause::Stopped, day(2027, 3, 31))));
    let queued = enrolment::remind_lapses(store, &policy, 2027, "tester", today)
        .await
        .unwrap();
    assert_eq!(queued, lapses.len() as u64);
    assert_eq!(
        enrolment::remind_lapses(store, &policy, 2027, "tester", today)
            .await
            .unwrap(),
        0
    );
    let inbox = store.outbox().inbox(june, 10).await.unwrap();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0].title, "基本医疗保险已停保");
    assert!(
        inbox[0].body.contains("已于 2027-06-30 停保")
            && inbox[0].body.contains("在 2027-09-30 前"),
        "{}",
        inbox[0].body
    );

    // 2027-08-15, within three months and after 30 months of cover without a break: the
    // residents' cover continues from July 1, with no waiting period.
    let paying = |id: &IdNumber| Paying {
        id_number: id.clone(),
        year: 2027,
        tier: Some(Tier::Adult2),
        until: None,
    };
    let paid = enrolment::pay(store, &policy, &paying(june), "counter", on(204))
        .await
        .unwrap();
    assert_eq!(
        (
            paid.cover.scheme,
            paid.cover.from,
            paid.cover.to,
            paid.waiting_months
        ),
        (Scheme::Resident, day(2027, 7, 1), day(2027, 12, 31), 0)
    );
    let covers = medical.covers(june_id, 2027).await.unwrap();
    assert_eq!(covers.len(), 2);
    // Paid twice: refused, nothing changed.
    assert!(
        enrolment::pay(store, &policy, &paying(june), "counter", on(205))
            .await
            .is_err()
    );
    assert_eq!(medical.covers(june_id, 2027).await.unwrap().len(), 2);

    // The July claim now settles under the residents' scheme, with that fund's own deductible
    // (the June stay's counted in the employees' year).
    let Posted::Settled(july) = settle(
        store,
        &policy,
        &hospital,
        &claim("S-3", june, day(2027, 7, 5)),
        "his",
        on(205),
    )
    .await
    .unwrap() else {
        panic!("not settled")
    };
    assert_eq!(july.cover.scheme, Scheme::Resident);
    assert_eq!(july.before.deductible_of(Visit::Inpatient).0, 0);
    let (employees_year, _) = medical.year(june_id, 2027, Scheme::Employee).await.unwrap();
    assert!(employees_year.deductible_of(Visit::Inpatient).0 > 0);
    let (residents_year, _) = medical.year(june_id, 2027, Scheme::Resident).await.unwrap();
    assert_eq!(
        residents_year.deductible_of(Visit::Inpatient),
        july.settlement.deductible_applied
    );
    // No longer reminded: a cover follows the stopped one.
    let lapses = enrolment::lapses_of(store, 2027).await.unwrap();
    assert!(lapses.iter().all(|l| l.person_id != june_id));

    // The March leaver pays on 2027-07-10, after the three months: the waiting period.
    let late = enrolment::pay(store, &policy, &paying(march), "counter", today)
        .await
        .unwrap();
    assert_eq!(
        (late.cover.from, late.waiting_months),
        (day(2027, 10, 10), 3)
    );
}
