#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // shared by several test binaries
//! What the web tests share: a small generated city with a case in each of two districts,
//! accounts for every role, and requests sent to the router as a browser or a client would.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use minsheng_app::{accounts, Clock, Quiet};
use minsheng_assistance::cases::ApplicationForm;
use minsheng_core::access::{Role, Staff};
use minsheng_core::AreaCode;
use minsheng_store::{AccountHolder, Store};
use serde_json::Value;
use tower::ServiceExt;

#[allow(unused_imports)] // not every test binary runs on both backends
pub use minsheng_test_support::{on_postgres, on_sqlite, pdf_text, policy};

pub const PASSWORD: &str = "correct horse";

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (a workbook, a file).
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

pub fn get(path: &str, auth: &Auth) -> Request<Body> {
    let builder = Request::get(path);
    match auth {
        Auth::Token(t) => builder.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Cookie(c) => builder.header(header::COOKIE, c.as_str()),
        Auth::None => builder,
    }
    .body(Body::empty())
    .unwrap()
}

pub fn post_form(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .unwrap()
}

pub enum Auth {
    Token(String),
    Cookie(String),
    None,
}

/// Signs in through the form, as a browser does: fetch the form (its CSRF cookie and field),
/// post it, keep the session cookie.
pub async fn sign_in(app: &Router, login: &str, password: &str) -> Answer {
    sign_in_from(app, None, login, password).await
}

/// [`sign_in`] from the TCP peer `from` (as `serve` records it), or from nowhere known.
pub async fn sign_in_from(
    app: &Router,
    from: Option<std::net::SocketAddr>,
    login: &str,
    password: &str,
) -> Answer {
    let form = send(app, get("/login", &Auth::None)).await;
    assert_eq!(form.status, StatusCode::OK);
    let cookie = form.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = csrf_of(&form.body);
    let body = format!(
        "login={}&password={}&csrf={csrf}",
        urlencode(login),
        urlencode(password)
    );
    let mut request = post_form("/login", &cookie, &body);
    if let Some(peer) = from {
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
    }
    send(app, request).await
}

/// [`sign_in`] through a reverse proxy at 127.0.0.1, which says the client is `client`.
pub async fn sign_in_via_proxy(app: &Router, client: &str, login: &str, password: &str) -> Answer {
    let form = send(app, get("/login", &Auth::None)).await;
    let cookie = session_cookie_of(&form);
    let body = format!(
        "login={}&password={}&csrf={}",
        urlencode(login),
        urlencode(password),
        csrf_of(&form.body)
    );
    let mut request = post_form("/login", &cookie, &body);
    request.headers_mut().insert(
        "x-forwarded-for",
        format!("192.0.2.1, {client}").parse().unwrap(),
    );
    let proxy: std::net::SocketAddr = "127.0.0.1:9000".parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(proxy));
    send(app, request).await
}

fn session_cookie_of(form: &Answer) -> String {
    form.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn session_cookie(answer: &Answer) -> String {
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

/// A test's clock: it starts at the real instant after the fixture was recorded (a clock
/// before it would find the registry empty) and only moves forward, as a case's days pass.
/// Dates are never fixed, so a test runs the same on any day, in any year.
#[derive(Clone)]
pub struct Walk(std::sync::Arc<std::sync::Mutex<chrono::DateTime<chrono::Utc>>>);

impl Walk {
    pub fn start() -> Walk {
        Walk(std::sync::Arc::new(std::sync::Mutex::new(
            Clock::system().now,
        )))
    }

    pub fn clock(&self) -> Clock {
        Clock::at(*self.0.lock().unwrap())
    }

    /// Moves the clock `days` days on.
    pub fn advance_days(&self, days: i64) -> Clock {
        let mut now = self.0.lock().unwrap();
        *now += chrono::Duration::days(days);
        Clock::at(*now)
    }

    /// Moves the clock on to 10:00 China time on `day` (a day not before the clock's).
    pub fn advance_to(&self, day: chrono::NaiveDate) -> Clock {
        let mut now = self.0.lock().unwrap();
        let then = day.and_hms_opt(2, 0, 0).unwrap().and_utc();
        assert!(then >= *now, "a test's clock only moves forward");
        *now = then;
        Clock::at(then)
    }

    /// The web service reading this clock.
    pub fn web(&self, store: Store, bank: std::path::PathBuf) -> minsheng_web::Web {
        let walk = self.clone();
        minsheng_web::Web::with_clock(store, policy(), bank, move || walk.clock())
    }
}

pub struct City {
    pub store: Store,
    /// In the accounts' area / in another district.
    pub inside: Household,
    pub outside: Household,
}

pub struct Household {
    pub code: String,
    pub area: AreaCode,
    pub head_id: String,
    pub head_name: String,
    pub case: i64,
}

impl City {
    /// The web service over this city, as served by default: the catalog's policy, cookies
    /// without `Secure` (tests speak plain HTTP), the tests' bank folder.
    pub fn app(&self) -> Router {
        minsheng_web::router(minsheng_web::Web::new(
            self.store.clone(),
            policy(),
            false,
            bank_dir(),
        ))
    }
}

pub async fn city(store: Store) -> City {
    let clock = Clock::system();
    minsheng_app::generate::generate(&store, 800, 7, clock, &Quiet)
        .await
        .unwrap();
    minsheng_assistance::calendar::load_bundled(&store, &policy(), "tester", clock)
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
        let submitted = minsheng_assistance::cases::submit(
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
pub async fn accounts_for(city: &City) -> Vec<(String, bool)> {
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

/// A fresh SQLite file, kept while its directory lives.
pub async fn sqlite() -> (Store, tempfile::TempDir) {
    let db = minsheng_test_support::TestDb::sqlite().await;
    (db.store, db.dir)
}

pub fn post_json(path: &str, auth: &Auth, body: &Value) -> Request<Body> {
    json_request(Request::post(path), auth, body)
}

pub fn put_json(path: &str, auth: &Auth, body: &Value) -> Request<Body> {
    json_request(Request::put(path), auth, body)
}

fn json_request(builder: axum::http::request::Builder, auth: &Auth, body: &Value) -> Request<Body> {
    let builder = builder.header(header::CONTENT_TYPE, "application/json");
    match auth {
        Auth::Token(t) => builder.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Cookie(c) => builder.header(header::COOKIE, c.as_str()),
        Auth::None => builder,
    }
    .body(Body::from(body.to_string()))
    .unwrap()
}

/// The hidden CSRF field of a page's first form.
pub fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// A folder for bank files that outlives the test's requests (left in the temp dir).
pub fn bank_dir() -> std::path::PathBuf {
    tempfile::tempdir().unwrap().keep()
}

/// A member of staff with a sign-in (password [`PASSWORD`]) and an API token.
pub async fn staff_with_token(store: &Store, name: &str, role: Role, area: &str) -> Auth {
    let clock = Clock::system();
    let staff = Staff {
        name: name.into(),
        role,
        area: AreaCode::parse(area).unwrap(),
    };
    store.add_staff(&staff, "tester", clock.now).await.unwrap();
    accounts::add_account(
        store,
        name,
        PASSWORD,
        &AccountHolder::Staff(name.into()),
        "tester",
        clock,
    )
    .await
    .unwrap();
    Auth::Token(
        accounts::add_api_token(store, name, "test", "tester", clock)
            .await
            .unwrap(),
    )
}
