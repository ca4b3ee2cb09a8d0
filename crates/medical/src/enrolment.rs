//! Everyone insured (全民参保): each resident's cover for a year with its contribution — what the
//! person pays, the fiscal subsidy, and what the medical-assistance fund pays for 特困, 低保 and
//! severely disabled residents (资助参保, found from the registry and the payments context's
//! enrolments, without application); newborns covered from their day of birth; lapses (断保)
//! found and reminded point to point, once a person and year; coverage by district. And the
//! synthetic city's hospitals and catalogue.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use minsheng_core::registry::{Employment, Illness, Registration};
use minsheng_core::{AreaCode, Fen};
use minsheng_store::{NewAuditEntry, Result, Store};

use crate::domain::{Class, Cover, Level, Scheme, Tier};
use crate::storage::{Hospital, Item, MedicalStore as _};

/// Why the medical-assistance fund pays a resident's contribution (资助参保).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Assisted {
    Tekun,
    Dibao,
    SevereDisability,
}

impl Assisted {
    pub fn as_str(self) -> &'static str {
        match self {
            Assisted::Tekun => "tekun",
            Assisted::Dibao => "dibao",
            Assisted::SevereDisability => "severe_disability",
        }
    }

    pub fn parse(text: &str) -> Option<Assisted> {
        [Assisted::Tekun, Assisted::Dibao, Assisted::SevereDisability]
            .into_iter()
            .find(|a| a.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Assisted::Tekun => "特困人员",
            Assisted::Dibao => "低保对象",
            Assisted::SevereDisability => "重度残疾人",
        }
    }
}

/// The assistance catalog's programs whose recipients are subsidised, by category: the
/// catalog's program codes (programs.yaml).
pub const ASSISTED_PROGRAMS: [(&str, Assisted); 3] = [
    ("tekun_basic", Assisted::Tekun),
    ("dibao", Assisted::Dibao),
    ("single_person_dibao", Assisted::Dibao),
];

/// A year's contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Contribution {
    /// What the person (or, for an employee, the person's own share) pays.
    pub personal: Fen,
    pub fiscal_subsidy: Fen,
    pub assistance_subsidy: Fen,
    pub assisted_as: Option<Assisted>,
    /// What the year credits to an employee's personal account.
    pub account_credit: Fen,
}

/// The contribution parameters of a year (`medical.contribution`), read on its first day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// By tier, in [`Tier::ALL`] order (the employees' tier has none).
    pub resident_personal: [Fen; 5],
    pub resident_fiscal: [Fen; 5],
    /// In ten-thousandths.
    pub employee_rate: i64,
    pub retiree_account_monthly: Fen,
    /// Per category, in ten-thousandths.
    pub assistance_share: [(Assisted, i64); 3],
}

impl Terms {
    /// The terms in force on `year`'s first day, or the parameter that has no value then.
    pub fn of(
        policy: &minsheng_policy::Policy,
        year: i32,
    ) -> Result<Terms, minsheng_core::FieldError> {
        use minsheng_policy::Value;
        let on = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        let value = |name: &str| parameter(policy, &format!("medical.contribution.{name}"), on);
        let money = |name: &str| match value(name)? {
            Value::Money(f) => Ok(f),
            Value::Int(i) => Ok(Fen(i * 100)),
            other => Err(minsheng_core::FieldError::new(
                "policy",
                format!("{name} 应为金额，而为 {other}"),
            )),
        };
        let rate = |name: &str| match value(name)? {
            Value::Number(n) => Ok(n.0),
            Value::Int(i) => Ok(i * minsheng_policy::value::Number::SCALE),
            other => Err(minsheng_core::FieldError::new(
                "policy",
                format!("{name} 应为比例，而为 {other}"),
            )),
        };
        let mut personal = [Fen(0); 5];
        let mut fiscal = [Fen(0); 5];
        for (i, tier) in Tier::ALL.iter().enumerate() {
            if *tier == Tier::Employee {
                continue;
            }
            if let (Some(p), Some(f)) = (personal.get_mut(i), fiscal.get_mut(i)) {
                *p = money(&format!("resident_personal.{}", tier.as_str()))?;
                *f = money(&format!("resident_fiscal_subsidy.{}", tier.as_str()))?;
            }
        }
        Ok(Terms {
            resident_personal: personal,
            resident_fiscal: fiscal,
            employee_rate: rate("employee_rate")?,
            retiree_account_monthly: money("retiree_account_monthly")?,
            assistance_share: [
                (Assisted::Tekun, rate("assistance_share.tekun")?),
                (Assisted::Dibao, rate("assistance_share.dibao")?),
                (
                    Assisted::SevereDisability,
                    rate("assistance_share.severe_disability")?,
                ),
            ],
        })
    }

