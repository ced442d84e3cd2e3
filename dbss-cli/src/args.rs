//! The command line: every command, flag and help text (clap derive).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::exit::ExitClass;

/// The `dbss` command line: global flags and a command.
#[derive(Debug, Parser)]
#[command(name = "dbss", version, propagate_version = true, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    /// Flags every command takes.
    #[command(flatten, next_help_heading = "Global options")]
    pub global: GlobalArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const ABOUT: &str = "Command line for the Huawei Cloud DBSS audit-report API";

const LONG_ABOUT: &str = "\
Command line for the Huawei Cloud DBSS audit-report API: instances, report templates, and reports \
(create, wait, list, download, delete).

Credentials come from the official SDK's chain, in its order: OIDC (HUAWEICLOUD_OIDC_*), the \
environment (HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK [+ HUAWEICLOUD_SDK_SECURITY_TOKEN], \
HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE, or DBSS_AUTH_TOKEN), the [basic] section \
of ~/.huaweicloud/credentials (or of HUAWEICLOUD_SDK_CREDENTIALS_FILE), the ECS metadata service, \
then CCE pod identity. The project id comes from --project-id, HUAWEICLOUD_SDK_PROJECT_ID or that \
file, else IAM names the project of the region. The endpoint comes from DBSS_ENDPOINT, or the \
region from DBSS_REGION / HUAWEICLOUD_SDK_REGION. Flags override the environment.

Try it without an account: `dbss demo` runs the whole workflow against an embedded mock server.";

/// Flags every command takes (they may come before or after the command).
#[derive(Clone, Debug, Args)]
pub struct GlobalArgs {
    /// Region, e.g. cn-north-4: requests go to dbss.REGION.myhuaweicloud.com over HTTPS, or to
    /// `HUAWEICLOUD_SDK_REGION_DBSS_<REGION>` when set (env DBSS_REGION or
    /// HUAWEICLOUD_SDK_REGION). `dbss reports create` and `dbss reports schedule` take several.
    #[arg(long, global = true, value_name = "REGION", action = clap::ArgAction::Append)]
    pub region: Vec<String>,

    /// Base URL of the service; wins over --region (env DBSS_ENDPOINT).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,

    /// Project id, 32 to 64 characters (env HUAWEICLOUD_SDK_PROJECT_ID). `dbss reports create`
    /// and `dbss reports schedule` take several.
    #[arg(long, global = true, value_name = "ID", action = clap::ArgAction::Append)]
    pub project_id: Vec<String>,

    /// Audit instance id (32 to 64 characters); `dbss instances list` shows them.
    /// `dbss reports create` and `dbss reports schedule` take several.
    #[arg(long, global = true, env = "DBSS_INSTANCE_ID", value_name = "ID", action = clap::ArgAction::Append)]
    pub instance: Vec<String>,

    /// Output format: aligned columns, one JSON or YAML document, or tab-separated values
    /// (default: table; json for the answer of `dbss api OPERATION`).
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,

    /// A JMESPath expression selecting what to print from the JSON document of the command
    /// (as the AWS CLI's --query), e.g. `[?status=='ON'].id`; checked before anything is sent.
    #[arg(long, global = true, value_name = "JMESPATH")]
    pub query: Option<String>,

    /// Time limit of one HTTP attempt, e.g. 30s or 2m (default 60s; connecting at most 10s).
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub timeout: Option<Duration>,

    /// Debug logs on stderr (RUST_LOG, when set, chooses the filter instead).
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// Section of the credentials file to read (default: basic, the official SDK's).
    #[arg(long, global = true, value_name = "NAME", help_heading = "Credentials")]
    pub profile: Option<String>,

    /// Credentials file to read instead of HUAWEICLOUD_SDK_CREDENTIALS_FILE or
    /// ~/.huaweicloud/credentials.
    #[arg(long, global = true, value_name = "FILE", help_heading = "Credentials")]
    pub credentials_file: Option<PathBuf>,

