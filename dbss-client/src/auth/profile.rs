//! The credentials (profile) file, read as the official SDKs read it.
//!
//! `huaweicloudsdkcore` reads `~/.huaweicloud/credentials` with Python's
//! `configparser.ConfigParser()` in its default settings, opening the file as UTF-8 text
//! (`parser.read(path, encoding="utf-8")`), then takes `parser.items(section)` of `[basic]`
//! (or `[global]`). [`ProfileFile`] implements that dialect, written from the behaviour of
//! CPython's `configparser` (checked against CPython 3.11 by
//! `dbss-client/tests/client/profile_configparser.rs`, over a corpus and generated files):
//!
//! - **Lines.** The text is split on `\r\n`, `\r` and `\n` (Python's universal newlines), and
//!   on nothing else: `\x0b`, `\x0c`, `\x1c`–`\x1e`, `\u{85}`, `\u{2028}` stay inside a line.
//!   Lines are numbered from 1.
//! - **Whitespace** is Python's (`str.isspace()`, also what `\s` matches): Unicode's
//!   `White_Space` plus `\x1c`–`\x1f`. Each line is stripped of it before it is looked at.
//! - **Comments** are whole lines whose stripped text starts with `#` or `;`, at any
//!   indentation. There are no inline comments: `ak = x # y` has the value `x # y`. A comment
//!   never ends a value and is never part of one (an indented comment between continuation
//!   lines is skipped).
//! - **Section headers**: a stripped line starting with `[` whose *last* `]` comes at least one
//!   character later. The name is everything between the `[` and that `]`, not trimmed and
//!   case-sensitive: `[ basic ]` is the section `" basic "`, `[Basic]` is not `[basic]`,
//!   `[a] trailing` is the section `a`, `[a]b]` is `a]b`; `[]` is not a header. An indented
//!   header is a header, unless it is a continuation line (below).
//! - **Options**: any other line must contain `=` or `:`; the *first* of them splits the key
//!   from the value, both stripped (`a : b = c` is key `a`, value `b = c`). Keys are lowercased
//!   (Python's full Unicode `str.lower()`); an empty key is an error. `key =` has the empty
//!   value.
//! - **Continuation lines**: a line indented deeper (in characters) than the line of the
//!   current key continues its value; the parts are joined with `\n`. Blank lines inside a
//!   value are kept as empty parts (`empty_lines_in_values=True`); trailing ones (all trailing
//!   whitespace) are removed when the file has been read. After a header, an indented line
//!   starts a new key (a section cannot start with a continuation line). So `  [x]` after a
//!   key is part of its value, not a header.
//! - **`[DEFAULT]`**: its keys are inherited by every section: [`items`](ProfileFile::items)
//!   lists DEFAULT's keys first (in their order, with the section's value where the section
//!   sets the key too), then the section's own. `[DEFAULT]` may appear more than once (its
//!   blocks are merged); it is not in [`section_names`](ProfileFile::section_names) and
//!   [`has_section`](ProfileFile::has_section) is false for it, as in `configparser`.
//! - **Strict**: a section given twice, or a key given twice in one section (in two spellings
//!   `AK`/`ak` included; in `[DEFAULT]`, across its blocks), is an error.
//! - **Errors.** A line that is neither blank, a comment, a header nor an option is an error;
//!   so is any non-blank, non-comment line before the first header — including a first line
//!   starting with a UTF-8 byte-order mark, since Python decodes `utf-8` (not `utf-8-sig`) and
//!   `\u{feff}` is not whitespace. As in `configparser`, a duplicate or a line before the
//!   first header stops the parse at once, while a malformed line is reported at the end of
//!   the file (so a later duplicate is reported instead). [`SyntaxError`] names the line.
//! - **Interpolation** (`BasicInterpolation`), when a value is read: `%%` is `%`,
//!   `%(name)s` is the (itself interpolated) value of key `name` (lowercased) of the same
//!   section or `[DEFAULT]`; any other `%` is an error, as is an unknown name, or references
//!   nested more than 10 deep. [`items`](ProfileFile::items) fails as a whole when one value
//!   fails, as `configparser.items` does; values are interpolated per section, so a bad value
//!   in another section does not matter.
//!
//! Deliberate differences, neither reachable by a credentials file anyone writes:
//!
//! - Expanding references may take time exponential in the file's size (`a = %(b)s%(b)s`,
//!   `b = %(c)s%(c)s`...), which `configparser` spends; here expanding one
//!   [`items`](ProfileFile::items) or [`get`](ProfileFile::get) call stops with
//!   [`ErrorKind::InterpolationTooLarge`] after about a million characters or references.
//! - Keys are lowercased with Rust's Unicode tables, Python's with its own version's (CPython
//!   3.11: Unicode 14). They differ for the few dozen uppercase letters added since (Garay,
//!   Kirat Rai, some Latin letters), like the Python versions among themselves.
//!
//! No INI crate is used: their dialects (inline comments, quoting, escapes, no
//! continuation lines or interpolation) differ from `configparser`'s.

