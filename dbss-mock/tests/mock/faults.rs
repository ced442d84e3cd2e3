//! Each fault kind, observed from the client side, and the request counters.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use common::*;
use dbss_mock::{
    DEFAULT_GARBAGE_LEN, Fault, FaultRule, MockServer, Operation, ResetPoint, Times, codes,
};
use dbss_types::{CreateReportResponse, DeleteAuditReportResponse, DeleteStatus, ReportResult};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;

/// How long a test client waits for something that is never going to come.
const GIVE_UP: Duration = Duration::from_secs(1);

async fn mock() -> MockServer {
    MockServer::builder()
        .report_duration(Duration::ZERO)
        .start()
        .await
        .unwrap()
}

fn list_instances(client: &Client, mock: &MockServer) -> RequestBuilder {
    with_token(client, mock, Method::GET, &instances_url(mock, ""))
}

fn create(client: &Client, mock: &MockServer) -> RequestBuilder {
    with_token(client, mock, Method::POST, &v1(mock, "/reports/create")).json(&create_body(mock))
}

fn download(client: &Client, mock: &MockServer) -> RequestBuilder {
    with_token(
        client,
        mock,
        Method::GET,
        &v1(mock, "/reports/Hx9QLJgBTpKZyZbbhTgS/download"),
    )
}

/// Reads a body chunk by chunk until it ends, fails, or nothing comes for [`GIVE_UP`].
/// Returns what arrived and how the read ended.
async fn read_body(mut response: Response) -> (Vec<u8>, Result<(), String>) {
    let mut received = Vec::new();
    loop {
        match tokio::time::timeout(GIVE_UP, response.chunk()).await {
            Err(_) => return (received, Err("stalled".into())),
            Ok(Err(e)) => return (received, Err(chain(&e))),
            Ok(Ok(None)) => return (received, Ok(())),
            Ok(Ok(Some(chunk))) => received.extend_from_slice(&chunk),
        }
    }
}

#[tokio::test]
async fn status_faults_carry_the_dbss_error_body_and_retry_after() {
    let mock = mock().await;
    mock.inject(Fault::throttled(Some(2)));
    mock.inject(Fault::throttled(None));
    for status in [500, 502, 503, 504] {
        mock.inject(Fault::status(status));
    }
    mock.inject(Fault::Status {
        status: 503,
        retry_after: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
        error_code: Some("DBSS.99999".into()),
        error_msg: Some("custom".into()),
    });
    let client = client();
    let expected = [
        (429, codes::THROTTLED, Some("2")),
        (429, codes::THROTTLED, None),
        (500, codes::INTERNAL_ERROR, None),
        (502, codes::BACKEND_UNAVAILABLE, None),
        (503, codes::BACKEND_UNAVAILABLE, None),
        (504, codes::BACKEND_TIMEOUT, None),
        (503, "DBSS.99999", Some("Wed, 21 Oct 2015 07:28:00 GMT")),
    ];
    for (status, code, retry_after) in expected {
        let response = list_instances(&client, &mock).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(
            response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap()),
            retry_after
        );
        assert!(response.headers().contains_key("x-request-id"));
        let body: dbss_types::DbssError = response.json().await.unwrap();
        assert_eq!(body.error_code.as_deref(), Some(code));
        assert!(body.error_msg.is_some());
    }
    assert_eq!(
        list_instances(&client, &mock)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 8);
    assert!(mock.pending_faults().is_empty());
}

#[tokio::test]
async fn faults_can_target_one_operation_and_come_before_auth() {
    let mock = mock().await;
    mock.inject(Fault::status(503).times(2).only(Operation::CreateReport));
    let client = client();
    // Other operations pass untouched and do not use up the count.
    assert_eq!(
        list_instances(&client, &mock)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Faults model the network and gateway: even a request without credentials gets them.
    let no_auth = client
        .post(v1(&mock, "/reports/create"))
        .json(&create_body(&mock))
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status(), 503);
    assert_eq!(create(&client, &mock).send().await.unwrap().status(), 503);
    assert_eq!(create(&client, &mock).send().await.unwrap().status(), 200);
    assert_eq!(mock.requests(Operation::CreateReport), 3);
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 1);
    assert_eq!(mock.reports().len(), 3, "exactly one report was created");
}

