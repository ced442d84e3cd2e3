//! Every operation of the document, table-driven from the document: each is called through the
//! generated client (`DbssClient::api`, the executor over the generated builders) against the
//! mock with AK/SK, its answer decoded and checked against the response schema; then a bad
//! input of each kind the operation can be given (a missing required field, a wrong type, a
//! string too long, a value not in an enum) is refused with a validation error naming the
//! field, and the mock's counter of the operation shows nothing was sent. Every query parameter
//! of the document is sent, with a value its schema accepts, and the mock accepts it.
#![allow(clippy::unwrap_used)]

use dbss_client::types::operations::{AnswerKind, Operation, ParamLocation};
use dbss_client::{DbssClient, Error, RetryPolicy};
use dbss_contract_tests::json_schema;
use dbss_contract_tests::valid_args::{body_schema, operation_json, param_schema, valid_args};
use dbss_contract_tests::{document, mock_client};
use dbss_mock::MockServer;
use serde_json::{Map, Value, json};

fn client(mock: &MockServer) -> DbssClient {
    mock_client::without_retries(mock)
}

#[tokio::test]
async fn every_operation_is_answered_and_its_answer_decodes_and_fits_the_schema() {
    assert_eq!(Operation::ALL.len(), 173);
    let doc = document::json();
    let mut failures = Vec::new();
    for op in Operation::ALL {
        let mock = MockServer::builder().start().await.unwrap();
        let client = client(&mock);
        let args = valid_args(op, &mock);
        let result = client.api(op).args(args.clone()).send().await;
        match result {
            Err(e) => failures.push(format!("{op} {args:?}: {e}")),
            Ok(answer) => {
                assert_eq!(answer.operation, op);
                assert!(answer.request_id.is_some(), "{op}: no request id");
                match op.info().answer {
                    AnswerKind::Json => {
                        let schema = operation_json(op)
                            .pointer("/responses/200/content/application~1json/schema")
                            .unwrap();
                        let validator = json_schema::validator(doc, schema).unwrap();
                        let errors = json_schema::errors(&validator, answer.json());
                        if !errors.is_empty() {
                            failures.push(format!("{op}: answer off the schema: {errors:?}"));
                        }
                        if answer.json().as_object().is_some_and(|m| m.is_empty()) {
                            failures.push(format!("{op}: an empty answer proves little"));
                        }
                    }
                    AnswerKind::Bytes => {
                        assert!(
                            matches!(answer.answer, dbss_client::api::Answer::Bytes(ref b) if !b.is_empty()),
                            "{op}"
                        )
                    }
                    _ => assert_eq!(answer.answer, dbss_client::api::Answer::Empty, "{op}"),
                }
            }
        }
        assert_eq!(mock.requests(op), 1, "{op}: one request, no retry");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A value the schema of query parameter `name` of `op` accepts: its example, its default,
/// the first value of its enum, a string matching its pattern, or one made from the schema
/// (the lowest bound of a number); asserted to fit the schema.
fn query_value(op: Operation, name: &str) -> Value {
    let doc = document::json();
    let declared = param_schema(op, name);
    let schema = document::deref(doc, &declared).unwrap();
    let value = if let Some(v) = schema.get("example").or_else(|| schema.get("default")) {
        v.clone()
    } else if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
        use proptest::strategy::{Strategy, ValueTree};
        // proptest generates from a regex without anchors; the schema check below still
        // holds the string to the anchored pattern.
        let unanchored = pattern.trim_start_matches('^').trim_end_matches('$');
        let strategy = proptest::string::string_regex(unanchored).unwrap();
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        json!(strategy.new_tree(&mut runner).unwrap().current())
    } else {
        dbss_mock::synth::value_of(doc, schema, 0).unwrap()
    };
    let validator = json_schema::validator(doc, &declared).unwrap();
    let errors = json_schema::errors(&validator, &value);
    assert!(errors.is_empty(), "{op} {name}={value}: {errors:?}");
    value
}

/// How `value` appears in a query: one pair per item of an array (the official SDK's
/// serialisation of a list), numbers and booleans as JSON writes them.
fn query_strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().flat_map(query_strings).collect(),
        Value::String(s) => vec![s.clone()],
        other => vec![other.to_string()],
    }
}

