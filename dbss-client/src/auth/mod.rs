//! Authentication: credentials, where they are found, IAM tokens and AK/SK signing.
//!
//! - [`Credentials`]: AK/SK (optionally temporary, with a security token), a ready IAM token,
//!   IAM password credentials, or none. Every secret is a `secrecy::SecretString`; `Debug` and
//!   `Display` print no secret.
//! - [`resolve_default_chain`]: explicit, then environment, then the profile file, as the
//!   official SDKs look for credentials.
//! - [`PasswordCredentials`] carry the IAM endpoint their tokens come from ([`iam_endpoint`]
//!   gives the region's) and the refresh margin.
//!
//! Every request the generated client sends passes through the auth layer once per attempt
//! (from the client's pre-request hook): AK/SK requests are signed with SDK-HMAC-SHA256 by
//! `dbss_signer` at that moment, so a retried request carries a fresh `X-Sdk-Date`; token
//! requests get `X-Auth-Token`. The values of `Authorization`, `X-Auth-Token` and
//! `X-Security-Token` are marked sensitive, so HTTP-level debug output redacts them.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName};

use crate::clock::Clock;

mod chain;
mod credentials;
mod error;
mod iam;
mod profile;
mod sign;

pub(crate) use chain::resolve_chain;
pub use chain::{
    CredentialSource, ENV_AK, ENV_AUTH_TOKEN, ENV_CREDENTIALS_FILE, ENV_IAM_ENDPOINT,
    ENV_PROJECT_ID, ENV_SECURITY_TOKEN, ENV_SK, ResolvedCredentials, process_env,
    resolve_default_chain,
};
pub use credentials::{AkSkCredentials, Credentials, PasswordCredentials, TokenCredentials};
pub use error::{CredentialsError, IamErrorResponse};
pub use iam::{DEFAULT_TOKEN_REFRESH_MARGIN, iam_endpoint};

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
    AkSk {
        credentials: AkSkCredentials,
        project: Option<sign::ProjectHeader>,
    },
    Password(iam::IamTokenCache),
}

/// Authenticates requests with one set of credentials; shared by every clone of a client.
pub(crate) struct Auth {
    method: Method,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Auth");
        match &self.method {
            Method::Anonymous => d.field("credentials", &Credentials::Anonymous),
            Method::Token(c) => d.field("credentials", c),
            Method::AkSk {
                credentials,
                project,
            } => d
                .field("credentials", credentials)
                .field("project_id", &project.as_ref().map(sign::ProjectHeader::id)),
            Method::Password(cache) => d.field("token_cache", cache),
        };
        d.field("clock", &self.clock).finish()
    }
}

impl Auth {
    /// The auth layer for `credentials`, reading the time (signing date, token expiry) from
    /// `clock`. `project_id` is sent as `X-Project-Id` on AK/SK requests (as the official SDK
    /// does) and scopes IAM tokens obtained with password credentials; `http` sends the IAM
    /// token requests (the DBSS client's own, so its proxy and TLS settings apply).
    pub(crate) fn new(
        credentials: Credentials,
        clock: Arc<dyn Clock>,
        project_id: Option<String>,
        http: reqwest::Client,
    ) -> Self {
        let method = match credentials {
            Credentials::Anonymous => Method::Anonymous,
            Credentials::Token(c) => Method::Token(c),
            Credentials::AkSk(c) => Method::AkSk {
                credentials: c,
                project: project_id.map(sign::ProjectHeader::new),
            },
            Credentials::Password(c) => Method::Password(iam::IamTokenCache::new(
                c,
                project_id,
                http,
                Arc::clone(&clock),
            )),
        };
        Self { method, clock }
    }

    /// Checks what can be checked without the network, once, when the client is built: header
    /// values the signer or HTTP would refuse (a CR/LF in a token, an AK the signer rejects...).
    /// Failures are typed here, rather than surfacing from the hook as text on every request.
    pub(crate) fn check(&self) -> Result<(), CredentialsError> {
        match &self.method {
            Method::Anonymous | Method::Password(_) => Ok(()),
            Method::Token(c) => {
                use secrecy::ExposeSecret;
                sign::header_value("X-Auth-Token", c.token.expose_secret()).map(|_| ())
            }
            Method::AkSk {
                credentials,
                project,
            } => {
                sign::check_credentials(credentials, project.as_ref().map(sign::ProjectHeader::id))
            }
        }
    }

    /// Makes the credentials ready to use: obtains or renews the IAM token of password
    /// credentials when needed. Called by the handwritten layer before each attempt so that
    /// failures are typed; [`apply`](Self::apply) renews by itself too, for users of the raw
    /// client. Static credentials were checked once by [`check`](Self::check).
    pub(crate) async fn prepare(&self) -> Result<(), CredentialsError> {
        match &self.method {
            Method::Anonymous | Method::Token(_) | Method::AkSk { .. } => Ok(()),
            Method::Password(cache) => cache.token().await.map(|_| ()),
        }
    }

    /// Authenticates one request: called from the pre hook, once per attempt.
    pub(crate) async fn apply(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<(), CredentialsError> {
        match &self.method {
            Method::Anonymous => Ok(()),
            Method::Token(c) => {
                use secrecy::ExposeSecret;
                set_token(request, c.token.expose_secret())
            }
            Method::Password(cache) => {
                use secrecy::ExposeSecret;
                let token = cache.token().await?;
                set_token(request, token.expose_secret())
            }
            Method::AkSk {
                credentials,
                project,
            } => sign::sign_request(request, credentials, project.as_ref(), self.clock.now()),
        }
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
