//! Medical assistance (医疗救助) after insurance: whom it helps. 特困 and 低保 are known from the
//! assistance context's enrolments the moment a decision is made; the other objects —
//! members of 低保边缘 and 刚性支出困难 households, and 因病致贫重病患者 — are recognised (认定) by
//! the civil-affairs bureau for a period, recorded here with the basis, and read by every claim
//! settled on a day of it. The assistance itself is a layer of the settlement (the catalog's
//! `assistance_pays`), settled with the claim in one transaction (一站式结算).

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::access::Scope;
use minsheng_core::{FieldError, IdNumber};
use minsheng_store::{NewAuditEntry, Store};

use crate::domain::Aid;
use crate::storage::{MedicalStore as _, Recognition};
use crate::ClaimError;

/// The assistance catalog's programs whose recipients are objects of medical assistance, and
/// as what (programs.yaml codes).
pub const PROGRAMS: [(&str, Aid); 3] = [
    ("tekun_basic", Aid::Tekun),
    ("dibao", Aid::Dibao),
    ("single_person_dibao", Aid::Dibao),
];

/// The category enrolments in `programs` make a person: the fuller help where several do.
pub fn by_programs(programs: &[String]) -> Option<Aid> {
    (programs.iter())
        .filter_map(|p| PROGRAMS.iter().find(|(code, _)| code == p))
        .map(|(_, aid)| *aid)
        .min()
}

/// Current residents who are 特困 or 低保 objects of medical assistance in `month`, by their
/// enrolments: person, ID number and category, by person.
pub async fn enrolled_in(
    store: &Store,
    month: minsheng_core::Month,
) -> Result<Vec<(i64, IdNumber, Aid)>, minsheng_store::StoreError> {
    use minsheng_payments::PaymentsStore as _;
    let programs = PROGRAMS.map(|(program, _)| program);
    let enrolled = store.payments().persons_enrolled(month, &programs).await?;
    Ok((enrolled.into_iter())
        .filter_map(|(person, id, programs)| by_programs(&programs).map(|aid| (person, id, aid)))
        .collect())
}

/// A recognition as the bureau files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognise {
    pub id_number: IdNumber,
    pub category: Aid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The decision it rests on: the bureau's document number or the case.
    pub basis: String,
}

/// Files a recognition, with its audit entry, in one transaction; its id. Refused with the
/// field and the reason, nothing filed: a category the enrolments decide or none (`category`),
/// a period that ends before it begins or runs past a year (`to`), a period ending before
/// today (`to`: a recognition is a decision about now), no basis (`basis`), someone not a
/// current resident or one outside `scope` — staff recognise the residents of their own area
/// (`id_number`), a recognition of the person overlapping one on file (`from`).
pub async fn recognise(
    store: &Store,
    r: &Recognise,
    scope: &Scope,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<i64, ClaimError> {
    let today = minsheng_app::Clock::at(at).today;
    let mut errors = Vec::new();
    if !Aid::RECOGNISED.contains(&r.category) {
        errors.push(FieldError::new(
            "category",
            format!(
                "「{}」不由认定确定：特困人员和低保对象以救助决定为准；可认定的是{}",
                r.category.label(),
                Aid::RECOGNISED.map(|a| a.label()).join("、")
            ),
        ));
    }
    if r.to < r.from {
        errors.push(FieldError::new(
            "to",
            format!("认定期限止于 {}，早于起始日 {}", r.to, r.from),
        ));
    } else if r.from.checked_add_months(chrono::Months::new(12)) <= Some(r.to) {
        // A year at most, then the household is reviewed again (民政部等《关于加强低收入人口
        // 动态监测做好分层分类社会救助工作的意见》(2023): 动态监测, 定期核查).
        errors.push(FieldError::new(
            "to",
            format!("认定期限至多一年（{} 至 {}），期满重新核查", r.from, r.to),
        ));
    } else if r.to < today {
        errors.push(FieldError::new(
            "to",
            format!("认定期限止于 {}，已在今天之前", r.to),
        ));
    }
    if r.basis.trim().is_empty() {
        errors.push(FieldError::new("basis", "须写明认定依据（文号或案件）"));
    }
    let medical = store.medical();
    let insured = medical
        .insured(&r.id_number)
        .await?
        .filter(|i| match scope {
            Scope::Everything => true,
            Scope::Area(area) => i.area.is_within(area),
            Scope::Resident(_) | Scope::Nothing => false,
        });
    if insured.is_none() {
        errors.push(FieldError::new(
            "id_number",
            format!("你的辖区内没有在册居民 {}", r.id_number.masked()),
        ));
    }
    let (Some(insured), true) = (insured, errors.is_empty()) else {
        return Err(ClaimError::Invalid(errors));
    };
    let entry = NewAuditEntry {
        actor: actor.to_string(),
        action: "medical.aid.recognise".into(),
        subject: format!("person {}", insured.person_id),
        detail: format!(
            "{} 认定为{}（医疗救助）{} 至 {}，依据：{}",
            r.id_number.masked(),
            r.category.label(),
            r.from,
            r.to,
            r.basis.trim()
        ),
        at,
    };
    let filed = Recognition {
        id: 0,
        person_id: insured.person_id,
        category: r.category,
        from: r.from,
        to: r.to,
        basis: r.basis.trim().to_string(),
        recorded_at: at,
        recorded_by: actor.to_string(),
    };
    match medical.recognise(&filed, entry).await? {
        Ok(id) => Ok(id),
        Err(overlapping) => Err(ClaimError::field(
            "from",
            format!(
                "与已有认定重叠：{}（{} 至 {}）",
                overlapping.category.label(),
                overlapping.from,
                overlapping.to
            ),
        )),
    }
}
