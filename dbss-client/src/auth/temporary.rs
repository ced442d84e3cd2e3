//! Temporary AK/SK credentials from a [`LiveSource`]: fetched on first use, cached, renewed
//! before they expire.
//!
//! - Renewal: 40 minutes before expiry (the official SDK's threshold), or at half their life
//!   when they live less than 80 minutes, so short-lived credentials are not fetched again on
//!   every request.
//! - Concurrency: as the IAM token cache, readers share an `RwLock`; renewal is serialised by a
//!   `Mutex` and whoever takes it looks again before fetching, so however many requests find
//!   the credentials stale at once, one fetch happens.
//! - Failure: when a renewal fails while the credentials in hand are still good for more than
//!   [`MIN_REMAINING`], they are used (with a warning) and renewal is tried again after
//!   [`RETRY_AFTER_FAILURE`]; otherwise the failure is the request's typed error. No request is
//!   signed with credentials that expire within `MIN_REMAINING`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{Mutex, RwLock};

use super::credentials::AkSkCredentials;
use super::error::CredentialsError;
use super::sources::{FetchContext, Fetched, LiveSource};
use crate::foundation::clock::Clock;

/// The official SDK's threshold: credentials expiring within it are renewed.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(40 * 60);
/// Credentials closer than this to their expiry are never used: a request signed now must
/// still be valid when it arrives, after retries and slow networks.
pub(crate) const MIN_REMAINING: Duration = Duration::from_secs(5 * 60);
/// After a failed renewal with usable credentials in hand, how long before trying again.
pub(crate) const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

struct Cached {
    credentials: Arc<AkSkCredentials>,
    expires_at: SystemTime,
    renew_at: SystemTime,
}

/// The cache of one source's temporary credentials.
pub(crate) struct TemporaryCache {
    source: LiveSource,
    ctx: FetchContext,
    clock: Arc<dyn Clock>,
    cached: RwLock<Option<Cached>>,
    renewal: Mutex<()>,
}

impl std::fmt::Debug for TemporaryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemporaryCache")
            .field("source", &self.source.source())
            .finish_non_exhaustive()
    }
}

impl TemporaryCache {
    pub(crate) fn new(source: LiveSource, ctx: FetchContext, clock: Arc<dyn Clock>) -> Self {
        Self {
            source,
            ctx,
            clock,
            cached: RwLock::new(None),
            renewal: Mutex::new(()),
        }
    }

    /// The identity provider id of federated credentials (the project cache is keyed by it).
    pub(crate) fn federated_idp_id(&self) -> Option<&str> {
        self.source.federated_idp_id()
    }

    /// Credentials good for at least [`MIN_REMAINING`], renewing them when due.
    pub(crate) async fn credentials(&self) -> Result<Arc<AkSkCredentials>, CredentialsError> {
        if let Some(c) = self.fresh().await {
            return Ok(c);
        }
        let _renewing = self.renewal.lock().await;
        if let Some(c) = self.fresh().await {
            return Ok(c);
        }
        let now = self.clock.now();
        match self.source.fetch(&self.ctx).await {
            Ok(fetched) if fetched.expires_at <= now => Err(CredentialsError::Source {
                from: self.source.source(),
                failure: Box::new(super::SourceFailure::InvalidAnswer {
                    url: "the credential service".to_owned(),
                    reason: "the credentials received have already expired (check the clock)",
                    request_id: None,
                }),
            }),
            Ok(fetched) => Ok(self.store(fetched, now).await),
            Err(error) => {
                let mut cached = self.cached.write().await;
                match cached.as_mut() {
                    Some(c) if usable(c.expires_at, now) => {
                        tracing::warn!(source = %self.source.source(), %error,
                            "cannot renew temporary credentials; using the current ones until they are near expiry");
                        c.renew_at = now + RETRY_AFTER_FAILURE;
                        Ok(Arc::clone(&c.credentials))
                    }
                    _ => Err(error),
                }
            }
        }
    }

    async fn fresh(&self) -> Option<Arc<AkSkCredentials>> {
        let cached = self.cached.read().await;
        let cached = cached.as_ref()?;
        let now = self.clock.now();
        (now < cached.renew_at && usable(cached.expires_at, now))
            .then(|| Arc::clone(&cached.credentials))
    }

    async fn store(&self, fetched: Fetched, now: SystemTime) -> Arc<AkSkCredentials> {
        let life = fetched
            .expires_at
            .duration_since(now)
            .unwrap_or(Duration::ZERO);
        let renew_at = now + life.saturating_sub(RENEW_BEFORE_EXPIRY).max(life / 2);
        let credentials = Arc::new(fetched.credentials);
        tracing::debug!(
            source = %self.source.source(),
            access_key_id = credentials.access_key_id(),
            expires_at = %jiff::Timestamp::try_from(fetched.expires_at).map(|t| t.to_string()).unwrap_or_default(),
            "obtained temporary credentials"
        );
        if !usable(fetched.expires_at, now) {
            // Credentials that are (nearly) expired when they arrive: used once, since nothing
            // better can be had, but asked for again on the next request.
            tracing::warn!(source = %self.source.source(), "the temporary credentials received expire within 5 minutes");
        }
        *self.cached.write().await = Some(Cached {
            credentials: Arc::clone(&credentials),
            expires_at: fetched.expires_at,
            renew_at,
        });
        credentials
    }
}

fn usable(expires_at: SystemTime, now: SystemTime) -> bool {
    now + MIN_REMAINING < expires_at
}
