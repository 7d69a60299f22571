//! The spec as written: serde types that mirror the YAML one to one, nothing resolved.
//!
//! Every struct rejects unknown keys, so a typo in a spec is an error with a position rather
//! than a silently ignored line. Values that need cross-checking (durations, statuses, type
//! expressions, methods) are kept as the strings the author wrote; `check` validates them and
//! `model` resolves them.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

/// One API: a whole `spec/<api>.yaml` file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Identity of the API and of the generated crate.
    pub api: Api,
    /// The error envelope, the error hierarchy and the classification table.
    pub errors: Errors,
    /// Automatic retry behaviour. Absent means the SDK never retries.
    #[serde(default)]
    pub retry: Option<Retry>,
    /// Rate limits, quotas and the headers that report them.
    #[serde(default)]
    pub rate_limits: Option<RateLimits>,
    /// Every endpoint, in the order the reference documents them.
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
    /// Request and response models.
    #[serde(default)]
    pub models: Vec<Model>,
    /// Endpoints and models imported from an OpenAPI document, beside those above.
    #[serde(default)]
    pub openapi: Option<OpenApiImport>,
    /// What the import added and left out (not written in a spec).
    #[serde(skip)]
    pub import: Option<ImportReport>,
}

/// What an OpenAPI import did, for the generated crate's report.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// The document, as the spec names it.
    pub document: String,
    /// Index of the first imported endpoint in `endpoints`.
    pub first_endpoint: usize,
    /// Index of the first imported model in `models`.
    pub first_model: usize,
    /// Operations and component schemas the document has.
    pub present: (usize, usize),
    /// Operations left out, with the reason.
    pub excluded: Vec<(String, String)>,
    /// Shapes kept as raw JSON and renamed types, by JSON pointer.
    pub warnings: Vec<(String, String)>,
    /// The JSON pointer each imported endpoint comes from, in order.
    pub endpoint_origins: Vec<String>,
    /// The JSON pointer each imported model comes from, in order.
    pub model_origins: Vec<String>,
    /// Where each part of a document split across files came from: `(file, pointer)`.
    pub bundle_origins: Vec<(String, String)>,
}

/// Where endpoints and models come from an OpenAPI 3.0 or 3.1 document.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenApiImport {
    /// The document, relative to the spec file (YAML or JSON).
    pub document: String,
    /// How operations are grouped into namespaces: by their first `tag` (default), by the
    /// first segment of their path, or not at all.
    #[serde(default)]
    pub namespaces: Option<Namespaces>,
    /// Operations left out, each with the reason.
    #[serde(default)]
    pub exclude: Vec<Exclusion>,
    /// Settings of imported endpoints, by `operationId`: what the document cannot say
    /// (errors, idempotency, quota, pagination, streaming) or says otherwise (name, docs).
    #[serde(default)]
    pub overrides: BTreeMap<String, EndpointOverride>,
    /// Component schemas given another type (`json`, `string`, a model of the spec's own),
    /// by name: the way out for a schema the importer cannot type.
    #[serde(default)]
    pub types: BTreeMap<String, String>,
}

/// How imported operations are grouped into namespaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Namespaces {
    /// By the operation's first tag.
    #[default]
    Tag,
    /// By the first segment of the path.
    Path,
    /// No namespaces: every operation is a method of the client.
    None,
}

/// Operations to leave out: those matching every key given.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// An `operationId`.
    #[serde(default)]
    pub operation: Option<String>,
    /// A path, as the document writes it (`/v1/disks/{disk}`), or a prefix ending in `*`.
    #[serde(default)]
    pub path: Option<String>,
    /// A tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// Why it is left out (shown in the import report).
    pub reason: String,
}

impl Exclusion {
    /// Whether the operation `id` at `path` matches.
    pub fn matches(&self, id: &str, path: &str, op: &serde_json::Value) -> bool {
        let tag_ok = self.tag.as_ref().is_none_or(|t| {
            op.get("tags")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|tags| tags.iter().any(|x| x.as_str() == Some(t)))
        });
        let path_ok = self
            .path
            .as_ref()
            .is_none_or(|p| match p.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == p,
            });
        let op_ok = self.operation.as_ref().is_none_or(|o| o == id);
        (self.operation.is_some() || self.path.is_some() || self.tag.is_some())
            && tag_ok
            && path_ok
            && op_ok
    }

    /// The entry as written, for messages.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(o) = &self.operation {
            parts.push(format!("operation: {o}"));
        }
        if let Some(p) = &self.path {
            parts.push(format!("path: {p}"));
        }
        if let Some(t) = &self.tag {
            parts.push(format!("tag: {t}"));
        }
        format!("`{{{}}}`", parts.join(", "))
    }
}

