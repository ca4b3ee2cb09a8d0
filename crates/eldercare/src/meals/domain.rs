//! Meal aid (老年助餐) as the rules price and check it, with no IO: what an elder pays for a
//! meal and who pays the rest, whether an order may be placed or cancelled, a canteen's month
//! settled by funding source, and the checks that find misuse.
//!
//! Qingdao funds a meal from several sources (崂办字〔2024〕12号 第十一条: "个人出一点、企业让一点、
//! 政府补一点"): the canteen's own discount (让利) comes off the price first, then the government's
//! subsidy up to the rules' cap for the elder (最高6元就餐补贴和8元送餐补贴), split between the city
//! and the district by a parameter; the elder pays the rest. A 12-yuan meal with a 6-yuan
//! subsidy costs the elder 6 yuan (the Laoshan canteen of the 2023 civil-affairs review).

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use minsheng_core::{AreaCode, Fen, FieldError};

/// The meals of a day a canteen may serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    Breakfast,
    Lunch,
    Dinner,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::Breakfast, Slot::Lunch, Slot::Dinner];

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Breakfast => "breakfast",
            Slot::Lunch => "lunch",
            Slot::Dinner => "dinner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Slot::Breakfast => "早餐",
            Slot::Lunch => "午餐",
            Slot::Dinner => "晚餐",
        }
    }

    pub fn parse(text: &str) -> Result<Slot, FieldError> {
        Slot::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim() || s.label() == text.trim())
            .ok_or_else(|| {
                FieldError::new("slot", format!("「{text}」不是餐次（早餐、午餐、晚餐）"))
            })
    }
}

/// How the meal reaches the elder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// Eaten at the canteen (堂食).
    DineIn,
    /// Delivered to the elder's home (送餐上门).
    Delivered,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Service::DineIn => "dine_in",
            Service::Delivered => "delivered",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Service::DineIn => "堂食",
            Service::Delivered => "送餐上门",
        }
    }

    pub fn parse(text: &str) -> Result<Service, FieldError> {
        [Service::DineIn, Service::Delivered]
            .into_iter()
            .find(|s| s.as_str() == text.trim() || s.label() == text.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "service",
                    format!("「{text}」不是就餐方式（堂食、送餐上门）"),
                )
            })
    }
}

/// The local parameters of meal aid in force on the day of a meal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// The city's share of the government subsidy, in basis points (5000 = half); the district
    /// pays the rest.
    pub city_share_bp: i64,
    /// Subsidised meals an elder may have in one slot of one day.
    pub per_slot: u32,
    /// How long before a slot begins an order may still be cancelled.
    pub cancel_before: Duration,
    /// Subsidised meals in a month above which an elder's meals are looked at.
    pub monthly_norm: u32,
}

/// What one meal costs and who pays it, to the fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub price: Fen,
    /// The canteen's own discount (企业让一点).
    pub canteen: Fen,
    /// The government's subsidy, city and district together, at most `cap`.
    pub city: Fen,
    pub district: Fen,
    /// The rules' cap for this elder and service (0 for one the rules do not subsidise).
    pub cap: Fen,
    /// What the elder pays.
    pub elder: Fen,
}

impl Quote {
    /// Prices a meal: the canteen's discount first, then the subsidy up to `cap`, split by the
    /// city's share (the district takes the fen a split leaves over, so the parts always add
    /// up), and the elder pays what is left.
    pub fn of(price: Fen, canteen: Fen, cap: Fen, terms: &Terms) -> Result<Quote, FieldError> {
        if price <= Fen::ZERO {
            return Err(FieldError::new("price", "价格须大于 0 元"));
        }
        if canteen.is_negative() || canteen > price {
            return Err(FieldError::new(
                "discount",
                format!("机构让利 {canteen} 元须在 0 元与价格 {price} 元之间"),
            ));
        }
        if cap.is_negative() {
            return Err(FieldError::new("cap", "补贴上限不能为负"));
        }
        if !(0..=10_000).contains(&terms.city_share_bp) {
            return Err(FieldError::new(
                "city_share",
                "市级分担比例须在 0 与 100% 之间",
            ));
        }
        let after_discount = Fen(price.0 - canteen.0);
        let government = cap.min(after_discount);
        let overflow = || FieldError::new("price", "金额过大，无法精确计算");
        let city = government
            .0
            .checked_mul(terms.city_share_bp)
            .map(|v| Fen(v / 10_000))
            .ok_or_else(overflow)?;
        Ok(Quote {
            price,
            canteen,
            city,
            district: Fen(government.0 - city.0),
            cap,
            elder: Fen(after_discount.0 - government.0),
        })
    }

