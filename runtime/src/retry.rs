//! The retry policy a spec declares, and the pure decisions the send loop takes from it:
//! whether a failure is retried, and how long to wait first.

use std::time::Duration;

use rand::Rng;

use crate::values::{self, HeaderFormat};

/// The retry policy of an API, as its spec declares it.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff wait.
    pub initial_backoff: Duration,
    /// The longest backoff wait.
    pub max_backoff: Duration,
    /// Growth of the backoff per retry.
    pub multiplier: f64,
    /// The backoff is multiplied by a random factor in `[low, high]`.
    pub jitter: (f64, f64),
    /// Statuses retried (inclusive ranges).
    pub statuses: &'static [(u16, u16)],
    /// Error classes retried, by documented name (a class also matches through its ancestors).
    pub classes: &'static [&'static str],
    /// Whether a failure to connect is retried.
    pub on_connect: bool,
    /// Whether a timeout is retried (idempotent requests only).
    pub on_timeout: bool,
    /// Headers telling how long to wait, tried in order.
    pub retry_after: &'static [(&'static str, HeaderFormat)],
    /// A header whose `true`/`false` overrides the status and class rules.
    pub should_retry_header: Option<&'static str>,
    /// The longest server-requested wait honoured.
    pub max_wait: Option<Duration>,
    /// Past `max_wait`: return the error at once (`true`) or wait the usual backoff (`false`).
    pub raise_past_max_wait: bool,
    /// Total time allowed for a call.
    pub deadline: Option<Duration>,
    /// Statuses proving the server did not act on the request: retried whatever the method.
    pub not_processed: &'static [(u16, u16)],
    /// Header carrying an idempotency key generated once per call.
    pub idempotency_key_header: Option<&'static str>,
    /// An explicit backoff schedule: the wait before retry `n` is `schedule[n - 1]`, the
    /// last repeating. Empty for exponential backoff.
    pub schedule: &'static [Duration],
    /// The shortest backoff wait, after jitter.
    pub min_backoff: Duration,
    /// A server wait of zero is replaced by the backoff (some vendors' SDKs ignore such
    /// hints rather than retry at once).
    pub zero_wait_backoff: bool,
    /// Headers sent on every attempt whose value is made for that attempt.
    pub attempt_headers: &'static [(&'static str, AttemptValue)],
    /// Classes with waits of their own, tried before `retry_after`.
    pub class_waits: &'static [ClassWait],
}

/// Where the wait after a class of error comes from, when it is not the policy's hint
/// headers: sources tried in order, then a fixed default.
#[derive(Debug, Clone, Copy)]
pub struct ClassWait {
    /// The class (its subclasses too), by documented name.
    pub class: &'static str,
    /// Headers tried in order, each with its format and a margin added to what it says
    /// (a reset instant plus one second).
    pub sources: &'static [(&'static str, HeaderFormat, Duration)],
    /// The wait when no source is present; `None` falls back to the backoff.
    pub default: Option<Duration>,
}

/// The value of a per-attempt header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptValue {
    /// The attempt number, 1 on the first try.
    Attempt,
    /// Retries so far, 0 on the first try.
    RetryCount,
    /// The attempt's timeout in whole seconds.
    TimeoutSeconds,
}

