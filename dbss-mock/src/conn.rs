//! The connection layer: accepts TCP connections on loopback and serves each with hyper.
//!
//! Connections are served with hyper directly rather than `axum::serve`, because a connection
//! reset (a [`Fault::Reset`](crate::Fault::Reset)) needs the socket: each connection's stream is
//! wrapped so that, when a fault asks for it, the connection task drops the connection with
//! `SO_LINGER` set to zero, which makes the kernel send an RST instead of a FIN. Everything
//! above the connection is the axum router of `routes.rs`. HTTP/1.1 only (what clients speak
//! to a plain-HTTP endpoint).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// Lets a request's fault reset the connection it arrived on (a request extension).
#[derive(Debug, Clone)]
pub(crate) struct ConnControl {
    requested: Arc<AtomicBool>,
    wake: Arc<Notify>,
}

impl ConnControl {
    fn new() -> Self {
        Self {
            requested: Arc::new(AtomicBool::new(false)),
            wake: Arc::new(Notify::new()),
        }
    }

    /// Resets the connection: the connection task drops it with `SO_LINGER` 0.
    pub fn reset(&self) {
        self.requested.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}

/// A TCP stream that, when dropped after a reset was requested, aborts with an RST.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // With a zero linger time, close() discards unsent data and sends an RST.
            let _ = socket2::SockRef::from(&self.inner).set_linger(Some(Duration::ZERO));
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Accepts connections until shutdown, then drops every open connection.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
    accepted_count: Arc<AtomicU64>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    accepted_count.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_nodelay(true);
                    tracing::debug!(%peer, "connection accepted");
                    connections.spawn(serve_connection(stream, router.clone(), shutdown.clone()));
                }
                Err(error) => {
                    // E.g. too many open files: back off briefly instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            // A send or the sender's drop both mean "stop".
            _ = shutdown.changed() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, router: Router, mut shutdown: watch::Receiver<bool>) {
    let control = ConnControl::new();
    let io = TokioIo::new(ResettableStream {
        inner: stream,
        reset: control.requested.clone(),
    });
    let request_control = control.clone();
    let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
        req.extensions_mut().insert(request_control.clone());
        router.clone().oneshot(req.map(Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::select! {
        result = connection => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        () = control.wake.notified() => tracing::debug!("connection reset (fault)"),
        _ = shutdown.changed() => {}
    }
}
