#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed step is a failed test
//! The registry, the audit chain and the calendar on both backends: every case runs against
//! SQLite and PostgreSQL (`minsheng_test_support::on_both_backends`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minsheng_core::registry::{
    ExpenseKind, IncomeKind, Parent, Registration, Relation, SelfCareItem,
};
use minsheng_core::Fen;
use minsheng_store::{Store, StoreError};
use minsheng_synth::reference_date;
use minsheng_test_support::{allow, instant as t, load, noted, refuse, synthetic_city as city};

minsheng_test_support::on_both_backends!(
    loads_and_reads_back_a_city,
    export_returns_what_was_loaded,
    amendments_keep_history_in_both_times,
    an_uncommitted_or_failed_load_leaves_nothing,
    a_change_that_cannot_be_audited_is_not_kept,
    later_loads_join_existing_households,
    lookups_for_import_checks,
    audit_entries_are_kept_in_order,
    audit_chain_finds_altered_moved_and_removed_entries,
    the_holiday_calendar_is_replaced_a_year_at_a_time,
    an_undated_lasting_situation_takes_the_first_day_it_was_recorded,
    a_part_of_a_name_or_an_id_number_finds_whom_it_begins_or_ends,
    a_search_finds_residents_where_they_live_now,
);

/// Searching within an area (migration 0033's indexes): the first two or more characters of a
/// name or of its given name, or an ID number's last 4–17; each finds exactly the residents of
/// the area it describes, and a single character finds nothing (no search).
async fn a_part_of_a_name_or_an_id_number_finds_whom_it_begins_or_ends(store: &Store) {
    use minsheng_core::access::Scope;
    let (generator, people) = city(2_000, 3);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, t(0)).await;
    let person = people
        .iter()
        .find(|p| p.person.name.chars().count() == 3)
        .expect("a three-character name");
    let district = person.facts.area.district().unwrap();
    let scope = Scope::Area(district.clone());
    let in_district: Vec<&Registration> = people
        .iter()
        .filter(|p| p.facts.area.is_within(&district))
        .collect();
    let search = |q: String| {
        let scope = scope.clone();
        async move { store.search_households(&q, &scope, 1_000, 0).await.unwrap() }
    };
    let name: Vec<char> = person.person.name.chars().collect();
    let begins = |text: &str, part: &str| text.starts_with(part);
    for part in [
        name[..2].iter().collect::<String>(),
        name[1..].iter().collect::<String>(),
    ] {
        let (hits, total) = search(part.clone()).await;
        // A whole name is found exactly, and then alone.
        let exactly = in_district.iter().filter(|p| p.person.name == part).count();
        let expected = in_district
            .iter()
            .filter(|p| {
                let given: String = p.person.name.chars().skip(1).collect();
                begins(&p.person.name, &part) || begins(&given, &part)
            })
            .count();
        if exactly > 0 {
            assert_eq!(total as usize, exactly, "{part}");
            continue;
        }
        assert_eq!(total as usize, expected, "{part}");
        assert!(
            hits.iter().any(|h| h.name == person.person.name),
            "{part}: {hits:?}"
        );
    }
    // One character is no search (unless it is a whole name, found exactly).
    let last: String = name[2..].iter().collect();
    if !in_district.iter().any(|p| p.person.name == last) {
        assert_eq!(search(last).await.1, 0);
    }
    let id = person.person.id_number.as_str();
    for tail in [&id[12..], &id[14..]] {
        let (hits, total) = search(tail.to_string()).await;
        let expected = in_district
            .iter()
            .filter(|p| p.person.id_number.as_str().ends_with(tail))
            .count();
        assert_eq!(total as usize, expected, "{tail}");
        assert!(hits.iter().any(|h| h.name == person.person.name), "{tail}");
    }
}

