//! The synthetic city's long-term care for a month, calibrated to the seed: a care provider in
//! each district designated for every form; every resident covered on the month's first day
//! whom the registry's ability assessment finds 重度 or 完全失能 qualified with their district's
//! provider (a form drawn at the city's assumed mix: a quarter institutional, a third home
//! care, the rest family care); each provider's month claimed through the same use case a
//! provider's system uses (most beneficiaries cared for the whole month, some from a day in
//! it, some until a day), and the figures set beside the published ones (5.86亿元 for 6.25万
//! people in nine months, 青岛市“十四五”民生保障新闻发布会, 2025-12-03). Again for the same month:
//! nothing new.

use minsheng_app::Clock;
use minsheng_core::{AreaLevel, Fen, Month};
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Store};

use super::domain::{Form, Provider, Qualification};
use super::storage::CareStore as _;
use crate::settlement::ClaimError;

/// The published figures: beneficiaries, and what the fund paid them, in nine months.
pub const SEED_BENEFICIARIES: i64 = 62_500;
pub const SEED_FUND_NINE_MONTHS: Fen = Fen(58_600_000_000);
/// The population the seed's figures are of, as this catalog reads them (about ten million).
pub const SEED_POPULATION: i64 = 10_000_000;

/// What a synthetic month came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub month: Month,
    pub residents: i64,
    pub providers: u64,
    pub qualified_now: u64,
    pub beneficiaries: u64,
    pub days: i64,
    pub cost: Fen,
    pub fund: Fen,
    /// The published figures scaled to this city's residents: beneficiaries, the fund a month.
    pub seed_beneficiaries: i64,
    pub seed_fund: Fen,
}

/// A number from 0 to 99 drawn from a person and a purpose, the same every run.
fn draw(person_id: i64, salt: u64) -> u64 {
    let x = (person_id as u64)
        .wrapping_add(salt)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (x ^ (x >> 29)) % 100
}

fn form_of(person_id: i64) -> Form {
    match draw(person_id, 1) {
        0..=24 => Form::Institutional,
        25..=59 => Form::Home,
        _ => Form::Family,
    }
}

/// Files the synthetic city's long-term care for `month` (a month that has ended) as `actor`.
pub async fn file_month(
    store: &Store,
    policy: &Policy,
    month: Month,
    actor: &str,
    clock: Clock,
) -> Result<Figures, ClaimError> {
    if month.last_day() >= clock.today {
        return Err(ClaimError::field(
            "month",
            format!("{month} 尚未结束，月末后再申报"),
        ));
    }
    let care = store.care();
    let first = month.first_day();
    let mut providers = Vec::new();
    for area in store.areas().await? {
        if area.code.level() != AreaLevel::District {
            continue;
        }
        let code = format!("LTC{}", area.code.as_str());
        if care.provider(&code).await?.is_none() {
            let p = Provider {
                code: code.clone(),
                name: format!("{}长期护理服务中心", area.name),
                area: area.code.clone(),
                forms: Form::ALL.to_vec(),
                bank_account: format!("62170000{}", area.code.as_str()),
                registered_on: first,
            };
            let audit = NewAuditEntry {
                actor: actor.into(),
                action: "ltc.provider.register".into(),
                subject: format!("ltc_provider:{code}"),
                detail: format!("{code} {}（合成城市）", p.name),
                at: clock.now,
            };
            care.add_provider(&p, (actor, clock.now), audit).await?;
        }
        providers.push(area.code);
    }
    let mut qualified_now = 0;
    for (person_id, area, ability) in care.severely_disabled(first).await? {
        let Some(district) = area.district() else {
            continue;
        };
        let q = Qualification {
            id: 0,
            person_id,
            provider: format!("LTC{}", district.as_str()),
            form: form_of(person_id),
            grade: if ability == minsheng_core::registry::AbilityLevel::Complete {
                5
            } else {
                3 + u8::from(draw(person_id, 2) < 50)
            },
            ability: Some(ability),
            assessed_by: "合成城市失能评估".into(),
            assessed_on: first - chrono::Duration::days(15),
            from: first,
            to: None,
            recorded_at: clock.now,
            recorded_by: actor.into(),
        };
        let audit = |id: i64, _: Option<&Qualification>| NewAuditEntry {
            actor: actor.into(),
            action: "ltc.qualify".into(),
            subject: format!("person {person_id}"),
            detail: format!("长护待遇资格 {id}（合成城市）自 {first}"),
            at: clock.now,
        };
        // A person qualified before (a run of another month) keeps that qualification.
        if care.qualify(&q, audit).await?.is_ok() {
            qualified_now += 1;
        }
    }
    let (mut beneficiaries, mut days, mut cost, mut fund) = (0, 0, Fen::ZERO, Fen::ZERO);
    let last = month.last_day();
    for district in &providers {
        let code = format!("LTC{}", district.as_str());
        let claimed = match care.month_of(&code, month).await? {
            Some(m) => m,
            None => {
                let rows: Vec<(String, String, String)> = (care.cared_for(&code, month).await?)
                    .into_iter()
                    .filter(|(q, _, died)| {
                        q.from <= first
                            && q.to.is_none_or(|t| t >= last)
                            && died.is_none_or(|d| d > last)
                    })
                    .map(|(q, id, _)| {
                        // Most are cared for the whole month; some begin in it, some end.
                        let day = |n: u64| {
                            first + chrono::Duration::days(i64::try_from(n % 27).unwrap_or(0) + 1)
                        };
                        let (from, to) = match draw(q.person_id, 3) {
                            0..=84 => (first, last),
                            85..=94 => (day(draw(q.person_id, 4)), last),
                            _ => (first, day(draw(q.person_id, 5))),
                        };
                        (id.as_str().to_string(), from.to_string(), to.to_string())
                    })
                    .collect();
                if rows.is_empty() {
                    continue;
                }
                super::claim_for(store, policy, (&code, actor), month, &rows, clock).await?
            }
        };
        beneficiaries += claimed.cares.len() as u64;
        days += (claimed.cares.iter())
            .flat_map(|c| &c.stretches)
            .map(|s| s.days)
            .sum::<i64>();
        cost = cost
            .checked_add(claimed.total)
            .ok_or_else(|| ClaimError::field("month", "合计金额溢出"))?;
        fund = fund
            .checked_add(claimed.fund)
            .ok_or_else(|| ClaimError::field("month", "合计金额溢出"))?;
    }
    let residents = store.counts().await?.persons;
    let scale = |n: i64| n.saturating_mul(residents) / SEED_POPULATION;
    Ok(Figures {
        month,
        residents,
        providers: providers.len() as u64,
        qualified_now,
        beneficiaries,
        days,
        cost,
        fund,
        seed_beneficiaries: scale(SEED_BENEFICIARIES),
        seed_fund: Fen(scale(SEED_FUND_NINE_MONTHS.0) / 9),
    })
}
