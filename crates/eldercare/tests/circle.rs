#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The 15-minute circle over a synthetic city: every household placed, every service point
//! filed; coverage counts each community's older residents within reach and suggests where a
//! station would reach the most of the rest — and a station filed at the first suggestion
//! brings exactly its gain within reach. Only the district and the city plan; a place outside
//! the city, an unknown kind, area or household is refused with its field, nothing changed.

use minsheng_app::{Clock, Quiet};
use minsheng_core::access::{Account, Role, Scope, Staff};
use minsheng_core::geo::Position;
use minsheng_core::AreaCode;
use minsheng_eldercare::circle::{
    self, import_locations, import_points, refresh, CircleError, CircleStore, HomeRow, PointRow,
};
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(circle_from_places_to_suggestions,);

fn staff(name: &str, role: Role, area: &str) -> Account {
    Account::Staff(Staff {
        name: name.into(),
        role,
        area: AreaCode::parse(area).unwrap(),
    })
}

fn field<T: std::fmt::Debug>(r: Result<T, CircleError>) -> String {
    match r {
        Err(CircleError::Invalid(e)) => {
            assert!(!e.reason.is_empty());
            e.field
        }
        Err(other) => format!("other: {other}"),
        Ok(v) => panic!("accepted: {v:?}"),
    }
}

fn row(kind: &str, code: &str, area: &str, at: Position) -> PointRow {
    PointRow {
        kind: kind.into(),
        code: code.into(),
        name: format!("{code}养老服务站"),
        area_code: area.into(),
        lon: Position::degrees_text(at.lon),
        lat: Position::degrees_text(at.lat),
    }
}

