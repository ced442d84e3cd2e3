//! Where credentials come from: explicit, else the official SDK's chain — OIDC, then the
//! environment, then the profile file, then the ECS metadata service, then CCE pod identity.
//!
//! The first three are decided without the network, when the client is built: a source that
//! is configured is used (and a half-configured one is an error, so that a typo is not
//! silently replaced by other credentials). The last two can only be tried by asking them, so
//! they are tried in order on first use, and the first that answers is kept.
//!
//! The environment is passed in as a function (`&dyn Fn(&str) -> Option<String>`, e.g.
//! [`process_env`]) so tests never have to mutate the process environment, and so that the
//! home directory used for the default profile path comes from the same place.

use std::fmt;
use std::path::{Path, PathBuf};

use super::credentials::Credentials;
use super::error::CredentialsError;
use super::profile;
use super::sources::{
    ChainTail, ENV_ID_TOKEN_FILE, ENV_IDP_ID, ENV_METADATA_DISABLED, ENV_OIDC_PROVIDER_URN,
    ENV_POD_CREDENTIALS_URI, ENV_POD_TOKEN_FILE, FederatedConfig, MetadataConfig, OidcConfig,
    PodIdentityConfig, TemporarySource, federated_from_env,
};

/// The access key id variable of the official SDKs.
pub const ENV_AK: &str = "HUAWEICLOUD_SDK_AK";
/// The secret key variable of the official SDKs.
pub const ENV_SK: &str = "HUAWEICLOUD_SDK_SK";
/// The security token variable (temporary AK/SK credentials) of the official SDKs.
pub const ENV_SECURITY_TOKEN: &str = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
/// The project id variable of the official SDKs.
pub const ENV_PROJECT_ID: &str = "HUAWEICLOUD_SDK_PROJECT_ID";
/// The domain (account) id variable of the official SDKs.
pub const ENV_DOMAIN_ID: &str = "HUAWEICLOUD_SDK_DOMAIN_ID";
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
    /// OIDC: an id token exchanged at STS (`HUAWEICLOUD_OIDC_*`).
    Oidc,
    /// A federated identity provider's id token exchanged at IAM (`HUAWEICLOUD_SDK_IDP_ID` +
    /// `HUAWEICLOUD_SDK_ID_TOKEN_FILE`, or `idp_id` + `id_token_file` in the profile file).
    Federated,
    /// The ECS metadata service (the agency of the server).
    EcsMetadata,
    /// CCE pod identity (`HC_CONTAINER_CREDENTIALS_FULL_URI`).
    PodIdentity,
    /// The chain's tail, tried on first use: the ECS metadata service, then CCE pod identity.
    MetadataOrPodIdentity,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("explicit credentials"),
            Self::Environment => f.write_str("environment variables"),
            Self::ProfileFile(p) => write!(f, "profile file {}", p.display()),
            Self::Oidc => f.write_str("OIDC (STS assume-with-oidc)"),
            Self::Federated => f.write_str("federated id token (IAM)"),
            Self::EcsMetadata => f.write_str("ECS metadata service"),
            Self::PodIdentity => f.write_str("CCE pod identity"),
            Self::MetadataOrPodIdentity => {
                f.write_str("ECS metadata service, then CCE pod identity (tried on first use)")
            }
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
    /// The profile file's `iam_endpoint`, when the credentials came from it.
    pub iam_endpoint: Option<String>,
    /// Where the credentials came from.
    pub source: CredentialSource,
}

/// Choices that change where the chain looks.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ChainOptions {
    /// The profile file to read instead of `$HUAWEICLOUD_SDK_CREDENTIALS_FILE` or
    /// `~/.huaweicloud/credentials`.
    pub credentials_file: Option<PathBuf>,
    /// The section of the profile file to read (default `basic`, the official SDK's).
    pub profile: Option<String>,
    /// Look at this step of the chain only (the CLI's `--credentials-from`): what it finds is
    /// used, and when it finds nothing the chain fails instead of going on.
    pub only: Option<ChainStep>,
}

/// A step of the default chain, in the chain's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainStep {
    /// `HUAWEICLOUD_OIDC_*`.
    Oidc,
    /// `HUAWEICLOUD_SDK_IDP_ID`/`_ID_TOKEN_FILE`, `DBSS_AUTH_TOKEN`, `HUAWEICLOUD_SDK_AK`/`_SK`.
    Environment,
    /// The profile file.
    Profile,
    /// The ECS metadata service (asked even when `DBSS_METADATA_DISABLED` is set, since it was
    /// chosen).
    EcsMetadata,
    /// CCE pod identity.
    PodIdentity,
}

