//! The social-assistance context (社会救助): a household asks once for several programs
//! (一件事), each becomes a case through the MCA procedure; the city's sweeps find those owed
//! and not receiving (主动发现) and grant some without asking (免申即享); residents ask for
//! help and caseworkers take the request up; running benefits are reviewed, suspended, tapered
//! and ended. What is granted is paid by the payments context.
//!
//! - [`domain`]: the procedure and the sweep's decisions (no IO);
//! - [`storage`]: its tables, reached as `store.cases()`, `store.discovery()`,
//!   `store.requests()`;
//! - the use cases: [`cases`] (apply, step, enrolment decisions, reviews), [`discovery`]
//!   (sweeps), [`requests`] (a resident's request, accepted or declined), [`calendar`] (a
//!   year's working days, and the open cases' deadlines counted again).
//!
//! Architecture invariant: a case's step, its effect (an enrolment, a suspension) and its
//! audit entry commit in one transaction, under the payment lock when money is involved.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod calendar;
pub mod cases;
pub mod discovery;
pub mod domain;
pub mod requests;
pub mod storage;

pub use domain::cases::{Action, Case, Effect, Procedure, ReviewRule, Stage, Transition, Waiting};
pub use domain::discovery::{Finding, FindingKind, MonitoringCount, ProgramState, Sweep};
