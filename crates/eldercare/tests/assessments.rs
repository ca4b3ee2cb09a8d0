#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! An older person assessed: the form scored by the catalog's scale, the level recorded as a
//! registry fact from the day of the assessment, with its audit entry, or nothing at all.

use chrono::Duration;
use minsheng_app::Clock;
use minsheng_core::access::{Role, Scope, Staff};
use minsheng_core::registry::AbilityLevel;
use minsheng_core::{AreaCode, IdNumber, Month};
use minsheng_eldercare::{assess, AssessError, AssessmentForm, AssessmentsStore};
use minsheng_policy::scale::Answers;
use minsheng_policy::Policy;
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(
    an_assessment_sets_the_level_the_rules_read,
    a_bad_form_or_procedure_changes_nothing,
    an_assessment_that_cannot_be_audited_is_not_kept,
    the_level_changes_what_the_rules_grant_that_month,
    the_synthetic_citys_levels_have_their_assessments,
);

/// Every level the synthetic registry holds has the assessment that found it: a form the scale
/// scores to that level, dated the day the level held, by two assessors; filed once.
async fn the_synthetic_citys_levels_have_their_assessments(store: &Store) {
    use minsheng_eldercare::assessments::file_synthetic;
    let (generator, people) = synthetic_city(3_000, 7);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::policy();
    let clock = Clock::system();
    let filed = file_synthetic(store, &policy, "生成", clock).await.unwrap();
    let with_level: Vec<_> = people
        .iter()
        .filter(|p| p.facts.ability.is_some())
        .collect();
    assert_eq!(filed, with_level.len());
    assert!(
        filed > 50,
        "hundreds of older residents, some assessed: {filed}"
    );
    let scale = policy.scale("ability").unwrap();
    for p in with_level.iter().take(40) {
        let history = store
            .assessments()
            .of_person(&p.person.id_number, &Scope::Everything)
            .await
            .unwrap();
        assert_eq!(history.len(), 1, "{}", p.person.id_number.masked());
        let a = &history[0];
        assert_eq!(Some(a.level), p.facts.ability);
        let scored = scale.score(&a.answers()).unwrap();
        assert_eq!(scale.levels[scored.level].code, a.level.as_str());
        assert_eq!(i64::from(scored.total), a.total);
        assert_ne!(a.assessor, a.reviewer);
    }
    assert_eq!(
        file_synthetic(store, &policy, "生成", clock).await.unwrap(),
        0
    );
    assert_eq!(store.audit_entries("assessments").await.unwrap().len(), 1);
}

