//! What happens to every request before a handler sees it.
//!
//! ```text
//! connection layer (server.rs)   one hyper connection per TCP connection; can reset it
//!   request_id                   X-Request-Id on every response; a log line per request
//!     routing (routes.rs)        unknown method/path → 404 APIGW.0101
//!       identity::layer          identity stand-ins only (not DBSS auth): record, count,
//!                                delay, faults made with FaultRule::at; each checks its own
//!                                credentials (identity/*.rs)
//!       pipeline(op)             1. count the request for its operation
//!                                   throttle (throttle.rs)              → 429
//!                                2. take the next matching fault, if any, and apply it
//!                                3. read the body (≤ 1 MiB)
//!                                4. authenticate (token or AK/SK)        → 401
//!                                5. validate path, query, body           → 400
//!                                6. the project_id must be the mock's    → 403
//!         handler                state changes and the answer
//! ```
//!
//! The order matches the real service: faults model the network and the gateway, which act
//! before anything else; the gateway authenticates before the service validates.

use std::future::pending;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body::Body as _;
use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::body::{Break, Broken, Generated};
use crate::codes;
use crate::conn::ConnControl;
use crate::content::Garbage;
use crate::error::ApiError;
use crate::faults::{Fault, ResetPoint};
use crate::journal::{AuthVerdict, JournalEntry};
use crate::ops::Operation;
use crate::server::App;
use crate::validate::parse_query;

/// The largest request body the mock reads (the API's bodies are a few hundred bytes).
pub(crate) const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// The most a [`Fault::TruncatedJson`] reads of the real answer before cutting it.
const MAX_TRUNCATED: u64 = 1024 * 1024;

/// The checked parameters and body of a request, for its handler (a request extension).
#[derive(Debug, Clone)]
pub(crate) struct Validated(Arc<ValidatedInner>);

#[derive(Debug)]
struct ValidatedInner {
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Value,
}

impl Validated {
    /// A path parameter (always present once routed and validated).
    pub fn path(&self, name: &str) -> &str {
        self.0
            .path
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// A query parameter, if given.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.0
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`null` when there is none).
    pub fn body_json(&self) -> &Value {
        &self.0.body
    }

    /// The body, decoded into the operation's request type. Validation already checked it
    /// against the schema the type was generated from, so a failure here means the two
    /// disagree; it is still a 400, never a panic.
    pub fn body<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        T::deserialize(&self.0.body).map_err(|e| ApiError::invalid(format!("request body: {e}")))
    }
}

/// Outermost layer: gives every response a unique `X-Request-Id` and logs the request.
pub(crate) async fn request_id(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let id = app.ids.request_id();
    app.counters.record_any();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut response = next.run(req).await;
    tracing::info!(request_id = %id, %method, %path, status = response.status().as_u16(), "request");
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The per-operation pipeline (see the module docs). Installed with `route_layer`, so it runs
/// only for requests that matched the route of an operation.
pub(crate) async fn pipeline(
    State((app, op)): State<(Arc<App>, Operation)>,
    req: Request,
    next: Next,
) -> Response {
    app.counters.record(op);
    // Journalled before anything can hang or reset the connection: such a request stays in
    // the journal with status 0.
    let entry = app.journal.push(JournalEntry {
        operation: op.operation_id().to_owned(),
        method: req.method().to_string(),
        path: req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), ToString::to_string),
        body: Value::Null,
        auth: AuthVerdict::NotChecked,
        status: 0,
        fault: None,
    });
    let response = if !app.throttle.admit() {
        ApiError::for_status(StatusCode::TOO_MANY_REQUESTS).into_response()
    } else if let Some(fault) = app.faults.take(op) {
        tracing::info!(operation = %op, ?fault, "injecting fault");
        let text = fault.to_string();
        app.journal.update(entry, |e| e.fault = Some(text));
        apply_fault(&app, fault, req, |req| process(&app, op, req, next, entry)).await
    } else {
        process(&app, op, req, next, entry).await
    };
    let status = response.status().as_u16();
    app.journal.update(entry, |e| e.status = status);
    response
}

