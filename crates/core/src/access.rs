//! Who is asking, and what they may see.
//!
//! Staff see their area and everything below it (a street reviewer: the street and its
//! communities); a resident sees their own household. The store puts a [`Scope`] into the
//! `WHERE` clause of every query made for someone, so that lists, counts and searches can only
//! ever contain what the scope allows; pages and endpoints never filter afterwards.

use crate::cases::{Role, Staff};
use crate::{AreaCode, IdNumber};

/// What one person may see of the registry and its cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An area and everything below it.
    Area(AreaCode),
    /// The households a resident (by ID number) is a member of now.
    Resident(IdNumber),
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    Staff(Staff),
    Resident { id_number: IdNumber, name: String },
}

impl Account {
    pub fn scope(&self) -> Scope {
        match self {
            Account::Staff(s) => Scope::Area(s.area.clone()),
            Account::Resident { id_number, .. } => Scope::Resident(id_number.clone()),
        }
    }

    /// The name written to the audit log and shown on pages.
    pub fn name(&self) -> &str {
        match self {
            Account::Staff(s) => &s.name,
            Account::Resident { name, .. } => name,
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Account::Staff(s) => Some(s.role),
            Account::Resident { .. } => None,
        }
    }

    pub fn role_label(&self) -> &'static str {
        self.role().map_or("居民", Role::label)
    }

    pub fn is_staff(&self) -> bool {
        matches!(self, Account::Staff(_))
    }
}
