//! `minsheng serve`, `minsheng account` and `minsheng token`, and the demo's accounts.

use std::net::SocketAddr;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use minsheng_app::accounts;
use minsheng_app::Clock;
use minsheng_core::access::Staff;
use minsheng_core::IdNumber;
use minsheng_store::{AccountHolder, Store};

/// Every demo account's password (the README lists the accounts).
pub const DEMO_PASSWORD: &str = "minsheng-demo";

#[derive(Subcommand)]
pub enum AccountCommand {
    /// A sign-in for a member of staff (login: their name) or a resident (login: their ID
    /// number). The password is read from MINSHENG_PASSWORD or the first line of stdin.
    Add {
        /// A staff member's name (`staff add`) …
        #[arg(
            long,
            conflicts_with = "resident",
            required_unless_present = "resident"
        )]
        staff: Option<String>,
        /// … or a resident's ID number.
        #[arg(long)]
        resident: Option<String>,
    },
    /// A token for a system-to-system client: `Authorization: Bearer <token>`, with the
    /// rights and area of the account it is issued for. Printed once.
    Token {
        login: String,
        #[arg(long)]
        label: String,
    },
}

pub async fn account(
    store: &Store,
    command: AccountCommand,
    actor: &str,
    clock: Clock,
) -> Result<()> {
    match command {
        AccountCommand::Add { staff, resident } => {
            let (login, holder) = match (staff, resident) {
                (Some(name), _) => (name.clone(), AccountHolder::Staff(name)),
                (None, Some(id)) => {
                    let id = IdNumber::parse(&id).map_err(|e| anyhow::anyhow!("resident: {e}"))?;
                    (id.as_str().to_string(), AccountHolder::Resident(id))
                }
                (None, None) => bail!("give --staff NAME or --resident ID_NUMBER"),
            };
            accounts::add_account(
                store,
                &login,
                &crate::signin::password()?,
                &holder,
                actor,
                clock,
            )
            .await?;
            println!("Account {login} added.");
        }
        AccountCommand::Token { login, label } => {
            // Only the account's holder issues its tokens: they prove it as any duty is proven.
            let owner = crate::signin::account(store, &login, "issuing a token", clock).await?;
            if owner.login != login {
                bail!(
                    "a token is issued by its own account: sign in as {login}, not {}",
                    owner.login
                );
            }
            let token = accounts::add_api_token(store, &login, &label, owner.name(), clock).await?;
            println!("{token}");
            eprintln!("(shown once; send it as `Authorization: Bearer <token>`)");
        }
    }
    Ok(())
}

/// Accounts for the demo staff and for the head of the demo household, created once.
pub async fn demo_accounts(
    store: &Store,
    staff: &[Staff],
    resident: &IdNumber,
    actor: &str,
    clock: Clock,
) -> Result<Vec<(String, String)>> {
    let mut holders: Vec<(String, String, AccountHolder)> = staff
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.role.label().to_string(),
                AccountHolder::Staff(s.name.clone()),
            )
        })
        .collect();
    holders.push((
        resident.as_str().to_string(),
        "居民".into(),
        AccountHolder::Resident(resident.clone()),
    ));
    let mut out = Vec::new();
    for (login, label, holder) in holders {
        if store.account(&login).await?.is_none() {
            accounts::add_account(store, &login, DEMO_PASSWORD, &holder, actor, clock).await?;
        }
        out.push((login, label));
    }
    Ok(out)
}

/// How the service is reached: `serve`'s options.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Unsaid: Secure on any address but loopback.
    pub secure_cookies: Option<bool>,
    pub behind_proxy: bool,
    pub max_in_flight: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            secure_cookies: None,
            behind_proxy: false,
            max_in_flight: minsheng_web::DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

pub async fn serve(
    store: Store,
    policy: minsheng_policy::Policy,
    (medical, care): (minsheng_policy::Policy, minsheng_policy::Policy),
    listen: SocketAddr,
    bank_dir: std::path::PathBuf,
    options: Options,
) -> Result<()> {
    let store = store.prepare_to_serve().await?;
    // Unsaid, a service on loopback is being tried on this machine over plain HTTP, and any
    // other is reached over HTTPS (directly or through a proxy).
    let secure_cookies = options.secure_cookies.unwrap_or(!listen.ip().is_loopback());
    let mut web = minsheng_web::Web::new(store, policy, secure_cookies, bank_dir)
        .max_in_flight(options.max_in_flight)
        .with_medical(medical)
        .with_care(care);
    if options.behind_proxy {
        web = web.behind_proxy();
    }
    println!("Serving on http://{listen}/ (Ctrl-C stops). The API's document: http://{listen}/api/v1/openapi.json");
    // Notices reach residents' web inboxes as they are written; SMS and email go out from here
    // when the operator configured a gateway (or from `minsheng notify dispatch`).
    let channels = minsheng_notify::ChannelConfig::from_env();
    if channels.is_empty() {
        println!("Notices: the web inbox only (set MINSHENG_SMS_URL or MINSHENG_SMTP_URL to send SMS or email).");
    } else {
        let dispatcher = minsheng_notify::Dispatcher::new(&channels)?;
        println!("Notices: {}.", crate::notify::describe(&channels));
        let store = web.store.clone();
        tokio::spawn(async move {
            dispatcher
                .run(
                    &store,
                    std::time::Duration::from_secs(1),
                    std::future::pending(),
                )
                .await;
        });
    }
    if secure_cookies {
        println!("Session cookies are Secure: sign in through HTTPS (--secure-cookies false for plain HTTP).");
    }
    minsheng_web::serve(web, listen)
        .await
        .with_context(|| format!("serving on {listen}"))
}