/// What the spec says of an imported endpoint beyond (or instead of) the document.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointOverride {
    /// Its name (`namespace.method`).
    #[serde(default)]
    pub name: Option<String>,
    /// Its docs.
    #[serde(default)]
    pub docs: Option<String>,
    /// Safe to resend after it may have reached the server.
    #[serde(default)]
    pub idempotent: Option<bool>,
    /// The quota it draws on.
    #[serde(default)]
    pub quota: Option<String>,
    /// Exempt from quotas and lifecycle rejection.
    #[serde(default)]
    pub free: Option<bool>,
    /// Classes it is documented to raise.
    #[serde(default)]
    pub errors: Option<Vec<String>>,
    /// How it pages.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// Its event stream.
    #[serde(default)]
    pub stream: Option<EventStreamSpec>,
}

impl EndpointOverride {
    /// Applies what it sets.
    pub fn apply(&self, e: &mut Endpoint) {
        if let Some(v) = &self.name {
            e.name = v.clone();
        }
        if let Some(v) = &self.docs {
            e.docs = v.clone();
        }
        if let Some(v) = self.idempotent {
            e.idempotent = Some(v);
        }
        if let Some(v) = &self.quota {
            e.quota = Some(v.clone());
        }
        if let Some(v) = self.free {
            e.free = v;
        }
        if let Some(v) = &self.errors {
            e.errors = v.clone();
        }
        if let Some(v) = &self.pagination {
            e.pagination = Some(v.clone());
        }
        if let Some(v) = &self.stream {
            e.stream = Some(v.clone());
            // A stream without a flag is the whole response.
            if v.flag.is_none() {
                e.response = None;
            }
        }
    }
}

/// Identity of the API, its authentication and the headers every request carries.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Api {
    /// Display name of the API, e.g. `Memsy`.
    pub name: String,
    /// Name of the generated crate (and its directory under `generated/`), e.g. `memsy`.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// Version of the generated crate (semver).
    pub version: String,
    /// What the API is; becomes the crate's top-level documentation.
    pub docs: String,
    /// Default base URL, without a trailing slash.
    pub base_url: String,
    /// Environment variables the client reads when the builder is not told a value.
    #[serde(default)]
    pub env: Env,
    /// How the API key is sent: one scheme, or several of which the first configured (on
    /// the builder, then in the environment) wins.
    pub auth: AuthSpec,
    /// Headers sent with every request, such as an API-version header.
    #[serde(default)]
    pub headers: Vec<FixedHeader>,
    /// Name of the response header carrying the request id, e.g. `x-request-id`.
    #[serde(default)]
    pub request_id_header: Option<String>,
    /// Default timeout of one attempt, as the vendor documents it, e.g. `600s`. Default 60s.
    #[serde(default)]
    pub timeout: Option<String>,
    /// Default timeout for making the connection, e.g. `5s`. Default: none beyond `timeout`.
    #[serde(default)]
    pub connect_timeout: Option<String>,
    /// How the generated crate is published: crates.io metadata and whether it may be.
    #[serde(default)]
    pub package: Package,
    /// The vendor's docs pages the spec is written from: where each is published, and a
    /// saved copy (HTML or text) that `cargo xtask docs-drift` reads.
    #[serde(default)]
    pub sources: Vec<SourcePage>,
}

/// A docs page of the vendor's.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourcePage {
    /// Where the vendor publishes it.
    pub url: String,
    /// The saved copy, relative to the spec file, e.g. `pages/memsy-exceptions.html`.
    pub saved: String,
}

/// The generated crate's publishing settings, written into its `Cargo.toml`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// Whether `cargo publish` may publish the crate. Default `false`.
    #[serde(default)]
    pub publish: bool,
    /// SPDX licence expression. Default `MIT OR Apache-2.0`.
    #[serde(default)]
    pub license: Option<String>,
    /// Source repository URL.
    #[serde(default)]
    pub repository: Option<String>,
    /// Home page URL.
    #[serde(default)]
    pub homepage: Option<String>,
    /// Documentation URL. Default: the crate's page on docs.rs.
    #[serde(default)]
    pub documentation: Option<String>,
    /// crates.io keywords: at most 5, each ASCII letters, digits, `-` or `_`, at most 20.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// crates.io category slugs, at most 5, e.g. `api-bindings`.
    #[serde(default)]
    pub categories: Vec<String>,
}

