//! What a signed-in person asks of elderly care, answered within their scope and audited where the
//! rules require it. Pages and endpoints are thin shells over these.

use minsheng_app::Clock;
use minsheng_core::Month;

use crate::eldercare::view::{
    AssessFormView, AssessedPersonView, AssessmentReportView, DrawSummaryView, DrawView, DrawnView,
    EntitlementView, EntitlementsView, FailureView, FormConditionView, FormDomainView,
    FormItemView, InspectFormView, InstitutionsSumView, ListVersionView, ReportDomainView,
    RosterPage, RosterPersonView, ServiceItemView, ServicesView, StreetCountView, SupervisionView,
};
use crate::error::WebError;
use crate::registry::queries::read_entry;
use crate::session::Signed;
use crate::Web;

/// A service provider's roster: the older residents of its area and what the rules grant each
/// of them for services in `month`, a page at a time. Reading it is audited, like any list of
/// named people shown outside the bureau.
pub async fn roster(
    web: &Web,
    who: &Signed,
    month: Month,
    page: u32,
    per_page: u32,
    clock: Clock,
) -> Result<RosterPage, WebError> {
    let Some(area) = who.account.service_area() else {
        return Err(WebError::Forbidden("服务名单仅限服务机构查看".into()));
    };
    let roster = minsheng_eldercare::roster::page(
        &web.store,
        &web.policy,
        area,
        month,
        per_page,
        (page - 1).saturating_mul(per_page),
        clock,
    )
    .await
    .map_err(|e| match e {
        minsheng_eldercare::roster::RosterError::Store(e) => e.into(),
        minsheng_eldercare::roster::RosterError::TooEarly => WebError::invalid("month", "过早"),
        other => WebError::Internal(other.to_string()),
    })?;
    web.audit
        .record(read_entry(
            who,
            "read_service_roster",
            area.as_str(),
            format!("month={month} page={page} via=web"),
            clock,
        ))
        .await?;
    let (from_age, total) = (roster.from_age, roster.total);
    // Communities by their names, as a provider knows them.
    let codes: Vec<&str> = roster.entries.iter().map(|e| e.area.as_str()).collect();
    let names = web.store.area_names(&codes).await?;
    let items = roster
        .entries
        .into_iter()
        .map(|e| RosterPersonView {
            name: e.name,
            id_number: e.id_number,
            sex: e.sex.into(),
            age: e.age,
            area_name: names
                .get(&e.area)
                .cloned()
                .unwrap_or_else(|| e.area.clone()),
            area: e.area,
            lives_alone: e.lives_alone,
            canteen_meal_fen: e.canteen_meal,
            delivered_meal_fen: e.delivered_meal,
            rural_consumption_fen: e.rural_consumption,
        })
        .collect();
    Ok(RosterPage {
        area: area.to_string(),
        area_name: area_name(web, area.as_str()).await?,
        month: month.to_string(),
        from_age,
        items,
        total,
        page,
        per_page,
    })
}

/// The member `member` of `household` as the signed-in staff member may assess them: their
/// full ID number (kept server-side) and how the page names them.
async fn assessed_person(
    web: &Web,
    who: &Signed,
    household: &str,
    member: usize,
    on: chrono::NaiveDate,
    clock: Clock,
) -> Result<(minsheng_core::IdNumber, AssessedPersonView), WebError> {
    if !who.account.is_staff() {
        return Err(WebError::Forbidden("能力评估由工作人员进行".into()));
    }
    let file = web
        .store
        .household_file_within(household, &who.account.scope())
        .await?;
    let members = file.as_of(on, clock.now);
    let (person, _) = members
        .get(member)
        .ok_or_else(|| WebError::NotFound(format!("户 {household} 的成员 {member}")))?;
    let view = AssessedPersonView {
        household: file.code.clone(),
        member,
        on: on.to_string(),
        name: person.name.clone(),
        id_number: person.id_number.masked(),
        age: minsheng_policy::inputs::age_on(person.id_number.birth_date(), clock.today),
    };
    Ok((person.id_number.clone(), view))
}

