//! What pages and the API show, built once from the domain types: the JSON of an endpoint and
//! the page for the same thing carry the same fields. Here are the views every context shares
//! (the signed-in account, a masked ID number); each context's own are in its module.

use minsheng_core::access::Account;
use minsheng_core::IdNumber;
use serde::Serialize;
use utoipa::ToSchema;

pub(crate) fn shown(id: &IdNumber, reveal: bool) -> String {
    if reveal {
        id.as_str().to_string()
    } else {
        id.masked()
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub login: String,
    pub name: String,
    /// `community`, `street`, `district`, `city`, `auditor`, or `resident`.
    pub role: String,
    pub role_label: String,
    /// The area the account sees (with everything below it); none for a resident.
    pub area: Option<String>,
}

impl Me {
    pub fn of(login: &str, account: &Account) -> Me {
        Me {
            login: login.to_string(),
            name: account.name().to_string(),
            role: account
                .role()
                .map_or("resident", |r| r.as_str())
                .to_string(),
            role_label: account.role_label().to_string(),
            area: match account {
                Account::Staff(s) => Some(s.area.to_string()),
                Account::Resident { .. } => None,
            },
        }
    }
}