use std::collections::{HashMap, HashSet};
use std::fmt;

/// The section whose keys every section inherits.
const DEFAULT_SECTION: &str = "DEFAULT";

/// `configparser`'s `MAX_INTERPOLATION_DEPTH`.
const MAX_INTERPOLATION_DEPTH: usize = 10;

/// Characters written plus references followed, per expansion (see the module docs).
const INTERPOLATION_BUDGET: usize = 1 << 20;

/// Python's `str.isspace()` (and the `\s` of its `re` module).
fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{1f}'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// `optionxform`: Python's `str.lower()`.
fn lower(key: &str) -> String {
    key.to_lowercase()
}

/// What kind of error, named after the `configparser` exception raised for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A non-blank, non-comment line before the first section header
    /// (`MissingSectionHeaderError`).
    MissingSectionHeader,
    /// A section header given twice (`DuplicateSectionError`).
    DuplicateSection,
    /// A key given twice in one section (`DuplicateOptionError`).
    DuplicateOption,
    /// A line that is not a header, an option or a comment, or an option with an empty key
    /// (`ParsingError`).
    Parsing,
    /// A `%` not followed by `%` or `(name)s` (`InterpolationSyntaxError`).
    InterpolationSyntax,
    /// `%(name)s` naming a key neither in the section nor in `[DEFAULT]`
    /// (`InterpolationMissingOptionError`).
    InterpolationMissingOption,
    /// References nested more than 10 deep, e.g. a loop (`InterpolationDepthError`).
    InterpolationDepth,
    /// Expanding the references would produce an absurdly large value; `configparser` has no
    /// such limit (see the module docs).
    InterpolationTooLarge,
}

impl ErrorKind {
    /// The class name of the exception `configparser` raises for this error; `None` for
    /// [`InterpolationTooLarge`](Self::InterpolationTooLarge), where it raises none.
    pub fn configparser_exception(self) -> Option<&'static str> {
        Some(match self {
            Self::MissingSectionHeader => "MissingSectionHeaderError",
            Self::DuplicateSection => "DuplicateSectionError",
            Self::DuplicateOption => "DuplicateOptionError",
            Self::Parsing => "ParsingError",
            Self::InterpolationSyntax => "InterpolationSyntaxError",
            Self::InterpolationMissingOption => "InterpolationMissingOptionError",
            Self::InterpolationDepth => "InterpolationDepthError",
            Self::InterpolationTooLarge => return None,
        })
    }

    /// Whether the error comes from expanding `%` references (when a value is read) rather
    /// than from parsing the file.
    pub fn is_interpolation(self) -> bool {
        matches!(
            self,
            Self::InterpolationSyntax
                | Self::InterpolationMissingOption
                | Self::InterpolationDepth
                | Self::InterpolationTooLarge
        )
    }
}

