//! Verification: the server side of SDK-HMAC-SHA256, for mock servers and tests.
//!
//! It recomputes the signature with exactly the canonicalisation the signer uses (one
//! implementation, in `canonical.rs`), over the headers the client *declared* in
//! `SignedHeaders` — an HTTP stack adds unsigned headers such as `Accept` or `Content-Length`
//! after signing, so the verifier must not sign "all headers".

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::canonical::{self, ALGORITHM, PayloadHash, UNSIGNED_PAYLOAD};
use crate::charset;
use crate::error::{SignError, VerifyError};
use crate::redact::{BodyLen, RedactedHeaders};
use crate::sign::{HEADER_CONTENT_SHA256, HEADER_SDK_DATE};
use crate::time::SigningTime;
use crate::url;

/// The clock skew the Huawei Cloud API gateway tolerates ("signature expired" beyond it).
pub const DEFAULT_MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

/// A request as an HTTP server received it.
///
/// `Debug` redacts the values of `Authorization`, `X-Auth-Token` and `X-Security-Token` and
/// prints only the body's length.
#[derive(Clone, Copy)]
pub struct ReceivedRequest<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The request target as received: origin-form (`/v1/x?b=1&a=2`, what a server sees) or an
    /// absolute URL. Only the path and query are used.
    pub url: &'a str,
    /// The received headers, including `Authorization`, `X-Sdk-Date` and `Host`. With HTTP/2,
    /// pass the `:authority` as a `host` header.
    pub headers: &'a [(&'a str, &'a str)],
    /// The received body; `None` or empty for no body.
    pub body: Option<&'a [u8]>,
}

impl fmt::Debug for ReceivedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceivedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field(
                "headers",
                &RedactedHeaders(self.headers.iter().map(|&(n, v)| (n, v))),
            )
            .field("body", &BodyLen(self.body))
            .finish()
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified<'a> {
    /// The access key id that signed the request.
    pub access_key_id: &'a str,
    /// The signed `X-Sdk-Date`.
    pub signed_at: SigningTime,
}

/// The parts of `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>`.
struct Authorization<'a> {
    access_key_id: &'a str,
    signed_headers: &'a str,
    signature: [u8; 32],
}

fn malformed(reason: &'static str) -> VerifyError {
    VerifyError::MalformedAuthorization { reason }
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, VerifyError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or(malformed("expected the SDK-HMAC-SHA256 algorithm"))?;
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, val) = part
            .trim_matches(' ')
            .split_once('=')
            .ok_or(malformed("expected Key=Value parts separated by commas"))?;
        let slot = match key {
            "Access" => &mut access,
            "SignedHeaders" => &mut signed,
            "Signature" => &mut signature,
            _ => {
                return Err(malformed(
                    "unknown part; expected Access, SignedHeaders, Signature",
                ));
            }
        };
        if slot.replace(val).is_some() {
            return Err(malformed("a part occurs more than once"));
        }
    }
    let access_key_id = access
        .filter(|a| !a.is_empty())
        .ok_or(malformed("missing Access"))?;
    let signed_headers = signed
        .filter(|s| !s.is_empty())
        .ok_or(malformed("missing SignedHeaders"))?;
    if !signed_headers
        .split(';')
        .all(|n| charset::is_token(n) && !n.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Err(malformed(
            "SignedHeaders must be lower-case header names separated by ';'",
        ));
    }
    let signature_hex = signature.ok_or(malformed("missing Signature"))?;
    let mut signature = [0u8; 32];
    if signature_hex.len() != 64
        || signature_hex.bytes().any(|b| b.is_ascii_uppercase())
        || hex::decode_to_slice(signature_hex, &mut signature).is_err()
    {
        return Err(malformed("Signature must be 64 lower-case hex digits"));
    }
    Ok(Authorization {
        access_key_id,
        signed_headers,
        signature,
    })
}

/// The single value of header `name` (case-insensitive): `Ok(None)` if absent, an error if it
/// occurs more than once.
fn single<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Result<Option<&'a str>, VerifyError> {
    let mut found = None;
    for &(n, v) in headers {
        if n.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(VerifyError::DuplicateSignedHeader {
                    name: name.to_ascii_lowercase(),
                });
            }
            found = Some(v);
        }
    }
    Ok(found)
}