/// A variable's value; empty (or blank) counts as unset, as in the official SDKs, where `""` is
/// falsy.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Finds credentials in the order the official SDK uses: `explicit` if given, else
///
/// 1. **OIDC**: `HUAWEICLOUD_OIDC_PROVIDER_URN`, `_AGENCY_URN` and `_ID_TOKEN` or
///    `_TOKEN_FILE` (see [`OidcConfig`](crate::auth::OidcConfig)), exchanged at STS on first use.
/// 2. **Environment**: `HUAWEICLOUD_SDK_IDP_ID` + `HUAWEICLOUD_SDK_ID_TOKEN_FILE` (federated,
///    exchanged at IAM on first use), else `DBSS_AUTH_TOKEN` (a ready IAM token, specific to
///    this SDK), else `HUAWEICLOUD_SDK_AK` + `HUAWEICLOUD_SDK_SK` (+
///    `HUAWEICLOUD_SDK_SECURITY_TOKEN`).
/// 3. **Profile file**: `$HUAWEICLOUD_SDK_CREDENTIALS_FILE`, or `~/.huaweicloud/credentials`
///    (home from `HOME`, or `USERPROFILE` on Windows), read as Python's `configparser` reads it,
///    section `[basic]`: `idp_id` + `id_token_file` (federated), else `ak`, `sk`,
///    `security_token`; and `project_id`, `iam_endpoint`. A missing default file is skipped; a
///    missing file named by the variable is an error. A file that group or others may access
///    is used with a warning.
/// 4. **ECS metadata service**, then 5. **CCE pod identity** (`HC_CONTAINER_CREDENTIALS_FULL_URI`
///    and `HC_CONTAINER_AUTHORIZATION_TOKEN_FILE`): only a request can tell whether they work, so
///    they are tried on first use, in that order ([`CredentialSource::MetadataOrPodIdentity`]).
///    `DBSS_METADATA_DISABLED=true` leaves the metadata service out; with it left out and pod
///    identity not configured, the chain fails here with [`CredentialsError::NotFound`].
///
/// Half-set sources (an AK without an SK, an OIDC provider without an agency...) are errors
/// ([`CredentialsError::Incomplete`]) rather than reasons to look further. The project id comes
/// from `HUAWEICLOUD_SDK_PROJECT_ID`, or from the profile file when the credentials came from
/// it. A `debug` log names the source used (never a secret); the error of a chain that finds
/// nothing lists what each source said.
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
    resolve_chain_with(explicit, &ChainOptions::default(), env)
}

