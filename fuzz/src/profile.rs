//! The credentials (profile) file parser of `dbss-client`.
//!
//! The parser (`dbss-client/src/auth/profile.rs`, `parse_basic`) is crate-private, so it is
//! fuzzed through the public API that loads a profile: `Credentials::from_profile_file(path)`,
//! with the input written to a scratch file first (a `pub fn parse_profile(&str)` would let the
//! target skip the file system; see README.md).
//!
//! Properties, per input (raw bytes, and a file assembled from INI-like lines):
//! 1. Loading never panics.
//! 2. Bytes that are not UTF-8 give `CredentialsError::ProfileFile` (the read fails).
//! 3. Otherwise the outcome equals that of [`reference`], a model of the INI subset the parser
//!    documents (the `[basic]` section of the official SDKs' file, as Python's `configparser`
//!    reads simple files): the same credentials, project id and source, or the same error kind
//!    (syntax error on the same line, incomplete credentials naming the same keys, nothing
//!    found).
//! 4. `Debug` and `Display` of what is returned (credentials or error) never contain the secret
//!    key or the security token.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::Unstructured;
use dbss_client::auth::{CredentialSource, Credentials, CredentialsError, ResolvedCredentials};
use secrecy::ExposeSecret;

use crate::input::{any_string, one_in, pick, upto};

/// What the reference model says loading the file gives.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// AK/SK credentials (with an optional security token) and the file's project id.
    Found {
        ak: String,
        sk: String,
        security_token: Option<String>,
        project_id: Option<String>,
    },
    /// A syntax error on this 1-based line.
    Syntax { line: usize },
    /// Only some of ak/sk: `present` is set, `missing` is not.
    Incomplete { present: String, missing: String },
    /// No `[basic]` section, or one without ak, sk and security_token.
    NotFound,
}

/// The documented INI subset, written independently of the parser: lines split on `\n`
/// (a `\r` before it dropped), a leading BOM ignored, each line trimmed (Unicode whitespace);
/// blank lines and lines starting with `#` or `;` skipped; `[name]` starts a section (name
/// trimmed, compared case-sensitively with `basic`; a second `[basic]` is an error); otherwise
/// the line must hold `=` or `:` — the first one splits key (trimmed, ASCII-lower-cased,
/// non-empty) from value (trimmed; empty means absent); a key before any section is an error;
/// a key repeated within `[basic]` is an error; keys of other sections are ignored.
pub fn reference(text: &str) -> Outcome {
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest,
        None => text,
    };
    let mut sections_seen = 0usize;
    let mut basic_seen = false;
    let mut in_basic = false;
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut line_no = 0usize;
    let mut rest = text;
    while !rest.is_empty() {
        let (raw, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        rest = next;
        line_no += 1;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            if !line.ends_with(']') || line.len() < 2 {
                return Outcome::Syntax { line: line_no };
            }
            let name = line[1..line.len() - 1].trim();
            sections_seen += 1;
            in_basic = name == "basic";
            if in_basic {
                if basic_seen {
                    return Outcome::Syntax { line: line_no };
                }
                basic_seen = true;
            }
            continue;
        }
        let Some(split) = line.find(['=', ':']) else {
            return Outcome::Syntax { line: line_no };
        };
        let key = line[..split].trim().to_ascii_lowercase();
        let value = line[split + 1..].trim().to_owned();
        if key.is_empty() {
            return Outcome::Syntax { line: line_no };
        }
        if sections_seen == 0 {
            return Outcome::Syntax { line: line_no };
        }
        if !in_basic {
            continue;
        }
        if keys.iter().any(|(k, _)| *k == key) {
            return Outcome::Syntax { line: line_no };
        }
        keys.push((key, value));
    }
    if !basic_seen {
        return Outcome::NotFound;
    }
    let get = |name: &str| {
        keys.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let (ak, sk, token) = (get("ak"), get("sk"), get("security_token"));
    match (ak, sk) {
        (Some(ak), Some(sk)) => Outcome::Found {
            ak,
            sk,
            security_token: token,
            project_id: get("project_id"),
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

// ---- generation ----------------------------------------------------------------------------

const LINES: &[&str] = &[
    "[basic]",
    "[basic]",
    "[ basic ]",
    "[Basic]",
    "[default]",
    "[other]",
    "[basic",
    "basic]",
    "[]",
    "[",
    "[[basic]]",
    "# comment",
    "; comment",
    "  # indented comment",
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

/// Checks one file's bytes.
pub fn check_file(bytes: &[u8]) {
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
    let expected = reference(text);
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
            "profile parser disagrees with the reference model\nfile: {text:?}\nreference: \
             {expected:?}\nparser: {result:?}"
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
}

fn check_found(resolved: &ResolvedCredentials, path: &Path) {
    assert_eq!(
        resolved.source,
        CredentialSource::ProfileFile(path.to_owned())
    );
}

/// The fuzz target: `data` as the file's bytes, then as the seed of an INI-like file.
pub fn check(data: &[u8]) {
    check_file(data);
    let mut u = Unstructured::new(data);
    let file = text(&mut u);
    check_file(file.as_bytes());
}
