//! The handwritten half of the typed operations (`crate::operation` is their public face):
//! what a builder answers, the one paginator, the one waiter, and what the generated builders
//! (`generated/operations.rs`) share so that each of them is only its operation's facts.

pub(crate) mod output;
pub(crate) mod paginator;
pub(crate) mod support;
pub(crate) mod waiter;
