//! The create-report wrapper against a scripted loopback server: validation, every error
//! class, retries and timeouts.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::{Duration, Instant};

use dbss_client::{Error, RetryPolicy, Rule, TimeoutPhase};
use support::{INSTANCE, ScriptServer, Step, TEMPLATE, client, client_with, refused_url};

const OK: &str = r#"{"result":"success"}"#;
const ERROR_400: &str = r#"{"error_code":"DBSS.10001","error_msg":"Invalid template",
  "details":[{"error_code":"PDP5.01","error_msg":"denied by policy"}],
  "encoded_authorization_message":"enc-msg"}"#;

fn good(c: &dbss_client::DbssClient) -> dbss_client::CreateReport<'_> {
    c.create_report(INSTANCE)
        .template(TEMPLATE)
        .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
}

#[tokio::test]
async fn sends_the_documented_request() {
    let server = ScriptServer::start(vec![
        Step::json(200, OK).with_header("X-Request-Id", "req-1"),
    ])
    .await;
    let c = client(&server.url);
    let out = good(&c)
        .databases(["db-1", "db-2", "db-1"])
        .send()
        .await
        .unwrap();
    assert_eq!(out.request_id.as_deref(), Some("req-1"));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.target,
        format!("/v1/{}/audit/{INSTANCE}/reports/create", support::PROJECT)
    );
    assert!(
        r.header("api-version").is_none(),
        "progenitor's api-version header must not be sent"
    );
    assert!(r.header("user-agent").unwrap().starts_with("dbss-rs/"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "template_id": TEMPLATE,
            "start_time": "2025-08-20 16:00:00",
            "end_time": "2025-08-21 07:03:31",
            "db_ids": "db-1,db-2"
        })
    );
}

#[tokio::test]
async fn jiff_times_and_dates_are_written_in_the_api_format() {
    let server = ScriptServer::start(vec![Step::json(200, OK)]).await;
    let c = client(&server.url);
    let start = jiff::civil::date(2025, 8, 20).at(16, 0, 0, 123);
    let end = jiff::civil::date(2025, 8, 21).at(7, 3, 31, 0);
    good(&c)
        .time_range(start, end)
        .dates(jiff::civil::date(2025, 8, 20), "2025-08-21")
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(body["start_time"], "2025-08-20 16:00:00");
    assert_eq!(body["end_time"], "2025-08-21 07:03:31");
    assert_eq!(body["start_date"], "2025-08-20");
    assert_eq!(body["end_date"], "2025-08-21");
    assert!(
        body.get("db_ids").is_none(),
        "unset optional fields are omitted"
    );
}

