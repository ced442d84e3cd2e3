//! Temporary credentials from each source of the official chain, against loopback stand-ins of
//! STS, IAM, the ECS metadata service and the CCE pod-identity agent: the requests each source
//! sends, the credentials reaching DBSS, renewal (once, however many callers wait; the token
//! file read again), expiry in the middle of a retry, the chain's tail falling through, project
//! id discovery, and typed failures that leak no secret, TRACE logs included.
//!
//! Every address is 127.0.0.1; the metadata service is always pointed at a stand-in (or
//! disabled), so nothing reaches 169.254.169.254.
#![allow(clippy::unwrap_used)]

use crate::auth_sources_support;

use auth_sources_support::*;

// ---------------------------------------------------------------------------------------------
// OIDC

#[tokio::test]
async fn oidc_from_the_environment_sends_the_official_request_and_signs_with_what_sts_gave() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "OIDC", HOUR).await;
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let env = env_with(
        &[
            ("HUAWEICLOUD_OIDC_PROVIDER_URN", PROVIDER_URN.into()),
            ("HUAWEICLOUD_OIDC_AGENCY_URN", AGENCY_URN.into()),
            ("HUAWEICLOUD_OIDC_ID_TOKEN", OIDC_TOKEN.into()),
            ("HUAWEICLOUD_OIDC_SESSION_NAME", "ci-run-42".into()),
            ("HUAWEICLOUD_OIDC_DURATION_SECONDS", "1800".into()),
            ("HUAWEICLOUD_OIDC_POLICY_IDS", "p-1, p-2".into()),
            ("HUAWEICLOUD_SDK_STS_ENDPOINT", idp.url().to_owned()),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT_ID.into()),
        ],
        None,
        home.path(),
    );
    let client = builder(&dbss, &clock, env).build().unwrap();
    list(&client).await.unwrap();
    list(&client).await.unwrap();

    let sts = idp.requests_to("/v5/agencies/assume-with-oidc");
    assert_eq!(sts.len(), 1, "fetched once, then cached");
    let r = &sts[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(
        r.header("authorization"),
        None,
        "the exchange is not signed"
    );
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        format!(
            "{{\"provider_urn\": \"{PROVIDER_URN}\", \"agency_urn\": \"{AGENCY_URN}\", \
             \"agency_session_name\": \"ci-run-42\", \"id_token\": \"{OIDC_TOKEN}\", \
             \"duration_seconds\": 1800, \"policy_ids\": [\"p-1\", \"p-2\"]}}"
        ),
        "the body as the official SDK serialises it (json.dumps)"
    );
    let dbss_requests = dbss.requests();
    assert_eq!(dbss_requests.len(), 2);
    for r in &dbss_requests {
        assert_eq!(signed_with(r), ("OIDCAK-1".into(), "ST-1-SECRET".into()));
        assert!(r.target.contains(PROJECT_ID));
    }
}

#[tokio::test]
async fn oidc_token_file_is_read_again_on_every_renewal() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "OIDCF", HOUR).await;
    let dbss = dbss(|_| None).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("id-token");
    write(&token_file, "first-token\n");
    let config = OidcConfig::with_token_file(PROVIDER_URN, AGENCY_URN, &token_file)
        .with_sts_endpoint(idp.url());
    let client = builder(&dbss, &clock, env_with(&[], None, dir.path()))
        .credentials(Credentials::temporary(config.into()))
        .project_id(PROJECT_ID)
        .build()
        .unwrap();
    list(&client).await.unwrap();
    // The orchestrator rotates the projected token in place.
    write(&token_file, "second-token");
    // One hour of life: renewed at half of it (40 minutes before expiry would be too early).
    clock.advance(Duration::from_secs(29 * 60));
    list(&client).await.unwrap();
    assert_eq!(idp.issued(), 1, "not renewed before half its life");
    clock.advance(Duration::from_secs(2 * 60));
    list(&client).await.unwrap();
    assert_eq!(idp.issued(), 2);
    let tokens: Vec<String> = idp
        .requests_to("/v5/agencies/assume-with-oidc")
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            body["id_token"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(tokens, ["first-token", "second-token"]);
    assert_eq!(signers(&dbss), ["OIDCFAK-1", "OIDCFAK-1", "OIDCFAK-2"]);
}

