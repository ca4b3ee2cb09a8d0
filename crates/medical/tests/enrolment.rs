#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Everyone insured, on both backends: each resident's cover with its contribution from the
//! catalog's 2025 figures (fiscal subsidy 880 / 800 yuan); 特困 and 低保 recipients and
//! severely disabled residents subsidised without application; a resident insured last year and
//! not this year found as a lapse and reminded once, however often it is run; a newborn covered
//! from the day of birth; coverage by district.

use chrono::{Datelike, NaiveDate};
use minsheng_core::registry::Employment;
use minsheng_core::Fen;
use minsheng_medical::enrolment::{self, Assisted, Contribution, Paying, Terms, Waiting};
use minsheng_medical::{Cover, MedicalStore as _, Scheme, Tier};
use minsheng_notify::OutboxStore as _;
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(
    lapses_are_found_and_reminded_once,
    newborns_are_covered_from_birth,
    a_resident_pays_for_a_year_and_waits_when_late,
);

fn cover(scheme: Scheme, tier: Tier, retired: bool) -> Cover {
    Cover {
        scheme,
        tier,
        retired,
        two_diseases: false,
        from: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
        to: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
    }
}

#[test]
fn contributions_follow_the_2025_figures() {
    let terms = Terms::of(&minsheng_test_support::medical_policy(), 2025).unwrap();
    let resident = |tier, assisted| {
        terms.contribution(&cover(Scheme::Resident, tier, false), Fen(0), assisted)
    };
    // 成年居民一档财政补助880元, 二档、少年儿童和大学生800元.
    assert_eq!(resident(Tier::Adult1, None).fiscal_subsidy, Fen(88_000));
    for tier in [Tier::Adult2, Tier::Child, Tier::Student] {
        assert_eq!(resident(tier, None).fiscal_subsidy, Fen(80_000), "{tier:?}");
    }
    assert_eq!(resident(Tier::Adult2, None).personal, Fen(40_000));
    // 特困: the whole personal share paid by the assistance fund; 低保 70% of it.
    let tekun = resident(Tier::Adult2, Some(Assisted::Tekun));
    assert_eq!(
        (tekun.personal, tekun.assistance_subsidy),
        (Fen(0), Fen(40_000))
    );
    assert_eq!(tekun.assisted_as, Some(Assisted::Tekun));
    let dibao = resident(Tier::Adult2, Some(Assisted::Dibao));
    assert_eq!(
        (dibao.personal, dibao.assistance_subsidy),
        (Fen(12_000), Fen(28_000))
    );
    // An employee pays 2% of the wage, all of it into the personal account; a retiree nothing,
    // and 80 yuan a month is credited.
    let employee = terms.contribution(
        &cover(Scheme::Employee, Tier::Employee, false),
        Fen(500_050),
        None,
    );
    assert_eq!(employee.personal, Fen(120_012));
    assert_eq!(employee.account_credit, Fen(120_012));
    let retiree = terms.contribution(&cover(Scheme::Employee, Tier::Employee, true), Fen(0), None);
    assert_eq!(
        (retiree.personal, retiree.account_credit),
        (Fen(0), Fen(96_000))
    );
    // No figures before 2025: the parameter is named.
    let missing = Terms::of(&minsheng_test_support::medical_policy(), 2024).unwrap_err();
    assert!(
        missing.reason.contains("medical.contribution"),
        "{missing:?}"
    );
}

