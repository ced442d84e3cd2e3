//! Project id discovery: with no project id configured, the client asks IAM which project the
//! region is (`GET {iam}/v3/projects?name=<region>`, signed with the credentials in hand), as
//! the official `BasicCredentials.process_auth_params` does. The answer is cached for the life
//! of the process per access key (or identity provider) and region, as the SDK caches it.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::SystemTime;

use serde::Deserialize;

use super::credentials::AkSkCredentials;
use super::error::CredentialsError;
use super::sources::{Reach, send, service_url, shown_url};

/// Project ids found so far, by (access key id or IdP id, region).
static DISCOVERED: LazyLock<Mutex<HashMap<(String, String), String>>> =
    LazyLock::new(Mutex::default);

/// What discovery needs besides the credentials.
#[derive(Clone, Debug)]
pub(crate) struct Discovery {
    pub region: String,
    pub iam_endpoint: String,
    pub http: crate::transport::HttpClient,
    pub allow_insecure_http: bool,
}

#[derive(Deserialize)]
struct Projects {
    #[serde(default)]
    projects: Vec<Project>,
}

#[derive(Deserialize)]
struct Project {
    id: String,
}

impl Discovery {
    /// The project id of the region. `cache_key` identifies the principal (the AK of permanent
    /// credentials, the IdP id of federated ones).
    pub(crate) async fn project_id(
        &self,
        credentials: &AkSkCredentials,
        cache_key: &str,
        now: SystemTime,
    ) -> Result<String, CredentialsError> {
        let key = (cache_key.to_owned(), self.region.clone());
        if let Some(id) = DISCOVERED.lock().ok().and_then(|m| m.get(&key).cloned()) {
            tracing::debug!(region = %self.region, "project id from the discovery cache");
            return Ok(id);
        }
        let fail = |reason: String| CredentialsError::ProjectDiscovery {
            region: self.region.clone(),
            reason,
        };
        let url = service_url(
            &format!("{}/v3/projects", self.iam_endpoint.trim_end_matches('/')),
            Reach::Remote {
                allow_insecure_http: self.allow_insecure_http,
            },
        )
        .map_err(|e| fail(e.to_string()))?;
        let mut request = self
            .http
            .get(url.clone())
            .query(&[("name", self.region.as_str())])
            .header(reqwest::header::USER_AGENT, crate::DEFAULT_USER_AGENT)
            .build()
            .map_err(|e| fail(crate::foundation::error_chain::error_chain(&e)))?;
        super::sign::sign_request(&mut request, credentials, None, now)?;
        tracing::info!(region = %self.region, iam_endpoint = %shown_url(&url),
            "no project id configured; asking IAM for the project of the region");
        let answer = send(&self.http, self.http.builder_for(request), &url)
            .await
            .map_err(|e| fail(e.to_string()))?;
        if !(200..300).contains(&answer.status) {
            return Err(fail(answer.rejected(&url, &[]).to_string()));
        }
        let trace = answer
            .request_id()
            .map(|id| format!(" (X-IAM-Trace-Id {id})"))
            .unwrap_or_default();
        let projects: Projects = serde_json::from_slice(&answer.body)
            .map_err(|_| fail(format!("IAM's answer has no readable project list{trace}")))?;
        let id = match projects.projects.as_slice() {
            [] => {
                return Err(fail(format!(
                    "IAM knows no project named {:?} in this account{trace}; check the region, \
                     or give the project id",
                    self.region
                )));
            }
            [one] => one.id.clone(),
            several => {
                let ids: Vec<&str> = several.iter().map(|p| p.id.as_str()).collect();
                return Err(fail(format!(
                    "several projects are named {:?}: {}{trace}; give the one to use as the \
                     project id",
                    self.region,
                    ids.join(", ")
                )));
            }
        };
        tracing::info!(region = %self.region, project_id = %id, "discovered the project id of the region");
        if let Ok(mut cache) = DISCOVERED.lock() {
            cache.insert(key, id.clone());
        }
        Ok(id)
    }
}
