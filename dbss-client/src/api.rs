//! Every operation of the DBSS API by name, with JSON arguments: what `dbss api` and the contract
//! tests use, and what a program uses for an operation that has no ergonomic wrapper.
//!
//! The arguments are decoded into the generated builder's own types before anything is sent
//! (`generated/dispatch.rs`), so a value the document refuses (missing, wrong type, too long,
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

use dbss_types::operations::{AnswerKind, Operation, PagingKind};
use serde_json::{Map, Value};

use crate::client::DbssClient;
pub use crate::codegen::dispatch_support::Answer;
use crate::codegen::dispatch_support::Args;
use crate::execution::error::Error;
use crate::execution::execute;
use crate::execution::prepared::PreparedRequest;
use crate::execution::retry::RetryPolicy;
use crate::foundation::validate::{Rule, ValidationError};
use crate::typed::output::Output;
use crate::typed::paginator::{Paged, Paginator, Paging, PagingStyle};
use crate::typed::support::number_of;

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
        let captured = crate::generated::dispatch::prepare(
            &client.capture,
            project_id,
            self.operation,
            &self.args,
        )?;
        let prepared =
            PreparedRequest::from_request(captured.request, captured.operation_id, &client.hooks)?;
        let decoder = captured.decoder;
        let op = execute::Operation::of(self.operation);
        let policy = self.retry.as_ref().unwrap_or(&client.retry);
        let success = client
            .execute(op, policy, || prepared.send_answer(&client.hooks, decoder))
            .await?;
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

/// A call by name pages as the operation table says (`x-dbss-pagination`): the position and
/// size are set as query parameters or body fields, the items and total read from the JSON
/// answer. An operation the document does not page is a single page. A body field keeps the
/// type the caller gave it (a string stays a string); one the caller did not give is sent as
/// a number.
impl<'a> Paged for ApiRequest<'a> {
    type Page = Value;
    type Item = Value;

    fn paging(&self) -> Paging {
        match self.operation.info().pagination {
            Some(p) => Paging {
                style: match p.style {
                    PagingKind::Page => PagingStyle::Page { first: p.first },
                    _ => PagingStyle::Offset,
                },
                max_size: p.max_size,
            },
            None => Paging {
                style: PagingStyle::Offset,
                max_size: u64::MAX,
            },
        }
    }

    fn page_size(&self) -> Option<u64> {
        let p = self.operation.info().pagination?;
        number_of(self.arg_value(p.in_body, p.size)?)
    }

    fn position(&self) -> Option<u64> {
        let p = self.operation.info().pagination?;
        number_of(self.arg_value(p.in_body, p.cursor)?)
    }

    fn with_page_size(self, size: u64) -> Self {
        match self.operation.info().pagination {
            Some(p) => self.with_number(p.in_body, p.size, size),
            None => self,
        }
    }

    fn at(self, position: u64) -> Self {
        match self.operation.info().pagination {
            Some(p) => self.with_number(p.in_body, p.cursor, position),
            None => self,
        }
    }

    fn item_count(&self, page: &Value) -> usize {
        self.items_of(page).map_or(0, Vec::len)
    }

    fn total(&self, page: &Value) -> Option<u64> {
        number_of(page.get(self.operation.info().pagination?.total?)?)
    }

    fn page_items(&self, page: Value) -> Vec<Value> {
        self.items_of(&page).cloned().unwrap_or_default()
    }

    async fn send_page(self) -> Result<Output<Value>, Error> {
        let response = ApiRequest::send(&self).await?;
        let value = response.json().clone();
        Ok(Output::new(value, response.request_id, 200))
    }
}

impl<'a> ApiRequest<'a> {
    /// The pages of a list operation, one call each (see [`Paginator`]); the items of each
    /// page are the JSON array the operation table names.
    pub fn into_paginator(self) -> Paginator<Self> {
        Paginator::new(self)
    }

    /// Every item of every page of a list operation, fetched a page at a time.
    pub fn items(self) -> impl futures::Stream<Item = Result<Value, Error>> + Send + 'a {
        Paginator::new(self).items()
    }

    /// A parameter's or body field's value, as set.
    fn arg_value(&self, in_body: bool, name: &str) -> Option<&Value> {
        if in_body {
            self.args.body.as_ref()?.get(name)
        } else {
            self.args.values.get(name)
        }
    }

    /// The request with a parameter (as digits, which query parameters take whatever their
    /// type) or a body field (a number, or digits where the caller gave a string) set to `n`.
    fn with_number(mut self, in_body: bool, name: &str, n: u64) -> Self {
        if in_body {
            let body = self
                .args
                .body
                .get_or_insert_with(|| Value::Object(Map::new()));
            if let Some(object) = body.as_object_mut() {
                let value = match object.get(name) {
                    Some(Value::String(_)) => Value::String(n.to_string()),
                    _ => Value::from(n),
                };
                object.insert(name.to_owned(), value);
            }
        } else {
            self.args
                .values
                .insert(name.to_owned(), Value::String(n.to_string()));
        }
        self
    }

    /// The items of a page, as the operation table names them.
    fn items_of<'v>(&self, page: &'v Value) -> Option<&'v Vec<Value>> {
        page.get(self.operation.info().pagination?.items)?
            .as_array()
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
