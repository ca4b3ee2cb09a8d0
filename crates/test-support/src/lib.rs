//! What Minsheng's tests share: a fresh database on either backend, and the repository's
//! policy catalog.
//!
//! Every storage test runs on SQLite (a fresh file) and on PostgreSQL (a fresh schema in the
//! database named by `MINSHENG_TEST_POSTGRES`, by default [`DEFAULT_POSTGRES`]). PostgreSQL
//! being down fails the suite: these tests exist to prove that both backends work.
//!
//! A test failing is its purpose, so this crate panics where a test would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use minsheng_core::registry::Registration;
use minsheng_store::{NewAuditEntry, Store};
use minsheng_synth::{Generator, GeneratorConfig};

pub const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The PostgreSQL the tests use.
pub fn postgres_url() -> String {
    std::env::var("MINSHENG_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into())
}

/// The repository's policy catalog (Qingdao's rules, parameters and procedure).
pub fn catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao")
}

/// The repository's policy, loaded.
pub fn policy() -> minsheng_policy::Policy {
    minsheng_policy::Policy::load(&catalog()).unwrap()
}

/// The repository's medical settlement rules (`policies/qingdao-medical`).
pub fn medical_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao-medical")
}

/// The repository's medical settlement rules, loaded.
pub fn medical_policy() -> minsheng_policy::Policy {
    minsheng_policy::Policy::load(&medical_catalog()).unwrap_or_else(|d| panic!("{d}"))
}

/// The repository's long-term care insurance rules (`policies/qingdao-ltc`).
pub fn care_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies/qingdao-ltc")
}

/// The repository's long-term care insurance rules, loaded.
pub fn care_policy() -> minsheng_policy::Policy {
    minsheng_policy::Policy::load(&care_catalog()).unwrap_or_else(|d| panic!("{d}"))
}

/// A schema name no other test uses.
fn fresh_schema(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// A fresh database for one test, opened as a [`Store`].
pub struct TestDb {
    pub store: Store,
    /// The SQLite file's directory; also a place for a test's other files.
    pub dir: tempfile::TempDir,
    schema: Option<String>,
}

impl TestDb {
    /// A new SQLite file.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(&dir.path().join("t.db")).await.unwrap();
        TestDb {
            store,
            dir,
            schema: None,
        }
    }

    /// A new schema in the test PostgreSQL.
    pub async fn postgres() -> TestDb {
        let url = postgres_url();
        let schema = fresh_schema("t");
        let store = Store::open_postgres(&url, Some(&schema))
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL at {url} is needed for these tests ({e}); set MINSHENG_TEST_POSTGRES")
            });
        TestDb {
            store,
            dir: tempfile::tempdir().unwrap(),
            schema: Some(schema),
        }
    }

    /// Closes the store and drops the PostgreSQL schema (the SQLite file goes with `dir`).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(schema) = &self.schema {
            Store::drop_postgres_schema(&postgres_url(), schema)
                .await
                .unwrap();
        }
    }
}

/// Runs a test body on a fresh SQLite file.
pub async fn on_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::sqlite().await;
    body(db.store.clone()).await;
    db.cleanup().await;
}

/// Runs a test body in a fresh PostgreSQL schema, dropped afterwards.
pub async fn on_postgres<F, Fut>(body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDb::postgres().await;
    body(db.store.clone()).await;
    db.cleanup().await;
}

/// A fresh database for a test that runs the `minsheng` binary: a SQLite file, or a new
/// PostgreSQL schema reached through the URL's `options=-c search_path=…`, exactly as an
/// operator could pass it to `--db`.
pub struct DbUrl {
    pub url: String,
    pub dir: tempfile::TempDir,
    schema: Option<String>,
}

impl DbUrl {
    pub fn sqlite() -> DbUrl {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("registry.db").display().to_string();
        DbUrl {
            url,
            dir,
            schema: None,
        }
    }

