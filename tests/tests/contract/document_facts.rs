//! The OpenAPI document parses and holds every fact of the API reference.
//!
//! The facts are written down here, from `shared/reference/seed-create-report.txt` (the source
//! page of CreateReport) and `shared/reference/dbss-api.md` (the rest of the report workflow),
//! and checked against the document parsed with `openapiv3`. They are not read from the document:
//! a fact dropped or changed in the document fails a test here.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use dbss_contract_tests::{document, json_schema};
use openapiv3::{
    APIKeyLocation, OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr,
    RequestBody, Response, Schema, SchemaKind, SecurityScheme, StatusCode, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// The facts.
// ---------------------------------------------------------------------------------------------

/// A query parameter: its enum (if any), default, and values its schema must accept or refuse.
struct QueryFact {
    name: &'static str,
    enumeration: &'static [&'static str],
    default: &'static str,
    accepted: &'static [&'static str],
    refused: &'static [&'static str],
}

/// What the 200 response carries.
enum Ok200 {
    /// `application/json`, a `$ref` to this component schema.
    Json(&'static str),
    /// `application/octet-stream`, `type: string, format: binary`.
    Binary,
}

struct OperationFact {
    operation_id: &'static str,
    method: &'static str,
    path: &'static str,
    /// Path parameters: name, minLength, maxLength.
    path_params: &'static [(&'static str, usize, usize)],
    query: &'static [QueryFact],
    /// Request body: component schema name.
    body: Option<&'static str>,
    ok: Ok200,
    /// Description of the 200 response, where the reference gives one.
    ok_description: Option<&'static str>,
}

const PROJECT_ID: (&str, usize, usize) = ("project_id", 32, 64);
const INSTANCE_ID: (&str, usize, usize) = ("instance_id", 32, 64);
const REPORT_ID: (&str, usize, usize) = ("id", 16, 64);

const LOCAL: QueryFact = QueryFact {
    name: "local",
    enumeration: &["en-us", "zh-cn"],
    default: "en-us",
    accepted: &["en-us", "zh-cn"],
    refused: &["en", "EN-US", "fr-fr", ""],
};
const OFFSET: QueryFact = QueryFact {
    name: "offset",
    enumeration: &[],
    default: "0",
    accepted: &["0", "1", "99", "1000", "123456789"],
    refused: &["", "-1", "1.5", "a", " 1", "1 "],
};
const LIMIT: QueryFact = QueryFact {
    name: "limit",
    enumeration: &[],
    default: "100",
    accepted: &["1", "9", "10", "100", "999", "1000"],
    refused: &["", "0", "00", "01", "1001", "9999", "-1", "1.0", "a"],
};

const OPERATIONS: &[OperationFact] = &[
    OperationFact {
        operation_id: "create_report",
        method: "post",
        path: "/v1/{project_id}/audit/{instance_id}/reports/create",
        path_params: &[PROJECT_ID, INSTANCE_ID],
        query: &[],
        body: Some("CreateReportRequest"),
        ok: Ok200::Json("CreateReportResponse"),
        ok_description: Some("Report ID"),
    },
    OperationFact {
        operation_id: "list_audit_report_templates",
        method: "get",
        path: "/v2/{project_id}/audit/{instance_id}/reports/templates",
        path_params: &[PROJECT_ID, INSTANCE_ID],
        query: &[],
        body: None,
        ok: Ok200::Json("ListAuditReportTemplatesResponse"),
        ok_description: None,
    },
    OperationFact {
        operation_id: "list_audit_reports",
        method: "post",
        path: "/v1/{project_id}/audit/{instance_id}/reports/list",
        path_params: &[PROJECT_ID, INSTANCE_ID],
        query: &[],
        body: Some("ListAuditReportsRequest"),
        ok: Ok200::Json("ListAuditReportsResponse"),
        ok_description: None,
    },
    OperationFact {
        operation_id: "download_audit_report",
        method: "get",
        path: "/v1/{project_id}/audit/{instance_id}/reports/{id}/download",
        path_params: &[PROJECT_ID, INSTANCE_ID, REPORT_ID],
        query: &[LOCAL],
        body: None,
        ok: Ok200::Binary,
        ok_description: None,
    },
    OperationFact {
        operation_id: "delete_audit_report",
        method: "delete",
        path: "/v1/{project_id}/audit/{instance_id}/reports/{id}",
        path_params: &[PROJECT_ID, INSTANCE_ID, REPORT_ID],
        query: &[],
        body: None,
        ok: Ok200::Json("DeleteAuditReportResponse"),
        ok_description: None,
    },
    OperationFact {
        operation_id: "list_audit_instances_last",
        method: "get",
        path: "/v2/{project_id}/audit/instances",
        path_params: &[PROJECT_ID],
        query: &[OFFSET, LIMIT],
        body: None,
        ok: Ok200::Json("ListAuditInstancesLastResponse"),
        ok_description: None,
    },
];

/// Every error status, with the description of the reference's Status Codes table. Each returns
/// `DbssError` (Tables 5–12 of the reference are the same table four times).
const ERROR_STATUSES: &[(u16, &str)] = &[
    (400, "Invalid request parameter."),
    (401, "Authorization failed."),
    (403, "Unauthorized"),
    (500, "Server error."),
];

