//! Where requests go and how long they may take: regions, endpoints, timeouts, user agent.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

/// The DBSS regions the official SDK ships, all served at `https://dbss.{region}.myhuaweicloud.com`.
pub const REGIONS: [&str; 30] = [
    "cn-south-2",
    "cn-southwest-2",
    "ap-southeast-1",
    "cn-east-3",
    "cn-south-1",
    "cn-east-2",
    "ap-southeast-3",
    "ap-southeast-2",
    "ru-northwest-2",
    "af-south-1",
    "sa-brazil-1",
    "la-north-2",
    "cn-north-1",
    "cn-north-4",
    "cn-north-2",
    "la-south-2",
    "cn-north-9",
    "cn-north-11",
    "me-east-1",
    "cn-south-4",
    "ap-southeast-4",
    "tr-west-1",
    "cn-east-5",
    "my-kualalumpur-1",
    "ru-moscow-1",
    "cn-north-12",
    "cn-east-4",
    "cn-southwest-3",
    "ap-southeast-5",
    "af-north-1",
];

/// A configuration the client cannot work with. Nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither a region nor an endpoint was given.
    #[error(
        "no region or endpoint configured: set one with the builder, DBSS_REGION or DBSS_ENDPOINT"
    )]
    NoEndpoint,
    /// The region is not one the SDK knows and no endpoint was given for it.
    #[error("unknown region {region:?}: known regions are {}; or give an endpoint, or set {env_var}", REGIONS.join(", "))]
    UnknownRegion {
        /// The region given.
        region: String,
        /// The environment variable that would set its endpoint.
        env_var: String,
    },
    /// The endpoint is not a usable base URL.
    #[error("invalid endpoint {endpoint:?}: {reason}")]
    InvalidEndpoint {
        /// The endpoint given.
        endpoint: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Plain `http://` to a host that is not loopback, without opting in.
    #[error(
        "refusing plain http:// to non-loopback host {host:?}: credentials and reports would travel unencrypted; use https:// or opt in with allow_insecure_http(true)"
    )]
    InsecureEndpoint {
        /// The host.
        host: String,
    },
    /// No project id was given or found in the credential sources.
    #[error(
        "no project id: give one with the builder, set HUAWEICLOUD_SDK_PROJECT_ID or project_id in the credentials file, or give a region so that it can be discovered from IAM (AK/SK or temporary credentials)"
    )]
    NoProjectId,
    /// The user-agent suffix is not a valid header value.
    #[error("invalid user agent suffix: it must be printable ASCII")]
    InvalidUserAgent,
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
}

/// The environment variable that overrides the endpoint of `region`, as the official SDK names it.
pub fn region_env_var(region: &str) -> String {
    format!(
        "HUAWEICLOUD_SDK_REGION_DBSS_{}",
        region.to_ascii_uppercase().replace('-', "_")
    )
}

/// The endpoint of a region: the override from the environment, else the known table.
pub(crate) fn region_endpoint(
    region: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    let var = region_env_var(region);
    if let Some(endpoint) = env(&var).filter(|v| !v.trim().is_empty()) {
        return Ok(endpoint.trim().to_owned());
    }
    if REGIONS.contains(&region) {
        return Ok(format!("https://dbss.{region}.myhuaweicloud.com"));
    }
    Err(ConfigError::UnknownRegion {
        region: region.to_owned(),
        env_var: var,
    })
}

