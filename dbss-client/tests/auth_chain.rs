//! Credential sources: explicit > environment > profile file, half-set sources, the "nothing
//! found" error, profile parsing, the permission warning and the debug log naming the source.
//! The environment is injected as a map; the process environment is never touched.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use dbss_client::auth::{
    CredentialSource, Credentials, CredentialsError, ResolvedCredentials, resolve_default_chain,
};
use secrecy::ExposeSecret;

/// An environment from `(name, value)` pairs.
fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

/// A home directory whose `.huaweicloud/credentials` holds `text` (mode 600).
fn home_with_profile(text: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".huaweicloud");
    std::fs::create_dir(&dir).unwrap();
    write_private(&dir.join("credentials"), text);
    home
}

fn write_private(path: &Path, text: &str) {
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

fn ak_sk(resolved: &ResolvedCredentials) -> (String, String, Option<String>) {
    let Credentials::AkSk(c) = &resolved.credentials else {
        panic!("AK/SK expected, got {:?}", resolved.credentials);
    };
    (
        c.access_key_id().to_owned(),
        c.secret_key().expose_secret().to_owned(),
        c.security_token().map(|t| t.expose_secret().to_owned()),
    )
}

const PROFILE: &str = "[basic]\nak = PROFILE-AK\nsk = PROFILE-SK\nproject_id = profile-project\n";

#[test]
fn explicit_credentials_win() {
    let home = home_with_profile(PROFILE);
    let e = env(&[
        ("HOME", home.path().to_str().unwrap()),
        ("HUAWEICLOUD_SDK_AK", "ENV-AK"),
        ("HUAWEICLOUD_SDK_SK", "ENV-SK"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "env-project"),
    ]);
    let r = resolve_default_chain(Some(Credentials::ak_sk("X-AK", "X-SK")), &e).unwrap();
    assert_eq!(r.source, CredentialSource::Explicit);
    assert_eq!(ak_sk(&r).0, "X-AK");
    assert_eq!(r.project_id.as_deref(), Some("env-project"));
}

#[test]
fn environment_comes_before_the_profile_file() {
    let home = home_with_profile(PROFILE);
    let e = env(&[
        ("HOME", home.path().to_str().unwrap()),
        ("HUAWEICLOUD_SDK_AK", "ENV-AK"),
        ("HUAWEICLOUD_SDK_SK", "ENV-SK"),
        ("HUAWEICLOUD_SDK_SECURITY_TOKEN", "ENV-ST"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "env-project"),
    ]);
    let r = resolve_default_chain(None, &e).unwrap();
    assert_eq!(r.source, CredentialSource::Environment);
    assert_eq!(
        ak_sk(&r),
        ("ENV-AK".into(), "ENV-SK".into(), Some("ENV-ST".into()))
    );
    assert_eq!(r.project_id.as_deref(), Some("env-project"));
}

#[test]
fn a_ready_token_from_the_environment() {
    let e = env(&[
        ("DBSS_AUTH_TOKEN", "ENV-TOKEN"),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "env-project"),
    ]);
    let r = resolve_default_chain(None, &e).unwrap();
    assert_eq!(r.source, CredentialSource::Environment);
    let Credentials::Token(t) = &r.credentials else {
        panic!("{:?}", r.credentials);
    };
    assert_eq!(t.token().expose_secret(), "ENV-TOKEN");
    assert_eq!(r.project_id.as_deref(), Some("env-project"));

    // The DBSS-specific token is the more deliberate choice when AK/SK are set as well.
    let e = env(&[
        ("DBSS_AUTH_TOKEN", "ENV-TOKEN"),
        ("HUAWEICLOUD_SDK_AK", "ENV-AK"),
        ("HUAWEICLOUD_SDK_SK", "ENV-SK"),
    ]);
    let r = resolve_default_chain(None, &e).unwrap();
    assert!(matches!(r.credentials, Credentials::Token(_)));
}

#[test]
fn the_default_profile_file_is_the_last_source() {
    let home = home_with_profile(PROFILE);
    let e = env(&[("HOME", home.path().to_str().unwrap())]);
    let r = resolve_default_chain(None, &e).unwrap();
    let path = home.path().join(".huaweicloud").join("credentials");
    assert_eq!(r.source, CredentialSource::ProfileFile(path));
    assert_eq!(ak_sk(&r), ("PROFILE-AK".into(), "PROFILE-SK".into(), None));
    assert_eq!(r.project_id.as_deref(), Some("profile-project"));

    // The environment's project id wins over the file's.
    let e = env(&[
        ("HOME", home.path().to_str().unwrap()),
        ("HUAWEICLOUD_SDK_PROJECT_ID", "env-project"),
    ]);
    let r = resolve_default_chain(None, &e).unwrap();
    assert_eq!(r.project_id.as_deref(), Some("env-project"));
}

