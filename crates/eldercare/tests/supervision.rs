#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Care institutions supervised by 双随机、一公开: a draw anyone can make again, a second draw
//! only with a reason (the first kept), an inspection by a drawn inspector with every checklist
//! item, a failed item's deadline and its rectification accepted once — and nothing of it
//! without its audit entry.

use chrono::Duration;
use minsheng_app::Clock;
use minsheng_core::access::{Account, Role, Staff};
use minsheng_core::AreaCode;
use minsheng_eldercare::supervision::{
    inspect, make_draw, rectified, verify, DrawRequest, Inspection, Institution, SupervisionError,
    SupervisionStore,
};
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(
    a_draw_is_made_again_by_anyone_and_not_repeated_silently,
    an_inspection_and_its_follow_up,
    a_draw_that_cannot_be_audited_is_not_kept,
    the_service_network_is_filed_once,
);

/// The synthetic city's street centres and community stations: one a street or community, as
/// many as the whole city has (the network belongs to the map), filed once with their audit
/// entry.
async fn the_service_network_is_filed_once(store: &Store) {
    use minsheng_eldercare::facilities::{file_synthetic, FacilitiesStore as _, Kind};
    let town = town(store).await;
    let filed = file_synthetic(store, 3, "生成", town.clock).await.unwrap();
    let all = store.facilities().all().await.unwrap();
    assert_eq!(all.len(), filed);
    let stations = all
        .iter()
        .filter(|f| f.kind == Kind::CommunityStation)
        .count();
    assert_eq!(stations, 1_300, "the city's 1,300");
    assert!(all
        .iter()
        .filter(|f| f.kind == Kind::StreetCentre)
        .all(|f| f.area.level() == minsheng_core::AreaLevel::Street));
    assert_eq!(
        file_synthetic(store, 3, "生成", town.clock).await.unwrap(),
        0
    );
    assert_eq!(store.audit_entries("facilities").await.unwrap().len(), 1);
}

async fn a_draw_that_cannot_be_audited_is_not_kept(store: &Store) {
    let town = town(store).await;
    let chief = staff("区科长", Role::District, &town.district);
    minsheng_test_support::refuse(store, "audit_refused", "INSERT", "audit_log").await;
    let result = draw_for(store, &town, &chief, "2026年第四季度", "7", "").await;
    minsheng_test_support::allow(store, "audit_refused", "audit_log").await;
    assert!(result.is_err());
    assert!(store.supervision().draws().await.unwrap().is_empty());
}

struct Town {
    district: AreaCode,
    institutions: Vec<Institution>,
    clock: Clock,
}

async fn town(store: &Store) -> Town {
    let (generator, people) = synthetic_city(300, 5);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let district = people[0].facts.area.district().unwrap();
    let streets: Vec<AreaCode> = generator
        .areas()
        .iter()
        .map(|a| a.code.clone())
        .filter(|c| c.level() == minsheng_core::AreaLevel::Community && c.is_within(&district))
        .collect();
    let institutions: Vec<Institution> = (0..12)
        .map(|i| Institution {
            code: format!("{}YL{i:04}", district.as_str()),
            name: format!("测试颐养院{i}"),
            area: streets[i % streets.len()].clone(),
            operator: "private".into(),
            beds: 100,
            nursing_beds: 80,
            residents: 60,
            filed_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        })
        .collect();
    let clock = Clock::system();
    store
        .supervision()
        .add_institutions(&institutions, "tester", clock.now, noted("institutions"))
        .await
        .unwrap();
    for (name, role, area) in [
        ("区科长", Role::District, district.clone()),
        ("街道甲", Role::Street, streets[0].parent().unwrap()),
        (
            "街道乙",
            Role::Street,
            streets[1 % streets.len()].parent().unwrap(),
        ),
        ("社区丙", Role::Community, streets[0].clone()),
    ] {
        store
            .add_staff(
                &Staff {
                    name: name.into(),
                    role,
                    area,
                },
                "tester",
                clock.now,
            )
            .await
            .unwrap();
    }
    Town {
        district,
        institutions,
        clock,
    }
}

