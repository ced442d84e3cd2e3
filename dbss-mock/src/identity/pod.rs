//! The CCE pod-identity agent: `POST /pod-identity/credentials` with
//! `Authorization: <the pod's token>` and the JSON body `{}` gives the pod's temporary
//! credentials in the camelCase shape.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};

use super::{
    DEFAULT_LOCAL_CREDENTIAL_LIFETIME, IdentityEndpoint, coded_error, format_expiry, issue,
    json_answer,
};
use crate::codes;
use crate::server::App;

pub(super) async fn credentials(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let unauthorized = |msg: &str| {
        coded_error(
            StatusCode::UNAUTHORIZED,
            codes::POD_IDENTITY_UNAUTHORIZED,
            msg,
        )
    };
    let Some(sent) = headers.get(header::AUTHORIZATION) else {
        return unauthorized("the Authorization header (the pod's identity token) is missing");
    };
    let expected = app.identity.config().pod_token;
    if !crate::auth::constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        return unauthorized("the pod's identity token is invalid or expired");
    }
    if !body.is_empty() && serde_json::from_slice::<Value>(&body).is_err() {
        return coded_error(
            StatusCode::BAD_REQUEST,
            codes::POD_IDENTITY_INVALID,
            "the request body must be JSON ({})",
        );
    }
    let issued = issue(
        &app,
        IdentityEndpoint::PodIdentity,
        DEFAULT_LOCAL_CREDENTIAL_LIFETIME,
    );
    json_answer(
        StatusCode::OK,
        &json!({
            "accessKeyId": issued.access_key_id,
            "secretAccessKey": issued.secret_access_key,
            "securityToken": issued.security_token,
            "expiration": format_expiry(issued.expires_at),
        }),
    )
}
