//! The bad-input matrix of the SDK: one named test per invalid input, each against its own
//! embedded mock. Every case must fail with a typed error naming the field and the rule
//! (`Error::Validation(ValidationError { field, rule })`, or `Error::Config(..)` for where
//! requests would go), say so in its one-line `Display`, and leave the mock's request counter
//! at zero: bad input never leaves the machine.
//!
//! The CLI's side of the matrix is `dbss-cli/tests/cli/bad_input.rs`.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use dbss_client::{ConfigError, Credentials, DbssClient, Error, Rule};
use dbss_mock::MockServer;

const FROM: &str = "2025-08-20 16:00:00";
const TO: &str = "2025-08-21 07:03:31";
/// A valid instance id (the mock's first) and report id (the mock's seeded one).
const INSTANCE: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";
const REPORT: &str = "Hx9QLJgBTpKZyZbbhTgS";
const TEMPLATE: &str = "t8g7LJgBTpKZyZbbeTgS";

/// 32 characters, the shortest valid instance or project id, with `bad` at the end.
fn id32(bad: &str) -> String {
    let mut id = INSTANCE[..32 - bad.chars().count()].to_owned();
    id.push_str(bad);
    id
}

/// 20 characters, a valid report id length, with `bad` at the end.
fn id20(bad: &str) -> String {
    let mut id = REPORT[..20 - bad.chars().count()].to_owned();
    id.push_str(bad);
    id
}

async fn mock() -> MockServer {
    MockServer::builder().start().await.unwrap()
}

/// A client of `mock` that reads nothing from the process environment.
fn builder(mock: &MockServer) -> dbss_client::DbssClientBuilder {
    DbssClient::builder()
        .env(Arc::new(|_: &str| None))
        .endpoint(mock.base_url())
        .project_id(mock.project_id())
        .credentials(Credentials::ak_sk(mock.ak(), mock.sk()))
}

fn client(mock: &MockServer) -> DbssClient {
    builder(mock).build().unwrap()
}

/// The error must be a validation error of `field` whose rule matches; its one line names
/// both; nothing was sent.
#[track_caller]
fn assert_invalid(
    result: Result<(), Error>,
    mock: &MockServer,
    field: &str,
    rule_ok: impl Fn(&Rule) -> bool,
) {
    let error = result.expect_err("bad input must be refused");
    let Error::Validation(v) = &error else {
        panic!("expected Error::Validation, got {error:?}");
    };
    assert_eq!(v.field, field, "{error}");
    assert!(rule_ok(&v.rule), "unexpected rule {:?} ({error})", v.rule);
    let line = error.to_string();
    assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    assert!(line.contains(field), "{line}");
    assert!(line.contains(&v.rule.to_string()), "{line}");
    assert!(!error.request_may_have_been_sent());
    assert_eq!(mock.total_requests(), 0, "bad input reached the server");
}

/// The build must fail with a configuration error the matcher accepts; nothing was sent.
#[track_caller]
fn assert_config(
    result: Result<DbssClient, Error>,
    mock: &MockServer,
    ok: impl Fn(&ConfigError) -> bool,
) {
    let error = result.expect_err("bad configuration must be refused");
    let Error::Config(c) = &error else {
        panic!("expected Error::Config, got {error:?}");
    };
    assert!(ok(c), "unexpected {c:?}");
    let line = error.to_string();
    assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    assert_eq!(mock.total_requests(), 0);
}

fn length(r: &Rule) -> bool {
    matches!(r, Rule::Length { .. })
}
fn charset(r: &Rule) -> bool {
    matches!(r, Rule::Charset { .. })
}
fn required(r: &Rule) -> bool {
    *r == Rule::Required
}
fn format(r: &Rule) -> bool {
    matches!(r, Rule::Format { .. })
}
fn order(r: &Rule) -> bool {
    *r == Rule::StartNotBeforeEnd
}
fn range(r: &Rule) -> bool {
    matches!(r, Rule::Range { .. })
}
/// A value the generated types refuse (their pattern, length or range).
fn rejected(r: &Rule) -> bool {
    matches!(r, Rule::Rejected { .. })
}

