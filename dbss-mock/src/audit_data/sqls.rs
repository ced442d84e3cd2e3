//! The audited SQL statements: filters, the list pages and the detail of one statement.

use std::ops::Range;

use http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};

use super::generator::{Dataset, QUERY_TYPES, RULES, Risk, SqlRow, kind, mix};
use super::window::{format_ms, requested};
use super::{Answer, int32, paging, text};
use crate::codes;
use crate::error::ApiError;

/// Which statements a request wants, beyond its time window.
#[derive(Debug, Default)]
pub(super) struct SqlFilter<'a> {
    pub client_ip: Option<&'a str>,
    pub client_name: Option<&'a str>,
    pub db_ip: Option<&'a str>,
    pub db_user: Option<&'a str>,
    /// An index of [`QUERY_TYPES`]; `usize::MAX` for a type no row has.
    pub kind: Option<usize>,
    pub risk: Option<Risk>,
    pub rule_name: Option<&'a str>,
    pub failed: Option<bool>,
    /// Lower case.
    pub statement: Option<String>,
    /// Indexes of the databases wanted (the statistics' `db_id`).
    pub dbs: Option<Vec<usize>>,
}

impl<'a> SqlFilter<'a> {
    /// The filter of a list request's body.
    pub fn of(body: &'a Value) -> Result<Self, ApiError> {
        let kind = match text(body, "query_type") {
            None | Some("ALL") => None,
            Some(q) => Some(
                QUERY_TYPES
                    .iter()
                    .position(|(name, _)| *name == q)
                    .unwrap_or(usize::MAX),
            ),
        };
        let risk = text(body, "risk_levels")
            .map(|r| {
                Risk::parse(r)
                    .ok_or_else(|| ApiError::invalid(format!("risk_levels {r} is unknown")))
            })
            .transpose()?;
        let failed = match text(body, "sql_response") {
            None => None,
            Some("SUCCESS") => Some(false),
            Some("FAILED") => Some(true),
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "sql_response {other} is unknown"
                )));
            }
        };
        Ok(SqlFilter {
            client_ip: text(body, "client_ip"),
            client_name: text(body, "client_name"),
            db_ip: text(body, "db_ip"),
            db_user: text(body, "db_user"),
            kind,
            risk,
            rule_name: text(body, "rule_name"),
            failed,
            statement: text(body, "sql_statement").map(str::to_lowercase),
            dbs: None,
        })
    }

    /// True when every row matches.
    pub fn is_empty(&self) -> bool {
        self.client_ip.is_none()
            && self.client_name.is_none()
            && self.db_ip.is_none()
            && self.db_user.is_none()
            && self.kind.is_none()
            && self.risk.is_none()
            && self.rule_name.is_none()
            && self.failed.is_none()
            && self.statement.is_none()
            && self.dbs.is_none()
    }

    /// Whether `row` matches (the cheap tests first; the text is made only when asked for).
    pub fn matches(&self, ds: &Dataset, row: &SqlRow) -> bool {
        if self.kind.is_some_and(|k| k != row.kind)
            || self.risk.is_some_and(|r| r != row.risk)
            || self.failed.is_some_and(|f| f != row.failed)
            || self.dbs.as_ref().is_some_and(|d| !d.contains(&row.db))
        {
            return false;
        }
        if let Some(rule) = self.rule_name
            && !row.rule.is_some_and(|r| RULES[r].name.contains(rule))
        {
            return false;
        }
        let client = ds.clients.get(row.client);
        if self
            .client_ip
            .is_some_and(|ip| client.is_none_or(|c| c.ip != ip))
            || self
                .client_name
                .is_some_and(|n| client.is_none_or(|c| c.name != n))
            || self
                .db_ip
                .is_some_and(|ip| ds.db(row).is_none_or(|d| d.info.ip != ip))
            || self.db_user.is_some_and(|u| ds.user(row) != u)
        {
            return false;
        }
        match &self.statement {
            Some(s) => ds.statement(row).to_lowercase().contains(s.as_str()),
            None => true,
        }
    }
}

/// Calls `f` with every row of `range` that `filter` matches, in index order.
pub(super) fn scan(
    ds: &Dataset,
    range: Range<u64>,
    filter: &SqlFilter<'_>,
    mut f: impl FnMut(&SqlRow),
) {
    for i in range {
        let row = ds.sql(i);
        if filter.matches(ds, &row) {
            f(&row);
        }
    }
}

