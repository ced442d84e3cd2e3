//! Requests prepared once per call and sent once per attempt, for every operation.
//!
//! A generated builder redoes on every attempt what never changes between attempts: it
//! formats the URL and parses it again, encodes the query, serialises the body, and adds an
//! `api-version` header that the pre hook then removes. So every operation is prepared once
//! per call: the generated builder builds its request on a capturing client (`capture`), the
//! SDK's labels (user agent, `Content-Type`) are applied, and each attempt clones that
//! request, signs it afresh and sends it. Create-report and delete, the calls users make in
//! bulk, build their requests without the builder, from the client's parsed base URL (the
//! builder formats and parses the whole URL on every call); create-report also keeps its URL
//! across calls (`UrlCache`). Over hyper-util, the URL is parsed into the `http::Uri` it takes
//! once per call (create-report: once per URL), not per attempt.
//!
//! Each attempt is sent by the client's one HTTP client (`transport`): over hyper-util its
//! body is read here with the exec hook's caps (without the detour through a
//! `reqwest::Response`), over reqwest through the exec hook. It is decoded the way the
//! generated code decodes it, into the same `progenitor_client` types, so the executor cannot
//! tell the paths apart. A file (the report download) is handed over as a stream, unread.
//!
//! All paths put the same bytes on the wire: `tests/client/client_prepared.rs` sends requests
//! through the prepared path and through the generated builder, with a fixed clock, and
//! compares what a server received, byte for byte.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use dbss_types::DbssError;
use dbss_types::operations::Operation;
use progenitor_client::ResponseValue;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codegen::capture::Decoder;
use crate::codegen::dispatch_support::Answer;
use crate::codegen::hook_interface::RequestHooks;
use crate::execution::execute::AttemptError;
use crate::execution::hooks::{SdkHooks, body_limit};
use crate::foundation::validate::{Rule, ValidationError};
use crate::transport::{Transport, TransportError, body_length, read_capped};

/// What the generated operations fail with; the executor maps it to [`crate::Error`].
pub(crate) type RawError = progenitor_client::Error<DbssError>;

/// A request ready to be sent any number of times: labelled, not signed.
pub(crate) struct PreparedRequest {
    operation_id: &'static str,
    /// What each attempt clones: method, URL, labelled headers and a body of bytes (cloning
    /// those shares the bytes).
    template: reqwest::Request,
    /// The template's URL as hyper-util takes it, parsed once (`None` if it cannot be, when
    /// each attempt's conversion reports why).
    uri: Option<http::Uri>,
    /// The error statuses the OpenAPI document lists for the operation: their bodies are decoded
    /// as `DbssError`; any other non-200 status is an unexpected response (as in the generated
    /// code).
    error_statuses: &'static [u16],
}

impl PreparedRequest {
    /// A request with a JSON body, serialised here, once, exactly as the generated builder
    /// serialises it (`serde_json::to_vec`), with the headers the generated builder sets
    /// (`Accept`, and the `Content-Type` of a JSON body) in the same order.
    pub(crate) fn json(
        operation: Operation,
        method: Method,
        url: RequestUrl,
        body: &impl Serialize,
        hooks: &SdkHooks,
    ) -> Result<Self, ValidationError> {
        let body = serde_json::to_vec(body).map_err(|e| {
            ValidationError::new(
                "request",
                Rule::Rejected {
                    message: e.to_string(),
                },
            )
        })?;
        let mut request = reqwest::Request::new(method, url.url);
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(body.into());
        Ok(Self::labelled(request, url.uri, operation, hooks))
    }

    /// A request without a body, with the header the generated builder sets (`Accept`).
    pub(crate) fn bodiless(
        operation: Operation,
        method: Method,
        url: RequestUrl,
        hooks: &SdkHooks,
    ) -> Self {
        let mut request = reqwest::Request::new(method, url.url);
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        Self::labelled(request, url.uri, operation, hooks)
    }

