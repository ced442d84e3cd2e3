//! The operations with state beyond the report workflow: instances, databases and agents,
//! rules, whitelists, tags, and per-instance settings (alarm topics, report schedules, log
//! retention, masking switches, backups).
//!
//! Each is a synchronous function of the checked request and the world ([`Handler`]), run with
//! the world locked and settled to the mock's clock. [`handler`] is the table the router reads;
//! an operation without an entry answers from the document (see `routes.rs`), and
//! [`STATELESS`] says why for each one.

mod databases;
mod instances;
pub(crate) mod rules;
mod settings;
mod shape;
mod tags;
mod whitelists;

use std::time::{Duration, SystemTime};

use dbss_types::operations::PagingKind;
use http::StatusCode;
use serde_json::{Map, Value};

use crate::codes;
use crate::error::ApiError;
use crate::ops::Operation;
use crate::pipeline::Validated;
use crate::state::{IdGen, Instance, Project, State};

pub(crate) use shape::Shape;

/// What a handler sees of the request and the server.
pub(crate) struct Call<'a> {
    pub op: Operation,
    pub v: &'a Validated,
    pub now: SystemTime,
    pub ids: &'a IdGen,
    /// How long an instance or backup action takes to land.
    pub lifecycle: Duration,
}

/// An operation's state change and answer: `None` answers 200 without a body.
pub(crate) type Handler = fn(&Call<'_>, &mut State) -> Result<Option<Value>, ApiError>;

/// The handler of `op`, if the mock keeps state for it.
pub(crate) fn handler(op: Operation) -> Option<Handler> {
    instances::handler(op)
        .or_else(|| databases::handler(op))
        .or_else(|| rules::handler(op))
        .or_else(|| whitelists::handler(op))
        .or_else(|| tags::handler(op))
        .or_else(|| settings::handler(op))
}

/// The operations answered from the document rather than from state, in groups, each group
/// with why. Every other operation keeps state (a test checks that the two sets are the whole
/// document).
pub const STATELESS: &[(&[&str], &str)] = &[
    (
        &[
            "add_audit_agent",
            "add_audit_database",
            "add_rds_database",
            "add_rds_no_agent_database",
            "create_instances_period_order",
            "delete_audit_agent",
            "delete_audit_database",
            "delete_instances",
            "download_audit_agent",
            "list_alarm_topic_config_info",
            "list_audit_agent",
            "list_audit_databases",
            "list_audit_instance_jobs",
            "list_audit_instances",
            "list_audit_rule_risks",
            "list_audit_rule_scopes",
            "list_audit_sensitive_masks",
            "list_sql_injection_rules",
            "reboot_audit_instance",
            "set_alarm_topic_config_info",
            "show_audit_quota",
            "show_audit_rule_risk",
            "start_audit_instance",
            "stop_audit_instance",
            "switch_agent",
            "switch_audit_database",
            "switch_risk_rule",
            "update_audit_instance",
            "update_audit_security_group",
        ],
        "deprecated: their successors (the `_new` operations of the same resource) keep the state; these answer the document's example",
    ),
    (
        &[
            "bind_db_encrypt_eip",
            "bind_db_om_eip",
            "change_db_encrypt_security_group",
            "change_db_om_security_group",
            "create_db_encrypt_instance_period",
            "create_db_om_instance_period",
            "delete_db_encrypt_instance",
            "delete_db_om_instance",
            "list_db_encrypt_instances",
            "list_instances",
            "reboot_db_encrypt_instance",
            "reboot_db_om_instance",
            "reset_db_encrypt_password",
            "reset_db_om_password",
            "start_db_encrypt_instance",
            "start_db_om_instance",
            "stop_db_encrypt_instance",
            "stop_db_om_instance",
            "unbind_db_encrypt_eip",
            "unbind_db_om_eip",
            "update_db_encrypt_instance_name",
            "update_db_om_instance_name",
        ],
        "database encryption and operation-and-maintenance instances are other products sold through the DBSS API; the mock keeps audit instances only",
    ),
    (
        &[
            "list_audit_obs_buckets",
            "list_availability_zone_infos",
            "list_availability_zone_infos_new",
            "list_ecs_specification",
            "list_ecs_specification_new",
            "list_rds_databases",
            "show_audit_quota_new",
            "show_instance_quota",
            "show_server_version",
            "list_domain_all_resource",
            "show_domain_all_resource_count",
        ],
        "catalogues of other services (RDS, OBS, ECS, availability zones) and account-wide facts: fixed, as the document gives them",
    ),
    (
        &[
            "list_audit_instance_jobs_new",
            "show_audit_upgrade_status",
            "update_audit_security_group_new",
            "set_audit_instance_time_zone",
            "show_instance_monitor_info",
        ],
        "facts about an instance with no list of their own to read back (its jobs, upgrade steps, monitoring, network and time zone): the instance list carries its states",
    ),
    (
        &[
            "add_database_ssl_key",
            "create_audit_db_agent",
            "download_audit_agent_new",
            "upload_audit_db_config",
        ],
        "installation packages, certificates and configuration uploads: files, not resources a list shows",
    ),
    (
        &[
            "list_audit_backup_risk_templates",
            "set_audit_auto_backup_template",
            "set_audit_backup_risk_switch",
            "show_audit_back_risk_template",
            "show_backup_risk_bucket_path",
            "update_audit_risk_bucket_path",
        ],
        "the backup of risk logs to OBS: settings with no list to read them back from",
    ),
    (
        &["show_audit_task_status", "update_audit_task_status"],
        "the project's summary task per business type: no state of its own to show; the document's status is always answered",
    ),
    (
        &["show_audit_statistics", "list_audit_summary_infos"],
        "project-wide summaries of every instance's audited data: a meaningful answer would count every row of every instance",
    ),
];

impl Call<'_> {
    /// A path parameter.
    pub fn path(&self, name: &str) -> &str {
        self.v.path(name)
    }

    /// The JSON body (`null` when there is none).
    pub fn body(&self) -> &Value {
        self.v.body_json()
    }

    /// A string member of the body ("" when absent: the schema already required what is).
    pub fn body_str(&self, name: &str) -> &str {
        self.body().get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// A query parameter, if given.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.v.query(name)
    }

    /// The project of the path (the pipeline checked that the mock serves it).
    pub fn project<'w>(&self, world: &'w mut State) -> Result<&'w mut Project, ApiError> {
        let id = self.path("project_id");
        world.project_mut(id).ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                codes::PROJECT_MISMATCH,
                format!("The credentials do not belong to project {id}"),
            )
        })
    }

    /// The instance of the path's `instance_id`, in the path's project (or in any project for
    /// the operations addressed by domain).
    pub fn instance<'w>(&self, world: &'w mut State) -> Result<&'w mut Instance, ApiError> {
        let id = self.path("instance_id").to_owned();
        self.instance_by_id(world, &id)
    }

    /// The instance `id`, in the path's project (or any, for domain-addressed operations).
    pub fn instance_by_id<'w>(
        &self,
        world: &'w mut State,
        id: &str,
    ) -> Result<&'w mut Instance, ApiError> {
        let project = self.path("project_id");
        let found = if project.is_empty() {
            world.instance_mut(id)
        } else {
            world
                .project_mut(project)
                .and_then(|p| p.instances.iter_mut().find(|i| i.id() == id))
        };
        found.ok_or_else(|| instance_not_found(id))
    }

    /// One page of `items` as the operation pages (its `x-dbss-pagination` facts), with the
    /// total, into `answer`; every item when the operation does not page.
    pub fn page(
        &self,
        items: Vec<Value>,
        mut answer: Map<String, Value>,
    ) -> Result<Value, ApiError> {
        let total = items.len();
        let Some(paging) = self.op.info().pagination else {
            return Ok(Value::Object(answer));
        };
        let read = |name: &str| -> Result<Option<u64>, ApiError> {
            let raw = if paging.in_body {
                self.body().get(name).cloned()
            } else {
                self.query(name).map(|s| Value::String(s.to_owned()))
            };
            match raw {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => Ok(n.as_u64()),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => s.parse().map(Some).map_err(|_| {
                    ApiError::invalid(format!("{name} must be a non-negative integer"))
                }),
                Some(_) => Err(ApiError::invalid(format!("{name} must be an integer"))),
            }
        };
        let size = read(paging.size)?
            .unwrap_or(100)
            .min(paging.max_size.max(1)) as usize;
        let skip = match paging.style {
            PagingKind::Page => {
                let page = read(paging.cursor)?.unwrap_or(paging.first);
                (page.saturating_sub(paging.first) as usize).saturating_mul(size)
            }
            _ => read(paging.cursor)?.unwrap_or(0) as usize,
        };
        let page: Vec<Value> = items.into_iter().skip(skip).take(size).collect();
        answer.insert(paging.items.to_owned(), Value::Array(page));
        if let Some(total_field) = paging.total {
            answer.insert(total_field.to_owned(), Value::from(total));
        }
        Ok(Value::Object(answer))
    }
}

