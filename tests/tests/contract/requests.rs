//! What the generated client sends, for many randomized valid inputs, is what the document says.
//!
//! Each test starts a loopback capture server, points the generated client
//! (`dbss_client::raw::Client`, unauthenticated) at it, drives one operation with proptest
//! inputs and checks the recorded request:
//!
//! - method, and the path against the template, with every parameter percent-encoded so that
//!   decoding it gives back the input exactly (no parameter can add or remove a segment);
//! - the query string: the parameters set, and only those, each valid for its schema;
//! - the JSON body validates against the request schema, decodes back to the input, and
//!   omits unset optional fields (never `"start_date": null`: an unset `db_ids` is omitted too,
//!   and `db_ids` being `Option<String>`, an explicit `null` cannot be sent at all);
//! - headers: no `api-version`; `Content-Type: application/json` exactly when there is a body;
//!   one `User-Agent` starting with `dbss-rs/`; `X-Auth-Token` exactly when set; nothing the
//!   official SDK would not send.
//!
//! `PROPTEST_CASES` changes the number of cases (default 64 per operation).

use std::collections::BTreeMap;

use dbss_contract_tests::capture::{CaptureServer, Captured, Reply};
use dbss_contract_tests::wire::{match_path, parse_query, raw_client, runtime};
use dbss_contract_tests::{document, json_schema};
use dbss_types::{CreateReportRequest, ListAuditReportsRequest, ReportLocale};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------------------------

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(64);
    Config {
        cases,
        // No regression files in the source tree; a failure prints its minimal input.
        failure_persistence: None,
        ..Config::default()
    }
}

fn regex(pattern: &str) -> BoxedStrategy<String> {
    proptest::string::string_regex(pattern)
        .expect("a valid regex")
        .boxed()
}

/// An identifier of `min..=max` characters: realistic ones (hex, alphanumeric) and any
/// printable text, with the characters a path must encode (`/ ? # % space \`, non-ASCII) likely.
fn identifier(min: usize, max: usize) -> BoxedStrategy<String> {
    prop_oneof![
        regex(&format!("[0-9a-f]{{{min},{max}}}")),
        regex(&format!("[A-Za-z0-9_-]{{{min},{max}}}")),
        regex(&format!("[ -~]{{{min},{max}}}")),
        regex(&format!("[/?#% .;=&+\\\\中é😀a-z]{{{min},{max}}}")),
        regex(&format!("\\PC{{{min},{max}}}")),
    ]
    .boxed()
}

fn project_id() -> BoxedStrategy<String> {
    identifier(32, 64)
}

fn instance_id() -> BoxedStrategy<String> {
    identifier(32, 64)
}

fn report_id() -> BoxedStrategy<String> {
    identifier(16, 64)
}

/// An optional IAM token (header values are visible ASCII).
fn token() -> BoxedStrategy<Option<String>> {
    proptest::option::of(regex("[!-~]{1,300}")).boxed()
}

/// Text for a body field: report-time-like text or anything at all.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        regex("20[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]"),
        any::<String>(),
    ]
    .boxed()
}

fn create_report_body() -> impl Strategy<Value = CreateReportRequest> {
    (
        text(),
        text(),
        text(),
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(regex("[0-9a-f]{8,32}(,[0-9a-f]{8,32}){0,3}")),
    )
        .prop_map(
            |(template_id, start_time, end_time, start_date, end_date, db_ids)| {
                CreateReportRequest {
                    db_ids,
                    end_date,
                    end_time,
                    start_date,
                    start_time,
                    template_id,
                }
            },
        )
}

fn list_reports_body() -> impl Strategy<Value = ListAuditReportsRequest> {
    (
        proptest::option::of(any::<String>()),
        1..=i32::MAX.unsigned_abs(),
        1u32..=100,
    )
        .prop_map(|(name, page, size)| ListAuditReportsRequest {
            name,
            page: page.try_into().expect("page ≥ 1"),
            size: size.try_into().expect("size ≥ 1"),
        })
}

// ---------------------------------------------------------------------------------------------
// Checks.
// ---------------------------------------------------------------------------------------------

/// The headers a request of this client may carry. The official SDK sends these (and its
/// signing headers, which an unauthenticated client does not add).
const ALLOWED_HEADERS: &[&str] = &[
    "host",
    "user-agent",
    "accept",
    "content-type",
    "content-length",
    "x-auth-token",
    "x-project-id",
];