/// [`resolve_default_chain`] with a profile file or section chosen by the caller (the CLI's
/// `--credentials-file` and `--profile`).
pub fn resolve_chain_with(
    explicit: Option<Credentials>,
    options: &ChainOptions,
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
    let mut tried = vec![];
    let wants = |step: ChainStep| options.only.is_none_or(|only| only == step);

    if wants(ChainStep::Oidc) {
        if let Some(oidc) = OidcConfig::from_env_with(env)? {
            return Ok(found(
                Credentials::temporary(TemporarySource::Oidc(oidc)),
                env_project_id,
                CredentialSource::Oidc,
            ));
        }
        tried.push(format!("OIDC: {ENV_OIDC_PROVIDER_URN} is not set"));
    }

    if wants(ChainStep::Environment) {
        if let Some((credentials, source)) = from_env_vars(env)? {
            return Ok(found(credentials, env_project_id, source));
        }
        tried.push(format!(
            "environment variables: none of {ENV_IDP_ID}/{ENV_ID_TOKEN_FILE}, {ENV_AUTH_TOKEN}, \
             {ENV_AK}/{ENV_SK} is set"
        ));
    }

    let (path, explicit_path) = match (&options.credentials_file, var(env, ENV_CREDENTIALS_FILE)) {
        (Some(p), _) => (Some(p.clone()), true),
        (None, Some(p)) => (Some(PathBuf::from(p)), true),
        (None, None) => (default_profile_path(env), false),
    };
    let section = options.profile.as_deref().unwrap_or(DEFAULT_SECTION);
    match &path {
        _ if !wants(ChainStep::Profile) => {}
        None => tried.push(format!(
            "profile file: {ENV_CREDENTIALS_FILE} is not set and there is no home directory"
        )),
        Some(path) => match read_profile(path, section, explicit_path)? {
            ProfileOutcome::Found(mut resolved) => {
                resolved.project_id = env_project_id.or(resolved.project_id);
                tracing::debug!(source = %resolved.source, credentials = %resolved.credentials, "using credentials");
                return Ok(*resolved);
            }
            ProfileOutcome::Missing(why) => {
                tried.push(format!("profile file {}: {why}", path.display()));
            }
        },
    }

    let pod_unset = || {
        format!(
            "CCE pod identity: {ENV_POD_CREDENTIALS_URI} and {ENV_POD_TOKEN_FILE} are not both set"
        )
    };
    match options.only {
        None => {}
        Some(ChainStep::EcsMetadata) => {
            return Ok(found(
                Credentials::temporary(TemporarySource::EcsMetadata(
                    MetadataConfig::from_env_with(env),
                )),
                env_project_id,
                CredentialSource::EcsMetadata,
            ));
        }
        Some(ChainStep::PodIdentity) => {
            return match PodIdentityConfig::from_env_with(env) {
                Some(pod) => Ok(found(
                    Credentials::temporary(TemporarySource::PodIdentity(pod)),
                    env_project_id,
                    CredentialSource::PodIdentity,
                )),
                None => Err(not_found(vec![pod_unset()])),
            };
        }
        Some(_) => return Err(not_found(tried)),
    }
    let metadata =
        (!MetadataConfig::disabled_by_env(env)).then(|| MetadataConfig::from_env_with(env));
    let pod = PodIdentityConfig::from_env_with(env);
    if metadata.is_none() && pod.is_none() {
        tried.push(format!(
            "ECS metadata service: disabled by {ENV_METADATA_DISABLED}"
        ));
        tried.push(pod_unset());
        return Err(not_found(tried));
    }
    Ok(found(
        Credentials::temporary(TemporarySource::ChainTail(ChainTail {
            metadata,
            pod,
            tried,
        })),
        env_project_id,
        CredentialSource::MetadataOrPodIdentity,
    ))
}

/// The section of the profile file the official SDK reads for regional services.
const DEFAULT_SECTION: &str = "basic";

/// The chain without explicit credentials, as the client builder uses it.
pub(crate) fn resolve_chain(
    options: &ChainOptions,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ResolvedCredentials, CredentialsError> {
    resolve_chain_with(None, options, env)
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
        iam_endpoint: None,
        source,
    }
}

fn not_found(tried: Vec<String>) -> CredentialsError {
    tracing::debug!(tried = %tried.join("; "), "no credentials found");
    CredentialsError::NotFound { tried }
}

impl Credentials {
    /// Credentials from this process's environment variables (step 2 of
    /// [`resolve_default_chain`]). An error if none are set.
    pub fn from_env() -> Result<ResolvedCredentials, CredentialsError> {
        Self::from_env_with(&process_env)
    }

