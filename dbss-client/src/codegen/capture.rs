//! The request a generated builder builds, taken before it is sent: how every operation is
//! prepared once and sent once per attempt (`execution/prepared.rs`).
//!
//! A generated `send()` formats and parses the URL, encodes the query and serialises the body,
//! then calls the pre hook. A *capturing* client ([`capturing_client`]) is a generated client
//! whose pre hook takes the request and stops there: [`request_of`] polls `send()` once, which
//! runs to that hook (nothing before it waits), and hands back the request exactly as the
//! generated code built it. So the URL, query and body of every operation come from the
//! generated code itself, built once per call, and cannot drift from it; the attempts then
//! only clone, sign and send them.
//!
//! The request is passed from the hook to [`request_of`] through a thread-local slot: both run
//! within one synchronous poll on one thread, so no other capture can come between them.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use dbss_types::DbssError;
use futures::FutureExt;
use futures::future::BoxFuture;
use progenitor_client::ResponseValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::codegen::hook_interface::{Inner, RequestHooks};
use crate::foundation::validate::{Rule, ValidationError};
use crate::generated::client::Client;

thread_local! {
    /// The request the capturing hook took, with its operation id, until `request_of` takes it.
    static CAPTURED: RefCell<Option<(reqwest::Request, &'static str)>> = const { RefCell::new(None) };
}

/// A request built by a generated builder and not sent.
pub(crate) struct Captured {
    /// As the generated code built it (its `api-version` header included).
    pub(crate) request: reqwest::Request,
    /// The operation's `operationId`.
    pub(crate) operation_id: &'static str,
    /// How a 200's body becomes the operation's answer.
    pub(crate) decoder: Decoder,
}

/// How a successful body is turned into an [`Answer`](crate::codegen::dispatch_support::Answer).
#[derive(Clone, Copy)]
pub(crate) enum Decoder {
    /// Decoded into the operation's generated type, then encoded as JSON again: what the
    /// client understood, not the raw bytes.
    Json(fn(&[u8]) -> Result<Value, serde_json::Error>),
    /// The body as it is (a file).
    Bytes,
    /// No body is expected.
    Empty,
}

/// The pre hook of a capturing client: takes the request and refuses to go on.
struct CaptureHooks;

impl RequestHooks for CaptureHooks {
    fn pre<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, Result<(), String>> {
        let placeholder = reqwest::Request::new(request.method().clone(), request.url().clone());
        let taken = std::mem::replace(request, placeholder);
        CAPTURED.with(|slot| *slot.borrow_mut() = Some((taken, operation_id)));
        // The error ends the generated `send()`; `request_of` ignores it.
        Box::pin(std::future::ready(Err(String::new())))
    }

    fn exec(
        &self,
        request: reqwest::Request,
        _operation_id: &'static str,
    ) -> BoxFuture<'_, reqwest::Result<reqwest::Response>> {
        // Never reached (the pre hook always fails); if it were, nothing is sent: the empty
        // 599 is not a status any operation documents, so the generated code reports it as an
        // unexpected response.
        drop(request);
        let mut response = http::Response::new(reqwest::Body::from(""));
        *response.status_mut() =
            http::StatusCode::from_u16(599).unwrap_or(http::StatusCode::NOT_IMPLEMENTED);
        let response = reqwest::Response::from(response);
        Box::pin(std::future::ready(Ok(response)))
    }
}

/// A generated client whose operations build their request and stop before sending it.
pub(crate) fn capturing_client(base_url: &str, http: reqwest::Client) -> Client {
    Client::new_with_client(
        base_url,
        http,
        Inner {
            hooks: Arc::new(CaptureHooks),
        },
    )
}

