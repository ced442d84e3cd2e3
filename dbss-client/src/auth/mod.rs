//! Authentication: credentials, where they are found, IAM tokens and AK/SK signing.
//!
//! - [`Credentials`]: AK/SK (optionally temporary, with a security token), a ready IAM token,
//!   IAM password credentials, a [`TemporarySource`] (OIDC, federated id token, ECS metadata,
//!   CCE pod identity), or none. Every secret is a `secrecy::SecretString`; `Debug` and
//!   `Display` print no secret.
//! - [`resolve_default_chain`]: the official SDK's provider chain, in its order: explicit, OIDC,
//!   environment, profile file, then ECS metadata and CCE pod identity (tried on first use).
//!   [`ChainOptions::only`] (the builder's `credentials_from`) keeps one step.
//! - Temporary credentials are fetched on first use, cached, and renewed before they expire
//!   (40 minutes before, or at half their life), once however many requests wait; no request is
//!   signed with credentials that expire within 5 minutes. A failure is
//!   [`CredentialsError::Source`], naming the source.
//! - With no project id, the client asks IAM for the project of its region
//!   (`GET /v3/projects?name=`), signed with the credentials in hand, and caches the answer.
//! - [`PasswordCredentials`] carry the IAM endpoint their tokens come from ([`iam_endpoint`]
//!   gives the region's) and the refresh margin.
//!
//! Every request passes through the auth layer once per attempt (from a prepared request's
//! attempt, or the generated client's pre-request hook): AK/SK requests are signed with SDK-HMAC-SHA256 by
//! `dbss_signer` at that moment, so a retried request carries a fresh `X-Sdk-Date`; token
//! requests get `X-Auth-Token`. The values of `Authorization`, `X-Auth-Token` and
//! `X-Security-Token` are marked sensitive, so HTTP-level debug output redacts them.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName};

use crate::foundation::clock::Clock;

mod chain;
mod credentials;
mod error;
mod iam;
pub mod profile;
mod project;
mod sign;
mod sources;
mod temporary;

pub(crate) use chain::resolve_chain;

pub use chain::{
    ChainOptions, ChainStep, CredentialSource, ENV_AK, ENV_AUTH_TOKEN, ENV_CREDENTIALS_FILE,
    ENV_DOMAIN_ID, ENV_IAM_ENDPOINT, ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK,
    ResolvedCredentials, process_env, profile_path, resolve_chain_with, resolve_default_chain,
};
pub use credentials::{AkSkCredentials, Credentials, PasswordCredentials, TokenCredentials};
pub use error::{CredentialsError, IamErrorResponse, SourceFailure};
pub use iam::{DEFAULT_TOKEN_REFRESH_MARGIN, GLOBAL_IAM_ENDPOINT, iam_endpoint};
pub use sources::{
    ChainTail, DEFAULT_METADATA_ENDPOINT, DEFAULT_STS_ENDPOINT, ENV_ID_TOKEN_FILE, ENV_IDP_ID,
    ENV_METADATA_DISABLED, ENV_METADATA_ENDPOINT, ENV_OIDC_AGENCY_URN, ENV_OIDC_DURATION_SECONDS,
    ENV_OIDC_ID_TOKEN, ENV_OIDC_POLICY, ENV_OIDC_POLICY_IDS, ENV_OIDC_PROVIDER_URN,
    ENV_OIDC_SESSION_NAME, ENV_OIDC_TOKEN_FILE, ENV_POD_CREDENTIALS_URI, ENV_POD_TOKEN_FILE,
    ENV_STS_ENDPOINT, FederatedConfig, MetadataConfig, OidcConfig, PodIdentityConfig,
    TemporarySource,
};

/// Header names whose values are credentials (as `HeaderName`s: no parsing per request).
const SENSITIVE_HEADERS: [HeaderName; 3] = [
    AUTHORIZATION,
    HeaderName::from_static("x-auth-token"),
    HeaderName::from_static("x-security-token"),
];

/// Marks every credential-bearing header value sensitive, so `Debug` of the header map (and
/// of the request) prints `Sensitive` instead of the value.
fn mark_sensitive(headers: &mut HeaderMap) {
    // One pass over the (few) headers, every value of a repeated name included.
    for (name, value) in headers.iter_mut() {
        if SENSITIVE_HEADERS.contains(name) {
            value.set_sensitive(true);
        }
    }
}

/// How requests are authenticated.
enum Method {
    Anonymous,
    Token(TokenCredentials),
    AkSk(AkSkCredentials),
    Temporary(temporary::TemporaryCache),
    Password(iam::IamTokenCache),
}

