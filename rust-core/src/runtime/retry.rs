//! The one retry policy: transient failures (network, 5xx, 429) are tried again a few times with a
//! growing pause before the user is shown a 「再試行」 screen. A server that says how long to wait
//! (`Retry-After`) is obeyed up to `MAX_ASKED_WAIT`; one asking for longer is not tried again
//! early (that would only be refused again): the user gets the 「再試行」 screen at once.

use std::future::Future;
use std::time::Duration;

/// Pauses between attempts; the number of pauses is the number of retries.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub pauses: Vec<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { pauses: vec![Duration::from_millis(200), Duration::from_millis(800)] }
    }
}

/// The longest `Retry-After` the app waits out by itself. The user is watching a busy screen:
/// half a minute is about as long as people wait without giving up on an app (and longer than
/// the 20 s a single request may take); past that the 「再試行」 screen lets them decide.
pub const MAX_ASKED_WAIT: Duration = Duration::from_secs(30);

/// A pause this long or longer is told to the user (a notice over the busy screen).
pub const TOLD_WAIT: Duration = Duration::from_secs(2);

/// What a failure says about trying again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Trying again would fail the same way.
    Final,
    /// Worth trying again; `asked` is how long the server said to wait (`Retry-After`).
    Transient { asked: Option<Duration> },
}

impl RetryPolicy {
    /// Runs `attempt` until it succeeds, fails for good, or the pauses run out. `told` hears of
    /// each pause of `TOLD_WAIT` or more before it starts.
    pub async fn run<T, E, F, Fut>(
        &self,
        verdict: impl Fn(&E) -> Verdict,
        told: impl Fn(Duration),
        mut attempt: F,
    ) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut pauses = self.pauses.iter();
        loop {
            let error = match attempt().await {
                Err(e) => e,
                ok => return ok,
            };
            let pause = match (verdict(&error), pauses.next()) {
                (Verdict::Final, _) | (_, None) => return Err(error),
                (Verdict::Transient { asked: Some(asked) }, _) if asked > MAX_ASKED_WAIT => return Err(error),
                (Verdict::Transient { asked }, Some(pause)) => asked.map_or(*pause, |asked| asked.max(*pause)),
            };
            if pause >= TOLD_WAIT {
                told(pause);
            }
            tokio::time::sleep(pause).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[tokio::test]
    async fn retries_only_transient_failures_and_gives_up() {
        let policy = RetryPolicy { pauses: vec![Duration::ZERO; 2] };
        // (failures before success, transient?, expected result, expected attempts)
        for (failures, transient, ok, attempts) in
            [(0, true, true, 1), (2, true, true, 3), (3, true, false, 3), (1, false, false, 1)]
        {
            let calls = Cell::new(0);
            let result = policy
                .run(
                    |_: &&str| if transient { Verdict::Transient { asked: None } } else { Verdict::Final },
                    |_| {},
                    || {
                        calls.set(calls.get() + 1);
                        let n = calls.get();
                        async move {
                            if n > failures {
                                Ok(n)
                            } else {
                                Err("down")
                            }
                        }
                    },
                )
                .await;
            assert_eq!(result.is_ok(), ok, "failures={failures} transient={transient}");
            assert_eq!(calls.get(), attempts);
        }
    }

    /// A server's `Retry-After` is waited out (and told) up to the cap; past the cap it is not
    /// tried again early.
    #[tokio::test]
    async fn an_asked_wait_is_kept_within_the_cap() {
        let policy = RetryPolicy { pauses: vec![Duration::from_millis(200)] };
        for (asked, attempts) in [(Duration::from_secs(2), 2), (MAX_ASKED_WAIT + Duration::from_secs(1), 1)] {
            let calls = Cell::new(0);
            let told = Cell::new(None);
            let started = std::time::Instant::now();
            let _ = policy
                .run(
                    |_: &&str| Verdict::Transient { asked: Some(asked) },
                    |pause| told.set(Some(pause)),
                    || {
                        calls.set(calls.get() + 1);
                        async { Err::<(), _>("busy") }
                    },
                )
                .await;
            assert_eq!(calls.get(), attempts, "asked {asked:?}");
            if attempts == 2 {
                assert!(started.elapsed() >= asked);
                assert_eq!(told.get(), Some(asked));
            } else {
                assert_eq!(told.get(), None);
            }
        }
    }
}
