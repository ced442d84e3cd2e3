//! Input checks that run before anything is sent.
//!
//! The official SDK sends whatever it is given (a missing instance id goes out as the literal
//! `{instance_id}`). Here every value that ends up in a path, a query or a body is checked
//! against the rule the API reference states, or a stricter one where the reference is silent,
//! and a failure names the field and the rule.

use std::fmt;

/// Input refused before anything was sent. Names the field and the rule; never echoes a value
/// that could be a secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {rule}")]
#[non_exhaustive]
pub struct ValidationError {
    /// The field, as the API names it (e.g. `instance_id`, `start_time`, `db_ids`).
    pub field: &'static str,
    /// The rule the value broke.
    pub rule: Rule,
}

/// A rule an input value must follow.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The value is required and was not given.
    Required,
    /// The length, in characters, is outside the range.
    Length {
        /// Smallest allowed length.
        min: usize,
        /// Largest allowed length.
        max: usize,
        /// The length given.
        actual: usize,
    },
    /// The value holds a character the field does not allow.
    Charset {
        /// What is allowed.
        allowed: &'static str,
    },
    /// The value is not in the expected format.
    Format {
        /// The expected format.
        expected: &'static str,
    },
    /// The time range is empty or reversed.
    StartNotBeforeEnd,
    /// An element of a list is empty.
    EmptyElement,
    /// An element of a comma-separated list holds a comma.
    ContainsComma,
    /// The generated client refused the value.
    Rejected {
        /// What it said.
        message: String,
    },
    /// A number is outside its range.
    Range {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
        /// The value given.
        actual: i64,
    },
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Required => f.write_str("is required"),
            Rule::Length { min, max, actual } => {
                write!(f, "must be {min} to {max} characters long (got {actual})")
            }
            Rule::Charset { allowed } => write!(f, "may only contain {allowed}"),
            Rule::Format { expected } => write!(f, "must be in the format {expected}"),
            Rule::StartNotBeforeEnd => f.write_str("the start must be before the end"),
            Rule::EmptyElement => f.write_str("must not contain an empty element"),
            Rule::ContainsComma => f.write_str("an element must not contain a comma"),
            Rule::Rejected { message } => f.write_str(message),
            Rule::Range { min, max, actual } => {
                write!(f, "must be between {min} and {max} (got {actual})")
            }
        }
    }
}

impl ValidationError {
    pub(crate) fn new(field: &'static str, rule: Rule) -> Self {
        Self { field, rule }
    }
}

const ID_CHARSET: &str = "ASCII letters, digits, '-' and '_'";

/// An identifier that goes into a URL path: `min..=max` characters of `[A-Za-z0-9_-]`.
///
/// The reference only states the lengths; the character set is ours. Real DBSS ids are hex or
/// base64url-like, and refusing `/`, `%`, `..`, whitespace and control characters here means a
/// path can never be redirected to another resource.
pub(crate) fn path_id(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::new(field, Rule::Required));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ValidationError::new(
            field,
            Rule::Charset {
                allowed: ID_CHARSET,
            },
        ));
    }
    let actual = value.len();
    if !(min..=max).contains(&actual) {
        return Err(ValidationError::new(
            field,
            Rule::Length { min, max, actual },
        ));
    }
    Ok(())
}

/// A project id or instance id: 32 to 64 characters.
pub(crate) fn project_or_instance_id(
    field: &'static str,
    value: &str,
) -> Result<(), ValidationError> {
    path_id(field, value, 32, 64)
}

/// A report id: 16 to 64 characters.
pub(crate) fn report_id(value: &str) -> Result<(), ValidationError> {
    path_id("id", value, 16, 64)
}

/// A template id: required; 1 to 64 characters of the id character set.
pub(crate) fn template_id(value: Option<&str>) -> Result<(), ValidationError> {
    match value {
        None => Err(ValidationError::new("template_id", Rule::Required)),
        Some(v) => path_id("template_id", v, 1, 64),
    }
}

/// Database ids: each non-empty and without commas (the API joins them with commas);
/// duplicates are dropped, first occurrence kept.
pub(crate) fn database_ids(ids: &[String]) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if id.trim().is_empty() {
            return Err(ValidationError::new("db_ids", Rule::EmptyElement));
        }
        if id.contains(',') {
            return Err(ValidationError::new("db_ids", Rule::ContainsComma));
        }
        if id.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "db_ids",
                Rule::Charset {
                    allowed: "printable characters",
                },
            ));
        }
        if !out.contains(id) {
            out.push(id.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_ids_follow_length_and_charset() {
        let ok = "0123456789abcdef0123456789abcdef";
        assert!(project_or_instance_id("project_id", ok).is_ok());
        let short = project_or_instance_id("project_id", "abc").unwrap_err();
        assert_eq!(short.field, "project_id");
        assert_eq!(
            short.rule,
            Rule::Length {
                min: 32,
                max: 64,
                actual: 3
            }
        );
        for bad in [
            "0123456789abcdef0123456789abcde/",
            "0123456789abcdef0123456789abc%2F",
            "0123456789abcdef0123456789abcd..",
            "0123456789abcdef0123456789abcde\0",
            "0123456789abcdef0123456789abcde\n",
            "0123456789abcdef0123456789abcdeä",
        ] {
            let e = project_or_instance_id("instance_id", bad).unwrap_err();
            assert!(matches!(e.rule, Rule::Charset { .. }), "{bad:?}: {e}");
        }
        assert_eq!(
            project_or_instance_id("instance_id", "").unwrap_err().rule,
            Rule::Required
        );
    }

    #[test]
    fn database_ids_are_checked_and_deduplicated() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            database_ids(&ids(&["a", "b", "a"])).unwrap(),
            ids(&["a", "b"])
        );
        assert_eq!(
            database_ids(&ids(&["a,b"])).unwrap_err().rule,
            Rule::ContainsComma
        );
        assert_eq!(
            database_ids(&ids(&[" "])).unwrap_err().rule,
            Rule::EmptyElement
        );
    }

    #[test]
    fn messages_name_field_and_rule() {
        let e = template_id(None).unwrap_err();
        assert_eq!(e.to_string(), "invalid template_id: is required");
        let e = report_id("short").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid id: must be 16 to 64 characters long (got 5)"
        );
    }
}
