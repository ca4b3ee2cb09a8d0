//! Meal aid on the web: the canteen's order screen (a tablet at the counter: the elder's ID
//! number typed or read from the card, the price shown before confirming, the day's orders
//! served or cancelled), a relative's page for ordering for an elder (亲属代订餐) and the
//! elder's own authorisation of a relative, and the month's settlements — computed by the
//! canteen, approved by street or district staff, paid by the district.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::NaiveDate;

use minsheng_core::access::{Account, Role};
use minsheng_core::{IdNumber, Month};
use minsheng_eldercare::meals::{
    self, CanteenRecord, MealError, MealsStore as _, OrderForm, OrderRecord, Priced,
    SettlementRecord, Slot, Status,
};

use crate::error::{PageError, WebError};
use crate::extract::{PagePath, PageQuery};
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::session::{OnPage, Signed};
use crate::Web;

pub(crate) fn meal_error(e: MealError) -> WebError {
    match e {
        MealError::Invalid(e) => WebError::invalid(&e.field, e.reason),
        MealError::Store(e) => e.into(),
        MealError::Pay(e) => e.into(),
    }
}

/// An order as a list shows it.
pub struct OrderRow {
    pub id: i64,
    pub day: String,
    pub slot: &'static str,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub service: &'static str,
    pub dish: String,
    pub price: String,
    pub elder: String,
    pub government: String,
    pub channel: &'static str,
    pub status: &'static str,
    pub open: bool,
}

impl OrderRow {
    fn of(o: &OrderRecord, dishes: &[meals::Dish]) -> OrderRow {
        OrderRow {
            id: o.id,
            day: o.day.to_string(),
            slot: o.slot.label(),
            name: o.name.clone(),
            id_number: o.id_number.masked(),
            service: o.service.label(),
            dish: dishes
                .iter()
                .find(|d| d.code == o.dish)
                .map_or_else(|| o.dish.clone(), |d| d.name.clone()),
            price: o.quote.price.to_string(),
            elder: o.quote.elder.to_string(),
            government: o.quote.government().to_string(),
            channel: o.channel.label(),
            status: o.status.label(),
            open: o.status == Status::Ordered,
        }
    }
}

#[derive(Template)]
#[template(path = "meals.html")]
struct OrderScreen {
    frame: Option<Frame>,
    csrf: String,
    /// The canteen the page orders at: the provider's own, or the one a relative chose.
    canteen: Option<CanteenRecord>,
    /// The canteens a relative may choose from (those serving the elder's area), or none.
    canteens: Vec<(String, String)>,
    is_canteen: bool,
    /// The slots to choose from: those the canteen serves, or every slot.
    slots: Vec<(&'static str, &'static str)>,
    day: String,
    today: String,
    rows: Vec<OrderRow>,
    sent: HashMap<String, String>,
    message: Option<String>,
    done: Option<String>,
}

impl OrderScreen {
    fn sent(&self, name: &str) -> &str {
        self.sent.get(name).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "meal_quote.html")]
struct QuotePage {
    frame: Option<Frame>,
    csrf: String,
    priced: Priced,
    fields: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "meal_settlements.html")]
struct SettlementsPage {
    frame: Option<Frame>,
    csrf: String,
    month: String,
    rows: Vec<SettlementRow>,
    may_settle: bool,
    may_approve: bool,
    may_pay: bool,
    /// The month's misuse checks over the canteens the account supervises.
    findings: Vec<FindingRow>,
    message: Option<String>,
}

pub struct FindingRow {
    pub kind: &'static str,
    /// The elder's masked ID number, or the canteen's name.
    pub who: String,
    pub canteens: String,
    pub what: String,
}

