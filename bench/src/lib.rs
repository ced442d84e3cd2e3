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
    sign_now_with(method, url, body, &SIGNED_HEADERS)
}

/// [`sign_now`] with the signed headers in another order (the order the SDK sends them in).
pub fn sign_now_with(
    method: &str,
    url: &str,
    body: Option<&[u8]>,
    headers: &[(&str, &str)],
) -> Result<(String, Vec<(String, String)>), String> {
    let time = dbss_signer::SigningTime::now().map_err(|e| e.to_string())?;
    let signed = dbss_signer::sign(
        &dbss_signer::SignableRequest {
            method,
            url,
            headers,
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

/// Rows of the large list page the load benchmark asks for (`list_audit_databases_new`).
pub const DATABASE_PAGE: usize = 1000;

/// The path of a page of audited databases (its query: [`DATABASE_PAGE`] rows from offset 0, in
/// the order the generated client writes them).
pub fn databases_path() -> String {
    format!("/v2/{PROJECT_ID}/audit/{INSTANCE_ID}/databases?limit={DATABASE_PAGE}&offset=0")
}

/// The path of the report the delete benchmark deletes (again and again: the server always
/// says it was deleted).
pub fn delete_path() -> String {
    format!("/v1/{PROJECT_ID}/audit/{INSTANCE_ID}/reports/{REPORT_ID}")
}

/// A `list_audit_databases_new` answer with `n` databases, each with every field filled in
/// (about 600 bytes a row).
pub fn list_databases_json(n: usize) -> String {
    let rows: Vec<String> = (0..n)
        .map(|i| {
            format!(
                concat!(
                    r#"{{"database":{{"id":"ZxWq1JgBTpKZyZbb{i:04}","name":"orders_{i}","#,
                    r#""type":"MYSQL","version":"8.0","charset":"UTF8","ip":"192.168.{hi}.{lo}","#,
                    r#""port":"3306","os":"LINUX64","status":"ON","audit_status":"ACTIVE","#,
                    r#""instance_name":"rds-orders-{i}","db_classification":"RDS","#,
                    r#""rds_audit_switch_mismatch":false,"rds_id":"6f1a3c7e9b2d4f8a0c5b2d9e6f1a{i:04}in01","#,
                    r#""rds_obj_info":"region=cn-north-4;engine=MySQL;port=3306","#,
                    r#""agent_url":["a7c2{i:04}e1b7d4e8fa0c5b2d9","b9d4{i:04}f3a1c6e2db1e7c4f0"],"#,
                    r#""clouddb_obj_info":"","dws_obj_info":""}}}}"#
                ),
                i = i,
                hi = i / 250,
                lo = i % 250,
            )
        })
        .collect();
    format!(r#"{{"databases":[{}],"total":{n}}}"#, rows.join(","))
}

/// The answer to a report deletion.
pub const DELETE_RESPONSE: &[u8] = br#"{"status":"SUCCESS"}"#;

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
        let databases: dbss_types::ListAuditDatabasesNewResponse =
            serde_json::from_str(&list_databases_json(DATABASE_PAGE)).unwrap();
        assert_eq!(databases.databases.len(), DATABASE_PAGE);
        assert_eq!(databases.databases[999].database.name, "orders_999");
        let deleted: dbss_types::DeleteAuditReportResponse =
            serde_json::from_slice(DELETE_RESPONSE).unwrap();
        assert!(deleted.status.is_some());
    }
}
