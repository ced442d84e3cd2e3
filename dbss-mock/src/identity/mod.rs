//! Loopback stand-ins of the identity services the official SDK's credential chain talks to,
//! served by the same server as DBSS (same base URL): STS `assume-with-oidc`, IAM's federated
//! id-token exchange, temporary security tokens and project listing, the ECS metadata service
//! and the CCE pod-identity agent. See the crate docs ("Identity stand-ins") for the contract.
//!
//! Every identity request goes through [`layer`]: it is read whole, recorded, counted, delayed
//! when a delay is set, and given the next fault made with [`FaultRule::at`](crate::FaultRule::at) for its endpoint.
//! DBSS authentication does not apply: each endpoint checks its own credentials (the IAM
//! project listing checks AK/SK signatures with the DBSS verifier, as IAM does).
//!
//! Every issued key is added to the DBSS authenticator with its expiry (`auth.rs`), so it signs
//! DBSS requests until the mock's clock reaches its expiry, then gets 401 "security token
//! expired".

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use http::request::Parts;
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use crate::auth::AccessKey;
use crate::server::App;
#[cfg(doc)]
use crate::server::{MockServer, MockServerBuilder};

mod api;
mod iam;
mod metadata;
mod pod;
mod sts;
mod types;

pub use types::{
    IdentityEndpoint, IssuedCredentials, MetadataMode, ParseIdentityEndpointError,
    ParseMetadataModeError, RecordedRequest,
};

/// The OIDC id token STS accepts unless told otherwise ([`MockServerBuilder::oidc_id_token`]).
/// A public test value.
pub const DEFAULT_OIDC_ID_TOKEN: &str =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImRic3MtbW9jayJ9.ZGJzcy1tb2NrLW9pZGMtaWQtdG9rZW4.c2lnbmF0dXJl";
/// The identity provider id IAM knows unless told otherwise
/// ([`MockServerBuilder::federated_id_token`]).
pub const DEFAULT_IDP_ID: &str = "dbss-mock-idp";
/// The id token of [`DEFAULT_IDP_ID`]. A public test value.
pub const DEFAULT_FEDERATED_ID_TOKEN: &str =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImRic3MtbW9jayJ9.ZGJzcy1tb2NrLWZlZGVyYXRlZC10b2tlbg.c2lnbmF0dXJl";
/// The `Authorization` value the pod-identity agent accepts unless told otherwise
/// ([`MockServerBuilder::pod_identity_token`]). A public test value.
pub const DEFAULT_POD_IDENTITY_TOKEN: &str = "dbss-mock-pod-identity-token";
/// The path of the pod-identity agent (fixed): `HC_CONTAINER_CREDENTIALS_FULL_URI` is
/// [`MockServer::pod_identity_uri`], the base URL followed by this.
pub const POD_IDENTITY_PATH: &str = "/pod-identity/credentials";
/// What the metadata service answers (401) in [`MetadataMode::NoAgency`]: the text the official
/// SDK looks for to tell "no agency" from "renew the session token".
pub const NO_AGENCY_MESSAGE: &str = "Please configure Cloud Service Agency first";
/// How long credentials from the metadata service and the pod-identity agent live unless
/// [`MockServerBuilder::identity_credential_lifetime`] says otherwise: 1 hour. (STS and IAM
/// honour the `duration_seconds` of the request.)
pub const DEFAULT_LOCAL_CREDENTIAL_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// The format of every expiry the stand-ins write: `%Y-%m-%dT%H:%M:%S.%fZ` (UTC, microseconds),
/// what the official SDK parses.
const EXPIRY_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// The identity settings of a builder (and, at run time, of the server).
#[derive(Clone)]
pub(crate) struct IdentityConfig {
    pub oidc_id_token: String,
    pub idp_id: String,
    pub federated_id_token: String,
    pub pod_token: String,
    pub metadata_mode: MetadataMode,
    /// Region → project ids; regions not listed have the mock's project.
    pub projects: Vec<(String, Vec<String>)>,
    pub lifetime: Option<Duration>,
    pub delay: Duration,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            oidc_id_token: DEFAULT_OIDC_ID_TOKEN.into(),
            idp_id: DEFAULT_IDP_ID.into(),
            federated_id_token: DEFAULT_FEDERATED_ID_TOKEN.into(),
            pod_token: DEFAULT_POD_IDENTITY_TOKEN.into(),
            metadata_mode: MetadataMode::default(),
            projects: Vec::new(),
            lifetime: None,
            delay: Duration::ZERO,
        }
    }
}

impl fmt::Debug for IdentityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityConfig")
            .field("oidc_id_token", &"[REDACTED]")
            .field("idp_id", &self.idp_id)
            .field("federated_id_token", &"[REDACTED]")
            .field("pod_token", &"[REDACTED]")
            .field("metadata_mode", &self.metadata_mode)
            .field("projects", &self.projects)
            .field("lifetime", &self.lifetime)
            .field("delay", &self.delay)
            .finish()
    }
}

