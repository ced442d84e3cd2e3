//! The one error type users match on.
//!
//! Every failure says what to do about it: bad input names the field and the rule (and nothing
//! was sent); a service fault carries the status, the DBSS error code and message, the
//! `details` array and the request id to quote to support; a timeout names its phase; a
//! connection failure says whether the request may have reached the server. No variant ever
//! holds a secret.

use std::fmt;
use std::time::Duration;

use dbss_types::DbssErrorDetail;

use crate::auth::CredentialsError;
use crate::foundation::config::ConfigError;
use crate::foundation::validate::ValidationError;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong with a DBSS call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was refused before anything was sent.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// The client configuration is unusable (region, endpoint, user agent...).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Credentials could not be found, obtained or used; nothing was sent to DBSS.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// DBSS answered with an error status.
    #[error(transparent)]
    Service(Box<ServiceError>),
    /// DBSS answered 200 but reported that the operation did not succeed
    /// (`{"result": "failed"}`, `{"status": "FAILED"}`, or a value this SDK does not know).
    #[error(
        "{operation} did not succeed: result {}{}",
        result.as_deref().unwrap_or("<missing>"),
        RequestIdSuffix(request_id.as_deref())
    )]
    OperationFailed {
        /// The operation, e.g. `create_report`.
        operation: &'static str,
        /// The value DBSS returned, if any.
        result: Option<String>,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// A time limit ran out.
    #[error("{phase} timed out after {after:?}")]
    Timeout {
        /// Which limit.
        phase: TimeoutPhase,
        /// The limit that was exceeded.
        after: Duration,
    },
    /// The connection failed.
    #[error("connection failed{}: {message}", if *request_sent { " after the request was sent" } else { " before the request was sent" })]
    Connection {
        /// Whether the request may have reached the server. A create-report that may have been
        /// sent is not retried by default: a duplicate report is the worse failure.
        request_sent: bool,
        /// What the HTTP stack said.
        message: String,
    },
    /// Writing a download to its destination failed.
    #[error("{message}")]
    Io {
        /// What failed, with the path.
        message: String,
    },
    /// A waiter stopped before its resource reached the state it waits for (a failure state,
    /// the resource gone, or the deadline: see [`WaitFailure`]).
    #[error("waiting until {waiter}: {reason}")]
    Wait {
        /// The waiter, e.g. `instance_running`.
        waiter: &'static str,
        /// Why it stopped.
        reason: WaitFailure,
    },
    /// A response arrived that could not be decoded (an HTML page from a proxy, truncated JSON,
    /// an empty body...).
    #[error(
        "undecodable response (HTTP {}): {message}; body starts with {excerpt:?}{}",
        status.map(|s| s.to_string()).unwrap_or_else(|| "?".into()),
        RequestIdSuffix(request_id.as_deref())
    )]
    Decode {
        /// The HTTP status, when known.
        status: Option<u16>,
        /// Why decoding failed.
        message: String,
        /// The first bytes of the body, lossily decoded (at most [`EXCERPT_LEN`] bytes).
        excerpt: String,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
}

/// Why a waiter stopped without its resource reaching the state it waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitFailure {
    /// The resource reached a state from which the awaited one does not follow.
    FailureState {
        /// The state.
        state: String,
    },
    /// The resource is not there, and the waiter needs it to be.
    Gone,
    /// The deadline passed first.
    TimedOut {
        /// The deadline.
        after: Duration,
        /// The last state seen (`None`: the resource was never found, or no poll answered).
        last_state: Option<String>,
    },
}

impl fmt::Display for WaitFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitFailure::FailureState { state } => write!(f, "reached the failure state {state}"),
            WaitFailure::Gone => f.write_str("the resource is gone"),
            WaitFailure::TimedOut {
                after,
                last_state: Some(state),
            } => write!(
                f,
                "timed out after {after:?}; the last state seen was {state}"
            ),
            WaitFailure::TimedOut {
                after,
                last_state: None,
            } => write!(f, "timed out after {after:?}; the resource was never found"),
        }
    }
}

