#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Medical assistance settled with the claim (一站式结算), over a real registry, on both
//! backends: a 特困 person is helped from the moment the decision is recorded, on the claims of
//! the days it covers; the assistance's year carries from claim to claim up to its cap and a
//! reversal takes it back; the explanation shows the three layers; the bureau's recognitions of
//! the other categories are checked field by field and read by the settlement.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::Scope;
use minsheng_core::registry::Registration;
use minsheng_core::{Fen, IdNumber, Month};
use minsheng_medical::aid::{recognise, Recognise};
use minsheng_medical::{
    explain, reverse, settle, Aid, Claim, ClaimError, ClaimRecord, Class, Cover, Hospital, Item,
    Level, MedicalStore, Posted, Scheme, Tier,
};
use minsheng_payments::PaymentsStore as _;
use minsheng_policy::Policy;
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};
use serde_json::json;

minsheng_test_support::on_both_backends!(
    a_tekun_patient_is_helped_from_the_decision_on,
    recognitions_are_checked_and_read_by_the_settlement,
);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Early 2026: the 2025 claims are in the past.
fn now() -> DateTime<Utc> {
    instant(60 * 60 * 24 * 800)
}

/// A city with a tier-3 hospital and two catalogue items; a living resident covered in the
/// residents' scheme for 2025.
async fn city(store: &Store) -> (Registration, i64) {
    let (generator, people) = synthetic_city(300, 5);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let person = people
        .iter()
        .find(|r| r.facts.death_date.is_none())
        .unwrap()
        .clone();
    let medical = store.medical();
    medical
        .add_hospitals(
            &[Hospital {
                code: "H3".into(),
                name: "市立医院".into(),
                level: Level::Tier3,
                area: person.facts.area.clone(),
            }],
            "tester",
            noted("hospitals"),
        )
        .await
        .unwrap();
    let items = [("A01", Class::A), ("C01", Class::C)].map(|(code, class)| Item {
        code: code.into(),
        name: format!("项目{code}"),
        class,
    });
    medical
        .add_items(&items, "tester", noted("items"))
        .await
        .unwrap();
    let person_id = medical
        .insured(&person.person.id_number)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let cover = Cover {
        scheme: Scheme::Resident,
        tier: Tier::Adult2,
        retired: false,
        two_diseases: false,
        from: day(2025, 1, 1),
        to: day(2025, 12, 31),
    };
    medical
        .enrol(
            &[(person_id, cover, Default::default())],
            "tester",
            noted("enrol"),
        )
        .await
        .unwrap();
    (person, person_id)
}

/// An inpatient claim at the tier-3 hospital.
fn stay(number: &str, id: &IdNumber, date: NaiveDate, lines: &[(&str, &str)]) -> Claim {
    let total: i64 = lines
        .iter()
        .map(|(_, a)| Fen::parse_yuan(a).unwrap().0)
        .sum();
    Claim::from_json(&json!({
        "claim_number": number, "id_number": id.as_str(), "date": date.to_string(),
        "visit": "inpatient", "total": format!("{}.{:02}", total / 100, total % 100),
        "lines": lines.iter().map(|(item, amount)| json!({"item": item, "amount": amount}))
            .collect::<Vec<_>>()
    }))
    .unwrap()
}

async fn settled(store: &Store, policy: &Policy, claim: &Claim) -> ClaimRecord {
    match settle(store, policy, "H3", claim, "his-h3", now()).await {
        Ok(Posted::Settled(r)) => r,
        other => panic!("not settled: {other:?}"),
    }
}

async fn aid_year(store: &Store, person_id: i64) -> (Fen, Fen) {
    let (y, _) = store
        .medical()
        .year(person_id, 2025, Scheme::Resident)
        .await
        .unwrap();
    (y.aid_deductible, y.aid)
}

