//! Sources of temporary credentials, as the official SDK's accessors fetch them: OIDC (STS
//! `assume-with-oidc`), a federated identity provider's id token (IAM), the ECS metadata
//! service and CCE pod identity.
//!
//! A [`TemporarySource`] is configuration only (cheap to clone, printable without secrets).
//! When a client is built it becomes a [`LiveSource`], which holds the HTTP clients and any
//! state between fetches (the metadata service's session token, which source of the chain's
//! tail answered); the refreshing cache in `auth::temporary` calls [`LiveSource::fetch`].

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use secrecy::SecretString;
use serde_json::Value;

use super::chain::CredentialSource;
use super::credentials::AkSkCredentials;
use super::error::{CredentialsError, IamErrorResponse, SourceFailure};

mod federated;
mod metadata;
mod oidc;
mod pod_identity;
mod python_json;

pub(crate) use federated::from_env as federated_from_env;
pub use federated::{ENV_ID_TOKEN_FILE, ENV_IDP_ID, FederatedConfig};
pub use metadata::{
    DEFAULT_METADATA_ENDPOINT, ENV_METADATA_DISABLED, ENV_METADATA_ENDPOINT, MetadataConfig,
};
pub use oidc::{
    DEFAULT_STS_ENDPOINT, ENV_OIDC_AGENCY_URN, ENV_OIDC_DURATION_SECONDS, ENV_OIDC_ID_TOKEN,
    ENV_OIDC_POLICY, ENV_OIDC_POLICY_IDS, ENV_OIDC_PROVIDER_URN, ENV_OIDC_SESSION_NAME,
    ENV_OIDC_TOKEN_FILE, ENV_STS_ENDPOINT, OidcConfig,
};
pub use pod_identity::{ENV_POD_CREDENTIALS_URI, ENV_POD_TOKEN_FILE, PodIdentityConfig};

/// Where temporary AK/SK credentials (with a security token and an expiry) come from.
///
/// Use one alone with [`Credentials::temporary`](crate::auth::Credentials::temporary), or let
/// the default chain pick one. The client fetches credentials on first use, renews them
/// before they expire (once, however many requests wait) and never signs with an expired key.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum TemporarySource {
    /// An OIDC id token exchanged at STS.
    Oidc(OidcConfig),
    /// A federated identity provider's id token exchanged at IAM.
    Federated(FederatedConfig),
    /// The ECS metadata service.
    EcsMetadata(MetadataConfig),
    /// CCE pod identity.
    PodIdentity(PodIdentityConfig),
    /// The tail of the default chain: ECS metadata, then CCE pod identity; the first that gives
    /// credentials is used from then on.
    ChainTail(ChainTail),
}

/// The tail of the default chain (built by the chain, not by users): the sources that can only
/// be tried over the network, and what the sources before them said.
#[derive(Clone, Debug)]
pub struct ChainTail {
    /// ECS metadata (unless disabled), then CCE pod identity (`None`: its variables are unset).
    pub(crate) metadata: Option<MetadataConfig>,
    pub(crate) pod: Option<PodIdentityConfig>,
    /// What each source before the tail said.
    pub(crate) tried: Vec<String>,
}

impl TemporarySource {
    /// Which source this is (for the chain tail: ECS metadata, its first).
    pub fn source(&self) -> CredentialSource {
        match self {
            Self::Oidc(_) => CredentialSource::Oidc,
            Self::Federated(_) => CredentialSource::Federated,
            Self::EcsMetadata(_) | Self::ChainTail(_) => CredentialSource::EcsMetadata,
            Self::PodIdentity(_) => CredentialSource::PodIdentity,
        }
    }
}

macro_rules! source_from_config {
    ($($config:ty => $variant:ident),* $(,)?) => {$(
        impl From<$config> for TemporarySource {
            fn from(config: $config) -> Self {
                Self::$variant(config)
            }
        }
    )*};
}
source_from_config!(
    OidcConfig => Oidc,
    FederatedConfig => Federated,
    MetadataConfig => EcsMetadata,
    PodIdentityConfig => PodIdentity,
);

