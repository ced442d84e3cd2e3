//! An audit instance: its lifecycle over the mock's clock and everything that lives under it.
//!
//! A lifecycle action (order, start, stop, reboot, upgrade, delete) puts the instance in its
//! in-progress state at once (`BUILD`, `task` `powering-on`, `DELETING`, ...) and records when
//! it settles; [`Instance::settle`] applies that when the clock has reached it. Nothing runs in
//! the background: every request settles the world first, so a test with a
//! [`ManualClock`](crate::ManualClock) moves instances by moving the clock.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use dbss_types::{AuditInstanceBean, ChargeModel, InstanceStatus, TemplateBean};
use serde_json::{Map, Value, json};

use super::FIRST_INSTANCE_ID;
use super::ids::{IdGen, splitmix};
use super::records::Records;
use super::templates::seed_templates;
use super::time::format_time;

/// `task` when nothing is in progress.
pub(crate) const NO_TASK: &str = "NO_TASK";

/// A lifecycle action on an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Start,
    Stop,
    Reboot,
    Upgrade,
    Delete,
}

/// Where an instance is going and when it gets there.
#[derive(Debug, Clone)]
pub(crate) struct Transition {
    pub at: SystemTime,
    /// `None`: the instance is gone once settled (a delete).
    pub to: Option<InstanceStatus>,
    /// The version after an upgrade.
    pub version: Option<String>,
}

/// Per-instance settings that are one object rather than a list.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// As `list_alarm_topic_config_info_new` answers it.
    pub alarm_topic: Map<String, Value>,
    /// Report schedules by template id, as `SchedulerConfigBase`.
    pub schedules: BTreeMap<String, Map<String, Value>>,
    pub retention_days: i64,
    pub mask_switch: String,
    pub result_switch: String,
    /// The last `set_audit_backup_switch` body, and the status `show_audit_backup_status` gives.
    pub backup: Map<String, Value>,
    pub backup_status: i64,
}

/// An audit instance and everything under it.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    pub bean: AuditInstanceBean,
    pub templates: Vec<TemplateBean>,
    pub pending: Option<Transition>,
    pub tags: Vec<(String, String)>,
    pub databases: Records,
    pub agents: Records,
    pub risk_rules: Records,
    pub scopes: Records,
    pub sql_rules: Records,
    pub mask_rules: Records,
    pub whitelists: Records,
    pub backups: Records,
    pub settings: Settings,
}

/// The most databases an instance audits unless its specification says otherwise.
pub(crate) const DEFAULT_DATABASE_LIMIT: i32 = 6;

/// The retention bounds `show_log_retention_common_settings` gives (the mock's own values).
pub(crate) const RETENTION_DAYS: std::ops::RangeInclusive<i64> = 7..=3650;

impl Instance {
    /// An instance with this bean, its templates and the default resources every instance of the
    /// mock starts with (two databases, one agent, system rules, one whitelist entry, two
    /// backups), their ids derived from the instance id so a seeded world is reproducible.
    pub fn new(bean: AuditInstanceBean) -> Self {
        let templates = seed_templates();
        let schedules = templates
            .iter()
            .filter_map(|t| {
                let id = t.id.clone()?;
                let frequency = match t.frequency.as_deref() {
                    Some("DAY") => "AUDIT_REPORT_DAY",
                    Some("MONTH") => "AUDIT_REPORT_MONTH",
                    _ => "AUDIT_REPORT_WEEK",
                };
                let schedule = json!({
                    "id": id, "db_ids": "", "format": "PDF", "frequency": frequency,
                    "mode": "CYCLE", "notice": "OFF", "start_time": "00:00:00", "status": "OFF",
                    "topic_urn": "",
                });
                Some((id, object(schedule)))
            })
            .collect();
        let mut instance = Instance {
            bean,
            templates,
            pending: None,
            tags: Vec::new(),
            databases: Records::default(),
            agents: Records::default(),
            risk_rules: Records::default(),
            scopes: Records::default(),
            sql_rules: Records::default(),
            mask_rules: Records::default(),
            whitelists: Records::default(),
            backups: Records::default(),
            settings: Settings {
                alarm_topic: object(json!({
                    "alarm_cpu": "80", "alarm_disk": "80", "alarm_memory": "80",
                    "alarm_num": "100", "alarm_risk": ["high"], "alarm_switch": "OFF",
                    "alarm_topic_urn": "", "smn_effective": false,
                })),
                schedules,
                retention_days: 180,
                mask_switch: "ON".into(),
                result_switch: "OFF".into(),
                backup: Map::new(),
                backup_status: 0,
            },
        };
        instance.seed_resources();
        instance
    }

