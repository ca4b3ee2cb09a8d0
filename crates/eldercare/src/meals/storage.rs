//! Meal aid's tables, on the store's shared infrastructure: `store.meals()`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use minsheng_core::{AreaCode, Fen, FieldError, IdNumber, Month};
use minsheng_payments::providers::{add_due_in, ProviderDue};
use minsheng_payments::storage::begin_locked;
use minsheng_store::{
    corrupt, micros, on_tx, timestamp, with_pool, Columns, NewAuditEntry, Result, StoreError, Tx,
};

use super::domain::{Canteen, Quote, ServedMeal, Service, Slot, Statement};

/// A dish on a canteen's menu: its slot, price and the canteen's own discount on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dish {
    pub code: String,
    pub name: String,
    pub slot: Slot,
    pub price: Fen,
    pub discount: Fen,
}

/// A canteen as filed, with its menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanteenRecord {
    pub canteen: Canteen,
    pub bank_account: String,
    pub opened_on: NaiveDate,
    pub dishes: Vec<Dish>,
}

impl CanteenRecord {
    pub fn dish(&self, code: &str) -> Option<&Dish> {
        self.dishes.iter().find(|d| d.code == code.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ordered,
    Served,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ordered => "ordered",
            Status::Served => "served",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Ordered => "已预订",
            Status::Served => "已供餐",
            Status::Cancelled => "已取消",
        }
    }

    fn parse(text: &str) -> std::result::Result<Status, String> {
        [Status::Ordered, Status::Served, Status::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("'{text}' is not an order's status"))
    }
}

/// Who placed an order: the canteen for an elder before it, or a relative online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Canteen,
    Relative,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Canteen => "canteen",
            Channel::Relative => "relative",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Canteen => "助餐点代下单",
            Channel::Relative => "亲属代订餐",
        }
    }

    fn parse(text: &str) -> std::result::Result<Channel, String> {
        match text {
            "canteen" => Ok(Channel::Canteen),
            "relative" => Ok(Channel::Relative),
            other => Err(format!("'{other}' is not an order's channel")),
        }
    }
}

/// An order as recorded, with its price as quoted when it was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: i64,
    pub canteen: String,
    pub id_number: IdNumber,
    pub name: String,
    pub area: AreaCode,
    pub day: NaiveDate,
    pub slot: Slot,
    pub service: Service,
    pub dish: String,
    pub quote: Quote,
    pub rule: String,
    pub channel: Channel,
    pub ordered_by: String,
    pub status: Status,
    /// The month it is settled in, once served.
    pub settle_month: Option<Month>,
    pub recorded_at: DateTime<Utc>,
}

impl OrderRecord {
    pub fn served(&self) -> ServedMeal {
        ServedMeal {
            order: self.id,
            elder: self.id_number.as_str().to_string(),
            canteen: self.canteen.clone(),
            day: self.day,
            slot: self.slot,
            service: self.service,
            quote: self.quote.clone(),
        }
    }
}

/// An order to record: the elder's keys are looked up in the transaction.
pub struct NewOrder<'a> {
    pub canteen: &'a str,
    pub id_number: &'a IdNumber,
    pub name: &'a str,
    pub area: &'a AreaCode,
    pub day: NaiveDate,
    pub slot: Slot,
    pub service: Service,
    pub dish: &'a str,
    pub quote: &'a Quote,
    pub rule: &'a str,
    pub channel: Channel,
}

/// What an order's checks count, read under the order's locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotCounts {
    /// The elder's subsidised meals in the slot, at any canteen.
    pub elder_subsidised: u32,
    /// The canteen's orders in the slot, for anyone.
    pub canteen_orders: u32,
}

/// A canteen's month as settled: the statement by funding source, the corrections taken back,
/// and who computed and approved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettlementRecord {
    pub id: i64,
    pub canteen: String,
    pub month: Month,
    pub statement: Statement,
    pub corrections: u64,
    pub corrected_city: Fen,
    pub corrected_district: Fen,
    pub computed_at: DateTime<Utc>,
    pub computed_by: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
}

impl SettlementRecord {
    /// What the government pays the canteen: the month's subsidies less what corrections take
    /// back.
    pub fn payable(&self) -> Fen {
        Fen(self.statement.payable().0 - self.corrected_city.0 - self.corrected_district.0)
    }
}

minsheng_store::context_store!(
    /// Meal aid's canteens, orders and settlements: `store.meals()`.
    Meals,
    MealsStore,
    meals
);

