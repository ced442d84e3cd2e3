//! Client-side rate limiting under throttling: the adaptive mode of the AWS SDKs (a token
//! bucket whose fill rate follows the service's 429s with CUBIC congestion control), shared by
//! every task that uses one [`DbssClient`](crate::DbssClient).
//!
//! Until the service first throttles, the bucket is off and costs one uncontended lock per
//! response (to measure the sending rate). On a 429 the rate drops to 70 % of what was being
//! sent and the bucket turns on; every success then lets the rate grow again along a cubic
//! curve that is flat near the rate that was throttled and steep away from it, so the client
//! settles just under the service's limit instead of storming it with retries. Each attempt
//! takes one token before it is sent; a task that finds the bucket empty waits for its token
//! (a reservation: waiting tasks are served in the order they asked).
//!
//! Two departures from the AWS SDKs, both for services that count requests per second (as the
//! API gateway in front of DBSS does): after a cut, further 429s within a second do not cut
//! again (they answer requests of the same counting window: without this, one window of 429s
//! cuts the rate by 0.7 per refused request), and the bucket holds a tenth of a second of
//! sending, not a second (a full bucket plus its refill would be twice the limit in one
//! window). As in the AWS SDKs, a throttle before any rate was measured starts again from the
//! floor (0.5/s) and the rate takes a few seconds to climb back.
//!
//! Off by default, as in the AWS SDKs (where adaptive mode is opt-in): a client that sends a
//! few requests gains nothing from it, and one early 429 would slow its next requests to the
//! floor rate for seconds. Turn it on ([`RateLimit::Adaptive`]) for a client shared by many
//! tasks against a throttled API, where it turns a storm of 429s and retries into a steady
//! rate just under the limit.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The lowest fill rate, in requests per second: a throttled client still makes progress.
const MIN_FILL_RATE: f64 = 0.5;
/// The smallest bucket.
const MIN_CAPACITY: f64 = 1.0;
/// Weight of the newest measurement of the sending rate.
const SMOOTH: f64 = 0.8;
/// How much of the throttled rate is kept after a throttle.
const BETA: f64 = 0.7;
/// The CUBIC scale constant.
const SCALE_CONSTANT: f64 = 0.4;
/// After a cut, further 429s during this many seconds do not cut again (services count per
/// second, so the rest of that second is refused whatever the client does now).
const HOLD_AFTER_CUT: f64 = 1.0;
/// How many seconds of sending the bucket holds. The AWS SDKs hold one second; a service that
/// counts requests per second then sees up to twice its limit in one second after an idle
/// spell (a full bucket, then the refill), and refuses the excess. A tenth of a second keeps
/// bursts under the limit.
const BURST_SECONDS: f64 = 0.1;

/// Whether a client limits its own request rate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimit {
    /// The adaptive token bucket, dormant until the first 429.
    Adaptive,
    /// No client-side limit: every attempt is sent at once (the default).
    #[default]
    Off,
}

/// The adaptive limiter of one client.
#[derive(Debug)]
pub(crate) struct AdaptiveLimiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    enabled: bool,
    fill_rate: f64,
    max_capacity: f64,
    /// May be negative: tokens reserved by waiting tasks.
    capacity: f64,
    last_refill: Instant,
    /// The measured sending rate, smoothed, in requests per second.
    measured_rate: f64,
    /// Start of the current half-second measuring bucket, in seconds since `epoch`.
    rate_bucket: f64,
    bucket_requests: f64,
    /// The rate at the last throttle, and when it happened (seconds since `epoch`).
    last_max_rate: f64,
    last_throttle: f64,
    time_window: f64,
    epoch: Instant,
}

impl AdaptiveLimiter {
    pub(crate) fn new() -> Self {
        let now = Instant::now();
        Self {
            state: Mutex::new(State {
                enabled: false,
                fill_rate: MIN_FILL_RATE,
                max_capacity: MIN_CAPACITY,
                capacity: MIN_CAPACITY,
                last_refill: now,
                measured_rate: 0.0,
                rate_bucket: 0.0,
                bucket_requests: 0.0,
                last_max_rate: 0.0,
                last_throttle: 0.0,
                time_window: 0.0,
                epoch: now,
            }),
        }
    }

    /// Waits for a token, when the bucket is on.
    pub(crate) async fn acquire(&self) {
        let wait = {
            let Ok(mut s) = self.state.lock() else {
                return;
            };
            if !s.enabled {
                return;
            }
            let now = Instant::now();
            s.refill(now);
            s.capacity -= 1.0;
            (s.capacity < 0.0).then(|| Duration::from_secs_f64(-s.capacity / s.fill_rate))
        };
        if let Some(wait) = wait {
            tracing::trace!(?wait, "rate limited by the client");
            tokio::time::sleep(wait).await;
        }
    }

