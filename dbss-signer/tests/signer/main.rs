//! dbss-signer's integration tests, one module per subject, in one test binary (one link, one
//! process).

mod api;
mod properties;
mod vectors;
