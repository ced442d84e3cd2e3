#![doc = include_str!("../README.md")]
//!
//! # Layout
//!
//! - `main.rs`: logging, the runtime, the error line and the exit code.
//! - `args.rs`: the command line (clap derive).
//! - `commands/`: one module per command group; each calls dbss-client and prints.
//! - `demo.rs`: `dbss demo` (the embedded mock and the whole workflow).
//! - `output.rs`: tables, JSON, YAML, TSV, progress bars.
//! - `query.rs`: `--query` (JMESPath).
//! - `render.rs`: any JSON document as table rows or TSV.
//! - `exit.rs`: failure classes and their exit codes.

mod args;
mod commands;
mod demo;
mod exit;
mod output;
mod query;
mod render;

use std::io::IsTerminal;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;

use crate::exit::ExitClass;

fn main() -> ExitCode {
    let cli = args::parse();
    init_logging(cli.verbose());

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitClass::Other.into();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitClass::Success.into(),
        // The reader of stdout went away (`| head`): nothing left to say to anyone.
        Err(failure) if failure.is_broken_pipe() => ExitClass::Success.into(),
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.class().into()
        }
    }
}

/// Logs go to stderr. `RUST_LOG` wins when set; else `--verbose` shows the debug logs of this
/// program, the client (each attempt, its status and request id) and the demo's mock; else only
/// warnings (e.g. a credentials file that others can read).
fn init_logging(verbose: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(if verbose {
            "warn,dbss=debug,dbss_client=debug,dbss_mock=debug"
        } else {
            "warn"
        })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(true)
        .init();
}
