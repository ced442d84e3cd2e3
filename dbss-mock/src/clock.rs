//! The mock's sense of time, injectable so tests control report progress and signature expiry
//! without sleeping.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

/// Where the mock reads the current time: report progress (`percentum`), `finish_time`, and the
/// `X-Sdk-Date` expiry check all use it.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when told to. Clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use dbss_mock::ManualClock;
///
/// let clock = ManualClock::starting_now();
/// let before = clock.get();
/// clock.advance(Duration::from_secs(30));
/// assert_eq!(clock.get().duration_since(before).ok(), Some(Duration::from_secs(30)));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: SystemTime) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    /// A clock standing at the current system time, so that requests signed with the real clock
    /// verify until the test moves it more than 15 minutes.
    pub fn starting_now() -> Self {
        Self::new(SystemTime::now())
    }

    /// The time the clock stands at.
    pub fn get(&self) -> SystemTime {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }

    /// Sets the clock to `to` (which may be in the past).
    pub fn set(&self, to: SystemTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.get()
    }
}
