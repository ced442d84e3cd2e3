//! Any JSON document as rows, for `--output table` and `--output tsv` where a command has no
//! columns of its own (`dbss api`, and every command's `--query`).
//!
//! A list of objects is one row per object, its columns the members in the order they are first
//! met; an object holding one list (`{"total": 3, "audit_instances": [...]}`, the shape of a
//! list answer) is that list; any other object is one row; a list of plain values is one line
//! per value, as is a lone value. The members of a nested object are columns of their own,
//! named by their path (`sql.db_user`, the path `--query` would use); lists inside a row are
//! shown as compact JSON.

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

/// A record as cells: each plain value or list by its dotted path, nested objects opened.
fn flatten<'a>(record: &'a Map<String, Value>, prefix: &str, out: &mut Vec<(String, &'a Value)>) {
    for (name, value) in record {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            Value::Object(inner) if !inner.is_empty() => flatten(inner, &path, out),
            _ => out.push((path, value)),
        }
    }
}

/// The rows of `records`: the columns (every path, in the order first met) and each record's
/// cells by column.
fn rows<'a>(records: &[&'a Map<String, Value>]) -> (Vec<String>, Vec<Vec<&'a Value>>) {
    let flat: Vec<Vec<(String, &Value)>> = records
        .iter()
        .map(|record| {
            let mut cells = Vec::new();
            flatten(record, "", &mut cells);
            cells
        })
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for cells in &flat {
        for (path, _) in cells {
            if !columns.contains(path) {
                columns.push(path.clone());
            }
        }
    }
    let rows = flat
        .iter()
        .map(|cells| {
            columns
                .iter()
                .map(|c| {
                    cells
                        .iter()
                        .find(|(path, _)| path == c)
                        .map_or(&Value::Null, |(_, v)| *v)
                })
                .collect()
        })
        .collect();
    (columns, rows)
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
            let (columns, rows) = rows(&records);
            let mut table = Table::with_header(columns);
            for row in rows {
                table.row(
                    row.into_iter()
                        .map(|v| text(v).unwrap_or_else(|| "-".to_owned()))
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
            let (columns, rows) = rows(&records);
            line(columns.iter().map(|c| escape(c)).collect());
            for row in rows {
                line(
                    row.into_iter()
                        .map(|v| escape(&text(v).unwrap_or_default()))
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
    fn an_object_is_one_row_nested_objects_are_columns_and_lists_compact_json() {
        let answer = json!({"id": "a", "tags": {"k": "v"}, "ips": ["x", "y"]});
        assert_eq!(
            rendered(&answer),
            "id  ips        tags.k\na   [\"x\",\"y\"]  v\n"
        );
        let wrapped = json!([{"sql": {"id": "1", "user": "u"}}, {"sql": {"id": "2"}}]);
        assert_eq!(tsv(&wrapped), "sql.id\tsql.user\n1\tu\n2\t\n");
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
