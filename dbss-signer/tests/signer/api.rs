//! Behaviour of the public API beyond the known-answer vectors: redaction, input validation,
//! header handling and every verifier error.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dbss_signer::{
    Credentials, DEFAULT_MAX_CLOCK_SKEW, ReceivedRequest, SignError, SignableRequest,
    SigningOutput, SigningParams, SigningTime, TimeError, VerifyError, sign, verify,
};

const AK: &str = "AKTESTEXAMPLE0000001";
const SK: &str = "SKtestExampleSecretKey0123456789abcdefABC";
const TOKEN: &str = "gQpjbi1ub3J0aC00THbGtTEST+SECURITY/TOKEN==";
const URL: &str = "https://dbss.cn-north-4.myhuaweicloud.com/v1/0123456789abcdef0123456789abcdef/audit/3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7/reports/create";
const BODY: &[u8] = br#"{"end_time": "2025-08-21 07:03:31", "start_time": "2025-08-20 16:00:00", "template_id": "t8g7LJgBTpKZyZbbeTgS"}"#;
const HEADERS: [(&str, &str); 3] = [
    ("Content-Type", "application/json"),
    (
        "User-Agent",
        "huaweicloud-usdk-python/3.0; vector-test-agent",
    ),
    ("X-Project-Id", "0123456789abcdef0123456789abcdef"),
];

fn time() -> SigningTime {
    SigningTime::parse("20250821T070331Z").unwrap()
}

fn params() -> SigningParams<'static> {
    SigningParams::new(Credentials::new(AK, SK.as_bytes()), time())
}

fn request<'a>(headers: &'a [(&'a str, &'a str)]) -> SignableRequest<'a> {
    SignableRequest {
        method: "POST",
        url: URL,
        headers,
        body: Some(BODY),
    }
}

fn sign_err(headers: &[(&str, &str)], params: &SigningParams<'_>) -> SignError {
    match sign(&request(headers), params) {
        Ok(_) => panic!("signing should have failed"),
        Err(e) => e,
    }
}

// ---- signing ---------------------------------------------------------------------------------

#[test]
fn doc_example_signature_matches_the_official_sdk() {
    let out = sign(&request(&HEADERS), &params()).unwrap();
    assert_eq!(
        out.authorization(),
        "SDK-HMAC-SHA256 Access=AKTESTEXAMPLE0000001, SignedHeaders=content-type;host;user-agent;x-project-id;x-sdk-date, Signature=2f3866392f18657dc55fc17ca30193ab3f584ce093c4e924cc2293d1fd0b54de"
    );
    assert_eq!(
        out.signature(),
        "2f3866392f18657dc55fc17ca30193ab3f584ce093c4e924cc2293d1fd0b54de"
    );
    assert_eq!(out.sdk_date(), time());
    let to_set: Vec<(&str, &str)> = out.headers_to_set().collect();
    assert_eq!(
        to_set,
        vec![
            ("X-Sdk-Date", "20250821T070331Z"),
            ("Host", "dbss.cn-north-4.myhuaweicloud.com"),
            ("Authorization", out.authorization()),
        ]
    );
    assert_eq!(out.headers().len(), 6);
}

#[test]
fn credentials_debug_redacts_secret_key_and_token() {
    let plain = Credentials::new("AKX", b"very-secret");
    assert_eq!(
        format!("{plain:?}"),
        r#"Credentials { access_key_id: "AKX", secret_key: [REDACTED], security_token: None }"#
    );
    let temp = plain.with_security_token("token-value");
    assert_eq!(
        format!("{temp:?}"),
        r#"Credentials { access_key_id: "AKX", secret_key: [REDACTED], security_token: Some([REDACTED]) }"#
    );
    let pretty = format!("{:#?}", SigningParams::new(temp, time()));
    assert!(
        !pretty.contains("very-secret") && !pretty.contains("token-value"),
        "{pretty}"
    );
    assert!(pretty.contains("20250821T070331Z"), "{pretty}");
}

#[test]
fn request_and_output_debug_redact_credentials() {
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Auth-Token", "iam-token-value"),
        ("x-security-token", TOKEN),
    ];
    let req = request(&headers);
    assert_eq!(
        format!("{req:?}"),
        format!(
            r#"SignableRequest {{ method: "POST", url: "{URL}", headers: [("Content-Type", "application/json"), ("X-Auth-Token", [REDACTED]), ("x-security-token", [REDACTED])], body: Some(<{} bytes>) }}"#,
            BODY.len()
        )
    );
    let creds = Credentials::new(AK, SK.as_bytes()).with_security_token(TOKEN);
    let out = sign(&req, &SigningParams::new(creds, time())).unwrap();
    let debug = format!("{out:?}");
    for secret in [TOKEN, "iam-token-value", SK, out.signature()] {
        assert!(!debug.contains(secret), "{secret:?} leaked into {debug}");
    }
    assert!(debug.contains("x-security-token"), "{debug}");
}