    /// A request the generated builder of `operation_id` built (see `capture`).
    pub(crate) fn from_request(
        request: reqwest::Request,
        operation_id: &'static str,
        hooks: &SdkHooks,
    ) -> Result<Self, ValidationError> {
        let operation = Operation::from_operation_id(operation_id).ok_or_else(|| {
            ValidationError::new(
                "operation",
                Rule::Rejected {
                    message: format!("{operation_id} is not an operation of the document"),
                },
            )
        })?;
        // The generated code sends JSON and bytes bodies only, never a stream; a stream could
        // not be sent again.
        if request.body().is_some_and(|body| body.as_bytes().is_none()) {
            return Err(ValidationError::new(
                "body",
                Rule::Rejected {
                    message: "a streamed body cannot be sent again on retry".into(),
                },
            ));
        }
        let uri = parse_uri(request.url());
        Ok(Self::labelled(request, uri, operation, hooks))
    }

    fn labelled(
        mut request: reqwest::Request,
        uri: Option<http::Uri>,
        operation: Operation,
        hooks: &SdkHooks,
    ) -> Self {
        let info = operation.info();
        hooks.label(&mut request, info.content_type);
        Self {
            operation_id: info.operation_id,
            uri,
            template: request,
            error_statuses: info.error_statuses,
        }
    }

    /// The request of one attempt, not yet signed.
    // The executor's attempt error, as `signed` returns it.
    #[allow(clippy::result_large_err)]
    fn build(&self) -> Result<reqwest::Request, AttemptError> {
        self.template.try_clone().ok_or_else(|| {
            // Unreachable: a template's body is bytes (checked when it was made).
            RawError::Custom("the prepared request cannot be sent again".into()).into()
        })
    }