#[tokio::test]
async fn oidc_refused_by_sts_is_a_typed_error_without_the_token() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "OIDCX", HOUR).await;
    // STS echoes the token back, as some services do in their messages.
    idp.script(
        "/v5/agencies/assume-with-oidc",
        vec![
            Reply::json(
                400,
                &format!(
                    r#"{{"error_code":"STS.0101","error_msg":"invalid id_token {OIDC_TOKEN}"}}"#
                ),
            )
            .with_header("X-Request-Id", "sts-req-bad"),
        ],
    );
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let config = OidcConfig::with_id_token(PROVIDER_URN, AGENCY_URN, OIDC_TOKEN)
        .with_sts_endpoint(idp.url());
    let client = builder(&dbss, &clock, env_with(&[], None, home.path()))
        .credentials(Credentials::temporary(config.into()))
        .project_id(PROJECT_ID)
        .build()
        .unwrap();
    let error = list(&client).await.unwrap_err();
    let (from, failure) = source_failure(&error);
    assert_eq!(from, CredentialSource::Oidc);
    match failure {
        SourceFailure::Rejected { answer, .. } => {
            assert_eq!(answer.status, 400);
            assert_eq!(answer.code.as_deref(), Some("STS.0101"));
            assert_eq!(answer.request_id.as_deref(), Some("sts-req-bad"));
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(OIDC_TOKEN), "{text}");
        assert!(
            text.contains("STS.0101") && text.contains("sts-req-bad"),
            "{text}"
        );
    }
    assert_eq!(dbss.count(), 0, "nothing was sent to DBSS");
}

// ---------------------------------------------------------------------------------------------
// Federated id token (environment)

#[tokio::test]
async fn federated_id_token_goes_through_both_iam_calls() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "FED", 6 * HOUR).await;
    let dbss = dbss(|_| None).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    write(&token_file, &format!("  {FEDERATED_TOKEN}\n"));
    let env = env_with(
        &[
            ("HUAWEICLOUD_SDK_IDP_ID", "github-idp".into()),
            (
                "HUAWEICLOUD_SDK_ID_TOKEN_FILE",
                token_file.display().to_string(),
            ),
            ("HUAWEICLOUD_SDK_IAM_ENDPOINT", idp.url().to_owned()),
            // Both set: the federated flow wins, as in the official SDK.
            ("HUAWEICLOUD_SDK_AK", "PERMANENT-AK".into()),
            ("HUAWEICLOUD_SDK_SK", "PERMANENT-SK".into()),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT_ID.into()),
        ],
        None,
        dir.path(),
    );
    let client = builder(&dbss, &clock, env).build().unwrap();
    list(&client).await.unwrap();

    assert_eq!(
        idp.paths(),
        [
            "POST /v3.0/OS-AUTH/id-token/tokens",
            "POST /v3.0/OS-CREDENTIAL/securitytokens"
        ]
    );
    let requests = idp.server.requests();
    assert_eq!(requests[0].header("x-idp-id"), Some("github-idp"));
    assert_eq!(
        String::from_utf8(requests[0].body.clone()).unwrap(),
        format!("{{\"auth\": {{\"id_token\": {{\"id\": \"{FEDERATED_TOKEN}\"}}}}}}")
    );
    assert_eq!(
        String::from_utf8(requests[1].body.clone()).unwrap(),
        "{\"auth\": {\"identity\": {\"methods\": [\"token\"], \"token\": {\"id\": \
         \"FED-IAM-TOKEN\", \"duration_seconds\": 21600}}}}"
    );
    for r in &requests {
        assert_eq!(
            r.header("content-type"),
            Some("application/json;charset=UTF-8")
        );
    }
    assert_eq!(signers(&dbss), ["FEDAK-1"]);
}

// ---------------------------------------------------------------------------------------------
// ECS metadata

async fn metadata_client(
    idp: &Identity,
    dbss: &Server,
    clock: &Arc<ManualClock>,
    home: &Path,
) -> DbssClient {
    builder(dbss, clock, env_with(&[], None, home))
        .credentials(Credentials::temporary(
            MetadataConfig::with_endpoint(idp.url()).into(),
        ))
        .project_id(PROJECT_ID)
        .build()
        .unwrap()
}