    pub async fn postgres() -> DbUrl {
        let base = postgres_url();
        let schema = fresh_schema("cli");
        let pool = sqlx::PgPool::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} is needed ({e})"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        DbUrl {
            url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
            dir: tempfile::tempdir().unwrap(),
            schema: Some(schema),
        }
    }

    /// Drops the PostgreSQL schema, if there is one.
    pub async fn cleanup(self) {
        if let Some(schema) = &self.schema {
            Store::drop_postgres_schema(&postgres_url(), schema)
                .await
                .unwrap();
        }
    }
}

/// Declares each named `async fn case(store: &Store)` as two tests, `sqlite::case` and
/// `postgres::case`, each on a fresh database.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let db = $crate::TestDb::sqlite().await;
                super::$case(&db.store).await;
                db.cleanup().await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let db = $crate::TestDb::postgres().await;
                super::$case(&db.store).await;
                db.cleanup().await;
            })*
        }
    };
}

/// A fixed instant, `seconds` after a base in November 2023: storage tests record at made-up
/// times and never read the clock.
pub fn instant(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
}

/// The audit entry a write records, as the use cases make it.
pub fn noted(action: &str) -> NewAuditEntry {
    NewAuditEntry {
        actor: "tester".into(),
        action: action.into(),
        subject: "test".into(),
        detail: String::new(),
        at: instant(0),
    }
}

/// A synthetic city of `people` (its areas in the generator), the same for the same `seed`.
pub fn synthetic_city(people: u64, seed: u64) -> (Generator, Vec<Registration>) {
    let generator = Generator::new(GeneratorConfig::new(people, seed));
    let people: Vec<Registration> = Generator::new(GeneratorConfig::new(people, seed))
        .flatten()
        .collect();
    (generator, people)
}

/// Loads `people` into the registry as one bulk load recorded at `at`.
pub async fn load(store: &Store, people: &[Registration], at: DateTime<Utc>) {
    let mut loader = store.begin_load("test", at).await.unwrap();
    for chunk in people.chunks(700) {
        loader.add(chunk).await.unwrap();
    }
    loader.commit(|_, _| noted("load")).await.unwrap();
}

/// Runs one statement on the test's database behind the store's back, as an intruder with SQL
/// access (or a failing disk) would.
pub async fn execute(store: &Store, sql: &str) {
    match store {
        Store::Sqlite(pool, _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        Store::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Makes `event` (`INSERT`, `UPDATE`) on `table` fail, as a full disk or a broken trigger
/// would, until [`allow`] is called with the same name. The error names `name`.
pub async fn refuse(store: &Store, name: &str, event: &str, table: &str) {
    match store.backend() {
        minsheng_store::Backend::Sqlite => {
            // Dropped first: a pool connection that last saw the schema with the earlier
            // refusal still in place once failed this one with "already exists" (seen once in
            // a full run under faketime; the cause is not known). A write re-reads the schema.
            execute(store, &format!("DROP TRIGGER IF EXISTS {name}")).await;
            execute(
                store,
                &format!(
                    "CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} \
                     BEGIN SELECT RAISE(ABORT, '{name}'); END"
                ),
            )
            .await;
        }
        minsheng_store::Backend::Postgres => {
            execute(
                store,
                &format!(
                    "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS \
                     $$ BEGIN RAISE EXCEPTION '{name}'; END $$"
                ),
            )
            .await;
            execute(
                store,
                &format!(
                    "CREATE TRIGGER {name} BEFORE {event} ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION {name}()"
                ),
            )
            .await;
        }
    }
}

/// Lets `table` be written again after [`refuse`].
pub async fn allow(store: &Store, name: &str, table: &str) {
    let sql = match store.backend() {
        minsheng_store::Backend::Sqlite => format!("DROP TRIGGER {name}"),
        minsheng_store::Backend::Postgres => format!("DROP TRIGGER {name} ON {table}"),
    };
    execute(store, &sql).await;
}

/// A PDF's text as `pdftotext` (Debian: poppler-utils) reads it, without the spaces and line
/// breaks of its layout: what a test of a printed notice looks for.
pub fn pdf_text(pdf: &[u8]) -> String {
    assert!(
        pdf.starts_with(b"%PDF-"),
        "not a PDF: {}",
        String::from_utf8_lossy(pdf)
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).expect("the PDF written");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (Debian: poppler-utils)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect()
}