    /// What `cover` costs for the year: a resident's by tier, less the assistance fund's share
    /// for a subsidised category; an employee's own share of a monthly wage; a retiree pays
    /// nothing. Shares round half away from zero to the fen.
    pub fn contribution(
        &self,
        cover: &Cover,
        monthly_wage: Fen,
        assisted: Option<Assisted>,
    ) -> Contribution {
        let at = |list: &[Fen; 5]| {
            Tier::ALL
                .iter()
                .position(|t| *t == cover.tier)
                .and_then(|i| list.get(i).copied())
                .unwrap_or(Fen(0))
        };
        let share = |amount: Fen, per_10k: i64| {
            Fen((i128::from(amount.0) * i128::from(per_10k) + 5_000)
                .div_euclid(10_000)
                .try_into()
                .unwrap_or(0))
        };
        match cover.scheme {
            Scheme::Resident => {
                let full = at(&self.resident_personal);
                let per_10k = assisted
                    .and_then(|a| self.assistance_share.iter().find(|(c, _)| *c == a))
                    .map_or(0, |(_, r)| *r);
                let assistance = share(full, per_10k).min(full);
                Contribution {
                    personal: Fen(full.0 - assistance.0),
                    fiscal_subsidy: at(&self.resident_fiscal),
                    assistance_subsidy: assistance,
                    assisted_as: assisted.filter(|_| assistance.0 > 0),
                    account_credit: Fen(0),
                }
            }
            Scheme::Employee if cover.retired => Contribution {
                account_credit: Fen(self.retiree_account_monthly.0 * 12),
                ..Contribution::default()
            },
            Scheme::Employee => {
                let own = share(Fen(monthly_wage.0 * 12), self.employee_rate);
                Contribution {
                    personal: own,
                    account_credit: own,
                    ..Contribution::default()
                }
            }
        }
    }
}

/// The value the catalog's parameter `key` has on `on`, or the error a use case answers with.
pub(crate) fn parameter(
    policy: &minsheng_policy::Policy,
    key: &str,
    on: NaiveDate,
) -> Result<minsheng_policy::Value, minsheng_core::FieldError> {
    policy
        .parameters
        .leaves
        .get(key)
        .and_then(|p| p.at(on))
        .and_then(|d| d.value)
        .ok_or_else(|| {
            minsheng_core::FieldError::new("policy", format!("参数 {key} 在 {on} 没有取值"))
        })
}

/// A parameter counted in whole months.
pub(crate) fn months(
    policy: &minsheng_policy::Policy,
    key: &str,
    on: NaiveDate,
) -> Result<i64, minsheng_core::FieldError> {
    match parameter(policy, key, on)? {
        minsheng_policy::Value::Int(n) => Ok(n),
        other => Err(minsheng_core::FieldError::new(
            "policy",
            format!("参数 {key} 应为整数月数，而为 {other}"),
        )),
    }
}

/// The synthetic catalogue: a few items of each class, as a hospital's bills name them.
pub const ITEMS: &[(&str, &str, Class)] = &[
    ("CW001", "床位费", Class::A),
    ("HL001", "护理费", Class::A),
    ("XY001", "阿莫西林胶囊", Class::A),
    ("XY002", "二甲双胍片", Class::A),
    ("XY003", "硝苯地平缓释片", Class::A),
    ("JC001", "血常规检查", Class::A),
    ("XY101", "阿托伐他汀钙片", Class::B),
    ("JC101", "CT检查", Class::B),
    ("SS101", "阑尾切除术", Class::B),
    ("XY201", "进口人工晶体", Class::C),
    ("ZF001", "特需病房差价", Class::Outside),
];

