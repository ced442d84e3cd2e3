//! The signing time: the `X-Sdk-Date` text `%Y%m%dT%H%M%SZ` (UTC).
//!
//! The conversion between Unix seconds and a civil UTC date is done here with Howard Hinnant's
//! exact `days_from_civil` / `civil_from_days` algorithms rather than with `jiff`: the format is
//! fixed, UTC-only and second-precision, so twenty lines of integer arithmetic replace a date
//! library, format into a stack buffer without allocating, and keep the crate's dependency set
//! to the hashing crates. The unit tests below pin the conversion against known instants and
//! round-trip it over a wide range.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::TimeError;

/// Length of `%Y%m%dT%H%M%SZ`, e.g. `20250821T070331Z`.
const LEN: usize = 16;

/// A UTC instant at second precision, held in its `X-Sdk-Date` form `%Y%m%dT%H%M%SZ`.
///
/// Build it from the clock with [`SigningTime::now`] / [`SigningTime::from_system_time`], or
/// from a caller-provided text with [`SigningTime::parse`] (also available through
/// [`FromStr`]). The text is validated strictly: 16 characters, digits where digits belong,
/// month, day (including leap years), hour, minute and second in range.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SigningTime {
    /// Always 16 ASCII bytes in the format above.
    text: [u8; LEN],
}

impl SigningTime {
    /// The current time from the system clock.
    ///
    /// Fails only if the clock is set before 1970 or after year 9999.
    pub fn now() -> Result<Self, TimeError> {
        Self::from_system_time(SystemTime::now())
    }

    /// The given instant, truncated to whole seconds (as the official SDK's `strftime` does).
    pub fn from_system_time(time: SystemTime) -> Result<Self, TimeError> {
        let secs = time
            .duration_since(UNIX_EPOCH)
            .map_err(|_| TimeError::OutOfRange)?
            .as_secs();
        let secs = i64::try_from(secs).map_err(|_| TimeError::OutOfRange)?;
        Self::from_unix_seconds(secs)
    }

    /// The instant `secs` seconds after 1970-01-01T00:00:00Z.
    pub fn from_unix_seconds(secs: i64) -> Result<Self, TimeError> {
        if secs < 0 {
            return Err(TimeError::OutOfRange);
        }
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        if year > 9999 {
            return Err(TimeError::OutOfRange);
        }
        let mut text = [0u8; LEN];
        // Every field is range-checked above or by construction, so the casts cannot truncate.
        put_digits(&mut text[0..4], year as u32);
        put_digits(&mut text[4..6], month);
        put_digits(&mut text[6..8], day);
        text[8] = b'T';
        put_digits(&mut text[9..11], (rem / 3600) as u32);
        put_digits(&mut text[11..13], (rem / 60 % 60) as u32);
        put_digits(&mut text[13..15], (rem % 60) as u32);
        text[15] = b'Z';
        Ok(Self { text })
    }

