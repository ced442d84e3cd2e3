//! The ECS metadata service, as the official `MetadataAccessor` does:
//! `PUT /meta-data/latest/api/token` (`X-Metadata-Token-Ttl-Seconds: 21600`) for a session
//! token, then `GET /openstack/latest/securitykey` with `X-Metadata-Token`. When the token API
//! answers 404, 405 or 503 the key is asked for without a token (and the token API is not asked
//! again for 24 hours); a 401 renews the token and asks once more, unless it says no agency is
//! configured. 3 s connect and read limits.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use super::{Answer, Fetched, Reach, local_http, parse_credentials, send, service_url, var};
use crate::auth::error::SourceFailure;

/// The metadata service of every ECS server.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://169.254.169.254";
/// `DBSS_METADATA_ENDPOINT`: another base URL for the metadata service (a proxy, a test
/// stand-in), as `AWS_EC2_METADATA_SERVICE_ENDPOINT` is for the AWS SDKs. Specific to this SDK.
pub const ENV_METADATA_ENDPOINT: &str = "DBSS_METADATA_ENDPOINT";
/// `DBSS_METADATA_DISABLED=true`: the default chain does not ask the metadata service (as
/// `AWS_EC2_METADATA_DISABLED`). Specific to this SDK.
pub const ENV_METADATA_DISABLED: &str = "DBSS_METADATA_DISABLED";

const TOKEN_PATH: &str = "/meta-data/latest/api/token";
const KEY_PATH: &str = "/openstack/latest/securitykey";
const TOKEN_TTL_SECONDS: &str = "21600";
const NO_AGENCY: &str = "Please configure Cloud Service Agency first";
const TIME_LIMIT: Duration = Duration::from_secs(3);
/// How long to go without a session token after the token API said it has none.
const RECHECK_TOKEN_API: Duration = Duration::from_secs(24 * 60 * 60);

/// Metadata-service settings: its base URL.
#[derive(Clone, Debug)]
pub struct MetadataConfig {
    endpoint: String,
}

impl Default for MetadataConfig {
    fn default() -> Self {
        Self {
            endpoint: DEFAULT_METADATA_ENDPOINT.to_owned(),
        }
    }
}

impl MetadataConfig {
    /// At this base URL instead of `http://169.254.169.254`.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
        }
    }

    /// `DBSS_METADATA_ENDPOINT` if set, else the default address.
    pub fn from_env_with(env: &dyn Fn(&str) -> Option<String>) -> Self {
        var(env, ENV_METADATA_ENDPOINT).map_or_else(Self::default, Self::with_endpoint)
    }

    /// Whether `DBSS_METADATA_DISABLED` turns the metadata service off (`true` or `1`).
    pub fn disabled_by_env(env: &dyn Fn(&str) -> Option<String>) -> bool {
        var(env, ENV_METADATA_DISABLED).is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// The base URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

#[derive(Default)]
struct Session {
    token: Option<SecretString>,
    /// When the token API was last asked.
    asked_at: Option<SystemTime>,
}

/// The metadata source with its session token.
pub(crate) struct Live {
    config: MetadataConfig,
    /// Built once; an error (no TLS provider...) is reported by each fetch.
    http: Result<crate::transport::HttpClient, String>,
    session: Mutex<Session>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Live {
    pub(super) fn new(config: MetadataConfig) -> Self {
        Self {
            config,
            http: local_http(TIME_LIMIT).map_err(|e| e.to_string()),
            session: Mutex::new(Session::default()),
        }
    }

    fn http(&self) -> Result<&crate::transport::HttpClient, SourceFailure> {
        self.http
            .as_ref()
            .map_err(|e| SourceFailure::Config(e.clone()))
    }

    fn url(&self, path: &str) -> Result<reqwest::Url, SourceFailure> {
        service_url(
            &format!("{}{path}", self.config.endpoint.trim_end_matches('/')),
            Reach::Local,
        )
    }

    /// Asks for a session token. `required`: after a 401, "no token API" is an error too.
    async fn renew_token(
        &self,
        session: &mut Session,
        required: bool,
    ) -> Result<(), SourceFailure> {
        session.asked_at = Some(SystemTime::now());
        let url = self.url(TOKEN_PATH)?;
        let http = self.http()?;
        let request = http
            .put(url.clone())
            .header("X-Metadata-Token-Ttl-Seconds", TOKEN_TTL_SECONDS);
        let answer = send(http, request, &url).await?;
        match answer.status {
            200 => {
                let token = String::from_utf8_lossy(&answer.body).into_owned();
                session.token = Some(SecretString::from(token));
                Ok(())
            }
            404 | 405 | 503 if !required => {
                tracing::debug!(
                    status = answer.status,
                    "the metadata service has no token API; asking without a token"
                );
                session.token = None;
                Ok(())
            }
            _ => Err(answer.rejected(&url, &[])),
        }
    }

    async fn get_key(&self, session: &Session) -> Result<(reqwest::Url, Answer), SourceFailure> {
        let url = self.url(KEY_PATH)?;
        let http = self.http()?;
        let mut request = http.get(url.clone());
        if let Some(token) = &session.token {
            let mut value = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
                SourceFailure::InvalidAnswer {
                    url: super::shown_url(&url),
                    reason: "the session token is not a valid header value",
                    request_id: None,
                }
            })?;
            value.set_sensitive(true);
            request = request.header("X-Metadata-Token", value);
        }
        Ok((url.clone(), send(http, request, &url).await?))
    }

    pub(super) async fn fetch(&self) -> Result<Fetched, SourceFailure> {
        // One fetch at a time per source: the session token is shared state.
        let mut session = self.session.lock().await;
        let recheck = session
            .asked_at
            .is_none_or(|at| at.elapsed().unwrap_or(Duration::MAX) > RECHECK_TOKEN_API);
        if session.token.is_none() && recheck {
            self.renew_token(&mut session, false).await?;
        }
        let (url, mut answer) = self.get_key(&session).await?;
        if answer.status == 401 && !answer.text_without(&[]).contains(NO_AGENCY) {
            tracing::debug!("the metadata service refused the session token; renewing it");
            self.renew_token(&mut session, true).await?;
            answer = self.get_key(&session).await?.1;
        }
        if answer.status >= 400 {
            let token = session.token.as_ref().map(|t| t.expose_secret().to_owned());
            return Err(answer.rejected(&url, &[token.as_deref().unwrap_or("")]));
        }
        parse_credentials(&answer, &url)
    }
}
