//! No secret shows up anywhere: `Debug`/`Display` of every credentials type (exact text), and
//! TRACE-level logs — this crate's, reqwest's (`log`, bridged) and hyper's — of a whole signed
//! round trip and of an IAM token fetch.
//!
//! One global subscriber for the whole binary (so the `log` bridge is installed and tasks on
//! any thread are captured); since every test checks that *no* secret of *any* test appears,
//! tests running in parallel cannot hide each other's leaks.
#![allow(clippy::unwrap_used)]

mod auth_support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use auth_support::{INSTANCE_ID, ManualClock, PROJECT_ID, Reply, Server, T0};
use dbss_client::Inner;
use dbss_client::auth::{
    CredentialSource, Credentials, CredentialsError, PasswordCredentials, ResolvedCredentials,
    resolve_default_chain,
};
use dbss_client::clock::Clock;
use reqwest::header::HeaderValue;

const SK: &str = "SECRET-SK-0123456789";
const SECURITY_TOKEN: &str = "SECRET-SECURITY-TOKEN";
const TOKEN: &str = "SECRET-GIVEN-TOKEN";
const PASSWORD: &str = "SECRET-PASSWORD";
const IAM_TOKEN: &str = "SECRET-IAM-TOKEN";
const ALL_SECRETS: [&str; 5] = [SK, SECURITY_TOKEN, TOKEN, PASSWORD, IAM_TOKEN];

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The global log buffer, installed once.
fn logs() -> &'static Buf {
    static LOGS: OnceLock<Buf> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Buf::default();
        let writer = buf.clone();
        // `try_init` also installs the `log` → `tracing` bridge, so reqwest's records count.
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the only subscriber of this test binary");
        buf
    })
}

fn log_text() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in ALL_SECRETS {
        assert!(!text.contains(secret), "{what} contains {secret}:\n{text}");
    }
}

#[test]
fn debug_and_display_of_every_credentials_type_are_exact_and_redacted() {
    let cases: Vec<(Credentials, &str, &str)> = vec![
        (
            Credentials::ak_sk("AK-PUBLIC", SK),
            "AkSk(AkSkCredentials { access_key_id: \"AK-PUBLIC\", secret_key: [REDACTED], security_token: None })",
            "AK/SK credentials (access key id AK-PUBLIC)",
        ),
        (
            Credentials::ak_sk("AK-PUBLIC", SK).with_security_token(SECURITY_TOKEN),
            "AkSk(AkSkCredentials { access_key_id: \"AK-PUBLIC\", secret_key: [REDACTED], security_token: Some([REDACTED]) })",
            "temporary AK/SK credentials (access key id AK-PUBLIC, with security token)",
        ),
        (
            Credentials::token(TOKEN),
            "Token(TokenCredentials { token: [REDACTED] })",
            "IAM token credentials",
        ),
        (
            Credentials::password("alice", PASSWORD, "acme"),
            "Password(PasswordCredentials { user_name: \"alice\", password: [REDACTED], domain_name: \"acme\", iam_endpoint: None, token_refresh_margin: 600s })",
            "IAM password credentials (user alice, domain acme)",
        ),
        (
            PasswordCredentials::new("alice", PASSWORD, "acme")
                .with_iam_endpoint("https://iam.example")
                .with_token_refresh_margin(Duration::from_secs(60))
                .into(),
            "Password(PasswordCredentials { user_name: \"alice\", password: [REDACTED], domain_name: \"acme\", iam_endpoint: Some(\"https://iam.example\"), token_refresh_margin: 60s })",
            "IAM password credentials (user alice, domain acme)",
        ),
        (
            Credentials::Anonymous,
            "Anonymous",
            "anonymous (no credentials)",
        ),
    ];
    for (creds, debug, display) in cases {
        assert_eq!(format!("{creds:?}"), debug);
        assert_eq!(creds.to_string(), display);
        assert_eq!(
            format!("{creds:#?}").contains("REDACTED"),
            debug.contains("REDACTED")
        );
        assert_no_secret("pretty Debug", &format!("{creds:#?}"));
    }

    // The inner types print the same way on their own.
    let Credentials::AkSk(inner) =
        Credentials::ak_sk("AK-PUBLIC", SK).with_security_token(SECURITY_TOKEN)
    else {
        unreachable!()
    };
    assert_eq!(
        format!("{inner:?}"),
        "AkSkCredentials { access_key_id: \"AK-PUBLIC\", secret_key: [REDACTED], security_token: Some([REDACTED]) }"
    );
    assert_eq!(
        inner.to_string(),
        "temporary AK/SK credentials (access key id AK-PUBLIC, with security token)"
    );

    // What the chain returns.
    let env = |name: &str| match name {
        "HUAWEICLOUD_SDK_AK" => Some("AK-PUBLIC".to_owned()),
        "HUAWEICLOUD_SDK_SK" => Some(SK.to_owned()),
        "HUAWEICLOUD_SDK_PROJECT_ID" => Some("p".to_owned()),
        _ => None,
    };
    let resolved: ResolvedCredentials = resolve_default_chain(None, &env).unwrap();
    assert_eq!(
        format!("{resolved:?}"),
        "ResolvedCredentials { credentials: AkSk(AkSkCredentials { access_key_id: \"AK-PUBLIC\", \
         secret_key: [REDACTED], security_token: None }), project_id: Some(\"p\"), iam_endpoint: None, source: Environment }"
    );
    assert_eq!(
        CredentialSource::ProfileFile(PathBuf::from("/x/credentials")).to_string(),
        "profile file /x/credentials"
    );

    // Temporary sources: an inline OIDC id token is a secret too.
    let oidc = dbss_client::auth::OidcConfig::with_id_token("urn:p", "urn:a", SECURITY_TOKEN);
    let creds = Credentials::temporary(dbss_client::auth::TemporarySource::Oidc(oidc));
    assert_no_secret("OIDC Debug", &format!("{creds:?}"));
    assert_eq!(
        creds.to_string(),
        "temporary credentials from OIDC (STS assume-with-oidc)"
    );
    assert!(
        format!("{creds:?}").contains("Inline([REDACTED])"),
        "{creds:?}"
    );
}

