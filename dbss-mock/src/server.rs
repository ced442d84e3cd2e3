//! The server: its shared state, the builder, and the handle tests hold. Connections are
//! accepted and served in `conn.rs`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use dbss_types::{ReportBean, ReportLocale};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::audit_data::{AuditData, AuditDataConfig};
use crate::auth::{AccessKey, Auth};
use crate::clock::{Clock, SystemClock};
use crate::conn::accept_loop;
use crate::content::ReportContent;
use crate::error::Error;
use crate::faults::{FaultQueue, FaultRule};
use crate::fixture::Fixture;
use crate::identity::{Identity, IdentityConfig};
use crate::journal::{Journal, JournalEntry};
use crate::ops::Operation;
use crate::state::{DOC_TEMPLATE_ID, IdGen, State};
use crate::throttle::Throttle;
use crate::validate::{self, Schemas};

/// The project id the mock serves unless told otherwise.
pub const DEFAULT_PROJECT_ID: &str = "0f4e1c2b3a5d46e7b8c9d0e1f2a3b4c5";
/// The access key id the mock accepts unless told otherwise.
pub const DEFAULT_AK: &str = "DBSSMOCKAKEXAMPLE001";
/// The secret key of [`DEFAULT_AK`]. A public test value: it opens nothing but a mock.
pub const DEFAULT_SK: &str = "dbssMockSecretKeyExample0000000000000001";
/// The IAM token the mock accepts unless told otherwise.
pub const DEFAULT_TOKEN: &str = "MIIdbss-mock-iam-token-example";

/// Requests received, per operation and in total.
#[derive(Debug)]
pub(crate) struct Counters {
    per_op: [AtomicU64; Operation::ALL.len()],
    any: AtomicU64,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            per_op: std::array::from_fn(|_| AtomicU64::new(0)),
            any: AtomicU64::new(0),
        }
    }
}

impl Counters {
    pub fn record(&self, op: Operation) {
        self.per_op[op.index()].fetch_add(1, Ordering::SeqCst);
    }

    pub fn record_any(&self) {
        self.any.fetch_add(1, Ordering::SeqCst);
    }

    fn reset(&self) {
        for c in &self.per_op {
            c.store(0, Ordering::SeqCst);
        }
        self.any.store(0, Ordering::SeqCst);
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct App {
    pub project_id: String,
    pub auth: Auth,
    pub clock: Arc<dyn Clock>,
    pub counters: Counters,
    pub faults: FaultQueue,
    pub throttle: Throttle,
    pub identity: Identity,
    pub ids: IdGen,
    pub schemas: &'static Schemas,
    pub journal: Journal,
    /// The generated audit data and the changes made to it (audit_data/).
    pub audit: AuditData,
    report_duration_nanos: AtomicU64,
    lifecycle_nanos: AtomicU64,
    report_size: AtomicU64,
    world: Mutex<State>,
}

impl App {
    /// The world, locked and brought up to the clock (see [`State::settle`]). Handlers hold
    /// it only for synchronous work.
    pub fn world(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-change is a bug in the mock; keep serving.
        let mut world = self.world.lock().unwrap_or_else(PoisonError::into_inner);
        world.settle(self.clock.now());
        world
    }

    /// How long an instance or backup action takes to land.
    pub fn lifecycle_duration(&self) -> Duration {
        Duration::from_nanos(self.lifecycle_nanos.load(Ordering::Relaxed))
    }

    pub fn report_duration(&self) -> Duration {
        Duration::from_nanos(self.report_duration_nanos.load(Ordering::Relaxed))
    }

    pub fn report_size(&self) -> u64 {
        self.report_size.load(Ordering::Relaxed)
    }
}

/// Configures and starts a [`MockServer`]. Get one from [`MockServer::builder`].
#[derive(Debug)]
pub struct MockServerBuilder {
    port: u16,
    project_id: String,
    token: String,
    extra_tokens: Vec<String>,
    key: AccessKey,
    extra_keys: Vec<AccessKey>,
    auth_enabled: bool,
    max_clock_skew: Duration,
    report_duration: Duration,
    report_size: u64,
    lifecycle_duration: Duration,
    instances: usize,
    fixture: Option<Fixture>,
    seed_reports: bool,
    seed: Option<u64>,
    clock: Arc<dyn Clock>,
    faults: Vec<FaultRule>,
    throttle: Option<u32>,
    audit: AuditDataConfig,
    /// The identity stand-ins' settings (builder methods in identity/mod.rs).
    pub(crate) identity: IdentityConfig,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            project_id: DEFAULT_PROJECT_ID.into(),
            token: DEFAULT_TOKEN.into(),
            extra_tokens: Vec::new(),
            key: AccessKey {
                ak: DEFAULT_AK.into(),
                sk: DEFAULT_SK.into(),
                security_token: None,
                expires_at: None,
            },
            extra_keys: Vec::new(),
            auth_enabled: true,
            max_clock_skew: dbss_signer::DEFAULT_MAX_CLOCK_SKEW,
            report_duration: Duration::from_secs(2),
            report_size: 64 * 1024,
            lifecycle_duration: Duration::from_secs(2),
            instances: 2,
            fixture: None,
            seed_reports: true,
            seed: None,
            clock: Arc::new(SystemClock),
            faults: Vec::new(),
            throttle: None,
            audit: AuditDataConfig::default(),
            identity: IdentityConfig::default(),
        }
    }
}