/// 400 [`codes::INSTANCE_NOT_FOUND`].
pub(crate) fn instance_not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::INSTANCE_NOT_FOUND,
        format!("The audit instance {id} does not exist"),
    )
}

/// 400 [`codes::RESOURCE_NOT_FOUND`] for a resource of `kind` (e.g. "database").
pub(crate) fn not_found(kind: &str, id: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::RESOURCE_NOT_FOUND,
        format!("The {kind} {id} does not exist"),
    )
}

/// 400 [`codes::STATE_CONFLICT`].
pub(crate) fn conflict(msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, codes::STATE_CONFLICT, msg)
}

/// A JSON object with the given members.
pub(crate) fn answer(members: Value) -> Result<Option<Value>, ApiError> {
    Ok(Some(members))
}

/// Refuses a change to several records when one of `ids` is unknown (nothing is changed).
pub(crate) fn require_all(
    records: &crate::state::Records,
    ids: &[&str],
    kind: &str,
) -> Result<(), ApiError> {
    match ids.iter().find(|id| records.get(id).is_none()) {
        Some(missing) => Err(not_found(kind, missing)),
        None => Ok(()),
    }
}

/// The ids of a comma-separated list, without blanks.
pub(crate) fn split_ids(ids: &str) -> Vec<&str> {
    ids.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The strings of a JSON array member of the body.
pub(crate) fn str_array<'a>(body: &'a Value, name: &str) -> Vec<&'a str> {
    body.get(name)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Current time in epoch milliseconds.
