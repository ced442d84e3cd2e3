//! The error types of this crate.
//!
//! Messages name the header, URL part or field that is wrong but never print a header *value*:
//! values can be secrets (`Authorization`, `X-Auth-Token`, `X-Security-Token`), and an error
//! message tends to end up in logs.

use thiserror::Error;

/// Why an `X-Sdk-Date`-style timestamp could not be produced or parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The text is not exactly `%Y%m%dT%H%M%SZ` (e.g. `20250821T070331Z`) with valid ranges.
    #[error("expected a UTC time formatted as %Y%m%dT%H%M%SZ, e.g. 20250821T070331Z")]
    Malformed,
    /// The instant is before 1970-01-01 or after 9999-12-31 and cannot be formatted.
    #[error("time is outside the supported range 1970-01-01..=9999-12-31")]
    OutOfRange,
}

/// Why a request could not be signed.
///
/// Every variant is a property of the input; signing never fails for any other reason.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignError {
    /// The access key id is empty (the official SDK refuses this as well).
    #[error("access key id is empty")]
    EmptyAccessKeyId,
    /// The access key id contains a character that would corrupt the `Authorization` header
    /// (anything but visible ASCII, or a comma).
    #[error("access key id contains characters that cannot appear in an Authorization header")]
    InvalidAccessKeyId,
    /// The secret key is empty (the official SDK refuses this as well).
    #[error("secret key is empty")]
    EmptySecretKey,
    /// The HTTP method is empty or not an RFC 9110 token.
    #[error("invalid HTTP method {method:?}: expected a non-empty token such as GET or POST")]
    InvalidMethod {
        /// The method as given.
        method: String,
    },
    /// The URL cannot be split into scheme, authority, path and query, or contains characters
    /// that must be percent-encoded.
    #[error("invalid URL: {reason}")]
    InvalidUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header name is empty or not an RFC 9110 token.
    #[error("invalid header name {name:?}: expected a non-empty token")]
    InvalidHeaderName {
        /// The name as given (Debug-escaped when displayed).
        name: String,
    },
    /// A header value contains CR, LF or NUL, which RFC 9110 forbids (header injection).
    #[error("value of header {name:?} contains CR, LF or NUL")]
    InvalidHeaderValue {
        /// The header's name. The value is deliberately not kept.
        name: String,
    },
    /// Two headers have the same name, compared case-insensitively.
    #[error("header {name:?} is given more than once (names are compared case-insensitively)")]
    DuplicateHeader {
        /// The name of the second occurrence.
        name: String,
    },
    /// The request already carries an `Authorization` header. The official SDK would skip
    /// signing in that case; re-signing with a stale header present is almost certainly a bug.
    #[error("request already carries an Authorization header; sign a fresh request")]
    AuthorizationPresent,
    /// A caller-set `X-Sdk-Date` header is not a valid `%Y%m%dT%H%M%SZ` time.
    #[error("invalid X-Sdk-Date header: {0}")]
    InvalidSdkDateHeader(#[source] TimeError),
}

/// Why a received request failed verification.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// There is no `Authorization` header.
    #[error("missing Authorization header")]
    MissingAuthorization,
    /// The `Authorization` header is not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
    #[error("malformed Authorization header: {reason}")]
    MalformedAuthorization {
        /// What is wrong with it (never the header's value).
        reason: &'static str,
    },
    /// The access key id is not known to the secret-key lookup.
    #[error("unknown access key id {access_key_id:?}")]
    UnknownAccessKey {
        /// The access key id from the `Authorization` header (not a secret).
        access_key_id: String,
    },
    /// A header the verifier insists on (`host`, `x-sdk-date`) is not in `SignedHeaders`.
    #[error("header {name:?} must be signed but is not listed in SignedHeaders")]
    RequiredHeaderNotSigned {
        /// The lower-case header name.
        name: &'static str,
    },
    /// A header listed in `SignedHeaders` is not present in the request.
    #[error("signed header {name:?} is missing from the request")]
    MissingSignedHeader {
        /// The lower-case header name.
        name: String,
    },
    /// A signed header occurs more than once, so its value is ambiguous.
    #[error("signed header {name:?} occurs more than once")]
    DuplicateSignedHeader {
        /// The lower-case header name.
        name: String,
    },
    /// The `X-Sdk-Date` header is not a valid `%Y%m%dT%H%M%SZ` time.
    #[error("malformed X-Sdk-Date header: {0}")]
    MalformedDate(#[source] TimeError),
    /// `X-Sdk-Date` is further in the past than the allowed clock skew.
    #[error("signature expired: X-Sdk-Date is {age_secs} s old (allowed skew {max_skew_secs} s)")]
    Expired {
        /// How many seconds before the verifier's clock the request was signed.
        age_secs: u64,
        /// The allowed skew in seconds.
        max_skew_secs: u64,
    },
    /// `X-Sdk-Date` is further in the future than the allowed clock skew.
    #[error("X-Sdk-Date is {ahead_secs} s in the future (allowed skew {max_skew_secs} s)")]
    NotYetValid {
        /// How many seconds after the verifier's clock the request claims to be signed.
        ahead_secs: u64,
        /// The allowed skew in seconds.
        max_skew_secs: u64,
    },
    /// `X-Sdk-Content-Sha256` is neither `UNSIGNED-PAYLOAD` nor the SHA-256 of the body.
    #[error("X-Sdk-Content-Sha256 does not match the body")]
    PayloadHashMismatch,
    /// The request cannot be canonicalised (bad method, URL or header).
    #[error("request cannot be canonicalised: {0}")]
    InvalidRequest(#[source] SignError),
    /// The recomputed signature differs from the one in `Authorization`.
    ///
    /// `string_to_sign` is what the verifier computed; its last line is the SHA-256 of the
    /// canonical request, so a client can tell which side canonicalised differently without
    /// any secret or header value being revealed.
    #[error("signature mismatch; verifier's string to sign: {string_to_sign:?}")]
    SignatureMismatch {
        /// The verifier's string to sign.
        string_to_sign: String,
    },
}