/// Seconds since the Unix epoch, negative before it.
fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Verifies an SDK-HMAC-SHA256 signed request.
///
/// `lookup_secret_key` maps the access key id from `Authorization` to its secret key (`None`
/// for an unknown AK). `now` is the verifier's clock; `X-Sdk-Date` may differ from it by at
/// most `max_clock_skew` in either direction (the gateway uses [`DEFAULT_MAX_CLOCK_SKEW`]).
///
/// Besides the signature this insists that `host` and `x-sdk-date` are signed (the official
/// SDKs always sign them; without them a signature could be replayed elsewhere or later) and,
/// when there is a body, that a `X-Sdk-Content-Sha256` header is either `UNSIGNED-PAYLOAD` or
/// the body's real hash. The signature comparison is constant-time.
pub fn verify<'a, F, K>(
    request: &ReceivedRequest<'a>,
    lookup_secret_key: F,
    now: SystemTime,
    max_clock_skew: Duration,
) -> Result<Verified<'a>, VerifyError>
where
    F: FnOnce(&str) -> Option<K>,
    K: AsRef<[u8]>,
{
    let headers = request.headers;
    let auth_value = match single(headers, "authorization") {
        Ok(Some(v)) => v,
        Ok(None) => return Err(VerifyError::MissingAuthorization),
        Err(_) => return Err(malformed("more than one Authorization header")),
    };
    let auth = parse_authorization(auth_value)?;
    for required in ["host", "x-sdk-date"] {
        if !auth.signed_headers.split(';').any(|n| n == required) {
            return Err(VerifyError::RequiredHeaderNotSigned { name: required });
        }
    }

    let date_value = single(headers, HEADER_SDK_DATE)?.ok_or(VerifyError::MissingSignedHeader {
        name: "x-sdk-date".to_owned(),
    })?;
    let signed_at =
        SigningTime::parse(charset::py_strip(date_value)).map_err(VerifyError::MalformedDate)?;
    let max_skew_secs = max_clock_skew.as_secs();
    let skew_limit = i64::try_from(max_skew_secs).unwrap_or(i64::MAX);
    let age = unix_seconds(now).saturating_sub(signed_at.unix_seconds());
    if age > skew_limit {
        return Err(VerifyError::Expired {
            age_secs: age.unsigned_abs(),
            max_skew_secs,
        });
    }
    if age < skew_limit.saturating_neg() {
        return Err(VerifyError::NotYetValid {
            ahead_secs: age.unsigned_abs(),
            max_skew_secs,
        });
    }

    let secret_key =
        lookup_secret_key(auth.access_key_id).ok_or_else(|| VerifyError::UnknownAccessKey {
            access_key_id: auth.access_key_id.to_owned(),
        })?;

    if !charset::is_token(request.method) {
        return Err(VerifyError::InvalidRequest(SignError::InvalidMethod {
            method: request.method.to_owned(),
        }));
    }
    let parts = url::split_request_target(request.url).map_err(VerifyError::InvalidRequest)?;

    let mut signed: Vec<(&str, &str)> = Vec::with_capacity(8);
    for name in auth.signed_headers.split(';') {
        let value = single(headers, name)?.ok_or_else(|| VerifyError::MissingSignedHeader {
            name: name.to_owned(),
        })?;
        if charset::has_forbidden_value_byte(value) {
            return Err(VerifyError::InvalidRequest(SignError::InvalidHeaderValue {
                name: name.to_owned(),
            }));
        }
        signed.push((name, charset::py_strip(value)));
    }

    let content_sha256 = single(headers, HEADER_CONTENT_SHA256)?.map(charset::py_strip);
    if let (Some(body), Some(claimed)) = (request.body, content_sha256)
        && !body.is_empty()
        && !claimed.is_empty()
        && claimed != UNSIGNED_PAYLOAD
    {
        let actual: [u8; 32] = Sha256::digest(body).into();
        if !claimed.eq_ignore_ascii_case(canonical::hex_str(&canonical::hex32(&actual))) {
            return Err(VerifyError::PayloadHashMismatch);
        }
    }

    // The same writer as the signer's, hashed as it is written.
    let canonical_query = canonical::canonical_query(parts.query);
    let mut hasher = canonical::HashSink::new();
    canonical::write_canonical_request(
        &mut hasher,
        request.method,
        parts.path,
        &canonical_query,
        auth.signed_headers,
        signed.iter().map(|&(_, value)| value),
        &PayloadHash::of(request.body, content_sha256),
    );
    let string_to_sign = canonical::string_to_sign(&signed_at, &hasher.finish());
    let mismatch = || VerifyError::SignatureMismatch {
        string_to_sign: canonical::string_to_sign_text(&string_to_sign),
    };

    // HMAC accepts any key length; an empty key simply cannot match a real signature.
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret_key.as_ref()).map_err(|_| mismatch())?;
    mac.update(&string_to_sign);
    mac.verify_slice(&auth.signature).map_err(|_| mismatch())?;

    Ok(Verified {
        access_key_id: auth.access_key_id,
        signed_at,
    })
}
