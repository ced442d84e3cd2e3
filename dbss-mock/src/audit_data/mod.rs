//! Realistic audit data for the read-only analytics: audited SQL statements, alarms, operation
//! logs and the statistics over them, generated on demand.
//!
//! # What is served
//!
//! | Operations | Answer |
//! |---|---|
//! | `list_audit_sqls_new`, `list_audit_sqls` (deprecated twin) | the statements in `time` (`time_range` up to the mock clock's now wins over `start_time`/`end_time`), filtered by `client_ip`, `client_name`, `db_ip`, `db_user`, `query_type` (`ALL`: any), `risk_levels`, `sql_response` (all exact), `rule_name` (substring) and `sql_statement` (case-insensitive substring); `time_order` `ASC`/`DESC`; `page` (from 1) of `size` (1 to 10,000); `total` counts every match, `count` the page |
//! | `show_sql_detail` | one statement by its id (`sql-` and 12 digits, as the list gives it) with the detail fields (client port, tool, MAC, session ids, execution time, affected lines...); unknown id → 400 [`codes::SQL_NOT_FOUND`](crate::codes::SQL_NOT_FOUND) |
//! | `list_audit_alarm_log_new`, `list_audit_alarm_log` (deprecated, `alarmLife`/`sendEmail`) | alarms in `time`, newest first, filtered by `risk` (any of), `status` and `type`; `total_num` |
//! | `set_audit_alarm_log_status`, `batch_set_audit_alarm_log_status` | marks alarms `DONE` (the batch changes nothing unless every id is known) |
//! | `delete_audit_alarm_log` | removes an alarm from the lists; unknown (or deleted) alarm id → 400 [`codes::ALARM_NOT_FOUND`](crate::codes::ALARM_NOT_FOUND) |
//! | `list_audit_operate_logs_new`, `list_audit_operate_logs` (deprecated) | console operation logs in `time`, newest first, filtered by `action`, `result`, `user_name` (exact); `page`/`size` are digit strings |
//! | `count_risk_trend_statistics`, `count_operation_statistics`, `count_session_statistics`, `count_sql_trend_statistics`, `count_injection_statistics`, `count_sql_statistics` | one entry per hour (a window of at most a day) or per UTC day, `period` the bucket's start, over the part of `time` inside the data window, for `db_id` (one id or ids separated by commas; none: all databases) |
//! | `count_db_account_session`, `count_db_client_session` | sessions (`LOGIN` statements) in `time` per database and user, or per database, most first |
//! | `list_audit_trend_history` | the statistics asked for so far on the instance (type, database, time), newest first, at most 100 |
//!
//! The statistics count exactly the statements the lists return for the same window and
//! database: `high_risk_num`/`middle_risk_num`/`low_risk_num`/`no_risk_num` = `risk_levels`;
//! `risk_operation_num` = the three risk levels; `new_session_num` = `query_type` `LOGIN`,
//! `fail_session_num` = `LOGIN` with `sql_response` `FAILED`, `active_session_num` = `LOGIN`
//! with `SUCCESS`; `sql_num` = every statement; `injection_num` = `rule_name` `SQL injection`;
//! `select_num`/`insert_num`/`update_num`/`delete_num` = that `query_type`, `other_num` = the
//! rest. An unknown `db_id` matches nothing.
//!
//! Left on the document's answer: `show_audit_statistics` and `list_audit_summary_infos` are
//! project-wide (no instance in the path): an answer would count every row of every instance,
//! 10⁹ rows with 1,000 instances of 10⁶, per request; they keep the document answer.
//!
//! # How it is made
//!
//! Deterministic from ([`AuditDataConfig::seed`], instance id): statement `i` of an instance is
//! a pure function of them ([`generator`]), and its time grows with `i` over the data window, so a
//! time filter is a binary search and nothing is stored: a million rows per instance cost no
//! start-up time and no memory. Other filters, `total` and the statistics scan the window's
//! rows (~200 instructions a row: a million in ~60 ms of one core; see BENCHMARKS.md).
//! Each instance has the databases its [`InstanceContext`] gives, or 2 to 4 invented ones
//! (MySQL, PostgreSQL, Oracle, SQL Server, TaurusDB, GaussDB on 192.168.x.y), 16 clients on
//! 10.x.y.z (application servers, BI hosts, DBA workstations), five users per database; SQL
//! text follows the query type; risk levels come from seven rules (SQL injection, drop,
//! delete without WHERE, privilege change, mass export, sensitive table access, login
//! failure). Times are `yyyy-MM-dd HH:mm:ss` in UTC, except an operation log's `time`, "a
//! timestamp": epoch milliseconds as a string. Only alarm status changes, deletions and the
//! trend history are state (in [`AuditData`], behind a mutex).

