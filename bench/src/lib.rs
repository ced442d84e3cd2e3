//! Shared fixtures of the DBSS benchmarks: the create-report request every benchmark sends,
//! and the credentials it is signed with.
//!
//! The criterion benches (`benches/`), the load/download binary (`src/main.rs`) and the
//! official-SDK script (`python/official_load.py`) all use these values, so every client sends
//! the same bytes.

/// Project id of every benchmark request.
pub const PROJECT_ID: &str = "0123456789abcdef0123456789abcdef";
/// Audit instance id of every benchmark request.
pub const INSTANCE_ID: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";
/// Report template id.
pub const TEMPLATE_ID: &str = "t8g7LJgBTpKZyZbbeTgS";
/// Start of the audited period.
pub const START_TIME: &str = "2025-08-20 16:00:00";
/// End of the audited period.
pub const END_TIME: &str = "2025-08-21 07:03:31";
/// Access key id the benchmarks sign with.
pub const AK: &str = "AKBENCHEXAMPLE000001";
/// Secret key the benchmarks sign with.
pub const SK: &str = "SKbenchExampleSecretKey0123456789abcdef0";
/// Report id of the download benchmark.
pub const REPORT_ID: &str = "Hx9QLJgBTpKZyZbbhTgS";
/// The signing time of the micro-benchmarks (a fixed one keeps them repeatable).
pub const SIGNING_TIME: &str = "20250821T070331Z";
/// `User-Agent` of the SDK (dbss-client's default).
pub const USER_AGENT: &str = dbss_client::DEFAULT_USER_AGENT;

/// The headers the SDK's pre hook hands the signer (besides `Host` and `X-Sdk-Date`, which the
/// signer adds), with the values the SDK sends; `Accept` goes unsigned.
pub const SIGNED_HEADERS: [(&str, &str); 3] = [
    ("Content-Type", "application/json"),
    ("user-agent", USER_AGENT),
    ("x-project-id", PROJECT_ID),
];

/// A request signed once, at the current time, as the SDK signs it: the URL to send and every
/// header to send with it (the signed ones and `Host`, `X-Sdk-Date`, `Authorization`). The
/// bare clients send these over and over.
pub fn sign_now(
    method: &str,
    url: &str,
    body: Option<&[u8]>,
) -> Result<(String, Vec<(String, String)>), String> {
    let time = dbss_signer::SigningTime::now().map_err(|e| e.to_string())?;
    let signed = dbss_signer::sign(
        &dbss_signer::SignableRequest {
            method,
            url,
            headers: &SIGNED_HEADERS,
            body,
        },
        &dbss_signer::SigningParams::new(dbss_signer::Credentials::new(AK, SK.as_bytes()), time),
    )
    .map_err(|e| e.to_string())?;
    let headers = signed
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Ok((signed.url().to_owned(), headers))
}

/// Path of CreateReport for the benchmark project and instance.
pub fn create_path() -> String {
    format!("/v1/{PROJECT_ID}/audit/{INSTANCE_ID}/reports/create")
}

/// Path of DownloadAuditReport for the benchmark report.
pub fn download_path() -> String {
    format!("/v1/{PROJECT_ID}/audit/{INSTANCE_ID}/reports/{REPORT_ID}/download")
}

/// The create-report body every client sends (no `db_ids`, no dates: the documented minimum,
/// which the official SDK sends the same way).
pub fn create_body() -> dbss_types::CreateReportRequest {
    dbss_types::CreateReportRequest {
        template_id: TEMPLATE_ID.to_owned(),
        start_time: START_TIME.to_owned(),
        end_time: END_TIME.to_owned(),
        start_date: None,
        end_date: None,
        db_ids: None,
    }
}

/// The create-report body as JSON bytes, exactly as serde_json (and so the SDK) writes it.
pub fn create_body_bytes() -> Vec<u8> {
    // Serialising a struct of strings cannot fail.
    serde_json::to_vec(&create_body()).unwrap_or_default()
}

pub mod download;
pub mod load;
pub mod report;
pub mod server;
pub mod signing;
pub mod throttle;

/// A ListAuditReports 200 body with `n` finished reports, as the service writes it.
pub fn list_reports_json(n: usize) -> String {
    let reports: Vec<String> = (0..n)
        .map(|i| {
            format!(
                concat!(
                    r#"{{"report":{{"id":"Hx9QLJgBTpKZyZbb{i:04}","name":"Database Security Compliance Report {i}","#,
                    r#""type":"AUDIT_REPORT_REAL_TIME","format":"pdf","template_type":"PDF","#,
                    r#""db_ids":"db-1,db-2","db_names":"orders,customers","#,
                    r#""start_time":"2025-08-20 16:00:00","end_time":"2025-08-21 07:03:31","#,
                    r#""finish_time":"2025-08-21 07:05:12","percentum":100,"#,
                    r#""url":"/v1/{p}/audit/{a}/reports/Hx9QLJgBTpKZyZbb{i:04}/download"}}}}"#
                ),
                i = i,
                p = PROJECT_ID,
                a = INSTANCE_ID,
            )
        })
        .collect();
    format!(r#"{{"reports":[{}],"total":{n}}}"#, reports.join(","))
}

/// A 400 error body with details, as the service writes it.
pub const ERROR_JSON: &str = concat!(
    r#"{"error_code":"DBSS.10000","error_msg":"Invalid parameter: end_time must be after start_time","#,
    r#""details":[{"error_code":"DBSS.10000","error_msg":"end_time: must be after start_time"},"#,
    r#"{"error_code":"DBSS.10001","error_msg":"template_id: unknown template t8g7LJgBTpKZyZbbeTgS"}],"#,
    r#""encoded_authorization_message":"bm8gcG9saWN5IGFsbG93cyB0aGlzIGFjdGlvbg=="}"#
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fixtures_decode_as_the_service_types() {
        let list: dbss_types::ListAuditReportsResponse =
            serde_json::from_str(&list_reports_json(50)).unwrap();
        assert_eq!(list.reports.len(), 50);
        assert_eq!(list.total, Some(50));
        let error: dbss_types::DbssError = serde_json::from_str(ERROR_JSON).unwrap();
        assert_eq!(error.details.len(), 2);
        assert_eq!(create_body_bytes().len(), 106);
    }
}
