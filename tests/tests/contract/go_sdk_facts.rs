//! The integer widths and enums the document took from the official Go SDK
//! (`openapi/sdk/go_check.py` keeps them in step), as the generated types carry them.
//!
//! - An enum of a request is closed: a value the document does not list is refused before
//!   anything is sent.
//! - An enum of an answer stays open: a value the document does not list decodes, is kept
//!   verbatim and is written back unchanged (the service may add one at any time).
//! - `format: int32` is `i32`.

use dbss_contract_tests::document;
use dbss_types::{
    AgentSwitchRequest, AlarmLogRequestStatus, ListInstancesResponse, ListWhitelistsResponse,
    ShowAuditTopicReportSchedulerConfigResponse,
};
use serde_json::json;

#[test]
fn request_enums_from_the_go_sdk_are_closed() {
    let doc = document::json();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["AlarmLogRequest"]["properties"]["status"]["enum"],
        json!(["DONE", "UNDO"])
    );
    assert_eq!(
        serde_json::from_value::<AlarmLogRequestStatus>(json!("DONE")).expect("decodes"),
        AlarmLogRequestStatus::Done
    );
    assert!(serde_json::from_value::<AlarmLogRequestStatus>(json!("LATER")).is_err());
    assert!("LATER".parse::<AlarmLogRequestStatus>().is_err());

    // The Go SDK's integer enum 0|1, as minimum and maximum (a listed deviation: typify's
    // integer enums do not compile beside schemars 1), on an i32.
    let status = &schemas["AgentSwitchRequest"]["properties"]["status"];
    assert_eq!(
        (&status["format"], &status["minimum"], &status["maximum"]),
        (&json!("int32"), &json!(0), &json!(1))
    );
    let body = AgentSwitchRequest::builder().agent_id("a").status(1);
    let body = AgentSwitchRequest::try_from(body).expect("builds");
    let status: i32 = body.status;
    assert_eq!(status, 1);
}

/// `format: int32` (the Go SDK's int32, here a count of an answer) is `i32`: the widest value
/// decodes, one more does not.
#[test]
fn int32_from_the_go_sdk_is_i32() {
    let page: ListWhitelistsResponse =
        serde_json::from_value(json!({"total": i32::MAX})).expect("decodes");
    let total: Option<i32> = page.total;
    assert_eq!(total, Some(i32::MAX));
    assert!(
        serde_json::from_value::<ListWhitelistsResponse>(json!({"total": i64::from(i32::MAX) + 1}))
            .is_err()
    );
}

#[test]
fn answer_enums_from_the_go_sdk_stay_open() {
    let doc = document::json();
    let scheduler = &doc["components"]["schemas"]["SchedulerConfigBase"]["properties"];
    assert_eq!(scheduler["format"]["enum"], json!(["PDF", "ZIP"]));
    assert_eq!(scheduler["mode"]["enum"], json!(["ONCE", "CYCLE"]));
    let body = json!({
        "scheduler": {"format": "DOCX", "mode": "HOURLY", "status": "PAUSED", "frequency": "AUDIT_REPORT_QUARTER"},
        "smn_effective": true
    });
    let answer: ShowAuditTopicReportSchedulerConfigResponse =
        serde_json::from_value(body.clone()).expect("an unknown value decodes");
    let scheduler = answer.scheduler.as_ref().expect("scheduler");
    assert_eq!(scheduler.format.as_deref(), Some("DOCX"));
    assert_eq!(scheduler.mode.as_deref(), Some("HOURLY"));
    assert_eq!(serde_json::to_value(&answer).expect("serializes"), body);

    // The Go SDK's third billing mode, which the document does not list (a listed deviation).
    let clusters = json!({"clusters": [{"charge_model": "Test"}]});
    let answer: ListInstancesResponse =
        serde_json::from_value(clusters.clone()).expect("an unknown value decodes");
    assert_eq!(serde_json::to_value(&answer).expect("serializes"), clusters);
}