/// An error in the file: the line and what is wrong. Never contains a value from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyntaxError {
    /// The 1-based line. For a parse error, the offending line; for an interpolation error,
    /// the line of the key whose value could not be expanded (for a key inherited from
    /// `[DEFAULT]`, its line there).
    pub line: usize,
    /// What is wrong, in English.
    pub reason: &'static str,
    /// The kind of error (the `configparser` exception it corresponds to).
    pub kind: ErrorKind,
}

impl SyntaxError {
    fn new(line: usize, kind: ErrorKind, reason: &'static str) -> Self {
        Self { line, reason, kind }
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for SyntaxError {}

/// One key of a section: its lowercased name, raw value (before interpolation) and line.
#[derive(Clone)]
struct Entry {
    key: String,
    value: String,
    line: usize,
}

#[derive(Clone)]
struct Section {
    name: String,
    entries: Vec<Entry>,
}

/// A parsed credentials file: its sections and their raw values, in file order.
///
/// `Debug` shows section names and keys, never values (they are secrets).
#[derive(Clone)]
pub struct ProfileFile {
    defaults: Vec<Entry>,
    sections: Vec<Section>,
}

impl fmt::Debug for ProfileFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = |entries: &[Entry]| entries.iter().map(|e| e.key.clone()).collect::<Vec<_>>();
        f.debug_struct("ProfileFile")
            .field("defaults", &keys(&self.defaults))
            .field(
                "sections",
                &self
                    .sections
                    .iter()
                    .map(|s| (s.name.clone(), keys(&s.entries)))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Splits on `\r\n`, `\r` and `\n`, as Python's text files read with universal newlines.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(end) = rest.find(['\r', '\n']) else {
            let line = rest;
            rest = "";
            return Some(line);
        };
        let line = &rest[..end];
        let after = if rest[end..].starts_with("\r\n") {
            end + 2
        } else {
            end + 1
        };
        rest = rest.get(after..).unwrap_or("");
        Some(line)
    })
}