impl AttemptValue {
    /// The header value for attempt `attempt` (1-based) with this timeout.
    pub fn render(self, attempt: u32, timeout: Duration) -> String {
        match self {
            AttemptValue::Attempt => attempt.to_string(),
            AttemptValue::RetryCount => attempt.saturating_sub(1).to_string(),
            AttemptValue::TimeoutSeconds => timeout.as_secs().to_string(),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub const NEVER: RetryPolicy = RetryPolicy {
        max_retries: 0,
        initial_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(8),
        multiplier: 2.0,
        jitter: (1.0, 1.0),
        statuses: &[],
        classes: &[],
        on_connect: false,
        on_timeout: false,
        retry_after: &[],
        should_retry_header: None,
        max_wait: None,
        raise_past_max_wait: true,
        deadline: None,
        not_processed: &[],
        idempotency_key_header: None,
        schedule: &[],
        min_backoff: Duration::ZERO,
        zero_wait_backoff: false,
        attempt_headers: &[],
        class_waits: &[],
    };

    /// The backoff before retry number `retry` (1-based) for a jitter factor in
    /// `[jitter.0, jitter.1]`: `initial * multiplier^(retry-1)` capped at `max_backoff` (or
    /// the schedule's wait for that retry), scaled by `factor`, then at least
    /// `min_backoff`.
    pub fn backoff(&self, retry: u32, factor: f64) -> Duration {
        let base = match self.schedule {
            [] => {
                let exp = self.multiplier.powi(retry.saturating_sub(1).min(64) as i32);
                (self.initial_backoff.as_secs_f64() * exp).min(self.max_backoff.as_secs_f64())
            }
            waits => {
                let i = (retry.saturating_sub(1) as usize).min(waits.len() - 1);
                waits[i].as_secs_f64()
            }
        };
        Duration::from_secs_f64((base * factor).max(0.0)).max(self.min_backoff)
    }

    /// A jitter factor drawn from the policy's range.
    pub fn jitter_factor(&self, rng: &mut impl Rng) -> f64 {
        let (lo, hi) = self.jitter;
        if hi > lo {
            rng.random_range(lo..=hi)
        } else {
            lo
        }
    }

    /// Whether a response with this status and class is worth retrying (before idempotency
    /// and the attempt budget are considered). A should-retry header overrides the rules.
    pub fn retries_response(
        &self,
        status: u16,
        class: &str,
        ancestors: &[&str],
        should_retry: Option<bool>,
    ) -> bool {
        if let Some(explicit) = should_retry {
            return explicit;
        }
        in_ranges(self.statuses, status)
            || self
                .classes
                .iter()
                .any(|c| *c == class || ancestors.contains(c))
    }

    /// Whether the status proves the request was not acted on.
    pub fn not_processed(&self, status: u16) -> bool {
        in_ranges(self.not_processed, status)
    }

    /// The wait after an error of `class`: from the class's own sources (then its default)
    /// when the policy names the class or an ancestor, else [`RetryPolicy::server_wait`].
    pub fn wait_for(
        &self,
        class: &str,
        ancestors: &[&str],
        header: impl Fn(&str) -> Option<String>,
        now: std::time::SystemTime,
    ) -> Option<Duration> {
        let own = self
            .class_waits
            .iter()
            .find(|w| w.class == class || ancestors.contains(&w.class));
        match own {
            Some(w) => w
                .sources
                .iter()
                .find_map(|(name, format, plus)| {
                    values::parse_wait(&header(name)?, *format, now).map(|d| d + *plus)
                })
                .filter(|d| !(self.zero_wait_backoff && d.is_zero()))
                .or(w.default),
            None => self.server_wait(header, now),
        }
    }

    /// Whether a server wait is honoured at all (a hint header or a class wait is declared).
    pub fn honours_waits(&self) -> bool {
        !self.retry_after.is_empty() || !self.class_waits.is_empty()
    }

    /// The wait the server asks for, from the first hint header present.
    pub fn server_wait(
        &self,
        header: impl Fn(&str) -> Option<String>,
        now: std::time::SystemTime,
    ) -> Option<Duration> {
        let declared = self
            .retry_after
            .iter()
            .find_map(|(name, format)| values::parse_wait(&header(name)?, *format, now));
        // Without declared hint headers, `Retry-After` is still read as RFC 9110 defines it,
        // so that `retry_after` is always reported.
        let wait = declared.or_else(|| {
            if self.retry_after.is_empty() {
                values::parse_wait(&header("retry-after")?, HeaderFormat::RetryAfter, now)
            } else {
                None
            }
        });
        // A zero wait (or a reset already past) is no hint when the spec says so.
        wait.filter(|w| !(self.zero_wait_backoff && w.is_zero()))
    }
}

/// Whether `status` falls in any of the inclusive ranges.
pub fn in_ranges(ranges: &[(u16, u16)], status: u16) -> bool {
    ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&status))
}