#[test]
fn the_credentials_file_variable_names_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my-credentials.ini");
    write_private(
        &path,
        "# comment\n; another\n\n[basic]\n  ak :  FILE-AK  \n\tsk=FILE-SK\nsecurity_token = FILE-ST\n[extra]\nak = other\n",
    );
    let home = home_with_profile(PROFILE);
    let e = env(&[
        ("HOME", home.path().to_str().unwrap()),
        ("HUAWEICLOUD_SDK_CREDENTIALS_FILE", path.to_str().unwrap()),
    ]);
    let r = resolve_default_chain(None, &e).unwrap();
    assert_eq!(r.source, CredentialSource::ProfileFile(path.clone()));
    assert_eq!(
        ak_sk(&r),
        ("FILE-AK".into(), "FILE-SK".into(), Some("FILE-ST".into()))
    );
    assert_eq!(r.project_id, None);

    // A file named explicitly must exist.
    let missing = dir.path().join("nope");
    let e = env(&[(
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE",
        missing.to_str().unwrap(),
    )]);
    let err = resolve_default_chain(None, &e).unwrap_err();
    assert!(
        matches!(&err, CredentialsError::ProfileFile { path, .. } if *path == missing),
        "{err:?}"
    );
}

#[test]
fn from_env_and_from_profile_file() {
    let r = Credentials::from_env_with(&env(&[
        ("HUAWEICLOUD_SDK_AK", "A"),
        ("HUAWEICLOUD_SDK_SK", "S"),
    ]))
    .unwrap();
    assert_eq!(r.source, CredentialSource::Environment);
    assert!(matches!(
        Credentials::from_env_with(&env(&[])),
        Err(CredentialsError::NotFound { .. })
    ));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c");
    write_private(&path, PROFILE);
    let r = Credentials::from_profile_file(&path).unwrap();
    assert_eq!(ak_sk(&r).0, "PROFILE-AK");
    assert_eq!(r.project_id.as_deref(), Some("profile-project"));
    write_private(&path, "[default]\nak = x\n");
    let err = Credentials::from_profile_file(&path).unwrap_err();
    assert!(err.to_string().contains("no [basic] section"), "{err}");
}

#[test]
fn half_set_sources_are_errors_not_fall_throughs() {
    let home = home_with_profile(PROFILE);
    let home = home.path().to_str().unwrap();
    for (pairs, present, missing) in [
        (
            vec![("HUAWEICLOUD_SDK_AK", "A")],
            "HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
        ),
        (
            vec![("HUAWEICLOUD_SDK_SK", "S")],
            "HUAWEICLOUD_SDK_SK",
            "HUAWEICLOUD_SDK_AK",
        ),
        (
            vec![("HUAWEICLOUD_SDK_SECURITY_TOKEN", "T")],
            "HUAWEICLOUD_SDK_SECURITY_TOKEN",
            "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK",
        ),
        // Set but empty counts as unset: still half set.
        (
            vec![("HUAWEICLOUD_SDK_AK", "A"), ("HUAWEICLOUD_SDK_SK", " ")],
            "HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
        ),
    ] {
        let mut pairs = pairs;
        pairs.push(("HOME", home));
        let err = resolve_default_chain(None, &env(&pairs)).unwrap_err();
        match &err {
            CredentialsError::Incomplete {
                found_in,
                present: p,
                missing: m,
            } => {
                assert_eq!(*found_in, CredentialSource::Environment);
                assert_eq!((p.as_str(), m.as_str()), (present, missing));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!(
                "incomplete credentials in environment variables: {present} is set without {missing}"
            )
        );
    }

    let home = home_with_profile("[basic]\nsk = S\n");
    let err =
        resolve_default_chain(None, &env(&[("HOME", home.path().to_str().unwrap())])).unwrap_err();
    let path = home.path().join(".huaweicloud").join("credentials");
    assert_eq!(
        err.to_string(),
        format!(
            "incomplete credentials in profile file {}: sk is set without ak",
            path.display()
        )
    );
}

#[test]
fn nothing_found_lists_what_was_tried() {
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_str().unwrap();
    let off = ("DBSS_METADATA_DISABLED", "true");
    let err = resolve_default_chain(None, &env(&[("HOME", home_path), off])).unwrap_err();
    let CredentialsError::NotFound { tried } = &err else {
        panic!("{err:?}");
    };
    let path = home.path().join(".huaweicloud").join("credentials");
    assert_eq!(
        tried,
        &vec![
            "OIDC: HUAWEICLOUD_OIDC_PROVIDER_URN is not set".to_owned(),
            "environment variables: none of HUAWEICLOUD_SDK_IDP_ID/HUAWEICLOUD_SDK_ID_TOKEN_FILE, DBSS_AUTH_TOKEN, HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK is set".to_owned(),
            format!("profile file {}: not found", path.display()),
            "ECS metadata service: disabled by DBSS_METADATA_DISABLED".to_owned(),
            "CCE pod identity: HC_CONTAINER_CREDENTIALS_FULL_URI and HC_CONTAINER_AUTHORIZATION_TOKEN_FILE are not both set".to_owned(),
        ]
    );
    assert!(
        err.to_string()
            .starts_with("no credentials found; tried: OIDC: "),
        "{err}"
    );

    let err = resolve_default_chain(None, &env(&[off])).unwrap_err();
    assert!(
        err.to_string()
            .contains("HUAWEICLOUD_SDK_CREDENTIALS_FILE is not set and there is no home directory"),
        "{err}"
    );

    let home = home_with_profile("[basic]\nproject_id = p\n");
    let err = resolve_default_chain(None, &env(&[("HOME", home.path().to_str().unwrap()), off]))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(": [basic] has neither ak and sk nor idp_id and id_token_file; ECS metadata"),
        "{err}"
    );
}

