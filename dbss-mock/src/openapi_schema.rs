//! OpenAPI 3.0 Schema Objects → JSON Schema (draft 2020-12), for the `jsonschema` crate.
//!
//! Public because it is shared: the mock validates requests with it, and the contract tests
//! (`tests/src/json_schema.rs`) validate the client's output and the document's examples with
//! the very same translation.
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4/5 with their own keywords. The
//! translation:
//!
//! - `nullable: true` becomes a type array (`"type": "string"` → `"type": ["string", "null"]`);
//!   an `enum` gains `null` (OpenAPI 3.0.3 says a nullable enum must list it to accept it); a
//!   nullable schema without `type` becomes `anyOf: [schema, {"type": "null"}]`.
//!   `nullable: false` (or absent) leaves the schema rejecting `null`.
//! - `$ref: "#/components/schemas/X"` becomes `$ref: "urn:dbss-rs:openapi:components#/$defs/X"`
//!   ([`DEFS_PREFIX`]); every component schema is converted into the `$defs` of one resource
//!   with that `$id` ([`components_resource`]), which a validator's [`registry`] holds (or a
//!   self-contained root schema carries), so references resolve without copying the document.
//!   As in OpenAPI 3.0, the siblings of a `$ref` are ignored. Any other reference is an error.
//! - OpenAPI-only keywords are dropped: `example`, `externalDocs`, `xml`, `discriminator`, and
//!   every `x-*` extension.
//! - `format` is dropped after translation: `int32` and `int64` become `minimum`/`maximum`
//!   bounds (tightening, never loosening, bounds already there); `binary` (a byte stream, not
//!   JSON) and the other formats are annotations only.
//! - Boolean `exclusiveMinimum`/`exclusiveMaximum` (draft 4 style) become the numeric
//!   2020-12 form.
//!
//! Keywords are translated structurally: the keys of `properties` are property *names* and are
//! never mistaken for keywords (a property called `example` or `nullable` survives). Any keyword
//! the converter does not know is an error, so that a document using one fails loudly instead of
//! being validated loosely.

use serde_json::{Map, Value, json};

/// The prefix of a reference to a component schema in the OpenAPI document.
pub const COMPONENT_PREFIX: &str = "#/components/schemas/";
/// The `$id` of the resource that holds every component schema under `$defs`
/// ([`components_resource`]): one resource that every validator's registry shares, so that
/// building a validator neither copies nor checks all the components again.
pub const COMPONENTS_URI: &str = "urn:dbss-rs:openapi:components";
/// The prefix the converter rewrites component references to: absolute, so that a reference
/// means the same in the components resource, in a schema validated with its registry
/// ([`registry`]) and in a self-contained schema whose `$id` is [`COMPONENTS_URI`].
pub const DEFS_PREFIX: &str = "urn:dbss-rs:openapi:components#/$defs/";
/// The dialect of the produced schemas.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Keywords that mean the same in OpenAPI 3.0 and JSON Schema 2020-12 and are copied as they
/// are (their values hold no subschema).
const COPIED: &[&str] = &[
    "type",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "required",
    "title",
    "description",
    "default",
    "readOnly",
    "writeOnly",
    "deprecated",
];

/// OpenAPI-only keywords that carry no constraint.
const DROPPED: &[&str] = &["example", "externalDocs", "xml", "discriminator"];

/// Converts one OpenAPI 3.0 Schema Object. References to component schemas are rewritten to
/// [`DEFS_PREFIX`]`…`: build the validator with the document's [`registry`] (or put [`defs`]
/// under `$defs` of a root schema whose `$id` is [`COMPONENTS_URI`]) to resolve them.
pub fn convert_schema(schema: &Value) -> Result<Value, String> {
    convert_at(schema, "")
}

