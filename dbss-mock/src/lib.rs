//! An embedded Huawei Cloud DBSS audit-report server, for demos, for the CLI's tests and for
//! users' own tests: no cloud account needed.
//!
//! It serves every operation of `openapi/dbss.json` on 127.0.0.1 (the six of the report
//! workflow from in-memory state, the others with the document's example or a value made from
//! the response schema, see [`synth`]),
//! authenticates every request as the API gateway does (IAM tokens, or AK/SK signatures checked
//! with dbss-signer's verifier, "signature expired" beyond 15 minutes of clock skew), validates
//! every request against the OpenAPI document, and can be told to misbehave in the ways real
//! networks do ([`Fault`]). It counts the requests of each operation, so a test can prove that
//! a CreateReport reached the server at most once.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use dbss_mock::{Fault, ManualClock, MockServer, Operation};
//!
//! let clock = ManualClock::starting_now();
//! let mock = MockServer::builder()
//!     .report_duration(Duration::from_secs(60))
//!     .clock(clock.clone())
//!     .start()
//!     .await?;
//! // Point the client at mock.base_url() with project mock.project_id(), instance
//! // mock.instance_id(), and mock.ak()/mock.sk() or mock.token().
//! mock.inject(Fault::status(503).times(2).only(Operation::CreateReport));
//! // ... create a report ...
//! clock.advance(Duration::from_secs(60)); // every report is now at 100 %
//! assert!(mock.requests(Operation::CreateReport) <= 3);
//! # Ok(()) }
//! ```
//!
//! # What the mock does with a request
//!
//! 1. Routes on method and path; anything else is a 404 `APIGW.0101`.
//! 2. Counts it for its [`Operation`] ([`MockServer::requests`]).
//! 3. Applies the next matching [`FaultRule`], if any.
//! 4. Authenticates: `X-Auth-Token` must be a known token; otherwise `Authorization` must be a
//!    valid SDK-HMAC-SHA256 signature by a known access key, with `X-Sdk-Date` within 15
//!    minutes of the mock's [`Clock`] → else 401 `APIGW.0301`. [`MockServerBuilder::without_auth`]
//!    turns this off.
//! 5. Validates path and query parameters and the JSON body against the document → else 400
//!    `DBSS.10000` naming the field and the rule.
//! 6. Checks that `project_id` is the mock's → else 403 `DBSS.10005`.
//! 7. Runs the operation on the in-memory state. Unknown instance, template or report → 400
//!    (`DBSS.10001`, `DBSS.10002`, `DBSS.10003`); downloading an unfinished report → 400
//!    `DBSS.10004`. See [`codes`].
//!
//! Every response carries a unique `X-Request-Id` header.
//!
//! # The state
//!
//! [`MockServerBuilder::instances`] audit instances (2 by default; the first has the id of the
//! document's example, `3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7`), each with seven report templates
//! (among them the reference's `t8g7LJgBTpKZyZbbeTgS`), and two finished reports on the first
//! instance (one of them the document's ListAuditReports example). CreateReport adds a report
//! of type `AUDIT_REPORT_REAL_TIME` with a fresh 20-character id, whose `percentum` grows from
//! 0 to 100 over [`MockServerBuilder::report_duration`] as the clock moves; `finish_time` is set
//! when it reaches 100. Its answer is `{"result":"success"}` with no id, as the real API's.
//! Downloads are generated PDFs of [`MockServerBuilder::report_size`] bytes, streamed.
//!
//! # The binary
//!
//! `dbss-mock --port 0` prints `listening on http://127.0.0.1:PORT` as its first line, then the
//! seeded ids and credentials as `key=value` lines, and serves until killed. `dbss-mock --help`
//! lists the flags; `--fault` takes the [`FaultRule`] text form.
#![deny(missing_docs)]

mod auth;
mod body;
mod clock;
mod conn;
mod content;
mod error;
mod faults;
pub mod openapi_schema;
mod ops;
mod pipeline;
mod routes;
mod server;
mod state;
pub mod synth;
mod validate;

pub use clock::{Clock, ManualClock, SystemClock};
pub use content::ReportContent;
pub use error::{Error, codes};
pub use faults::{
    DEFAULT_GARBAGE_LEN, Fault, FaultRule, ParseFaultError, ResetPoint, Times, parse_duration,
    parse_size,
};
pub use ops::{Operation, ParseOperationError};
pub use server::{
    DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK, DEFAULT_TOKEN, MockServer, MockServerBuilder,
};
pub use state::DOC_TEMPLATE_ID;
