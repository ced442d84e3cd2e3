//! `dbss completions SHELL`.

use std::io::{self, Write};

use dbss_client::types::operations::Operation;

use crate::commands::api::{Document, operation_command};
use crate::exit::Failure;

/// Prints the completion script of `shell` on stdout.
pub fn run(shell: clap_complete::Shell) -> Result<(), Failure> {
    // clap_complete panics when its writer fails; it writes into memory, and the one write
    // to stdout can fail like any other (a closed pipe is no failure).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command()?, "dbss", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    Ok(out.flush()?)
}

/// The command line as the completion scripts see it: `dbss api` with one subcommand per
/// operation, each with its own flags (parameters, body fields and their enum values), so
/// that `dbss api list_<TAB>` and `dbss api add_audit_database_new --database.<TAB>` complete.
/// The global flags are the parent's (they are `global`, so every operation offers them).
fn command() -> Result<clap::Command, Failure> {
    let doc = Document::load()?;
    let mut operations = Vec::with_capacity(Operation::ALL.len());
    for op in Operation::ALL {
        operations.push(operation_command(op, Some(&doc))?.0);
    }
    Ok(crate::args::command().mut_subcommand("api", |api| {
        // The positional that takes the operation and its flags at run time; the subcommands
        // stand for it here.
        api.mut_arg("call", |call| call.hide(true))
            .subcommands(operations)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completion_command_is_consistent() {
        command().unwrap_or_else(|e| panic!("{e}")).debug_assert();
    }
}
