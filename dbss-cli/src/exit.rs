//! Why `dbss` failed, and the exit code each kind of failure gets.
//!
//! Scripts branch on the exit code, so every class of [`dbss_client::Error`] has its own code,
//! and the table ([`ExitClass::ALL`]) is printed in `dbss --help` and written in the README
//! (a unit test keeps the README in step).

use std::fmt;
use std::io;
use std::process::ExitCode;

use dbss_client::ConfigError;

/// A class of outcome, with its exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitClass {
    /// Everything worked.
    Success = 0,
    /// A failure of no other class (the embedded mock of `dbss demo` could not start, or an
    /// error kind newer than this program).
    Other = 1,
    /// The command line was wrong (clap's own code for usage errors).
    Usage = 2,
    /// Input or configuration was refused before anything was sent.
    Invalid = 3,
    /// No usable credentials were found; nothing was sent.
    Credentials = 4,
    /// DBSS refused the request (HTTP 4xx).
    ClientSide = 5,
    /// DBSS failed (HTTP 5xx), or answered 200 but said the operation did not succeed.
    ServerSide = 6,
    /// A time limit ran out.
    Timeout = 7,
    /// The connection failed.
    Connection = 8,
    /// An answer arrived that could not be decoded.
    Decode = 9,
    /// A local file could not be written (the download, or standard output).
    LocalIo = 10,
}

impl ExitClass {
    /// Every class, in code order: the table of the help text and the README.
    pub const ALL: [ExitClass; 11] = [
        ExitClass::Success,
        ExitClass::Other,
        ExitClass::Usage,
        ExitClass::Invalid,
        ExitClass::Credentials,
        ExitClass::ClientSide,
        ExitClass::ServerSide,
        ExitClass::Timeout,
        ExitClass::Connection,
        ExitClass::Decode,
        ExitClass::LocalIo,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// What the code means, one line, as the help text and the README say it.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitClass::Success => "success",
            ExitClass::Other => "other failure (e.g. the demo's embedded server could not start)",
            ExitClass::Usage => "usage error: bad flags or arguments, or no --instance",
            ExitClass::Invalid => {
                "invalid input or configuration, refused before anything was sent"
            }
            ExitClass::Credentials => "no usable credentials; nothing was sent",
            ExitClass::ClientSide => {
                "DBSS refused the request: HTTP 4xx (bad parameter, authentication, throttling)"
            }
            ExitClass::ServerSide => {
                "DBSS failed: HTTP 5xx, or 200 with result \"failed\" (operation failed)"
            }
            ExitClass::Timeout => "a time limit ran out (--timeout, or the wait deadline)",
            ExitClass::Connection => "the connection failed",
            ExitClass::Decode => "an undecodable answer (an HTML page, truncated JSON, ...)",
            ExitClass::LocalIo => "a local file or standard output could not be written",
        }
    }

    /// The class of an SDK error. Matches on the variant, never on the message.
    pub fn of(error: &dbss_client::Error) -> ExitClass {
        use dbss_client::Error;
        match error {
            Error::Validation(_) | Error::Config(_) => ExitClass::Invalid,
            Error::Credentials(_) => ExitClass::Credentials,
            Error::Service(e) if e.status >= 500 => ExitClass::ServerSide,
            Error::Service(_) => ExitClass::ClientSide,
            Error::OperationFailed { .. } => ExitClass::ServerSide,
            Error::Timeout { .. } => ExitClass::Timeout,
            Error::Connection { .. } => ExitClass::Connection,
            Error::Decode { .. } => ExitClass::Decode,
            Error::Io { .. } => ExitClass::LocalIo,
            // `Error` is non-exhaustive: a kind added later still fails, with the generic code.
            _ => ExitClass::Other,
        }
    }

    /// The exit-code table for `dbss --help`.
    pub fn help_table() -> String {
        let mut text = String::from("Exit codes:\n");
        for class in Self::ALL {
            text.push_str(&format!("  {:>2}  {}\n", class.code(), class.meaning()));
        }
        text.push_str(
            "\nErrors are printed as one line on stderr, `error: ...`, ending with\n\
             `[request id ...]` when DBSS answered: quote it to Huawei Cloud support.",
        );
        text
    }
}

impl From<ExitClass> for ExitCode {
    fn from(class: ExitClass) -> Self {
        ExitCode::from(class.code())
    }
}

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The SDK said no; its `Display` is one line and carries the request id.
    Sdk(dbss_client::Error),
    /// The command line is incomplete in a way clap cannot see (e.g. no instance).
    Usage(String),
    /// An argument the client would refuse but cannot be given (e.g. a negative page size);
    /// nothing was sent.
    Invalid(String),
    /// Writing output or a local file failed.
    Io(io::Error),
    /// Anything else.
    Other(String),
}

impl Failure {
    /// The exit class of this failure.
    pub fn class(&self) -> ExitClass {
        match self {
            Failure::Sdk(e) => ExitClass::of(e),
            Failure::Usage(_) => ExitClass::Usage,
            Failure::Invalid(_) => ExitClass::Invalid,
            Failure::Io(_) => ExitClass::LocalIo,
            Failure::Other(_) => ExitClass::Other,
        }
    }

    /// Whether standard output was closed by the reader (`dbss reports list | head -1`): not
    /// worth a message, and not a failure of the command.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Failure::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The SDK's message tells a Rust caller to opt in with `allow_insecure_http(true)`;
            // a CLI user opts in with the flag.
            Failure::Sdk(dbss_client::Error::Config(ConfigError::InsecureEndpoint {
                host,
                ..
            })) => write!(
                f,
                "refusing plain http:// to non-loopback host {host:?}: credentials and reports \
                 would travel unencrypted; use an https:// endpoint (plain http:// is accepted \
                 for 127.0.0.1, ::1 and localhost), or opt in with --allow-insecure-http"
            ),
            Failure::Sdk(e) => write!(f, "{e}"),
            Failure::Usage(message) | Failure::Invalid(message) | Failure::Other(message) => {
                f.write_str(message)
            }
            Failure::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<dbss_client::Error> for Failure {
    fn from(e: dbss_client::Error) -> Self {
        Failure::Sdk(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_in_order() {
        for (i, class) in ExitClass::ALL.iter().enumerate() {
            assert_eq!(usize::from(class.code()), i, "{class:?}");
        }
    }

    /// The README's table must say what the program does.
    #[test]
    fn readme_lists_every_exit_code() {
        let readme = include_str!("../README.md");
        for class in ExitClass::ALL {
            let row = format!(
                "| {} | {} |",
                class.code(),
                class.meaning().replace('|', "\\|")
            );
            assert!(readme.contains(&row), "README.md lacks the row `{row}`");
        }
    }

    #[test]
    fn sdk_errors_map_to_their_class() {
        use dbss_client::{Error, TimeoutPhase};
        let timeout = Error::Timeout {
            phase: TimeoutPhase::Attempt,
            after: std::time::Duration::from_secs(1),
        };
        assert_eq!(ExitClass::of(&timeout), ExitClass::Timeout);
        let refused = Error::Connection {
            request_sent: false,
            message: "refused".into(),
        };
        assert_eq!(ExitClass::of(&refused), ExitClass::Connection);
        let failed = Error::OperationFailed {
            operation: "create_report",
            result: Some("failed".into()),
            request_id: None,
        };
        assert_eq!(ExitClass::of(&failed), ExitClass::ServerSide);
    }
}