/// The search rows follow the registry's writes: a later load's residents are found, and a
/// resident who moved is found in the household and area they moved to, not where they were.
async fn a_search_finds_residents_where_they_live_now(store: &Store) {
    use minsheng_core::access::Scope;
    let people = loaded_in_two(store, 7).await;
    let (first, second) = people.split_at(300);
    let everywhere = |q: &str| {
        let q = q.to_string();
        async move {
            store
                .search_households(&q, &Scope::Everything, 1_000, 0)
                .await
                .unwrap()
        }
    };
    let late = &second[0].person;
    let (hits, _) = everywhere(late.id_number.as_str()).await;
    assert_eq!(hits.len(), 1, "a resident of the later load is found");
    assert_eq!(hits[0].name, late.name);

    // Someone of the first load moves into a household of another district.
    let mover = &first[1];
    let district = mover.facts.area.district().unwrap();
    let there = people
        .iter()
        .find(|p| !p.facts.area.is_within(&district))
        .expect("a household in another district");
    let from = mover.effective_from + Duration::days(30);
    store
        .amend_person(
            &mover.person.id_number,
            from,
            |f| {
                f.household = there.facts.household.clone();
                f.area = there.facts.area.clone();
            },
            "caseworker",
            t(20),
            &[],
        )
        .await
        .unwrap();
    let (hits, total) = everywhere(mover.person.id_number.as_str()).await;
    assert_eq!(total, 1);
    assert_eq!(hits[0].household, there.facts.household.as_str());
    let new_district = there.facts.area.district().unwrap();
    for (scope, found) in [(district, 0), (new_district, 1)] {
        let named = |q: &str| {
            let (q, scope) = (q.to_string(), Scope::Area(scope.clone()));
            async move { store.search_households(&q, &scope, 1_000, 0).await.unwrap() }
        };
        let (hits, _) = named(&mover.person.name).await;
        let here = hits
            .iter()
            .filter(|h| h.id_number == mover.person.id_number)
            .count();
        assert_eq!(here, found, "{scope}");
        let tail = &mover.person.id_number.as_str()[12..];
        let (hits, _) = named(tail).await;
        let here = hits
            .iter()
            .filter(|h| h.id_number == mover.person.id_number)
            .count();
        assert_eq!(here, found, "{scope}: {tail}");
    }
}

/// Migration 0021: a parent recorded as unreachable before the registry kept the date it began
/// takes the first day any version of the person records it, on every version.
async fn an_undated_lasting_situation_takes_the_first_day_it_was_recorded(store: &Store) {
    let (generator, people) = city(60, 2);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, t(0)).await;
    let person = &people[0];
    let id = &person.person.id_number;
    let later = person.effective_from + Duration::days(40);
    store
        .amend_person(
            id,
            later,
            |f| f.assets.vehicles = 3,
            "caseworker",
            t(10),
            &[],
        )
        .await
        .unwrap();
    tamper(
        store,
        &format!(
            "UPDATE person_version SET father = 'unreachable' \
             WHERE person_id = (SELECT id FROM person WHERE id_number = '{}')",
            id.as_str()
        ),
    )
    .await;
    let script = match store.backend() {
        minsheng_store::Backend::Sqlite => {
            include_str!("../migrations/sqlite/0021_parent_since.sql")
        }
        minsheng_store::Backend::Postgres => {
            include_str!("../migrations/postgres/0021_parent_since.sql")
        }
    };
    match store {
        Store::Sqlite(pool, _) => sqlx::raw_sql(script).execute(pool).await.map(|_| ()),
        Store::Postgres(pool) => sqlx::raw_sql(script).execute(pool).await.map(|_| ()),
    }
    .unwrap();
    let file = store.household_file(id.as_str()).await.unwrap();
    let member = file
        .members
        .iter()
        .find(|m| &m.person.id_number == id)
        .unwrap();
    let expected = Parent::parse(&format!("unreachable:{}", person.effective_from)).unwrap();
    assert!(member.versions.len() >= 3, "{:?}", member.versions.len());
    for v in &member.versions {
        assert_eq!(v.version.facts.father, expected);
    }
}

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
        store
            .replace_calendar_years(&first, |_| noted("calendar"))
            .await
            .unwrap(),
        [2024, 2025]
    );
    // A corrected 2025 replaces 2025 and leaves 2024 alone.
    let corrected = vec![
        day("2025-09-28", DayKind::Workday, "国庆节、中秋节"),
        day("2025-10-01", DayKind::Holiday, "国庆节、中秋节"),
    ];
    store
        .replace_calendar_years(&corrected, |_| noted("calendar"))
        .await
        .unwrap();
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
    try_tamper(store, sql).await.unwrap();
}

