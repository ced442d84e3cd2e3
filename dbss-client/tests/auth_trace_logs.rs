//! Secrets in TRACE logs: every temporary-credential source, succeeding and failing, logs no
//! secret (keys, session tokens, id tokens, the pod token), while access key ids may appear.
//!
//! A binary of its own: the subscriber is installed for this thread only, and tracing caches
//! whether a log statement is wanted the first time it runs. In a binary whose other tests run
//! on other threads at the same time, a statement first reached there can be cached as unwanted
//! and its lines go missing here (seen in CI).
#![allow(clippy::unwrap_used)]

mod auth_sources_support;
mod auth_support;
mod log_capture;

use std::sync::Arc;

use auth_sources_support::*;
use log_capture::Captured;

// ---------------------------------------------------------------------------------------------
// Secrets in logs

#[test]
fn trace_logs_of_every_source_and_failure_hold_no_secret() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let clock = ManualClock::at_unix(T0);
            let idp = Identity::start(Arc::clone(&clock), "LOG", HOUR).await;
            let dbss = dbss(|_| None).await;
            let dir = tempfile::tempdir().unwrap();
            let pod_token = dir.path().join("pod");
            write(&pod_token, POD_TOKEN);
            let fed_token = dir.path().join("fed");
            write(&fed_token, FEDERATED_TOKEN);
            let sources: Vec<Credentials> = vec![
                Credentials::temporary(
                    OidcConfig::with_id_token(PROVIDER_URN, AGENCY_URN, OIDC_TOKEN)
                        .with_sts_endpoint(idp.url())
                        .into(),
                ),
                Credentials::temporary(
                    dbss_client::auth::FederatedConfig::new("idp", &fed_token)
                        .with_iam_endpoint(idp.url())
                        .into(),
                ),
                Credentials::temporary(MetadataConfig::with_endpoint(idp.url()).into()),
                Credentials::temporary(
                    PodIdentityConfig::new(
                        format!("{}/pod-identity/credentials", idp.url()),
                        &pod_token,
                    )
                    .into(),
                ),
            ];
            for credentials in sources {
                let client = builder(&dbss, &clock, env_with(&[], None, dir.path()))
                    .credentials(credentials)
                    .project_id(PROJECT_ID)
                    .build()
                    .unwrap();
                list(&client).await.unwrap();
            }
            // And every failure path: refused, then unusable answers.
            idp.metadata(Metadata::NoAgency);
            idp.script(
                "/v5/agencies/assume-with-oidc",
                vec![Reply::json(
                    401,
                    &format!(r#"{{"error_msg":"bad {OIDC_TOKEN}"}}"#),
                )],
            );
            idp.script(
                "/pod-identity/credentials",
                vec![Reply::json(200, r#"{"credential":{"access":"A"}}"#)],
            );
            for credentials in [
                Credentials::temporary(MetadataConfig::with_endpoint(idp.url()).into()),
                Credentials::temporary(
                    OidcConfig::with_id_token(PROVIDER_URN, AGENCY_URN, OIDC_TOKEN)
                        .with_sts_endpoint(idp.url())
                        .into(),
                ),
                Credentials::temporary(
                    PodIdentityConfig::new(
                        format!("{}/pod-identity/credentials", idp.url()),
                        &pod_token,
                    )
                    .into(),
                ),
            ] {
                let client = builder(&dbss, &clock, env_with(&[], None, dir.path()))
                    .credentials(credentials)
                    .project_id(PROJECT_ID)
                    .build()
                    .unwrap();
                let error = list(&client).await.unwrap_err();
                tracing::error!(%error, ?error, "reported");
            }
        });
    });
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("obtained temporary credentials"), "{text}");
    assert!(
        text.contains("LOGAK-1"),
        "access key ids may be logged: {text}"
    );
    for secret in [
        "SECRET",
        "session-token-",
        "FED-IAM-TOKEN",
        OIDC_TOKEN,
        FEDERATED_TOKEN,
        POD_TOKEN,
    ] {
        assert!(!text.contains(secret), "{secret:?} in the logs:\n{text}");
    }
}
