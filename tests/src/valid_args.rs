//! Valid arguments for any operation, made from the document's schemas: what the table-driven
//! tests (by name and typed) send to the mock.

use dbss_client::types::operations::{Operation, ParamLocation};
use dbss_mock::MockServer;
use serde_json::{Map, Value, json};

use crate::document;

/// The seeded report of the mock's first instance.
pub const REPORT: &str = "Hx9QLJgBTpKZyZbbhTgS";

/// The first alarm of every instance of the mock's audit data.
pub const ALARM: &str = "alarm-0000000000";

/// The first audited SQL statement of every instance of the mock's audit data.
pub const SQL: &str = "sql-000000000000";

/// The operation's object in the document.
pub fn operation_json(op: Operation) -> &'static Value {
    document::json()
        .pointer(&op.document_pointer())
        .unwrap_or(&Value::Null)
}

/// The schema of a parameter of `op` (`null` when it has none).
pub fn param_schema(op: Operation, name: &str) -> Value {
    let doc = document::json();
    operation_json(op)["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| document::deref(doc, p))
        .find(|p| p["name"] == name)
        .map(|p| p["schema"].clone())
        .unwrap_or(Value::Null)
}

/// The body schema of `op`, resolved.
pub fn body_schema(op: Operation) -> Option<&'static Value> {
    let doc = document::json();
    let schema = operation_json(op).pointer("/requestBody/content/application~1json/schema")?;
    document::deref(doc, schema)
}

/// Valid arguments for `op`: every required parameter and a full body, made from the schemas;
/// the report workflow's operations get the mock's real ids, and the stateful ones the ids and
/// values of what exists on the mock ([`MockServer::valid_values`]). A `body` member holds the body.
///
/// # Panics
/// When a schema of the document gives no value (the document is then what is wrong).
pub fn valid_args(op: Operation, mock: &MockServer) -> Map<String, Value> {
    let doc = document::json();
    let mut args = Map::new();
    let mut existing = mock.valid_values(op);
    for p in op.info().params {
        if p.location == ParamLocation::Header || p.name == "project_id" {
            continue;
        }
        let value = match p.name {
            name if existing.contains_key(name) => existing.remove(name).unwrap_or_default(),
            "instance_id" => json!(mock.instance_id()),
            "id" if op.path_template().contains("/reports/") => json!(REPORT),
            // The first alarm and statement of the mock's generated audit data.
            "id" if op.path_template().contains("/alarm-log/") => json!(ALARM),
            "id" if op.path_template().contains("/sqls/") => json!(SQL),
            _ if !p.required => continue,
            _ => dbss_mock::synth::value_of(doc, &param_schema(op, p.name), 0)
                .unwrap_or_else(|e| panic!("{op}: no value for {}: {e}", p.name)),
        };
        args.insert(p.name.to_owned(), value);
    }
    if op == Operation::CreateReport {
        args.insert(
            "body".into(),
            json!({"template_id": dbss_mock::DOC_TEMPLATE_ID,
                   "start_time": "2025-08-20 16:00:00", "end_time": "2025-08-21 07:03:31"}),
        );
    } else if let Some(schema) = body_schema(op) {
        let mut body = dbss_mock::synth::value_of(doc, schema, 0)
            .unwrap_or_else(|e| panic!("{op}: no body: {e}"));
        // Paged by strings the schema does not constrain: the mock reads them as numbers.
        if matches!(
            op,
            Operation::ListAuditOperateLogs | Operation::ListAuditOperateLogsNew
        ) {
            body["page"] = json!("1");
            body["size"] = json!("10");
        }
        if op == Operation::BatchSetAuditAlarmLogStatus {
            body["ids"] = json!([ALARM]);
        }
        // What the mock's state needs (ids that exist, values its answers can show), at
        // their dotted paths in the body.
        for (path, value) in existing {
            let mut at = &mut body;
            for key in path.split('.') {
                at = &mut at[key];
            }
            *at = value;
        }
        args.insert("body".into(), body);
    }
    args
}

/// A valid value of the component schema `name`, made from the document, as its type `T`.
///
/// # Panics
/// When the schema gives no value or the value is not a `T`.
pub fn value_of<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
    let value = dbss_mock::synth::value_of(document::json(), &schema, 0)
        .unwrap_or_else(|e| panic!("no value for {name}: {e}"));
    serde_json::from_value(value).unwrap_or_else(|e| panic!("{name}: {e}"))
}
