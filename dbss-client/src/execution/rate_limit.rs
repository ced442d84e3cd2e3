//! Client-side rate limiting under throttling: the adaptive mode of the AWS SDKs (a token
//! bucket whose fill rate follows the service's 429s with CUBIC congestion control), shared by
//! every task that uses one [`DbssClient`](crate::DbssClient).
//!
//! Until the service first throttles, the bucket is off and costs one uncontended lock per
//! response (to measure the sending rate). On a 429 the rate drops to 70 % of what was being
//! sent and the bucket turns on; every success then lets the rate grow again along a cubic
//! curve that is flat near the rate that was throttled and steep away from it, so the client
//! settles just under the service's limit instead of storming it with retries. Each attempt
//! takes one token before it is sent. Tasks that find the bucket empty queue in the order they
//! came (a fair async mutex); the first in the queue sleeps until its token is due, but at most
//! [`MAX_POLL`] at a time, so that a rate that grows meanwhile applies at once (a fixed
//! reservation made at a low rate would keep the 256th waiter asleep for minutes after the
//! rate recovered).
//!
//! Two departures from the AWS SDKs, both for services that count requests per second (as the
//! API gateway in front of DBSS does): after a cut, further 429s within a second do not cut
//! again (they answer requests of the same counting window: without this, one window of 429s
//! cuts the rate by 0.7 per refused request), and the bucket holds a tenth of a second of
//! sending, not a second (a full bucket plus its refill would be twice the limit in one
//! window). And a throttle before the first half-second of sending has been measured takes
//! the rate sent so far (requests over time since the first one, at least 0.1 s), where the
//! AWS SDKs take zero: with many tasks the first 429 comes within milliseconds, and starting
//! from the floor rate (0.5/s) caps the growth at twice a measured rate that the floor itself
//! keeps near zero.
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
/// The longest the first waiting task sleeps before it looks at the bucket again.
const MAX_POLL: Duration = Duration::from_millis(50);
/// The shortest span a first measurement of the sending rate is taken over.
const MIN_FIRST_SPAN: f64 = 0.1;

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
    /// The tasks waiting for a token, in order (tokio's mutex is fair).
    queue: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct State {
    enabled: bool,
    fill_rate: f64,
    max_capacity: f64,
    capacity: f64,
    last_refill: Instant,
    /// The measured sending rate, smoothed, in requests per second.
    measured_rate: f64,
    /// Whether `measured_rate` holds a measurement yet.
    measured: bool,
    /// When the first response was recorded (seconds since `epoch`).
    first_seen: Option<f64>,
    /// Responses recorded so far, until the first measurement.
    seen: f64,
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
                measured: false,
                first_seen: None,
                seen: 0.0,
                rate_bucket: 0.0,
                bucket_requests: 0.0,
                last_max_rate: 0.0,
                last_throttle: 0.0,
                time_window: 0.0,
                epoch: now,
            }),
            queue: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits for a token, when the bucket is on.
    pub(crate) async fn acquire(&self) {
        if self.try_take().is_none() {
            return;
        }
        // Boxed: the wait is rare, and its future would otherwise grow every attempt's.
        Box::pin(self.wait_for_token()).await;
    }

    async fn wait_for_token(&self) {
        let _turn = self.queue.lock().await;
        while let Some(wait) = self.try_take() {
            tracing::trace!(?wait, "rate limited by the client");
            tokio::time::sleep(wait.min(MAX_POLL)).await;
        }
    }

    /// Takes a token if the bucket is off or holds one (`None`), else says how long until the
    /// next one at the current rate.
    fn try_take(&self) -> Option<Duration> {
        let Ok(mut s) = self.state.lock() else {
            return None;
        };
        if !s.enabled {
            return None;
        }
        s.refill(Instant::now());
        if s.capacity >= 1.0 {
            s.capacity -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - s.capacity) / s.fill_rate))
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
            let sending = s.sending_rate(t);
            let rate = if s.enabled {
                sending.min(s.fill_rate)
            } else {
                sending
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
        let new_rate = rate.min(2.0 * s.sending_rate(t));
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
        if !self.measured {
            self.first_seen.get_or_insert(t);
            self.seen += 1.0;
        }
        if bucket > self.rate_bucket {
            let current = self.bucket_requests / (bucket - self.rate_bucket);
            self.measured_rate = current * SMOOTH + self.measured_rate * (1.0 - SMOOTH);
            self.measured = true;
            self.bucket_requests = 0.0;
            self.rate_bucket = bucket;
        }
    }

    /// The measured rate, or before the first measurement the rate of the responses so far.
    fn sending_rate(&self, t: f64) -> f64 {
        match (self.measured, self.first_seen) {
            (false, Some(first)) => self.seen / (t - first).max(MIN_FIRST_SPAN),
            _ => self.measured_rate,
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

    /// 256 tasks share the limiter against a service counting 200 requests a second (each
    /// request 5 ms): after a few seconds they send at 0.9 to 1.0 times the limit with under
    /// 5 % refused, and once they stop, the queue drains at the rate (256 waiters at ~190/s:
    /// under 2 s; a fixed reservation made at a low rate would keep some asleep for minutes).
    #[tokio::test(start_paused = true)]
    async fn many_tasks_settle_under_the_limit_and_none_is_left_waiting() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU32, Ordering};

        let limiter = Arc::new(AdaptiveLimiter::new());
        let start = Instant::now();
        let (warmup, end) = (
            start + Duration::from_secs(10),
            start + Duration::from_secs(40),
        );
        let window = Arc::new(Mutex::new((0u64, 0u32)));
        let (sent, throttled) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
        let tasks: Vec<_> = (0..256)
            .map(|_| {
                let (limiter, window) = (Arc::clone(&limiter), Arc::clone(&window));
                let (sent, throttled) = (Arc::clone(&sent), Arc::clone(&throttled));
                tokio::spawn(async move {
                    while Instant::now() < end {
                        limiter.acquire().await;
                        let now = Instant::now();
                        let refused = {
                            let mut w = window.lock().unwrap();
                            let index = now.duration_since(start).as_secs();
                            if w.0 != index {
                                *w = (index, 0);
                            }
                            w.1 += 1;
                            w.1 > 200
                        };
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        limiter.record(refused);
                        if now >= warmup && now < end {
                            sent.fetch_add(1, Ordering::Relaxed);
                            throttled.fetch_add(u32::from(refused), Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let rate = f64::from(sent.load(Ordering::Relaxed)) / 30.0;
        let refused =
            f64::from(throttled.load(Ordering::Relaxed)) / f64::from(sent.load(Ordering::Relaxed));
        assert!(
            (180.0..=205.0).contains(&rate),
            "sent {rate}/s against a limit of 200/s"
        );
        assert!(refused < 0.05, "{:.1} % refused", refused * 100.0);
        assert!(
            Instant::now() < end + Duration::from_secs(2),
            "tasks were still waiting {:?} after the end",
            Instant::now() - end
        );
    }
}
