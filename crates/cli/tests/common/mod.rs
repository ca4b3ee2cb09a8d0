#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // shared by several test binaries
//! What the CLI tests share: a fresh database on either backend, reached as an operator would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh database for one test: a SQLite file, or a PostgreSQL schema reached through the
/// URL's `options=-c search_path=…`, exactly as an operator could pass it to `--db`.
pub struct Db {
    pub url: String,
    dir: tempfile::TempDir,
    schema: Option<(String, String)>,
}

impl Db {
    pub fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("registry.db").display().to_string();
        Db {
            url,
            dir,
            schema: None,
        }
    }

    pub async fn postgres() -> Db {
        let base =
            std::env::var("MINSHENG_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.into());
        let schema = format!("cli_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {base} is needed ({e})"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        Db {
            url,
            dir: tempfile::tempdir().unwrap(),
            schema: Some((base, schema)),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `minsheng --db <this database> ARGS`, acting as `actor`, with the repository's policy.
    pub fn command(&self, actor: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_minsheng"));
        command
            .arg("--db")
            .arg(&self.url)
            .args(args)
            .env("MINSHENG_ACTOR", actor)
            .env("MINSHENG_POLICY", catalog());
        command
    }

    pub fn run_as(&self, actor: &str, args: &[&str]) -> Output {
        self.command(actor, args).output().unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_as("tester", args)
    }

    pub fn ok_as(&self, actor: &str, args: &[&str]) -> String {
        let out = self.run_as(actor, args);
        assert!(
            out.status.success(),
            "minsheng {args:?} as {actor} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_as("tester", args)
    }

    pub fn persons(&self) -> i64 {
        let summary = self.ok(&["registry", "summary"]);
        summary.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    pub async fn cleanup(self) {
        if let Some((base, schema)) = &self.schema {
            let pool = sqlx::PgPool::connect(base).await.unwrap();
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&pool)
                .await
                .unwrap();
        }
    }
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn catalog() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../policies/qingdao")
        .display()
        .to_string()
}
