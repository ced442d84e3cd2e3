//! The operations of the DBSS API and what the document says about each: one table, generated
//! from `openapi/dbss.json` (`generated_operations.rs`), shared by the client's dynamic calls,
//! the mock's routing and counters, the CLI's `dbss api` and the contract tests.
//!
//! ```
//! use dbss_types::operations::{Operation, ParamLocation};
//!
//! let op: Operation = "list_audit_sqls_new".parse().unwrap();
//! assert_eq!(op.method(), "POST");
//! assert_eq!(op.path_template(), "/v2/{project_id}/audit/{instance_id}/sqls");
//! assert!(op.info().params.iter().any(|p| p.name == "instance_id" && p.location == ParamLocation::Path));
//! assert_eq!(Operation::ALL.len(), 173);
//! ```

use std::fmt;
use std::str::FromStr;

#[rustfmt::skip]
#[allow(clippy::all)]
#[path = "generated_operations.rs"]
mod generated;

pub use generated::Operation;

/// Where a parameter is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParamLocation {
    /// In the path template (`{name}`).
    Path,
    /// In the query string.
    Query,
    /// In a request header.
    Header,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamInfo {
    /// The name on the wire.
    pub name: &'static str,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether the operation needs it.
    pub required: bool,
    /// The document's description.
    pub description: &'static str,
}

/// The JSON request body of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyInfo {
    /// The component schema (and type of this crate) of the body.
    pub schema: &'static str,
    /// Whether the document requires a body.
    pub required: bool,
}

/// What a successful answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AnswerKind {
    /// A JSON document.
    Json,
    /// A file (bytes).
    Bytes,
    /// Nothing.
    Empty,
}

/// What the document says about one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The operation.
    pub operation: Operation,
    /// Its `operationId`, e.g. `create_report` (the official SDK's method name).
    pub operation_id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, e.g. `/v1/{project_id}/audit/{instance_id}/reports/create`.
    pub path_template: &'static str,
    /// One line.
    pub summary: &'static str,
    /// The longer description.
    pub description: &'static str,
    /// The API area (the document's first tag).
    pub tag: &'static str,
    /// Deprecated by the official SDK.
    pub deprecated: bool,
    /// The operation to use instead, when deprecated.
    pub replacement: Option<&'static str>,
    /// Path, query and header parameters, in document order (`project_id` included).
    pub params: &'static [ParamInfo],
    /// The request body, if the operation takes one.
    pub body: Option<BodyInfo>,
    /// The `Content-Type` the official SDK sends when it is not plain `application/json`.
    pub content_type: Option<&'static str>,
    /// What a success carries.
    pub answer: AnswerKind,
    /// The statuses other than 200 the document lists, ascending; their bodies are
    /// [`DbssError`](crate::DbssError)s. Any other status is an undocumented response.
    pub error_statuses: &'static [u16],
    /// Whether repeating the request is harmless (`x-dbss-idempotent`): every `GET`, `PUT` and
    /// `DELETE`, and the `POST`s that only read (lists, counts, statistics). The client
    /// retries these after a 5xx, a timeout or a reset; any other operation is never sent
    /// again once it may have reached the server, unless the retry policy opts in.
    pub idempotent: bool,
    /// How the operation pages, when it answers one page of a longer list
    /// (`x-dbss-pagination`).
    pub pagination: Option<PaginationInfo>,
    /// The states the resources this operation answers reach later, and that a waiter polls
    /// this operation for (`x-dbss-waiters`).
    pub waiters: &'static [WaiterInfo],
}

