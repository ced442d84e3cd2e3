//! A minimal loopback DBSS server for the load and download benchmarks.
//!
//! It answers CreateReport with `{"result":"success"}` whatever the authentication,
//! ListAuditDatabasesNew with one page of 1,000 databases (built once), DeleteAuditReport with
//! `{"status":"SUCCESS"}`, and DownloadAuditReport with a report of a fixed size produced by a
//! generator (one shared chunk handed out again and again), so the server costs next to
//! nothing and never holds the report in memory: the SDK stays the thing measured. hyper on a single-threaded runtime,
//! HTTP/1.1 keep-alive, `TCP_NODELAY` like any production server.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, Either, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The answer to a create-report request, as the real service gives it.
pub const CREATE_RESPONSE: &[u8] = br#"{"result":"success"}"#;
/// Size of the generator's chunk: one allocation for the whole server, handed out by
/// reference count.
const CHUNK: usize = 256 * 1024;

/// A report body of `remaining` bytes, generated as it is sent.
#[derive(Debug)]
pub struct Generated {
    chunk: Bytes,
    remaining: u64,
}

impl Generated {
    /// `len` bytes cut from `chunk`, repeated.
    pub fn new(chunk: Bytes, len: u64) -> Self {
        Self {
            chunk,
            remaining: len,
        }
    }
}

impl Body for Generated {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = self
            .chunk
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        self.remaining -= n as u64;
        Poll::Ready(Some(Ok(Frame::data(self.chunk.slice(..n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

type ResponseBody = Either<Full<Bytes>, Generated>;

/// Configuration of the benchmark server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Size of every downloaded report.
    pub report_size: u64,
}

/// What the server answers with, made once.
#[derive(Clone, Debug)]
struct Bodies {
    chunk: Bytes,
    databases: Bytes,
}

fn json(body: Bytes, request_id: &'static str) -> http::Result<Response<ResponseBody>> {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-request-id", request_id)
        .body(Either::Left(Full::new(body)))
}

async fn handle(
    request: Request<Incoming>,
    config: ServerConfig,
    bodies: Bodies,
) -> Result<Response<ResponseBody>, hyper::Error> {
    let path = request.uri().path();
    let response = if request.method() == Method::GET && path.ends_with("/databases") {
        json(bodies.databases.clone(), "bench-0000000000000002")
    } else if request.method() == Method::DELETE && path.contains("/reports/") {
        json(
            Bytes::from_static(crate::DELETE_RESPONSE),
            "bench-0000000000000003",
        )
    } else if request.method() == Method::POST && path.ends_with("/reports/create") {
        // Read the body like a real server would before answering.
        let _body = request.into_body().collect().await?;
        json(
            Bytes::from_static(CREATE_RESPONSE),
            "bench-0000000000000000",
        )
    } else if request.method() == Method::GET && path.ends_with("/download") {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/pdf")
            .header(header::CONTENT_LENGTH, config.report_size)
            .header("x-request-id", "bench-0000000000000001")
            .body(Either::Right(Generated::new(
                bodies.chunk.clone(),
                config.report_size,
            )))
    } else {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Either::Left(Full::new(Bytes::from_static(
                br#"{"error_code":"APIGW.0101","error_msg":"not found"}"#,
            ))))
    };
    // The builder only fails on invalid header values, and all of these are static.
    Ok(response.unwrap_or_else(|_| Response::new(Either::Left(Full::new(Bytes::new())))))
}

/// Binds `127.0.0.1:port` (0 for any free port) and returns the listener and its address.
pub async fn bind(port: u16) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Serves connections from `listener` until the process ends.
pub async fn serve(listener: TcpListener, config: ServerConfig) -> std::io::Result<()> {
    // A recognisable, incompressible-looking pattern rather than zeros.
    let bodies = Bodies {
        chunk: (0..CHUNK)
            .map(|i| (i.wrapping_mul(31) ^ (i >> 8)) as u8)
            .collect::<Vec<u8>>()
            .into(),
        databases: crate::list_databases_json(crate::DATABASE_PAGE).into(),
    };
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let config = config.clone();
        let bodies = bodies.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(req, config.clone(), bodies.clone()));
            // A client closing its connection mid-benchmark is not an error worth reporting.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
