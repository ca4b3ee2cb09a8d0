//! Meal aid (老年助餐): canteens, orders placed at a canteen or by a relative, each meal priced
//! by the rules and split by who pays it, a canteen's month settled by funding source, approved
//! by someone else and paid through the payments context, and the checks that find misuse.
//!
//! - [`domain`]: the pricing, the order's and the cancellation's checks, the month's statement
//!   and the misuse checks (no IO);
//! - [`storage`]: canteens, authorisations, orders, corrections and settlements, reached as
//!   `store.meals()`;
//! - this module: the use cases, each checking who may act before the store is touched.
//!
//! Architecture invariant: an order is checked against the slot's counts read under its locks
//! (the canteen's, the elder's) and recorded with its audit entry in the same transaction, so
//! two orders at once can neither overfill a slot nor give an elder two subsidised meals in it.
//! A settlement's approval and the due it records for the payments context commit together.

pub mod domain;
pub mod storage;

use std::path::Path;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use minsheng_app::Clock;
use minsheng_core::access::{Account, Role, Staff};
use minsheng_core::{AreaCode, Fen, FieldError, IdNumber, Month};
use minsheng_payments::providers::{self, ProviderBatch, ProviderDue};
use minsheng_payments::PayError;
use minsheng_policy::{Evaluation, Policy, Value};
use minsheng_store::{NewAuditEntry, Store, StoreError};

pub use domain::{
    check_cancel, check_order, misuse, Canteen, Misuse, OrderContext, Quote, ServedMeal, Service,
    Slot, Statement, Terms,
};
pub use storage::{
    CanteenRecord, Channel, Dish, Meals, MealsStore, NewOrder, OrderRecord, SettlementRecord,
    SlotCounts, Status,
};

/// The program meal aid's dues are paid under.
pub const PROGRAM: &str = "meal_aid";

#[derive(Debug, thiserror::Error)]
pub enum MealError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pay(#[from] PayError),
}

impl From<FieldError> for MealError {
    fn from(e: FieldError) -> Self {
        MealError::Invalid(e)
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> MealError {
    MealError::Invalid(FieldError::new(field, reason))
}

/// Meal aid's local terms in force on `day` (`eldercare.meal_aid_terms`).
pub fn terms(policy: &Policy, day: NaiveDate) -> Result<Terms, MealError> {
    let get = |name: &str| {
        policy
            .count(&format!("eldercare.meal_aid_terms.{name}"), day)
            .ok_or_else(|| invalid("day", format!("政策中没有 {day} 有效的助餐参数 {name}")))
    };
    Ok(Terms {
        city_share_bp: i64::from(get("city_share_percent")?) * 100,
        per_slot: get("per_slot")?,
        cancel_before: Duration::minutes(i64::from(get("cancel_minutes")?)),
        monthly_norm: get("monthly_norm")?,
    })
}

/// "Now" as the wall clock in Qingdao reads it: what a slot's start is compared with.
pub fn china_now(clock: Clock) -> NaiveDateTime {
    (clock.now + Duration::hours(8)).naive_utc()
}

/// An order as a canteen's screen or a relative's page sends it.
#[derive(Debug, Clone)]
pub struct OrderForm<'a> {
    pub canteen: &'a str,
    /// The elder's ID number (typed, or read from their card).
    pub id_number: &'a str,
    pub day: NaiveDate,
    pub slot: &'a str,
    pub service: &'a str,
    pub dish: &'a str,
}

/// An order priced for one elder, as shown before it is confirmed.
#[derive(Debug, Clone)]
pub struct Priced {
    pub canteen: CanteenRecord,
    pub dish: Dish,
    pub id_number: IdNumber,
    pub name: String,
    pub area: AreaCode,
    pub died_on: Option<NaiveDate>,
    pub slot: Slot,
    pub service: Service,
    pub day: NaiveDate,
    pub channel: Channel,
    pub quote: Quote,
    /// The rule and article that set the elder's cap.
    pub rule: String,
    /// The quote in a sentence.
    pub explained: String,
}

impl Priced {
    /// The order to record, as priced.
    pub fn new_order(&self) -> NewOrder<'_> {
        NewOrder {
            canteen: &self.canteen.canteen.code,
            id_number: &self.id_number,
            name: &self.name,
            area: &self.area,
            day: self.day,
            slot: self.slot,
            service: self.service,
            dish: &self.dish.code,
            quote: &self.quote,
            rule: &self.rule,
            channel: self.channel,
        }
    }
}

