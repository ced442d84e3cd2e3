//! Request validation against `openapi/dbss.json`.
//!
//! The document is embedded at build time and compiled once per process: for each operation,
//! one JSON Schema validator per path and query parameter (from its `parameters`, following
//! `#/components/parameters/...`) and one for the JSON request body. Nothing about the API's
//! shape is restated here, so a change to the document changes what the mock accepts.
//!
//! A query value arrives as a string; it is read as the type its schema gives (see [`Form`])
//! before the schema is checked, as any HTTP server reading a query string does, so
//! `offset=0` is the integer 0 for an `integer` parameter and then meets its `minimum`.
//!
//! A violation becomes a 400 with [`codes::INVALID_PARAMETER`](crate::codes::INVALID_PARAMETER)
//! whose `error_msg` names the field and the rule (`template_id is required`,
//! `project_id must be at least 32 characters long`, `size must be <= 100`); when there are
//! several, `details` lists each one.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::codes;
use crate::error::ApiError;
use crate::ops::Operation;

/// The OpenAPI document the mock serves: `openapi/dbss.json`, copied byte for byte into this
/// crate by `cargo xtask generate` (and checked by `generate --check`), so that the published
/// crate holds it.
pub(crate) const DOCUMENT: &str = include_str!("../../openapi/dbss.json");

/// The parsed document.
#[cfg(test)]
pub(crate) fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("the embedded OpenAPI document is JSON")
}

/// Where a parameter is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum In {
    Path,
    Query,
}

struct Param {
    name: String,
    location: In,
    required: bool,
    /// How the value is read from its string form (path parameters: always a string).
    form: Form,
    validator: Validator,
}

/// How a query parameter's value is read from the string(s) of the query, from its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Form {
    /// As it is (`type: string`, or no type the mock can read a value as).
    String,
    /// `type: integer`: a decimal integer (`"0"` → 0); `1e3` is the number 1000.
    Integer,
    /// `type: number`: a decimal number.
    Number,
    /// `type: boolean`: `true` or `false`, as JSON spells them.
    Boolean,
    /// `type: array`: each value read as `items`. With OpenAPI's default serialisation of a
    /// query parameter (`style: form`, `explode: true`) each item is a pair of its own,
    /// `name=a&name=b`, which is how huaweicloudsdkcore sends a list (its `multi` collection
    /// format); with `explode: false` the items are one value separated by `separator`.
    Array {
        items: Box<Form>,
        separator: Option<char>,
    },
}

/// A value that is not of the type stays a string, so that the schema's `type` rule refuses
/// it (`offset must be of type integer`) in the same words as a body's.
fn read_scalar(form: &Form, text: &str) -> Value {
    let parsed = match form {
        Form::Integer | Form::Number => read_number(text).map(Value::Number),
        Form::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Form::String | Form::Array { .. } => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// A decimal number: an integer as it is (any `i64` or `u64`), otherwise a finite float in
/// plain or exponent notation (`1.5`, `1e3`, an integer beyond `u64`: the schema's bounds
/// then refuse it). No hexadecimal, no `inf` or `NaN`, no surrounding space.
fn read_number(text: &str) -> Option<serde_json::Number> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(n.into());
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(n.into());
    }
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if !plain {
        return None;
    }
    let float = text.parse::<f64>().ok()?;
    // A float that is a whole number is an integer to JSON Schema (`1e3`, `1.0`).
    serde_json::Number::from_f64(float)
}

