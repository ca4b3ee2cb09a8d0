#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The 15-minute circle on the web, as a district planner reads it: before the first
//! computation the page says how to make one; after it, the district's coverage by kind of
//! service point, a map drawn without tiles with its communities, service points and suggested
//! stations, each suggestion's gain and the communities below the target — the district's
//! own only; the dashboard sums it by the district's streets; a canteen's account is not let
//! in.

mod common;

use axum::http::StatusCode;
use common::{get, send, session_cookie, sign_in, Auth, Walk, PASSWORD};
use minsheng_core::access::{Account, Role, Staff};
use minsheng_core::AreaCode;
use minsheng_eldercare::circle::{self, CircleStore as _};

#[tokio::test]
async fn a_district_sees_its_coverage_gaps_and_suggested_stations() {
    let (store, _dir) = common::sqlite().await;
    common::city(store.clone()).await;
    let policy = minsheng_test_support::policy();
    let walk = Walk::start();
    let clock = walk.clock();
    minsheng_eldercare::facilities::file_synthetic(&store, 7, "tester", clock)
        .await
        .unwrap();
    minsheng_eldercare::meals::file_synthetic(&store, 800, 7, "tester", clock)
        .await
        .unwrap();
    circle::file_synthetic(&store, 800, 7, "tester", clock)
        .await
        .unwrap();
    let app = minsheng_web::router(walk.web(store.clone(), common::bank_dir()));
    common::staff_with_token(&store, "市级甲", Role::City, "370200").await;
    let city = Auth::Cookie(session_cookie(&sign_in(&app, "市级甲", PASSWORD).await));
    let before = send(&app, get("/circle", &city)).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert!(before.body.contains("服务圈尚未计算"), "{}", before.body);

    let planner = Account::Staff(Staff {
        name: "市级甲".into(),
        role: Role::City,
        area: AreaCode::parse("370200").unwrap(),
    });
    circle::refresh(
        &store,
        &policy,
        &planner,
        clock.today,
        3,
        clock,
        &minsheng_app::Quiet,
    )
    .await
    .unwrap();
    let run = store.circle().last_run().await.unwrap().unwrap();
    let best = store
        .circle()
        .suggestions(run.id, &minsheng_core::access::Scope::Everything)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("a suggestion");
    let district = &best.area[..6];
    let other = if district == "370202" {
        "370203"
    } else {
        "370202"
    };
    let names = store
        .area_names(&[district, other, &best.area])
        .await
        .unwrap();
    common::staff_with_token(&store, "区级乙", Role::District, district).await;
    common::staff_with_token(&store, "食堂丙", Role::Provider, district).await;

    let planner = Auth::Cookie(session_cookie(&sign_in(&app, "区级乙", PASSWORD).await));
    let page = send(&app, get("/circle", &planner)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("id=\"circle-map\""), "{body}");
    assert!(body.contains("class=\"community "), "{body}");
    assert!(body.contains("class=\"suggested\""), "{body}");
    assert!(body.contains("直线 692 米"), "{body}");
    assert!(body.contains(&names[district]), "{body}");
    assert!(
        !body.contains(&format!("<td>{}</td>", names[other])),
        "{body}"
    );
    // The first suggestion: its community, where it stands and the elders it adds.
    assert!(
        body.contains(&format!(
            "<td>1</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            names[&best.area],
            minsheng_core::geo::Position::degrees_text(best.at.lon),
            minsheng_core::geo::Position::degrees_text(best.at.lat),
            best.gain
        )),
        "{body}"
    );
    assert!(body.contains("id=\"gaps\""), "{body}");
    assert!(body.contains("老年助餐机构") && body.contains("认知障碍照护中心"));

    // The dashboard sums the circle by the district's streets.
    let street = &best.area[..9];
    let within = store
        .circle()
        .communities(
            run.id,
            &minsheng_core::access::Scope::Area(AreaCode::parse(street).unwrap()),
        )
        .await
        .unwrap();
    let (elders, reached) = within
        .iter()
        .fold((0, 0), |(e, r), c| (e + c.elders, r + c.covered));
    let street_name = store.area_names(&[street]).await.unwrap()[street].clone();
    let dashboard = send(&app, get("/dashboard", &planner)).await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    let row = dashboard
        .body
        .split("<tr>")
        .find(|r| r.starts_with(&format!("<td>{street_name}</td>")))
        .unwrap_or_else(|| panic!("{street_name} on {}", dashboard.body));
    assert!(
        row.contains(&format!("<td>{elders}</td><td>{reached} <small>")),
        "{row}"
    );
    assert!(dashboard.body.contains("服务圈计算于"));

    let canteen = Auth::Cookie(session_cookie(&sign_in(&app, "食堂丙", PASSWORD).await));
    let refused = send(&app, get("/circle", &canteen)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
}
