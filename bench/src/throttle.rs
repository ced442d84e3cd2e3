//! The throttling benchmark: many tasks share one [`DbssClient`] against a `dbss-mock` that
//! throttles at N requests a second (429 `APIGW.0308` beyond that, per whole second, as the API
//! gateway does), with the client's adaptive rate limiter on or off.
//!
//! Each task creates reports back to back until the end. After a warm-up (the limiter starts
//! dormant and has to find the limit), the mock's counters are reset and the measurement
//! counts the calls that completed (a 201 after however many retries), the calls that failed
//! (retries exhausted on 429), the requests the mock received and the ones it refused. The
//! goal is completed calls/s ≥ 0.9 × N with under 5 % of the requests refused.
//!
//! The mock runs in the benchmark's process: at a few hundred requests a second neither side
//! is short of CPU, and one process keeps the script simple.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dbss_client::{Credentials, DbssClient, RateLimit};
use dbss_mock::{MockServer, Operation};
use tokio::time::Instant;

use crate::{END_TIME, START_TIME};

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct ThrottleConfig {
    /// The mock's limit, requests a second.
    pub limit: u32,
    /// Tasks sharing the client.
    pub tasks: usize,
    /// Time before the measurement starts.
    pub warmup: Duration,
    /// Length of the measurement.
    pub measure: Duration,
    /// The client's rate limiting.
    pub rate_limit: RateLimit,
}

/// What the measurement counted.
#[derive(Clone, Copy, Debug)]
pub struct ThrottleResult {
    /// Calls that succeeded during the measurement.
    pub completed: u64,
    /// Calls that failed (the last attempt throttled, or any other error).
    pub failed: u64,
    /// Requests the mock received.
    pub sent: u64,
    /// Requests the mock refused with 429.
    pub throttled: u64,
    /// The measurement's length.
    pub seconds: f64,
}

impl ThrottleResult {
    /// Completed calls a second.
    pub fn completed_per_sec(&self) -> f64 {
        self.completed as f64 / self.seconds
    }

    /// The share of requests refused, 0 to 1.
    pub fn throttled_share(&self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            self.throttled as f64 / self.sent as f64
        }
    }
}

/// Runs the benchmark (on the current runtime, which should have worker threads).
pub async fn run(config: ThrottleConfig) -> Result<ThrottleResult, String> {
    let mock = MockServer::builder()
        .throttle(config.limit)
        .report_duration(Duration::ZERO)
        .seed_reports(false)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let client = DbssClient::builder()
        .endpoint(mock.base_url())
        .project_id(mock.project_id())
        .credentials(Credentials::ak_sk(mock.ak(), mock.sk()))
        .rate_limit(config.rate_limit)
        .build()
        .map_err(|e| e.to_string())?;
    let instance = mock.instance_id().to_owned();
    let template = mock.template_id().to_owned();

    let started = Instant::now();
    let measure_from = started + config.warmup;
    let end = measure_from + config.measure;
    let completed = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(config.tasks);
    for _ in 0..config.tasks {
        let (client, instance, template) = (client.clone(), instance.clone(), template.clone());
        let (completed, failed) = (Arc::clone(&completed), Arc::clone(&failed));
        tasks.push(tokio::spawn(async move {
            while Instant::now() < end {
                let outcome = client
                    .create_report(&instance)
                    .template(&template)
                    .time_range(START_TIME, END_TIME)
                    .send()
                    .await;
                let now = Instant::now();
                if now < measure_from || now >= end {
                    continue;
                }
                match outcome {
                    Ok(_) => completed.fetch_add(1, Ordering::Relaxed),
                    Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    tokio::time::sleep_until(measure_from).await;
    mock.reset_counters();
    tokio::time::sleep_until(end).await;
    let sent = mock.requests(Operation::CreateReport);
    let throttled = mock.throttled_requests();
    for task in tasks {
        task.await.map_err(|e| e.to_string())?;
    }
    Ok(ThrottleResult {
        completed: completed.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        sent,
        throttled,
        seconds: config.measure.as_secs_f64(),
    })
}
