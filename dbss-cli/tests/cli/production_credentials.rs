//! Issue 12's "done means": on ECS, in a CCE pod and in OIDC CI, `dbss reports create ...` runs
//! with no credential flag and no project id. The chain finds the temporary credentials (the
//! mock's loopback stand-ins of STS, the ECS metadata service and the pod-identity agent), the
//! client asks IAM for the project of the region, and the report is created with the issued
//! key. Each test also checks that the source it targets is the one that answered.
#![allow(clippy::unwrap_used)]

use crate::support;

use dbss_mock::{IdentityEndpoint, MockServer, Operation};
use support::{Run, bare_command, mock, run};

const FROM: &str = "2025-08-20 16:00:00";
const TO: &str = "2025-08-21 07:03:31";
const REGION: &str = "cn-north-4";

/// The binary with only what a production host has: an endpoint, a region, an instance, and
/// the IAM endpoint (pointed at the mock). No AK/SK, no token, no project id, no profile file.
fn production(mock: &MockServer, home: &std::path::Path) -> std::process::Command {
    let mut cmd = bare_command(home);
    cmd.env("DBSS_ENDPOINT", mock.base_url())
        .env("DBSS_REGION", REGION)
        .env("DBSS_INSTANCE_ID", mock.instance_id())
        .env("HUAWEICLOUD_SDK_IAM_ENDPOINT", mock.iam_endpoint());
    cmd
}

async fn create_report(cmd: std::process::Command, template: &str) -> Run {
    run(
        cmd,
        &[
            "reports",
            "create",
            "--template",
            template,
            "--from",
            FROM,
            "--to",
            TO,
        ],
    )
    .await
}

/// The report was created, in the mock's project (which only discovery could have found), and
/// IAM was asked for it once.
fn assert_created_after_discovery(mock: &MockServer, out: &Run) {
    out.ok();
    assert!(out.stdout.contains("accepted"), "{out:#?}");
    assert_eq!(mock.requests(Operation::CreateReport), 1, "{out:#?}");
    assert_eq!(mock.identity_calls(IdentityEndpoint::IamProjects), 1);
    let listed = mock
        .identity_requests()
        .into_iter()
        .find(|r| r.endpoint() == IdentityEndpoint::IamProjects)
        .unwrap();
    assert!(
        listed.target().contains(&format!("name={REGION}")),
        "{}",
        listed.target()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_ecs_the_metadata_service_and_iam_are_enough() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let mut cmd = production(&mock, home.path());
    cmd.env_remove("DBSS_METADATA_DISABLED")
        .env("DBSS_METADATA_ENDPOINT", mock.metadata_endpoint());
    let out = create_report(cmd, mock.template_id()).await;
    assert_created_after_discovery(&mock, &out);
    // The session token first, then the key with it (the official SDK's order).
    assert_eq!(mock.identity_calls(IdentityEndpoint::MetadataToken), 1);
    assert_eq!(
        mock.identity_calls(IdentityEndpoint::MetadataSecurityKey),
        1
    );
    assert_eq!(mock.identity_calls(IdentityEndpoint::StsAssumeWithOidc), 0);
    assert_eq!(mock.identity_calls(IdentityEndpoint::PodIdentity), 0);
    assert_eq!(mock.issued_credentials().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_cce_pod_the_pod_identity_agent_and_iam_are_enough() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("pod-token");
    std::fs::write(&token_file, mock.pod_identity_token()).unwrap();
    // A pod has no metadata agency: the chain's metadata step is left out as documented
    // (DBSS_METADATA_DISABLED, set by `bare_command`) and the pod-identity step answers.
    let mut cmd = production(&mock, home.path());
    cmd.env("HC_CONTAINER_CREDENTIALS_FULL_URI", mock.pod_identity_uri())
        .env("HC_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_file);
    let out = create_report(cmd, mock.template_id()).await;
    assert_created_after_discovery(&mock, &out);
    assert_eq!(mock.identity_calls(IdentityEndpoint::PodIdentity), 1);
    assert_eq!(mock.identity_calls(IdentityEndpoint::MetadataToken), 0);
    assert!(!out.stderr.contains(&mock.pod_identity_token()), "{out:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_oidc_ci_the_id_token_file_sts_and_iam_are_enough() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("oidc-token");
    std::fs::write(&token_file, mock.oidc_id_token()).unwrap();
    let mut cmd = production(&mock, home.path());
    cmd.env("HUAWEICLOUD_SDK_STS_ENDPOINT", mock.sts_endpoint())
        .env(
            "HUAWEICLOUD_OIDC_PROVIDER_URN",
            "urn:iam::0123456789:identity-provider:github",
        )
        .env(
            "HUAWEICLOUD_OIDC_AGENCY_URN",
            "urn:iam::0123456789:agency:ci",
        )
        .env("HUAWEICLOUD_OIDC_TOKEN_FILE", &token_file);
    let out = create_report(cmd, mock.template_id()).await;
    assert_created_after_discovery(&mock, &out);
    assert_eq!(mock.identity_calls(IdentityEndpoint::StsAssumeWithOidc), 1);
    assert_eq!(mock.identity_calls(IdentityEndpoint::PodIdentity), 0);
    let exchange = mock
        .identity_requests()
        .into_iter()
        .find(|r| r.endpoint() == IdentityEndpoint::StsAssumeWithOidc)
        .unwrap();
    let body = exchange.body_json().unwrap();
    assert_eq!(body["id_token"], mock.oidc_id_token().as_str());
    assert_eq!(body["agency_urn"], "urn:iam::0123456789:agency:ci");
    assert!(!out.stderr.contains(&mock.oidc_id_token()), "{out:#?}");
}

/// With nothing configured, the error names every source and what it said, and exits 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_source_every_step_is_named() {
    let mock = mock().await;
    let home = tempfile::tempdir().unwrap();
    let out = create_report(production(&mock, home.path()), mock.template_id()).await;
    out.expect_code(4);
    let line = out.one_line_error();
    for step in [
        "OIDC",
        "environment",
        "profile",
        "ECS metadata",
        "CCE pod identity",
    ] {
        assert!(line.contains(step), "{step} not named: {out:#?}");
    }
    assert_eq!(mock.total_requests(), 0, "nothing sent");
}