fn area(text: &str, field: &str) -> Result<AreaCode> {
    AreaCode::parse(text).map_err(|e| corrupt(field, e))
}

fn slot_time(text: Option<String>, field: &str) -> Result<Option<NaiveTime>> {
    text.map(|t| NaiveTime::parse_from_str(&t, "%H:%M").map_err(|e| corrupt(field, e)))
        .transpose()
}

fn count(n: i64, field: &str) -> Result<u32> {
    u32::try_from(n).map_err(|e| corrupt(field, e))
}

fn decode_canteen(r: &impl Columns) -> Result<CanteenRecord> {
    let mut slots = BTreeMap::new();
    for slot in Slot::ALL {
        if let Some(t) = slot_time(r.opt_text(slot.as_str())?, slot.as_str())? {
            slots.insert(slot, t);
        }
    }
    let delivers_to = r
        .text("delivers_to")?
        .split_whitespace()
        .map(|a| area(a, "delivers_to"))
        .collect::<Result<Vec<_>>>()?;
    Ok(CanteenRecord {
        canteen: Canteen {
            code: r.text("code")?,
            name: r.text("name")?,
            area: area(&r.text("area_code")?, "area_code")?,
            slots,
            delivers_to,
            capacity: count(r.int("capacity")?, "capacity")?,
        },
        bank_account: r.text("bank_account")?,
        opened_on: r.date("opened_on")?,
        dishes: Vec::new(),
    })
}

fn decode_dish(r: &impl Columns) -> Result<(String, Dish)> {
    Ok((
        r.text("canteen_code")?,
        Dish {
            code: r.text("code")?,
            name: r.text("name")?,
            slot: Slot::parse(&r.text("slot")?).map_err(|e| corrupt("slot", e))?,
            price: Fen(r.int("price")?),
            discount: Fen(r.int("discount")?),
        },
    ))
}

const ORDER_COLUMNS: &str = "id, canteen_code, id_number, name, area_code, day, slot, service, \
    dish_code, price, discount, city, district, elder, cap, rule, channel, ordered_by, status, \
    settle_month, recorded_at";

fn decode_order(r: &impl Columns) -> Result<OrderRecord> {
    Ok(OrderRecord {
        id: r.int("id")?,
        canteen: r.text("canteen_code")?,
        id_number: IdNumber::parse(&r.text("id_number")?).map_err(|e| corrupt("id_number", e))?,
        name: r.text("name")?,
        area: area(&r.text("area_code")?, "area_code")?,
        day: r.date("day")?,
        slot: Slot::parse(&r.text("slot")?).map_err(|e| corrupt("slot", e))?,
        service: Service::parse(&r.text("service")?).map_err(|e| corrupt("service", e))?,
        dish: r.text("dish_code")?,
        quote: Quote {
            price: Fen(r.int("price")?),
            canteen: Fen(r.int("discount")?),
            city: Fen(r.int("city")?),
            district: Fen(r.int("district")?),
            cap: Fen(r.int("cap")?),
            elder: Fen(r.int("elder")?),
        },
        rule: r.text("rule")?,
        channel: Channel::parse(&r.text("channel")?).map_err(|e| corrupt("channel", e))?,
        ordered_by: r.text("ordered_by")?,
        status: Status::parse(&r.text("status")?).map_err(|e| corrupt("status", e))?,
        settle_month: r
            .opt_text("settle_month")?
            .map(|m| m.parse().map_err(|e| corrupt("settle_month", e)))
            .transpose()?,
        recorded_at: timestamp(r.int("recorded_at")?)?,
    })
}

const SETTLEMENT_COLUMNS: &str = "id, canteen_code, month, meals, subsidised, dine_in, delivered, \
    price, discount, city, district, elder, corrections, corrected_city, corrected_district, \
    computed_at, computed_by, approved_at, approved_by";

fn decode_settlement(r: &impl Columns) -> Result<SettlementRecord> {
    let unsigned =
        |col: &str| -> Result<u64> { u64::try_from(r.int(col)?).map_err(|e| corrupt(col, e)) };
    Ok(SettlementRecord {
        id: r.int("id")?,
        canteen: r.text("canteen_code")?,
        month: r.text("month")?.parse().map_err(|e| corrupt("month", e))?,
        statement: Statement {
            meals: unsigned("meals")?,
            subsidised: unsigned("subsidised")?,
            dine_in: unsigned("dine_in")?,
            delivered: unsigned("delivered")?,
            price: Fen(r.int("price")?),
            canteen: Fen(r.int("discount")?),
            city: Fen(r.int("city")?),
            district: Fen(r.int("district")?),
            elder: Fen(r.int("elder")?),
        },
        corrections: unsigned("corrections")?,
        corrected_city: Fen(r.int("corrected_city")?),
        corrected_district: Fen(r.int("corrected_district")?),
        computed_at: timestamp(r.int("computed_at")?)?,
        computed_by: r.text("computed_by")?,
        approved_at: r.opt_int("approved_at")?.map(timestamp).transpose()?,
        approved_by: r.opt_text("approved_by")?,
    })
}

