#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! A home care bed and a refit from application to the ledger: qualified by rule, assessed,
//! assigned to a provider of the area, started by that provider, accepted by the street — and
//! then paid to the older person it is for, monthly for the bed and once for the refit; a
//! second acceptance, someone outside the area, a provider of another street, a step that
//! cannot be audited: each refused with its field, nothing changed.

use minsheng_app::{Clock, Quiet};
use minsheng_core::access::{Account, Role, Staff};
use minsheng_core::registry::Registration;
use minsheng_core::{AreaCode, Fen, Month};
use minsheng_eldercare::applications::{
    apply, take_step, ApplicationError, ApplicationForm, ApplicationsStore, Stage, Step,
};
use minsheng_payments::PaymentsStore;
use minsheng_policy::{Policy, Value};
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(
    a_refit_and_a_bed_from_application_to_the_ledger,
    a_step_that_cannot_be_audited_is_not_kept,
    the_synthetic_city_has_its_years_beds_and_refits,
);

/// The first person of `people` the rules give `amount` in `month`, and the amount.
async fn first_with(
    store: &Store,
    policy: &Policy,
    people: &[Registration],
    amount: &str,
    month: Month,
    clock: Clock,
) -> (Registration, Fen) {
    let id = policy.variable(amount).unwrap();
    for p in people {
        let file = store
            .household_file(p.person.id_number.as_str())
            .await
            .unwrap();
        let members = file.as_of(month.first_day(), clock.now);
        let Some(member) = members
            .iter()
            .position(|(q, _)| q.id_number == p.person.id_number)
        else {
            continue;
        };
        let mut e = minsheng_policy::Evaluation::of_household(policy, month, &members, false);
        if let Ok(Value::Money(fen)) = e.variable(id, Some(member)) {
            if fen > Fen::ZERO {
                return (p.clone(), fen);
            }
        }
    }
    panic!("nobody in the city has {amount}");
}

fn staff(name: &str, role: Role, area: &AreaCode) -> Account {
    Account::Staff(Staff {
        name: name.into(),
        role,
        area: area.clone(),
    })
}

struct Town {
    people: Vec<Registration>,
    clock: Clock,
}

async fn town(store: &Store) -> Town {
    let (generator, people) = synthetic_city(4_000, 17);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    Town {
        people,
        clock: Clock::system(),
    }
}

async fn add(store: &Store, who: &Account, clock: Clock) {
    let Account::Staff(s) = who else {
        unreachable!()
    };
    store.add_staff(s, "tester", clock.now).await.unwrap();
}

fn field(r: Result<impl std::fmt::Debug, ApplicationError>) -> String {
    match r {
        Err(ApplicationError::Invalid(e)) => e.field,
        Err(ApplicationError::Store(e)) => format!("store: {e}"),
        Ok(v) => panic!("accepted: {v:?}"),
    }
}