impl std::fmt::Display for TemporarySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ChainTail(_) => f.write_str("ECS metadata service, then CCE pod identity"),
            other => other.source().fmt(f),
        }
    }
}

/// Temporary credentials and when they expire.
#[derive(Clone, Debug)]
pub(crate) struct Fetched {
    pub credentials: AkSkCredentials,
    pub expires_at: SystemTime,
}

/// What every fetch needs from the client.
#[derive(Clone)]
pub(crate) struct FetchContext {
    /// The DBSS client's HTTP client: STS and IAM are reached with its proxy and TLS settings.
    pub http: crate::transport::HttpClient,
    /// Plain http to a non-loopback STS or IAM endpoint is refused unless this is set.
    pub allow_insecure_http: bool,
    /// The client's region (the IAM endpoint of federated credentials follows it).
    pub region: Option<String>,
    /// Where the environment is read (for the variables read on every fetch).
    pub env: crate::foundation::config::EnvLookup,
}

/// A source ready to fetch: configuration plus the state kept between fetches.
#[derive(Debug)]
pub(crate) enum LiveSource {
    Oidc(OidcConfig),
    Federated(FederatedConfig),
    Metadata(metadata::Live),
    Pod(pod_identity::Live),
    Tail {
        sources: Vec<LiveSource>,
        tried: Vec<String>,
        /// The index of the source that answered first; refreshes go to it only.
        chosen: OnceLock<usize>,
    },
}

impl LiveSource {
    pub(crate) fn new(source: TemporarySource) -> Self {
        match source {
            TemporarySource::Oidc(c) => Self::Oidc(c),
            TemporarySource::Federated(c) => Self::Federated(c),
            TemporarySource::EcsMetadata(c) => Self::Metadata(metadata::Live::new(c)),
            TemporarySource::PodIdentity(c) => Self::Pod(pod_identity::Live::new(Some(c))),
            TemporarySource::ChainTail(tail) => {
                let mut tried = tail.tried;
                let mut sources = Vec::new();
                match tail.metadata {
                    Some(c) => sources.push(Self::Metadata(metadata::Live::new(c))),
                    None => tried.push(format!(
                        "ECS metadata service: disabled by {}",
                        metadata::ENV_METADATA_DISABLED
                    )),
                }
                sources.push(Self::Pod(pod_identity::Live::new(tail.pod)));
                Self::Tail {
                    sources,
                    tried,
                    chosen: OnceLock::new(),
                }
            }
        }
    }

    /// Which source answers (for the chain tail: the chosen one, or the first before a choice).
    pub(crate) fn source(&self) -> CredentialSource {
        match self {
            Self::Oidc(_) => CredentialSource::Oidc,
            Self::Federated(_) => CredentialSource::Federated,
            Self::Metadata(_) => CredentialSource::EcsMetadata,
            Self::Pod(_) => CredentialSource::PodIdentity,
            Self::Tail {
                sources, chosen, ..
            } => chosen
                .get()
                .and_then(|i| sources.get(*i))
                .or(sources.first())
                .map_or(CredentialSource::EcsMetadata, Self::source),
        }
    }

    /// The identity provider id, for federated credentials.
    pub(crate) fn federated_idp_id(&self) -> Option<&str> {
        match self {
            Self::Federated(c) => Some(c.idp_id()),
            _ => None,
        }
    }

    /// Fetches a fresh set of temporary credentials.
    pub(crate) async fn fetch(&self, ctx: &FetchContext) -> Result<Fetched, CredentialsError> {
        let Self::Tail {
            sources,
            tried,
            chosen,
        } = self
        else {
            return self.fetch_one(ctx).await;
        };
        if let Some(source) = chosen.get().and_then(|i| sources.get(*i)) {
            return source.fetch_one(ctx).await;
        }
        let mut tried = tried.clone();
        for (index, source) in sources.iter().enumerate() {
            match source.fetch_one(ctx).await {
                Ok(fetched) => {
                    let _ = chosen.set(index);
                    tracing::debug!(source = %source.source(), "using credentials");
                    return Ok(fetched);
                }
                Err(error) => {
                    tracing::debug!(source = %source.source(), %error, "credential source failed");
                    tried.push(error.to_string());
                }
            }
        }
        tracing::debug!(tried = %tried.join("; "), "no credentials found");
        Err(CredentialsError::NotFound { tried })
    }

