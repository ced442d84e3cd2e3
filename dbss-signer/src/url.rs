//! Splitting and validating URLs and request targets.
//!
//! The signer takes a full URL; the verifier takes what a server sees (usually the origin-form
//! `/path?query`). Both go through the same split so they agree on what the path and query are.

use crate::charset::{is_authority_byte, is_path_byte};
use crate::error::SignError;

/// A URL split into the parts signing cares about. All slices borrow the input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UrlParts<'a> {
    /// `https` (absent for an origin-form request target such as `/v1/x?y=z`).
    pub scheme: Option<&'a str>,
    /// `host[:port]` exactly as written (absent for an origin-form request target).
    pub authority: Option<&'a str>,
    /// The percent-encoded path; `/` when the URL has none.
    pub path: &'a str,
    /// The raw query after `?`, without the `?`; empty when there is none.
    pub query: &'a str,
}

/// Splits an absolute URL `scheme://authority/path?query`.
pub(crate) fn split_absolute_url(url: &str) -> Result<UrlParts<'_>, SignError> {
    let (scheme, rest) = url.split_once("://").ok_or(SignError::InvalidUrl {
        reason: "expected an absolute URL such as https://host/path",
    })?;
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return Err(SignError::InvalidUrl {
            reason: "invalid scheme",
        });
    }
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let (authority, target) = rest.split_at(end);
    if authority.is_empty() {
        return Err(SignError::InvalidUrl {
            reason: "missing host",
        });
    }
    if authority.contains('@') {
        return Err(SignError::InvalidUrl {
            reason: "user information in the URL is not supported",
        });
    }
    if !authority.bytes().all(is_authority_byte) {
        return Err(SignError::InvalidUrl {
            reason: "the host contains characters that are not allowed in a URL",
        });
    }
    let (path, query) = split_target(target)?;
    Ok(UrlParts {
        scheme: Some(scheme),
        authority: Some(authority),
        path,
        query,
    })
}

/// Splits either an origin-form request target (`/path?query`, what an HTTP server sees) or an
/// absolute URL.
pub(crate) fn split_request_target(target: &str) -> Result<UrlParts<'_>, SignError> {
    if target.starts_with('/') {
        let (path, query) = split_target(target)?;
        Ok(UrlParts {
            scheme: None,
            authority: None,
            path,
            query,
        })
    } else {
        split_absolute_url(target)
    }
}

/// Splits `path?query`, rejecting fragments and characters RFC 3986 does not allow raw.
///
/// Rejecting (rather than silently encoding) matters: HTTP clients rewrite such characters on
/// the way out (the `url` crate drops tabs and newlines and turns `\` into `/`), so the server
/// would see a different path than the one that was signed.
fn split_target(target: &str) -> Result<(&str, &str), SignError> {
    // One pass over the bytes: find the '?', validate path and query, refuse a '#'.
    let bytes = target.as_bytes();
    let mut query_at = None;
    for (i, &b) in bytes.iter().enumerate() {
        if is_path_byte(b) || (b == b'?' && query_at.is_some()) {
            continue;
        }
        match b {
            b'?' => query_at = Some(i),
            b'#' => {
                return Err(SignError::InvalidUrl {
                    reason: "a URL fragment (#...) cannot be signed",
                });
            }
            _ if query_at.is_some() => {
                return Err(SignError::InvalidUrl {
                    reason: "the query contains characters that must be percent-encoded",
                });
            }
            _ => {
                return Err(SignError::InvalidUrl {
                    reason: "the path contains characters that must be percent-encoded",
                });
            }
        }
    }
    let (path, query) = match query_at {
        Some(i) => (&target[..i], &target[i + 1..]),
        None => (target, ""),
    };
    // `https://host` and `https://host?x` have the request target `/`. (The official SDK
    // always has a resource path; with an empty one its CanonicalURI code would raise.)
    let path = if path.is_empty() { "/" } else { path };
    Ok((path, query))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_are_split_and_validated() {
        let p = split_absolute_url("http://127.0.0.1:8080/v1/x?b=1&a=2").unwrap();
        assert_eq!(p.authority, Some("127.0.0.1:8080"));
        assert_eq!(p.path, "/v1/x");
        assert_eq!(p.query, "b=1&a=2");
        let p = split_absolute_url("https://h").unwrap();
        assert_eq!((p.path, p.query), ("/", ""));
        let p = split_absolute_url("https://h?x=1").unwrap();
        assert_eq!((p.path, p.query), ("/", "x=1"));
        for bad in [
            "h/x",
            "://h/x",
            "https:///x",
            "https://u@h/x",
            "https://h/a b",
            "https://h/a\\b",
            "https://h/a\nb",
            "https://h/x#frag",
            "https://h/ä",
            "https://h/x?a=<b>",
        ] {
            assert!(split_absolute_url(bad).is_err(), "{bad:?}");
        }
        let p = split_request_target("/v1/x?y=1").unwrap();
        assert_eq!((p.authority, p.path, p.query), (None, "/v1/x", "y=1"));
    }
}
