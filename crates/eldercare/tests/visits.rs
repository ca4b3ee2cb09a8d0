#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Visiting care over a synthetic city: the roster lists exactly the older residents the rules
//! give a tier (崂办字〔2024〕12号 第三条), and again nothing changes; a community files its
//! visitors and assigns one; an elder never reached is due, overdue, then escalated to the
//! street at the edges of the catalog's intervals; a visit that reaches them moves their due day
//! and raises cases, which an assessment or staff close; a death ends their listing. Every bad
//! request is refused with its field, nothing recorded.

use chrono::Duration;
use minsheng_app::{Clock, Quiet};
use minsheng_core::access::{Account, Role, Scope, Staff};
use minsheng_core::registry::AbilityLevel;
use minsheng_core::{AreaCode, Month};
use minsheng_eldercare::storage::NewAssessment;
use minsheng_eldercare::visits::{
    self, add_visitors, assign, close, record, refresh, Mode, Need, Report, Standing, VisitError,
    VisitorForm, VisitsStore,
};
use minsheng_eldercare::AssessmentsStore;
use minsheng_policy::{Evaluation, Value};
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(visits_from_roster_to_referral,);

fn staff(name: &str, role: Role, area: &AreaCode) -> Account {
    Account::Staff(Staff {
        name: name.into(),
        role,
        area: area.clone(),
    })
}

fn field<T: std::fmt::Debug>(r: Result<T, VisitError>) -> String {
    match r {
        Err(VisitError::Invalid(e)) => e.field,
        Err(VisitError::Store(minsheng_store::StoreError::Invalid { field, .. }))
        | Err(VisitError::Store(minsheng_store::StoreError::Conflict { field, .. })) => field,
        Err(other) => format!("other: {other}"),
        Ok(v) => panic!("accepted: {v:?}"),
    }
}

type Row = (&'static str, &'static str, String, &'static str);

fn as_form((name, kind, area, account): &Row) -> VisitorForm<'_> {
    VisitorForm {
        name,
        kind,
        area_code: area.as_str(),
        phone: "0532-88880000",
        account,
    }
}

fn visit(on: chrono::NaiveDate, reached: bool, needs: Vec<Need>) -> Report {
    Report {
        on,
        mode: Mode::Home,
        reached,
        found: if reached {
            "独自在家，行动不便，冰箱里没有食物".into()
        } else {
            "敲门无人应答".into()
        },
        follow_up: String::new(),
        needs,
    }
}

