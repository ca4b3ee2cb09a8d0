//! Visiting care (探访关爱): the older residents the rules list for visits (`visiting_care_tier`,
//! 崂办字〔2024〕12号 第三条), each due a visit at the interval of their risk tier, overdue and
//! escalated to the street when not reached in time, and what a visit finds raising a case.
//!
//! - [`domain`]: the schedule, a visit's standing, its record's checks, the roster's changes,
//!   coverage and the needs a visit can raise (no IO);
//! - [`storage`]: visitors, the roster, visits and referrals, reached as `store.visits()`;
//! - this module: the use cases, each checking who may act before the store is touched.
//!
//! Architecture invariant: a visit, the elder's last reached day it moves, the referrals it
//! raises and its audit entry commit together; a referral is closed by what meets it (an
//! assessment, a meal order) in that change's own transaction.

pub mod domain;
pub mod storage;

pub use domain::{
    changes, check_report, coverage, due_visits, Coverage, DueVisit, Listed, Listing, Mode, Need,
    Report, RosterChanges, Schedule, Standing, VisitorKind,
};
pub use storage::{
    close_met_in, Elder, NewVisitor, ReferralRecord, RefreshRecord, VisitRecord, VisitorRecord,
    Visits, VisitsStore,
};

use chrono::NaiveDate;
use minsheng_app::{Clock, Progress};
use minsheng_core::access::{Account, Role, Scope, Staff};
use minsheng_core::{AreaCode, FieldError, Month};
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Store, StoreError};

/// The catalog's variable that lists and tiers the elders to visit.
pub const TIER: &str = "visiting_care_tier";

#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FieldError> for VisitError {
    fn from(e: FieldError) -> Self {
        VisitError::Invalid(e)
    }
}

fn invalid(field: &str, reason: impl Into<String>) -> VisitError {
    VisitError::Invalid(FieldError::new(field, reason))
}

/// The schedule in force on `on` (`eldercare.visiting_care`).
pub fn schedule(policy: &Policy, on: NaiveDate) -> Result<Schedule, FieldError> {
    let get = |name: &str| {
        policy
            .count(&format!("eldercare.visiting_care.{name}"), on)
            .ok_or_else(|| FieldError::new("on", format!("政策中没有 {on} 有效的探访参数 {name}")))
    };
    Ok(Schedule {
        interval_days: [get("tier1_days")?, get("tier2_days")?, get("tier3_days")?],
        escalate_days: get("escalate_days")?,
    })
}

/// What a refresh did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    pub listed: u64,
    pub changes: RosterChanges,
}

/// Lists, from the registry as it stands on `on`, the older residents the rules give a tier
/// (`visiting_care_tier` > 0), and brings the roster to that list in one transaction with its
/// audit entry: newcomers due within one interval of `on`, tiers and communities as they now
/// are, those no longer listed ended on `on`. Running it again on the same registry changes
/// no listing (the refresh itself is recorded, so the list says when it was last checked).
pub async fn refresh(
    store: &Store,
    policy: &Policy,
    on: NaiveDate,
    actor: &str,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<Refreshed, VisitError> {
    schedule(policy, on)?;
    let tier = policy
        .variable(TIER)
        .ok_or_else(|| invalid("policy", format!("政策中没有变量 {TIER}")))?;
    let month = Month::containing(on);
    let registry =
        minsheng_app::policy::load_as_of(store, policy, month, on, true, progress).await?;
    let result = registry.evaluate(policy, month, &[tier]);
    let column = result
        .columns
        .first()
        .map(|(_, c)| c)
        .ok_or_else(|| invalid("policy", format!("政策未能计算 {TIER}")))?;
    let dead = store.visits().dead_by(on).await?;
    let mut now = Vec::new();
    for (h, community) in registry.communities.iter().enumerate() {
        let household_id = registry.household_ids.get(h).copied().unwrap_or_default();
        for row in registry.rows(minsheng_policy::Entity::Member, h) {
            // A person the rules cannot decide is not listed by guess; the count says so.
            if column.errors.contains_key(&row) {
                continue;
            }
            let t = column.get(row);
            if (1..=3).contains(&t) {
                if let Some(&person_id) = registry.persons.get(row).filter(|p| !dead.contains(p)) {
                    now.push(Listing {
                        person_id,
                        household_id,
                        area: community.clone(),
                        tier: u8::try_from(t).unwrap_or(3),
                    });
                }
            }
        }
    }
    let listed = u64::try_from(now.len()).unwrap_or(u64::MAX);
    let stored = store.visits().whole_roster().await?;
    let changes = changes(&stored, now);
    // Recorded even when nothing changed: the list says when it was last brought up to date.
    store
        .visits()
        .refresh(
            &changes,
            on,
            listed,
            (actor, clock.now),
            NewAuditEntry {
                actor: actor.into(),
                action: "visit_roster_refresh".into(),
                subject: "visit_roster".into(),
                detail: format!(
                    "as_of={on} listed={listed} joined={} rejoined={} changed={} ended={}",
                    changes.joined.len(),
                    changes.rejoined.len(),
                    changes.changed.len(),
                    changes.ended.len()
                ),
                at: clock.now,
            },
        )
        .await?;
    Ok(Refreshed { listed, changes })
}

/// Community or street staff whose area holds `area`: who files visitors, assigns them,
/// records visits and closes referrals there.
fn community_staff<'a>(
    who: &'a Account,
    area: &AreaCode,
    what: &str,
) -> Result<&'a Staff, VisitError> {
    match who {
        Account::Staff(s)
            if matches!(s.role, Role::Community | Role::Street) && area.is_within(&s.area) =>
        {
            Ok(s)
        }
        _ => Err(invalid(
            "actor",
            format!(
                "{what}由所在社区或街道的工作人员办理，{} 不能办理",
                who.name()
            ),
        )),
    }
}

