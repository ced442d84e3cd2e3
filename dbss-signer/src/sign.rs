//! Signing: turns a request and credentials into the headers and URL to send.
//!
//! The order of operations and every header rule follow `Signer.sign` of the official Python
//! SDK (huaweicloudsdkcore 3.1.219) together with `Credentials.sign_request`, which sets
//! `X-Security-Token` just before the signer runs.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use crate::canonical::{self, ALGORITHM, Path, PayloadHash, UNSIGNED_PAYLOAD};
use crate::charset;
use crate::error::SignError;
use crate::redact::{BodyLen, Redacted, RedactedHeaders};
use crate::time::SigningTime;
use crate::url;

/// The name of the date header (added unless the caller set one).
pub const HEADER_SDK_DATE: &str = "X-Sdk-Date";
/// The name of the header that replaces the body hash for non-JSON/BSON content types.
pub const HEADER_CONTENT_SHA256: &str = "X-Sdk-Content-Sha256";
/// The name of the header carrying the security token of temporary credentials.
pub const HEADER_SECURITY_TOKEN: &str = "X-Security-Token";

/// The access key id, secret key and optional security token used to sign.
///
/// Borrows its parts: the caller keeps the secret in whatever protected type it likes (e.g.
/// `secrecy::SecretString`) and lends the bytes for the duration of a signature. `Debug`
/// prints the secret key and the security token as `[REDACTED]`.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    access_key_id: &'a str,
    secret_key: &'a [u8],
    security_token: Option<&'a str>,
}

impl<'a> Credentials<'a> {
    /// Permanent credentials: an access key id (AK) and secret key (SK). The SK is used as the
    /// HMAC key as is; for a string SK pass its UTF-8 bytes.
    pub fn new(access_key_id: &'a str, secret_key: &'a [u8]) -> Self {
        Self {
            access_key_id,
            secret_key,
            security_token: None,
        }
    }

    /// Adds the security token of temporary credentials; it is sent and signed as
    /// `X-Security-Token`.
    pub fn with_security_token(mut self, security_token: &'a str) -> Self {
        self.security_token = Some(security_token);
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &'a str {
        self.access_key_id
    }

    /// The security token, if any.
    pub fn security_token(&self) -> Option<&'a str> {
        self.security_token
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_key", &Redacted)
            .field("security_token", &self.security_token.map(|_| Redacted))
            .finish()
    }
}

/// A request to sign, as the HTTP client is about to send it.
///
/// `Debug` redacts the values of `Authorization`, `X-Auth-Token` and `X-Security-Token` and
/// prints only the body's length.
#[derive(Clone, Copy)]
pub struct SignableRequest<'a> {
    /// The HTTP method, e.g. `POST` (signed upper-cased).
    pub method: &'a str,
    /// The full URL, e.g. `https://dbss.cn-north-4.myhuaweicloud.com/v1/{p}/audit/{i}/reports/create`.
    ///
    /// Path parameters must already be percent-encoded (`a/b` as `a%2Fb`) and the query must
    /// be strictly percent-encoded, pairs in any order: a literal `+` means plus, a space is
    /// `%20`. Characters RFC 3986 does not allow raw (space, `\`, `{`, non-ASCII, controls)
    /// and fragments are rejected rather than guessed at.
    pub url: &'a str,
    /// The headers present before signing, in order (`Content-Type`, `User-Agent`,
    /// `X-Project-Id`, operation headers, ...). Names are compared case-insensitively except
    /// for one SDK quirk: the UNSIGNED-PAYLOAD rule only looks at a header spelled exactly
    /// `Content-Type`. Must not contain `Authorization`.
    pub headers: &'a [(&'a str, &'a str)],
    /// The body bytes as they will be sent; `None` or empty for no body.
    pub body: Option<&'a [u8]>,
}

impl fmt::Debug for SignableRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignableRequest")
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

/// Everything besides the request that a signature depends on.
#[derive(Debug, Clone, Copy)]
pub struct SigningParams<'a> {
    /// Who signs.
    pub credentials: Credentials<'a>,
    /// When; ignored if the request already carries an `X-Sdk-Date` header, which then wins
    /// (as in the official SDK).
    pub time: SigningTime,
}