/// A token with the instant it stops being accepted (mock clock).
type Expiring = (String, SystemTime);

/// The identity stand-ins' state.
pub(crate) struct Identity {
    config: Mutex<IdentityConfig>,
    calls: [AtomicU64; IdentityEndpoint::ALL.len()],
    recorded: Mutex<Vec<RecordedRequest>>,
    issued: Mutex<Vec<IssuedCredentials>>,
    /// Metadata session tokens.
    sessions: Mutex<Vec<Expiring>>,
    /// Unscoped IAM tokens from the id-token exchange.
    unscoped: Mutex<Vec<Expiring>>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("config", &*lock(&self.config))
            .field("calls", &self.calls)
            .field("issued", &lock(&self.issued).len())
            .finish_non_exhaustive()
    }
}

/// A lock that a panicking holder cannot poison for good (every change is a single push,
/// clear or assignment).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Identity {
    pub fn new(config: IdentityConfig) -> Self {
        Self {
            config: Mutex::new(config),
            calls: std::array::from_fn(|_| AtomicU64::new(0)),
            recorded: Mutex::default(),
            issued: Mutex::default(),
            sessions: Mutex::default(),
            unscoped: Mutex::default(),
        }
    }

    /// A copy of the current settings.
    fn config(&self) -> IdentityConfig {
        lock(&self.config).clone()
    }

    fn configure(&self, change: impl FnOnce(&mut IdentityConfig)) {
        change(&mut lock(&self.config));
    }

    pub fn reset_calls(&self) {
        for c in &self.calls {
            c.store(0, Ordering::SeqCst);
        }
    }

    fn record(&self, endpoint: IdentityEndpoint, parts: &Parts, body: &[u8]) {
        self.calls[endpoint.index()].fetch_add(1, Ordering::SeqCst);
        let request = RecordedRequest {
            endpoint,
            method: parts.method.to_string(),
            target: parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.to_vec(),
        };
        lock(&self.recorded).push(request);
    }
}

/// Whether `token` is in `list` and not expired at `now`.
fn valid(list: &Mutex<Vec<Expiring>>, token: &str, now: SystemTime) -> bool {
    lock(list).iter().any(|(t, until)| {
        now < *until && crate::auth::constant_time_eq(t.as_bytes(), token.as_bytes())
    })
}

/// The lifetime a request for temporary credentials asks for at `field` (`value`): `default`
/// when absent, else a whole number of seconds within `allowed`; the error names the field.
fn requested_duration(
    value: Option<&serde_json::Value>,
    field: &str,
    allowed: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<u64, String> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(default),
        Some(value) => value
            .as_u64()
            .filter(|d| allowed.contains(d))
            .ok_or_else(|| {
                format!(
                    "{field} must be a whole number from {} to {}",
                    allowed.start(),
                    allowed.end()
                )
            }),
    }
}

/// Formats an instant as the stand-ins write expiries (`2025-08-21T07:03:31.000000Z`).
pub(crate) fn format_expiry(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .map(|ts| ts.strftime(EXPIRY_FORMAT).to_string())
        .unwrap_or_default()
}

/// `t` without its sub-microsecond part, so that the written expiry is the one enforced.
fn whole_micros(t: SystemTime) -> SystemTime {
    t.duration_since(UNIX_EPOCH)
        .map(|d| {
            UNIX_EPOCH + Duration::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        })
        .unwrap_or(t)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const UPPER36: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// `len` pseudo-random characters of `alphabet` from the server's id generator.
fn random_text(app: &App, alphabet: &[u8], len: usize) -> String {
    let n = alphabet.len() as u64;
    let (mut word, mut left) = (0u64, 0);
    let mut out = String::with_capacity(len);
    while out.len() < len {
        if left == 0 {
            word = app.ids.next_u64();
            left = 8;
        }
        out.push(char::from(alphabet[(word % n) as usize]));
        word /= n;
        left -= 1;
    }
    out
}

/// Issues fresh temporary credentials living `lifetime` (unless the server's lifetime setting
/// overrides it) and makes the DBSS endpoints accept them until then.
fn issue(app: &App, endpoint: IdentityEndpoint, lifetime: Duration) -> IssuedCredentials {
    let lifetime = app.identity.config().lifetime.unwrap_or(lifetime);
    let expires_at = whole_micros(app.clock.now() + lifetime);
    let issued = IssuedCredentials {
        endpoint,
        access_key_id: format!("DBSSTMP{}", random_text(app, UPPER36, 13)),
        secret_access_key: random_text(app, BASE62, 40),
        security_token: format!("gQ{}", random_text(app, BASE62, 318)),
        expires_at,
    };
    app.auth.issue(AccessKey {
        ak: issued.access_key_id.clone(),
        sk: issued.secret_access_key.clone(),
        security_token: Some(issued.security_token.clone()),
        expires_at: Some(expires_at),
    });
    tracing::info!(%endpoint, access_key_id = %issued.access_key_id,
        expires_at = %format_expiry(expires_at), "temporary credentials issued");
    lock(&app.identity.issued).push(issued.clone());
    issued
}

/// A JSON answer.
fn json_answer(status: StatusCode, value: &Value) -> Response {
    (status, axum::Json(value)).into_response()
}

/// The error shape of STS v5, the API gateway and the pod-identity agent:
/// `{"error_code": .., "error_msg": ..}`.
fn coded_error(status: StatusCode, code: &str, msg: impl Into<String>) -> Response {
    json_answer(
        status,
        &json!({"error_code": code, "error_msg": msg.into()}),
    )
}

/// IAM's Keystone error shape: `{"error": {"code": 401, "message": .., "title": ..}}`.
fn keystone_error(status: StatusCode, msg: impl Into<String>) -> Response {
    json_answer(
        status,
        &json!({"error": {
            "code": status.as_u16(),
            "message": msg.into(),
            "title": status.canonical_reason().unwrap_or("Error"),
        }}),
    )
}

/// A plain-text answer (the metadata service's).
fn text_answer(status: StatusCode, text: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"))],
        text.into(),
    )
        .into_response()
}

