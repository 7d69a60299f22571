//! Docs drift: the facts a vendor's docs page states that a spec does not hold.
//!
//! A page is read as plain text, as copied from a browser (table cells may run together:
//! `required_scopestr | NoneScope that was missing.`). Each kind of fact has its own
//! extractor; every fact found is checked against the resolved model. The extractors lean
//! to precision: a page that matches its spec must report nothing.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;

use crate::model::{Api, Shape, Source};

/// One fact of the page the spec does not hold.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Missing {
    /// 1-based line of the page where the fact stands.
    pub line: usize,
    /// What kind of fact: `error class`, `status`, `attribute`, `header`, `limit`,
    /// `quota`, `lifecycle state`, `endpoint`.
    pub kind: &'static str,
    /// The fact, e.g. `AuthorizationError` or `AuthorizationError 403`.
    pub fact: String,
    /// Why it counts as missing.
    pub detail: String,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: {} `{}`: {}",
            self.line, self.kind, self.fact, self.detail
        )
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    // The patterns are literals of this module, and the unit tests compile every one.
    cell.get_or_init(|| Regex::new(pattern).expect("a valid literal pattern"))
}

/// CamelCase words of two or more humps that read as class names, not inside a
/// hyphenated header name.
fn class_names(line: &str) -> Vec<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"(?:^|[^A-Za-z0-9_\-.])([A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+)(?:$|[^A-Za-z0-9_\-])",
    );
    r.captures_iter(line).map(|c| c[1].to_owned()).collect()
}

/// Capitalised hyphenated header names (`Retry-After`, `X-RateLimit-Limit`).
fn header_names(line: &str) -> Vec<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"\b((?:X-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)|(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)+))\b",
    );
    r.captures_iter(line).map(|c| c[1].to_owned()).collect()
}

fn statuses(line: &str) -> Vec<u16> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(&R, r"(?:^|[^0-9.])([45][0-9]{2})(?:$|[^0-9.])");
    r.captures_iter(line)
        .filter_map(|c| c[1].parse().ok())
        .collect()
}

/// `METHOD /path` pairs.
fn method_paths(line: &str) -> Vec<(String, String)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[A-Za-z0-9_\-./{}:]+)",
    );
    r.captures_iter(line)
        .map(|c| (c[1].to_owned(), c[2].trim_end_matches('.').to_owned()))
        .collect()
}

/// Bare API paths, e.g. `(/interest/express)`.
fn bare_paths(line: &str) -> Vec<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(&R, r"(?:^|[\s(`])(/[a-z0-9_\-]+(?:/[a-z0-9_\-{}]+)*)");
    r.captures_iter(line).map(|c| c[1].to_owned()).collect()
}

/// SDK calls such as `client.orgs.create(` or `client.status(`.
fn sdk_calls(line: &str) -> Vec<String> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(&R, r"\bclient\.([a-z_]+(?:\.[a-z_]+)*)\(");
    r.captures_iter(line).map(|c| c[1].to_owned()).collect()
}

/// An attribute table row: `name` then its type, with or without separators.
fn attribute_row(line: &str) -> Option<String> {
    static SQUASHED: OnceLock<Regex> = OnceLock::new();
    static TABLE: OnceLock<Regex> = OnceLock::new();
    let squashed = re(
        &SQUASHED,
        r"^([a-z][a-z0-9_]*?)(?:str|int|float|bool|dict|list|datetime|httpx\.Response|Any)(?:\s*\||\s*$|[A-Z])",
    );
    let table = re(
        &TABLE,
        r"^\|?\s*`?([a-z][a-z0-9_]*)`?\s*[|\t]\s*`?(?:str|int|float|bool|dict|list|datetime|string|integer|number|boolean)",
    );
    let l = line.trim();
    table
        .captures(l)
        .or_else(|| squashed.captures(l))
        .map(|c| c[1].to_owned())
}