/// A create-report with every field valid but the ones the case changes.
macro_rules! create {
    ($c:expr) => {
        $c.create_report(INSTANCE)
            .template(TEMPLATE)
            .time_range(FROM, TO)
    };
}

/// `name: |client| call => field, rule;` — one test per line; `call` yields a Result.
macro_rules! invalid {
    ($($name:ident: |$c:ident| $call:expr => $field:literal, $rule:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let mock = mock().await;
                let $c = client(&mock);
                let result: Result<(), Error> = $call.map(drop);
                assert_invalid(result, &mock, $field, $rule);
            }
        )*
    };
}

/// `name: |mock| builder => matcher;` — one test per line, for `build()`.
macro_rules! misconfigured {
    ($($name:ident: |$m:ident| $builder:expr => $ok:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let $m = mock().await;
                let result = $builder.build();
                assert_config(result, &$m, $ok);
            }
        )*
    };
}

/// `name: |builder| builder => field, rule;` — the project id is checked by `build()`.
macro_rules! invalid_at_build {
    ($($name:ident: |$b:ident| $builder:expr => $field:literal, $rule:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let mock = mock().await;
                let $b = builder(&mock);
                assert_invalid($builder.build().map(drop), &mock, $field, $rule);
            }
        )*
    };
}

// CreateReport: the instance id.
invalid! {
    create_instance_id_too_short: |c| c.create_report("abc").template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", length;
    create_instance_id_too_long: |c| c.create_report("a".repeat(65)).template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", length;
    create_instance_id_empty: |c| c.create_report("").template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", required;
    create_instance_id_with_slash: |c| c.create_report(id32("/x")).template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", charset;
    create_instance_id_with_dot_dot: |c| c.create_report(id32("..")).template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", charset;
    create_instance_id_with_percent_2f: |c| c.create_report(id32("%2F")).template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", charset;
    create_instance_id_with_nul: |c| c.create_report(id32("\0")).template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", charset;
    create_instance_id_with_crlf: |c| c.create_report(id32("\r\n")).template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", charset;
    create_instance_id_non_ascii: |c| c.create_report(id32("é")).template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", charset;
    create_instance_id_with_space: |c| c.create_report(id32(" ")).template(TEMPLATE).time_range(FROM, TO).send().await => "instance_id", charset;
}

// CreateReport: the template id.
invalid! {
    create_template_missing: |c| c.create_report(INSTANCE).time_range(FROM, TO).send().await => "template_id", required;
    create_template_empty: |c| create!(c).template("").send().await => "template_id", required;
    create_template_too_long: |c| create!(c).template("t".repeat(65)).send().await => "template_id", length;
    create_template_with_slash: |c| create!(c).template("a/b").send().await => "template_id", charset;
    create_template_with_dot_dot: |c| create!(c).template("../../etc").send().await => "template_id", charset;
    create_template_with_percent_2f: |c| create!(c).template("a%2Fb").send().await => "template_id", charset;
    create_template_with_nul: |c| create!(c).template("t8g7\0").send().await => "template_id", charset;
    create_template_with_crlf: |c| create!(c).template("t8g7\r\nX-Injected: 1").send().await => "template_id", charset;
    create_template_non_ascii: |c| create!(c).template("模板").send().await => "template_id", charset;
}

