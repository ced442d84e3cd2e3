//! Response bodies decode into the `dbss_types` types.
//!
//! - Randomized valid bodies (proptest strategies written per component schema; each generated
//!   body is first checked against the document's schema, so the strategies cannot drift from
//!   it) decode, and serialize back to the same JSON.
//! - Unknown extra fields, at any depth, are ignored.
//! - Enum values the document does not list decode as `Unknown(String)`, keep the value
//!   verbatim (`as_str()`), and serialize back unchanged.
//! - The document's examples decode into the type of their schema.
//! - Error bodies returned with 400/401/403/500 by a loopback server decode, through the
//!   generated client, into `progenitor_client::Error::ErrorResponse(DbssError)` with `details`.
//! - The binary download streams back byte for byte.

use std::collections::BTreeSet;

use dbss_contract_tests::capture::{CaptureServer, Reply};
use dbss_contract_tests::wire::{raw_client, runtime};
use dbss_contract_tests::{document, json_schema};
use dbss_types::{
    ChargeModel, CreateReportRequest, CreateReportResponse, DbssError, DbssErrorDetail,
    DeleteAuditReportResponse, DeleteStatus, InstanceStatus, ListAuditInstancesLastResponse,
    ListAuditReportTemplatesResponse, ListAuditReportsRequest, ListAuditReportsResponse,
    ReportBean, ReportFormat, ReportInfo, ReportResult, ReportTemplateType, ReportType,
    TemplateBean, TemplateGroup, TemplateInfo, TemplateStatus, TemplateType,
};
use futures::StreamExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(64);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value)) {
    TestRunner::new(config())
        .run(&strategy, |value| {
            test(value);
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
}

// ---------------------------------------------------------------------------------------------
// Strategies: JSON per component schema.
// ---------------------------------------------------------------------------------------------

/// Whether enum values stay within the document's lists or may be values it does not know.
#[derive(Clone, Copy, Debug)]
enum Enums {
    Known,
    Open,
}

type Json = BoxedStrategy<Value>;
type Field = BoxedStrategy<Option<Value>>;

fn optional(value: Json) -> Field {
    proptest::option::of(value).boxed()
}

fn string() -> Json {
    any::<String>().prop_map(Value::from).boxed()
}

fn int32() -> Json {
    any::<i32>().prop_map(Value::from).boxed()
}

fn int64() -> Json {
    any::<i64>().prop_map(Value::from).boxed()
}

/// A value of an enum: one of `known`, or (open) a value the document does not list.
fn enum_value(known: &'static [&'static str], enums: Enums) -> Json {
    let listed = proptest::sample::select(known)
        .prop_map(Value::from)
        .boxed();
    match enums {
        Enums::Known => listed,
        Enums::Open => prop_oneof![
            2 => listed,
            1 => unknown_value(known).prop_map(Value::from),
        ]
        .boxed(),
    }
}

/// A string that is not one of `known` (often one that looks like a real enum value).
fn unknown_value(known: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![
        "[A-Z][A-Z_]{0,20}",
        "[a-z][a-z-]{0,12}",
        any::<String>(),
        // Near misses: another case, padding.
        proptest::sample::select(known).prop_map(|k| k.to_lowercase()),
        proptest::sample::select(known).prop_map(|k| k.to_uppercase()),
        proptest::sample::select(known).prop_map(|k| format!(" {k}")),
    ]
    .prop_filter("not a known value", move |s| !known.contains(&s.as_str()))
    .boxed()
}

/// An array of `item`, or absent.
fn array(item: Json, max: usize) -> Json {
    proptest::collection::vec(item, 0..=max)
        .prop_map(Value::from)
        .boxed()
}

/// An object of the present fields.
fn object(fields: Vec<(&'static str, Field)>) -> Json {
    let (names, values): (Vec<&'static str>, Vec<Field>) = fields.into_iter().unzip();
    values
        .prop_map(move |values| {
            let map: Map<String, Value> = names
                .iter()
                .zip(values)
                .filter_map(|(name, value)| value.map(|v| ((*name).to_owned(), v)))
                .collect();
            Value::Object(map)
        })
        .boxed()
}

fn dbss_error_detail() -> Json {
    object(vec![
        ("error_code", optional(string())),
        ("error_msg", optional(string())),
    ])
}

fn dbss_error() -> Json {
    object(vec![
        ("details", optional(array(dbss_error_detail(), 3))),
        ("encoded_authorization_message", optional(string())),
        ("error_code", optional(string())),
        ("error_msg", optional(string())),
    ])
}

fn create_report_response(enums: Enums) -> Json {
    object(vec![(
        "result",
        optional(enum_value(ReportResult::KNOWN, enums)),
    )])
}

fn template_bean(enums: Enums) -> Json {
    object(vec![
        ("id", optional(string())),
        ("name", optional(string())),
        ("desc", optional(string())),
        ("db_ids", optional(string())),
        ("db_names", optional(string())),
        ("frequency", optional(string())),
        ("group", optional(enum_value(TemplateGroup::KNOWN, enums))),
        ("status", optional(enum_value(TemplateStatus::KNOWN, enums))),
        ("type", optional(enum_value(TemplateType::KNOWN, enums))),
    ])
}

fn list_templates_response(enums: Enums) -> Json {
    let info = object(vec![("template", optional(template_bean(enums)))]);
    object(vec![
        ("os_type", optional(string())),
        ("templates", optional(array(info, 3))),
    ])
}

fn report_bean(enums: Enums) -> Json {
    object(vec![
        ("id", optional(string())),
        ("name", optional(string())),
        ("db_ids", optional(string())),
        ("db_names", optional(string())),
        ("start_time", optional(string())),
        ("end_time", optional(string())),
        ("finish_time", optional(string())),
        ("url", optional(string())),
        (
            "percentum",
            optional((0..=100).prop_map(Value::from).boxed()),
        ),
        ("format", optional(enum_value(ReportFormat::KNOWN, enums))),
        (
            "template_type",
            optional(enum_value(ReportTemplateType::KNOWN, enums)),
        ),
        ("type", optional(enum_value(ReportType::KNOWN, enums))),
    ])
}

fn list_reports_response(enums: Enums) -> Json {
    let info = object(vec![("report", optional(report_bean(enums)))]);
    object(vec![
        ("reports", optional(array(info, 3))),
        ("total", optional(int64())),
    ])
}

fn delete_response(enums: Enums) -> Json {
    object(vec![(
        "status",
        optional(enum_value(DeleteStatus::KNOWN, enums)),
    )])
}

fn audit_instance_bean(enums: Enums) -> Json {
    // Two groups: proptest implements Strategy for tuples of up to twelve elements only.
    let strings = [
        "id",
        "name",
        "region",
        "zone",
        "resource_id",
        "resource_spec_code",
        "specification",
        "version",
        "new_version",
        "created",
        "expired",
        "remain_days",
        "keep_days",
        "comment",
        "connect_ip",
        "connect_ipv6",
        "port_id",
        "security_group_id",
        "subnet_id",
        "vpc_id",
        "scene",
        "task",
    ];
    let integers = ["cpu", "ram", "database_limit", "config_num", "effect"];
    let mut fields: Vec<(&'static str, Field)> = Vec::new();
    fields.extend(strings.map(|name| (name, optional(string()))));
    fields.extend(integers.map(|name| (name, optional(int32()))));
    fields.push(("status", optional(enum_value(InstanceStatus::KNOWN, enums))));
    fields.push((
        "charge_model",
        optional(enum_value(ChargeModel::KNOWN, enums)),
    ));
    fields.push(("supported_feature", optional(array(string(), 3))));
    object(fields)
}

fn list_instances_response(enums: Enums) -> Json {
    object(vec![
        ("instances", optional(array(audit_instance_bean(enums), 2))),
        ("total", optional(int64())),
    ])
}

/// Adds fields the document does not define to every object of `value`, at every depth.
fn with_unknown_fields(value: Json) -> Json {
    (value, any::<u64>(), any::<String>())
        .prop_map(|(mut value, seed, text)| {
            add_unknown_fields(&mut value, seed, &text);
            value
        })
        .boxed()
}

fn add_unknown_fields(value: &mut Value, seed: u64, text: &str) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                add_unknown_fields(child, seed.rotate_left(7), text);
            }
            map.insert("x_unknown_text".into(), json!(text));
            map.insert("x_unknown_number".into(), json!(seed));
            map.insert(
                "x_unknown_nested".into(),
                json!({ "a": [1, null, { "b": text }], "null": null, "bool": seed.is_multiple_of(2) }),
            );
        }
        Value::Array(items) => {
            for item in items {
                add_unknown_fields(item, seed, text);
            }
        }
        _ => {}
    }
}

