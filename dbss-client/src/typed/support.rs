//! What the generated builders share, so that each of them is only the facts of its
//! operation: converting and checking values where they are set, sending through the
//! executor, decoding the answer, and reading and writing the numbers a paginator moves.

use std::fmt;

use bytes::Bytes;
use dbss_types::DbssError;
use dbss_types::operations::Operation;
use progenitor_client::ResponseValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::DbssClient;
use crate::execution::error::Error;
use crate::execution::execute::{self, excerpt};
use crate::execution::prepared::PreparedRequest;
use crate::execution::retry::RetryPolicy;
use crate::foundation::validate::{Rule, ValidationError};
use crate::typed::output::Output;

/// Per-call settings of a builder.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestOptions {
    /// Replaces the client's retry policy.
    pub(crate) retry: Option<RetryPolicy>,
}

/// A request the generated builder built, with its `operationId`.
pub(crate) type Captured = (reqwest::Request, &'static str);

/// `value` as the type `T` of a parameter or body; a refusal names `field` and says why.
pub(crate) fn convert<T, V>(field: &'static str, value: V) -> Result<T, ValidationError>
where
    V: TryInto<T>,
    V::Error: fmt::Display,
{
    value.try_into().map_err(|e| {
        ValidationError::new(
            field,
            Rule::Rejected {
                message: e.to_string(),
            },
        )
    })
}

/// A required value: its refusal when it was refused, `Required` when it was never set.
pub(crate) fn required<T>(
    field: &'static str,
    value: Option<Result<T, ValidationError>>,
) -> Result<T, ValidationError> {
    value.unwrap_or_else(|| Err(ValidationError::new(field, Rule::Required)))
}

/// An optional value: its refusal when it was refused.
pub(crate) fn optional<T>(
    value: Option<Result<T, ValidationError>>,
) -> Result<Option<T>, ValidationError> {
    value.transpose()
}

/// A builder's `Debug`: which values are set, never the values (a body may hold a password).
pub(crate) fn debug_request(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    fields: &[(&str, bool)],
) -> fmt::Result {
    let set: Vec<&str> = fields
        .iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| *name)
        .collect();
    f.debug_struct(name)
        .field("set", &set)
        .finish_non_exhaustive()
}

/// The request a generated builder's `send()` (on the client's capturing client) builds.
pub(crate) fn capture<T, F>(send: F) -> Result<Captured, ValidationError>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<DbssError>>>,
{
    crate::codegen::capture::request_of(send)
}

/// Sends a captured request through the executor: signed and sent once per attempt, retried
/// as the operation's idempotency (from the document) and the policy allow. The answer is the
/// body of the 200, undecoded. Not generic, so the executor is compiled once for every
/// operation.
pub(crate) async fn send(
    client: &DbssClient,
    operation: Operation,
    (request, operation_id): Captured,
    options: &RequestOptions,
) -> Result<Output<Bytes>, Error> {
    let prepared = PreparedRequest::from_request(request, operation_id, &client.hooks)?;
    let policy = options.retry.as_ref().unwrap_or(&client.retry);
    let success = client
        .execute(execute::Operation::of(operation), policy, || {
            prepared.send_body(&client.hooks)
        })
        .await?;
    Ok(Output::new(success.value, success.request_id, 200))
}

/// The answer decoded as `T`; a body that is not a `T` is [`Error::Decode`] with an excerpt.
pub(crate) fn decode_json<T: DeserializeOwned>(answer: Output<Bytes>) -> Result<Output<T>, Error> {
    let status = answer.status();
    let request_id = answer.request_id().map(str::to_owned);
    let body = answer.into_inner();
    match serde_json::from_slice(&body) {
        Ok(value) => Ok(Output::new(value, request_id, status)),
        Err(e) => Err(Error::Decode {
            status: Some(status),
            message: e.to_string(),
            excerpt: excerpt(&body),
            request_id,
        }),
    }
}

/// Resources as JSON, for a waiter to read their state.
pub(crate) fn to_values<T: Serialize>(items: &[T]) -> Result<Vec<Value>, Error> {
    items
        .iter()
        .map(|item| {
            serde_json::to_value(item).map_err(|e| Error::Decode {
                status: None,
                message: e.to_string(),
                excerpt: String::new(),
                request_id: None,
            })
        })
        .collect()
}

/// A number as JSON: `Number`, or a string of digits (many counts and sizes of the API are
/// strings).
pub(crate) fn number_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A count of an answer (`total`, `total_num`...), whatever its type.
pub(crate) fn count<T: Serialize>(value: &T) -> Option<u64> {
    number_of(&serde_json::to_value(value).ok()?)
}

/// The number a parameter was set to, if it was set and accepted.
pub(crate) fn set_number<T: Serialize>(value: &Option<Result<T, ValidationError>>) -> Option<u64> {
    match value {
        Some(Ok(value)) => count(value),
        _ => None,
    }
}

/// `n` as the type of a numeric parameter: a number, or its digits where the parameter is a
/// string.
pub(crate) fn number_as<T: DeserializeOwned>(
    field: &'static str,
    n: u64,
) -> Result<T, ValidationError> {
    from_json(&Value::from(n))
        .or_else(|_| from_json(&Value::String(n.to_string())))
        .map_err(|e| {
            ValidationError::new(
                field,
                Rule::Rejected {
                    message: e.to_string(),
                },
            )
        })
}

/// The number a field of the body holds, if the body is set.
pub(crate) fn body_number<B: Serialize>(
    body: &Option<Result<B, ValidationError>>,
    field: &str,
) -> Option<u64> {
    match body {
        Some(Ok(body)) => number_of(serde_json::to_value(body).ok()?.get(field)?),
        _ => None,
    }
}

/// `value` decoded as `T` from its text, as a body or parameter arrives: some types (the
/// `NonZeroU32` of page numbers) do not decode from a `Value` built in memory when serde_json
/// keeps numbers exact.
fn from_json<T: DeserializeOwned>(value: &Value) -> Result<T, serde_json::Error> {
    serde_json::from_str(&value.to_string())
}

/// The body with its `field` set to `n` (as a number, or its digits where the field is a
/// string); an unset body starts empty.
pub(crate) fn with_body_number<B: Serialize + DeserializeOwned>(
    body: Option<Result<B, ValidationError>>,
    field: &str,
    n: u64,
) -> Result<B, ValidationError> {
    let rejected = |e: serde_json::Error| {
        ValidationError::new(
            "body",
            Rule::Rejected {
                message: e.to_string(),
            },
        )
    };
    let mut json = match body {
        Some(body) => serde_json::to_value(body?).map_err(rejected)?,
        None => Value::Object(Default::default()),
    };
    let Some(object) = json.as_object_mut() else {
        return Err(ValidationError::new(
            "body",
            Rule::Rejected {
                message: "the body is not an object".into(),
            },
        ));
    };
    object.insert(field.to_owned(), Value::from(n));
    // A number first, then its digits; when neither fits, why the number did not.
    from_json(&json).or_else(|first| {
        if let Some(object) = json.as_object_mut() {
            object.insert(field.to_owned(), Value::String(n.to_string()));
        }
        from_json(&json).map_err(|_| rejected(first))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_from_numbers_and_digit_strings() {
        assert_eq!(count(&Some(42i64)), Some(42));
        assert_eq!(count(&"17"), Some(17));
        assert_eq!(count(&None::<i64>), None);
        assert_eq!(count(&"many"), None);
    }

    #[test]
    fn a_number_takes_the_parameter_s_own_type() {
        assert_eq!(number_as::<i64>("limit", 100).unwrap(), 100);
        assert_eq!(number_as::<String>("offset", 20).unwrap(), "20");
        let refused = number_as::<bool>("limit", 3).unwrap_err();
        assert_eq!(refused.field, "limit");
    }

    #[test]
    fn a_body_field_is_set_in_its_own_type() {
        let start: dbss_types::ListAuditReportsRequest =
            serde_json::from_value(serde_json::json!({"page": 1, "size": 10})).unwrap();
        let body = with_body_number(Some(Ok(start)), "page", 3).unwrap();
        assert_eq!(body_number(&Some(Ok(body.clone())), "page"), Some(3));
        let body = with_body_number(Some(Ok(body)), "size", 50).unwrap();
        assert_eq!(body_number(&Some(Ok(body.clone())), "size"), Some(50));
        assert_eq!(body_number(&Some(Ok(body)), "page"), Some(3));
        // An unset body starts empty: here it lacks the required `size`.
        let refused = with_body_number::<dbss_types::ListAuditReportsRequest>(None, "page", 1);
        let refused = refused.unwrap_err();
        assert_eq!(refused.field, "body");
        assert!(refused.to_string().contains("size"), "{refused}");
        // Operation logs take their page as a string: the digits are sent.
        let logs: dbss_types::OperateLogGetRequest = serde_json::from_value(
            serde_json::json!({"page": "1", "size": "10", "time": {"time_range": "DAY"}}),
        )
        .unwrap();
        let logs = with_body_number(Some(Ok(logs)), "page", 2).unwrap();
        assert_eq!(
            serde_json::to_value(&logs).unwrap()["page"],
            serde_json::json!("2")
        );
    }

    #[test]
    fn unset_and_refused_values_are_told_apart() {
        let missing = required::<String>("instance_id", None).unwrap_err();
        assert_eq!(missing.rule, Rule::Required);
        let refused = convert::<dbss_types::ReportFormat, _>("format", "docx");
        // An open enum takes any value; a closed one would refuse it.
        assert!(refused.is_ok());
        assert_eq!(optional::<u8>(None).unwrap(), None);
    }
}
