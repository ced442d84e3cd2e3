//! OIDC: an id token (from CI, a workload identity...) exchanged at STS for temporary
//! credentials, as the official `OidcStsCredentialProvider` does:
//! `POST {sts}/v5/agencies/assume-with-oidc`, unsigned.

use std::fmt;
use std::path::PathBuf;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::{
    FetchContext, Fetched, Reach, parse_credentials, read_token_file, send, service_url, var,
};
use crate::auth::chain::CredentialSource;
use crate::auth::credentials::Redacted;
use crate::auth::error::{CredentialsError, SourceFailure};

/// `HUAWEICLOUD_OIDC_PROVIDER_URN`: the identity provider's URN.
pub const ENV_OIDC_PROVIDER_URN: &str = "HUAWEICLOUD_OIDC_PROVIDER_URN";
/// `HUAWEICLOUD_OIDC_AGENCY_URN`: the agency to assume.
pub const ENV_OIDC_AGENCY_URN: &str = "HUAWEICLOUD_OIDC_AGENCY_URN";
/// `HUAWEICLOUD_OIDC_ID_TOKEN`: the id token itself.
pub const ENV_OIDC_ID_TOKEN: &str = "HUAWEICLOUD_OIDC_ID_TOKEN";
/// `HUAWEICLOUD_OIDC_TOKEN_FILE`: a file holding the id token (read again on every refresh).
pub const ENV_OIDC_TOKEN_FILE: &str = "HUAWEICLOUD_OIDC_TOKEN_FILE";
/// `HUAWEICLOUD_OIDC_SESSION_NAME` (default `oidc-sts-session`).
pub const ENV_OIDC_SESSION_NAME: &str = "HUAWEICLOUD_OIDC_SESSION_NAME";
/// `HUAWEICLOUD_OIDC_DURATION_SECONDS` (default 3600).
pub const ENV_OIDC_DURATION_SECONDS: &str = "HUAWEICLOUD_OIDC_DURATION_SECONDS";
/// `HUAWEICLOUD_OIDC_POLICY`: a session policy (JSON text).
pub const ENV_OIDC_POLICY: &str = "HUAWEICLOUD_OIDC_POLICY";
/// `HUAWEICLOUD_OIDC_POLICY_IDS`: comma-separated policy ids.
pub const ENV_OIDC_POLICY_IDS: &str = "HUAWEICLOUD_OIDC_POLICY_IDS";
/// `HUAWEICLOUD_SDK_STS_ENDPOINT`: the STS endpoint (default
/// [`DEFAULT_STS_ENDPOINT`]).
pub const ENV_STS_ENDPOINT: &str = "HUAWEICLOUD_SDK_STS_ENDPOINT";
/// The STS endpoint of the official SDK when none is set.
pub const DEFAULT_STS_ENDPOINT: &str = "https://sts.cn-north-4.myhuaweicloud.com";

const DEFAULT_SESSION_NAME: &str = "oidc-sts-session";
const DEFAULT_DURATION_SECONDS: u32 = 3600;

/// Where the id token is.
#[derive(Clone)]
enum IdToken {
    Inline(SecretString),
    File(PathBuf),
}

impl fmt::Debug for IdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Inline(_) => f.debug_tuple("Inline").field(&Redacted).finish(),
            Self::File(p) => f.debug_tuple("File").field(p).finish(),
        }
    }
}

/// OIDC settings: what `POST /v5/agencies/assume-with-oidc` sends.
///
/// ```
/// use dbss_client::auth::{Credentials, OidcConfig, TemporarySource};
///
/// let oidc = OidcConfig::with_token_file(
///     "urn:iam::0123:identity-provider:github",
///     "urn:iam::0123:agency:ci",
///     "/var/run/secrets/tokens/oidc-token",
/// )
/// .with_duration_seconds(900);
/// let credentials = Credentials::temporary(TemporarySource::Oidc(oidc));
/// assert!(format!("{credentials:?}").contains("duration_seconds: 900"));
/// ```
#[derive(Clone, Debug)]
pub struct OidcConfig {
    provider_urn: String,
    agency_urn: String,
    id_token: IdToken,
    session_name: String,
    duration_seconds: u32,
    policy: Option<String>,
    policy_ids: Vec<String>,
    sts_endpoint: Option<String>,
}

impl OidcConfig {
    fn new(provider_urn: String, agency_urn: String, id_token: IdToken) -> Self {
        Self {
            provider_urn,
            agency_urn,
            id_token,
            session_name: DEFAULT_SESSION_NAME.to_owned(),
            duration_seconds: DEFAULT_DURATION_SECONDS,
            policy: None,
            policy_ids: Vec::new(),
            sts_endpoint: None,
        }
    }

    /// With the id token itself.
    pub fn with_id_token(
        provider_urn: impl Into<String>,
        agency_urn: impl Into<String>,
        id_token: impl Into<String>,
    ) -> Self {
        Self::new(
            provider_urn.into(),
            agency_urn.into(),
            IdToken::Inline(SecretString::from(id_token.into())),
        )
    }

    /// With a file holding the id token, read again on every refresh.
    pub fn with_token_file(
        provider_urn: impl Into<String>,
        agency_urn: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Self {
        Self::new(
            provider_urn.into(),
            agency_urn.into(),
            IdToken::File(path.into()),
        )
    }

    /// The session name (default `oidc-sts-session`).
    pub fn with_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = name.into();
        self
    }

