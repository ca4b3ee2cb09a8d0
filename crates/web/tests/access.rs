#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The web service as its users meet it, on both backends over real connections: signing in,
//! CSRF, throttling, and the area-scoping matrix — every role × every endpoint × a household in
//! the account's area and one outside it, including through searches and case lists.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use minsheng_app::cases::ApplicationForm;
use minsheng_app::{accounts, Clock, Quiet};
use minsheng_core::cases::{Role, Staff};
use minsheng_core::AreaCode;
use minsheng_store::{AccountHolder, Store};
use serde_json::Value;
use tower::ServiceExt;

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";
const PASSWORD: &str = "correct horse";

fn policy() -> minsheng_policy::Policy {
    minsheng_policy::Policy::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/qingdao"
    )))
    .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(path: &str, auth: &Auth) -> Request<Body> {
    let builder = Request::get(path);
    match auth {
        Auth::Token(t) => builder.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Cookie(c) => builder.header(header::COOKIE, c.as_str()),
        Auth::None => builder,
    }
    .body(Body::empty())
    .unwrap()
}

fn post_form(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap()
}

enum Auth {
    Token(String),
    Cookie(String),
    None,
}

/// Signs in through the form, as a browser does: fetch the form (its CSRF cookie and field),
/// post it, keep the session cookie.
async fn sign_in(app: &Router, login: &str, password: &str) -> Answer {
    let form = send(app, get("/login", &Auth::None)).await;
    assert_eq!(form.status, StatusCode::OK);
    let cookie = form.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = form
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let body = format!(
        "login={}&password={}&csrf={csrf}",
        urlencode(login),
        urlencode(password)
    );
    send(app, post_form("/login", &cookie, &body)).await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn session_cookie(answer: &Answer) -> String {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("minsheng_session="))
        .unwrap_or_else(|| panic!("no session cookie: {:?}", answer.headers))
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

struct City {
    store: Store,
    /// In the accounts' area / in another district.
    inside: Household,
    outside: Household,
}

struct Household {
    code: String,
    area: AreaCode,
    head_id: String,
    head_name: String,
    case: i64,
}

async fn city(store: Store) -> City {
    let clock = Clock::system();
    minsheng_app::generate::generate(&store, 800, 7, clock, &Quiet)
        .await
        .unwrap();
    minsheng_app::calendar::load_bundled(&store, "tester", clock)
        .await
        .unwrap();
    let codes = store.sample_household_codes(400).await.unwrap();
    let mut files = Vec::new();
    for code in &codes {
        let file = store.household_file(code).await.unwrap();
        if !file.as_of(clock.today, clock.now).is_empty() {
            files.push(file);
        }
    }
    let a = files[0].clone();
    let b = files
        .iter()
        .find(|f| f.area.as_str()[..6] != a.area.as_str()[..6])
        .expect("two districts")
        .clone();
    let policy = policy();
    let mut households = Vec::new();
    for (i, file) in [&a, &b].into_iter().enumerate() {
        let caseworker = format!("社工{i}");
        store
            .add_staff(
                &Staff {
                    name: caseworker.clone(),
                    role: Role::Community,
                    area: file.area.clone(),
                },
                "tester",
                clock.now,
            )
            .await
            .unwrap();
        let submitted = minsheng_app::cases::submit(
            &store,
            &policy,
            &ApplicationForm {
                household: file.code.clone(),
                programs: vec!["dibao".into()],
                applicant: String::new(),
                proxy: String::new(),
                changes: Vec::new(),
                facts_from: clock.today,
            },
            &caseworker,
            clock,
        )
        .await
        .unwrap();
        let (head, _) = file.as_of(clock.today, clock.now)[0];
        households.push(Household {
            code: file.code.clone(),
            area: file.area.clone(),
            head_id: head.id_number.as_str().to_string(),
            head_name: head.name.clone(),
            case: submitted.cases[0].0,
        });
    }
    let outside = households.pop().unwrap();
    let inside = households.pop().unwrap();
    City {
        store,
        inside,
        outside,
    }
}

/// (login, sees the outside household?)
async fn accounts_for(city: &City) -> Vec<(String, bool)> {
    let clock = Clock::system();
    let area = city.inside.area.as_str();
    let roles = [
        ("社区甲", Role::Community, area.to_string(), false),
        ("街道乙", Role::Street, area[..9].to_string(), false),
        ("区级丙", Role::District, area[..6].to_string(), false),
        ("市级丁", Role::City, "370200".to_string(), true),
        ("审计戊", Role::Auditor, "370200".to_string(), true),
    ];
    let mut out = Vec::new();
    for (name, role, area, sees_all) in roles {
        let staff = Staff {
            name: name.into(),
            role,
            area: AreaCode::parse(&area).unwrap(),
        };
        city.store
            .add_staff(&staff, "tester", clock.now)
            .await
            .unwrap();
        accounts::add_account(
            &city.store,
            name,
            PASSWORD,
            &AccountHolder::Staff(name.into()),
            "tester",
            clock,
        )
        .await
        .unwrap();
        out.push((name.to_string(), sees_all));
    }
    let resident = minsheng_core::IdNumber::parse(&city.inside.head_id).unwrap();
    accounts::add_account(
        &city.store,
        &city.inside.head_id,
        PASSWORD,
        &AccountHolder::Resident(resident),
        "tester",
        clock,
    )
    .await
    .unwrap();
    out.push((city.inside.head_id.clone(), false));
    out
}

async fn matrix(store: Store) {
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let app = minsheng_web::router(minsheng_web::Web::new(city.store.clone(), policy(), false));
    let clock = Clock::system();
    for (login, sees_all) in &logins {
        let token = accounts::add_api_token(&city.store, login, "matrix", "tester", clock)
            .await
            .unwrap();
        let signed = sign_in(&app, login, PASSWORD).await;
        assert_eq!(
            signed.status,
            StatusCode::SEE_OTHER,
            "{login}: {}",
            signed.body
        );
        let cookie = session_cookie(&signed);
        for auth in [Auth::Token(token.clone()), Auth::Cookie(cookie.clone())] {
            for (h, visible) in [(&city.inside, true), (&city.outside, *sees_all)] {
                let expect = if visible {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                for path in [
                    format!("/api/v1/households/{}", h.code),
                    format!("/api/v1/households/{}", h.head_id),
                    format!("/api/v1/households/{}/explain?month=2025-06", h.code),
                    format!("/households/{}", h.code),
                    format!("/households/{}/explain?month=2025-06", h.code),
                ] {
                    let answer = send(&app, get(&path, &auth)).await;
                    assert_eq!(answer.status, expect, "{login} GET {path}: {}", answer.body);
                    if visible {
                        // ID numbers are masked unless revealed.
                        assert!(
                            !answer.body.contains(&h.head_id),
                            "{login} GET {path} shows a full ID number"
                        );
                    } else {
                        assert!(
                            !answer.body.contains(&h.head_name),
                            "{login} GET {path} leaks a name"
                        );
                    }
                }
                // Searches and their counts: by household code, by ID number, by name.
                for q in [&h.code, &h.head_id, &h.head_name] {
                    let path = format!("/api/v1/households?q={}", urlencode(q));
                    let found = send(&app, get(&path, &auth)).await;
                    assert_eq!(found.status, StatusCode::OK, "{login} {path}");
                    let page = found.json();
                    let hits: Vec<&str> = page["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i["household"].as_str().unwrap())
                        .collect();
                    assert_eq!(
                        hits.contains(&h.code.as_str()),
                        visible,
                        "{login} {path}: {page}"
                    );
                    if !visible {
                        assert!(hits.iter().all(|c| *c != h.code), "{login} {path}");
                    }
                    let total = page["total"].as_u64().unwrap();
                    assert!(total as usize >= hits.len());
                    if !visible && q == &h.code {
                        assert_eq!(total, 0, "{login} {path}: the count leaks");
                    }
                    let html = send(&app, get(&format!("/search?q={}", urlencode(q)), &auth)).await;
                    assert_eq!(
                        html.body.contains(&format!("/households/{}", h.code)),
                        visible,
                        "{login} search page {q}"
                    );
                }
            }
            // Case lists (inbox): the inside case, the outside one only for the city.
            let cases = send(&app, get("/api/v1/cases", &auth)).await;
            assert_eq!(cases.status, StatusCode::OK);
            let ids: Vec<i64> = cases.json()["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect();
            assert!(ids.contains(&city.inside.case), "{login}: {ids:?}");
            assert_eq!(
                ids.contains(&city.outside.case),
                *sees_all,
                "{login}: {ids:?}"
            );
            assert_eq!(cases.json()["total"].as_u64().unwrap() as usize, ids.len());
            let me = send(&app, get("/api/v1/me", &auth)).await.json();
            assert_eq!(me["login"], login.as_str());
        }
    }
    // Without signing in: the API answers 401 with a code; pages send to the sign-in form.
    let anonymous = send(
        &app,
        get(
            &format!("/api/v1/households/{}", city.inside.code),
            &Auth::None,
        ),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.json()["code"], "not_signed_in");
    let page = send(
        &app,
        get(&format!("/households/{}", city.inside.code), &Auth::None),
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/login");
    let forged = send(&app, get("/api/v1/me", &Auth::Token("0".repeat(64)))).await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

async fn sign_in_rules(store: Store) {
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let app = minsheng_web::router(minsheng_web::Web::new(city.store.clone(), policy(), false));
    let (login, _) = &logins[0];
    // A wrong password: 401 and the form again; four more and the login is locked, even
    // for the right password.
    for _ in 0..minsheng_web::Throttle::MAX_FAILURES {
        let wrong = sign_in(&app, login, "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("the login or the password is wrong"));
    }
    let locked = sign_in(&app, login, PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers.contains_key(header::RETRY_AFTER));
    // Another login is not affected.
    let (other, _) = &logins[1];
    let ok = sign_in(&app, other, PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let cookie = session_cookie(&ok);
    assert!(ok.headers.get_all(header::SET_COOKIE).iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("minsheng_session=")
            && v.contains("HttpOnly")
            && v.contains("SameSite=Strict")
    }));
    // A form without the session's CSRF token changes nothing.
    let reveal = format!("/households/{}/reveal", city.inside.code);
    let forged = send(&app, post_form(&reveal, &cookie, "csrf=forged")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(!forged.body.contains(&city.inside.head_id));
    // With it, the full numbers, and the audit log says who saw them.
    let home = send(
        &app,
        get(
            &format!("/households/{}", city.inside.code),
            &Auth::Cookie(cookie.clone()),
        ),
    )
    .await;
    let csrf = home
        .body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let revealed = send(&app, post_form(&reveal, &cookie, &format!("csrf={csrf}"))).await;
    assert_eq!(revealed.status, StatusCode::OK);
    assert!(revealed.body.contains(&city.inside.head_id));
    let audit = city.store.audit_entries(&city.inside.code).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "reveal_household" && e.actor == *other),
        "{audit:?}"
    );
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "reveal_household")
            .count(),
        1
    );
    // Signing out ends the session on the server, not just in the browser.
    let out = send(&app, post_form("/logout", &cookie, &format!("csrf={csrf}"))).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = send(&app, get("/api/v1/me", &Auth::Cookie(cookie))).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    // Bad input names the field.
    let token = accounts::add_api_token(&city.store, other, "t", "tester", Clock::system())
        .await
        .unwrap();
    let bad = send(
        &app,
        get(
            &format!("/api/v1/households/{}/explain?month=June", city.inside.code),
            &Auth::Token(token.clone()),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "month");
    let bad = send(
        &app,
        get("/api/v1/households?q=x&per_page=1000", &Auth::Token(token)),
    )
    .await;
    assert_eq!(bad.json()["field"], "per_page");
}

async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("web.db"))
        .await
        .unwrap();
    (store, dir)
}

async fn postgres() -> (Store, String, String) {
    let url = std::env::var("MINSHENG_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
    let schema = format!("web_{}", uuid::Uuid::new_v4().simple());
    let store = Store::open_postgres(&url, Some(&schema)).await.unwrap();
    (store, url, schema)
}

#[tokio::test]
async fn area_scoping_matrix_on_sqlite() {
    let (store, _dir) = sqlite().await;
    matrix(store).await;
}

#[tokio::test]
async fn area_scoping_matrix_on_postgres() {
    let (store, url, schema) = postgres().await;
    matrix(store.clone()).await;
    store.close().await;
    Store::drop_postgres_schema(&url, &schema).await.unwrap();
}

#[tokio::test]
async fn sign_in_csrf_and_reveal_on_sqlite() {
    let (store, _dir) = sqlite().await;
    sign_in_rules(store).await;
}

#[tokio::test]
async fn sign_in_csrf_and_reveal_on_postgres() {
    let (store, url, schema) = postgres().await;
    sign_in_rules(store.clone()).await;
    store.close().await;
    Store::drop_postgres_schema(&url, &schema).await.unwrap();
}

/// Every API route is in the OpenAPI document, and the document is OpenAPI 3.
#[tokio::test]
async fn every_api_route_is_documented() {
    let doc = serde_json::to_value(minsheng_web::openapi()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort_unstable();
    assert_eq!(
        paths,
        [
            "/api/v1/cases",
            "/api/v1/households",
            "/api/v1/households/{key}",
            "/api/v1/households/{key}/explain",
            "/api/v1/me"
        ]
    );
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} does not document 401"
            );
            assert!(
                op["summary"].is_string() || op["description"].is_string(),
                "{method} {path} is undocumented"
            );
        }
    }
}