/// What one request should look like.
struct Expect<'a> {
    method: &'a str,
    template: &'a str,
    path_params: BTreeMap<String, String>,
    query: Vec<(String, String)>,
    token: Option<&'a str>,
    /// The body's component schema and the exact JSON it must be.
    body: Option<(&'a jsonschema::Validator, Value)>,
    accept_json: bool,
}

fn check(captured: &Captured, expect: &Expect<'_>) {
    assert_eq!(captured.method.as_str(), expect.method);

    let decoded = match_path(expect.template, &captured.path)
        .unwrap_or_else(|e| panic!("path {:?}: {e}", captured.path));
    assert_eq!(
        decoded, expect.path_params,
        "path parameters do not round-trip through {:?}",
        captured.path
    );

    let mut query = parse_query(captured.query.as_deref());
    query.sort();
    let mut expected_query = expect.query.clone();
    expected_query.sort();
    assert_eq!(query, expected_query, "query {:?}", captured.query);

    for name in captured.headers.keys() {
        assert!(
            ALLOWED_HEADERS.contains(&name.as_str()),
            "unexpected header {name}: {:?}",
            captured.header_all(name.as_str())
        );
    }
    assert!(captured.header_all("api-version").is_empty());
    let user_agent = captured.header("user-agent").expect("a User-Agent");
    assert!(
        user_agent.starts_with("dbss-rs/"),
        "User-Agent {user_agent:?}"
    );
    assert_eq!(captured.header("x-auth-token"), expect.token);
    if let Some(project) = captured.header("x-project-id") {
        assert_eq!(
            Some(project),
            expect.path_params.get("project_id").map(String::as_str)
        );
    }
    if expect.accept_json {
        assert_eq!(captured.header("accept"), Some("application/json"));
    }

    match &expect.body {
        Some((validator, expected)) => {
            assert_eq!(captured.header("content-type"), Some("application/json"));
            let body = captured.json();
            let errors = json_schema::errors(validator, &body);
            assert!(errors.is_empty(), "body {body} is invalid: {errors:?}");
            assert_no_null(&body, "");
            assert_eq!(&body, expected, "body");
        }
        None => {
            assert_eq!(captured.header("content-type"), None);
            assert!(
                captured.body.is_empty(),
                "unexpected body {:?}",
                captured.body
            );
        }
    }
}

/// Unset optional fields are omitted, not sent as `null`.
fn assert_no_null(value: &Value, at: &str) {
    match value {
        Value::Null => panic!("null at {at:?}: unset fields must be omitted"),
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| assert_no_null(v, &format!("{at}/{k}"))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| assert_no_null(v, &format!("{at}/{i}"))),
        _ => {}
    }
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The schema of a query parameter of the document, as a validator.
fn query_validator(path: &str, method: &str, name: &str) -> jsonschema::Validator {
    let doc = document::json();
    let parameters = doc["paths"][path][method]["parameters"]
        .as_array()
        .expect("parameters");
    let parameter = parameters
        .iter()
        .filter_map(|p| document::deref(doc, p))
        .find(|p| p["name"] == name && p["in"] == "query")
        .unwrap_or_else(|| panic!("{method} {path}: no query parameter {name}"));
    json_schema::validator(doc, &parameter["schema"]).expect("converts")
}