#[tokio::test]
async fn every_validation_rule_refuses_before_sending() {
    let server = ScriptServer::start(vec![]).await;
    let c = client(&server.url);
    type Case<'a> = (
        dbss_client::CreateReport<'a>,
        &'static str,
        fn(&Rule) -> bool,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            c.create_report("short")
                .template(TEMPLATE)
                .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31"),
            "instance_id",
            |r| matches!(r, Rule::Length { .. }),
        ),
        (
            c.create_report(format!("{}/x", &INSTANCE[..30]))
                .template(TEMPLATE)
                .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31"),
            "instance_id",
            |r| matches!(r, Rule::Charset { .. }),
        ),
        (
            c.create_report(INSTANCE)
                .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31"),
            "template_id",
            |r| *r == Rule::Required,
        ),
        (
            c.create_report(INSTANCE)
                .template("")
                .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31"),
            "template_id",
            |r| *r == Rule::Required,
        ),
        (
            c.create_report(INSTANCE).template(TEMPLATE),
            "start_time",
            |r| *r == Rule::Required,
        ),
        (
            good(&c).time_range("2025-08-21 16:00:00", "2025-08-20 07:03:31"),
            "end_time",
            |r| *r == Rule::StartNotBeforeEnd,
        ),
        (
            good(&c).time_range("2025-08-20 16:00:00", "2025-08-20 16:00:00"),
            "end_time",
            |r| *r == Rule::StartNotBeforeEnd,
        ),
        (
            good(&c).time_range("2025-02-30 16:00:00", "2025-08-20 16:00:00"),
            "start_time",
            |r| matches!(r, Rule::Format { .. }),
        ),
        (
            good(&c).time_range("2025-08-20T16:00:00", "2025-08-21 16:00:00"),
            "start_time",
            |r| matches!(r, Rule::Format { .. }),
        ),
        (
            good(&c).time_range("2025-08-20 16:00:00", "tomorrow"),
            "end_time",
            |r| matches!(r, Rule::Format { .. }),
        ),
        (
            good(&c).dates("2025-08-22", "2025-08-21"),
            "end_date",
            |r| *r == Rule::StartNotBeforeEnd,
        ),
        (
            good(&c).dates("2025-13-01", "2025-08-21"),
            "start_date",
            |r| matches!(r, Rule::Format { .. }),
        ),
        (good(&c).databases(["a,b"]), "db_ids", |r| {
            *r == Rule::ContainsComma
        }),
        (good(&c).databases([""]), "db_ids", |r| {
            *r == Rule::EmptyElement
        }),
    ];
    for (i, (request, field, rule)) in cases.into_iter().enumerate() {
        match request.send().await {
            Err(Error::Validation(e)) => {
                assert_eq!(e.field, field, "case {i}: {e}");
                assert!(rule(&e.rule), "case {i}: unexpected rule {e}");
                assert!(
                    e.to_string().contains(field),
                    "case {i}: message names the field: {e}"
                );
            }
            other => panic!("case {i}: expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(server.count(), 0, "nothing may be sent for invalid input");
}

#[tokio::test]
async fn service_errors_carry_code_message_details_and_request_id() {
    let server = ScriptServer::start(vec![
        Step::json(400, ERROR_400).with_header("X-Request-Id", "req-400"),
    ])
    .await;
    let c = client(&server.url);
    let err = good(&c).send().await.unwrap_err();
    let e = err.service_error().expect("a service error");
    assert_eq!(e.status, 400);
    assert_eq!(e.error_code.as_deref(), Some("DBSS.10001"));
    assert_eq!(e.error_msg.as_deref(), Some("Invalid template"));
    assert_eq!(e.details.len(), 1);
    assert_eq!(e.details[0].error_code.as_deref(), Some("PDP5.01"));
    assert_eq!(e.encoded_authorization_message.as_deref(), Some("enc-msg"));
    assert_eq!(err.request_id(), Some("req-400"));
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(!text.contains('\n'), "one line: {text}");
    for part in ["DBSS.10001", "Invalid template", "req-400", "400"] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn each_documented_error_status_is_a_service_error() {
    for status in [400u16, 401, 403, 500] {
        let server = ScriptServer::start(vec![Step::json(status, ERROR_400)]).await;
        let err = good(&client(&server.url)).send().await.unwrap_err();
        assert_eq!(err.service_error().map(|e| e.status), Some(status));
        assert_eq!(server.count(), 1, "HTTP {status}: create is not repeated");
    }
}

#[tokio::test]
async fn failed_result_is_an_error() {
    let server = ScriptServer::start(vec![
        Step::json(200, r#"{"result":"failed"}"#).with_header("X-Request-Id", "r-f"),
    ])
    .await;
    let err = good(&client(&server.url)).send().await.unwrap_err();
    match &err {
        Error::OperationFailed {
            operation,
            result,
            request_id,
        } => {
            assert_eq!(*operation, "create_report");
            assert_eq!(result.as_deref(), Some("failed"));
            assert_eq!(request_id.as_deref(), Some("r-f"));
        }
        other => panic!("{other:?}"),
    }
    let server = ScriptServer::start(vec![Step::json(200, r#"{"result":"queued"}"#)]).await;
    let err = good(&client(&server.url)).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::OperationFailed { result: Some(r), .. } if r == "queued"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_html_page_from_a_proxy_is_kept_in_a_decode_error() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let server = ScriptServer::start(vec![Step::Respond {
        status: 502,
        headers: vec![
            ("Content-Type".into(), "text/html".into()),
            ("X-Request-Id".into(), "gw-1".into()),
        ],
        body: html.as_bytes().to_vec(),
    }])
    .await;
    let err = good(&client(&server.url)).send().await.unwrap_err();
    match &err {
        Error::Decode {
            status,
            excerpt,
            request_id,
            ..
        } => {
            assert_eq!(*status, Some(502));
            assert!(excerpt.contains("502 Bad Gateway"));
            assert_eq!(request_id.as_deref(), Some("gw-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        server.count(),
        1,
        "a 502 on create-report is not retried by default"
    );
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_status() {
    let server = ScriptServer::start(vec![Step::json(200, r#"{"result":"succ"#)]).await;
    let err = good(&client(&server.url)).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::Decode { status: Some(200), excerpt, .. } if excerpt.contains("succ")),
        "{err:?}"
    );
}

#[tokio::test]
async fn large_error_bodies_are_read_only_up_to_the_cap() {
    let garbage = vec![b'x'; 10 * 1024 * 1024];
    let server = ScriptServer::start(vec![Step::Respond {
        status: 500,
        headers: vec![],
        body: garbage,
    }])
    .await;
    let err = good(&client(&server.url)).send().await.unwrap_err();
    match &err {
        Error::Decode {
            status: Some(500),
            excerpt,
            ..
        } => assert!(excerpt.len() <= dbss_client::EXCERPT_LEN),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn connection_refused_is_retried_and_reported_as_unsent() {
    let url = refused_url().await;
    let err = good(&client(&url)).send().await.unwrap_err();
    match &err {
        Error::Connection { request_sent, .. } => assert!(!request_sent),
        other => panic!("{other:?}"),
    }
    assert!(!err.request_may_have_been_sent());
}

#[tokio::test]
async fn no_duplicate_create_after_a_reset_once_sent() {
    let server = ScriptServer::start(vec![Step::Reset, Step::json(200, OK)]).await;
    let err = good(&client(&server.url)).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connection {
                request_sent: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        server.count(),
        1,
        "create-report must reach the server at most once"
    );
}

#[tokio::test]
async fn opting_in_repeats_a_create_after_a_reset() {
    let server = ScriptServer::start(vec![Step::Reset, Step::json(200, OK)]).await;
    let c = client(&server.url);
    good(&c)
        .retry_policy(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2))
                .with_retry_non_idempotent(true),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn throttling_is_retried_even_for_create() {
    let server = ScriptServer::start(vec![
        Step::json(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
        ),
        Step::json(503, r#"{"error_code":"DBSS.503","error_msg":"busy"}"#),
        Step::json(200, OK),
    ])
    .await;
    good(&client(&server.url)).send().await.unwrap();
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn retries_stop_at_max_attempts() {
    let steps = (0..5)
        .map(|_| Step::json(503, r#"{"error_code":"X","error_msg":"busy"}"#))
        .collect();
    let server = ScriptServer::start(steps).await;
    let policy = RetryPolicy::default()
        .with_max_attempts(3)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(2));
    let err = good(&client_with(&server.url, policy))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.is_retryable());
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = ScriptServer::start(vec![
        Step::json(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
        )
        .with_header("Retry-After", "1"),
        Step::json(200, OK),
    ])
    .await;
    let started = Instant::now();
    good(&client(&server.url)).send().await.unwrap();
    // A lower bound only: the client must not come back before the server allowed it.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_budget_gives_up_at_once() {
    let server = ScriptServer::start(vec![
        Step::json(
            429,
            r#"{"error_code":"APIGW.0308","error_msg":"throttled"}"#,
        )
        .with_header("Retry-After", "3600"),
    ])
    .await;
    let policy = RetryPolicy::default().with_budget(Some(Duration::from_secs(5)));
    let err = good(&client_with(&server.url, policy))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(
        err.service_error().and_then(|e| e.retry_after),
        Some(Duration::from_secs(3600))
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn attempt_timeout_fires_and_create_is_not_repeated() {
    let server = ScriptServer::start(vec![Step::Hang, Step::json(200, OK)]).await;
    let err = good(&client(&server.url)).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Attempt,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("attempt"), "{err}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_stalled_body_times_out() {
    let server = ScriptServer::start(vec![Step::Stall {
        announced: 100,
        partial: b"{\"res".to_vec(),
    }])
    .await;
    let err = good(&client(&server.url)).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Attempt,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn operation_deadline_bounds_all_attempts() {
    let server = ScriptServer::start(vec![Step::Hang, Step::Hang, Step::Hang]).await;
    let c = dbss_client::DbssClient::builder()
        .endpoint(&server.url)
        .project_id(support::PROJECT)
        .credentials(dbss_client::Credentials::ak_sk("AK", "SK"))
        .timeouts(
            dbss_client::Timeouts::default()
                .with_attempt(Duration::from_secs(30))
                .with_operation(Some(Duration::from_millis(300))),
        )
        .build()
        .unwrap();
    let err = c.list_templates(INSTANCE).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Operation,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn reads_are_retried_after_server_errors() {
    let server = ScriptServer::start(vec![
        Step::json(500, r#"{"error_code":"DBSS.500","error_msg":"oops"}"#),
        Step::Reset,
        Step::json(
            200,
            r#"{"os_type":"linux","templates":[{"template":{"id":"t1","name":"n"}}]}"#,
        ),
    ])
    .await;
    let templates = client(&server.url)
        .list_templates(INSTANCE)
        .send()
        .await
        .unwrap();
    assert_eq!(templates.len(), 1);
    assert_eq!(server.count(), 3);
}
