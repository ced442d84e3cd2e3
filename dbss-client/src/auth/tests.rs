//! Unit tests of `Auth::apply` on requests built as progenitor builds them.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};

use super::*;

#[derive(Debug)]
struct FixedClock(Mutex<SystemTime>);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// 20250821T070331Z, the time of the official SDK's sample vectors.
const T0: u64 = 1_755_759_811;
const AK: &str = "AKTESTEXAMPLE0000001";
const SK: &str = "SKtestExampleSecretKey0123456789abcdefABC";
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const UA: &str = "huaweicloud-usdk-python/3.0; vector-test-agent";

fn settings(
    clock: Arc<dyn Clock>,
    project_id: Option<String>,
    http: reqwest::Client,
) -> super::AuthSettings {
    super::AuthSettings {
        clock,
        project_id,
        http: crate::transport::HttpClient::reqwest_only(http),
        region: None,
        allow_insecure_http: false,
        iam_endpoint: None,
        env: Arc::new(|_| None),
    }
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock(Mutex::new(UNIX_EPOCH + Duration::from_secs(T0))))
}

fn http() -> reqwest::Client {
    crate::transport::install_crypto_provider();
    reqwest::Client::builder().build().unwrap()
}

fn auth(credentials: Credentials, clock: Arc<FixedClock>) -> Auth {
    Auth::new(
        credentials,
        settings(clock, Some(PROJECT.to_owned()), http()),
    )
}

/// A request as progenitor builds it (Accept and Content-Type set, `api-version` already
/// removed and the user agent set by the hook).
fn request(method: reqwest::Method, url: &str, body: Option<&[u8]>) -> reqwest::Request {
    let mut r = reqwest::Request::new(method, reqwest::Url::parse(url).unwrap());
    let h = r.headers_mut();
    h.insert(ACCEPT, "application/json".parse().unwrap());
    h.insert(USER_AGENT, UA.parse().unwrap());
    if let Some(body) = body {
        h.insert(CONTENT_TYPE, "application/json".parse().unwrap());
        *r.body_mut() = Some(reqwest::Body::from(body.to_vec()));
    }
    r
}

fn header<'a>(r: &'a reqwest::Request, name: &str) -> Option<&'a str> {
    r.headers().get(name).map(|v| v.to_str().unwrap())
}

/// Vector `create_report_loopback_port` of the official SDK (sample-sign-vectors.json).
#[tokio::test]
async fn matches_the_official_sdk_for_a_create_report() {
    let body = br#"{"end_time": "2025-08-21 07:03:31", "start_time": "2025-08-20 16:00:00", "template_id": "t8g7LJgBTpKZyZbbeTgS"}"#;
    let mut r = request(
        reqwest::Method::POST,
        "http://127.0.0.1:8080/v1/0123456789abcdef0123456789abcdef/audit/3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7/reports/create",
        Some(body),
    );
    auth(Credentials::ak_sk(AK, SK), clock())
        .apply(&mut r)
        .await
        .unwrap();
    assert_eq!(
        header(&r, "authorization"),
        Some(
            "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, \
             SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, \
             Signature=a668acb16d46f70f6d3670719867b63ed2290e1b6d272ae3161906f9aa6b8c96"
        )
    );
    assert_eq!(header(&r, "x-sdk-date"), Some("20250821T070331Z"));
    assert_eq!(header(&r, "host"), Some("127.0.0.1:8080"));
    assert_eq!(header(&r, "x-project-id"), Some(PROJECT));
    assert_eq!(
        header(&r, "accept"),
        Some("application/json"),
        "sent, not signed"
    );
    assert!(r.headers().get("authorization").unwrap().is_sensitive());
}

/// Vector `list_audit_instances_last_get_query`: a GET whose query reqwest wrote in the
/// caller's order is sent sorted, and gets the SDK's Content-Type.
#[tokio::test]
async fn matches_the_official_sdk_for_a_get_with_a_query() {
    let mut r = request(
        reqwest::Method::GET,
        "https://dbss.cn-north-4.myhuaweicloud.com/v2/0123456789abcdef0123456789abcdef/audit/instances?offset=0&limit=100",
        None,
    );
    auth(Credentials::ak_sk(AK, SK), clock())
        .apply(&mut r)
        .await
        .unwrap();
    assert_eq!(
        header(&r, "authorization"),
        Some(
            "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, \
             SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, \
             Signature=c647d963a8dd00a3d3425dafd479efd64996ba46dac1fea5722857d915d1323c"
        )
    );
    assert_eq!(
        r.url().as_str(),
        "https://dbss.cn-north-4.myhuaweicloud.com/v2/0123456789abcdef0123456789abcdef/audit/instances?limit=100&offset=0"
    );
    assert_eq!(
        header(&r, "host"),
        Some("dbss.cn-north-4.myhuaweicloud.com")
    );
}

