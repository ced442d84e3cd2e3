//! The identity stand-ins' knobs on [`MockServerBuilder`] and accessors on [`MockServer`].

use std::sync::atomic::Ordering;
use std::time::Duration;

#[cfg(doc)]
use super::{
    DEFAULT_FEDERATED_ID_TOKEN, DEFAULT_IDP_ID, DEFAULT_LOCAL_CREDENTIAL_LIFETIME,
    DEFAULT_OIDC_ID_TOKEN, DEFAULT_POD_IDENTITY_TOKEN,
};
use super::{
    IdentityConfig, IdentityEndpoint, IssuedCredentials, MetadataMode, POD_IDENTITY_PATH,
    RecordedRequest, lock,
};
use crate::server::{MockServer, MockServerBuilder};

/// The identity knobs of the builder.
impl MockServerBuilder {
    /// The one OIDC id token STS accepts in `assume-with-oidc` (replaces
    /// [`DEFAULT_OIDC_ID_TOKEN`]).
    pub fn oidc_id_token(mut self, token: impl Into<String>) -> Self {
        self.identity.oidc_id_token = token.into();
        self
    }

    /// The one identity provider IAM knows and its id token (replaces [`DEFAULT_IDP_ID`] and
    /// [`DEFAULT_FEDERATED_ID_TOKEN`]).
    pub fn federated_id_token(
        mut self,
        idp_id: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        self.identity.idp_id = idp_id.into();
        self.identity.federated_id_token = token.into();
        self
    }

    /// The `Authorization` value the pod-identity agent accepts (replaces
    /// [`DEFAULT_POD_IDENTITY_TOKEN`]).
    pub fn pod_identity_token(mut self, token: impl Into<String>) -> Self {
        self.identity.pod_token = token.into();
        self
    }

    /// How the metadata service behaves (default [`MetadataMode::TokenRequired`]).
    pub fn metadata_mode(mut self, mode: MetadataMode) -> Self {
        self.identity.metadata_mode = mode;
        self
    }

    /// The projects IAM lists for `GET /v3/projects?name=<region>`: `project_ids` (none, one,
    /// or several, for the error cases). Regions not given have one project, the mock's
    /// [`project_id`](MockServerBuilder::project_id). Requests for another project id than
    /// the mock's still get 403 from DBSS.
    pub fn projects(mut self, region: impl Into<String>, project_ids: Vec<String>) -> Self {
        set_projects(&mut self.identity, region.into(), project_ids);
        self
    }

    /// How long every issued temporary credential lives, whatever the request asked (default:
    /// STS and IAM honour `duration_seconds`, the metadata service and the pod-identity agent
    /// give [`DEFAULT_LOCAL_CREDENTIAL_LIFETIME`]).
    pub fn identity_credential_lifetime(mut self, lifetime: Duration) -> Self {
        self.identity.lifetime = Some(lifetime);
        self
    }

    /// Makes every identity endpoint wait this long (real time) before answering, so that
    /// concurrent callers overlap (default zero). For one endpoint, inject
    /// `Fault::Delay(d).at(endpoint)` instead.
    pub fn identity_delay(mut self, delay: Duration) -> Self {
        self.identity.delay = delay;
        self
    }
}

fn set_projects(config: &mut IdentityConfig, region: String, ids: Vec<String>) {
    config.projects.retain(|(r, _)| *r != region);
    config.projects.push((region, ids));
}

/// The identity stand-ins of the running server.
impl MockServer {
    /// The STS endpoint (`HUAWEICLOUD_SDK_STS_ENDPOINT`): the base URL.
    pub fn sts_endpoint(&self) -> String {
        self.base_url()
    }

    /// The IAM endpoint (`HUAWEICLOUD_SDK_IAM_ENDPOINT`): the base URL.
    pub fn iam_endpoint(&self) -> String {
        self.base_url()
    }

    /// The ECS metadata service's base URL: the base URL.
    pub fn metadata_endpoint(&self) -> String {
        self.base_url()
    }

