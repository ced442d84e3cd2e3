//! What the exec hook saw of the response of the current attempt, kept for the executor: the
//! generated decoders drop the status and headers of a body they cannot decode, and the
//! executor needs them for its errors, its retries (`Retry-After`) and its rate limiter.

use std::cell::RefCell;
use std::time::Duration;

use crate::execution::retry::parse_retry_after;

/// What the hooks saw of the response of the current attempt. The generated decoders drop the
/// status and headers of a body they cannot decode; this keeps them for the error.
#[derive(Clone, Debug, Default)]
pub(crate) struct ResponseMeta {
    pub(crate) status: Option<u16>,
    pub(crate) request_id: Option<String>,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) content_length: Option<u64>,
    /// The `Content-Type` header (the download refuses a JSON or HTML answer).
    pub(crate) content_type: Option<String>,
}

tokio::task_local! {
    pub(crate) static RESPONSE_META: RefCell<Option<ResponseMeta>>;
}

/// Called by the exec hook with each response, before its body is read.
pub(crate) fn record_response(response: &reqwest::Response) {
    record_response_head(
        response.status(),
        response.headers(),
        response.content_length(),
    );
}

/// Records what the executor needs of a response head (both transports call this).
pub(crate) fn record_response_head(
    status: reqwest::StatusCode,
    headers: &reqwest::header::HeaderMap,
    content_length: Option<u64>,
) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let meta = ResponseMeta {
        status: Some(status.as_u16()),
        request_id: header("x-request-id"),
        retry_after: header("retry-after")
            .and_then(|v| parse_retry_after(&v, std::time::SystemTime::now())),
        content_length,
        content_type: header("content-type"),
    };
    // Outside `execute` (the raw client used directly) there is no slot, and nothing to do.
    let _ = RESPONSE_META.try_with(|slot| *slot.borrow_mut() = Some(meta));
}
