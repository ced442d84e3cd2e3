//! Property tests: signing never panics, is deterministic, `verify` accepts what `sign` emits,
//! and any single changed byte of method, path, query, a signed header's value or the body
//! makes `verify` reject.
//!
//! Case counts are proptest's default (256, or `PROPTEST_CASES`), so the suite stays fast.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use dbss_signer::{
    Credentials, ReceivedRequest, SignableRequest, SigningOutput, SigningParams, SigningTime,
    VerifyError, sign, verify,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use proptest::prelude::*;

const AK: &str = "AKPROPERTY0000000001";
const SK: &[u8] = b"property-secret-key";
const SKEW: Duration = Duration::from_secs(900);
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

fn time() -> SigningTime {
    SigningTime::parse("20250821T070331Z").unwrap()
}

/// Replays a signed request as a server receives it and verifies it.
fn verify_signed(
    method: &str,
    out: &SigningOutput<'_>,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
    sk: &[u8],
) -> Result<(), VerifyError> {
    let received = ReceivedRequest {
        method,
        url: out.url(),
        headers,
        body,
    };
    let now = out
        .sdk_date()
        .to_system_time()
        .unwrap_or(std::time::UNIX_EPOCH);
    verify(&received, |ak| (ak == AK).then_some(sk), now, SKEW).map(|_| ())
}

// ---- arbitrary input ---------------------------------------------------------------------

fn any_url() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => (
            prop_oneof![Just("https://"), Just("http://"), Just("")],
            "[a-z0-9.:\\[\\]@-]{0,20}",
            any::<String>(),
        )
            .prop_map(|(s, h, rest)| format!("{s}{h}{rest}")),
        1 => ("[ -~]{0,40}", "[ -~]{0,40}")
            .prop_map(|(p, q)| format!("https://h.example:8080/{p}?{q}")),
        // Mostly valid: RFC 3986 characters only, so signing usually succeeds.
        5 => (
            "[A-Za-z0-9._~!$&'()*+,;=:@/%-]{0,40}",
            "[A-Za-z0-9._~!$&'()*+,;=:@/?%-]{0,40}",
        )
            .prop_map(|(p, q)| format!("http://127.0.0.1:8080/{p}?{q}")),
    ]
}

fn any_header() -> impl Strategy<Value = (String, String)> {
    (
        prop_oneof![
            1 => any::<String>(),
            12 => "[A-Za-z0-9_-]{1,12}",
            2 => Just("Content-Type".to_owned()),
            1 => Just("X-Sdk-Date".to_owned()),
            1 => Just("host".to_owned()),
            1 => Just("X-Security-Token".to_owned()),
        ],
        prop_oneof![
            1 => any::<String>(),
            4 => "[ -~]{0,20}",
            1 => Just("text/plain".to_owned()),
            1 => Just("20250821T070331Z".to_owned()),
        ],
    )
}

proptest! {
    /// Signing arbitrary input never panics; when it succeeds, the verifier accepts the result
    /// (unless the caller forged an X-Sdk-Content-Sha256 that does not match the body, which
    /// the verifier deliberately refuses).
    #[test]
    fn sign_never_panics_and_verify_accepts_its_output(
        method in prop_oneof![1 => any::<String>(), 4 => "[A-Za-z]{1,7}"],
        url in any_url(),
        headers in proptest::collection::vec(any_header(), 0..6),
        body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
        ak in prop_oneof![4 => Just(AK.to_owned()), 1 => any::<String>()],
        sk in proptest::collection::vec(any::<u8>(), 0..32),
        token in proptest::option::of(any::<String>()),
    ) {
        let header_refs: Vec<(&str, &str)> =
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let mut creds = Credentials::new(&ak, &sk);
        if let Some(t) = &token {
            creds = creds.with_security_token(t);
        }
        let request = SignableRequest {
            method: &method,
            url: &url,
            headers: &header_refs,
            body: body.as_deref(),
        };
        if let Ok(out) = sign(&request, &SigningParams::new(creds, time())) {
            let forged_hash = headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("x-sdk-content-sha256"));
            if ak == AK && !forged_hash {
                let sent: Vec<(&str, &str)> = out.headers().collect();
                let verified = verify_signed(&method, &out, &sent, body.as_deref(), &sk);
                prop_assert!(verified.is_ok(), "{:?}", verified);
            }
        }
    }

    /// The verifier never panics on arbitrary received requests either.
    #[test]
    fn verify_never_panics(
        method in any::<String>(),
        url in any_url(),
        headers in proptest::collection::vec(
            (prop_oneof![any::<String>(), Just("Authorization".to_owned())], any::<String>()),
            0..8,
        ),
        body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
    ) {
        let header_refs: Vec<(&str, &str)> =
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let received = ReceivedRequest {
            method: &method,
            url: &url,
            headers: &header_refs,
            body: body.as_deref(),
        };
        let _ = verify(&received, |_| Some(SK), std::time::SystemTime::now(), SKEW);
    }
}

// ---- well-formed requests ----------------------------------------------------------------

