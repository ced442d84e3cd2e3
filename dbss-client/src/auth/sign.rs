//! AK/SK signing of a `reqwest::Request` with `dbss_signer` (the one signer of the workspace).
//!
//! This module only adapts: it turns the request into the signer's input, and puts the
//! signer's output (headers, URL with the sorted query) back into the request.

use std::fmt::Write as _;
use std::time::SystemTime;

use dbss_signer::{SignableRequest, SigningParams, SigningTime};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use secrecy::ExposeSecret;

use super::credentials::AkSkCredentials;
use super::error::CredentialsError;
use super::mark_sensitive;

/// What the signer keeps unencoded in a query: `A-Z a-z 0-9 - _ . ~`.
const QUERY_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What the signer accepts raw in a path, RFC 3986 `pchar`, `/` and `%`, is kept; every other
/// byte is percent-encoded.
const PATH_ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'%');

/// Headers this layer computes on every attempt. A request that is sent again (a retry that
/// clones the request) still carries the previous attempt's values; they are removed first so
/// the new signature gets a fresh `X-Sdk-Date` instead of tripping over a stale one.
const RECOMPUTED: [HeaderName; 5] = [
    AUTHORIZATION,
    X_SDK_DATE,
    X_SDK_CONTENT_SHA256,
    X_SECURITY_TOKEN,
    HOST,
];

const X_SDK_DATE: HeaderName = HeaderName::from_static("x-sdk-date");
const X_SDK_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-sdk-content-sha256");
const X_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-security-token");
const X_PROJECT_ID: HeaderName = HeaderName::from_static("x-project-id");

/// The project id sent as `X-Project-Id` on signed requests, made a header value once, when
/// the credentials are set up, rather than on every request.
#[derive(Clone, Debug)]
pub(crate) struct ProjectHeader {
    id: String,
    /// `None` when the id cannot be a header value (refused by `check` when a client is built).
    value: Option<HeaderValue>,
}

impl ProjectHeader {
    pub(crate) fn new(id: String) -> Self {
        let value = HeaderValue::from_str(&id).ok();
        Self { id, value }
    }

    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    fn value(&self) -> Result<HeaderValue, CredentialsError> {
        match &self.value {
            Some(value) => Ok(value.clone()),
            None => header_value("X-Project-Id", &self.id),
        }
    }
}

/// The `HeaderName` of a header the signer sets, without parsing (or allocating) for the
/// usual ones: this runs on every request.
fn signer_header_name(name: &str) -> Result<HeaderName, CredentialsError> {
    Ok(match name {
        "X-Sdk-Date" => X_SDK_DATE,
        "Host" => HOST,
        "Authorization" => AUTHORIZATION,
        "X-Security-Token" => X_SECURITY_TOKEN,
        "X-Sdk-Content-Sha256" => X_SDK_CONTENT_SHA256,
        _ => HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            CredentialsError::InvalidHeaderValue {
                name: name.to_owned(),
            }
        })?,
    })
}

/// Headers present on the request that are sent but not signed. The official SDK's HTTP library
/// adds `Accept` after signing; progenitor sets it before the hook runs. Leaving it out makes
/// the signed header set, and so the signature, identical to the official SDK's for the same
/// request (the gateway verifies only what `SignedHeaders` lists).
const UNSIGNED: [&str; 1] = ["accept"];

