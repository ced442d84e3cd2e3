//! The admin routes of a running mock, for tests in any language:
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /_mock/journal` | the [`JournalEntry`](crate::JournalEntry)s as a JSON array, oldest first |
//! | `DELETE /_mock/journal` | empties the journal (204) |
//! | `GET /_mock/state` | the snapshot of [`MockServer::snapshot`](crate::MockServer::snapshot) |
//!
//! They need no credentials (the mock listens on loopback only), are not DBSS operations, and
//! are neither counted, throttled, faulted nor journalled.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::StatusCode;

use crate::server::App;

/// The prefix of the admin routes.
pub const ADMIN_PREFIX: &str = "/_mock";

pub(crate) fn router() -> Router<Arc<App>> {
    Router::new()
        .route("/_mock/journal", get(journal).delete(clear_journal))
        .route("/_mock/state", get(state))
}

async fn journal(State(app): State<Arc<App>>) -> Response {
    Json(app.journal.entries()).into_response()
}

async fn clear_journal(State(app): State<Arc<App>>) -> StatusCode {
    app.journal.clear();
    StatusCode::NO_CONTENT
}

async fn state(State(app): State<Arc<App>>) -> Response {
    let now = app.clock.now();
    Json(app.world().snapshot(now)).into_response()
}
