//! The audit logs: the audited SQL statements of an instance (`list_audit_sqls_new`), page by
//! page as a stream.

use dbss_types::operations::Operation;
use dbss_types::{AuditSqlRequest, AuditSqlResponseSqls};
use futures::Stream;

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::ops::databases::typed;

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
    ) -> impl Stream<Item = Result<AuditSqlResponseSqls, Error>> + 'a {
        use futures::TryStreamExt;
        futures::stream::try_unfold(Some(query), move |query| async move {
            let Some(mut query) = query else {
                return Ok::<_, Error>(None);
            };
            let body = serde_json::to_value(&query).map_err(|e| Error::Decode {
                status: None,
                message: e.to_string(),
                excerpt: String::new(),
                request_id: None,
            })?;
            let response = self
                .api(Operation::ListAuditSqlsNew)
                .arg("instance_id", instance_id)
                .body(body)
                .send()
                .await?;
            let page: dbss_types::ListAuditSqlsNewResponse = typed(&response)?;
            let fetched = query.page.saturating_mul(query.size);
            let full = query.size > 0 && page.sqls.len() as i64 == query.size;
            let more = full && page.total.is_none_or(|total| fetched < total);
            let next = more.then(|| {
                query.page += 1;
                query
            });
            Ok(Some((
                futures::stream::iter(page.sqls.into_iter().map(Ok)),
                next,
            )))
        })
        .try_flatten()
    }
}