    pub fn government(&self) -> Fen {
        Fen(self.city.0 + self.district.0)
    }

    pub fn subsidised(&self) -> bool {
        self.government() > Fen::ZERO
    }

    /// The quote in a sentence, as the order screen shows it before the elder confirms.
    pub fn explained(&self, rule: &str) -> String {
        let mut text = format!("原价 {} 元", self.price);
        if self.canteen > Fen::ZERO {
            text.push_str(&format!("，机构让利 {} 元", self.canteen));
        }
        if self.subsidised() {
            text.push_str(&format!(
                "，政府补贴 {} 元（市级 {} 元、区级 {} 元；{}每餐最高 {} 元）",
                self.government(),
                self.city,
                self.district,
                rule,
                self.cap
            ));
        } else {
            text.push_str("，不享受政府补贴");
        }
        text.push_str(&format!("，本人支付 {} 元", self.elder));
        text
    }
}

/// A canteen as an order needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canteen {
    pub code: String,
    pub name: String,
    pub area: AreaCode,
    /// The slots it serves, each with the time it begins.
    pub slots: BTreeMap<Slot, NaiveTime>,
    /// Communities (or wider areas) it delivers to; empty: it does not deliver.
    pub delivers_to: Vec<AreaCode>,
    /// Meals it can serve in one slot.
    pub capacity: u32,
}

impl Canteen {
    pub fn delivers_to(&self, area: &AreaCode) -> bool {
        self.delivers_to.iter().any(|a| area.is_within(a))
    }

    /// When `slot` of `day` begins at this canteen, if it serves it.
    pub fn starts(&self, day: NaiveDate, slot: Slot) -> Option<NaiveDateTime> {
        self.slots.get(&slot).map(|t| day.and_time(*t))
    }
}

/// What an order's checks need to know, read by the caller in the order's transaction.
#[derive(Debug, Clone)]
pub struct OrderContext<'a> {
    pub canteen: &'a Canteen,
    pub day: NaiveDate,
    pub slot: Slot,
    pub service: Service,
    /// The elder's community, and the day of their death if the registry records one.
    pub elder_area: &'a AreaCode,
    pub died_on: Option<NaiveDate>,
    /// Orders already placed for this slot of this day: the elder's subsidised ones (at any
    /// canteen), and the canteen's own (all elders).
    pub elder_subsidised: u32,
    pub canteen_orders: u32,
    /// When the order is placed.
    pub now: NaiveDateTime,
}

/// Whether an order may be placed: a clear reason naming the field when not. `quote` is the
/// meal's price for this elder; a subsidised meal is limited per slot.
pub fn check_order(
    order: &OrderContext<'_>,
    quote: &Quote,
    terms: &Terms,
) -> Result<(), FieldError> {
    let canteen = order.canteen;
    let Some(starts) = canteen.starts(order.day, order.slot) else {
        let served: Vec<&str> = canteen.slots.keys().map(|s| s.label()).collect();
        return Err(FieldError::new(
            "slot",
            format!(
                "{}不供应{}（供应：{}）",
                canteen.name,
                order.slot.label(),
                served.join("、")
            ),
        ));
    };
    if starts <= order.now {
        return Err(FieldError::new(
            "day",
            format!("{} {} 已开餐，不能再预订", order.day, order.slot.label()),
        ));
    }
    if let Some(died) = order.died_on {
        if died <= order.day {
            return Err(FieldError::new(
                "id_number",
                format!("登记记录显示该老年人已于 {died} 去世"),
            ));
        }
    }
    if order.service == Service::Delivered && !canteen.delivers_to(order.elder_area) {
        return Err(FieldError::new(
            "service",
            format!("{}不向 {} 送餐", canteen.name, order.elder_area),
        ));
    }
    if order.canteen_orders >= canteen.capacity {
        return Err(FieldError::new(
            "slot",
            format!(
                "{} {} {}已满（每餐 {} 份）",
                canteen.name,
                order.day,
                order.slot.label(),
                canteen.capacity
            ),
        ));
    }
    if quote.subsidised() && order.elder_subsidised >= terms.per_slot {
        return Err(FieldError::new(
            "slot",
            format!(
                "该老年人 {} {} 已有 {} 份补贴餐，每餐次最多 {} 份",
                order.day,
                order.slot.label(),
                order.elder_subsidised,
                terms.per_slot
            ),
        ));
    }
    Ok(())
}

