//! Every operation, wrapped or generated, goes through the client's one HTTP client
//! (`src/transport/`): hyper-util by default, a caller's `reqwest::Client` when given. These
//! tests check that both stacks put the same bytes on the wire for generated operations (GET with
//! a query, DELETE, POST by name), that a client keeps one pool whatever mix of operations it
//! sends, and that a failure of the hyper-util stack inside the generated code keeps its type.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use dbss_client::types::operations::Operation;
use dbss_client::{Credentials, DbssClient, Error};
use dbss_mock::MockServer;
use support::{INSTANCE, PROJECT, Recorded, ScriptServer, Stack, Step, wire_client};

fn client_on(stack: Stack, endpoint: &str) -> DbssClient {
    wire_client(
        stack,
        endpoint,
        Credentials::ak_sk("AKWIRETEST0000000001", "SK-wire-test-secret"),
    )
}

const REPORT: &str = "Hx9QLJgBTpKZyZbbhTgS";

/// Sends a list (GET with a query), a delete (DELETE) and an operation by name (POST with a
/// body) on `stack` to `server` (the same server for both stacks: the host is signed).
async fn three_operations(stack: Stack, server: &ScriptServer) {
    let client = client_on(stack, &server.url);
    let page = client
        .list_audit_instances_last()
        .offset("2")
        .limit("50")
        .send()
        .await
        .unwrap();
    assert!(page.instances.is_empty());
    client.delete_report(INSTANCE, REPORT).send().await.unwrap();
    client
        .api(Operation::ListAuditSqlsNew)
        .arg("instance_id", INSTANCE)
        .body(serde_json::json!({
            "time": {"time_range": "DAY"}, "page": 1, "size": 1000, "time_order": "DESC"
        }))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn generated_operations_put_the_same_bytes_on_the_wire_on_either_stack() {
    let answers = || {
        [
            Step::json(200, r#"{"servers":[],"total":0}"#),
            Step::json(200, r#"{"status":"SUCCESS"}"#),
            Step::json(200, r#"{"sqls":[],"total":0}"#),
        ]
    };
    let server = ScriptServer::start(answers().into_iter().chain(answers()).collect()).await;
    three_operations(Stack::Own, &server).await;
    three_operations(Stack::CallersReqwest, &server).await;
    let requests: Vec<Recorded> = server.requests();
    assert_eq!(requests.len(), 6, "{requests:?}");
    let (own, reqwest) = requests.split_at(3);
    for (own, reqwest) in own.iter().zip(reqwest) {
        assert_eq!(own.method, reqwest.method);
        assert_eq!(own.target, reqwest.target);
        assert_eq!(own.version, reqwest.version);
        assert_eq!(own.headers, reqwest.headers, "headers, in order");
        assert_eq!(own.body, reqwest.body);
    }
    // What was compared: a GET with its query, a DELETE and a signed POST with a body.
    assert_eq!(own[0].method, "GET");
    assert!(own[0].target.contains("offset=2"), "{}", own[0].target);
    assert_eq!(own[1].method, "DELETE");
    assert!(own[1].target.ends_with(REPORT), "{}", own[1].target);
    assert_eq!(own[2].method, "POST");
    assert!(own[2].header("content-length").is_some());
    assert!(
        own[2]
            .header("authorization")
            .unwrap()
            .starts_with("SDK-HMAC-SHA256 Access=AKWIRETEST0000000001")
    );
    let body: serde_json::Value = serde_json::from_slice(&own[2].body).unwrap();
    assert_eq!(body["size"], 1000);
}

/// One request at a time, any mix of operations: one connection, reused by all of them.
async fn connections_for_a_mix_of_operations(stack: Stack) -> u64 {
    let mock = MockServer::builder()
        .report_duration(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let mut builder = DbssClient::builder()
        .endpoint(mock.base_url())
        .project_id(mock.project_id())
        .credentials(Credentials::ak_sk(mock.ak(), mock.sk()));
    if stack == Stack::CallersReqwest {
        dbss_client::install_crypto_provider();
        builder = builder.http_client(reqwest::Client::new());
    }
    let client = builder.build().unwrap();
    let instance = mock.instance_id().to_owned();
    for _ in 0..3 {
        // The prepared path (create-report), wrappers over generated operations, and an
        // operation by name.
        client
            .create_report(&instance)
            .template(mock.template_id())
            .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
            .send()
            .await
            .unwrap();
        let templates = client.list_templates(&instance).send().await.unwrap();
        assert!(!templates.is_empty());
        let page = client.list_reports(&instance).send().await.unwrap();
        let report = page.reports.first().unwrap().id.clone().unwrap();
        client
            .delete_report(&instance, report)
            .send()
            .await
            .unwrap();
        client
            .api(Operation::ListAuditInstances)
            .send()
            .await
            .unwrap();
    }
    mock.connections_accepted()
}

#[tokio::test]
async fn every_operation_shares_one_pool() {
    assert_eq!(connections_for_a_mix_of_operations(Stack::Own).await, 1);
    assert_eq!(
        connections_for_a_mix_of_operations(Stack::CallersReqwest).await,
        1
    );
}

#[tokio::test]
async fn a_refused_connection_in_a_generated_operation_is_a_connection_error() {
    let url = support::refused_url().await;
    let client = support::client_with(&url, dbss_client::RetryPolicy::none());
    let error = client.list_reports(INSTANCE).send().await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Connection {
                request_sent: false,
                ..
            }
        ),
        "{error:?}"
    );
    // The raw client gets a reqwest error whose causes name what happened.
    let raw = client
        .raw()
        .list_audit_instances()
        .project_id(PROJECT)
        .send()
        .await
        .unwrap_err();
    let mut text = raw.to_string();
    let mut source = std::error::Error::source(&raw);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    assert!(text.to_lowercase().contains("connect"), "{text}");
}
