#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Transfers of the insurance relation (转移接续, 医保办发〔2021〕43号), on both backends: a
//! sheet from another city of the province filed without application, once; across provinces
//! only with the person's online application; an employee's balance credited; a payment soon
//! after a transfer continuing the cover with no waiting period, one a day too late waiting;
//! an employee leaving with their sheet made from the insured registry, their cover ended and
//! their account emptied; a resident leaving with their paid year kept; neither reminded as a
//! lapse.

use chrono::NaiveDate;
use minsheng_core::registry::{Employment, Registration};
use minsheng_core::{Fen, IdNumber};
use minsheng_medical::enrolment::{self, Paying};
use minsheng_medical::transfer::{self, Leaving, Route, Sheet};
use minsheng_medical::{ClaimError, MedicalStore as _, Scheme, Tier};
use minsheng_notify::OutboxStore as _;
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(
    sheets_from_elsewhere_are_filed_once_and_continue_the_cover,
    a_resident_leaving_takes_their_record_and_account,
);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// 2026-01-23, China's day.
fn today() -> chrono::DateTime<chrono::Utc> {
    instant(60 * 60 * 24 * 800)
}

fn field(e: ClaimError) -> String {
    match e {
        ClaimError::Invalid(errors) => errors[0].field.clone(),
        ClaimError::Store(minsheng_store::StoreError::Conflict { field, .. }) => field,
        other => panic!("not a field refusal: {other}"),
    }
}

/// A city whose residents are covered for 2025 and 2026 as the registry suggests.
async fn insured_city(store: &Store) -> Vec<Registration> {
    let (generator, people) = synthetic_city(1_500, 3);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::medical_policy();
    for year in [2025, 2026] {
        enrolment::file_synthetic(store, &policy, year, "tester", today())
            .await
            .unwrap();
    }
    people
}

fn alive(r: &&Registration) -> bool {
    r.facts.death_date.is_none()
}

/// Adult residents (not employed, retired, students or severely disabled) of the 2026 city.
fn adults(people: &[Registration]) -> impl Iterator<Item = &Registration> {
    people.iter().filter(alive).filter(|r| {
        r.birth_date < day(2007, 1, 1)
            && !matches!(
                r.facts.employment,
                Employment::Employed | Employment::Retired | Employment::Student
            )
            && r.facts.disability.is_none_or(|d| d.grade() > 2)
    })
}

fn sheet(number: &str, id: &IdNumber, area: &str, scheme: Scheme, until: NaiveDate) -> Sheet {
    Sheet {
        number: number.into(),
        id_number: id.clone(),
        other_area: area.into(),
        scheme,
        covered_since: day(2023, 1, 1),
        covered_until: until,
        contribution_months: 0,
        account_balance: Fen(0),
        application: None,
    }
}

