//! The download benchmark: one report streamed into a file through the SDK or bare reqwest.
//!
//! Each client runs in its own process (see `bench/run.sh`), so the peak resident set size read
//! from `/proc/self/status` at the end is that client's alone.

use std::path::Path;
use std::time::{Duration, Instant};

use dbss_client::{Credentials, DbssClient};
use tokio::io::AsyncWriteExt;

use crate::{AK, INSTANCE_ID, PROJECT_ID, REPORT_ID, SK};

/// The outcome of one download.
#[derive(Clone, Debug)]
pub struct DownloadResult {
    /// Bytes written to the file.
    pub bytes: u64,
    /// From sending the request to the file being synced and in place.
    pub elapsed: Duration,
}

impl DownloadResult {
    /// Throughput in MiB/s.
    pub fn mib_per_sec(&self) -> f64 {
        self.bytes as f64 / (1024.0 * 1024.0) / self.elapsed.as_secs_f64()
    }
}

/// Downloads through the SDK: `client.download_report(..).to_file(path)` (temporary file,
/// fsync, rename).
pub async fn sdk(base_url: &str, path: &Path) -> Result<DownloadResult, String> {
    let client = DbssClient::builder()
        .endpoint(base_url)
        .project_id(PROJECT_ID)
        .credentials(Credentials::ak_sk(AK, SK))
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let output = client
        .download_report(INSTANCE_ID, REPORT_ID)
        .to_file(path)
        .await
        .map_err(|e| e.to_string())?;
    Ok(DownloadResult {
        bytes: output.bytes,
        elapsed: started.elapsed(),
    })
}

/// Downloads with bare reqwest: a signed GET, each chunk written to a `tokio::fs::File` as it
/// arrives, then flushed and synced like the SDK's `to_file` does.
pub async fn bare(base_url: &str, path: &Path) -> Result<DownloadResult, String> {
    let (url, headers) = crate::sign_now(
        "GET",
        &format!("{base_url}{}", crate::download_path()),
        None,
    )?;
    dbss_client::install_crypto_provider();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut request = http.get(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut response = request.send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("HTTP {}", response.status()));
    }
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|e| e.to_string())?;
    let mut bytes = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        file.write_all(&chunk).await.map_err(|e| e.to_string())?;
        bytes += chunk.len() as u64;
    }
    file.flush().await.map_err(|e| e.to_string())?;
    file.sync_all().await.map_err(|e| e.to_string())?;
    Ok(DownloadResult {
        bytes,
        elapsed: started.elapsed(),
    })
}

/// The peak resident set size of this process (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