pub struct SettlementRow {
    pub id: i64,
    pub canteen: String,
    pub name: String,
    pub meals: u64,
    pub subsidised: u64,
    pub delivered: u64,
    pub city: String,
    pub district: String,
    pub corrected: String,
    pub payable: String,
    pub computed_by: String,
    pub approved_by: Option<String>,
    pub paid: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
pub struct ScreenParams {
    day: Option<String>,
    canteen: Option<String>,
    done: Option<String>,
}

pub(crate) fn parse_day(text: Option<&str>, today: NaiveDate) -> Result<NaiveDate, WebError> {
    match text.map(str::trim) {
        None | Some("") => Ok(today),
        Some(t) => t
            .parse()
            .map_err(|_| WebError::invalid("day", format!("「{t}」不是日期（应为 YYYY-MM-DD）"))),
    }
}

async fn own_canteen(web: &Web, who: &Signed) -> Result<Option<CanteenRecord>, WebError> {
    let Some(code) = web.store.meals().canteen_of(who.account.name()).await? else {
        return Ok(None);
    };
    Ok(web.store.meals().canteen(&code).await?)
}

async fn screen(
    web: &Web,
    who: &Signed,
    params: &ScreenParams,
    sent: HashMap<String, String>,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let clock = web.clock();
    let day = parse_day(params.day.as_deref(), clock.today)?;
    let (canteen, canteens, is_canteen, rows) = match &who.account {
        Account::Staff(s) if s.role == Role::Provider => {
            let canteen = own_canteen(web, who).await?.ok_or_else(|| {
                WebError::Forbidden(format!("{} 未登记为助餐点的工作人员", s.name))
            })?;
            let orders = web
                .store
                .meals()
                .orders_on(&canteen.canteen.code, day)
                .await?;
            let rows = orders
                .iter()
                .map(|o| OrderRow::of(o, &canteen.dishes))
                .collect();
            (Some(canteen), Vec::new(), true, rows)
        }
        Account::Resident { id_number, .. } => {
            // A relative chooses among the canteens serving the area of the household they
            // live in; they may order at any canteen that serves the elder's.
            let all = web.store.meals().canteens().await?;
            let chosen = params
                .canteen
                .as_deref()
                .or(sent.get("canteen").map(String::as_str))
                .and_then(|code| all.iter().find(|c| c.canteen.code == code).cloned());
            let canteens = all
                .iter()
                .map(|c| (c.canteen.code.clone(), c.canteen.name.clone()))
                .collect();
            // The orders this resident placed, from today on.
            let rows = web
                .store
                .meals()
                .orders_by(id_number.as_str(), clock.today)
                .await?
                .iter()
                .map(|o| {
                    let dishes = all
                        .iter()
                        .find(|c| c.canteen.code == o.canteen)
                        .map(|c| c.dishes.as_slice())
                        .unwrap_or_default();
                    OrderRow::of(o, dishes)
                })
                .collect();
            (chosen, canteens, false, rows)
        }
        Account::Staff(_) => {
            return Err(WebError::Forbidden(
                "订餐由助餐点或老年人的亲属办理；工作人员请看结算".into(),
            )
            .into())
        }
    };
    let slots = match &canteen {
        Some(c) => c
            .canteen
            .slots
            .keys()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        None => Slot::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
    };
    let page = OrderScreen {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        slots,
        canteen,
        canteens,
        is_canteen,
        day: day.to_string(),
        today: clock.today.to_string(),
        rows,
        sent,
        message,
        done: params.done.clone(),
    };
    Ok(Html(page.render()?))
}

/// The order screen: a canteen's day, or a relative's ordering page.
pub async fn order_screen(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<ScreenParams>,
) -> Result<Response, PageError> {
    if let Account::Staff(s) = &who.account {
        if s.role != Role::Provider {
            return Ok(Redirect::to("/meals/settlements").into_response());
        }
    }
    Ok(screen(&web, &who, &params, HashMap::new(), None)
        .await?
        .into_response())
}

/// The canteen a canteen's staff order at (their own, whatever the form says); `None` for a
/// relative, who chooses.
pub(crate) async fn ordering_at(web: &Web, who: &Signed) -> Result<Option<String>, WebError> {
    Ok(match &who.account {
        Account::Staff(_) => own_canteen(web, who).await?.map(|c| c.canteen.code),
        Account::Resident { .. } => None,
    })
}

/// The day a form names (today if none) and the canteen the account orders at.
async fn sent_day_and_canteen(
    web: &Web,
    who: &Signed,
    sent: &HashMap<String, String>,
) -> Result<(NaiveDate, Option<String>), WebError> {
    let day = parse_day(sent.get("day").map(String::as_str), web.clock().today)?;
    Ok((day, ordering_at(web, who).await?))
}

type Sent = axum_extra::extract::Form<HashMap<String, String>>;

fn form_of<'a>(
    sent: &'a HashMap<String, String>,
    own: Option<&'a str>,
    day: NaiveDate,
) -> OrderForm<'a> {
    let get = |name: &str| sent.get(name).map_or("", |v| v.trim());
    OrderForm {
        canteen: own.unwrap_or_else(|| get("canteen")),
        id_number: get("id_number"),
        day,
        slot: get("slot"),
        service: get("service"),
        dish: get("dish"),
    }
}

/// The screen again with what is wrong, the form as it was sent.
async fn refused(
    web: &Web,
    who: &Signed,
    sent: HashMap<String, String>,
    e: WebError,
) -> Result<Response, PageError> {
    match e {
        WebError::Invalid { .. } | WebError::Conflict { .. } => {
            let params = ScreenParams {
                day: sent.get("day").cloned(),
                canteen: sent.get("canteen").cloned(),
                done: None,
            };
            let message = e.message(crate::i18n::current());
            let page = screen(web, who, &params, sent, Some(message)).await?;
            Ok((e.status(), page).into_response())
        }
        other => Err(other.into()),
    }
}

