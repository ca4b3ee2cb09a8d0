//! What a resident sees of their notices and contact preferences.

use chrono::{DateTime, Utc};
use minsheng_notify::storage::InboxNotice;
use minsheng_notify::Contact;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: i64,
    /// What kind of notice, by its name (审批决定, 待遇暂停, …).
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Read before this listing.
    pub read: bool,
    /// Each further channel and how far it got, e.g. "短信：已发送".
    pub deliveries: Vec<String>,
}

impl NoticeView {
    pub fn of(n: &InboxNotice) -> NoticeView {
        NoticeView {
            id: n.id,
            kind: n.kind.map_or("通知", |k| k.label()).to_string(),
            title: n.title.clone(),
            body: n.body.clone(),
            created_at: n.created_at,
            read: n.read,
            deliveries: n
                .deliveries
                .iter()
                .map(|(channel, status)| {
                    let status = match status.as_str() {
                        "sent" => "已发送",
                        "failed" => "未能送达",
                        _ => "发送中",
                    };
                    format!("{}：{status}", channel.label())
                })
                .collect(),
        }
    }
}

/// How the resident wants to be told beyond the web inbox. Shown with the phone number and
/// email address in full: it is the resident's own.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContactView {
    /// A mainland mobile number (11 digits), or empty.
    #[serde(default)]
    pub phone: String,
    /// An email address, or empty.
    #[serde(default)]
    pub email: String,
    /// Send each notice by SMS too.
    #[serde(default)]
    pub use_sms: bool,
    /// Send each notice by email too.
    #[serde(default)]
    pub use_email: bool,
    /// The session's CSRF token, for a browser's request; a bearer token needs none.
    #[serde(default, skip_serializing)]
    pub csrf: Option<String>,
}

impl ContactView {
    pub fn of(c: &Contact) -> ContactView {
        ContactView {
            phone: c.phone.clone(),
            email: c.email.clone(),
            use_sms: c.use_sms,
            use_email: c.use_email,
            csrf: None,
        }
    }
}
