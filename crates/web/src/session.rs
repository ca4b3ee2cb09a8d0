//! Who is asking: the session cookie (pages and the API from a browser) or a bearer token
//! (system-to-system clients), checked on every request; CSRF tokens on every form; and a
//! brake on guessing passwords.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use minsheng_core::access::Account;

use crate::error::{PageError, WebError};
use crate::Web;

pub const SESSION_COOKIE: &str = "minsheng_session";
/// The double-submit token of the sign-in form, before there is a session to hold one.
pub const LOGIN_CSRF_COOKIE: &str = "minsheng_login_csrf";

/// The signed-in account of a request.
#[derive(Debug, Clone)]
pub struct Signed {
    pub login: String,
    pub account: Account,
    /// The session's CSRF token; `None` for a bearer token, which no other site can send.
    pub csrf_token: Option<String>,
}

impl Signed {
    /// Accepts a form only with the session's own CSRF token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        match &self.csrf_token {
            Some(token) if constant_time_eq(token.as_bytes(), sent.as_bytes()) => Ok(()),
            Some(_) => Err(WebError::CsrfRejected),
            None => Ok(()),
        }
    }

    pub fn csrf(&self) -> &str {
        self.csrf_token.as_deref().unwrap_or("")
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn signed(parts: &mut Parts, web: &Web) -> Result<Signed, WebError> {
    let clock = web.clock();
    if let Some(auth) = parts.headers.get(AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(WebError::NotSignedIn)?;
        let token = token.trim();
        let (login, account) = match web.tokens.get(token) {
            Some(known) => known,
            None => {
                let found = minsheng_app::accounts::api_account(&web.store, token)
                    .await?
                    .ok_or(WebError::NotSignedIn)?;
                web.tokens.put(token, found.clone());
                found
            }
        };
        return Ok(Signed {
            login,
            account,
            csrf_token: None,
        });
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let token = jar.get(SESSION_COOKIE).ok_or(WebError::NotSignedIn)?;
    let session = minsheng_app::accounts::session(&web.store, token.value(), clock)
        .await?
        .ok_or(WebError::NotSignedIn)?;
    Ok(Signed {
        login: session.login,
        account: session.account,
        csrf_token: Some(session.csrf_token),
    })
}

impl FromRequestParts<Web> for Signed {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        signed(parts, web).await
    }
}

/// Bearer tokens found recently, for a few seconds. A system client sends the same token with
/// every request; looking it up each time was a query (two thread hops on SQLite) per request.
/// Only tokens are kept, by their SHA-256, never sessions (signing out must end a session at
/// once); a change to a token's account (role, area) is seen within [`TokenCache::FRESH`].
#[derive(Default)]
pub struct TokenCache {
    known: Mutex<HashMap<[u8; 32], (Instant, String, Account)>>,
}

impl TokenCache {
    pub const FRESH: Duration = Duration::from_secs(10);
    /// Beyond this many tokens the cache starts over (a bound on memory, not a policy).
    const MAX: usize = 10_000;

    fn key(token: &str) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(token.as_bytes()).into()
    }

    pub fn get(&self, token: &str) -> Option<(String, Account)> {
        let known = self.known.lock().ok()?;
        match known.get(&Self::key(token)) {
            Some((at, login, account)) if at.elapsed() < Self::FRESH => {
                Some((login.clone(), account.clone()))
            }
            _ => None,
        }
    }

    pub fn put(&self, token: &str, (login, account): (String, Account)) {
        if let Ok(mut known) = self.known.lock() {
            if known.len() >= Self::MAX {
                known.clear();
            }
            known.insert(Self::key(token), (Instant::now(), login, account));
        }
    }
}

/// [`Signed`] for a page: without a session, the sign-in page.
#[derive(Debug, Clone)]
pub struct OnPage(pub Signed);

impl FromRequestParts<Web> for OnPage {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        Ok(OnPage(signed(parts, web).await?))
    }
}

pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

pub fn login_csrf_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((LOGIN_CSRF_COOKIE, token))
        .path("/login")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .build()
}

