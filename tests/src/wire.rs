//! What goes on the wire: the client under test, and checks of paths and query strings.

use std::collections::BTreeMap;
use std::time::Duration;

/// A tokio runtime for one test: single-threaded, with I/O and timers. Create it once, outside
/// any proptest closure, and `block_on` inside.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The generated client, unauthenticated, pointed at `base_url` (the capture server).
pub fn raw_client(base_url: &str) -> dbss_client::raw::Client {
    // reqwest is built with `rustls-no-provider`: the process picks the provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        // Loopback only: never through a proxy the environment may name.
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a reqwest client");
    dbss_client::raw::Client::new_with_client(base_url, http, dbss_client::Inner::anonymous())
}

/// Characters that must never appear raw in an encoded path parameter: they end the path
/// (`?`, `#`), split it (`/`, and `\`, which URL parsers treat as `/` in `http(s)` URLs), start
/// an escape (`%`), or are not allowed in a URL at all (space, `"`, `<`, `>`, `` ` ``, `{`, `}`).
/// Controls and non-ASCII must be encoded too.
fn must_be_encoded(c: char) -> bool {
    !c.is_ascii_graphic() || " \"#%/<>?\\`{}".contains(c)
}

/// Percent-encodes a path parameter the way the official Huawei Cloud SDK does
/// (`urllib.parse.quote(value, safe='')`): everything but the RFC 3986 unreserved characters
/// `A-Z a-z 0-9 - . _ ~`, upper-case hex.
pub fn official_sdk_encode(value: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, SET).to_string()
}

/// Matches a raw (percent-encoded) request path against a path template such as
/// `/v1/{project_id}/audit/{instance_id}/reports/create` and returns the decoded value of each
/// `{parameter}`.
///
/// Fails if the literal segments differ, the number of segments differs (an unencoded `/` in a
/// parameter), a segment holds a character that must be percent-encoded (controls, non-ASCII,
/// space, `"`, `#`, `%`, `/`, `<`, `>`, `?`, `\`, backtick, `{`, `}`; RFC 3986 sub-delimiters
/// and `|`, `^`, `[`, `]` may stay raw, as progenitor leaves them), a `%` is not followed by two
/// hex digits, or a decoded value is not UTF-8.
pub fn match_path(template: &str, path: &str) -> Result<BTreeMap<String, String>, String> {
    let expected: Vec<&str> = template.split('/').collect();
    let actual: Vec<&str> = path.split('/').collect();
    if expected.len() != actual.len() {
        return Err(format!(
            "{path:?} has {} segments, template {template:?} has {}",
            actual.len(),
            expected.len()
        ));
    }
    let mut parameters = BTreeMap::new();
    for (want, got) in expected.iter().zip(&actual) {
        if let Some(name) = want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            check_encoded(got).map_err(|e| format!("{{{name}}} = {got:?}: {e}"))?;
            let decoded = percent_encoding::percent_decode_str(got)
                .decode_utf8()
                .map_err(|e| format!("{{{name}}} = {got:?}: not UTF-8 once decoded: {e}"))?;
            parameters.insert(name.to_owned(), decoded.into_owned());
        } else if want != got {
            return Err(format!("segment {got:?} of {path:?}, expected {want:?}"));
        }
    }
    Ok(parameters)
}

/// Checks that a path segment is well percent-encoded.
fn check_encoded(segment: &str) -> Result<(), String> {
    let bytes = segment.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        let c = char::from(bytes[index]);
        if c == '%' {
            let hex = segment.get(index + 1..index + 3).unwrap_or("");
            if hex.len() != 2 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                return Err(format!("'%' at {index} is not followed by two hex digits"));
            }
            index += 3;
        } else if must_be_encoded(c) {
            return Err(format!("{c:?} at {index} must be percent-encoded"));
        } else {
            index += 1;
        }
    }
    Ok(())
}

/// Parses a raw query string (`a=1&b=x%20y`) into decoded `(name, value)` pairs, in order.
pub fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (decode(name), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "/v1/{project_id}/audit/{instance_id}/reports/create";

    #[test]
    fn decodes_parameters() {
        let parameters = match_path(TEMPLATE, "/v1/a%2Fb%20c/audit/%E4%B8%AD%25/reports/create")
            .expect("matches");
        assert_eq!(parameters["project_id"], "a/b c");
        assert_eq!(parameters["instance_id"], "中%");
    }

    #[test]
    fn rejects_bad_paths() {
        // An unencoded '/' splits a parameter.
        assert!(match_path(TEMPLATE, "/v1/a/b/audit/c/reports/create").is_err());
        // A literal segment differs.
        assert!(match_path(TEMPLATE, "/v2/a/audit/c/reports/create").is_err());
        // A character that must be encoded, and a stray '%'.
        assert!(match_path(TEMPLATE, "/v1/a b/audit/c/reports/create").is_err());
        assert!(match_path(TEMPLATE, "/v1/a%zz/audit/c/reports/create").is_err());
        assert!(match_path(TEMPLATE, "/v1/a%2/audit/c/reports/create").is_err());
        assert!(match_path(TEMPLATE, "/v1/a\\b/audit/c/reports/create").is_err());
        assert!(match_path(TEMPLATE, "/v1/a\u{e9}/audit/c/reports/create").is_err());
        // Sub-delimiters may stay raw.
        let raw =
            match_path(TEMPLATE, "/v1/a!$&'()*+,;=:@|^[]/audit/c/reports/create").expect("matches");
        assert_eq!(raw["project_id"], "a!$&'()*+,;=:@|^[]");
    }

    #[test]
    fn encodes_like_the_official_sdk() {
        assert_eq!(official_sdk_encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(
            official_sdk_encode("a b/c\\d!*'()"),
            "a%20b%2Fc%5Cd%21%2A%27%28%29"
        );
        assert_eq!(official_sdk_encode("中"), "%E4%B8%AD");
    }

    #[test]
    fn parses_queries() {
        assert_eq!(parse_query(None), vec![]);
        assert_eq!(parse_query(Some("")), vec![]);
        assert_eq!(
            parse_query(Some("limit=10&offset=0&x=a%20b+c")),
            vec![
                ("limit".to_owned(), "10".to_owned()),
                ("offset".to_owned(), "0".to_owned()),
                ("x".to_owned(), "a b c".to_owned()),
            ]
        );
    }
}
