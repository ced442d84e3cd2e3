//! The public types of the identity stand-ins: endpoints, metadata modes, recorded requests
//! and issued credentials.

use std::fmt;
use std::str::FromStr;
use std::time::SystemTime;

use serde_json::Value;

use super::{POD_IDENTITY_PATH, format_expiry};
#[cfg(doc)]
use {super::NO_AGENCY_MESSAGE, crate::MockServer};

/// One endpoint of the identity stand-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdentityEndpoint {
    /// STS `POST /v5/agencies/assume-with-oidc` (text form `oidc`).
    StsAssumeWithOidc,
    /// IAM `POST /v3.0/OS-AUTH/id-token/tokens` (`iam-id-token`).
    IamIdToken,
    /// IAM `POST /v3.0/OS-CREDENTIAL/securitytokens` (`iam-security-token`).
    IamSecurityToken,
    /// IAM `GET /v3/projects` (`iam-projects`).
    IamProjects,
    /// ECS metadata `PUT /meta-data/latest/api/token` (`metadata-token`).
    MetadataToken,
    /// ECS metadata `GET /openstack/latest/securitykey` (`metadata-security-key`).
    MetadataSecurityKey,
    /// CCE pod identity `POST /pod-identity/credentials` (`pod-identity`).
    PodIdentity,
}

impl IdentityEndpoint {
    /// Every endpoint.
    pub const ALL: [IdentityEndpoint; 7] = [
        Self::StsAssumeWithOidc,
        Self::IamIdToken,
        Self::IamSecurityToken,
        Self::IamProjects,
        Self::MetadataToken,
        Self::MetadataSecurityKey,
        Self::PodIdentity,
    ];

    /// The HTTP method.
    pub fn method(self) -> &'static str {
        match self {
            Self::IamProjects | Self::MetadataSecurityKey => "GET",
            Self::MetadataToken => "PUT",
            _ => "POST",
        }
    }

    /// The path (relative to [`MockServer::base_url`]).
    pub fn path(self) -> &'static str {
        match self {
            Self::StsAssumeWithOidc => "/v5/agencies/assume-with-oidc",
            Self::IamIdToken => "/v3.0/OS-AUTH/id-token/tokens",
            Self::IamSecurityToken => "/v3.0/OS-CREDENTIAL/securitytokens",
            Self::IamProjects => "/v3/projects",
            Self::MetadataToken => "/meta-data/latest/api/token",
            Self::MetadataSecurityKey => "/openstack/latest/securitykey",
            Self::PodIdentity => POD_IDENTITY_PATH,
        }
    }

    /// The text form (`--fault ...,at=NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Self::StsAssumeWithOidc => "oidc",
            Self::IamIdToken => "iam-id-token",
            Self::IamSecurityToken => "iam-security-token",
            Self::IamProjects => "iam-projects",
            Self::MetadataToken => "metadata-token",
            Self::MetadataSecurityKey => "metadata-security-key",
            Self::PodIdentity => "pod-identity",
        }
    }

    pub(super) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for IdentityEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A text is not the name of an [`IdentityEndpoint`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown identity endpoint {0:?}: expected oidc, iam-id-token, iam-security-token, iam-projects, metadata-token, metadata-security-key or pod-identity"
)]
pub struct ParseIdentityEndpointError(String);

impl FromStr for IdentityEndpoint {
    type Err = ParseIdentityEndpointError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|e| e.name() == s.trim())
            .ok_or_else(|| ParseIdentityEndpointError(s.to_owned()))
    }
}

/// How the ECS metadata stand-in behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum MetadataMode {
    /// The default: `PUT /meta-data/latest/api/token` gives session tokens and
    /// `GET /openstack/latest/securitykey` needs a valid one (`X-Metadata-Token`), else 401.
    #[default]
    TokenRequired,
    /// Session tokens are given but optional: a GET without one is answered; a GET with an
    /// unknown, expired or revoked one gets 401.
    TokenOptional,
    /// There is no token API: the PUT answers `status` (404, 405 and 503 are what the official
    /// SDK reads as "go on without a token"; others make it fail). The GET ignores tokens.
    NoTokenApi {
        /// The status of the PUT.
        status: u16,
    },
    /// The server has no agency: the PUT works, the GET answers 401 with
    /// [`NO_AGENCY_MESSAGE`].
    NoAgency,
}

