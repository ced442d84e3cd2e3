//! Unit tests of the audit data: determinism, filters, paging, the statistics against the
//! lists, alarm changes, and every answer against the document's response schema and the
//! generated types.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::window::format_ms;
use super::*;
use crate::openapi_schema::{DIALECT, convert_schema, registry};

/// 2025-08-21 00:00:00 UTC.
const END_MS: u64 = 1_755_734_400_000;

fn end() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(END_MS)
}

fn data(rows: u64) -> AuditData {
    AuditData::new(
        AuditDataConfig::default()
            .rows(rows)
            .alarms(300)
            .operation_logs(150)
            .window(Duration::from_secs(3 * 86_400))
            .end(end()),
        SystemTime::now(),
    )
}

struct Req {
    id: String,
    body: Value,
}

impl Input for Req {
    fn path(&self, name: &str) -> &str {
        if name == "id" { &self.id } else { "" }
    }

    fn json(&self) -> Result<Value, ApiError> {
        Ok(self.body.clone())
    }
}

fn ctx() -> InstanceContext {
    InstanceContext::new(crate::state::FIRST_INSTANCE_ID)
}

fn ask(d: &AuditData, op: Operation, body: Value) -> Value {
    ask_id(d, op, "", body)
}

fn ask_id(d: &AuditData, op: Operation, id: &str, body: Value) -> Value {
    let answer = d
        .answer(
            op,
            &ctx(),
            &Req {
                id: id.into(),
                body,
            },
            end(),
        )
        .and_then(|a| a.json())
        .unwrap_or_else(|e| panic!("{op}: {} {}", e.code, e.msg));
    check_answer(op, &answer);
    answer
}

fn error(d: &AuditData, op: Operation, id: &str, body: Value) -> ApiError {
    d.answer(
        op,
        &ctx(),
        &Req {
            id: id.into(),
            body,
        },
        end(),
    )
    .expect_err("an error")
}

/// The answer fits the 200 response schema, names only properties the schema has, and
/// decodes into the generated type.
fn check_answer(op: Operation, answer: &Value) {
    static DOC: LazyLock<(Value, jsonschema::Registry<'static>)> = LazyLock::new(|| {
        let doc = crate::validate::document();
        let registry = registry(&doc).unwrap();
        (doc, registry)
    });
    static VALIDATORS: LazyLock<Mutex<HashMap<Operation, Arc<jsonschema::Validator>>>> =
        LazyLock::new(Mutex::default);
    let (doc, registry) = &*DOC;
    let schema = doc
        .pointer(&format!(
            "{}/responses/200/content/application~1json/schema",
            op.document_pointer()
        ))
        .unwrap()
        .clone();
    let validator = VALIDATORS
        .lock()
        .unwrap()
        .entry(op)
        .or_insert_with(|| {
            let root = json!({
                "$schema": DIALECT,
                "allOf": [convert_schema(&schema).unwrap()],
            });
            Arc::new(
                jsonschema::draft202012::options()
                    .should_validate_formats(false)
                    .with_registry(registry)
                    .build(&root)
                    .unwrap(),
            )
        })
        .clone();
    let errors: Vec<String> = validator
        .iter_errors(answer)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{op}: {errors:?}");
    known_properties(doc, &schema, answer, op.operation_id());
    use Operation as O;
    let decoded = match op {
        O::ListAuditSqlsNew => decode::<dbss_types::ListAuditSqlsNewResponse>(answer),
        O::ListAuditSqls => decode::<dbss_types::ListAuditSqlsResponse>(answer),
        O::ShowSqlDetail => decode::<dbss_types::ShowSqlDetailResponse>(answer),
        O::ListAuditAlarmLogNew => decode::<dbss_types::ListAuditAlarmLogNewResponse>(answer),
        O::ListAuditAlarmLog => decode::<dbss_types::ListAuditAlarmLogResponse>(answer),
        O::SetAuditAlarmLogStatus => decode::<dbss_types::SetAuditAlarmLogStatusResponse>(answer),
        O::BatchSetAuditAlarmLogStatus => {
            decode::<dbss_types::BatchSetAuditAlarmLogStatusResponse>(answer)
        }
        O::DeleteAuditAlarmLog => decode::<dbss_types::DeleteAuditAlarmLogResponse>(answer),
        O::ListAuditOperateLogsNew => decode::<dbss_types::ListAuditOperateLogsNewResponse>(answer),
        O::ListAuditOperateLogs => decode::<dbss_types::ListAuditOperateLogsResponse>(answer),
        O::CountDbAccountSession => decode::<dbss_types::CountDbAccountSessionResponse>(answer),
        O::CountDbClientSession => decode::<dbss_types::CountDbClientSessionResponse>(answer),
        O::CountRiskTrendStatistics => {
            decode::<dbss_types::CountRiskTrendStatisticsResponse>(answer)
        }
        O::CountOperationStatistics => {
            decode::<dbss_types::CountOperationStatisticsResponse>(answer)
        }
        O::CountSessionStatistics => decode::<dbss_types::CountSessionStatisticsResponse>(answer),
        O::CountSqlTrendStatistics => decode::<dbss_types::CountSqlTrendStatisticsResponse>(answer),
        O::CountInjectionStatistics => {
            decode::<dbss_types::CountInjectionStatisticsResponse>(answer)
        }
        O::CountSqlStatistics => decode::<dbss_types::CountSqlStatisticsResponse>(answer),
        O::ListAuditTrendHistory => decode::<dbss_types::ListAuditTrendHistoryResponse>(answer),
        _ => panic!("{op} is not an audit data operation"),
    };
    decoded.unwrap_or_else(|e| panic!("{op}: does not decode: {e}"));
}

