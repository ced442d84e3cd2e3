//! Retries: the one place that decides whether a failed attempt may be made again, and when.
//!
//! The rule that matters most: a create-report that may have reached the server is never sent
//! again unless the caller opts in, because the API returns no report id and a duplicate report
//! cannot be told apart from the first. So the decision depends on both the error and whether
//! the operation is safe to repeat:
//!
//! | failure                                          | safe to repeat (GET, DELETE, list-reports POST) | create-report (POST) |
//! |--------------------------------------------------|-------------------------------------------------|----------------------|
//! | connection failed before the request was sent    | retry                                           | retry                |
//! | 429, 503                                         | retry                                           | retry                |
//! | 500, 502, 504, attempt timeout, reset after send | retry                                           | only if opted in     |
//! | anything else                                    | no                                              | no                   |
//!
//! (Fault-matrix fix of this table: list-reports is a POST but a read, retried like a GET; the
//! table used to put it with create-report.)
//!
//! 429 and 503 are retried for every operation because they say the request was not processed.
//! A connection reset is "after send" whenever the request was written: the client cannot tell
//! whether the server read it. An undecodable 200 is not retried (for create-report it may
//! mean the report exists).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::execution::error::{Error, TimeoutPhase};

/// Whether an operation may be repeated after it may have reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Idempotency {
    /// Repeating it has no further effect (GET, DELETE, and POST-based listing).
    Idempotent,
    /// Repeating it may have a second effect (create-report).
    NonIdempotent,
}

/// A source of jitter: returns a number in `[0, 1)`. Injected so tests are deterministic.
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

/// How failed attempts are retried: full-jitter exponential backoff, bounded in attempts and in
/// total time, honouring `Retry-After`.
///
/// ```
/// use std::time::Duration;
/// use dbss_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_backoff(Duration::from_millis(200), Duration::from_secs(10))
///     .with_budget(Some(Duration::from_secs(30)));
/// assert_eq!(policy.max_attempts(), 5);
/// assert!(RetryPolicy::none().max_attempts() == 1);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    base: Duration,
    cap: Duration,
    budget: Option<Duration>,
    retry_non_idempotent: bool,
    jitter: Jitter,
}

impl Default for RetryPolicy {
    /// 3 attempts, backoff base 200 ms capped at 5 s, 60 s budget, no repeat of a create-report
    /// that may have been sent.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(5),
            budget: Some(Duration::from_secs(60)),
            retry_non_idempotent: false,
            jitter: Arc::new(fastrand::f64),
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("base", &self.base)
            .field("cap", &self.cap)
            .field("budget", &self.budget)
            .field("retry_non_idempotent", &self.retry_non_idempotent)
            .finish_non_exhaustive()
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Backoff before retry `n` (1-based) is a random duration in `[0, min(cap, base * 2^(n-1)))`.
    pub fn with_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.base = base;
        self.cap = cap.max(base);
        self
    }

    /// Total time for all attempts and waits; no retry starts that would wait past it.
    pub fn with_budget(mut self, budget: Option<Duration>) -> Self {
        self.budget = budget;
        self
    }

    /// Also retry an operation that is not safe to repeat (create-report) after failures that
    /// may have reached the server. A duplicate report may result: opt in only when that is
    /// acceptable.
    pub fn with_retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    /// Replaces the jitter source (a function returning values in `[0, 1)`), for tests.
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Attempts in all.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The total time budget.
    pub fn budget(&self) -> Option<Duration> {
        self.budget
    }

    /// Whether `error` may be retried for an operation of the given idempotency.
    pub fn should_retry(&self, error: &Error, idempotency: Idempotency) -> bool {
        let repeat_ok = idempotency == Idempotency::Idempotent || self.retry_non_idempotent;
        match error {
            // Nothing reached the server.
            Error::Connection {
                request_sent: false,
                ..
            } => true,
            Error::Timeout {
                phase: TimeoutPhase::Connect,
                ..
            } => true,
            Error::Service(e) if matches!(e.status, 429 | 503) => true,
            Error::Service(e) if matches!(e.status, 500 | 502 | 504) => repeat_ok,
            Error::Decode {
                status: Some(429 | 503),
                ..
            } => true,
            Error::Decode {
                status: Some(500 | 502 | 504),
                ..
            } => repeat_ok,
            Error::Connection {
                request_sent: true, ..
            } => repeat_ok,
            Error::Timeout {
                phase: TimeoutPhase::Attempt,
                ..
            } => repeat_ok,
            _ => false,
        }
    }

    /// The wait before retry number `retry` (1-based), given the server's `Retry-After`.
    /// Full jitter keeps many clients from retrying in step; `Retry-After`, when longer, wins.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.cap);
        let fraction = (self.jitter)().clamp(0.0, 1.0);
        let jittered = exp.mul_f64(fraction);
        match retry_after {
            Some(after) => after.max(jittered),
            None => jittered,
        }
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
    let when = jiff::fmt::rfc2822::parse(value).ok()?;
    let now = jiff::Timestamp::try_from(now).ok()?;
    let secs = when.timestamp().as_second() - now.as_second();
    Some(Duration::from_secs(secs.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execution::error::ServiceError;

    fn service(status: u16) -> Error {
        ServiceError {
            status,
            error_code: None,
            error_msg: None,
            details: vec![],
            encoded_authorization_message: None,
            request_id: None,
            retry_after: None,
        }
        .into()
    }

    #[test]
    fn create_report_is_not_repeated_after_it_may_have_been_sent() {
        let p = RetryPolicy::default();
        let post = Idempotency::NonIdempotent;
        let get = Idempotency::Idempotent;
        for status in [500, 502, 504] {
            assert!(!p.should_retry(&service(status), post), "{status}");
            assert!(p.should_retry(&service(status), get), "{status}");
        }
        for status in [429, 503] {
            assert!(p.should_retry(&service(status), post), "{status}");
        }
        for status in [400, 401, 403, 404] {
            assert!(!p.should_retry(&service(status), get), "{status}");
        }
        let sent = Error::Connection {
            request_sent: true,
            message: String::new(),
        };
        let unsent = Error::Connection {
            request_sent: false,
            message: String::new(),
        };
        assert!(!p.should_retry(&sent, post));
        assert!(p.should_retry(&unsent, post));
        let attempt_timeout = Error::Timeout {
            phase: TimeoutPhase::Attempt,
            after: Duration::from_secs(1),
        };
        assert!(!p.should_retry(&attempt_timeout, post));
        assert!(p.should_retry(&attempt_timeout, get));
        let opted_in = p.with_retry_non_idempotent(true);
        assert!(opted_in.should_retry(&sent, post));
        assert!(opted_in.should_retry(&service(500), post));
    }

    #[test]
    fn backoff_is_full_jitter_and_capped() {
        let max = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000))
            .with_jitter(Arc::new(|| 0.999_999));
        assert!(max.delay(1, None) < Duration::from_millis(100));
        assert!(max.delay(2, None) < Duration::from_millis(200));
        assert!(max.delay(3, None) >= Duration::from_millis(399));
        assert!(max.delay(30, None) <= Duration::from_millis(1000));
        assert!(max.delay(u32::MAX, None) <= Duration::from_millis(1000));
        let min = max.clone().with_jitter(Arc::new(|| 0.0));
        assert_eq!(min.delay(5, None), Duration::ZERO);
    }

    #[test]
    fn retry_after_wins_when_longer() {
        let p = RetryPolicy::default().with_jitter(Arc::new(|| 0.5));
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(784_111_777); // 1994-11-06 08:49:37Z
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
