//! "Now" for what depends on the hour (which help lines are open): the phone's clock, or one QA
//! sets and moves while the app runs (the harness's 「日本時間が…になる」).

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The system clock by default; clones of a set clock share it, so moving it moves the app's.
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// A clock standing at `secs` seconds since the epoch until it is moved.
    pub fn at(secs: i64) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(secs))))
    }

    /// Moves a set clock (a system clock cannot be moved and stays as it is).
    pub fn set(&self, secs: i64) {
        if let Some(time) = &self.0 {
            time.store(secs, Ordering::SeqCst);
        }
    }

    /// Seconds since the epoch.
    pub fn now(&self) -> i64 {
        match &self.0 {
            Some(time) => time.load(Ordering::SeqCst),
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_set_clock_moves_for_every_clone() {
        let clock = super::Clock::at(100);
        let app_side = clock.clone();
        clock.set(200);
        assert_eq!(app_side.now(), 200);
        assert!(super::Clock::default().now() > 1_700_000_000, "the system clock");
    }
}
