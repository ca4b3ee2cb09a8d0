//! What a notice is, who it goes to and how: no IO.

use std::time::Duration;

use minsheng_core::{FieldError, IdNumber};

/// What happened, which the resident is told: each kind has its name in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 审批决定: a case approved or refused.
    Decision,
    /// 求助答复: a resident's request declined with its reason.
    RequestDeclined,
    /// 待遇暂停 / 恢复 / 终止 / 渐退: a decision on a running benefit.
    BenefitSuspended,
    BenefitResumed,
    BenefitEnded,
    BenefitTapered,
    /// 发放退回: the bank returned a payment.
    PaymentReturned,
    /// 复核提醒: a running benefit's periodic review falls due.
    ReviewDue,
    /// 医保断缴提醒: insured last year, not yet this year.
    InsuranceLapsed,
    /// 医保关系转移: the insurance relation moved into or out of the city (转移接续).
    InsuranceTransferred,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Decision,
        Kind::RequestDeclined,
        Kind::BenefitSuspended,
        Kind::BenefitResumed,
        Kind::BenefitEnded,
        Kind::BenefitTapered,
        Kind::PaymentReturned,
        Kind::ReviewDue,
        Kind::InsuranceLapsed,
        Kind::InsuranceTransferred,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Decision => "decision",
            Kind::RequestDeclined => "request_declined",
            Kind::BenefitSuspended => "benefit_suspended",
            Kind::BenefitResumed => "benefit_resumed",
            Kind::BenefitEnded => "benefit_ended",
            Kind::BenefitTapered => "benefit_tapered",
            Kind::PaymentReturned => "payment_returned",
            Kind::ReviewDue => "review_due",
            Kind::InsuranceLapsed => "insurance_lapsed",
            Kind::InsuranceTransferred => "insurance_transferred",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Decision => "审批决定",
            Kind::RequestDeclined => "求助答复",
            Kind::BenefitSuspended => "待遇暂停",
            Kind::BenefitResumed => "待遇恢复",
            Kind::BenefitEnded => "待遇终止",
            Kind::BenefitTapered => "渐退",
            Kind::PaymentReturned => "发放退回",
            Kind::ReviewDue => "复核提醒",
            Kind::InsuranceLapsed => "医保断缴提醒",
            Kind::InsuranceTransferred => "医保关系转移",
        }
    }

    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A notice to one resident, as the event that causes it writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Names the event, e.g. `case:12:decided`: the same event written twice (a re-run, a
    /// retried request) is one notice.
    pub key: String,
    pub kind: Kind,
    /// Who is told.
    pub to: IdNumber,
    /// The household the event concerns (the audit trail's subject).
    pub household: String,
    /// One line, the inbox's heading and the email's subject.
    pub title: String,
    /// What happened, why, and what the resident may do next, in plain Chinese.
    pub body: String,
}

/// A channel beyond the web inbox, which every notice reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Sms, Channel::Email];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Sms => "短信",
            Channel::Email => "电子邮件",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The address as logs and audit entries show it.
    pub fn mask(self, address: &str) -> String {
        match self {
            Channel::Sms => mask_phone(address),
            Channel::Email => mask_email(address),
        }
    }
}

/// How a resident wants to be told beyond the web inbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// A mainland mobile number, 11 digits, or empty.
    pub phone: String,
    /// An email address, or empty.
    pub email: String,
    pub use_sms: bool,
    pub use_email: bool,
}

impl Contact {
    /// Checks the form as a resident filled it: a channel chosen needs its address, and an
    /// address given must be one. Surrounding spaces are dropped.
    pub fn checked(
        phone: &str,
        email: &str,
        use_sms: bool,
        use_email: bool,
    ) -> Result<Contact, FieldError> {
        let phone: String = phone
            .trim()
            .chars()
            .filter(|c| *c != ' ' && *c != '-')
            .collect();
        let email = email.trim().to_string();
        let mobile = phone.len() == 11
            && phone.starts_with('1')
            && phone.bytes().all(|b| b.is_ascii_digit());
        if !phone.is_empty() && !mobile {
            return Err(FieldError::new("phone", "手机号应为以 1 开头的 11 位数字"));
        }
        if !email.is_empty() && email.parse::<lettre::Address>().is_err() {
            return Err(FieldError::new("email", "电子邮箱地址格式不正确"));
        }
        if use_sms && phone.is_empty() {
            return Err(FieldError::new("phone", "选择短信通知时请填写手机号"));
        }
        if use_email && email.is_empty() {
            return Err(FieldError::new("email", "选择邮件通知时请填写电子邮箱"));
        }
        Ok(Contact {
            phone,
            email,
            use_sms,
            use_email,
        })
    }

