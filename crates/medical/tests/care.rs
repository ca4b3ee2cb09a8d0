#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Long-term care insurance over a real registry, on both backends: a provider registered and
//! its account linked, a person qualified by a disability assessment (every bad form refused by
//! field), a provider's month claimed with a stay in hospital taken out, settled by the rules,
//! approved by the district and paid through the providers' ledger once; a change of form in
//! the middle of a month; a qualification that cannot end before care already claimed.

use chrono::NaiveDate;
use minsheng_core::access::{Account, Role, Staff};
use minsheng_core::registry::Registration;
use minsheng_core::{AreaCode, Fen, Month};
use minsheng_medical::care::{self, CareStore as _, Form, Provider, Qualify};
use minsheng_medical::{settle, Claim, Cover, MedicalStore, Posted, Scheme, Tier};
use minsheng_store::Store;
use minsheng_test_support::{instant, noted};
use serde_json::json;

mod common;
use common::{cover, day, hospital, on, refused, registry};

minsheng_test_support::on_both_backends!(
    a_providers_month_is_settled_approved_and_paid_once,
    a_change_of_form_splits_the_month_and_ends_the_old_qualification,
    the_synthetic_month_qualifies_the_severely_disabled_once,
);

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap()
}

struct City {
    person: Registration,
    other: Registration,
    district: AreaCode,
    officer: Account,
    provider: Account,
}

async fn staff(store: &Store, name: &str, role: Role, area: &AreaCode) -> Account {
    let s = Staff {
        name: name.into(),
        role,
        area: area.clone(),
    };
    store.add_staff(&s, "tester", instant(0)).await.unwrap();
    Account::Staff(s)
}

/// Two living residents of one district covered in the residents' scheme for 2025, a tier-3
/// hospital, the district's officer, and a care provider registered with its account linked.
async fn city(store: &Store) -> City {
    let people = registry(store, 300, 5).await;
    let mut living = people.iter().filter(|r| {
        r.facts.death_date.is_none()
            && !matches!(
                r.facts.ability,
                Some(
                    minsheng_core::registry::AbilityLevel::Severe
                        | minsheng_core::registry::AbilityLevel::Complete
                )
            )
    });
    let person = living.next().unwrap().clone();
    let district = person.facts.area.district().unwrap();
    let other = living
        .find(|r| r.facts.area.is_within(&district))
        .unwrap()
        .clone();
    hospital(store, &person.facts.area).await;
    for r in [&person, &other] {
        cover(store, &r.person.id_number, Scheme::Resident, 2025).await;
    }
    let officer = staff(store, "区医保", Role::District, &district).await;
    let provider = staff(store, "护理院结算", Role::Provider, &district).await;
    let home = Provider {
        code: "LTC01".into(),
        name: "颐养护理院".into(),
        area: person.facts.area.clone(),
        forms: vec![Form::Institutional, Form::Family],
        bank_account: "6222000011112222".into(),
        registered_on: day(2025, 1, 2),
    };
    care::register(store, &officer, &home, on(day(2025, 1, 2)))
        .await
        .unwrap();
    care::link(store, &officer, "护理院结算", "LTC01", on(day(2025, 1, 2)))
        .await
        .unwrap();
    City {
        person,
        other,
        district,
        officer,
        provider,
    }
}

fn qualify(c: &City, form: Form, grade: u8, from: NaiveDate) -> Qualify {
    Qualify {
        id_number: c.person.person.id_number.clone(),
        provider: "LTC01".into(),
        form,
        grade,
        assessed_by: "市长护评估中心".into(),
        assessed_on: day(2025, 2, 20),
        from,
    }
}

