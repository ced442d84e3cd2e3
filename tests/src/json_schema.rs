//! OpenAPI 3.0 Schema Objects → JSON Schema (draft 2020-12), for the `jsonschema` crate.
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4/5 with their own keywords. The
//! translation:
//!
//! - `nullable: true` becomes a type array (`"type": "string"` → `"type": ["string", "null"]`);
//!   an `enum` gains `null` (OpenAPI 3.0.3 says a nullable enum must list it to accept it); a
//!   nullable schema without `type` becomes `anyOf: [schema, {"type": "null"}]`.
//!   `nullable: false` (or absent) leaves the schema rejecting `null`.
//! - `$ref: "#/components/schemas/X"` becomes `$ref: "#/$defs/X"`; every component schema is
//!   converted into the `$defs` of the root schema, so references resolve inside one document.
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

use crate::document;

/// The prefix of a reference to a component schema in the OpenAPI document.
pub const COMPONENT_PREFIX: &str = "#/components/schemas/";
/// The prefix the converter rewrites component references to.
pub const DEFS_PREFIX: &str = "#/$defs/";
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
/// `#/$defs/…`: use [`root_schema`] to get a schema where they resolve.
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

/// A self-contained JSON Schema for `schema` (an OpenAPI Schema Object of `doc`): the converted
/// schema, with every component schema of `doc` under `$defs`.
pub fn root_schema(doc: &Value, schema: &Value) -> Result<Value, String> {
    let converted = convert_schema(schema)?;
    Ok(json!({
        "$schema": DIALECT,
        "$defs": Value::Object(defs(doc)?),
        "allOf": [converted],
    }))
}

/// Builds a validator for a converted (JSON Schema 2020-12) schema. Formats are annotations.
pub fn compile(json_schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::draft202012::options()
        .should_validate_formats(false)
        .build(json_schema)
        .map_err(|e| format!("invalid JSON Schema: {e}"))
}

/// A validator for an OpenAPI Schema Object of `doc`.
pub fn validator(doc: &Value, schema: &Value) -> Result<jsonschema::Validator, String> {
    compile(&root_schema(doc, schema)?)
}

/// A validator for the component schema `name` of `doc`.
pub fn component_validator(doc: &Value, name: &str) -> Result<jsonschema::Validator, String> {
    if doc
        .pointer(&format!("/components/schemas/{name}"))
        .is_none()
    {
        return Err(format!("no component schema {name:?}"));
    }
    validator(doc, &json!({ "$ref": format!("{COMPONENT_PREFIX}{name}") }))
}