fn strip_unknown_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|key, _| !key.starts_with("x_unknown_"));
            map.values_mut().for_each(strip_unknown_fields);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_unknown_fields),
        _ => {}
    }
}

/// The JSON a type writes back for `value`: the same, less empty arrays (the types omit an
/// empty list when they serialize, as they omit an unset field).
fn normalized(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !matches!(v, Value::Array(items) if items.is_empty()))
                .map(|(k, v)| (k.clone(), normalized(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalized).collect()),
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Checks.
// ---------------------------------------------------------------------------------------------

/// Decodes `value` as `T` and checks that it serializes back to the same JSON.
fn decodes_and_round_trips<T: DeserializeOwned + Serialize + std::fmt::Debug>(value: &Value) -> T {
    let decoded: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!(
            "{} does not decode {value}: {e}",
            std::any::type_name::<T>()
        )
    });
    let written = serde_json::to_value(&decoded).expect("serializes");
    assert_eq!(written, normalized(value), "{decoded:?}");
    decoded
}

/// For one component schema and its type: valid bodies validate, decode and round-trip;
/// unknown fields are ignored; unknown enum values decode and are written back verbatim.
fn check_component<T, F>(name: &str, strategy: F)
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
    F: Fn(Enums) -> Json,
{
    let validator = json_schema::component(name);
    run(strategy(Enums::Known), |value| {
        let errors = json_schema::errors(&validator, &value);
        assert!(
            errors.is_empty(),
            "{name}: the strategy made {value}: {errors:?}"
        );
        decodes_and_round_trips::<T>(&value);
    });
    run(with_unknown_fields(strategy(Enums::Known)), |value| {
        assert!(
            validator.is_valid(&value),
            "{name}: extra fields are valid too"
        );
        let decoded: T = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{name}: unknown fields refused ({e}): {value}"));
        let mut known = value;
        strip_unknown_fields(&mut known);
        let expected: T = serde_json::from_value(known).expect("decodes");
        assert_eq!(decoded, expected);
    });
    run(strategy(Enums::Open), |value| {
        decodes_and_round_trips::<T>(&value);
    });
}

