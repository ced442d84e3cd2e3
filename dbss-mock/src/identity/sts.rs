//! STS `POST /v5/agencies/assume-with-oidc`: an OIDC id token for temporary credentials of an
//! agency. Unsigned; the body is `{provider_urn, agency_urn, agency_session_name, id_token,
//! duration_seconds[, policy][, policy_ids]}` as the official `OidcStsAccessor` sends it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Map, Value, json};

use super::{IdentityEndpoint, coded_error, format_expiry, issue, json_answer, json_object};
use crate::codes;
use crate::server::App;

/// STS's range for `duration_seconds` (15 minutes to the 12-hour maximum an agency can allow).
const DURATIONS: std::ops::RangeInclusive<u64> = 900..=43_200;
/// STS's default when `duration_seconds` is absent.
const DEFAULT_DURATION: u64 = 3600;

fn invalid(msg: impl Into<String>) -> Box<Response> {
    Box::new(coded_error(
        StatusCode::BAD_REQUEST,
        codes::STS_INVALID_PARAMETER,
        msg,
    ))
}

/// A required non-empty string field.
fn string<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, Box<Response>> {
    match body.get(name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        None | Some(Value::Null) | Some(Value::String(_)) => {
            Err(invalid(format!("{name} is required")))
        }
        Some(_) => Err(invalid(format!("{name} must be a string"))),
    }
}

fn urn(body: &Map<String, Value>, name: &str, kind: &str) -> Result<String, Box<Response>> {
    let value = string(body, name)?;
    if !value.starts_with("urn:") || !value.contains(&format!(":{kind}:")) {
        return Err(invalid(format!(
            "{name} must be a URN such as urn:iam::ACCOUNT_ID:{kind}:NAME"
        )));
    }
    Ok(value.to_owned())
}

pub(super) async fn assume_with_oidc(State(app): State<Arc<App>>, body: Bytes) -> Response {
    answer(&app, &body).unwrap_or_else(|error| *error)
}

fn answer(app: &App, body: &[u8]) -> Result<Response, Box<Response>> {
    let body = json_object(body).map_err(invalid)?;
    let _provider = urn(&body, "provider_urn", "identity-provider")?;
    let agency = urn(&body, "agency_urn", "agency")?;
    let session = string(&body, "agency_session_name")?;
    let session_ok = (2..=64).contains(&session.chars().count())
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if !session_ok {
        return Err(invalid(
            "agency_session_name must be 2 to 64 characters of letters, digits and _+=,.@-",
        ));
    }
    let id_token = string(&body, "id_token")?;
    let duration = super::requested_duration(
        body.get("duration_seconds"),
        "duration_seconds",
        DURATIONS,
        DEFAULT_DURATION,
    )
    .map_err(invalid)?;
    match body.get("policy") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(_) => return Err(invalid("policy must be a string (a JSON policy document)")),
    }
    match body.get("policy_ids") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ids)) if ids.iter().all(Value::is_string) && ids.len() <= 10 => {}
        Some(_) => return Err(invalid("policy_ids must be a list of at most 10 strings")),
    }
    let expected = app.identity.config().oidc_id_token;
    if !crate::auth::constant_time_eq(id_token.as_bytes(), expected.as_bytes()) {
        return Err(Box::new(coded_error(
            StatusCode::UNAUTHORIZED,
            codes::STS_INVALID_ID_TOKEN,
            "the id token is invalid, expired, or not issued by this identity provider",
        )));
    }

    let issued = issue(
        app,
        IdentityEndpoint::StsAssumeWithOidc,
        Duration::from_secs(duration),
    );
    Ok(json_answer(
        StatusCode::OK,
        &json!({
            "credentials": {
                "access_key_id": issued.access_key_id,
                "secret_access_key": issued.secret_access_key,
                "security_token": issued.security_token,
                "expiration": format_expiry(issued.expires_at),
            },
            "assumed_agency": {
                "agency_session_id": format!("dbss-mock-agency:{session}"),
                "urn": format!("{agency}:{session}"),
            },
        }),
    ))
}
