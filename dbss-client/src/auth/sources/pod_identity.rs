//! CCE pod identity, as the official `PodIdentityAccessor` does: `POST <uri>` with
//! `Authorization: <token file content>` and the JSON body `{}`, 5 s connect and read limits.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use secrecy::ExposeSecret;

use super::{
    Fetched, Reach, local_http, parse_credentials, read_token_file, send, service_url, var,
};
use crate::auth::error::SourceFailure;

/// `HC_CONTAINER_CREDENTIALS_FULL_URI`: the pod-identity agent's URL.
pub const ENV_POD_CREDENTIALS_URI: &str = "HC_CONTAINER_CREDENTIALS_FULL_URI";
/// `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE`: the file holding the pod's authorization token.
pub const ENV_POD_TOKEN_FILE: &str = "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE";

const TIME_LIMIT: Duration = Duration::from_secs(5);

/// Pod-identity settings: the agent's URL and the token file.
#[derive(Clone, Debug)]
pub struct PodIdentityConfig {
    uri: String,
    token_file: PathBuf,
}

impl PodIdentityConfig {
    /// With the agent's URL and the file holding the authorization token (read on every fetch).
    pub fn new(uri: impl Into<String>, token_file: impl Into<PathBuf>) -> Self {
        Self {
            uri: uri.into(),
            token_file: token_file.into(),
        }
    }

    /// The settings in `HC_CONTAINER_CREDENTIALS_FULL_URI` + `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE`,
    /// if both are set.
    pub fn from_env_with(env: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        Some(Self::new(
            var(env, ENV_POD_CREDENTIALS_URI)?,
            var(env, ENV_POD_TOKEN_FILE)?,
        ))
    }
}

/// A configured source, or why it is not one (the variables are unset).
#[derive(Debug)]
pub(crate) struct Live {
    config: Option<PodIdentityConfig>,
    /// Built once; an error (no TLS provider...) is reported by each fetch.
    http: Result<crate::transport::HttpClient, String>,
}

impl Live {
    /// The source; `None` when the variables are unset (the chain reports that when it gets
    /// there).
    pub(super) fn new(config: Option<PodIdentityConfig>) -> Self {
        Self {
            config,
            http: local_http(TIME_LIMIT).map_err(|e| e.to_string()),
        }
    }

    pub(super) async fn fetch(&self) -> Result<Fetched, SourceFailure> {
        let Some(config) = &self.config else {
            return Err(SourceFailure::Config(format!(
                "{ENV_POD_CREDENTIALS_URI} and {ENV_POD_TOKEN_FILE} are not both set"
            )));
        };
        let url = service_url(&config.uri, Reach::Local)?;
        let token = read_token_file(&config.token_file)?;
        let authorization = HeaderValue::from_str(token.expose_secret()).map_err(|_| {
            SourceFailure::Config(format!(
                "the content of {} is not a valid header value",
                config.token_file.display()
            ))
        })?;
        let mut authorization = authorization;
        authorization.set_sensitive(true);
        tracing::debug!(url = %super::shown_url(&url), "requesting pod identity credentials");
        let http = self
            .http
            .as_ref()
            .map_err(|e| SourceFailure::Config(e.clone()))?;
        let request = http
            .post(url.clone())
            .header(AUTHORIZATION, authorization)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body("{}");
        let answer = send(http, request, &url).await?;
        if answer.status >= 400 {
            return Err(answer.rejected(&url, &[token.expose_secret()]));
        }
        parse_credentials(&answer, &url)
    }
}
