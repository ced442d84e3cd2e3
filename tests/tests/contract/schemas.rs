//! The schemars JSON Schema of every shared type agrees with its OpenAPI component.
//!
//! For each component schema of the document, `schemars::schema_for!` of the `dbss_types` type
//! that represents it must have the same property names, the same required set, the same shape
//! of each property (string, integer, array of X, reference to X) and, for enums, the same
//! values in the same order. A table maps component → type, and the table must cover every
//! component schema of the document: adding a schema without adding it here fails.

use std::collections::{BTreeMap, BTreeSet};

use dbss_contract_tests::{document, json_schema};
use dbss_types::{
    AuditInstanceBean, ChargeModel, CreateReportRequest, CreateReportResponse, DbssError,
    DbssErrorDetail, DeleteAuditReportResponse, DeleteStatus, InstanceStatus,
    ListAuditInstancesLastResponse, ListAuditReportTemplatesResponse, ListAuditReportsRequest,
    ListAuditReportsResponse, ReportBean, ReportFormat, ReportInfo, ReportLocale, ReportResult,
    ReportTemplateType, ReportType, TemplateBean, TemplateGroup, TemplateInfo, TemplateStatus,
    TemplateType,
};
use schemars::schema_for;
use serde_json::Value;

/// Component name → the schemars schema of its type.
fn table() -> Vec<(&'static str, Value)> {
    macro_rules! entry {
        ($name:literal => $ty:ty) => {
            (
                $name,
                serde_json::to_value(schema_for!($ty)).expect("a schema serializes"),
            )
        };
    }
    vec![
        entry!("CreateReportRequest" => CreateReportRequest),
        entry!("CreateReportResponse" => CreateReportResponse),
        entry!("ReportResult" => ReportResult),
        entry!("DbssError" => DbssError),
        entry!("DbssErrorDetail" => DbssErrorDetail),
        entry!("ListAuditReportTemplatesResponse" => ListAuditReportTemplatesResponse),
        entry!("TemplateInfo" => TemplateInfo),
        entry!("TemplateBean" => TemplateBean),
        entry!("TemplateGroup" => TemplateGroup),
        entry!("TemplateStatus" => TemplateStatus),
        entry!("TemplateType" => TemplateType),
        entry!("ListAuditReportsRequest" => ListAuditReportsRequest),
        entry!("ListAuditReportsResponse" => ListAuditReportsResponse),
        entry!("ReportInfo" => ReportInfo),
        entry!("ReportBean" => ReportBean),
        entry!("ReportFormat" => ReportFormat),
        entry!("ReportTemplateType" => ReportTemplateType),
        entry!("ReportType" => ReportType),
        entry!("ReportLocale" => ReportLocale),
        entry!("DeleteAuditReportResponse" => DeleteAuditReportResponse),
        entry!("DeleteStatus" => DeleteStatus),
        entry!("ListAuditInstancesLastResponse" => ListAuditInstancesLastResponse),
        entry!("AuditInstanceBean" => AuditInstanceBean),
        entry!("InstanceStatus" => InstanceStatus),
        entry!("ChargeModel" => ChargeModel),
    ]
}

/// The shape of a property in the OpenAPI document: `string`, `integer`, `@Name`, `[shape]`.
fn openapi_shape(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix(json_schema::COMPONENT_PREFIX)
            .unwrap_or(reference);
        return format!("@{name}");
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!("[{}]", openapi_shape(&schema["items"])),
        Some(other) => other.to_owned(),
        None => format!("?{schema}"),
    }
}

/// The shape of a property in a schemars schema, with `null` alternatives (`Option`) removed.
fn schemars_shape(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("@{name}");
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
            let not_null: Vec<&Value> = alternatives
                .iter()
                .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if let [single] = not_null.as_slice() {
                return schemars_shape(single);
            }
            return format!("?{schema}");
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(single)) => vec![single.as_str()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => vec![],
    };
    match types.as_slice() {
        ["array"] => format!("[{}]", schemars_shape(&schema["items"])),
        [single] => (*single).to_owned(),
        _ => format!("?{schema}"),
    }
}

