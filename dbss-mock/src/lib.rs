//! An embedded Huawei Cloud DBSS audit-report server, for demos, for the CLI's tests and for
//! users' own tests: no cloud account needed.
//!
//! It serves every operation of `openapi/dbss.json` on 127.0.0.1 (those of the report
//! workflow and of every resource with a lifecycle from in-memory state, see
//! [the state](#the-state); the audit analytics from [generated audit data](#audit-data); the
//! others with the document's example or a value made from the response schema, see
//! [`synth`] and [`STATELESS`]),
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
//! 1. Routes on method and path; anything else is a 404 `APIGW.0101`. Requests to the
//!    [identity stand-ins](#identity-stand-ins) leave here for their own handling.
//! 2. Counts it for its [`Operation`] ([`MockServer::requests`]).
//!    With [`MockServerBuilder::throttle`] (`--throttle N`), requests beyond N in the current
//!    second get 429 `APIGW.0308` here, as the API gateway throttles
//!    ([`MockServer::throttled_requests`] counts them).
//! 3. Applies the next matching [`FaultRule`], if any.
//! 4. Authenticates: `X-Auth-Token` must be a known token; otherwise `Authorization` must be a
//!    valid SDK-HMAC-SHA256 signature by a known access key, with `X-Sdk-Date` within 15
//!    minutes of the mock's [`Clock`] → else 401 `APIGW.0301`. [`MockServerBuilder::without_auth`]
//!    turns this off.
//! 5. Validates path and query parameters and the JSON body against the document → else 400
//!    `DBSS.10000` naming the field and the rule.
//! 6. Checks that `project_id` is a project the mock serves → else 403 `DBSS.10005`.
//! 7. Runs the operation on the in-memory state, brought up to the clock first. Unknown
//!    instance, template or report → 400 (`DBSS.10001`, `DBSS.10002`, `DBSS.10003`); any other
//!    unknown id → 400 `DBSS.10006`; a change the state does not allow → 400 `DBSS.10007`;
//!    beyond the database limit → 400 `DBSS.10008`; downloading an unfinished report → 400
//!    `DBSS.10004`. See [`codes`].
//!
//! Every response carries a unique `X-Request-Id` header, and every DBSS request is recorded in
//! the [journal](MockServer::journal) (see [`JournalEntry`]); `GET /_mock/journal` and
//! `GET /_mock/state` show the journal and the [snapshot](MockServer::snapshot) of a running
//! mock (see [`ADMIN_PREFIX`]).
//!
//! # The state
//!
//! One project ([`MockServerBuilder::project_id`], region `cn-north-4`) with
//! [`MockServerBuilder::instances`] audit instances (2 by default; the first has the id of the
//! document's example, `3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7`, and every fifth from the second on
//! is `SHUTOFF`), or the projects, regions and instances of a [`Fixture`]. Each instance has
//! seven report templates (among them the reference's `t8g7LJgBTpKZyZbbeTgS`) with their report
//! schedules, two databases (`orders`, audited, with an agent; `billing`, not audited), the
//! system risk, SQL-injection and masking rules and one custom rule of each, one audit scope,
//! one whitelist entry, two backups (one backed up, one failed), tags (`env`, `owner`) and
//! default settings. Two finished reports sit on the first instance (one of them the
//! document's ListAuditReports example).
//!
//! What the operations do to it:
//!
//! | Resource | Operations | Notes |
//! |---|---|---|
//! | instances | `create_instances_period_order_new`, `list_audit_instances_last`, `list_audit_instances_new`, `start/stop/reboot_audit_instance_new`, `confirm_upgrade_audit`, `update_audit_instance_new`, `delete_instances_new` | an ordered instance is `BUILD`, then `ACTIVE`; stop, start and reboot set `task` (`powering-off`, `powering-on`, `rebooting`) until they land; an upgrade is `UPGRADING`, then `ACTIVE` at `new_version`; a delete is `DELETING`, then gone with its reports. Each takes [`MockServerBuilder::lifecycle_duration`] (2 s by default) on the clock; an action the state does not allow, or on a busy instance, is `DBSS.10007` |
//! | databases | `add_audit_database_new`, `add_rds_database_new`, `list_audit_databases_new` (filter `status`), `switch_audit_database_new`, `delete_audit_database_new` | added with audit `OFF`; at most `database_limit`; the same address and name twice is refused |
//! | agents | `add_audit_agent_new`, `list_audit_agent_new` (per `db_id`), `switch_agent_new`, `delete_audit_agent_new` | deleting a database deletes its agents |
//! | rules | risk (`create_audit_risk_rule`, `list_audit_rule_risks_new` by name and levels, `show_audit_rule_risk_new`, `set_risk_operation_policy`, `switch_risk_rule_new`, `set_risk_rule_rank`, `delete_audit_rule_risk`), scopes (`create_audit_scope_rule`, `list_audit_rule_scopes_new`, `update_audit_scope_rule`, `set_audit_scope_rule_switch`, `delete_audit_scope`, `batch_delete_audit_scope`), SQL injection (`create_audit_sql_rule`, `list_sql_injection_rules_new` by levels, `update_audit_sql_rule`, `set_audit_sql_rule_switch`, `set_sql_rule_rank`, `delete_audit_rule_sql`), masking (`create_sensitive_mask_rule`, `list_audit_sensitive_masks_new`, `update_sensitive_mask_rule`, `set_sensitive_mask_rule_switch`, `delete_sensitive_rules`, and the two switches) | names are unique per kind; system and built-in rules can be switched and ranked, not deleted |
//! | whitelists | `batch_add_audit_whitelist`, `list_whitelists`, `update_audit_whitelist`, `delete_audit_whitelist` | |
//! | tags | `batch_add_resource_tag`, `batch_delete_resource_tag`, `list_audit_tags`, `list_project_resource_tags`, `list_resource_instance_by_tag`, `count_resource_instance_by_tag` | addressed by the instance's `resource_id`; the filters `tags`, `tags_any`, `not_tags`, `not_tags_any`, `without_any_tag` and `matches` on `resource_name` apply |
//! | settings | `list/set_alarm_topic_config_info_new`, `show/update_audit_topic_report_scheduler_config` (per template), `show/update_log_retention_common_settings` (7 to 3650 days), `set_audit_backup_switch`, `show_audit_backup_status` | what was set is what is shown |
//! | backups | `list_audit_backup_info` (time window), `restore_audit_backup`, `retry_audit_backup_task`, `delete_audit_backup_task` | a restore is `RESTORING`, then `RESTORED`; a retry of a failed task `MANUAL_BACKUPING`, then `MANUAL_BACKUPED` |
//!
//! Every list pages as its `x-dbss-pagination` facts say (offset/limit or page/size, in the
//! query or the body) with the right total. CreateReport adds a report
//! of type `AUDIT_REPORT_REAL_TIME` with a fresh 20-character id, whose `percentum` grows from
//! 0 to 100 over [`MockServerBuilder::report_duration`] as the clock moves; `finish_time` is set
//! when it reaches 100. Its answer is `{"result":"success"}` with no id, as the real API's.
//! Downloads are generated PDFs of [`MockServerBuilder::report_size`] bytes, streamed.
//!
//! # Audit data
//!
//! The read-only analytics answer realistic data instead of the document's: audited SQL
//! statements (`ListAuditSqlsNew`, `ListAuditSqls`, `ShowSqlDetail`), alarms
//! (`ListAuditAlarmLogNew`, `ListAuditAlarmLog`; `SetAuditAlarmLogStatus`,
//! `BatchSetAuditAlarmLogStatus` confirm and `DeleteAuditAlarmLog` deletes them, unknown ids →
//! 400 [`codes::ALARM_NOT_FOUND`]), operation logs (`ListAuditOperateLogsNew`,
//! `ListAuditOperateLogs`), the trend statistics (`CountRiskTrendStatistics`,
//! `CountOperationStatistics`, `CountSessionStatistics`, `CountSqlTrendStatistics`,
//! `CountInjectionStatistics`, `CountSqlStatistics`), session counts (`CountDbAccountSession`,
//! `CountDbClientSession`) and the history of the statistics asked for
//! (`ListAuditTrendHistory`). Every row is a pure function of ([`AuditDataConfig::seed`],
//! instance id, index), its time growing with the index over the data window, so a time filter
//! is a binary search and nothing is stored: size it with [`MockServerBuilder::audit_data`] /
//! [`MockServerBuilder::audit_rows`] (`--audit-rows N` and the other `--audit-*` flags); the
//! default is 10,000 statements, 200 alarms and 100 operation logs per instance over the 30
//! days before the clock's time at start. Filters and paging are the operations' (time window
//! or `time_range` back from the mock clock, risk level, statement type, user, client and
//! database address, rule, result, text), `total` counts every match, and each statistic
//! counts exactly the statements the list returns for the same window, database and filter
//! (e.g. `high_risk_num` = the list's total with `risk_levels` `HIGH`; sessions are `LOGIN`
//! statements). Times are `yyyy-MM-dd HH:mm:ss` UTC, except an operation log's `time`
//! (epoch milliseconds, "a timestamp"). The project-wide `ShowAuditStatistics` and
//! `ListAuditSummaryInfos` keep the document's answer (they would count every row of every
//! instance per request).
//!
//! # Identity stand-ins
//!
//! The same server (same base URL) also stands in for the services the official SDK's
//! credential chain gets temporary credentials from, so that a client can run end to end with
//! credentials from them: point `HUAWEICLOUD_SDK_STS_ENDPOINT` at
//! [`MockServer::sts_endpoint`], `HUAWEICLOUD_SDK_IAM_ENDPOINT` at
//! [`MockServer::iam_endpoint`], the metadata base URL at [`MockServer::metadata_endpoint`] and
//! `HC_CONTAINER_CREDENTIALS_FULL_URI` at [`MockServer::pod_identity_uri`] (all the base URL).
//! DBSS authentication does not apply to them; each checks its own credentials:
//!
//! | Endpoint ([`IdentityEndpoint`]) | Accepts | Answers |
//! |---|---|---|
//! | `POST /v5/agencies/assume-with-oidc` (STS) | JSON `provider_urn` (`urn:…:identity-provider:…`), `agency_urn` (`urn:…:agency:…`), `agency_session_name` (2–64 of `A-Za-z0-9_+=,.@-`), `id_token` = [`MockServerBuilder::oidc_id_token`], `duration_seconds` 900–43200 (default 3600), optional `policy` (string), `policy_ids` (≤ 10 strings) | 200 `{"credentials":{"access_key_id","secret_access_key","security_token","expiration"},"assumed_agency":{..}}`; 400 [`codes::STS_INVALID_PARAMETER`], 401 [`codes::STS_INVALID_ID_TOKEN`], as `{"error_code","error_msg"}` |
//! | `POST /v3.0/OS-AUTH/id-token/tokens` (IAM) | header `X-Idp-Id` = the IdP of [`MockServerBuilder::federated_id_token`], body `{"auth":{"id_token":{"id":TOKEN}}}` | 201 with an unscoped token (24 h) in `X-Subject-Token` and a `{"token":{..}}` body; 400 (no header, bad body), 404 (unknown IdP), 401 (wrong token) |
//! | `POST /v3.0/OS-CREDENTIAL/securitytokens` (IAM) | `{"auth":{"identity":{"methods":["token"],"token":{"id":T,"duration_seconds":N}}}}` (or `X-Auth-Token`); T an unexpired token from the exchange above or one of the mock's IAM tokens; N 900–86400 (default 900) | 201 `{"credential":{"access","secret","securitytoken","expires_at"}}`; 400, 401 |
//! | `GET /v3/projects?name=REGION` (IAM) | AK/SK-signed (permanent or issued keys, checked like DBSS requests) or `X-Auth-Token` | 200 `{"projects":[{"id","name",..}],"links":{..}}`: the mock's project, or what [`MockServerBuilder::projects`] set for the region (zero, one or several); 401 `APIGW.0301` |
//! | `PUT /meta-data/latest/api/token` (ECS) | `X-Metadata-Token-Ttl-Seconds` 1–21600 | 200 `text/plain` session token (expires after the TTL, mock clock); 400; the status of [`MetadataMode::NoTokenApi`] |
//! | `GET /openstack/latest/securitykey` (ECS) | `X-Metadata-Token`, as the [`MetadataMode`] says | 200 `{"credential":{"access","secret","securitytoken","expires_at"}}`; 401 `text/plain` (no, unknown, expired or [revoked](MockServer::revoke_metadata_tokens) token), 401 [`NO_AGENCY_MESSAGE`] in [`MetadataMode::NoAgency`] |
//! | `POST /pod-identity/credentials` (CCE, [`POD_IDENTITY_PATH`]) | `Authorization` = [`MockServerBuilder::pod_identity_token`]; body empty or JSON | 200 `{"accessKeyId","secretAccessKey","securityToken","expiration"}`; 401 [`codes::POD_IDENTITY_UNAUTHORIZED`], 400 [`codes::POD_IDENTITY_INVALID`] |
//!
//! Metadata modes: [`MetadataMode::TokenRequired`] (default), [`MetadataMode::TokenOptional`],
//! [`MetadataMode::NoTokenApi`] (the PUT answers the given status: 404, 405 or 503 make the
//! official client go on without a token) and [`MetadataMode::NoAgency`]; change them while
//! running with [`MockServer::set_metadata_mode`].
//!
//! **Issued keys.** Every successful fetch issues *new* temporary credentials (an access key id
//! `DBSSTMP…` never seen before, a secret key and a security token), with an expiry of the
//! mock's [`Clock`] now plus their lifetime, written `%Y-%m-%dT%H:%M:%S.%fZ` (UTC,
//! microseconds). Lifetimes: STS and IAM honour the request's `duration_seconds`; the metadata
//! service and the pod-identity agent give [`DEFAULT_LOCAL_CREDENTIAL_LIFETIME`] (1 hour);
//! [`MockServerBuilder::identity_credential_lifetime`] overrides all of them. The DBSS
//! endpoints (and the IAM project listing) accept a signature by an issued key when the request
//! carries its `X-Security-Token`, until the mock's clock reaches the expiry; from then on they
//! answer 401 `APIGW.0301` "security token expired". [`MockServer::issued_credentials`] lists
//! them.
//!
//! **Observing and breaking them.** [`MockServer::identity_requests`] records every identity
//! request (method, path and query, headers, body; `Debug` hides secrets),
//! [`MockServer::identity_calls`] counts them per endpoint (faulted and rejected requests
//! included). Faults made with [`FaultRule::at`] (`--fault status=503,times=2,at=metadata-token`)
//! apply to one identity endpoint, before it checks anything; any [`Fault`] works, and
//! [`Fault::reply`] answers a body of your choice. Rules without `at` never touch identity
//! requests. [`MockServerBuilder::identity_delay`] delays every identity answer (real time) so
//! that concurrent fetches overlap.
//!
//! # The binary
//!
//! `dbss-mock --port 0` prints `listening on http://127.0.0.1:PORT` as its first line, then the
//! seeded ids and credentials and the identity stand-ins' endpoints and tokens (`sts_endpoint`,
//! `iam_endpoint`, `metadata_endpoint`, `metadata_mode`, `pod_identity_uri`,
//! `pod_identity_token`, `oidc_id_token`, `idp_id`, `federated_id_token`) as `key=value` lines,
//! the last being `auth=`, and serves until killed. `dbss-mock --help` lists the flags
//! (`--metadata-mode`, `--oidc-id-token`, `--idp-id`, `--federated-id-token`,
//! `--pod-identity-token`, `--identity-credential-lifetime` among them); `--fault` takes the
//! [`FaultRule`] text form.
#![deny(missing_docs)]

