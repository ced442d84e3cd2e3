//! Runs one operation: attempts, per-attempt and whole-operation timeouts, error mapping,
//! retries, the rate limiter and the tracing span. Every wrapper in `ops/` and every operation
//! by name goes through [`Executor::execute`] (as `DbssClient::execute`).

use std::cell::RefCell;
use std::future::Future;
use std::time::Instant;

use dbss_types::DbssError;
use progenitor_client::ResponseValue;
use tracing::Instrument;

use std::sync::Arc;

use crate::auth::Auth;
use crate::execution::error::{EXCERPT_LEN, Error, ServiceError, TimeoutPhase};
use crate::execution::rate_limit::AdaptiveLimiter;
use crate::execution::response_meta::{RESPONSE_META, ResponseMeta};
use crate::execution::retry::{Idempotency, RetryPolicy};
use crate::foundation::config::Timeouts;
use crate::foundation::validate::{Rule, ValidationError};
use crate::transport::TransportError;

/// How an attempt failed before it became an [`Error`]: as the generated code reports it, or
/// in the create-report transport (see `transport`).
#[derive(Debug)]
pub(crate) enum AttemptError {
    Generated(progenitor_client::Error<DbssError>),
    Transport(TransportError),
}

impl From<progenitor_client::Error<DbssError>> for AttemptError {
    fn from(e: progenitor_client::Error<DbssError>) -> Self {
        Self::Generated(e)
    }
}

impl From<TransportError> for AttemptError {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

/// A successful response: the decoded body and what identifies the exchange.
#[derive(Clone, Debug)]
pub(crate) struct Success<T> {
    pub(crate) value: T,
    pub(crate) request_id: Option<String>,
    /// The announced body size (used for download progress).
    pub(crate) content_length: Option<u64>,
    /// The `Content-Type` of the response.
    pub(crate) content_type: Option<String>,
}

/// Describes an operation to the executor.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Operation {
    pub(crate) name: &'static str,
    pub(crate) idempotency: Idempotency,
}

impl Operation {
    /// How the executor treats `operation`: its name, and whether it may be repeated, as the
    /// document's `x-dbss-idempotent` says.
    pub(crate) fn of(operation: dbss_types::operations::Operation) -> Self {
        Self {
            name: operation.operation_id(),
            idempotency: if operation.is_idempotent() {
                Idempotency::Idempotent
            } else {
                Idempotency::NonIdempotent
            },
        }
    }
}

/// What every operation of a client shares: its credentials, time limits and rate limiter.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Executor {
    pub(crate) auth: Arc<Auth>,
    pub(crate) timeouts: Timeouts,
    /// Shared by every task using the client (and its clones).
    pub(crate) limiter: Option<Arc<AdaptiveLimiter>>,
}

