//! One error type for every endpoint and page, mapped to a response in one place.
//!
//! Each error has a stable, machine-readable code (the API's contract; the table is in
//! `docs/api-errors.md`), a message for people and, for bad input, the field at fault.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use minsheng_app::accounts::AccountError;
use minsheng_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("sign in first")]
    NotSignedIn,
    #[error("the login or the password is wrong")]
    WrongCredentials,
    #[error("too many failed sign-ins for this login; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("the form is stale or was not sent by this site; reload the page and try again")]
    CsrfRejected,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("{field}: {reason}")]
    Conflict { field: String, reason: String },
    #[error("the service is busy; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    #[error("internal error; the details are in the server log")]
    Internal(String),
}

/// What every API error looks like.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `not_found`, `invalid_input`.
    pub code: &'static str,
    pub message: String,
    /// The input field at fault, for `invalid_input` and `conflict`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl WebError {
    /// Every code `code()` can return: the table in `docs/api-errors.md`.
    pub const CODES: [&'static str; 10] = [
        "not_signed_in",
        "wrong_credentials",
        "too_many_attempts",
        "csrf_rejected",
        "forbidden",
        "not_found",
        "invalid_input",
        "conflict",
        "busy",
        "internal",
    ];

    pub fn invalid(field: &str, reason: impl Into<String>) -> WebError {
        WebError::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            WebError::NotSignedIn => "not_signed_in",
            WebError::WrongCredentials => "wrong_credentials",
            WebError::Throttled { .. } => "too_many_attempts",
            WebError::CsrfRejected => "csrf_rejected",
            WebError::Forbidden(_) => "forbidden",
            WebError::NotFound(_) => "not_found",
            WebError::Invalid { .. } => "invalid_input",
            WebError::Conflict { .. } => "conflict",
            WebError::Busy { .. } => "busy",
            WebError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotSignedIn | WebError::WrongCredentials => StatusCode::UNAUTHORIZED,
            WebError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::CsrfRejected | WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict { .. } => StatusCode::CONFLICT,
            WebError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code(),
            message: self.to_string(),
            field: match self {
                WebError::Invalid { field, .. } | WebError::Conflict { field, .. } => {
                    Some(field.clone())
                }
                _ => None,
            },
        }
    }

    pub(crate) fn with_headers(&self, mut response: Response) -> Response {
        if let WebError::Throttled { retry_after_secs } | WebError::Busy { retry_after_secs } = self
        {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// How long a client is asked to wait when the service is busy: long enough for a queue of
/// requests or a long write to clear, short enough that a person retrying barely notices.
pub const BUSY_RETRY_SECS: u64 = 2;

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => WebError::NotFound(what),
            StoreError::Invalid { field, reason } => WebError::Invalid { field, reason },
            StoreError::Conflict { field, reason } => WebError::Conflict { field, reason },
            other if other.is_busy() => {
                tracing::warn!(error = %other, "database busy; answered 503");
                WebError::Busy {
                    retry_after_secs: BUSY_RETRY_SECS,
                }
            }
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<AccountError> for WebError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::WrongCredentials => WebError::WrongCredentials,
            AccountError::Invalid { field, reason } => WebError::Invalid { field, reason },
            AccountError::Store(e) => e.into(),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        WebError::Internal(format!("template: {e}"))
    }
}

fn log(e: &WebError) {
    if let WebError::Internal(detail) = e {
        tracing::error!(%detail, "request failed");
    }
}

/// The API's answer: JSON.
impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        log(&self);
        self.with_headers((self.status(), Json(self.body())).into_response())
    }
}

/// The same error on a page: a page saying what went wrong, or the sign-in page.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        log(&e);
        if matches!(e, WebError::NotSignedIn) {
            return Redirect::to("/login").into_response();
        }
        let page = crate::pages::error_page(&e);
        e.with_headers((e.status(), page).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_listed_code_and_its_own_status() {
        let all = [
            WebError::NotSignedIn,
            WebError::WrongCredentials,
            WebError::Throttled {
                retry_after_secs: 1,
            },
            WebError::CsrfRejected,
            WebError::Forbidden(String::new()),
            WebError::NotFound(String::new()),
            WebError::invalid("f", "r"),
            WebError::Conflict {
                field: "g".into(),
                reason: "r".into(),
            },
            WebError::Busy {
                retry_after_secs: 2,
            },
            WebError::Internal(String::new()),
        ];
        let codes: Vec<&str> = all.iter().map(WebError::code).collect();
        assert_eq!(codes, WebError::CODES);
        assert_eq!(all[6].body().field.as_deref(), Some("f"));
        assert_eq!(all[7].body().field.as_deref(), Some("g"));
        assert_eq!(all[7].status(), StatusCode::CONFLICT);
        assert!(all
            .iter()
            .all(|e| e.status().is_client_error() || e.status().is_server_error()));
    }

    #[test]
    fn the_error_table_documents_every_code() {
        let table = include_str!("../../../docs/api-errors.md");
        for code in WebError::CODES {
            assert!(
                table.contains(&format!("| `{code}` |")),
                "docs/api-errors.md lacks {code}"
            );
        }
    }
}
