//! The audit entries of reads, written in groups ([`crate::group`]): one writer task appends
//! the entries of all requests waiting at that moment in one transaction, and each request
//! answers only once its entry is committed — every read is still in the log before anyone
//! sees the data, but concurrent requests share a commit instead of queueing for the
//! database's writer lock.

use minsheng_store::{NewAuditEntry, Store};

use crate::error::WebError;
use crate::group::Grouped;

/// How many entries one commit takes at most.
const GROUP: usize = 256;

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
        // Checkpoints of a served SQLite database, off the request path (Store::prepare_to_serve);
        // the loop ends with the writer, when the queue is dropped.
        let queue = writer.downgrade();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                if queue.upgrade().is_none() {
                    break;
                }
                if let Err(e) = store.checkpoint().await {
                    tracing::warn!(error = %e, "checkpoint failed");
                }
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