/// Vector `create_report_all_fields_security_token`: temporary credentials.
#[tokio::test]
async fn security_token_is_set_signed_and_sensitive() {
    let body = br#"{"db_ids": "db-1,db-2", "end_date": "2025-08-21T07:03:31", "end_time": "2025-08-21 07:03:31", "start_date": "2025-08-20T16:00:00", "start_time": "2025-08-20 16:00:00", "template_id": "t8g7LJgBTpKZyZbbeTgS"}"#;
    let mut r = request(
        reqwest::Method::POST,
        "https://dbss.cn-north-4.myhuaweicloud.com/v1/0123456789abcdef0123456789abcdef/audit/3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7/reports/create",
        Some(body),
    );
    let creds = Credentials::ak_sk(AK, SK)
        .with_security_token("gQpjbi1ub3J0aC00THbGtTEST+SECURITY/TOKEN==");
    auth(creds, clock()).apply(&mut r).await.unwrap();
    assert_eq!(
        header(&r, "authorization"),
        Some(
            "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, \
             SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date;x-security-token, \
             Signature=34fc2e65c81587413595eeb6d7e985a704de654a87eac2863d5f05b29dec9303"
        )
    );
    assert_eq!(
        header(&r, "x-security-token"),
        Some("gQpjbi1ub3J0aC00THbGtTEST+SECURITY/TOKEN==")
    );
    assert!(r.headers().get("x-security-token").unwrap().is_sensitive());
    // Debug of the request (what reqwest or a user might log) shows neither.
    let debug = format!("{r:?}");
    assert!(!debug.contains("SECURITY/TOKEN"), "{debug}");
    assert!(!debug.contains("Signature="), "{debug}");
}

/// A request that is applied again (a retry that cloned the signed request) gets a new date and
/// signature instead of failing on the old `Authorization` or keeping the old `X-Sdk-Date`.
#[tokio::test]
async fn applying_again_re_signs_with_the_current_time() {
    let clock = clock();
    let auth = auth(Credentials::ak_sk(AK, SK), Arc::clone(&clock));
    let mut r = request(reqwest::Method::POST, "http://127.0.0.1:1/x", Some(b"{}"));
    auth.apply(&mut r).await.unwrap();
    let first = header(&r, "authorization").unwrap().to_owned();
    *clock.0.lock().unwrap() += Duration::from_secs(61);
    auth.apply(&mut r).await.unwrap();
    assert_eq!(header(&r, "x-sdk-date"), Some("20250821T070432Z"));
    assert_ne!(header(&r, "authorization").unwrap(), first);
    assert_eq!(r.headers().get_all("authorization").iter().count(), 1);
    assert_eq!(r.headers().get_all("host").iter().count(), 1);
}

#[tokio::test]
async fn a_streaming_body_cannot_be_signed() {
    let mut r = request(reqwest::Method::POST, "http://127.0.0.1:1/x", None);
    let stream = futures::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"{}"))]);
    *r.body_mut() = Some(reqwest::Body::wrap_stream(stream));
    let e = auth(Credentials::ak_sk(AK, SK), clock())
        .apply(&mut r)
        .await
        .unwrap_err();
    assert!(matches!(e, CredentialsError::StreamingBody), "{e:?}");
}

#[tokio::test]
async fn signer_refusals_are_typed() {
    let mut r = request(reqwest::Method::GET, "http://127.0.0.1:1/x", None);
    let e = auth(Credentials::ak_sk("", SK), clock())
        .apply(&mut r)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            CredentialsError::Signing(dbss_signer::SignError::EmptyAccessKeyId)
        ),
        "{e:?}"
    );
    let mut r = request(reqwest::Method::GET, "http://127.0.0.1:1/x", None);
    r.headers_mut().insert(
        "x-odd",
        reqwest::header::HeaderValue::from_bytes(b"\xff").unwrap(),
    );
    let e = auth(Credentials::ak_sk(AK, SK), clock())
        .apply(&mut r)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, CredentialsError::InvalidHeaderValue { name } if name == "x-odd"),
        "{e:?}"
    );
}

