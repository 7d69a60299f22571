//! Replaying cases: a fresh loopback server per case serving its responses in order, the
//! SDK call made against it under a paused clock, every request checked against the
//! expected one, then the typed outcome and the requests sent snapshotted.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use crate::cassette::{
    Call, Cassette, CassetteResponse, ClientOptions, ExpectedPart, ExpectedRequest, HeaderValues,
    API_KEY, API_KEY_PLACEHOLDER,
};
use crate::outcome::Outcome;
use crate::server::{Received, Reply, Server};

/// The future a generated dispatcher returns for one call.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Outcome, String>> + 'a>>;

/// A generated dispatcher: builds a client for the base URL and options, makes the call.
pub trait Dispatch: Fn(&str, &ClientOptions, &Call) -> CallFuture<'static> {}
impl<F: Fn(&str, &ClientOptions, &Call) -> CallFuture<'static>> Dispatch for F {}

/// What a case's snapshot holds.
#[derive(Debug, Serialize)]
pub struct Snapshot {
    /// What the SDK call returned.
    pub outcome: Outcome,
    /// Every request the SDK sent, redacted.
    pub requests: Vec<SentRequest>,
}

/// A request as sent, redacted and with its time relative to the first.
#[derive(Debug, Serialize)]
pub struct SentRequest {
    /// Milliseconds after the first request (the paused clock makes these exact).
    pub at_ms: u128,
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Query pairs, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// Headers, sorted, secrets replaced by placeholders; one sent twice is a list.
    pub headers: BTreeMap<String, HeaderValues>,
    /// The body: JSON as a value, anything else as text.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub body: Value,
}

/// The conformance directory (holding `cases/`, `cassettes/`, `snapshots/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The scripted replies of a cassette.
pub fn replies(responses: &[CassetteResponse]) -> Vec<Reply> {
    responses
        .iter()
        .map(|r| {
            if r.hang {
                return Reply::hang();
            }
            let mut reply = Reply::status(r.status);
            let mut has_type = false;
            for (n, v) in &r.headers {
                has_type |= n.eq_ignore_ascii_case("content-type");
                reply = reply.header(n, v);
            }
            if let Some(events) = &r.events {
                if !has_type {
                    reply = reply.header("content-type", "text/event-stream");
                }
                for e in events {
                    reply = reply.chunk(Duration::from_millis(e.delay_ms), e.wire());
                }
                return reply;
            }
            let body: Vec<u8> = match (&r.body, &r.text) {
                (Some(v), _) => {
                    if !has_type {
                        reply = reply.header("content-type", "application/json");
                    }
                    serde_json::to_vec(v).unwrap_or_default()
                }
                (None, Some(t)) => t.clone().into_bytes(),
                (None, None) => Vec::new(),
            };
            if r.gzip {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                // Writing to a Vec cannot fail.
                let _ = enc.write_all(&body);
                reply = reply
                    .header("content-encoding", "gzip")
                    .body(enc.finish().unwrap_or_default());
            } else {
                reply = reply.body(Bytes::from(body));
            }
            reply
        })
        .collect()
}

fn redact(s: &str) -> String {
    // Basic credentials are compared as the cassette writes them, decoded
    // (`Basic {{api_key}}:`): the key inside base64 is not text a placeholder could match.
    if let Some(encoded) = s.strip_prefix("Basic ") {
        use base64::Engine as _;
        if let Some(decoded) = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|d| d.contains(API_KEY))
        {
            return format!("Basic {}", decoded.replace(API_KEY, API_KEY_PLACEHOLDER));
        }
    }
    s.replace(API_KEY, API_KEY_PLACEHOLDER)
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(q) = query else { return Vec::new() };
    let url = format!("http://x/?{q}");
    let mut pairs: Vec<(String, String)> = sdkgen_runtime::reqwest::Url::parse(&url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs
}

/// The parts of a `multipart/form-data` body, read with the boundary its content type
/// names; `None` when it is not one.
pub fn multipart_parts(content_type: Option<&str>, body: &[u8]) -> Option<Vec<ExpectedPart>> {
    let ct = content_type?;
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return None;
    }
    let boundary = ct
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    let mut parts = Vec::new();
    for chunk in text.split(delimiter.as_str()).skip(1) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.strip_prefix("\r\n").unwrap_or(chunk);
        let (head, content) = chunk.split_once("\r\n\r\n")?;
        let content = content.strip_suffix("\r\n").unwrap_or(content);
        let mut part = ExpectedPart {
            name: String::new(),
            filename: None,
            content_type: None,
            text: redact(content),
        };
        for line in head.split("\r\n") {
            let (key, value) = line.split_once(':')?;
            match key.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    for attr in value.split(';').map(str::trim) {
                        let unquote = |v: &str| v.trim_matches('"').to_owned();
                        if let Some(v) = attr.strip_prefix("name=") {
                            part.name = unquote(v);
                        } else if let Some(v) = attr.strip_prefix("filename=") {
                            part.filename = Some(unquote(v));
                        }
                    }
                }
                "content-type" => part.content_type = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        parts.push(part);
    }
    Some(parts)
}

