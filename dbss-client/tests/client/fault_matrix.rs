//! The fault matrix: every operation × every fault, one named test per cell
//! (`<operation>::<fault>`, e.g. `create_report::status_503`), against the embedded mock.
//!
//! Each cell injects one fault into `dbss-mock`, calls the operation through its `DbssClient`
//! wrapper with fast retries (3 attempts, 1–5 ms backoff) and a 300 ms attempt timeout, and
//! checks what the retry policy (`dbss-client/src/retry.rs`) promises:
//!
//! - the outcome (success, or the error class: `Service`, `Decode`, `Timeout{phase}`,
//!   `Connection{request_sent}`, `OperationFailed`), with a one-line `Display`;
//! - the exact number of requests the mock received (its counters), so a CreateReport reaches
//!   the server at most once unless the caller opted in (`create_report_opt_in::*` shows the
//!   repeat, and the duplicates it can make);
//! - for CreateReport, how many reports now exist (a fault after processing leaves one);
//! - that it ends in bounded time (every call runs under a 10 s guard; cells take well under
//!   a second except the one that honours a 1 s `Retry-After`).
//!
//! Transient faults apply to the first two requests (`times(2)`): an operation that may retry
//! succeeds on its third attempt (3 requests); one that may not fails after one. `*_always`
//! cells show that the client gives up after its attempts. `expect()` below is the promise,
//! written out per fault; the report of this suite prints it as a table.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use dbss_client::{
    Credentials, DbssClient, EXCERPT_LEN, Error, Idempotency, RetryPolicy, TimeoutPhase, Timeouts,
};
use dbss_mock::{Fault, FaultRule, MockServer, Operation, ResetPoint};
use support::peak_rss_kib;

use crate::support;

/// Per-attempt (and connect) time limit of every cell.
const ATTEMPT: Duration = Duration::from_millis(300);
/// No cell may take longer than this, whatever the client does.
const GUARD: Duration = Duration::from_secs(10);
const FROM: &str = "2025-08-20 16:00:00";
const TO: &str = "2025-08-21 07:03:31";

/// The six operations, called through the `DbssClient` wrappers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    CreateReport,
    ListTemplates,
    ListReports,
    DownloadReport,
    DeleteReport,
    ListInstances,
}

impl Op {
    fn mock_op(self) -> Operation {
        match self {
            Op::CreateReport => Operation::CreateReport,
            Op::ListTemplates => Operation::ListAuditReportTemplates,
            Op::ListReports => Operation::ListAuditReports,
            Op::DownloadReport => Operation::DownloadAuditReport,
            Op::DeleteReport => Operation::DeleteAuditReport,
            Op::ListInstances => Operation::ListAuditInstancesLast,
        }
    }
}

/// How the client is pointed at trouble.
#[derive(Clone, Debug)]
enum Setup {
    /// A fault rule for the operation under test (`.only(op)` is added).
    Inject(FaultRule),
    /// The mock is shut down before the call: nothing listens on its port.
    Refused,
    /// `https://` to the mock's plain-HTTP port.
    TlsToPlainHttp,
}

/// One column of the matrix.
#[derive(Clone, Debug)]
struct FaultCase {
    setup: Setup,
    /// How many requests the fault applies to (`u64::MAX` for always).
    times: u64,
    /// Whether the mock performs the operation before misbehaving (a report is created).
    processes: bool,
    /// The per-attempt time limit of the cell.
    attempt: Duration,
}

fn inject(fault: Fault, times: u32, processes: bool) -> FaultCase {
    FaultCase {
        setup: Setup::Inject(FaultRule::new(fault).times(times)),
        times: times.into(),
        processes,
        attempt: ATTEMPT,
    }
}

fn always(fault: Fault, processes: bool) -> FaultCase {
    FaultCase {
        setup: Setup::Inject(FaultRule::new(fault).always()),
        times: u64::MAX,
        processes,
        attempt: ATTEMPT,
    }
}

/// The fault columns. Each function's name is the name of its cells.
mod faults {
    use super::*;

