//! [`DbssClient`]: configuration and construction.

use std::fmt;
use std::sync::Arc;

use reqwest::header::HeaderValue;

use crate::auth::{ChainOptions, Credentials};
use crate::execution::error::Error;
use crate::foundation::clock::{Clock, SystemClock};
use crate::foundation::config::{self, ConfigError, EnvLookup, Timeouts};
use std::future::Future;

use dbss_types::DbssError;
use progenitor_client::ResponseValue;

use crate::codegen::hook_interface::Inner;
use crate::execution::execute::{AttemptError, Executor, Operation, Success};
use crate::execution::hooks::SdkHooks;
use crate::execution::prepared::PreparedRequest;
use crate::execution::retry::RetryPolicy;
use crate::foundation::validate;
use crate::raw;

/// A DBSS client: one project, one endpoint, one set of credentials. Cheap to clone; clones
/// share connections and the IAM token cache.
///
/// ```
/// use dbss_client::{Credentials, DbssClient};
///
/// let client = DbssClient::builder()
///     .region("cn-north-4")
///     .project_id("0123456789abcdef0123456789abcdef")
///     .credentials(Credentials::ak_sk("AKEXAMPLE", "secret-key"))
///     .build()?;
/// assert_eq!(client.endpoint(), "https://dbss.cn-north-4.myhuaweicloud.com");
/// # Ok::<(), dbss_client::Error>(())
/// ```
#[derive(Clone)]
pub struct DbssClient {
    pub(crate) raw: raw::Client,
    /// The endpoint, parsed once: the hot path builds its URLs from it (see `prepared`).
    pub(crate) base_url: reqwest::Url,
    /// The create-report URL of each instance used so far.
    pub(crate) create_report_urls: Arc<crate::execution::prepared::UrlCache>,
    pub(crate) retry: RetryPolicy,
    /// Attempts, timeouts, the rate limiter; shares the credentials with the hooks.
    pub(crate) executor: Executor,
    /// The SDK's hooks (also in `raw`): labels, authentication and the one HTTP client, with
    /// which the prepared requests are signed and sent.
    pub(crate) hooks: Arc<SdkHooks>,
    /// A generated client that builds requests without sending them (see `capture`): the
    /// operations are prepared with it.
    pub(crate) capture: raw::Client,
}

impl fmt::Debug for DbssClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `raw` holds the credentials; its Debug is redacted, but the endpoint is what matters.
        f.debug_struct("DbssClient")
            .field("endpoint", &self.endpoint())
            .field("project_id", &self.project_id())
            .field("retry", &self.retry)
            .field("timeouts", &self.executor.timeouts)
            .finish_non_exhaustive()
    }
}

impl DbssClient {
    /// Runs one operation through the executor (see `execute`).
    pub(crate) async fn execute<T, E, F, Fut>(
        &self,
        op: Operation,
        policy: &RetryPolicy,
        attempt: F,
    ) -> Result<Success<T>, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<ResponseValue<T>, E>>,
        E: Into<AttemptError>,
    {
        self.executor.execute(op, policy, attempt).await
    }

    /// The request `send` (a generated builder's `send()` on `self.capture`) builds, prepared
    /// to be signed and sent once per attempt (see `prepared`).
    pub(crate) fn prepare<T, F>(&self, send: F) -> Result<PreparedRequest, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<DbssError>>>,
    {
        let (request, operation_id) = crate::codegen::capture::request_of(send)?;
        Ok(PreparedRequest::from_request(
            request,
            operation_id,
            &self.hooks,
        )?)
    }

    /// Starts configuring a client.
    pub fn builder() -> DbssClientBuilder {
        DbssClientBuilder::default()
    }

