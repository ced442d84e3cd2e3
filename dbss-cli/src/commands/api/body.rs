//! The body of `dbss api`: `--body` as JSON or YAML (a file, `@FILE`, `-` or inline), then the
//! body-field flags (`--database.name orders`) set into it. Every mistake is refused here,
//! naming the flag or the input, before a request exists.

use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};

use crate::exit::Failure;

/// The syntaxes a `--body` may be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Syntax {
    Json,
    Yaml,
    /// JSON, else YAML (JSON is read first so that its numbers and errors stay JSON's).
    Either,
}

/// Reads `--body SOURCE`: `-` (standard input), `@FILE` or `FILE`, or the body itself, inline
/// (text starting with `{` or `[`, or YAML holding `: ` or a line break). A file ending in
/// `.json` is JSON, in `.yaml` or `.yml` YAML; anything else may be either.
pub fn read(source: &str) -> Result<Value, Failure> {
    let trimmed = source.trim_start();
    let (text, origin, syntax) = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Usage(format!("--body -: cannot read standard input: {e}")))?;
        (text, "standard input".to_owned(), Syntax::Either)
    } else if trimmed.starts_with(['{', '[']) || (!source.starts_with('@') && looks_inline(source))
    {
        (
            source.to_owned(),
            "the inline body".to_owned(),
            Syntax::Either,
        )
    } else {
        let path = source.strip_prefix('@').unwrap_or(source);
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("--body {path}: cannot read the file: {e}")))?;
        (text, path.to_owned(), syntax_of(Path::new(path)))
    };
    parse(&text, &origin, syntax)
}

/// Whether `source` is YAML written on the command line rather than a file name.
fn looks_inline(source: &str) -> bool {
    source.contains('\n') || source.contains(": ")
}

fn syntax_of(path: &Path) -> Syntax {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => Syntax::Json,
        Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => Syntax::Yaml,
        _ => Syntax::Either,
    }
}

fn parse(text: &str, origin: &str, syntax: Syntax) -> Result<Value, Failure> {
    let json = || {
        serde_json::from_str::<Value>(text)
            .map_err(|e| Failure::Invalid(format!("--body ({origin}) is not valid JSON: {e}")))
    };
    let yaml = || {
        serde_saphyr::from_str::<Value>(text).map_err(|e| {
            // One line: the error's own rendering quotes the input over several.
            let message = e.without_snippet().to_string();
            let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
            Failure::Invalid(format!("--body ({origin}) is not valid YAML: {message}"))
        })
    };
    match syntax {
        Syntax::Json => json(),
        Syntax::Yaml => yaml(),
        Syntax::Either => json().or_else(|json_error| {
            yaml().map_err(|yaml_error| {
                // Text that opens like JSON was meant as JSON: its error is the useful one.
                if text.trim_start().starts_with(['{', '[']) {
                    json_error
                } else {
                    yaml_error
                }
            })
        }),
    }
}

/// Parses the value of a flag that takes a list of objects (`--rules '[{...}]'`) or an object,
/// as JSON or YAML.
pub fn parse_flag(flag: &str, text: &str, list: bool) -> Result<Value, Failure> {
    let value = parse(text, flag, Syntax::Either)
        .map_err(|_| Failure::Usage(format!("{flag}: {text:?} is neither JSON nor YAML")))?;
    match (list, &value) {
        (true, Value::Array(_)) | (false, Value::Object(_)) => Ok(value),
        (true, _) => Err(Failure::Usage(format!(
            "{flag}: expects a list of objects (`[{{...}}]`), got {value}"
        ))),
        (false, _) => Err(Failure::Usage(format!(
            "{flag}: expects an object (`{{...}}`), got {value}"
        ))),
    }
}

/// Sets `value` at `path` in `body`, creating the objects on the way. `flag` names the flag in
/// the error when `body` (from `--body`) has something else than an object there.
pub fn set(body: &mut Value, path: &[String], value: Value, flag: &str) -> Result<(), Failure> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(());
    };
    let mut at = body;
    for name in parents {
        at = object_of(at, flag)?
            .entry(name.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    object_of(at, flag)?.insert(last.clone(), value);
    Ok(())
}

fn object_of<'a>(value: &'a mut Value, flag: &str) -> Result<&'a mut Map<String, Value>, Failure> {
    if value.is_null() {
        *value = Value::Object(Map::new());
    }
    if !value.is_object() {
        return Err(Failure::Usage(format!(
            "{flag}: the body from --body holds {value} where {flag} needs an object"
        )));
    }
    value
        .as_object_mut()
        .ok_or_else(|| Failure::Other(format!("{flag}: the body changed under the flag")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_and_yaml_are_both_bodies() {
        assert_eq!(
            parse(r#"{"page": 1}"#, "x", Syntax::Either).ok(),
            Some(json!({"page": 1}))
        );
        assert_eq!(
            parse(
                "time:\n  time_range: HALF_HOUR\npage: 1\n",
                "x",
                Syntax::Either
            )
            .ok(),
            Some(json!({"time": {"time_range": "HALF_HOUR"}, "page": 1}))
        );
    }

    #[test]
    fn a_yaml_error_names_the_input_on_one_line() {
        let error = parse("a: [1, 2\nb: c: d\n", "body.yaml", Syntax::Yaml)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.starts_with("--body (body.yaml) is not valid YAML"),
            "{error}"
        );
        assert!(!error.contains('\n'), "{error}");
    }

    #[test]
    fn flags_set_nested_fields_and_refuse_to_overwrite_a_value_with_an_object() {
        let mut body = json!({"database": {"name": "a", "port": "1"}});
        let path = ["database".to_owned(), "name".to_owned()];
        set(&mut body, &path, json!("orders"), "--database.name").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body, json!({"database": {"name": "orders", "port": "1"}}));
        let mut scalar = json!({"database": 3});
        assert!(set(&mut scalar, &path, json!("x"), "--database.name").is_err());
    }
}