    /// Use one credential source only instead of the chain (OIDC, environment, profile file,
    /// ECS metadata, CCE pod identity, in that order).
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "SOURCE",
        help_heading = "Credentials"
    )]
    pub credentials_from: Option<CredentialsFrom>,

    /// IAM user name for password credentials (with --domain and --password-stdin).
    #[arg(long, global = true, value_name = "NAME", requires_all = ["domain", "password_stdin"], help_heading = "Credentials")]
    pub user: Option<String>,

    /// IAM domain (account) name of --user.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        requires = "user",
        help_heading = "Credentials"
    )]
    pub domain: Option<String>,

    /// Read the IAM password of --user from the first line of standard input (a password is
    /// never taken from the command line, where other users and shell history can see it).
    #[arg(long, global = true, requires = "user", help_heading = "Credentials")]
    pub password_stdin: bool,

    /// Allow plain http:// to hosts that are not loopback (the endpoint, STS, IAM):
    /// credentials and data then travel unencrypted.
    #[arg(long, global = true, help_heading = "Credentials")]
    pub allow_insecure_http: bool,
}

impl Cli {
    /// Whether debug logs are asked for: `--verbose` before the command, or after the operation
    /// of `dbss api` (parsed only later, once logging has started).
    pub fn verbose(&self) -> bool {
        let after_operation = match &self.command {
            Command::Api(api) => api
                .call
                .iter()
                .take_while(|a| *a != "--")
                .any(|a| a == "-v" || a == "--verbose"),
            _ => false,
        };
        self.global.verbose || after_operation
    }
}

/// A single credential source (`--credentials-from`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[non_exhaustive]
pub enum CredentialsFrom {
    /// HUAWEICLOUD_OIDC_* (an id token exchanged at STS).
    Oidc,
    /// HUAWEICLOUD_SDK_AK/_SK, HUAWEICLOUD_SDK_IDP_ID/_ID_TOKEN_FILE or DBSS_AUTH_TOKEN.
    Env,
    /// The credentials file (--credentials-file, --profile).
    Profile,
    /// The ECS metadata service (DBSS_METADATA_ENDPOINT overrides its address).
    Metadata,
    /// CCE pod identity (HC_CONTAINER_CREDENTIALS_FULL_URI, HC_CONTAINER_AUTHORIZATION_TOKEN_FILE).
    PodIdentity,
}

impl CredentialsFrom {
    /// The step of the client's chain.
    pub fn step(self) -> dbss_client::auth::ChainStep {
        use dbss_client::auth::ChainStep;
        match self {
            Self::Oidc => ChainStep::Oidc,
            Self::Env => ChainStep::Environment,
            Self::Profile => ChainStep::Profile,
            Self::Metadata => ChainStep::EcsMetadata,
            Self::PodIdentity => ChainStep::PodIdentity,
        }
    }
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people (lists one row per item).
    Table,
    /// One JSON document for programs.
    Json,
    /// One YAML document.
    Yaml,
    /// Tab-separated values with a header line, for cut, awk and spreadsheets.
    Tsv,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit instances of the project (where --instance comes from).
    #[command(subcommand)]
    Instances(InstancesCommand),

    /// Report templates of an instance.
    #[command(subcommand)]
    Templates(TemplatesCommand),

    /// Create, list, download and delete reports of an instance.
    #[command(subcommand)]
    Reports(ReportsCommand),

    /// Call any of the 173 operations of the DBSS API by name (`dbss api --list` lists them).
    ///
    /// `dbss api OPERATION [--PARAM VALUE]... [--body FILE|@FILE|-|JSON|YAML] [--FIELD VALUE]...`:
    /// the flags of each operation come from the OpenAPI document (`dbss api OPERATION --help`
    /// lists them, and every field of the body with its type, whether it is required, its enum
    /// values and its description). Parameters are kebab-case (--instance-id; the wire names
    /// such as --instance_id are aliases), and --instance stands in for --instance-id. Body
    /// fields are flags too (--database.name orders, over what --body gave); --skeleton prints
    /// a body with every field to start from. The answer is printed as JSON unless --output
    /// says otherwise (a table or TSV shows a list answer's items); a file answer goes to --out
    /// FILE or standard output. Exit codes are those of the other commands.
    #[command(arg_required_else_help = true)]
    Api(ApiArgs),

