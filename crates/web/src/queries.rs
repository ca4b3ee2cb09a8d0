//! What every context's queries share: reading a month, a day or a page from a request, the
//! duties a request needs, a program's label. Each context's own queries are in its module.

use chrono::NaiveDate;
use minsheng_app::Clock;
use minsheng_core::Month;

use crate::error::WebError;
use crate::session::Signed;
use minsheng_core::access::Duty;

use crate::Web;

pub const PER_PAGE: u32 = 20;

pub const MAX_PER_PAGE: u32 = 100;

pub fn parse_month(text: Option<&str>, clock: Clock) -> Result<Month, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Month::containing(clock.today)),
        Some(t) => t
            .parse()
            .map_err(|_| WebError::invalid("month", format!("「{t}」不是 2025-06 这样的月份"))),
    }
}

/// A period of months: `to` defaults to this month, `from` to five months before `to`.
pub fn parse_period(
    from: Option<&str>,
    to: Option<&str>,
    clock: Clock,
) -> Result<(Month, Month), WebError> {
    let to = parse_month(to, clock)?;
    let from = match from.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => parse_month(Some(f), clock)
            .map_err(|_| WebError::invalid("from", format!("「{f}」不是 2025-06 这样的月份")))?,
        None => (0..5).fold(to, |m, _| m.previous()),
    };
    Ok((from, to))
}

pub fn parse_day(text: Option<&str>, clock: Clock) -> Result<NaiveDate, WebError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(clock.today),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| WebError::invalid("on", format!("「{t}」不是 2025-06-30 这样的日期"))),
    }
}

pub fn parse_page(page: Option<&str>, per_page: Option<&str>) -> Result<(u32, u32), WebError> {
    let number =
        |field: &str, text: Option<&str>, default: u32, max: u32| -> Result<u32, WebError> {
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(default),
                Some(t) => match t.parse::<u32>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(WebError::invalid(
                        field,
                        format!("「{t}」不是 1 至 {max} 之间的数"),
                    )),
                },
            }
        };
    Ok((
        number("page", page, 1, 100_000)?,
        number("per_page", per_page, PER_PAGE, MAX_PER_PAGE)?,
    ))
}

pub(crate) fn require(who: &Signed, duty: Duty) -> Result<(), WebError> {
    if who.account.may(duty) {
        Ok(())
    } else {
        Err(WebError::Forbidden(
            match duty {
                Duty::SeePayments => "发放周期仅限市级管理员和审计人员查看",
                Duty::RunPayments => "只有市级管理员可以运行发放周期",
                Duty::ApprovePayments => "只有市级管理员可以审批发放周期",
                Duty::SimulatePolicy => "政策测算覆盖全市，仅限市级管理员和审计人员",
                Duty::PublishStatistics => "只有市级管理员可以发布统计数据",
            }
            .into(),
        ))
    }
}

pub(crate) fn program_label(web: &Web, code: &str) -> String {
    web.policy.program_label(code).to_string()
}
