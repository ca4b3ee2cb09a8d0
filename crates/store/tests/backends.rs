#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! One suite, two backends: every case runs against SQLite (a fresh file) and PostgreSQL (a
//! fresh schema in the database named by MINSHENG_TEST_POSTGRES, default
//! postgres://postgres@127.0.0.1:5432/test). PostgreSQL being down fails the suite: these
//! tests exist to prove both backends work.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minsheng_core::registry::{
    ExpenseKind, IncomeKind, ParentSituation, Registration, Relation, SelfCareItem,
};
use minsheng_core::Fen;
use minsheng_store::{NewAuditEntry, Store, StoreError};
use minsheng_synth::{reference_date, Generator, GeneratorConfig};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

struct TestDb {
    store: Store,
    _dir: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl TestDb {
    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("t.db").to_str().unwrap())
            .await
            .unwrap();
        TestDb {
            store,
            _dir: Some(dir),
            schema: None,
        }
    }

    async fn postgres() -> TestDb {
        let url =
            std::env::var("MINSHENG_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
        let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
        let store = Store::open_postgres(&url, Some(&schema))
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url} is needed for these tests ({e}); set MINSHENG_TEST_POSTGRES"));
        TestDb {
            store,
            _dir: None,
            schema: Some(schema),
        }
    }

    async fn cleanup(self) {
        self.store.close().await;
        if let Some(schema) = &self.schema {
            let url =
                std::env::var("MINSHENG_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
            Store::drop_postgres_schema(&url, schema).await.unwrap();
        }
    }
}

macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let db = super::TestDb::sqlite().await;
                super::$case(&db.store).await;
                db.cleanup().await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let db = super::TestDb::postgres().await;
                super::$case(&db.store).await;
                db.cleanup().await;
            })*
        }
    };
}

on_both_backends!(
    loads_and_reads_back_a_city,
    export_returns_what_was_loaded,
    amendments_keep_history_in_both_times,
    an_uncommitted_or_failed_load_leaves_nothing,
    later_loads_join_existing_households,
    lookups_for_import_checks,
    audit_entries_are_kept_in_order,
    audit_chain_finds_altered_moved_and_removed_entries,
    the_holiday_calendar_is_replaced_a_year_at_a_time,
    a_payment_cycle_sends_each_entitlement_once_and_requeues_returns,
);

async fn the_holiday_calendar_is_replaced_a_year_at_a_time(store: &Store) {
    use minsheng_core::{CalendarDay, DayKind};
    let day = |date: &str, kind, occasion: &str| CalendarDay {
        date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
        kind,
        occasion: occasion.into(),
    };
    assert_eq!(store.work_calendar().await.unwrap().years().count(), 0);
    let first = vec![
        day("2024-10-01", DayKind::Holiday, "国庆节"),
        day("2024-10-12", DayKind::Workday, "国庆节"),
        day("2025-10-01", DayKind::Holiday, "国庆节"),
        day("2025-10-02", DayKind::Holiday, "国庆节"),
    ];
    assert_eq!(
        store.replace_calendar_years(&first).await.unwrap(),
        [2024, 2025]
    );
    // A corrected 2025 replaces 2025 and leaves 2024 alone.
    let corrected = vec![
        day("2025-09-28", DayKind::Workday, "国庆节、中秋节"),
        day("2025-10-01", DayKind::Holiday, "国庆节、中秋节"),
    ];
    store.replace_calendar_years(&corrected).await.unwrap();
    let calendar = store.work_calendar().await.unwrap();
    assert_eq!(calendar.years().collect::<Vec<_>>(), [2024, 2025]);
    assert_eq!(calendar.days_of(2024).count(), 2);
    let days_2025: Vec<CalendarDay> = calendar.days_of(2025).cloned().collect();
    assert_eq!(days_2025, corrected);
    let sunday = NaiveDate::from_ymd_opt(2025, 9, 28).unwrap();
    assert_eq!(calendar.is_working_day(sunday), Ok(true));
    assert_eq!(
        calendar.is_working_day(NaiveDate::from_ymd_opt(2025, 10, 2).unwrap()),
        Ok(true),
        "the corrected year no longer lists 2 October"
    );
}