/// The [`Form`] of a query parameter: its schema's `type` (following `$ref`s to component
/// schemas, and `allOf`/`anyOf`/`oneOf` whose alternatives agree), its `style` and `explode`.
fn form_of(doc: &Value, param: &Value, name: &str) -> Result<Form, String> {
    let schema = param
        .get("schema")
        .ok_or_else(|| format!("parameter {name} has no schema"))?;
    let style = param.get("style").and_then(Value::as_str).unwrap_or("form");
    // OpenAPI 3.0: `explode` defaults to true for style form, false otherwise.
    let explode = param
        .get("explode")
        .and_then(Value::as_bool)
        .unwrap_or(style == "form");
    match schema_form(doc, schema, 0)? {
        Form::Array { items, .. } => {
            if matches!(*items, Form::Array { .. }) {
                return Err(format!("parameter {name}: an array of arrays in a query"));
            }
            let separator = match (style, explode) {
                ("form", true) => None,
                ("form", false) => Some(','),
                ("spaceDelimited", false) => Some(' '),
                ("pipeDelimited", false) => Some('|'),
                _ => {
                    return Err(format!(
                        "parameter {name}: style {style} with explode {explode} is not supported"
                    ));
                }
            };
            Ok(Form::Array { items, separator })
        }
        scalar if style == "form" => Ok(scalar),
        _ => Err(format!(
            "parameter {name}: style {style} is not supported for a scalar"
        )),
    }
}

fn schema_form(doc: &Value, schema: &Value, depth: usize) -> Result<Form, String> {
    if depth > 32 {
        return Err("a cycle of schema references".to_owned());
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix(crate::openapi_schema::COMPONENT_PREFIX)
            .ok_or_else(|| format!("unsupported reference {reference:?}"))?;
        let target = doc
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| format!("dangling reference {reference:?}"))?;
        return schema_form(doc, target, depth + 1);
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => return Ok(Form::Integer),
        Some("number") => return Ok(Form::Number),
        Some("boolean") => return Ok(Form::Boolean),
        Some("array") => {
            let items = match schema.get("items") {
                Some(items) => schema_form(doc, items, depth + 1)?,
                None => Form::String,
            };
            return Ok(Form::Array {
                items: Box::new(items),
                separator: None,
            });
        }
        Some(_) => return Ok(Form::String),
        None => {}
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        let Some(alternatives) = schema.get(combinator).and_then(Value::as_array) else {
            continue;
        };
        let forms = alternatives
            .iter()
            .map(|alternative| schema_form(doc, alternative, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        // Alternatives of different types leave the value a string (which the schema then
        // judges); one type among them all is the type.
        if let Some(first) = forms.first()
            && forms.iter().all(|f| f == first)
        {
            return Ok(first.clone());
        }
        return Ok(Form::String);
    }
    Ok(Form::String)
}

/// The compiled constraints of one operation.
pub(crate) struct OperationSchemas {
    params: Vec<Param>,
    body: Option<Validator>,
    body_required: bool,
}

/// The compiled constraints of all operations, indexed by [`Operation::index`].
pub(crate) struct Schemas {
    doc: Value,
    /// Every component schema, shared by the validators.
    registry: jsonschema::Registry<'static>,
    /// Compiled on the first request of each operation: compiling all 173 at start would cost
    /// every process that starts a mock seconds (a unit test compiles them all).
    ops: Vec<OnceLock<Result<OperationSchemas, String>>>,
}

impl std::fmt::Debug for Schemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schemas").finish_non_exhaustive()
    }
}

static SCHEMAS: LazyLock<Result<Schemas, String>> = LazyLock::new(compile_document);

/// The compiled schemas (compiled on first use, shared by every server of the process).
pub(crate) fn schemas() -> Result<&'static Schemas, crate::Error> {
    SCHEMAS
        .as_ref()
        .map_err(|e| crate::Error::Schema(e.clone()))
}

impl Schemas {
    pub(crate) fn operation(&self, op: Operation) -> Result<&OperationSchemas, ApiError> {
        self.ops[op.index()]
            .get_or_init(|| compile_operation(&self.doc, &self.registry, op))
            .as_ref()
            .map_err(|e| {
                ApiError::new(
                    http::StatusCode::INTERNAL_SERVER_ERROR,
                    codes::INTERNAL_ERROR,
                    format!("the mock cannot read the document: {e}"),
                )
            })
    }
}

