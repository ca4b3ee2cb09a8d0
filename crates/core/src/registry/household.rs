use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::facts::{Person, PersonFacts};
use super::Relation;
use crate::timeline::Recorded;
use crate::AreaCode;

/// Everything the registry has ever recorded about one household: every person who was ever a
/// member, with every version of their facts, including superseded ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HouseholdFile {
    pub code: String,
    pub area: AreaCode,
    pub members: Vec<MemberRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRecord {
    pub person: Person,
    /// Sorted by record time, then valid time.
    pub versions: Vec<Recorded<PersonFacts>>,
}

impl HouseholdFile {
    /// The household as the registry described it for `on`, as known at `known_at`: each
    /// member with the facts that held on that day, head first.
    pub fn as_of(&self, on: NaiveDate, known_at: DateTime<Utc>) -> Vec<(&Person, &PersonFacts)> {
        let mut members: Vec<(&Person, &PersonFacts)> = self
            .members
            .iter()
            .filter_map(|m| {
                m.versions
                    .iter()
                    .find(|r| r.known_at(known_at) && r.version.holds_on(on))
                    .filter(|r| r.version.facts.household == self.code)
                    .map(|r| (&m.person, &r.version.facts))
            })
            .collect();
        members.sort_by_key(|(p, f)| (f.relation != Relation::Head, f.relation, p.birth_date()));
        members
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::facts::tests::sample;
    use crate::timeline::Version;

    #[test]
    fn answers_for_a_month_as_known_on_a_day() {
        let t = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap();
        let d = |m: u32| NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
        let reg = sample();
        let mut moved = reg.facts.clone();
        moved.household = "elsewhere".into();
        // Recorded at t=10: member from Jan. At t=20 we learn they left in June.
        let versions = vec![
            Recorded {
                version: Version {
                    valid_from: d(1),
                    valid_to: None,
                    facts: reg.facts.clone(),
                },
                recorded_at: t(10),
                superseded_at: Some(t(20)),
                recorded_by: "a".into(),
            },
            Recorded {
                version: Version {
                    valid_from: d(1),
                    valid_to: Some(d(6)),
                    facts: reg.facts.clone(),
                },
                recorded_at: t(20),
                superseded_at: None,
                recorded_by: "b".into(),
            },
            Recorded {
                version: Version {
                    valid_from: d(6),
                    valid_to: None,
                    facts: moved,
                },
                recorded_at: t(20),
                superseded_at: None,
                recorded_by: "b".into(),
            },
        ];
        let file = HouseholdFile {
            code: reg.facts.household.clone(),
            area: reg.facts.area.clone(),
            members: vec![MemberRecord {
                person: reg.person.clone(),
                versions,
            }],
        };
        assert_eq!(
            file.as_of(d(7), t(15)).len(),
            1,
            "on day 15 we still believed they lived here"
        );
        assert_eq!(
            file.as_of(d(7), t(25)).len(),
            0,
            "on day 25 we know they had left"
        );
        assert_eq!(
            file.as_of(d(3), t(25)).len(),
            1,
            "before June they were here"
        );
        assert_eq!(
            file.as_of(d(3), t(5)).len(),
            0,
            "nothing was known before t=10"
        );
    }
}
