//! The audited databases and the instance lifecycle, the calls users make most beyond reports:
//! list the audited databases, add one, switch its audit on or off, delete it; start and stop
//! an instance. Thin layers over the typed builders (`client.list_audit_databases_new()`...),
//! kept for their shorter signatures: the same validation, retries and errors.

use dbss_types::{CreateDatabaseRequestDatabase, DataBaseBean, SwitchAuditDbRequestStatus};
use futures::Stream;

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

/// The page of databases [`DbssClient::list_databases`] asks for.
pub const DATABASE_PAGE_SIZE: u32 = 100;

impl DbssClient {
    /// One page of the databases audited by `instance_id` (`list_audit_databases_new`).
    pub async fn list_databases_page(
        &self,
        instance_id: &str,
        offset: u32,
        limit: u32,
    ) -> Result<DatabasePage, Error> {
        let page = self
            .list_audit_databases_new()
            .instance_id(instance_id)
            .offset(offset.to_string())
            .limit(limit.to_string())
            .send()
            .await?
            .into_inner();
        Ok(DatabasePage {
            databases: page.databases,
            total: page.total.map(i64::from),
        })
    }

    /// Every database audited by `instance_id`, [`DATABASE_PAGE_SIZE`] at a time as the stream
    /// is read (the paginator of `list_audit_databases_new`).
    pub fn list_databases<'a>(
        &'a self,
        instance_id: &'a str,
    ) -> impl Stream<Item = Result<DataBaseBean, Error>> + Send + 'a {
        self.list_audit_databases_new()
            .instance_id(instance_id)
            .limit(DATABASE_PAGE_SIZE.to_string())
            .items()
    }

    /// Adds a database to `instance_id` (`add_audit_database_new`); returns its id.
    pub async fn add_database(
        &self,
        instance_id: &str,
        database: CreateDatabaseRequestDatabase,
    ) -> Result<Option<String>, Error> {
        let added = self
            .add_audit_database_new()
            .instance_id(instance_id)
            .body_map(|b| b.database(database))
            .send()
            .await?;
        Ok(added.into_inner().id)
    }

    /// Switches the audit of one database on or off (`switch_audit_database_new`).
    pub async fn set_database_audit(
        &self,
        instance_id: &str,
        database_id: &str,
        on: bool,
    ) -> Result<(), Error> {
        let status = if on {
            SwitchAuditDbRequestStatus::On
        } else {
            SwitchAuditDbRequestStatus::Off
        };
        self.switch_audit_database_new()
            .instance_id(instance_id)
            .body_map(|b| b.id(database_id).status(status))
            .send()
            .await?;
        Ok(())
    }

    /// Removes a database from `instance_id` (`delete_audit_database_new`).
    pub async fn delete_database(&self, instance_id: &str, database_id: &str) -> Result<(), Error> {
        self.delete_audit_database_new()
            .instance_id(instance_id)
            .id(database_id)
            .send()
            .await?;
        Ok(())
    }

    /// Starts an audit instance (`start_audit_instance_new`); `wait_until_instance_running`
    /// of `list_audit_instances_last` waits for it to run.
    pub async fn start_instance(&self, instance_id: &str) -> Result<(), Error> {
        self.start_audit_instance_new()
            .body_map(|b| b.instance_id(instance_id))
            .send()
            .await?;
        Ok(())
    }

    /// Stops an audit instance (`stop_audit_instance_new`); `wait_until_instance_stopped` of
    /// `list_audit_instances_last` waits for it to stop.
    pub async fn stop_instance(&self, instance_id: &str) -> Result<(), Error> {
        self.stop_audit_instance_new()
            .body_map(|b| b.instance_id(instance_id))
            .send()
            .await?;
        Ok(())
    }
}
