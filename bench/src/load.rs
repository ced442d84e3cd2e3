//! The load benchmark: N calls of one operation at a given concurrency, through the SDK or
//! through bare reqwest, with per-request latencies: create-report (POST, small JSON both ways),
//! one page of 1,000 audited databases (GET, ~600 KB of JSON decoded into its type) and a report
//! deletion (DELETE).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use dbss_client::{Credentials, DbssClient};
use dbss_signer::{SignableRequest, SigningParams, SigningTime};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::{AK, END_TIME, INSTANCE_ID, PROJECT_ID, SK, START_TIME, TEMPLATE_ID};

/// The operation each request makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadOp {
    /// `create_report`: POST with a JSON body, a 20-byte answer.
    Create,
    /// `list_audit_databases_new`: GET of one page of [`crate::DATABASE_PAGE`] databases, decoded
    /// into `ListAuditDatabasesNewResponse` by every client (the SDK must decode it, so the floor
    /// decodes it too).
    List,
    /// `delete_audit_report`: DELETE, a small JSON answer.
    Delete,
}

impl LoadOp {
    /// Parses `create`, `list` or `delete`.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "create" => Ok(Self::Create),
            "list" => Ok(Self::List),
            "delete" => Ok(Self::Delete),
            other => Err(format!(
                "unknown operation {other:?} (create, list or delete)"
            )),
        }
    }

    /// The name used in the results.
    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::List => "list",
            Self::Delete => "delete",
        }
    }
}

/// Who sends the requests.
// One of each is built per run and moved into its tasks once: the size of the variants does not
// matter, and boxing the bare client would add an indirection to the floor being measured.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum LoadClient {
    /// The full SDK path: builder, validation, executor, hooks, AK/SK signing, JSON decoding.
    Sdk(DbssClient),
    /// reqwest posting the SDK's bytes with headers computed once (the floor).
    Bare(BareClient),
    /// hyper-util's pooled HTTP/1 client (the layer reqwest is built on) posting the same bytes:
    /// what reqwest itself costs per request, for reading the other rows.
    Hyper(Box<HyperClient>),
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

/// hyper-util's client with everything precomputed; see [`LoadClient::Hyper`].
#[derive(Debug)]
pub struct HyperClient {
    http: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<Bytes>,
    >,
    request: http::Request<http_body_util::Full<Bytes>>,
}

/// reqwest with everything precomputed: URL, headers (a valid signature, computed once) and
/// body, for each operation. It reads the response body; it decodes only the list page (see
/// [`LoadOp::List`]).
#[derive(Debug)]
pub struct BareClient {
    http: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    body: Bytes,
    list: Precomputed,
    delete: Precomputed,
}

/// A bodiless request signed once.
#[derive(Debug)]
struct Precomputed {
    url: reqwest::Url,
    headers: HeaderMap,
}

impl Precomputed {
    /// `method` on `path` under `base_url`, with the headers the SDK sends on a request without
    /// a body, in its order (it adds `Content-Type` after the user agent, as the official SDK
    /// sends one on every request), signed now.
    fn new(method: &str, base_url: &str, path: &str) -> Result<Self, String> {
        let [content_type, user_agent, project] = crate::SIGNED_HEADERS;
        let (url, signed) = crate::sign_now_with(
            method,
            &format!("{base_url}{path}"),
            None,
            &[user_agent, content_type, project],
        )?;
        Ok(Self {
            url: reqwest::Url::parse(&url).map_err(|e| e.to_string())?,
            headers: header_map(signed)?,
        })
    }
}

