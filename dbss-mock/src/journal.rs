//! What the mock received: one [`JournalEntry`] per DBSS request, in arrival order, for tests
//! to assert on ([`MockServer::journal`](crate::MockServer::journal), `GET /_mock/journal`).
//!
//! The journal keeps the last [`CAPACITY`] requests or so. Bodies are recorded decoded, with the values of secret-looking members (passwords, secret
//! keys, tokens) replaced by `"***"`, so that a journal can be printed or saved as it is.

use std::sync::{Mutex, PoisonError};

use serde::Serialize;
use serde_json::Value;

/// The most entries kept: beyond it the oldest tenth goes, so that a long benchmark against
/// the mock does not grow it without bound.
pub const CAPACITY: usize = 100_000;

/// How a request's credentials fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthVerdict {
    /// A known IAM token in `X-Auth-Token`.
    Token,
    /// A valid AK/SK signature.
    AkSk,
    /// Authentication is off ([`MockServerBuilder::without_auth`](crate::MockServerBuilder::without_auth)).
    Disabled,
    /// Refused with 401.
    Refused,
    /// Not checked: the request was throttled or a fault answered before authentication.
    NotChecked,
}

/// One request the mock received for a DBSS operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The `operationId` it was routed to (e.g. `add_audit_database_new`).
    pub operation: String,
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The path and query as sent.
    pub path: String,
    /// The JSON body, decoded, secrets redacted (`null` when there was none or it was not
    /// read).
    pub body: Value,
    /// How authentication went.
    pub auth: AuthVerdict,
    /// The status answered (0 when the connection was reset or hung instead).
    pub status: u16,
    /// The fault applied, in the `--fault` text form, if any.
    pub fault: Option<String>,
}

/// The entries, behind a lock, each with a sequence number that survives [`Journal::clear`].
#[derive(Debug, Default)]
pub(crate) struct Journal {
    entries: Mutex<(u64, Vec<(u64, JournalEntry)>)>,
}

impl Journal {
    /// Adds an entry and returns its sequence number, for [`Journal::update`].
    pub fn push(&self, entry: JournalEntry) -> u64 {
        let mut guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (next, entries) = &mut *guard;
        let seq = *next;
        *next += 1;
        if entries.len() >= CAPACITY {
            entries.drain(..CAPACITY / 10);
        }
        entries.push((seq, entry));
        seq
    }

    /// Changes entry `seq` (nothing when the journal was cleared since).
    pub fn update(&self, seq: u64, change: impl FnOnce(&mut JournalEntry)) {
        let mut guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, entry)) = guard.1.iter_mut().rev().find(|(s, _)| *s == seq) {
            change(entry);
        }
    }

    pub fn entries(&self) -> Vec<JournalEntry> {
        let guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        guard.1.iter().map(|(_, e)| e.clone()).collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clear();
    }
}

/// Whether a member name looks like it holds a secret.
fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "credential",
        "private_key",
        "sk",
    ]
    .iter()
    .any(|s| name == *s || name.contains(s) && *s != "sk")
}

/// `body` with every secret-looking member's value replaced by `"***"`.
pub(crate) fn redacted(body: Value) -> Value {
    match body {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if is_secret(&k) {
                        Value::String("***".into())
                    } else {
                        redacted(v)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redacted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let body = json!({"name": "db", "password": "hunter2",
                          "nested": [{"admin_pwd_token": "t", "sk": "s", "task": "keep"}]});
        let out = redacted(body);
        assert_eq!(out["password"], "***");
        assert_eq!(out["nested"][0]["admin_pwd_token"], "***");
        assert_eq!(out["nested"][0]["sk"], "***");
        assert_eq!(out["nested"][0]["task"], "keep");
        assert_eq!(out["name"], "db");
    }
}
