//! Periods as people say them (`--last 7d`, `--previous month`), turned into the report window
//! the API takes.
//!
//! A period is computed in the caller's time zone (calendar days, weeks, months and quarters
//! start at that zone's midnight, whatever the length of the day around a DST change), as two
//! instants; the window sent is those instants as wall-clock times in the zone the API reads
//! them in ([`Period::window`]'s `api_zone`).

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan, Zoned};

use crate::foundation::report_time::{ReportTime, TIME_FORMAT};
use crate::foundation::validate::{Rule, ValidationError};

/// A calendar period of `--previous`: the whole one before the one that holds "now".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CalendarUnit {
    /// Yesterday, midnight to midnight.
    Day,
    /// Last ISO week, Monday midnight to Monday midnight.
    Week,
    /// Last calendar month.
    Month,
    /// Last calendar quarter (January, April, July or October to three months later).
    Quarter,
}

impl CalendarUnit {
    /// The word of the command line (`day`, `week`, `month`, `quarter`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Quarter => "quarter",
        }
    }
}

impl FromStr for CalendarUnit {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "day" => Ok(Self::Day),
            "week" => Ok(Self::Week),
            "month" => Ok(Self::Month),
            "quarter" => Ok(Self::Quarter),
            _ => Err(ValidationError::new(
                "previous",
                Rule::Format {
                    expected: "day, week, month or quarter",
                },
            )),
        }
    }
}

impl fmt::Display for CalendarUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The audited period of a fleet job.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Period {
    /// The span up to now (`--last 24h`, `7d`, `2w`): days and weeks are calendar days in the
    /// zone (a day across a DST change is 23 or 25 hours), hours are hours.
    Last(Span),
    /// The whole calendar period before the current one (`--previous month`).
    Previous(CalendarUnit),
    /// A window given as the API's wall-clock times (`--from`/`--to`), sent as given.
    Between {
        /// The start, as sent.
        start: ReportTime,
        /// The end, as sent.
        end: ReportTime,
    },
}

/// A report window: the start and end sent to the API, and a short label for file names.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Window {
    /// `start_time` as sent (`YYYY-MM-DD HH:MM:SS` in the API's zone).
    pub start: ReportTime,
    /// `end_time` as sent.
    pub end: ReportTime,
    /// How the period is named in file names: `2025-10` (a month), `2025-Q3`, `2025-W41`,
    /// `2025-10-06` (a day), else `20251006T000000-20251007T000000` (the window).
    pub label: String,
}

impl Period {
    /// Parses the text of `--last`: a positive span such as `24h`, `7d`, `2w` or `90m`
    /// (jiff's friendly format).
    pub fn last(text: &str) -> Result<Self, ValidationError> {
        let invalid = || {
            ValidationError::new(
                "last",
                Rule::Format {
                    expected: "a positive span such as 24h, 7d, 30d or 2w",
                },
            )
        };
        let span: Span = text.trim().parse().map_err(|_| invalid())?;
        if span.is_negative() || span.is_zero() {
            return Err(invalid());
        }
        Ok(Self::Last(span))
    }

    /// Parses `--from` and `--to` (`YYYY-MM-DD HH:MM:SS`, the API's own times): a
    /// [`Period::Between`]. The start must be before the end.
    pub fn between(from: &str, to: &str) -> Result<Self, ValidationError> {
        let start = ReportTime::parse_field("from", from)?;
        let end = ReportTime::parse_field("to", to)?;
        if start >= end {
            return Err(ValidationError::new("to", Rule::StartNotBeforeEnd));
        }
        Ok(Self::Between { start, end })
    }

    /// How the period was asked for (`last 7d`, `previous month`, `from A to B`): what a
    /// manifest compares to tell whether a run resumes the same job.
    pub fn describe(&self) -> String {
        match self {
            Self::Last(span) => format!("last {span:#}"),
            Self::Previous(unit) => format!("previous {unit}"),
            Self::Between { start, end } => format!("from {start} to {end}"),
        }
    }

