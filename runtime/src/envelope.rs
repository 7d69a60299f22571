//! Reading an error response: the envelope fields, typed attributes, and the class table.
//!
//! Generated code describes its classes as a static table of [`ClassRule`]s and reads each
//! attribute through the typed getters of [`ErrorResponse`]. Nothing here can panic on a
//! hostile body: missing, mistyped or malformed values read as `None`.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::values::{self, HeaderFormat};

/// Where the envelope fields live in an error body (from the spec's `errors.envelope`).
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeSpec {
    /// Paths to the detail message, tried in order.
    pub detail: &'static [&'static str],
    /// Paths to the machine-readable code.
    pub code: &'static [&'static str],
    /// Paths to the error type.
    pub error_type: &'static [&'static str],
    /// For a non-JSON body: use the text (`true`) or the status reason phrase (`false`).
    pub non_json_text: bool,
}

/// One row of a class table: a class is picked when the status is in `statuses` and every
/// matcher holds (a fallback row waives the matchers).
#[derive(Debug, Clone, Copy)]
pub struct ClassRule {
    /// The class this row picks, as the generated code numbers them.
    pub class: usize,
    /// Inclusive status ranges.
    pub statuses: &'static [(u16, u16)],
    /// Conditions that must all hold.
    pub matchers: &'static [Matcher],
    /// Picked for its statuses when no earlier row matched, conditions waived.
    pub fallback: bool,
}

/// A condition on an error response.
#[derive(Debug, Clone, Copy)]
pub struct Matcher {
    /// Where the value is.
    pub source: Source,
    /// What must hold.
    pub test: Test,
    /// Compare ignoring case (Unicode lowercase on both sides).
    pub ignore_case: bool,
}

/// Where a value is read.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// JSON body paths, tried in order.
    Body(&'static [&'static str]),
    /// A response header.
    Header(&'static str),
}

/// A test on a value (compared as text; numbers and booleans in their JSON spelling).
#[derive(Debug, Clone, Copy)]
pub enum Test {
    /// Equal to.
    Equals(&'static str),
    /// One of.
    OneOf(&'static [&'static str]),
    /// Ends with.
    EndsWith(&'static str),
    /// Contains.
    Contains(&'static str),
    /// Present (`true`) or absent (`false`).
    Exists(bool),
}

/// A non-2xx response as the classifier and the attribute getters see it.
#[derive(Debug)]
pub struct ErrorResponse<'a> {
    status: u16,
    headers: &'a HeaderMap,
    json: Option<&'a Value>,
    now: SystemTime,
    /// An error event of a streamed response that names no status: classes are told
    /// apart by their other conditions.
    statusless: bool,
    /// The status the picked row documents, when it documents one (a statusless event).
    implied: std::cell::Cell<Option<u16>>,
}

impl<'a> ErrorResponse<'a> {
    /// Wraps a response. `json` is the body when it parsed as JSON.
    pub fn new(
        status: u16,
        headers: &'a HeaderMap,
        json: Option<&'a Value>,
        now: SystemTime,
    ) -> Self {
        ErrorResponse {
            status,
            headers,
            json,
            now,
            statusless: false,
            implied: std::cell::Cell::new(None),
        }
    }

    /// Wraps an error event of a streamed response (whose HTTP status, 2xx, says nothing
    /// of the error). With `status` (read from the event) it is classified as a response of
    /// that status; without, by the table's body and header conditions alone.
    pub fn for_event(
        status: Option<u16>,
        headers: &'a HeaderMap,
        json: Option<&'a Value>,
        now: SystemTime,
    ) -> Self {
        let mut r = ErrorResponse::new(status.unwrap_or(0), headers, json, now);
        r.statusless = status.is_none();
        r
    }

    /// For a statusless error event: the one status the picked class documents, if it
    /// documents exactly one (set by [`ErrorResponse::classify`]).
    pub fn implied_status(&self) -> Option<u16> {
        self.implied.get()
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first of `paths` present in the body.
    pub fn body_value(&self, paths: &[&str]) -> Option<&'a Value> {
        let json = self.json?;
        paths
            .iter()
            .find_map(|p| lookup(json, p).filter(|v| !v.is_null()))
    }

    /// A body value as text: strings as they are, numbers and booleans in JSON spelling,
    /// arrays and objects as compact JSON.
    pub fn body_string(&self, paths: &[&str]) -> Option<String> {
        self.body_value(paths).map(value_text)
    }

    /// A body value as an integer; a numeric string or a float with no fraction counts.
    pub fn body_integer(&self, paths: &[&str]) -> Option<i64> {
        match self.body_value(paths)? {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A body value as a float; a numeric string counts.
    pub fn body_number(&self, paths: &[&str]) -> Option<f64> {
        match self.body_value(paths)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok().filter(|f: &f64| f.is_finite()),
            _ => None,
        }
    }

    /// A body value as a boolean; `"true"`/`"false"` strings count.
    pub fn body_boolean(&self, paths: &[&str]) -> Option<bool> {
        match self.body_value(paths)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => values::parse_bool(s),
            _ => None,
        }
    }

