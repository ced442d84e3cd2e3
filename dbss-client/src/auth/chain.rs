//! Where credentials come from: explicit, then the environment, then the profile file — the
//! order of the official SDKs (which would go on to the ECS metadata service; this SDK does
//! not).
//!
//! The environment is passed in as a function (`&dyn Fn(&str) -> Option<String>`, e.g.
//! [`process_env`]) so tests never have to mutate the process environment, and so that the
//! home directory used for the default profile path comes from the same place.

use std::fmt;
use std::path::{Path, PathBuf};

use super::credentials::Credentials;
use super::error::CredentialsError;
use super::profile;

/// The access key id variable of the official SDKs.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// The secret key variable of the official SDKs.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// The security token variable (temporary AK/SK credentials) of the official SDKs.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// The project id variable of the official SDKs.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// A ready IAM token (specific to this SDK).
pub const ENV_AUTH_TOKEN: &str = "DBSS_AUTH_TOKEN";
/// The variable naming the profile file, overriding `~/.huaweicloud/credentials`.
pub const ENV_CREDENTIALS_FILE: &str = "HUAWEICLOUD_SDK_CREDENTIALS_FILE";
/// The variable overriding the IAM endpoint.
pub const ENV_IAM_ENDPOINT: &str = "HUAWEICLOUD_SDK_IAM_ENDPOINT";

/// Reads a variable of this process's environment; a variable that is not valid Unicode counts
/// as unset. Pass `&process_env` wherever an environment is expected.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Where a set of credentials was found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// Given by the caller.
    Explicit,
    /// The environment variables (`HUAWEICLOUD_SDK_AK`/`_SK`/`_SECURITY_TOKEN`, `DBSS_AUTH_TOKEN`).
    Environment,
    /// The `[basic]` section of this profile file.
    ProfileFile(PathBuf),
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("explicit credentials"),
            Self::Environment => f.write_str("environment variables"),
            Self::ProfileFile(p) => write!(f, "profile file {}", p.display()),
        }
    }
}

/// Credentials, the project id found along with them, and where they came from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ResolvedCredentials {
    /// The credentials.
    pub credentials: Credentials,
    /// The project id from `HUAWEICLOUD_SDK_PROJECT_ID`, or else from the profile file's
    /// `project_id` when the credentials came from that file. An explicitly configured project
    /// id should take precedence over this one.
    pub project_id: Option<String>,
    /// Where the credentials came from.
    pub source: CredentialSource,
}

