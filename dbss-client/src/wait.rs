//! Create and wait: the report the caller actually wants.
//!
//! CreateReport returns no report id, and the report takes time to build. So: note the
//! matching reports that exist before the create, create, find the new report (type
//! AUDIT_REPORT_REAL_TIME, same time window and databases, absent before), poll its
//! `percentum` with backoff until 100, then optionally download it.
//!
//! A report carries no template id on the wire, so the template cannot be matched; the window,
//! the databases and "absent before" identify it. Two identical creates racing on one instance
//! could still be confused; the first report to appear is taken.

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use dbss_types::{ReportBean, ReportType};
use futures::TryStreamExt;
use tokio::time::Instant;

use crate::client::DbssClient;
use crate::execution::error::{Error, TimeoutPhase};
use crate::ops::create_report::{CreateReport, CreateReportOutput};
use crate::ops::download::{DownloadOutput, ProgressFn};

/// Called with the report's progress, 0 to 100, each time it is polled.
pub type WaitProgressFn<'a> = Box<dyn FnMut(u8) + Send + 'a>;

/// A report that was created, finished, and maybe downloaded.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CreatedReport {
    /// The finished report (id, format, url, ...).
    pub report: ReportBean,
    /// What the create returned.
    pub created: CreateReportOutput,
    /// The download, when one was asked for.
    pub download: Option<DownloadOutput>,
}

/// Create-and-wait, configured from [`CreateReport::send_and_wait`].
#[must_use = "nothing happens until it is awaited with `run`"]
pub struct WaitForReport<'a> {
    create: CreateReport<'a>,
    deadline: Duration,
    first_poll: Duration,
    max_poll: Duration,
    progress: Option<WaitProgressFn<'a>>,
    download_to: Option<PathBuf>,
    download_progress: Option<ProgressFn<'a>>,
}

impl fmt::Debug for WaitForReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForReport")
            .field("create", &self.create)
            .field("deadline", &self.deadline)
            .field("first_poll", &self.first_poll)
            .field("max_poll", &self.max_poll)
            .field("download_to", &self.download_to)
            .finish_non_exhaustive()
    }
}

impl<'a> CreateReport<'a> {
    /// Creates the report, waits until it is finished and returns it. Configure the wait on the
    /// returned value, then `.run().await`. Dropping the future cancels the wait (the report,
    /// once created, stays).
    ///
    /// ```no_run
    /// # async fn demo(client: dbss_client::DbssClient) -> Result<(), dbss_client::Error> {
    /// let done = client
    ///     .create_report("3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7")
    ///     .template("t8g7LJgBTpKZyZbbeTgS")
    ///     .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
    ///     .send_and_wait()
    ///     .deadline(std::time::Duration::from_secs(600))
    ///     .on_progress(|p| eprintln!("{p}%"))
    ///     .download_to("report.pdf")
    ///     .run()
    ///     .await?;
    /// println!("report {:?} is ready", done.report.id);
    /// # Ok(()) }
    /// ```
    pub fn send_and_wait(self) -> WaitForReport<'a> {
        WaitForReport {
            create: self,
            deadline: Duration::from_secs(30 * 60),
            first_poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(15),
            progress: None,
            download_to: None,
            download_progress: None,
        }
    }
}

impl<'a> WaitForReport<'a> {
    /// How long to wait for the report in all. Default 30 minutes.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Polling starts at `first` and grows by half each time up to `max`.
    /// Default 1 s growing to 15 s.
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max.max(first);
        self
    }

    /// Reports progress (0 to 100) at each poll.
    pub fn on_progress(mut self, f: impl FnMut(u8) + Send + 'a) -> Self {
        self.progress = Some(Box::new(f));
        self
    }

    /// Downloads the finished report to this file.
    pub fn download_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.download_to = Some(path.into());
        self
    }

    /// Reports download progress (bytes written, total when announced).
    pub fn on_download_progress(mut self, f: impl FnMut(u64, Option<u64>) + Send + 'a) -> Self {
        self.download_progress = Some(Box::new(f));
        self
    }

    /// Runs the whole thing.
    pub async fn run(mut self) -> Result<CreatedReport, Error> {
        let started = Instant::now();
        let request = self.create.request()?;
        let client: &DbssClient = self.create.client();
        let instance_id = self.create.instance_id().to_owned();
        let matches = |r: &ReportBean| {
            r.type_ == Some(ReportType::AuditReportRealTime)
                && r.start_time.as_deref() == Some(request.start_time.as_str())
                && r.end_time.as_deref() == Some(request.end_time.as_str())
                && match &request.db_ids {
                    Some(ids) => r.db_ids.as_deref() == Some(ids.as_str()),
                    None => true,
                }
        };
        let existing: HashSet<String> = client
            .list_reports(&instance_id)
            .page_size(100)
            .stream()
            .try_filter_map(|r| std::future::ready(Ok(matches(&r).then_some(r.id).flatten())))
            .try_collect()
            .await?;

        let created = self.create.send().await?;

        let mut interval = self.first_poll;
        let mut last_progress = None;
        let report = loop {
            let found = std::pin::pin!(client.list_reports(&instance_id).page_size(100).stream())
                .try_filter(|r| {
                    std::future::ready(
                        matches(r) && r.id.as_ref().is_some_and(|id| !existing.contains(id)),
                    )
                })
                .try_next()
                .await?;
            if let Some(report) = found {
                let percent = report.percentum.unwrap_or(0).clamp(0, 100) as u8;
                if last_progress != Some(percent) {
                    if let Some(progress) = self.progress.as_mut() {
                        progress(percent);
                    }
                    last_progress = Some(percent);
                }
                if percent >= 100 {
                    break report;
                }
            }
            if started.elapsed() + interval > self.deadline {
                return Err(Error::Timeout {
                    phase: TimeoutPhase::Operation,
                    after: self.deadline,
                });
            }
            tokio::time::sleep(interval).await;
            interval = interval.mul_f64(1.5).min(self.max_poll);
        };

        let download = match (&self.download_to, &report.id) {
            (Some(path), Some(id)) => {
                let mut download = client.download_report(&instance_id, id);
                if let Some(progress) = self.download_progress.take() {
                    download = download.on_progress(progress);
                }
                Some(download.to_file(path).await?)
            }
            _ => None,
        };
        Ok(CreatedReport {
            report,
            created,
            download,
        })
    }
}
