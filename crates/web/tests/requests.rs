#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A resident asks for help from their own account; the community accepts it as a one-thing
//! application or declines it with a reason the resident then reads. On both backends.

mod common;

use axum::http::StatusCode;
use common::*;
use minsheng_app::{accounts, Clock};
use minsheng_store::Store;
use serde_json::json;

async fn requests(store: Store) {
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let clock = Clock::system();
    let app = city.app();
    let mut tokens = std::collections::HashMap::new();
    for (login, _) in &logins {
        let token = accounts::add_api_token(&city.store, login, "requests", "tester", clock)
            .await
            .unwrap();
        tokens.insert(login.clone(), Auth::Token(token));
    }
    // Staff of another district, who must not see the request.
    let outsider = staff_with_token(
        &city.store,
        "外区社工",
        minsheng_core::access::Role::Community,
        city.outside.area.as_str(),
    )
    .await;
    let resident = &tokens[&city.inside.head_id];
    let caseworker = &tokens["社区甲"];

    let bad = send(
        &app,
        post_json(
            "/api/v1/requests",
            resident,
            &json!({"programs": "disability_living"}),
        ),
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "免申即享 programs need no request: {}",
        bad.body
    );
    assert_eq!(bad.json()["field"], "programs");
    let by_staff = send(
        &app,
        post_json(
            "/api/v1/requests",
            caseworker,
            &json!({"programs": "dibao"}),
        ),
    )
    .await;
    assert_eq!(by_staff.status, StatusCode::FORBIDDEN);
    // The household's dibao case is open already: asked again, it is refused now, not when a
    // caseworker comes to accept it.
    let under_way = send(
        &app,
        post_json("/api/v1/requests", resident, &json!({"programs": "dibao"})),
    )
    .await;
    assert_eq!(under_way.status, StatusCode::CONFLICT, "{}", under_way.body);
    assert_eq!(under_way.json()["field"], "programs");
    assert!(
        under_way.body.contains("已有办理中的最低生活保障金案件"),
        "{}",
        under_way.body
    );
    let made = send(
        &app,
        post_json(
            "/api/v1/requests",
            resident,
            &json!({"programs": "tekun_basic", "note": "老伴去世后独自生活"}),
        ),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let made = made.json();
    assert_eq!(made["status"], "waiting");
    assert_eq!(made["household"], city.inside.code.as_str());
    let twice = send(
        &app,
        post_json(
            "/api/v1/requests",
            resident,
            &json!({"programs": "tekun_basic"}),
        ),
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert_eq!(twice.json()["code"], "conflict");
    let id = made["id"].as_i64().unwrap();

    // The community sees it waiting; another district does not, and cannot accept it.
    let waiting = send(&app, get("/api/v1/requests", caseworker)).await.json();
    assert!(
        waiting["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id),
        "{waiting}"
    );
    assert_eq!(
        (waiting["total"].as_u64(), waiting["page"].as_u64()),
        (Some(1), Some(1))
    );
    // A page past the end is empty and still says how many there are.
    let past = send(&app, get("/api/v1/requests?page=2&per_page=1", caseworker))
        .await
        .json();
    assert_eq!(past["items"].as_array().map(Vec::len), Some(0), "{past}");
    assert_eq!(past["total"], 1);
    let bad = send(&app, get("/api/v1/requests?per_page=0", caseworker)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["field"], "per_page");
    let elsewhere = send(&app, get("/api/v1/requests", &outsider)).await.json();
    assert!(
        elsewhere["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != id),
        "{elsewhere}"
    );
    assert_eq!(elsewhere["total"], 0);
    let path = format!("/api/v1/requests/{id}/accept");
    assert_eq!(
        send(&app, post_json(&path, &outsider, &json!({})))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, post_json(&path, resident, &json!({})))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let accepted = send(&app, post_json(&path, caseworker, &json!({}))).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    let accepted = accepted.json();
    assert_eq!(accepted["cases"][0]["program"], "tekun_basic");
    let again = send(&app, post_json(&path, caseworker, &json!({}))).await;
    assert_eq!(again.json()["field"], "request");
    let mine = send(&app, get("/api/v1/requests", resident)).await.json();
    let mine = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(mine["status"], "accepted");
    assert_eq!(mine["application_id"], accepted["application_id"]);
    // The case the request became is the resident's to follow.
    let case = accepted["cases"][0]["case"].as_i64().unwrap();
    assert_eq!(
        send(&app, get(&format!("/api/v1/cases/{case}"), resident))
            .await
            .status,
        StatusCode::OK
    );

    // A second request, declined: the reason is for the resident.
    let second = send(
        &app,
        post_json(
            "/api/v1/requests",
            resident,
            &json!({"programs": "child_basic_living"}),
        ),
    )
    .await
    .json();
    let declined_path = format!("/api/v1/requests/{}/decline", second["id"]);
    let no_reason = send(
        &app,
        post_json(&declined_path, caseworker, &json!({"reason": " "})),
    )
    .await;
    assert_eq!(no_reason.json()["field"], "reason");
    let declined = send(
        &app,
        post_json(
            &declined_path,
            caseworker,
            &json!({"reason": "家中无未成年子女"}),
        ),
    )
    .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    assert_eq!(declined.json()["status"], "declined");
    let signed = sign_in(&app, &city.inside.head_id, PASSWORD).await;
    let home = send(&app, get("/", &Auth::Cookie(session_cookie(&signed)))).await;
    assert!(
        home.body.contains("家中无未成年子女") && home.body.contains("已受理"),
        "{}",
        home.body
    );
}

#[tokio::test]
async fn resident_requests_on_sqlite() {
    on_sqlite(requests).await;
}

#[tokio::test]
async fn resident_requests_on_postgres() {
    on_postgres(requests).await;
}
