//! The credentials (profile) file: `dbss_client::auth::profile::ProfileFile` (Python
//! `configparser`'s dialect) and the credential rules the chain applies to it.
//!
//! `ProfileFile`'s own semantics are pinned to CPython's `configparser` by
//! `dbss-client/tests/client/profile_configparser.rs` (a corpus and generated files, compared with
//! what `python3` reads). What this adds is arbitrary input, and the path users take:
//! `Credentials::from_profile_file(path)`, with the input written to a scratch file first.
//!
//! Properties, per input (the raw bytes; a file assembled from INI-like lines; a file built
//! from a model with its outcome known in advance):
//! 1. Loading never panics; neither does any `ProfileFile` accessor, whatever the section or
//!    key asked for.
//! 2. Bytes that are not UTF-8 give `CredentialsError::ProfileFile` (the read fails).
//! 3. Otherwise the outcome equals [`reference`]: `ProfileFile::parse`, the `[basic]` section's
//!    `items`, then the credential rules written here from the chain's documentation (values
//!    trimmed, empty means absent; `idp_id` + `id_token_file` first, else `ak` + `sk` with an
//!    optional `security_token`; half a pair is an error naming the keys). Same credentials,
//!    project id and source, or the same error kind (syntax error on the same line,
//!    incomplete credentials naming the same keys, nothing found).
//! 4. `ProfileFile` is self-consistent: section names are distinct and `has_section`, `get`
//!    (with the key in another case) returns what `items` lists.
//! 5. For a file from [`model_file`], the outcome is the one the model predicts, computed
//!    while writing the file, without parsing it: an independent check of the dialect on
//!    well-formed files (sections, `[DEFAULT]` inheritance, key case, `=`/`:` with odd
//!    spacing, comments, blank and continuation lines, `%%` and `%(name)s`, CRLF/CR) and on
//!    one injected error (a duplicate key or section, a malformed line, a key before any
//!    section, a byte-order mark, a bad `%`).
//! 6. `Debug` and `Display` of what is returned (credentials or error) never contain the secret
//!    key or the security token.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Unstructured;
use dbss_client::auth::profile::ProfileFile;
use dbss_client::auth::{
    CredentialSource, Credentials, CredentialsError, ResolvedCredentials, TemporarySource,
};
use secrecy::ExposeSecret;

use crate::input::{any_string, one_in, pick, upto};

/// The section the chain reads by default.
const SECTION: &str = "basic";

/// What loading the file gives.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// AK/SK credentials (with an optional security token) and the file's project id.
    Found {
        ak: String,
        sk: String,
        security_token: Option<String>,
        project_id: Option<String>,
    },
    /// Federated credentials (`idp_id` + `id_token_file`) and the file's project id.
    Federated {
        idp_id: String,
        project_id: Option<String>,
    },
    /// A syntax (or interpolation) error on this 1-based line.
    Syntax { line: usize },
    /// Only some of ak/sk: `present` is set, `missing` is not.
    Incomplete { present: String, missing: String },
    /// No `[basic]` section, or one without ak, sk, security_token and the federated pair.
    NotFound,
}