    /// Print a shell completion script (see the README for where to put it).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Run the whole workflow against an embedded mock DBSS on 127.0.0.1: no account needed.
    ///
    /// Starts the mock, lists the templates, creates a report with AK/SK signing, waits for it
    /// with a progress bar, downloads it and prints where it is. The requests go through the
    /// same client code as every other command; only the endpoint and credentials are the
    /// mock's. --region, --endpoint, --project-id and --instance are ignored.
    Demo(DemoArgs),
}

/// `dbss api ...`
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// List every operation with its one-line summary.
    #[arg(long, conflicts_with = "call")]
    pub list: bool,

    /// The operation, by operationId (list_audit_sqls_new) or name (ListAuditSqlsNew), then
    /// its flags (see `dbss api OPERATION --help`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "OPERATION [ARGS]",
        required_unless_present = "list"
    )]
    pub call: Vec<String>,
}

/// `dbss instances ...`
#[derive(Debug, Subcommand)]
pub enum InstancesCommand {
    /// List every audit instance (all pages).
    List,
}

/// `dbss templates ...`
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List the report templates of --instance.
    List,
}

/// `dbss reports ...`
#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Generate a report now from a template, for a time window; one instance, or a fleet.
    ///
    /// DBSS returns no report id: without --wait this prints that the request was accepted.
    /// With --wait the new report is found, its progress followed until 100 %, and it is
    /// printed (and saved with --download).
    ///
    /// Over a fleet (several --instance, --all-instances or --name-pattern, several --region
    /// or --project-id, or --last, --previous, --out-dir or --manifest): a report per
    /// instance, created, waited for and downloaded --concurrency at a time into --out-dir
    /// (REGION/INSTANCE/TEMPLATE_PERIOD.pdf), each step recorded in --manifest so that running
    /// the same command again after a crash or Ctrl-C creates and downloads nothing twice.
    /// A summary table at the end; the exit code is 1 when any instance failed.
    Create(Box<CreateArgs>),

    /// List the reports of --instance with their progress (all pages).
    List(ListArgs),

    /// Save a report file (pdf or zip), written to a temporary file and renamed when complete.
    Download(DownloadArgs),

    /// Delete a report.
    Delete(DeleteArgs),

    /// Show or change a template's report schedule and the alarm notifications, on one or many
    /// instances (--instance, repeated, --all-instances, --name-pattern, in each --region).
    #[command(subcommand)]
    Schedule(ScheduleCommand),
}

/// `dbss reports schedule ...`
#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Show the template's report schedule and the instance's alarm notifications.
    Show(ScheduleSelectArgs),
    /// Change them: the fields given, the others kept as shown.
    Set(Box<ScheduleSetArgs>),
}

/// The instances a fleet command takes besides the global --instance (`reports create`,
/// `reports schedule`).
#[derive(Debug, Args)]
pub struct InstanceSelectArgs {
    /// Every instance the credentials see, in each --region.
    #[arg(long)]
    pub all_instances: bool,

    /// The instances whose name matches this glob (`prod-*`), in each --region.
    #[arg(long, value_name = "GLOB")]
    pub name_pattern: Option<String>,

    /// The instances with this tag, in each --region (repeat: every key, any of a key's values).
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
}

impl InstanceSelectArgs {
    /// Whether any of these flags was given.
    pub fn any(&self) -> bool {
        self.all_instances || self.name_pattern.is_some() || !self.tags.is_empty()
    }
}

/// The template and instances of `dbss reports schedule`.
#[derive(Debug, Args)]
pub struct ScheduleSelectArgs {
    /// Template id or name (resolved per instance).
    #[arg(long, value_name = "ID|NAME")]
    pub template: String,

    /// Which instances besides --instance.
    #[command(flatten)]
    pub instances: InstanceSelectArgs,

    /// Instances handled at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
}