    /// The window of this period at `now`, computed in `zone` and sent as wall-clock times
    /// of `api_zone`. A window that would be empty is refused.
    pub fn window(
        &self,
        now: Timestamp,
        zone: &TimeZone,
        api_zone: &TimeZone,
    ) -> Result<Window, ValidationError> {
        let out_of_range = || {
            ValidationError::new(
                "period",
                Rule::Format {
                    expected: "a period within the years 1 to 9999",
                },
            )
        };
        let (start, end, label) = match self {
            Self::Between { start, end } => {
                if start >= end {
                    return Err(ValidationError::new("to", Rule::StartNotBeforeEnd));
                }
                let label = format!("{}-{}", compact(*start), compact(*end));
                return Ok(Window {
                    start: *start,
                    end: *end,
                    label,
                });
            }
            Self::Last(span) => {
                let end = now.to_zoned(zone.clone());
                let start = end.checked_sub(*span).map_err(|_| out_of_range())?;
                (start, end, None)
            }
            Self::Previous(unit) => {
                let today = now.to_zoned(zone.clone()).date();
                let (start, end, label) = previous(*unit, today).ok_or_else(out_of_range)?;
                let midnight = |d: Date| {
                    d.to_zoned(zone.clone())
                        .and_then(|z| z.start_of_day())
                        .map_err(|_| out_of_range())
                };
                (midnight(start)?, midnight(end)?, Some(label))
            }
        };
        let wire = |z: &Zoned| ReportTime::new(z.timestamp().to_zoned(api_zone.clone()).datetime());
        let (start, end) = (wire(&start), wire(&end));
        if start >= end {
            return Err(ValidationError::new("period", Rule::StartNotBeforeEnd));
        }
        let label = label.unwrap_or_else(|| format!("{}-{}", compact(start), compact(end)));
        Ok(Window { start, end, label })
    }
}

/// `20251006T000000`.
fn compact(t: ReportTime) -> String {
    t.datetime().strftime("%Y%m%dT%H%M%S").to_string()
}

/// The first day of the previous `unit` before the one holding `today`, the first day of the
/// current one, and the label of the previous one.
fn previous(unit: CalendarUnit, today: Date) -> Option<(Date, Date, String)> {
    match unit {
        CalendarUnit::Day => {
            let start = today.checked_sub(1.day()).ok()?;
            Some((start, today, start.strftime("%Y-%m-%d").to_string()))
        }
        CalendarUnit::Week => {
            let monday = today
                .checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days())
                .ok()?;
            let start = monday.checked_sub(7.days()).ok()?;
            let week = start.iso_week_date();
            Some((
                start,
                monday,
                format!("{:04}-W{:02}", week.year(), week.week()),
            ))
        }
        CalendarUnit::Month => {
            let first = today.first_of_month();
            let start = first.checked_sub(1.month()).ok()?;
            Some((start, first, start.strftime("%Y-%m").to_string()))
        }
        CalendarUnit::Quarter => {
            let month = (today.month() - 1) / 3 * 3 + 1;
            let first = Date::new(today.year(), month, 1).ok()?;
            let start = first.checked_sub(3.months()).ok()?;
            let quarter = (start.month() - 1) / 3 + 1;
            Some((start, first, format!("{:04}-Q{quarter}", start.year())))
        }
    }
}

