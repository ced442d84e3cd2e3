//! The audit logs: the audited SQL statements of an instance (`list_audit_sqls_new`), page by
//! page as a stream; a thin layer over that operation's paginator.

use dbss_types::{AuditSqlRequest, AuditSqlResponseSqls};
use futures::Stream;

use crate::client::DbssClient;
use crate::execution::error::Error;

impl DbssClient {
    /// Every audited SQL statement `query` selects, from its `page` on, fetched page by page
    /// (`query.size` statements each) as the stream is read.
    ///
    /// ```no_run
    /// # async fn demo(client: &dbss_client::DbssClient) -> Result<(), dbss_client::Error> {
    /// use futures::TryStreamExt;
    /// let query = serde_json::from_value(serde_json::json!({
    ///     "time": {"time_range": "DAY"}, "page": 1, "size": 100, "time_order": "DESC"
    /// })).expect("a valid query");
    /// let sqls: Vec<_> = client.audit_sqls("3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7", query).try_collect().await?;
    /// # let _ = sqls; Ok(()) }
    /// ```
    pub fn audit_sqls<'a>(
        &'a self,
        instance_id: &'a str,
        query: AuditSqlRequest,
    ) -> impl Stream<Item = Result<AuditSqlResponseSqls, Error>> + Send + 'a {
        self.list_audit_sqls_new()
            .instance_id(instance_id)
            .body(query)
            .items()
    }
}
