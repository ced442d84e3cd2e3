//! Scenarios from a file: the projects, regions, instances and what lives under them that a
//! mock starts with (`dbss-mock --fixture FILE`, [`MockServerBuilder::fixture`]).
//!
//! See [`Fixture`] for the format.

use std::collections::BTreeMap;
use std::path::Path;

use dbss_types::InstanceStatus;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::Error;
use crate::state::instance::{Database, agent_fields};
use crate::state::{self, DOC_TEMPLATE_ID, Instance, Project, Report, State, object};

/// A scenario the mock starts with.
///
/// A fixture is JSON. Every field but a project's `id` may be left out; unknown fields are
/// refused (a typo is an error, not a silently ignored setting). Example (more under
/// `dbss-mock/fixtures/`):
///
/// ```json
/// {
///   "projects": [
///     {
///       "id": "0f4e1c2b3a5d46e7b8c9d0e1f2a3b4c5",
///       "region": "cn-north-4",
///       "instances": [
///         {
///           "name": "orders-audit",
///           "tags": {"env": "prod", "team": "payments"},
///           "databases": [
///             {"name": "orders", "type": "MYSQL", "ip": "192.0.2.21", "port": "3306",
///              "version": "8.0", "agents": [{"agent_ip": "192.0.2.21"}]}
///           ],
///           "risk_rules": [{"name": "Bulk export", "risk_level": "HIGH"}],
///           "whitelists": [{"sql": "SELECT 1"}],
///           "reports": [{"start_time": "2025-08-01 00:00:00", "end_time": "2025-08-08 00:00:00"}]
///         }
///       ],
///       "generated_instances": 20
///     },
///     {"id": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "region": "ap-southeast-1", "generated_instances": 5}
///   ],
///   "audit_data": {"rows": 100000, "alarms": 500, "operation_logs": 200, "days": 30}
/// }
/// ```
///
/// What each instance gets beyond what the file says: the seven report templates, the report
/// schedules, the system risk and SQL-injection rules, the built-in masking rules, two backups
/// and the default settings; and, unless `databases` is given, the two default databases
/// (`orders` MYSQL with an agent, `billing` POSTGRESQL with audit off) and one whitelist entry.
/// Generated instances are as the mock seeds them without a fixture (every fifth `SHUTOFF`).
///
/// [`MockServerBuilder::fixture`]: crate::MockServerBuilder::fixture
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Fixture {
    /// The projects the mock serves (each with its region); none: the builder's one project.
    #[serde(default)]
    pub projects: Vec<ProjectFixture>,
    /// How much audited data every instance has (default: as the builder says).
    #[serde(default)]
    pub audit_data: Option<AuditVolumes>,
}

/// The volumes of generated audit data of a [`Fixture`], per instance (see
/// [`AuditDataConfig`](crate::AuditDataConfig)); a field left out keeps its default.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AuditVolumes {
    /// Audited SQL statements per instance.
    pub rows: Option<u64>,
    /// Alarms per instance.
    pub alarms: Option<u64>,
    /// Operation-log entries per instance.
    pub operation_logs: Option<u64>,
    /// The days before the mock's start the data is spread over.
    pub days: Option<u64>,
}

impl AuditVolumes {
    /// `config` with these volumes.
    pub(crate) fn apply(&self, mut config: crate::AuditDataConfig) -> crate::AuditDataConfig {
        if let Some(rows) = self.rows {
            config = config.rows(rows);
        }
        if let Some(alarms) = self.alarms {
            config = config.alarms(alarms);
        }
        if let Some(logs) = self.operation_logs {
            config = config.operation_logs(logs);
        }
        if let Some(days) = self.days {
            config = config.window(std::time::Duration::from_secs(days.saturating_mul(86_400)));
        }
        config
    }
}

