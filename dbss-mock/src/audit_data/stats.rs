//! The statistics: counts of the statements the lists return, per time bucket or per
//! database and user.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::generator::{Dataset, INJECTION_RULE, Risk, SqlRow, kind};
use super::sqls::{SqlFilter, scan};
use super::text;
use super::window::{Window, format_ms, requested};
use crate::error::ApiError;
use crate::ops::Operation;

/// How many statistics requests the trend history keeps per instance.
pub(super) const HISTORY_LEN: usize = 100;

/// The most buckets a trend answer has.
const MAX_BUCKETS: usize = 10_000;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The six trend statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trend {
    Risk,
    Operation,
    Session,
    SqlCount,
    Injection,
    SqlType,
}

impl Trend {
    /// The statistics `op` asks for.
    pub fn of(op: Operation) -> Option<Trend> {
        Some(match op {
            Operation::CountRiskTrendStatistics => Trend::Risk,
            Operation::CountOperationStatistics => Trend::Operation,
            Operation::CountSessionStatistics => Trend::Session,
            Operation::CountSqlTrendStatistics => Trend::SqlCount,
            Operation::CountInjectionStatistics => Trend::Injection,
            Operation::CountSqlStatistics => Trend::SqlType,
            _ => return None,
        })
    }

    /// The answer's list member and the history's `statistics_type`.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Trend::Risk => ("risk_statistics", "RISK"),
            Trend::Operation => ("operation_statistics", "OPERATION"),
            Trend::Session => ("session_statistics", "SESSION"),
            Trend::SqlCount => ("count_statistics", "COUNT"),
            Trend::Injection => ("injection_statistics", "INJECTION"),
            Trend::SqlType => ("sql_statistics", "SQL"),
        }
    }

    /// Adds a row to a bucket's counters.
    fn count(self, row: &SqlRow, c: &mut [i64; 5]) {
        match self {
            Trend::Risk => {
                c[match row.risk {
                    Risk::High => 0,
                    Risk::Medium => 1,
                    Risk::Low => 2,
                    Risk::Safe => 3,
                }] += 1;
            }
            Trend::Operation => c[0] += i64::from(row.risk != Risk::Safe),
            Trend::Session => {
                if row.kind == kind::LOGIN {
                    c[0] += 1;
                    c[usize::from(row.failed) + 1] += 1;
                }
            }
            Trend::SqlCount => c[0] += 1,
            Trend::Injection => c[0] += i64::from(row.rule == Some(INJECTION_RULE)),
            Trend::SqlType => {
                c[match row.kind {
                    kind::SELECT => 0,
                    kind::INSERT => 1,
                    kind::UPDATE => 2,
                    kind::DELETE => 3,
                    _ => 4,
                }] += 1;
            }
        }
    }

    fn entry(self, period: String, c: &[i64; 5]) -> Value {
        match self {
            Trend::Risk => json!({
                "period": period,
                "high_risk_num": c[0],
                "middle_risk_num": c[1],
                "low_risk_num": c[2],
                "no_risk_num": c[3],
            }),
            Trend::Operation => json!({ "period": period, "risk_operation_num": c[0] }),
            Trend::Session => json!({
                "period": period,
                "new_session_num": c[0],
                "active_session_num": c[1],
                "fail_session_num": c[2],
            }),
            Trend::SqlCount => json!({ "period": period, "sql_num": c[0] }),
            Trend::Injection => json!({ "period": period, "injection_num": c[0] }),
            Trend::SqlType => json!({
                "period": period,
                "select_num": c[0],
                "insert_num": c[1],
                "update_num": c[2],
                "delete_num": c[3],
                "other_num": c[4],
            }),
        }
    }
}

/// The indexes of the databases `ids` names (`None`: every database).
fn databases(ds: &Dataset, ids: Option<Vec<&str>>) -> Option<Vec<usize>> {
    let ids = ids.filter(|ids| !ids.is_empty())?;
    Some(
        ds.dbs
            .iter()
            .enumerate()
            .filter(|(_, d)| ids.contains(&d.info.id.as_str()))
            .map(|(i, _)| i)
            .collect(),
    )
}