/// A filed canteen with its menu, or why there is none (field `canteen`).
async fn filed_canteen(store: &Store, code: &str) -> Result<CanteenRecord, MealError> {
    store
        .meals()
        .canteen(code)
        .await?
        .ok_or_else(|| invalid("canteen", format!("没有助餐点「{code}」")))
}

/// The canteen a provider account works for, or why it may not act for `code`.
async fn own_canteen(store: &Store, staff: &Staff, code: &str) -> Result<(), MealError> {
    match store.meals().canteen_of(&staff.name).await? {
        Some(own) if own == code.trim() => Ok(()),
        Some(own) => Err(invalid(
            "canteen",
            format!(
                "{} 是助餐点 {own} 的账号，不能为 {code} 下单或结算",
                staff.name
            ),
        )),
        None => Err(invalid(
            "actor",
            format!("{} 未登记为任何助餐点的工作人员", staff.name),
        )),
    }
}

/// Prices an order and checks who places it, without recording anything: what the screen
/// shows before the elder or relative confirms.
pub async fn quote(
    store: &Store,
    policy: &Policy,
    who: &Account,
    form: &OrderForm<'_>,
    clock: Clock,
) -> Result<Priced, MealError> {
    let slot = Slot::parse(form.slot)?;
    let service = Service::parse(form.service)?;
    let id_number =
        IdNumber::parse(form.id_number.trim()).map_err(|e| invalid("id_number", e.to_string()))?;
    let canteen = filed_canteen(store, form.canteen).await?;
    let dish = canteen.dish(form.dish).cloned().ok_or_else(|| {
        invalid(
            "dish",
            format!("{}的菜单上没有「{}」", canteen.canteen.name, form.dish),
        )
    })?;
    if dish.slot != slot {
        return Err(invalid(
            "dish",
            format!(
                "「{}」是{}，不是{}",
                dish.name,
                dish.slot.label(),
                slot.label()
            ),
        ));
    }
    let file = store
        .household_file(id_number.as_str())
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => {
                invalid("id_number", format!("登记中没有 {}", id_number.masked()))
            }
            other => MealError::Store(other),
        })?;
    let members = file.as_of(form.day, clock.now);
    let member = members
        .iter()
        .position(|(p, _)| p.id_number == id_number)
        .ok_or_else(|| {
            invalid(
                "id_number",
                format!("{} 在 {} 不是登记在册的居民", id_number.masked(), form.day),
            )
        })?;
    let Some(&(person, facts)) = members.get(member) else {
        return Err(invalid("id_number", "登记记录不完整"));
    };
    let channel = match who {
        Account::Staff(s) if s.role == Role::Provider => {
            own_canteen(store, s, &canteen.canteen.code).await?;
            Channel::Canteen
        }
        Account::Staff(s) => {
            return Err(invalid(
                "actor",
                format!(
                    "{} 是{}；助餐订单由助餐点或老年人的亲属下单",
                    s.name,
                    s.role.label()
                ),
            ))
        }
        Account::Resident {
            id_number: relative,
            name,
        } => {
            let household = file.as_of(clock.today, clock.now);
            let lives_with = household.iter().any(|(p, _)| &p.id_number == relative);
            if !lives_with && !store.meals().is_proxy(&id_number, relative).await? {
                return Err(invalid(
                    "id_number",
                    format!(
                        "{name} 与 {} 不在同一户，也未获其授权代订餐（请老年人在社区或助餐点办理授权）",
                        id_number.masked()
                    ),
                ));
            }
            Channel::Relative
        }
    };
    let served_here =
        facts.area.is_within(&canteen.canteen.area) || canteen.canteen.delivers_to(&facts.area);
    if !served_here {
        return Err(invalid(
            "id_number",
            format!(
                "{} 住在 {}，不在{}（{}）的服务范围内",
                id_number.masked(),
                facts.area,
                canteen.canteen.name,
                canteen.canteen.area
            ),
        ));
    }
    let names = policy
        .roster
        .as_ref()
        .ok_or_else(|| invalid("policy", "政策中没有服务对象名册 (roster.yaml)"))?;
    let from_age = policy.count(&names.from_age, form.day).ok_or_else(|| {
        invalid(
            "day",
            format!("政策中没有 {} 有效的 {}", form.day, names.from_age),
        )
    })?;
    let age = minsheng_core::registry::describe::age(person.birth_date(), form.day);
    if age < i32::try_from(from_age).unwrap_or(i32::MAX) {
        return Err(invalid(
            "id_number",
            format!(
                "{} {} 岁，未满 {from_age} 周岁，不是助餐服务对象",
                id_number.masked(),
                age
            ),
        ));
    }
    let month = Month::containing(form.day);
    let mut evaluation = Evaluation::of_household(policy, month, &members, false);
    let cap_variable = match service {
        Service::DineIn => names.canteen_meal,
        Service::Delivered => names.delivered_meal,
    };
    let cap = match evaluation.variable(cap_variable, Some(member)) {
        Ok(Value::Money(fen)) => fen,
        Ok(_) => Fen::ZERO,
        Err(e) => return Err(invalid("id_number", format!("规则无法判定补贴: {e}"))),
    };
    let rule = policy
        .variables
        .get(cap_variable)
        .map(|v| format!("{}（{}）", v.label, v.reference))
        .unwrap_or_default();
    let terms = terms(policy, form.day)?;
    let quote = Quote::of(dish.price, dish.discount, cap, &terms)?;
    let explained = quote.explained(&rule);
    Ok(Priced {
        canteen,
        dish,
        id_number,
        name: person.name.clone(),
        area: facts.area.clone(),
        died_on: facts.death_date,
        slot,
        service,
        day: form.day,
        channel,
        quote,
        rule,
        explained,
    })
}