/// Answers `req` as `fault` says; `process` is the normal handling (called at most once, for
/// the faults that let the request take effect). Shared by the DBSS pipeline and the identity
/// stand-ins.
pub(crate) async fn apply_fault<F, Fut>(
    app: &App,
    fault: Fault,
    req: Request,
    process: F,
) -> Response
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let conn = req.extensions().get::<ConnControl>().cloned();
    match fault {
        Fault::Status {
            status,
            retry_after,
            error_code,
            error_msg,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut error = ApiError::for_status(status);
            if let Some(code) = error_code {
                error.code = code;
            }
            if let Some(msg) = error_msg {
                error.msg = msg;
            }
            error.retry_after = retry_after;
            error.into_response()
        }
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            process(req).await
        }
        Fault::Hang => pending().await,
        Fault::Reset(point) => {
            match point {
                ResetPoint::HeadersRead => {}
                ResetPoint::RequestRead => {
                    let _ = axum::body::to_bytes(req.into_body(), MAX_REQUEST_BODY).await;
                }
                ResetPoint::AfterProcessing => {
                    // The answer is made (and the state changed), then thrown away.
                    let _ = process(req).await;
                }
            }
            reset(conn).await
        }
        Fault::StallBody => process(req)
            .await
            .map(|body| Broken::halfway(body, Break::Stall)),
        Fault::CloseMidBody => process(req)
            .await
            .map(|body| Broken::halfway(body, Break::Close)),
        Fault::TruncatedJson => truncate(process(req).await).await,
        Fault::Garbage { status, len } => {
            let garbage = Garbage::new(len, app.ids.next_u64());
            response(status, "application/json", Generated::body(garbage, len))
        }
        Fault::Html { status } => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let title = format!(
                "{} {}",
                code.as_u16(),
                code.canonical_reason().unwrap_or("Error")
            );
            let page = format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n\
                 <center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n\
                 </body>\r\n</html>\r\n"
            );
            response(status, "text/html", Body::from(page))
        }
        Fault::EmptyOk => response(200, "application/json", Body::empty()),
        Fault::UnknownResult => response(
            200,
            "application/json",
            Body::from(json!({"result": "queued", "status": "QUEUED"}).to_string()),
        ),
        Fault::Reply {
            status,
            content_type,
            body,
        } => {
            let mut answer = response(status, "text/plain", Body::from(body));
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                answer.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            answer
        }
    }
}

/// Asks the connection layer to reset the connection, then waits to be dropped with it.
async fn reset(conn: Option<ConnControl>) -> Response {
    match conn {
        Some(conn) => {
            conn.reset();
            pending().await
        }
        // Only reachable if the router is served by something other than the connection layer.
        None => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL_ERROR,
            "connection reset requested but the connection cannot be reset",
        )
        .into_response(),
    }
}

fn response(status: u16, content_type: &'static str, body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A 200 with the first half of the answer's body (at most [`MAX_TRUNCATED`] bytes read).
async fn truncate(answer: Response) -> Response {
    let (mut parts, body) = answer.into_parts();
    let keep = body
        .size_hint()
        .exact()
        .map_or(MAX_TRUNCATED, |len| len / 2)
        .min(MAX_TRUNCATED);
    let mut kept = Vec::with_capacity(keep as usize);
    let mut body = body;
    while (kept.len() as u64) < keep {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    kept.extend_from_slice(&data);
                }
            }
            _ => break,
        }
    }
    kept.truncate(keep as usize);
    parts.status = StatusCode::OK;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(Bytes::from(kept)))
}

/// Steps 3 to 6 of the pipeline, then the handler.
async fn process(app: &App, op: Operation, req: Request, next: Next, entry: u64) -> Response {
    match prepare(app, op, req, entry).await {
        Ok(req) => next.run(req).await,
        Err(error) => error.into_response(),
    }
}

async fn prepare(app: &App, op: Operation, req: Request, entry: u64) -> Result<Request, ApiError> {
    let (mut parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_REQUEST_BODY)
        .await
        .map_err(|_| {
            ApiError::invalid(format!(
                "request body is larger than {MAX_REQUEST_BODY} bytes or could not be read"
            ))
        })?;

    if let Ok(decoded) = serde_json::from_slice::<Value>(&body) {
        app.journal
            .update(entry, |e| e.body = crate::journal::redacted(decoded));
    }
    let checked = app.auth.check(&parts, &body, app.clock.now());
    let verdict = match &checked {
        _ if !app.auth.enabled => AuthVerdict::Disabled,
        Err(_) => AuthVerdict::Refused,
        Ok(()) if parts.headers.contains_key("x-auth-token") => AuthVerdict::Token,
        Ok(()) => AuthVerdict::AkSk,
    };
    app.journal.update(entry, |e| e.auth = verdict);
    checked?;

    let path: Vec<(String, String)> = RawPathParams::from_request_parts(&mut parts, &())
        .await
        .map_err(|_| ApiError::invalid("a path parameter is not valid percent-encoded UTF-8"))?
        .iter()
        .zip(crate::ops::placeholders(op))
        .map(|((_, v), name)| (name.to_owned(), v.to_owned()))
        .collect();
    let query = parse_query(parts.uri.query().unwrap_or_default());
    let schemas = app.schemas.operation(op)?;
    schemas.check_params(&path, &query)?;
    let body = schemas.check_body(&body)?;

    let validated = Validated(Arc::new(ValidatedInner { path, query, body }));
    let project_id = validated.path("project_id");
    if crate::ops::placeholders(op).any(|p| p == "project_id")
        && app.world().project(project_id).is_none()
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::PROJECT_MISMATCH,
            format!("The credentials do not belong to project {project_id}"),
        ));
    }
    parts.extensions.insert(validated);
    Ok(Request::from_parts(parts, Body::empty()))
}
