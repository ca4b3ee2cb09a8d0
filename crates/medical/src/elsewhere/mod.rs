//! Out-of-town care registration (异地就医备案): an insured person going to be cared for in
//! another province registers first, and a claim for care out of the province is settled as
//! registered (备案) or not by what is on file for its day — the settlement reads it, whatever
//! the hospital said. Care within the province needs none (省内异地就医无需备案).
//!
//! Two kinds, after 国家医疗保障局 财政部《关于进一步做好基本医疗保险跨省异地就医直接结算工作的
//! 通知》(医保发〔2022〕22号) 「规范异地就医备案流程」: long-term (长期异地: retirees resettled,
//! long-term residents, workers posted elsewhere), reviewed by district or city staff and
//! standing until ended; temporary (临时外出就医: referrals and other temporary care), filed by
//! the person themself (self-service) and in force at once for a number of months the rules say
//! (`medical.registration.temporary_months`, six). Any office in the
//! city files or reviews for any insured person (市域通办); each act is audited.
//!
//! - [`storage`]: the registrations, reached as `store.elsewhere()`, and the settlement's read;
//! - this module: the codes, the checks and the use cases.

pub mod storage;

use chrono::{DateTime, Months, NaiveDate, Utc};
use minsheng_app::Clock;
use minsheng_core::access::{Account, Role};
use minsheng_core::{FieldError, IdNumber};
use minsheng_store::NewAuditEntry;
use minsheng_store::Store;

use minsheng_policy::Policy;

use crate::domain::{codes, SettleError};
use crate::settlement::ClaimError;
pub use storage::{ElsewhereStore, Registrations};

codes!(
    /// Long-term or temporary.
    Kind, "备案类型" {
        LongTerm => "long_term", "长期异地就医";
        Temporary => "temporary", "临时外出就医";
    }
);

codes!(
    /// Who the person is, which decides the kind (医保发〔2022〕22号).
    Reason, "备案人员类别" {
        ResettledRetiree => "resettled_retiree", "异地安置退休人员";
        LongTermResident => "long_term_resident", "异地长期居住人员";
        PostedWorker => "posted_worker", "常驻异地工作人员";
        Referral => "referral", "异地转诊人员";
        OtherTemporary => "other_temporary", "其他临时外出就医人员";
    }
);

impl Reason {
    pub fn kind(self) -> Kind {
        match self {
            Reason::ResettledRetiree | Reason::LongTermResident | Reason::PostedWorker => {
                Kind::LongTerm
            }
            Reason::Referral | Reason::OtherTemporary => Kind::Temporary,
        }
    }
}

codes!(
    /// Where a registration stands.
    State, "备案状态" {
        Pending => "pending", "待审核";
        Approved => "approved", "已备案";
        Refused => "refused", "未通过";
        Ended => "ended", "已取消";
    }
);

/// The parameter: how many months a temporary registration stands (医保发〔2022〕22号:
/// 临时外出就医人员备案有效期原则上不少于6个月).
pub const TEMPORARY_MONTHS: &str = "medical.registration.temporary_months";

/// The provinces' two-digit codes (GB/T 2260) outside Shandong (37).
const PROVINCES: [&str; 33] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81",
    "82",
];

/// A registration on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub id: i64,
    pub person_id: i64,
    pub kind: Kind,
    pub reason: Reason,
    /// The administrative division (six digits) where the person will be cared for.
    pub destination: String,
    pub from: NaiveDate,
    /// The last day; `None`: until ended (long-term).
    pub to: Option<NaiveDate>,
    pub state: State,
    pub applied_at: DateTime<Utc>,
    pub applied_by: String,
    /// Who decided, when, and why (a long-term registration's review).
    pub decided: Option<(DateTime<Utc>, String, String)>,
}

/// A registration as the person or an office files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Apply {
    pub id_number: IdNumber,
    pub reason: Reason,
    pub destination: String,
    pub from: NaiveDate,
}

/// What a registration filed on `today` says, every problem named by field: a destination
/// that is not a division of another province (`destination`: within Shandong none is needed),
/// a first day before today (`from`: a registration does not reach back).
pub fn check(a: &Apply, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let d = a.destination.trim();
    if d.len() != 6 || !d.bytes().all(|b| b.is_ascii_digit()) {
        errors.push(FieldError::new(
            "destination",
            format!("「{d}」不是六位行政区划代码"),
        ));
    } else if d.starts_with("37") {
        errors.push(FieldError::new(
            "destination",
            format!("{d} 在山东省内：省内异地就医无需备案，持医保码或社保卡直接就医"),
        ));
    } else if !PROVINCES.iter().any(|p| d.starts_with(p)) {
        errors.push(FieldError::new(
            "destination",
            format!("{d} 不是任何省份的行政区划代码"),
        ));
    }
    if a.from < today {
        errors.push(FieldError::new(
            "from",
            format!(
                "备案自 {} 起，已在今天（{today}）之前：备案不能追溯",
                a.from
            ),
        ));
    }
    errors
}

