//! CreateReport: "Generating a Report Immediately".

use dbss_types::{CreateReportRequest, CreateReportResponse, ReportResult};
use reqwest::Method;

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::execution::execute::{Operation, Success};
use crate::execution::prepared::PreparedRequest;
use crate::execution::retry::RetryPolicy;
use crate::foundation::path_encoding::path_segment;
use crate::foundation::report_time::{DateInput, TimeInput};
use crate::foundation::validate::{self, Rule, ValidationError};

/// The operation, as the document describes it (its idempotency included).
const OPERATION: dbss_types::operations::Operation =
    dbss_types::operations::Operation::CreateReport;

impl DbssClient {
    /// Starts a create-report request for the audit instance `instance_id`.
    ///
    /// ```no_run
    /// # async fn demo(client: dbss_client::DbssClient) -> Result<(), dbss_client::Error> {
    /// let created = client
    ///     .create_report("3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7")
    ///     .template("t8g7LJgBTpKZyZbbeTgS")
    ///     .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
    ///     .databases(["db-1", "db-2"])
    ///     .send()
    ///     .await?;
    /// println!("accepted, request id {:?}", created.request_id);
    /// # Ok(()) }
    /// ```
    pub fn create_report(&self, instance_id: impl Into<String>) -> CreateReport<'_> {
        CreateReport {
            client: self,
            instance_id: instance_id.into(),
            template_id: None,
            start_time: None,
            end_time: None,
            start_date: None,
            end_date: None,
            databases: Vec::new(),
            retry: None,
        }
    }
}

/// A create-report request being put together. Nothing is checked or sent until
/// [`send`](Self::send) (or [`request`](Self::request), which only checks).
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct CreateReport<'a> {
    client: &'a DbssClient,
    instance_id: String,
    template_id: Option<String>,
    start_time: Option<TimeInput>,
    end_time: Option<TimeInput>,
    start_date: Option<DateInput>,
    end_date: Option<DateInput>,
    databases: Vec<String>,
    retry: Option<RetryPolicy>,
}

/// The outcome of an accepted create-report. The API returns no report id: find the report
/// with [`DbssClient::list_reports`](crate::DbssClient) or use create-and-wait.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CreateReportOutput {
    /// The body that was sent (template, time window, databases).
    pub request: CreateReportRequest,
    /// The `X-Request-Id` of the response.
    pub request_id: Option<String>,
}

impl<'a> CreateReport<'a> {
    /// The report template (required), from the templates of the instance.
    pub fn template(mut self, template_id: impl Into<String>) -> Self {
        self.template_id = Some(template_id.into());
        self
    }

    /// The audited period (required): a [`ReportTime`](crate::ReportTime), a
    /// `jiff::civil::DateTime` or text `YYYY-MM-DD HH:MM:SS`. The start must be before the end.
    pub fn time_range(mut self, start: impl Into<TimeInput>, end: impl Into<TimeInput>) -> Self {
        self.start_time = Some(start.into());
        self.end_time = Some(end.into());
        self
    }

    /// The optional `start_date` and `end_date` fields: a `jiff::civil::Date` or text
    /// `YYYY-MM-DD`. When both are given the start may not be after the end.
    pub fn dates(mut self, start: impl Into<DateInput>, end: impl Into<DateInput>) -> Self {
        self.start_date = Some(start.into());
        self.end_date = Some(end.into());
        self
    }