#[tokio::test]
async fn metadata_asks_for_a_session_token_then_the_key() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "META", HOUR).await;
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let client = metadata_client(&idp, &dbss, &clock, home.path()).await;
    list(&client).await.unwrap();
    assert_eq!(
        idp.paths(),
        [
            "PUT /meta-data/latest/api/token",
            "GET /openstack/latest/securitykey"
        ]
    );
    let requests = idp.server.requests();
    assert_eq!(
        requests[0].header("x-metadata-token-ttl-seconds"),
        Some("21600")
    );
    assert_eq!(
        requests[1].header("x-metadata-token"),
        Some("session-token-1")
    );
    assert_eq!(signers(&dbss), ["METAAK-1"]);

    // Renewal reuses the session token.
    clock.advance(Duration::from_secs(31 * 60));
    list(&client).await.unwrap();
    assert_eq!(
        idp.paths()[2..],
        ["GET /openstack/latest/securitykey".to_owned()]
    );
    assert_eq!(signers(&dbss), ["METAAK-1", "METAAK-2"]);
}

#[tokio::test]
async fn metadata_without_a_token_api_asks_without_a_token() {
    for status in [404, 405, 503] {
        let clock = ManualClock::at_unix(T0);
        let idp = Identity::start(Arc::clone(&clock), "METANT", HOUR).await;
        idp.metadata(Metadata::NoTokenApi(status));
        let dbss = dbss(|_| None).await;
        let home = tempfile::tempdir().unwrap();
        let client = metadata_client(&idp, &dbss, &clock, home.path()).await;
        list(&client).await.unwrap();
        let key = idp.requests_to("/openstack/latest/securitykey");
        assert_eq!(key.len(), 1, "status {status}");
        assert_eq!(key[0].header("x-metadata-token"), None);
        // The token API is not asked again on renewal (for 24 hours).
        clock.advance(Duration::from_secs(31 * 60));
        list(&client).await.unwrap();
        assert_eq!(idp.requests_to("/meta-data/latest/api/token").len(), 1);
        assert_eq!(signers(&dbss), ["METANTAK-1", "METANTAK-2"]);
    }
}

#[tokio::test]
async fn metadata_renews_a_refused_session_token_once() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "METAR", HOUR).await;
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let client = metadata_client(&idp, &dbss, &clock, home.path()).await;
    list(&client).await.unwrap();
    idp.revoke_session();
    clock.advance(Duration::from_secs(31 * 60));
    list(&client).await.unwrap();
    assert_eq!(
        idp.paths(),
        [
            "PUT /meta-data/latest/api/token",
            "GET /openstack/latest/securitykey",
            "GET /openstack/latest/securitykey",
            "PUT /meta-data/latest/api/token",
            "GET /openstack/latest/securitykey",
        ]
    );
    let keys = idp.requests_to("/openstack/latest/securitykey");
    assert_eq!(keys[2].header("x-metadata-token"), Some("session-token-2"));
    assert_eq!(signers(&dbss), ["METARAK-1", "METARAK-2"]);
}

#[tokio::test]
async fn metadata_without_an_agency_is_not_retried_and_says_so() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "METANA", HOUR).await;
    idp.metadata(Metadata::NoAgency);
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let client = metadata_client(&idp, &dbss, &clock, home.path()).await;
    let error = list(&client).await.unwrap_err();
    assert_eq!(
        idp.paths(),
        [
            "PUT /meta-data/latest/api/token",
            "GET /openstack/latest/securitykey"
        ],
        "no token renewal for a missing agency"
    );
    let (from, failure) = source_failure(&error);
    assert_eq!(from, CredentialSource::EcsMetadata);
    assert!(matches!(failure, SourceFailure::Rejected { answer, .. } if answer.status == 401));
    let text = error.to_string();
    assert!(
        text.contains("Please configure Cloud Service Agency first"),
        "{text}"
    );
    assert!(!text.contains("session-token"), "{text}");
    assert_eq!(dbss.count(), 0);
}