fn compile_document() -> Result<Schemas, String> {
    let doc: Value =
        serde_json::from_str(DOCUMENT).map_err(|e| format!("the document is not JSON: {e}"))?;
    let registry = crate::openapi_schema::registry(&doc)?;
    let ops = Operation::ALL.iter().map(|_| OnceLock::new()).collect();
    Ok(Schemas { doc, registry, ops })
}

fn compile_schema(
    registry: &jsonschema::Registry<'static>,
    schema: &Value,
    at: &str,
) -> Result<Validator, String> {
    let root = json!({
        "$schema": crate::openapi_schema::DIALECT,
        "allOf": [crate::openapi_schema::convert_schema(schema).map_err(|e| format!("{at}{e}"))?],
    });
    jsonschema::draft202012::options()
        .should_validate_formats(false)
        .with_registry(registry)
        .build(&root)
        .map_err(|e| format!("{at}: {e}"))
}

fn compile_operation(
    doc: &Value,
    registry: &jsonschema::Registry<'static>,
    op: Operation,
) -> Result<OperationSchemas, String> {
    let compile = |schema: &Value, at: &str| compile_schema(registry, schema, at);

    {
        let path_item = doc
            .get("paths")
            .and_then(|p| p.get(op.path_template()))
            .ok_or_else(|| format!("no path {} in the document", op.path_template()))?;
        let method = op.method().to_ascii_lowercase();
        let operation = path_item
            .get(&method)
            .ok_or_else(|| format!("no {method} {} in the document", op.path_template()))?;

        let mut params = Vec::new();
        let declared = path_item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .chain(operation.get("parameters").and_then(Value::as_array))
            .flatten();
        for param in declared {
            let param = resolve_parameter(doc, param)?;
            let name = param
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{op}: a parameter without a name"))?;
            let location = match param.get("in").and_then(Value::as_str) {
                Some("path") => In::Path,
                Some("query") => In::Query,
                // Headers (X-Auth-Token) are the authentication layer's business.
                _ => continue,
            };
            let schema = param
                .get("schema")
                .ok_or_else(|| format!("{op}: parameter {name} has no schema"))?;
            let form = match location {
                // Path values are strings in this document; a path parameter typed otherwise
                // would be refused loudly by its schema, not read loosely.
                In::Path => Form::String,
                In::Query => form_of(doc, param, name).map_err(|e| format!("{op}: {e}"))?,
            };
            params.push(Param {
                name: name.to_owned(),
                location,
                required: param.get("required").and_then(Value::as_bool) == Some(true)
                    || location == In::Path,
                form,
                validator: compile(schema, &format!("{op}: parameter {name}: "))?,
            });
        }

        let (body, body_required) = match operation.get("requestBody") {
            Some(request_body) => {
                let schema = request_body
                    .pointer("/content/application~1json/schema")
                    .ok_or_else(|| {
                        format!("{op}: requestBody without an application/json schema")
                    })?;
                (
                    Some(compile(schema, &format!("{op}: request body: "))?),
                    request_body.get("required").and_then(Value::as_bool) == Some(true),
                )
            }
            None => (None, false),
        };
        Ok(OperationSchemas {
            params,
            body,
            body_required,
        })
    }
}

/// Follows `{"$ref": "#/components/parameters/NAME"}`.
fn resolve_parameter<'a>(doc: &'a Value, param: &'a Value) -> Result<&'a Value, String> {
    match param.get("$ref").and_then(Value::as_str) {
        None => Ok(param),
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/parameters/")
                .ok_or_else(|| format!("unsupported parameter reference {reference:?}"))?;
            doc.pointer(&format!("/components/parameters/{name}"))
                .ok_or_else(|| format!("dangling parameter reference {reference:?}"))
        }
    }
}

/// Splits a raw query into percent-decoded pairs, reading it as the gateway does: `&`
/// separates pairs, the first `=` separates key and value, and `+` is a space (the official
/// SDK form-encodes its queries; a plus sign arrives as `%2B`).
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