/// The id of statement `i` (what `show_sql_detail` takes).
pub(super) fn sql_id(i: u64) -> String {
    format!("sql-{i:012}")
}

/// The index of a statement id of `ds`, if it is one.
fn index_of(ds: &Dataset, id: &str) -> Option<u64> {
    let i: u64 = id.strip_prefix("sql-")?.parse().ok()?;
    (i < ds.sql.count && sql_id(i) == id).then_some(i)
}

/// `list_audit_sqls_new` and `list_audit_sqls`.
pub(super) fn list(ds: &Dataset, body: &Value, now_ms: i64) -> Result<Answer, ApiError> {
    let window = requested(body.get("time"), now_ms)?;
    let filter = SqlFilter::of(body)?;
    let (skip, take) = paging(body)?;
    let descending = text(body, "time_order") != Some("ASC");
    let range = ds.sql.range(window.from_ms, window.to_ms);
    let mut page = Vec::new();
    let total = if filter.is_empty() {
        let len = range.end - range.start;
        let first = skip.min(len);
        let last = skip.saturating_add(take).min(len);
        for k in first..last {
            let i = if descending {
                range.end - 1 - k
            } else {
                range.start + k
            };
            page.push(ds.sql(i));
        }
        len
    } else {
        let mut seen = 0u64;
        let mut visit = |row: &SqlRow| {
            if seen >= skip && seen - skip < take {
                page.push(*row);
            }
            seen += 1;
        };
        if descending {
            for i in range.rev() {
                let row = ds.sql(i);
                if filter.matches(ds, &row) {
                    visit(&row);
                }
            }
        } else {
            scan(ds, range, &filter, visit);
        }
        seen
    };
    Answer::of(&Page {
        count: page.len(),
        sqls: page
            .iter()
            .map(|row| Item {
                sql: Row::of(ds, row),
            })
            .collect(),
        total: int32(total),
    })
}

/// A list page, written as the document's `ListAuditSqlsNewResponse`.
#[derive(Serialize)]
struct Page<'a> {
    count: usize,
    sqls: Vec<Item<'a>>,
    total: i64,
}

#[derive(Serialize)]
struct Item<'a> {
    sql: Row<'a>,
}

/// A statement as the lists show it (`AuditSqlResponseSql`).
#[derive(Serialize)]
struct Row<'a> {
    client_ip: &'a str,
    client_name: &'a str,
    db_instance: &'a str,
    db_ip: &'a str,
    db_user: &'a str,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    operated_obj_info: Option<[Object<'a>; 1]>,
    query_type: &'static str,
    risk_level: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_name: Option<&'static str>,
    sql_response: &'static str,
    sql_statement: String,
    start_time: String,
}

/// The table a statement works on (`AuditSqlResponseOperatedObjInfo`).
#[derive(Serialize)]
struct Object<'a> {
    column_name: &'static str,
    object_type: &'static str,
    schema_name: &'a str,
    sql_type: &'static str,
    table_name: &'static str,
}

impl<'a> Row<'a> {
    fn of(ds: &'a Dataset, row: &SqlRow) -> Self {
        let db = ds.db(row);
        let client = ds.clients.get(row.client);
        let query_type = QUERY_TYPES[row.kind].0;
        Row {
            client_ip: client.map_or("", |c| c.ip.as_str()),
            client_name: client.map_or("", |c| c.name.as_str()),
            db_instance: db.map_or("", |d| d.label.as_str()),
            db_ip: db.map_or("", |d| d.info.ip.as_str()),
            db_user: ds.user(row),
            id: sql_id(row.index),
            operated_obj_info: (!matches!(row.kind, kind::LOGIN | kind::OPERATE)).then(|| {
                [Object {
                    column_name: if row.kind == kind::SELECT || row.kind == kind::UPDATE {
                        "id,status"
                    } else {
                        ""
                    },
                    object_type: "TABLE",
                    schema_name: db.map_or("", |d| d.info.name.as_str()),
                    sql_type: query_type,
                    table_name: ds.table(row),
                }]
            }),
            query_type,
            risk_level: row.risk.as_str(),
            rule_name: row.rule.map(|r| RULES[r].name),
            sql_response: if row.failed { "FAILED" } else { "SUCCESS" },
            sql_statement: ds.statement(row),
            start_time: format_ms(ds.time_ms(row)),
        }
    }
}

