#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Out-of-town care registration (异地就医备案) on both backends: a temporary one filed by the
//! person themself stands at once and for six months, a long-term one filed at any office waits
//! for another's review; a claim for care out of the province is settled as registered or not
//! by what stands on its day, whatever the hospital said; every bad registration is refused by
//! field, nothing filed.

use chrono::NaiveDate;
use minsheng_core::access::{Account, Role, Staff};
use minsheng_core::registry::Registration;
use minsheng_core::AreaCode;
use minsheng_medical::elsewhere::{self, Apply, ElsewhereStore as _, Kind, Reason, State};
use minsheng_medical::{settle, Claim, MedicalStore, Place, Posted, Scheme};
use minsheng_store::Store;
use minsheng_test_support::instant;
use serde_json::json;

mod common;
use common::{cover, day, hospital, on, refused, registry};

minsheng_test_support::on_both_backends!(
    a_registration_decides_how_care_out_of_the_province_is_settled,
);

async fn staff(store: &Store, name: &str, role: Role, area: &AreaCode) -> Account {
    let s = Staff {
        name: name.into(),
        role,
        area: area.clone(),
    };
    store.add_staff(&s, "tester", instant(0)).await.unwrap();
    Account::Staff(s)
}

/// Two living residents covered in the employees' scheme for 2025, and a hospital.
async fn city(store: &Store) -> Vec<Registration> {
    let people = registry(store, 300, 5).await;
    let two: Vec<Registration> = people
        .iter()
        .filter(|r| r.facts.death_date.is_none())
        .take(2)
        .cloned()
        .collect();
    hospital(store, &two[0].facts.area).await;
    for r in &two {
        cover(store, &r.person.id_number, Scheme::Employee, 2025).await;
    }
    two
}

/// A stay out of the province, as the hospital sends it (it says "registered").
async fn stay_out(store: &Store, number: &str, r: &Registration, date: NaiveDate) -> Place {
    let claim = Claim::from_json(&json!({
        "claim_number": number, "id_number": r.person.id_number.as_str(),
        "date": date.to_string(), "visit": "inpatient", "place": "registered_elsewhere",
        "total": "5000", "lines": [{"item": "A01", "amount": "5000"}]
    }))
    .unwrap();
    let policy = minsheng_test_support::medical_policy();
    match settle(store, &policy, "H3", &claim, "his", on(date).now).await {
        Ok(Posted::Settled(c)) => c.place,
        other => panic!("not settled: {other:?}"),
    }
}

async fn a_registration_decides_how_care_out_of_the_province_is_settled(store: &Store) {
    let two = city(store).await;
    let (first, second) = (&two[0], &two[1]);
    let rules = minsheng_test_support::medical_policy();
    let resident = Account::Resident {
        id_number: first.person.id_number.clone(),
        name: first.person.name.clone(),
    };
    // Not registered: settled as unregistered, whatever the hospital said.
    assert_eq!(
        stay_out(store, "Z1", first, day(2025, 3, 10)).await,
        Place::UnregisteredElsewhere
    );

    let march = on(day(2025, 3, 12));
    let good = Apply {
        id_number: first.person.id_number.clone(),
        reason: Reason::Referral,
        destination: "110105".into(),
        from: day(2025, 3, 12),
    };
    let cases: Vec<(Apply, &str)> = vec![
        (
            Apply {
                destination: "370202".into(),
                ..good.clone()
            },
            "destination",
        ),
        (
            Apply {
                destination: "990101".into(),
                ..good.clone()
            },
            "destination",
        ),
        (
            Apply {
                destination: "1101".into(),
                ..good.clone()
            },
            "destination",
        ),
        (
            Apply {
                from: day(2025, 3, 11),
                ..good.clone()
            },
            "from",
        ),
        (
            Apply {
                from: day(2026, 1, 5),
                ..good.clone()
            },
            "id_number",
        ),
    ];
    for (a, field) in cases {
        assert_eq!(
            refused(elsewhere::apply(store, &rules, &resident, &a, march).await),
            [field],
            "{a:?}"
        );
    }
    let for_another = Apply {
        id_number: second.person.id_number.clone(),
        ..good.clone()
    };
    assert_eq!(
        refused(elsewhere::apply(store, &rules, &resident, &for_another, march).await),
        ["actor"]
    );
    let area = first.facts.area.clone();
    let system = staff(store, "医院系统", Role::Provider, &area).await;
    assert_eq!(
        refused(elsewhere::apply(store, &rules, &system, &good, march).await),
        ["actor"]
    );

    // Temporary, by the person: in force at once, for six months.
    let temporary = elsewhere::apply(store, &rules, &resident, &good, march)
        .await
        .unwrap();
    assert_eq!(
        (temporary.kind, temporary.state, temporary.to),
        (Kind::Temporary, State::Approved, Some(day(2025, 9, 11)))
    );
    assert_eq!(
        refused(elsewhere::apply(store, &rules, &resident, &good, march).await),
        ["from"]
    );
    assert_eq!(
        stay_out(store, "Z2", first, day(2025, 3, 20)).await,
        Place::RegisteredElsewhere
    );
    // After it ends, unregistered again.
    assert_eq!(
        stay_out(store, "Z3", first, day(2025, 9, 12)).await,
        Place::UnregisteredElsewhere
    );

    // Long-term, filed at a street office of anywhere in the city (市域通办): pending until
    // another reviews it.
    let district = area.district().unwrap();
    let street = staff(store, "街道窗口", Role::Street, &area.parent().unwrap()).await;
    let officer = staff(store, "区医保", Role::District, &district).await;
    let community = staff(store, "社区", Role::Community, &area).await;
    let resettled = Apply {
        id_number: second.person.id_number.clone(),
        reason: Reason::ResettledRetiree,
        destination: "460105".into(),
        from: day(2025, 3, 12),
    };
    let pending = elsewhere::apply(store, &rules, &street, &resettled, march)
        .await
        .unwrap();
    assert_eq!(
        (pending.kind, pending.state, pending.to),
        (Kind::LongTerm, State::Pending, None)
    );
    assert_eq!(
        stay_out(store, "Z4", second, day(2025, 3, 13)).await,
        Place::UnregisteredElsewhere
    );
    assert_eq!(
        refused(elsewhere::review(store, &community, pending.id, true, "材料齐全", march).await),
        ["actor"]
    );
    assert_eq!(
        refused(elsewhere::review(store, &officer, pending.id, true, " ", march).await),
        ["reason"]
    );
    let approved = elsewhere::review(store, &officer, pending.id, true, "材料齐全", march)
        .await
        .unwrap();
    assert_eq!(approved.state, State::Approved);
    assert_eq!(approved.decided.as_ref().unwrap().1, "区医保");
    assert_eq!(
        refused(elsewhere::review(store, &officer, pending.id, false, "重复", march).await),
        ["registration"]
    );
    assert_eq!(
        stay_out(store, "Z5", second, day(2025, 11, 2)).await,
        Place::RegisteredElsewhere
    );
    let person_id = store
        .medical()
        .insured(&second.person.id_number)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let listed = store.elsewhere().of_person(person_id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].destination, "460105");
}
