//! Visiting care (探访关爱) as the rules schedule it, with no IO: when an older person is next
//! due a visit, by the risk tier the rules give them (`visiting_care_tier`) and the interval of
//! that tier; whether a visit is overdue, or so long overdue that the street must step in; what
//! a visit found, and the case each finding raises.

use chrono::{Duration, NaiveDate};
use minsheng_core::FieldError;

/// The intervals of the tiers and the escalation delay in force (`eldercare.visiting_care`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Days between visits for tiers 1, 2 and 3.
    pub interval_days: [u32; 3],
    /// Days overdue after which an elder not reached is reported to the street.
    pub escalate_days: u32,
}

impl Schedule {
    /// The interval of `tier` (1 to 3); `None` for 0, someone not visited.
    pub fn interval(&self, tier: u8) -> Option<Duration> {
        let days = match tier {
            1..=3 => self.interval_days.get(usize::from(tier - 1))?,
            _ => return None,
        };
        Some(Duration::days(i64::from(*days)))
    }

    /// When an elder of `tier` is next due: an interval after the last visit that reached
    /// them, or after the day they became due a visit if none has. A visit that did not reach
    /// them (nobody home, no answer) does not count: they are still due.
    pub fn due(
        &self,
        tier: u8,
        since: NaiveDate,
        last_reached: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        let interval = self.interval(tier)?;
        Some(match last_reached {
            Some(day) => day + interval,
            // Someone newly on the list is visited within one interval of joining it.
            None => since + interval,
        })
    }
}

/// Where a due visit stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Due later than today.
    Upcoming,
    /// Due today.
    Due,
    /// Past due by this many days, not yet reported to the street.
    Overdue(i64),
    /// Past due by more than the escalation delay: reported to the street.
    Escalated(i64),
}

impl Standing {
    pub fn of(due: NaiveDate, today: NaiveDate, schedule: &Schedule) -> Standing {
        let late = (today - due).num_days();
        if late < 0 {
            Standing::Upcoming
        } else if late == 0 {
            Standing::Due
        } else if late <= i64::from(schedule.escalate_days) {
            Standing::Overdue(late)
        } else {
            Standing::Escalated(late)
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::Upcoming => "未到期",
            Standing::Due => "今日到期",
            Standing::Overdue(_) => "逾期",
            Standing::Escalated(_) => "逾期已上报街道",
        }
    }

    /// Whether the visit is to be made now (due or late).
    pub fn pending(self) -> bool {
        !matches!(self, Standing::Upcoming)
    }
}

/// What a visit can find that needs more than a visit: each raises its own case in one click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// Cannot cook or fetch meals: meal aid (助餐), delivered.
    MealAid,
    /// Seems to have lost abilities: an ability assessment (能力评估).
    Assessment,
    /// In sudden hardship: temporary assistance (临时救助).
    TemporaryAssistance,
}

impl Need {
    pub const ALL: [Need; 3] = [Need::MealAid, Need::Assessment, Need::TemporaryAssistance];

    pub fn as_str(self) -> &'static str {
        match self {
            Need::MealAid => "meal_aid",
            Need::Assessment => "assessment",
            Need::TemporaryAssistance => "temporary_assistance",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Need::MealAid => "需要助餐",
            Need::Assessment => "需要能力评估",
            Need::TemporaryAssistance => "需要临时救助",
        }
    }

    pub fn parse(text: &str) -> Result<Need, FieldError> {
        Need::ALL
            .into_iter()
            .find(|n| n.as_str() == text.trim() || n.label() == text.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "need",
                    format!("「{text}」不是可转办的需求（需要助餐、需要能力评估、需要临时救助）"),
                )
            })
    }
}

/// How a visit was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// At the elder's home (上门).
    Home,
    /// By telephone or video (电话).
    Phone,
}

/// A visit as the visitor records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub on: NaiveDate,
    pub mode: Mode,
    /// Whether the visitor reached the elder; a visit that did not leaves them due.
    pub reached: bool,
    /// What the visitor found, in their words.
    pub found: String,
    /// What follows, in their words (may be empty when all is well).
    pub follow_up: String,
    /// The cases it raises.
    pub needs: Vec<Need>,
}