/// Snake-case quota names before an endpoint, e.g. `memory_write_limitPOST /v1/memory/store`.
fn quota_rows(line: &str) -> Vec<(String, String, String)> {
    static R: OnceLock<Regex> = OnceLock::new();
    let r = re(
        &R,
        r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+?)\s*\|?\s*`?(GET|POST|PUT|PATCH|DELETE)\s+(/[A-Za-z0-9_\-./{}:]+)",
    );
    r.captures_iter(line)
        .map(|c| (c[1].to_owned(), c[2].to_owned(), c[3].to_owned()))
        .collect()
}

/// Numbers stated as rate limits: `30 requests / minute`, `15 requests`, `>30 RPM`,
/// `(15 vs 30)` in a line about bursts.
fn limit_numbers(line: &str) -> Vec<u64> {
    static R: OnceLock<Regex> = OnceLock::new();
    static VS: OnceLock<Regex> = OnceLock::new();
    let r = re(&R, r"(?i)\b([0-9]+)\s*(?:requests?\b|rpm\b|req/min)");
    let vs = re(&VS, r"\(([0-9]+)\s+vs\.?\s+([0-9]+)\)");
    let mut out: Vec<u64> = r
        .captures_iter(line)
        .filter_map(|c| c[1].parse().ok())
        .collect();
    for c in vs.captures_iter(line) {
        out.extend([&c[1], &c[2]].iter().filter_map(|n| n.parse::<u64>().ok()));
    }
    out
}

/// Snake-case words and quoted strings of a line.
fn state_words(line: &str) -> Vec<String> {
    static SNAKE: OnceLock<Regex> = OnceLock::new();
    static QUOTED: OnceLock<Regex> = OnceLock::new();
    let snake = re(&SNAKE, r"\b([a-z]+(?:_[a-z]+)+)\b");
    let quoted = re(&QUOTED, r#"["“`]([a-z][a-z_]*)["”`]"#);
    snake
        .captures_iter(line)
        .chain(quoted.captures_iter(line))
        .map(|c| c[1].to_owned())
        .collect()
}

