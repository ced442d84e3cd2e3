//! IAM tokens obtained with password credentials, against a loopback IAM: fetched once,
//! cached, shared by concurrent calls, renewed inside the margin, failures typed and retried.
#![allow(clippy::unwrap_used)]

use crate::auth_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_support::{INSTANCE_ID, ManualClock, PROJECT_ID, Recorded, Reply, Server, T0};
use dbss_client::auth::{Credentials, CredentialsError, IamErrorResponse, PasswordCredentials};
use dbss_client::clock::Clock;
use dbss_client::{DbssClient, Error, Inner, RetryPolicy};
use reqwest::header::HeaderValue;

const USER: &str = "iam-user";
const PASSWORD: &str = "Pa55-word-never-logged";
const DOMAIN: &str = "iam-domain";

/// ISO 8601 as IAM writes it, e.g. `2025-08-22T07:03:31.000000Z`.
fn iso(t: SystemTime) -> String {
    let ts = jiff::Timestamp::try_from(t).unwrap();
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// A loopback IAM. Each successful answer is a new token `IAMTOKEN-<n>` that expires `life`
/// after the clock's current time. `script` answers the first requests instead, in order.
struct Iam {
    server: Server,
    issued: Arc<AtomicUsize>,
}

impl Iam {
    async fn start(clock: Arc<ManualClock>, life: Duration, script: Vec<Reply>) -> Self {
        Self::start_with_delay(clock, life, script, Duration::ZERO).await
    }

    async fn start_with_delay(
        clock: Arc<ManualClock>,
        life: Duration,
        script: Vec<Reply>,
        delay: Duration,
    ) -> Self {
        let issued = Arc::new(AtomicUsize::new(0));
        let script = Arc::new(Mutex::new(script.into_iter()));
        let i = Arc::clone(&issued);
        let server = Server::start(move |r: &Recorded| {
            if let Some(reply) = script.lock().unwrap().next() {
                return reply;
            }
            if let Err(why) = check_token_request(r) {
                return Reply::json(
                    400,
                    &serde_json::json!({"error": {"code": 400, "message": why}}).to_string(),
                );
            }
            let n = i.fetch_add(1, Ordering::SeqCst) + 1;
            let body = serde_json::json!({"token": {
                "expires_at": iso(clock.now() + life),
                "issued_at": iso(clock.now()),
                "methods": ["password"],
                "user": {"name": USER, "domain": {"name": DOMAIN}},
            }});
            Reply::json(201, &body.to_string())
                .with_header("X-Subject-Token", &format!("IAMTOKEN-{n}"))
                .with_header("X-Request-Id", &format!("iam-req-{n}"))
                .with_delay(delay)
        })
        .await;
        Self { server, issued }
    }

    fn fetches(&self) -> usize {
        self.server.count()
    }
}

/// The request must be the documented project-scoped password request.
fn check_token_request(r: &Recorded) -> Result<(), String> {
    if r.method != "POST" || r.target != "/v3/auth/tokens" {
        return Err(format!("unexpected {} {}", r.method, r.target));
    }
    let body: serde_json::Value =
        serde_json::from_slice(&r.body).map_err(|e| format!("body is not JSON: {e}"))?;
    let expected = serde_json::json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": USER, "password": PASSWORD, "domain": {"name": DOMAIN}}}},
        "scope": {"project": {"id": PROJECT_ID}}}});
    if body != expected {
        return Err("unexpected body".into());
    }
    match r.header("content-type") {
        Some(ct) if ct.starts_with("application/json") => Ok(()),
        other => Err(format!("content type {other:?}")),
    }
}

fn password(iam: &Iam) -> PasswordCredentials {
    PasswordCredentials::new(USER, PASSWORD, DOMAIN).with_iam_endpoint(&iam.server.base_url)
}