    /// Restricts the report to these databases (sent comma-separated in `db_ids`). Each id must
    /// be non-empty and hold no comma; duplicates are dropped. Default: all databases.
    pub fn databases<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.databases.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Overrides the client's retry policy for this call. To allow a create that may have
    /// reached the server to be sent again, use
    /// [`RetryPolicy::with_retry_non_idempotent`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    pub(crate) fn client(&self) -> &'a DbssClient {
        self.client
    }

    pub(crate) fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Checks every field and returns the body that would be sent.
    pub fn request(&self) -> Result<CreateReportRequest, ValidationError> {
        validate::project_or_instance_id("instance_id", &self.instance_id)?;
        validate::template_id(self.template_id.as_deref())?;
        let (start, start_time) = self
            .start_time
            .as_ref()
            .ok_or(ValidationError::new("start_time", Rule::Required))?
            .resolve("start_time")?;
        let (end, end_time) = self
            .end_time
            .as_ref()
            .ok_or(ValidationError::new("end_time", Rule::Required))?
            .resolve("end_time")?;
        if start >= end {
            return Err(ValidationError::new("end_time", Rule::StartNotBeforeEnd));
        }
        let start_date = self
            .start_date
            .as_ref()
            .map(|d| d.resolve("start_date"))
            .transpose()?;
        let end_date = self
            .end_date
            .as_ref()
            .map(|d| d.resolve("end_date"))
            .transpose()?;
        if let (Some((s, _)), Some((e, _))) = (&start_date, &end_date)
            && s > e
        {
            return Err(ValidationError::new("end_date", Rule::StartNotBeforeEnd));
        }
        let databases = validate::database_ids(&self.databases)?;
        Ok(CreateReportRequest {
            template_id: self.template_id.clone().unwrap_or_default(),
            start_time,
            end_time,
            start_date: start_date.map(|(_, text)| text),
            end_date: end_date.map(|(_, text)| text),
            db_ids: (!databases.is_empty()).then(|| databases.join(",")),
        })
    }

    /// Validates and sends the request. `{"result": "failed"}` (or any result other than
    /// `success`) is an [`Error::OperationFailed`].
    pub async fn send(self) -> Result<CreateReportOutput, Error> {
        let body = self.request()?;
        let client = self.client;
        let project_id = client.resolve_project_id().await?;
        let policy = self.retry.as_ref().unwrap_or(&client.retry);
        // Built once for every attempt (see `prepared`): the path and body the generated
        // `client.raw.create_report()` builder would send.
        let url = client
            .create_report_urls
            .get_or_build(&self.instance_id, || {
                client.operation_url(&format!(
                    "/v1/{}/audit/{}/reports/create",
                    path_segment(project_id),
                    path_segment(&self.instance_id),
                ))
            });
        let prepared = PreparedRequest::json(
            dbss_types::operations::Operation::CreateReport,
            Method::POST,
            url,
            &body,
            &client.hooks,
        )?;
        let Success {
            value, request_id, ..
        } = client
            .execute(Operation::of(OPERATION), policy, || {
                prepared.send::<CreateReportResponse>(&client.hooks)
            })
            .await?;
        match value.result {
            Some(ReportResult::Success) => Ok(CreateReportOutput {
                request: body,
                request_id,
            }),
            other => Err(Error::OperationFailed {
                operation: OPERATION.operation_id(),
                result: other.map(|r| r.as_str().to_owned()),
                request_id,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    /// Every call creates these futures and moves them a few times (into the task, into each
    /// `await`), copying all of their bytes each time; the rare paths (token or credentials
    /// refresh, project discovery, error bodies, rate-limit waits) are boxed to keep them
    /// small. They were 6.0 KB (create-report), 5.0 KB (the executor) and 2.1 KB (signing)
    /// before. The bounds leave room for compiler changes, not for a path left unboxed.
    #[test]
    fn the_futures_of_a_call_stay_small() {
        let client = DbssClient::builder()
            .endpoint("http://127.0.0.1:1")
            .project_id("0123456789abcdef0123456789abcdef")
            .credentials(Credentials::ak_sk("ak", "sk"))
            .build()
            .unwrap();
        let send = client
            .create_report("0123456789abcdef0123456789abcdef")
            .time_range("2025-01-01 00:00:00", "2025-01-02 00:00:00")
            .send();
        let create_report = std::mem::size_of_val(&send);
        let url = reqwest::Url::parse("http://127.0.0.1:1/x").unwrap();
        let prepared = PreparedRequest::json(
            dbss_types::operations::Operation::CreateReport,
            Method::POST,
            crate::execution::prepared::RequestUrl::new(url.clone()),
            &1,
            &client.hooks,
        )
        .unwrap();
        let execute = client
            .executor
            .execute(Operation::of(OPERATION), &client.retry, || {
                prepared.send::<CreateReportResponse>(&client.hooks)
            });
        let execute = std::mem::size_of_val(&execute);
        let mut request = reqwest::Request::new(Method::GET, url);
        let apply = client.hooks.auth.apply(&mut request);
        let apply = std::mem::size_of_val(&apply);
        assert!(
            create_report <= 3072,
            "create_report().send(): {create_report} bytes"
        );
        assert!(execute <= 1536, "the executor: {execute} bytes");
        assert!(apply <= 256, "signing: {apply} bytes");
    }
}