/// Whether an order for `slot` of `day` at `canteen` may still be cancelled at `now`.
pub fn check_cancel(
    canteen: &Canteen,
    day: NaiveDate,
    slot: Slot,
    now: NaiveDateTime,
    terms: &Terms,
) -> Result<(), FieldError> {
    let starts = canteen
        .starts(day, slot)
        .unwrap_or_else(|| day.and_time(NaiveTime::MIN));
    let cutoff = starts - terms.cancel_before;
    if now >= cutoff {
        return Err(FieldError::new(
            "order",
            format!(
                "开餐前 {} 分钟截止取消（截止于 {cutoff}）",
                terms.cancel_before.num_minutes()
            ),
        ));
    }
    Ok(())
}

/// A served meal as a settlement counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedMeal {
    pub order: i64,
    pub elder: String,
    pub canteen: String,
    pub day: NaiveDate,
    pub slot: Slot,
    pub service: Service,
    pub quote: Quote,
}

/// A canteen's month by funding source: what the city and the district owe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    pub meals: u64,
    pub subsidised: u64,
    pub dine_in: u64,
    pub delivered: u64,
    pub price: Fen,
    pub canteen: Fen,
    pub city: Fen,
    pub district: Fen,
    pub elder: Fen,
}

impl Statement {
    /// Adds up served meals; an amount past what i64 fen holds is an error, never a wrap.
    pub fn of<'a>(
        meals: impl IntoIterator<Item = &'a ServedMeal>,
    ) -> Result<Statement, FieldError> {
        let mut s = Statement::default();
        let overflow = || FieldError::new("settlement", "结算金额过大，无法精确计算");
        let add = |total: &mut Fen, v: Fen| -> Result<(), FieldError> {
            *total = total.checked_add(v).ok_or_else(overflow)?;
            Ok(())
        };
        for m in meals {
            s.meals += 1;
            if m.quote.subsidised() {
                s.subsidised += 1;
            }
            match m.service {
                Service::DineIn => s.dine_in += 1,
                Service::Delivered => s.delivered += 1,
            }
            add(&mut s.price, m.quote.price)?;
            add(&mut s.canteen, m.quote.canteen)?;
            add(&mut s.city, m.quote.city)?;
            add(&mut s.district, m.quote.district)?;
            add(&mut s.elder, m.quote.elder)?;
        }
        Ok(s)
    }

    /// What the government pays the canteen: the city's and the district's parts.
    pub fn payable(&self) -> Fen {
        Fen(self.city.0 + self.district.0)
    }
}

/// Something in a month's meals that a supervisor should look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misuse {
    /// One elder served at two canteens in the same slot of a day.
    TwoCanteens {
        elder: String,
        day: NaiveDate,
        slot: Slot,
        canteens: Vec<String>,
    },
    /// A canteen served more meals in a slot than it can.
    OverCapacity {
        canteen: String,
        day: NaiveDate,
        slot: Slot,
        meals: u32,
        capacity: u32,
    },
    /// A subsidised meal on or after the day the registry records the elder's death.
    AfterDeath {
        elder: String,
        order: i64,
        canteen: String,
        died_on: NaiveDate,
    },
    /// An elder's subsidised meals in the month above the norm.
    AboveNorm {
        elder: String,
        meals: u32,
        norm: u32,
        /// Where the meals were served.
        canteens: Vec<String>,
    },
}

impl Misuse {
    /// Every kind's label, in the order of the variants.
    pub const LABELS: [&'static str; 4] = [
        "同一餐次在两处就餐",
        "超出供餐能力",
        "去世后仍有补贴餐",
        "补贴餐明显偏多",
    ];

