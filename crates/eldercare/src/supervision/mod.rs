//! Care institutions (养老机构) and their supervision by 双随机、一公开 (国办发〔2015〕58号):
//! institutions filed with their beds; a draw of institutions and inspectors that anyone can
//! make again ([`draw`]); inspection results item by item against the catalog's checklist
//! (`checklists/care_institutions.yaml`), failed items with a rectification deadline; all of it
//! public.
//!
//! Architecture invariant: a draw, an inspection or a rectification commits with its audit
//! entry; a draw for a plan and area already drawn needs a reason and keeps the first on record.

pub mod draw;
pub mod storage;

use chrono::NaiveDate;
use minsheng_app::Clock;
use minsheng_core::access::Account;
use minsheng_core::{AreaCode, FieldError};
use minsheng_policy::checklists::{Checklist, CARE_INSTITUTIONS};
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Store, StoreError};

pub use draw::{draw, DrawError, DrawInput, Drawn};
pub use storage::{
    DrawRecord, InspectionResult, Institution, NewDraw, Supervision, SupervisionStore,
};

/// The parameters of the draw and the follow-up.
pub const SHARE: &str = "eldercare.supervision.share_permille";
pub const PER_INSTITUTION: &str = "eldercare.supervision.inspectors_per_institution";
pub const RECTIFY_DAYS: &str = "eldercare.supervision.rectify_days";

#[derive(Debug, thiserror::Error)]
pub enum SupervisionError {
    #[error("the catalog lacks checklists/care_institutions.yaml or one of {SHARE}, {PER_INSTITUTION}, {RECTIFY_DAYS}")]
    Catalog,
    #[error(transparent)]
    Draw(#[from] DrawError),
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &str, reason: impl Into<String>) -> SupervisionError {
    SupervisionError::Invalid(FieldError::new(field, reason))
}

/// Whether `who` is staff (not a provider) whose area holds `area`.
fn staff_over(who: &Account, area: &AreaCode) -> bool {
    match (who.is_staff(), who.scope()) {
        (true, minsheng_core::access::Scope::Area(own)) => area.is_within(&own),
        (true, minsheng_core::access::Scope::Everything) => true,
        _ => false,
    }
}

/// The care institutions' checklist.
pub fn checklist(policy: &Policy) -> Result<&Checklist, SupervisionError> {
    policy
        .checklist(CARE_INSTITUTIONS)
        .ok_or(SupervisionError::Catalog)
}

/// A draw asked for: the plan, the area whose institutions are drawn from, the seed, and why
/// a plan already drawn is drawn again.
pub struct DrawRequest<'a> {
    pub plan: &'a str,
    pub area: &'a AreaCode,
    pub seed: &'a str,
    pub reason: &'a str,
}

/// Draws the institutions of the area to inspect under the plan and their inspectors, from the
/// seed, and records the draw. The drawer must be staff whose area holds the area.
pub async fn make_draw(
    store: &Store,
    policy: &Policy,
    who: &Account,
    request: &DrawRequest<'_>,
    clock: Clock,
) -> Result<DrawRecord, SupervisionError> {
    let DrawRequest {
        plan,
        area,
        seed,
        reason,
    } = *request;
    if plan.trim().is_empty() {
        return Err(invalid(
            "plan",
            "name the inspection plan (e.g. 2026年第四季度)",
        ));
    }
    if !staff_over(who, area) {
        return Err(invalid(
            "area",
            format!("{area} 不在 {} 的管辖区域内", who.name()),
        ));
    }
    let share = policy
        .count(SHARE, clock.today)
        .ok_or(SupervisionError::Catalog)?;
    let per = policy
        .count(PER_INSTITUTION, clock.today)
        .ok_or(SupervisionError::Catalog)?;
    let supervision = store.supervision();
    let institutions: Vec<String> = supervision
        .institutions_within(area)
        .await?
        .into_iter()
        .map(|i| i.code)
        .collect();
    let inspectors = supervision.inspectors_within(area).await?;
    let input = DrawInput::new(seed, institutions, inspectors, share, per as usize);
    let drawn = draw(&input)?;
    let result = draw::result_text(&drawn);
    let new = NewDraw {
        plan: plan.trim(),
        area: area.as_str(),
        seed: &input.seed,
        institutions: &input.institutions,
        inspectors: &input.inspectors,
        share_permille: share,
        per_institution: per as usize,
        result: &result,
        reason,
    };
    let actor = who.name();
    let id = supervision
        .record_draw(&new, actor, clock.now, |id, earlier| NewAuditEntry {
            actor: actor.into(),
            action: "supervision_draw".into(),
            subject: area.to_string(),
            detail: format!(
                "draw={id} plan={} seed={} institutions={} inspectors={} drawn={}{}",
                plan.trim(),
                input.seed,
                input.institutions.len(),
                input.inspectors.len(),
                drawn.len(),
                earlier.map_or_else(String::new, |e| format!(
                    " supersedes={e} reason={}",
                    reason.trim()
                ))
            ),
            at: clock.now,
        })
        .await?;
    Ok(supervision.draw(id).await?)
}

