//! Calls out to the shell — the platform's callbacks and the screen listeners — made in order and
//! never while the core holds a lock (ANCHORS: matrix-rust-sdk #6669, uniffi-rs #2953).
//!
//! The core posts a `Callout` while it applies an event (under its turn, so the order is the order
//! of the transitions); whoever delivers takes them off the queue one by one and calls the shell
//! with nothing held, so a shell may call straight back into the core from any callback.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread::ThreadId;
use std::time::Duration;

use crate::flow::{AppFlipAnswer, ScreenView};

/// One call out to the shell.
#[derive(Debug)]
pub enum Callout {
    OpenLoginPage(String),
    OpenGoogleHome(String),
    OpenStore,
    AnswerGoogle(AppFlipAnswer),
    Screen(std::sync::Arc<ScreenView>),
}

/// The queue of calls out, and who is delivering it.
#[derive(Default)]
pub struct Outbox {
    queue: Mutex<VecDeque<Callout>>,
    /// One deliverer at a time keeps the order.
    delivering: AtomicBool,
    /// The thread inside a callback right now: a call back into the core from there must not
    /// wait for the delivery it is part of.
    delivering_on: Mutex<Option<ThreadId>>,
    posted: AtomicU64,
    delivered: AtomicU64,
    progress: tokio::sync::Notify,
}

/// How long a caller waits for its calls out to be delivered. Only a shell that blocks a
/// callback on another thread's call into the core makes it run out; then the caller goes on
/// instead of deadlocking, and the calls are still delivered, in order, when the shell lets go.
const PATIENCE: Duration = Duration::from_secs(2);

impl Outbox {
    /// Queues a call out; returns its number, to `wait_for` it.
    pub fn post(&self, callout: Callout) -> u64 {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.push_back(callout);
        self.posted.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The number of the last call out posted so far.
    pub fn last_posted(&self) -> u64 {
        self.posted.load(Ordering::SeqCst)
    }

    /// Whether this thread is inside one of the shell's callbacks.
    pub fn in_callout(&self) -> bool {
        *self.delivering_on.lock().unwrap_or_else(|e| e.into_inner()) == Some(std::thread::current().id())
    }

    /// Delivers everything queued, in order, unless another thread is delivering already (it
    /// delivers these too). No lock is held while `deliver` runs.
    pub fn drain(&self, deliver: &dyn Fn(Callout)) {
        loop {
            if self.delivering.swap(true, Ordering::AcqRel) {
                return;
            }
            *self.delivering_on.lock().unwrap_or_else(|e| e.into_inner()) = Some(std::thread::current().id());
            loop {
                // The guard is a temporary: it is gone before the shell is called.
                let next = self.queue.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
                let Some(callout) = next else { break };
                // A callback that fails (a foreign exception surfaces as a panic) must not leave
                // the outbox marked as delivering, which would stop every later screen. Release
                // builds unwind too (Cargo.toml), so this holds on the phones; the shells still
                // catch their own exceptions.
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| deliver(callout))).is_err() {
                    tracing::error!("a callback into the shell failed; going on with the next one");
                }
                self.delivered.fetch_add(1, Ordering::SeqCst);
                self.progress.notify_waiters();
            }
            *self.delivering_on.lock().unwrap_or_else(|e| e.into_inner()) = None;
            self.delivering.store(false, Ordering::Release);
            // Something posted between the last look and letting go would otherwise wait for the
            // next drain.
            if self.queue.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
                return;
            }
        }
    }

    /// Waits until call out number `target` has been delivered, or `PATIENCE` has passed.
    pub async fn wait_for(&self, target: u64) {
        let waiting = async {
            loop {
                let notified = self.progress.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.delivered.load(Ordering::SeqCst) >= target {
                    return;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(PATIENCE, waiting).await.is_err() {
            tracing::warn!("a callback is still running; going on without waiting for it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex as StdMutex};

    fn screen(title: &str) -> Callout {
        Callout::OpenLoginPage(title.into())
    }

    #[test]
    fn delivers_in_order_with_nothing_held() {
        let outbox = Arc::new(Outbox::default());
        let got = Arc::new(StdMutex::new(Vec::new()));
        for n in ["a", "b", "c"] {
            outbox.post(screen(n));
        }
        let (inner, seen) = (outbox.clone(), got.clone());
        outbox.drain(&move |c| {
            let Callout::OpenLoginPage(n) = c else { unreachable!() };
            // Posting and draining from inside a callback neither blocks nor reorders.
            if n == "a" {
                inner.post(screen("d"));
                assert!(inner.in_callout());
                inner.drain(&|_| panic!("a second deliverer ran while the first was delivering"));
            }
            seen.lock().unwrap().push(n);
        });
        assert_eq!(*got.lock().unwrap(), ["a", "b", "c", "d"]);
        assert!(!outbox.in_callout());
        assert_eq!(outbox.delivered.load(Ordering::SeqCst), outbox.last_posted());
    }

    #[test]
    fn a_failing_callback_does_not_stop_the_ones_after_it() {
        let outbox = Outbox::default();
        for n in ["a", "b"] {
            outbox.post(screen(n));
        }
        let got = StdMutex::new(Vec::new());
        outbox.drain(&|c| {
            let Callout::OpenLoginPage(n) = c else { unreachable!() };
            if n == "a" {
                panic!("no browser on this phone");
            }
            got.lock().unwrap().push(n);
        });
        assert_eq!(*got.lock().unwrap(), ["b"]);
        outbox.post(screen("c"));
        outbox.drain(&|c| got.lock().unwrap().push(format!("{c:?}")));
        assert_eq!(got.lock().unwrap().len(), 2, "the outbox still delivers");
    }

    #[tokio::test]
    async fn waiting_ends_when_delivered_or_after_patience() {
        let outbox = Arc::new(Outbox::default());
        let n = outbox.post(screen("a"));
        let deliverer = outbox.clone();
        let first = std::thread::spawn(move || deliverer.drain(&|_| std::thread::sleep(Duration::from_millis(50))));
        outbox.wait_for(n).await;
        assert_eq!(outbox.delivered.load(Ordering::SeqCst), n);
        // That deliverer would otherwise take the next call out too, with its quick callback.
        first.join().unwrap();

        // A callback that never returns cannot hold the caller for ever (10 s stands for "never":
        // far beyond the patience even on a loaded machine).
        let stuck = outbox.post(screen("b"));
        let deliverer = outbox.clone();
        std::thread::spawn(move || deliverer.drain(&|_| std::thread::sleep(Duration::from_secs(10))));
        outbox.wait_for(stuck).await;
        assert!(outbox.delivered.load(Ordering::SeqCst) < stuck, "gave up waiting instead of hanging");
    }
}
