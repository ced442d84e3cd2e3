//! Load on the audit data of a running `dbss-mock`: requests/s of one page of audited SQL
//! statements (ListAuditSqlsNew, 1,000 rows by default), the figure BENCHMARKS.md reports.
//!
//! ```sh
//! dbss-mock --port 18080 --instances 1000 --audit-rows 1000000 &
//! cargo run --release -p dbss-mock --example audit_load -- http://127.0.0.1:18080 \
//!     [REQUESTS=2000] [CONCURRENCY=4] [SIZE=1000] [FILTER_JSON]
//! ```
//!
//! Uses the mock's default project, instance and token; every page is read in full and parsed
//! as JSON (so the client's cost is in the numbers too: it runs on the same machine).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use dbss_mock::{DEFAULT_PROJECT_ID, DEFAULT_TOKEN};
use serde_json::{Value, json};

/// The id of the mock's first instance (the document's example).
const INSTANCE: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let base = args
        .first()
        .cloned()
        .unwrap_or("http://127.0.0.1:18080".into());
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let requests = arg(1, 2000);
    let concurrency = arg(2, 4).max(1);
    let size = arg(3, 1000);
    let mut body =
        json!({"page": 1, "size": size, "time": {"time_range": "MONTH"}, "time_order": "DESC"});
    if let Some(filter) = args
        .get(4)
        .and_then(|f| serde_json::from_str::<Value>(f).ok())
        && let (Some(b), Some(f)) = (body.as_object_mut(), filter.as_object())
    {
        b.extend(f.clone());
    }
    let url = format!("{base}/v2/{DEFAULT_PROJECT_ID}/audit/{INSTANCE}/sqls");
    // The workspace's reqwest has TLS without a default crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().build().unwrap();
    let body = Arc::new(serde_json::to_vec(&body).unwrap());

    let send = |client: reqwest::Client, url: String, body: Arc<Vec<u8>>| async move {
        let started = Instant::now();
        let response = client
            .post(&url)
            .header("X-Auth-Token", DEFAULT_TOKEN)
            .header("Content-Type", "application/json")
            .body(body.as_ref().clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        let page: Value = serde_json::from_slice(&bytes).unwrap();
        (
            started.elapsed(),
            page["sqls"].as_array().map_or(0, Vec::len),
            bytes.len(),
        )
    };
    // Warm-up.
    let (_, rows, bytes) = send(client.clone(), url.clone(), body.clone()).await;

    let started = Instant::now();
    let per_task = requests.div_ceil(concurrency);
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, url, body) = (client.clone(), url.clone(), body.clone());
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(per_task);
                for _ in 0..per_task {
                    times.push(send(client.clone(), url.clone(), body.clone()).await.0);
                }
                times
            })
        })
        .collect();
    let mut times: Vec<Duration> = Vec::new();
    for task in tasks {
        times.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{} requests, concurrency {concurrency}, {rows} rows ({bytes} bytes) a page: {:.0} requests/s, p50 {:?}, p99 {:?}",
        times.len(),
        times.len() as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.99)
    );
}