    pub fn status_429() -> FaultCase {
        inject(Fault::throttled(None), 2, false)
    }
    pub fn status_429_retry_after() -> FaultCase {
        inject(Fault::throttled(Some(1)), 1, false)
    }
    pub fn status_429_retry_after_over_budget() -> FaultCase {
        always(Fault::throttled(Some(3600)), false)
    }
    pub fn status_500() -> FaultCase {
        inject(Fault::status(500), 2, false)
    }
    pub fn status_502() -> FaultCase {
        inject(Fault::status(502), 2, false)
    }
    pub fn status_503() -> FaultCase {
        inject(Fault::status(503), 2, false)
    }
    pub fn status_504() -> FaultCase {
        inject(Fault::status(504), 2, false)
    }
    pub fn status_503_always() -> FaultCase {
        always(Fault::status(503), false)
    }
    pub fn status_500_always() -> FaultCase {
        always(Fault::status(500), false)
    }
    pub fn reset_headers() -> FaultCase {
        inject(Fault::Reset(ResetPoint::HeadersRead), 2, false)
    }
    pub fn reset_processed() -> FaultCase {
        inject(Fault::Reset(ResetPoint::AfterProcessing), 2, true)
    }
    pub fn hang() -> FaultCase {
        inject(Fault::Hang, 2, false)
    }
    pub fn stall_body() -> FaultCase {
        inject(Fault::StallBody, 2, true)
    }
    pub fn close_mid_body() -> FaultCase {
        inject(Fault::CloseMidBody, 2, true)
    }
    pub fn truncated_json() -> FaultCase {
        inject(Fault::TruncatedJson, 2, true)
    }
    pub fn html_502() -> FaultCase {
        inject(Fault::Html { status: 502 }, 2, false)
    }
    pub fn html_429() -> FaultCase {
        inject(Fault::Html { status: 429 }, 2, false)
    }
    pub fn html_500() -> FaultCase {
        inject(Fault::Html { status: 500 }, 2, false)
    }
    pub fn html_200() -> FaultCase {
        inject(Fault::Html { status: 200 }, 2, false)
    }
    pub fn empty_200() -> FaultCase {
        inject(Fault::EmptyOk, 2, false)
    }
    pub fn unknown_result() -> FaultCase {
        inject(Fault::UnknownResult, 2, false)
    }
    pub fn garbage_10mib_502() -> FaultCase {
        inject(Fault::garbage(502), 2, false)
    }
    pub fn garbage_10mib_200() -> FaultCase {
        // A successful body is read whole (up to 16 MiB): give the 10 MiB time to arrive on a
        // loaded machine, so that the cell is about decoding, not about the attempt timeout.
        FaultCase {
            attempt: Duration::from_secs(5),
            ..inject(Fault::garbage(200), 2, false)
        }
    }
    pub fn connection_refused() -> FaultCase {
        FaultCase {
            setup: Setup::Refused,
            times: u64::MAX,
            processes: false,
            attempt: ATTEMPT,
        }
    }
    pub fn tls_to_plain_http() -> FaultCase {
        FaultCase {
            setup: Setup::TlsToPlainHttp,
            times: u64::MAX,
            processes: false,
            attempt: ATTEMPT,
        }
    }
}

/// What a cell must end in.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Ok,
    Service(u16),
    Decode(u16),
    Timeout(TimeoutPhase),
    Connection { request_sent: bool },
    OperationFailed(&'static str),
}

/// The promise for one cell: the outcome, and how many requests reached the mock (`None`
/// where no server answers).
#[derive(Clone, Debug)]
struct Expected {
    outcome: Outcome,
    requests: Option<u64>,
}

const ATTEMPTS: u64 = 3;

