//! The schema's migrations, embedded in the binary. `build.rs` lists each backend's folder as
//! sqlx's own `migrate!` macro would (same versions, descriptions and text, so the same
//! checksums: a database migrated either way validates); the macro is not used because it
//! compiles sqlx's query-checking proc-macro, with both database drivers and a second SQLite,
//! for the build host.

use std::borrow::Cow;
use std::sync::LazyLock;

use sqlx::migrate::{Migration, MigrationType, Migrator};

/// A migration file: its version, description and SQL.
type Embedded = (i64, &'static str, &'static str);

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

pub(crate) static SQLITE_MIGRATIONS: LazyLock<Migrator> = LazyLock::new(|| migrator(SQLITE));
pub(crate) static POSTGRES_MIGRATIONS: LazyLock<Migrator> = LazyLock::new(|| migrator(POSTGRES));

fn migrator(files: &'static [Embedded]) -> Migrator {
    Migrator {
        migrations: files
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    // sqlx's own reading: a file opening with this comment runs outside a
                    // transaction.
                    sql.starts_with("-- no-transaction"),
                )
            })
            .collect(),
        ..Migrator::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// What is embedded is what sqlx reads from the folders itself, checksums included: a
    /// database migrated by an older build (or by sqlx's tools) still validates.
    #[tokio::test]
    async fn the_embedded_migrations_are_sqlxs_reading_of_the_folders() {
        for (backend, embedded) in [
            ("sqlite", &*SQLITE_MIGRATIONS),
            ("postgres", &*POSTGRES_MIGRATIONS),
        ] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(backend);
            let read = Migrator::new(dir).await.unwrap();
            let summary = |m: &Migrator| -> Vec<_> {
                m.iter()
                    .map(|m| {
                        (
                            m.version,
                            m.description.to_string(),
                            m.checksum.to_vec(),
                            m.no_tx,
                            m.migration_type,
                        )
                    })
                    .collect()
            };
            assert!(embedded.iter().count() > 30, "{backend}");
            assert_eq!(summary(embedded), summary(&read), "{backend}");
        }
    }
}
