//! Real overload answered honestly: at most so many requests are worked on at once, and one
//! beyond that is answered at once with 503 and `Retry-After` instead of queueing behind the
//! rest until its client gives up. The database's own waits are bounded too: a store that stays
//! busy past its wait answers the same 503 (see `WebError::Busy`), never a 500.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::{PageError, WebError, BUSY_RETRY_SECS};

/// Requests worked on at once by default: well above the 200 in flight the service is measured
/// with (`bench web`), well below what would exhaust memory or make every answer late.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;

/// The permits of requests being worked on.
#[derive(Clone)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    pub fn new(max: usize) -> InFlight {
        InFlight(Arc::new(Semaphore::new(max.max(1))))
    }
}

pub async fn middleware(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_permit) = in_flight.0.clone().try_acquire_owned() else {
        tracing::warn!(path = %request.uri().path(), "over the in-flight limit; answered 503");
        let busy = WebError::Busy {
            retry_after_secs: BUSY_RETRY_SECS,
        };
        return if request.uri().path().starts_with("/api/") {
            busy.into_response()
        } else {
            PageError(busy).into_response()
        };
    };
    next.run(request).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use axum::body::Body;
    use axum::http::{header, StatusCode};
    use axum::routing::get;
    use axum::Router;
    use tokio::sync::Notify;
    use tower::ServiceExt;

    /// With room for one request, a second arriving while the first is worked on is answered
    /// 503 at once, with Retry-After, as JSON on the API and as a page elsewhere; once the first
    /// is answered there is room again.
    #[tokio::test]
    async fn a_request_beyond_the_limit_is_answered_503_with_retry_after() {
        let (entered, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let handler = {
            let (entered, release) = (entered.clone(), release.clone());
            move || async move {
                entered.notify_one();
                release.notified().await;
                "done"
            }
        };
        let app = Router::new()
            .route("/api/v1/slow", get(handler.clone()))
            .route("/slow", get(handler))
            .layer(axum::middleware::from_fn_with_state(
                InFlight::new(1),
                middleware,
            ));
        let request = |path: &str| axum::http::Request::get(path).body(Body::empty()).unwrap();
        let first = tokio::spawn(app.clone().oneshot(request("/api/v1/slow")));
        entered.notified().await;

        let api = app.clone().oneshot(request("/api/v1/slow")).await.unwrap();
        assert_eq!(api.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(api.headers()[header::RETRY_AFTER], "2");
        let body = axum::body::to_bytes(api.into_body(), 1 << 16)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["code"], "busy");
        let page = app.clone().oneshot(request("/slow")).await.unwrap();
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(page.headers()[header::RETRY_AFTER], "2");
        assert!(page.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"));

        release.notify_one();
        assert_eq!(first.await.unwrap().unwrap().status(), StatusCode::OK);
        let again = tokio::spawn(app.oneshot(request("/api/v1/slow")));
        entered.notified().await;
        release.notify_one();
        assert_eq!(again.await.unwrap().unwrap().status(), StatusCode::OK);
    }
}
