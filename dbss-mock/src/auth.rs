//! Authentication, as the API gateway in front of DBSS does it: an IAM token in `X-Auth-Token`,
//! or an SDK-HMAC-SHA256 signature verified with dbss-signer's verifier (the same
//! canonicalisation code the client signs with).
//!
//! Every failure is a 401 with [`codes::AUTH_FAILED`](crate::codes::AUTH_FAILED) and a message
//! that says what was wrong (never a secret): no credentials, an unknown token, an unknown
//! access key, a malformed `Authorization`, a signature mismatch (with the server's string to
//! sign, which holds no secret, so a client can see which side canonicalised differently),
//! a missing or wrong security token, or "signature expired" when `X-Sdk-Date` is more than the
//! allowed skew (15 minutes, as at the gateway) away from the mock's clock, or "security token
//! expired" when temporary credentials issued by an identity stand-in (see `identity`) are used
//! after their expiry on the mock's clock.

use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use dbss_signer::{ReceivedRequest, VerifyError};
use http::request::Parts;

use crate::error::ApiError;

/// An access key the mock accepts.
#[derive(Clone)]
pub(crate) struct AccessKey {
    pub ak: String,
    pub sk: String,
    /// Set for temporary credentials: requests must carry it in `X-Security-Token`.
    pub security_token: Option<String>,
    /// Set for keys issued by an identity stand-in: refused from this instant on (mock clock).
    pub expires_at: Option<SystemTime>,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("ak", &self.ak)
            .field("sk", &"[REDACTED]")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The credentials the mock accepts, and whether it checks them at all.
pub(crate) struct Auth {
    pub enabled: bool,
    pub tokens: Vec<String>,
    pub keys: Vec<AccessKey>,
    pub max_skew: Duration,
    /// Temporary keys issued by the identity stand-ins while the server runs (each with an
    /// expiry). Kept after they expire, so that a late use is told "expired", not "unknown".
    pub issued: Mutex<Vec<AccessKey>>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("enabled", &self.enabled)
            .field("tokens", &format_args!("[{} redacted]", self.tokens.len()))
            .field("keys", &self.keys)
            .field("max_skew", &self.max_skew)
            .field("issued", &format_args!("[{} issued]", self.issued().len()))
            .finish()
    }
}

impl Auth {
    /// Accepts `key` (temporary credentials issued by an identity stand-in) from now on.
    pub fn issue(&self, key: AccessKey) {
        self.issued().push(key);
    }

    fn issued(&self) -> MutexGuard<'_, Vec<AccessKey>> {
        // Pushes cannot leave the list inconsistent.
        self.issued.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks the credentials of a request whose body has been read.
    pub fn check(&self, parts: &Parts, body: &[u8], now: SystemTime) -> Result<(), ApiError> {
        if !self.enabled {
            return Ok(());
        }
        let headers = &parts.headers;
        if let Some(token) = headers.get("x-auth-token") {
            let known = token.to_str().is_ok_and(|t| {
                self.tokens
                    .iter()
                    .any(|k| constant_time_eq(k.as_bytes(), t.as_bytes()))
            });
            return if known {
                Ok(())
            } else {
                Err(ApiError::unauthenticated(
                    "the X-Auth-Token is invalid or expired",
                ))
            };
        }
        if !headers.contains_key(http::header::AUTHORIZATION) {
            return Err(ApiError::unauthenticated(
                "no credentials: send an IAM token in X-Auth-Token or sign the request with SDK-HMAC-SHA256",
            ));
        }

        // Header values that are not visible ASCII cannot have been signed by the SDK; leaving
        // them out makes the verifier report them as missing if they were declared signed.
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect();
        let target = parts
            .uri
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str);
        // The gateway reads a query as a form does: `+` is a space. The official SDK sends a
        // space as `+` (its HTTP library form-encodes the query) and signs it as `%20`; a
        // literal plus arrives as `%2B` either way.
        let target = match target.split_once('?') {
            Some((path, query)) if query.contains('+') => {
                std::borrow::Cow::Owned(format!("{path}?{}", query.replace('+', "%20")))
            }
            _ => std::borrow::Cow::Borrowed(target),
        };
        let request = ReceivedRequest {
            method: parts.method.as_str(),
            url: &target,
            headers: &pairs,
            body: Some(body),
        };
        let issued = self.issued();
        let mut matched: Option<&AccessKey> = None;
        let verified = dbss_signer::verify(
            &request,
            |ak: &str| {
                matched = self.keys.iter().chain(issued.iter()).find(|k| k.ak == ak);
                matched.map(|k| k.sk.as_bytes())
            },
            now,
            self.max_skew,
        );
        match verified {
            Ok(_) => {}
            Err(VerifyError::Expired {
                age_secs,
                max_skew_secs,
            }) => {
                return Err(ApiError::unauthenticated(format!(
                    "signature expired: X-Sdk-Date is {age_secs} s behind the server's clock \
                     (at most {max_skew_secs} s allowed); sign each attempt afresh"
                )));
            }
            Err(VerifyError::NotYetValid {
                ahead_secs,
                max_skew_secs,
            }) => {
                return Err(ApiError::unauthenticated(format!(
                    "signature expired: X-Sdk-Date is {ahead_secs} s ahead of the server's clock \
                     (at most {max_skew_secs} s allowed)"
                )));
            }
            Err(VerifyError::UnknownAccessKey { access_key_id }) => {
                return Err(ApiError::unauthenticated(format!(
                    "access key id {access_key_id:?} does not exist"
                )));
            }
            Err(VerifyError::SignatureMismatch { string_to_sign }) => {
                return Err(ApiError::unauthenticated(format!(
                    "verify aksk signature fail; the server's string to sign is {string_to_sign:?}"
                )));
            }
            Err(other) => return Err(ApiError::unauthenticated(other)),
        }

        if let Some(expected) = matched.and_then(|k| k.security_token.as_deref()) {
            let sent = headers
                .get("x-security-token")
                .and_then(|v| v.to_str().ok());
            if !sent.is_some_and(|s| constant_time_eq(s.as_bytes(), expected.as_bytes())) {
                return Err(ApiError::unauthenticated(
                    "the X-Security-Token of these temporary credentials is missing or wrong",
                ));
            }
        }
        if let Some(expires_at) = matched.and_then(|k| k.expires_at)
            && now >= expires_at
        {
            return Err(ApiError::unauthenticated(format!(
                "security token expired: these temporary credentials expired at {} \
                 (the server's clock says {}); get new ones",
                crate::identity::format_expiry(expires_at),
                crate::identity::format_expiry(now),
            )));
        }
        Ok(())
    }
}

/// Compares secrets without an early exit on the first differing byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