fn convert_at(schema: &Value, at: &str) -> Result<Value, String> {
    let object = match schema {
        Value::Object(object) => object,
        Value::Bool(_) => return Ok(schema.clone()),
        other => return Err(format!("{at}: a schema must be an object, found {other}")),
    };

    if let Some(reference) = object.get("$ref") {
        let reference = reference
            .as_str()
            .ok_or_else(|| format!("{at}/$ref: not a string"))?;
        let name = reference
            .strip_prefix(COMPONENT_PREFIX)
            .ok_or_else(|| format!("{at}/$ref: unsupported reference {reference:?}"))?;
        return Ok(json!({ "$ref": format!("{DEFS_PREFIX}{name}") }));
    }

    let mut out = Map::new();
    let mut nullable = false;
    let mut format = None;
    let mut exclusive_minimum = false;
    let mut exclusive_maximum = false;
    for (key, value) in object {
        let here = format!("{at}/{key}");
        match key.as_str() {
            "nullable" => {
                nullable = value
                    .as_bool()
                    .ok_or_else(|| format!("{here}: not a boolean"))?;
            }
            "format" => {
                format = Some(
                    value
                        .as_str()
                        .ok_or_else(|| format!("{here}: not a string"))?
                        .to_owned(),
                );
            }
            "exclusiveMinimum" => {
                exclusive_minimum = value
                    .as_bool()
                    .ok_or_else(|| format!("{here}: OpenAPI 3.0 wants a boolean"))?;
            }
            "exclusiveMaximum" => {
                exclusive_maximum = value
                    .as_bool()
                    .ok_or_else(|| format!("{here}: OpenAPI 3.0 wants a boolean"))?;
            }
            "properties" => {
                let properties = value
                    .as_object()
                    .ok_or_else(|| format!("{here}: not an object"))?;
                let mut converted = Map::new();
                for (name, property) in properties {
                    converted.insert(
                        name.clone(),
                        convert_at(property, &format!("{here}/{name}"))?,
                    );
                }
                out.insert(key.clone(), Value::Object(converted));
            }
            "items" | "not" => {
                out.insert(key.clone(), convert_at(value, &here)?);
            }
            "additionalProperties" => {
                out.insert(key.clone(), convert_at(value, &here)?);
            }
            "allOf" | "anyOf" | "oneOf" => {
                let alternatives = value
                    .as_array()
                    .ok_or_else(|| format!("{here}: not an array"))?;
                let converted = alternatives
                    .iter()
                    .enumerate()
                    .map(|(index, alternative)| convert_at(alternative, &format!("{here}/{index}")))
                    .collect::<Result<Vec<_>, _>>()?;
                out.insert(key.clone(), Value::Array(converted));
            }
            _ if key.starts_with("x-") => {}
            _ if DROPPED.contains(&key.as_str()) => {}
            _ if COPIED.contains(&key.as_str()) => {
                out.insert(key.clone(), value.clone());
            }
            _ => return Err(format!("{here}: unsupported keyword {key:?}")),
        }
    }

    match format.as_deref() {
        Some("int32") => bound(&mut out, i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") => bound(&mut out, i64::MIN, i64::MAX),
        _ => {}
    }
    if exclusive_minimum {
        let minimum = out
            .remove("minimum")
            .ok_or_else(|| format!("{at}: exclusiveMinimum without minimum"))?;
        out.insert("exclusiveMinimum".into(), minimum);
    }
    if exclusive_maximum {
        let maximum = out
            .remove("maximum")
            .ok_or_else(|| format!("{at}: exclusiveMaximum without maximum"))?;
        out.insert("exclusiveMaximum".into(), maximum);
    }

    if !nullable {
        return Ok(Value::Object(out));
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match out.get("type").cloned() {
        Some(Value::String(single)) => {
            out.insert("type".into(), json!([single, "null"]));
            Ok(Value::Object(out))
        }
        Some(other) => Err(format!(
            "{at}/type: OpenAPI 3.0 wants a string, found {other}"
        )),
        None if out.contains_key("enum") => Ok(Value::Object(out)),
        None => Ok(json!({ "anyOf": [Value::Object(out), { "type": "null" }] })),
    }
}

/// Tightens `minimum`/`maximum` to `[low, high]`.
fn bound(out: &mut Map<String, Value>, low: i64, high: i64) {
    let minimum = out
        .get("minimum")
        .and_then(Value::as_i64)
        .map_or(low, |m| m.max(low));
    let maximum = out
        .get("maximum")
        .and_then(Value::as_i64)
        .map_or(high, |m| m.min(high));
    out.insert("minimum".into(), json!(minimum));
    out.insert("maximum".into(), json!(maximum));
}

/// Every component schema of `doc`, converted, as one resource: `$defs` under the `$id`
/// [`COMPONENTS_URI`], checked against the JSON Schema 2020-12 meta-schema.
pub fn components_resource(doc: &Value) -> Result<Value, String> {
    let resource = json!({
        "$schema": DIALECT,
        "$id": COMPONENTS_URI,
        "$defs": Value::Object(defs(doc)?),
    });
    jsonschema::meta::validate(&resource)
        .map_err(|e| format!("the converted component schemas are not JSON Schema: {e}"))?;
    Ok(resource)
}

/// A registry holding [`components_resource`] of `doc`, for validators built `with_registry`
/// from the converted schemas of `doc`.
pub fn registry(doc: &Value) -> Result<jsonschema::Registry<'static>, String> {
    jsonschema::Registry::new()
        .add(COMPONENTS_URI, components_resource(doc)?)
        .and_then(jsonschema::RegistryBuilder::prepare)
        .map_err(|e| format!("the component schemas cannot be registered: {e}"))
}

/// Every component schema of `doc`, converted, keyed by name (the `$defs` of a root schema).
pub fn defs(doc: &Value) -> Result<Map<String, Value>, String> {
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("the document has no components.schemas")?;
    schemas
        .iter()
        .map(|(name, schema)| {
            convert_at(schema, &format!("/components/schemas/{name}")).map(|s| (name.clone(), s))
        })
        .collect()
}