    /// Parses `%Y%m%dT%H%M%SZ` strictly (the official SDK parses a caller-set `X-Sdk-Date` with
    /// `strptime` and rejects anything that does not fit).
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let b = text.as_bytes();
        if b.len() != LEN || b[8] != b'T' || b[15] != b'Z' {
            return Err(TimeError::Malformed);
        }
        let num = |range: std::ops::Range<usize>| -> Result<u32, TimeError> {
            b[range].iter().try_fold(0u32, |acc, &c| {
                if c.is_ascii_digit() {
                    Ok(acc * 10 + u32::from(c - b'0'))
                } else {
                    Err(TimeError::Malformed)
                }
            })
        };
        let (year, month, day) = (num(0..4)?, num(4..6)?, num(6..8)?);
        let (hour, minute, second) = (num(9..11)?, num(11..13)?, num(13..15)?);
        let ok = year >= 1
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60;
        if !ok {
            return Err(TimeError::Malformed);
        }
        let mut text = [0u8; LEN];
        text.copy_from_slice(b);
        Ok(Self { text })
    }

    /// The `X-Sdk-Date` text, e.g. `20250821T070331Z`.
    pub fn as_str(&self) -> &str {
        // Invariant: `text` is ASCII (digits, 'T', 'Z'), so this never takes the fallback.
        std::str::from_utf8(&self.text).unwrap_or("")
    }

    /// Seconds since 1970-01-01T00:00:00Z (negative for earlier instants, which `parse` allows).
    pub fn unix_seconds(&self) -> i64 {
        let n = |r: std::ops::Range<usize>| {
            self.text[r]
                .iter()
                .fold(0i64, |acc, &c| acc * 10 + i64::from(c - b'0'))
        };
        let days = days_from_civil(n(0..4), n(4..6), n(6..8));
        days * 86_400 + n(9..11) * 3600 + n(11..13) * 60 + n(13..15)
    }

    /// This instant as a [`SystemTime`], or `None` if it is before 1970.
    pub fn to_system_time(&self) -> Option<SystemTime> {
        let secs = u64::try_from(self.unix_seconds()).ok()?;
        UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    }
}

impl fmt::Display for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SigningTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SigningTime").field(&self.as_str()).finish()
    }
}

impl FromStr for SigningTime {
    type Err = TimeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Writes `value` as zero-padded decimal filling `out`.
fn put_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of the proleptic Gregorian date (Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats_known_instants() {
        let cases = [
            (0, "19700101T000000Z"),
            (951_782_400, "20000229T000000Z"),
            (1_755_759_811, "20250821T070331Z"),
            (253_402_300_799, "99991231T235959Z"),
        ];
        for (secs, text) in cases {
            let t = SigningTime::from_unix_seconds(secs).unwrap();
            assert_eq!(t.as_str(), text);
            assert_eq!(t.unix_seconds(), secs);
            assert_eq!(SigningTime::parse(text).unwrap(), t);
        }
        assert_eq!(
            SigningTime::from_unix_seconds(253_402_300_800),
            Err(TimeError::OutOfRange)
        );
        assert_eq!(
            SigningTime::from_unix_seconds(-1),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn system_time_truncates_to_seconds() {
        let t = UNIX_EPOCH + Duration::from_millis(1_755_759_811_999);
        assert_eq!(
            SigningTime::from_system_time(t).unwrap().as_str(),
            "20250821T070331Z"
        );
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(
            SigningTime::from_system_time(before),
            Err(TimeError::OutOfRange)
        );
    }

    #[test]
    fn round_trips_every_day_over_centuries() {
        // Every day from 1970 to 2500 at an odd second of the day.
        for day in 0..(530 * 366) {
            let secs = day * 86_400 + 45_296;
            let t = SigningTime::from_unix_seconds(secs).unwrap();
            assert_eq!(t.unix_seconds(), secs, "{t}");
            assert_eq!(SigningTime::parse(t.as_str()).unwrap(), t);
        }
    }

    #[test]
    fn parse_is_strict() {
        for bad in [
            "",
            "20250821T070331",
            "20250821 070331Z",
            "20250821T070331z",
            " 20250821T070331Z",
            "2025082T070331Z0",
            "20251321T070331Z",
            "20250001T070331Z",
            "20250229T070331Z",
            "20250431T070331Z",
            "20250821T240000Z",
            "20250821T236000Z",
            "20250821T235960Z",
            "00000101T000000Z",
            "2025-8-21T07033Z",
            "２0250821T070331",
        ] {
            assert_eq!(
                SigningTime::parse(bad),
                Err(TimeError::Malformed),
                "{bad:?}"
            );
        }
        assert!(SigningTime::parse("20240229T235959Z").is_ok());
        assert!(SigningTime::parse("00010101T000000Z").is_ok());
        assert!(
            SigningTime::parse("19691231T235959Z")
                .unwrap()
                .to_system_time()
                .is_none()
        );
    }
}