/// An older person on 低保, assessed 中度失能: the month's home-care services (政府购买居家社区
/// 养老服务) go from nothing to the catalog's standard.
async fn the_level_changes_what_the_rules_grant_that_month(store: &Store) {
    let (generator, people) = synthetic_city(3_000, 7);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::policy();
    let clock = Clock::system();
    let month = Month::containing(clock.today);
    let subsidy = policy.variable("home_care_service_subsidy").unwrap();
    let on_dibao = policy.variable("on_dibao").unwrap();
    // The rules for one member of a household, as the registry has them now.
    let evaluate = |file: &minsheng_core::registry::HouseholdFile, id: &IdNumber, var| {
        let members = file.as_of(month.first_day(), chrono::Utc::now());
        let row = members
            .iter()
            .position(|(p, _)| &p.id_number == id)
            .unwrap();
        let mut e = minsheng_policy::Evaluation::of_household(&policy, month, &members, false);
        e.variable(var, Some(row)).unwrap()
    };
    let mut chosen = None;
    for p in &people {
        let age = minsheng_policy::inputs::age_on(p.birth_date, clock.today);
        // Not yet found impaired: the synthetic city assesses those whose self-care is lost.
        let impaired = p
            .facts
            .ability
            .is_some_and(|l| !matches!(l, AbilityLevel::Intact | AbilityLevel::Mild));
        if age < 65 || p.facts.death_date.is_some() || p.facts.institutional_care || impaired {
            continue;
        }
        let file = store
            .household_file(p.person.id_number.as_str())
            .await
            .unwrap();
        if evaluate(&file, &p.person.id_number, on_dibao) == minsheng_policy::Value::Bool(true) {
            chosen = Some(p.clone());
            break;
        }
    }
    let older = chosen.expect("an older person on 低保 in the synthetic city");
    let id = older.person.id_number.clone();
    let area = older.facts.area.clone();
    for (name, role, area) in [
        ("评估员甲", Role::Community, area.clone()),
        ("评估员乙", Role::Street, area.parent().unwrap()),
    ] {
        let staff = Staff {
            name: name.into(),
            role,
            area,
        };
        store.add_staff(&staff, "tester", clock.now).await.unwrap();
    }
    let before = store.household_file(id.as_str()).await.unwrap();
    assert_eq!(
        evaluate(&before, &id, subsidy),
        minsheng_policy::Value::Money(minsheng_core::Fen(0))
    );
    let mut answers = best(&policy);
    for item in [
        "walking",
        "stairs",
        "bathing",
        "daily_affairs",
        "transport",
        "social",
        "memory",
    ] {
        answers.scores.insert(item.into(), 0);
    }
    let town = Town {
        policy: policy.clone(),
        older: id.clone(),
        clock,
    };
    // Assessed on the month's first day, the day the rules read the registry for the month.
    let days_ago = (clock.today - month.first_day()).num_days();
    let done = assess(
        store,
        &policy,
        &form(&town, days_ago, answers),
        "评估员甲",
        clock,
    )
    .await
    .unwrap();
    assert_eq!(done.level, AbilityLevel::Moderate);
    let after = store.household_file(id.as_str()).await.unwrap();
    let standard = policy.parameters.leaves["eldercare.home_care.monthly_amount.urban"]
        .at(month.first_day())
        .unwrap()
        .value
        .unwrap();
    assert_eq!(evaluate(&after, &id, subsidy), standard);
}

struct Town {
    policy: Policy,
    older: IdNumber,
    clock: Clock,
}

async fn town(store: &Store) -> Town {
    let (generator, people) = synthetic_city(400, 11);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let clock = Clock::system();
    let older = people
        .iter()
        .find(|p| {
            // Never assessed: the synthetic city assesses some of its older residents.
            p.facts.death_date.is_none()
                && p.facts.ability.is_none()
                && minsheng_policy::inputs::age_on(p.birth_date, clock.today) >= 70
        })
        .expect("an older resident");
    let area = older.facts.area.clone();
    let elsewhere = people
        .iter()
        .map(|p| p.facts.area.clone())
        .find(|a| a.as_str()[..6] != area.as_str()[..6])
        .expect("another district");
    for (name, role, area) in [
        ("评估员甲", Role::Community, area.clone()),
        ("评估员乙", Role::Street, area.parent().unwrap()),
        ("外区评估员", Role::District, elsewhere.district().unwrap()),
    ] {
        let staff = Staff {
            name: name.into(),
            role,
            area: AreaCode::parse(area.as_str()).unwrap(),
        };
        store.add_staff(&staff, "tester", clock.now).await.unwrap();
    }
    Town {
        policy: minsheng_test_support::policy(),
        older: older.person.id_number.clone(),
        clock,
    }
}

/// Every item at its best, no condition.
fn best(policy: &Policy) -> Answers {
    let scale = policy.scale("ability").unwrap();
    let mut answers = Answers::default();
    for item in scale.domains.iter().flat_map(|d| &d.items) {
        answers.scores.insert(item.code.clone(), item.max());
    }
    for condition in &scale.conditions {
        answers.conditions.insert(condition.code.clone(), 0);
    }
    answers
}