/// Checks a visit's record before it is kept: a clear reason naming the field when not.
pub fn check_report(
    report: &Report,
    due_since: NaiveDate,
    today: NaiveDate,
) -> Result<(), FieldError> {
    if report.on > today {
        return Err(FieldError::new(
            "on",
            format!("探访日期 {} 晚于今天", report.on),
        ));
    }
    if report.on < due_since {
        return Err(FieldError::new(
            "on",
            format!(
                "探访日期 {} 早于该老年人列入探访对象之日 {due_since}",
                report.on
            ),
        ));
    }
    if report.found.trim().is_empty() {
        return Err(FieldError::new(
            "found",
            "请写明探访所见（未见到本人也请写明原因）",
        ));
    }
    if !report.reached && !report.needs.is_empty() {
        return Err(FieldError::new(
            "needs",
            "未见到本人的探访不能转办需求：请见到本人后再转办",
        ));
    }
    let mut seen = report.needs.clone();
    seen.sort();
    seen.dedup();
    if seen.len() != report.needs.len() {
        return Err(FieldError::new("needs", "同一需求只能转办一次"));
    }
    Ok(())
}

/// An older resident as the rules list them for visits on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub person_id: i64,
    pub household_id: i64,
    /// The household's community.
    pub area: String,
    /// 1 to 3.
    pub tier: u8,
}

/// An older resident on the visiting roster, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub person_id: i64,
    pub household_id: i64,
    pub area: String,
    pub tier: u8,
    pub since: NaiveDate,
    pub last_reached: Option<NaiveDate>,
    pub visitor_id: Option<i64>,
    /// The day they left the roster, if they have.
    pub ended_on: Option<NaiveDate>,
}

/// What a refresh changes in the roster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterChanges {
    /// Listed for the first time.
    pub joined: Vec<Listing>,
    /// Listed again after leaving the roster: due from the refresh's day, like a newcomer.
    pub rejoined: Vec<Listing>,
    /// Still listed, at another tier or in another community.
    pub changed: Vec<Listing>,
    /// No longer listed (no longer qualifies, died, moved out of the registry).
    pub ended: Vec<i64>,
}

impl RosterChanges {
    pub fn is_empty(&self) -> bool {
        self.joined.is_empty()
            && self.rejoined.is_empty()
            && self.changed.is_empty()
            && self.ended.is_empty()
    }
}

/// What must change for the roster `stored` to list exactly `now` (the rules' listing of the
/// day). A move to another community keeps the elder's visit history and due day; the
/// assigned visitor, who serves the old community, is let go by the store.
pub fn changes(stored: &[Listed], now: Vec<Listing>) -> RosterChanges {
    let by_person: std::collections::HashMap<i64, &Listed> =
        stored.iter().map(|l| (l.person_id, l)).collect();
    let mut out = RosterChanges::default();
    let mut seen = std::collections::HashSet::with_capacity(now.len());
    for listing in now {
        seen.insert(listing.person_id);
        match by_person.get(&listing.person_id) {
            None => out.joined.push(listing),
            Some(l) if l.ended_on.is_some() => out.rejoined.push(listing),
            Some(l)
                if l.tier != listing.tier
                    || l.area != listing.area
                    || l.household_id != listing.household_id =>
            {
                out.changed.push(listing)
            }
            Some(_) => {}
        }
    }
    out.ended = stored
        .iter()
        .filter(|l| l.ended_on.is_none() && !seen.contains(&l.person_id))
        .map(|l| l.person_id)
        .collect();
    out
}

/// A listed elder's next visit and where it stands today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueVisit {
    pub person_id: i64,
    pub area: String,
    pub tier: u8,
    pub due: NaiveDate,
    pub standing: Standing,
    pub visitor_id: Option<i64>,
    pub last_reached: Option<NaiveDate>,
}

/// Every elder still listed in `roster`, with their next visit and its standing on `today`,
/// the most urgent first: escalated, then overdue, due and upcoming, each by due day.
pub fn due_visits(roster: &[Listed], schedule: &Schedule, today: NaiveDate) -> Vec<DueVisit> {
    let mut out: Vec<DueVisit> = roster
        .iter()
        .filter(|l| l.ended_on.is_none())
        .filter_map(|l| {
            let due = schedule.due(l.tier, l.since, l.last_reached)?;
            Some(DueVisit {
                person_id: l.person_id,
                area: l.area.clone(),
                tier: l.tier,
                due,
                standing: Standing::of(due, today, schedule),
                visitor_id: l.visitor_id,
                last_reached: l.last_reached,
            })
        })
        .collect();
    out.sort_by_key(|v| (std::cmp::Reverse(urgency(v.standing)), v.due, v.person_id));
    out
}

