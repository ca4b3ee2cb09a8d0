//! axum's extractors with our errors: a malformed body, query or path answers with the same
//! structured JSON (`invalid_input`, naming the part at fault) as every other mistake.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};

use crate::error::WebError;

#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(WebError))]
pub struct Json<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(WebError))]
pub struct Query<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(WebError))]
pub struct Path<T>(pub T);

impl From<JsonRejection> for WebError {
    fn from(e: JsonRejection) -> Self {
        WebError::invalid("body", format!("无法读取：{}", e.body_text()))
    }
}

impl From<QueryRejection> for WebError {
    fn from(e: QueryRejection) -> Self {
        WebError::invalid("query", format!("无法读取：{}", e.body_text()))
    }
}

impl From<PathRejection> for WebError {
    fn from(e: PathRejection) -> Self {
        WebError::invalid("path", format!("无法读取：{}", e.body_text()))
    }
}

/// [`Path`] for pages: a malformed one shows the error page.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(crate::error::PageError))]
pub struct PagePath<T>(pub T);

/// [`Query`] for pages.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(crate::error::PageError))]
pub struct PageQuery<T>(pub T);