mod admin;
mod audit_data;
mod auth;
mod body;
mod clock;
mod conn;
mod content;
mod error;
mod faults;
mod fixture;
mod handlers;
mod identity;
mod journal;
pub mod openapi_schema;
mod ops;
mod pipeline;
mod routes;
mod server;
mod state;
pub mod synth;
mod throttle;
mod valid_values;
mod validate;

pub use admin::ADMIN_PREFIX;
pub use audit_data::{AuditDataConfig, DEFAULT_AUDIT_SEED};
pub use clock::{Clock, ManualClock, SystemClock};
pub use content::ReportContent;
pub use error::{Error, codes};
pub use faults::{
    DEFAULT_GARBAGE_LEN, Fault, FaultRule, ParseFaultError, ResetPoint, Times, parse_duration,
    parse_size,
};
pub use fixture::{
    AgentFixture, AuditVolumes, DatabaseFixture, Fixture, InstanceFixture, ProjectFixture,
    ReportFixture, RiskRuleFixture, WhitelistFixture,
};
pub use handlers::STATELESS;
pub use identity::{
    DEFAULT_FEDERATED_ID_TOKEN, DEFAULT_IDP_ID, DEFAULT_LOCAL_CREDENTIAL_LIFETIME,
    DEFAULT_OIDC_ID_TOKEN, DEFAULT_POD_IDENTITY_TOKEN, IdentityEndpoint, IssuedCredentials,
    MetadataMode, NO_AGENCY_MESSAGE, POD_IDENTITY_PATH, ParseIdentityEndpointError,
    ParseMetadataModeError, RecordedRequest,
};
pub use journal::{AuthVerdict, JournalEntry};
pub use ops::{Operation, ParseOperationError};
pub use server::{
    DEFAULT_AK, DEFAULT_PROJECT_ID, DEFAULT_SK, DEFAULT_TOKEN, MockServer, MockServerBuilder,
};
pub use state::DOC_TEMPLATE_ID;

/// The OpenAPI document the mock serves and validates requests against (`openapi/dbss.json`,
/// copied into this crate by `cargo xtask generate`). Public so that `dbss api` reads the body
/// schemas of its help, skeletons and body flags from the very copy its binary already holds.
pub const OPENAPI_DOCUMENT: &str = validate::DOCUMENT;

/// The crate's README (what crates.io shows), compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}
