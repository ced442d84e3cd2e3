//! The load benchmark: N create-report calls at a given concurrency, through the SDK or through
//! bare reqwest, with per-request latencies.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use dbss_client::{Credentials, DbssClient};
use dbss_signer::{SignableRequest, SigningParams, SigningTime};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::{AK, END_TIME, INSTANCE_ID, PROJECT_ID, SK, START_TIME, TEMPLATE_ID, USER_AGENT};

/// Who sends the requests.
#[derive(Debug)]
pub enum LoadClient {
    /// The full SDK path: builder, validation, executor, hooks, AK/SK signing, JSON decoding.
    Sdk(DbssClient),
    /// reqwest posting the SDK's bytes with headers computed once (the floor).
    Bare(BareClient),
    /// The floor plus what any SDK must do per request: serialise the body, sign it (with
    /// dbss-signer, at the current time), set the headers, decode the JSON answer. The gap
    /// between this and `Sdk` is the SDK's own machinery.
    Signed(SignedClient),
}

/// reqwest, signing every request with dbss-signer; see [`LoadClient::Signed`].
#[derive(Debug)]
pub struct SignedClient {
    http: reqwest::Client,
    url: String,
}

/// reqwest with everything precomputed: URL, headers (a valid signature, computed once) and
/// body. It reads the response body but does not decode it.
#[derive(Debug)]
pub struct BareClient {
    http: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    body: Bytes,
}

impl LoadClient {
    /// The SDK client for the server at `base_url`, with AK/SK credentials.
    pub fn sdk(base_url: &str) -> Result<Self, String> {
        DbssClient::builder()
            .endpoint(base_url)
            .project_id(PROJECT_ID)
            .credentials(Credentials::ak_sk(AK, SK))
            .build()
            .map(Self::Sdk)
            .map_err(|e| e.to_string())
    }

    /// The bare reqwest client for the server at `base_url`, sending exactly the headers and
    /// body the SDK sends (signed once, at start-up).
    pub fn bare(base_url: &str) -> Result<Self, String> {
        let url = format!("{base_url}{}", crate::create_path());
        let body = crate::create_body_bytes();
        let pairs = [
            ("Content-Type", "application/json"),
            ("user-agent", USER_AGENT),
            ("x-project-id", PROJECT_ID),
        ];
        let time = SigningTime::now().map_err(|e| e.to_string())?;
        let signed = dbss_signer::sign(
            &SignableRequest {
                method: "POST",
                url: &url,
                headers: &pairs,
                body: Some(&body),
            },
            &SigningParams::new(dbss_signer::Credentials::new(AK, SK.as_bytes()), time),
        )
        .map_err(|e| e.to_string())?;
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in signed.headers() {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
            let value = HeaderValue::from_str(value).map_err(|e| e.to_string())?;
            headers.insert(name, value);
        }
        // The same rustls provider as the SDK (reqwest is built without a default one).
        dbss_client::install_crypto_provider();
        Ok(Self::Bare(BareClient {
            http: reqwest::Client::builder()
                .build()
                .map_err(|e| e.to_string())?,
            url: reqwest::Url::parse(signed.url()).map_err(|e| e.to_string())?,
            headers,
            body: Bytes::from(body),
        }))
    }

    /// reqwest signing every request itself, for the server at `base_url`.
    pub fn signed(base_url: &str) -> Result<Self, String> {
        dbss_client::install_crypto_provider();
        Ok(Self::Signed(SignedClient {
            http: reqwest::Client::builder()
                .build()
                .map_err(|e| e.to_string())?,
            url: format!("{base_url}{}", crate::create_path()),
        }))
    }

    /// A short name for reports: `sdk`, `bare` or `signed`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sdk(_) => "sdk",
            Self::Bare(_) => "bare",
            Self::Signed(_) => "signed",
        }
    }

    /// Sends one create-report request and waits for the whole answer.
    pub async fn create_report(&self) -> Result<(), String> {
        match self {
            Self::Sdk(client) => client
                .create_report(INSTANCE_ID)
                .template(TEMPLATE_ID)
                .time_range(START_TIME, END_TIME)
                .send()
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Self::Bare(bare) => {
                let response = bare
                    .http
                    .post(bare.url.clone())
                    .headers(bare.headers.clone())
                    .body(bare.body.clone())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                response.bytes().await.map_err(|e| e.to_string())?;
                if status.is_success() {
                    Ok(())
                } else {
                    Err(format!("HTTP {status}"))
                }
            }
            Self::Signed(signed) => signed.create_report().await,
        }
    }
}

impl SignedClient {
    async fn create_report(&self) -> Result<(), String> {
        let body = serde_json::to_vec(&crate::create_body()).map_err(|e| e.to_string())?;
        let pairs = [
            ("Content-Type", "application/json"),
            ("user-agent", USER_AGENT),
            ("x-project-id", PROJECT_ID),
        ];
        let time = SigningTime::now().map_err(|e| e.to_string())?;
        let request = {
            let signed = dbss_signer::sign(
                &SignableRequest {
                    method: "POST",
                    url: &self.url,
                    headers: &pairs,
                    body: Some(&body),
                },
                &SigningParams::new(dbss_signer::Credentials::new(AK, SK.as_bytes()), time),
            )
            .map_err(|e| e.to_string())?;
            let mut request = self
                .http
                .post(signed.url())
                .header(reqwest::header::ACCEPT, "application/json");
            for (name, value) in signed.headers() {
                request = request.header(name, value);
            }
            request
        };
        let response = request.body(body).send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| e.to_string())?;
        let decoded: dbss_types::CreateReportResponse =
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        match (status.is_success(), decoded.result) {
            (true, Some(dbss_types::ReportResult::Success)) => Ok(()),
            _ => Err(format!("HTTP {status}")),
        }
    }
}

/// The outcome of one load run.
#[derive(Clone, Debug)]
pub struct LoadResult {
    /// Requests completed.
    pub requests: usize,
    /// Wall time of the measured phase.
    pub elapsed: Duration,
    /// Per-request latencies, sorted.
    pub latencies: Vec<Duration>,
}

impl LoadResult {
    /// Requests per second over the measured phase.
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency below which `q` (0..=1) of the requests finished (nearest rank).
    pub fn percentile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank =
            ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1]
    }
}

/// Sends `requests` create-report calls from `concurrency` tasks, after `warmup` calls that
/// are not measured (they open the connections). Stops at the first error.
pub async fn run(
    client: Arc<LoadClient>,
    requests: usize,
    concurrency: usize,
    warmup: usize,
) -> Result<LoadResult, String> {
    let concurrency = concurrency.max(1);
    // Warm up with the same concurrency, so that the pool holds as many connections as the
    // measured phase needs.
    phase(Arc::clone(&client), warmup, concurrency).await?;
    let started = Instant::now();
    let mut latencies = phase(client, requests, concurrency).await?;
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Ok(LoadResult {
        requests,
        elapsed,
        latencies,
    })
}

async fn phase(
    client: Arc<LoadClient>,
    requests: usize,
    concurrency: usize,
) -> Result<Vec<Duration>, String> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let client = Arc::clone(&client);
        let next = Arc::clone(&next);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(requests / concurrency + 1);
            // Bounded: every iteration claims one of the `requests` slots.
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let started = Instant::now();
                client.create_report().await?;
                latencies.push(started.elapsed());
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut all = Vec::with_capacity(requests);
    for task in tasks {
        all.extend(task.await.map_err(|e| e.to_string())??);
    }
    Ok(all)
}
