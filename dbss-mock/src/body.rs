//! Response bodies that are streamed from a generator, or that stall or break part way (faults).

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use bytes::Bytes;
use http_body::{Body as _, Frame, SizeHint};

/// A body produced by an iterator of chunks, with an exact length so that hyper sends
/// `Content-Length` (a client can then show download progress and detect a cut-off).
pub(crate) struct Generated<I> {
    chunks: I,
    remaining: u64,
}

impl<I> Generated<I>
where
    I: Iterator<Item = Bytes> + Send + Unpin + 'static,
{
    /// `len` must be the total length of what `chunks` yields.
    pub fn body(chunks: I, len: u64) -> Body {
        Body::new(Self {
            chunks,
            remaining: len,
        })
    }
}

impl<I> http_body::Body for Generated<I>
where
    I: Iterator<Item = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        // Generating a 64 KiB chunk takes microseconds: no need to move it off the task.
        match this.chunks.next() {
            Some(chunk) => {
                this.remaining = this.remaining.saturating_sub(chunk.len() as u64);
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// What a [`Broken`] body does once it has sent its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Break {
    /// Never produce another byte (the connection stays open).
    Stall,
    /// Fail, which makes hyper abort the connection mid-body.
    Close,
}

/// Passes the inner body through up to `limit` bytes, then stalls or breaks. Keeps the inner
/// body's size hint, so `Content-Length` still promises the whole body.
pub(crate) struct Broken {
    inner: Body,
    limit: u64,
    sent: u64,
    mode: Break,
    /// Whether the head and the bytes before the break were given a chance to be flushed
    /// (see `poll_frame`).
    flushed: bool,
}

impl Broken {
    /// Wraps `inner`, breaking after half of its exact length (or after its first chunk when the
    /// length is not known in advance).
    pub fn halfway(inner: Body, mode: Break) -> Body {
        let limit = inner.size_hint().exact().map_or(1, |len| len / 2);
        Body::new(Self {
            inner,
            limit,
            sent: 0,
            mode,
            flushed: false,
        })
    }
}

/// The error a [`Break::Close`] body fails with.
#[derive(Debug, thiserror::Error)]
#[error("dbss-mock fault: connection closed mid-body")]
pub(crate) struct CutOff;

impl http_body::Body for Broken {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::BoxError>>> {
        let this = self.get_mut();
        if this.sent >= this.limit {
            // Fault-matrix fix: hyper writes the head and body frames into its buffer and
            // flushes when the body is pending. A small body (every JSON answer, a 64 KiB
            // report) that failed right after its first frame was dropped with the connection
            // before anything was flushed, so the client saw no status and no headers — not the
            // documented "half the body, then the connection closes". Be pending once (with an
            // immediate wake-up) so that hyper flushes, then fail.
            if this.mode == Break::Close && !this.flushed {
                this.flushed = true;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            return match this.mode {
                // Pending without arranging a wake-up: the task sleeps until the client gives up
                // (hyper then drops the connection) or the server shuts down.
                Break::Stall => Poll::Pending,
                Break::Close => Poll::Ready(Some(Err(Box::new(CutOff)))),
            };
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(mut data) => {
                    let room = this.limit - this.sent;
                    if data.len() as u64 > room {
                        data.truncate(room as usize);
                    }
                    this.sent += data.len() as u64;
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                // Trailers: pass them on.
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            other => other.map_err(Into::into),
        }
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
