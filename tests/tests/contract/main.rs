//! The contract tests of the generated client and types against `openapi/dbss.json`, one module
//! per subject, in one test binary: one link and one process for all of them (issue 26: a quick,
//! small first build).

mod document_facts;
mod every_operation;
mod examples;
mod go_sdk_facts;
mod mock_lifecycle;
mod operation_facts;
mod requests;
mod responses;
mod schemas;
mod typed_client;
mod typed_operations;
mod typed_waiters;
mod wrappers;
