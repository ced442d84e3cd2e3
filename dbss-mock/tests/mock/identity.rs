//! The identity stand-ins: STS OIDC, IAM federated exchange and project listing, ECS metadata
//! and CCE pod identity; the keys they issue at the DBSS endpoints; recording, counters,
//! faults and delays. Plain reqwest on 127.0.0.1, never dbss-client.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::{Duration, Instant, SystemTime};

use common::*;
use dbss_mock::{
    Fault, IdentityEndpoint, ManualClock, MetadataMode, MockServer, NO_AGENCY_MESSAGE, Operation,
    codes,
};
use dbss_signer::Credentials;
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

/// Temporary credentials as an answer carries them.
#[derive(Debug, Clone)]
struct Temp {
    ak: String,
    sk: String,
    token: String,
    expires_at: SystemTime,
}

/// Reads any of the three shapes the official SDK accepts.
fn temp_from(body: &Value) -> Temp {
    let map = body
        .get("credential")
        .or_else(|| body.get("credentials"))
        .unwrap_or(body);
    let field = |names: [&str; 3]| {
        names
            .iter()
            .find_map(|n| map.get(*n).and_then(Value::as_str))
            .unwrap_or_else(|| panic!("none of {names:?} in {body}"))
            .to_owned()
    };
    let expiry = field(["expires_at", "expiration", "expiration"]);
    // The official format: %Y-%m-%dT%H:%M:%S.%fZ.
    assert!(
        expiry.len() == 27 && expiry.ends_with('Z') && expiry.as_bytes()[19] == b'.',
        "{expiry}"
    );
    let ts: jiff::Timestamp = expiry.parse().unwrap();
    Temp {
        ak: field(["access", "accessKeyId", "access_key_id"]),
        sk: field(["secret", "secretAccessKey", "secret_access_key"]),
        token: field(["securitytoken", "securityToken", "security_token"]),
        expires_at: SystemTime::from(ts),
    }
}

/// A request signed with temporary credentials (X-Security-Token signed too) at `time`.
fn signed_temp(
    client: &Client,
    method: Method,
    url: &str,
    temp: &Temp,
    time: SystemTime,
) -> RequestBuilder {
    let credentials =
        Credentials::new(&temp.ak, temp.sk.as_bytes()).with_security_token(&temp.token);
    signed_with(client, method, url, None, credentials, time)
}

fn url(mock: &MockServer, endpoint: IdentityEndpoint) -> String {
    format!("{}{}", mock.base_url(), endpoint.path())
}

/// The body the official SDK sends to assume-with-oidc.
fn oidc_body(mock: &MockServer) -> Value {
    json!({
        "provider_urn": "urn:iam::0123456789:identity-provider:github",
        "agency_urn": "urn:iam::0123456789:agency:ci",
        "agency_session_name": "oidc-sts-session",
        "id_token": mock.oidc_id_token(),
        "duration_seconds": 3600,
    })
}

