#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The web service as its users meet it, on both backends over real connections: signing in,
//! CSRF, throttling, and the area-scoping matrix — every role × every endpoint × a household in
//! the account's area and one outside it, including through searches and case lists.

mod common;

use axum::http::{header, StatusCode};
use common::*;
use minsheng_app::{accounts, Clock};
use minsheng_core::access::Role;
use minsheng_store::Store;

async fn matrix(store: Store) {
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let app = city.app();
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
            // "My messages" are a resident's own: staff are refused, not shown an empty list.
            let resident = *login == city.inside.head_id;
            for path in ["/api/v1/notices", "/api/v1/notices/contact", "/notices"] {
                let answer = send(&app, get(path, &auth)).await;
                let expect = if resident {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(answer.status, expect, "{login} GET {path}: {}", answer.body);
            }
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
                    if visible && path == format!("/households/{}", h.code) {
                        // The one-thing application is offered to those who accept it only.
                        let accepts = matches!(login.as_str(), "社区甲" | "街道乙");
                        let link = format!("/households/{}/apply", h.code);
                        assert_eq!(answer.body.contains(&link), accepts, "{login} {link}");
                        if !accepts {
                            let form = send(&app, get(&link, &auth)).await;
                            assert_eq!(form.status, StatusCode::FORBIDDEN, "{login} GET {link}");
                        }
                    }
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
                // Part of a name, the tail of an ID number: found within a district or less
                // (and by the resident), never outside the area, and not by the city's
                // accounts, which search exactly.
                let tail = &h.head_id[h.head_id.len() - 6..];
                // The first two characters of the name, and its given name: parts when the
                // name has three (of two, the first two are the name, found exactly).
                let mut queries = vec![tail.to_string()];
                if h.head_name.chars().count() >= 3 {
                    queries.push(h.head_name.chars().take(2).collect());
                    queries.push(h.head_name.chars().skip(1).collect());
                }
                for q in &queries {
                    let path = format!("/api/v1/households?q={}&per_page=100", urlencode(q));
                    let page = send(&app, get(&path, &auth)).await.json();
                    let found = page["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|i| i["household"] == h.code.as_str());
                    assert_eq!(found, visible && !sees_all, "{login} {path}: {page}");
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
    let app = city.app();
    let (login, _) = &logins[0];
    // A wrong password: 401 and the form again; four more and the login is locked for that
    // source, even for the right password.
    for _ in 0..minsheng_web::Throttle::PER_LOGIN {
        let wrong = sign_in(&app, login, "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("登录名或密码错误"));
    }
    let locked = sign_in(&app, login, PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers.contains_key(header::RETRY_AFTER));
    // Its owner, signing in from elsewhere, is not locked out by the stranger's guesses.
    let owner: std::net::SocketAddr = "10.0.0.7:50123".parse().unwrap();
    let from_elsewhere = sign_in_from(&app, Some(owner), login, PASSWORD).await;
    assert_eq!(from_elsewhere.status, StatusCode::SEE_OTHER);
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
    let csrf = csrf_of(&home.body);
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

/// A service provider (a meal-aid canteen over a street) sees nothing of the registry, its
/// cases or money, only its roster: every older resident of its street, masked, with what the
/// rules grant them for services; nobody else sees the roster.
async fn provider_sees_only_its_roster(store: Store) {
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let street = &city.inside.area.as_str()[..9];
    let provider = staff_with_token(&city.store, "助餐点", Role::Provider, street).await;
    let app = city.app();
    let signed = sign_in(&app, "助餐点", PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let cookie = Auth::Cookie(session_cookie(&signed));
    for auth in [&provider, &cookie] {
        for h in [&city.inside, &city.outside] {
            for path in [
                format!("/api/v1/households/{}", h.code),
                format!("/api/v1/households/{}/explain?month=2025-06", h.code),
                format!("/households/{}", h.code),
                format!("/households/{}/explain?month=2025-06", h.code),
                format!("/api/v1/cases/{}", h.case),
                format!("/cases/{}", h.case),
            ] {
                let answer = send(&app, get(&path, auth)).await;
                assert_eq!(answer.status, StatusCode::NOT_FOUND, "GET {path}");
                assert!(!answer.body.contains(&h.head_name), "GET {path} leaks");
            }
            let found = send(&app, get(&format!("/api/v1/households?q={}", h.code), auth)).await;
            assert_eq!(found.json()["total"], 0, "the search count leaks");
        }
        let cases = send(&app, get("/api/v1/cases", auth)).await.json();
        assert_eq!(cases["total"], 0, "{cases}");
        for path in [
            "/api/v1/dashboard",
            "/api/v1/findings",
            "/api/v1/payments/2025-06",
            "/dashboard",
            "/findings",
        ] {
            let answer = send(&app, get(path, auth)).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "GET {path}: {}",
                answer.body
            );
        }
    }
    // The home page is the roster.
    let home = send(&app, get("/", &cookie)).await;
    assert_eq!(home.headers[header::LOCATION], "/roster");

    // The roster: exactly the street's residents of the meal-aid age, counted independently.
    let clock = Clock::system();
    let month = minsheng_core::Month::containing(clock.today);
    let first = month.first_day();
    let mut expected = 0;
    for code in city.store.sample_household_codes(100_000).await.unwrap() {
        let file = city.store.household_file(&code).await.unwrap();
        if !file.area.as_str().starts_with(street) {
            continue;
        }
        expected += file
            .as_of(first, clock.now)
            .iter()
            .filter(|(p, f)| {
                f.death_date.is_none_or(|d| d > first)
                    && minsheng_core::registry::describe::age(p.birth_date(), first) >= 65
            })
            .count() as u64;
    }
    let roster = send(&app, get("/api/v1/roster?per_page=100", &provider)).await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.body);
    let roster = roster.json();
    assert_eq!(roster["total"], expected, "{roster}");
    assert!(
        expected > 0,
        "the test city has older residents in the street"
    );
    for person in roster["items"].as_array().unwrap() {
        assert!(person["area"].as_str().unwrap().starts_with(street));
        assert!(person["id_number"].as_str().unwrap().contains('*'));
        let age = person["age"].as_i64().unwrap();
        assert!(age >= 65, "{person}");
        // 崂办字〔2024〕12号 (十一)(十三): 65+ up to 6 yuan a meal at a canteen, 8 delivered;
        // rural 70+ up to 100 yuan a month.
        assert_eq!(person["canteen_meal_fen"], 600, "{person}");
        assert_eq!(person["delivered_meal_fen"], 800, "{person}");
        let rural = person["rural_consumption_fen"].as_i64().unwrap();
        assert!(rural == 0 || (rural == 10_000 && age >= 70), "{person}");
        assert!(person.get("income").is_none() && person.get("deposits_fen").is_none());
    }
    let page = send(&app, get("/roster", &cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("服务对象"), "{}", page.body);
    // Communities by their names on the page; the API keeps the codes beside them.
    let first = &roster["items"][0];
    let (code, name) = (
        first["area"].as_str().unwrap(),
        first["area_name"].as_str().unwrap(),
    );
    assert_ne!(code, name, "a community has a name");
    assert!(page.body.contains(&format!("<td>{name}</td>")), "{name}");
    assert!(!page.body.contains(&format!("<td>{code}</td>")), "{code}");
    assert!(
        !page.body.contains(&city.inside.head_id) && !page.body.contains(&city.outside.head_id)
    );
    let audit = city.store.audit_entries(street).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "read_service_roster" && e.actor == "助餐点"),
        "{audit:?}"
    );
    // Nobody else has a roster.
    for (login, _) in &logins {
        let token = accounts::add_api_token(&city.store, login, "r", "tester", clock)
            .await
            .unwrap();
        let answer = send(&app, get("/api/v1/roster", &Auth::Token(token))).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{login}");
        assert_eq!(answer.json()["code"], "forbidden");
    }
}

#[tokio::test]
async fn provider_sees_only_its_roster_on_sqlite() {
    on_sqlite(provider_sees_only_its_roster).await;
}

#[tokio::test]
async fn provider_sees_only_its_roster_on_postgres() {
    on_postgres(provider_sees_only_its_roster).await;
}

#[tokio::test]
async fn area_scoping_matrix_on_sqlite() {
    on_sqlite(matrix).await;
}

#[tokio::test]
async fn area_scoping_matrix_on_postgres() {
    on_postgres(matrix).await;
}

#[tokio::test]
async fn sign_in_csrf_and_reveal_on_sqlite() {
    on_sqlite(sign_in_rules).await;
}

#[tokio::test]
async fn sign_in_csrf_and_reveal_on_postgres() {
    on_postgres(sign_in_rules).await;
}

/// Every API route is in the OpenAPI document (utoipa-axum registers a handler and its
/// documentation together), every documented route is served and refuses strangers, and every
/// operation documents its errors.
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
            "/api/v1/applications",
            "/api/v1/cases",
            "/api/v1/cases/{id}",
            "/api/v1/cases/{id}/steps",
            "/api/v1/dashboard",
            "/api/v1/findings",
            "/api/v1/findings/{id}/case",
            "/api/v1/households",
            "/api/v1/households/{key}",
            "/api/v1/households/{key}/explain",
            "/api/v1/me",
            "/api/v1/meals/orders",
            "/api/v1/medical/assistance/recognitions",
            "/api/v1/medical/care/beneficiaries",
            "/api/v1/medical/care/months",
            "/api/v1/medical/care/months/{id}",
            "/api/v1/medical/care/months/{id}/approval",
            "/api/v1/medical/claims",
            "/api/v1/medical/claims/{number}",
            "/api/v1/medical/claims/{number}/eob",
            "/api/v1/medical/claims/{number}/explanation",
            "/api/v1/medical/claims/{number}/reversal",
            "/api/v1/medical/elsewhere",
            "/api/v1/medical/elsewhere/{id}/review",
            "/api/v1/medical/family",
            "/api/v1/medical/family/{id}/end",
            "/api/v1/medical/reconciliation",
            "/api/v1/medical/transfers",
            "/api/v1/medical/transfers/out",
            "/api/v1/notices",
            "/api/v1/notices/contact",
            "/api/v1/payments/returns",
            "/api/v1/payments/{month}",
            "/api/v1/payments/{month}/batches/{batch}",
            "/api/v1/payments/{month}/{step}",
            "/api/v1/requests",
            "/api/v1/requests/{id}/accept",
            "/api/v1/requests/{id}/decline",
            "/api/v1/roster",
            "/api/v1/what-if",
        ]
    );
    let (store, _dir) = sqlite().await;
    let app = minsheng_web::router(minsheng_web::Web::new(store, policy(), false, bank_dir()));
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
            let concrete = path
                .replace("{id}", "1")
                .replace("{key}", "x")
                .replace("{month}", "2025-06")
                .replace("{step}", "compute")
                .replace("{batch}", "1");
            let request = axum::http::Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from("{}"))
                .unwrap();
            let answer = send(&app, request).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{method} {concrete}: {}",
                answer.body
            );
            assert_eq!(answer.json()["code"], "not_signed_in");
        }
    }
}

