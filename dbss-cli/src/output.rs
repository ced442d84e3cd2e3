//! What `dbss` prints: tables, JSON, YAML or TSV on stdout, progress bars on stderr.
//!
//! Stdout carries results only (one document with `--output json` or `yaml`), so that it can be
//! piped; everything for the person at the terminal (progress, logs, errors) goes to stderr.
//! Every command builds the JSON document it would print with `--output json`; `--query` selects
//! from that document, and the other formats render it (`render.rs`), except that a command's
//! own table is used for `--output table` when there is no `--query`.
//!
//! Tables are a few aligned columns, written here rather than with a table crate: the output
//! is plain text meant for `grep`/`awk` as much as for eyes (no borders, no colours), and the
//! one subtle part, display width of CJK names, is `unicode-width`'s job.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::args::OutputFormat;
use crate::exit::Failure;
use crate::query::Query;
use crate::render::{self, Rendered};

/// Where and how results are printed.
#[derive(Clone, Debug)]
pub struct Printer {
    format: OutputFormat,
    query: Option<Query>,
    progress: bool,
}

impl Printer {
    /// A printer for `format`, selecting with `query` first. Progress bars are drawn only for
    /// people: when stderr is a terminal and the output is a command's own table.
    pub fn new(format: OutputFormat, query: Option<Query>) -> Self {
        Self {
            progress: format == OutputFormat::Table
                && query.is_none()
                && io::stderr().is_terminal(),
            format,
            query,
        }
    }

    /// Whether results are printed as a document ([`Printer::document`]) rather than as the
    /// command's own table and lines: any format but `table`, or a `--query`.
    pub fn is_document(&self) -> bool {
        self.format != OutputFormat::Table || self.query.is_some()
    }

    /// Whether progress is drawn (stderr is a terminal and the output is a table).
    pub fn shows_progress(&self) -> bool {
        self.progress
    }

    /// Prints `value`, or what `--query` selects from it, as one document in the output format:
    /// pretty JSON, YAML, or rows (`render.rs`) as a table or TSV.
    pub fn document<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Failure> {
        let mut document = serde_json::to_value(value)
            .map_err(|e| Failure::Other(format!("the answer is not JSON: {e}")))?;
        if let Some(query) = &self.query {
            document = query.apply(&document)?;
        }
        // Rendered first, so that a write error keeps its kind (a closed pipe is no failure).
        let text = match self.format {
            OutputFormat::Json => {
                let mut text = serde_json::to_string_pretty(&document)
                    .map_err(|e| Failure::Other(format!("the answer is not JSON: {e}")))?;
                text.push('\n');
                text
            }
            OutputFormat::Yaml => serde_saphyr::to_string(&document).map_err(|e| {
                Failure::Other(format!("the answer cannot be written as YAML: {e}"))
            })?,
            OutputFormat::Tsv => render::tsv(&document),
            OutputFormat::Table => match render::table(&document) {
                Rendered::Table(table) => table.render(),
                Rendered::Lines(lines) => lines.iter().map(|l| format!("{l}\n")).collect(),
            },
        };
        let mut out = io::stdout().lock();
        out.write_all(text.as_bytes())?;
        Ok(out.flush()?)
    }

    /// Prints one line of text.
    pub fn line(&self, text: impl std::fmt::Display) -> io::Result<()> {
        let mut out = io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()
    }

    /// Prints rows under a header, each column as wide as its widest cell; `empty` instead
    /// when there are no rows.
    pub fn table(&self, table: &Table, empty: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        if table.rows.is_empty() {
            writeln!(out, "{empty}")?;
        } else {
            out.write_all(table.render().as_bytes())?;
        }
        out.flush()
    }

    /// A progress bar for a percentage (0 to 100); hidden when progress is not shown.
    pub fn percent_bar(&self, message: &'static str) -> ProgressBar {
        let bar = self.bar(Some(100));
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos:>3}% {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(message);
        bar
    }

    /// A progress bar for a download: bytes and rate while the size is unknown, a bar as soon
    /// as it is known ([`on_bytes`]).
    pub fn bytes_bar(&self, message: &'static str) -> ProgressBar {
        let bar = self.bar(None);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {bytes} ({bytes_per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        if self.progress {
            // Keeps the spinner turning while a chunk takes long to come.
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        bar
    }

    fn bar(&self, len: Option<u64>) -> ProgressBar {
        if self.progress {
            ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        }
    }
}

/// Moves a download bar to `done` bytes, switching to a bar with a total once the size is known.
pub fn on_bytes(bar: &ProgressBar, done: u64, total: Option<u64>) {
    if let (Some(total), None) = (total, bar.length()) {
        bar.set_length(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
    }
    bar.set_position(done);
}

/// Rows of text under a header.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column names.
    pub fn new(header: &[&str]) -> Self {
        Self::with_header(header.iter().map(|h| (*h).to_owned()).collect())
    }

    /// An empty table with these column names.
    pub fn with_header(header: Vec<String>) -> Self {
        Self {
            header,
            rows: Vec::new(),
        }
    }

    /// Adds a row (one cell per column; a missing value is best shown as `-`).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The text: a header line and one line per row, columns separated by two spaces, the
    /// last column not padded. Control characters in cells are replaced so that a value from
    /// the server can neither break the alignment nor move the cursor.
    pub fn render(&self) -> String {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        };
        let header: Vec<String> = self.header.iter().map(|h| clean(h)).collect();
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|c| clean(c)).collect())
            .collect();
        let columns = header.len();
        let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
        for row in &rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.width());
            }
        }
        let mut text = String::new();
        for row in std::iter::once(&header).chain(rows.iter()) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate().take(columns) {
                line.push_str(cell);
                if i + 1 < columns {
                    let pad = widths[i] - cell.width() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

/// A cell for an optional value: the value, or `-`.
pub fn cell<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_by_display_width() {
        let mut table = Table::new(&["ID", "NAME", "STATUS"]);
        table.row(vec!["a".into(), "审计报告".into(), "ON".into()]);
        table.row(vec!["bbbb".into(), "x".into(), "OFF".into()]);
        assert_eq!(
            table.render(),
            "ID    NAME      STATUS\n\
             a     审计报告  ON\n\
             bbbb  x         OFF\n"
        );
    }

    #[test]
    fn control_characters_cannot_break_a_row() {
        let mut table = Table::new(&["ID", "NAME"]);
        table.row(vec!["a".into(), "evil\nname\x1b[2J".into()]);
        let text = table.render();
        assert_eq!(text.lines().count(), 2, "{text:?}");
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn missing_values_show_as_a_dash() {
        assert_eq!(cell(None::<&str>), "-");
        assert_eq!(cell(Some(42)), "42");
    }
}
