//! Failures of the `dbss` binary: one line on stderr (with the request id when DBSS answered)
//! and the documented exit code of each class; nothing sent when the input is refused.

#![allow(clippy::unwrap_used)]

use crate::support;

use dbss_mock::{Fault, FaultRule, Operation};
use support::{Auth, create_args, dbss, mock, run};

const FROM: &str = "2025-08-20 16:00:00";
const TO: &str = "2025-08-21 07:03:31";

/// The id after `[request id ` in an error line.
fn request_id(line: &str) -> &str {
    let start = line
        .find("[request id ")
        .unwrap_or_else(|| panic!("no request id in {line:?}"))
        + "[request id ".len();
    let id = line[start..].trim_end_matches(']');
    assert!(!id.is_empty(), "{line:?}");
    id
}

/// A server that keeps failing with 500 and a DBSS error body: exit 6, one line naming the code,
/// the status and the request id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_is_one_line_with_the_request_id_and_exit_6() {
    let mock = mock().await;
    mock.inject(FaultRule::new(Fault::status(500)).always());
    for auth in [Auth::AkSk, Auth::Token] {
        let out = dbss(&mock, auth, &["templates", "list"]).await;
        out.expect_code(6);
        let line = out.one_line_error();
        assert!(line.contains("HTTP 500"), "{line}");
        assert!(line.contains("DBSS.10500"), "{line}");
        request_id(line);
        assert!(out.stdout.is_empty(), "{out:#?}");
    }
}

/// A report the server does not know: DBSS's 400 → exit 5, with the request id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_template_is_a_client_side_error_exit_5() {
    let mock = mock().await;
    let out = dbss(
        &mock,
        Auth::AkSk,
        &create_args("NoSuchTemplate0001", FROM, TO),
    )
    .await;
    out.expect_code(5);
    let line = out.one_line_error();
    assert!(line.contains("HTTP 400"), "{line}");
    request_id(line);
    assert_eq!(mock.requests(Operation::CreateReport), 1);
}

/// A secret key the server does not know: the gateway's 401 → exit 5.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_signature_exits_5() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = support::command(&mock, Auth::None, home.path());
    cmd.env("HUAWEICLOUD_SDK_AK", mock.ak())
        .env("HUAWEICLOUD_SDK_SK", "not-the-secret-key");
    let out = run(cmd, &["instances", "list"]).await;
    out.expect_code(5);
    assert!(out.one_line_error().contains("HTTP 401"), "{out:#?}");
}

/// Input the client refuses: exit 3 and not one request reaches the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_exits_3_and_sends_nothing() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.pdf");
    let cases: Vec<Vec<&str>> = vec![
        // --from after --to
        create_args(mock.template_id(), TO, FROM),
        // not a time
        create_args(mock.template_id(), "yesterday", TO),
        // a template id that could redirect the path
        create_args("../../etc", FROM, TO),
        // a database id with a comma (ids are sent comma-separated)
        {
            let mut args = create_args(mock.template_id(), FROM, TO);
            args.extend(["--db", "a,b"]);
            args
        },
        // report ids too short
        vec!["reports", "download", "short", "-o", file.to_str().unwrap()],
        vec!["reports", "delete", "short"],
        // an instance id of the wrong length
        vec!["templates", "list", "--instance", "abc"],
        // an endpoint that is no URL
        vec!["instances", "list", "--endpoint", "dbss.example.com"],
        // plain http to a host that is not loopback
        vec!["instances", "list", "--endpoint", "http://dbss.example.com"],
        // an unknown region
        vec!["instances", "list", "--region", "mars-1"],
    ];
    for args in cases {
        let out = dbss(&mock, Auth::AkSk, &args).await;
        assert_eq!(out.code, 3, "{args:?}: {out:#?}");
        out.one_line_error();
    }
    assert!(!file.exists());
    assert_eq!(mock.total_requests(), 0);
}

/// No credentials anywhere (environment empty, no profile file): exit 4, nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_exit_4_and_send_nothing() {
    let mock = mock().await;
    let out = dbss(&mock, Auth::None, &["templates", "list"]).await;
    out.expect_code(4);
    out.one_line_error();
    assert_eq!(mock.total_requests(), 0);
}

/// No instance, or a command line clap refuses: exit 2, nothing sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_send_nothing() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = support::command(&mock, Auth::AkSk, home.path());
    cmd.env_remove("DBSS_INSTANCE_ID");
    let out = run(cmd, &["reports", "list"]).await;
    out.expect_code(2);
    assert!(out.one_line_error().contains("--instance"), "{out:#?}");

    for args in [
        vec!["reports", "create", "--template", "x"],
        vec!["reports", "lists"],
        vec!["templates", "list", "--output", "xml"],
        vec!["templates", "list", "--timeout", "0s"],
    ] {
        let out = dbss(&mock, Auth::AkSk, &args).await;
        assert_eq!(out.code, 2, "{args:?}: {out:#?}");
    }
    assert_eq!(mock.total_requests(), 0);
}

/// A create whose answer never comes: exit 7 after --timeout, sent once (never repeated).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_exits_7() {
    let mock = mock().await;
    mock.inject(FaultRule::new(Fault::Hang).only(Operation::CreateReport));
    let mut args = create_args(mock.template_id(), FROM, TO);
    args.extend(["--timeout", "300ms"]);
    let out = dbss(&mock, Auth::AkSk, &args).await;
    out.expect_code(7);
    assert!(out.one_line_error().contains("timed out"), "{out:#?}");
    assert_eq!(mock.requests(Operation::CreateReport), 1);
}

/// Nobody listening: exit 8.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_failure_exits_8() {
    let mock = mock().await;
    // A port that was just free: bind it, note it, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["instances", "list", "--endpoint", &endpoint],
    )
    .await;
    out.expect_code(8);
    assert!(out.one_line_error().contains("connection"), "{out:#?}");
}

/// A 200 with an empty body: exit 9, with the request id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_answer_exits_9() {
    let mock = mock().await;
    mock.inject(FaultRule::new(Fault::EmptyOk).only(Operation::ListAuditReportTemplates));
    let out = dbss(&mock, Auth::AkSk, &["templates", "list"]).await;
    out.expect_code(9);
    request_id(out.one_line_error());
}

/// A 200 whose status is not SUCCESS: the operation failed, exit 6, with the request id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_failed_exits_6() {
    let mock = mock().await;
    let id = mock.reports()[0].id.clone().unwrap();
    mock.inject(FaultRule::new(Fault::UnknownResult).only(Operation::DeleteAuditReport));
    let out = dbss(&mock, Auth::Token, &["reports", "delete", &id]).await;
    out.expect_code(6);
    let line = out.one_line_error();
    assert!(line.contains("did not succeed"), "{line}");
    request_id(line);
}

/// A download that cannot be written: exit 10, and no partial file is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unwritable_download_exits_10() {
    let mock = mock().await;
    let id = mock.reports()[0].id.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("missing-folder").join("r.pdf");
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["reports", "download", &id, "-o", target.to_str().unwrap()],
    )
    .await;
    out.expect_code(10);
    out.one_line_error();
    assert!(!target.exists());
}