async fn lapses_are_found_and_reminded_once(store: &Store) {
    let (generator, people) = synthetic_city(1_500, 3);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::medical_policy();
    let at = instant(60 * 60 * 24 * 800); // early 2026
    let last = enrolment::file_synthetic(store, &policy, 2025, "tester", at)
        .await
        .unwrap();
    let this = enrolment::file_synthetic(store, &policy, 2026, "tester", at)
        .await
        .unwrap();
    assert!(last.subsidised > 0, "{last:?}");
    // Filed once a year.
    assert!(
        enrolment::file_synthetic(store, &policy, 2026, "tester", at)
            .await
            .is_err()
    );

    let lapses = enrolment::lapses_of(store, 2026).await.unwrap();
    assert!(
        !lapses.is_empty() && lapses.len() < 60,
        "{} lapses",
        lapses.len()
    );
    for l in &lapses {
        assert!(store
            .medical()
            .cover(l.person_id, 2025)
            .await
            .unwrap()
            .is_some());
        assert!(store
            .medical()
            .cover(l.person_id, 2026)
            .await
            .unwrap()
            .is_none());
        assert!(matches!(l.last.tier, Tier::Adult1 | Tier::Adult2));
    }
    let first = enrolment::remind_lapses(store, &policy, 2026, "tester", at)
        .await
        .unwrap();
    assert_eq!(first, lapses.len() as u64);
    assert_eq!(
        enrolment::remind_lapses(store, &policy, 2026, "tester", at)
            .await
            .unwrap(),
        0
    );
    let inbox = store
        .outbox()
        .inbox(&lapses[0].id_number, 10)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(
        inbox[0].title.contains("2026年度基本医疗保险尚未缴费"),
        "{:?}",
        inbox[0]
    );

    // Coverage by district adds up to what was filed.
    let rows = store.medical().coverage(2026).await.unwrap();
    let covered: i64 = rows.iter().map(|(_, _, c)| c).sum();
    let residents: i64 = rows.iter().map(|(_, r, _)| r).sum();
    assert_eq!(covered as usize, this.covered);
    // 9.39M insured of about 10.3M residents (91.2%): the rest are insured where their hukou
    // is, never here, so no lapse.
    let share = covered as f64 / residents as f64;
    assert!(
        (share - 0.912).abs() <= 0.02,
        "{share:.3} of residents covered"
    );

    // Each subsidised resident's contribution names its category.
    let mut categories = std::collections::BTreeSet::new();
    for (person_id, _, _, c) in store.medical().covered_persons(2025).await.unwrap() {
        let paid: Contribution = store
            .medical()
            .covers(person_id, 2025)
            .await
            .unwrap()
            .pop()
            .map(|(_, c)| c)
            .unwrap();
        if let Some(a) = paid.assisted_as {
            assert_eq!(c.scheme, Scheme::Resident);
            assert!(paid.assistance_subsidy.0 > 0);
            categories.insert(a);
        }
    }
    assert!(!categories.is_empty());
}

async fn newborns_are_covered_from_birth(store: &Store) {
    let (generator, people) = synthetic_city(3_000, 5);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::medical_policy();
    let at = instant(60 * 60 * 24 * 800);
    let born: Vec<_> = people
        .iter()
        .filter(|r| r.birth_date.year() == 2025 && r.facts.death_date.is_none())
        .collect();
    let n = enrolment::enrol_newborns(store, &policy, 2025, "tester", at)
        .await
        .unwrap();
    assert!(n > 0 && n == born.len(), "{n} covered, {} born", born.len());
    let baby = born[0];
    let insured = store
        .medical()
        .insured(&baby.person.id_number)
        .await
        .unwrap()
        .unwrap();
    let cover = store
        .medical()
        .cover(insured.person_id, 2025)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((cover.tier, cover.from), (Tier::Child, baby.birth_date));
    let paid = store
        .medical()
        .covers(insured.person_id, 2025)
        .await
        .unwrap()
        .pop()
        .map(|(_, c)| c)
        .unwrap();
    assert_eq!(paid.fiscal_subsidy, Fen(80_000));
    // Once.
    assert_eq!(
        enrolment::enrol_newborns(store, &policy, 2025, "tester", at)
            .await
            .unwrap(),
        0
    );
}

#[test]
fn the_waiting_period_follows_the_national_rules_at_every_edge() {
    // 国办发〔2024〕38号: 3 months fixed outside the collection period or after a lapse, one
    // more a year lapsed, at most 6 in all (the placeholder cap).
    let w = Waiting::of(&minsheng_test_support::medical_policy(), 2026).unwrap();
    assert_eq!(
        (w.fixed_months, w.per_lapsed_year_months, w.most_months),
        (3, 1, 6)
    );
    let before = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let first_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    assert_eq!(
        w.months(2026, before, 0),
        0,
        "paid in the collection period"
    );
    assert_eq!(
        w.months(2026, before, 1),
        4,
        "in the period after a year lapsed"
    );
    assert_eq!(
        w.months(2026, first_day, 0),
        3,
        "the year's first day is late"
    );
    assert_eq!(w.months(2026, first_day, 2), 5);
    assert_eq!(w.months(2026, first_day, 3), 6, "at the cap");
    assert_eq!(w.months(2026, first_day, 9), 6, "beyond it");
}

