//! Duplicate detection for incoming registrations: the same ID number twice is certainly the
//! same person; the same name, birth date and area under two ID numbers probably is.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use chrono::NaiveDate;

use super::facts::Registration;
use crate::{AreaCode, IdNumber};

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

/// Remembers every registration it has admitted, so that each new one can be checked against
/// all earlier ones as it arrives (an import streams rows; it never needs them all at once).
#[derive(Debug, Default)]
pub struct DuplicateDetector {
    // Keys come from files, but a collision only costs time, and FxHash is several times
    // cheaper than SipHash on millions of rows.
    by_id: FxHashMap<IdNumber, usize>,
    by_identity: FxHashMap<IdentityKey, usize>,
}

impl DuplicateDetector {
    pub fn with_capacity(capacity: usize) -> DuplicateDetector {
        DuplicateDetector {
            by_id: FxHashMap::with_capacity_and_hasher(capacity, Default::default()),
            by_identity: FxHashMap::with_capacity_and_hasher(capacity, Default::default()),
        }
    }

    /// Admits `r`, known to the caller as `position`, and tells which earlier registration it
    /// repeats, if any. A repeat is not remembered: the first one stays the reference.
    pub fn admit(&mut self, position: usize, r: &Registration) -> Option<(usize, DuplicateKind)> {
        match self.by_id.entry(r.person.id_number.clone()) {
            Entry::Occupied(e) => return Some((*e.get(), DuplicateKind::SameIdNumber)),
            Entry::Vacant(e) => {
                e.insert(position);
            }
        }
        match self.by_identity.entry(IdentityKey::of(r)) {
            Entry::Occupied(e) => Some((*e.get(), DuplicateKind::SameNameBirthArea)),
            Entry::Vacant(e) => {
                e.insert(position);
                None
            }
        }
    }
}

pub fn find_duplicates(batch: &[Registration]) -> Vec<DuplicateFinding> {
    let mut detector = DuplicateDetector::with_capacity(batch.len());
    batch
        .iter()
        .enumerate()
        .filter_map(|(index, r)| {
            let (first, kind) = detector.admit(index, r)?;
            Some(DuplicateFinding { index, first, kind })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
