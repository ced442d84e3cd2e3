//! Canonicalisation shared by the signer and the verifier: CanonicalURI, CanonicalQueryString,
//! payload hash, the canonical request, the string to sign and the HMAC.
//!
//! Each rule mirrors `huaweicloudsdkcore/signer/signer.py` (3.1.219); the comments say which
//! Python expression a piece reproduces, because the vectors recorded from that code are the
//! specification.
//!
//! The canonical request is written through a [`Sink`]: the signer's hot path feeds it straight
//! into SHA-256 and never builds the text, while the debug accessors of `SigningOutput` and the
//! verifier write the same bytes into a `String`. One writer for both keeps them identical.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::charset::is_unreserved;
use crate::time::SigningTime;

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

/// The algorithm name, first line of the string to sign and prefix of `Authorization`.
pub(crate) const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// Length of the string to sign: the algorithm, a 16-character date, a 64-digit hash and two
/// newlines. Fixed, so it is assembled on the stack.
pub(crate) const STRING_TO_SIGN_LEN: usize = ALGORITHM.len() + 1 + 16 + 1 + 64;

/// Where canonical text goes: a `String`, or straight into SHA-256 ([`HashSink`]).
pub(crate) trait Sink {
    /// Appends `s`.
    fn put(&mut self, s: &str);
    /// Appends one ASCII byte (a separator).
    fn put_byte(&mut self, b: u8);
    /// Appends ASCII bytes (hex digits): the hash takes them as they are, without the UTF-8
    /// check a `&str` would need.
    fn put_ascii(&mut self, bytes: &[u8]);
    /// Appends an ASCII token (a method or header name) converted to upper or lower case.
    fn put_token(&mut self, token: &str, upper: bool);
}

impl Sink for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }

    fn put_byte(&mut self, b: u8) {
        self.push(char::from(b));
    }

    fn put_ascii(&mut self, bytes: &[u8]) {
        self.push_str(&String::from_utf8_lossy(bytes));
    }

    fn put_token(&mut self, token: &str, upper: bool) {
        let start = self.len();
        self.push_str(token);
        if let Some(tail) = self.get_mut(start..) {
            if upper {
                tail.make_ascii_uppercase();
            } else {
                tail.make_ascii_lowercase();
            }
        }
    }
}

/// SHA-256 fed through a stack buffer. The canonical request arrives in a few dozen pieces of
/// a few bytes each: copying them into one buffer (separators without a `memcpy` call, tokens
/// converted in place) and hashing it in large slices costs less than handing each piece to
/// the hasher. A create-report request fits in the buffer and is hashed in one `update`.
pub(crate) struct HashSink {
    hasher: Sha256,
    buf: [u8; 512],
    len: usize,
}

impl HashSink {
    pub(crate) fn new() -> Self {
        Self {
            hasher: Sha256::new(),
            buf: [0; 512],
            len: 0,
        }
    }

    /// The SHA-256 of everything written.
    pub(crate) fn finish(mut self) -> [u8; 32] {
        self.hasher.update(&self.buf[..self.len]);
        self.hasher.finalize().into()
    }

    /// Room for `n` more bytes in the buffer, hashing what it holds if needed; `None` when
    /// `n` is larger than the whole buffer (then the caller hashes the piece directly).
    #[inline]
    fn reserve(&mut self, n: usize) -> Option<&mut [u8]> {
        if self.len + n > self.buf.len() {
            self.hasher.update(&self.buf[..self.len]);
            self.len = 0;
        }
        let start = self.len;
        let room = self.buf.get_mut(start..start + n)?;
        self.len += n;
        Some(room)
    }
}

impl Sink for HashSink {
    fn put(&mut self, s: &str) {
        self.put_ascii(s.as_bytes());
    }

    fn put_byte(&mut self, b: u8) {
        if let Some(room) = self.reserve(1) {
            room[0] = b;
        }
    }

    fn put_ascii(&mut self, bytes: &[u8]) {
        match self.reserve(bytes.len()) {
            Some(room) => room.copy_from_slice(bytes),
            None => self.hasher.update(bytes),
        }
    }

    fn put_token(&mut self, token: &str, upper: bool) {
        for chunk in token.as_bytes().chunks(self.buf.len()) {
            if let Some(room) = self.reserve(chunk.len()) {
                room.copy_from_slice(chunk);
                if upper {
                    room.make_ascii_uppercase();
                } else {
                    room.make_ascii_lowercase();
                }
            }
        }
    }
}

/// Lower-case hex of a SHA-256 digest or HMAC, into a stack buffer.
pub(crate) fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    // Arithmetic rather than a table lookup, so that the loop vectorises.
    let digit = |n: u8| n + b'0' + u8::from(n > 9) * (b'a' - b'0' - 10);
    let mut out = [0u8; 64];
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = digit(b >> 4);
        pair[1] = digit(b & 0xf);
    }
    out
}

