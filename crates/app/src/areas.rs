//! Loading and saving the area list.

use std::collections::HashSet;
use std::path::Path;

use minsheng_exchange::{read_areas, write_areas, RosterError, RowError, WriteError};
use minsheng_store::{NewAuditEntry, Store, StoreError};

use crate::Clock;

#[derive(Debug, thiserror::Error)]
pub enum AreasError {
    #[error(transparent)]
    File(#[from] RosterError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{} rows rejected, no area imported:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
}

/// Imports an area list; areas already present are kept as they are. Every area's parent must
/// be in the file or already known.
pub async fn import_areas(
    store: &Store,
    path: &Path,
    actor: &str,
    clock: Clock,
) -> Result<u64, AreasError> {
    let areas = read_areas(path)?.map_err(AreasError::Rows)?;
    let mut known: HashSet<String> = store
        .areas()
        .await?
        .into_iter()
        .map(|a| a.code.as_str().to_string())
        .collect();
    known.extend(areas.iter().map(|a| a.code.as_str().to_string()));
    let orphans: Vec<RowError> = areas
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let parent = a.code.parent()?;
            (!known.contains(parent.as_str())).then(|| RowError {
                line: i as u64 + 2,
                field: "code".into(),
                reason: format!("上级区域 {parent} 既不在文件中，也未登记"),
            })
        })
        .collect();
    if !orphans.is_empty() {
        return Err(AreasError::Rows(orphans));
    }
    // Parents first, so the foreign key to the parent always holds.
    let mut sorted = areas;
    sorted.sort_by_key(|a| a.level());
    let added = store
        .insert_areas(&sorted, |added| NewAuditEntry {
            actor: actor.into(),
            action: "import_areas".into(),
            subject: path.display().to_string(),
            detail: format!("added={added}"),
            at: clock.now,
        })
        .await?;
    Ok(added)
}

pub async fn export_areas(store: &Store, path: &Path) -> Result<u64, AreasError> {
    let areas = store.areas().await?;
    write_areas(path, &areas)?;
    Ok(areas.len() as u64)
}