/// A recorded order and its price.
#[derive(Debug, Clone)]
pub struct Placed {
    pub id: i64,
    pub priced: Priced,
}

/// Places an order: priced as [`quote`] shows it, checked against the slot's counts under the
/// order's locks, recorded with its audit entry.
pub async fn order(
    store: &Store,
    policy: &Policy,
    who: &Account,
    form: &OrderForm<'_>,
    clock: Clock,
) -> Result<Placed, MealError> {
    let priced = quote(store, policy, who, form, clock).await?;
    let terms = terms(policy, form.day)?;
    let now = china_now(clock);
    let p = &priced;
    let id = store
        .meals()
        .place(
            &p.new_order(),
            |counts| {
                check_order(
                    &OrderContext {
                        canteen: &p.canteen.canteen,
                        day: p.day,
                        slot: p.slot,
                        service: p.service,
                        elder_area: &p.area,
                        died_on: p.died_on,
                        elder_subsidised: counts.elder_subsidised,
                        canteen_orders: counts.canteen_orders,
                        now,
                    },
                    &p.quote,
                    &terms,
                )
            },
            (&orderer(who), clock.now),
            |id| NewAuditEntry {
                actor: who.name().into(),
                action: "meal_order".into(),
                subject: format!("meal:{id}"),
                detail: format!(
                    "canteen={} person={} day={} slot={} service={} channel={} city={} district={} elder={}",
                    p.canteen.canteen.code,
                    p.id_number.masked(),
                    p.day,
                    p.slot.as_str(),
                    p.service.as_str(),
                    p.channel.as_str(),
                    p.quote.city,
                    p.quote.district,
                    p.quote.elder
                ),
                at: clock.now,
            },
        )
        .await?;
    Ok(Placed { id, priced })
}

async fn existing(store: &Store, id: i64) -> Result<OrderRecord, MealError> {
    store
        .meals()
        .order(id)
        .await?
        .ok_or_else(|| invalid("order", format!("没有订单 {id}")))
}

/// Who an order records as having placed it: a staff account's name, or a resident's ID
/// number (names repeat; a relative's orders are found, and handled, by it).
pub fn orderer(who: &Account) -> String {
    match who {
        Account::Staff(s) => s.name.clone(),
        Account::Resident { id_number, .. } => id_number.as_str().to_string(),
    }
}

/// Whether `who` may handle order `o`: its canteen's staff, or the relative who placed it.
async fn may_handle(store: &Store, who: &Account, o: &OrderRecord) -> Result<(), MealError> {
    match who {
        Account::Staff(s) if s.role == Role::Provider => own_canteen(store, s, &o.canteen).await,
        Account::Resident { .. }
            if o.channel == Channel::Relative && o.ordered_by == orderer(who) =>
        {
            Ok(())
        }
        _ => Err(invalid(
            "actor",
            format!(
                "{} 不能处理订单 {}：由该助餐点或下单的亲属处理",
                who.name(),
                o.id
            ),
        )),
    }
}

