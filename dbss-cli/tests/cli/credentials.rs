//! The CLI's credential flags, end to end against the mock: `--user`/`--domain` with
//! `--password-stdin` (a loopback IAM hands out the token; the password never appears in argv
//! or output), `--profile` and `--credentials-file`, `--credentials-from` (one step of the
//! chain alone), and `--allow-insecure-http`.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use dbss_mock::{MockServer, Operation};
use support::{Auth, Run, bare_command, command, run};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const PASSWORD: &str = "Cli-Pa55word-never-printed";
const IAM_TOKEN: &str = "MIIcli-password-flow-token-never-printed";

/// A loopback IAM answering every request with a token (201, `X-Subject-Token`), recording
/// the request bodies.
async fn iam() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&bodies);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then the body its Content-Length announces.
            let (head_end, length) = loop {
                let n = stream.read(&mut chunk).await.unwrap();
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    break (end + 4, length);
                }
            };
            while buf.len() < head_end + length {
                let n = stream.read(&mut chunk).await.unwrap();
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            recorded
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[head_end..]).into_owned());
            let body = r#"{"token":{"expires_at":"2099-01-01T00:00:00.000000Z"}}"#;
            let answer = format!(
                "HTTP/1.1 201 Created\r\nX-Subject-Token: {IAM_TOKEN}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (url, bodies)
}

/// Runs `cmd ARGS` with `stdin` as standard input.
async fn run_with_stdin(mut cmd: Command, args: &[&str], stdin: &str) -> Run {
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let stdin = stdin.to_owned();
    // Blocking writes and wait: on the blocking pool, so that the runtime's workers keep serving
    // the mock and the loopback IAM the child talks to.
    let output = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
        // Closed: the end of the password.
        drop(input);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    output.into()
}

