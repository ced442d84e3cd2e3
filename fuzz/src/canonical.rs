//! The canonical request builder of `dbss-signer`, checked against a plain reference.
//!
//! [`reference`] is written from `/work/shared/reference/auth.md` (the SDK-HMAC-SHA256 rules)
//! and the quirks `dbss-signer` documents as the official Python SDK's (huaweicloudsdkcore
//! 3.1.219): header values trimmed with Python's `str.strip()` (which also strips
//! U+001C..U+001F), the UNSIGNED-PAYLOAD rule looking only at a header spelled exactly
//! `Content-Type` with its untrimmed value, a caller's `X-Sdk-Date` and `Host` winning, query
//! pairs decoded, sorted on the decoded `(key, value)` strings and re-encoded, empty query
//! segments dropped, the path percent-decoded (invalid UTF-8 → U+FFFD, as `urllib.parse.unquote`)
//! then split on `/` and each segment re-encoded, and a non-ASCII `X-Sdk-Content-Sha256` entering
//! the payload line one char per UTF-8 byte (`encode('utf-8').decode('iso-8859-1')`).
//!
//! It is deliberately naive — strings and `Vec`s, no shortcuts, no shared code with the signer —
//! so that a disagreement points at the optimised signer. It only computes; validation is the
//! signer's job, so the comparison is made only for requests the signer accepts.
//!
//! Properties, per input:
//! 1. `sign` never panics (structured requests and fully arbitrary ones).
//! 2. If `sign` accepts: canonical request, SignedHeaders, URL to send, X-Sdk-Date, string to
//!    sign, signature, `Authorization` and the full header list equal the reference's.
//! 3. `verify` of the signed request as a server receives it (origin-form target, every header
//!    of the output) is `Ok` with the right AK and date — except the one documented rejection:
//!    a caller-set `X-Sdk-Content-Sha256` that is neither `UNSIGNED-PAYLOAD` nor the body's hash
//!    is `PayloadHashMismatch`.
//! 4. `verify` never panics on arbitrary input.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Unstructured;
use dbss_signer::{
    Credentials, ReceivedRequest, SignableRequest, SigningOutput, SigningParams, SigningTime,
    VerifyError, sign, verify,
};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::input::{any_string, bytes, one_in, pick, pieces, upto};

/// One request to sign, owning its parts.
#[derive(Debug, Clone)]
pub struct Case {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub ak: String,
    pub sk: Vec<u8>,
    pub token: Option<String>,
    pub time: SigningTime,
}

// ---- generation ----------------------------------------------------------------------------

const METHODS: &[&str] = &[
    "GET",
    "POST",
    "DELETE",
    "PUT",
    "PATCH",
    "HEAD",
    "get",
    "Post",
    "X-Custom!",
    "M~",
];
const SCHEMES: &[&str] = &["https", "http", "HTTP", "git+ssh", "a.b-c"];
const AUTHORITIES: &[&str] = &[
    "dbss.cn-north-4.myhuaweicloud.com",
    "127.0.0.1:8080",
    "[::1]:443",
    "h",
    "Host.Example:0",
    "a%41b",
    "x!$&'()*+,;=",
];
/// Path and query pieces: unreserved, sub-delims, percent escapes (valid, lower-case, stray,
/// invalid UTF-8, encoded separators), dot segments, and a few bytes the signer must refuse.
const URL_ATOMS: &[&str] = &[
    "a",
    "Z",
    "0",
    "v1",
    "-",
    "_",
    ".",
    "~",
    "!",
    "$",
    "&",
    "'",
    "(",
    ")",
    "*",
    "+",
    ",",
    ";",
    "=",
    ":",
    "@",
    "/",
    "%",
    "%2F",
    "%2f",
    "%20",
    "%25",
    "%41",
    "%7E",
    "%7e",
    "%3D",
    "%26",
    "%2B",
    "%E2%82%AC",
    "%C3%A4",
    "%FF",
    "%E2%82",
    "%C0%AF",
    "%zz",
    "%4",
    "..",
    "%2E",
    "?",
    "%00",
    "%0A",
    "%EF%BB%BF",
];
/// Bytes the signer must refuse raw in a URL (used in "junk" cases only).
const URL_JUNK: &[&str] = &[" ", "#", "ä", "\\", "\n", "{", "\"", "<", "^", "`", "|"];
const HEADER_NAMES: &[&str] = &[
    "Content-Type",
    "content-type",
    "CONTENT-TYPE",
    "X-Sdk-Date",
    "x-sdk-date",
    "Host",
    "host",
    "X-Security-Token",
    "x-security-token",
    "X-Sdk-Content-Sha256",
    "x-sdk-content-sha256",
    "X-Project-Id",
    "User-Agent",
    "X_Under_Score",
    "x_sdk_date",
    "Accept",
    "A",
    "z~",
];
/// Header names the signer must refuse (junk cases only).
const HEADER_NAME_JUNK: &[&str] = &["Authorization", "authorization", "", "a b", "a:b", "é"];
const HEADER_VALUE_ATOMS: &[&str] = &[
    "application/json",
    "application/json;charset=UTF-8",
    "application/bson",
    "Application/JSON",
    "text/plain",
    "multipart/form-data",
    "x",
    "0123",
    "20250821T070331Z",
    "19691231T235959Z",
    "UNSIGNED-PAYLOAD",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    " ",
    "\t",
    "\u{b}",
    "\u{c}",
    "\u{a0}",
    "\u{85}",
    "\u{1c}",
    "\u{1f}",
    "\u{2028}",
    "\u{3000}",
    "\u{200b}",
    "\u{feff}",
    "é",
    "日本",
    ";",
    ",",
    "=",
    ":",
    "\"",
];
/// Header value bytes the signer must refuse (junk cases only).
const HEADER_VALUE_JUNK: &[&str] = &["\r", "\n", "\u{0}", "\r\n"];