/// Changes the database behind the store's back, as an intruder with SQL access would.
async fn tamper(store: &Store, sql: &str) {
    match store {
        Store::Sqlite(pool, _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .unwrap();
}

async fn audit_chain_finds_altered_moved_and_removed_entries(store: &Store) {
    let ok = store.verify_audit().await.unwrap();
    assert_eq!((ok.entries, ok.problems.len()), (0, 0));
    for i in 0..5 {
        store
            .audit("alice", "read_household", &format!("H{i}"), "", t(i))
            .await
            .unwrap();
    }
    // Concurrent writers each chain onto a different entry.
    let writers: Vec<_> = (0..12)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .audit("bob", "record_change", &format!("P{i}"), "x", t(10 + i))
                    .await
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap().unwrap();
    }
    // A group of entries in one commit (the web's reads) chains like single appends.
    let group: Vec<minsheng_store::NewAuditEntry> = (0..3)
        .map(|i| minsheng_store::NewAuditEntry {
            actor: "carol".into(),
            action: "explain_household".into(),
            subject: format!("G{i}"),
            detail: String::new(),
            at: t(30 + i),
        })
        .collect();
    store.audit_many(&group).await.unwrap();
    let recent = store.recent_audit_entries("G2", 5).await.unwrap();
    assert_eq!((recent.len(), recent[0].actor.as_str()), (1, "carol"));
    let ok = store.verify_audit().await.unwrap();
    assert_eq!(ok.entries, 20);
    assert!(ok.problems.is_empty(), "{:?}", ok.problems);
    assert_eq!(ok.head.len(), 64);

    let problems = |check: minsheng_store::AuditCheck| -> Vec<(i64, String)> {
        check
            .problems
            .into_iter()
            .map(|p| (p.id, p.reason.split(':').next().unwrap_or("").to_string()))
            .collect()
    };

    tamper(
        store,
        "UPDATE audit_log SET detail = 'on=2099-01-01' WHERE id = 3",
    )
    .await;
    let found = problems(store.verify_audit().await.unwrap());
    assert_eq!(found, [(3, "its fields do not match its hash".to_string())]);
    tamper(store, "UPDATE audit_log SET detail = '' WHERE id = 3").await;
    assert!(store.verify_audit().await.unwrap().problems.is_empty());

    // Two entries swapped.
    tamper(store, "UPDATE audit_log SET id = -1 WHERE id = 1").await;
    tamper(store, "UPDATE audit_log SET id = 1 WHERE id = 2").await;
    tamper(store, "UPDATE audit_log SET id = 2 WHERE id = -1").await;
    let found: Vec<i64> = problems(store.verify_audit().await.unwrap())
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(found.contains(&1) && found.contains(&2), "{found:?}");
    tamper(store, "UPDATE audit_log SET id = -1 WHERE id = 2").await;
    tamper(store, "UPDATE audit_log SET id = 2 WHERE id = 1").await;
    tamper(store, "UPDATE audit_log SET id = 1 WHERE id = -1").await;
    assert!(store.verify_audit().await.unwrap().problems.is_empty());

    // One removed.
    tamper(store, "DELETE FROM audit_log WHERE id = 4").await;
    let found = problems(store.verify_audit().await.unwrap());
    assert_eq!(
        found,
        [(5, "does not follow the entry before it".to_string())]
    );
}

/// The audit entry a write records, as the use cases make it.
fn noted(action: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: "tester".into(),
        action: action.into(),
        subject: "test".into(),
        detail: String::new(),
        at: t(0),
    }
}

fn t(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
}

fn city(people: u64, seed: u64) -> (Generator, Vec<Registration>) {
    let generator = Generator::new(GeneratorConfig::new(people, seed));
    let people: Vec<Registration> = Generator::new(GeneratorConfig::new(people, seed))
        .flatten()
        .collect();
    (generator, people)
}

async fn load(store: &Store, people: &[Registration], at: DateTime<Utc>) {
    let mut loader = store.begin_load("test", at).await.unwrap();
    for chunk in people.chunks(700) {
        loader.add(chunk).await.unwrap();
    }
    loader.commit().await.unwrap();
}

