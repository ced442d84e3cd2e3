//! What the generated dispatch (`generated/dispatch.rs`) builds requests from: the JSON
//! arguments of an operation called by name ([`Args`]); and what such an operation answers
//! ([`Answer`]). Below `api`, which the dispatch does not know.

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::foundation::validate::{Rule, ValidationError};

/// The answer of an operation called with [`DbssClient::api`](crate::DbssClient::api).
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

/// JSON arguments by wire name: path and query parameters, and `body`.
#[derive(Clone, Default, PartialEq)]
pub(crate) struct Args {
    pub(crate) values: Map<String, Value>,
    pub(crate) body: Option<Value>,
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
