//! The typed builders as a user meets them: bad input refused before sending, retries by the
//! document's idempotency, the paginator over the mock and over a server that ignores the
//! position, and builders that never show a value in `Debug`.
#![allow(clippy::unwrap_used)]

use dbss_client::types::operations::Operation;
use dbss_client::{DbssClient, Error, RetryPolicy, Rule};
use dbss_contract_tests::capture::{CaptureServer, Reply};
use dbss_contract_tests::mock_client;
use dbss_contract_tests::valid_args::value_of;
use dbss_mock::{Fault, MockServer};
use futures::TryStreamExt;
use serde_json::json;

const INSTANCE: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";

/// Retries quickly, so that the tests that retry take no time.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(
        std::time::Duration::from_millis(1),
        std::time::Duration::from_millis(2),
    )
}

fn client(mock: &MockServer) -> DbssClient {
    mock_client::aksk(mock)
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn sqls_body() -> dbss_types::AuditSqlRequest {
    serde_json::from_value(json!({
        "time": {"time_range": "HALF_HOUR"}, "page": 1, "size": 10, "time_order": "DESC"
    }))
    .unwrap()
}

#[tokio::test]
async fn a_read_only_post_is_retried_after_a_500_and_a_creating_post_is_not() {
    let mock = MockServer::builder().start().await.unwrap();
    let client = client(&mock);

    mock.inject(Fault::status(500).once().only(Operation::ListAuditSqlsNew));
    let sqls = client
        .list_audit_sqls_new()
        .instance_id(mock.instance_id())
        .body(sqls_body())
        .send()
        .await
        .unwrap();
    assert!(sqls.request_id().is_some());
    assert_eq!(
        mock.requests(Operation::ListAuditSqlsNew),
        2,
        "sent again after the 500"
    );

    mock.inject(
        Fault::status(500)
            .once()
            .only(Operation::AddAuditDatabaseNew),
    );
    let database: dbss_types::CreateDatabaseRequest = value_of("CreateDatabaseRequest");
    let refused = client
        .add_audit_database_new()
        .instance_id(mock.instance_id())
        .body(database.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(500), "{refused}");
    assert_eq!(
        mock.requests(Operation::AddAuditDatabaseNew),
        1,
        "never sent twice"
    );

    // Unless the caller opts in.
    mock.inject(
        Fault::status(500)
            .once()
            .only(Operation::AddAuditDatabaseNew),
    );
    client
        .add_audit_database_new()
        .instance_id(mock.instance_id())
        .body(database)
        .retry_policy(fast_retries().with_retry_non_idempotent(true))
        .send()
        .await
        .unwrap();
    assert_eq!(mock.requests(Operation::AddAuditDatabaseNew), 3);
}

#[tokio::test]
async fn bad_input_names_the_field_and_nothing_is_sent() {
    let mock = MockServer::builder().start().await.unwrap();
    let client = client(&mock);

    let short = client
        .list_audit_databases_new()
        .instance_id("too-short")
        .send()
        .await
        .unwrap_err();
    let Error::Validation(e) = &short else {
        panic!("{short:?}")
    };
    assert_eq!(e.field, "instance_id");
    assert!(short.to_string().contains("shorter than 32"), "{short}");

    let missing = client.list_audit_databases_new().send().await.unwrap_err();
    let Error::Validation(e) = &missing else {
        panic!("{missing:?}")
    };
    assert_eq!((e.field, &e.rule), ("instance_id", &Rule::Required));

    let no_body = client
        .list_audit_sqls_new()
        .instance_id(mock.instance_id())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&no_body, Error::Validation(e) if e.field == "body"),
        "{no_body:?}"
    );
    assert_eq!(mock.total_requests(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_builder_s_debug_names_what_is_set_and_shows_no_value() {
    let mock = MockServer::builder().start().await.unwrap();
    let client = client(&mock);
    let request = client
        .reset_db_om_password()
        .instance_id(INSTANCE)
        .body_map(|b| b.new_password("hunter2-Secret!").user_name("admin"));
    let shown = format!("{request:?}");
    assert!(
        shown.contains("instance_id") && shown.contains("body"),
        "{shown}"
    );
    assert!(
        !shown.contains("hunter2") && !shown.contains(INSTANCE),
        "{shown}"
    );
}

#[tokio::test]
async fn items_yield_each_of_250_instances_exactly_once() {
    let mock = MockServer::builder().instances(250).start().await.unwrap();
    let client = client(&mock);
    let ids: Vec<String> = client
        .list_audit_instances_last()
        .limit("100")
        .items()
        .map_ok(|instance| instance.id.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    let mut expected = mock.instance_ids();
    let mut got = ids.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert_eq!(ids.len(), 250);
    // 100 + 100 + a short page of 50.
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 3);

    // Without a size, the largest page the operation serves: one call.
    mock.reset_counters();
    let mut pages = client.list_audit_instances_last().into_paginator();
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!(first.instances.len(), 250);
    assert!(pages.next_page().await.is_none());
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 1);

    // The total ends the pages even when the last one is full.
    mock.reset_counters();
    let count = client
        .list_audit_instances_last()
        .limit("125")
        .items()
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap();
    assert_eq!(count, 250);
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 2);
}

#[tokio::test]
async fn a_server_that_ignores_the_position_does_not_loop_forever() {
    let server = CaptureServer::start().await.unwrap();
    server.reply_with(Reply::json(
        200,
        &json!({"total": 1000, "instances": [{"id": "a"}, {"id": "b"}]}),
    ));
    let client = mock_client::of_server(server.base_url());
    let items: Vec<_> = client
        .list_audit_instances_last()
        .limit("2")
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 2, "the repeated page is not yielded again");
    let requests = server.take();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].query.as_deref(), Some("limit=2&offset=0"));
    assert_eq!(requests[1].query.as_deref(), Some("limit=2&offset=2"));
}

#[tokio::test]
async fn body_paged_lists_move_the_page_in_the_body() {
    let server = CaptureServer::start().await.unwrap();
    server.reply_with(Reply::json(200, &json!({"total": 3, "reports": [{}, {}]})));
    let client = mock_client::of_server(server.base_url());
    let mut pages = client
        .list_audit_reports()
        .instance_id(INSTANCE)
        .body_map(|b| b.page(1).size(2))
        .into_paginator();
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!(first.reports.len(), 2);
    // The same page again: the paginator stops rather than asking for page 3.
    assert!(pages.next_page().await.is_none());
    let requests = server.take();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].json()["page"], json!(1));
    assert_eq!(requests[1].json()["page"], json!(2));
    assert_eq!(requests[1].json()["size"], json!(2));
}
