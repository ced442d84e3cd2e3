//! The per-request hooks every generated operation passes through.
//!
//! progenitor calls [`ClientHooks::pre`] on each request it builds, so one place decides what
//! goes on the wire: progenitor's `api-version` header is removed (the official SDK sends none),
//! the user agent and `X-Project-Id` are set, and the request is authenticated. A retried
//! operation builds a new request, so it passes through here again and is signed afresh.

use std::sync::Arc;

use progenitor_client::{ClientHooks, OperationInfo};
use reqwest::header::{HeaderValue, USER_AGENT};

use crate::auth::{Auth, Credentials};
use crate::clock::{Clock, SystemClock};
use crate::generated::Client;

/// State the generated client carries for its hooks: how requests are authenticated and
/// labelled. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Inner {
    pub(crate) auth: Arc<Auth>,
    pub(crate) user_agent: HeaderValue,
}

impl Inner {
    /// Hooks that authenticate with `credentials`, reading the time from `clock`.
    pub fn new(credentials: Credentials, clock: Arc<dyn Clock>, user_agent: HeaderValue) -> Self {
        Self {
            auth: Arc::new(Auth::new(credentials, clock)),
            user_agent,
        }
    }

    /// Hooks that send requests unauthenticated, for tests against a server that does not check.
    pub fn anonymous() -> Self {
        Self::new(
            Credentials::Anonymous,
            Arc::new(SystemClock),
            HeaderValue::from_static(crate::DEFAULT_USER_AGENT),
        )
    }
}

impl Default for Inner {
    fn default() -> Self {
        Self::anonymous()
    }
}

impl ClientHooks<Inner> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let inner = &self.inner;
        let headers = request.headers_mut();
        headers.remove("api-version");
        headers.insert(USER_AGENT, inner.user_agent.clone());
        inner
            .auth
            .apply(request)
            .await
            .map_err(|e| progenitor_client::Error::Custom(e.to_string()))
    }
}