#[test]
fn create_report_responses_decode() {
    check_component::<CreateReportResponse, _>("CreateReportResponse", create_report_response);
}

#[test]
fn list_audit_report_templates_responses_decode() {
    check_component::<ListAuditReportTemplatesResponse, _>(
        "ListAuditReportTemplatesResponse",
        list_templates_response,
    );
}

#[test]
fn list_audit_reports_responses_decode() {
    check_component::<ListAuditReportsResponse, _>(
        "ListAuditReportsResponse",
        list_reports_response,
    );
}

#[test]
fn delete_audit_report_responses_decode() {
    check_component::<DeleteAuditReportResponse, _>("DeleteAuditReportResponse", delete_response);
}

#[test]
fn list_audit_instances_responses_decode() {
    check_component::<ListAuditInstancesLastResponse, _>(
        "ListAuditInstancesLastResponse",
        list_instances_response,
    );
}

#[test]
fn error_bodies_decode() {
    check_component::<DbssError, _>("DbssError", |_| dbss_error());
}

/// The nested components on their own, so a failure names the smallest schema
/// (`AuditInstanceBean`, the largest, only through `ListAuditInstancesLastResponse`: it is slow).
#[test]
fn nested_components_decode() {
    check_component::<TemplateBean, _>("TemplateBean", template_bean);
    check_component::<TemplateInfo, _>("TemplateInfo", |e| {
        object(vec![("template", optional(template_bean(e)))])
    });
    check_component::<ReportBean, _>("ReportBean", report_bean);
    check_component::<ReportInfo, _>("ReportInfo", |e| {
        object(vec![("report", optional(report_bean(e)))])
    });
    check_component::<DbssErrorDetail, _>("DbssErrorDetail", |_| dbss_error_detail());
}