/// Checks an endpoint and returns it as the base URL the generated client takes (no trailing
/// slash). Plain http is allowed for loopback hosts, elsewhere only with `allow_insecure_http`.
pub(crate) fn check_endpoint(
    endpoint: &str,
    allow_insecure_http: bool,
) -> Result<String, ConfigError> {
    let invalid = |reason| ConfigError::InvalidEndpoint {
        endpoint: endpoint.to_owned(),
        reason,
    };
    let url = Url::parse(endpoint).map_err(|_| invalid("not an absolute URL"))?;
    let host = url.host_str().ok_or_else(|| invalid("it has no host"))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Bad-input fix: the user info may hold a password; the error (printed by the CLI,
        // logged by applications) shows the endpoint without it.
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        return Err(ConfigError::InvalidEndpoint {
            endpoint: shown.to_string(),
            reason: "it must not carry user info (removed here)",
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(host) => {}
        "http" => {
            return Err(ConfigError::InsecureEndpoint {
                host: host.to_owned(),
            });
        }
        _ => return Err(invalid("the scheme must be https (or http for loopback)")),
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

pub(crate) fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// Time limits.
#[derive(Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Establishing a connection. Default 10 s. Applies to the HTTP client the SDK builds;
    /// a caller-supplied `reqwest::Client` keeps its own.
    pub connect: Duration,
    /// One attempt: sending the request and reading the whole response. Default 60 s.
    pub attempt: Duration,
    /// The whole operation, all attempts and backoff included. Default: none.
    pub operation: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(10),
            attempt: Duration::from_secs(60),
            operation: None,
        }
    }
}

impl Timeouts {
    /// Sets the connect timeout.
    pub fn with_connect(mut self, d: Duration) -> Self {
        self.connect = d;
        self
    }
    /// Sets the per-attempt timeout.
    pub fn with_attempt(mut self, d: Duration) -> Self {
        self.attempt = d;
        self
    }
    /// Sets the whole-operation deadline.
    pub fn with_operation(mut self, d: Option<Duration>) -> Self {
        self.operation = d;
        self
    }
}

impl fmt::Debug for Timeouts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeouts")
            .field("connect", &self.connect)
            .field("attempt", &self.attempt)
            .field("operation", &self.operation)
            .finish()
    }
}

/// Looks up an environment variable. Injected so that tests need not touch the process
/// environment.
pub type EnvLookup = std::sync::Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The process's environment.
pub(crate) fn process_env() -> EnvLookup {
    std::sync::Arc::new(|name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn known_regions_map_to_their_endpoint() {
        assert_eq!(REGIONS.len(), 30);
        assert_eq!(
            region_endpoint("cn-north-4", &no_env).unwrap(),
            "https://dbss.cn-north-4.myhuaweicloud.com"
        );
    }

    #[test]
    fn env_overrides_a_region_endpoint_even_an_unknown_one() {
        let env = |k: &str| {
            (k == "HUAWEICLOUD_SDK_REGION_DBSS_XX_TEST_9")
                .then(|| "https://dbss.example.test".into())
        };
        assert_eq!(
            region_endpoint("xx-test-9", &env).unwrap(),
            "https://dbss.example.test"
        );
    }

    #[test]
    fn unknown_region_lists_the_known_ones() {
        let e = region_endpoint("mars-1", &no_env).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("mars-1") && text.contains("cn-north-4") && text.contains("af-north-1"),
            "{text}"
        );
        assert!(
            text.contains("HUAWEICLOUD_SDK_REGION_DBSS_MARS_1"),
            "{text}"
        );
    }

    #[test]
    fn endpoints_are_checked() {
        assert_eq!(
            check_endpoint("http://127.0.0.1:8080/", false).unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(check_endpoint("http://[::1]:1", false).is_ok());
        assert!(check_endpoint("http://localhost:1", false).is_ok());
        assert!(matches!(
            check_endpoint("http://dbss.example.com", false),
            Err(ConfigError::InsecureEndpoint { .. })
        ));
        assert!(check_endpoint("http://dbss.example.com", true).is_ok());
        for bad in [
            "dbss.example.com",
            "ftp://x",
            "https://",
            "https://u:p@x",
            "https://x/?a=b",
        ] {
            assert!(
                matches!(
                    check_endpoint(bad, false),
                    Err(ConfigError::InvalidEndpoint { .. })
                ),
                "{bad}"
            );
        }
    }
}