#[test]
fn crlf_and_nul_in_header_values_are_rejected_without_echoing_the_value() {
    for bad in [
        "a\rb",
        "a\nb",
        "a\0b",
        "secret-token\r\nX-Injected: 1",
        "\n",
    ] {
        for name in ["X-Custom", "X-Auth-Token", "Authorization-Like"] {
            let headers = [("Content-Type", "application/json"), (name, bad)];
            let err = sign_err(&headers, &params());
            assert_eq!(
                err,
                SignError::InvalidHeaderValue {
                    name: name.to_owned()
                }
            );
            let msg = err.to_string();
            assert!(msg.contains(name), "{msg}");
            assert!(
                !msg.contains("secret-token") && !msg.contains('\n'),
                "{msg}"
            );
        }
    }
    let creds = Credentials::new(AK, SK.as_bytes()).with_security_token("tok\r\nen");
    let err = sign_err(&HEADERS, &SigningParams::new(creds, time()));
    assert_eq!(
        err,
        SignError::InvalidHeaderValue {
            name: "X-Security-Token".into()
        }
    );
    assert!(!err.to_string().contains("tok"), "{err}");
}

#[test]
fn invalid_inputs_are_typed_errors() {
    assert_eq!(
        sign_err(&[("Bad Name", "v")], &params()),
        SignError::InvalidHeaderName {
            name: "Bad Name".into()
        }
    );
    assert_eq!(
        sign_err(&[("", "v")], &params()),
        SignError::InvalidHeaderName { name: "".into() }
    );
    assert_eq!(
        sign_err(&[("X-A", "1"), ("x-a", "2")], &params()),
        SignError::DuplicateHeader { name: "x-a".into() }
    );
    assert_eq!(
        sign_err(&[("authorization", "SDK-HMAC-SHA256 old")], &params()),
        SignError::AuthorizationPresent
    );
    assert_eq!(
        sign_err(&[("X-Sdk-Date", " 20250821T070331Z")], &params()),
        SignError::InvalidSdkDateHeader(TimeError::Malformed)
    );
    let empty_ak = SigningParams::new(Credentials::new("", b"sk"), time());
    assert_eq!(sign_err(&HEADERS, &empty_ak), SignError::EmptyAccessKeyId);
    let comma_ak = SigningParams::new(Credentials::new("AK,X", b"sk"), time());
    assert_eq!(sign_err(&HEADERS, &comma_ak), SignError::InvalidAccessKeyId);
    let empty_sk = SigningParams::new(Credentials::new(AK, b""), time());
    assert_eq!(sign_err(&HEADERS, &empty_sk), SignError::EmptySecretKey);

    let bad_method = SignableRequest {
        method: "PO ST",
        ..request(&HEADERS)
    };
    assert!(matches!(
        sign(&bad_method, &params()),
        Err(SignError::InvalidMethod { .. })
    ));
    for url in [
        "/v1/relative",
        "https://host/a b",
        "https://host/x#frag",
        "https://user@host/x",
        "https://host/ä",
        "https://host/a\\b",
    ] {
        let req = SignableRequest {
            url,
            ..request(&HEADERS)
        };
        assert!(
            matches!(sign(&req, &params()), Err(SignError::InvalidUrl { .. })),
            "{url}"
        );
    }
}

#[test]
fn security_token_is_set_not_appended() {
    let headers = [
        ("Content-Type", "application/json"),
        ("x-security-token", "stale-token"),
    ];
    let creds = Credentials::new(AK, SK.as_bytes()).with_security_token(TOKEN);
    let out = sign(&request(&headers), &SigningParams::new(creds, time())).unwrap();
    let tokens: Vec<(&str, &str)> = out
        .headers()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-security-token"))
        .collect();
    assert_eq!(tokens, vec![("x-security-token", TOKEN)]);
    assert!(
        out.headers_to_set()
            .any(|h| h == ("x-security-token", TOKEN))
    );
    assert!(
        out.canonical_request()
            .contains(&format!("\nx-security-token:{TOKEN}\n"))
    );

    // Without the header it is added, just before the signer's own headers.
    let creds = Credentials::new(AK, SK.as_bytes()).with_security_token(TOKEN);
    let out = sign(&request(&HEADERS), &SigningParams::new(creds, time())).unwrap();
    let names: Vec<&str> = out.headers().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        [
            "Content-Type",
            "User-Agent",
            "X-Project-Id",
            "X-Security-Token",
            "X-Sdk-Date",
            "Host",
            "Authorization"
        ]
    );
}

