//! Headers every answer carries: what a browser may load, frame or send on, and that nothing
//! with personal data in it is kept by a browser's cache or a proxy.

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// No scripts at all; styles and images only from Minsheng itself; forms post only to it; no
/// page may be framed by another site (clickjacking).
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Fixed headers, set on every answer whatever the handler said.
const FIXED: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    // The language switch reads the referring page, which stays within the site.
    (header::REFERRER_POLICY, "same-origin"),
];

/// The answers are not to be stored unless a handler says otherwise (the stylesheet does):
/// pages and API answers name residents and their money.
const CACHE: &str = "no-store";

pub fn secured<S: Clone + Send + Sync + 'static>(mut router: Router<S>) -> Router<S> {
    for (name, value) in FIXED {
        router = router.layer(SetResponseHeaderLayer::overriding(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router.layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE),
    ))
}
