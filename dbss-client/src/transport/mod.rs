//! The one HTTP client of a [`DbssClient`](crate::DbssClient): every operation, generated or
//! wrapped, is sent by [`HttpClient`], and this module is the one place that sets TLS, proxy
//! rules, timeouts and pool limits.
//!
//! By default that client is hyper-util's pooled client, the layer reqwest is itself built on,
//! without reqwest's per-request work around it. Why: measured with callgrind (BENCHMARKS.md),
//! reqwest spends about 42,000 instructions per request on top of hyper-util's ~31,000: it
//! parses the URL again twice per request (for its redirect policy and for the response's URL)
//! and passes every request through tower layers for redirects and retries. That is more than
//! signing and everything else the SDK does, so through reqwest the SDK cannot come near the
//! throughput of bare reqwest. Through hyper-util a signed create-report takes less CPU than
//! bare reqwest takes to post the same bytes precomputed.
//!
//! What the SDK's client does, whichever stack sends: rustls with the process's crypto provider
//! (ring unless the application installed another) and the platform's trust store
//! (`rustls-platform-verifier`, as reqwest 0.13 does), HTTP/1.1 only (as the official SDK
//! speaks), `TCP_NODELAY`, the connect timeout, a keep-alive pool with reqwest's 90 s idle
//! timeout, and no redirects followed (the official SDK follows none either). The bytes on the
//! wire are the same (`tests/client/client_prepared.rs`; TLS and proxies in `tests/client/transport_env.rs`).
//!
//! reqwest sends instead, for every request of the client, in two cases: with a caller's own
//! `reqwest::Client` (its settings must apply), and when the system proxy rules route the
//! endpoint through a proxy (reqwest implements proxies, `CONNECT` tunnels and proxy
//! authentication; hyper-util is then never built). Either way a client has one stack and one
//! pool.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_platform_verifier::BuilderVerifierExt;

use crate::foundation::config::{ConfigError, Timeouts};

/// Installs ring as the process-wide rustls provider unless the application installed one.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// reqwest's idle timeout for pooled connections.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The HTTP client every request of a `DbssClient` goes through, its operations and the IAM
/// and STS requests of its credentials alike. Cheap to clone (clones share the pool).
#[derive(Clone, Debug)]
pub(crate) struct HttpClient {
    /// Builds every request; sends them too unless `direct` is set.
    reqwest: reqwest::Client,
    /// hyper-util's pooled client, which sends instead of `reqwest` (the default).
    direct: Option<Transport>,
}

impl HttpClient {
    /// The client for `endpoint`: the caller's own `reqwest` client when given, reqwest when a
    /// proxy applies to the endpoint, else hyper-util's. reqwest (which builds every request)
    /// and hyper-util share one TLS configuration: the platform's trust store is loaded once.
    pub(crate) fn for_endpoint(
        endpoint: &reqwest::Url,
        timeouts: &Timeouts,
        callers_own: Option<reqwest::Client>,
    ) -> Result<Self, ConfigError> {
        if let Some(reqwest) = callers_own {
            return Ok(Self::reqwest_only(reqwest));
        }
        let tls = tls_config()?;
        let reqwest = build_reqwest(timeouts, tls.clone())?;
        if proxy_applies(&Matcher::from_system(), endpoint) {
            return Ok(Self::reqwest_only(reqwest));
        }
        Ok(Self {
            reqwest,
            direct: Some(Transport::new(timeouts, tls)),
        })
    }

    /// The reqwest client that builds every request (and sends them when `direct` is unset).
    pub(crate) fn reqwest(&self) -> &reqwest::Client {
        &self.reqwest
    }

    /// A client sending with `reqwest` itself.
    pub(crate) fn reqwest_only(reqwest: reqwest::Client) -> Self {
        Self {
            reqwest,
            direct: None,
        }
    }

    /// hyper-util's client, when it is the one that sends.
    pub(crate) fn direct(&self) -> Option<&Transport> {
        self.direct.as_ref()
    }

    /// Starts a GET (sent with [`send`](Self::send)).
    pub(crate) fn get(&self, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.reqwest.get(url)
    }

    /// Starts a POST (sent with [`send`](Self::send)).
    pub(crate) fn post(&self, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.reqwest.post(url)
    }

    /// Starts a PUT (sent with [`send`](Self::send)).
    pub(crate) fn put(&self, url: reqwest::Url) -> reqwest::RequestBuilder {
        self.reqwest.put(url)
    }

    /// A built request back as a builder (for [`send`](Self::send)).
    pub(crate) fn builder_for(&self, request: reqwest::Request) -> reqwest::RequestBuilder {
        reqwest::RequestBuilder::from_parts(self.reqwest.clone(), request)
    }

