//! The synthetic city's claims: a month of visits for everyone covered, drawn from each
//! person's key, the month and a seed (the same whoever asks), each posted by the hospital
//! that would see it and settled in date order. Claim numbers come from the same draw, so a
//! month posted again answers its first settlements and moves nothing.
//!
//! The mix is this generator's own, calibrated to the city's published figures
//! (docs/calibration.md, checked by `tests/batch.rs`): about 1.07 settlements per insured
//! person a month, most of them general outpatient visits; chronic outpatient care mostly for
//! the recognised hypertension and diabetes patients; a stay in hospital for about one person
//! in a hundred a month, twice as often past 65, at a district's tier-3 hospital four times in
//! ten, a street's tier-2 centre four, its community centre two.

use chrono::{Datelike, NaiveDate};
use minsheng_core::{AreaCode, Fen, IdNumber, Month};
use sha2::{Digest, Sha256};

use crate::domain::{Aid, Claim, Class, Cover, Level, Line, Place, Visit};

/// A uniform draw in `0..n` from a name and the draw's parts.
fn draw(parts: &[&[u8]], n: u64) -> u64 {
    let mut hash = Sha256::new();
    for p in parts {
        hash.update((p.len() as u64).to_be_bytes());
        hash.update(p);
    }
    let bytes = hash.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(bytes.get(..8).unwrap_or(&[0; 8]));
    u64::from_be_bytes(first) % n.max(1)
}

/// Per ten thousand persons a month.
const GENERAL_OUTPATIENT: u64 = 9_700;
const CHRONIC_TWO_DISEASES: u64 = 2_500;
const CHRONIC_OTHERS: u64 = 400;
const INPATIENT: u64 = 105;
const MATERNITY: u64 = 8;

/// Objects of medical assistance per ten thousand residents, by category, in [`Aid::ALL`]
/// order after `None`: 特困 and 低保 as the city reported them for 2023 (13,000 and 78,000 of
/// some 10.3M residents); the others are this generator's guesses, no figure being published.
const AIDED: [(Aid, u64); 5] = [
    (Aid::Tekun, 13),
    (Aid::Dibao, 76),
    (Aid::NearPoor, 50),
    (Aid::RigidExpenditure, 20),
    (Aid::IllnessPoverty, 10),
];

/// The synthetic city's category of medical assistance for a person of the in-memory city
/// (whose assistance enrolments are not drawn): a draw from the person's key, at the rates of
/// [`AIDED`].
pub fn aid_of(person_id: i64) -> Aid {
    let mut at = draw(&[b"aid", &person_id.to_be_bytes()], 10_000);
    for (aid, per_ten_thousand) in AIDED {
        if at < per_ten_thousand {
            return aid;
        }
        at -= per_ten_thousand;
    }
    Aid::None
}

/// One person's claims of `month` (dated no later than `last`, today), each with the hospital
/// that would settle it.
pub fn claims_of(
    seed: u64,
    person_id: i64,
    id_number: &IdNumber,
    area: &AreaCode,
    cover: &Cover,
    month: Month,
    last: NaiveDate,
) -> Vec<(String, Claim)> {
    let key = person_id.to_be_bytes();
    let seed = seed.to_be_bytes();
    let m = month.to_string();
    let chance = |what: &str, per_10k: u64| {
        draw(&[&seed, &key, m.as_bytes(), what.as_bytes()], 10_000) < per_10k
    };
    let age = minsheng_policy::inputs::age_on(id_number.birth_date(), month.first_day());
    let mut visits = Vec::new();
    if chance("general", GENERAL_OUTPATIENT) {
        visits.push(Visit::GeneralOutpatient);
    }
    let chronic = if cover.two_diseases {
        CHRONIC_TWO_DISEASES
    } else {
        CHRONIC_OTHERS
    };
    if chance("chronic", chronic) {
        visits.push(Visit::ChronicOutpatient);
    }
    if chance(
        "inpatient",
        if age >= 65 { INPATIENT * 2 } else { INPATIENT },
    ) {
        visits.push(Visit::Inpatient);
    }
    if (20..=40).contains(&age) && chance("maternity", MATERNITY * 4) {
        visits.push(Visit::Maternity);
    }
    let street = area.as_str().get(..9).unwrap_or(area.as_str());
    let district = area.as_str().get(..6).unwrap_or(area.as_str());
    let days = u64::from(month.last_day().day());
    let mut out = Vec::new();
    for (n, visit) in visits.into_iter().enumerate() {
        let what = visit.as_str().as_bytes();
        let day = month.first_day()
            + chrono::Days::new(draw(&[&seed, &key, m.as_bytes(), what, b"day"], days));
        if day < cover.from || day > cover.to || day > last {
            continue;
        }
        let pick =
            |name: &str, n: u64| draw(&[&seed, &key, m.as_bytes(), what, name.as_bytes()], n);
        let yuan = |low: i64, high: i64, name: &str| {
            Fen((low
                + i64::try_from(pick(name, u64::try_from(high - low).unwrap_or(1))).unwrap_or(0))
                * 100)
        };
        let (hospital, lines) = match visit {
            Visit::GeneralOutpatient => (
                format!("H{street}1"),
                vec![
                    line("XY001", yuan(20, 180, "drug")),
                    line(
                        if pick("test", 3) == 0 {
                            "JC001"
                        } else {
                            "XY002"
                        },
                        yuan(10, 120, "test"),
                    ),
                ],
            ),
            Visit::ChronicOutpatient => (
                if pick("level", 2) == 0 {
                    format!("H{street}2")
                } else {
                    format!("H{district}")
                },
                vec![
                    line("XY003", yuan(150, 900, "drug")),
                    line("XY101", yuan(50, 600, "b-drug")),
                ],
            ),
            Visit::Inpatient => {
                let days = i64::try_from(pick("stay", 14)).unwrap_or(0) + 2;
                let mut lines = vec![
                    line("CW001", Fen(days * 6_000)),
                    line("HL001", Fen(days * 4_000)),
                    line("XY101", yuan(500, 6_000, "b-drug")),
                    line("JC101", yuan(200, 1_500, "ct")),
                ];
                if pick("surgery", 2) == 0 {
                    lines.push(line("SS101", yuan(5_000, 40_000, "surgery")));
                }
                if pick("extra", 5) == 0 {
                    lines.push(line("ZF001", yuan(100, 2_000, "extra")));
                }
                let hospital = match pick("level", 10) {
                    0..=3 => format!("H{district}"),
                    4..=7 => format!("H{street}2"),
                    _ => format!("H{street}1"),
                };
                (hospital, lines)
            }
            Visit::Maternity => (
                format!("H{district}"),
                vec![
                    line("CW001", Fen(3 * 6_000)),
                    line("SS101", yuan(2_500, 7_000, "delivery")),
                ],
            ),
        };
        let total = Fen(lines.iter().map(|l| l.amount.0).sum());
        out.push((
            hospital,
            Claim {
                number: format!("S{}-{person_id}-{n}", m.replace('-', "")),
                id_number: id_number.clone(),
                date: day,
                admitted: None,
                visit,
                place: Place::InCity,
                use_account: pick("account", 2) == 0,
                total,
                lines,
            },
        ));
    }
    out
}

