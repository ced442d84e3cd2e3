//! The fuzz targets' properties driven by proptest instead of libFuzzer: the fallback for a
//! machine without a nightly toolchain or cargo-fuzz. Same `check` functions, random bytes
//! instead of coverage-guided ones.
//!
//! ```sh
//! PROPTEST_CASES=20000 cargo test --manifest-path fuzz/Cargo.toml --release \
//!     --no-default-features --test fallback
//! ```
//!
//! It also replays every file under `fuzz/seeds/<target>/` (the seed corpus, and the place to
//! keep a crash reproducer as a regression test), and checks that the structured generators
//! reach the interesting paths often enough to be worth running.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use arbitrary::Unstructured;
use proptest::prelude::*;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

proptest! {
    #[test]
    fn decode_responses(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        dbss_fuzz::decode::check(&data);
    }

    #[test]
    fn canonical_request(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        dbss_fuzz::canonical::check(&data);
    }

    #[test]
    fn profile_file(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        dbss_fuzz::profile::check(&data);
    }
}

#[test]
fn seed_corpus_replays() {
    for data in seeds("decode_responses") {
        dbss_fuzz::decode::check(&data);
        dbss_fuzz::decode::check_body(&data);
    }
    for data in seeds("canonical_request") {
        dbss_fuzz::canonical::check(&data);
    }
    for data in seeds("profile_file") {
        dbss_fuzz::profile::check(&data);
        dbss_fuzz::profile::check_file(&data);
    }
}

/// Deterministic pseudo-random bytes (no extra dependency).
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn generators_reach_the_interesting_paths() {
    let n = 2000;
    let mut signed = 0;
    let mut decoded = 0;
    for seed in 0..n {
        let data = noise(seed, 512);
        let case = dbss_fuzz::canonical::case(&mut Unstructured::new(&data));
        if dbss_fuzz::canonical::check_case(&case) {
            signed += 1;
        }
        let doc = dbss_fuzz::decode::document(&mut Unstructured::new(&data));
        if serde_json::from_slice::<dbss_types::ListAuditReportsResponse>(&doc).is_ok()
            || serde_json::from_slice::<dbss_types::DbssError>(&doc).is_ok()
        {
            decoded += 1;
        }
    }
    // Most structured requests must be signable, or the reference comparison rarely runs.
    assert!(
        signed * 4 >= n,
        "only {signed} of {n} generated requests were signable"
    );
    assert!(
        decoded * 10 >= n,
        "only {decoded} of {n} generated documents decoded"
    );
}

/// Known cases of each quirk, so that the reference itself is pinned to the documented
/// behaviour (a reference that drifted would make the fuzz comparison meaningless).
#[test]
fn reference_matches_documented_examples() {
    use dbss_fuzz::canonical::{Case, check_case, reference};
    use dbss_signer::SigningTime;

    let case = |url: &str, headers: &[(&str, &str)]| Case {
        method: "get".into(),
        url: url.into(),
        headers: headers
            .iter()
            .map(|&(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
        body: None,
        ak: "AK".into(),
        sk: b"SK".to_vec(),
        token: None,
        time: SigningTime::parse("20250821T070331Z").unwrap(),
    };
    let c = case(
        "https://h:8443/a%2Fb/x%25y/%FF?b=2&a=z&a=y&q=a+b&flag&&k%C3%A9=%C3%BC",
        &[
            ("Content-Type", " text/plain\u{1c}"),
            ("X_Unsigned", "u"),
            ("User-Agent", "\u{a0}ua "),
        ],
    );
    assert!(check_case(&c));
    let e = reference(&c);
    assert_eq!(
        e.canonical_request,
        "GET\n/a/b/x%25y/%EF%BF%BD/\na=y&a=z&b=2&flag=&k%C3%A9=%C3%BC&q=a%2Bb\n\
         content-type:text/plain\nhost:h:8443\nuser-agent:ua\n\
         x-sdk-content-sha256:UNSIGNED-PAYLOAD\nx-sdk-date:20250821T070331Z\n\n\
         content-type;host;user-agent;x-sdk-content-sha256;x-sdk-date\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        e.url,
        "https://h:8443/a%2Fb/x%25y/%FF?a=y&a=z&b=2&flag=&k%C3%A9=%C3%BC&q=a%2Bb"
    );

    // The known answer of the crate docs.
    let mut c = case(
        "https://dbss.cn-north-4.myhuaweicloud.com/v2/0123/audit/instances?offset=0&limit=100",
        &[
            ("Content-Type", "application/json"),
            ("X-Project-Id", "0123"),
        ],
    );
    c.method = "GET".into();
    assert!(check_case(&c));
    assert_eq!(
        reference(&c).url,
        "https://dbss.cn-north-4.myhuaweicloud.com/v2/0123/audit/instances?limit=100&offset=0"
    );

    // A body with a non-ASCII X-Sdk-Content-Sha256: one char per UTF-8 byte.
    let mut c = case("https://h/", &[("X-Sdk-Content-Sha256", "é")]);
    c.body = Some(b"x".to_vec());
    assert!(check_case(&c));
    assert!(reference(&c).canonical_request.ends_with("\u{c3}\u{a9}"));
}

#[test]
fn profile_reference_matches_documented_examples() {
    use dbss_fuzz::profile::{Outcome, reference};
    // A byte-order mark is not whitespace to the official SDK's configparser.
    assert_eq!(
        reference("\u{feff}[other]\r\nak = NO\r\n[basic]\r\nak = A\r\nsk = S\r\n"),
        Outcome::Syntax { line: 1 }
    );
    assert_eq!(
        reference("[other]\r\nak = NO\r\n[basic]\r\n; c\r\n\tAK =  A  \r\nsk:S\r\n"),
        Outcome::Found {
            ak: "A".into(),
            sk: "S".into(),
            security_token: None,
            project_id: None
        }
    );
    assert_eq!(
        reference("[basic]\nak = a\njunk\n"),
        Outcome::Syntax { line: 3 }
    );
    assert_eq!(reference("ak = a\n[basic]\n"), Outcome::Syntax { line: 1 });
    assert_eq!(
        reference("[basic]\nak = a\n"),
        Outcome::Incomplete {
            present: "ak".into(),
            missing: "sk".into()
        }
    );
    assert_eq!(reference("[default]\nak = x\n"), Outcome::NotFound);
    for file in [
        "\u{feff}[other]\r\nak = NO\r\n[basic]\r\n; c\r\n\tAK =  A  \r\nsk:S\r\n",
        "[basic]\nak = a\njunk\n",
        "[basic]\nsecurity_token = zq9-st-token-2\n",
        "[basic]\nak = a\nsk = zq9-sk-secret-1\nproject_id = p\n",
    ] {
        dbss_fuzz::profile::check_file(file.as_bytes());
    }
}
