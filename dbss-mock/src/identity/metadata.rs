//! The ECS metadata service: session tokens (`PUT /meta-data/latest/api/token` with
//! `X-Metadata-Token-Ttl-Seconds`) and the server's agency credentials
//! (`GET /openstack/latest/securitykey` with `X-Metadata-Token`), as [`MetadataMode`] says.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use serde_json::json;

use super::{
    BASE62, DEFAULT_LOCAL_CREDENTIAL_LIFETIME, IdentityEndpoint, MetadataMode, NO_AGENCY_MESSAGE,
    format_expiry, issue, json_answer, lock, random_text, text_answer, valid,
};
use crate::server::App;

/// The longest session a token may be asked for (6 hours, what the official SDK asks).
const MAX_TTL_SECONDS: u64 = 21_600;

pub(super) async fn token(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if let MetadataMode::NoTokenApi { status } = app.identity.config().metadata_mode {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND);
        return text_answer(status, status.canonical_reason().unwrap_or("Error"));
    }
    let ttl = headers
        .get("x-metadata-token-ttl-seconds")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ttl| (1..=MAX_TTL_SECONDS).contains(ttl));
    let Some(ttl) = ttl else {
        return text_answer(
            StatusCode::BAD_REQUEST,
            format!(
                "X-Metadata-Token-Ttl-Seconds must be a whole number of seconds from 1 to \
                 {MAX_TTL_SECONDS}"
            ),
        );
    };
    let token = random_text(&app, BASE62, 56);
    let until = app.clock.now() + Duration::from_secs(ttl);
    lock(&app.identity.sessions).push((token.clone(), until));
    text_answer(StatusCode::OK, token)
}

pub(super) async fn security_key(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let mode = app.identity.config().metadata_mode;
    let token = headers
        .get("x-metadata-token")
        .map(|v| v.to_str().unwrap_or_default());
    let token_ok = |token: &str| valid(&app.identity.sessions, token, app.clock.now());
    let allowed = match (mode, token) {
        (MetadataMode::NoAgency, _) => {
            return text_answer(StatusCode::UNAUTHORIZED, NO_AGENCY_MESSAGE);
        }
        (MetadataMode::NoTokenApi { .. }, _) | (MetadataMode::TokenOptional, None) => true,
        (MetadataMode::TokenRequired, None) => false,
        (_, Some(token)) => token_ok(token),
    };
    if !allowed {
        return text_answer(
            StatusCode::UNAUTHORIZED,
            "Unauthorized: the X-Metadata-Token is missing, unknown or expired; \
             get one with PUT /meta-data/latest/api/token",
        );
    }
    let issued = issue(
        &app,
        IdentityEndpoint::MetadataSecurityKey,
        DEFAULT_LOCAL_CREDENTIAL_LIFETIME,
    );
    json_answer(
        StatusCode::OK,
        &json!({"credential": {
            "access": issued.access_key_id,
            "secret": issued.secret_access_key,
            "securitytoken": issued.security_token,
            "expires_at": format_expiry(issued.expires_at),
        }}),
    )
}