async fn post_json(client: &Client, url: &str, body: &Value) -> (u16, Value) {
    json(
        client
            .post(url)
            .header("Content-Type", "application/json;charset=UTF-8")
            .body(body.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn oidc(client: &Client, mock: &MockServer) -> Temp {
    let (status, body) = post_json(
        client,
        &url(mock, IdentityEndpoint::StsAssumeWithOidc),
        &oidc_body(mock),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    temp_from(&body)
}

/// ListAuditInstancesLast signed with `temp` at `time`: (status, body).
async fn dbss_with(
    client: &Client,
    mock: &MockServer,
    temp: &Temp,
    time: SystemTime,
) -> (u16, Value) {
    json(
        signed_temp(client, Method::GET, &instances_url(mock, ""), temp, time)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn metadata_token(client: &Client, mock: &MockServer) -> String {
    let response = client
        .put(url(mock, IdentityEndpoint::MetadataToken))
        .header("X-Metadata-Token-Ttl-Seconds", "21600")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

async fn security_key(client: &Client, mock: &MockServer, token: Option<&str>) -> (u16, String) {
    let mut request = client.get(url(mock, IdentityEndpoint::MetadataSecurityKey));
    if let Some(token) = token {
        request = request.header("X-Metadata-Token", token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn oidc_keys_sign_dbss_requests_until_they_expire() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let client = client();
    let start = clock.get();
    let temp = oidc(&client, &mock).await;
    let lifetime = temp.expires_at.duration_since(start).unwrap();
    assert!(
        lifetime <= Duration::from_secs(3600) && lifetime > Duration::from_secs(3599),
        "{lifetime:?}"
    );
    assert_eq!(temp.ak.len(), 20);
    assert!(temp.ak.starts_with("DBSSTMP"));

    let (status, body) = dbss_with(&client, &mock, &temp, clock.get()).await;
    assert_eq!(status, 200, "{body}");

    // Without its security token the key is refused.
    let mut request = signed_as(
        &client,
        Method::GET,
        &instances_url(&mock, ""),
        None,
        &temp.ak,
        &temp.sk,
        clock.get(),
    );
    request = request.header("X-Security-Token", "not-it");
    let (status, body) = json(request.send().await.unwrap()).await;
    assert_eq!(status, 401, "{body}");

    // One second before the expiry it still works; at the expiry it is refused.
    clock.set(temp.expires_at - Duration::from_secs(1));
    assert_eq!(dbss_with(&client, &mock, &temp, clock.get()).await.0, 200);
    clock.set(temp.expires_at);
    let (status, body) = dbss_with(&client, &mock, &temp, clock.get()).await;
    assert_eq!(status, 401, "{body}");
    let (code, msg) = error_of(&body);
    assert_eq!(code, codes::AUTH_FAILED);
    assert!(msg.contains("security token expired"), "{msg}");

    // A new fetch gives a new key, which works.
    let fresh = oidc(&client, &mock).await;
    assert_ne!(fresh.ak, temp.ak);
    assert_ne!(fresh.token, temp.token);
    assert_eq!(dbss_with(&client, &mock, &fresh, clock.get()).await.0, 200);
    let issued = mock.issued_credentials();
    assert_eq!(issued.len(), 2);
    assert_eq!(issued[1].access_key_id(), fresh.ak);
    assert_eq!(issued[1].endpoint(), IdentityEndpoint::StsAssumeWithOidc);
    assert_eq!(issued[1].expires_at(), fresh.expires_at);
}

#[tokio::test]
async fn oidc_rejects_malformed_requests_and_unknown_tokens() {
    let mock = MockServer::builder()
        .oidc_id_token("my-oidc-token")
        .start()
        .await
        .unwrap();
    let client = client();
    let sts = url(&mock, IdentityEndpoint::StsAssumeWithOidc);
    assert_eq!(mock.oidc_id_token(), "my-oidc-token");

    let response = client.post(&sts).body("not json").send().await.unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, codes::STS_INVALID_PARAMETER);

    let good = oidc_body(&mock);
    let mut cases: Vec<(Value, &str)> = Vec::new();
    for field in [
        "provider_urn",
        "agency_urn",
        "agency_session_name",
        "id_token",
    ] {
        let mut body = good.clone();
        body.as_object_mut().unwrap().remove(field);
        cases.push((body, field));
    }
    for (field, value, needle) in [
        ("duration_seconds", json!(899), "duration_seconds"),
        ("duration_seconds", json!(43_201), "duration_seconds"),
        ("duration_seconds", json!("3600"), "duration_seconds"),
        ("provider_urn", json!("github"), "provider_urn"),
        (
            "agency_urn",
            json!("urn:iam::1:identity-provider:x"),
            "agency_urn",
        ),
        ("agency_session_name", json!("a"), "agency_session_name"),
        (
            "agency_session_name",
            json!("has space"),
            "agency_session_name",
        ),
        ("id_token", json!(42), "id_token"),
        ("policy", json!({"Version": "5.0"}), "policy"),
        ("policy_ids", json!("id1"), "policy_ids"),
    ] {
        let mut body = good.clone();
        body[field] = value;
        cases.push((body, needle));
    }
    for (body, needle) in cases {
        let (status, answer) = post_json(&client, &sts, &body).await;
        assert_eq!(status, 400, "{body} → {answer}");
        let (code, msg) = error_of(&answer);
        assert_eq!(code, codes::STS_INVALID_PARAMETER);
        assert!(msg.contains(needle), "{msg:?} should name {needle}");
    }

    // Extremes of the range, the optional fields and the default duration are fine.
    for (field, value) in [
        ("duration_seconds", json!(900)),
        ("duration_seconds", json!(43_200)),
        ("policy", json!(r#"{"Version":"5.0"}"#)),
        ("policy_ids", json!(["a", "b"])),
    ] {
        let mut body = good.clone();
        body[field] = value;
        assert_eq!(post_json(&client, &sts, &body).await.0, 200, "{body}");
    }
    let mut body = good.clone();
    body.as_object_mut().unwrap().remove("duration_seconds");
    assert_eq!(post_json(&client, &sts, &body).await.0, 200);

    let mut body = good.clone();
    body["id_token"] = json!("someone-elses-token");
    let (status, answer) = post_json(&client, &sts, &body).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&answer).0, codes::STS_INVALID_ID_TOKEN);
    assert!(!answer.to_string().contains("someone-elses-token"));

    // Rotation: the old token is refused from then on.
    mock.set_oidc_id_token("rotated");
    assert_eq!(post_json(&client, &sts, &good).await.0, 401);
    let mut body = good.clone();
    body["id_token"] = json!("rotated");
    assert_eq!(post_json(&client, &sts, &body).await.0, 200);
}

#[tokio::test]
async fn the_lifetime_setting_overrides_every_endpoint() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .identity_credential_lifetime(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let client = client();
    let start = clock.get();
    let lifetime = |t: &Temp| t.expires_at.duration_since(start).unwrap().as_secs();
    let temp = oidc(&client, &mock).await;
    assert!((599..=600).contains(&lifetime(&temp)));

    mock.set_identity_credential_lifetime(None);
    let token = metadata_token(&client, &mock).await;
    let (status, body) = security_key(&client, &mock, Some(&token)).await;
    assert_eq!(status, 200);
    let temp = temp_from(&serde_json::from_str(&body).unwrap());
    assert!((3599..=3600).contains(&lifetime(&temp)));
}

async fn federated_token(client: &Client, mock: &MockServer) -> reqwest::Response {
    client
        .post(url(mock, IdentityEndpoint::IamIdToken))
        .header("X-Idp-Id", mock.federated_idp_id())
        .header("Content-Type", "application/json;charset=UTF-8")
        .body(json!({"auth": {"id_token": {"id": mock.federated_id_token()}}}).to_string())
        .send()
        .await
        .unwrap()
}

fn security_tokens_body(token: &str, duration: Value) -> Value {
    json!({"auth": {"identity": {"methods": ["token"],
        "token": {"id": token, "duration_seconds": duration}}}})
}

#[tokio::test]
async fn federated_exchange_gives_a_token_then_credentials() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .federated_id_token("my-idp", "my-id-token")
        .start()
        .await
        .unwrap();
    let client = client();
    assert_eq!(mock.federated_idp_id(), "my-idp");
    let start = clock.get();

    let response = federated_token(&client, &mock).await;
    assert_eq!(response.status(), 201);
    let token = response.headers()["x-subject-token"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert!(body["token"]["expires_at"].is_string(), "{body}");

    let sts = url(&mock, IdentityEndpoint::IamSecurityToken);
    let (status, body) =
        post_json(&client, &sts, &security_tokens_body(&token, json!(21_600))).await;
    assert_eq!(status, 201, "{body}");
    assert!(body["credential"]["securitytoken"].is_string());
    let temp = temp_from(&body);
    let lifetime = temp.expires_at.duration_since(start).unwrap().as_secs();
    assert!((21_599..=21_600).contains(&lifetime));
    assert_eq!(dbss_with(&client, &mock, &temp, clock.get()).await.0, 200);

    // The token may come in X-Auth-Token instead; the mock's own IAM token also works; the
    // default duration is 900 s.
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {}}}});
    let response = client
        .post(&sts)
        .header("X-Auth-Token", mock.token())
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    let lifetime = temp_from(&body).expires_at.duration_since(start).unwrap();
    assert!(lifetime.as_secs() <= 900 && lifetime.as_secs() >= 899);

    for (body, expected) in [
        (security_tokens_body("unknown-token", json!(900)), 401),
        (security_tokens_body(&token, json!(899)), 400),
        (security_tokens_body(&token, json!(86_401)), 400),
        (
            json!({"auth": {"identity": {"methods": ["password"], "token": {"id": token}}}}),
            400,
        ),
        (json!({"auth": {"identity": {"methods": ["token"]}}}), 400),
        (json!([1, 2]), 400),
    ] {
        let (status, answer) = post_json(&client, &sts, &body).await;
        assert_eq!(status, expected, "{body} → {answer}");
        // Keystone's error shape.
        assert_eq!(answer["error"]["code"], expected, "{answer}");
        assert!(answer["error"]["message"].is_string());
    }

    // The unscoped token expires after 24 hours.
    clock.advance(Duration::from_secs(24 * 60 * 60));
    let (status, _) = post_json(&client, &sts, &security_tokens_body(&token, json!(900))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn federated_exchange_rejects_bad_requests() {
    let mock = MockServer::start().await.unwrap();
    let client = client();
    let idt = url(&mock, IdentityEndpoint::IamIdToken);
    let body = json!({"auth": {"id_token": {"id": mock.federated_id_token()}}}).to_string();
    let send = |idp: Option<&str>, body: String| {
        let mut request = client.post(&idt).body(body);
        if let Some(idp) = idp {
            request = request.header("X-Idp-Id", idp);
        }
        async move { json(request.send().await.unwrap()).await }
    };
    let (status, answer) = send(None, body.clone()).await;
    assert_eq!(status, 400);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Idp-Id")
    );
    assert_eq!(send(Some("other-idp"), body.clone()).await.0, 404);
    let idp = mock.federated_idp_id();
    assert_eq!(send(Some(&idp), "{}".into()).await.0, 400);
    assert_eq!(send(Some(&idp), "nope".into()).await.0, 400);
    let wrong = json!({"auth": {"id_token": {"id": "wrong"}}}).to_string();
    let (status, answer) = send(Some(&idp), wrong).await;
    assert_eq!(status, 401);
    assert!(!answer.to_string().contains("wrong\""));
    assert_eq!(send(Some(&idp), body).await.0, 201);
    assert_eq!(mock.identity_calls(IdentityEndpoint::IamIdToken), 6);
}

#[tokio::test]
async fn projects_are_listed_for_signed_requests() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .projects("eu-west-0", vec![])
        .projects("ap-southeast-1", vec!["a".repeat(32), "b".repeat(32)])
        .start()
        .await
        .unwrap();
    let client = client();
    let list = |region: &str| format!("{}/v3/projects?name={region}", mock.iam_endpoint());
    let ids = |body: &Value| -> Vec<String> {
        body["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };

    // Default: every region is the mock's one project.
    let response = signed_as(
        &client,
        Method::GET,
        &list("cn-north-4"),
        None,
        mock.ak(),
        mock.sk(),
        clock.get(),
    )
    .send()
    .await
    .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), [mock.project_id()]);
    assert_eq!(body["projects"][0]["name"], "cn-north-4");

    for (region, count) in [("eu-west-0", 0), ("ap-southeast-1", 2), ("la-south-2", 1)] {
        let response = signed(&client, &mock, Method::GET, &list(region), None)
            .send()
            .await
            .unwrap();
        let (status, body) = json(response).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&body).len(), count, "{region}: {body}");
    }
    mock.set_projects("eu-west-0", vec!["c".repeat(32)]);
    let response = signed(&client, &mock, Method::GET, &list("eu-west-0"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&json(response).await.1), ["c".repeat(32)]);

    // Unsigned or badly signed: the gateway's 401.
    let (status, body) = json(client.get(list("cn-north-4")).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).0, codes::AUTH_FAILED);
    let response = signed_as(
        &client,
        Method::GET,
        &list("cn-north-4"),
        None,
        mock.ak(),
        "wrong-sk",
        clock.get(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 401);

    // Temporary keys work too, until they expire.
    let pod = pod_credentials(&client, &mock).await;
    let response = signed_temp(&client, Method::GET, &list("cn-north-4"), &pod, clock.get())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    clock.set(pod.expires_at + Duration::from_secs(1));
    let response = signed_temp(&client, Method::GET, &list("cn-north-4"), &pod, clock.get())
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 401);
    assert!(error_of(&body).1.contains("security token expired"));
}

#[tokio::test]
async fn metadata_requires_a_session_token_by_default() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let client = client();
    assert_eq!(mock.metadata_mode(), MetadataMode::TokenRequired);
    let put = |ttl: Option<&str>| {
        let mut request = client.put(url(&mock, IdentityEndpoint::MetadataToken));
        if let Some(ttl) = ttl {
            request = request.header("X-Metadata-Token-Ttl-Seconds", ttl);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    for bad in [None, Some("0"), Some("21601"), Some("soon")] {
        assert_eq!(put(bad).await, 400, "{bad:?}");
    }

    let (status, body) = security_key(&client, &mock, None).await;
    assert_eq!(status, 401);
    assert!(!body.contains(NO_AGENCY_MESSAGE));
    assert_eq!(security_key(&client, &mock, Some("made-up")).await.0, 401);

    let token = metadata_token(&client, &mock).await;
    let (status, body) = security_key(&client, &mock, Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert!(body["credential"]["access"].is_string());
    let first = temp_from(&body);
    assert_eq!(dbss_with(&client, &mock, &first, clock.get()).await.0, 200);

    // Every fetch is a new key.
    let (_, again) = security_key(&client, &mock, Some(&token)).await;
    let second = temp_from(&serde_json::from_str(&again).unwrap());
    assert_ne!(first.ak, second.ak);

    // Revoked tokens get 401 (without the no-agency text: the client renews once).
    mock.revoke_metadata_tokens();
    let (status, body) = security_key(&client, &mock, Some(&token)).await;
    assert_eq!(status, 401);
    assert!(!body.contains(NO_AGENCY_MESSAGE));
    let renewed = metadata_token(&client, &mock).await;
    assert_ne!(renewed, token);
    assert_eq!(security_key(&client, &mock, Some(&renewed)).await.0, 200);

    // Session tokens expire after their TTL on the mock's clock.
    let response = client
        .put(url(&mock, IdentityEndpoint::MetadataToken))
        .header("X-Metadata-Token-Ttl-Seconds", "60")
        .send()
        .await
        .unwrap();
    let short = response.text().await.unwrap();
    assert_eq!(security_key(&client, &mock, Some(&short)).await.0, 200);
    clock.advance(Duration::from_secs(60));
    assert_eq!(security_key(&client, &mock, Some(&short)).await.0, 401);
    assert_eq!(
        mock.identity_calls(IdentityEndpoint::MetadataSecurityKey),
        8
    );
}

#[tokio::test]
async fn metadata_modes() {
    let mock = MockServer::builder()
        .metadata_mode(MetadataMode::TokenOptional)
        .start()
        .await
        .unwrap();
    let client = client();
    assert_eq!(security_key(&client, &mock, None).await.0, 200);
    assert_eq!(security_key(&client, &mock, Some("bogus")).await.0, 401);
    let token = metadata_token(&client, &mock).await;
    assert_eq!(security_key(&client, &mock, Some(&token)).await.0, 200);

    for status in [404, 405, 503] {
        mock.set_metadata_mode(MetadataMode::NoTokenApi { status });
        let response = client
            .put(url(&mock, IdentityEndpoint::MetadataToken))
            .header("X-Metadata-Token-Ttl-Seconds", "21600")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(security_key(&client, &mock, None).await.0, 200);
    }

    mock.set_metadata_mode(MetadataMode::NoAgency);
    let token = metadata_token(&client, &mock).await;
    let (status, body) = security_key(&client, &mock, Some(&token)).await;
    assert_eq!(status, 401);
    assert!(body.contains(NO_AGENCY_MESSAGE), "{body}");
    assert_eq!(security_key(&client, &mock, None).await.0, 401);
    // Nothing was issued in that mode.
    assert_eq!(mock.issued_credentials().len(), 5);
}

async fn pod_credentials(client: &Client, mock: &MockServer) -> Temp {
    let (status, body) = json(
        client
            .post(mock.pod_identity_uri())
            .header("Authorization", mock.pod_identity_token())
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The camelCase shape, at top level.
    assert!(
        body["accessKeyId"].is_string() && body["securityToken"].is_string(),
        "{body}"
    );
    temp_from(&body)
}

#[tokio::test]
async fn pod_identity_checks_the_authorization_token() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .pod_identity_token("pod-token-1")
        .start()
        .await
        .unwrap();
    let client = client();
    assert_eq!(
        mock.pod_identity_uri(),
        format!("{}/pod-identity/credentials", mock.base_url())
    );
    let start = clock.get();
    let temp = pod_credentials(&client, &mock).await;
    let lifetime = temp.expires_at.duration_since(start).unwrap().as_secs();
    assert!((3599..=3600).contains(&lifetime));
    assert_eq!(dbss_with(&client, &mock, &temp, clock.get()).await.0, 200);

    let post = |auth: Option<&str>, body: &'static str| {
        let mut request = client.post(mock.pod_identity_uri()).body(body);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        async move { json(request.send().await.unwrap()).await }
    };
    let (status, body) = post(None, "{}").await;
    assert_eq!(status, 401);
    assert_eq!(error_of(&body).0, codes::POD_IDENTITY_UNAUTHORIZED);
    let (status, body) = post(Some("pod-token-2"), "{}").await;
    assert_eq!(status, 401);
    assert!(!body.to_string().contains("pod-token"));
    let (status, body) = post(Some("pod-token-1"), "{{").await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, codes::POD_IDENTITY_INVALID);
    assert_eq!(post(Some("pod-token-1"), "").await.0, 200);

    mock.set_pod_identity_token("pod-token-2");
    assert_eq!(post(Some("pod-token-1"), "{}").await.0, 401);
    assert_eq!(post(Some("pod-token-2"), "{}").await.0, 200);
}

#[tokio::test]
async fn identity_requests_are_recorded_and_counted_and_secrets_stay_out_of_debug() {
    let mock = MockServer::start().await.unwrap();
    let client = client();
    let token = metadata_token(&client, &mock).await;
    assert_eq!(security_key(&client, &mock, Some(&token)).await.0, 200);
    pod_credentials(&client, &mock).await;
    let response = signed(
        &client,
        &mock,
        Method::GET,
        &format!("{}/v3/projects?name=cn-north-4", mock.iam_endpoint()),
        None,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    // A DBSS request is not an identity request.
    let response = with_token(&client, &mock, Method::GET, &instances_url(&mock, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    for (endpoint, calls) in [
        (IdentityEndpoint::MetadataToken, 1),
        (IdentityEndpoint::MetadataSecurityKey, 1),
        (IdentityEndpoint::PodIdentity, 1),
        (IdentityEndpoint::IamProjects, 1),
        (IdentityEndpoint::StsAssumeWithOidc, 0),
        (IdentityEndpoint::IamIdToken, 0),
        (IdentityEndpoint::IamSecurityToken, 0),
    ] {
        assert_eq!(mock.identity_calls(endpoint), calls, "{endpoint}");
    }
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 1);
    assert_eq!(mock.total_requests(), 5);

    let recorded = mock.identity_requests();
    assert_eq!(recorded.len(), 4);
    let put = &recorded[0];
    assert_eq!(put.endpoint(), IdentityEndpoint::MetadataToken);
    assert_eq!(put.method(), "PUT");
    assert_eq!(put.target(), "/meta-data/latest/api/token");
    assert_eq!(put.header("X-Metadata-Token-Ttl-Seconds"), Some("21600"));
    assert_eq!(recorded[1].header("x-metadata-token"), Some(token.as_str()));
    assert_eq!(recorded[2].body_json(), Some(json!({})));
    assert_eq!(
        recorded[2].header("authorization"),
        Some(mock.pod_identity_token().as_str())
    );
    assert_eq!(recorded[3].target(), "/v3/projects?name=cn-north-4");

    let debug = format!("{recorded:?} {:?}", mock.issued_credentials());
    assert!(debug.contains("[REDACTED]"));
    for secret in [
        token.clone(),
        mock.pod_identity_token(),
        mock.sk().to_owned(),
    ] {
        assert!(!debug.contains(&secret), "{secret} in {debug}");
    }
    for issued in mock.issued_credentials() {
        assert!(debug.contains(issued.access_key_id()));
        assert!(!debug.contains(issued.secret_access_key()));
        assert!(!debug.contains(issued.security_token()));
    }
    // The builder and the server hide the identity tokens too.
    let builder = format!(
        "{:?} {mock:?}",
        MockServer::builder()
            .oidc_id_token("secret-oidc")
            .pod_identity_token("secret-pod")
    );
    assert!(!builder.contains("secret-oidc") && !builder.contains("secret-pod"));
    assert!(!builder.contains(&mock.oidc_id_token()));

    mock.reset_counters();
    assert_eq!(mock.identity_calls(IdentityEndpoint::PodIdentity), 0);
    mock.clear_identity_requests();
    assert!(mock.identity_requests().is_empty());
}

#[tokio::test]
async fn faults_aimed_at_an_identity_endpoint_hit_only_it() {
    let mock = MockServer::start().await.unwrap();
    let client = client();
    mock.inject(
        Fault::status(503)
            .times(2)
            .at(IdentityEndpoint::MetadataToken),
    );
    mock.inject(Fault::status(500).once());
    let put = || async {
        client
            .put(url(&mock, IdentityEndpoint::MetadataToken))
            .header("X-Metadata-Token-Ttl-Seconds", "21600")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(put().await, 503);
    assert_eq!(put().await, 503);
    // The untargeted rule did not touch identity requests; it waits for a DBSS one.
    assert_eq!(put().await, 200);
    assert_eq!(mock.pending_faults().len(), 1);
    let response = with_token(&client, &mock, Method::GET, &instances_url(&mock, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);

    // A body of one's choice, e.g. credentials without an expiry.
    mock.inject(
        Fault::reply(200, "application/json", r#"{"credential":{"access":"A"}}"#)
            .at(IdentityEndpoint::PodIdentity),
    );
    let response = client
        .post(mock.pod_identity_uri())
        .header("Authorization", mock.pod_identity_token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"credential":{"access":"A"}}"#
    );
    // Faulted requests are recorded and counted; they issued nothing.
    assert_eq!(mock.identity_calls(IdentityEndpoint::MetadataToken), 3);
    assert_eq!(mock.identity_calls(IdentityEndpoint::PodIdentity), 1);
    assert!(mock.issued_credentials().is_empty());

    // The text form.
    mock.inject(
        "status=429,times=1,at=oidc"
            .parse::<dbss_mock::FaultRule>()
            .unwrap(),
    );
    let (status, _) = post_json(
        &client,
        &url(&mock, IdentityEndpoint::StsAssumeWithOidc),
        &oidc_body(&mock),
    )
    .await;
    assert_eq!(status, 429);
}

#[tokio::test]
async fn identity_answers_can_be_delayed() {
    let mock = MockServer::builder()
        .identity_delay(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let client = client();
    let started = Instant::now();
    let (a, b) = tokio::join!(
        pod_credentials(&client, &mock),
        pod_credentials(&client, &mock)
    );
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    // Concurrent, not one after the other.
    assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
    assert_ne!(a.ak, b.ak);

    mock.set_identity_delay(Duration::ZERO);
    let started = Instant::now();
    pod_credentials(&client, &mock).await;
    assert!(started.elapsed() < Duration::from_millis(300));
    // DBSS requests were never delayed.
    mock.set_identity_delay(Duration::from_secs(5));
    let started = Instant::now();
    let response = with_token(&client, &mock, Method::GET, &instances_url(&mock, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_binary_prints_the_identity_endpoints_and_takes_its_flags() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_dbss-mock"))
        .args([
            "--port",
            "0",
            "--metadata-mode",
            "no-token-api=405",
            "--pod-identity-token",
            "ptok",
            "--idp-id",
            "idp-x",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.strip_prefix("listening on ").unwrap().to_owned();
    let mut values = std::collections::HashMap::new();
    for line in lines {
        let line = line.unwrap();
        let (key, value) = line.split_once('=').unwrap();
        values.insert(key.to_owned(), value.to_owned());
        if key == "auth" {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    for key in ["sts_endpoint", "iam_endpoint", "metadata_endpoint"] {
        assert_eq!(values[key], base, "{key}");
    }
    assert_eq!(
        values["pod_identity_uri"],
        format!("{base}/pod-identity/credentials")
    );
    assert_eq!(values["metadata_mode"], "no-token-api=405");
    assert_eq!(values["pod_identity_token"], "ptok");
    assert_eq!(values["idp_id"], "idp-x");
    assert_eq!(values["oidc_id_token"], dbss_mock::DEFAULT_OIDC_ID_TOKEN);
    assert_eq!(
        values["federated_id_token"],
        dbss_mock::DEFAULT_FEDERATED_ID_TOKEN
    );
}