fn ability_scale(web: &Web) -> Result<&minsheng_policy::scale::Scale, WebError> {
    web.policy
        .scale(minsheng_policy::scale::ABILITY)
        .ok_or_else(|| WebError::Internal("the policy has no scales/ability.yaml".into()))
}

/// The blank (or returned) assessment form for one older member of a household.
pub async fn assess_form(
    web: &Web,
    who: &Signed,
    household: &str,
    member: usize,
    on: chrono::NaiveDate,
    sent: Option<&std::collections::HashMap<String, String>>,
    clock: Clock,
) -> Result<AssessFormView, WebError> {
    let (_, person) = assessed_person(web, who, household, member, on, clock).await?;
    let scale = ability_scale(web)?;
    let field = |name: String| sent.and_then(|s| s.get(&name)).map(String::as_str);
    Ok(AssessFormView {
        person,
        scale_label: scale.label.clone(),
        reference: scale.reference.clone(),
        domains: scale
            .domains
            .iter()
            .map(|d| FormDomainView {
                label: d.label.clone(),
                items: d
                    .items
                    .iter()
                    .map(|i| FormItemView {
                        code: i.code.clone(),
                        label: i.label.clone(),
                        options: i
                            .options
                            .iter()
                            .enumerate()
                            .rev()
                            .map(|(score, words)| (u8::try_from(score).unwrap_or(0), words.clone()))
                            .collect(),
                        chosen: field(format!("i_{}", i.code)).and_then(|v| v.parse().ok()),
                    })
                    .collect(),
            })
            .collect(),
        conditions: scale
            .conditions
            .iter()
            .map(|c| FormConditionView {
                code: c.code.clone(),
                label: c.label.clone(),
                is_count: c.kind == minsheng_policy::scale::ConditionKind::Count,
                value: field(format!("c_{}", c.code))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            })
            .collect(),
        assessor: who.account.name().to_string(),
        today: field("assessed_on".into()).map_or_else(|| clock.today.to_string(), str::to_string),
        reviewer: field("reviewer".into()).unwrap_or("").to_string(),
        reason: field("reason".into()).unwrap_or("").to_string(),
    })
}

/// Hands in an assessment: the signed-in staff member is its assessor. Returns its id.
pub async fn assess(
    web: &Web,
    who: &Signed,
    household: &str,
    member: usize,
    on: chrono::NaiveDate,
    sent: &std::collections::HashMap<String, String>,
    clock: Clock,
) -> Result<i64, WebError> {
    let (id_number, _) = assessed_person(web, who, household, member, on, clock).await?;
    let scale = ability_scale(web)?;
    let mut answers = minsheng_policy::scale::Answers::default();
    for item in scale.domains.iter().flat_map(|d| &d.items) {
        if let Some(score) = sent.get(&format!("i_{}", item.code)) {
            let score = score.parse().map_err(|_| {
                WebError::invalid(
                    &item.code,
                    format!("{}: '{score}' is not a score", item.label),
                )
            })?;
            answers.scores.insert(item.code.clone(), score);
        }
    }
    for condition in &scale.conditions {
        let value = match sent.get(&format!("c_{}", condition.code)).map(|v| v.trim()) {
            None | Some("") => 0,
            Some(v) => v.parse().map_err(|_| {
                WebError::invalid(
                    &condition.code,
                    format!("{}: '{v}' is not a number", condition.label),
                )
            })?,
        };
        answers.conditions.insert(condition.code.clone(), value);
    }
    let assessed_on = match sent.get("assessed_on").map(|v| v.trim()) {
        None | Some("") => clock.today,
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            WebError::invalid("assessed_on", format!("「{v}」不是日期（应为 YYYY-MM-DD）"))
        })?,
    };
    let form = minsheng_eldercare::AssessmentForm {
        id_number: id_number.as_str().to_string(),
        assessed_on,
        answers,
        assessor: who.account.name().to_string(),
        reviewer: sent.get("reviewer").cloned().unwrap_or_default(),
        reason: sent.get("reason").cloned().unwrap_or_default(),
    };
    let done =
        minsheng_eldercare::assess(&web.store, &web.policy, &form, who.account.name(), clock)
            .await
            .map_err(|e| match e {
                minsheng_eldercare::AssessError::Invalid(errors) => WebError::Invalid {
                    field: errors
                        .first()
                        .map_or_else(|| "form".into(), |e| e.field.clone()),
                    reason: errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                },
                minsheng_eldercare::AssessError::Store(e) => e.into(),
                other => WebError::Internal(other.to_string()),
            })?;
    Ok(done.id)
}