#[tokio::test]
async fn concurrent_callers_share_one_fetch_and_one_renewal() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "METAC", HOUR).await;
    // Slow answers, so every caller finds the cache empty (then stale) while a fetch runs.
    idp.delay(Duration::from_millis(200));
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let client = metadata_client(&idp, &dbss, &clock, home.path()).await;
    let results = futures::future::join_all((0..64).map(|_| list(&client))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(idp.issued(), 1);
    clock.advance(Duration::from_secs(31 * 60));
    let results = futures::future::join_all((0..64).map(|_| list(&client))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(idp.issued(), 2, "one renewal for 64 waiting callers");
    let signers = signers(&dbss);
    assert_eq!(signers.len(), 128);
    assert!(signers[..64].iter().all(|ak| ak == "METACAK-1"));
    assert!(signers[64..].iter().all(|ak| ak == "METACAK-2"));
}

#[tokio::test]
async fn a_failed_renewal_keeps_good_credentials_and_never_uses_expired_ones() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "METAF", HOUR).await;
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let client = metadata_client(&idp, &dbss, &clock, home.path()).await;
    list(&client).await.unwrap();
    let unavailable = || Reply::json(500, r#"{"error":"metadata unavailable"}"#);
    idp.script(
        "/openstack/latest/securitykey",
        (0..10).map(|_| unavailable()).collect(),
    );
    // Due for renewal, still 29 minutes of life: the current credentials are used.
    clock.advance(Duration::from_secs(31 * 60));
    list(&client).await.unwrap();
    // 4 minutes of life left: inside the 5 minute floor, so no request may be signed with them.
    clock.advance(Duration::from_secs(25 * 60));
    let before = dbss.count();
    let error = list(&client).await.unwrap_err();
    assert_eq!(
        dbss.count(),
        before,
        "nothing signed with nearly expired credentials"
    );
    let (from, failure) = source_failure(&error);
    assert_eq!(from, CredentialSource::EcsMetadata);
    assert!(matches!(failure, SourceFailure::Rejected { answer, .. } if answer.status == 500));
    assert_eq!(signers(&dbss), ["METAFAK-1", "METAFAK-1"]);
}

#[tokio::test]
async fn credentials_expiring_between_two_attempts_are_renewed_for_the_retry() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "METAE", HOUR).await;
    let attempts = Arc::new(AtomicUsize::new(0));
    let (a, c) = (Arc::clone(&attempts), Arc::clone(&clock));
    // The first attempt is answered 503 while 57 minutes pass (a slow gateway, a long
    // backoff): by the retry the credentials have 3 minutes left.
    let dbss = dbss(move |_| {
        (a.fetch_add(1, Ordering::SeqCst) == 0).then(|| {
            c.advance(Duration::from_secs(57 * 60));
            Reply::json(503, r#"{"error_code":"DBSS.0503","error_msg":"busy"}"#)
        })
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let client = builder(&dbss, &clock, env_with(&[], None, home.path()))
        .credentials(Credentials::temporary(
            MetadataConfig::with_endpoint(idp.url()).into(),
        ))
        .project_id(PROJECT_ID)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
                .with_budget(None),
        )
        .build()
        .unwrap();
    list(&client).await.unwrap();
    assert_eq!(signers(&dbss), ["METAEAK-1", "METAEAK-2"]);
    let dates: Vec<String> = dbss
        .requests()
        .iter()
        .map(|r| r.header("x-sdk-date").unwrap().to_owned())
        .collect();
    assert_ne!(
        dates[0], dates[1],
        "the retry is signed anew, at the new time"
    );
}

// ---------------------------------------------------------------------------------------------
// CCE pod identity and the chain's tail

#[tokio::test]
async fn pod_identity_posts_the_token_file_content() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "POD", HOUR).await;
    let dbss = dbss(|_| None).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    write(&token_file, &format!("{POD_TOKEN}\n"));
    let config = PodIdentityConfig::new(
        format!("{}/pod-identity/credentials", idp.url()),
        &token_file,
    );
    let client = builder(&dbss, &clock, env_with(&[], None, dir.path()))
        .credentials(Credentials::temporary(config.into()))
        .project_id(PROJECT_ID)
        .build()
        .unwrap();
    list(&client).await.unwrap();
    let r = &idp.requests_to("/pod-identity/credentials")[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("authorization"), Some(POD_TOKEN));
    assert_eq!(r.body, b"{}");
    assert_eq!(signers(&dbss), ["PODAK-1"]);

    // A wrong token file: typed, and the token is not repeated.
    write(&token_file, "not-the-token");
    clock.advance(Duration::from_secs(56 * 60));
    let error = list(&client).await.unwrap_err();
    let (from, _) = source_failure(&error);
    assert_eq!(from, CredentialSource::PodIdentity);
    assert!(!format!("{error} {error:?}").contains("not-the-token"));
}

