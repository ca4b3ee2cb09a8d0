#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Deadlines in a year whose holiday notice is not loaded, on the web: shown as provisional
//! (暂定) where cases are listed, the year named on the dashboard; once the city administrator
//! loads the notice, every open case's deadlines are counted again and the marks go. Runs on
//! the real day: the fixture's cases are accepted today, whatever year that is.

mod common;

use axum::http::StatusCode;
use chrono::Datelike;
use common::*;
use minsheng_app::accounts;
use minsheng_store::Store;

async fn provisional_deadlines(store: Store) {
    let city = city(store).await;
    accounts_for(&city).await;
    let walk = Walk::start();
    let app = minsheng_web::router(walk.web(city.store.clone(), bank_dir()));
    let token = Auth::Token(
        accounts::add_api_token(&city.store, "市级丁", "calendar", "tester", walk.clock())
            .await
            .unwrap(),
    );
    let today = walk.clock().today;
    let calendar = city.store.work_calendar().await.unwrap();

    // The notices the city lacks: today's year's if it is not bundled, and every year an open
    // case's deadline runs into without one.
    let dashboard = send(&app, get("/api/v1/dashboard", &token)).await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    let missing: Vec<i32> =
        serde_json::from_value(dashboard.json()["calendar_missing"].clone()).unwrap();
    let cases = send(&app, get("/api/v1/cases", &token)).await.json();
    let items = cases["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for case in items {
        for (day, mark) in [
            ("due_on", "due_provisional"),
            ("final_due_on", "final_due_provisional"),
        ] {
            let Some(on) = case[day].as_str() else {
                continue;
            };
            let on: chrono::NaiveDate = on.parse().unwrap();
            let guessed = calendar.missing_year(today, on);
            assert_eq!(case[mark].as_i64().map(|y| y as i32), guessed, "{case}");
            if let Some(year) = guessed {
                assert!(missing.contains(&year), "{missing:?} lacks {year}");
            }
        }
    }
    assert_eq!(
        missing.contains(&today.year()),
        !calendar.has_year(today.year())
    );
    let page = send(&app, get("/dashboard", &token_cookie(&app).await)).await;
    for year in &missing {
        assert!(
            page.body.contains(&format!("{year}年节假日安排尚未导入")),
            "{}",
            page.body
        );
    }
    let inbox = send(&app, get("/", &token_cookie(&app).await)).await;
    assert_eq!(
        inbox.body.contains("（暂定）"),
        items.iter().any(|c| !c["final_due_provisional"].is_null())
    );

    // The notices are loaded (a test's stand-in: 1 January off in each year missing).
    let dir = tempfile::tempdir().unwrap();
    let notice = dir.path().join("notice.csv");
    let rows: Vec<String> = (today.year()..=today.year() + 1)
        .filter(|y| !calendar.has_year(*y))
        .map(|y| format!("{y}-01-01,holiday,元旦"))
        .collect();
    std::fs::write(
        &notice,
        format!("date,kind,occasion\n{}\n", rows.join("\n")),
    )
    .unwrap();
    if !rows.is_empty() {
        minsheng_assistance::calendar::import_calendar(
            &city.store,
            &policy(),
            &notice,
            "市级丁",
            walk.clock(),
        )
        .await
        .unwrap();
    }
    let dashboard = send(&app, get("/api/v1/dashboard", &token)).await.json();
    assert_eq!(dashboard["calendar_missing"], serde_json::json!([]));
    let cases = send(&app, get("/api/v1/cases", &token)).await.json();
    for case in cases["items"].as_array().unwrap() {
        assert!(
            case["due_provisional"].is_null() && case["final_due_provisional"].is_null(),
            "{case}"
        );
    }
    let page = send(&app, get("/dashboard", &token_cookie(&app).await)).await;
    assert!(!page.body.contains("年节假日安排尚未导入"), "{}", page.body);
    let inbox = send(&app, get("/", &token_cookie(&app).await)).await;
    assert!(!inbox.body.contains("（暂定）"), "{}", inbox.body);
}

/// The city administrator's browser session.
async fn token_cookie(app: &axum::Router) -> Auth {
    Auth::Cookie(session_cookie(&sign_in(app, "市级丁", PASSWORD).await))
}

#[tokio::test]
async fn provisional_deadlines_on_sqlite() {
    on_sqlite(provisional_deadlines).await;
}

#[tokio::test]
async fn provisional_deadlines_on_postgres() {
    on_postgres(provisional_deadlines).await;
}