/// An assessment's report, within the reader's scope; reading it is audited.
pub async fn report(
    web: &Web,
    who: &Signed,
    id: i64,
    clock: Clock,
) -> Result<AssessmentReportView, WebError> {
    use minsheng_eldercare::AssessmentsStore as _;
    let record = web
        .store
        .assessments()
        .by_id_within(id, &who.account.scope())
        .await?;
    let file = web.store.household_file(&record.id_number).await?;
    web.audit
        .record(read_entry(
            who,
            "read_assessment",
            &file.code,
            format!("assessment={id} via=web"),
            clock,
        ))
        .await?;
    let members = file.as_of(record.assessed_on, clock.now);
    let member = members
        .iter()
        .position(|(p, _)| p.id_number.as_str() == record.id_number)
        .unwrap_or(0);
    let (person, _) = members
        .get(member)
        .ok_or_else(|| WebError::NotFound(format!("能力评估 {id}")))?;
    let scale = ability_scale(web)?;
    let answers = record.answers();
    let scored = scale
        .score(&answers)
        .map_err(|e| WebError::Internal(format!("assessment {id} no longer scores: {e:?}")))?;
    let domains = scale
        .domains
        .iter()
        .zip(&scored.domains)
        .map(|(d, (score, max))| ReportDomainView {
            label: d.label.clone(),
            score: *score,
            max: *max,
            items: d
                .items
                .iter()
                .map(|i| {
                    let s = answers.scores.get(&i.code).copied().unwrap_or(0);
                    let words = i.options.get(usize::from(s)).cloned().unwrap_or_default();
                    (i.label.clone(), s, i.max(), words)
                })
                .collect(),
        })
        .collect();
    Ok(AssessmentReportView {
        id,
        person: AssessedPersonView {
            household: file.code.clone(),
            member,
            on: record.assessed_on.to_string(),
            name: person.name.clone(),
            id_number: person.id_number.masked(),
            age: minsheng_policy::inputs::age_on(person.id_number.birth_date(), record.assessed_on),
        },
        scale_label: scale.label.clone(),
        reference: scale.reference.clone(),
        assessed_on: record.assessed_on.to_string(),
        domains,
        total: record.total,
        level: record.level.label_zh().to_string(),
        explanation: scale.explain(&scored),
        assessor: record.assessor,
        reviewer: record.reviewer,
        reason: record.reason,
        rules_changed: record.policy_digest != web.policy.digest,
    })
}

