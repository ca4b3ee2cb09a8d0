//! Minsheng's use cases: what a caseworker or an operator asks the system to do, written once
//! over the store and shared by every front end (the CLI now, the web server later).
//!
//! Architecture invariant: no terminal, HTTP or SQL here. Progress is reported through
//! [`Progress`]; the clock is passed in as [`Clock`] values.

#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

pub mod accounts;
pub mod areas;
pub mod export;
pub mod generate;
pub mod import;
pub mod policy;
pub mod registry;

use chrono::{DateTime, NaiveDate, Offset as _, Utc};

/// Reports progress of long work; the CLI draws bars, tests ignore it.
pub trait Progress: Send + Sync {
    fn start(&self, _what: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// Progress that goes nowhere.
pub struct Quiet;
impl Progress for Quiet {}

/// "Now" for one operation: the instant of record and the day (China Standard Time) it falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::at(Utc::now())
    }

    pub fn at(now: DateTime<Utc>) -> Clock {
        // China has kept UTC+8 all year since 1991, so a fixed offset is exact here.
        let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix());
        Clock {
            now,
            today: now.with_timezone(&china).date_naive(),
        }
    }
}

/// An instant as China Standard Time, to the second: how every front end shows times.
pub fn china_time(t: DateTime<Utc>) -> String {
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix());
    t.with_timezone(&china)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