    pub fn id(&self) -> &str {
        self.bean.id.as_deref().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.bean.name.as_deref().unwrap_or_default()
    }

    pub fn status(&self) -> Option<&InstanceStatus> {
        self.bean.status.as_ref()
    }

    pub fn template(&self, id: &str) -> Option<&TemplateBean> {
        self.templates.iter().find(|t| t.id.as_deref() == Some(id))
    }

    pub fn database_limit(&self) -> usize {
        usize::try_from(self.bean.database_limit.unwrap_or(DEFAULT_DATABASE_LIMIT)).unwrap_or(0)
    }

    /// Starts a lifecycle action at `now`, settling `takes` later; refuses one the instance's
    /// state does not allow, with the reason.
    pub fn begin(
        &mut self,
        action: Action,
        now: SystemTime,
        takes: Duration,
    ) -> Result<(), String> {
        if self.pending.is_some() {
            return Err(format!(
                "The audit instance {} is busy ({}); try again when its task is done",
                self.id(),
                self.bean.task.as_deref().unwrap_or(NO_TASK)
            ));
        }
        let status = self.status().cloned().unwrap_or(InstanceStatus::Error);
        let allowed = match action {
            Action::Start => status == InstanceStatus::Shutoff,
            Action::Stop | Action::Reboot | Action::Upgrade => status == InstanceStatus::Active,
            Action::Delete => status != InstanceStatus::Deleting,
        };
        if !allowed {
            return Err(format!(
                "The audit instance {} is {status}: it cannot be {}",
                self.id(),
                match action {
                    Action::Start => "started",
                    Action::Stop => "stopped",
                    Action::Reboot => "rebooted",
                    Action::Upgrade => "upgraded",
                    Action::Delete => "deleted",
                }
            ));
        }
        let at = now + takes;
        let (task, now_status, to, version) = match action {
            Action::Start => ("powering-on", status, Some(InstanceStatus::Active), None),
            Action::Stop => ("powering-off", status, Some(InstanceStatus::Shutoff), None),
            Action::Reboot => ("rebooting", status, Some(InstanceStatus::Active), None),
            Action::Upgrade => (
                NO_TASK,
                InstanceStatus::Upgrading,
                Some(InstanceStatus::Active),
                self.bean.new_version.clone(),
            ),
            Action::Delete => ("delete_wait", InstanceStatus::Deleting, None, None),
        };
        self.bean.task = Some(task.into());
        self.bean.status = Some(now_status);
        self.pending = Some(Transition { at, to, version });
        Ok(())
    }

    /// A newly ordered instance: `BUILD` until `at`, then `ACTIVE`.
    pub fn building_until(&mut self, at: SystemTime) {
        self.bean.status = Some(InstanceStatus::Build);
        self.bean.task = Some(NO_TASK.into());
        self.pending = Some(Transition {
            at,
            to: Some(InstanceStatus::Active),
            version: None,
        });
    }