fn decode<T: serde::de::DeserializeOwned + serde::Serialize>(v: &Value) -> Result<(), String> {
    let typed: T = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
    // Re-encoded, nothing is lost (the types leave out empty lists).
    let again = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    if without_empty_lists(&again) != without_empty_lists(v) {
        let text = again.to_string();
        return Err(format!(
            "re-encoded differently: {}",
            text.get(..text.len().min(400)).unwrap_or_default()
        ));
    }
    Ok(())
}

fn without_empty_lists(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| v.as_array().is_none_or(|a| !a.is_empty()))
                .map(|(k, v)| (k.clone(), without_empty_lists(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_empty_lists).collect()),
        other => other.clone(),
    }
}

/// Every member of `value` is a property of `schema` (the schema lets others through; a typo
/// in a member name would pass it unnoticed).
fn known_properties(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let mut schema = schema;
    while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        schema = doc
            .pointer(&r.replace("#/components/schemas/", "/components/schemas/"))
            .unwrap();
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, v) in map {
                let prop = props
                    .and_then(|p| p.get(k))
                    .unwrap_or_else(|| panic!("{at}: {k} is not in the schema"));
                known_properties(doc, prop, v, &format!("{at}.{k}"));
            }
        }
        Value::Array(items) => {
            let item = schema.get("items").unwrap();
            for v in items {
                known_properties(doc, item, v, &format!("{at}[]"));
            }
        }
        _ => {}
    }
}