/// A string of up to `max` atoms; in a junk case an atom is sometimes from `junk` or any char.
fn text(
    u: &mut Unstructured<'_>,
    atoms: &[&str],
    junk_atoms: &[&str],
    max: usize,
    junk: bool,
) -> String {
    let n = upto(u, max);
    let mut out = String::new();
    for _ in 0..n {
        if junk && one_in(u, 6) {
            if one_in(u, 2) {
                out.push(u.arbitrary::<char>().unwrap_or('a'));
            } else {
                out.push_str(pick(u, junk_atoms));
            }
        } else {
            out.push_str(pick(u, atoms));
        }
    }
    out
}

fn method(u: &mut Unstructured<'_>, junk: bool) -> String {
    if junk && one_in(u, 4) {
        any_string(u, 6)
    } else {
        pick(u, METHODS).to_owned()
    }
}

fn url(u: &mut Unstructured<'_>, junk: bool) -> String {
    if junk && one_in(u, 8) {
        return any_string(u, 40);
    }
    let scheme = pick(u, SCHEMES);
    let authority = if junk && one_in(u, 8) {
        any_string(u, 8)
    } else {
        pick(u, AUTHORITIES).to_owned()
    };
    let mut out = format!("{scheme}://{authority}");
    if !one_in(u, 10) {
        let segments = upto(u, 5);
        for _ in 0..segments {
            out.push('/');
            out.push_str(&text(u, URL_ATOMS, URL_JUNK, 4, junk));
        }
        if segments == 0 || one_in(u, 6) {
            out.push('/');
        }
    }
    if !one_in(u, 3) {
        out.push('?');
        let pairs = upto(u, 5);
        for i in 0..pairs {
            if i > 0 {
                out.push('&');
            }
            out.push_str(&text(u, URL_ATOMS, URL_JUNK, 3, junk));
            if !one_in(u, 5) {
                out.push('=');
                out.push_str(&text(u, URL_ATOMS, URL_JUNK, 3, junk));
            }
        }
    }
    out
}

fn header_value(u: &mut Unstructured<'_>, junk: bool) -> String {
    text(u, HEADER_VALUE_ATOMS, HEADER_VALUE_JUNK, 4, junk)
}

