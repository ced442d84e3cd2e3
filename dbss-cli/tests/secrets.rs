//! No secret in any output, end to end: the `dbss` binary with `--verbose` and `RUST_LOG=trace`
//! (every log of this program, the client, reqwest and hyper) against the mock, with AK/SK,
//! with temporary AK/SK (security token), with an IAM token, and with a wrong secret key,
//! through every command, failing ones included: stdout and stderr hold no secret key, token
//! or security token (the access key id is not a secret).
//!
//! The IAM password flow is checked here at the client level, through the `DbssClient` wrappers
//! with a loopback IAM, under a TRACE subscriber; `tests/cli/credentials.rs` checks the CLI's
//! `--password-stdin` end to end (the password is in neither stdout nor stderr).
//!
//! And: a profile file that group or others may read is used with a warning on stderr.

#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use dbss_mock::{Fault, FaultRule, MockServer, Operation};
use support::{Run, create_args, run};

const AK: &str = "SECRETSTESTAK0000001";
const SK: &str = "SecretsTestSK-never-printed-0123456789ab";
const TOKEN: &str = "MIIsecrets-test-iam-token-never-printed";
const TEMP_AK: &str = "SECRETSTESTTEMPAK001";
const TEMP_SK: &str = "SecretsTestTempSK-never-printed-9876543";
const SECURITY_TOKEN: &str = "SecretsTestSecurityToken-never-printed";
const WRONG_SK: &str = "SecretsTestWrongSK-never-printed-4242";
const PROFILE_SK: &str = "SecretsTestProfileSK-never-printed-77";
const PASSWORD: &str = "SecretsTest-Pa55word-never-printed";
const IAM_TOKEN: &str = "MIIsecrets-test-fetched-token-never-printed";

const SECRETS: [&str; 9] = [
    SK,
    TOKEN,
    TEMP_SK,
    SECURITY_TOKEN,
    WRONG_SK,
    PROFILE_SK,
    PASSWORD,
    IAM_TOKEN,
    dbss_mock::DEFAULT_SK,
];

const FROM: &str = "2025-08-20 16:00:00";
const TO: &str = "2025-08-21 07:03:31";

#[track_caller]
fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows a secret ({secret}):\n{text}"
        );
    }
    // Not even a recognisable part of one.
    for secret in [SK, TOKEN, TEMP_SK, SECURITY_TOKEN, WRONG_SK, PASSWORD] {
        assert!(
            !text.contains(&secret[..20]),
            "{what} shows part of {secret}"
        );
    }
}

