//! Runs the built `dbss` binary against an in-process `dbss-mock`, with an environment that
//! holds only what the test gives it (no credentials or profile file of the machine leak in).

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use dbss_mock::MockServer;

/// How the binary authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK`: requests are signed.
    AkSk,
    /// `DBSS_AUTH_TOKEN`: requests carry `X-Auth-Token`.
    Token,
    /// No credentials at all.
    None,
}

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Panics with the whole run unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "unexpected exit code: {self:#?}");
        self
    }

    /// Panics unless the run succeeded.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.expect_code(0)
    }

    /// Stdout as the one JSON document it must be.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:#?}"))
    }

    /// Panics unless stderr is exactly one line `error: ...` that names a request id; returns it.
    #[track_caller]
    pub fn one_line_error(&self) -> &str {
        let line = self.stderr.trim_end_matches('\n');
        assert!(
            !line.is_empty() && !line.contains('\n'),
            "stderr is not one line: {self:#?}"
        );
        assert!(line.starts_with("error: "), "{self:#?}");
        line
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

/// A mock whose reports finish at once (tests about the workflow, not about waiting).
pub async fn mock() -> MockServer {
    MockServer::builder()
        .report_duration(Duration::ZERO)
        .start()
        .await
        .unwrap()
}

/// The binary, with an empty environment but for `HOME` (an empty folder, so no profile file)
/// and the endpoint, project, instance and credentials of `mock` as environment variables.
pub fn command(mock: &MockServer, auth: Auth, home: &Path) -> Command {
    let mut cmd = bare_command(home);
    cmd.env("DBSS_ENDPOINT", mock.base_url())
        .env("HUAWEICLOUD_SDK_PROJECT_ID", mock.project_id())
        .env("DBSS_INSTANCE_ID", mock.instance_id());
    match auth {
        Auth::AkSk => {
            cmd.env("HUAWEICLOUD_SDK_AK", mock.ak())
                .env("HUAWEICLOUD_SDK_SK", mock.sk());
        }
        Auth::Token => {
            cmd.env("DBSS_AUTH_TOKEN", mock.token());
        }
        Auth::None => {}
    }
    cmd
}

/// The binary with an empty environment but for `HOME` and `DBSS_METADATA_DISABLED=true`: with
/// no credentials, the chain would otherwise end at the ECS metadata service, 169.254.169.254,
/// which no test may reach (a test of that source points `DBSS_METADATA_ENDPOINT` at the mock
/// and removes the variable).
///
/// A `std` command, not tokio's: tokio's `process` feature in the tests alone would build tokio
/// (and every crate above it) a second time, with other features than `cargo run -p dbss-cli`.
pub fn bare_command(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dbss"));
    cmd.env_clear()
        .env("HOME", home)
        .env("DBSS_METADATA_DISABLED", "true")
        .stdin(Stdio::null());
    cmd
}

/// Runs `cmd` with `args` to the end.
pub async fn run(mut cmd: Command, args: &[&str]) -> Run {
    cmd.args(args);
    // The wait blocks: on the blocking pool, the runtime's workers stay free to serve the
    // in-process mock the child talks to. The child is always waited for to its end, so no
    // child outlives the test (what tokio's `kill_on_drop` was for).
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .unwrap();
    output.into()
}

/// Runs `dbss ARGS` against `mock`.
pub async fn dbss(mock: &MockServer, auth: Auth, args: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    run(command(mock, auth, home.path()), args).await
}

/// `reports create --template T --from F --to T`.
pub fn create_args<'a>(template: &'a str, from: &'a str, to: &'a str) -> Vec<&'a str> {
    vec![
        "reports",
        "create",
        "--template",
        template,
        "--from",
        from,
        "--to",
        to,
    ]
}

/// The bytes the mock serves for report `id` (English).
pub fn report_bytes(mock: &MockServer, id: &str) -> Vec<u8> {
    mock.report_content(id, dbss_client::types::ReportLocale::EnUs)
        .unwrap()
        .flat_map(|chunk| chunk.to_vec())
        .collect()
}