fn staff(store_name: &str, role: Role, area: &AreaCode) -> Account {
    Account::Staff(Staff {
        name: store_name.into(),
        role,
        area: area.clone(),
    })
}

/// A draw for the town's district under `plan`.
async fn draw_for(
    store: &Store,
    town: &Town,
    who: &Account,
    plan: &str,
    seed: &str,
    reason: &str,
) -> Result<minsheng_eldercare::supervision::DrawRecord, SupervisionError> {
    let request = DrawRequest {
        plan,
        area: &town.district,
        seed,
        reason,
    };
    make_draw(
        store,
        &minsheng_test_support::policy(),
        who,
        &request,
        town.clock,
    )
    .await
}

async fn a_draw_is_made_again_by_anyone_and_not_repeated_silently(store: &Store) {
    let town = town(store).await;
    let chief = staff("区科长", Role::District, &town.district);
    let first = draw_for(store, &town, &chief, "2026年第四季度", "公证 0417", "")
        .await
        .unwrap();
    // 12 institutions at 20%: 3, each with 2 of the 3 inspectors (the community caseworker is not one).
    assert_eq!(first.result.len(), 3);
    let mut inspectors = vec!["区科长".to_string(), "街道甲".into(), "街道乙".into()];
    inspectors.sort();
    assert_eq!(first.inspectors, inspectors);
    assert_eq!(first.institutions.len(), 12);
    assert!(
        verify(&first).unwrap(),
        "drawn again from its record, the same"
    );
    // A stranger with the published seed and lists, in any order, gets the same.
    let mut institutions = first.institutions.clone();
    institutions.reverse();
    let input = minsheng_eldercare::supervision::DrawInput::new(
        "公证 0417",
        institutions,
        first.inspectors.clone(),
        first.share_permille,
        first.per_institution,
    );
    assert_eq!(
        minsheng_eldercare::supervision::draw(&input).unwrap(),
        first.result
    );

    // The same plan again: refused without a reason, nothing recorded.
    let again = draw_for(store, &town, &chief, "2026年第四季度", "另一个种子", "").await;
    match again {
        Err(SupervisionError::Store(e)) => assert!(e.to_string().contains("reason"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.supervision().draws().await.unwrap().len(), 1);
    // With a reason: a new draw, the first kept and marked, both audited.
    let second = draw_for(
        store,
        &town,
        &chief,
        "2026年第四季度",
        "另一个种子",
        "检查人员名录有误",
    )
    .await
    .unwrap();
    let draws = store.supervision().draws().await.unwrap();
    assert_eq!(draws.len(), 2);
    assert_eq!(
        store
            .supervision()
            .draw(first.id)
            .await
            .unwrap()
            .superseded_by,
        Some(second.id)
    );
    let audited = store.audit_entries(town.district.as_str()).await.unwrap();
    let draws_audited: Vec<_> = audited
        .iter()
        .filter(|e| e.action == "supervision_draw")
        .collect();
    assert_eq!(draws_audited.len(), 2);
    assert!(
        draws_audited[1]
            .detail
            .contains(&format!("supersedes={}", first.id))
            && draws_audited[1].detail.contains("检查人员名录有误")
    );

    // Staff of a street cannot draw for the district; a blank seed is refused.
    let street = staff(
        "街道甲",
        Role::Street,
        &town.institutions[0].area.parent().unwrap(),
    );
    let outside = draw_for(store, &town, &street, "2027年第一季度", "s", "").await;
    assert!(
        matches!(outside, Err(SupervisionError::Invalid(ref e)) if e.field == "area"),
        "{outside:?}"
    );
    let blank = draw_for(store, &town, &chief, "2027年第一季度", "  ", "").await;
    assert!(matches!(blank, Err(SupervisionError::Draw(_))), "{blank:?}");
    assert_eq!(store.supervision().draws().await.unwrap().len(), 2);
}

async fn an_inspection_and_its_follow_up(store: &Store) {
    let town = town(store).await;
    let policy = minsheng_test_support::policy();
    let chief = staff("区科长", Role::District, &town.district);
    let record = draw_for(store, &town, &chief, "2026年第四季度", "7", "")
        .await
        .unwrap();
    let (code, team) = record.result[0].clone();
    let inspector = store.staff(&team[0]).await.unwrap().unwrap();
    let inspector = Account::Staff(inspector);
    let checklist = minsheng_eldercare::supervision::checklist(&policy).unwrap();
    let all_pass = |but: Option<(&str, &str)>| -> Vec<(String, bool, String)> {
        checklist
            .items
            .iter()
            .map(|i| match but {
                Some((item, note)) if item == i.code => (i.code.clone(), false, note.to_string()),
                _ => (i.code.clone(), true, String::new()),
            })
            .collect()
    };
    let on = town.clock.today;
    let mut inspection = Inspection {
        draw: record.id,
        institution: &code,
        inspected_on: on,
        items: all_pass(Some(("fire_safety", ""))),
    };
    // A failed item without a note, an item missing, someone not drawn: refused, nothing kept.
    let no_note = inspect(store, &policy, &inspector, &inspection, town.clock).await;
    assert!(
        matches!(no_note, Err(SupervisionError::Invalid(ref e)) if e.field == "fire_safety"),
        "{no_note:?}"
    );
    inspection.items = all_pass(Some(("fire_safety", "疏散通道堆放杂物")));
    let mut missing = inspection.items.clone();
    missing.retain(|(c, _, _)| c != "food_safety");
    let short = Inspection {
        draw: record.id,
        institution: &code,
        inspected_on: on,
        items: missing,
    };
    let refused = inspect(store, &policy, &inspector, &short, town.clock).await;
    assert!(
        matches!(refused, Err(SupervisionError::Invalid(ref e)) if e.field == "food_safety"),
        "{refused:?}"
    );
    let stranger = staff("社区丙", Role::Community, &town.institutions[0].area);
    let not_drawn = inspect(store, &policy, &stranger, &inspection, town.clock).await;
    assert!(
        matches!(not_drawn, Err(SupervisionError::Invalid(ref e)) if e.field == "inspector"),
        "{not_drawn:?}"
    );
    assert!(store
        .supervision()
        .results(record.id)
        .await
        .unwrap()
        .is_empty());

    let done = inspect(store, &policy, &inspector, &inspection, town.clock)
        .await
        .unwrap();
    assert_eq!(done.len(), checklist.items.len());
    let failed = done.iter().find(|r| !r.passed).unwrap();
    assert_eq!(failed.item, "fire_safety");
    let days = policy
        .count(minsheng_eldercare::supervision::RECTIFY_DAYS, on)
        .unwrap();
    assert_eq!(
        failed.rectify_by,
        Some(on + Duration::days(i64::from(days)))
    );
    // Recorded once.
    let twice = inspect(store, &policy, &inspector, &inspection, town.clock).await;
    assert!(
        matches!(twice, Err(SupervisionError::Store(_))),
        "{twice:?}"
    );

    // The rectification, accepted once, for a failed item only.
    let passed = rectified(
        store,
        &chief,
        record.id,
        &code,
        "food_safety",
        on,
        "",
        town.clock,
    )
    .await;
    assert!(passed.is_err());
    rectified(
        store,
        &chief,
        record.id,
        &code,
        "fire_safety",
        on,
        "通道已清理",
        town.clock,
    )
    .await
    .unwrap();
    let second = rectified(
        store,
        &chief,
        record.id,
        &code,
        "fire_safety",
        on,
        "",
        town.clock,
    )
    .await;
    match second {
        Err(SupervisionError::Store(e)) => {
            assert!(e.to_string().contains("整改验收"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    let results = store.supervision().results(record.id).await.unwrap();
    let fire = results.iter().find(|r| r.item == "fire_safety").unwrap();
    assert_eq!(fire.rectified_on, Some(on));
    let audited = store.audit_entries(&code).await.unwrap();
    assert_eq!(
        audited
            .iter()
            .filter(|e| e.action == "inspect_institution")
            .count(),
        1
    );
    assert_eq!(
        audited
            .iter()
            .filter(|e| e.action == "accept_rectification")
            .count(),
        1
    );
}
