//! `dbss reports create` over a fleet, against the embedded mock (which keeps its state while
//! the binary is killed and run again): exactly one report per instance and one file whose
//! sha256 the manifest holds, after 20 SIGKILLs at random points, after resets and 5xx on the
//! creates, over two regions (two mocks), and a second run on a held manifest refused.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use dbss_client::fleet::{Manifest, ManifestState, Stage};
use dbss_client::types::ReportLocale;
use dbss_client::{Credentials, DbssClient};
use dbss_mock::{Fault, MockServer, Operation, ResetPoint};
use sha2::Digest;

use crate::support;
use support::{Auth, command, run};

const TEMPLATE: &str = "Database security compliance report";
const START: &str = "2025-10-01 00:00:00";

async fn mock(instances: usize, duration: Duration) -> MockServer {
    MockServer::builder()
        .instances(instances)
        .seed_reports(false)
        .report_duration(duration)
        .report_size(200 * 1024)
        .start()
        .await
        .unwrap()
}

/// The fleet command for October 2025 (a fixed window: `--from`/`--to` with `--out-dir`).
fn fleet_args(out: &Path) -> Vec<String> {
    [
        "reports",
        "create",
        "--all-instances",
        "--template",
        TEMPLATE,
        "--from",
        START,
        "--to",
        "2025-11-01 00:00:00",
        "--concurrency",
        "3",
        "--out-dir",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([out.display().to_string()])
    .collect()
}

fn client(mock: &MockServer) -> DbssClient {
    DbssClient::builder()
        .endpoint(mock.base_url())
        .project_id(mock.project_id())
        .credentials(Credentials::ak_sk(mock.ak(), mock.sk()))
        .build()
        .unwrap()
}

/// The October reports of each instance of `mock`.
async fn reports_by_instance(mock: &MockServer) -> BTreeMap<String, Vec<String>> {
    use futures::TryStreamExt;
    let c = client(mock);
    let mut by_instance = BTreeMap::new();
    for instance in mock.instance_ids() {
        let ids: Vec<String> = c
            .list_reports(&instance)
            .stream()
            .try_filter(|r| std::future::ready(r.start_time.as_deref() == Some(START)))
            .try_filter_map(|r| std::future::ready(Ok(r.id)))
            .try_collect()
            .await
            .unwrap();
        by_instance.insert(instance, ids);
    }
    by_instance
}

fn sha256_of_report(mock: &MockServer, id: &str) -> String {
    let mut hasher = sha2::Sha256::new();
    for chunk in mock.report_content(id, ReportLocale::EnUs).unwrap() {
        hasher.update(&chunk);
    }
    hex::encode(hasher.finalize())
}

/// Every instance of `mock` has exactly one October report, and `out` one file for it whose
/// sha256 is the manifest's and the mock's.
async fn assert_exactly_once(mock: &MockServer, out: &Path, region: &str) {
    let reports = reports_by_instance(mock).await;
    let (held, records) = Manifest::open(out.join("dbss-manifest.jsonl")).unwrap();
    drop(held);
    let state = ManifestState::from_records(&records);
    for (instance, ids) in &reports {
        assert_eq!(ids.len(), 1, "instance {instance}: {ids:?}");
        let task = state
            .tasks
            .values()
            .find(|t| t.task.instance_id == *instance && t.task.region == region)
            .unwrap_or_else(|| panic!("no task for {instance}"));
        let Stage::Downloaded {
            report_id,
            path,
            sha256,
            ..
        } = &task.stage
        else {
            panic!("{instance}: {:?}", task.stage)
        };
        assert_eq!(report_id, &ids[0]);
        let bytes = std::fs::read(out.join(path)).unwrap();
        assert_eq!(&hex::encode(sha2::Sha256::digest(&bytes)), sha256);
        assert_eq!(&sha256_of_report(mock, report_id), sha256);
        let files: Vec<_> = std::fs::read_dir(out.join(region).join(instance))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            files,
            vec![format!(
                "{}_20251001T000000-20251101T000000.pdf",
                mock.template_id()
            )],
            "{instance}: one file, no part left"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_twenty_times_at_random_points_it_still_makes_each_report_exactly_once() {
    let mock = mock(6, Duration::from_millis(300)).await;
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let args = fleet_args(out.path());
    let seed = fastrand::u64(..);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut finished_early = 0;
    for _ in 0..20 {
        let mut cmd = command(&mock, Auth::AkSk, home.path());
        cmd.args(&args).stdout(Stdio::null()).stderr(Stdio::piped());
        // A kill point: after the k-th progress line (each follows a step recorded in the
        // manifest: creating, created, report found, saved), then up to 30 ms more.
        let k = rng.usize(0..20);
        let pause = Duration::from_millis(rng.u64(0..30));
        // Blocking reads, sleep and wait: on the blocking pool, so that the runtime's workers
        // keep serving the mock the child talks to.
        let status = tokio::task::spawn_blocking(move || {
            let mut child = cmd.spawn().unwrap();
            let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
            let mut seen = 0;
            while seen < k {
                match lines.next().transpose().unwrap() {
                    Some(_) => seen += 1,
                    None => break,
                }
            }
            std::thread::sleep(pause);
            // SIGKILL: no chance to clean up or flush anything.
            child.kill().unwrap();
            child.wait().unwrap()
        })
        .await
        .unwrap();
        if status.success() {
            finished_early += 1;
        }
    }
    let done = run(command(&mock, Auth::AkSk, home.path()), &{
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        a
    })
    .await;
    done.ok();
    assert_exactly_once(&mock, out.path(), "default").await;
    assert!(
        finished_early < 20,
        "seed {seed}: every run finished before its kill, nothing was tested"
    );
    // The last run found everything done: it created and downloaded nothing.
    assert!(done.stdout.contains("done before"), "{}", done.stdout);
    assert!(!done.stdout.contains("downloaded "), "{}", done.stdout);
}

#[tokio::test]
async fn resets_and_5xx_on_the_creates_make_no_duplicate() {
    let mock = mock(5, Duration::from_millis(100)).await;
    // Lost answers of creates that took effect, creates refused before they were processed,
    // and gateway 5xx (retried by the client: 503 says nothing was processed; a 502 may hide
    // a create that went through, so it is looked for first).
    mock.inject(
        Fault::Reset(ResetPoint::AfterProcessing)
            .times(2)
            .only(Operation::CreateReport),
    );
    mock.inject(Fault::status(503).times(2).only(Operation::CreateReport));
    mock.inject(
        Fault::Reset(ResetPoint::RequestRead)
            .times(2)
            .only(Operation::CreateReport),
    );
    mock.inject(Fault::status(502).times(2).only(Operation::CreateReport));
    mock.inject(Fault::TruncatedJson.once().only(Operation::CreateReport));
    let out = tempfile::tempdir().unwrap();
    let args = fleet_args(out.path());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let home = tempfile::tempdir().unwrap();
    let r = run(command(&mock, Auth::AkSk, home.path()), &args).await;
    r.ok();
    assert!(
        mock.pending_faults().is_empty(),
        "{:?}",
        mock.pending_faults()
    );
    assert_exactly_once(&mock, out.path(), "default").await;
}

#[tokio::test]
async fn two_regions_one_failing_the_other_finishes_and_the_exit_code_says_so() {
    let one = mock(2, Duration::ZERO).await;
    let two = mock(3, Duration::ZERO).await;
    two.inject(Fault::status(400).only(Operation::CreateReport).always());
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cmd = command(&one, Auth::AkSk, home.path());
    cmd.env_remove("DBSS_ENDPOINT")
        .env("HUAWEICLOUD_SDK_REGION_DBSS_R_ONE", one.base_url())
        .env("HUAWEICLOUD_SDK_REGION_DBSS_R_TWO", two.base_url());
    let mut args = fleet_args(out.path());
    args.extend(["--region", "r-one", "--region", "r-two", "--output", "json"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(cmd, &args).await;
    r.expect_code(1);
    assert!(r.stderr.contains("3 of 5 reports failed"), "{r:#?}");
    let summary = r.json();
    assert_eq!(summary["failed"], 3);
    let reports = summary["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 5);
    for report in reports {
        let status = report["status"].as_str().unwrap();
        match report["region"].as_str().unwrap() {
            "r-one" => assert_eq!(status, "downloaded", "{report}"),
            "r-two" => {
                assert_eq!(status, "failed", "{report}");
                assert!(
                    report["error"].as_str().unwrap().contains("400"),
                    "{report}"
                );
            }
            other => panic!("region {other}"),
        }
    }
    assert_eq!(
        reports_by_instance(&one).await.values().flatten().count(),
        2
    );
    assert_eq!(
        two.requests(Operation::CreateReport),
        3,
        "a refused create is not repeated"
    );
    assert_eq!(
        std::fs::read_dir(out.path().join("r-one")).unwrap().count(),
        2
    );
}

#[tokio::test]
async fn a_second_run_on_a_manifest_in_use_is_refused_and_sends_nothing() {
    let mock = mock(2, Duration::ZERO).await;
    let out = tempfile::tempdir().unwrap();
    let (_held, _) = Manifest::open(out.path().join("dbss-manifest.jsonl")).unwrap();
    let args = fleet_args(out.path());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let home = tempfile::tempdir().unwrap();
    let r = run(command(&mock, Auth::AkSk, home.path()), &args).await;
    r.expect_code(2);
    assert!(r.stderr.contains("in use by another run"), "{r:#?}");
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn periods_and_selection_are_checked_before_anything_is_sent() {
    let mock = mock(1, Duration::ZERO).await;
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().display().to_string();
    for (extra, code, text) in [
        (
            vec!["--last", "soon"],
            3,
            "invalid last: must be in the format a positive span",
        ),
        (
            vec!["--previous", "month", "--timezone", "Mars/Olympus"],
            3,
            "invalid --timezone",
        ),
        (
            vec!["--previous", "month", "--name-pattern", "[x"],
            3,
            "invalid name_pattern",
        ),
        (
            vec!["--previous", "month", "--download", "x.pdf"],
            2,
            "--wait, --download and --db are for one instance",
        ),
    ] {
        let mut args = vec![
            "reports",
            "create",
            "--all-instances",
            "--template",
            TEMPLATE,
            "--out-dir",
            &dir,
        ];
        args.extend(extra.iter().copied());
        let home = tempfile::tempdir().unwrap();
        let r = run(command(&mock, Auth::AkSk, home.path()), &args).await;
        r.expect_code(code);
        assert!(r.stderr.contains(text), "{extra:?}: {r:#?}");
    }
    assert_eq!(mock.total_requests(), 0);
}

#[tokio::test]
async fn schedules_are_set_on_every_instance_selected_and_bad_values_send_nothing() {
    let mock = mock(3, Duration::ZERO).await;
    let ids = mock.instance_ids();
    let home = tempfile::tempdir().unwrap();
    let r = run(
        command(&mock, Auth::AkSk, home.path()),
        &[
            "reports",
            "schedule",
            "set",
            "--instance",
            &ids[0],
            "--instance",
            &ids[1],
            "--template",
            "SOX compliance report",
            "--frequency",
            "month",
            "--format",
            "pdf",
            "--notify-topic",
            "urn:smn:cn-north-4:0f4e1c2b:dbss-reports",
            "--output",
            "json",
        ],
    )
    .await;
    r.ok();
    let rows = r.json();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(
        mock.requests(Operation::UpdateAuditTopicReportSchedulerConfig),
        2
    );
    assert_eq!(mock.requests(Operation::SetAlarmTopicConfigInfoNew), 0);

    let before = mock.total_requests();
    for (args, code, text) in [
        (vec!["--frequency", "hourly"], 3, "invalid frequency"),
        (vec![], 2, "nothing to change"),
    ] {
        let mut all = vec![
            "reports",
            "schedule",
            "set",
            "--all-instances",
            "--template",
            "SOX compliance report",
        ];
        all.extend(args.iter().copied());
        let r = run(command(&mock, Auth::AkSk, home.path()), &all).await;
        r.expect_code(code);
        assert!(r.stderr.contains(text), "{r:#?}");
    }
    assert_eq!(mock.total_requests(), before);

    let r = run(
        command(&mock, Auth::AkSk, home.path()),
        &[
            "reports",
            "schedule",
            "show",
            "--all-instances",
            "--template",
            "No such template",
        ],
    )
    .await;
    r.expect_code(1);
    assert_eq!(
        r.stdout.matches("no template with this id or name").count(),
        3,
        "{r:#?}"
    );
}

#[tokio::test]
async fn a_selection_by_tag_takes_the_instances_the_tag_search_names() {
    // Tags as the mock keeps them (set through the API), found by its tag search.
    let mock = mock(3, Duration::ZERO).await;
    let ids = mock.instance_ids();
    // The mock seeds env=prod on the first two instances and env=test on the third; the
    // second also gets pci=yes here. The tag search names instances by their resource id.
    let listed = client(&mock)
        .list_audit_instances_last()
        .send()
        .await
        .unwrap()
        .into_inner();
    let resource = listed.instances[1].resource_id.clone().unwrap();
    client(&mock)
        .batch_add_resource_tag()
        .resource_type("auditInstance")
        .resource_id(resource.as_str())
        .body(
            serde_json::from_value::<dbss_client::types::ResourceTagRequest>(
                serde_json::json!({"tags": [{"key": "pci", "value": "yes"}]}),
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut args = fleet_args(out.path());
    args.retain(|a| a != "--all-instances");
    args.extend(["--tag", "pci=yes", "--output", "json"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = command(&mock, Auth::AkSk, home.path());
    cmd.env_remove("DBSS_INSTANCE_ID");
    let r = run(cmd, &args).await;
    r.ok();
    let reports = r.json()["reports"].as_array().unwrap().clone();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0]["instance_id"], ids[1].as_str());
    assert_eq!(mock.requests(Operation::ListResourceInstanceByTag), 1);
    assert_eq!(mock.requests(Operation::CreateReport), 1);

    let r = run(
        command(&mock, Auth::AkSk, home.path()),
        &[
            "reports",
            "schedule",
            "show",
            "--tag",
            "env",
            "--template",
            TEMPLATE,
        ],
    )
    .await;
    r.expect_code(2);
    assert!(r.stderr.contains("KEY=VALUE"), "{r:#?}");
}

#[tokio::test]
async fn two_projects_in_one_region_each_get_their_instances_reports() {
    // One mock serving two projects of one region (a fixture), 2 and 3 instances.
    let fixture = dbss_mock::Fixture::from_json(
        r#"{"projects": [
            {"id": "0f4e1c2b3a5d46e7b8c9d0e1f2a3b4c5", "generated_instances": 2},
            {"id": "b7c8d9e0f1a2435b8c9d0e1f2a3b4c5d", "generated_instances": 3}
        ]}"#,
    )
    .unwrap();
    let mock = MockServer::builder()
        .fixture(fixture)
        .report_duration(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let projects: Vec<String> = mock.projects().into_iter().map(|(id, _)| id).collect();
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut args = fleet_args(out.path());
    args.extend(["--output", "json"].map(String::from));
    for project in &projects {
        args.extend(["--project-id".to_owned(), project.clone()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = command(&mock, Auth::AkSk, home.path());
    cmd.env_remove("DBSS_INSTANCE_ID");
    let r = run(cmd, &args).await;
    r.ok();
    let reports = r.json()["reports"].as_array().unwrap().clone();
    assert_eq!(reports.len(), 5, "{reports:?}");
    // Each instance of each project has exactly one report, asked for under its own project.
    let snapshot = mock.snapshot();
    for project in snapshot["projects"].as_array().unwrap() {
        for instance in project["instances"].as_array().unwrap() {
            let id = instance["instance"]["id"].as_str().unwrap();
            assert_eq!(
                instance["reports"].as_array().unwrap().len(),
                1,
                "{} {id}",
                project["id"]
            );
        }
    }
    let creates: Vec<String> = mock
        .journal()
        .into_iter()
        .filter(|e| e.operation == "create_report")
        .map(|e| e.path)
        .collect();
    for (project, instances) in projects.iter().zip([2, 3]) {
        let n = creates
            .iter()
            .filter(|p| p.contains(project.as_str()))
            .count();
        assert_eq!(n, instances, "{project}: {creates:?}");
    }
}
