//! Fault injection: what can go wrong, for how many requests, and for which operation (or
//! which identity stand-in endpoint).
//!
//! Faults model the network and the API gateway in front of DBSS, so they are applied to a
//! request *before* authentication and validation: a request with bad credentials still gets
//! the injected 503. Every request is counted before its fault is chosen.

use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::identity::IdentityEndpoint;
use crate::ops::Operation;

/// Default length of [`Fault::Garbage`]: 10 MiB, more than any client should buffer for an
/// error body.
pub const DEFAULT_GARBAGE_LEN: u64 = 10 * 1024 * 1024;

/// One kind of failure the mock can produce instead of (or around) a normal answer.
///
/// Faults model the network and the API gateway, so they apply before authentication and
/// validation, and every request is counted before its fault is chosen.
///
/// | Fault | What the client sees | Does the operation take effect? |
/// |---|---|---|
/// | [`Fault::Status`] | that status with a DBSS error body, optional `Retry-After` | no |
/// | [`Fault::Delay`] | the normal answer, after a delay before the headers | yes |
/// | [`Fault::Hang`] | nothing: the headers never come (until the client gives up) | no |
/// | [`Fault::StallBody`] | the normal status and headers, half the body, then silence | yes |
/// | [`Fault::CloseMidBody`] | the normal status and headers, half the body, then the connection closes | yes |
/// | [`Fault::Reset`] | a TCP reset instead of a response; see [`ResetPoint`] | only with [`ResetPoint::AfterProcessing`] |
/// | [`Fault::TruncatedJson`] | 200 whose JSON body is cut in half (`Content-Length` matches the cut body) | yes |
/// | [`Fault::Garbage`] | the status with `len` pseudo-random bytes labelled `application/json` | no |
/// | [`Fault::Html`] | the status with a proxy's HTML error page | no |
/// | [`Fault::EmptyOk`] | 200 with `Content-Type: application/json` and an empty body | no |
/// | [`Fault::UnknownResult`] | 200 with a `result`/`status` value the API does not document | no |
/// | [`Fault::Reply`] | that status, content type and body, verbatim | no |
///
/// "Takes effect" matters for CreateReport: after a `TruncatedJson` or `AfterProcessing` reset
/// the report exists although the client saw no success, which is exactly the case where a
/// blind retry makes a duplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with `status` and a DBSS error body. `error_code` and `error_msg` default to what
    /// the gateway or service says for that status (429 → `APIGW.0308`, 502/503 →
    /// `APIGW.0201`, 504 → `APIGW.0202`, 500 → `DBSS.10500`, ...).
    Status {
        /// The HTTP status, e.g. 429 or 503.
        status: u16,
        /// The `Retry-After` header value, sent verbatim (`"2"`, an HTTP date, or nonsense).
        retry_after: Option<String>,
        /// Overrides the `error_code` of the body.
        error_code: Option<String>,
        /// Overrides the `error_msg` of the body.
        error_msg: Option<String>,
    },
    /// Wait this long before handling the request normally (the headers come late).
    Delay(Duration),
    /// Read the request and never answer.
    Hang,
    /// Handle the request, send the status, headers and half the body, then stall forever.
    StallBody,
    /// Handle the request, send the status, headers and half the body, then close the
    /// connection (the body is shorter than its `Content-Length`).
    CloseMidBody,
    /// Reset the TCP connection instead of answering.
    Reset(ResetPoint),
    /// Handle the request, then send a 200 whose JSON body is cut in half.
    TruncatedJson,
    /// Answer `status` with `len` bytes of pseudo-random garbage labelled `application/json`,
    /// streamed (never held in memory).
    Garbage {
        /// The HTTP status (e.g. 502, or 200).
        status: u16,
        /// The body length in bytes.
        len: u64,
    },
    /// Answer `status` with an HTML error page, as a proxy or load balancer in front of the
    /// service would.
    Html {
        /// The HTTP status, e.g. 502.
        status: u16,
    },
    /// Answer 200 with an empty body.
    EmptyOk,
    /// Answer 200 with a body whose `result` (CreateReport) or `status` (DeleteAuditReport) is a
    /// value the API does not document: `{"result":"queued","status":"QUEUED"}`.
    UnknownResult,
    /// Answer `status` with this body and `Content-Type`, verbatim (e.g. an identity service's
    /// own error JSON, or a credentials answer without an expiry). Its text form is
    /// `reply=STATUS` (an empty `text/plain` body): bodies cannot be written in `--fault`.
    Reply {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header value.
        content_type: String,
        /// The body.
        body: String,
    },
}