#[tokio::test]
async fn the_default_chain_on_cce_falls_through_metadata_to_pod_identity() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "TAIL", HOUR).await;
    // No metadata service here: every path answers as a plain web server would.
    idp.script("/meta-data/latest/api/token", vec![Reply::json(404, "{}")]);
    idp.script(
        "/openstack/latest/securitykey",
        vec![Reply::json(404, "{}")],
    );
    let dbss = dbss(|_| None).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    write(&token_file, POD_TOKEN);
    let env = env_with(
        &[
            (
                "HC_CONTAINER_CREDENTIALS_FULL_URI",
                format!("{}/pod-identity/credentials", idp.url()),
            ),
            (
                "HC_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                token_file.display().to_string(),
            ),
            ("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT_ID.into()),
        ],
        Some(idp.url()),
        dir.path(),
    );
    let client = builder(&dbss, &clock, env).build().unwrap();
    list(&client).await.unwrap();
    assert_eq!(signers(&dbss), ["TAILAK-1"]);
    // Renewal goes straight to the source that answered.
    clock.advance(Duration::from_secs(31 * 60));
    list(&client).await.unwrap();
    assert_eq!(
        idp.paths(),
        [
            "PUT /meta-data/latest/api/token",
            "GET /openstack/latest/securitykey",
            "POST /pod-identity/credentials",
            "POST /pod-identity/credentials",
        ]
    );
}

#[tokio::test]
async fn when_no_source_works_the_error_says_what_each_said() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "NONE", HOUR).await;
    idp.metadata(Metadata::NoAgency);
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let env = env_with(
        &[("HUAWEICLOUD_SDK_PROJECT_ID", PROJECT_ID.into())],
        Some(idp.url()),
        home.path(),
    );
    let client = builder(&dbss, &clock, env).build().unwrap();
    let error = list(&client).await.unwrap_err();
    let Error::Credentials(CredentialsError::NotFound { tried }) = &error else {
        panic!("expected NotFound, got {error:?}");
    };
    let all = tried.join("\n");
    for expected in [
        "HUAWEICLOUD_OIDC_PROVIDER_URN",
        "HUAWEICLOUD_SDK_AK",
        "profile file",
        "Please configure Cloud Service Agency first",
        "HC_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        assert!(all.contains(expected), "{expected:?} missing from:\n{all}");
    }
    assert_eq!(dbss.count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Project id discovery

#[tokio::test]
async fn the_project_id_is_discovered_from_iam_once_and_signed_with_the_same_credentials() {
    let clock = ManualClock::at_unix(T0);
    let idp = Identity::start(Arc::clone(&clock), "DISC", 6 * HOUR).await;
    let dbss = dbss(|_| None).await;
    let home = tempfile::tempdir().unwrap();
    let env = env_with(
        &[("HUAWEICLOUD_SDK_IAM_ENDPOINT", idp.url().to_owned())],
        None,
        home.path(),
    );
    let client = builder(&dbss, &clock, env)
        .credentials(Credentials::temporary(
            MetadataConfig::with_endpoint(idp.url()).into(),
        ))
        .build()
        .unwrap();
    assert_eq!(client.project_id(), None, "not known before the first call");
    list(&client).await.unwrap();
    list(&client).await.unwrap();
    assert_eq!(client.project_id(), Some(PROJECT_ID));
    let projects = idp.requests_to("/v3/projects");
    assert_eq!(projects.len(), 1, "discovered once");
    assert_eq!(projects[0].target, "/v3/projects?name=cn-north-4");
    assert_eq!(
        signed_with(&projects[0]),
        ("DISCAK-1".into(), "ST-1-SECRET".into())
    );
    for r in dbss.requests() {
        assert!(
            r.target.starts_with(&format!("/v2/{PROJECT_ID}/")) || r.target.contains(PROJECT_ID),
            "{}",
            r.target
        );
    }
}

#[tokio::test]
async fn a_region_with_no_project_or_several_is_a_clear_error() {
    for (prefix, ids) in [("DISC0", &[][..]), ("DISC2", &["p-one", "p-two"][..])] {
        let clock = ManualClock::at_unix(T0);
        let idp = Identity::start(Arc::clone(&clock), prefix, HOUR).await;
        idp.projects("cn-north-4", ids);
        let dbss = dbss(|_| None).await;
        let home = tempfile::tempdir().unwrap();
        let env = env_with(
            &[("HUAWEICLOUD_SDK_IAM_ENDPOINT", idp.url().to_owned())],
            None,
            home.path(),
        );
        let client = builder(&dbss, &clock, env)
            .credentials(Credentials::temporary(
                MetadataConfig::with_endpoint(idp.url()).into(),
            ))
            .build()
            .unwrap();
        let error = list(&client).await.unwrap_err();
        let Error::Credentials(CredentialsError::ProjectDiscovery { region, reason }) = &error
        else {
            panic!("expected ProjectDiscovery, got {error:?}");
        };
        assert_eq!(region, "cn-north-4");
        assert!(reason.contains("iam-trace-1"), "{reason}");
        assert!(!error.to_string().contains("SECRET"), "{error}");
        assert_eq!(dbss.count(), 0);
    }
}
