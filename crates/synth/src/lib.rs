//! A synthetic Qingdao: areas, households and residents, deterministic for a seed and scalable
//! from a thousand to ten million residents. Calibrated so that, under the 2023 standards, the
//! numbers below the dibao line and of 特困 candidates land near the seeds' figures; see
//! `docs/calibration.md` and [`calibration`].
//!
//! Nothing here is real personal data: names are drawn from common characters, ID numbers are
//! built with a valid check digit for synthetic birth dates.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod areas;
pub mod calibration;
mod generator;
pub mod geography;
pub mod institutions;
mod names;
pub mod services;

pub use generator::{Generator, GeneratorConfig};

/// The day the synthetic registry describes: ages and "since" dates are counted to it.
pub fn reference_date() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default()
}
