//! Query parameters are read as the document types them: a query value arrives as a string, and
//! a parameter whose schema is `integer`, `number` or `boolean` is read from its string form
//! (`"0"` → 0, `"true"` → true) before its schema is checked, as any HTTP server reading a
//! query string does. A value that is not of the type is a 400 naming the parameter and the
//! rule. Requests are signed with AK/SK, as the official SDK sends them.

#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use dbss_mock::{MockServer, Operation};
use reqwest::Method;
use serde_json::Value;

async fn get(mock: &MockServer, url: &str) -> (u16, Value) {
    json(
        signed(&client(), mock, Method::GET, url, None)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn integer_query_parameters_are_read_as_integers() {
    let mock = MockServer::start().await.unwrap();
    // list_whitelists: offset {integer, minimum 0}, limit {integer, 10..=100}.
    for query in [
        "?offset=0&limit=100",
        "?offset=0",
        "?limit=10",
        "?offset=25&limit=50",
        "",
    ] {
        let (status, body) = get(&mock, &v1(&mock, &format!("/whitelists{query}"))).await;
        assert_eq!(status, 200, "{query}: {body}");
    }
    assert_eq!(mock.requests(Operation::ListWhitelists), 5);

    // The schema's rules apply to the number read.
    for (query, message) in [
        ("?offset=abc", "offset must be of type integer"),
        ("?offset=", "offset must be of type integer"),
        ("?offset=1.5", "offset must be of type integer"),
        ("?offset=0x10", "offset must be of type integer"),
        ("?offset=-1", "offset must be >= 0"),
        ("?limit=9", "limit must be >= 10"),
        ("?limit=101", "limit must be <= 100"),
        ("?limit=1e3", "limit must be <= 100"),
        (
            "?offset=0&offset=1",
            "offset must not be given more than once",
        ),
    ] {
        assert_invalid(
            get(&mock, &v1(&mock, &format!("/whitelists{query}"))).await,
            message,
        );
    }
    // A number beyond the format's range (int32, as the official Go SDK declares it; even
    // beyond int64) is still a number, and out of range.
    for offset in ["2147483648", "99999999999999999999"] {
        assert_invalid(
            get(&mock, &v1(&mock, &format!("/whitelists?offset={offset}"))).await,
            "offset must be <= 2147483647",
        );
    }

    // list_ecs_specification_new: image_business_type {integer, 1..=3}.
    let spec = |query: &str| {
        format!(
            "{}/v1/{}/audit/specification{query}",
            mock.base_url(),
            mock.project_id()
        )
    };
    let (status, body) = get(&mock, &spec("?image_business_type=3")).await;
    assert_eq!(status, 200, "{body}");
    assert_invalid(
        get(&mock, &spec("?image_business_type=4")).await,
        "image_business_type must be <= 3",
    );
    assert_invalid(
        get(&mock, &spec("?image_business_type=x86")).await,
        "image_business_type must be of type integer",
    );
}

#[tokio::test]
async fn boolean_query_parameters_are_read_as_booleans() {
    let mock = MockServer::start().await.unwrap();
    // list_audit_rule_risks_new: support_db_classify_rule {boolean}; risk_levels an enum.
    let risks = |query: &str| v1(&mock, &format!("/rule/risk{query}"));
    for query in [
        "?support_db_classify_rule=true",
        "?support_db_classify_rule=false",
        "?support_db_classify_rule=true&risk_levels=HIGH&offset=0&limit=100&name=x",
    ] {
        let (status, body) = get(&mock, &risks(query)).await;
        assert_eq!(status, 200, "{query}: {body}");
    }
    for value in ["yes", "1", "", "TRUE"] {
        assert_invalid(
            get(&mock, &risks(&format!("?support_db_classify_rule={value}"))).await,
            "support_db_classify_rule must be of type boolean",
        );
    }
    // A string parameter is still read as a string: "0" is not refused for being a number.
    assert_invalid(
        get(&mock, &risks("?risk_levels=0")).await,
        r#"risk_levels must be one of ["LOW","MEDIUM","HIGH","NO_RISK"]"#,
    );
}