#[tokio::test]
async fn delay_comes_before_the_headers() {
    let mock = mock().await;
    mock.inject(Fault::Delay(Duration::from_millis(300)));
    let started = Instant::now();
    let response = list_instances(&client(), &mock).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn hang_never_sends_headers() {
    let mock = mock().await;
    mock.inject(Fault::Hang.only(Operation::ListAuditInstancesLast));
    let impatient = client_with_timeout(GIVE_UP);
    let error = expect_transport_error(list_instances(&impatient, &mock)).await;
    assert!(error.is_timeout(), "{}", chain(&error));
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 1);
    // The server is still fine.
    assert_eq!(
        list_instances(&impatient, &mock)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn stall_body_sends_half_then_nothing() {
    let mock = MockServer::builder()
        .report_size(1 << 20)
        .start()
        .await
        .unwrap();
    mock.inject(Fault::StallBody.times(2));
    let client = client();
    for request in [list_instances(&client, &mock), download(&client, &mock)] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let promised = response.content_length().unwrap();
        let (received, outcome) = read_body(response).await;
        assert_eq!(outcome, Err("stalled".into()));
        assert_eq!(received.len() as u64, promised / 2);
    }
}

#[tokio::test]
async fn close_mid_body_ends_the_body_early() {
    let mock = MockServer::builder()
        .report_size(1 << 20)
        .start()
        .await
        .unwrap();
    mock.inject(Fault::CloseMidBody);
    let response = download(&client(), &mock).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(1 << 20));
    let (received, outcome) = read_body(response).await;
    let error = outcome.unwrap_err();
    assert_ne!(error, "stalled");
    assert!(received.len() < 1 << 20, "{} bytes arrived", received.len());
}

/// Injects `fault` (a reset), sends one create-report and checks that it failed on a connection
/// reset after the mock counted the request; returns the mock for what each point leaves.
async fn create_reset_by(fault: impl Into<FaultRule>) -> MockServer {
    let mock = mock().await;
    mock.inject(fault);
    let error = expect_transport_error(create(&client(), &mock)).await;
    assert!(
        has_io_kind(&error, ErrorKind::ConnectionReset),
        "{}",
        chain(&error)
    );
    assert_eq!(mock.requests(Operation::CreateReport), 1);
    mock
}

#[tokio::test]
async fn reset_after_headers_is_a_connection_reset_and_processes_nothing() {
    let mock =
        create_reset_by(Fault::Reset(ResetPoint::HeadersRead).only(Operation::CreateReport)).await;
    assert_eq!(mock.reports().len(), 2, "nothing was created");
    assert_eq!(create(&client(), &mock).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn reset_after_the_request_was_read_processes_nothing() {
    let mock = create_reset_by(Fault::Reset(ResetPoint::RequestRead)).await;
    assert_eq!(mock.reports().len(), 2);
}

#[tokio::test]
async fn reset_after_processing_loses_the_answer_but_not_the_report() {
    let mock = create_reset_by(Fault::Reset(ResetPoint::AfterProcessing)).await;
    assert_eq!(
        mock.reports().len(),
        3,
        "the report exists although the client saw no answer"
    );
}

#[tokio::test]
async fn truncated_json_is_a_complete_response_with_half_a_body() {
    let mock = mock().await;
    mock.inject(Fault::TruncatedJson);
    let response = create(&client(), &mock).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let promised = response.content_length();
    let body = response.bytes().await.unwrap();
    assert_eq!(promised, Some(body.len() as u64));
    assert_eq!(&body[..], br#"{"result":"#);
    assert!(serde_json::from_slice::<Value>(&body).is_err());
    assert_eq!(mock.reports().len(), 3, "the create took effect");
}

#[tokio::test]
async fn garbage_is_ten_mebibytes_streamed() {
    let mock = mock().await;
    mock.inject(Fault::garbage(502));
    let mut response = list_instances(&client(), &mock).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.content_length(), Some(DEFAULT_GARBAGE_LEN));
    let first = response.chunk().await.unwrap().unwrap();
    assert!(serde_json::from_slice::<Value>(&first).is_err());
    assert!(std::str::from_utf8(&first).is_err());
    let mut total = first.len() as u64;
    while let Some(chunk) = response.chunk().await.unwrap() {
        total += chunk.len() as u64;
    }
    assert_eq!(total, DEFAULT_GARBAGE_LEN);
}

#[tokio::test]
async fn html_error_page_like_a_proxy() {
    let mock = mock().await;
    mock.inject(Fault::Html { status: 502 });
    let response = list_instances(&client(), &mock).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["content-type"], "text/html");
    let page = response.text().await.unwrap();
    assert!(page.starts_with("<html>"));
    assert!(page.contains("502 Bad Gateway"));
}

#[tokio::test]
async fn empty_200() {
    let mock = mock().await;
    mock.inject(Fault::EmptyOk);
    let response = create(&client(), &mock).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_length(), Some(0));
    assert!(response.bytes().await.unwrap().is_empty());
    assert_eq!(mock.reports().len(), 2, "nothing was created");
}