async fn mock() -> MockServer {
    MockServer::builder()
        .report_duration(Duration::ZERO)
        .access_key(AK, SK)
        .token(TOKEN)
        .add_temporary_access_key(TEMP_AK, TEMP_SK, SECURITY_TOKEN)
        .start()
        .await
        .unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Creds {
    AkSk,
    Temporary,
    Token,
    WrongSk,
}

/// `dbss --verbose ARGS` at TRACE level, with `creds` in the environment.
async fn dbss(mock: &MockServer, creds: Creds, home: &Path, args: &[&str]) -> Run {
    let mut cmd = support::bare_command(home);
    cmd.env("DBSS_ENDPOINT", mock.base_url())
        .env("HUAWEICLOUD_SDK_PROJECT_ID", mock.project_id())
        .env("DBSS_INSTANCE_ID", mock.instance_id())
        .env("RUST_LOG", "trace");
    match creds {
        Creds::AkSk => cmd
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", SK),
        Creds::Temporary => cmd
            .env("HUAWEICLOUD_SDK_AK", TEMP_AK)
            .env("HUAWEICLOUD_SDK_SK", TEMP_SK)
            .env("HUAWEICLOUD_SDK_SECURITY_TOKEN", SECURITY_TOKEN),
        Creds::Token => cmd.env("DBSS_AUTH_TOKEN", TOKEN),
        Creds::WrongSk => cmd
            .env("HUAWEICLOUD_SDK_AK", AK)
            .env("HUAWEICLOUD_SDK_SK", WRONG_SK),
    };
    let mut argv = vec!["--verbose"];
    argv.extend_from_slice(args);
    let out = run(cmd, &argv).await;
    assert_no_secret(&format!("dbss {argv:?} with {creds:?}"), &out.stdout);
    assert_no_secret(&format!("dbss {argv:?} with {creds:?}"), &out.stderr);
    out
}

/// Every command, successful and failing, with `creds`.
async fn every_command(creds: Creds) {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let h = home.path();
    let report = mock.reports()[0].id.clone().unwrap();
    let saved = dir.path().join("saved.pdf");
    let created = dir.path().join("created.pdf");

    let out = dbss(&mock, creds, h, &["instances", "list"]).await;
    out.ok();
    // The logs really are at TRACE, and include the HTTP stack's.
    assert!(out.stderr.contains("TRACE"), "{out:#?}");
    assert!(out.stderr.contains("dbss_client"), "{out:#?}");
    assert!(out.stderr.contains("hyper"), "{out:#?}");
    dbss(&mock, creds, h, &["templates", "list", "--output", "json"])
        .await
        .ok();
    dbss(&mock, creds, h, &["reports", "list"]).await.ok();
    dbss(
        &mock,
        creds,
        h,
        &[
            &create_args(mock.template_id(), FROM, TO)[..],
            &["--download", created.to_str().unwrap()],
        ]
        .concat(),
    )
    .await
    .ok();
    dbss(
        &mock,
        creds,
        h,
        &[
            "reports",
            "download",
            &report,
            "-o",
            saved.to_str().unwrap(),
        ],
    )
    .await
    .ok();
    dbss(
        &mock,
        creds,
        h,
        &["reports", "delete", &report, "--output", "json"],
    )
    .await
    .ok();

    // Failing: a server error after retries, a refused template, bad input, a timeout.
    mock.inject(
        FaultRule::new(Fault::status(500))
            .always()
            .only(Operation::ListAuditReportTemplates),
    );
    dbss(&mock, creds, h, &["templates", "list"])
        .await
        .expect_code(6);
    mock.clear_faults();
    dbss(&mock, creds, h, &create_args("NoSuchTemplate01", FROM, TO))
        .await
        .expect_code(5);
    dbss(&mock, creds, h, &["reports", "delete", "short"])
        .await
        .expect_code(3);
    mock.inject(FaultRule::new(Fault::Hang).only(Operation::CreateReport));
    dbss(
        &mock,
        creds,
        h,
        &[
            &create_args(mock.template_id(), FROM, TO)[..],
            &["--timeout", "300ms"],
        ]
        .concat(),
    )
    .await
    .expect_code(7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ak_sk_never_shows_the_secret_key() {
    every_command(Creds::AkSk).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_credentials_never_show_the_secret_key_or_security_token() {
    every_command(Creds::Temporary).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_never_shown() {
    every_command(Creds::Token).await;
}

/// A secret key the server refuses (401): the error says so, and shows no key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_secret_key_is_never_shown() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["instances", "list"],
        vec!["templates", "list", "--output", "json"],
    ] {
        let out = dbss(&mock, Creds::WrongSk, home.path(), &args).await;
        out.expect_code(5);
        assert!(out.stderr.contains("HTTP 401"), "{out:#?}");
    }
}

/// The demo signs with the embedded mock's (public) key, and runs the mock in-process at
/// TRACE too: neither logs the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_at_trace_level_shows_no_key() {
    let home = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let mut cmd = support::bare_command(home.path());
    cmd.env("RUST_LOG", "trace");
    let out = run(
        cmd,
        &[
            "--verbose",
            "demo",
            "--out",
            out_dir.path().to_str().unwrap(),
            "--report-duration",
            "200ms",
        ],
    )
    .await;
    out.ok();
    assert!(out.stderr.contains("dbss_mock"), "{out:#?}");
    assert_no_secret("dbss demo stdout", &out.stdout);
    assert_no_secret("dbss demo stderr", &out.stderr);
    assert!(!out.stderr.contains(dbss_mock::DEFAULT_TOKEN), "{out:#?}");
}

/// Writes `~/.huaweicloud/credentials` under `home` with `mode`.
fn profile(home: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let dir = home.join(".huaweicloud");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("credentials");
    std::fs::write(
        &path,
        format!("[basic]\nak = {AK}\nsk = {PROFILE_SK}\nsecurity_token =\n"),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A profile file others may read is used, with a warning on stderr (shown without
/// `--verbose`); one only its owner may read gives none. Neither shows the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_file_others_can_read_gives_a_warning() {
    let mock = MockServer::builder()
        .access_key(AK, PROFILE_SK)
        .start()
        .await
        .unwrap();
    for (mode, warned) in [(0o644, true), (0o640, true), (0o600, false)] {
        let home = tempfile::tempdir().unwrap();
        profile(home.path(), mode);
        let mut cmd = support::bare_command(home.path());
        cmd.env("DBSS_ENDPOINT", mock.base_url())
            .env("HUAWEICLOUD_SDK_PROJECT_ID", mock.project_id());
        let out = run(cmd, &["instances", "list"]).await;
        out.ok();
        assert_eq!(
            out.stderr.contains("WARN") && out.stderr.contains("accessible by group or others"),
            warned,
            "mode {mode:o}: {out:#?}"
        );
        if warned {
            assert!(out.stderr.contains("chmod 600"), "{out:#?}");
            assert!(out.stderr.contains("credentials"), "{out:#?}");
        }
        assert_no_secret("profile run", &out.stdout);
        assert_no_secret("profile run", &out.stderr);
    }
    // And named by HUAWEICLOUD_SDK_CREDENTIALS_FILE, at TRACE level.
    let home = tempfile::tempdir().unwrap();
    profile(home.path(), 0o604);
    let mut cmd = support::bare_command(home.path());
    cmd.env("DBSS_ENDPOINT", mock.base_url())
        .env("HUAWEICLOUD_SDK_PROJECT_ID", mock.project_id())
        .env("RUST_LOG", "trace")
        .env(
            "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
            home.path().join(".huaweicloud").join("credentials"),
        );
    let out = run(
        cmd,
        &[
            "--verbose",
            "templates",
            "list",
            "--instance",
            mock.instance_id(),
        ],
    )
    .await;
    out.ok();
    assert!(
        out.stderr.contains("accessible by group or others"),
        "{out:#?}"
    );
    assert_no_secret("profile run at TRACE", &out.stderr);
}

// ---------------------------------------------------------------------------------------------
// The IAM password flow, at the client level.

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

/// A TRACE subscriber for this test binary (with the `log` bridge, so reqwest's records are
/// captured), writing into a buffer.
fn logs() -> &'static Buf {
    static LOGS: OnceLock<Buf> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Buf::default();
        let writer = buf.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .unwrap();
        buf
    })
}

/// A loopback IAM: answers every `POST /v3/auth/tokens` with 201 and `X-Subject-Token`,
/// after checking that the password arrived; counts the requests.
async fn iam(token: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, len) = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, len);
                    }
                };
                while buf.len() < head_end + len {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).into_owned();
                seen.lock().unwrap().push(body);
                let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
                let json = format!(r#"{{"token":{{"expires_at":"{expires}"}}}}"#);
                let response = format!(
                    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n\
                     X-Subject-Token: {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
                    json.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, bodies)
}

/// Password credentials: a token is fetched from IAM with the password and sent to DBSS;
/// successful and failing calls, at TRACE, log neither the password nor the token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_flow_logs_neither_password_nor_token() {
    use dbss_client::auth::PasswordCredentials;
    use dbss_client::{DbssClient, RetryPolicy, Timeouts};

    let logs = logs();
    let mock = MockServer::builder()
        .token(IAM_TOKEN)
        .report_duration(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let (iam_url, iam_bodies) = iam(IAM_TOKEN).await;
    let credentials = PasswordCredentials::new("secrets-user", PASSWORD, "secrets-domain")
        .with_iam_endpoint(&iam_url);
    let client = DbssClient::builder()
        .env(Arc::new(|_: &str| None))
        .endpoint(mock.base_url())
        .project_id(mock.project_id())
        .credentials(credentials.into())
        .retry_policy(
            RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
        .timeouts(Timeouts::default().with_attempt(Duration::from_millis(300)))
        .build()
        .unwrap();
    tracing::info!(?client, "test: password flow with {client:?}");

    let instance = mock.instance_id();
    client.list_templates(instance).send().await.unwrap();
    client
        .create_report(instance)
        .template(mock.template_id())
        .time_range(FROM, TO)
        .send()
        .await
        .unwrap();
    client.list_reports(instance).send().await.unwrap();
    // Failing calls: a server error after retries (logged at DEBUG with the error), a
    // timeout, and bad input.
    mock.inject(FaultRule::new(Fault::status(500)).always());
    let e = client.list_audit_instances_last().send().await.unwrap_err();
    tracing::error!(error = %e, debug = ?e, "test: failed");
    mock.clear_faults();
    mock.inject(FaultRule::new(Fault::Hang).only(Operation::DeleteAuditReport));
    let e = client
        .delete_report(instance, "Hx9QLJgBTpKZyZbbhTgS")
        .retry_policy(RetryPolicy::none())
        .send()
        .await
        .unwrap_err();
    tracing::error!(error = %e, debug = ?e, "test: failed");

    // The flow really ran: IAM got the password once, DBSS accepted the fetched token.
    let bodies = iam_bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(bodies[0].contains(PASSWORD));
    assert!(mock.requests(Operation::CreateReport) == 1);

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(text.contains("TRACE"), "{text}");
    assert!(text.contains("IAM token"), "{text}");
    assert!(text.contains("reqwest") || text.contains("hyper"), "{text}");
    assert_no_secret("client TRACE logs of the password flow", &text);
}
