//! A federated identity provider's id token exchanged at IAM, as the official
//! `FederalAccessor` does: `POST {iam}/v3.0/OS-AUTH/id-token/tokens` (header `X-Idp-Id`) gives
//! an unscoped token in `X-Subject-Token`; `POST {iam}/v3.0/OS-CREDENTIAL/securitytokens` turns
//! it into temporary credentials valid 6 hours.

use std::path::PathBuf;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::ExposeSecret;
use serde::Serialize;

use super::{
    FetchContext, Fetched, Reach, parse_credentials, read_token_file, send, service_url, var,
};
use crate::auth::error::SourceFailure;

/// `HUAWEICLOUD_SDK_IDP_ID`: the identity provider's id.
pub const ENV_IDP_ID: &str = "HUAWEICLOUD_SDK_IDP_ID";
/// `HUAWEICLOUD_SDK_ID_TOKEN_FILE`: a file holding the id token (read again on every refresh).
pub const ENV_ID_TOKEN_FILE: &str = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";

/// How long the temporary credentials live (the official SDK's 6 hours).
const DURATION_SECONDS: u32 = 6 * 60 * 60;

/// Federated settings: the identity provider id, the id token file and the IAM endpoint.
#[derive(Clone, Debug)]
pub struct FederatedConfig {
    idp_id: String,
    id_token_file: PathBuf,
    iam_endpoint: Option<String>,
}

impl FederatedConfig {
    /// With the identity provider `idp_id` and the file holding its id token.
    pub fn new(idp_id: impl Into<String>, id_token_file: impl Into<PathBuf>) -> Self {
        Self {
            idp_id: idp_id.into(),
            id_token_file: id_token_file.into(),
            iam_endpoint: None,
        }
    }

    /// The IAM endpoint (default: `HUAWEICLOUD_SDK_IAM_ENDPOINT`, else the client region's).
    pub fn with_iam_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.iam_endpoint = Some(endpoint.into());
        self
    }

    /// The identity provider id.
    pub fn idp_id(&self) -> &str {
        &self.idp_id
    }
}

#[derive(Serialize)]
struct IdTokenAuth<'a> {
    auth: IdTokenInner<'a>,
}
#[derive(Serialize)]
struct IdTokenInner<'a> {
    id_token: Id<'a>,
}
#[derive(Serialize)]
struct Id<'a> {
    id: &'a str,
}

#[derive(Serialize)]
struct TokenAuth<'a> {
    auth: TokenIdentityOuter<'a>,
}
#[derive(Serialize)]
struct TokenIdentityOuter<'a> {
    identity: TokenIdentity<'a>,
}
#[derive(Serialize)]
struct TokenIdentity<'a> {
    methods: [&'a str; 1],
    token: TokenRef<'a>,
}
#[derive(Serialize)]
struct TokenRef<'a> {
    id: &'a str,
    duration_seconds: u32,
}

const JSON_UTF8: HeaderValue = HeaderValue::from_static("application/json;charset=UTF-8");

pub(super) async fn fetch(
    config: &FederatedConfig,
    ctx: &FetchContext,
) -> Result<Fetched, SourceFailure> {
    let endpoint = config
        .iam_endpoint
        .clone()
        .or_else(|| crate::auth::iam::iam_endpoint(ctx.region.as_deref(), &*ctx.env))
        .unwrap_or_else(|| crate::auth::iam::GLOBAL_IAM_ENDPOINT.to_owned());
    let endpoint = endpoint.trim_end_matches('/');
    let reach = Reach::Remote {
        allow_insecure_http: ctx.allow_insecure_http,
    };
    let id_token = read_token_file(&config.id_token_file)?;
    let serialise = |e: serde_json::Error| {
        SourceFailure::Config(format!("cannot serialise the IAM request: {e}"))
    };

    let url = service_url(&format!("{endpoint}/v3.0/OS-AUTH/id-token/tokens"), reach)?;
    let idp = HeaderValue::from_str(&config.idp_id)
        .map_err(|_| SourceFailure::Config(format!("{ENV_IDP_ID} is not a valid header value")))?;
    let body = super::python_json(&IdTokenAuth {
        auth: IdTokenInner {
            id_token: Id {
                id: id_token.expose_secret(),
            },
        },
    })
    .map_err(serialise)?;
    tracing::debug!(url = %super::shown_url(&url), idp_id = %config.idp_id, "exchanging a federated id token at IAM");
    let request = ctx
        .http
        .post(url.clone())
        .header("X-Idp-Id", idp)
        .header(CONTENT_TYPE, JSON_UTF8)
        .body(body);
    let answer = send(&ctx.http, request, &url).await?;
    if !(200..300).contains(&answer.status) {
        return Err(answer.rejected(&url, &[id_token.expose_secret()]));
    }
    let token = answer
        .headers
        .get("x-subject-token")
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty())
        .map(|t| secrecy::SecretString::from(t.to_owned()))
        .ok_or_else(|| SourceFailure::InvalidAnswer {
            url: super::shown_url(&url),
            reason: "no X-Subject-Token header",
            request_id: answer.request_id(),
        })?;

    let url = service_url(
        &format!("{endpoint}/v3.0/OS-CREDENTIAL/securitytokens"),
        reach,
    )?;
    let body = super::python_json(&TokenAuth {
        auth: TokenIdentityOuter {
            identity: TokenIdentity {
                methods: ["token"],
                token: TokenRef {
                    id: token.expose_secret(),
                    duration_seconds: DURATION_SECONDS,
                },
            },
        },
    })
    .map_err(serialise)?;
    let request = ctx
        .http
        .post(url.clone())
        .header(CONTENT_TYPE, JSON_UTF8)
        .body(body);
    let answer = send(&ctx.http, request, &url).await?;
    if !(200..300).contains(&answer.status) {
        return Err(answer.rejected(&url, &[token.expose_secret(), id_token.expose_secret()]));
    }
    parse_credentials(&answer, &url)
}

/// The federated settings in `HUAWEICLOUD_SDK_IDP_ID` + `HUAWEICLOUD_SDK_ID_TOKEN_FILE`, if
/// both are set.
pub(crate) fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Option<FederatedConfig> {
    Some(FederatedConfig::new(
        var(env, ENV_IDP_ID)?,
        var(env, ENV_ID_TOKEN_FILE)?,
    ))
}
