//! ListAuditInstances: where `instance_id` comes from.

use dbss_types::AuditInstanceBean;
use futures::Stream;

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::execution::execute::Operation;
use crate::execution::retry::{Idempotency, RetryPolicy};
use crate::foundation::validate::{Rule, ValidationError};

const OPERATION: Operation = Operation {
    name: "list_audit_instances_last",
    idempotency: Idempotency::Idempotent,
};

/// The largest page the API serves.
pub const MAX_INSTANCE_LIMIT: u32 = 1000;

impl DbssClient {
    /// Lists the audit instances of the project.
    pub fn list_instances(&self) -> ListInstances<'_> {
        ListInstances {
            client: self,
            offset: 0,
            limit: 100,
            retry: None,
        }
    }
}

/// A list-instances request.
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct ListInstances<'a> {
    client: &'a DbssClient,
    offset: u32,
    limit: u32,
    retry: Option<RetryPolicy>,
}

/// One page of audit instances.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct InstancePage {
    /// The instances of this page.
    pub instances: Vec<AuditInstanceBean>,
    /// The number of instances in all pages.
    pub total: Option<i64>,
}

impl<'a> ListInstances<'a> {
    /// Skips this many instances. Default 0.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = offset;
        self
    }

    /// Instances per page, 1 to [`MAX_INSTANCE_LIMIT`]. Default 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// Overrides the client's retry policy for this call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Fetches one page.
    pub async fn send(&self) -> Result<InstancePage, Error> {
        if !(1..=MAX_INSTANCE_LIMIT).contains(&self.limit) {
            return Err(ValidationError::new(
                "limit",
                Rule::Range {
                    min: 1,
                    max: MAX_INSTANCE_LIMIT.into(),
                    actual: self.limit.into(),
                },
            )
            .into());
        }
        let client = self.client;
        let project_id = client.resolve_project_id().await?;
        let policy = self.retry.as_ref().unwrap_or(&client.retry);
        let (offset, limit) = (self.offset.to_string(), self.limit.to_string());
        let response = client
            .execute_prepared(
                OPERATION,
                policy,
                client
                    .capture
                    .list_audit_instances_last()
                    .project_id(project_id)
                    .offset(offset.as_str())
                    .limit(limit.as_str())
                    .send(),
            )
            .await?;
        Ok(InstancePage {
            instances: response.value.instances,
            total: response.value.total,
        })
    }

    /// Every instance of every page from the current offset on, fetched as the stream is read.
    pub fn stream(self) -> impl Stream<Item = Result<AuditInstanceBean, Error>> + 'a {
        use futures::TryStreamExt;
        futures::stream::try_unfold(Some(self), |state| async move {
            let Some(mut request) = state else {
                return Ok::<_, Error>(None);
            };
            let page = request.send().await?;
            let fetched = u64::from(request.offset) + page.instances.len() as u64;
            let full = page.instances.len() == request.limit as usize;
            let more = full && page.total.is_none_or(|total| (fetched as i64) < total);
            let next = (more && fetched <= u64::from(u32::MAX)).then(|| {
                request.offset = fetched as u32;
                request
            });
            Ok(Some((
                futures::stream::iter(page.instances.into_iter().map(Ok)),
                next,
            )))
        })
        .try_flatten()
    }
}
