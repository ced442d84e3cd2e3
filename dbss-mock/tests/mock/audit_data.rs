//! The audit data over HTTP: the analytics operations answer generated statements, alarms,
//! operation logs and statistics that decode into the generated types, agree with each other,
//! follow the mock clock, and keep alarm changes.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{client, error_of, json, v1, v2, with_token};
use dbss_mock::{AuditDataConfig, ManualClock, MockServer, codes};
use reqwest::{Client, Method};
use serde_json::{Value, json};

/// 2025-08-21 00:00:00 UTC.
fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_755_734_400)
}

async fn mock(clock: &ManualClock) -> MockServer {
    MockServer::builder()
        .clock(clock.clone())
        .audit_data(AuditDataConfig::default().rows(20_000).alarms(120))
        .start()
        .await
        .unwrap()
}

async fn send(
    client: &Client,
    mock: &MockServer,
    method: Method,
    url: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = with_token(client, mock, method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    json(request.send().await.unwrap()).await
}

fn decode<T: serde::de::DeserializeOwned>(body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn statements_are_listed_paged_detailed_and_the_same_on_the_deprecated_path() {
    let clock = ManualClock::new(start());
    let mock = mock(&clock).await;
    let client = client();
    let body = json!({"page": 2, "size": 50, "time": {"time_range": "WEEK"}, "time_order": "DESC"});
    let (status, answer) = send(
        &client,
        &mock,
        Method::POST,
        &v2(&mock, "/sqls"),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let typed: dbss_types::ListAuditSqlsNewResponse = decode(&answer);
    assert_eq!(typed.sqls.len(), 50);
    let total = typed.total.unwrap();
    // A week of 30 days' 20,000 statements.
    assert!((4_500..4_850).contains(&total), "{total}");
    let times: Vec<String> = typed
        .sqls
        .iter()
        .map(|s| s.sql.start_time.clone().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(
        times[0].as_str() <= "2025-08-21 00:00:00" && times[49].as_str() >= "2025-08-14 00:00:00"
    );

    let deprecated = format!(
        "{}/v1/{}/{}/audit/sqls",
        mock.base_url(),
        mock.project_id(),
        mock.instance_id()
    );
    let (status, old) = send(&client, &mock, Method::POST, &deprecated, Some(body)).await;
    assert_eq!(status, 200, "{old}");
    assert_eq!(old, answer);

    let first = &answer["sqls"][0]["sql"];
    let id = first["id"].as_str().unwrap();
    let (status, detail) = send(
        &client,
        &mock,
        Method::GET,
        &v2(&mock, &format!("/sqls/{id}")),
        None,
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    let typed: dbss_types::ShowSqlDetailResponse = decode(&detail);
    let sql = typed.sql.unwrap();
    assert_eq!(sql.id.as_deref(), Some(id));
    assert_eq!(
        sql.sql_statement.as_deref(),
        first["sql_statement"].as_str()
    );
    assert_eq!(sql.client_ip.as_deref(), first["client_ip"].as_str());

    let (status, error) = send(
        &client,
        &mock,
        Method::GET,
        &v2(&mock, "/sqls/sql-999999999999"),
        None,
    )
    .await;
    assert_eq!(status, 400);
    let (code, msg) = error_of(&error);
    assert_eq!(code, codes::SQL_NOT_FOUND);
    assert!(msg.contains("sql-999999999999"), "{msg}");
}

#[tokio::test]
async fn statistics_count_the_listed_rows_and_follow_the_clock() {
    let clock = ManualClock::new(start());
    let mock = mock(&clock).await;
    let client = client();
    let list = |range: &str| json!({"page": 1, "size": 1, "time": {"time_range": range}, "time_order": "ASC"});
    let stats = |range: &str| json!({"regenerate": 0, "time": {"time_range": range}});

    for range in ["TWELVE_HOUR", "WEEK"] {
        let (_, listed) = send(
            &client,
            &mock,
            Method::POST,
            &v2(&mock, "/sqls"),
            Some(list(range)),
        )
        .await;
        let (status, counted) = send(
            &client,
            &mock,
            Method::POST,
            &v1(&mock, "/statistics/trend/sql-count"),
            Some(stats(range)),
        )
        .await;
        assert_eq!(status, 200, "{counted}");
        let typed: dbss_types::CountSqlTrendStatisticsResponse = decode(&counted);
        let sum: i64 = typed
            .count_statistics
            .iter()
            .map(|c| c.sql_num.unwrap())
            .sum();
        assert_eq!(sum, listed["total"].as_i64().unwrap(), "{range}");
        // Hours for half a day, days for a week.
        let buckets = typed.count_statistics.len();
        assert!(
            if range == "WEEK" {
                buckets == 7 || buckets == 8
            } else {
                buckets == 12 || buckets == 13
            },
            "{buckets}"
        );
    }

    // The data ends at the start: a day later the last day is empty.
    clock.advance(Duration::from_secs(86_400));
    let (_, listed) = send(
        &client,
        &mock,
        Method::POST,
        &v2(&mock, "/sqls"),
        Some(list("DAY")),
    )
    .await;
    assert_eq!(listed["total"], 0);
    let (_, sessions) = send(
        &client,
        &mock,
        Method::POST,
        &v1(&mock, "/statistics/session/db-account"),
        Some(json!({"time": {"time_range": "DAY"}})),
    )
    .await;
    assert_eq!(sessions, json!([]));
    let (status, sessions) = send(
        &client,
        &mock,
        Method::POST,
        &v1(&mock, "/statistics/session/db-account"),
        Some(json!({"time": {"time_range": "WEEK"}})),
    )
    .await;
    assert_eq!(status, 200);
    let typed: dbss_types::CountDbAccountSessionResponse = decode(&sessions);
    assert!(!typed.is_empty());
    let (_, logins) = send(
        &client,
        &mock,
        Method::POST,
        &v2(&mock, "/sqls"),
        Some(json!({"page": 1, "size": 1, "time": {"time_range": "WEEK"}, "time_order": "ASC", "query_type": "LOGIN"})),
    )
    .await;
    let sum: i64 = typed.iter().map(|s| s.session_num.unwrap()).sum();
    assert_eq!(sum, logins["total"].as_i64().unwrap());

    let (status, history) = send(
        &client,
        &mock,
        Method::GET,
        &v2(&mock, "/statistics/trend/history"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let typed: dbss_types::ListAuditTrendHistoryResponse = decode(&history);
    assert_eq!(typed.len(), 2);
}

#[tokio::test]
async fn alarm_changes_show_in_the_list_and_unknown_alarms_are_refused() {
    let clock = ManualClock::new(start());
    let mock = mock(&clock).await;
    let client = client();
    let list = |status: Option<&str>| {
        let mut body = json!({"page": 1, "size": 500, "time": {}});
        if let Some(s) = status {
            body["status"] = json!(s);
        }
        body
    };
    let url = v2(&mock, "/alarm-log");
    let (status, all) = send(&client, &mock, Method::POST, &url, Some(list(None))).await;
    assert_eq!(status, 200, "{all}");
    let typed: dbss_types::ListAuditAlarmLogNewResponse = decode(&all);
    assert_eq!(typed.total_num, Some(120));
    let (_, undo) = send(&client, &mock, Method::POST, &url, Some(list(Some("UNDO")))).await;
    let undo_ids: Vec<String> = undo["alarm_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(undo_ids.len() >= 4);

    let (status, done) = send(
        &client,
        &mock,
        Method::PUT,
        &v1(&mock, &format!("/alarm-log/{}", undo_ids[0])),
        None,
    )
    .await;
    assert_eq!((status, done), (200, json!({"result": "request_success"})));
    let (status, _) = send(
        &client,
        &mock,
        Method::POST,
        &v1(&mock, "/alarm-log/mark"),
        Some(json!({"ids": [undo_ids[1], undo_ids[2]]})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, after) = send(&client, &mock, Method::POST, &url, Some(list(Some("UNDO")))).await;
    assert_eq!(
        after["total_num"].as_u64().unwrap() as usize,
        undo_ids.len() - 3
    );

    let (status, deleted) = send(
        &client,
        &mock,
        Method::DELETE,
        &v1(&mock, &format!("/alarm-log/{}", undo_ids[3])),
        None,
    )
    .await;
    assert_eq!(
        (status, deleted),
        (200, json!({"result": "request_success"}))
    );
    let (_, after) = send(&client, &mock, Method::POST, &url, Some(list(None))).await;
    assert_eq!(after["total_num"], 119);
    assert!(
        after["alarm_log"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != undo_ids[3].as_str())
    );

    for (method, id) in [
        (Method::DELETE, undo_ids[3].as_str()),
        (Method::PUT, "alarm-0000099999"),
        (Method::DELETE, "no-such-alarm-id-at-all"),
    ] {
        let (status, error) = send(
            &client,
            &mock,
            method,
            &v1(&mock, &format!("/alarm-log/{id}")),
            None,
        )
        .await;
        assert_eq!(status, 400, "{error}");
        let (code, msg) = error_of(&error);
        assert_eq!(code, codes::ALARM_NOT_FOUND);
        assert_eq!(msg, format!("The alarm {id} does not exist"));
    }
}

#[tokio::test]
async fn operation_logs_decode_and_instances_have_their_own_data() {
    let clock = ManualClock::new(start());
    let mock = mock(&clock).await;
    let client = client();
    let body = json!({"page": "1", "size": "20", "time": {"time_range": "MONTH"}});
    let (status, logs) = send(
        &client,
        &mock,
        Method::POST,
        &v1(&mock, "/operation-log"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{logs}");
    let typed: dbss_types::ListAuditOperateLogsNewResponse = decode(&logs);
    assert_eq!(typed.operate_log.len(), 20);
    assert_eq!(typed.total_num, Some(100));

    let ids = mock.instance_ids();
    let body = json!({"page": 1, "size": 5, "time": {}, "time_order": "ASC"});
    let url = |instance: &str| {
        format!(
            "{}/v2/{}/audit/{instance}/sqls",
            mock.base_url(),
            mock.project_id()
        )
    };
    let (_, a) = send(
        &client,
        &mock,
        Method::POST,
        &url(&ids[0]),
        Some(body.clone()),
    )
    .await;
    let (_, b) = send(
        &client,
        &mock,
        Method::POST,
        &url(&ids[1]),
        Some(body.clone()),
    )
    .await;
    assert_eq!(a["total"], 20_000);
    assert_ne!(a["sqls"], b["sqls"]);
    let (status, error) = send(
        &client,
        &mock,
        Method::POST,
        &url("ffffffffffffffffffffffffffffffff"),
        Some(body),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(error_of(&error).0, codes::INSTANCE_NOT_FOUND);
}
