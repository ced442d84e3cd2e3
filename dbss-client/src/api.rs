//! Every operation of the DBSS API by name, with JSON arguments: what `dbss api` and the contract
//! tests use, and what a program uses for an operation that has no ergonomic wrapper.
//!
//! The arguments are decoded into the generated builder's own types before anything is sent
//! (`generated_dispatch.rs`), so a value the document refuses (missing, wrong type, too long,
//! not one of the enum's values) is a [`ValidationError`] naming the field, and the request goes
//! through the same executor as the wrappers: authentication, retries by idempotency (a `POST`
//! is never repeated once it may have been sent, unless the policy opts in), timeouts, typed
//! errors and tracing.
//!
//! ```no_run
//! # async fn demo(client: &dbss_client::DbssClient) -> Result<(), dbss_client::Error> {
//! use dbss_client::types::operations::Operation;
//! use serde_json::json;
//!
//! let answer = client
//!     .api(Operation::ShowAuditQuota)
//!     .send()
//!     .await?;
//! println!("{}", answer.json());
//! let sqls = client
//!     .api(Operation::ListAuditSqlsNew)
//!     .arg("instance_id", "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7")
//!     .body(json!({"time": {"time_range": "HALF_HOUR"}, "page": 1, "size": 10, "time_order": "DESC"}))
//!     .send()
//!     .await?;
//! # let _ = sqls; Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use dbss_types::DbssError;
use dbss_types::operations::{AnswerKind, Operation};
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::client::DbssClient;
use crate::error::Error;
use crate::execute;
use crate::retry::{Idempotency, RetryPolicy};
use crate::validate::{Rule, ValidationError};

/// One attempt of a dynamically dispatched operation.
pub(crate) type Attempt<'a> = Pin<
    Box<
        dyn Future<Output = Result<ResponseValue<Answer>, progenitor_client::Error<DbssError>>>
            + Send
            + 'a,
    >,
>;

/// The answer of an operation called with [`DbssClient::api`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Answer {
    /// A JSON answer, decoded into the operation's generated type and encoded again: what the
    /// client understood, not the raw bytes.
    Json(Value),
    /// A file.
    Bytes(Bytes),
    /// No body.
    Empty,
}

impl Answer {
    /// The answer as JSON: the document for [`Answer::Json`], `null` otherwise.
    pub fn json(&self) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Answer::Json(v) => v,
            _ => &NULL,
        }
    }
}

/// What an operation answered, with its request id.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiResponse {
    /// The operation.
    pub operation: Operation,
    /// The answer.
    pub answer: Answer,
    /// The service's `X-Request-Id`.
    pub request_id: Option<String>,
}

impl ApiResponse {
    /// The answer as JSON (`null` for a file or an empty answer).
    pub fn json(&self) -> &Value {
        self.answer.json()
    }
}

/// JSON arguments by wire name: path and query parameters, and `body`.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Args {
    values: Map<String, Value>,
    body: Option<Value>,
}

/// Names only: a body may hold a password (e.g. `reset_db_om_password`), and no value is
/// worth the risk of a log line.
impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Args")
            .field("params", &self.values.keys().collect::<Vec<_>>())
            .field("body", &self.body.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Decodes `value` into `T`; a string that does not decode as one is read as JSON (so `"10"`
/// is accepted for an integer and `"true"` for a boolean, as a shell gives them).
fn decode<T: DeserializeOwned>(field: &'static str, value: &Value) -> Result<T, ValidationError> {
    match serde_json::from_value::<T>(value.clone()) {
        Ok(v) => Ok(v),
        Err(first) => {
            if let Value::String(text) = value
                && let Ok(parsed) = serde_json::from_str::<Value>(text)
                && !parsed.is_string()
                && let Ok(v) = serde_json::from_value::<T>(parsed)
            {
                return Ok(v);
            }
            Err(ValidationError::new(
                field,
                Rule::Rejected {
                    message: first.to_string(),
                },
            ))
        }
    }
}

impl Args {
    pub(crate) fn project_id<T: DeserializeOwned>(
        &self,
        project_id: &str,
    ) -> Result<T, ValidationError> {
        decode("project_id", &Value::String(project_id.to_owned()))
    }

    pub(crate) fn required<T: DeserializeOwned>(
        &self,
        name: &'static str,
    ) -> Result<T, ValidationError> {
        match self.values.get(name) {
            Some(value) => decode(name, value),
            None => Err(ValidationError::new(name, Rule::Required)),
        }
    }

    pub(crate) fn optional<T: DeserializeOwned>(
        &self,
        name: &'static str,
    ) -> Result<Option<T>, ValidationError> {
        match self.values.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => decode(name, value).map(Some),
        }
    }

    /// The body; an operation whose body is absent is sent `{}`, which decodes only when the
    /// body type has no required field.
    pub(crate) fn body<T: DeserializeOwned>(&self) -> Result<T, ValidationError> {
        let empty = Value::Object(Map::new());
        let body = self.body.as_ref().unwrap_or(&empty);
        serde_path_to_error::deserialize::<_, T>(body).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            ValidationError::new(
                "body",
                Rule::Rejected {
                    message: if path == "." {
                        message
                    } else {
                        format!("{path}: {message}")
                    },
                },
            )
        })
    }

    pub(crate) fn unknown_operation() -> ValidationError {
        ValidationError::new(
            "operation",
            Rule::Rejected {
                message: "this client does not know the operation".into(),
            },
        )
    }
}

