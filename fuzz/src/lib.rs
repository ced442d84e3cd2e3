//! The properties the fuzz targets check, shared with their proptest fallbacks.
//!
//! Each module exposes one `check(data: &[u8])` that panics when a property fails. The cargo-fuzz
//! targets in `fuzz_targets/` are one-line wrappers around these functions, and
//! `tests/fallback.rs` calls the same functions with random bytes from proptest, so the
//! properties are the same whether libFuzzer (coverage-guided) or proptest (blind, on a stable
//! toolchain without cargo-fuzz) drives them.
//!
//! - [`decode`]: the response and error-body decoders never panic, and what decodes
//!   round-trips (serialize, decode again, equal).
//! - [`canonical`]: `dbss_signer::sign` never panics; for every request it accepts, its
//!   canonical request, signed headers, URL, string to sign, signature and headers equal those
//!   of a plain reference implementation written here from the spec; `verify` accepts what
//!   `sign` produced; `verify` never panics on arbitrary input.
//! - [`profile`]: loading a credentials file (`Credentials::from_profile_file`, and
//!   `dbss_client::auth::profile::ProfileFile`, configparser's dialect) never panics, gives
//!   what `ProfileFile` plus the credential rules give, and what an independent model predicts
//!   for the files it builds, and never shows a secret in `Debug`/`Display`.
#![forbid(unsafe_code)]

pub mod canonical;
pub mod decode;
pub mod input;
pub mod profile;
