#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
//! Meal aid from order to the canteen's bank file: an elder orders lunch at the canteen, a
//! relative the elder authorised orders a delivered dinner, each priced by the rules (6 yuan a
//! meal at the canteen, 8 delivered; 崂办字〔2024〕12号 第十一条) and split between the city and
//! the district; the canteen serves them, settles its month, someone else approves it and the
//! district pays it once. A meal served late goes into the next month, and so does a
//! correction. Every bad order is refused with its field, nothing recorded.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveTime};
use minsheng_app::Clock;
use minsheng_core::access::{Account, Role, Staff};
use minsheng_core::registry::Registration;
use minsheng_core::{AreaCode, Fen, Month};
use minsheng_eldercare::meals::{
    self, approve, authorise, cancel, correct, order, pay, quote, serve, settle, Canteen,
    CanteenRecord, Channel, Dish, MealError, MealsStore, OrderForm, Slot,
};
use minsheng_store::Store;
use minsheng_test_support::{instant, load, noted, synthetic_city};

minsheng_test_support::on_both_backends!(a_month_of_meals_from_order_to_the_bank_file,);

fn staff(name: &str, role: Role, area: &AreaCode) -> Account {
    Account::Staff(Staff {
        name: name.into(),
        role,
        area: area.clone(),
    })
}

fn field<T: std::fmt::Debug>(r: Result<T, MealError>) -> String {
    match r {
        Err(MealError::Invalid(e)) => e.field,
        Err(MealError::Store(minsheng_store::StoreError::Invalid { field, .. }))
        | Err(MealError::Store(minsheng_store::StoreError::Conflict { field, .. })) => field,
        Err(other) => format!("other: {other}"),
        Ok(v) => panic!("accepted: {v:?}"),
    }
}

fn canteen(code: &str, area: &AreaCode, delivers_to: Vec<AreaCode>) -> CanteenRecord {
    let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    CanteenRecord {
        canteen: Canteen {
            code: code.into(),
            name: format!("{code}长者食堂"),
            area: area.clone(),
            slots: BTreeMap::from([(Slot::Lunch, at(11)), (Slot::Dinner, at(17))]),
            delivers_to,
            capacity: 2,
        },
        bank_account: "6222000011112222".into(),
        opened_on: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
        dishes: vec![
            Dish {
                code: "L1".into(),
                name: "午餐套餐".into(),
                slot: Slot::Lunch,
                price: Fen(1_200),
                discount: Fen::ZERO,
            },
            Dish {
                code: "D1".into(),
                name: "晚餐套餐".into(),
                slot: Slot::Dinner,
                price: Fen(1_000),
                discount: Fen(100),
            },
        ],
    }
}

/// Three older residents (65 and over, alive on `day`) of one community, and a younger one.
fn a_community(
    people: &[Registration],
    day: chrono::NaiveDate,
) -> (Vec<Registration>, Registration) {
    let mut by_area: BTreeMap<&str, (Vec<&Registration>, Vec<&Registration>)> = BTreeMap::new();
    for p in people.iter().filter(|p| p.facts.death_date.is_none()) {
        let age = minsheng_core::registry::describe::age(p.birth_date, day);
        let (old, young) = by_area.entry(p.facts.area.as_str()).or_default();
        if (66..90).contains(&age) {
            old.push(p);
        } else if (20..60).contains(&age) {
            young.push(p);
        }
    }
    let (_, (old, young)) = by_area
        .into_iter()
        .find(|(_, (old, young))| old.len() >= 3 && !young.is_empty())
        .unwrap();
    (old.into_iter().cloned().collect(), young[0].clone())
}