impl Executor {
    /// Runs `attempt` until it succeeds or the policy says stop. `attempt` must sign a new
    /// request each time (a `PreparedRequest` does, as does the generated client's pre hook),
    /// so that each attempt carries a fresh signature.
    pub(crate) async fn execute<T, E, F, Fut>(
        &self,
        op: Operation,
        policy: &RetryPolicy,
        mut attempt: F,
    ) -> Result<Success<T>, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, E>>,
        E: Into<AttemptError>,
    {
        let span = tracing::info_span!(
            "dbss.operation",
            operation = op.name,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        // What the last attempt saw; recorded on the operation span once, at the end (a field
        // recorded twice is printed twice by some subscribers).
        let last = std::sync::Mutex::new((0u32, ResponseMeta::default()));
        let attempts = async {
            let mut number = 0u32;
            loop {
                number += 1;
                // One child span per attempt, so each attempt's events carry its number.
                let attempt_span = tracing::debug_span!(
                    "dbss.attempt",
                    attempt = number,
                    status = tracing::field::Empty,
                    request_id = tracing::field::Empty,
                );
                let (result, meta) = self
                    .attempt_once(&mut attempt)
                    .instrument(attempt_span.clone())
                    .await;
                if let Some(status) = meta.status {
                    attempt_span.record("status", status);
                }
                if let Some(id) = &meta.request_id {
                    attempt_span.record("request_id", id.as_str());
                }
                let retry_after = meta.retry_after;
                if let Ok(mut last) = last.lock() {
                    *last = (number, meta);
                }
                let error = match result {
                    Ok(success) => return Ok(success),
                    Err(error) => error,
                };
                if number >= policy.max_attempts() || !policy.should_retry(&error, op.idempotency) {
                    return Err(error);
                }
                let delay = policy.delay(number, retry_after);
                if let Some(budget) = policy.budget()
                    && started.elapsed() + delay > budget
                {
                    tracing::debug!(?delay, ?budget, "retry budget exhausted");
                    return Err(error);
                }
                tracing::debug!(attempt = number, ?delay, error = %error, "retrying");
                tokio::time::sleep(delay).await;
            }
        };
        // Pinned in place and awaited through a reference: moving the future into the timeout
        // (or into a wrapping async block) would keep a second copy of it in this one.
        let mut attempts = std::pin::pin!(attempts);
        let result = match self.timeouts.operation {
            Some(deadline) => tokio::time::timeout(deadline, attempts.as_mut())
                .instrument(span.clone())
                .await
                .unwrap_or(Err(Error::Timeout {
                    phase: TimeoutPhase::Operation,
                    after: deadline,
                })),
            None => attempts.as_mut().instrument(span.clone()).await,
        };
        if let Ok(last) = last.lock() {
            let (attempts, meta) = &*last;
            span.record("attempts", attempts);
            if let Some(status) = meta.status {
                span.record("status", status);
            }
            if let Some(id) = &meta.request_id {
                span.record("request_id", id.as_str());
            }
        }
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(_) => tracing::debug!(parent: &span, "succeeded"),
            Err(e) => tracing::debug!(parent: &span, error = %e, "failed"),
        }
        result
    }

    async fn attempt_once<T, E, F, Fut>(
        &self,
        attempt: &mut F,
    ) -> (Result<Success<T>, Error>, ResponseMeta)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, E>>,
        E: Into<AttemptError>,
    {
        // Credentials are made ready here, not in the hook, so that failures keep their type.
        if let Err(e) = self.auth.prepare().await {
            return (Err(Error::Credentials(e)), ResponseMeta::default());
        }
        if let Some(limiter) = &self.limiter {
            limiter.acquire().await;
        }
        let exchange = RESPONSE_META.scope(RefCell::new(None), async {
            // Boxed: the request future is the largest part of an attempt, and each wrapper
            // around it (task-local scope, timeout, span) would otherwise copy all of it when
            // it is moved in.
            let result = Box::pin(attempt()).await;
            let meta = RESPONSE_META.with(|slot| slot.borrow_mut().take());
            (result, meta)
        });
        let limit = self.timeouts.attempt;
        let Ok((result, meta)) = tokio::time::timeout(limit, exchange).await else {
            return (
                Err(Error::Timeout {
                    phase: TimeoutPhase::Attempt,
                    after: limit,
                }),
                ResponseMeta::default(),
            );
        };
        // What the response said (nothing when there was none), kept for the caller.
        let meta = meta.unwrap_or_default();
        if let (Some(limiter), Some(status)) = (&self.limiter, meta.status) {
            limiter.record(status == 429);
        }
        let result = match result {
            Ok(value) => Ok(Success {
                request_id: meta.request_id.clone(),
                content_length: meta.content_length,
                content_type: meta.content_type.clone(),
                value: value.into_inner(),
            }),
            Err(e) => Err(match e.into() {
                // Boxed: an error's future would otherwise grow every attempt's.
                AttemptError::Generated(e) => Box::pin(self.map_error(e, &meta)).await,
                AttemptError::Transport(e) => self.map_transport_error(&e),
            }),
        };
        (result, meta)
    }

