//! Parsing header values in the formats a spec can declare: counts, waits and points in time.
//!
//! Every parser returns `None` for a value it cannot read: a malformed header is ignored,
//! never fatal. Points in time are turned into a wait from `now`, clamped at zero.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How a header value is written; mirrors the spec's `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderFormat {
    /// Text as is.
    String,
    /// A whole number.
    Integer,
    /// A decimal number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A wait in seconds, whole or fractional (`3`, `0.5`).
    Seconds,
    /// A wait in milliseconds.
    Milliseconds,
    /// A point in time as Unix epoch seconds.
    EpochSeconds,
    /// A point in time as Unix epoch milliseconds.
    EpochMilliseconds,
    /// A point in time as RFC 3339.
    Rfc3339,
    /// A point in time as an HTTP-date.
    HttpDate,
    /// RFC 9110 `Retry-After`: delta-seconds or an HTTP-date.
    RetryAfter,
    /// A Go-style duration such as `1s`, `6m0s`, `12ms`, `1h2m3.5s`.
    Duration,
}

/// The longest wait any parser returns (a year). A longer one is still a wait (past any cap
/// a spec sets), so it is clamped to this, never dropped; arithmetic on it cannot overflow.
pub const MAX_WAIT: Duration = Duration::from_secs(365 * 24 * 3600);

/// Reads a wait (or a point in time, as the wait until it) in the given format.
pub fn parse_wait(value: &str, format: HeaderFormat, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    let wait = match format {
        HeaderFormat::Seconds | HeaderFormat::Integer | HeaderFormat::Number => seconds(v),
        HeaderFormat::Milliseconds => number(v).map(|ms| ms / 1000.0).and_then(secs),
        // Some servers send epoch time, others a delta, under the same name; a value too
        // small to be a recent epoch (or too large to be a real one) is not one.
        HeaderFormat::EpochSeconds => {
            let at = number(v).filter(|at| (1e9..1e11).contains(at))?;
            Some(until(UNIX_EPOCH + Duration::from_secs_f64(at), now))
        }
        HeaderFormat::EpochMilliseconds => {
            let at = number(v).filter(|at| (1e12..1e14).contains(at))?;
            Some(until(
                UNIX_EPOCH + Duration::from_secs_f64(at / 1000.0),
                now,
            ))
        }
        HeaderFormat::Rfc3339 => rfc3339(v).map(|t| until(t, now)),
        HeaderFormat::HttpDate => httpdate::parse_http_date(v).ok().map(|t| until(t, now)),
        HeaderFormat::RetryAfter => {
            seconds(v).or_else(|| httpdate::parse_http_date(v).ok().map(|t| until(t, now)))
        }
        HeaderFormat::Duration => go_duration(v),
        HeaderFormat::String | HeaderFormat::Boolean => None,
    }?;
    Some(wait.min(MAX_WAIT))
}

/// Reads a point in time in the given format. Epoch, RFC 3339 and HTTP-date values are the
/// instant they name (past or future); a wait format is read as `now` plus the wait.
pub fn parse_instant(value: &str, format: HeaderFormat, now: SystemTime) -> Option<SystemTime> {
    let v = value.trim();
    let epoch = |secs: f64| {
        (secs.is_finite() && (0.0..4e11).contains(&secs))
            .then(|| UNIX_EPOCH + Duration::from_secs_f64(secs))
    };
    match format {
        HeaderFormat::EpochSeconds => epoch(number(v)?),
        HeaderFormat::EpochMilliseconds => epoch(number(v)? / 1000.0),
        HeaderFormat::Rfc3339 => rfc3339(v),
        HeaderFormat::HttpDate => httpdate::parse_http_date(v).ok(),
        HeaderFormat::RetryAfter => httpdate::parse_http_date(v)
            .ok()
            .or_else(|| now.checked_add(seconds(v)?)),
        HeaderFormat::Seconds | HeaderFormat::Milliseconds | HeaderFormat::Duration => {
            now.checked_add(parse_wait(v, format, now)?)
        }
        HeaderFormat::String
        | HeaderFormat::Integer
        | HeaderFormat::Number
        | HeaderFormat::Boolean => None,
    }
}

