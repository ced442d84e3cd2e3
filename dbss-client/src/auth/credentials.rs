//! The credential types. Every secret is a [`SecretString`]: it is zeroed on drop, and neither
//! `Debug` nor `Display` of any type here prints it (they print `[REDACTED]` instead).

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::sources::TemporarySource;

/// What `Debug` prints in place of a secret.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Credentials a client authenticates with.
///
/// Build them with [`Credentials::ak_sk`], [`Credentials::token`] or [`Credentials::password`],
/// or find them where the official SDKs look with
/// [`resolve_default_chain`](crate::auth::resolve_default_chain).
///
/// `Debug` and `Display` never print a secret key, token, password or security token:
///
/// ```
/// use dbss_client::auth::Credentials;
///
/// let creds = Credentials::ak_sk("AKEXAMPLE", "secret-key").with_security_token("st");
/// assert_eq!(
///     format!("{creds:?}"),
///     "AkSk(AkSkCredentials { access_key_id: \"AKEXAMPLE\", secret_key: [REDACTED], \
///      security_token: Some([REDACTED]) })"
/// );
/// assert_eq!(
///     creds.to_string(),
///     "temporary AK/SK credentials (access key id AKEXAMPLE, with security token)"
/// );
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// An access key id and secret key, optionally with the security token of temporary
    /// credentials: requests are signed with SDK-HMAC-SHA256 (what the official SDKs do).
    AkSk(AkSkCredentials),
    /// A ready IAM token, sent as `X-Auth-Token`. The caller renews it; the client does not.
    Token(TokenCredentials),
    /// An IAM user's name, password and domain: the client obtains a project-scoped IAM token
    /// from IAM, caches it and renews it before it expires.
    Password(PasswordCredentials),
    /// Temporary AK/SK credentials from a source (OIDC, a federated id token, the ECS metadata
    /// service, CCE pod identity): fetched on first use and renewed before they expire.
    Temporary(TemporarySource),
    /// No authentication (tests against a server that does not check).
    Anonymous,
}

impl Credentials {
    /// Permanent AK/SK credentials. Add a security token (temporary credentials) with
    /// [`with_security_token`](Self::with_security_token).
    pub fn ak_sk(access_key_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self::AkSk(AkSkCredentials::new(access_key_id, secret_key))
    }

    /// Adds the security token of temporary AK/SK credentials; it is sent (and signed) as
    /// `X-Security-Token`.
    ///
    /// Only AK/SK credentials carry a security token: on any other kind this logs a warning and
    /// returns the credentials unchanged.
    pub fn with_security_token(self, security_token: impl Into<String>) -> Self {
        match self {
            Self::AkSk(c) => Self::AkSk(c.with_security_token(security_token)),
            other => {
                tracing::warn!(
                    credentials = %other,
                    "a security token only applies to AK/SK credentials; ignored"
                );
                other
            }
        }
    }

    /// Temporary credentials from `source`, fetched when first needed and renewed before they
    /// expire.
    pub fn temporary(source: TemporarySource) -> Self {
        Self::Temporary(source)
    }

    /// A ready IAM token, sent as `X-Auth-Token`.
    pub fn token(token: impl Into<String>) -> Self {
        Self::Token(TokenCredentials::new(token))
    }

    /// An IAM user's password credentials. The token obtained with them is scoped to the
    /// client's project id, which must therefore be known. Set the IAM endpoint with
    /// [`PasswordCredentials::with_iam_endpoint`] or
    /// [`with_default_iam_endpoint`](Self::with_default_iam_endpoint).
    pub fn password(
        user_name: impl Into<String>,
        password: impl Into<String>,
        domain_name: impl Into<String>,
    ) -> Self {
        Self::Password(PasswordCredentials::new(user_name, password, domain_name))
    }
}