async fn a_refit_and_a_bed_from_application_to_the_ledger(store: &Store) {
    let Town { people, clock } = town(store).await;
    let policy = minsheng_test_support::policy();
    let month = Month::containing(clock.today);
    let (elder, refit) =
        first_with(store, &policy, &people, "home_refit_subsidy", month, clock).await;
    let community = elder.facts.area.clone();
    let street_area = community.parent().unwrap();
    let caseworker = staff("社区甲", Role::Community, &community);
    let street = staff("街道乙", Role::Street, &street_area);
    let provider = staff("康养服务中心", Role::Provider, &street_area);
    let stranger = people
        .iter()
        .find(|p| !p.facts.area.is_within(&street_area))
        .unwrap()
        .facts
        .area
        .clone();
    let elsewhere = staff("别处社区", Role::Community, &stranger);
    let far_provider = staff("别处服务商", Role::Provider, &stranger.parent().unwrap());
    for who in [&caseworker, &street, &provider, &elsewhere, &far_provider] {
        add(store, who, clock).await;
    }
    let id_number = elder.person.id_number.as_str().to_string();
    let asked = |program: &'static str| ApplicationForm {
        program,
        id_number: &id_number,
        applied_on: clock.today,
        request: "申请居家适老化改造: 卫生间扶手、防滑地面",
    };

    // Someone outside the caseworker's area, and a program that is not a service.
    let refused = apply(store, &policy, &elsewhere, &asked("home_refit"), clock).await;
    assert_eq!(field(refused), "id_number");
    let refused = apply(store, &policy, &caseworker, &asked("dibao"), clock).await;
    assert_eq!(field(refused), "program");
    assert!(store
        .applications()
        .list(&minsheng_core::access::Scope::Everything, None)
        .await
        .unwrap()
        .is_empty());

    // Someone the rules do not qualify is kept, closed, with their reasons.
    let young = people
        .iter()
        .find(|p| {
            p.facts.area.is_within(&street_area)
                && p.person.birth_date() > clock.today - chrono::Duration::days(365 * 40)
        })
        .unwrap();
    let young_id = young.person.id_number.as_str().to_string();
    let filed = apply(
        store,
        &policy,
        &street,
        &ApplicationForm {
            id_number: &young_id,
            ..asked("home_refit")
        },
        clock,
    )
    .await
    .unwrap();
    assert_eq!(filed.stage, Stage::Ineligible);
    assert!(!filed.explanation.is_empty());

    // The elder qualifies; a second application while it is open is refused.
    let filed = apply(store, &policy, &caseworker, &asked("home_refit"), clock)
        .await
        .unwrap();
    assert_eq!(filed.stage, Stage::Applied);
    let id = filed.id;
    let again = apply(store, &policy, &caseworker, &asked("home_refit"), clock).await;
    assert!(field(again).starts_with("store"), "a duplicate");
    let (record, steps) = store
        .applications()
        .get(id, &caseworker.scope(), None)
        .await
        .unwrap();
    assert!(
        record.due.is_some_and(|d| d.on > clock.today),
        "assessed within working days"
    );
    assert_eq!(steps.len(), 1);
    assert!(steps[0].detail.starts_with("符合条件"));

    let step = |s: Step| s;
    // Assessment: not by the provider; someone must have visited.
    let assess = |assessors: Vec<String>| Step::Assess {
        assessors,
        report: "卫生间无扶手, 地面湿滑; 改造: 扶手2处、防滑地面".into(),
    };
    let r = take_step(
        store,
        &policy,
        &provider,
        id,
        &assess(vec!["王".into()]),
        clock,
    )
    .await;
    assert!(
        field(r).starts_with("store"),
        "a provider sees no unassigned application"
    );
    let r = take_step(
        store,
        &policy,
        &caseworker,
        id,
        &assess(vec![" ".into()]),
        clock,
    )
    .await;
    assert_eq!(field(r), "assessors");
    take_step(
        store,
        &policy,
        &caseworker,
        id,
        &assess(vec!["王芳".into(), "李强".into()]),
        clock,
    )
    .await
    .unwrap();
    // Assignment: a provider serving the area, by the street.
    let assign = |p: &Account| {
        step(Step::Assign {
            provider: p.name().to_string(),
        })
    };
    let r = take_step(store, &policy, &caseworker, id, &assign(&provider), clock).await;
    assert_eq!(field(r), "actor");
    let r = take_step(store, &policy, &street, id, &assign(&far_provider), clock).await;
    assert_eq!(field(r), "provider");
    let r = take_step(store, &policy, &street, id, &assign(&street), clock).await;
    assert_eq!(field(r), "provider");
    take_step(store, &policy, &street, id, &assign(&provider), clock)
        .await
        .unwrap();
    // The start: the assigned provider only, not in the future.
    let start = |on| Step::Start {
        on,
        note: "进场施工".into(),
    };
    let r = take_step(
        store,
        &policy,
        &far_provider,
        id,
        &start(clock.today),
        clock,
    )
    .await;
    assert!(
        field(r).starts_with("store"),
        "another provider cannot see it"
    );
    let r = take_step(
        store,
        &policy,
        &provider,
        id,
        &start(clock.today + chrono::Duration::days(1)),
        clock,
    )
    .await;
    assert_eq!(field(r), "on");
    take_step(store, &policy, &provider, id, &start(clock.today), clock)
        .await
        .unwrap();
    // Acceptance: not by the provider; by the street, once.
    let accept = Step::Accept {
        report: "扶手牢固, 防滑地面完工, 验收合格".into(),
    };
    let r = take_step(store, &policy, &provider, id, &accept, clock).await;
    assert_eq!(field(r), "actor");
    let taken = take_step(store, &policy, &street, id, &accept, clock)
        .await
        .unwrap();
    assert_eq!(taken.stage, Stage::Accepted);
    let (enrolment, paid_from) = taken.enrolled.unwrap();
    assert_eq!(paid_from, month.next());
    let second = take_step(store, &policy, &street, id, &accept, clock).await;
    assert_eq!(field(second), "stage");
    let household = elder.facts.household.clone();
    let enrolments = store.payments().enrolments(&household).await.unwrap();
    let refits: Vec<_> = enrolments
        .iter()
        .filter(|e| e.program == "home_refit")
        .collect();
    assert_eq!(refits.len(), 1, "enrolled once");
    assert_eq!(refits[0].id, enrolment);
    assert_eq!(refits[0].last_month, Some(paid_from), "paid once");
    let entries = store.audit_entries(&format!("service:{id}")).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "service_apply",
            "service_assess",
            "service_assign",
            "service_start",
            "service_accept"
        ]
    );

    // Paid in its month to the elder, at the rules' amount; not the month after.
    let paid = |m: Month| {
        let policy = &policy;
        async move {
            minsheng_payments::compute(store, policy, m, false, "核算员", clock, &Quiet)
                .await
                .unwrap();
        }
    };
    paid(paid_from).await;
    paid(paid_from.next()).await;
    let lines = store
        .payments()
        .household_payments(&household, 100)
        .await
        .unwrap();
    let refit_lines: Vec<_> = lines.iter().filter(|l| l.program == "home_refit").collect();
    assert_eq!(refit_lines.len(), 1, "{lines:?}");
    assert_eq!(refit_lines[0].month, paid_from);
    assert_eq!(refit_lines[0].amount, refit);
    assert_eq!(refit_lines[0].payee, elder.person.name);

    // A bed accepted now is paid from the first month no cycle has been computed for, monthly,
    // to its person only.
    let bed_month = month;
    let (bedridden, bed) = first_with(
        store,
        &policy,
        &people,
        "home_care_bed_subsidy",
        bed_month,
        clock,
    )
    .await;
    let bed_area = bedridden.facts.area.clone();
    let bed_street = staff("街道丁", Role::Street, &bed_area.parent().unwrap());
    let bed_provider = staff("床位服务商", Role::Provider, &bed_area.parent().unwrap());
    add(store, &bed_street, clock).await;
    add(store, &bed_provider, clock).await;
    let bed_id_number = bedridden.person.id_number.as_str().to_string();
    let filed = apply(
        store,
        &policy,
        &bed_street,
        &ApplicationForm {
            program: "home_care_bed",
            id_number: &bed_id_number,
            applied_on: clock.today,
            request: "申请家庭养老床位",
        },
        clock,
    )
    .await
    .unwrap();
    assert_eq!(filed.stage, Stage::Applied);
    for (who, s) in [
        (&bed_street, assess(vec!["赵".into()])),
        (&bed_street, assign(&bed_provider)),
        (&bed_provider, start(clock.today)),
    ] {
        take_step(store, &policy, who, filed.id, &s, clock)
            .await
            .unwrap();
    }
    let taken = take_step(store, &policy, &bed_street, filed.id, &accept, clock)
        .await
        .unwrap();
    let (_, bed_from) = taken.enrolled.unwrap();
    assert_eq!(
        bed_from,
        paid_from.next().next(),
        "after the cycles already computed"
    );
    paid(bed_from).await;
    paid(bed_from.next()).await;
    let lines = store
        .payments()
        .household_payments(&bedridden.facts.household, 100)
        .await
        .unwrap();
    let bed_lines: Vec<_> = lines
        .iter()
        .filter(|l| l.program == "home_care_bed")
        .collect();
    assert_eq!(bed_lines.len(), 2, "{lines:?}");
    assert!(bed_lines
        .iter()
        .all(|l| l.amount == bed && l.payee == bedridden.person.name));
}

