//! The bad-input matrix of the `dbss` binary: one named test per invalid argument (or
//! environment variable), each against its own in-process mock. Every case exits with the
//! documented code (3: invalid input or configuration; 2 for the one usage error, an empty
//! instance), prints one line `error: ...` naming the field and the rule, prints nothing on
//! stdout, and the mock counts zero requests.
//!
//! A NUL cannot be passed in an argument or an environment variable (the OS refuses), so NUL
//! ids are covered by the SDK's matrix (`dbss-client/tests/client/bad_input_matrix.rs`) only.

#![allow(clippy::unwrap_used)]

use crate::support;

use support::{Auth, mock, run};

const FROM: &str = "2025-08-20 16:00:00";
const TO: &str = "2025-08-21 07:03:31";
const TEMPLATE: &str = "t8g7LJgBTpKZyZbbeTgS";
const INSTANCE: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";

/// A 32-character id ending in `bad`.
fn id32(bad: &str) -> String {
    format!("{}{bad}", &INSTANCE[..32 - bad.chars().count()])
}

/// A 20-character report id ending in `bad`.
fn id20(bad: &str) -> String {
    format!(
        "{}{bad}",
        &"Hx9QLJgBTpKZyZbbhTgS"[..20 - bad.chars().count()]
    )
}

fn create(template: &str, from: &str, to: &str) -> Vec<String> {
    support::create_args(template, from, to)
        .into_iter()
        .map(String::from)
        .collect()
}

