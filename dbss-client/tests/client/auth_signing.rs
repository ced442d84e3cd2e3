//! Signed round trips through the generated client against a loopback server that verifies
//! every request with `dbss_signer::verify` (the same rules as the signer, server side).
#![allow(clippy::unwrap_used)]

use crate::auth_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_support::{INSTANCE_ID, ManualClock, PROJECT_ID, Recorded, Reply, Server, T0};
use dbss_client::Inner;
use dbss_client::auth::Credentials;
use dbss_client::clock::Clock;
use dbss_signer::{DEFAULT_MAX_CLOCK_SKEW, ReceivedRequest};
use reqwest::header::HeaderValue;

const AK: &str = "AKROUNDTRIP000000001";
const SK: &str = "SK-round-trip-secret-0123456789";

/// A server that verifies each request's signature at the clock's current time and answers
/// 200 `ok_body` if it holds, 401 with the verifier's error otherwise. The outcomes are kept.
struct VerifyingServer {
    server: Server,
    outcomes: Arc<Mutex<Vec<Result<(), String>>>>,
}

impl VerifyingServer {
    async fn start(clock: Arc<ManualClock>, ok_body: &'static str) -> Self {
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let o = Arc::clone(&outcomes);
        let server = Server::start(move |r: &Recorded| {
            let outcome = verify(r, clock.now());
            let reply = match &outcome {
                Ok(()) => Reply::json(200, ok_body),
                Err(e) => Reply::json(
                    401,
                    &serde_json::json!({"error_code": "APIGW.0301", "error_msg": e}).to_string(),
                ),
            };
            o.lock().unwrap().push(outcome);
            reply
        })
        .await;
        Self { server, outcomes }
    }

    fn outcomes(&self) -> Vec<Result<(), String>> {
        self.outcomes.lock().unwrap().clone()
    }
}

