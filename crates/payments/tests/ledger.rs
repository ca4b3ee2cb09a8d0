#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! The ledger on both backends: enrolments, a cycle's entitlements, batches and the bank's
//! answers — each entitlement sent once, a returned payment sent again.

use minsheng_core::registry::IncomeKind;
use minsheng_core::Fen;
use minsheng_payments::PaymentsStore as _;
use minsheng_store::{Store, StoreError};
use minsheng_test_support::{allow, instant as t, load, noted, refuse, synthetic_city as city};

minsheng_test_support::on_both_backends!(
    a_payment_cycle_sends_each_entitlement_once_and_requeues_returns,
);

async fn a_payment_cycle_sends_each_entitlement_once_and_requeues_returns(store: &Store) {
    use minsheng_core::Month;
    use minsheng_payments::{BankAnswer, Entitlement, Outcome, PayCycle, PaymentRef};
    let (generator, people) = city(300, 5);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, t(0)).await;
    let mut codes: Vec<&str> = people.iter().map(|p| p.facts.household.as_str()).collect();
    codes.dedup();
    let (h1, h2, h3) = (codes[0], codes[1], codes[2]);
    let june = Month::new(2025, 6).unwrap();
    let invalid_field = |e: StoreError| match e {
        StoreError::Invalid { field, .. } | StoreError::Conflict { field, .. } => field,
        other => panic!("expected a refusal, got {other}"),
    };

    // Enrolments: one open enrolment per household and program.
    store
        .payments()
        .enrol(
            h1,
            "dibao",
            june,
            "区民政局决定 2025-17",
            "caseworker",
            t(10),
            &noted("enrol"),
        )
        .await
        .unwrap();
    let again = store
        .payments()
        .enrol(
            h1,
            "dibao",
            june,
            "again",
            "caseworker",
            t(10),
            &noted("enrol"),
        )
        .await;
    assert_eq!(invalid_field(again.unwrap_err()), "program");
    let nobody = store
        .payments()
        .enrol(
            "no-such-household",
            "dibao",
            june,
            "x",
            "caseworker",
            t(10),
            &noted("enrol"),
        )
        .await;
    assert_eq!(invalid_field(nobody.unwrap_err()), "household");
    let units = [
        (h1, "dibao"),
        (h2, "dibao"),
        (h2, "disability_care"),
        (h3, "dibao"),
        (h3, "dibao"),
    ];
    let n = store
        .payments()
        .enrol_households(&units, june, "caseload", "operator", t(20), |_| {
            noted("enrol_caseload")
        })
        .await
        .unwrap();
    assert_eq!(n, 3, "h1 already receives dibao; h3 is listed twice");
    assert_eq!(store.payments().enrolments(h2).await.unwrap().len(), 2);
    let enrolled = store.payments().enrolled(june, t(20)).await.unwrap();
    assert_eq!(enrolled["dibao"].len(), 3);
    assert_eq!(enrolled["disability_care"].len(), 1);
    assert!(
        store.payments().enrolled(june, t(15)).await.unwrap()["dibao"].len() == 1,
        "as known before the caseload"
    );
    assert!(store
        .payments()
        .enrolled(Month::new(2025, 5).unwrap(), t(20))
        .await
        .unwrap()
        .is_empty());

    // The frozen registry: only enrolled households, as known at the freeze.
    let head = people.iter().find(|p| p.facts.household == h1).unwrap();
    store
        .amend_person(
            &head.person.id_number,
            june.first_day(),
            |f| f.income.set(IncomeKind::Wage, Fen(987_600)),
            "caseworker",
            t(30),
            &[],
        )
        .await
        .unwrap();
    let frozen = |at| async move {
        let mut members = Vec::new();
        store
            .payments()
            .frozen_members(june, at, |m| members.push(m))
            .await
            .unwrap();
        members
    };
    let before = frozen(t(25)).await;
    let mut households: Vec<&str> = before
        .iter()
        .map(|m| m.registration.facts.household.as_str())
        .collect();
    households.sort();
    households.dedup();
    assert_eq!(households, {
        let mut h = vec![h1, h2, h3];
        h.sort();
        h
    });
    let wage = |members: &[minsheng_store::ScannedPerson]| {
        members
            .iter()
            .find(|m| m.registration.person.id_number == head.person.id_number)
            .unwrap()
            .registration
            .facts
            .income
            .get(IncomeKind::Wage)
    };
    assert_eq!(
        wage(&before),
        head.facts.income.get(IncomeKind::Wage),
        "the change came after the freeze"
    );
    assert_eq!(wage(&frozen(t(40)).await), Fen(987_600));

    // Compute (here: fixed amounts), approve, disburse.
    let mut entitlements = Vec::new();
    for (program, units) in &enrolled {
        for unit in units {
            let payee = before
                .iter()
                .find(|m| m.household_id == unit.household_id)
                .unwrap();
            entitlements.push(Entitlement {
                program: program.clone(),
                enrolment_id: unit.enrolment_id,
                household_id: unit.household_id,
                household_code: payee.registration.facts.household.clone(),
                person_id: payee.person_id,
                payee: payee.registration.person.clone(),
                area: payee.registration.facts.area.as_str().to_string(),
                amount: Fen(10_000 * (entitlements.len() as i64 + 1)),
            });
        }
    }
    let total = Fen::total(entitlements.iter().map(|e| e.amount)).unwrap();
    let cycle = PayCycle {
        month: june,
        frozen_at: t(25),
        policy_digest: "d".repeat(64),
        computed_by: "caseworker".into(),
        approved: None,
    };
    // Enrolments that appeared between the cycle's read and its storing: refused, not missed.
    let in_force: u64 = enrolled.values().map(|units| units.len() as u64).sum();
    let stale = store
        .payments()
        .store_pay_cycle(
            &cycle,
            &entitlements,
            false,
            Some(in_force - 1),
            &noted("pay_compute"),
        )
        .await;
    assert!(
        matches!(&stale, Err(minsheng_store::StoreError::Conflict { field, .. }) if field == "enrolments"),
        "{stale:?}"
    );
    assert!(store.payments().pay_cycle(june).await.unwrap().is_none());
    assert!(store
        .payments()
        .store_pay_cycle(
            &cycle,
            &entitlements,
            false,
            Some(in_force),
            &noted("pay_compute")
        )
        .await
        .unwrap());
    assert!(
        !store
            .payments()
            .store_pay_cycle(
                &cycle,
                &entitlements[..1],
                false,
                None,
                &noted("pay_compute")
            )
            .await
            .unwrap(),
        "computed before: kept"
    );
    assert_eq!(
        store.payments().pay_cycle(june).await.unwrap().unwrap(),
        cycle
    );
    assert_eq!(
        invalid_field(
            store
                .payments()
                .disburse(june, "operator", t(50), |_, _, _| noted("pay_disburse"))
                .await
                .unwrap_err()
        ),
        "month"
    );
    assert_eq!(
        invalid_field(
            store
                .payments()
                .approve_pay_cycle(june, "caseworker", t(50), &noted("pay_approve"))
                .await
                .unwrap_err()
        ),
        "actor"
    );
    assert!(store
        .payments()
        .approve_pay_cycle(june, "approver", t(60), &noted("pay_approve"))
        .await
        .unwrap());
    assert!(!store
        .payments()
        .approve_pay_cycle(june, "approver", t(61), &noted("pay_approve"))
        .await
        .unwrap());
    assert_eq!(
        invalid_field(
            store
                .payments()
                .store_pay_cycle(&cycle, &[], true, None, &noted("pay_compute"))
                .await
                .unwrap_err()
        ),
        "month"
    );

    assert_eq!(
        store
            .payments()
            .disburse(june, "operator", t(70), |_, _, _| noted("pay_disburse"))
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        store
            .payments()
            .disburse(june, "operator", t(71), |_, _, _| noted("pay_disburse"))
            .await
            .unwrap(),
        None,
        "nothing outstanding"
    );
    assert_eq!(store.payments().last_batch(june).await.unwrap(), Some(1));
    let batch = store.payments().batch_payments(june, 1).await.unwrap();
    assert_eq!(batch.len(), entitlements.len());
    assert_eq!(Fen::total(batch.iter().map(|p| p.amount)), Ok(total));
    let status = store.payments().cycle_status(june).await.unwrap();
    assert_eq!(
        (status.sent, status.outstanding, status.net_paid),
        (4, 0, total)
    );

    // The ledger cannot be edited, even with SQL.
    let edit = match store {
        Store::Sqlite(pool, _) => sqlx::query("UPDATE ledger SET amount = 1")
            .execute(pool)
            .await
            .map(|_| ()),
        Store::Postgres(pool) => sqlx::query("DELETE FROM ledger")
            .execute(pool)
            .await
            .map(|_| ()),
    };
    assert!(edit.unwrap_err().to_string().contains("append-only"));
    // Nor can an approved cycle's entitlements, which the ledger's rows name.
    for sql in [
        "UPDATE entitlement SET amount = amount + 1",
        "DELETE FROM entitlement",
    ] {
        let edit = match store {
            Store::Sqlite(pool, _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        };
        assert!(
            edit.unwrap_err().to_string().contains("cycle is approved"),
            "{sql}"
        );
    }
    // The bank file pays whom the cycle named, as frozen.
    for (payment, entitlement) in batch.iter().zip(&entitlements) {
        assert_eq!(
            (&payment.payee, &payment.id_number, &payment.household),
            (
                &entitlement.payee.name,
                &entitlement.payee.id_number,
                &entitlement.household_code
            )
        );
    }

    // The bank answers: one confirmed, one returned; a bad file changes nothing.
    let answer = |line, payment: &minsheng_payments::Payment, outcome| BankAnswer {
        line,
        reference: payment.reference,
        outcome,
    };
    let returned = Outcome::Returned {
        reason: "账户已冻结".into(),
    };
    let answers = [
        answer(2, &batch[0], Outcome::Confirmed),
        answer(3, &batch[1], returned.clone()),
    ];
    // The answers and their audit entry commit together: when the entry cannot be written,
    // no answer is recorded (the next import below records both).
    // The payee of the returned payment is told, in the same transaction, once.
    let tell = |r: &minsheng_payments::ReturnedPayment| {
        Some(minsheng_notify::Notice {
            key: format!("payment:{}:returned", r.reference.ledger_id),
            kind: minsheng_notify::Kind::PaymentReturned,
            to: r.payee.clone().unwrap(),
            household: r.household.clone(),
            title: format!("{} returned", r.program),
            body: format!("{} {} {}", r.payee_name, r.amount, r.reason),
        })
    };
    refuse(store, "audit_refused", "INSERT", "audit_log").await;
    let refused = store
        .payments()
        .record_bank_answers(
            &answers,
            "operator",
            t(79),
            |_| noted("pay_reconcile"),
            tell,
        )
        .await;
    assert!(refused.is_err(), "{refused:?}");
    allow(store, "audit_refused", "audit_log").await;
    let payee = batch[1].id_number.clone();
    use minsheng_notify::OutboxStore as _;
    assert!(
        store.outbox().inbox(&payee, 10).await.unwrap().is_empty(),
        "no notice without its answer"
    );
    let report = store
        .payments()
        .record_bank_answers(
            &answers,
            "operator",
            t(80),
            |_| noted("pay_reconcile"),
            tell,
        )
        .await
        .unwrap();
    let told = store.outbox().inbox(&payee, 10).await.unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(
        told[0].body,
        format!("{} {} 账户已冻结", batch[1].payee, batch[1].amount)
    );
    assert_eq!(
        (report.confirmed, report.returned, report.problems.len()),
        (1, 1, 0)
    );
    let report = store
        .payments()
        .record_bank_answers(
            &answers,
            "operator",
            t(81),
            |_| noted("pay_reconcile"),
            tell,
        )
        .await
        .unwrap();
    assert_eq!(
        report.already_recorded, 2,
        "a return file imported twice changes nothing"
    );
    let unknown = BankAnswer {
        line: 3,
        reference: PaymentRef {
            month: june,
            ledger_id: 999_999,
        },
        outcome: Outcome::Confirmed,
    };
    let bad = [
        answer(2, &batch[2], Outcome::Confirmed),
        unknown,
        answer(4, &batch[0], returned),
    ];
    let report = store
        .payments()
        .record_bank_answers(
            &bad,
            "operator",
            t(82),
            |_| noted("pay_reconcile"),
            |_| None,
        )
        .await
        .unwrap();
    assert_eq!(
        report.problems.iter().map(|p| p.0).collect::<Vec<_>>(),
        [3, 4]
    );
    let status = store.payments().cycle_status(june).await.unwrap();
    assert_eq!(
        (status.confirmed, status.returned, status.outstanding),
        (1, 1, 1),
        "the bad file wrote nothing"
    );
    assert_eq!(Some(status.net_paid), total.checked_sub(batch[1].amount));

    // The returned payment goes out again, as attempt 2, in batch 2.
    assert_eq!(
        store
            .payments()
            .disburse(june, "operator", t(90), |_, _, _| noted("pay_disburse"))
            .await
            .unwrap(),
        Some(2)
    );
    let second = store.payments().batch_payments(june, 2).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(
        (second[0].attempt, second[0].amount, &second[0].household),
        (2, batch[1].amount, &batch[1].household)
    );
    let status = store.payments().cycle_status(june).await.unwrap();
    assert_eq!(
        (status.outstanding, status.net_paid, status.batches),
        (0, total, 2)
    );
    let totals = store
        .payments()
        .paid_totals(june, june, &minsheng_core::access::Scope::Everything)
        .await
        .unwrap();
    assert_eq!(Fen::total(totals.iter().map(|t| t.net)), Ok(total));
    assert_eq!(totals.iter().map(|t| t.payees).sum::<u64>(), 4);
}
