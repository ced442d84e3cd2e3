//! Rust SDK for the Huawei Cloud DBSS API: the audit-report workflow, and every other
//! operation of the official client by name through [`DbssClient::api`].
//!
//! [`DbssClient`] is the entry point: configure it with [`DbssClient::builder`] or
//! [`DbssClient::from_env`], then call an operation, e.g. [`DbssClient::create_report`].
//! Input is checked before anything is sent; failures are one [`Error`] type that names the
//! field and rule, or carries the service's code, message and request id; retries never repeat
//! a create-report that may have reached the server unless asked to.
//!
//! Layout: `generated.rs` is the progenitor client (never edited; see [`raw`]) and
//! `generated_dispatch.rs` builds its requests from JSON arguments (never edited); everything
//! else is handwritten: `api` (any operation by name), `hooks` (what every request passes
//! through), `auth` (credentials and signing), `config`, `error`, `retry`, `rate_limit`,
//! `execute` (attempts, timeouts, tracing), `ops` (the wrappers), `prepared` (create-report's
//! request built once per call) and `transport` (the client's one HTTP client: every
//! operation, generated or wrapped, and the IAM and STS requests of its credentials go through
//! it, over one pool).

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used, missing_debug_implementations, unused_imports)]
mod generated;
#[rustfmt::skip]
#[allow(clippy::all, unused_qualifications)]
mod generated_dispatch;

pub mod api;
pub mod auth;
mod client;
pub mod clock;
pub mod config;
mod dispatch_support;
mod error;
mod error_chain;
mod execute;
mod hook_interface;
mod hooks;
mod ops;
mod path_encoding;
mod prepared;
mod rate_limit;
mod report_time;
mod response_meta;
mod retry;
mod transport;
mod validate;
mod wait;

pub use auth::{Credentials, CredentialsError};
pub use client::{DbssClient, DbssClientBuilder};
pub use config::{ConfigError, EnvLookup, REGIONS, Timeouts};
pub use error::{EXCERPT_LEN, Error, Result, ServiceError, TimeoutPhase};
pub use hook_interface::Inner;
pub use ops::create_report::{CreateReport, CreateReportOutput};
pub use ops::databases::{DATABASE_PAGE_SIZE, DatabasePage};
pub use ops::delete::{DeleteReport, DeleteReportOutput};
pub use ops::download::{DownloadOutput, DownloadReport, ProgressFn};
pub use ops::instances::{InstancePage, ListInstances, MAX_INSTANCE_LIMIT};
pub use ops::reports::{ListReports, MAX_PAGE_SIZE, ReportPage};
pub use ops::templates::ListTemplates;
pub use rate_limit::RateLimit;
pub use report_time::{DateInput, ReportDate, ReportTime, TimeInput};
pub use retry::{Idempotency, Jitter, RetryPolicy};
pub use transport::{HttpError, install_crypto_provider};
pub use validate::{Rule, ValidationError};
pub use wait::{CreatedReport, WaitForReport, WaitProgressFn};

/// The shared request and response types (the `dbss-types` crate).
pub use dbss_types as types;

/// The user agent sent when the caller adds no application suffix.
pub const DEFAULT_USER_AGENT: &str = concat!("dbss-rs/", env!("CARGO_PKG_VERSION"));

/// The client generated from `openapi/dbss.json`, one method per operation. The handwritten
/// layer wraps it; use it directly only for what the wrappers do not cover.
pub mod raw {
    pub use crate::generated::*;
}