/// `show_sql_detail`.
pub(super) fn detail(ds: &Dataset, id: &str) -> Result<Value, ApiError> {
    let i = index_of(ds, id).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::SQL_NOT_FOUND,
            format!("The audited SQL statement {id} does not exist"),
        )
    })?;
    let row = ds.sql(i);
    let db = ds.db(&row);
    let client = ds.clients.get(row.client);
    let h = mix(row.hash ^ 0xDE7A11);
    let execute_ms = match row.kind {
        kind::SELECT | kind::SELECT_FOR_UPDATE => 1 + h % 120,
        kind::LOGIN | kind::OPERATE => h % 5,
        _ => 2 + h % 400,
    };
    let lines = match row.kind {
        _ if row.failed => 0,
        kind::SELECT => 1 + (h >> 16) % 200,
        kind::SELECT_FOR_UPDATE => 1,
        kind::INSERT | kind::UPDATE | kind::DELETE => 1 + (h >> 16) % 20,
        kind::INSERT_SELECT => 100 + (h >> 16) % 5000,
        _ => 0,
    };
    let client_port = 32768 + (h >> 24) % 28000;
    let db_port = db.map_or(0, |d| d.info.port);
    let session = format!("{}", 10_000 + (row.index / 40) % 90_000);
    let mut out = json!({
        "audit_result": if row.rule.is_some() { "RISK" } else { "NORMAL" },
        "client_ip": client.map_or("", |c| c.ip.as_str()),
        "client_mac": client.map_or("", |c| c.mac.as_str()),
        "client_name": client.map_or("", |c| c.name.as_str()),
        "client_os_name": client.map_or("", |c| c.os),
        "client_os_user": client.map_or("", |c| c.os_user),
        "client_port": client_port,
        "client_port_str": client_port.to_string(),
        "client_tool": client.map_or("", |c| c.tool),
        "db_instance": db.map_or("", |d| d.label.as_str()),
        "db_ip": db.map_or("", |d| d.info.ip.as_str()),
        "db_mac": db.map_or("", |d| d.mac.as_str()),
        "db_port": db_port,
        "db_port_str": db_port.to_string(),
        "db_service_name": db.map_or("", |d| d.info.name.as_str()),
        "db_session_id": session,
        "db_type": db.map_or("MYSQL", |d| d.info.db_type.as_str()),
        "db_user": ds.user(&row),
        "end_time": format_ms(ds.time_ms(&row).saturating_add(execute_ms as i64)),
        "execute_time": execute_ms,
        "field": if row.kind == kind::LOGIN { "" } else { "id,status" },
        "id": sql_id(i),
        "level": row.risk.as_str(),
        "lines": lines.to_string(),
        "log_result": if row.kind == kind::LOGIN { if row.failed { "FAILED" } else { "SUCCESS" } } else { "" },
        "object": if matches!(row.kind, kind::LOGIN | kind::OPERATE) { "" } else { ds.table(&row) },
        "object_type": if matches!(row.kind, kind::LOGIN | kind::OPERATE) { "" } else { "TABLE" },
        "query_id": format!("{:016x}", h),
        "query_type": QUERY_TYPES[row.kind].0,
        "response_length": if row.failed { 0 } else { 64 + (h >> 40) % 8192 },
        "response_status": if row.failed { "FAILED" } else { "SUCCESS" },
        "schema": db.map_or("", |d| d.info.name.as_str()),
        "scope_id": "scope-all-statements",
        "scope_name": "All audit",
        "sql_response": if row.failed { "FAILED" } else { "SUCCESS" },
        "sql_result": if row.failed { "ERROR" } else { "OK" },
        "sql_statement": ds.statement(&row),
        "start_time": format_ms(ds.time_ms(&row)),
        "tcp_session_id": format!("{:016x}", mix(ds.key ^ (row.index / 40))),
    });
    if let (Some(rule), Some(map)) = (row.rule, out.as_object_mut()) {
        let rule = &RULES[rule];
        map.insert("rule_id".into(), json!(rule.id));
        map.insert("rule_name".into(), json!(rule.name));
        map.insert("rule_type".into(), json!(rule.rule_type));
    }
    Ok(json!({ "sql": out }))
}