fn sql_body(extra: Value) -> Value {
    let mut body = json!({"page": 1, "size": 10_000, "time": {}, "time_order": "ASC"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

fn sqls(answer: &Value) -> Vec<Value> {
    answer["sqls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sql"].clone())
        .collect()
}

fn total(answer: &Value) -> u64 {
    answer["total"].as_u64().unwrap()
}

/// Every statement of the instance, oldest first.
fn all_rows(d: &AuditData) -> Vec<Value> {
    sqls(&ask(d, Operation::ListAuditSqlsNew, sql_body(json!({}))))
}

#[test]
fn the_same_seed_gives_the_same_rows_and_another_seed_others() {
    let body = sql_body(json!({"size": 50}));
    let a = ask(&data(2_000), Operation::ListAuditSqlsNew, body.clone());
    let b = ask(&data(2_000), Operation::ListAuditSqlsNew, body.clone());
    assert_eq!(a, b);
    let other = AuditData::new(
        AuditDataConfig::default()
            .rows(2_000)
            .window(Duration::from_secs(3 * 86_400))
            .end(end())
            .seed(7),
        SystemTime::now(),
    );
    assert_ne!(a, ask(&other, Operation::ListAuditSqlsNew, body.clone()));
    // Another instance has other data too.
    let c = other
        .answer(
            Operation::ListAuditSqlsNew,
            &InstanceContext::new("0123456789abcdef0123456789abcdef"),
            &Req {
                id: String::new(),
                body,
            },
            end(),
        )
        .and_then(|a| a.json())
        .unwrap();
    assert_ne!(a, c);
}

#[test]
fn rows_are_plausible_spread_over_the_window_and_in_time_order() {
    let d = data(5_000);
    let rows = all_rows(&d);
    assert_eq!(rows.len(), 5_000);
    let first = format_ms(END_MS as i64 - 3 * 86_400_000);
    let last = format_ms(END_MS as i64);
    let times: Vec<&str> = rows
        .iter()
        .map(|r| r["start_time"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert!(times[0] >= first.as_str() && times[0] < "2025-08-18 01:00:00");
    assert!(
        *times.last().unwrap() <= last.as_str() && *times.last().unwrap() > "2025-08-20 23:00:00"
    );
    for r in &rows {
        let ip: std::net::Ipv4Addr = r["client_ip"].as_str().unwrap().parse().unwrap();
        assert!(ip.is_private(), "{ip}");
        let db: std::net::Ipv4Addr = r["db_ip"].as_str().unwrap().parse().unwrap();
        assert!(db.is_private(), "{db}");
        let kind = r["query_type"].as_str().unwrap();
        let text = r["sql_statement"].as_str().unwrap();
        let expected = match kind {
            "SELECT" | "SELECT_FOR_UPDATE" => "SELECT",
            "INSERT" | "INSERT_SELECT" => "INSERT",
            "UPDATE" => "UPDATE",
            "DELETE" => "DELETE",
            "CREATE_TABLE" | "CREATE_TABLESPACE" | "CREATE_USER" => "CREATE",
            "DROP_TABLE" | "DROP_TABLESPACE" | "DROP_USER" => "DROP",
            "GRANT" => "GRANT",
            "LOGIN" => "LOGIN",
            _ => "",
        };
        assert!(text.starts_with(expected), "{kind}: {text}");
        assert_eq!(r["risk_level"] == "NO_RISK", r.get("rule_name").is_none());
    }
    // Every risk level and the common types occur.
    for level in ["HIGH", "MEDIUM", "LOW", "NO_RISK"] {
        assert!(rows.iter().any(|r| r["risk_level"] == level), "{level}");
    }
    let selects = rows.iter().filter(|r| r["query_type"] == "SELECT").count();
    assert!((2_300..3_100).contains(&selects), "{selects}");
}

#[test]
fn filters_return_exactly_the_matching_rows() {
    let d = data(5_000);
    let rows = all_rows(&d);
    let sample = &rows[1234];
    let cases = [
        ("client_ip", sample["client_ip"].clone()),
        ("client_name", sample["client_name"].clone()),
        ("db_ip", sample["db_ip"].clone()),
        ("db_user", sample["db_user"].clone()),
        ("query_type", json!("DELETE")),
        ("risk_levels", json!("HIGH")),
        ("sql_response", json!("FAILED")),
        ("rule_name", json!("SQL injection")),
    ];
    for (field, value) in cases {
        let field_of_row = match field {
            "risk_levels" => "risk_level",
            f => f,
        };
        let expected: Vec<&Value> = rows.iter().filter(|r| r[field_of_row] == value).collect();
        assert!(!expected.is_empty(), "{field}");
        let answer = ask(
            &d,
            Operation::ListAuditSqlsNew,
            sql_body(json!({ field: value })),
        );
        assert_eq!(total(&answer) as usize, expected.len(), "{field}");
        let got = sqls(&answer);
        assert_eq!(got.iter().collect::<Vec<_>>(), expected, "{field}");
    }
    // Substring of the statement, any case; ALL is no filter.
    let answer = ask(
        &d,
        Operation::ListAuditSqlsNew,
        sql_body(json!({"sql_statement": "for update"})),
    );
    let expected = rows
        .iter()
        .filter(|r| r["query_type"] == "SELECT_FOR_UPDATE")
        .count();
    assert_eq!(total(&answer) as usize, expected);
    let answer = ask(
        &d,
        Operation::ListAuditSqlsNew,
        sql_body(json!({"query_type": "ALL"})),
    );
    assert_eq!(total(&answer), 5_000);
    // Filters combine.
    let answer = ask(
        &d,
        Operation::ListAuditSqlsNew,
        sql_body(json!({"query_type": "LOGIN", "sql_response": "FAILED", "risk_levels": "LOW"})),
    );
    let expected = rows
        .iter()
        .filter(|r| r["query_type"] == "LOGIN" && r["sql_response"] == "FAILED")
        .count();
    assert!(expected > 0);
    assert_eq!(total(&answer) as usize, expected);
}

#[test]
fn pages_cover_the_total_in_either_order() {
    let d = data(3_000);
    for filter in [json!({}), json!({"query_type": "UPDATE"})] {
        let mut asc = Vec::new();
        let mut desc = Vec::new();
        let mut page = 1;
        loop {
            let mut body = sql_body(filter.clone());
            body["page"] = json!(page);
            body["size"] = json!(97);
            let a = ask(&d, Operation::ListAuditSqlsNew, body.clone());
            body["time_order"] = json!("DESC");
            let b = ask(&d, Operation::ListAuditSqls, body);
            assert_eq!(total(&a), total(&b));
            if sqls(&a).is_empty() {
                assert_eq!(asc.len() as u64, total(&a));
                break;
            }
            assert_eq!(a["count"].as_u64().unwrap(), sqls(&a).len() as u64);
            asc.extend(sqls(&a));
            desc.extend(sqls(&b));
            page += 1;
        }
        desc.reverse();
        assert_eq!(asc, desc);
        assert_eq!(
            asc,
            sqls(&ask(&d, Operation::ListAuditSqlsNew, sql_body(filter)))
        );
    }
    for bad in [
        json!({"page": 0}),
        json!({"size": 0}),
        json!({"size": 10_001}),
    ] {
        let e = error(&d, Operation::ListAuditSqlsNew, "", sql_body(bad));
        assert_eq!(e.code, crate::codes::INVALID_PARAMETER);
    }
}

#[test]
fn the_time_window_is_respected() {
    let d = data(5_000);
    let rows = all_rows(&d);
    let (from, to) = ("2025-08-19 06:30:00", "2025-08-19 18:15:59");
    let answer = ask(
        &d,
        Operation::ListAuditSqlsNew,
        sql_body(json!({"time": {"start_time": from, "end_time": to}})),
    );
    let expected: Vec<&Value> = rows
        .iter()
        .filter(|r| (from..=to).contains(&r["start_time"].as_str().unwrap()))
        .collect();
    assert!(expected.len() > 100);
    assert_eq!(sqls(&answer).iter().collect::<Vec<_>>(), expected);
    // time_range counts back from now (the end of the data here).
    let answer = ask(
        &d,
        Operation::ListAuditSqlsNew,
        sql_body(json!({"time": {"time_range": "HOUR"}})),
    );
    let hour_ago = format_ms(END_MS as i64 - 3_600_000);
    let expected = rows
        .iter()
        .filter(|r| r["start_time"].as_str().unwrap() >= hour_ago.as_str())
        .count();
    assert_eq!(total(&answer) as usize, expected);
    let e = error(
        &d,
        Operation::ListAuditSqlsNew,
        "",
        sql_body(json!({"time": {"start_time": from}})),
    );
    assert_eq!(e.code, crate::codes::INVALID_PARAMETER);
}

#[test]
fn a_statement_s_detail_matches_its_row_and_unknown_ids_are_refused() {
    let d = data(1_000);
    let rows = all_rows(&d);
    for row in rows.iter().step_by(97) {
        let id = row["id"].as_str().unwrap();
        let detail = ask_id(&d, Operation::ShowSqlDetail, id, Value::Null);
        let sql = &detail["sql"];
        for field in [
            "id",
            "client_ip",
            "db_ip",
            "db_user",
            "query_type",
            "sql_statement",
            "start_time",
        ] {
            assert_eq!(sql[field], row[field], "{field}");
        }
        assert_eq!(sql["level"], row["risk_level"]);
    }
    for id in ["sql-000000001000", "sql-1", "x", "sql-00000000000a"] {
        let e = error(&d, Operation::ShowSqlDetail, id, Value::Null);
        assert_eq!(e.code, crate::codes::SQL_NOT_FOUND, "{id}");
        assert_eq!(e.status, http::StatusCode::BAD_REQUEST);
    }
}

fn trend_body(extra: Value) -> Value {
    let mut body = json!({"regenerate": 0, "time": {}});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

/// The list total of statements in `[from, to]` (whole seconds) with `filter`.
fn list_total(d: &AuditData, from: &str, to: &str, filter: Value) -> i64 {
    let mut body = sql_body(filter);
    body["time"] = json!({"start_time": from, "end_time": to});
    body["size"] = json!(1);
    total(&ask(d, Operation::ListAuditSqlsNew, body)) as i64
}

#[test]
fn the_statistics_count_what_the_lists_return() {
    let d = data(4_000);
    let ds = d.dataset(&ctx());
    let db = &ds.dbs[1].info;
    for (window, db_filter) in [
        (
            json!({"start_time": "2025-08-19 10:20:00", "end_time": "2025-08-20 03:00:00"}),
            None,
        ),
        (json!({"time_range": "DAY"}), Some(db)),
        (json!({}), None),
    ] {
        let mut extra = json!({ "time": window });
        let mut list_filter = json!({});
        if let Some(db) = db_filter {
            extra["db_id"] = json!(db.id);
            list_filter["db_ip"] = json!(db.ip);
        }
        let with = |more: Value| {
            let mut f = list_filter.clone();
            f.as_object_mut()
                .unwrap()
                .extend(more.as_object().unwrap().clone());
            f
        };
        let ops = [
            Operation::CountRiskTrendStatistics,
            Operation::CountOperationStatistics,
            Operation::CountSessionStatistics,
            Operation::CountSqlTrendStatistics,
            Operation::CountInjectionStatistics,
            Operation::CountSqlStatistics,
        ];
        let mut all_buckets = 0;
        for op in ops {
            let answer = ask(&d, op, trend_body(extra.clone()));
            assert_eq!(answer["status"], "FINISHED");
            let member = answer
                .as_object()
                .unwrap()
                .iter()
                .find(|(_, v)| v.is_array())
                .unwrap()
                .1
                .as_array()
                .unwrap()
                .clone();
            assert!(!member.is_empty(), "{op}");
            let n = member.len();
            for (k, entry) in member.iter().enumerate() {
                // The bucket as a list window: its start (or the window's) to the next one's.
                let period = entry["period"].as_str().unwrap();
                let start_ms = crate::state::parse_time(period).map(window::ms_of).unwrap();
                let (from, to) = bucket_bounds(&d, &extra, start_ms, k == 0, k + 1 == n);
                let count = |f: Value| list_total(&d, &from, &to, with(f));
                let num = |name: &str| entry[name].as_i64().unwrap();
                match op {
                    Operation::CountRiskTrendStatistics => {
                        assert_eq!(num("high_risk_num"), count(json!({"risk_levels": "HIGH"})));
                        assert_eq!(
                            num("middle_risk_num"),
                            count(json!({"risk_levels": "MEDIUM"}))
                        );
                        assert_eq!(num("low_risk_num"), count(json!({"risk_levels": "LOW"})));
                        assert_eq!(num("no_risk_num"), count(json!({"risk_levels": "NO_RISK"})));
                    }
                    Operation::CountOperationStatistics => {
                        let risky: i64 = ["HIGH", "MEDIUM", "LOW"]
                            .iter()
                            .map(|r| count(json!({ "risk_levels": r })))
                            .sum();
                        assert_eq!(num("risk_operation_num"), risky);
                    }
                    Operation::CountSessionStatistics => {
                        assert_eq!(
                            num("new_session_num"),
                            count(json!({"query_type": "LOGIN"}))
                        );
                        assert_eq!(
                            num("fail_session_num"),
                            count(json!({"query_type": "LOGIN", "sql_response": "FAILED"}))
                        );
                        assert_eq!(
                            num("active_session_num"),
                            count(json!({"query_type": "LOGIN", "sql_response": "SUCCESS"}))
                        );
                    }
                    Operation::CountSqlTrendStatistics => {
                        assert_eq!(num("sql_num"), count(json!({})));
                    }
                    Operation::CountInjectionStatistics => {
                        assert_eq!(
                            num("injection_num"),
                            count(json!({"rule_name": "SQL injection"}))
                        );
                    }
                    _ => {
                        let all = count(json!({}));
                        let mut typed = 0;
                        for (name, q) in [
                            ("select_num", "SELECT"),
                            ("insert_num", "INSERT"),
                            ("update_num", "UPDATE"),
                            ("delete_num", "DELETE"),
                        ] {
                            let c = count(json!({ "query_type": q }));
                            assert_eq!(num(name), c, "{name}");
                            typed += c;
                        }
                        assert_eq!(num("other_num"), all - typed);
                    }
                }
                all_buckets += 1;
            }
        }
        assert!(all_buckets > 0);
    }
    // Statistics of a database that does not exist count nothing.
    let answer = ask(
        &d,
        Operation::CountSqlTrendStatistics,
        trend_body(json!({"db_id": "nope"})),
    );
    assert!(
        answer["count_statistics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["sql_num"] == 0)
    );
}

/// The list window of a statistics bucket starting at `start_ms`, clipped to the request's
/// window (the first and last buckets).
fn bucket_bounds(
    d: &AuditData,
    extra: &Value,
    start_ms: i64,
    first: bool,
    last: bool,
) -> (String, String) {
    let requested = window::requested(extra.get("time"), END_MS as i64)
        .unwrap()
        .within(d.data);
    // An hour each for at most a day, else a day.
    let step = if requested.to_ms - requested.from_ms < 86_400_000 {
        3_600_000
    } else {
        86_400_000
    };
    let from = if first {
        requested.from_ms.max(start_ms)
    } else {
        start_ms
    };
    let to = if last {
        requested.to_ms.min(start_ms + step - 1)
    } else {
        start_ms + step - 1
    };
    (format_ms(from), format_ms(to))
}

#[test]
fn sessions_per_account_and_per_database_count_the_logins() {
    let d = data(4_000);
    let ds = d.dataset(&ctx());
    let body = json!({"time": {"time_range": "WEEK"}});
    let accounts = ask(&d, Operation::CountDbAccountSession, body.clone());
    let clients = ask(&d, Operation::CountDbClientSession, body.clone());
    let mut sum_accounts = 0;
    for a in accounts.as_array().unwrap() {
        let n = a["session_num"].as_i64().unwrap();
        let listed = total(&ask(
            &d,
            Operation::ListAuditSqlsNew,
            sql_body(json!({"query_type": "LOGIN", "db_ip": a["db_ip"], "db_user": a["db_user"]})),
        ));
        assert_eq!(n, listed as i64, "{a}");
        sum_accounts += n;
    }
    let per_db: i64 = clients
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["session_num"].as_i64().unwrap())
        .sum();
    assert_eq!(sum_accounts, per_db);
    let logins = total(&ask(
        &d,
        Operation::ListAuditSqlsNew,
        sql_body(json!({"query_type": "LOGIN"})),
    ));
    assert_eq!(per_db, logins as i64);
    // One database only.
    let one = ask(
        &d,
        Operation::CountDbClientSession,
        json!({"time": {}, "db_id": [ds.dbs[0].info.id]}),
    );
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["db_id"], json!(ds.dbs[0].info.id));
}

fn alarm_body(extra: Value) -> Value {
    let mut body = json!({"page": 1, "size": 1000, "time": {}});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

fn alarms_of(answer: &Value) -> Vec<Value> {
    answer["alarm_log"].as_array().unwrap().clone()
}

#[test]
fn alarms_filter_change_status_and_disappear_when_deleted() {
    let d = data(1_000);
    let all = ask(&d, Operation::ListAuditAlarmLogNew, alarm_body(json!({})));
    assert_eq!(all["total_num"], 300);
    let alarms = alarms_of(&all);
    let times: Vec<&str> = alarms
        .iter()
        .map(|a| a["alarm_time"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let undo: Vec<&Value> = alarms
        .iter()
        .filter(|a| a["alarm_status"] == "UNDO")
        .collect();
    let answer = ask(
        &d,
        Operation::ListAuditAlarmLogNew,
        alarm_body(json!({"status": "UNDO"})),
    );
    assert_eq!(answer["total_num"].as_u64().unwrap() as usize, undo.len());
    let high_or_low = alarms
        .iter()
        .filter(|a| a["alarm_risk"] == "HIGH" || a["alarm_risk"] == "LOW")
        .count();
    let answer = ask(
        &d,
        Operation::ListAuditAlarmLogNew,
        alarm_body(json!({"risk": ["HIGH", "LOW"]})),
    );
    assert_eq!(answer["total_num"].as_u64().unwrap() as usize, high_or_low);
    let cpu = alarms
        .iter()
        .filter(|a| a["alarm_type"] == "RISK_CPU")
        .count();
    let answer = ask(
        &d,
        Operation::ListAuditAlarmLogNew,
        alarm_body(json!({"type": "RISK_CPU"})),
    );
    assert_eq!(answer["total_num"].as_u64().unwrap() as usize, cpu);
    // The deprecated list has the same alarms under camel-case names.
    let old = ask(&d, Operation::ListAuditAlarmLog, alarm_body(json!({})));
    assert_eq!(old["alarm_log"][0]["alarmLife"], alarms[0]["alarm_life"]);
    assert_eq!(old["alarm_log"][0]["sendEmail"], alarms[0]["send_email"]);

    // Confirm one, then two in a batch.
    let first = undo[0]["id"].as_str().unwrap();
    let answer = ask_id(&d, Operation::SetAuditAlarmLogStatus, first, Value::Null);
    assert_eq!(answer["result"], "request_success");
    let ids = [undo[1]["id"].clone(), undo[2]["id"].clone()];
    ask(
        &d,
        Operation::BatchSetAuditAlarmLogStatus,
        json!({ "ids": ids }),
    );
    let answer = ask(
        &d,
        Operation::ListAuditAlarmLogNew,
        alarm_body(json!({"status": "UNDO"})),
    );
    assert_eq!(
        answer["total_num"].as_u64().unwrap() as usize,
        undo.len() - 3
    );
    let done = ask(
        &d,
        Operation::ListAuditAlarmLogNew,
        alarm_body(json!({"status": "DONE"})),
    );
    assert!(alarms_of(&done).iter().any(|a| a["id"] == first));

    // A batch with an unknown id changes nothing.
    let e = error(
        &d,
        Operation::BatchSetAuditAlarmLogStatus,
        "",
        json!({"ids": [undo[3]["id"], "alarm-0000099999"]}),
    );
    assert_eq!(e.code, crate::codes::ALARM_NOT_FOUND);
    let answer = ask(
        &d,
        Operation::ListAuditAlarmLogNew,
        alarm_body(json!({"status": "UNDO"})),
    );
    assert_eq!(
        answer["total_num"].as_u64().unwrap() as usize,
        undo.len() - 3
    );

    // Delete: gone from the list and the total; a second delete or a status change is refused.
    let answer = ask_id(&d, Operation::DeleteAuditAlarmLog, first, Value::Null);
    assert_eq!(answer["result"], "request_success");
    let after = ask(&d, Operation::ListAuditAlarmLogNew, alarm_body(json!({})));
    assert_eq!(after["total_num"], 299);
    assert!(alarms_of(&after).iter().all(|a| a["id"] != first));
    for op in [
        Operation::DeleteAuditAlarmLog,
        Operation::SetAuditAlarmLogStatus,
    ] {
        let e = error(&d, op, first, Value::Null);
        assert_eq!(e.code, crate::codes::ALARM_NOT_FOUND);
        assert_eq!(e.status, http::StatusCode::BAD_REQUEST);
    }
    // Another instance's alarms are untouched.
    let other = d
        .answer(
            Operation::ListAuditAlarmLogNew,
            &InstanceContext::new("0123456789abcdef0123456789abcdef"),
            &Req {
                id: String::new(),
                body: alarm_body(json!({})),
            },
            end(),
        )
        .and_then(|a| a.json())
        .unwrap();
    assert_eq!(other["total_num"], 300);
}

#[test]
fn operation_logs_filter_and_page() {
    let d = data(1_000);
    let body = json!({"page": "1", "size": "1000", "time": {}});
    let all = ask(&d, Operation::ListAuditOperateLogsNew, body.clone());
    assert_eq!(all["total_num"], 150);
    let logs = all["operate_log"].as_array().unwrap();
    for log in logs {
        let ms: i64 = log["time"].as_str().unwrap().parse().unwrap();
        assert!(ms <= END_MS as i64 && ms >= END_MS as i64 - 3 * 86_400_000);
    }
    let mut filtered = body.clone();
    filtered["action"] = json!("DOWNLOAD");
    filtered["result"] = json!("success");
    let answer = ask(&d, Operation::ListAuditOperateLogs, filtered);
    let expected = logs
        .iter()
        .filter(|l| l["action"] == "download" && l["result"] == "success")
        .count();
    assert!(expected > 0);
    assert_eq!(answer["total_num"].as_u64().unwrap() as usize, expected);
    let mut page2 = body.clone();
    page2["page"] = json!("2");
    page2["size"] = json!("40");
    let answer = ask(&d, Operation::ListAuditOperateLogsNew, page2);
    assert_eq!(answer["operate_log"].as_array().unwrap()[..], logs[40..80]);
    let mut bad = body;
    bad["page"] = json!("x");
    assert_eq!(
        error(&d, Operation::ListAuditOperateLogsNew, "", bad).code,
        crate::codes::INVALID_PARAMETER
    );
}

#[test]
fn the_trend_history_lists_the_statistics_asked_for() {
    let d = data(500);
    assert_eq!(
        ask(&d, Operation::ListAuditTrendHistory, Value::Null),
        json!([])
    );
    ask(
        &d,
        Operation::CountRiskTrendStatistics,
        trend_body(json!({})),
    );
    let db = d.dataset(&ctx()).dbs[0].info.clone();
    ask(
        &d,
        Operation::CountSqlStatistics,
        trend_body(json!({"db_id": db.id})),
    );
    let history = ask(&d, Operation::ListAuditTrendHistory, Value::Null);
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["statistics_type"], "SQL");
    assert_eq!(history[0]["db_id"], json!(db.id));
    assert_eq!(history[0]["db_name"], json!(db.name));
    assert_eq!(history[1]["statistics_type"], "RISK");
    assert_eq!(history[1]["generate_time"], json!(format_ms(END_MS as i64)));
}

#[test]
fn given_databases_are_used_and_none_are_invented() {
    let d = data(300);
    let ctx = InstanceContext {
        id: "0123456789abcdef0123456789abcdef".into(),
        databases: vec![DbInfo {
            id: "db-0000000000000001".into(),
            name: "payroll".into(),
            db_type: "POSTGRESQL".into(),
            ip: "192.168.7.20".into(),
            port: 5432,
        }],
    };
    let answer = d
        .answer(
            Operation::ListAuditSqlsNew,
            &ctx,
            &Req {
                id: String::new(),
                body: sql_body(json!({})),
            },
            end(),
        )
        .and_then(|a| a.json())
        .unwrap();
    check_answer(Operation::ListAuditSqlsNew, &answer);
    assert!(sqls(&answer).iter().all(|s| s["db_ip"] == "192.168.7.20"));
}

#[test]
fn a_million_rows_cost_nothing_until_read_and_a_page_is_an_index_range() {
    let d = AuditData::new(
        AuditDataConfig::default().rows(1_000_000).end(end()),
        SystemTime::now(),
    );
    let answer = ask(
        &d,
        Operation::ListAuditSqlsNew,
        json!({"page": 200, "size": 1000, "time": {"time_range": "WEEK"}, "time_order": "DESC"}),
    );
    assert_eq!(sqls(&answer).len(), 1000);
    let week = total(&answer);
    // A week of 30 days' million rows.
    assert!((230_000..237_000).contains(&week), "{week}");
}
