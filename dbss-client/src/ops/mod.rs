//! The ergonomic wrappers: one module per report operation, around its generated builder;
//! `databases` and `audit_logs` on top of [`DbssClient::api`](crate::DbssClient::api).

pub mod audit_logs;
pub mod create_report;
pub mod databases;
pub mod delete;
pub mod download;
pub mod reports;
pub mod schedules;
pub mod templates;
