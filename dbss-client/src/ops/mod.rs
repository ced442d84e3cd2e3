//! One module per operation: the ergonomic wrapper around its generated builder.

pub mod create_report;
pub mod delete;
pub mod download;
pub mod instances;
pub mod reports;
pub mod templates;
