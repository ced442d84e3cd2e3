//! DeleteAuditReport.

use dbss_types::{DeleteAuditReportResponse, DeleteStatus};
use reqwest::Method;

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::execution::execute::Operation;
use crate::execution::prepared::{PreparedRequest, RequestUrl};
use crate::execution::retry::RetryPolicy;
use crate::foundation::path_encoding::path_segment;
use crate::foundation::validate;

/// The operation, as the document describes it (its idempotency included).
const OPERATION: dbss_types::operations::Operation =
    dbss_types::operations::Operation::DeleteAuditReport;

impl DbssClient {
    /// Deletes a report.
    pub fn delete_report(
        &self,
        instance_id: impl Into<String>,
        report_id: impl Into<String>,
    ) -> DeleteReport<'_> {
        DeleteReport {
            client: self,
            instance_id: instance_id.into(),
            report_id: report_id.into(),
            retry: None,
        }
    }
}

/// A delete-report request.
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct DeleteReport<'a> {
    client: &'a DbssClient,
    instance_id: String,
    report_id: String,
    retry: Option<RetryPolicy>,
}

/// The outcome of a successful deletion.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteReportOutput {
    /// The `X-Request-Id` of the response.
    pub request_id: Option<String>,
}

impl DeleteReport<'_> {
    /// Overrides the client's retry policy for this call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sends the request. `{"status": "FAILED"}` (or any status other than `SUCCESS`) is an
    /// [`Error::OperationFailed`].
    pub async fn send(self) -> Result<DeleteReportOutput, Error> {
        validate::project_or_instance_id("instance_id", &self.instance_id)?;
        validate::report_id(&self.report_id)?;
        let client = self.client;
        let project_id = client.resolve_project_id().await?;
        let policy = self.retry.as_ref().unwrap_or(&client.retry);
        // Built here rather than by the generated builder (`client.raw.delete_audit_report()`),
        // whose URL is formatted and parsed again on every call: the same path, from the
        // client's parsed base URL (`tests/client/client_prepared.rs` compares the two byte for byte).
        let url = client.operation_url(&format!(
            "/v1/{}/audit/{}/reports/{}",
            path_segment(project_id),
            path_segment(&self.instance_id),
            path_segment(&self.report_id),
        ));
        let prepared = PreparedRequest::bodiless(
            dbss_types::operations::Operation::DeleteAuditReport,
            Method::DELETE,
            RequestUrl::new(url),
            &client.hooks,
        );
        let response = client
            .execute(Operation::of(OPERATION), policy, || {
                prepared.send::<DeleteAuditReportResponse>(&client.hooks)
            })
            .await?;
        match response.value.status {
            Some(DeleteStatus::Success) => Ok(DeleteReportOutput {
                request_id: response.request_id,
            }),
            other => Err(Error::OperationFailed {
                operation: OPERATION.operation_id(),
                result: other.map(|s| s.as_str().to_owned()),
                request_id: response.request_id,
            }),
        }
    }
}
