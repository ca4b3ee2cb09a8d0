//! The payments context: what households are enrolled in, and paying them each month exactly
//! once. Every context that pays — social assistance now, elderly-care subsidies and relief
//! later — enrols households here and lets the monthly cycle pay them.
//!
//! - [`domain`]: enrolments, a month's [`PayCycle`], [`Entitlement`]s, bank [`Payment`]s and
//!   the bank's [`Outcome`]s (no IO);
//! - [`bank`]: the bank's two files, the disbursement file and the return file;
//! - [`storage`]: their tables, on the store's shared infrastructure, reached as
//!   `store.payments()` ([`PaymentsStore`]);
//! - [`cycle`]: the use cases — enrol, compute, approve, disburse, reconcile, totals;
//! - [`providers`]: what is owed to service providers (a canteen's month) and the bank file
//!   that pays each due once.
//!
//! Architecture invariant: the ledger is append-only, and every write that moves money holds
//! the payment lock ([`storage::begin_locked`]) and commits its audit entry in the same
//! transaction.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod bank;
pub mod cycle;
pub mod domain;
pub mod providers;
pub mod storage;

pub use bank::{
    bank_file_bytes, check_folder, parse_bank_returns, read_bank_returns, write_bank_file,
    write_whole, BANK_FILE_COLUMNS, BANK_RETURN_COLUMNS,
};
pub use cycle::*;
pub use domain::*;
pub use storage::{
    AnswerReport, EnrolmentDecisions, Pause, Payments, PaymentsStore, ReturnedPayment, Reviewable,
};