/// Environment variable names read by the client builder.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Env {
    /// Variable(s) holding the API key, tried in order, e.g. `MEMSY_API_KEY`.
    #[serde(default)]
    pub api_key: Option<OneOrMany>,
    /// Variable overriding the base URL, e.g. `MEMSY_BASE_URL`.
    #[serde(default)]
    pub base_url: Option<String>,
}

/// One authentication scheme, or several tried in order.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AuthSpec {
    /// One scheme.
    One(Auth),
    /// Several: the first is the API key (`api_key` on the builder, `env.api_key`), each
    /// further one has its own `setter` and `env`.
    Many(Vec<Auth>),
}

impl AuthSpec {
    /// The schemes in order.
    pub fn list(&self) -> Vec<&Auth> {
        match self {
            AuthSpec::One(a) => vec![a],
            AuthSpec::Many(v) => v.iter().collect(),
        }
    }

    /// The first scheme (the API key's).
    pub fn primary(&self) -> Option<&Auth> {
        self.list().into_iter().next()
    }
}

/// Authentication scheme.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// `bearer` (`Authorization: Bearer <key>`), `header` (the key in a named header),
    /// `basic` (HTTP basic auth) or `none`.
    pub scheme: AuthScheme,
    /// With `scheme: header`: the header name, e.g. `x-api-key`.
    #[serde(default)]
    pub header: Option<String>,
    /// With `scheme: header`: a prefix written before the key, e.g. `Token `.
    #[serde(default)]
    pub prefix: Option<String>,
    /// With `scheme: basic`: a fixed user name, the key then being the password. Without it,
    /// the key is the user name and the password is empty.
    #[serde(default)]
    pub username: Option<String>,
    /// A further scheme's own environment variable(s), tried in order.
    #[serde(default)]
    pub env: Option<OneOrMany>,
    /// A further scheme's builder method, e.g. `auth_token`.
    #[serde(default)]
    pub setter: Option<String>,
}

/// The ways an API key can travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthScheme {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// The key in a named header.
    Header,
    /// HTTP basic authentication.
    Basic,
    /// No authentication.
    None,
}

/// A header with a fixed value sent on every request.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedHeader {
    /// Header name.
    pub name: String,
    /// Header value. Without it the header is optional: sent when the builder (`setter`) or
    /// the environment (`env`) gives a value.
    #[serde(default)]
    pub value: Option<String>,
    /// An optional header's environment variable(s), tried in order.
    #[serde(default)]
    pub env: Option<OneOrMany>,
    /// An optional header's builder method; default the header name in snake_case.
    #[serde(default)]
    pub setter: Option<String>,
    /// Why it is sent.
    #[serde(default)]
    pub docs: Option<String>,
}

/// The error side of the API.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Errors {
    /// The root of the hierarchy (every SDK error), e.g. `MemsyError`.
    pub root: NamedError,
    /// The class for transport failures: connection refused, DNS, reset, and timeouts unless
    /// `timeout` names a class of its own.
    pub connection: NamedError,
    /// A class of its own for timeouts. Without it timeouts are reported under `connection`
    /// (still distinguishable in the generated SDK).
    #[serde(default)]
    pub timeout: Option<NamedError>,
    /// The class for a 2xx response whose body could not be decoded.
    #[serde(default)]
    pub decode: Option<NamedError>,
    /// The base of every error built from a non-2xx response, e.g. `MemsyAPIError`; raised
    /// itself when no class below matches.
    pub api: NamedError,
    /// Where the message, code, type and attributes live in an error body.
    #[serde(default)]
    pub envelope: Envelope,
    /// The classification table, tried in this order.
    #[serde(default)]
    pub classes: Vec<ErrorClass>,
}

/// A class with only a name and documentation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedError {
    /// Class name as the vendor documents it.
    pub name: String,
    /// One line on when it is raised.
    pub docs: String,
}

/// Where the fields of an error body are.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Path(s) to the human-readable message, tried in order. `$` is the whole body (for an
    /// API that answers with a bare JSON string).
    #[serde(default)]
    pub detail: Option<Paths>,
    /// Path(s) to the machine-readable error code.
    #[serde(default)]
    pub code: Option<Paths>,
    /// Path(s) to the error type, for APIs that have one beside the code.
    #[serde(default, rename = "type")]
    pub error_type: Option<Paths>,
    /// What the detail is when the body is not JSON: `text` (the body, cut to 1 KiB) or
    /// `status` (the status line's reason phrase). Default `text`.
    #[serde(default)]
    pub non_json: Option<NonJson>,
}

