//! Timestamps in models: kept exactly as the server wrote them, parsed on demand.

use std::fmt;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// An RFC 3339 timestamp as sent on the wire. Keeping the text means a value the SDK cannot
/// parse still round-trips; [`Timestamp::to_system_time`] parses it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub String);

impl Timestamp {
    /// The timestamp as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A point in time written as RFC 3339 in UTC (`None` past the year 9999).
    pub fn from_system_time(t: SystemTime) -> Option<Timestamp> {
        // Not `OffsetDateTime::from`, which panics outside its range; a server can name any
        // epoch second.
        let since = t.duration_since(SystemTime::UNIX_EPOCH).ok()?;
        let at = time::OffsetDateTime::from_unix_timestamp(i64::try_from(since.as_secs()).ok()?)
            .ok()?
            .replace_nanosecond(since.subsec_nanos())
            .ok()?;
        at.format(&time::format_description::well_known::Rfc3339)
            .ok()
            .map(Timestamp)
    }

    /// The point in time, when the text is valid RFC 3339.
    pub fn to_system_time(&self) -> Option<SystemTime> {
        let t =
            time::OffsetDateTime::parse(&self.0, &time::format_description::well_known::Rfc3339)
                .ok()?;
        let nanos = t.unix_timestamp_nanos();
        let magnitude = std::time::Duration::from_nanos(u64::try_from(nanos.unsigned_abs()).ok()?);
        if nanos >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(magnitude)
        } else {
            SystemTime::UNIX_EPOCH.checked_sub(magnitude)
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Timestamp {
    fn from(s: String) -> Self {
        Timestamp(s)
    }
}

impl From<&str> for Timestamp {
    fn from(s: &str) -> Self {
        Timestamp(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_and_keeps_garbage() {
        let t = Timestamp::from("1970-01-01T00:01:00Z");
        assert_eq!(
            t.to_system_time(),
            Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(60))
        );
        let bad: Timestamp = serde_json::from_str("\"yesterday\"").unwrap();
        assert_eq!(bad.to_system_time(), None);
        assert_eq!(serde_json::to_string(&bad).unwrap(), "\"yesterday\"");
    }

    #[test]
    fn instants_out_of_range_are_none_not_a_panic() {
        use std::time::Duration;
        let far = SystemTime::UNIX_EPOCH + Duration::from_secs(399_999_999_999);
        assert_eq!(Timestamp::from_system_time(far), None);
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_767_225_602_500);
        assert_eq!(
            Timestamp::from_system_time(t).map(|t| t.0),
            Some("2026-01-01T00:00:02.5Z".into())
        );
    }
}
