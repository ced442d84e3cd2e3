//! The audit-instance and database lifecycle: list the audited databases, add one, switch its
//! audit on or off, delete it; start and stop an instance. Built on [`DbssClient::api`], so each
//! goes through the executor with the same validation, retries and errors as every operation.

use dbss_types::operations::Operation;
use dbss_types::{CreateDatabaseRequestDatabase, DataBaseBean};
use futures::Stream;
use serde_json::json;

use crate::api::ApiResponse;
use crate::client::DbssClient;
use crate::execution::error::Error;

/// One page of audited databases.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct DatabasePage {
    /// The databases of this page.
    pub databases: Vec<DataBaseBean>,
    /// The number of databases in all pages.
    pub total: Option<i64>,
}

/// The operation, as the document describes it (its idempotency included).
const LIST_DATABASES: dbss_types::operations::Operation =
    dbss_types::operations::Operation::ListAuditDatabasesNew;

/// The largest page of databases asked for at once.
pub const DATABASE_PAGE_SIZE: u32 = 100;

/// Decodes the JSON answer of `response` into the operation's generated type.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(response: &ApiResponse) -> Result<T, Error> {
    serde_json::from_value(response.json().clone()).map_err(|e| Error::Decode {
        status: Some(200),
        message: e.to_string(),
        excerpt: crate::execution::execute::excerpt(response.json().to_string().as_bytes()),
        request_id: response.request_id.clone(),
    })
}

impl DbssClient {
    /// One page of the databases audited by `instance_id` (`list_audit_databases_new`).
    ///
    /// Sent through the generated operation rather than [`DbssClient::api`], so that the page
    /// is decoded once, from the response bytes into its type (a page of 1,000 databases is
    /// about 600 KB of JSON).
    pub async fn list_databases_page(
        &self,
        instance_id: &str,
        offset: u32,
        limit: u32,
    ) -> Result<DatabasePage, Error> {
        crate::foundation::validate::project_or_instance_id("instance_id", instance_id)?;
        let project_id = self.resolve_project_id().await?;
        let (offset, limit) = (offset.to_string(), limit.to_string());
        let response = self
            .execute_prepared(
                crate::execution::execute::Operation::of(LIST_DATABASES),
                &self.retry,
                self.capture
                    .list_audit_databases_new()
                    .project_id(project_id)
                    .instance_id(instance_id)
                    .offset(offset.as_str())
                    .limit(limit.as_str())
                    .send(),
            )
            .await?;
        Ok(DatabasePage {
            databases: response.value.databases,
            total: response.value.total,
        })
    }

    /// Every database audited by `instance_id`, page by page as the stream is read.
    pub fn list_databases<'a>(
        &'a self,
        instance_id: &'a str,
    ) -> impl Stream<Item = Result<DataBaseBean, Error>> + 'a {
        use futures::TryStreamExt;
        futures::stream::try_unfold(Some(0u32), move |offset| async move {
            let Some(offset) = offset else {
                return Ok::<_, Error>(None);
            };
            let page = self
                .list_databases_page(instance_id, offset, DATABASE_PAGE_SIZE)
                .await?;
            let fetched = u64::from(offset) + page.databases.len() as u64;
            let more = page.databases.len() == DATABASE_PAGE_SIZE as usize
                && page.total.is_none_or(|total| (fetched as i64) < total)
                && fetched <= u64::from(u32::MAX);
            let next = more.then_some(fetched as u32);
            Ok(Some((
                futures::stream::iter(page.databases.into_iter().map(Ok)),
                next,
            )))
        })
        .try_flatten()
    }

    /// Adds a database to `instance_id` (`add_audit_database_new`); returns its id.
    pub async fn add_database(
        &self,
        instance_id: &str,
        database: CreateDatabaseRequestDatabase,
    ) -> Result<Option<String>, Error> {
        let response = self
            .api(Operation::AddAuditDatabaseNew)
            .arg("instance_id", instance_id)
            .body(json!({ "database": database }))
            .send()
            .await?;
        let added: dbss_types::AddAuditDatabaseNewResponse = typed(&response)?;
        Ok(added.id)
    }

    /// Switches the audit of one database on or off (`switch_audit_database_new`).
    pub async fn set_database_audit(
        &self,
        instance_id: &str,
        database_id: &str,
        on: bool,
    ) -> Result<(), Error> {
        self.api(Operation::SwitchAuditDatabaseNew)
            .arg("instance_id", instance_id)
            .body(json!({ "id": database_id, "status": if on { "ON" } else { "OFF" } }))
            .send()
            .await?;
        Ok(())
    }

    /// Removes a database from `instance_id` (`delete_audit_database_new`).
    pub async fn delete_database(&self, instance_id: &str, database_id: &str) -> Result<(), Error> {
        self.api(Operation::DeleteAuditDatabaseNew)
            .arg("instance_id", instance_id)
            .arg("id", database_id)
            .send()
            .await?;
        Ok(())
    }

    /// Starts an audit instance (`start_audit_instance_new`).
    pub async fn start_instance(&self, instance_id: &str) -> Result<(), Error> {
        self.on_instance(Operation::StartAuditInstanceNew, instance_id)
            .await
    }

    /// Stops an audit instance (`stop_audit_instance_new`).
    pub async fn stop_instance(&self, instance_id: &str) -> Result<(), Error> {
        self.on_instance(Operation::StopAuditInstanceNew, instance_id)
            .await
    }

    /// An operation whose body names the instance it acts on (`ServerIdBean`).
    async fn on_instance(&self, op: Operation, instance_id: &str) -> Result<(), Error> {
        self.api(op)
            .body(json!({ "instance_id": instance_id }))
            .send()
            .await?;
        Ok(())
    }
}
