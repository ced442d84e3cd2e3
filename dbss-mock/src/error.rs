//! The crate's error type, the error codes the mock answers with, and the DBSS error response.

use std::net::SocketAddr;

use axum::response::{IntoResponse, Response};
use dbss_types::{DbssError, DbssErrorDetail};
use http::{HeaderValue, StatusCode, header};

/// Why the mock server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A builder setting is invalid (e.g. a project id of the wrong length).
    #[error("invalid mock configuration: {0}")]
    Config(String),
    /// The embedded OpenAPI document could not be turned into validators (a bug in the document
    /// or in the translation; the mock refuses to run without validation).
    #[error("cannot compile the OpenAPI schemas: {0}")]
    Schema(String),
}

/// The `error_code` values the mock answers with.
///
/// `DBSS.*` codes come from the service behind the gateway (validation and state errors);
/// `APIGW.*` codes come from the API gateway in front of it (routing, authentication,
/// throttling, backend failures) and follow the gateway's published error-code table. The DBSS
/// reference documents the error *body* but not its codes, so the `DBSS.*` numbers are the
/// mock's own; clients should branch on the HTTP status, and tests may match these constants.
pub mod codes {
    /// 400: a path, query or body parameter violates the OpenAPI document (or a date-time is
    /// malformed, or `end_time` is not after `start_time`). `error_msg` names the field and the
    /// rule, e.g. `template_id is required`.
    pub const INVALID_PARAMETER: &str = "DBSS.10000";
    /// 400: no audit instance has the `instance_id` of the path.
    pub const INSTANCE_NOT_FOUND: &str = "DBSS.10001";
    /// 400: the instance has no report template with the given `template_id`.
    pub const TEMPLATE_NOT_FOUND: &str = "DBSS.10002";
    /// 400: the instance has no report with the `id` of the path.
    pub const REPORT_NOT_FOUND: &str = "DBSS.10003";
    /// 400: DownloadAuditReport of a report whose `percentum` is below 100.
    pub const REPORT_NOT_READY: &str = "DBSS.10004";
    /// 403: the `project_id` of the path is not a project the mock serves.
    pub const PROJECT_MISMATCH: &str = "DBSS.10005";
    /// 400: no resource of the kind the operation addresses (database, agent, rule, whitelist
    /// entry, backup, tagged resource) has the id of the path or the body, in that instance.
    /// `error_msg` names the kind and the id.
    pub const RESOURCE_NOT_FOUND: &str = "DBSS.10006";
    /// 400: the resource's state does not allow the change (starting a running instance,
    /// acting on an instance whose task is in progress, deleting a system rule, restoring an
    /// unfinished backup, adding a database twice, a rule name already taken).
    pub const STATE_CONFLICT: &str = "DBSS.10007";
    /// 400: the instance already audits as many databases as its `database_limit`.
    pub const LIMIT_EXCEEDED: &str = "DBSS.10008";
    /// 400: `show_sql_detail` of an id that is no audited SQL statement of the instance
    /// (ids are `sql-` and 12 digits, as the lists give them).
    pub const SQL_NOT_FOUND: &str = "DBSS.10020";
    /// 400: an alarm operation on an id that is no alarm of the instance, or a deleted one
    /// (ids are `alarm-` and 10 digits, as the lists give them).
    pub const ALARM_NOT_FOUND: &str = "DBSS.10021";
    /// 500: an injected server error ([`Fault::Status`](crate::Fault::Status) with status 500).
    pub const INTERNAL_ERROR: &str = "DBSS.10500";
    /// 404: no operation has this method and path.
    pub const API_NOT_FOUND: &str = "APIGW.0101";
    /// 502/503: injected "backend unavailable".
    pub const BACKEND_UNAVAILABLE: &str = "APIGW.0201";
    /// 504: injected "backend timeout".
    pub const BACKEND_TIMEOUT: &str = "APIGW.0202";
    /// 401: authentication failed: no credentials, an unknown token or access key, a bad
    /// signature, or an `X-Sdk-Date` more than 15 minutes off ("signature expired").
    pub const AUTH_FAILED: &str = "APIGW.0301";
    /// 403: injected "not authorized".
    pub const FORBIDDEN: &str = "APIGW.0302";
    /// 429: injected throttling.
    pub const THROTTLED: &str = "APIGW.0308";
    /// 400 from the STS stand-in (`assume-with-oidc`): the body is not JSON, a field is
    /// missing or malformed, or `duration_seconds` is outside 900..=43200. The mock's own code.
    pub const STS_INVALID_PARAMETER: &str = "STS.0101";
    /// 401 from the STS stand-in: the id token is not the one it knows. The mock's own code.
    pub const STS_INVALID_ID_TOKEN: &str = "STS.0102";
    /// 400 from the pod-identity stand-in: the body is not JSON. The mock's own code.
    pub const POD_IDENTITY_INVALID: &str = "PODIDENTITY.0400";
    /// 401 from the pod-identity stand-in: `Authorization` is missing or not the pod's token.
    /// The mock's own code.
    pub const POD_IDENTITY_UNAUTHORIZED: &str = "PODIDENTITY.0401";
}

/// An error answer with the DBSS error body
/// `{"error_code": .., "error_msg": .., "details": [..]}`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub msg: String,
    /// One entry per violation when validation found several (the first is also the top-level
    /// message).
    pub details: Vec<(String, String)>,
    pub retry_after: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, msg: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            msg: msg.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// 400 [`codes::INVALID_PARAMETER`].
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, codes::INVALID_PARAMETER, msg)
    }

    /// 401 [`codes::AUTH_FAILED`], with the gateway's message prefix.
    pub fn unauthenticated(reason: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::AUTH_FAILED,
            format!("Incorrect IAM authentication information: {reason}"),
        )
    }

    /// The answer to an injected error status: the code and message a real gateway or service
    /// would give for it.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, msg) = match status.as_u16() {
            400 => (codes::INVALID_PARAMETER, "Invalid request parameter"),
            401 => (
                codes::AUTH_FAILED,
                "Incorrect IAM authentication information",
            ),
            403 => (
                codes::FORBIDDEN,
                "The IAM user is not authorized to access the API",
            ),
            404 => (
                codes::API_NOT_FOUND,
                "The API does not exist or has not been published in the environment",
            ),
            429 => (
                codes::THROTTLED,
                "The throttling threshold has been reached",
            ),
            502 => (codes::BACKEND_UNAVAILABLE, "Backend unavailable"),
            503 => (codes::BACKEND_UNAVAILABLE, "Service unavailable"),
            504 => (codes::BACKEND_TIMEOUT, "Backend timeout"),
            _ => (
                codes::INTERNAL_ERROR,
                status.canonical_reason().unwrap_or("Internal server error"),
            ),
        };
        Self::new(status, code, msg)
    }

    pub fn body(&self) -> DbssError {
        DbssError {
            details: self
                .details
                .iter()
                .map(|(code, msg)| DbssErrorDetail {
                    error_code: Some(code.clone()),
                    error_msg: Some(msg.clone()),
                })
                .collect(),
            encoded_authorization_message: None,
            error_code: Some(self.code.clone()),
            error_msg: Some(self.msg.clone()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(value) = self
            .retry_after
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
