//! The tracing span of an operation: its fields and one child span per attempt.
#![allow(clippy::unwrap_used)]

mod log_capture;
mod support;

use log_capture::Captured;
use support::{INSTANCE, ScriptServer, Step, TEMPLATE, client};

const OK: &str = r#"{"result":"success"}"#;

fn good(c: &dbss_client::DbssClient) -> dbss_client::CreateReport<'_> {
    c.create_report(INSTANCE)
        .template(TEMPLATE)
        .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
}

#[tokio::test]
async fn one_span_per_operation_with_attempts_status_request_id_and_duration() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global, and alone in this test binary: a thread-scoped subscriber races with the callsite
    // interest cache when other tests run in parallel threads without one.
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let server = ScriptServer::start(vec![
        Step::json(503, r#"{"error_code":"X","error_msg":"busy"}"#),
        Step::json(200, OK).with_header("X-Request-Id", "req-span"),
    ])
    .await;
    good(&client(&server.url)).send().await.unwrap();

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let closed: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains("dbss.operation") && l.contains("close") && !l.contains("dbss.attempt")
        })
        .collect();
    assert_eq!(closed.len(), 1, "one operation span: {text}");
    let line = closed[0];
    for field in [
        "operation=\"create_report\"",
        "attempts=2",
        "status=200",
        "request_id=\"req-span\"",
        "duration_ms=",
    ] {
        assert!(line.contains(field), "{field} missing from {line}");
    }
    assert!(
        text.contains("dbss.attempt{attempt=1 status=503}"),
        "{text}"
    );
    assert!(
        text.contains("dbss.attempt{attempt=2 status=200 request_id=\"req-span\"}"),
        "{text}"
    );
    assert!(
        !text.contains("SKtestExampleSecretKey"),
        "no secret in the logs"
    );
}
