//! One operation, from its attempts to its errors. A call is prepared once ([`prepared`]) and
//! run by the executor ([`execute`]), which owns its timeouts, its retries ([`retry`]) and the
//! client-side rate limiter ([`rate_limit`]); every attempt passes through the SDK's hooks
//! ([`hooks`]: user agent, authentication, sending over the one HTTP client), which keep what
//! the response said ([`response_meta`]) for the executor; every failure becomes the one
//! [`Error`](crate::Error) ([`error`]). Every operation, a wrapper in `ops/` or one called by
//! name through `api`, goes through here, so these rules hold for all of them alike.

pub(crate) mod error;
pub(crate) mod execute;
pub(crate) mod hooks;
pub(crate) mod prepared;
pub(crate) mod rate_limit;
pub(crate) mod response_meta;
pub(crate) mod retry;
