//! Visiting care on the web: a community's (or street's, district's, city's) list of the
//! elders due a visit, the most urgent first — those escalated to the street at the top — with
//! the coverage of each community; an elder's page with their visits, the visit form whose
//! findings raise cases in one click, and the visitor assigned; the open referrals and the
//! community's visitors.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};

use minsheng_core::access::{Account, Role};
use minsheng_eldercare::visits::{
    self, coverage, Coverage, Mode, Need, Report, Standing, VisitError, VisitorForm,
    VisitsStore as _,
};

use crate::error::{PageError, WebError};
use crate::extract::{PagePath, PageQuery};
// The templates' `t` filter.
use crate::i18n::filters;
use crate::pages::Frame;
use crate::session::{OnPage, Signed};
use crate::Web;

/// The most rows a list shows; the counts above it are of all.
const SHOWN: usize = 300;

pub(crate) fn visit_error(e: VisitError) -> WebError {
    match e {
        VisitError::Invalid(e) => WebError::invalid(&e.field, e.reason),
        VisitError::Store(e) => e.into(),
    }
}

type Sent = axum_extra::extract::Form<HashMap<String, String>>;

pub struct DueRow {
    pub person_id: i64,
    pub name: String,
    /// Masked.
    pub id_number: String,
    pub age: i32,
    pub area: String,
    pub tier: u8,
    pub due: String,
    pub standing: &'static str,
    pub late: i64,
    pub escalated: bool,
    pub visitor: String,
    pub last_reached: String,
}

pub struct CoverageRow {
    pub area: String,
    pub listed: u64,
    pub current: u64,
    pub overdue: u64,
    pub escalated: u64,
    pub unassigned: u64,
    /// Visited within their interval, as a percentage with one decimal.
    pub share: String,
}

impl CoverageRow {
    fn of(area: String, c: &Coverage) -> CoverageRow {
        let p = c.permille();
        CoverageRow {
            area,
            listed: c.listed,
            current: c.current,
            overdue: c.overdue,
            escalated: c.escalated,
            unassigned: c.unassigned,
            share: format!("{}.{}%", p / 10, p % 10),
        }
    }
}

pub struct ReferralRow {
    pub id: i64,
    pub person_id: i64,
    pub name: String,
    pub id_number: String,
    pub need: &'static str,
    pub visited_on: String,
    pub found: String,
    pub open: bool,
    pub outcome: String,
}

pub struct VisitorRow {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub area: String,
    pub phone: String,
    pub account: String,
    /// Assigned to the elder the page is about.
    pub assigned: bool,
    /// The elders assigned to them, those due or late, and those late.
    pub elders: u64,
    pub pending: u64,
    pub late: u64,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct ListPage {
    frame: Option<Frame>,
    csrf: String,
    today: String,
    refreshed: Option<String>,
    total: CoverageRow,
    communities: Vec<CoverageRow>,
    rows: Vec<DueRow>,
    pending: usize,
    referrals: Vec<ReferralRow>,
    visitors: Vec<VisitorRow>,
    may_act: bool,
    kinds: Vec<(&'static str, &'static str)>,
    message: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "visit.html")]
struct ElderPage {
    frame: Option<Frame>,
    csrf: String,
    person_id: i64,
    name: String,
    id_number: String,
    age: i32,
    area: String,
    tier: u8,
    since: String,
    due: String,
    standing: &'static str,
    escalated: bool,
    listed: bool,
    visitors: Vec<VisitorRow>,
    history: Vec<HistoryRow>,
    referrals: Vec<ReferralRow>,
    modes: Vec<(&'static str, &'static str)>,
    needs: Vec<(&'static str, &'static str)>,
    today: String,
    may_act: bool,
    message: Option<String>,
    done: Option<String>,
}

pub struct HistoryRow {
    pub on: String,
    pub visitor: String,
    pub mode: &'static str,
    pub reached: bool,
    pub found: String,
    pub follow_up: String,
    pub needs: String,
    pub recorded_by: String,
}

#[derive(Debug, serde::Deserialize)]
pub struct ListParams {
    done: Option<String>,
}

fn staff_only(who: &Signed) -> Result<(), WebError> {
    match &who.account {
        Account::Staff(s) if s.role != Role::Provider => Ok(()),
        _ => Err(WebError::Forbidden(
            "探访关爱由社区、街道、区和市的民政工作人员查看".into(),
        )),
    }
}

