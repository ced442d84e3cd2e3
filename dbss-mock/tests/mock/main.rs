//! dbss-mock's integration tests, one module per subject, in one test binary: one link and one
//! process for all of them (issue 26: a quick, small first build).

mod audit_data;
mod auth;
mod binary;
mod common;
mod faults;
mod identity;
mod progress;
mod query;
mod routes;
mod validation;
