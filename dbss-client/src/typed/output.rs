//! What a typed operation answers: the decoded answer with what identifies the exchange.

use std::ops::{Deref, DerefMut};

/// The answer of an operation, decoded as its type `T`, with the service's request id.
/// Derefs to `T`, so its fields read as the answer's own (`output.total`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Output<T> {
    value: T,
    request_id: Option<String>,
    status: u16,
}

impl<T> Output<T> {
    pub(crate) fn new(value: T, request_id: Option<String>, status: u16) -> Self {
        Self {
            value,
            request_id,
            status,
        }
    }

    /// The service's `X-Request-Id`, to quote to support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer, without the request id.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The same exchange with its answer transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Output<U> {
        Output {
            value: f(self.value),
            request_id: self.request_id,
            status: self.status,
        }
    }
}

impl<T> Deref for Output<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Output<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}
