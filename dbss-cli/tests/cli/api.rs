//! `dbss api`: every operation of the document from the shell, against an in-process mock.

#![allow(clippy::unwrap_used)]

use crate::support;

use dbss_mock::Operation;
use support::{Auth, dbss, mock};

#[tokio::test]
async fn list_shows_every_operation_with_its_summary() {
    let mock = mock().await;
    let out = dbss(&mock, Auth::None, &["api", "--list"]).await;
    out.ok();
    let lines: Vec<&str> = out.stdout.lines().skip(1).collect();
    assert_eq!(lines.len(), 173, "{out:#?}");
    for op in Operation::ALL {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(op.operation_id()))
            .unwrap_or_else(|| panic!("{op} not listed"));
        assert!(line.contains(op.info().summary), "{line}");
    }
    let json = dbss(&mock, Auth::None, &["--output", "json", "api", "--list"]).await;
    assert_eq!(json.ok().json().as_array().unwrap().len(), 173);
}

#[tokio::test]
async fn help_of_an_operation_lists_its_parameters_with_their_descriptions() {
    let mock = mock().await;
    let out = dbss(
        &mock,
        Auth::None,
        &["api", "list_audit_alarm_log_new", "--help"],
    )
    .await;
    out.ok();
    let info = Operation::ListAuditAlarmLogNew.info();
    assert!(out.stdout.contains(info.path_template), "{out:#?}");
    for p in info.params.iter().filter(|p| p.name != "project_id") {
        assert!(
            out.stdout.contains(&format!("--{}", p.name)),
            "{}: {out:#?}",
            p.name
        );
    }
    assert!(out.stdout.contains("--body"), "{out:#?}");
}

#[tokio::test]
async fn an_operation_is_called_with_aksk_and_prints_its_json_answer() {
    let mock = mock().await;
    let out = dbss(&mock, Auth::AkSk, &["api", "show_audit_quota_new"]).await;
    out.ok();
    assert!(out.json().is_object(), "{out:#?}");
    assert_eq!(mock.requests(Operation::ShowAuditQuotaNew), 1);

    // --instance (DBSS_INSTANCE_ID here) stands in for --instance_id; the body inline.
    let out = dbss(
        &mock,
        Auth::Token,
        &[
            "api",
            "ListAuditSqlsNew",
            "--body",
            r#"{"time": {"time_range": "HALF_HOUR"}, "page": 1, "size": 10, "time_order": "DESC"}"#,
        ],
    )
    .await;
    out.ok();
    assert_eq!(mock.requests(Operation::ListAuditSqlsNew), 1);
}

#[tokio::test]
async fn bad_input_is_refused_before_sending_with_the_exit_code_of_bad_input() {
    let mock = mock().await;
    // Not one of the enum's values.
    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "api",
            "list_audit_sqls_new",
            "--body",
            r#"{"risk_levels": "SEVERE"}"#,
        ],
    )
    .await;
    out.expect_code(3);
    assert!(out.stderr.contains("risk_levels"), "{out:#?}");
    // An unknown flag and an unknown operation are usage errors.
    dbss(
        &mock,
        Auth::AkSk,
        &["api", "show_audit_quota_new", "--nope", "1"],
    )
    .await
    .expect_code(2);
    dbss(&mock, Auth::AkSk, &["api", "no_such_operation"])
        .await
        .expect_code(2);
    assert_eq!(mock.requests(Operation::ListAuditSqlsNew), 0);
    assert_eq!(mock.requests(Operation::ShowAuditQuotaNew), 0);
}

#[tokio::test]
async fn all_pages_fetches_every_page_of_a_list_with_the_paginator() {
    let mock = dbss_mock::MockServer::builder()
        .instances(250)
        .start()
        .await
        .unwrap();
    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "api",
            "list_audit_instances_last",
            "--limit",
            "100",
            "--all-pages",
        ],
    )
    .await;
    let items = out.ok().json();
    let ids: std::collections::BTreeSet<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 250, "each instance once");
    assert_eq!(items.as_array().unwrap().len(), 250);
    assert_eq!(mock.requests(Operation::ListAuditInstancesLast), 3);

    // A body-paged list: the page moves in the body.
    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "api",
            "list_audit_reports",
            "--body",
            r#"{"page": 1, "size": 1}"#,
            "--all-pages",
        ],
    )
    .await;
    assert!(out.ok().json().is_array());

    // An operation that does not page refuses the flag and sends nothing.
    mock.reset_counters();
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["api", "show_audit_quota_new", "--all-pages"],
    )
    .await;
    assert_ne!(out.code, 0, "{out:#?}");
    assert!(out.stderr.contains("answers no pages"), "{out:#?}");
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn help_says_whether_an_operation_is_retried_and_how_it_pages_and_is_waited_for() {
    let mock = mock().await;
    let out = dbss(
        &mock,
        Auth::None,
        &["api", "list_audit_instances_last", "--help"],
    )
    .await;
    out.ok();
    assert!(out.stdout.contains("retried after a 5xx"), "{out:#?}");
    assert!(out.stdout.contains("--all-pages"), "{out:#?}");
    assert!(
        out.stdout.contains("wait_until_instance_running"),
        "{out:#?}"
    );
    let out = dbss(
        &mock,
        Auth::None,
        &["api", "add_audit_database_new", "--help"],
    )
    .await;
    out.ok();
    assert!(out.stdout.contains("never sent again"), "{out:#?}");
    assert!(!out.stdout.contains("--all-pages"), "{out:#?}");
}
