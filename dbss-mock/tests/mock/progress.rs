//! Report progress from 0 to 100, driven by an injected clock (no sleeping).

#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use common::*;
use dbss_mock::{ManualClock, MockServer, codes};
use dbss_types::{ListAuditReportsResponse, ReportBean};
use reqwest::Method;
use serde_json::json;

async fn newest(mock: &MockServer) -> ReportBean {
    let response = with_token(&client(), mock, Method::POST, &v1(mock, "/reports/list"))
        .json(&json!({"page": 1, "size": 1}))
        .send()
        .await
        .unwrap();
    let list: ListAuditReportsResponse = response.json().await.unwrap();
    list.reports[0].report.clone().unwrap()
}

#[tokio::test]
async fn percentum_goes_from_0_to_100_as_the_clock_moves() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .report_duration(Duration::from_secs(40))
        .start()
        .await
        .unwrap();
    let client = client();
    let response = with_token(&client, &mock, Method::POST, &v1(&mock, "/reports/create"))
        .json(&create_body(&mock))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let report = newest(&mock).await;
    assert_eq!(report.percentum, Some(0));
    assert_eq!(report.finish_time, None);
    let id = report.id.unwrap();
    let download = v1(&mock, &format!("/reports/{id}/download"));

    // Not downloadable before it is finished.
    let (status, body) = json(
        with_token(&client, &mock, Method::GET, &download)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, error_of(&body).0), (400, codes::REPORT_NOT_READY));

    let mut last = 0;
    for (advance, expected) in [(10, 25), (10, 50), (19, 97), (1, 100), (100, 100)] {
        clock.advance(Duration::from_secs(advance));
        let report = newest(&mock).await;
        let percentum = report.percentum.unwrap();
        assert_eq!(percentum, expected);
        assert!(percentum >= last, "progress never goes back");
        last = percentum;
        assert_eq!(report.finish_time.is_some(), percentum == 100);
    }
    let response = with_token(&client, &mock, Method::GET, &download)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
}

#[tokio::test]
async fn the_duration_can_change_while_running() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .report_duration(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    mock.set_report_duration(Duration::ZERO);
    let response = with_token(
        &client(),
        &mock,
        Method::POST,
        &v1(&mock, "/reports/create"),
    )
    .json(&create_body(&mock))
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(newest(&mock).await.percentum, Some(100));
    assert_eq!(mock.reports()[0].percentum, Some(100));
}
