//! Minsheng's kernel: what every context shares — money, ID numbers, periods, areas, the
//! working-day calendar, the registry and its timeline, and who may see what.
//!
//! Architecture invariant: this crate does no IO. It knows nothing of SQL, HTTP, files or the
//! clock; callers pass "now" in. Everything here can be tested with plain values.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod access;
pub mod area;
pub mod calendar;
pub mod error;
pub mod geo;
pub mod id_number;
pub mod money;
pub mod period;
pub mod procedure;
pub mod registry;
pub mod timeline;

pub use area::{AreaCode, AreaLevel};
pub use calendar::{CalendarDay, CalendarError, DayKind, Deadline, WorkCalendar};
pub use error::FieldError;
pub use id_number::IdNumber;
pub use money::{Fen, MoneyError};
pub use period::Month;
