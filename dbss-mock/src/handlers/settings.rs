//! Per-instance settings and backups: alarm notification topics, report schedules, log
//! retention, the masking switches, the backup switch and the backup tasks (restored and
//! retried over the mock's clock).

use serde_json::{Map, Value, json};

use super::{Call, Handler, Shape, answer, conflict, copy_fields, not_found};
use crate::codes;
use crate::error::ApiError;
use crate::ops::Operation;
use crate::state::instance::RETENTION_DAYS;
use crate::state::{State, format_time, object, parse_time};

pub(super) fn handler(op: Operation) -> Option<Handler> {
    Some(match op {
        Operation::ListAlarmTopicConfigInfoNew => show_topic,
        Operation::SetAlarmTopicConfigInfoNew => set_topic,
        Operation::ShowAuditTopicReportSchedulerConfig => show_schedule,
        Operation::UpdateAuditTopicReportSchedulerConfig => set_schedule,
        Operation::ShowLogRetentionCommonSettings => show_retention,
        Operation::UpdateLogRetentionCommonSettings => set_retention,
        Operation::ShowSensitiveMaskSwitch => show_mask_switch,
        Operation::SetSensitiveSwitch => set_mask_switch,
        Operation::ShowSensitiveResultSwitch => show_result_switch,
        Operation::SetSensitiveResultSwitch => set_result_switch,
        Operation::ListAuditBackupInfo => list_backups,
        Operation::RestoreAuditBackup => restore_backup,
        Operation::RetryAuditBackupTask => retry_backup,
        Operation::DeleteAuditBackupTask => delete_backup,
        Operation::SetAuditBackupSwitch => set_backup_switch,
        Operation::ShowAuditBackupStatus => show_backup_status,
        _ => return None,
    })
}

fn show_topic(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let instance = call.instance(world)?;
    answer(Shape::of("ListAlarmTopicConfigInfoNewResponse").apply(&instance.settings.alarm_topic))
}

fn set_topic(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let body = call.body().clone();
    let instance = call.instance(world)?;
    let topic = &mut instance.settings.alarm_topic;
    // The answer carries the thresholds as strings.
    for name in ["alarm_cpu", "alarm_disk", "alarm_memory", "alarm_num"] {
        if let Some(n) = body.get(name).and_then(Value::as_i64) {
            topic.insert(name.into(), json!(n.to_string()));
        }
    }
    copy_fields(
        topic,
        &body,
        &["alarm_risk", "alarm_switch", "alarm_topic_urn"],
    );
    let effective = topic.get("alarm_switch").and_then(Value::as_str) == Some("ON")
        && topic
            .get("alarm_topic_urn")
            .and_then(Value::as_str)
            .is_some_and(|u| !u.is_empty());
    topic.insert("smn_effective".into(), json!(effective));
    answer(json!({"status": "success"}))
}

fn template_not_found(id: &str) -> ApiError {
    ApiError::new(
        http::StatusCode::BAD_REQUEST,
        codes::TEMPLATE_NOT_FOUND,
        format!("The report template {id} does not exist"),
    )
}

fn show_schedule(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let instance = call.instance(world)?;
    let schedule = instance
        .settings
        .schedules
        .get(&id)
        .ok_or_else(|| template_not_found(&id))?;
    let effective = schedule.get("notice").and_then(Value::as_str) == Some("ON")
        && schedule
            .get("topic_urn")
            .and_then(Value::as_str)
            .is_some_and(|u| !u.is_empty());
    answer(json!({
        "scheduler": Shape::of("SchedulerConfigBase").apply(schedule),
        "smn_effective": effective,
    }))
}

/// Refuses a value the schedule's answer could not show.
fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "scheduler.{field} must be one of {}",
            allowed.join(", ")
        )))
    }
}

fn set_schedule(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let scheduler = call.body().get("scheduler").cloned().unwrap_or(Value::Null);
    let text = |name: &str| scheduler.get(name).and_then(Value::as_str).unwrap_or("");
    one_of("format", text("format"), &["PDF", "ZIP"])?;
    one_of(
        "frequency",
        text("frequency"),
        &[
            "AUDIT_REPORT_DAY",
            "AUDIT_REPORT_WEEK",
            "AUDIT_REPORT_MONTH",
            "AUDIT_REPORT_YEAR",
            "AUDIT_REPORT_REAL_TIME",
        ],
    )?;
    one_of("mode", text("mode"), &["ONCE", "CYCLE"])?;
    one_of("status", text("status"), &["ON", "OFF"])?;
    let id = text("id").to_owned();
    let instance = call.instance(world)?;
    let schedule = instance
        .settings
        .schedules
        .get_mut(&id)
        .ok_or_else(|| template_not_found(&id))?;
    copy_fields(
        schedule,
        &scheduler,
        &[
            "db_ids",
            "format",
            "frequency",
            "mode",
            "notice",
            "start_time",
            "status",
            "topic_urn",
        ],
    );
    answer(json!({"status": "success"}))
}