/// What the auth layer needs from the client besides the credentials.
#[derive(Clone)]
pub(crate) struct AuthSettings {
    /// The time (signing date, expiries).
    pub clock: Arc<dyn Clock>,
    /// The project id, when given or found with the credentials.
    pub project_id: Option<String>,
    /// The DBSS client's HTTP client: IAM and STS are reached through it.
    pub http: crate::transport::HttpClient,
    /// The client's region: the IAM endpoint and project discovery follow it.
    pub region: Option<String>,
    /// Plain http to non-loopback STS/IAM endpoints allowed.
    pub allow_insecure_http: bool,
    /// The IAM endpoint for project discovery, when the profile file names one.
    pub iam_endpoint: Option<String>,
    /// The environment (variables read when credentials are fetched).
    pub env: crate::foundation::config::EnvLookup,
}

/// Authenticates requests with one set of credentials; shared by every clone of a client.
pub(crate) struct Auth {
    method: Method,
    /// The project id: set when the client is built if known, else discovered on first use.
    project: tokio::sync::OnceCell<sign::ProjectHeader>,
    /// How to discover the project id, when it was not given.
    discovery: Option<project::Discovery>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Auth");
        match &self.method {
            Method::Anonymous => d.field("credentials", &Credentials::Anonymous),
            Method::Token(c) => d.field("credentials", c),
            Method::AkSk(c) => d.field("credentials", c),
            Method::Temporary(cache) => d.field("credentials", cache),
            Method::Password(cache) => d.field("token_cache", cache),
        };
        d.field(
            "project_id",
            &self.project.get().map(sign::ProjectHeader::id),
        )
        .field("discovery", &self.discovery.as_ref().map(|d| &d.region))
        .field("clock", &self.clock)
        .finish()
    }
}

impl Auth {
    /// The auth layer for `credentials`. The project id is sent as `X-Project-Id` on AK/SK
    /// requests (as the official SDK does) and scopes IAM tokens obtained with password
    /// credentials; without one, AK/SK and temporary credentials discover it from IAM for the
    /// region on first use.
    pub(crate) fn new(credentials: Credentials, settings: AuthSettings) -> Self {
        let AuthSettings {
            clock,
            project_id,
            http,
            region,
            allow_insecure_http,
            iam_endpoint,
            env,
        } = settings;
        let discovery = match (&project_id, &region, &credentials) {
            (None, Some(region), Credentials::AkSk(_) | Credentials::Temporary(_)) => {
                Some(project::Discovery {
                    region: region.clone(),
                    iam_endpoint: iam_endpoint
                        .or_else(|| iam::iam_endpoint(Some(region), &*env))
                        .unwrap_or_else(|| iam::GLOBAL_IAM_ENDPOINT.to_owned()),
                    http: http.clone(),
                    allow_insecure_http,
                })
            }
            _ => None,
        };
        let method = match credentials {
            Credentials::Anonymous => Method::Anonymous,
            Credentials::Token(c) => Method::Token(c),
            Credentials::AkSk(c) => Method::AkSk(c),
            Credentials::Temporary(source) => {
                let ctx = sources::FetchContext {
                    http: http.clone(),
                    allow_insecure_http,
                    region,
                    env,
                };
                Method::Temporary(temporary::TemporaryCache::new(
                    sources::LiveSource::new(source),
                    ctx,
                    Arc::clone(&clock),
                ))
            }
            Credentials::Password(c) => Method::Password(iam::IamTokenCache::new(
                c,
                project_id.clone(),
                http,
                Arc::clone(&clock),
            )),
        };
        let project = tokio::sync::OnceCell::new();
        if let Some(id) = project_id {
            let _ = project.set(sign::ProjectHeader::new(id));
        }
        Self {
            method,
            project,
            discovery,
            clock,
        }
    }

    /// Whether the project id is known or can be discovered.
    pub(crate) fn has_project(&self) -> bool {
        self.project.initialized() || self.discovery.is_some()
    }

    /// The project id, discovering it from IAM on first use when it was not given.
    pub(crate) async fn project_id(&self) -> Result<&str, CredentialsError> {
        self.project_header().await.map(sign::ProjectHeader::id)
    }

    /// The project id if known now (given, or discovered already).
    pub(crate) fn known_project_id(&self) -> Option<&str> {
        self.project.get().map(sign::ProjectHeader::id)
    }

    async fn project_header(&self) -> Result<&sign::ProjectHeader, CredentialsError> {
        if let Some(header) = self.project.get() {
            return Ok(header);
        }
        // Boxed: discovery happens once, and its future would otherwise grow every call's.
        Box::pin(self.discover_project()).await
    }

    /// Asks IAM for the project id (once; concurrent callers wait for the same answer).
    async fn discover_project(&self) -> Result<&sign::ProjectHeader, CredentialsError> {
        let Some(discovery) = &self.discovery else {
            return Err(CredentialsError::NoProjectId);
        };
        self.project
            .get_or_try_init(|| async {
                let (credentials, key) = match &self.method {
                    Method::AkSk(c) => (Arc::new(c.clone()), c.access_key_id().to_owned()),
                    Method::Temporary(cache) => {
                        let c = cache.credentials().await?;
                        let key = cache
                            .federated_idp_id()
                            .map_or_else(|| c.access_key_id().to_owned(), str::to_owned);
                        (c, key)
                    }
                    _ => return Err(CredentialsError::NoProjectId),
                };
                let id = discovery
                    .project_id(&credentials, &key, self.clock.now())
                    .await?;
                let header = sign::ProjectHeader::new(id);
                sign::header_value("X-Project-Id", header.id())?;
                Ok(header)
            })
            .await
    }

