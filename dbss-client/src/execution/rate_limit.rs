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
        if self.try_take(Instant::now()).is_none() {
            return;
        }
        // Boxed: the wait is rare, and its future would otherwise grow every attempt's.
        Box::pin(self.wait_for_token()).await;
    }

    async fn wait_for_token(&self) {
        let _turn = self.queue.lock().await;
        while let Some(wait) = self.try_take(Instant::now()) {
            tracing::trace!(?wait, "rate limited by the client");
            tokio::time::sleep(poll_after(wait)).await;
        }
    }

    /// Takes a token if the bucket is off or holds one (`None`), else says how long until the
    /// next one at the current rate. `now` is a parameter so that the tests can drive the
    /// bucket through minutes of simulated sending without a simulated clock in tokio.
    fn try_take(&self, now: Instant) -> Option<Duration> {
        let Ok(mut s) = self.state.lock() else {
            return None;
        };
        if !s.enabled {
            return None;
        }
        s.refill(now);
        if s.capacity >= 1.0 {
            s.capacity -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - s.capacity) / s.fill_rate))
        }
    }

    /// Feeds the outcome of one response: `throttled` for a 429.
    pub(crate) fn record(&self, throttled: bool) {
        self.record_at(throttled, Instant::now());
    }

    fn record_at(&self, throttled: bool, now: Instant) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
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

/// How long the first waiting task sleeps before it looks at the bucket again, when the next
/// token is `wait` away at the current rate.
fn poll_after(wait: Duration) -> Duration {
    wait.min(MAX_POLL)
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
    //! The bucket is driven on simulated time: each test moves its own `now` forward and
    //! hands it to the limiter, so a minute of sending at 200 requests a second takes
    //! milliseconds and gives the same numbers on any machine. The simulations take a token the
    //! way [`AdaptiveLimiter::acquire`] does: at once if the bucket gives one, else as the
    //! first in the queue, looking again after [`poll_after`].
    #![allow(clippy::unwrap_used)]
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, VecDeque};

    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    /// When the first in the queue looks again after being told `wait`. A token less than a
    /// nanosecond away is a zero `wait`; a real clock has moved on by the next look, a
    /// simulated one must be moved.
    fn next_look(now: Instant, wait: Duration) -> Instant {
        now + poll_after(wait).max(Duration::from_nanos(1))
    }

    /// One task sends for `seconds` from `now`, each request taking 1 ms (an unlimited client
    /// would send 1000/s), against a service that refuses what goes beyond `limit` in each
    /// one-second window; returns the requests sent and refused. `now` ends where it stopped.
    fn drive(limiter: &AdaptiveLimiter, now: &mut Instant, seconds: u64, limit: f64) -> (u32, u32) {
        let (mut sent, mut throttled) = (0u32, 0u32);
        let end = *now + Duration::from_secs(seconds);
        let mut window_start = *now;
        let mut in_window = 0.0;
        while *now < end {
            while let Some(wait) = limiter.try_take(*now) {
                *now = next_look(*now, wait);
            }
            if now.duration_since(window_start) >= SECOND {
                window_start = *now;
                in_window = 0.0;
            }
            in_window += 1.0;
            let refused = in_window > limit;
            limiter.record_at(refused, *now);
            sent += 1;
            throttled += u32::from(refused);
            *now += Duration::from_millis(1);
        }
        (sent, throttled)
    }

    #[test]
    fn dormant_until_the_first_throttle() {
        let limiter = AdaptiveLimiter::new();
        let mut now = Instant::now();
        for _ in 0..100 {
            assert_eq!(limiter.try_take(now), None, "no wait while dormant");
            limiter.record_at(false, now);
            now += Duration::from_millis(1);
        }
        assert_eq!(limiter.rate(), None);
        limiter.record_at(true, now);
        assert!(limiter.rate().is_some());
    }

    #[test]
    fn settles_under_the_limit_with_few_refusals() {
        let limiter = AdaptiveLimiter::new();
        let mut now = Instant::now();
        drive(&limiter, &mut now, 20, 200.0);
        let (sent, throttled) = drive(&limiter, &mut now, 60, 200.0);
        let rate = f64::from(sent) / 60.0;
        assert!(rate > 0.9 * 200.0, "sent {rate}/s against a limit of 200/s");
        assert!(rate <= 205.0, "sent {rate}/s against a limit of 200/s");
        let refused = f64::from(throttled) / f64::from(sent);
        assert!(refused < 0.05, "{:.1} % refused", refused * 100.0);
        let fill = limiter.rate().unwrap();
        assert!((100.0..=300.0).contains(&fill), "fill rate {fill}");
    }

    #[test]
    fn the_rate_grows_back_after_throttling_stops() {
        let limiter = AdaptiveLimiter::new();
        let mut now = Instant::now();
        drive(&limiter, &mut now, 10, 50.0);
        let low = limiter.rate().unwrap();
        drive(&limiter, &mut now, 20, 1_000_000.0);
        let high = limiter.rate().unwrap();
        assert!(high > 2.0 * low, "{low} -> {high}");
    }

    /// What a simulated task does next.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    enum Step {
        /// Asks for a token (`acquire`'s first try).
        Acquire,
        /// As the first in the queue, looks at the bucket again.
        Poll,
        /// Its request, sent when it got its token, is answered.
        Answer { refused: bool, sent_at: Instant },
    }

    /// 256 tasks share the limiter against a service counting 200 requests a second (each
    /// request 5 ms): after a few seconds they send at 0.9 to 1.0 times the limit with under
    /// 5 % refused, and once they stop, the queue drains at the rate (256 waiters at ~190/s:
    /// under 2 s; a fixed reservation made at a low rate would keep some asleep for minutes).
    #[test]
    fn many_tasks_settle_under_the_limit_and_none_is_left_waiting() {
        const TASKS: usize = 256;
        const LIMIT: u32 = 200;
        let request = Duration::from_millis(5);
        let limiter = AdaptiveLimiter::new();
        let start = Instant::now();
        let (warmup, end) = (start + 10 * SECOND, start + 40 * SECOND);
        // Events in time order; the sequence number keeps those of one instant in the order
        // they were scheduled.
        let mut events = BinaryHeap::new();
        let mut sequence = 0u64;
        let mut schedule = |events: &mut BinaryHeap<_>, at: Instant, task: usize, step: Step| {
            sequence += 1;
            events.push(Reverse((at, sequence, task, step)));
        };
        for task in 0..TASKS {
            schedule(&mut events, start, task, Step::Acquire);
        }
        let mut queue: VecDeque<usize> = VecDeque::new();
        let mut window = (0u64, 0u32);
        let (mut sent, mut throttled) = (0u32, 0u32);
        let mut last = start;
        // Sends the request of `task`, which holds a token at `now`.
        let send = |now: Instant, window: &mut (u64, u32)| {
            let index = now.duration_since(start).as_secs();
            if window.0 != index {
                *window = (index, 0);
            }
            window.1 += 1;
            Step::Answer {
                refused: window.1 > LIMIT,
                sent_at: now,
            }
        };
        while let Some(Reverse((now, _, task, step))) = events.pop() {
            last = now;
            match step {
                Step::Acquire => match limiter.try_take(now) {
                    None => {
                        let answer = send(now, &mut window);
                        schedule(&mut events, now + request, task, answer);
                    }
                    Some(_) => {
                        queue.push_back(task);
                        if queue.len() == 1 {
                            schedule(&mut events, now, task, Step::Poll);
                        }
                    }
                },
                Step::Poll => match limiter.try_take(now) {
                    None => {
                        queue.pop_front();
                        let answer = send(now, &mut window);
                        schedule(&mut events, now + request, task, answer);
                        if let Some(&next) = queue.front() {
                            schedule(&mut events, now, next, Step::Poll);
                        }
                    }
                    Some(wait) => schedule(&mut events, next_look(now, wait), task, Step::Poll),
                },
                Step::Answer { refused, sent_at } => {
                    limiter.record_at(refused, now);
                    if sent_at >= warmup && sent_at < end {
                        sent += 1;
                        throttled += u32::from(refused);
                    }
                    if now < end {
                        schedule(&mut events, now, task, Step::Acquire);
                    }
                }
            }
        }
        let rate = f64::from(sent) / 30.0;
        let refused = f64::from(throttled) / f64::from(sent);
        assert!(
            (180.0..=205.0).contains(&rate),
            "sent {rate}/s against a limit of 200/s"
        );
        assert!(refused < 0.05, "{:.1} % refused", refused * 100.0);
        assert!(queue.is_empty());
        assert!(
            last < end + 2 * SECOND,
            "tasks were still waiting {:?} after the end",
            last - end
        );
    }
}

