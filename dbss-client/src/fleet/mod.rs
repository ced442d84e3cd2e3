//! The compliance job at fleet scale: one report per instance (many instances, several regions
//! and projects) for a period said as people say it, created, waited for and downloaded
//! concurrently, resumable exactly once from a manifest.
//!
//! ```no_run
//! # async fn demo(client: dbss_client::DbssClient) -> Result<(), dbss_client::fleet::FleetError> {
//! use dbss_client::fleet::{CalendarUnit, Job, Period, Scope, Selection};
//!
//! let job = Job::new(
//!     vec![Scope::new("cn-north-4", client)],
//!     Period::Previous(CalendarUnit::Month),
//!     ["Database security compliance report"],
//! )
//! .selection(Selection::all_instances())
//! .time_zone(jiff::tz::TimeZone::get("Europe/Berlin").expect("a known zone"))
//! .out_dir("reports")
//! .concurrency(16);
//! let summary = job
//!     .run("reports/manifest.jsonl", |event| eprintln!("{event:?}"))
//!     .await?;
//! println!("{} reports, {} failed", summary.outcomes.len(), summary.failed());
//! # Ok(()) }
//! ```
//!
//! How a run goes (see [`manifest`] for the records):
//!
//! 1. The manifest is opened and locked (a second run on it refuses). Its first line fixes the
//!    job: the period's window is computed once, at the first run, and a later run that asks
//!    for another job is refused.
//! 2. Plan: the instances of each scope are selected (ids, all, a name pattern, tags), and each
//!    template (an id or a name) is resolved per instance as the run goes; an instance with no
//!    matching template is reported, not guessed. Each task is recorded before it starts, and
//!    the end of the plan once every instance is resolved; a later run takes the plan from
//!    there (or makes it again, if it was cut short: reading only).
//! 3. Every task, `concurrency` at a time, goes on from its last recorded step: note the
//!    matching reports that exist, record "creating", send the create, find the new report
//!    (same name, window and type, not among those noted), wait for it, download it into a
//!    part file with its SHA-256, record it, rename it into place. A create whose outcome is
//!    unknown (a reset, a timeout, a 5xx after it was sent) is looked for before anything is
//!    sent again, so no report is made twice; a downloaded report is never fetched again.
//!
//! All requests go through each scope's [`DbssClient`](crate::DbssClient): its retries,
//! timeouts and rate limiting (use [`RateLimit::Adaptive`](crate::RateLimit) so that throttling
//! slows every task of the scope).

mod job;
pub mod manifest;
mod period;

pub use job::{
    Done, Event, Job, Outcome, Scope, Selected, Selection, Step, Summary, resolve_template, select,
};
pub use manifest::{Manifest, ManifestState, Record, Stage, Task, Unresolved};
pub use period::{CalendarUnit, Period, Window};

use std::path::PathBuf;

/// Why a fleet job could not run (a failure of one instance is an [`Outcome`], not this).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    /// Another run holds the manifest.
    #[error(
        "the manifest {} is in use by another run (it is locked); wait for that run to end, or use another --manifest",
        path.display()
    )]
    ManifestLocked {
        /// The manifest.
        path: PathBuf,
    },
    /// The manifest cannot be read or written.
    #[error("manifest {}: {message}", path.display())]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The manifest belongs to another job.
    #[error(
        "the manifest {} belongs to another job ({recorded}); this run asks for {asked}: resume it with the same options, or use another --manifest",
        path.display()
    )]
    OtherJob {
        /// The manifest.
        path: PathBuf,
        /// The job it records.
        recorded: String,
        /// The job asked for.
        asked: String,
    },
    /// The job itself is invalid (a name pattern, no template, no scope...); nothing was sent.
    #[error(transparent)]
    Invalid(#[from] crate::ValidationError),
    /// Planning failed (the instances of a scope could not be listed).
    #[error("{context}: {source}")]
    Plan {
        /// What was being done.
        context: String,
        /// The client's error.
        #[source]
        source: crate::Error,
    },
}
