//! The stand-ins of STS, IAM, the ECS metadata service and the pod-identity agent, and the
//! helpers, shared by `auth_sources.rs` and `auth_trace_logs.rs` (a binary of its own, see
//! there).
#![allow(dead_code, clippy::unwrap_used)]

pub use std::collections::HashMap;
pub use std::path::Path;
pub use std::sync::atomic::{AtomicUsize, Ordering};
pub use std::sync::{Arc, Mutex};
pub use std::time::{Duration, SystemTime};

pub use crate::auth_support::{ManualClock, PROJECT_ID, Recorded, Reply, Server, T0};
pub use dbss_client::auth::{
    CredentialSource, Credentials, CredentialsError, MetadataConfig, OidcConfig, PodIdentityConfig,
    SourceFailure,
};
pub use dbss_client::clock::Clock;
pub use dbss_client::{DbssClient, Error, RetryPolicy};

pub const HOUR: Duration = Duration::from_secs(3600);
pub const OIDC_TOKEN: &str = "eyJoidc.id-token.SECRET";
pub const FEDERATED_TOKEN: &str = "eyJfederated.id-token.SECRET";
pub const POD_TOKEN: &str = "pod-authorization-token-SECRET";
pub const PROVIDER_URN: &str = "iam::0123456789:identityProvider:github";
pub const AGENCY_URN: &str = "iam::0123456789:agency:ci-agency";

/// `%Y-%m-%dT%H:%M:%S.%fZ`, as the services write expiry times.
pub fn iso(t: SystemTime) -> String {
    let ts = jiff::Timestamp::try_from(t).unwrap();
    ts.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// How the metadata stand-in behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Metadata {
    /// The token API exists and the key needs its token.
    TokenRequired,
    /// The token API answers this status (404, 405, 503); the key is served without a token.
    NoTokenApi(u16),
    /// The key is refused with the "no agency" message.
    NoAgency,
}

/// One loopback server standing in for STS, IAM, the metadata service and the pod agent.
/// Every set of credentials it issues is new: `<prefix>AK-<n>`, `SK-<n>-SECRET`,
/// `ST-<n>-SECRET`, expiring `life` after the clock's time.
pub struct Identity {
    pub server: Server,
    state: Arc<State>,
}

pub struct State {
    clock: Arc<ManualClock>,
    prefix: &'static str,
    life: Duration,
    issued: AtomicUsize,
    session_tokens: AtomicUsize,
    metadata: Mutex<Metadata>,
    /// The session token the metadata stand-in currently accepts.
    valid_session: Mutex<Option<String>>,
    /// Scripted answers by path, used before the normal behaviour.
    script: Mutex<HashMap<&'static str, Vec<Reply>>>,
    /// Projects by region name.
    projects: Mutex<HashMap<String, Vec<String>>>,
    delay: Mutex<Duration>,
}

impl Identity {
    pub async fn start(clock: Arc<ManualClock>, prefix: &'static str, life: Duration) -> Self {
        let state = Arc::new(State {
            clock,
            prefix,
            life,
            issued: AtomicUsize::new(0),
            session_tokens: AtomicUsize::new(0),
            metadata: Mutex::new(Metadata::TokenRequired),
            valid_session: Mutex::new(None),
            script: Mutex::default(),
            projects: Mutex::new(HashMap::from([(
                "cn-north-4".to_owned(),
                vec![PROJECT_ID.to_owned()],
            )])),
            delay: Mutex::new(Duration::ZERO),
        });
        let s = Arc::clone(&state);
        let server = Server::start(move |r| s.answer(r)).await;
        Self { server, state }
    }

    pub fn url(&self) -> &str {
        &self.server.base_url
    }

    pub fn metadata(&self, mode: Metadata) {
        *self.state.metadata.lock().unwrap() = mode;
    }

    /// The next answers to requests for `path` (then the normal behaviour again).
    pub fn script(&self, path: &'static str, replies: Vec<Reply>) {
        self.state.script.lock().unwrap().insert(path, replies);
    }