/// `dbss reports schedule set`
#[derive(Debug, Args)]
pub struct ScheduleSetArgs {
    /// Which template and instances.
    #[command(flatten)]
    pub select: ScheduleSelectArgs,

    /// How often the report is made: day, week, month, year or real-time.
    #[arg(long, value_name = "FREQUENCY")]
    pub frequency: Option<String>,

    /// When the schedule starts (sent as given).
    #[arg(long, value_name = "TIME")]
    pub start_time: Option<String>,

    /// The report file: pdf or zip.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,

    /// once or cycle.
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,

    /// Enable the schedule.
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,

    /// Disable the schedule.
    #[arg(long)]
    pub disable: bool,

    /// Notify this SMN topic when a scheduled report is made.
    #[arg(long, value_name = "URN", conflicts_with = "no_notify")]
    pub notify_topic: Option<String>,

    /// Stop notifying when a scheduled report is made.
    #[arg(long)]
    pub no_notify: bool,

    /// Send the instance's alarms to this SMN topic.
    #[arg(long, value_name = "URN", conflicts_with = "no_alarms")]
    pub alarm_topic: Option<String>,

    /// Switch the instance's alarm notifications off.
    #[arg(long)]
    pub no_alarms: bool,
}

/// `dbss reports create`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("period").required(true).args(["from", "last", "previous"])))]
pub struct CreateArgs {
    /// Template id (`dbss templates list`); over a fleet also a template name, resolved per
    /// instance.
    #[arg(long, value_name = "ID|NAME")]
    pub template: String,

    /// Start of the audited window, "YYYY-MM-DD HH:MM:SS", as the API reads it.
    #[arg(long, value_name = "TIME", requires = "to")]
    pub from: Option<String>,

    /// End of the audited window, "YYYY-MM-DD HH:MM:SS" (after --from).
    #[arg(long, value_name = "TIME", requires = "from")]
    pub to: Option<String>,

    /// The period up to now: 24h, 7d, 30d, 2w (days are calendar days in --timezone).
    #[arg(long, value_name = "SPAN")]
    pub last: Option<String>,

    /// The whole calendar period before the current one, in --timezone (weeks start on
    /// Monday).
    #[arg(long, value_enum, value_name = "UNIT")]
    pub previous: Option<PreviousUnit>,

    /// Time zone of --last and --previous, e.g. Europe/Berlin (default: the local zone).
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,

    /// Time zone the API reads report times in (the window is sent as its wall-clock times).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub api_timezone: String,

    /// Which instances besides --instance.
    #[command(flatten)]
    pub instances: InstanceSelectArgs,

    /// Reports created, waited for and downloaded at once, over a fleet.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,

    /// Folder of the reports over a fleet: REGION/INSTANCE/TEMPLATE_PERIOD.EXT (default: the
    /// current folder).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// The run's manifest (JSON lines), to resume it (default: OUT_DIR/dbss-manifest.jsonl).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// Only this database (repeat for several); default: all databases.
    #[arg(long = "db", value_name = "ID")]
    pub databases: Vec<String>,

    /// Wait until the report is finished, and print it.
    #[arg(long)]
    pub wait: bool,

    /// How long --wait waits for the report in all.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_positive_duration)]
    pub wait_timeout: Duration,

    /// Save the finished report to FILE (implies --wait).
    #[arg(long, value_name = "FILE")]
    pub download: Option<PathBuf>,
}

/// A calendar period of `--previous`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PreviousUnit {
    /// Yesterday.
    Day,
    /// Last week, Monday to Monday.
    Week,
    /// Last month.
    Month,
    /// Last quarter.
    Quarter,
}

impl From<PreviousUnit> for dbss_client::fleet::CalendarUnit {
    fn from(unit: PreviousUnit) -> Self {
        match unit {
            PreviousUnit::Day => Self::Day,
            PreviousUnit::Week => Self::Week,
            PreviousUnit::Month => Self::Month,
            PreviousUnit::Quarter => Self::Quarter,
        }
    }
}