#[tokio::test]
async fn unknown_result_values_decode_as_unknown() {
    let mock = mock().await;
    mock.inject(Fault::UnknownResult.times(2));
    let client = client();
    let created: CreateReportResponse = create(&client, &mock)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created.result, Some(ReportResult::Unknown("queued".into())));
    let deleted: DeleteAuditReportResponse = with_token(
        &client,
        &mock,
        Method::DELETE,
        &v1(&mock, "/reports/Hx9QLJgBTpKZyZbbhTgS"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(deleted.status, Some(DeleteStatus::Unknown("QUEUED".into())));
    assert_eq!(mock.reports().len(), 2, "nothing was created or deleted");
}

#[tokio::test]
async fn rules_are_managed_and_counted() {
    let mock = MockServer::builder()
        .report_duration(Duration::ZERO)
        .fault(Fault::status(500).only(Operation::ListAuditInstancesLast))
        .start()
        .await
        .unwrap();
    mock.inject(
        FaultRule::new(Fault::EmptyOk)
            .always()
            .only(Operation::ListAuditReports),
    );
    mock.inject("status=418,times=3".parse::<FaultRule>().unwrap());
    let pending = mock.pending_faults();
    assert_eq!(pending.len(), 3);
    assert_eq!(pending[1].remaining(), Times::Always);
    assert_eq!(pending[2].remaining(), Times::Count(3));

    let client = client();
    // The builder's rule is first in line for its operation.
    assert_eq!(
        list_instances(&client, &mock)
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    assert_eq!(
        list_instances(&client, &mock)
            .send()
            .await
            .unwrap()
            .status(),
        418
    );
    assert_eq!(mock.pending_faults()[1].remaining(), Times::Count(2));
    mock.clear_faults();
    assert_eq!(
        list_instances(&client, &mock)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 3);
    assert_eq!(mock.total_requests(), 3);
    mock.reset_counters();
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 0);
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn counters_prove_create_reached_the_server_at_most_once() {
    // The scenario the fault matrix checks for a client: the first CreateReport is processed
    // but its answer is lost. A client that retries blindly makes a second report; the counter
    // and the state both show it.
    let mock = mock().await;
    mock.inject(Fault::Reset(ResetPoint::AfterProcessing).only(Operation::CreateReport));
    let client = client();
    assert!(create(&client, &mock).send().await.is_err());
    assert_eq!(mock.requests(Operation::CreateReport), 1);
    // A blind retry:
    assert_eq!(create(&client, &mock).send().await.unwrap().status(), 200);
    assert_eq!(mock.requests(Operation::CreateReport), 2);
    assert_eq!(
        mock.reports().len(),
        4,
        "two new reports: the duplicate a retry makes"
    );
}

/// The throttle lets N requests a second through and refuses the rest with 429 `APIGW.0308`
/// before authentication (an unauthenticated request is refused by the throttle too), counting
/// both. Windows are whole seconds from the start, so a run that spans k windows passes at
/// most 3k.
#[tokio::test]
async fn throttle_refuses_requests_beyond_the_limit_in_each_second() {
    let mock = MockServer::builder().throttle(3).start().await.unwrap();
    assert_eq!(mock.throttle(), Some(3));
    let client = client();
    let started = Instant::now();
    let mut passed = 0u64;
    let mut refused = 0u64;
    for _ in 0..12 {
        let (status, body) = json(list_instances(&client, &mock).send().await.unwrap()).await;
        match status {
            200 => passed += 1,
            429 => {
                assert_eq!(error_of(&body).0, codes::THROTTLED, "{body}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let windows = started.elapsed().as_secs() + 1;
    assert!(
        (3..=3 * windows).contains(&passed),
        "{passed} in {windows} window(s)"
    );
    assert_eq!(passed + refused, 12);
    assert_eq!(mock.throttled_requests(), refused);
    assert_eq!(
        mock.requests(Operation::ListAuditInstancesLast),
        12,
        "refused ones count too"
    );

    // Refused before authentication: a request without credentials in a full window is 429.
    mock.set_throttle(Some(0));
    let (status, _) = json(client.get(instances_url(&mock, "")).send().await.unwrap()).await;
    assert_eq!(status, 429);

    // Off again: everything passes, and reset_counters clears the refusals.
    mock.set_throttle(None);
    mock.reset_counters();
    for _ in 0..10 {
        assert_eq!(
            list_instances(&client, &mock)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    assert_eq!(mock.throttled_requests(), 0);
}