async fn a_resident_pays_for_a_year_and_waits_when_late(store: &Store) {
    let (generator, people) = synthetic_city(1_500, 3);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::medical_policy();
    let at = instant(60 * 60 * 24 * 800); // 2026-01-23, China's day
    enrolment::file_synthetic(store, &policy, 2025, "tester", at)
        .await
        .unwrap();
    let medical = store.medical();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let alive = |r: &&minsheng_core::registry::Registration| r.facts.death_date.is_none();
    let adult = |r: &&minsheng_core::registry::Registration| {
        r.birth_date < day(2007, 1, 1)
            && !matches!(
                r.facts.employment,
                Employment::Employed | Employment::Retired | Employment::Student
            )
            && r.facts.disability.is_none_or(|d| d.grade() > 2)
    };
    let mut covered_adults = Vec::new();
    let mut uncovered_adults = Vec::new();
    for r in people.iter().filter(alive).filter(adult) {
        let id = medical.insured(&r.person.id_number).await.unwrap().unwrap();
        match medical.cover(id.person_id, 2025).await.unwrap() {
            Some(_) => covered_adults.push(r),
            None => uncovered_adults.push(r),
        }
    }
    let paying = |r: &minsheng_core::registry::Registration, year, tier| Paying {
        id_number: r.person.id_number.clone(),
        year,
        tier,
        until: None,
    };

    let pay = async |r: &minsheng_core::registry::Registration, year, tier| {
        enrolment::pay(store, &policy, &paying(r, year, tier), "clerk", at).await
    };

    // Covered last year, paying for this year after it began: the fixed three months.
    let first = covered_adults[0];
    let paid = pay(first, 2026, Some(Tier::Adult2)).await.unwrap();
    assert_eq!(paid.waiting_months, 3);
    assert_eq!(
        (paid.cover.tier, paid.cover.from, paid.cover.to),
        (Tier::Adult2, day(2026, 4, 23), day(2026, 12, 31))
    );
    assert_eq!(
        (paid.contribution.personal, paid.contribution.fiscal_subsidy),
        (Fen(40_000), Fen(80_000))
    );
    let stored = medical.cover(paid.person_id, 2026).await.unwrap().unwrap();
    assert_eq!(stored, paid.cover);
    // A second payment for the year: refused, naming the year, nothing changed.
    let again = pay(first, 2026, Some(Tier::Adult1)).await.unwrap_err();
    assert!(again.to_string().contains("year"), "{again}");
    assert_eq!(
        medical.cover(paid.person_id, 2026).await.unwrap().unwrap(),
        stored
    );

    // Paying for next year before it begins, after this year lapsed: 3 + 1 months from its start.
    let second = covered_adults[1];
    let next = pay(second, 2027, Some(Tier::Adult1)).await.unwrap();
    assert_eq!((next.waiting_months, next.cover.from), (4, day(2027, 5, 1)));
    assert_eq!(next.contribution.fiscal_subsidy, Fen(88_000));

    // Never covered here: the fixed months only.
    let newcomer = uncovered_adults[0];
    let paid = pay(newcomer, 2026, Some(Tier::Adult1)).await.unwrap();
    assert_eq!(paid.waiting_months, 3);

    // Refusals name their field.
    let field = |e: minsheng_medical::ClaimError| match e {
        minsheng_medical::ClaimError::Invalid(errors) => errors[0].field.clone(),
        minsheng_medical::ClaimError::Store(minsheng_store::StoreError::Conflict {
            field, ..
        }) => field,
        other => panic!("not a field refusal: {other}"),
    };
    let third = covered_adults[2];
    for (year, tier, expected) in [
        (2025, Some(Tier::Adult1), "year"),
        (2028, Some(Tier::Adult1), "year"),
        (2026, None, "tier"),
        (2026, Some(Tier::Child), "tier"),
    ] {
        let refused = pay(third, year, tier).await.unwrap_err();
        assert_eq!(field(refused), expected, "{year} {tier:?}");
    }
    let employee = people
        .iter()
        .filter(alive)
        .find(|r| r.birth_date < day(1990, 1, 1) && r.facts.employment == Employment::Employed)
        .unwrap();
    let refused = pay(employee, 2026, None).await.unwrap_err();
    assert_eq!(field(refused), "id_number");
    // A household enrolled in 低保 this month: the assistance fund pays its members' share.
    {
        use minsheng_payments::PaymentsStore as _;
        let recipient = uncovered_adults[1];
        store
            .payments()
            .enrol(
                &recipient.facts.household,
                "dibao",
                minsheng_core::Month::new(2026, 1).unwrap(),
                "test",
                "tester",
                instant(60 * 60 * 24 * 790),
                &noted("enrol"),
            )
            .await
            .unwrap();
        let refused = pay(recipient, 2026, Some(Tier::Adult2)).await.unwrap_err();
        assert!(refused.to_string().contains("低保对象"), "{refused}");
        assert_eq!(field(refused), "id_number");
    }
    let mut stranger = paying(first, 2026, Some(Tier::Adult1));
    stranger.id_number = minsheng_core::IdNumber::from_parts(110101, day(1990, 3, 7), 999).unwrap();
    assert!(medical
        .insured(&stranger.id_number)
        .await
        .unwrap()
        .is_none());
    let refused = enrolment::pay(store, &policy, &stranger, "clerk", at)
        .await
        .unwrap_err();
    assert_eq!(field(refused), "id_number");
    assert!(medical
        .cover(
            medical
                .insured(&third.person.id_number)
                .await
                .unwrap()
                .unwrap()
                .person_id,
            2026
        )
        .await
        .unwrap()
        .is_none());
    // A university student pays once for the course, 2026 to 2029: each year by its terms (400
    // yuan, 800 of subsidy); the first waits (paid after the year began), the later ones do not.
    let mut student = None;
    for r in people
        .iter()
        .filter(alive)
        .filter(|r| r.facts.employment == Employment::Student && r.birth_date < day(2008, 1, 1))
    {
        let id = medical.insured(&r.person.id_number).await.unwrap().unwrap();
        let paid_2025 = medical
            .covers(id.person_id, 2025)
            .await
            .unwrap()
            .pop()
            .map(|(_, c)| c);
        if paid_2025.is_some_and(|c| c.assisted_as.is_none()) {
            student = Some(r);
            break;
        }
    }
    let student = student.expect("a student paying their own contribution");
    let course = |until| Paying {
        until: Some(until),
        ..paying(student, 2026, None)
    };
    let paid = enrolment::pay(store, &policy, &course(2029), "clerk", at)
        .await
        .unwrap();
    assert_eq!(
        (paid.cover.tier, paid.waiting_months, paid.cover.from),
        (Tier::Student, 3, day(2026, 4, 23))
    );
    assert_eq!(paid.later_years.len(), 3);
    for (year, (c, money)) in (2027..).zip(&paid.later_years) {
        assert_eq!(
            (c.tier, c.from, c.to),
            (Tier::Student, day(year, 1, 1), day(year, 12, 31))
        );
        assert_eq!(
            (money.personal, money.fiscal_subsidy),
            (Fen(40_000), Fen(80_000))
        );
        assert_eq!(
            medical.cover(paid.person_id, year).await.unwrap().as_ref(),
            Some(c)
        );
    }
    // Refused, naming the field: a year of the course paid again, a course of nine years, a
    // course for an adult who is not a student.
    let again = enrolment::pay(store, &policy, &paying(student, 2027, None), "clerk", at)
        .await
        .unwrap_err();
    assert_eq!(field(again), "year");
    let nine = Paying {
        year: 2027,
        ..course(2035)
    };
    let refused = enrolment::pay(store, &policy, &nine, "clerk", at)
        .await
        .unwrap_err();
    assert_eq!(field(refused), "until");
    let adult_course = Paying {
        until: Some(2027),
        ..paying(third, 2026, Some(Tier::Adult1))
    };
    let refused = enrolment::pay(store, &policy, &adult_course, "clerk", at)
        .await
        .unwrap_err();
    assert_eq!(field(refused), "until");
    assert!(medical.cover(paid.person_id, 2030).await.unwrap().is_none());

    let audit = store.audit_entries("medical 2026").await.unwrap();
    assert!(audit.iter().any(|e| e.action == "medical.pay"), "{audit:?}");
}