    /// The kind of finding, as a list heads it.
    pub fn label(&self) -> &'static str {
        match self {
            Misuse::TwoCanteens { .. } => "同一餐次在两处就餐",
            Misuse::OverCapacity { .. } => "超出供餐能力",
            Misuse::AfterDeath { .. } => "去世后仍有补贴餐",
            Misuse::AboveNorm { .. } => "补贴餐明显偏多",
        }
    }

    /// The elder it is about (full ID number: mask it to show it), if any.
    pub fn elder(&self) -> Option<&str> {
        match self {
            Misuse::TwoCanteens { elder, .. }
            | Misuse::AfterDeath { elder, .. }
            | Misuse::AboveNorm { elder, .. } => Some(elder),
            Misuse::OverCapacity { .. } => None,
        }
    }

    /// The canteens it concerns: whose supervisors should see it.
    pub fn canteens(&self) -> Vec<&str> {
        match self {
            Misuse::TwoCanteens { canteens, .. } | Misuse::AboveNorm { canteens, .. } => {
                canteens.iter().map(String::as_str).collect()
            }
            Misuse::OverCapacity { canteen, .. } | Misuse::AfterDeath { canteen, .. } => {
                vec![canteen.as_str()]
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Misuse::TwoCanteens {
                day,
                slot,
                canteens,
                ..
            } => {
                format!("{day} {} 同时在 {} 就餐", slot.label(), canteens.join("、"))
            }
            Misuse::OverCapacity {
                day,
                slot,
                meals,
                capacity,
                ..
            } => {
                format!(
                    "{day} {} 供餐 {meals} 份，超过每餐 {capacity} 份的能力",
                    slot.label()
                )
            }
            Misuse::AfterDeath { order, died_on, .. } => {
                format!("订单 {order} 的补贴餐在登记的去世日期 {died_on} 当天或之后")
            }
            Misuse::AboveNorm { meals, norm, .. } => {
                format!("本月补贴餐 {meals} 份，超过 {norm} 份的常规水平")
            }
        }
    }
}