/// What is wrong with an institution as filed: each field named, none if it may be filed.
pub fn check_institution(i: &Institution) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if i.code.trim().is_empty() {
        errors.push(FieldError::new(
            "code",
            "the filing number (备案编号) is missing",
        ));
    }
    if i.name.trim().is_empty() {
        errors.push(FieldError::new("name", "请填写名称"));
    }
    if !matches!(i.operator.as_str(), "public" | "private" | "public_private") {
        errors.push(FieldError::new(
            "operator",
            format!(
                "'{}' is not public (公办), private (民办) or public_private (公建民营)",
                i.operator
            ),
        ));
    }
    if i.nursing_beds > i.beds {
        errors.push(FieldError::new(
            "nursing_beds",
            format!(
                "护理型床位 {} 张，多于床位总数 {} 张",
                i.nursing_beds, i.beds
            ),
        ));
    }
    if i.residents > i.beds {
        errors.push(FieldError::new(
            "residents",
            format!("在院老人 {} 人，多于床位总数 {} 张", i.residents, i.beds),
        ));
    }
    errors
}

/// Files institutions as the bureau lists them, all or none, with one audit entry: each is
/// checked, and must stand in an area of the registry within the filer's.
pub async fn file_institutions(
    store: &Store,
    institutions: &[Institution],
    who: &Account,
    clock: Clock,
) -> Result<usize, SupervisionError> {
    let actor = who.name();
    let known: std::collections::HashSet<String> = store
        .areas()
        .await?
        .into_iter()
        .map(|a| a.code.as_str().to_string())
        .collect();
    for i in institutions {
        let mut errors = check_institution(i);
        if !known.contains(i.area.as_str()) {
            errors.push(FieldError::new("area", format!("区域 {} 未登记", i.area)));
        } else if !staff_over(who, &i.area) {
            errors.push(FieldError::new(
                "area",
                format!("{} 不在 {actor} 的管辖区域内", i.area),
            ));
        }
        if let Some(first) = errors.into_iter().next() {
            return Err(invalid(
                &first.field,
                format!("{} ({}): {}", i.code, i.name, first.reason),
            ));
        }
    }
    add(store, institutions, actor, "", clock).await
}

/// Files checked institutions as `actor`, with one audit entry saying how many and their beds.
async fn add(
    store: &Store,
    institutions: &[Institution],
    actor: &str,
    source: &str,
    clock: Clock,
) -> Result<usize, SupervisionError> {
    let beds: u64 = institutions.iter().map(|i| u64::from(i.beds)).sum();
    store
        .supervision()
        .add_institutions(
            institutions,
            actor,
            clock.now,
            NewAuditEntry {
                actor: actor.into(),
                action: "file_institutions".into(),
                subject: "care_institution".into(),
                detail: format!("{source}institutions={} beds={beds}", institutions.len()),
                at: clock.now,
            },
        )
        .await?;
    Ok(institutions.len())
}

/// Files the institutions of a synthetic city of `people` over the registry's areas (the demo),
/// unless institutions are filed already. Returns how many were filed.
pub async fn file_synthetic(
    store: &Store,
    people: u64,
    seed: u64,
    actor: &str,
    clock: Clock,
) -> Result<usize, SupervisionError> {
    let supervision = store.supervision();
    if !supervision.institutions().await?.is_empty() {
        return Ok(0);
    }
    let areas = store.areas().await?;
    let made: Vec<Institution> = minsheng_synth::institutions::institutions(&areas, people, seed)
        .into_iter()
        .filter_map(|i| {
            Some(Institution {
                area: AreaCode::parse(&i.area).ok()?,
                code: i.code,
                name: i.name,
                operator: i.operator.to_string(),
                beds: i.beds,
                nursing_beds: i.nursing_beds,
                residents: i.residents,
                filed_on: i.filed_on,
            })
        })
        .collect();
    add(
        store,
        &made,
        actor,
        &format!("synthetic seed={seed} "),
        clock,
    )
    .await
}

/// Draws again from what a recorded draw was drawn from, and says whether the result is the
/// one recorded.
pub fn verify(record: &DrawRecord) -> Result<bool, DrawError> {
    let input = DrawInput::new(
        &record.seed,
        record.institutions.clone(),
        record.inspectors.clone(),
        record.share_permille,
        record.per_institution,
    );
    Ok(draw(&input)? == record.result)
}