/// `dbss reports list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only reports with this name.
    #[arg(long)]
    pub name: Option<String>,

    /// Reports fetched per request (1 to 100); every page is listed.
    // Bad-input fix: a signed number, so that `--page-size -1` is refused by the client's check
    // like 0 and 101 (exit 3, "invalid size: must be between 1 and 100"), not by clap as an
    // unknown flag `-1` or as "not in 0..=4294967295" (exit 2).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100,
        allow_negative_numbers = true
    )]
    pub page_size: i64,
}

/// `dbss reports download`
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Report id (`dbss reports list`).
    pub id: String,

    /// Where to save the file.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    pub out: PathBuf,

    /// Language of the report.
    #[arg(long, value_enum, default_value_t = Locale::EnUs)]
    pub locale: Locale,
}

/// The language of a downloaded report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Locale {
    /// English.
    #[value(name = "en-us")]
    EnUs,
    /// Simplified Chinese.
    #[value(name = "zh-cn")]
    ZhCn,
}

impl From<Locale> for dbss_client::types::ReportLocale {
    fn from(locale: Locale) -> Self {
        match locale {
            Locale::EnUs => Self::EnUs,
            Locale::ZhCn => Self::ZhCn,
        }
    }
}

/// `dbss reports delete`
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Report id (`dbss reports list`).
    pub id: String,
}

/// `dbss demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder the report is saved in, as dbss-demo-report-ID.pdf (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out: PathBuf,

    /// How long the mock takes to build the report.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = humantime::parse_duration)]
    pub report_duration: Duration,
}

/// A duration such as `30s`, `1m 30s` or `500ms`; zero is refused (every request would time out).
fn parse_positive_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if duration.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(duration)
}

/// The long names of the flags every command takes (`region`, `project-id`, ...).
pub fn global_flags() -> impl Iterator<Item = String> {
    GlobalArgs::augment_args(clap::Command::new("dbss"))
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_owned))
        .collect::<Vec<_>>()
        .into_iter()
}

/// `command` with the flags every command takes, so that they may follow an operation of
/// `dbss api` too (`dbss api OP --instance-id X --output table`).
pub fn with_global_flags(command: clap::Command) -> clap::Command {
    // augment_args gives the command the struct's own doc as its about: keep the command's.
    let about = command.get_about().cloned();
    let long_about = command.get_long_about().cloned();
    let mut command = GlobalArgs::augment_args(command.next_help_heading("Global options"));
    if let Some(about) = about {
        command = command.about(about);
    }
    if let Some(long_about) = long_about {
        command = command.long_about(long_about);
    }
    command
}

impl GlobalArgs {
    /// These flags, with those given on the command line of `matches` (an operation of
    /// `dbss api`, built by [`with_global_flags`]) in place of the ones given before it.
    pub fn overridden_by(mut self, matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let later = GlobalArgs::from_arg_matches(matches)?;
        let given =
            |id: &str| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
        macro_rules! take {
            ($($field:ident),*) => {
                // Exhaustive, so that a new global flag cannot be forgotten here.
                let GlobalArgs { $($field),* } = later;
                $(if given(stringify!($field)) {
                    self.$field = $field;
                })*
            };
        }
        take!(
            region,
            endpoint,
            project_id,
            instance,
            output,
            query,
            timeout,
            verbose,
            profile,
            credentials_file,
            credentials_from,
            user,
            domain,
            password_stdin,
            allow_insecure_http
        );
        Ok(self)
    }
}

/// The clap command, with the exit-code table appended to `--help`.
pub fn command() -> clap::Command {
    Cli::command().after_long_help(ExitClass::help_table())
}

/// Parses the process arguments; prints help, version or a usage error and exits as clap does
/// (0 for help and version, 2 for usage errors).
pub fn parse() -> Cli {
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn durations_are_humane_and_positive() {
        assert_eq!(
            parse_positive_duration("1m 30s"),
            Ok(Duration::from_secs(90))
        );
        assert!(parse_positive_duration("0s").is_err());
        assert!(parse_positive_duration("soon").is_err());
    }
}