/// One project of a [`Fixture`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ProjectFixture {
    /// The project id (32 to 64 characters).
    pub id: String,
    /// The region the project is in (default `cn-north-4`); its instances show it.
    #[serde(default = "default_region")]
    pub region: String,
    /// Instances described one by one.
    #[serde(default)]
    pub instances: Vec<InstanceFixture>,
    /// How many more instances to generate after the described ones (default 0).
    #[serde(default)]
    pub generated_instances: usize,
}

/// One audit instance of a [`ProjectFixture`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct InstanceFixture {
    /// The instance id (32 characters; default: derived from its position).
    pub id: Option<String>,
    /// The instance name (default `DBSS-audit-NN`).
    pub name: Option<String>,
    /// `ACTIVE` (default), `SHUTOFF`, `ERROR`, `FROZEN`, ... (the document's instance states).
    pub status: Option<String>,
    /// How many databases the instance may audit (default 6).
    pub database_limit: Option<i32>,
    /// Its tags, key to value.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Its databases (replace the two default ones when given).
    pub databases: Option<Vec<DatabaseFixture>>,
    /// Custom risk rules, after the system ones.
    #[serde(default)]
    pub risk_rules: Vec<RiskRuleFixture>,
    /// Whitelist entries (replace the default one when given).
    pub whitelists: Option<Vec<WhitelistFixture>>,
    /// Finished reports the instance already has.
    #[serde(default)]
    pub reports: Vec<ReportFixture>,
}

/// A database of an [`InstanceFixture`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DatabaseFixture {
    /// The database name.
    pub name: String,
    /// The database type (`MYSQL`, `POSTGRESQL`, `ORACLE`, ... as the document lists).
    #[serde(rename = "type", default = "default_db_type")]
    pub db_type: String,
    /// Its address (default `192.0.2.50`).
    #[serde(default = "default_db_ip")]
    pub ip: String,
    /// Its port (default `3306`).
    #[serde(default = "default_db_port")]
    pub port: String,
    /// Its version (default `8.0`).
    #[serde(default = "default_db_version")]
    pub version: String,
    /// Whether it is audited: `ON` (default) or `OFF`.
    #[serde(default = "default_on")]
    pub status: String,
    /// Its agents.
    #[serde(default)]
    pub agents: Vec<AgentFixture>,
}

/// An agent of a [`DatabaseFixture`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct AgentFixture {
    /// The address the agent runs on.
    pub agent_ip: String,
    /// `LINUX64_X86` (default), `LINUX64_ARM` or `WINDOWS64`.
    #[serde(default = "default_agent_os")]
    pub agent_os: String,
    /// `DB` (default) or `APP`.
    #[serde(default = "default_agent_type")]
    pub agent_type: String,
}

/// A custom risk rule of an [`InstanceFixture`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RiskRuleFixture {
    /// The rule name.
    pub name: String,
    /// `HIGH`, `MEDIUM` (default), `LOW` or `NO_RISK`.
    #[serde(default = "default_risk_level")]
    pub risk_level: String,
    /// `ON` (default) or `OFF`.
    #[serde(default = "default_on")]
    pub status: String,
}

/// A whitelist entry of an [`InstanceFixture`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WhitelistFixture {
    /// The SQL statement let through.
    pub sql: String,
    /// Its description.
    #[serde(default)]
    pub desc: String,
    /// Whether it applies (default true).
    #[serde(default = "default_true")]
    pub enabled: bool,
}

/// A finished report of an [`InstanceFixture`].
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ReportFixture {
    /// The template (default the reference's `t8g7LJgBTpKZyZbbeTgS`).
    #[serde(default = "default_template")]
    pub template_id: String,
    /// The period's start, `yyyy-MM-dd HH:mm:ss`.
    pub start_time: String,
    /// The period's end, `yyyy-MM-dd HH:mm:ss`; the report was created then.
    pub end_time: String,
}