/// Files a registration, with its audit entry: the person themself (their own ID number) or
/// any office's staff (市域通办). A temporary one stands at once for the rules'
/// [`TEMPORARY_MONTHS`]; a long-term one waits for review. Refused with the field, nothing filed: [`check`]'s, someone who is not a
/// resident covered on `from` (`id_number`), a resident filing for someone else or a service
/// provider (`actor`, 403 on the web), a registration of the person pending or standing on
/// `from` (`from`).
pub async fn apply(
    store: &Store,
    policy: &Policy,
    who: &Account,
    a: &Apply,
    clock: Clock,
) -> Result<Registration, ClaimError> {
    match who {
        Account::Resident { id_number, .. } if *id_number == a.id_number => {}
        Account::Staff(s) if s.role != Role::Provider => {}
        _ => {
            return Err(ClaimError::field(
                "actor",
                "异地就医备案由参保人本人或医保经办窗口办理",
            ))
        }
    }
    let mut errors = check(a, clock.today);
    let medical = store.elsewhere();
    let person = medical.covered_on(&a.id_number, a.from).await?;
    if person.is_none() {
        errors.push(FieldError::new(
            "id_number",
            format!("{} 在 {} 没有本市医保参保", a.id_number.masked(), a.from),
        ));
    }
    let (Some(person_id), true) = (person, errors.is_empty()) else {
        return Err(ClaimError::Invalid(errors));
    };
    let kind = a.reason.kind();
    let (to, state) = match kind {
        Kind::Temporary => {
            let months = policy
                .count(TEMPORARY_MONTHS, a.from)
                .ok_or_else(|| SettleError::Rule(format!("结算规则没有参数 {TEMPORARY_MONTHS}")))?;
            let to = a
                .from
                .checked_add_months(Months::new(months))
                .and_then(|d| d.pred_opt());
            (to, State::Approved)
        }
        Kind::LongTerm => (None, State::Pending),
    };
    let filed = Registration {
        id: 0,
        person_id,
        kind,
        reason: a.reason,
        destination: a.destination.trim().to_string(),
        from: a.from,
        to,
        state,
        applied_at: clock.now,
        applied_by: who.name().to_string(),
        decided: None,
    };
    let audit = |id: i64| NewAuditEntry {
        actor: who.name().into(),
        action: "medical.elsewhere.apply".into(),
        subject: format!("person {person_id}"),
        detail: format!(
            "{} 异地就医备案 {id}：{}（{}）至 {}，自 {}{}，{}",
            a.id_number.masked(),
            kind.label(),
            a.reason.label(),
            filed.destination,
            a.from,
            to.map_or(String::new(), |t| format!(" 至 {t}")),
            state.label()
        ),
        at: clock.now,
    };
    match medical.file(&filed, audit).await? {
        Ok(id) => Ok(Registration { id, ..filed }),
        Err(other) => Err(ClaimError::field(
            "from",
            format!(
                "已有备案 {}（{}，{}，自 {}）",
                other.id,
                other.kind.label(),
                other.state.label(),
                other.from
            ),
        )),
    }
}

/// Reviews a long-term registration: district or city staff of any district (市域通办), never
/// the one who filed it. Approved, it stands from its first day; refused, the decision says
/// why. Refused with the field: not pending (`registration`), no reason given (`reason`).
pub async fn review(
    store: &Store,
    who: &Account,
    id: i64,
    approve: bool,
    reason: &str,
    clock: Clock,
) -> Result<Registration, ClaimError> {
    match who {
        Account::Staff(s) if matches!(s.role, Role::District | Role::City) => {}
        _ => {
            return Err(ClaimError::field(
                "actor",
                "长期异地就医备案由区或市医保经办人员审核",
            ))
        }
    }
    if reason.trim().is_empty() {
        return Err(ClaimError::field("reason", "须写明审核意见"));
    }
    let state = if approve {
        State::Approved
    } else {
        State::Refused
    };
    let audit = NewAuditEntry {
        actor: who.name().into(),
        action: "medical.elsewhere.review".into(),
        subject: format!("medical_elsewhere:{id}"),
        detail: format!("{}：{}", state.label(), reason.trim()),
        at: clock.now,
    };
    match store
        .elsewhere()
        .decide(id, state, (who.name(), clock.now, reason.trim()), audit)
        .await?
    {
        Ok(r) => Ok(r),
        Err(Some(r)) if r.applied_by == who.name() => Err(ClaimError::field(
            "actor",
            format!("备案 {id} 由 {} 提交，须由另一人审核", r.applied_by),
        )),
        Err(Some(r)) => Err(ClaimError::field(
            "registration",
            format!("备案 {id} {}，不是待审核的", r.state.label()),
        )),
        Err(None) => Err(ClaimError::field(
            "registration",
            format!("没有异地就医备案 {id}"),
        )),
    }
}
