//! A client of an in-process `dbss-mock`, signing with the mock's AK/SK and reading nothing from
//! the process environment (no credentials or profile file of the machine leak in).

use std::sync::Arc;

use dbss_client::{Credentials, DbssClient, DbssClientBuilder};
use dbss_mock::MockServer;

/// The builder of such a client; a test adds what it needs (a retry policy) and builds it.
pub fn aksk(mock: &MockServer) -> DbssClientBuilder {
    DbssClient::builder()
        .env(Arc::new(|_: &str| None))
        .endpoint(mock.base_url())
        .project_id(mock.project_id())
        .credentials(Credentials::ak_sk(mock.ak(), mock.sk()))
}

/// A client of `mock` that never retries: each call is exactly one request.
pub fn without_retries(mock: &MockServer) -> DbssClient {
    aksk(mock)
        .retry_policy(dbss_client::RetryPolicy::none())
        .build()
        .unwrap_or_else(|e| panic!("a client of the mock: {e}"))
}

/// A client of a loopback server that is not the mock (a capture server answering what the
/// test chooses), signing with a made-up AK/SK.
pub fn of_server(base_url: &str) -> DbssClient {
    DbssClient::builder()
        .env(Arc::new(|_: &str| None))
        .endpoint(base_url)
        .project_id("0123456789abcdef0123456789abcdef")
        .credentials(Credentials::ak_sk("AK", "SK"))
        .build()
        .unwrap_or_else(|e| panic!("a client of {base_url}: {e}"))
}
