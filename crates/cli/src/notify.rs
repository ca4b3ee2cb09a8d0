//! `minsheng notify`: the notifications outbox — what waits to be sent, and sending it.

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;
use clap::Subcommand;
use minsheng_notify::{ChannelConfig, Dispatcher, OutboxStore as _};
use minsheng_store::Store;

#[derive(Subcommand)]
pub enum NotifyCommand {
    /// Notices written, and their deliveries by channel and status.
    Status,
    /// Send what is due through the configured channels: each SMS through the gateway
    /// (`MINSHENG_SMS_URL`, its key in `MINSHENG_SMS_KEY`), each email through SMTP
    /// (`MINSHENG_SMTP_URL`, sender `MINSHENG_MAIL_FROM`). Runs until stopped, every second;
    /// `serve` does the same in the background when a channel is configured.
    Dispatch {
        /// Send what is due now, then exit.
        #[arg(long)]
        once: bool,
        /// The SMS gateway's URL (instead of MINSHENG_SMS_URL).
        #[arg(long)]
        sms_url: Option<String>,
        /// The sender of emails (instead of MINSHENG_MAIL_FROM).
        #[arg(long)]
        mail_from: Option<String>,
    },
}

/// The channels from the environment, with the command line's overrides.
fn config(sms_url: Option<String>, mail_from: Option<String>) -> ChannelConfig {
    let mut config = ChannelConfig::from_env();
    if sms_url.is_some() {
        config.sms_url = sms_url;
    }
    if mail_from.is_some() {
        config.mail_from = mail_from;
    }
    config
}

/// What the channels are, for a start-up line: never the key or the SMTP password.
pub fn describe(config: &ChannelConfig) -> String {
    let mut parts = vec!["the web inbox".to_string()];
    if let Some(url) = &config.sms_url {
        parts.push(format!("SMS through {url}"));
    }
    if config.smtp_url.is_some() {
        parts.push("email through SMTP".to_string());
    }
    parts.join(", ")
}

pub async fn run(store: &Store, command: NotifyCommand) -> Result<ExitCode> {
    match command {
        NotifyCommand::Status => {
            let status = store.outbox().status().await?;
            println!("{} notice(s) written.", status.notices);
            if status.deliveries.is_empty() {
                println!("No deliveries: nobody has chosen SMS or email yet.");
            }
            for (channel, state, n) in &status.deliveries {
                println!("  {channel:<6} {state:<8} {n}");
            }
            if let Some(oldest) = status.oldest_waiting {
                println!(
                    "The oldest waiting was written {}.",
                    minsheng_app::china_time(oldest)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        NotifyCommand::Dispatch {
            once,
            sms_url,
            mail_from,
        } => {
            let config = config(sms_url, mail_from);
            if config.is_empty() {
                anyhow::bail!(
                    "no channel is configured: set MINSHENG_SMS_URL (and MINSHENG_SMS_KEY) or MINSHENG_SMTP_URL"
                );
            }
            let dispatcher = Dispatcher::new(&config)?;
            println!("Sending notices through {}.", describe(&config));
            if once {
                let round = dispatcher.drain(store, Utc::now()).await?;
                println!(
                    "{} sent, {} to be tried again later, {} failed.",
                    round.sent, round.retrying, round.failed
                );
            } else {
                dispatcher
                    .run(store, std::time::Duration::from_secs(1), async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
