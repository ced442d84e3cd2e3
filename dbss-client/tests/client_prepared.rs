//! `create_report(..).send()` builds its request itself (once per operation, see
//! `src/execution/prepared.rs`) instead of through the generated builder, and sends it over the
//! client's HTTP client (`src/transport/`: hyper-util, or a caller's `reqwest::Client`)
//! without the detour through a `reqwest::Response`. These tests send the same create-report both ways, with the clock
//! standing still, and check that the server received the same bytes: request line, every
//! header in order (signature included), body.
#![allow(clippy::unwrap_used)]

mod support;

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
