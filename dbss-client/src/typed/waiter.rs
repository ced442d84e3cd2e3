//! The one waiter, for every state the document says an operation's effect reaches later
//! (`x-dbss-waiters` on the operation that is polled: an instance running after it is created
//! or started, stopped after a stop, gone after a delete, a report finished, a summary task
//! done).
//!
//! It polls with backoff up to a deadline, reports each state it sees, ends early on a state
//! the document calls a failure, and on timeout names the last state it saw.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use dbss_types::operations::WaiterInfo;
use serde_json::Value;
use tokio::time::Instant;

use crate::execution::error::{Error, WaitFailure};

/// Called with each state a waiter sees (`"BUILD"`, `"ACTIVE"`, `"40"` for a report at 40 %),
/// or `None` when the resource is not (or no longer) there.
pub type StateFn<'a> = Box<dyn FnMut(Option<&str>) + Send + 'a>;

/// What a waiter found when its resource reached the state it waits for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reached {
    /// The state reached (`None` when the waiter waits for the resource to go, and it went).
    pub state: Option<String>,
    /// The resource as the last poll answered it (`null` when it went).
    pub resource: Value,
    /// How many polls it took.
    pub polls: u32,
}

/// A request a waiter polls: it answers the resources it sees, as JSON (every page of a paged
/// list). Implemented by the generated builders of the operations the document puts waiters
/// on.
pub trait Polled: Clone + Send {
    /// Sends the request; the resources of the answer (the items of a list, or the answer
    /// itself).
    fn poll(self) -> impl Future<Output = Result<Vec<Value>, Error>> + Send;
}

/// Waits for a resource to reach a state; made by a builder's `wait_until_<state>` method.
#[must_use = "a waiter does nothing until `wait` is awaited"]
pub struct Waiter<'a, R> {
    request: R,
    info: &'static WaiterInfo,
    key: Option<String>,
    deadline: Duration,
    first_delay: Duration,
    max_delay: Duration,
    on_state: Option<StateFn<'a>>,
}

impl<R> fmt::Debug for Waiter<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("waiter", &self.info.name)
            .field("key", &self.key)
            .field("deadline", &self.deadline)
            .field("first_delay", &self.first_delay)
            .field("max_delay", &self.max_delay)
            .finish_non_exhaustive()
    }
}

impl<'a, R: Polled> Waiter<'a, R> {
    /// A waiter polling `request` for the state `info` describes, of the resource whose key
    /// is `key` (for a list).
    pub fn new(request: R, info: &'static WaiterInfo, key: Option<String>) -> Self {
        Self {
            request,
            info,
            key,
            deadline: Duration::from_secs(info.deadline_secs),
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            on_state: None,
        }
    }

    /// How long to wait at most (default: the document's, per waiter).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The first pause between polls, doubled after each poll up to `max` (default 1 s, 30 s).
    pub fn poll_interval(mut self, first: Duration, max: Duration) -> Self {
        self.first_delay = first;
        self.max_delay = max.max(first);
        self
    }

    /// Called with each state seen.
    pub fn on_state(mut self, f: impl FnMut(Option<&str>) + Send + 'a) -> Self {
        self.on_state = Some(Box::new(f));
        self
    }

    /// Polls until the state is reached, a failure state is seen, or the deadline passes.
    /// A failed poll ends the wait with its error (the executor has retried it already).
    pub async fn wait(mut self) -> Result<Reached, Error> {
        let info = self.info;
        let started = Instant::now();
        let mut delay = self.first_delay;
        let mut last_state = None;
        let mut polls = 0;
        loop {
            polls += 1;
            let resources = self.request.clone().poll().await?;
            let found = resources.into_iter().find(|r| match (&self.key, info.key) {
                (Some(key), Some(field)) => text_at(r, field).as_deref() == Some(key),
                _ => true,
            });
            let state = found.as_ref().and_then(|r| text_at(r, info.state));
            if let Some(on_state) = &mut self.on_state {
                on_state(state.as_deref());
            }
            match (&found, &state) {
                (None, _) if info.success_when_gone => {
                    return Ok(Reached {
                        state: None,
                        resource: Value::Null,
                        polls,
                    });
                }
                (None, _) if info.failure_when_gone => {
                    return Err(failed(info, WaitFailure::Gone));
                }
                (Some(resource), Some(state)) if info.success.contains(&state.as_str()) => {
                    return Ok(Reached {
                        state: Some(state.clone()),
                        resource: resource.clone(),
                        polls,
                    });
                }
                (Some(_), Some(state)) if info.failure.contains(&state.as_str()) => {
                    return Err(failed(
                        info,
                        WaitFailure::FailureState {
                            state: state.clone(),
                        },
                    ));
                }
                _ => {}
            }
            if state.is_some() {
                last_state = state;
            }
            let elapsed = started.elapsed();
            if elapsed >= self.deadline {
                return Err(failed(
                    info,
                    WaitFailure::TimedOut {
                        after: self.deadline,
                        last_state,
                    },
                ));
            }
            tokio::time::sleep(delay.min(self.deadline - elapsed)).await;
            delay = (delay * 2).min(self.max_delay);
        }
    }
}

fn failed(info: &'static WaiterInfo, reason: WaitFailure) -> Error {
    Error::Wait {
        waiter: info.name,
        reason,
    }
}

/// The value at a dotted path (`report.percentum`) as text: strings as they are, numbers and
/// booleans as written.
fn text_at(value: &Value, path: &str) -> Option<String> {
    let mut at = value;
    for part in path.split('.') {
        at = at.get(part)?;
    }
    match at {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_read_at_dotted_paths_whatever_their_type() {
        let v = serde_json::json!({"status": "ACTIVE", "report": {"percentum": 40, "ok": true}});
        assert_eq!(text_at(&v, "status").as_deref(), Some("ACTIVE"));
        assert_eq!(text_at(&v, "report.percentum").as_deref(), Some("40"));
        assert_eq!(text_at(&v, "report.ok").as_deref(), Some("true"));
        assert_eq!(text_at(&v, "report.missing"), None);
        assert_eq!(text_at(&v, "report"), None);
    }

    #[test]
    fn a_timeout_names_the_last_state_seen() {
        let shown = WaitFailure::TimedOut {
            after: Duration::from_secs(5),
            last_state: Some("BUILD".into()),
        }
        .to_string();
        assert!(shown.contains("BUILD") && shown.contains("5s"), "{shown}");
    }
}