fn run<S: Strategy>(strategy: S, test: impl Fn(S::Value)) {
    let mut runner = TestRunner::new(config());
    runner
        .run(&strategy, |value| {
            test(value);
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
}

// ---------------------------------------------------------------------------------------------
// One test per operation.
// ---------------------------------------------------------------------------------------------

#[test]
fn create_report_requests() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    server.reply_with(Reply::json(200, &json!({ "result": "success" })));
    let client = raw_client(server.base_url());
    let schema = json_schema::component("CreateReportRequest");

    run(
        (project_id(), instance_id(), token(), create_report_body()),
        |(project, instance, token, body)| {
            let mut builder = client
                .create_report()
                .project_id(project.as_str())
                .instance_id(instance.as_str())
                .body(body.clone());
            if let Some(token) = &token {
                builder = builder.x_auth_token(token.as_str());
            }
            let result = rt.block_on(builder.send());
            assert!(result.is_ok(), "{result:?}");

            let mut expected = Map::new();
            expected.insert("template_id".into(), json!(body.template_id));
            expected.insert("start_time".into(), json!(body.start_time));
            expected.insert("end_time".into(), json!(body.end_time));
            for (name, value) in [
                ("start_date", &body.start_date),
                ("end_date", &body.end_date),
                ("db_ids", &body.db_ids),
            ] {
                if let Some(value) = value {
                    expected.insert(name.into(), json!(value));
                }
            }

            let captured = server.take_one();
            check(
                &captured,
                &Expect {
                    method: "POST",
                    template: "/v1/{project_id}/audit/{instance_id}/reports/create",
                    path_params: params(&[("project_id", &project), ("instance_id", &instance)]),
                    query: vec![],
                    token: token.as_deref(),
                    body: Some((&schema, Value::Object(expected))),
                    accept_json: true,
                },
            );
            let decoded: CreateReportRequest =
                serde_json::from_slice(&captured.body).expect("the body decodes");
            assert_eq!(decoded, body);
        },
    );
}

#[test]
fn list_audit_report_templates_requests() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());

    run(
        (project_id(), instance_id(), token()),
        |(project, instance, token)| {
            let mut builder = client
                .list_audit_report_templates()
                .project_id(project.as_str())
                .instance_id(instance.as_str());
            if let Some(token) = &token {
                builder = builder.x_auth_token(token.as_str());
            }
            let result = rt.block_on(builder.send());
            assert!(result.is_ok(), "{result:?}");
            check(
                &server.take_one(),
                &Expect {
                    method: "GET",
                    template: "/v2/{project_id}/audit/{instance_id}/reports/templates",
                    path_params: params(&[("project_id", &project), ("instance_id", &instance)]),
                    query: vec![],
                    token: token.as_deref(),
                    body: None,
                    accept_json: true,
                },
            );
        },
    );
}

#[test]
fn list_audit_reports_requests() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    let schema = json_schema::component("ListAuditReportsRequest");

    run(
        (project_id(), instance_id(), token(), list_reports_body()),
        |(project, instance, token, body)| {
            let mut builder = client
                .list_audit_reports()
                .project_id(project.as_str())
                .instance_id(instance.as_str())
                .body(body.clone());
            if let Some(token) = &token {
                builder = builder.x_auth_token(token.as_str());
            }
            let result = rt.block_on(builder.send());
            assert!(result.is_ok(), "{result:?}");

            let mut expected = Map::new();
            if let Some(name) = &body.name {
                expected.insert("name".into(), json!(name));
            }
            expected.insert("page".into(), json!(body.page.get()));
            expected.insert("size".into(), json!(body.size.get()));

            let captured = server.take_one();
            check(
                &captured,
                &Expect {
                    method: "POST",
                    template: "/v1/{project_id}/audit/{instance_id}/reports/list",
                    path_params: params(&[("project_id", &project), ("instance_id", &instance)]),
                    query: vec![],
                    token: token.as_deref(),
                    body: Some((&schema, Value::Object(expected))),
                    accept_json: true,
                },
            );
            let decoded: ListAuditReportsRequest =
                serde_json::from_slice(&captured.body).expect("the body decodes");
            assert_eq!(decoded, body);
        },
    );
}

#[test]
fn download_audit_report_requests() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    server.reply_with(Reply::bytes(200, b"%PDF-1.7".to_vec()));
    let client = raw_client(server.base_url());
    let local_schema = query_validator(
        "/v1/{project_id}/audit/{instance_id}/reports/{id}/download",
        "get",
        "local",
    );
    let locale = proptest::option::of(prop_oneof![
        Just(ReportLocale::EnUs),
        Just(ReportLocale::ZhCn)
    ]);

    run(
        (project_id(), instance_id(), report_id(), locale, token()),
        |(project, instance, id, local, token)| {
            let mut builder = client
                .download_audit_report()
                .project_id(project.as_str())
                .instance_id(instance.as_str())
                .id(id.as_str());
            if let Some(local) = local {
                builder = builder.local(local);
            }
            if let Some(token) = &token {
                builder = builder.x_auth_token(token.as_str());
            }
            let result = rt.block_on(builder.send());
            assert!(result.is_ok(), "{:?}", result.err());

            let query: Vec<(String, String)> = local
                .map(|local| ("local".to_owned(), local.to_string()))
                .into_iter()
                .collect();
            for (_, value) in &query {
                assert!(local_schema.is_valid(&json!(value)), "local={value}");
            }
            check(
                &server.take_one(),
                &Expect {
                    method: "GET",
                    template: "/v1/{project_id}/audit/{instance_id}/reports/{id}/download",
                    path_params: params(&[
                        ("project_id", &project),
                        ("instance_id", &instance),
                        ("id", &id),
                    ]),
                    query,
                    token: token.as_deref(),
                    body: None,
                    accept_json: false,
                },
            );
        },
    );
}