fn community(text: &str) -> Result<AreaCode, VisitError> {
    let area = AreaCode::parse(text.trim()).map_err(|e| invalid("area_code", e.to_string()))?;
    if area.level() != minsheng_core::AreaLevel::Community {
        return Err(invalid(
            "area_code",
            format!("探访人服务于社区（村），{area} 不是社区（村）"),
        ));
    }
    Ok(area)
}

/// A visitor as a form or a file row gives them.
#[derive(Debug, Clone, Default)]
pub struct VisitorForm<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub area_code: &'a str,
    pub phone: &'a str,
    /// A staff account the visitor signs in with (may be empty).
    pub account: &'a str,
}

/// Checks a visitor's form; `who` must be community or street staff of the community.
pub fn check_visitor(who: &Account, form: &VisitorForm<'_>) -> Result<NewVisitor, VisitError> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        return Err(invalid("name", "请填写探访人姓名（不超过 40 字）"));
    }
    let kind = VisitorKind::parse(form.kind)?;
    let area = community(form.area_code)?;
    community_staff(who, &area, "登记探访人")?;
    let phone = form.phone.trim();
    if phone.len() < 7 || phone.len() > 20 || !phone.chars().all(|c| c.is_ascii_digit() || c == '-')
    {
        return Err(invalid("phone", format!("「{phone}」不是电话号码")));
    }
    let account = Some(form.account.trim())
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    Ok(NewVisitor {
        name: name.into(),
        kind,
        area,
        phone: phone.into(),
        account,
    })
}

