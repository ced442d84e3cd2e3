//! Canonicalisation shared by the signer and the verifier: CanonicalURI, CanonicalQueryString,
//! payload hash, the canonical request, the string to sign and the HMAC.
//!
//! Each rule mirrors `huaweicloudsdkcore/signer/signer.py` (3.1.219); the comments say which
//! Python expression a piece reproduces, because the vectors recorded from that code are the
//! specification.

use std::borrow::Cow;
use std::fmt::Write as _;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use crate::charset::is_unreserved;

/// Python's `quote(s, safe='~')`: everything except `A-Z a-z 0-9 - _ . ~` is encoded.
const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Hex SHA-256 of the empty string: the payload hash of a request without a body.
pub(crate) const EMPTY_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The `X-Sdk-Content-Sha256` value that stands in for the body hash.
pub(crate) const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// Appends `s` with Python's `quote(s, safe='~')`.
fn push_encoded(out: &mut String, s: &str) {
    // Most segments and query parts need no encoding at all.
    if s.bytes().all(is_unreserved) {
        out.push_str(s);
        return;
    }
    for chunk in utf8_percent_encode(s, ENCODE_SET) {
        out.push_str(chunk);
    }
}

/// Python's `unquote(s)`: percent-decodes, then decodes UTF-8 replacing invalid sequences with
/// U+FFFD. Borrows when there is nothing to decode.
fn py_unquote(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    match percent_decode_str(s).decode_utf8_lossy() {
        Cow::Borrowed(b) => Cow::Owned(b.to_owned()),
        Cow::Owned(o) => Cow::Owned(o),
    }
}

/// Appends the CanonicalURI of `path`: `unquote(path).split('/')`, each segment encoded, joined
/// with `/`, and a trailing `/` added if missing. So `a%2Fb` is signed as `a/b` and `x%25y` as
/// `x%25y`.
pub(crate) fn push_canonical_uri(out: &mut String, path: &str) {
    let decoded = py_unquote(path);
    let mut first = true;
    for segment in decoded.split('/') {
        if !first {
            out.push('/');
        }
        first = false;
        push_encoded(out, segment);
    }
    if !out.ends_with('/') {
        out.push('/');
    }
}

/// The CanonicalQueryString of a raw query: pairs split on `&` and the first `=`, decoded,
/// sorted on the decoded `(key, value)` (Python's `list.sort()` on tuples of `str`, i.e. by code
/// point, which is byte order for UTF-8), each written `enc(key)=enc(value)`, joined by `&`.
///
/// Empty segments (`a=1&&b=2`) are dropped and a key without `=` gets an empty value: the SDK
/// only ever has `(key, value)` tuples, so neither can come from it.
pub(crate) fn canonical_query(query: &str) -> String {
    if query.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = query
        .split('&')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            let (k, v) = segment.split_once('=').unwrap_or((segment, ""));
            (py_unquote(k), py_unquote(v))
        })
        .collect();
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 8);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        push_encoded(&mut out, k);
        out.push('=');
        push_encoded(&mut out, v);
    }
    out
}

/// Appends the payload hash: the empty-string hash when there is no body (Python: `if not
/// request.body`), else the `X-Sdk-Content-Sha256` value when that header is set, else the
/// hex SHA-256 of the body.
///
/// `content_sha256` is the header's trimmed value. The SDK reads it after re-encoding header
/// values with `value.encode('utf-8').decode('iso-8859-1')`, so a non-ASCII value enters the
/// canonical request as one character per UTF-8 byte; that is reproduced here.
pub(crate) fn push_payload_hash(
    out: &mut String,
    body: Option<&[u8]>,
    content_sha256: Option<&str>,
) {
    let body = match body {
        Some(b) if !b.is_empty() => b,
        _ => {
            out.push_str(EMPTY_SHA256);
            return;
        }
    };
    match content_sha256 {
        Some(v) if !v.is_empty() => {
            if v.is_ascii() {
                out.push_str(v);
            } else {
                out.extend(v.bytes().map(char::from));
            }
        }
        _ => push_sha256_hex(out, body),
    }
}

/// Appends the lower-case hex SHA-256 of `data`.
pub(crate) fn push_sha256_hex(out: &mut String, data: &[u8]) {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(data);
    let mut buf = [0u8; 64];
    // 32 bytes always fit in 64 hex characters; the error branch is unreachable.
    if hex::encode_to_slice(digest, &mut buf).is_ok() {
        out.push_str(std::str::from_utf8(&buf).unwrap_or(""));
    }
}