// CreateReport: the time window.
invalid! {
    create_time_missing: |c| c.create_report(INSTANCE).template(TEMPLATE).send().await => "start_time", required;
    create_start_not_a_time: |c| create!(c).time_range("yesterday", TO).send().await => "start_time", format;
    create_start_iso_8601_with_t: |c| create!(c).time_range("2025-08-20T16:00:00", TO).send().await => "start_time", format;
    create_start_with_zone: |c| create!(c).time_range("2025-08-20 16:00:00Z", TO).send().await => "start_time", format;
    create_start_with_fraction: |c| create!(c).time_range("2025-08-20 16:00:00.5", TO).send().await => "start_time", format;
    create_start_date_only: |c| create!(c).time_range("2025-08-20", TO).send().await => "start_time", format;
    create_start_february_30: |c| create!(c).time_range("2025-02-30 00:00:00", TO).send().await => "start_time", format;
    create_start_month_13: |c| create!(c).time_range("2025-13-01 00:00:00", TO).send().await => "start_time", format;
    create_start_minute_60: |c| create!(c).time_range("2025-08-20 16:60:00", TO).send().await => "start_time", format;
    create_start_second_60: |c| create!(c).time_range("2025-08-20 16:00:60", TO).send().await => "start_time", format;
    create_start_leap_second: |c| create!(c).time_range(FROM, "2025-08-21 23:59:60").send().await => "end_time", format;
    create_start_negative_year: |c| create!(c).time_range("-0001-01-01 00:00:00", TO).send().await => "start_time", format;
    create_start_single_digits: |c| create!(c).time_range("2025-8-20 6:0:0", TO).send().await => "start_time", format;
    create_start_leading_blank: |c| create!(c).time_range(" 2025-08-20 16:00:00", TO).send().await => "start_time", format;
    create_start_tab_separator: |c| create!(c).time_range("2025-08-20\t16:00:00", TO).send().await => "start_time", format;
    create_end_hour_24: |c| create!(c).time_range(FROM, "2025-08-21 24:00:00").send().await => "end_time", format;
    create_end_february_29_not_leap: |c| create!(c).time_range(FROM, "2025-02-29 00:00:00").send().await => "end_time", format;
    create_end_empty: |c| create!(c).time_range(FROM, "").send().await => "end_time", format;
    create_end_equal_to_start: |c| create!(c).time_range(FROM, FROM).send().await => "end_time", order;
    create_end_before_start: |c| create!(c).time_range(TO, FROM).send().await => "end_time", order;
    create_end_before_start_as_jiff: |c| create!(c).time_range(
        jiff::civil::date(2025, 8, 21).at(0, 0, 0, 0),
        jiff::civil::date(2025, 8, 20).at(23, 59, 59, 0),
    ).send().await => "end_time", order;
    create_dates_reversed: |c| create!(c).dates("2025-08-21", "2025-08-20").send().await => "end_date", order;
    create_start_date_single_digits: |c| create!(c).dates("2025-8-1", "2025-08-02").send().await => "start_date", format;
    create_start_date_impossible: |c| create!(c).dates("2025-02-29", "2025-03-01").send().await => "start_date", format;
}

// CreateReport: the database ids.
invalid! {
    create_db_id_with_comma: |c| create!(c).databases(["db-1,db-2"]).send().await => "db_ids", |r| *r == Rule::ContainsComma;
    create_db_id_empty: |c| create!(c).databases(["db-1", ""]).send().await => "db_ids", |r| *r == Rule::EmptyElement;
    create_db_id_blank: |c| create!(c).databases(["  "]).send().await => "db_ids", |r| *r == Rule::EmptyElement;
    create_db_id_with_newline: |c| create!(c).databases(["db-1\nX"]).send().await => "db_ids", charset;
    create_db_id_with_nul: |c| create!(c).databases(["db\0"]).send().await => "db_ids", charset;
}

// ListAuditReportTemplates, ListAuditReports.
invalid! {
    templates_instance_id_too_short: |c| c.list_templates("abc").send().await => "instance_id", length;
    templates_instance_id_with_dot_dot: |c| c.list_templates(id32("/..")).send().await => "instance_id", charset;
    templates_instance_id_non_ascii: |c| c.list_templates(id32("ü")).send().await => "instance_id", charset;
    reports_instance_id_with_percent_2f: |c| c.list_reports(id32("%2F")).send().await => "instance_id", charset;
    reports_page_size_zero: |c| c.list_reports(INSTANCE).page_size(0).send().await => "size", range;
    reports_page_size_over_the_limit: |c| c.list_reports(INSTANCE).page_size(dbss_client::MAX_PAGE_SIZE + 1).send().await => "size", range;
    reports_page_size_huge: |c| c.list_reports(INSTANCE).page_size(u32::MAX).send().await => "size", range;
    reports_page_zero: |c| c.list_reports(INSTANCE).page(0).send().await => "page", range;
}