/// The month's checks over served meals: `capacity` of each canteen, `deaths` of elders the
/// registry records as dead.
pub fn misuse(
    meals: &[ServedMeal],
    capacity: &HashMap<String, u32>,
    deaths: &HashMap<String, NaiveDate>,
    terms: &Terms,
) -> Vec<Misuse> {
    let mut found = Vec::new();
    let mut by_elder_slot: BTreeMap<(&str, NaiveDate, Slot), Vec<&str>> = BTreeMap::new();
    let mut by_canteen_slot: BTreeMap<(&str, NaiveDate, Slot), u32> = BTreeMap::new();
    let mut by_elder: BTreeMap<&str, (u32, Vec<&str>)> = BTreeMap::new();
    for m in meals {
        let canteens = by_elder_slot
            .entry((m.elder.as_str(), m.day, m.slot))
            .or_default();
        if !canteens.contains(&m.canteen.as_str()) {
            canteens.push(m.canteen.as_str());
        }
        *by_canteen_slot
            .entry((m.canteen.as_str(), m.day, m.slot))
            .or_default() += 1;
        if m.quote.subsidised() {
            let (count, canteens) = by_elder.entry(m.elder.as_str()).or_default();
            *count += 1;
            if !canteens.contains(&m.canteen.as_str()) {
                canteens.push(m.canteen.as_str());
            }
            if let Some(&died_on) = deaths.get(&m.elder) {
                if died_on <= m.day {
                    found.push(Misuse::AfterDeath {
                        elder: m.elder.clone(),
                        order: m.order,
                        canteen: m.canteen.clone(),
                        died_on,
                    });
                }
            }
        }
    }
    for ((elder, day, slot), canteens) in by_elder_slot {
        if canteens.len() > 1 {
            found.push(Misuse::TwoCanteens {
                elder: elder.to_string(),
                day,
                slot,
                canteens: canteens.iter().map(|c| c.to_string()).collect(),
            });
        }
    }
    for ((canteen, day, slot), meals) in by_canteen_slot {
        if let Some(&capacity) = capacity.get(canteen) {
            if meals > capacity {
                found.push(Misuse::OverCapacity {
                    canteen: canteen.to_string(),
                    day,
                    slot,
                    meals,
                    capacity,
                });
            }
        }
    }
    for (elder, (meals, canteens)) in by_elder {
        if meals > terms.monthly_norm {
            found.push(Misuse::AboveNorm {
                elder: elder.to_string(),
                meals,
                norm: terms.monthly_norm,
                canteens: canteens.iter().map(|c| c.to_string()).collect(),
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yuan(y: i64) -> Fen {
        Fen::from_yuan(y)
    }

    /// Half the subsidy from the city, one subsidised meal a slot, cancel up to two hours before.
    fn terms() -> Terms {
        Terms {
            city_share_bp: 5_000,
            per_slot: 1,
            cancel_before: Duration::hours(2),
            monthly_norm: 62,
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 10).unwrap()
    }

    fn at(h: u32, m: u32) -> NaiveDateTime {
        day().and_hms_opt(h, m, 0).unwrap()
    }

    fn area(code: &str) -> AreaCode {
        AreaCode::parse(code).unwrap()
    }

    fn canteen() -> Canteen {
        Canteen {
            code: "C1".into(),
            name: "海尔东城助老食堂".into(),
            area: area("370212001001"),
            slots: [
                (Slot::Lunch, NaiveTime::from_hms_opt(11, 30, 0).unwrap()),
                (Slot::Dinner, NaiveTime::from_hms_opt(17, 0, 0).unwrap()),
            ]
            .into(),
            delivers_to: vec![area("370212001")],
            capacity: 2,
        }
    }

    #[test]
    fn the_laoshan_meal_costs_the_elder_six_of_twelve_yuan() {
        // 原价12元…经过市、区两级政府补贴后，老年人仅需支付6元; 最高6元就餐补贴.
        let q = Quote::of(yuan(12), Fen::ZERO, yuan(6), &terms()).unwrap();
        assert_eq!((q.city, q.district, q.elder), (yuan(3), yuan(3), yuan(6)));
        assert_eq!(q.government(), yuan(6));
        assert_eq!(
            q.explained("助餐堂食"),
            "原价 12.00 元，政府补贴 6.00 元（市级 3.00 元、区级 3.00 元；助餐堂食每餐最高 6.00 元），本人支付 6.00 元"
        );
    }

    #[test]
    fn a_delivered_meal_is_subsidised_up_to_eight_yuan() {
        let q = Quote::of(yuan(15), Fen::ZERO, yuan(8), &terms()).unwrap();
        assert_eq!((q.government(), q.elder), (yuan(8), yuan(7)));
    }

    #[test]
    fn the_subsidy_never_exceeds_what_is_left_after_the_canteens_discount() {
        // At the cap, one fen below it, one fen above it.
        for (price, government, elder) in [(600, 600, 0), (599, 599, 0), (601, 600, 1)] {
            let q = Quote::of(Fen(price), Fen::ZERO, yuan(6), &terms()).unwrap();
            assert_eq!(
                (q.government(), q.elder),
                (Fen(government), Fen(elder)),
                "{price}"
            );
        }
        // 企业让一点 comes first: 12 − 2 = 10, of which 6 subsidised.
        let q = Quote::of(yuan(12), yuan(2), yuan(6), &terms()).unwrap();
        assert_eq!(
            (q.canteen, q.government(), q.elder),
            (yuan(2), yuan(6), yuan(4))
        );
        // A discount of the whole price leaves nothing to subsidise.
        let q = Quote::of(yuan(12), yuan(12), yuan(6), &terms()).unwrap();
        assert_eq!((q.government(), q.elder), (Fen::ZERO, Fen::ZERO));
    }

    #[test]
    fn the_city_and_the_district_parts_always_add_up() {
        // 5.99 yuan split half and half: the district takes the odd fen.
        let q = Quote::of(Fen(599), Fen::ZERO, yuan(6), &terms()).unwrap();
        assert_eq!((q.city, q.district), (Fen(299), Fen(300)));
        let all_city = Terms {
            city_share_bp: 10_000,
            ..terms()
        };
        let q = Quote::of(yuan(12), Fen::ZERO, yuan(6), &all_city).unwrap();
        assert_eq!((q.city, q.district), (yuan(6), Fen::ZERO));
    }

    #[test]
    fn an_elder_the_rules_do_not_subsidise_pays_the_whole_price() {
        // A 64-year-old: the rules' cap is 0.
        let q = Quote::of(yuan(12), Fen::ZERO, Fen::ZERO, &terms()).unwrap();
        assert!(!q.subsidised());
        assert_eq!(q.elder, yuan(12));
        assert!(q.explained("助餐堂食").contains("不享受政府补贴"));
    }

    #[test]
    fn bad_prices_name_their_field() {
        let t = terms();
        assert_eq!(
            Quote::of(Fen::ZERO, Fen::ZERO, yuan(6), &t)
                .unwrap_err()
                .field,
            "price"
        );
        assert_eq!(
            Quote::of(yuan(5), yuan(6), yuan(6), &t).unwrap_err().field,
            "discount"
        );
        assert_eq!(
            Quote::of(yuan(5), Fen(-1), yuan(6), &t).unwrap_err().field,
            "discount"
        );
        let odd = Terms {
            city_share_bp: 10_001,
            ..t
        };
        assert_eq!(
            Quote::of(yuan(5), Fen::ZERO, yuan(6), &odd)
                .unwrap_err()
                .field,
            "city_share"
        );
        // Too large to split exactly: an error, never a wrapped amount.
        let huge = Quote::of(Fen(i64::MAX), Fen::ZERO, Fen(i64::MAX), &t);
        assert_eq!(huge.unwrap_err().field, "price");
    }

    fn context<'a>(canteen: &'a Canteen, elder_area: &'a AreaCode) -> OrderContext<'a> {
        OrderContext {
            canteen,
            day: day(),
            slot: Slot::Lunch,
            service: Service::DineIn,
            elder_area,
            died_on: None,
            elder_subsidised: 0,
            canteen_orders: 0,
            now: at(9, 0),
        }
    }

    #[test]
    fn one_subsidised_meal_a_slot_and_unsubsidised_ones_beyond() {
        let (c, a) = (canteen(), area("370212001002"));
        let subsidised = Quote::of(yuan(12), Fen::ZERO, yuan(6), &terms()).unwrap();
        let full_price = Quote::of(yuan(12), Fen::ZERO, Fen::ZERO, &terms()).unwrap();
        let first = context(&c, &a);
        assert!(check_order(&first, &subsidised, &terms()).is_ok());
        let second = OrderContext {
            elder_subsidised: 1,
            ..context(&c, &a)
        };
        let refused = check_order(&second, &subsidised, &terms()).unwrap_err();
        assert_eq!(refused.field, "slot");
        assert!(
            refused.reason.contains("每餐次最多 1 份"),
            "{}",
            refused.reason
        );
        assert!(check_order(&second, &full_price, &terms()).is_ok());
        // The limit is a parameter.
        let two = Terms {
            per_slot: 2,
            ..terms()
        };
        assert!(check_order(&second, &subsidised, &two).is_ok());
    }

    #[test]
    fn an_order_names_what_stands_in_its_way() {
        let (c, a) = (canteen(), area("370212001002"));
        let q = Quote::of(yuan(12), Fen::ZERO, yuan(6), &terms()).unwrap();
        let refused = |o: OrderContext<'_>| check_order(&o, &q, &terms()).unwrap_err();
        let breakfast = refused(OrderContext {
            slot: Slot::Breakfast,
            ..context(&c, &a)
        });
        assert_eq!(breakfast.field, "slot");
        assert!(
            breakfast.reason.contains("供应：午餐、晚餐"),
            "{}",
            breakfast.reason
        );
        // The slot has begun: at 11:30 exactly, not at 11:29.
        assert_eq!(
            refused(OrderContext {
                now: at(11, 30),
                ..context(&c, &a)
            })
            .field,
            "day"
        );
        let before = OrderContext {
            now: at(11, 29),
            ..context(&c, &a)
        };
        assert!(check_order(&before, &q, &terms()).is_ok());
        // Died on the day of the meal, or before it; the day after is still served.
        let died = |d: NaiveDate| OrderContext {
            died_on: Some(d),
            ..context(&c, &a)
        };
        assert_eq!(refused(died(day())).field, "id_number");
        assert!(check_order(&died(day().succ_opt().unwrap()), &q, &terms()).is_ok());
        // Delivered within the street it serves, not beyond.
        let elsewhere = area("370212002001");
        let far = OrderContext {
            service: Service::Delivered,
            ..context(&c, &elsewhere)
        };
        assert_eq!(refused(far).field, "service");
        let near = OrderContext {
            service: Service::Delivered,
            ..context(&c, &a)
        };
        assert!(check_order(&near, &q, &terms()).is_ok());
        // Full at its capacity of two.
        assert_eq!(
            refused(OrderContext {
                canteen_orders: 2,
                ..context(&c, &a)
            })
            .field,
            "slot"
        );
        let one_left = OrderContext {
            canteen_orders: 1,
            ..context(&c, &a)
        };
        assert!(check_order(&one_left, &q, &terms()).is_ok());
    }

    #[test]
    fn an_order_is_cancelled_before_the_cut_off_only() {
        let c = canteen();
        // Lunch at 11:30, two hours' notice: until 09:29, not at 09:30.
        assert!(check_cancel(&c, day(), Slot::Lunch, at(9, 29), &terms()).is_ok());
        let late = check_cancel(&c, day(), Slot::Lunch, at(9, 30), &terms()).unwrap_err();
        assert_eq!(late.field, "order");
        assert!(late.reason.contains("120 分钟"), "{}", late.reason);
    }

    fn served(order: i64, elder: &str, canteen: &str, slot: Slot, cap: i64) -> ServedMeal {
        ServedMeal {
            order,
            elder: elder.into(),
            canteen: canteen.into(),
            day: day(),
            slot,
            service: Service::DineIn,
            quote: Quote::of(yuan(12), Fen::ZERO, yuan(cap), &terms()).unwrap(),
        }
    }

    #[test]
    fn a_month_is_settled_by_funding_source() {
        let mut meals = vec![
            served(1, "A", "C1", Slot::Lunch, 6),
            served(2, "B", "C1", Slot::Lunch, 6),
            served(3, "C", "C1", Slot::Lunch, 0),
        ];
        meals.push(ServedMeal {
            service: Service::Delivered,
            quote: Quote::of(yuan(15), Fen::ZERO, yuan(8), &terms()).unwrap(),
            ..served(4, "D", "C1", Slot::Dinner, 8)
        });
        let s = Statement::of(&meals).unwrap();
        assert_eq!(
            (s.meals, s.subsidised, s.dine_in, s.delivered),
            (4, 3, 3, 1)
        );
        assert_eq!(s.price, yuan(12 * 3 + 15));
        assert_eq!((s.city, s.district), (yuan(3 + 3 + 4), yuan(3 + 3 + 4)));
        assert_eq!(s.payable(), yuan(20));
        assert_eq!(s.elder, yuan(6 + 6 + 12 + 7));
        assert_eq!(s.price, Fen(s.payable().0 + s.elder.0 + s.canteen.0));
        // Past what fen in i64 hold: an error.
        let huge = ServedMeal {
            quote: Quote {
                price: Fen(i64::MAX),
                ..meals[0].quote.clone()
            },
            ..meals[0].clone()
        };
        assert!(Statement::of(&[huge.clone(), huge]).is_err());
    }

    #[test]
    fn the_checks_find_each_kind_of_misuse() {
        let meals = vec![
            served(1, "A", "C1", Slot::Lunch, 6),
            served(2, "A", "C2", Slot::Lunch, 6),
            served(3, "B", "C1", Slot::Lunch, 6),
            served(4, "B", "C1", Slot::Dinner, 6),
            served(5, "D", "C2", Slot::Dinner, 0),
        ];
        let capacity = HashMap::from([("C1".to_string(), 1), ("C2".to_string(), 5)]);
        let deaths = HashMap::from([("B".to_string(), day()), ("D".to_string(), day())]);
        let norm = Terms {
            monthly_norm: 1,
            ..terms()
        };
        let found = misuse(&meals, &capacity, &deaths, &norm);
        let two = Misuse::TwoCanteens {
            elder: "A".into(),
            day: day(),
            slot: Slot::Lunch,
            canteens: vec!["C1".into(), "C2".into()],
        };
        assert!(found.contains(&two), "{found:?}");
        let over = Misuse::OverCapacity {
            canteen: "C1".into(),
            day: day(),
            slot: Slot::Lunch,
            meals: 2,
            capacity: 1,
        };
        assert!(found.contains(&over), "{found:?}");
        // B's two subsidised meals on the day of death; D's was not subsidised.
        let after: Vec<i64> = found
            .iter()
            .filter_map(|m| match m {
                Misuse::AfterDeath { order, .. } => Some(*order),
                _ => None,
            })
            .collect();
        assert_eq!(after, vec![3, 4]);
        // A and B each had two subsidised meals, above a norm of one.
        let above = found
            .iter()
            .filter(|m| matches!(m, Misuse::AboveNorm { .. }))
            .count();
        assert_eq!(above, 2);
        assert_eq!(found.len(), 6);
        assert!(misuse(&meals[..1], &capacity, &HashMap::new(), &terms()).is_empty());
        assert_eq!(two.describe(), "2025-06-10 午餐 同时在 C1、C2 就餐");
    }
}
