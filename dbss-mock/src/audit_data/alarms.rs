//! The alarms: generated like the statements (alarm `j` of an instance is a pure function of
//! it), with the status changes and deletions of requests laid over them.

use std::collections::HashMap;

use http::StatusCode;
use serde_json::{Value, json};

use super::generator::{Dataset, RULES, mix};
use super::window::{format_ms, requested};
use super::{AlarmChange, int32, paging, text};
use crate::codes;
use crate::error::ApiError;

/// Alarm types of the document's enum with their weights in a hundred alarms and risk levels
/// (`None`: the risk of the rule hit).
const TYPES: [(&str, u32, Option<&str>); 9] = [
    ("RISK_RULE", 85, None),
    ("RISK_CPU", 3, Some("MEDIUM")),
    ("RISK_MEMORY", 3, Some("MEDIUM")),
    ("RISK_DISK", 2, Some("HIGH")),
    ("RISK_DISK_CAPACITY", 1, Some("MEDIUM")),
    ("RISK_BACKUP", 1, Some("HIGH")),
    ("AUDIT_QPS_OVERFLOW", 2, Some("MEDIUM")),
    ("RISK_AGENT", 2, Some("HIGH")),
    ("AUDIT_BACKUP_FAILED", 1, Some("HIGH")),
];

/// One alarm.
#[derive(Debug, Clone)]
pub(super) struct Alarm {
    pub index: u64,
    pub time_ms: i64,
    pub kind: usize,
    pub risk: &'static str,
    pub done: bool,
    /// When it was cleared (`None`: still on).
    pub fixed_ms: Option<i64>,
    pub send_email: bool,
    hash: u64,
    rule: usize,
}

/// Alarm `j` of `ds`, before any change.
pub(super) fn alarm(ds: &Dataset, j: u64) -> Alarm {
    let h = mix(ds.key ^ 0xA1A_0000 ^ j.wrapping_mul(0x9FB2_1C65_1E98_DF25));
    let mut r = h % 100;
    let mut kind = 0;
    for (k, (_, w, _)) in TYPES.iter().enumerate() {
        if r < u64::from(*w) {
            kind = k;
            break;
        }
        r -= u64::from(*w);
    }
    // The rules with a risk level alarms report (login failures are too many to alarm on).
    let rule = ((h >> 8) % 6) as usize;
    let risk = TYPES[kind].2.unwrap_or(RULES[rule].risk.as_str());
    let done = (h >> 16) % 100 < 55;
    let time_ms = ds.alarms.at(j);
    // Cleared some minutes after it was raised, unless that is after the data ends.
    let fixed_ms = time_ms.saturating_add((5 + (mix(h) >> 16) % 240) as i64 * 60_000);
    let data_end = ds.alarms.start_ms.saturating_add(ds.alarms.span_ms as i64);
    Alarm {
        index: j,
        time_ms,
        kind,
        risk,
        done,
        fixed_ms: (done || (h >> 24) % 100 < 20)
            .then_some(fixed_ms)
            .filter(|&t| t <= data_end),
        send_email: (h >> 32) % 100 < 70,
        hash: h,
        rule,
    }
}

/// The id of alarm `j`.
pub(super) fn alarm_id(j: u64) -> String {
    format!("alarm-{j:010}")
}

/// The index of an alarm id of `ds`, if it is one.
pub(super) fn index_of(ds: &Dataset, id: &str) -> Option<u64> {
    let j: u64 = id.strip_prefix("alarm-")?.parse().ok()?;
    (j < ds.alarms.count && alarm_id(j) == id).then_some(j)
}

/// The answer to an unknown (or deleted) alarm id.
pub(super) fn not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        codes::ALARM_NOT_FOUND,
        format!("The alarm {id} does not exist"),
    )
}

