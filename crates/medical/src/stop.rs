//! Cover stopped within the year (停保): an employee's cover ends with the month in which the
//! registry records the employment ended — the employer pays the employees' insurance month by
//! month, that month the last — and the person is reminded to go on in the residents' scheme
//! (or as a flexibly employed person) before the gap breaks their cover ([`crate::enrolment`]'s
//! reminders, once per cause). Paid within the gap, the residents' cover continues the stopped
//! one with no waiting period, as 医保办发〔2021〕43号 第十一条 has it for a change between the
//! schemes after two years of cover ([`crate::transfer::Continuity`]).
//!
//! Found from the insured registry and the 一人一档 registry, without application: the
//! bureau's 点对点 reminders to the 停保断保 group.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use minsheng_core::registry::Employment;
use minsheng_store::{NewAuditEntry, Result, Store};

use crate::domain::{Cover, Scheme};
use crate::storage::MedicalStore as _;

/// A person's employment as one of the registry's current versions records it, from a day on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub from: NaiveDate,
    pub employment: Employment,
    pub died: bool,
}

/// An employee's cover the registry says stops: whose, the cover as filed, and its new last day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopping {
    pub person_id: i64,
    pub cover: Cover,
    pub ends: NaiveDate,
}

/// The day an employee's `cover` ends as the registry's versions (in order of their first day)
/// have it on `today`: the last day of the month the employment ended, when the person is
/// neither employed nor retired by the version holding today and left after the cover began;
/// `None` while employed (a change of employer included), for a retiree, for one who died
/// (their cover ends with their life, not by 停保), and when the month ends with the cover.
pub fn ends(cover: &Cover, versions: &[Held], today: NaiveDate) -> Option<NaiveDate> {
    if cover.scheme != Scheme::Employee || cover.retired {
        return None;
    }
    let held: Vec<&Held> = versions.iter().filter(|v| v.from <= today).collect();
    let current = held.last()?;
    if current.died || employed(current.employment) {
        return None;
    }
    // The versions since the employment ended: the run of the last ones without it.
    let left = held
        .iter()
        .rev()
        .take_while(|v| !employed(v.employment))
        .last()?
        .from;
    if left <= cover.from {
        return None;
    }
    let month_end = NaiveDate::from_ymd_opt(left.year(), left.month(), 1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()?;
    (month_end < cover.to).then_some(month_end)
}

fn employed(e: Employment) -> bool {
    matches!(e, Employment::Employed | Employment::Retired)
}

/// The employees' covers of `year` the registry says stop, as of `today`.
pub async fn due(store: &Store, year: i32, today: NaiveDate) -> Result<Vec<Stopping>> {
    let running = store.medical().employee_covers_running(year).await?;
    Ok(running
        .into_iter()
        .filter_map(|(person_id, cover, versions)| {
            let ends = ends(&cover, &versions, today)?;
            Some(Stopping {
                person_id,
                cover,
                ends,
            })
        })
        .collect())
}

/// Stops the covers [`due`] finds (each ends on its day; one changed since it was read is
/// left), with one audit entry, in one transaction; those stopped. The reminders follow from
/// [`crate::enrolment::remind_lapses`], which finds every stopped cover not followed by another.
pub async fn stop_due(
    store: &Store,
    year: i32,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Vec<Stopping>> {
    let today = minsheng_app::Clock::at(at).today;
    let due = due(store, year, today).await?;
    let audit = NewAuditEntry {
        actor: actor.to_string(),
        action: "medical.stop".into(),
        subject: format!("medical {year}"),
        detail: format!("{} 人职工医保停保（就业状况已变更）", due.len()),
        at,
    };
    store.medical().stop(due, audit).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Tier;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn employee(retired: bool) -> Cover {
        Cover {
            scheme: Scheme::Employee,
            tier: Tier::Employee,
            retired,
            two_diseases: false,
            from: day(2026, 1, 1),
            to: day(2026, 12, 31),
        }
    }

    fn held(from: NaiveDate, employment: Employment) -> Held {
        Held {
            from,
            employment,
            died: false,
        }
    }

    #[test]
    fn the_cover_ends_with_the_month_the_employment_ended() {
        let versions = [
            held(day(2020, 3, 1), Employment::Employed),
            held(day(2026, 6, 15), Employment::Unemployed),
        ];
        let today = day(2026, 7, 2);
        assert_eq!(
            ends(&employee(false), &versions, today),
            Some(day(2026, 6, 30))
        );
        // Left on the month's first or last day: the same month's end.
        for left in [day(2026, 6, 1), day(2026, 6, 30)] {
            let v = [versions[0], held(left, Employment::SelfEmployed)];
            assert_eq!(ends(&employee(false), &v, today), Some(day(2026, 6, 30)));
        }
        // A later version (a move) of the same unemployment keeps the day it began.
        let moved = [
            versions[0],
            versions[1],
            held(day(2026, 7, 1), Employment::Unemployed),
        ];
        assert_eq!(
            ends(&employee(false), &moved, today),
            Some(day(2026, 6, 30))
        );
    }

    #[test]
    fn no_stop_while_employed_retired_dead_or_before_the_cover() {
        let today = day(2026, 9, 1);
        let new_job = [
            held(day(2020, 3, 1), Employment::Employed),
            held(day(2026, 6, 15), Employment::Unemployed),
            held(day(2026, 8, 1), Employment::Employed),
        ];
        assert_eq!(ends(&employee(false), &new_job, today), None);
        let retired = [
            held(day(2020, 3, 1), Employment::Employed),
            held(day(2026, 6, 15), Employment::Retired),
        ];
        assert_eq!(ends(&employee(false), &retired, today), None);
        let left = [
            held(day(2020, 3, 1), Employment::Employed),
            held(day(2026, 6, 15), Employment::Unemployed),
        ];
        assert_eq!(
            ends(&employee(true), &left, today),
            None,
            "a retiree's cover"
        );
        let mut died = left;
        died[1].died = true;
        assert_eq!(ends(&employee(false), &died, today), None);
        // Not employed since before the cover began: nothing the registry says stopped.
        let before = [held(day(2025, 11, 1), Employment::Unemployed)];
        assert_eq!(ends(&employee(false), &before, today), None);
        // A change recorded ahead of today does not hold yet.
        assert_eq!(ends(&employee(false), &left, day(2026, 6, 14)), None);
        // December's leaving ends with the cover: nothing stops.
        let december = [
            held(day(2020, 3, 1), Employment::Employed),
            held(day(2026, 12, 1), Employment::Unemployed),
        ];
        assert_eq!(ends(&employee(false), &december, day(2026, 12, 5)), None);
        // November's stops the cover on its last day.
        let november = [
            held(day(2020, 3, 1), Employment::Employed),
            held(day(2026, 11, 30), Employment::Unemployed),
        ];
        assert_eq!(
            ends(&employee(false), &november, day(2026, 12, 5)),
            Some(day(2026, 11, 30))
        );
    }
}