/// Files visitors, all or none (a form's one, or a file's rows), with one audit entry.
pub async fn add_visitors(
    store: &Store,
    who: &Account,
    forms: &[VisitorForm<'_>],
    clock: Clock,
) -> Result<Vec<i64>, VisitError> {
    let mut list = Vec::with_capacity(forms.len());
    for (i, form) in forms.iter().enumerate() {
        list.push(check_visitor(who, form).map_err(|e| match e {
            VisitError::Invalid(f) if forms.len() > 1 => {
                invalid(&f.field, format!("第 {} 行：{}", i + 1, f.reason))
            }
            other => other,
        })?);
    }
    let names: Vec<&str> = list.iter().map(|v| v.name.as_str()).collect();
    Ok(store
        .visits()
        .add_visitors(
            &list,
            who.name(),
            clock.now,
            NewAuditEntry {
                actor: who.name().into(),
                action: "add_visitors".into(),
                subject: "care_visitor".into(),
                detail: format!("count={} names={}", list.len(), names.join(",")),
                at: clock.now,
            },
        )
        .await?)
}

/// A listed elder within the account's area.
pub async fn listed_elder(
    store: &Store,
    who: &Account,
    person_id: i64,
) -> Result<Elder, VisitError> {
    let scope = who.scope();
    store
        .visits()
        .elder(person_id, &scope)
        .await?
        .ok_or_else(|| {
            invalid(
                "person",
                format!("探访对象名单上（本辖区）没有 {person_id}"),
            )
        })
}

async fn visitor_for(
    store: &Store,
    elder: &Elder,
    visitor: i64,
) -> Result<VisitorRecord, VisitError> {
    let v = store
        .visits()
        .visitor(visitor)
        .await?
        .ok_or_else(|| invalid("visitor", format!("没有探访人 {visitor}")))?;
    let area = AreaCode::parse(&elder.listed.area).map_err(|e| invalid("person", e.to_string()))?;
    if !area.is_within(&v.area) {
        return Err(invalid(
            "visitor",
            format!(
                "探访人 {} 服务于 {}，不负责该老年人所在的 {area}",
                v.name, v.area
            ),
        ));
    }
    Ok(v)
}

/// Assigns a visitor of the elder's community to call on them (or, with `None`, nobody).
pub async fn assign(
    store: &Store,
    who: &Account,
    person_id: i64,
    visitor: Option<i64>,
    clock: Clock,
) -> Result<(), VisitError> {
    let elder = listed_elder(store, who, person_id).await?;
    let area = AreaCode::parse(&elder.listed.area).map_err(|e| invalid("person", e.to_string()))?;
    community_staff(who, &area, "分配探访人")?;
    let name = match visitor {
        Some(v) => visitor_for(store, &elder, v).await?.name,
        None => String::new(),
    };
    store
        .visits()
        .assign(
            person_id,
            visitor,
            NewAuditEntry {
                actor: who.name().into(),
                action: "assign_visitor".into(),
                subject: format!("person:{}", elder.id_number.masked()),
                detail: format!("visitor={} name={name}", visitor.unwrap_or_default()),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}

/// Every listed elder within `scope` with their next visit's standing on `today`, the most
/// urgent first.
pub async fn due(
    store: &Store,
    policy: &Policy,
    scope: &Scope,
    today: NaiveDate,
) -> Result<Vec<DueVisit>, VisitError> {
    let schedule = schedule(policy, today)?;
    let roster = store.visits().roster(scope).await?;
    Ok(due_visits(&roster, &schedule, today))
}

/// Records a visit to a listed elder by one of their community's visitors, and raises the
/// cases it found, in one transaction: the community's or street's staff record it, or the
/// visitor themself when they sign in with their own account.
pub async fn record(
    store: &Store,
    who: &Account,
    person_id: i64,
    visitor: i64,
    report: &Report,
    clock: Clock,
) -> Result<(i64, Vec<i64>), VisitError> {
    let elder = listed_elder(store, who, person_id).await?;
    let area = AreaCode::parse(&elder.listed.area).map_err(|e| invalid("person", e.to_string()))?;
    let v = visitor_for(store, &elder, visitor).await?;
    if v.account.as_deref() != Some(who.name()) {
        community_staff(who, &area, "记录探访")?;
    }
    check_report(report, elder.listed.since, clock.today)?;
    let needs: Vec<&str> = report.needs.iter().map(|n| n.as_str()).collect();
    Ok(store
        .visits()
        .record(person_id, visitor, report, (who.name(), clock.now), |id| {
            NewAuditEntry {
                actor: who.name().into(),
                action: "care_visit".into(),
                subject: format!("person:{}", elder.id_number.masked()),
                detail: format!(
                    "visit={id} visitor={} on={} mode={} reached={} needs={}",
                    v.name,
                    report.on,
                    report.mode.as_str(),
                    report.reached,
                    needs.join(",")
                ),
                at: clock.now,
            }
        })
        .await?)
}

/// Closes an open referral with its outcome in words (what was done, or why nothing is):
/// the community's or street's staff.
pub async fn close(
    store: &Store,
    who: &Account,
    referral: i64,
    outcome: &str,
    clock: Clock,
) -> Result<(), VisitError> {
    let r = store
        .visits()
        .referral(referral)
        .await?
        .ok_or_else(|| invalid("referral", format!("没有转办 {referral}")))?;
    let area = AreaCode::parse(&r.area).map_err(|e| invalid("referral", e.to_string()))?;
    community_staff(who, &area, "办结转办")?;
    let outcome = outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > 500 {
        return Err(invalid("outcome", "请写明办理结果（不超过 500 字）"));
    }
    store
        .visits()
        .close(
            referral,
            (None, outcome),
            (who.name(), clock.now),
            NewAuditEntry {
                actor: who.name().into(),
                action: "close_referral".into(),
                subject: format!("person:{}", r.id_number.masked()),
                detail: format!(
                    "referral={referral} need={} outcome={outcome}",
                    r.need.as_str()
                ),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}

/// How long a synthetic city's roster has run: its visits are spread over these days.
pub const SYNTHETIC_DAYS: i64 = 60;

/// A synthetic city's visiting care, unless its roster was ever refreshed: the roster as of
/// [`SYNTHETIC_DAYS`] ago, one volunteer per community assigned to all its listed elders, and
/// their visits since — most elders reached within their interval, one in ten reached once
/// long ago (overdue), one in twenty never reached (escalated) — then the roster refreshed as
/// of today. Returns how many elders are listed and how many visits were recorded.
pub async fn file_synthetic(
    store: &Store,
    policy: &Policy,
    actor: &str,
    clock: Clock,
) -> Result<(u64, usize), VisitError> {
    if store.visits().last_refresh().await?.is_some() {
        return Ok((0, 0));
    }
    let start = clock.today - chrono::Duration::days(SYNTHETIC_DAYS);
    refresh(store, policy, start, actor, clock, &minsheng_app::Quiet).await?;
    let roster = store.visits().roster(&Scope::Everything).await?;
    let mut communities: Vec<&str> = roster.iter().map(|l| l.area.as_str()).collect();
    communities.sort_unstable();
    communities.dedup();
    let visitors: Vec<NewVisitor> = communities
        .iter()
        .enumerate()
        .filter_map(|(i, area)| {
            Some(NewVisitor {
                name: format!("探访志愿者{:04}", i + 1),
                kind: VisitorKind::Volunteer,
                area: AreaCode::parse(area).ok()?,
                phone: format!("0532-{:08}", 80_000_000 + i),
                account: None,
            })
        })
        .collect();
    let audit = |action: &str, detail: String| NewAuditEntry {
        actor: actor.into(),
        action: action.into(),
        subject: "visit_roster".into(),
        detail,
        at: clock.now,
    };
    let ids = store
        .visits()
        .add_visitors(
            &visitors,
            actor,
            clock.now,
            audit(
                "add_visitors",
                format!("synthetic count={}", visitors.len()),
            ),
        )
        .await?;
    let by_area: std::collections::HashMap<&str, i64> = visitors
        .iter()
        .zip(&ids)
        .map(|(v, id)| (v.area.as_str(), *id))
        .collect();
    let schedule = schedule(policy, clock.today)?;
    let mut pairs = Vec::with_capacity(roster.len());
    let mut history = Vec::new();
    for l in &roster {
        let Some(&visitor) = by_area.get(l.area.as_str()) else {
            continue;
        };
        pairs.push((l.person_id, visitor));
        let Some(interval) = schedule.interval(l.tier) else {
            continue;
        };
        let days = interval.num_days().max(1);
        let reached = |on: NaiveDate| Report {
            on,
            mode: if l.person_id % 3 == 0 {
                Mode::Phone
            } else {
                Mode::Home
            },
            reached: true,
            found: "身体状况平稳，生活能够自理，家中安全无隐患".into(),
            follow_up: String::new(),
            needs: Vec::new(),
        };
        match l.person_id.rem_euclid(20) {
            0 => {}
            1 | 2 => history.push((
                l.person_id,
                visitor,
                reached(start + chrono::Duration::days(1)),
            )),
            k => {
                // Visited every interval since the start, the last within the interval.
                let mut on = start + chrono::Duration::days(k % days);
                while on <= clock.today {
                    history.push((l.person_id, visitor, reached(on)));
                    on += interval;
                }
            }
        }
    }
    store
        .visits()
        .assign_all(
            &pairs,
            audit("assign_visitor", format!("synthetic count={}", pairs.len())),
        )
        .await?;
    store
        .visits()
        .record_history(
            &history,
            (actor, clock.now),
            audit("care_visit", format!("synthetic count={}", history.len())),
        )
        .await?;
    let now = refresh(
        store,
        policy,
        clock.today,
        actor,
        clock,
        &minsheng_app::Quiet,
    )
    .await?;
    Ok((now.listed, history.len()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalog_gives_every_tier_an_interval() {
        let policy = minsheng_test_support::policy();
        let on = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let s = super::schedule(&policy, on).unwrap();
        assert!(s.interval_days[0] < s.interval_days[1] && s.interval_days[1] < s.interval_days[2]);
        let before = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(super::schedule(&policy, before).unwrap_err().field, "on");
    }
}
