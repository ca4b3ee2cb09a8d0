#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A month's payment cycle from the web, on both backends: only the city runs it, someone
//! else approves it, the bank file downloads, the bank's return file is recorded (a bad one
//! changes nothing), and the dashboard shows each account only its own area's money.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use minsheng_app::{accounts, Clock};
use minsheng_core::access::Role;
use minsheng_store::Store;
use serde_json::json;

fn post_csv(path: &str, auth: &Auth, body: &str) -> Request<Body> {
    let Auth::Token(t) = auth else { unreachable!() };
    Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn cycle(store: Store) {
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let clock = Clock::system();
    // A second city administrator: the one who approves is not the one who computed.
    let approver_token = staff_with_token(&city.store, "市级己", Role::City, "370200").await;
    // Both test households receive dibao from this month.
    let month = minsheng_core::Month::containing(clock.today);
    let policy = policy();
    minsheng_payments::enrol_caseload(
        &city.store,
        &policy,
        month,
        "test caseload",
        "tester",
        clock,
        &minsheng_app::Quiet,
    )
    .await
    .unwrap();
    let bank = bank_dir();
    // The same service configured with a bank folder that is not there.
    let misconfigured = minsheng_web::router(minsheng_web::Web::new(
        city.store.clone(),
        policy.clone(),
        false,
        bank.join("missing"),
    ));
    let app = minsheng_web::router(minsheng_web::Web::new(
        city.store.clone(),
        policy,
        false,
        bank.clone(),
    ));
    let mut tokens = std::collections::HashMap::new();
    for login in logins.iter().map(|(l, _)| l.as_str()) {
        let token = accounts::add_api_token(&city.store, login, "pay", "tester", clock)
            .await
            .unwrap();
        tokens.insert(login.to_string(), Auth::Token(token));
    }
    let (city_admin, approver, auditor, district) = (
        &tokens["市级丁"],
        &approver_token,
        &tokens["审计戊"],
        &tokens["区级丙"],
    );
    let path = |step: &str| format!("/api/v1/payments/{month}/{step}");

    // Who may: the district and the community see no cycle; the auditor sees but cannot run.
    for who in [district, &tokens["社区甲"], &tokens[&city.inside.head_id]] {
        assert_eq!(
            send(&app, get(&format!("/api/v1/payments/{month}"), who))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    let by_auditor = send(&app, post_json(&path("compute"), auditor, &json!({}))).await;
    assert_eq!(by_auditor.status, StatusCode::FORBIDDEN);
    assert_eq!(by_auditor.json()["code"], "forbidden");
    let before = send(&app, get(&format!("/api/v1/payments/{month}"), auditor))
        .await
        .json();
    assert_eq!(before["computed"], false);

    let computed = send(&app, post_json(&path("compute"), city_admin, &json!({}))).await;
    assert_eq!(computed.status, StatusCode::OK, "{}", computed.body);
    let computed = computed.json();
    assert_eq!(computed["computed"], true);
    let payees = computed["payees"].as_u64().unwrap();
    assert!(payees > 0, "{computed}");
    // Disbursing before approval, or approving one's own computation, is refused.
    let early = send(&app, post_json(&path("disburse"), city_admin, &json!({}))).await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.body
    );
    let own = send(&app, post_json(&path("approve"), city_admin, &json!({}))).await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", own.body);
    // So the page does not offer it to who computed the month, and says who may; the other
    // administrator has the button.
    let page_of = |login: &'static str| {
        let app = app.clone();
        async move {
            let cookie = Auth::Cookie(session_cookie(&sign_in(&app, login, PASSWORD).await));
            send(&app, get(&format!("/payments?month={month}"), &cookie))
                .await
                .body
        }
    };
    let mine = page_of("市级丁").await;
    assert!(!mine.contains("/payments/approve") && mine.contains("须由另一名人员审批"));
    let theirs = page_of("市级己").await;
    assert!(theirs.contains("/payments/approve") && !theirs.contains("须由另一名人员审批"));
    let approved = send(&app, post_json(&path("approve"), approver, &json!({}))).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["approved_by"], "市级己");
    // With nowhere to write the bank file, nothing is sent.
    let nowhere = send(
        &misconfigured,
        post_json(&path("disburse"), city_admin, &json!({})),
    )
    .await;
    assert_eq!(
        nowhere.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nowhere.body
    );
    assert_eq!(nowhere.json()["field"], "dir");
    let status = send(&app, get(&format!("/api/v1/payments/{month}"), auditor)).await;
    assert_eq!(status.json()["batches"], 0, "{}", status.body);
    let sent = send(&app, post_json(&path("disburse"), city_admin, &json!({})))
        .await
        .json();
    assert_eq!(sent["batches"], 1);
    assert_eq!(sent["sent"], payees);
    assert_eq!(sent["outstanding"], 0);
    // Again: nothing new is sent.
    let again = send(&app, post_json(&path("disburse"), city_admin, &json!({})))
        .await
        .json();
    assert_eq!(again["batches"], 1);

    // The bank file, as the auditor downloads it (audited).
    let file = send(
        &app,
        get(&format!("/api/v1/payments/{month}/batches/1"), auditor),
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
    let references: Vec<String> = file
        .body
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(references.len() as u64, payees);
    // It is the file written for the bank, and it is made from the ledger: with the file
    // gone from the folder, the download is the same, byte for byte.
    let on_disk = bank.join(format!("minsheng-pay-{month}-batch1.csv"));
    assert_eq!(std::fs::read_to_string(&on_disk).unwrap(), file.body);
    std::fs::remove_file(&on_disk).unwrap();
    let remade = send(
        &app,
        get(&format!("/api/v1/payments/{month}/batches/1"), auditor),
    )
    .await;
    assert_eq!(
        (remade.status, remade.body),
        (StatusCode::OK, file.body.clone())
    );
    let audit = city
        .store
        .audit_entries(&format!("pay:{month}"))
        .await
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "pay_download" && e.actor == "审计戊"),
        "{audit:?}"
    );
    assert_eq!(
        send(
            &app,
            get(&format!("/api/v1/payments/{month}/batches/9"), auditor)
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // A return file with an unknown reference changes nothing; a good one is recorded once.
    let bad = format!(
        "reference,result,reason\n{},成功,\nMS-190001-1,成功,\n",
        references[0]
    );
    let rejected = send(&app, post_csv("/api/v1/payments/returns", city_admin, &bad)).await;
    assert_eq!(
        rejected.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        rejected.body
    );
    assert_eq!(
        send(&app, get(&format!("/api/v1/payments/{month}"), auditor))
            .await
            .json()["confirmed"],
        0
    );
    let mut good = String::from("reference,result,reason\n");
    for (i, r) in references.iter().enumerate() {
        good.push_str(&if i == 0 {
            format!("{r},失败,账户已冻结\n")
        } else {
            format!("{r},成功,\n")
        });
    }
    let recorded = send(
        &app,
        post_csv("/api/v1/payments/returns", city_admin, &good),
    )
    .await;
    assert_eq!(recorded.status, StatusCode::OK, "{}", recorded.body);
    assert_eq!(recorded.json()["returned"], 1);
    let twice = send(
        &app,
        post_csv("/api/v1/payments/returns", city_admin, &good),
    )
    .await
    .json();
    assert_eq!(twice["already_recorded"], payees);
    let after = send(&app, get(&format!("/api/v1/payments/{month}"), auditor))
        .await
        .json();
    assert_eq!(
        (
            after["confirmed"].as_u64(),
            after["returned"].as_u64(),
            after["outstanding"].as_u64()
        ),
        (Some(payees - 1), Some(1), Some(1))
    );

    // The household file shows its benefits and where each payment stands: the returned one
    // as returned, then, once sent again, as sent a second time.
    let header: Vec<&str> = file.body.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let first_line: Vec<String> = file
        .body
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let returned_household = first_line[column("household")].clone();
    let payments_of = |body: serde_json::Value| -> Vec<(String, String, u64)> {
        body["payments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["month"] == month.to_string())
            .map(|p| {
                (
                    p["program"].as_str().unwrap().to_string(),
                    p["state"].as_str().unwrap().to_string(),
                    p["attempts"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let household = format!("/api/v1/households/{returned_household}");
    let shown = send(&app, get(&household, city_admin)).await.json();
    let states = payments_of(shown.clone());
    assert!(
        states.contains(&(first_line[column("program")].clone(), "returned".into(), 1)),
        "{shown}"
    );
    assert!(
        shown["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["status"] == "paid" && b["from"] == month.to_string()),
        "{shown}"
    );
    let other = file
        .body
        .lines()
        .nth(2)
        .unwrap()
        .split(',')
        .nth(column("household"))
        .unwrap();
    if other != returned_household {
        let shown = send(
            &app,
            get(&format!("/api/v1/households/{other}"), city_admin),
        )
        .await
        .json();
        assert!(
            payments_of(shown.clone())
                .iter()
                .all(|(_, state, _)| state == "confirmed"),
            "{shown}"
        );
    }
    let resent = send(&app, post_json(&path("disburse"), city_admin, &json!({})))
        .await
        .json();
    assert_eq!(resent["batches"], 2, "{resent}");
    let shown = send(&app, get(&household, city_admin)).await.json();
    assert!(
        payments_of(shown.clone()).contains(&(
            first_line[column("program")].clone(),
            "sent".into(),
            2
        )),
        "{shown}"
    );
    let page = send(
        &app,
        get(&format!("/households/{returned_household}"), city_admin),
    )
    .await;
    assert!(page.body.contains("已发送，待银行确认"), "{}", page.body);

    // The dashboard: the city sees every district's money, the district only its own.
    let q = format!("/api/v1/dashboard?from={month}&to={month}");
    let whole = send(&app, get(&q, city_admin)).await.json();
    let districts = |d: &serde_json::Value| -> std::collections::BTreeSet<String> {
        d["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["district"].as_str().unwrap().to_string())
            .collect()
    };
    let net = |d: &serde_json::Value, district: &str| -> i64 {
        d["totals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["district"] == district)
            .map(|t| t["net_fen"].as_i64().unwrap())
            .sum()
    };
    let paid_districts = districts(&whole);
    assert!(paid_districts.len() > 1, "{whole}");
    // A district approver of a district that was paid sees exactly that district's money.
    let paid = paid_districts.iter().next().unwrap().clone();
    let token = staff_with_token(&city.store, "区级庚", Role::District, &paid).await;
    let mine = send(&app, get(&q, &token)).await.json();
    assert_eq!(
        districts(&mine).into_iter().collect::<Vec<_>>(),
        std::slice::from_ref(&paid)
    );
    assert_eq!(net(&mine, &paid), net(&whole, &paid));
    assert!(net(&mine, &paid) > 0);
    // … and the test household's district approver nothing of any other district.
    let inside_district = city.inside.area.as_str()[..6].to_string();
    let theirs = send(&app, get(&q, district)).await.json();
    assert!(
        districts(&theirs).iter().all(|d| *d == inside_district),
        "{theirs}"
    );
    assert_eq!(
        send(&app, get(&q, &tokens[&city.inside.head_id]))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad_period = send(
        &app,
        get(
            &format!("/api/v1/dashboard?from={}&to={month}", month.next()),
            city_admin,
        ),
    )
    .await;
    assert_eq!(bad_period.json()["field"], "from");

    // What-if: the standard +5% costs more and helps more; only city-level accounts run it.
    let reform = format!(
        "/api/v1/what-if?month={month}&changes={}",
        urlencode("dibao.standard.urban=+5%")
    );
    let what_if = send(&app, get(&reform, auditor)).await;
    assert_eq!(what_if.status, StatusCode::OK, "{}", what_if.body);
    let what_if = what_if.json();
    let dibao = what_if["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["program"] == "dibao_amount")
        .expect("dibao");
    let whole_city = dibao["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(whole_city["district"], "全市");
    assert!(
        whole_city["monthly_after_fen"].as_i64() >= whole_city["monthly_before_fen"].as_i64(),
        "{whole_city}"
    );
    assert!(
        whole_city["beneficiaries_after"].as_u64() >= whole_city["beneficiaries_before"].as_u64()
    );
    assert_eq!(whole_city["losing"], 0);
    assert_eq!(
        send(&app, get(&reform, district)).await.status,
        StatusCode::FORBIDDEN
    );
    // A standard whose city total would leave the range of fen is refused, not wrapped round.
    let absurd = format!(
        "/api/v1/what-if?month={month}&changes={}",
        urlencode("dibao.standard.urban=1000000000000000")
    );
    let absurd = send(&app, get(&absurd, auditor)).await;
    assert_eq!(
        absurd.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        absurd.body
    );
    assert_eq!(absurd.json()["field"], "changes");
    assert!(absurd.body.contains("过大"), "{}", absurd.body);
    let unknown = send(
        &app,
        get("/api/v1/what-if?changes=no.such.parameter%3D1", auditor),
    )
    .await;
    assert_eq!(
        unknown.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        unknown.body
    );
    assert_eq!(unknown.json()["field"], "changes");
    // The page picks the parameter from the catalog, shows its value in force and its source,
    // and writes the change for the person who picked it.
    let picked = send(
        &app,
        get(
            &format!("/what-if?month={month}&parameter=dibao.standard.urban&how=percent&amount=5"),
            auditor,
        ),
    )
    .await;
    assert_eq!(picked.status, StatusCode::OK, "{}", picked.body);
    for wanted in ["城市低保标准：现行值", "dibao.standard.urban=+5%", "全市"] {
        assert!(picked.body.contains(wanted), "«{wanted}» not on the page");
    }
    let bad_how = send(
        &app,
        get(
            &format!("/what-if?month={month}&parameter=dibao.standard.urban&how=double&amount=5"),
            auditor,
        ),
    )
    .await;
    assert_eq!(bad_how.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_how.body.contains("调整方式："), "{}", bad_how.body);

    // The pages: the payments page offers the city its steps; the dashboard draws its charts.
    let signed = sign_in(&app, "市级丁", PASSWORD).await;
    let cookie = Auth::Cookie(session_cookie(&signed));
    let page = send(&app, get(&format!("/payments?month={month}"), &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&format!("/payments/{month}/batches/1.csv")),
        "{}",
        page.body
    );
    assert!(page.body.contains("导入银行回盘文件"));
    let board = send(
        &app,
        get(&format!("/dashboard?from={month}&to={month}"), &cookie),
    )
    .await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board.body.contains("<svg") && board.body.contains("<rect"),
        "{}",
        board.body
    );
    // The districts side by side: the paid district's month, and its period's total, to the fen.
    let paid_net = minsheng_core::Fen(net(&whole, &paid)).grouped();
    assert!(
        board.body.contains("各区（市）逐月对比")
            && board
                .body
                .contains(&format!("\">{paid_net}</td><td>{paid_net}</td>")),
        "{paid_net}: {}",
        board.body
    );
}

#[tokio::test]
async fn payment_cycle_and_dashboard_on_sqlite() {
    on_sqlite(cycle).await;
}

#[tokio::test]
async fn payment_cycle_and_dashboard_on_postgres() {
    on_postgres(cycle).await;
}
