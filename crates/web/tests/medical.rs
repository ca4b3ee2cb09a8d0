#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! The settlement API as a hospital's system uses it: a claim posted is settled (201) and
//! posted again answers the first settlement (200); a claim that names something wrong is
//! refused with its field (422, 409), nothing written; the explanation line by line, as JSON
//! and as a FHIR ExplanationOfBenefit with exact amounts; the day's reconciliation file; a
//! reversal. Only a hospital's own account settles; a clerk of the person's area follows the
//! settlement on its page, a clerk elsewhere does not find it. The city's analyst sees what a
//! change of the rules would have done to a month's claims; a district's clerk may not.

mod common;

use axum::http::StatusCode;
use chrono::Datelike;
use common::{get, post_json, send, session_cookie, sign_in, urlencode, Auth, Walk, PASSWORD};
use minsheng_core::access::Role;
use minsheng_medical::{MedicalStore as _, Scheme};
use serde_json::json;

fn stay(number: &str, id: &str, date: &str, amount: &str) -> serde_json::Value {
    json!({
        "claim_number": number, "id_number": id, "date": date, "visit": "inpatient",
        "total": amount, "lines": [{"item": "CW001", "amount": amount}]
    })
}

#[tokio::test]
async fn a_hospital_settles_claims_and_a_clerk_follows_them() {
    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let walk = Walk::start();
    let clock = walk.clock();
    let last = clock.today.year() - 1;
    minsheng_medical::enrolment::file_synthetic(
        &store,
        &minsheng_test_support::medical_policy(),
        last,
        "tester",
        clock.now,
    )
    .await
    .unwrap();
    let app = minsheng_web::router(
        walk.web(store.clone(), common::bank_dir())
            .with_medical(minsheng_test_support::medical_policy()),
    );
    let district = &city.inside.area.as_str()[..6];
    let hospital = format!("H{district}");
    let his = common::staff_with_token(&store, "医院系统", Role::Provider, district).await;
    store
        .medical()
        .link_staff("医院系统", &hospital, minsheng_test_support::noted("link"))
        .await
        .unwrap();

    // Someone insured last year who lives in the hospital's district.
    let (person_id, id, _, cover) = store
        .medical()
        .covered_persons(last)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, _, area, _)| area.as_str().starts_with(district))
        .unwrap();
    // 10,000 yuan of 甲类 at a tier-3 hospital: 800 deductible, then the scheme's ratio.
    let ratio_bp: i64 = match (cover.scheme, cover.retired) {
        (Scheme::Employee, false) => 8_800,
        (Scheme::Employee, true) => 9_100,
        (Scheme::Resident, _) => 7_000,
    };
    let march = stay("M-1", id.as_str(), &format!("{last}-03-10"), "10000");
    let first = send(&app, post_json("/api/v1/medical/claims", &his, &march)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let settled = first.json();
    assert_eq!(settled["deductible_fen"], 80_000);
    assert_eq!(
        settled["fund_fen"],
        (1_000_000 - 80_000) * ratio_bp / 10_000
    );
    assert_eq!(settled["id_number"], id.masked());
    let april = stay("M-2", id.as_str(), &format!("{last}-04-02"), "10000");
    let second = send(&app, post_json("/api/v1/medical/claims", &his, &april))
        .await
        .json();
    assert_eq!(
        second["deductible_fen"], 0,
        "the deductible was borne in March"
    );
    assert_eq!(second["fund_fen"], 1_000_000 * ratio_bp / 10_000);

    let again = send(&app, post_json("/api/v1/medical/claims", &his, &march)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["claim_id"], settled["claim_id"]);

    // Refused with the field at fault; nothing written.
    let mut bad = Vec::new();
    bad.push((
        stay("M-1", id.as_str(), &format!("{last}-03-10"), "9999"),
        StatusCode::CONFLICT,
        "claim_number",
    ));
    let mut unknown = stay("M-3", id.as_str(), &format!("{last}-05-01"), "10");
    unknown["lines"][0]["item"] = json!("NOPE");
    bad.push((unknown, StatusCode::UNPROCESSABLE_ENTITY, "lines[0].item"));
    let mut negative = stay("M-4", id.as_str(), &format!("{last}-05-01"), "10");
    negative["lines"][0]["amount"] = json!("-10");
    bad.push((
        negative,
        StatusCode::UNPROCESSABLE_ENTITY,
        "lines[0].amount",
    ));
    let mut mismatch = stay("M-5", id.as_str(), &format!("{last}-05-01"), "10");
    mismatch["total"] = json!("11");
    bad.push((mismatch, StatusCode::UNPROCESSABLE_ENTITY, "total"));
    bad.push((
        stay("M-6", id.as_str(), &format!("{}-05-01", last - 2), "10"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "date",
    ));
    bad.push((
        stay("M-7", id.as_str(), "2025-13-01", "10"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "date",
    ));
    for (body, status, field) in bad {
        let answer = send(&app, post_json("/api/v1/medical/claims", &his, &body)).await;
        assert_eq!(answer.status, status, "{field}: {}", answer.body);
        assert_eq!(answer.json()["field"], field, "{}", answer.body);
    }
    assert_eq!(
        store
            .medical()
            .claims_of(person_id, last)
            .await
            .unwrap()
            .len(),
        2
    );

    // Only a hospital's account settles.
    let clerk = common::staff_with_token(&store, "市医保甲", Role::City, "370200").await;
    let refused = send(&app, post_json("/api/v1/medical/claims", &clerk, &april)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The explanation, as JSON and as FHIR with exact decimals.
    let explained = send(&app, get("/api/v1/medical/claims/M-2/explanation", &his)).await;
    assert_eq!(explained.status, StatusCode::OK, "{}", explained.body);
    let trees = explained.json()["trees"].to_string();
    for expected in [
        "统筹基金支付",
        "本年度已负担的起付线",
        "800.00",
        "2025-01-01",
    ] {
        assert!(trees.contains(expected), "{expected} missing: {trees}");
    }
    let eob = send(&app, get("/api/v1/medical/claims/M-2/eob", &his)).await;
    assert_eq!(eob.status, StatusCode::OK);
    assert_eq!(eob.json()["resourceType"], "ExplanationOfBenefit");
    assert!(
        eob.body.contains("\"value\":10000.00,\"currency\":\"CNY\""),
        "{}",
        eob.body
    );

    // The day's reconciliation file.
    let file = send(
        &app,
        get(
            &format!("/api/v1/medical/reconciliation?day={last}-03-10"),
            &his,
        ),
    )
    .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.body.starts_with("hospital,claim_number"),
        "{}",
        file.body
    );
    assert!(
        file.body.contains("M-1") && !file.body.contains("M-2"),
        "{}",
        file.body
    );
    assert!(
        file.body.contains(&format!("{hospital},TOTAL")),
        "{}",
        file.body
    );

    // A reversal, once.
    let reversal = json!({"reason": "重复结算"});
    let reversed = send(
        &app,
        post_json("/api/v1/medical/claims/M-2/reversal", &his, &reversal),
    )
    .await;
    assert_eq!(reversed.status, StatusCode::OK, "{}", reversed.body);
    assert_eq!(reversed.json()["status"], "reversed");
    let twice = send(
        &app,
        post_json("/api/v1/medical/claims/M-2/reversal", &his, &reversal),
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // A clerk of the city follows the settlement on its page; one of another district does not.
    let cookie = Auth::Cookie(session_cookie(&sign_in(&app, "市医保甲", PASSWORD).await));
    let page = send(
        &app,
        get(&format!("/medical/claims/{hospital}/M-1"), &cookie),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for expected in ["统筹基金支付", "床位费", "甲类", "起付标准"] {
        assert!(page.body.contains(expected), "{expected} missing");
    }
    let other = &city.outside.area.as_str()[..6];
    common::staff_with_token(&store, "区医保乙", Role::District, other).await;
    let elsewhere = Auth::Cookie(session_cookie(&sign_in(&app, "区医保乙", PASSWORD).await));
    let hidden = send(
        &app,
        get(&format!("/medical/claims/{hospital}/M-1"), &elsewhere),
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let reads = store
        .audit_entries(&format!("claim {hospital}/M-1"))
        .await
        .unwrap();
    assert!(reads
        .iter()
        .any(|e| e.action == "medical.read" && e.actor == "市医保甲"));

    // What a tier-3 inpatient ratio of 50% would have cost in March: the March stay (April's
    // was reversed) settled again, its 9,200 yuan above the deductible paid half by the fund.
    let before =
        settled["fund_fen"].as_i64().unwrap() + settled["supplement_fen"].as_i64().unwrap();
    let changes =
        "medical.ratio.inpatient.employee.tier_3=0.5\nmedical.ratio.inpatient.resident.tier_3=0.5";
    let what_if = format!(
        "/medical/what-if?month={last}-03&changes={}",
        urlencode(changes)
    );
    let page = send(&app, get(&what_if, &cookie)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let change = minsheng_core::Fen(460_000 - before).to_string();
    for expected in [
        "住院".to_string(),
        minsheng_core::Fen(before).to_string(),
        "4600.00".to_string(),
        change,
    ] {
        assert!(
            page.body.contains(&expected),
            "{expected} missing: {}",
            page.body
        );
    }
    let unknown = format!(
        "/medical/what-if?month={last}-03&changes={}",
        urlencode("medical.ratio.nope=0.5")
    );
    let refused = send(&app, get(&unknown, &cookie)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("medical.ratio.nope"),
        "{}",
        refused.body
    );
    let district = send(&app, get(&what_if, &elsewhere)).await;
    assert_eq!(district.status, StatusCode::FORBIDDEN);
}

/// Transfers of the insurance relation over the API, by the city's staff: a resident's
/// insurance sent to Jinan (its sheet made from the insured registry, the account with it),
/// once; a sheet from Chengdu filed only with the person's online application, once, and the
/// same sheet again answered as filed; a district's clerk may do neither.
#[tokio::test]
async fn the_city_transfers_insurance_in_and_out() {
    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let walk = Walk::start();
    let clock = walk.clock();
    let year = clock.today.year();
    minsheng_medical::enrolment::file_synthetic(
        &store,
        &minsheng_test_support::medical_policy(),
        year,
        "tester",
        clock.now,
    )
    .await
    .unwrap();
    let app = minsheng_web::router(
        walk.web(store.clone(), common::bank_dir())
            .with_medical(minsheng_test_support::medical_policy()),
    );
    let clerk = common::staff_with_token(&store, "市医保甲", Role::City, "370200").await;
    let (person_id, id, _, _) = store
        .medical()
        .covered_persons(year)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, _, _, c)| c.scheme == Scheme::Employee && !c.retired)
        .unwrap();
    let (_, balance) = store
        .medical()
        .year(person_id, year, Scheme::Employee)
        .await
        .unwrap();

    let leaving = json!({"id_number": id.as_str(), "to_area": "370102"});
    let sent = send(
        &app,
        post_json("/api/v1/medical/transfers/out", &clerk, &leaving),
    )
    .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let sheet = sent.json();
    assert_eq!(sheet["route"], "in_province");
    assert_eq!(sheet["id_number"], id.masked());
    assert_eq!(sheet["account_balance_fen"], balance.0);
    assert_eq!(sheet["covered_until"], clock.today.to_string());
    let twice = send(
        &app,
        post_json("/api/v1/medical/transfers/out", &clerk, &leaving),
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert_eq!(twice.json()["field"], "id_number");

    let until = clock.today - chrono::Duration::days(10);
    let mut chengdu = json!({
        "number": "510104-0001", "id_number": city.outside.head_id, "other_area": "510104",
        "scheme": "resident", "covered_since": "2020-01-01", "covered_until": until.to_string(),
    });
    let refused = send(
        &app,
        post_json("/api/v1/medical/transfers", &clerk, &chengdu),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["field"], "application");
    assert!(refused.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("网上申请编号"));
    chengdu["application"] = json!("KS-000017");
    let filed = send(
        &app,
        post_json("/api/v1/medical/transfers", &clerk, &chengdu),
    )
    .await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    assert_eq!(filed.json()["route"], "cross_province");
    let again = send(
        &app,
        post_json("/api/v1/medical/transfers", &clerk, &chengdu),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);

    let other = &city.outside.area.as_str()[..6];
    let district = common::staff_with_token(&store, "区医保乙", Role::District, other).await;
    for (path, body) in [
        ("/api/v1/medical/transfers", &chengdu),
        ("/api/v1/medical/transfers/out", &leaving),
    ] {
        let forbidden = send(&app, post_json(path, &district, body)).await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{path}");
    }
}

/// A district's civil-affairs staff recognise a resident of their district as an object of
/// medical assistance (低保边缘), once; a second recognition of the same days, a category the
/// assistance decisions decide, or a resident of another district is refused with its field;
/// a community's staff may not recognise at all.
#[tokio::test]
async fn a_district_recognises_an_object_of_medical_assistance() {
    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let walk = Walk::start();
    let clock = walk.clock();
    let app = minsheng_web::router(
        walk.web(store.clone(), common::bank_dir())
            .with_medical(minsheng_test_support::medical_policy()),
    );
    let path = "/api/v1/medical/assistance/recognitions";
    let district_of = |h: &common::Household| h.area.as_str()[..6].to_string();
    let district = common::staff_with_token(
        &store,
        "区民政甲",
        Role::District,
        &district_of(&city.outside),
    )
    .await;
    let community = common::staff_with_token(
        &store,
        "社区乙",
        Role::Community,
        city.outside.area.as_str(),
    )
    .await;
    let to = clock.today + chrono::Duration::days(180);
    let mut body = json!({
        "id_number": city.outside.head_id, "category": "near_poor",
        "from": clock.today.to_string(), "to": to.to_string(), "basis": "区民政局认定〔2026〕3号",
    });
    let forbidden = send(&app, post_json(path, &community, &body)).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );

    let filed = send(&app, post_json(path, &district, &body)).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    assert_eq!(filed.json()["category"], "near_poor");
    assert!(filed.json()["id_number"].as_str().unwrap().contains('*'));
    let again = send(&app, post_json(path, &district, &body)).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert_eq!(again.json()["field"], "from");

    body["category"] = json!("tekun");
    let tekun = send(&app, post_json(path, &district, &body)).await;
    assert_eq!(tekun.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(tekun.json()["field"], "category");

    body["category"] = json!("illness_poverty");
    body["id_number"] = json!(city.inside.head_id);
    let elsewhere = send(&app, post_json(path, &district, &body)).await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(elsewhere.json()["field"], "id_number");
}

/// Long-term care over the API: a care provider's system claims last month for a person it
/// cares for (refused by field when a day is outside the month, once only), the district's
/// office approves it, and nobody else reads or approves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_care_provider_claims_its_month_and_the_district_approves_it() {
    use minsheng_core::access::{Account, Staff};
    use minsheng_core::{AreaCode, IdNumber, Month};
    use minsheng_medical::care::{self, Form, Provider, Qualify};

    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let walk = Walk::start();
    let clock = walk.clock();
    let app = minsheng_web::router(
        walk.web(store.clone(), common::bank_dir())
            .with_care(minsheng_test_support::care_policy()),
    );
    let district = city.outside.area.as_str()[..6].to_string();
    let officer = common::staff_with_token(&store, "区医保甲", Role::District, &district).await;
    let elsewhere = common::staff_with_token(
        &store,
        "区医保乙",
        Role::District,
        &city.inside.area.as_str()[..6],
    )
    .await;
    let system = common::staff_with_token(&store, "护理站系统", Role::Provider, &district).await;
    let office = Account::Staff(Staff {
        name: "区医保甲".into(),
        role: Role::District,
        area: AreaCode::parse(&district).unwrap(),
    });
    let home = Provider {
        code: "LTC-A".into(),
        name: "康乐居家护理站".into(),
        area: AreaCode::parse(&district).unwrap(),
        forms: vec![Form::Home],
        bank_account: "6222020200000000".into(),
        registered_on: clock.today,
    };
    care::register(&store, &office, &home, clock).await.unwrap();
    care::link(&store, &office, "护理站系统", "LTC-A", clock)
        .await
        .unwrap();
    // Covered for last month's year, and qualified from its first day (as filed then).
    let last = Month::containing(clock.today).previous();
    let id = IdNumber::parse(&city.outside.head_id).unwrap();
    covered(&store, &id, Scheme::Employee, last.year()).await;
    let first = last.first_day();
    let then = minsheng_app::Clock::at(first.and_hms_opt(2, 0, 0).unwrap().and_utc());
    let q = Qualify {
        id_number: id.clone(),
        provider: "LTC-A".into(),
        form: Form::Home,
        grade: 3,
        assessed_by: "评估中心".into(),
        assessed_on: first,
        from: first,
    };
    care::qualify(
        &store,
        &minsheng_test_support::care_policy(),
        &office,
        &q,
        then,
    )
    .await
    .unwrap();

    // The provider's system reads whom it cares for; nobody else does.
    let whom = format!("/api/v1/medical/care/beneficiaries?month={last}");
    let listed = send(&app, get(&whom, &system)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(listed.json()[0]["id_number"], id.as_str());
    assert_eq!(listed.json()[0]["form"], "home");
    assert_eq!(
        send(&app, get(&whom, &officer)).await.status,
        StatusCode::FORBIDDEN
    );
    let path = "/api/v1/medical/care/months";
    let tenth = first + chrono::Duration::days(9);
    let mut body = json!({
        "month": last.to_string(),
        "stretches": [{"id_number": id.as_str(), "from": first.to_string(),
                       "to": last.next().first_day().to_string()}],
    });
    let forbidden = send(&app, post_json(path, &officer, &body)).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );
    let outside = send(&app, post_json(path, &system, &body)).await;
    assert_eq!(
        outside.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        outside.body
    );
    assert_eq!(outside.json()["field"], "stretches[0].to");
    body["stretches"][0]["to"] = json!(tenth.to_string());
    let claimed = send(&app, post_json(path, &system, &body)).await;
    assert_eq!(claimed.status, StatusCode::CREATED, "{}", claimed.body);
    let month = claimed.json();
    // Ten days of home care at 45 yuan; the employees' share 90%.
    assert_eq!(month["total_fen"], 45_000);
    assert_eq!(month["fund_fen"], 40_500);
    assert_eq!(month["person_fen"], 4_500);
    assert!(month["cares"][0]["id_number"]
        .as_str()
        .unwrap()
        .contains('*'));
    let again = send(&app, post_json(path, &system, &body)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    let id = month["id"].as_i64().unwrap();
    let one = format!("/api/v1/medical/care/months/{id}");
    assert_eq!(send(&app, get(&one, &system)).await.status, StatusCode::OK);
    assert_eq!(
        send(&app, get(&one, &elsewhere)).await.status,
        StatusCode::NOT_FOUND
    );
    let approval = format!("{one}/approval");
    let refused = send(&app, post_json(&approval, &system, &json!({}))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let hidden = send(&app, post_json(&approval, &elsewhere, &json!({}))).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
    let approved = send(&app, post_json(&approval, &officer, &json!({}))).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["approved_by"], "区医保甲");
    let twice = send(&app, post_json(&approval, &officer, &json!({}))).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
}

/// Out-of-town care registration over the API: the insured person registers a referral
/// themself and it stands at once; they cannot register someone else; within Shandong none is
/// needed; any office files a long-term one, another office's district staff approve it, and
/// the person sees both where they stand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_registers_care_elsewhere_and_an_office_reviews_a_long_stay() {
    use minsheng_app::accounts;
    use minsheng_core::IdNumber;
    use minsheng_store::AccountHolder;

    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let walk = Walk::start();
    let clock = walk.clock();
    let app = minsheng_web::router(
        walk.web(store.clone(), common::bank_dir())
            .with_medical(minsheng_test_support::medical_policy()),
    );
    // The resident is covered this year.
    let id = IdNumber::parse(&city.inside.head_id).unwrap();
    let year = clock.today.year();
    covered(&store, &id, Scheme::Resident, year).await;
    accounts::add_account(
        &store,
        &city.inside.head_id,
        PASSWORD,
        &AccountHolder::Resident(id.clone()),
        "tester",
        clock,
    )
    .await
    .unwrap();
    let resident = Auth::Token(
        accounts::add_api_token(&store, &city.inside.head_id, "test", "tester", clock)
            .await
            .unwrap(),
    );
    let path = "/api/v1/medical/elsewhere";
    let mut body = json!({
        "id_number": city.inside.head_id, "reason": "referral", "destination": "370102",
    });
    let in_province = send(&app, post_json(path, &resident, &body)).await;
    assert_eq!(
        in_province.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        in_province.body
    );
    assert_eq!(in_province.json()["field"], "destination");
    body["destination"] = json!("310115");
    let filed = send(&app, post_json(path, &resident, &body)).await;
    assert_eq!(filed.status, StatusCode::CREATED, "{}", filed.body);
    assert_eq!(filed.json()["state"], "approved");
    assert_eq!(filed.json()["kind"], "temporary");
    let someone_else = json!({
        "id_number": city.outside.head_id, "reason": "referral", "destination": "310115",
    });
    let forbidden = send(&app, post_json(path, &resident, &someone_else)).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );

    // A long stay of another insured person, filed at a street office of another district
    // (市域通办), approved by that district's office; the resident cannot review it.
    let other = IdNumber::parse(&city.outside.head_id).unwrap();
    covered(&store, &other, Scheme::Resident, year).await;
    let street = common::staff_with_token(
        &store,
        "外区街道窗口",
        Role::Street,
        &city.outside.area.as_str()[..9],
    )
    .await;
    let officer = common::staff_with_token(
        &store,
        "区医保审核",
        Role::District,
        &city.outside.area.as_str()[..6],
    )
    .await;
    let long = json!({
        "id_number": city.outside.head_id, "reason": "long_term_resident",
        "destination": "310115",
    });
    let pending = send(&app, post_json(path, &street, &long)).await;
    assert_eq!(pending.status, StatusCode::CREATED, "{}", pending.body);
    assert_eq!(pending.json()["state"], "pending");
    let review = format!("{path}/{}/review", pending.json()["id"]);
    let decision = json!({"approve": true, "reason": "居住证明齐全"});
    let refused = send(&app, post_json(&review, &resident, &decision)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let approved = send(&app, post_json(&review, &officer, &decision)).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.json()["state"], "approved");
    assert_eq!(approved.json()["decision"], "居住证明齐全");
    let mine = send(&app, get(path, &resident)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let list = mine.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["destination"], "310115");
    assert_eq!(
        send(&app, get(path, &street)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Family mutual aid over the API: an employee binds their spouse or child themself; binding
/// someone else's account is forbidden, a stranger is refused by field, and the employee ends
/// it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_employee_binds_family_to_the_account_and_ends_it() {
    use minsheng_app::accounts;
    use minsheng_core::registry::Relation;
    use minsheng_core::IdNumber;
    use minsheng_store::AccountHolder;

    let (store, _dir) = common::sqlite().await;
    let city = common::city(store.clone()).await;
    let walk = Walk::start();
    let clock = walk.clock();
    let app = minsheng_web::router(walk.web(store.clone(), common::bank_dir()));
    // A household whose head has a spouse or child living with them.
    let mut pair = None;
    for code in store.sample_household_codes(400).await.unwrap() {
        let file = store.household_file(&code).await.unwrap();
        let members = file.as_of(clock.today, clock.now);
        let head = members.iter().find(|(_, f)| f.relation == Relation::Head);
        let kin = members.iter().find(|(_, f)| {
            matches!(f.relation, Relation::Spouse | Relation::Child) && f.death_date.is_none()
        });
        if let (Some((h, hf)), Some((k, _))) = (head, kin) {
            if hf.death_date.is_none() {
                pair = Some((h.id_number.clone(), k.id_number.clone()));
                break;
            }
        }
    }
    let (holder, relative) = pair.expect("a household with a head and a spouse or child");
    let year = clock.today.year();
    covered(&store, &holder, Scheme::Employee, year).await;
    covered(&store, &relative, Scheme::Resident, year).await;
    accounts::add_account(
        &store,
        holder.as_str(),
        PASSWORD,
        &AccountHolder::Resident(holder.clone()),
        "tester",
        clock,
    )
    .await
    .unwrap();
    let employee = Auth::Token(
        accounts::add_api_token(&store, holder.as_str(), "test", "tester", clock)
            .await
            .unwrap(),
    );
    let path = "/api/v1/medical/family";
    let stranger = IdNumber::parse(&city.outside.head_id).unwrap();
    let not_kin =
        json!({"holder_id_number": holder.as_str(), "relative_id_number": stranger.as_str()});
    let refused = send(&app, post_json(path, &employee, &not_kin)).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.json()["field"], "relative_id_number");
    let theirs =
        json!({"holder_id_number": stranger.as_str(), "relative_id_number": holder.as_str()});
    let forbidden = send(&app, post_json(path, &employee, &theirs)).await;
    assert_eq!(
        forbidden.status,
        StatusCode::FORBIDDEN,
        "{}",
        forbidden.body
    );
    let body =
        json!({"holder_id_number": holder.as_str(), "relative_id_number": relative.as_str()});
    let bound = send(&app, post_json(path, &employee, &body)).await;
    assert_eq!(bound.status, StatusCode::CREATED, "{}", bound.body);
    assert!(["spouse", "child"].contains(&bound.json()["kin"].as_str().unwrap()));
    let again = send(&app, post_json(path, &employee, &body)).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    let end = format!("{path}/{}/end", bound.json()["id"]);
    let ended = send(&app, post_json(&end, &employee, &json!({}))).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.json()["to"], clock.today.to_string());
}

/// Covers the person for the whole of `year` in `scheme`; their key.
async fn covered(
    store: &minsheng_store::Store,
    id: &minsheng_core::IdNumber,
    scheme: Scheme,
    year: i32,
) -> i64 {
    let person_id = store
        .medical()
        .insured(id)
        .await
        .unwrap()
        .unwrap()
        .person_id;
    let cover = minsheng_medical::Cover {
        scheme,
        tier: match scheme {
            Scheme::Employee => minsheng_medical::Tier::Employee,
            Scheme::Resident => minsheng_medical::Tier::Adult2,
        },
        retired: false,
        two_diseases: false,
        from: chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap(),
        to: chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap(),
    };
    store
        .medical()
        .enrol(
            &[(person_id, cover, Default::default())],
            "tester",
            minsheng_test_support::noted("enrol"),
        )
        .await
        .unwrap();
    person_id
}
