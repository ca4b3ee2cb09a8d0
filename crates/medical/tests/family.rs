#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Family mutual aid of the employees' personal account (个人账户家庭共济) on both backends: an
//! employee binds their spouse (the registry's household says so); the spouse's stay asking to
//! use an account draws on the employee's, the explanation says so, a reversal gives it back
//! there; a binding to someone the registry does not make family, a second binding of the same
//! relative and a holder outside the employees' scheme are refused by field; an ended binding
//! draws on nothing.

use chrono::NaiveDate;
use minsheng_core::access::Account;
use minsheng_core::registry::{Registration, Relation};
use minsheng_core::Fen;
use minsheng_medical::family::{self, Kin};
use minsheng_medical::{explain, reverse, settle, Claim, MedicalStore, Posted, Scheme};
use minsheng_store::Store;
use minsheng_test_support::noted;
use serde_json::json;

mod common;
use common::{cover, day, hospital, on, refused, registry};

minsheng_test_support::on_both_backends!(an_employees_account_pays_for_the_bound_spouse,);

/// A living head of household and spouse, a third person of another household; the head an
/// employee with 2,000 yuan in the account, the others residents; a hospital.
async fn city(store: &Store) -> (Registration, Registration, Registration) {
    let people = registry(store, 400, 9).await;
    let living = |r: &&Registration| r.facts.death_date.is_none();
    let spouse = people
        .iter()
        .filter(living)
        .find(|r| {
            r.facts.relation == Relation::Spouse
                && people.iter().filter(living).any(|h| {
                    h.facts.household == r.facts.household && h.facts.relation == Relation::Head
                })
        })
        .unwrap()
        .clone();
    let head = people
        .iter()
        .find(|h| h.facts.household == spouse.facts.household && h.facts.relation == Relation::Head)
        .unwrap()
        .clone();
    let stranger = people
        .iter()
        .filter(living)
        .find(|r| r.facts.household != head.facts.household)
        .unwrap()
        .clone();
    hospital(store, &head.facts.area).await;
    let employee = cover(store, &head.person.id_number, Scheme::Employee, 2025).await;
    store
        .medical()
        .credit_accounts(&[(employee, Fen(200_000))], noted("credit"))
        .await
        .unwrap();
    cover(store, &spouse.person.id_number, Scheme::Resident, 2025).await;
    cover(store, &stranger.person.id_number, Scheme::Resident, 2025).await;
    (head, spouse, stranger)
}

async fn account(store: &Store, r: &Registration) -> Fen {
    let person_id = common::person_id(store, &r.person.id_number).await;
    store
        .medical()
        .year(person_id, 2025, Scheme::Employee)
        .await
        .unwrap()
        .1
}

async fn stay(
    store: &Store,
    number: &str,
    r: &Registration,
    date: NaiveDate,
) -> minsheng_medical::ClaimRecord {
    let claim = Claim::from_json(&json!({
        "claim_number": number, "id_number": r.person.id_number.as_str(),
        "date": date.to_string(), "visit": "inpatient", "use_account": true,
        "total": "1300", "lines": [{"item": "A01", "amount": "1000"}, {"item": "C01", "amount": "300"}]
    }))
    .unwrap();
    let policy = minsheng_test_support::medical_policy();
    match settle(store, &policy, "H3", &claim, "his", on(date).now).await {
        Ok(Posted::Settled(c)) => c,
        other => panic!("not settled: {other:?}"),
    }
}

async fn an_employees_account_pays_for_the_bound_spouse(store: &Store) {
    let (head, spouse, stranger) = city(store).await;
    let policy = minsheng_test_support::medical_policy();
    assert_eq!(account(store, &head).await, Fen(200_000));
    // Unbound, the spouse has no account to use.
    let before = stay(store, "F1", &spouse, day(2025, 3, 1)).await;
    assert_eq!(before.settlement.account, Fen::ZERO);
    assert_eq!(before.account_holder, None);

    let march = on(day(2025, 3, 2));
    let employee = Account::Resident {
        id_number: head.person.id_number.clone(),
        name: head.person.name.clone(),
    };
    let (h, s, x) = (
        &head.person.id_number,
        &spouse.person.id_number,
        &stranger.person.id_number,
    );
    assert_eq!(
        refused(family::bind(store, &employee, h, x, march).await),
        ["relative_id_number"]
    );
    assert_eq!(
        refused(family::bind(store, &employee, h, h, march).await),
        ["relative_id_number"]
    );
    // The spouse, a resident, cannot bind the employee's account to someone: it is not theirs.
    let as_spouse = Account::Resident {
        id_number: s.clone(),
        name: spouse.person.name.clone(),
    };
    assert_eq!(
        refused(family::bind(store, &as_spouse, h, s, march).await),
        ["actor"]
    );
    let office = Account::Staff(minsheng_core::access::Staff {
        name: "窗口".into(),
        role: minsheng_core::access::Role::Street,
        area: head.facts.area.clone(),
    });
    // A resident's account (the spouse's insurance) cannot be the holder.
    assert_eq!(
        refused(family::bind(store, &office, s, h, march).await),
        ["holder_id_number"]
    );
    let bound = family::bind(store, &employee, h, s, march).await.unwrap();
    assert_eq!(bound.kin, Kin::Spouse);
    assert_eq!(
        refused(family::bind(store, &office, h, s, march).await),
        ["relative_id_number"]
    );

    // The spouse's stay draws on the employee's account: 2025 rules, tier 3, the deductible of
    // 800 met by the first stay; what the person bears in policy (30% of 1,000) from the account,
    // 丙类 in cash.
    let drawn = stay(store, "F2", &spouse, day(2025, 3, 10)).await;
    let spouse_id = store.medical().insured(s).await.unwrap().unwrap().person_id;
    let head_id = store.medical().insured(h).await.unwrap().unwrap().person_id;
    assert_eq!(drawn.account_holder, Some(head_id));
    assert!(drawn.settlement.account > Fen::ZERO);
    assert_eq!(
        account(store, &head).await,
        Fen(200_000 - drawn.settlement.account.0)
    );
    assert_ne!(spouse_id, head_id);
    let why = explain(&policy, &drawn).unwrap().trees.join("\n");
    assert!(why.contains("家庭共济"), "{why}");
    reverse(
        store,
        "H3",
        "F2",
        "重复结算",
        "his",
        on(day(2025, 3, 11)).now,
    )
    .await
    .unwrap();
    assert_eq!(account(store, &head).await, Fen(200_000));

    // Ended, the binding draws on nothing from the next day.
    family::end(store, &office, bound.id, on(day(2025, 4, 1)))
        .await
        .unwrap();
    assert_eq!(
        refused(family::end(store, &office, bound.id, on(day(2025, 4, 1))).await),
        ["binding"]
    );
    let after = stay(store, "F3", &spouse, day(2025, 4, 2)).await;
    assert_eq!(after.settlement.account, Fen::ZERO);
}