/// What to report as the detail of a non-JSON error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NonJson {
    /// The body text, cut to 1 KiB.
    Text,
    /// The reason phrase of the status, e.g. `Bad Gateway`.
    Status,
}

/// One path (`error.code`) or several tried in order.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Paths {
    /// A single path.
    One(String),
    /// Paths tried in order; the first present wins.
    Many(Vec<String>),
}

/// One string or a list of them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

/// HTTP statuses: `404`, `"5xx"`, `"500-504"`, or a list of those.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Statuses {
    /// One status code.
    Code(i64),
    /// A class such as `5xx` or a range such as `500-504`.
    Pattern(String),
    /// Several of the above.
    List(Vec<StatusItem>),
}

/// One entry of a status list.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusItem {
    /// One status code.
    Code(i64),
    /// A class such as `5xx` or a range such as `500-504`.
    Pattern(String),
}

/// One error class of the vendor's documentation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorClass {
    /// Class name as documented, e.g. `AuthorizationError`.
    pub name: String,
    /// Parent class; default the `errors.api` class. Another class's name makes a deeper
    /// hierarchy.
    #[serde(default)]
    pub parent: Option<String>,
    /// One line on what it means.
    pub docs: String,
    /// Statuses it is raised for. A class without statuses is abstract: a parent for others.
    #[serde(default)]
    pub status: Option<Statuses>,
    /// Shorthand for a body matcher on the envelope's `code`: equal to this (or one of these).
    #[serde(default)]
    pub code: Option<OneOrMany>,
    /// Further conditions, all of which must hold.
    #[serde(default)]
    pub when: Vec<Matcher>,
    /// Alternatives, any one of which recognises the class (OR), each with its own status,
    /// code and conditions; the class's own `status`, `code` and `when` hold for every
    /// alternative (AND). An alternative without a status takes the class's.
    #[serde(default)]
    pub any_of: Vec<Alternative>,
    /// Also the class for its statuses when no other class matched (its conditions waived).
    #[serde(default)]
    pub fallback: bool,
    /// Typed extra attributes.
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

/// One way of recognising a class, among the class's `any_of`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// Statuses of this alternative; default the class's.
    #[serde(default)]
    pub status: Option<Statuses>,
    /// Shorthand for a body matcher on the envelope's `code`.
    #[serde(default)]
    pub code: Option<OneOrMany>,
    /// Conditions, all of which must hold.
    #[serde(default)]
    pub when: Vec<Matcher>,
}

/// A condition on the body or a header of an error response.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// Path in the JSON body. Exactly one of `body` and `header`.
    #[serde(default)]
    pub body: Option<String>,
    /// Response header name. Exactly one of `body` and `header`.
    #[serde(default)]
    pub header: Option<String>,
    /// The value equals this. Exactly one test of `equals`, `one_of`, `ends_with`,
    /// `contains`, `exists`.
    #[serde(default)]
    pub equals: Option<String>,
    /// The value is one of these.
    #[serde(default)]
    pub one_of: Option<Vec<String>>,
    /// The value ends with this.
    #[serde(default)]
    pub ends_with: Option<String>,
    /// The value contains this.
    #[serde(default)]
    pub contains: Option<String>,
    /// The value is present (`true`) or absent (`false`).
    #[serde(default)]
    pub exists: Option<bool>,
    /// Compare ignoring case (`equals`, `one_of`, `ends_with`, `contains`). Default false.
    #[serde(default)]
    pub ignore_case: bool,
}

/// A typed extra attribute of an error class.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// Attribute name as documented, e.g. `required_scope`.
    pub name: String,
    /// `string`, `integer`, `number`, `boolean`, `duration`, `timestamp` or `json`; or, for
    /// a body attribute, a model or a type expression over models (`list<ValidationError>`).
    #[serde(rename = "type")]
    pub ty: AttrTypeSpec,
    /// What it holds.
    pub docs: String,
    /// Path in the JSON body. Exactly one of `body`, `header` and `sources`.
    #[serde(default)]
    pub body: Option<String>,
    /// Response header name. Exactly one of `body`, `header` and `sources`.
    #[serde(default)]
    pub header: Option<String>,
    /// With `header`: how the value is written. Default: the attribute's type.
    #[serde(default)]
    pub format: Option<HeaderFormat>,
    /// Several places, tried in order; the first present wins (`retry-after-ms`, else
    /// `retry-after`, else the reset header). Exactly one of `body`, `header` and `sources`.
    #[serde(default)]
    pub sources: Vec<AttributeSource>,
}