impl Credentials {
    /// Gives password credentials that have no IAM endpoint yet this one (typically
    /// [`iam_endpoint`](crate::auth::iam_endpoint) for the client's region). Other kinds of
    /// credentials do not talk to IAM and are returned unchanged.
    pub fn with_default_iam_endpoint(self, endpoint: impl Into<String>) -> Self {
        match self {
            Self::Password(p) if p.iam_endpoint.is_none() => {
                Self::Password(p.with_iam_endpoint(endpoint))
            }
            other => other,
        }
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AkSk(c) => c.fmt(f),
            Self::Token(c) => c.fmt(f),
            Self::Password(c) => c.fmt(f),
            Self::Temporary(s) => write!(f, "temporary credentials from {s}"),
            Self::Anonymous => f.write_str("anonymous (no credentials)"),
        }
    }
}

impl From<AkSkCredentials> for Credentials {
    fn from(c: AkSkCredentials) -> Self {
        Self::AkSk(c)
    }
}

impl From<TokenCredentials> for Credentials {
    fn from(c: TokenCredentials) -> Self {
        Self::Token(c)
    }
}

impl From<PasswordCredentials> for Credentials {
    fn from(c: PasswordCredentials) -> Self {
        Self::Password(c)
    }
}

/// An access key id (AK, not secret: it is sent in every `Authorization` header), a secret key
/// (SK) and, for temporary credentials, a security token.
#[derive(Clone)]
pub struct AkSkCredentials {
    pub(crate) access_key_id: String,
    pub(crate) secret_key: SecretString,
    pub(crate) security_token: Option<SecretString>,
}

impl AkSkCredentials {
    /// Permanent credentials.
    pub fn new(access_key_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_key: SecretString::from(secret_key.into()),
            security_token: None,
        }
    }

    /// Adds the security token of temporary credentials (sent as `X-Security-Token`).
    pub fn with_security_token(mut self, security_token: impl Into<String>) -> Self {
        self.security_token = Some(SecretString::from(security_token.into()));
        self
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret key (use [`ExposeSecret`] to read it).
    pub fn secret_key(&self) -> &SecretString {
        &self.secret_key
    }

    /// The security token of temporary credentials, if any.
    pub fn security_token(&self) -> Option<&SecretString> {
        self.security_token.as_ref()
    }
}

impl fmt::Debug for AkSkCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AkSkCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_key", &Redacted)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| Redacted),
            )
            .finish()
    }
}

impl fmt::Display for AkSkCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.security_token.is_some() {
            write!(
                f,
                "temporary AK/SK credentials (access key id {}, with security token)",
                self.access_key_id
            )
        } else {
            write!(
                f,
                "AK/SK credentials (access key id {})",
                self.access_key_id
            )
        }
    }
}

/// A ready IAM token.
#[derive(Clone)]
pub struct TokenCredentials {
    pub(crate) token: SecretString,
}

impl TokenCredentials {
    /// Wraps a token (the `X-Subject-Token` IAM returned).
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            token: SecretString::from(token.into()),
        }
    }

    /// The token (use [`ExposeSecret`] to read it).
    pub fn token(&self) -> &SecretString {
        &self.token
    }
}

impl fmt::Debug for TokenCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCredentials")
            .field("token", &Redacted)
            .finish()
    }
}

impl fmt::Display for TokenCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IAM token credentials")
    }
}

/// An IAM user's name, password and the name of the domain (account) the user belongs to, and
/// how to use them: the IAM endpoint to obtain tokens from and how long before expiry a token
/// is renewed.
#[derive(Clone)]
pub struct PasswordCredentials {
    pub(crate) user_name: String,
    pub(crate) password: SecretString,
    pub(crate) domain_name: String,
    pub(crate) iam_endpoint: Option<String>,
    pub(crate) token_refresh_margin: Duration,
}