async fn sheets_from_elsewhere_are_filed_once_and_continue_the_cover(store: &Store) {
    let people = insured_city(store).await;
    let medical = store.medical();
    let policy = minsheng_test_support::medical_policy();
    let mut newcomers = Vec::new();
    for r in adults(&people) {
        let id = medical.insured(&r.person.id_number).await.unwrap().unwrap();
        if medical.cover(id.person_id, 2026).await.unwrap().is_none() {
            newcomers.push((r, id.person_id));
        }
    }
    assert!(newcomers.len() >= 3, "{} uncovered adults", newcomers.len());

    // From Jinan (370102), within the province: no application, filed once.
    let (first, first_id) = newcomers[0];
    let jinan = sheet(
        "370102-2025-0001",
        &first.person.id_number,
        "370102",
        Scheme::Resident,
        day(2025, 12, 31),
    );
    let received = transfer::receive(store, &policy, &jinan, "platform", today())
        .await
        .unwrap();
    assert_eq!(
        (received.person_id, received.route, received.again),
        (first_id, Route::InProvince, false)
    );
    let again = transfer::receive(store, &policy, &jinan, "platform", today())
        .await
        .unwrap();
    assert!(again.again);
    let mut altered = jinan.clone();
    altered.covered_until = day(2025, 11, 30);
    let refused = transfer::receive(store, &policy, &altered, "platform", today())
        .await
        .unwrap_err();
    assert_eq!(field(refused), "number");
    assert_eq!(
        medical.transfers_received(first_id).await.unwrap(),
        vec![jinan.clone()]
    );
    let audit = store
        .audit_entries("medical transfer 370102-2025-0001")
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].action, "medical.transfer_in");
    assert!(!audit[0].detail.contains(first.person.id_number.as_str()));
    // Told, once: the province moved it without their asking.
    let inbox = store
        .outbox()
        .inbox(&first.person.id_number, 10)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0].title, "基本医疗保险关系已转入青岛市");
    assert!(
        inbox[0].body.contains("免申即享") && inbox[0].body.contains("在 2026-03-31 前参保缴费"),
        "{}",
        inbox[0].body
    );

    // Paid within three months of the sheet's end: the cover continues from the day after it,
    // with no waiting period (the newcomers' fixed three months otherwise).
    let pay = async |r: &Registration| {
        let paying = Paying {
            id_number: r.person.id_number.clone(),
            year: 2026,
            tier: Some(Tier::Adult2),
            until: None,
        };
        enrolment::pay(store, &policy, &paying, "clerk", today()).await
    };
    let paid = pay(first).await.unwrap();
    assert_eq!((paid.waiting_months, paid.cover.from), (0, day(2026, 1, 1)));

    // A sheet that ended three months and a day before the payment: not continuous, so the
    // national waiting period applies (fixed 3 months, no year lapsed).
    let (late, late_id) = newcomers[1];
    let ended = sheet(
        "370102-2025-0002",
        &late.person.id_number,
        "370102",
        Scheme::Resident,
        day(2025, 10, 22),
    );
    transfer::receive(store, &policy, &ended, "platform", today())
        .await
        .unwrap();
    let paid = pay(late).await.unwrap();
    assert_eq!(
        (paid.waiting_months, paid.cover.from),
        (3, day(2026, 4, 23))
    );
    assert_eq!(paid.person_id, late_id);

    // Across provinces: only with the person's online application.
    let (far, far_id) = newcomers[2];
    let mut chengdu = sheet(
        "510104-2025-0009",
        &far.person.id_number,
        "510104",
        Scheme::Resident,
        day(2025, 12, 31),
    );
    let refused = transfer::receive(store, &policy, &chengdu, "platform", today())
        .await
        .unwrap_err();
    assert_eq!(field(refused), "application");
    assert!(medical.transfers_received(far_id).await.unwrap().is_empty());
    chengdu.application = Some("KS20251201000017".into());
    let received = transfer::receive(store, &policy, &chengdu, "platform", today())
        .await
        .unwrap();
    assert_eq!(received.route, Route::CrossProvince);

    // An employee's balance is credited to the personal account, once.
    let employee = people
        .iter()
        .filter(alive)
        .find(|r| r.birth_date < day(1990, 1, 1) && r.facts.employment == Employment::Employed)
        .unwrap();
    let employee_id = medical
        .insured(&employee.person.id_number)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let (_, before) = medical
        .year(employee_id, 2026, Scheme::Employee)
        .await
        .unwrap();
    let mut qingdao_bound = sheet(
        "370602-2025-0100",
        &employee.person.id_number,
        "370602",
        Scheme::Employee,
        day(2025, 12, 31),
    );
    qingdao_bound.contribution_months = 36;
    qingdao_bound.account_balance = Fen(123_456);
    for _ in 0..2 {
        transfer::receive(store, &policy, &qingdao_bound, "platform", today())
            .await
            .unwrap();
    }
    let (_, after) = medical
        .year(employee_id, 2026, Scheme::Employee)
        .await
        .unwrap();
    assert_eq!(after, Fen(before.0 + 123_456));
    // The platform pushing the same sheet twice at once: filed once, credited once.
    let mut twice = qingdao_bound.clone();
    twice.number = "370602-2025-0101".into();
    twice.account_balance = Fen(1_000);
    let (a, b) = tokio::join!(
        transfer::receive(store, &policy, &twice, "platform", today()),
        transfer::receive(store, &policy, &twice, "platform", today()),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.again != b.again, "{a:?} {b:?}");
    assert_eq!(
        medical
            .year(employee_id, 2026, Scheme::Employee)
            .await
            .unwrap()
            .1,
        Fen(after.0 + 1_000)
    );

    // Refused, nothing filed: the city's own area, someone not registered here, a date to come.
    let stranger = IdNumber::from_parts(110101, day(1990, 3, 7), 999).unwrap();
    for (bad, expected) in [
        (
            sheet(
                "X-1",
                &far.person.id_number,
                "370211",
                Scheme::Resident,
                day(2025, 12, 31),
            ),
            "other_area",
        ),
        (
            sheet(
                "X-2",
                &stranger,
                "370102",
                Scheme::Resident,
                day(2025, 12, 31),
            ),
            "id_number",
        ),
        (
            sheet(
                "X-3",
                &far.person.id_number,
                "370102",
                Scheme::Resident,
                day(2026, 2, 1),
            ),
            "covered_until",
        ),
    ] {
        let refused = transfer::receive(store, &policy, &bad, "platform", today())
            .await
            .unwrap_err();
        assert_eq!(field(refused), expected);
    }
    assert_eq!(medical.transfers_received(far_id).await.unwrap().len(), 1);
}