    /// Applies what is due at `now`; false when the instance is gone.
    pub fn settle(&mut self, now: SystemTime) -> bool {
        if let Some(t) = self.pending.take_if(|t| t.at <= now) {
            match t.to {
                None => return false,
                Some(status) => {
                    self.bean.status = Some(status);
                    self.bean.task = Some(NO_TASK.into());
                    if let Some(version) = t.version {
                        self.bean.version = Some(version);
                    }
                }
            }
        }
        self.backups.settle(now);
        true
    }

    /// The instance as a snapshot shows it.
    pub fn snapshot(&self) -> Value {
        let pending = self.pending.as_ref().map(
            |t| json!({"at": format_time(t.at), "to": t.to.as_ref().map(ToString::to_string)}),
        );
        let schedules: Vec<&Map<String, Value>> = self.settings.schedules.values().collect();
        json!({
            "instance": self.bean,
            "pending": pending,
            "tags": self.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
            "templates": self.templates,
            "databases": self.databases.snapshot("id"),
            "agents": self.agents.snapshot("agent_id"),
            "risk_rules": self.risk_rules.snapshot("id"),
            "scopes": self.scopes.snapshot("id"),
            "sql_injection_rules": self.sql_rules.snapshot("id"),
            "mask_rules": self.mask_rules.snapshot("id"),
            "whitelists": self.whitelists.snapshot("id"),
            "backups": self.backups.snapshot("id"),
            "settings": {
                "alarm_topic": self.settings.alarm_topic,
                "report_schedules": schedules,
                "log_retention_days": self.settings.retention_days,
                "sensitive_mask_switch": self.settings.mask_switch,
                "sensitive_result_switch": self.settings.result_switch,
                "backup": self.settings.backup,
                "backup_status": self.settings.backup_status,
            },
        })
    }