/// Every answer tells the browser to run no script, load nothing from elsewhere, let no other
/// site frame it and keep nothing with personal data; only the stylesheet may be cached. The
/// session cookie is Secure exactly when the service is configured for HTTPS.
#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let (store, _dir) = sqlite().await;
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let (login, _) = &logins[0];
    for secure in [false, true] {
        let app = minsheng_web::router(minsheng_web::Web::new(
            city.store.clone(),
            policy(),
            secure,
            bank_dir(),
        ));
        let signed_in = sign_in(&app, login, PASSWORD).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        let cookie_flags: Vec<&str> = signed_in
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .filter(|v| v.starts_with("minsheng_session="))
            .collect();
        assert_eq!(cookie_flags.len(), 1);
        assert_eq!(
            cookie_flags[0].contains("; Secure"),
            secure,
            "{cookie_flags:?}"
        );
        let cookie = Auth::Cookie(session_cookie(&signed_in));
        let household = format!("/households/{}", city.inside.code);
        let answers = [
            send(&app, get("/login", &Auth::None)).await,
            send(&app, get(&household, &cookie)).await,
            send(&app, get("/api/v1/cases", &cookie)).await,
            send(&app, get("/no/such/page", &cookie)).await,
            send(&app, get("/api/v1/cases", &Auth::None)).await,
        ];
        for (answer, status) in answers.iter().zip([200, 200, 200, 404, 401]) {
            assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
            let h = |name: header::HeaderName| answer.headers[name].to_str().unwrap().to_string();
            let csp = h(header::CONTENT_SECURITY_POLICY);
            assert!(csp.starts_with("default-src 'none';"), "{csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
            assert!(!csp.contains("script-src"), "{csp}");
            assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert_eq!(h(header::X_FRAME_OPTIONS), "DENY");
            assert_eq!(h(header::REFERRER_POLICY), "same-origin");
            assert_eq!(h(header::CACHE_CONTROL), "no-store");
        }
        let css = send(&app, get("/static/minsheng.css", &Auth::None)).await;
        assert_eq!(css.headers[header::CACHE_CONTROL], "public, max-age=3600");
        assert!(css.headers.contains_key(header::CONTENT_SECURITY_POLICY));
    }
}

