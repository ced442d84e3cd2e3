//! DownloadAuditReport: streams the report file to a file or any `AsyncWrite`, never holding
//! it in memory.

use std::fmt;
use std::path::{Path, PathBuf};

use dbss_types::ReportLocale;
use futures::{FutureExt, StreamExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::client::DbssClient;
use crate::execution::error::{Error, TimeoutPhase};
use crate::execution::execute::{Operation, excerpt};
use crate::execution::hooks::ERROR_BODY_LIMIT;
use crate::execution::retry::RetryPolicy;
use crate::foundation::error_chain::error_chain;
use crate::foundation::validate;

/// The operation, as the document describes it (its idempotency included).
const OPERATION: dbss_types::operations::Operation =
    dbss_types::operations::Operation::DownloadAuditReport;

/// Called with the bytes written so far and the total size when the server announced it.
pub type ProgressFn<'a> = Box<dyn FnMut(u64, Option<u64>) + Send + 'a>;

impl DbssClient {
    /// Downloads a report file (pdf or zip).
    ///
    /// ```no_run
    /// # async fn demo(client: dbss_client::DbssClient) -> Result<(), dbss_client::Error> {
    /// let saved = client
    ///     .download_report("3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7", "Hx9QLJgBTpKZyZbbhTgS")
    ///     .on_progress(|done, total| eprintln!("{done} of {total:?} bytes"))
    ///     .to_file("report.pdf")
    ///     .await?;
    /// println!("{} bytes in {}", saved.bytes, saved.path.display());
    /// # Ok(()) }
    /// ```
    pub fn download_report(
        &self,
        instance_id: impl Into<String>,
        report_id: impl Into<String>,
    ) -> DownloadReport<'_> {
        DownloadReport {
            client: self,
            instance_id: instance_id.into(),
            report_id: report_id.into(),
            locale: None,
            progress: None,
            retry: None,
            sha256: false,
        }
    }
}

/// A download request.
#[must_use = "a request does nothing until it is sent"]
pub struct DownloadReport<'a> {
    client: &'a DbssClient,
    instance_id: String,
    report_id: String,
    locale: Option<ReportLocale>,
    progress: Option<ProgressFn<'a>>,
    retry: Option<RetryPolicy>,
    sha256: bool,
}

impl fmt::Debug for DownloadReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadReport")
            .field("instance_id", &self.instance_id)
            .field("report_id", &self.report_id)
            .field("locale", &self.locale)
            .finish_non_exhaustive()
    }
}

/// A finished download.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOutput {
    /// Where the file is (for [`DownloadReport::to_file`]; empty for a writer).
    pub path: PathBuf,
    /// How many bytes were written.
    pub bytes: u64,
    /// The `X-Request-Id` of the response.
    pub request_id: Option<String>,
    /// The SHA-256 of the bytes written, lowercase hex, when asked for with
    /// [`DownloadReport::sha256`].
    pub sha256: Option<String>,
}

impl<'a> DownloadReport<'a> {
    /// The language of the report. Default: the service's (en-us).
    pub fn locale(mut self, locale: ReportLocale) -> Self {
        self.locale = Some(locale);
        self
    }