async fn a_tekun_patient_is_helped_from_the_decision_on(store: &Store) {
    let (person, person_id) = city(store).await;
    let id = person.person.id_number.clone();
    // A cap of 3,000 yuan a year for 特困, so that the second stay reaches it.
    let policy = minsheng_test_support::medical_policy()
        .with_changes(
            &["medical.assistance.cap.tekun=3000".into()],
            day(2025, 1, 1),
        )
        .unwrap();

    // Before any decision: insurance only. The fund pays (10000 − 800) × 70%.
    let before = settled(
        store,
        &policy,
        &stay("Z-1", &id, day(2025, 6, 3), &[("A01", "10000")]),
    )
    .await;
    assert_eq!(before.aided_as, Aid::None);
    assert_eq!(
        (
            before.settlement.fund,
            before.settlement.aid,
            before.settlement.person
        ),
        (Fen(644_000), Fen(0), Fen(356_000))
    );
    let trees = explain(&policy, &before).unwrap().trees;
    // No tree of its own for assistance: the person is not an object of it.
    assert!(
        !trees.iter().any(|t| t.starts_with("医疗救助支付")),
        "{trees:?}"
    );

    // The district decides: 特困 from June. The next claim knows it, in the same settlement.
    let enrolment = store
        .payments()
        .enrol(
            &person.facts.household,
            "tekun_basic",
            Month::new(2025, 6).unwrap(),
            "特困供养决定",
            "district",
            now(),
            &noted("enrol"),
        )
        .await
        .unwrap();
    let first = settled(
        store,
        &policy,
        &stay(
            "Z-2",
            &id,
            day(2025, 6, 20),
            &[("A01", "10000"), ("C01", "1000")],
        ),
    )
    .await;
    let s = &first.settlement;
    assert_eq!(first.aided_as, Aid::Tekun);
    // The deductible was borne by Z-1: the fund pays 70% of 10,000; the person would bear
    // 3,000 in-policy, of which assistance pays 90%; the 丙类 1,000 stays the person's.
    assert_eq!(
        (s.fund, s.supplement, s.aid),
        (Fen(700_000), Fen(0), Fen(270_000))
    );
    assert_eq!(s.person, Fen(130_000));
    assert_eq!(s.parts().iter().map(|f| f.0).sum::<i64>(), s.total.0);
    assert_eq!(aid_year(store, person_id).await, (Fen(0), Fen(270_000)));
    let explained = explain(&policy, &first).unwrap();
    let aid_tree = explained
        .trees
        .iter()
        .find(|t| t.starts_with("医疗救助支付"))
        .expect("a tree for medical assistance");
    for shown in ["特困人员", "国办发〔2021〕42号", "0.9"] {
        assert!(aid_tree.contains(shown), "{shown} not in {aid_tree}");
    }
    assert!(explained.trees.iter().any(|t| t.contains("统筹基金支付")));

    // A stay in May, before the decision's first month: not an object then.
    let may = settled(
        store,
        &policy,
        &stay("Z-3", &id, day(2025, 5, 20), &[("A01", "1000")]),
    )
    .await;
    assert_eq!((may.aided_as, may.settlement.aid), (Aid::None, Fen(0)));

    // The year's cap: 3,000 less the 2,700 paid leaves 300.
    let capped = settled(
        store,
        &policy,
        &stay("Z-4", &id, day(2025, 7, 1), &[("A01", "10000")]),
    )
    .await;
    assert_eq!(capped.before.aid, Fen(270_000));
    assert_eq!(capped.settlement.aid, Fen(30_000));
    assert_eq!(aid_year(store, person_id).await, (Fen(0), Fen(300_000)));

    // Suspended from September (under review): not helped while the suspension holds.
    store
        .payments()
        .suspend_enrolment(
            enrolment.id,
            Month::new(2025, 9).unwrap(),
            "复核中",
            "district",
            now(),
            &noted("suspend"),
            &[],
        )
        .await
        .unwrap();
    let suspended = settled(
        store,
        &policy,
        &stay("Z-6", &id, day(2025, 9, 2), &[("A01", "100")]),
    )
    .await;
    assert_eq!(
        (suspended.aided_as, suspended.settlement.aid),
        (Aid::None, Fen(0))
    );

    // A reversal gives the assistance's year back; the next stay is helped in full again.
    reverse(store, "H3", "Z-4", "重复结算", "his-h3", now())
        .await
        .unwrap();
    reverse(store, "H3", "Z-2", "费用有误", "his-h3", now())
        .await
        .unwrap();
    assert_eq!(aid_year(store, person_id).await, (Fen(0), Fen(0)));
    let again = settled(
        store,
        &policy,
        &stay("Z-5", &id, day(2025, 7, 2), &[("A01", "10000")]),
    )
    .await;
    assert_eq!(again.settlement.aid, Fen(270_000));
}