    async fn fetch_one(&self, ctx: &FetchContext) -> Result<Fetched, CredentialsError> {
        let source = self.source();
        let result = match self {
            Self::Oidc(c) => oidc::fetch(c, ctx).await,
            Self::Federated(c) => federated::fetch(c, ctx).await,
            Self::Metadata(live) => live.fetch().await,
            Self::Pod(live) => live.fetch().await,
            Self::Tail { .. } => Err(SourceFailure::Config(
                "a chain tail inside a chain tail".to_owned(),
            )),
        };
        result.map_err(|failure| CredentialsError::Source {
            from: source,
            failure: Box::new(failure),
        })
    }
}

/// A variable's value, trimmed; empty counts as unset (as in the official SDK, where `""` is
/// falsy).
pub(crate) fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A file's content, stripped of surrounding whitespace; empty is an error (as in the SDK).
/// Read on every fetch: orchestrators rotate projected tokens in place.
pub(crate) fn read_token_file(path: &Path) -> Result<SecretString, SourceFailure> {
    let text = std::fs::read_to_string(path).map_err(|e| SourceFailure::File {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(SourceFailure::File {
            path: path.to_owned(),
            reason: "it is empty".to_owned(),
        });
    }
    Ok(SecretString::from(text.to_owned()))
}

/// How a URL of a credential service may be reached.
#[derive(Clone, Copy)]
pub(crate) enum Reach {
    /// STS, IAM: https, or plain http to loopback (or anywhere when the user allows it).
    Remote { allow_insecure_http: bool },
    /// The metadata service and the pod-identity agent: plain http is their normal transport
    /// (a link-local or loopback address on the same host).
    Local,
}

/// Parses and checks the URL of a credential service.
pub(crate) fn service_url(url: &str, reach: Reach) -> Result<reqwest::Url, SourceFailure> {
    let bad = |why: &str| SourceFailure::Config(format!("invalid URL {url:?}: {why}"));
    let parsed = reqwest::Url::parse(url).map_err(|_| bad("not an absolute URL"))?;
    let host = parsed.host_str().ok_or_else(|| bad("it has no host"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(SourceFailure::Config(
            "a credential service URL must not carry user info".to_owned(),
        ));
    }
    match (parsed.scheme(), reach) {
        ("https", _) => {}
        ("http", Reach::Local) => {}
        (
            "http",
            Reach::Remote {
                allow_insecure_http,
            },
        ) => {
            if !allow_insecure_http && !crate::foundation::config::is_loopback(host) {
                return Err(bad(
                    "plain http to a non-loopback host would expose credentials; use https or \
                     allow insecure http",
                ));
            }
        }
        _ => return Err(bad("the scheme must be https or http")),
    }
    Ok(parsed)
}

/// An HTTP answer, read whole (credential answers are small).
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Answer {
    pub(crate) fn request_id(&self) -> Option<String> {
        ["x-request-id", "x-iam-trace-id", "x-openstack-request-id"]
            .iter()
            .find_map(|name| self.headers.get(*name))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// The body as text, with `secrets` (tokens the request carried) cut out, in case the
    /// service echoes them.
    pub(crate) fn text_without(&self, secrets: &[&str]) -> String {
        redact(&String::from_utf8_lossy(&self.body), secrets)
    }

    /// `Rejected` with what the body says (IAM's and the API gateway's error shapes).
    pub(crate) fn rejected(&self, url: &reqwest::Url, secrets: &[&str]) -> SourceFailure {
        let (code, message) = error_code_and_message(&self.body);
        let message = message
            .or_else(|| {
                let text = String::from_utf8_lossy(&self.body);
                let text = text.trim();
                (!text.is_empty()).then(|| text.chars().take(200).collect())
            })
            .map(|m| redact(&m, secrets));
        SourceFailure::Rejected {
            url: shown_url(url),
            answer: IamErrorResponse {
                status: self.status,
                code,
                message,
                request_id: self.request_id(),
            },
        }
    }
}

/// The URL as errors show it: no query (it may name things), no user info.
pub(crate) fn shown_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

fn redact(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, "[REDACTED]");
        }
    }
    text
}