/// One place an attribute may be read from.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeSource {
    /// Path in the JSON body. Exactly one of `body` and `header`.
    #[serde(default)]
    pub body: Option<String>,
    /// Response header name. Exactly one of `body` and `header`.
    #[serde(default)]
    pub header: Option<String>,
    /// With `header`: how the value is written. Default: the attribute's type.
    #[serde(default)]
    pub format: Option<HeaderFormat>,
}

/// An attribute's type: a scalar, or a type expression over models.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AttrTypeSpec {
    /// A scalar type.
    Scalar(AttrType),
    /// A model or `list<...>` / `map<...>` of models, read from the body.
    Expr(String),
}

/// Types an error attribute can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttrType {
    /// UTF-8 text.
    String,
    /// A signed 64-bit integer.
    Integer,
    /// A 64-bit float; with a time format, seconds.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A span of time (`std::time::Duration`).
    Duration,
    /// A point in time (`std::time::SystemTime`): RFC 3339 or epoch seconds in a body; any
    /// time format in a header (a wait is read as now plus the wait).
    Timestamp,
    /// Any JSON value.
    Json,
}

/// How a header value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
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
    /// A wait in milliseconds (`retry-after-ms`).
    Milliseconds,
    /// A point in time as Unix epoch seconds.
    EpochSeconds,
    /// A point in time as Unix epoch milliseconds.
    EpochMilliseconds,
    /// A point in time as RFC 3339 (`2026-01-01T00:00:00Z`).
    Rfc3339,
    /// A point in time as an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`).
    HttpDate,
    /// `Retry-After` as RFC 9110 defines it: delta-seconds or an HTTP-date.
    RetryAfter,
    /// A Go-style duration (`1s`, `6m0s`, `12ms`).
    Duration,
}

/// The retry policy of the API.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Retries after the first attempt (0 turns retries off).
    pub max_retries: i64,
    /// The wait between attempts when the server gives no hint.
    pub backoff: Backoff,
    /// What is retried.
    #[serde(default)]
    pub on: RetryOn,
    /// Response headers that tell how long to wait, tried in order.
    #[serde(default)]
    pub retry_after: Vec<HeaderRef>,
    /// A header whose `true`/`false` overrides the status rule (e.g. `x-should-retry`).
    #[serde(default)]
    pub should_retry_header: Option<String>,
    /// The longest server-requested wait that is honoured, e.g. `60s`.
    #[serde(default)]
    pub max_wait: Option<String>,
    /// What happens when the server asks for a longer wait than `max_wait`: `raise` (return
    /// the error at once, with `retry_after` set) or `backoff` (retry after the usual backoff).
    #[serde(default)]
    pub past_max_wait: Option<PastMaxWait>,
    /// Total time allowed for a call, all attempts and waits included, e.g. `2m`.
    #[serde(default)]
    pub deadline: Option<String>,
    /// Which requests may be retried once they may have reached the server.
    #[serde(default)]
    pub idempotency: Option<Idempotency>,
    /// A server wait of zero (or a reset already past): `honour` it (retry at once) or
    /// `backoff` (wait the usual backoff instead). Default `honour`.
    #[serde(default)]
    pub zero_wait: Option<ZeroWait>,
    /// Headers sent on every attempt whose value depends on the attempt.
    #[serde(default)]
    pub attempt_headers: Vec<AttemptHeader>,
    /// Classes whose wait comes from their own sources, in order, with a default; tried
    /// before `retry_after` (which then serves every other class).
    #[serde(default)]
    pub class_waits: Vec<ClassWait>,
}

/// Where the wait after one class of error comes from.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassWait {
    /// The class (its subclasses too).
    pub class: String,
    /// Headers tried in order.
    #[serde(default)]
    pub from: Vec<WaitSource>,
    /// The wait when no source is present, e.g. `60s`; without it, the backoff.
    #[serde(default)]
    pub default: Option<String>,
}

/// A header holding a wait or a point in time.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitSource {
    /// Header name.
    pub header: String,
    /// How its value is written.
    pub format: HeaderFormat,
    /// A margin added to what it says, e.g. `1s` after a reset instant.
    #[serde(default)]
    pub plus: Option<String>,
}

/// What to do with a server wait of zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ZeroWait {
    /// Retry at once.
    Honour,
    /// Wait the usual backoff.
    Backoff,
}

/// A header sent on every attempt, its value made for that attempt.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptHeader {
    /// Header name, e.g. `x-stainless-retry-count`.
    pub header: String,
    /// `attempt` (1 on the first try), `retry_count` (0 on the first try) or
    /// `timeout_seconds` (the attempt's timeout, in whole seconds).
    pub value: AttemptValue,
}