/// A validator for the component schema `name` of the document under test.
///
/// # Panics
/// If the document has no such schema or it cannot be converted.
pub fn component(name: &str) -> jsonschema::Validator {
    component_validator(document::json(), name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The validation errors of `instance`, one line each (empty when it is valid).
pub fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|error| format!("at {:?}: {error}", error.instance_path().as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// A small OpenAPI document with the given component schemas.
    fn doc(schemas: Value) -> Value {
        json!({ "components": { "schemas": schemas } })
    }

    fn valid(doc: &Value, schema: &Value, instance: &Value) -> bool {
        validator(doc, schema)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_valid(instance)
    }

    #[test]
    fn nullable_string_accepts_null_and_strings() {
        let d = doc(json!({}));
        let schema = json!({ "type": "string", "nullable": true });
        assert_eq!(
            convert_schema(&schema).expect("converts"),
            json!({ "type": ["string", "null"] })
        );
        assert!(valid(&d, &schema, &Value::Null));
        assert!(valid(&d, &schema, &json!("x")));
        assert!(!valid(&d, &schema, &json!(5)));
    }

    #[test]
    fn schema_without_nullable_rejects_null() {
        let d = doc(json!({}));
        for schema in [
            json!({ "type": "string" }),
            json!({ "type": "string", "nullable": false }),
            json!({ "type": "object" }),
            json!({ "type": "integer" }),
        ] {
            assert!(!valid(&d, &schema, &Value::Null), "{schema} accepted null");
        }
    }

    #[test]
    fn nullable_property_in_an_object() {
        let d = doc(json!({
            "Body": {
                "type": "object",
                "required": ["a"],
                "properties": {
                    "a": { "type": "string" },
                    "n": { "type": "string", "nullable": true },
                    "s": { "type": "string" }
                }
            }
        }));
        let body = json!({ "$ref": "#/components/schemas/Body" });
        assert!(valid(&d, &body, &json!({ "a": "x", "n": null })));
        assert!(!valid(&d, &body, &json!({ "a": "x", "s": null })));
        assert!(!valid(&d, &body, &json!({ "a": null })));
        assert!(!valid(&d, &body, &json!({ "n": "x" })));
    }

    #[test]
    fn nullable_enum_gains_null_and_nullable_composition_becomes_any_of() {
        let d = doc(json!({ "E": { "type": "string", "enum": ["A"] } }));
        let nullable_enum = json!({ "type": "string", "enum": ["A"], "nullable": true });
        assert!(valid(&d, &nullable_enum, &Value::Null));
        assert!(valid(&d, &nullable_enum, &json!("A")));
        assert!(!valid(&d, &nullable_enum, &json!("B")));

        let composed = json!({ "allOf": [{ "$ref": "#/components/schemas/E" }], "nullable": true });
        assert!(valid(&d, &composed, &Value::Null));
        assert!(valid(&d, &composed, &json!("A")));
        assert!(!valid(&d, &composed, &json!("B")));
    }

    #[test]
    fn component_references_resolve_through_defs() {
        let d = doc(json!({
            "Outer": {
                "type": "object",
                "properties": {
                    "inner": { "$ref": "#/components/schemas/Inner" },
                    "list": { "type": "array", "items": { "$ref": "#/components/schemas/Inner" } }
                }
            },
            "Inner": { "type": "object", "required": ["k"], "properties": { "k": { "type": "integer" } } }
        }));
        let outer = component_validator(&d, "Outer").expect("compiles");
        assert!(outer.is_valid(&json!({ "inner": { "k": 1 }, "list": [{ "k": 2 }] })));
        assert!(!outer.is_valid(&json!({ "inner": { "k": "1" } })));
        assert!(!outer.is_valid(&json!({ "list": [{}] })));
        assert!(component_validator(&d, "Missing").is_err());
    }

    #[test]
    fn openapi_only_keywords_are_dropped_and_property_names_kept() {
        let schema = json!({
            "type": "object",
            "example": { "example": "x" },
            "x-extension": true,
            "externalDocs": { "url": "https://example.invalid" },
            "properties": {
                "example": { "type": "string", "example": "e", "x-a": 1 },
                "nullable": { "type": "string" },
                "x-not-an-extension": { "type": "integer" }
            }
        });
        assert_eq!(
            convert_schema(&schema).expect("converts"),
            json!({
                "type": "object",
                "properties": {
                    "example": { "type": "string" },
                    "nullable": { "type": "string" },
                    "x-not-an-extension": { "type": "integer" }
                }
            })
        );
    }

    #[test]
    fn integer_formats_become_bounds_and_binary_is_dropped() {
        let d = doc(json!({}));
        let int32 = json!({ "type": "integer", "format": "int32", "minimum": 1 });
        assert_eq!(
            convert_schema(&int32).expect("converts"),
            json!({ "type": "integer", "minimum": 1, "maximum": i32::MAX })
        );
        assert!(valid(&d, &int32, &json!(i32::MAX)));
        assert!(!valid(&d, &int32, &json!(i64::from(i32::MAX) + 1)));
        assert!(!valid(&d, &int32, &json!(0)));
        let tighter = json!({ "type": "integer", "format": "int32", "maximum": 100 });
        assert!(!valid(&d, &tighter, &json!(101)));

        let binary = json!({ "type": "string", "format": "binary" });
        assert_eq!(
            convert_schema(&binary).expect("converts"),
            json!({ "type": "string" })
        );
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        let schema = json!({ "type": "integer", "minimum": 0, "exclusiveMinimum": true });
        assert_eq!(
            convert_schema(&schema).expect("converts"),
            json!({ "type": "integer", "exclusiveMinimum": 0 })
        );
        let d = doc(json!({}));
        assert!(!valid(&d, &schema, &json!(0)));
        assert!(valid(&d, &schema, &json!(1)));
    }

    #[test]
    fn unknown_keywords_and_foreign_references_are_errors() {
        assert!(convert_schema(&json!({ "type": "string", "const": "x" })).is_err());
        assert!(convert_schema(&json!({ "$ref": "other.json#/X" })).is_err());
        assert!(convert_schema(&json!({ "$ref": "#/components/responses/X" })).is_err());
        assert!(convert_schema(&json!({ "type": ["string", "null"], "nullable": true })).is_err());
    }
}