async fn mock_with_token() -> MockServer {
    MockServer::builder()
        .add_token(IAM_TOKEN)
        .start()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_from_stdin_gets_a_token_and_is_never_shown() {
    let mock = mock_with_token().await;
    let (iam_url, bodies) = iam().await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = command(&mock, Auth::None, home.path());
    cmd.env("HUAWEICLOUD_SDK_IAM_ENDPOINT", &iam_url)
        .env("RUST_LOG", "trace");
    let args = [
        "--verbose",
        "--user",
        "cli-user",
        "--domain",
        "cli-domain",
        "--password-stdin",
        "templates",
        "list",
    ];
    let out = run_with_stdin(cmd, &args, &format!("{PASSWORD}\r\n")).await;
    out.ok();
    assert_eq!(mock.requests(Operation::ListAuditReportTemplates), 1);
    let bodies = bodies.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "one token request");
    let body: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    let user = &body["auth"]["identity"]["password"]["user"];
    assert_eq!(user["name"], "cli-user");
    assert_eq!(user["domain"]["name"], "cli-domain");
    assert_eq!(
        user["password"], PASSWORD,
        "the first line, without its CR LF"
    );
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains(PASSWORD), "the password is shown:\n{text}");
        assert!(!text.contains(IAM_TOKEN), "the token is shown:\n{text}");
    }
    assert!(
        !args.contains(&PASSWORD),
        "and it was never on the command line"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_flags_are_checked_before_anything_is_sent() {
    let mock = mock_with_token().await;
    let home = tempfile::tempdir().unwrap();
    // No flag takes a password on the command line.
    let out = run(
        command(&mock, Auth::None, home.path()),
        &["--password", PASSWORD, "templates", "list"],
    )
    .await;
    out.expect_code(2);
    // --user needs --domain and --password-stdin.
    let out = run(
        command(&mock, Auth::None, home.path()),
        &["--user", "u", "templates", "list"],
    )
    .await;
    out.expect_code(2);
    assert!(out.stderr.contains("--domain"), "{out:#?}");
    // An empty first line is no password.
    let out = run_with_stdin(
        command(&mock, Auth::None, home.path()),
        &[
            "--user",
            "u",
            "--domain",
            "d",
            "--password-stdin",
            "templates",
            "list",
        ],
        "\n",
    )
    .await;
    out.expect_code(2);
    assert!(out.one_line_error().contains("no password"), "{out:#?}");
    // The body cannot come from standard input too.
    let out = run_with_stdin(
        command(&mock, Auth::None, home.path()),
        &[
            "--user",
            "u",
            "--domain",
            "d",
            "--password-stdin",
            "api",
            "create_report",
            "--instance_id",
            mock.instance_id(),
            "--body",
            "-",
        ],
        &format!("{PASSWORD}\n{{}}"),
    )
    .await;
    out.expect_code(2);
    assert!(out.one_line_error().contains("standard input"), "{out:#?}");
    assert_eq!(mock.total_requests(), 0);
}

fn write_profile(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("credentials");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_and_credentials_file_choose_the_section_and_file() {
    let mock = support::mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_profile(
        dir.path(),
        &format!(
            "[basic]\nak = {}\nsk = not-the-secret-key\n\n[ci]\nak = {}\nsk = {}\n",
            mock.ak(),
            mock.ak(),
            mock.sk()
        ),
    );
    let file_arg = file.display().to_string();
    let home = tempfile::tempdir().unwrap();
    // [basic] holds a wrong key: refused by the gateway.
    let out = run(
        command(&mock, Auth::None, home.path()),
        &["--credentials-file", &file_arg, "templates", "list"],
    )
    .await;
    out.expect_code(5);
    // --profile ci reads the right one.
    let out = run(
        command(&mock, Auth::None, home.path()),
        &[
            "--credentials-file",
            &file_arg,
            "--profile",
            "ci",
            "templates",
            "list",
        ],
    )
    .await;
    out.ok();
    // A section that is not there: exit 4, naming it.
    let out = run(
        command(&mock, Auth::None, home.path()),
        &[
            "--credentials-file",
            &file_arg,
            "--profile",
            "nope",
            "templates",
            "list",
        ],
    )
    .await;
    out.expect_code(4);
    assert!(out.one_line_error().contains("nope"), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_from_uses_one_step_of_the_chain_only() {
    let mock = support::mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = write_profile(
        dir.path(),
        &format!("[basic]\nak = {}\nsk = {}\n", mock.ak(), mock.sk()),
    );
    let home = tempfile::tempdir().unwrap();
    // The environment comes first in the chain and holds a wrong key...
    let wrong_env = || {
        let mut cmd = command(&mock, Auth::None, home.path());
        cmd.env("HUAWEICLOUD_SDK_AK", mock.ak())
            .env("HUAWEICLOUD_SDK_SK", "not-the-secret-key")
            .env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file);
        cmd
    };
    run(wrong_env(), &["templates", "list"])
        .await
        .expect_code(5);
    // ... so --credentials-from profile skips it.
    run(
        wrong_env(),
        &["--credentials-from", "profile", "templates", "list"],
    )
    .await
    .ok();
    // A step that finds nothing fails instead of going on down the chain.
    let mut cmd = command(&mock, Auth::None, home.path());
    cmd.env("HUAWEICLOUD_SDK_CREDENTIALS_FILE", &file);
    let out = run(cmd, &["--credentials-from", "env", "templates", "list"]).await;
    out.expect_code(4);
    assert!(
        out.one_line_error().contains("HUAWEICLOUD_SDK_AK"),
        "{out:#?}"
    );
    let out = run(
        command(&mock, Auth::AkSk, home.path()),
        &["--credentials-from", "pod-identity", "templates", "list"],
    )
    .await;
    out.expect_code(4);
    assert!(
        out.one_line_error()
            .contains("HC_CONTAINER_CREDENTIALS_FULL_URI"),
        "{out:#?}"
    );
    let out = run(
        command(&mock, Auth::AkSk, home.path()),
        &["--credentials-from", "oidc", "templates", "list"],
    )
    .await;
    out.expect_code(4);
    assert!(
        out.one_line_error()
            .contains("HUAWEICLOUD_OIDC_PROVIDER_URN"),
        "{out:#?}"
    );
}

/// Plain http to a host that is not loopback is refused unless `--allow-insecure-http`. The
/// host is reached through a loopback proxy (the mock: it serves absolute-form requests), so
/// nothing leaves the machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allow_insecure_http_opts_in_to_plain_http_elsewhere() {
    let mock = support::mock().await;
    let home = tempfile::tempdir().unwrap();
    let insecure = || {
        let mut cmd = command(&mock, Auth::AkSk, home.path());
        cmd.env("DBSS_ENDPOINT", "http://dbss.internal.example")
            .env("HTTP_PROXY", mock.base_url());
        cmd
    };
    let out = run(insecure(), &["templates", "list"]).await;
    assert_ne!(out.code, 0);
    assert!(
        out.one_line_error().contains("--allow-insecure-http"),
        "{out:#?}"
    );
    assert_eq!(mock.total_requests(), 0, "refused before sending");
    run(insecure(), &["--allow-insecure-http", "templates", "list"])
        .await
        .ok();
    assert_eq!(mock.requests(Operation::ListAuditReportTemplates), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_documents_every_credential_flag() {
    let home = tempfile::tempdir().unwrap();
    let out = run(bare_command(home.path()), &["--help"]).await;
    out.ok();
    for flag in [
        "--profile",
        "--credentials-file",
        "--credentials-from",
        "--user",
        "--domain",
        "--password-stdin",
        "--allow-insecure-http",
        "oidc",
        "pod-identity",
    ] {
        assert!(out.stdout.contains(flag), "{flag} missing from --help");
    }
}