/// Whether a person is covered for `year`, and how, as the registry suggests: `None` for one
/// who died before the year began or is not born by its end.
pub fn suggested_cover(person_id: i64, r: &Registration, year: i32) -> Option<Cover> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31)?;
    if r.facts.death_date.is_some_and(|d| d <= first) || r.birth_date > last {
        return None;
    }
    let age = minsheng_policy::inputs::age_on(r.birth_date, first);
    let (scheme, tier, retired) = match r.facts.employment {
        _ if age < 18 => (Scheme::Resident, Tier::Child, false),
        Employment::Student => (Scheme::Resident, Tier::Student, false),
        Employment::Employed => (Scheme::Employee, Tier::Employee, false),
        Employment::Retired => (Scheme::Employee, Tier::Employee, true),
        // Adults choose their tier; about three in ten the higher one.
        _ if person_id.rem_euclid(10) < 3 => (Scheme::Resident, Tier::Adult1, false),
        _ => (Scheme::Resident, Tier::Adult2, false),
    };
    let illnesses = &r.facts.illnesses;
    Some(Cover {
        scheme,
        tier,
        retired,
        two_diseases: illnesses.contains(Illness::Hypertension)
            || illnesses.contains(Illness::Diabetes),
        from: first.max(r.birth_date),
        to: r.facts.death_date.map_or(last, |d| d.min(last)),
    })
}

/// What [`file_synthetic`] filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filed {
    pub hospitals: usize,
    pub items: usize,
    pub covered: usize,
    pub accounts: usize,
    /// Covered with the medical-assistance fund paying (资助参保).
    pub subsidised: usize,
}

/// Files the synthetic city's hospitals (a tier-3 hospital in each district, a tier-2 and a
/// tier-1 in each street; kept as they are when filed before), the catalogue, and every
/// resident's cover for `year` with its contribution: subsidised for the assistance catalog's
/// recipients (as enrolled in the year's last month, or this month) and for severely disabled
/// residents, an employee's share
/// from the registry's wage, each employee's personal account credited. About one adult
/// resident in fifty does not pay that year (a lapse to find). Run once per year: a second
/// run for the same year is refused, nothing changed.
pub async fn file_synthetic(
    store: &Store,
    policy: &minsheng_policy::Policy,
    year: i32,
    actor: &str,
    at: DateTime<Utc>,
) -> std::result::Result<Filed, crate::ClaimError> {
    let terms = Terms::of(policy, year).map_err(|e| crate::ClaimError::Invalid(vec![e]))?;
    let medical = store.medical();
    let streets: Vec<(AreaCode, String)> = (store.areas().await?.into_iter())
        .filter(|a| a.code.as_str().len() == 9)
        .map(|a| (a.code, a.name))
        .collect();
    let note = |action: &str, detail: String| NewAuditEntry {
        actor: actor.to_string(),
        action: action.into(),
        subject: format!("medical {year}"),
        detail,
        at,
    };
    let mut hospitals = Vec::new();
    let districts: BTreeSet<AreaCode> = streets
        .iter()
        .filter_map(|(a, _)| a.as_str().get(..6).and_then(|d| AreaCode::parse(d).ok()))
        .collect();
    for d in &districts {
        hospitals.push(Hospital {
            code: format!("H{}", d.as_str()),
            name: format!("{}区级医院", d.as_str()),
            level: Level::Tier3,
            area: d.clone(),
        });
    }
    for (street, name) in &streets {
        for (level, kind) in [
            (Level::Tier2, "中心医院"),
            (Level::Tier1, "社区卫生服务中心"),
        ] {
            hospitals.push(Hospital {
                code: format!("H{}{}", street.as_str(), &level.as_str()[5..]),
                name: format!("{name}{kind}"),
                level,
                area: street.clone(),
            });
        }
    }
    if medical.hospitals().await?.is_empty() {
        medical
            .add_hospitals(
                &hospitals,
                actor,
                note(
                    "medical.hospitals",
                    format!("{} 家定点医疗机构", hospitals.len()),
                ),
            )
            .await?;
    }
    let items: Vec<Item> = ITEMS
        .iter()
        .map(|(code, name, class)| Item {
            code: code.to_string(),
            name: name.to_string(),
            class: *class,
        })
        .collect();
    medical
        .add_items(
            &items,
            actor,
            note("medical.items", format!("{} 项目录", items.len())),
        )
        .await?;
    let assisted = assisted_households(store, year, at, None).await?;
    let mut enrolled = Vec::new();
    let on = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    store
        .scan_registry(last.min(at.date_naive()).max(on), |p| {
            let Some(cover) = suggested_cover(p.person_id, &p.registration, year) else {
                return Ok::<_, minsheng_store::StoreError>(());
            };
            let category = category(&assisted, p.household_id, p.person_id, &p.registration);
            let adult_resident = matches!(cover.tier, Tier::Adult1 | Tier::Adult2);
            if adult_resident && category.is_none() && lapses(p.person_id, year) {
                return Ok(());
            }
            if category.is_none() && insured_elsewhere(p.person_id, &cover) {
                return Ok(());
            }
            let wage = p
                .registration
                .facts
                .income
                .get(minsheng_core::registry::IncomeKind::Wage);
            let contribution = terms.contribution(&cover, wage, category);
            enrolled.push((p.person_id, cover, contribution));
            Ok(())
        })
        .await?;
    let credits: Vec<(i64, Fen)> = enrolled
        .iter()
        .filter(|(_, _, c)| c.account_credit.0 > 0)
        .map(|(id, _, c)| (*id, c.account_credit))
        .collect();
    let subsidised = enrolled
        .iter()
        .filter(|(_, _, c)| c.assisted_as.is_some())
        .count();
    medical
        .enrol(
            &enrolled,
            actor,
            note(
                "medical.enrol",
                format!("{} 人参保，其中资助参保 {subsidised} 人", enrolled.len()),
            ),
        )
        .await?;
    medical
        .credit_accounts(
            &credits,
            note(
                "medical.accounts",
                format!("{} 个个人账户划入", credits.len()),
            ),
        )
        .await?;
    Ok(Filed {
        hospitals: hospitals.len(),
        items: items.len(),
        covered: enrolled.len(),
        accounts: credits.len(),
        subsidised,
    })
}

