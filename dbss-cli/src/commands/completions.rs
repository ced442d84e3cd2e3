//! `dbss completions SHELL`.

use std::io::{self, Write};

use crate::exit::Failure;

/// Prints the completion script of `shell` on stdout.
pub fn run(shell: clap_complete::Shell) -> Result<(), Failure> {
    // clap_complete panics when its writer fails; it writes into memory, and the one write
    // to stdout can fail like any other (a closed pipe is no failure).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut crate::args::command(), "dbss", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    Ok(out.flush()?)
}