fn rows(list: &[(&Registration, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(r, from, to)| {
            (
                r.person.id_number.as_str().to_string(),
                from.to_string(),
                to.to_string(),
            )
        })
        .collect()
}

async fn a_providers_month_is_settled_approved_and_paid_once(store: &Store) {
    let c = city(store).await;
    let policy = minsheng_test_support::care_policy();
    let march = on(day(2025, 3, 5));

    // Registration and linking are an officer's, within their area; the code is unique.
    let elsewhere = Provider {
        code: "LTC02".into(),
        name: "外区护理站".into(),
        area: AreaCode::parse("370299").unwrap(),
        forms: vec![Form::Home],
        bank_account: "1".into(),
        registered_on: day(2025, 1, 2),
    };
    assert_eq!(
        refused(care::register(store, &c.officer, &elsewhere, march).await),
        ["area"]
    );
    assert_eq!(
        refused(care::register(store, &c.provider, &elsewhere, march).await),
        ["actor"]
    );
    let taken = Provider {
        area: c.person.facts.area.clone(),
        code: "LTC01".into(),
        forms: Vec::new(),
        ..elsewhere.clone()
    };
    assert_eq!(
        refused(care::register(store, &c.officer, &taken, march).await),
        ["forms"]
    );
    let taken = Provider {
        forms: vec![Form::Home],
        ..taken
    };
    assert_eq!(
        refused(care::register(store, &c.officer, &taken, march).await),
        ["code"]
    );

    // Qualification: every bad form named by its field, nothing filed.
    let good = qualify(&c, Form::Institutional, 3, day(2025, 3, 1));
    let cases: Vec<(Qualify, &str)> = vec![
        (
            Qualify {
                grade: 2,
                ..good.clone()
            },
            "disability_grade",
        ),
        (
            Qualify {
                grade: 6,
                ..good.clone()
            },
            "disability_grade",
        ),
        (
            Qualify {
                assessed_on: day(2025, 3, 6),
                from: day(2025, 3, 7),
                ..good.clone()
            },
            "assessed_on",
        ),
        (
            Qualify {
                assessed_on: day(2024, 2, 1),
                ..good.clone()
            },
            "assessed_on",
        ),
        (
            Qualify {
                from: day(2025, 2, 28),
                ..good.clone()
            },
            "from",
        ),
        (
            Qualify {
                from: day(2026, 1, 1),
                ..good.clone()
            },
            "from",
        ),
        (
            Qualify {
                form: Form::Home,
                ..good.clone()
            },
            "form",
        ),
        (
            Qualify {
                provider: "LTC09".into(),
                ..good.clone()
            },
            "provider",
        ),
        (
            Qualify {
                assessed_by: " ".into(),
                ..good.clone()
            },
            "assessed_by",
        ),
    ];
    for (q, field) in cases {
        assert_eq!(
            refused(care::qualify(store, &policy, &c.officer, &q, march).await),
            [field],
            "{q:?}"
        );
    }
    let street = staff(store, "街道", Role::Street, &c.person.facts.area).await;
    assert_eq!(
        refused(care::qualify(store, &policy, &street, &good, march).await),
        ["actor"]
    );
    let areas = store.areas().await.unwrap();
    let other_district = areas
        .iter()
        .filter_map(|a| a.code.district())
        .find(|d| *d != c.district)
        .unwrap();
    let far = staff(store, "外区医保", Role::District, &other_district).await;
    assert_eq!(
        refused(care::qualify(store, &policy, &far, &good, march).await),
        ["id_number"]
    );
    let person_id = common::person_id(store, &c.person.person.id_number).await;
    assert!(store
        .care()
        .qualifications(person_id)
        .await
        .unwrap()
        .is_empty());
    let first = care::qualify(store, &policy, &c.officer, &good, march)
        .await
        .unwrap();
    // A second one from the same day is in the way of the first.
    assert_eq!(
        refused(care::qualify(store, &policy, &c.officer, &good, march).await),
        ["from"]
    );

    // A stay in hospital from 10 to 15 March (discharged on the 15th).
    let stay = Claim::from_json(&json!({
        "claim_number": "ZY-0315", "id_number": c.person.person.id_number.as_str(),
        "date": "2025-03-15", "admitted": "2025-03-10", "visit": "inpatient",
        "total": "3000", "lines": [{"item": "A01", "amount": "3000"}]
    }))
    .unwrap();
    assert_eq!(stay.admitted, Some(day(2025, 3, 10)));
    match settle(
        store,
        &minsheng_test_support::medical_policy(),
        "H3",
        &stay,
        "his",
        on(day(2025, 3, 16)).now,
    )
    .await
    {
        Ok(Posted::Settled(r)) => assert_eq!(r.admitted, Some(day(2025, 3, 10))),
        other => panic!("not settled: {other:?}"),
    }

    // The provider's March: not before it is over; not the days in hospital; not someone
    // without a qualification; then the days around the stay.
    let april = on(day(2025, 4, 2));
    let whole = rows(&[(&c.person, "2025-03-01", "2025-03-31")]);
    assert_eq!(
        refused(care::claim(store, &policy, &c.provider, month(2025, 3), &whole, march).await),
        ["month"]
    );
    assert_eq!(
        refused(care::claim(store, &policy, &c.officer, month(2025, 3), &whole, april).await),
        ["actor"]
    );
    assert_eq!(
        refused(care::claim(store, &policy, &c.provider, month(2025, 3), &whole, april).await),
        ["stretches[0].from"]
    );
    let with_other = rows(&[
        (&c.person, "2025-03-01", "2025-03-09"),
        (&c.other, "2025-03-01", "2025-03-31"),
    ]);
    assert_eq!(
        refused(
            care::claim(
                store,
                &policy,
                &c.provider,
                month(2025, 3),
                &with_other,
                april
            )
            .await
        ),
        ["stretches[1].id_number"]
    );
    let around = rows(&[
        (&c.person, "2025-03-01", "2025-03-09"),
        (&c.person, "2025-03-15", "2025-03-31"),
    ]);
    let claimed = care::claim(store, &policy, &c.provider, month(2025, 3), &around, april)
        .await
        .unwrap();
    // 26 days of institutional care at 54 yuan; the residents' share 80%.
    assert_eq!(claimed.cares.len(), 1);
    let care = &claimed.cares[0];
    assert_eq!(care.stretches.len(), 2);
    assert_eq!(care.stretches[0].days + care.stretches[1].days, 26);
    assert_eq!(care.qualification_id, first);
    assert_eq!(
        (claimed.total, claimed.fund, claimed.person),
        (Fen(140_400), Fen(112_320), Fen(28_080))
    );
    assert_eq!(
        refused(care::claim(store, &policy, &c.provider, month(2025, 3), &around, april).await),
        ["month"]
    );
    let (trees, same) = care::explain(&policy, &claimed, care).unwrap();
    assert!(same);
    let text = trees.join("\n");
    assert!(text.contains("1,123.20"), "{text}");
    assert!(text.contains("0.8"), "{text}");

    // Approved by the district, never by the provider; once; paid once.
    assert_eq!(
        refused(care::approve(store, &c.provider, claimed.id, april).await),
        ["actor"]
    );
    let approved = care::approve(store, &c.officer, claimed.id, april)
        .await
        .unwrap();
    assert_eq!(approved.approved.as_ref().unwrap().1, "区医保");
    assert_eq!(
        refused(care::approve(store, &c.officer, claimed.id, april).await),
        ["month"]
    );
    let dir = tempfile::tempdir().unwrap();
    let batch = care::pay(store, &c.officer, month(2025, 3), dir.path(), april)
        .await
        .unwrap()
        .unwrap();
    assert!(batch.new_batch);
    assert_eq!(batch.payments.len(), 1);
    assert_eq!(batch.total, Fen(112_320));
    assert_eq!(batch.payments[0].due.program, care::PROGRAM);
    assert_eq!(batch.payments[0].due.payee_code, "LTC01");
    let again = care::pay(store, &c.officer, month(2025, 3), dir.path(), april)
        .await
        .unwrap()
        .unwrap();
    assert!(!again.new_batch);
    assert_eq!(again.batch, batch.batch);
    assert!(
        care::pay(store, &c.provider, month(2025, 3), dir.path(), april)
            .await
            .is_err()
    );

    // Ending the qualification before care already claimed is refused; after it, allowed.
    assert_eq!(
        refused(care::end(store, &c.officer, first, day(2025, 3, 20), "死亡", april).await),
        ["on"]
    );
    care::end(
        store,
        &c.officer,
        first,
        day(2025, 4, 10),
        "迁出本市",
        april,
    )
    .await
    .unwrap();
    let ended = store.care().qualification(first).await.unwrap().unwrap();
    assert_eq!(ended.to, Some(day(2025, 4, 10)));
}

async fn a_change_of_form_splits_the_month_and_ends_the_old_qualification(store: &Store) {
    let c = city(store).await;
    let policy = minsheng_test_support::care_policy();
    let april = on(day(2025, 4, 3));
    let first = care::qualify(
        store,
        &policy,
        &c.officer,
        &qualify(&c, Form::Institutional, 4, day(2025, 4, 1)),
        april,
    )
    .await
    .unwrap();
    // From the 16th the family cares for the person at home, under the same provider.
    let second = care::qualify(
        store,
        &policy,
        &c.officer,
        &qualify(&c, Form::Family, 4, day(2025, 4, 16)),
        april,
    )
    .await
    .unwrap();
    let old = store.care().qualification(first).await.unwrap().unwrap();
    assert_eq!(old.to, Some(day(2025, 4, 15)));
    let may = on(day(2025, 5, 6));
    // One stretch across the change is refused: each form is its own stretch.
    let across = rows(&[(&c.person, "2025-04-01", "2025-04-30")]);
    assert_eq!(
        refused(care::claim(store, &policy, &c.provider, month(2025, 4), &across, may).await),
        ["stretches[0].id_number"]
    );
    let split = rows(&[
        (&c.person, "2025-04-01", "2025-04-15"),
        (&c.person, "2025-04-16", "2025-04-30"),
    ]);
    let claimed = care::claim(store, &policy, &c.provider, month(2025, 4), &split, may)
        .await
        .unwrap();
    let care = &claimed.cares[0];
    assert_eq!(care.qualification_id, second);
    let forms: Vec<(Form, i64, Fen)> = care
        .stretches
        .iter()
        .map(|s| (s.form, s.days, s.cost))
        .collect();
    // 15 days at 54 yuan, 15 at 27; the fund 80%.
    assert_eq!(
        forms,
        [
            (Form::Institutional, 15, Fen(81_000)),
            (Form::Family, 15, Fen(40_500))
        ]
    );
    assert_eq!((care.fund, care.person), (Fen(97_200), Fen(24_300)));
    // The provider's account sees whom it cares for in April: one person, both qualifications.
    let cared = store
        .care()
        .cared_for("LTC01", month(2025, 4))
        .await
        .unwrap();
    assert_eq!(cared.len(), 2);
    assert!(cared
        .iter()
        .all(|(_, id, died)| *id == c.person.person.id_number && died.is_none()));
}

async fn the_synthetic_month_qualifies_the_severely_disabled_once(store: &Store) {
    use minsheng_core::registry::AbilityLevel;
    let people = registry(store, 2_000, 11).await;
    let medical = store.medical();
    let mut covers = Vec::new();
    for r in people.iter().filter(|r| r.facts.death_date.is_none()) {
        let person_id = medical
            .insured(&r.person.id_number)
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
        covers.push((person_id, cover, Default::default()));
    }
    medical
        .enrol(&covers, "tester", noted("enrol"))
        .await
        .unwrap();
    let severe = people
        .iter()
        .filter(|r| {
            r.facts.death_date.is_none()
                && matches!(
                    r.facts.ability,
                    Some(AbilityLevel::Severe | AbilityLevel::Complete)
                )
        })
        .count() as u64;
    assert!(
        severe > 0,
        "the synthetic city has no severely disabled resident"
    );
    let policy = minsheng_test_support::care_policy();
    let april = on(day(2025, 4, 2));
    let march = month(2025, 3);
    let first = care::synthetic::file_month(store, &policy, march, "operator", april)
        .await
        .unwrap();
    assert_eq!(first.qualified_now, severe);
    assert_eq!(first.beneficiaries, severe);
    assert!(first.fund > Fen::ZERO && first.fund < first.cost);
    // At most a whole month of care each.
    assert!(first.days <= severe as i64 * 31);
    let again = care::synthetic::file_month(store, &policy, march, "operator", april)
        .await
        .unwrap();
    assert_eq!(again.qualified_now, 0);
    assert_eq!(
        (again.beneficiaries, again.fund),
        (first.beneficiaries, first.fund)
    );
    let not_over = care::synthetic::file_month(store, &policy, month(2025, 4), "operator", april);
    assert_eq!(refused(not_over.await), ["month"]);
}