/// What the loop does after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Return the error now.
    Stop,
    /// Sleep this long, then try again.
    RetryAfter(Duration),
}

/// Picks the wait before the next attempt, or stops: the server's hint when it is within
/// `max_wait`; past it, either stop (`raise_past_max_wait`) or fall back to `backoff`. A
/// wait that would end past `remaining` (the deadline) stops too.
pub fn next_wait(
    policy: &RetryPolicy,
    backoff: Duration,
    server_wait: Option<Duration>,
    remaining: Option<Duration>,
) -> Next {
    let wait = match (server_wait, policy.max_wait) {
        (Some(hint), Some(max)) if hint > max => {
            if policy.raise_past_max_wait {
                return Next::Stop;
            }
            backoff
        }
        (Some(hint), _) if policy.honours_waits() => hint,
        _ => backoff,
    };
    match remaining {
        Some(left) if wait >= left => Next::Stop,
        _ => Next::RetryAfter(wait),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(3),
        multiplier: 2.0,
        jitter: (0.5, 1.0),
        statuses: &[(429, 429), (500, 599)],
        classes: &["RateLimitExceeded"],
        retry_after: &[("retry-after", HeaderFormat::RetryAfter)],
        max_wait: Some(Duration::from_secs(60)),
        ..RetryPolicy::NEVER
    };

    #[test]
    fn backoff_grows_then_caps() {
        let waits: Vec<u128> = (1..=5)
            .map(|n| POLICY.backoff(n, 1.0).as_millis())
            .collect();
        assert_eq!(waits, vec![500, 1000, 2000, 3000, 3000]);
        assert_eq!(POLICY.backoff(2, 0.5), Duration::from_millis(500));
        assert_eq!(POLICY.backoff(u32::MAX, 1.0), Duration::from_secs(3));
    }

    #[test]
    fn jitter_stays_in_range() {
        let mut rng = rand::rng();
        for _ in 0..1000 {
            let f = POLICY.jitter_factor(&mut rng);
            assert!((0.5..=1.0).contains(&f), "{f}");
        }
        assert_eq!(RetryPolicy::NEVER.jitter_factor(&mut rng), 1.0);
    }

    #[test]
    fn response_rules_and_the_should_retry_override() {
        assert!(POLICY.retries_response(503, "X", &[], None));
        assert!(!POLICY.retries_response(400, "X", &[], None));
        assert!(POLICY.retries_response(400, "RateLimitExceeded", &[], None));
        assert!(POLICY.retries_response(400, "Child", &["RateLimitExceeded"], None));
        assert!(!POLICY.retries_response(503, "X", &[], Some(false)));
        assert!(POLICY.retries_response(400, "X", &[], Some(true)));
    }

    #[test]
    fn server_waits_are_honoured_up_to_the_cap() {
        let b = Duration::from_secs(1);
        assert_eq!(
            next_wait(&POLICY, b, Some(Duration::from_secs(3)), None),
            Next::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(next_wait(&POLICY, b, None, None), Next::RetryAfter(b));
        assert_eq!(
            next_wait(&POLICY, b, Some(Duration::from_secs(86400)), None),
            Next::Stop
        );
        let lenient = RetryPolicy {
            raise_past_max_wait: false,
            ..POLICY
        };
        assert_eq!(
            next_wait(&lenient, b, Some(Duration::from_secs(86400)), None),
            Next::RetryAfter(b)
        );
        // Past the deadline: stop.
        assert_eq!(
            next_wait(
                &POLICY,
                b,
                Some(Duration::from_secs(3)),
                Some(Duration::from_secs(2))
            ),
            Next::Stop
        );
    }

    #[test]
    fn server_wait_reads_the_declared_headers_in_order() {
        let ms = RetryPolicy {
            retry_after: &[
                ("retry-after-ms", HeaderFormat::Milliseconds),
                ("retry-after", HeaderFormat::RetryAfter),
            ],
            ..POLICY
        };
        let now = std::time::SystemTime::UNIX_EPOCH;
        let h = |name: &str| match name {
            "retry-after-ms" => Some("250".to_owned()),
            "retry-after" => Some("3".to_owned()),
            _ => None,
        };
        assert_eq!(ms.server_wait(h, now), Some(Duration::from_millis(250)));
        assert_eq!(POLICY.server_wait(h, now), Some(Duration::from_secs(3)));
        let garbage = |_: &str| Some("soon".to_owned());
        assert_eq!(POLICY.server_wait(garbage, now), None);
        // With no declared hint header, Retry-After is still read.
        assert_eq!(
            RetryPolicy::NEVER.server_wait(h, now),
            Some(Duration::from_secs(3))
        );
    }

    #[test]
    fn schedules_floors_and_zero_waits() {
        const SCHEDULE: &[Duration] = &[
            Duration::from_secs(1),
            Duration::from_secs(4),
            Duration::from_secs(9),
        ];
        let p = RetryPolicy {
            schedule: SCHEDULE,
            min_backoff: Duration::from_millis(500),
            ..POLICY
        };
        let waits: Vec<u64> = (1..=5).map(|n| p.backoff(n, 1.0).as_secs()).collect();
        assert_eq!(waits, vec![1, 4, 9, 9, 9]);
        // The floor holds after jitter.
        assert_eq!(p.backoff(1, 0.1), Duration::from_millis(500));
        let exp = RetryPolicy {
            min_backoff: Duration::from_millis(400),
            ..POLICY
        };
        assert_eq!(exp.backoff(1, 0.5), Duration::from_millis(400));
        let now = std::time::SystemTime::UNIX_EPOCH;
        let zero = |_: &str| Some("0".to_owned());
        assert_eq!(POLICY.server_wait(zero, now), Some(Duration::ZERO));
        let ignoring = RetryPolicy {
            zero_wait_backoff: true,
            ..POLICY
        };
        assert_eq!(ignoring.server_wait(zero, now), None);
        assert_eq!(
            AttemptValue::RetryCount.render(1, Duration::from_secs(600)),
            "0"
        );
        assert_eq!(
            AttemptValue::Attempt.render(3, Duration::from_secs(600)),
            "3"
        );
        assert_eq!(
            AttemptValue::TimeoutSeconds.render(3, Duration::from_secs(600)),
            "600"
        );
    }

    #[test]
    fn a_class_names_its_own_wait_sources_and_default() {
        const WAITS: &[ClassWait] = &[
            ClassWait {
                class: "SecondaryRateLimit",
                sources: &[(
                    "x-ratelimit-reset",
                    HeaderFormat::EpochSeconds,
                    Duration::from_secs(1),
                )],
                default: None,
            },
            ClassWait {
                class: "AbuseLimit",
                sources: &[("retry-after", HeaderFormat::RetryAfter, Duration::ZERO)],
                default: Some(Duration::from_secs(60)),
            },
        ];
        let p = RetryPolicy {
            class_waits: WAITS,
            ..POLICY
        };
        let now = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let h = |name: &str| match name {
            "x-ratelimit-reset" => Some("1000000010".to_owned()),
            "retry-after" => Some("3".to_owned()),
            _ => None,
        };
        let none = |_: &str| None;
        // The reset instant plus a second.
        assert_eq!(
            p.wait_for("SecondaryRateLimit", &[], h, now),
            Some(Duration::from_secs(11))
        );
        assert_eq!(
            p.wait_for("Child", &["SecondaryRateLimit"], h, now),
            Some(Duration::from_secs(11))
        );
        assert_eq!(p.wait_for("SecondaryRateLimit", &[], none, now), None);
        // Retry-After, else a fixed minute.
        assert_eq!(
            p.wait_for("AbuseLimit", &[], h, now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            p.wait_for("AbuseLimit", &[], none, now),
            Some(Duration::from_secs(60))
        );
        // Any other class: the policy's hint headers.
        assert_eq!(
            p.wait_for("Other", &[], h, now),
            Some(Duration::from_secs(3))
        );
    }
}