/// The shape of a property: `string`, `integer`, `@Name` (a `$ref` to a component schema),
/// `[shape]` (an array).
type Props = &'static [(&'static str, &'static str)];

enum ComponentFact {
    /// An object schema: its properties with their shapes, and its required set. `exact`: the
    /// reference lists every property (otherwise it lists a selection the document must hold).
    Object {
        props: Props,
        required: &'static [&'static str],
        exact: bool,
    },
    /// A string enum with these values, in this order.
    Enum(&'static [&'static str]),
}

const COMPONENTS: &[(&str, ComponentFact)] = &[
    // CreateReport, Table 3.
    (
        "CreateReportRequest",
        ComponentFact::Object {
            props: &[
                ("db_ids", "string"),
                ("end_date", "string"),
                ("end_time", "string"),
                ("start_date", "string"),
                ("start_time", "string"),
                ("template_id", "string"),
            ],
            required: &["end_time", "start_time", "template_id"],
            exact: true,
        },
    ),
    // CreateReport, Table 4.
    (
        "CreateReportResponse",
        ComponentFact::Object {
            props: &[("result", "@ReportResult")],
            required: &[],
            exact: true,
        },
    ),
    ("ReportResult", ComponentFact::Enum(&["success", "failed"])),
    // Tables 5–12.
    (
        "DbssError",
        ComponentFact::Object {
            props: &[
                ("details", "[@DbssErrorDetail]"),
                ("encoded_authorization_message", "string"),
                ("error_code", "string"),
                ("error_msg", "string"),
            ],
            required: &[],
            exact: true,
        },
    ),
    (
        "DbssErrorDetail",
        ComponentFact::Object {
            props: &[("error_code", "string"), ("error_msg", "string")],
            required: &[],
            exact: true,
        },
    ),
    // ListAuditReportTemplates.
    (
        "ListAuditReportTemplatesResponse",
        ComponentFact::Object {
            props: &[("os_type", "string"), ("templates", "[@TemplateInfo]")],
            required: &[],
            exact: true,
        },
    ),
    (
        "TemplateInfo",
        ComponentFact::Object {
            props: &[("template", "@TemplateBean")],
            required: &[],
            exact: true,
        },
    ),
    (
        "TemplateBean",
        ComponentFact::Object {
            props: &[
                ("id", "string"),
                ("name", "string"),
                ("desc", "string"),
                ("db_ids", "string"),
                ("db_names", "string"),
                ("frequency", "string"),
                ("group", "@TemplateGroup"),
                ("status", "@TemplateStatus"),
                ("type", "@TemplateType"),
            ],
            required: &[],
            exact: true,
        },
    ),
    (
        "TemplateGroup",
        ComponentFact::Enum(&[
            "COMPREHENSIVE",
            "COMPLIANCE",
            "DB_SPECIAL",
            "CLIENT_SPECIAL",
            "SQL_SPECIAL",
        ]),
    ),
    ("TemplateStatus", ComponentFact::Enum(&["ON", "OFF"])),
    (
        "TemplateType",
        ComponentFact::Enum(&[
            "COMPREHENSIVE",
            "COMPLIANCE",
            "SOX",
            "PCI",
            "DB_ANALYSIS",
            "CLIENT_IP_ANALYSIS",
            "SQL_DCL_COMMAND",
            "SQL_DDL_COMMAND",
            "SQL_DML_COMMAND",
        ]),
    ),
    // ListAuditReports.
    (
        "ListAuditReportsRequest",
        ComponentFact::Object {
            props: &[("name", "string"), ("page", "integer"), ("size", "integer")],
            required: &["page", "size"],
            exact: true,
        },
    ),
    (
        "ListAuditReportsResponse",
        ComponentFact::Object {
            props: &[("reports", "[@ReportInfo]"), ("total", "integer")],
            required: &[],
            exact: true,
        },
    ),
    (
        "ReportInfo",
        ComponentFact::Object {
            props: &[("report", "@ReportBean")],
            required: &[],
            exact: true,
        },
    ),
    (
        "ReportBean",
        ComponentFact::Object {
            props: &[
                ("id", "string"),
                ("name", "string"),
                ("db_ids", "string"),
                ("db_names", "string"),
                ("start_time", "string"),
                ("end_time", "string"),
                ("finish_time", "string"),
                ("url", "string"),
                ("percentum", "integer"),
                ("format", "@ReportFormat"),
                ("template_type", "@ReportTemplateType"),
                ("type", "@ReportType"),
            ],
            required: &[],
            exact: true,
        },
    ),
    ("ReportFormat", ComponentFact::Enum(&["pdf", "zip"])),
    ("ReportTemplateType", ComponentFact::Enum(&["PDF", "ZIP"])),
    (
        "ReportType",
        ComponentFact::Enum(&[
            "AUDIT_REPORT_DAY",
            "AUDIT_REPORT_WEEK",
            "AUDIT_REPORT_MONTH",
            "AUDIT_REPORT_YEAR",
            "AUDIT_REPORT_REAL_TIME",
        ]),
    ),
    // DownloadAuditReport `local`.
    ("ReportLocale", ComponentFact::Enum(&["en-us", "zh-cn"])),
    // DeleteAuditReport.
    (
        "DeleteAuditReportResponse",
        ComponentFact::Object {
            props: &[("status", "@DeleteStatus")],
            required: &[],
            exact: true,
        },
    ),
    ("DeleteStatus", ComponentFact::Enum(&["SUCCESS", "FAILED"])),
    // ListAuditInstances.
    (
        "ListAuditInstancesLastResponse",
        ComponentFact::Object {
            props: &[("instances", "[@AuditInstanceBean]"), ("total", "integer")],
            required: &[],
            exact: true,
        },
    ),
    (
        "AuditInstanceBean",
        ComponentFact::Object {
            // "AuditInstanceBean (selected)": the reference lists these; the document may hold
            // more (the official SDK model has them).
            props: &[
                ("id", "string"),
                ("name", "string"),
                ("status", "@InstanceStatus"),
                ("region", "string"),
                ("resource_id", "string"),
                ("specification", "string"),
                ("created", "string"),
                ("expired", "string"),
                ("charge_model", "@ChargeModel"),
                ("comment", "string"),
                ("connect_ip", "string"),
                ("cpu", "integer"),
                ("ram", "integer"),
                ("database_limit", "integer"),
                ("config_num", "integer"),
            ],
            required: &[],
            exact: false,
        },
    ),
    (
        "InstanceStatus",
        ComponentFact::Enum(&[
            "SHUTOFF",
            "ACTIVE",
            "DELETING",
            "BUILD",
            "DELETED",
            "ERROR",
            "HAWAIT",
            "FROZEN",
            "UPGRADING",
        ]),
    ),
    ("ChargeModel", ComponentFact::Enum(&["Period", "Demand"])),
];