/// The promise, fault by fault. `repeatable`: the operation may be sent again after it may
/// have reached the server (everything but create-report, or create-report opted in).
fn expect(name: &str, op: Op, repeatable: bool) -> Expected {
    let download = op == Op::DownloadReport;
    let delete = op == Op::DeleteReport;
    // Retried for every operation (429, 503): the third attempt succeeds.
    let retried_always = || Expected {
        outcome: Outcome::Ok,
        requests: Some(3),
    };
    // Retried only when repeatable: success on the third attempt, else the first error.
    let retried_if_repeatable = |error: Outcome| {
        if repeatable {
            Expected {
                outcome: Outcome::Ok,
                requests: Some(3),
            }
        } else {
            Expected {
                outcome: error,
                requests: Some(1),
            }
        }
    };
    let once = |outcome: Outcome| Expected {
        outcome,
        requests: Some(1),
    };
    match name {
        "status_429" | "status_503" => retried_always(),
        // Retry-After: 1 is honoured (the cell checks the wait), then success.
        "status_429_retry_after" => Expected {
            outcome: Outcome::Ok,
            requests: Some(2),
        },
        // Retry-After beyond the 60 s budget: the client gives up at once and says so.
        "status_429_retry_after_over_budget" => once(Outcome::Service(429)),
        "status_500" => retried_if_repeatable(Outcome::Service(500)),
        "status_502" => retried_if_repeatable(Outcome::Service(502)),
        "status_504" => retried_if_repeatable(Outcome::Service(504)),
        // Gives up after its attempts.
        "status_503_always" => Expected {
            outcome: Outcome::Service(503),
            requests: Some(ATTEMPTS),
        },
        "status_500_always" => Expected {
            outcome: Outcome::Service(500),
            requests: Some(if repeatable { ATTEMPTS } else { 1 }),
        },
        // A reset once the request is written: the client cannot tell whether the server read
        // it (it cannot see *when* the server reset), so it is "may have been sent".
        "reset_headers" => retried_if_repeatable(Outcome::Connection { request_sent: true }),
        // The first delete took effect; its retry finds no report (400 DBSS.10003).
        "reset_processed" if delete => Expected {
            outcome: Outcome::Service(400),
            requests: Some(3),
        },
        "reset_processed" => retried_if_repeatable(Outcome::Connection { request_sent: true }),
        "hang" => retried_if_repeatable(Outcome::Timeout(TimeoutPhase::Attempt)),
        // A download that broke off mid-body is not retried: the writer already has part of it.
        "stall_body" if download => once(Outcome::Timeout(TimeoutPhase::Attempt)),
        "close_mid_body" if download => once(Outcome::Connection { request_sent: true }),
        "stall_body" | "close_mid_body" if delete => Expected {
            outcome: Outcome::Service(400),
            requests: Some(3),
        },
        "stall_body" => retried_if_repeatable(Outcome::Timeout(TimeoutPhase::Attempt)),
        "close_mid_body" => retried_if_repeatable(Outcome::Connection { request_sent: true }),
        // A proxy's page instead of a DBSS error body: classified by its status all the same.
        "html_429" => retried_always(),
        "html_500" => retried_if_repeatable(Outcome::Decode(500)),
        "html_502" | "garbage_10mib_502" => retried_if_repeatable(Outcome::Decode(502)),
        // A 200 that cannot be decoded is not retried (the policy retries no 200). For a
        // download, a JSON answer is not the report file either.
        "truncated_json" | "empty_200" | "html_200" | "garbage_10mib_200" => {
            once(Outcome::Decode(200))
        }
        "unknown_result" => match op {
            Op::CreateReport => once(Outcome::OperationFailed("queued")),
            Op::DeleteReport => once(Outcome::OperationFailed("QUEUED")),
            Op::DownloadReport => once(Outcome::Decode(200)),
            // The listings have no result field: `{"result":..}` is a valid, empty page.
            _ => once(Outcome::Ok),
        },
        // Nothing reaches a server: retried for every operation, and fails.
        "connection_refused" => Expected {
            outcome: Outcome::Connection {
                request_sent: false,
            },
            requests: None,
        },
        "tls_to_plain_http" => Expected {
            outcome: Outcome::Connection {
                request_sent: false,
            },
            requests: Some(0),
        },
        other => panic!("no expectation for fault {other}"),
    }
}