// DownloadAuditReport, DeleteAuditReport: the report id (16 to 64 characters).
invalid! {
    download_report_id_too_short: |c| c.download_report(INSTANCE, "short").to_writer(&mut tokio::io::sink()).await => "id", length;
    download_report_id_too_long: |c| c.download_report(INSTANCE, "r".repeat(65)).to_writer(&mut tokio::io::sink()).await => "id", length;
    download_report_id_empty: |c| c.download_report(INSTANCE, "").to_writer(&mut tokio::io::sink()).await => "id", required;
    download_report_id_path_traversal: |c| c.download_report(INSTANCE, "../../../../etc/passwd").to_writer(&mut tokio::io::sink()).await => "id", charset;
    download_report_id_with_percent_2f: |c| c.download_report(INSTANCE, id20("%2F..%2F")).to_writer(&mut tokio::io::sink()).await => "id", charset;
    download_report_id_with_nul: |c| c.download_report(INSTANCE, id20("\0")).to_writer(&mut tokio::io::sink()).await => "id", charset;
    download_report_id_with_crlf: |c| c.download_report(INSTANCE, id20("\r\n")).to_writer(&mut tokio::io::sink()).await => "id", charset;
    download_report_id_non_ascii: |c| c.download_report(INSTANCE, id20("报告")).to_writer(&mut tokio::io::sink()).await => "id", charset;
    download_instance_id_with_slash: |c| c.download_report(id32("/"), REPORT).to_writer(&mut tokio::io::sink()).await => "instance_id", charset;
    delete_report_id_too_short: |c| c.delete_report(INSTANCE, "short").send().await => "id", length;
    delete_report_id_with_slash: |c| c.delete_report(INSTANCE, id20("/")).send().await => "id", charset;
    delete_report_id_with_dot_dot: |c| c.delete_report(INSTANCE, id20("..")).send().await => "id", charset;
    delete_report_id_with_query: |c| c.delete_report(INSTANCE, id20("?x=1")).send().await => "id", charset;
    delete_report_id_with_crlf: |c| c.delete_report(INSTANCE, id20("\r\n")).send().await => "id", charset;
    delete_report_id_non_ascii: |c| c.delete_report(INSTANCE, id20("é")).send().await => "id", charset;
    delete_instance_id_too_long: |c| c.delete_report("i".repeat(65), REPORT).send().await => "instance_id", length;
}

// ListAuditInstances, through its typed builder: the document's pattern for `limit` is 1 to 1000.
invalid! {
    instances_limit_zero: |c| c.list_audit_instances_last().limit("0").send().await => "limit", rejected;
    instances_limit_over_the_limit: |c| c.list_audit_instances_last().limit("1001").send().await => "limit", rejected;
    instances_limit_not_a_number: |c| c.list_audit_instances_last().limit("ten").send().await => "limit", rejected;
}

// The project id, checked when the client is built.
invalid_at_build! {
    project_id_too_short: |b| b.project_id("abc") => "project_id", length;
    project_id_empty: |b| b.project_id("") => "project_id", required;
    project_id_with_slash: |b| b.project_id(id32("/")) => "project_id", charset;
    project_id_with_dot_dot: |b| b.project_id(id32("..")) => "project_id", charset;
    project_id_with_percent_2f: |b| b.project_id(id32("%2F")) => "project_id", charset;
    project_id_with_nul: |b| b.project_id(id32("\0")) => "project_id", charset;
    project_id_with_crlf: |b| b.project_id(id32("\r\n")) => "project_id", charset;
    project_id_non_ascii: |b| b.project_id(id32("ß")) => "project_id", charset;
}

/// A client configured by region (no endpoint), reading variables from `env` only.
fn by_region(
    region: &str,
    env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
) -> dbss_client::DbssClientBuilder {
    DbssClient::builder()
        .env(Arc::new(env))
        .region(region)
        .project_id(INSTANCE)
        .credentials(Credentials::ak_sk("AK", "SK"))
}

