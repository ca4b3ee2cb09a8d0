//! Transfers of the insurance relation between pooling areas (基本医疗保险关系转移接续,
//! 国家医保局办公室 财政部办公厅《基本医疗保险关系转移接续暂行办法》, 医保办发〔2021〕43号).
//!
//! A person who moves to work or live in another pooling area takes their insurance record
//! with them: the sending area ends their cover and sends an information sheet (参保人员基本
//! 医疗保险信息表) — the scheme, since when they were insured without a break, until when, an
//! employee's months of contribution — and an employee's personal-account balance; the
//! receiving area files it, credits the balance, and counts the person's cover as continuous
//! when they pay there soon enough. Within Shandong the province's platform moves the sheet
//! without any application (免申即享); between provinces the person applies online (全程网办)
//! and the sheet carries the application's number.
//!
//! - [`Sheet`], [`Route`] and [`Continuity`]: the sheet checked field by field, which way it
//!   travels, and whether a payment continues the cover it ended (no IO);
//! - [`receive`]: a sheet from another area filed, once per sheet number;
//! - [`send`]: a resident leaving the city — their cover ended, their sheet made from the
//!   insured registry, their account emptied into it.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use minsheng_core::{Fen, FieldError, IdNumber};
use minsheng_store::{NewAuditEntry, Store};

use crate::domain::Scheme;
use crate::storage::{self, MedicalStore as _};
use crate::ClaimError;

/// The city's pooling area: the first four digits of its area codes.
pub const CITY: &str = "3702";
/// The province's: the first two.
pub const PROVINCE: &str = "37";

/// Which way a sheet travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Into the city (转入).
    In,
    /// Out of it (转出).
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        [Direction::In, Direction::Out]
            .into_iter()
            .find(|d| d.as_str() == text)
    }
}

/// Within the province or across provinces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Another city of the province: moved by the province's platform without application.
    InProvince,
    /// Another province: applied for online by the person.
    CrossProvince,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::InProvince => "in_province",
            Route::CrossProvince => "cross_province",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Route::InProvince => "省内转移（免申即享）",
            Route::CrossProvince => "跨省转移（全程网办）",
        }
    }

    /// The route to or from `area` as [`Route::of`] reads it, each problem added to `errors`: a
    /// transfer across provinces must name the person's online application.
    fn with_application(
        field: &str,
        area: &str,
        application: Option<&str>,
        errors: &mut Vec<FieldError>,
    ) -> Option<Route> {
        let route = Route::of(field, area).map_err(|e| errors.push(e)).ok();
        if route == Some(Route::CrossProvince) && application.is_none_or(|a| a.trim().is_empty()) {
            errors.push(FieldError::new(
                "application",
                "跨省转移须由参保人网上申请，应载明网上申请编号",
            ));
        }
        route
    }

    /// The route to or from the pooling area `area` (its six-digit code), named `field` in an
    /// error: the province's other cities, or another province (codes 11 to 82). The city's
    /// own areas are no transfer.
    pub fn of(field: &str, area: &str) -> Result<Route, FieldError> {
        let digits = area.len() == 6 && area.bytes().all(|b| b.is_ascii_digit());
        let province = area.get(..2).and_then(|p| p.parse::<u32>().ok());
        match province {
            _ if !digits => Err(FieldError::new(
                field,
                format!("「{area}」不是六位统筹地区代码"),
            )),
            _ if area.starts_with(CITY) => Err(FieldError::new(
                field,
                format!("{area} 是本市的统筹地区，市内不办理转移接续"),
            )),
            _ if area.starts_with(PROVINCE) => Ok(Route::InProvince),
            Some(11..=82) => Ok(Route::CrossProvince),
            _ => Err(FieldError::new(
                field,
                format!("{area} 不是任何省份的统筹地区代码"),
            )),
        }
    }
}