async fn a_step_that_cannot_be_audited_is_not_kept(store: &Store) {
    let Town { people, clock } = town(store).await;
    let policy = minsheng_test_support::policy();
    let month = Month::containing(clock.today);
    let (elder, _) = first_with(store, &policy, &people, "home_refit_subsidy", month, clock).await;
    let street_area = elder.facts.area.parent().unwrap();
    let street = staff("街道乙", Role::Street, &street_area);
    let provider = staff("康养服务中心", Role::Provider, &street_area);
    add(store, &street, clock).await;
    add(store, &provider, clock).await;
    let id_number = elder.person.id_number.as_str().to_string();
    let filed = apply(
        store,
        &policy,
        &street,
        &ApplicationForm {
            program: "home_refit",
            id_number: &id_number,
            applied_on: clock.today,
            request: "申请适老化改造",
        },
        clock,
    )
    .await
    .unwrap();
    for (who, s) in [
        (
            &street,
            Step::Assess {
                assessors: vec!["王".into()],
                report: "需改造".into(),
            },
        ),
        (
            &street,
            Step::Assign {
                provider: "康养服务中心".into(),
            },
        ),
        (
            &provider,
            Step::Start {
                on: clock.today,
                note: "开工".into(),
            },
        ),
    ] {
        take_step(store, &policy, who, filed.id, &s, clock)
            .await
            .unwrap();
    }
    minsheng_test_support::refuse(store, "audit_refused", "INSERT", "audit_log").await;
    let accept = Step::Accept {
        report: "合格".into(),
    };
    let result = take_step(store, &policy, &street, filed.id, &accept, clock).await;
    minsheng_test_support::allow(store, "audit_refused", "audit_log").await;
    assert!(result.is_err());
    let (record, _) = store
        .applications()
        .get(filed.id, &street.scope(), None)
        .await
        .unwrap();
    assert_eq!(record.stage, Stage::Started);
    assert!(record.enrolment_id.is_none());
    assert!(store
        .payments()
        .enrolments(&elder.facts.household)
        .await
        .unwrap()
        .iter()
        .all(|e| e.program != "home_refit"));
    // And then it is accepted, once.
    take_step(store, &policy, &street, filed.id, &accept, clock)
        .await
        .unwrap();
}

