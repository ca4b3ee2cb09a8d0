//! The synthetic city's medical insurance: its designated hospitals, a catalogue, and each
//! resident's cover for a year as the registry suggests it (employees and retirees in the
//! employees' scheme, the rest in the residents'), so that the demo and the tests have claims
//! to settle. A real city files its hospitals and catalogue from the bureau's lists and its
//! cover from contributions.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use minsheng_core::registry::{Employment, Illness, Registration};
use minsheng_core::{AreaCode, Fen};
use minsheng_store::{NewAuditEntry, Result, Store};

use crate::domain::{Class, Cover, Level, Scheme, Tier};
use crate::storage::{Hospital, Item, MedicalStore as _};

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
}

/// Files the synthetic city's hospitals (a tier-3 hospital in each district, a tier-2 and a
/// tier-1 in each street), the catalogue, and every resident's cover for `year`, with each
/// employee's personal account credited. Run once per year: a second run for the same year is
/// refused, nothing changed.
pub async fn file_synthetic(
    store: &Store,
    year: i32,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Filed> {
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
    let mut covers = Vec::new();
    let on = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    store
        .scan_registry(on, |p| {
            if let Some(c) = suggested_cover(p.person_id, &p.registration, year) {
                covers.push((p.person_id, c));
            }
            Ok::<_, minsheng_store::StoreError>(())
        })
        .await?;
    let credits: Vec<(i64, Fen)> = covers
        .iter()
        .filter(|(_, c)| c.scheme == Scheme::Employee)
        // A year's credit between 600 and 3,000 yuan, as wages differ.
        .map(|(id, c)| {
            (
                *id,
                Fen(60_000 + id.rem_euclid(25) * 10_000 + i64::from(c.retired) * 30_000),
            )
        })
        .collect();
    medical
        .enrol(
            &covers,
            actor,
            note("medical.enrol", format!("{} 人参保", covers.len())),
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
        covered: covers.len(),
        accounts: credits.len(),
    })
}

/// The year `at` falls in.
pub fn year_of(at: DateTime<Utc>) -> i32 {
    at.date_naive().year()
}
