//! The small languages inside spec strings: durations, statuses, type expressions, body paths.
//!
//! `check` calls these to report bad input; `model` calls them again on input `check` has
//! accepted, so they are pure and cheap.

use std::time::Duration;

use crate::spec::{StatusItem, Statuses};

/// A refill rate as docs state it, `<count>/<unit>`: `5000/hour`, `30/minute`, `0.5/second`.
/// Returns the count, the unit's name and the rate per second.
pub fn rate(text: &str) -> Result<(f64, &'static str, f64), String> {
    let bad = || {
        format!("`{text}` is not a rate; write it like `5000/hour`, `30/minute` or `0.5/second`")
    };
    let (count, unit) = text.split_once('/').ok_or_else(bad)?;
    let count: f64 = count.trim().parse().map_err(|_| bad())?;
    let (unit, seconds) = match unit.trim() {
        "second" | "s" => ("second", 1.0),
        "minute" | "min" | "m" => ("minute", 60.0),
        "hour" | "h" => ("hour", 3600.0),
        "day" | "d" => ("day", 86400.0),
        _ => return Err(bad()),
    };
    if !(count.is_finite() && count > 0.0) {
        return Err(format!("rate `{text}` must be more than zero"));
    }
    Ok((count, unit, count / seconds))
}

/// The `response` of an endpoint whose success body is a download, streamed as bytes.
pub const DOWNLOAD: &str = "bytes";

/// An inclusive range of HTTP statuses; a single status is `lo == hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatusRange {
    /// Lowest status in the range.
    pub lo: u16,
    /// Highest status in the range.
    pub hi: u16,
}

impl StatusRange {
    /// Whether two ranges share a status.
    pub fn overlaps(&self, other: &StatusRange) -> bool {
        self.lo <= other.hi && other.lo <= self.hi
    }

    /// The first status both ranges hold, for messages.
    pub fn first_shared(&self, other: &StatusRange) -> u16 {
        self.lo.max(other.lo)
    }
}

impl std::fmt::Display for StatusRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.lo == self.hi {
            write!(f, "{}", self.lo)
        } else if self.lo % 100 == 0 && self.hi == self.lo + 99 {
            write!(f, "{}xx", self.lo / 100)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

/// Parses every item of a status list; the error names the first bad item.
pub fn statuses(s: &Statuses) -> Result<Vec<StatusRange>, String> {
    s.items().iter().map(status_item).collect()
}

fn status_item(item: &StatusItem) -> Result<StatusRange, String> {
    match item {
        StatusItem::Code(c) => {
            let code = status_code(*c)?;
            Ok(StatusRange { lo: code, hi: code })
        }
        StatusItem::Pattern(p) => status_pattern(p),
    }
}

fn status_code(c: i64) -> Result<u16, String> {
    if (100..=599).contains(&c) {
        Ok(c as u16)
    } else {
        Err(format!("status `{c}` is not an HTTP status (100 to 599)"))
    }
}

fn status_pattern(p: &str) -> Result<StatusRange, String> {
    let t = p.trim();
    let bad =
        || format!("status `{p}` is not a status, a class like `5xx` or a range like `500-504`");
    if let Some(d) = t.strip_suffix("xx").or_else(|| t.strip_suffix("XX")) {
        let d: i64 = d.parse().map_err(|_| bad())?;
        let lo = status_code(d * 100)?;
        return Ok(StatusRange { lo, hi: lo + 99 });
    }
    if let Some((a, b)) = t.split_once('-') {
        let lo = status_code(a.trim().parse().map_err(|_| bad())?)?;
        let hi = status_code(b.trim().parse().map_err(|_| bad())?)?;
        if lo > hi {
            return Err(format!("status range `{p}` runs backwards"));
        }
        return Ok(StatusRange { lo, hi });
    }
    let code = status_code(t.parse().map_err(|_| bad())?)?;
    Ok(StatusRange { lo: code, hi: code })
}

/// Parses a spec duration such as `500ms`, `8s`, `2m` or `1h 30m`.
pub fn duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("`{s}` is not a duration ({e}); write it like `500ms`, `8s` or `2m`"))
}

/// A type expression of a model field or parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    /// UTF-8 text.
    String,
    /// A 64-bit signed integer.
    Integer,
    /// A 64-bit float.
    Number,
    /// A boolean.
    Boolean,
    /// An RFC 3339 timestamp, kept as written.
    Timestamp,
    /// Any JSON value.
    Json,
    /// A file to upload (a field of a `multipart` body).
    File,
    /// A list of the inner type.
    List(Box<TypeExpr>),
    /// A map from strings to the inner type.
    Map(Box<TypeExpr>),
    /// A model, by name.
    Named(String),
}

