//! Signing in: accounts with argon2 password hashes, sessions and API tokens.
//!
//! Tokens are 256 random bits from the operating system, handed to the client once and stored
//! only as their SHA-256. Every sign-in, failed sign-in and sign-out is in the audit log.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Duration;
use minsheng_core::access::Account;
use minsheng_store::{AccountHolder, NewAuditEntry, SessionRecord, Store, StoreError};
use sha2::{Digest, Sha256};

use crate::Clock;

/// How long a session lasts: a working day and a bit.
pub const SESSION_HOURS: i64 = 10;
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Deliberately the same for an unknown login and a wrong password.
    #[error("the login or the password is wrong")]
    WrongCredentials,
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new session: the token goes into the cookie, the CSRF token into every form.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub account: Account,
}

/// 256 random bits from the operating system, as hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::Invalid {
            field: "password".into(),
            reason: format!("至少 {MIN_PASSWORD_CHARS} 个字符"),
        });
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Invalid {
            field: "password".into(),
            reason: e.to_string(),
        })
}

/// The audit entry of a change to accounts, written in the change's transaction.
fn entry(actor: &str, action: &str, login: &str, detail: &str, clock: Clock) -> NewAuditEntry {
    NewAuditEntry {
        actor: actor.into(),
        action: action.into(),
        subject: login.into(),
        detail: detail.into(),
        at: clock.now,
    }
}

pub async fn add_account(
    store: &Store,
    login: &str,
    password: &str,
    holder: &AccountHolder,
    by: &str,
    clock: Clock,
) -> Result<(), AccountError> {
    let hash = hash_password(password)?;
    let audit = entry(by, "add_account", login, "", clock);
    store
        .add_account(login, &hash, holder, by, clock.now, &audit)
        .await?;
    Ok(())
}

/// A hash of nobody's password, made once with the parameters of every account's: an unknown
/// login is checked against it, so it costs the same argon2 run as a known one and the
/// answer's timing does not tell which logins exist.
fn decoy_hash() -> String {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| hash_password(&random_token()).unwrap_or_default())
        .clone()
}

static PASSWORD_CHECKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Password checks run so far in this process (each one argon2 verification).
pub fn password_checks() -> u64 {
    PASSWORD_CHECKS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Whether `password` is the one `hash` was made from, on a blocking thread: argon2 takes
/// tens of milliseconds on purpose, which must not stall the server's other requests.
async fn password_matches(password: &str, hash: String) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        PASSWORD_CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Checks a login and password: the account, or [`AccountError::WrongCredentials`] with the
/// failure in the audit log. `via` says where the attempt came from ("web", "command line").
async fn check_password(
    store: &Store,
    login: &str,
    password: &str,
    via: &str,
    clock: Clock,
) -> Result<Account, AccountError> {
    let found = store.account(login).await?;
    let hash = found
        .as_ref()
        .map_or_else(decoy_hash, |(hash, _)| hash.clone());
    let matches = password_matches(password, hash).await;
    let why = match (&found, matches) {
        (Some((_, account)), true) => return Ok(account.clone()),
        (None, _) => "unknown login",
        (Some(_), false) => "wrong password",
    };
    store
        .audit(
            login,
            "sign_in_failed",
            login,
            &format!("{why} via={via}"),
            clock.now,
        )
        .await?;
    Err(AccountError::WrongCredentials)
}

/// Checks a login and password and opens a session.
pub async fn sign_in(
    store: &Store,
    login: &str,
    password: &str,
    clock: Clock,
) -> Result<NewSession, AccountError> {
    let account = check_password(store, login, password, "web", clock).await?;
    let token = random_token();
    let csrf_token = random_token();
    store
        .add_session(
            &digest(&token),
            login,
            &csrf_token,
            clock.now,
            clock.now + Duration::hours(SESSION_HOURS),
            &entry(account.name(), "sign_in", login, "", clock),
        )
        .await?;
    Ok(NewSession {
        token,
        csrf_token,
        account,
    })
}

/// The session a cookie's token opens, if any and not expired.
pub async fn session(
    store: &Store,
    token: &str,
    clock: Clock,
) -> Result<Option<SessionRecord>, StoreError> {
    store.session(&digest(token), clock.now).await
}

pub async fn sign_out(store: &Store, token: &str, clock: Clock) -> Result<(), StoreError> {
    if let Some(s) = store.session(&digest(token), clock.now).await? {
        let audit = entry(s.account.name(), "sign_out", &s.login, "", clock);
        store.end_session(&digest(token), &audit).await?;
    }
    Ok(())
}

/// A new API token for a login's account; shown once, stored as its digest.
pub async fn add_api_token(
    store: &Store,
    login: &str,
    label: &str,
    by: &str,
    clock: Clock,
) -> Result<String, AccountError> {
    if store.account(login).await?.is_none() {
        return Err(AccountError::Invalid {
            field: "login".into(),
            reason: format!("没有登录名为 {login} 的账号"),
        });
    }
    let token = random_token();
    let audit = entry(by, "add_api_token", login, label, clock);
    store
        .add_api_token(&digest(&token), login, label, clock.now, &audit)
        .await?;
    Ok(token)
}

/// The login and account a bearer token acts for.
pub async fn api_account(
    store: &Store,
    token: &str,
) -> Result<Option<(String, Account)>, StoreError> {
    store.api_token(&digest(token)).await
}

/// What someone at the command line proves who they are with.
pub enum Credential {
    /// The account's password, checked as a sign-in checks it (and audited when wrong).
    Password(String),
    /// An API token issued to the account (`account token`).
    Token(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Credential::Password(_) => "Password(…)",
            Credential::Token(_) => "Token(…)",
        })
    }
}

/// The account a command acts as: `login`'s, proven by its password, or a token's (whose
/// account must be `login`'s when one is named). A command that bears a duty acts only as an
/// account, so that separation of duties compares accounts and never typed names.
pub async fn authenticate(
    store: &Store,
    login: Option<&str>,
    credential: &Credential,
    clock: Clock,
) -> Result<(String, Account), AccountError> {
    match credential {
        Credential::Password(password) => {
            let login = login.ok_or_else(|| AccountError::Invalid {
                field: "actor".into(),
                reason: "name the account (--actor LOGIN) whose password is given".into(),
            })?;
            let account = check_password(store, login, password, "command line", clock).await?;
            Ok((login.to_string(), account))
        }
        Credential::Token(token) => match api_account(store, token).await? {
            Some((owner, account)) if login.is_none_or(|l| l == owner) => Ok((owner, account)),
            _ => {
                let who = login.unwrap_or("(token)");
                store
                    .audit(
                        who,
                        "sign_in_failed",
                        who,
                        "unknown token via=command line",
                        clock.now,
                    )
                    .await?;
                Err(AccountError::WrongCredentials)
            }
        },
    }
}
