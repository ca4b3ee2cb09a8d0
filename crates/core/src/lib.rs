//! Minsheng's domain core.
//!
//! Architecture invariant: this crate does no IO. It knows nothing of SQL, HTTP, files or the
//! clock; callers pass "now" in. Everything here can be tested with plain values.

pub mod access;
pub mod area;
pub mod calendar;
pub mod cases;
pub mod discovery;
pub mod error;
pub mod id_number;
pub mod money;
pub mod payments;
pub mod period;
pub mod registry;
pub mod timeline;

pub use area::{AreaCode, AreaLevel};
pub use calendar::{CalendarDay, CalendarError, DayKind, Deadline, WorkCalendar};
pub use error::FieldError;
pub use id_number::IdNumber;
pub use money::Fen;
pub use period::Month;