fn default_region() -> String {
    state::DEFAULT_REGION.into()
}
fn default_db_type() -> String {
    "MYSQL".into()
}
fn default_db_ip() -> String {
    "192.0.2.50".into()
}
fn default_db_port() -> String {
    "3306".into()
}
fn default_db_version() -> String {
    "8.0".into()
}
fn default_on() -> String {
    "ON".into()
}
fn default_agent_os() -> String {
    "LINUX64_X86".into()
}
fn default_agent_type() -> String {
    "DB".into()
}
fn default_risk_level() -> String {
    "MEDIUM".into()
}
fn default_true() -> bool {
    true
}
fn default_template() -> String {
    DOC_TEMPLATE_ID.into()
}

impl Fixture {
    /// Reads a fixture from JSON text.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|e| Error::Config(format!("fixture: {e}")))
    }

    /// Reads a fixture file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("fixture {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::Config(format!("fixture {}: {e}", path.display())))
    }

    /// The world this fixture describes.
    pub(crate) fn build(&self) -> Result<State, Error> {
        let mut state = State::default();
        let mut index = 0usize;
        for project in &self.projects {
            let len = project.id.chars().count();
            if !(32..=64).contains(&len) {
                return Err(Error::Config(format!(
                    "fixture: project id {:?} must be 32 to 64 characters long, not {len}",
                    project.id
                )));
            }
            if state.project(&project.id).is_some() {
                return Err(Error::Config(format!(
                    "fixture: project {} is listed twice",
                    project.id
                )));
            }
            let mut instances = Vec::new();
            for described in &project.instances {
                let instance = described.build(index, &project.region, &mut state.reports)?;
                if state.instance(instance.id()).is_some()
                    || instances.iter().any(|i: &Instance| i.id() == instance.id())
                {
                    return Err(Error::Config(format!(
                        "fixture: instance id {} is used twice",
                        instance.id()
                    )));
                }
                instances.push(instance);
                index += 1;
            }
            for _ in 0..project.generated_instances {
                instances.push(state::seed_instance(index, &project.region));
                index += 1;
            }
            state.projects.push(Project {
                id: project.id.clone(),
                region: project.region.clone(),
                instances,
            });
        }
        Ok(state)
    }
}