async fn recognitions_are_checked_and_read_by_the_settlement(store: &Store) {
    let (person, person_id) = city(store).await;
    let id = person.person.id_number.clone();
    let policy = minsheng_test_support::medical_policy();
    let good = Recognise {
        id_number: id.clone(),
        category: Aid::NearPoor,
        from: day(2025, 3, 1),
        to: day(2026, 2, 28),
        basis: "市南区民政局认定〔2025〕12号".into(),
    };
    let refused = |e: ClaimError| match e {
        ClaimError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
        other => panic!("not refused by field: {other}"),
    };
    let stranger = IdNumber::from_parts(110101, day(1990, 3, 7), 999).unwrap();
    let cases: [(Recognise, &str); 6] = [
        (
            Recognise {
                category: Aid::Tekun,
                ..good.clone()
            },
            "category",
        ),
        (
            Recognise {
                to: day(2025, 2, 28),
                ..good.clone()
            },
            "to",
        ),
        (
            Recognise {
                to: day(2026, 3, 1),
                ..good.clone()
            },
            "to",
        ),
        (
            Recognise {
                from: day(2024, 3, 1),
                to: day(2025, 2, 28),
                ..good.clone()
            },
            "to",
        ),
        (
            Recognise {
                basis: "  ".into(),
                ..good.clone()
            },
            "basis",
        ),
        (
            Recognise {
                id_number: stranger,
                ..good.clone()
            },
            "id_number",
        ),
    ];
    for (r, field) in cases {
        let e = recognise(store, &r, &Scope::Everything, "civil-affairs", now())
            .await
            .unwrap_err();
        assert_eq!(refused(e), [field], "{r:?}");
    }
    assert!(store
        .medical()
        .recognitions(person_id)
        .await
        .unwrap()
        .is_empty());

    recognise(store, &good, &Scope::Everything, "civil-affairs", now())
        .await
        .unwrap();
    let overlapping = Recognise {
        category: Aid::IllnessPoverty,
        from: day(2026, 2, 1),
        to: day(2026, 6, 30),
        ..good.clone()
    };
    let e = recognise(
        store,
        &overlapping,
        &Scope::Everything,
        "civil-affairs",
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(refused(e), ["from"]);
    let filed = store.medical().recognitions(person_id).await.unwrap();
    assert_eq!(filed.len(), 1);
    assert_eq!(
        (filed[0].category, filed[0].from),
        (Aid::NearPoor, day(2025, 3, 1))
    );

    // February: not yet recognised.
    let feb = settled(
        store,
        &policy,
        &stay("N-1", &id, day(2025, 2, 10), &[("A01", "1000")]),
    )
    .await;
    assert_eq!(feb.aided_as, Aid::None);
    // Recognised: the insurance deductible was borne in February, so each stay leaves the
    // person 3,000 yuan in-policy. The first's all go to the assistance's 5,000-yuan deductible
    // (a placeholder); the second's finish it (2,000) and 65% of the rest is paid.
    let first = settled(
        store,
        &policy,
        &stay("N-2", &id, day(2025, 4, 1), &[("A01", "10000")]),
    )
    .await;
    assert_eq!(first.aided_as, Aid::NearPoor);
    assert_eq!(
        (
            first.settlement.aid_deductible_applied,
            first.settlement.aid
        ),
        (Fen(300_000), Fen(0))
    );
    let second = settled(
        store,
        &policy,
        &stay("N-3", &id, day(2025, 5, 1), &[("A01", "10000")]),
    )
    .await;
    assert_eq!(
        (
            second.settlement.aid_deductible_applied,
            second.settlement.aid
        ),
        (Fen(200_000), Fen(65_000))
    );
    assert_eq!(
        aid_year(store, person_id).await,
        (Fen(500_000), Fen(65_000))
    );
}
