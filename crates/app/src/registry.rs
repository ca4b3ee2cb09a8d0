//! Recording a change to a person's facts, as a caseworker does.

use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::registry::{check_death_date, FactChange, Relation};
use minsheng_core::{FieldError, IdNumber};
use minsheng_exchange::parse_change;
use minsheng_store::{NewAuditEntry, Store, StoreError};

use crate::Clock;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records that `assignments` (roster `field=value` pairs) hold for the person from `from` on.
/// Returns how many versions were superseded (0: the registry already said so). Nothing is
/// written unless every assignment is valid.
pub async fn record_change(
    store: &Store,
    id_number: &str,
    from: NaiveDate,
    assignments: &[String],
    actor: &str,
    clock: Clock,
) -> Result<usize, RecordError> {
    let (id, changes) = check_change(store, id_number, from, assignments, clock).await?;
    // The household the person belongs to once the change is made: the one it names, or theirs.
    let household = match changes.iter().rev().find_map(|c| match c {
        FactChange::Household(code) => Some(code.clone()),
        _ => None,
    }) {
        Some(code) => code,
        None => store.household_file(id.as_str()).await?.code,
    };
    let audit = NewAuditEntry {
        actor: actor.into(),
        action: "record_change".into(),
        subject: household,
        detail: format!(
            "person={} from={from} changes={}",
            id.masked(),
            assignments.join(" ")
        ),
        at: clock.now,
    };
    let superseded = store
        .amend_person(
            &id,
            from,
            |facts| changes.iter().for_each(|c| c.apply(facts)),
            actor,
            clock.now,
            &[audit],
        )
        .await?;
    Ok(superseded)
}

/// Checks a change without recording it: the ID number, the date, every assignment, any area
/// it names, a death date against today and the birth date, and that nobody becomes a second
/// head of a household. Every problem is reported.
pub async fn check_change(
    store: &Store,
    id_number: &str,
    from: NaiveDate,
    assignments: &[String],
    clock: Clock,
) -> Result<(IdNumber, Vec<FactChange>), RecordError> {
    let mut errors = Vec::new();
    let id = IdNumber::parse(id_number)
        .map_err(|e| errors.push(FieldError::new("id_number", e.to_string())))
        .ok();
    if from > clock.today {
        errors.push(FieldError::new("from", format!("{from} 是将来的日期")));
    }
    let mut changes = Vec::new();
    for a in assignments {
        match parse_change(a) {
            Ok(c) => changes.push(c),
            Err(e) => errors.push(FieldError::new("change", e)),
        }
    }
    for c in &changes {
        if let FactChange::Area(area) = c {
            if store.area_names(&[area.as_str()]).await?.is_empty() {
                errors.push(FieldError::new(
                    "area",
                    format!("{area} 不是已登记的区域代码"),
                ));
            }
        }
    }
    if let Some(id) = &id {
        errors.extend(death_problems(id, &changes, clock.today));
        if errors.is_empty() {
            errors.extend(second_head(store, id, from, &changes, clock.now).await?);
        }
    }
    match id.filter(|_| errors.is_empty()) {
        Some(id) => Ok((id, changes)),
        None => Err(RecordError::Invalid(errors)),
    }
}

/// The death dates the change records, checked as an import checks them.
fn death_problems(id: &IdNumber, changes: &[FactChange], today: NaiveDate) -> Vec<FieldError> {
    changes
        .iter()
        .filter_map(|c| match c {
            FactChange::DeathDate(Some(death)) => Some(check_death_date(id, *death, today)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Whether the change makes the person head, on `from`, of a household another member already
/// heads. A head is changed in two steps, the old head's relation first, so that no household
/// ever has two.
async fn second_head(
    store: &Store,
    id: &IdNumber,
    from: NaiveDate,
    changes: &[FactChange],
    now: DateTime<Utc>,
) -> Result<Option<FieldError>, StoreError> {
    let moves = |c: &FactChange| matches!(c, FactChange::Household(_) | FactChange::Relation(_));
    if !changes.iter().any(moves) {
        return Ok(None);
    }
    // Someone unknown, or not yet registered on `from`: the amendment itself says so.
    let home = match store.household_file(id.as_str()).await {
        Ok(file) => file,
        Err(StoreError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let before = home
        .members
        .iter()
        .filter(|m| m.person.id_number == *id)
        .flat_map(|m| &m.versions)
        .find(|r| r.known_at(now) && r.version.holds_on(from));
    let Some(before) = before else {
        return Ok(None);
    };
    let mut after = before.version.facts.clone();
    changes.iter().for_each(|c| c.apply(&mut after));
    if after.relation != Relation::Head {
        return Ok(None);
    }
    let target = if after.household == home.code {
        home
    } else {
        match store.household_file(&after.household).await {
            Ok(file) => file,
            Err(StoreError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
    };
    let head = target
        .as_of(from, now)
        .into_iter()
        .find(|(p, f)| p.id_number != *id && f.relation == Relation::Head);
    Ok(head.map(|(p, _)| {
        FieldError::new(
            "relation",
            format!(
                "户 {} 在 {from} 已有户主（{}），请先变更该成员与户主的关系",
                target.code,
                p.id_number.masked()
            ),
        )
    }))
}