/// An unknown value in a list of fifty does not fail the list.
#[test]
fn one_unknown_value_does_not_fail_a_page() {
    let mut reports: Vec<Value> = (0..50)
        .map(|i| json!({ "report": { "id": format!("report-{i}"), "type": "AUDIT_REPORT_DAY" } }))
        .collect();
    reports[17]["report"]["type"] = json!("AUDIT_REPORT_QUARTER");
    let page: ListAuditReportsResponse =
        serde_json::from_value(json!({ "reports": reports, "total": 50 })).expect("decodes");
    assert_eq!(page.reports.len(), 50);
    assert_eq!(
        page.reports[17]
            .report
            .as_ref()
            .and_then(|r| r.type_.clone()),
        Some(ReportType::Unknown("AUDIT_REPORT_QUARTER".into()))
    );
    assert_eq!(
        page.reports[16]
            .report
            .as_ref()
            .and_then(|r| r.type_.clone()),
        Some(ReportType::AuditReportDay)
    );
}

// ---------------------------------------------------------------------------------------------
// Open enums.
// ---------------------------------------------------------------------------------------------

/// For each open enum: the document's values are exactly `KNOWN`; every known value decodes to
/// a known variant; any other string decodes to `Unknown(s)`; `as_str()` gives the value back
/// and serialization writes it verbatim.
macro_rules! check_open_enums {
    ($($name:ident),+ $(,)?) => {{
        let doc = document::json();
        let mut checked = BTreeSet::new();
        $(
            let listed: Vec<&str> = doc["components"]["schemas"][stringify!($name)]["enum"]
                .as_array()
                .unwrap_or_else(|| panic!("{} has no enum", stringify!($name)))
                .iter()
                .map(|v| v.as_str().expect("a string value"))
                .collect();
            assert_eq!(listed, $name::KNOWN, "{}: values", stringify!($name));
            for known in $name::KNOWN {
                let value: $name = serde_json::from_value(json!(known)).expect("decodes");
                assert!(value.is_known(), "{known}");
                assert_eq!(value.as_str(), *known);
                assert_eq!(serde_json::to_value(&value).expect("serializes"), json!(known));
                assert_eq!($name::from(*known), value);
            }
            run(
                prop_oneof![unknown_value($name::KNOWN), any::<String>()],
                |s| {
                    let value: $name = serde_json::from_value(json!(s)).expect("decodes");
                    if $name::KNOWN.contains(&s.as_str()) {
                        assert!(value.is_known());
                    } else {
                        assert_eq!(value, $name::Unknown(s.clone()));
                        assert!(!value.is_known());
                    }
                    assert_eq!(value.as_str(), s);
                    assert_eq!(value.to_string(), s);
                    assert_eq!(serde_json::to_string(&value).expect("serializes"),
                        serde_json::to_string(&s).expect("serializes"));
                    assert_eq!(s.parse::<$name>(), Ok(value));
                },
            );
            // Non-strings are still refused: openness is about values, not types.
            assert!(serde_json::from_value::<$name>(json!(1)).is_err());
            checked.insert(stringify!($name));
        )+
        checked
    }};
}

#[test]
fn open_enums_keep_unknown_values_verbatim() {
    let checked = check_open_enums!(
        ReportResult,
        TemplateGroup,
        TemplateStatus,
        TemplateType,
        ReportFormat,
        ReportTemplateType,
        ReportType,
        DeleteStatus,
        InstanceStatus,
        ChargeModel,
    );
    // Every enum of a response is open (ReportLocale, a request parameter, is closed).
    let doc = document::json();
    let response_enums: BTreeSet<&str> = doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .iter()
        .filter(|(name, schema)| schema.get("enum").is_some() && *name != "ReportLocale")
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(checked, response_enums);
}

// ---------------------------------------------------------------------------------------------
// The document's examples.
// ---------------------------------------------------------------------------------------------

/// Decodes `value` into the type of component `name`.
fn decode_as(name: &str, value: &Value) -> Result<(), String> {
    fn decode<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
        serde_json::from_value::<T>(value.clone())
            .map(drop)
            .map_err(|e| e.to_string())
    }
    match name {
        "CreateReportRequest" => decode::<CreateReportRequest>(value),
        "CreateReportResponse" => decode::<CreateReportResponse>(value),
        "ListAuditReportTemplatesResponse" => decode::<ListAuditReportTemplatesResponse>(value),
        "ListAuditReportsRequest" => decode::<ListAuditReportsRequest>(value),
        "ListAuditReportsResponse" => decode::<ListAuditReportsResponse>(value),
        "DeleteAuditReportResponse" => decode::<DeleteAuditReportResponse>(value),
        "ListAuditInstancesLastResponse" => decode::<ListAuditInstancesLastResponse>(value),
        "DbssError" => decode::<DbssError>(value),
        other => Err(format!("no type mapped for {other}")),
    }
}

