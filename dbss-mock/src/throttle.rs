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
        let now = Instant::now();
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
        if let Ok(mut w) = self.window.lock() {
            *w = Window {
                limit,
                origin: Instant::now(),
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

    #[tokio::test(start_paused = true)]
    async fn admits_the_limit_in_each_window_and_refuses_the_rest() {
        let throttle = Throttle::new(Some(3));
        let first: Vec<bool> = (0..5).map(|_| throttle.admit()).collect();
        assert_eq!(first, [true, true, true, false, false]);
        tokio::time::advance(Duration::from_millis(999)).await;
        assert!(!throttle.admit(), "still the first window");
        tokio::time::advance(Duration::from_millis(1)).await;
        let second: Vec<bool> = (0..4).map(|_| throttle.admit()).collect();
        assert_eq!(second, [true, true, true, false]);
        assert_eq!(throttle.refused(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn no_limit_admits_everything_and_a_new_limit_starts_a_window() {
        let throttle = Throttle::new(None);
        assert!((0..1000).all(|_| throttle.admit()));
        assert_eq!(throttle.refused(), 0);
        tokio::time::advance(Duration::from_millis(700)).await;
        throttle.set_limit(Some(1));
        assert!(throttle.admit());
        assert!(!throttle.admit());
        tokio::time::advance(Duration::from_millis(999)).await;
        assert!(!throttle.admit(), "the window began at set_limit");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(throttle.admit());
        assert_eq!(throttle.limit(), Some(1));
    }
}
