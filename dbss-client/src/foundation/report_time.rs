//! Report time values, written exactly as the API expects (`2025-08-20 16:00:00`).
//!
//! jiff was chosen over chrono and time: its `civil::DateTime` is precisely what the API takes
//! (a wall-clock time with no zone), its parser rejects impossible dates (`2025-02-30`) without
//! extra feature flags, and it is small, maintained and free of `unsafe` date-math pitfalls.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime};

use crate::foundation::validate::{Rule, ValidationError};

/// The wire format of `start_time` and `end_time`.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";
/// The wire format of `start_date` and `end_date`.
pub const DATE_FORMAT: &str = "%Y-%m-%d";

/// A point in time as the report API takes it: a wall-clock date and time, no zone, to the
/// second. Build one from a [`jiff::civil::DateTime`] or parse `YYYY-MM-DD HH:MM:SS`.
///
/// ```
/// use dbss_client::ReportTime;
///
/// let t: ReportTime = "2025-08-20 16:00:00".parse()?;
/// assert_eq!(t.to_string(), "2025-08-20 16:00:00");
/// let t = ReportTime::from(jiff::civil::date(2025, 8, 21).at(7, 3, 31, 0));
/// assert_eq!(t.to_string(), "2025-08-21 07:03:31");
/// assert!("2025-02-30 00:00:00".parse::<ReportTime>().is_err());
/// # Ok::<(), dbss_client::ValidationError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportTime(DateTime);

impl ReportTime {
    /// The date and time, truncated to the second (the API has no sub-second precision).
    pub fn new(value: DateTime) -> Self {
        Self(value.with().subsec_nanosecond(0).build().unwrap_or(value))
    }

    /// The underlying date and time.
    pub fn datetime(&self) -> DateTime {
        self.0
    }

    pub(crate) fn parse_field(field: &'static str, s: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                field,
                Rule::Format {
                    expected: "YYYY-MM-DD HH:MM:SS (a real date and time)",
                },
            )
        };
        // Bad-input fix: strptime is lenient. It clamped second 60 to 59 ("16:00:60" was sent
        // as "16:00:59"), and took "-0001-..", "2025-8-1 6:0:0" and surrounding blanks. Only
        // text that is exactly the wire format of the value it denotes is accepted: the shape
        // is checked first (digits and separators in their places, nothing around them), then
        // jiff's constructor checks that the fields make a real date and time. (Cheaper than
        // strptime, which interprets its format string on every call;
        // `tests::time_rule_is_the_round_trip` checks this rule against strptime's round trip.)
        if !has_shape(s, b"dddd-dd-dd dd:dd:dd") {
            return Err(invalid());
        }
        let b = s.as_bytes();
        let date = civil_date(b).ok_or_else(invalid)?;
        let time = jiff::civil::Time::new(
            digits(&b[11..13]) as i8,
            digits(&b[14..16]) as i8,
            digits(&b[17..19]) as i8,
            0,
        )
        .map_err(|_| invalid())?;
        let parsed = date.to_datetime(time);
        Ok(Self(parsed))
    }
}

impl From<DateTime> for ReportTime {
    fn from(value: DateTime) -> Self {
        Self::new(value)
    }
}

impl FromStr for ReportTime {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_field("time", s)
    }
}

impl fmt::Display for ReportTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime(TIME_FORMAT))
    }
}

/// A calendar date as the report API takes it in `start_date` and `end_date` (`YYYY-MM-DD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportDate(Date);

impl ReportDate {
    /// The date.
    pub fn new(value: Date) -> Self {
        Self(value)
    }

    pub(crate) fn parse_field(field: &'static str, s: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                field,
                Rule::Format {
                    expected: "YYYY-MM-DD (a real date)",
                },
            )
        };
        // Bad-input fix: exactly the wire format, as for times (see `ReportTime::parse_field`),
        // then jiff's constructor decides whether it is a real date.
        if !has_shape(s, b"dddd-dd-dd") {
            return Err(invalid());
        }
        civil_date(s.as_bytes()).map(Self).ok_or_else(invalid)
    }
}