#[test]
fn document_examples_decode() {
    let doc = document::json();
    let mut decoded = 0;
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
            for (content_type, media) in media {
                let Some(reference) = media["schema"]["$ref"].as_str() else {
                    continue;
                };
                let name = reference
                    .strip_prefix(json_schema::COMPONENT_PREFIX)
                    .expect("a component schema");
                let examples = media["examples"].as_object().into_iter().flatten();
                for (example_name, example) in examples {
                    let value = &document::deref(doc, example).expect("resolves")["value"];
                    decode_as(name, value).unwrap_or_else(|e| {
                        panic!("{method} {path} {content_type} {example_name} as {name}: {e}")
                    });
                    decoded += 1;
                }
            }
        }
    }
    assert!(decoded >= 7, "only {decoded} examples decoded");

    // The seed's `"db_ids": null` means unset.
    let seed: CreateReportRequest = serde_json::from_value(json!({
        "template_id": "t8g7LJgBTpKZyZbbeTgS",
        "start_time": "2025-08-20 16:00:00",
        "end_time": "2025-08-21 07:03:31",
        "db_ids": null
    }))
    .expect("the seed request decodes");
    assert_eq!(seed.db_ids, None);
    let seed: CreateReportResponse =
        serde_json::from_value(json!({ "result": "success" })).expect("the seed response decodes");
    assert_eq!(seed.result, Some(ReportResult::Success));
}

// ---------------------------------------------------------------------------------------------
// Through the generated client.
// ---------------------------------------------------------------------------------------------

const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const INSTANCE: &str = "fedcba9876543210fedcba9876543210";
const REPORT: &str = "Hx9QLJgBTpKZyZbbhTgS";

/// Runs operation number `op` (0..6) and returns its error, if any.
async fn call(
    client: &dbss_client::raw::Client,
    op: usize,
) -> Result<(), progenitor_client::Error<DbssError>> {
    match op {
        0 => client
            .create_report()
            .project_id(PROJECT)
            .instance_id(INSTANCE)
            .body(CreateReportRequest {
                db_ids: None,
                end_date: None,
                end_time: "2025-08-21 07:03:31".into(),
                start_date: None,
                start_time: "2025-08-20 16:00:00".into(),
                template_id: "t8g7LJgBTpKZyZbbeTgS".into(),
            })
            .send()
            .await
            .map(drop),
        1 => client
            .list_audit_report_templates()
            .project_id(PROJECT)
            .instance_id(INSTANCE)
            .send()
            .await
            .map(drop),
        2 => client
            .list_audit_reports()
            .project_id(PROJECT)
            .instance_id(INSTANCE)
            .body(ListAuditReportsRequest {
                name: None,
                page: 1.try_into().expect("non-zero"),
                size: 10.try_into().expect("non-zero"),
            })
            .send()
            .await
            .map(drop),
        3 => client
            .download_audit_report()
            .project_id(PROJECT)
            .instance_id(INSTANCE)
            .id(REPORT)
            .send()
            .await
            .map(drop),
        4 => client
            .delete_audit_report()
            .project_id(PROJECT)
            .instance_id(INSTANCE)
            .id(REPORT)
            .send()
            .await
            .map(drop),
        5 => client
            .list_audit_instances_last()
            .project_id(PROJECT)
            .send()
            .await
            .map(drop),
        _ => unreachable!(),
    }
}