#[tokio::test]
async fn every_query_parameter_is_sent_as_its_schema_types_it_and_the_mock_accepts_it() {
    use dbss_contract_tests::capture::{CaptureServer, Reply};
    use dbss_contract_tests::wire::parse_query;

    let mock = MockServer::builder().start().await.unwrap();
    let client = client(&mock);
    // The same calls to a server that records them: the parameters are on the wire.
    let capture = CaptureServer::start().await.unwrap();
    capture.reply_with(Reply::json(200, &json!({})));
    let to_capture = DbssClient::builder()
        .env(std::sync::Arc::new(|_: &str| None))
        .endpoint(capture.base_url())
        .project_id(mock.project_id())
        .credentials(dbss_client::Credentials::ak_sk(mock.ak(), mock.sk()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let mut failures = Vec::new();
    let mut sent = std::collections::BTreeMap::<String, usize>::new();
    for op in Operation::ALL {
        let query: Vec<&str> = op
            .info()
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Query)
            .map(|p| p.name)
            .collect();
        if query.is_empty() {
            continue;
        }
        let mut args = valid_args(op, &mock);
        // What addresses the mock's state (an existing database id, say) stays as it is.
        let existing = mock.valid_values(op);
        for name in &query {
            if !existing.contains_key(*name) {
                args.insert((*name).to_owned(), query_value(op, name));
            }
        }

        let before = mock.requests(op);
        if let Err(e) = client.api(op).args(args.clone()).send().await {
            failures.push(format!("{op} {args:?}: {e}"));
        }
        assert_eq!(mock.requests(op), before + 1, "{op}: one request, no retry");

        // The capture server's `{}` may not decode as the answer: only the request matters.
        let _ = to_capture.api(op).args(args.clone()).send().await;
        let captured = capture.take_one();
        let pairs = parse_query(captured.query.as_deref());
        for name in &query {
            let on_wire: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .collect();
            let expected = query_strings(&args[*name]);
            if on_wire != expected {
                failures.push(format!(
                    "{op}: {name} sent as {on_wire:?}, not {expected:?} (query {:?})",
                    captured.query
                ));
            }
            let schema = param_schema(op, name);
            let schema = document::deref(document::json(), &schema).unwrap();
            let kind = schema
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("string");
            *sent.entry(kind.to_owned()).or_default() += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The document's typed query parameters were among them (list_whitelists' offset and
    // limit, list_ecs_specification_new's image_business_type, list_domain_all_resource's
    // limit, list_audit_rule_risks_new's support_db_classify_rule): this test cannot pass by
    // sending strings only.
    assert!(sent.get("integer").copied().unwrap_or(0) >= 4, "{sent:?}");
    assert!(sent.get("boolean").copied().unwrap_or(0) >= 1, "{sent:?}");
    assert!(sent.get("string").copied().unwrap_or(0) >= 10, "{sent:?}");
}

/// A kind of bad input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bad {
    MissingRequired,
    WrongType,
    TooLong,
    NotInEnum,
}

/// Where a bad input goes: a parameter, or a top-level property of the body.
#[derive(Debug, Clone)]
enum Target {
    Param(String),
    Body(String),
}

/// The first field of `op` that can be given the bad input, and the refused arguments.
fn bad_args(
    op: Operation,
    bad: Bad,
    valid: &Map<String, Value>,
) -> Option<(Target, Map<String, Value>)> {
    let doc = document::json();
    let too_long = |schema: &Value| {
        schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|max| json!("x".repeat(max as usize + 1)))
    };
    let not_in_enum = |schema: &Value| schema.get("enum").map(|_| json!("NOT_A_DOCUMENTED_VALUE"));
    let wrong_type = |schema: &Value| match schema.get("type").and_then(Value::as_str) {
        Some("string" | "integer" | "number" | "boolean") => Some(json!({"an": "object"})),
        _ => None,
    };
    let make = |schema: &Value| match bad {
        Bad::TooLong => too_long(schema),
        Bad::NotInEnum => not_in_enum(schema),
        Bad::WrongType => wrong_type(schema),
        Bad::MissingRequired => None,
    };
    // Parameters (path values come from the shell as strings: no wrong type there).
    for p in op.info().params {
        if p.location == ParamLocation::Header || p.name == "project_id" {
            continue;
        }
        let mut args = valid.clone();
        let changed = match bad {
            Bad::MissingRequired if p.required => args.remove(p.name).map(|_| ()),
            Bad::WrongType if p.location == ParamLocation::Path => None,
            _ => make(&param_schema(op, p.name)).map(|v| {
                args.insert(p.name.to_owned(), v);
            }),
        };
        if changed.is_some() {
            return Some((Target::Param(p.name.to_owned()), args));
        }
    }
    let body = body_schema(op)?;
    let props = body.get("properties")?.as_object()?;
    let required: Vec<&str> = body
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, schema) in props {
        let schema = document::deref(doc, schema).unwrap_or(schema);
        let schema = schema
            .get("allOf")
            .and_then(|a| a.get(0))
            .and_then(|s| document::deref(doc, s))
            .unwrap_or(schema);
        let mut args = valid.clone();
        let body = args.get_mut("body")?.as_object_mut()?;
        let changed = match bad {
            Bad::MissingRequired if required.contains(&name.as_str()) => {
                body.remove(name).map(|_| ())
            }
            Bad::MissingRequired => None,
            _ => make(schema).map(|v| {
                body.insert(name.clone(), v);
            }),
        };
        if changed.is_some() {
            return Some((Target::Body(name.clone()), args));
        }
    }
    None
}