// Where requests go. (The region cases send nowhere at all; their mock only proves that.)
misconfigured! {
    region_unknown: |m| by_region("mars-1", |_| None)
        => |c| matches!(c, ConfigError::UnknownRegion { region, .. } if region == "mars-1");
    region_empty: |m| by_region("", |_| None) => |c| matches!(c, ConfigError::UnknownRegion { .. });
    region_case_mismatch: |m| by_region("CN-NORTH-4", |_| None) => |c| matches!(c, ConfigError::UnknownRegion { .. });
    region_endpoint_override_is_plain_http: |m| by_region("xx-test-1", |name| {
            (name == "HUAWEICLOUD_SDK_REGION_DBSS_XX_TEST_1").then(|| "http://dbss.example.com".to_owned())
        }) => |c| matches!(c, ConfigError::InsecureEndpoint { host } if host == "dbss.example.com");
    endpoint_without_scheme: |m| builder(&m).endpoint("dbss.example.com") => |c| matches!(c, ConfigError::InvalidEndpoint { .. });
    endpoint_ftp: |m| builder(&m).endpoint("ftp://dbss.example.com") => |c| matches!(c, ConfigError::InvalidEndpoint { .. });
    endpoint_without_host: |m| builder(&m).endpoint("https://") => |c| matches!(c, ConfigError::InvalidEndpoint { .. });
    endpoint_with_query: |m| builder(&m).endpoint("https://dbss.example.com/?x=1") => |c| matches!(c, ConfigError::InvalidEndpoint { .. });
    endpoint_with_fragment: |m| builder(&m).endpoint("https://dbss.example.com/#x") => |c| matches!(c, ConfigError::InvalidEndpoint { .. });
    endpoint_with_user_info: |m| builder(&m).endpoint("https://user:hunter2@dbss.example.com") => |c| matches!(
        c, ConfigError::InvalidEndpoint { endpoint, .. } if !endpoint.contains("hunter2"));
    endpoint_empty: |m| builder(&m).endpoint("") => |c| matches!(c, ConfigError::InvalidEndpoint { .. });
    endpoint_plain_http_to_a_name: |m| builder(&m).endpoint("http://dbss.example.com") => |c| matches!(c, ConfigError::InsecureEndpoint { .. });
    endpoint_plain_http_to_a_private_address: |m| builder(&m).endpoint("http://10.0.0.1:8080") => |c| matches!(c, ConfigError::InsecureEndpoint { .. });
    endpoint_plain_http_to_localhost_lookalike: |m| builder(&m).endpoint("http://localhost.example.com") => |c| matches!(c, ConfigError::InsecureEndpoint { .. });
    endpoint_plain_http_to_loopback_lookalike: |m| builder(&m).endpoint("http://127.0.0.1.nip.io") => |c| matches!(c, ConfigError::InsecureEndpoint { .. });
    user_agent_suffix_with_crlf: |m| builder(&m).user_agent_suffix("app/1\r\nX-Injected: 1") => |c| *c == ConfigError::InvalidUserAgent;
}

/// With the opt-in, the same plain-http endpoint is accepted (the refusal is the rule, not an
/// accident of parsing).
#[test]
fn plain_http_is_accepted_with_the_opt_in() {
    DbssClient::builder()
        .env(Arc::new(|_: &str| None))
        .endpoint("http://dbss.example.com")
        .allow_insecure_http(true)
        .project_id(INSTANCE)
        .credentials(Credentials::ak_sk("AK", "SK"))
        .build()
        .unwrap();
}

/// The messages name the field and the rule, in words.
#[tokio::test]
async fn messages_are_specific() {
    let mock = mock().await;
    let c = client(&mock);
    let e = c
        .list_reports(INSTANCE)
        .page_size(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid size: must be between 1 and 100 (got 0)"
    );
    let e = create!(c)
        .time_range(FROM, "2025-08-21 24:00:00")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid end_time: must be in the format YYYY-MM-DD HH:MM:SS (a real date and time)"
    );
    let e = c.delete_report(INSTANCE, "short").send().await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid id: must be 16 to 64 characters long (got 5)"
    );
    let e = builder(&mock)
        .endpoint("https://user:hunter2@dbss.example.com")
        .build()
        .unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert_eq!(mock.total_requests(), 0);
}
