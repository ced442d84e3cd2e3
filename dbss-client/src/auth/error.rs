//! Why credentials could not be found, obtained or used.
//!
//! No variant holds a secret: IAM errors carry what IAM said (status, code, message, request
//! id), never the request that was sent; signing errors name a header, never its value.

use std::fmt;
use std::path::PathBuf;

use super::chain::CredentialSource;

/// Why credentials could not be found, obtained or used. Nothing was sent to DBSS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// No source had credentials. `tried` lists each source and why it had none.
    #[error("no credentials found; tried: {}", tried.join("; "))]
    NotFound {
        /// One entry per source, in the order they were tried, e.g.
        /// `profile file /home/u/.huaweicloud/credentials: not found`.
        tried: Vec<String>,
    },
    /// A source holds part of a set of credentials (an AK without its SK, ...). This is an
    /// error rather than a reason to look further, so a typo is not silently replaced by other
    /// credentials.
    #[error("incomplete credentials in {found_in}: {present} is set without {missing}")]
    Incomplete {
        /// Where.
        found_in: CredentialSource,
        /// What is set, e.g. `HUAWEICLOUD_SDK_AK`.
        present: String,
        /// What is missing, e.g. `HUAWEICLOUD_SDK_SK`.
        missing: String,
    },
    /// The profile file could not be read.
    #[error("cannot read credentials file {}: {source}", path.display())]
    ProfileFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The profile file is not valid INI.
    #[error("credentials file {}, line {line}: {reason}", path.display())]
    ProfileSyntax {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// Password credentials need a project id: the IAM token is scoped to a project.
    #[error("password credentials need a project id to scope the IAM token to")]
    NoProjectId,
    /// No IAM endpoint is configured, so no token can be obtained.
    #[error(
        "no IAM endpoint configured: set a region, an IAM endpoint, or HUAWEICLOUD_SDK_IAM_ENDPOINT"
    )]
    NoIamEndpoint,
    /// The IAM endpoint is not a usable URL.
    #[error("invalid IAM endpoint {endpoint:?}: {reason}")]
    InvalidIamEndpoint {
        /// The endpoint.
        endpoint: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The token request did not get an HTTP response (connection, TLS, timeout...).
    #[error("IAM token request to {endpoint} failed: {source}")]
    IamTransport {
        /// The IAM endpoint.
        endpoint: String,
        /// What the HTTP client said.
        #[source]
        source: crate::HttpError,
    },
    /// IAM answered the token request with an error status.
    #[error("IAM refused the token request: {0}")]
    IamRejected(IamErrorResponse),
    /// IAM answered with a success status but the token or its expiry is missing or unreadable.
    #[error("unusable IAM token response: {reason}{}", RequestId(request_id.as_deref()))]
    IamInvalidResponse {
        /// What is wrong.
        reason: &'static str,
        /// The `X-Request-Id` of the response.
        request_id: Option<String>,
    },
    /// A value cannot be sent as an HTTP header (e.g. a token containing a line break), or a
    /// header of the request is not UTF-8. The value is not kept.
    #[error("the value of header {name} is not a valid header value")]
    InvalidHeaderValue {
        /// The header's name.
        name: String,
    },
    /// The request body is a stream, whose bytes cannot be hashed before sending.
    #[error("cannot sign a request with a streaming body; buffer the body first")]
    StreamingBody,
    /// The signing time cannot be expressed as an `X-Sdk-Date` (a clock before 1970).
    #[error("cannot sign: {0}")]
    SigningTime(#[from] dbss_signer::TimeError),
    /// The request cannot be signed.
    #[error("cannot sign the request: {0}")]
    Signing(#[from] dbss_signer::SignError),
    /// The signed URL could not be put back into the request.
    #[error("the signed URL is not valid: {0}")]
    SignedUrl(#[source] url::ParseError),
    /// A source of temporary credentials (OIDC, federated id token, ECS metadata, CCE pod
    /// identity) is configured but could not give credentials, or could not renew them before
    /// the ones in hand expire.
    #[error("{from}: {failure}")]
    Source {
        /// Which source.
        from: CredentialSource,
        /// What went wrong (boxed: it is rare, and keeps every `Result` small).
        failure: Box<SourceFailure>,
    },
    /// No project id was given and none could be discovered for the region.
    #[error("cannot discover the project id of region {region}: {reason}")]
    ProjectDiscovery {
        /// The region.
        region: String,
        /// Why: no project, several projects, IAM refused, ...
        reason: String,
    },
}

/// Why a source of temporary credentials failed. Holds what the service answered, never a
/// secret (id tokens and authorization tokens are removed from echoed messages).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceFailure {
    /// The source is configured wrongly: a variable missing or malformed, an endpoint refused.
    #[error("{0}")]
    Config(String),
    /// A file the source reads (an id token, an authorization token) cannot be read or is empty.
    #[error("cannot read {}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why (the I/O error, or "it is empty").
        reason: String,
    },
    /// The request got no HTTP answer (connection refused, timeout, TLS...).
    #[error("request to {url} failed: {reason}")]
    Transport {
        /// Where the request went.
        url: String,
        /// What the HTTP client said, with its causes.
        reason: String,
    },
    /// The service answered with an error status.
    #[error("{url} answered {answer}")]
    Rejected {
        /// Where the request went.
        url: String,
        /// What the service said.
        answer: IamErrorResponse,
    },
    /// The service answered with success but no usable credentials.
    #[error("unusable answer from {url}: {reason}{}", RequestId(request_id.as_deref()))]
    InvalidAnswer {
        /// Where the request went.
        url: String,
        /// What is wrong.
        reason: &'static str,
        /// The answer's request id, if any.
        request_id: Option<String>,
    },
}

/// IAM's answer to a failed token request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IamErrorResponse {
    /// The HTTP status.
    pub status: u16,
    /// IAM's error code, e.g. `IAM.0004` or `401`, when the body had one.
    pub code: Option<String>,
    /// IAM's error message, when the body had one.
    pub message: Option<String>,
    /// The `X-Request-Id` of the response, to quote to support.
    pub request_id: Option<String>,
}

impl fmt::Display for IamErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, ", {c}: {m}")?,
            (Some(c), None) => write!(f, ", {c}")?,
            (None, Some(m)) => write!(f, ", {m}")?,
            (None, None) => {}
        }
        RequestId(self.request_id.as_deref()).fmt(f)
    }
}

/// ` (request id X)` or nothing.
struct RequestId<'a>(Option<&'a str>);

impl fmt::Display for RequestId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}