    /// Feeds the outcome of one response: `throttled` for a 429.
    pub(crate) fn record(&self, throttled: bool) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        let now = Instant::now();
        let t = now.duration_since(s.epoch).as_secs_f64();
        s.measure(t);
        if throttled && s.enabled && t - s.last_throttle < HOLD_AFTER_CUT {
            // The answer to a request sent at the old rate, or in the same window of the
            // service's count: one cut per window, else one full window of 429s would cut the
            // rate again and again (0.7^n).
            return;
        }
        let rate = if throttled {
            let rate = if s.enabled {
                s.measured_rate.min(s.fill_rate)
            } else {
                s.measured_rate
            };
            s.last_max_rate = rate;
            s.time_window = ((rate * (1.0 - BETA)) / SCALE_CONSTANT).cbrt();
            s.last_throttle = t;
            if !s.enabled {
                tracing::debug!(rate, "throttled: client-side rate limiting on");
            }
            s.enabled = true;
            rate * BETA
        } else if s.enabled {
            let dt = t - s.last_throttle - s.time_window;
            SCALE_CONSTANT * dt * dt * dt + s.last_max_rate
        } else {
            return;
        };
        let new_rate = rate.min(2.0 * s.measured_rate);
        s.refill(now);
        s.fill_rate = new_rate.max(MIN_FILL_RATE);
        s.max_capacity = (new_rate * BURST_SECONDS).max(MIN_CAPACITY);
        s.capacity = s.capacity.min(s.max_capacity);
    }

    /// The current fill rate when the bucket is on (for tests and logs).
    #[cfg(test)]
    fn rate(&self) -> Option<f64> {
        let s = self.state.lock().ok()?;
        s.enabled.then_some(s.fill_rate)
    }
}

impl State {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.duration_since(self.last_refill).as_secs_f64();
        self.capacity = (self.capacity + elapsed * self.fill_rate).min(self.max_capacity);
        self.last_refill = now;
    }

    /// The sending rate, measured over half-second buckets and smoothed.
    fn measure(&mut self, t: f64) {
        let bucket = (t * 2.0).floor() / 2.0;
        self.bucket_requests += 1.0;
        if bucket > self.rate_bucket {
            let current = self.bucket_requests / (bucket - self.rate_bucket);
            self.measured_rate = current * SMOOTH + self.measured_rate * (1.0 - SMOOTH);
            self.bucket_requests = 0.0;
            self.rate_bucket = bucket;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Sends at `per_second` for `seconds`, throttled above `limit`, and returns the rates seen.
    async fn drive(limiter: &AdaptiveLimiter, seconds: u32, limit: f64) -> (u32, u32) {
        let (mut sent, mut throttled) = (0u32, 0u32);
        let start = Instant::now();
        let mut window_start = start;
        let mut in_window = 0.0;
        while start.elapsed() < Duration::from_secs(seconds.into()) {
            limiter.acquire().await;
            if window_start.elapsed() >= Duration::from_secs(1) {
                window_start = Instant::now();
                in_window = 0.0;
            }
            in_window += 1.0;
            let refused = in_window > limit;
            limiter.record(refused);
            sent += 1;
            throttled += u32::from(refused);
            // A request takes 1 ms: an unlimited client would send 1000/s.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        (sent, throttled)
    }

    #[tokio::test(start_paused = true)]
    async fn dormant_until_the_first_throttle() {
        let limiter = AdaptiveLimiter::new();
        for _ in 0..100 {
            limiter.acquire().await;
            limiter.record(false);
        }
        assert_eq!(limiter.rate(), None);
        limiter.record(true);
        assert!(limiter.rate().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn settles_under_the_limit_with_few_refusals() {
        let limiter = AdaptiveLimiter::new();
        // The first throttle comes before any rate was measured, so the rate starts again from
        // the floor and takes about ten seconds to reach the limit (as in the AWS SDKs).
        drive(&limiter, 20, 200.0).await;
        let (sent, throttled) = drive(&limiter, 60, 200.0).await;
        let rate = f64::from(sent) / 60.0;
        assert!(rate > 0.9 * 200.0, "sent {rate}/s against a limit of 200/s");
        assert!(rate <= 205.0, "sent {rate}/s against a limit of 200/s");
        let refused = f64::from(throttled) / f64::from(sent);
        assert!(refused < 0.05, "{:.1} % refused", refused * 100.0);
        let fill = limiter.rate().unwrap();
        assert!((100.0..=300.0).contains(&fill), "fill rate {fill}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_grows_back_after_throttling_stops() {
        let limiter = AdaptiveLimiter::new();
        drive(&limiter, 10, 50.0).await;
        let low = limiter.rate().unwrap();
        drive(&limiter, 20, 1_000_000.0).await;
        let high = limiter.rate().unwrap();
        assert!(high > 2.0 * low, "{low} -> {high}");
    }
}