fn policy(opt_in: bool) -> RetryPolicy {
    RetryPolicy::default()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .with_retry_non_idempotent(opt_in)
}

fn client(mock: &MockServer, endpoint: &str) -> DbssClient {
    client_with(mock.project_id(), mock.ak(), mock.sk(), endpoint, ATTEMPT)
}

fn client_with(project: &str, ak: &str, sk: &str, endpoint: &str, attempt: Duration) -> DbssClient {
    DbssClient::builder()
        .endpoint(endpoint)
        .project_id(project)
        .credentials(Credentials::ak_sk(ak, sk))
        .timeouts(
            Timeouts::default()
                .with_attempt(attempt)
                .with_connect(ATTEMPT),
        )
        .build()
        .unwrap()
}

/// Calls `op` once through its wrapper.
async fn call(
    op: Op,
    client: &DbssClient,
    instance: &str,
    report_id: &str,
    template: &str,
    policy: RetryPolicy,
) -> Result<(), Error> {
    match op {
        Op::CreateReport => client
            .create_report(instance)
            .template(template)
            .time_range(FROM, TO)
            .retry_policy(policy)
            .send()
            .await
            .map(drop),
        Op::ListTemplates => client
            .list_templates(instance)
            .retry_policy(policy)
            .send()
            .await
            .map(drop),
        Op::ListReports => client
            .list_reports(instance)
            .retry_policy(policy)
            .send()
            .await
            .map(drop),
        Op::DownloadReport => {
            let mut sink = tokio::io::sink();
            client
                .download_report(instance, report_id)
                .retry_policy(policy)
                .to_writer(&mut sink)
                .await
                .map(drop)
        }
        Op::DeleteReport => client
            .delete_report(instance, report_id)
            .retry_policy(policy)
            .send()
            .await
            .map(drop),
        Op::ListInstances => client
            .list_audit_instances_last()
            .retry_policy(policy)
            .send()
            .await
            .map(drop),
    }
}

fn outcome_of(result: &Result<(), Error>) -> Outcome {
    match result {
        Ok(()) => Outcome::Ok,
        Err(Error::Service(e)) => Outcome::Service(e.status),
        Err(Error::Decode { status, .. }) => Outcome::Decode(status.unwrap_or(0)),
        Err(Error::Timeout { phase, .. }) => Outcome::Timeout(*phase),
        Err(Error::Connection { request_sent, .. }) => Outcome::Connection {
            request_sent: *request_sent,
        },
        Err(Error::OperationFailed { result, .. }) => Outcome::OperationFailed(
            // Leak a 'static str for the comparison; tests are short-lived.
            Box::leak(result.clone().unwrap_or_default().into_boxed_str()),
        ),
        Err(other) => panic!("unexpected error class: {other:?}"),
    }
}