/// Serialises the orders that could clash: one canteen's slots (its capacity) and one elder's
/// (subsidised meals per slot, at any canteen). SQLite's writer lock already does.
async fn lock_order(tx: &mut Tx, canteen: &str, person_id: i64) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT code FROM canteen WHERE code = $1 FOR UPDATE")
            .bind(canteen)
            .execute(&mut **t)
            .await?;
        // The elder's own key, apart from the payments' lock (a small positive number).
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(7_i32)
            .bind(i32::try_from(person_id.rem_euclid(i64::from(i32::MAX))).unwrap_or(0))
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

async fn person_id(tx: &mut Tx, id_number: &IdNumber) -> Result<i64> {
    let id: Option<i64> = on_tx!(tx, conn => {
        sqlx::query_scalar("SELECT id FROM person WHERE id_number = $1")
            .bind(id_number.as_str())
            .fetch_optional(&mut *conn)
            .await?
    });
    id.ok_or_else(|| StoreError::invalid("id_number", format!("登记中没有 {}", id_number.masked())))
}

impl Meals<'_> {
    /// Files canteens with their menus, all or none, with one audit entry.
    pub async fn add_canteens(
        &self,
        list: &[CanteenRecord],
        by: &str,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        for c in list {
            let slot = |s: Slot| {
                c.canteen
                    .slots
                    .get(&s)
                    .map(|t| t.format("%H:%M").to_string())
            };
            let delivers: Vec<&str> = c.canteen.delivers_to.iter().map(|a| a.as_str()).collect();
            on_tx!(&mut tx, conn => {
                sqlx::query(
                    "INSERT INTO canteen (code, name, area_code, capacity, breakfast, lunch, dinner, \
                     delivers_to, bank_account, opened_on, recorded_at, recorded_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(&c.canteen.code)
                .bind(&c.canteen.name)
                .bind(c.canteen.area.as_str())
                .bind(i64::from(c.canteen.capacity))
                .bind(slot(Slot::Breakfast))
                .bind(slot(Slot::Lunch))
                .bind(slot(Slot::Dinner))
                .bind(delivers.join(" "))
                .bind(&c.bank_account)
                .bind(c.opened_on)
                .bind(micros(at))
                .bind(by)
                .execute(&mut *conn)
                .await?;
            });
            insert_dishes(&mut tx, &c.canteen.code, &c.dishes).await?;
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Replaces a canteen's menu, with its audit entry. Orders keep their dish's code and the
    /// price they were quoted.
    pub async fn replace_menu(
        &self,
        canteen: &str,
        dishes: &[Dish],
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM canteen_dish WHERE canteen_code = $1")
                .bind(canteen)
                .execute(&mut *conn)
                .await?;
        });
        insert_dishes(&mut tx, canteen, dishes).await?;
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Every canteen with its menu, by area and code.
    pub async fn canteens(&self) -> Result<Vec<CanteenRecord>> {
        self.canteens_where("", None).await
    }

    /// One canteen with its menu.
    pub async fn canteen(&self, code: &str) -> Result<Option<CanteenRecord>> {
        Ok(self
            .canteens_where("WHERE code = $1", Some(code.trim()))
            .await?
            .into_iter()
            .next())
    }

    async fn canteens_where(
        &self,
        condition: &str,
        code: Option<&str>,
    ) -> Result<Vec<CanteenRecord>> {
        let canteen_sql = format!(
            "SELECT code, name, area_code, capacity, breakfast, lunch, dinner, delivers_to, \
             bank_account, opened_on FROM canteen {condition} ORDER BY area_code, code"
        );
        let dish_sql = format!(
            "SELECT canteen_code, code, name, slot, price, discount FROM canteen_dish {} \
             ORDER BY canteen_code, slot, code",
            condition.replace("code", "canteen_code")
        );
        let (mut canteens, dishes) = with_pool!(self, pool => {
            let mut q = sqlx::query(&canteen_sql);
            let mut d = sqlx::query(&dish_sql);
            if let Some(code) = code {
                q = q.bind(code);
                d = d.bind(code);
            }
            (
                q.fetch_all(pool).await?.iter().map(decode_canteen).collect::<Result<Vec<_>>>()?,
                d.fetch_all(pool).await?.iter().map(decode_dish).collect::<Result<Vec<_>>>()?,
            )
        });
        let mut by_canteen: HashMap<String, Vec<Dish>> = HashMap::new();
        for (canteen, dish) in dishes {
            by_canteen.entry(canteen).or_default().push(dish);
        }
        for c in &mut canteens {
            c.dishes = by_canteen.remove(&c.canteen.code).unwrap_or_default();
        }
        Ok(canteens)
    }

    /// The canteen a provider account works for.
    pub async fn canteen_of(&self, staff: &str) -> Result<Option<String>> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar("SELECT canteen_code FROM canteen_staff WHERE staff_name = $1")
                .bind(staff)
                .fetch_optional(pool)
                .await?)
        })
    }

    /// The provider accounts that work for `canteen`.
    pub async fn staff_of(&self, canteen: &str) -> Result<Vec<String>> {
        with_pool!(self, pool => {
            Ok(sqlx::query_scalar(
                "SELECT staff_name FROM canteen_staff WHERE canteen_code = $1 ORDER BY staff_name",
            )
            .bind(canteen)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Makes `staff` (a provider account) work for `canteen`, with its audit entry.
    pub async fn link_staff(&self, staff: &str, canteen: &str, audit: NewAuditEntry) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO canteen_staff (staff_name, canteen_code) VALUES ($1, $2) \
                 ON CONFLICT (staff_name) DO UPDATE SET canteen_code = excluded.canteen_code",
            )
            .bind(staff)
            .bind(canteen)
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Records that the elder lets `relative` order meals for them, with its audit entry.
    pub async fn grant_proxy(
        &self,
        elder: &IdNumber,
        relative: (&IdNumber, &str),
        on: NaiveDate,
        by: &str,
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        let elder_id = person_id(&mut tx, elder).await?;
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO meal_proxy (elder_id, relative_id_number, relative_name, granted_on, \
                 recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (elder_id, relative_id_number) DO NOTHING",
            )
            .bind(elder_id)
            .bind(relative.0.as_str())
            .bind(relative.1)
            .bind(on)
            .bind(micros(audit.at))
            .bind(by)
            .execute(&mut *conn)
            .await?;
        });
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Whether the elder has authorised `relative` to order for them.
    pub async fn is_proxy(&self, elder: &IdNumber, relative: &IdNumber) -> Result<bool> {
        with_pool!(self, pool => {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT m.elder_id FROM meal_proxy m JOIN person p ON p.id = m.elder_id \
                 WHERE p.id_number = $1 AND m.relative_id_number = $2",
            )
            .bind(elder.as_str())
            .bind(relative.as_str())
            .fetch_optional(pool)
            .await?;
            Ok(found.is_some())
        })
    }

    /// Records an order and its audit entry in one transaction, if `check` — given the slot's
    /// counts read under the order's locks — lets it. Returns its id.
    pub async fn place(
        &self,
        order: &NewOrder<'_>,
        check: impl FnOnce(SlotCounts) -> std::result::Result<(), FieldError>,
        (by, at): (&str, DateTime<Utc>),
        audit: impl FnOnce(i64) -> NewAuditEntry,
    ) -> Result<i64> {
        let mut tx = Tx::write_only(self).await?;
        let person = person_id(&mut tx, order.id_number).await?;
        lock_order(&mut tx, order.canteen, person).await?;
        let (elder, canteen): (i64, i64) = on_tx!(&mut tx, conn => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM meal_order WHERE person_id = $1 AND day = $3 \
                     AND slot = $4 AND status <> 'cancelled' AND city + district > 0), \
                 (SELECT COUNT(*) FROM meal_order WHERE canteen_code = $2 AND day = $3 \
                     AND slot = $4 AND status <> 'cancelled')",
            )
            .bind(person)
            .bind(order.canteen)
            .bind(order.day)
            .bind(order.slot.as_str())
            .fetch_one(&mut *conn)
            .await?
        });
        check(SlotCounts {
            elder_subsidised: count(elder, "meal_order")?,
            canteen_orders: count(canteen, "meal_order")?,
        })?;
        let id = insert_order(&mut tx, order, person, (by, at), None).await?;
        // A visit that found the elder needs meal aid is met by their first order.
        crate::visits::close_met_in(
            &mut tx,
            person,
            crate::visits::Need::MealAid,
            (&format!("meal:{id}"), "已订餐"),
            (by, at),
        )
        .await?;
        tx.append_audit(&[audit(id)]).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records meals of the past as served and settled in `month` (a synthetic city's
    /// history), all or none, with one audit entry. Returns how many.
    pub async fn record_history(
        &self,
        list: &[(NewOrder<'_>, String)],
        month: Month,
        at: DateTime<Utc>,
        audit: NewAuditEntry,
    ) -> Result<usize> {
        let mut tx = Tx::write_only(self).await?;
        for (order, by) in list {
            let person = person_id(&mut tx, order.id_number).await?;
            insert_order(&mut tx, order, person, (by, at), Some(month)).await?;
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await?;
        Ok(list.len())
    }

    /// One order.
    pub async fn order(&self, id: i64) -> Result<Option<OrderRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!("SELECT {ORDER_COLUMNS} FROM meal_order WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(decode_order)
                .transpose()
        })
    }

    /// A canteen's orders for a day, by slot and order.
    pub async fn orders_on(&self, canteen: &str, day: NaiveDate) -> Result<Vec<OrderRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {ORDER_COLUMNS} FROM meal_order WHERE canteen_code = $1 AND day = $2 \
                 ORDER BY slot, id"
            ))
            .bind(canteen)
            .bind(day)
            .fetch_all(pool)
            .await?
            .iter()
            .map(decode_order)
            .collect()
        })
    }

    /// The orders `ordered_by` placed for days from `from` on, soonest first (a relative's).
    pub async fn orders_by(&self, ordered_by: &str, from: NaiveDate) -> Result<Vec<OrderRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {ORDER_COLUMNS} FROM meal_order WHERE ordered_by = $1 AND day >= $2 \
                 ORDER BY day, slot, id LIMIT 100"
            ))
            .bind(ordered_by)
            .bind(from)
            .fetch_all(pool)
            .await?
            .iter()
            .map(decode_order)
            .collect()
        })
    }

    /// Moves an order from `from` to `to`, with its audit entry; refused (field `order`) when
    /// it is no longer `from` — someone else handled it meanwhile. A meal served is given the
    /// month it is settled in (see the migration).
    pub async fn set_status(
        &self,
        id: i64,
        (from, to): (Status, Status),
        (by, at): (&str, DateTime<Utc>),
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        let order: Option<(String, NaiveDate)> = on_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT canteen_code, day FROM meal_order WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        });
        let Some((canteen, day)) = order else {
            return Err(StoreError::invalid("order", format!("没有订单 {id}")));
        };
        let settle_month = if to == Status::Served {
            lock_canteen(&mut tx, &canteen, "SHARE").await?;
            Some(
                open_month_in(&mut tx, &canteen, Month::containing(day))
                    .await?
                    .to_string(),
            )
        } else {
            None
        };
        let changed = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE meal_order SET status = $1, status_at = $2, status_by = $3, \
                 settle_month = $6 WHERE id = $4 AND status = $5",
            )
            .bind(to.as_str())
            .bind(micros(at))
            .bind(by)
            .bind(id)
            .bind(from.as_str())
            .bind(settle_month)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if changed != 1 {
            return Err(StoreError::conflict(
                "order",
                format!("订单 {id} 已不是「{}」状态", from.label()),
            ));
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Records that a served meal was wrong: its government parts are taken back in the first
    /// month from its own whose settlement is not yet approved (the same month, if that is not
    /// approved either, so the two cancel out). Refused (field `order`) for a meal not served,
    /// or corrected before.
    pub async fn correct(
        &self,
        id: i64,
        reason: &str,
        (by, at): (&str, DateTime<Utc>),
        audit: NewAuditEntry,
    ) -> Result<()> {
        let mut tx = Tx::write_only(self).await?;
        let order: Option<(String, i64, i64, String, Option<String>)> = on_tx!(&mut tx, conn => {
            sqlx::query_as(
                "SELECT canteen_code, city, district, status, settle_month FROM meal_order \
                 WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        });
        let Some((canteen, city, district, status, settled)) = order else {
            return Err(StoreError::invalid("order", format!("没有订单 {id}")));
        };
        let Some(settled) = settled.filter(|_| status == Status::Served.as_str()) else {
            return Err(StoreError::invalid(
                "order",
                format!("订单 {id} 尚未供餐：未供餐的订单取消即可，不需更正"),
            ));
        };
        let settled: Month = settled.parse().map_err(|e| corrupt("settle_month", e))?;
        lock_canteen(&mut tx, &canteen, "SHARE").await?;
        let month = open_month_in(&mut tx, &canteen, settled).await?;
        let inserted = on_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO meal_correction (order_id, canteen_code, city, district, reason, \
                 settle_month, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (order_id) DO NOTHING",
            )
            .bind(id)
            .bind(&canteen)
            .bind(city)
            .bind(district)
            .bind(reason)
            .bind(month.to_string())
            .bind(micros(at))
            .bind(by)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if inserted != 1 {
            return Err(StoreError::conflict("order", format!("订单 {id} 已更正过")));
        }
        tx.append_audit(&[audit]).await?;
        tx.commit().await
    }

    /// Computes `canteen`'s statement for `month` — its meals settled in the month, less the
    /// corrections taken back in it — and records it, with its audit entry. A statement not
    /// yet approved is computed afresh; an approved one is refused (field `month`).
    pub async fn settle(
        &self,
        canteen: &str,
        month: Month,
        (by, at): (&str, DateTime<Utc>),
        audit: impl FnOnce(&SettlementRecord) -> NewAuditEntry,
    ) -> Result<SettlementRecord> {
        let mut tx = begin_locked(self).await?;
        let key = month.to_string();
        let existing: Option<(i64, Option<String>)> = on_tx!(&mut tx, conn => {
            sqlx::query_as(
                "SELECT id, approved_by FROM meal_settlement WHERE canteen_code = $1 AND month = $2",
            )
            .bind(canteen)
            .bind(&key)
            .fetch_optional(&mut *conn)
            .await?
        });
        if let Some((_, Some(approver))) = &existing {
            return Err(StoreError::conflict(
                "month",
                format!("{canteen} {month} 的结算已由 {approver} 审核通过，不能重算"),
            ));
        }
        let sums = sums_in(&mut tx, canteen, month).await?;
        let id: i64 = match existing {
            Some((id, _)) => id,
            None => on_tx!(&mut tx, conn => {
                sqlx::query_scalar(
                    "INSERT INTO meal_settlement (canteen_code, month, meals, subsidised, dine_in, \
                     delivered, price, discount, city, district, elder, corrections, \
                     corrected_city, corrected_district, computed_at, computed_by) \
                     VALUES ($1, $2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, $3, $4) RETURNING id",
                )
                .bind(canteen)
                .bind(&key)
                .bind(micros(at))
                .bind(by)
                .fetch_one(&mut *conn)
                .await?
            }),
        };
        let (st, (corrections, corrected_city, corrected_district)) = &sums;
        let signed = |n: u64| i64::try_from(n).map_err(|e| corrupt("meals", e));
        on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE meal_settlement SET meals = $2, subsidised = $3, dine_in = $4, \
                 delivered = $5, price = $6, discount = $7, city = $8, district = $9, elder = $10, \
                 corrections = $11, corrected_city = $12, corrected_district = $13, \
                 computed_at = $14, computed_by = $15 WHERE id = $1",
            )
            .bind(id)
            .bind(signed(st.meals)?)
            .bind(signed(st.subsidised)?)
            .bind(signed(st.dine_in)?)
            .bind(signed(st.delivered)?)
            .bind(st.price.0)
            .bind(st.canteen.0)
            .bind(st.city.0)
            .bind(st.district.0)
            .bind(st.elder.0)
            .bind(signed(*corrections)?)
            .bind(corrected_city.0)
            .bind(corrected_district.0)
            .bind(micros(at))
            .bind(by)
            .execute(&mut *conn)
            .await?;
        });
        let record = settlement_in(&mut tx, id).await?;
        tx.append_audit(&[audit(&record)]).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Approves a settlement and records what it owes the canteen as a due of the payments
    /// context, in one transaction with its audit entry. Its maker may not approve it (field
    /// `approver`); an approved one is refused (field `settlement`).
    pub async fn approve(
        &self,
        id: i64,
        (by, at): (&str, DateTime<Utc>),
        due: impl FnOnce(&SettlementRecord) -> std::result::Result<ProviderDue, FieldError>,
        audit: impl FnOnce(&SettlementRecord) -> NewAuditEntry,
    ) -> Result<SettlementRecord> {
        let mut tx = begin_locked(self).await?;
        let record = settlement_in(&mut tx, id).await?;
        // Meals served meanwhile wait for this lock, then find the month approved and go into
        // the next; those served before it must be in the statement approved.
        lock_canteen(&mut tx, &record.canteen, "UPDATE").await?;
        let (now, (corrections, ..)) = sums_in(&mut tx, &record.canteen, record.month).await?;
        if now != record.statement || corrections != record.corrections {
            return Err(StoreError::conflict(
                "settlement",
                format!(
                    "结算单 {id} 生成后又登记了供餐或更正（现为 {} 份、更正 {corrections} 笔）：请助餐点重新生成后再审核",
                    now.meals
                ),
            ));
        }
        if let Some(approver) = &record.approved_by {
            return Err(StoreError::conflict(
                "settlement",
                format!("结算单 {id} 已由 {approver} 审核通过"),
            ));
        }
        if record.computed_by == by {
            return Err(StoreError::invalid(
                "approver",
                format!("结算单 {id} 由 {by} 生成，须由另一人审核"),
            ));
        }
        let owed = due(&record)?;
        on_tx!(&mut tx, conn => {
            sqlx::query("UPDATE meal_settlement SET approved_at = $1, approved_by = $2 WHERE id = $3")
                .bind(micros(at))
                .bind(by)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        });
        add_due_in(&mut tx, &owed, by, at).await?;
        let record = settlement_in(&mut tx, id).await?;
        tx.append_audit(&[audit(&record)]).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// One settlement.
    pub async fn settlement(&self, id: i64) -> Result<Option<SettlementRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!("SELECT {SETTLEMENT_COLUMNS} FROM meal_settlement WHERE id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .as_ref()
                .map(decode_settlement)
                .transpose()
        })
    }

    /// The settlements of `month`, by canteen.
    pub async fn settlements(&self, month: Month) -> Result<Vec<SettlementRecord>> {
        with_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {SETTLEMENT_COLUMNS} FROM meal_settlement WHERE month = $1 \
                 ORDER BY canteen_code"
            ))
            .bind(month.to_string())
            .fetch_all(pool)
            .await?
            .iter()
            .map(decode_settlement)
            .collect()
        })
    }

    /// The meals served in `month` (by the day they were for), and the death dates the
    /// registry records for the elders who had them.
    pub async fn served_in(
        &self,
        month: Month,
    ) -> Result<(Vec<ServedMeal>, HashMap<String, NaiveDate>)> {
        let meals: Vec<ServedMeal> = with_pool!(self, pool => {
            sqlx::query(&format!(
                "SELECT {ORDER_COLUMNS} FROM meal_order WHERE status = 'served' \
                 AND day BETWEEN $1 AND $2"
            ))
            .bind(month.first_day())
            .bind(month.last_day())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| decode_order(r).map(|o| o.served()))
            .collect::<Result<Vec<_>>>()?
        });
        let deaths: Vec<(String, NaiveDate)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT p.id_number, MIN(v.death_date) FROM person p \
                 JOIN person_version v ON v.person_id = p.id \
                 WHERE v.death_date IS NOT NULL AND p.id IN (SELECT DISTINCT person_id \
                     FROM meal_order WHERE status = 'served' AND day BETWEEN $1 AND $2) \
                 GROUP BY p.id_number",
            )
            .bind(month.first_day())
            .bind(month.last_day())
            .fetch_all(pool)
            .await?
        });
        Ok((meals, deaths.into_iter().collect()))
    }
}