#[test]
fn delete_audit_report_requests() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    server.reply_with(Reply::json(200, &json!({ "status": "SUCCESS" })));
    let client = raw_client(server.base_url());

    run(
        (project_id(), instance_id(), report_id(), token()),
        |(project, instance, id, token)| {
            let mut builder = client
                .delete_audit_report()
                .project_id(project.as_str())
                .instance_id(instance.as_str())
                .id(id.as_str());
            if let Some(token) = &token {
                builder = builder.x_auth_token(token.as_str());
            }
            let result = rt.block_on(builder.send());
            assert!(result.is_ok(), "{result:?}");
            check(
                &server.take_one(),
                &Expect {
                    method: "DELETE",
                    template: "/v1/{project_id}/audit/{instance_id}/reports/{id}",
                    path_params: params(&[
                        ("project_id", &project),
                        ("instance_id", &instance),
                        ("id", &id),
                    ]),
                    query: vec![],
                    token: token.as_deref(),
                    body: None,
                    accept_json: true,
                },
            );
        },
    );
}

#[test]
fn list_audit_instances_requests() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    let path = "/v2/{project_id}/audit/instances";
    let offset_schema = query_validator(path, "get", "offset");
    let limit_schema = query_validator(path, "get", "limit");
    let limit = proptest::option::of((1u32..=1000).prop_map(|n| n.to_string()));
    let offset = proptest::option::of(prop_oneof![
        (0u32..=100).prop_map(|n| n.to_string()),
        (0u32..=999_999_999).prop_map(|n| n.to_string()),
    ]);

    run(
        (project_id(), limit, offset, token()),
        |(project, limit, offset, token)| {
            let mut builder = client
                .list_audit_instances_last()
                .project_id(project.as_str());
            if let Some(limit) = &limit {
                builder = builder.limit(limit.as_str());
            }
            if let Some(offset) = &offset {
                builder = builder.offset(offset.as_str());
            }
            if let Some(token) = &token {
                builder = builder.x_auth_token(token.as_str());
            }
            let result = rt.block_on(builder.send());
            assert!(result.is_ok(), "{result:?}");

            let mut query = Vec::new();
            if let Some(limit) = &limit {
                assert!(limit_schema.is_valid(&json!(limit)), "limit={limit}");
                query.push(("limit".to_owned(), limit.clone()));
            }
            if let Some(offset) = &offset {
                assert!(offset_schema.is_valid(&json!(offset)), "offset={offset}");
                query.push(("offset".to_owned(), offset.clone()));
            }
            check(
                &server.take_one(),
                &Expect {
                    method: "GET",
                    template: path,
                    path_params: params(&[("project_id", &project)]),
                    query,
                    token: token.as_deref(),
                    body: None,
                    accept_json: true,
                },
            );
        },
    );
}