/// The text of a hex buffer from [`hex32`] (always ASCII).
pub(crate) fn hex_str(hex: &[u8; 64]) -> &str {
    std::str::from_utf8(hex).unwrap_or("")
}

/// Appends `s` with Python's `quote(s, safe='~')`.
fn put_encoded(out: &mut impl Sink, s: &str) {
    // Most segments and query parts need no encoding at all.
    if s.bytes().all(is_unreserved) {
        out.put(s);
        return;
    }
    for chunk in utf8_percent_encode(s, ENCODE_SET) {
        out.put(chunk);
    }
}

/// A percent-encoded request path, and whether it is *plain*: made of unreserved characters
/// and `/` only, so that it is its own CanonicalURI. The URL split finds that out on its single
/// pass over the bytes; for the usual DBSS path the canonicalisation is then a copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Path<'a> {
    /// The path as given, e.g. `/v1/{project}/audit/{instance}/reports/create`.
    pub(crate) text: &'a str,
    /// True if every byte is unreserved or `/`.
    pub(crate) plain: bool,
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
pub(crate) fn put_canonical_uri(out: &mut impl Sink, path: Path<'_>) {
    let Path { text: path, plain } = path;
    // A plain path has nothing to decode or encode: decoding, splitting and re-encoding it
    // would give it back unchanged.
    if plain {
        out.put(path);
        if !path.ends_with('/') {
            out.put_byte(b'/');
        }
        return;
    }
    let decoded = py_unquote(path);
    for (i, segment) in decoded.split('/').enumerate() {
        if i > 0 {
            out.put_byte(b'/');
        }
        put_encoded(out, segment);
    }
    // Encoded segments never contain '/', so the output ends in '/' exactly when the decoded
    // path does.
    if !decoded.ends_with('/') {
        out.put_byte(b'/');
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
        put_encoded(&mut out, k);
        out.push('=');
        put_encoded(&mut out, v);
    }
    out
}

/// The last line of the canonical request.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PayloadHash<'a> {
    /// No body (Python: `if not request.body`): the hash of the empty string.
    Empty,
    /// The `X-Sdk-Content-Sha256` value (trimmed), which replaces the body hash.
    Header(&'a str),
    /// The hex SHA-256 of the body.
    Body([u8; 64]),
}

impl<'a> PayloadHash<'a> {
    /// The empty-string hash when there is no body, else the `X-Sdk-Content-Sha256` value when
    /// that header is set and non-empty, else the hex SHA-256 of the body.
    pub(crate) fn of(body: Option<&[u8]>, content_sha256: Option<&'a str>) -> Self {
        let body = match body {
            Some(b) if !b.is_empty() => b,
            _ => return Self::Empty,
        };
        match content_sha256 {
            Some(v) if !v.is_empty() => Self::Header(v),
            _ => Self::Body(hex32(&Sha256::digest(body).into())),
        }
    }

    /// Appends the hash line.
    ///
    /// The SDK reads `X-Sdk-Content-Sha256` after re-encoding header values with
    /// `value.encode('utf-8').decode('iso-8859-1')`, so a non-ASCII value enters the canonical
    /// request as one character per UTF-8 byte; that is reproduced here.
    fn put(&self, out: &mut impl Sink) {
        match self {
            Self::Empty => out.put(EMPTY_SHA256),
            Self::Body(hex) => out.put_ascii(hex),
            Self::Header(v) if v.is_ascii() => out.put(v),
            Self::Header(v) => {
                let mut buf = [0u8; 4];
                for b in v.bytes() {
                    out.put(char::from(b).encode_utf8(&mut buf));
                }
            }
        }
    }
}

/// Writes `METHOD\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nPayloadHash`.
///
/// `signed_names` is the SignedHeaders line (the signed header names, lower-case, sorted,
/// joined by `;`) and `values` their trimmed values in the same order. CanonicalHeaders is
/// `name:value\n` per header, so the part ends with a blank line. Taking the names from the
/// SignedHeaders line, which both callers have at hand, lower-cases each name once per
/// signature. `method` must be an ASCII token (both callers check).
pub(crate) fn write_canonical_request<'h>(
    out: &mut impl Sink,
    method: &str,
    path: Path<'_>,
    canonical_query: &str,
    signed_names: &str,
    values: impl Iterator<Item = &'h str>,
    payload: &PayloadHash<'_>,
) {
    out.put_token(method, true);
    out.put_byte(b'\n');
    put_canonical_uri(out, path);
    out.put_byte(b'\n');
    out.put(canonical_query);
    out.put_byte(b'\n');
    // Header names are tokens, which cannot contain ';'. (A plain loop: `str::split` calls
    // `memchr` per piece, which costs more than scanning a dozen bytes.)
    let mut rest = signed_names;
    for value in values {
        let end = rest.bytes().position(|b| b == b';').unwrap_or(rest.len());
        let name = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or("");
        out.put(name);
        out.put_byte(b':');
        out.put(value);
        out.put_byte(b'\n');
    }
    out.put_byte(b'\n');
    out.put(signed_names);
    out.put_byte(b'\n');
    payload.put(out);
}

