//! Times: the window a request asks for (its `time` object), and the document's formats.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::error::ApiError;

/// Epoch milliseconds of an instant (negative before 1970).
pub(crate) fn ms_of(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// `yyyy-MM-dd HH:mm:ss` in UTC of epoch milliseconds (the API's date-time strings).
pub(crate) fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days to a civil date (the proleptic Gregorian calendar, era by era of 400 years).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A requested window of time, both ends included, in epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
}

impl Window {
    /// No bound at all.
    pub const ALL: Window = Window {
        from_ms: i64::MIN,
        to_ms: i64::MAX,
    };

    /// The part of this window inside `other`.
    pub fn within(self, other: Window) -> Window {
        Window {
            from_ms: self.from_ms.max(other.from_ms),
            to_ms: self.to_ms.min(other.to_ms),
        }
    }
}

/// The length of a `time_range` value.
fn range_ms(name: &str) -> Option<i64> {
    const MINUTE: i64 = 60_000;
    Some(match name {
        "HALF_HOUR" => 30 * MINUTE,
        "HOUR" => 60 * MINUTE,
        "THREE_HOUR" => 180 * MINUTE,
        "TWELVE_HOUR" => 720 * MINUTE,
        "DAY" => 1440 * MINUTE,
        "WEEK" => 7 * 1440 * MINUTE,
        "MONTH" => 30 * 1440 * MINUTE,
        _ => return None,
    })
}

/// A request's time value: `yyyy-MM-dd HH:mm:ss` (UTC), or epoch milliseconds in digits.
fn instant_ms(field: &str, text: &str) -> Result<i64, ApiError> {
    if !text.is_empty() && text.len() <= 15 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad_time(field));
    }
    crate::state::parse_time(text)
        .map(ms_of)
        .ok_or_else(|| bad_time(field))
}

fn bad_time(field: &str) -> ApiError {
    ApiError::invalid(format!(
        "time.{field} must be a date-time formatted as yyyy-MM-dd HH:mm:ss (UTC), e.g. 2025-08-20 16:00:00, or epoch milliseconds"
    ))
}

/// The window of a request's `time` object: `time_range` (the last half hour ... month up to
/// `now_ms`) wins over `start_time`/`end_time` (whole seconds, both included), which must come
/// together; neither means no bound.
pub(crate) fn requested(time: Option<&Value>, now_ms: i64) -> Result<Window, ApiError> {
    let text = |name: &str| {
        time.and_then(|t| t.get(name))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    if let Some(range) = text("time_range") {
        let len = range_ms(range)
            .ok_or_else(|| ApiError::invalid(format!("time.time_range {range} is unknown")))?;
        return Ok(Window {
            from_ms: now_ms.saturating_sub(len),
            to_ms: now_ms,
        });
    }
    match (text("start_time"), text("end_time")) {
        (None, None) => Ok(Window::ALL),
        (Some(start), Some(end)) => {
            let from_ms = instant_ms("start_time", start)?;
            let end_ms = instant_ms("end_time", end)?;
            if end_ms < from_ms {
                return Err(ApiError::invalid(
                    "time.end_time must not be earlier than time.start_time",
                ));
            }
            // A date-time names a whole second: its last millisecond is in the window.
            let whole_second = !end.bytes().all(|b| b.is_ascii_digit());
            Ok(Window {
                from_ms,
                to_ms: end_ms.saturating_add(if whole_second { 999 } else { 0 }),
            })
        }
        _ => Err(ApiError::invalid(
            "time.start_time and time.end_time must be given together (or time.time_range)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_like_the_api_and_round_trips_with_the_parser() {
        for ms in [0, 1_755_705_600_000, 951_782_400_000, 4_102_444_799_000] {
            let text = format_ms(ms);
            let back = crate::state::parse_time(&text).map(ms_of);
            assert_eq!(back, Some(ms), "{text}");
            assert_eq!(
                text,
                crate::state::format_time(UNIX_EPOCH + std::time::Duration::from_millis(ms as u64))
            );
        }
    }

    #[test]
    fn windows_read_ranges_dates_and_millis() {
        let now = 1_755_705_600_000;
        assert_eq!(
            requested(Some(&json!({"time_range": "HOUR", "start_time": "x"})), now).ok(),
            Some(Window {
                from_ms: now - 3_600_000,
                to_ms: now
            })
        );
        assert_eq!(
            requested(
                Some(
                    &json!({"start_time": "2025-08-20 16:00:00", "end_time": "2025-08-20 17:00:00"})
                ),
                now
            )
            .ok(),
            Some(Window {
                from_ms: 1_755_705_600_000,
                to_ms: 1_755_709_200_999
            })
        );
        assert_eq!(
            requested(
                Some(&json!({"start_time": "1000", "end_time": "2000"})),
                now
            )
            .ok(),
            Some(Window {
                from_ms: 1000,
                to_ms: 2000
            })
        );
        assert_eq!(requested(Some(&json!({})), now).ok(), Some(Window::ALL));
        assert!(requested(Some(&json!({"start_time": "2025-08-20 16:00:00"})), now).is_err());
        assert!(requested(Some(&json!({"start_time": "x", "end_time": "y"})), now).is_err());
        assert!(
            requested(
                Some(
                    &json!({"start_time": "2025-08-20 16:00:00", "end_time": "2025-08-20 15:00:00"})
                ),
                now
            )
            .is_err()
        );
    }
}