/// When a [`Fault::Reset`] resets the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResetPoint {
    /// As soon as the request headers are read; the body is left unread and nothing is
    /// processed.
    HeadersRead,
    /// After the whole request (headers and body) is read, before it is processed.
    RequestRead,
    /// After the request was processed (a CreateReport has created its report) and before the
    /// answer is sent.
    AfterProcessing,
}

impl Fault {
    /// [`Fault::Status`] with the default code and message for `status`.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            error_code: None,
            error_msg: None,
        }
    }

    /// 429 throttling, with `Retry-After: <seconds>` when given.
    pub fn throttled(retry_after_secs: Option<u64>) -> Self {
        Fault::Status {
            status: 429,
            retry_after: retry_after_secs.map(|s| s.to_string()),
            error_code: None,
            error_msg: None,
        }
    }

    /// [`Fault::Garbage`] with the status and the default length of 10 MiB.
    pub fn garbage(status: u16) -> Self {
        Fault::Garbage {
            status,
            len: DEFAULT_GARBAGE_LEN,
        }
    }

    /// [`Fault::Reply`]: `status` with `body` labelled `content_type`.
    pub fn reply(status: u16, content_type: impl Into<String>, body: impl Into<String>) -> Self {
        Fault::Reply {
            status,
            content_type: content_type.into(),
            body: body.into(),
        }
    }

    /// Sets the `Retry-After` value of a [`Fault::Status`]; other kinds are returned unchanged.
    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        if let Fault::Status { retry_after, .. } = &mut self {
            *retry_after = Some(value.into());
        }
        self
    }

    /// Applies this fault to the next request only (of any operation).
    pub fn once(self) -> FaultRule {
        FaultRule::new(self)
    }

    /// Applies this fault to the next `n` requests (of any operation).
    pub fn times(self, n: u32) -> FaultRule {
        FaultRule::new(self).times(n)
    }

    /// Applies this fault to the next request of `operation` only.
    pub fn only(self, operation: Operation) -> FaultRule {
        FaultRule::new(self).only(operation)
    }

    /// Applies this fault to the next request to the identity stand-in `endpoint` only.
    pub fn at(self, endpoint: IdentityEndpoint) -> FaultRule {
        FaultRule::new(self).at(endpoint)
    }
}

/// How many requests a [`FaultRule`] still applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Times {
    /// This many more matching requests.
    Count(u32),
    /// Every matching request until the rule is cleared.
    Always,
}

/// A fault, how many requests it applies to, and what it applies to: any DBSS operation (the
/// default), one operation ([`only`](Self::only)), or one identity stand-in endpoint
/// ([`at`](Self::at)). Rules without [`at`](Self::at) never touch identity requests, so a
/// "503 for the next request" still hits the DBSS call, whatever credentials the client
/// fetched first.
///
/// ```
/// use dbss_mock::{Fault, FaultRule, Operation};
///
/// let rule = FaultRule::new(Fault::status(503)).times(2).only(Operation::CreateReport);
/// assert_eq!(rule, "status=503,times=2,op=create_report".parse().unwrap());
///
/// use dbss_mock::IdentityEndpoint;
/// let rule = Fault::status(500).times(1).at(IdentityEndpoint::MetadataSecurityKey);
/// assert_eq!(rule, "status=500,at=metadata-security-key".parse().unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    fault: Fault,
    times: Times,
    operation: Option<Operation>,
    identity: Option<IdentityEndpoint>,
}

impl FaultRule {
    /// `fault` for the next request of any operation.
    pub fn new(fault: Fault) -> Self {
        Self {
            fault,
            times: Times::Count(1),
            operation: None,
            identity: None,
        }
    }

    /// For the next `n` matching requests (0 makes the rule inert).
    pub fn times(mut self, n: u32) -> Self {
        self.times = Times::Count(n);
        self
    }

    /// For every matching request until [`MockServer::clear_faults`](crate::MockServer::clear_faults).
    pub fn always(mut self) -> Self {
        self.times = Times::Always;
        self
    }

    /// Only for requests of `operation` (others pass untouched and do not use up the count).
    /// Replaces an [`at`](Self::at).
    pub fn only(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self.identity = None;
        self
    }

