//! Recording a change to a person's facts, as a caseworker does.

use chrono::NaiveDate;
use minsheng_core::registry::FactChange;
use minsheng_core::{FieldError, IdNumber};
use minsheng_exchange::parse_change;
use minsheng_store::{Store, StoreError};

use crate::Clock;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FieldError>),
    #[error("{0}")]
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
    let superseded = store
        .amend_person(
            &id,
            from,
            |facts| changes.iter().for_each(|c| c.apply(facts)),
            actor,
            clock.now,
        )
        .await?;
    let household = store.household_file(id.as_str()).await?.code;
    let detail = format!(
        "person={} from={from} changes={}",
        id.masked(),
        assignments.join(" ")
    );
    store
        .audit(actor, "record_change", &household, &detail, clock.now)
        .await?;
    Ok(superseded)
}

/// Checks a change without recording it: the ID number, the date, every assignment and any
/// area it names. Every problem is reported.
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
        errors.push(FieldError::new("from", format!("{from} is in the future")));
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
                    format!("{area} is not a known area code"),
                ));
            }
        }
    }
    match id.filter(|_| errors.is_empty()) {
        Some(id) => Ok((id, changes)),
        None => Err(RecordError::Invalid(errors)),
    }
}
