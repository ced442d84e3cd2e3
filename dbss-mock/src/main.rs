//! `dbss-mock`: runs the embedded DBSS server on loopback until killed.
//!
//! The first stdout line is `listening on http://127.0.0.1:PORT` (so a script or test can read
//! the URL of `--port 0`), then the seeded ids and credentials, and the identity stand-ins'
//! endpoints and tokens, as `key=value` lines ending with `auth=`. Request logs go to stderr
//! (`RUST_LOG` overrides the `info` default).

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use dbss_mock::{
    AuditDataConfig, DEFAULT_AK, DEFAULT_AUDIT_SEED, DEFAULT_FEDERATED_ID_TOKEN, DEFAULT_IDP_ID,
    DEFAULT_OIDC_ID_TOKEN, DEFAULT_POD_IDENTITY_TOKEN, DEFAULT_PROJECT_ID, DEFAULT_SK,
    DEFAULT_TOKEN, FaultRule, Fixture, MetadataMode, MockServer, parse_duration, parse_size,
};

/// An embedded Huawei Cloud DBSS audit-report server for demos and tests (loopback only).
#[derive(Debug, Parser)]
#[command(name = "dbss-mock", version, about, long_about = None)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one (printed on the first line).
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// Project id served (32 to 64 characters).
    #[arg(long, default_value = DEFAULT_PROJECT_ID)]
    project_id: String,

    /// Access key id accepted for AK/SK signing.
    #[arg(long, default_value = DEFAULT_AK)]
    ak: String,

    /// Secret key of --ak.
    #[arg(long, default_value = DEFAULT_SK)]
    sk: String,

    /// IAM token accepted in X-Auth-Token.
    #[arg(long, default_value = DEFAULT_TOKEN)]
    token: String,

    /// Accept every request without credentials.
    #[arg(long)]
    no_auth: bool,

    /// How long a created report takes from 0 to 100 % (e.g. 500ms, 2s, 1m).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    report_duration: Duration,

    /// Size of downloaded report files (e.g. 4096, 64KiB, 1GiB); streamed, never in memory.
    #[arg(long, default_value = "64KiB", value_parser = parse_size)]
    report_size: u64,

    /// Number of audit instances to seed.
    #[arg(long, default_value_t = 2)]
    instances: usize,

    /// Audited SQL statements per instance, generated on demand over the last --audit-days
    /// (any number starts at once: nothing is generated before a request reads it).
    #[arg(long, value_name = "N", default_value_t = AuditDataConfig::default().rows)]
    audit_rows: u64,

    /// Alarms per instance.
    #[arg(long, value_name = "N", default_value_t = AuditDataConfig::default().alarms)]
    audit_alarms: u64,

    /// Operation logs per instance.
    #[arg(long, value_name = "N", default_value_t = AuditDataConfig::default().operation_logs)]
    audit_operation_logs: u64,

    /// How many days before the start the audit data goes back.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    audit_days: u64,

    /// Seed of the audit data (the same seed gives the same data).
    #[arg(long, value_name = "SEED", default_value_t = DEFAULT_AUDIT_SEED)]
    audit_seed: u64,

    /// Start without the two seeded finished reports.
    #[arg(long)]
    no_seed_reports: bool,

    /// Seed for reproducible report ids.
    #[arg(long)]
    seed: Option<u64>,

    /// Inject a fault: KIND[=ARG][,times=N|always][,op=OPERATION][,retry-after=VALUE].
    /// KIND: status=CODE, delay=DURATION, hang, stall-body, close-mid-body,
    /// reset[=headers|request|processed], truncated-json, garbage[=SIZE[@STATUS]],
    /// html[=STATUS], empty-200, unknown-result, reply=STATUS. Repeatable; rules apply in
    /// order. `at=ENDPOINT` aims a rule at an identity stand-in instead (oidc, iam-id-token,
    /// iam-security-token, iam-projects, metadata-token, metadata-security-key, pod-identity).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<FaultRule>,

    /// The ECS metadata stand-in's behaviour: token-required, token-optional,
    /// no-token-api[=STATUS] (404 by default) or no-agency.
    #[arg(long, default_value = "token-required")]
    metadata_mode: MetadataMode,

    /// The OIDC id token the STS stand-in accepts.
    #[arg(long, default_value = DEFAULT_OIDC_ID_TOKEN)]
    oidc_id_token: String,

    /// The identity provider id the IAM stand-in knows (HUAWEICLOUD_SDK_IDP_ID).
    #[arg(long, default_value = DEFAULT_IDP_ID)]
    idp_id: String,

    /// The id token of --idp-id.
    #[arg(long, default_value = DEFAULT_FEDERATED_ID_TOKEN)]
    federated_id_token: String,

    /// The Authorization value the pod-identity stand-in accepts.
    #[arg(long, default_value = DEFAULT_POD_IDENTITY_TOKEN)]
    pod_identity_token: String,

    /// How long every issued temporary credential lives (default: STS and IAM honour the
    /// request's duration_seconds, metadata and pod identity give 1h).
    #[arg(long, value_parser = parse_duration)]
    identity_credential_lifetime: Option<Duration>,

    /// Throttle the DBSS operations as the API gateway does: at most N requests a second
    /// (whole-second windows), the rest answered 429 APIGW.0308.
    #[arg(long, value_name = "N")]
    throttle: Option<u32>,

    /// Start from a scenario file (JSON: projects with regions, instances, databases, agents,
    /// rules, whitelists, reports; see dbss-mock/fixtures/). Replaces --instances and
    /// --project-id.
    #[arg(long, value_name = "FILE")]
    fixture: Option<std::path::PathBuf>,

    /// How long instance actions (order, start, stop, reboot, upgrade, delete) and backup
    /// restores and retries take to land (e.g. 0s, 2s, 1m).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    lifecycle_duration: Duration,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let mut builder = MockServer::builder()
        .port(args.port)
        .project_id(&args.project_id)
        .access_key(&args.ak, &args.sk)
        .token(&args.token)
        .report_duration(args.report_duration)
        .report_size(args.report_size)
        .instances(args.instances)
        .lifecycle_duration(args.lifecycle_duration)
        .seed_reports(!args.no_seed_reports)
        .audit_data(
            AuditDataConfig::default()
                .rows(args.audit_rows)
                .alarms(args.audit_alarms)
                .operation_logs(args.audit_operation_logs)
                .window(Duration::from_secs(args.audit_days.saturating_mul(86_400)))
                .seed(args.audit_seed),
        )
        .metadata_mode(args.metadata_mode)
        .oidc_id_token(&args.oidc_id_token)
        .federated_id_token(&args.idp_id, &args.federated_id_token)
        .pod_identity_token(&args.pod_identity_token);
    if let Some(lifetime) = args.identity_credential_lifetime {
        builder = builder.identity_credential_lifetime(lifetime);
    }
    if let Some(per_second) = args.throttle {
        builder = builder.throttle(per_second);
    }
    if args.no_auth {
        builder = builder.without_auth();
    }
    if let Some(seed) = args.seed {
        builder = builder.seed(seed);
    }
    if let Some(path) = &args.fixture {
        match Fixture::from_path(path) {
            Ok(fixture) => builder = builder.fixture(fixture),
            Err(error) => {
                eprintln!("dbss-mock: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    for rule in args.faults {
        builder = builder.fault(rule);
    }
    let mock = match builder.start().await {
        Ok(mock) => mock,
        Err(error) => {
            eprintln!("dbss-mock: {error}");
            return ExitCode::FAILURE;
        }
    };

    let mut out = std::io::stdout().lock();
    let printed = writeln!(out, "listening on {}", mock.base_url())
        .and_then(|()| writeln!(out, "project_id={}", mock.project_id()))
        .and_then(|()| writeln!(out, "instance_id={}", mock.instance_id()))
        .and_then(|()| writeln!(out, "template_id={}", mock.template_id()))
        .and_then(|()| writeln!(out, "ak={}", mock.ak()))
        // The mock's own test credentials, printed so that a script can use them; they open
        // nothing but this process.
        .and_then(|()| writeln!(out, "sk={}", mock.sk()))
        .and_then(|()| writeln!(out, "token={}", mock.token()))
        .and_then(|()| writeln!(out, "sts_endpoint={}", mock.sts_endpoint()))
        .and_then(|()| writeln!(out, "iam_endpoint={}", mock.iam_endpoint()))
        .and_then(|()| writeln!(out, "metadata_endpoint={}", mock.metadata_endpoint()))
        .and_then(|()| writeln!(out, "metadata_mode={}", mock.metadata_mode()))
        .and_then(|()| writeln!(out, "pod_identity_uri={}", mock.pod_identity_uri()))
        .and_then(|()| writeln!(out, "pod_identity_token={}", mock.pod_identity_token()))
        .and_then(|()| writeln!(out, "oidc_id_token={}", mock.oidc_id_token()))
        .and_then(|()| writeln!(out, "idp_id={}", mock.federated_idp_id()))
        .and_then(|()| writeln!(out, "federated_id_token={}", mock.federated_id_token()))
        .and_then(|()| {
            let projects: Vec<String> = mock
                .projects()
                .into_iter()
                .map(|(id, region)| format!("{id}@{region}"))
                .collect();
            writeln!(out, "projects={}", projects.join(","))
        })
        .and_then(|()| writeln!(out, "admin={}{}", mock.base_url(), dbss_mock::ADMIN_PREFIX))
        .and_then(|()| writeln!(out, "auth={}", if args.no_auth { "off" } else { "on" }))
        .and_then(|()| out.flush());
    drop(out);
    if let Err(error) = printed {
        eprintln!("dbss-mock: cannot write to stdout: {error}");
        return ExitCode::FAILURE;
    }

    if let Err(error) = tokio::signal::ctrl_c().await {
        eprintln!("dbss-mock: cannot wait for Ctrl-C ({error}); serving until killed");
        std::future::pending::<()>().await;
    }
    mock.shutdown().await;
    ExitCode::SUCCESS
}