impl OperationSchemas {
    /// Checks the path parameters (decoded, by name) and the query pairs, each query value
    /// read as its schema types it ([`Form`]). A scalar query parameter given twice is
    /// refused: which value the service would use is not documented; an array parameter is
    /// given once per item (unless its items are separated within one value).
    pub(crate) fn check_params(
        &self,
        path: &[(String, String)],
        query: &[(String, String)],
    ) -> Result<(), ApiError> {
        let mut violations = Vec::new();
        for param in &self.params {
            let source = match param.location {
                In::Path => path,
                In::Query => query,
            };
            let mut values = source
                .iter()
                .filter(|(k, _)| *k == param.name)
                .map(|(_, v)| v.as_str());
            let Some(first) = values.next() else {
                if param.required {
                    violations.push(format!("{} is required", param.name));
                }
                continue;
            };
            let instance = match &param.form {
                Form::Array {
                    items,
                    separator: None,
                } => Value::Array(
                    std::iter::once(first)
                        .chain(values)
                        .map(|text| read_scalar(items, text))
                        .collect(),
                ),
                form => {
                    if values.next().is_some() {
                        violations.push(format!("{} must not be given more than once", param.name));
                        continue;
                    }
                    match form {
                        Form::Array {
                            items,
                            separator: Some(separator),
                        } => Value::Array(
                            first
                                .split(*separator)
                                .map(|text| read_scalar(items, text))
                                .collect(),
                        ),
                        scalar => read_scalar(scalar, first),
                    }
                }
            };
            violations.extend(param.validator.iter_errors(&instance).map(|error| {
                // An item of an array: `risk_levels[1] must be one of ...`.
                let at = error.instance_path().as_str();
                if at.is_empty() {
                    describe(&param.name, &error)
                } else {
                    let at = at.trim_start_matches('/').replace('/', "][");
                    describe(&format!("{}[{at}]", param.name), &error)
                }
            }));
        }
        into_result(violations)
    }

    /// Parses and checks a JSON request body. Returns the parsed body (`Value::Null` when the
    /// operation takes none).
    pub(crate) fn check_body(&self, body: &[u8]) -> Result<Value, ApiError> {
        let Some(validator) = &self.body else {
            return Ok(Value::Null);
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            return if self.body_required {
                Err(ApiError::invalid("request body is required"))
            } else {
                Ok(Value::Null)
            };
        }
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::invalid(format!("request body is not valid JSON: {e}")))?;
        let violations = validator
            .iter_errors(&value)
            .map(|error| {
                let at = error.instance_path().as_str();
                let field = if at.is_empty() {
                    Cow::Borrowed("request body")
                } else {
                    Cow::Owned(at.trim_start_matches('/').replace('/', "."))
                };
                describe(&field, &error)
            })
            .collect();
        into_result(violations)?;
        Ok(value)
    }
}

fn into_result(mut violations: Vec<String>) -> Result<(), ApiError> {
    // Schema keywords can report the same thing twice (allOf + $ref); keep each message once.
    violations.dedup();
    let Some(first) = violations.first() else {
        return Ok(());
    };
    let mut error = ApiError::invalid(first.clone());
    if violations.len() > 1 {
        error.details = violations
            .into_iter()
            .map(|msg| (codes::INVALID_PARAMETER.to_owned(), msg))
            .collect();
    }
    Err(error)
}

