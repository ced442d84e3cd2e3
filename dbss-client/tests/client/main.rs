//! dbss-client's integration tests, one module per subject, in one test binary: one link and one
//! process for all of them (issue 26: a quick, small first build).
//!
//! Four stay binaries of their own because they install tracing subscribers, which are
//! process-wide or race with the callsite interest cache of threads without one:
//! `auth_chain.rs`, `auth_secrets.rs`, `auth_trace_logs.rs` and `client_tracing.rs`. The support
//! modules they share with these tests stay beside them, in `tests/`.

// Shared with the test binaries that must run alone (see the module docs).
#[path = "../auth_sources_support/mod.rs"]
mod auth_sources_support;
// Shared with the test binaries that must run alone (see the module docs).
#[path = "../auth_support/mod.rs"]
mod auth_support;
// Shared with the test binaries that must run alone (see the module docs).
mod auth_iam;
mod auth_signing;
mod auth_sources;
mod bad_input_matrix;
mod client_config;
mod client_create_report;
mod client_prepared;
mod fault_matrix;
mod fleet;
mod layers;
mod one_send_path;
mod profile_configparser;
mod schedules;
#[path = "../support/mod.rs"]
mod support;
mod transport_env;
mod workflow;