    /// Builds `request` and sends it with [`execute`](Self::execute).
    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, HttpError> {
        let request = request.build().map_err(HttpError::from_reqwest)?;
        self.execute(request).await
    }

    /// Sends `request` and waits for the response head; the body is left to be read.
    pub(crate) async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, HttpError> {
        let Some(transport) = &self.direct else {
            return self
                .reqwest
                .execute(request)
                .await
                .map_err(HttpError::from_reqwest);
        };
        let response = transport
            .send(request)
            .await
            .map_err(|e| HttpError(SendError::Direct(e)))?;
        let (head, body) = response.into_parts();
        Ok(reqwest::Response::from(http::Response::from_parts(
            head,
            reqwest::Body::wrap(body),
        )))
    }
}

/// The TLS configuration of both stacks, as reqwest 0.13 makes its own: the process's rustls
/// provider (ring unless the application installed another), TLS 1.2 and 1.3, and the
/// platform's trust store (`rustls-platform-verifier`), which is loaded here, once per client.
/// No ALPN: hyper-rustls speaking HTTP/1 only wants none set.
fn tls_config() -> Result<rustls::ClientConfig, ConfigError> {
    install_crypto_provider();
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| ConfigError::HttpClient(e.to_string()))?
        .with_no_client_auth())
}

/// reqwest configured as the hyper-util client is (it builds every request, and sends them
/// for proxied endpoints): the shared TLS configuration (rustls, no OpenSSL, no C build), the
/// connect timeout, no overall timeout (attempts are timed by the
/// executor, which knows which phase ran out), HTTP/1.1 only and no redirects followed, as the
/// official SDK (Python `requests`, `allow_redirects=False`; a redirect would also carry
/// credentials somewhere else).
fn build_reqwest(
    timeouts: &Timeouts,
    mut tls: rustls::ClientConfig,
) -> Result<reqwest::Client, ConfigError> {
    // What reqwest's `http1_only` would set in a configuration it made itself.
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(timeouts.connect)
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build()
        // reqwest's own text is only "builder error"; the cause (no trust store...) follows.
        .map_err(|e| ConfigError::HttpClient(crate::foundation::error_chain::error_chain(&e)))
}

/// A request that got no complete HTTP response: the connection could not be made or broke,
/// TLS failed, the response body could not be read. Its text names the cause; no credential
/// is ever part of it.
#[derive(Debug)]
pub struct HttpError(SendError);

/// What sending a request failed with, from whichever stack sent it.
#[derive(Debug)]
enum SendError {
    /// reqwest's error.
    Reqwest(reqwest::Error),
    /// hyper-util's error.
    Direct(TransportError),
}

impl HttpError {
    /// reqwest's error (e.g. reading a body) as one of these.
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        Self(SendError::Reqwest(e))
    }

    /// Whether the connection could not be made (then the request was not sent).
    pub fn is_connect(&self) -> bool {
        match &self.0 {
            SendError::Reqwest(e) => e.is_connect(),
            SendError::Direct(TransportError::Request(e)) => e.is_connect(),
            SendError::Direct(TransportError::Uri(_)) => true,
            SendError::Direct(TransportError::Body(_)) => false,
        }
    }

    /// As a `reqwest::Error`, for the generated code, whose exec hook must return one. A
    /// hyper-util error becomes the source of a reqwest body error, where the executor finds
    /// it again (see `execute::map_error`) to classify it.
    pub(crate) async fn into_reqwest(self) -> reqwest::Result<reqwest::Response> {
        let direct = match self.0 {
            SendError::Reqwest(e) => return Err(e),
            SendError::Direct(e) => e,
        };
        let failing = futures::stream::once(async move { Err::<Bytes, _>(direct) });
        let response =
            reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
        // The body's only item is the error, so this is `Err`; were it not, a 502 without a
        // body still says that no answer came.
        response.bytes().await.map(|_| {
            let mut gateway = http::Response::new(reqwest::Body::from(""));
            *gateway.status_mut() = http::StatusCode::BAD_GATEWAY;
            reqwest::Response::from(gateway)
        })
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            SendError::Reqwest(e) => {
                write!(f, "{}", crate::foundation::error_chain::error_chain(e))
            }
            SendError::Direct(e) => write!(f, "{e}"),
        }
    }
}

// The causes are already in the text (`error_chain`); a source would print them twice.
impl std::error::Error for HttpError {}

/// A pooled HTTP/1.1 client (hyper-util). Cheap to clone (clones share the pool).
#[derive(Clone)]
pub(crate) struct Transport {
    client: Client<HttpsConnector<HttpConnector>, reqwest::Body>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").finish_non_exhaustive()
    }
}