async fn try_tamper(store: &Store, sql: &str) -> Result<(), sqlx::Error> {
    match store {
        Store::Sqlite(pool, _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
}

/// The append-only triggers refuse every change to the log; an intruder who owns the
/// database drops them first.
async fn append_only_is_enforced_then_dropped(store: &Store) {
    let mut refused = vec![
        "UPDATE audit_log SET actor = 'mallory' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 1",
    ];
    if store.backend() == minsheng_store::Backend::Postgres {
        refused.push("TRUNCATE audit_log");
    }
    for sql in refused {
        let error = try_tamper(store, sql).await.unwrap_err().to_string();
        assert!(error.contains("audit_log is append-only"), "{sql}: {error}");
    }
    let drops: &[&str] = match store.backend() {
        minsheng_store::Backend::Sqlite => &[
            "DROP TRIGGER audit_log_append_only_update",
            "DROP TRIGGER audit_log_append_only_delete",
        ],
        minsheng_store::Backend::Postgres => &[
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "DROP TRIGGER audit_log_no_truncate ON audit_log",
        ],
    };
    for sql in drops {
        tamper(store, sql).await;
    }
}

async fn audit_chain_finds_altered_moved_and_removed_entries(store: &Store) {
    let ok = store.verify_audit(&[]).await.unwrap();
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
    let ok = store.verify_audit(&[]).await.unwrap();
    assert_eq!(ok.entries, 20);
    assert!(ok.problems.is_empty(), "{:?}", ok.problems);
    let head = ok.head.unwrap();
    assert_eq!((head.id, head.hash.len()), (20, 64));
    append_only_is_enforced_then_dropped(store).await;

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
    let found = problems(store.verify_audit(&[]).await.unwrap());
    assert_eq!(found, [(3, "its fields do not match its hash".to_string())]);
    tamper(store, "UPDATE audit_log SET detail = '' WHERE id = 3").await;
    assert!(store.verify_audit(&[]).await.unwrap().problems.is_empty());

    // Two entries swapped.
    tamper(store, "UPDATE audit_log SET id = -1 WHERE id = 1").await;
    tamper(store, "UPDATE audit_log SET id = 1 WHERE id = 2").await;
    tamper(store, "UPDATE audit_log SET id = 2 WHERE id = -1").await;
    let found: Vec<i64> = problems(store.verify_audit(&[]).await.unwrap())
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert!(found.contains(&1) && found.contains(&2), "{found:?}");
    tamper(store, "UPDATE audit_log SET id = -1 WHERE id = 2").await;
    tamper(store, "UPDATE audit_log SET id = 2 WHERE id = 1").await;
    tamper(store, "UPDATE audit_log SET id = 1 WHERE id = -1").await;
    assert!(store.verify_audit(&[]).await.unwrap().problems.is_empty());

    // Every hash blanked and an entry altered: entries without a hash are never taken for
    // entries older than the chain.
    tamper(store, "UPDATE audit_log SET hash = '', prev_hash = ''").await;
    tamper(store, "UPDATE audit_log SET actor = 'mallory' WHERE id = 7").await;
    let found = problems(store.verify_audit(&[]).await.unwrap());
    assert_eq!(found.len(), 20, "{found:?}");
    assert!(
        found.iter().all(|(_, reason)| reason == "has no hash"),
        "{found:?}"
    );

    // The newest entries removed, and a new one written with a removed one's number: the chain
    // is valid and shorter, and only the head witnessed before finds it.
    tamper(store, "DELETE FROM audit_log").await;
    for i in 0..6 {
        store
            .audit("alice", "read_household", &format!("T{i}"), "", t(i))
            .await
            .unwrap();
    }
    let witnessed = store.verify_audit(&[]).await.unwrap().head.unwrap();
    assert_eq!(witnessed.id, 6);
    tamper(store, "DELETE FROM audit_log WHERE id >= 5").await;
    assert!(store.verify_audit(&[]).await.unwrap().problems.is_empty());
    let found = problems(
        store
            .verify_audit(std::slice::from_ref(&witnessed))
            .await
            .unwrap(),
    );
    assert_eq!(found, [(6, "was witnessed and is gone".to_string())]);
    store
        .audit("mallory", "read_household", "T4", "", t(9))
        .await
        .unwrap();
    store
        .audit("mallory", "read_household", "T5", "", t(9))
        .await
        .unwrap();
    let found = problems(
        store
            .verify_audit(std::slice::from_ref(&witnessed))
            .await
            .unwrap(),
    );
    assert_eq!(
        found,
        [(6, "is not the entry witnessed with this number".to_string())]
    );

    // One removed.
    tamper(store, "DELETE FROM audit_log WHERE id = 4").await;
    let found = problems(store.verify_audit(&[]).await.unwrap());
    assert_eq!(
        found,
        [(5, "does not follow the entry before it".to_string())]
    );
}

async fn loads_and_reads_back_a_city(store: &Store) {
    let (generator, people) = city(2_000, 1);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
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
    f.father = Parent::parse("imprisoned:2022-03-01~2028-02-29").unwrap();
    f.mother = Parent::parse("deceased").unwrap();
    f.institutional_care = true;
    f.ability = Some(minsheng_core::registry::AbilityLevel::Severe);
    f.expenses.set(ExpenseKind::Medical, Fen(1_234_567));
    f.expenses.set(ExpenseKind::Education, Fen(89));
    f.expenses.set(ExpenseKind::Rehabilitation, Fen(100));
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
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
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
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

/// A load, new areas and a year's calendar commit with the audit entries that record them:
/// when the entry cannot be written, nothing of the change is kept.
async fn a_change_that_cannot_be_audited_is_not_kept(store: &Store) {
    let (generator, people) = city(200, 6);
    refuse(store, "audit_refused", "INSERT", "audit_log").await;
    let areas = store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await;
    assert!(areas.is_err(), "{areas:?}");
    assert_eq!(
        store.counts().await.unwrap().areas,
        0,
        "areas added unaudited"
    );
    allow(store, "audit_refused", "audit_log").await;
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();

    refuse(store, "audit_refused", "INSERT", "audit_log").await;
    let mut loader = store.begin_load("test", t(0)).await.unwrap();
    loader.add(&people).await.unwrap();
    let loaded = loader.commit(|_, _| noted("load")).await;
    assert!(loaded.is_err(), "{loaded:?}");
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (counts.persons, counts.households, counts.versions),
        (0, 0, 0),
        "a load committed unaudited"
    );

    let day = minsheng_core::CalendarDay {
        date: NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
        kind: minsheng_core::DayKind::Holiday,
        occasion: "国庆节".into(),
    };
    let replaced = store
        .replace_calendar_years(&[day], |_| noted("calendar"))
        .await;
    assert!(replaced.is_err(), "{replaced:?}");
    assert_eq!(
        store.work_calendar().await.unwrap().years().count(),
        0,
        "a calendar loaded unaudited"
    );
}

async fn an_uncommitted_or_failed_load_leaves_nothing(store: &Store) {
    let (generator, people) = city(400, 4);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
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
        Ok(()) => loader.commit(|_, _| noted("load")).await.map(|_| ()),
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
            Ok(()) => loader.commit(|_, _| noted("load")).await.map(|_| ()),
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

/// A city of 600 from `seed`, its first 300 loaded into the empty registry and the rest by a
/// second load.
async fn loaded_in_two(store: &Store, seed: u64) -> Vec<Registration> {
    let (generator, people) = city(600, seed);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    let (first, second) = people.split_at(300);
    load(store, first, t(0)).await;
    load(store, second, t(10)).await;
    people
}

async fn later_loads_join_existing_households(store: &Store) {
    let people = loaded_in_two(store, 5).await;
    let second = &people[300..];
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
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, t(0)).await;
    let ids: Vec<&str> = vec![people[3].person.id_number.as_str(), "11010519491231002X"];
    let found = store.registered_id_numbers(&ids).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(found.contains(people[3].person.id_number.as_str()));

    let named = store
        .persons_named(&[(
            people[7].person.name.as_str(),
            people[7].birth_date,
            people[7].facts.area.as_str(),
        )])
        .await
        .unwrap();
    assert!(
        named
            .iter()
            .any(|(_, _, area, id)| id == &people[7].person.id_number
                && area == &people[7].facts.area)
    );
    // The same name and birth date in another area is someone else.
    let elsewhere = people
        .iter()
        .map(|p| p.facts.area.as_str())
        .find(|a| *a != people[7].facts.area.as_str())
        .expect("another area");
    let named = store
        .persons_named(&[(
            people[7].person.name.as_str(),
            people[7].birth_date,
            elsewhere,
        )])
        .await
        .unwrap();
    assert!(named
        .iter()
        .all(|(_, _, _, id)| id != &people[7].person.id_number));

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

/// Migration 0014 rebuilds SQLite's staff table to admit service providers: on a database
/// that already has staff with sign-ins, every row and every account's reference survive.
#[tokio::test]
async fn the_provider_migration_keeps_staff_and_their_accounts_on_sqlite() {
    let db = minsheng_test_support::TestDb::sqlite().await;
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
    assert_eq!(staff.role, minsheng_core::access::Role::Community);
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
    let db = minsheng_test_support::TestDb::postgres().await;
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

/// A database whose write lock stays taken past the wait is "busy" (the web answers 503 and
/// asks to try again), from sqlx's connections and from the kept rusqlite ones alike; a
/// constraint that fails is not.
#[tokio::test]
async fn a_lock_held_past_the_wait_is_busy_and_a_broken_constraint_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.db");
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder
        .execute_batch(
            "CREATE TABLE t (x INTEGER PRIMARY KEY); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);",
        )
        .unwrap();
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&path)
        .busy_timeout(std::time::Duration::from_millis(50));
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let waited: StoreError = sqlx::query("INSERT INTO t VALUES (2)")
        .execute(&pool)
        .await
        .unwrap_err()
        .into();
    assert!(waited.is_busy(), "{waited}");
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .busy_timeout(std::time::Duration::from_millis(50))
        .unwrap();
    let kept: StoreError = other
        .execute("INSERT INTO t VALUES (3)", [])
        .unwrap_err()
        .into();
    assert!(kept.is_busy(), "{kept}");
    holder.execute_batch("COMMIT").unwrap();
    let duplicate: StoreError = sqlx::query("INSERT INTO t VALUES (1)")
        .execute(&pool)
        .await
        .unwrap_err()
        .into();
    assert!(!duplicate.is_busy(), "{duplicate}");
    assert!(StoreError::Database(sqlx::Error::PoolTimedOut).is_busy());
}

/// A database created by this process starts with a rollback journal; once served it is in WAL
/// mode for good. Each connection the serving pool opens later (it opens them as requests come)
/// must find it so, not put it back: a served database in rollback mode makes readers and
/// writers wait on each other, and its journal was once deleted under a writer (a disk I/O
/// error under load).
#[tokio::test]
async fn a_new_database_stays_in_wal_mode_while_served() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("new.db"))
        .await
        .unwrap();
    let served = store.prepare_to_serve().await.unwrap();
    let Store::Sqlite(pool, _) = &served else {
        unreachable!("a SQLite store")
    };
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(pool.acquire().await.unwrap());
    }
    drop(held);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

