//! One module per operation: the ergonomic wrapper around its generated builder.

pub mod create_report;
