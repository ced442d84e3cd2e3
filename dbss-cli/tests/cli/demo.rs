//! `dbss demo` (the README's main command), shell completions and the help text.

#![allow(clippy::unwrap_used)]

use crate::support;

use support::{bare_command, run};

/// On a machine with no account and no environment at all, the demo completes the workflow and
/// leaves a PDF where it says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_completes_and_leaves_a_report_file() {
    let home = tempfile::tempdir().unwrap();
    let out_dir = home.path().join("reports");
    let out = run(
        bare_command(home.path()),
        &[
            "demo",
            "--out",
            out_dir.to_str().unwrap(),
            "--report-duration",
            "500ms",
        ],
    )
    .await;
    out.ok();
    let files: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    let name = file.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with("dbss-demo-report-") && name.ends_with(".pdf"),
        "{name}"
    );
    assert!(std::fs::read(file).unwrap().starts_with(b"%PDF-"));
    assert!(
        out.stdout.contains(file.to_str().unwrap()),
        "the demo must say where the file is: {out:#?}"
    );
    assert!(out.stdout.contains("AUDIT_REPORT_REAL_TIME"), "{out:#?}");
    assert!(out.stderr.is_empty(), "{out:#?}");
}

/// `--output json` makes the demo print one JSON document naming the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_json_output_names_the_file() {
    let home = tempfile::tempdir().unwrap();
    let out = run(
        bare_command(home.path()),
        &[
            "--output",
            "json",
            "demo",
            "--out",
            home.path().to_str().unwrap(),
            "--report-duration",
            "0s",
        ],
    )
    .await;
    out.ok();
    let doc = out.json();
    let path = doc["download"]["path"].as_str().unwrap();
    assert_eq!(
        std::fs::metadata(path).unwrap().len(),
        doc["download"]["bytes"].as_u64().unwrap()
    );
    assert_eq!(doc["report"]["percentum"], 100);
    assert!(!doc["templates"].as_array().unwrap().is_empty());
}

/// Every shell clap_complete knows gets a script that mentions the commands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_for_every_shell() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(bare_command(home.path()), &["completions", shell]).await;
        out.ok();
        assert!(
            out.stdout.contains("dbss") && out.stdout.contains("reports"),
            "{shell}: {out:#?}"
        );
    }
}

/// `dbss --help` documents the exit codes; `-h` stays short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_the_exit_codes() {
    let home = tempfile::tempdir().unwrap();
    let out = run(bare_command(home.path()), &["--help"]).await;
    out.ok();
    assert!(out.stdout.contains("Exit codes:"), "{out:#?}");
    for code in 0..=10 {
        assert!(
            out.stdout.contains(&format!("\n  {code:>2}  ")),
            "code {code}: {out:#?}"
        );
    }
    let short = run(bare_command(home.path()), &["-h"]).await;
    short.ok();
    assert!(!short.stdout.contains("Exit codes:"));
}

/// A reader that goes away (`dbss completions zsh | head -1`) is no failure: exit 0, no panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_is_not_an_error() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = bare_command(home.path());
    cmd.args(["completions", "zsh"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let output = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        drop(child.stdout.take());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
