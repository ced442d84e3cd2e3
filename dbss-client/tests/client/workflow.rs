//! The report workflow against the embedded mock: create-and-wait finds the report the create
//! made, waits for it and downloads it; the wait has a deadline; a large download keeps memory
//! flat.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use dbss_client::{Error, TimeoutPhase};
use dbss_mock::MockServer;
use dbss_types::ReportLocale;

use crate::support;
use crate::support::mock_client;

const START: &str = "2025-08-20 16:00:00";
const END: &str = "2025-08-21 07:03:31";

#[tokio::test]
async fn create_and_wait_finds_the_new_report_and_downloads_it() {
    let mock = MockServer::builder()
        .report_duration(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let c = mock_client(&mock);
    let instance = mock.instance_id().to_owned();
    // A report with the same window exists before: it must not be mistaken for the new one.
    c.create_report(&instance)
        .template(mock.template_id())
        .time_range(START, END)
        .send()
        .await
        .unwrap();
    let before: Vec<String> = mock.reports().into_iter().filter_map(|r| r.id).collect();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    let mut seen = Vec::new();
    let done = c
        .create_report(&instance)
        .template(mock.template_id())
        .time_range(START, END)
        .send_and_wait()
        .poll_interval(Duration::from_millis(50), Duration::from_millis(100))
        .deadline(Duration::from_secs(20))
        .on_progress(|p| seen.push(p))
        .download_to(&path)
        .run()
        .await
        .unwrap();

    let id = done.report.id.clone().unwrap();
    assert!(
        !before.contains(&id),
        "the report existed before the create"
    );
    assert_eq!(done.report.percentum, Some(100));
    assert_eq!(done.report.start_time.as_deref(), Some(START));
    assert_eq!(seen.last(), Some(&100));
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "progress only moves forward: {seen:?}"
    );
    let expected: Vec<u8> = mock
        .report_content(&id, ReportLocale::EnUs)
        .unwrap()
        .flat_map(|chunk| chunk.to_vec())
        .collect();
    let download = done.download.unwrap();
    assert_eq!(download.path, path);
    assert_eq!(download.bytes, expected.len() as u64);
    assert_eq!(std::fs::read(&path).unwrap(), expected);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left behind"
    );
}

#[tokio::test]
async fn the_wait_has_a_deadline() {
    let mock = MockServer::builder()
        .report_duration(Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let c = mock_client(&mock);
    let err = c
        .create_report(mock.instance_id())
        .template(mock.template_id())
        .time_range(START, END)
        .send_and_wait()
        .poll_interval(Duration::from_millis(20), Duration::from_millis(40))
        .deadline(Duration::from_millis(300))
        .run()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                phase: TimeoutPhase::Operation,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_failed_download_leaves_no_file() {
    let mock = MockServer::builder().start().await.unwrap();
    let c = mock_client(&mock);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.pdf");
    let err = c
        .download_report(mock.instance_id(), "NoSuchReport0000000")
        .to_file(&path)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Streams a 128 MiB report to a file in a child process (so that no other test shares its
/// peak RSS) and checks the peak grew by far less than the report: the body is never held.
#[test]
fn a_large_download_keeps_memory_flat() {
    const CHILD: &str = "DBSS_WORKFLOW_MEMORY_CHILD";
    const SIZE: u64 = 128 * 1024 * 1024;
    if std::env::var_os(CHILD).is_some() {
        return memory_child(SIZE);
    }
    let child = support::run_test_in_child(
        "workflow::a_large_download_keeps_memory_flat",
        &[(CHILD, "1")],
        &[],
    );
    assert!(child.passed, "{}", child.output);
    assert!(
        child.output.contains("peak growth"),
        "the child ran: {}",
        child.output
    );
}

/// `VmHWM`, which this test's child cannot do without.
fn peak_rss_kib() -> u64 {
    support::peak_rss_kib().unwrap()
}

fn memory_child(size: u64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mock = MockServer::builder()
            .report_size(size)
            .start()
            .await
            .unwrap();
        let c = mock_client(&mock);
        let dir = tempfile::tempdir().unwrap();
        let report = mock.reports().into_iter().find_map(|r| r.id).unwrap();
        // Warm up: a small download allocates whatever a download allocates once.
        mock.set_report_size(64 * 1024);
        c.download_report(mock.instance_id(), &report)
            .to_file(dir.path().join("warm.pdf"))
            .await
            .unwrap();
        mock.set_report_size(size);
        let before = peak_rss_kib();
        let out = c
            .download_report(mock.instance_id(), &report)
            .to_file(dir.path().join("big.pdf"))
            .await
            .unwrap();
        let growth = peak_rss_kib().saturating_sub(before);
        println!("peak growth {growth} KiB for {} bytes", out.bytes);
        assert_eq!(out.bytes, size);
        assert!(
            growth < 32 * 1024,
            "peak RSS grew by {growth} KiB for a {size}-byte report"
        );
    });
}
