//! What the generated client knows of the layers above it: [`Inner`], the state progenitor
//! keeps in every generated `Client`, which holds a [`RequestHooks`] object. The generated code
//! (below this) and the SDK's hooks (`hooks`, above) both depend on this module and on nothing
//! else of each other's, so the generated code sits at the bottom of the crate.

use std::sync::Arc;

use futures::future::BoxFuture;

/// What happens to every request a generated operation builds: `pre` authenticates and
/// labels it, `exec` sends it. Implemented by the SDK's hooks (`hooks::SdkHooks`).
pub(crate) trait RequestHooks: Send + Sync + 'static {
    /// Changes `request` before it is sent (headers, signature); the error says why a request
    /// cannot be sent as built.
    fn pre<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, Result<(), String>>;

    /// Sends `request` and returns the response, its body not yet read.
    fn exec(
        &self,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'_, reqwest::Result<reqwest::Response>>;
}

/// State the generated client carries for its hooks: how requests are authenticated, labelled
/// and sent. Cheap to clone. Made by [`Inner::new`] or [`Inner::anonymous`].
#[derive(Clone)]
pub struct Inner {
    pub(crate) hooks: Arc<dyn RequestHooks>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The hooks hold the credentials: nothing of them is shown.
        f.debug_struct("Inner").finish_non_exhaustive()
    }
}