impl PasswordCredentials {
    /// Password credentials of IAM user `user_name` in domain `domain_name`.
    pub fn new(
        user_name: impl Into<String>,
        password: impl Into<String>,
        domain_name: impl Into<String>,
    ) -> Self {
        Self {
            user_name: user_name.into(),
            password: SecretString::from(password.into()),
            domain_name: domain_name.into(),
            iam_endpoint: None,
            token_refresh_margin: super::DEFAULT_TOKEN_REFRESH_MARGIN,
        }
    }

    /// The IAM base URL tokens are requested from (`{endpoint}/v3/auth/tokens`), e.g.
    /// `https://iam.cn-north-4.myhuaweicloud.com`. It must be `https`, except on a loopback
    /// host: the password travels in the request body.
    pub fn with_iam_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.iam_endpoint = Some(endpoint.into());
        self
    }

    /// How long before its expiry a token is renewed (default
    /// [`DEFAULT_TOKEN_REFRESH_MARGIN`](super::DEFAULT_TOKEN_REFRESH_MARGIN), 10 minutes). A
    /// token that lives less than twice the margin is renewed at half its life instead.
    pub fn with_token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// The IAM endpoint, if set.
    pub fn iam_endpoint(&self) -> Option<&str> {
        self.iam_endpoint.as_deref()
    }

    /// How long before its expiry a token is renewed.
    pub fn token_refresh_margin(&self) -> Duration {
        self.token_refresh_margin
    }

    /// The IAM user name.
    pub fn user_name(&self) -> &str {
        &self.user_name
    }

    /// The password (use [`ExposeSecret`] to read it).
    pub fn password(&self) -> &SecretString {
        &self.password
    }

    /// The domain (account) name.
    pub fn domain_name(&self) -> &str {
        &self.domain_name
    }

    /// The password, for the one place that must send it.
    pub(crate) fn expose_password(&self) -> &str {
        self.password.expose_secret()
    }
}

impl fmt::Debug for PasswordCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordCredentials")
            .field("user_name", &self.user_name)
            .field("password", &Redacted)
            .field("domain_name", &self.domain_name)
            .field("iam_endpoint", &self.iam_endpoint)
            .field("token_refresh_margin", &self.token_refresh_margin)
            .finish()
    }
}

impl fmt::Display for PasswordCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "IAM password credentials (user {}, domain {})",
            self.user_name, self.domain_name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted_exactly() {
        let c = Credentials::ak_sk("AK1", "SK-SECRET");
        assert_eq!(
            format!("{c:?}"),
            "AkSk(AkSkCredentials { access_key_id: \"AK1\", secret_key: [REDACTED], security_token: None })"
        );
        assert_eq!(c.to_string(), "AK/SK credentials (access key id AK1)");

        let c = Credentials::token("TOKEN-SECRET");
        assert_eq!(
            format!("{c:?}"),
            "Token(TokenCredentials { token: [REDACTED] })"
        );
        assert_eq!(c.to_string(), "IAM token credentials");

        let c = Credentials::password("alice", "PASSWORD-SECRET", "acme");
        assert_eq!(
            format!("{c:?}"),
            "Password(PasswordCredentials { user_name: \"alice\", password: [REDACTED], \
             domain_name: \"acme\", iam_endpoint: None, token_refresh_margin: 600s })"
        );
        assert_eq!(
            c.to_string(),
            "IAM password credentials (user alice, domain acme)"
        );

        assert_eq!(format!("{:?}", Credentials::Anonymous), "Anonymous");
        assert_eq!(
            Credentials::Anonymous.to_string(),
            "anonymous (no credentials)"
        );
    }

    #[test]
    fn security_token_only_applies_to_ak_sk() {
        let c = Credentials::token("t").with_security_token("st");
        assert!(matches!(c, Credentials::Token(_)));
        let Credentials::AkSk(c) = Credentials::ak_sk("a", "s").with_security_token("st") else {
            panic!("AK/SK credentials expected");
        };
        assert_eq!(
            c.security_token().map(|s| s.expose_secret().to_owned()),
            Some("st".to_owned())
        );
    }
}