/// The value of a per-attempt header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptValue {
    /// The attempt number, 1 on the first try.
    Attempt,
    /// Retries so far, 0 on the first try.
    RetryCount,
    /// The attempt's timeout in whole seconds.
    TimeoutSeconds,
}

/// Exponential backoff with jitter, or an explicit schedule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    /// The first wait, e.g. `500ms`. Exactly one of `initial` and `schedule`.
    #[serde(default)]
    pub initial: Option<String>,
    /// The wait before each retry in turn, e.g. `[1s, 4s, 9s]`; the last repeats. For
    /// vendors whose curve is not exponential. Jitter and `min` still apply.
    #[serde(default)]
    pub schedule: Option<Vec<String>>,
    /// The shortest wait after jitter, e.g. `500ms`.
    #[serde(default)]
    pub min: Option<String>,
    /// The longest wait, e.g. `8s`.
    #[serde(default)]
    pub max: Option<String>,
    /// Growth per attempt. Default 2.
    #[serde(default)]
    pub multiplier: Option<f64>,
    /// The wait is multiplied by a random factor in `[low, high]`. Default `[1.0, 1.0]`.
    #[serde(default)]
    pub jitter: Option<Vec<f64>>,
}

/// The failures that are retried.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryOn {
    /// Statuses retried, e.g. `[429, 5xx]`.
    #[serde(default)]
    pub statuses: Option<Statuses>,
    /// Error classes retried, by name.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Transport failures retried: `connect`, `timeout`.
    #[serde(default)]
    pub transport: Vec<TransportFailure>,
}

/// Transport failures that can be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransportFailure {
    /// The connection could not be made (refused, DNS, TLS); the request never left.
    Connect,
    /// The attempt timed out; the request may have reached the server.
    Timeout,
}

/// What to do when a server asks for a wait beyond `max_wait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PastMaxWait {
    /// Return the error at once with `retry_after` set.
    Raise,
    /// Ignore the hint and wait the usual backoff.
    Backoff,
}

/// A header and the format of its value.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderRef {
    /// Header name.
    pub header: String,
    /// How its value is written.
    pub format: HeaderFormat,
}

/// Which requests are safe to send again.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Idempotency {
    /// Methods that are idempotent: retried even after the request may have reached the
    /// server. Default `[GET, HEAD, PUT, DELETE, OPTIONS]`.
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// Methods resent on purpose although they are not idempotent (the vendor's own SDK
    /// does, relying on an idempotency key or on the API tolerating duplicates). Endpoints
    /// stay documented as not idempotent.
    #[serde(default)]
    pub resend_methods: Option<Vec<String>>,
    /// Statuses that prove the server did not act on the request (e.g. 429): retried
    /// whatever the method.
    #[serde(default)]
    pub not_processed: Option<Statuses>,
    /// A header carrying a key generated once per call and reused on every retry; a request
    /// that carries it counts as idempotent.
    #[serde(default)]
    pub key_header: Option<String>,
}

/// Rate limits, quotas and how responses report them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Overview shown in the docs.
    #[serde(default)]
    pub docs: Option<String>,
    /// Token buckets the server runs.
    #[serde(default)]
    pub buckets: Vec<Bucket>,
    /// Header families that report the state of a limit.
    #[serde(default)]
    pub headers: Vec<HeaderFamily>,
    /// Per-period quotas. Endpoints name the quota they draw on.
    #[serde(default)]
    pub quotas: Vec<Quota>,
    /// Lifecycle states of the account or workspace.
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
}

/// A token bucket.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// Name, e.g. `per_key`.
    pub name: String,
    /// What it is counted per: `api_key`, `workspace`, `organization`, `user`, `ip`, ...
    pub scope: String,
    /// Tokens added per minute. Absent when the docs do not state it. At most one of
    /// `refill_per_minute` and `refill`.
    #[serde(default)]
    pub refill_per_minute: Option<i64>,
    /// The refill as the docs state it: `5000/hour`, `900/minute`, `10/second`, `0.5/second`.
    #[serde(default)]
    pub refill: Option<String>,
    /// Bucket capacity. Absent when the docs do not state it.
    #[serde(default)]
    pub burst: Option<i64>,
    /// What it protects and how it can be changed.
    pub docs: String,
}