/// A well-formed request: method, URL (strictly encoded), headers, body.
#[derive(Debug, Clone)]
struct Valid {
    method: String,
    url: String,
    path_start: usize,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    token: Option<String>,
}

fn valid_request() -> impl Strategy<Value = Valid> {
    let segment = prop_oneof![
        "[A-Za-z0-9._~-]{1,8}",
        any::<String>().prop_map(|s| utf8_percent_encode(&s, STRICT).to_string()),
    ];
    let pair = (any::<String>(), any::<String>()).prop_map(|(k, v)| {
        format!(
            "{}={}",
            utf8_percent_encode(&k, STRICT),
            utf8_percent_encode(&v, STRICT)
        )
    });
    let header = ("X-[A-Za-z0-9_-]{1,10}", "[!-~]([ -~]{0,20}[!-~])?");
    (
        prop_oneof![
            Just("GET"),
            Just("POST"),
            Just("PUT"),
            Just("DELETE"),
            Just("PATCH")
        ],
        prop_oneof![
            Just("https://dbss.cn-north-4.myhuaweicloud.com"),
            Just("http://127.0.0.1:8080"),
            Just("http://[::1]:9000"),
        ],
        proptest::collection::vec(segment, 1..5),
        proptest::collection::vec(pair, 0..5),
        proptest::collection::vec(header, 0..4),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 1..256)),
        proptest::option::of("[A-Za-z0-9+/=]{10,40}"),
    )
        .prop_map(|(method, base, segments, pairs, extra, body, token)| {
            let path = format!("/{}", segments.join("/"));
            let mut url = format!("{base}{path}");
            if !pairs.is_empty() {
                url.push('?');
                url.push_str(&pairs.join("&"));
            }
            let mut headers = vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("User-Agent".to_owned(), "dbss-rs-proptest".to_owned()),
                (
                    "X-Project-Id".to_owned(),
                    "0123456789abcdef0123456789abcdef".to_owned(),
                ),
            ];
            for (n, v) in extra {
                let reserved = ["x-sdk-date", "x-sdk-content-sha256", "x-security-token"]
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&n));
                if !reserved && !headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(&n)) {
                    headers.push((n, v));
                }
            }
            Valid {
                method: method.to_owned(),
                path_start: base.len(),
                url,
                headers,
                body,
                token,
            }
        })
}

/// What a request means after decoding, to skip mutations that do not change it (e.g. `%c3`
/// for `%C3`): `verify` rightly accepts those.
fn meaning(url: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let dec = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (k, v) = s.split_once('=').unwrap_or((s, ""));
            (dec(k), dec(v))
        })
        .collect();
    pairs.sort();
    (dec(path), pairs)
}

fn sign_valid<'a>(v: &'a Valid, headers: &'a [(&'a str, &'a str)]) -> SigningOutput<'a> {
    let mut creds = Credentials::new(AK, SK);
    if let Some(t) = &v.token {
        creds = creds.with_security_token(t);
    }
    let request = SignableRequest {
        method: &v.method,
        url: &v.url,
        headers,
        body: v.body.as_deref(),
    };
    sign(&request, &SigningParams::new(creds, time())).expect("a well-formed request signs")
}

fn alnum_other_than(c: char, pick: u8) -> char {
    let set = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut candidate = char::from(set[usize::from(pick) % set.len()]);
    if candidate == c {
        candidate = char::from(set[(usize::from(pick) + 1) % set.len()]);
    }
    candidate
}