async fn visits_from_roster_to_referral(store: &Store) {
    let (generator, people) = synthetic_city(4_000, 23);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::policy();
    let clock = Clock::system();
    let today = clock.today;
    let month = Month::containing(today);

    // The roster is exactly who the rules tier, at the tier they give.
    let done = refresh(store, &policy, today, "tester", clock, &Quiet)
        .await
        .unwrap();
    assert!(done.listed > 20, "listed {}", done.listed);
    assert_eq!(done.changes.joined.len() as u64, done.listed);
    let roster = store.visits().roster(&Scope::Everything).await.unwrap();
    assert_eq!(roster.len() as u64, done.listed);
    let ids: Vec<i64> = roster.iter().map(|l| l.person_id).collect();
    let names = store.visits().names(&ids).await.unwrap();
    let tier_var = policy.variable(visits::TIER).unwrap();
    let listed_tier: std::collections::HashMap<String, u8> = roster
        .iter()
        .map(|l| (names[&l.person_id].1.as_str().to_string(), l.tier))
        .collect();
    let mut checked = 0;
    for p in people
        .iter()
        .filter(|p| p.facts.death_date.is_none())
        .take(400)
    {
        let file = store
            .household_file(p.person.id_number.as_str())
            .await
            .unwrap();
        let members = file.as_of(today, clock.now);
        let index = members
            .iter()
            .position(|(q, _)| q.id_number == p.person.id_number)
            .unwrap();
        let mut evaluation = Evaluation::of_household(&policy, month, &members, false);
        let Value::Int(tier) = evaluation.variable(tier_var, Some(index)).unwrap() else {
            panic!("the tier is a whole number");
        };
        assert_eq!(
            listed_tier.get(p.person.id_number.as_str()).copied(),
            (tier > 0).then_some(tier as u8),
            "{}",
            p.person.id_number.masked()
        );
        checked += 1;
    }
    assert_eq!(checked, 400);
    // Again on the same registry: nothing changes.
    let again = refresh(store, &policy, today, "tester", clock, &Quiet)
        .await
        .unwrap();
    assert!(again.changes.is_empty());
    assert_eq!(again.listed, done.listed);

    // A tier-1 or tier-2 elder, and their community's staff.
    let elder = roster.iter().min_by_key(|l| (l.tier, l.person_id)).unwrap();
    let person = elder.person_id;
    let community = AreaCode::parse(&elder.area).unwrap();
    let street_area = community.parent().unwrap();
    let other = roster
        .iter()
        .find(|l| l.area != elder.area)
        .map(|l| AreaCode::parse(&l.area).unwrap())
        .unwrap();
    let worker = staff("社工甲", Role::Community, &community);
    let street = staff("街道乙", Role::Street, &street_area);
    let stranger = staff("社工丙", Role::Community, &other);
    for s in [&worker, &street, &stranger] {
        let Account::Staff(s) = s else { unreachable!() };
        store.add_staff(s, "tester", clock.now).await.unwrap();
    }

    // Visitors: a community worker with their own account and a volunteer.
    let form = |name: &'static str, kind: &'static str, area: &str, account: &'static str| {
        (name, kind, area.to_string(), account)
    };
    let good = [
        form("社工甲", "社区工作者", community.as_str(), "社工甲"),
        form("王志愿", "volunteer", community.as_str(), ""),
    ];
    let bad_area = form("李志愿", "志愿者", street_area.as_str(), "");
    assert_eq!(
        field(add_visitors(store, &worker, &[as_form(&bad_area)], clock).await),
        "area_code"
    );
    let theirs = form("李志愿", "志愿者", community.as_str(), "");
    assert_eq!(
        field(add_visitors(store, &stranger, &[as_form(&theirs)], clock).await),
        "actor"
    );
    let bad_kind = form("李志愿", "亲戚", community.as_str(), "");
    assert_eq!(
        field(
            add_visitors(
                store,
                &worker,
                &[as_form(&good[1]), as_form(&bad_kind)],
                clock
            )
            .await
        ),
        "kind"
    );
    assert!(store
        .visits()
        .visitors(&worker.scope())
        .await
        .unwrap()
        .is_empty());
    let ids = add_visitors(
        store,
        &street,
        &good.iter().map(as_form).collect::<Vec<_>>(),
        clock,
    )
    .await
    .unwrap();
    let (own, volunteer) = (ids[0], ids[1]);
    assert_eq!(
        field(add_visitors(store, &worker, &[as_form(&good[1])], clock).await),
        "name"
    );
    let elsewhere = add_visitors(
        store,
        &stranger,
        &[as_form(&form("赵志愿", "志愿者", other.as_str(), ""))],
        clock,
    )
    .await
    .unwrap()[0];

    // Assigned by the community, to one of its own visitors only.
    assert_eq!(
        field(assign(store, &stranger, person, Some(volunteer), clock).await),
        "person"
    );
    assert_eq!(
        field(assign(store, &worker, person, Some(elsewhere), clock).await),
        "visitor"
    );
    assign(store, &worker, person, Some(volunteer), clock)
        .await
        .unwrap();

    // Never reached: due one interval after joining, then overdue, then escalated.
    let schedule = visits::schedule(&policy, today).unwrap();
    let interval = schedule.interval(elder.tier).unwrap();
    let escalate = Duration::days(i64::from(schedule.escalate_days));
    let standing = |due: &[visits::DueVisit]| {
        due.iter()
            .find(|v| v.person_id == person)
            .map(|v| (v.standing, v.visitor_id))
            .unwrap()
    };
    let scope = worker.scope();
    let due_day = today + interval;
    for (day, expected) in [
        (due_day - Duration::days(1), Standing::Upcoming),
        (due_day, Standing::Due),
        (due_day + escalate, Standing::Overdue(escalate.num_days())),
        (
            due_day + escalate + Duration::days(1),
            Standing::Escalated(escalate.num_days() + 1),
        ),
    ] {
        let due = visits::due(store, &policy, &scope, day).await.unwrap();
        assert_eq!(standing(&due), (expected, Some(volunteer)), "{day}");
    }
    // The street sees the escalation; the other community does not see the elder at all.
    let late = due_day + escalate + Duration::days(1);
    let street_due = visits::due(store, &policy, &street.scope(), late)
        .await
        .unwrap();
    assert!(matches!(standing(&street_due).0, Standing::Escalated(_)));
    let theirs = visits::due(store, &policy, &stranger.scope(), late)
        .await
        .unwrap();
    assert!(theirs.iter().all(|v| v.person_id != person));

    // The escalated elder is visited: refusals first, each changing nothing.
    let later = Clock::at(clock.now + (late - today));
    let report = visit(
        late,
        true,
        vec![Need::MealAid, Need::Assessment, Need::TemporaryAssistance],
    );
    assert_eq!(
        field(record(store, &stranger, person, volunteer, &report, later).await),
        "person"
    );
    assert_eq!(
        field(record(store, &worker, person, elsewhere, &report, later).await),
        "visitor"
    );
    let tomorrow = visit(late + Duration::days(1), true, vec![]);
    assert_eq!(
        field(record(store, &worker, person, volunteer, &tomorrow, later).await),
        "on"
    );
    let before_listed = visit(today - Duration::days(1), true, vec![]);
    assert_eq!(
        field(record(store, &worker, person, volunteer, &before_listed, later).await),
        "on"
    );
    let unreached_with_needs = visit(late, false, vec![Need::MealAid]);
    assert_eq!(
        field(
            record(
                store,
                &worker,
                person,
                volunteer,
                &unreached_with_needs,
                later
            )
            .await
        ),
        "needs"
    );
    assert!(store.visits().visits_of(person).await.unwrap().is_empty());

    // A visit that finds nobody home leaves the elder escalated.
    record(
        store,
        &worker,
        person,
        volunteer,
        &visit(late, false, vec![]),
        later,
    )
    .await
    .unwrap();
    let due = visits::due(store, &policy, &scope, late).await.unwrap();
    assert!(matches!(standing(&due).0, Standing::Escalated(_)));
    // The worker visits on their own account and reaches the elder: due again an interval on.
    let (visit_id, referrals) = record(store, &worker, person, own, &report, later)
        .await
        .unwrap();
    assert_eq!(referrals.len(), 3);
    let due = visits::due(store, &policy, &scope, late).await.unwrap();
    let row = due.iter().find(|v| v.person_id == person).unwrap();
    assert_eq!(
        (row.standing, row.due),
        (Standing::Upcoming, late + interval)
    );
    let history = store.visits().visits_of(person).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].id, visit_id);
    assert_eq!(history[0].visitor, "社工甲");
    assert_eq!(history[0].report.needs.len(), 3);
    assert!(!history[1].report.reached);

    // The cases it raised are in the community's queue; the other community's is empty.
    let open = store.visits().referrals(&scope, true, 100).await.unwrap();
    assert_eq!(open.len(), 3);
    assert!(open.iter().all(|r| r.visit_id == visit_id && r.open));
    assert!(store
        .visits()
        .referrals(&stranger.scope(), true, 100)
        .await
        .unwrap()
        .is_empty());

    // An assessment recorded for the elder meets the assessment's referral in its transaction.
    let id_number = &names[&person].1;
    let assessment = store
        .assessments()
        .record(
            &NewAssessment {
                id_number,
                assessed_on: late,
                scores: "{}".into(),
                conditions: "[]".into(),
                total: 40,
                level: AbilityLevel::Moderate,
                assessor: "评估员甲",
                reviewer: "评估员乙",
                reason: "探访转办",
                policy_digest: "test",
            },
            "社工甲",
            later.now,
            |id| noted(&format!("assess {id}")),
        )
        .await
        .unwrap();
    let open = store.visits().referrals(&scope, true, 100).await.unwrap();
    assert_eq!(open.len(), 2);
    assert!(open.iter().all(|r| r.need != Need::Assessment));
    let all = store.visits().referrals(&scope, false, 100).await.unwrap();
    let met = all.iter().find(|r| r.need == Need::Assessment).unwrap();
    assert_eq!(
        met.handed_to.as_deref(),
        Some(format!("assessment:{assessment}").as_str())
    );

    // Staff close the temporary-assistance referral with its outcome, once.
    let temp = open
        .iter()
        .find(|r| r.need == Need::TemporaryAssistance)
        .unwrap()
        .id;
    assert_eq!(
        field(close(store, &worker, temp, " ", later).await),
        "outcome"
    );
    assert_eq!(
        field(close(store, &stranger, temp, "已受理", later).await),
        "actor"
    );
    close(
        store,
        &worker,
        temp,
        "已转社区救助经办人受理临时救助",
        later,
    )
    .await
    .unwrap();
    assert_eq!(
        field(close(store, &worker, temp, "again", later).await),
        "referral"
    );
    assert_eq!(
        store
            .visits()
            .referrals(&scope, true, 100)
            .await
            .unwrap()
            .len(),
        1
    );

    // A death on record ends the listing; a visit after it is refused.
    let died = late;
    store
        .amend_person(
            id_number,
            died,
            |f| f.death_date = Some(died),
            "tester",
            later.now,
            &[noted("amend_person")],
        )
        .await
        .unwrap();
    let after = refresh(store, &policy, died, "tester", later, &Quiet)
        .await
        .unwrap();
    assert!(after.changes.ended.contains(&person));
    assert!(visits::due(store, &policy, &scope, died)
        .await
        .unwrap()
        .iter()
        .all(|v| v.person_id != person));
    assert_eq!(
        field(
            record(
                store,
                &worker,
                person,
                own,
                &visit(died, true, vec![]),
                later
            )
            .await
        ),
        "person"
    );
    let last = store.visits().last_refresh().await.unwrap().unwrap();
    assert_eq!(
        (last.as_of, last.ended as usize),
        (died, after.changes.ended.len())
    );
}