/// The buckets of `window`: an hour each when it spans at most a day, else a UTC day; each
/// clipped to the window.
pub(super) fn buckets(window: Window) -> Vec<(i64, Window)> {
    if window.to_ms < window.from_ms {
        return Vec::new();
    }
    let step = if window.to_ms.saturating_sub(window.from_ms) < DAY_MS {
        HOUR_MS
    } else {
        DAY_MS
    };
    let mut out = Vec::new();
    let mut start = window
        .from_ms
        .saturating_sub(window.from_ms.rem_euclid(step));
    // A data window of centuries would still answer, in its first MAX_BUCKETS days.
    while start <= window.to_ms && out.len() < MAX_BUCKETS {
        let end = start.saturating_add(step - 1);
        out.push((
            start,
            Window {
                from_ms: start,
                to_ms: end,
            }
            .within(window),
        ));
        start = start.saturating_add(step);
    }
    out
}

/// A trend statistics answer, and its trend-history record.
pub(super) fn trend(
    ds: &Dataset,
    trend: Trend,
    body: &Value,
    now_ms: i64,
    data: Window,
) -> Result<(Value, Value), ApiError> {
    let window = requested(body.get("time"), now_ms)?.within(data);
    let ids: Option<Vec<&str>> =
        text(body, "db_id").map(|ids| ids.split(',').map(str::trim).collect());
    let dbs = databases(ds, ids.clone());
    let filter = SqlFilter {
        dbs,
        ..SqlFilter::default()
    };
    let entries: Vec<Value> = buckets(window)
        .into_iter()
        .map(|(start, bucket)| {
            let mut c = [0i64; 5];
            scan(
                ds,
                ds.sql.range(bucket.from_ms, bucket.to_ms),
                &filter,
                |row| trend.count(row, &mut c),
            );
            trend.entry(format_ms(start), &c)
        })
        .collect();
    let (member, kind) = trend.names();
    let generated = format_ms(now_ms);
    let mut record = json!({ "generate_time": generated, "statistics_type": kind });
    if let (Some(ids), Some(map)) = (ids, record.as_object_mut()) {
        let names: Vec<&str> = ds
            .dbs
            .iter()
            .filter(|d| ids.contains(&d.info.id.as_str()))
            .map(|d| d.info.name.as_str())
            .collect();
        map.insert("db_id".into(), json!(ids.join(",")));
        map.insert("db_name".into(), json!(names.join(",")));
    }
    Ok((
        json!({ member: entries, "generate_time": generated, "status": "FINISHED" }),
        record,
    ))
}

/// `count_db_account_session` (`by_user`) and `count_db_client_session`: the sessions
/// (`LOGIN` statements) in the window per database and user, or per database, most first.
pub(super) fn sessions(
    ds: &Dataset,
    body: &Value,
    now_ms: i64,
    by_user: bool,
) -> Result<Value, ApiError> {
    let window = requested(body.get("time"), now_ms)?;
    let ids: Option<Vec<&str>> = body
        .get("db_id")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect());
    let filter = SqlFilter {
        dbs: databases(ds, ids),
        kind: Some(kind::LOGIN),
        ..SqlFilter::default()
    };
    let mut counts: HashMap<(usize, usize), i64> = HashMap::new();
    scan(
        ds,
        ds.sql.range(window.from_ms, window.to_ms),
        &filter,
        |row| {
            *counts
                .entry((row.db, if by_user { row.user } else { 0 }))
                .or_default() += 1;
        },
    );
    let mut groups: Vec<((usize, usize), i64)> = counts.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(Value::Array(
        groups
            .into_iter()
            .filter_map(|((db, user), n)| {
                let d = ds.dbs.get(db)?;
                let mut entry = json!({
                    "db_id": d.info.id,
                    "db_ip": d.info.ip,
                    "db_name": d.info.name,
                    "session_num": n,
                });
                if let (true, Some(map)) = (by_user, entry.as_object_mut()) {
                    map.insert(
                        "db_user".into(),
                        json!(d.users.get(user).map_or("", String::as_str)),
                    );
                }
                Some(entry)
            })
            .collect(),
    ))
}