/// Values the document refuses are refused before anything is sent.
#[test]
fn invalid_parameters_are_refused_before_sending() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    let good = "0123456789abcdef0123456789abcdef";
    let body = CreateReportRequest {
        db_ids: None,
        end_date: None,
        end_time: "2025-08-21 07:03:31".into(),
        start_date: None,
        start_time: "2025-08-20 16:00:00".into(),
        template_id: "t8g7LJgBTpKZyZbbeTgS".into(),
    };
    for (project, instance) in [
        (&good[..31], good),
        (good, &good[..31]),
        (&*"a".repeat(65), good),
        (good, &*"é".repeat(65)),
    ] {
        let result = rt.block_on(
            client
                .create_report()
                .project_id(project)
                .instance_id(instance)
                .body(body.clone())
                .send(),
        );
        assert!(
            matches!(result, Err(progenitor_client::Error::InvalidRequest(_))),
            "{project:?}/{instance:?}: {result:?}"
        );
    }
    for id in ["0123456789abcde", &"x".repeat(65)] {
        let result = rt.block_on(
            client
                .delete_audit_report()
                .project_id(good)
                .instance_id(good)
                .id(id)
                .send(),
        );
        assert!(
            matches!(result, Err(progenitor_client::Error::InvalidRequest(_))),
            "id {id:?}: {result:?}"
        );
    }
    for (limit, offset) in [
        ("0", "0"),
        ("1001", "0"),
        ("01", "0"),
        ("10", "-1"),
        ("10", "x"),
    ] {
        let result = rt.block_on(
            client
                .list_audit_instances_last()
                .project_id(good)
                .limit(limit)
                .offset(offset)
                .send(),
        );
        assert!(
            matches!(result, Err(progenitor_client::Error::InvalidRequest(_))),
            "limit {limit:?} offset {offset:?}: {result:?}"
        );
    }
    assert!(
        server.take().is_empty(),
        "an invalid request reached the server"
    );
}

/// Sends one create-report request with these path parameters and returns the raw path.
fn create_report_path(
    rt: &tokio::runtime::Runtime,
    server: &CaptureServer,
    client: &dbss_client::raw::Client,
    project: &str,
    instance: &str,
) -> String {
    let body = CreateReportRequest {
        db_ids: None,
        end_date: None,
        end_time: "2025-08-21 07:03:31".into(),
        start_date: None,
        start_time: "2025-08-20 16:00:00".into(),
        template_id: "t8g7LJgBTpKZyZbbeTgS".into(),
    };
    let result = rt.block_on(
        client
            .create_report()
            .project_id(project)
            .instance_id(instance)
            .body(body)
            .send(),
    );
    assert!(result.is_ok(), "{result:?}");
    server.take_one().path
}

/// progenitor's own `encode_path` does not encode `\`, and the URL parser (WHATWG, as
/// `reqwest`/`url` implement it) turns `\` into `/` in `http(s)` URLs; the generated client
/// uses the official SDK's encoding instead (xtask `use_official_path_encoding`), so a path
/// parameter holding `\` stays one segment.
#[test]
fn backslash_in_a_path_parameter_round_trips() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    let project = "0123456789abcdef\\0123456789abcdef";
    let instance = "0123456789abcdef0123456789abcdef";
    let path = create_report_path(&rt, &server, &client, project, instance);
    let decoded = match_path("/v1/{project_id}/audit/{instance_id}/reports/create", &path)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decoded["project_id"], project);
}

/// The official SDK encodes path parameters with `quote(value, safe='')` (all but
/// `A-Z a-z 0-9 - . _ ~`); progenitor's own encoder leaves the RFC 3986 sub-delimiters, `:`,
/// `@`, `|`, `^`, `[`, `]` and `\` raw, so the generated client uses the official encoding.
#[test]
fn path_parameters_are_encoded_like_the_official_sdk() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    let instance = "0123456789abcdef0123456789abcdef";
    run(regex("[ -~]{32,64}"), |project| {
        let path = create_report_path(&rt, &server, &client, &project, instance);
        let expected = format!(
            "/v1/{}/audit/{instance}/reports/create",
            dbss_contract_tests::wire::official_sdk_encode(&project)
        );
        assert_eq!(path, expected, "project id {project:?}");
    });
}

/// Ids of the character set the service issues are encoded byte for byte as the official SDK
/// encodes them (that is, not at all).
#[test]
fn path_parameters_of_real_ids_are_encoded_like_the_official_sdk() {
    let rt = runtime();
    let server = rt.block_on(CaptureServer::start()).expect("capture server");
    let client = raw_client(server.base_url());
    run(
        (
            regex("[A-Za-z0-9_.~-]{32,64}"),
            regex("[A-Za-z0-9_-]{32,64}"),
        ),
        |(project, instance)| {
            let path = create_report_path(&rt, &server, &client, &project, &instance);
            let expected = format!(
                "/v1/{}/audit/{}/reports/create",
                dbss_contract_tests::wire::official_sdk_encode(&project),
                dbss_contract_tests::wire::official_sdk_encode(&instance)
            );
            assert_eq!(path, expected);
        },
    );
}