/// Runs one cell.
async fn cell(op: Op, name: &str, case: FaultCase, opt_in: bool) {
    let mock = MockServer::builder().start().await.unwrap();
    let instance = mock.instance_id().to_owned();
    let template = mock.template_id().to_owned();
    let report_id = mock.reports()[0].id.clone().unwrap();
    let reports_before = mock.reports().len() as u64;
    let repeatable = op != Op::CreateReport || opt_in;
    let expected = expect(name, op, repeatable);

    let (endpoint, mock) = match &case.setup {
        Setup::Inject(rule) => {
            mock.inject(rule.clone().only(op.mock_op()));
            (mock.base_url(), Some(mock))
        }
        Setup::Refused => {
            let url = mock.base_url();
            mock.shutdown().await;
            (url, None)
        }
        Setup::TlsToPlainHttp => (format!("https://{}", mock.addr()), Some(mock)),
    };
    let client = client_for(mock.as_ref(), &endpoint, case.attempt);

    let started = Instant::now();
    let result = tokio::time::timeout(
        GUARD,
        call(
            op,
            &client,
            &instance,
            &report_id,
            &template,
            policy(opt_in),
        ),
    )
    .await
    .unwrap_or_else(|_| panic!("{op:?} × {name}: no outcome within {GUARD:?}"));
    let elapsed = started.elapsed();
    // Shown with --nocapture: the matrix as it ran.
    match &result {
        Ok(()) => eprintln!("cell {op:?} × {name}: ok in {elapsed:?}"),
        Err(e) => eprintln!("cell {op:?} × {name}: {e} in {elapsed:?}"),
    }

    // The outcome and the error class.
    assert_eq!(
        outcome_of(&result),
        expected.outcome,
        "{op:?} × {name}: {result:?}"
    );
    if let Err(e) = &result {
        let line = e.to_string();
        assert!(!line.contains('\n'), "Display is one line: {line:?}");
        // `Error::is_retryable` ("might succeed if made again, for an operation safe to
        // repeat") agrees with what the policy does for such an operation.
        assert_eq!(
            e.is_retryable(),
            RetryPolicy::default().should_retry(e, Idempotency::Idempotent),
            "{op:?} × {name}: is_retryable disagrees with the policy for {e:?}"
        );
        if let Error::Decode { excerpt, .. } = e {
            assert!(
                excerpt.chars().count() <= EXCERPT_LEN,
                "the excerpt is capped, not the body: {} chars",
                excerpt.chars().count()
            );
        }
    }

    // What reached the server.
    if let (Some(mock), Some(requests)) = (&mock, expected.requests) {
        assert_eq!(
            mock.requests(op.mock_op()),
            requests,
            "{op:?} × {name}: requests of the operation"
        );
        assert_eq!(
            mock.total_requests(),
            requests,
            "{op:?} × {name}: all requests"
        );
        if op == Op::CreateReport {
            // One report per attempt that the mock processed, plus the successful one.
            let faulted = requests.min(case.times);
            let ok = u64::from(expected.outcome == Outcome::Ok);
            let processed = if case.processes { faulted } else { 0 };
            let created = mock.reports().len() as u64 - reports_before;
            assert_eq!(created, processed + ok, "{op:?} × {name}: reports created");
            if !opt_in {
                // Without opt-in a create-report takes effect at most once, and is sent again
                // only after an answer that says it was not processed (429, 503).
                assert!(created <= 1, "{name}: {created} reports created");
                assert!(
                    requests <= 1
                        || name.starts_with("status_429")
                        || name.starts_with("status_503")
                        || name == "html_429",
                    "{name}: a create-report that may have been processed was sent again"
                );
            }
        }
    }

    // In bounded time: the attempts' timeouts and the waits the policy allows, no more.
    let limit = match name {
        "status_429_retry_after" => {
            assert!(
                elapsed >= Duration::from_secs(1),
                "Retry-After: 1 was not honoured ({elapsed:?})"
            );
            Duration::from_secs(3)
        }
        _ => case.attempt * 3 + Duration::from_secs(1),
    };
    assert!(elapsed < limit, "{op:?} × {name}: took {elapsed:?}");
    if name == "status_429_retry_after_over_budget" {
        let Err(Error::Service(e)) = &result else {
            unreachable!()
        };
        assert_eq!(e.retry_after, Some(Duration::from_secs(3600)));
    }
}

fn client_for(mock: Option<&MockServer>, endpoint: &str, attempt: Duration) -> DbssClient {
    match mock {
        Some(mock) => client_with(mock.project_id(), mock.ak(), mock.sk(), endpoint, attempt),
        // The mock is gone; its defaults are still a valid project and credentials.
        None => client_with(
            dbss_mock::DEFAULT_PROJECT_ID,
            dbss_mock::DEFAULT_AK,
            dbss_mock::DEFAULT_SK,
            endpoint,
            attempt,
        ),
    }
}

