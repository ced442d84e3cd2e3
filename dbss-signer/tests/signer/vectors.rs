//! Known-answer tests against vectors recorded from the official Python SDK.
//!
//! Checks every vector of every `tests/vectors/*.json` file and of every file listed in the
//! environment variable `DBSS_SIGN_VECTORS` (paths separated by `:`): canonical request, string
//! to sign, signed headers, Authorization, the complete header list after signing (names,
//! values and order) and the URL as sent, byte for byte. Each signed vector must also pass
//! `verify`, so the mock server's verifier agrees with the official SDK too.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use dbss_signer::{
    Credentials, ReceivedRequest, SignableRequest, SigningParams, SigningTime, sign, verify,
};
use serde::{Deserialize, Serialize};

/// The only vector format this test understands.
const FORMAT: &str = "sdk-hmac-sha256-vectors/1";
/// Extra vector files, `:`-separated.
const ENV_VAR: &str = "DBSS_SIGN_VECTORS";

#[derive(Debug, Deserialize, Serialize)]
struct VectorFile {
    format: String,
    vectors: Vec<Vector>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Vector {
    name: String,
    credentials: Creds,
    time: String,
    request: Req,
    expected: Expected,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Creds {
    ak: String,
    sk: String,
    security_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Req {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body_base64: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    canonical_request: String,
    string_to_sign: String,
    signed_headers: String,
    authorization: String,
    headers: Vec<(String, String)>,
    url: String,
}

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// The `*.json` files committed next to this test, sorted.
fn committed_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .expect("tests/vectors must exist")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The files listed in a `DBSS_SIGN_VECTORS` value; empty segments are ignored.
fn listed_files(value: &str) -> Vec<PathBuf> {
    value
        .split(':')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// Describes where two strings first differ, with a little context.
fn describe_diff(expected: &str, actual: &str) -> String {
    let at = expected
        .bytes()
        .zip(actual.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    // (str::floor_char_boundary is newer than the workspace's rust-version.)
    let ctx = |s: &str| {
        let mut start = at.saturating_sub(40).min(s.len());
        while !s.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (at + 40).min(s.len());
        while !s.is_char_boundary(end) {
            end += 1;
        }
        format!("{:?}", &s[start..end])
    };
    format!(
        "first difference at byte {at}\n      expected: {}\n      actual:   {}\n    full expected: {expected:?}\n    full actual:   {actual:?}",
        ctx(expected),
        ctx(actual)
    )
}

/// Signs one vector and compares every step. Returns one message per differing step.
fn check_vector(v: &Vector) -> Vec<String> {
    let mut errors = Vec::new();
    let mut fail = |step: &str, detail: String| {
        errors.push(format!(
            "vector {:?}: step `{step}` differs: {detail}",
            v.name
        ));
    };

    let time = match SigningTime::parse(&v.time) {
        Ok(t) => t,
        Err(e) => {
            fail("time", format!("cannot parse {:?}: {e}", v.time));
            return errors;
        }
    };
    let body = match &v.request.body_base64 {
        None => None,
        Some(b64) => match base64::engine::general_purpose::STANDARD.decode(b64) {
            Ok(b) => Some(b),
            Err(e) => {
                fail("request.body_base64", format!("invalid base64: {e}"));
                return errors;
            }
        },
    };
    let headers: Vec<(&str, &str)> = v
        .request
        .headers
        .iter()
        .map(|(n, val)| (n.as_str(), val.as_str()))
        .collect();
    let mut creds = Credentials::new(&v.credentials.ak, v.credentials.sk.as_bytes());
    if let Some(token) = &v.credentials.security_token {
        creds = creds.with_security_token(token);
    }
    let request = SignableRequest {
        method: &v.request.method,
        url: &v.request.url,
        headers: &headers,
        body: body.as_deref(),
    };
    let out = match sign(&request, &SigningParams::new(creds, time)) {
        Ok(out) => out,
        Err(e) => {
            fail("sign", format!("signing failed: {e}"));
            return errors;
        }
    };

    let e = &v.expected;
    let steps = [
        (
            "canonical_request",
            e.canonical_request.as_str(),
            out.canonical_request(),
        ),
        ("string_to_sign", &e.string_to_sign, out.string_to_sign()),
        ("signed_headers", &e.signed_headers, out.signed_headers()),
        ("authorization", &e.authorization, out.authorization()),
        ("url", &e.url, out.url()),
    ];
    for (step, expected, actual) in steps {
        if expected != actual {
            fail(step, describe_diff(expected, actual));
        }
    }
    let actual_headers: Vec<(String, String)> = out
        .headers()
        .map(|(n, val)| (n.to_owned(), val.to_owned()))
        .collect();
    if actual_headers != e.headers {
        fail(
            "headers",
            format!(
                "expected (in order) {:?}\n    actual {:?}",
                e.headers, actual_headers
            ),
        );
    }

    // The verifier must accept what the official SDK emits, as the server receives it.
    let sent_headers: Vec<(&str, &str)> = out.headers().collect();
    let received = ReceivedRequest {
        method: &v.request.method,
        url: out.url(),
        headers: &sent_headers,
        body: body.as_deref(),
    };
    let now = out
        .sdk_date()
        .to_system_time()
        .unwrap_or(std::time::UNIX_EPOCH);
    if let Err(err) = verify(
        &received,
        |ak| (ak == v.credentials.ak).then_some(v.credentials.sk.as_bytes()),
        now,
        Duration::from_secs(900),
    ) {
        fail(
            "verify",
            format!("verifier rejected the signed request: {err}"),
        );
    }
    errors
}

/// Loads a vector file and checks every vector in it. `Ok` holds the number of vectors.
fn check_file(path: &Path) -> Result<usize, Vec<String>> {
    let shown = path.display();
    if !path.exists() {
        return Err(vec![format!("{shown}: vector file does not exist")]);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| vec![format!("{shown}: cannot read vector file: {e}")])?;
    let file: VectorFile = serde_json::from_str(&text)
        .map_err(|e| vec![format!("{shown}: not a valid vector file: {e}")])?;
    if file.format != FORMAT {
        return Err(vec![format!(
            "{shown}: wrong format {:?}, expected {FORMAT:?}",
            file.format
        )]);
    }
    if file.vectors.is_empty() {
        return Err(vec![format!("{shown}: contains no vectors")]);
    }
    let errors: Vec<String> = file
        .vectors
        .iter()
        .flat_map(check_vector)
        .map(|e| format!("{shown}: {e}"))
        .collect();
    if errors.is_empty() {
        Ok(file.vectors.len())
    } else {
        Err(errors)
    }
}

/// Checks the given files; panics with every failure if any.
fn check_all(files: &[PathBuf]) {
    let mut failures = Vec::new();
    for path in files {
        match check_file(path) {
            Ok(n) => println!("checked {n} vectors in {}", path.display()),
            Err(errs) => failures.extend(errs),
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector check(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn committed_and_listed_vectors() {
    let mut files = committed_files();
    assert!(!files.is_empty(), "no *.json vector files in tests/vectors");
    if let Ok(value) = std::env::var(ENV_VAR) {
        files.extend(listed_files(&value));
    }
    check_all(&files);
}

#[test]
fn committed_vectors_are_many_and_uniquely_named() {
    let mut names = BTreeSet::new();
    let mut total = 0;
    for path in committed_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let file: VectorFile = serde_json::from_str(&text).unwrap();
        for v in file.vectors {
            total += 1;
            assert!(
                names.insert(v.name.clone()),
                "vector name {:?} appears twice ({})",
                v.name,
                path.display()
            );
        }
    }
    assert!(
        total >= 25,
        "only {total} committed vectors; expected at least 25"
    );
}

#[test]
fn env_var_value_is_split_on_colons() {
    assert_eq!(
        listed_files("/a/x.json::/b/y.json:"),
        vec![PathBuf::from("/a/x.json"), PathBuf::from("/b/y.json")]
    );
    assert!(listed_files("").is_empty());
}

// ---- the checking machinery itself -------------------------------------------------------

fn sample_vector() -> Vector {
    let text = std::fs::read_to_string(vectors_dir().join("sample-sign-vectors.json")).unwrap();
    let file: VectorFile = serde_json::from_str(&text).unwrap();
    file.vectors.into_iter().next().unwrap()
}

fn write_temp(name: &str, file: &VectorFile) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("dbss-signer-{}-{name}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string_pretty(file).unwrap()).unwrap();
    path
}

/// Runs `committed_and_listed_vectors` in a child process with `DBSS_SIGN_VECTORS` set, so the
/// real environment-variable path is exercised without mutating this process's environment.
fn run_child_with_env(value: &str) -> (bool, String) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "vectors::committed_and_listed_vectors",
            "--exact",
            "--nocapture",
        ])
        .env(ENV_VAR, value)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn env_var_file_is_checked_and_passes() {
    let mut v = sample_vector();
    v.name = "env_var_copy_of_doc_example".into();
    let path = write_temp(
        "good",
        &VectorFile {
            format: FORMAT.into(),
            vectors: vec![v],
        },
    );
    assert_eq!(check_file(&path), Ok(1));
    let (ok, out) = run_child_with_env(&format!(":{}:", path.display()));
    assert!(ok, "child failed:\n{out}");
    assert!(
        out.contains(&format!("checked 1 vectors in {}", path.display())),
        "the listed file was not checked:\n{out}"
    );
}

#[test]
fn env_var_wrong_vector_is_reported_with_name_and_step() {
    let mut v = sample_vector();
    v.name = "deliberately_wrong_signature".into();
    v.expected
        .authorization
        .replace_range(v.expected.authorization.len() - 4.., "0000");
    let path = write_temp(
        "wrong",
        &VectorFile {
            format: FORMAT.into(),
            vectors: vec![v],
        },
    );
    let (ok, out) = run_child_with_env(&path.display().to_string());
    assert!(!ok, "a wrong vector must fail the test:\n{out}");
    assert!(
        out.contains("vector \"deliberately_wrong_signature\": step `authorization` differs"),
        "failure does not name the vector and step:\n{out}"
    );
}

#[test]
fn env_var_missing_file_fails() {
    let missing = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-vectors.json");
    let (ok, out) = run_child_with_env(&missing.display().to_string());
    assert!(!ok, "a missing listed file must fail the test:\n{out}");
    assert!(out.contains("vector file does not exist"), "{out}");
}

#[test]
fn wrong_format_is_rejected() {
    let path = write_temp(
        "format",
        &VectorFile {
            format: "sdk-hmac-sha256-vectors/2".into(),
            vectors: vec![sample_vector()],
        },
    );
    let errors = check_file(&path).unwrap_err();
    assert!(errors[0].contains("wrong format"), "{errors:?}");
    let (ok, out) = run_child_with_env(&path.display().to_string());
    assert!(!ok && out.contains("wrong format"), "{out}");
}

#[test]
fn every_step_is_compared() {
    type Mutation = fn(&mut Expected);
    let mutations: [(&str, Mutation); 6] = [
        ("canonical_request", |e| e.canonical_request.push(' ')),
        ("string_to_sign", |e| e.string_to_sign.push(' ')),
        ("signed_headers", |e| e.signed_headers.push_str(";x")),
        ("authorization", |e| e.authorization.push(' ')),
        ("headers", |e| e.headers.swap(0, 1)),
        ("url", |e| e.url.push('/')),
    ];
    for (step, mutate) in mutations {
        let mut v = sample_vector();
        mutate(&mut v.expected);
        let errors = check_vector(&v);
        assert_eq!(errors.len(), 1, "{step}: {errors:?}");
        assert!(
            errors[0].contains(&format!("step `{step}` differs")),
            "{errors:?}"
        );
    }
    assert!(check_vector(&sample_vector()).is_empty());
}
