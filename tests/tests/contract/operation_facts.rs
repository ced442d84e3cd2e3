//! The per-operation facts of the document (`x-dbss-idempotent`, `x-dbss-pagination`), as the
//! table the client, the CLI and the mock read them: every `POST` with its classification,
//! written out here so that a change to the document shows up as a change to this list.
#![allow(clippy::unwrap_used)]

use dbss_client::types::operations::{Operation, PagingKind};
use dbss_contract_tests::document;

/// The `POST`s that only read (lists, counts, statistics): retried like a `GET` after a 5xx, a
/// timeout or a reset. Every other `POST` creates, changes or deletes something.
const READ_ONLY_POSTS: [&str; 23] = [
    "count_db_account_session",
    "count_db_client_session",
    "count_injection_statistics",
    "count_operation_statistics",
    "count_resource_instance_by_tag",
    "count_risk_trend_statistics",
    "count_session_statistics",
    "count_sql_statistics",
    "count_sql_trend_statistics",
    "list_audit_alarm_log",
    "list_audit_alarm_log_new",
    "list_audit_backup_info",
    "list_audit_operate_logs",
    "list_audit_operate_logs_new",
    "list_audit_reports",
    "list_audit_sqls",
    "list_audit_sqls_new",
    "list_db_encrypt_instances",
    "list_instances",
    "list_resource_instance_by_tag",
    "list_sql_injection_rules",
    "list_sql_injection_rules_new",
    "show_instance_monitor_info",
];

#[test]
fn every_post_is_classified_as_the_document_says() {
    let posts: Vec<Operation> = Operation::ALL
        .into_iter()
        .filter(|op| op.method() == "POST")
        .collect();
    assert_eq!(posts.len(), 94);
    let mut wrong = Vec::new();
    for op in posts {
        let read_only = READ_ONLY_POSTS.contains(&op.operation_id());
        if op.is_idempotent() != read_only {
            wrong.push(format!(
                "{op}: table says idempotent = {}, the list says {read_only}",
                op.is_idempotent()
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    for id in READ_ONLY_POSTS {
        assert_eq!(Operation::from_operation_id(id).unwrap().method(), "POST");
    }
}

#[test]
fn every_operation_states_its_idempotency_and_the_table_reads_it() {
    let doc = document::json();
    for op in Operation::ALL {
        let object = doc.pointer(&op.document_pointer()).unwrap();
        let stated = object["x-dbss-idempotent"].as_bool();
        assert_eq!(stated, Some(op.is_idempotent()), "{op}");
        if op.method() != "POST" {
            assert!(op.is_idempotent(), "{op}: a {} is idempotent", op.method());
        }
    }
}

#[test]
fn every_paged_operation_names_fields_its_answer_has() {
    let doc = document::json();
    let mut paged = 0;
    for op in Operation::ALL {
        let object = doc.pointer(&op.document_pointer()).unwrap();
        let Some(paging) = op.info().pagination else {
            let style = object["x-dbss-pagination"]["style"].as_str();
            assert!(matches!(style, None | Some("marker")), "{op}: {style:?}");
            continue;
        };
        paged += 1;
        let answer = object
            .pointer("/responses/200/content/application~1json/schema")
            .and_then(|s| document::deref(doc, s))
            .unwrap();
        let properties = &answer["properties"];
        assert!(
            document::deref(doc, &properties[paging.items]).unwrap()["type"] == "array",
            "{op}: {} is not an array",
            paging.items
        );
        if let Some(total) = paging.total {
            assert!(properties.get(total).is_some(), "{op}: no {total}");
        }
        assert!(paging.max_size > 0, "{op}");
        let names: Vec<&str> = if paging.in_body {
            let body = object
                .pointer("/requestBody/content/application~1json/schema")
                .and_then(|s| document::deref(doc, s))
                .unwrap();
            body["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect()
        } else {
            op.info().params.iter().map(|p| p.name).collect()
        };
        assert!(names.contains(&paging.cursor), "{op}: no {}", paging.cursor);
        assert!(names.contains(&paging.size), "{op}: no {}", paging.size);
        match paging.style {
            PagingKind::Offset => assert_eq!(paging.first, 0, "{op}"),
            PagingKind::Page => assert!(paging.first <= 1, "{op}"),
            _ => unreachable!("{op}: a new paging kind"),
        }
    }
    assert_eq!(paged, 25, "the document pages 25 lists by offset or page");
}

/// The table is in the order of `Operation`'s variants, and every operation's id, name and
/// pointer into the document lead back to it.
#[test]
fn the_table_is_in_variant_order_and_names_round_trip() {
    for (i, op) in Operation::ALL.into_iter().enumerate() {
        assert_eq!(op.info().operation, op);
        assert_eq!(op.index(), i);
        assert_eq!(op.operation_id().parse::<Operation>(), Ok(op));
        assert_eq!(Operation::from_operation_id(op.operation_id()), Some(op));
        assert!(
            op.document_pointer()
                .ends_with(&op.method().to_ascii_lowercase())
        );
        assert_eq!(op.name().parse::<Operation>(), Ok(op));
    }
    assert!("reports".parse::<Operation>().is_err());
}
