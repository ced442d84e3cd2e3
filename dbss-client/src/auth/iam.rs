//! IAM tokens obtained with password credentials: fetched from
//! `POST {iam endpoint}/v3/auth/tokens`, cached, renewed a margin before they expire.
//!
//! Concurrency: the cache sits behind an `RwLock` (the fast path only reads), and renewal is
//! serialised by a separate `Mutex`. Whoever takes the mutex checks the cache again before
//! fetching, so however many requests find the token stale at once, exactly one fetch happens
//! and the others use its result. A failed fetch leaves the cache as it was (nothing is
//! poisoned), so the next call simply tries again. If the future holding the mutex is dropped
//! mid-fetch the guard is released with it and the next caller fetches.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use super::credentials::PasswordCredentials;
use super::error::{CredentialsError, IamErrorResponse};
use crate::foundation::clock::Clock;

/// How long before its expiry a token is renewed, unless configured otherwise.
pub const DEFAULT_TOKEN_REFRESH_MARGIN: Duration = Duration::from_secs(10 * 60);

/// IAM's global endpoint: what the official SDK uses for a region it has no IAM endpoint for.
pub const GLOBAL_IAM_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// The regions the official SDK (huaweicloudsdkcore 3.1.219) knows a regional IAM endpoint for,
/// `https://iam.{region}.myhuaweicloud.com`.
const IAM_REGIONS: [&str; 27] = [
    "cn-north-2",
    "cn-north-4",
    "cn-north-1",
    "cn-east-2",
    "cn-east-3",
    "cn-south-1",
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "af-south-1",
    "sa-brazil-1",
    "la-south-2",
    "na-mexico-1",
    "la-north-2",
    "cn-north-9",
    "eu-west-0",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "me-east-1",
    "ap-southeast-4",
    "ae-ad-1",
    "cn-east-4",
    "cn-east-5",
    "tr-west-1",
    "cn-north-12",
];

/// The IAM endpoint to use, as the official SDK picks it: `HUAWEICLOUD_SDK_IAM_ENDPOINT` from
/// `env` if set, else `https://iam.{region}.myhuaweicloud.com` for a region the SDK knows one
/// for, else the global [`GLOBAL_IAM_ENDPOINT`]; `None` with neither a variable nor a region.
///
/// ```
/// use dbss_client::auth::iam_endpoint;
///
/// let no_env = |_: &str| None;
/// assert_eq!(
///     iam_endpoint(Some("cn-north-4"), &no_env).as_deref(),
///     Some("https://iam.cn-north-4.myhuaweicloud.com")
/// );
/// assert_eq!(
///     iam_endpoint(Some("cn-southwest-3"), &no_env).as_deref(),
///     Some("https://iam.myhuaweicloud.com")
/// );
/// assert_eq!(iam_endpoint(None, &no_env), None);
/// ```
pub fn iam_endpoint(region: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    env(super::chain::ENV_IAM_ENDPOINT)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .or_else(|| {
            region.map(|r| {
                if IAM_REGIONS.contains(&r) {
                    format!("https://iam.{r}.myhuaweicloud.com")
                } else {
                    GLOBAL_IAM_ENDPOINT.to_owned()
                }
            })
        })
}

/// A cached token.
struct CachedToken {
    token: SecretString,
    /// When to stop using it and fetch a new one.
    renew_at: SystemTime,
}

/// Obtains, caches and renews the IAM token of one set of password credentials.
pub(crate) struct IamTokenCache {
    credentials: PasswordCredentials,
    project_id: Option<String>,
    http: crate::transport::HttpClient,
    clock: Arc<dyn Clock>,
    cached: RwLock<Option<CachedToken>>,
    renewal: Mutex<()>,
}

impl std::fmt::Debug for IamTokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IamTokenCache")
            .field("credentials", &self.credentials)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

/// The parts of the token response body this SDK reads.
#[derive(Deserialize)]
struct TokenBody {
    token: TokenInfo,
}

#[derive(Deserialize)]
struct TokenInfo {
    expires_at: String,
}

