//! Splitting and validating URLs and request targets.
//!
//! The signer takes a full URL; the verifier takes what a server sees (usually the origin-form
//! `/path?query`). Both go through the same split so they agree on what the path and query are.

use crate::canonical::Path;
use crate::charset::{Classes, is_authority_byte, is_path_byte};
use crate::error::SignError;

/// A URL split into the parts signing cares about. All slices borrow the input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UrlParts<'a> {
    /// `https` (absent for an origin-form request target such as `/v1/x?y=z`).
    pub scheme: Option<&'a str>,
    /// `host[:port]` exactly as written (absent for an origin-form request target).
    pub authority: Option<&'a str>,
    /// The percent-encoded path; `/` when the URL has none.
    pub path: Path<'a>,
    /// The raw query after `?`, without the `?`; empty when there is none.
    pub query: &'a str,
}

/// Splits an absolute URL `scheme://authority/path?query`.
pub(crate) fn split_absolute_url(url: &str) -> Result<UrlParts<'_>, SignError> {
    // The first "://", found with a plain byte scan: `str::split_once` would set up a
    // substring searcher for a three-byte needle on every signature.
    let sep = url
        .as_bytes()
        .windows(3)
        .position(|w| w == b"://")
        .ok_or(SignError::InvalidUrl {
            reason: "expected an absolute URL such as https://host/path",
        })?;
    let (scheme, rest) = (&url[..sep], &url[sep + 3..]);
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
    // The authority ends at the first byte that cannot be part of it, which in a valid URL is
    // '/', '?', '#' or the end: one scan finds the end and checks the bytes.
    let end = rest
        .bytes()
        .position(|b| !is_authority_byte(b))
        .unwrap_or(rest.len());
    let (authority, target) = rest.split_at(end);
    if !matches!(target.bytes().next(), None | Some(b'/' | b'?' | b'#')) {
        return Err(invalid_authority(rest));
    }
    if authority.is_empty() {
        return Err(SignError::InvalidUrl {
            reason: "missing host",
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

/// Why the authority at the start of `rest` (what follows `://`) is refused.
fn invalid_authority(rest: &str) -> SignError {
    let end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    if rest[..end].contains('@') {
        SignError::InvalidUrl {
            reason: "user information in the URL is not supported",
        }
    } else {
        SignError::InvalidUrl {
            reason: "the host contains characters that are not allowed in a URL",
        }
    }
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
fn split_target(target: &str) -> Result<(Path<'_>, &str), SignError> {
    // The usual target is a path alone: one pass tells that it has no '?' or '#' and that
    // every byte is allowed.
    let all = Classes::of(target.as_bytes());
    if all.path() && !target.is_empty() {
        let path = Path {
            text: target,
            plain: all.plain_path(),
        };
        return Ok((path, ""));
    }
    let (path, query) = match target.as_bytes().iter().position(|&b| b == b'?') {
        Some(i) => (&target[..i], &target[i + 1..]),
        None => (target, ""),
    };
    // One branch-free pass over each part; the exact reason is looked for only on failure.
    let path_classes = Classes::of(path.as_bytes());
    if !path_classes.path() || !Classes::of(query.as_bytes()).query() {
        return Err(invalid_target(target));
    }
    // `https://host` and `https://host?x` have the request target `/`. (The official SDK
    // always has a resource path; with an empty one its CanonicalURI code would raise.)
    let path = if path.is_empty() { "/" } else { path };
    Ok((
        Path {
            text: path,
            plain: path_classes.plain_path(),
        },
        query,
    ))
}

/// Why `split_target` refused `target`: the first byte that is not allowed where it is.
fn invalid_target(target: &str) -> SignError {
    let mut in_query = false;
    for b in target.bytes() {
        if is_path_byte(b) || (b == b'?' && in_query) {
            continue;
        }
        match b {
            b'?' => in_query = true,
            b'#' => {
                return SignError::InvalidUrl {
                    reason: "a URL fragment (#...) cannot be signed",
                };
            }
            _ if in_query => {
                return SignError::InvalidUrl {
                    reason: "the query contains characters that must be percent-encoded",
                };
            }
            _ => {
                return SignError::InvalidUrl {
                    reason: "the path contains characters that must be percent-encoded",
                };
            }
        }
    }
    SignError::InvalidUrl {
        reason: "the URL contains characters that must be percent-encoded",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_are_split_and_validated() {
        let p = split_absolute_url("http://127.0.0.1:8080/v1/x?b=1&a=2").unwrap();
        assert_eq!(p.authority, Some("127.0.0.1:8080"));
        assert_eq!(p.path.text, "/v1/x");
        assert!(p.path.plain);
        assert_eq!(p.query, "b=1&a=2");
        let p = split_absolute_url("https://h").unwrap();
        assert_eq!((p.path.text, p.query), ("/", ""));
        let p = split_absolute_url("https://h?x=1").unwrap();
        assert_eq!((p.path.text, p.query), ("/", "x=1"));
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
        let reason = |url: &str| match split_absolute_url(url) {
            Err(SignError::InvalidUrl { reason }) => reason,
            other => panic!("{url}: {other:?}"),
        };
        assert!(reason("https://h/a b?c").starts_with("the path"));
        assert!(reason("https://h/a?b=<c>").starts_with("the query"));
        assert!(reason("https://h/a?b#c d").starts_with("a URL fragment"));
        assert!(reason("https://h/a b#c").starts_with("the path"));
        assert!(reason("https://u@h/x").starts_with("user information"));
        assert!(reason("https://@h").starts_with("user information"));
        assert!(reason("https://h^x/").starts_with("the host"));
        assert!(reason("https://h x").starts_with("the host"));
        assert!(reason("https:///x").starts_with("missing host"));
        assert!(reason("https://?x").starts_with("missing host"));
        let p = split_request_target("/v1/x?y=1").unwrap();
        assert_eq!((p.authority, p.path.text, p.query), (None, "/v1/x", "y=1"));
        assert!(!split_request_target("/a%2Fb").unwrap().path.plain);
    }
}
