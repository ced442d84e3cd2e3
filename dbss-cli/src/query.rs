//! `--query`: a JMESPath expression applied to the JSON document a command prints, as the
//! AWS CLI's `--query` and KooCLI's `--cli-query` do. It is compiled before anything is sent, so
//! that a typo costs no request.

use serde_json::Value;

use crate::exit::Failure;

/// A compiled `--query`.
#[derive(Clone)]
pub struct Query {
    expression: jmespath::Expression<'static>,
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Query")
            .field(&self.expression.as_str())
            .finish()
    }
}

impl Query {
    /// Compiles `text`; a syntax error is a usage error naming the flag, the expression and
    /// the column.
    pub fn parse(text: &str) -> Result<Self, Failure> {
        jmespath::compile(text)
            .map(|expression| Self { expression })
            .map_err(|e| {
                Failure::Usage(format!(
                    "--query {text:?} is not a JMESPath expression: {} (column {})",
                    e.reason, e.column
                ))
            })
    }

    /// What the expression selects from `document` (`null` when it selects nothing).
    pub fn apply(&self, document: &Value) -> Result<Value, Failure> {
        let found = self.expression.search(document).map_err(|e| {
            Failure::Invalid(format!(
                "--query {:?} cannot be applied to the answer: {}",
                self.expression.as_str(),
                e.reason
            ))
        })?;
        serde_json::to_value(&*found).map_err(|e| {
            Failure::Other(format!(
                "--query {:?}: its result is not JSON: {e}",
                self.expression.as_str()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_and_projects() {
        let query = Query::parse("items[?status=='ON'].id").unwrap_or_else(|e| panic!("{e}"));
        let document =
            json!({"items": [{"id": "a", "status": "ON"}, {"id": "b", "status": "OFF"}]});
        assert_eq!(query.apply(&document).ok(), Some(json!(["a"])));
    }

    #[test]
    fn a_syntax_error_names_the_flag_and_the_expression() {
        let error = Query::parse("items[?").err().map(|e| e.to_string());
        let error = error.unwrap_or_default();
        assert!(error.contains("--query"), "{error}");
        assert!(error.contains("items[?"), "{error}");
    }

    #[test]
    fn numbers_keep_their_integer_form() {
        let query = Query::parse("total").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(query.apply(&json!({"total": 250})).ok(), Some(json!(250)));
    }
}