fn may_act(who: &Signed) -> bool {
    matches!(&who.account, Account::Staff(s) if matches!(s.role, Role::Community | Role::Street))
}

fn visitor_rows(
    list: &[visits::VisitorRecord],
    names: &HashMap<String, String>,
) -> Vec<VisitorRow> {
    list.iter()
        .map(|v| VisitorRow {
            id: v.id,
            name: v.name.clone(),
            kind: v.kind.label(),
            area: names
                .get(v.area.as_str())
                .cloned()
                .unwrap_or_else(|| v.area.to_string()),
            phone: v.phone.clone(),
            account: v.account.clone().unwrap_or_default(),
            assigned: false,
            elders: 0,
            pending: 0,
            late: 0,
        })
        .collect()
}

fn referral_rows(list: &[visits::ReferralRecord]) -> Vec<ReferralRow> {
    list.iter()
        .map(|r| ReferralRow {
            id: r.id,
            person_id: r.person_id,
            name: r.name.clone(),
            id_number: r.id_number.masked(),
            need: r.need.label(),
            visited_on: r.visited_on.to_string(),
            found: r.found.clone(),
            open: r.open,
            outcome: match (&r.handed_to, r.outcome.as_str()) {
                (Some(to), outcome) => format!("{outcome} ({to})"),
                (None, outcome) => outcome.to_string(),
            },
        })
        .collect()
}

fn standing_label(s: Standing) -> (&'static str, i64, bool) {
    match s {
        Standing::Overdue(d) => (s.label(), d, false),
        Standing::Escalated(d) => (s.label(), d, true),
        other => (other.label(), 0, false),
    }
}