async fn a_resident_leaving_takes_their_record_and_account(store: &Store) {
    let people = insured_city(store).await;
    let medical = store.medical();
    let policy = minsheng_test_support::medical_policy();
    let employee = people
        .iter()
        .filter(alive)
        .find(|r| r.birth_date < day(1990, 1, 1) && r.facts.employment == Employment::Employed)
        .unwrap();
    let person_id = medical
        .insured(&employee.person.id_number)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let (_, balance) = medical
        .year(person_id, 2026, Scheme::Employee)
        .await
        .unwrap();
    assert!(balance.0 > 0, "an employee's account is credited");
    let leaving = |to: &str, application: Option<&str>| Leaving {
        id_number: employee.person.id_number.clone(),
        to_area: to.into(),
        on: day(2026, 1, 20),
        application: application.map(str::to_string),
    };

    // Refused, nothing changed: across provinces without an application, a day to come,
    // the city's own area.
    let refused = transfer::send(store, &policy, &leaving("440305", None), "clerk", today())
        .await
        .unwrap_err();
    assert_eq!(field(refused), "application");
    let mut tomorrow = leaving("370102", None);
    tomorrow.on = day(2026, 1, 24);
    let refused = transfer::send(store, &policy, &tomorrow, "clerk", today())
        .await
        .unwrap_err();
    assert_eq!(field(refused), "on");
    let refused = transfer::send(store, &policy, &leaving("370203", None), "clerk", today())
        .await
        .unwrap_err();
    assert_eq!(field(refused), "to_area");
    assert_eq!(
        medical
            .year(person_id, 2026, Scheme::Employee)
            .await
            .unwrap()
            .1,
        balance
    );

    // To Jinan: the sheet from the registry — insured since 2025 without a break (two years
    // joined), 12 + 1 months of contribution, the whole balance — the cover ended on the day.
    let sent = transfer::send(store, &policy, &leaving("370102", None), "clerk", today())
        .await
        .unwrap();
    let cover_2025 = medical.cover(person_id, 2025).await.unwrap().unwrap();
    assert_eq!(sent.scheme, Scheme::Employee);
    assert_eq!(
        (sent.covered_since, sent.covered_until),
        (cover_2025.from, day(2026, 1, 20))
    );
    assert_eq!(
        sent.contribution_months,
        transfer::months_touched(cover_2025.from, cover_2025.to) + 1
    );
    assert_eq!(sent.account_balance, balance);
    assert_eq!(
        sent.number,
        transfer::number_out(person_id, day(2026, 1, 20))
    );
    assert_eq!(
        medical
            .year(person_id, 2026, Scheme::Employee)
            .await
            .unwrap()
            .1,
        Fen(0)
    );
    let inbox = store
        .outbox()
        .inbox(&employee.person.id_number, 10)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    assert_eq!(inbox[0].title, "基本医疗保险关系已转出");
    assert!(
        inbox[0]
            .body
            .contains(&format!("个人账户余额 {balance} 随同转移")),
        "{}",
        inbox[0].body
    );
    assert_eq!(
        medical.cover(person_id, 2026).await.unwrap().unwrap().to,
        day(2026, 1, 20)
    );
    let audit = store
        .audit_entries(&format!("medical transfer {}", sent.number))
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");

    // Once: a second transfer out is refused.
    let refused = transfer::send(store, &policy, &leaving("370102", None), "clerk", today())
        .await
        .unwrap_err();
    assert_eq!(field(refused), "id_number");

    // Not a lapse next year: insured elsewhere. Everyone else covered in 2026 is.
    let lapses = enrolment::lapses_of(store, 2027).await.unwrap();
    assert!(lapses.len() > 100, "{} lapses", lapses.len());
    assert!(lapses.iter().all(|l| l.person_id != person_id));

    // A resident's year is paid for: it stays to its end, and the sheet says so.
    let mut resident = None;
    for r in adults(&people) {
        let id = medical.insured(&r.person.id_number).await.unwrap().unwrap();
        if let Some(cover) = medical.cover(id.person_id, 2026).await.unwrap() {
            resident = Some((r, id.person_id, cover));
            break;
        }
    }
    let (resident, resident_id, cover) = resident.expect("an adult resident covered in 2026");
    let mut moving = leaving("370102", None);
    moving.id_number = resident.person.id_number.clone();
    let sent = transfer::send(store, &policy, &moving, "clerk", today())
        .await
        .unwrap();
    assert_eq!(
        (sent.scheme, sent.covered_until, sent.account_balance),
        (Scheme::Resident, day(2026, 12, 31), Fen(0))
    );
    assert_eq!(medical.cover(resident_id, 2026).await.unwrap(), Some(cover));
    let lapses = enrolment::lapses_of(store, 2027).await.unwrap();
    assert!(lapses.iter().all(|l| l.person_id != resident_id));

    // A resident who has paid for next year is refunded before leaving.
    let mut adult = None;
    for r in adults(&people).filter(|r| r.person.id_number != resident.person.id_number) {
        let id = medical.insured(&r.person.id_number).await.unwrap().unwrap();
        let paying = medical
            .covers(id.person_id, 2026)
            .await
            .unwrap()
            .pop()
            .map(|(_, c)| c);
        if paying.is_some_and(|c| c.assisted_as.is_none()) {
            adult = Some(r);
            break;
        }
    }
    let adult = adult.expect("an adult resident paying their own contribution");
    enrolment::pay(
        store,
        &policy,
        &Paying {
            id_number: adult.person.id_number.clone(),
            year: 2027,
            tier: Some(Tier::Adult1),
            until: None,
        },
        "clerk",
        today(),
    )
    .await
    .unwrap();
    let mut paid_ahead = leaving("370102", None);
    paid_ahead.id_number = adult.person.id_number.clone();
    let refused = transfer::send(store, &policy, &paid_ahead, "clerk", today())
        .await
        .unwrap_err();
    assert_eq!(field(refused), "on");

    // A retiree stays with the city (异地就医备案 instead).
    let retiree = people
        .iter()
        .filter(alive)
        .find(|r| r.facts.employment == Employment::Retired)
        .unwrap();
    let mut retiring = leaving("370102", None);
    retiring.id_number = retiree.person.id_number.clone();
    let refused = transfer::send(store, &policy, &retiring, "clerk", today())
        .await
        .unwrap_err();
    assert_eq!(field(refused), "id_number");
}