#[tokio::test]
async fn bad_input_of_every_kind_is_refused_before_sending_for_every_operation() {
    let mock = MockServer::builder().start().await.unwrap();
    let client = client(&mock);
    let mut exercised = std::collections::BTreeMap::<&str, usize>::new();
    for op in Operation::ALL {
        let valid = valid_args(op, &mock);
        for bad in [
            Bad::MissingRequired,
            Bad::WrongType,
            Bad::TooLong,
            Bad::NotInEnum,
        ] {
            let Some((target, args)) = bad_args(op, bad, &valid) else {
                continue;
            };
            *exercised.entry(format!("{bad:?}").leak()).or_default() += 1;
            let err = client.api(op).args(args).send().await.unwrap_err();
            let Error::Validation(v) = &err else {
                panic!("{op} {bad:?} {target:?}: not a validation error: {err}")
            };
            let line = err.to_string();
            match &target {
                Target::Param(name) => assert_eq!(v.field, name, "{op} {bad:?}: {line}"),
                Target::Body(name) => {
                    assert_eq!(v.field, "body", "{op} {bad:?}: {line}");
                    assert!(line.contains(name.as_str()), "{op} {bad:?} {name}: {line}");
                }
            }
        }
    }
    for op in Operation::ALL {
        assert_eq!(mock.requests(op), 0, "{op}: bad input reached the server");
    }
    // Each kind is exercised on many operations, so that this test cannot pass by finding
    // nothing to break.
    for kind in ["MissingRequired", "WrongType", "TooLong", "NotInEnum"] {
        let n = exercised.get(kind).copied().unwrap_or(0);
        assert!(
            n >= 10,
            "{kind} exercised on only {n} operations: {exercised:?}"
        );
    }
}

#[tokio::test]
async fn a_post_that_may_have_been_sent_is_not_repeated_and_a_get_is() {
    use dbss_mock::Fault;
    let mock = MockServer::builder().start().await.unwrap();
    let client = mock_client::aksk(&mock)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_backoff(std::time::Duration::ZERO, std::time::Duration::ZERO),
        )
        .build()
        .unwrap();
    let post = Operation::AddAuditAgentNew;
    let get = Operation::ShowAuditQuotaNew;
    assert_eq!((post.method(), get.method()), ("POST", "GET"));
    for op in [post, get] {
        mock.inject(Fault::status(500).times(1).only(op));
        let result = client.api(op).args(valid_args(op, &mock)).send().await;
        if op == post {
            let err = result.unwrap_err();
            assert!(
                matches!(&err, Error::Service(e) if e.status == 500),
                "{err}"
            );
            assert_eq!(mock.requests(op), 1, "the POST was repeated");
        } else {
            result.unwrap();
            assert_eq!(mock.requests(op), 2, "the GET was not retried");
        }
    }
}