/// A variable's value; empty (or blank) counts as unset, as in the official SDKs, where `""` is
/// falsy.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Finds credentials in the order the official SDKs use: `explicit` if given, else the
/// environment, else the profile file.
///
/// - **Environment**: `HUAWEICLOUD_SDK_AK` + `HUAWEICLOUD_SDK_SK` (+ optional
///   `HUAWEICLOUD_SDK_SECURITY_TOKEN`), or `DBSS_AUTH_TOKEN` (a ready IAM token; when both are
///   set the token wins, being the more specific choice). An AK without an SK, an SK without an
///   AK, or a security token without both is an error ([`CredentialsError::Incomplete`]).
/// - **Profile file**: `$HUAWEICLOUD_SDK_CREDENTIALS_FILE`, or `~/.huaweicloud/credentials`
///   (home from `HOME`, or `USERPROFILE` on Windows), INI section `[basic]` with `ak`, `sk`,
///   `security_token`, `project_id`. A missing default file is skipped; a missing file named by
///   the variable is an error. A file that group or others may access is used with a warning.
///
/// The project id comes from `HUAWEICLOUD_SDK_PROJECT_ID`, or from the profile file when the
/// credentials came from it. A `debug` log names the source used (never a secret). When no
/// source has credentials the error lists what was tried.
///
/// ```
/// use dbss_client::auth::{CredentialSource, resolve_default_chain};
///
/// let env = |name: &str| match name {
///     "HUAWEICLOUD_SDK_AK" => Some("AK".to_owned()),
///     "HUAWEICLOUD_SDK_SK" => Some("SK".to_owned()),
///     "HUAWEICLOUD_SDK_PROJECT_ID" => Some("0123".to_owned()),
///     _ => None,
/// };
/// let resolved = resolve_default_chain(None, &env)?;
/// assert_eq!(resolved.source, CredentialSource::Environment);
/// assert_eq!(resolved.project_id.as_deref(), Some("0123"));
/// # Ok::<(), dbss_client::auth::CredentialsError>(())
/// ```
pub fn resolve_default_chain(
    explicit: Option<Credentials>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ResolvedCredentials, CredentialsError> {
    let env_project_id = var(env, ENV_PROJECT_ID);
    if let Some(credentials) = explicit {
        return Ok(found(
            credentials,
            env_project_id,
            CredentialSource::Explicit,
        ));
    }
    let mut tried = vec!["explicit credentials: none given".to_owned()];

    if let Some(credentials) = from_env_vars(env)? {
        return Ok(found(
            credentials,
            env_project_id,
            CredentialSource::Environment,
        ));
    }
    tried.push(format!(
        "environment variables: neither {ENV_AK}/{ENV_SK} nor {ENV_AUTH_TOKEN} is set"
    ));

    let (path, explicit_path) = match var(env, ENV_CREDENTIALS_FILE) {
        Some(p) => (Some(PathBuf::from(p)), true),
        None => (default_profile_path(env), false),
    };
    let Some(path) = path else {
        tried.push(format!(
            "profile file: {ENV_CREDENTIALS_FILE} is not set and there is no home directory"
        ));
        return Err(not_found(tried));
    };
    match read_profile(&path, explicit_path)? {
        ProfileOutcome::Found {
            credentials,
            project_id,
        } => Ok(found(
            credentials,
            env_project_id.or(project_id),
            CredentialSource::ProfileFile(path),
        )),
        ProfileOutcome::Missing(why) => {
            tried.push(format!("profile file {}: {why}", path.display()));
            Err(not_found(tried))
        }
    }
}

/// The chain without explicit credentials, as the client builder uses it: the credentials and
/// the project id found with them.
pub(crate) fn resolve_chain(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Credentials, Option<String>), CredentialsError> {
    let resolved = resolve_default_chain(None, env)?;
    Ok((resolved.credentials, resolved.project_id))
}

fn found(
    credentials: Credentials,
    project_id: Option<String>,
    source: CredentialSource,
) -> ResolvedCredentials {
    tracing::debug!(%source, credentials = %credentials, "using credentials");
    ResolvedCredentials {
        credentials,
        project_id,
        source,
    }
}

fn not_found(tried: Vec<String>) -> CredentialsError {
    tracing::debug!(tried = %tried.join("; "), "no credentials found");
    CredentialsError::NotFound { tried }
}

impl Credentials {
    /// Credentials from this process's environment variables; see [`resolve_default_chain`]
    /// for the variables and rules. An error if none are set.
    pub fn from_env() -> Result<ResolvedCredentials, CredentialsError> {
        Self::from_env_with(&process_env)
    }

    /// Like [`from_env`](Self::from_env), reading variables through `env`.
    pub fn from_env_with(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ResolvedCredentials, CredentialsError> {
        match from_env_vars(env)? {
            Some(credentials) => Ok(found(
                credentials,
                var(env, ENV_PROJECT_ID),
                CredentialSource::Environment,
            )),
            None => Err(not_found(vec![format!(
                "environment variables: neither {ENV_AK}/{ENV_SK} nor {ENV_AUTH_TOKEN} is set"
            )])),
        }
    }

    /// Credentials (and the project id) from the `[basic]` section of a profile file; see
    /// [`resolve_default_chain`]. An error if the file cannot be read or has no credentials.
    pub fn from_profile_file(
        path: impl AsRef<Path>,
    ) -> Result<ResolvedCredentials, CredentialsError> {
        let path = path.as_ref();
        match read_profile(path, true)? {
            ProfileOutcome::Found {
                credentials,
                project_id,
            } => Ok(found(
                credentials,
                project_id,
                CredentialSource::ProfileFile(path.to_owned()),
            )),
            ProfileOutcome::Missing(why) => Err(not_found(vec![format!(
                "profile file {}: {why}",
                path.display()
            )])),
        }
    }
}

/// The credentials in the environment, `None` if there are none, an error if half set.
fn from_env_vars(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Credentials>, CredentialsError> {
    let ak_sk = ak_sk(
        var(env, ENV_AK),
        var(env, ENV_SK),
        var(env, ENV_SECURITY_TOKEN),
        [ENV_AK, ENV_SK, ENV_SECURITY_TOKEN],
        || CredentialSource::Environment,
    )?;
    if let Some(token) = var(env, ENV_AUTH_TOKEN) {
        if ak_sk.is_some() {
            tracing::debug!("{ENV_AUTH_TOKEN} takes precedence over {ENV_AK}/{ENV_SK}");
        }
        return Ok(Some(Credentials::token(token)));
    }
    Ok(ak_sk)
}

/// AK/SK credentials from the three values of one source; `names` are how that source calls
/// them (for the error message).
fn ak_sk(
    ak: Option<String>,
    sk: Option<String>,
    security_token: Option<String>,
    [ak_name, sk_name, token_name]: [&str; 3],
    source: impl Fn() -> CredentialSource,
) -> Result<Option<Credentials>, CredentialsError> {
    let incomplete = |present: &str, missing: String| CredentialsError::Incomplete {
        found_in: source(),
        present: present.to_owned(),
        missing,
    };
    match (ak, sk) {
        (Some(ak), Some(sk)) => {
            let c = Credentials::ak_sk(ak, sk);
            Ok(Some(match security_token {
                Some(t) => c.with_security_token(t),
                None => c,
            }))
        }
        (Some(_), None) => Err(incomplete(ak_name, sk_name.to_owned())),
        (None, Some(_)) => Err(incomplete(sk_name, ak_name.to_owned())),
        (None, None) => match security_token {
            Some(_) => Err(incomplete(token_name, format!("{ak_name} and {sk_name}"))),
            None => Ok(None),
        },
    }
}

/// `~/.huaweicloud/credentials`, if there is a home directory.
fn default_profile_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let home = var(env, "HOME").or_else(|| {
        if cfg!(windows) {
            var(env, "USERPROFILE")
        } else {
            None
        }
    })?;
    Some(PathBuf::from(home).join(".huaweicloud").join("credentials"))
}

enum ProfileOutcome {
    Found {
        credentials: Credentials,
        project_id: Option<String>,
    },
    /// No credentials in it, and why (for the "tried" list).
    Missing(&'static str),
}

/// Reads the profile file. A missing file is an error only if `must_exist`.
fn read_profile(path: &Path, must_exist: bool) -> Result<ProfileOutcome, CredentialsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            return Ok(ProfileOutcome::Missing("not found"));
        }
        Err(source) => {
            return Err(CredentialsError::ProfileFile {
                path: path.to_owned(),
                source,
            });
        }
    };
    warn_if_accessible_by_others(path);
    let section = profile::parse_basic(&text).map_err(|e| CredentialsError::ProfileSyntax {
        path: path.to_owned(),
        line: e.line,
        reason: e.reason,
    })?;
    let Some(section) = section else {
        return Ok(ProfileOutcome::Missing("no [basic] section"));
    };
    let credentials = ak_sk(
        section.ak,
        section.sk,
        section.security_token,
        ["ak", "sk", "security_token"],
        || CredentialSource::ProfileFile(path.to_owned()),
    )?;
    Ok(match credentials {
        Some(credentials) => ProfileOutcome::Found {
            credentials,
            project_id: section.project_id,
        },
        None => ProfileOutcome::Missing("[basic] has no ak and sk"),
    })
}

/// Warns when the file holding a secret key can be read (or written) by group or others,
/// as `ssh` does for private keys. Not an error: the official SDKs do not check at all.
fn warn_if_accessible_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format_args!("{mode:o}"),
                    "the credentials file is accessible by group or others; restrict it with \
                     `chmod 600`"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