fn properties(schema: &Value, shape: fn(&Value) -> String) -> BTreeMap<String, String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, property)| (name.clone(), shape(property)))
                .collect()
        })
        .unwrap_or_default()
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The values of an enum schema: `enum`, or `oneOf`/`anyOf` of `const`s / one-value `enum`s.
fn enum_values(schema: &Value) -> Option<Vec<Value>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.clone());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
            let mut values = Vec::new();
            for alternative in alternatives {
                if let Some(value) = alternative.get("const") {
                    values.push(value.clone());
                } else if let Some(more) = alternative.get("enum").and_then(Value::as_array) {
                    values.extend(more.iter().cloned());
                } else {
                    return None;
                }
            }
            return Some(values);
        }
    }
    None
}

#[test]
fn the_table_covers_the_report_workflow_components() {
    let in_document: BTreeSet<String> = document::component_schema_names(document::json())
        .into_iter()
        .collect();
    let in_table: Vec<&str> = table().into_iter().map(|(name, _)| name).collect();
    let unique: BTreeSet<String> = in_table.iter().map(|n| (*n).to_owned()).collect();
    assert_eq!(
        unique.len(),
        in_table.len(),
        "a component is in the table twice"
    );
    // The table holds the report workflow's components (whose schemars schemas must equal
    // the document's); the components of the other operations are exercised end to end by
    // every_operation.rs (decoded from answers the document's schemas accept).
    assert!(
        unique.is_subset(&in_document),
        "the table names components the document lacks: {:?}",
        unique.difference(&in_document).collect::<Vec<_>>()
    );
    assert_eq!(unique.len(), 25, "the report workflow's 25 components");
}

#[test]
fn schemars_agrees_with_every_component() {
    let doc = document::json();
    let mut problems = Vec::new();
    for (name, generated) in table() {
        let component = &doc["components"]["schemas"][name];
        assert!(component.is_object(), "{name} is not in the document");

        if let Some(values) = component.get("enum").and_then(Value::as_array) {
            match enum_values(&generated) {
                Some(generated_values) if &generated_values == values => {}
                other => problems.push(format!("{name}: enum {values:?} vs schemars {other:?}")),
            }
            if generated.get("type").and_then(Value::as_str) != Some("string")
                && generated.get("oneOf").is_none()
            {
                problems.push(format!("{name}: schemars type {:?}", generated.get("type")));
            }
            continue;
        }

        if generated.get("type").and_then(Value::as_str) != Some("object") {
            problems.push(format!("{name}: schemars type {:?}", generated.get("type")));
        }
        let want = properties(component, openapi_shape);
        let got = properties(&generated, schemars_shape);
        let want_names: BTreeSet<&String> = want.keys().collect();
        let got_names: BTreeSet<&String> = got.keys().collect();
        if want_names != got_names {
            problems.push(format!(
                "{name}: properties {want_names:?} vs schemars {got_names:?}"
            ));
        }
        for (property, shape) in &want {
            if let Some(generated_shape) = got.get(property)
                && generated_shape != shape
            {
                problems.push(format!(
                    "{name}.{property}: {shape} vs schemars {generated_shape}"
                ));
            }
        }
        if required(component) != required(&generated) {
            problems.push(format!(
                "{name}: required {:?} vs schemars {:?}",
                required(component),
                required(&generated)
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The document's examples are valid for the schemars schemas too: the two agree on values,
/// not only on names.
#[test]
fn document_examples_validate_against_the_schemars_schemas() {
    let doc = document::json();
    let schemas: BTreeMap<&str, Value> = table().into_iter().collect();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let mut media = Vec::new();
            if let Some(body) = operation.get("requestBody") {
                media.extend(body["content"].as_object().into_iter().flatten());
            }
            for response in operation["responses"]
                .as_object()
                .expect("responses")
                .values()
            {
                let response = document::deref(doc, response).expect("resolves");
                media.extend(response["content"].as_object().into_iter().flatten());
            }
            for (_, media) in media {
                let Some(name) = media["schema"]["$ref"]
                    .as_str()
                    .and_then(|r| r.strip_prefix(json_schema::COMPONENT_PREFIX))
                else {
                    continue;
                };
                let Some(schema) = schemas.get(name) else {
                    continue;
                };
                let validator = json_schema::compile(schema).expect("schemars schema");
                for (example_name, example) in media["examples"].as_object().into_iter().flatten() {
                    let value = &document::deref(doc, example).expect("resolves")["value"];
                    let errors = json_schema::errors(&validator, value);
                    assert!(
                        errors.is_empty(),
                        "{method} {path} {example_name} vs schemars {name}: {errors:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 7, "only {checked} examples checked");
}