async fn circle_from_places_to_suggestions(store: &Store) {
    let (generator, people) = synthetic_city(4_000, 23);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::policy();
    let clock = Clock::system();
    let today = clock.today;
    let city = staff("市级甲", Role::City, "370200");
    let street = staff("街道乙", Role::Street, "370202001");

    // Only the district and the city plan the network.
    assert_eq!(
        field(refresh(store, &policy, &street, today, 3, clock, &Quiet).await),
        "actor"
    );
    assert_eq!(store.circle().last_run().await.unwrap(), None);

    minsheng_eldercare::facilities::file_synthetic(store, 23, "demo", clock)
        .await
        .unwrap();
    minsheng_eldercare::meals::file_synthetic(store, 4_000, 23, "demo", clock)
        .await
        .unwrap();
    minsheng_eldercare::supervision::file_synthetic(store, 4_000, 23, "demo", clock)
        .await
        .unwrap();
    let (points, homes) = circle::file_synthetic(store, 4_000, 23, "demo", clock)
        .await
        .unwrap();
    let households = store.circle().households().await.unwrap();
    assert!(points > 1_300, "{points} points");
    assert_eq!(homes, households.len());
    assert_eq!(store.circle().locations().await.unwrap().len(), homes);
    assert_eq!(
        circle::file_synthetic(store, 4_000, 23, "demo", clock)
            .await
            .unwrap(),
        (0, 0)
    );

    let run = refresh(store, &policy, &city, today, 3, clock, &Quiet)
        .await
        .unwrap();
    assert!(run.elders > 500, "{} elders", run.elders);
    assert_eq!(run.located, run.elders);
    assert!(run.covered > 0 && run.covered < run.elders, "{run:?}");
    assert_eq!(run.points, points as u64);
    assert_eq!(run.model.minutes, 15);

    let view = circle::view(store, &city).await.unwrap().expect("a run");
    assert_eq!(view.run, run);
    let whole = view.totals().pop().expect("the city's total").1;
    assert_eq!((whole.elders, whole.covered), (run.elders, run.covered));
    for c in &view.communities {
        assert!(c.covered <= c.located && c.located <= c.elders);
        assert!(c.by_kind.iter().all(|&n| n <= c.covered));
        assert!(c.by_kind.iter().max() <= Some(&c.covered));
    }
    let gaps = view.gaps();
    assert!(!gaps.is_empty());
    assert!(gaps
        .windows(2)
        .all(|w| w[0].covered_permille() <= w[1].covered_permille()));
    assert!(gaps
        .iter()
        .all(|c| !run.model.meets_target(c.covered, c.elders)));
    let best = view
        .suggestions
        .first()
        .cloned()
        .expect("a suggested station");
    assert!(view
        .suggestions
        .iter()
        .all(|s| s.gain <= best.gain && s.gain > 0));

    // A district sees its own communities, points and suggestions; a provider nothing.
    let district_code = &best.area[..6];
    let district = staff("区级丙", Role::District, district_code);
    let seen = circle::view(store, &district).await.unwrap().unwrap();
    assert!(seen
        .communities
        .iter()
        .all(|c| c.area.starts_with(district_code)));
    assert!(seen
        .points
        .iter()
        .all(|p| p.area.starts_with(district_code)));
    assert!(seen.suggestions.contains(&best));
    assert!(seen.communities.len() < view.communities.len());
    let provider = staff("食堂丁", Role::Provider, district_code);
    assert_eq!(field(circle::view(store, &provider).await), "actor");

    // Bad files change nothing.
    let before = store.circle().points(&Scope::Everything).await.unwrap();
    let here = best.at;
    let good = row("community_station", "NEW01", &best.area, here);
    let beijing = Position::from_degrees(116.4, 39.9);
    for (rows, who, expected) in [
        (vec![good.clone()], &street, "actor"),
        (
            vec![good.clone(), row("hospital", "H1", &best.area, here)],
            &city,
            "kind",
        ),
        (
            vec![row("community_station", "NEW02", &best.area, beijing)],
            &city,
            "lon",
        ),
        (
            vec![PointRow {
                lat: "36.0712345".into(),
                ..good.clone()
            }],
            &city,
            "lat",
        ),
        (
            vec![row("community_station", "NEW03", "370202999999", here)],
            &city,
            "area_code",
        ),
        (vec![good.clone(), good.clone()], &city, "code"),
        (
            vec![row("community_station", "NEW04", "370285001001", here)],
            &district,
            "area_code",
        ),
    ] {
        let got = import_points(store, &policy, who, &rows, clock).await;
        assert_eq!(field(got), expected, "{rows:?}");
    }
    let err = import_points(
        store,
        &policy,
        &city,
        &[row("community_station", "NEW02", &best.area, beijing)],
        clock,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("第 2 行"), "{err}");
    assert!(err.to_string().contains("市域之外"), "{err}");
    assert_eq!(
        store.circle().points(&Scope::Everything).await.unwrap(),
        before
    );

    let household = people.first().unwrap().facts.household.clone();
    let home = |household: &str, lat: &str| HomeRow {
        household: household.into(),
        lon: "120.38".into(),
        lat: lat.into(),
    };
    assert_eq!(
        field(
            import_locations(
                store,
                &policy,
                &city,
                &[home("370299999999", "36.07")],
                clock
            )
            .await
        ),
        "household"
    );
    assert_eq!(
        field(import_locations(store, &policy, &city, &[home(&household, "38.5")], clock).await),
        "lat"
    );
    assert_eq!(
        field(
            import_locations(
                store,
                &policy,
                &city,
                &[home(&household, "36.07"), home(&household, "36.08")],
                clock
            )
            .await
        ),
        "household"
    );
    assert_eq!(store.circle().locations().await.unwrap().len(), homes);

    // A station where the first suggestion stands brings exactly its gain within reach.
    assert_eq!(
        import_points(store, &policy, &district, &[good], clock)
            .await
            .unwrap(),
        1
    );
    let again = refresh(store, &policy, &city, today, 3, clock, &Quiet)
        .await
        .unwrap();
    assert!(again.id > run.id);
    assert_eq!(again.covered, run.covered + best.gain);
    assert_eq!(again.points, run.points + 1);

    // An imported location replaces the synthetic one.
    import_locations(store, &policy, &city, &[home(&household, "36.07")], clock)
        .await
        .unwrap();
    let id = store
        .circle()
        .household_ids(std::slice::from_ref(&household))
        .await
        .unwrap()[&household];
    assert_eq!(
        store.circle().locations().await.unwrap()[&id],
        Position {
            lon: 120_380_000,
            lat: 36_070_000
        }
    );
    assert_eq!(store.circle().locations().await.unwrap().len(), homes);
}