impl MockServerBuilder {
    /// The port on 127.0.0.1 (default 0: any free port; read it back from
    /// [`MockServer::base_url`]). The mock only ever listens on loopback.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The project id (32 to 64 characters, as the API requires). Requests for another project
    /// get a 403.
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = project_id.into();
        self
    }

    /// The IAM token [`MockServer::token`] returns and `X-Auth-Token` may carry (replaces
    /// [`DEFAULT_TOKEN`]).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// Another IAM token to accept.
    pub fn add_token(mut self, token: impl Into<String>) -> Self {
        self.extra_tokens.push(token.into());
        self
    }

    /// The access key pair [`MockServer::ak`] and [`MockServer::sk`] return (replaces
    /// [`DEFAULT_AK`]/[`DEFAULT_SK`]).
    pub fn access_key(mut self, ak: impl Into<String>, sk: impl Into<String>) -> Self {
        self.key = AccessKey {
            ak: ak.into(),
            sk: sk.into(),
            security_token: None,
            expires_at: None,
        };
        self
    }

    /// Another access key pair to accept.
    pub fn add_access_key(mut self, ak: impl Into<String>, sk: impl Into<String>) -> Self {
        self.extra_keys.push(AccessKey {
            ak: ak.into(),
            sk: sk.into(),
            security_token: None,
            expires_at: None,
        });
        self
    }

    /// Temporary credentials to accept: requests signed with `ak` must also carry
    /// `X-Security-Token: security_token`.
    pub fn add_temporary_access_key(
        mut self,
        ak: impl Into<String>,
        sk: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        self.extra_keys.push(AccessKey {
            ak: ak.into(),
            sk: sk.into(),
            security_token: Some(security_token.into()),
            expires_at: None,
        });
        self
    }

    /// Accepts every request without credentials (for tests that are not about
    /// authentication).
    pub fn without_auth(mut self) -> Self {
        self.auth_enabled = false;
        self
    }

    /// How far `X-Sdk-Date` may be from the mock's clock (default 15 minutes, as the gateway).
    pub fn max_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// How long a created report takes to go from 0 to 100 % (default 2 s; zero makes reports
    /// finish at once).
    pub fn report_duration(mut self, duration: Duration) -> Self {
        self.report_duration = duration;
        self
    }

    /// The size of every downloaded report file in bytes (default 64 KiB). Any size works,
    /// e.g. 1 GiB: files are generated while they are sent, never held in memory.
    pub fn report_size(mut self, bytes: u64) -> Self {
        self.report_size = bytes;
        self
    }

    /// How many audit instances to seed (default 2, at least 1). The first has the id of the
    /// OpenAPI document's example; every fifth from the second on is `SHUTOFF`.
    pub fn instances(mut self, count: usize) -> Self {
        self.instances = count;
        self
    }

    /// How long an instance action (order, start, stop, reboot, upgrade, delete) and a backup
    /// restore or retry take to land on the mock's clock (default 2 s; zero lands them at the
    /// next request).
    pub fn lifecycle_duration(mut self, duration: Duration) -> Self {
        self.lifecycle_duration = duration;
        self
    }

    /// Starts from a [`Fixture`] instead of the seeded world: its projects (each in its
    /// region), instances and what lives under them. [`instances`](Self::instances),
    /// [`project_id`](Self::project_id) and [`seed_reports`](Self::seed_reports) are then not
    /// used unless the fixture lists no project; the IAM stand-in lists each region's
    /// projects (unless [`projects`](Self::projects) says otherwise).
    pub fn fixture(mut self, fixture: Fixture) -> Self {
        self.fixture = Some(fixture);
        self
    }

    /// Whether to seed two finished reports on the first instance (default true).
    pub fn seed_reports(mut self, yes: bool) -> Self {
        self.seed_reports = yes;
        self
    }

    /// Seeds the id generator, making report ids reproducible (default: from the time).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The clock for report progress and signature expiry (default: the system clock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// A fault to inject from the first request on (more can be added on the running server).
    pub fn fault(mut self, rule: impl Into<FaultRule>) -> Self {
        self.faults.push(rule.into());
        self
    }

    /// Throttles the DBSS operations as the API gateway does: at most `per_second` requests a
    /// second (whole-second windows from the start), the rest of each second answered 429
    /// `APIGW.0308` before faults or authentication apply. Default: no throttling. Refused
    /// requests still count in [`MockServer::requests`]; [`MockServer::throttled_requests`]
    /// counts them alone.
    pub fn throttle(mut self, per_second: u32) -> Self {
        self.throttle = Some(per_second);
        self
    }

    /// The audit data the analytics operations answer from (audited SQL statements, alarms,
    /// operation logs, statistics): see [`AuditDataConfig`] for the default (10,000
    /// statements, 200 alarms and 100 operation logs per instance over the 30 days before the
    /// clock's time at start). Generated on demand, so any size starts at once.
    pub fn audit_data(mut self, config: AuditDataConfig) -> Self {
        self.audit = config;
        self
    }

    /// Audited SQL statements per instance (shorthand for [`audit_data`](Self::audit_data)
    /// with only `rows` changed).
    pub fn audit_rows(mut self, rows: u64) -> Self {
        self.audit.rows = rows;
        self
    }

    /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<MockServer, Error> {
        let project_len = self.project_id.chars().count();
        if !(32..=64).contains(&project_len) {
            return Err(Error::Config(format!(
                "project_id must be 32 to 64 characters long, not {project_len}"
            )));
        }
        if self.key.ak.is_empty() || self.key.sk.is_empty() {
            return Err(Error::Config(
                "the access key and secret key must not be empty".into(),
            ));
        }
        let schemas = validate::schemas()?;
        let mut identity = self.identity;
        let volumes = self.fixture.as_ref().and_then(|f| f.audit_data);
        let (project_id, world) = match self.fixture.filter(|f| !f.projects.is_empty()) {
            Some(fixture) => {
                let world = fixture.build()?;
                for project in &world.projects {
                    let listed = identity
                        .projects
                        .iter_mut()
                        .find(|(r, _)| *r == project.region);
                    match listed {
                        Some((_, ids)) if !ids.contains(&project.id) => {
                            ids.push(project.id.clone())
                        }
                        Some(_) => {}
                        None => identity
                            .projects
                            .push((project.region.clone(), vec![project.id.clone()])),
                    }
                }
                let first = world.projects[0].id.clone();
                (first, world)
            }
            None => {
                let world = State::seeded(&self.project_id, self.instances, self.seed_reports);
                (self.project_id, world)
            }
        };
        crate::routes::check_answers()?;
        let seed = self.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                ^ u64::from(std::process::id()).rotate_left(32)
        });

        let mut tokens = vec![self.token.clone()];
        tokens.extend(self.extra_tokens);
        let mut keys = vec![self.key.clone()];
        keys.extend(self.extra_keys);
        let faults = FaultQueue::default();
        for rule in self.faults {
            faults.push(rule);
        }
        let audit_config = match volumes {
            Some(volumes) => volumes.apply(self.audit),
            None => self.audit,
        };
        let audit = AuditData::new(audit_config, self.clock.now());
        let app = Arc::new(App {
            project_id,
            auth: Auth {
                enabled: self.auth_enabled,
                tokens,
                keys,
                max_skew: self.max_clock_skew,
                issued: Mutex::default(),
            },
            clock: self.clock,
            counters: Counters::default(),
            faults,
            throttle: Throttle::new(self.throttle),
            identity: Identity::new(identity),
            ids: IdGen::new(seed),
            schemas,
            audit,
            report_duration_nanos: AtomicU64::new(duration_nanos(self.report_duration)),
            report_size: AtomicU64::new(self.report_size),
            lifecycle_nanos: AtomicU64::new(duration_nanos(self.lifecycle_duration)),
            journal: Journal::default(),
            world: Mutex::new(world),
        });

        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let connections = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(accept_loop(
            listener,
            crate::routes::router(app.clone()),
            shutdown_rx,
            Arc::clone(&connections),
        ));
        tracing::info!(%addr, "dbss-mock listening");
        Ok(MockServer {
            app,
            addr,
            connections,
            token: self.token,
            key: self.key,
            shutdown,
            task: Some(task),
        })
    }
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A running mock DBSS server on 127.0.0.1. Dropping it stops it (open connections are
/// dropped); [`shutdown`](Self::shutdown) also waits until it has stopped.
///
/// ```no_run
/// # async fn demo() -> Result<(), dbss_mock::Error> {
/// use dbss_mock::{Fault, MockServer, Operation};
///
/// let mock = MockServer::builder().start().await?;
/// let url = format!(
///     "{}/v2/{}/audit/instances",
///     mock.base_url(),
///     mock.project_id()
/// );
/// // ... send requests with X-Auth-Token: mock.token(), or signed with mock.ak()/mock.sk() ...
/// mock.inject(Fault::status(503).times(2).only(Operation::CreateReport));
/// assert_eq!(mock.requests(Operation::CreateReport), 0);
/// # let _ = url;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct MockServer {
    pub(crate) app: Arc<App>,
    addr: SocketAddr,
    connections: Arc<AtomicU64>,
    token: String,
    key: AccessKey,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// A builder with the defaults: any free port, [`DEFAULT_PROJECT_ID`], the default
    /// credentials, authentication on, reports that take 2 s and weigh 64 KiB, 2 instances,
    /// 2 seeded reports.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Starts a mock with the defaults.
    pub async fn start() -> Result<MockServer, Error> {
        Self::builder().start().await
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: the endpoint to point a client at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the mock listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The project id the mock serves (with a fixture: its first project).
    pub fn project_id(&self) -> &str {
        &self.app.project_id
    }

    /// Every project the mock serves, with its region, in the fixture's order.
    pub fn projects(&self) -> Vec<(String, String)> {
        self.app
            .world()
            .projects
            .iter()
            .map(|p| (p.id.clone(), p.region.clone()))
            .collect()
    }

    /// The id of the first seeded audit instance (32 characters; a fixture may not have it).
    pub fn instance_id(&self) -> &str {
        crate::state::FIRST_INSTANCE_ID
    }

    /// The ids of the audit instances of every project, in listing order.
    pub fn instance_ids(&self) -> Vec<String> {
        self.app
            .world()
            .all_instances()
            .map(|i| i.id().to_owned())
            .collect()
    }

    /// What the mock received, oldest first (see [`JournalEntry`]).
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.app.journal.entries()
    }

    /// Empties the journal.
    pub fn clear_journal(&self) {
        self.app.journal.clear();
    }

    /// Everything the mock holds now, as JSON: `{"now", "projects": [{"id", "region",
    /// "instances": [{"instance", "pending", "tags", "templates", "databases", "agents",
    /// "risk_rules", "scopes", "sql_injection_rules", "mask_rules", "whitelists", "backups",
    /// "settings", "reports"}]}]}`, each resource with the fields its list answers. The same as
    /// `GET /_mock/state`.
    pub fn snapshot(&self) -> serde_json::Value {
        let now = self.app.clock.now();
        self.app.world().snapshot(now)
    }

    /// Values that address what exists now, for calling `op` successfully: the name of a
    /// parameter or body member (nested ones as `a.b`) to a value, e.g. a database id for the
    /// `id` of `delete_audit_database_new`, a stopped instance for the `instance_id` of
    /// `start_audit_instance_new`. Empty when the operation needs none. For tests that call
    /// every operation (see `tests/` of this repository).
    pub fn valid_values(&self, op: Operation) -> serde_json::Map<String, serde_json::Value> {
        crate::valid_values::of(&self.app.world(), self.project_id(), op)
    }

    /// Changes how long instance and backup actions take from now on.
    pub fn set_lifecycle_duration(&self, duration: Duration) {
        self.app
            .lifecycle_nanos
            .store(duration_nanos(duration), Ordering::Relaxed);
    }

    /// The id of a seeded template every instance has: the API reference's example
    /// `t8g7LJgBTpKZyZbbeTgS`.
    pub fn template_id(&self) -> &str {
        DOC_TEMPLATE_ID
    }

    /// The access key id of the seeded credentials.
    pub fn ak(&self) -> &str {
        &self.key.ak
    }

    /// The secret key of the seeded credentials.
    pub fn sk(&self) -> &str {
        &self.key.sk
    }

    /// The seeded IAM token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// How many requests of `operation` reached the server, whatever became of them (rejected,
    /// faulted, hung or reset included). Requests to unknown paths count for no operation.
    pub fn requests(&self, operation: Operation) -> u64 {
        self.app.counters.per_op[operation.index()].load(Ordering::SeqCst)
    }

    /// How many requests reached the server, including those to unknown paths.
    pub fn total_requests(&self) -> u64 {
        self.app.counters.any.load(Ordering::SeqCst)
    }

    /// How many requests the [throttle](MockServerBuilder::throttle) refused with 429.
    pub fn throttled_requests(&self) -> u64 {
        self.app.throttle.refused()
    }

    /// Changes the [throttle](MockServerBuilder::throttle) (`None`: off); counting starts
    /// again in a window beginning now.
    pub fn set_throttle(&self, per_second: Option<u32>) {
        self.app.throttle.set_limit(per_second);
    }

    /// The throttle in force, in requests a second.
    pub fn throttle(&self) -> Option<u32> {
        self.app.throttle.limit()
    }

    /// How many TCP connections the mock has accepted (a client with one keep-alive pool
    /// sending one request at a time opens one).
    pub fn connections_accepted(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Sets every counter back to zero (the identity endpoints' and the connections' too).
    pub fn reset_counters(&self) {
        self.connections.store(0, Ordering::Relaxed);
        self.app.counters.reset();
        self.app.throttle.reset_refused();
        self.app.identity.reset_calls();
    }

    /// Adds a fault rule (see [`Fault`](crate::Fault)). Rules apply in the order they were
    /// added; each request uses at most one.
    pub fn inject(&self, rule: impl Into<FaultRule>) {
        let rule = rule.into();
        tracing::info!(%rule, "fault added");
        self.app.faults.push(rule);
    }

    /// Removes every pending fault rule.
    pub fn clear_faults(&self) {
        self.app.faults.clear();
    }

    /// The fault rules not yet used up.
    pub fn pending_faults(&self) -> Vec<FaultRule> {
        self.app.faults.pending()
    }

    /// Every report of every instance as ListAuditReports would show it now, newest first.
    pub fn reports(&self) -> Vec<ReportBean> {
        let now = self.app.clock.now();
        self.app
            .world()
            .reports
            .iter()
            .rev()
            .map(|r| r.bean(now))
            .collect()
    }

    /// The file DownloadAuditReport sends for report `id` in `locale` (at the current report
    /// size), to compare with what a client saved. `None` if there is no such report.
    pub fn report_content(&self, id: &str, locale: ReportLocale) -> Option<ReportContent> {
        let world = self.app.world();
        let report = world.reports.iter().find(|r| r.id == id)?;
        Some(crate::routes::report_content(
            report,
            &locale.to_string(),
            self.app.report_size(),
        ))
    }

    /// Changes how long reports created from now on take.
    pub fn set_report_duration(&self, duration: Duration) {
        self.app
            .report_duration_nanos
            .store(duration_nanos(duration), Ordering::Relaxed);
    }

    /// Changes the size of downloaded report files.
    pub fn set_report_size(&self, bytes: u64) {
        self.app.report_size.store(bytes, Ordering::Relaxed);
    }

    /// Stops accepting, drops every open connection, and waits until the server has stopped.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