proptest! {
    /// Same request and clock give the same signature, and everything else too.
    #[test]
    fn signing_is_deterministic(v in valid_request()) {
        let headers: Vec<(&str, &str)> =
            v.headers.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        let a = sign_valid(&v, &headers);
        let b = sign_valid(&v, &headers);
        prop_assert_eq!(a.canonical_request(), b.canonical_request());
        prop_assert_eq!(a.authorization(), b.authorization());
        prop_assert_eq!(a.url(), b.url());
        prop_assert!(a.headers().eq(b.headers()));
    }

    /// verify accepts what sign emits, also with unsigned headers added by the HTTP stack and
    /// with the clock anywhere inside the allowed skew.
    #[test]
    fn verify_accepts_signed_requests(v in valid_request(), skew in -900i64..=900) {
        let headers: Vec<(&str, &str)> =
            v.headers.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        let out = sign_valid(&v, &headers);
        let mut sent: Vec<(&str, &str)> = out.headers().collect();
        sent.push(("Accept", "*/*"));
        sent.push(("Content-Length", "123"));
        let now = out.sdk_date().to_system_time().unwrap();
        let now = if skew >= 0 {
            now + Duration::from_secs(skew.unsigned_abs())
        } else {
            now - Duration::from_secs(skew.unsigned_abs())
        };
        let received = ReceivedRequest {
            method: &v.method,
            url: out.url(),
            headers: &sent,
            body: v.body.as_deref(),
        };
        let result = verify(&received, |ak| (ak == AK).then_some(SK), now, SKEW);
        prop_assert!(result.is_ok(), "{:?}", result);
        // The origin-form target a server sees works as well.
        let origin = &out.url()[v.path_start..];
        let received = ReceivedRequest { url: origin, ..received };
        prop_assert!(verify(&received, |_| Some(SK), now, SKEW).is_ok());
    }

    /// Changing one byte of the method makes verification fail.
    #[test]
    fn changed_method_is_rejected(v in valid_request(), at in any::<prop::sample::Index>(), pick in 0u8..26) {
        let headers: Vec<(&str, &str)> =
            v.headers.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        let out = sign_valid(&v, &headers);
        let sent: Vec<(&str, &str)> = out.headers().collect();
        let mut method = v.method.clone().into_bytes();
        let i = at.index(method.len());
        let mut replacement = b'A' + pick;
        if replacement == method[i] {
            replacement = b'A' + (pick + 1) % 26;
        }
        method[i] = replacement;
        let method = String::from_utf8(method).unwrap();
        prop_assert!(verify_signed(&method, &out, &sent, v.body.as_deref(), SK).is_err());
    }

    /// Changing one byte of the path or of the query makes verification fail.
    #[test]
    fn changed_path_or_query_is_rejected(
        v in valid_request(),
        in_query in any::<bool>(),
        at in any::<prop::sample::Index>(),
        pick in any::<u8>(),
    ) {
        let headers: Vec<(&str, &str)> =
            v.headers.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        let out = sign_valid(&v, &headers);
        let sent: Vec<(&str, &str)> = out.headers().collect();
        let target = out.url()[v.path_start..].to_owned();
        let query_at = target.find('?');
        let range = match (in_query, query_at) {
            (true, Some(q)) => q + 1..target.len(),
            // Skip the leading '/' so the result stays an origin-form target.
            _ => 1..query_at.unwrap_or(target.len()),
        };
        prop_assume!(!range.is_empty());
        let i = range.start + at.index(range.len());
        let old = char::from(target.as_bytes()[i]);
        let mut changed = target.clone().into_bytes();
        changed[i] = alnum_other_than(old, pick) as u8;
        let changed = String::from_utf8(changed).unwrap();
        prop_assume!(meaning(&changed) != meaning(&target));
        let received = ReceivedRequest {
            method: &v.method,
            url: &changed,
            headers: &sent,
            body: v.body.as_deref(),
        };
        let now = out.sdk_date().to_system_time().unwrap();
        prop_assert!(verify(&received, |_| Some(SK), now, SKEW).is_err(), "{} -> {}", target, changed);
    }

    /// Changing one character of a signed header's value makes verification fail.
    #[test]
    fn changed_signed_header_value_is_rejected(
        v in valid_request(),
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        pick in any::<u8>(),
    ) {
        let headers: Vec<(&str, &str)> =
            v.headers.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        let out = sign_valid(&v, &headers);
        let mut sent: Vec<(String, String)> =
            out.headers().map(|(n, x)| (n.to_owned(), x.to_owned())).collect();
        let signed: Vec<usize> = sent
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| !n.contains('_') && !n.eq_ignore_ascii_case("authorization"))
            .map(|(i, _)| i)
            .collect();
        let h = signed[which.index(signed.len())];
        let mut chars: Vec<char> = sent[h].1.chars().collect();
        let c = at.index(chars.len());
        chars[c] = alnum_other_than(chars[c], pick);
        sent[h].1 = chars.into_iter().collect();
        let sent_refs: Vec<(&str, &str)> =
            sent.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        prop_assert!(
            verify_signed(&v.method, &out, &sent_refs, v.body.as_deref(), SK).is_err(),
            "changing {} was accepted", sent[h].0
        );
    }

    /// Changing one byte of a (JSON, hence hashed) body makes verification fail.
    #[test]
    fn changed_body_is_rejected(
        v in valid_request(),
        body in proptest::collection::vec(any::<u8>(), 1..256),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let v = Valid { body: Some(body), ..v };
        let headers: Vec<(&str, &str)> =
            v.headers.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        let out = sign_valid(&v, &headers);
        let sent: Vec<(&str, &str)> = out.headers().collect();
        let mut body = v.body.clone().unwrap_or_default();
        let i = at.index(body.len());
        body[i] ^= flip;
        prop_assert!(verify_signed(&v.method, &out, &sent, Some(&body), SK).is_err());
    }

    /// A different secret key never verifies.
    #[test]
    fn wrong_secret_key_is_rejected(v in valid_request(), sk in proptest::collection::vec(any::<u8>(), 1..40)) {
        prop_assume!(sk != SK);
        let headers: Vec<(&str, &str)> =
            v.headers.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        let out = sign_valid(&v, &headers);
        let sent: Vec<(&str, &str)> = out.headers().collect();
        let result = verify_signed(&v.method, &out, &sent, v.body.as_deref(), &sk);
        prop_assert!(matches!(result, Err(VerifyError::SignatureMismatch { .. })), "{:?}", result);
    }
}
