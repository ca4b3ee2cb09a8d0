//! Duplicate detection for incoming registrations: the same ID number twice is certainly the
//! same person; the same name, birth date and area under two ID numbers probably is.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::facts::Registration;
use crate::AreaCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateKind {
    SameIdNumber,
    SameNameBirthArea,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateFinding {
    /// Position of the later registration in the batch.
    pub index: usize,
    /// Position of the earlier one it repeats.
    pub first: usize,
    pub kind: DuplicateKind,
}

/// The identity used for "probably the same person".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityKey {
    pub name: String,
    pub birth_date: NaiveDate,
    pub area: AreaCode,
}

impl IdentityKey {
    pub fn of(r: &Registration) -> IdentityKey {
        IdentityKey {
            name: r.person.name.trim().to_string(),
            birth_date: r.person.id_number.birth_date(),
            area: r.facts.area.clone(),
        }
    }
}

pub fn find_duplicates(batch: &[Registration]) -> Vec<DuplicateFinding> {
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(batch.len());
    let mut by_identity: HashMap<IdentityKey, usize> = HashMap::with_capacity(batch.len());
    let mut findings = Vec::new();
    for (index, r) in batch.iter().enumerate() {
        if let Some(&first) = by_id.get(r.person.id_number.as_str()) {
            findings.push(DuplicateFinding {
                index,
                first,
                kind: DuplicateKind::SameIdNumber,
            });
            continue;
        }
        by_id.insert(r.person.id_number.as_str(), index);
        match by_identity.entry(IdentityKey::of(r)) {
            std::collections::hash_map::Entry::Occupied(e) => findings.push(DuplicateFinding {
                index,
                first: *e.get(),
                kind: DuplicateKind::SameNameBirthArea,
            }),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(index);
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdNumber;

    #[test]
    fn finds_both_kinds() {
        let base = super::super::facts::tests::sample();
        let mut other_id = base.clone();
        other_id.person.id_number = IdNumber::from_parts(370212, base.birth_date, 25).unwrap();
        let mut stranger = base.clone();
        stranger.person.name = "李强".into();
        stranger.person.id_number = IdNumber::from_parts(370212, base.birth_date, 27).unwrap();
        let batch = vec![base.clone(), stranger, base.clone(), other_id];
        assert_eq!(
            find_duplicates(&batch),
            vec![
                DuplicateFinding {
                    index: 2,
                    first: 0,
                    kind: DuplicateKind::SameIdNumber
                },
                DuplicateFinding {
                    index: 3,
                    first: 0,
                    kind: DuplicateKind::SameNameBirthArea
                },
            ]
        );
    }
}