mod alarms;
pub(crate) mod generator;
mod oplogs;
mod sqls;
mod stats;
#[cfg(test)]
mod tests;
pub(crate) mod window;

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, header};
use serde_json::Value;

use crate::error::ApiError;
use crate::ops::Operation;
use crate::pipeline::Validated;

use self::generator::Dataset;
use self::window::{Window, ms_of};

/// The seed of the audit data unless [`AuditDataConfig::seed`] says otherwise: the same data
/// in every run.
pub const DEFAULT_AUDIT_SEED: u64 = 0xDB55_A0D1_7DA7_A001;

/// The largest `size` a list page may ask for.
pub(crate) const MAX_PAGE_SIZE: u64 = 10_000;

/// How much audit data each instance has (see [`MockServerBuilder::audit_data`](crate::MockServerBuilder::audit_data)).
///
/// Default: 10,000 audited SQL statements, 200 alarms and 100 operation logs per instance,
/// over the 30 days before the mock clock's time at start, from [`DEFAULT_AUDIT_SEED`].
/// Nothing is generated before a request reads it, so any size starts at once.
///
/// ```
/// use std::time::Duration;
/// use dbss_mock::AuditDataConfig;
///
/// let config = AuditDataConfig::default()
///     .rows(1_000_000)
///     .window(Duration::from_secs(7 * 86_400));
/// assert_eq!(config.rows, 1_000_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditDataConfig {
    /// Audited SQL statements per instance.
    pub rows: u64,
    /// Alarms per instance.
    pub alarms: u64,
    /// Operation logs per instance.
    pub operation_logs: u64,
    /// How far back the data goes from [`end`](Self::end).
    pub window: Duration,
    /// When the data ends (`None`: the mock clock's time when the server starts).
    pub end: Option<SystemTime>,
    /// The seed: the same seed, instance id and sizes give the same data.
    pub seed: u64,
}

impl Default for AuditDataConfig {
    fn default() -> Self {
        Self {
            rows: 10_000,
            alarms: 200,
            operation_logs: 100,
            window: Duration::from_secs(30 * 86_400),
            end: None,
            seed: DEFAULT_AUDIT_SEED,
        }
    }
}

impl AuditDataConfig {
    /// Sets the audited SQL statements per instance.
    pub fn rows(mut self, rows: u64) -> Self {
        self.rows = rows;
        self
    }

    /// Sets the alarms per instance.
    pub fn alarms(mut self, alarms: u64) -> Self {
        self.alarms = alarms;
        self
    }

    /// Sets the operation logs per instance.
    pub fn operation_logs(mut self, logs: u64) -> Self {
        self.operation_logs = logs;
        self
    }

    /// Sets how far back the data goes.
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Sets when the data ends (default: the mock clock's time at start).
    pub fn end(mut self, end: SystemTime) -> Self {
        self.end = Some(end);
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// A database of an instance, as the audit data names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DbInfo {
    pub id: String,
    pub name: String,
    /// A value of the document's database type enum (`MYSQL`, `POSTGRESQL`, ...).
    pub db_type: String,
    pub ip: String,
    pub port: u16,
}

/// The instance a request is about: its id and, if known, its databases (none: a few are
/// invented from the id).
#[derive(Debug, Clone, Default)]
pub(crate) struct InstanceContext {
    pub id: String,
    pub databases: Vec<DbInfo>,
}

impl InstanceContext {
    /// An instance whose databases the audit data invents.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            databases: Vec::new(),
        }
    }
}

/// What a handler gives the audit data of a request: its path parameters and its JSON body
/// (validated already). [`Validated`] is one; tests make their own.
pub(crate) trait Input {
    /// A path parameter (`""` when absent).
    fn path(&self, name: &str) -> &str;
    /// The JSON body (`null` when none).
    fn json(&self) -> Result<Value, ApiError>;
}