/// The canonical request as text (for the debug accessors and the verifier).
pub(crate) fn canonical_request<'h>(
    method: &str,
    path: Path<'_>,
    canonical_query: &str,
    signed_names: &str,
    values: impl Iterator<Item = &'h str> + Clone,
    payload: &PayloadHash<'_>,
) -> String {
    let values_len: usize = values.clone().map(|v| v.len() + 3).sum();
    let mut out = String::with_capacity(
        method.len()
            + 2 * path.text.len()
            + canonical_query.len()
            + 2 * signed_names.len()
            + values_len
            + 80,
    );
    write_canonical_request(
        &mut out,
        method,
        path,
        canonical_query,
        signed_names,
        values,
        payload,
    );
    out
}

/// `SDK-HMAC-SHA256\n<date>\n<hex hash of the canonical request>`, on the stack.
pub(crate) fn string_to_sign(
    date: &SigningTime,
    canonical_hash: &[u8; 32],
) -> [u8; STRING_TO_SIGN_LEN] {
    let mut out = [0u8; STRING_TO_SIGN_LEN];
    let (algorithm, rest) = out.split_at_mut(ALGORITHM.len());
    algorithm.copy_from_slice(ALGORITHM.as_bytes());
    let (nl, rest) = rest.split_at_mut(1);
    nl[0] = b'\n';
    let (date_part, rest) = rest.split_at_mut(16);
    date_part.copy_from_slice(date.as_str().as_bytes());
    let (nl, hash) = rest.split_at_mut(1);
    nl[0] = b'\n';
    hash.copy_from_slice(&hex32(canonical_hash));
    out
}

/// The text of a string to sign from [`string_to_sign`] (always ASCII).
pub(crate) fn string_to_sign_text(bytes: &[u8; STRING_TO_SIGN_LEN]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// HMAC-SHA256 of `data` keyed with the secret key bytes as they are (no key derivation).
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail; the fallback keeps the
    // function total without an `unwrap`.
    match <Hmac<Sha256> as Mac>::new_from_slice(key) {
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
        let mut general = String::new();
        put_canonical_uri(
            &mut general,
            Path {
                text: path,
                plain: false,
            },
        );
        let plain = path.bytes().all(|b| b == b'/' || is_unreserved(b));
        if plain {
            // The shortcut gives what the general rule gives.
            let mut short = String::new();
            put_canonical_uri(&mut short, Path { text: path, plain });
            assert_eq!(short, general, "{path}");
        }
        general
    }

    #[test]
    fn canonical_uri_follows_the_sdk() {
        assert_eq!(uri("/"), "/");
        assert_eq!(uri(""), "/");
        assert_eq!(uri("//a//"), "//a//");
        assert_eq!(uri("/v1/a-b_c.d~e"), "/v1/a-b_c.d~e/");
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
    fn hex_and_string_to_sign() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 8 + 1) as u8);
        let hex = hex32(&bytes);
        assert_eq!(hex_str(&hex), hex::encode(bytes));
        let time = SigningTime::parse("20250821T070331Z").unwrap();
        let sts = string_to_sign(&time, &bytes);
        assert_eq!(
            string_to_sign_text(&sts),
            format!("SDK-HMAC-SHA256\n20250821T070331Z\n{}", hex::encode(bytes))
        );
    }

    #[test]
    fn hash_sink_hashes_what_a_string_holds() {
        // Pieces that cross the buffer's end, and one larger than the buffer.
        let pieces = [
            "POST",
            "\n",
            &"a".repeat(500),
            "Content-Type",
            &"b".repeat(1500),
            "x",
        ];
        let mut text = String::new();
        let mut hash = HashSink::new();
        for (i, piece) in pieces.iter().enumerate() {
            match i % 3 {
                0 => {
                    text.put(piece);
                    hash.put(piece);
                }
                1 => {
                    text.put_token(piece, i % 2 == 0);
                    hash.put_token(piece, i % 2 == 0);
                }
                _ => {
                    for b in piece.bytes() {
                        text.put_byte(b);
                        hash.put_byte(b);
                    }
                }
            }
        }
        use sha2::Digest;
        assert_eq!(
            hash.finish(),
            <[u8; 32]>::from(Sha256::digest(text.as_bytes()))
        );
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