/// Per mille of the synthetic city's adults and children in the residents' scheme who are
/// insured in another area — where their hukou is — and so not here, the same persons every
/// year. The city reports 9.39M insured (医保发布会) for about 10.3M residents: 91.2%. Of the
/// synthetic city, 99.7% would be covered here and 38.8% are adults or children in the
/// residents' scheme not subsidised; 21.6% of those make up the difference. (University
/// students are insured where they study; employees where they work; the assistance fund
/// enrols its recipients here.)
pub const INSURED_ELSEWHERE_PER_MILLE: u16 = 216;

/// Whether the synthetic city's resident `person_id`, whom the registry makes eligible for
/// `cover`, is insured in another area (see [`INSURED_ELSEWHERE_PER_MILLE`]).
pub fn insured_elsewhere(person_id: i64, cover: &Cover) -> bool {
    use sha2::{Digest, Sha256};
    if !matches!(cover.tier, Tier::Adult1 | Tier::Adult2 | Tier::Child) {
        return false;
    }
    let hash = Sha256::digest(format!("insured elsewhere {person_id}").as_bytes());
    let draw = match (hash.first(), hash.get(1)) {
        (Some(high), Some(low)) => u16::from_be_bytes([*high, *low]),
        _ => u16::MAX,
    };
    draw % 1000 < INSURED_ELSEWHERE_PER_MILLE
}

/// Whether the synthetic city's adult resident `person_id` leaves `year` unpaid (one in fifty).
fn lapses(person_id: i64, year: i32) -> bool {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(format!("lapse {person_id} {year}").as_bytes());
    hash.first().copied().unwrap_or(255) < 5
}

/// The households and persons the assistance catalog's subsidised programs reach in `year`'s
/// last month (this month, for the year under way), as the payments context has them enrolled:
/// the whole city's, or one household's.
async fn assisted_households(
    store: &Store,
    year: i32,
    at: DateTime<Utc>,
    household_id: Option<i64>,
) -> Result<std::collections::HashMap<(i64, Option<i64>), Assisted>> {
    use minsheng_payments::PaymentsStore as _;
    let mut out = std::collections::HashMap::new();
    // The year's last month, or this month for the year under way: who is a recipient when
    // the year's cover is filed.
    let Some(december) = minsheng_core::Month::new(year, 12) else {
        return Ok(out);
    };
    let month = december.min(minsheng_core::Month::containing(at.date_naive()));
    let payments = store.payments();
    let enrolled = match household_id {
        None => payments.enrolled(month, at).await?,
        Some(household) => payments.enrolled_household(month, at, household).await?,
    };
    for (program, category) in ASSISTED_PROGRAMS {
        for unit in enrolled.get(program).into_iter().flatten() {
            let key = (unit.household_id, unit.person_id);
            let slot = out.entry(key).or_insert(category);
            // 特困 before 低保: the fuller subsidy.
            *slot = (*slot).min(category);
        }
    }
    Ok(out)
}

/// The category a person is subsidised under, if any: a program of theirs or their
/// household's, else a disability of grade 1 or 2 (重度).
fn category(
    assisted: &std::collections::HashMap<(i64, Option<i64>), Assisted>,
    household_id: i64,
    person_id: i64,
    r: &Registration,
) -> Option<Assisted> {
    let by_program = [
        assisted.get(&(household_id, Some(person_id))),
        assisted.get(&(household_id, None)),
    ]
    .into_iter()
    .flatten()
    .min()
    .copied();
    by_program.or_else(|| {
        r.facts
            .disability
            .filter(|d| d.grade() <= 2)
            .map(|_| Assisted::SevereDisability)
    })
}