impl Input for Validated {
    fn path(&self, name: &str) -> &str {
        Validated::path(self, name)
    }

    fn json(&self) -> Result<Value, ApiError> {
        self.body::<Value>()
    }
}

/// Whether [`AuditData::answer`] answers `op`.
pub(crate) fn handles(op: Operation) -> bool {
    use Operation as O;
    matches!(
        op,
        O::ListAuditSqlsNew
            | O::ListAuditSqls
            | O::ShowSqlDetail
            | O::ListAuditAlarmLogNew
            | O::ListAuditAlarmLog
            | O::SetAuditAlarmLogStatus
            | O::BatchSetAuditAlarmLogStatus
            | O::DeleteAuditAlarmLog
            | O::ListAuditOperateLogsNew
            | O::ListAuditOperateLogs
            | O::CountDbAccountSession
            | O::CountDbClientSession
            | O::CountRiskTrendStatistics
            | O::CountOperationStatistics
            | O::CountSessionStatistics
            | O::CountSqlTrendStatistics
            | O::CountInjectionStatistics
            | O::CountSqlStatistics
            | O::ListAuditTrendHistory
    )
}

/// A JSON answer, serialized (the 1,000-row pages are written straight from the rows, without
/// a `serde_json::Value` in between).
#[derive(Debug, Clone)]
pub(crate) struct Answer(Bytes);

impl Answer {
    /// The answer of a serializable value.
    pub fn of(value: &impl serde::Serialize) -> Result<Answer, ApiError> {
        serde_json::to_vec(value)
            .map(|v| Answer(v.into()))
            .map_err(|e| {
                ApiError::new(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    crate::codes::INTERNAL_ERROR,
                    format!("the mock cannot write its answer: {e}"),
                )
            })
    }

    /// The answer as a JSON value.
    #[cfg(test)]
    pub fn json(&self) -> Result<Value, ApiError> {
        serde_json::from_slice(&self.0).map_err(|e| ApiError::invalid(e.to_string()))
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// An alarm's change by a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AlarmChange {
    Done,
    Deleted,
}

/// The state the requests change.
#[derive(Debug, Default)]
struct Overlay {
    /// Per instance id: changed alarms by index.
    alarms: HashMap<String, HashMap<u64, AlarmChange>>,
    /// Per instance id: the statistics asked for, newest last.
    history: HashMap<String, VecDeque<Value>>,
}

/// The audit data of every instance of a server, and the changes requests made to it.
#[derive(Debug)]
pub(crate) struct AuditData {
    config: AuditDataConfig,
    data: Window,
    overlay: Mutex<Overlay>,
}

impl AuditData {
    /// The data of `config`, ending at `config.end` or else at `now` (the mock clock at start).
    pub fn new(config: AuditDataConfig, now: SystemTime) -> Self {
        let end_ms = ms_of(config.end.unwrap_or(now));
        let span = i64::try_from(config.window.as_millis()).unwrap_or(i64::MAX);
        Self {
            data: Window {
                from_ms: end_ms.saturating_sub(span),
                to_ms: end_ms,
            },
            config,
            overlay: Mutex::new(Overlay::default()),
        }
    }

    fn overlay(&self) -> MutexGuard<'_, Overlay> {
        self.overlay.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn dataset(&self, ctx: &InstanceContext) -> Dataset {
        Dataset::new(
            self.config.seed,
            ctx,
            [
                self.config.rows,
                self.config.alarms,
                self.config.operation_logs,
            ],
            self.data,
        )
    }

    /// The JSON answer of `op` (one [`handles`] says yes to) about the instance of `ctx`; the
    /// caller checked that the instance exists. `now` is the mock clock's time.
    pub fn answer(
        &self,
        op: Operation,
        ctx: &InstanceContext,
        v: &impl Input,
        now: SystemTime,
    ) -> Result<Answer, ApiError> {
        let ds = self.dataset(ctx);
        match op {
            Operation::ListAuditSqlsNew | Operation::ListAuditSqls => {
                sqls::list(&ds, &v.json()?, ms_of(now))
            }
            _ => Answer::of(&self.value(op, ctx, &ds, v, now)?),
        }
    }

