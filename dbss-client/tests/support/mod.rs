//! A scripted loopback HTTP server: answers each request with the next step of a script and
//! records what it received. Raw sockets, so it can also misbehave (reset, hang, stall).
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Step {
    /// Answers with this status, extra headers and body.
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Reads the request, then resets the connection without answering.
    Reset,
    /// Reads the request and never answers.
    Hang,
    /// Sends the headers (announcing `announced` bytes) and `partial` of the body, then stalls.
    Stall { announced: usize, partial: Vec<u8> },
}

impl Step {
    pub fn json(status: u16, body: &str) -> Self {
        Step::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Step::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    /// `HTTP/1.1`.
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct ScriptServer {
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl ScriptServer {
    /// Starts on 127.0.0.1:0. Requests past the end of the script get a 599 with no body.
    pub async fn start(steps: Vec<Step>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(steps.into_iter()));
        let recorded = requests.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (script, recorded) = (script.clone(), recorded.clone());
                tokio::spawn(serve(socket, script, recorded));
            }
        });
        Self { url, requests }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

/// A URL where nothing listens: connections are refused.
pub async fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

type Script = Arc<Mutex<std::vec::IntoIter<Step>>>;

async fn serve(mut socket: TcpStream, script: Script, recorded: Arc<Mutex<Vec<Recorded>>>) {
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut socket, &mut buf).await else {
            return;
        };
        recorded.lock().unwrap().push(request);
        let step = script.lock().unwrap().next();
        match step {
            Some(Step::Respond {
                status,
                headers,
                body,
            }) => {
                let mut head = format!(
                    "HTTP/1.1 {status} Status\r\nContent-Length: {}\r\n",
                    body.len()
                );
                for (n, v) in headers {
                    head.push_str(&format!("{n}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if socket.write_all(head.as_bytes()).await.is_err()
                    || socket.write_all(&body).await.is_err()
                {
                    return;
                }
            }
            Some(Step::Reset) => {
                let _ = socket.set_zero_linger();
                return;
            }
            Some(Step::Hang) => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Some(Step::Stall { announced, partial }) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {announced}\r\n\r\n"
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&partial).await;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            None => {
                let _ = socket
                    .write_all(b"HTTP/1.1 599 Script Exhausted\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        }
    }
}

/// Reads one HTTP/1.1 request (head and `Content-Length` body) from `socket`; `buf` keeps what
/// was read past it. `None` when the peer closes first.
pub async fn read_request<S: tokio::io::AsyncRead + Unpin>(
    socket: &mut S,
    buf: &mut Vec<u8>,
) -> Option<Recorded> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_owned();
            let target = first.next()?.to_owned();
            let version = first.next().unwrap_or_default().to_owned();
            let headers: Vec<(String, String)> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .collect();
            let len = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let mut chunk = [0u8; 8192];
                let n = socket.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = buf[end + 4..end + 4 + len].to_vec();
            buf.drain(..end + 4 + len);
            return Some(Recorded {
                method,
                target,
                version,
                headers,
                body,
            });
        }
        let mut chunk = [0u8; 8192];
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// How a test run again in a child process ended: whether it passed, and everything it printed.
pub struct ChildRun {
    pub passed: bool,
    pub output: String,
}

/// Runs the test `name` (its path in this test binary, e.g. `workflow::a_test`) again, alone,
/// in a child process with the variables
/// in `set` set and those in `remove` removed. For what needs a process of its own: its peak
/// memory, or an environment read when a client is built.
pub fn run_test_in_child(name: &str, set: &[(&str, &str)], remove: &[&str]) -> ChildRun {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.args([name, "--exact", "--nocapture", "--test-threads=1"]);
    for variable in remove {
        command.env_remove(variable);
    }
    command.envs(set.iter().copied());
    let output = command.output().unwrap();
    ChildRun {
        passed: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// The peak resident set size of this process (`VmHWM`), in KiB; `None` without
/// `/proc/self/status`.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const INSTANCE: &str = "3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7";
pub const TEMPLATE: &str = "t8g7LJgBTpKZyZbbeTgS";

/// A client of `mock` with its AK/SK and the default retry policy.
pub fn mock_client(mock: &dbss_mock::MockServer) -> dbss_client::DbssClient {
    dbss_client::DbssClient::builder()
        .endpoint(mock.base_url())
        .project_id(mock.project_id())
        .credentials(dbss_client::Credentials::ak_sk(mock.ak(), mock.sk()))
        .build()
        .unwrap()
}

/// A client for `url` with fast retries and short timeouts, so fault tests finish quickly.
pub fn client(url: &str) -> dbss_client::DbssClient {
    client_with(
        url,
        dbss_client::RetryPolicy::default()
            .with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
    )
}

pub fn client_with(url: &str, retry: dbss_client::RetryPolicy) -> dbss_client::DbssClient {
    dbss_client::DbssClient::builder()
        .endpoint(url)
        .project_id(PROJECT)
        .credentials(dbss_client::Credentials::ak_sk(
            "AKTESTEXAMPLE0000001",
            "SKtestExampleSecretKey0123456789abcdefABC",
        ))
        .retry_policy(retry)
        .timeouts(dbss_client::Timeouts::default().with_attempt(Duration::from_millis(500)))
        .build()
        .expect("client builds")
}

/// 2025-08-21T07:03:31Z, always: requests signed by two clients at different moments compare
/// equal.
#[derive(Debug)]
pub struct StillClock;

impl dbss_client::clock::Clock for StillClock {
    fn now(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + Duration::from_secs(1_755_759_811)
    }
}

/// Which HTTP stack a wire test's client sends with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stack {
    /// The SDK's own client (hyper-util).
    Own,
    /// A caller's `reqwest::Client`: everything goes through it.
    CallersReqwest,
}

/// A client for wire comparisons: `credentials`, the fixed clock, user agent suffix
/// `wire-test/1`, sending on `stack`.
pub fn wire_client(
    stack: Stack,
    endpoint: &str,
    credentials: dbss_client::Credentials,
) -> dbss_client::DbssClient {
    let builder = dbss_client::DbssClient::builder()
        .endpoint(endpoint)
        .project_id(PROJECT)
        .credentials(credentials)
        .user_agent_suffix("wire-test/1")
        .clock(Arc::new(StillClock));
    match stack {
        Stack::Own => builder,
        Stack::CallersReqwest => {
            dbss_client::install_crypto_provider();
            builder.http_client(reqwest::Client::new())
        }
    }
    .build()
    .unwrap()
}
