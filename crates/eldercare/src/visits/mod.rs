//! Visiting care (探访关爱): the older residents the rules list for visits (`visiting_care_tier`,
//! 崂办字〔2024〕12号 第三条), each due a visit at the interval of their risk tier, overdue and
//! escalated to the street when not reached in time, and what a visit finds raising a case.
//!
//! - [`domain`]: the schedule, a visit's standing, its record's checks and the needs it can
//!   raise (no IO).

pub mod domain;

pub use domain::{check_report, Mode, Need, Report, Schedule, Standing};

use chrono::NaiveDate;
use minsheng_core::FieldError;
use minsheng_policy::Policy;

/// The schedule in force on `on` (`eldercare.visiting_care`).
pub fn schedule(policy: &Policy, on: NaiveDate) -> Result<Schedule, FieldError> {
    let get = |name: &str| {
        policy
            .count(&format!("eldercare.visiting_care.{name}"), on)
            .ok_or_else(|| FieldError::new("on", format!("政策中没有 {on} 有效的探访参数 {name}")))
    };
    Ok(Schedule {
        interval_days: [get("tier1_days")?, get("tier2_days")?, get("tier3_days")?],
        escalate_days: get("escalate_days")?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalog_gives_every_tier_an_interval() {
        let policy = minsheng_test_support::policy();
        let on = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let s = super::schedule(&policy, on).unwrap();
        assert!(s.interval_days[0] < s.interval_days[1] && s.interval_days[1] < s.interval_days[2]);
        let before = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(super::schedule(&policy, before).unwrap_err().field, "on");
    }
}