/// A family of rate-limit headers, e.g. the requests family or the tokens family.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderFamily {
    /// Family name, e.g. `requests`.
    pub name: String,
    /// Header with the limit.
    #[serde(default)]
    pub limit: Option<HeaderRef>,
    /// Header with what is left.
    #[serde(default)]
    pub remaining: Option<HeaderRef>,
    /// Header with when it resets.
    #[serde(default)]
    pub reset: Option<HeaderRef>,
    /// Header with what was used.
    #[serde(default)]
    pub used: Option<HeaderRef>,
    /// Further named fields read as text, e.g. `{name: resource, header:
    /// x-ratelimit-resource}`.
    #[serde(default)]
    pub fields: Vec<FamilyField>,
    /// An example response carrying these headers, for the docs.
    #[serde(default)]
    pub docs: Option<String>,
}

/// A further named field of a header family.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FamilyField {
    /// Field name, e.g. `resource`.
    pub name: String,
    /// Header holding it.
    pub header: String,
}

/// A per-period quota.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Quota name, e.g. `memory_write_limit`.
    pub name: String,
    /// The period it counts over, e.g. `billing_cycle`.
    #[serde(default)]
    pub period: Option<String>,
    /// The limit, when the docs state one.
    #[serde(default)]
    pub limit: Option<i64>,
    /// What it caps.
    pub docs: String,
}

/// Lifecycle of the account, read from one endpoint's response.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// The endpoint reporting the state, e.g. `status`.
    pub endpoint: String,
    /// Field of that endpoint's response model holding the state; its type must be an enum.
    pub field: String,
    /// States meaning a quota is spent (a 429 then is not worth retrying).
    #[serde(default)]
    pub quota_exhausted: Vec<String>,
    /// States in which non-free endpoints are rejected.
    #[serde(default)]
    pub blocked: Vec<String>,
    /// What the lifecycle is.
    #[serde(default)]
    pub docs: Option<String>,
}

/// One endpoint.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// `namespace.name` (e.g. `memory.store`) or a bare name (e.g. `status`).
    pub name: String,
    /// HTTP method.
    pub method: String,
    /// Path with `{param}` placeholders, e.g. `/v1/orgs/{org_id}`.
    pub path: String,
    /// What it does.
    pub docs: String,
    /// Path, query and header parameters.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Request body model.
    #[serde(default)]
    pub body: Option<String>,
    /// How the body is encoded: `json` (default) or `form`.
    #[serde(default)]
    pub body_encoding: Option<BodyEncoding>,
    /// Response type (a model or `list<Model>`); absent for no content.
    #[serde(default)]
    pub response: Option<String>,
    /// The quota it draws on.
    #[serde(default)]
    pub quota: Option<String>,
    /// Exempt from quotas and from lifecycle rejection.
    #[serde(default)]
    pub free: bool,
    /// Safe to retry after it may have reached the server; default from the method.
    #[serde(default)]
    pub idempotent: Option<bool>,
    /// Error classes it is documented to raise.
    #[serde(default)]
    pub errors: Vec<String>,
    /// How a list endpoint pages; with it the call builder also streams pages and items.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// A streamed response (server-sent events): each event's data decodes into a type.
    #[serde(default)]
    pub stream: Option<EventStreamSpec>,
    /// The `operationId` it was imported from (not written in a spec).
    #[serde(skip)]
    pub operation_id: Option<String>,
}

/// A response of server-sent events.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventStreamSpec {
    /// The type each event's data decodes into (usually a tagged union).
    pub events: String,
    /// A boolean body field that asks for the stream (`stream`): the call builder's
    /// `stream()` sends it `true`, and `send()` keeps the non-streamed `response`.
    /// Without it the endpoint always streams and `send()` returns the events.
    #[serde(default)]
    pub flag: Option<String>,
    /// The data of the event that ends the stream (`[DONE]`).
    #[serde(default)]
    pub done: Option<String>,
    /// Names of events whose data is an error envelope (`[error]`).
    #[serde(default)]
    pub error_events: Vec<String>,
    /// A body path whose presence in an event's data marks an error (`error`), for APIs
    /// that send errors as ordinary events.
    #[serde(default)]
    pub error_field: Option<String>,
    /// A body path in an error event with the HTTP status it stands for.
    #[serde(default)]
    pub error_status: Option<String>,
    /// Names of events to skip (`[ping]`).
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// How a list endpoint asks for its next page.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    /// `cursor` (the last item's field, sent back), `next_cursor` (a cursor the body
    /// names), `link` (the `Link: <…>; rel="next"` header), `page` (page numbers) or
    /// `offset`.
    pub style: PageStyle,
    /// Body path of the items; default `$` when the response is a list, else `data`.
    #[serde(default)]
    pub items: Option<String>,
    /// The query parameter carrying the cursor, page number or offset (`starting_after`,
    /// `after`, `page`, `offset`). Not with `link`.
    #[serde(default)]
    pub param: Option<String>,
    /// With `cursor`: the item field that is the cursor. Default `id`.
    #[serde(default)]
    pub field: Option<String>,
    /// With `cursor`: body path of the has-more flag, e.g. `has_more`.
    #[serde(default)]
    pub has_more: Option<String>,
    /// With `next_cursor`: body path of the next cursor, e.g. `next_cursor`.
    #[serde(default)]
    pub next: Option<String>,
    /// With `page`: the number of the first page. Default 1.
    #[serde(default)]
    pub first: Option<u64>,
}

