//! A request prepared once per operation and sent once per attempt: the create-report hot path.
//!
//! The generated builder redoes on every attempt what never changes between attempts: it
//! formats the URL and parses it again, serialises the body, and adds an `api-version` header
//! that the pre hook then removes. Create-report is the call users make in bulk, so its wrapper
//! prepares the URL (from the client's parsed base URL, without a second parse of the host) and
//! the body bytes once, and each attempt builds its `reqwest::Request` from them. The request then
//! goes through the *same* pre hook as the generated client's (user agent, authentication), is
//! sent by the client's one HTTP client (`transport`), with the same response bookkeeping and
//! body caps as the exec hook's, and is decoded the way the generated code decodes it,
//! into the same `progenitor_client` types, so the executor cannot tell the paths apart.
//!
//! All paths put the same bytes on the wire: `tests/client_prepared.rs` sends one request
//! through the wrapper and one through the generated builder, with a fixed clock, and compares
//! what a server received, byte for byte.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use dbss_types::DbssError;
use progenitor_client::{ClientHooks, OperationInfo, ResponseValue};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::execute::AttemptError;
use crate::generated::Client;
use crate::hooks::body_limit;
use crate::transport::{HttpClient, body_length, read_capped};

/// What the generated operations fail with; the executor maps it to [`crate::Error`].
pub(crate) type RawError = progenitor_client::Error<DbssError>;

/// A JSON request ready to be sent any number of times.
pub(crate) struct PreparedRequest {
    info: OperationInfo,
    method: Method,
    url: Url,
    body: Bytes,
    /// The error statuses the OpenAPI document lists for the operation: their bodies are decoded
    /// as `DbssError`; any other non-200 status is an unexpected response (as in the generated
    /// code).
    error_statuses: &'static [u16],
}

impl PreparedRequest {
    /// A request with a JSON body, serialised here, once, exactly as the generated builder
    /// serialises it (`serde_json::to_vec`).
    pub(crate) fn json(
        operation_id: &'static str,
        method: Method,
        url: Url,
        body: &impl Serialize,
        error_statuses: &'static [u16],
    ) -> Result<Self, serde_json::Error> {
        Ok(Self {
            info: OperationInfo { operation_id },
            method,
            url,
            body: Bytes::from(serde_json::to_vec(body)?),
            error_statuses,
        })
    }

    /// The request of one attempt, with the headers the generated builder sets (`Accept`,
    /// and the `Content-Type` of a JSON body) in the same order.
    fn build(&self) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        let headers = request.headers_mut();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(self.body.clone().into());
        request
    }

    /// Sends one attempt and decodes a 200 as `T`. The request passes the client's pre hook
    /// (user agent, authentication), then goes to the client's one HTTP client: over
    /// hyper-util its body is read here (without the detour through a `reqwest::Response`),
    /// over reqwest through the exec hook, as the generated code sends it.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        client: &Client,
        http: &HttpClient,
    ) -> Result<ResponseValue<T>, AttemptError> {
        let mut request = self.build();
        client.pre(&mut request, &self.info).await?;
        let Some(transport) = http.direct() else {
            let result = client.exec(request, &self.info).await;
            client.post(&result, &self.info).await?;
            let response = result.map_err(RawError::from)?;
            let status = response.status();
            return match self.body_kind(status) {
                BodyKind::Value => {
                    let body = response
                        .bytes()
                        .await
                        .map_err(RawError::ResponseBodyError)?;
                    Ok(decode(status, body)?)
                }
                BodyKind::Error => {
                    let body = response
                        .bytes()
                        .await
                        .map_err(RawError::ResponseBodyError)?;
                    Err(RawError::ErrorResponse(decode(status, body)?).into())
                }
                BodyKind::Unexpected => Err(RawError::UnexpectedResponse(response).into()),
            };
        };
        let response = transport.send(request).await?;
        let (head, body) = response.into_parts();
        crate::response_meta::record_response_head(head.status, &head.headers, body_length(&body));
        // The exec hook's caps, so that both senders read the same amount.
        let limit =
            body_limit(self.info.operation_id, head.status.is_success()).unwrap_or(usize::MAX);
        let body = read_capped(body, limit).await?;
        match self.body_kind(head.status) {
            BodyKind::Value => Ok(decode(head.status, body)?),
            BodyKind::Error => Err(RawError::ErrorResponse(decode(head.status, body)?).into()),
            // The executor reads the body of an unexpected response for its error.
            BodyKind::Unexpected => Err(RawError::UnexpectedResponse(reqwest::Response::from(
                http::Response::from_parts(head, reqwest::Body::from(body)),
            ))
            .into()),
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

/// URLs already built, by key (for create-report: the instance id), shared by the clones of a
/// client. Building a `Url` parses it, which costs more than signing the request; a client
/// usually sends to a handful of instances, so each URL is built once.
#[derive(Debug, Default)]
pub(crate) struct UrlCache {
    urls: Mutex<HashMap<String, Url>>,
}

impl UrlCache {
    /// How many URLs are kept; past that the cache starts again (a client sending to more
    /// instances than this pays for building URLs, nothing else).
    const CAPACITY: usize = 64;

    /// The URL cached for `key`, or the one `build` makes (then cached).
    pub(crate) fn get_or_build(&self, key: &str, build: impl FnOnce() -> Url) -> Url {
        // A poisoned lock only means another thread panicked while holding it; the map is
        // still a valid cache, but it is simply bypassed.
        if let Ok(urls) = self.urls.lock()
            && let Some(url) = urls.get(key)
        {
            return url.clone();
        }
        let url = build();
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
        assert_eq!(a, again);
        assert_eq!(a.as_str(), "http://127.0.0.1/a");
        let b = cache.get_or_build("b", || build("b"));
        assert_eq!(b.as_str(), "http://127.0.0.1/b");
        assert_eq!(built.get(), 2);
        for i in 0..(2 * UrlCache::CAPACITY) {
            let key = i.to_string();
            let url = cache.get_or_build(&key, || build(&key));
            assert_eq!(url.path(), format!("/{key}"));
            assert!(cache.urls.lock().unwrap().len() <= UrlCache::CAPACITY);
        }
        assert_eq!(built.get(), 2 + 2 * UrlCache::CAPACITY);
    }
}