/// The level of a synthetic hospital, from its code: a district's (`H` and six digits) is
/// tier 3, a street's ends in its tier (`…2` a tier-2 centre, `…1` a community one).
pub fn level_of(hospital: &str) -> Level {
    match hospital.len() {
        0..=7 => Level::Tier3,
        _ if hospital.ends_with('2') => Level::Tier2,
        _ => Level::Tier1,
    }
}

/// The catalogue class of a synthetic item (out of the catalogue when it is not in it).
pub fn class_of(item: &str) -> Class {
    (crate::enrolment::ITEMS.iter())
        .find(|(code, _, _)| *code == item)
        .map_or(Class::Outside, |(_, _, class)| *class)
}

/// Adds a synthetic claim of person `insured` to a batch.
pub fn pend(claims: &mut crate::batch::Claims, insured: u32, hospital: &str, claim: &Claim) {
    claims.push(
        crate::batch::Pending {
            insured,
            date: claim.date,
            visit: claim.visit,
            level: level_of(hospital),
            place: claim.place,
            use_account: claim.use_account,
        },
        (claim.lines.iter()).map(|l| (class_of(&l.item), l.amount)),
    );
}

fn line(item: &str, amount: Fen) -> Line {
    Line {
        item: item.to_string(),
        amount,
    }
}

/// What [`post_month`] settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Posted {
    pub claims: u64,
    pub total: Fen,
    pub fund: Fen,
}