/// `<field> <rule>`, e.g. `size must be <= 100`. For `required` the field is the missing
/// property (under `field` unless that is the body itself).
fn describe(field: &str, error: &ValidationError<'_>) -> String {
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let property = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            if field == "request body" {
                format!("{property} is required")
            } else {
                format!("{field}.{property} is required")
            }
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("{field} must be of type {expected}")
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("{field} must be at least {limit} characters long")
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("{field} must be at most {limit} characters long")
        }
        ValidationErrorKind::Minimum { limit } => format!("{field} must be >= {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("{field} must be <= {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("{field} must be > {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("{field} must be < {limit}"),
        ValidationErrorKind::Enum { options } => format!("{field} must be one of {options}"),
        ValidationErrorKind::Pattern { pattern } => {
            format!("{field} must match the pattern {pattern}")
        }
        // Anything else: the library's wording, with the request's value masked (it may be
        // long, and it is the client's own input anyway).
        _ => format!("{field}: {}", error.masked_with(field)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const P: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn the_document_compiles() {
        let schemas = schemas().unwrap();
        assert_eq!(schemas.ops.len(), Operation::ALL.len());
        for op in Operation::ALL {
            if let Err(e) = schemas.operation(op) {
                panic!("{op}: {e:?}");
            }
        }
        // CreateReport: project_id + instance_id (X-Auth-Token is a header), a required body.
        let create = schemas.operation(Operation::CreateReport).unwrap();
        assert_eq!(create.params.len(), 2);
        assert!(create.body.is_some() && create.body_required);
        assert!(
            schemas
                .operation(Operation::ListAuditInstancesLast)
                .unwrap()
                .body
                .is_none()
        );
    }

    #[test]
    fn path_and_query_rules_come_from_the_document() {
        let download = schemas()
            .unwrap()
            .operation(Operation::DownloadAuditReport)
            .unwrap();
        let path = pairs(&[
            ("project_id", P),
            ("instance_id", P),
            ("id", "Hx9QLJgBTpKZyZbbhTgS"),
        ]);
        download.check_params(&path, &[]).unwrap();
        download
            .check_params(&path, &pairs(&[("local", "zh-cn")]))
            .unwrap();
        let e = download
            .check_params(&path, &pairs(&[("local", "fr-fr")]))
            .unwrap_err();
        assert_eq!(e.msg, r#"local must be one of ["en-us","zh-cn"]"#);
        let short = pairs(&[("project_id", "short"), ("instance_id", P), ("id", "x")]);
        let e = download.check_params(&short, &[]).unwrap_err();
        assert_eq!(e.msg, "project_id must be at least 32 characters long");
        assert_eq!(e.details.len(), 2, "{:?}", e.details);
        assert_eq!(e.details[1].1, "id must be at least 16 characters long");

        let instances = schemas()
            .unwrap()
            .operation(Operation::ListAuditInstancesLast)
            .unwrap();
        let path = pairs(&[("project_id", P)]);
        instances
            .check_params(&path, &pairs(&[("offset", "0"), ("limit", "1000")]))
            .unwrap();
        for bad in ["0", "1001", "-1", "ten"] {
            let e = instances
                .check_params(&path, &pairs(&[("limit", bad)]))
                .unwrap_err();
            assert!(
                e.msg.starts_with("limit must match the pattern"),
                "{}",
                e.msg
            );
        }
        let e = instances
            .check_params(&path, &pairs(&[("limit", "1"), ("limit", "2")]))
            .unwrap_err();
        assert_eq!(e.msg, "limit must not be given more than once");
    }

    #[test]
    fn query_values_are_read_as_their_schema_types() {
        let forms = |op: Operation| -> Vec<(String, Form)> {
            schemas()
                .unwrap()
                .operation(op)
                .unwrap()
                .params
                .iter()
                .filter(|p| p.location == In::Query)
                .map(|p| (p.name.clone(), p.form.clone()))
                .collect()
        };
        let named = |items: &[(&str, Form)]| -> Vec<(String, Form)> {
            items
                .iter()
                .map(|(n, f)| ((*n).to_owned(), f.clone()))
                .collect()
        };
        assert_eq!(
            forms(Operation::ListWhitelists),
            named(&[("offset", Form::Integer), ("limit", Form::Integer)])
        );
        assert_eq!(
            forms(Operation::ListAuditRuleRisksNew),
            named(&[
                ("name", Form::String),
                ("risk_levels", Form::String),
                ("support_db_classify_rule", Form::Boolean),
                ("offset", Form::String),
                ("limit", Form::String),
            ])
        );
        // Through a $ref to a component schema.
        assert_eq!(
            forms(Operation::DownloadAuditReport),
            named(&[("local", Form::String)])
        );

        for (text, read) in [
            ("0", json!(0)),
            ("-3", json!(-3)),
            ("+7", json!(7)),
            ("18446744073709551615", json!(u64::MAX)),
            ("1e3", json!(1000.0)),
            ("1.5", json!(1.5)),
            ("abc", json!("abc")),
            ("", json!("")),
            ("0x10", json!("0x10")),
            ("inf", json!("inf")),
            ("NaN", json!("NaN")),
            (" 1", json!(" 1")),
        ] {
            assert_eq!(read_scalar(&Form::Integer, text), read, "{text:?}");
        }
        assert_eq!(read_scalar(&Form::Boolean, "true"), json!(true));
        assert_eq!(read_scalar(&Form::Boolean, "false"), json!(false));
        assert_eq!(read_scalar(&Form::Boolean, "True"), json!("True"));
        assert_eq!(read_scalar(&Form::String, "0"), json!("0"));

        let whitelists = schemas()
            .unwrap()
            .operation(Operation::ListWhitelists)
            .unwrap();
        let path = pairs(&[("project_id", P), ("instance_id", P)]);
        whitelists
            .check_params(&path, &pairs(&[("offset", "0"), ("limit", "100")]))
            .unwrap();
        for (query, message) in [
            (("offset", "abc"), "offset must be of type integer"),
            (("offset", "-1"), "offset must be >= 0"),
            (("limit", "9"), "limit must be >= 10"),
            (("limit", "101"), "limit must be <= 100"),
        ] {
            let e = whitelists
                .check_params(&path, &pairs(&[query]))
                .unwrap_err();
            assert_eq!(e.msg, message);
        }
    }

    /// A query-only operation of a made-up document.
    fn query_schemas(doc: &Value) -> OperationSchemas {
        let registry = crate::openapi_schema::registry(doc).unwrap();
        let params = doc["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let name = p["name"].as_str().unwrap();
                Param {
                    name: name.to_owned(),
                    location: In::Query,
                    required: false,
                    form: form_of(doc, p, name).unwrap(),
                    validator: compile_schema(&registry, &p["schema"], name).unwrap(),
                }
            })
            .collect();
        OperationSchemas {
            params,
            body: None,
            body_required: false,
        }
    }

    #[test]
    fn array_query_parameters_are_read_item_by_item() {
        let doc = json!({
            "components": {"schemas": {
                "Level": {"type": "string", "enum": ["LOW", "HIGH"]},
                "Count": {"type": "integer", "minimum": 1},
            }},
            "parameters": [
                {"name": "levels", "in": "query",
                 "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Level"}}},
                {"name": "sizes", "in": "query", "explode": false,
                 "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Count"}}},
                {"name": "flags", "in": "query",
                 "schema": {"type": "array", "items": {"type": "boolean"}, "maxItems": 2}},
                {"name": "count", "in": "query",
                 "schema": {"allOf": [{"$ref": "#/components/schemas/Count"}]}},
            ],
        });
        let op = query_schemas(&doc);
        assert_eq!(
            op.params.iter().map(|p| p.form.clone()).collect::<Vec<_>>(),
            [
                Form::Array {
                    items: Box::new(Form::String),
                    separator: None
                },
                Form::Array {
                    items: Box::new(Form::Integer),
                    separator: Some(',')
                },
                Form::Array {
                    items: Box::new(Form::Boolean),
                    separator: None
                },
                Form::Integer,
            ]
        );
        // Repeated pairs, as huaweicloudsdkcore sends a list; once is a list of one.
        op.check_params(
            &[],
            &pairs(&[
                ("levels", "LOW"),
                ("levels", "HIGH"),
                ("sizes", "1,2,3"),
                ("flags", "true"),
                ("flags", "false"),
                ("count", "4"),
            ]),
        )
        .unwrap();
        op.check_params(&[], &pairs(&[("levels", "HIGH")])).unwrap();
        for (query, message) in [
            (
                pairs(&[("levels", "LOW"), ("levels", "MEDIUM")]),
                r#"levels[1] must be one of ["LOW","HIGH"]"#,
            ),
            (
                pairs(&[("sizes", "1,x")]),
                "sizes[1] must be of type integer",
            ),
            (pairs(&[("sizes", "1,0")]), "sizes[1] must be >= 1"),
            (
                pairs(&[("sizes", "1"), ("sizes", "2")]),
                "sizes must not be given more than once",
            ),
            (
                pairs(&[("flags", "true"), ("flags", "yes")]),
                "flags[1] must be of type boolean",
            ),
            (pairs(&[("count", "0")]), "count must be >= 1"),
            (pairs(&[("count", "four")]), "count must be of type integer"),
        ] {
            let e = op.check_params(&[], &query).unwrap_err();
            assert_eq!(e.msg, message, "{query:?}");
        }
        let e = op
            .check_params(
                &[],
                &pairs(&[("flags", "true"), ("flags", "true"), ("flags", "false")]),
            )
            .unwrap_err();
        assert!(e.msg.starts_with("flags: "), "{}", e.msg);

        // A serialisation the mock cannot read is an error when the operation is compiled.
        let pipes = json!({"name": "p", "in": "query", "style": "pipeDelimited",
                           "schema": {"type": "integer"}});
        assert!(form_of(&doc, &pipes, "p").is_err());
    }

    #[test]
    fn bodies_are_checked_against_the_component_schemas() {
        let create = schemas()
            .unwrap()
            .operation(Operation::CreateReport)
            .unwrap();
        let ok = br#"{"template_id":"t8g7LJgBTpKZyZbbeTgS","start_time":"2025-08-20 16:00:00","end_time":"2025-08-21 07:03:31","db_ids":null}"#;
        create.check_body(ok).unwrap();
        let e = create
            .check_body(br#"{"start_time":"a","end_time":"b"}"#)
            .unwrap_err();
        assert_eq!(e.msg, "template_id is required");
        assert_eq!(e.code, codes::INVALID_PARAMETER);
        let e = create
            .check_body(br#"{"template_id":1,"start_time":"a","end_time":"b"}"#)
            .unwrap_err();
        assert_eq!(e.msg, "template_id must be of type string");
        // nullable: true is honoured for db_ids only.
        let e = create
            .check_body(br#"{"template_id":null,"start_time":"a","end_time":"b"}"#)
            .unwrap_err();
        assert_eq!(e.msg, "template_id must be of type string");
        assert_eq!(
            create.check_body(b"").unwrap_err().msg,
            "request body is required"
        );
        assert!(
            create
                .check_body(b"{nope")
                .unwrap_err()
                .msg
                .starts_with("request body is not valid JSON")
        );
        assert_eq!(
            create.check_body(b"[]").unwrap_err().msg,
            "request body must be of type object"
        );

        let list = schemas()
            .unwrap()
            .operation(Operation::ListAuditReports)
            .unwrap();
        list.check_body(br#"{"page":1,"size":100}"#).unwrap();
        assert_eq!(
            list.check_body(br#"{"page":0,"size":10}"#).unwrap_err().msg,
            "page must be >= 1"
        );
        assert_eq!(
            list.check_body(br#"{"page":1,"size":101}"#)
                .unwrap_err()
                .msg,
            "size must be <= 100"
        );
        assert_eq!(
            list.check_body(br#"{"page":1}"#).unwrap_err().msg,
            "size is required"
        );
        // int32 bounds come from `format: int32`.
        assert_eq!(
            list.check_body(br#"{"page":4294967296,"size":1}"#)
                .unwrap_err()
                .msg,
            "page must be <= 2147483647"
        );
    }

    #[test]
    fn queries_are_decoded_as_the_gateway_reads_them() {
        assert_eq!(
            parse_query("limit=10&offset=0&&a%20b=c+d%2Be&flag"),
            pairs(&[
                ("limit", "10"),
                ("offset", "0"),
                ("a b", "c d+e"),
                ("flag", "")
            ])
        );
    }
}