impl fmt::Display for MetadataMode {
    /// `token-required`, `token-optional`, `no-token-api=STATUS` or `no-agency`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TokenRequired => f.write_str("token-required"),
            Self::TokenOptional => f.write_str("token-optional"),
            Self::NoTokenApi { status } => write!(f, "no-token-api={status}"),
            Self::NoAgency => f.write_str("no-agency"),
        }
    }
}

/// A text is not a [`MetadataMode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid metadata mode {0:?}: expected token-required, token-optional, no-token-api[=STATUS] or no-agency"
)]
pub struct ParseMetadataModeError(String);

impl FromStr for MetadataMode {
    type Err = ParseMetadataModeError;

    /// The [`Display`](fmt::Display) form; `no-token-api` alone means status 404.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseMetadataModeError(s.to_owned());
        match s.trim() {
            "token-required" => Ok(Self::TokenRequired),
            "token-optional" => Ok(Self::TokenOptional),
            "no-agency" => Ok(Self::NoAgency),
            "no-token-api" => Ok(Self::NoTokenApi { status: 404 }),
            other => {
                let status = other.strip_prefix("no-token-api=").ok_or_else(err)?;
                let status: u16 = status.parse().map_err(|_| err())?;
                if !(100..=999).contains(&status) {
                    return Err(err());
                }
                Ok(Self::NoTokenApi { status })
            }
        }
    }
}

/// Header names whose values [`RecordedRequest`]'s `Debug` hides.
const SECRET_HEADERS: [&str; 5] = [
    "authorization",
    "x-auth-token",
    "x-security-token",
    "x-metadata-token",
    "x-subject-token",
];

/// One request to an identity stand-in, as received. Its `Debug` hides the values of
/// credential headers and the body (which carries id tokens).
#[derive(Clone)]
pub struct RecordedRequest {
    pub(super) endpoint: IdentityEndpoint,
    pub(super) method: String,
    pub(super) target: String,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl RecordedRequest {
    /// The endpoint it was for.
    pub fn endpoint(&self) -> IdentityEndpoint {
        self.endpoint
    }

    /// The method, e.g. `PUT`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path and query as sent, e.g. `/v3/projects?name=cn-north-4`.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The headers in the order received (names lower-cased; values not UTF-8 are lossy).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON, if it is JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let secret = SECRET_HEADERS.iter().any(|s| n.eq_ignore_ascii_case(s));
                (n.as_str(), if secret { "[REDACTED]" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("endpoint", &self.endpoint)
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &headers)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

/// Temporary credentials an identity stand-in handed out. The DBSS endpoints accept them
/// (with their security token) until the mock's clock reaches [`expires_at`](Self::expires_at).
/// Its `Debug` hides the secret key and the security token.
#[derive(Clone)]
pub struct IssuedCredentials {
    pub(super) endpoint: IdentityEndpoint,
    pub(super) access_key_id: String,
    pub(super) secret_access_key: String,
    pub(super) security_token: String,
    pub(super) expires_at: SystemTime,
}

impl IssuedCredentials {
    /// The endpoint that issued them.
    pub fn endpoint(&self) -> IdentityEndpoint {
        self.endpoint
    }

    /// The access key id (20 characters, starting with `DBSSTMP`; new for every fetch).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret key.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The security token (`X-Security-Token`).
    pub fn security_token(&self) -> &str {
        &self.security_token
    }

    /// When they expire (on the mock's clock; whole microseconds, as written in the answer).
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

impl fmt::Debug for IssuedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field("security_token", &"[REDACTED]")
            .field("expires_at", &format_expiry(self.expires_at))
            .finish()
    }
}
