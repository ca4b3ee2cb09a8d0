#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Settling claims over a real registry, on both backends: the deductible borne in March
//! lowers April's self-pay; the same claim posted again answers the first settlement and moves
//! nothing; a claim that names something wrong is refused with its field, nothing changed; a
//! reversal takes the amounts back out of the year; an explanation shows every parameter with
//! its value and date.

use chrono::NaiveDate;
use minsheng_core::{Fen, IdNumber};
use minsheng_medical::{
    explain, reverse, settle, Claim, ClaimError, Class, Cover, Hospital, Item, Level, MedicalStore,
    Posted, Scheme, Tier,
};
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};
use serde_json::json;

minsheng_test_support::on_both_backends!(
    claims_settle_in_order_once_each,
    a_synthetic_month_settles_once_and_each_year_adds_up,
);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn claim(number: &str, id: &IdNumber, date: &str, lines: serde_json::Value) -> Claim {
    let total: i64 = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| Fen::parse_yuan(l["amount"].as_str().unwrap()).unwrap().0)
        .sum();
    Claim::from_json(&json!({
        "claim_number": number, "id_number": id.as_str(), "date": date, "visit": "inpatient",
        "total": Fen(total).to_string().replace(['元', ','], "").trim().to_string(), "lines": lines
    }))
    .unwrap()
}