/// What one exchange failed with. Both kinds keep their source for the error message.
#[derive(Debug)]
pub(crate) enum TransportError {
    /// No response: the connection could not be made (`is_connect`: the request was not
    /// sent) or broke before a response came.
    Request(hyper_util::client::legacy::Error),
    /// The response body could not be read to the end (the request was sent).
    Body(hyper::Error),
    /// The URL is not a valid URI (nothing was sent).
    Uri(String),
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Request(e) => write!(f, "{}", crate::foundation::error_chain::error_chain(e)),
            Self::Body(e) => write!(f, "{}", crate::foundation::error_chain::error_chain(e)),
            Self::Uri(message) => write!(f, "invalid request URI: {message}"),
        }
    }
}

impl std::error::Error for TransportError {}

impl Transport {
    /// hyper-util's client with the SDK's settings (see the module docs).
    fn new(timeouts: &Timeouts, tls: rustls::ClientConfig) -> Self {
        let mut http = HttpConnector::new();
        // The HTTPS connector wrapping this one hands it `https` URIs for the TCP part (which
        // schemes are allowed at all was decided when the endpoint was checked).
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeouts.connect));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(https);
        Self { client }
    }

    /// Sends `request` (its method, URL, headers and body as the hooks left them), and waits
    /// for the response head.
    pub(crate) async fn send(
        &self,
        request: reqwest::Request,
    ) -> Result<http::Response<Incoming>, TransportError> {
        let outgoing = http::Request::<reqwest::Body>::try_from(request)
            .map_err(|e| TransportError::Uri(crate::foundation::error_chain::error_chain(&e)))?;
        self.client
            .request(outgoing)
            .await
            .map_err(TransportError::Request)
    }

    /// Sends `request` to `uri`, its URL parsed already (a prepared request parses its URL
    /// once, rather than on every attempt as [`send`](Self::send) does). The request's
    /// extensions are not carried over: a prepared request has none.
    pub(crate) async fn send_to(
        &self,
        mut request: reqwest::Request,
        uri: http::Uri,
    ) -> Result<http::Response<Incoming>, TransportError> {
        // No body is an empty one, as reqwest's own conversion makes it.
        let body = request.body_mut().take();
        let mut outgoing = http::Request::new(body.unwrap_or_else(|| bytes::Bytes::new().into()));
        *outgoing.method_mut() = std::mem::take(request.method_mut());
        *outgoing.uri_mut() = uri;
        *outgoing.version_mut() = request.version();
        *outgoing.headers_mut() = std::mem::take(request.headers_mut());
        self.client
            .request(outgoing)
            .await
            .map_err(TransportError::Request)
    }
}

/// Whether the proxy rules route requests for `endpoint` through a proxy.
fn proxy_applies(matcher: &Matcher, endpoint: &reqwest::Url) -> bool {
    http::Uri::try_from(endpoint.as_str()).is_ok_and(|uri| matcher.intercept(&uri).is_some())
}

/// The announced length of a body, when known.
pub(crate) fn body_length(body: &Incoming) -> Option<u64> {
    body.size_hint().exact()
}

/// Reads `body` up to `limit` bytes; the rest is not read (as the reqwest path's cap does).
/// A body that arrives in one piece is returned without a copy.
pub(crate) async fn read_capped(mut body: Incoming, limit: usize) -> Result<Bytes, TransportError> {
    let mut first: Option<Bytes> = None;
    let mut more: Option<BytesMut> = None;
    let mut len = 0;
    while len < limit {
        let Some(frame) = body.frame().await else {
            break;
        };
        let Ok(mut data) = frame.map_err(TransportError::Body)?.into_data() else {
            continue; // trailers
        };
        data.truncate(limit - len);
        len += data.len();
        match (&mut first, &mut more) {
            (None, _) => first = Some(data),
            (Some(head), None) => {
                let mut all = BytesMut::with_capacity(head.len() + data.len());
                all.extend_from_slice(head);
                all.extend_from_slice(&data);
                more = Some(all);
            }
            (Some(_), Some(all)) => all.extend_from_slice(&data),
        }
    }
    Ok(match (first, more) {
        (_, Some(all)) => all.freeze(),
        (Some(head), None) => head,
        (None, None) => Bytes::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_for_the_endpoint_turns_the_transport_off() {
        let endpoint = reqwest::Url::parse("https://dbss.cn-north-4.myhuaweicloud.com").unwrap();
        let proxied = Matcher::builder().https("http://127.0.0.1:3128").build();
        assert!(proxy_applies(&proxied, &endpoint));
        let excluded = Matcher::builder()
            .https("http://127.0.0.1:3128")
            .no("myhuaweicloud.com")
            .build();
        assert!(!proxy_applies(&excluded, &endpoint));
        let http_only = Matcher::builder().http("http://127.0.0.1:3128").build();
        assert!(!proxy_applies(&http_only, &endpoint));
        assert!(!proxy_applies(&Matcher::builder().build(), &endpoint));
    }
}
