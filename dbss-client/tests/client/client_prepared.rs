//! `create_report(..).send()` builds its request itself (once per operation, see
//! `src/execution/prepared.rs`) instead of through the generated builder, and sends it over the
//! client's HTTP client (`src/transport/`: hyper-util, or a caller's `reqwest::Client`)
//! without the detour through a `reqwest::Response`. These tests send the same create-report both ways, with the clock
//! standing still, and check that the server received the same bytes: request line, every
//! header in order (signature included), body.
#![allow(clippy::unwrap_used)]

use crate::support;

use dbss_client::{Credentials, DbssClient};
use support::{INSTANCE, PROJECT, Recorded, ScriptServer, Stack, Step, TEMPLATE, wire_client};

fn client(endpoint: &str, credentials: Credentials) -> DbssClient {
    wire_client(Stack::Own, endpoint, credentials)
}

/// Sends one create-report through the wrapper and one through the generated builder, and
/// returns what the server received for each.
async fn both_ways(
    stack: Stack,
    endpoint_suffix: &str,
    credentials: Credentials,
    build: impl Fn(&DbssClient) -> dbss_client::CreateReport<'_>,
) -> (Recorded, Recorded) {
    let ok = || Step::json(200, r#"{"result":"success"}"#);
    let server = ScriptServer::start(vec![ok(), ok()]).await;
    let client = wire_client(
        stack,
        &format!("{}{endpoint_suffix}", server.url),
        credentials,
    );

    let body = build(&client).request().unwrap();
    build(&client).send().await.unwrap();
    let generated = client
        .raw()
        .create_report()
        .project_id(PROJECT)
        .instance_id(INSTANCE)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        generated.into_inner().result,
        Some(dbss_client::types::ReportResult::Success)
    );

    let mut requests = server.requests().into_iter();
    let wrapper = requests.next().unwrap();
    let raw = requests.next().unwrap();
    assert!(requests.next().is_none());
    (wrapper, raw)
}

fn assert_same_bytes(wrapper: &Recorded, raw: &Recorded) {
    assert_eq!(wrapper.method, raw.method);
    assert_eq!(wrapper.target, raw.target);
    assert_eq!(wrapper.headers, raw.headers, "headers, in order");
    assert_eq!(wrapper.body, raw.body);
}

#[tokio::test]
async fn signed_create_report_is_byte_for_byte_the_generated_clients() {
    for stack in [Stack::Own, Stack::CallersReqwest] {
        signed_create_report_on(stack).await;
    }
}

async fn signed_create_report_on(stack: Stack) {
    let (wrapper, raw) = both_ways(
        stack,
        "",
        Credentials::ak_sk("AKWIRETEST0000000001", "SK-wire-test-secret"),
        |client| {
            client
                .create_report(INSTANCE)
                .template(TEMPLATE)
                .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
                .dates("2025-08-20", "2025-08-21")
                .databases(["db-1", "db-2"])
        },
    )
    .await;
    assert_same_bytes(&wrapper, &raw);
    // What was compared is a signed create-report, not two empty requests.
    assert_eq!(wrapper.method, "POST");
    assert_eq!(
        wrapper.target,
        format!("/v1/{PROJECT}/audit/{INSTANCE}/reports/create")
    );
    assert!(
        wrapper
            .header("authorization")
            .unwrap()
            .starts_with("SDK-HMAC-SHA256 Access=AKWIRETEST0000000001")
    );
    assert_eq!(wrapper.header("x-sdk-date"), Some("20250821T070331Z"));
    assert_eq!(wrapper.header("x-project-id"), Some(PROJECT));
    assert_eq!(wrapper.header("content-type"), Some("application/json"));
    assert_eq!(wrapper.header("accept"), Some("application/json"));
    assert!(wrapper.header("api-version").is_none());
    let body: serde_json::Value = serde_json::from_slice(&wrapper.body).unwrap();
    assert_eq!(body["db_ids"], "db-1,db-2");
    assert_eq!(body["start_date"], "2025-08-20");
}

#[tokio::test]
async fn token_create_report_under_an_endpoint_path_is_the_generated_clients() {
    let (wrapper, raw) = both_ways(
        Stack::Own,
        "/gateway/dbss/",
        Credentials::token("iam-token-for-the-wire-test"),
        |client| {
            client
                .create_report(INSTANCE)
                .template(TEMPLATE)
                .time_range(
                    jiff::civil::date(2025, 8, 20).at(16, 0, 0, 0),
                    jiff::civil::date(2025, 8, 21).at(7, 3, 31, 0),
                )
        },
    )
    .await;
    assert_same_bytes(&wrapper, &raw);
    assert_eq!(
        wrapper.target,
        format!("/gateway/dbss/v1/{PROJECT}/audit/{INSTANCE}/reports/create")
    );
    assert_eq!(
        wrapper.header("x-auth-token"),
        Some("iam-token-for-the-wire-test")
    );
    assert!(wrapper.header("authorization").is_none());
}