    /// A body value in seconds, as a duration.
    pub fn body_duration(&self, paths: &[&str]) -> Option<Duration> {
        self.body_number(paths)
            .filter(|s| *s >= 0.0 && *s < 3.2e7)
            .map(Duration::from_secs_f64)
    }

    /// A body value as JSON.
    pub fn body_json(&self, paths: &[&str]) -> Option<Value> {
        self.body_value(paths).cloned()
    }

    /// A body value decoded into a type of the generated crate (a model, a list of them).
    /// A value that does not decode is absent, as a malformed field is.
    pub fn body_typed<T: serde::de::DeserializeOwned>(&self, paths: &[&str]) -> Option<T> {
        serde_json::from_value(self.body_value(paths)?.clone()).ok()
    }

    /// A body value as a point in time: an RFC 3339 string, or Unix epoch seconds (epoch
    /// milliseconds when the number is too large to be seconds).
    pub fn body_instant(&self, paths: &[&str]) -> Option<SystemTime> {
        match self.body_value(paths)? {
            Value::String(s) => values::parse_instant(s, HeaderFormat::Rfc3339, self.now)
                .or_else(|| values::parse_instant(s, HeaderFormat::EpochSeconds, self.now)),
            Value::Number(n) => {
                let v = n.as_f64()?;
                let format = if v >= 1e12 {
                    HeaderFormat::EpochMilliseconds
                } else {
                    HeaderFormat::EpochSeconds
                };
                values::parse_instant(&n.to_string(), format, self.now)
            }
            _ => None,
        }
    }

    /// A header's value, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// A header as text.
    pub fn header_string(&self, name: &str) -> Option<String> {
        self.header(name).map(|v| v.trim().to_owned())
    }

    /// A header as an integer.
    pub fn header_integer(&self, name: &str) -> Option<i64> {
        self.header(name)?.trim().parse().ok()
    }

    /// A header as a float; with a time format, the wait in seconds.
    pub fn header_number(&self, name: &str, format: HeaderFormat) -> Option<f64> {
        let v = self.header(name)?;
        match format {
            HeaderFormat::Integer | HeaderFormat::Number => {
                v.trim().parse().ok().filter(|f: &f64| f.is_finite())
            }
            _ => values::parse_wait(v, format, self.now).map(|d| d.as_secs_f64()),
        }
    }

    /// A header as a boolean.
    pub fn header_boolean(&self, name: &str) -> Option<bool> {
        values::parse_bool(self.header(name)?)
    }

    /// A header as a wait.
    pub fn header_duration(&self, name: &str, format: HeaderFormat) -> Option<Duration> {
        values::parse_wait(self.header(name)?, format, self.now)
    }

    /// A header as a point in time (a wait format reads as now plus the wait).
    pub fn header_instant(&self, name: &str, format: HeaderFormat) -> Option<SystemTime> {
        values::parse_instant(self.header(name)?, format, self.now)
    }

    /// Whether a matcher holds.
    pub fn matches(&self, m: &Matcher) -> bool {
        let value = match m.source {
            Source::Body(paths) => self.body_value(paths).map(value_text),
            Source::Header(name) => self.header_string(name),
        };
        fn folded(s: &str, ignore_case: bool) -> std::borrow::Cow<'_, str> {
            if ignore_case {
                std::borrow::Cow::Owned(s.to_lowercase())
            } else {
                std::borrow::Cow::Borrowed(s)
            }
        }
        let fold = |s| folded(s, m.ignore_case);
        match (m.test, value) {
            (Test::Exists(want), v) => v.is_some() == want,
            (_, None) => false,
            (Test::Equals(x), Some(v)) => fold(&v) == fold(x),
            (Test::OneOf(xs), Some(v)) => xs.iter().any(|x| fold(&v) == fold(x)),
            (Test::EndsWith(x), Some(v)) => fold(&v).ends_with(&*fold(x)),
            (Test::Contains(x), Some(v)) => fold(&v).contains(&*fold(x)),
        }
    }

    /// The class the table picks: the first row, in table order, whose statuses hold this
    /// status and whose matchers all hold (fallback rows: statuses only).
    ///
    /// A statusless error event has no status to test: the first row with a condition that
    /// asks for something present, whose matchers all hold, picks it (a row on statuses
    /// alone, or on an absence alone, would take every event).
    pub fn classify(&self, rules: &[ClassRule]) -> Option<usize> {
        if self.statusless {
            let row = rules.iter().find(|r| {
                !r.fallback
                    && r.matchers
                        .iter()
                        .any(|m| !matches!(m.test, Test::Exists(false)))
                    && r.matchers.iter().all(|m| self.matches(m))
            })?;
            if let [(lo, hi)] = row.statuses {
                if lo == hi {
                    self.implied.set(Some(*lo));
                }
            }
            return Some(row.class);
        }
        rules
            .iter()
            .find(|r| {
                r.statuses
                    .iter()
                    .any(|(lo, hi)| (*lo..=*hi).contains(&self.status))
                    && (r.fallback || r.matchers.iter().all(|m| self.matches(m)))
            })
            .map(|r| r.class)
    }
}