async fn settlement_in(tx: &mut Tx, id: i64) -> Result<SettlementRecord> {
    let row = on_tx!(tx, conn => {
        sqlx::query(&format!("SELECT {SETTLEMENT_COLUMNS} FROM meal_settlement WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .as_ref()
            .map(decode_settlement)
            .transpose()?
    });
    row.ok_or_else(|| StoreError::invalid("settlement", format!("没有结算单 {id}")))
}

/// Locks a canteen's row on PostgreSQL (`SHARE`: a meal served or corrected; `UPDATE`: its
/// month approved), so that an approval and the meals it must count or leave to the next
/// month are serialised. SQLite's writer lock already does.
async fn lock_canteen(tx: &mut Tx, canteen: &str, mode: &str) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query(&format!(
            "SELECT code FROM canteen WHERE code = $1 FOR {mode}"
        ))
        .bind(canteen)
        .execute(&mut **t)
        .await?;
    }
    Ok(())
}

/// The first month from `from` whose settlement of `canteen` is not approved.
async fn open_month_in(tx: &mut Tx, canteen: &str, from: Month) -> Result<Month> {
    let approved: Vec<String> = on_tx!(tx, conn => {
        sqlx::query_scalar(
            "SELECT month FROM meal_settlement WHERE canteen_code = $1 AND month >= $2 \
             AND approved_by IS NOT NULL ORDER BY month",
        )
        .bind(canteen)
        .bind(from.to_string())
        .fetch_all(&mut *conn)
        .await?
    });
    let mut month = from;
    for m in approved {
        if m == month.to_string() {
            month = month.next();
        }
    }
    Ok(month)
}