/// The URL of an instance is built once and reused; a second instance gets its own.
#[tokio::test]
async fn each_instance_gets_its_own_url() {
    let ok = || Step::json(200, r#"{"result":"success"}"#);
    let server = ScriptServer::start(vec![ok(), ok(), ok()]).await;
    let client = client(
        &server.url,
        Credentials::ak_sk("AKWIRETEST0000000001", "SK-wire-test-secret"),
    );
    let other = "00000000000000000000000000000001";
    for instance in [INSTANCE, other, INSTANCE] {
        client
            .create_report(instance)
            .template(TEMPLATE)
            .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
            .send()
            .await
            .unwrap();
    }
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    let url = |instance: &str| format!("/v1/{PROJECT}/audit/{instance}/reports/create");
    assert_eq!(targets, [url(INSTANCE), url(other), url(INSTANCE)]);
}

/// Redirects are not followed (the official SDK follows none), by either of the SDK's own
/// stacks (the create-report transport, reqwest for the other operations): a 302 is an
/// undocumented answer, reported with its status, and nothing is sent to where it points.
#[tokio::test]
async fn redirects_are_not_followed() {
    let redirect = || Step::json(302, "").with_header("Location", "/elsewhere");
    let server = ScriptServer::start(vec![redirect(), redirect()]).await;
    let client = client(
        &server.url,
        Credentials::ak_sk("AKWIRETEST0000000001", "SK-wire-test-secret"),
    );
    let created = client
        .create_report(INSTANCE)
        .template(TEMPLATE)
        .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
        .send()
        .await
        .unwrap_err();
    let listed = client.list_templates(INSTANCE).send().await.unwrap_err();
    for error in [&created, &listed] {
        assert_eq!(error.status(), Some(302), "{error}");
        assert!(
            matches!(error, dbss_client::Error::Decode { .. }),
            "{error}"
        );
    }
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets.len(), 2, "{targets:?}");
    assert!(
        targets.iter().all(|t| !t.contains("elsewhere")),
        "{targets:?}"
    );
}

const AK: &str = "AKWIRETEST0000000001";

fn signed() -> Credentials {
    Credentials::ak_sk(AK, "SK-wire-test-secret")
}

/// Answers `answer` twice, runs the SDK's call then the generated builder's, and checks that
/// the server received the same bytes both times; returns the first request.
async fn same_as_generated<S, G>(stack: Stack, answer: Step, sdk: S, generated: G) -> Recorded
where
    S: AsyncFnOnce(&DbssClient),
    G: AsyncFnOnce(&DbssClient),
{
    let server = ScriptServer::start(vec![answer.clone(), answer]).await;
    let client = wire_client(stack, &server.url, signed());
    sdk(&client).await;
    generated(&client).await;
    let mut requests = server.requests().into_iter();
    let (prepared, raw) = (requests.next().unwrap(), requests.next().unwrap());
    assert!(requests.next().is_none());
    assert_same_bytes(&prepared, &raw);
    assert!(
        prepared
            .header("authorization")
            .unwrap()
            .starts_with("SDK-HMAC-SHA256 Access=AKWIRETEST0000000001"),
        "{prepared:?}"
    );
    assert!(prepared.header("api-version").is_none());
    prepared
}