/// One module per operation (a row), one test per fault (a cell).
macro_rules! row {
    ($module:ident, $op:expr, $opt_in:expr) => {
        mod $module {
            use super::*;
            row!(@cells $op, $opt_in;
                status_429,
                status_429_retry_after,
                status_429_retry_after_over_budget,
                status_500,
                status_502,
                status_503,
                status_504,
                status_503_always,
                status_500_always,
                reset_headers,
                reset_processed,
                hang,
                stall_body,
                close_mid_body,
                truncated_json,
                html_429,
                html_500,
                html_502,
                html_200,
                empty_200,
                unknown_result,
                garbage_10mib_502,
                garbage_10mib_200,
                connection_refused,
                tls_to_plain_http,
            );
        }
    };
    (@cells $op:expr, $opt_in:expr; $($fault:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $fault() {
                cell($op, stringify!($fault), faults::$fault(), $opt_in).await;
            }
        )*
    };
}

row!(create_report, Op::CreateReport, false);
row!(list_templates, Op::ListTemplates, false);
row!(list_reports, Op::ListReports, false);
row!(download_report, Op::DownloadReport, false);
row!(delete_report, Op::DeleteReport, false);
row!(list_instances, Op::ListInstances, false);
// The caller opted in to repeating a create-report that may have reached the server.
row!(create_report_opt_in, Op::CreateReport, true);

/// Memory stays bounded under a 10 MiB error body: measured in a child process (the peak RSS
/// of this process is shared by the cells running in parallel). The child reads `VmHWM`
/// before and after a call answered with 10 MiB of garbage and a 502 (capped at 64 KiB by the
/// client), then, as a control that the measure sees a large read, after a call answered with
/// 10 MiB of garbage and a 200 (successful bodies may be read up to 16 MiB).
#[test]
fn garbage_body_memory_stays_bounded() {
    const CHILD: &str = "DBSS_FAULT_MATRIX_MEMORY_CHILD";
    if std::env::var_os(CHILD).is_some() {
        return memory_child();
    }
    if peak_rss_kib().is_none() {
        eprintln!("no /proc/self/status here: skipped");
        return;
    }
    let child = support::run_test_in_child(
        "fault_matrix::garbage_body_memory_stays_bounded",
        &[(CHILD, "1")],
        &[],
    );
    assert!(child.passed, "{}", child.output);
    assert!(child.output.contains("peak growth"), "{}", child.output);
}

fn memory_child() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mock = MockServer::builder().start().await.unwrap();
        let c = client(&mock, &mock.base_url());
        let instance = mock.instance_id().to_owned();
        let templates = |policy| c.list_templates(&instance).retry_policy(policy).send();
        // Warm up everything a call allocates once.
        templates(policy(false)).await.unwrap();
        mock.inject(Fault::Garbage {
            status: 502,
            len: 256 * 1024,
        });
        let _ = templates(RetryPolicy::none()).await;

        let before = peak_rss_kib().unwrap();
        mock.inject(FaultRule::new(Fault::garbage(502)).always());
        let e = templates(policy(false)).await.unwrap_err();
        let bounded = peak_rss_kib().unwrap() - before;
        assert!(
            matches!(
                e,
                Error::Decode {
                    status: Some(502),
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            mock.requests(Operation::ListAuditReportTemplates),
            1 + 1 + 3
        );
        println!("peak growth with 3 × 10 MiB error bodies: {bounded} KiB");
        assert!(
            bounded < 4 * 1024,
            "10 MiB error bodies grew the peak RSS by {bounded} KiB"
        );

        mock.clear_faults();
        let before = peak_rss_kib().unwrap();
        mock.inject(Fault::garbage(200));
        let e = templates(RetryPolicy::none()).await.unwrap_err();
        let control = peak_rss_kib().unwrap() - before;
        assert!(
            matches!(
                e,
                Error::Decode {
                    status: Some(200),
                    ..
                }
            ),
            "{e:?}"
        );
        println!("peak growth with one 10 MiB 200 body (control): {control} KiB");
        assert!(
            control >= 8 * 1024,
            "the measure did not see a 10 MiB read ({control} KiB)"
        );
    });
}