fn form(town: &Town, days_ago: i64, answers: Answers) -> AssessmentForm {
    AssessmentForm {
        id_number: town.older.as_str().into(),
        assessed_on: town.clock.today - Duration::days(days_ago),
        answers,
        assessor: "评估员甲".into(),
        reviewer: "评估员乙".into(),
        reason: String::new(),
    }
}

async fn level_on(store: &Store, town: &Town, days_ago: i64) -> Option<AbilityLevel> {
    let file = store.household_file(town.older.as_str()).await.unwrap();
    let on = town.clock.today - Duration::days(days_ago);
    file.as_of(on, chrono::Utc::now())
        .into_iter()
        .find(|(p, _)| p.id_number == town.older)
        .and_then(|(_, f)| f.ability)
}

fn invalid_fields(result: Result<impl std::fmt::Debug, AssessError>) -> Vec<String> {
    match result {
        Err(AssessError::Invalid(errors)) => {
            let mut fields: Vec<String> = errors.into_iter().map(|e| e.field).collect();
            fields.sort();
            fields
        }
        other => panic!("not refused as invalid: {other:?}"),
    }
}

async fn an_assessment_sets_the_level_the_rules_read(store: &Store) {
    let town = town(store).await;
    // Full marks, but a diagnosis of dementia: one level worse than 能力完好.
    let mut answers = best(&town.policy);
    answers.conditions.insert("dementia".into(), 1);
    let done = assess(
        store,
        &town.policy,
        &form(&town, 40, answers),
        "评估员甲",
        town.clock,
    )
    .await
    .unwrap();
    assert_eq!(done.level, AbilityLevel::Mild);
    assert_eq!(done.scored.total, 90);
    assert!(done.explanation.iter().any(|l| l.contains("调整")));
    assert_eq!(level_on(store, &town, 41).await, None, "not before its day");
    assert_eq!(level_on(store, &town, 40).await, Some(AbilityLevel::Mild));

    // The rules read it for the month.
    let file = store.household_file(town.older.as_str()).await.unwrap();
    let month = Month::containing(town.clock.today);
    let members = file.as_of(month.first_day(), chrono::Utc::now());
    let (person, facts) = members
        .iter()
        .find(|(p, _)| p.id_number == town.older)
        .unwrap();
    let values =
        minsheng_policy::inputs::member_values(person, facts, month, town.policy.serious_illnesses);
    let at = town
        .policy
        .inputs
        .iter()
        .position(|i| i.name == "ability_level")
        .unwrap();
    assert_eq!(values[at].to_string(), "mild");

    // Reassessed 35 days later, seven items at nothing: 64 points, 中度 by the total alone.
    let mut answers = best(&town.policy);
    answers.scores.insert("walking".into(), 0);
    answers.scores.insert("stairs".into(), 0);
    answers.scores.insert("bathing".into(), 0);
    answers.scores.insert("daily_affairs".into(), 0);
    answers.scores.insert("transport".into(), 0);
    answers.scores.insert("social".into(), 0);
    answers.scores.insert("memory".into(), 0);
    let later = assess(
        store,
        &town.policy,
        &form(&town, 5, answers),
        "评估员乙",
        town.clock,
    )
    .await
    .unwrap();
    assert_eq!(later.scored.total, 64);
    assert_eq!(later.level, AbilityLevel::Moderate);
    assert_eq!(
        level_on(store, &town, 5).await,
        Some(AbilityLevel::Moderate)
    );
    assert_eq!(level_on(store, &town, 6).await, Some(AbilityLevel::Mild));
    let history = store
        .assessments()
        .of_person(&town.older, &Scope::Everything)
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].recorded_by, "评估员乙");
    assert_eq!(history[1].level, AbilityLevel::Mild);
    assert!(history[1].conditions.contains("dementia=1"));
    let audit = store
        .audit_entries(town.older.masked().as_str())
        .await
        .unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "assess_ability")
            .count(),
        2
    );
    // Due for the yearly reassessment twelve months after the last one, not a day before.
    let last = town.clock.today - Duration::days(5);
    let year_on = last.checked_add_months(chrono::Months::new(12)).unwrap();
    let due = |by| minsheng_eldercare::due(store, &town.policy, &Scope::Everything, by);
    assert!(due(year_on - Duration::days(1)).await.unwrap().is_empty());
    let listed = due(year_on).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id_number, town.older.masked());
    assert_eq!(
        (listed[0].last, listed[0].level),
        (last, AbilityLevel::Moderate)
    );
    let elsewhere = Scope::Area(AreaCode::parse("370299").unwrap());
    let far = minsheng_eldercare::due(store, &town.policy, &elsewhere, year_on).await;
    assert!(far.unwrap().is_empty());
    // Outside the area of who asks, there is nothing to see.
    let far = store
        .assessments()
        .of_person(
            &town.older,
            &Scope::Area(AreaCode::parse("370299").unwrap()),
        )
        .await;
    assert!(far.is_err());
}