/// The request `send` (a generated builder's `send()` on a [`capturing_client`]) builds, with
/// its operation id. The builder's own refusals (an argument its type does not accept, a URL
/// that cannot be built) are a [`ValidationError`] of `request`, as when they are met while
/// sending.
pub(crate) fn request_of<T, F>(send: F) -> Result<(reqwest::Request, &'static str), ValidationError>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<DbssError>>>,
{
    CAPTURED.with(|slot| slot.borrow_mut().take());
    let outcome = send.now_or_never();
    let captured = CAPTURED.with(|slot| slot.borrow_mut().take());
    match (captured, outcome) {
        (Some(captured), _) => Ok(captured),
        (None, Some(Err(progenitor_client::Error::InvalidRequest(message)))) => {
            Err(rejected(message))
        }
        (None, Some(Err(e))) => Err(rejected(crate::foundation::error_chain::error_chain(&e))),
        (None, _) => Err(rejected(
            "the generated operation did not build its request before sending".into(),
        )),
    }
}

fn rejected(message: String) -> ValidationError {
    ValidationError::new("request", Rule::Rejected { message })
}

/// Captures the request of an operation whose 200 is a JSON document of type `T`.
pub(crate) fn json<T, F>(send: F) -> Result<Captured, ValidationError>
where
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<DbssError>>>,
    T: DeserializeOwned + Serialize,
{
    let (request, operation_id) = request_of(send)?;
    Ok(Captured {
        request,
        operation_id,
        decoder: Decoder::Json(reencode::<T>),
    })
}

/// Captures the request of an operation whose 200 is a file.
pub(crate) fn bytes<F>(send: F) -> Result<Captured, ValidationError>
where
    F: Future<
        Output = Result<
            ResponseValue<progenitor_client::ByteStream>,
            progenitor_client::Error<DbssError>,
        >,
    >,
{
    let (request, operation_id) = request_of(send)?;
    Ok(Captured {
        request,
        operation_id,
        decoder: Decoder::Bytes,
    })
}

/// Captures the request of an operation whose 200 has no body.
pub(crate) fn empty<F>(send: F) -> Result<Captured, ValidationError>
where
    F: Future<Output = Result<ResponseValue<()>, progenitor_client::Error<DbssError>>>,
{
    let (request, operation_id) = request_of(send)?;
    Ok(Captured {
        request,
        operation_id,
        decoder: Decoder::Empty,
    })
}

/// Decodes `body` as `T` and encodes it as JSON again.
fn reencode<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::to_value(serde_json::from_slice::<T>(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROJECT: &str = "0123456789abcdef0123456789abcdef";
    const INSTANCE: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";

    fn capturing() -> Client {
        // reqwest is built without a default provider; Err means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        capturing_client("http://127.0.0.1:9/base", reqwest::Client::new())
    }

    #[test]
    fn the_request_is_taken_as_the_generated_code_built_it() {
        let client = capturing();
        let (request, operation_id) = request_of(
            client
                .list_audit_databases_new()
                .project_id(PROJECT)
                .instance_id(INSTANCE)
                .offset("20")
                .limit("100")
                .send(),
        )
        .unwrap();
        assert_eq!(operation_id, "list_audit_databases_new");
        assert_eq!(request.method(), reqwest::Method::GET);
        assert_eq!(
            request.url().as_str(),
            format!(
                "http://127.0.0.1:9/base/v2/{PROJECT}/audit/{INSTANCE}/databases?limit=100&offset=20"
            )
        );
        // Untouched: the labels are applied by the prepared request, not here.
        assert!(request.headers().contains_key("api-version"));
        assert!(request.body().is_none());
    }

    #[test]
    fn each_capture_gets_its_own_request() {
        let client = capturing();
        let body: dbss_types::ListAuditReportsRequest =
            serde_json::from_value(serde_json::json!({"page": 1, "size": 10})).unwrap();
        let first = json(
            client
                .list_audit_reports()
                .project_id(PROJECT)
                .instance_id(INSTANCE)
                .body(body)
                .send(),
        )
        .unwrap();
        let second = empty(
            client
                .update_audit_task_status()
                .project_id(PROJECT)
                .busi_type("risk")
                .body(
                    serde_json::from_value::<dbss_types::AuditSummaryStatusRequest>(
                        serde_json::json!({"oper_type": "execute"}),
                    )
                    .unwrap(),
                )
                .send(),
        )
        .unwrap();
        assert_eq!(first.operation_id, "list_audit_reports");
        let body = first.request.body().and_then(|b| b.as_bytes()).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(body).unwrap(),
            serde_json::json!({"page": 1, "size": 10})
        );
        let Decoder::Json(decode) = first.decoder else {
            panic!("a JSON operation decodes JSON");
        };
        assert_eq!(
            decode(br#"{"reports":[],"total":3}"#).unwrap()["total"],
            serde_json::json!(3)
        );
        assert!(decode(b"not json").is_err());
        assert_eq!(second.operation_id, "update_audit_task_status");
        assert!(matches!(second.decoder, Decoder::Empty));
        assert_eq!(
            second.request.url().path(),
            format!("/base/v1/{PROJECT}/audit/summary/risk/task-status")
        );
    }

    #[test]
    fn a_refusal_of_the_builder_is_a_validation_error_of_the_request() {
        let client = capturing();
        // No instance id: the builder refuses before building anything.
        let refused = request_of(
            client
                .list_audit_report_templates()
                .project_id(PROJECT)
                .send(),
        )
        .unwrap_err();
        assert_eq!(refused.field, "request");
        assert!(refused.to_string().contains("instance_id"), "{refused}");
        assert!(CAPTURED.with(|slot| slot.borrow().is_none()));
    }

    #[test]
    fn a_future_that_does_not_reach_the_hook_is_an_error_not_a_hang() {
        let pending = std::future::pending::<
            Result<ResponseValue<()>, progenitor_client::Error<DbssError>>,
        >();
        let refused = request_of(pending).unwrap_err();
        assert_eq!(refused.field, "request");
        assert!(refused.to_string().contains("did not build"), "{refused}");
    }
}
