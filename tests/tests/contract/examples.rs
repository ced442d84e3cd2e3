//! Every example in the document validates against its schema.
//!
//! Examples are found where OpenAPI 3.0 allows them: `example`/`examples` of media types
//! (request and response bodies) and parameters, and `example` of schema objects (at any depth
//! of a schema). Each is validated with the `jsonschema` crate against the schema it illustrates,
//! converted by `dbss_contract_tests::json_schema` (OpenAPI `nullable` → type arrays, component
//! references resolved through `$defs`).

use dbss_contract_tests::{document, json_schema};
use serde_json::{Value, json};

/// One example: where it is, the OpenAPI schema it illustrates, and its value.
#[derive(Debug)]
struct Example {
    at: String,
    schema: Value,
    value: Value,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `example`s of a schema object and of the schemas inside it.
fn schema_examples(schema: &Value, at: &str, out: &mut Vec<Example>) {
    let Some(object) = schema.as_object() else {
        return;
    };
    if object.contains_key("$ref") {
        return;
    }
    if let Some(value) = object.get("example") {
        out.push(Example {
            at: format!("{at}/example"),
            schema: schema.clone(),
            value: value.clone(),
        });
    }
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            schema_examples(property, &format!("{at}/properties/{}", escape(name)), out);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = object.get(key) {
            schema_examples(child, &format!("{at}/{key}"), out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(alternatives) = object.get(key).and_then(Value::as_array) {
            for (index, child) in alternatives.iter().enumerate() {
                schema_examples(child, &format!("{at}/{key}/{index}"), out);
            }
        }
    }
}

/// Every example of the document.
fn all_examples(doc: &Value) -> Vec<Example> {
    /// Media type and parameter objects: anything with a `schema` next to `example(s)`.
    fn walk(doc: &Value, value: &Value, at: &str, out: &mut Vec<Example>) {
        match value {
            Value::Object(map) => {
                if let Some(schema) = map.get("schema") {
                    if let Some(example) = map.get("example") {
                        out.push(Example {
                            at: format!("{at}/example"),
                            schema: schema.clone(),
                            value: example.clone(),
                        });
                    }
                    if let Some(examples) = map.get("examples").and_then(Value::as_object) {
                        for (name, example) in examples {
                            let example = document::deref(doc, example)
                                .unwrap_or_else(|| panic!("{at}/examples/{name} does not resolve"));
                            let value = example.get("value").unwrap_or_else(|| {
                                panic!("{at}/examples/{name} has no value (externalValue?)")
                            });
                            out.push(Example {
                                at: format!("{at}/examples/{}", escape(name)),
                                schema: schema.clone(),
                                value: value.clone(),
                            });
                        }
                    }
                    schema_examples(schema, &format!("{at}/schema"), out);
                }
                for (key, child) in map {
                    // Schemas and example values are handled above and below.
                    if matches!(key.as_str(), "schema" | "example" | "examples" | "schemas") {
                        continue;
                    }
                    walk(doc, child, &format!("{at}/{}", escape(key)), out);
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    walk(doc, child, &format!("{at}/{index}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, &doc["paths"], "/paths", &mut out);
    walk(doc, &doc["components"], "/components", &mut out);
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            schema_examples(
                schema,
                &format!("/components/schemas/{}", escape(name)),
                &mut out,
            );
        }
    }
    out
}

fn validate(doc: &Value, example: &Example) -> Vec<String> {
    let validator = json_schema::validator(doc, &example.schema)
        .unwrap_or_else(|e| panic!("{}: the schema does not convert: {e}", example.at));
    json_schema::errors(&validator, &example.value)
}

#[test]
fn every_example_validates_against_its_schema() {
    let doc = document::json();
    let examples = all_examples(doc);
    let mut failures = Vec::new();
    for example in &examples {
        let errors = validate(doc, example);
        if !errors.is_empty() {
            failures.push(format!("{}: {} ⇒ {errors:?}", example.at, example.value));
        }
    }
    assert!(
        failures.is_empty(),
        "invalid examples:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_examples_are_found() {
    let doc = document::json();
    let found: Vec<String> = all_examples(doc).into_iter().map(|e| e.at).collect();
    // Seven media-type examples (two request bodies, five JSON 200 responses) and three schema
    // examples (CreateReportRequest's times and template id), at least.
    assert!(
        found.len() >= 10,
        "only {} examples found: {found:#?}",
        found.len()
    );
    let create = "/paths/~1v1~1{project_id}~1audit~1{instance_id}~1reports~1create/post";
    for expected in [
        format!("{create}/requestBody/content/application~1json/examples/reference"),
        format!("{create}/responses/200/content/application~1json/examples/reference"),
        "/components/schemas/CreateReportRequest/properties/template_id/example".to_owned(),
    ] {
        assert!(found.contains(&expected), "{expected} not among {found:#?}");
    }

    // Every JSON request body and every JSON 200 response of the report workflow has an
    // example (the other operations' answers are made from their schemas by the mock, and
    // checked against them by tests/tests/every_operation.rs).
    const WORKFLOW: &[&str] = &[
        "create_report",
        "list_audit_report_templates",
        "list_audit_reports",
        "download_audit_report",
        "delete_audit_report",
        "list_audit_instances_last",
    ];
    let paths = doc["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            if !WORKFLOW.contains(&operation["operationId"].as_str().unwrap_or("")) {
                continue;
            }
            let mut media = Vec::new();
            if let Some(body) = operation.get("requestBody") {
                media.push(("requestBody", &body["content"]["application/json"]));
            }
            let ok = document::deref(doc, &operation["responses"]["200"]).expect("200");
            if let Some(json) = ok["content"].get("application/json") {
                media.push(("200", json));
            }
            for (what, media) in media {
                let count = media
                    .get("examples")
                    .and_then(Value::as_object)
                    .map_or(0, |e| e.len())
                    + usize::from(media.get("example").is_some());
                assert!(count > 0, "{method} {path}: {what} has no example");
            }
        }
    }
}

/// The seed's example request, mutated, fails: the validator does run and does check.
#[test]
fn mutated_seed_example_fails_validation() {
    let validator = json_schema::component("CreateReportRequest");
    let seed = json!({
        "template_id": "t8g7LJgBTpKZyZbbeTgS",
        "start_time": "2025-08-20 16:00:00",
        "end_time": "2025-08-21 07:03:31",
        "db_ids": null
    });
    assert!(json_schema::errors(&validator, &seed).is_empty());

    let mut missing = seed.clone();
    missing
        .as_object_mut()
        .expect("object")
        .remove("template_id");
    let errors = json_schema::errors(&validator, &missing);
    assert!(
        errors.iter().any(|e| e.contains("template_id")),
        "missing template_id: {errors:?}"
    );

    let mut wrong_type = seed.clone();
    wrong_type["db_ids"] = json!(5);
    let errors = json_schema::errors(&validator, &wrong_type);
    assert!(
        errors.iter().any(|e| e.contains("/db_ids")),
        "db_ids: 5: {errors:?}"
    );

    let mut both = missing;
    both["db_ids"] = json!(5);
    assert_eq!(json_schema::errors(&validator, &both).len(), 2);

    // A required field null is refused; only db_ids is nullable.
    let mut null_start = seed;
    null_start["start_time"] = Value::Null;
    assert!(!validator.is_valid(&null_start));
}

/// Mutations of the other examples fail too: enums, bounds, nesting, types.
#[test]
fn mutated_response_examples_fail_validation() {
    let reports = json_schema::component("ListAuditReportsResponse");
    let good =
        json!({ "reports": [{ "report": { "percentum": 100, "format": "pdf" } }], "total": 1 });
    assert!(reports.is_valid(&good));
    for (pointer, bad) in [
        ("/reports/0/report/percentum", json!(101)),
        ("/reports/0/report/percentum", json!(-1)),
        ("/reports/0/report/format", json!("docx")),
        ("/reports/0/report", json!("not an object")),
        ("/total", json!("1")),
    ] {
        let mut mutated = good.clone();
        *mutated.pointer_mut(pointer).expect("pointer") = bad.clone();
        assert!(!reports.is_valid(&mutated), "{pointer} = {bad} accepted");
    }

    let error = json_schema::component("DbssError");
    assert!(error.is_valid(&json!({ "details": [{ "error_code": "A", "error_msg": "m" }] })));
    assert!(!error.is_valid(&json!({ "details": [{ "error_code": 1 }] })));
    assert!(!error.is_valid(&json!({ "details": { "error_code": "A" } })));
}