/// One drawn institution's inspection, as its inspectors hand it in: every checklist item
/// `passed` or failed with a note.
pub struct Inspection<'a> {
    pub draw: i64,
    pub institution: &'a str,
    pub inspected_on: NaiveDate,
    /// Item code → (passed, note).
    pub items: Vec<(String, bool, String)>,
}

/// Records an inspection. Only one of the institution's drawn inspectors may, under a draw
/// still in force, with every item of the checklist and a note on each failed one; a failed
/// item's rectification is due `eldercare.supervision.rectify_days` after the inspection.
pub async fn inspect(
    store: &Store,
    policy: &Policy,
    who: &Account,
    inspection: &Inspection<'_>,
    clock: Clock,
) -> Result<Vec<InspectionResult>, SupervisionError> {
    let list = checklist(policy)?;
    let days = policy
        .count(RECTIFY_DAYS, inspection.inspected_on)
        .ok_or(SupervisionError::Catalog)?;
    let supervision = store.supervision();
    let record = supervision.draw(inspection.draw).await?;
    if let Some(later) = record.superseded_by {
        return Err(invalid(
            "draw",
            format!("第 {} 次抽取已被第 {later} 次抽取取代", record.id),
        ));
    }
    let team = record
        .result
        .iter()
        .find(|(code, _)| code == inspection.institution)
        .map(|(_, team)| team)
        .ok_or_else(|| {
            invalid(
                "institution",
                format!(
                    "{} 不在第 {} 次抽取的名单中",
                    inspection.institution, record.id
                ),
            )
        })?;
    if !team.iter().any(|n| n == who.name()) {
        return Err(invalid(
            "inspector",
            format!(
                "{} 未被抽中检查 {}（抽中的是：{}）",
                who.name(),
                inspection.institution,
                team.join(", ")
            ),
        ));
    }
    if inspection.inspected_on > clock.today
        || inspection.inspected_on < record.drawn_at.date_naive()
    {
        return Err(invalid(
            "inspected_on",
            format!(
                "{} 不在抽取日（{}）与今天之间",
                inspection.inspected_on,
                record.drawn_at.date_naive()
            ),
        ));
    }
    let mut results = Vec::new();
    for item in &list.items {
        let Some((_, passed, note)) = inspection.items.iter().find(|(c, _, _)| *c == item.code)
        else {
            return Err(invalid(&item.code, format!("{}: no result", item.label)));
        };
        if !passed && note.trim().is_empty() {
            return Err(invalid(
                &item.code,
                format!("{}: a failed item says what was found", item.label),
            ));
        }
        results.push(InspectionResult {
            institution: inspection.institution.to_string(),
            item: item.code.clone(),
            passed: *passed,
            note: note.trim().to_string(),
            inspected_on: inspection.inspected_on,
            rectify_by: (!passed)
                .then(|| inspection.inspected_on + chrono::Duration::days(i64::from(days))),
            rectified_on: None,
            rectified_note: String::new(),
            recorded_by: who.name().to_string(),
        });
    }
    if let Some((code, _, _)) = inspection
        .items
        .iter()
        .find(|(c, _, _)| list.item(c).is_none())
    {
        return Err(invalid(code, "不是检查清单中的项目"));
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    supervision
        .record_inspection(
            record.id,
            &results,
            clock.now,
            NewAuditEntry {
                actor: who.name().into(),
                action: "inspect_institution".into(),
                subject: inspection.institution.into(),
                detail: format!(
                    "draw={} on={} items={} failed={failed}",
                    record.id,
                    inspection.inspected_on,
                    results.len()
                ),
                at: clock.now,
            },
        )
        .await?;
    Ok(results)
}

/// Accepts a failed item as rectified on `on`: staff whose area holds the institution.
#[allow(clippy::too_many_arguments)]
pub async fn rectified(
    store: &Store,
    who: &Account,
    draw: i64,
    institution: &str,
    item: &str,
    on: NaiveDate,
    note: &str,
    clock: Clock,
) -> Result<(), SupervisionError> {
    let supervision = store.supervision();
    let place = supervision.institution(institution).await?;
    if !staff_over(who, &place.area) {
        return Err(invalid(
            "institution",
            format!("{institution} 不在 {} 的管辖区域内", who.name()),
        ));
    }
    if on > clock.today {
        return Err(invalid("on", format!("{on} 晚于今天")));
    }
    supervision
        .record_rectified(
            draw,
            institution,
            item,
            on,
            note,
            NewAuditEntry {
                actor: who.name().into(),
                action: "accept_rectification".into(),
                subject: institution.into(),
                detail: format!("draw={draw} item={item} on={on}"),
                at: clock.now,
            },
        )
        .await?;
    Ok(())
}