/// The body as a JSON object, or why not.
fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the request body must be a JSON object".into()),
        Err(e) => Err(format!("the request body is not valid JSON: {e}")),
    }
}

/// The routes of the identity stand-ins, each behind [`layer`].
pub(crate) fn router(app: &Arc<App>) -> Router<Arc<App>> {
    let mut router = Router::new();
    for endpoint in IdentityEndpoint::ALL {
        let handler: MethodRouter<Arc<App>> = match endpoint {
            IdentityEndpoint::StsAssumeWithOidc => post(sts::assume_with_oidc),
            IdentityEndpoint::IamIdToken => post(iam::id_token),
            IdentityEndpoint::IamSecurityToken => post(iam::security_token),
            IdentityEndpoint::IamProjects => get(iam::projects),
            IdentityEndpoint::MetadataToken => put(metadata::token),
            IdentityEndpoint::MetadataSecurityKey => get(metadata::security_key),
            IdentityEndpoint::PodIdentity => post(pod::credentials),
        };
        router = router.route(
            endpoint.path(),
            handler.route_layer(middleware::from_fn_with_state(
                (app.clone(), endpoint),
                layer,
            )),
        );
    }
    router
}

/// What every identity request goes through before its handler: read, record and count it,
/// wait the configured delay, then apply the next fault for its endpoint, if any.
async fn layer(
    State((app, endpoint)): State<(Arc<App>, IdentityEndpoint)>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, crate::pipeline::MAX_REQUEST_BODY).await else {
        return text_answer(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the request body is too large or could not be read",
        );
    };
    app.identity.record(endpoint, &parts, &body);
    let delay = app.identity.config().delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let req = Request::from_parts(parts, Body::from(body));
    match app.faults.take_identity(endpoint) {
        None => next.run(req).await,
        Some(fault) => {
            tracing::info!(%endpoint, ?fault, "injecting fault");
            crate::pipeline::apply_fault(&app, fault, req, |req| next.run(req)).await
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_and_modes_round_trip() {
        for endpoint in IdentityEndpoint::ALL {
            assert_eq!(endpoint.name().parse::<IdentityEndpoint>(), Ok(endpoint));
        }
        assert!("nowhere".parse::<IdentityEndpoint>().is_err());
        for mode in [
            MetadataMode::TokenRequired,
            MetadataMode::TokenOptional,
            MetadataMode::NoTokenApi { status: 405 },
            MetadataMode::NoAgency,
        ] {
            assert_eq!(mode.to_string().parse::<MetadataMode>(), Ok(mode));
        }
        assert_eq!(
            "no-token-api".parse::<MetadataMode>(),
            Ok(MetadataMode::NoTokenApi { status: 404 })
        );
        for bad in [
            "",
            "tokens",
            "no-token-api=",
            "no-token-api=42",
            "no-token-api=x",
        ] {
            assert!(bad.parse::<MetadataMode>().is_err(), "{bad}");
        }
    }

    #[test]
    fn expiries_are_written_as_the_sdk_parses_them() {
        let t = UNIX_EPOCH + Duration::from_nanos(1_755_759_811_123_456_789);
        assert_eq!(
            format_expiry(whole_micros(t)),
            "2025-08-21T07:03:31.123456Z"
        );
        assert_eq!(
            format_expiry(UNIX_EPOCH + Duration::from_secs(1_755_759_811)),
            "2025-08-21T07:03:31.000000Z"
        );
    }
}