/// What the basic elderly service list grants member `member` of `household` in `month`, for
/// staff within their area or the resident of the household; reading it is audited.
pub async fn entitlements(
    web: &Web,
    who: &Signed,
    household: &str,
    member: usize,
    month: Month,
    clock: Clock,
) -> Result<EntitlementsView, WebError> {
    use minsheng_eldercare::entitlements::{of_member, EntitlementError};
    if who.account.service_area().is_some() {
        return Err(WebError::Forbidden(
            "服务机构只能查看其服务名单，不能查看家庭的待遇".into(),
        ));
    }
    let file = web
        .store
        .household_file_within(household, &who.account.scope())
        .await?;
    let members = file.as_of(month.first_day(), clock.now);
    let found = of_member(&web.policy, month, &members, member).map_err(|e| match e {
        EntitlementError::NoMember(_) => {
            WebError::NotFound(format!("户 {household} 的成员 {member}"))
        }
        EntitlementError::NotInForce(day) => {
            WebError::invalid("month", format!("{day} 基本养老服务清单尚未施行"))
        }
        EntitlementError::NoList => WebError::Internal(e.to_string()),
    })?;
    let (person, _) = members
        .get(member)
        .ok_or_else(|| WebError::NotFound(format!("户 {household} 的成员 {member}")))?;
    web.audit
        .record(read_entry(
            who,
            "read_entitlements",
            &file.code,
            format!("member={member} month={month} via=web"),
            clock,
        ))
        .await?;
    Ok(EntitlementsView {
        household: file.code.clone(),
        member,
        name: person.name.clone(),
        id_number: person.id_number.masked(),
        age: minsheng_policy::inputs::age_on(person.id_number.birth_date(), month.last_day()),
        month: month.to_string(),
        list: found.list.clone(),
        version_from: found.version_from.to_string(),
        version_reference: found.version_reference.clone(),
        items: found
            .items
            .iter()
            .map(|e| EntitlementView {
                item: ServiceItemView::of(&e.item),
                entitled: e.entitled == Ok(true),
                undecided: e.entitled.clone().err(),
                amounts: e
                    .amounts
                    .iter()
                    .map(|(label, fen)| (label.clone(), fen.grouped()))
                    .collect(),
                summary: e
                    .summary
                    .as_ref()
                    .map(|s| s.reasons.join("；"))
                    .unwrap_or_default(),
                explanation: if who.account.is_staff() {
                    e.explanation.clone()
                } else {
                    Vec::new()
                },
                apply_for: web
                    .policy
                    .program(&e.item.code)
                    .filter(|p| {
                        p.grant == minsheng_policy::Grant::Service
                            && e.entitled == Ok(true)
                            // The form names the member by position, as of this month.
                            && month == Month::containing(clock.today)
                            && matches!(
                                who.account.role(),
                                Some(
                                    minsheng_core::access::Role::Community
                                        | minsheng_core::access::Role::Street
                                )
                            )
                    })
                    .map(|p| p.code.clone()),
            })
            .collect(),
        csrf: who.csrf().to_string(),
    })
}

/// The public page of the basic elderly service list: the version in force on `on`, every
/// version, and the counts published for `month` (default the latest published). No sign-in:
/// nothing on it names a person.
pub async fn services(
    web: &Web,
    on: chrono::NaiveDate,
    month: Option<Month>,
) -> Result<ServicesView, WebError> {
    use minsheng_eldercare::publication::PublicationsStore as _;
    use minsheng_policy::services::ELDERLY;
    let list = web
        .policy
        .service_list(ELDERLY)
        .ok_or_else(|| WebError::Internal("the catalog has no services/elderly.yaml".into()))?;
    let version = list.on(on).ok_or_else(|| {
        WebError::invalid(
            "on",
            format!(
                "清单自 {} 起施行，请选择该日或之后的日期",
                list.versions
                    .first()
                    .map_or_else(String::new, |v| v.from.to_string())
            ),
        )
    })?;
    let publications = web.store.publications();
    let month = match month {
        Some(m) => Some(m),
        None => publications.latest_month(ELDERLY).await?,
    };
    let published = match month {
        Some(m) => publications.of_month(ELDERLY, m).await?,
        None => None,
    };
    let mut view = ServicesView {
        label: list.label.clone(),
        reference: list.reference.clone(),
        on: on.to_string(),
        version_from: version.from.to_string(),
        version_reference: version.reference.clone(),
        items: version.items.iter().map(ServiceItemView::of).collect(),
        versions: list
            .versions
            .iter()
            .map(|v| ListVersionView {
                from: v.from.to_string(),
                reference: v.reference.clone(),
                items: v.items.len(),
                shown: v.from == version.from,
            })
            .collect(),
        counts_month: None,
        counts_published_at: String::new(),
        count_labels: Vec::new(),
        streets: Vec::new(),
        total: StreetCountView {
            code: String::new(),
            name: "合计".into(),
            persons: 0,
            items: Vec::new(),
        },
    };
    let Some(published) = published else {
        return Ok(view);
    };
    // The counts are of the version in force in their month, which may not be the one shown.
    let counted = list.on(published.counts.version_from).unwrap_or(version);
    let codes: Vec<&str> = published
        .counts
        .streets
        .keys()
        .map(String::as_str)
        .collect();
    let names = web.store.area_names(&codes).await?;
    view.counts_month = Some(published.counts.month.to_string());
    view.counts_published_at = minsheng_app::china_time(published.published_at);
    view.count_labels = counted.items.iter().map(|i| i.label.clone()).collect();
    view.total.items = vec![0; counted.items.len()];
    for (code, (persons, by_item)) in &published.counts.streets {
        let items: Vec<u64> = counted
            .items
            .iter()
            .map(|i| by_item.get(&i.code).copied().unwrap_or(0))
            .collect();
        view.total.persons += persons;
        for (sum, n) in view.total.items.iter_mut().zip(&items) {
            *sum += n;
        }
        view.streets.push(StreetCountView {
            code: code.clone(),
            name: names.get(code).cloned().unwrap_or_else(|| code.clone()),
            persons: *persons,
            items,
        });
    }
    Ok(view)
}

