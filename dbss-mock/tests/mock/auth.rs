//! Authentication: tokens, AK/SK signatures verified with dbss-signer, expiry, and opting out.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::{Duration, SystemTime};

use common::*;
use dbss_mock::{ManualClock, MockServer, Operation, codes};
use reqwest::Method;
use serde_json::json;

fn assert_401(status: u16, body: &serde_json::Value, needle: &str) {
    assert_eq!(status, 401, "{body}");
    let (code, msg) = error_of(body);
    assert_eq!(code, codes::AUTH_FAILED);
    assert!(msg.contains(needle), "{msg:?} should mention {needle:?}");
}

#[tokio::test]
async fn no_credentials_and_unknown_token_are_401() {
    let mock = MockServer::start().await.unwrap();
    let client = client();
    let url = instances_url(&mock, "");
    let (status, body) = json(client.get(&url).send().await.unwrap()).await;
    assert_401(status, &body, "no credentials");

    let (status, body) = json(
        client
            .get(&url)
            .header("X-Auth-Token", "not-a-token")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_401(status, &body, "X-Auth-Token");
    // The token's value never appears in the answer.
    assert!(!body.to_string().contains("not-a-token"));
    // Rejected requests are still counted.
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 2);
}

#[tokio::test]
async fn aksk_signed_requests_are_accepted_for_every_method() {
    let mock = MockServer::builder()
        .report_duration(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = client();

    // GET with a query (signed sorted, sent sorted).
    let url = instances_url(&mock, "?offset=0&limit=10");
    let response = signed(&client, &mock, Method::GET, &url, None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    // POST with a body.
    let body = serde_json::to_vec(&create_body(&mock)).unwrap();
    let url = v1(&mock, "/reports/create");
    let response = signed(&client, &mock, Method::POST, &url, Some(&body))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    // DELETE.
    let url = v1(&mock, "/reports/Hx9QLJgBTpKZyZbbhTgS");
    let response = signed(&client, &mock, Method::DELETE, &url, None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

#[tokio::test]
async fn a_tampered_body_or_wrong_secret_is_a_signature_mismatch() {
    let mock = MockServer::start().await.unwrap();
    let client = client();
    let url = v1(&mock, "/reports/list");
    let signed_body = br#"{"page":1,"size":10}"#;
    let request = signed(&client, &mock, Method::POST, &url, Some(signed_body))
        // Replaces the signed body.
        .body(r#"{"page":2,"size":10}"#);
    let (status, body) = json(request.send().await.unwrap()).await;
    assert_401(status, &body, "verify aksk signature fail");
    // The server's string to sign is there to compare with the client's; no secret is.
    assert!(error_of(&body).1.contains("SDK-HMAC-SHA256"));
    assert!(!body.to_string().contains(mock.sk()));

    let request = signed_as(
        &client,
        Method::POST,
        &url,
        Some(signed_body),
        mock.ak(),
        "the-wrong-secret-key",
        SystemTime::now(),
    );
    let (status, body) = json(request.send().await.unwrap()).await;
    assert_401(status, &body, "verify aksk signature fail");

    let request = signed_as(
        &client,
        Method::POST,
        &url,
        Some(signed_body),
        "UNKNOWNACCESSKEY0001",
        mock.sk(),
        SystemTime::now(),
    );
    let (status, body) = json(request.send().await.unwrap()).await;
    assert_401(status, &body, "does not exist");

    let (status, body) = json(
        client
            .post(&url)
            .header("Authorization", "Basic dXNlcjpwYXNz")
            .json(&json!({"page": 1, "size": 10}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_401(status, &body, "malformed Authorization");
    assert_eq!(mock.requests(Operation::ListAuditReports), 4);
}

#[tokio::test]
async fn a_stale_sdk_date_is_signature_expired() {
    let mock = MockServer::start().await.unwrap();
    let client = client();
    let url = instances_url(&mock, "");
    let sixteen_minutes = Duration::from_secs(16 * 60);
    for time in [
        SystemTime::now() - sixteen_minutes,
        SystemTime::now() + sixteen_minutes,
    ] {
        let request = signed_as(&client, Method::GET, &url, None, mock.ak(), mock.sk(), time);
        let (status, body) = json(request.send().await.unwrap()).await;
        assert_401(status, &body, "signature expired");
    }
    // 14 minutes is within the gateway's 15.
    let request = signed_as(
        &client,
        Method::GET,
        &url,
        None,
        mock.ak(),
        mock.sk(),
        SystemTime::now() - Duration::from_secs(14 * 60),
    );
    assert_eq!(request.send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn expiry_follows_the_mock_clock() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let client = client();
    let url = instances_url(&mock, "");
    let signed_at = SystemTime::now();
    let send = || {
        signed_as(
            &client,
            Method::GET,
            &url,
            None,
            mock.ak(),
            mock.sk(),
            signed_at,
        )
        .send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    // The same signature replayed 20 minutes later (by the mock's clock) is refused: a client
    // must sign every attempt afresh.
    clock.advance(Duration::from_secs(20 * 60));
    let (status, body) = json(send().await.unwrap()).await;
    assert_401(status, &body, "signature expired");
}

#[tokio::test]
async fn extra_and_temporary_credentials() {
    let mock = MockServer::builder()
        .token("primary-token")
        .add_token("second-token")
        .access_key("PRIMARYAK00000000001", "primary-sk")
        .add_access_key("SECONDAK000000000001", "second-sk")
        .add_temporary_access_key("TEMPAK00000000000001", "temp-sk", "the-security-token")
        .start()
        .await
        .unwrap();
    assert_eq!(
        (mock.ak(), mock.sk(), mock.token()),
        ("PRIMARYAK00000000001", "primary-sk", "primary-token")
    );
    let client = client();
    let url = instances_url(&mock, "");
    for token in ["primary-token", "second-token"] {
        let response = client
            .get(&url)
            .header("X-Auth-Token", token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    for (ak, sk) in [
        ("PRIMARYAK00000000001", "primary-sk"),
        ("SECONDAK000000000001", "second-sk"),
    ] {
        let response = signed_as(&client, Method::GET, &url, None, ak, sk, SystemTime::now())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }

    // Temporary credentials need their security token, signed as the SDK signs it.
    let (status, body) = json(
        signed_as(
            &client,
            Method::GET,
            &url,
            None,
            "TEMPAK00000000000001",
            "temp-sk",
            SystemTime::now(),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_401(status, &body, "X-Security-Token");
    let headers = [("Content-Type", "application/json")];
    let request = dbss_signer::SignableRequest {
        method: "GET",
        url: &url,
        headers: &headers,
        body: None,
    };
    let credentials = dbss_signer::Credentials::new("TEMPAK00000000000001", b"temp-sk")
        .with_security_token("the-security-token");
    let time = dbss_signer::SigningTime::now().unwrap();
    let signed = dbss_signer::sign(
        &request,
        &dbss_signer::SigningParams::new(credentials, time),
    )
    .unwrap();
    let mut builder = client.get(signed.url());
    for (name, value) in signed
        .headers()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
    {
        builder = builder.header(name, value);
    }
    assert_eq!(builder.send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn auth_can_be_turned_off() {
    let mock = MockServer::builder().without_auth().start().await.unwrap();
    let response = client().get(instances_url(&mock, "")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}
