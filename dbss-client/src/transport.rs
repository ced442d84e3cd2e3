//! The HTTP transport of the create-report hot path: hyper-util's pooled client, the layer reqwest
//! is itself built on, without reqwest's per-request work around it.
//!
//! Why: measured with callgrind (BENCHMARKS.md), reqwest spends about 42,000 instructions per
//! request on top of hyper-util's ~31,000: it parses the URL again twice per request (for its
//! redirect policy and for the response's URL) and passes every request through tower layers
//! for redirects and retries. That is more than signing and everything else the SDK does, so
//! through reqwest the SDK cannot come near the throughput of bare reqwest. Through this
//! transport a signed create-report takes less CPU than bare reqwest takes to post the same
//! bytes precomputed.
//!
//! What stays the same as the SDK's reqwest client, so that the choice of transport changes
//! nothing a user can see: rustls with the process's crypto provider (ring unless the
//! application installed another) and the platform's trust store (`rustls-platform-verifier`, as
//! reqwest 0.13 does), HTTP/1.1 only (as the official SDK speaks), `TCP_NODELAY`, the connect
//! timeout, a keep-alive pool with reqwest's 90 s idle timeout, and no redirects followed (the
//! official SDK follows none either). The bytes on the wire are the same
//! (`tests/client_prepared.rs`; TLS and proxies in `tests/transport_env.rs`).
//!
//! When it is not used: with a caller's own `reqwest::Client` (its settings must apply), and
//! when a proxy applies to the endpoint (the same system proxy rules reqwest reads: reqwest
//! then sends the request, through the proxy).

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_platform_verifier::BuilderVerifierExt;

use crate::config::{ConfigError, Timeouts};

/// reqwest's idle timeout for pooled connections.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// A pooled HTTP/1.1 client for one endpoint. Cheap to share (`Arc`).
pub(crate) struct Transport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
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
    Uri(http::uri::InvalidUri),
}

impl Transport {
    /// The transport for `endpoint`, or `None` when a proxy applies to it (then reqwest, which
    /// reads the same proxy rules, sends the requests).
    pub(crate) fn for_endpoint(
        endpoint: &reqwest::Url,
        timeouts: &Timeouts,
    ) -> Result<Option<Self>, ConfigError> {
        if proxy_applies(&Matcher::from_system(), endpoint) {
            return Ok(None);
        }
        let provider = rustls::crypto::CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|builder| builder.with_platform_verifier())
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?
            .with_no_client_auth();
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
        Ok(Some(Self { client }))
    }

    /// Sends `request` (its method, URL and headers as the hooks left them) with `body`, and
    /// waits for the response head.
    pub(crate) async fn send(
        &self,
        request: &mut reqwest::Request,
        body: Bytes,
    ) -> Result<http::Response<Incoming>, TransportError> {
        let uri = http::Uri::try_from(request.url().as_str()).map_err(TransportError::Uri)?;
        let mut outgoing = http::Request::new(Full::new(body));
        *outgoing.method_mut() = request.method().clone();
        *outgoing.uri_mut() = uri;
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