    fn seed_resources(&mut self) {
        let ids = IdGen::new(
            self.id()
                .bytes()
                .fold(0u64, |h, b| splitmix(h ^ u64::from(b))),
        );
        let octet = 20 + (ids.next_u64() % 200);
        let orders = ids.report_id();
        let orders_ip = format!("192.0.2.{octet}");
        self.databases.add(
            orders.clone(),
            Database {
                name: "orders",
                db_type: "MYSQL",
                version: "8.0",
                ip: &orders_ip,
                port: "3306",
                classification: "RDS",
                instance_name: "rds-orders",
                audited: true,
            }
            .fields(),
        );
        self.databases.add(
            ids.report_id(),
            Database {
                name: "billing",
                db_type: "POSTGRESQL",
                version: "14",
                ip: &format!("192.0.2.{}", octet + 1),
                port: "5432",
                classification: "ECS",
                instance_name: "ecs-billing",
                audited: false,
            }
            .fields(),
        );
        self.agents.add(
            ids.report_id(),
            agent_fields(&orders, "orders", &orders_ip, "LINUX64_X86", "DB"),
        );
        for (rank, (name, kind, level)) in [
            ("Database login failure", "LOGIN", "HIGH"),
            ("Bulk data deletion", "OPERATE", "MEDIUM"),
            ("Database or table dropped", "OPERATE", "HIGH"),
        ]
        .into_iter()
        .enumerate()
        {
            self.risk_rules.add(
                ids.report_id(),
                object(json!({
                    "name": name, "type": kind, "risk_level": level, "status": "ON",
                    "rule_type": "SYSTEM", "rank": rank + 1, "feature": name,
                    "action": "", "affect_rows": 0, "affect_symbol": "NO_MATCH",
                    "execution_symbol": "NO_MATCH", "execution_time": 0, "client_ips": "",
                    "db_ids": "", "exception_ips": "", "ignore_case": true, "schemas": [],
                })),
            );
        }
        self.risk_rules.add(
            ids.report_id(),
            crate::handlers::rules::custom_risk_rule(
                "Export of more than 10,000 rows",
                "HIGH",
                "ON",
                4,
            ),
        );
        self.scopes.add(
            ids.report_id(),
            object(json!({
                "name": "full audit", "action": "", "all_audit": true, "status": "ON",
                "db_ids": "", "db_names": "", "db_users": "", "exception_ips": "",
                "source_ips": "", "source_ports": "",
            })),
        );
        for (rank, (name, regex, level)) in [
            (
                "UNION-based injection",
                "(?i)union\\s+(all\\s+)?select",
                "HIGH",
            ),
            ("Tautology injection", "(?i)\\bor\\s+1\\s*=\\s*1", "MEDIUM"),
        ]
        .into_iter()
        .enumerate()
        {
            self.sql_rules.add(
                ids.report_id(),
                object(json!({
                    "name": name, "regex": regex, "risk_level": level, "status": "ON",
                    "type": "SYSTEM", "rank": rank + 1, "feature": name,
                })),
            );
        }
        self.sql_rules.add(
            ids.report_id(),
            object(json!({
                "name": "Stacked statements", "regex": ";\\s*(drop|truncate)\\s", "risk_level": "HIGH",
                "status": "OFF", "type": "CUSTOMIZE", "rank": 3, "feature": "",
            })),
        );
        for (name, regex) in [
            ("ID card number", "[1-9]\\d{5}(18|19|20)\\d{2}\\d{9}[0-9Xx]"),
            ("Bank card number", "[1-9]\\d{15,18}"),
        ] {
            self.mask_rules.add(
                ids.report_id(),
                object(json!({
                    "name": name, "regex": regex, "mask_value": "*", "status": "ON",
                    "type": "BUILD_IN", "operate_time": "2025-08-01 10:00:00",
                })),
            );
        }
        self.mask_rules.add(
            ids.report_id(),
            object(json!({
                "name": "Customer phone number", "regex": "1[3-9]\\d{9}", "mask_value": "#",
                "status": "ON", "type": "USER_DEFINE", "operate_time": "2025-08-02 09:00:00",
            })),
        );
        self.whitelists.add(
            ids.report_id(),
            object(json!({
                "sql": "SELECT 1", "desc": "connection pool health check", "enabled": true,
                "db_ids": [], "create_timestamp_ms": 1_754_042_400_000_i64,
                "update_timestamp_ms": 1_754_042_400_000_i64,
            })),
        );
        self.backups.add(
            ids.report_id(),
            object(json!({
                "name": "auto-backup-20250801", "mode": "AUTO", "progress": "AUTO_BACKUPED",
                "percentage": 100, "file_size": 512, "file_size_unit": "MB",
                "backup_time": "2025-08-01 02:00:00", "start_time": "2025-07-31 00:00:00",
                "end_time": "2025-08-01 00:00:00", "deleted": false,
                "sha256": "9f2c4a7e1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
                "backup_task_fail_reason": "", "restore_task_fail_reason": "",
            })),
        );
        self.backups.add(
            ids.report_id(),
            object(json!({
                "name": "manual-backup-20250805", "mode": "MANUAL", "progress": "MANUAL_BACKUP_FAIL",
                "percentage": 40, "file_size": 0, "file_size_unit": "MB",
                "backup_time": "2025-08-05 09:30:00", "start_time": "2025-08-04 00:00:00",
                "end_time": "2025-08-05 00:00:00", "deleted": false, "sha256": "",
                "backup_task_fail_reason": "The OBS bucket could not be reached",
                "restore_task_fail_reason": "",
            })),
        );
    }
}

/// The seeded instance number `index` (from 0) of a project in `region`; the very first of the
/// mock has the OpenAPI document's example id.
pub(crate) fn seed_instance(index: usize, region: &str) -> Instance {
    let id = if index == 0 {
        FIRST_INSTANCE_ID.to_owned()
    } else {
        format!(
            "{:016x}{:016x}",
            splitmix(index as u64),
            splitmix(!(index as u64))
        )
    };
    let status = if index % 5 == 1 {
        InstanceStatus::Shutoff
    } else {
        InstanceStatus::Active
    };
    let mut instance = Instance::new(instance_bean(
        id,
        format!("DBSS-audit-{:02}", index + 1),
        status,
        region,
        index,
    ));
    let env = if index % 3 == 2 { "test" } else { "prod" };
    instance.tags = vec![
        ("env".into(), env.into()),
        ("owner".into(), "dba-team".into()),
    ];
    instance
}