    /// Only for requests to the identity stand-in `endpoint` (others pass untouched and do not
    /// use up the count). Replaces an [`only`](Self::only).
    pub fn at(mut self, endpoint: IdentityEndpoint) -> Self {
        self.identity = Some(endpoint);
        self.operation = None;
        self
    }

    /// The fault.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    /// How many more requests it applies to.
    pub fn remaining(&self) -> Times {
        self.times
    }

    /// The operation it is limited to, if any.
    pub fn operation(&self) -> Option<Operation> {
        self.operation
    }

    /// The identity stand-in endpoint it is limited to, if any.
    pub fn identity_endpoint(&self) -> Option<IdentityEndpoint> {
        self.identity
    }
}

impl From<Fault> for FaultRule {
    fn from(fault: Fault) -> Self {
        FaultRule::new(fault)
    }
}

/// A fault specification (`--fault` of the binary) could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault {spec:?}: {reason}")]
pub struct ParseFaultError {
    spec: String,
    reason: String,
}

impl FromStr for FaultRule {
    type Err = ParseFaultError;

    /// Parses `KIND[=ARG][,times=N|always][,op=OPERATION|,at=ENDPOINT][,retry-after=VALUE]`:
    ///
    /// | KIND | ARG |
    /// |---|---|
    /// | `status` | the status code (required), e.g. `status=503` |
    /// | `delay` | a duration: `500ms`, `2s`, `1m` (required) |
    /// | `hang`, `stall-body`, `close-mid-body`, `truncated-json`, `empty-200`, `unknown-result` | none |
    /// | `reset` | `headers` (default), `request` or `processed` |
    /// | `garbage` | `SIZE[@STATUS]`: the length (10MiB by default) and status (200 by default), e.g. `garbage=10MiB@502` |
    /// | `html` | the status, 502 by default |
    /// | `reply` | the status (required); the body is empty |
    ///
    /// `op` takes an operationId (`create_report`) or a name (`CreateReport`); `at` takes an
    /// [`IdentityEndpoint`] name (`metadata-token`, ...); `retry-after` applies to `status`.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| ParseFaultError {
            spec: spec.to_owned(),
            reason,
        };
        let mut parts = spec.split(',').map(str::trim);
        let head = parts.next().unwrap_or_default();
        let (kind, arg) = match head.split_once('=') {
            Some((k, a)) => (k.trim(), Some(a.trim())),
            None => (head, None),
        };
        let need = |what: &str| arg.ok_or_else(|| err(format!("{kind} needs ={what}")));
        let status = |s: &str| -> Result<u16, ParseFaultError> {
            s.parse::<u16>()
                .ok()
                .filter(|c| (100..=999).contains(c))
                .ok_or_else(|| err(format!("{s:?} is not an HTTP status code")))
        };
        let no_arg = |fault: Fault| match arg {
            None => Ok(fault),
            Some(_) => Err(err(format!("{kind} takes no argument"))),
        };
        let mut fault = match kind {
            "status" => Fault::status(status(need("STATUS")?)?),
            "delay" => Fault::Delay(parse_duration(need("DURATION")?).map_err(err)?),
            "hang" => no_arg(Fault::Hang)?,
            "stall-body" => no_arg(Fault::StallBody)?,
            "close-mid-body" => no_arg(Fault::CloseMidBody)?,
            "truncated-json" => no_arg(Fault::TruncatedJson)?,
            "empty-200" => no_arg(Fault::EmptyOk)?,
            "unknown-result" => no_arg(Fault::UnknownResult)?,
            "reset" => Fault::Reset(match arg.unwrap_or("headers") {
                "headers" => ResetPoint::HeadersRead,
                "request" => ResetPoint::RequestRead,
                "processed" => ResetPoint::AfterProcessing,
                other => {
                    return Err(err(format!(
                        "reset point {other:?}: expected headers, request or processed"
                    )));
                }
            }),
            "garbage" => {
                let (len, code) = match arg {
                    None => (DEFAULT_GARBAGE_LEN, 200),
                    Some(a) => match a.split_once('@') {
                        Some((len, code)) => (parse_size(len).map_err(err)?, status(code)?),
                        None => (parse_size(a).map_err(err)?, 200),
                    },
                };
                Fault::Garbage { status: code, len }
            }
            "html" => Fault::Html {
                status: arg.map_or(Ok(502), status)?,
            },
            "reply" => Fault::reply(status(need("STATUS")?)?, "text/plain", ""),
            other => {
                return Err(err(format!(
                    "unknown kind {other:?}: expected status, delay, hang, stall-body, \
                     close-mid-body, reset, truncated-json, garbage, html, empty-200, \
                     unknown-result or reply"
                )));
            }
        };
        let mut rule = FaultRule::new(fault.clone());
        for option in parts {
            let (key, value) = option
                .split_once('=')
                .ok_or_else(|| err(format!("option {option:?} is not key=value")))?;
            match key.trim() {
                "times" => {
                    rule.times = match value.trim() {
                        "always" => Times::Always,
                        n => Times::Count(
                            n.parse()
                                .map_err(|_| err(format!("times={n}: not a count")))?,
                        ),
                    };
                }
                "op" => {
                    if rule.identity.is_some() {
                        return Err(err("op and at exclude each other".into()));
                    }
                    rule.operation = Some(
                        value
                            .trim()
                            .parse()
                            .map_err(|e: crate::ops::ParseOperationError| err(e.to_string()))?,
                    );
                }
                "at" => {
                    if rule.operation.is_some() {
                        return Err(err("op and at exclude each other".into()));
                    }
                    rule.identity = Some(value.trim().parse().map_err(
                        |e: crate::identity::ParseIdentityEndpointError| err(e.to_string()),
                    )?);
                }
                "retry-after" => {
                    if !matches!(fault, Fault::Status { .. }) {
                        return Err(err("retry-after applies to status faults only".into()));
                    }
                    fault = fault.with_retry_after(value.trim());
                    rule.fault = fault.clone();
                }
                other => return Err(err(format!("unknown option {other:?}"))),
            }
        }
        Ok(rule)
    }
}

