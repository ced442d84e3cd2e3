//! Values that address what exists in the world, per operation: what a test that calls every
//! operation needs so that the stateful ones succeed (see `MockServer::valid_values`).

use serde_json::{Map, Value, json};

use crate::ops::Operation;
use crate::state::{DOC_TEMPLATE_ID, Instance, Records, State};

pub(crate) fn of(world: &State, project: &str, op: Operation) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(project) = world.project(project) else {
        return out;
    };
    let instances = &project.instances;
    let Some(first) = instances.first() else {
        return out;
    };
    let in_state = |status: &str| {
        instances
            .iter()
            .find(|i| i.status().is_some_and(|s| s.to_string() == status))
    };
    let mut set = |name: &str, value: Value| {
        out.insert(name.to_owned(), value);
    };
    let last = |records: &Records| records.iter().last().map(|r| r.id.clone());
    let first_id = |records: &Records| records.iter().next().map(|r| r.id.clone());
    let resource_id = |i: &Instance| json!(i.bean.resource_id.clone().unwrap_or_default());
    use Operation as O;
    match op {
        O::StartAuditInstanceNew => {
            if let Some(i) = in_state("SHUTOFF") {
                set("instance_id", json!(i.id()));
            }
        }
        O::StopAuditInstanceNew | O::RebootAuditInstanceNew => {
            if let Some(i) = in_state("ACTIVE") {
                set("instance_id", json!(i.id()));
            }
        }
        O::DeleteInstancesNew => set("id", json!(first.id())),
        O::ConfirmUpgradeAudit => {
            if let Some(i) = in_state("ACTIVE") {
                set("resource_id", resource_id(i));
            }
        }
        O::BatchAddResourceTag | O::BatchDeleteResourceTag | O::ListAuditTags => {
            set("resource_id", resource_id(first));
        }
        O::SwitchAuditDatabaseNew | O::DeleteAuditDatabaseNew => {
            if let Some(id) = first_id(&first.databases) {
                set("id", json!(id));
            }
        }
        O::AddAuditAgentNew | O::ListAuditAgentNew => {
            if let Some(id) = first_id(&first.databases) {
                set("db_id", json!(id));
            }
        }
        O::DeleteAuditAgentNew | O::SwitchAgentNew => {
            if let Some(agent) = first.agents.iter().next() {
                set("db_id", json!(agent.str("db_id")));
                set("agent_id", json!(agent.id));
            }
        }
        O::ShowAuditRuleRiskNew
        | O::SetRiskOperationPolicy
        | O::DeleteAuditRuleRisk
        | O::SetRiskRuleRank => {
            if let Some(id) = last(&first.risk_rules) {
                set("id", json!(id));
            }
        }
        O::SwitchRiskRuleNew => {
            if let Some(id) = last(&first.risk_rules) {
                set("ids", json!(id));
            }
        }
        O::UpdateAuditScopeRule | O::DeleteAuditScope => {
            if let Some(id) = last(&first.scopes) {
                set("id", json!(id));
            }
        }
        O::SetAuditScopeRuleSwitch | O::BatchDeleteAuditScope => {
            if let Some(id) = last(&first.scopes) {
                set("ids", json!([id]));
            }
        }
        O::UpdateAuditSqlRule | O::DeleteAuditRuleSql | O::SetAuditSqlRuleSwitch => {
            if let Some(id) = last(&first.sql_rules) {
                set("id", json!(id));
            }
        }
        O::SetSqlRuleRank => {
            if let Some(id) = last(&first.sql_rules) {
                set("ids", json!([id]));
            }
        }
        O::UpdateSensitiveMaskRule | O::DeleteSensitiveRules => {
            if let Some(id) = last(&first.mask_rules) {
                set("id", json!(id));
            }
        }
        O::SetSensitiveMaskRuleSwitch => {
            if let Some(id) = last(&first.mask_rules) {
                set("ids", json!([id]));
            }
        }
        O::UpdateAuditWhitelist => {
            if let Some(id) = first_id(&first.whitelists) {
                set("id", json!(id));
            }
        }
        O::DeleteAuditWhitelist => {
            if let Some(id) = first_id(&first.whitelists) {
                set("whitelists", json!([id]));
            }
        }
        O::RestoreAuditBackup | O::RetryAuditBackupTask | O::DeleteAuditBackupTask => {
            let wanted = |p: &str| match op {
                O::RestoreAuditBackup => p.ends_with("_BACKUPED"),
                O::RetryAuditBackupTask => p.ends_with("_FAIL"),
                _ => true,
            };
            if let Some(b) = first.backups.iter().find(|b| wanted(b.str("progress"))) {
                set("id", json!(b.id));
            }
        }
        O::ShowAuditTopicReportSchedulerConfig => set("id", json!(DOC_TEMPLATE_ID)),
        O::UpdateAuditTopicReportSchedulerConfig => {
            set("scheduler.id", json!(DOC_TEMPLATE_ID));
            set("scheduler.format", json!("PDF"));
            set("scheduler.frequency", json!("AUDIT_REPORT_WEEK"));
            set("scheduler.mode", json!("CYCLE"));
            set("scheduler.status", json!("ON"));
        }
        O::UpdateLogRetentionCommonSettings => set("retention_days", json!(180)),
        O::ListAuditBackupInfo => {
            set("start_time", json!("2025-07-01 00:00:00"));
            set("end_time", json!("2025-12-31 23:59:59"));
        }
        _ => {}
    }
    out
}