/// Paths compare with their placeholders normalised (`{id}`, `:id`).
fn norm_path(p: &str) -> String {
    p.split('/')
        .map(|seg| {
            if seg.starts_with('{') || seg.starts_with(':') {
                "{}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every header name the spec mentions anywhere, lowercase.
fn spec_headers(api: &Api) -> BTreeSet<String> {
    let mut h = BTreeSet::new();
    let mut add = |s: &str| {
        h.insert(s.to_ascii_lowercase());
    };
    api.fixed_headers.iter().for_each(|x| add(&x.name));
    if let Some(x) = &api.request_id_header {
        add(x);
    }
    if let Some(x) = &api.auth.header {
        add(x);
    }
    api.retry.retry_after.iter().for_each(|(x, _)| add(x));
    if let Some(x) = &api.retry.should_retry_header {
        add(x);
    }
    if let Some(x) = &api.retry.key_header {
        add(x);
    }
    for f in &api.rate_limits.families {
        for (x, _) in [&f.limit, &f.remaining, &f.reset, &f.used]
            .into_iter()
            .flatten()
        {
            add(x);
        }
    }
    for c in &api.errors.classes {
        for a in &c.attributes {
            if let Source::Header(x) = &a.source {
                add(x);
            }
        }
        for m in c
            .matchers
            .iter()
            .chain(c.alternatives.iter().flat_map(|a| &a.matchers))
        {
            if let Source::Header(x) = &m.source {
                add(x);
            }
        }
    }
    for e in &api.endpoints {
        for p in &e.params {
            if p.location == crate::spec::ParamLocation::Header {
                add(&p.spec_name);
            }
        }
    }
    h
}

/// The facts of `page` that `api` does not hold, in page order.
pub fn drift(api: &Api, page: &str) -> Vec<Missing> {
    let e = &api.errors;
    let mut fixed: Vec<&str> = vec![
        &e.root.spec_name,
        &e.connection.spec_name,
        &e.api.spec_name,
        &e.decode.spec_name,
    ];
    if let Some(t) = &e.timeout {
        fixed.push(&t.spec_name);
    }
    let class = |name: &str| e.classes.iter().find(|c| c.spec_name == name);
    let is_class = |name: &str| class(name).is_some() || fixed.contains(&name);
    // Words that end like class names; other CamelCase words (product names) are ignored.
    let looks_like_class = |w: &str| {
        [
            "Error",
            "Exception",
            "Exceeded",
            "Reached",
            "Available",
            "Denied",
            "Failed",
            "Invalid",
            "Required",
            "Allowed",
        ]
        .iter()
        .any(|s| w.ends_with(s))
    };
    // The API base's own attributes are fields of every API error.
    const BASE_ATTRIBUTES: [&str; 5] = ["status_code", "detail", "error_code", "response", "code"];
    let headers = spec_headers(api);
    let limits: BTreeSet<u64> = api
        .rate_limits
        .buckets
        .iter()
        .flat_map(|b| {
            // A whole refill count is a number the docs state.
            let count = b
                .refill
                .map(|(c, _, _)| c)
                .filter(|c| c.fract() == 0.0 && *c >= 0.0)
                .map(|c| c as u64);
            [count, b.burst]
        })
        .chain(api.rate_limits.quotas.iter().map(|q| q.limit))
        .flatten()
        .collect();
    let lifecycle = api.rate_limits.lifecycle.as_ref().map(|lc| {
        let values: BTreeSet<String> = match &api.models[lc.model].shape {
            Shape::Enum { values, .. } => values.iter().map(|v| v.wire.clone()).collect(),
            Shape::Struct(_) | Shape::Union { .. } => BTreeSet::new(),
        };
        (lc.field_spec_name.clone(), values)
    });
    let known_words: BTreeSet<String> = api
        .endpoints
        .iter()
        .map(|x| x.spec_name.clone())
        .chain(api.rate_limits.quotas.iter().map(|q| q.name.clone()))
        .collect();

    let mut out = Vec::new();
    let mut push = |line: usize, kind: &'static str, fact: String, detail: String| {
        out.push(Missing {
            line,
            kind,
            fact,
            detail,
        });
    };
    let mut section: Option<String> = None;
    for (i, raw) in page.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let names = class_names(line);
        // A line that is only a class name (and maybe its status) starts its section.
        if let Some(first) = names.first().filter(|w| looks_like_class(w) || is_class(w)) {
            let rest = line.trim_start_matches(first.as_str()).trim();
            if rest.is_empty() || rest.starts_with('(') {
                section = Some(first.clone());
            }
        }
        for w in names.iter().filter(|w| looks_like_class(w) || is_class(w)) {
            if !is_class(w) {
                push(
                    n,
                    "error class",
                    w.clone(),
                    "no error class of that name".into(),
                );
                continue;
            }
            // Statuses on the class's own line: `Name (403)` or `Name   # 403 — ...`.
            if let Some(c) = class(w) {
                for s in statuses(line) {
                    if !c.statuses.iter().any(|r| r.lo <= s && s <= r.hi) {
                        let have: Vec<String> = c.statuses.iter().map(|r| r.to_string()).collect();
                        push(
                            n,
                            "status",
                            format!("{w} {s}"),
                            format!(
                                "the spec raises `{w}` for {}",
                                if have.is_empty() {
                                    "no status".into()
                                } else {
                                    have.join(", ")
                                }
                            ),
                        );
                    }
                }
            }
        }
        if let (Some(attr), Some(sec)) = (attribute_row(line), &section) {
            // Every class of the hierarchy carries the API base's own attributes.
            let inherited = is_class(sec) && BASE_ATTRIBUTES.contains(&attr.as_str());
            let declared =
                class(sec).is_some_and(|c| c.attributes.iter().any(|a| a.spec_name == attr));
            if !(inherited || declared) {
                push(
                    n,
                    "attribute",
                    format!("{sec}.{attr}"),
                    format!("`{sec}` has no attribute `{attr}` in the spec"),
                );
            }
        }
        for h in header_names(line) {
            if !headers.contains(&h.to_ascii_lowercase()) {
                push(n, "header", h, "no header of that name in the spec".into());
            }
        }
        for v in limit_numbers(line) {
            if !limits.contains(&v) {
                push(
                    n,
                    "limit",
                    v.to_string(),
                    "no bucket or quota in the spec has this number".into(),
                );
            }
        }
        let quota_rows = quota_rows(line);
        for (q, method, path) in &quota_rows {
            match api.rate_limits.quotas.iter().find(|x| x.name == *q) {
                None => push(
                    n,
                    "quota",
                    q.clone(),
                    "no quota of that name in the spec".into(),
                ),
                Some(quota) => {
                    let metered = api.endpoints.iter().any(|e| {
                        e.http_method == *method
                            && norm_path(&e.path) == norm_path(path)
                            && quota.endpoints.contains(&e.spec_name)
                    });
                    if !metered {
                        push(
                            n,
                            "quota",
                            format!("{q} {method} {path}"),
                            format!("the spec does not meter `{method} {path}` with `{q}`"),
                        );
                    }
                }
            }
        }
        for (method, path) in method_paths(line) {
            let found = api
                .endpoints
                .iter()
                .any(|e| e.http_method == method && norm_path(&e.path) == norm_path(&path));
            if !found {
                push(
                    n,
                    "endpoint",
                    format!("{method} {path}"),
                    "no endpoint with this method and path".into(),
                );
            }
        }
        for path in bare_paths(line) {
            let found = api
                .endpoints
                .iter()
                .any(|e| norm_path(&e.path) == norm_path(&path));
            let in_method_pair = line.contains(&format!(" {path}"))
                && method_paths(line).iter().any(|(_, p)| *p == path);
            if !found && !in_method_pair && path.len() > 1 {
                push(n, "endpoint", path, "no endpoint with this path".into());
            }
        }
        for call in sdk_calls(line) {
            if !api.endpoints.iter().any(|e| e.spec_name == call) {
                push(n, "endpoint", call, "no endpoint of that name".into());
            }
        }
        if let Some((field, values)) = &lifecycle {
            if line.contains(field.as_str()) {
                for w in state_words(line) {
                    if w != *field && !values.contains(&w) && !known_words.contains(&w) {
                        push(
                            n,
                            "lifecycle state",
                            w,
                            format!("`{field}` has no such value in the spec"),
                        );
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A docs page saved as HTML, as the lines a reader sees: headings, paragraphs and list
/// items one line each (whitespace collapsed), code blocks line by line as written, and
/// each table row as `| cell | cell |`, so [`drift`] reads it as it reads a text copy.
/// Parsed by html5ever (through `scraper`), as a browser would; scripts, styles and
/// navigation are left out.
pub fn html_text(html: &str) -> String {
    use scraper::{ElementRef, Html, Node};
    fn collapse(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
    fn text_of(e: ElementRef<'_>) -> String {
        collapse(&e.text().collect::<String>())
    }
    fn walk(e: ElementRef<'_>, out: &mut Vec<String>, depth: usize) {
        // Bounded however deep a hostile page nests.
        if depth > 256 {
            return;
        }
        match e.value().name() {
            "script" | "style" | "head" | "nav" | "template" | "noscript" => {}
            "pre" => {
                out.extend(e.text().collect::<String>().lines().map(str::to_owned));
                out.push(String::new());
            }
            "tr" => {
                let cells: Vec<String> = e
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|c| matches!(c.value().name(), "td" | "th"))
                    .map(text_of)
                    .collect();
                out.push(format!("| {} |", cells.join(" | ")));
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "p" | "li" | "dt" | "dd" | "caption"
            | "figcaption" | "summary" => {
                let t = text_of(e);
                if !t.is_empty() {
                    out.push(t);
                }
                if e.value().name().starts_with('h') || e.value().name() == "p" {
                    out.push(String::new());
                }
            }
            _ => {
                for child in e.children() {
                    match child.value() {
                        Node::Text(t) => {
                            let t = collapse(t);
                            if !t.is_empty() {
                                out.push(t);
                            }
                        }
                        Node::Element(_) => {
                            if let Some(c) = ElementRef::wrap(child) {
                                walk(c, out, depth + 1);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    let doc = Html::parse_document(html);
    let mut out = Vec::new();
    walk(doc.root_element(), &mut out, 0);
    let mut text = String::new();
    for line in out {
        // At most one blank line in a row.
        if line.is_empty() && (text.is_empty() || text.ends_with("\n\n")) {
            continue;
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// Whether a saved page is HTML (by its name, else by its first tag).
pub fn is_html(name: &str, text: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".html")
        || lower.ends_with(".htm")
        || text.trim_start().get(..15).is_some_and(|h| {
            let h = h.to_ascii_lowercase();
            h.starts_with("<!doctype html") || h.starts_with("<html")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extractors() {
        assert_eq!(
            class_names("├── AuthorizationError      # 403 — key lacks scope"),
            ["AuthorizationError"]
        );
        assert!(class_names("X-RateLimit-Limit: 30").is_empty());
        assert_eq!(
            header_names("X-RateLimit-Limit: 30 and Retry-After: 3"),
            ["X-RateLimit-Limit", "Retry-After"]
        );
        assert!(header_names("A Redis-backed bucket, per-API key").is_empty());
        assert_eq!(
            statuses("AuthorizationError (403) and 4030 and 1.403"),
            [403]
        );
        assert_eq!(
            attribute_row("required_scopestr | NoneScope that was missing.").as_deref(),
            Some("required_scope")
        );
        assert_eq!(
            attribute_row("limitint | NoneOrg limit for your tier.").as_deref(),
            Some("limit")
        );
        assert_eq!(
            attribute_row("| `retry_after` | float | Seconds |").as_deref(),
            Some("retry_after")
        );
        assert_eq!(attribute_row("Raised when the SDK cannot reach"), None);
        assert_eq!(attribute_row(r#"print(f"Plan quota exhausted")"#), None);
        assert_eq!(
            attribute_row("responsehttpx.ResponseRaw response.").as_deref(),
            Some("response")
        );
        assert_eq!(
            quota_rows("memory_write_limitPOST /v1/memory/store"),
            [(
                "memory_write_limit".to_owned(),
                "POST".to_owned(),
                "/v1/memory/store".to_owned()
            )]
        );
        assert_eq!(
            limit_numbers("Refill rate (rpm_limit)30 requests / minuteYes"),
            [30]
        );
        assert_eq!(limit_numbers("smaller than RPM (15 vs 30) so"), [15, 30]);
        assert_eq!(
            bare_paths("API path to express interest (/interest/express)."),
            ["/interest/express"]
        );
        assert!(bare_paths("30 requests / minute").is_empty());
        assert_eq!(
            sdk_calls("Raised by client.orgs.create() when"),
            ["orgs.create"]
        );
        assert_eq!(
            state_words(r#"if status.workspace_status == "limit_reached":"#),
            ["workspace_status", "limit_reached", "limit_reached"]
        );
        assert_eq!(norm_path("/v1/orgs/:id"), norm_path("/v1/orgs/{org_id}"));
    }
}
