//! Validation against the OpenAPI document: every violation is a 400 with the DBSS error body,
//! naming the field and the rule.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use dbss_mock::{MockServer, Operation, codes};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(mock: &MockServer, method: Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = with_token(&client(), mock, method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn body_violations_name_the_field() {
    let mock = MockServer::start().await.unwrap();
    let create = v1(&mock, "/reports/create");
    let mut body = create_body(&mock);
    body.as_object_mut().unwrap().remove("template_id");
    assert_invalid(
        send(&mock, Method::POST, &create, Some(body)).await,
        "template_id is required",
    );
    let mut body = create_body(&mock);
    body["start_time"] = json!(20250820);
    assert_invalid(
        send(&mock, Method::POST, &create, Some(body)).await,
        "start_time must be of type string",
    );
    let mut body = create_body(&mock);
    body["start_time"] = json!("2025-02-30 16:00:00");
    assert_invalid(
        send(&mock, Method::POST, &create, Some(body)).await,
        "start_time must be a date-time formatted as yyyy-MM-dd HH:mm:ss, e.g. 2025-08-20 16:00:00",
    );
    let mut body = create_body(&mock);
    body["end_time"] = json!("2025-08-20 15:00:00");
    assert_invalid(
        send(&mock, Method::POST, &create, Some(body)).await,
        "end_time must be later than start_time",
    );
    let mut body = create_body(&mock);
    body["db_ids"] = json!("db1,,db2");
    assert_invalid(
        send(&mock, Method::POST, &create, Some(body)).await,
        "db_ids must be database ids separated by commas, without empty entries",
    );
    assert_invalid(
        send(&mock, Method::POST, &create, None).await,
        "request body is required",
    );

    // Several violations: the first in error_msg, each in details.
    let (status, body) = send(&mock, Method::POST, &create, Some(json!({}))).await;
    assert_eq!(status, 400);
    let details: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["error_msg"].as_str().unwrap())
        .collect();
    assert_eq!(details.len(), 3, "{body}");
    for field in ["template_id", "start_time", "end_time"] {
        assert!(
            details.contains(&format!("{field} is required").as_str()),
            "{body}"
        );
    }

    let list = v1(&mock, "/reports/list");
    for (body, message) in [
        (json!({"page": 0, "size": 10}), "page must be >= 1"),
        (json!({"page": 1, "size": 0}), "size must be >= 1"),
        (json!({"page": 1, "size": 101}), "size must be <= 100"),
        (json!({"page": -1, "size": 10}), "page must be >= 1"),
        (
            json!({"page": "1", "size": 10}),
            "page must be of type integer",
        ),
        (json!({"size": 10}), "page is required"),
    ] {
        assert_invalid(send(&mock, Method::POST, &list, Some(body)).await, message);
    }
    // Nothing was created, and every rejected request was counted.
    assert_eq!(mock.reports().len(), 2);
    assert_eq!(mock.requests(Operation::CreateReport), 7);
    assert_eq!(mock.requests(Operation::ListAuditReports), 6);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_400() {
    let mock = MockServer::start().await.unwrap();
    let response = with_token(
        &client(),
        &mock,
        Method::POST,
        &v1(&mock, "/reports/create"),
    )
    .header("Content-Type", "application/json")
    .body("{\"template_id\": ")
    .send()
    .await
    .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 400);
    assert!(
        error_of(&body)
            .1
            .starts_with("request body is not valid JSON"),
        "{body}"
    );
}

#[tokio::test]
async fn path_and_query_violations_name_the_parameter() {
    let mock = MockServer::start().await.unwrap();
    let base = mock.base_url();
    let project = mock.project_id();
    let instance = mock.instance_id();
    let long = "x".repeat(65);
    let cases = [
        (
            format!("{base}/v2/short/audit/instances"),
            "project_id must be at least 32 characters long",
        ),
        (
            format!("{base}/v2/{long}/audit/instances"),
            "project_id must be at most 64 characters long",
        ),
        (
            format!("{base}/v2/{project}/audit/tooshort/reports/templates"),
            "instance_id must be at least 32 characters long",
        ),
        (
            format!("{base}/v2/{project}/audit/{instance}%2F{long}/reports/templates"),
            "instance_id must be at most 64 characters long",
        ),
        (
            format!("{base}/v1/{project}/audit/{instance}/reports/short/download"),
            "id must be at least 16 characters long",
        ),
        (
            format!(
                "{base}/v1/{project}/audit/{instance}/reports/Hx9QLJgBTpKZyZbbhTgS/download?local=fr-fr"
            ),
            r#"local must be one of ["en-us","zh-cn"]"#,
        ),
        (
            format!("{base}/v2/{project}/audit/instances?limit=0"),
            "limit must match the pattern ^([1-9][0-9]{0,2}|1000)$",
        ),
        (
            format!("{base}/v2/{project}/audit/instances?limit=1001"),
            "limit must match the pattern ^([1-9][0-9]{0,2}|1000)$",
        ),
        (
            format!("{base}/v2/{project}/audit/instances?offset=-1"),
            "offset must match the pattern ^[0-9]{1,9}$",
        ),
    ];
    for (url, message) in cases {
        assert_invalid(send(&mock, Method::GET, &url, None).await, message);
    }
    // An encoded slash stays inside the parameter: `a%2F..%2Fb` is an (unknown) instance id,
    // never a path traversal.
    let url = format!("{base}/v2/{project}/audit/{instance}%2F..%2F..%2Fx/reports/templates");
    let (status, body) = send(&mock, Method::GET, &url, None).await;
    assert_eq!(
        (status, error_of(&body).0),
        (400, codes::INSTANCE_NOT_FOUND),
        "{body}"
    );
    // limit=1000 is the upper bound, inclusive.
    let (status, _) = send(
        &mock,
        Method::GET,
        &format!("{base}/v2/{project}/audit/instances?limit=1000"),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn another_project_is_403() {
    let mock = MockServer::start().await.unwrap();
    let other = "f".repeat(32);
    let url = format!("{}/v2/{other}/audit/instances", mock.base_url());
    let (status, body) = send(&mock, Method::GET, &url, None).await;
    assert_eq!(status, 403);
    assert_eq!(error_of(&body).0, codes::PROJECT_MISMATCH);
}

#[tokio::test]
async fn authentication_comes_before_validation() {
    let mock = MockServer::start().await.unwrap();
    let url = format!("{}/v2/short/audit/instances", mock.base_url());
    let (status, body) = json(client().get(&url).send().await.unwrap()).await;
    assert_eq!((status, error_of(&body).0), (401, codes::AUTH_FAILED));
}
