//! Contract tests of the generated client and types against `openapi/dbss.json`.
//!
//! The tests are the integration tests of this package (`tests/tests/*.rs`); this library holds
//! what they share:
//!
//! - [`document`]: the OpenAPI document, parsed once, and JSON-pointer look-ups into it;
//! - [`json_schema`]: the OpenAPI 3.0 Schema Object → JSON Schema (2020-12) converter, so the
//!   `jsonschema` crate can validate examples, request bodies and generated responses;
//! - [`mock_client`]: a client of an in-process mock, signing with its AK/SK;
//! - [`capture`]: a loopback HTTP server (127.0.0.1, ephemeral port) that records every request
//!   and answers with a reply the test chooses;
//! - [`valid_args`]: valid arguments for any operation, made from the document's schemas;
//! - [`wire`]: checks of what went on the wire (path templates with percent-encoded parameters,
//!   query strings) and the construction of a generated client pointed at the capture server.

pub mod capture;
pub mod document;
pub mod json_schema;
pub mod mock_client;
pub mod valid_args;
pub mod wire;

/// The project's README, whose Rust examples are compiled as doctests of this package.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}
