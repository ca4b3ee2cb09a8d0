#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Meal aid on the web, as a canteen's tablet and the civil-affairs staff use it: the canteen's
//! staff start at the day's orders, price a lunch for an elder (6 yuan for the elder of a
//! 12-yuan meal) before confirming it, are refused an order for someone under 65 with the field
//! named, serve the meal, and settle the month; the street approves (the canteen cannot) and
//! the district pays it into the providers' bank file.

mod common;

use std::collections::BTreeMap;

use axum::http::{header, StatusCode};
use chrono::{Duration, NaiveTime};
use common::{
    bank_dir, get, post_form, send, session_cookie, sign_in, urlencode, Auth, Walk, PASSWORD,
};
use minsheng_core::access::Role;
use minsheng_core::{AreaCode, Fen, Month};
use minsheng_eldercare::meals::{Canteen, CanteenRecord, Dish, MealsStore as _, Slot};

#[tokio::test]
async fn a_canteen_orders_serves_and_settles_and_the_district_pays() {
    let (store, _dir) = common::sqlite().await;
    common::city(store.clone()).await;
    let walk = Walk::start();
    let clock = walk.clock();
    let day = clock.today + Duration::days(1);
    // A community with an elder of 66 or more and a resident under 60, both alive.
    let mut found = None;
    for code in store.sample_household_codes(800).await.unwrap() {
        let file = store.household_file(&code).await.unwrap();
        for (p, f) in file.as_of(clock.today, clock.now) {
            let age = minsheng_policy::inputs::age_on(p.id_number.birth_date(), day);
            if f.death_date.is_none() && (66..90).contains(&age) {
                found = Some((f.area.clone(), p.id_number.as_str().to_string()));
            }
        }
        if found.is_some() {
            break;
        }
    }
    let (community, elder) = found.expect("an older resident");
    let mut young = None;
    for code in store.sample_household_codes(800).await.unwrap() {
        let file = store.household_file(&code).await.unwrap();
        for (p, f) in file.as_of(clock.today, clock.now) {
            let age = minsheng_policy::inputs::age_on(p.id_number.birth_date(), day);
            if f.death_date.is_none() && f.area == community && (20..60).contains(&age) {
                young = Some(p.id_number.as_str().to_string());
            }
        }
    }
    let young = young.expect("a younger resident of the community");
    let street_area = community.parent().unwrap();
    let noon = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    store
        .meals()
        .add_canteens(
            &[CanteenRecord {
                canteen: Canteen {
                    code: "CT1".into(),
                    name: "幸福长者食堂".into(),
                    area: community.clone(),
                    slots: BTreeMap::from([(Slot::Lunch, noon(11))]),
                    delivers_to: vec![community.clone()],
                    capacity: 50,
                },
                bank_account: "6222000011112222".into(),
                opened_on: clock.today,
                dishes: vec![Dish {
                    code: "L1".into(),
                    name: "午餐套餐".into(),
                    slot: Slot::Lunch,
                    price: Fen(1_200),
                    discount: Fen::ZERO,
                }],
            }],
            "tester",
            clock.now,
            minsheng_test_support::noted("canteens"),
        )
        .await
        .unwrap();
    let token =
        common::staff_with_token(&store, "食堂甲", Role::Provider, community.as_str()).await;
    common::staff_with_token(&store, "街道乙", Role::Street, street_area.as_str()).await;
    let district = AreaCode::district(&community).unwrap();
    common::staff_with_token(&store, "区民政", Role::District, district.as_str()).await;
    store
        .meals()
        .link_staff(
            "食堂甲",
            "CT1",
            minsheng_test_support::noted("canteen_staff"),
        )
        .await
        .unwrap();
    let app = minsheng_web::router(walk.web(store.clone(), bank_dir()));
    let mut cook = session_cookie(&sign_in(&app, "食堂甲", PASSWORD).await);
    let auth = Auth::Cookie(cook.clone());

    // The canteen's staff start at the day's orders.
    let home = send(&app, get("/", &auth)).await;
    assert_eq!(home.headers[header::LOCATION], "/meals");
    let screen = send(&app, get("/meals", &auth)).await;
    assert_eq!(screen.status, StatusCode::OK, "{}", screen.body);
    assert!(screen.body.contains("幸福长者食堂"));
    let csrf = common::csrf_of(&screen.body);
    let order = |id: &str| {
        format!(
            "csrf={}&id_number={id}&day={day}&slot=lunch&service=dine_in&dish=L1",
            urlencode(&csrf)
        )
    };

    // The price before confirming, then the order.
    let quoted = send(&app, post_form("/meals/quote", &cook, &order(&elder))).await;
    assert_eq!(quoted.status, StatusCode::OK, "{}", quoted.body);
    assert!(quoted.body.contains("本人支付"), "{}", quoted.body);
    assert!(quoted.body.contains("6.00"), "{}", quoted.body);
    let placed = send(&app, post_form("/meals/orders", &cook, &order(&elder))).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let refused = send(&app, post_form("/meals/quote", &cook, &order(&young))).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("身份证号") && refused.body.contains("未满 65 周岁"),
        "{}",
        refused.body
    );
    let second = send(&app, post_form("/meals/orders", &cook, &order(&elder))).await;
    assert_eq!(
        second.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        second.body
    );
    assert!(second.body.contains("餐次"), "{}", second.body);

    // The API, as a canteen's terminal uses it: priced, then refused as a second lunch.
    let body = |id: &str, confirm: bool| {
        serde_json::json!({"id_number": id, "day": day.to_string(), "slot": "lunch",
            "service": "dine_in", "dish": "L1", "confirm": confirm})
    };
    let priced = send(
        &app,
        common::post_json("/api/v1/meals/orders", &token, &body(&elder, false)),
    )
    .await;
    assert_eq!(priced.status, StatusCode::OK, "{}", priced.body);
    let view = priced.json();
    assert_eq!(
        (
            view["elder_fen"].as_i64(),
            view["city_fen"].as_i64(),
            view["canteen"].as_str()
        ),
        (Some(600), Some(300), Some("CT1"))
    );
    assert!(
        view["order"].is_null() && view["id_number"].as_str().unwrap().contains('*'),
        "{view}"
    );
    let again = send(
        &app,
        common::post_json("/api/v1/meals/orders", &token, &body(&elder, true)),
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert_eq!(again.json()["field"], "slot", "{}", again.body);
    assert_eq!(store.meals().orders_on("CT1", day).await.unwrap().len(), 1);

    // Served on the day (a day later: signed in again).
    walk.advance_to(day);
    cook = session_cookie(&sign_in(&app, "食堂甲", PASSWORD).await);
    let orders = send(
        &app,
        get(&format!("/meals?day={day}"), &Auth::Cookie(cook.clone())),
    )
    .await;
    let csrf = common::csrf_of(&orders.body);
    let serve = orders
        .body
        .split("action=\"")
        .find(|s| s.starts_with("/meals/orders/") && s.contains("/serve"))
        .map(|s| s.split('"').next().unwrap().to_string())
        .unwrap_or_else(|| panic!("a serve button: {}", orders.body));
    let served = send(
        &app,
        post_form(
            &serve,
            &cook,
            &format!("csrf={}&day={day}", urlencode(&csrf)),
        ),
    )
    .await;
    assert_eq!(served.status, StatusCode::SEE_OTHER, "{}", served.body);

    // The month settled by the canteen, approved by the street, paid by the district.
    let month = Month::containing(day);
    walk.advance_to(month.next().first_day());
    cook = session_cookie(&sign_in(&app, "食堂甲", PASSWORD).await);
    let screen = send(&app, get("/meals/settlements", &Auth::Cookie(cook.clone()))).await;
    let csrf = common::csrf_of(&screen.body);
    let body = format!("csrf={}&month={month}", urlencode(&csrf));
    let settled = send(&app, post_form("/meals/settlements/settle", &cook, &body)).await;
    assert_eq!(settled.status, StatusCode::SEE_OTHER, "{}", settled.body);
    let id = store.meals().settlements(month).await.unwrap()[0].id;
    let approve = format!("{body}&settlement={id}");
    let own = send(
        &app,
        post_form("/meals/settlements/approve", &cook, &approve),
    )
    .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", own.body);
    let street = session_cookie(&sign_in(&app, "街道乙", PASSWORD).await);
    let page = send(
        &app,
        get(
            &format!("/meals/settlements?month={month}"),
            &Auth::Cookie(street.clone()),
        ),
    )
    .await;
    assert!(
        page.body.contains("幸福长者食堂") && page.body.contains("6.00"),
        "{}",
        page.body
    );
    let street_csrf = common::csrf_of(&page.body);
    let approve = format!(
        "csrf={}&month={month}&settlement={id}",
        urlencode(&street_csrf)
    );
    let approved = send(
        &app,
        post_form("/meals/settlements/approve", &street, &approve),
    )
    .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let district = session_cookie(&sign_in(&app, "区民政", PASSWORD).await);
    let page = send(
        &app,
        get(
            &format!("/meals/settlements?month={month}"),
            &Auth::Cookie(district.clone()),
        ),
    )
    .await;
    let pay = format!(
        "csrf={}&month={month}",
        urlencode(&common::csrf_of(&page.body))
    );
    let paid = send(&app, post_form("/meals/settlements/pay", &district, &pay)).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let page = send(
        &app,
        get(
            &format!("/meals/settlements?month={month}"),
            &Auth::Cookie(district),
        ),
    )
    .await;
    assert!(page.body.contains("MP-"), "{}", page.body);
}
