#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Visiting care on the web, as a community worker uses it: the list of elders due a visit
//! shows an elder never reached as escalated to the street, with the community's coverage; the
//! worker records a visit that finds the elder needs meal aid and an assessment, which raises
//! both cases in one click and makes the elder current; a visit without what was found is
//! refused with the field named, nothing recorded; the worker closes a case with its outcome;
//! a canteen's account is not let in.

mod common;

use axum::http::StatusCode;
use chrono::Duration;
use common::{get, post_form, send, session_cookie, sign_in, urlencode, Auth, Walk, PASSWORD};
use minsheng_core::access::{Role, Scope};
use minsheng_core::AreaCode;
use minsheng_eldercare::visits::{self, NewVisitor, VisitorKind, VisitsStore as _};

#[tokio::test]
async fn a_worker_sees_the_escalated_elder_visits_and_raises_cases() {
    let (store, _dir) = common::sqlite().await;
    common::city(store.clone()).await;
    let policy = minsheng_test_support::policy();
    let walk = Walk::start();
    let clock = walk.clock();
    // The roster began 40 days ago: anyone never reached is past every tier's escalation.
    let start = clock.today - Duration::days(40);
    let listed = visits::refresh(
        &store,
        &policy,
        start,
        "tester",
        minsheng_app::Clock::at(clock.now - Duration::days(40)),
        &minsheng_app::Quiet,
    )
    .await
    .unwrap();
    assert!(listed.listed > 0);
    let roster = store.visits().roster(&Scope::Everything).await.unwrap();
    let elder = roster.iter().min_by_key(|l| l.person_id).unwrap();
    let person = elder.person_id;
    let community = AreaCode::parse(&elder.area).unwrap();
    let visitor = store
        .visits()
        .add_visitors(
            &[NewVisitor {
                name: "王志愿".into(),
                kind: VisitorKind::Volunteer,
                area: community.clone(),
                phone: "0532-88880000".into(),
                account: None,
            }],
            "tester",
            clock.now,
            minsheng_test_support::noted("visitors"),
        )
        .await
        .unwrap()[0];
    common::staff_with_token(&store, "社工甲", Role::Community, community.as_str()).await;
    common::staff_with_token(&store, "食堂甲", Role::Provider, community.as_str()).await;
    let names = store.visits().names(&[person]).await.unwrap();
    let name = names[&person].0.clone();

    let app = minsheng_web::router(walk.web(store.clone(), common::bank_dir()));
    let worker = session_cookie(&sign_in(&app, "社工甲", PASSWORD).await);
    let auth = Auth::Cookie(worker.clone());
    let list = send(&app, get("/visits", &auth)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains(&name), "{}", list.body);
    assert!(list.body.contains("逾期已上报街道"), "{}", list.body);
    assert!(list.body.contains("id=\"coverage\""));
    // The worker's dashboard counts the community's listed elders, none visited yet.
    let listed_here = roster.iter().filter(|l| l.area == elder.area).count();
    let community_name =
        store.area_names(&[community.as_str()]).await.unwrap()[community.as_str()].clone();
    let dashboard = send(&app, get("/dashboard", &auth)).await;
    assert!(
        dashboard.body.contains(&format!(
            "<td>{community_name}</td><td>{listed_here}</td><td>0 <small>0.0%</small></td><td>0</td><td>{listed_here}</td>"
        )),
        "{}",
        dashboard.body
    );

    let page = send(&app, get(&format!("/visits/{person}"), &auth)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("王志愿") && page.body.contains("逾期已上报街道"));
    let csrf = common::csrf_of(&page.body);
    let form = |found: &str| {
        format!(
            "csrf={}&visitor={visitor}&on={}&mode=home&reached=yes&found={}&follow_up=&need_meal_aid=1&need_assessment=1",
            urlencode(&csrf),
            clock.today,
            urlencode(found)
        )
    };
    let empty = send(
        &app,
        post_form(&format!("/visits/{person}"), &worker, &form(" ")),
    )
    .await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );
    assert!(empty.body.contains("探访所见"), "{}", empty.body);
    assert!(store.visits().visits_of(person).await.unwrap().is_empty());

    let done = send(
        &app,
        post_form(
            &format!("/visits/{person}"),
            &worker,
            &form("独自在家，腿脚不便，难以做饭"),
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let open = store
        .visits()
        .referrals(&Scope::Area(community.clone()), true, 10)
        .await
        .unwrap();
    assert_eq!(open.len(), 2);
    let page = send(&app, get(&format!("/visits/{person}"), &auth)).await;
    assert!(
        page.body.contains("需要助餐") && page.body.contains("未到期"),
        "{}",
        page.body
    );

    // A case closed with its outcome.
    let close = format!(
        "csrf={}&person={person}&outcome={}",
        urlencode(&csrf),
        urlencode("已联系社区助餐点每日送餐")
    );
    let closed = send(
        &app,
        post_form(
            &format!("/visits/referrals/{}/close", open[0].id),
            &worker,
            &close,
        ),
    )
    .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(
        store
            .visits()
            .referrals(&Scope::Area(community.clone()), true, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // A canteen's account sees none of it.
    let cook = Auth::Cookie(session_cookie(&sign_in(&app, "食堂甲", PASSWORD).await));
    let refused = send(&app, get("/visits", &cook)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
