//! IAM: the federated id-token exchange (`POST /v3.0/OS-AUTH/id-token/tokens`, header
//! `X-Idp-Id`, an unscoped token in `X-Subject-Token`), temporary credentials for a token
//! (`POST /v3.0/OS-CREDENTIAL/securitytokens`) and the project list
//! (`GET /v3/projects?name=<region>`, signed with AK/SK and checked by the DBSS verifier).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{Value, json};

use super::{
    BASE62, IdentityEndpoint, format_expiry, issue, json_answer, json_object, keystone_error, lock,
    random_text, valid,
};
use crate::server::App;

/// How long an unscoped token from the id-token exchange is accepted (IAM tokens live 24 h).
const UNSCOPED_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// IAM's range for the `duration_seconds` of temporary credentials, and its default.
const DURATIONS: std::ops::RangeInclusive<u64> = 900..=86_400;
const DEFAULT_DURATION: u64 = 900;
/// The account (domain) every project of the mock belongs to.
const DOMAIN_ID: &str = "d0a1b2c3d4e5f60718293a4b5c6d7e8f";
/// The name of the mock's project in a listing without `name`.
const LISTED_REGION: &str = "cn-north-4";

fn invalid(msg: impl Into<String>) -> Box<Response> {
    Box::new(keystone_error(StatusCode::BAD_REQUEST, msg))
}

pub(super) async fn id_token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    exchange(&app, &headers, &body).unwrap_or_else(|error| *error)
}

fn exchange(app: &App, headers: &HeaderMap, body: &[u8]) -> Result<Response, Box<Response>> {
    let idp = headers
        .get("x-idp-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| invalid("the X-Idp-Id header is required"))?;
    let body = Value::Object(json_object(body).map_err(invalid)?);
    let id_token = body
        .pointer("/auth/id_token/id")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("auth.id_token.id is required"))?;
    let config = app.identity.config();
    if idp != config.idp_id {
        return Err(Box::new(keystone_error(
            StatusCode::NOT_FOUND,
            format!("the identity provider {idp:?} does not exist"),
        )));
    }
    if !crate::auth::constant_time_eq(id_token.as_bytes(), config.federated_id_token.as_bytes()) {
        return Err(Box::new(keystone_error(
            StatusCode::UNAUTHORIZED,
            "the id token is invalid or expired",
        )));
    }

    let now = app.clock.now();
    let expires_at = now + UNSCOPED_TOKEN_LIFETIME;
    let token = format!("MIIfed{}", random_text(app, BASE62, 122));
    lock(&app.identity.unscoped).push((token.clone(), expires_at));
    tracing::info!(idp_id = %idp, "unscoped token issued for a federated id token");
    let mut answer = json_answer(
        StatusCode::CREATED,
        &json!({"token": {
            "expires_at": format_expiry(expires_at),
            "issued_at": format_expiry(now),
            "methods": ["mapped"],
            "user": {
                "id": "dbssmockfederateduser0000000001",
                "name": "dbss-mock-federated-user",
                "domain": {"id": DOMAIN_ID, "name": "dbss-mock"},
                "OS-FEDERATION": {
                    "identity_provider": {"id": idp},
                    "protocol": {"id": "oidc"},
                    "groups": [],
                },
            },
        }}),
    );
    if let Ok(value) = HeaderValue::from_str(&token) {
        answer.headers_mut().insert("x-subject-token", value);
    }
    Ok(answer)
}

pub(super) async fn security_token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    credentials_for_token(&app, &headers, &body).unwrap_or_else(|error| *error)
}

fn credentials_for_token(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Box<Response>> {
    let body = Value::Object(json_object(body).map_err(invalid)?);
    let token_method = body
        .pointer("/auth/identity/methods")
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|m| m == "token"));
    if !token_method {
        return Err(invalid(r#"auth.identity.methods must be ["token"]"#));
    }
    let token = body
        .pointer("/auth/identity/token/id")
        .and_then(Value::as_str)
        .or_else(|| headers.get("x-auth-token").and_then(|v| v.to_str().ok()))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("auth.identity.token.id (or an X-Auth-Token header) is required"))?;
    let duration = super::requested_duration(
        body.pointer("/auth/identity/token/duration_seconds"),
        "auth.identity.token.duration_seconds",
        DURATIONS,
        DEFAULT_DURATION,
    )
    .map_err(invalid)?;
    let now = app.clock.now();
    let known = valid(&app.identity.unscoped, token, now)
        || app
            .auth
            .tokens
            .iter()
            .any(|t| crate::auth::constant_time_eq(t.as_bytes(), token.as_bytes()));
    if !known {
        return Err(Box::new(keystone_error(
            StatusCode::UNAUTHORIZED,
            "The request you have made requires authentication: the token is invalid or expired",
        )));
    }
    let issued = issue(
        app,
        IdentityEndpoint::IamSecurityToken,
        Duration::from_secs(duration),
    );
    Ok(json_answer(
        StatusCode::CREATED,
        &json!({"credential": {
            "access": issued.access_key_id,
            "secret": issued.secret_access_key,
            "securitytoken": issued.security_token,
            "expires_at": format_expiry(issued.expires_at),
        }}),
    ))
}

pub(super) async fn projects(State(app): State<Arc<App>>, parts: Parts, body: Bytes) -> Response {
    if let Err(error) = app.auth.check(&parts, &body, app.clock.now()) {
        return error.into_response();
    }
    let query = crate::validate::parse_query(parts.uri.query().unwrap_or_default());
    let name = query
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.as_str());
    let config = app.identity.config();
    let mut listed: Vec<(String, String)> = Vec::new();
    match name {
        Some(region) => {
            let ids = config
                .projects
                .iter()
                .find(|(r, _)| r == region)
                .map_or_else(|| vec![app.project_id.clone()], |(_, ids)| ids.clone());
            listed.extend(ids.into_iter().map(|id| (region.to_owned(), id)));
        }
        None => {
            for (region, ids) in &config.projects {
                listed.extend(ids.iter().map(|id| (region.clone(), id.clone())));
            }
            if !config.projects.iter().any(|(r, _)| r == LISTED_REGION) {
                listed.push((LISTED_REGION.to_owned(), app.project_id.clone()));
            }
        }
    }
    let base = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(String::new, |host| format!("http://{host}"));
    let projects: Vec<Value> = listed
        .into_iter()
        .map(|(region, id)| {
            json!({
                "id": id,
                "name": region,
                "domain_id": DOMAIN_ID,
                "parent_id": DOMAIN_ID,
                "is_domain": false,
                "enabled": true,
                "description": "",
                "links": {"self": format!("{base}/v3/projects/{id}")},
            })
        })
        .collect();
    let target = parts
        .uri
        .path_and_query()
        .map_or("/v3/projects", |p| p.as_str());
    json_answer(
        StatusCode::OK,
        &json!({
            "links": {"self": format!("{base}{target}"), "previous": null, "next": null},
            "projects": projects,
        }),
    )
}
