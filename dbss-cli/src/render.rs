//! Any JSON document as rows, for `--output table` and `--output tsv` where a command has no
//! columns of its own (`dbss api`, and every command's `--query`).
//!
//! A list of objects is one row per object, its columns the members in the order they are first
//! met; an object holding one list (`{"total": 3, "audit_instances": [...]}`, the shape of a
//! list answer) is that list; any other object is one row; a list of plain values is one line
//! per value, as is a lone value. Nested values are shown as compact JSON.

use serde_json::{Map, Value};

use crate::output::Table;

/// What a document looks like as rows.
enum Shape<'a> {
    /// One row per object, with a header.
    Records(Vec<&'a Map<String, Value>>),
    /// One line per value, no header.
    Lines(Vec<&'a Value>),
}

fn shape(document: &Value) -> Shape<'_> {
    match document {
        Value::Array(items) => match items.iter().map(Value::as_object).collect::<Option<_>>() {
            Some(records) => Shape::Records(records),
            None => Shape::Lines(items.iter().collect()),
        },
        Value::Object(object) => {
            let mut lists = object.values().filter(|v| v.is_array());
            match (lists.next(), lists.next()) {
                // The one list of a list answer; its totals and markers are left to --query.
                (Some(list), None) if object.values().all(|v| !v.is_object()) => shape(list),
                _ => Shape::Records(vec![object]),
            }
        }
        other => Shape::Lines(vec![other]),
    }
}

/// The columns of `records`: every member name, in the order first met.
fn columns(records: &[&Map<String, Value>]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for record in records {
        for name in record.keys() {
            if !columns.contains(name) {
                columns.push(name.clone());
            }
        }
    }
    columns
}

/// A value as the text of a cell: strings without quotes, nested values as compact JSON,
/// `None` for null.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) => Some(value.to_string()),
        Value::Array(_) | Value::Object(_) => Some(value.to_string()),
    }
}

/// Either a table, or lines of plain values.
pub enum Rendered {
    /// A table with a header.
    Table(Table),
    /// Lines, one per value.
    Lines(Vec<String>),
}

/// `document` as an aligned table (missing and null cells as `-`).
pub fn table(document: &Value) -> Rendered {
    match shape(document) {
        // No rows and so no columns: nothing to print, not an empty header.
        Shape::Records(records) if records.is_empty() => Rendered::Lines(Vec::new()),
        Shape::Records(records) => {
            let columns = columns(&records);
            let mut table = Table::with_header(columns.clone());
            for record in records {
                table.row(
                    columns
                        .iter()
                        .map(|c| text(record.get(c).unwrap_or(&Value::Null)))
                        .map(|t| t.unwrap_or_else(|| "-".to_owned()))
                        .collect(),
                );
            }
            Rendered::Table(table)
        }
        Shape::Lines(values) => Rendered::Lines(
            values
                .into_iter()
                .map(|v| text(v).unwrap_or_default())
                .collect(),
        ),
    }
}

/// `document` as tab-separated values: a header line, then one line per row; tabs, line breaks
/// and backslashes inside a value are escaped (`\t`, `\n`, `\r`, `\\`) so that a line is a row.
pub fn tsv(document: &Value) -> String {
    let mut out = String::new();
    let mut line = |cells: Vec<String>| {
        out.push_str(&cells.join("\t"));
        out.push('\n');
    };
    match shape(document) {
        Shape::Records(records) if records.is_empty() => {}
        Shape::Records(records) => {
            let columns = columns(&records);
            line(columns.iter().map(|c| escape(c)).collect());
            for record in records {
                line(
                    columns
                        .iter()
                        .map(|c| {
                            escape(&text(record.get(c).unwrap_or(&Value::Null)).unwrap_or_default())
                        })
                        .collect(),
                );
            }
        }
        Shape::Lines(values) => {
            for value in values {
                line(vec![escape(&text(value).unwrap_or_default())]);
            }
        }
    }
    out
}

fn escape(cell: &str) -> String {
    let mut escaped = String::with_capacity(cell.len());
    for c in cell.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\t' => escaped.push_str("\\t"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            c if c.is_control() => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rendered(document: &Value) -> String {
        match table(document) {
            Rendered::Table(t) => t.render(),
            Rendered::Lines(lines) => lines.join("\n"),
        }
    }

    #[test]
    fn a_list_answer_is_a_table_of_its_items() {
        let answer =
            json!({"total": 2, "items": [{"id": "a", "n": 1}, {"id": "b", "extra": null}]});
        assert_eq!(rendered(&answer), "id  n  extra\na   1  -\nb   -  -\n");
        assert_eq!(tsv(&answer), "id\tn\textra\na\t1\t\nb\t\t\n");
    }

    #[test]
    fn an_object_is_one_row_and_nested_values_are_compact_json() {
        let answer = json!({"id": "a", "tags": {"k": "v"}});
        assert_eq!(rendered(&answer), "id  tags\na   {\"k\":\"v\"}\n");
    }

    #[test]
    fn an_empty_list_prints_nothing() {
        assert_eq!(rendered(&json!({"total": 0, "items": []})), "");
        assert_eq!(tsv(&json!([])), "");
    }

    #[test]
    fn plain_values_are_lines_and_tsv_escapes_what_would_break_a_row() {
        assert_eq!(rendered(&json!(["a", 2])), "a\n2");
        assert_eq!(tsv(&json!(["a\tb\nc\\"])), "a\\tb\\nc\\\\\n");
        assert_eq!(tsv(&json!("one")), "one\n");
    }
}