/// With the first three sources empty, the chain ends in the sources only a request can try:
/// the ECS metadata service, then CCE pod identity, on first use (nothing is asked here).
#[test]
fn nothing_static_leaves_metadata_and_pod_identity_for_first_use() {
    let home = tempfile::tempdir().unwrap();
    let r = resolve_default_chain(None, &env(&[("HOME", home.path().to_str().unwrap())])).unwrap();
    assert_eq!(r.source, CredentialSource::MetadataOrPodIdentity);
    assert!(
        matches!(
            r.credentials,
            Credentials::Temporary(dbss_client::auth::TemporarySource::ChainTail(_))
        ),
        "{:?}",
        r.credentials
    );
}

#[test]
fn profile_syntax_errors_name_file_and_line() {
    let home = home_with_profile("[basic]\nak = A\nthis is not ini\n");
    let err =
        resolve_default_chain(None, &env(&[("HOME", home.path().to_str().unwrap())])).unwrap_err();
    assert!(
        matches!(err, CredentialsError::ProfileSyntax { line: 3, .. }),
        "{err:?}"
    );
}

/// Captures the `tracing` output of `f` (run on this thread) as text (TRACE level, no colours).
///
/// One global subscriber for the whole binary, writing into the buffer of the thread that logs
/// (other tests' lines go nowhere). A subscriber installed for one thread only would race with
/// the other tests: tracing caches whether a log statement is wanted when it first runs, and a
/// statement first reached on a thread without a subscriber can be cached as unwanted.
fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    use std::cell::RefCell;
    use std::sync::OnceLock;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    thread_local! {
        static CURRENT: RefCell<Option<Buf>> = const { RefCell::new(None) };
    }
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| {
                CURRENT.with(|c| c.borrow().clone()).map_or_else(
                    || tracing_subscriber::fmt::writer::EitherWriter::B(std::io::sink()),
                    tracing_subscriber::fmt::writer::EitherWriter::A,
                )
            })
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
    let buf = Buf::default();
    CURRENT.with(|c| *c.borrow_mut() = Some(buf.clone()));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = None);
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    (out, text)
}

#[test]
fn a_debug_log_names_the_source_and_no_secret() {
    let home = home_with_profile(
        "[basic]\nak = LOG-AK\nsk = LOG-SK-SECRET\nsecurity_token = LOG-ST-SECRET\n",
    );
    let e = env(&[("HOME", home.path().to_str().unwrap())]);
    let (r, logs) = capture_logs(|| resolve_default_chain(None, &e));
    r.unwrap();
    assert!(logs.contains("DEBUG"), "{logs}");
    assert!(logs.contains("using credentials"), "{logs}");
    assert!(logs.contains("source=profile file"), "{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");

    let e = env(&[
        ("HUAWEICLOUD_SDK_AK", "A"),
        ("HUAWEICLOUD_SDK_SK", "ENV-SK-SECRET"),
    ]);
    let (_, logs) = capture_logs(|| resolve_default_chain(None, &e));
    assert!(logs.contains("source=environment variables"), "{logs}");
    assert!(!logs.contains("SECRET"), "{logs}");
}

#[cfg(unix)]
#[test]
fn a_profile_readable_by_others_is_used_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let home = home_with_profile(PROFILE);
    let path = home.path().join(".huaweicloud").join("credentials");
    let e = env(&[("HOME", home.path().to_str().unwrap())]);

    let (r, logs) = capture_logs(|| resolve_default_chain(None, &e));
    r.unwrap();
    assert!(!logs.contains("WARN"), "mode 600 is fine: {logs}");

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (r, logs) = capture_logs(|| resolve_default_chain(None, &e));
    assert_eq!(ak_sk(&r.unwrap()).0, "PROFILE-AK");
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("accessible by group or others"), "{logs}");
    assert!(logs.contains("mode=644"), "{logs}");
    assert!(!logs.contains("PROFILE-SK"), "{logs}");
}