/// Whether `s` is `pattern` with each `d` an ASCII digit and every other byte as written.
fn has_shape(s: &str, pattern: &[u8]) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern).all(|(b, &p)| match p {
            b'd' => b.is_ascii_digit(),
            _ => b == p,
        })
}

/// The value of two ASCII digits (checked by `has_shape`).
fn digits(digits: &[u8]) -> i16 {
    digits
        .iter()
        .fold(0, |n, d| n * 10 + i16::from(d.wrapping_sub(b'0')))
}

/// The date at the start of `b`, text of the shape `dddd-dd-dd` (checked by the caller), if it
/// is a real date (jiff's constructor decides).
fn civil_date(b: &[u8]) -> Option<Date> {
    Date::new(
        digits(&b[0..4]),
        digits(&b[5..7]) as i8,
        digits(&b[8..10]) as i8,
    )
    .ok()
}

impl From<Date> for ReportDate {
    fn from(value: Date) -> Self {
        Self(value)
    }
}

impl FromStr for ReportDate {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_field("date", s)
    }
}

impl fmt::Display for ReportDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime(DATE_FORMAT))
    }
}

/// A time given either as a value or as text still to be parsed; text is parsed when the
/// request is validated, so the error can name the field it was given for.
#[derive(Clone, Debug)]
pub enum TimeInput {
    /// A ready value.
    Time(ReportTime),
    /// Text in the format `YYYY-MM-DD HH:MM:SS`.
    Text(String),
}

impl TimeInput {
    /// The value and its wire text. Accepted text is already exactly the wire text, so it is
    /// sent as given rather than formatted again.
    pub(crate) fn resolve(
        &self,
        field: &'static str,
    ) -> Result<(ReportTime, String), ValidationError> {
        match self {
            TimeInput::Time(t) => Ok((*t, t.to_string())),
            TimeInput::Text(s) => Ok((ReportTime::parse_field(field, s)?, s.clone())),
        }
    }
}

impl From<ReportTime> for TimeInput {
    fn from(v: ReportTime) -> Self {
        TimeInput::Time(v)
    }
}
impl From<DateTime> for TimeInput {
    fn from(v: DateTime) -> Self {
        TimeInput::Time(v.into())
    }
}
impl From<&str> for TimeInput {
    fn from(v: &str) -> Self {
        TimeInput::Text(v.to_owned())
    }
}
impl From<String> for TimeInput {
    fn from(v: String) -> Self {
        TimeInput::Text(v)
    }
}

/// A date given either as a value or as text still to be parsed (`YYYY-MM-DD`).
#[derive(Clone, Debug)]
pub enum DateInput {
    /// A ready value.
    Date(ReportDate),
    /// Text in the format `YYYY-MM-DD`.
    Text(String),
}

impl DateInput {
    /// The value and its wire text (see [`TimeInput::resolve`]).
    pub(crate) fn resolve(
        &self,
        field: &'static str,
    ) -> Result<(ReportDate, String), ValidationError> {
        match self {
            DateInput::Date(d) => Ok((*d, d.to_string())),
            DateInput::Text(s) => Ok((ReportDate::parse_field(field, s)?, s.clone())),
        }
    }
}