/// Why a resident is reminded to pay: no cover this year after last year's (断保), or a cover
/// stopped within the year with none after it (停保, [`crate::stop`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Lapsed,
    Stopped,
}

impl Cause {
    pub fn label(self) -> &'static str {
        match self {
            Cause::Lapsed => "断保",
            Cause::Stopped => "停保",
        }
    }
}

/// A resident to remind: covered last year and not this year (断保), or whose cover stopped
/// this year with none after it (停保); `last` is that cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lapse {
    pub person_id: i64,
    pub id_number: minsheng_core::IdNumber,
    pub household: String,
    pub area: AreaCode,
    pub last: Cover,
    pub cause: Cause,
}

/// The notice a resident is sent: once a person and cause — a lapse once a year, a stop once
/// a cover's last day (its key). A stop tells the day by which paying continues the cover.
pub fn reminder(
    lapse: &Lapse,
    year: i32,
    continuity: crate::transfer::Continuity,
) -> minsheng_notify::Notice {
    let (key, title, body) = match lapse.cause {
        Cause::Lapsed => (
            format!("medical:lapse:{}:{year}", lapse.person_id),
            format!("{year}年度基本医疗保险尚未缴费"),
            format!(
                "您{}年度参加了{}，{year}年度尚未缴费参保。未参保期间发生的医疗费用，医保基金不予支付。\
                 请通过“爱山东”APP、“青岛医疗保障”微信公众号或就近的医保服务窗口缴费；\
                 如已在外地参保或不需参保，可到医保服务窗口说明。",
                year - 1,
                lapse.last.scheme.label()
            ),
        ),
        Cause::Stopped => (
            format!("medical:stop:{}:{}", lapse.person_id, lapse.last.to),
            "基本医疗保险已停保".to_string(),
            format!(
                "您参加的{}已于 {} 停保，此后发生的医疗费用，医保基金不予支付。\
                 在 {} 前参加居民医保或以灵活就业人员身份参加职工医保的，视为连续参保，不设待遇等待期，\
                 中断期间的待遇可追溯享受（切换险种的，须此前已连续参保满{}个月）。\
                 请通过“爱山东”APP、“青岛医疗保障”微信公众号或就近的医保服务窗口办理；\
                 如已在外地参保，可到医保服务窗口说明。",
                lapse.last.scheme.label(),
                lapse.last.to,
                continuity.latest_after(lapse.last.to),
                continuity.switch_months
            ),
        ),
    };
    minsheng_notify::Notice {
        key,
        kind: minsheng_notify::Kind::InsuranceLapsed,
        to: lapse.id_number.clone(),
        household: lapse.household.clone(),
        title,
        body,
    }
}

/// Residents to remind for `year`, found from the insured registry: covered for `year - 1` and
/// not for `year` (断保), then those whose cover stopped in `year` with none after it (停保);
/// one whose insurance was transferred out to another area has neither.
pub async fn lapses_of(store: &Store, year: i32) -> Result<Vec<Lapse>> {
    let mut lapses = store.medical().lapses(year).await?;
    lapses.extend(store.medical().stopped(year).await?);
    Ok(lapses)
}

/// Queues a reminder for each lapse of `year` (each person once a year, whoever runs it and
/// however often), with one audit entry; how many were new.
pub async fn remind_lapses(
    store: &Store,
    policy: &minsheng_policy::Policy,
    year: i32,
    actor: &str,
    at: DateTime<Utc>,
) -> std::result::Result<u64, crate::ClaimError> {
    let today = minsheng_app::Clock::at(at).today;
    let continuity = crate::transfer::Continuity::of(policy, today)
        .map_err(|e| crate::ClaimError::Invalid(vec![e]))?;
    let lapses = lapses_of(store, year).await?;
    let notices: Vec<minsheng_notify::Notice> = lapses
        .iter()
        .map(|l| reminder(l, year, continuity))
        .collect();
    let stopped = lapses.iter().filter(|l| l.cause == Cause::Stopped).count();
    store
        .medical()
        .queue_reminders(
            &notices,
            at,
            NewAuditEntry {
                actor: actor.to_string(),
                action: "medical.remind_lapses".into(),
                subject: format!("medical {year}"),
                detail: format!("{} 人断保，{stopped} 人停保", lapses.len() - stopped),
                at,
            },
        )
        .await
        .map_err(crate::ClaimError::from)
}

