//! The waiters the document declares (`x-dbss-waiters`), against the mock: a state reached
//! after some polls (the mock's clock moved by the progress callback, no sleeping), a state
//! reached at once, a failure state ending the wait early, a resource gone, and a state that
//! never arrives (the timeout names the last state seen).
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dbss_client::{DbssClient, Error, WaitFailure};
use dbss_contract_tests::capture::{CaptureServer, Reply};
use dbss_contract_tests::mock_client;
use dbss_contract_tests::valid_args::value_of;
use dbss_mock::{ManualClock, MockServer};
use serde_json::json;

/// Polls come quickly: the tests wait for states, not for time.
const POLL: Duration = Duration::from_millis(1);

fn client(mock: &MockServer) -> DbssClient {
    mock_client::without_retries(mock)
}

#[tokio::test]
async fn a_report_is_waited_for_until_it_is_finished_reporting_each_state() {
    let clock = ManualClock::starting_now();
    let mock = MockServer::builder()
        .clock(clock.clone())
        .seed_reports(false)
        .report_duration(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    client
        .create_report(mock.instance_id())
        .template(mock.template_id())
        .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
        .send()
        .await
        .unwrap();
    let list = client
        .list_audit_reports()
        .instance_id(mock.instance_id())
        .body_map(|b| b.page(1).size(100));
    let reports = list.clone().send().await.unwrap();
    let id = reports.reports[0]
        .report
        .as_ref()
        .unwrap()
        .id
        .clone()
        .unwrap();

    let seen = Arc::new(Mutex::new(Vec::new()));
    let states = Arc::clone(&seen);
    let reached = list
        .wait_until_report_finished(&id)
        .poll_interval(POLL, POLL)
        .on_state(move |state| {
            states.lock().unwrap().push(state.map(str::to_owned));
            // The report's clock moves 25 s between polls.
            clock.advance(Duration::from_secs(25));
        })
        .wait()
        .await
        .unwrap();
    assert_eq!(reached.state.as_deref(), Some("100"));
    assert_eq!(reached.resource["report"]["id"], json!(id));
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 3, "{seen:?}");
    assert_eq!(seen.last().unwrap().as_deref(), Some("100"));
    assert_eq!(reached.polls as usize, seen.len());
}

#[tokio::test]
async fn a_running_instance_is_reached_at_once_and_a_stop_that_never_comes_times_out() {
    let mock = MockServer::builder().start().await.unwrap();
    let client = client(&mock);
    let reached = client
        .list_audit_instances_last()
        .wait_until_instance_running(mock.instance_id())
        .wait()
        .await
        .unwrap();
    assert_eq!(reached.state.as_deref(), Some("ACTIVE"));
    assert_eq!(reached.polls, 1);

    // Nothing stops the mock's instance: the state never arrives.
    let error = client
        .list_audit_instances_last()
        .wait_until_instance_stopped(mock.instance_id())
        .deadline(Duration::from_millis(30))
        .poll_interval(POLL, POLL)
        .wait()
        .await
        .unwrap_err();
    let Error::Wait { waiter, reason } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*waiter, "instance_stopped");
    assert!(
        matches!(reason, WaitFailure::TimedOut { last_state: Some(s), .. } if s == "ACTIVE"),
        "{reason:?}"
    );
    assert!(error.to_string().contains("ACTIVE"), "{error}");
}

#[tokio::test]
async fn a_deleted_instance_is_one_that_is_gone_and_a_stopped_one_must_exist() {
    let mock = MockServer::builder().start().await.unwrap();
    let client = client(&mock);
    let gone = "0123456789abcdef0123456789abcdef";
    let reached = client
        .list_audit_instances_last()
        .wait_until_instance_deleted(gone)
        .wait()
        .await
        .unwrap();
    assert_eq!(
        (reached.state, reached.resource),
        (None, serde_json::Value::Null)
    );
    let error = client
        .list_audit_instances_last()
        .wait_until_instance_stopped(gone)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Wait {
                reason: WaitFailure::Gone,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_failure_state_ends_the_wait_at_once() {
    let server = CaptureServer::start().await.unwrap();
    server.reply_with(Reply::json(
        200,
        &json!({"total": 1, "instances": [{"id": "i-1", "status": "ERROR"}]}),
    ));
    let client = mock_client::of_server(server.base_url());
    let error = client
        .list_audit_instances_last()
        .wait_until_instance_running("i-1")
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Wait { reason: WaitFailure::FailureState { state }, .. } if state == "ERROR"),
        "{error:?}"
    );
    assert_eq!(server.take().len(), 1, "one poll");
}

#[tokio::test]
async fn a_waiter_on_an_answer_reads_the_answer_itself() {
    let mock = MockServer::builder().start().await.unwrap();
    let client = client(&mock);
    // The mock's statistics are always computed.
    let body: dbss_types::GeneralRequest = value_of("GeneralRequest");
    let reached = client
        .count_sql_statistics()
        .instance_id(mock.instance_id())
        .body(body)
        .wait_until_statistics_finished()
        .wait()
        .await
        .unwrap();
    assert_eq!(reached.state.as_deref(), Some("FINISHED"));
    // Its summary task never ends: the state it reports is named on timeout.
    let error = client
        .show_audit_task_status()
        .busi_type("audit")
        .wait_until_task_finished()
        .deadline(Duration::from_millis(20))
        .poll_interval(POLL, POLL)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Wait {
                reason: WaitFailure::TimedOut {
                    last_state: Some(_),
                    ..
                },
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_backup_in_a_failure_state_ends_its_wait_naming_the_state_and_a_retry_settles() {
    // Actions land at the next request, so a waiter sees the change on its second poll.
    let mock = MockServer::builder()
        .lifecycle_duration(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    let body: dbss_types::BackupPageRequest =
        serde_json::from_value(serde_json::json!({"page": 1, "size": 10})).unwrap();
    let list = client
        .list_audit_backup_info()
        .instance_id(mock.instance_id())
        .body(body);
    let backups = list.clone().send().await.unwrap().into_inner();
    let progress_of = |b: &dbss_types::BackupInfo| {
        serde_json::to_value(&b.progress)
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    };
    let failed = backups
        .data_list
        .iter()
        .find(|b| progress_of(b).ends_with("_FAIL"))
        .expect("the mock seeds a failed backup task");
    let id = failed.id.clone().unwrap();
    let progress = progress_of(failed);
    let info = dbss_client::types::operations::Operation::ListAuditBackupInfo.info();
    assert!(
        info.waiters[0].failure.contains(&progress.as_str()),
        "{progress}"
    );
    let error = list
        .clone()
        .wait_until_backup_settled(&id)
        .wait()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Wait { reason: WaitFailure::FailureState { state }, .. } if *state == progress),
        "{error:?}"
    );

    // Retried, the task runs and then lands backed up: the same waiter now succeeds.
    client
        .retry_audit_backup_task()
        .instance_id(mock.instance_id())
        .id(id.as_str())
        .send()
        .await
        .unwrap();
    let reached = list
        .wait_until_backup_settled(&id)
        .poll_interval(POLL, POLL)
        .wait()
        .await
        .unwrap();
    assert_eq!(reached.state.as_deref(), Some("MANUAL_BACKUPED"));
}
