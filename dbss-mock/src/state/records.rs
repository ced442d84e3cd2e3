//! Records of one resource kind under an instance (databases, agents, rules, whitelists,
//! backups): JSON objects with an id, in the order they were added.
//!
//! The fields are kept as JSON in the names of the resource's list answer, so that one record
//! answers every operation that shows it (each answer takes the properties its schema has, see
//! `handlers/shape.rs`), and a snapshot shows exactly what a list would.

use std::time::SystemTime;

use serde_json::{Map, Value};

use super::time::format_time;

/// One resource.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub id: String,
    pub fields: Map<String, Value>,
    /// Fields that take these values once the clock reaches the instant (a backup that is
    /// restoring becomes restored).
    pub pending: Option<(SystemTime, Map<String, Value>)>,
}

impl Record {
    /// A string field, or "" when absent.
    pub fn str(&self, name: &str) -> &str {
        self.fields.get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// The record as JSON: its fields with `id_key` set to its id.
    pub fn to_json(&self, id_key: &str) -> Map<String, Value> {
        let mut out = self.fields.clone();
        out.insert(id_key.to_owned(), Value::String(self.id.clone()));
        out
    }
}

/// The records of one kind.
#[derive(Debug, Clone, Default)]
pub(crate) struct Records {
    items: Vec<Record>,
}

impl Records {
    /// Adds a record and returns it.
    pub fn add(&mut self, id: String, fields: Map<String, Value>) -> &mut Record {
        self.items.push(Record {
            id,
            fields,
            pending: None,
        });
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    pub fn get(&self, id: &str) -> Option<&Record> {
        self.items.iter().find(|r| r.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Record> {
        self.items.iter_mut().find(|r| r.id == id)
    }

    pub fn remove(&mut self, id: &str) -> Option<Record> {
        let index = self.items.iter().position(|r| r.id == id)?;
        Some(self.items.remove(index))
    }

    pub fn retain(&mut self, keep: impl FnMut(&Record) -> bool) {
        self.items.retain(keep);
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Record> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Moves a record to `index` (clamped), for the rank operations.
    pub fn move_to(&mut self, id: &str, index: usize) -> bool {
        let Some(from) = self.items.iter().position(|r| r.id == id) else {
            return false;
        };
        let record = self.items.remove(from);
        let to = index.min(self.items.len());
        self.items.insert(to, record);
        true
    }

    /// Applies the pending changes that are due at `now`.
    pub fn settle(&mut self, now: SystemTime) {
        for record in &mut self.items {
            if let Some((_, fields)) = record.pending.take_if(|(at, _)| *at <= now) {
                record.fields.extend(fields);
            }
        }
    }

    /// The records as JSON for a snapshot, each with its id under `id_key` and any pending
    /// change with when it lands.
    pub fn snapshot(&self, id_key: &str) -> Value {
        Value::Array(
            self.items
                .iter()
                .map(|r| {
                    let mut out = r.to_json(id_key);
                    if let Some((at, fields)) = &r.pending {
                        out.insert(
                            "_pending".into(),
                            serde_json::json!({"at": format_time(*at), "fields": fields}),
                        );
                    }
                    Value::Object(out)
                })
                .collect(),
        )
    }
}