/// Newborns of `year` not yet covered, covered from their day of birth as residents' children
/// (出生一件事: the birth registered, the child insured), with one audit entry; how many.
pub async fn enrol_newborns(
    store: &Store,
    policy: &minsheng_policy::Policy,
    year: i32,
    actor: &str,
    at: DateTime<Utc>,
) -> std::result::Result<usize, crate::ClaimError> {
    let terms = Terms::of(policy, year).map_err(|e| crate::ClaimError::Invalid(vec![e]))?;
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let uncovered = store.medical().uncovered_born(year, first, last).await?;
    let enrolled: Vec<(i64, Cover, Contribution)> = uncovered
        .into_iter()
        .map(|(person_id, born)| {
            let cover = Cover {
                scheme: Scheme::Resident,
                tier: Tier::Child,
                retired: false,
                two_diseases: false,
                from: born,
                to: last,
            };
            let c = terms.contribution(&cover, Fen(0), None);
            (person_id, cover, c)
        })
        .collect();
    if !enrolled.is_empty() {
        store
            .medical()
            .enrol(
                &enrolled,
                actor,
                NewAuditEntry {
                    actor: actor.to_string(),
                    action: "medical.enrol_newborns".into(),
                    subject: format!("medical {year}"),
                    detail: format!("{} 名新生儿参保", enrolled.len()),
                    at,
                },
            )
            .await?;
    }
    Ok(enrolled.len())
}

/// A resident's own payment for a year of residents' insurance (居民医保缴费), at a service
/// counter or online: who, for which year, and — for an adult — which tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paying {
    pub id_number: minsheng_core::IdNumber,
    pub year: i32,
    /// 一档 or 二档 for an adult; a child or a student has the tier of their age or study.
    pub tier: Option<Tier>,
    /// A university student may pay once for every year of the course (大学生在校期间一次性
    /// 缴费): the course's last year, each year from `year` to it covered by that year's terms.
    pub until: Option<i32>,
}

/// The most years one payment covers for a student: the longest course (本硕博连读).
pub const COURSE_MOST_YEARS: i32 = 8;

/// What a payment filed: the cover and its contribution, and the waiting months before the
/// cover pays (none when paid before the year began or for a newborn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    pub person_id: i64,
    pub cover: Cover,
    pub contribution: Contribution,
    pub waiting_months: i64,
    /// A student's further years of the course paid at once, each with its contribution.
    pub later_years: Vec<(Cover, Contribution)>,
}

/// The waiting period's parameters of a year (`medical.contribution.waiting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub fixed_months: i64,
    pub per_lapsed_year_months: i64,
    pub most_months: i64,
}

impl Waiting {
    pub fn of(
        policy: &minsheng_policy::Policy,
        year: i32,
    ) -> std::result::Result<Waiting, minsheng_core::FieldError> {
        let on = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
        let months =
            |name: &str| months(policy, &format!("medical.contribution.waiting.{name}"), on);
        Ok(Waiting {
            fixed_months: months("fixed_months")?,
            per_lapsed_year_months: months("per_lapsed_year_months")?,
            most_months: months("most_months")?,
        })
    }

    /// The months to wait after paying on `paid_on` for `year`: none when paid before the year
    /// began (the collection period) by a person with no lapsed year before it; otherwise the
    /// fixed months, plus the variable ones for each year lapsed just before, within the most.
    pub fn months(&self, year: i32, paid_on: NaiveDate, lapsed_years: i64) -> i64 {
        let in_period = paid_on.year() < year;
        if in_period && lapsed_years == 0 {
            return 0;
        }
        (self.fixed_months + self.per_lapsed_year_months * lapsed_years).min(self.most_months)
    }
}