/// A bean with every field the list shows, for instance number `index`.
pub(crate) fn instance_bean(
    id: String,
    name: String,
    status: InstanceStatus,
    region: &str,
    index: usize,
) -> AuditInstanceBean {
    AuditInstanceBean {
        id: Some(id),
        name: Some(name),
        status: Some(status),
        region: Some(region.to_owned()),
        zone: Some(format!("{region}a")),
        resource_id: Some(format!("0d8e2f5a-6c1b-4f7e-9a3d-{index:012x}")),
        resource_spec_code: Some("dbss.bypassaudit.medium".into()),
        specification: Some("4vCPUs | 16GB".into()),
        version: Some("25.6.0".into()),
        new_version: Some("25.9.0".into()),
        created: Some("2025-08-01 10:00:00".into()),
        expired: Some("2026-08-01 10:00:00".into()),
        remain_days: Some("237".into()),
        keep_days: Some("180".into()),
        charge_model: Some(ChargeModel::Period),
        comment: Some(String::new()),
        connect_ip: Some(format!("192.0.2.{}", 10 + index % 200)),
        connect_ipv6: Some(String::new()),
        cpu: Some(4),
        ram: Some(16),
        database_limit: Some(DEFAULT_DATABASE_LIMIT),
        config_num: Some(1),
        effect: Some(0),
        port_id: Some(format!("5e1f0c2d-8a3b-4c6d-9e7f-{index:012x}")),
        security_group_id: Some("6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d".into()),
        subnet_id: Some("7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e".into()),
        vpc_id: Some("8c9d0e1f-2a3b-4c4d-8e5f-6a7b8c9d0e1f".into()),
        scene: Some(String::new()),
        task: Some(NO_TASK.into()),
        supported_feature: Vec::new(),
    }
}

/// A database as its lists show it.
pub(crate) struct Database<'a> {
    pub name: &'a str,
    pub db_type: &'a str,
    pub version: &'a str,
    pub ip: &'a str,
    pub port: &'a str,
    /// `RDS` or `ECS`.
    pub classification: &'a str,
    pub instance_name: &'a str,
    /// Audit on (`status` ON, `audit_status` ACTIVE) or off (OFF, SHUTOFF).
    pub audited: bool,
}

impl Database<'_> {
    /// The stored fields.
    pub fn fields(&self) -> Map<String, Value> {
        let (status, audit) = if self.audited {
            ("ON", "ACTIVE")
        } else {
            ("OFF", "SHUTOFF")
        };
        object(json!({
            "name": self.name, "type": self.db_type, "version": self.version, "ip": self.ip,
            "port": self.port, "os": "LINUX64", "charset": "UTF8",
            "db_classification": self.classification, "instance_name": self.instance_name,
            "status": status, "audit_status": audit, "agent_url": [],
            "rds_audit_switch_mismatch": false,
        }))
    }
}

/// An agent of database `db_id` running on `ip`, as the agent list shows it.
pub(crate) fn agent_fields(
    db_id: &str,
    db_name: &str,
    ip: &str,
    os: &str,
    agent_type: &str,
) -> Map<String, Value> {
    object(json!({
        "db_id": db_id, "db_name": db_name, "agent_ip": ip, "agent_nic": "eth0",
        "agent_os": os, "agent_type": agent_type, "mode": 1, "status": 1, "datacap_status": 1,
        "cpu_threshold": 80, "mem_threshold": 80, "universal": false, "agent_url": "",
        "sha256": "",
    }))
}

/// A JSON object's map (anything else gives an empty one).
pub(crate) fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
