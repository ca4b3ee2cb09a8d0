#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A one-thing application through every step of the MCA procedure over the API (and one step
//! through the case page's form), on both backends, with the clock walked through the 7-day
//! posting: each role may take only its own steps, in their stage, in its area.

mod common;

use axum::http::StatusCode;
use chrono::Datelike as _;
use common::*;
use minsheng_app::accounts;
use minsheng_core::Month;
use minsheng_payments::PaymentsStore as _;
use minsheng_store::Store;
use serde_json::{json, Value};

async fn procedure(store: Store) {
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let walk = Walk::start();
    let app = minsheng_web::router(walk.web(city.store.clone(), bank_dir()));
    let mut tokens = std::collections::HashMap::new();
    for (login, _) in &logins {
        let token = accounts::add_api_token(&city.store, login, "workflow", "tester", walk.clock())
            .await
            .unwrap();
        tokens.insert(login.clone(), Auth::Token(token));
    }
    let community = &tokens["社区甲"];
    let street = &tokens["街道乙"];
    let district = &tokens["区级丙"];
    let resident = &tokens[&city.inside.head_id];

    // The application: one form, two programs; the answer says what the rules give now.
    let applied = send(
        &app,
        post_json(
            "/api/v1/applications",
            community,
            &json!({"household": city.inside.head_id, "programs": "tekun_basic,child_basic_living", "proxy": "张某 (女儿)"}),
        ),
    )
    .await;
    assert_eq!(applied.status, StatusCode::CREATED, "{}", applied.body);
    let submitted = applied.json();
    assert_eq!(submitted["household"], city.inside.code.as_str());
    let cases = submitted["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    assert!(cases.iter().all(|c| !c["why"].as_str().unwrap().is_empty()));
    let id = cases[0]["case"].as_i64().unwrap();
    // Applying again for a program under way is refused, naming the field.
    let again = send(
        &app,
        post_json(
            "/api/v1/applications",
            community,
            &json!({"household": city.inside.code, "programs": "tekun_basic"}),
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.json()["code"], "conflict");
    assert_eq!(again.json()["field"], "programs");
    // A resident cannot accept applications or take steps.
    let by_resident = send(
        &app,
        post_json(
            "/api/v1/applications",
            resident,
            &json!({"household": city.inside.code, "programs": "dibao"}),
        ),
    )
    .await;
    assert_eq!(by_resident.status, StatusCode::FORBIDDEN);
    // Nor can staff outside the area see the household to apply for it.
    let outside = send(
        &app,
        post_json(
            "/api/v1/applications",
            community,
            &json!({"household": city.outside.code, "programs": "dibao"}),
        ),
    )
    .await;
    assert_eq!(outside.status, StatusCode::NOT_FOUND);

    let take =
        |auth: &Auth, body: Value| post_json(&format!("/api/v1/cases/{id}/steps"), auth, &body);
    let case = |auth: &Auth| common::get(&format!("/api/v1/cases/{id}"), auth);
    assert_eq!(
        send(&app, case(community)).await.json()["offered"],
        json!(["survey", "withdraw"])
    );
    assert_eq!(
        send(&app, case(district)).await.json()["offered"],
        json!([])
    );

    // Survey: at least two surveyors.
    let one = send(
        &app,
        take(
            community,
            json!({"action": "survey", "surveyors": "社区甲", "text": "入户"}),
        ),
    )
    .await;
    assert_eq!(one.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", one.body);
    assert_eq!(one.json()["field"], "surveyors");
    let missing = send(
        &app,
        take(
            community,
            json!({"action": "survey", "surveyors": "社区甲,刘网格员"}),
        ),
    )
    .await;
    assert_eq!(missing.json()["field"], "text");
    let resident_step = send(
        &app,
        take(
            resident,
            json!({"action": "survey", "surveyors": "a,b", "text": "x"}),
        ),
    )
    .await;
    assert_eq!(resident_step.status, StatusCode::FORBIDDEN);
    // The survey through the case page's form, as the caseworker's phone sends it.
    let signed = sign_in(&app, "社区甲", PASSWORD).await;
    let cookie = session_cookie(&signed);
    let page = send(
        &app,
        common::get(&format!("/cases/{id}"), &Auth::Cookie(cookie.clone())),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("入户调查"), "{}", page.body);
    // The case is headed by its program's name in the policy, not its code.
    let detail = send(&app, case(street)).await.json();
    let code = detail["case"]["program"].as_str().unwrap();
    let label = common::policy().program(code).unwrap().label.clone();
    assert_eq!(detail["case"]["program_label"], label.as_str());
    assert!(
        page.body.contains(&format!("<small>{label} ·")),
        "{}",
        page.body
    );
    let form = format!(
        "csrf={}&action=survey&surveyors={}&text={}",
        csrf_of(&page.body),
        urlencode("社区甲,刘网格员"),
        urlencode("入户核实: 收入与登记一致")
    );
    let surveyed = send(
        &app,
        post_form(&format!("/cases/{id}/step"), &cookie, &form),
    )
    .await;
    assert_eq!(surveyed.status, StatusCode::SEE_OTHER, "{}", surveyed.body);
    let detail = send(&app, case(street)).await.json();
    assert_eq!(detail["case"]["stage"], "surveyed");
    assert_eq!(detail["offered"], json!(["review", "withdraw"]));
    // The same step from a cookie without the CSRF token is refused.
    let forged = send(
        &app,
        post_json(
            &format!("/api/v1/cases/{id}/steps"),
            &Auth::Cookie(cookie.clone()),
            &json!({"action": "withdraw", "text": "x"}),
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.json()["code"], "csrf_rejected");

    // Review by the street: the community may not; then 7 days of posting.
    let not_mine = send(
        &app,
        take(
            community,
            json!({"action": "review", "verdict": "pass", "text": "x"}),
        ),
    )
    .await;
    assert_eq!(not_mine.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reviewed = send(
        &app,
        take(
            street,
            json!({"action": "review", "verdict": "pass", "text": "初审通过"}),
        ),
    )
    .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    assert_eq!(reviewed.json()["case"]["stage"], "posted");
    let early = send(
        &app,
        take(
            district,
            json!({"action": "decide", "verdict": "approve", "text": "同意"}),
        ),
    )
    .await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.body
    );
    // The district's view of the case says so instead of offering the decision: the posting
    // runs until its seventh day; the progress shows the review done and the posting current.
    let seen = send(&app, case(district)).await.json();
    assert!(seen["offered"].as_array().unwrap().is_empty(), "{seen}");
    let until = (walk.clock().today + chrono::Duration::days(6)).to_string();
    assert_eq!(seen["waiting"][0]["action"], "decide");
    assert_eq!(seen["waiting"][0]["until"], until.as_str());
    assert_eq!(
        seen["progress"][3]["due"],
        until.as_str(),
        "the posting's last day"
    );
    // The street prints the posting list: the household's head, the ID number masked.
    let posting = send(
        &app,
        common::get("/cases/posting.pdf?program=tekun_basic", street),
    )
    .await;
    assert_eq!(posting.status, StatusCode::OK, "{}", posting.body);
    assert_eq!(posting.headers["content-type"], "application/pdf");
    let text = common::pdf_text(&posting.bytes);
    let head = &city.inside.head_id;
    let masked = format!("{}********{}", &head[..6], &head[14..]);
    assert!(text.contains(&city.inside.head_name), "{text}");
    assert!(text.contains(&masked), "{text}");
    assert!(
        !text.contains(&city.inside.head_id),
        "an ID number in full: {text}"
    );
    assert!(text.contains("公示期"), "{text}");
    assert_eq!(
        send(
            &app,
            common::get("/cases/posting.pdf?program=tekun_basic", resident)
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "a resident prints no posting list"
    );
    // The list filtered: by stage, by program, overdue; a bad filter named.
    let listed = |query: &str| {
        let app = app.clone();
        let path = format!("/api/v1/cases?{query}");
        async move { send(&app, common::get(&path, community)).await }
    };
    let posted = listed("stage=posted").await.json();
    let items = posted["items"].as_array().unwrap();
    assert!(items.iter().any(|c| c["id"] == id), "{posted}");
    assert!(items.iter().all(|c| c["stage"] == "posted"), "{posted}");
    let dibao = listed("program=dibao").await.json();
    let dibao = dibao["items"].as_array().unwrap();
    assert!(dibao
        .iter()
        .all(|c| c["program"] == "dibao" && c["id"] != id));
    for (query, field) in [
        ("program=nothing", "program"),
        ("stage=someday", "stage"),
        ("overdue=maybe", "overdue"),
    ] {
        let refused = listed(query).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(refused.json()["field"], field, "{query}");
    }
    assert_eq!(listed("overdue=true").await.json()["total"], 0);
    // The same list as an Excel workbook, a row a case under its header, the export audited.
    let open_cases = listed("").await.json()["total"].as_u64().unwrap();
    let browser = Auth::Cookie(cookie.clone());
    let workbook = send(&app, common::get("/cases.xlsx", &browser)).await;
    assert_eq!(workbook.status, StatusCode::OK);
    assert!(workbook.headers[axum::http::header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let rows = {
        use calamine::Reader as _;
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(workbook.bytes.clone())).unwrap();
        let sheet = book.worksheet_range("待办案件").unwrap();
        sheet
            .rows()
            .map(|r| r.iter().map(ToString::to_string).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    assert_eq!(rows[0][0], "案件");
    assert_eq!(rows.len() as u64, open_cases + 1);
    assert!(rows
        .iter()
        .any(|r| r[0] == id.to_string() && r[3].contains("公示")));
    let bad = send(&app, common::get("/cases.xlsx?stage=someday", &browser)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let exported = city
        .store
        .audit_entries(city.inside.area.as_str())
        .await
        .unwrap();
    assert!(
        exported.iter().any(|e| e.action == "export_cases"
            && e.actor == "社区甲"
            && e.detail.starts_with(&format!("rows={open_cases} "))),
        "{exported:?}"
    );
    let states: Vec<(&str, &str)> = seen["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["step"].as_str().unwrap(), p["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("受理", "done"),
            ("调查", "done"),
            ("审核", "done"),
            ("公示", "current"),
            ("审批", "todo"),
            ("告知", "todo")
        ]
    );
    let objected = send(
        &app,
        take(
            community,
            json!({"action": "object", "by": "邻居", "text": "家中有车"}),
        ),
    )
    .await;
    assert_eq!(objected.status, StatusCode::OK, "{}", objected.body);
    let objection = objected.json()["objections"][0]["id"].as_i64().unwrap();

    // Nine days on, the 7 days' posting is over: an open objection still blocks the decision.
    let decided_on = walk.advance_days(9).today;
    let blocked = send(
        &app,
        take(
            district,
            json!({"action": "decide", "verdict": "approve", "text": "同意"}),
        ),
    )
    .await;
    assert_eq!(
        blocked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        blocked.body
    );
    let seen = send(&app, case(district)).await.json();
    assert_eq!(seen["waiting"][0]["open_objections"], 1, "{seen}");
    // Nine days on, the community's other case, still waiting for its survey, is overdue.
    let overdue = listed("overdue=true").await.json();
    assert!(overdue["total"].as_u64().unwrap() >= 1, "{overdue}");
    assert!(overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["working_days_left"].as_i64().is_some_and(|n| n < 0)));
    assert!(seen["offered"].as_array().unwrap().is_empty());
    let resolved = send(&app, take(street, json!({"action": "resolve", "objection": objection.to_string(), "verdict": "dismissed", "text": "车辆已于2024年过户"}))).await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    let seen = send(&app, case(district)).await.json();
    assert_eq!(seen["offered"], json!(["decide"]), "{seen}");
    assert_eq!(seen["waiting"], json!([]));
    // The posting is over: the decision is the current step, with the case's deadline.
    assert_eq!(seen["progress"][3]["state"], "done");
    assert_eq!(seen["progress"][3]["on"], until.as_str());
    assert_eq!(seen["progress"][4]["state"], "current");
    assert_eq!(seen["progress"][4]["due"], seen["case"]["due_on"]);
    let decided = send(
        &app,
        take(
            district,
            json!({"action": "decide", "verdict": "approve", "text": "符合特困供养条件"}),
        ),
    )
    .await;
    assert_eq!(decided.status, StatusCode::OK, "{}", decided.body);
    assert_eq!(decided.json()["case"]["stage"], "approved");
    let notified = send(
        &app,
        take(street, json!({"action": "notify", "text": "已书面告知"})),
    )
    .await;
    assert_eq!(notified.status, StatusCode::OK, "{}", notified.body);
    let closed = notified.json();
    assert_eq!(closed["case"]["stage"], "closed");
    assert_eq!(closed["case"]["outcome"], "granted");
    let actions: Vec<&str> = closed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["accept", "survey", "review", "object", "resolve", "decide", "notify"]
    );
    // The resident prints the receipt and the decision: their name, the program, the amount
    // and its reason, the way to appeal.
    let letter = |kind: &str| {
        let app = app.clone();
        let path = format!("/cases/{id}/letters/{kind}");
        async move { send(&app, common::get(&path, resident)).await }
    };
    let receipt = letter("receipt").await;
    assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
    let text = common::pdf_text(&receipt.bytes);
    for wanted in [
        "受理回执及一次性告知书",
        "特困人员基本生活费",
        "调查乡镇人民政府（街道办事处）",
        "居民身份证、户口簿",
    ] {
        assert!(
            text.contains(wanted),
            "«{wanted}» not in the receipt: {text}"
        );
    }
    assert!(text.contains(&city.inside.head_name), "{text}");
    let decision = letter("decision").await;
    assert_eq!(decision.status, StatusCode::OK, "{}", decision.body);
    let text = common::pdf_text(&decision.bytes);
    for wanted in [
        "特困人员基本生活费审批决定书",
        "准予享受特困人员基本生活费",
        "审批意见：符合特困供养条件",
        "申请行政复议",
        "提起行政诉讼",
    ] {
        assert!(
            text.contains(wanted),
            "«{wanted}» not in the decision: {text}"
        );
    }
    let paid = Month::containing(decided_on).next().first_day();
    assert!(
        text.contains(&format!("{}年{}月起每月", paid.year(), paid.month())),
        "{text}"
    );
    assert_eq!(letter("nonsense").await.status, StatusCode::NOT_FOUND);
    let printed = city.store.audit_entries(&city.inside.code).await.unwrap();
    assert!(printed.iter().any(|e| e.action == "print_letter"));
    // The resident follows it: their household's cases, and this one in full.
    let mine = send(&app, common::get("/api/v1/cases?open=false", resident))
        .await
        .json();
    assert!(mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == id));
    assert_eq!(
        send(&app, case(resident)).await.json()["offered"],
        json!([])
    );
    // The approval enrolled the household from the month after the decision.
    let paid_from = Month::containing(decided_on).next();
    let enrolments = city
        .store
        .payments()
        .enrolments(&city.inside.code)
        .await
        .unwrap();
    let enrolment = enrolments
        .iter()
        .find(|e| e.program == "tekun_basic" && e.first_month == paid_from)
        .unwrap_or_else(|| panic!("{enrolments:?}"))
        .id;
    // A benefit without a decision on it has no notice to print; once the district suspends
    // it, the notice says from when and why, and how to appeal.
    let notice_path = format!("/enrolments/{enrolment}/letter");
    let none = send(&app, common::get(&notice_path, resident)).await;
    assert_eq!(none.status, StatusCode::CONFLICT, "{}", none.body);
    let suspended_from = paid_from.next();
    minsheng_assistance::cases::decide_enrolment(
        &city.store,
        &common::policy(),
        enrolment,
        &minsheng_assistance::cases::EnrolmentDecision::Suspend {
            from: suspended_from,
        },
        "入户核查时本人不在户，待核实",
        "区级丙",
        walk.clock(),
    )
    .await
    .unwrap();
    let notice = send(&app, common::get(&notice_path, resident)).await;
    assert_eq!(notice.status, StatusCode::OK, "{}", notice.body);
    let text = common::pdf_text(&notice.bytes);
    let from = suspended_from.first_day();
    for wanted in [
        "特困人员基本生活费暂停发放通知书".to_string(),
        format!("自{}年{}月起暂停发放", from.year(), from.month()),
        "入户核查时本人不在户，待核实".to_string(),
        "申请行政复议".to_string(),
    ] {
        assert!(
            text.contains(&wanted),
            "«{wanted}» not in the notice: {text}"
        );
    }
    let by_community = send(&app, common::get(&notice_path, community)).await;
    assert_eq!(
        by_community.status,
        StatusCode::OK,
        "the community prints it too"
    );

    // The resident's messages: the decision and the suspension, each written with its event,
    // newest first, in plain words; staff have no such inbox.
    let inbox = send(&app, common::get("/api/v1/notices", resident)).await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    let inbox = inbox.json();
    let titles: Vec<&str> = inbox
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            format!("特困人员基本生活费自 {suspended_from} 起暂停发放"),
            "特困人员基本生活费申请已批准".to_string(),
        ]
    );
    let approved = inbox[1]["body"].as_str().unwrap();
    assert!(
        approved.contains(&format!("自 {paid_from} 起按月发放"))
            && approved.contains("符合特困供养条件"),
        "{approved}"
    );
    assert!(inbox[0]["body"].as_str().unwrap().contains("申请行政复议"));
    assert_eq!(inbox[0]["read"], false);
    let again = send(&app, common::get("/api/v1/notices", resident))
        .await
        .json();
    assert_eq!(again[0]["read"], true, "listing them marked them read");
    assert_eq!(
        send(&app, common::get("/api/v1/notices", community))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The resident asks for SMS too: a wrong number is refused by name, a right one kept; the
    // next decision then reaches the local gateway once, and is audited with the number masked.
    let bad = send(
        &app,
        common::put_json(
            "/api/v1/notices/contact",
            resident,
            &json!({"phone": "1381234", "use_sms": true}),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.json()["field"], "phone");
    let good = send(
        &app,
        common::put_json(
            "/api/v1/notices/contact",
            resident,
            &json!({"phone": "138 1234 5678", "use_sms": true}),
        ),
    )
    .await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    assert_eq!(good.json()["phone"], "13812345678");
    let resumed_from = suspended_from.next();
    minsheng_assistance::cases::decide_enrolment(
        &city.store,
        &common::policy(),
        enrolment,
        &minsheng_assistance::cases::EnrolmentDecision::Resume { from: resumed_from },
        "已核实本人居住在户",
        "区级丙",
        walk.clock(),
    )
    .await
    .unwrap();
    let gateway = minsheng_notify::stub::SmsStub::start("k", 0).await.unwrap();
    let dispatcher = minsheng_notify::Dispatcher::new(&minsheng_notify::ChannelConfig {
        sms_url: Some(gateway.url.clone()),
        sms_key: Some(minsheng_notify::Secret::new("k")),
        ..Default::default()
    })
    .unwrap();
    let round = dispatcher
        .drain(&city.store, walk.clock().now)
        .await
        .unwrap();
    assert_eq!(round.sent, 1);
    let texts = gateway.messages();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0].to, "13812345678");
    assert!(
        texts[0]
            .text
            .contains(&format!("自 {resumed_from} 起恢复发放")),
        "{}",
        texts[0].text
    );
    let trail = city.store.audit_entries(&city.inside.code).await.unwrap();
    assert!(trail
        .iter()
        .any(|e| e.action == "send_notice" && e.detail.contains("to=138****5678")));
}

#[tokio::test]
async fn one_thing_application_through_every_step_on_sqlite() {
    on_sqlite(procedure).await;
}

#[tokio::test]
async fn one_thing_application_through_every_step_on_postgres() {
    on_postgres(procedure).await;
}
