//! The SDK's per-request hooks ([`SdkHooks`]), which every generated operation passes through.
//!
//! progenitor calls the pre hook on each request it builds, so one place decides what goes on
//! the wire: progenitor's `api-version` header is removed (the official SDK sends none), the
//! user agent and `X-Project-Id` are set, and the request is authenticated. A retried
//! operation builds a new request, so it passes through here again and is signed afresh. The
//! exec hook sends it with the client's one [`HttpClient`] (not the generated client's own
//! `reqwest::Client`), and caps how much of the body may be read.
//!
//! The generated client knows only [`Inner`] and the [`RequestHooks`] interface
//! (`hook_interface`); the `ClientHooks` implementation here forwards progenitor's calls to it.

use std::sync::Arc;

use dbss_types::operations::Operation;
use futures::StreamExt;
use futures::future::BoxFuture;
use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};

use crate::auth::{Auth, Credentials};
use crate::codegen::hook_interface::{Inner, RequestHooks};
use crate::foundation::clock::{Clock, SystemClock};
use crate::generated::client::Client;
use crate::transport::HttpClient;

/// The SDK's hooks: how requests are authenticated, labelled and sent.
pub(crate) struct SdkHooks {
    pub(crate) auth: Arc<Auth>,
    pub(crate) user_agent: HeaderValue,
    /// What sends every request (the generated client's own `reqwest::Client` is not used).
    pub(crate) http: HttpClient,
}

impl Inner {
    /// Hooks that authenticate with `credentials`, reading the time from `clock`.
    /// `project_id` is sent as `X-Project-Id` on signed requests; `http` sends the requests
    /// and fetches IAM tokens.
    pub fn new(
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        user_agent: HeaderValue,
        project_id: Option<String>,
        http: reqwest::Client,
    ) -> Self {
        let settings = crate::auth::AuthSettings {
            clock,
            project_id,
            http: HttpClient::reqwest_only(http),
            region: None,
            allow_insecure_http: false,
            iam_endpoint: None,
            env: crate::foundation::config::process_env(),
        };
        let http = settings.http.clone();
        Self::from_hooks(Arc::new(SdkHooks {
            auth: Arc::new(Auth::new(credentials, settings)),
            user_agent,
            http,
        }))
    }

    /// Around the SDK's hooks.
    pub(crate) fn from_hooks(hooks: Arc<SdkHooks>) -> Self {
        Self { hooks }
    }

    /// Hooks that send requests unauthenticated, for tests against a server that does not check.
    pub fn anonymous() -> Self {
        crate::transport::install_crypto_provider();
        Self::new(
            Credentials::Anonymous,
            Arc::new(SystemClock),
            HeaderValue::from_static(crate::DEFAULT_USER_AGENT),
            None,
            reqwest::Client::new(),
        )
    }
}

impl Default for Inner {
    fn default() -> Self {
        Self::anonymous()
    }
}

impl SdkHooks {
    /// What every request of `operation_id` carries whatever the attempt: progenitor's
    /// `api-version` removed, the user agent, and the official SDK's `Content-Type` where it is
    /// not plain JSON. Applied once to a prepared request, before its first attempt.
    pub(crate) fn label(&self, request: &mut reqwest::Request, content_type: Option<&'static str>) {
        let has_body = request.body().is_some();
        let headers = request.headers_mut();
        headers.remove("api-version");
        headers.insert(USER_AGENT, self.user_agent.clone());
        // progenitor always says `application/json`; the official SDK sends
        // `application/json;charset=utf-8` for some operations, and so do we.
        if has_body && let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
    }
}

impl RequestHooks for SdkHooks {
    fn pre<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let content_type =
                Operation::from_operation_id(operation_id).and_then(|op| op.info().content_type);
            self.label(request, content_type);
            self.auth.apply(request).await.map_err(|e| e.to_string())
        })
    }

    fn exec(
        &self,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'_, reqwest::Result<reqwest::Response>> {
        Box::pin(async move {
            let response = match self.http.execute(request).await {
                Ok(response) => response,
                Err(e) => return e.into_reqwest().await,
            };
            crate::execution::response_meta::record_response(&response);
            let limit = body_limit(operation_id, response.status().is_success());
            Ok(cap_body(response, limit))
        })
    }
}

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner
            .hooks
            .pre(request, info.operation_id)
            .await
            .map_err(progenitor_client::Error::Custom)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner.hooks.exec(request, info.operation_id).await
    }
}

/// The most of an error body that is read: enough for any DBSS error, small enough that a
/// proxy answering with megabytes of garbage cannot grow memory.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// The most of a successful JSON body that is read.
pub(crate) const JSON_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// How much of a response body the generated decoder may read; `None` for the report download,
/// which is streamed to its destination and never buffered.
pub(crate) fn body_limit(operation_id: &str, ok: bool) -> Option<usize> {
    match (ok, operation_id) {
        (true, "download_audit_report") => None,
        (true, _) => Some(JSON_BODY_LIMIT),
        (false, _) => Some(ERROR_BODY_LIMIT),
    }
}

/// Cuts the body off after `limit` bytes. The generated code reads bodies whole, so the cap has
/// to be applied to the body itself, before it gets there.
fn cap_body(response: reqwest::Response, limit: Option<usize>) -> reqwest::Response {
    let Some(limit) = limit else {
        return response;
    };
    if response
        .content_length()
        .is_some_and(|len| len as usize <= limit)
    {
        return response;
    }
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version());
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers().clone();
        headers.remove(reqwest::header::CONTENT_LENGTH);
    }
    let capped = response.bytes_stream().scan(limit, |remaining, chunk| {
        let item = if *remaining == 0 {
            None
        } else {
            Some(chunk.map(|mut bytes| {
                bytes.truncate(*remaining);
                *remaining -= bytes.len();
                bytes
            }))
        };
        std::future::ready(item)
    });
    match builder.body(reqwest::Body::wrap_stream(capped)) {
        Ok(capped) => reqwest::Response::from(capped),
        // Unreachable: status, version and headers came from a valid response.
        Err(_) => reqwest::Response::from(http::Response::new(reqwest::Body::from(""))),
    }
}