    /// Sends one attempt and decodes a 200 as `T`.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        hooks: &SdkHooks,
    ) -> Result<ResponseValue<T>, AttemptError> {
        let (status, body) = self.exchange(hooks).await?;
        Ok(decode(status, body)?)
    }

    /// Sends one attempt and hands over a 200's body undecoded (the typed operations decode it
    /// once the executor is done, so the executor is not compiled once per answer type).
    pub(crate) async fn send_body(
        &self,
        hooks: &SdkHooks,
    ) -> Result<ResponseValue<Bytes>, AttemptError> {
        let (status, body) = self.exchange(hooks).await?;
        Ok(ResponseValue::new(body, status, HeaderMap::new()))
    }

    /// Sends one attempt and turns a 200 into an [`Answer`] with `decoder` (operations called
    /// by name).
    pub(crate) async fn send_answer(
        &self,
        hooks: &SdkHooks,
        decoder: Decoder,
    ) -> Result<ResponseValue<Answer>, AttemptError> {
        let (status, body) = self.exchange(hooks).await?;
        let answer = match decoder {
            Decoder::Json(decode) => match decode(&body) {
                Ok(value) => Answer::Json(value),
                Err(e) => return Err(RawError::InvalidResponsePayload(body, e).into()),
            },
            Decoder::Bytes => Answer::Bytes(body),
            Decoder::Empty => Answer::Empty,
        };
        Ok(ResponseValue::new(answer, status, HeaderMap::new()))
    }

    /// Signs and sends one attempt; the body of a 200, or the error the generated code would
    /// report for any other status.
    async fn exchange(&self, hooks: &SdkHooks) -> Result<(StatusCode, Bytes), AttemptError> {
        let request = self.signed(hooks).await?;
        let Some(transport) = hooks.http.direct() else {
            let response = hooks
                .exec(request, self.operation_id)
                .await
                .map_err(RawError::from)?;
            let status = response.status();
            return match self.body_kind(status) {
                BodyKind::Unexpected => Err(RawError::UnexpectedResponse(response).into()),
                kind => {
                    let body = response
                        .bytes()
                        .await
                        .map_err(RawError::ResponseBodyError)?;
                    self.outcome(kind, status, body)
                }
            };
        };
        let response = self.send_direct(transport, request).await?;
        let (head, body) = response.into_parts();
        crate::execution::response_meta::record_response_head(
            head.status,
            &head.headers,
            body_length(&body),
        );
        // The exec hook's caps, so that both senders read the same amount.
        let limit = body_limit(self.operation_id, head.status.is_success()).unwrap_or(usize::MAX);
        let body = read_capped(body, limit).await?;
        match self.body_kind(head.status) {
            // The executor reads the body of an unexpected response for its error.
            BodyKind::Unexpected => Err(RawError::UnexpectedResponse(reqwest::Response::from(
                http::Response::from_parts(head, reqwest::Body::from(body)),
            ))
            .into()),
            kind => self.outcome(kind, head.status, body),
        }
    }

    /// Sends one attempt and hands a 200's body over unread, as the generated code does for a
    /// file (the report download streams it to its destination). Any other status is read
    /// and reported as in [`send`](Self::send).
    pub(crate) async fn send_stream(
        &self,
        hooks: &SdkHooks,
    ) -> Result<ResponseValue<progenitor_client::ByteStream>, AttemptError> {
        let request = self.signed(hooks).await?;
        let response = match hooks.http.direct() {
            None => hooks
                .exec(request, self.operation_id)
                .await
                .map_err(RawError::from)?,
            Some(transport) => {
                let (head, body) = self.send_direct(transport, request).await?.into_parts();
                crate::execution::response_meta::record_response_head(
                    head.status,
                    &head.headers,
                    body_length(&body),
                );
                let body = if head.status == StatusCode::OK {
                    reqwest::Body::wrap(body)
                } else {
                    let limit = body_limit(self.operation_id, head.status.is_success())
                        .unwrap_or(usize::MAX);
                    reqwest::Body::from(read_capped(body, limit).await?)
                };
                reqwest::Response::from(http::Response::from_parts(head, body))
            }
        };
        let status = response.status();
        match self.body_kind(status) {
            BodyKind::Value => Ok(ResponseValue::stream(response)),
            BodyKind::Error => {
                let body = response
                    .bytes()
                    .await
                    .map_err(RawError::ResponseBodyError)?;
                Err(RawError::ErrorResponse(decode(status, body)?).into())
            }
            BodyKind::Unexpected => Err(RawError::UnexpectedResponse(response).into()),
        }
    }

    /// Sends a signed attempt over hyper-util, to the URL parsed when the request was prepared
    /// unless signing changed it (it sorts the query).
    async fn send_direct(
        &self,
        transport: &Transport,
        request: reqwest::Request,
    ) -> Result<http::Response<hyper::body::Incoming>, TransportError> {
        match &self.uri {
            Some(uri) if request.url() == self.template.url() => {
                transport.send_to(request, uri.clone()).await
            }
            _ => transport.send(request).await,
        }
    }

    /// The request of one attempt, signed (per attempt: the signature covers the time). A
    /// failure keeps the type the generated code's pre hook gives it.
    async fn signed(&self, hooks: &SdkHooks) -> Result<reqwest::Request, AttemptError> {
        let mut request = self.build()?;
        hooks
            .auth
            .apply(&mut request)
            .await
            .map_err(|e| RawError::Custom(e.to_string()))?;
        Ok(request)
    }

    /// A documented error status's body as the error; any other kept body as the answer.
    // The executor's attempt error, as `exchange` returns it.
    #[allow(clippy::result_large_err)]
    fn outcome(
        &self,
        kind: BodyKind,
        status: StatusCode,
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), AttemptError> {
        match kind {
            BodyKind::Error => Err(RawError::ErrorResponse(decode(status, body)?).into()),
            _ => Ok((status, body)),
        }
    }

    /// How the generated code treats the body of a response with `status`.
    fn body_kind(&self, status: StatusCode) -> BodyKind {
        if status == StatusCode::OK {
            BodyKind::Value
        } else if self.error_statuses.contains(&status.as_u16()) {
            BodyKind::Error
        } else {
            BodyKind::Unexpected
        }
    }
}