async fn a_month_of_meals_from_order_to_the_bank_file(store: &Store) {
    let (generator, people) = synthetic_city(4_000, 17);
    store
        .insert_areas(generator.areas(), |_| noted("areas"))
        .await
        .unwrap();
    load(store, &people, instant(0)).await;
    let policy = minsheng_test_support::policy();
    // 08:00 in Qingdao, 70 days ago: that month and the next have ended by today.
    let today = Clock::system().today;
    let day = today - Duration::days(70);
    let at = |hour: i64| {
        Clock::at(day.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::hours(hour - 8))
    };
    let morning = at(8);
    let month = Month::containing(day);

    let (elders, young) = a_community(&people, day);
    let young = &young;
    let (elder, second, third) = (&elders[0], &elders[1], &elders[2]);
    let community = elder.facts.area.clone();
    let street_area = community.parent().unwrap();
    let elsewhere = people
        .iter()
        .find(|p| !p.facts.area.is_within(&street_area))
        .unwrap();
    let relative = people
        .iter()
        .find(|p| {
            p.facts.household != elder.facts.household
                && minsheng_core::registry::describe::age(p.birth_date, day) >= 18
        })
        .unwrap();

    let meals = store.meals();
    meals
        .add_canteens(
            &[
                canteen("CT1", &community, vec![community.clone()]),
                canteen("CT2", &elsewhere.facts.area, vec![]),
            ],
            "tester",
            morning.now,
            noted("canteens"),
        )
        .await
        .unwrap();
    let cook = staff("食堂甲", Role::Provider, &community);
    let other_cook = staff("食堂乙", Role::Provider, &elsewhere.facts.area);
    let street = staff("街道乙", Role::Street, &street_area);
    let district = staff("区民政", Role::District, &street_area.district().unwrap());
    for (who, canteen) in [
        (&cook, Some("CT1")),
        (&other_cook, Some("CT2")),
        (&street, None),
        (&district, None),
    ] {
        let Account::Staff(s) = who else {
            unreachable!()
        };
        store.add_staff(s, "tester", morning.now).await.unwrap();
        if let Some(code) = canteen {
            meals
                .link_staff(&s.name, code, noted("canteen_staff"))
                .await
                .unwrap();
        }
    }
    let id = |p: &Registration| p.person.id_number.as_str().to_string();
    let form = |who: &Registration,
                slot: &'static str,
                service: &'static str,
                dish: &'static str| { (id(who), slot, service, dish) };
    let place =
        |who: Account, f: (String, &'static str, &'static str, &'static str), clock: Clock| {
            let policy = &policy;
            async move {
                order(
                    store,
                    policy,
                    &who,
                    &OrderForm {
                        canteen: "CT1",
                        id_number: &f.0,
                        day,
                        slot: f.1,
                        service: f.2,
                        dish: f.3,
                    },
                    clock,
                )
                .await
            }
        };

    // The elder's price before confirming: 12 yuan, 6 from the government split evenly
    // between the city and the district (a placeholder share of 50%), 6 for the elder.
    let priced = quote(
        store,
        &policy,
        &cook,
        &OrderForm {
            canteen: "CT1",
            id_number: &id(elder),
            day,
            slot: "lunch",
            service: "dine_in",
            dish: "L1",
        },
        morning,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            priced.quote.city,
            priced.quote.district,
            priced.quote.elder,
            priced.quote.cap
        ),
        (Fen(300), Fen(300), Fen(600), Fen(600))
    );
    assert!(
        priced.explained.contains("本人支付 6.00 元"),
        "{}",
        priced.explained
    );
    assert!(priced.rule.contains("第十一条"), "{}", priced.rule);

    let lunch = place(cook.clone(), form(elder, "lunch", "dine_in", "L1"), morning)
        .await
        .unwrap();
    assert_eq!(lunch.priced.channel, Channel::Canteen);

    // Refused, each by its field: a second subsidised lunch, someone under 65, a dish of
    // another slot, a canteen ordering at another canteen, a relative with no link, a meal
    // already begun, staff who are not the canteen.
    assert_eq!(
        field(place(cook.clone(), form(elder, "lunch", "dine_in", "L1"), morning).await),
        "slot"
    );
    assert_eq!(
        field(place(cook.clone(), form(young, "lunch", "dine_in", "L1"), morning).await),
        "id_number"
    );
    assert_eq!(
        field(
            place(
                cook.clone(),
                form(second, "lunch", "dine_in", "D1"),
                morning
            )
            .await
        ),
        "dish"
    );
    assert_eq!(
        field(
            place(
                other_cook.clone(),
                form(second, "lunch", "dine_in", "L1"),
                morning
            )
            .await
        ),
        "canteen"
    );
    let relative_account = Account::Resident {
        id_number: relative.person.id_number.clone(),
        name: relative.person.name.clone(),
    };
    assert_eq!(
        field(
            place(
                relative_account.clone(),
                form(elder, "dinner", "delivered", "D1"),
                morning
            )
            .await
        ),
        "id_number"
    );
    assert_eq!(
        field(place(cook.clone(), form(second, "lunch", "dine_in", "L1"), at(12)).await),
        "day"
    );
    assert_eq!(
        field(
            place(
                street.clone(),
                form(second, "lunch", "dine_in", "L1"),
                morning
            )
            .await
        ),
        "actor"
    );
    assert_eq!(meals.orders_on("CT1", day).await.unwrap().len(), 1);

    // The elder authorises the relative, who orders a delivered dinner: 10 yuan, 1 off by the
    // canteen, 8 from the government, 1 for the elder.
    let elder_account = Account::Resident {
        id_number: elder.person.id_number.clone(),
        name: elder.person.name.clone(),
    };
    assert_eq!(
        field(
            authorise(
                store,
                &relative_account,
                &id(elder),
                (&id(relative), &relative.person.name),
                morning
            )
            .await
        ),
        "actor"
    );
    authorise(
        store,
        &elder_account,
        &id(elder),
        (&id(relative), &relative.person.name),
        morning,
    )
    .await
    .unwrap();
    let dinner = place(
        relative_account.clone(),
        form(elder, "dinner", "delivered", "D1"),
        morning,
    )
    .await
    .unwrap();
    assert_eq!(dinner.priced.channel, Channel::Relative);
    // The relative finds it among their orders; nobody else who is not the canteen may cancel it.
    let theirs = meals.orders_by(&id(relative), day).await.unwrap();
    assert_eq!(theirs.iter().map(|o| o.id).collect::<Vec<_>>(), [dinner.id]);
    assert_eq!(
        field(cancel(store, &policy, &elder_account, dinner.id, morning).await),
        "actor"
    );
    assert_eq!(
        (
            dinner.priced.quote.canteen,
            dinner.priced.quote.city,
            dinner.priced.quote.district,
            dinner.priced.quote.elder
        ),
        (Fen(100), Fen(400), Fen(400), Fen(100))
    );

    // Capacity: two dinners a slot.
    let late = place(
        cook.clone(),
        form(second, "dinner", "dine_in", "D1"),
        morning,
    )
    .await
    .unwrap();
    assert_eq!(
        field(
            place(
                cook.clone(),
                form(third, "dinner", "dine_in", "D1"),
                morning
            )
            .await
        ),
        "slot"
    );

    // Cancelled before the cut-off (two hours before lunch), not after.
    let extra = place(cook.clone(), form(third, "lunch", "dine_in", "L1"), morning)
        .await
        .unwrap();
    assert_eq!(
        field(cancel(store, &policy, &cook, extra.id, at(10)).await),
        "order"
    );
    assert_eq!(
        field(cancel(store, &policy, &other_cook, extra.id, morning).await),
        "canteen"
    );
    cancel(store, &policy, &cook, extra.id, morning)
        .await
        .unwrap();
    assert_eq!(
        field(cancel(store, &policy, &cook, extra.id, morning).await),
        "order"
    );

    // Served on the day; the second elder's dinner is recorded only after the month is settled.
    assert_eq!(
        field(serve(store, &street, lunch.id, at(12)).await),
        "actor"
    );
    serve(store, &cook, lunch.id, at(12)).await.unwrap();
    serve(store, &cook, dinner.id, at(18)).await.unwrap();

    // The month is settled by the canteen, approved by the street — never by its maker — and
    // paid once by the district.
    let next = Clock::at(
        month
            .next()
            .first_day()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc(),
    );
    assert_eq!(
        field(settle(store, &cook, "CT1", month, morning).await),
        "month"
    );
    assert_eq!(
        field(settle(store, &other_cook, "CT1", month, next).await),
        "canteen"
    );
    let statement = settle(store, &cook, "CT1", month, next).await.unwrap();
    assert_eq!(
        (
            statement.statement.meals,
            statement.statement.delivered,
            statement.statement.city,
            statement.statement.district
        ),
        (2, 1, Fen(700), Fen(700))
    );
    assert_eq!(statement.payable(), Fen(1_400));
    assert_eq!(
        field(approve(store, &cook, statement.id, next).await),
        "approver"
    );
    assert_eq!(
        field(approve(store, &other_cook, statement.id, next).await),
        "actor"
    );
    let approved = approve(store, &street, statement.id, next).await.unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("街道乙"));
    assert_eq!(
        field(approve(store, &district, statement.id, next).await),
        "settlement"
    );
    assert_eq!(
        field(settle(store, &cook, "CT1", month, next).await),
        "month"
    );

    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        field(pay(store, &street, month, dir.path(), next).await),
        "actor"
    );
    let batch = pay(store, &district, month, dir.path(), next)
        .await
        .unwrap()
        .unwrap();
    assert!(batch.new_batch);
    assert_eq!((batch.payments.len(), batch.total), (1, Fen(1_400)));
    let file = std::fs::read_to_string(&batch.file).unwrap();
    assert!(
        file.contains("CT1") && file.contains("6222000011112222") && file.contains("14.00"),
        "{file}"
    );
    let again = pay(store, &district, month, dir.path(), next)
        .await
        .unwrap()
        .unwrap();
    assert!(!again.new_batch);
    assert_eq!((again.batch, again.payments.len()), (1, 1));
    assert_eq!(std::fs::read_to_string(&again.file).unwrap(), file);

    // A late serving and a correction go into the next month's statement.
    serve(store, &cook, late.id, next).await.unwrap();
    assert_eq!(
        field(correct(store, &cook, lunch.id, "当天未到店", next).await),
        "actor"
    );
    correct(store, &street, lunch.id, "当天未到店", next)
        .await
        .unwrap();
    assert_eq!(
        field(correct(store, &street, lunch.id, "当天未到店", next).await),
        "order"
    );
    let after = Clock::at(
        month
            .next()
            .next()
            .first_day()
            .and_hms_opt(2, 0, 0)
            .unwrap()
            .and_utc(),
    );
    let following = settle(store, &cook, "CT1", month.next(), after)
        .await
        .unwrap();
    assert_eq!(
        (
            following.statement.meals,
            following.statement.city,
            following.corrections,
            following.corrected_city
        ),
        (1, Fen(300), 1, Fen(300))
    );
    assert_eq!(following.payable(), Fen::ZERO);

    // The month's misuse checks find nothing wrong with these meals; with a norm of one meal
    // a month, the elder's two subsidised meals are above it, at the canteen that served them.
    assert!(meals::review(store, &policy, month)
        .await
        .unwrap()
        .is_empty());
    let strict = policy
        .with_changes(
            &["eldercare.meal_aid_terms.monthly_norm=1".into()],
            month.first_day(),
        )
        .unwrap();
    let found = meals::review(store, &strict, month).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].elder(), Some(elder.person.id_number.as_str()));
    assert_eq!(found[0].canteens(), ["CT1"]);
    assert!(
        found[0].describe().contains("2 份"),
        "{}",
        found[0].describe()
    );

    // The providers' ledger is append-only; an order that cannot be audited is not kept.
    let rewritten = minsheng_store::with_pool!(store, pool => {
        sqlx::query("UPDATE provider_ledger SET amount = 1").execute(pool).await.is_err()
    });
    assert!(rewritten);
    let tomorrow = at(8 + 24);
    minsheng_test_support::refuse(store, "audit_refused", "INSERT", "audit_log").await;
    let unaudited = order(
        store,
        &policy,
        &cook,
        &OrderForm {
            canteen: "CT1",
            id_number: &id(third),
            day: day + Duration::days(1),
            slot: "lunch",
            service: "dine_in",
            dish: "L1",
        },
        tomorrow,
    )
    .await;
    minsheng_test_support::allow(store, "audit_refused", "audit_log").await;
    assert!(unaudited.is_err());
    assert!(meals
        .orders_on("CT1", day + Duration::days(1))
        .await
        .unwrap()
        .is_empty());

    // A death on record: no order from that day on.
    let died = day + Duration::days(1);
    store
        .amend_person(
            &third.person.id_number,
            died,
            |f| f.death_date = Some(died),
            "tester",
            tomorrow.now - Duration::hours(1),
            &[noted("amend_person")],
        )
        .await
        .unwrap();
    let after_death = order(
        store,
        &policy,
        &cook,
        &OrderForm {
            canteen: "CT1",
            id_number: &id(third),
            day: died,
            slot: "lunch",
            service: "dine_in",
            dish: "L1",
        },
        tomorrow,
    )
    .await;
    let refused = format!("{after_death:?}");
    assert_eq!(field(after_death), "id_number");
    assert!(refused.contains("去世"), "{refused}");
    assert!(meals.orders_on("CT1", died).await.unwrap().is_empty());
}