    /// How long the credentials live (default 3600 s).
    pub fn with_duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// A session policy (JSON text) narrowing the agency's permissions.
    pub fn with_policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// Policy ids narrowing the agency's permissions.
    pub fn with_policy_ids(mut self, ids: Vec<String>) -> Self {
        self.policy_ids = ids;
        self
    }

    /// The STS endpoint (default `HUAWEICLOUD_SDK_STS_ENDPOINT`, else [`DEFAULT_STS_ENDPOINT`]).
    pub fn with_sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts_endpoint = Some(endpoint.into());
        self
    }

    /// The settings in the `HUAWEICLOUD_OIDC_*` variables: `None` when none of the provider
    /// URN, agency URN, id token and token file is set; an error when only some are, or when a
    /// value is malformed (a typo is not silently replaced by other credentials).
    pub fn from_env_with(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, CredentialsError> {
        let provider = var(env, ENV_OIDC_PROVIDER_URN);
        let agency = var(env, ENV_OIDC_AGENCY_URN);
        // The inline token wins over the file, as in the official SDK.
        let token = var(env, ENV_OIDC_ID_TOKEN)
            .map(|t| IdToken::Inline(SecretString::from(t)))
            .or_else(|| var(env, ENV_OIDC_TOKEN_FILE).map(|p| IdToken::File(PathBuf::from(p))));
        let incomplete = |present: &str, missing: &str| CredentialsError::Incomplete {
            found_in: CredentialSource::Oidc,
            present: present.to_owned(),
            missing: missing.to_owned(),
        };
        let token_names = format!("{ENV_OIDC_ID_TOKEN} or {ENV_OIDC_TOKEN_FILE}");
        let (provider, agency, token) = match (provider, agency, token) {
            (None, None, None) => return Ok(None),
            (Some(p), Some(a), Some(t)) => (p, a, t),
            (None, _, _) => {
                let present = if var(env, ENV_OIDC_AGENCY_URN).is_some() {
                    ENV_OIDC_AGENCY_URN
                } else {
                    token_names.as_str()
                };
                return Err(incomplete(present, ENV_OIDC_PROVIDER_URN));
            }
            (Some(_), None, _) => {
                return Err(incomplete(ENV_OIDC_PROVIDER_URN, ENV_OIDC_AGENCY_URN));
            }
            (Some(_), Some(_), None) => {
                return Err(incomplete(ENV_OIDC_PROVIDER_URN, &token_names));
            }
        };
        let mut config = Self::new(provider, agency, token);
        if let Some(name) = var(env, ENV_OIDC_SESSION_NAME) {
            config.session_name = name;
        }
        if let Some(seconds) = var(env, ENV_OIDC_DURATION_SECONDS) {
            config.duration_seconds = seconds.parse().map_err(|_| CredentialsError::Source {
                from: CredentialSource::Oidc,
                failure: Box::new(SourceFailure::Config(format!(
                    "{ENV_OIDC_DURATION_SECONDS} must be a whole number of seconds"
                ))),
            })?;
        }
        config.policy = var(env, ENV_OIDC_POLICY);
        config.policy_ids = var(env, ENV_OIDC_POLICY_IDS)
            .map(|ids| {
                ids.split(',')
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        config.sts_endpoint = var(env, ENV_STS_ENDPOINT);
        Ok(Some(config))
    }
}

/// The request body, fields in the official SDK's order.
#[derive(Serialize)]
struct AssumeWithOidc<'a> {
    provider_urn: &'a str,
    agency_urn: &'a str,
    agency_session_name: &'a str,
    id_token: &'a str,
    duration_seconds: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    policy_ids: &'a [String],
}

pub(super) async fn fetch(
    config: &OidcConfig,
    ctx: &FetchContext,
) -> Result<Fetched, SourceFailure> {
    let endpoint = config
        .sts_endpoint
        .clone()
        .or_else(|| var(&*ctx.env, ENV_STS_ENDPOINT))
        .unwrap_or_else(|| DEFAULT_STS_ENDPOINT.to_owned());
    let url = service_url(
        &format!(
            "{}/v5/agencies/assume-with-oidc",
            endpoint.trim_end_matches('/')
        ),
        Reach::Remote {
            allow_insecure_http: ctx.allow_insecure_http,
        },
    )?;
    let id_token = match &config.id_token {
        IdToken::Inline(t) => t.clone(),
        IdToken::File(path) => read_token_file(path)?,
    };
    let body = super::python_json(&AssumeWithOidc {
        provider_urn: &config.provider_urn,
        agency_urn: &config.agency_urn,
        agency_session_name: &config.session_name,
        id_token: id_token.expose_secret(),
        duration_seconds: config.duration_seconds,
        policy: config.policy.as_deref(),
        policy_ids: &config.policy_ids,
    })
    .map_err(|e| SourceFailure::Config(format!("cannot serialise the STS request: {e}")))?;
    tracing::debug!(url = %super::shown_url(&url), agency_urn = %config.agency_urn, "requesting OIDC credentials from STS");
    let request = ctx
        .http
        .post(url.clone())
        .header(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json;charset=UTF-8"),
        )
        .body(body);
    let answer = send(&ctx.http, request, &url).await?;
    if !(200..300).contains(&answer.status) {
        return Err(answer.rejected(&url, &[id_token.expose_secret()]));
    }
    parse_credentials(&answer, &url)
}
