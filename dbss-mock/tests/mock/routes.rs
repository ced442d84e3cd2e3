//! Each route's happy path, over plain HTTP with token authentication.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use dbss_mock::{MockServer, Operation, codes};
use dbss_types::{
    CreateReportResponse, DeleteAuditReportResponse, ListAuditInstancesLastResponse,
    ListAuditReportTemplatesResponse, ListAuditReportsResponse, ReportLocale, ReportResult,
    ReportType,
};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

async fn mock() -> MockServer {
    MockServer::builder()
        .report_duration(Duration::ZERO)
        .seed(1)
        .start()
        .await
        .unwrap()
}

async fn list(mock: &MockServer, page: u32, size: u32) -> ListAuditReportsResponse {
    let response = with_token(&client(), mock, Method::POST, &v1(mock, "/reports/list"))
        .json(&json!({"page": page, "size": size}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn list_instances_pages_with_offset_and_limit() {
    let mock = MockServer::builder().instances(5).start().await.unwrap();
    let client = client();
    let response = with_token(&client, &mock, Method::GET, &instances_url(&mock, ""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let all: ListAuditInstancesLastResponse = response.json().await.unwrap();
    assert_eq!(all.total, Some(5));
    assert_eq!(all.instances.len(), 5);
    assert_eq!(all.instances[0].id.as_deref(), Some(mock.instance_id()));
    assert!(
        all.instances
            .iter()
            .all(|i| i.id.as_ref().unwrap().len() == 32)
    );

    let page: ListAuditInstancesLastResponse = with_token(
        &client,
        &mock,
        Method::GET,
        &instances_url(&mock, "?offset=3&limit=1"),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(page.total, Some(5));
    assert_eq!(page.instances.len(), 1);
    assert_eq!(page.instances[0].id, all.instances[3].id);
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 2);
}

#[tokio::test]
async fn list_templates_includes_the_reference_template() {
    let mock = mock().await;
    let response = with_token(
        &client(),
        &mock,
        Method::GET,
        &v2(&mock, "/reports/templates"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let templates: ListAuditReportTemplatesResponse = response.json().await.unwrap();
    assert_eq!(templates.os_type.as_deref(), Some("linux"));
    assert!(templates.templates.len() >= 3);
    assert!(
        templates
            .templates
            .iter()
            .any(|t| t.template.as_ref().unwrap().id.as_deref() == Some("t8g7LJgBTpKZyZbbeTgS"))
    );
}

#[tokio::test]
async fn create_adds_a_real_time_report_without_returning_its_id() {
    let mock = mock().await;
    let before = list(&mock, 1, 100).await;
    assert_eq!(before.total, Some(2), "two seeded reports");

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
    let text = response.text().await.unwrap();
    assert_eq!(text, r#"{"result":"success"}"#);
    let parsed: CreateReportResponse = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed.result, Some(ReportResult::Success));

    let after = list(&mock, 1, 100).await;
    assert_eq!(after.total, Some(3));
    let newest = after.reports[0].report.clone().unwrap();
    let id = newest.id.clone().unwrap();
    assert_eq!(id.len(), 20);
    assert!(
        before
            .reports
            .iter()
            .all(|r| r.report.as_ref().unwrap().id.as_deref() != Some(id.as_str()))
    );
    assert_eq!(newest.type_, Some(ReportType::AuditReportRealTime));
    assert_eq!(newest.start_time.as_deref(), Some("2025-08-20 16:00:00"));
    assert_eq!(newest.end_time.as_deref(), Some("2025-08-21 07:03:31"));
    assert_eq!(newest.percentum, Some(100), "report duration is zero");
    assert!(newest.finish_time.is_some());
    assert_eq!(newest.format.as_ref().map(|f| f.as_str()), Some("pdf"));
    assert_eq!(mock.requests(Operation::CreateReport), 1);
}

#[tokio::test]
async fn list_reports_pages_from_one() {
    let mock = mock().await;
    let client = client();
    for _ in 0..3 {
        let response = with_token(&client, &mock, Method::POST, &v1(&mock, "/reports/create"))
            .json(&create_body(&mock))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let response = list(&mock, page, 2).await;
        assert_eq!(response.total, Some(5));
        seen.extend(
            response
                .reports
                .into_iter()
                .map(|r| r.report.unwrap().id.unwrap()),
        );
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        5,
        "pages do not overlap"
    );
    assert!(list(&mock, 4, 2).await.reports.is_empty());

    // name filters.
    let response = with_token(&client, &mock, Method::POST, &v1(&mock, "/reports/list"))
        .json(&json!({"page": 1, "size": 10, "name": "comprehensive"}))
        .send()
        .await
        .unwrap();
    let filtered: ListAuditReportsResponse = response.json().await.unwrap();
    assert_eq!(filtered.total, Some(1));
}

#[tokio::test]
async fn download_streams_the_generated_file() {
    let mock = MockServer::builder()
        .report_size(8 * 1024 * 1024 + 3)
        .start()
        .await
        .unwrap();
    let id = "Hx9QLJgBTpKZyZbbhTgS";
    for (locale, query) in [
        (ReportLocale::EnUs, ""),
        (ReportLocale::ZhCn, "?local=zh-cn"),
    ] {
        let mut response = with_token(
            &client(),
            &mock,
            Method::GET,
            &v1(&mock, &format!("/reports/{id}/download{query}")),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/octet-stream"
        );
        assert_eq!(response.content_length(), Some(8 * 1024 * 1024 + 3));
        let mut hasher = Sha256::new();
        let mut len = 0u64;
        let mut first = None;
        while let Some(chunk) = response.chunk().await.unwrap() {
            first.get_or_insert_with(|| chunk.clone());
            len += chunk.len() as u64;
            hasher.update(&chunk);
        }
        assert_eq!(len, 8 * 1024 * 1024 + 3);
        assert!(first.unwrap().starts_with(b"%PDF-"));

        let mut expected = Sha256::new();
        for chunk in mock.report_content(id, locale).unwrap() {
            expected.update(&chunk);
        }
        assert_eq!(hasher.finalize(), expected.finalize(), "{locale}");
    }
}

#[tokio::test]
async fn delete_removes_a_report_and_unknown_ids_are_400() {
    let mock = mock().await;
    let client = client();
    let url = v1(&mock, "/reports/Wk1aLJgBTpKZyZbbmTgS");
    let response = with_token(&client, &mock, Method::DELETE, &url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let deleted: DeleteAuditReportResponse = response.json().await.unwrap();
    assert_eq!(
        deleted.status.map(|s| s.to_string()).as_deref(),
        Some("SUCCESS")
    );
    assert_eq!(list(&mock, 1, 10).await.total, Some(1));

    let (status, body) = json(
        with_token(&client, &mock, Method::DELETE, &url)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&body).0, codes::REPORT_NOT_FOUND);
    assert!(error_of(&body).1.contains("Wk1aLJgBTpKZyZbbmTgS"));
    assert_eq!(mock.requests(Operation::DeleteAuditReport), 2);
}

#[tokio::test]
async fn unknown_instance_template_and_route() {
    let mock = mock().await;
    let client = client();
    let other_instance = format!(
        "{}/v1/{}/audit/{}/reports/create",
        mock.base_url(),
        mock.project_id(),
        "ffffffffffffffffffffffffffffffff"
    );
    let (status, body) = json(
        with_token(&client, &mock, Method::POST, &other_instance)
            .json(&create_body(&mock))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, error_of(&body).0),
        (400, codes::INSTANCE_NOT_FOUND)
    );

    let mut body = create_body(&mock);
    body["template_id"] = json!("nosuchtemplate");
    let (status, body) = json(
        with_token(&client, &mock, Method::POST, &v1(&mock, "/reports/create"))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, error_of(&body).0),
        (400, codes::TEMPLATE_NOT_FOUND)
    );
    assert!(error_of(&body).1.contains("nosuchtemplate"));
    assert!(mock.reports().len() == 2, "nothing was created");

    for (method, url) in [
        (Method::GET, format!("{}/v1/nothing/here", mock.base_url())),
        (Method::GET, v1(&mock, "/reports/create")),
        (Method::PUT, instances_url(&mock, "")),
    ] {
        let (status, body) = json(
            with_token(&client, &mock, method, &url)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, error_of(&body).0),
            (404, codes::API_NOT_FOUND),
            "{url}"
        );
    }
    assert_eq!(mock.requests(Operation::CreateReport), 2);
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 0);
    assert_eq!(mock.total_requests(), 5);
}

#[tokio::test]
async fn every_response_has_a_unique_request_id() {
    let mock = mock().await;
    let client = client();
    let mut ids = HashSet::new();
    for url in [
        instances_url(&mock, ""),
        instances_url(&mock, "?limit=0"),
        format!("{}/unknown", mock.base_url()),
    ] {
        for _ in 0..3 {
            let response = client.get(&url).send().await.unwrap(); // no credentials: 401 too
            let id = response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned();
            assert_eq!(id.len(), 32);
            assert!(ids.insert(id));
        }
    }
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let mock = mock().await;
    let url = instances_url(&mock, "");
    let client = client();
    assert_eq!(
        with_token(&client, &mock, Method::GET, &url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let token = mock.token().to_owned();
    mock.shutdown().await;
    let error = client
        .get(&url)
        .header("X-Auth-Token", token)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{}", chain(&error));
}