/// `check` reports what `apply` would refuse, typed, when the client is built.
#[tokio::test]
async fn static_credentials_are_checked_typed() {
    assert!(auth(Credentials::ak_sk(AK, SK), clock()).check().is_ok());
    assert!(auth(Credentials::Anonymous, clock()).check().is_ok());
    assert!(auth(Credentials::token("t"), clock()).check().is_ok());
    for (creds, expected) in [
        (Credentials::ak_sk("", SK), "access key id is empty"),
        (Credentials::ak_sk(AK, ""), "secret key is empty"),
        (
            Credentials::ak_sk("AK,X", SK),
            "access key id contains characters",
        ),
        (
            Credentials::ak_sk(AK, SK).with_security_token("st\r\nx"),
            "X-Security-Token",
        ),
        (Credentials::token("t\nx"), "X-Auth-Token"),
    ] {
        let e = auth(creds, clock()).check().unwrap_err();
        assert!(e.to_string().contains(expected), "{e}");
    }
    let e = Auth::new(
        Credentials::ak_sk(AK, SK),
        settings(clock(), Some("p\n".to_owned()), http()),
    )
    .check()
    .unwrap_err();
    assert!(
        matches!(&e, CredentialsError::InvalidHeaderValue { name } if name == "X-Project-Id"),
        "{e:?}"
    );
}

#[tokio::test]
async fn token_credentials_set_x_auth_token_only() {
    let mut r = request(reqwest::Method::POST, "http://127.0.0.1:1/x", Some(b"{}"));
    r.headers_mut()
        .insert("authorization", "stale".parse().unwrap());
    auth(Credentials::token("TOKEN-VALUE"), clock())
        .apply(&mut r)
        .await
        .unwrap();
    assert_eq!(header(&r, "x-auth-token"), Some("TOKEN-VALUE"));
    assert!(r.headers().get("x-auth-token").unwrap().is_sensitive());
    assert!(r.headers().get("authorization").is_none());
    assert!(r.headers().get("x-sdk-date").is_none());

    let mut r = request(reqwest::Method::GET, "http://127.0.0.1:1/x", None);
    let e = auth(Credentials::token("bad\ntoken"), clock())
        .apply(&mut r)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, CredentialsError::InvalidHeaderValue { name } if name == "X-Auth-Token"),
        "{e:?}"
    );
    assert!(!e.to_string().contains("bad"), "{e}");
}

#[tokio::test]
async fn anonymous_leaves_the_request_alone() {
    let mut r = request(reqwest::Method::GET, "http://127.0.0.1:1/x?b=1&a=2", None);
    let before = format!("{r:?}");
    auth(Credentials::Anonymous, clock())
        .apply(&mut r)
        .await
        .unwrap();
    assert_eq!(format!("{r:?}"), before);
}

#[tokio::test]
async fn password_credentials_need_a_project_id_and_an_endpoint() {
    let creds = Credentials::password("alice", "PW", "acme");
    let a = Auth::new(creds.clone(), settings(clock(), None, http()));
    assert!(matches!(
        a.prepare().await,
        Err(CredentialsError::NoProjectId)
    ));
    let a = auth(creds.clone(), clock());
    assert!(matches!(
        a.prepare().await,
        Err(CredentialsError::NoIamEndpoint)
    ));
    for (endpoint, bad) in [
        ("http://iam.example.com", true),
        ("ftp://iam.example.com", true),
        ("iam.example.com", true),
        ("https://iam.example.com/?x=1", true),
    ] {
        let a = auth(creds.clone().with_default_iam_endpoint(endpoint), clock());
        let e = a.prepare().await.unwrap_err();
        assert_eq!(
            matches!(e, CredentialsError::InvalidIamEndpoint { .. }),
            bad,
            "{endpoint}: {e:?}"
        );
    }
}

#[test]
fn auth_debug_shows_no_secret() {
    for creds in [
        Credentials::ak_sk(AK, "SK-SECRET").with_security_token("ST-SECRET"),
        Credentials::token("TOKEN-SECRET"),
        Credentials::password("alice", "PW-SECRET", "acme"),
        Credentials::Anonymous,
    ] {
        let a = auth(creds, clock());
        let debug = format!("{a:?}");
        assert!(!debug.contains("SECRET"), "{debug}");
    }
}