#[test]
fn error_statuses_decode_into_dbss_error_through_the_client() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    let statuses = proptest::sample::select(vec![400u16, 401, 403, 500]);
    run(
        (0..6usize, statuses, with_unknown_fields(dbss_error())),
        |(op, status, body)| {
            server.reply_with(Reply::json(status, &body));
            let result = rt.block_on(call(&client, op));
            let error = match result {
                Err(progenitor_client::Error::ErrorResponse(error)) => error,
                other => panic!("operation {op}, status {status}: {other:?}"),
            };
            assert_eq!(error.status().as_u16(), status);
            let mut known = body.clone();
            strip_unknown_fields(&mut known);
            let expected: DbssError = serde_json::from_value(known.clone()).expect("decodes");
            let actual = error.into_inner();
            assert_eq!(actual, expected);
            let details = known["details"].as_array().map_or(0, Vec::len);
            assert_eq!(actual.details.len(), details, "details kept");
            for (detail, json) in actual
                .details
                .iter()
                .zip(known["details"].as_array().into_iter().flatten())
            {
                assert_eq!(detail.error_code.as_deref(), json["error_code"].as_str());
                assert_eq!(detail.error_msg.as_deref(), json["error_msg"].as_str());
            }
            server.take();
        },
    );
}

/// A typical gateway error: the codes and messages of the body and of `details` survive.
#[test]
fn a_forbidden_body_keeps_its_details() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    server.reply_with(Reply::json(
        403,
        &json!({
            "error_code": "DBSS.XXXX",
            "error_msg": "Policy doesn't allow dbss:audit:createReport to be performed.",
            "encoded_authorization_message": "ZW5jb2RlZA==",
            "details": [
                { "error_code": "PDP.0001", "error_msg": "explicit deny" },
                { "error_code": "PDP.0002", "error_msg": "no matching allow" }
            ]
        }),
    ));
    for op in 0..6 {
        match rt.block_on(call(&client, op)) {
            Err(progenitor_client::Error::ErrorResponse(error)) => {
                assert_eq!(error.status().as_u16(), 403);
                let error = error.into_inner();
                assert_eq!(error.error_code.as_deref(), Some("DBSS.XXXX"));
                assert_eq!(
                    error.encoded_authorization_message.as_deref(),
                    Some("ZW5jb2RlZA==")
                );
                assert_eq!(
                    error.details,
                    vec![
                        DbssErrorDetail {
                            error_code: Some("PDP.0001".into()),
                            error_msg: Some("explicit deny".into()),
                        },
                        DbssErrorDetail {
                            error_code: Some("PDP.0002".into()),
                            error_msg: Some("no matching allow".into()),
                        },
                    ]
                );
            }
            other => panic!("operation {op}: {other:?}"),
        }
    }
}

#[test]
fn success_bodies_decode_through_the_client() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    run(list_reports_response(Enums::Open), |body| {
        server.reply_with(Reply::json(200, &body));
        let page = rt
            .block_on(
                client
                    .list_audit_reports()
                    .project_id(PROJECT)
                    .instance_id(INSTANCE)
                    .body(ListAuditReportsRequest {
                        name: None,
                        page: 1.try_into().expect("non-zero"),
                        size: 10.try_into().expect("non-zero"),
                    })
                    .send(),
            )
            .expect("decodes")
            .into_inner();
        let expected: ListAuditReportsResponse = serde_json::from_value(body).expect("decodes");
        assert_eq!(page, expected);
        server.take();
    });
}

#[test]
fn the_download_streams_back_byte_for_byte() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    // Sizes around the chunk boundaries of HTTP/1.1 bodies; the bytes from a seed (proptest's
    // byte vectors are slow to generate and shrink at these sizes).
    let sizes = prop_oneof![0..16usize, 8_000..9_000usize, 16_000..70_000usize];
    let bytes = (sizes, any::<u64>()).prop_map(|(len, mut seed)| {
        (0..len)
            .map(|_| {
                // xorshift64
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed.to_le_bytes()[0]
            })
            .collect::<Vec<u8>>()
    });
    run(bytes, |bytes| {
        server.reply_with(Reply::bytes(200, bytes.clone()));
        let received = rt.block_on(async {
            let response = client
                .download_audit_report()
                .project_id(PROJECT)
                .instance_id(INSTANCE)
                .id(REPORT)
                .send()
                .await
                .expect("200");
            assert_eq!(response.status().as_u16(), 200);
            let mut stream = response.into_inner_stream();
            let mut received = Vec::new();
            while let Some(chunk) = stream.next().await {
                received.extend_from_slice(&chunk.expect("a chunk"));
            }
            received
        });
        assert_eq!(received, bytes);
        server.take();
    });
}
