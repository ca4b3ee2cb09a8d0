//! The audit entries of reads, written in groups ([`crate::group`]): one writer task appends
//! the entries of all requests waiting at that moment in one transaction, and each request
//! answers only once its entry is committed — every read is still in the log before anyone
//! sees the data, but concurrent requests share a commit instead of queueing for the
//! database's writer lock.

use std::time::Duration;

use minsheng_store::{NewAuditEntry, Store};

use crate::error::WebError;
use crate::group::Grouped;

/// How many entries one commit takes at most.
const GROUP: usize = 256;

/// Between checkpoints of a served SQLite database: a thousand claims a second add a log's
/// worth to restart in a third of a second (`store::Direct::checkpoint`).
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

/// Between checkpoints while the log is long: a pass copies what the writer added during the
/// one before, so they shorten until the writer can finish.
const LONG_LOG_PAUSE: Duration = Duration::from_millis(1);

pub struct AuditQueue {
    writer: Grouped<NewAuditEntry, Result<(), String>>,
}

impl AuditQueue {
    /// Starts the writer on the current tokio runtime; it stops when the queue is dropped.
    pub fn start(store: Store) -> AuditQueue {
        let appends = store.clone();
        let writer = Grouped::start(GROUP, 1, move |entries: Vec<NewAuditEntry>| {
            let store = appends.clone();
            async move {
                let result = store.audit_many(&entries).await.map_err(|e| e.to_string());
                vec![result; entries.len()]
            }
        });
        // Checkpoints of a served SQLite database, off the request path (Store::prepare_to_serve):
        // ten a second, and pass after pass while the log is long, until the writer can start
        // it again (Store::checkpoint). The loop ends with the writer, when the queue is dropped.
        let queue = writer.downgrade();
        tokio::spawn(async move {
            loop {
                if queue.upgrade().is_none() {
                    break;
                }
                let again = store.checkpoint().await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "checkpoint failed");
                    false
                });
                let pause = if again {
                    LONG_LOG_PAUSE
                } else {
                    CHECKPOINT_PAUSE
                };
                tokio::time::sleep(pause).await;
            }
        });
        AuditQueue { writer }
    }

    /// Appends an entry; returns once it is committed.
    pub async fn record(&self, entry: NewAuditEntry) -> Result<(), WebError> {
        self.writer
            .submit(entry)
            .await
            .map_err(|_| WebError::Internal("the audit writer has stopped".into()))?
            .map_err(|e| WebError::Internal(format!("audit: {e}")))
    }
}