fn show_retention(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let instance = call.instance(world)?;
    answer(json!({
        "data_usage_limit": 80,
        "log_retention": {
            "range_days_min": RETENTION_DAYS.start(),
            "range_days_max": RETENTION_DAYS.end(),
            "retention_days": instance.settings.retention_days,
        },
    }))
}

fn set_retention(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let days = call.body().get("retention_days").and_then(Value::as_i64);
    let instance = call.instance(world)?;
    if let Some(days) = days {
        if !RETENTION_DAYS.contains(&days) {
            return Err(ApiError::invalid(format!(
                "retention_days must be between {} and {}",
                RETENTION_DAYS.start(),
                RETENTION_DAYS.end()
            )));
        }
        instance.settings.retention_days = days;
    }
    answer(json!({"status": "success"}))
}

fn show_mask_switch(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let instance = call.instance(world)?;
    answer(json!({"status": instance.settings.mask_switch}))
}

fn set_mask_switch(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let status = call.body_str("status").to_owned();
    call.instance(world)?.settings.mask_switch = status;
    answer(json!({"status": "SUCCESS"}))
}

fn show_result_switch(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let instance = call.instance(world)?;
    answer(json!({"status": instance.settings.result_switch}))
}

fn set_result_switch(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let status = call.body_str("status").to_owned();
    call.instance(world)?.settings.result_switch = status;
    answer(json!({"status": "SUCCESS"}))
}

fn list_backups(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let bound = |name: &str| -> Result<Option<std::time::SystemTime>, ApiError> {
        match call.body_str(name) {
            "" => Ok(None),
            s => parse_time(s).map(Some).ok_or_else(|| {
                ApiError::invalid(format!("{name} must be formatted as yyyy-MM-dd HH:mm:ss"))
            }),
        }
    };
    let (from, to) = (bound("start_time")?, bound("end_time")?);
    let shape = Shape::of("BackupInfo");
    let instance = call.instance(world)?;
    let items = instance
        .backups
        .iter()
        .rev()
        .filter(|b| {
            let at = parse_time(b.str("backup_time"));
            from.is_none_or(|f| at.is_some_and(|t| t >= f))
                && to.is_none_or(|end| at.is_some_and(|t| t <= end))
        })
        .map(|b| shape.apply(&b.to_json("id")))
        .collect();
    call.page(items, Map::new()).map(Some)
}

fn restore_backup(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let at = call.now + call.lifecycle;
    let instance = call.instance(world)?;
    let backup = instance
        .backups
        .get_mut(&id)
        .ok_or_else(|| not_found("backup", &id))?;
    if !backup.str("progress").ends_with("_BACKUPED") && backup.str("progress") != "RESTORED" {
        return Err(conflict(format!(
            "The backup {id} is {}: only a finished backup can be restored",
            backup.str("progress")
        )));
    }
    backup.fields.insert("progress".into(), json!("RESTORING"));
    backup.pending = Some((at, object(json!({"progress": "RESTORED"}))));
    answer(json!({"result": "success"}))
}

fn retry_backup(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let at = call.now + call.lifecycle;
    let instance = call.instance(world)?;
    let backup = instance
        .backups
        .get_mut(&id)
        .ok_or_else(|| not_found("backup", &id))?;
    if !backup.str("progress").ends_with("_FAIL") {
        return Err(conflict(format!(
            "The backup {id} is {}: only a failed backup task can be retried",
            backup.str("progress")
        )));
    }
    backup
        .fields
        .insert("progress".into(), json!("MANUAL_BACKUPING"));
    backup
        .fields
        .insert("backup_task_fail_reason".into(), json!(""));
    backup.pending = Some((
        at,
        object(json!({
            "progress": "MANUAL_BACKUPED", "percentage": 100, "file_size": 256,
            "backup_time": format_time(at),
        })),
    ));
    answer(json!({"result": "success"}))
}

fn delete_backup(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let id = call.path("id").to_owned();
    let instance = call.instance(world)?;
    instance
        .backups
        .remove(&id)
        .ok_or_else(|| not_found("backup", &id))?;
    answer(json!({"result": "success"}))
}

fn set_backup_switch(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let body = call.body().clone();
    let instance = call.instance(world)?;
    let mut settings = Map::new();
    copy_fields(
        &mut settings,
        &body,
        &[
            "bucket_name",
            "bucket_root_path",
            "cycle",
            "mode",
            "status",
            "trigger_time",
        ],
    );
    instance.settings.backup_status = body.get("status").and_then(Value::as_i64).unwrap_or(0);
    instance.settings.backup = settings;
    answer(json!({"result": "success"}))
}

fn show_backup_status(call: &Call<'_>, world: &mut State) -> Result<Option<Value>, ApiError> {
    let instance = call.instance(world)?;
    answer(json!({"status": instance.settings.backup_status}))
}