impl From<ReportDate> for DateInput {
    fn from(v: ReportDate) -> Self {
        DateInput::Date(v)
    }
}
impl From<Date> for DateInput {
    fn from(v: Date) -> Self {
        DateInput::Date(v.into())
    }
}
impl From<&str> for DateInput {
    fn from(v: &str) -> Self {
        DateInput::Text(v.to_owned())
    }
}
impl From<String> for DateInput {
    fn from(v: String) -> Self {
        DateInput::Text(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule before the shape check: parse, then accept only text equal to the value
    /// formatted again.
    fn round_trip_time(s: &str) -> bool {
        DateTime::strptime(TIME_FORMAT, s).is_ok_and(|t| ReportTime(t).to_string() == s)
    }

    fn round_trip_date(s: &str) -> bool {
        Date::strptime(DATE_FORMAT, s).is_ok_and(|d| ReportDate(d).to_string() == s)
    }

    /// Every field at and around its limits, in every combination that matters, plus malformed
    /// text: the shape rule accepts exactly what the round-trip rule accepts.
    #[test]
    fn time_rule_is_the_round_trip() {
        let years = ["0000", "0001", "1970", "2024", "2025", "9999"];
        let months = ["00", "01", "02", "12", "13", "99"];
        let days = ["00", "01", "28", "29", "30", "31", "32"];
        let hours = ["00", "23", "24", "99"];
        let minutes = ["00", "59", "60"];
        let seconds = ["00", "59", "60", "61", "99"];
        let mut checked = 0;
        for y in years {
            for mo in months {
                for d in days {
                    let date = format!("{y}-{mo}-{d}");
                    assert_eq!(
                        ReportDate::parse_field("d", &date).is_ok(),
                        round_trip_date(&date),
                        "{date}"
                    );
                    for h in hours {
                        for mi in minutes {
                            for se in seconds {
                                let time = format!("{date} {h}:{mi}:{se}");
                                assert_eq!(
                                    ReportTime::parse_field("t", &time).is_ok(),
                                    round_trip_time(&time),
                                    "{time}"
                                );
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 6 * 6 * 7 * 4 * 3 * 5);
        for text in [
            "2025-08-20 16:00:00",
            " 2025-08-20 16:00:00",
            "2025-08-20 16:00:00 ",
            "2025-8-20 16:00:00",
            "2025-08-20T16:00:00",
            "2025-08-20 16:00:0",
            "-0001-08-20 16:00:00",
            "+2025-08-20 16:00:0",
            "2025-08-20 16:00:00.5",
            "2025-08-20 16:00",
            "２025-08-20 16:00:00",
            "",
        ] {
            assert_eq!(
                ReportTime::parse_field("t", text).is_ok(),
                round_trip_time(text),
                "{text:?}"
            );
        }
        for text in ["2025-08-20", "2025-8-20", " 2025-08-20", "2025-08-20 ", ""] {
            assert_eq!(
                ReportDate::parse_field("d", text).is_ok(),
                round_trip_date(text),
                "{text:?}"
            );
        }
        // Where the rules differ, the shape rule is right: jiff writes year -1 as "-001", so the
        // round trip accepted a year before 0 that no audit report can cover.
        for (text, round_trip) in [("-001-08-20", true), ("-001-08-20 16:00:00", true)] {
            assert_eq!(round_trip_date(text) || round_trip_time(text), round_trip);
            assert!(ReportDate::parse_field("d", text).is_err());
            assert!(ReportTime::parse_field("t", text).is_err());
        }
    }

    #[test]
    fn wire_text_is_the_accepted_text_or_the_formatted_value() {
        let text = TimeInput::from("2025-08-20 16:00:00");
        let (value, wire) = text.resolve("start_time").unwrap();
        assert_eq!(wire, "2025-08-20 16:00:00");
        assert_eq!(value.to_string(), wire);
        let value = TimeInput::from(jiff::civil::date(2025, 8, 21).at(7, 3, 31, 999));
        assert_eq!(value.resolve("end_time").unwrap().1, "2025-08-21 07:03:31");
        let date = DateInput::from(jiff::civil::date(2025, 8, 1));
        assert_eq!(date.resolve("start_date").unwrap().1, "2025-08-01");
        assert!(
            TimeInput::from("2025-08-20 16:00:60")
                .resolve("start_time")
                .is_err()
        );
    }
}