fn with_db(db: &str) -> Vec<String> {
    let mut args = create(TEMPLATE, FROM, TO);
    args.extend(["--db".to_owned(), db.to_owned()]);
    args
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Runs `dbss ARGS` with AK/SK against a fresh mock, with `env` added to the environment, and
/// checks the exit code, the one error line (it must contain each of `says`), the empty
/// stdout, and that nothing reached the mock.
async fn refused(env: &[(&str, &str)], args: Vec<String>, code: i32, says: &[&str]) {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = support::command(&mock, Auth::AkSk, home.path());
    for (name, value) in env {
        cmd.env(name, value);
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(cmd, &argv).await;
    assert_eq!(out.code, code, "{argv:?}: {out:#?}");
    let line = out.one_line_error();
    for word in says {
        assert!(
            line.contains(word),
            "{argv:?}: {line:?} does not say {word:?}"
        );
    }
    // The CLI has no way to call a Rust method: its messages must not ask for one.
    assert!(!line.contains("allow_insecure_http("), "{line}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert_eq!(mock.total_requests(), 0, "{argv:?} reached the server");
}

/// `name: [env...] args => code, [words...];`
macro_rules! refused {
    ($($name:ident: [$($k:literal = $v:expr),*] $args:expr => $code:literal, [$($word:expr),* $(,)?];)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let value: Vec<String> = vec![$(String::from($v)),*];
                let names: Vec<&str> = vec![$($k),*];
                let env: Vec<(&str, &str)> =
                    names.iter().copied().zip(value.iter().map(String::as_str)).collect();
                refused(&env, $args, $code, &[$($word),*]).await;
            }
        )*
    };
}

const ID_LENGTH: &str = "must be 32 to 64 characters long";
const CHARSET: &str = "may only contain ASCII letters, digits";
const TIME_FORMAT: &str = "must be in the format YYYY-MM-DD HH:MM:SS";
const ORDER: &str = "the start must be before the end";

// The audit instance (--instance or DBSS_INSTANCE_ID).
refused! {
    instance_too_short: [] args(&["templates", "list", "--instance", "abc"]) => 3, ["invalid instance_id", ID_LENGTH, "(got 3)"];
    instance_too_long: [] args(&["templates", "list", "--instance", &"a".repeat(65)]) => 3, ["invalid instance_id", ID_LENGTH];
    instance_with_slash: [] args(&["templates", "list", "--instance", &id32("/x")]) => 3, ["invalid instance_id", CHARSET];
    instance_with_dot_dot: [] args(&["reports", "list", "--instance", &id32("/../")]) => 3, ["invalid instance_id", CHARSET];
    instance_with_percent_2f: [] args(&["templates", "list", "--instance", &id32("%2F")]) => 3, ["invalid instance_id", CHARSET];
    instance_with_crlf: [] args(&["templates", "list", "--instance", &id32("\r\n")]) => 3, ["invalid instance_id", CHARSET];
    instance_non_ascii: [] args(&["templates", "list", "--instance", &id32("实例")]) => 3, ["invalid instance_id", CHARSET];
    instance_from_the_environment: ["DBSS_INSTANCE_ID" = id32("..")] args(&["templates", "list"]) => 3, ["invalid instance_id", CHARSET];
    // An empty instance is "no --instance": the documented usage error.
    instance_empty: [] args(&["templates", "list", "--instance", ""]) => 2, ["no audit instance", "--instance"];
}

// The project (--project-id or HUAWEICLOUD_SDK_PROJECT_ID).
refused! {
    project_too_short: [] args(&["instances", "list", "--project-id", "abc"]) => 3, ["invalid project_id", ID_LENGTH];
    project_with_dot_dot: [] args(&["instances", "list", "--project-id", &id32("..")]) => 3, ["invalid project_id", CHARSET];
    project_with_percent_2f: [] args(&["instances", "list", "--project-id", &id32("%2F")]) => 3, ["invalid project_id", CHARSET];
    project_non_ascii: [] args(&["instances", "list", "--project-id", &id32("ö")]) => 3, ["invalid project_id", CHARSET];
    project_from_the_environment: ["HUAWEICLOUD_SDK_PROJECT_ID" = id32("/")] args(&["instances", "list"]) => 3, ["invalid project_id", CHARSET];
}

// reports create: template, time window, databases.
refused! {
    template_empty: [] create("", FROM, TO) => 3, ["invalid template_id", "is required"];
    template_path_traversal: [] create("../../etc", FROM, TO) => 3, ["invalid template_id", CHARSET];
    template_with_percent_2f: [] create("a%2Fb", FROM, TO) => 3, ["invalid template_id", CHARSET];
    template_with_crlf: [] create("t8g7\r\nX-Injected: 1", FROM, TO) => 3, ["invalid template_id", CHARSET];
    template_non_ascii: [] create("模板", FROM, TO) => 3, ["invalid template_id", CHARSET];
    template_too_long: [] create(&"t".repeat(65), FROM, TO) => 3, ["invalid template_id", "1 to 64 characters"];
    from_not_a_time: [] create(TEMPLATE, "yesterday", TO) => 3, ["invalid start_time", TIME_FORMAT];
    from_iso_8601: [] create(TEMPLATE, "2025-08-20T16:00:00", TO) => 3, ["invalid start_time", TIME_FORMAT];
    from_february_30: [] create(TEMPLATE, "2025-02-30 00:00:00", TO) => 3, ["invalid start_time", TIME_FORMAT];
    from_second_60: [] create(TEMPLATE, "2025-08-20 16:00:60", TO) => 3, ["invalid start_time", TIME_FORMAT];
    to_hour_24: [] create(TEMPLATE, FROM, "2025-08-21 24:00:00") => 3, ["invalid end_time", TIME_FORMAT];
    to_equal_to_from: [] create(TEMPLATE, FROM, FROM) => 3, ["invalid end_time", ORDER];
    to_before_from: [] create(TEMPLATE, TO, FROM) => 3, ["invalid end_time", ORDER];
    db_with_comma: [] with_db("db-1,db-2") => 3, ["invalid db_ids", "must not contain a comma"];
    db_empty: [] with_db("") => 3, ["invalid db_ids", "must not contain an empty element"];
    db_blank: [] with_db("   ") => 3, ["invalid db_ids", "must not contain an empty element"];
    db_with_newline: [] with_db("db-1\nX") => 3, ["invalid db_ids", "printable characters"];
}

// reports list: the page size.
refused! {
    page_size_zero: [] args(&["reports", "list", "--page-size", "0"]) => 3, ["invalid size", "between 1 and 100 (got 0)"];
    page_size_over_the_limit: [] args(&["reports", "list", "--page-size", "101"]) => 3, ["invalid size", "between 1 and 100 (got 101)"];
    page_size_negative: [] args(&["reports", "list", "--page-size", "-1"]) => 3, ["invalid size", "between 1 and 100 (got -1)"];
    page_size_negative_with_equals: [] args(&["reports", "list", "--page-size=-5"]) => 3, ["invalid size", "between 1 and 100 (got -5)"];
}

// reports download / delete: the report id (16 to 64 characters).
refused! {
    download_id_too_short: [] args(&["reports", "download", "short", "-o", "r.pdf"]) => 3, ["invalid id", "16 to 64 characters", "(got 5)"];
    download_path_traversal: [] args(&["reports", "download", "../../../../etc/passwd", "-o", "r.pdf"]) => 3, ["invalid id", CHARSET];
    download_id_with_percent_2f: [] args(&["reports", "download", &id20("%2F..%2F"), "-o", "r.pdf"]) => 3, ["invalid id", CHARSET];
    download_id_with_crlf: [] args(&["reports", "download", &id20("\r\n"), "-o", "r.pdf"]) => 3, ["invalid id", CHARSET];
    delete_id_with_dot_dot: [] args(&["reports", "delete", &id20("/..")]) => 3, ["invalid id", CHARSET];
    delete_id_non_ascii: [] args(&["reports", "delete", &id20("报告")]) => 3, ["invalid id", CHARSET];
    delete_id_too_long: [] args(&["reports", "delete", &"r".repeat(65)]) => 3, ["invalid id", "16 to 64 characters"];
}

// Where requests go: region and endpoint.
refused! {
    region_unknown: [] args(&["instances", "list", "--region", "mars-1"]) => 3, ["unknown region \"mars-1\"", "cn-north-4"];
    region_endpoint_override_is_plain_http: ["HUAWEICLOUD_SDK_REGION_DBSS_XX_TEST_1" = "http://dbss.example.com"]
        args(&["instances", "list", "--region", "xx-test-1"]) => 3, ["refusing plain http://", "dbss.example.com", "https://"];
    endpoint_without_scheme: [] args(&["instances", "list", "--endpoint", "dbss.example.com"]) => 3, ["invalid endpoint", "not an absolute URL"];
    endpoint_ftp: [] args(&["instances", "list", "--endpoint", "ftp://dbss.example.com"]) => 3, ["invalid endpoint", "the scheme must be https"];
    endpoint_with_query: [] args(&["instances", "list", "--endpoint", "https://dbss.example.com/?a=b"]) => 3, ["invalid endpoint", "query"];
    endpoint_from_the_environment: ["DBSS_ENDPOINT" = "not a url"] args(&["instances", "list"]) => 3, ["invalid endpoint", "not an absolute URL"];
    endpoint_plain_http: [] args(&["instances", "list", "--endpoint", "http://dbss.example.com"]) => 3, ["refusing plain http://", "\"dbss.example.com\"", "use an https:// endpoint"];
    endpoint_plain_http_private_address: [] args(&["instances", "list", "--endpoint", "http://10.0.0.1:8080"]) => 3, ["refusing plain http://", "10.0.0.1"];
    endpoint_plain_http_localhost_lookalike: [] args(&["instances", "list", "--endpoint", "http://localhost.example.com"]) => 3, ["refusing plain http://"];
}

/// An endpoint with a password in it: refused, and the password is not echoed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_with_user_info_is_refused_without_echoing_the_password() {
    refused(
        &[],
        args(&[
            "instances",
            "list",
            "--endpoint",
            "https://user:hunter2@dbss.example.com",
        ]),
        3,
        &["invalid endpoint", "user info"],
    )
    .await;
    let mock = mock().await;
    let out = support::dbss(
        &mock,
        Auth::AkSk,
        &[
            "instances",
            "list",
            "--endpoint",
            "https://user:hunter2@dbss.example.com",
        ],
    )
    .await;
    assert!(!out.stderr.contains("hunter2"), "{out:#?}");
}
