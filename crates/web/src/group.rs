//! Work of concurrent requests done in groups: one task takes everything waiting at that
//! moment and does it together — one transaction, one commit — and each request gets its own
//! outcome once the group is done. Requests arriving faster than one at a time share the
//! database's writer instead of queueing for it one by one; a lone request is a group of one.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Mutex};

type Ticket<T, R> = (T, oneshot::Sender<R>);

/// A queue of work of type `T`, each answered with an `R`.
pub struct Grouped<T, R> {
    sender: mpsc::Sender<Ticket<T, R>>,
}

/// The task doing the work has stopped (its runtime is shutting down).
#[derive(Debug)]
pub struct Stopped;

impl<T: Send + 'static, R: Send + 'static> Grouped<T, R> {
    /// Starts `workers` tasks on the current tokio runtime, each taking the next group when it
    /// is free; they stop when the queue is dropped. `work` gets at most `limit` items and must
    /// answer each, in order. One worker where the database has one writer (SQLite); several
    /// where groups can make progress side by side (PostgreSQL, each on its own connection).
    pub fn start<F, Fut>(limit: usize, workers: usize, work: F) -> Grouped<T, R>
    where
        F: Fn(Vec<T>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<R>> + Send,
    {
        let (sender, receiver) = mpsc::channel::<Ticket<T, R>>(4 * limit);
        let receiver = Arc::new(Mutex::new(receiver));
        let work = Arc::new(work);
        for _ in 0..workers.max(1) {
            let (receiver, work) = (receiver.clone(), work.clone());
            tokio::spawn(async move {
                loop {
                    let group = {
                        let mut receiver = receiver.lock().await;
                        let Some(first) = receiver.recv().await else {
                            break;
                        };
                        let mut group = vec![first];
                        while group.len() < limit {
                            match receiver.try_recv() {
                                Ok(next) => group.push(next),
                                Err(_) => break,
                            }
                        }
                        group
                    };
                    let (items, answers): (Vec<T>, Vec<oneshot::Sender<R>>) =
                        group.into_iter().unzip();
                    let outcomes = work(items).await;
                    // A request that gave up waiting has dropped its receiver: nothing to tell.
                    for (answer, outcome) in answers.into_iter().zip(outcomes) {
                        let _ = answer.send(outcome);
                    }
                }
            });
        }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Many submitters at once, several workers: each gets the answer to its own item, and
    /// no group is larger than the limit.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_submitter_gets_its_own_answer() {
        let largest = Arc::new(AtomicUsize::new(0));
        let seen = largest.clone();
        let doubled = Arc::new(Grouped::start(8, 3, move |items: Vec<u64>| {
            seen.fetch_max(items.len(), Ordering::Relaxed);
            async move {
                tokio::task::yield_now().await;
                items.into_iter().map(|i| i * 2).collect()
            }
        }));
        let submitters: Vec<_> = (0..200u64)
            .map(|i| {
                let doubled = doubled.clone();
                tokio::spawn(async move { (i, doubled.submit(i).await.unwrap()) })
            })
            .collect();
        for submitter in submitters {
            let (i, twice) = submitter.await.unwrap();
            assert_eq!(twice, i * 2);
        }
        let largest = largest.load(Ordering::Relaxed);
        assert!((1..=8).contains(&largest), "{largest}");
    }
}
