//! The audit entries of reads, written in groups: one writer task appends the entries of all
//! requests waiting at that moment in one transaction, and each request answers only once its
//! entry is committed — every read is still in the log before anyone sees the data, but
//! concurrent requests share a commit instead of queueing for the database's writer lock.

use minsheng_store::{NewAuditEntry, Store};
use tokio::sync::{mpsc, oneshot};

use crate::error::WebError;

/// How many entries one commit takes at most.
const GROUP: usize = 256;

type Ticket = (NewAuditEntry, oneshot::Sender<Result<(), String>>);

pub struct AuditQueue {
    sender: mpsc::Sender<Ticket>,
}

impl AuditQueue {
    /// Starts the writer on the current tokio runtime; it stops when the queue is dropped.
    pub fn start(store: Store) -> AuditQueue {
        let (sender, mut receiver) = mpsc::channel::<Ticket>(4 * GROUP);
        // Checkpoints of a served SQLite database, off the request path (Store::prepare_to_serve);
        // the loop ends with the writer, when the queue is dropped.
        let checkpoints = store.clone();
        let queue = sender.downgrade();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                if queue.upgrade().is_none() {
                    break;
                }
                if let Err(e) = checkpoints.checkpoint().await {
                    tracing::warn!(error = %e, "checkpoint failed");
                }
            }
        });
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut group = vec![first];
                while group.len() < GROUP {
                    match receiver.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let entries: Vec<NewAuditEntry> = group.iter().map(|(e, _)| e.clone()).collect();
                let result = store.audit_many(&entries).await.map_err(|e| e.to_string());
                for (_, done) in group {
                    let _ = done.send(result.clone());
                }
            }
        });
        AuditQueue { sender }
    }

    /// Appends an entry; returns once it is committed.
    pub async fn record(&self, entry: NewAuditEntry) -> Result<(), WebError> {
        let (done, committed) = oneshot::channel();
        self.sender
            .send((entry, done))
            .await
            .map_err(|_| WebError::Internal("the audit writer has stopped".into()))?;
        committed
            .await
            .map_err(|_| WebError::Internal("the audit writer has stopped".into()))?
            .map_err(|e| WebError::Internal(format!("audit: {e}")))
    }
}