/// Descriptions the source page gives word for word: (component, property, description).
const SEED_PROPERTY_DESCRIPTIONS: &[(&str, &str, &str)] = &[
    (
        "CreateReportRequest",
        "db_ids",
        "Database ID list. Use commas (,) to separate multiple IDs.",
    ),
    ("CreateReportRequest", "end_date", "End date."),
    ("CreateReportRequest", "end_time", "End time"),
    ("CreateReportRequest", "start_date", "Start Date"),
    ("CreateReportRequest", "start_time", "Start time"),
    ("CreateReportRequest", "template_id", "Template ID"),
    (
        "DbssError",
        "details",
        "PDP5 authentication exception information",
    ),
    (
        "DbssError",
        "encoded_authorization_message",
        "PDP5 authentication exception information",
    ),
    ("DbssError", "error_code", "Error Codes"),
    ("DbssError", "error_msg", "Error message."),
    ("DbssErrorDetail", "error_code", "Error Codes"),
    ("DbssErrorDetail", "error_msg", "PDP5 error information"),
];

/// The 30 regions of the official SDK.
const REGIONS: &[&str] = &[
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "cn-east-3",
    "cn-south-1",
    "cn-east-2",
    "ap-southeast-3",
    "ap-southeast-2",
    "ru-northwest-2",
    "af-south-1",
    "sa-brazil-1",
    "la-north-2",
    "cn-north-1",
    "cn-north-4",
    "cn-north-2",
    "la-south-2",
    "cn-north-9",
    "cn-north-11",
    "me-east-1",
    "cn-south-4",
    "ap-southeast-4",
    "tr-west-1",
    "cn-east-5",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "cn-north-12",
    "cn-east-4",
    "cn-southwest-3",
    "ap-southeast-5",
    "af-north-1",
];

// ---------------------------------------------------------------------------------------------
// Look-ups in the parsed document.
// ---------------------------------------------------------------------------------------------

fn spec() -> &'static OpenAPI {
    static SPEC: OnceLock<OpenAPI> = OnceLock::new();
    SPEC.get_or_init(|| {
        serde_json::from_str::<OpenAPI>(document::DOCUMENT)
            .expect("openapi/dbss.json parses as an OpenAPI 3.0 document")
    })
}

fn components() -> &'static openapiv3::Components {
    spec()
        .components
        .as_ref()
        .expect("the document has components")
}

fn ref_name<'a>(reference: &'a str, kind: &str) -> &'a str {
    reference
        .strip_prefix(&format!("#/components/{kind}/"))
        .unwrap_or_else(|| panic!("{reference} is not a reference to components/{kind}"))
}