/// The public supervision page: care institutions by district (beds and nursing beds) and
/// every draw. No sign-in; nothing on it names a resident.
pub async fn supervision(web: &Web) -> Result<SupervisionView, WebError> {
    use minsheng_eldercare::supervision::SupervisionStore as _;
    let store = web.store.supervision();
    let institutions = store.institutions().await?;
    // District → (institutions, beds, nursing beds, centres, stations).
    type Sums = (usize, u64, u64, usize, usize);
    let mut by_district: std::collections::BTreeMap<String, Sums> =
        std::collections::BTreeMap::new();
    let district =
        |area: &minsheng_core::AreaCode| -> String { area.as_str().chars().take(6).collect() };
    for i in &institutions {
        let entry = by_district.entry(district(&i.area)).or_default();
        entry.0 += 1;
        entry.1 += u64::from(i.beds);
        entry.2 += u64::from(i.nursing_beds);
    }
    {
        use minsheng_eldercare::facilities::{FacilitiesStore as _, Kind};
        for f in web.store.facilities().all().await? {
            let entry = by_district.entry(district(&f.area)).or_default();
            match f.kind {
                Kind::StreetCentre => entry.3 += 1,
                Kind::CommunityStation => entry.4 += 1,
            }
        }
    }
    let codes: Vec<&str> = by_district.keys().map(String::as_str).collect();
    let names = web.store.area_names(&codes).await?;
    let sum = |area: String, (n, beds, nursing, centres, stations): Sums| InstitutionsSumView {
        area,
        institutions: n,
        beds,
        nursing_beds: nursing,
        nursing_percent: (nursing * 100).checked_div(beds).unwrap_or(0),
        centres,
        stations,
    };
    let total = by_district.values().fold((0, 0, 0, 0, 0), |a, b| {
        (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3, a.4 + b.4)
    });
    let districts = by_district
        .iter()
        .map(|(code, t)| sum(names.get(code).cloned().unwrap_or_else(|| code.clone()), *t))
        .collect();
    let mut draws = Vec::new();
    for d in store.draws().await? {
        let results = store.results(d.id).await?;
        let mut inspected: Vec<&str> = results.iter().map(|r| r.institution.as_str()).collect();
        inspected.dedup();
        draws.push(DrawSummaryView {
            id: d.id,
            plan: d.plan.clone(),
            area: area_name(web, &d.area).await?,
            drawn_at: minsheng_app::china_time(d.drawn_at),
            drawn_by: d.drawn_by.clone(),
            seed: d.seed.clone(),
            from_institutions: d.institutions.len(),
            from_inspectors: d.inspectors.len(),
            drawn: d.result.len(),
            inspected: inspected.len(),
            failed_items: results.iter().filter(|r| !r.passed).count(),
            reason: d.reason.clone(),
            superseded_by: d.superseded_by,
        });
    }
    Ok(SupervisionView {
        districts,
        total: sum("全市".into(), total),
        draws,
    })
}

