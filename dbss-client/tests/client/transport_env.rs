//! The SDK's HTTP client (`src/transport/`) where the process environment decides: TLS trust
//! (`SSL_CERT_FILE`) and proxies (`HTTP_PROXY`), for `create_report` (the prepared request) and
//! `list_templates` (a generated operation), both over hyper-util unless a proxy applies.
//!
//! Those variables must be set before the client is built and the process environment cannot
//! be changed safely while tests run, so the client runs in a child process (this test binary
//! again, with the variables set) while this process serves and checks what arrives.
//!
//! - TLS: a loopback TLS server whose certificate is made for the test and trusted only through
//!   `SSL_CERT_FILE` (which the platform trust store reads on Linux). Every request's signature
//!   is verified (`dbss_signer::verify`); requests arrive over HTTP/1.1 although the server
//!   offered HTTP/2; a child trusting another certificate fails the handshake.
//! - Proxy: with `HTTP_PROXY` set, both calls go through the proxy (reqwest then sends every
//!   request of the client), to an endpoint where nothing listens.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use dbss_signer::{DEFAULT_MAX_CLOCK_SKEW, ReceivedRequest};
use support::{ChildRun, INSTANCE, PROJECT, Recorded, ScriptServer, Step, TEMPLATE, read_request};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const CHILD_URL: &str = "DBSS_TLS_TEST_URL";
const AK: &str = "AKTLSTEST00000000001";
const SK: &str = "SK-tls-test-secret-0123456789";

/// One request as the server saw it, and the protocol negotiated for its connection.
#[derive(Clone, Debug)]
struct Seen {
    alpn: Option<Vec<u8>>,
    request: Recorded,
}

#[test]
fn a_proxy_in_the_environment_carries_both_stacks() {
    if let Ok(url) = std::env::var(CHILD_URL) {
        child(&url);
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (proxy, endpoint) = runtime.block_on(async {
        let answer = || {
            Step::json(200, r#"{"result":"success","templates":[],"total":0}"#)
                .with_header("X-Request-Id", "via-proxy")
        };
        let proxy = ScriptServer::start(vec![answer(), answer()]).await;
        (proxy, support::refused_url().await)
    });
    let out = run_child(
        "a_proxy_in_the_environment_carries_both_stacks",
        &endpoint,
        &[("HTTP_PROXY", proxy.url.as_str())],
    );
    assert!(out.passed, "child failed:\n{}", out.output);
    // A proxy receives the absolute URL; nothing listens at the endpoint itself, so a request
    // sent past the proxy would have failed the child.
    let targets: Vec<String> = proxy.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            format!("{endpoint}/v1/{PROJECT}/audit/{INSTANCE}/reports/create"),
            format!("{endpoint}/v2/{PROJECT}/audit/{INSTANCE}/reports/templates"),
        ]
    );
    drop(runtime);
}

#[test]
fn both_stacks_speak_verified_http1_over_tls() {
    if let Ok(url) = std::env::var(CHILD_URL) {
        child(&url);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, certified.cert.pem()).unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
    let port = runtime.block_on(serve_tls(
        certified.cert.der().clone(),
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        )),
        Arc::clone(&seen),
    ));
    let url = format!("https://localhost:{port}");

    // Trusted through SSL_CERT_FILE: both calls succeed.
    let trusted = run_child(
        "both_stacks_speak_verified_http1_over_tls",
        &url,
        &[("SSL_CERT_FILE", ca_file.to_str().unwrap())],
    );
    assert!(
        trusted.passed,
        "child failed:
{}",
        trusted.output
    );
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    for request in &requests {
        // The server offered h2 and http/1.1; the SDK never takes h2 (it offers http/1.1 or,
        // over hyper-rustls with HTTP/1.1 alone, no ALPN at all).
        assert!(
            matches!(request.alpn.as_deref(), None | Some(b"http/1.1")),
            "{request:?}"
        );
        assert_eq!(request.request.version, "HTTP/1.1", "{request:?}");
        verify(&request.request).unwrap_or_else(|e| panic!("{e}: {request:?}"));
    }
    assert_eq!(requests[0].request.method, "POST");
    assert_eq!(
        requests[0].request.target,
        format!("/v1/{PROJECT}/audit/{INSTANCE}/reports/create")
    );
    assert_eq!(requests[1].request.method, "GET");

    // Trusting only another certificate: the handshake fails and nothing is sent.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let other_file = dir.path().join("other.pem");
    std::fs::write(&other_file, other.cert.pem()).unwrap();
    let untrusted = run_child(
        "both_stacks_speak_verified_http1_over_tls",
        &url,
        &[("SSL_CERT_FILE", other_file.to_str().unwrap())],
    );
    assert!(!untrusted.passed, "{}", untrusted.output);
    let text = &untrusted.output;
    assert!(text.contains("certificate"), "{text}");
    assert_eq!(seen.lock().unwrap().len(), 2);
}

/// Runs the test `test` in a child process that sends to `url`, with `env` set and every other
/// variable that could route or trust differently removed.
fn run_child(test: &str, url: &str, env: &[(&str, &str)]) -> ChildRun {
    let mut set = vec![(CHILD_URL, url)];
    set.extend_from_slice(env);
    support::run_test_in_child(
        &format!("transport_env::{test}"),
        &set,
        &[
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ],
    )
}

/// The child: one create-report and one list-templates, fast failures.
fn child(url: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = dbss_client::DbssClient::builder()
            .endpoint(url)
            .project_id(PROJECT)
            .credentials(dbss_client::Credentials::ak_sk(AK, SK))
            .retry_policy(dbss_client::RetryPolicy::default().with_max_attempts(1))
            .build()
            .unwrap();
        let created = client
            .create_report(INSTANCE)
            .template(TEMPLATE)
            .time_range("2025-08-20 16:00:00", "2025-08-21 07:03:31")
            .send()
            .await;
        let created = created.unwrap_or_else(|e| panic!("create_report: {e}"));
        assert!(created.request_id.is_some());
        let templates = client.list_templates(INSTANCE).send().await;
        let templates = templates.unwrap_or_else(|e| panic!("list_templates: {e}"));
        assert!(templates.is_empty());
    });
}

/// Serves TLS on 127.0.0.1 (offering h2 and http/1.1) and answers every HTTP/1.1 request with a
/// JSON body that fits both operations; returns the port.
async fn serve_tls(
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    seen: Arc<Mutex<Vec<Seen>>>,
) -> u16 {
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (acceptor, seen) = (acceptor.clone(), Arc::clone(&seen));
            tokio::spawn(async move {
                // A failed handshake (the untrusting child) is expected.
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
                let mut buf = Vec::new();
                while let Some(request) = read_request(&mut tls, &mut buf).await {
                    let alpn = alpn.clone();
                    seen.lock().unwrap().push(Seen { alpn, request });
                    let body = r#"{"result":"success","templates":[],"total":0}"#;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         X-Request-Id: tls-test\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if tls.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn verify(request: &Recorded) -> Result<(), String> {
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let received = ReceivedRequest {
        method: &request.method,
        url: &request.target,
        headers: &headers,
        body: Some(&request.body),
    };
    dbss_signer::verify(
        &received,
        |ak| (ak == AK).then_some(SK),
        SystemTime::now(),
        DEFAULT_MAX_CLOCK_SKEW,
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}