async fn list_page(
    web: &Web,
    who: &Signed,
    done: Option<String>,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    staff_only(who)?;
    let clock = web.clock();
    let scope = who.account.scope();
    let due = visits::due(&web.store, &web.policy, &scope, clock.today)
        .await
        .map_err(visit_error)?;
    let (by_area, total) = coverage(&due);
    let store = web.store.visits();
    let visitors = store.visitors(&scope).await?;
    let mut codes: Vec<&str> = by_area.keys().map(String::as_str).collect();
    codes.extend(visitors.iter().map(|v| v.area.as_str()));
    let names = web.store.area_names(&codes).await?;
    let name_of = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_string());
    let pending: Vec<_> = due.iter().filter(|v| v.standing.pending()).collect();
    let shown: Vec<i64> = pending.iter().take(SHOWN).map(|v| v.person_id).collect();
    let people = store.names(&shown).await?;
    let visitor_names: HashMap<i64, String> =
        visitors.iter().map(|v| (v.id, v.name.clone())).collect();
    let rows = pending
        .iter()
        .take(SHOWN)
        .map(|v| {
            let (name, id_number, born) = people.get(&v.person_id).cloned().ok_or_else(|| {
                WebError::NotFound(format!("探访对象 {} 不在登记中", v.person_id))
            })?;
            let (standing, late, escalated) = standing_label(v.standing);
            Ok(DueRow {
                person_id: v.person_id,
                name,
                id_number: id_number.masked(),
                age: minsheng_core::registry::describe::age(born, clock.today),
                area: name_of(&v.area),
                tier: v.tier,
                due: v.due.to_string(),
                standing,
                late,
                escalated,
                visitor: v
                    .visitor_id
                    .and_then(|id| visitor_names.get(&id).cloned())
                    .unwrap_or_default(),
                last_reached: v.last_reached.map(|d| d.to_string()).unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, WebError>>()?;
    let referrals = store.referrals(&scope, true, 200).await?;
    let page = ListPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        today: clock.today.to_string(),
        refreshed: store
            .last_refresh()
            .await?
            .map(|r| format!("{}（{}）", r.as_of, r.refreshed_by)),
        total: CoverageRow::of("合计".into(), &total),
        communities: by_area
            .iter()
            .map(|(code, c)| CoverageRow::of(name_of(code), c))
            .collect(),
        rows,
        pending: pending.len(),
        referrals: referral_rows(&referrals),
        visitors: visitor_rows(&visitors, &names)
            .into_iter()
            .map(|v| {
                let mine = due.iter().filter(|d| d.visitor_id == Some(v.id));
                let (mut elders, mut pending, mut late) = (0, 0, 0);
                for d in mine {
                    elders += 1;
                    pending += u64::from(d.standing.pending());
                    late += u64::from(matches!(
                        d.standing,
                        Standing::Overdue(_) | Standing::Escalated(_)
                    ));
                }
                VisitorRow {
                    elders,
                    pending,
                    late,
                    ..v
                }
            })
            .collect(),
        may_act: may_act(who),
        kinds: visits::VisitorKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        message,
        done,
    };
    Ok(Html(page.render().map_err(WebError::from)?))
}

/// The list of elders due a visit within the account's area, with coverage and referrals.
pub async fn list(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PageQuery(params): PageQuery<ListParams>,
) -> Result<Html<String>, PageError> {
    list_page(&web, &who, params.done, None).await
}

async fn elder_page(
    web: &Web,
    who: &Signed,
    person_id: i64,
    done: Option<String>,
    message: Option<String>,
) -> Result<Html<String>, PageError> {
    staff_only(who)?;
    let clock = web.clock();
    let elder = visits::listed_elder(&web.store, &who.account, person_id)
        .await
        .map_err(visit_error)?;
    let store = web.store.visits();
    let area = minsheng_core::AreaCode::parse(&elder.listed.area)
        .map_err(|e| WebError::invalid("person", e.to_string()))?;
    let visitors: Vec<_> = store
        .visitors(&minsheng_core::access::Scope::Area(area.clone()))
        .await?;
    let names = web.store.area_names(&[area.as_str()]).await?;
    let schedule = visits::schedule(&web.policy, clock.today)
        .map_err(|e| WebError::invalid(&e.field, e.reason))?;
    let due = schedule.due(
        elder.listed.tier,
        elder.listed.since,
        elder.listed.last_reached,
    );
    let standing = due.map(|d| Standing::of(d, clock.today, &schedule));
    let history = store
        .visits_of(person_id)
        .await?
        .into_iter()
        .map(|v| HistoryRow {
            on: v.report.on.to_string(),
            visitor: format!("{}（{}）", v.visitor, v.visitor_kind.label()),
            mode: v.report.mode.label(),
            reached: v.report.reached,
            found: v.report.found,
            follow_up: v.report.follow_up,
            needs: v
                .report
                .needs
                .iter()
                .map(|n| n.label())
                .collect::<Vec<_>>()
                .join("、"),
            recorded_by: v.recorded_by,
        })
        .collect();
    // The elder is within the account's area (`listed_elder`), and so are their referrals.
    let referrals = store.referrals_of(person_id).await?;
    let page = ElderPage {
        frame: Frame::of(who),
        csrf: who.csrf().to_string(),
        person_id,
        name: elder.name.clone(),
        id_number: elder.id_number.masked(),
        age: minsheng_core::registry::describe::age(elder.birth_date, clock.today),
        area: names
            .get(area.as_str())
            .cloned()
            .unwrap_or_else(|| area.to_string()),
        tier: elder.listed.tier,
        since: elder.listed.since.to_string(),
        due: due.map(|d| d.to_string()).unwrap_or_default(),
        standing: standing.map_or("", |s| s.label()),
        escalated: matches!(standing, Some(Standing::Escalated(_))),
        listed: elder.listed.ended_on.is_none(),
        visitors: visitor_rows(&visitors, &names)
            .into_iter()
            .map(|v| VisitorRow {
                assigned: Some(v.id) == elder.listed.visitor_id,
                ..v
            })
            .collect(),
        history,
        referrals: referral_rows(&referrals),
        modes: [Mode::Home, Mode::Phone]
            .iter()
            .map(|m| (m.as_str(), m.label()))
            .collect(),
        needs: Need::ALL.iter().map(|n| (n.as_str(), n.label())).collect(),
        today: clock.today.to_string(),
        may_act: may_act(who)
            || store
                .visitors_of_account(who.account.name())
                .await?
                .iter()
                .any(|v| area.is_within(&v.area)),
        message,
        done,
    };
    Ok(Html(page.render().map_err(WebError::from)?))
}

/// One listed elder: their visits, the visit form, the visitor assigned.
pub async fn elder(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(person_id): PagePath<i64>,
    PageQuery(params): PageQuery<ListParams>,
) -> Result<Html<String>, PageError> {
    elder_page(&web, &who, person_id, params.done, None).await
}

fn report_of(sent: &HashMap<String, String>) -> Result<(i64, Report), WebError> {
    let get = |name: &str| sent.get(name).map_or("", |v| v.trim());
    let visitor = get("visitor")
        .parse()
        .map_err(|_| WebError::invalid("visitor", "请选择探访人"))?;
    let on = get("on").parse().map_err(|_| {
        WebError::invalid(
            "on",
            format!("「{}」不是日期（应为 YYYY-MM-DD）", get("on")),
        )
    })?;
    let mode = Mode::parse(get("mode")).map_err(|e| WebError::invalid(&e.field, e.reason))?;
    let mut needs = Vec::new();
    for need in Need::ALL {
        if sent.contains_key(&format!("need_{}", need.as_str())) {
            needs.push(need);
        }
    }
    Ok((
        visitor,
        Report {
            on,
            mode,
            reached: get("reached") == "yes",
            found: get("found").to_string(),
            follow_up: get("follow_up").to_string(),
            needs,
        },
    ))
}

/// Refusals of a form come back on the page they were sent from, with the reason.
async fn refused_on(
    web: &Web,
    who: &Signed,
    person_id: Option<i64>,
    e: WebError,
) -> Result<Response, PageError> {
    match e {
        WebError::Invalid { .. } | WebError::Conflict { .. } => {
            let message = Some(e.message(crate::i18n::current()));
            let page = match person_id {
                Some(id) => elder_page(web, who, id, None, message).await?,
                None => list_page(web, who, None, message).await?,
            };
            Ok((e.status(), page).into_response())
        }
        other => Err(other.into()),
    }
}

/// A visit recorded, and the cases it found raised.
pub async fn record(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(person_id): PagePath<i64>,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let clock = web.clock();
    let done = async {
        let (visitor, report) = report_of(&sent)?;
        visits::record(&web.store, &who.account, person_id, visitor, &report, clock)
            .await
            .map_err(visit_error)
    }
    .await;
    match done {
        Ok((_, raised)) => Ok(Redirect::to(&format!(
            "/visits/{person_id}?done=visit{}",
            raised.len()
        ))
        .into_response()),
        Err(e) => refused_on(&web, &who, Some(person_id), e).await,
    }
}

/// A visitor assigned to an elder (or none).
pub async fn assign(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(person_id): PagePath<i64>,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let visitor = match sent.get("visitor").map_or("", |v| v.trim()) {
        "" => None,
        v => match v.parse() {
            Ok(id) => Some(id),
            Err(_) => {
                let e = WebError::invalid("visitor", "请选择探访人");
                return refused_on(&web, &who, Some(person_id), e).await;
            }
        },
    };
    match visits::assign(&web.store, &who.account, person_id, visitor, web.clock()).await {
        Ok(()) => Ok(Redirect::to(&format!("/visits/{person_id}?done=assign")).into_response()),
        Err(e) => refused_on(&web, &who, Some(person_id), visit_error(e)).await,
    }
}

/// A visitor filed for a community.
pub async fn add_visitor(
    State(web): State<Web>,
    OnPage(who): OnPage,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let get = |name: &str| sent.get(name).map_or("", String::as_str);
    let form = VisitorForm {
        name: get("name"),
        kind: get("kind"),
        area_code: get("area_code"),
        phone: get("phone"),
        account: get("account"),
    };
    match visits::add_visitors(&web.store, &who.account, &[form], web.clock()).await {
        Ok(_) => Ok(Redirect::to("/visits?done=visitor").into_response()),
        Err(e) => refused_on(&web, &who, None, visit_error(e)).await,
    }
}

/// A referral closed with its outcome.
pub async fn close_referral(
    State(web): State<Web>,
    OnPage(who): OnPage,
    PagePath(id): PagePath<i64>,
    sent: Sent,
) -> Result<Response, PageError> {
    let sent = sent.0;
    who.check_csrf(sent.get("csrf").map_or("", String::as_str))?;
    let outcome = sent.get("outcome").map_or("", String::as_str);
    let back: Option<i64> = sent.get("person").and_then(|p| p.parse().ok());
    match visits::close(&web.store, &who.account, id, outcome, web.clock()).await {
        Ok(()) => Ok(Redirect::to(&match back {
            Some(p) => format!("/visits/{p}?done=close"),
            None => "/visits?done=close".into(),
        })
        .into_response()),
        Err(e) => refused_on(&web, &who, back, visit_error(e)).await,
    }
}