/// `list_audit_alarm_log_new` and (`deprecated`, camel-case fields) `list_audit_alarm_log`.
pub(super) fn list(
    ds: &Dataset,
    body: &Value,
    now_ms: i64,
    changes: Option<&HashMap<u64, AlarmChange>>,
    deprecated: bool,
) -> Result<Value, ApiError> {
    let window = requested(body.get("time"), now_ms)?;
    let (skip, take) = paging(body)?;
    let risks: Vec<&str> = body
        .get("risk")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let status = text(body, "status");
    let kind = text(body, "type");
    let range = ds.alarms.range(window.from_ms, window.to_ms);
    let mut total = 0u64;
    let mut page = Vec::new();
    for j in range.rev() {
        let mut a = alarm(ds, j);
        match changes.and_then(|c| c.get(&j)) {
            Some(AlarmChange::Deleted) => continue,
            Some(AlarmChange::Done) => a.done = true,
            None => {}
        }
        let matches = (risks.is_empty() || risks.contains(&a.risk))
            && status.is_none_or(|s| s == if a.done { "DONE" } else { "UNDO" })
            && kind.is_none_or(|k| k == TYPES[a.kind].0);
        if matches {
            if total >= skip && total - skip < take {
                page.push(alarm_json(ds, &a, deprecated));
            }
            total += 1;
        }
    }
    Ok(json!({ "alarm_log": page, "total_num": int32(total) }))
}

fn alarm_json(ds: &Dataset, a: &Alarm, deprecated: bool) -> Value {
    let h = mix(a.hash);
    let description = match TYPES[a.kind].0 {
        "RISK_RULE" => {
            let client = ds.clients.get((h % 64) as usize % ds.clients.len().max(1));
            let db = ds.dbs.get((h >> 8) as usize % ds.dbs.len().max(1));
            format!(
                "Risk rule \"{}\" matched a statement from {} on database {} ({})",
                RULES[a.rule].name,
                client.map_or("", |c| c.ip.as_str()),
                db.map_or("", |d| d.info.name.as_str()),
                db.map_or("", |d| d.info.ip.as_str()),
            )
        }
        "RISK_CPU" => format!("CPU usage {}% exceeded the threshold 80%", 81 + h % 19),
        "RISK_MEMORY" => format!("Memory usage {}% exceeded the threshold 80%", 81 + h % 19),
        "RISK_DISK" => format!("Disk usage {}% exceeded the threshold 85%", 86 + h % 14),
        "RISK_DISK_CAPACITY" => {
            "The remaining disk capacity cannot hold six months of audit data".to_owned()
        }
        "RISK_BACKUP" => "The scheduled backup of the audit data failed".to_owned(),
        "AUDIT_QPS_OVERFLOW" => format!(
            "Audited traffic of {} statements/s exceeded the specification; storage is delayed",
            3000 + h % 5000
        ),
        "RISK_AGENT" => format!(
            "The agent on {} stopped reporting",
            ds.dbs
                .get((h >> 8) as usize % ds.dbs.len().max(1))
                .map_or("", |d| d.info.ip.as_str())
        ),
        _ => "The audit log backup to OBS failed".to_owned(),
    };
    let mut out = json!({
        "alarm_description": description,
        "alarm_risk": a.risk,
        "alarm_status": if a.done { "DONE" } else { "UNDO" },
        "alarm_time": format_ms(a.time_ms),
        "alarm_type": TYPES[a.kind].0,
        "id": alarm_id(a.index),
    });
    if let Some(map) = out.as_object_mut() {
        let (life, email) = if deprecated {
            ("alarmLife", "sendEmail")
        } else {
            ("alarm_life", "send_email")
        };
        map.insert(
            life.into(),
            json!(if a.fixed_ms.is_some() { "OFF" } else { "ON" }),
        );
        map.insert(email.into(), json!(a.send_email));
        if let Some(fixed) = a.fixed_ms {
            map.insert("alarm_fix_time".into(), json!(format_ms(fixed)));
        }
    }
    out
}
