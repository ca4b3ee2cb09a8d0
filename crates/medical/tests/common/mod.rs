//! What the medical context's newer test files share: a synthetic registry, a tier-3 hospital
//! with an 甲类 and a 丙类 item, a year's cover, and the days and clocks they are read at.
#![allow(dead_code, clippy::unwrap_used)] // each test file uses some of it

use chrono::NaiveDate;
use minsheng_app::Clock;
use minsheng_core::registry::Registration;
use minsheng_core::{AreaCode, IdNumber};
use minsheng_medical::{
    ClaimError, Class, Cover, Hospital, Item, Level, MedicalStore, Scheme, Tier,
};
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Ten in the morning in China on `d`.
pub fn on(d: NaiveDate) -> Clock {
    Clock::at(d.and_hms_opt(2, 0, 0).unwrap().and_utc())
}

/// The fields a refusal names, in order; anything else fails the test.
pub fn refused(r: Result<impl std::fmt::Debug, ClaimError>) -> Vec<String> {
    match r {
        Err(ClaimError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
        Err(ClaimError::Conflict { field, .. }) => vec![field],
        other => panic!("not refused by field: {other:?}"),
    }
}

/// A synthetic registry of `households` households loaded into `store`.
pub async fn registry(store: &Store, households: u64, seed: u64) -> Vec<Registration> {
    let (generator, people) = synthetic_city(households, seed);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    people
}

/// The tier-3 hospital `H3` in `area`, and the catalogue items `A01` (甲类) and `C01` (丙类).
pub async fn hospital(store: &Store, area: &AreaCode) {
    let medical = store.medical();
    medical
        .add_hospitals(
            &[Hospital {
                code: "H3".into(),
                name: "市立医院".into(),
                level: Level::Tier3,
                area: area.clone(),
            }],
            "tester",
            noted("hospitals"),
        )
        .await
        .unwrap();
    let items = [("A01", Class::A), ("C01", Class::C)].map(|(code, class)| Item {
        code: code.into(),
        name: format!("项目{code}"),
        class,
    });
    medical
        .add_items(&items, "tester", noted("items"))
        .await
        .unwrap();
}

/// The person an ID number names.
pub async fn person_id(store: &Store, id: &IdNumber) -> i64 {
    store
        .medical()
        .insured(id)
        .await
        .unwrap()
        .unwrap()
        .person_id
}

/// Covers the person for the whole of `year` in `scheme`; their key.
pub async fn cover(store: &Store, id: &IdNumber, scheme: Scheme, year: i32) -> i64 {
    let person_id = person_id(store, id).await;
    let cover = Cover {
        scheme,
        tier: match scheme {
            Scheme::Employee => Tier::Employee,
            Scheme::Resident => Tier::Adult2,
        },
        retired: false,
        two_diseases: false,
        from: day(year, 1, 1),
        to: day(year, 12, 31),
    };
    store
        .medical()
        .enrol(
            &[(person_id, cover, Default::default())],
            "tester",
            noted("enrol"),
        )
        .await
        .unwrap();
    person_id
}
