//! Work of concurrent requests done in groups: one task takes everything waiting at that
//! moment and does it together — one transaction, one commit — and each request gets its own
//! outcome once the group is done. Requests arriving faster than one at a time share the
//! database's writer instead of queueing for it one by one; a lone request is a group of one.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

type Ticket<T, R> = (T, oneshot::Sender<R>);

/// A queue of work of type `T`, each answered with an `R`.
pub struct Grouped<T, R> {
    sender: mpsc::Sender<Ticket<T, R>>,
}

/// The task doing the work has stopped (its runtime is shutting down).
#[derive(Debug)]
pub struct Stopped;

impl<T: Send + 'static, R: Send + 'static> Grouped<T, R> {
    /// Starts the task on the current tokio runtime; it stops when the queue is dropped.
    /// `work` gets at most `limit` items and must answer each, in order.
    pub fn start<F, Fut>(limit: usize, work: F) -> Grouped<T, R>
    where
        F: Fn(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<R>> + Send,
    {
        let (sender, mut receiver) = mpsc::channel::<Ticket<T, R>>(4 * limit);
        tokio::spawn(async move {
            while let Some(first) = receiver.recv().await {
                let mut group = vec![first];
                while group.len() < limit {
                    match receiver.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let (items, answers): (Vec<T>, Vec<oneshot::Sender<R>>) = group.into_iter().unzip();
                let outcomes = work(items).await;
                // A request that gave up waiting has dropped its receiver: nothing to tell it.
                for (answer, outcome) in answers.into_iter().zip(outcomes) {
                    let _ = answer.send(outcome);
                }
            }
        });
        Grouped { sender }
    }

    /// Does `item` with whatever else is waiting; its outcome.
    pub async fn submit(&self, item: T) -> Result<R, Stopped> {
        let (answer, outcome) = oneshot::channel();
        self.sender
            .send((item, answer))
            .await
            .map_err(|_| Stopped)?;
        outcome.await.map_err(|_| Stopped)
    }

    /// A handle that does not keep the task alive.
    pub fn downgrade(&self) -> mpsc::WeakSender<Ticket<T, R>> {
        self.sender.downgrade()
    }
}
