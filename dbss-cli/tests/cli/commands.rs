//! Every command of the `dbss` binary against an in-process mock: with AK/SK and with a token,
//! as tables and as JSON, with settings from the environment and from flags.

#![allow(clippy::unwrap_used)]

use crate::support;

use dbss_mock::{MockServer, Operation};
use support::{Auth, dbss, mock, report_bytes, run};

const FROM: &str = "2025-08-20 16:00:00";
const TO: &str = "2025-08-21 07:03:31";

/// instances list, templates list, reports list, create, create --wait --download, download,
/// delete: each succeeds and does what it says, as the mock sees it.
async fn every_command_works(auth: Auth) {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();

    let out = dbss(&mock, auth, &["instances", "list"]).await;
    out.ok();
    for id in mock.instance_ids() {
        assert!(out.stdout.contains(&id), "{out:#?}");
    }
    assert!(out.stdout.starts_with("ID "), "{out:#?}");

    let out = dbss(&mock, auth, &["templates", "list"]).await;
    out.ok();
    assert!(out.stdout.contains(mock.template_id()), "{out:#?}");

    let seeded = mock.reports();
    let out = dbss(&mock, auth, &["reports", "list"]).await;
    out.ok();
    for report in &seeded {
        assert!(
            out.stdout.contains(report.id.as_deref().unwrap()),
            "{out:#?}"
        );
    }

    let out = dbss(
        &mock,
        auth,
        &[
            "reports",
            "create",
            "--template",
            mock.template_id(),
            "--from",
            FROM,
            "--to",
            TO,
        ],
    )
    .await;
    out.ok();
    assert!(out.stdout.contains("accepted"), "{out:#?}");
    assert_eq!(mock.requests(Operation::CreateReport), 1);
    assert_eq!(mock.reports().len(), seeded.len() + 1);

    let file = dir.path().join("waited.pdf");
    let out = dbss(
        &mock,
        auth,
        &[
            "reports",
            "create",
            "--template",
            mock.template_id(),
            "--from",
            FROM,
            "--to",
            TO,
            "--db",
            "db-1",
            "--download",
            file.to_str().unwrap(),
        ],
    )
    .await;
    out.ok();
    assert_eq!(mock.requests(Operation::CreateReport), 2);
    let newest = mock.reports().into_iter().next().unwrap();
    let id = newest.id.clone().unwrap();
    assert_eq!(newest.db_ids.as_deref(), Some("db-1"));
    assert!(out.stdout.contains(&id), "{out:#?}");
    assert!(out.stdout.contains("100%"), "{out:#?}");
    assert_eq!(std::fs::read(&file).unwrap(), report_bytes(&mock, &id));

    let again = dir.path().join("again.pdf");
    let out = dbss(
        &mock,
        auth,
        &["reports", "download", &id, "-o", again.to_str().unwrap()],
    )
    .await;
    out.ok();
    assert!(out.stdout.starts_with("saved "), "{out:#?}");
    assert_eq!(std::fs::read(&again).unwrap(), report_bytes(&mock, &id));

    let out = dbss(&mock, auth, &["reports", "delete", &id]).await;
    out.ok();
    assert!(out.stdout.contains(&id), "{out:#?}");
    assert!(
        mock.reports()
            .iter()
            .all(|r| r.id.as_deref() != Some(id.as_str()))
    );
    assert_eq!(mock.requests(Operation::DeleteAuditReport), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_with_ak_sk() {
    every_command_works(Auth::AkSk).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_works_with_a_token() {
    every_command_works(Auth::Token).await;
}

/// `--output json` prints exactly one JSON document for every command, with the SDK's types.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_is_one_valid_document_for_every_command() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let mock_ref = &mock;
    let json = move |args: &'static [&'static str]| {
        let mock = mock_ref;
        async move {
            let mut all = vec!["--output", "json"];
            all.extend_from_slice(args);
            let out = dbss(mock, Auth::AkSk, &all).await;
            out.ok();
            out.json()
        }
    };

    let instances = json(&["instances", "list"]).await;
    assert_eq!(
        instances.as_array().unwrap().len(),
        mock.instance_ids().len()
    );
    assert_eq!(instances[0]["id"], mock.instance_id());

    let templates = json(&["templates", "list"]).await;
    assert!(
        templates
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == mock.template_id())
    );

    let reports = json(&["reports", "list"]).await;
    assert_eq!(reports.as_array().unwrap().len(), mock.reports().len());

    let created = json(&[
        "reports",
        "create",
        "--template",
        "t8g7LJgBTpKZyZbbeTgS",
        "--from",
        FROM,
        "--to",
        TO,
    ])
    .await;
    assert_eq!(created["result"], "success");
    assert_eq!(created["request"]["start_time"], FROM);
    assert!(created["request_id"].is_string(), "{created}");

    let waited = json(&[
        "reports",
        "create",
        "--template",
        "t8g7LJgBTpKZyZbbeTgS",
        "--from",
        FROM,
        "--to",
        TO,
        "--wait",
    ])
    .await;
    assert_eq!(waited["report"]["percentum"], 100);
    assert_eq!(waited["report"]["type"], "AUDIT_REPORT_REAL_TIME");
    assert!(waited["download"].is_null());
    let id = waited["report"]["id"].as_str().unwrap().to_owned();

    let file = dir.path().join("r.pdf");
    let out = dbss(
        &mock,
        Auth::AkSk,
        &[
            "reports",
            "download",
            &id,
            "-o",
            file.to_str().unwrap(),
            "--output",
            "json",
        ],
    )
    .await;
    out.ok();
    let saved = out.json();
    assert_eq!(saved["id"], id.as_str());
    assert_eq!(saved["bytes"], report_bytes(&mock, &id).len());
    assert_eq!(saved["path"], file.to_str().unwrap());

    let out = dbss(
        &mock,
        Auth::AkSk,
        &["reports", "delete", &id, "--output", "json"],
    )
    .await;
    out.ok();
    let deleted = out.json();
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["id"], id.as_str());
}