/// Pagination styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PageStyle {
    /// The last item's field, sent back as a query parameter.
    Cursor,
    /// A cursor the body names.
    NextCursor,
    /// The `Link` header's next URL.
    Link,
    /// Page numbers.
    Page,
    /// Offsets.
    Offset,
}

/// Encodings of a request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyEncoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`: `file` fields are file parts, the rest text parts.
    Multipart,
}

/// A parameter of an endpoint.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Name as it appears on the wire.
    pub name: String,
    /// `path`, `query` or `header`.
    #[serde(rename = "in")]
    pub location: ParamLocation,
    /// Type expression (see models). Default `string`.
    #[serde(default, rename = "type")]
    pub ty: Option<String>,
    /// Whether it must be given; path parameters always must. Default false for query and
    /// header parameters.
    #[serde(default)]
    pub required: Option<bool>,
    /// What it is.
    #[serde(default)]
    pub docs: Option<String>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamLocation {
    /// A `{placeholder}` of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// A struct or an enum.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Model name, e.g. `StoreMemoryRequest`.
    pub name: String,
    /// What it is.
    pub docs: String,
    /// Struct fields. Exactly one of `fields` and `values`.
    #[serde(default)]
    pub fields: Option<Vec<Field>>,
    /// Enum values. Exactly one of `fields` and `values`.
    #[serde(default)]
    pub values: Option<Vec<EnumValue>>,
    /// Enums only: keep unknown values instead of failing to decode. Default true.
    #[serde(default)]
    pub open: Option<bool>,
    /// A tagged union: the field whose value names the variant (`type`). With `variants`.
    #[serde(default)]
    pub tag: Option<String>,
    /// A tagged union's variants: each tag value and the struct model it holds. A tag no
    /// variant names is kept, as raw JSON, in `Unknown`.
    #[serde(default)]
    pub variants: Option<Vec<UnionVariant>>,
    /// Untagged alternatives: the type expressions a value may be (`string`,
    /// `list<string>`, `list<Part>`), tried in order; it serializes back as it came.
    #[serde(default)]
    pub one_of: Option<Vec<String>>,
}

/// A variant of a tagged union.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnionVariant {
    /// The tag's value, e.g. `text`.
    pub tag: String,
    /// The struct model it holds.
    pub model: String,
    /// What it is.
    #[serde(default)]
    pub docs: Option<String>,
}

/// A struct field.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Name on the wire.
    pub name: String,
    /// Type: `string`, `integer`, `number`, `boolean`, `timestamp`, `json`, `list<T>`,
    /// `map<T>` (string keys) or a model name.
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether it is always present. Default true.
    #[serde(default)]
    pub required: Option<bool>,
    /// Whether it may be `null`. Default false.
    #[serde(default)]
    pub nullable: bool,
    /// What it holds.
    #[serde(default)]
    pub docs: Option<String>,
}

/// A value of an enum.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnumValue {
    /// The value on the wire, e.g. `limit_reached`.
    pub value: String,
    /// What it means.
    #[serde(default)]
    pub docs: Option<String>,
}

impl Statuses {
    /// The items as written, whatever the shape.
    pub fn items(&self) -> Vec<StatusItem> {
        match self {
            Statuses::Code(c) => vec![StatusItem::Code(*c)],
            Statuses::Pattern(p) => vec![StatusItem::Pattern(p.clone())],
            Statuses::List(items) => items.clone(),
        }
    }
}

impl Paths {
    /// The paths in the order they are tried.
    pub fn list(&self) -> Vec<&str> {
        match self {
            Paths::One(p) => vec![p.as_str()],
            Paths::Many(ps) => ps.iter().map(String::as_str).collect(),
        }
    }
}

impl OneOrMany {
    /// The values as a list.
    pub fn list(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(v) => vec![v.as_str()],
            OneOrMany::Many(vs) => vs.iter().map(String::as_str).collect(),
        }
    }
}