async fn a_bad_form_or_procedure_changes_nothing(store: &Store) {
    let town = town(store).await;
    let policy = &town.policy;
    // An item missing, an option out of range, the reviewer the assessor.
    let mut answers = best(policy);
    answers.scores.remove("bathing");
    answers.scores.insert("stairs".into(), 4);
    let mut same = form(&town, 40, answers);
    same.reviewer = "评估员甲".into();
    assert_eq!(
        invalid_fields(assess(store, policy, &same, "评估员甲", town.clock).await),
        ["bathing", "reviewer", "stairs"]
    );
    // An assessor from another district; an actor who signed nothing.
    let mut far = form(&town, 40, best(policy));
    far.assessor = "外区评估员".into();
    assert_eq!(
        invalid_fields(assess(store, policy, &far, "外区评估员", town.clock).await),
        ["assessor"]
    );
    assert_eq!(
        invalid_fields(
            assess(
                store,
                policy,
                &form(&town, 40, best(policy)),
                "路人",
                town.clock
            )
            .await
        ),
        ["assessor"]
    );
    // A reassessment within 30 days says why.
    assess(
        store,
        policy,
        &form(&town, 40, best(policy)),
        "评估员甲",
        town.clock,
    )
    .await
    .unwrap();
    assert_eq!(
        invalid_fields(
            assess(
                store,
                policy,
                &form(&town, 20, best(policy)),
                "评估员甲",
                town.clock
            )
            .await
        ),
        ["reason"]
    );
    let mut explained = form(&town, 20, best(policy));
    explained.reason = "近期跌倒, 申请即时评估".into();
    assess(store, policy, &explained, "评估员甲", town.clock)
        .await
        .unwrap();
    let history = store
        .assessments()
        .of_person(&town.older, &Scope::Everything)
        .await
        .unwrap();
    assert_eq!(history.len(), 2, "only the two accepted forms are kept");
    assert_eq!(history[0].reason, "近期跌倒, 申请即时评估");
    assert_eq!(level_on(store, &town, 20).await, Some(AbilityLevel::Intact));
}

async fn an_assessment_that_cannot_be_audited_is_not_kept(store: &Store) {
    let town = town(store).await;
    minsheng_test_support::refuse(store, "audit_refused", "INSERT", "audit_log").await;
    let refused = assess(
        store,
        &town.policy,
        &form(&town, 40, best(&town.policy)),
        "评估员甲",
        town.clock,
    )
    .await;
    assert!(matches!(refused, Err(AssessError::Store(_))), "{refused:?}");
    minsheng_test_support::allow(store, "audit_refused", "audit_log").await;
    let history = store
        .assessments()
        .of_person(&town.older, &Scope::Everything)
        .await
        .unwrap();
    assert!(history.is_empty());
    assert_eq!(level_on(store, &town, 0).await, None);
}