/// One source guessing across many logins is stopped after [`Throttle::PER_SOURCE`] failures
/// in all, whichever logins they were for; other sources carry on. An unknown login costs the
/// same password check as a known one.
#[tokio::test]
async fn a_source_guessing_across_logins_is_stopped_and_no_one_else() {
    let (store, _dir) = sqlite().await;
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let app = city.app();
    let guesser: std::net::SocketAddr = "203.0.113.9:40000".parse().unwrap();
    for i in 0..minsheng_web::Throttle::PER_SOURCE {
        // Never five on one login: the per-login count alone would never stop this.
        let login = format!("guess-{}", i / 4);
        let wrong = sign_in_from(&app, Some(guesser), &login, "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (login, _) = &logins[0];
    let stopped = sign_in_from(&app, Some(guesser), login, PASSWORD).await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = stopped.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= minsheng_web::Throttle::WINDOW.as_secs() + 1);
    let other: std::net::SocketAddr = "198.51.100.4:40000".parse().unwrap();
    let fine = sign_in_from(&app, Some(other), login, PASSWORD).await;
    assert_eq!(fine.status, StatusCode::SEE_OTHER);
}

/// Behind a reverse proxy every request comes from the proxy's address: the source is the
/// client the proxy names, so one client's guesses do not stop the others.
#[tokio::test]
async fn behind_a_proxy_the_source_is_the_client_it_names() {
    let (store, _dir) = sqlite().await;
    let city = city(store).await;
    let logins = accounts_for(&city).await;
    let app = minsheng_web::router(
        minsheng_web::Web::new(city.store.clone(), policy(), false, bank_dir()).behind_proxy(),
    );
    let (login, _) = &logins[0];
    for _ in 0..minsheng_web::Throttle::PER_LOGIN {
        let wrong = sign_in_via_proxy(&app, "203.0.113.9", login, "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let stopped = sign_in_via_proxy(&app, "203.0.113.9", login, PASSWORD).await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    let owner = sign_in_via_proxy(&app, "198.51.100.4", login, PASSWORD).await;
    assert_eq!(owner.status, StatusCode::SEE_OTHER);
}

/// However many sources fail, the throttle keeps a bounded number of entries.
#[test]
fn the_throttle_keeps_bounded_memory() {
    let throttle = minsheng_web::Throttle::default();
    let max = minsheng_web::Throttle::MAX_ENTRIES;
    for i in 0..(max as u32 * 2) {
        let ip = std::net::IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
        throttle.failed(minsheng_web::Source(Some(ip)), "admin");
    }
    assert!(throttle.entries() <= 2 * max, "{}", throttle.entries());
    // The newest source is still counted.
    let newest = std::net::IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + max as u32 * 2 - 1));
    for _ in 1..minsheng_web::Throttle::PER_LOGIN {
        throttle.failed(minsheng_web::Source(Some(newest)), "admin");
    }
    assert!(throttle
        .check(minsheng_web::Source(Some(newest)), "admin")
        .is_err());
}