/// How many bytes of an undecodable body an error keeps.
pub const EXCERPT_LEN: usize = 512;

/// Which time limit ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the connection.
    Connect,
    /// One attempt: sending the request and reading the whole response.
    Attempt,
    /// The whole operation, all attempts and backoff included.
    Operation,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connect",
            TimeoutPhase::Attempt => "attempt",
            TimeoutPhase::Operation => "operation",
        })
    }
}

/// An error status from DBSS, with everything its body and headers said.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The HTTP status.
    pub status: u16,
    /// The DBSS error code, e.g. `DBSS.XXXX`.
    pub error_code: Option<String>,
    /// The DBSS error message.
    pub error_msg: Option<String>,
    /// The `details` array (PDP5 authorization information); the official SDK drops it.
    pub details: Vec<DbssErrorDetail>,
    /// `encoded_authorization_message`, when authorization was refused.
    pub encoded_authorization_message: Option<String>,
    /// The `X-Request-Id` response header.
    pub request_id: Option<String>,
    /// The `Retry-After` response header, when present and valid.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DBSS error {} (HTTP {}): {}",
            self.error_code.as_deref().unwrap_or("<no code>"),
            self.status,
            one_line(self.error_msg.as_deref().unwrap_or("<no message>")),
        )?;
        for detail in &self.details {
            write!(
                f,
                "; {}: {}",
                detail.error_code.as_deref().unwrap_or("<no code>"),
                one_line(detail.error_msg.as_deref().unwrap_or("")),
            )?;
        }
        write!(f, "{}", RequestIdSuffix(self.request_id.as_deref()))
    }
}

impl std::error::Error for ServiceError {}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        Error::Service(Box::new(e))
    }
}

/// Keeps `Display` on one line whatever the server put in a message.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}

struct RequestIdSuffix<'a>(Option<&'a str>);

impl fmt::Display for RequestIdSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " [request id {}]", one_line(id)),
            None => Ok(()),
        }
    }
}

impl Error {
    /// The HTTP status of the response that caused the error, if one arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service(e) => Some(e.status),
            Error::Decode { status, .. } => *status,
            Error::OperationFailed { .. } => Some(200),
            _ => None,
        }
    }

    /// The `X-Request-Id` of the response that caused the error: quote it to Huawei Cloud support.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service(e) => e.request_id.as_deref(),
            Error::Decode { request_id, .. } | Error::OperationFailed { request_id, .. } => {
                request_id.as_deref()
            }
            _ => None,
        }
    }

    /// The service error, when DBSS answered with an error status.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the same call might succeed if made again later, *for an operation that is safe
    /// to repeat*. The retry policy additionally refuses to repeat a create-report that may have
    /// reached the server; see [`crate::RetryPolicy`].
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Service(e) => matches!(e.status, 429 | 500 | 502 | 503 | 504),
            Error::Timeout { phase, .. } => *phase != TimeoutPhase::Operation,
            Error::Connection { .. } => true,
            // Fault-matrix fix: the same statuses as a `Service` error (the retry policy retries
            // a proxy's HTML 429 or 500 like a DBSS one); it used to say 502..=504 only.
            Error::Decode { status, .. } => matches!(status, Some(429 | 500 | 502 | 503 | 504)),
            Error::Validation(_)
            | Error::Config(_)
            | Error::Credentials(_)
            | Error::Io { .. }
            | Error::Wait { .. }
            | Error::OperationFailed { .. } => false,
        }
    }

    /// Whether the request may have reached the server (and so may have had an effect).
    pub fn request_may_have_been_sent(&self) -> bool {
        match self {
            Error::Validation(_) | Error::Config(_) | Error::Credentials(_) => false,
            // The polls were reads; the operation waited for was sent before.
            Error::Wait { .. } => false,
            Error::Timeout { phase, .. } => *phase != TimeoutPhase::Connect,
            Error::Connection { request_sent, .. } => *request_sent,
            Error::Service(_)
            | Error::OperationFailed { .. }
            | Error::Decode { .. }
            | Error::Io { .. } => true,
        }
    }
}
