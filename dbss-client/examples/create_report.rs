//! Sends one CreateReport, configured from the environment alone, and prints the response.
//!
//! Credentials: `HUAWEICLOUD_SDK_AK` + `HUAWEICLOUD_SDK_SK` (optionally
//! `HUAWEICLOUD_SDK_SECURITY_TOKEN`), or `DBSS_AUTH_TOKEN`; plus `HUAWEICLOUD_SDK_PROJECT_ID`.
//! Where: `DBSS_ENDPOINT` (a base URL, e.g. `http://127.0.0.1:8080`) or `DBSS_REGION`.
//! What: `DBSS_INSTANCE_ID`, `DBSS_TEMPLATE_ID`, `DBSS_START`, `DBSS_END`
//! (`YYYY-MM-DD HH:MM:SS`), optional `DBSS_DB_IDS` (comma-separated).
//!
//! Prints the response as JSON on stdout and exits 0; on any error prints it on stderr and
//! exits 1.

use std::process::ExitCode;

use dbss_client::DbssClient;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

async fn run() -> Result<serde_json::Value, dbss_client::Error> {
    let client = DbssClient::from_env()?;
    let mut request = client
        .create_report(var("DBSS_INSTANCE_ID").unwrap_or_default())
        .time_range(
            var("DBSS_START").unwrap_or_default(),
            var("DBSS_END").unwrap_or_default(),
        );
    if let Some(template) = var("DBSS_TEMPLATE_ID") {
        request = request.template(template);
    }
    if let Some(ids) = var("DBSS_DB_IDS") {
        request = request.databases(ids.split(',').map(str::trim).map(str::to_owned));
    }
    let created = request.send().await?;
    Ok(serde_json::json!({
        "result": "success",
        "request_id": created.request_id,
        "request": created.request,
    }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if var("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    match run().await {
        Ok(response) => {
            println!("{response}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
