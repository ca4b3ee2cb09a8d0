//! Minsheng's web service: pages for staff and residents and the JSON API, over the use cases
//! of `minsheng-app`.
//!
//! Architecture invariant: only this crate knows HTTP (axum, cookies, HTML). It holds no
//! business rule: who may see what is decided by the account's [`Scope`] inside the store's
//! queries, and every answer comes from `minsheng-app`, the store or the policy engine.
//!
//! [`Scope`]: minsheng_core::access::Scope

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

// What every page and endpoint shares.
mod api;
mod audit;
mod charts;
mod error;
mod extract;
mod group;
mod headers;
mod i18n;
mod overload;
mod pages;
mod queries;
mod session;
mod view;

// One module per context, each with its pages, API endpoints, queries and views.
mod assistance;
mod dashboard;
mod eldercare;
mod medical;
mod notices;
mod payments;
mod policy;
mod registry;

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use minsheng_app::Clock;
use minsheng_policy::Policy;
use minsheng_store::Store;

pub use api::ApiDoc;
pub use error::{ErrorBody, WebError};
pub use overload::DEFAULT_MAX_IN_FLIGHT;
pub use session::{Source, Throttle};

// The interface's English, keyed by its Chinese (`locales/interface.yml`, see `i18n`).
rust_i18n::i18n!("locales");

/// What every request handler shares.
#[derive(Clone)]
pub struct Web(Arc<Shared>);

pub struct Shared {
    pub store: Store,
    pub policy: Policy,
    /// The medical-insurance settlement rules and settler, when the service settles claims.
    pub(crate) medical: Option<medical::Settling>,
    /// The long-term care insurance rules, when the service takes care providers' months.
    pub(crate) care: Option<Arc<Policy>>,
    pub throttle: Throttle,
    /// Bearer tokens recently found (see [`session::TokenCache`]).
    pub tokens: session::TokenCache,
    /// Cookies only over HTTPS: on unless the service listens on loopback only.
    pub secure_cookies: bool,
    /// Behind a reverse proxy: a request's source is the last `X-Forwarded-For` address.
    pub behind_proxy: bool,
    /// Where bank files are written (and bank return files kept).
    pub bank_dir: std::path::PathBuf,
    /// The audit entries of reads, committed in groups.
    pub audit: audit::AuditQueue,
    /// The requests being worked on; one more than the limit is answered 503.
    in_flight: overload::InFlight,
    /// "Now" for each request: the system clock, or a test's.
    clock: Box<dyn Fn() -> Clock + Send + Sync>,
    /// The typesetter of printable notices, made when the first is asked for (it reads the
    /// CJK fonts); its failure, once, for every later request.
    letters: std::sync::OnceLock<Result<Arc<minsheng_letters::Letters>, String>>,
}

impl Deref for Web {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Web {
    pub fn new(store: Store, policy: Policy, secure_cookies: bool, bank_dir: PathBuf) -> Web {
        Web::build(
            store,
            policy,
            secure_cookies,
            bank_dir,
            Box::new(Clock::system),
        )
    }

    /// The same service with another clock (tests walk a case through its deadlines).
    pub fn with_clock(
        store: Store,
        policy: Policy,
        bank_dir: PathBuf,
        clock: impl Fn() -> Clock + Send + Sync + 'static,
    ) -> Web {
        Web::build(store, policy, false, bank_dir, Box::new(clock))
    }

    fn build(
        store: Store,
        policy: Policy,
        secure_cookies: bool,
        bank_dir: PathBuf,
        clock: Box<dyn Fn() -> Clock + Send + Sync>,
    ) -> Web {
        Web(Arc::new(Shared {
            audit: audit::AuditQueue::start(store.clone()),
            store,
            policy,
            medical: None,
            care: None,
            throttle: Throttle::default(),
            tokens: session::TokenCache::default(),
            secure_cookies,
            behind_proxy: false,
            bank_dir,
            in_flight: overload::InFlight::new(DEFAULT_MAX_IN_FLIGHT),
            clock,
            letters: std::sync::OnceLock::new(),
        }))
    }

    /// The typesetter of printable notices; an internal error naming the font package when
    /// the system has no CJK font.
    pub fn letters(&self) -> Result<Arc<minsheng_letters::Letters>, WebError> {
        self.letters
            .get_or_init(|| {
                minsheng_letters::Letters::from_system()
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(WebError::Internal)
    }

    /// The same service working on at most `max` requests at once (default
    /// [`DEFAULT_MAX_IN_FLIGHT`]); those beyond are answered 503 with `Retry-After`.
    pub fn max_in_flight(self, max: usize) -> Web {
        match Arc::try_unwrap(self.0) {
            Ok(mut shared) => {
                shared.in_flight = overload::InFlight::new(max);
                Web(Arc::new(shared))
            }
            // Already shared: it stays as it was configured.
            Err(shared) => Web(shared),
        }
    }

    /// The same service settling medical claims by `rules` (the medical catalog).
    pub fn with_medical(self, rules: Policy) -> Web {
        match Arc::try_unwrap(self.0) {
            Ok(mut shared) => {
                shared.medical = Some(medical::Settling::start(shared.store.clone(), rules));
                Web(Arc::new(shared))
            }
            // Already shared: it stays as it was configured.
            Err(shared) => Web(shared),
        }
    }

    /// The same service taking care providers' months under `rules` (long-term care
    /// insurance's).
    pub fn with_care(self, rules: Policy) -> Web {
        match Arc::try_unwrap(self.0) {
            Ok(mut shared) => {
                shared.care = Some(Arc::new(rules));
                Web(Arc::new(shared))
            }
            // Already shared: it stays as it was configured.
            Err(shared) => Web(shared),
        }
    }

    /// The same service reached through a reverse proxy, which names each request's source
    /// in `X-Forwarded-For` (sign-in throttling counts by source).
    pub fn behind_proxy(self) -> Web {
        match Arc::try_unwrap(self.0) {
            Ok(mut shared) => {
                shared.behind_proxy = true;
                Web(Arc::new(shared))
            }
            // Already shared: it stays as it was configured.
            Err(shared) => Web(shared),
        }
    }

    pub fn clock(&self) -> Clock {
        (self.clock)()
    }
}

/// Every route, and the OpenAPI document of the API routes.
pub fn router(web: Web) -> Router {
    let (api, openapi) = api::router().split_for_parts();
    let openapi_json = serde_json::to_string(&openapi).unwrap_or_default();
    let router = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/static/minsheng.css", get(pages::stylesheet))
        .route("/language", get(i18n::switch))
        .route("/elder", get(i18n::switch_elder))
        .merge(registry::pages())
        .merge(assistance::pages())
        .merge(payments::pages())
        .merge(dashboard::pages())
        .merge(policy::pages())
        .merge(eldercare::pages())
        .merge(medical::pages())
        .merge(notices::pages())
        .route(
            "/api/v1/openapi.json",
            get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    openapi_json,
                )
            }),
        )
        .merge(api)
        .fallback(|| async { WebError::NotFound("该页面或接口".into()) })
        .layer(axum::middleware::from_fn(i18n::middleware))
        .layer(axum::middleware::from_fn_with_state(
            web.in_flight.clone(),
            overload::middleware,
        ));
    headers::secured(router)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(web)
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api::router().split_for_parts().1
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests under way.
pub async fn serve(web: Web, listen: SocketAddr) -> std::io::Result<()> {
    serve_on(web, tokio::net::TcpListener::bind(listen).await?).await
}

/// [`serve`] on a socket already bound (a test's or a benchmark's port 0).
pub async fn serve_on(web: Web, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let app = router(web).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
