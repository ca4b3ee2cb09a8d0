//! The dispatcher: claims the deliveries that are due, sends them through their channels a
//! few dozen at a time, and records each outcome with its audit entry.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use minsheng_store::{NewAuditEntry, Store};

use crate::channels::{ChannelConfig, Mailer, SmsGateway};
use crate::domain::{Channel, Next, Outcome};
use crate::storage::{Claimed, OutboxStore};
use crate::NotifyError;

/// The account the dispatcher's audit entries name.
pub const ACTOR: &str = "system:outbox";

pub struct Dispatcher {
    sms: Option<SmsGateway>,
    email: Option<Mailer>,
    /// Deliveries claimed at a time.
    pub batch: i64,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// How long a run holds what it claimed before another may claim it again.
    pub lease: Duration,
}

/// What a dispatcher run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: u64,
    /// Failed for now, to be tried again later.
    pub retrying: u64,
    /// Given up: refused, or out of attempts.
    pub failed: u64,
}

impl Round {
    pub fn total(&self) -> u64 {
        self.sent + self.retrying + self.failed
    }
}

impl Dispatcher {
    pub fn new(config: &ChannelConfig) -> Result<Dispatcher, NotifyError> {
        let sms = match &config.sms_url {
            Some(url) => Some(SmsGateway::new(url, config.sms_key.clone())?),
            None => None,
        };
        let email = match &config.smtp_url {
            Some(url) => Some(Mailer::new(url, config.mail_from.as_deref())?),
            None => None,
        };
        Ok(Dispatcher {
            sms,
            email,
            batch: 500,
            concurrency: 64,
            lease: Duration::from_secs(300),
        })
    }

    /// The channels this dispatcher can send on.
    pub fn channels(&self) -> Vec<Channel> {
        let mut channels = Vec::new();
        if self.sms.is_some() {
            channels.push(Channel::Sms);
        }
        if self.email.is_some() {
            channels.push(Channel::Email);
        }
        channels
    }

    async fn send(&self, c: &Claimed) -> Outcome {
        match (c.channel, &self.sms, &self.email) {
            (Channel::Sms, Some(sms), _) => sms.send(c).await,
            (Channel::Email, _, Some(mailer)) => mailer.send(c).await,
            // Not claimed without its channel; kept pending should it happen.
            _ => Outcome::Retry(format!("{}通道未配置", c.channel.label())),
        }
    }

    /// Claims one batch of what is due at `now`, sends it and records the outcomes.
    pub async fn run_once(&self, store: &Store, now: DateTime<Utc>) -> Result<Round, NotifyError> {
        let started = std::time::Instant::now();
        let claim = uuid::Uuid::new_v4().to_string();
        let lease = chrono::Duration::from_std(self.lease).unwrap_or(chrono::Duration::minutes(5));
        let claimed = store
            .outbox()
            .claim(&self.channels(), now, now + lease, self.batch, &claim)
            .await?;
        if claimed.is_empty() {
            return Ok(Round::default());
        }
        let outcomes: Vec<(Claimed, Outcome)> = futures::stream::iter(claimed)
            .map(|c| async move {
                let outcome = self.send(&c).await;
                (c, outcome)
            })
            .buffer_unordered(self.concurrency.max(1))
            .collect()
            .await;
        // `now` advanced by the time the sends took: the caller's clock, not the system's, so
        // that a run at a given instant is reproducible.
        let finished =
            now + chrono::Duration::from_std(started.elapsed()).unwrap_or(chrono::Duration::zero());
        let mut round = Round::default();
        let mut results = Vec::with_capacity(outcomes.len());
        let mut audit = Vec::with_capacity(outcomes.len());
        for (c, outcome) in outcomes {
            let next = Next::after(c.attempts, &outcome);
            let (result, error) = match (&next, &outcome) {
                (Next::Sent, _) => ("sent".to_string(), String::new()),
                (_, Outcome::Retry(e)) | (_, Outcome::Refused(e)) => {
                    let word = if next == Next::Failed {
                        "failed"
                    } else {
                        "retry"
                    };
                    (format!("{word}: {e}"), e.clone())
                }
                (_, Outcome::Sent) => ("sent".to_string(), String::new()),
            };
            match next {
                Next::Sent => round.sent += 1,
                Next::RetryIn(_) => round.retrying += 1,
                Next::Failed => round.failed += 1,
            }
            audit.push(NewAuditEntry {
                actor: ACTOR.into(),
                action: "send_notice".into(),
                subject: c.household.clone(),
                detail: format!(
                    "notice={} key={} channel={} to={} attempt={} result={result}",
                    c.notice,
                    c.key,
                    c.channel.code(),
                    c.channel.mask(&c.address),
                    c.attempts
                ),
                at: finished,
            });
            results.push((c, next, error));
        }
        store
            .outbox()
            .finish(&claim, &results, finished, &audit)
            .await?;
        Ok(round)
    }

    /// Runs batches until nothing is due at `now`.
    pub async fn drain(&self, store: &Store, now: DateTime<Utc>) -> Result<Round, NotifyError> {
        let mut total = Round::default();
        loop {
            let round = self.run_once(store, now).await?;
            if round.total() == 0 {
                return Ok(total);
            }
            total.sent += round.sent;
            total.retrying += round.retrying;
            total.failed += round.failed;
        }
    }

    /// Dispatches until `stop` completes: what is due now, then again each `every`. A failed
    /// round (the database busy) is logged and tried again at the next tick.
    pub async fn run(&self, store: &Store, every: Duration, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            match self.drain(store, Utc::now()).await {
                Ok(round) if round.total() > 0 => tracing::info!(
                    sent = round.sent,
                    retrying = round.retrying,
                    failed = round.failed,
                    "notices dispatched"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("dispatching notices: {e}"),
            }
            tokio::select! {
                _ = &mut stop => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    }
}
