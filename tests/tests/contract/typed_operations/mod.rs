//! Every operation through its typed builder (`client.<operation_id>()`), table-driven from
//! the document: each is called against the mock with AK/SK with every parameter and body of
//! its valid arguments set by its typed setters, its answer decoded as its typed answer, which,
//! encoded again, fits the response schema; one request reaches the mock per operation.
//! The calls are generated (`generated.rs`, by `cargo xtask generate`); this file is the
//! harness.
#![allow(clippy::unwrap_used)]

#[rustfmt::skip]
mod generated;

use dbss_client::operation::Output;
use dbss_client::types::operations::{AnswerKind, Operation};
use dbss_contract_tests::valid_args::{operation_json, valid_args};
use dbss_contract_tests::{document, json_schema, mock_client};
use dbss_mock::MockServer;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The arguments of one call, as JSON, decoded into each setter's own type.
struct Args(Map<String, Value>);

impl Args {
    fn param<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let value = self.0.get(name)?;
        // Path and query values are strings on the wire; a setter may take a number.
        Some(
            serde_json::from_value(value.clone())
                .or_else(|_| serde_json::from_value(Value::String(value.to_string())))
                .unwrap_or_else(|e| panic!("{name} = {value}: {e}")),
        )
    }

    fn body<T: DeserializeOwned>(&self) -> Option<T> {
        let body = self.0.get("body")?;
        Some(serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("body {body}: {e}")))
    }
}

/// What a typed call answered, encoded again for the checks.
struct Called {
    json: Option<Value>,
    bytes: usize,
    request_id: Option<String>,
}

impl Called {
    fn json<T: Serialize>(out: &Output<T>) -> Self {
        Called {
            json: Some(serde_json::to_value(&**out).unwrap()),
            bytes: 0,
            request_id: out.request_id().map(str::to_owned),
        }
    }

    fn bytes(out: &Output<bytes::Bytes>) -> Self {
        Called {
            json: None,
            bytes: out.len(),
            request_id: out.request_id().map(str::to_owned),
        }
    }

    fn empty(out: &Output<()>) -> Self {
        Called {
            json: None,
            bytes: 0,
            request_id: out.request_id().map(str::to_owned),
        }
    }
}

#[tokio::test]
async fn every_typed_builder_is_answered_and_its_typed_answer_fits_the_schema() {
    assert_eq!(Operation::ALL.len(), 173);
    let doc = document::json();
    let mut failures = Vec::new();
    for op in Operation::ALL {
        let mock = MockServer::builder().start().await.unwrap();
        let client = mock_client::without_retries(&mock);
        let args = Args(valid_args(op, &mock));
        match generated::call(&client, op, &args).await {
            Err(e) => failures.push(format!("{op} {:?}: {e}", args.0)),
            Ok(called) => {
                assert!(called.request_id.is_some(), "{op}: no request id");
                match op.info().answer {
                    AnswerKind::Json => {
                        let schema = operation_json(op)
                            .pointer("/responses/200/content/application~1json/schema")
                            .unwrap();
                        let validator = json_schema::validator(doc, schema).unwrap();
                        let json = called.json.unwrap();
                        let errors = json_schema::errors(&validator, &json);
                        if !errors.is_empty() {
                            failures.push(format!("{op}: typed answer off the schema: {errors:?}"));
                        }
                    }
                    AnswerKind::Bytes => assert!(called.bytes > 0, "{op}: an empty file"),
                    _ => assert!(called.json.is_none(), "{op}"),
                }
            }
        }
        assert_eq!(mock.requests(op), 1, "{op}: one request, no retry");
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
