//! Assessing an older person: the form scored by the catalog's ability scale
//! (`scales/ability.yaml`), the procedure's checks, and the record with the level it finds.

use minsheng_app::Clock;
use minsheng_core::access::Scope;
use minsheng_core::registry::AbilityLevel;
use minsheng_core::{FieldError, IdNumber};
use minsheng_policy::scale::{Scale, Scored};
use minsheng_policy::Policy;
use minsheng_store::{NewAuditEntry, Store, StoreError};

use crate::domain::{check, AssessmentForm};
use crate::storage::{encode, AssessmentsStore, NewAssessment};

/// The parameter: the age from which a person is assessed (老年人).
pub const MIN_AGE: &str = "eldercare.assessment.min_age";

/// The parameter: a reassessment this many days or fewer after the last one says why.
pub const REASON_WITHIN_DAYS: &str = "eldercare.assessment.reason_within_days";

#[derive(Debug, thiserror::Error)]
pub enum AssessError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldError>),
    #[error("the catalog has no ability scale (scales/ability.yaml) or lacks one of {MIN_AGE}, {REASON_WITHIN_DAYS}, {REASSESS_MONTHS}")]
    NoScale,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A recorded assessment: its id, the scoring and its explanation.
#[derive(Debug, Clone)]
pub struct Assessed {
    pub id: i64,
    pub level: AbilityLevel,
    pub scored: Scored,
    pub explanation: Vec<String>,
}

/// Scores and records `form`, by `actor` (who must be one of its two assessors; both are staff
/// whose area holds the person). Nothing is written unless the form is whole and the
/// procedure's checks pass; every problem is reported.
pub async fn assess(
    store: &Store,
    policy: &Policy,
    form: &AssessmentForm,
    actor: &str,
    clock: Clock,
) -> Result<Assessed, AssessError> {
    let scale = policy
        .scale(minsheng_policy::scale::ABILITY)
        .ok_or(AssessError::NoScale)?;
    let within_days = whole(policy, REASON_WITHIN_DAYS, form.assessed_on)?;
    let min_age = whole(policy, MIN_AGE, form.assessed_on)?;
    let mut errors = Vec::new();
    let id = IdNumber::parse(&form.id_number)
        .map_err(|e| errors.push(FieldError::new("id_number", e.to_string())))
        .ok();
    if let Some(id) = &id {
        let age = minsheng_policy::inputs::age_on(id.birth_date(), form.assessed_on);
        if age < min_age {
            errors.push(FieldError::new(
                "id_number",
                format!("the person is {age} on {}: the assessment is for those of {min_age} and over (老年人)", form.assessed_on),
            ));
        }
    }
    if actor != form.assessor.trim() && actor != form.reviewer.trim() {
        errors.push(FieldError::new(
            "assessor",
            format!("{actor} 不是在评估表上签字的两名评估人员之一"),
        ));
    }
    for (field, name) in [("assessor", &form.assessor), ("reviewer", &form.reviewer)] {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        match store.staff(name).await? {
            None => errors.push(FieldError::new(field, format!("{name} 不在工作人员名册中"))),
            Some(staff) => {
                if let Some(id) = &id {
                    let within = store
                        .household_file_within(id.as_str(), &Scope::Area(staff.area.clone()))
                        .await;
                    if matches!(within, Err(StoreError::NotFound(_))) {
                        errors.push(FieldError::new(
                            field,
                            format!("{name} 负责 {}，该老年人不住在这一区域", staff.area),
                        ));
                    }
                }
            }
        }
    }
    let scored = scale.score(&form.answers).map_err(|problems| {
        problems
            .into_iter()
            .map(|p| FieldError::new(p.field, p.reason))
            .collect::<Vec<_>>()
    });
    let scored = match scored {
        Ok(scored) => Some(scored),
        Err(problems) => {
            errors.extend(problems);
            None
        }
    };
    let last = match &id {
        Some(id) => store
            .assessments()
            .of_person(id, &Scope::Everything)
            .await?
            .first()
            .map(|a| a.assessed_on),
        None => None,
    };
    errors.extend(check(form, last, within_days, clock.today));
    let (Some(id), Some(scored), true) = (id, scored, errors.is_empty()) else {
        return Err(AssessError::Invalid(errors));
    };
    let level = level_of(scale, &scored)?;
    let explanation = scale.explain(&scored);
    let (scores, conditions) = encode(scale, &form.answers);
    let new = NewAssessment {
        id_number: &id,
        assessed_on: form.assessed_on,
        scores,
        conditions,
        total: scored.total,
        level,
        assessor: form.assessor.trim(),
        reviewer: form.reviewer.trim(),
        reason: form.reason.trim(),
        policy_digest: &policy.digest,
    };
    let masked = id.masked();
    let assessed_id = store
        .assessments()
        .record(&new, actor, clock.now, |assessment| NewAuditEntry {
            actor: actor.into(),
            action: "assess_ability".into(),
            subject: masked.clone(),
            detail: format!(
                "assessment={assessment} on={} total={} level={}",
                form.assessed_on,
                scored.total,
                level.as_str()
            ),
            at: clock.now,
        })
        .await?;
    Ok(Assessed {
        id: assessed_id,
        level,
        scored,
        explanation,
    })
}

