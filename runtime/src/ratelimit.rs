//! Rate limits: the state a response reports in its headers, and an opt-in client-side
//! token bucket that makes a fan-out workload wait locally instead of collecting 429s.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, HeaderName};
use tokio::time::Instant;

use crate::values::{self, HeaderFormat};

/// A success response's rate-limit state, read from its headers the first time it is
/// asked for: a caller that never looks pays for no header lookups. The time of receipt is
/// kept, so a reset given in seconds is counted from when the response arrived.
#[derive(Clone)]
pub(crate) struct LazyRateLimit {
    families: Arc<[CompiledFamily]>,
    received: SystemTime,
    state: OnceLock<RateLimitState>,
}

impl LazyRateLimit {
    pub(crate) fn new(families: Arc<[CompiledFamily]>, received: SystemTime) -> Self {
        let state = OnceLock::new();
        if families.is_empty() {
            // Nothing to read: the state is known now.
            let _ = state.set(RateLimitState::default());
        }
        LazyRateLimit {
            families,
            received,
            state,
        }
    }

    /// The state `headers` report (the same headers on every call).
    pub(crate) fn get(&self, headers: &HeaderMap) -> &RateLimitState {
        self.state
            .get_or_init(|| RateLimitState::read(&self.families, headers, self.received))
    }
}

