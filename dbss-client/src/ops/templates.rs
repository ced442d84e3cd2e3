//! ListAuditReportTemplates: the templates a report can be made from; a thin layer over the
//! operation's typed builder that returns the templates themselves.

use dbss_types::TemplateBean;

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::execution::retry::RetryPolicy;
use crate::foundation::validate;

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
        let request = self
            .client
            .list_audit_report_templates()
            .instance_id(self.instance_id.as_str());
        let request = match self.retry {
            Some(policy) => request.retry_policy(policy),
            None => request,
        };
        let answer = request.send().await?.into_inner();
        Ok(answer
            .templates
            .into_iter()
            .filter_map(|t| t.template)
            .collect())
    }
}