async fn area_name(web: &Web, code: &str) -> Result<String, WebError> {
    Ok(web
        .store
        .area_names(&[code])
        .await?
        .remove(code)
        .unwrap_or_else(|| code.to_string()))
}

/// One draw in full, public: the seed and the lists it was drawn from, drawn again here to show
/// it verifies, and each drawn institution's inspection with its follow-ups.
pub async fn draw(web: &Web, id: i64, clock: Clock) -> Result<DrawView, WebError> {
    use minsheng_eldercare::supervision::{verify, DrawInput, SupervisionStore as _};
    let store = web.store.supervision();
    let d = store.draw(id).await?;
    let results = store.results(id).await?;
    let list = minsheng_eldercare::supervision::checklist(&web.policy)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let label = |code: &str| {
        list.item(code)
            .map_or_else(|| code.to_string(), |i| i.label.clone())
    };
    let mut drawn = Vec::with_capacity(d.result.len());
    for (code, team) in &d.result {
        let place = store.institution(code).await?;
        let mine: Vec<_> = results.iter().filter(|r| &r.institution == code).collect();
        drawn.push(DrawnView {
            code: code.clone(),
            name: place.name.clone(),
            area: area_name(web, place.area.as_str()).await?,
            team: team.join("、"),
            inspected_on: mine.first().map(|r| r.inspected_on.to_string()),
            failures: mine
                .iter()
                .filter(|r| !r.passed)
                .map(|r| FailureView {
                    code: r.item.clone(),
                    item: label(&r.item),
                    note: r.note.clone(),
                    rectify_by: r.rectify_by.map(|d| d.to_string()).unwrap_or_default(),
                    status: match (r.rectified_on, r.rectify_by) {
                        (Some(_), _) => "已整改".into(),
                        (None, Some(by)) if by < clock.today => "逾期未整改".into(),
                        _ => "整改中".into(),
                    },
                    rectified: r
                        .rectified_on
                        .map(|on| format!("{on} {}", r.rectified_note))
                        .unwrap_or_default(),
                })
                .collect(),
        });
    }
    let input = DrawInput::new(
        &d.seed,
        d.institutions.clone(),
        d.inspectors.clone(),
        d.share_permille,
        d.per_institution,
    );
    Ok(DrawView {
        id: d.id,
        plan: d.plan.clone(),
        area: area_name(web, &d.area).await?,
        seed: d.seed.clone(),
        share_permille: d.share_permille,
        per_institution: d.per_institution,
        drawn_at: minsheng_app::china_time(d.drawn_at),
        drawn_by: d.drawn_by.clone(),
        reason: d.reason.clone(),
        superseded_by: d.superseded_by,
        verified: verify(&d).unwrap_or(false),
        base: input.base().iter().map(|b| format!("{b:02x}")).collect(),
        institutions: d.institutions.join("\n"),
        inspectors: d.inspectors.join("\n"),
        drawn,
        checklist: list
            .items
            .iter()
            .map(|i| (i.label.clone(), i.basis.clone(), i.method.clone()))
            .collect(),
        checklist_label: list.label.clone(),
    })
}

/// A supervision failure as the web answers it: each field named.
fn supervision_error(e: minsheng_eldercare::supervision::SupervisionError) -> WebError {
    use minsheng_eldercare::supervision::{DrawError, SupervisionError};
    match e {
        SupervisionError::Invalid(e) => WebError::invalid(&e.field, e.reason),
        SupervisionError::Draw(e) => {
            let field = match e {
                DrawError::NoSeed => "seed",
                DrawError::NoInstitutions => "area",
                DrawError::TooFewInspectors { .. } => "inspectors",
                DrawError::Share(_) => "share",
            };
            WebError::invalid(field, e.to_string())
        }
        SupervisionError::Store(e) => e.into(),
        SupervisionError::Catalog => WebError::Internal(e.to_string()),
    }
}