/// Appends an upper-cased copy of `method` (Python: `request.method.upper()`; methods are
/// validated as ASCII tokens first).
pub(crate) fn push_upper(out: &mut String, method: &str) {
    let start = out.len();
    out.push_str(method);
    if let Some(tail) = out.get_mut(start..) {
        tail.make_ascii_uppercase();
    }
}

/// Appends a lower-cased copy of a header name (Python: `key.lower()` on an ASCII token).
pub(crate) fn push_lower(out: &mut String, name: &str) {
    let start = out.len();
    out.push_str(name);
    if let Some(tail) = out.get_mut(start..) {
        tail.make_ascii_lowercase();
    }
}

/// Builds `METHOD\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nPayloadHash`
/// and returns it with the byte range of the SignedHeaders line.
///
/// `signed` holds the signed headers in SignedHeaders order with their trimmed values; names
/// are lower-cased here. CanonicalHeaders is `name:value\n` per header, so the part ends with
/// a blank line.
pub(crate) fn canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    signed: &[(&str, &str)],
    body: Option<&[u8]>,
    content_sha256: Option<&str>,
) -> (String, std::ops::Range<usize>) {
    let headers_len: usize = signed.iter().map(|(n, v)| 2 * n.len() + v.len() + 3).sum();
    let mut out = String::with_capacity(
        method.len() + 2 * path.len() + canonical_query.len() + headers_len + 80,
    );
    push_upper(&mut out, method);
    out.push('\n');
    push_canonical_uri(&mut out, path);
    out.push('\n');
    out.push_str(canonical_query);
    out.push('\n');
    for (name, value) in signed {
        push_lower(&mut out, name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    let start = out.len();
    for (i, (name, _)) in signed.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        push_lower(&mut out, name);
    }
    let range = start..out.len();
    out.push('\n');
    push_payload_hash(&mut out, body, content_sha256);
    (out, range)
}

/// Returns `"SDK-HMAC-SHA256\n" + date + "\n" + hex(sha256(canonical_request))`.
pub(crate) fn string_to_sign(date: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + date.len() + 66);
    let _ = write!(out, "{ALGORITHM}\n{date}\n");
    push_sha256_hex(&mut out, canonical_request.as_bytes());
    out
}

/// The algorithm name, first line of the string to sign and prefix of `Authorization`.
pub(crate) const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// HMAC-SHA256 of `data` keyed with the secret key bytes as they are (no key derivation).
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail; the fallback keeps the
    // function total without an `unwrap`.
    match <Hmac<sha2::Sha256> as Mac>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        Err(_) => [0; 32],
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn uri(path: &str) -> String {
        let mut s = String::new();
        push_canonical_uri(&mut s, path);
        s
    }

    #[test]
    fn canonical_uri_follows_the_sdk() {
        assert_eq!(uri("/"), "/");
        assert_eq!(uri("/v1/x"), "/v1/x/");
        assert_eq!(uri("/v1/x/"), "/v1/x/");
        assert_eq!(uri("/a%2Fb/x%25y"), "/a/b/x%25y/");
        assert_eq!(uri("/inst%201%2B%C3%A4"), "/inst%201%2B%C3%A4/");
        assert_eq!(uri("/e*f(g)!'"), "/e%2Af%28g%29%21%27/");
        assert_eq!(uri("/c~d/%7e"), "/c~d/~/");
        // Invalid UTF-8 after decoding becomes U+FFFD, as with Python's unquote.
        assert_eq!(uri("/%FF"), "/%EF%BF%BD/");
        assert_eq!(uri("/%E2%82"), "/%EF%BF%BD/");
        // A stray % stays literal and is then encoded.
        assert_eq!(uri("/%zz%4"), "/%25zz%254/");
    }

    #[test]
    fn canonical_query_sorts_on_decoded_pairs() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("offset=0&limit=100"), "limit=100&offset=0");
        assert_eq!(
            canonical_query("b=2&a=z&a=y&A=1&key%20with%20space=v%2F1%202&k%C3%A9=%C3%BC&empty="),
            "A=1&a=y&a=z&b=2&empty=&key%20with%20space=v%2F1%202&k%C3%A9=%C3%BC"
        );
        // A literal '+' means plus (RFC 3986), not space.
        assert_eq!(canonical_query("q=a+b"), "q=a%2Bb");
        assert_eq!(canonical_query("flag&&x=1"), "flag=&x=1");
        assert_eq!(canonical_query("a=b=c"), "a=b%3Dc");
    }
}
