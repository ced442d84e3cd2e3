//! Answers made from the document, for the operations the mock keeps no state for: the 200
//! response's example where the document has one, otherwise a value made from its schema that
//! the schema accepts (every property present, the first enum value, the smallest length and
//! the lowest bound), so that a client decodes a full answer, not an empty one.

use serde_json::{Map, Value, json};

use crate::ops::Operation;

/// How deep a made value goes before a recursive schema stops it (with an empty array or
/// object, which the schema accepts as long as the property is optional).
const MAX_DEPTH: usize = 8;

/// The JSON body of `op`'s 200 answer, or `None` when the answer has no JSON body.
pub(crate) fn answer(doc: &Value, op: Operation) -> Result<Option<Value>, String> {
    let at = format!(
        "{}/responses/200/content/application~1json",
        op.document_pointer()
    );
    let Some(media) = doc.pointer(&at) else {
        return Ok(None);
    };
    if let Some(example) = media.get("example") {
        return Ok(Some(example.clone()));
    }
    if let Some(first) = media
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|m| m.values().next())
        .and_then(|e| e.get("value"))
    {
        return Ok(Some(first.clone()));
    }
    let schema = media
        .get("schema")
        .ok_or_else(|| format!("{op}: the 200 answer has no schema"))?;
    value_of(doc, schema, 0).map(Some)
}

/// A value `schema` (an OpenAPI schema of `doc`) accepts, `depth` levels down from the answer.
pub fn value_of(doc: &Value, schema: &Value, depth: usize) -> Result<Value, String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("unsupported reference {reference}"))?;
        let target = doc
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| format!("dangling reference {reference}"))?;
        return value_of(doc, target, depth + 1);
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            match value_of(doc, part, depth)? {
                Value::Object(m) => merged.extend(m),
                other => return Ok(other),
            }
        }
        return Ok(Value::Object(merged));
    }
    if let Some(example) = schema.get("example") {
        return Ok(example.clone());
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return Ok(first.clone());
    }
    let int = |key: &str| schema.get(key).and_then(Value::as_i64);
    Ok(match schema.get("type").and_then(Value::as_str) {
        Some("string") => {
            let min = int("minLength").unwrap_or(0).max(1) as usize;
            let max = int("maxLength").map_or(usize::MAX, |m| m as usize);
            Value::String("x".repeat(min.clamp(1, max.max(1)).min(64)))
        }
        Some("integer") => {
            let low = schema.get("minimum").and_then(Value::as_f64);
            let high = schema.get("maximum").and_then(Value::as_f64);
            json!(pick(low, high).ceil() as i64)
        }
        Some("number") => {
            let low = schema.get("minimum").and_then(Value::as_f64);
            let high = schema.get("maximum").and_then(Value::as_f64);
            json!(pick(low, high))
        }
        Some("boolean") => Value::Bool(true),
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            if depth >= MAX_DEPTH {
                Value::Array(vec![])
            } else {
                Value::Array(vec![value_of(doc, &items, depth + 1)?])
            }
        }
        Some("object") | None if schema.get("properties").is_some() => {
            let mut out = Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, prop) in props {
                    if depth >= MAX_DEPTH && !required.contains(&name.as_str()) {
                        continue;
                    }
                    out.insert(name.clone(), value_of(doc, prop, depth + 1)?);
                }
            }
            Value::Object(out)
        }
        Some("object") => match schema.get("additionalProperties") {
            Some(values) if values.is_object() && depth < MAX_DEPTH => {
                json!({ "key": value_of(doc, values, depth + 1)? })
            }
            _ => json!({}),
        },
        None => json!({}),
        Some(other) => return Err(format!("unsupported schema type {other}")),
    })
}

/// 1 where the bounds allow it, otherwise the nearest bound.
fn pick(low: Option<f64>, high: Option<f64>) -> f64 {
    let mut v = 1.0f64;
    if let Some(low) = low {
        v = v.max(low);
    }
    if let Some(high) = high {
        v = v.min(high);
    }
    v
}
