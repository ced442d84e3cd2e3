//! Request and response types of the Huawei Cloud DBSS API, and the table of its operations.
//!
//! Everything in this crate except [`open_enum`] and the types of [`operations`] is generated
//! from `openapi/dbss.json` by `cargo xtask generate` (`generated.rs` and
//! `generated_operations.rs`, never edited by hand). The types derive
//! `serde`, `schemars::JsonSchema` and `PartialEq`; optional fields that are unset are omitted
//! from the JSON that is sent, and unknown fields in responses are ignored.
//!
//! Enums the service returns are *open* (see [`open_enum`]): a value this version does not know
//! decodes as `Unknown(String)` instead of failing the whole response.
//!
//! ```
//! use dbss_types::{CreateReportResponse, ReportResult};
//!
//! let ok: CreateReportResponse = serde_json::from_str(r#"{"result":"success"}"#).unwrap();
//! assert_eq!(ok.result, Some(ReportResult::Success));
//! let new: CreateReportResponse = serde_json::from_str(r#"{"result":"queued"}"#).unwrap();
//! assert_eq!(new.result, Some(ReportResult::Unknown("queued".into())));
//! ```

#[rustfmt::skip]
#[allow(missing_docs, clippy::all, clippy::unwrap_used, missing_debug_implementations)]
mod generated;
pub mod open_enum;
pub mod operations;

pub use generated::*;

/// The crate's README (what crates.io shows), compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