/// An information sheet (参保人员基本医疗保险信息表), as the sending area makes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The sheet's number on the platform: a sheet is filed once.
    pub number: String,
    pub id_number: IdNumber,
    /// The other pooling area: where the sheet comes from, or where it goes.
    pub other_area: String,
    pub scheme: Scheme,
    /// The first day of the person's cover without a break, as the sending area counts it.
    pub covered_since: NaiveDate,
    /// The last day the sending area covers.
    pub covered_until: NaiveDate,
    /// An employee's months of contribution in all (实际缴费月数), for a resident none.
    pub contribution_months: i64,
    /// An employee's personal-account balance, moved with the sheet.
    pub account_balance: Fen,
    /// The person's online application (跨省转移全程网办); none within the province.
    pub application: Option<String>,
}

impl Sheet {
    /// A sheet's number at most this long.
    pub const NUMBER_MAX: usize = 40;

    /// A sheet from its fields as text (a CSV row of the platform's file, a JSON object):
    /// `number`, `id_number`, `other_area`, `scheme`, `covered_since` and `covered_until`
    /// (YYYY-MM-DD), `contribution_months` and `account_balance` (yuan; both 0 when absent),
    /// `application` (optional). Every field that cannot be read is named.
    pub fn read(field: impl Fn(&str) -> Option<String>) -> Result<Sheet, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |name: &str| match field(name).map(|t| t.trim().to_string()) {
            Some(t) if !t.is_empty() => Some(t),
            _ => {
                errors.push(FieldError::new(name, "必填"));
                None
            }
        };
        let number = text("number");
        let id_number = text("id_number");
        let other_area = text("other_area");
        let scheme = text("scheme");
        let since = text("covered_since");
        let until = text("covered_until");
        let optional = |name: &str| {
            field(name)
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
        };
        let id_number = id_number.and_then(|t| {
            IdNumber::parse(&t)
                .map_err(|e| errors.push(FieldError::new("id_number", e.to_string())))
                .ok()
        });
        let scheme =
            scheme.and_then(|t| Scheme::parse("scheme", &t).map_err(|e| errors.push(e)).ok());
        let mut date = |name: &str, t: Option<String>| {
            t.and_then(|t| {
                NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                    .map_err(|_| {
                        errors.push(FieldError::new(
                            name,
                            format!("「{t}」不是日期（YYYY-MM-DD）"),
                        ))
                    })
                    .ok()
            })
        };
        let covered_since = date("covered_since", since);
        let covered_until = date("covered_until", until);
        let contribution_months = match optional("contribution_months") {
            None => Some(0),
            Some(t) => t
                .parse::<i64>()
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "contribution_months",
                        format!("「{t}」不是整数月数"),
                    ))
                })
                .ok(),
        };
        let account_balance = match optional("account_balance") {
            None => Some(Fen(0)),
            Some(t) => Fen::parse_yuan(&t)
                .map_err(|e| errors.push(FieldError::new("account_balance", e.to_string())))
                .ok(),
        };
        match (
            number,
            id_number,
            other_area,
            scheme,
            covered_since,
            covered_until,
            contribution_months,
            account_balance,
        ) {
            (Some(n), Some(i), Some(o), Some(s), Some(cs), Some(cu), Some(m), Some(b))
                if errors.is_empty() =>
            {
                Ok(Sheet {
                    number: n,
                    id_number: i,
                    other_area: o,
                    scheme: s,
                    covered_since: cs,
                    covered_until: cu,
                    contribution_months: m,
                    account_balance: b,
                    application: optional("application"),
                })
            }
            _ => Err(errors),
        }
    }

    /// Checks a sheet received on `today`: its route, and every field that cannot be — each
    /// problem naming its field.
    pub fn check(&self, today: NaiveDate) -> Result<Route, Vec<FieldError>> {
        let mut errors = Vec::new();
        let number = self.number.trim();
        if number.is_empty() || number.chars().count() > Self::NUMBER_MAX {
            errors.push(FieldError::new(
                "number",
                format!("信息表编号应为 1 至 {} 个字符", Self::NUMBER_MAX),
            ));
        }
        let route = Route::with_application(
            "other_area",
            &self.other_area,
            self.application.as_deref(),
            &mut errors,
        );
        if self.covered_since > self.covered_until {
            errors.push(FieldError::new(
                "covered_since",
                format!(
                    "连续参保起始日 {} 晚于参保截止日 {}",
                    self.covered_since, self.covered_until
                ),
            ));
        }
        if self.covered_until > today {
            errors.push(FieldError::new(
                "covered_until",
                format!(
                    "参保截止日 {} 是将来的日期：转出地须先终止参保",
                    self.covered_until
                ),
            ));
        }
        if self.contribution_months < 0 {
            errors.push(FieldError::new("contribution_months", "缴费月数不能为负"));
        }
        if self.account_balance.0 < 0 {
            errors.push(FieldError::new("account_balance", "个人账户余额不能为负"));
        }
        if self.scheme == Scheme::Resident {
            if self.account_balance.0 != 0 {
                errors.push(FieldError::new(
                    "account_balance",
                    "居民医保没有个人账户，余额应为 0",
                ));
            }
            if self.contribution_months != 0 {
                errors.push(FieldError::new(
                    "contribution_months",
                    "缴费月数只记职工医保，居民医保应为 0",
                ));
            }
        }
        match route {
            Some(route) if errors.is_empty() => Ok(route),
            _ => Err(errors),
        }
    }

    /// What the sheet says, for the audit log and the command line (the ID number masked).
    pub fn summary(&self, route: Route) -> String {
        format!(
            "{} {} {}，{}，连续参保 {} 至 {}，缴费 {} 个月，个人账户 {}",
            self.id_number.masked(),
            self.other_area,
            route.label(),
            self.scheme.label(),
            self.covered_since,
            self.covered_until,
            self.contribution_months,
            self.account_balance
        )
    }

    /// The calendar months the sheet's continuous cover touches.
    pub fn continuous_months(&self) -> i64 {
        months_touched(self.covered_since, self.covered_until)
    }
}