impl<'a> SigningParams<'a> {
    /// Bundles credentials and signing time.
    pub fn new(credentials: Credentials<'a>, time: SigningTime) -> Self {
        Self { credentials, time }
    }
}

/// Where a header value of the signed request comes from.
#[derive(Clone, Copy)]
enum Value<'a> {
    /// A caller-provided, host or static value (trimmed).
    Borrowed(&'a str),
    /// The `X-Sdk-Date` text held by the output.
    Date,
    /// The `Authorization` value held by the output.
    Authorization,
}

/// One header of the signed request.
#[derive(Clone, Copy)]
struct Header<'a> {
    name: &'a str,
    value: Value<'a>,
    /// True if the signer added the header or changed its value (set, trimmed).
    changed: bool,
    /// True if the header is signed: its name has no `_` (the official SDK's rule), and it is
    /// not `Authorization`.
    signed: bool,
}

impl<'a> Header<'a> {
    /// A header the signer adds (its name has no `_`, so it is signed).
    fn added(name: &'a str, value: Value<'a>) -> Self {
        Self {
            name,
            value,
            changed: true,
            signed: true,
        }
    }
}

/// The result of [`sign`]: the headers to send, the URL to send, and the intermediate strings
/// (for debugging and known-answer tests).
///
/// Signing hashes the canonical request as it is produced and never builds it as text:
/// [`canonical_request`](Self::canonical_request) and [`string_to_sign`](Self::string_to_sign)
/// rebuild their text on first use (from the same inputs, through the same code) and keep it.
/// A client that only sends the request pays for neither.
///
/// `Debug` prints the URL, signed headers and date, and the headers with sensitive values
/// redacted; it leaves out the canonical request because that contains the security token.
pub struct SigningOutput<'a> {
    method: &'a str,
    path: Path<'a>,
    payload: PayloadHash<'a>,
    canonical_hash: [u8; 32],
    /// `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<...>, Signature=<hex>`.
    authorization: String,
    /// Where SignedHeaders is in `authorization`.
    signed_headers: Range<usize>,
    date: SigningTime,
    headers: Vec<Header<'a>>,
    /// The URL to send: the caller's when signing left it unchanged (no query to sort).
    url: Cow<'a, str>,
    /// Where the canonical query is in `url` (empty at the end when there is none).
    query: Range<usize>,
    canonical_request: OnceLock<String>,
    string_to_sign: OnceLock<String>,
}

impl<'a> SigningOutput<'a> {
    /// The CanonicalRequest that was hashed. Contains the values of all signed headers,
    /// including `X-Security-Token`: do not log it when temporary credentials are used.
    ///
    /// Built on the first call (the signature itself never needs the text).
    pub fn canonical_request(&self) -> &str {
        self.canonical_request.get_or_init(|| {
            let query = self.url.get(self.query.clone()).unwrap_or("");
            let date = self.date.as_str();
            with_sorted(&self.headers, |order| {
                canonical::canonical_request(
                    self.method,
                    self.path,
                    query,
                    self.signed_headers(),
                    signed_headers(&self.headers, order, date).map(|(_, value)| value),
                    &self.payload,
                )
            })
        })
    }

    /// `SDK-HMAC-SHA256\n<X-Sdk-Date>\n<hex sha256(canonical request)>`.
    pub fn string_to_sign(&self) -> &str {
        self.string_to_sign.get_or_init(|| {
            canonical::string_to_sign_text(&canonical::string_to_sign(
                &self.date,
                &self.canonical_hash,
            ))
        })
    }

    /// The signed header names, lower-case, sorted, `;`-separated.
    pub fn signed_headers(&self) -> &str {
        self.authorization
            .get(self.signed_headers.clone())
            .unwrap_or("")
    }

    /// The `Authorization` header value:
    /// `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<...>, Signature=<hex>`.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// The hex signature (the end of [`authorization`](Self::authorization)).
    pub fn signature(&self) -> &str {
        let len = self.authorization.len();
        self.authorization
            .get(len.saturating_sub(64)..)
            .unwrap_or("")
    }

    /// The time that was signed: the caller's `X-Sdk-Date` header if present, else
    /// [`SigningParams::time`].
    pub fn sdk_date(&self) -> SigningTime {
        self.date
    }