/// `acquire` itself, on tokio's real clock: only lower bounds on the time taken (a sleep never
/// ends early), and a generous deadline that only a hang would reach.
#[cfg(test)]
mod acquire_tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use super::*;

    /// A limiter whose bucket is on, empty, and refills at `rate` tokens a second.
    fn empty_bucket(rate: f64) -> AdaptiveLimiter {
        let limiter = AdaptiveLimiter::new();
        {
            let mut s = limiter.state.lock().unwrap();
            s.enabled = true;
            s.fill_rate = rate;
            s.max_capacity = 1.0;
            s.capacity = 0.0;
            s.last_refill = Instant::now();
        }
        limiter
    }

    #[tokio::test]
    async fn a_dormant_bucket_never_waits() {
        let limiter = AdaptiveLimiter::new();
        for _ in 0..1000 {
            limiter.acquire().await;
        }
        assert_eq!(limiter.rate(), None);
    }

    /// 20 tasks queue on an empty bucket refilled at 200 tokens a second: each gets its token
    /// (none is left waiting), and all 20 together take at least the 100 ms those tokens need.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_tasks_each_get_a_token_at_the_rate() {
        let limiter = Arc::new(empty_bucket(200.0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                tokio::spawn(async move { limiter.acquire().await })
            })
            .collect();
        let all = futures::future::join_all(tasks);
        let done = tokio::time::timeout(Duration::from_secs(30), all)
            .await
            .expect("every queued task gets its token");
        assert!(done.iter().all(Result::is_ok));
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(95),
            "20 tokens at 200/s came in {took:?}"
        );
    }
}
