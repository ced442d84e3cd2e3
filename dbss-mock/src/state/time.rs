//! The API's date-time format.

use std::time::SystemTime;

/// `yyyy-MM-dd HH:mm:ss`, the API's date-time format (UTC in the mock).
const DATE_TIME: &str = "%Y-%m-%d %H:%M:%S";

/// Formats an instant as the API does (`2025-08-21 07:05:12`), in UTC.
pub(crate) fn format_time(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .map(|ts| ts.strftime(DATE_TIME).to_string())
        .unwrap_or_default()
}

/// Parses `yyyy-MM-dd HH:mm:ss` strictly (exactly 19 characters, a real calendar date).
pub(crate) fn parse_time(s: &str) -> Option<SystemTime> {
    if s.len() != 19 {
        return None;
    }
    let civil = jiff::civil::DateTime::strptime(DATE_TIME, s).ok()?;
    let ts = civil.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
    Some(SystemTime::from(ts))
}