    /// The URL to send: scheme, authority and path as given, the query replaced by the sorted
    /// canonical query (which is what was signed). Without a query this is the URL as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// All headers of the signed request, in the order the official SDK holds them: the
    /// caller's (values trimmed as signed), then `X-Security-Token`, `X-Sdk-Content-Sha256`,
    /// `X-Sdk-Date` and `Host` when the signer added them, then `Authorization`.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = (&str, &str)> + Clone + '_ {
        self.headers.iter().map(|h| (h.name, self.value(h.value)))
    }

    /// Only the headers the caller must set (insert, replacing any existing value) on its
    /// request: those the signer added (`X-Sdk-Date`, `Host`, `X-Security-Token`,
    /// `X-Sdk-Content-Sha256`, `Authorization`) and those whose value it set or trimmed.
    pub fn headers_to_set(&self) -> impl Iterator<Item = (&str, &str)> + Clone + '_ {
        self.headers
            .iter()
            .filter(|h| h.changed)
            .map(|h| (h.name, self.value(h.value)))
    }

    fn value<'s>(&'s self, value: Value<'s>) -> &'s str {
        match value {
            Value::Borrowed(v) => v,
            Value::Date => self.date.as_str(),
            Value::Authorization => &self.authorization,
        }
    }
}

impl fmt::Debug for SigningOutput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningOutput")
            .field("url", &self.url)
            .field("signed_headers", &self.signed_headers())
            .field("sdk_date", &self.date)
            .field("headers", &RedactedHeaders(self.headers()))
            .finish_non_exhaustive()
    }
}

/// Finds the first header whose name equals `name` case-insensitively.
fn find(headers: &[Header<'_>], name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h.name.eq_ignore_ascii_case(name))
}

/// Sets `name` to `value`: replaces the value of an existing header of that name (any case,
/// keeping its position and spelling) or appends the header. The SDK assigns dictionary keys,
/// which is the same except that it would add a second, differently-cased entry.
fn set<'a>(headers: &mut Vec<Header<'a>>, name: &'a str, value: &'a str) {
    match find(headers, name) {
        Some(i) => {
            let h = &mut headers[i];
            h.changed |= !matches!(h.value, Value::Borrowed(old) if old == value);
            h.value = Value::Borrowed(value);
        }
        None => headers.push(Header::added(name, Value::Borrowed(value))),
    }
}

/// An access key id must fit between `Access=` and `,` of the Authorization header.
fn valid_access_key_id(ak: &str) -> bool {
    // Without an early exit the check is branch-free (it runs on every signature).
    ak.bytes()
        .fold(true, |ok, b| ok & b.is_ascii_graphic() & (b != b','))
}