fn parameter(p: &'static ReferenceOr<Parameter>) -> &'static Parameter {
    match p {
        ReferenceOr::Item(item) => item,
        ReferenceOr::Reference { reference } => components()
            .parameters
            .get(ref_name(reference, "parameters"))
            .and_then(ReferenceOr::as_item)
            .unwrap_or_else(|| panic!("{reference} does not resolve")),
    }
}

fn response(r: &'static ReferenceOr<Response>) -> &'static Response {
    match r {
        ReferenceOr::Item(item) => item,
        ReferenceOr::Reference { reference } => components()
            .responses
            .get(ref_name(reference, "responses"))
            .and_then(ReferenceOr::as_item)
            .unwrap_or_else(|| panic!("{reference} does not resolve")),
    }
}

fn request_body(r: &'static ReferenceOr<RequestBody>) -> &'static RequestBody {
    match r {
        ReferenceOr::Item(item) => item,
        ReferenceOr::Reference { reference } => components()
            .request_bodies
            .get(ref_name(reference, "requestBodies"))
            .and_then(ReferenceOr::as_item)
            .unwrap_or_else(|| panic!("{reference} does not resolve")),
    }
}

fn component_schema(name: &str) -> &'static Schema {
    components()
        .schemas
        .get(name)
        .unwrap_or_else(|| panic!("no component schema {name}"))
        .as_item()
        .unwrap_or_else(|| panic!("component schema {name} is a bare reference"))
}

fn schema(r: &'static ReferenceOr<Schema>) -> &'static Schema {
    match r {
        ReferenceOr::Item(item) => item,
        ReferenceOr::Reference { reference } => component_schema(ref_name(reference, "schemas")),
    }
}

fn operation(fact: &OperationFact) -> &'static Operation {
    let item = spec()
        .paths
        .paths
        .get(fact.path)
        .unwrap_or_else(|| panic!("no path {}", fact.path))
        .as_item()
        .unwrap_or_else(|| panic!("path {} is a reference", fact.path));
    let operation = match fact.method {
        "get" => item.get.as_ref(),
        "post" => item.post.as_ref(),
        "delete" => item.delete.as_ref(),
        "put" => item.put.as_ref(),
        other => panic!("method {other} not in the table"),
    };
    operation.unwrap_or_else(|| panic!("no {} {}", fact.method, fact.path))
}

fn fact(operation_id: &str) -> &'static OperationFact {
    OPERATIONS
        .iter()
        .find(|f| f.operation_id == operation_id)
        .unwrap_or_else(|| panic!("no fact for {operation_id}"))
}

/// The parameters of an operation (and of its path item), resolved, keyed by (in, name).
fn parameters(fact: &OperationFact) -> BTreeMap<(&'static str, String), &'static Parameter> {
    let item = spec().paths.paths[fact.path].as_item().expect("path item");
    let mut out = BTreeMap::new();
    for p in item.parameters.iter().chain(&operation(fact).parameters) {
        let p = parameter(p);
        let location = match p {
            Parameter::Query { .. } => "query",
            Parameter::Header { .. } => "header",
            Parameter::Path { .. } => "path",
            Parameter::Cookie { .. } => "cookie",
        };
        out.insert((location, p.parameter_data_ref().name.clone()), p);
    }
    out
}

fn parameter_schema(p: &'static Parameter) -> &'static Schema {
    match &p.parameter_data_ref().format {
        ParameterSchemaOrContent::Schema(s) => schema(s),
        ParameterSchemaOrContent::Content(_) => {
            panic!("{} uses content, not schema", p.parameter_data_ref().name)
        }
    }
}

/// The shape of a property schema, in the notation of [`Props`].
fn shape(s: &ReferenceOr<Box<Schema>>) -> String {
    match s {
        ReferenceOr::Reference { reference } => format!("@{}", ref_name(reference, "schemas")),
        ReferenceOr::Item(item) => match &item.schema_kind {
            SchemaKind::Type(Type::String(_)) => "string".into(),
            SchemaKind::Type(Type::Integer(_)) => "integer".into(),
            SchemaKind::Type(Type::Number(_)) => "number".into(),
            SchemaKind::Type(Type::Boolean(_)) => "boolean".into(),
            SchemaKind::Type(Type::Object(_)) => "object".into(),
            SchemaKind::Type(Type::Array(array)) => format!(
                "[{}]",
                array.items.as_ref().map_or_else(|| "?".into(), shape)
            ),
            other => format!("{other:?}"),
        },
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::Code(code)
}

// ---------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------

#[test]
fn document_parses_as_openapi_3_0() {
    assert_eq!(spec().openapi, "3.0.3", "progenitor reads OpenAPI 3.0 only");
    assert!(!spec().info.title.is_empty());
}

/// The report operations are here with the facts this file lists; the other operations are
/// checked against the official SDK by `openapi/sdk/check.py`, which CI runs.
#[test]
fn holds_the_report_operations_among_all_of_the_official_sdk() {
    let actual: BTreeSet<(String, String, String)> = spec()
        .operations()
        .map(|(path, method, op)| {
            (
                method.to_owned(),
                path.to_owned(),
                op.operation_id.clone().unwrap_or_default(),
            )
        })
        .collect();
    for f in OPERATIONS {
        let fact = (
            f.method.to_owned(),
            f.path.to_owned(),
            f.operation_id.to_owned(),
        );
        assert!(actual.contains(&fact), "{fact:?} is missing");
    }
    assert_eq!(
        actual.len(),
        173,
        "the official SDK 3.1.219 has 173 operations"
    );
}

#[test]
fn create_report_is_the_seed_page() {
    let op = operation(fact("create_report"));
    assert_eq!(
        op.summary.as_deref(),
        Some("Generating a Report Immediately")
    );
    let description = op.description.as_deref().unwrap_or("");
    assert!(
        description.starts_with("Generate a report immediately."),
        "{description}"
    );
}

#[test]
fn path_parameters_have_their_length_constraints() {
    for fact in OPERATIONS {
        let params = parameters(fact);
        let in_path: BTreeSet<&str> = params
            .keys()
            .filter(|(location, _)| *location == "path")
            .map(|(_, name)| name.as_str())
            .collect();
        let expected: BTreeSet<&str> = fact.path_params.iter().map(|(n, _, _)| *n).collect();
        assert_eq!(in_path, expected, "{}: path parameters", fact.operation_id);
        for &(name, min, max) in fact.path_params {
            assert!(
                fact.path.contains(&format!("{{{name}}}")),
                "{}: {name} not in the path template",
                fact.operation_id
            );
            let p = params[&("path", name.to_owned())];
            assert!(p.parameter_data_ref().required, "{name} is required");
            match &parameter_schema(p).schema_kind {
                SchemaKind::Type(Type::String(s)) => {
                    assert_eq!(
                        (s.min_length, s.max_length),
                        (Some(min), Some(max)),
                        "{}: {name} length",
                        fact.operation_id
                    );
                }
                other => panic!("{}: {name} is not a string: {other:?}", fact.operation_id),
            }
        }
    }
}

#[test]
fn path_parameter_descriptions_are_the_seed_ones() {
    let params = parameters(fact("create_report"));
    for (name, must_hold) in [
        (
            "project_id",
            ["Project ID.", "The value contains 32 to 64 characters."],
        ),
        (
            "instance_id",
            ["Instance ID.", "The value contains 32 to 64 characters."],
        ),
    ] {
        let description = params[&("path", name.to_owned())]
            .parameter_data_ref()
            .description
            .as_deref()
            .unwrap_or("");
        for text in must_hold {
            assert!(
                description.contains(text),
                "{name}: {description:?} lacks {text:?}"
            );
        }
    }
}

#[test]
fn every_operation_takes_the_x_auth_token_header() {
    for fact in OPERATIONS {
        let params = parameters(fact);
        let headers: Vec<&String> = params
            .keys()
            .filter(|(location, _)| *location == "header")
            .map(|(_, name)| name)
            .collect();
        assert_eq!(
            headers,
            ["X-Auth-Token"],
            "{}: header parameters",
            fact.operation_id
        );
        let data = params[&("header", "X-Auth-Token".to_owned())].parameter_data_ref();
        let description = data.description.as_deref().unwrap_or("");
        assert!(description.contains("User token."), "{description}");
        assert!(description.contains("X-Subject-Token"), "{description}");
        // The reference says "Mandatory: Yes". The document records that fact as an extension
        // and makes the header optional, because requests signed with AK/SK do not send it.
        assert_eq!(
            data.extensions.get("x-dbss-reference-mandatory"),
            Some(&json!(true)),
            "{}: the reference's Mandatory = Yes is recorded",
            fact.operation_id
        );
        assert!(!data.required, "{}: optional for AK/SK", fact.operation_id);
        assert!(matches!(
            parameter_schema(params[&("header", "X-Auth-Token".to_owned())]).schema_kind,
            SchemaKind::Type(Type::String(_))
        ));
    }
}

#[test]
fn query_parameters_have_their_constraints() {
    let doc = document::json();
    for fact in OPERATIONS {
        let params = parameters(fact);
        let in_query: BTreeSet<&str> = params
            .keys()
            .filter(|(location, _)| *location == "query")
            .map(|(_, name)| name.as_str())
            .collect();
        let expected: BTreeSet<&str> = fact.query.iter().map(|q| q.name).collect();
        assert_eq!(
            in_query, expected,
            "{}: query parameters",
            fact.operation_id
        );

        for q in fact.query {
            let p = params[&("query", q.name.to_owned())];
            assert!(!p.parameter_data_ref().required, "{} is optional", q.name);
            let s = parameter_schema(p);
            assert_eq!(
                s.schema_data.default,
                Some(json!(q.default)),
                "{}: default",
                q.name
            );
            match &s.schema_kind {
                SchemaKind::Type(Type::String(string)) => {
                    let values: Vec<&str> = string
                        .enumeration
                        .iter()
                        .map(|v| v.as_deref().unwrap_or("<null>"))
                        .collect();
                    assert_eq!(values, q.enumeration, "{}: enum", q.name);
                }
                other => panic!("{}: not a string schema: {other:?}", q.name),
            }
            // The constraint itself, by what the schema accepts and refuses.
            let raw = match &p.parameter_data_ref().format {
                ParameterSchemaOrContent::Schema(s) => {
                    serde_json::to_value(s).expect("schema serializes")
                }
                ParameterSchemaOrContent::Content(_) => unreachable!(),
            };
            let validator = json_schema::validator(doc, &raw).expect("converts");
            for value in q.accepted {
                assert!(
                    validator.is_valid(&json!(value)),
                    "{} refuses {value:?}",
                    q.name
                );
            }
            for value in q.refused {
                assert!(
                    !validator.is_valid(&json!(value)),
                    "{} accepts {value:?}",
                    q.name
                );
            }
            assert!(validator.is_valid(&json!(q.default)), "{}: default", q.name);
        }
    }
}

#[test]
fn request_bodies_are_the_named_schemas() {
    for fact in OPERATIONS {
        let op = operation(fact);
        match (fact.body, &op.request_body) {
            (None, None) => {}
            (Some(name), Some(body)) => {
                let body = request_body(body);
                assert!(body.required, "{}: body required", fact.operation_id);
                let media: Vec<&String> = body.content.keys().collect();
                assert_eq!(media, ["application/json"], "{}", fact.operation_id);
                match &body.content["application/json"].schema {
                    Some(ReferenceOr::Reference { reference }) => {
                        assert_eq!(
                            ref_name(reference, "schemas"),
                            name,
                            "{}",
                            fact.operation_id
                        );
                    }
                    other => panic!("{}: body schema {other:?}", fact.operation_id),
                }
            }
            (want, got) => panic!("{}: body {want:?} vs {got:?}", fact.operation_id),
        }
    }
}

#[test]
fn create_report_request_body_is_table_3() {
    let s = component_schema("CreateReportRequest");
    let SchemaKind::Type(Type::Object(object)) = &s.schema_kind else {
        panic!("not an object")
    };
    let required: BTreeSet<&str> = object.required.iter().map(String::as_str).collect();
    assert_eq!(
        required,
        BTreeSet::from(["end_time", "start_time", "template_id"])
    );
    for (name, nullable) in [
        ("db_ids", true),
        ("end_date", false),
        ("end_time", false),
        ("start_date", false),
        ("start_time", false),
        ("template_id", false),
    ] {
        let property = object.properties[name].as_item().expect("inline property");
        assert_eq!(
            property.schema_data.nullable, nullable,
            "{name}: nullable (the seed's example sends db_ids: null)"
        );
    }
}

#[test]
fn list_audit_reports_request_pages() {
    let s = component_schema("ListAuditReportsRequest");
    let SchemaKind::Type(Type::Object(object)) = &s.schema_kind else {
        panic!("not an object")
    };
    for name in ["page", "size"] {
        let SchemaKind::Type(Type::Integer(integer)) = &object.properties[name]
            .as_item()
            .expect("inline")
            .schema_kind
        else {
            panic!("{name} is not an integer")
        };
        assert_eq!(
            integer.minimum,
            Some(1),
            "{name}: pages and sizes start at 1"
        );
    }
}

#[test]
fn report_progress_is_a_percentage() {
    let s = component_schema("ReportBean");
    let SchemaKind::Type(Type::Object(object)) = &s.schema_kind else {
        panic!("not an object")
    };
    let SchemaKind::Type(Type::Integer(percentum)) = &object.properties["percentum"]
        .as_item()
        .expect("inline")
        .schema_kind
    else {
        panic!("percentum is not an integer")
    };
    assert_eq!((percentum.minimum, percentum.maximum), (Some(0), Some(100)));
}

#[test]
fn responses_have_every_status_and_error_statuses_share_dbss_error() {
    for fact in OPERATIONS {
        let op = operation(fact);
        let statuses: BTreeSet<String> = op
            .responses
            .responses
            .keys()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            statuses,
            BTreeSet::from(["200", "400", "401", "403", "500"].map(String::from)),
            "{}: statuses",
            fact.operation_id
        );
        assert!(
            op.responses.default.is_none(),
            "{}: no default",
            fact.operation_id
        );

        let ok = response(&op.responses.responses[&status(200)]);
        if let Some(description) = fact.ok_description {
            assert_eq!(ok.description, description, "{}: 200", fact.operation_id);
        }
        let media: Vec<&String> = ok.content.keys().collect();
        match fact.ok {
            Ok200::Json(name) => {
                assert_eq!(media, ["application/json"], "{}", fact.operation_id);
                match &ok.content["application/json"].schema {
                    Some(ReferenceOr::Reference { reference }) => {
                        assert_eq!(
                            ref_name(reference, "schemas"),
                            name,
                            "{}",
                            fact.operation_id
                        );
                    }
                    other => panic!("{}: 200 schema {other:?}", fact.operation_id),
                }
            }
            Ok200::Binary => {
                assert_eq!(media, ["application/octet-stream"], "{}", fact.operation_id);
                let s = ok.content["application/octet-stream"]
                    .schema
                    .as_ref()
                    .map(schema)
                    .expect("a schema");
                match &s.schema_kind {
                    SchemaKind::Type(Type::String(string)) => assert_eq!(
                        string.format,
                        VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
                    ),
                    other => panic!("{}: binary body {other:?}", fact.operation_id),
                }
            }
        }

        for &(code, description) in ERROR_STATUSES {
            let r = response(&op.responses.responses[&status(code)]);
            assert_eq!(r.description, description, "{} {code}", fact.operation_id);
            let media: Vec<&String> = r.content.keys().collect();
            assert_eq!(media, ["application/json"], "{} {code}", fact.operation_id);
            match &r.content["application/json"].schema {
                Some(ReferenceOr::Reference { reference }) => {
                    assert_eq!(ref_name(reference, "schemas"), "DbssError");
                }
                other => panic!("{} {code}: schema {other:?}", fact.operation_id),
            }
        }
    }
}

#[test]
fn component_schemas_hold_the_reference_properties() {
    for (name, fact) in COMPONENTS {
        let s = component_schema(name);
        match fact {
            ComponentFact::Object {
                props,
                required,
                exact,
            } => {
                let SchemaKind::Type(Type::Object(object)) = &s.schema_kind else {
                    panic!("{name} is not an object schema")
                };
                let actual: BTreeMap<&str, String> = object
                    .properties
                    .iter()
                    .map(|(p, s)| (p.as_str(), shape(s)))
                    .collect();
                for (property, want) in *props {
                    assert_eq!(
                        actual.get(property).map(String::as_str),
                        Some(*want),
                        "{name}.{property}"
                    );
                }
                if *exact {
                    let expected: BTreeSet<&str> = props.iter().map(|(p, _)| *p).collect();
                    let actual: BTreeSet<&str> = actual.keys().copied().collect();
                    assert_eq!(actual, expected, "{name}: properties");
                }
                let actual_required: BTreeSet<&str> =
                    object.required.iter().map(String::as_str).collect();
                let expected_required: BTreeSet<&str> = required.iter().copied().collect();
                assert_eq!(actual_required, expected_required, "{name}: required");
            }
            ComponentFact::Enum(values) => {
                let SchemaKind::Type(Type::String(string)) = &s.schema_kind else {
                    panic!("{name} is not a string schema")
                };
                let actual: Vec<&str> = string
                    .enumeration
                    .iter()
                    .map(|v| v.as_deref().unwrap_or("<null>"))
                    .collect();
                assert_eq!(actual, *values, "{name}: values");
            }
        }
    }
}

/// Every fact names a component of the document (the components of the other operations are
/// checked against the official SDK by `openapi/sdk/check.py`).
#[test]
fn every_component_fact_names_a_component_schema() {
    let in_document: BTreeSet<&str> = components().schemas.keys().map(String::as_str).collect();
    for (name, _) in COMPONENTS {
        assert!(
            in_document.contains(name),
            "{name} has a fact but no schema"
        );
    }
}

#[test]
fn seed_descriptions_are_word_for_word() {
    for (component, property, description) in SEED_PROPERTY_DESCRIPTIONS {
        let SchemaKind::Type(Type::Object(object)) = &component_schema(component).schema_kind
        else {
            panic!("{component} is not an object")
        };
        let actual = match &object.properties[*property] {
            ReferenceOr::Item(s) => s.schema_data.description.clone(),
            ReferenceOr::Reference { .. } => None,
        };
        assert_eq!(
            actual.as_deref(),
            Some(*description),
            "{component}.{property}"
        );
    }
    let result = component_schema("ReportResult")
        .schema_data
        .description
        .as_deref()
        .unwrap_or("");
    assert!(result.contains("Operation Result"), "{result}");
    assert!(result.contains("success: Request succeeded"), "{result}");
    assert!(result.contains("failed: failed"), "{result}");
}

#[test]
fn download_locale_defaults_to_en_us() {
    assert_eq!(
        component_schema("ReportLocale").schema_data.default,
        Some(json!("en-us"))
    );
}

#[test]
fn security_schemes_are_the_iam_token_and_the_aksk_signature() {
    let schemes = &components().security_schemes;
    let names: BTreeSet<&str> = schemes.keys().map(String::as_str).collect();
    assert_eq!(names, BTreeSet::from(["aksk_signature", "iam_token"]));
    match schemes["iam_token"].as_item() {
        Some(SecurityScheme::APIKey { location, name, .. }) => {
            assert!(matches!(location, APIKeyLocation::Header));
            assert_eq!(name, "X-Auth-Token");
        }
        other => panic!("iam_token: {other:?}"),
    }
    match schemes["aksk_signature"].as_item() {
        Some(SecurityScheme::APIKey {
            location,
            description,
            ..
        }) => {
            assert!(matches!(location, APIKeyLocation::Header));
            let description = description.as_deref().unwrap_or("");
            assert!(description.contains("SDK-HMAC-SHA256"), "{description}");
            assert!(description.contains("X-Sdk-Date"), "{description}");
        }
        other => panic!("aksk_signature: {other:?}"),
    }

    // Applied to every operation: either alternative.
    let alternatives = |requirements: &[openapiv3::SecurityRequirement]| -> BTreeSet<String> {
        requirements
            .iter()
            .map(|r| r.keys().cloned().collect::<Vec<_>>().join("+"))
            .collect()
    };
    let expected = BTreeSet::from(["aksk_signature".to_owned(), "iam_token".to_owned()]);
    let global = spec().security.as_deref().unwrap_or(&[]);
    for fact in OPERATIONS {
        let effective = operation(fact).security.as_deref().unwrap_or(global);
        assert_eq!(
            alternatives(effective),
            expected,
            "{}: security",
            fact.operation_id
        );
    }
}

#[test]
fn servers_are_the_regional_endpoints() {
    let servers = &spec().servers;
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].url, "https://dbss.{region}.myhuaweicloud.com");
    let variables = servers[0].variables.as_ref().expect("server variables");
    let names: Vec<&String> = variables.keys().collect();
    assert_eq!(names, ["region"]);
    let region = &variables["region"];
    let actual: BTreeSet<&str> = region.enumeration.iter().map(String::as_str).collect();
    let expected: BTreeSet<&str> = REGIONS.iter().copied().collect();
    assert_eq!(REGIONS.len(), 30);
    assert_eq!(region.enumeration.len(), 30, "no region listed twice");
    assert_eq!(actual, expected);
    assert!(
        actual.contains(region.default.as_str()),
        "default {}",
        region.default
    );
}

#[test]
fn the_seed_examples_are_in_the_document() {
    let op = operation(fact("create_report"));
    let body = request_body(op.request_body.as_ref().expect("body"));
    let request_examples: Vec<Value> = body.content["application/json"]
        .examples
        .values()
        .filter_map(|e| e.as_item().and_then(|e| e.value.clone()))
        .collect();
    let seed_request = json!({
        "template_id": "t8g7LJgBTpKZyZbbeTgS",
        "start_time": "2025-08-20 16:00:00",
        "end_time": "2025-08-21 07:03:31",
        "db_ids": null
    });
    assert!(
        request_examples.contains(&seed_request),
        "the seed's example request is missing: {request_examples:?}"
    );

    let ok = response(&op.responses.responses[&status(200)]);
    let response_examples: Vec<Value> = ok.content["application/json"]
        .examples
        .values()
        .filter_map(|e| e.as_item().and_then(|e| e.value.clone()))
        .collect();
    assert!(
        response_examples.contains(&json!({ "result": "success" })),
        "the seed's example response is missing: {response_examples:?}"
    );
}

#[test]
fn every_ref_resolves() {
    let doc = document::json();
    let refs = document::all_refs(doc);
    assert!(refs.len() > 50, "only {} references?", refs.len());
    for (at, reference) in refs {
        assert!(
            reference.starts_with("#/"),
            "{at}: non-local reference {reference}"
        );
        assert!(
            document::resolve(doc, &reference).is_some(),
            "{at}: {reference} does not resolve"
        );
    }
}

/// Bodies are `$ref`s to named component schemas, and no schema anywhere defines an inline
/// object (progenitor names inline schemas itself, and picks a wrong type when names collide).
#[test]
fn no_inline_object_schemas() {
    fn walk(value: &Value, at: &str, problems: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let here = format!("{at}/{key}");
                    // Examples are data, not schemas.
                    if matches!(key.as_str(), "example" | "examples") {
                        continue;
                    }
                    if key == "schema" && child.get("$ref").is_none() {
                        // An inline schema of a parameter or body: a scalar only.
                        let kind = child.get("type").and_then(Value::as_str);
                        if matches!(kind, Some("object") | Some("array") | None) {
                            problems.push(format!("{here}: inline {kind:?} schema"));
                        }
                    }
                    if key == "properties" || key == "items" {
                        let children: Vec<(&String, &Value)> = if key == "items" {
                            vec![(key, child)]
                        } else {
                            child
                                .as_object()
                                .map(|m| m.iter().collect())
                                .unwrap_or_default()
                        };
                        for (name, schema) in children {
                            // A map (`additionalProperties` only) has no name to give.
                            let object = (schema.get("type").and_then(Value::as_str)
                                == Some("object")
                                && schema.get("additionalProperties").is_none())
                                || schema.get("properties").is_some();
                            if object && schema.get("$ref").is_none() {
                                problems.push(format!("{here}/{name}: inline object schema"));
                            }
                        }
                    }
                    walk(child, &here, problems);
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    walk(child, &format!("{at}/{index}"), problems);
                }
            }
            _ => {}
        }
    }
    let doc = document::json();
    let mut problems = Vec::new();
    walk(&doc["paths"], "/paths", &mut problems);
    walk(&doc["components"], "/components", &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");

    // And every media type of a request or response body names a component schema, except the
    // binary download.
    for fact in OPERATIONS {
        let op = operation(fact);
        for (code, r) in &op.responses.responses {
            for (media, m) in &response(r).content {
                match &m.schema {
                    Some(ReferenceOr::Reference { reference }) => {
                        ref_name(reference, "schemas");
                    }
                    Some(ReferenceOr::Item(_)) if media == "application/octet-stream" => {}
                    other => panic!("{} {code} {media}: {other:?}", fact.operation_id),
                }
            }
        }
    }
}

/// The prepared requests decode an error body as `DbssError` for exactly the statuses the
/// generated code does: those the document lists, which the operation table carries.
#[test]
fn the_operation_table_carries_each_operations_error_statuses() {
    let mut seen = 0;
    for (_, item) in spec().paths.iter() {
        let ReferenceOr::Item(item) = item else {
            panic!("path references are not used");
        };
        for (_, op) in item.iter() {
            let id = op.operation_id.as_deref().unwrap();
            let mut documented: Vec<u16> = op
                .responses
                .responses
                .keys()
                .filter_map(|s| match s {
                    StatusCode::Code(200) => None,
                    StatusCode::Code(code) => Some(*code),
                    StatusCode::Range(_) => panic!("{id}: status ranges are not used"),
                })
                .collect();
            documented.sort_unstable();
            let table = dbss_types::operations::Operation::from_operation_id(id).unwrap();
            assert_eq!(table.info().error_statuses, documented.as_slice(), "{id}");
            assert!(!documented.is_empty(), "{id} lists no error status");
            seen += 1;
        }
    }
    assert_eq!(seen, dbss_types::operations::Operation::ALL.len());
}