    /// A client configured from the environment alone:
    /// `DBSS_ENDPOINT` (a base URL) or `DBSS_REGION` (else `HUAWEICLOUD_SDK_REGION`), and the
    /// credential chain (OIDC → environment → profile file → ECS metadata → CCE pod identity)
    /// for credentials and project id.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env_vars().build()
    }

    /// The base URL requests go to.
    pub fn endpoint(&self) -> &str {
        use progenitor_client::ClientInfo;
        self.raw.baseurl()
    }

    /// The URL of `path` (which starts with `/`) under the endpoint, without parsing the
    /// endpoint again: the same URL as the generated code's `format!("{baseurl}{path}")`
    /// parsed, for the already-encoded paths of this crate.
    pub(crate) fn operation_url(&self, path: &str) -> reqwest::Url {
        let mut url = self.base_url.clone();
        let prefix = self.base_url.path().trim_end_matches('/');
        let mut full = String::with_capacity(prefix.len() + path.len());
        full.push_str(prefix);
        full.push_str(path);
        url.set_path(&full);
        url
    }

    /// The project every request is made in, if known yet: given, found with the credentials,
    /// or discovered from IAM by an earlier request. [`resolve_project_id`](Self::resolve_project_id)
    /// discovers it when needed.
    pub fn project_id(&self) -> Option<&str> {
        self.executor.auth.known_project_id()
    }

    /// The project every request is made in, asking IAM for the project of the region the
    /// first time when none was given (`GET /v3/projects?name=<region>`, as the official SDK
    /// does); the answer is cached.
    pub async fn resolve_project_id(&self) -> Result<&str, Error> {
        Ok(self.executor.auth.project_id().await?)
    }

    /// The default retry policy of this client.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The time limits of this client.
    pub fn timeouts(&self) -> Timeouts {
        self.executor.timeouts
    }

    /// The progenitor client underneath, as generated: an escape hatch, not a way to call the
    /// API. Its requests are authenticated and sent over this client's connection pool, but
    /// they go around the executor: nothing is validated first, nothing is retried, no
    /// timeout, rate limit or tracing span applies. Call operations through their typed
    /// builders (`client.<operation_id>()`) instead.
    pub fn raw(&self) -> &raw::Client {
        &self.raw
    }
}

/// Configures a [`DbssClient`]. Every setting has a default except where requests go (a region
/// or an endpoint) and, unless the credential sources provide one, the project id.
#[must_use]
pub struct DbssClientBuilder {
    region: Option<String>,
    endpoint: Option<String>,
    allow_insecure_http: bool,
    project_id: Option<String>,
    credentials: Option<Credentials>,
    chain: ChainOptions,
    user_agent_suffix: Option<String>,
    http_client: Option<reqwest::Client>,
    timeouts: Timeouts,
    retry: RetryPolicy,
    rate_limit: crate::RateLimit,
    clock: Arc<dyn Clock>,
    env: EnvLookup,
}

impl Default for DbssClientBuilder {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            allow_insecure_http: false,
            project_id: None,
            credentials: None,
            chain: ChainOptions::default(),
            user_agent_suffix: None,
            http_client: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            rate_limit: crate::RateLimit::default(),
            clock: Arc::new(SystemClock),
            env: config::process_env(),
        }
    }
}

impl fmt::Debug for DbssClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbssClientBuilder")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("project_id", &self.project_id)
            .field("credentials", &self.credentials)
            .field("chain", &self.chain)
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