/// Sends a request with `http` and reads the whole answer.
pub(crate) async fn send(
    http: &crate::transport::HttpClient,
    request: reqwest::RequestBuilder,
    url: &reqwest::Url,
) -> Result<Answer, SourceFailure> {
    let transport = |reason: String| SourceFailure::Transport {
        url: shown_url(url),
        reason,
    };
    let response = http
        .send(request)
        .await
        .map_err(|e| transport(e.to_string()))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| transport(crate::foundation::error_chain::error_chain(&e)))?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// The error code and message of an error body: IAM's Keystone form
/// `{"error": {"code", "message"}}`, or the API gateway's `{"error_code", "error_msg"}`.
pub(crate) fn error_code_and_message(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    if let Some(error) = value.get("error").filter(|e| e.is_object()) {
        return (text(error.get("code")), text(error.get("message")));
    }
    (text(value.get("error_code")), text(value.get("error_msg")))
}

/// Reads temporary credentials from an answer body, accepting the three shapes the official
/// SDK accepts, at top level or under `credential` / `credentials`:
/// `access`/`secret`/`securitytoken`/`expires_at` (IAM, ECS metadata),
/// `access_key_id`/`secret_access_key`/`security_token`/`expiration` (STS v5) and
/// `accessKeyId`/`secretAccessKey`/`securityToken`/`expiration`.
pub(crate) fn parse_credentials(
    answer: &Answer,
    url: &reqwest::Url,
) -> Result<Fetched, SourceFailure> {
    let invalid = |reason| SourceFailure::InvalidAnswer {
        url: shown_url(url),
        reason,
        request_id: answer.request_id(),
    };
    let value: Value =
        serde_json::from_slice(&answer.body).map_err(|_| invalid("the body is not JSON"))?;
    let map = value
        .get("credential")
        .or_else(|| value.get("credentials"))
        .unwrap_or(&value);
    let field = |names: [&str; 3]| {
        names.iter().find_map(|n| {
            map.get(*n)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        })
    };
    let access = field(["access", "accessKeyId", "access_key_id"])
        .ok_or_else(|| invalid("no access key id"))?;
    let secret = field(["secret", "secretAccessKey", "secret_access_key"])
        .ok_or_else(|| invalid("no secret key"))?;
    let token = field(["securitytoken", "securityToken", "security_token"])
        .ok_or_else(|| invalid("no security token"))?;
    let expires = ["expires_at", "expiration"]
        .iter()
        .find_map(|n| map.get(*n).and_then(Value::as_str))
        .ok_or_else(|| invalid("no expiry (expires_at or expiration)"))?;
    let expires_at = parse_time(expires).ok_or_else(|| invalid("the expiry is not a UTC time"))?;
    Ok(Fetched {
        credentials: AkSkCredentials::new(access, secret).with_security_token(token),
        expires_at,
    })
}

/// `%Y-%m-%dT%H:%M:%S.%fZ` (the official format) or any RFC 3339 time.
pub(crate) fn parse_time(text: &str) -> Option<SystemTime> {
    let timestamp: jiff::Timestamp = text.trim().parse().ok()?;
    Some(SystemTime::from(timestamp))
}

/// A small HTTP client for a service on this host (metadata, pod identity) with the official
/// SDK's connect and read time limits.
pub(crate) fn local_http(limit: Duration) -> Result<crate::transport::HttpClient, SourceFailure> {
    crate::transport::install_crypto_provider();
    reqwest::Client::builder()
        .connect_timeout(limit)
        .read_timeout(limit)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map(crate::transport::HttpClient::reqwest_only)
        .map_err(|e| SourceFailure::Config(crate::foundation::error_chain::error_chain(&e)))
}

/// JSON as Python's `json.dumps` writes it (what the official SDK sends), so our request
/// bodies are byte for byte the SDK's.
pub(crate) use python_json::to_vec as python_json;

#[cfg(test)]
mod tests;