/// Every operation is prepared once (the generated builder builds its request on a capturing
/// client) and sent from that; each kind of request and answer is compared with the generated
/// builder sending it itself: a GET with a query (typed wrapper), a DELETE, a POST by name, a
/// POST with the official SDK's `charset` content type and no answer body, and a file.
#[tokio::test]
async fn every_kind_of_prepared_operation_is_byte_for_byte_the_generated_clients() {
    for stack in [Stack::Own, Stack::CallersReqwest] {
        let page = Step::json(200, r#"{"databases":[],"total":0}"#);
        let get = same_as_generated(
            stack,
            page,
            async |c| {
                c.list_databases_page(INSTANCE, 20, 100).await.unwrap();
            },
            async |c| {
                c.raw()
                    .list_audit_databases_new()
                    .project_id(PROJECT)
                    .instance_id(INSTANCE)
                    .offset("20")
                    .limit("100")
                    .send()
                    .await
                    .unwrap();
            },
        )
        .await;
        assert_eq!(get.method, "GET");
        assert!(get.target.contains("offset=20"), "{}", get.target);
        assert!(get.target.contains("limit=100"), "{}", get.target);

        let deleted = Step::json(200, r#"{"status":"SUCCESS"}"#);
        let delete = same_as_generated(
            stack,
            deleted,
            async |c| {
                c.delete_report(INSTANCE, "report-0000000001")
                    .send()
                    .await
                    .unwrap();
            },
            async |c| {
                c.raw()
                    .delete_audit_report()
                    .project_id(PROJECT)
                    .instance_id(INSTANCE)
                    .id("report-0000000001")
                    .send()
                    .await
                    .unwrap();
            },
        )
        .await;
        assert_eq!(delete.method, "DELETE");
        assert!(delete.body.is_empty());

        let reports = Step::json(200, r#"{"reports":[],"total":0}"#);
        let query = serde_json::json!({"name": "weekly", "page": 2, "size": 50});
        let by_name = same_as_generated(
            stack,
            reports,
            async |c| {
                c.api(dbss_client::types::operations::Operation::ListAuditReports)
                    .arg("instance_id", INSTANCE)
                    .body(query.clone())
                    .send()
                    .await
                    .unwrap();
            },
            async |c| {
                c.raw()
                    .list_audit_reports()
                    .project_id(PROJECT)
                    .instance_id(INSTANCE)
                    .body(
                        serde_json::from_value::<dbss_client::types::ListAuditReportsRequest>(
                            query.clone(),
                        )
                        .unwrap(),
                    )
                    .send()
                    .await
                    .unwrap();
            },
        )
        .await;
        assert_eq!(by_name.method, "POST");
        let sent: serde_json::Value = serde_json::from_slice(&by_name.body).unwrap();
        assert_eq!(sent, query);

        let tags = serde_json::json!({"tags": [{"key": "team", "value": "audit"}]});
        let empty = Step::Respond {
            status: 200,
            headers: vec![],
            body: vec![],
        };
        let charset = same_as_generated(
            stack,
            empty,
            async |c| {
                let answer = c
                    .api(dbss_client::types::operations::Operation::BatchAddResourceTag)
                    .arg("resource_type", "auditInstance")
                    .arg("resource_id", INSTANCE)
                    .body(tags.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.answer, dbss_client::api::Answer::Empty);
            },
            async |c| {
                c.raw()
                    .batch_add_resource_tag()
                    .project_id(PROJECT)
                    .resource_type("auditInstance")
                    .resource_id(INSTANCE)
                    .body(
                        serde_json::from_value::<dbss_client::types::ResourceTagRequest>(
                            tags.clone(),
                        )
                        .unwrap(),
                    )
                    .send()
                    .await
                    .unwrap();
            },
        )
        .await;
        assert_eq!(
            charset.header("content-type"),
            Some("application/json;charset=utf-8")
        );

        let file = Step::Respond {
            status: 200,
            headers: vec![("Content-Type".into(), "application/octet-stream".into())],
            body: b"agent package".to_vec(),
        };
        let download = same_as_generated(
            stack,
            file,
            async |c| {
                let answer = c
                    .api(dbss_client::types::operations::Operation::DownloadAuditAgentNew)
                    .arg("instance_id", INSTANCE)
                    .arg("agent_id", "agent-0000000000001")
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    answer.answer,
                    dbss_client::api::Answer::Bytes(bytes::Bytes::from_static(b"agent package"))
                );
            },
            async |c| {
                c.raw()
                    .download_audit_agent_new()
                    .project_id(PROJECT)
                    .instance_id(INSTANCE)
                    .agent_id("agent-0000000000001")
                    .send()
                    .await
                    .unwrap();
            },
        )
        .await;
        assert_eq!(download.method, "GET");
    }
}

/// A retried operation sends the request it prepared again: with the clock standing still,
/// both attempts are the same bytes (signed afresh each time: the signature is the same only
/// because the time is), and the second answer is decoded (else `send` would fail).
#[tokio::test]
async fn a_retry_sends_the_prepared_request_again() {
    for stack in [Stack::Own, Stack::CallersReqwest] {
        let busy = Step::json(503, r#"{"error_code":"DBSS.0503","error_msg":"busy"}"#);
        let deleted = Step::json(200, r#"{"status":"SUCCESS"}"#);
        let server = ScriptServer::start(vec![busy, deleted]).await;
        let client = wire_client(stack, &server.url, signed());
        client
            .delete_report(INSTANCE, "report-0000000001")
            .send()
            .await
            .unwrap();
        let requests = server.requests();
        assert_eq!(requests.len(), 2, "{requests:?}");
        assert_same_bytes(&requests[0], &requests[1]);
        assert!(requests[0].header("authorization").is_some());
    }
}