/// Cancels an order before the cut-off: its canteen, or the relative who placed it.
pub async fn cancel(
    store: &Store,
    policy: &Policy,
    who: &Account,
    id: i64,
    clock: Clock,
) -> Result<(), MealError> {
    let o = existing(store, id).await?;
    may_handle(store, who, &o).await?;
    let canteen = filed_canteen(store, &o.canteen).await?;
    check_cancel(
        &canteen.canteen,
        o.day,
        o.slot,
        china_now(clock),
        &terms(policy, o.day)?,
    )?;
    moved(store, who, &o, Status::Cancelled, "meal_cancel", clock).await
}

/// Moves an ordered meal to `to`, with its audit entry.
async fn moved(
    store: &Store,
    who: &Account,
    o: &OrderRecord,
    to: Status,
    action: &str,
    clock: Clock,
) -> Result<(), MealError> {
    store
        .meals()
        .set_status(
            o.id,
            (Status::Ordered, to),
            (who.name(), clock.now),
            NewAuditEntry {
                actor: who.name().into(),
                action: action.into(),
                subject: format!("meal:{}", o.id),
                detail: format!(
                    "canteen={} day={} slot={}",
                    o.canteen,
                    o.day,
                    o.slot.as_str()
                ),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}

/// Records that an ordered meal was served (eaten at the canteen, or delivered): its canteen
/// only, on the day or after.
pub async fn serve(store: &Store, who: &Account, id: i64, clock: Clock) -> Result<(), MealError> {
    let o = existing(store, id).await?;
    let Account::Staff(s) = who else {
        return Err(invalid("actor", "供餐由助餐点登记"));
    };
    if s.role != Role::Provider {
        return Err(invalid("actor", "供餐由助餐点登记"));
    }
    own_canteen(store, s, &o.canteen).await?;
    if o.day > clock.today {
        return Err(invalid(
            "order",
            format!("订单 {id} 是 {} 的餐，尚未到供餐日", o.day),
        ));
    }
    moved(store, who, &o, Status::Served, "meal_serve", clock).await
}

/// Staff of a street, district or the city whose area holds `area`: who reviews a canteen's
/// settlement and takes back a meal found wrong.
fn supervisor<'a>(who: &'a Account, area: &AreaCode, what: &str) -> Result<&'a Staff, MealError> {
    match who {
        Account::Staff(s)
            if matches!(s.role, Role::Street | Role::District | Role::City)
                && area.is_within(&s.area) =>
        {
            Ok(s)
        }
        _ => Err(invalid(
            "actor",
            format!(
                "{what}由助餐点所在街道、区或市的民政工作人员办理，{} 不能办理",
                who.name()
            ),
        )),
    }
}

