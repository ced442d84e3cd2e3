//! The interface the generated code (`generated/`, written by `cargo xtask generate`) is
//! generated against, and the glue that captures its requests. The generated client knows the
//! SDK only through [`hook_interface`]: progenitor's per-client state is [`Inner`](crate::Inner),
//! which holds the SDK's hooks behind a trait. The generated dispatch reads an operation's JSON
//! arguments and answers through [`dispatch_support`], and builds each request on a client that
//! stops before sending ([`capture`]). Nothing here knows the layers above, so the generated code
//! sits low in the crate and the SDK's hooks (`execution::hooks`) plug in from above.

pub(crate) mod capture;
pub(crate) mod dispatch_support;
pub(crate) mod hook_interface;