impl InstanceFixture {
    fn build(
        &self,
        index: usize,
        region: &str,
        reports: &mut Vec<Report>,
    ) -> Result<Instance, Error> {
        let mut instance = state::seed_instance(index, region);
        let label = format!("fixture: project instance {}", index + 1);
        let at = |field: &str| format!("{label}: {field}");
        if let Some(id) = &self.id {
            if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(Error::Config(format!(
                    "{}: must be 32 letters or digits, not {id:?}",
                    at("id")
                )));
            }
            instance.bean.id = Some(id.clone());
        }
        if let Some(name) = &self.name {
            instance.bean.name = Some(name.clone());
        }
        if let Some(status) = &self.status {
            let parsed: InstanceStatus = status
                .parse()
                .unwrap_or(InstanceStatus::Unknown(String::new()));
            if matches!(parsed, InstanceStatus::Unknown(_)) {
                return Err(Error::Config(format!(
                    "{}: {status:?} is not an instance state (ACTIVE, SHUTOFF, BUILD, ERROR, FROZEN, ...)",
                    at("status")
                )));
            }
            instance.bean.status = Some(parsed);
        }
        if let Some(limit) = self.database_limit {
            instance.bean.database_limit = Some(limit);
        }
        instance.tags = self
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let ids = state::IdGen::new(state::splitmix(index as u64 ^ 0xF1C7_0E5D));
        if let Some(databases) = &self.databases {
            if databases.len() > instance.database_limit() {
                return Err(Error::Config(format!(
                    "{}: {} databases, more than the limit of {}",
                    at("databases"),
                    databases.len(),
                    instance.database_limit()
                )));
            }
            instance.databases = Default::default();
            instance.agents = Default::default();
            for db in databases {
                check_enum(&at("databases.type"), &db.db_type, DB_TYPES)?;
                check_enum(&at("databases.status"), &db.status, &["ON", "OFF"])?;
                let id = ids.report_id();
                instance.databases.add(
                    id.clone(),
                    Database {
                        name: &db.name,
                        db_type: &db.db_type,
                        version: &db.version,
                        ip: &db.ip,
                        port: &db.port,
                        classification: "ECS",
                        instance_name: &db.name,
                        audited: db.status == "ON",
                    }
                    .fields(),
                );
                for agent in &db.agents {
                    check_enum(
                        &at("agents.agent_os"),
                        &agent.agent_os,
                        &["LINUX64_X86", "LINUX64_ARM", "WINDOWS64"],
                    )?;
                    check_enum(&at("agents.agent_type"), &agent.agent_type, &["DB", "APP"])?;
                    instance.agents.add(
                        ids.report_id(),
                        agent_fields(
                            &id,
                            &db.name,
                            &agent.agent_ip,
                            &agent.agent_os,
                            &agent.agent_type,
                        ),
                    );
                }
            }
        }
        for rule in &self.risk_rules {
            check_enum(
                &at("risk_rules.risk_level"),
                &rule.risk_level,
                &["HIGH", "MEDIUM", "LOW", "NO_RISK"],
            )?;
            check_enum(&at("risk_rules.status"), &rule.status, &["ON", "OFF"])?;
            let rank = instance.risk_rules.len() + 1;
            instance.risk_rules.add(
                ids.report_id(),
                crate::handlers::rules::custom_risk_rule(
                    &rule.name,
                    &rule.risk_level,
                    &rule.status,
                    rank,
                ),
            );
        }
        if let Some(whitelists) = &self.whitelists {
            instance.whitelists = Default::default();
            for w in whitelists {
                instance.whitelists.add(
                    ids.report_id(),
                    object(json!({
                        "sql": w.sql, "desc": w.desc, "enabled": w.enabled, "db_ids": [],
                        "create_timestamp_ms": 1_754_042_400_000_i64,
                        "update_timestamp_ms": 1_754_042_400_000_i64,
                    })),
                );
            }
        }
        for r in &self.reports {
            let (Some(start), Some(end)) = (
                state::parse_time(&r.start_time),
                state::parse_time(&r.end_time),
            ) else {
                return Err(Error::Config(format!(
                    "{}: start_time and end_time must be yyyy-MM-dd HH:mm:ss",
                    at("reports")
                )));
            };
            if end <= start {
                return Err(Error::Config(format!(
                    "{}: end_time must be after start_time",
                    at("reports")
                )));
            }
            let name = instance
                .template(&r.template_id)
                .and_then(|t| t.name.clone())
                .ok_or_else(|| {
                    Error::Config(format!(
                        "{}: no template {}",
                        at("reports.template_id"),
                        r.template_id
                    ))
                })?;
            reports.push(Report {
                id: ids.report_id(),
                instance_id: instance.id().to_owned(),
                template_id: r.template_id.clone(),
                name,
                db_ids: None,
                start_time: r.start_time.clone(),
                end_time: r.end_time.clone(),
                report_type: dbss_types::ReportType::AuditReportRealTime,
                created: end,
                duration: std::time::Duration::from_secs(90),
            });
        }
        Ok(instance)
    }
}

/// The database types `add_audit_database_new` accepts.
const DB_TYPES: &[&str] = &[
    "MYSQL",
    "ORACLE",
    "POSTGRESQL",
    "SQLSERVER",
    "DAMENG",
    "TAURUS",
    "DWS",
    "KINGBASE",
    "GAUSSDBOPENGAUSS",
    "GREENPLUM",
    "HIGHGO",
    "SHENTONG",
    "GBASE8A",
    "GBASE8S",
    "GBASEXDM",
    "MONGODB",
    "DDS",
];

fn check_enum(at: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "{at}: {value:?} is not one of {}",
            allowed.join(", ")
        )))
    }
}