/// `Accept: application/json`, then `signed` in order (what the SDK sends).
fn header_map(signed: Vec<(String, String)>) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in signed {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
        let value = HeaderValue::from_str(&value).map_err(|e| e.to_string())?;
        headers.insert(name, value);
    }
    Ok(headers)
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
        let body = crate::create_body_bytes();
        let (url, signed) = crate::sign_now(
            "POST",
            &format!("{base_url}{}", crate::create_path()),
            Some(&body),
        )?;
        let headers = header_map(signed)?;
        // The same rustls provider as the SDK (reqwest is built without a default one).
        dbss_client::install_crypto_provider();
        Ok(Self::Bare(BareClient {
            http: reqwest::Client::builder()
                .build()
                .map_err(|e| e.to_string())?,
            url: reqwest::Url::parse(&url).map_err(|e| e.to_string())?,
            headers,
            body: Bytes::from(body),
            list: Precomputed::new("GET", base_url, &crate::databases_path())?,
            delete: Precomputed::new("DELETE", base_url, &crate::delete_path())?,
        }))
    }

    /// hyper-util's client for the server at `base_url`, sending the bare client's request.
    pub fn hyper(base_url: &str) -> Result<Self, String> {
        let Self::Bare(bare) = Self::bare(base_url)? else {
            return Err("the bare client was expected".into());
        };
        let mut request = http::Request::post(bare.url.as_str())
            .body(http_body_util::Full::new(bare.body.clone()))
            .map_err(|e| e.to_string())?;
        *request.headers_mut() = bare.headers.clone();
        let http =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        Ok(Self::Hyper(Box::new(HyperClient { http, request })))
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
            Self::Hyper(_) => "hyper",
        }
    }

    /// Makes one call of `op` and waits for the whole answer. Only the SDK and the bare client
    /// make every operation; the others create reports only.
    pub async fn call(&self, op: LoadOp) -> Result<(), String> {
        match (op, self) {
            (LoadOp::Create, _) => self.create_report().await,
            (LoadOp::List, Self::Sdk(client)) => {
                let page = client
                    .list_databases_page(INSTANCE_ID, 0, crate::DATABASE_PAGE as u32)
                    .await
                    .map_err(|e| e.to_string())?;
                check_page(page.databases.len())
            }
            (LoadOp::Delete, Self::Sdk(client)) => client
                .delete_report(INSTANCE_ID, crate::REPORT_ID)
                .send()
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            (LoadOp::List, Self::Bare(bare)) => {
                let body = bare.bodiless(reqwest::Method::GET, &bare.list).await?;
                let page: dbss_types::ListAuditDatabasesNewResponse =
                    serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                check_page(page.databases.len())
            }
            (LoadOp::Delete, Self::Bare(bare)) => bare
                .bodiless(reqwest::Method::DELETE, &bare.delete)
                .await
                .map(drop),
            (_, other) => Err(format!("{} makes create-report calls only", other.name())),
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
            Self::Hyper(hyper) => {
                use http_body_util::BodyExt;
                let mut request = http::Request::new(hyper.request.body().clone());
                *request.method_mut() = hyper.request.method().clone();
                *request.uri_mut() = hyper.request.uri().clone();
                *request.headers_mut() = hyper.request.headers().clone();
                let response = hyper
                    .http
                    .request(request)
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status();
                response
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| e.to_string())?;
                if status.is_success() {
                    Ok(())
                } else {
                    Err(format!("HTTP {status}"))
                }
            }
        }
    }
}

fn check_page(rows: usize) -> Result<(), String> {
    if rows == crate::DATABASE_PAGE {
        Ok(())
    } else {
        Err(format!("{rows} databases in the page"))
    }
}

impl BareClient {
    /// Sends `request` with its precomputed headers and returns the whole body of a 200.
    async fn bodiless(
        &self,
        method: reqwest::Method,
        request: &Precomputed,
    ) -> Result<Bytes, String> {
        let response = self
            .http
            .request(method, request.url.clone())
            .headers(request.headers.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}

impl SignedClient {
    async fn create_report(&self) -> Result<(), String> {
        let body = serde_json::to_vec(&crate::create_body()).map_err(|e| e.to_string())?;
        let time = SigningTime::now().map_err(|e| e.to_string())?;
        let request = {
            let signed = dbss_signer::sign(
                &SignableRequest {
                    method: "POST",
                    url: &self.url,
                    headers: &crate::SIGNED_HEADERS,
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
    /// CPU time (user and system) the whole process spent in the measured phase, when
    /// `/proc/self/stat` tells.
    pub cpu: Option<Duration>,
}

/// User plus system CPU time of this process so far, from `/proc/self/stat` (Linux), in clock
/// ticks of `getconf CLK_TCK` (100 per second where that cannot be asked).
///
/// Requests per second at concurrency 32 measure the client's CPU (the client is the busier
/// process), but they swing with whatever else the machine's host runs; CPU time per request
/// swings far less, so the report shows both.
pub fn process_cpu_time() -> Option<Duration> {
    static TICKS_PER_SECOND: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let ticks_per_second = *TICKS_PER_SECOND.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|text| text.trim().parse().ok())
            .filter(|&ticks| ticks > 0)
            .unwrap_or(100)
    });
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces): state is
    // field 3, utime 14 and stime 15.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    let ticks = user + system;
    Some(Duration::from_micros(ticks * 1_000_000 / ticks_per_second))
}

impl LoadResult {
    /// CPU time per request, in microseconds.
    pub fn cpu_us_per_request(&self) -> Option<f64> {
        self.cpu
            .map(|cpu| cpu.as_secs_f64() * 1e6 / self.requests.max(1) as f64)
    }

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

/// Sends `requests` calls of `op` from `concurrency` tasks, after `warmup` calls that are not
/// measured (they open the connections). Stops at the first error.
pub async fn run(
    client: Arc<LoadClient>,
    op: LoadOp,
    requests: usize,
    concurrency: usize,
    warmup: usize,
) -> Result<LoadResult, String> {
    let concurrency = concurrency.max(1);
    // Warm up with the same concurrency, so that the pool holds as many connections as the
    // measured phase needs.
    phase(Arc::clone(&client), op, warmup, concurrency).await?;
    let cpu_before = process_cpu_time();
    let started = Instant::now();
    let mut latencies = phase(client, op, requests, concurrency).await?;
    let elapsed = started.elapsed();
    let cpu = process_cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    latencies.sort_unstable();
    Ok(LoadResult {
        requests,
        elapsed,
        latencies,
        cpu,
    })
}

async fn phase(
    client: Arc<LoadClient>,
    op: LoadOp,
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
                client.call(op).await?;
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
