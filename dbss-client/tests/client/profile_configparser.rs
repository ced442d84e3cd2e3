//! `dbss_client::auth::profile::ProfileFile` against CPython's `configparser`, which the
//! official SDK (huaweicloudsdkcore) reads the credentials file with.
//!
//! Every file of `tests/profiles/*.ini`, then a few hundred generated files, are read by
//! `tests/profiles/configparser_dump.py` (`ConfigParser()`, `read(path, encoding="utf-8")`,
//! `items(section)` of each section and of DEFAULT) and by `ProfileFile` from the same bytes;
//! the two JSON descriptions must be equal: section order, keys, values, and for errors the
//! exception class and line (for an interpolation error, its class per section).
//!
//! Needs `python3` on `PATH` (or `DBSS_TEST_PYTHON`): without it the tests fail, they do not
//! skip.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use dbss_client::auth::profile::ProfileFile;
use serde_json::{Value, json};

/// The configparser exception each corpus file that fails to read must raise (all others must
/// read, possibly with interpolation errors in some sections).
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    ("bom.ini", "MissingSectionHeaderError"),
    ("bom_comment.ini", "MissingSectionHeaderError"),
    ("duplicate_in_default.ini", "DuplicateOptionError"),
    ("duplicate_key.ini", "DuplicateOptionError"),
    ("duplicate_section.ini", "DuplicateSectionError"),
    ("empty_brackets.ini", "MissingSectionHeaderError"),
    ("empty_key.ini", "ParsingError"),
    ("junk_before_section.ini", "MissingSectionHeaderError"),
    ("key_before_section.ini", "MissingSectionHeaderError"),
    ("no_delimiter.ini", "ParsingError"),
    ("non_utf8.ini", "UnicodeDecodeError"),
    ("parse_error_then_duplicate.ini", "DuplicateOptionError"),
    ("unclosed_header.ini", "ParsingError"),
];

/// Corpus files with an interpolation error in a section: (file, section, exception class).
const EXPECTED_INTERPOLATION_ERRORS: &[(&str, &str, &str)] = &[
    (
        "bad_interpolation_loop.ini",
        "basic",
        "InterpolationDepthError",
    ),
    (
        "bad_interpolation_missing.ini",
        "basic",
        "InterpolationMissingOptionError",
    ),
    (
        "bad_interpolation_syntax.ini",
        "basic",
        "InterpolationSyntaxError",
    ),
    (
        "bad_interpolation_unclosed.ini",
        "basic",
        "InterpolationSyntaxError",
    ),
    (
        "interpolation_depth_error.ini",
        "s",
        "InterpolationDepthError",
    ),
];

fn profiles_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/profiles")
}

/// What configparser makes of each file, in order (see configparser_dump.py).
fn configparser(files: &[PathBuf]) -> Vec<Value> {
    let python = std::env::var_os("DBSS_TEST_PYTHON").unwrap_or_else(|| "python3".into());
    let mut dumped = Vec::with_capacity(files.len());
    // A few thousand paths per run keep the command line short.
    for chunk in files.chunks(2000) {
        let output = Command::new(&python)
            .arg(profiles_dir().join("configparser_dump.py"))
            .args(chunk)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {python:?} ({e}): this test compares the profile parser with \
                     Python's configparser and needs python3 on PATH (or DBSS_TEST_PYTHON)"
                )
            });
        assert!(
            output.status.success(),
            "configparser_dump.py failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let part: Vec<Value> = serde_json::from_slice(&output.stdout).expect("JSON from python");
        assert_eq!(part.len(), chunk.len());
        dumped.extend(part);
    }
    dumped
}

/// The same description from `ProfileFile`.
fn ours(bytes: &[u8]) -> Value {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return json!({"error": "UnicodeDecodeError", "line": null});
    };
    let file = match ProfileFile::parse(text) {
        Ok(file) => file,
        Err(e) => {
            assert!(!e.kind.is_interpolation(), "{e:?}");
            return json!({
                "error": e.kind.configparser_exception().expect("a configparser class"),
                "line": e.line,
            });
        }
    };
    let items = |section: &str| match file.items(section).expect("the section exists") {
        Ok(items) => json!(items),
        Err(e) => {
            assert!(e.kind.is_interpolation(), "{e:?}");
            json!({
                "interpolation_error": true,
                "class": e.kind.configparser_exception().unwrap_or("InterpolationTooLarge"),
            })
        }
    };
    let names = file.section_names();
    let sections: serde_json::Map<String, Value> = names
        .iter()
        .map(|name| ((*name).to_owned(), items(name)))
        .collect();
    json!({"order": names, "sections": sections, "defaults": items("DEFAULT")})
}