impl IamTokenCache {
    pub(crate) fn new(
        credentials: PasswordCredentials,
        project_id: Option<String>,
        http: crate::transport::HttpClient,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            credentials,
            project_id,
            http,
            clock,
            cached: RwLock::new(None),
            renewal: Mutex::new(()),
        }
    }

    /// A token that is valid for at least the margin (or half its life, if shorter), fetching a
    /// new one when needed.
    pub(crate) async fn token(&self) -> Result<SecretString, CredentialsError> {
        if let Some(token) = self.fresh().await {
            return Ok(token);
        }
        let _renewing = self.renewal.lock().await;
        // Someone else may have renewed while this call waited for the lock.
        if let Some(token) = self.fresh().await {
            return Ok(token);
        }
        let fetched = self.fetch().await?;
        let token = fetched.token.clone();
        *self.cached.write().await = Some(fetched);
        Ok(token)
    }

    async fn fresh(&self) -> Option<SecretString> {
        let cached = self.cached.read().await;
        let cached = cached.as_ref()?;
        (self.clock.now() < cached.renew_at).then(|| cached.token.clone())
    }

    fn tokens_url(&self) -> Result<(String, reqwest::Url), CredentialsError> {
        let endpoint = self
            .credentials
            .iam_endpoint
            .clone()
            .ok_or(CredentialsError::NoIamEndpoint)?;
        let invalid = |reason| CredentialsError::InvalidIamEndpoint {
            endpoint: endpoint.clone(),
            reason,
        };
        let base = reqwest::Url::parse(&endpoint).map_err(|_| invalid("not an absolute URL"))?;
        let host = base.host_str().ok_or_else(|| invalid("it has no host"))?;
        match base.scheme() {
            "https" => {}
            // The password travels in the body: plain http only to this machine, or on request.
            "http" if crate::foundation::config::is_loopback(host) => {}
            "http" => {
                return Err(invalid(
                    "plain http to a non-loopback host would expose the password; use https",
                ));
            }
            _ => return Err(invalid("the scheme must be https")),
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(invalid("it must not have a query or fragment"));
        }
        let url = format!("{}/v3/auth/tokens", base.as_str().trim_end_matches('/'));
        let url = reqwest::Url::parse(&url).map_err(|_| invalid("not an absolute URL"))?;
        Ok((endpoint, url))
    }

    async fn fetch(&self) -> Result<CachedToken, CredentialsError> {
        let project_id = self
            .project_id
            .as_deref()
            .ok_or(CredentialsError::NoProjectId)?;
        let (endpoint, url) = self.tokens_url()?;
        let http = &self.http;
        tracing::debug!(
            %endpoint,
            user = %self.credentials.user_name,
            domain = %self.credentials.domain_name,
            project_id,
            "requesting an IAM token"
        );
        let body = serde_json::json!({
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {
                        "user": {
                            "name": self.credentials.user_name,
                            "password": self.credentials.expose_password(),
                            "domain": { "name": self.credentials.domain_name },
                        }
                    }
                },
                "scope": { "project": { "id": project_id } }
            }
        });
        // Serialised by hand (not `.json()`) so the body is bytes we hand over once, not a
        // structure that could end up in a `Debug` print.
        let body = serde_json::to_vec(&body).map_err(|_| CredentialsError::IamInvalidResponse {
            reason: "cannot serialise the token request",
            request_id: None,
        })?;
        let request = http
            .post(url)
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=utf8"),
            )
            .body(body);
        let response =
            http.send(request)
                .await
                .map_err(|source| CredentialsError::IamTransport {
                    endpoint: endpoint.clone(),
                    source,
                })?;

        let status = response.status();
        let request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let subject_token = response
            .headers()
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .map(|v| SecretString::from(v.to_owned()));
        let bytes = response
            .bytes()
            .await
            .map_err(|e| CredentialsError::IamTransport {
                endpoint: endpoint.clone(),
                source: crate::transport::HttpError::from_reqwest(e),
            })?;

        if !status.is_success() {
            let (code, message) = super::sources::error_code_and_message(&bytes);
            // IAM does not echo passwords; this is a belt-and-braces guard for proxies that might.
            let password = self.credentials.expose_password();
            let message = message.map(|m| {
                if !password.is_empty() && m.contains(password) {
                    m.replace(password, "[REDACTED]")
                } else {
                    m
                }
            });
            let error = IamErrorResponse {
                status: status.as_u16(),
                code,
                message,
                request_id,
            };
            tracing::debug!(%error, "IAM refused the token request");
            return Err(CredentialsError::IamRejected(error));
        }

        let invalid = |reason| CredentialsError::IamInvalidResponse {
            reason,
            request_id: request_id.clone(),
        };
        let token = subject_token.ok_or_else(|| invalid("no X-Subject-Token header"))?;
        if token.expose_secret().is_empty() {
            return Err(invalid("empty X-Subject-Token header"));
        }
        let parsed: TokenBody = serde_json::from_slice(&bytes)
            .map_err(|_| invalid("the body has no token.expires_at"))?;
        let expires_at: jiff::Timestamp = parsed
            .token
            .expires_at
            .parse()
            .map_err(|_| invalid("token.expires_at is not an ISO 8601 time"))?;
        let expires = SystemTime::from(expires_at);
        let now = self.clock.now();
        // Renew `margin` before expiry; for a token that lives shorter than twice the margin,
        // at half its life instead, so a short-lived token is not re-fetched on every call.
        let life = expires.duration_since(now).unwrap_or(Duration::ZERO);
        let margin = self.credentials.token_refresh_margin;
        let renew_at = now + life.saturating_sub(margin).max(life / 2);
        tracing::debug!(%expires_at, "obtained an IAM token");
        Ok(CachedToken { token, renew_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_error_bodies_of_both_shapes() {
        use super::super::sources::error_code_and_message;
        assert_eq!(
            error_code_and_message(br#"{"error":{"code":401,"message":"The username or password is wrong.","title":"Unauthorized"}}"#),
            (Some("401".into()), Some("The username or password is wrong.".into()))
        );
        assert_eq!(
            error_code_and_message(br#"{"error_code":"IAM.0001","error_msg":"bad"}"#),
            (Some("IAM.0001".into()), Some("bad".into()))
        );
        assert_eq!(error_code_and_message(b"<html>"), (None, None));
    }

    #[test]
    fn iam_endpoint_follows_region_unless_overridden() {
        assert_eq!(
            iam_endpoint(Some("cn-north-4"), &|_| None).as_deref(),
            Some("https://iam.cn-north-4.myhuaweicloud.com")
        );
        let env = |k: &str| {
            (k == "HUAWEICLOUD_SDK_IAM_ENDPOINT").then(|| " https://iam.example ".to_owned())
        };
        assert_eq!(
            iam_endpoint(Some("cn-north-4"), &env).as_deref(),
            Some("https://iam.example")
        );
        assert_eq!(
            iam_endpoint(None, &env).as_deref(),
            Some("https://iam.example")
        );
    }
}