/// A DBSS stand-in that accepts everything and records the token it was sent.
async fn dbss() -> Server {
    Server::start(|_| Reply::json(200, r#"{"result":"success"}"#)).await
}

fn raw_client(
    dbss: &Server,
    creds: Credentials,
    clock: Arc<ManualClock>,
) -> dbss_client::raw::Client {
    let http = auth_support::http_client();
    let inner = Inner::new(
        creds,
        clock,
        HeaderValue::from_static("dbss-rs-auth-test"),
        Some(PROJECT_ID.to_owned()),
        http.clone(),
    );
    dbss_client::raw::Client::new_with_client(&dbss.base_url, http, inner)
}

async fn raw_create(client: &dbss_client::raw::Client) -> Result<(), String> {
    client
        .create_report()
        .project_id(PROJECT_ID)
        .instance_id(INSTANCE_ID)
        .body(auth_support::report_body())
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn dbss_client(dbss: &Server, creds: Credentials, clock: Arc<ManualClock>) -> DbssClient {
    DbssClient::builder()
        .endpoint(&dbss.base_url)
        .project_id(PROJECT_ID)
        .credentials(creds)
        .clock(clock)
        .http_client(auth_support::http_client())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn create(client: &DbssClient) -> Result<(), Error> {
    client
        .create_report(INSTANCE_ID)
        .template("tmpl-0123456789")
        .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
        .send()
        .await
        .map(|_| ())
}

fn tokens_sent(dbss: &Server) -> Vec<String> {
    dbss.requests()
        .iter()
        .map(|r| {
            assert_eq!(r.header("authorization"), None);
            r.header("x-auth-token").unwrap_or("<none>").to_owned()
        })
        .collect()
}

const DAY: Duration = Duration::from_secs(24 * 3600);

#[tokio::test]
async fn token_is_fetched_once_and_reused_by_sequential_calls() {
    let clock = ManualClock::at_unix(T0);
    let iam = Iam::start(Arc::clone(&clock), DAY, vec![]).await;
    let dbss = dbss().await;
    let client = raw_client(&dbss, password(&iam).into(), clock);
    for _ in 0..5 {
        raw_create(&client).await.unwrap();
    }
    assert_eq!(iam.fetches(), 1);
    assert_eq!(
        iam.issued.load(Ordering::SeqCst),
        1,
        "the request was the documented one"
    );
    assert_eq!(tokens_sent(&dbss), vec!["IAMTOKEN-1"; 5]);
}

#[tokio::test]
async fn concurrent_calls_share_one_fetch() {
    let clock = ManualClock::at_unix(T0);
    // IAM answers slowly, so all 32 calls find the cache empty while the fetch is under way.
    let iam =
        Iam::start_with_delay(Arc::clone(&clock), DAY, vec![], Duration::from_millis(300)).await;
    let dbss = dbss().await;
    let client = raw_client(&dbss, password(&iam).into(), clock);
    let calls = (0..32).map(|_| raw_create(&client));
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(iam.fetches(), 1);
    assert_eq!(tokens_sent(&dbss), vec!["IAMTOKEN-1"; 32]);
}

#[tokio::test]
async fn concurrent_calls_share_one_fetch_through_the_client() {
    let clock = ManualClock::at_unix(T0);
    let iam =
        Iam::start_with_delay(Arc::clone(&clock), DAY, vec![], Duration::from_millis(300)).await;
    let dbss = dbss().await;
    let client = dbss_client(&dbss, password(&iam).into(), clock);
    let calls = (0..32).map(|_| create(&client));
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    assert_eq!(iam.fetches(), 1);
    assert_eq!(dbss.count(), 32);
}

#[tokio::test]
async fn token_is_renewed_inside_the_default_margin() {
    let clock = ManualClock::at_unix(T0);
    let iam = Iam::start(Arc::clone(&clock), DAY, vec![]).await;
    let dbss = dbss().await;
    let client = raw_client(&dbss, password(&iam).into(), Arc::clone(&clock));
    raw_create(&client).await.unwrap();
    // 11 minutes before expiry: still outside the 10 minute margin.
    clock.advance(DAY - Duration::from_secs(11 * 60));
    raw_create(&client).await.unwrap();
    assert_eq!(iam.fetches(), 1);
    // 9 minutes before expiry: inside the margin, renewed once.
    clock.advance(Duration::from_secs(2 * 60));
    raw_create(&client).await.unwrap();
    raw_create(&client).await.unwrap();
    assert_eq!(iam.fetches(), 2);
    assert_eq!(
        tokens_sent(&dbss),
        vec!["IAMTOKEN-1", "IAMTOKEN-1", "IAMTOKEN-2", "IAMTOKEN-2"]
    );
}

#[tokio::test]
async fn the_margin_is_configurable() {
    let clock = ManualClock::at_unix(T0);
    let iam = Iam::start(Arc::clone(&clock), DAY, vec![]).await;
    let dbss = dbss().await;
    let creds = password(&iam).with_token_refresh_margin(Duration::from_secs(60 * 60));
    let client = raw_client(&dbss, creds.into(), Arc::clone(&clock));
    raw_create(&client).await.unwrap();
    clock.advance(DAY - Duration::from_secs(61 * 60));
    raw_create(&client).await.unwrap();
    assert_eq!(iam.fetches(), 1);
    clock.advance(Duration::from_secs(2 * 60));
    raw_create(&client).await.unwrap();
    assert_eq!(iam.fetches(), 2);
}

#[tokio::test]
async fn a_short_lived_token_is_renewed_at_half_its_life() {
    let clock = ManualClock::at_unix(T0);
    // Lives 10 minutes, the margin is 10 minutes: renewing "10 minutes before expiry" would
    // fetch on every call.
    let iam = Iam::start(Arc::clone(&clock), Duration::from_secs(600), vec![]).await;
    let dbss = dbss().await;
    let client = raw_client(&dbss, password(&iam).into(), Arc::clone(&clock));
    raw_create(&client).await.unwrap();
    clock.advance(Duration::from_secs(299));
    raw_create(&client).await.unwrap();
    assert_eq!(iam.fetches(), 1);
    clock.advance(Duration::from_secs(1));
    raw_create(&client).await.unwrap();
    assert_eq!(iam.fetches(), 2);
}

#[tokio::test]
async fn failed_fetch_is_a_typed_error_and_the_next_call_tries_again() {
    let clock = ManualClock::at_unix(T0);
    let refusal = Reply::json(
        401,
        r#"{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}"#,
    )
    .with_header("X-Request-Id", "iam-refused-1");
    let iam = Iam::start(Arc::clone(&clock), DAY, vec![refusal]).await;
    let dbss = dbss().await;
    let client = dbss_client(&dbss, password(&iam).into(), clock);

    let e = create(&client).await.unwrap_err();
    let Error::Credentials(CredentialsError::IamRejected(refused)) = &e else {
        panic!("expected a typed IAM refusal, got {e:?}");
    };
    let IamErrorResponse {
        status,
        code,
        message,
        request_id,
        ..
    } = refused;
    assert_eq!(*status, 401);
    assert_eq!(code.as_deref(), Some("401"));
    assert_eq!(
        message.as_deref(),
        Some("The username or password is wrong.")
    );
    assert_eq!(request_id.as_deref(), Some("iam-refused-1"));
    assert_eq!(
        e.to_string(),
        "IAM refused the token request: HTTP 401, 401: The username or password is wrong. \
         (request id iam-refused-1)"
    );
    assert!(!format!("{e:?}").contains(PASSWORD));
    assert_eq!(dbss.count(), 0, "nothing is sent to DBSS without a token");

    create(&client).await.unwrap();
    assert_eq!(iam.fetches(), 2);
    assert_eq!(tokens_sent(&dbss), vec!["IAMTOKEN-1"]);
}

#[tokio::test]
async fn failed_renewal_through_the_raw_client_then_success() {
    let clock = ManualClock::at_unix(T0);
    let iam = Iam::start(
        Arc::clone(&clock),
        DAY,
        vec![Reply::json(503, "<html>busy</html>")],
    )
    .await;
    let dbss = dbss().await;
    let client = raw_client(&dbss, password(&iam).into(), clock);
    let e = raw_create(&client).await.unwrap_err();
    assert!(e.contains("IAM refused the token request: HTTP 503"), "{e}");
    raw_create(&client).await.unwrap();
    assert_eq!(tokens_sent(&dbss), vec!["IAMTOKEN-1"]);
}

#[tokio::test]
async fn apigw_style_errors_and_echoed_passwords() {
    let clock = ManualClock::at_unix(T0);
    let echo = Reply::json(
        400,
        &serde_json::json!({"error_code": "IAM.0101", "error_msg": format!("bad password {PASSWORD}")})
            .to_string(),
    );
    let iam = Iam::start(Arc::clone(&clock), DAY, vec![echo]).await;
    let dbss = dbss().await;
    let client = dbss_client(&dbss, password(&iam).into(), clock);
    let e = create(&client).await.unwrap_err();
    let Error::Credentials(CredentialsError::IamRejected(refused)) = &e else {
        panic!("{e:?}");
    };
    assert_eq!(refused.code.as_deref(), Some("IAM.0101"));
    assert_eq!(refused.message.as_deref(), Some("bad password [REDACTED]"));
    assert!(!e.to_string().contains(PASSWORD));
}

#[tokio::test]
async fn unusable_token_responses_are_typed() {
    for (reply, reason) in [
        (
            Reply::json(
                201,
                r#"{"token":{"expires_at":"2099-01-01T00:00:00.000000Z"}}"#,
            ),
            "no X-Subject-Token header",
        ),
        (
            Reply::json(201, r#"{"token":{}}"#).with_header("X-Subject-Token", "T"),
            "the body has no token.expires_at",
        ),
        (
            Reply::json(201, r#"{"token":{"expires_at":"tomorrow"}}"#)
                .with_header("X-Subject-Token", "T"),
            "token.expires_at is not an ISO 8601 time",
        ),
    ] {
        let clock = ManualClock::at_unix(T0);
        let iam = Iam::start(
            Arc::clone(&clock),
            DAY,
            vec![reply.with_header("X-Request-Id", "rid")],
        )
        .await;
        let dbss = dbss().await;
        let client = dbss_client(&dbss, password(&iam).into(), clock);
        let e = create(&client).await.unwrap_err();
        match &e {
            Error::Credentials(CredentialsError::IamInvalidResponse {
                reason: r,
                request_id,
            }) => {
                assert_eq!(*r, reason);
                assert_eq!(request_id.as_deref(), Some("rid"));
            }
            other => panic!("{reason}: {other:?}"),
        }
        create(&client).await.unwrap();
    }
}

#[tokio::test]
async fn an_unreachable_iam_is_a_transport_error() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let clock = ManualClock::at_unix(T0);
    let dbss = dbss().await;
    let creds = PasswordCredentials::new(USER, PASSWORD, DOMAIN)
        .with_iam_endpoint(format!("http://127.0.0.1:{port}"));
    let client = dbss_client(&dbss, creds.into(), clock);
    let e = create(&client).await.unwrap_err();
    assert!(
        matches!(e, Error::Credentials(CredentialsError::IamTransport { .. })),
        "{e:?}"
    );
}

#[tokio::test]
async fn expiry_is_read_from_the_body_in_any_iso_8601_form() {
    // IAM writes microseconds; an offset form must work as well.
    let clock = ManualClock::at_unix(T0);
    let expires = UNIX_EPOCH + Duration::from_secs(T0) + DAY;
    let text = jiff::Timestamp::try_from(expires)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string();
    let reply = Reply::json(201, &format!(r#"{{"token":{{"expires_at":"{text}"}}}}"#))
        .with_header("X-Subject-Token", "OFFSET-TOKEN");
    let iam = Iam::start(Arc::clone(&clock), DAY, vec![reply]).await;
    let dbss = dbss().await;
    let client = raw_client(&dbss, password(&iam).into(), Arc::clone(&clock));
    raw_create(&client).await.unwrap();
    clock.advance(DAY - Duration::from_secs(11 * 60));
    raw_create(&client).await.unwrap();
    assert_eq!(iam.fetches(), 1);
    assert_eq!(tokens_sent(&dbss), vec!["OFFSET-TOKEN"; 2]);
}