impl fmt::Display for Fault {
    /// The kind part of the `--fault` form (`status=503`, `reset=headers`, ...).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status { status, .. } => write!(f, "status={status}")?,
            Fault::Delay(d) => write!(f, "delay={}ms", d.as_millis())?,
            Fault::Hang => f.write_str("hang")?,
            Fault::StallBody => f.write_str("stall-body")?,
            Fault::CloseMidBody => f.write_str("close-mid-body")?,
            Fault::Reset(ResetPoint::HeadersRead) => f.write_str("reset=headers")?,
            Fault::Reset(ResetPoint::RequestRead) => f.write_str("reset=request")?,
            Fault::Reset(ResetPoint::AfterProcessing) => f.write_str("reset=processed")?,
            Fault::TruncatedJson => f.write_str("truncated-json")?,
            Fault::Garbage { status, len } => write!(f, "garbage={len}@{status}")?,
            Fault::Html { status } => write!(f, "html={status}")?,
            Fault::EmptyOk => f.write_str("empty-200")?,
            Fault::UnknownResult => f.write_str("unknown-result")?,
            Fault::Reply { status, .. } => write!(f, "reply={status}")?,
        }
        Ok(())
    }
}

impl fmt::Display for FaultRule {
    /// The `--fault` form, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.fault)?;
        match self.times {
            Times::Count(n) => write!(f, ",times={n}")?,
            Times::Always => f.write_str(",times=always")?,
        }
        if let Some(op) = self.operation {
            write!(f, ",op={op}")?;
        }
        if let Some(endpoint) = self.identity {
            write!(f, ",at={endpoint}")?;
        }
        if let Fault::Status {
            retry_after: Some(r),
            ..
        } = &self.fault
        {
            write!(f, ",retry-after={r}")?;
        }
        Ok(())
    }
}

/// Parses `500ms`, `2s`, `1.5s`, `3m`, `1h`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration such as 500ms, 2s or 1m"))?;
    let scale = match unit.trim() {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?}: use ms, s, m or h"
            ));
        }
    };
    Duration::try_from_secs_f64(value * scale).map_err(|e| format!("{s:?}: {e}"))
}

/// Parses a byte size: `1024`, `64KiB`, `10MiB`, `1GiB`, `2KB`/`2K` (= KiB).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a size such as 4096, 64KiB or 1GiB"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?}: use B, KiB, MiB or GiB"
            ));
        }
    };
    value
        .checked_mul(scale)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// The pending fault rules of a server, consumed in order.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    rules: Mutex<Vec<FaultRule>>,
}