/// Reads a reset header once, as both the wait ([`parse_wait`]) and the point in time
/// ([`parse_instant`]): a wait-shaped value is the instant `now` plus the wait.
pub fn parse_reset(
    value: &str,
    format: HeaderFormat,
    now: SystemTime,
) -> (Option<Duration>, Option<SystemTime>) {
    let wait = parse_wait(value, format, now);
    let at = match format {
        HeaderFormat::Seconds | HeaderFormat::Milliseconds | HeaderFormat::Duration => {
            wait.and_then(|w| now.checked_add(w))
        }
        _ => parse_instant(value, format, now),
    };
    (wait, at)
}

/// Reads a count (limit, remaining, used): a non-negative whole number. A decimal with no
/// fraction (`30.0`) is accepted.
pub fn parse_count(value: &str) -> Option<u64> {
    let v = value.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Some(n);
    }
    let f: f64 = v.parse().ok()?;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1e18).then_some(f as u64)
}

/// Reads a boolean written `true`/`false` (any case) or `1`/`0`.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

fn until(at: SystemTime, now: SystemTime) -> Duration {
    at.duration_since(now)
        .unwrap_or(Duration::ZERO)
        .min(MAX_WAIT)
}

/// A non-negative decimal written with digits and at most one point (no sign, exponent,
/// `inf` or `NaN`).
fn number(v: &str) -> Option<f64> {
    if v.is_empty() || !v.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    v.parse().ok()
}

/// Non-negative seconds as a duration, clamped to [`MAX_WAIT`] (a digit string too long for
/// an `f64` is infinitely long, so it is clamped too).
fn secs(f: f64) -> Option<Duration> {
    (f >= 0.0).then(|| Duration::from_secs_f64(f.min(MAX_WAIT.as_secs_f64())))
}

/// Non-negative seconds, whole or fractional.
fn seconds(v: &str) -> Option<Duration> {
    // Whole seconds (most waits) without a float: the same value, exactly.
    if (1..=12).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) {
        return v
            .parse::<u64>()
            .ok()
            .map(|n| Duration::from_secs(n).min(MAX_WAIT));
    }
    number(v).and_then(secs)
}

fn rfc3339(v: &str) -> Option<SystemTime> {
    let t = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).ok()?;
    // Seconds and nanoseconds apart: nanoseconds since 1970 overflow a u64 past 2554.
    let Ok(secs) = u64::try_from(t.unix_timestamp()) else {
        return Some(UNIX_EPOCH);
    };
    Some(UNIX_EPOCH + Duration::new(secs, t.nanosecond()))
}