    /// Checks what can be checked without the network, once, when the client is built: header
    /// values the signer or HTTP would refuse (a CR/LF in a token, an AK the signer rejects...).
    /// Failures are typed here, rather than surfacing from the hook as text on every request.
    pub(crate) fn check(&self) -> Result<(), CredentialsError> {
        match &self.method {
            Method::Anonymous | Method::Password(_) | Method::Temporary(_) => Ok(()),
            Method::Token(c) => {
                use secrecy::ExposeSecret;
                sign::header_value("X-Auth-Token", c.token.expose_secret()).map(|_| ())
            }
            Method::AkSk(credentials) => {
                sign::check_credentials(credentials, self.known_project_id())
            }
        }
    }

    /// Makes the credentials ready to use: obtains or renews an IAM token or temporary
    /// credentials when due, and discovers the project id if needed. Called by the handwritten
    /// layer before each attempt so that failures are typed; [`apply`](Self::apply) does the
    /// same by itself, for users of the raw client.
    pub(crate) async fn prepare(&self) -> Result<(), CredentialsError> {
        // Static credentials with a known project have nothing to make ready; the rest is
        // boxed, so that this future (awaited on every attempt) stays a few bytes.
        if matches!(
            self.method,
            Method::Anonymous | Method::Token(_) | Method::AkSk(_)
        ) && self.discovery.is_none()
        {
            return Ok(());
        }
        Box::pin(self.prepare_slow()).await
    }

    async fn prepare_slow(&self) -> Result<(), CredentialsError> {
        match &self.method {
            Method::Anonymous | Method::Token(_) | Method::AkSk(_) => {}
            Method::Password(cache) => {
                cache.token().await?;
            }
            Method::Temporary(cache) => {
                cache.credentials().await?;
            }
        }
        if self.discovery.is_some() {
            self.project_header().await?;
        }
        Ok(())
    }

    /// Authenticates one request: called once per attempt (prepared requests, the pre hook).
    pub(crate) async fn apply(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<(), CredentialsError> {
        // Waiting for a token, temporary credentials or the project id is boxed, so that this
        // future, which every attempt creates and moves, stays a few bytes.
        match self.apply_static(request) {
            Some(done) => done,
            None => Box::pin(self.apply_waiting(request)).await,
        }
    }

    /// Authenticates `request` with what needs no waiting: static credentials (with a known
    /// project id, for AK/SK). `None` when something has to be fetched first.
    fn apply_static(&self, request: &mut reqwest::Request) -> Option<Result<(), CredentialsError>> {
        use secrecy::ExposeSecret;
        match &self.method {
            Method::Anonymous => Some(Ok(())),
            Method::Token(c) => Some(set_token(request, c.token.expose_secret())),
            Method::AkSk(credentials) if self.discovery.is_none() => Some(sign::sign_request(
                request,
                credentials,
                self.project.get(),
                self.clock.now(),
            )),
            _ => None,
        }
    }

    async fn apply_waiting(&self, request: &mut reqwest::Request) -> Result<(), CredentialsError> {
        use secrecy::ExposeSecret;
        match &self.method {
            Method::Password(cache) => {
                let token = cache.token().await?;
                set_token(request, token.expose_secret())
            }
            Method::AkSk(credentials) => {
                let project = self.signing_project().await?;
                sign::sign_request(request, credentials, project, self.clock.now())
            }
            Method::Temporary(cache) => {
                let credentials = cache.credentials().await?;
                let project = self.signing_project().await?;
                sign::sign_request(request, &credentials, project, self.clock.now())
            }
            Method::Anonymous | Method::Token(_) => self.apply_static(request).unwrap_or(Ok(())),
        }
    }

    /// The `X-Project-Id` of signed requests: the known or discovered project id, if any.
    async fn signing_project(&self) -> Result<Option<&sign::ProjectHeader>, CredentialsError> {
        if self.discovery.is_some() {
            return self.project_header().await.map(Some);
        }
        Ok(self.project.get())
    }
}

/// Sets `X-Auth-Token` (sensitive) and makes sure no `Authorization` goes with it.
fn set_token(request: &mut reqwest::Request, token: &str) -> Result<(), CredentialsError> {
    let value = sign::header_value("X-Auth-Token", token)?;
    let headers = request.headers_mut();
    headers.remove(AUTHORIZATION);
    headers.insert("x-auth-token", value);
    mark_sensitive(headers);
    Ok(())
}

#[cfg(test)]
mod tests;