fn headers(u: &mut Unstructured<'_>, junk: bool) -> Vec<(String, String)> {
    let n = upto(u, 7);
    (0..n)
        .map(|_| {
            let name = if junk && one_in(u, 4) {
                pick(u, HEADER_NAME_JUNK).to_owned()
            } else if one_in(u, 8) {
                let mut name = pick(u, &["a", "Z", "X-"]).to_owned();
                name.push_str(&text(
                    u,
                    &["a", "Z", "0", "-", "_", "!", "~", "'", "|", "^", "`"],
                    &[],
                    6,
                    false,
                ));
                name
            } else {
                pick(u, HEADER_NAMES).to_owned()
            };
            // A caller-set X-Sdk-Date is usually well-formed, so that signing goes on.
            let value = if name.eq_ignore_ascii_case("x-sdk-date") && !one_in(u, 4) {
                let padding = pick(u, &["", "", "", " "]);
                let date = pick(
                    u,
                    &[
                        "20250821T070331Z",
                        "00010101T000000Z",
                        "99991231T235959Z",
                        "20240229T120000Z",
                        "19691231T235959Z",
                    ],
                );
                format!("{date}{padding}")
            } else {
                header_value(u, junk)
            };
            (name, value)
        })
        .collect()
}

/// A structured request: mostly signable, with every quirk within reach. One case in four is
/// a "junk" case, with bytes the signer must refuse.
pub fn case(u: &mut Unstructured<'_>) -> Case {
    let junk = one_in(u, 4);
    let method = method(u, junk);
    let url = url(u, junk);
    let headers = headers(u, junk);
    let body = match upto(u, 4) {
        0 => None,
        1 => Some(Vec::new()),
        2 => Some(br#"{"template_id":"t","start_time":"2025-08-20 16:00:00"}"#.to_vec()),
        _ => Some(bytes(u, 64)),
    };
    let ak = if junk && one_in(u, 4) {
        any_string(u, 8)
    } else {
        pick(u, &["AK", "AKPROPERTY0000000001", "a~!", "x=y"]).to_owned()
    };
    let mut sk = bytes(u, 24);
    if sk.is_empty() && !(junk && one_in(u, 2)) {
        sk = b"SK".to_vec();
    }
    let token = if one_in(u, 3) {
        Some(header_value(u, junk))
    } else {
        None
    };
    let secs = u
        .int_in_range(0..=253_402_300_799_i64)
        .unwrap_or(1_755_759_811);
    let time = SigningTime::from_unix_seconds(secs)
        .or_else(|_| SigningTime::parse("20250821T070331Z"))
        .unwrap_or_else(|e| panic!("fixed time: {e}"));
    Case {
        method,
        url,
        headers,
        body,
        ak,
        sk,
        token,
        time,
    }
}

// ---- the reference -------------------------------------------------------------------------

/// What the reference computes for a request.
#[derive(Debug, PartialEq, Eq)]
pub struct Expected {
    pub canonical_request: String,
    pub signed_headers: String,
    pub url: String,
    pub date: String,
    pub string_to_sign: String,
    pub signature: String,
    pub authorization: String,
    /// Every header of the signed request, in order, values trimmed, `Authorization` last.
    pub headers: Vec<(String, String)>,
}

/// Python's `str.isspace()`: Unicode White_Space plus the information separators
/// U+001C..U+001F (bidi classes B and S). Listed one by one on purpose.
fn py_isspace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\u{b}'
            | '\u{c}'
            | '\r'
            | '\u{1c}'
            | '\u{1d}'
            | '\u{1e}'
            | '\u{1f}'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'
            | '\u{2001}'
            | '\u{2002}'
            | '\u{2003}'
            | '\u{2004}'
            | '\u{2005}'
            | '\u{2006}'
            | '\u{2007}'
            | '\u{2008}'
            | '\u{2009}'
            | '\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// Python's `str.strip()`.
fn py_strip(s: &str) -> String {
    s.trim_matches(py_isspace).to_owned()
}

/// Python's `urllib.parse.unquote`: `%XX` (two hex digits) becomes that byte, anything else
/// stays; the bytes are then decoded as UTF-8, invalid sequences replaced by U+FFFD.
fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hi = (b[i + 1] as char).to_digit(16);
            let lo = (b[i + 2] as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Python's `urllib.parse.quote(s, safe='~')`: UTF-8 bytes, everything but
/// `A-Z a-z 0-9 - _ . ~` as `%XX` (upper-case hex).
fn quote(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Finds a header by name, ignoring ASCII case.
fn position(headers: &[(String, String)], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// Sets a header: replaces the value of the existing one (any case) or appends.
fn set(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    match position(headers, name) {
        Some(i) => headers[i].1 = value.to_owned(),
        None => headers.push((name.to_owned(), value.to_owned())),
    }
}

/// The reference computation for a request `sign` accepted.
pub fn reference(case: &Case) -> Expected {
    // scheme://authority/path?query (the signer refused fragments and raw oddities).
    let (scheme, rest) = case.url.split_once("://").expect("signed URL has ://");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let target = &rest[authority_end..];
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (target, ""),
    };
    let path = if path.is_empty() { "/" } else { path };

    // Headers, in the order the SDK's dict holds them.
    let mut headers = case.headers.clone();
    if let Some(token) = &case.token {
        set(&mut headers, "X-Security-Token", token);
    }
    let content_type = case
        .headers
        .iter()
        .find(|(n, _)| n == "Content-Type")
        .map(|(_, v)| v.as_str());
    if let Some(ct) = content_type
        && !ct.is_empty()
        && !ct.starts_with("application/json")
        && !ct.starts_with("application/bson")
    {
        set(&mut headers, "X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
    }
    let date = match position(&headers, "X-Sdk-Date") {
        Some(i) => headers[i].1.clone(),
        None => {
            let d = case.time.as_str().to_owned();
            headers.push(("X-Sdk-Date".to_owned(), d.clone()));
            d
        }
    };
    if position(&headers, "Host").is_none() {
        headers.push(("Host".to_owned(), authority.to_owned()));
    }
    for (_, value) in &mut headers {
        *value = py_strip(value);
    }

    // CanonicalURI.
    let decoded_path = unquote(path);
    let mut uri = decoded_path
        .split('/')
        .map(quote)
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }

    // CanonicalQueryString.
    let mut pairs: Vec<(String, String)> = Vec::new();
    for segment in query.split('&') {
        if segment.is_empty() {
            continue;
        }
        let (k, v) = match segment.split_once('=') {
            Some((k, v)) => (k, v),
            None => (segment, ""),
        };
        pairs.push((unquote(k), unquote(v)));
    }
    pairs.sort();
    let canonical_query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", quote(k), quote(v)))
        .collect::<Vec<_>>()
        .join("&");

    // CanonicalHeaders and SignedHeaders: names without '_', lower-cased, sorted.
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| !n.contains('_'))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed_headers = signed
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");

    // Payload hash.
    let body = case.body.as_deref().unwrap_or(&[]);
    let content_sha256 = position(&headers, "X-Sdk-Content-Sha256").map(|i| headers[i].1.clone());
    let payload = if body.is_empty() {
        sha256_hex(b"")
    } else {
        match content_sha256 {
            Some(v) if !v.is_empty() => v.bytes().map(char::from).collect(),
            _ => sha256_hex(body),
        }
    };

    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        case.method.to_ascii_uppercase(),
        uri,
        canonical_query,
        canonical_headers,
        signed_headers,
        payload
    );
    let string_to_sign = format!(
        "SDK-HMAC-SHA256\n{}\n{}",
        date,
        sha256_hex(canonical_request.as_bytes())
    );
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&case.sk).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    let authorization = format!(
        "SDK-HMAC-SHA256 Access={}, SignedHeaders={}, Signature={}",
        case.ak, signed_headers, signature
    );
    let url = if canonical_query.is_empty() {
        format!("{scheme}://{authority}{path}")
    } else {
        format!("{scheme}://{authority}{path}?{canonical_query}")
    };
    headers.push(("Authorization".to_owned(), authorization.clone()));
    Expected {
        canonical_request,
        signed_headers,
        url,
        date,
        string_to_sign,
        signature,
        authorization,
        headers,
    }
}