/// Signs `request` in place: sets `X-Project-Id` (when known), `X-Security-Token` (temporary
/// credentials), `X-Sdk-Date`, `Host`, `Authorization`, and rewrites the URL's query to the
/// sorted canonical form that was signed. Like the official SDK, every signed request carries
/// `Content-Type: application/json` (added when absent, e.g. on a GET without a body).
///
/// `Host` is set explicitly to the value that was signed (the URL's `host[:port]`, which is
/// what hyper would write itself): hyper then does not add a second one, and what is signed is
/// visible on the request.
pub(crate) fn sign_request(
    request: &mut reqwest::Request,
    credentials: &AkSkCredentials,
    project: Option<&ProjectHeader>,
    now: SystemTime,
) -> Result<(), CredentialsError> {
    let headers = request.headers_mut();
    for name in RECOMPUTED {
        headers.remove(name);
    }
    if !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Some(project) = project {
        headers.insert(X_PROJECT_ID, project.value()?);
    }

    let url = signable_url(request.url());
    let body = match request.body() {
        None => None,
        // JSON bodies are buffered by reqwest; a stream cannot be hashed without consuming it.
        Some(b) => Some(b.as_bytes().ok_or(CredentialsError::StreamingBody)?),
    };
    let mut pairs = Vec::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        if UNSIGNED.contains(&name.as_str()) {
            continue;
        }
        // The official SDK's UNSIGNED-PAYLOAD rule looks up the key spelled exactly
        // `Content-Type`; http lower-cases names, so give the signer the SDK's spelling.
        let name = if name == CONTENT_TYPE {
            "Content-Type"
        } else {
            name.as_str()
        };
        // UTF-8 rather than `to_str` (visible ASCII only): the SDK signs non-ASCII values too.
        let value = std::str::from_utf8(value.as_bytes()).map_err(|_| {
            CredentialsError::InvalidHeaderValue {
                name: name.to_owned(),
            }
        })?;
        pairs.push((name, value));
    }

    let mut signer_credentials = dbss_signer::Credentials::new(
        &credentials.access_key_id,
        credentials.secret_key.expose_secret().as_bytes(),
    );
    if let Some(token) = &credentials.security_token {
        signer_credentials = signer_credentials.with_security_token(token.expose_secret());
    }
    let time = SigningTime::from_system_time(now)?;
    let signed = dbss_signer::sign(
        &SignableRequest {
            method: request.method().as_str(),
            url: &url,
            headers: &pairs,
            body,
        },
        &SigningParams::new(signer_credentials, time),
    )?;
    // The string to sign holds no secret (date and a hash); with it a signature mismatch
    // reported by a server (which answers with its own string to sign) can be diagnosed. The
    // canonical request is not logged: it contains the security token.
    tracing::trace!(
        signed_headers = signed.signed_headers(),
        string_to_sign = signed.string_to_sign(),
        "signed request"
    );

    let mut to_set = Vec::with_capacity(4);
    for (name, value) in signed.headers_to_set() {
        let name = signer_header_name(name)?;
        let value = header_value(name.as_str(), value)?;
        to_set.push((name, value));
    }
    // Without a query to sort, the URL goes out as it was signed: no need to parse it again.
    let new_url = if signed.url() == url {
        None
    } else {
        Some(reqwest::Url::parse(signed.url()).map_err(CredentialsError::SignedUrl)?)
    };
    drop(signed);

    if let Some(new_url) = new_url {
        *request.url_mut() = new_url;
    }
    let headers = request.headers_mut();
    for (name, value) in to_set {
        headers.insert(name, value);
    }
    // The signer only sets these when absent; hyper would add the same Host itself, but then
    // what was signed would not be visible on the request.
    debug_assert!(headers.contains_key(HOST));
    debug_assert!(headers.contains_key(AUTHORIZATION));
    mark_sensitive(headers);
    Ok(())
}

/// Checks what signing needs from the credentials alone (a non-empty, header-safe AK, a
/// non-empty SK, header-safe security token and project id) by signing a minimal probe request
/// with the signer, so the rules stay the signer's.
pub(crate) fn check_credentials(
    credentials: &AkSkCredentials,
    project_id: Option<&str>,
) -> Result<(), CredentialsError> {
    if let Some(project_id) = project_id {
        header_value("X-Project-Id", project_id)?;
    }
    let mut signer_credentials = dbss_signer::Credentials::new(
        &credentials.access_key_id,
        credentials.secret_key.expose_secret().as_bytes(),
    );
    if let Some(token) = &credentials.security_token {
        header_value("X-Security-Token", token.expose_secret())?;
        signer_credentials = signer_credentials.with_security_token(token.expose_secret());
    }
    let probe = SignableRequest {
        method: "GET",
        url: "https://probe.invalid/",
        headers: &[],
        body: None,
    };
    let time = SigningTime::from_unix_seconds(0)?;
    dbss_signer::sign(&probe, &SigningParams::new(signer_credentials, time))?;
    Ok(())
}

