//! The fleet job against the embedded mock: one report per instance, files with the sha256 the
//! manifest says, nothing created or downloaded again on a second run, no duplicate when a
//! create's answer is lost, the templates resolved per instance, the manifest's job kept.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;
use std::time::Duration;

use crate::support::mock_client;
use dbss_client::fleet::{
    CalendarUnit, Event, FleetError, Job, Manifest, ManifestState, Period, Scope, Selection, Stage,
    Step,
};
use dbss_mock::{Fault, MockServer, Operation, ResetPoint};
use dbss_types::ReportLocale;
use sha2::Digest;

const TEMPLATE_NAME: &str = "Database security compliance report";

async fn mock(instances: usize) -> MockServer {
    MockServer::builder()
        .instances(instances)
        .seed_reports(false)
        .report_duration(Duration::from_millis(200))
        .start()
        .await
        .unwrap()
}

fn job(mock: &MockServer, out: &std::path::Path) -> Job {
    Job::new(
        vec![Scope::new("cn-north-4", mock_client(mock))],
        Period::Previous(CalendarUnit::Month),
        [TEMPLATE_NAME],
    )
    .selection(Selection::all_instances())
    .time_zone(jiff::tz::TimeZone::UTC)
    .now("2025-11-05T10:00:00Z".parse().unwrap())
    .out_dir(out)
    .concurrency(3)
    .poll_interval(Duration::from_millis(20), Duration::from_millis(100))
}

fn sha256_of(mock: &MockServer, id: &str) -> String {
    let mut hasher = sha2::Sha256::new();
    for chunk in mock.report_content(id, ReportLocale::EnUs).unwrap() {
        hasher.update(&chunk);
    }
    hex::encode(hasher.finalize())
}

/// The reports of `instance` for October 2025 (UTC).
async fn october_reports(mock: &MockServer, instance: &str) -> Vec<String> {
    use futures::TryStreamExt;
    mock_client(mock)
        .list_reports(instance)
        .stream()
        .try_filter(|r| std::future::ready(r.start_time.as_deref() == Some("2025-10-01 00:00:00")))
        .try_filter_map(|r| std::future::ready(Ok(r.id)))
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn one_report_per_instance_and_a_second_run_repeats_nothing() {
    let mock = mock(4).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.jsonl");
    let events = Mutex::new(Vec::new());
    let summary = job(&mock, dir.path())
        .run(&manifest, |e| events.lock().unwrap().push(e))
        .await
        .unwrap();
    assert_eq!(
        summary.window,
        ("2025-10-01 00:00:00".into(), "2025-11-01 00:00:00".into())
    );
    assert_eq!(summary.outcomes.len(), 4);
    assert_eq!(summary.failed(), 0, "{summary:#?}");
    for outcome in &summary.outcomes {
        let done = outcome.result.as_ref().unwrap();
        assert!(!done.earlier);
        let expected = dir.path().join(format!(
            "cn-north-4/{}/{}_2025-10.pdf",
            outcome.task.instance_id, outcome.task.template_id
        ));
        assert_eq!(done.path, expected);
        let bytes = std::fs::read(&done.path).unwrap();
        assert_eq!(bytes.len() as u64, done.bytes);
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), done.sha256);
        assert_eq!(sha256_of(&mock, &done.report_id), done.sha256);
        assert_eq!(
            october_reports(&mock, &outcome.task.instance_id).await,
            vec![done.report_id.clone()]
        );
    }
    assert_eq!(mock.requests(Operation::CreateReport), 4);
    assert_eq!(mock.requests(Operation::DownloadAuditReport), 4);
    {
        let events = events.lock().unwrap();
        assert!(matches!(events[0], Event::Planned { tasks: 4, .. }));
        let downloaded = events
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    Event::Step {
                        step: Step::Downloaded { .. },
                        ..
                    }
                )
            })
            .count();
        assert_eq!(downloaded, 4);
    }
    // The manifest says where each task is, with the file's sha256.
    let (m, records) = Manifest::open(&manifest).unwrap();
    drop(m);
    let state = ManifestState::from_records(&records);
    for outcome in &summary.outcomes {
        match &state.tasks[&outcome.task.key].stage {
            Stage::Downloaded { sha256, .. } => {
                assert_eq!(sha256, &outcome.result.as_ref().unwrap().sha256)
            }
            other => panic!("{other:?}"),
        }
    }

    // Run again: nothing is sent but the lookups, every task was done.
    let again = job(&mock, dir.path()).run(&manifest, |_| {}).await.unwrap();
    assert_eq!(again.failed(), 0);
    assert!(
        again
            .outcomes
            .iter()
            .all(|o| o.result.as_ref().unwrap().earlier)
    );
    assert_eq!(mock.requests(Operation::CreateReport), 4);
    assert_eq!(mock.requests(Operation::DownloadAuditReport), 4);
}

