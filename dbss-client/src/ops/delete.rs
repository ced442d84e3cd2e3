//! DeleteAuditReport.

use dbss_types::DeleteStatus;

use crate::client::DbssClient;
use crate::error::Error;
use crate::execute::Operation;
use crate::retry::{Idempotency, RetryPolicy};
use crate::validate;

const OPERATION: Operation = Operation {
    name: "delete_audit_report",
    idempotency: Idempotency::Idempotent,
};

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
        let response = client
            .execute_prepared(
                OPERATION,
                policy,
                client
                    .capture
                    .delete_audit_report()
                    .project_id(project_id)
                    .instance_id(self.instance_id.as_str())
                    .id(self.report_id.as_str())
                    .send(),
            )
            .await?;
        match response.value.status {
            Some(DeleteStatus::Success) => Ok(DeleteReportOutput {
                request_id: response.request_id,
            }),
            other => Err(Error::OperationFailed {
                operation: OPERATION.name,
                result: other.map(|s| s.as_str().to_owned()),
                request_id: response.request_id,
            }),
        }
    }
}
