//! Answers in the shape of a schema of the document: a stored resource keeps its fields under
//! the names of one answer; each answer that shows it takes the properties its own schema has,
//! and a required property the resource lacks gets the value `synth` makes for it, so that
//! every answer stays valid against the document while only real data is shown.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::synth;

static DOCUMENT: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_str(crate::validate::DOCUMENT).unwrap_or(Value::Null));

/// The properties of one component schema, and what its required ones default to.
#[derive(Debug)]
pub(crate) struct Shape {
    properties: Vec<String>,
    defaults: Map<String, Value>,
}

impl Shape {
    /// The shape of `#/components/schemas/{name}` (empty when the document has no such
    /// schema: then every field is kept as stored).
    pub fn of(name: &str) -> Shape {
        let doc = &*DOCUMENT;
        let Some(schema) = doc.pointer(&format!("/components/schemas/{name}")) else {
            return Shape {
                properties: Vec::new(),
                defaults: Map::new(),
            };
        };
        let properties: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let mut defaults = Map::new();
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if let Some(Ok(value)) = schema
                .pointer(&format!("/properties/{required}"))
                .map(|prop| synth::value_of(doc, prop, 1))
            {
                defaults.insert(required.to_owned(), value);
            }
        }
        Shape {
            properties,
            defaults,
        }
    }

    /// `fields` in this shape: the schema's properties the fields have, and the required ones
    /// they lack from the defaults.
    pub fn apply(&self, fields: &Map<String, Value>) -> Value {
        if self.properties.is_empty() {
            return Value::Object(fields.clone());
        }
        let mut out = Map::new();
        for name in &self.properties {
            if let Some(value) = fields.get(name) {
                out.insert(name.clone(), value.clone());
            } else if let Some(value) = self.defaults.get(name) {
                out.insert(name.clone(), value.clone());
            }
        }
        Value::Object(out)
    }
}