/// Generates and settles the synthetic city's claims of `month` for everyone covered that
/// year, in date order, as their hospitals' systems would post them (two thousand a
/// transaction). Posting a month again settles nothing new.
pub async fn post_month(
    store: &minsheng_store::Store,
    policy: &minsheng_policy::Policy,
    seed: u64,
    month: Month,
    actor: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Posted, crate::ClaimError> {
    use crate::storage::MedicalStore as _;
    let covered = store
        .medical()
        .covered_persons(month.first_day().year())
        .await?;
    let today = minsheng_app::Clock::at(at).today;
    let mut claims: Vec<(String, Claim)> = covered
        .iter()
        .flat_map(|(id, number, area, cover)| {
            claims_of(seed, *id, number, area, cover, month, today)
        })
        .collect();
    claims.sort_by(|a, b| (a.1.date, &a.1.number).cmp(&(b.1.date, &b.1.number)));
    let mut posted = Posted::default();
    for chunk in claims.chunks(2_000) {
        for p in crate::settle_all(store, policy, chunk, actor, at).await? {
            if let crate::Posted::Settled(r) = p {
                posted.claims += 1;
                posted.total = Fen(posted.total.0 + r.settlement.total.0);
                posted.fund = Fen(posted.fund.0 + r.settlement.fund.0 + r.settlement.supplement.0);
            }
        }
    }
    Ok(posted)
}

/// A synthetic city's insured and their claims of some months of one year, as the batch
/// settles them: each person covered as the registry suggests, the personal account holding
/// half its year's credit (the months before would have drawn on it), objects of medical
/// assistance drawn at the city's rates ([`aid_of`]), and each month's claims by person then
/// date. `months` must be of `year`.
pub fn insured_city(
    policy: &minsheng_policy::Policy,
    people: impl IntoIterator<Item = minsheng_core::registry::Registration>,
    year: i32,
    months: &[Month],
    seed: u64,
) -> Result<(Vec<crate::batch::Insured>, Vec<crate::batch::Claims>), minsheng_core::FieldError> {
    let terms = crate::enrolment::Terms::of(policy, year)?;
    let mut insured = Vec::new();
    let mut claims: Vec<crate::batch::Claims> = months
        .iter()
        .map(|_| crate::batch::Claims::default())
        .collect();
    for (k, r) in people.into_iter().enumerate() {
        let person_id = i64::try_from(k).unwrap_or(i64::MAX).saturating_add(1);
        let Some(cover) = crate::enrolment::suggested_cover(person_id, &r, year) else {
            continue;
        };
        let wage = r
            .facts
            .income
            .get(minsheng_core::registry::IncomeKind::Wage);
        let contribution = terms.contribution(&cover, wage, None);
        let n = u32::try_from(insured.len()).unwrap_or(u32::MAX);
        for (month, into) in months.iter().zip(claims.iter_mut()) {
            let mut theirs = claims_of(
                seed,
                person_id,
                &r.person.id_number,
                &r.facts.area,
                &cover,
                *month,
                month.last_day(),
            );
            theirs.sort_by(|a, b| (a.1.date, &a.1.number).cmp(&(b.1.date, &b.1.number)));
            for (hospital, claim) in &theirs {
                pend(into, n, hospital, claim);
            }
        }
        insured.push(crate::batch::Insured {
            cover,
            year: crate::YearToDate::default(),
            balance: Fen(contribution.account_credit.0 / 2),
            aid: aid_of(person_id),
        });
    }
    Ok((insured, claims))
}

/// What a month's settled claims come to, beside the figures the city publishes.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub insured: u64,
    pub claims: u64,
    /// Pooling fund and supplement.
    pub funds: Fen,
    /// Objects of medical assistance among the insured, claims it paid on, and what it paid.
    pub aided: u64,
    pub aid_claims: u64,
    pub aid: Fen,
    /// Inpatient claims' in-policy cost and what the funds paid of it, per scheme
    /// (employees, residents).
    pub inpatient_in_policy: [Fen; 2],
    pub inpatient_funds: [Fen; 2],
    /// Claims, cost and funds per (scheme, visit).
    pub by: std::collections::BTreeMap<(crate::Scheme, Visit), (u64, Fen, Fen)>,
}

impl Figures {
    pub fn of(
        insured: &[crate::batch::Insured],
        claims: &crate::batch::Claims,
        settled: &crate::batch::Settled,
    ) -> Figures {
        let mut f = Figures {
            insured: insured.len() as u64,
            aided: insured.iter().filter(|p| p.aid != Aid::None).count() as u64,
            ..Figures::default()
        };
        for (c, s) in claims.claims.iter().zip(&settled.shares) {
            let Some(person) = insured.get(c.insured as usize) else {
                continue;
            };
            let funds = s.fund.0 + s.supplement.0;
            f.claims += 1;
            if s.aid.0 > 0 {
                f.aid_claims += 1;
                f.aid.0 += s.aid.0;
            }
            f.funds.0 += funds;
            let scheme = person.cover.scheme;
            let row = f.by.entry((scheme, c.visit)).or_default();
            row.0 += 1;
            row.1 .0 += s.total.0;
            row.2 .0 += funds;
            if c.visit == Visit::Inpatient {
                let k = scheme.index();
                if let (Some(p), Some(paid)) = (
                    f.inpatient_in_policy.get_mut(k),
                    f.inpatient_funds.get_mut(k),
                ) {
                    p.0 += s.in_policy.0;
                    paid.0 += funds;
                }
            }
        }
        f
    }

    /// Settlements per insured person in the month (the city: 90.11M in nine months over
    /// 9.39M insured, 1.07).
    pub fn per_insured(&self) -> f64 {
        self.claims as f64 / self.insured.max(1) as f64
    }

    /// The funds' payment per insured person in the month, in yuan (the city: 21.866 bn yuan in
    /// nine months over 9.39M insured, 258.7).
    pub fn funds_per_insured(&self) -> f64 {
        self.funds.0 as f64 / 100.0 / self.insured.max(1) as f64
    }

    /// The funds' share of inpatient in-policy cost, employees' and residents' (the city:
    /// 88.6% and 72.7%).
    pub fn inpatient_shares(&self) -> [f64; 2] {
        let share = |k: usize| {
            let whole = self.inpatient_in_policy.get(k).map_or(0, |f| f.0);
            let part = self.inpatient_funds.get(k).map_or(0, |f| f.0);
            part as f64 / whole.max(1) as f64
        };
        [share(0), share(1)]
    }
}
