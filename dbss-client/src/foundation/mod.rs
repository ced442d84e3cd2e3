//! What every layer uses, and which uses nothing else of the crate: the time source
//! ([`clock`]), where requests go and how long they may take ([`config`]), the checks input
//! passes before anything is sent ([`validate`]), report times as the API writes them
//! ([`report_time`]), path parameters encoded as the official SDK encodes them
//! ([`path_encoding`]), and an error with its causes as one line ([`error_chain`]). Nothing here
//! knows of HTTP, authentication or the generated code, so any module may depend on it.

pub mod clock;
pub mod config;
pub(crate) mod error_chain;
pub(crate) mod path_encoding;
pub(crate) mod report_time;
pub(crate) mod validate;