/// Turns what each generated `send` gives into one type, so that the executor is instantiated
/// once for every operation.
// The error type is progenitor's, as every generated `send` returns it; boxing it here would
// only move the cost.
#[allow(clippy::result_large_err)]
pub(crate) mod answer {
    use super::*;

    type Sent<T> = Result<ResponseValue<T>, progenitor_client::Error<DbssError>>;

    pub(crate) fn json<T: serde::Serialize + std::fmt::Debug>(sent: Sent<T>) -> Sent<Answer> {
        let value = sent?;
        let status = value.status();
        let headers = value.headers().clone();
        match serde_json::to_value(value.into_inner()) {
            Ok(json) => Ok(ResponseValue::new(Answer::Json(json), status, headers)),
            Err(e) => Err(progenitor_client::Error::InvalidResponsePayload(
                Bytes::new(),
                e,
            )),
        }
    }

    pub(crate) async fn bytes(sent: Sent<progenitor_client::ByteStream>) -> Sent<Answer> {
        use futures::TryStreamExt;
        let value = sent?;
        let status = value.status();
        let headers = value.headers().clone();
        let chunks: Vec<Bytes> = value
            .into_inner()
            .into_inner()
            .try_collect()
            .await
            .map_err(progenitor_client::Error::ResponseBodyError)?;
        Ok(ResponseValue::new(
            Answer::Bytes(chunks.concat().into()),
            status,
            headers,
        ))
    }

    pub(crate) fn empty(sent: Sent<()>) -> Sent<Answer> {
        sent.map(|value| {
            let status = value.status();
            let headers = value.headers().clone();
            ResponseValue::new(Answer::Empty, status, headers)
        })
    }
}

impl DbssClient {
    /// Calls any operation of the document by name, with JSON arguments (see the module docs).
    /// `project_id` is the client's.
    pub fn api(&self, operation: Operation) -> ApiRequest<'_> {
        ApiRequest {
            client: self,
            operation,
            args: Args::default(),
            retry: None,
        }
    }
}

/// A call of one operation by name; see [`DbssClient::api`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct ApiRequest<'a> {
    client: &'a DbssClient,
    operation: Operation,
    args: Args,
    retry: Option<RetryPolicy>,
}

impl ApiRequest<'_> {
    /// Sets a path or query parameter by its wire name. Strings are read as numbers or
    /// booleans where the parameter is one.
    pub fn arg(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.args.values.insert(name.into(), value.into());
        self
    }

    /// Sets every parameter of a JSON object (`{"instance_id": "...", "limit": 10}`); a `body`
    /// member becomes the body.
    pub fn args(mut self, args: Map<String, Value>) -> Self {
        for (name, value) in args {
            if name == "body" {
                self.args.body = Some(value);
            } else {
                self.args.values.insert(name, value);
            }
        }
        self
    }

    /// Sets the JSON request body.
    pub fn body(mut self, body: Value) -> Self {
        self.args.body = Some(body);
        self
    }

    /// Overrides the client's retry policy for this call.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Checks the arguments, then sends the request.
    pub async fn send(&self) -> Result<ApiResponse, Error> {
        let client = self.client;
        let project_id = client.resolve_project_id().await?;
        let info = self.operation.info();
        let known: Vec<&str> = info.params.iter().map(|p| p.name).collect();
        if let Some(unknown) = self
            .args
            .values
            .keys()
            .find(|k| !known.contains(&k.as_str()))
        {
            return Err(ValidationError::new(
                "arguments",
                Rule::Rejected {
                    message: format!(
                        "{} takes no parameter {unknown:?} (it takes: {})",
                        info.operation_id,
                        known.join(", ")
                    ),
                },
            )
            .into());
        }
        if self.args.body.is_some() && info.body.is_none() {
            return Err(ValidationError::new(
                "body",
                Rule::Rejected {
                    message: format!("{} takes no body", info.operation_id),
                },
            )
            .into());
        }
        let attempt = crate::generated_dispatch::prepare(
            &client.raw,
            project_id,
            self.operation,
            &self.args,
        )?;
        let op = execute::Operation {
            name: info.operation_id,
            idempotency: if self.operation.is_idempotent() {
                Idempotency::Idempotent
            } else {
                Idempotency::NonIdempotent
            },
        };
        let policy = self.retry.as_ref().unwrap_or(&client.retry);
        let success = client.execute(op, policy, &attempt).await?;
        debug_assert!(
            !matches!(success.value, Answer::Bytes(_)) || info.answer == AnswerKind::Bytes
        );
        Ok(ApiResponse {
            operation: self.operation,
            answer: success.value,
            request_id: success.request_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_argument_value() {
        let mut args = Args::default();
        args.values
            .insert("instance_id".into(), Value::from("visible-name-only"));
        args.body = Some(serde_json::json!({"password": "hunter2-secret"}));
        let shown = format!("{args:?}");
        assert!(shown.contains("instance_id"), "{shown}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("visible-name-only"),
            "{shown}"
        );
    }
}