// ---- the checks ----------------------------------------------------------------------------

fn system_time(unix_seconds: i64) -> SystemTime {
    if unix_seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(unix_seconds.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(unix_seconds.unsigned_abs())
    }
}

/// Compares a signed request with the reference and replays it through `verify`.
fn check_signed(case: &Case, out: &SigningOutput<'_>) {
    let expected = reference(case);
    let actual = Expected {
        canonical_request: out.canonical_request().to_owned(),
        signed_headers: out.signed_headers().to_owned(),
        url: out.url().to_owned(),
        date: out.sdk_date().as_str().to_owned(),
        string_to_sign: out.string_to_sign().to_owned(),
        signature: out.signature().to_owned(),
        authorization: out.authorization().to_owned(),
        headers: out
            .headers()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
    };
    assert_eq!(
        actual.canonical_request, expected.canonical_request,
        "canonical request differs from the reference for {case:#?}"
    );
    assert_eq!(actual, expected, "signing output differs for {case:#?}");

    // As a server receives it: the origin-form target and every header that was sent. The
    // authority contains no '/', and the URL to send always has a path.
    let sent = out.url();
    let after_scheme = sent.find("://").map_or(sent, |i| &sent[i + 3..]);
    let origin_form = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    assert!(
        origin_form.starts_with('/'),
        "the URL to send has no path: {sent:?}"
    );
    let received: Vec<(&str, &str)> = out.headers().collect();
    let request = ReceivedRequest {
        method: &case.method,
        url: origin_form,
        headers: &received,
        body: case.body.as_deref(),
    };
    let now = system_time(out.sdk_date().unix_seconds());
    let result = verify(
        &request,
        |ak| (ak == case.ak).then_some(case.sk.as_slice()),
        now,
        Duration::from_secs(900),
    );

    // The one rejection verify documents for a correctly signed request.
    let body = case.body.as_deref().unwrap_or(&[]);
    let claimed = expected
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("x-sdk-content-sha256"))
        .map(|(_, v)| v.as_str());
    let bogus_hash = match claimed {
        Some(c) => {
            !body.is_empty()
                && !c.is_empty()
                && c != "UNSIGNED-PAYLOAD"
                && !c.eq_ignore_ascii_case(&sha256_hex(body))
        }
        None => false,
    };
    match result {
        Ok(v) => {
            assert!(
                !bogus_hash,
                "verify accepted a wrong X-Sdk-Content-Sha256: {case:#?}"
            );
            assert_eq!(v.access_key_id, case.ak);
            assert_eq!(v.signed_at, out.sdk_date());
        }
        Err(VerifyError::PayloadHashMismatch) if bogus_hash => {}
        Err(e) => panic!("verify rejected what sign produced: {e}\n{case:#?}"),
    }
}

