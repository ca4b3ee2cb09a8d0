//! `export`: the registry as it stands on a day, to CSV or Excel.

use std::path::Path;

use chrono::NaiveDate;
use minsheng_exchange::{RosterWriter, WriteError};
use minsheng_store::{Store, StoreError};

use crate::{Clock, Progress};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub async fn export(
    store: &Store,
    path: &Path,
    on: NaiveDate,
    actor: &str,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<u64, ExportError> {
    let total = store.counts().await?.persons;
    let mut writer = RosterWriter::create(path)?;
    progress.start("exporting", Some(total as u64));
    let written = store
        .export(on, |r| {
            progress.advance(1);
            writer.write(&r).map_err(ExportError::from)
        })
        .await?;
    writer.finish()?;
    progress.finish();
    store
        .audit(
            actor,
            "export",
            &path.display().to_string(),
            &format!("on={on} persons={written}"),
            clock.now,
        )
        .await?;
    Ok(written)
}