#[tokio::test]
async fn a_lost_create_answer_is_found_not_repeated_and_a_refused_one_is_sent_again() {
    let mock = mock(3).await;
    // Two creates take effect but their answer is lost (the connection resets after the
    // report is made); two others are refused by the gateway before they reach the service.
    mock.inject(
        Fault::Reset(ResetPoint::AfterProcessing)
            .times(2)
            .only(Operation::CreateReport),
    );
    mock.inject(
        Fault::Reset(ResetPoint::RequestRead)
            .times(2)
            .only(Operation::CreateReport),
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = job(&mock, dir.path())
        .run(dir.path().join("m.jsonl"), |_| {})
        .await
        .unwrap();
    assert_eq!(summary.failed(), 0, "{summary:#?}");
    for outcome in &summary.outcomes {
        let reports = october_reports(&mock, &outcome.task.instance_id).await;
        assert_eq!(
            reports.len(),
            1,
            "{}: {reports:?}",
            outcome.task.instance_id
        );
    }
    // 3 that took effect at once or after a lost answer, plus 2 sent again after a refusal.
    assert_eq!(mock.requests(Operation::CreateReport), 3 + 2);
}

#[tokio::test]
async fn templates_resolve_per_instance_by_id_or_name_and_a_missing_one_is_named() {
    let mock = mock(2).await;
    let dir = tempfile::tempdir().unwrap();
    let summary = Job::new(
        vec![Scope::new("r1", mock_client(&mock))],
        Period::Previous(CalendarUnit::Day),
        [mock.template_id(), "No such template"],
    )
    .selection(Selection::instances([mock.instance_id()]))
    .out_dir(dir.path())
    .poll_interval(Duration::from_millis(20), Duration::from_millis(50))
    .run(dir.path().join("m.jsonl"), |_| {})
    .await
    .unwrap();
    assert_eq!(summary.outcomes.len(), 1);
    assert!(summary.outcomes[0].result.is_ok());
    assert_eq!(summary.unresolved.len(), 1);
    let u = &summary.unresolved[0];
    assert_eq!(u.template, "No such template");
    assert!(
        u.reason.contains("no template with this id or name") && u.reason.contains(TEMPLATE_NAME),
        "{u:?}"
    );
    assert_eq!(summary.failed(), 1);
}

#[tokio::test]
async fn a_manifest_of_another_job_is_refused_before_anything_is_sent() {
    let mock = mock(1).await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.jsonl");
    job(&mock, dir.path()).run(&manifest, |_| {}).await.unwrap();
    let creates = mock.requests(Operation::CreateReport);
    let other = Job::new(
        vec![Scope::new("cn-north-4", mock_client(&mock))],
        Period::Previous(CalendarUnit::Week),
        [TEMPLATE_NAME],
    )
    .selection(Selection::all_instances())
    .run(&manifest, |_| {})
    .await
    .unwrap_err();
    assert!(matches!(other, FleetError::OtherJob { .. }), "{other}");
    assert!(other.to_string().contains("previous week"), "{other}");
    assert_eq!(mock.requests(Operation::CreateReport), creates);

    // While a manifest is open (another run), a run on it is refused.
    let (_held, _) = Manifest::open(&manifest).unwrap();
    let locked = job(&mock, dir.path())
        .run(&manifest, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(locked, FleetError::ManifestLocked { .. }),
        "{locked}"
    );
}

#[tokio::test]
async fn bad_jobs_are_refused_naming_the_field() {
    let mock = mock(1).await;
    let dir = tempfile::tempdir().unwrap();
    let e = Job::new(
        vec![Scope::new("r1", mock_client(&mock))],
        Period::Previous(CalendarUnit::Day),
        [TEMPLATE_NAME],
    )
    .run(dir.path().join("m.jsonl"), |_| {})
    .await
    .unwrap_err();
    assert!(e.to_string().contains("invalid instance"), "{e}");
    let e = Job::new(
        vec![Scope::new("r1", mock_client(&mock))],
        Period::Previous(CalendarUnit::Day),
        [TEMPLATE_NAME],
    )
    .selection(Selection::all_instances().name_pattern("[unclosed"))
    .run(dir.path().join("m.jsonl"), |_| {})
    .await
    .unwrap_err();
    assert!(e.to_string().contains("name_pattern"), "{e}");
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn an_instance_whose_templates_could_not_be_listed_is_planned_again_on_the_next_run() {
    let mock = mock(2).await;
    mock.inject(Fault::status(400).only(Operation::ListAuditReportTemplates));
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.jsonl");
    let first = job(&mock, dir.path()).run(&manifest, |_| {}).await.unwrap();
    assert_eq!(first.outcomes.len(), 1);
    assert_eq!(first.unresolved.len(), 1, "{first:#?}");
    assert!(
        first.unresolved[0]
            .reason
            .contains("cannot list its templates")
    );
    assert_eq!(first.failed(), 1);

    let second = job(&mock, dir.path()).run(&manifest, |_| {}).await.unwrap();
    assert_eq!(second.failed(), 0, "{second:#?}");
    assert_eq!(second.outcomes.len(), 2);
    assert!(second.unresolved.is_empty());
    assert_eq!(mock.requests(Operation::CreateReport), 2);
    let earlier: Vec<bool> = second
        .outcomes
        .iter()
        .map(|o| o.result.as_ref().unwrap().earlier)
        .collect();
    assert_eq!(earlier.iter().filter(|e| **e).count(), 1, "{earlier:?}");
}
