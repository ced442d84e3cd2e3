//! Rust SDK for the Huawei Cloud DBSS audit-report API.

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used, missing_debug_implementations, unused_imports)]
mod generated;
mod hooks;

pub use hooks::Inner;

/// The client generated from `openapi/dbss.json`, one method per operation.
pub mod raw {
    pub use crate::generated::*;
}