/// Makes a draw as the signed-in staff member; returns its id.
pub async fn make_draw(
    web: &Web,
    who: &Signed,
    plan: &str,
    area: &str,
    seed: &str,
    reason: &str,
    clock: Clock,
) -> Result<i64, WebError> {
    let area = minsheng_core::AreaCode::parse(area.trim())
        .map_err(|e| WebError::invalid("area", e.to_string()))?;
    let request = minsheng_eldercare::supervision::DrawRequest {
        plan,
        area: &area,
        seed,
        reason,
    };
    let record = minsheng_eldercare::supervision::make_draw(
        &web.store,
        &web.policy,
        &who.account,
        &request,
        clock,
    )
    .await
    .map_err(supervision_error)?;
    Ok(record.id)
}

/// The checklist an inspector fills in for one drawn institution: refused to anyone not drawn
/// to inspect it.
pub async fn inspect_form(
    web: &Web,
    who: &Signed,
    draw: i64,
    institution: &str,
) -> Result<InspectFormView, WebError> {
    use minsheng_eldercare::supervision::SupervisionStore as _;
    let record = web.store.supervision().draw(draw).await?;
    let team = record
        .result
        .iter()
        .find(|(code, _)| code == institution)
        .map(|(_, team)| team.clone())
        .ok_or_else(|| WebError::NotFound(format!("抽查 {draw} 中的机构 {institution}")))?;
    if !team.iter().any(|n| n == who.account.name()) {
        return Err(WebError::Forbidden(format!(
            "{} 未被抽中检查 {institution}（抽中的是：{}）",
            who.account.name(),
            team.join(", ")
        )));
    }
    let place = web.store.supervision().institution(institution).await?;
    let list = minsheng_eldercare::supervision::checklist(&web.policy)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(InspectFormView {
        draw,
        institution: institution.to_string(),
        name: place.name,
        team: team.join("、"),
        items: list
            .items
            .iter()
            .map(|i| (i.code.clone(), i.label.clone(), i.basis.clone()))
            .collect(),
    })
}

/// Records an inspection from the form's `pass_<item>` (pass or fail) and `note_<item>`.
pub async fn inspect(
    web: &Web,
    who: &Signed,
    draw: i64,
    institution: &str,
    sent: &std::collections::HashMap<String, String>,
    clock: Clock,
) -> Result<(), WebError> {
    let list = minsheng_eldercare::supervision::checklist(&web.policy)
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let mut items = Vec::new();
    for item in &list.items {
        let passed = match sent.get(&format!("pass_{}", item.code)).map(String::as_str) {
            Some("pass") => true,
            Some("fail") => false,
            _ => {
                return Err(WebError::invalid(
                    &item.code,
                    format!("{}: no result", item.label),
                ))
            }
        };
        let note = sent
            .get(&format!("note_{}", item.code))
            .cloned()
            .unwrap_or_default();
        items.push((item.code.clone(), passed, note));
    }
    let inspected_on = match sent.get("inspected_on").map(|v| v.trim()) {
        None | Some("") => clock.today,
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
            WebError::invalid(
                "inspected_on",
                format!("「{v}」不是日期（应为 YYYY-MM-DD）"),
            )
        })?,
    };
    let inspection = minsheng_eldercare::supervision::Inspection {
        draw,
        institution,
        inspected_on,
        items,
    };
    minsheng_eldercare::supervision::inspect(
        &web.store,
        &web.policy,
        &who.account,
        &inspection,
        clock,
    )
    .await
    .map_err(supervision_error)?;
    Ok(())
}

/// Accepts a failed item as rectified, as the signed-in staff member.
pub async fn rectified(
    web: &Web,
    who: &Signed,
    draw: i64,
    institution: &str,
    item: &str,
    note: &str,
    clock: Clock,
) -> Result<(), WebError> {
    minsheng_eldercare::supervision::rectified(
        &web.store,
        &who.account,
        draw,
        institution,
        item,
        clock.today,
        note,
        clock,
    )
    .await
    .map_err(supervision_error)
}