    /// The pod-identity agent's URL (`HC_CONTAINER_CREDENTIALS_FULL_URI`): the base URL and
    /// [`POD_IDENTITY_PATH`].
    pub fn pod_identity_uri(&self) -> String {
        format!("{}{POD_IDENTITY_PATH}", self.base_url())
    }

    /// The OIDC id token STS accepts.
    pub fn oidc_id_token(&self) -> String {
        self.app.identity.config().oidc_id_token
    }

    /// The identity provider id IAM knows.
    pub fn federated_idp_id(&self) -> String {
        self.app.identity.config().idp_id
    }

    /// The id token of [`federated_idp_id`](Self::federated_idp_id).
    pub fn federated_id_token(&self) -> String {
        self.app.identity.config().federated_id_token
    }

    /// The `Authorization` value the pod-identity agent accepts.
    pub fn pod_identity_token(&self) -> String {
        self.app.identity.config().pod_token
    }

    /// The metadata service's mode.
    pub fn metadata_mode(&self) -> MetadataMode {
        self.app.identity.config().metadata_mode
    }

    /// Replaces the OIDC id token STS accepts (the old one gets 401 from now on).
    pub fn set_oidc_id_token(&self, token: impl Into<String>) {
        let token = token.into();
        self.app.identity.configure(|c| c.oidc_id_token = token);
    }

    /// Replaces the identity provider and its id token.
    pub fn set_federated_id_token(&self, idp_id: impl Into<String>, token: impl Into<String>) {
        let (idp_id, token) = (idp_id.into(), token.into());
        self.app.identity.configure(|c| {
            c.idp_id = idp_id;
            c.federated_id_token = token;
        });
    }

    /// Replaces the pod-identity agent's token (the old one gets 401 from now on).
    pub fn set_pod_identity_token(&self, token: impl Into<String>) {
        let token = token.into();
        self.app.identity.configure(|c| c.pod_token = token);
    }

    /// Changes the metadata service's mode (session tokens already given stay valid).
    pub fn set_metadata_mode(&self, mode: MetadataMode) {
        self.app.identity.configure(|c| c.metadata_mode = mode);
    }

    /// Forgets every metadata session token given so far: the next
    /// `GET /openstack/latest/securitykey` with one gets 401, which makes the official client
    /// renew its token once and ask again.
    pub fn revoke_metadata_tokens(&self) {
        lock(&self.app.identity.sessions).clear();
    }

    /// Sets the projects of `region` (see [`MockServerBuilder::projects`]).
    pub fn set_projects(&self, region: impl Into<String>, project_ids: Vec<String>) {
        let region = region.into();
        self.app
            .identity
            .configure(|c| set_projects(c, region, project_ids));
    }

    /// Changes the lifetime of credentials issued from now on (`None`: each endpoint's default,
    /// see [`MockServerBuilder::identity_credential_lifetime`]).
    pub fn set_identity_credential_lifetime(&self, lifetime: Option<Duration>) {
        self.app.identity.configure(|c| c.lifetime = lifetime);
    }

    /// Changes the delay of every identity answer (see [`MockServerBuilder::identity_delay`]).
    pub fn set_identity_delay(&self, delay: Duration) {
        self.app.identity.configure(|c| c.delay = delay);
    }

    /// How many requests reached `endpoint`, whatever became of them (rejected and faulted
    /// included). [`reset_counters`](Self::reset_counters) sets these back to zero too.
    pub fn identity_calls(&self, endpoint: IdentityEndpoint) -> u64 {
        self.app.identity.calls[endpoint.index()].load(Ordering::SeqCst)
    }

    /// Every identity request so far, in the order received.
    pub fn identity_requests(&self) -> Vec<RecordedRequest> {
        lock(&self.app.identity.recorded).clone()
    }

    /// Forgets the recorded identity requests (the counters are kept).
    pub fn clear_identity_requests(&self) {
        lock(&self.app.identity.recorded).clear();
    }

    /// Every temporary credential issued so far, oldest first.
    pub fn issued_credentials(&self) -> Vec<IssuedCredentials> {
        lock(&self.app.identity.issued).clone()
    }
}