/// A canteen's meals settled in `month` by funding source, and the corrections taken back in
/// it (how many, the city's part, the district's). Sums past what BIGINT holds fail (SQLite:
/// integer overflow; PostgreSQL: the cast of the numeric sum), never wrap.
async fn sums_in(tx: &mut Tx, canteen: &str, month: Month) -> Result<(Statement, (u64, Fen, Fen))> {
    let key = month.to_string();
    let meals: (i64, i64, i64, i64, i64, i64, i64, i64) = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT COUNT(*), \
             COALESCE(SUM(CASE WHEN city + district > 0 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN service = 'dine_in' THEN 1 ELSE 0 END), 0), \
             CAST(COALESCE(SUM(price), 0) AS BIGINT), \
             CAST(COALESCE(SUM(discount), 0) AS BIGINT), \
             CAST(COALESCE(SUM(city), 0) AS BIGINT), \
             CAST(COALESCE(SUM(district), 0) AS BIGINT), \
             CAST(COALESCE(SUM(elder), 0) AS BIGINT) \
             FROM meal_order WHERE canteen_code = $1 AND settle_month = $2 AND status = 'served'",
        )
        .bind(canteen)
        .bind(&key)
        .fetch_one(&mut *conn)
        .await?
    });
    let corrected: (i64, i64, i64) = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(city), 0) AS BIGINT), \
             CAST(COALESCE(SUM(district), 0) AS BIGINT) \
             FROM meal_correction WHERE canteen_code = $1 AND settle_month = $2",
        )
        .bind(canteen)
        .bind(&key)
        .fetch_one(&mut *conn)
        .await?
    });
    let (meals, subsidised, dine_in, price, discount, city, district, elder) = meals;
    let unsigned = |n: i64| u64::try_from(n).map_err(|e| corrupt("meal_order", e));
    Ok((
        Statement {
            meals: unsigned(meals)?,
            subsidised: unsigned(subsidised)?,
            dine_in: unsigned(dine_in)?,
            delivered: unsigned(meals - dine_in)?,
            price: Fen(price),
            canteen: Fen(discount),
            city: Fen(city),
            district: Fen(district),
            elder: Fen(elder),
        },
        (unsigned(corrected.0)?, Fen(corrected.1), Fen(corrected.2)),
    ))
}