impl DbssClientBuilder {
    /// The region, e.g. `cn-north-4`: requests go to `https://dbss.{region}.myhuaweicloud.com`,
    /// or to `HUAWEICLOUD_SDK_REGION_DBSS_<REGION>` when that variable is set.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The base URL requests go to; wins over the region. `http://` is accepted for loopback
    /// hosts only, unless [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Allows plain `http://` to a host that is not loopback (credentials travel unencrypted):
    /// the endpoint, and the STS and IAM endpoints credentials are fetched from.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The project id (32 to 64 characters). Default: the one the credential sources provide,
    /// else, with AK/SK or temporary credentials and a region, the one IAM names for the region
    /// (discovered on first use).
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The credentials. Default: the official SDK's chain (OIDC, environment, profile file,
    /// ECS metadata, CCE pod identity; see [`resolve_default_chain`](crate::auth::resolve_default_chain)).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The profile file the chain reads, instead of `$HUAWEICLOUD_SDK_CREDENTIALS_FILE` or
    /// `~/.huaweicloud/credentials` (a missing file is then an error).
    pub fn credentials_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.chain.credentials_file = Some(path.into());
        self
    }

    /// The section of the profile file the chain reads (default `basic`, the official SDK's).
    pub fn profile(mut self, section: impl Into<String>) -> Self {
        self.chain.profile = Some(section.into());
        self
    }

    /// Client-side rate limiting under throttling (default: off). [`RateLimit::Adaptive`] is
    /// dormant until the service answers 429, then a token bucket whose rate follows the
    /// service's limit, shared by every task using this client; see [`RateLimit`].
    ///
    /// [`RateLimit`]: crate::RateLimit
    /// [`RateLimit::Adaptive`]: crate::RateLimit::Adaptive
    pub fn rate_limit(mut self, rate_limit: crate::RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Look for credentials at this step of the default chain only (see
    /// [`ChainStep`](crate::auth::ChainStep)); ignored when credentials are given.
    pub fn credentials_from(mut self, step: crate::auth::ChainStep) -> Self {
        self.chain.only = Some(step);
        self
    }

    /// Appended to the user agent `dbss-rs/<version>`, e.g. `my-app/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// A ready `reqwest::Client` (proxies, custom CA, ...). Its own timeouts, TLS and redirect
    /// settings apply; the connect timeout of [`timeouts`](Self::timeouts) does not. Every
    /// request then goes through it: every operation and the IAM and STS requests of the
    /// credentials. Without one, the client has one HTTP client of its own for all of them:
    /// hyper-util's pooled client (rustls with the platform's trust store, HTTP/1.1 only, no
    /// redirects followed, at a fraction of reqwest's cost per request), or, when the system
    /// proxy rules route the endpoint through a proxy, reqwest with the same settings.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Time limits.
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The default retry policy; each call can override it.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The clock used for signing and token expiry (tests fix it).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Where environment variables are read from (tests inject a map).
    pub fn env(mut self, env: EnvLookup) -> Self {
        self.env = env;
        self
    }

    /// Reads `DBSS_ENDPOINT`, `DBSS_REGION` / `HUAWEICLOUD_SDK_REGION` and
    /// `HUAWEICLOUD_SDK_PROJECT_ID` from the environment, for settings not already given.
    pub fn from_env_vars(mut self) -> Self {
        let get = |name: &str| (self.env)(name).filter(|v| !v.trim().is_empty());
        if self.endpoint.is_none() {
            self.endpoint = get("DBSS_ENDPOINT");
        }
        if self.region.is_none() {
            self.region = get("DBSS_REGION").or_else(|| get("HUAWEICLOUD_SDK_REGION"));
        }
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent.
    pub fn build(self) -> Result<DbssClient, Error> {
        let base_url = match (&self.endpoint, &self.region) {
            (Some(endpoint), _) => config::check_endpoint(endpoint, self.allow_insecure_http)?,
            (None, Some(region)) => {
                let endpoint = config::region_endpoint(region, &*self.env)?;
                config::check_endpoint(&endpoint, self.allow_insecure_http)?
            }
            (None, None) => return Err(ConfigError::NoEndpoint.into()),
        };

        let (credentials, chain_project_id, profile_iam_endpoint) = match self.credentials {
            Some(credentials) => (credentials, None, None),
            None => {
                let resolved = crate::auth::resolve_chain(&self.chain, &*self.env)?;
                (
                    resolved.credentials,
                    resolved.project_id,
                    resolved.iam_endpoint,
                )
            }
        };
        // Password credentials obtain tokens from the IAM endpoint of the same region.
        let credentials = match crate::auth::iam_endpoint(self.region.as_deref(), &*self.env) {
            Some(iam) => credentials.with_default_iam_endpoint(iam),
            None => credentials,
        };
        let project_id = self
            .project_id
            .or(chain_project_id)
            .or_else(|| (self.env)("HUAWEICLOUD_SDK_PROJECT_ID").filter(|v| !v.trim().is_empty()));
        if let Some(project_id) = &project_id {
            validate::project_or_instance_id("project_id", project_id)?;
        }

        let user_agent = match &self.user_agent_suffix {
            Some(suffix) => {
                HeaderValue::from_str(&format!("{} {suffix}", crate::DEFAULT_USER_AGENT))
                    .map_err(|_| ConfigError::InvalidUserAgent)?
            }
            None => HeaderValue::from_static(crate::DEFAULT_USER_AGENT),
        };

        let parsed_base_url =
            reqwest::Url::parse(&base_url).map_err(|_| ConfigError::InvalidEndpoint {
                endpoint: base_url.clone(),
                reason: "not an absolute URL",
            })?;
        let sender = crate::transport::HttpClient::for_endpoint(
            &parsed_base_url,
            &self.timeouts,
            self.http_client,
        )?;
        let http = sender.reqwest().clone();
        let auth = crate::auth::Auth::new(
            credentials,
            crate::auth::AuthSettings {
                clock: self.clock.clone(),
                project_id,
                http: sender.clone(),
                region: self.region.clone(),
                allow_insecure_http: self.allow_insecure_http,
                iam_endpoint: profile_iam_endpoint,
                env: Arc::clone(&self.env),
            },
        );
        if !auth.has_project() {
            return Err(ConfigError::NoProjectId.into());
        }
        auth.check()?;
        // The generated client's own `reqwest::Client` never sends: the exec hook sends with
        // `sender` (see `hooks`).
        let auth = Arc::new(auth);
        let hooks = Arc::new(SdkHooks {
            auth: Arc::clone(&auth),
            user_agent,
            http: sender,
        });
        Ok(DbssClient {
            capture: crate::codegen::capture::capturing_client(&base_url, http.clone()),
            raw: raw::Client::new_with_client(&base_url, http, Inner::from_hooks(hooks.clone())),
            hooks,
            base_url: parsed_base_url,
            create_report_urls: Arc::default(),
            retry: self.retry,
            executor: Executor {
                auth,
                timeouts: self.timeouts,
                limiter: (self.rate_limit == crate::RateLimit::Adaptive)
                    .then(|| Arc::new(crate::execution::rate_limit::AdaptiveLimiter::new())),
            },
        })
    }
}