/// The calendar months from `from`'s to `to`'s, both counted.
pub fn months_touched(from: NaiveDate, to: NaiveDate) -> i64 {
    let index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    (index(to) - index(from) + 1).max(0)
}

/// When a payment continues the cover a transfer ended (医保办发〔2021〕43号 第十一条,
/// `medical.transfer`): paid within `gap_months` of the cover's end — and, for one who changes
/// between the employees' and the residents' scheme, after `switch_months` of cover without a
/// break — the cover pays from the month of payment, the gap included, with no waiting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Continuity {
    pub gap_months: i64,
    pub switch_months: i64,
}

impl Continuity {
    /// The parameters in force on `on`.
    pub fn of(policy: &minsheng_policy::Policy, on: NaiveDate) -> Result<Continuity, FieldError> {
        let months =
            |name: &str| crate::enrolment::months(policy, &format!("medical.transfer.{name}"), on);
        Ok(Continuity {
            gap_months: months("continuous_gap_months")?,
            switch_months: months("switch_continuous_months")?,
        })
    }

    /// Whether paying on `paid_on` for cover in `scheme` continues the cover `sheet` ended: the
    /// day is no more than `gap_months` after its end (the end's day of the month, or the
    /// month's last), and a change of scheme follows `switch_months` of cover or more.
    pub fn continues(&self, sheet: &Sheet, scheme: Scheme, paid_on: NaiveDate) -> bool {
        let before = Ended {
            on: sheet.covered_until,
            scheme: sheet.scheme,
            continuous_months: sheet.continuous_months(),
        };
        self.continues_after(before, scheme, paid_on)
    }

    /// Whether paying on `paid_on` for cover in `scheme` continues a cover that ended — moved
    /// here on a sheet, or stopped in the city (停保) — by the same rule.
    pub fn continues_after(&self, before: Ended, scheme: Scheme, paid_on: NaiveDate) -> bool {
        let switched = before.scheme != scheme;
        paid_on <= self.latest_after(before.on)
            && (!switched || before.continuous_months >= self.switch_months)
    }

    /// The last day paying continues a cover that ended on `ended`.
    pub fn latest_after(&self, ended: NaiveDate) -> NaiveDate {
        u32::try_from(self.gap_months)
            .ok()
            .and_then(|m| ended.checked_add_months(Months::new(m)))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// The first day of the cover without a break that ends with the first of `covers` (the
/// latest first): each earlier one joins when the later began within the gap of its end.
pub fn unbroken_since<'a>(
    covers: impl IntoIterator<Item = &'a crate::domain::Cover>,
    continuity: Continuity,
) -> Option<NaiveDate> {
    let mut covers = covers.into_iter();
    let mut since = covers.next()?.from;
    for earlier in covers {
        if earlier.from >= since {
            continue;
        }
        if since > continuity.latest_after(earlier.to) {
            break;
        }
        since = earlier.from;
    }
    Some(since)
}

/// A cover that ended: the day, its scheme, and the months of cover without a break up to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub on: NaiveDate,
    pub scheme: Scheme,
    pub continuous_months: i64,
}

