//! Bitemporal history.
//!
//! Every version of a person's facts carries two periods:
//! - *valid time* `[valid_from, valid_to)`: when the facts were true in the world;
//! - *record time* `[recorded_at, superseded_at)`: when the registry held that belief.
//!
//! Nothing is ever updated in place or deleted. A correction supersedes versions and records
//! new ones, so "what did the registry say about this household for month M, as known on day D"
//! is answered by filtering on both periods — the question every monthly cycle and every audit
//! asks.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Facts that hold over `[valid_from, valid_to)`; `valid_to == None` means "until further notice".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version<T> {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub facts: T,
}

impl<T> Version<T> {
    pub fn holds_on(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date < to)
    }
}

/// A version as the registry recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded<T> {
    pub version: Version<T>,
    pub recorded_at: DateTime<Utc>,
    pub superseded_at: Option<DateTime<Utc>>,
    /// Who or what recorded it: a user name, `import:<file>`, `generate:<seed>`.
    pub recorded_by: String,
}

impl<T> Recorded<T> {
    pub fn known_at(&self, instant: DateTime<Utc>) -> bool {
        self.recorded_at <= instant && self.superseded_at.is_none_or(|s| instant < s)
    }
}

/// The version that holds on `date`, among versions believed at one moment (non-overlapping).
pub fn at<T>(versions: &[Version<T>], date: NaiveDate) -> Option<&Version<T>> {
    versions.iter().find(|v| v.holds_on(date))
}

/// What to write to record a change: which current versions to supersede (by position in the
/// slice given to [`amend`]) and which versions to insert in their place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment<T> {
    pub supersede: Vec<usize>,
    pub insert: Vec<Version<T>>,
}

impl<T> Amendment<T> {
    pub fn is_empty(&self) -> bool {
        self.supersede.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimelineError {
    #[error("there is no record to change")]
    NoRecord,
    #[error("the change takes effect on {from}, before the first record of this person ({first})")]
    BeforeFirstRecord { from: NaiveDate, first: NaiveDate },
}

/// Records that `change` holds from `from` onwards, over the versions currently believed
/// (`current`, sorted by `valid_from`, non-overlapping). A later version keeps its own other
/// facts; the change is applied to each.
pub fn amend<T: Clone + PartialEq>(
    current: &[Version<T>],
    from: NaiveDate,
    change: impl Fn(&mut T),
) -> Result<Amendment<T>, TimelineError> {
    let first = current.first().ok_or(TimelineError::NoRecord)?;
    if from < first.valid_from {
        return Err(TimelineError::BeforeFirstRecord {
            from,
            first: first.valid_from,
        });
    }
    let mut amendment = Amendment {
        supersede: Vec::new(),
        insert: Vec::new(),
    };
    for (i, v) in current.iter().enumerate() {
        if v.valid_to.is_some_and(|to| to <= from) {
            continue;
        }
        let mut changed = v.facts.clone();
        change(&mut changed);
        if changed == v.facts {
            continue;
        }
        amendment.supersede.push(i);
        if v.valid_from < from {
            amendment.insert.push(Version {
                valid_from: v.valid_from,
                valid_to: Some(from),
                facts: v.facts.clone(),
            });
        }
        amendment.insert.push(Version {
            valid_from: v.valid_from.max(from),
            valid_to: v.valid_to,
            facts: changed,
        });
    }
    Ok(amendment)
}

/// The versions believed after an amendment is recorded, sorted.
pub fn apply<T: Clone>(current: &[Version<T>], amendment: &Amendment<T>) -> Vec<Version<T>> {
    let mut out: Vec<Version<T>> = current
        .iter()
        .enumerate()
        .filter(|(i, _)| !amendment.supersede.contains(i))
        .map(|(_, v)| v.clone())
        .chain(amendment.insert.iter().cloned())
        .collect();
    out.sort_by_key(|v| v.valid_from);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(n)
    }

    fn timeline(breaks: &[i64], values: &[u32]) -> Vec<Version<(u32, u32)>> {
        // Versions start at day 0 and at each break; the last one is open-ended.
        let mut starts = vec![0];
        starts.extend(breaks.iter().copied());
        starts
            .iter()
            .enumerate()
            .map(|(i, s)| Version {
                valid_from: day(*s),
                valid_to: starts.get(i + 1).map(|e| day(*e)),
                facts: (values[i % values.len()], 7),
            })
            .collect()
    }

    #[test]
    fn a_change_splits_the_version_it_falls_in() {
        let current = timeline(&[], &[1]);
        let a = amend(&current, day(10), |f| f.0 = 2).unwrap();
        assert_eq!(a.supersede, vec![0]);
        assert_eq!(
            a.insert,
            vec![
                Version {
                    valid_from: day(0),
                    valid_to: Some(day(10)),
                    facts: (1, 7)
                },
                Version {
                    valid_from: day(10),
                    valid_to: None,
                    facts: (2, 7)
                },
            ]
        );
    }

    #[test]
    fn a_change_that_changes_nothing_writes_nothing() {
        let current = timeline(&[5], &[1, 1]);
        assert!(amend(&current, day(2), |f| f.0 = 1).unwrap().is_empty());
    }

    #[test]
    fn a_change_before_the_first_record_is_refused() {
        let current = timeline(&[], &[1]);
        assert_eq!(
            amend(&current, day(-1), |f| f.0 = 2),
            Err(TimelineError::BeforeFirstRecord {
                from: day(-1),
                first: day(0)
            })
        );
        assert_eq!(
            amend::<(u32, u32)>(&[], day(0), |_| {}),
            Err(TimelineError::NoRecord)
        );
    }

    #[test]
    fn recorded_versions_are_filtered_by_record_time() {
        let t = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap();
        let r = Recorded {
            version: Version {
                valid_from: day(0),
                valid_to: None,
                facts: (),
            },
            recorded_at: t(100),
            superseded_at: Some(t(200)),
            recorded_by: "test".into(),
        };
        assert!(!r.known_at(t(99)));
        assert!(r.known_at(t(100)));
        assert!(r.known_at(t(199)));
        assert!(!r.known_at(t(200)));
    }

    proptest! {
        /// Before the effective date nothing changes; from it on, every day shows the change
        /// applied to what was there; the result is still a sorted, gap-free partition.
        #[test]
        fn amend_changes_exactly_the_days_from_the_effective_date(
            mut breaks in proptest::collection::vec(1i64..300, 0..6),
            values in proptest::collection::vec(0u32..4, 1..7),
            from in 0i64..320,
            new_value in 0u32..4,
        ) {
            breaks.sort();
            breaks.dedup();
            let current = timeline(&breaks, &values);
            let amendment = amend(&current, day(from), |f| f.0 = new_value).unwrap();
            let after = apply(&current, &amendment);
            for w in after.windows(2) {
                prop_assert_eq!(w[0].valid_to, Some(w[1].valid_from));
            }
            prop_assert_eq!(after.last().unwrap().valid_to, None);
            for d in 0..330 {
                let before = at(&current, day(d)).unwrap().facts;
                let now = at(&after, day(d)).unwrap().facts;
                if d < from {
                    prop_assert_eq!(now, before);
                } else {
                    prop_assert_eq!(now, (new_value, before.1));
                }
            }
        }
    }
}