    /// Like [`from_env`](Self::from_env), reading variables through `env`.
    pub fn from_env_with(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ResolvedCredentials, CredentialsError> {
        match from_env_vars(env)? {
            Some((credentials, source)) => Ok(found(credentials, var(env, ENV_PROJECT_ID), source)),
            None => Err(not_found(vec![format!(
                "environment variables: none of {ENV_IDP_ID}/{ENV_ID_TOKEN_FILE}, \
                 {ENV_AUTH_TOKEN}, {ENV_AK}/{ENV_SK} is set"
            )])),
        }
    }

    /// OIDC credentials from the `HUAWEICLOUD_OIDC_*` variables (step 1 of the chain).
    pub fn from_oidc_env_with(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ResolvedCredentials, CredentialsError> {
        match OidcConfig::from_env_with(env)? {
            Some(oidc) => Ok(found(
                Credentials::temporary(TemporarySource::Oidc(oidc)),
                var(env, ENV_PROJECT_ID),
                CredentialSource::Oidc,
            )),
            None => Err(not_found(vec![format!(
                "OIDC: {ENV_OIDC_PROVIDER_URN} is not set"
            )])),
        }
    }

    /// Credentials (and the project id) from the `[basic]` section of a profile file; see
    /// [`resolve_default_chain`]. An error if the file cannot be read or has no credentials.
    pub fn from_profile_file(
        path: impl AsRef<Path>,
    ) -> Result<ResolvedCredentials, CredentialsError> {
        Self::from_profile_section(path, DEFAULT_SECTION)
    }

    /// Like [`from_profile_file`](Self::from_profile_file), reading section `[section]`.
    pub fn from_profile_section(
        path: impl AsRef<Path>,
        section: &str,
    ) -> Result<ResolvedCredentials, CredentialsError> {
        let path = path.as_ref();
        match read_profile(path, section, true)? {
            ProfileOutcome::Found(resolved) => {
                tracing::debug!(source = %resolved.source, credentials = %resolved.credentials, "using credentials");
                Ok(*resolved)
            }
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
) -> Result<Option<(Credentials, CredentialSource)>, CredentialsError> {
    // Federated wins over AK/SK when both are set, as in the official SDK.
    if let Some(federated) = federated_from_env(env) {
        return Ok(Some((
            Credentials::temporary(TemporarySource::Federated(federated)),
            CredentialSource::Federated,
        )));
    }
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
        return Ok(Some((
            Credentials::token(token),
            CredentialSource::Environment,
        )));
    }
    Ok(ak_sk.map(|c| (c, CredentialSource::Environment)))
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

enum ProfileOutcome {
    Found(Box<ResolvedCredentials>),
    /// No credentials in it, and why (for the "tried" list).
    Missing(String),
}

/// Reads section `section` of the profile file. A missing file is an error only if
/// `must_exist`.
fn read_profile(
    path: &Path,
    section: &str,
    must_exist: bool,
) -> Result<ProfileOutcome, CredentialsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => {
            return Ok(ProfileOutcome::Missing("not found".to_owned()));
        }
        Err(source) => {
            return Err(CredentialsError::ProfileFile {
                path: path.to_owned(),
                source,
            });
        }
    };
    warn_if_accessible_by_others(path);
    let syntax = |e: profile::SyntaxError| CredentialsError::ProfileSyntax {
        path: path.to_owned(),
        line: e.line,
        reason: e.reason,
    };
    let Some(items) = profile_items(&text, section).map_err(syntax)? else {
        return Ok(ProfileOutcome::Missing(format!("no [{section}] section")));
    };
    // Empty values count as absent, as the official SDK's `if ak and sk` treats them.
    let get = |key: &str| {
        items
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let source = || CredentialSource::ProfileFile(path.to_owned());
    let iam_endpoint = get("iam_endpoint");
    let credentials = match (get("idp_id"), get("id_token_file")) {
        (Some(idp), Some(file)) => {
            let mut federated = FederatedConfig::new(idp, file);
            if let Some(endpoint) = &iam_endpoint {
                federated = federated.with_iam_endpoint(endpoint.clone());
            }
            Some(Credentials::temporary(TemporarySource::Federated(
                federated,
            )))
        }
        _ => ak_sk(
            get("ak"),
            get("sk"),
            get("security_token"),
            ["ak", "sk", "security_token"],
            source,
        )?,
    };
    Ok(match credentials {
        Some(credentials) => ProfileOutcome::Found(Box::new(ResolvedCredentials {
            credentials,
            project_id: get("project_id"),
            iam_endpoint,
            source: source(),
        })),
        None => ProfileOutcome::Missing(format!(
            "[{section}] has neither ak and sk nor idp_id and id_token_file"
        )),
    })
}

/// The profile file the chain reads: `$HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else
/// `~/.huaweicloud/credentials` (`None` without a home directory).
pub fn profile_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    var(env, ENV_CREDENTIALS_FILE)
        .map(PathBuf::from)
        .or_else(|| default_profile_path(env))
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

/// The keys of `[section]` of the profile file as the official SDK reads them
/// (`configparser`'s `items(section)`: `[DEFAULT]` merged in, values interpolated), minus the
/// keys whose value is empty: an empty value counts as absent, as it does for the SDK's
/// `if ak and sk` and for an empty environment variable. `None` when the file has no such
/// section (the SDK's `has_section` check, false for `DEFAULT`).
fn profile_items(
    text: &str,
    section: &str,
) -> Result<Option<Vec<(String, String)>>, profile::SyntaxError> {
    let file = profile::ProfileFile::parse(text)?;
    if !file.has_section(section) {
        return Ok(None);
    }
    let items = file.items(section).transpose()?;
    Ok(items.map(|items| items.into_iter().filter(|(_, v)| !v.is_empty()).collect()))
}
