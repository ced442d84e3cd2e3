//! Report time values, written exactly as the API expects (`2025-08-20 16:00:00`).
//!
//! jiff was chosen over chrono and time: its `civil::DateTime` is precisely what the API takes
//! (a wall-clock time with no zone), its parser rejects impossible dates (`2025-02-30`) without
//! extra feature flags, and it is small, maintained and free of `unsafe` date-math pitfalls.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime};

use crate::validate::{Rule, ValidationError};

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
        let parsed = DateTime::strptime(TIME_FORMAT, s)
            .map(Self)
            .map_err(|_| invalid())?;
        // Bad-input fix: strptime is lenient. It clamps second 60 to 59 ("16:00:60" was sent as
        // "16:00:59"), and takes "-0001-..", "2025-8-1 6:0:0" and surrounding blanks. Only text
        // that is exactly the wire format of the value it denotes is accepted.
        if parsed.to_string() != s {
            return Err(invalid());
        }
        Ok(parsed)
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
        let parsed = Date::strptime(DATE_FORMAT, s)
            .map(Self)
            .map_err(|_| invalid())?;
        // Bad-input fix: exactly the wire format, as for times (see `ReportTime::parse_field`).
        if parsed.to_string() != s {
            return Err(invalid());
        }
        Ok(parsed)
    }
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
    pub(crate) fn resolve(&self, field: &'static str) -> Result<ReportTime, ValidationError> {
        match self {
            TimeInput::Time(t) => Ok(*t),
            TimeInput::Text(s) => ReportTime::parse_field(field, s),
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
    pub(crate) fn resolve(&self, field: &'static str) -> Result<ReportDate, ValidationError> {
        match self {
            DateInput::Date(d) => Ok(*d),
            DateInput::Text(s) => ReportDate::parse_field(field, s),
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