/// Takes back a served meal found wrong (an elder not there, a meal never delivered): the
/// street or above; the first of the canteen's settlements not yet approved deducts it.
pub async fn correct(
    store: &Store,
    who: &Account,
    id: i64,
    reason: &str,
    clock: Clock,
) -> Result<(), MealError> {
    let o = existing(store, id).await?;
    let canteen = filed_canteen(store, &o.canteen).await?;
    supervisor(who, &canteen.canteen.area, "更正")?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(invalid("reason", "请写明更正的原因"));
    }
    store
        .meals()
        .correct(
            id,
            reason,
            (who.name(), clock.now),
            NewAuditEntry {
                actor: who.name().into(),
                action: "meal_correct".into(),
                subject: format!("meal:{id}"),
                detail: format!(
                    "canteen={} city={} district={} reason={reason}",
                    o.canteen, o.quote.city, o.quote.district
                ),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}

/// Computes a canteen's statement for a month that has ended: the canteen's own account.
pub async fn settle(
    store: &Store,
    who: &Account,
    canteen: &str,
    month: Month,
    clock: Clock,
) -> Result<SettlementRecord, MealError> {
    match who {
        Account::Staff(s) if s.role == Role::Provider => own_canteen(store, s, canteen).await?,
        _ => return Err(invalid("actor", "结算单由助餐点生成，再由民政工作人员审核")),
    }
    if month.last_day() >= clock.today {
        return Err(invalid("month", format!("{month} 尚未结束，月末后再结算")));
    }
    Ok(store
        .meals()
        .settle(canteen.trim(), month, (who.name(), clock.now), |s| {
            NewAuditEntry {
                actor: who.name().into(),
                action: "meal_settle".into(),
                subject: format!("meal_settlement:{}", s.id),
                detail: format!(
                "canteen={} month={month} meals={} city={} district={} corrections={} payable={}",
                s.canteen,
                s.statement.meals,
                s.statement.city,
                s.statement.district,
                s.corrections,
                s.payable()
            ),
                at: clock.now,
            }
        })
        .await?)
}

/// Approves a settlement: street, district or city staff over the canteen's area, never who
/// computed it. What it owes the canteen becomes a due of the payments context.
pub async fn approve(
    store: &Store,
    who: &Account,
    id: i64,
    clock: Clock,
) -> Result<SettlementRecord, MealError> {
    let meals = store.meals();
    let record = meals
        .settlement(id)
        .await?
        .ok_or_else(|| invalid("settlement", format!("没有结算单 {id}")))?;
    let canteen = filed_canteen(store, &record.canteen).await?;
    if record.computed_by == who.name() {
        return Err(invalid(
            "approver",
            format!("结算单 {id} 由 {} 生成，须由另一人审核", record.computed_by),
        ));
    }
    supervisor(who, &canteen.canteen.area, "结算审核")?;
    if record.payable().is_negative() {
        return Err(invalid(
            "settlement",
            format!(
                "结算单 {id} 的更正扣回 {} 元多于本月补贴，请与助餐点核对后处理",
                Fen(record.corrected_city.0 + record.corrected_district.0)
            ),
        ));
    }
    let c = &canteen;
    Ok(meals
        .approve(
            id,
            (who.name(), clock.now),
            |s| {
                Ok(ProviderDue {
                    month: s.month,
                    program: PROGRAM.into(),
                    source_id: s.id,
                    payee_code: c.canteen.code.clone(),
                    payee_name: c.canteen.name.clone(),
                    bank_account: c.bank_account.clone(),
                    amount: s.payable(),
                    detail: format!(
                        "{} 助餐补贴：{} 份，市级 {} 元，区级 {} 元，更正扣回 {} 元",
                        s.month,
                        s.statement.subsidised,
                        s.statement.city,
                        s.statement.district,
                        Fen(s.corrected_city.0 + s.corrected_district.0)
                    ),
                })
            },
            |s| NewAuditEntry {
                actor: who.name().into(),
                action: "meal_settlement_approve".into(),
                subject: format!("meal_settlement:{}", s.id),
                detail: format!(
                    "canteen={} month={} payable={}",
                    s.canteen,
                    s.month,
                    s.payable()
                ),
                at: clock.now,
            },
        )
        .await?)
}

/// Pays the month's approved settlements not yet paid as a new batch of the providers' bank
/// file: district or city staff.
pub async fn pay(
    store: &Store,
    who: &Account,
    month: Month,
    dir: &Path,
    clock: Clock,
) -> Result<Option<ProviderBatch>, MealError> {
    match who {
        Account::Staff(s) if matches!(s.role, Role::District | Role::City) => {}
        _ => return Err(invalid("actor", "拨付由区或市民政工作人员办理")),
    }
    Ok(providers::disburse(store, month, dir, who.name(), clock).await?)
}

/// Lets a relative outside the elder's household order for them (亲属代订餐): the elder
/// themself, or community or street staff of the elder's area with the elder before them.
pub async fn authorise(
    store: &Store,
    who: &Account,
    elder: &str,
    relative: (&str, &str),
    clock: Clock,
) -> Result<(), MealError> {
    let elder = IdNumber::parse(elder.trim()).map_err(|e| invalid("id_number", e.to_string()))?;
    let relative_id = IdNumber::parse(relative.0.trim())
        .map_err(|e| invalid("relative_id_number", e.to_string()))?;
    let relative_name = relative.1.trim();
    if relative_name.is_empty() {
        return Err(invalid("relative_name", "请填写亲属姓名"));
    }
    if relative_id == elder {
        return Err(invalid("relative_id_number", "亲属不能是老年人本人"));
    }
    let file = store
        .household_file(elder.as_str())
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => {
                invalid("id_number", format!("登记中没有 {}", elder.masked()))
            }
            other => MealError::Store(other),
        })?;
    match who {
        Account::Resident { id_number, .. } if id_number == &elder => {}
        Account::Staff(s)
            if matches!(s.role, Role::Community | Role::Street) && file.area.is_within(&s.area) => {
        }
        _ => {
            return Err(invalid(
                "actor",
                "授权由老年人本人，或其所在社区、街道的工作人员办理",
            ))
        }
    }
    store
        .meals()
        .grant_proxy(
            &elder,
            (&relative_id, relative_name),
            clock.today,
            who.name(),
            NewAuditEntry {
                actor: who.name().into(),
                action: "meal_proxy".into(),
                subject: format!("person:{}", elder.masked()),
                detail: format!("relative={} name={relative_name}", relative_id.masked()),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}

/// The month's misuse checks over every served meal.
pub async fn review(
    store: &Store,
    policy: &Policy,
    month: Month,
) -> Result<Vec<Misuse>, MealError> {
    let meals = store.meals();
    let (served, deaths) = meals.served_in(month).await?;
    let capacity = meals
        .canteens()
        .await?
        .into_iter()
        .map(|c| (c.canteen.code, c.canteen.capacity))
        .collect();
    Ok(misuse(
        &served,
        &capacity,
        &deaths,
        &terms(policy, month.last_day())?,
    ))
}

/// Files the canteens of a synthetic city of `people` over the registry's areas (the demo),
/// unless canteens are filed already. Returns how many were filed.
pub async fn file_synthetic(
    store: &Store,
    people: u64,
    seed: u64,
    actor: &str,
    clock: Clock,
) -> Result<usize, MealError> {
    let meals = store.meals();
    if !meals.canteens().await?.is_empty() {
        return Ok(0);
    }
    let areas = store.areas().await?;
    let made = minsheng_synth::institutions::canteens(&areas, people, seed)
        .into_iter()
        .map(synthetic)
        .collect::<Result<Vec<_>, FieldError>>()?;
    meals
        .add_canteens(
            &made,
            actor,
            clock.now,
            NewAuditEntry {
                actor: actor.into(),
                action: "file_canteens".into(),
                subject: "canteens".into(),
                detail: format!("synthetic seed={seed} canteens={}", made.len()),
                at: clock.now,
            },
        )
        .await?;
    Ok(made.len())
}

fn synthetic(
    c: minsheng_synth::institutions::SyntheticCanteen,
) -> Result<CanteenRecord, FieldError> {
    let area =
        |text: &str| AreaCode::parse(text).map_err(|e| FieldError::new("area", e.to_string()));
    let mut slots = std::collections::BTreeMap::new();
    for (slot, starts) in &c.slots {
        let starts = chrono::NaiveTime::parse_from_str(starts, "%H:%M")
            .map_err(|e| FieldError::new("slot", e.to_string()))?;
        slots.insert(Slot::parse(slot)?, starts);
    }
    Ok(CanteenRecord {
        canteen: Canteen {
            area: area(&c.area)?,
            delivers_to: c
                .delivers_to
                .iter()
                .map(|a| area(a))
                .collect::<Result<_, _>>()?,
            code: c.code,
            name: c.name,
            slots,
            capacity: c.capacity,
        },
        bank_account: c.bank_account,
        opened_on: c.opened_on,
        dishes: c
            .dishes
            .into_iter()
            .map(|(code, name, slot, price, discount)| {
                Ok(Dish {
                    code,
                    name: name.into(),
                    slot: Slot::parse(slot)?,
                    price: Fen(price),
                    discount: Fen(discount),
                })
            })
            .collect::<Result<_, FieldError>>()?,
    })
}

/// Makes a provider account the staff of a canteen in its area (the demo's), filing one for
/// the area's first community when none stands there. Returns the canteen's code.
pub async fn link_provider(
    store: &Store,
    provider: &Staff,
    actor: &str,
    clock: Clock,
) -> Result<String, MealError> {
    let meals = store.meals();
    if let Some(code) = meals.canteen_of(&provider.name).await? {
        return Ok(code);
    }
    let canteens = meals.canteens().await?;
    let within = |c: &&CanteenRecord| c.canteen.area.is_within(&provider.area);
    let code = match canteens
        .iter()
        .filter(within)
        .find(|c| !c.canteen.delivers_to.is_empty())
        .or_else(|| canteens.iter().find(within))
    {
        Some(c) => c.canteen.code.clone(),
        None => {
            let areas = store.areas().await?;
            let community: Vec<_> = areas
                .into_iter()
                .filter(|a| {
                    a.code.level() == minsheng_core::AreaLevel::Community
                        && a.code.is_within(&provider.area)
                })
                .take(1)
                .collect();
            let Some(made) = minsheng_synth::institutions::canteens(&community, 1, 1)
                .into_iter()
                .next()
            else {
                return Err(invalid(
                    "area",
                    format!("{} 下没有社区，无法设立助餐点", provider.area),
                ));
            };
            let mut record = synthetic(made)?;
            // The provider's canteen delivers throughout the provider's area.
            record.canteen.delivers_to = vec![provider.area.clone()];
            let code = record.canteen.code.clone();
            meals
                .add_canteens(
                    std::slice::from_ref(&record),
                    actor,
                    clock.now,
                    NewAuditEntry {
                        actor: actor.into(),
                        action: "file_canteens".into(),
                        subject: format!("canteen:{code}"),
                        detail: format!("canteen for {}", provider.name),
                        at: clock.now,
                    },
                )
                .await?;
            code
        }
    };
    meals
        .link_staff(
            &provider.name,
            &code,
            NewAuditEntry {
                actor: actor.into(),
                action: "canteen_staff".into(),
                subject: format!("canteen:{code}"),
                detail: format!("staff={}", provider.name),
                at: clock.now,
            },
        )
        .await?;
    Ok(code)
}

/// Records a past month's served meals as history (the demo city's): each priced by the rules
/// as [`quote`] prices it for the account named, recorded served and settled in its month.
/// Returns how many.
pub async fn record_history(
    store: &Store,
    policy: &Policy,
    meals: &[(Account, OrderForm<'_>)],
    actor: &str,
    clock: Clock,
) -> Result<usize, MealError> {
    let mut priced = Vec::with_capacity(meals.len());
    for (who, form) in meals {
        priced.push((orderer(who), quote(store, policy, who, form, clock).await?));
    }
    let Some(month) = priced.first().map(|(_, p)| Month::containing(p.day)) else {
        return Ok(0);
    };
    if priced
        .iter()
        .any(|(_, p)| Month::containing(p.day) != month)
    {
        return Err(invalid("day", "历史供餐须属于同一个月"));
    }
    let list: Vec<(NewOrder<'_>, String)> = priced
        .iter()
        .map(|(by, p)| (p.new_order(), by.clone()))
        .collect();
    Ok(store
        .meals()
        .record_history(
            &list,
            month,
            clock.now,
            NewAuditEntry {
                actor: actor.into(),
                action: "meal_history".into(),
                subject: format!("meals:{month}"),
                detail: format!("synthetic served meals={}", list.len()),
                at: clock.now,
            },
        )
        .await?)
}

/// Staff of a district or the city over `area`: who files canteens and says who works there.
fn registrar<'a>(who: &'a Account, area: &AreaCode) -> Result<&'a Staff, MealError> {
    match who {
        Account::Staff(s)
            if matches!(s.role, Role::District | Role::City) && area.is_within(&s.area) =>
        {
            Ok(s)
        }
        _ => Err(invalid(
            "actor",
            format!(
                "助餐点由区或市民政工作人员登记，{} 不能登记 {area} 的助餐点",
                who.name()
            ),
        )),
    }
}

/// Files canteens with their menus (the civil-affairs bureau's list), all or none: each
/// checked — a known area within the filer's, a capacity, slots for its dishes, prices and
/// discounts that make sense, known delivery areas, a code not yet filed — before any is.
pub async fn file_canteens(
    store: &Store,
    list: &[CanteenRecord],
    who: &Account,
    clock: Clock,
) -> Result<usize, MealError> {
    let known: std::collections::HashSet<String> = store
        .areas()
        .await?
        .into_iter()
        .map(|a| a.code.as_str().to_string())
        .collect();
    let filed: std::collections::HashSet<String> = store
        .meals()
        .canteens()
        .await?
        .into_iter()
        .map(|c| c.canteen.code)
        .collect();
    let mut seen = std::collections::HashSet::new();
    for c in list {
        let k = &c.canteen;
        let at = |field: &str, reason: String| {
            invalid(field, format!("{} ({}): {reason}", k.code, k.name))
        };
        if k.code.trim().is_empty() || k.name.trim().is_empty() {
            return Err(at("code", "编号和名称不能为空".into()));
        }
        if filed.contains(&k.code) || !seen.insert(k.code.clone()) {
            return Err(at("code", "该编号已登记".into()));
        }
        if !known.contains(k.area.as_str()) {
            return Err(at("area", format!("区域 {} 未登记", k.area)));
        }
        registrar(who, &k.area)?;
        if k.capacity == 0 {
            return Err(at("capacity", "每餐供餐能力须大于 0".into()));
        }
        if let Some(a) = k.delivers_to.iter().find(|a| !known.contains(a.as_str())) {
            return Err(at("delivers_to", format!("送餐区域 {a} 未登记")));
        }
        check_menu(k, &c.dishes).map_err(|e| at(&e.field, e.reason))?;
    }
    store
        .meals()
        .add_canteens(
            list,
            who.name(),
            clock.now,
            NewAuditEntry {
                actor: who.name().into(),
                action: "file_canteens".into(),
                subject: "canteens".into(),
                detail: format!("canteens={}", list.len()),
                at: clock.now,
            },
        )
        .await?;
    Ok(list.len())
}

/// Makes a provider account the staff of a canteen (its counter, its settlements): district
/// or city staff over the canteen; the account must be a provider's whose area holds it.
pub async fn assign_staff(
    store: &Store,
    who: &Account,
    login: &str,
    canteen: &str,
    clock: Clock,
) -> Result<(), MealError> {
    let record = filed_canteen(store, canteen).await?;
    registrar(who, &record.canteen.area)?;
    let staff = store
        .staff(login.trim())
        .await?
        .ok_or_else(|| invalid("staff", format!("没有工作人员「{login}」")))?;
    if staff.role != Role::Provider || !record.canteen.area.is_within(&staff.area) {
        return Err(invalid(
            "staff",
            format!(
                "{} 是{}（{}），须是服务机构账号且其区域包含助餐点所在的 {}",
                staff.name,
                staff.role.label(),
                staff.area,
                record.canteen.area
            ),
        ));
    }
    store
        .meals()
        .link_staff(
            &staff.name,
            &record.canteen.code,
            NewAuditEntry {
                actor: who.name().into(),
                action: "canteen_staff".into(),
                subject: format!("canteen:{}", record.canteen.code),
                detail: format!("staff={}", staff.name),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}

/// A menu's checks: at least one dish, each of a slot the canteen serves, with a price above
/// nothing and a discount within it, each code once.
fn check_menu(canteen: &Canteen, dishes: &[Dish]) -> Result<(), FieldError> {
    if dishes.is_empty() {
        return Err(FieldError::new("dish", "至少要有一道菜品"));
    }
    let mut codes = std::collections::HashSet::new();
    for d in dishes {
        if d.code.trim().is_empty() || !codes.insert(d.code.as_str()) {
            return Err(FieldError::new(
                "dish",
                format!("菜品编号「{}」为空或重复", d.code),
            ));
        }
        if !canteen.slots.contains_key(&d.slot) {
            return Err(FieldError::new(
                "slot",
                format!(
                    "菜品 {} 是{}，该助餐点不供应{}",
                    d.name,
                    d.slot.label(),
                    d.slot.label()
                ),
            ));
        }
        if d.price <= Fen::ZERO || d.discount.is_negative() || d.discount > d.price {
            return Err(FieldError::new(
                "price",
                format!(
                    "菜品 {} 的价格 {} 元或让利 {} 元不合理",
                    d.name, d.price, d.discount
                ),
            ));
        }
    }
    Ok(())
}

/// Replaces a canteen's menu: its own account, or district or city staff over it. Orders
/// already placed keep the price they were quoted.
pub async fn set_menu(
    store: &Store,
    who: &Account,
    canteen: &str,
    dishes: &[Dish],
    clock: Clock,
) -> Result<(), MealError> {
    let record = filed_canteen(store, canteen).await?;
    match who {
        Account::Staff(s) if s.role == Role::Provider => {
            own_canteen(store, s, &record.canteen.code).await?
        }
        _ => {
            registrar(who, &record.canteen.area)?;
        }
    }
    check_menu(&record.canteen, dishes)?;
    store
        .meals()
        .replace_menu(
            &record.canteen.code,
            dishes,
            NewAuditEntry {
                actor: who.name().into(),
                action: "canteen_menu".into(),
                subject: format!("canteen:{}", record.canteen.code),
                detail: format!("dishes={}", dishes.len()),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}