/// A family of rate-limit headers as the spec declares it.
#[derive(Debug, Clone, Copy)]
pub struct HeaderFamilySpec {
    /// Family name, e.g. `requests` or `tokens`.
    pub name: &'static str,
    /// Header with the limit.
    pub limit: Option<(&'static str, HeaderFormat)>,
    /// Header with what is left.
    pub remaining: Option<(&'static str, HeaderFormat)>,
    /// Header with when the limit resets.
    pub reset: Option<(&'static str, HeaderFormat)>,
    /// Header with what was used.
    pub used: Option<(&'static str, HeaderFormat)>,
    /// Further named fields, as text: `(name, header)`, e.g. the resource a limit
    /// applies to.
    pub fields: &'static [(&'static str, &'static str)],
}

/// What one header family reported.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitFamily {
    /// Family name, e.g. `requests`.
    pub name: &'static str,
    /// The limit.
    pub limit: Option<u64>,
    /// What is left.
    pub remaining: Option<u64>,
    /// Time until the limit resets.
    pub reset: Option<Duration>,
    /// When the limit resets: the instant the header names, or now plus the wait it gives.
    pub reset_at: Option<SystemTime>,
    /// What was used.
    pub used: Option<u64>,
    /// The further named fields present, in spec order.
    pub fields: Vec<(&'static str, String)>,
}

impl RateLimitFamily {
    /// A further named field, e.g. `resource`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The rate-limit state reported by one response. Families whose headers were all absent
/// or malformed are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitState {
    families: Vec<RateLimitFamily>,
}

/// A header family with its header names parsed once, for reading many responses.
#[derive(Debug, Clone)]
pub struct CompiledFamily {
    name: &'static str,
    limit: Option<HeaderName>,
    remaining: Option<HeaderName>,
    reset: Option<(HeaderName, HeaderFormat)>,
    used: Option<HeaderName>,
    fields: Vec<(&'static str, HeaderName)>,
}

impl CompiledFamily {
    /// Parses the header names of every family; a name that is not a valid header name can
    /// never be present, so it is dropped.
    pub fn compile(specs: &[HeaderFamilySpec]) -> Vec<CompiledFamily> {
        let name = |h: Option<(&'static str, HeaderFormat)>| {
            h.and_then(|(n, f)| Some((HeaderName::from_bytes(n.as_bytes()).ok()?, f)))
        };
        specs
            .iter()
            .map(|s| CompiledFamily {
                name: s.name,
                limit: name(s.limit).map(|(n, _)| n),
                remaining: name(s.remaining).map(|(n, _)| n),
                reset: name(s.reset),
                used: name(s.used).map(|(n, _)| n),
                fields: s
                    .fields
                    .iter()
                    .filter_map(|(f, h)| Some((*f, HeaderName::from_bytes(h.as_bytes()).ok()?)))
                    .collect(),
            })
            .collect()
    }
}

impl RateLimitState {
    /// Reads every declared family from the headers.
    pub fn from_headers(specs: &[HeaderFamilySpec], headers: &HeaderMap, now: SystemTime) -> Self {
        Self::read(&CompiledFamily::compile(specs), headers, now)
    }

    /// Reads every family from the headers, with names parsed beforehand.
    pub fn read(families: &[CompiledFamily], headers: &HeaderMap, now: SystemTime) -> Self {
        let text = |n: &Option<HeaderName>| n.as_ref().and_then(|n| headers.get(n)?.to_str().ok());
        let families = families
            .iter()
            .map(|s| {
                let (reset, reset_at) = s
                    .reset
                    .as_ref()
                    .and_then(|(n, f)| Some((headers.get(n)?.to_str().ok()?, *f)))
                    .map_or((None, None), |(v, f)| values::parse_reset(v, f, now));
                RateLimitFamily {
                    name: s.name,
                    limit: text(&s.limit).and_then(values::parse_count),
                    remaining: text(&s.remaining).and_then(values::parse_count),
                    reset,
                    reset_at,
                    used: text(&s.used).and_then(values::parse_count),
                    fields: s
                        .fields
                        .iter()
                        .filter_map(|(f, h)| {
                            Some((*f, headers.get(h)?.to_str().ok()?.trim().to_owned()))
                        })
                        .collect(),
                }
            })
            .filter(|f| {
                f.limit.is_some()
                    || f.remaining.is_some()
                    || f.reset.is_some()
                    || f.used.is_some()
                    || !f.fields.is_empty()
            })
            .collect();
        RateLimitState { families }
    }

    /// Every family the response reported.
    pub fn families(&self) -> &[RateLimitFamily] {
        &self.families
    }

    /// One family by name.
    pub fn family(&self, name: &str) -> Option<&RateLimitFamily> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Whether any family reports nothing remaining.
    pub fn is_exhausted(&self) -> bool {
        self.families.iter().any(|f| f.remaining == Some(0))
    }

    /// Whether the response reported nothing about rate limits.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }
}

/// A token bucket the spec declares, as the client-side throttle enforces it.
#[derive(Debug, Clone, Copy)]
pub struct BucketSpec {
    /// Bucket name.
    pub name: &'static str,
    /// Tokens added per second (fractional for limits such as 5000 an hour).
    pub refill_per_second: f64,
    /// Capacity.
    pub burst: u64,
}

/// A client-side throttle: one token bucket per declared bucket, shared by every clone of
/// the client. A request proceeds when every bucket has a token, and takes one from each.
#[derive(Debug, Clone)]
pub struct Throttle {
    buckets: Arc<Mutex<Vec<BucketState>>>,
}

#[derive(Debug)]
struct BucketState {
    spec: BucketSpec,
    tokens: f64,
    updated: Instant,
}

impl BucketState {
    fn refill(&mut self, now: Instant) {
        let per_sec = self.spec.refill_per_second;
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_sec).min(self.spec.burst as f64);
        self.updated = now;
    }

    /// Time until one token is available (after every token already reserved).
    fn wait(&self) -> Duration {
        if self.tokens >= 1.0 {
            return Duration::ZERO;
        }
        let per_sec = self.spec.refill_per_second;
        Duration::from_secs_f64((1.0 - self.tokens) / per_sec)
    }
}

impl Throttle {
    /// A throttle with full buckets. Buckets with a zero rate or capacity are ignored.
    pub fn new(buckets: &[BucketSpec]) -> Self {
        let now = Instant::now();
        let buckets = buckets
            .iter()
            .filter(|b| b.refill_per_second.is_finite() && b.refill_per_second > 0.0 && b.burst > 0)
            .map(|b| BucketState {
                spec: *b,
                tokens: b.burst as f64,
                updated: now,
            })
            .collect();
        Throttle {
            buckets: Arc::new(Mutex::new(buckets)),
        }
    }

    /// Waits until every bucket has a token, then takes one from each. Returns how long it
    /// waited.
    pub async fn acquire(&self) -> Duration {
        // Without a deadline a reservation is always granted.
        self.acquire_before(None).await.unwrap_or_default()
    }

    /// Reserves a token of every bucket and waits for it, first come first served. When
    /// the reserved token would come after `deadline`, nothing is taken and the call gives
    /// up at once (`Err`). A wait that is cancelled (its future dropped) gives its tokens
    /// back. Returns how long it waited.
    pub async fn acquire_before(&self, deadline: Option<Instant>) -> Result<Duration, TooLate> {
        let wait = {
            let mut buckets = self.lock();
            let now = Instant::now();
            let mut wait = Duration::ZERO;
            for b in buckets.iter_mut() {
                b.refill(now);
                wait = wait.max(b.wait());
            }
            // A token at the deadline itself is too late: nothing could be sent with it.
            if deadline.is_some_and(|d| now + wait >= d) {
                return Err(TooLate);
            }
            // Tokens may go below zero: each reservation queues behind the ones before it.
            for b in buckets.iter_mut() {
                b.tokens -= 1.0;
            }
            wait
        };
        if wait.is_zero() {
            return Ok(wait);
        }
        let mut reservation = Reservation {
            throttle: self,
            held: true,
        };
        tokio::time::sleep(wait).await;
        reservation.held = false;
        Ok(wait)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<BucketState>> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A throttle reservation that would end after the caller's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLate;

/// Gives a reserved token back when the wait for it is abandoned.
struct Reservation<'a> {
    throttle: &'a Throttle,
    held: bool,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.held {
            for b in self.throttle.lock().iter_mut() {
                b.tokens = (b.tokens + 1.0).min(b.spec.burst as f64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAMILY: HeaderFamilySpec = HeaderFamilySpec {
        name: "requests",
        limit: Some(("x-ratelimit-limit", HeaderFormat::Integer)),
        remaining: Some(("x-ratelimit-remaining", HeaderFormat::Integer)),
        reset: Some(("x-ratelimit-reset", HeaderFormat::Seconds)),
        used: None,
        fields: &[("resource", "x-ratelimit-resource")],
    };
    const TOKENS: HeaderFamilySpec = HeaderFamilySpec {
        name: "tokens",
        limit: Some(("x-ratelimit-limit-tokens", HeaderFormat::Integer)),
        remaining: None,
        reset: Some(("x-ratelimit-reset-tokens", HeaderFormat::Duration)),
        used: None,
        fields: &[],
    };

    #[test]
    fn header_families_parse_and_ignore_garbage() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", "30".parse().unwrap());
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        h.insert("x-ratelimit-reset", "3".parse().unwrap());
        h.insert("x-ratelimit-reset-tokens", "6m0s".parse().unwrap());
        h.insert("x-ratelimit-limit-tokens", "lots".parse().unwrap());
        let s = RateLimitState::from_headers(&[FAMILY, TOKENS], &h, SystemTime::UNIX_EPOCH);
        let r = s.family("requests").unwrap();
        assert_eq!((r.limit, r.remaining), (Some(30), Some(0)));
        assert_eq!(r.reset, Some(Duration::from_secs(3)));
        assert_eq!(
            r.reset_at,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(3))
        );
        assert_eq!(r.field("resource"), None);
        let t = s.family("tokens").unwrap();
        assert_eq!((t.limit, t.reset), (None, Some(Duration::from_secs(360))));
        assert!(s.is_exhausted());
        let none =
            RateLimitState::from_headers(&[FAMILY], &HeaderMap::new(), SystemTime::UNIX_EPOCH);
        assert!(none.is_empty());
    }

    #[test]
    fn a_success_reads_its_state_when_asked_counting_from_receipt() {
        let received = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let lazy = LazyRateLimit::new(CompiledFamily::compile(&[FAMILY]).into(), received);
        assert!(
            lazy.state.get().is_none(),
            "nothing is read before it is asked for"
        );
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "7".parse().unwrap());
        h.insert("x-ratelimit-reset", "3".parse().unwrap());
        let r = lazy.get(&h).family("requests").unwrap().clone();
        assert_eq!(r.remaining, Some(7));
        assert_eq!(r.reset_at, Some(received + Duration::from_secs(3)));
        // Read once: the same state afterwards.
        assert!(std::ptr::eq(lazy.get(&h), lazy.get(&h)));
        let none = LazyRateLimit::new(Vec::new().into(), received);
        assert!(none.state.get().is_some_and(RateLimitState::is_empty));
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_spends_the_burst_then_paces_at_the_refill_rate() {
        let t = Throttle::new(&[BucketSpec {
            name: "per_key",
            refill_per_second: 0.5,
            burst: 15,
        }]);
        for _ in 0..15 {
            assert_eq!(t.acquire().await, Duration::ZERO);
        }
        // 30 per minute: one token every two seconds.
        assert_eq!(t.acquire().await, Duration::from_secs(2));
        assert_eq!(t.acquire().await, Duration::from_secs(2));
        // Clones share the bucket.
        let clone = t.clone();
        assert_eq!(clone.acquire().await, Duration::from_secs(2));
    }

    #[test]
    fn a_family_keeps_its_reset_instant_and_named_fields() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "4999".parse().unwrap());
        h.insert("x-ratelimit-resource", "graphql".parse().unwrap());
        let s = RateLimitState::from_headers(&[FAMILY], &h, SystemTime::UNIX_EPOCH);
        let r = s.family("requests").unwrap();
        assert_eq!(r.field("resource"), Some("graphql"));
        assert_eq!((r.reset, r.reset_at), (None, None));
        // An epoch reset is the instant it names, even one already past.
        const EPOCH: HeaderFamilySpec = HeaderFamilySpec {
            name: "core",
            limit: None,
            remaining: None,
            reset: Some(("x-ratelimit-reset", HeaderFormat::EpochSeconds)),
            used: None,
            fields: &[],
        };
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", "1700000000".parse().unwrap());
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_100);
        let s = RateLimitState::from_headers(&[EPOCH], &h, now);
        let core = s.family("core").unwrap();
        assert_eq!(core.reset, Some(Duration::ZERO));
        assert_eq!(
            core.reset_at,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn fractional_rates_pace_by_the_second() {
        // 5000 an hour with a burst of one: a token every 0.72 s.
        let t = Throttle::new(&[BucketSpec {
            name: "hourly",
            refill_per_second: 5000.0 / 3600.0,
            burst: 1,
        }]);
        assert_eq!(t.acquire().await, Duration::ZERO);
        let waited = t.acquire().await;
        assert!((waited.as_secs_f64() - 0.72).abs() < 1e-6, "{waited:?}");
    }
}