    /// The answers built as JSON values.
    fn value(
        &self,
        op: Operation,
        ctx: &InstanceContext,
        ds: &Dataset,
        v: &impl Input,
        now: SystemTime,
    ) -> Result<Value, ApiError> {
        use Operation as O;
        let now_ms = ms_of(now);
        match op {
            O::ShowSqlDetail => sqls::detail(ds, v.path("id")),
            O::ListAuditAlarmLogNew | O::ListAuditAlarmLog => {
                let changes = self.overlay().alarms.get(&ctx.id).cloned();
                alarms::list(
                    ds,
                    &v.json()?,
                    now_ms,
                    changes.as_ref(),
                    op == O::ListAuditAlarmLog,
                )
            }
            O::SetAuditAlarmLogStatus | O::DeleteAuditAlarmLog => {
                let change = if op == O::DeleteAuditAlarmLog {
                    AlarmChange::Deleted
                } else {
                    AlarmChange::Done
                };
                self.change_alarms(ds, ctx, &[v.path("id")], change)
            }
            O::BatchSetAuditAlarmLogStatus => {
                let body = v.json()?;
                let ids: Vec<&str> = body
                    .get("ids")
                    .and_then(Value::as_array)
                    .map(|ids| ids.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                self.change_alarms(ds, ctx, &ids, AlarmChange::Done)
            }
            O::ListAuditOperateLogsNew | O::ListAuditOperateLogs => {
                oplogs::list(ds, &v.json()?, now_ms)
            }
            O::CountDbAccountSession | O::CountDbClientSession => {
                stats::sessions(ds, &v.json()?, now_ms, op == O::CountDbAccountSession)
            }
            O::ListAuditTrendHistory => Ok(Value::Array(
                self.overlay()
                    .history
                    .get(&ctx.id)
                    .map(|h| h.iter().rev().cloned().collect())
                    .unwrap_or_default(),
            )),
            _ => {
                let Some(kind) = stats::Trend::of(op) else {
                    return Err(ApiError::new(
                        http::StatusCode::INTERNAL_SERVER_ERROR,
                        crate::codes::INTERNAL_ERROR,
                        format!("the audit data does not answer {op}"),
                    ));
                };
                let (answer, record) = stats::trend(ds, kind, &v.json()?, now_ms, self.data)?;
                let mut overlay = self.overlay();
                let history = overlay.history.entry(ctx.id.clone()).or_default();
                if history.len() >= stats::HISTORY_LEN {
                    history.pop_front();
                }
                history.push_back(record);
                Ok(answer)
            }
        }
    }

    /// Applies `change` to the alarms `ids` of an instance, all or none.
    fn change_alarms(
        &self,
        ds: &Dataset,
        ctx: &InstanceContext,
        ids: &[&str],
        change: AlarmChange,
    ) -> Result<Value, ApiError> {
        let mut overlay = self.overlay();
        let changes = overlay.alarms.entry(ctx.id.clone()).or_default();
        let mut indexes = Vec::with_capacity(ids.len());
        for id in ids {
            match alarms::index_of(ds, id) {
                Some(i) if changes.get(&i) != Some(&AlarmChange::Deleted) => indexes.push(i),
                _ => return Err(alarms::not_found(id)),
            }
        }
        for i in indexes {
            changes.insert(i, change);
        }
        Ok(serde_json::json!({ "result": "request_success" }))
    }
}

/// A page position from a body: `page` (from 1) and `size` (1 to [`MAX_PAGE_SIZE`]), as
/// numbers or digit strings. Returns (rows to skip, rows to take).
pub(crate) fn paging(body: &Value) -> Result<(u64, u64), ApiError> {
    let number = |name: &str| -> Result<u64, ApiError> {
        let value = body.get(name);
        value
            .and_then(|v| match v {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .ok_or_else(|| ApiError::invalid(format!("{name} must be a positive integer")))
    };
    let page = number("page")?;
    let size = number("size")?;
    if page < 1 {
        return Err(ApiError::invalid("page must be at least 1"));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(ApiError::invalid(format!(
            "size must be between 1 and {MAX_PAGE_SIZE}"
        )));
    }
    Ok(((page - 1).saturating_mul(size), size))
}

/// A string field of a body, `None` when absent or empty.
pub(crate) fn text<'a>(body: &'a Value, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A count as the document's `int32` totals hold it.
pub(crate) fn int32(n: u64) -> i64 {
    n.min(i32::MAX as u64) as i64
}