/// The wire text of a time (for the manifest).
pub(crate) fn wire(t: ReportTime) -> String {
    t.datetime().strftime(TIME_FORMAT).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Europe/Berlin as a POSIX rule (CET, CEST from the last Sunday of March 02:00 to the
    /// last Sunday of October 03:00): no time zone database needed.
    fn berlin() -> TimeZone {
        TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
    }

    /// America/New_York (EST, EDT from the second Sunday of March to the first of November).
    fn new_york() -> TimeZone {
        TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn window(p: &Period, now: &str, zone: &TimeZone) -> (String, String, String) {
        let w = p.window(at(now), zone, &TimeZone::UTC).unwrap();
        (w.start.to_string(), w.end.to_string(), w.label)
    }

    fn local_window(p: &Period, now: &str, zone: &TimeZone) -> (String, String) {
        let w = p.window(at(now), zone, zone).unwrap();
        (w.start.to_string(), w.end.to_string())
    }

    #[test]
    fn previous_month_across_the_autumn_change_east_of_utc() {
        // 5 November 2025 in Berlin: October began in CEST (UTC+2) and November in CET (UTC+1).
        let p = Period::Previous(CalendarUnit::Month);
        assert_eq!(
            window(&p, "2025-11-05T10:00:00Z", &berlin()),
            (
                "2025-09-30 22:00:00".into(),
                "2025-10-31 23:00:00".into(),
                "2025-10".into()
            )
        );
        // In Berlin's own wall-clock time the window is exactly the month.
        assert_eq!(
            local_window(&p, "2025-11-05T10:00:00Z", &berlin()),
            ("2025-10-01 00:00:00".into(), "2025-11-01 00:00:00".into())
        );
        // October in Berlin lasts 31 days and one hour.
        let w = p
            .window(at("2025-11-05T10:00:00Z"), &berlin(), &TimeZone::UTC)
            .unwrap();
        let hours = w
            .start
            .datetime()
            .duration_until(w.end.datetime())
            .as_hours();
        assert_eq!(hours, 31 * 24 + 1);
    }

    #[test]
    fn previous_month_across_the_spring_change_west_of_utc() {
        // 2 April 2025 in New York: March began in EST (UTC-5), April in EDT (UTC-4).
        let p = Period::Previous(CalendarUnit::Month);
        assert_eq!(
            window(&p, "2025-04-02T12:00:00Z", &new_york()),
            (
                "2025-03-01 05:00:00".into(),
                "2025-04-01 04:00:00".into(),
                "2025-03".into()
            )
        );
    }

    #[test]
    fn now_just_after_midnight_local_is_already_the_new_month() {
        // 1 November 2025 00:30 in Berlin is 31 October 23:30 UTC: the previous month is
        // October (Berlin's), not September (which UTC's date would give).
        let p = Period::Previous(CalendarUnit::Month);
        let (start, end, label) = window(&p, "2025-10-31T23:30:00Z", &berlin());
        assert_eq!(label, "2025-10");
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2025-09-30 22:00:00", "2025-10-31 23:00:00")
        );
        // West of UTC the other way round: 1 March 2025 02:00 UTC is still 28 February in
        // New York, so the previous month is January.
        let (start, end, label) = window(&p, "2025-03-01T02:00:00Z", &new_york());
        assert_eq!(label, "2025-01");
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2025-01-01 05:00:00", "2025-02-01 05:00:00")
        );
    }

    #[test]
    fn half_hour_zones_and_year_boundaries() {
        // Asia/Kolkata: east of UTC by 5:30, no DST.
        let kolkata = TimeZone::fixed(jiff::tz::Offset::from_seconds(5 * 3600 + 1800).unwrap());
        let p = Period::Previous(CalendarUnit::Month);
        assert_eq!(
            window(&p, "2026-01-10T00:00:00Z", &kolkata),
            (
                "2025-11-30 18:30:00".into(),
                "2025-12-31 18:30:00".into(),
                "2025-12".into()
            )
        );
        let q = Period::Previous(CalendarUnit::Quarter);
        assert_eq!(
            window(&q, "2026-02-10T00:00:00Z", &TimeZone::UTC),
            (
                "2025-10-01 00:00:00".into(),
                "2026-01-01 00:00:00".into(),
                "2025-Q4".into()
            )
        );
        assert_eq!(
            window(&q, "2025-08-10T00:00:00Z", &TimeZone::UTC).2,
            "2025-Q2"
        );
    }

    #[test]
    fn previous_day_and_week_across_a_change() {
        // Sunday 26 October 2025 in Berlin has 25 hours; asked on the Monday.
        let p = Period::Previous(CalendarUnit::Day);
        assert_eq!(
            window(&p, "2025-10-27T08:00:00Z", &berlin()),
            (
                "2025-10-25 22:00:00".into(),
                "2025-10-26 23:00:00".into(),
                "2025-10-26".into()
            )
        );
        // Asked on Wednesday 29 October: the week of Monday 20 to Monday 27 (ISO week 43),
        // 7 days and one hour long.
        let w = Period::Previous(CalendarUnit::Week);
        assert_eq!(
            window(&w, "2025-10-29T08:00:00Z", &berlin()),
            (
                "2025-10-19 22:00:00".into(),
                "2025-10-26 23:00:00".into(),
                "2025-W43".into()
            )
        );
        // Asked on a Monday, the week is the one that just ended.
        assert_eq!(window(&w, "2025-10-27T08:00:00Z", &berlin()).2, "2025-W43");
    }

    #[test]
    fn last_counts_calendar_days_and_exact_hours() {
        // Across the spring change in New York (9 March 2025), 1d is 23 hours, 24h is 24.
        let now = "2025-03-09T17:00:00Z";
        let day = Period::last("1d").unwrap();
        assert_eq!(
            window(&day, now, &new_york()).0,
            "2025-03-08 18:00:00",
            "noon yesterday, local"
        );
        let hours = Period::last("24h").unwrap();
        assert_eq!(window(&hours, now, &new_york()).0, "2025-03-08 17:00:00");
        let (start, end, label) = window(&Period::last("7d").unwrap(), now, &TimeZone::UTC);
        assert_eq!(
            (start.as_str(), end.as_str()),
            ("2025-03-02 17:00:00", "2025-03-09 17:00:00")
        );
        assert_eq!(label, "20250302T170000-20250309T170000");
    }

    #[test]
    fn bad_periods_are_refused_with_the_field() {
        for bad in ["", "0d", "-1d", "soon", "7"] {
            let e = Period::last(bad).unwrap_err();
            assert_eq!(e.field, "last", "{bad}");
        }
        assert_eq!(
            "fortnight".parse::<CalendarUnit>().unwrap_err().field,
            "previous"
        );
        let between = Period::Between {
            start: "2025-01-02 00:00:00".parse().unwrap(),
            end: "2025-01-01 00:00:00".parse().unwrap(),
        };
        assert!(
            between
                .window(Timestamp::UNIX_EPOCH, &TimeZone::UTC, &TimeZone::UTC)
                .is_err()
        );
    }

    #[test]
    fn descriptions_name_the_period_as_asked() {
        assert_eq!(Period::last("7d").unwrap().describe(), "last 7d");
        assert_eq!(
            Period::Previous(CalendarUnit::Quarter).describe(),
            "previous quarter"
        );
    }
}
