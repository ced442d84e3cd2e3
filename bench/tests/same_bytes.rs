//! The load benchmark compares the SDK with bare reqwest "sending the same bytes": this checks
//! it. Each client makes each operation once against a loopback server that records what it
//! received; the request line, the body and every header agree, except the two a signature
//! made at another moment changes (`X-Sdk-Date`, `Authorization`), which both carry.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use dbss_bench::load::{LoadClient, LoadOp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request as received: its request line, its headers (lower-cased names, in order) and
/// its body.
#[derive(Debug, Clone, PartialEq)]
struct Received {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Answers every request with the benchmark server's answer for it, one request per
/// connection, and keeps what it received.
async fn recording_server() -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    let page = dbss_bench::list_databases_json(dbss_bench::DATABASE_PAGE);
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let head_end = loop {
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the connection closed before the request head ended");
                buf.extend_from_slice(&chunk[..n]);
                if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at;
                }
            };
            let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
            let mut lines = head.split("\r\n");
            let line = lines.next().unwrap().to_owned();
            let headers: Vec<(String, String)> = lines
                .map(|l| {
                    let (name, value) = l.split_once(':').unwrap();
                    (name.to_ascii_lowercase(), value.trim().to_owned())
                })
                .collect();
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = buf[head_end + 4..].to_vec();
            while body.len() < length {
                let mut chunk = [0u8; 4096];
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the connection closed before the body ended");
                body.extend_from_slice(&chunk[..n]);
            }
            let answer: &[u8] = if line.starts_with("GET ") {
                page.as_bytes()
            } else if line.starts_with("DELETE ") {
                dbss_bench::DELETE_RESPONSE
            } else {
                dbss_bench::server::CREATE_RESPONSE
            };
            log.lock().unwrap().push(Received {
                line,
                headers,
                body,
            });
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                answer.len()
            );
            stream.write_all(head.as_bytes()).await.unwrap();
            stream.write_all(answer).await.unwrap();
            stream.shutdown().await.unwrap();
        }
    });
    (url, received)
}

/// What must agree: everything but the time-dependent signature headers, whose presence is
/// checked instead.
fn comparable(request: &Received) -> Received {
    for name in ["x-sdk-date", "authorization"] {
        assert!(
            request.headers.iter().any(|(n, _)| n == name),
            "{name} missing: {request:?}"
        );
    }
    Received {
        headers: request
            .headers
            .iter()
            .filter(|(n, _)| n != "x-sdk-date" && n != "authorization")
            .cloned()
            .collect(),
        ..request.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_and_bare_reqwest_send_the_same_bytes_for_each_operation() {
    let (url, received) = recording_server().await;
    let sdk = LoadClient::sdk(&url).unwrap();
    let bare = LoadClient::bare(&url).unwrap();
    for op in [LoadOp::Create, LoadOp::List, LoadOp::Delete] {
        sdk.call(op).await.unwrap();
        bare.call(op).await.unwrap();
        let requests = std::mem::take(&mut *received.lock().unwrap());
        assert_eq!(requests.len(), 2, "{op:?}: {requests:?}");
        assert_eq!(
            comparable(&requests[0]),
            comparable(&requests[1]),
            "{op:?}: SDK first, bare reqwest second"
        );
    }
}