pub(crate) fn epoch_ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Copies `names` from `from` (when present) into `to`.
pub(crate) fn copy_fields(to: &mut Map<String, Value>, from: &Value, names: &[&str]) {
    for name in names {
        if let Some(value) = from.get(*name) {
            to.insert((*name).to_owned(), value.clone());
        }
    }
}

/// Whether `op` answers from the mock's state.
#[cfg(test)]
fn is_stateful(op: Operation) -> bool {
    handler(op).is_some()
        || crate::audit_data::handles(op)
        || matches!(
            op,
            Operation::CreateReport
                | Operation::ListAuditReportTemplates
                | Operation::ListAuditReports
                | Operation::DownloadAuditReport
                | Operation::DeleteAuditReport
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_keeps_state_or_is_listed_stateless_with_a_reason() {
        let listed: Vec<&str> = STATELESS
            .iter()
            .flat_map(|(ops, _)| ops.iter().copied())
            .collect();
        for name in &listed {
            let op = Operation::from_operation_id(name);
            assert!(op.is_some(), "{name} is not an operation");
            assert!(
                op.is_some_and(|op| !is_stateful(op)),
                "{name} keeps state but is listed"
            );
            assert_eq!(
                listed.iter().filter(|n| *n == name).count(),
                1,
                "{name} twice"
            );
        }
        for op in Operation::ALL {
            assert!(
                is_stateful(op) || listed.contains(&op.operation_id()),
                "{op} neither keeps state nor is listed"
            );
        }
    }
}
