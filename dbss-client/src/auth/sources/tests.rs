#![allow(clippy::unwrap_used)]

use secrecy::ExposeSecret;

use super::*;

fn answer(body: &str) -> Answer {
    let mut headers = HeaderMap::new();
    headers.insert("x-request-id", "rid-1".parse().unwrap());
    Answer {
        status: 200,
        headers,
        body: bytes::Bytes::from(body.to_owned()),
    }
}

fn url() -> reqwest::Url {
    reqwest::Url::parse("http://127.0.0.1:1/x?secret=1").unwrap()
}

#[test]
fn the_three_answer_shapes_at_top_level_and_nested() {
    let expiry = "2026-12-06T17:00:00.000000Z";
    for body in [
        format!(
            r#"{{"credential":{{"access":"A","secret":"S","securitytoken":"T","expires_at":"{expiry}"}}}}"#
        ),
        format!(
            r#"{{"credentials":{{"access_key_id":"A","secret_access_key":"S","security_token":"T","expiration":"{expiry}"}}}}"#
        ),
        format!(
            r#"{{"accessKeyId":"A","secretAccessKey":"S","securityToken":"T","expiration":"{expiry}"}}"#
        ),
    ] {
        let fetched = parse_credentials(&answer(&body), &url()).unwrap();
        assert_eq!(fetched.credentials.access_key_id(), "A", "{body}");
        assert_eq!(fetched.credentials.secret_key().expose_secret(), "S");
        assert_eq!(
            fetched
                .credentials
                .security_token()
                .unwrap()
                .expose_secret(),
            "T"
        );
        let expected: jiff::Timestamp = expiry.parse().unwrap();
        assert_eq!(fetched.expires_at, SystemTime::from(expected));
    }
}

#[test]
fn unusable_answers_say_what_is_missing_and_never_the_secret() {
    let cases = [
        ("not json", "the body is not JSON"),
        (
            r#"{"credential":{"secret":"S-SECRET","securitytoken":"T","expires_at":"2026-12-06T17:00:00.000000Z"}}"#,
            "no access key id",
        ),
        (
            r#"{"credential":{"access":"A","securitytoken":"T","expires_at":"2026-12-06T17:00:00.000000Z"}}"#,
            "no secret key",
        ),
        (
            r#"{"credential":{"access":"A","secret":"S-SECRET","expires_at":"2026-12-06T17:00:00.000000Z"}}"#,
            "no security token",
        ),
        (
            r#"{"credential":{"access":"A","secret":"S-SECRET","securitytoken":"T"}}"#,
            "no expiry (expires_at or expiration)",
        ),
        (
            r#"{"credential":{"access":"A","secret":"S-SECRET","securitytoken":"T","expires_at":"tomorrow"}}"#,
            "the expiry is not a UTC time",
        ),
    ];
    for (body, reason) in cases {
        let error = parse_credentials(&answer(body), &url()).unwrap_err();
        let SourceFailure::InvalidAnswer {
            reason: got,
            request_id,
            url,
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(*got, reason);
        assert_eq!(request_id.as_deref(), Some("rid-1"));
        assert_eq!(url, "http://127.0.0.1:1/x", "the query is not shown");
        assert!(!format!("{error} {error:?}").contains("S-SECRET"));
    }
}

#[test]
fn rejected_answers_keep_code_message_and_request_id_without_echoed_tokens() {
    let mut a = answer(r#"{"error_code":"STS.0001","error_msg":"bad id token eyJSECRET"}"#);
    a.status = 400;
    let failure = a.rejected(&url(), &["eyJSECRET"]);
    let text = failure.to_string();
    assert_eq!(
        text,
        "http://127.0.0.1:1/x answered HTTP 400, STS.0001: bad id token [REDACTED] (request id rid-1)"
    );
}

#[test]
fn service_urls_refuse_plain_http_to_remote_hosts_unless_allowed() {
    let remote = Reach::Remote {
        allow_insecure_http: false,
    };
    assert!(service_url("https://sts.example.com", remote).is_ok());
    assert!(service_url("http://127.0.0.1:8080", remote).is_ok());
    let refused = service_url("http://sts.example.com", remote).unwrap_err();
    assert!(refused.to_string().contains("plain http"), "{refused}");
    assert!(
        service_url(
            "http://sts.example.com",
            Reach::Remote {
                allow_insecure_http: true
            }
        )
        .is_ok()
    );
    assert!(service_url("http://169.254.169.254", Reach::Local).is_ok());
    assert!(service_url("ftp://x", Reach::Local).is_err());
    assert!(service_url("http://u:p@127.0.0.1", Reach::Local).is_err());
    assert!(service_url("no url", Reach::Local).is_err());
}

#[test]
fn token_files_are_stripped_and_must_not_be_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("token");
    std::fs::write(&path, "  tok\n").unwrap();
    assert_eq!(read_token_file(&path).unwrap().expose_secret(), "tok");
    std::fs::write(&path, " \n").unwrap();
    let e = read_token_file(&path).unwrap_err();
    assert!(e.to_string().ends_with("it is empty"), "{e}");
    let e = read_token_file(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(e, SourceFailure::File { .. }));
}