    /// The channels this resident chose, each with its address.
    pub fn channels(&self) -> Vec<(Channel, &str)> {
        let mut out = Vec::new();
        if self.use_sms && !self.phone.is_empty() {
            out.push((Channel::Sms, self.phone.as_str()));
        }
        if self.use_email && !self.email.is_empty() {
            out.push((Channel::Email, self.email.as_str()));
        }
        out
    }
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars.iter().take(3).collect();
    let tail: String = chars.iter().skip(chars.len() - 4).collect();
    format!("{head}****{tail}")
}

/// `zhang.san@example.com` → `z***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((user, domain)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// What one attempt to send came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// A failure that may pass (the gateway busy or unreachable): tried again later.
    Retry(String),
    /// A failure that will not pass (the number or address refused): not tried again.
    Refused(String),
}

/// Attempts per delivery before it is given up as failed.
pub const MAX_ATTEMPTS: i64 = 8;

/// How long after its `attempts`-th failed attempt a delivery is tried again: 30 seconds,
/// doubling each time, at most an hour — eight attempts span about an hour and a quarter, long
/// enough for a gateway's restart, short enough that a notice is not a day late.
pub fn retry_after(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let seconds = 30u64.saturating_mul(1u64 << doublings);
    Duration::from_secs(seconds.min(3600))
}

/// What a delivery becomes after an attempt: sent; pending again at a later time; or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Sent,
    RetryIn(Duration),
    Failed,
}

impl Next {
    /// After attempt number `attempts` (counting this one) came to `outcome`.
    pub fn after(attempts: i64, outcome: &Outcome) -> Next {
        match outcome {
            Outcome::Sent => Next::Sent,
            Outcome::Refused(_) => Next::Failed,
            Outcome::Retry(_) if attempts >= MAX_ATTEMPTS => Next::Failed,
            Outcome::Retry(_) => Next::RetryIn(retry_after(attempts)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_names_the_field_that_is_wrong() {
        let err = Contact::checked("1381234567", "", true, false).unwrap_err();
        assert_eq!(err.field, "phone");
        let err = Contact::checked("23812345678", "", false, false).unwrap_err();
        assert_eq!(err.field, "phone");
        let err = Contact::checked("", "not-an-address", false, false).unwrap_err();
        assert_eq!(err.field, "email");
        let err = Contact::checked("", "", false, true).unwrap_err();
        assert_eq!(err.field, "email");
        let err = Contact::checked("", "", true, false).unwrap_err();
        assert_eq!(err.field, "phone");
        let c = Contact::checked(" 138-1234-5678 ", " a@b.cn ", true, true).unwrap();
        assert_eq!(c.phone, "13812345678");
        assert_eq!(c.email, "a@b.cn");
        assert_eq!(
            c.channels(),
            vec![(Channel::Sms, "13812345678"), (Channel::Email, "a@b.cn")]
        );
        let quiet = Contact::checked("13812345678", "", false, false).unwrap();
        assert!(quiet.channels().is_empty());
    }

    #[test]
    fn addresses_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_email("zhang.san@example.com"), "z***@example.com");
        assert_eq!(Channel::Sms.mask("123"), "***");
    }

    #[test]
    fn retries_back_off_to_an_hour_then_stop() {
        assert_eq!(retry_after(1), Duration::from_secs(30));
        assert_eq!(retry_after(2), Duration::from_secs(60));
        assert_eq!(retry_after(7), Duration::from_secs(1920));
        assert_eq!(retry_after(8), Duration::from_secs(3600));
        assert_eq!(retry_after(1000), Duration::from_secs(3600));
        let busy = Outcome::Retry("503".into());
        assert_eq!(
            Next::after(1, &busy),
            Next::RetryIn(Duration::from_secs(30))
        );
        assert_eq!(
            Next::after(MAX_ATTEMPTS - 1, &busy),
            Next::RetryIn(retry_after(7))
        );
        assert_eq!(Next::after(MAX_ATTEMPTS, &busy), Next::Failed);
        assert_eq!(
            Next::after(1, &Outcome::Refused("400".into())),
            Next::Failed
        );
        assert_eq!(Next::after(3, &Outcome::Sent), Next::Sent);
    }
}
