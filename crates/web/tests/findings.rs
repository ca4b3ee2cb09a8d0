#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Proactive findings on the web, on both backends: a sweep's findings are listed within each
//! account's area, and an eligible household's finding becomes a case in one click.

mod common;

use axum::http::StatusCode;
use common::*;
use minsheng_app::{accounts, Clock, Quiet};
use minsheng_store::Store;
use serde_json::{json, Value};

async fn findings(store: Store) {
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let clock = Clock::system();
    let month = minsheng_core::Month::containing(clock.today);
    let policy = policy();
    minsheng_assistance::discovery::sweep(&city.store, &policy, month, "tester", clock, &Quiet)
        .await
        .unwrap();
    let app = minsheng_web::router(minsheng_web::Web::new(
        city.store.clone(),
        policy,
        false,
        bank_dir(),
    ));
    let mut tokens = std::collections::HashMap::new();
    for (login, _) in &logins {
        let token = accounts::add_api_token(&city.store, login, "findings", "tester", clock)
            .await
            .unwrap();
        tokens.insert(login.clone(), Auth::Token(token));
    }
    let list = |auth: &Auth| {
        get(
            &format!("/api/v1/findings?month={month}&per_page=100"),
            auth,
        )
    };
    let all = send(&app, list(&tokens["市级丁"])).await.json();
    let total = all["total"].as_u64().unwrap();
    assert!(total > 0, "a sweep of 800 residents finds someone: {all}");
    // The district sees the findings of its district and nothing else; a resident none at all.
    let district = send(&app, list(&tokens["区级丙"])).await.json();
    let prefix = &city.inside.area.as_str()[..6];
    let items = |v: &Value| v["items"].as_array().unwrap().clone();
    assert!(
        items(&district)
            .iter()
            .all(|f| f["area"].as_str().unwrap().starts_with(prefix)),
        "{district}"
    );
    let expected = items(&all)
        .iter()
        .filter(|f| f["area"].as_str().unwrap().starts_with(prefix))
        .count() as u64;
    if total <= 100 {
        assert_eq!(district["total"].as_u64().unwrap(), expected);
    }
    assert_eq!(
        send(&app, list(&tokens[&city.inside.head_id])).await.status,
        StatusCode::FORBIDDEN
    );

    // An eligible household's finding becomes a case for the staff of its area.
    let eligible = items(&all)
        .into_iter()
        .find(|f| f["kind"] == "eligible")
        .expect("an eligible finding");
    let area = eligible["area"].as_str().unwrap();
    let id = eligible["id"].as_i64().unwrap();
    let path = format!("/api/v1/findings/{id}/case");
    if !area.starts_with(prefix) {
        // Outside the district approver's area it does not exist for them.
        let hidden = send(&app, post_json(&path, &tokens["区级丙"], &json!({}))).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    }
    // The city administrator may see it but does not accept applications (role), the
    // auditor neither: the procedure says who.
    let by_auditor = send(&app, post_json(&path, &tokens["审计戊"], &json!({}))).await;
    assert_eq!(
        by_auditor.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        by_auditor.body
    );
    // A street reviewer of that street opens it.
    let token = staff_with_token(
        &city.store,
        "街道辛",
        minsheng_core::access::Role::Street,
        &area[..9],
    )
    .await;
    let opened = send(&app, post_json(&path, &token, &json!({}))).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.body);
    let opened = opened.json();
    assert_eq!(opened["household"], eligible["household"]);
    assert_eq!(opened["cases"][0]["program"], eligible["program"]);
    // Twice is once: the case is under way.
    let again = send(&app, post_json(&path, &token, &json!({}))).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "conflict");
    assert_eq!(again.json()["field"], "programs");
    // A finding that is not an eligible household's is no case.
    if let Some(other) = items(&all)
        .into_iter()
        .find(|f| f["kind"] != "eligible" && f["area"].as_str().unwrap().starts_with(&area[..9]))
    {
        let refused = send(
            &app,
            post_json(
                &format!("/api/v1/findings/{}/case", other["id"]),
                &token,
                &json!({}),
            ),
        )
        .await;
        assert_eq!(refused.json()["field"], "finding");
    }
    // The page lists them with the one-click form.
    let signed = sign_in(&app, "街道辛", PASSWORD).await;
    let page = send(
        &app,
        get(
            &format!("/findings?month={month}"),
            &Auth::Cookie(session_cookie(&signed)),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("/households/"), "{}", page.body);
    // The same list as an Excel workbook: a row a finding of the street, the export audited;
    // a resident has none to export.
    let street_total = send(&app, list(&token)).await.json()["total"]
        .as_u64()
        .unwrap();
    let workbook = send(&app, get(&format!("/findings.xlsx?month={month}"), &token)).await;
    assert_eq!(workbook.status, StatusCode::OK, "{}", workbook.body);
    let rows = {
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(workbook.bytes.clone())).unwrap();
        book.worksheet_range("主动发现").unwrap().rows().count() as u64
    };
    assert_eq!(rows, street_total + 1);
    let trail = city.store.audit_entries(&area[..9]).await.unwrap();
    assert!(
        trail.iter().any(|e| e.action == "export_findings"
            && e.detail.starts_with(&format!("rows={street_total} "))),
        "{trail:?}"
    );
    let resident = &tokens[&city.inside.head_id];
    let by_resident = send(
        &app,
        get(&format!("/findings.xlsx?month={month}"), resident),
    )
    .await;
    assert_ne!(by_resident.status, StatusCode::OK);
}

#[tokio::test]
async fn findings_become_cases_on_sqlite() {
    on_sqlite(findings).await;
}

#[tokio::test]
async fn findings_become_cases_on_postgres() {
    on_postgres(findings).await;
}
