//! Rust SDK for the Huawei Cloud DBSS audit-report API.

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used, missing_debug_implementations, unused_imports)]
mod generated;

pub mod auth;
pub mod clock;
mod hooks;

pub use hooks::Inner;

/// The user agent sent when the caller adds no application suffix.
pub const DEFAULT_USER_AGENT: &str = concat!("dbss-rs/", env!("CARGO_PKG_VERSION"));

/// The client generated from `openapi/dbss.json`, one method per operation. The handwritten
/// layer wraps it; use it directly only for what the wrappers do not cover.
pub mod raw {
    pub use crate::generated::*;
}
