//! Who is asking, and what they may see.
//!
//! Staff see their area and everything below it (a street reviewer: the street and its
//! communities); a resident sees their own household. The store puts a [`Scope`] into the
//! `WHERE` clause of every query made for someone, so that lists, counts and searches can only
//! ever contain what the scope allows; pages and endpoints never filter afterwards.

use crate::{AreaCode, FieldError, IdNumber};

/// A staff member's role (岗位).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 社区 (村) caseworker: accepts applications, takes part in surveys.
    Community,
    /// 街道 (乡镇) reviewer: surveys, preliminary review, posting, objections, notices.
    Street,
    /// 区 (县级) approver: decides.
    District,
    /// 市 administrator: sees everything, decides nothing in a case.
    City,
    /// Reads everything, changes nothing.
    Auditor,
    /// 服务机构 (a meal-aid canteen, an elderly-care station): sees none of the registry, only
    /// the older residents of its area it serves and what the rules grant them
    /// ([`Account::service_area`]).
    Provider,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Community,
        Role::Street,
        Role::District,
        Role::City,
        Role::Auditor,
        Role::Provider,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Community => "community",
            Role::Street => "street",
            Role::District => "district",
            Role::City => "city",
            Role::Auditor => "auditor",
            Role::Provider => "provider",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Community => "社区经办",
            Role::Street => "街道审核",
            Role::District => "区级审批",
            Role::City => "市级管理",
            Role::Auditor => "审计",
            Role::Provider => "服务机构",
        }
    }

    pub fn parse(s: &str) -> Result<Role, FieldError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim() || r.label() == s.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "role",
                    format!(
                        "「{s}」不是角色之一（community, street, district, city, auditor, provider）"
                    ),
                )
            })
    }
}

/// A member of staff: who acts, in which role, over which area (and everything below it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub name: String,
    pub role: Role,
    pub area: AreaCode,
}

/// What one person may see of the registry and its cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The whole registry: the operator at the command line, the city's batch jobs.
    Everything,
    /// An area and everything below it.
    Area(AreaCode),
    /// The households a resident (by ID number) is a member of now.
    Resident(IdNumber),
    /// None of the registry: a service provider, whose one list is the roster of its area.
    Nothing,
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
            Account::Staff(s) if s.role == Role::Provider => Scope::Nothing,
            Account::Staff(s) => Scope::Area(s.area.clone()),
            Account::Resident { id_number, .. } => Scope::Resident(id_number.clone()),
        }
    }

    /// The area whose older residents a service provider serves; `None` for everyone else.
    pub fn service_area(&self) -> Option<&AreaCode> {
        match self {
            Account::Staff(s) if s.role == Role::Provider => Some(&s.area),
            _ => None,
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

    /// Staff of the bureaus (casework, approval, administration, audit); not a service
    /// provider, which signs in as staff but works only from its roster.
    pub fn is_staff(&self) -> bool {
        matches!(self, Account::Staff(s) if s.role != Role::Provider)
    }
}

/// Work that only some roles do, whatever their area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// See the city's payment cycles and download bank files.
    SeePayments,
    /// Compute a month, send its payments to the bank, record the bank's answers.
    RunPayments,
    /// Approve a computed month (someone other than who computed it: 审核与审批分离).
    ApprovePayments,
    /// Run a reform over the whole city (the results are city-wide aggregates).
    SimulatePolicy,
    /// Publish the city's statistics (the basic elderly service list's counts by street).
    PublishStatistics,
}

impl Account {
    pub fn may(&self, duty: Duty) -> bool {
        use Role::*;
        matches!(
            (duty, self.role()),
            (
                Duty::SeePayments | Duty::SimulatePolicy,
                Some(City | Auditor)
            ) | (
                Duty::RunPayments | Duty::ApprovePayments | Duty::PublishStatistics,
                Some(City)
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff(role: Role) -> Account {
        Account::Staff(Staff {
            name: "x".into(),
            role,
            area: AreaCode::parse("370200").unwrap_or_else(|_| unreachable!()),
        })
    }

    #[test]
    fn only_the_city_runs_payments_and_auditors_only_look() {
        for role in Role::ALL {
            let a = staff(role);
            assert_eq!(a.may(Duty::RunPayments), role == Role::City, "{role:?}");
            assert_eq!(a.may(Duty::ApprovePayments), role == Role::City, "{role:?}");
            for duty in [Duty::SeePayments, Duty::SimulatePolicy] {
                assert_eq!(
                    a.may(duty),
                    matches!(role, Role::City | Role::Auditor),
                    "{role:?}"
                );
            }
        }
        let provider = staff(Role::Provider);
        assert_eq!(provider.scope(), Scope::Nothing);
        assert!(provider.service_area().is_some());
        assert!(staff(Role::Community).service_area().is_none());
        assert!(!provider.is_staff() && staff(Role::Auditor).is_staff());
        let resident = Account::Resident {
            id_number: IdNumber::parse("11010519491231002X").unwrap_or_else(|_| unreachable!()),
            name: "x".into(),
        };
        assert!(!resident.may(Duty::SeePayments));
    }
}
