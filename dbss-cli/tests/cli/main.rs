//! The `dbss` command's integration tests, one module per subject, in one test binary: one link
//! and one process for all of them (issue 26: a quick, small first build). `secrets.rs` stays a
//! binary of its own: it installs a process-wide TRACE subscriber; the support module it shares
//! with these tests stays beside it, in `tests/`.

// Shared with the test binaries that must run alone (see the module docs).
mod api;
mod bad_input;
mod commands;
mod conventions;
mod credentials;
mod demo;
mod errors;
mod fleet;
mod production_credentials;
mod readme;
#[path = "../support/mod.rs"]
mod support;
