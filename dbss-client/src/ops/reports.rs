//! ListAuditReports: reports and their progress, one page or all of them as a stream; a thin
//! layer over the operation's typed builder and paginator that takes plain numbers.

use std::num::NonZeroU32;

use dbss_types::{ListAuditReportsRequest, ReportBean};
use futures::{Stream, StreamExt, TryStreamExt};

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::execution::retry::RetryPolicy;
use crate::foundation::validate::{self, Rule, ValidationError};
use crate::generated::operations::ListAuditReports;

/// The largest page the client asks for (see `openapi/dbss.json`).
pub const MAX_PAGE_SIZE: u32 = 100;

impl DbssClient {
    /// Lists the reports of an audit instance.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn demo(client: dbss_client::DbssClient) -> Result<(), dbss_client::Error> {
    /// let reports: Vec<_> = client
    ///     .list_reports("3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7")
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn list_reports(&self, instance_id: impl Into<String>) -> ListReports<'_> {
        ListReports {
            client: self,
            instance_id: instance_id.into(),
            name: None,
            page: 1,
            page_size: 50,
            retry: None,
        }
    }
}

/// A list-reports request.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct ListReports<'a> {
    client: &'a DbssClient,
    instance_id: String,
    name: Option<String>,
    page: u32,
    page_size: u32,
    retry: Option<RetryPolicy>,
}

/// One page of reports.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ReportPage {
    /// The reports of this page.
    pub reports: Vec<ReportBean>,
    /// The number of reports in all pages, as the service counts them.
    pub total: Option<i64>,
}

impl<'a> ListReports<'a> {
    /// Only reports with this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The page to fetch with [`send`](Self::send), from 1. Default 1.
    pub fn page(mut self, page: u32) -> Self {
        self.page = page;
        self
    }

    /// Reports per page, 1 to [`MAX_PAGE_SIZE`]. Default 50.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size;
        self
    }

    /// Overrides the client's retry policy for this call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    fn check(&self) -> Result<(NonZeroU32, NonZeroU32), ValidationError> {
        validate::project_or_instance_id("instance_id", &self.instance_id)?;
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(ValidationError::new(
                "size",
                Rule::Range {
                    min: 1,
                    max: MAX_PAGE_SIZE.into(),
                    actual: self.page_size.into(),
                },
            ));
        }
        let page = NonZeroU32::new(self.page).ok_or(ValidationError::new(
            "page",
            Rule::Range {
                min: 1,
                max: u32::MAX.into(),
                actual: 0,
            },
        ))?;
        let size = NonZeroU32::new(self.page_size).unwrap_or(NonZeroU32::MIN);
        Ok((page, size))
    }

    /// The typed request of the current page, checked.
    fn request(&self) -> Result<ListAuditReports<'a>, ValidationError> {
        let (page, size) = self.check()?;
        let request = self
            .client
            .list_audit_reports()
            .instance_id(self.instance_id.as_str())
            .body(ListAuditReportsRequest {
                name: self.name.clone(),
                page,
                size,
            });
        Ok(match &self.retry {
            Some(policy) => request.retry_policy(policy.clone()),
            None => request,
        })
    }

    /// Fetches one page.
    pub async fn send(&self) -> Result<ReportPage, Error> {
        let page = self.request()?.send().await?.into_inner();
        Ok(ReportPage {
            reports: page.reports.into_iter().filter_map(|r| r.report).collect(),
            total: page.total,
        })
    }

    /// Every report of every page from the current one on, fetched page by page as the stream
    /// is read (the paginator of `list_audit_reports`).
    pub fn stream(self) -> impl Stream<Item = Result<ReportBean, Error>> + Send + 'a {
        match self.request() {
            Ok(request) => request
                .items()
                .try_filter_map(|info| std::future::ready(Ok(info.report)))
                .left_stream(),
            Err(e) => futures::stream::once(std::future::ready(Err(e.into()))).right_stream(),
        }
    }
}
