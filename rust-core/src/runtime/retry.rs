//! The one retry policy: transient failures (network, 5xx) are tried again a few times with a
//! growing pause before the user is shown a 「再試行」 screen.

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

impl RetryPolicy {
    /// Runs `attempt` until it succeeds, fails for good, or the pauses run out.
    pub async fn run<T, E, F, Fut>(&self, is_transient: impl Fn(&E) -> bool, mut attempt: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut pauses = self.pauses.iter();
        loop {
            match attempt().await {
                Err(e) if is_transient(&e) => match pauses.next() {
                    Some(pause) => tokio::time::sleep(*pause).await,
                    None => return Err(e),
                },
                result => return result,
            }
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
                    |_: &&str| transient,
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
}
