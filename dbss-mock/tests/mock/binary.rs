//! The `dbss-mock` binary: prints its URL first, serves with the flags' settings until killed.

#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;

/// Kills the child process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and reads what it prints before serving: the URL line, then `key=value`
/// lines up to `auth=`.
fn start(args: &[&str]) -> (Running, String, HashMap<String, String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dbss-mock"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first.strip_prefix("listening on ").unwrap().to_owned();
    let mut values = HashMap::new();
    for line in lines {
        let line = line.unwrap();
        let (key, value) = line.split_once('=').unwrap();
        values.insert(key.to_owned(), value.to_owned());
        if key == "auth" {
            break;
        }
    }
    (running, url, values)
}

#[tokio::test]
async fn prints_its_url_and_credentials_then_serves() {
    let (_running, url, values) =
        start(&["--port", "0", "--token", "my-token", "--instances", "3"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"));
    assert_eq!(values["token"], "my-token");
    assert_eq!(values["auth"], "on");
    assert_eq!(values["instance_id"].len(), 32);
    assert!(values.contains_key("ak") && values.contains_key("sk"));

    let client = client();
    let instances = format!("{url}/v2/{}/audit/instances", values["project_id"]);
    let response = client
        .get(&instances)
        .header("X-Auth-Token", "my-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: dbss_types::ListAuditInstancesLastResponse = response.json().await.unwrap();
    assert_eq!(body.total, Some(3));

    let response = signed_as(
        &client,
        reqwest::Method::GET,
        &instances,
        None,
        &values["ak"],
        &values["sk"],
        std::time::SystemTime::now(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(client.get(&instances).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn faults_and_settings_from_flags() {
    let (_running, url, values) = start(&[
        "--no-auth",
        "--report-duration",
        "0s",
        "--report-size",
        "100KiB",
        "--fault",
        "status=503,times=1,op=download_audit_report,retry-after=1",
    ]);
    assert_eq!(values["auth"], "off");
    let client = client();
    let download = format!(
        "{url}/v1/{}/audit/{}/reports/Hx9QLJgBTpKZyZbbhTgS/download",
        values["project_id"], values["instance_id"]
    );
    let response = client.get(&download).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let response = client.get(&download).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().len(), 100 * 1024);
}

#[test]
fn bad_flags_fail_with_a_message() {
    for args in [
        &["--fault", "explode"][..],
        &["--report-size", "lots"],
        &["--project-id", "short"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_dbss-mock"))
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}