impl TypeExpr {
    /// Parses `string`, `list<Foo>`, `map<integer>`, `Foo`, ...
    pub fn parse(s: &str) -> Result<TypeExpr, String> {
        let t = s.trim();
        let inner = |prefix: &str| {
            t.strip_prefix(prefix)
                .and_then(|r| r.strip_suffix('>'))
                .map(TypeExpr::parse)
        };
        if let Some(r) = inner("list<") {
            return Ok(TypeExpr::List(Box::new(r?)));
        }
        if let Some(r) = inner("map<") {
            return Ok(TypeExpr::Map(Box::new(r?)));
        }
        Ok(match t {
            "string" => TypeExpr::String,
            "integer" => TypeExpr::Integer,
            "number" => TypeExpr::Number,
            "boolean" => TypeExpr::Boolean,
            "timestamp" => TypeExpr::Timestamp,
            "json" => TypeExpr::Json,
            "file" => TypeExpr::File,
            _ if is_model_name(t) => TypeExpr::Named(t.to_owned()),
            _ => {
                return Err(format!(
                    "`{s}` is not a type; use string, integer, number, boolean, timestamp, \
                     json, file, list<T>, map<T> or a model name"
                ))
            }
        })
    }

    /// Every model name the expression refers to.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeExpr::Named(n) => Some(n),
            TypeExpr::List(t) | TypeExpr::Map(t) => t.named(),
            _ => None,
        }
    }

    /// Whether a value of this type can be written into a path, query or header.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            TypeExpr::String | TypeExpr::Integer | TypeExpr::Number | TypeExpr::Boolean
        )
    }
}

fn is_model_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks a body path: `$`, or dot-separated keys each optionally followed by `[n]` indexes.
pub fn body_path(p: &str) -> Result<(), String> {
    if p == "$" {
        return Ok(());
    }
    let bad = || {
        format!("`{p}` is not a body path; write keys separated by dots, like `error.code` or `errors[0].message`, or `$` for the whole body")
    };
    if p.is_empty() {
        return Err(bad());
    }
    for segment in p.split('.') {
        let (key, rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(bad());
        }
        let mut rest = rest;
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(bad)?;
            let index = &rest[1..close];
            if index.is_empty() || !index.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(bad());
            }
        }
    }
    Ok(())
}

/// Follows a body path (`error.details[0].code`, `$`) into a JSON value, as the runtime
/// does when it reads a response.
pub fn lookup<'v>(root: &'v serde_json::Value, path: &str) -> Option<&'v serde_json::Value> {
    if path == "$" {
        return Some(root);
    }
    let mut cur = root;
    for segment in path.split('.') {
        let (key, mut rest) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        cur = cur.as_object()?.get(key)?;
        while let Some(stripped) = rest.strip_prefix('[') {
            let close = stripped.find(']')?;
            let index: usize = stripped[..close].parse().ok()?;
            cur = cur.as_array()?.get(index)?;
            rest = &stripped[close + 1..];
        }
    }
    Some(cur)
}

/// Checks an HTTP header name (an RFC 9110 token).
pub fn header_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` is not a valid HTTP header name"))
    }
}

/// The methods an endpoint may use.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The `{name}` placeholders of a path, in order.
pub fn path_placeholders(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("path `{path}` has a `{{` without its `}}`"))?;
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return Err(format!("path `{path}` has an empty or nested placeholder"));
        }
        out.push(name.to_owned());
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("path `{path}` has a `}}` without its `{{`"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_codes_classes_and_ranges() {
        let s: Statuses = serde_yaml::from_str("[429, 5xx, '500-504']").unwrap();
        assert_eq!(
            statuses(&s).unwrap(),
            vec![
                StatusRange { lo: 429, hi: 429 },
                StatusRange { lo: 500, hi: 599 },
                StatusRange { lo: 500, hi: 504 }
            ]
        );
        assert!(statuses(&Statuses::Code(700)).is_err());
        assert!(statuses(&Statuses::Pattern("504-500".into())).is_err());
        assert!(statuses(&Statuses::Pattern("6xx".into())).is_err());
    }

    #[test]
    fn type_expressions_nest() {
        assert_eq!(
            TypeExpr::parse("list<map<Foo>>").unwrap(),
            TypeExpr::List(Box::new(TypeExpr::Map(Box::new(TypeExpr::Named(
                "Foo".into()
            )))))
        );
        assert!(TypeExpr::parse("list<>").is_err());
        assert!(TypeExpr::parse("int eger").is_err());
    }

    #[test]
    fn body_paths() {
        for ok in ["$", "error.code", "errors[0].message", "a-b.c_d[1][2]"] {
            assert!(body_path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a..b", "a[x]", "a[1]b", ".a", "a b"] {
            assert!(body_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn placeholders() {
        assert_eq!(
            path_placeholders("/v1/orgs/{org_id}/keys/{key}").unwrap(),
            vec!["org_id", "key"]
        );
        assert!(path_placeholders("/v1/{open").is_err());
        assert!(path_placeholders("/v1/close}").is_err());
    }
}
