//! Medical insurance: the settlement API a hospital's system calls (直接结算) — a claim posted
//! and settled, the same claim posted again answered with the first settlement, a reversal,
//! the explanation line by line (also as a FHIR R4 ExplanationOfBenefit), the day's
//! reconciliation file —, the page on which a clerk follows a settlement, and the transfers of
//! the insurance relation in and out of the city (`transfers`), and the objects of medical
//! assistance the civil-affairs bureau recognises (`aid`), and long-term care insurance's months
//! claimed by care providers and approved by the office (`care`), out-of-town care
//! registrations (`elsewhere`) and family mutual aid of the personal account (`family`).

pub(crate) mod aid;
pub(crate) mod api;
pub(crate) mod care;
pub(crate) mod elsewhere;
pub(crate) mod family;
pub(crate) mod fhir;
pub(crate) mod pages;
pub(crate) mod transfers;

use axum::routing::get;
use axum::Router;
use minsheng_core::access::{Account, Role};
use minsheng_medical::whatif::WhatIfError;
use minsheng_medical::{ClaimError, MedicalStore as _, Posted, Request};
use minsheng_policy::Policy;
use minsheng_store::{Backend, Store};
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::WebError;
use crate::group::Grouped;
use crate::session::Signed;
use crate::Web;

pub(crate) fn pages() -> Router<Web> {
    Router::new()
        .route("/medical/claims/{hospital}/{number}", get(pages::claim))
        .route("/medical/what-if", get(pages::what_if))
}

pub(crate) fn api() -> OpenApiRouter<Web> {
    OpenApiRouter::new()
        .routes(routes!(api::post_claim))
        .routes(routes!(api::get_claim))
        .routes(routes!(api::reverse_claim))
        .routes(routes!(api::explanation))
        .routes(routes!(api::eob))
        .routes(routes!(api::reconciliation))
        .routes(routes!(transfers::receive))
        .routes(routes!(transfers::send))
        .routes(routes!(aid::recognise))
        .routes(routes!(care::claim))
        .routes(routes!(care::beneficiaries))
        .routes(routes!(care::get_month))
        .routes(routes!(care::approve))
        .routes(routes!(elsewhere::apply, elsewhere::mine))
        .routes(routes!(elsewhere::review))
        .routes(routes!(family::bind))
        .routes(routes!(family::end))
}

/// Settling claims: the catalog's rules, and the queue that settles concurrent claims
/// together ([`minsheng_medical::settle_together`]).
pub(crate) struct Settling {
    rules: Arc<Policy>,
    settler: Grouped<Request, Result<Posted, ClaimError>>,
}

impl Settling {
    /// Claims one transaction takes at most: a group's claims wait for each other's writes,
    /// so a large group would lengthen every wait in it. Each claim has a savepoint of its
    /// own, and PostgreSQL caches 64 subtransactions a backend (`PGPROC_MAX_CACHED_SUBXIDS`);
    /// past that, every snapshot taken elsewhere looks them up in `pg_subtrans`, a known
    /// slowdown. 32 stays well below.
    const GROUP: usize = 32;

    /// Groups settled side by side on PostgreSQL, each on a connection of its own: a group's
    /// statements are round trips, and one group at a time would leave the server idle
    /// between them. (They meet only at the audit chain's lock, taken at the end.)
    const POSTGRES_SETTLERS: usize = 4;

    /// Starts the settlers on the current tokio runtime: one for SQLite, whose writer lock
    /// serialises writes anyway.
    pub(crate) fn start(store: Store, rules: Policy) -> Settling {
        let rules = Arc::new(rules);
        let shared = rules.clone();
        let settlers = match store.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => Self::POSTGRES_SETTLERS,
        };
        let settler = Grouped::start(Self::GROUP, settlers, move |requests: Vec<Request>| {
            let (store, rules) = (store.clone(), shared.clone());
            async move { minsheng_medical::settle_together(&store, &rules, requests).await }
        });
        Settling { rules, settler }
    }

    /// Settles `request` with the claims posted at the same moment.
    pub(crate) async fn settle(&self, request: Request) -> Result<Posted, WebError> {
        let posted = self
            .settler
            .submit(request)
            .await
            .map_err(|_| WebError::Internal("the claim settler has stopped".into()))??;
        Ok(posted)
    }
}

/// How the service settles claims, when it was started with the medical catalog.
pub(crate) fn settling(web: &Web) -> Result<&Settling, WebError> {
    web.medical
        .as_ref()
        .ok_or_else(|| WebError::Internal("the medical settlement rules were not loaded".into()))
}

/// The settlement rules the service was started with.
pub(crate) fn rules(web: &Web) -> Result<&Policy, WebError> {
    Ok(&settling(web)?.rules)
}

/// The hospital a service provider's account acts for; any other account is refused.
pub(crate) async fn own_hospital(web: &Web, who: &Signed) -> Result<String, WebError> {
    let refused = || WebError::Forbidden("医保结算接口仅供定点医疗机构的系统账户使用".into());
    match &who.account {
        Account::Staff(s) if s.role == Role::Provider => web
            .store
            .medical()
            .hospital_of(&s.name)
            .await?
            .ok_or_else(refused),
        _ => Err(refused()),
    }
}

impl From<WhatIfError> for WebError {
    fn from(e: WhatIfError) -> Self {
        match e {
            WhatIfError::Change(reason) => WebError::invalid("changes", reason),
            WhatIfError::Rule(e) => WebError::Internal(format!("settlement rules: {e}")),
            WhatIfError::Store(e) => e.into(),
        }
    }
}

impl From<ClaimError> for WebError {
    fn from(e: ClaimError) -> Self {
        match e {
            ClaimError::Invalid(errors) => {
                let field = errors.first().map(|e| e.field.clone()).unwrap_or_default();
                let reason = match errors.as_slice() {
                    [one] => one.reason.clone(),
                    _ => errors
                        .iter()
                        .map(|e| format!("{}：{}", crate::error::field_label(&e.field), e.reason))
                        .collect::<Vec<_>>()
                        .join("；"),
                };
                WebError::Invalid { field, reason }
            }
            ClaimError::Conflict { field, reason } => WebError::Conflict { field, reason },
            ClaimError::Rule(e) => WebError::Internal(format!("settlement rules: {e}")),
            ClaimError::Store(e) => e.into(),
        }
    }
}