fn body_value(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(redact(&String::from_utf8_lossy(body))))
}

/// The received request in the shape of the expected one, for comparison and diffing.
fn as_expected(r: &Received, expected: &ExpectedRequest) -> ExpectedRequest {
    let headers = expected
        .headers
        .keys()
        .filter_map(|k| {
            let values = r
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| redact(v))
                .collect();
            Some((k.to_ascii_lowercase(), HeaderValues::from_values(values)?))
        })
        .collect();
    let (mut body, mut form, mut multipart) = (None, None, None);
    if expected.form.is_some() {
        let mut pairs = query_pairs(Some(&String::from_utf8_lossy(&r.body)));
        pairs.sort();
        form = Some(pairs);
    } else if expected.multipart.is_some() {
        multipart = Some(multipart_parts(r.header("content-type"), &r.body).unwrap_or_default());
    } else {
        let v = body_value(&r.body);
        body = (!v.is_null()).then_some(v);
    }
    ExpectedRequest {
        method: r.method.clone(),
        path: r.path.clone(),
        query: query_pairs(r.query.as_deref()),
        headers,
        body,
        form,
        multipart,
    }
}

fn normalized(e: &ExpectedRequest) -> ExpectedRequest {
    let mut e = e.clone();
    e.query.sort();
    if let Some(f) = &mut e.form {
        f.sort();
    }
    e.headers = e
        .headers
        .into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    e
}

fn yaml<T: Serialize>(v: &T) -> String {
    serde_yaml::to_string(v).unwrap_or_default()
}

/// A unified diff, expected first.
pub fn diff(expected: &str, actual: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .header("expected", "actual")
        .to_string()
}

/// [`replay`] on a runtime of its own under tokio's paused clock, as every case runs.
fn replay_paused(cassette: &Cassette, dispatch: &dyn Dispatch) -> Result<Snapshot, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| format!("no runtime: {e}"))?
        .block_on(replay(cassette, dispatch))
}