/// The credential rules, applied to `[basic]`'s items (lowercase keys, interpolated values).
fn credentials_outcome(items: &[(String, String)]) -> Outcome {
    let get = |name: &str| {
        items
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let project_id = get("project_id");
    if let (Some(idp_id), Some(_)) = (get("idp_id"), get("id_token_file")) {
        return Outcome::Federated { idp_id, project_id };
    }
    let (ak, sk, token) = (get("ak"), get("sk"), get("security_token"));
    match (ak, sk) {
        (Some(ak), Some(sk)) => Outcome::Found {
            ak,
            sk,
            security_token: token,
            project_id,
        },
        (Some(_), None) => Outcome::Incomplete {
            present: "ak".into(),
            missing: "sk".into(),
        },
        (None, Some(_)) => Outcome::Incomplete {
            present: "sk".into(),
            missing: "ak".into(),
        },
        (None, None) if token.is_some() => Outcome::Incomplete {
            present: "security_token".into(),
            missing: "ak and sk".into(),
        },
        (None, None) => Outcome::NotFound,
    }
}

/// What loading `text` gives: `ProfileFile` (the dialect; see the module docs), then the
/// credential rules.
pub fn reference(text: &str) -> Outcome {
    let file = match ProfileFile::parse(text) {
        Ok(file) => file,
        Err(e) => return Outcome::Syntax { line: e.line },
    };
    if !file.has_section(SECTION) {
        return Outcome::NotFound;
    }
    match file.items(SECTION) {
        None => Outcome::NotFound,
        Some(Err(e)) => Outcome::Syntax { line: e.line },
        Some(Ok(items)) => credentials_outcome(&items),
    }
}

/// Property 4, and no panics from the accessors.
fn check_consistency(text: &str) {
    let Ok(file) = ProfileFile::parse(text) else {
        return;
    };
    let names = file.section_names();
    for (i, name) in names.iter().enumerate() {
        assert!(file.has_section(name), "{name:?} in {text:?}");
        assert!(!names[..i].contains(name), "{name:?} twice in {text:?}");
    }
    assert!(!file.has_section("DEFAULT"));
    assert!(file.items("DEFAULT").is_some());
    // A bounded number: each expansion may cost up to the parser's budget.
    for name in names.iter().take(8) {
        let Some(Ok(items)) = file.items(name) else {
            assert!(file.items(name).is_some());
            continue;
        };
        for (key, value) in items.iter().take(16) {
            // Asked in upper case where lowercasing gives the key back (not for `ß`, `ı`...).
            let upper = key.to_uppercase();
            let asked = if upper.to_lowercase() == *key {
                upper
            } else {
                key.clone()
            };
            let got = file.get(name, &asked);
            assert_eq!(
                got.as_ref().map(|g| g.as_ref().ok()),
                Some(Some(value)),
                "{name:?}/{key:?} in {text:?}"
            );
        }
    }
    let _ = file.get("no such section", "ak");
    let _ = file.items("");
    let _ = format!("{file:?}");
}

// ---- line soup -----------------------------------------------------------------------------

const LINES: &[&str] = &[
    "[basic]",
    "[basic]",
    "[ basic ]",
    "[Basic]",
    "[default]",
    "[DEFAULT]",
    "[other]",
    "[basic] trailing",
    "[basic",
    "basic]",
    "[]",
    "[",
    "[[basic]]",
    "# comment",
    "; comment",
    "  # indented comment",
    "  continued",
    "\tak = indented",
    "",
    "   ",
    "\t",
    "= value",
    ":",
    "junk",
    "\u{feff}",
    "region = cn-north-4",
    "project_id = 0123456789abcdef",
    "Project_Id:p",
    "idp_id = idp",
    "id_token_file = /t",
];
const KEYS: &[&str] = &[
    "ak",
    "AK",
    "Ak",
    "sk",
    "SK",
    "security_token",
    "SECURITY_TOKEN",
    "project_id",
    "region",
    "idp_id",
    "a k",
    " ak",
    "",
];
const VALUES: &[&str] = &[
    "AKEXAMPLE",
    "zq9-sk-secret-1",
    "zq9-st-token-2",
    "",
    " ",
    "a = b",
    "a:b",
    "x # not a comment",
    "\"quoted\"",
    "é",
    "%%",
    "%(region)s",
    "%(AK)s",
    "%(missing)s",
    "50%",
    "%(",
    "\u{a0}",
    "\u{1c}",
    "\u{85}",
    "\u{2028}",
    "\u{3000}",
    "\u{b}",
    "[basic]",
    "\r",
];
const ENDINGS: &[&str] = &["\n", "\n", "\r\n", "\r", ""];

/// A credentials file: mostly known lines and `key = value` lines, odd whitespace and line
/// endings.
pub fn text(u: &mut Unstructured<'_>) -> String {
    let mut out = String::new();
    if one_in(u, 8) {
        out.push('\u{feff}');
    }
    for _ in 0..upto(u, 12) {
        match upto(u, 5) {
            0 | 1 => out.push_str(pick(u, LINES)),
            2..=4 => {
                let indent = pick(u, &["", "", " ", "\t", "\u{a0}"]);
                let key = if one_in(u, 12) {
                    any_string(u, 4)
                } else {
                    pick(u, KEYS).to_owned()
                };
                let sep = pick(u, &["=", " = ", ":", " : ", "==", "=:"]);
                let mut value = String::new();
                for _ in 0..upto(u, 3) {
                    if one_in(u, 10) {
                        value.push_str(&any_string(u, 3));
                    } else {
                        value.push_str(pick(u, VALUES));
                    }
                }
                out.push_str(&format!("{indent}{key}{sep}{value}"));
            }
            _ => out.push_str(&any_string(u, 10)),
        }
        out.push_str(pick(u, ENDINGS));
    }
    out
}

// ---- the model -----------------------------------------------------------------------------

/// Section names the model uses: only `basic` is read; `Basic` differs by case.
const MODEL_SECTIONS: &[&str] = &["basic", "Basic", "global", "other", "DEFAULT"];
/// Keys the model uses (lowercase; written in a random ASCII case).
const MODEL_KEYS: &[&str] = &[
    "ak",
    "ak",
    "sk",
    "sk",
    "security_token",
    "project_id",
    "region",
    "note",
    "idp_id",
    "id_token_file",
];
/// Values: no `%`, no line break, no surrounding whitespace.
const MODEL_VALUES: &[&str] = &[
    "AKEXAMPLE",
    "zq9-sk-secret-1",
    "zq9-st-token-2",
    "cn-north-4",
    "a=b:c",
    "x # not a comment",
    "; y",
    "é",
    "[basic]",
    "p1",
];
const MODEL_SEPARATORS: &[&str] = &["=", " = ", ":", " : ", "\t=  ", " :\u{a0}"];
const MODEL_ENDINGS: &[&str] = &["\n", "\n", "\r\n", "\r"];

/// One key of a model section: lowercase name, final (interpolated, joined) value before the
/// chain's trim, and the line of its key; `bad` for a value whose interpolation fails.
struct ModelEntry {
    key: String,
    raw: RawValue,
    line: usize,
}

enum RawValue {
    /// Parts joined with `\n` (continuation lines); `%%` already counted as `%`.
    Plain(String),
    /// `%(region)s` + this suffix.
    Region(String),
    /// A `%` that does not start `%%` or `%(name)s`.
    Bad,
}

/// The injected error, if any.
#[derive(Clone, Copy, PartialEq)]
enum Injected {
    None,
    DuplicateKey,
    DuplicateSection,
    Malformed,
    KeyFirst,
    Bom,
    BadPercent,
}

/// A well-formed credentials file (possibly with one injected error) and the outcome the
/// model predicts for it.
pub fn model_file(u: &mut Unstructured<'_>) -> (String, Outcome) {
    let mut lines: Vec<String> = Vec::new();
    let injected = match upto(u, 15) {
        0 => Injected::DuplicateKey,
        1 => Injected::DuplicateSection,
        2 => Injected::Malformed,
        3 => Injected::KeyFirst,
        4 => Injected::Bom,
        5 | 6 => Injected::BadPercent,
        _ => Injected::None,
    };
    let mut error_line: Option<usize> = None;
    if injected == Injected::KeyFirst {
        lines.push("ak = before-any-section".to_owned());
        error_line = Some(1);
    }
    for _ in 0..upto(u, 2) {
        lines.push(pick(u, &["# comment", "; comment", "", "  "]).to_owned());
    }
    // Distinct sections, in a random order.
    let mut names: Vec<&str> = Vec::new();
    for _ in 0..=upto(u, 3) {
        let name = pick(u, MODEL_SECTIONS);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    // Mostly with the section that is read, anywhere among the others.
    if !names.contains(&SECTION) && !one_in(u, 4) {
        let at = upto(u, names.len());
        names.insert(at, SECTION);
    }
    let mut sections: Vec<(&str, Vec<ModelEntry>)> = Vec::new();
    let mut bad_percent_placed = false;
    for name in &names {
        lines.push(format!("[{name}]"));
        let mut entries: Vec<ModelEntry> = Vec::new();
        for _ in 0..upto(u, 8) {
            let key = pick(u, MODEL_KEYS);
            if entries.iter().any(|e| e.key == key) {
                continue;
            }
            let spelled: String = key
                .chars()
                .map(|c| {
                    if one_in(u, 3) {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            let sep = pick(u, MODEL_SEPARATORS);
            let value = pick(u, MODEL_VALUES);
            let line = lines.len() + 1;
            let (written, raw) =
                if injected == Injected::BadPercent && !bad_percent_placed && one_in(u, 2) {
                    bad_percent_placed = true;
                    (format!("{value}%"), RawValue::Bad)
                } else {
                    match upto(u, 7) {
                        0 => (format!("{value}%%"), RawValue::Plain(format!("{value}%"))),
                        1 if key != "region" => (
                            format!("%(REGION)s/{value}"),
                            RawValue::Region(format!("/{value}")),
                        ),
                        2 => (String::new(), RawValue::Plain(String::new())),
                        _ => (value.to_owned(), RawValue::Plain(value.to_owned())),
                    }
                };
            lines.push(format!("{spelled}{sep}{written}"));
            let mut raw = raw;
            // Continuation lines (a blank line or a comment may sit among them).
            if let RawValue::Plain(joined) = &mut raw {
                for _ in 0..upto(u, 2).saturating_sub(1) {
                    match upto(u, 3) {
                        0 => {
                            lines.push(String::new());
                            joined.push('\n');
                        }
                        1 => lines.push("  # a comment is not part of the value".to_owned()),
                        _ => {
                            // A part starting with `#`/`;` would be a comment line.
                            let part = pick(u, MODEL_VALUES)
                                .trim_start_matches(['#', ';'])
                                .trim_start();
                            lines.push(format!("{}{part}", pick(u, &["  ", "\t", "    "])));
                            joined.push('\n');
                            joined.push_str(part);
                        }
                    }
                }
                // Trailing blank lines are not part of the value.
                let kept = joined.trim_end_matches('\n').len();
                joined.truncate(kept);
            }
            entries.push(ModelEntry {
                key: key.to_owned(),
                raw,
                line,
            });
            if one_in(u, 4) {
                lines.push(pick(u, &["# c", "  ; c", "", "\t"]).to_owned());
            }
        }
        if injected == Injected::DuplicateKey
            && error_line.is_none()
            && let Some(first) = entries.first()
        {
            error_line = Some(lines.len() + 1);
            lines.push(format!("{} = again", first.key.to_ascii_uppercase()));
        }
        sections.push((name, entries));
    }
    if injected == Injected::DuplicateSection
        && error_line.is_none()
        && let Some(name) = names.iter().find(|n| **n != "DEFAULT")
    {
        error_line = Some(lines.len() + 1);
        lines.push(format!("[{name}]"));
    }
    if injected == Injected::Malformed && error_line.is_none() && !names.is_empty() {
        error_line = Some(lines.len() + 1);
        lines.push("this is not ini".to_owned());
    }
    let mut text = String::new();
    if injected == Injected::Bom {
        // Even on an otherwise blank first line: U+FEFF is not whitespace to configparser.
        text.push('\u{feff}');
        error_line = Some(1);
    }
    let count = lines.len();
    for (i, line) in lines.iter().enumerate() {
        text.push_str(line);
        if i + 1 < count || one_in(u, 2) {
            let ending = pick(u, MODEL_ENDINGS);
            // `\r`, an empty line, `\n` would be one `\r\n`: one line, not two.
            let next_empty = lines.get(i + 1).is_some_and(String::is_empty);
            text.push_str(if next_empty && ending == "\r" {
                "\r\n"
            } else {
                ending
            });
        }
    }
    let outcome = match error_line {
        Some(line) => Outcome::Syntax { line },
        None => model_outcome(&sections),
    };
    (text, outcome)
}

/// The model's prediction for a file without a parse error.
fn model_outcome(sections: &[(&str, Vec<ModelEntry>)]) -> Outcome {
    let Some((_, basic)) = sections.iter().find(|(n, _)| *n == SECTION) else {
        return Outcome::NotFound;
    };
    let empty = Vec::new();
    let defaults = sections
        .iter()
        .find(|(n, _)| *n == "DEFAULT")
        .map_or(&empty, |(_, e)| e);
    // DEFAULT's keys (overridden by basic's), then basic's own.
    let mut merged: Vec<&ModelEntry> = defaults.iter().collect();
    for entry in basic {
        match merged.iter_mut().find(|e| e.key == entry.key) {
            Some(slot) => *slot = entry,
            None => merged.push(entry),
        }
    }
    let region = merged.iter().find(|e| e.key == "region").map(|e| &e.raw);
    let mut items = Vec::new();
    for entry in &merged {
        let value = match &entry.raw {
            RawValue::Plain(v) => v.clone(),
            RawValue::Bad => return Outcome::Syntax { line: entry.line },
            RawValue::Region(suffix) => match region {
                Some(RawValue::Plain(r)) => format!("{r}{suffix}"),
                // A bad region fails while this value is expanded (region itself is never a
                // reference); so does a missing one.
                Some(_) | None => return Outcome::Syntax { line: entry.line },
            },
        };
        items.push((entry.key.clone(), value));
    }
    credentials_outcome(&items)
}

// ---- the check -----------------------------------------------------------------------------

/// A scratch file for this process and thread (the fallback tests run threads in parallel).
///
/// In `/dev/shm` when there is one: writing a file there is about ten times faster than in
/// `/tmp` on a disk (measured here: 0.1 ms against 1.5 ms per write), which is most of the
/// cost of an iteration. `DBSS_FUZZ_SCRATCH` overrides the directory.
fn scratch_path() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let base = std::env::var_os("DBSS_FUZZ_SCRATCH")
            .map(PathBuf::from)
            .or_else(|| {
                let shm = Path::new("/dev/shm");
                shm.is_dir().then(|| shm.to_owned())
            })
            .unwrap_or_else(std::env::temp_dir);
        let dir = base.join(format!("dbss-fuzz-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("scratch dir {dir:?}: {e}"));
        dir
    });
    let thread = format!("{:?}", std::thread::current().id());
    let name: String = thread.chars().filter(char::is_ascii_alphanumeric).collect();
    dir.join(format!("credentials-{name}"))
}

/// Writes the file, created 0600 so that the loader's permission warning stays out of the way
/// (the mode survives later truncating writes).
fn write(path: &Path, bytes: &[u8]) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = options.open(path).and_then(|mut f| {
        use std::io::Write;
        f.write_all(bytes)
    });
    result.unwrap_or_else(|e| panic!("write {path:?}: {e}"));
}

/// `secret` must not appear in `text`, unless it is too short or ordinary to tell (it then
/// appears by coincidence: in the path, the AK, a field name...).
fn assert_hidden(secret: &str, text: &str, visible: &[&str], what: &str) {
    let distinctive = secret.len() >= 4 && secret.contains("zq9");
    if distinctive && !visible.iter().any(|v| v.contains(secret)) {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

/// Loads `bytes` as a profile file and checks the outcome against `expected(text)` (UTF-8
/// text) or the read error (not UTF-8), then checks `ProfileFile`'s consistency.
fn load_and_compare(bytes: &[u8], expected: impl FnOnce(&str) -> Outcome) {
    let path = scratch_path();
    write(&path, bytes);
    let result = Credentials::from_profile_file(&path);
    let path_text = path.display().to_string();

    let Ok(text) = std::str::from_utf8(bytes) else {
        assert!(
            matches!(result, Err(CredentialsError::ProfileFile { .. })),
            "non-UTF-8 file: {result:?}"
        );
        return;
    };
    let expected = expected(text);
    match (&expected, &result) {
        (
            Outcome::Found {
                ak,
                sk,
                security_token,
                project_id,
            },
            Ok(resolved),
        ) => {
            check_found(resolved, &path);
            let Credentials::AkSk(c) = &resolved.credentials else {
                panic!("expected AK/SK credentials for {text:?}: {resolved:?}");
            };
            assert_eq!(c.access_key_id(), ak, "{text:?}");
            assert_eq!(c.secret_key().expose_secret(), sk, "{text:?}");
            assert_eq!(
                c.security_token().map(|t| t.expose_secret().to_owned()),
                *security_token,
                "{text:?}"
            );
            assert_eq!(resolved.project_id, *project_id, "{text:?}");
            let shown = format!("{resolved:?} {} {}", resolved.credentials, resolved.source);
            let visible = [ak.as_str(), project_id.as_deref().unwrap_or(""), &path_text];
            assert_hidden(sk, &shown, &visible, "ResolvedCredentials");
            if let Some(t) = security_token {
                assert_hidden(t, &shown, &visible, "ResolvedCredentials");
            }
        }
        (Outcome::Federated { idp_id, project_id }, Ok(resolved)) => {
            check_found(resolved, &path);
            let Credentials::Temporary(TemporarySource::Federated(f)) = &resolved.credentials
            else {
                panic!("expected federated credentials for {text:?}: {resolved:?}");
            };
            assert_eq!(f.idp_id(), idp_id, "{text:?}");
            assert_eq!(resolved.project_id, *project_id, "{text:?}");
        }
        (Outcome::Syntax { line }, Err(CredentialsError::ProfileSyntax { line: got, .. })) => {
            assert_eq!(got, line, "syntax error line for {text:?}");
        }
        (
            Outcome::Incomplete { present, missing },
            Err(CredentialsError::Incomplete {
                present: got_present,
                missing: got_missing,
                found_in,
            }),
        ) => {
            assert_eq!((got_present, got_missing), (present, missing), "{text:?}");
            assert_eq!(*found_in, CredentialSource::ProfileFile(path.clone()));
        }
        (Outcome::NotFound, Err(CredentialsError::NotFound { .. })) => {}
        _ => panic!(
            "the profile loader disagrees with the expected outcome\nfile: {text:?}\n\
             expected: {expected:?}\nloader: {result:?}"
        ),
    }
    if let Err(e) = &result {
        // No error repeats a value from the file.
        let shown = format!("{e} {e:?}");
        for secret in ["zq9-sk-secret-1", "zq9-st-token-2"] {
            if text.contains(secret) && !path_text.contains(secret) {
                assert!(!shown.contains(secret), "an error shows a secret: {shown}");
            }
        }
    }
    check_consistency(text);
}

/// Checks one file's bytes against [`reference`].
pub fn check_file(bytes: &[u8]) {
    load_and_compare(bytes, reference);
}

/// Checks a [`model_file`]: the loader gives what the model predicts (and what [`reference`]
/// says, which must agree).
pub fn check_model(text: &str, predicted: &Outcome) {
    assert_eq!(
        reference(text),
        *predicted,
        "ProfileFile disagrees with the model for {text:?}"
    );
    load_and_compare(text.as_bytes(), |_| reference(text));
}

fn check_found(resolved: &ResolvedCredentials, path: &Path) {
    assert_eq!(
        resolved.source,
        CredentialSource::ProfileFile(path.to_owned())
    );
}

/// The fuzz target: `data` as the file's bytes, then as the seed of an INI-like file and of a
/// model file.
pub fn check(data: &[u8]) {
    check_file(data);
    let mut u = Unstructured::new(data);
    let file = text(&mut u);
    check_file(file.as_bytes());
    let mut u = Unstructured::new(data);
    let (file, predicted) = model_file(&mut u);
    check_model(&file, &predicted);
}
