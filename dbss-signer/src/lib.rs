//! SDK-HMAC-SHA256 request signing for Huawei Cloud APIs, byte-identical to the official SDKs.
//!
//! The reference is `huaweicloudsdkcore/signer/signer.py` of huaweicloudsdkcore 3.1.219; the
//! known-answer vectors in `tests/vectors/` were recorded from it and are the specification.
//!
//! # Signing
//!
//! ```
//! use dbss_signer::{sign, Credentials, SignableRequest, SigningParams, SigningTime};
//!
//! let headers = [("Content-Type", "application/json"), ("X-Project-Id", "0123")];
//! let request = SignableRequest {
//!     method: "GET",
//!     url: "https://dbss.cn-north-4.myhuaweicloud.com/v2/0123/audit/instances?offset=0&limit=100",
//!     headers: &headers,
//!     body: None,
//! };
//! let time = SigningTime::parse("20250821T070331Z")?;
//! let params = SigningParams::new(Credentials::new("AK", b"SK"), time);
//! let signed = sign(&request, &params)?;
//! // The query is sent sorted, exactly as it was signed.
//! assert_eq!(
//!     signed.url(),
//!     "https://dbss.cn-north-4.myhuaweicloud.com/v2/0123/audit/instances?limit=100&offset=0"
//! );
//! for (name, value) in signed.headers_to_set() {
//!     // insert into the outgoing request: X-Sdk-Date, Host, Authorization
//!     # let _ = (name, value);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The rules, as the official SDK applies them
//!
//! 1. `X-Security-Token` is set when the credentials carry a token. `X-Sdk-Content-Sha256:
//!    UNSIGNED-PAYLOAD` is added when a header spelled exactly `Content-Type` has a non-empty
//!    value not starting with `application/json` or `application/bson`. `X-Sdk-Date` is added
//!    unless the caller set one (then the caller's wins), and `Host` (the URL's `host[:port]`)
//!    unless present.
//! 2. Every header value is trimmed (Python's `str.strip()`); every header whose name contains
//!    no `_` is signed; SignedHeaders is the lower-cased names, sorted, joined by `;`.
//! 3. CanonicalRequest = `METHOD\nCanonicalURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nPayloadHash`:
//!    the URI is percent-decoded, split on `/`, each segment re-encoded (only
//!    `A-Z a-z 0-9 - _ . ~` kept) and always ends in `/` (so `a%2Fb` is signed as `a/b`); the
//!    query pairs are decoded, sorted on `(key, value)`, re-encoded and joined by `&` (and that
//!    sorted query is also what is sent); the payload hash is the hex SHA-256 of the body, of
//!    the empty string without a body, or the `X-Sdk-Content-Sha256` value when that is set and
//!    there is a body.
//! 4. StringToSign = `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256(CanonicalRequest)>`; the
//!    signature is hex HMAC-SHA256 keyed with the secret key bytes.
//! 5. `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<...>, Signature=<hex>`.
//!
//! Where this crate deliberately differs from the SDK it refuses input the SDK would turn into a
//! request no server accepts: header values with CR/LF/NUL, headers repeated with different
//! case, a pre-existing `Authorization` header, URLs with raw characters that HTTP clients
//! rewrite, and a malformed `X-Sdk-Date`.
//!
//! # What the caller must take care of
//!
//! - Send exactly [`SigningOutput::url`] and set every header of
//!   [`SigningOutput::headers_to_set`], `Host` included: the signed `Host` is the URL's
//!   `host[:port]` as written, and an HTTP client may write a different one (e.g. drop `:443`).
//! - Give the query strictly percent-encoded: a literal `+` is signed as a plus sign, so a
//!   form-encoded space (`+`) must be re-encoded as `%20` first.
//! - Do not put `.` or `..` path segments (raw or as `%2E`) in a URL: they are signed as they
//!   are, but HTTP clients (the `url` crate, Python's `requests`) remove them before sending,
//!   so the server would see another path. The official SDK has the same problem.
//!
//! # Verifying
//!
//! [`verify`] is the server side (used by the embedded mock server): it recomputes the
//! signature over the headers named in `SignedHeaders` and checks the date against a clock
//! skew (15 minutes at the real gateway, [`DEFAULT_MAX_CLOCK_SKEW`]).
#![deny(missing_docs)]

mod canonical;
mod charset;
mod error;
mod redact;
mod sign;
mod time;
mod url;
mod verify;

pub use error::{SignError, TimeError, VerifyError};
pub use sign::{
    Credentials, HEADER_CONTENT_SHA256, HEADER_SDK_DATE, HEADER_SECURITY_TOKEN, SignableRequest,
    SigningOutput, SigningParams, sign,
};
pub use time::SigningTime;
pub use verify::{DEFAULT_MAX_CLOCK_SKEW, ReceivedRequest, Verified, verify};

/// The crate's README (what crates.io shows), compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