#[test]
fn caller_date_wins_and_trimmed_values_are_reported_to_set() {
    let headers = [
        ("Content-Type", "application/json"),
        ("x-sdk-date", "20240102T030405Z"),
        ("X-Padded", "  v  "),
        ("Host", "example.test"),
    ];
    let out = sign(&request(&headers), &params()).unwrap();
    assert_eq!(out.sdk_date().as_str(), "20240102T030405Z");
    assert!(
        out.string_to_sign()
            .starts_with("SDK-HMAC-SHA256\n20240102T030405Z\n")
    );
    let to_set: Vec<(&str, &str)> = out.headers_to_set().collect();
    assert_eq!(
        to_set,
        vec![("X-Padded", "v"), ("Authorization", out.authorization())]
    );
    assert!(out.canonical_request().contains("\nhost:example.test\n"));
}

#[test]
fn url_is_sent_with_the_sorted_query_and_the_path_as_given() {
    let req = SignableRequest {
        method: "GET",
        url: "http://127.0.0.1:8080/v1/a%2Fb?b=2&a=%7E&c",
        headers: &HEADERS,
        body: None,
    };
    let out = sign(&req, &params()).unwrap();
    assert_eq!(out.url(), "http://127.0.0.1:8080/v1/a%2Fb?a=~&b=2&c=");
    assert!(
        out.canonical_request()
            .starts_with("GET\n/v1/a/b/\na=~&b=2&c=\n")
    );
    let req = SignableRequest {
        url: "https://h.example",
        ..req
    };
    assert_eq!(sign(&req, &params()).unwrap().url(), "https://h.example/");
}

#[test]
fn signing_time_from_the_clock() {
    let t = SigningTime::from_system_time(UNIX_EPOCH + Duration::from_secs(1_755_759_811)).unwrap();
    assert_eq!(t.to_string(), "20250821T070331Z");
    assert_eq!("20250821T070331Z".parse::<SigningTime>().unwrap(), t);
    let now = SigningTime::now().unwrap();
    let back = now.to_system_time().unwrap();
    let drift = SystemTime::now().duration_since(back).unwrap();
    assert!(drift < Duration::from_secs(5));
}

// ---- verifying -------------------------------------------------------------------------------

fn signed() -> (SigningOutput<'static>, Vec<(String, String)>) {
    let creds = Credentials::new(AK, SK.as_bytes()).with_security_token(TOKEN);
    let out = sign(&request(&HEADERS), &SigningParams::new(creds, time())).unwrap();
    let headers = out
        .headers()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    (out, headers)
}

fn check(
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    now: SystemTime,
) -> Result<(), VerifyError> {
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let received = ReceivedRequest {
        method: "POST",
        url,
        headers: &refs,
        body,
    };
    verify(
        &received,
        |ak| (ak == AK).then_some(SK.as_bytes()),
        now,
        DEFAULT_MAX_CLOCK_SKEW,
    )
    .map(|v| {
        assert_eq!(v.access_key_id, AK);
        assert_eq!(v.signed_at, time());
    })
}

fn at(offset_secs: i64) -> SystemTime {
    let t = time().to_system_time().unwrap();
    if offset_secs >= 0 {
        t + Duration::from_secs(offset_secs.unsigned_abs())
    } else {
        t - Duration::from_secs(offset_secs.unsigned_abs())
    }
}

fn with_header(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            if n.eq_ignore_ascii_case(name) {
                (n.clone(), value.to_owned())
            } else {
                (n.clone(), v.clone())
            }
        })
        .collect()
}

#[test]
fn verify_accepts_and_checks_the_clock_skew() {
    let (out, headers) = signed();
    let origin = "/v1/0123456789abcdef0123456789abcdef/audit/3f2a9c6e1b7d4e8fa0c5b2d9e6f1a3c7/reports/create";
    for offset in [0, 900, -900] {
        assert_eq!(check(out.url(), &headers, Some(BODY), at(offset)), Ok(()));
        assert_eq!(check(origin, &headers, Some(BODY), at(offset)), Ok(()));
    }
    assert_eq!(
        check(out.url(), &headers, Some(BODY), at(901)),
        Err(VerifyError::Expired {
            age_secs: 901,
            max_skew_secs: 900
        })
    );
    assert_eq!(
        check(out.url(), &headers, Some(BODY), at(-901)),
        Err(VerifyError::NotYetValid {
            ahead_secs: 901,
            max_skew_secs: 900
        })
    );
}