/// Go's `time.Duration` string form: a sequence of decimal numbers, each with a unit
/// (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`), e.g. `6m0s`, `1.5s`, `12ms`. A bare `0` is zero.
pub fn go_duration(v: &str) -> Option<Duration> {
    if v == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = v;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += n * scale;
    }
    (total >= 0.0).then(|| Duration::from_secs_f64(total.min(MAX_WAIT.as_secs_f64())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        // 2015-10-21T07:28:00Z
        UNIX_EPOCH + Duration::from_secs(1_445_412_480)
    }

    #[test]
    fn retry_after_delta_seconds_and_http_date() {
        let f = HeaderFormat::RetryAfter;
        assert_eq!(parse_wait("3", f, now()), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_wait(" 120 ", f, now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_wait("1.5", f, now()),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_wait("Wed, 21 Oct 2015 07:28:30 GMT", f, now()),
            Some(Duration::from_secs(30))
        );
        // A date in the past means: now.
        assert_eq!(
            parse_wait("Wed, 21 Oct 2015 07:00:00 GMT", f, now()),
            Some(Duration::ZERO)
        );
        for bad in ["", "-1", "soon", "3s", "1e3", "NaN", "inf", "1.2.3"] {
            assert_eq!(parse_wait(bad, f, now()), None, "{bad:?}");
        }
    }

    #[test]
    fn instants_in_every_time_format() {
        let at = |v: &str, f| {
            parse_instant(v, f, now()).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs())
        };
        assert_eq!(
            at("1445412490", HeaderFormat::EpochSeconds),
            Some(1445412490)
        );
        assert_eq!(
            at("1445412490500", HeaderFormat::EpochMilliseconds),
            Some(1445412490)
        );
        assert_eq!(
            at("2015-10-21T07:29:00Z", HeaderFormat::Rfc3339),
            Some(1445412540)
        );
        assert_eq!(
            at("Wed, 21 Oct 2015 07:28:30 GMT", HeaderFormat::HttpDate),
            Some(1445412510)
        );
        // A wait is now plus the wait; a past instant stays in the past.
        let now_s = now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(at("1500", HeaderFormat::Milliseconds), Some(now_s + 1));
        assert_eq!(at("2", HeaderFormat::RetryAfter), Some(now_s + 2));
        assert_eq!(
            at("1000000000", HeaderFormat::EpochSeconds),
            Some(1000000000)
        );
        assert_eq!(at("soon", HeaderFormat::Rfc3339), None);
        assert_eq!(at("3", HeaderFormat::Integer), None);
    }

    #[test]
    fn waits_beyond_a_year_are_clamped_not_dropped() {
        let f = HeaderFormat::RetryAfter;
        let huge = "9".repeat(400);
        for long in [
            "31536001",
            "99999999999",
            huge.as_str(),
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(parse_wait(long, f, now()), Some(MAX_WAIT), "{long:?}");
        }
        assert_eq!(
            parse_wait("9999-12-31T23:59:59Z", HeaderFormat::Rfc3339, now()),
            Some(MAX_WAIT)
        );
        assert_eq!(go_duration("99999999h"), Some(MAX_WAIT));
        assert_eq!(
            parse_wait("99999999999999", HeaderFormat::Milliseconds, now()),
            Some(MAX_WAIT)
        );
    }

    #[test]
    fn milliseconds_epoch_and_rfc3339() {
        assert_eq!(
            parse_wait("250", HeaderFormat::Milliseconds, now()),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_wait("1445412490", HeaderFormat::EpochSeconds, now()),
            Some(Duration::from_secs(10))
        );
        assert_eq!(parse_wait("10", HeaderFormat::EpochSeconds, now()), None);
        assert_eq!(
            parse_wait("1445412490500", HeaderFormat::EpochMilliseconds, now()),
            Some(Duration::from_millis(10_500))
        );
        assert_eq!(
            parse_wait("1445412490", HeaderFormat::EpochMilliseconds, now()),
            None
        );
        // Twelve hours in milliseconds is a valid wait (it is more seconds than a year).
        assert_eq!(
            parse_wait("43200000", HeaderFormat::Milliseconds, now()),
            Some(Duration::from_secs(43_200))
        );
        assert_eq!(parse_wait("-5", HeaderFormat::Milliseconds, now()), None);
        assert_eq!(
            parse_wait("2015-10-21T07:29:00Z", HeaderFormat::Rfc3339, now()),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_wait("2015-10-21T09:29:00+02:00", HeaderFormat::Rfc3339, now()),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_wait("yesterday", HeaderFormat::Rfc3339, now()), None);
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(go_duration("12ms"), Some(Duration::from_millis(12)));
        assert_eq!(
            go_duration("1h2m3.5s"),
            Some(Duration::from_millis(3_723_500))
        );
        assert_eq!(go_duration("0"), Some(Duration::ZERO));
        for bad in ["", "s", "1", "1x", "1.2.3s", "-1s"] {
            assert_eq!(go_duration(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn whole_seconds_read_without_a_float_are_the_same_wait() {
        for v in [
            "0",
            "2",
            "007",
            "59",
            "86400",
            "31536000",
            "31536001",
            "999999999999",
            "9999999999999",
            "18446744073709551616",
        ] {
            assert_eq!(seconds(v), number(v).and_then(secs), "{v:?}");
        }
    }

    #[test]
    fn a_reset_read_once_is_its_wait_and_its_instant() {
        use HeaderFormat::*;
        let values = [
            "2",
            "0.5",
            "1445412490",
            "1445412490500",
            "2015-10-21T07:28:30Z",
            "Wed, 21 Oct 2015 07:28:30 GMT",
            "6m0s",
            "",
            "soon",
            "-1",
            "1e3",
        ];
        let formats = [
            String,
            Integer,
            Number,
            Boolean,
            Seconds,
            Milliseconds,
            EpochSeconds,
            EpochMilliseconds,
            Rfc3339,
            HttpDate,
            RetryAfter,
            Duration,
        ];
        for v in values {
            for f in formats {
                assert_eq!(
                    parse_reset(v, f, now()),
                    (parse_wait(v, f, now()), parse_instant(v, f, now())),
                    "{v:?} as {f:?}"
                );
            }
        }
    }

    #[test]
    fn counts_and_booleans() {
        assert_eq!(parse_count("30"), Some(30));
        assert_eq!(parse_count("30.0"), Some(30));
        assert_eq!(parse_count("-1"), None);
        assert_eq!(parse_count("2.5"), None);
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