/// Where a request comes from: the TCP peer, or behind a trusted proxy the last address the
/// proxy added to `X-Forwarded-For`. Unknown (a test's request) is a source of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Source(pub Option<std::net::IpAddr>);

impl FromRequestParts<Web> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Self::Rejection> {
        let forwarded = || {
            let header = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()?;
            header
                .to_str()
                .ok()?
                .rsplit(',')
                .next()?
                .trim()
                .parse()
                .ok()
        };
        let peer = || {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip())
        };
        Ok(Source(if web.behind_proxy {
            forwarded().or_else(peer)
        } else {
            peer()
        }))
    }
}

/// Failed sign-ins, counted in two ways, each within [`Throttle::WINDOW`]:
/// - per source and login: after [`Throttle::PER_LOGIN`] failures that source may not try
///   that login again until the window has passed. Someone guessing a login from elsewhere
///   never locks its owner out;
/// - per source: after [`Throttle::PER_SOURCE`] failures over any logins, that source may not
///   sign in at all, so spreading guesses over many logins gains nothing.
///
/// Memory is bounded: each table keeps at most [`Throttle::MAX_ENTRIES`]; when one is full,
/// expired entries go first, then the oldest.
#[derive(Debug, Default)]
pub struct Throttle {
    by_login: Mutex<HashMap<(Source, String), Failures>>,
    by_source: Mutex<HashMap<Source, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
}

impl Failures {
    fn expired(&self) -> bool {
        self.since.elapsed() >= Throttle::WINDOW
    }
}

fn refuse<K: std::hash::Hash + Eq>(
    table: &Mutex<HashMap<K, Failures>>,
    key: &K,
    limit: u32,
) -> Result<(), WebError> {
    let Ok(table) = table.lock() else {
        return Ok(());
    };
    match table.get(key) {
        Some(f) if f.count >= limit && !f.expired() => Err(WebError::Throttled {
            retry_after_secs: (Throttle::WINDOW.saturating_sub(f.since.elapsed())).as_secs() + 1,
        }),
        _ => Ok(()),
    }
}

fn count<K: std::hash::Hash + Eq + Clone>(table: &Mutex<HashMap<K, Failures>>, key: K) {
    let Ok(mut table) = table.lock() else {
        return;
    };
    if table.len() >= Throttle::MAX_ENTRIES && !table.contains_key(&key) {
        table.retain(|_, f| !f.expired());
        if table.len() >= Throttle::MAX_ENTRIES {
            if let Some(oldest) = table
                .iter()
                .min_by_key(|(_, f)| f.since)
                .map(|(k, _)| k.clone())
            {
                table.remove(&oldest);
            }
        }
    }
    let entry = table.entry(key).or_insert(Failures {
        count: 0,
        since: Instant::now(),
    });
    if entry.expired() {
        *entry = Failures {
            count: 0,
            since: Instant::now(),
        };
    }
    entry.count += 1;
}

impl Throttle {
    pub const PER_LOGIN: u32 = 5;
    pub const PER_SOURCE: u32 = 30;
    pub const WINDOW: Duration = Duration::from_secs(15 * 60);
    pub const MAX_ENTRIES: usize = 10_000;

    pub fn check(&self, source: Source, login: &str) -> Result<(), WebError> {
        refuse(&self.by_source, &source, Self::PER_SOURCE)?;
        refuse(
            &self.by_login,
            &(source, login.to_string()),
            Self::PER_LOGIN,
        )
    }

    pub fn failed(&self, source: Source, login: &str) {
        count(&self.by_source, source);
        count(&self.by_login, (source, login.to_string()));
    }

    /// A sign-in that succeeds clears that source's failures for the login (not the
    /// source's total: one good password does not buy thirty more guesses).
    pub fn succeeded(&self, source: Source, login: &str) {
        if let Ok(mut table) = self.by_login.lock() {
            table.remove(&(source, login.to_string()));
        }
    }

    /// Entries kept, for the tests of the bound.
    pub fn entries(&self) -> usize {
        self.by_login.lock().map_or(0, |t| t.len()) + self.by_source.lock().map_or(0, |t| t.len())
    }
}
