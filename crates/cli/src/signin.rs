//! Who acts at the command line.
//!
//! Reading, importing and setting up are audited under `--actor` as given: the operator who
//! holds the database. A command that bears a duty — computing, approving or sending a month's
//! payments, a step of a case, a decision on a benefit, revealing ID numbers, issuing a token —
//! acts as an account instead, proven by an API token (`MINSHENG_TOKEN`) or by the password of
//! the account `--actor` names (`MINSHENG_PASSWORD`, or the first line of standard input). What
//! it records is the account's name, so separation of duties compares accounts, never what was
//! typed: `--actor "钱主任 "` is no account, and `operator` is none unless someone made it one.

use anyhow::{bail, Result};
use minsheng_app::accounts::{self, Credential};
use minsheng_app::Clock;
use minsheng_core::access::{Account, Duty};
use minsheng_store::Store;

/// A password from `MINSHENG_PASSWORD`, or else the first line of standard input.
pub fn password() -> Result<String> {
    if let Ok(p) = std::env::var("MINSHENG_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The account that does `what`, authenticated. `login` is `--actor`; with a token it may be
/// left at its default, and otherwise must be the token's account.
pub async fn account(store: &Store, login: &str, what: &str, clock: Clock) -> Result<Signed> {
    let token = std::env::var("MINSHENG_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let (credential, login) = match token {
        Some(token) => (
            Credential::Token(token),
            (login != DEFAULT_ACTOR).then_some(login),
        ),
        None => (Credential::Password(password()?), Some(login)),
    };
    match accounts::authenticate(store, login, &credential, clock).await {
        Ok((login, account)) => Ok(Signed { login, account }),
        Err(accounts::AccountError::WrongCredentials) => bail!(
            "{what} acts as an account: the login or the password (or token) is wrong \
             (give --actor LOGIN with MINSHENG_PASSWORD, or MINSHENG_TOKEN)"
        ),
        Err(e) => Err(e.into()),
    }
}

/// A member of staff's account that does `what`, authenticated.
pub async fn staff(store: &Store, login: &str, what: &str, clock: Clock) -> Result<Signed> {
    let signed = account(store, login, what, clock).await?;
    if !signed.account.is_staff() {
        bail!(
            "{what} is work for staff; {} is {}'s account",
            signed.login,
            if signed.account.service_area().is_some() {
                "a service provider"
            } else {
                "a resident"
            }
        );
    }
    Ok(signed)
}

/// A staff account whose role has `duty`, authenticated.
pub async fn with_duty(
    store: &Store,
    login: &str,
    duty: Duty,
    what: &str,
    clock: Clock,
) -> Result<Signed> {
    let signed = staff(store, login, what, clock).await?;
    if !signed.account.may(duty) {
        bail!(
            "{what}: {} is {}; only the city's administrators do this",
            signed.login,
            signed.account.role_label()
        );
    }
    Ok(signed)
}

/// The `--actor` of a command that names nobody.
pub const DEFAULT_ACTOR: &str = "operator";

pub struct Signed {
    pub login: String,
    pub account: Account,
}

impl Signed {
    /// The name the audit log and the records carry.
    pub fn name(&self) -> &str {
        self.account.name()
    }
}
