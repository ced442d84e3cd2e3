//! Rust SDK for the Huawei Cloud DBSS API: the audit-report workflow, and every other
//! operation of the official client by name through [`DbssClient::api`].
//!
//! ```text
//!  ┌───────────────────────────────────────────────────────────────────────────────┐
//!  │ surface      client · api (any operation by name) · ops/ (wrappers) · wait      │  src/*.rs, src/ops/
//!  │              fleet (the report job over many instances)                         │  src/fleet/
//!  ├───────────────────────────────────────────────────────────────────────────────┤
//!  │ execution    prepared → execute → hooks → response_meta → retry → error         │  src/execution/
//!  │              rate_limit                                                         │
//!  ├───────────────────────────────────────────────────────────────────────────────┤
//!  │ auth         credential chain, sources, IAM tokens, signing, project discovery  │  src/auth/
//!  ├───────────────────────────────────────────────────────────────────────────────┤
//!  │ transport    the one HTTP client (hyper-util, or reqwest), HttpError            │  src/transport/
//!  ├───────────────────────────────────────────────────────────────────────────────┤
//!  │ generated    generated: dispatch → client (progenitor), both written by xtask   │  src/generated/
//!  │              codegen: capture · dispatch_support · hook_interface (handwritten) │  src/codegen/
//!  ├───────────────────────────────────────────────────────────────────────────────┤
//!  │ foundation   config · clock · validate · path_encoding · report_time · ...      │  src/foundation/
//!  └───────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! Each layer uses only the layers below it (and, within a layer, the modules to its right);
//! `tests/layers.rs` reads the sources and fails on an import that goes up or closes a cycle.
//! `src/generated/` holds only generated code (never edited: change `openapi/dbss.json` and run
//! `cargo xtask generate`); `src/codegen/` is what it is generated against. It knows only the
//! hook interface: [`Inner`] holds the SDK's hooks (`execution/hooks.rs`: user agent,
//! authentication, sending over the one HTTP client) behind a trait.
//!
//! [`DbssClient`] is the entry point: configure it with [`DbssClient::builder`] or
//! [`DbssClient::from_env`], then call an operation, e.g. [`DbssClient::create_report`].
//! Input is checked before anything is sent; failures are one [`Error`] type that names the
//! field and rule, or carries the service's code, message and request id; retries never repeat
//! a create-report that may have reached the server unless asked to. Every operation, the
//! generated ones and the wrappers alike, and the IAM and STS requests of the credentials go
//! through one HTTP client and one connection pool per client (see `transport`). Each call is
//! prepared once: the generated builder builds the request on a client that stops before
//! sending (`codegen/capture.rs`), and every attempt re-signs and resends that request
//! (`execution/prepared.rs`).

// Bottom to top, as in the picture above.
mod foundation;
pub use foundation::{clock, config};

mod codegen;
mod generated;

mod transport;

pub mod auth;

mod execution;

pub mod api;
mod client;
pub mod fleet;
mod ops;
mod typed;
mod wait;

// The crate-root names the generated code is generated against (`xtask/src/codegen.rs`,
// `xtask/src/operations.rs`); the handwritten code uses the full paths.
pub(crate) use codegen::{capture, dispatch_support, hook_interface};
pub(crate) use foundation::{path_encoding, validate};

pub use auth::{Credentials, CredentialsError};
pub use client::{DbssClient, DbssClientBuilder};
pub use codegen::hook_interface::Inner;
pub use execution::error::{EXCERPT_LEN, Error, Result, ServiceError, TimeoutPhase, WaitFailure};
pub use execution::rate_limit::RateLimit;
pub use execution::retry::{Idempotency, Jitter, RetryPolicy};
pub use foundation::config::{ConfigError, EnvLookup, REGIONS, Timeouts};
pub use foundation::report_time::{DateInput, ReportDate, ReportTime, TimeInput};
pub use foundation::validate::{Rule, ValidationError};
pub use ops::create_report::{CreateReport, CreateReportOutput};
pub use ops::databases::{DATABASE_PAGE_SIZE, DatabasePage};
pub use ops::delete::{DeleteReport, DeleteReportOutput};
pub use ops::download::{DownloadOutput, DownloadReport, ProgressFn};
pub use ops::reports::{ListReports, MAX_PAGE_SIZE, ReportPage};
pub use ops::schedules::{
    AlarmNotifications, FileFormat, Frequency, NotificationChange, ReportSchedule, ScheduleChange,
    ScheduleMode,
};
pub use ops::templates::ListTemplates;
pub use transport::{HttpError, install_crypto_provider};
pub use wait::{CreatedReport, WaitForReport, WaitProgressFn};

pub mod operation {
    //! Every operation of the API, typed: a request builder per operation (generated from the
    //! document into `generated/operations.rs`), the [`Output`] they answer with, the one
    //! [`Paginator`] for every list the document pages, and the support the generated builders
    //! share.
    //!
    //! A builder is made by the [`DbssClient`](crate::DbssClient) method named after the
    //! operation's `operationId` (`client.list_audit_alarm_log_new()`), takes a setter per path and
    //! query parameter and the body as its `dbss_types` type, and `send()`s through the client's
    //! executor: the same validation, authentication, retries by the operation's idempotency,
    //! timeouts, rate limiting, typed errors and tracing as every other call.
    //!
    //! ```no_run
    //! # async fn demo(client: &dbss_client::DbssClient) -> Result<(), dbss_client::Error> {
    //! use futures::TryStreamExt;
    //!
    //! let alarms = client
    //!     .list_audit_alarm_log_new()
    //!     .instance_id("3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7")
    //!     .body_map(|b| b.page(1).size(100).time(dbss_client::types::AlarmLogRequestTime {
    //!         time_range: Some("DAY".parse().expect("a documented value")),
    //!         ..Default::default()
    //!     }))
    //!     .send()
    //!     .await?;
    //! println!("{:?} alarms (request {:?})", alarms.total_num, alarms.request_id());
    //!
    //! let quota = client.show_audit_quota_new().send().await?;
    //! println!("{:?} (request {:?})", quota.audit_quota, quota.request_id());
    //!
    //! let instances: Vec<_> = client.list_audit_instances_last().items().try_collect().await?;
    //! println!("{} instances", instances.len());
    //! # Ok(()) }
    //! ```

    pub use crate::generated::operations::*;
    pub use crate::typed::output::Output;
    pub use crate::typed::paginator::{Paged, Paginator, Paging, PagingStyle};
    pub use crate::typed::waiter::{Polled, Reached, StateFn, Waiter};
}

/// The shared request and response types (the `dbss-types` crate).
pub use dbss_types as types;

/// The user agent sent when the caller adds no application suffix.
pub const DEFAULT_USER_AGENT: &str = concat!("dbss-rs/", env!("CARGO_PKG_VERSION"));

/// The client generated from `openapi/dbss.json`, one method per operation. The handwritten
/// layer wraps it; use it directly only for what the wrappers do not cover.
pub mod raw {
    pub use crate::generated::client::*;
}

/// The crate's README (what crates.io shows), compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
