//! What the integration tests share: a plain reqwest client, URL builders and an AK/SK signing
//! helper. The tests talk to the mock the way any HTTP client would, never through dbss-client.

#![allow(dead_code, clippy::unwrap_used)]

use std::time::{Duration, SystemTime};

use dbss_mock::MockServer;
use dbss_signer::{Credentials, SignableRequest, SigningParams, SigningTime, sign};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;

/// A reqwest client with a generous overall timeout (so a broken test fails instead of hanging).
pub fn client() -> Client {
    client_with_timeout(Duration::from_secs(30))
}

pub fn client_with_timeout(timeout: Duration) -> Client {
    // The workspace's reqwest has TLS without a default crypto provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .timeout(timeout)
        // One connection per request: a reset or stalled connection must not be reused.
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// `{base}/v1/{project}/audit/{instance}{suffix}`.
pub fn v1(mock: &MockServer, suffix: &str) -> String {
    format!(
        "{}/v1/{}/audit/{}{suffix}",
        mock.base_url(),
        mock.project_id(),
        mock.instance_id()
    )
}

/// `{base}/v2/{project}/audit/{instance}{suffix}`.
pub fn v2(mock: &MockServer, suffix: &str) -> String {
    format!(
        "{}/v2/{}/audit/{}{suffix}",
        mock.base_url(),
        mock.project_id(),
        mock.instance_id()
    )
}

pub fn instances_url(mock: &MockServer, query: &str) -> String {
    format!(
        "{}/v2/{}/audit/instances{query}",
        mock.base_url(),
        mock.project_id()
    )
}

/// A CreateReport body in the reference's example form.
pub fn create_body(mock: &MockServer) -> Value {
    serde_json::json!({
        "template_id": mock.template_id(),
        "start_time": "2025-08-20 16:00:00",
        "end_time": "2025-08-21 07:03:31",
        "db_ids": null,
    })
}

/// A request authenticated with the mock's IAM token.
pub fn with_token(client: &Client, mock: &MockServer, method: Method, url: &str) -> RequestBuilder {
    client
        .request(method, url)
        .header("X-Auth-Token", mock.token())
}

/// A request signed with `ak`/`sk` at `time`, as the official SDK signs: Content-Type
/// application/json, the sorted query, X-Sdk-Date, Host and Authorization.
pub fn signed_as(
    client: &Client,
    method: Method,
    url: &str,
    body: Option<&[u8]>,
    ak: &str,
    sk: &str,
    time: SystemTime,
) -> RequestBuilder {
    signed_with(
        client,
        method,
        url,
        body,
        Credentials::new(ak, sk.as_bytes()),
        time,
    )
}

/// A request signed with `credentials` (temporary ones sign their `X-Security-Token` too) at
/// `time`, as `Content-Type: application/json`.
pub fn signed_with(
    client: &Client,
    method: Method,
    url: &str,
    body: Option<&[u8]>,
    credentials: Credentials<'_>,
    time: SystemTime,
) -> RequestBuilder {
    let headers = [("Content-Type", "application/json")];
    let request = SignableRequest {
        method: method.as_str(),
        url,
        headers: &headers,
        body,
    };
    let time = SigningTime::from_system_time(time).unwrap();
    let signed = sign(&request, &SigningParams::new(credentials, time)).unwrap();
    let mut builder = client.request(method.clone(), signed.url());
    for (name, value) in signed.headers() {
        // reqwest writes Host from the URL, which is what was signed.
        if !name.eq_ignore_ascii_case("host") {
            builder = builder.header(name, value);
        }
    }
    if let Some(body) = body {
        builder = builder.body(body.to_vec());
    }
    builder
}

/// A request signed now with the mock's seeded access key.
pub fn signed(
    client: &Client,
    mock: &MockServer,
    method: Method,
    url: &str,
    body: Option<&[u8]>,
) -> RequestBuilder {
    signed_as(
        client,
        method,
        url,
        body,
        mock.ak(),
        mock.sk(),
        SystemTime::now(),
    )
}

/// Status and JSON body of a response.
pub async fn json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap();
    (status, body)
}

/// The `error_code` and `error_msg` of a DBSS error body.
pub fn error_of(body: &Value) -> (&str, &str) {
    (
        body["error_code"].as_str().unwrap_or_default(),
        body["error_msg"].as_str().unwrap_or_default(),
    )
}

/// Asserts that the mock refused the request with 400 `INVALID_PARAMETER` and `message`.
pub fn assert_invalid(result: (u16, Value), message: &str) {
    let (status, body) = result;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        error_of(&body),
        (dbss_mock::codes::INVALID_PARAMETER, message),
        "{body}"
    );
}

/// Sends a request and returns the error it must fail with.
pub async fn expect_transport_error(request: RequestBuilder) -> reqwest::Error {
    match request.send().await {
        Ok(response) => panic!("expected a transport error, got {}", response.status()),
        Err(error) => error,
    }
}

/// Whether an error's source chain contains an I/O error of `kind`.
pub fn has_io_kind(error: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// The error and its sources, one per line, for assertion messages.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut current = error.source();
    while let Some(e) = current {
        out.push_str(" <- ");
        out.push_str(&e.to_string());
        current = e.source();
    }
    out
}
