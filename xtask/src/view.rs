//! What progenitor is shown of the document: the document itself, except that the schemas the
//! service only ever *answers* with lose the constraints a decoder would enforce.
//!
//! A constraint on a request is the client's to keep (bad input is refused before it is sent);
//! a constraint on an answer is the service's, and the service may widen it at any time (a new
//! status value, a longer name). typify turns `enum`, `minLength`, `maxLength` and `pattern`
//! into types that refuse what they do not know, so one new value would fail a whole call. For
//! the answer-only schemas of the operations beyond the report workflow those keywords are
//! dropped here, in the generated code only: the document, the mock and the contract tests keep
//! them. The report workflow's own answers keep theirs: their string enums are open enums
//! (`codegen.rs`), handwritten to decode unknown values.

use std::collections::BTreeSet;

use serde_json::Value;

/// The operations whose answers keep every constraint (see the module docs).
const STRICT_OPERATIONS: &[&str] = &[
    "create_report",
    "list_audit_report_templates",
    "list_audit_reports",
    "download_audit_report",
    "delete_audit_report",
    "list_audit_instances_last",
];

/// Keywords that make typify generate a type refusing values.
const DECODER_CONSTRAINTS: &[&str] = &["enum", "minLength", "maxLength", "pattern"];

pub fn lenient_answers(mut doc: Value) -> Value {
    let mut requested = BTreeSet::new();
    let mut strict = BTreeSet::new();
    let mut answered = BTreeSet::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values() {
            for op in item.as_object().into_iter().flat_map(|m| m.values()) {
                let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
                if let Some(body) = op.get("requestBody") {
                    references(&doc, body, &mut requested);
                }
                if let Some(responses) = op.get("responses") {
                    if STRICT_OPERATIONS.contains(&id) {
                        references(&doc, responses, &mut strict);
                    } else {
                        references(&doc, responses, &mut answered);
                    }
                }
            }
        }
    }
    let lenient: Vec<String> = answered
        .difference(&requested)
        .filter(|name| !strict.contains(*name))
        .cloned()
        .collect();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for name in lenient {
            if let Some(schema) = schemas.get_mut(&name) {
                drop_constraints(schema);
            }
        }
    }
    doc
}

/// Adds every component schema `value` reaches, directly or through other components.
fn references(doc: &Value, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                && out.insert(name.to_owned())
                && let Some(target) = doc.pointer(&format!("/components/schemas/{name}"))
            {
                references(doc, target, out);
            }
            for child in map.values() {
                references(doc, child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(doc, i, out)),
        _ => {}
    }
}

/// Removes the decoder constraints of a schema and of its inline subschemas (not of the
/// components it references: each is judged on its own).
fn drop_constraints(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    for keyword in DECODER_CONSTRAINTS {
        map.remove(*keyword);
    }
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Value::Object(props) = child {
                    props.values_mut().for_each(drop_constraints);
                }
            }
            "items" | "additionalProperties" => drop_constraints(child),
            "allOf" | "anyOf" | "oneOf" => {
                if let Value::Array(parts) = child {
                    parts.iter_mut().for_each(drop_constraints);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answer_only_schemas_lose_decoder_constraints_and_the_rest_keep_them() {
        let doc = json!({
            "paths": {"/a": {
                "post": {"operationId": "x",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ans"}}}}}},
                "get": {"operationId": "create_report",
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Strict"}}}}}}
            }},
            "components": {"schemas": {
                "Req": {"type": "object", "properties": {"s": {"type": "string", "enum": ["A"]}}},
                "Ans": {"type": "object", "properties": {
                    "s": {"type": "string", "enum": ["A"], "maxLength": 3},
                    "l": {"type": "array", "items": {"type": "string", "pattern": "^a$"}},
                    "r": {"$ref": "#/components/schemas/Req"}}},
                "Strict": {"type": "string", "enum": ["B"]}
            }}
        });
        let view = lenient_answers(doc);
        let schemas = &view["components"]["schemas"];
        assert_eq!(schemas["Ans"]["properties"]["s"], json!({"type": "string"}));
        assert_eq!(
            schemas["Ans"]["properties"]["l"]["items"],
            json!({"type": "string"})
        );
        assert_eq!(schemas["Req"]["properties"]["s"]["enum"], json!(["A"]));
        assert_eq!(schemas["Strict"]["enum"], json!(["B"]));
    }
}
