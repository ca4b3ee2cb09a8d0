#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)] // shared by several test binaries
//! What the CLI tests share: a fresh database on either backend, reached as an operator would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use minsheng_test_support::DbUrl;

/// A fresh database for one test ([`DbUrl`]), reached as an operator would.
pub struct Db {
    pub url: String,
    db: DbUrl,
}

impl Db {
    pub fn sqlite() -> Db {
        Db::from(DbUrl::sqlite())
    }

    pub async fn postgres() -> Db {
        Db::from(DbUrl::postgres().await)
    }

    fn from(db: DbUrl) -> Db {
        Db {
            url: db.url.clone(),
            db,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.db.dir.path().join(name)
    }

    /// `minsheng --db <this database> ARGS`, acting as `actor`, with the repository's policy.
    /// A command that bears a duty signs in as `actor`'s account with [`PASSWORD`] (the
    /// accounts [`Db::accounts`] makes).
    pub fn command(&self, actor: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_minsheng"));
        command
            .arg("--db")
            .arg(&self.url)
            .args(args)
            .env("MINSHENG_ACTOR", actor)
            .env("MINSHENG_PASSWORD", PASSWORD)
            .env_remove("MINSHENG_TOKEN")
            .env("MINSHENG_POLICY", catalog())
            .env("MINSHENG_MEDICAL_POLICY", medical_catalog())
            .env(
                "MINSHENG_CARE_POLICY",
                minsheng_test_support::care_catalog(),
            );
        command
    }

    /// Staff with a role over an area, each with an account whose password is [`PASSWORD`].
    pub fn accounts(&self, staff: &[(&str, &str, &str)]) {
        for (name, role, area) in staff {
            self.ok(&["staff", "add", name, "--role", role, "--area", area]);
            self.ok(&["account", "add", "--staff", name]);
        }
    }

    /// The city's administrators the payment tests act as: one computes, another approves, a
    /// third sends and reconciles.
    pub fn payment_staff(&self) {
        self.accounts(&[
            ("caseworker", "city", "370200"),
            ("approver", "city", "370200"),
            ("operator", "city", "370200"),
        ]);
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
        self.db.cleanup().await;
    }
}

/// The password of every account a test makes.
pub const PASSWORD: &str = "test-password-1";

pub fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

pub fn catalog() -> String {
    minsheng_test_support::catalog().display().to_string()
}

pub fn medical_catalog() -> String {
    minsheng_test_support::medical_catalog()
        .display()
        .to_string()
}
