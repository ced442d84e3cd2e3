//! The README is greppable (issue 26, item 4): every environment variable the SDK, the CLI and
//! the mock read, and every flag of `dbss`, appears in full at least once in the repository's
//! README.md, so that searching it for `HUAWEICLOUD_OIDC_AGENCY_URN` or `--wait-timeout`
//! finds where it is explained (a shorthand such as `_AGENCY_URN` does not count).
//!
//! - The variables are the string literals of the sources (`dbss-client/src`, its examples,
//!   `dbss-cli/src`, `dbss-mock/src`; test modules left out) that name one
//!   (`HUAWEICLOUD_…`, `DBSS_…`, `HC_…`), a family built with `format!`
//!   (`"HUAWEICLOUD_SDK_REGION_DBSS_{}"`) counting by its prefix, and the `[env: …]` of the
//!   flags.
//! - The flags are those `dbss <command>... -h` lists, for every command and subcommand (the
//!   flags of `dbss api <operation>` come from the OpenAPI document, one set per operation, and
//!   are left out).
//!
//! This test reads files of the workspace beside the crate, so it is not part of the published
//! package (`exclude` in Cargo.toml).

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn readme() -> String {
    std::fs::read_to_string(workspace().join("README.md")).unwrap()
}

/// Whether `text` holds `word` as a whole word: not as the start of a longer name
/// (`--wait` inside `--wait-timeout`, `DBSS_REGION` inside `DBSS_REGION_X`).
fn contains_word(text: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without its test module (`#[cfg(test)]` then `mod …`, last in a file by the
/// project's convention) and without comments.
fn code_of(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod "))
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .filter(|l| !l.trim_start().starts_with("//"))
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

const PREFIXES: [&str; 3] = ["HUAWEICLOUD_", "DBSS_", "HC_"];

/// The environment variables named by string literals of the code: `"DBSS_REGION"`, and
/// `"HUAWEICLOUD_SDK_REGION_DBSS_{}"` as its prefix `HUAWEICLOUD_SDK_REGION_DBSS_`.
fn variables_in_sources() -> BTreeSet<(String, PathBuf)> {
    let root = workspace();
    let mut files = Vec::new();
    for dir in [
        "dbss-client/src",
        "dbss-client/examples",
        "dbss-cli/src",
        "dbss-mock/src",
    ] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut found = BTreeSet::new();
    for file in files {
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for literal in code.split('"').skip(1).step_by(2) {
            let name = literal.strip_suffix("{}").unwrap_or(literal);
            let is_variable = PREFIXES.iter().any(|p| name.starts_with(p))
                && name.len() > 4
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if is_variable {
                found.insert((name.to_owned(), file.strip_prefix(&root).unwrap().into()));
            }
        }
    }
    found
}

/// `dbss <path> -h`.
fn help(path: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dbss"))
        .args(path)
        .arg("-h")
        .env_remove("DBSS_INSTANCE_ID")
        .output()
        .unwrap();
    assert!(out.status.success(), "dbss {path:?} -h: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Every command path (`["reports", "create"]`), and each one's flags and `[env: …]`
/// variables, from the help of each command.
struct Cli {
    /// Each flag, and the first command whose help lists it.
    flags: BTreeMap<String, String>,
    /// Each `[env: …]` variable, and the first command whose help lists it.
    variables: BTreeMap<String, String>,
    commands: usize,
}

fn walk(path: &mut Vec<String>, cli: &mut Cli) {
    let args: Vec<&str> = path.iter().map(String::as_str).collect();
    let text = help(&args);
    let command = format!("dbss {}", path.join(" ")).trim_end().to_owned();
    cli.commands += 1;
    let mut subcommands = Vec::new();
    let mut in_commands = false;
    for line in text.lines() {
        if line == "Commands:" {
            in_commands = true;
            continue;
        }
        if in_commands {
            // `  create    Generate a report…`; a wrapped description is indented further.
            if line.is_empty() {
                in_commands = false;
            } else if !line.starts_with("   ") {
                let name = line.split_whitespace().next().unwrap_or("help");
                if name != "help" {
                    subcommands.push(name.to_owned());
                }
            }
            continue;
        }
        // `  -o, --out <FILE>  …` or `      --region <REGION>  …`: the flag lines; wrapped
        // descriptions are indented further.
        let flag = line
            .strip_prefix("      --")
            .or_else(|| {
                let rest = line.strip_prefix("  -")?;
                let mut chars = rest.chars();
                chars.next().filter(char::is_ascii_alphanumeric)?;
                chars.as_str().strip_prefix(", --")
            })
            .and_then(|rest| rest.split([' ', '=', '[']).next());
        if let Some(flag) = flag.filter(|f| !f.is_empty()) {
            cli.flags
                .entry(format!("--{flag}"))
                .or_insert_with(|| command.clone());
        }
        for (at, _) in line.match_indices("[env: ") {
            let name = line[at + 6..].split(['=', ']']).next().unwrap();
            cli.variables
                .entry(name.to_owned())
                .or_insert_with(|| command.clone());
        }
    }
    for name in subcommands {
        path.push(name);
        walk(path, cli);
        path.pop();
    }
}

fn cli() -> Cli {
    let mut cli = Cli {
        flags: BTreeMap::new(),
        variables: BTreeMap::new(),
        commands: 0,
    };
    walk(&mut Vec::new(), &mut cli);
    cli
}

#[test]
fn the_readme_names_every_environment_variable_in_full() {
    let readme = readme();
    let from_sources = variables_in_sources();
    // The walk must have found the code's variables at all (a change in the code's style would
    // otherwise make this test pass on nothing).
    for known in [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_OIDC_AGENCY_URN",
        "DBSS_ENDPOINT",
    ] {
        assert!(
            from_sources.iter().any(|(name, _)| name == known),
            "{known} not found in the sources: {from_sources:?}"
        );
    }
    let from_help = cli().variables;
    let missing: Vec<String> = from_sources
        .iter()
        .map(|(name, file)| (name.clone(), file.display().to_string()))
        .chain(
            from_help
                .into_iter()
                .map(|(name, command)| (name, format!("`{command}`"))),
        )
        .filter(|(name, _)| {
            // A family (`HUAWEICLOUD_SDK_REGION_DBSS_`) is followed by its placeholder.
            if name.ends_with('_') {
                !readme.contains(name.as_str())
            } else {
                !contains_word(&readme, name)
            }
        })
        .map(|(name, at)| format!("{name} (read in {at})"))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md does not name these environment variables in full:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn the_readme_names_every_flag_in_full() {
    let readme = readme();
    let cli = cli();
    assert!(cli.commands >= 10, "only {} commands found", cli.commands);
    for known in ["--region", "--wait-timeout", "--out"] {
        assert!(
            cli.flags.contains_key(known),
            "{known} not found in the help: {:?}",
            cli.flags
        );
    }
    let missing: Vec<String> = cli
        .flags
        .iter()
        .filter(|(flag, _)| !contains_word(&readme, flag))
        .map(|(flag, command)| format!("{flag} (of `{command}`)"))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md does not name these flags in full:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn whole_words_only() {
    assert!(contains_word("use `--wait-timeout 5m`", "--wait-timeout"));
    assert!(!contains_word("use `--wait-timeout 5m`", "--wait"));
    assert!(contains_word("--wait, or --wait-timeout", "--wait"));
    assert!(!contains_word(
        "`_AGENCY_URN`",
        "HUAWEICLOUD_OIDC_AGENCY_URN"
    ));
    assert!(contains_word("(`DBSS_REGION`)", "DBSS_REGION"));
    assert!(!contains_word("DBSS_REGION_X", "DBSS_REGION"));
    assert!(!contains_word("X_DBSS_REGION", "DBSS_REGION"));
    assert!(!contains_word("---wait", "--wait"));
    assert!(contains_word(
        "DBSS_METADATA_DISABLED=true",
        "DBSS_METADATA_DISABLED"
    ));
}
