//! The operation logs: what console users did to the instance (rules, reports, databases...).

use serde_json::{Value, json};

use super::generator::{Dataset, mix};
use super::window::requested;
use super::{int32, paging, text};
use crate::error::ApiError;

const USERS: [&str; 4] = ["admin", "audit_admin", "sec_auditor", "ops_engineer"];

/// Actions with their weights in a hundred logs.
const ACTIONS: [(&str, u32); 4] = [
    ("update", 40),
    ("create", 25),
    ("download", 25),
    ("delete", 10),
];

/// What is operated on: (function, object names).
const FUNCTIONS: [(&str, [&str; 3]); 5] = [
    (
        "Risk rule",
        ["SQL injection", "Mass data export", "Delete without WHERE"],
    ),
    (
        "Audit scope",
        ["All audit", "Core databases", "Business hours"],
    ),
    ("Database", ["orders", "billing", "crm"]),
    (
        "Alarm notification",
        ["Email to SecOps", "SMN topic dbss-alarm", "High risk only"],
    ),
    ("Agent", ["agent-db-01", "agent-db-02", "agent-app-01"]),
];

const REPORTS: [&str; 3] = [
    "Database security comprehensive report",
    "SOX compliance report",
    "Database server report",
];

/// One log as the lists show it, with its action and user for the filters.
struct Log {
    user: &'static str,
    action: &'static str,
    failed: bool,
    json: Value,
}

fn log(ds: &Dataset, k: u64) -> Log {
    let h = mix(ds.key ^ 0x0B1_0000 ^ k.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut r = h % 100;
    let mut action = ACTIONS[0].0;
    for (a, w) in ACTIONS {
        if r < u64::from(w) {
            action = a;
            break;
        }
        r -= u64::from(w);
    }
    let user = USERS[((h >> 8) % USERS.len() as u64) as usize];
    let failed = (h >> 16) % 100 < 4;
    let (function, name) = if action == "download" {
        ("Audit report", REPORTS[((h >> 24) % 3) as usize])
    } else {
        let (f, names) = FUNCTIONS[((h >> 24) % FUNCTIONS.len() as u64) as usize];
        (f, names[((h >> 32) % 3) as usize])
    };
    let time_ms = ds.oplogs.at(k);
    let json = json!({
        "action": action,
        "description": format!("{} {} \"{}\"", capitalized(action), function.to_lowercase(), name),
        "function": function,
        "id": format!("oplog-{k:010}"),
        "name": name,
        "result": if failed { "fail" } else { "success" },
        // "Time when the record occurred, as a timestamp": epoch milliseconds.
        "time": time_ms.to_string(),
        "user": user,
    });
    Log {
        user,
        action,
        failed,
        json,
    }
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `list_audit_operate_logs_new` and `list_audit_operate_logs`: newest first.
pub(super) fn list(ds: &Dataset, body: &Value, now_ms: i64) -> Result<Value, ApiError> {
    let window = requested(body.get("time"), now_ms)?;
    let (skip, take) = paging(body)?;
    let action = text(body, "action").map(str::to_ascii_lowercase);
    let result = text(body, "result");
    let user = text(body, "user_name");
    let mut total = 0u64;
    let mut page = Vec::new();
    for k in ds.oplogs.range(window.from_ms, window.to_ms).rev() {
        let l = log(ds, k);
        let matches = action.as_deref().is_none_or(|a| a == l.action)
            && result.is_none_or(|r| r == if l.failed { "fail" } else { "success" })
            && user.is_none_or(|u| u == l.user);
        if matches {
            if total >= skip && total - skip < take {
                page.push(l.json);
            }
            total += 1;
        }
    }
    Ok(json!({ "operate_log": page, "total_num": int32(total) }))
}
