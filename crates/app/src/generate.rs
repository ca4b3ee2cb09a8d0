//! `generate`: a synthetic city streamed into the store in one transaction.

use std::thread;

use minsheng_core::registry::Registration;
use minsheng_store::{NewAuditEntry, Store, StoreError};
use minsheng_synth::calibration::{standards_date, Parameters, Tally};
use minsheng_synth::{reference_date, Generator, GeneratorConfig};

use crate::{Clock, Progress};

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the database already holds {0} persons; generate into a new database (another --db)")]
    NotEmpty(i64),
    #[error("--people must be between 1 and 20,000,000")]
    Size,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the generator thread failed")]
    Generator,
    #[error("policy parameters: {0}")]
    Parameters(String),
}

#[derive(Debug, Clone)]
pub struct GenerateReport {
    pub persons: u64,
    pub households: u64,
    pub areas: u64,
    pub tally: Tally,
}

pub async fn generate(
    store: &Store,
    people: u64,
    seed: u64,
    clock: Clock,
    progress: &dyn Progress,
) -> Result<GenerateReport, GenerateError> {
    if people == 0 || people > 20_000_000 {
        return Err(GenerateError::Size);
    }
    let existing = store.counts().await?.persons;
    if existing > 0 {
        return Err(GenerateError::NotEmpty(existing));
    }
    let params = Parameters::on(standards_date()).map_err(GenerateError::Parameters)?;
    let generator = Generator::new(GeneratorConfig::new(people, seed));
    let areas = store
        .insert_areas(generator.areas(), |added| NewAuditEntry {
            actor: "generate".into(),
            action: "import_areas".into(),
            subject: format!("generate:seed={seed}"),
            detail: format!("added={added}"),
            at: clock.now,
        })
        .await?;

    // Generation runs on its own thread, one batch ahead of the database writer.
    let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<Registration>>(2);
    let producer = thread::spawn(move || {
        let mut tally = Tally::default();
        let on = reference_date();
        for batch in generator {
            for household in batch.chunk_by(|a, b| a.facts.household == b.facts.household) {
                tally.add_household(household, &params, on);
            }
            if send.blocking_send(batch).is_err() {
                break;
            }
        }
        tally
    });
    progress.start("generating residents", Some(people));
    let mut loader = store
        .begin_load(&format!("generate:seed={seed}"), clock.now)
        .await?;
    while let Some(batch) = receive.recv().await {
        loader.add(&batch).await?;
        progress.advance(batch.len() as u64);
    }
    let tally = producer.join().map_err(|_| GenerateError::Generator)?;
    progress.start("committing", None);
    let (persons, households) = loader
        .commit(|persons, households| NewAuditEntry {
            actor: "generate".into(),
            action: "generate".into(),
            subject: "registry".into(),
            detail: format!("seed={seed} persons={persons} households={households}"),
            at: clock.now,
        })
        .await?;
    progress.finish();
    Ok(GenerateReport {
        persons,
        households,
        areas,
        tally,
    })
}
