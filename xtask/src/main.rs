//! Project automation for dbss-rs.
//!
//! `cargo xtask generate` regenerates the shared types (`dbss-types/src/generated.rs`) and the
//! progenitor client (`dbss-client/src/generated/client.rs`) from `openapi/dbss.json`, and
//! copies the document into `dbss-mock/openapi/dbss.json` (the mock embeds it; a published
//! crate cannot read outside its folder).
//! `cargo xtask generate --check` regenerates in memory and fails, naming each file, when a
//! checked-in file differs from what the document produces.

mod codegen;
mod operations;
mod typed;
mod view;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["generate"] => generate(Mode::Write),
        ["generate", "--check"] => generate(Mode::Check),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: cargo xtask generate [--check]";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    Check,
}

fn workspace_root() -> PathBuf {
    // xtask lives one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn generate(mode: Mode) -> Result<(), String> {
    let root = workspace_root();
    let spec_path = root.join(codegen::SPEC_PATH);
    let spec_text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let outputs = codegen::generate_all(&spec_text)?;

    let mut drifted = Vec::new();
    for output in &outputs {
        let path = root.join(output.path);
        let current = std::fs::read_to_string(&path).ok();
        if current.as_deref() == Some(output.contents.as_str()) {
            continue;
        }
        match mode {
            Mode::Check => drifted.push(output.path),
            Mode::Write => {
                if let Some(folder) = path.parent() {
                    std::fs::create_dir_all(folder)
                        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
                }
                std::fs::write(&path, &output.contents)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                eprintln!("wrote {}", output.path);
            }
        }
    }
    if drifted.is_empty() {
        if mode == Mode::Check {
            eprintln!("generated code is up to date with {}", codegen::SPEC_PATH);
        }
        return Ok(());
    }
    for path in &drifted {
        eprintln!("drifted: {path}");
    }
    Err(format!(
        "{} generated file(s) differ from what {} produces; run `cargo xtask generate`",
        drifted.len(),
        codegen::SPEC_PATH
    ))
}