enum BodyKind {
    /// The operation's value (200).
    Value,
    /// A `DbssError` (a documented error status).
    Error,
    /// Not documented: handed over whole, for the executor to describe.
    Unexpected,
}

/// The body as JSON. The response headers are not kept in the value (the executor has
/// recorded what it needs from them), which spares a copy of the header map per response.
// The generated code's error type, kept so that the executor maps both paths alike.
#[allow(clippy::result_large_err)]
fn decode<T: DeserializeOwned>(
    status: StatusCode,
    body: Bytes,
) -> Result<ResponseValue<T>, RawError> {
    match serde_json::from_slice(&body) {
        Ok(value) => Ok(ResponseValue::new(value, status, HeaderMap::new())),
        Err(e) => Err(RawError::InvalidResponsePayload(body, e)),
    }
}

/// A request's URL, with the `http::Uri` hyper-util sends to parsed from it once.
#[derive(Clone, Debug)]
pub(crate) struct RequestUrl {
    url: Url,
    /// `None` when hyper-util cannot take the URL (each attempt then reports why).
    uri: Option<http::Uri>,
}

impl RequestUrl {
    pub(crate) fn new(url: Url) -> Self {
        let uri = parse_uri(&url);
        Self { url, uri }
    }
}

fn parse_uri(url: &Url) -> Option<http::Uri> {
    http::Uri::try_from(url.as_str()).ok()
}

/// URLs already built, by key (for create-report: the instance id), shared by the clones of a
/// client. Building a `Url` parses it, and so does making the `http::Uri` hyper-util takes,
/// each of which costs a good part of what signing the request does; a client usually sends to
/// a handful of instances, so each URL is built once.
#[derive(Debug, Default)]
pub(crate) struct UrlCache {
    urls: Mutex<HashMap<String, RequestUrl>>,
}

impl UrlCache {
    /// How many URLs are kept; past that the cache starts again (a client sending to more
    /// instances than this pays for building URLs, nothing else).
    const CAPACITY: usize = 64;

    /// The URL cached for `key`, or the one `build` makes (then cached).
    pub(crate) fn get_or_build(&self, key: &str, build: impl FnOnce() -> Url) -> RequestUrl {
        // A poisoned lock only means another thread panicked while holding it; the map is
        // still a valid cache, but it is simply bypassed.
        if let Ok(urls) = self.urls.lock()
            && let Some(url) = urls.get(key)
        {
            return url.clone();
        }
        let url = RequestUrl::new(build());
        if let Ok(mut urls) = self.urls.lock() {
            if urls.len() >= Self::CAPACITY {
                urls.clear();
            }
            urls.insert(key.to_owned(), url.clone());
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_built_once_per_key_and_the_cache_stays_bounded() {
        let cache = UrlCache::default();
        let built = std::cell::Cell::new(0);
        let build = |key: &str| {
            built.set(built.get() + 1);
            Url::parse(&format!("http://127.0.0.1/{key}")).unwrap()
        };
        let a = cache.get_or_build("a", || build("a"));
        let again = cache.get_or_build("a", || build("a"));
        assert_eq!(a.url, again.url);
        assert_eq!(a.url.as_str(), "http://127.0.0.1/a");
        assert_eq!(
            a.uri.as_ref().map(ToString::to_string).as_deref(),
            Some("http://127.0.0.1/a")
        );
        let b = cache.get_or_build("b", || build("b"));
        assert_eq!(b.url.as_str(), "http://127.0.0.1/b");
        assert_eq!(built.get(), 2);
        for i in 0..(2 * UrlCache::CAPACITY) {
            let key = i.to_string();
            let url = cache.get_or_build(&key, || build(&key));
            assert_eq!(url.url.path(), format!("/{key}"));
            assert!(cache.urls.lock().unwrap().len() <= UrlCache::CAPACITY);
        }
        assert_eq!(built.get(), 2 + 2 * UrlCache::CAPACITY);
    }
}