/// Signs `case`; checks the output if the signer accepted it. Returns whether it did.
pub fn check_case(case: &Case) -> bool {
    let headers: Vec<(&str, &str)> = case
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let request = SignableRequest {
        method: &case.method,
        url: &case.url,
        headers: &headers,
        body: case.body.as_deref(),
    };
    let mut credentials = Credentials::new(&case.ak, &case.sk);
    if let Some(token) = &case.token {
        credentials = credentials.with_security_token(token);
    }
    let params = SigningParams::new(credentials, case.time);
    match sign(&request, &params) {
        Ok(out) => {
            check_signed(case, &out);
            true
        }
        Err(_) => false,
    }
}

/// `verify` on an arbitrary request must return, not panic.
fn check_verify_arbitrary(u: &mut Unstructured<'_>) {
    let method = method(u, true);
    let target = if one_in(u, 2) {
        url(u, true)
    } else {
        format!("/{}", text(u, URL_ATOMS, URL_JUNK, 8, true))
    };
    let mut headers = headers(u, true);
    if !one_in(u, 4) {
        let auth = format!(
            "{}{} Access={}, SignedHeaders={}, Signature={}",
            pick(u, &["SDK-HMAC-SHA256", "sdk-hmac-sha256", "AWS4", ""]),
            pick(u, &["", " ", ","]),
            pick(u, &["AK", "", "x,y"]),
            pieces(
                u,
                &["host", "x-sdk-date", ";", "Host", "content-type", "", "_"],
                5
            ),
            pieces(u, &["0", "a", "f", "F", "g", "00000000"], 12),
        );
        headers.push(("Authorization".to_owned(), auth));
    }
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let body = if one_in(u, 2) {
        Some(bytes(u, 16))
    } else {
        None
    };
    let request = ReceivedRequest {
        method: &method,
        url: &target,
        headers: &refs,
        body: body.as_deref(),
    };
    let secs = u.arbitrary::<i64>().unwrap_or(0) % 400_000_000_000;
    let skew = Duration::from_secs(u.arbitrary::<u64>().unwrap_or(900));
    let _ = verify(
        &request,
        |_| Some(b"SK".as_slice()),
        system_time(secs),
        skew,
    );
}

/// The fuzz target.
pub fn check(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let case = case(&mut u);
    check_case(&case);
    check_verify_arbitrary(&mut u);
}
