//! Registry rosters in files: one row per person, with the household they belong to.
//!
//! Reads CSV and Excel (.xlsx) with the same columns, turns each row into a
//! [`Registration`](minsheng_core::registry::Registration) or into errors that name the line,
//! the column and the reason; writes the same format back, so an export re-imports as is.
//! This crate knows files, not databases.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod areas;
mod calendar;
mod columns;
mod formula;
mod read;
mod write;

pub use areas::{read_areas, read_table, table_rows, write_areas, TableRow, AREA_COLUMNS};
pub use calendar::{parse_calendar, read_calendar, CALENDAR_COLUMNS};
pub use columns::{parse_change, parse_row, to_record, Column, Layout, RowError, COLUMNS};
pub use read::{open_roster, Format, Roster, RosterError, RosterRow};
pub use write::{table_xlsx, RosterWriter, WriteError};
