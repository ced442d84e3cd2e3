//! The OpenAPI document under test.

use std::sync::OnceLock;

use serde_json::Value;

/// The text of `openapi/dbss.json`, embedded so that a change to the document rebuilds the tests.
pub const DOCUMENT: &str = include_str!("../../openapi/dbss.json");

/// The document as untyped JSON, parsed once.
pub fn json() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| serde_json::from_str(DOCUMENT).expect("openapi/dbss.json is JSON"))
}

/// Looks up a local reference (`#/components/schemas/X`, or any JSON pointer behind `#`).
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// Follows `$ref`s (local ones) until a non-reference object is reached.
pub fn deref<'a>(doc: &'a Value, mut value: &'a Value) -> Option<&'a Value> {
    for _ in 0..32 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => value = resolve(doc, reference)?,
            None => return Some(value),
        }
    }
    None
}

/// The names of the component schemas, in document order.
pub fn component_schema_names(doc: &Value) -> Vec<String> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default()
}

/// Every `$ref` string in `value`, with the JSON pointer of the object that holds it.
pub fn all_refs(value: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                    if key == "$ref" {
                        if let Some(reference) = child.as_str() {
                            out.push((at.to_owned(), reference.to_owned()));
                        }
                    } else {
                        walk(child, &here, out);
                    }
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    walk(child, &format!("{at}/{index}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}