fn urgency(s: Standing) -> u8 {
    match s {
        Standing::Upcoming => 0,
        Standing::Due => 1,
        Standing::Overdue(_) => 2,
        Standing::Escalated(_) => 3,
    }
}

/// How well an area's listed elders are visited on a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    pub listed: u64,
    /// Visited within their interval: not yet due, or due today.
    pub current: u64,
    pub overdue: u64,
    pub escalated: u64,
    /// Listed with no visitor assigned.
    pub unassigned: u64,
}

impl Coverage {
    pub fn add(&mut self, v: &DueVisit) {
        self.listed += 1;
        match v.standing {
            Standing::Upcoming | Standing::Due => self.current += 1,
            Standing::Overdue(_) => self.overdue += 1,
            Standing::Escalated(_) => self.escalated += 1,
        }
        if v.visitor_id.is_none() {
            self.unassigned += 1;
        }
    }

    /// The share visited within their interval, in tenths of a percent (none listed: all).
    pub fn permille(&self) -> u64 {
        (self.current * 1000)
            .checked_div(self.listed)
            .unwrap_or(1000)
    }
}

/// Coverage by community (the area code each visit carries) and in all.
pub fn coverage(due: &[DueVisit]) -> (std::collections::BTreeMap<String, Coverage>, Coverage) {
    let mut by_area: std::collections::BTreeMap<String, Coverage> = Default::default();
    let mut all = Coverage::default();
    for v in due {
        by_area.entry(v.area.clone()).or_default().add(v);
        all.add(v);
    }
    (by_area, all)
}

/// Who may visit on the community's behalf (五社联动).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitorKind {
    CommunityStaff,
    SocialWorker,
    Volunteer,
}