/// Signs a request with SDK-HMAC-SHA256, byte-for-byte as the official SDKs do.
///
/// Steps (see the crate docs for the full rules): set `X-Security-Token` if the credentials
/// carry one; add `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` when `Content-Type` is set and is
/// neither `application/json*` nor `application/bson*`; add `X-Sdk-Date` unless present; add
/// `Host` (the URL's `host[:port]`) unless present; sign every header whose name has no `_`;
/// add `Authorization`; rewrite the query as the sorted canonical query.
///
/// Never panics; every invalid input is a [`SignError`].
pub fn sign<'a>(
    request: &SignableRequest<'a>,
    params: &SigningParams<'a>,
) -> Result<SigningOutput<'a>, SignError> {
    let creds = &params.credentials;
    if creds.access_key_id.is_empty() {
        return Err(SignError::EmptyAccessKeyId);
    }
    if !valid_access_key_id(creds.access_key_id) {
        return Err(SignError::InvalidAccessKeyId);
    }
    if creds.secret_key.is_empty() {
        return Err(SignError::EmptySecretKey);
    }
    if !charset::is_token(request.method) {
        return Err(SignError::InvalidMethod {
            method: request.method.to_owned(),
        });
    }
    let parts = url::split_absolute_url(request.url)?;
    let (Some(scheme), Some(authority)) = (parts.scheme, parts.authority) else {
        return Err(SignError::InvalidUrl {
            reason: "expected an absolute URL such as https://host/path",
        });
    };

    let mut headers: Vec<Header<'a>> = Vec::with_capacity(request.headers.len() + 5);
    for &(name, value) in request.headers {
        // One pass over the name tells both whether it is a token and whether it is signed.
        let classes = charset::Classes::of(name.as_bytes());
        if name.is_empty() || !classes.token() {
            return Err(SignError::InvalidHeaderName {
                name: name.to_owned(),
            });
        }
        if charset::has_forbidden_value_byte(value) {
            return Err(SignError::InvalidHeaderValue {
                name: name.to_owned(),
            });
        }
        if name.eq_ignore_ascii_case("authorization") {
            return Err(SignError::AuthorizationPresent);
        }
        headers.push(Header {
            name,
            value: Value::Borrowed(value),
            changed: false,
            signed: classes.no_underscore(),
        });
    }

    // Credentials.sign_request: X-Security-Token is set before the signer runs.
    if let Some(token) = creds.security_token {
        if charset::has_forbidden_value_byte(token) {
            return Err(SignError::InvalidHeaderValue {
                name: HEADER_SECURITY_TOKEN.to_owned(),
            });
        }
        set(&mut headers, HEADER_SECURITY_TOKEN, token);
    }

    // _process_content_header: an exact-key dictionary lookup of "Content-Type" on the
    // untrimmed value, and a case-sensitive prefix test.
    let content_type = request
        .headers
        .iter()
        .find(|(n, _)| *n == "Content-Type")
        .map(|&(_, v)| v);
    if let Some(ct) = content_type
        && !ct.is_empty()
        && !ct.starts_with("application/json")
        && !ct.starts_with("application/bson")
    {
        set(&mut headers, HEADER_CONTENT_SHA256, UNSIGNED_PAYLOAD);
    }

    // _process_header_time: a caller-set X-Sdk-Date (any case) wins and is parsed strictly,
    // like the SDK's strptime on the untrimmed value.
    let date = match find(&headers, HEADER_SDK_DATE) {
        Some(i) => match headers[i].value {
            Value::Borrowed(v) => SigningTime::parse(v).map_err(SignError::InvalidSdkDateHeader)?,
            _ => params.time,
        },
        None => {
            headers.push(Header::added(HEADER_SDK_DATE, Value::Date));
            params.time
        }
    };

    // _process_header_host: Host is the URL's netloc, port included as written.
    if find(&headers, "host").is_none() {
        headers.push(Header::added("Host", Value::Borrowed(authority)));
    }

    // _process_canonical_headers rewrites every value (signed or not) with str.strip().
    for h in &mut headers {
        if let Value::Borrowed(v) = h.value {
            let trimmed = charset::py_strip(v);
            h.changed |= trimmed.len() != v.len();
            h.value = Value::Borrowed(trimmed);
        }
    }

    // _process_hash_payload reads X-Sdk-Content-Sha256 from all headers, signed or not.
    let content_sha256 =
        find(&headers, HEADER_CONTENT_SHA256).and_then(|i| match headers[i].value {
            Value::Borrowed(v) => Some(v),
            Value::Date | Value::Authorization => None,
        });
    let payload = PayloadHash::of(request.body, content_sha256);
    let canonical_query = canonical::canonical_query(parts.query);

    // Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>.
    // Written up to SignedHeaders now; the canonical request reuses that list.
    let names_len: usize = headers.iter().map(|h| h.name.len() + 1).sum();
    let mut authorization =
        String::with_capacity(ALGORITHM.len() + creds.access_key_id.len() + names_len + 110);
    authorization.push_str(ALGORITHM);
    authorization.push_str(" Access=");
    authorization.push_str(creds.access_key_id);
    authorization.push_str(", SignedHeaders=");
    let names_start = authorization.len();

    // Sort all names case-insensitively once: it both detects duplicates (which a Python dict
    // cannot hold with the same spelling and which would otherwise be signed twice) and gives
    // the SignedHeaders order. The canonical request goes into SHA-256 as it is written.
    let date_text = date.as_str();
    let canonical_hash = with_sorted(&headers, |order| {
        for pair in order.windows(2) {
            if let [a, b] = *pair
                && headers[a].name.eq_ignore_ascii_case(headers[b].name)
            {
                return Err(SignError::DuplicateHeader {
                    name: headers[a.max(b)].name.to_owned(),
                });
            }
        }
        let signed = signed_headers(&headers, order, date_text);
        for (i, (name, _)) in signed.clone().enumerate() {
            if i > 0 {
                authorization.push(';');
            }
            let from = authorization.len();
            authorization.push_str(name);
            if let Some(added) = authorization.get_mut(from..) {
                added.make_ascii_lowercase();
            }
        }
        let mut hasher = canonical::HashSink::new();
        canonical::write_canonical_request(
            &mut hasher,
            request.method,
            parts.path,
            &canonical_query,
            authorization.get(names_start..).unwrap_or(""),
            signed.map(|(_, value)| value),
            &payload,
        );
        Ok(hasher.finish())
    })?;
    let signed_range = names_start..authorization.len();
    let string_to_sign = canonical::string_to_sign(&date, &canonical_hash);
    let signature = canonical::hmac_sha256(creds.secret_key, &string_to_sign);
    authorization.push_str(", Signature=");
    authorization.push_str(canonical::hex_str(&canonical::hex32(&signature)));
    headers.push(Header {
        name: "Authorization",
        value: Value::Authorization,
        changed: true,
        signed: false,
    });

    let (url, query) = sent_url(
        request.url,
        scheme,
        authority,
        parts.path.text,
        canonical_query,
    );
    Ok(SigningOutput {
        method: request.method,
        path: parts.path,
        payload,
        canonical_hash,
        authorization,
        signed_headers: signed_range,
        date,
        headers,
        url,
        query,
        canonical_request: OnceLock::new(),
        string_to_sign: OnceLock::new(),
    })
}

