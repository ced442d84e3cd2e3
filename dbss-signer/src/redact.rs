//! `Debug` helpers that keep secrets out of logs.
//!
//! Anything in this crate that can hold a secret key, a security token, a signature or an IAM
//! token prints it as `[REDACTED]`. Header lists are printed with the values of the sensitive
//! headers replaced, so a `{:?}` of a request is still useful when debugging.

use std::fmt;

/// Prints `[REDACTED]`, whatever it stands for.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Header names whose values are credentials (compared case-insensitively).
const SENSITIVE: [&str; 3] = ["authorization", "x-auth-token", "x-security-token"];

/// True if the header's value must never be printed.
pub(crate) fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// Prints a header list as `[("Name", "value"), ...]` with sensitive values redacted.
///
/// Holds a cloneable iterator so it works for both input slices and signed output.
pub(crate) struct RedactedHeaders<I>(pub I);

impl<'a, I> fmt::Debug for RedactedHeaders<I>
where
    I: Iterator<Item = (&'a str, &'a str)> + Clone,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for (name, value) in self.0.clone() {
            if is_sensitive_header(name) {
                list.entry(&(name, Redacted));
            } else {
                list.entry(&(name, value));
            }
        }
        list.finish()
    }
}

/// Prints an optional body as its length only: bodies can be large and may hold personal data.
pub(crate) struct BodyLen<'a>(pub Option<&'a [u8]>);

impl fmt::Debug for BodyLen<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(b) => write!(f, "Some(<{} bytes>)", b.len()),
            None => f.write_str("None"),
        }
    }
}