/// The name of a section header line (already stripped), if it is one: `[`, then at least
/// one character, then the last `]` of the line.
fn section_header(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[')?;
    let close = inner.rfind(']')?;
    (close > 0).then(|| &inner[..close])
}

/// The raw key and the value of an option line (already stripped): split at the first `=`
/// or `:`, both sides stripped.
fn option_line(line: &str) -> Option<(&str, &str)> {
    let split = line.find(['=', ':'])?;
    let key = line[..split].trim_end_matches(is_py_space);
    let value = py_strip(&line[split + 1..]);
    Some((key, value))
}

/// Which section lines go to.
#[derive(Clone, Copy)]
enum Target {
    Defaults,
    Section(usize),
}

impl ProfileFile {
    /// Parses the file's text (decoded as UTF-8, as the official SDK decodes it).
    pub fn parse(text: &str) -> Result<ProfileFile, SyntaxError> {
        let mut file = ProfileFile {
            defaults: Vec::new(),
            sections: Vec::new(),
        };
        let mut section_index: HashMap<String, usize> = HashMap::new();
        // Keys seen per section name ("DEFAULT" included: its blocks share one set).
        let mut keys_seen: HashSet<(String, String)> = HashSet::new();
        let mut target: Option<Target> = None;
        let mut section_name = String::new();
        // The entry that continuation lines extend: the last key of the current section, if
        // it is not empty (an empty key is an error, and takes no continuation).
        let mut current: Option<usize> = None;
        let mut indent_level = 0usize;
        let mut deferred: Option<SyntaxError> = None;

        for (index, line) in lines(text).enumerate() {
            let line_no = index + 1;
            let stripped = py_strip(line);
            if stripped.starts_with('#') || stripped.starts_with(';') {
                continue;
            }
            if stripped.is_empty() {
                if let (Some(t), Some(i)) = (target, current)
                    && let Some(entry) = file.entries_mut(t).get_mut(i)
                {
                    entry.value.push('\n');
                }
                continue;
            }
            let indent = line.chars().take_while(|&c| is_py_space(c)).count();
            if let (Some(t), Some(i), true) = (target, current, indent > indent_level) {
                if let Some(entry) = file.entries_mut(t).get_mut(i) {
                    entry.value.push('\n');
                    entry.value.push_str(stripped);
                }
                continue;
            }
            indent_level = indent;
            if let Some(name) = section_header(stripped) {
                if section_index.contains_key(name) {
                    return Err(SyntaxError::new(
                        line_no,
                        ErrorKind::DuplicateSection,
                        "a section appears twice",
                    ));
                }
                target = Some(if name == DEFAULT_SECTION {
                    Target::Defaults
                } else {
                    let i = file.sections.len();
                    file.sections.push(Section {
                        name: name.to_owned(),
                        entries: Vec::new(),
                    });
                    section_index.insert(name.to_owned(), i);
                    Target::Section(i)
                });
                name.clone_into(&mut section_name);
                current = None;
                continue;
            }
            let Some(t) = target else {
                return Err(if line_no == 1 && line.starts_with('\u{feff}') {
                    SyntaxError::new(
                        line_no,
                        ErrorKind::MissingSectionHeader,
                        "the file starts with a UTF-8 byte-order mark, which the official \
                         SDK (Python's configparser) rejects: save it without one",
                    )
                } else {
                    SyntaxError::new(
                        line_no,
                        ErrorKind::MissingSectionHeader,
                        "a key or other text comes before the first [section] header",
                    )
                });
            };
            let Some((raw_key, value)) = option_line(stripped) else {
                deferred.get_or_insert(SyntaxError::new(
                    line_no,
                    ErrorKind::Parsing,
                    "expected `key = value`, a [section] header or a comment",
                ));
                continue;
            };
            if raw_key.is_empty() {
                deferred.get_or_insert(SyntaxError::new(
                    line_no,
                    ErrorKind::Parsing,
                    "a key is missing before '=' or ':'",
                ));
            }
            let key = lower(raw_key);
            if !keys_seen.insert((section_name.clone(), key.clone())) {
                return Err(SyntaxError::new(
                    line_no,
                    ErrorKind::DuplicateOption,
                    "a key appears twice in one section",
                ));
            }
            let entries = file.entries_mut(t);
            current = (!key.is_empty()).then_some(entries.len());
            entries.push(Entry {
                key,
                value: value.to_owned(),
                line: line_no,
            });
        }
        if let Some(e) = deferred {
            return Err(e);
        }
        for entries in std::iter::once(&mut file.defaults)
            .chain(file.sections.iter_mut().map(|s| &mut s.entries))
        {
            for entry in entries {
                let kept = entry.value.trim_end_matches(is_py_space).len();
                entry.value.truncate(kept);
            }
        }
        Ok(file)
    }

    fn entries_mut(&mut self, target: Target) -> &mut Vec<Entry> {
        match target {
            Target::Defaults => &mut self.defaults,
            Target::Section(i) => match self.sections.get_mut(i) {
                Some(s) => &mut s.entries,
                // Not reached: indexes come from `sections` itself.
                None => &mut self.defaults,
            },
        }
    }

    /// The section names, in file order, without `DEFAULT` (`configparser.sections()`).
    pub fn section_names(&self) -> Vec<&str> {
        self.sections.iter().map(|s| s.name.as_str()).collect()
    }

    /// Whether the file has section `name` (case-sensitive); false for `DEFAULT`, as
    /// `configparser.has_section`.
    pub fn has_section(&self, name: &str) -> bool {
        self.sections.iter().any(|s| s.name == name)
    }

    /// The keys of `section` with `[DEFAULT]`'s merged in, in `configparser.items` order:
    /// DEFAULT's keys first (overridden by the section's value), then the section's others.
    /// `None` when there is no such section; `DEFAULT` gives DEFAULT's keys alone.
    fn merged(&self, section: &str) -> Option<Vec<&Entry>> {
        if section == DEFAULT_SECTION {
            return Some(self.defaults.iter().collect());
        }
        let own = &self.sections.iter().find(|s| s.name == section)?.entries;
        let mut merged: Vec<&Entry> = self.defaults.iter().collect();
        for entry in own {
            match merged
                .iter_mut()
                .take(self.defaults.len())
                .find(|e| e.key == entry.key)
            {
                Some(slot) => *slot = entry,
                None => merged.push(entry),
            }
        }
        Some(merged)
    }

    /// Every key of `section`, `[DEFAULT]`'s included, with its interpolated value, as
    /// `configparser.items(section)` gives them: keys lowercased, DEFAULT's keys first (with
    /// the section's value where it sets one too), then the section's own in file order.
    /// `None` when the section does not exist (`DEFAULT` gives DEFAULT's keys). An error when
    /// a value cannot be interpolated: like `configparser`, one bad value fails the whole call.
    pub fn items(&self, section: &str) -> Option<Result<Vec<(String, String)>, SyntaxError>> {
        let merged = self.merged(section)?;
        let map = Lookup::new(&merged);
        let mut budget = INTERPOLATION_BUDGET;
        Some(
            merged
                .iter()
                .map(|e| Ok((e.key.clone(), map.expand(e, &mut budget)?)))
                .collect(),
        )
    }

    /// The interpolated value of `key` (lowercased first) in `section`, or inherited from
    /// `[DEFAULT]`, as `configparser.get(section, key)`. `None` when the section (or the key)
    /// does not exist; only this value's interpolation can fail.
    pub fn get(&self, section: &str, key: &str) -> Option<Result<String, SyntaxError>> {
        let merged = self.merged(section)?;
        let key = lower(key);
        let entry = merged.iter().find(|e| e.key == key)?;
        let mut budget = INTERPOLATION_BUDGET;
        Some(Lookup::new(&merged).expand(entry, &mut budget))
    }
}

/// The raw values `%(name)s` can name: a section with DEFAULT merged in.
struct Lookup<'a> {
    values: HashMap<&'a str, &'a str>,
}

