//! Throttling as the API gateway in front of DBSS does it: at most N requests a second for the
//! whole server, counted in one-second windows from the server's start; every request beyond
//! that in the same window gets 429 `APIGW.0308` before anything else happens to it (faults,
//! authentication, validation). Only DBSS operations count, not the identity stand-ins.
//!
//! A fixed window rather than a token bucket because that is what "N requests per second"
//! means to a user reading a quota, and what a client-side limiter has to cope with: a burst at
//! the start of each second passes, the rest of that second is refused.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::time::Instant;

/// The limit and the count of the current window.
#[derive(Debug)]
pub(crate) struct Throttle {
    window: Mutex<Window>,
    refused: AtomicU64,
}

#[derive(Debug)]
struct Window {
    /// Requests a second; `None`: no throttling.
    limit: Option<u32>,
    /// When the first window began (windows are whole seconds from here).
    origin: Instant,
    /// Index of the current window.
    index: u64,
    /// Requests admitted in it.
    admitted: u32,
}

impl Throttle {
    pub(crate) fn new(limit: Option<u32>) -> Self {
        Self {
            window: Mutex::new(Window {
                limit,
                origin: Instant::now(),
                index: 0,
                admitted: 0,
            }),
            refused: AtomicU64::new(0),
        }
    }

    /// Whether a request arriving now is let through; counts it either way.
    pub(crate) fn admit(&self) -> bool {
        self.admit_at(Instant::now())
    }

    /// [`Throttle::admit`] for a request arriving at `now` (a parameter, so that the tests can
    /// step through windows without waiting for them).
    fn admit_at(&self, now: Instant) -> bool {
        let Ok(mut w) = self.window.lock() else {
            return true;
        };
        let Some(limit) = w.limit else {
            return true;
        };
        let index = now.saturating_duration_since(w.origin).as_secs();
        if index != w.index {
            w.index = index;
            w.admitted = 0;
        }
        if w.admitted < limit {
            w.admitted += 1;
            true
        } else {
            drop(w);
            self.refused.fetch_add(1, Ordering::SeqCst);
            false
        }
    }

    /// Changes the limit; the count starts again in a new window from now.
    pub(crate) fn set_limit(&self, limit: Option<u32>) {
        self.set_limit_at(limit, Instant::now());
    }

    fn set_limit_at(&self, limit: Option<u32>, now: Instant) {
        if let Ok(mut w) = self.window.lock() {
            *w = Window {
                limit,
                origin: now,
                index: 0,
                admitted: 0,
            };
        }
    }

    /// The limit in force.
    pub(crate) fn limit(&self) -> Option<u32> {
        self.window.lock().ok().and_then(|w| w.limit)
    }

    /// Requests refused with 429 so far.
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    pub(crate) fn reset_refused(&self) {
        self.refused.store(0, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn admits_the_limit_in_each_window_and_refuses_the_rest() {
        let throttle = Throttle::new(Some(3));
        let start = throttle.window.lock().unwrap().origin;
        let first: Vec<bool> = (0..5).map(|_| throttle.admit_at(start)).collect();
        assert_eq!(first, [true, true, true, false, false]);
        assert!(
            !throttle.admit_at(start + ms(999)),
            "still the first window"
        );
        let second: Vec<bool> = (0..4)
            .map(|_| throttle.admit_at(start + ms(1000)))
            .collect();
        assert_eq!(second, [true, true, true, false]);
        assert_eq!(throttle.refused(), 4);
    }

    #[test]
    fn no_limit_admits_everything_and_a_new_limit_starts_a_window() {
        let throttle = Throttle::new(None);
        let start = Instant::now();
        assert!((0..1000).all(|_| throttle.admit_at(start)));
        assert_eq!(throttle.refused(), 0);
        let set = start + ms(700);
        throttle.set_limit_at(Some(1), set);
        assert!(throttle.admit_at(set));
        assert!(!throttle.admit_at(set));
        assert!(
            !throttle.admit_at(set + ms(999)),
            "the window began at set_limit"
        );
        assert!(throttle.admit_at(set + ms(1000)));
        assert_eq!(throttle.limit(), Some(1));
    }
}
