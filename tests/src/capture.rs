//! A loopback HTTP server that records the requests it receives.
//!
//! It listens on 127.0.0.1 with a port the system picks, records method, raw path, raw query,
//! headers and body of every request, and answers each one with the [`Reply`] the test set last.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Captured {
    /// The method.
    pub method: Method,
    /// The path exactly as sent on the request line (still percent-encoded).
    pub path: String,
    /// The query string exactly as sent, without `?`; `None` when there was no `?`.
    pub query: Option<String>,
    /// Every header.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Captured {
    /// All values of header `name` (case-insensitive), as text.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap_or("<not visible ASCII>"))
            .collect()
    }

    /// The only value of header `name`, `None` if absent.
    ///
    /// # Panics
    /// If the header was sent more than once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let values = self.header_all(name);
        assert!(
            values.len() <= 1,
            "header {name} sent {} times: {values:?}",
            values.len()
        );
        values.first().copied()
    }

    /// The body as JSON.
    ///
    /// # Panics
    /// If the body is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// The answer the server gives.
#[derive(Clone, Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Content-Type` of the answer.
    pub content_type: String,
    /// Body of the answer.
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            content_type: "application/json".into(),
            body: serde_json::to_vec(body).expect("JSON serializes"),
        }
    }

    /// A binary answer (`application/octet-stream`).
    pub fn bytes(status: u16, body: Vec<u8>) -> Self {
        Self {
            status,
            content_type: "application/octet-stream".into(),
            body,
        }
    }
}

impl Default for Reply {
    fn default() -> Self {
        Self::json(200, &serde_json::json!({}))
    }
}

#[derive(Debug, Default)]
struct State {
    captured: Vec<Captured>,
    reply: Reply,
}

/// The server. Stopped when dropped.
#[derive(Debug)]
pub struct CaptureServer {
    base_url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl CaptureServer {
    /// Starts a server on 127.0.0.1 (an ephemeral port) on the current tokio runtime.
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let handler_state = Arc::clone(&state);
        let task = tokio::spawn(async move {
            // The server runs until the task is aborted; an accept error ends it.
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&handler_state);
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(handle(&state, request.map(Body::new)).await) }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        Ok(Self {
            base_url: format!("http://{address}"),
            state,
            task,
        })
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sets the answer to the next requests.
    pub fn reply_with(&self, reply: Reply) {
        lock(&self.state).reply = reply;
    }

    /// Removes and returns the requests recorded so far.
    pub fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut lock(&self.state).captured)
    }

    /// Removes and returns the one request recorded since the last [`take`](Self::take).
    ///
    /// # Panics
    /// If not exactly one request was recorded.
    pub fn take_one(&self) -> Captured {
        let mut captured = self.take();
        assert_eq!(captured.len(), 1, "expected one request, got {captured:#?}");
        captured.remove(0)
    }
}

impl Drop for CaptureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(state: &Mutex<State>, request: Request<Body>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, 16 << 20).await {
        Ok(body) => body,
        Err(error) => {
            return Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .body(Body::from(format!(
                    "capture server: unreadable body: {error}"
                )))
                .unwrap_or_default();
        }
    };
    let reply = {
        let mut state = lock(state);
        state.captured.push(Captured {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body,
        });
        state.reply.clone()
    };
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::IM_A_TEAPOT);
    if let Ok(content_type) = HeaderValue::from_str(&reply.content_type) {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, content_type);
    }
    response
}