impl<'a> Lookup<'a> {
    fn new(merged: &[&'a Entry]) -> Self {
        Self {
            values: merged
                .iter()
                .map(|e| (e.key.as_str(), e.value.as_str()))
                .collect(),
        }
    }

    /// The interpolated value of `entry`; errors name its line.
    fn expand(&self, entry: &Entry, budget: &mut usize) -> Result<String, SyntaxError> {
        let mut out = String::new();
        self.interpolate(&entry.value, 1, &mut out, budget)
            .map_err(|(kind, reason)| SyntaxError::new(entry.line, kind, reason))?;
        Ok(out)
    }

    /// `BasicInterpolation`: appends `rest` to `out` with `%%` and `%(name)s` expanded; a
    /// referenced value holding a `%` is expanded in turn, one level deeper.
    fn interpolate(
        &self,
        mut rest: &str,
        depth: usize,
        out: &mut String,
        budget: &mut usize,
    ) -> Result<(), (ErrorKind, &'static str)> {
        if depth > MAX_INTERPOLATION_DEPTH {
            return Err((
                ErrorKind::InterpolationDepth,
                "%(name)s references nest more than 10 deep (do they form a loop?)",
            ));
        }
        let spend = |budget: &mut usize, n: usize| {
            *budget = budget.checked_sub(n.max(1)).ok_or((
                ErrorKind::InterpolationTooLarge,
                "expanding the %(name)s references would give an unreasonably large value",
            ))?;
            Ok::<(), (ErrorKind, &'static str)>(())
        };
        while !rest.is_empty() {
            let Some(p) = rest.find('%') else {
                spend(budget, rest.len())?;
                out.push_str(rest);
                return Ok(());
            };
            spend(budget, p)?;
            out.push_str(&rest[..p]);
            let after = &rest[p + 1..];
            if let Some(tail) = after.strip_prefix('%') {
                spend(budget, 1)?;
                out.push('%');
                rest = tail;
            } else if let Some(inner) = after.strip_prefix('(') {
                // `%(` + one or more characters other than `)` + `)s`.
                let reference = inner
                    .find(')')
                    .filter(|&close| close > 0 && inner[close + 1..].starts_with('s'));
                let Some(close) = reference else {
                    return Err((
                        ErrorKind::InterpolationSyntax,
                        "a '%(' does not start a %(name)s reference (write %% for a '%')",
                    ));
                };
                let name = lower(&inner[..close]);
                rest = &inner[close + 2..];
                let Some(value) = self.values.get(name.as_str()) else {
                    return Err((
                        ErrorKind::InterpolationMissingOption,
                        "a %(name)s reference names a key that is neither in the section nor \
                         in [DEFAULT]",
                    ));
                };
                spend(budget, 1)?;
                if value.contains('%') {
                    self.interpolate(value, depth + 1, out, budget)?;
                } else {
                    spend(budget, value.len())?;
                    out.push_str(value);
                }
            } else {
                return Err((
                    ErrorKind::InterpolationSyntax,
                    "a '%' must be followed by '%' or '(name)s' (write %% for a '%')",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn items(text: &str, section: &str) -> Vec<(String, String)> {
        ProfileFile::parse(text)
            .unwrap()
            .items(section)
            .unwrap()
            .unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn error(text: &str) -> SyntaxError {
        ProfileFile::parse(text).unwrap_err()
    }

    fn interpolation_error(text: &str, section: &str) -> SyntaxError {
        ProfileFile::parse(text)
            .unwrap()
            .items(section)
            .unwrap()
            .unwrap_err()
    }

    #[test]
    fn options_with_both_delimiters_and_whitespace() {
        assert_eq!(
            items(
                "[basic]\n  ak =  A1  \nsk:S1\nx\t=\ty\na : b = c\nempty =\ne2:\n",
                "basic"
            ),
            pairs(&[
                ("ak", "A1"),
                ("sk", "S1"),
                ("x", "y"),
                ("a", "b = c"),
                ("empty", ""),
                ("e2", ""),
            ])
        );
    }

    #[test]
    fn values_keep_inline_comment_characters() {
        assert_eq!(
            items("[s]\na = x # y\nb = x ; y\nc = #\nd = u=v:w\n", "s"),
            pairs(&[("a", "x # y"), ("b", "x ; y"), ("c", "#"), ("d", "u=v:w")])
        );
    }

    #[test]
    fn whole_line_comments_at_any_indentation() {
        let text = "# c\n; c\n[s]\n  # indented\n\t; too\na = 1\n";
        assert_eq!(items(text, "s"), pairs(&[("a", "1")]));
    }

    #[test]
    fn keys_are_lowercased_sections_are_not() {
        let file = ProfileFile::parse("[Basic]\nAK = a\n[basic]\nÄK = b\n").unwrap();
        assert_eq!(file.section_names(), ["Basic", "basic"]);
        assert_eq!(file.items("Basic").unwrap().unwrap(), pairs(&[("ak", "a")]));
        assert_eq!(file.items("basic").unwrap().unwrap(), pairs(&[("äk", "b")]));
        assert_eq!(file.get("basic", "ÄK").unwrap().unwrap(), "b");
        assert!(file.items("BASIC").is_none());
    }

    #[test]
    fn section_header_rules() {
        let file =
            ProfileFile::parse("[ basic ]\n[a] trailing\n[b]c]\n  [indented]\n[]]\n").unwrap();
        assert_eq!(
            file.section_names(),
            [" basic ", "a", "b]c", "indented", "]"]
        );
        // `[]` is not a header: an option line without a delimiter.
        assert_eq!(error("[s]\n[]\n").kind, ErrorKind::Parsing);
        assert_eq!(error("[s]\n[x\n").line, 2);
        // `[a=b` is an option.
        assert_eq!(items("[s]\n[a=b\n", "s"), pairs(&[("[a", "b")]));
    }

    #[test]
    fn continuation_lines() {
        let text = "[s]\na = one\n  two\n\n    three\n  # skipped comment\n\tfour\n\n\nb = x\n";
        assert_eq!(
            items(text, "s"),
            pairs(&[("a", "one\ntwo\n\nthree\nfour"), ("b", "x")])
        );
        // `  [x]` after a key continues it; `key =` then an indented line.
        assert_eq!(items("[s]\na =\n  [x]\n", "s"), pairs(&[("a", "\n[x]")]));
        // After a header, an indented line is a key; the next one at that depth too.
        assert_eq!(
            items("[s]\n  a = 1\n  b = 2\n    c\n", "s"),
            pairs(&[("a", "1"), ("b", "2\nc")])
        );
        // Indentation counts characters, not bytes.
        assert_eq!(
            items("[s]\n\u{a0}a = 1\n  b = 2\n", "s"),
            pairs(&[("a", "1\nb = 2")])
        );
    }

    #[test]
    fn line_endings() {
        assert_eq!(
            items("[s]\r\na = 1\rb = 2\r\n\r\nc = 3", "s"),
            pairs(&[("a", "1"), ("b", "2"), ("c", "3")])
        );
        // Other line separators are whitespace inside a line, not line breaks.
        assert_eq!(
            items("[s]\na = 1\u{2028}b = 2\u{85}\n", "s"),
            pairs(&[("a", "1\u{2028}b = 2")])
        );
        assert_eq!(error("[s]\r\na = 1\r\nbad\r\n").line, 3);
    }

    #[test]
    fn python_whitespace() {
        assert_eq!(
            items("[s]\n\u{1c}a\u{1f} =\u{3000}v\u{a0}\n", "s"),
            pairs(&[("a", "v")])
        );
        // U+FEFF is not whitespace.
        assert_eq!(
            items("[s]\na = \u{feff}v\n", "s"),
            pairs(&[("a", "\u{feff}v")])
        );
    }

    #[test]
    fn byte_order_mark_is_rejected_like_the_sdk() {
        let e = error("\u{feff}[basic]\nak = a\n");
        assert_eq!((e.line, e.kind), (1, ErrorKind::MissingSectionHeader));
        assert!(e.reason.contains("byte-order mark"), "{e}");
    }

    #[test]
    fn default_section_is_inherited() {
        let text = "[DEFAULT]\nregion = r0\nak = dflt\n[basic]\nsk = s\nak = a\n[DEFAULT]\nx = 1\n";
        let file = ProfileFile::parse(text).unwrap();
        assert_eq!(file.section_names(), ["basic"]);
        assert!(!file.has_section("DEFAULT"));
        assert_eq!(
            file.items("basic").unwrap().unwrap(),
            pairs(&[("region", "r0"), ("ak", "a"), ("x", "1"), ("sk", "s")])
        );
        assert_eq!(
            file.items("DEFAULT").unwrap().unwrap(),
            pairs(&[("region", "r0"), ("ak", "dflt"), ("x", "1")])
        );
        assert_eq!(file.get("basic", "REGION").unwrap().unwrap(), "r0");
        // `[default]` is an ordinary section.
        assert_eq!(items("[default]\na = 1\n[s]\n", "s"), pairs(&[]));
    }

    #[test]
    fn interpolation() {
        let text = "[DEFAULT]\nhome = /h\n[s]\np = %(HOME)s/%(sub)s\nsub = x%%y\nq = 100%%\n";
        assert_eq!(
            items(text, "s"),
            pairs(&[
                ("home", "/h"),
                ("p", "/h/x%y"),
                ("sub", "x%y"),
                ("q", "100%")
            ])
        );
        let file = ProfileFile::parse("[s]\na = 5%\n[t]\nb = ok\n").unwrap();
        assert!(file.items("s").unwrap().is_err());
        assert_eq!(file.items("t").unwrap().unwrap(), pairs(&[("b", "ok")]));
    }

    #[test]
    fn interpolation_errors() {
        for (value, kind) in [
            ("5%", ErrorKind::InterpolationSyntax),
            ("%x", ErrorKind::InterpolationSyntax),
            ("%(a", ErrorKind::InterpolationSyntax),
            ("%()s", ErrorKind::InterpolationSyntax),
            ("%(a)d", ErrorKind::InterpolationSyntax),
            ("%(nope)s", ErrorKind::InterpolationMissingOption),
            ("%(v)s", ErrorKind::InterpolationDepth),
        ] {
            let e = interpolation_error(&format!("[s]\nok = 1\nv = {value}\n"), "s");
            assert_eq!((e.kind, e.line), (kind, 3), "{value}");
            assert!(e.kind.is_interpolation());
        }
        // Ten levels are fine, eleven are not.
        let chain = |n: usize| {
            let mut t = String::from("[s]\n");
            for i in 0..n {
                t.push_str(&format!("k{i} = %(k{})s\n", i + 1));
            }
            t.push_str(&format!("k{n} = %%\n"));
            t
        };
        assert_eq!(items(&chain(9), "s")[0].1, "%");
        assert_eq!(
            interpolation_error(&chain(10), "s").kind,
            ErrorKind::InterpolationDepth
        );
    }

    #[test]
    fn exponential_interpolation_is_cut_short() {
        let mut text = String::from("[s]\nk0 = %%xxxxxxxx\n");
        for i in 1..10 {
            text.push_str(&format!(
                "k{i} = {}\n",
                format!("%(k{})s", i - 1).repeat(20)
            ));
        }
        let e = interpolation_error(&text, "s");
        assert_eq!(e.kind, ErrorKind::InterpolationTooLarge);
        assert_eq!(e.kind.configparser_exception(), None);
    }

    #[test]
    fn strict_duplicates() {
        let e = error("[s]\na = 1\nA = 2\n");
        assert_eq!((e.line, e.kind), (3, ErrorKind::DuplicateOption));
        let e = error("[s]\n[t]\n[s]\n");
        assert_eq!((e.line, e.kind), (3, ErrorKind::DuplicateSection));
        let e = error("[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n");
        assert_eq!((e.line, e.kind), (4, ErrorKind::DuplicateOption));
        // The same key in two sections is fine.
        assert!(ProfileFile::parse("[s]\na = 1\n[t]\na = 2\n").is_ok());
    }

    #[test]
    fn parse_errors() {
        let e = error("ak = a\n[basic]\n");
        assert_eq!((e.line, e.kind), (1, ErrorKind::MissingSectionHeader));
        let e = error("\n# c\n  junk\n");
        assert_eq!((e.line, e.kind), (3, ErrorKind::MissingSectionHeader));
        let e = error("[basic]\nak = a\njunk\nmore junk\n");
        assert_eq!((e.line, e.kind), (3, ErrorKind::Parsing));
        let e = error("[basic]\n= a\n");
        assert_eq!((e.line, e.kind), (2, ErrorKind::Parsing));
        // A malformed line is reported at the end; a duplicate stops at once.
        let e = error("[s]\njunk\na = 1\na = 2\n");
        assert_eq!((e.line, e.kind), (4, ErrorKind::DuplicateOption));
        // Two empty keys are a duplicate.
        assert_eq!(error("[s]\n= 1\n: 2\n").kind, ErrorKind::DuplicateOption);
        assert_eq!(
            error("[s]\nak = a\njunk\n").to_string(),
            "line 3: expected `key = value`, a [section] header or a comment"
        );
    }

    #[test]
    fn empty_and_blank_files() {
        for text in ["", "\n\n", "  \n\t\n", "# only\n"] {
            let file = ProfileFile::parse(text).unwrap();
            assert!(file.section_names().is_empty());
            assert!(file.items("basic").is_none());
            assert_eq!(file.items("DEFAULT").unwrap().unwrap(), pairs(&[]));
        }
    }

    #[test]
    fn debug_shows_no_values() {
        let file = ProfileFile::parse("[basic]\nsk = SECRET-VALUE\n").unwrap();
        let shown = format!("{file:?}");
        assert!(shown.contains("basic") && shown.contains("sk"), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