/// A state a resource reaches some time after an operation, read by polling another
/// (`x-dbss-waiters` in the document): e.g. an audit instance `ACTIVE` after it was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaiterInfo {
    /// The waiter's name, e.g. `instance_running` (the SDK's `wait_until_instance_running`).
    pub name: &'static str,
    /// What is waited for, and after which operations.
    pub description: &'static str,
    /// The (dotted) field of a listed resource matched against the awaited resource's key;
    /// `None` when the polled answer is the resource itself.
    pub key: Option<&'static str>,
    /// The (dotted) field holding the state, e.g. `status` or `report.percentum`.
    pub state: &'static str,
    /// The states that end the wait successfully.
    pub success: &'static [&'static str],
    /// The states from which the awaited one does not follow.
    pub failure: &'static [&'static str],
    /// The resource being absent ends the wait successfully (a delete).
    pub success_when_gone: bool,
    /// The resource being absent ends the wait as a failure.
    pub failure_when_gone: bool,
    /// How long to wait by default, in seconds.
    pub deadline_secs: u64,
    /// The operations (`operationId`s) whose effect this waiter waits for.
    pub after: &'static [&'static str],
}

/// How a list operation pages (`x-dbss-pagination` in the document).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PaginationInfo {
    /// Offsets or page numbers.
    pub style: PagingKind,
    /// The parameter or body field of the position: the offset, or the page number.
    pub cursor: &'static str,
    /// The parameter or body field of the page size.
    pub size: &'static str,
    /// The number of the first page (page style; 0 for offsets).
    pub first: u64,
    /// Whether `cursor` and `size` are fields of the body (else query parameters).
    pub in_body: bool,
    /// The answer's field holding the page's items.
    pub items: &'static str,
    /// The answer's field holding the number of items in all pages, if any.
    pub total: Option<&'static str>,
    /// The largest page the operation serves.
    pub max_size: u64,
}

/// How the position of a page is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PagingKind {
    /// The number of items to skip (`offset`/`limit`).
    Offset,
    /// The page number (`page`/`size`).
    Page,
}

impl Operation {
    /// What the document says about this operation.
    pub fn info(self) -> &'static OperationInfo {
        &generated::OPERATIONS[self.index()]
    }

    /// The operation of an exact `operationId` (a binary search: [`Operation::ALL`] is sorted).
    pub fn from_operation_id(id: &str) -> Option<Operation> {
        Operation::ALL
            .binary_search_by(|op| op.operation_id().cmp(id))
            .ok()
            .map(|i| Operation::ALL[i])
    }

    /// The `operationId`, e.g. `create_report`.
    pub fn operation_id(self) -> &'static str {
        self.info().operation_id
    }

    /// The HTTP method, upper case.
    pub fn method(self) -> &'static str {
        self.info().method
    }

    /// The path template as in the document.
    pub fn path_template(self) -> &'static str {
        self.info().path_template
    }

    /// The API reference's name, e.g. `CreateReport`.
    pub fn name(self) -> String {
        self.operation_id()
            .split('_')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect()
    }

    /// The JSON pointer of this operation's object in `openapi/dbss.json`, e.g.
    /// `/paths/~1v2~1{project_id}~1audit~1instances/get`.
    pub fn document_pointer(self) -> String {
        format!(
            "/paths/{}/{}",
            self.path_template().replace('~', "~0").replace('/', "~1"),
            self.method().to_ascii_lowercase()
        )
    }

    /// Position in [`Operation::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether repeating the operation is harmless, as the document says
    /// ([`OperationInfo::idempotent`]): reads, `PUT` and `DELETE` are; a `POST` that creates,
    /// changes or deletes something is not (it may do it twice).
    pub fn is_idempotent(self) -> bool {
        self.info().idempotent
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation_id())
    }
}

/// The text given to [`Operation::from_str`] names no operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOperationError(pub String);

impl fmt::Display for ParseOperationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown operation {:?}: expected an operationId such as create_report or a name such as CreateReport",
            self.0
        )
    }
}

impl std::error::Error for ParseOperationError {}

impl FromStr for Operation {
    type Err = ParseOperationError;

    /// Accepts the `operationId` (`create_report`) or the API reference's name (`CreateReport`),
    /// ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|op| {
                op.operation_id().eq_ignore_ascii_case(s) || op.name().eq_ignore_ascii_case(s)
            })
            .ok_or_else(|| ParseOperationError(s.to_owned()))
    }
}
