//! Building a client: regions, endpoints, project ids, user agent, from_env.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use dbss_client::{ConfigError, Credentials, DbssClient, Error};

fn env(pairs: &[(&str, &str)]) -> dbss_client::EnvLookup {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Arc::new(move |k| map.get(k).cloned())
}

const PROJECT: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn region_picks_the_endpoint_and_env_overrides_it() {
    let c = DbssClient::builder()
        .env(env(&[]))
        .region("ap-southeast-1")
        .project_id(PROJECT)
        .credentials(Credentials::ak_sk("AK", "SK"))
        .build()
        .unwrap();
    assert_eq!(
        c.endpoint(),
        "https://dbss.ap-southeast-1.myhuaweicloud.com"
    );
    let c = DbssClient::builder()
        .env(env(&[(
            "HUAWEICLOUD_SDK_REGION_DBSS_AP_SOUTHEAST_1",
            "https://dbss.internal.example:8443",
        )]))
        .region("ap-southeast-1")
        .project_id(PROJECT)
        .credentials(Credentials::ak_sk("AK", "SK"))
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://dbss.internal.example:8443");
}

#[test]
fn configuration_errors_are_typed() {
    let base = || {
        DbssClient::builder()
            .env(env(&[]))
            .credentials(Credentials::ak_sk("AK", "SK"))
    };
    let e = base().project_id(PROJECT).build().unwrap_err();
    assert!(matches!(e, Error::Config(ConfigError::NoEndpoint)), "{e:?}");
    let e = base()
        .region("atlantis-1")
        .project_id(PROJECT)
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(ConfigError::UnknownRegion { .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains("cn-north-4"));
    let e = base()
        .endpoint("http://dbss.example.com")
        .project_id(PROJECT)
        .build()
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(ConfigError::InsecureEndpoint { .. })),
        "{e:?}"
    );
    let e = base()
        .endpoint("not a url")
        .project_id(PROJECT)
        .build()
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(ConfigError::InvalidEndpoint { .. })),
        "{e:?}"
    );
    let e = base()
        .endpoint("https://dbss.example.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(ConfigError::NoProjectId)),
        "{e:?}"
    );
    let e = base()
        .endpoint("https://dbss.example.com")
        .project_id("too-short")
        .build()
        .unwrap_err();
    assert!(
        matches!(&e, Error::Validation(v) if v.field == "project_id"),
        "{e:?}"
    );
    let e = base()
        .endpoint("https://dbss.example.com")
        .project_id(PROJECT)
        .user_agent_suffix("bad\nagent")
        .build()
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(ConfigError::InvalidUserAgent)),
        "{e:?}"
    );
    assert!(
        base()
            .endpoint("http://dbss.example.com")
            .allow_insecure_http(true)
            .project_id(PROJECT)
            .build()
            .is_ok()
    );
}

#[test]
fn from_env_vars_reads_endpoint_region_and_project() {
    let c = DbssClient::builder()
        .env(env(&[
            ("DBSS_ENDPOINT", "http://127.0.0.1:9"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
        ]))
        .credentials(Credentials::ak_sk("AK", "SK"))
        .from_env_vars()
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "http://127.0.0.1:9");
    assert_eq!(c.project_id(), Some(PROJECT));
    let c = DbssClient::builder()
        .env(env(&[
            ("DBSS_REGION", "cn-east-3"),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT),
        ]))
        .credentials(Credentials::ak_sk("AK", "SK"))
        .from_env_vars()
        .build()
        .unwrap();
    assert_eq!(c.endpoint(), "https://dbss.cn-east-3.myhuaweicloud.com");
}

#[test]
fn debug_shows_no_secret() {
    let c = DbssClient::builder()
        .env(env(&[]))
        .endpoint("http://127.0.0.1:9")
        .project_id(PROJECT)
        .credentials(Credentials::ak_sk("AKVISIBLE", "SK-SUPER-SECRET-VALUE"))
        .build()
        .unwrap();
    let text = format!("{c:?} {:?}", c.raw());
    assert!(!text.contains("SK-SUPER-SECRET-VALUE"), "{text}");
}

#[test]
fn unusable_credentials_are_refused_when_the_client_is_built() {
    let e = DbssClient::builder()
        .env(env(&[]))
        .endpoint("http://127.0.0.1:9")
        .project_id(PROJECT)
        .credentials(Credentials::token("token\r\nInjected: header"))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Credentials(_)), "{e:?}");
    assert!(
        !e.to_string().contains("Injected"),
        "the token stays out of the message: {e}"
    );
}
