//! ListAuditReportTemplates: the templates a report can be made from.

use dbss_types::TemplateBean;

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::execution::execute::Operation;
use crate::execution::retry::RetryPolicy;
use crate::foundation::validate;

/// The operation, as the document describes it (its idempotency included).
const OPERATION: dbss_types::operations::Operation =
    dbss_types::operations::Operation::ListAuditReportTemplates;

impl DbssClient {
    /// Lists the report templates of an audit instance.
    pub fn list_templates(&self, instance_id: impl Into<String>) -> ListTemplates<'_> {
        ListTemplates {
            client: self,
            instance_id: instance_id.into(),
            retry: None,
        }
    }
}

/// A list-templates request.
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct ListTemplates<'a> {
    client: &'a DbssClient,
    instance_id: String,
    retry: Option<RetryPolicy>,
}

impl ListTemplates<'_> {
    /// Overrides the client's retry policy for this call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sends the request; returns the templates (entries without a template are skipped).
    pub async fn send(self) -> Result<Vec<TemplateBean>, Error> {
        validate::project_or_instance_id("instance_id", &self.instance_id)?;
        let client = self.client;
        let project_id = client.resolve_project_id().await?;
        let policy = self.retry.as_ref().unwrap_or(&client.retry);
        let response = client
            .execute_prepared(
                Operation::of(OPERATION),
                policy,
                client
                    .capture
                    .list_audit_report_templates()
                    .project_id(project_id)
                    .instance_id(self.instance_id.as_str())
                    .send(),
            )
            .await?;
        Ok(response
            .value
            .templates
            .into_iter()
            .filter_map(|t| t.template)
            .collect())
    }
}
