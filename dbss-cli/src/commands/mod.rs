//! One module per command group; each turns parsed arguments into client calls and output.

use std::sync::Arc;

use dbss_client::{Credentials, DbssClient, Timeouts};

use crate::args::{Cli, Command, GlobalArgs, OutputFormat};
use crate::exit::Failure;
use crate::output::Printer;
use crate::query::Query;

pub mod api;
pub mod completions;
pub mod fleet;
pub mod instances;
pub mod reports;
pub mod schedule;
pub mod templates;

/// What every command needs: the global flags and the printer.
#[derive(Debug)]
pub struct Context {
    /// The global flags.
    pub global: GlobalArgs,
    /// Where results go.
    pub printer: Printer,
}

impl Context {
    /// The context of `global`, printing in `default` unless `--output` says otherwise; a bad
    /// `--query` is refused here, before anything is sent.
    pub fn new(global: GlobalArgs, default: OutputFormat) -> Result<Self, Failure> {
        let query = global.query.as_deref().map(Query::parse).transpose()?;
        Ok(Self {
            printer: Printer::new(global.output.unwrap_or(default), query),
            global,
        })
    }

    /// A client configured from the flags, then the environment and the credential chain.
    pub fn client(&self) -> Result<DbssClient, Failure> {
        one("--region", &self.global.region)?;
        one("--project-id", &self.global.project_id)?;
        let credentials = credentials_from_flags(&self.global)?;
        Ok(build_client(&self.global, credentials)?)
    }

    /// The audit instance of the command: `--instance` or `DBSS_INSTANCE_ID`.
    pub fn instance(&self) -> Result<&str, Failure> {
        one("--instance", &self.global.instance)?
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| {
                Failure::Usage(
                    "no audit instance: pass --instance ID or set DBSS_INSTANCE_ID \
                     (`dbss instances list` shows the instances)"
                        .into(),
                )
            })
    }
}

/// The one value of a flag that commands other than `dbss reports create` and
/// `dbss reports schedule` take once.
fn one<'a>(flag: &str, values: &'a [String]) -> Result<Option<&'a str>, Failure> {
    match values {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(Failure::Usage(format!(
            "{flag} was given {} times: this command takes one (`dbss reports create` and \
             `dbss reports schedule` take several)",
            values.len()
        ))),
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), Failure> {
    let context = Context::new(cli.global, OutputFormat::Table)?;
    match cli.command {
        Command::Instances(command) => instances::run(&context, command).await,
        Command::Templates(command) => templates::run(&context, command).await,
        Command::Reports(command) => reports::run(&context, command).await,
        Command::Api(args) => api::run(&context, args).await,
        Command::Completions { shell } => completions::run(shell),
        Command::Demo(args) => crate::demo::run(&context, args).await,
    }
}

/// Builds the client every command uses, the demo included: the flags first, then the
/// environment (`DBSS_ENDPOINT`, `DBSS_REGION`, `HUAWEICLOUD_SDK_REGION`), then the SDK's
/// credential chain unless `credentials` are given.
pub fn build_client(
    global: &GlobalArgs,
    credentials: Option<Credentials>,
) -> Result<DbssClient, dbss_client::Error> {
    build_client_in(
        global,
        credentials,
        global.region.last().map(String::as_str),
        global.project_id.last().map(String::as_str),
        dbss_client::RateLimit::default(),
    )
}

/// [`build_client`] for one region and project of several (`dbss reports create` over a
/// fleet), with a rate limit.
pub fn build_client_in(
    global: &GlobalArgs,
    credentials: Option<Credentials>,
    region: Option<&str>,
    project_id: Option<&str>,
    rate_limit: dbss_client::RateLimit,
) -> Result<DbssClient, dbss_client::Error> {
    let mut builder = DbssClient::builder()
        .user_agent_suffix(concat!("dbss-cli/", env!("CARGO_PKG_VERSION")))
        .rate_limit(rate_limit);
    if let Some(endpoint) = &global.endpoint {
        builder = builder.endpoint(endpoint);
    }
    if let Some(region) = region {
        builder = builder.region(region);
        if global.endpoint.is_none() {
            // The SDK lets an endpoint win over a region. A --region flag must still beat a
            // DBSS_ENDPOINT left in the environment, so the client does not see that variable.
            builder = builder.env(Arc::new(|name: &str| {
                (name != "DBSS_ENDPOINT")
                    .then(|| std::env::var(name).ok())
                    .flatten()
            }));
        }
    }
    if let Some(project_id) = project_id {
        builder = builder.project_id(project_id);
    }
    if let Some(path) = &global.credentials_file {
        builder = builder.credentials_file(path);
    }
    if let Some(profile) = &global.profile {
        builder = builder.profile(profile);
    }
    builder = builder.allow_insecure_http(global.allow_insecure_http);
    if let Some(from) = global.credentials_from {
        builder = builder.credentials_from(from.step());
    }
    if let Some(credentials) = credentials {
        builder = builder.credentials(credentials);
    }
    if let Some(timeout) = global.timeout {
        let defaults = Timeouts::default();
        builder = builder.timeouts(
            defaults
                .with_attempt(timeout)
                .with_connect(defaults.connect.min(timeout)),
        );
    }
    builder.from_env_vars().build()
}

/// Password credentials, when the flags give them (`--user`, `--domain`, `--password-stdin`);
/// `None` leaves the choice to the chain (or to the one step `--credentials-from` names).
pub fn credentials_from_flags(global: &GlobalArgs) -> Result<Option<Credentials>, Failure> {
    match (&global.user, &global.domain, global.password_stdin) {
        (Some(user), Some(domain), true) => {
            let password = read_password(std::io::stdin().lock())?;
            Ok(Some(Credentials::password(user, password, domain)))
        }
        _ => Ok(None),
    }
}

/// The first line of `input`, without its line ending: the password of `--password-stdin`.
fn read_password(mut input: impl std::io::BufRead) -> Result<String, Failure> {
    let mut line = String::new();
    input.read_line(&mut line).map_err(|e| {
        Failure::Usage(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(Failure::Usage(
            "--password-stdin: standard input holds no password (an empty first line)".into(),
        ));
    }
    Ok(password.to_owned())
}