/// The parameter: the months after which an assessment is repeated (定期评估).
pub const REASSESS_MONTHS: &str = "eldercare.assessment.reassess_months";

/// The older persons within `scope` due for their regular reassessment by `by`: their last
/// assessment is `eldercare.assessment.reassess_months` old or older on that day.
pub async fn due(
    store: &Store,
    policy: &Policy,
    scope: &Scope,
    by: chrono::NaiveDate,
) -> Result<Vec<crate::storage::DueAssessment>, AssessError> {
    let months =
        u32::try_from(whole(policy, REASSESS_MONTHS, by)?).map_err(|_| AssessError::NoScale)?;
    let last_by = by
        .checked_sub_months(chrono::Months::new(months))
        .ok_or(AssessError::NoScale)?;
    Ok(store.assessments().due(scope, last_by).await?)
}

/// A whole-number parameter of the catalog on `on`.
fn whole(policy: &Policy, name: &str, on: chrono::NaiveDate) -> Result<i64, AssessError> {
    policy
        .count(name, on)
        .map(i64::from)
        .ok_or(AssessError::NoScale)
}

/// The registry's level for the scale's: the catalog is checked on load to name the same.
fn level_of(scale: &Scale, scored: &Scored) -> Result<AbilityLevel, AssessError> {
    scale
        .levels
        .get(scored.level)
        .and_then(|l| AbilityLevel::parse(&l.code).ok())
        .ok_or(AssessError::NoScale)
}

/// The form a synthetic city's assessment of `level` hands in: every item at its best but for
/// as many points as the level's lowest total leaves, taken from the first items on (self-care,
/// then motor, …), and no condition. It scores exactly the level's lowest total.
pub fn synthetic_answers(
    scale: &Scale,
    level: AbilityLevel,
) -> Option<minsheng_policy::scale::Answers> {
    let target = scale.levels.iter().find(|l| l.code == level.as_str())?.min;
    let mut to_lose = scale.max().checked_sub(target)?;
    let mut scores = std::collections::HashMap::new();
    for item in scale.domains.iter().flat_map(|d| &d.items) {
        let lose = u16::from(item.max()).min(to_lose);
        to_lose -= lose;
        scores.insert(item.code.clone(), item.max() - u8::try_from(lose).ok()?);
    }
    let conditions = scale
        .conditions
        .iter()
        .map(|c| (c.code.clone(), 0))
        .collect();
    Some(minsheng_policy::scale::Answers { scores, conditions })
}

/// Files, for a synthetic city, the assessment behind each level its registry holds (on the
/// first day the level held), unless there are assessments already. Returns how many.
pub async fn file_synthetic(
    store: &Store,
    policy: &Policy,
    actor: &str,
    clock: Clock,
) -> Result<usize, AssessError> {
    use minsheng_store::Cell;
    let assessments = store.assessments();
    if assessments.count().await? > 0 {
        return Ok(0);
    }
    let scale = policy
        .scale(minsheng_policy::scale::ABILITY)
        .ok_or(AssessError::NoScale)?;
    // One form a level, scored once.
    let mut forms = std::collections::HashMap::new();
    for &level in AbilityLevel::ALL {
        let Some(answers) = synthetic_answers(scale, level) else {
            continue;
        };
        let Ok(scored) = scale.score(&answers) else {
            continue;
        };
        if scale.levels.get(scored.level).map(|l| l.code.as_str()) == Some(level.as_str()) {
            let (scores, conditions) = crate::storage::encode(scale, &answers);
            forms.insert(level, (scores, conditions, i64::from(scored.total)));
        }
    }
    let mut rows = Vec::new();
    for (person, level, on) in assessments.recorded_levels().await? {
        let Some((scores, conditions, total)) = forms.get(&level) else {
            continue;
        };
        rows.push(vec![
            Cell::Int(person),
            Cell::from(on),
            Cell::Text(scores.clone()),
            Cell::Text(conditions.clone()),
            Cell::Int(*total),
            Cell::Text(level.as_str().to_string()),
            Cell::Text("评估员 (合成)".into()),
            Cell::Text("复核员 (合成)".into()),
            Cell::Text(String::new()),
            Cell::Text(policy.digest.clone()),
            Cell::Int(minsheng_store::micros(clock.now)),
            Cell::Text(actor.to_string()),
        ]);
    }
    let n = rows.len();
    assessments
        .record_synthetic(
            rows,
            NewAuditEntry {
                actor: actor.into(),
                action: "assess_synthetic".into(),
                subject: "assessments".into(),
                detail: format!("synthetic assessments={n}"),
                at: clock.now,
            },
        )
        .await?;
    Ok(n)
}