/// The notice that tells the person their insurance was moved — within the province they
/// asked for nothing (免申即享) and learn it here — once a sheet (its key): what was moved, the
/// account with it, and the day by which paying continues the cover.
pub fn notice(
    sheet: &Sheet,
    direction: Direction,
    route: Route,
    household: &str,
    continuity: Continuity,
) -> minsheng_notify::Notice {
    let number = sheet.number.trim();
    let account = match sheet.account_balance {
        Fen(0) => String::new(),
        balance => format!("个人账户余额 {balance} 随同转移。"),
    };
    let continue_by = format!(
        "在 {} 前参保缴费的视为连续参保，不设待遇等待期，中断期间的待遇可追溯享受。",
        continuity.latest_after(sheet.covered_until)
    );
    let (title, body) = match direction {
        Direction::In => (
            "基本医疗保险关系已转入青岛市",
            format!(
                "您在 {} 的基本医疗保险参保信息（{}，连续参保 {} 至 {}）已经{}转入本市，信息表编号 {number}。{account}{continue_by}",
                sheet.other_area,
                sheet.scheme.label(),
                sheet.covered_since,
                sheet.covered_until,
                route.label()
            ),
        ),
        Direction::Out => (
            "基本医疗保险关系已转出",
            format!(
                "您的基本医疗保险关系已经{}转出至 {}，信息表编号 {number}（{}，连续参保 {} 至 {}）。{account}请在转入地参保缴费，{continue_by}",
                route.label(),
                sheet.other_area,
                sheet.scheme.label(),
                sheet.covered_since,
                sheet.covered_until
            ),
        ),
    };
    minsheng_notify::Notice {
        key: format!("medical:transfer:{number}"),
        kind: minsheng_notify::Kind::InsuranceTransferred,
        to: sheet.id_number.clone(),
        household: household.to_string(),
        title: title.to_string(),
        body,
    }
}

/// What filing a received sheet did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    pub person_id: i64,
    pub route: Route,
    /// Filed before with the same contents: nothing moved this time.
    pub again: bool,
}

/// Files a sheet from another area: the person must be the city's resident (registered on
/// arrival); an employee's balance is credited to their personal account; the person is told
/// ([`notice`]); with its audit entry, in one transaction. The same sheet again answers the first filing and moves nothing;
/// its number with other contents is refused (`number`). Each bad field is named, nothing filed.
pub async fn receive(
    store: &Store,
    policy: &minsheng_policy::Policy,
    sheet: &Sheet,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Received, ClaimError> {
    let today = minsheng_app::Clock::at(at).today;
    let route = sheet.check(today).map_err(ClaimError::Invalid)?;
    let continuity = Continuity::of(policy, today).map_err(|e| ClaimError::Invalid(vec![e]))?;
    let Some((person_id, _, household)) = store.medical().resident(&sheet.id_number).await? else {
        return Err(ClaimError::Invalid(vec![FieldError::new(
            "id_number",
            format!(
                "登记中没有在册居民 {}：转入前须先在本市登记",
                sheet.id_number.masked()
            ),
        )]));
    };
    let audit = NewAuditEntry {
        actor: actor.to_string(),
        action: "medical.transfer_in".into(),
        subject: format!("medical transfer {}", sheet.number.trim()),
        detail: format!("转入：{}", sheet.summary(route)),
        at,
    };
    let notice = notice(sheet, Direction::In, route, &household, continuity);
    let (sheet, by) = (sheet.clone(), actor.to_string());
    let again = minsheng_store::write_tx!(store, move |tx| {
        storage::file_transfer_in(tx, person_id, route, &sheet, &by, audit, notice).await
    })?;
    Ok(Received {
        person_id,
        route,
        again,
    })
}

/// A resident leaving the city's insurance for another area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaving {
    pub id_number: IdNumber,
    /// The receiving pooling area (six digits).
    pub to_area: String,
    /// The last day the city covers.
    pub on: NaiveDate,
    /// The person's online application, required across provinces.
    pub application: Option<String>,
}

