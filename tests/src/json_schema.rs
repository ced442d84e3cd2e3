//! OpenAPI 3.0 Schema Objects → JSON Schema (draft 2020-12), for the `jsonschema` crate.
//!
//! The translation itself is `dbss_mock::openapi_schema` (documented there), shared with the
//! mock so that the mock validates requests exactly as these tests validate the client's output
//! and the document's examples; this module adds the validators the tests use. Its unit tests
//! pin the translation's rules.

use serde_json::{Value, json};

use std::sync::LazyLock;

pub use dbss_mock::openapi_schema::{
    COMPONENT_PREFIX, COMPONENTS_URI, DEFS_PREFIX, DIALECT, convert_schema, defs, registry,
};

use crate::document;

/// A self-contained JSON Schema for `schema` (an OpenAPI Schema Object of `doc`): the converted
/// schema, with every component schema of `doc` under `$defs` and the `$id` that the converted
/// (absolute) references name.
pub fn root_schema(doc: &Value, schema: &Value) -> Result<Value, String> {
    let converted = convert_schema(schema)?;
    Ok(json!({
        "$schema": DIALECT,
        "$id": COMPONENTS_URI,
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
///
/// For the document under test ([`document::json`]) the component schemas are registered once
/// per process and shared by every validator: a self-contained schema copies all of them into
/// each validator and checks them against the meta-schema each time (seconds in a debug build
/// for the tests that validate the answer of every operation).
pub fn validator(doc: &Value, schema: &Value) -> Result<jsonschema::Validator, String> {
    static DOCUMENT_REGISTRY: LazyLock<Result<jsonschema::Registry<'static>, String>> =
        LazyLock::new(|| registry(document::json()));
    if !std::ptr::eq(doc, document::json()) {
        return compile(&root_schema(doc, schema)?);
    }
    let registry = DOCUMENT_REGISTRY.as_ref().map_err(Clone::clone)?;
    jsonschema::draft202012::options()
        .should_validate_formats(false)
        .with_registry(registry)
        .build(&json!({ "$schema": DIALECT, "allOf": [convert_schema(schema)?] }))
        .map_err(|e| format!("invalid JSON Schema: {e}"))
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