/// A header value from a string; the error names the header, never the value.
pub(crate) fn header_value(name: &str, value: &str) -> Result<HeaderValue, CredentialsError> {
    HeaderValue::from_str(value).map_err(|_| CredentialsError::InvalidHeaderValue {
        name: name.to_owned(),
    })
}

/// The URL in the form the signer takes: path with every character RFC 3986 does not allow raw
/// percent-encoded, query strictly percent-encoded.
///
/// Both rewrites keep the meaning: a server decodes `%7C` and `|` alike, and the signer
/// decodes the path before canonicalising it, so the signature is the one the official SDK
/// computes for the same path parameter.
fn signable_url(url: &reqwest::Url) -> String {
    let mut out = String::with_capacity(url.as_str().len() + 16);
    out.push_str(url.scheme());
    out.push_str("://");
    // `host[:port]`, the port only when it is not the scheme's default: what hyper writes as
    // `Host` and what the official SDK signs. IPv6 hosts keep their brackets.
    out.push_str(url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        // Writing into a String cannot fail.
        let _ = write!(out, ":{port}");
    }
    out.extend(percent_encode(url.path().as_bytes(), PATH_ENCODE_SET));
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        out.push('?');
        out.push_str(&strict_query(query));
    }
    out
}

/// Re-encodes a query that reqwest wrote as `application/x-www-form-urlencoded` (`+` for a
/// space, as progenitor's `.query()` does) in the strict form the signer takes, where `+` is a
/// plus and a space is `%20`. Bytes are re-encoded as they are, so nothing is lost to lossy
/// UTF-8 decoding.
fn strict_query(query: &str) -> String {
    let mut out = String::with_capacity(query.len() + 8);
    for (i, pair) in query.split('&').filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            out.push('&');
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        push_form_component(&mut out, key);
        out.push('=');
        push_form_component(&mut out, value);
    }
    out
}

fn push_form_component(out: &mut String, component: &str) {
    let plus_decoded = component.replace('+', " ");
    let bytes: Vec<u8> = percent_decode(plus_decoded.as_bytes()).collect();
    out.extend(percent_encode(&bytes, QUERY_ENCODE_SET));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn queries_are_strictly_encoded_from_form_encoding() {
        assert_eq!(strict_query("b=a+b&a=%2B%26x"), "b=a%20b&a=%2B%26x");
        assert_eq!(strict_query("k%C3%A9=%C3%BC&flag"), "k%C3%A9=%C3%BC&flag=");
        assert_eq!(strict_query("x=~-._*"), "x=~-._%2A");
        assert_eq!(strict_query("&&a=1&"), "a=1");
    }

    /// Every byte: kept when RFC 3986 allows it raw in a path (`pchar`, `/`, and `%` of an
    /// existing escape), else `%XX` with upper-case hex.
    #[test]
    fn path_bytes_are_kept_or_escaped_per_rfc_3986() {
        for b in 0..=255u8 {
            let raw = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b);
            let expected = if raw {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            };
            assert_eq!(
                percent_encode(&[b], PATH_ENCODE_SET).to_string(),
                expected,
                "{b}"
            );
        }
    }

    #[test]
    fn urls_become_signable() {
        let u = reqwest::Url::parse("https://h.example:443/v1/a|b^c/d?z=1+2&a=%2F").unwrap();
        assert_eq!(
            signable_url(&u),
            "https://h.example/v1/a%7Cb%5Ec/d?z=1%202&a=%2F"
        );
        let u = reqwest::Url::parse("http://127.0.0.1:8080/x%2Fy").unwrap();
        assert_eq!(signable_url(&u), "http://127.0.0.1:8080/x%2Fy");
        let u = reqwest::Url::parse("http://[::1]:9/p?").unwrap();
        assert_eq!(signable_url(&u), "http://[::1]:9/p");
    }
}