/// Flags beat the environment: a dead endpoint, a wrong project and a wrong instance in the
/// environment are overridden by --endpoint, --project-id and --instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_override_the_environment() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = support::bare_command(home.path());
    cmd.env("DBSS_ENDPOINT", "http://127.0.0.1:1")
        .env("HUAWEICLOUD_SDK_PROJECT_ID", "f".repeat(32))
        .env("DBSS_INSTANCE_ID", "e".repeat(32))
        .env("HUAWEICLOUD_SDK_AK", mock.ak())
        .env("HUAWEICLOUD_SDK_SK", mock.sk());
    let out = run(
        cmd,
        &[
            "templates",
            "list",
            "--endpoint",
            &mock.base_url(),
            "--project-id",
            mock.project_id(),
            "--instance",
            mock.instance_id(),
            "--timeout",
            "20s",
        ],
    )
    .await;
    out.ok();
    assert!(out.stdout.contains(mock.template_id()), "{out:#?}");
}

/// Every page is listed: more reports than one page holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_cover_every_page() {
    let mock: MockServer = mock().await;
    for hour in 0..5 {
        let from = format!("2025-08-20 0{hour}:00:00");
        let to = format!("2025-08-20 0{hour}:30:00");
        dbss(
            &mock,
            Auth::AkSk,
            &[
                "reports",
                "create",
                "--template",
                mock.template_id(),
                "--from",
                &from,
                "--to",
                &to,
            ],
        )
        .await
        .ok();
    }
    let total = mock.reports().len();
    assert!(total > 2);
    let out = dbss(
        &mock,
        Auth::AkSk,
        &["reports", "list", "--page-size", "2", "--output", "json"],
    )
    .await;
    out.ok();
    assert_eq!(out.json().as_array().unwrap().len(), total);
    assert!(mock.requests(Operation::ListAuditReports) >= total.div_ceil(2) as u64);
}