/// Files a resident's own payment for `year` (this year, or next year before it begins): the
/// cover the registry makes them eligible for, its contribution by the year's terms, and the
/// waiting period of the national rules (国办发〔2024〕38号) when paid after the year began or
/// after lapsed years — none, and the cover from the day after, when paid soon enough after a
/// transfer into the city ([`crate::transfer::Continuity`]); a university student may pay for
/// every year of the course at once (`until`), each later year whole and by its own terms; all
/// in one transaction with its audit entry. Refused, nothing changed: a person who is not a
/// current resident, a past year or one beyond the next, an employee (the employer pays
/// monthly), a resident whom the medical-assistance fund enrols (资助参保), a tier that does
/// not fit the person, a year already paid (field `year`: any year of a course), a course for
/// someone not a student or longer than [`COURSE_MOST_YEARS`] (`until`).
pub async fn pay(
    store: &Store,
    policy: &minsheng_policy::Policy,
    paying: &Paying,
    actor: &str,
    at: DateTime<Utc>,
) -> std::result::Result<Paid, crate::ClaimError> {
    let refuse = |field: &str, reason: String| {
        crate::ClaimError::Invalid(vec![minsheng_core::FieldError::new(field, reason)])
    };
    let today = minsheng_app::Clock::at(at).today;
    let year = paying.year;
    if year < today.year() {
        return Err(refuse("year", format!("{year} 年度已过，不能再缴费参保")));
    }
    if year > today.year() + 1 {
        return Err(refuse(
            "year",
            format!("最远可缴纳下一年度（{}）的居民医保费", today.year() + 1),
        ));
    }
    let terms = Terms::of(policy, year).map_err(|e| crate::ClaimError::Invalid(vec![e]))?;
    let waiting = Waiting::of(policy, year).map_err(|e| crate::ClaimError::Invalid(vec![e]))?;
    let medical = store.medical();
    let Some((person_id, household_id, household)) = medical.resident(&paying.id_number).await?
    else {
        return Err(refuse(
            "id_number",
            format!("登记中没有在册居民 {}", paying.id_number.masked()),
        ));
    };
    let file = store.household_file(&household).await?;
    let registration = file
        .members
        .iter()
        .filter(|m| m.person.id_number == paying.id_number)
        .find_map(|m| {
            let v = m
                .versions
                .iter()
                .rev()
                .find(|r| r.superseded_at.is_none() && r.version.holds_on(today))?;
            Some(Registration {
                person: m.person.clone(),
                sex: m.person.sex(),
                birth_date: m.person.birth_date(),
                facts: v.version.facts.clone(),
                effective_from: v.version.valid_from,
            })
        })
        .ok_or_else(|| refuse("id_number", "登记中此人今天没有有效的登记".into()))?;
    let Some(mut cover) = suggested_cover(person_id, &registration, year) else {
        return Err(refuse(
            "id_number",
            format!(
                "{} 在 {year} 年度不在世或尚未出生",
                paying.id_number.masked()
            ),
        ));
    };
    if cover.scheme == Scheme::Employee {
        return Err(refuse(
            "id_number",
            "参加职工医保，由用人单位按月申报缴纳，不在此缴费".into(),
        ));
    }
    let adult = matches!(cover.tier, Tier::Adult1 | Tier::Adult2);
    match paying.tier {
        Some(t @ (Tier::Adult1 | Tier::Adult2)) if adult => cover.tier = t,
        None if adult => {
            return Err(refuse("tier", "成年居民须选择一档或二档".into()));
        }
        Some(t) if t != cover.tier => {
            return Err(refuse(
                "tier",
                format!(
                    "此人应参加「{}」，不能选「{}」",
                    cover.tier.label(),
                    t.label()
                ),
            ));
        }
        _ => {}
    }
    let last_year = match paying.until {
        None => year,
        Some(_) if cover.tier != Tier::Student => {
            return Err(refuse(
                "until",
                "只有在校大学生可一次缴纳在校期间各年度的居民医保费".into(),
            ));
        }
        Some(until) if until < year || until - year >= COURSE_MOST_YEARS => {
            return Err(refuse(
                "until",
                format!(
                    "在校期间的最后年度应在 {year} 至 {} 之间",
                    year + COURSE_MOST_YEARS - 1
                ),
            ));
        }
        Some(until) => until,
    };
    let assisted = assisted_households(store, year, at, Some(household_id)).await?;
    if let Some(category) = category(&assisted, household_id, person_id, &registration) {
        return Err(refuse(
            "id_number",
            format!(
                "属{}，由医疗救助基金资助参保，无需个人在此缴费",
                category.label()
            ),
        ));
    }
    let newborn = cover.from == registration.birth_date && registration.birth_date.year() == year;
    // Years lapsed are counted from the last year the person was covered: here, or in the
    // area whose sheet a transfer brought (`transfer`). A person never covered anywhere we
    // know of waits the fixed months only.
    let received = medical.transfers_received(person_id).await?;
    let history = medical.history(person_id).await?;
    let here = history.iter().map(|(y, _)| *y).find(|y| *y < year);
    let there = received.first().map(|s| s.covered_until.year());
    let lapsed = here
        .max(there)
        .map_or(0, |last| i64::from(year - 1 - last).max(0));
    // Paid soon enough after a transfer, the cover continues the one the sheet ended: from the
    // day after it, with no waiting period (医保办发〔2021〕43号 第十一条).
    let continuity = crate::transfer::Continuity::of(policy, today)
        .map_err(|e| crate::ClaimError::Invalid(vec![e]))?;
    let continued = received
        .first()
        .filter(|s| continuity.continues(s, cover.scheme, today));
    if let Some(sheet) = continued {
        if sheet.covered_until >= cover.to {
            return Err(refuse(
                "year",
                format!(
                    "转出地（{}）参保至 {}，{year} 年度无需在本市缴费",
                    sheet.other_area, sheet.covered_until
                ),
            ));
        }
        cover.from = cover
            .from
            .max(sheet.covered_until.succ_opt().unwrap_or(NaiveDate::MAX));
    }
    // Paid soon enough after the city's own cover stopped within a year (停保), likewise:
    // from the day after it, with no waiting period; a change of scheme after two years of
    // cover without a break (the same 第十一条). An ordinary year's end is not a stop: a
    // renewal after the collection period waits (国办发〔2024〕38号).
    let stop = history
        .iter()
        .map(|(_, c)| c)
        .find(|c| c.from <= cover.to)
        .filter(|c| c.to < year_end(c.to) && c.to < cover.to)
        .filter(|c| {
            let since = crate::transfer::unbroken_since(
                history.iter().map(|(_, h)| h).filter(|h| h.from <= c.from),
                continuity,
            )
            .unwrap_or(c.from);
            let ended = crate::transfer::Ended {
                on: c.to,
                scheme: c.scheme,
                continuous_months: crate::transfer::months_touched(since, c.to),
            };
            continuity.continues_after(ended, cover.scheme, today)
        });
    if let Some(stopped) = stop {
        cover.from = cover
            .from
            .max(stopped.to.succ_opt().unwrap_or(NaiveDate::MAX));
    }
    let waiting_months = if newborn || continued.is_some() || stop.is_some() {
        0
    } else {
        waiting.months(year, today, lapsed)
    };
    if waiting_months > 0 {
        let starts = today
            .max(cover.from)
            .checked_add_months(chrono::Months::new(
                u32::try_from(waiting_months).unwrap_or(0),
            ))
            .unwrap_or(NaiveDate::MAX);
        cover.from = cover.from.max(starts);
    }
    if cover.from > cover.to {
        return Err(refuse(
            "year",
            format!(
                "待遇等待期 {waiting_months} 个月，至 {} 方可享受待遇，已晚于 {year} 年度末",
                cover.from
            ),
        ));
    }
    let contribution = terms.contribution(&cover, Fen(0), None);
    // The course's further years, each whole and by its own year's terms.
    let mut later_years = Vec::new();
    for later in year + 1..=last_year {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(later, 1, 1),
            NaiveDate::from_ymd_opt(later, 12, 31),
        ) else {
            return Err(refuse("until", format!("{later} 不是有效年度")));
        };
        let terms = Terms::of(policy, later).map_err(|e| crate::ClaimError::Invalid(vec![e]))?;
        let cover = Cover {
            from: first,
            to: last,
            ..cover.clone()
        };
        let contribution = terms.contribution(&cover, Fen(0), None);
        later_years.push((cover, contribution));
    }
    let paid_in_all = Fen::total(
        std::iter::once(contribution.personal).chain(later_years.iter().map(|(_, c)| c.personal)),
    )
    .map_err(|e| refuse("until", e.to_string()))?;
    let covers: Vec<(i64, Cover, Contribution)> = std::iter::once((cover.clone(), contribution))
        .chain(later_years.iter().cloned())
        .map(|(c, money)| (person_id, c, money))
        .collect();
    let course = match last_year {
        y if y > year => format!("；在校期间一次缴纳至 {y} 年度"),
        _ => String::new(),
    };
    medical
        .enrol(
            &covers,
            actor,
            NewAuditEntry {
                actor: actor.to_string(),
                action: "medical.pay".into(),
                subject: format!("medical {year}"),
                detail: format!(
                    "{} {} 缴费 {paid_in_all}，待遇自 {} 起（等待期 {waiting_months} 个月）{course}",
                    paying.id_number.masked(),
                    cover.tier.label(),
                    cover.from
                ),
                at,
            },
        )
        .await?;
    Ok(Paid {
        person_id,
        cover,
        contribution,
        waiting_months,
        later_years,
    })
}

/// The last day of `day`'s year.
fn year_end(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The year `at` falls in.
pub fn year_of(at: DateTime<Utc>) -> i32 {
    at.date_naive().year()
}
