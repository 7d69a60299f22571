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
}