async fn loads_and_reads_back_a_city(store: &Store) {
    let (generator, people) = city(2_000, 1);
    store.insert_areas(generator.areas()).await.unwrap();
    load(store, &people, t(0)).await;
    let counts = store.counts().await.unwrap();
    let households: std::collections::HashSet<&str> =
        people.iter().map(|p| p.facts.household.as_str()).collect();
    assert_eq!(counts.persons, 2_000);
    assert_eq!(counts.versions, 2_000);
    assert_eq!(counts.households, households.len() as i64);
    assert_eq!(counts.areas, generator.areas().len() as i64);

    // A household read by code and by a member's ID number is the same file, and shows
    // exactly the generated members with their facts.
    let head = &people[0];
    let by_code = store.household_file(&head.facts.household).await.unwrap();
    let by_id = store
        .household_file(head.person.id_number.as_str())
        .await
        .unwrap();
    assert_eq!(by_code, by_id);
    let members = by_code.as_of(reference_date(), t(1));
    let expected: Vec<&Registration> = people
        .iter()
        .filter(|p| p.facts.household == head.facts.household)
        .collect();
    assert_eq!(members.len(), expected.len());
    for e in expected {
        let (_, facts) = members
            .iter()
            .find(|(p, _)| p.id_number == e.person.id_number)
            .unwrap();
        assert_eq!(**facts, e.facts);
    }
    assert!(matches!(
        store.household_file("no-such-household").await,
        Err(StoreError::NotFound(_))
    ));
}

async fn export_returns_what_was_loaded(store: &Store) {
    let (generator, mut people) = city(1_500, 2);
    // Every fact with a value other than its default, on one person.
    let f = &mut people[0].facts;
    f.self_care_lost = [SelfCareItem::Bathing, SelfCareItem::Eating]
        .into_iter()
        .collect();
    f.father = ParentSituation::Imprisoned;
    f.mother = ParentSituation::Deceased;
    f.institutional_care = true;
    f.expenses.set(ExpenseKind::Medical, Fen(1_234_567));
    f.expenses.set(ExpenseKind::Education, Fen(89));
    f.expenses.set(ExpenseKind::Rehabilitation, Fen(100));
    store.insert_areas(generator.areas()).await.unwrap();
    load(store, &people, t(0)).await;
    let mut exported = Vec::new();
    let n = store
        .export(reference_date(), |r| {
            exported.push(r);
            Ok::<(), StoreError>(())
        })
        .await
        .unwrap();
    assert_eq!(n, 1_500);
    // Those born after the reference date are not there yet on it; everyone else is.
    people.retain(|p| p.effective_from <= reference_date());
    let key = |r: &Registration| r.person.id_number.as_str().to_string();
    people.sort_by_key(key);
    exported.sort_by_key(key);
    assert_eq!(exported, people);
}

async fn amendments_keep_history_in_both_times(store: &Store) {
    let (generator, people) = city(300, 3);
    store.insert_areas(generator.areas()).await.unwrap();
    load(store, &people, t(0)).await;
    let person = people
        .iter()
        .find(|p| p.facts.relation == Relation::Head)
        .unwrap();
    let id = &person.person.id_number;
    let old_wage = person.facts.income.get(IncomeKind::Wage);
    let raise_from = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();

    let superseded = store
        .amend_person(
            id,
            raise_from,
            |f| f.income.set(IncomeKind::Wage, Fen(350_000)),
            "caseworker",
            t(100),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(superseded, 1);
    // Recording the same fact again changes nothing.
    let again = store
        .amend_person(
            id,
            raise_from,
            |f| f.income.set(IncomeKind::Wage, Fen(350_000)),
            "caseworker",
            t(200),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(again, 0);

    let file = store.household_file(id.as_str()).await.unwrap();
    let wage = |on: NaiveDate, known: DateTime<Utc>| {
        file.as_of(on, known)
            .iter()
            .find(|(p, _)| &p.id_number == id)
            .map(|(_, f)| f.income.get(IncomeKind::Wage))
            .unwrap()
    };
    let before = raise_from - Duration::days(1);
    assert_eq!(wage(before, t(150)), old_wage, "before the raise: old wage");
    assert_eq!(
        wage(raise_from, t(150)),
        Fen(350_000),
        "from the raise: new wage"
    );
    assert_eq!(
        wage(raise_from, t(50)),
        old_wage,
        "as known before it was recorded: old wage"
    );
    // The whole-registry scan (binary COPY on PostgreSQL) reads the same history: one row per
    // person living on the day, household by household, the amended one in force that day.
    for (on, wage, from) in [
        (before, old_wage, person.effective_from),
        (raise_from, Fen(350_000), raise_from),
    ] {
        let mut rows = Vec::new();
        let n = store
            .scan_registry(on, |r| {
                rows.push(r);
                Ok::<(), StoreError>(())
            })
            .await
            .unwrap();
        let living = people.iter().filter(|p| p.effective_from <= on).count();
        assert_eq!((n, rows.len()), (living as u64, living), "{on}");
        let keys: Vec<(i64, i64)> = rows.iter().map(|r| (r.household_id, r.person_id)).collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "{on}: household order"
        );
        let scanned = rows
            .iter()
            .find(|r| &r.registration.person.id_number == id)
            .unwrap();
        assert_eq!(
            scanned.registration.facts.income.get(IncomeKind::Wage),
            wage
        );
        assert_eq!(scanned.registration.effective_from, from, "{on}");
        assert_eq!(scanned.registration.birth_date, person.birth_date, "{on}");
    }
    let member = file
        .members
        .iter()
        .find(|m| &m.person.id_number == id)
        .unwrap();
    assert_eq!(
        member.versions.len(),
        3,
        "the original, superseded, and the two halves that replace it"
    );
    assert_eq!(
        member
            .versions
            .iter()
            .filter(|v| v.superseded_at == Some(t(100)))
            .count(),
        1
    );

    // Refusals change nothing.
    let early = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let err = store
        .amend_person(
            id,
            early,
            |f| f.income.set(IncomeKind::Wage, Fen(1)),
            "caseworker",
            t(300),
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid { ref field, .. } if field == "effective_from"),
        "{err}"
    );
    let err = store
        .amend_person(
            id,
            raise_from,
            |f| f.household = "nowhere".into(),
            "caseworker",
            t(300),
            &[],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid { ref field, .. } if field == "household"),
        "{err}"
    );
    let stranger = minsheng_core::IdNumber::parse("11010519491231002X").unwrap();
    assert!(matches!(
        store
            .amend_person(&stranger, raise_from, |_| {}, "x", t(300), &[])
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.counts().await.unwrap().versions, 302);
}