impl FaultQueue {
    pub fn push(&self, rule: FaultRule) {
        self.lock().push(rule);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn pending(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    /// The fault for a request of `op`: the first rule that matches it, with one use taken.
    /// Rules are taken in the order they were added, so `503 once` then `429 once` gives the
    /// first request a 503 and the second a 429. Rules for identity endpoints never match.
    pub fn take(&self, op: Operation) -> Option<Fault> {
        self.take_where(|r| r.identity.is_none() && r.operation.is_none_or(|o| o == op))
    }

    /// The fault for a request to the identity stand-in `endpoint`: only rules made with
    /// [`FaultRule::at`] for it match.
    pub fn take_identity(&self, endpoint: IdentityEndpoint) -> Option<Fault> {
        self.take_where(|r| r.identity == Some(endpoint))
    }

    fn take_where(&self, matches: impl Fn(&FaultRule) -> bool) -> Option<Fault> {
        let mut rules = self.lock();
        let index = rules
            .iter()
            .position(|r| matches(r) && r.times != Times::Count(0))?;
        let rule = &mut rules[index];
        let fault = rule.fault.clone();
        if let Times::Count(n) = &mut rule.times {
            *n -= 1;
            if *n == 0 {
                rules.remove(index);
            }
        }
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        // A panic while holding this lock cannot leave the list inconsistent.
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn specs_parse_and_print_back() {
        for spec in [
            "status=503,times=2,op=create_report,retry-after=1",
            "delay=1500ms,times=1",
            "hang,times=always",
            "reset=headers,times=1",
            "reset=request,times=3,op=list_audit_reports",
            "reset=processed,times=1",
            "garbage=10485760@502,times=1",
            "html=502,times=1",
            "stall-body,times=1",
            "close-mid-body,times=1",
            "truncated-json,times=1",
            "empty-200,times=1",
            "unknown-result,times=1",
            "reply=418,times=1",
            "status=500,times=2,at=metadata-token",
            "delay=200ms,times=always,at=pod-identity",
        ] {
            let rule: FaultRule = spec.parse().unwrap();
            assert_eq!(rule.to_string(), spec);
        }
        let rule: FaultRule = "garbage".parse().unwrap();
        assert_eq!(rule.fault(), &Fault::garbage(200));
        let rule: FaultRule = "reset,op=CreateReport".parse().unwrap();
        assert_eq!(rule.fault(), &Fault::Reset(ResetPoint::HeadersRead));
        assert_eq!(rule.operation(), Some(Operation::CreateReport));
        for bad in [
            "",
            "status",
            "status=abc",
            "status=42",
            "hang=3",
            "nope",
            "delay=3 fortnights",
            "html,retry-after=2",
            "status=500,op=unknown",
            "status=500,times=-1",
            "status=500,color=red",
            "reply",
            "status=500,at=nowhere",
            "status=500,op=create_report,at=oidc",
        ] {
            assert!(bad.parse::<FaultRule>().is_err(), "{bad}");
        }
    }

    #[test]
    fn queue_takes_in_order_and_respects_operations() {
        let q = FaultQueue::default();
        q.push(Fault::status(503).once().only(Operation::CreateReport));
        q.push(Fault::status(500).times(2));
        assert_eq!(
            q.take(Operation::ListAuditReports),
            Some(Fault::status(500))
        );
        assert_eq!(q.take(Operation::CreateReport), Some(Fault::status(503)));
        assert_eq!(q.take(Operation::CreateReport), Some(Fault::status(500)));
        assert_eq!(q.take(Operation::CreateReport), None);
        q.push(Fault::Hang.times(0));
        assert_eq!(q.take(Operation::CreateReport), None);
        q.clear();
        q.push(Fault::status(500).at(IdentityEndpoint::MetadataToken));
        q.push(Fault::status(503).once());
        assert_eq!(q.take_identity(IdentityEndpoint::PodIdentity), None);
        assert_eq!(q.take(Operation::CreateReport), Some(Fault::status(503)));
        assert_eq!(q.take(Operation::CreateReport), None);
        assert_eq!(
            q.take_identity(IdentityEndpoint::MetadataToken),
            Some(Fault::status(500))
        );
        q.clear();
        q.push(FaultRule::new(Fault::EmptyOk).always());
        for _ in 0..5 {
            assert_eq!(
                q.take(Operation::ListAuditInstancesLast),
                Some(Fault::EmptyOk)
            );
        }
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("1TiB").is_err());
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("-1s").is_err());
    }
}