async fn the_synthetic_city_has_its_years_beds_and_refits(store: &Store) {
    use minsheng_eldercare::applications::file_synthetic;
    use minsheng_synth::services::{yearly, BEDS_PER_10M, REFITS_PER_10M};
    let Town { clock, .. } = town(store).await;
    let policy = minsheng_test_support::policy();
    let (beds, refits) = file_synthetic(store, &policy, 4_000, 17, "生成", clock)
        .await
        .unwrap();
    assert_eq!(beds as u64, yearly(BEDS_PER_10M, 4_000));
    assert_eq!(refits as u64, yearly(REFITS_PER_10M, 4_000));
    let list = store
        .applications()
        .list(&minsheng_core::access::Scope::Everything, None)
        .await
        .unwrap();
    assert_eq!(list.len(), beds + refits);
    let month = Month::containing(minsheng_synth::reference_date());
    for a in &list {
        assert_eq!(a.stage, Stage::Accepted);
        let (_, steps) = store
            .applications()
            .get(a.id, &minsheng_core::access::Scope::Everything, None)
            .await
            .unwrap();
        let names: Vec<&str> = steps.iter().map(|s| s.step.as_str()).collect();
        assert_eq!(names, ["apply", "assess", "assign", "start", "accept"]);
        assert!(steps.windows(2).all(|w| w[0].taken_on < w[1].taken_on));
        // The rules qualify the person, and the ledger pays them.
        let file = store.household_file(&a.household).await.unwrap();
        let members = file.as_of(month.first_day(), clock.now);
        let member = members
            .iter()
            .position(|(p, _)| p.id_number == a.id_number)
            .unwrap();
        let amount = policy.program(&a.program).unwrap().amount;
        let mut e = minsheng_policy::Evaluation::of_household(&policy, month, &members, false);
        assert!(matches!(e.variable(amount, Some(member)), Ok(Value::Money(f)) if f > Fen::ZERO));
        let enrolments = store.payments().enrolments(&a.household).await.unwrap();
        let enrolment = enrolments
            .iter()
            .find(|e| Some(e.id) == a.enrolment_id)
            .unwrap();
        assert_eq!(enrolment.program, a.program);
        assert_eq!(
            enrolment.last_month.is_some(),
            a.program == "home_refit",
            "a refit is paid once, a bed monthly"
        );
    }
    assert_eq!(
        file_synthetic(store, &policy, 4_000, 17, "生成", clock)
            .await
            .unwrap(),
        (0, 0),
        "once"
    );
    let entries = store.audit_entries("service:synthetic").await.unwrap();
    assert_eq!(entries.len(), 1);
}
