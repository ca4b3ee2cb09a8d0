//! The notifications outbox (通知).
//!
//! A notice is written by the use case whose event causes it — a decision, a declined request,
//! a suspended or ended benefit, a payment the bank returned, a review falling due — inside
//! that event's own transaction ([`storage::enqueue_in`]), keyed by the event so that a re-run
//! writes it once. Every notice is in the resident's web inbox; each further channel the
//! resident chose (SMS, email: [`domain::Contact`]) gets a delivery, which the
//! [`dispatch::Dispatcher`] claims, sends through the operator's gateway
//! ([`channels`]) and records with its audit entry, retrying with backoff a failure that may
//! pass. The idempotency key of a delivery is the same on every attempt, so a gateway that
//! honours it sends a notice at most once per channel even when a dispatcher dies between
//! sending and recording.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod channels;
pub mod dispatch;
pub mod domain;
pub mod storage;
pub mod stub;

pub use channels::{ChannelConfig, Secret};
pub use dispatch::{Dispatcher, Round};
pub use domain::{Channel, Contact, Kind, Notice};
pub use storage::{enqueue_in, OutboxStore};

/// What stops the outbox: the database, or a channel configured wrongly.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] minsheng_store::StoreError),
    #[error("{field}: {reason}")]
    Config { field: String, reason: String },
}

impl NotifyError {
    pub fn config(field: &str, reason: impl Into<String>) -> NotifyError {
        NotifyError::Config {
            field: field.into(),
            reason: reason.into(),
        }
    }
}
