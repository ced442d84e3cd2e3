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