fn fields(r: Result<Posted, ClaimError>) -> Vec<String> {
    match r {
        Err(ClaimError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
        Err(ClaimError::Conflict { field, .. }) => vec![format!("conflict {field}")],
        other => panic!("not refused by field: {other:?}"),
    }
}

async fn claims_settle_in_order_once_each(store: &Store) {
    let (generator, people) = synthetic_city(300, 5);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::medical_policy();
    let person = people
        .iter()
        .find(|r| r.facts.death_date.is_none())
        .unwrap();
    let id = person.person.id_number.clone();
    let area = person.facts.area.clone();
    let medical = store.medical();
    medical
        .add_hospitals(
            &[Hospital {
                code: "H3".into(),
                name: "市立医院".into(),
                level: Level::Tier3,
                area: area.clone(),
            }],
            "tester",
            noted("hospitals"),
        )
        .await
        .unwrap();
    let items = [("A01", Class::A), ("B01", Class::B), ("C01", Class::C)];
    medical
        .add_items(
            &items
                .iter()
                .map(|(code, class)| Item {
                    code: code.to_string(),
                    name: format!("项目{code}"),
                    class: *class,
                })
                .collect::<Vec<_>>(),
            "tester",
            noted("items"),
        )
        .await
        .unwrap();
    let insured = medical.insured(&id).await.unwrap().unwrap();
    let cover = Cover {
        scheme: Scheme::Employee,
        tier: Tier::Employee,
        retired: false,
        two_diseases: false,
        from: day(2025, 1, 1),
        to: day(2025, 12, 31),
    };
    medical
        .enrol(
            &[(insured.person_id, cover.clone(), Default::default())],
            "tester",
            noted("enrol"),
        )
        .await
        .unwrap();
    // A second contribution for the same year is refused.
    let again = medical
        .enrol(
            &[(insured.person_id, cover, Default::default())],
            "tester",
            noted("enrol"),
        )
        .await;
    assert!(
        matches!(again, Err(minsheng_store::StoreError::Conflict { ref field, .. }) if field == "year"),
        "{again:?}"
    );

    let at = instant(60 * 60 * 24 * 800); // early 2026
    let march = claim(
        "Z-001",
        &id,
        "2025-03-10",
        json!([{"item": "A01", "amount": "10000"}]),
    );
    let first = settle(store, &policy, "H3", &march, "his-h3", at)
        .await
        .unwrap();
    let Posted::Settled(first) = first else {
        panic!("not settled")
    };
    assert_eq!(first.settlement.fund, Fen(809_600));
    assert_eq!(first.settlement.person, Fen(190_400));
    assert_eq!(first.settlement.deductible_applied, Fen(80_000));

    // April: the deductible was borne in March.
    let april = claim(
        "Z-002",
        &id,
        "2025-04-02",
        json!([{"item": "A01", "amount": "10000"}]),
    );
    let Posted::Settled(second) = settle(store, &policy, "H3", &april, "his-h3", at)
        .await
        .unwrap()
    else {
        panic!("not settled")
    };
    assert_eq!(second.settlement.deductible_applied, Fen(0));
    assert_eq!(second.settlement.fund, Fen(880_000));
    assert_eq!(second.settlement.person, Fen(120_000));
    assert_eq!(
        second
            .before
            .deductible_of(minsheng_medical::Visit::Inpatient),
        Fen(80_000)
    );

    // Posted again: the first answer, nothing moved.
    let (year_before, _) = medical
        .year(insured.person_id, 2025, Scheme::Employee)
        .await
        .unwrap();
    let retry = settle(store, &policy, "H3", &april, "his-h3", at)
        .await
        .unwrap();
    assert_eq!(retry, Posted::Again(second.clone()));
    assert_eq!(
        medical
            .year(insured.person_id, 2025, Scheme::Employee)
            .await
            .unwrap()
            .0,
        year_before
    );
    assert_eq!(year_before.fund, Fen(809_600 + 880_000));

    // Refused, each naming its field, nothing recorded.
    let changed = claim(
        "Z-002",
        &id,
        "2025-04-02",
        json!([{"item": "A01", "amount": "9999"}]),
    );
    assert_eq!(
        fields(settle(store, &policy, "H3", &changed, "his-h3", at).await),
        ["conflict claim_number"]
    );
    let unknown = claim(
        "Z-003",
        &id,
        "2025-05-02",
        json!([{"item": "A01", "amount": "1"}, {"item": "X99", "amount": "1"}]),
    );
    assert_eq!(
        fields(settle(store, &policy, "H3", &unknown, "his-h3", at).await),
        ["lines[1].item"]
    );
    let uncovered = claim(
        "Z-004",
        &id,
        "2024-06-01",
        json!([{"item": "A01", "amount": "1"}]),
    );
    assert_eq!(
        fields(settle(store, &policy, "H3", &uncovered, "his-h3", at).await),
        ["date"]
    );
    let later = claim(
        "Z-005",
        &id,
        "2026-12-31",
        json!([{"item": "A01", "amount": "1"}]),
    );
    assert_eq!(
        fields(settle(store, &policy, "H3", &later, "his-h3", at).await),
        ["date"]
    );
    let elsewhere = claim(
        "Z-006",
        &id,
        "2025-05-02",
        json!([{"item": "A01", "amount": "1"}]),
    );
    assert_eq!(
        fields(settle(store, &policy, "H9", &elsewhere, "his-h9", at).await),
        ["hospital"]
    );
    let stranger = IdNumber::parse("110101199003074514").unwrap();
    let nobody = claim(
        "Z-007",
        &stranger,
        "2025-05-02",
        json!([{"item": "A01", "amount": "1"}]),
    );
    assert_eq!(
        fields(settle(store, &policy, "H3", &nobody, "his-h3", at).await),
        ["id_number"]
    );
    assert_eq!(
        medical
            .year(insured.person_id, 2025, Scheme::Employee)
            .await
            .unwrap()
            .0,
        year_before
    );
    assert_eq!(
        medical
            .claims_of(insured.person_id, 2025)
            .await
            .unwrap()
            .len(),
        2
    );

    // Reversal: the April claim's amounts leave the year; once only.
    let reversed = reverse(store, "H3", "Z-002", "重复收费", "his-h3", at)
        .await
        .unwrap();
    assert!(reversed.reversed_at.is_some());
    let (after, _) = medical
        .year(insured.person_id, 2025, Scheme::Employee)
        .await
        .unwrap();
    assert_eq!(after.fund, Fen(809_600));
    assert_eq!(
        after.deductible_of(minsheng_medical::Visit::Inpatient),
        Fen(80_000)
    );
    assert!(matches!(
        reverse(store, "H3", "Z-002", "再冲", "his-h3", at).await,
        Err(ClaimError::Conflict { .. })
    ));
    assert!(matches!(
        reverse(store, "H3", "Z-404", "无此单", "his-h3", at).await,
        Err(ClaimError::Invalid(_))
    ));
    assert!(matches!(
        reverse(store, "H3", "Z-001", " ", "his-h3", at).await,
        Err(ClaimError::Invalid(_))
    ));

    // A line of each class: 乙类 first self-paid, 丙类 wholly the person's.
    let mixed = claim(
        "Z-008",
        &id,
        "2025-06-01",
        json!([{"item": "A01", "amount": "1000"}, {"item": "B01", "amount": "33.33"}, {"item": "C01", "amount": "200"}]),
    );
    let Posted::Settled(mixed) = settle(store, &policy, "H3", &mixed, "his-h3", at)
        .await
        .unwrap()
    else {
        panic!("not settled")
    };
    assert_eq!(mixed.settlement.in_policy, Fen(103_000));
    assert_eq!(mixed.settlement.fund, Fen(90_640));
    assert_eq!(mixed.settlement.lines[1].first_self_paid, Fen(333));

    // The explanation: every payer, the deductible with its value, date and reference.
    let stored = medical.claim(first.id).await.unwrap().unwrap();
    assert_eq!(stored.settlement, first.settlement);
    let explained = explain(&policy, &stored).unwrap();
    assert!(explained.same_rules);
    let text = explained.trees.join("\n");
    for expected in [
        "统筹基金支付",
        "起付标准",
        "800",
        "2025-01-01",
        "个人现金支付",
        "明细1 A01 甲类",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }

    // What-if: a lower tier-3 deductible from March. March's stay bears 500 instead of 800;
    // June's, replayed on the reformed year, bears none either way.
    let reform = policy
        .with_changes(
            &["medical.deductible.inpatient.tier_3=500".to_string()],
            day(2025, 3, 1),
        )
        .unwrap();
    let replay = |from: NaiveDate, to: NaiveDate| {
        let medical = store.medical();
        let (policy, reform) = (&policy, &reform);
        async move {
            let claims = medical.claims_for_replay(from, to).await.unwrap();
            minsheng_medical::whatif::compare(policy, reform, &claims, from, to).unwrap()
        }
    };
    let march = replay(day(2025, 3, 1), day(2025, 3, 31)).await;
    let district = area.as_str()[..6].to_string();
    let row = &march[&(district.clone(), minsheng_medical::Visit::Inpatient)];
    assert_eq!(
        (row.claims, row.funds_before, row.funds_after),
        (1, Fen(809_600), Fen(836_000))
    );
    assert_eq!((row.pay_more, row.pay_less), (0, 1));
    let june = replay(day(2025, 6, 1), day(2025, 6, 30)).await;
    let row = &june[&(district, minsheng_medical::Visit::Inpatient)];
    assert_eq!(
        (row.funds_before, row.funds_after),
        (Fen(90_640), Fen(90_640))
    );
    assert_eq!((row.pay_more, row.pay_less), (0, 0));

    // Claims of one person posted at once draw the personal account one after another: 100
    // yuan in it, four outpatient visits each leaving the person more than that, all settle,
    // and together they draw exactly what was there.
    medical
        .credit_accounts(&[(insured.person_id, Fen(10_000))], noted("credit"))
        .await
        .unwrap();
    let visits: Vec<Claim> = (0..4)
        .map(|k| {
            let mut c = claim(
                &format!("Z-10{k}"),
                &id,
                "2025-07-01",
                json!([{"item": "A01", "amount": "150"}]),
            );
            c.visit = minsheng_medical::Visit::GeneralOutpatient;
            c.use_account = true;
            c
        })
        .collect();
    let posted = futures::future::join_all(
        visits
            .iter()
            .map(|c| settle(store, &policy, "H3", c, "his-h3", at)),
    )
    .await;
    let drawn: i64 = posted
        .into_iter()
        .map(|p| match p {
            Ok(Posted::Settled(r)) => r.settlement.account.0,
            other => panic!("not settled: {other:?}"),
        })
        .sum();
    assert_eq!(drawn, 10_000);
    assert_eq!(
        medical
            .year(insured.person_id, 2025, Scheme::Employee)
            .await
            .unwrap()
            .1,
        Fen(0)
    );

    // Claims posted at the same moment are settled together, each as if alone and in the
    // order posted: a refused claim leaves nothing behind and the others stand; the same claim
    // twice in one group answers the first; the person's second claim starts from the year the
    // first left.
    let outpatient = |number: &str, item: &str, amount: &str| {
        let mut c = claim(
            number,
            &id,
            "2025-07-02",
            json!([{"item": item, "amount": amount}]),
        );
        c.visit = minsheng_medical::Visit::GeneralOutpatient;
        c
    };
    let request = |claim: Claim| minsheng_medical::Request {
        hospital: "H3".into(),
        claim,
        actor: "his-h3".into(),
        at,
    };
    let claims_before = medical
        .claims_of(insured.person_id, 2025)
        .await
        .unwrap()
        .len();
    let together = minsheng_medical::settle_together(
        store,
        &std::sync::Arc::new(policy.clone()),
        vec![
            request(outpatient("Z-200", "A01", "300")),
            request(outpatient("Z-201", "X99", "300")),
            request(outpatient("Z-200", "A01", "300")),
            request(outpatient("Z-200", "A01", "301")),
            request(outpatient("Z-202", "A01", "500")),
        ],
    )
    .await;
    let [first, unknown, again, changed, second]: [Result<Posted, ClaimError>; 5] =
        together.try_into().unwrap();
    let Ok(Posted::Settled(first)) = first else {
        panic!("not settled: {first:?}")
    };
    assert_eq!(fields(unknown), ["lines[0].item"]);
    assert!(
        matches!(again, Ok(Posted::Again(ref r)) if r.id == first.id && r.settlement == first.settlement),
        "{again:?}"
    );
    assert_eq!(fields(changed), ["conflict claim_number"]);
    let Ok(Posted::Settled(second)) = second else {
        panic!("not settled: {second:?}")
    };
    assert_eq!(
        Some(second.before),
        first.before.apply(first.visit, &first.settlement, 1)
    );
    let stored = medical.claims_of(insured.person_id, 2025).await.unwrap();
    assert_eq!(stored.len(), claims_before + 2);
    assert!(stored.iter().all(|c| c.number != "Z-201"));
    assert_eq!(
        medical
            .year(insured.person_id, 2025, Scheme::Employee)
            .await
            .unwrap()
            .0,
        second
            .before
            .apply(second.visit, &second.settlement, 1)
            .unwrap()
    );

    // Every settlement and reversal is in the audit log.
    let of = |number: &'static str| async move {
        let entries = store
            .audit_entries(&format!("claim H3/{number}"))
            .await
            .unwrap();
        entries.into_iter().map(|e| e.action).collect::<Vec<_>>()
    };
    assert_eq!(of("Z-001").await, ["medical.settle"]);
    assert_eq!(of("Z-002").await, ["medical.settle", "medical.reverse"]);
    assert!(of("Z-003").await.is_empty());
    assert_eq!(of("Z-200").await, ["medical.settle"]);
    assert_eq!(of("Z-202").await, ["medical.settle"]);
    assert!(of("Z-201").await.is_empty());
}