/// Compares every file; returns configparser's descriptions. Panics listing every difference.
fn compare(files: &[PathBuf]) -> Vec<Value> {
    let expected = configparser(files);
    let mut failures = Vec::new();
    for (path, want) in files.iter().zip(&expected) {
        let bytes = std::fs::read(path).unwrap();
        let got = ours(&bytes);
        if got != *want {
            failures.push(format!(
                "{}\n  file:         {:?}\n  configparser: {want}\n  ProfileFile:  {got}",
                path.display(),
                String::from_utf8_lossy(&bytes),
            ));
        }
        // The other accessors agree with `items`.
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(file) = ProfileFile::parse(text)
        {
            for name in file.section_names() {
                assert!(file.has_section(name));
                if let Some(Ok(items)) = file.items(name) {
                    for (key, value) in items {
                        assert_eq!(file.get(name, &key).unwrap().unwrap(), value);
                    }
                }
            }
            assert!(!file.has_section("DEFAULT"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ from configparser:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    expected
}

#[test]
fn corpus_matches_configparser() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(profiles_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ini"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "corpus too small: {}", files.len());
    let dumped = compare(&files);

    // Each error file raises the exception it is there for, and only those files fail.
    for (path, dump) in files.iter().zip(&dumped) {
        let name = path.file_name().unwrap().to_str().unwrap();
        let expected = EXPECTED_ERRORS
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, class)| *class);
        assert_eq!(
            dump.get("error").and_then(Value::as_str),
            expected,
            "{name}: {dump}"
        );
        for (file, section, class) in EXPECTED_INTERPOLATION_ERRORS {
            if *file == name {
                assert_eq!(dump["sections"][section]["class"], *class, "{name}: {dump}");
            }
        }
    }
    for (file, _) in EXPECTED_ERRORS {
        assert!(
            files.iter().any(|p| p.ends_with(file)),
            "{file} is missing from the corpus"
        );
    }
}

// ---- generated files -----------------------------------------------------------------------

/// SplitMix64: a fixed sequence, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const HEADERS: &[&str] = &[
    "[basic]",
    "[basic]",
    "[global]",
    "[DEFAULT]",
    "[DEFAULT]",
    "[default]",
    "[Basic]",
    "[ basic ]",
    "[basic] trailing",
    "[x]y]",
    "[]]",
    "[k=v]",
    "[секция]",
    "[%(x)s]",
];
const BAD_HEADERS: &[&str] = &["[]", "[", "[basic", "basic]", "[]x"];
const KEYS: &[&str] = &[
    "ak",
    "AK",
    "sk",
    "Sk",
    "project_id",
    "security_token",
    "idp_id",
    "id_token_file",
    "region",
    "home",
    "home",
    "k1",
    "K1",
    "k2",
    "a k",
    "ключ",
    "ΑΣ",
    "Straße",
    "x%y",
    "[b",
    "#k",
];
const SEPARATORS: &[&str] = &[
    "=",
    " = ",
    " = ",
    ":",
    " : ",
    "==",
    ":=",
    "=:",
    "\t=\t",
    " =",
    "= ",
    "\u{a0}=\u{a0}",
    "\u{3000}:",
];
const VALUES: &[&str] = &[
    "AK-1",
    "zz",
    "",
    " ",
    "a=b",
    "x:y",
    "x # y",
    "x ; y",
    "%%",
    "100%",
    "%(ak)s",
    "%(AK)s",
    "%(home)s",
    "%(home)s",
    "%(k1)s",
    "%(k2)s",
    "%(region)s",
    "%(missing)s",
    "%(",
    "%(x",
    "%()s",
    "%(k1)d",
    "%x",
    "50%",
    "é",
    "\u{a0}",
    "\u{1c}",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "[basic]",
    "#",
    ";",
    "\t",
];
/// Values without `%` references that can fail (for the clean files).
const CLEAN_VALUES: &[&str] = &[
    "AK-1", "zz", "", " ", "a=b", "x:y", "x # y", "%%", "%(home)s", "é", "\u{a0}", "[basic]",
];
const INDENTS: &[&str] = &[
    " ", "  ", "\t", "    ", "\u{a0}", "\u{3000}", "\u{1c}", " \t",
];
const COMMENTS: &[&str] = &["# c", "; c", "#", ";", "#ak = x", ";[basic]"];
const BLANKS: &[&str] = &["", "", "   ", "\t", "\u{a0}", "\u{1c}", "\u{2028}"];
const JUNK: &[&str] = &["junk", "ak", "%", "\u{feff}x", "a b c"];
const ALPHABET: &[&str] = &[
    "[", "]", "=", ":", "#", ";", "%", "(", ")", "s", "a", "k", " ", "\t", "\u{a0}", "\r", "\n",
    "\u{1c}", "D", "é",
];
const ENDINGS: &[&str] = &["\n", "\n", "\n", "\r\n", "\r"];

fn value(rng: &mut Rng, pieces: &[&str]) -> String {
    (0..rng.below(4)).map(|_| rng.pick(pieces)).collect()
}

/// One file. A clean file (half of them) starts with a header, repeats no section or key and
/// has no malformed line, so that most of them read; the others mix in everything.
fn generate(rng: &mut Rng) -> String {
    let clean = rng.one_in(2);
    let mut out = String::new();
    if !clean && rng.one_in(20) {
        out.push('\u{feff}');
    }
    let mut sections: Vec<&str> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let lines = 1 + rng.below(14);
    for n in 0..lines {
        let indent = if rng.one_in(5) { rng.pick(INDENTS) } else { "" };
        // Most files start with a header: a line before it ends the parse at once.
        let roll = if n == 0 && (clean || !rng.one_in(4)) {
            0
        } else {
            rng.below(100)
        };
        match roll {
            0..=14 => {
                let mut header = rng.pick(HEADERS);
                if clean {
                    let fresh: Vec<&str> = HEADERS
                        .iter()
                        .copied()
                        .filter(|h| *h == "[DEFAULT]" || !sections.contains(h))
                        .collect();
                    header = rng.pick(&fresh);
                    sections.push(header);
                    keys.clear();
                }
                out.push_str(indent);
                out.push_str(header);
            }
            15..=54 => {
                let mut key = rng.pick(KEYS);
                if clean {
                    if keys.iter().any(|k| *k == key.to_lowercase()) {
                        continue;
                    }
                    keys.push(key.to_lowercase());
                }
                if !clean && rng.one_in(15) {
                    key = "";
                }
                let sep = rng.pick(SEPARATORS);
                let v = value(rng, if clean { CLEAN_VALUES } else { VALUES });
                out.push_str(&format!("{indent}{key}{sep}{v}"));
            }
            // A continuation line (in a clean file, only where a key precedes).
            55..=66 if !clean || !keys.is_empty() => {
                out.push_str(rng.pick(INDENTS));
                if rng.one_in(3) {
                    out.push_str(rng.pick(INDENTS));
                }
                let v = value(rng, if clean { CLEAN_VALUES } else { VALUES });
                out.push_str(if v.trim().is_empty() { "more" } else { &v });
            }
            67..=76 => {
                out.push_str(indent);
                out.push_str(rng.pick(COMMENTS));
            }
            77..=86 => out.push_str(rng.pick(BLANKS)),
            _ if clean => out.push_str(rng.pick(COMMENTS)),
            87..=91 => out.push_str(rng.pick(JUNK)),
            92..=94 => out.push_str(rng.pick(BAD_HEADERS)),
            _ => {
                for _ in 0..rng.below(12) {
                    out.push_str(rng.pick(ALPHABET));
                }
            }
        }
        if n + 1 < lines || !rng.one_in(6) {
            out.push_str(rng.pick(ENDINGS));
        }
    }
    out
}

#[test]
fn generated_files_match_configparser() {
    // More with PROFILE_CONFIGPARSER_FILES=100000 (the same seed: the first 800 are the same).
    let files_wanted: usize = std::env::var("PROFILE_CONFIGPARSER_FILES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(800);
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x00db_5500_c0f1_9a12);
    let files: Vec<PathBuf> = (0..files_wanted)
        .map(|i| {
            let path = dir.path().join(format!("generated-{i:04}.ini"));
            std::fs::write(&path, generate(&mut rng)).unwrap();
            path
        })
        .collect();
    let dumped = compare(&files);

    // The generator reaches every outcome, often enough to mean something.
    let errors = |class: &str| {
        dumped
            .iter()
            .filter(|d| d.get("error").and_then(Value::as_str) == Some(class))
            .count()
    };
    let read: Vec<&Value> = dumped.iter().filter(|d| d.get("error").is_none()).collect();
    let with_values = read
        .iter()
        .filter(|d| {
            d["sections"]
                .as_object()
                .unwrap()
                .values()
                .any(|s| s.as_array().is_some_and(|a| !a.is_empty()))
        })
        .count();
    let interpolation_failures = |class: &str| {
        read.iter()
            .filter(|d| {
                d["sections"]
                    .as_object()
                    .unwrap()
                    .values()
                    .any(|s| s["class"] == class)
            })
            .count()
    };
    let stats = [
        ("read, with values", with_values, files_wanted / 4),
        ("ParsingError", errors("ParsingError"), 20),
        (
            "MissingSectionHeaderError",
            errors("MissingSectionHeaderError"),
            20,
        ),
        ("DuplicateOptionError", errors("DuplicateOptionError"), 20),
        ("DuplicateSectionError", errors("DuplicateSectionError"), 5),
        (
            "InterpolationSyntaxError",
            interpolation_failures("InterpolationSyntaxError"),
            10,
        ),
        (
            "InterpolationMissingOptionError",
            interpolation_failures("InterpolationMissingOptionError"),
            10,
        ),
        (
            "InterpolationDepthError",
            interpolation_failures("InterpolationDepthError"),
            3,
        ),
    ];
    println!("outcomes of the generated files: {stats:?}");
    for (what, count, at_least) in stats {
        assert!(
            count >= at_least,
            "only {count} of {files_wanted} generated files gave {what} (want {at_least}): {stats:?}"
        );
    }
}