impl VisitorKind {
    pub const ALL: [VisitorKind; 3] = [
        VisitorKind::CommunityStaff,
        VisitorKind::SocialWorker,
        VisitorKind::Volunteer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VisitorKind::CommunityStaff => "community_staff",
            VisitorKind::SocialWorker => "social_worker",
            VisitorKind::Volunteer => "volunteer",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            VisitorKind::CommunityStaff => "社区工作者",
            VisitorKind::SocialWorker => "社会工作者",
            VisitorKind::Volunteer => "志愿者",
        }
    }

    pub fn parse(text: &str) -> Result<VisitorKind, FieldError> {
        VisitorKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim() || k.label() == text.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "kind",
                    format!("「{text}」不是探访人类别（社区工作者、社会工作者、志愿者）"),
                )
            })
    }
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Home => "home",
            Mode::Phone => "phone",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Mode::Home => "上门",
            Mode::Phone => "电话或视频",
        }
    }

    pub fn parse(text: &str) -> Result<Mode, FieldError> {
        [Mode::Home, Mode::Phone]
            .into_iter()
            .find(|m| m.as_str() == text.trim() || m.label() == text.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "mode",
                    format!("「{text}」不是探访方式（上门、电话或视频）"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule() -> Schedule {
        Schedule {
            interval_days: [7, 14, 30],
            escalate_days: 7,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    #[test]
    fn due_an_interval_after_the_last_visit_that_reached_the_elder() {
        let s = schedule();
        assert_eq!(s.due(1, day(1), Some(day(3))), Some(day(10)));
        assert_eq!(s.due(2, day(1), Some(day(3))), Some(day(17)));
        assert_eq!(s.due(3, day(1), None), Some(day(31)));
        assert_eq!(s.due(0, day(1), None), None);
        assert_eq!(s.due(4, day(1), None), None);
    }

    #[test]
    fn standing_at_each_edge_of_the_escalation_delay() {
        let s = schedule();
        assert_eq!(Standing::of(day(10), day(9), &s), Standing::Upcoming);
        assert_eq!(Standing::of(day(10), day(10), &s), Standing::Due);
        assert_eq!(Standing::of(day(10), day(11), &s), Standing::Overdue(1));
        assert_eq!(Standing::of(day(10), day(17), &s), Standing::Overdue(7));
        assert_eq!(Standing::of(day(10), day(18), &s), Standing::Escalated(8));
        assert!(!Standing::Upcoming.pending() && Standing::Due.pending());
    }

    #[test]
    fn a_visit_record_is_checked_field_by_field() {
        let ok = Report {
            on: day(10),
            mode: Mode::Home,
            reached: true,
            found: "独自在家，行动迟缓，冰箱空".into(),
            follow_up: "联系助餐点送餐".into(),
            needs: vec![Need::MealAid],
        };
        assert!(check_report(&ok, day(1), day(10)).is_ok());
        let field = |r: &Report| check_report(r, day(1), day(10)).unwrap_err().field;
        assert_eq!(
            field(&Report {
                on: day(11),
                ..ok.clone()
            }),
            "on"
        );
        let early = check_report(&ok, day(11), day(12)).unwrap_err();
        assert_eq!(early.field, "on");
        assert_eq!(
            field(&Report {
                found: " ".into(),
                ..ok.clone()
            }),
            "found"
        );
        assert_eq!(
            field(&Report {
                reached: false,
                ..ok.clone()
            }),
            "needs"
        );
        assert_eq!(
            field(&Report {
                needs: vec![Need::MealAid, Need::MealAid],
                ..ok.clone()
            }),
            "needs"
        );
        assert!(check_report(
            &Report {
                reached: false,
                needs: vec![],
                found: "敲门无人应答，邻居称其住院".into(),
                ..ok
            },
            day(1),
            day(10)
        )
        .is_ok());
    }

    #[test]
    fn needs_read_by_code_or_label() {
        assert_eq!(Need::parse("meal_aid").unwrap(), Need::MealAid);
        assert_eq!(
            Need::parse("需要临时救助").unwrap(),
            Need::TemporaryAssistance
        );
        assert_eq!(Need::parse("钱").unwrap_err().field, "need");
    }

    fn listed(person_id: i64, tier: u8, since: u32, last: Option<u32>) -> Listed {
        Listed {
            person_id,
            household_id: person_id,
            area: "370212001001".into(),
            tier,
            since: day(since),
            last_reached: last.map(day),
            visitor_id: None,
            ended_on: None,
        }
    }

    #[test]
    fn the_roster_changes_to_list_exactly_who_the_rules_list() {
        let mut gone = listed(4, 2, 1, None);
        gone.ended_on = Some(day(2));
        let stored = vec![
            listed(1, 1, 1, None),
            listed(2, 2, 1, None),
            listed(3, 3, 1, None),
            gone,
        ];
        let now = |person_id, tier: u8, area: &str| Listing {
            person_id,
            household_id: person_id,
            area: area.into(),
            tier,
        };
        let c = changes(
            &stored,
            vec![
                now(1, 1, "370212001001"),
                now(2, 1, "370212001001"),
                now(4, 2, "370212001001"),
                now(5, 3, "370212001002"),
            ],
        );
        assert_eq!(c.joined, vec![now(5, 3, "370212001002")]);
        assert_eq!(c.rejoined, vec![now(4, 2, "370212001001")]);
        assert_eq!(c.changed, vec![now(2, 1, "370212001001")]);
        assert_eq!(c.ended, vec![3]);
        assert!(changes(&stored[..1], vec![now(1, 1, "370212001001")]).is_empty());
    }

    #[test]
    fn due_visits_most_urgent_first_and_coverage_counts_each_standing() {
        let s = schedule();
        let mut ended = listed(9, 1, 1, None);
        ended.ended_on = Some(day(2));
        let roster = vec![
            listed(1, 3, 1, Some(20)), // due 2025-04-19: upcoming
            listed(2, 1, 1, None),     // due 8 March: escalated on the 20th (12 days)
            listed(3, 1, 1, Some(6)),  // due 13 March: overdue 7 days, the last before escalation
            listed(4, 2, 6, None),     // due 20 March: due today
            ended,
        ];
        let due = due_visits(&roster, &s, day(20));
        let order: Vec<i64> = due.iter().map(|v| v.person_id).collect();
        assert_eq!(order, vec![2, 3, 4, 1]);
        assert_eq!(due[0].standing, Standing::Escalated(12));
        assert_eq!(due[1].standing, Standing::Overdue(7));
        let (by_area, all) = coverage(&due);
        assert_eq!(
            all,
            Coverage {
                listed: 4,
                current: 2,
                overdue: 1,
                escalated: 1,
                unassigned: 4
            }
        );
        assert_eq!(all.permille(), 500);
        assert_eq!(by_area.len(), 1);
        assert_eq!(Coverage::default().permille(), 1000);
    }

    #[test]
    fn kinds_and_modes_read_by_code_or_label() {
        assert_eq!(
            VisitorKind::parse("志愿者").unwrap(),
            VisitorKind::Volunteer
        );
        assert_eq!(VisitorKind::parse("x").unwrap_err().field, "kind");
        assert_eq!(Mode::parse("phone").unwrap(), Mode::Phone);
        assert_eq!(Mode::parse("信").unwrap_err().field, "mode");
    }
}