    pub fn projects(&self, region: &str, ids: &[&str]) {
        self.state.projects.lock().unwrap().insert(
            region.to_owned(),
            ids.iter().map(|s| (*s).to_owned()).collect(),
        );
    }

    pub fn delay(&self, delay: Duration) {
        *self.state.delay.lock().unwrap() = delay;
    }

    /// Revokes the metadata session token: the next key request with it gets a 401.
    pub fn revoke_session(&self) {
        *self.state.valid_session.lock().unwrap() = None;
    }

    pub fn issued(&self) -> usize {
        self.state.issued.load(Ordering::SeqCst)
    }

    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.server
            .requests()
            .into_iter()
            .filter(|r| r.target.split('?').next() == Some(path))
            .collect()
    }

    pub fn paths(&self) -> Vec<String> {
        self.server
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.target.split('?').next().unwrap()))
            .collect()
    }
}

impl State {
    pub fn answer(&self, r: &Recorded) -> Reply {
        let path = r.target.split('?').next().unwrap_or_default().to_owned();
        if let Some(replies) = self.script.lock().unwrap().get_mut(path.as_str())
            && !replies.is_empty()
        {
            return replies.remove(0);
        }
        let reply = self.route(r, &path);
        reply.with_delay(*self.delay.lock().unwrap())
    }