/// Transfers a resident's insurance out of the city: an employee's cover of the year of `on`
/// ends that day (a resident's year, paid for, stays to its end), the personal account is
/// emptied into the sheet, and the sheet is made from the insured
/// registry — the scheme, the cover without a break back to its start (years joined when the
/// next began within the continuity gap, and a sheet received before them likewise), an
/// employee's months of contribution, the balance — the person told ([`notice`]), with its
/// audit entry, in one transaction.
/// Refused, nothing changed: an unknown or malformed area, a cross-province transfer without
/// its application, a day after today, someone never insured here or already transferred out,
/// a retired employee (医保办发〔2021〕43号 第二条: retirees stay with their area and register
/// for care elsewhere instead), a cover paid for that begins after the day (a later year, or
/// this year's after its waiting period: it is refunded first).
pub async fn send(
    store: &Store,
    policy: &minsheng_policy::Policy,
    leaving: &Leaving,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Sheet, ClaimError> {
    let today = minsheng_app::Clock::at(at).today;
    let mut errors = Vec::new();
    let route = Route::with_application(
        "to_area",
        &leaving.to_area,
        leaving.application.as_deref(),
        &mut errors,
    );
    if leaving.on > today {
        errors.push(FieldError::new(
            "on",
            format!("{} 是将来的日期：转出办理当日或以前", leaving.on),
        ));
    }
    let continuity = Continuity::of(policy, leaving.on)
        .map_err(|e| errors.push(e))
        .ok();
    let (Some(route), Some(continuity), true) = (route, continuity, errors.is_empty()) else {
        return Err(ClaimError::Invalid(errors));
    };
    let Some((person_id, _, household)) = store.medical().resident(&leaving.id_number).await?
    else {
        return Err(ClaimError::Invalid(vec![FieldError::new(
            "id_number",
            format!("登记中没有在册居民 {}", leaving.id_number.masked()),
        )]));
    };
    let (leaving, by) = (leaving.clone(), actor.to_string());
    let sheet = minsheng_store::write_tx!(store, move |tx| {
        let departure = storage::Departure {
            person_id,
            household: &household,
            route,
            leaving: &leaving,
        };
        storage::file_transfer_out(tx, departure, continuity, &by, at).await
    })?;
    Ok(sheet)
}

/// The sheet's number for a transfer out: the city's area, the day and the person's key.
pub fn number_out(person_id: i64, on: NaiveDate) -> String {
    format!("{CITY}00-{}-{person_id}", on.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    fn sheet(scheme: Scheme, since: NaiveDate, until: NaiveDate) -> Sheet {
        Sheet {
            number: "370102-0001".into(),
            id_number: IdNumber::from_parts(370102, day(1990, 3, 7), 12).unwrap(),
            other_area: "370102".into(),
            scheme,
            covered_since: since,
            covered_until: until,
            contribution_months: 0,
            account_balance: Fen(0),
            application: None,
        }
    }

    #[test]
    fn the_route_is_read_from_the_other_area() {
        assert_eq!(Route::of("a", "370102"), Ok(Route::InProvince));
        assert_eq!(Route::of("a", "110101"), Ok(Route::CrossProvince));
        assert_eq!(Route::of("a", "820000"), Ok(Route::CrossProvince));
        for own_or_none in [
            "370211", "370200", "37010", "3701021", "99010a", "990101", "100101",
        ] {
            let refused = Route::of("to_area", own_or_none).unwrap_err();
            assert_eq!(refused.field, "to_area", "{own_or_none}");
        }
    }

    /// 医保办发〔2021〕43号 第十一条: an interruption of three months or less (含) continues
    /// the cover; a change of scheme needs two years (含) of cover before.
    #[test]
    fn a_payment_continues_the_cover_within_three_months_at_every_edge() {
        let rules = Continuity {
            gap_months: 3,
            switch_months: 24,
        };
        let resident = sheet(Scheme::Resident, day(2024, 7, 1), day(2026, 6, 30));
        assert!(rules.continues(&resident, Scheme::Resident, day(2026, 7, 1)));
        assert!(
            rules.continues(&resident, Scheme::Resident, day(2026, 9, 30)),
            "3 months"
        );
        assert!(
            !rules.continues(&resident, Scheme::Resident, day(2026, 10, 1)),
            "a day more"
        );
        // The end on a month's last day: three months on is the month's last day too.
        let november = sheet(Scheme::Resident, day(2025, 1, 1), day(2025, 11, 30));
        assert!(rules.continues(&november, Scheme::Resident, day(2026, 2, 28)));
        assert!(!rules.continues(&november, Scheme::Resident, day(2026, 3, 1)));
        // An employee becoming a resident: 24 months of cover continue, 23 do not.
        let two_years = sheet(Scheme::Employee, day(2024, 7, 1), day(2026, 6, 30));
        assert_eq!(two_years.continuous_months(), 24);
        assert!(rules.continues(&two_years, Scheme::Resident, day(2026, 9, 30)));
        let short = sheet(Scheme::Employee, day(2024, 8, 1), day(2026, 6, 30));
        assert_eq!(short.continuous_months(), 23);
        assert!(!rules.continues(&short, Scheme::Resident, day(2026, 7, 1)));
        assert!(
            rules.continues(&short, Scheme::Employee, day(2026, 7, 1)),
            "same scheme"
        );
    }

    #[test]
    fn cover_without_a_break_joins_years_within_the_gap() {
        let rules = Continuity {
            gap_months: 3,
            switch_months: 24,
        };
        let cover = |from: NaiveDate, to: NaiveDate| crate::domain::Cover {
            scheme: Scheme::Employee,
            tier: crate::domain::Tier::Employee,
            retired: false,
            two_diseases: false,
            from,
            to,
        };
        let stopped = cover(day(2026, 1, 1), day(2026, 6, 30));
        let last_year = cover(day(2025, 1, 1), day(2025, 12, 31));
        // A cover ending on October 1 joins the year beginning three months on; one ending on
        // September 30 (three months on is December 30) does not.
        let joined = cover(day(2024, 1, 1), day(2024, 10, 1));
        let broken = cover(day(2023, 1, 1), day(2023, 9, 30));
        let since = unbroken_since([&stopped, &last_year, &joined, &broken], rules);
        assert_eq!(since, Some(day(2024, 1, 1)));
        let ended = |since: NaiveDate| Ended {
            on: stopped.to,
            scheme: Scheme::Employee,
            continuous_months: months_touched(since, stopped.to),
        };
        assert_eq!(ended(day(2024, 1, 1)).continuous_months, 30);
        assert!(rules.continues_after(ended(day(2024, 1, 1)), Scheme::Resident, day(2026, 9, 30)));
        assert!(!rules.continues_after(ended(day(2024, 1, 1)), Scheme::Resident, day(2026, 10, 1)));
        // Eighteen months: a change of scheme waits.
        assert!(!rules.continues_after(ended(day(2025, 1, 1)), Scheme::Resident, day(2026, 7, 1)));
        assert_eq!(unbroken_since([&stopped], rules), Some(day(2026, 1, 1)));
        assert_eq!(unbroken_since([], rules), None);
    }

    #[test]
    fn a_bad_sheet_names_every_field() {
        let today = day(2026, 6, 30);
        let mut bad = sheet(Scheme::Resident, day(2026, 7, 3), day(2026, 7, 2));
        bad.number = " ".into();
        bad.other_area = "510104".into();
        bad.account_balance = Fen(100);
        bad.contribution_months = 3;
        let fields: Vec<String> = bad
            .check(today)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "number",
                "application",
                "covered_since",
                "covered_until",
                "account_balance",
                "contribution_months"
            ]
        );
        let mut employee = sheet(Scheme::Employee, day(2020, 1, 1), today);
        employee.account_balance = Fen(-1);
        employee.contribution_months = -1;
        let fields: Vec<String> = employee
            .check(today)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["contribution_months", "account_balance"]);
        employee.account_balance = Fen(123_456);
        employee.contribution_months = 78;
        assert_eq!(employee.check(today), Ok(Route::InProvince));
    }
}