    /// Reports progress as chunks are written.
    pub fn on_progress(mut self, f: impl FnMut(u64, Option<u64>) + Send + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Computes the SHA-256 of the file as it is written ([`DownloadOutput::sha256`]), so that
    /// it need not be read again.
    pub fn sha256(mut self, yes: bool) -> Self {
        self.sha256 = yes;
        self
    }

    /// Overrides the client's retry policy for the request (a failure in the middle of the
    /// body is not retried: the part already written cannot be taken back from a writer).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Streams the report into `path`: written to a temporary file in the same folder and
    /// renamed only once complete, so `path` never holds a partial report.
    pub async fn to_file(self, path: impl AsRef<Path>) -> Result<DownloadOutput, Error> {
        let path = path.as_ref().to_path_buf();
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let io_error = |what: &str, e: std::io::Error| Error::Io {
            message: format!("{what} {}: {e}", path.display()),
        };
        let temp = tempfile::Builder::new()
            .prefix(".dbss-download-")
            .tempfile_in(&dir)
            .map_err(|e| io_error("cannot create a temporary file beside", e))?;
        let (file, temp_path) = temp.into_parts();
        let mut file = tokio::fs::File::from_std(file);
        let mut output = self.to_writer(&mut file).await?;
        file.sync_all()
            .await
            .map_err(|e| io_error("cannot write", e))?;
        drop(file);
        temp_path
            .persist(&path)
            .map_err(|e| io_error("cannot move the download into", e.error))?;
        output.path = path;
        Ok(output)
    }

    /// Streams the report into `writer` and flushes it. A 200 labelled JSON or HTML (not a
    /// file) is an [`Error::Decode`] and nothing is written.
    pub async fn to_writer<W>(mut self, writer: &mut W) -> Result<DownloadOutput, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        validate::project_or_instance_id("instance_id", &self.instance_id)?;
        validate::report_id(&self.report_id)?;
        let client = self.client;
        let project_id = client.resolve_project_id().await?;
        let policy = self.retry.as_ref().unwrap_or(&client.retry);
        let locale = self.locale;
        let request = client
            .capture
            .download_audit_report()
            .project_id(project_id)
            .instance_id(self.instance_id.as_str())
            .id(self.report_id.as_str());
        let request = match &locale {
            Some(l) => request.local(*l),
            None => request,
        };
        // Prepared once (see `prepared`); each attempt streams the answer, unread.
        let prepared = client.prepare(request.send())?;
        let response = client
            .execute(Operation::of(OPERATION), policy, || {
                prepared.send_stream(&client.hooks)
            })
            .await?;
        let total = response.content_length;
        let mut stream = response.value.into_inner();
        let mut written = 0u64;
        let mut hasher = self.sha256.then(<sha2::Sha256 as sha2::Digest>::new);
        // A body that stalls is cut off after the attempt timeout without a byte.
        let idle = client.executor.timeouts.attempt;
        // Fault-matrix fix: the report is a binary stream (`application/octet-stream` in the
        // API document). A 200 labelled JSON or HTML (an empty body, `{"result":..}`, a
        // proxy's page) used to be saved as the report and reported as a success; it is an
        // undecodable answer, with an excerpt read up to the error-body cap.
        if let Some(content_type) = response.content_type.as_deref().filter(|t| is_document(t)) {
            let mut body = Vec::new();
            while body.len() < ERROR_BODY_LIMIT {
                match tokio::time::timeout(idle, stream.next()).await {
                    Ok(Some(Ok(chunk))) => body.extend_from_slice(&chunk),
                    _ => break,
                }
            }
            body.truncate(ERROR_BODY_LIMIT);
            return Err(Error::Decode {
                status: Some(200),
                message: format!("expected the report file, got {content_type}"),
                excerpt: excerpt(&body),
                request_id: response.request_id,
            });
        }
        loop {
            // A chunk that is already there is taken without arming a timer (registering and
            // cancelling one per chunk cost a few percent of a loopback download's throughput);
            // only a wait for the network is timed.
            let next = match stream.next().now_or_never() {
                Some(next) => next,
                None => match tokio::time::timeout(idle, stream.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        return Err(Error::Timeout {
                            phase: TimeoutPhase::Attempt,
                            after: idle,
                        });
                    }
                },
            };
            let Some(chunk) = next else { break };
            // Fault-matrix fix: the whole chain, as the executor writes it; reqwest's own text
            // alone ("error decoding response body") hid that the connection ended early.
            let chunk = chunk.map_err(|e| Error::Connection {
                request_sent: true,
                message: format!(
                    "the download broke off after {written} bytes: {}",
                    error_chain(&e)
                ),
            })?;
            writer.write_all(&chunk).await.map_err(|e| Error::Io {
                message: format!("cannot write the download: {e}"),
            })?;
            written += chunk.len() as u64;
            if let Some(hasher) = hasher.as_mut() {
                sha2::Digest::update(hasher, &chunk);
            }
            if let Some(progress) = self.progress.as_mut() {
                progress(written, total);
            }
        }
        writer.flush().await.map_err(|e| Error::Io {
            message: format!("cannot write the download: {e}"),
        })?;
        Ok(DownloadOutput {
            path: PathBuf::new(),
            bytes: written,
            request_id: response.request_id,
            sha256: hasher.map(|h| hex::encode(sha2::Digest::finalize(h))),
        })
    }
}

/// Whether a `Content-Type` is a document (JSON or HTML) rather than a file: what an error or
/// a proxy answers with, never a report.
fn is_document(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "text/html"
}