    pub fn route(&self, r: &Recorded, path: &str) -> Reply {
        match (r.method.as_str(), path) {
            ("POST", "/v5/agencies/assume-with-oidc") => self.credentials("sts"),
            ("POST", "/v3.0/OS-AUTH/id-token/tokens") => {
                Reply::json(201, r#"{"token":{}}"#).with_header("X-Subject-Token", "FED-IAM-TOKEN")
            }
            ("POST", "/v3.0/OS-CREDENTIAL/securitytokens") => self.credentials("iam"),
            ("PUT", "/meta-data/latest/api/token") => match *self.metadata.lock().unwrap() {
                Metadata::NoTokenApi(status) => Reply::json(status, "{}"),
                _ => {
                    let n = self.session_tokens.fetch_add(1, Ordering::SeqCst) + 1;
                    let token = format!("session-token-{n}");
                    *self.valid_session.lock().unwrap() = Some(token.clone());
                    Reply {
                        status: 200,
                        headers: vec![],
                        body: token.into_bytes(),
                        delay: Duration::ZERO,
                    }
                }
            },
            ("GET", "/openstack/latest/securitykey") => {
                let mode = *self.metadata.lock().unwrap();
                let valid = self.valid_session.lock().unwrap().clone();
                match mode {
                    Metadata::NoAgency => Reply::json(
                        401,
                        r#"{"error":"Please configure Cloud Service Agency first"}"#,
                    ),
                    Metadata::TokenRequired
                        if r.header("x-metadata-token") != valid.as_deref() || valid.is_none() =>
                    {
                        Reply::json(401, r#"{"error":"invalid metadata token"}"#)
                    }
                    Metadata::NoTokenApi(_) if r.header("x-metadata-token").is_some() => {
                        Reply::json(400, r#"{"error":"unexpected token"}"#)
                    }
                    _ => self.credentials("metadata"),
                }
            }
            ("POST", "/pod-identity/credentials") => {
                if r.header("authorization") == Some(POD_TOKEN) {
                    self.credentials("pod")
                } else {
                    Reply::json(401, r#"{"error":"bad authorization"}"#)
                }
            }
            ("GET", "/v3/projects") => {
                let region = r
                    .target
                    .split_once("?name=")
                    .map(|(_, n)| n.to_owned())
                    .unwrap_or_default();
                let ids = self
                    .projects
                    .lock()
                    .unwrap()
                    .get(&region)
                    .cloned()
                    .unwrap_or_default();
                let projects: Vec<_> = ids
                    .iter()
                    .map(|id| serde_json::json!({"id": id, "name": region}))
                    .collect();
                Reply::json(
                    200,
                    &serde_json::json!({ "projects": projects }).to_string(),
                )
                .with_header("X-IAM-Trace-Id", "iam-trace-1")
            }
            _ => Reply::json(
                404,
                r#"{"error_code":"APIGW.0101","error_msg":"not found"}"#,
            ),
        }
    }

    /// New credentials in the answer shape of each service.
    pub fn credentials(&self, service: &str) -> Reply {
        let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
        let (ak, sk, st) = (
            format!("{}AK-{n}", self.prefix),
            format!("SK-{n}-SECRET"),
            format!("ST-{n}-SECRET"),
        );
        let expires = iso(self.clock.now() + self.life);
        let body = match service {
            "sts" => serde_json::json!({"credentials": {"access_key_id": ak,
                "secret_access_key": sk, "security_token": st, "expiration": expires}}),
            "pod" => serde_json::json!({"credential": {"accessKeyId": ak,
                "secretAccessKey": sk, "securityToken": st, "expiration": expires}}),
            _ => serde_json::json!({"credential": {"access": ak, "secret": sk,
                "securitytoken": st, "expires_at": expires}}),
        };
        Reply::json(if service == "iam" { 201 } else { 200 }, &body.to_string())
            .with_header("X-Request-Id", &format!("{service}-req-{n}"))
    }
}

/// A DBSS stand-in answering ListInstances and CreateReport; `before` runs on each request
/// first and may answer instead.
pub async fn dbss(before: impl Fn(&Recorded) -> Option<Reply> + Send + Sync + 'static) -> Server {
    Server::start(move |r| {
        if let Some(reply) = before(r) {
            return reply;
        }
        if r.target.contains("/reports/create") {
            Reply::json(200, r#"{"result":"success"}"#)
        } else {
            Reply::json(200, r#"{"servers":[],"total":0}"#)
        }
    })
    .await
}

/// The access key id and security token a DBSS request was signed with.
pub fn signed_with(r: &Recorded) -> (String, String) {
    let auth = r.header("authorization").expect("signed");
    let ak = auth
        .split("Access=")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .to_owned();
    (
        ak,
        r.header("x-security-token")
            .expect("temporary credentials carry a security token")
            .to_owned(),
    )
}

pub fn signers(dbss: &Server) -> Vec<String> {
    dbss.requests().iter().map(|r| signed_with(r).0).collect()
}

/// An environment of exactly these variables, with a home directory holding no profile file
/// and the metadata service pointed at `metadata` (or disabled when `None`).
pub fn env_with(
    pairs: &[(&str, String)],
    metadata: Option<&str>,
    home: &Path,
) -> dbss_client::EnvLookup {
    let mut map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    map.insert("HOME".into(), home.display().to_string());
    match metadata {
        Some(url) => map.insert("DBSS_METADATA_ENDPOINT".into(), url.to_owned()),
        None => map.insert("DBSS_METADATA_DISABLED".into(), "true".into()),
    };
    Arc::new(move |name: &str| map.get(name).cloned())
}

pub fn builder(
    dbss: &Server,
    clock: &Arc<ManualClock>,
    env: dbss_client::EnvLookup,
) -> dbss_client::DbssClientBuilder {
    DbssClient::builder()
        .endpoint(&dbss.base_url)
        .region("cn-north-4")
        .clock(Arc::clone(clock) as Arc<dyn Clock>)
        .http_client(crate::auth_support::http_client())
        .retry_policy(RetryPolicy::none())
        .env(env)
}

pub async fn list(client: &DbssClient) -> Result<(), Error> {
    client.list_audit_instances_last().send().await.map(|_| ())
}

pub fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

pub fn source_failure(error: &Error) -> (CredentialSource, &SourceFailure) {
    match error {
        Error::Credentials(CredentialsError::Source { from, failure }) => (from.clone(), failure),
        other => panic!("expected a credential source failure, got {other:?}"),
    }
}
