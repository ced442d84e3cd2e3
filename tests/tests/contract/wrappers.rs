//! The lifecycle and audit-log wrappers against the mock: each reaches its operation once (or
//! once per page) and decodes the answer into the generated types.
#![allow(clippy::unwrap_used)]

use dbss_client::types::operations::Operation;
use dbss_client::{DbssClient, Error};
use dbss_contract_tests::{document, mock_client};
use dbss_mock::MockServer;
use futures::TryStreamExt;
use serde_json::json;

fn client(mock: &MockServer) -> DbssClient {
    mock_client::aksk(mock).build().unwrap()
}

#[tokio::test]
async fn the_database_lifecycle_goes_through_its_operations() {
    // Instance actions land at the next request, so the start after the stop is allowed.
    let mock = MockServer::builder()
        .lifecycle_duration(std::time::Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    let instance = mock.instance_id();

    let databases: Vec<_> = client.list_databases(instance).try_collect().await.unwrap();
    assert!(!databases.is_empty());
    assert_eq!(mock.requests(Operation::ListAuditDatabasesNew), 1);

    let doc = document::json();
    let schema = &doc["components"]["schemas"]["CreateDatabaseRequestDatabase"];
    let database =
        serde_json::from_value(dbss_mock::synth::value_of(doc, schema, 0).unwrap()).unwrap();
    let id = client
        .add_database(instance, database)
        .await
        .unwrap()
        .unwrap();
    client
        .set_database_audit(instance, &id, true)
        .await
        .unwrap();
    client
        .set_database_audit(instance, &id, false)
        .await
        .unwrap();
    client.delete_database(instance, &id).await.unwrap();
    let after: Vec<_> = client.list_databases(instance).try_collect().await.unwrap();
    assert_eq!(after.len(), databases.len(), "added, then deleted");
    client.stop_instance(instance).await.unwrap();
    client.start_instance(instance).await.unwrap();
    for (op, n) in [
        (Operation::AddAuditDatabaseNew, 1),
        (Operation::SwitchAuditDatabaseNew, 2),
        (Operation::DeleteAuditDatabaseNew, 1),
        (Operation::ListAuditDatabasesNew, 2),
        (Operation::StopAuditInstanceNew, 1),
        (Operation::StartAuditInstanceNew, 1),
    ] {
        assert_eq!(mock.requests(op), n, "{op}");
    }
}

#[tokio::test]
async fn audit_sqls_stream_pages_until_a_short_page() {
    // 300 statements over 30 days: about 10 in the last day, the mock's generated audit data.
    // A still clock: the window of the two listings is the same.
    let mock = MockServer::builder()
        .audit_rows(300)
        .clock(dbss_mock::ManualClock::starting_now())
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    let page = |size: u32| {
        serde_json::from_value(json!({
            "time": {"time_range": "DAY"}, "page": 1, "size": size, "time_order": "DESC"
        }))
        .unwrap()
    };
    let all: Vec<_> = client
        .audit_sqls(mock.instance_id(), page(1000))
        .try_collect()
        .await
        .unwrap();
    assert!((5..=15).contains(&all.len()), "{}", all.len());
    mock.reset_counters();
    // Pages of 3: every full page asks for the next while `total` allows; the stream stops at
    // the short (or empty) one.
    let sqls: Vec<_> = client
        .audit_sqls(mock.instance_id(), page(3))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sqls, all);
    let requests = mock.requests(Operation::ListAuditSqlsNew);
    assert!(
        requests == all.len().div_ceil(3) as u64 || requests == all.len() as u64 / 3 + 1,
        "{requests} requests for {} statements",
        all.len()
    );
}

#[tokio::test]
async fn a_bad_instance_id_is_refused_before_sending() {
    let mock = MockServer::builder().start().await.unwrap();
    let err = client(&mock)
        .set_database_audit("short", "dbid0123456789abcdef", true)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Validation(v) if v.field == "instance_id"),
        "{err}"
    );
    assert_eq!(mock.requests(Operation::SwitchAuditDatabaseNew), 0);
}