/// What the order costs, shown before it is confirmed.
pub async fn quote(
    State(web): State<Web>,
    OnPage(who): OnPage,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let priced = async {
        let (day, own) = sent_day_and_canteen(&web, &who, &sent).await?;
        meals::quote(
            &web.store,
            &web.policy,
            &who.account,
            &form_of(&sent, own.as_deref(), day),
            clock,
        )
        .await
        .map_err(meal_error)
    }
    .await;
    match priced {
        Ok(priced) => {
            let fields = vec![
                ("canteen", priced.canteen.canteen.code.clone()),
                ("id_number", priced.id_number.as_str().to_string()),
                ("day", priced.day.to_string()),
                ("slot", priced.slot.as_str().to_string()),
                ("service", priced.service.as_str().to_string()),
                ("dish", priced.dish.code.clone()),
            ];
            let page = QuotePage {
                frame: Frame::of(&who),
                csrf: who.csrf().to_string(),
                priced,
                fields,
            };
            Ok(Html(page.render().map_err(WebError::from)?).into_response())
        }
        Err(e) => refused(&web, &who, sent, e).await,
    }
}

/// The confirmed order placed, and the screen again.
pub async fn place(
    State(web): State<Web>,
    OnPage(who): OnPage,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let placed = async {
        let (day, own) = sent_day_and_canteen(&web, &who, &sent).await?;
        meals::order(
            &web.store,
            &web.policy,
            &who.account,
            &form_of(&sent, own.as_deref(), day),
            clock,
        )
        .await
        .map_err(meal_error)
    }
    .await;
    match placed {
        Ok(placed) => {
            let p = &placed.priced;
            let mut to = format!("/meals?day={}&done=order", p.day);
            if !matches!(who.account, Account::Staff(_)) {
                to.push_str(&format!("&canteen={}", p.canteen.canteen.code));
            }
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => refused(&web, &who, sent, e).await,
    }
}

/// An order served or cancelled.
pub async fn order_step(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath((id, step)): PagePath<(i64, String)>,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let done = match step.as_str() {
        "serve" => meals::serve(&web.store, &who.account, id, clock)
            .await
            .map_err(meal_error),
        "cancel" => meals::cancel(&web.store, &web.policy, &who.account, id, clock)
            .await
            .map_err(meal_error),
        other => Err(WebError::invalid(
            "step",
            format!("「{other}」不是 serve 或 cancel"),
        )),
    };
    match done {
        Ok(()) => {
            let day = sent.get("day").cloned().unwrap_or_default();
            Ok(Redirect::to(&format!("/meals?day={day}&done={step}")).into_response())
        }
        Err(e) => refused(&web, &who, sent, e).await,
    }
}

/// An elder lets a relative order for them (or community staff record it for the elder).
pub async fn authorise(
    State(web): State<Web>,
    OnPage(who): OnPage,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let get = |name: &str| sent.get(name).map_or("", |v| v.trim());
    let elder = match &who.account {
        Account::Resident { id_number, .. } => id_number.as_str().to_string(),
        Account::Staff(_) => get("id_number").to_string(),
    };
    match meals::authorise(
        &web.store,
        &who.account,
        &elder,
        (get("relative_id_number"), get("relative_name")),
        clock,
    )
    .await
    .map_err(meal_error)
    {
        Ok(()) => Ok(Redirect::to("/meals?done=authorise").into_response()),
        Err(e) => refused(&web, &who, sent, e).await,
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct MonthParams {
    month: Option<String>,
}

fn last_month(web: &Web) -> Month {
    Month::containing(web.clock().today).previous()
}

async fn settlements_page(
    web: &Web,
    who: &Signed,
    month: Month,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    let meals = web.store.meals();
    let canteens = meals.canteens().await?;
    let own = match &who.account {
        Account::Staff(s) if s.role == Role::Provider => meals.canteen_of(&s.name).await?,
        Account::Staff(_) => None,
        Account::Resident { .. } => {
            return Err(WebError::Forbidden("结算由助餐点和民政工作人员办理".into()).into())
        }
    };
    let scope = who.account.scope();
    let covers = |area: &minsheng_core::AreaCode| match &scope {
        minsheng_core::access::Scope::Everything => true,
        minsheng_core::access::Scope::Area(a) => area.is_within(a),
        _ => false,
    };
    let paid: HashMap<i64, String> =
        minsheng_payments::providers::paid_sources(&web.store, meals::PROGRAM, month)
            .await?
            .into_iter()
            .collect();
    let rows = meals
        .settlements(month)
        .await?
        .iter()
        .filter_map(|s: &SettlementRecord| {
            let canteen = canteens.iter().find(|c| c.canteen.code == s.canteen)?;
            let visible = match &own {
                Some(code) => code == &s.canteen,
                None => covers(&canteen.canteen.area),
            };
            visible.then(|| SettlementRow {
                id: s.id,
                canteen: s.canteen.clone(),
                name: canteen.canteen.name.clone(),
                meals: s.statement.meals,
                subsidised: s.statement.subsidised,
                delivered: s.statement.delivered,
                city: s.statement.city.to_string(),
                district: s.statement.district.to_string(),
                corrected: minsheng_core::Fen(s.corrected_city.0 + s.corrected_district.0)
                    .to_string(),
                payable: s.payable().to_string(),
                computed_by: s.computed_by.clone(),
                approved_by: s.approved_by.clone(),
                paid: paid.get(&s.id).cloned(),
            })
        })
        .collect();
    let name_of = |code: &str| {
        canteens
            .iter()
            .find(|c| c.canteen.code == code)
            .map_or_else(|| code.to_string(), |c| c.canteen.name.clone())
    };
    let supervised = |code: &str| {
        canteens
            .iter()
            .any(|c| c.canteen.code == code && covers(&c.canteen.area))
    };
    let findings = if own.is_none() {
        meals::review(&web.store, &web.policy, month)
            .await
            .map_err(meal_error)?
            .iter()
            .filter(|m| m.canteens().iter().any(|c| supervised(c)))
            .map(|m| FindingRow {
                kind: m.label(),
                who: m.elder().map_or_else(
                    || {
                        m.canteens()
                            .iter()
                            .map(|c| name_of(c))
                            .collect::<Vec<_>>()
                            .join("、")
                    },
                    |e| IdNumber::parse(e).map_or_else(|_| "—".into(), |id| id.masked()),
                ),
                canteens: m
                    .canteens()
                    .iter()
                    .map(|c| name_of(c))
                    .collect::<Vec<_>>()
                    .join("、"),
                what: m.describe(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let role = who.account.role();
    let page = SettlementsPage {
        findings,
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        month: month.to_string(),
        rows,
        may_settle: own.is_some(),
        may_approve: matches!(role, Some(Role::Street | Role::District | Role::City)),
        may_pay: matches!(role, Some(Role::District | Role::City)),
        message,
    };
    Ok(Html(page.render()?))
}

fn month_of(text: Option<&str>, web: &Web) -> Result<Month, WebError> {
    match text.map(str::trim) {
        None | Some("") => Ok(last_month(web)),
        Some(t) => t.parse().map_err(|e: minsheng_core::period::MonthError| {
            WebError::invalid("month", e.to_string())
        }),
    }
}

/// The month's settlements the account may see, with the steps it may take.
pub async fn settlements(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<MonthParams>,
) -> Result<Html<String>, PageError> {
    let month = month_of(params.month.as_deref(), &web)?;
    settlements_page(&web, &who, month, None).await
}

/// A settlement step: `settle` (the canteen computes its month), `approve` (street or
/// district staff), `pay` (the district sends the month's approved settlements to the bank).
pub async fn settlement_step(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(step): PagePath<String>,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let month = month_of(sent.get("month").map(String::as_str), &web)?;
    let get = |name: &str| sent.get(name).map_or("", |v| v.trim());
    let done: Result<(), WebError> = async {
        match step.as_str() {
            "settle" => {
                let own = web
                    .store
                    .meals()
                    .canteen_of(who.account.name())
                    .await?
                    .unwrap_or_default();
                meals::settle(&web.store, &who.account, &own, month, clock)
                    .await
                    .map_err(meal_error)?;
            }
            "approve" => {
                let id: i64 = get("settlement")
                    .parse()
                    .map_err(|_| WebError::invalid("settlement", "不是结算单编号"))?;
                meals::approve(&web.store, &who.account, id, clock)
                    .await
                    .map_err(meal_error)?;
            }
            "pay" => {
                meals::pay(&web.store, &who.account, month, &web.bank_dir, clock)
                    .await
                    .map_err(meal_error)?;
            }
            other => {
                return Err(WebError::invalid(
                    "step",
                    format!("「{other}」不是 settle、approve 或 pay"),
                ))
            }
        }
        Ok(())
    }
    .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/meals/settlements?month={month}")).into_response()),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict { .. })) => {
            let page = settlements_page(&web, &who, month, Some(e.message(crate::i18n::current())))
                .await?;
            Ok((e.status(), page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