/// Records an order for the elder `person`: ordered, or — with the month it is settled in — a
/// meal of the past already served. Returns its id.
async fn insert_order(
    tx: &mut Tx,
    order: &NewOrder<'_>,
    person: i64,
    (by, at): (&str, DateTime<Utc>),
    served_in: Option<Month>,
) -> Result<i64> {
    let q = order.quote;
    let status = if served_in.is_some() {
        Status::Served
    } else {
        Status::Ordered
    };
    Ok(on_tx!(tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO meal_order (canteen_code, person_id, id_number, name, area_code, day, \
             slot, service, dish_code, price, discount, city, district, elder, cap, rule, \
             channel, ordered_by, status, status_at, status_by, settle_month, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19, $20, $18, $21, $20) RETURNING id",
        )
        .bind(order.canteen)
        .bind(person)
        .bind(order.id_number.as_str())
        .bind(order.name)
        .bind(order.area.as_str())
        .bind(order.day)
        .bind(order.slot.as_str())
        .bind(order.service.as_str())
        .bind(order.dish)
        .bind(q.price.0)
        .bind(q.canteen.0)
        .bind(q.city.0)
        .bind(q.district.0)
        .bind(q.elder.0)
        .bind(q.cap.0)
        .bind(order.rule)
        .bind(order.channel.as_str())
        .bind(by)
        .bind(status.as_str())
        .bind(micros(at))
        .bind(served_in.map(|m| m.to_string()))
        .fetch_one(&mut *conn)
        .await?
    }))
}

/// Adds `dishes` to a canteen's menu within `tx`.
async fn insert_dishes(tx: &mut Tx, canteen: &str, dishes: &[Dish]) -> Result<()> {
    for d in dishes {
        on_tx!(tx, conn => {
            sqlx::query(
                "INSERT INTO canteen_dish (canteen_code, code, name, slot, price, discount) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(canteen)
            .bind(&d.code)
            .bind(&d.name)
            .bind(d.slot.as_str())
            .bind(d.price.0)
            .bind(d.discount.0)
            .execute(&mut *conn)
            .await?;
        });
    }
    Ok(())
}