async fn an_uncommitted_or_failed_load_leaves_nothing(store: &Store) {
    let (generator, people) = city(400, 4);
    store.insert_areas(generator.areas()).await.unwrap();
    {
        let mut loader = store.begin_load("test", t(0)).await.unwrap();
        loader.add(&people).await.unwrap();
        // dropped without commit
    }
    assert_eq!(store.counts().await.unwrap().persons, 0);

    // The same person twice violates the registry's uniqueness: into an empty registry the
    // unique indexes are rebuilt at commit, so that is where it fails; nothing is kept.
    let mut loader = store.begin_load("test", t(0)).await.unwrap();
    loader.add(&people[..200]).await.unwrap();
    let outcome = match loader.add(&people[199..201]).await {
        Ok(()) => loader.commit().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(outcome.is_err(), "a duplicate ID number must fail the load");
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.persons, counts.households, counts.versions),
        (0, 0, 0)
    );

    // Into a registry that holds people, the live unique index refuses the duplicate.
    load(store, &people[..100], t(0)).await;
    let mut loader = store.begin_load("test", t(1)).await.unwrap();
    let outcome = match loader.add(&people[100..300]).await {
        Ok(()) => match loader.add(&people[50..51]).await {
            Ok(()) => loader.commit().await.map(|_| ()),
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    assert!(
        outcome.is_err(),
        "a person already registered must fail the load"
    );
    assert_eq!(store.counts().await.unwrap().persons, 100);
}

async fn later_loads_join_existing_households(store: &Store) {
    let (generator, people) = city(600, 5);
    store.insert_areas(generator.areas()).await.unwrap();
    let (first, second) = people.split_at(300);
    load(store, first, t(0)).await;
    load(store, second, t(10)).await;
    let counts = store.counts().await.unwrap();
    let households: std::collections::HashSet<&str> =
        people.iter().map(|p| p.facts.household.as_str()).collect();
    assert_eq!(
        counts.households,
        households.len() as i64,
        "a household split across loads is one household"
    );
    let split = &second[0].facts.household;
    let file = store.household_file(split).await.unwrap();
    assert_eq!(
        file.members.len(),
        people
            .iter()
            .filter(|p| &p.facts.household == split)
            .count()
    );
}

async fn lookups_for_import_checks(store: &Store) {
    let (generator, people) = city(500, 6);
    store.insert_areas(generator.areas()).await.unwrap();
    load(store, &people, t(0)).await;
    let ids: Vec<&str> = vec![people[3].person.id_number.as_str(), "11010519491231002X"];
    let found = store.registered_id_numbers(&ids).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(found.contains(people[3].person.id_number.as_str()));

    let named = store
        .persons_named(&[(people[7].person.name.as_str(), people[7].birth_date)])
        .await
        .unwrap();
    assert!(
        named
            .iter()
            .any(|(_, _, area, id)| id == &people[7].person.id_number
                && area == &people[7].facts.area)
    );

    let heads = store
        .household_heads(&[people[0].facts.household.as_str(), "unknown"])
        .await
        .unwrap();
    assert_eq!(heads.get(people[0].facts.household.as_str()), Some(&true));
    assert_eq!(heads.get("unknown"), None);

    let names = store.area_names(&["370212", "370200"]).await.unwrap();
    assert_eq!(names.get("370212").map(String::as_str), Some("崂山区"));
    assert_eq!(store.sample_household_codes(5).await.unwrap().len(), 5);
}

async fn audit_entries_are_kept_in_order(store: &Store) {
    store
        .audit("alice", "read_household", "H1", "on=2025-01-01", t(1))
        .await
        .unwrap();
    store
        .audit("bob", "reveal_household", "H1", "on=2025-01-02", t(2))
        .await
        .unwrap();
    store
        .audit("bob", "read_household", "H2", "", t(3))
        .await
        .unwrap();
    let entries = store.audit_entries("H1").await.unwrap();
    let seen: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(
        seen,
        [("alice", "read_household"), ("bob", "reveal_household")]
    );
    assert_eq!(entries[1].at, t(2));
}

async fn a_payment_cycle_sends_each_entitlement_once_and_requeues_returns(store: &Store) {
    use minsheng_core::payments::{BankAnswer, Entitlement, Outcome, PayCycle, PaymentRef};
    use minsheng_core::Month;
    let (generator, people) = city(300, 5);
    store.insert_areas(generator.areas()).await.unwrap();
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
        .enrol_households(&units, june, "caseload", "operator", t(20), |_| {
            noted("enrol_caseload")
        })
        .await
        .unwrap();
    assert_eq!(n, 3, "h1 already receives dibao; h3 is listed twice");
    assert_eq!(store.enrolments(h2).await.unwrap().len(), 2);
    let enrolled = store.enrolled(june, t(20)).await.unwrap();
    assert_eq!(enrolled["dibao"].len(), 3);
    assert_eq!(enrolled["disability_care"].len(), 1);
    assert!(
        store.enrolled(june, t(15)).await.unwrap()["dibao"].len() == 1,
        "as known before the caseload"
    );
    assert!(store
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
    let total: Fen = entitlements.iter().map(|e| e.amount).sum();
    let cycle = PayCycle {
        month: june,
        frozen_at: t(25),
        policy_digest: "d".repeat(64),
        computed_by: "caseworker".into(),
        approved: None,
    };
    assert!(store
        .store_pay_cycle(&cycle, &entitlements, false, &noted("pay_compute"))
        .await
        .unwrap());
    assert!(
        !store
            .store_pay_cycle(&cycle, &entitlements[..1], false, &noted("pay_compute"))
            .await
            .unwrap(),
        "computed before: kept"
    );
    assert_eq!(store.pay_cycle(june).await.unwrap().unwrap(), cycle);
    assert_eq!(
        invalid_field(
            store
                .disburse(june, "operator", t(50), |_, _, _| noted("pay_disburse"))
                .await
                .unwrap_err()
        ),
        "month"
    );
    assert_eq!(
        invalid_field(
            store
                .approve_pay_cycle(june, "caseworker", t(50), &noted("pay_approve"))
                .await
                .unwrap_err()
        ),
        "actor"
    );
    assert!(store
        .approve_pay_cycle(june, "approver", t(60), &noted("pay_approve"))
        .await
        .unwrap());
    assert!(!store
        .approve_pay_cycle(june, "approver", t(61), &noted("pay_approve"))
        .await
        .unwrap());
    assert_eq!(
        invalid_field(
            store
                .store_pay_cycle(&cycle, &[], true, &noted("pay_compute"))
                .await
                .unwrap_err()
        ),
        "month"
    );

    assert_eq!(
        store
            .disburse(june, "operator", t(70), |_, _, _| noted("pay_disburse"))
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(
        store
            .disburse(june, "operator", t(71), |_, _, _| noted("pay_disburse"))
            .await
            .unwrap(),
        None,
        "nothing outstanding"
    );
    assert_eq!(store.last_batch(june).await.unwrap(), Some(1));
    let batch = store.batch_payments(june, 1).await.unwrap();
    assert_eq!(batch.len(), entitlements.len());
    assert_eq!(batch.iter().map(|p| p.amount).sum::<Fen>(), total);
    let status = store.cycle_status(june).await.unwrap();
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
    let answer = |line, payment: &minsheng_core::payments::Payment, outcome| BankAnswer {
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
    let report = store
        .record_bank_answers(&answers, "operator", t(80))
        .await
        .unwrap();
    assert_eq!(
        (report.confirmed, report.returned, report.problems.len()),
        (1, 1, 0)
    );
    let report = store
        .record_bank_answers(&answers, "operator", t(81))
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
        .record_bank_answers(&bad, "operator", t(82))
        .await
        .unwrap();
    assert_eq!(
        report.problems.iter().map(|p| p.0).collect::<Vec<_>>(),
        [3, 4]
    );
    let status = store.cycle_status(june).await.unwrap();
    assert_eq!(
        (status.confirmed, status.returned, status.outstanding),
        (1, 1, 1),
        "the bad file wrote nothing"
    );
    assert_eq!(status.net_paid, total - batch[1].amount);

    // The returned payment goes out again, as attempt 2, in batch 2.
    assert_eq!(
        store
            .disburse(june, "operator", t(90), |_, _, _| noted("pay_disburse"))
            .await
            .unwrap(),
        Some(2)
    );
    let second = store.batch_payments(june, 2).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(
        (second[0].attempt, second[0].amount, &second[0].household),
        (2, batch[1].amount, &batch[1].household)
    );
    let status = store.cycle_status(june).await.unwrap();
    assert_eq!(
        (status.outstanding, status.net_paid, status.batches),
        (0, total, 2)
    );
    let totals = store
        .paid_totals(june, june, &minsheng_core::access::Scope::Everything)
        .await
        .unwrap();
    assert_eq!(totals.iter().map(|t| t.net).sum::<Fen>(), total);
    assert_eq!(totals.iter().map(|t| t.payees).sum::<u64>(), 4);
}

/// Migration 0014 rebuilds SQLite's staff table to admit service providers: on a database
/// that already has staff with sign-ins, every row and every account's reference survive.
#[tokio::test]
async fn the_provider_migration_keeps_staff_and_their_accounts_on_sqlite() {
    let db = TestDb::sqlite().await;
    let Store::Sqlite(pool, _) = &db.store else {
        unreachable!()
    };
    sqlx::raw_sql(
        "INSERT INTO area (code, name, level, parent_code, urban) VALUES ('370200', '青岛市', 'city', NULL, TRUE);
         INSERT INTO staff VALUES ('王社工', 'community', '370200', 0, 'tester');
         INSERT INTO account (login, password_hash, staff_name, id_number, created_at, created_by)
             VALUES ('王社工', 'x', '王社工', NULL, 0, 'tester');",
    )
    .execute(pool)
    .await
    .unwrap();
    // Run the migration again, as an upgrade from 0013 would, in sqlx's transaction.
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql(include_str!(
        "../migrations/sqlite/0014_service_provider.sql"
    ))
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let broken: Vec<sqlx::sqlite::SqliteRow> = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(pool)
        .await
        .unwrap();
    assert!(broken.is_empty(), "foreign keys broken by the rebuild");
    let staff = db.store.staff("王社工").await.unwrap().unwrap();
    assert_eq!(staff.role, minsheng_core::cases::Role::Community);
    sqlx::query("INSERT INTO staff VALUES ('助餐点', 'provider', '370200', 0, 'tester')")
        .execute(pool)
        .await
        .unwrap();
    assert!(
        sqlx::query("INSERT INTO staff VALUES ('x', 'janitor', '370200', 0, 'tester')")
            .execute(pool)
            .await
            .is_err(),
        "the CHECK still holds"
    );
    db.cleanup().await;
}

/// Identity numbers, names and household codes compare byte by byte on PostgreSQL as on
/// SQLite (migration 0017), whatever the database's locale: the same order of a household
/// list and the same duplicate checks on both backends.
#[tokio::test]
async fn identifiers_compare_byte_by_byte_on_postgres() {
    let db = TestDb::postgres().await;
    let Store::Postgres(pool) = &db.store else {
        unreachable!()
    };
    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, collation_name::text \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         AND (table_name, column_name) IN (('person', 'id_number'), ('person', 'name'), \
         ('household', 'code'), ('account', 'id_number')) ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let expected = [
        ("account", "id_number"),
        ("household", "code"),
        ("person", "id_number"),
        ("person", "name"),
    ];
    assert_eq!(rows.len(), expected.len(), "{rows:?}");
    for ((table, column, collation), (t, c)) in rows.iter().zip(expected) {
        assert_eq!((table.as_str(), column.as_str()), (t, c));
        assert_eq!(collation.as_deref(), Some("C"), "{table}.{column}");
    }
    db.cleanup().await;
}