fn verify(r: &Recorded, now: std::time::SystemTime) -> Result<(), String> {
    let headers: Vec<(&str, &str)> = r
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let received = ReceivedRequest {
        method: &r.method,
        url: &r.target,
        headers: &headers,
        body: Some(&r.body),
    };
    dbss_signer::verify(
        &received,
        |ak| (ak == AK).then_some(SK),
        now,
        DEFAULT_MAX_CLOCK_SKEW,
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

fn raw_client(
    base_url: &str,
    credentials: Credentials,
    clock: Arc<ManualClock>,
) -> dbss_client::raw::Client {
    let http = auth_support::http_client();
    let inner = Inner::new(
        credentials,
        clock,
        HeaderValue::from_static("dbss-rs-auth-test"),
        Some(PROJECT_ID.to_owned()),
        http.clone(),
    );
    dbss_client::raw::Client::new_with_client(base_url, http, inner)
}

async fn create_report(
    client: &dbss_client::raw::Client,
) -> Result<
    progenitor_client::ResponseValue<dbss_client::types::CreateReportResponse>,
    progenitor_client::Error<dbss_client::types::DbssError>,
> {
    client
        .create_report()
        .project_id(PROJECT_ID)
        .instance_id(INSTANCE_ID)
        .body(auth_support::report_body())
        .send()
        .await
}

#[tokio::test]
async fn ak_sk_round_trip_is_signed_and_verified() {
    let clock = ManualClock::at_unix(T0);
    let server = VerifyingServer::start(Arc::clone(&clock), r#"{"result":"success"}"#).await;
    let client = raw_client(&server.server.base_url, Credentials::ak_sk(AK, SK), clock);
    create_report(&client).await.unwrap();

    assert_eq!(server.outcomes(), vec![Ok(())]);
    let r = &server.server.requests()[0];
    let authorization = r.header("authorization").unwrap();
    assert!(
        authorization.starts_with(&format!(
            "SDK-HMAC-SHA256 Access={AK}, \
             SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature="
        )),
        "{authorization}"
    );
    assert_eq!(r.header("x-sdk-date"), Some("20250821T070331Z"));
    assert_eq!(r.header("x-project-id"), Some(PROJECT_ID));
    assert_eq!(r.header("api-version"), None);
    assert_eq!(r.header("x-auth-token"), None);
    assert_eq!(r.header("x-security-token"), None);
    // Host is set explicitly to what was signed; hyper must not add a second one.
    let host = server.server.base_url.trim_start_matches("http://");
    assert_eq!(r.all("host"), vec![host]);
    assert_eq!(r.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn temporary_credentials_send_and_sign_the_security_token() {
    let clock = ManualClock::at_unix(T0);
    let server = VerifyingServer::start(Arc::clone(&clock), r#"{"result":"success"}"#).await;
    let creds = Credentials::ak_sk(AK, SK).with_security_token("ST-round-trip");
    let client = raw_client(&server.server.base_url, creds, clock);
    create_report(&client).await.unwrap();

    assert_eq!(server.outcomes(), vec![Ok(())]);
    let r = &server.server.requests()[0];
    assert_eq!(r.header("x-security-token"), Some("ST-round-trip"));
    assert!(
        r.header("authorization")
            .unwrap()
            .contains(";x-sdk-date;x-security-token, Signature=")
    );
}

#[tokio::test]
async fn every_call_is_signed_again_at_the_current_time() {
    let clock = ManualClock::at_unix(T0);
    let server = VerifyingServer::start(Arc::clone(&clock), r#"{"result":"success"}"#).await;
    let client = raw_client(
        &server.server.base_url,
        Credentials::ak_sk(AK, SK),
        Arc::clone(&clock),
    );
    create_report(&client).await.unwrap();
    clock.advance(Duration::from_secs(90));
    create_report(&client).await.unwrap();

    assert_eq!(server.outcomes(), vec![Ok(()), Ok(())]);
    let reqs = server.server.requests();
    assert_eq!(reqs[0].header("x-sdk-date"), Some("20250821T070331Z"));
    assert_eq!(reqs[1].header("x-sdk-date"), Some("20250821T070501Z"));
    assert_ne!(
        reqs[0].header("authorization"),
        reqs[1].header("authorization")
    );
}

#[tokio::test]
async fn a_stale_signature_is_rejected_by_the_verifier() {
    // The server's clock runs 20 minutes ahead of the client's: the gateway's skew is 15.
    let client_clock = ManualClock::at_unix(T0);
    let server_clock = ManualClock::at_unix(T0 + 20 * 60);
    let server = VerifyingServer::start(server_clock, r#"{"result":"success"}"#).await;
    let client = raw_client(
        &server.server.base_url,
        Credentials::ak_sk(AK, SK),
        client_clock,
    );
    assert!(create_report(&client).await.is_err());
    let outcomes = server.outcomes();
    assert!(
        outcomes[0]
            .as_ref()
            .unwrap_err()
            .contains("signature expired"),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn query_is_sent_sorted_as_signed() {
    let clock = ManualClock::at_unix(T0);
    let server = VerifyingServer::start(Arc::clone(&clock), r#"{"total":0}"#).await;
    let client = raw_client(&server.server.base_url, Credentials::ak_sk(AK, SK), clock);
    client
        .list_audit_instances_last()
        .project_id(PROJECT_ID)
        .offset("0")
        .limit("100")
        .send()
        .await
        .unwrap();
    assert_eq!(server.outcomes(), vec![Ok(())]);
    let r = &server.server.requests()[0];
    assert_eq!(
        r.target,
        format!("/v2/{PROJECT_ID}/audit/instances?limit=100&offset=0")
    );
    // A GET gets the official SDK's Content-Type, and it is signed.
    assert_eq!(r.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn reserved_and_non_ascii_path_parameters_verify() {
    let clock = ManualClock::at_unix(T0);
    let server = VerifyingServer::start(Arc::clone(&clock), "{}").await;
    let client = raw_client(&server.server.base_url, Credentials::ak_sk(AK, SK), clock);
    let _ = client
        .delete_audit_report()
        .project_id(PROJECT_ID)
        .instance_id(INSTANCE_ID)
        .id("rep/1 ä|x^y%z:@=!+")
        .send()
        .await;
    assert_eq!(server.outcomes(), vec![Ok(())]);
    // The parameter arrives as one segment that decodes to the id (how much of it is encoded
    // is the generated code's choice; the signature covers it either way).
    let target = &server.server.requests()[0].target;
    let segment = target.rsplit('/').next().unwrap();
    assert!(!segment.contains(['|', '^', ' ']), "{target}");
    assert_eq!(
        percent_encoding::percent_decode_str(segment)
            .decode_utf8()
            .unwrap(),
        "rep/1 ä|x^y%z:@=!+"
    );
}

#[tokio::test]
async fn token_credentials_send_x_auth_token_and_no_authorization() {
    let clock = ManualClock::at_unix(T0);
    let server = Server::start(|_| Reply::json(200, r#"{"result":"success"}"#)).await;
    let client = raw_client(
        &server.base_url,
        Credentials::token("TOKEN-round-trip"),
        clock,
    );
    create_report(&client).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.header("x-auth-token"), Some("TOKEN-round-trip"));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("x-sdk-date"), None);
    assert_eq!(r.header("api-version"), None);
}

#[tokio::test]
async fn anonymous_requests_carry_no_credentials() {
    let clock = ManualClock::at_unix(T0);
    let server = Server::start(|_| Reply::json(200, r#"{"result":"success"}"#)).await;
    let client = raw_client(&server.base_url, Credentials::Anonymous, clock);
    create_report(&client).await.unwrap();
    let r = &server.requests()[0];
    for name in [
        "authorization",
        "x-auth-token",
        "x-sdk-date",
        "x-security-token",
    ] {
        assert_eq!(r.header(name), None, "{name}");
    }
}