/// Replays one cassette. `Err` is a readable account of why the case fails.
pub async fn replay(cassette: &Cassette, dispatch: &dyn Dispatch) -> Result<Snapshot, String> {
    let server = Server::start(replies(&cassette.responses))
        .await
        .map_err(|e| format!("could not start the loopback server: {e}"))?;
    let outcome = dispatch(&server.url(), &cassette.client, &cassette.call).await?;
    let received = server.received();
    let base = normalized(&cassette.request);
    let mut problems = Vec::new();
    for (i, r) in received.iter().enumerate() {
        // Request i is answered by response i; a page of a list asks with its own query.
        let expected = match cassette.responses.get(i).and_then(|x| x.query.clone()) {
            Some(query) => normalized(&ExpectedRequest {
                query,
                ..base.clone()
            }),
            None => base.clone(),
        };
        let actual = as_expected(r, &expected);
        if !r.expected {
            problems.push(format!(
                "request {} was not expected: the cassette has {} response(s)\n{}",
                i + 1,
                cassette.responses.len(),
                diff("", &yaml(&actual))
            ));
        } else if actual != expected {
            problems.push(format!(
                "request {} does not match the expected request:\n{}",
                i + 1,
                diff(&yaml(&expected), &yaml(&actual))
            ));
        }
    }
    if server.unused() > 0 {
        problems.push(format!(
            "{} of {} response(s) were never requested (the SDK made {} request(s))",
            server.unused(),
            cassette.responses.len(),
            received.len()
        ));
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let first = received.first().map(|r| r.at);
    let requests = received
        .iter()
        .map(|r| SentRequest {
            at_ms: first.map_or(0, |f| (r.at - f).as_millis()),
            method: r.method.clone(),
            path: r.path.clone(),
            query: query_pairs(r.query.as_deref()),
            headers: {
                let mut all: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for (n, v) in &r.headers {
                    let v = if n == "host" {
                        "127.0.0.1:[port]".to_owned()
                    } else if n == "content-type" && v.starts_with("multipart/form-data") {
                        // The boundary is random per request.
                        "multipart/form-data; boundary=[boundary]".to_owned()
                    } else {
                        redact(v)
                    };
                    all.entry(n.clone()).or_default().push(v);
                }
                all.into_iter()
                    .filter_map(|(n, vs)| Some((n, HeaderValues::from_values(vs)?)))
                    .collect()
            },
            body: match multipart_parts(r.header("content-type"), &r.body) {
                Some(parts) => serde_json::to_value(parts).unwrap_or(Value::Null),
                None => body_value(&r.body),
            },
        })
        .collect();
    Ok(Snapshot { outcome, requests })
}

/// Checks that a case does what its coverage keys claim: a `class:X` case ends in an API
/// error of class X, an `endpoint:Y` case calls Y and succeeds, a retry case retries (or
/// does not) as its key says, on the trigger its key names. Keys are parsed whole: an
/// unknown key, or a trigger the case does not produce, is a broken claim. `first_alone` is
/// the outcome of the case's first response served alone with retries off, which tells
/// the class a recovered call first met (see [`needs_first_alone`]). Returns one line per
/// broken claim.
pub fn check_claims(
    cassette: &Cassette,
    outcome: &Outcome,
    first_alone: Option<&Outcome>,
) -> Vec<String> {
    use crate::outcome::Outcome as O;
    let facts = |o: &Outcome| match o {
        O::Ok(s) => (true, None, Vec::new(), "ok", None, s.attempts),
        O::Stream(s) => match &s.error {
            None => (true, None, Vec::new(), "ok", None, s.attempts),
            Some(f) => (
                false,
                f.class,
                f.ancestors.clone(),
                f.kind,
                f.status,
                s.attempts,
            ),
        },
        O::Error(f) => (
            false,
            f.class,
            f.ancestors.clone(),
            f.kind,
            f.status,
            f.attempts,
        ),
    };
    let (ok, class, ancestors, kind, status, attempts) = facts(outcome);
    let is_class = |class: Option<&str>, ancestors: &[&str], name: &str| {
        class == Some(name) || ancestors.contains(&name)
    };
    let first_status = cassette.responses.first().map(|r| r.status);
    let mut broken = Vec::new();
    for key in &cassette.covers {
        let holds = match parse_claim(key) {
            None => {
                broken.push(format!("claims `{key}`, which is not a coverage key"));
                continue;
            }
            Some(Claim::Class(c)) => class == Some(c),
            Some(Claim::Endpoint(e)) => ok && cassette.call.endpoint == e,
            Some(Claim::Pages(e)) => ok && cassette.call.pages && cassette.call.endpoint == e,
            Some(Claim::Stream { endpoint, error }) => {
                cassette.call.endpoint == endpoint
                    && matches!(outcome, O::Stream(s) if !s.events.is_empty()
                        && s.error.as_ref().map_or(!error, |f| error && f.kind == "api"))
            }
            Some(Claim::TimeoutExhausted) => kind == "timeout" && attempts >= 2,
            Some(Claim::NotRetried) => !ok && attempts == 1,
            Some(Claim::Retry { trigger, exhausted }) => {
                let met = if exhausted {
                    // The last answer is the trigger.
                    match trigger {
                        Trigger::Status(lo, hi) => status.is_some_and(|s| (lo..=hi).contains(&s)),
                        Trigger::Class(c) => is_class(class, &ancestors, c),
                    }
                } else {
                    // The first answer was the trigger.
                    match trigger {
                        Trigger::Status(lo, hi) => {
                            first_status.is_some_and(|s| (lo..=hi).contains(&s))
                        }
                        Trigger::Class(c) => first_alone.is_some_and(|o| {
                            let (_, class, ancestors, ..) = facts(o);
                            is_class(class, &ancestors, c)
                        }),
                    }
                };
                met && attempts >= 2 && ok != exhausted
            }
        };
        if !holds {
            broken.push(format!(
                "claims `{key}` but the call ended in {} after {attempts} attempt(s){}{}",
                if ok {
                    "success".to_owned()
                } else {
                    format!("a {kind} error")
                },
                class.map(|c| format!(" of class {c}")).unwrap_or_default(),
                first_status
                    .map(|s| format!(", its first response being HTTP {s}"))
                    .unwrap_or_default()
            ));
        }
    }
    broken
}

/// Whether [`check_claims`] needs the case's first response replayed alone.
pub fn needs_first_alone(cassette: &Cassette) -> bool {
    cassette.covers.iter().any(|k| {
        matches!(
            parse_claim(k),
            Some(Claim::Retry {
                trigger: Trigger::Class(_),
                exhausted: false
            })
        )
    })
}

/// The case's first response alone, with retries off: what the first attempt met.
pub fn first_alone(cassette: &Cassette) -> Cassette {
    let mut alone = cassette.clone();
    alone.responses.truncate(1);
    alone.client.max_retries = Some(0);
    alone
}

/// A coverage key, parsed.
enum Claim<'a> {
    Class(&'a str),
    Endpoint(&'a str),
    /// Every page of a list read to its end.
    Pages(&'a str),
    /// A streamed response read to its end (`stream:`), or ended by an error event after
    /// at least one event (`stream-error:`).
    Stream {
        endpoint: &'a str,
        error: bool,
    },
    TimeoutExhausted,
    /// `retry:not-retried` and `retry:non-idempotent`: one attempt, then an error.
    NotRetried,
    Retry {
        trigger: Trigger<'a>,
        exhausted: bool,
    },
}

enum Trigger<'a> {
    Status(u16, u16),
    Class(&'a str),
}

fn parse_claim(key: &str) -> Option<Claim<'_>> {
    if let Some(c) = key.strip_prefix("class:") {
        return (!c.is_empty()).then_some(Claim::Class(c));
    }
    if let Some(e) = key.strip_prefix("endpoint:") {
        return (!e.is_empty()).then_some(Claim::Endpoint(e));
    }
    if let Some(e) = key.strip_prefix("pages:") {
        return (!e.is_empty()).then_some(Claim::Pages(e));
    }
    for (prefix, error) in [("stream:", false), ("stream-error:", true)] {
        if let Some(endpoint) = key.strip_prefix(prefix) {
            return (!endpoint.is_empty()).then_some(Claim::Stream { endpoint, error });
        }
    }
    match key {
        "retry:timeout:exhausted" => return Some(Claim::TimeoutExhausted),
        "retry:not-retried" | "retry:non-idempotent" => return Some(Claim::NotRetried),
        _ => {}
    }
    let rest = key.strip_prefix("retry:")?;
    let (trigger, end) = rest.rsplit_once(':')?;
    let exhausted = match end {
        "exhausted" => true,
        "recovered" => false,
        _ => return None,
    };
    let trigger = if let Some(c) = trigger.strip_prefix("class:") {
        Trigger::Class(c)
    } else {
        let (lo, hi) = status_range(trigger.strip_prefix("status:")?)?;
        Trigger::Status(lo, hi)
    };
    Some(Claim::Retry { trigger, exhausted })
}

/// `429`, `5xx` or `500-504` as an inclusive range.
fn status_range(text: &str) -> Option<(u16, u16)> {
    if let Some((lo, hi)) = text.split_once('-') {
        return Some((lo.parse().ok()?, hi.parse().ok()?));
    }
    if let Some(class) = text.strip_suffix("xx") {
        let c: u16 = class.parse().ok()?;
        return (1..=5).contains(&c).then_some((c * 100, c * 100 + 99));
    }
    let s: u16 = text.parse().ok()?;
    Some((s, s))
}

/// Header names whose values are secrets: in a cassette or snapshot they may only hold a
/// placeholder.
const SECRET_HEADERS: [&str; 6] = [
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "cookie",
    "set-cookie",
];

/// Finds secrets in a cassette or snapshot: the harness key in any form (as is,
/// percent-encoded, JSON-escaped, base64, masked), or a credential header whose value is
/// not a placeholder. Returns one line per finding.
pub fn scan_secrets(path: &Path, text: &str) -> Vec<String> {
    scan_secrets_of(path, text, API_KEY)
}

/// [`scan_secrets`] for another key (record mode's live key).
pub fn scan_secrets_of(path: &Path, text: &str, key: &str) -> Vec<String> {
    let forms = sdkgen_runtime::Redactor::new(key, []);
    let mut found = Vec::new();
    // The indent of the body (or other JSON value) the lines are in: a field there may be
    // called `authorization` and hold anything; a header of that name may not.
    let mut value_at: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let at = format!("{}:{}", path.display(), i + 1);
        if forms.finds_with_masks(line) {
            found.push(format!("{at}: contains the API key (in some encoding)"));
        }
        let indent = line.len() - line.trim_start().len();
        if !line.trim().is_empty() && value_at.is_some_and(|h| indent <= h) {
            value_at = None;
        }
        let trimmed = line.trim_start().trim_start_matches("- ");
        if value_at.is_none() {
            let key = trimmed.split(':').next().unwrap_or("").trim();
            if [
                "body",
                "data",
                "params",
                "attributes",
                "events",
                "form",
                "multipart",
            ]
            .contains(&key)
            {
                value_at = Some(indent);
                continue;
            }
        } else {
            continue;
        }
        if let Some((key, value)) = trimmed.split_once(':') {
            let key = key.trim().trim_matches('"').to_ascii_lowercase();
            let value = value.trim().trim_matches('"');
            let placeholder = value.contains(API_KEY_PLACEHOLDER)
                || value.contains("[redacted]")
                || value.is_empty();
            if SECRET_HEADERS.contains(&key.as_str()) && !placeholder {
                found.push(format!(
                    "{at}: `{key}` holds a value that is not a placeholder"
                ));
            }
        }
    }
    found
}

/// The coverage gate: every key the spec requires must be claimed by some case.
pub fn missing_coverage(api: &str, required: &[&str], covered: &BTreeSet<String>) -> Vec<String> {
    required
        .iter()
        .filter(|k| !covered.contains(**k))
        .map(|key| {
            format!(
                "coverage: `{key}` has no case in conformance/cases/{api}/ or conformance/cassettes/{api}/ \
                 (run `cargo xtask codegen` to restore the spec's cases)"
            )
        })
        .collect()
}

/// Records a failure and prints it at once: a snapshot mismatch in the same run makes
/// `glob!` panic before the final report.
fn report(failures: &mut Vec<String>, failure: String) {
    eprintln!("conformance failure: {failure}\n");
    failures.push(failure);
}

fn yaml_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.to_string_lossy().ends_with(ext))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs every case and cassette of an API with the generated dispatcher, with the gates:
/// coverage of `required`, no secrets on disk, no unreferenced snapshots. Panics once at
/// the end with every failing case named.
pub fn run_all(api: &str, required: &[&str], dispatch: &dyn Dispatch) {
    let root = root();
    let cases_dir = root.join("cases").join(api);
    let cassettes_dir = root.join("cassettes").join(api);
    let snapshots_dir = root.join("snapshots").join(api);
    let mut failures: Vec<String> = Vec::new();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut expected_snapshots: BTreeSet<String> = BTreeSet::new();

    for (kind, dir) in [("case", &cases_dir), ("cassette", &cassettes_dir)] {
        let pattern = format!(
            "{}/{api}/*.yaml",
            if kind == "case" { "cases" } else { "cassettes" }
        );
        let files = yaml_files(dir, ".yaml");
        for f in &files {
            let name = f
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            expected_snapshots.insert(format!("{kind}@{name}.snap"));
        }
        if files.is_empty() {
            continue;
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(snapshots_dir.clone());
        settings.set_prepend_module_to_snapshot(false);
        settings.set_sort_maps(true);
        settings.bind(|| {
            insta::glob!("..", &pattern, |path| {
                let label = path
                    .strip_prefix(&root)
                    .unwrap_or(path)
                    .display()
                    .to_string();
                let text = match std::fs::read_to_string(path) {
                    Ok(t) => t,
                    Err(e) => return report(&mut failures, format!("{label}: {e}")),
                };
                for s in scan_secrets(path, &text) {
                    report(&mut failures, s);
                }
                let cassette = match Cassette::from_yaml(&text) {
                    Ok(c) => c,
                    Err(e) => {
                        return report(&mut failures, format!("{label}: not a valid cassette: {e}"))
                    }
                };
                covered.extend(cassette.covers.iter().cloned());
                match replay_paused(&cassette, dispatch) {
                    Ok(s) => {
                        let alone = needs_first_alone(&cassette)
                            .then(|| replay_paused(&first_alone(&cassette), dispatch));
                        let alone = match alone.transpose() {
                            Ok(a) => a.map(|a| a.outcome),
                            Err(e) => {
                                report(
                                    &mut failures,
                                    format!("{label}: first response alone: {e}"),
                                );
                                None
                            }
                        };
                        for broken in check_claims(&cassette, &s.outcome, alone.as_ref()) {
                            report(&mut failures, format!("{label}: {broken}"));
                        }
                        insta::assert_yaml_snapshot!(kind, s);
                    }
                    Err(e) => report(&mut failures, format!("{label}: {e}")),
                }
            });
        });
    }

    failures.extend(missing_coverage(api, required, &covered));
    for snap in yaml_files(&snapshots_dir, ".snap") {
        let name = snap
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if let Ok(text) = std::fs::read_to_string(&snap) {
            failures.extend(scan_secrets(&snap, &text));
        }
        if !expected_snapshots.contains(&name) {
            failures.push(format!(
                "{}: unreferenced snapshot (its case is gone); delete it",
                snap.strip_prefix(&root).unwrap_or(&snap).display()
            ));
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} conformance failure(s) for {api}:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}
