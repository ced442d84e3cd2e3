//! Authentication: credentials, their sources, IAM tokens and AK/SK signing.
//!
//! STUB: the interface the rest of the client builds against; the auth issue fills it in.

use std::sync::Arc;

use crate::clock::Clock;

/// Credentials a client authenticates with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// No authentication (tests against a server that does not check).
    Anonymous,
}

/// Why credentials could not be found or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Placeholder.
    #[error("credentials: {0}")]
    Other(String),
}

/// Authenticates requests with one set of credentials; shared by every clone of a client.
#[derive(Debug)]
pub(crate) struct Auth {
    _credentials: Credentials,
    _clock: Arc<dyn Clock>,
}

impl Auth {
    pub(crate) fn new(credentials: Credentials, clock: Arc<dyn Clock>) -> Self {
        Self {
            _credentials: credentials,
            _clock: clock,
        }
    }

    /// Makes the credentials ready to use (e.g. obtains or renews an IAM token).
    /// Called by the handwritten layer before each attempt so that failures are typed.
    pub(crate) async fn prepare(&self) -> Result<(), CredentialsError> {
        Ok(())
    }

    /// Authenticates one request: called from the pre hook, once per attempt.
    pub(crate) async fn apply(
        &self,
        _request: &mut reqwest::Request,
    ) -> Result<(), CredentialsError> {
        Ok(())
    }
}