    async fn map_error(
        &self,
        error: progenitor_client::Error<DbssError>,
        meta: &ResponseMeta,
    ) -> Error {
        use progenitor_client::Error as E;
        match error {
            E::InvalidRequest(message) => {
                ValidationError::new("request", Rule::Rejected { message }).into()
            }
            // The pre hook fails only when a request cannot be authenticated as built (a header
            // value the signer refuses); credential problems were surfaced by `prepare` above.
            E::Custom(message) => {
                ValidationError::new("request headers", Rule::Rejected { message }).into()
            }
            // Sent over hyper-util, the exec hook hands the generated code a reqwest error
            // whose source is hyper-util's (see `transport::SendError::into_reqwest`).
            E::CommunicationError(e) | E::InvalidUpgrade(e) => match direct_cause(&e) {
                Some(cause) => self.map_transport_error(cause),
                None => self.transport_error(&e, false),
            },
            E::ResponseBodyError(e) => self.transport_error(&e, true),
            E::ErrorResponse(rv) => {
                let status = rv.status().as_u16();
                service_error(status, rv.into_inner(), meta).into()
            }
            E::InvalidResponsePayload(body, e) => Error::Decode {
                status: meta.status,
                message: e.to_string(),
                excerpt: excerpt(&body),
                request_id: meta.request_id.clone(),
            },
            E::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                let body = match response.bytes().await {
                    Ok(body) => body,
                    Err(e) => return self.transport_error(&e, true),
                };
                match serde_json::from_slice::<DbssError>(&body) {
                    Ok(parsed)
                        if !response_is_success(status)
                            && (parsed.error_code.is_some() || parsed.error_msg.is_some()) =>
                    {
                        service_error(status, parsed, meta).into()
                    }
                    _ => Error::Decode {
                        status: Some(status),
                        message: format!("HTTP {status} is not a documented response"),
                        excerpt: excerpt(&body),
                        request_id: meta.request_id.clone(),
                    },
                }
            }
        }
    }

    /// Errors of hyper-util, classified as reqwest's are below.
    fn map_transport_error(&self, error: &TransportError) -> Error {
        match error {
            TransportError::Request(e) if e.is_connect() => {
                if has_timed_out(e) {
                    Error::Timeout {
                        phase: TimeoutPhase::Connect,
                        after: self.timeouts.connect,
                    }
                } else {
                    Error::Connection {
                        request_sent: false,
                        message: crate::foundation::error_chain::error_chain(&e),
                    }
                }
            }
            // Whatever failed after the connection was made, the request may have arrived.
            TransportError::Request(e) => Error::Connection {
                request_sent: true,
                message: crate::foundation::error_chain::error_chain(&e),
            },
            TransportError::Body(e) => Error::Connection {
                request_sent: true,
                message: crate::foundation::error_chain::error_chain(&e),
            },
            TransportError::Uri(e) => {
                ValidationError::new("request", Rule::Rejected { message: e.clone() }).into()
            }
        }
    }

    fn transport_error(&self, e: &reqwest::Error, body_phase: bool) -> Error {
        if e.is_timeout() && e.is_connect() {
            return Error::Timeout {
                phase: TimeoutPhase::Connect,
                after: self.timeouts.connect,
            };
        }
        if e.is_timeout() {
            return Error::Timeout {
                phase: TimeoutPhase::Attempt,
                after: self.timeouts.attempt,
            };
        }
        Error::Connection {
            // A connect error means the request never left; anything later may have arrived.
            request_sent: body_phase || !e.is_connect(),
            message: crate::foundation::error_chain::error_chain(e),
        }
    }
}

/// The hyper-util error among the causes of `e`, if it has one.
fn direct_cause(e: &reqwest::Error) -> Option<&TransportError> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(direct) = s.downcast_ref::<TransportError>() {
            return Some(direct);
        }
        source = s.source();
    }
    None
}

/// Whether an I/O timeout is among the causes of `e` (the connect timeout).
fn has_timed_out(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(e);
    while let Some(s) = source {
        if s.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = s.source();
    }
    false
}

fn response_is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn service_error(status: u16, body: DbssError, meta: &ResponseMeta) -> ServiceError {
    ServiceError {
        status,
        error_code: body.error_code,
        error_msg: body.error_msg,
        details: body.details,
        encoded_authorization_message: body.encoded_authorization_message,
        request_id: meta.request_id.clone(),
        retry_after: meta.retry_after,
    }
}

/// The first bytes of a body, as text, for an error message.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let end = body.len().min(EXCERPT_LEN);
    String::from_utf8_lossy(&body[..end]).into_owned()
}