/// Follows a path such as `error.details[0].code` (or `$` for the root) into a JSON value.
pub fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    walk(root, path, |v, step| match step {
        Step::Key(k) => v.as_object()?.get(k),
        Step::Index(i) => v.as_array()?.get(i),
    })
}

/// One step of a body path.
pub(crate) enum Step<'p> {
    /// A key of an object.
    Key(&'p str),
    /// An index into a list.
    Index(usize),
}

/// Walks a body path (`error.details[0].code`, or `$` for the root) from `root`, `step`
/// taking each key or index in turn: the one reading of the path grammar, for JSON values
/// and raw JSON slices alike. `None` when a step finds nothing or the path is malformed.
pub(crate) fn walk<T>(
    root: T,
    path: &str,
    mut step: impl FnMut(T, Step<'_>) -> Option<T>,
) -> Option<T> {
    if path == "$" {
        return Some(root);
    }
    let mut cur = root;
    for segment in path.split('.') {
        let (key, mut rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        cur = step(cur, Step::Key(key))?;
        while let Some(stripped) = rest.strip_prefix('[') {
            let close = stripped.find(']')?;
            let index: usize = stripped[..close].parse().ok()?;
            cur = step(cur, Step::Index(index))?;
            rest = &stripped[close + 1..];
        }
    }
    Some(cur)
}

/// A JSON value as text: a string unquoted, anything else in compact JSON.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resp<'a>(status: u16, headers: &'a HeaderMap, json: &'a Value) -> ErrorResponse<'a> {
        ErrorResponse::new(status, headers, Some(json), SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn paths_follow_objects_and_arrays() {
        let v = json!({"error": {"code": "x", "details": [{"n": 3}]}, "top": "s"});
        assert_eq!(lookup(&v, "error.code"), Some(&json!("x")));
        assert_eq!(lookup(&v, "error.details[0].n"), Some(&json!(3)));
        assert_eq!(lookup(&v, "error.details[1].n"), None);
        assert_eq!(lookup(&v, "top.x"), None);
        assert_eq!(lookup(&json!("bare"), "$"), Some(&json!("bare")));
    }

    #[test]
    fn typed_getters_tolerate_wrong_types() {
        let h = HeaderMap::new();
        let v = json!({"n": "42", "f": 2.0, "b": "true", "o": {"a": 1}, "bad": [1]});
        let r = resp(400, &h, &v);
        assert_eq!(r.body_integer(&["n"]), Some(42));
        assert_eq!(r.body_integer(&["f"]), Some(2));
        assert_eq!(r.body_integer(&["bad"]), None);
        assert_eq!(r.body_boolean(&["b"]), Some(true));
        assert_eq!(r.body_string(&["o"]).as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(r.body_string(&["missing", "n"]).as_deref(), Some("42"));
    }

    static CODE: &[&str] = &["error_code"];
    static RULES: &[ClassRule] = &[
        ClassRule {
            class: 1,
            statuses: &[(403, 403)],
            matchers: &[Matcher {
                source: Source::Body(CODE),
                test: Test::Equals("insufficient_scope"),
                ignore_case: false,
            }],
            fallback: false,
        },
        ClassRule {
            class: 2,
            statuses: &[(403, 403)],
            matchers: &[Matcher {
                source: Source::Header("x-ratelimit-remaining"),
                test: Test::Equals("0"),
                ignore_case: false,
            }],
            fallback: false,
        },
        ClassRule {
            class: 3,
            statuses: &[(500, 599)],
            matchers: &[],
            fallback: true,
        },
    ];

    #[test]
    fn classification_uses_status_code_and_headers() {
        let mut h = HeaderMap::new();
        let scope = json!({"error_code": "insufficient_scope"});
        let other = json!({"error_code": "nope"});
        assert_eq!(resp(403, &h, &scope).classify(RULES), Some(1));
        assert_eq!(resp(403, &h, &other).classify(RULES), None);
        h.insert("x-ratelimit-remaining", "0".parse().unwrap());
        assert_eq!(resp(403, &h, &other).classify(RULES), Some(2));
        assert_eq!(resp(503, &h, &other).classify(RULES), Some(3));
        assert_eq!(resp(404, &h, &other).classify(RULES), None);
    }

    #[test]
    fn case_insensitive_tests() {
        static MESSAGE: &[&str] = &["message"];
        fn m(test: Test, ignore_case: bool) -> Matcher {
            Matcher {
                source: Source::Body(MESSAGE),
                test,
                ignore_case,
            }
        }
        let h = HeaderMap::new();
        let v = json!({"message": "You have exceeded a SECONDARY Rate Limit."});
        let r = resp(403, &h, &v);
        assert!(r.matches(&m(Test::Contains("secondary rate limit"), true)));
        assert!(!r.matches(&m(Test::Contains("secondary rate limit"), false)));
        assert!(r.matches(&m(Test::EndsWith("rate limit."), true)));
        assert!(r.matches(&m(
            Test::OneOf(&["x", "you have exceeded a secondary rate limit."]),
            true
        )));
        assert!(!r.matches(&m(Test::Equals("you have"), true)));
    }
}