/// A served database's log is started again under a steady stream of writes. A checkpoint that
/// runs beside the writer never finds the log wholly copied back — the writer has always added
/// more meanwhile — so SQLite alone would never start it again. Here a reader's open snapshot
/// stands in for that race: it keeps the checkpoint a step behind the writer, as a writer busy
/// during the checkpoint would. A pass that leaves only a few pages behind hands them to the
/// writer, which copies them after its next write; the write after that begins the log anew.
#[tokio::test]
async fn a_served_log_is_started_again_by_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("served.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    let served = store.prepare_to_serve().await.unwrap();
    let group = |n: usize, size: usize, detail: usize| {
        (0..size)
            .map(|i| minsheng_store::NewAuditEntry {
                actor: "clerk".into(),
                action: "read".into(),
                subject: format!("household:{n}:{i}"),
                detail: "x".repeat(detail),
                at: t(0),
            })
            .collect::<Vec<_>>()
    };
    // A reader holding the snapshot of this moment until it is dropped.
    let snapshot = || {
        let reader = rusqlite::Connection::open(&path).unwrap();
        reader
            .execute_batch("BEGIN; SELECT COUNT(*) FROM audit_log;")
            .unwrap();
        reader
    };
    let log_pages = || async {
        let Store::Sqlite(pool, _) = &served else {
            unreachable!("a SQLite store")
        };
        let (_, log, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .await
            .unwrap();
        log
    };
    // The log grows long while the checkpoints cannot copy past an early snapshot.
    let early = snapshot();
    let mut n = 0;
    loop {
        served.audit_many(&group(n, 100, 3000)).await.unwrap();
        n += 1;
        if served.checkpoint().await.unwrap() {
            break;
        }
        assert!(n < 100, "the log never grew long");
    }
    // One more pass copies up to a later snapshot; the small write after it stays behind,
    // and a pass that copies nothing more hands those few pages to the writer (and asks for
    // no further pass soon).
    let late = snapshot();
    drop(early);
    served.audit_many(&group(n, 1, 10)).await.unwrap();
    assert!(
        served.checkpoint().await.unwrap(),
        "a long pass wants another"
    );
    assert!(!served.checkpoint().await.unwrap(), "the writer finishes");
    drop(late);
    // The writer copies the rest after this write; the next one starts the log again (left
    // to SQLite, it would append at the end: the log was never wholly copied back).
    served.audit_many(&group(n + 1, 1, 10)).await.unwrap();
    served.audit_many(&group(n + 2, 1, 10)).await.unwrap();
    let after = log_pages().await;
    assert!(after < 64, "{after} pages in the log after a restart");
    assert!(
        !served.checkpoint().await.unwrap(),
        "a short log wants no hurry"
    );
    let entries = served
        .audit_entries(&format!("household:{}:0", n + 2))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
}