#[test]
fn errors_never_carry_a_secret() {
    let env = |name: &str| match name {
        "HUAWEICLOUD_SDK_SK" => Some(SK.to_owned()),
        "HUAWEICLOUD_SDK_SECURITY_TOKEN" => Some(SECURITY_TOKEN.to_owned()),
        _ => None,
    };
    let e: CredentialsError = resolve_default_chain(None, &env).unwrap_err();
    assert_no_secret("error Display", &e.to_string());
    assert_no_secret("error Debug", &format!("{e:?}"));
}

fn client(base_url: &str, creds: Credentials, clock: Arc<ManualClock>) -> dbss_client::raw::Client {
    let http = auth_support::http_client();
    let inner = Inner::new(
        creds,
        clock,
        HeaderValue::from_static("dbss-rs-auth-test"),
        Some(PROJECT_ID.to_owned()),
        http.clone(),
    );
    dbss_client::raw::Client::new_with_client(base_url, http, inner)
}

async fn create(client: &dbss_client::raw::Client) {
    client
        .create_report()
        .project_id(PROJECT_ID)
        .instance_id(INSTANCE_ID)
        .body(auth_support::report_body())
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_of_a_signed_round_trip_hold_no_secret() {
    logs();
    let clock = ManualClock::at_unix(T0);
    let server = Server::start(|_| Reply::json(200, r#"{"result":"success"}"#)).await;
    let creds = Credentials::ak_sk("AK-PUBLIC", SK).with_security_token(SECURITY_TOKEN);
    tracing::info!(credentials = ?creds, "test: signing round trip with {creds}");
    create(&client(&server.base_url, creds, clock)).await;
    let sent = &server.requests()[0];
    assert_eq!(sent.header("x-security-token"), Some(SECURITY_TOKEN));

    let text = log_text();
    assert!(
        text.contains("signed request"),
        "our TRACE event is captured:\n{text}"
    );
    assert!(text.contains("string_to_sign"), "{text}");
    assert!(text.contains("TRACE"), "{text}");
    // The HTTP stack's own logs are captured too (hyper-util via tracing, reqwest via `log`).
    assert!(text.contains("hyper_util::client"), "{text}");
    assert!(text.contains("reqwest::"), "{text}");
    assert_no_secret("TRACE logs", &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_of_token_requests_and_an_iam_fetch_hold_no_secret() {
    logs();
    let clock = ManualClock::at_unix(T0);
    let c = Arc::clone(&clock);
    let iam = Server::start(move |_| {
        let expires = jiff::Timestamp::try_from(c.now() + Duration::from_secs(86_400)).unwrap();
        Reply::json(201, &format!(r#"{{"token":{{"expires_at":"{expires}"}}}}"#))
            .with_header("X-Subject-Token", IAM_TOKEN)
    })
    .await;
    let dbss = Server::start(|_| Reply::json(200, r#"{"result":"success"}"#)).await;

    let creds: Credentials = PasswordCredentials::new("alice", PASSWORD, "acme")
        .with_iam_endpoint(&iam.base_url)
        .into();
    tracing::info!(credentials = ?creds, "test: IAM fetch with {creds}");
    create(&client(&dbss.base_url, creds, Arc::clone(&clock))).await;
    assert_eq!(dbss.requests()[0].header("x-auth-token"), Some(IAM_TOKEN));
    assert!(String::from_utf8_lossy(&iam.requests()[0].body).contains(PASSWORD));

    create(&client(&dbss.base_url, Credentials::token(TOKEN), clock)).await;
    assert_eq!(dbss.requests()[1].header("x-auth-token"), Some(TOKEN));

    let text = log_text();
    assert!(text.contains("requesting an IAM token"), "{text}");
    assert!(text.contains("obtained an IAM token"), "{text}");
    assert_no_secret("TRACE logs", &text);
}