#[test]
fn verify_reports_authorization_problems() {
    let (out, headers) = signed();
    let no_auth: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| n != "Authorization")
        .cloned()
        .collect();
    assert_eq!(
        check(out.url(), &no_auth, Some(BODY), at(0)),
        Err(VerifyError::MissingAuthorization)
    );
    let sig = out.signature();
    for bad in [
        format!("SDK-HMAC-SM3 Access={AK}, SignedHeaders=host;x-sdk-date, Signature={sig}"),
        format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date"),
        format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=Host;x-sdk-date, Signature={sig}"),
        format!("SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date, Signature=zz"),
        format!(
            "SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date, Signature={}",
            sig.to_uppercase()
        ),
        format!("SDK-HMAC-SHA256 Access={AK}, Access={AK}, SignedHeaders=host, Signature={sig}"),
        format!("SDK-HMAC-SHA256 Access={AK}, Extra=1, SignedHeaders=host, Signature={sig}"),
        format!("SDK-HMAC-SHA256 Access=, SignedHeaders=host;x-sdk-date, Signature={sig}"),
        String::new(),
    ] {
        let h = with_header(&headers, "authorization", &bad);
        assert!(
            matches!(
                check(out.url(), &h, Some(BODY), at(0)),
                Err(VerifyError::MalformedAuthorization { .. })
            ),
            "{bad:?}"
        );
    }
    let mut twice = headers.clone();
    twice.push(("authorization".into(), out.authorization().into()));
    assert!(matches!(
        check(out.url(), &twice, Some(BODY), at(0)),
        Err(VerifyError::MalformedAuthorization { .. })
    ));

    let other_ak = out.authorization().replace(AK, "AKUNKNOWN");
    let h = with_header(&headers, "authorization", &other_ak);
    assert_eq!(
        check(out.url(), &h, Some(BODY), at(0)),
        Err(VerifyError::UnknownAccessKey {
            access_key_id: "AKUNKNOWN".into()
        })
    );

    let unsigned_host = out
        .authorization()
        .replace("content-type;host;", "content-type;");
    let h = with_header(&headers, "authorization", &unsigned_host);
    assert_eq!(
        check(out.url(), &h, Some(BODY), at(0)),
        Err(VerifyError::RequiredHeaderNotSigned { name: "host" })
    );
}

#[test]
fn verify_reports_header_and_body_problems() {
    let (out, headers) = signed();
    let without_token: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| n != "X-Security-Token")
        .cloned()
        .collect();
    assert_eq!(
        check(out.url(), &without_token, Some(BODY), at(0)),
        Err(VerifyError::MissingSignedHeader {
            name: "x-security-token".into()
        })
    );
    let mut twice = headers.clone();
    twice.push(("x-project-id".into(), "other".into()));
    assert_eq!(
        check(out.url(), &twice, Some(BODY), at(0)),
        Err(VerifyError::DuplicateSignedHeader {
            name: "x-project-id".into()
        })
    );
    let bad_date = with_header(&headers, "x-sdk-date", "2025-08-21T07:03:31Z");
    assert_eq!(
        check(out.url(), &bad_date, Some(BODY), at(0)),
        Err(VerifyError::MalformedDate(TimeError::Malformed))
    );
    let mut forged = headers.clone();
    forged.push(("X-Sdk-Content-Sha256".into(), "0".repeat(64)));
    assert_eq!(
        check(out.url(), &forged, Some(BODY), at(0)),
        Err(VerifyError::PayloadHashMismatch)
    );
    let tampered = check(out.url(), &headers, Some(b"{}"), at(0));
    let Err(VerifyError::SignatureMismatch { string_to_sign }) = tampered else {
        panic!("expected a signature mismatch, got {tampered:?}");
    };
    assert!(string_to_sign.starts_with("SDK-HMAC-SHA256\n20250821T070331Z\n"));
    assert_ne!(string_to_sign, out.string_to_sign());
    assert!(matches!(
        check("https://h/a b", &headers, Some(BODY), at(0)),
        Err(VerifyError::InvalidRequest(SignError::InvalidUrl { .. }))
    ));
}

#[test]
fn verify_errors_never_contain_secrets() {
    let (out, headers) = signed();
    let tampered = with_header(&headers, "x-project-id", "other");
    let errors = [
        check(out.url(), &tampered, Some(BODY), at(0)),
        check(out.url(), &headers, Some(b"x"), at(0)),
        check(out.url(), &headers, Some(BODY), at(5000)),
    ];
    for err in errors {
        let text = format!("{} {:?}", err.as_ref().unwrap_err(), err);
        for secret in [SK, TOKEN, out.signature()] {
            assert!(!text.contains(secret), "{secret:?} leaked: {text}");
        }
    }
}