async fn a_synthetic_month_settles_once_and_each_year_adds_up(store: &Store) {
    let (generator, people) = synthetic_city(400, 11);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::medical_policy();
    let at = instant(60 * 60 * 24 * 800); // early 2026
    let filed = minsheng_medical::enrolment::file_synthetic(store, &policy, 2025, "tester", at)
        .await
        .unwrap();
    // About 91% of residents are insured here (the rest where their hukou is).
    assert!((340..=385).contains(&filed.covered), "{filed:?}");
    let april = minsheng_core::Month::new(2025, 4).unwrap();
    let first = minsheng_medical::synthetic::post_month(store, &policy, 7, april, "tester", at)
        .await
        .unwrap();
    // About one settlement per insured person a month.
    assert!((300..=520).contains(&first.claims), "{first:?}");
    let again = minsheng_medical::synthetic::post_month(store, &policy, 7, april, "tester", at)
        .await
        .unwrap();
    assert_eq!(again.claims, 0);
    // Each person's year is the sum of their claims.
    let claims = store
        .medical()
        .claims_for_replay(day(2025, 4, 1), day(2025, 4, 30))
        .await
        .unwrap();
    assert_eq!(claims.len() as u64, first.claims);
    let mut by_person: std::collections::BTreeMap<(i64, Scheme), (Fen, Fen)> = Default::default();
    for c in &claims {
        let e = by_person.entry((c.person_id, c.cover.scheme)).or_default();
        let pooled = if c.visit == minsheng_medical::Visit::GeneralOutpatient {
            &mut e.1
        } else {
            &mut e.0
        };
        *pooled = Fen(pooled.0 + c.settlement.fund.0);
    }
    for ((person, scheme), (fund, outpatient)) in by_person {
        let (year, _) = store.medical().year(person, 2025, scheme).await.unwrap();
        assert_eq!(
            (year.fund, year.outpatient_fund),
            (fund, outpatient),
            "person {person}"
        );
    }
    // The catalog against itself changes nothing.
    let table = minsheng_medical::whatif::compare(
        &policy,
        &policy,
        &claims,
        day(2025, 4, 1),
        day(2025, 4, 30),
    )
    .unwrap();
    let stored: i64 = claims
        .iter()
        .map(|c| c.settlement.fund.0 + c.settlement.supplement.0)
        .sum();
    assert_eq!(
        table.values().map(|r| r.funds_before.0).sum::<i64>(),
        stored
    );
    assert!(table
        .values()
        .all(|r| r.funds_before == r.funds_after && r.pay_more + r.pay_less == 0));
}