/// Calls `f` with the indices of `headers` sorted by lower-cased name. A request has a handful
/// of headers, so the indices live on the stack unless there are very many.
fn with_sorted<R>(headers: &[Header<'_>], f: impl FnOnce(&[usize]) -> R) -> R {
    const INLINE: usize = 24;
    let by_name = |a: &usize, b: &usize| charset::cmp_lowercase(headers[*a].name, headers[*b].name);
    if headers.len() <= INLINE {
        let mut buf = [0usize; INLINE];
        let order = &mut buf[..headers.len()];
        for (i, slot) in order.iter_mut().enumerate() {
            *slot = i;
        }
        order.sort_unstable_by(by_name);
        f(order)
    } else {
        let mut order: Vec<usize> = (0..headers.len()).collect();
        order.sort_unstable_by(by_name);
        f(&order)
    }
}

/// The signed headers in SignedHeaders order, with the `X-Sdk-Date` text for the date
/// (`Authorization` is never signed).
fn signed_headers<'h>(
    headers: &'h [Header<'h>],
    order: &'h [usize],
    date: &'h str,
) -> impl Iterator<Item = (&'h str, &'h str)> + Clone + 'h {
    order
        .iter()
        .map(|&i| &headers[i])
        .filter(|h| h.signed)
        .map(move |h| {
            let value = match h.value {
                Value::Borrowed(v) => v,
                Value::Date | Value::Authorization => date,
            };
            (h.name, value)
        })
}

/// The URL to send (Signer.process_request_uri): `scheme://authority` + path as given + `?` +
/// canonical query, and where the query is in it. When that is exactly the caller's URL (no
/// query: the common case) the caller's is returned as is.
fn sent_url<'a>(
    original: &'a str,
    scheme: &str,
    authority: &str,
    path: &str,
    canonical_query: String,
) -> (Cow<'a, str>, Range<usize>) {
    let unchanged = canonical_query.is_empty()
        && original
            .strip_prefix(scheme)
            .and_then(|r| r.strip_prefix("://"))
            .and_then(|r| r.strip_prefix(authority))
            .is_some_and(|r| r == path);
    if unchanged {
        return (Cow::Borrowed(original), original.len()..original.len());
    }
    let mut out = String::with_capacity(
        scheme.len() + 3 + authority.len() + path.len() + 1 + canonical_query.len(),
    );
    out.push_str(scheme);
    out.push_str("://");
    out.push_str(authority);
    out.push_str(path);
    if !canonical_query.is_empty() {
        out.push('?');
    }
    let start = out.len();
    out.push_str(&canonical_query);
    let end = out.len();
    (Cow::Owned(out), start..end)
}
