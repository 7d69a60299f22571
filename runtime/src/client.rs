//! The HTTP client every generated SDK wraps: building requests, authentication, the
//! retry loop, per-attempt timeouts and the call deadline, reading responses into typed
//! values or typed errors.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;

use crate::envelope::{self, EnvelopeSpec, ErrorResponse};
use crate::error::{
    ApiError, ConnectionError, DecodeError, Error, ErrorClass, RawResponse, RedirectError,
    RedirectRefusal, RequestError, TimeoutError, TooLargeError,
};
use crate::events::{EventReader, ReadError, Sorted, StreamSpec};
use crate::ratelimit::{
    BucketSpec, CompiledFamily, HeaderFamilySpec, LazyRateLimit, RateLimitState, Throttle,
};
use crate::retry::{next_wait, Next, RetryPolicy};
use crate::secret::{Redactor, SecretString};
use crate::values;
use crate::BODY_LIMIT;

/// How the API key travels.
#[derive(Debug, Clone, Copy)]
pub enum Auth {
    /// `Authorization: Bearer <key>`.
    Bearer,
    /// The key in a named header, after an optional prefix.
    Header {
        /// Header name.
        name: &'static str,
        /// Written before the key.
        prefix: &'static str,
    },
    /// HTTP basic auth: with a user name the key is the password, else the key is the user.
    Basic {
        /// Fixed user name.
        username: Option<&'static str>,
    },
    /// No authentication.
    None,
}

/// A further way to authenticate (an auth token beside an API key).
#[derive(Debug, Clone, Copy)]
pub struct Credential {
    /// How it travels.
    pub auth: Auth,
    /// Environment variables holding it, tried in order.
    pub env: &'static [&'static str],
    /// The builder method that sets it, for messages.
    pub setter: &'static str,
}

/// A client-wide header the spec declares without a fixed value (an organization or
/// project id): sent when the builder or the environment gives one.
#[derive(Debug, Clone, Copy)]
pub struct OptionalHeader {
    /// Header name (lowercase).
    pub name: &'static str,
    /// Environment variables holding its value, tried in order.
    pub env: &'static [&'static str],
}

/// Everything a generated crate tells the runtime about its API.
#[derive(Debug)]
pub struct ApiSpec {
    /// Display name, e.g. `Memsy`.
    pub name: &'static str,
    /// The `User-Agent` sent, e.g. `memsy/0.1.0`.
    pub user_agent: &'static str,
    /// Default base URL.
    pub base_url: &'static str,
    /// Environment variables holding the API key, tried in order.
    pub env_api_key: &'static [&'static str],
    /// Further ways to authenticate, tried after the API key: the first configured (on the
    /// builder, then in the environment) wins.
    pub extra_credentials: &'static [Credential],
    /// Client-wide headers sent only when set, on the builder or in the environment.
    pub optional_headers: &'static [OptionalHeader],
    /// Environment variable overriding the base URL.
    pub env_base_url: Option<&'static str>,
    /// Authentication.
    pub auth: Auth,
    /// Headers sent with every request.
    pub headers: &'static [(&'static str, &'static str)],
    /// Response header with the request id.
    pub request_id_header: Option<&'static str>,
    /// Where error bodies keep their fields.
    pub envelope: EnvelopeSpec,
    /// Rate-limit header families.
    pub rate_limit_headers: &'static [HeaderFamilySpec],
    /// Buckets the opt-in client-side throttle enforces.
    pub throttle_buckets: &'static [BucketSpec],
    /// The retry policy.
    pub retry: RetryPolicy,
    /// Per-attempt timeout when the builder sets none.
    pub default_timeout: Duration,
    /// Connect timeout when the builder sets none.
    pub connect_timeout: Option<Duration>,
    /// The paths of the endpoints that have no path parameter, sorted: a client builds the
    /// URL of each once, when first called, rather than on every call. A path not found in
    /// it (the list out of order, say) is still sent right, its URL built on each call.
    pub fixed_paths: &'static [&'static str],
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No credential was given and no environment variable holds one.
    #[error("no API key: pass one to the builder's `api_key`{}", if .env.is_empty() { String::new() } else { format!(" or set {}", .env.join(" or ")) })]
    MissingApiKey {
        /// The environment variables that were read, in order.
        env: Vec<&'static str>,
    },
    /// The API key cannot be sent in a header (it has a control character).
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    InvalidApiKey,
    /// The base URL is not an http(s) URL.
    #[error("invalid base URL `{0}`: it must start with http:// or https://")]
    InvalidBaseUrl(String),
    /// The HTTP client could not be built.
    #[error("could not build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
    /// A header the spec sends on every request cannot be sent.
    #[error("header `{0}` from the spec cannot be sent")]
    InvalidHeader(&'static str),
}

/// The most redirects one attempt follows (all within the API's origin).
pub const MAX_REDIRECTS: usize = 10;

/// The default limit on a success response body (64 MiB); see
/// [`ClientBuilder::max_response_size`].
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 64 * 1024 * 1024;

/// Builds a client for one API: the runtime's [`Client`], or a generated crate's client
/// (`C`), which wraps it. Every setting has a default from the API's spec.
pub struct ClientBuilder<C = Client> {
    settings: Settings,
    client: PhantomData<fn() -> C>,
}

/// A builder's settings, apart from the client type it builds: building a client from them
/// is not generic, so it is compiled once, in this crate, rather than in every generated
/// crate.
struct Settings {
    spec: &'static ApiSpec,
    api_key: Option<SecretString>,
    credentials: Vec<(usize, SecretString)>,
    header_values: Vec<(&'static str, String)>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    max_retries: Option<u32>,
    deadline: Option<Option<Duration>>,
    http: Option<reqwest::ClientBuilder>,
    max_response_size: Option<usize>,
    throttle: bool,
    clock: fn() -> SystemTime,
    seed: Option<u64>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api", &self.settings.spec.name)
            .field("api_key", &self.settings.api_key)
            .field("base_url", &self.settings.base_url)
            .field("timeout", &self.settings.timeout)
            .field("max_retries", &self.settings.max_retries)
            .field("throttle", &self.settings.throttle)
            .finish_non_exhaustive()
    }
}

impl<C: From<Client>> ClientBuilder<C> {
    /// A builder with the spec's defaults.
    pub fn new(spec: &'static ApiSpec) -> Self {
        ClientBuilder {
            settings: Settings {
                spec,
                api_key: None,
                credentials: Vec::new(),
                header_values: Vec::new(),
                base_url: None,
                timeout: None,
                connect_timeout: None,
                max_retries: None,
                deadline: None,
                http: None,
                max_response_size: None,
                throttle: false,
                clock: SystemTime::now,
                seed: None,
            },
            client: PhantomData,
        }
    }

    /// The API key; without it the environment variable the spec names is read. It never
    /// appears in `Debug` output or errors.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.settings.api_key = Some(SecretString::new(key.into()));
        self
    }

    /// Sets the spec's further credential number `index` (generated crates call this from
    /// their named setters, e.g. `auth_token`).
    #[doc(hidden)]
    pub fn credential(mut self, index: usize, key: impl Into<String>) -> Self {
        self.settings.credentials.retain(|(i, _)| *i != index);
        self.settings
            .credentials
            .push((index, SecretString::new(key.into())));
        self
    }

    /// Sets one of the spec's optional client-wide headers (generated crates call this from
    /// their named setters, e.g. `organization`).
    #[doc(hidden)]
    pub fn optional_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.settings.header_values.retain(|(n, _)| *n != name);
        self.settings.header_values.push((name, value.into()));
        self
    }

    /// The base URL; without it the spec's environment variable, then the spec's default.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base_url = Some(url.into());
        self
    }

    /// The timeout of each attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// The timeout for making a connection (the spec's default unless set).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.settings.connect_timeout = Some(timeout);
        self
    }

    /// Retries after the first attempt, replacing the spec's `max_retries` (0 turns
    /// retries off).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.settings.max_retries = Some(n);
        self
    }

    /// The total time a call may take, all attempts and waits included; `None` removes the
    /// spec's deadline.
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.settings.deadline = Some(deadline);
        self
    }

    /// A preconfigured `reqwest::ClientBuilder` (proxies, TLS roots, connection pool
    /// settings). The runtime sets its user agent and turns its own redirect handling off
    /// before building it: redirects are followed by the runtime, only within the API's
    /// origin, so the API key can never be sent to another host. (A built
    /// `reqwest::Client` is not accepted for that reason: its redirect policy cannot be
    /// inspected.)
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.settings.http = Some(builder);
        self
    }

    /// The largest success response body read, in bytes, after decompression
    /// ([`DEFAULT_MAX_RESPONSE_SIZE`] unless set). A longer body ends the call with
    /// [`Error::TooLarge`] as soon as the limit is passed; the rest is never read.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.settings.max_response_size = Some(bytes);
        self
    }

    /// Turns the client-side token bucket on or off (off by default). When on, requests
    /// wait locally for a token of every bucket the spec declares per API key, so a
    /// fan-out workload paces itself instead of collecting 429s. Clones share the bucket.
    pub fn throttle(mut self, on: bool) -> Self {
        self.settings.throttle = on;
        self
    }

    /// The wall clock used to read HTTP-dates and epoch timestamps (tests pin it).
    #[doc(hidden)]
    pub fn clock(mut self, clock: fn() -> SystemTime) -> Self {
        self.settings.clock = clock;
        self
    }

    /// Seeds the jitter random source, for reproducible backoff in tests.
    #[doc(hidden)]
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.settings.seed = Some(seed);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        self.settings.build().map(C::from)
    }
}

impl Settings {
    fn build(self) -> Result<Client, BuildError> {
        let spec = self.spec;
        let env = |name: Option<&'static str>| {
            name.and_then(|n| std::env::var(n).ok())
                .filter(|v| !v.trim().is_empty())
        };
        let first_env = |vars: &[&'static str]| vars.iter().find_map(|v| env(Some(v)));
        // The first configured credential wins: the builder's (API key first), then the
        // environment's, each in the spec's order.
        let needs_key = !matches!(spec.auth, Auth::None) || !spec.extra_credentials.is_empty();
        let mut from_builder = self.credentials;
        from_builder.sort_by_key(|(i, _)| *i);
        let chosen: Option<(Auth, SecretString)> = if !needs_key {
            None
        } else {
            let builder = self.api_key.map(|k| (spec.auth, k)).or_else(|| {
                from_builder
                    .into_iter()
                    .find_map(|(i, k)| Some((spec.extra_credentials.get(i)?.auth, k)))
            });
            let environment = || {
                first_env(spec.env_api_key)
                    .map(|k| (spec.auth, SecretString::new(k)))
                    .or_else(|| {
                        spec.extra_credentials
                            .iter()
                            .find_map(|c| first_env(c.env).map(|k| (c.auth, SecretString::new(k))))
                    })
            };
            let found = builder
                .or_else(environment)
                .filter(|(auth, _)| !matches!(auth, Auth::None));
            Some(found.ok_or_else(|| {
                BuildError::MissingApiKey {
                    env: spec
                        .env_api_key
                        .iter()
                        .chain(spec.extra_credentials.iter().flat_map(|c| c.env))
                        .copied()
                        .collect(),
                }
            })?)
        };
        let chosen_auth = chosen.as_ref().map_or(Auth::None, |(a, _)| *a);
        let api_key = chosen.as_ref().map(|(_, k)| k.clone());
        let auth = match &chosen {
            Some((a, key)) => Some(auth_header(*a, key.expose())?),
            None => None,
        };
        let base_url = self
            .base_url
            .or_else(|| env(spec.env_base_url))
            .unwrap_or_else(|| spec.base_url.to_owned());
        let base_url = base_url.trim_end_matches('/').to_owned();
        let base = match reqwest::Url::parse(&base_url) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => url,
            _ => return Err(BuildError::InvalidBaseUrl(base_url)),
        };
        let origin = base.origin();
        let base_path = base.path().trim_end_matches('/').to_owned();
        // Redirects are the runtime's to follow (see `receive`): reqwest would follow them
        // to any host, carrying every header but `Authorization` and cookies.
        let mut http = self
            .http
            .unwrap_or_default()
            .user_agent(spec.user_agent)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(t) = self.connect_timeout.or(spec.connect_timeout) {
            http = http.connect_timeout(t);
        }
        let http = http.build().map_err(BuildError::Http)?;
        let mut retry = spec.retry;
        if let Some(n) = self.max_retries {
            retry.max_retries = n;
        }
        if let Some(d) = self.deadline {
            retry.deadline = d;
        }
        let rng = match self.seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_os_rng(),
        };
        // Headers every request carries, built once: the user agent (also set here for a
        // custom reqwest client), the spec's fixed headers and the credentials.
        let mut base_headers = HeaderMap::new();
        base_headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_str(spec.user_agent)
                .map_err(|_| BuildError::InvalidHeader("user-agent"))?,
        );
        for (name, value) in spec.headers {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| BuildError::InvalidHeader(name))?;
            let v = HeaderValue::from_str(value).map_err(|_| BuildError::InvalidHeader(name))?;
            base_headers.insert(n, v);
        }
        // Optional client-wide headers: the builder's value, else the environment's.
        for h in spec.optional_headers {
            let value = self
                .header_values
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(h.name))
                .map(|(_, v)| v.clone())
                .or_else(|| first_env(h.env));
            if let Some(v) = value {
                let n = HeaderName::from_bytes(h.name.as_bytes())
                    .map_err(|_| BuildError::InvalidHeader(h.name))?;
                let v = HeaderValue::from_str(&v).map_err(|_| BuildError::InvalidHeader(h.name))?;
                base_headers.insert(n, v);
            }
        }
        let has_auth = auth.is_some();
        let redactor = match (&api_key, &auth) {
            (Some(key), Some((_, value))) => {
                let value = value.to_str().unwrap_or_default();
                // The credential as sent, and its base64 part alone for basic auth.
                let basic = value.strip_prefix("Basic ");
                Redactor::new(key.expose(), [Some(value), basic].into_iter().flatten())
            }
            _ => Redactor::default(),
        };
        if let Some((name, value)) = auth {
            base_headers.insert(name, value);
        }
        Ok(Client {
            inner: Arc::new(Inner {
                spec,
                auth: chosen_auth,
                http,
                base_url,
                base,
                base_path,
                fixed_urls: spec.fixed_paths.iter().map(|_| OnceLock::new()).collect(),
                origin,
                base_headers,
                redactor,
                max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
                families: CompiledFamily::compile(spec.rate_limit_headers).into(),
                request_id: spec
                    .request_id_header
                    .and_then(|h| HeaderName::from_bytes(h.as_bytes()).ok()),
                has_auth,
                timeout: self.timeout.unwrap_or(spec.default_timeout),
                retry,
                throttle: self.throttle.then(|| Throttle::new(spec.throttle_buckets)),
                clock: self.clock,
                rng: Mutex::new(rng),
            }),
        })
    }
}

fn auth_header(auth: Auth, key: &str) -> Result<(HeaderName, HeaderValue), BuildError> {
    let (name, value) = match auth {
        Auth::Bearer => (reqwest::header::AUTHORIZATION, format!("Bearer {key}")),
        Auth::Header { name, prefix } => (
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| BuildError::InvalidApiKey)?,
            format!("{prefix}{key}"),
        ),
        Auth::Basic { username } => {
            let pair = match username {
                Some(user) => format!("{user}:{key}"),
                None => format!("{key}:"),
            };
            (
                reqwest::header::AUTHORIZATION,
                format!("Basic {}", base64(pair.as_bytes())),
            )
        }
        Auth::None => return Err(BuildError::InvalidApiKey),
    };
    let mut value = HeaderValue::from_str(&value).map_err(|_| BuildError::InvalidApiKey)?;
    // Marked sensitive: hyper and reqwest leave it out of their own Debug output.
    value.set_sensitive(true);
    Ok((name, value))
}

/// Standard base64 with padding (RFC 4648), by the `base64` crate.
pub(crate) fn base64(input: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(input)
}

/// A client for one API. Cheap to clone: clones share the connection pool and the throttle.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    spec: &'static ApiSpec,
    /// The credential's scheme in use (the first configured of the spec's).
    auth: Auth,
    http: reqwest::Client,
    base_url: String,
    /// The base URL, parsed once: each request's URL is it with the request's path.
    base: reqwest::Url,
    /// The base URL's path, without a trailing slash (empty at the root).
    base_path: String,
    /// The URL of each of the spec's fixed paths, built when first needed.
    fixed_urls: Box<[OnceLock<reqwest::Url>]>,
    /// The only origin requests (and redirects) may go to.
    origin: url::Origin,
    /// User agent, fixed headers and credentials (marked sensitive).
    base_headers: HeaderMap,
    /// Finds the key in what servers send back.
    redactor: Redactor,
    /// The most of a success body read.
    max_response_size: usize,
    /// Rate-limit and request-id header names, parsed once.
    families: Arc<[CompiledFamily]>,
    request_id: Option<HeaderName>,
    has_auth: bool,
    timeout: Duration,
    retry: RetryPolicy,
    throttle: Option<Throttle>,
    clock: fn() -> SystemTime,
    rng: Mutex<StdRng>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("api", &i.spec.name)
            .field("base_url", &i.base_url)
            .field("api_key", &i.has_auth.then_some("[redacted]"))
            .field("timeout", &i.timeout)
            .field("max_retries", &i.retry.max_retries)
            .field("throttle", &i.throttle.is_some())
            .finish()
    }
}

/// A request a generated endpoint method describes, with the call's own options.
#[derive(Debug, Clone)]
pub struct Request {
    /// The endpoint's spec name, for traces (`memories.store`).
    endpoint: &'static str,
    method: reqwest::Method,
    /// Borrowed when it is one of the spec's fixed paths (its URL is then built once).
    path: Cow<'static, str>,
    query: Vec<(String, String)>,
    headers: Vec<(&'static str, String)>,
    body: Body,
    idempotent: bool,
    /// The success body is streamed to the caller, not read (downloads).
    stream_body: bool,
    /// The success body is an event stream read this way.
    events: Option<&'static StreamSpec>,
    options: CallOptions,
}

/// Settings that override the client's for one call.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallOptions {
    /// The timeout of each attempt.
    pub timeout: Option<Duration>,
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// Extra headers; one with the name of a header the client sends replaces it.
    pub headers: Vec<(String, String)>,
    /// The idempotency key, instead of a generated one; reused on every retry.
    pub idempotency_key: Option<String>,
}

/// A body, encoded once per call and shared by every attempt.
#[derive(Debug, Clone)]
enum Body {
    None,
    Json(Bytes),
    Form(Bytes),
    /// `multipart/form-data`, its form built again for each attempt.
    Multipart(crate::upload::Multipart),
    /// It could not be encoded: the call fails with this message before anything is sent.
    Invalid(String),
}

impl Request {
    /// A request for `method` (uppercase) on `path` (already percent-encoded): a `&'static
    /// str` for a path without parameters (one of the spec's fixed paths), else a `String`.
    pub fn new(method: &'static str, path: impl Into<Cow<'static, str>>) -> Self {
        Request {
            endpoint: "",
            method: reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            idempotent: false,
            stream_body: false,
            events: None,
            options: CallOptions::default(),
        }
    }

    /// Names the endpoint (its spec name) in the call's trace span.
    pub fn endpoint(mut self, name: &'static str) -> Self {
        self.endpoint = name;
        self
    }

    /// Sets a query parameter, replacing an earlier value of the same name.
    pub fn set_query(&mut self, name: &str, value: impl ToString) {
        self.query.retain(|(n, _)| n != name);
        self.query.push((name.to_owned(), value.to_string()));
    }

    /// Sets a list query parameter (the name repeated per value), replacing earlier values.
    pub fn set_query_list<V: ToString>(&mut self, name: &str, values: impl IntoIterator<Item = V>) {
        self.query.retain(|(n, _)| n != name);
        self.query
            .extend(values.into_iter().map(|v| (name.to_owned(), v.to_string())));
    }

    /// Sets a header parameter, replacing an earlier value of the same name.
    pub fn set_header(&mut self, name: &'static str, value: impl ToString) {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_string()));
    }

    /// The call's own options.
    pub fn options_mut(&mut self) -> &mut CallOptions {
        &mut self.options
    }

    /// The value of a query parameter, when set.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Points the request at a link the server gave (a next page), keeping everything
    /// else. `None` when the link leaves the API's origin or its base path.
    pub(crate) fn follow_link(&mut self, client: &Client, url: &reqwest::Url) -> Option<()> {
        if url.origin() != client.inner.origin {
            return None;
        }
        let base = reqwest::Url::parse(&client.inner.base_url).ok()?;
        let path = url.path().strip_prefix(base.path().trim_end_matches('/'))?;
        if !(path.is_empty() || path.starts_with('/')) {
            return None;
        }
        self.path = if path.is_empty() {
            Cow::Borrowed("/")
        } else {
            Cow::Owned(path.to_owned())
        };
        self.query = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Some(())
    }

    /// Adds a query parameter (repeat the call for a list).
    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl ToString) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Whether the request may be sent again after it may have reached the server.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// A JSON body. One that cannot be encoded fails the call with a [`RequestError`] when
    /// it is sent, before anything goes out.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = match serde_json::to_vec(body) {
            Ok(bytes) => Body::Json(Bytes::from(bytes)),
            Err(e) => Body::Invalid(format!("the body could not be encoded as JSON: {e}")),
        };
        self
    }

    /// Sets a top-level field of the JSON body (the flag asking a streaming endpoint for
    /// events, `stream: true`), replacing the model's value. A body that is not a JSON object
    /// is left alone.
    pub fn set_body_flag(&mut self, name: &str, value: bool) {
        if let Body::Json(bytes) = &self.body {
            if let Ok(mut map) =
                serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes)
            {
                map.insert(name.to_owned(), serde_json::Value::Bool(value));
                if let Ok(out) = serde_json::to_vec(&map) {
                    self.body = Body::Json(Bytes::from(out));
                }
            }
        }
    }

    /// A `multipart/form-data` body (an upload). When a file part is a one-shot stream the
    /// call is not retried.
    pub fn multipart(mut self, parts: crate::upload::Multipart) -> Self {
        self.body = Body::Multipart(parts);
        self
    }

    /// A form-encoded body. Nested objects and lists use bracket keys (`a[b]=1`, `l[0]=x`).
    pub fn form<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        let value = match serde_json::to_value(body) {
            Ok(v) => v,
            Err(e) => {
                self.body = Body::Invalid(format!("the body could not be encoded: {e}"));
                return self;
            }
        };
        let mut pairs = Vec::new();
        flatten_form("", &value, &mut pairs);
        // application/x-www-form-urlencoded by the url crate's own serializer.
        let out = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        self.body = Body::Form(Bytes::from(out));
        self
    }
}

/// A JSON value as bracketed form pairs (`metadata[key]=v`, `tags[0]=a`), as Stripe-style
/// form APIs and browsers name nested fields. Kept here rather than `serde_qs`: it also
/// names multipart parts, works from the `serde_json::Value` the body already is, and is
/// a dozen lines; the encoding itself is the url crate's.
pub(crate) fn flatten_form(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}[{k}]")
        }
    };
    match v {
        Value::Null => {}
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten_form(&key(k), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| flatten_form(&key(&i.to_string()), v, out)),
        other => out.push((prefix.to_owned(), envelope::value_text(other))),
    }
}

pub(crate) const FORM_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'*');

pub(crate) const PATH_SEGMENT_SET: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');

/// Percent-encodes one path segment, so a parameter cannot change the path's shape.
pub fn path_segment(value: impl fmt::Display) -> String {
    percent_encoding::utf8_percent_encode(&value.to_string(), PATH_SEGMENT_SET).to_string()
}

/// A downloaded body: its chunks as they arrive. `Response<BodyStream<K>>` derefs to it;
/// read it with `StreamExt::next`.
pub type BodyStream<K> = futures_util::stream::BoxStream<'static, Result<Bytes, Error<K>>>;

/// A call being prepared: the request an endpoint describes, bound to the client that sends
/// it. Each generated call builder wraps one and adds the endpoint's named setters.
#[derive(Debug)]
pub struct Call<'a> {
    client: &'a Client,
    request: Request,
}

impl<'a> Call<'a> {
    /// A call of `request` through `client`.
    pub fn new(client: &'a Client, request: Request) -> Self {
        Call { client, request }
    }

    /// The request, for the builder's setters.
    pub fn request_mut(&mut self) -> &mut Request {
        &mut self.request
    }

    // The sends return the client's own future rather than wrapping it in another: each
    // layer of `async` would hold, and copy when it starts, the whole of the one inside.

    /// Sends it and decodes a JSON body into `T`.
    pub fn send_json<T: DeserializeOwned + 'a, K: ErrorClass>(
        self,
    ) -> impl Future<Output = Result<Response<T>, Error<K>>> + 'a {
        self.client.send_json(self.request)
    }

    /// Sends it; the response has no body worth decoding.
    pub fn send_empty<K: ErrorClass>(
        self,
    ) -> impl Future<Output = Result<Response<()>, Error<K>>> + 'a {
        self.client.send_empty(self.request)
    }

    /// Sends it; the success body is a download, streamed (see [`Client::send_stream`]).
    pub fn send_stream<K: ErrorClass>(
        self,
    ) -> impl Future<Output = Result<Response<BodyStream<K>>, Error<K>>> + 'a {
        self.client.send_stream(self.request)
    }

    /// Sends it; the success body is a stream of events (see [`Client::send_events`]).
    pub fn send_events<E, K>(
        self,
        spec: &'static StreamSpec,
    ) -> impl Future<Output = Result<Response<EventStream<E, K>>, Error<K>>> + 'a
    where
        E: DeserializeOwned + Send + 'static,
        K: ErrorClass,
    {
        self.client.send_events(self.request, spec)
    }

    /// Every page, from this one on (see [`Client::pages`]); boxed, so `.next().await`
    /// needs no pinning.
    pub fn pages<T, K>(
        self,
        spec: &'static crate::paging::PageSpec,
    ) -> crate::futures::BoxStream<'static, Result<Response<T>, Error<K>>>
    where
        T: DeserializeOwned + Send + 'static,
        K: ErrorClass,
    {
        Box::pin(self.client.pages(self.request, spec))
    }

    /// Every item, from this page on (see [`Client::items`]).
    pub fn items<I, K>(self, spec: &'static crate::paging::PageSpec) -> crate::Items<I, K>
    where
        I: DeserializeOwned + Send + 'static,
        K: ErrorClass,
    {
        self.client.items(self.request, spec)
    }
}

/// What a shared call type is for, with no value of it: `fn() -> T` keeps the type `Send`
/// and `Sync` whatever `T` is.
type Marker<T> = PhantomData<fn() -> T>;

/// The per-call options of an API whose spec declares no idempotency-key header: timeout,
/// retries and headers. The last parameter of [`JsonCall`] and [`EmptyCall`].
#[derive(Debug)]
pub enum Plain {}

/// The per-call options of an API whose spec declares an idempotency-key header: those of
/// [`Plain`] and `idempotency_key`. The last parameter of [`JsonCall`] and [`EmptyCall`].
#[derive(Debug)]
pub enum Keyed {}

/// The call of an endpoint with no optional parameters whose success body is JSON, decoded
/// into `T` (`K` is the API's error classes, `O` [`Plain`] or [`Keyed`]): the per-call
/// options, then [`send`](Self::send). A generated crate names one per such endpoint
/// (`pub type ...Call<'a> = JsonCall<'a, T, ErrorKind>`), so it compiles no builder of its
/// own for them.
#[must_use = "a call does nothing until it is sent with `.send().await`"]
pub struct JsonCall<'a, T, K, O = Plain> {
    call: Call<'a>,
    out: Marker<(T, K, O)>,
}

impl<'a, T, K, O> JsonCall<'a, T, K, O> {
    /// A call of `request` through `client`.
    #[inline]
    pub fn new(client: &'a Client, request: Request) -> Self {
        JsonCall {
            call: Call::new(client, request),
            out: PhantomData,
        }
    }

    crate::call_options!();
}

impl<T, K> JsonCall<'_, T, K, Keyed> {
    crate::call_options!(@key);
}

impl<'a, T: DeserializeOwned + 'a, K: ErrorClass, O> JsonCall<'a, T, K, O> {
    /// Sends the call, with the client's retries, waits and limits.
    pub fn send(self) -> impl Future<Output = Result<Response<T>, Error<K>>> + 'a {
        self.call.send_json()
    }
}

impl<T, K, O> fmt::Debug for JsonCall<'_, T, K, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.call, f)
    }
}

/// The call of an endpoint with no optional parameters whose success has no body worth
/// decoding (`K` is the API's error classes, `O` [`Plain`] or [`Keyed`]): the per-call
/// options, then [`send`](Self::send). A generated crate names one per such endpoint
/// (`pub type ...Call<'a> = EmptyCall<'a, ErrorKind>`).
#[must_use = "a call does nothing until it is sent with `.send().await`"]
pub struct EmptyCall<'a, K, O = Plain> {
    call: Call<'a>,
    out: Marker<(K, O)>,
}

impl<'a, K, O> EmptyCall<'a, K, O> {
    /// A call of `request` through `client`.
    #[inline]
    pub fn new(client: &'a Client, request: Request) -> Self {
        EmptyCall {
            call: Call::new(client, request),
            out: PhantomData,
        }
    }

    crate::call_options!();
}

impl<K> EmptyCall<'_, K, Keyed> {
    crate::call_options!(@key);
}

impl<'a, K: ErrorClass, O> EmptyCall<'a, K, O> {
    /// Sends the call, with the client's retries, waits and limits.
    pub fn send(self) -> impl Future<Output = Result<Response<()>, Error<K>>> + 'a {
        self.call.send_empty()
    }
}

impl<K, O> fmt::Debug for EmptyCall<'_, K, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.call, f)
    }
}

/// The per-call settings every generated call builder has; expanded inside its `impl`
/// (the builder holds its [`Call`] in a field named `call`). With `idempotency_key`, the
/// setter of that name is included too (for specs that declare the header).
#[doc(hidden)]
#[macro_export]
macro_rules! call_options {
    () => {
        // `#[inline]` on the builders' methods: a generated crate compiles only the ones its
        // user calls, as it does generic code (an `#[inline]` function is compiled where it
        // is used), and not one copy per endpoint up front.

        /// Overrides the client's timeout of each attempt, for this call.
        #[inline]
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.call.request_mut().options_mut().timeout = Some(timeout);
            self
        }

        /// Overrides the client's retries after the first attempt, for this call (0 turns
        /// them off).
        #[inline]
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.call.request_mut().options_mut().max_retries = Some(retries);
            self
        }

        /// Sends an extra header with this call; one the client would send under the same
        /// name is replaced.
        pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.call
                .request_mut()
                .options_mut()
                .headers
                .push((name.into(), value.into()));
            self
        }
    };
    (idempotency_key) => {
        $crate::call_options!();
        $crate::call_options!(@key);
    };
    (@key) => {
        /// Uses this idempotency key instead of a generated one; it is resent on every retry,
        /// and makes the call safe to retry.
        pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
            self.call.request_mut().options_mut().idempotency_key = Some(key.into());
            self
        }
    };
}

/// A 2xx response as it came, headers unredacted: only the runtime reads it.
pub(crate) struct RawPage {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) attempts: u32,
}

/// A successful response: the decoded value, and what the response said besides.
#[derive(Clone)]
#[non_exhaustive]
pub struct Response<T> {
    /// The decoded body.
    pub data: T,
    /// HTTP status.
    pub status: u16,
    /// The response headers (a value holding the API key is redacted).
    pub headers: HeaderMap,
    /// The request id the server sent.
    pub request_id: Option<String>,
    /// How many attempts the call took.
    pub attempts: u32,
    rate_limit: LazyRateLimit,
}

impl<T> Response<T> {
    /// The decoded body, dropping the rest.
    pub fn into_inner(self) -> T {
        self.data
    }

    /// The rate-limit state the response reported: the spec's rate-limit header families,
    /// read from [`headers`](Self::headers) the first time this is called.
    pub fn rate_limit(&self) -> &RateLimitState {
        self.rate_limit.get(&self.headers)
    }
}

impl<T: fmt::Debug> fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("data", &self.data)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("request_id", &self.request_id)
            .field("rate_limit", self.rate_limit())
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

/// A response as [`Client::follow`] sees it.
enum Hop {
    /// The answer: not a redirect, or one with nothing to follow.
    Done(reqwest::Response),
    /// The request that follows a redirect.
    Next(reqwest::Request),
    /// A redirect not followed.
    Refused(Transport),
}

/// How one attempt failed before a usable response arrived.
enum Transport {
    Connect(reqwest::Error),
    Timeout,
    Other(reqwest::Error),
    /// A redirect the runtime refused to follow.
    Redirect {
        status: u16,
        location: String,
        refusal: RedirectRefusal,
    },
    /// A success body longer than the limit.
    TooLarge {
        status: u16,
        headers: HeaderMap,
    },
    /// An event stream that ended before its first event (or failed reading it).
    Cut(String, Option<reqwest::Error>),
}

/// A response read off the wire.
struct Received {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    /// The body was cut: longer than the error-body limit, or it stopped coming in time.
    truncated: bool,
    /// A success body left unread, for the caller to stream (downloads). Boxed, as the
    /// reader below: every call's future holds a `Received`, and most have neither.
    stream: Option<Box<reqwest::Response>>,
    /// A success body read as events, its first event read.
    events: Option<Box<EventReader>>,
    /// This is an error event of a streamed response: its name, and the status its data
    /// names (the status above is then that, or the stream's).
    event_error: Option<(String, Option<u16>)>,
}

/// Headers whose values are never kept in a [`RawResponse`].
const SECRET_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// How often (in body chunks) a body read yields to the scheduler: a decompressor fed from
/// its buffer never waits on the socket, so without it a timer could not fire.
const YIELD_EVERY_CHUNKS: usize = 64;

impl Client {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The retry policy in force (the spec's, with the builder's overrides).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Sends a request and decodes a JSON body into `T`.
    // Not an `async fn`: one would keep the request twice in its future (the argument and
    // its binding), and the caller's future copies all of it when it starts.
    #[allow(clippy::manual_async_fn)]
    pub fn send_json<T: DeserializeOwned, K: ErrorClass>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response<T>, Error<K>>> + '_ {
        async move {
            let (received, attempts) = self.execute::<K>(&request).await?;
            match serde_json::from_slice::<T>(&received.body) {
                Ok(data) => Ok(self.response(received.status, received.headers, attempts, data)),
                Err(e) => Err(self.decode_error(
                    received.status,
                    &received.headers,
                    e.to_string(),
                    received.body,
                    attempts,
                )),
            }
        }
    }

    /// A body that did not decode. Kept for inspection: capped, and with any echoed key
    /// taken out (serde's message quotes the offending value).
    pub(crate) fn decode_error<K>(
        &self,
        status: u16,
        headers: &HeaderMap,
        message: String,
        mut body: Bytes,
        attempts: u32,
    ) -> Error<K> {
        let (request_id, rate_limit) = self.meta(headers);
        let redactor = &self.inner.redactor;
        let truncated = body.len() > BODY_LIMIT;
        body.truncate(BODY_LIMIT);
        Error::Decode(Box::new(DecodeError {
            message: redactor.text(&message).into_owned(),
            status,
            body: redactor.bytes(body),
            truncated,
            request_id,
            rate_limit,
            attempts,
        }))
    }

    /// A failure reading a streamed body (events or a download) after its head, as the
    /// stream's last item.
    fn stream_failure<K>(
        &self,
        e: ReadError,
        status: u16,
        headers: &HeaderMap,
        attempts: u32,
        idle: Duration,
    ) -> Error<K> {
        let inner = &*self.inner;
        match e {
            ReadError::Http(e) => Error::Connection(Box::new(ConnectionError {
                message: inner.redactor.text(&describe(&e)).into_owned(),
                attempts,
                before_send: false,
                source: Some(e),
            })),
            ReadError::Idle => Error::Timeout(Box::new(TimeoutError {
                after: idle,
                deadline: false,
                throttle: false,
                attempts,
            })),
            ReadError::TooLarge => {
                let (request_id, rate_limit) = self.meta(headers);
                Error::TooLarge(Box::new(TooLargeError {
                    status,
                    limit: inner.max_response_size,
                    request_id,
                    rate_limit,
                    attempts,
                }))
            }
        }
    }

    /// What a failed read of an event stream's head or first event means for the attempt.
    fn read_failure(&self, e: ReadError, status: u16, headers: HeaderMap) -> Transport {
        match e {
            ReadError::Http(e) if e.is_timeout() => Transport::Timeout,
            ReadError::Http(e) => Transport::Cut(describe(&e), Some(e)),
            ReadError::Idle => Transport::Timeout,
            ReadError::TooLarge => Transport::TooLarge { status, headers },
        }
    }

    /// The status an error event stands for: the one its data names (when the spec says
    /// where), else the stream's own.
    fn event_status(&self, spec: &StreamSpec, stream: u16, data: &str) -> (u16, Option<u16>) {
        let named = spec.error_status.and_then(|path| {
            let v: serde_json::Value = serde_json::from_str(data).ok()?;
            let n = match envelope::lookup(&v, path)? {
                serde_json::Value::Number(n) => n.as_u64()?,
                serde_json::Value::String(s) => s.trim().parse().ok()?,
                _ => return None,
            };
            u16::try_from(n).ok().filter(|s| (100..=599).contains(s))
        });
        (named.unwrap_or(stream), named)
    }

    /// Sends a request whose success body is a stream of server-sent events, each decoded
    /// into `E`. The retries, waits and timeout cover the response head and the first
    /// event: an error status, a failure, or an error event before any data is retried as
    /// any failed attempt is. The returned stream then yields events as they arrive. An
    /// error event later on is classified through the same table as an error response and
    /// is the stream's last item, as is a failure, an event that does not decode, a stream
    /// that stops short of its terminator, or no data for the length of the timeout.
    // Not an `async fn`, for the reason given at `send_json`.
    #[allow(clippy::manual_async_fn)]
    pub fn send_events<E, K>(
        &self,
        mut request: Request,
        spec: &'static StreamSpec,
    ) -> impl Future<Output = Result<Response<EventStream<E, K>>, Error<K>>> + '_
    where
        E: DeserializeOwned + Send + 'static,
        K: ErrorClass,
    {
        request.events = Some(spec);
        async move {
            let idle = request.options.timeout.unwrap_or(self.inner.timeout);
            let (mut received, attempts) = self.execute::<K>(&request).await?;
            let (request_id, rate_limit) = self.success_meta(&received.headers);
            let headers = self.redacted(received.headers);
            let state = received.events.take().map(|reader| EventState {
                reader: *reader,
                meta: StreamMeta {
                    client: self.clone(),
                    spec,
                    status: received.status,
                    headers: headers.clone(),
                    attempts,
                    idle,
                },
            });
            let events = EventStream::<E, K> {
                state,
                item: PhantomData,
            };
            Ok(Response {
                data: events,
                status: received.status,
                headers,
                request_id,
                rate_limit,
                attempts,
            })
        }
    }

    /// Sends a request and keeps the response as it came (the pager reads pages itself):
    /// its head is made what a caller sees, with [`Client::response`], only for a page
    /// handed to the caller.
    pub(crate) async fn send_raw<K: ErrorClass>(
        &self,
        request: &Request,
    ) -> Result<RawPage, Error<K>> {
        let (received, attempts) = self.execute::<K>(request).await?;
        Ok(RawPage {
            status: received.status,
            headers: received.headers,
            body: received.body,
            attempts,
        })
    }

    /// A 2xx response as callers get it: headers redacted, the request id read, the
    /// rate-limit state left to read when asked for.
    pub(crate) fn response<T>(
        &self,
        status: u16,
        headers: HeaderMap,
        attempts: u32,
        data: T,
    ) -> Response<T> {
        let (request_id, rate_limit) = self.success_meta(&headers);
        Response {
            data,
            status,
            headers: self.redacted(headers),
            request_id,
            rate_limit,
            attempts,
        }
    }

    /// Sends a request whose success body is a download: the response head comes through the
    /// usual retries and timeout, and the body is a stream of chunks, never buffered whole.
    /// A failure while it streams ends it with a connection error; a body that sends
    /// nothing for the length of the timeout ends it with a timeout.
    // Not an `async fn`, for the reason given at `send_json`.
    #[allow(clippy::manual_async_fn)]
    pub fn send_stream<K: ErrorClass>(
        &self,
        mut request: Request,
    ) -> impl Future<Output = Result<Response<BodyStream<K>>, Error<K>>> + '_ {
        request.stream_body = true;
        async move {
            let (mut received, attempts) = self.execute::<K>(&request).await?;
            let (request_id, rate_limit) = self.success_meta(&received.headers);
            let idle = request.options.timeout.unwrap_or(self.inner.timeout);
            let body: BodyStream<K> = match received.stream.take() {
                Some(response) => {
                    let chunks = crate::events::Chunks::new(*response, idle);
                    let (client, status, headers) =
                        (self.clone(), received.status, received.headers.clone());
                    Box::pin(futures_util::StreamExt::map(chunks, move |chunk| {
                        chunk
                            .map_err(|e| client.stream_failure(e, status, &headers, attempts, idle))
                    }))
                }
                None => Box::pin(futures_util::stream::iter(
                    (!received.body.is_empty()).then(|| Ok(received.body.clone())),
                )),
            };
            Ok(Response {
                data: body,
                status: received.status,
                headers: self.redacted(received.headers),
                request_id,
                rate_limit,
                attempts,
            })
        }
    }

    /// Sends a request whose response has no body worth decoding.
    // Not an `async fn`, for the reason given at `send_json`.
    #[allow(clippy::manual_async_fn)]
    pub fn send_empty<K: ErrorClass>(
        &self,
        request: Request,
    ) -> impl Future<Output = Result<Response<()>, Error<K>>> + '_ {
        async move {
            let (received, attempts) = self.execute::<K>(&request).await?;
            Ok(self.response(received.status, received.headers, attempts, ()))
        }
    }

    /// Headers with any value holding the key replaced (a server echoing it).
    fn redacted(&self, mut headers: HeaderMap) -> HeaderMap {
        let redactor = &self.inner.redactor;
        for value in headers.values_mut() {
            if redactor.finds(value.as_bytes()) {
                let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
                *value = HeaderValue::from_str(&redactor.text(&text))
                    .unwrap_or(HeaderValue::from_static(crate::secret::REDACTED));
            }
        }
        headers
    }

    /// A success's request id, and its rate-limit state to be read when asked for.
    fn success_meta(&self, headers: &HeaderMap) -> (Option<String>, LazyRateLimit) {
        let inner = &*self.inner;
        let rate_limit = LazyRateLimit::new(inner.families.clone(), (inner.clock)());
        (self.request_id(headers), rate_limit)
    }

    fn meta(&self, headers: &HeaderMap) -> (Option<String>, RateLimitState) {
        let inner = &*self.inner;
        let rate_limit = RateLimitState::read(&inner.families, headers, (inner.clock)());
        (self.request_id(headers), rate_limit)
    }

    /// The response's request id, when the spec names its header (redacted).
    fn request_id(&self, headers: &HeaderMap) -> Option<String> {
        let inner = &*self.inner;
        inner
            .request_id
            .as_ref()
            .and_then(|h| headers.get(h))
            .and_then(|v| v.to_str().ok())
            .map(|v| inner.redactor.text(v).into_owned())
    }

    /// The retry loop. Returns the first 2xx response, or the error the policy gives up on.
    async fn execute<K: ErrorClass>(&self, request: &Request) -> Result<(Received, u32), Error<K>> {
        use tracing::Instrument;
        // One span per call, its attempts' events inside. Never the key, a header value
        // or a body: the endpoint, method, path, statuses, waits and request ids.
        let span = tracing::info_span!(
            "sdk.call",
            api = self.inner.spec.name,
            endpoint = request.endpoint,
            method = %request.method,
            path = %request.path,
        );
        // Boxed: the retry loop's future is large (its state, and the attempt's box), and
        // every layer above it, the generated call's included, would otherwise copy all of
        // it when it starts. An allocation is cheaper. Boxed before it is instrumented, so
        // the large future is moved once, into the box.
        let result = Box::pin(self.attempts::<K>(request))
            .instrument(span.clone())
            .await;
        let _in = span.enter();
        match &result {
            Ok((received, attempts)) => tracing::debug!(
                status = received.status,
                attempts = *attempts,
                "call succeeded"
            ),
            Err(e) => tracing::debug!(error = error_kind(e), status = e.status(), "call failed"),
        }
        result
    }

    async fn attempts<K: ErrorClass>(
        &self,
        request: &Request,
    ) -> Result<(Received, u32), Error<K>> {
        let inner = &*self.inner;
        let policy = &inner.retry;
        let started = Instant::now();
        let deadline = policy.deadline;
        let deadline_at = deadline.map(|d| started + d);
        // The configured deadline ran out (it is what the error reports, not what was left).
        let deadline_error = |attempts: u32, throttle: bool| {
            Error::Timeout(Box::new(TimeoutError {
                after: deadline.unwrap_or_default(),
                deadline: true,
                throttle,
                attempts,
            }))
        };
        // The call's own options over the client's; an upload of a one-shot stream cannot
        // be sent twice.
        let max_retries = match &request.body {
            Body::Multipart(parts) if !parts.resendable() => 0,
            _ => request.options.max_retries.unwrap_or(policy.max_retries),
        };
        let timeout = request.options.timeout.unwrap_or(inner.timeout);
        // One key per call (the caller's, else generated), reused by every retry, so the
        // server can drop duplicates.
        let given_key = request.options.idempotency_key.clone();
        let idempotency_key = policy
            .idempotency_key_header
            .filter(|_| {
                given_key.is_some()
                    || !matches!(request.method, reqwest::Method::GET | reqwest::Method::HEAD)
            })
            .map(|h| (h, given_key.unwrap_or_else(|| self.new_idempotency_key())));
        let idempotent = request.idempotent || idempotency_key.is_some();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            if let Some(t) = &inner.throttle {
                // Waiting for a token counts against the deadline; a call that cannot get
                // one in time gives up at once and takes none.
                if t.acquire_before(deadline_at).await.is_err() {
                    return Err(deadline_error(attempt - 1, true));
                }
            }
            // The clock is read once per attempt (the first starts with the call, unless it
            // waited for a token).
            let now = if attempt == 1 && inner.throttle.is_none() {
                started
            } else {
                Instant::now()
            };
            let remaining =
                deadline.map(|d| d.saturating_sub(now.saturating_duration_since(started)));
            if remaining.is_some_and(|r| r.is_zero()) {
                return Err(deadline_error(attempt - 1, false));
            }
            let attempt_timeout = remaining.map_or(timeout, |r| r.min(timeout));
            // The deadline, rather than the attempt's own timeout, cut this attempt short.
            let cut_by_deadline = attempt_timeout < timeout;
            // Handed on as reqwest's small future, not as the request: every layer that
            // holds it until it is sent would keep room for it.
            let (sent, get_or_head) = {
                let built = self
                    .build(request, idempotency_key.as_ref(), attempt, attempt_timeout)
                    .map_err(|e| Error::Request(Box::new(e)))?;
                let get_or_head = matches!(
                    *built.method(),
                    reqwest::Method::GET | reqwest::Method::HEAD
                );
                (inner.http.execute(built), get_or_head)
            };
            // A redirect within the origin resends the request: built again only then.
            let rebuild = || {
                self.build(request, idempotency_key.as_ref(), attempt, attempt_timeout)
                    .ok()
            };
            tracing::debug!(attempt, timeout_ms = millis(attempt_timeout), "attempt");
            // Boxed apart from the loop: together they came to 1.3 KB, past the size
            // glibc's per-thread cache serves (about 1 KB), so each call's allocation took
            // its slow path; as two boxes (each under 1 KB) both are served from the cache.
            let outcome = Box::pin(self.receive(
                sent,
                get_or_head,
                rebuild,
                now + attempt_timeout,
                request.stream_body,
                request.events.map(|spec| (spec, timeout)),
            ))
            .await;
            // The request id is looked up (and redacted) only for a subscriber that wants it.
            if let (Ok(received), true) = (&outcome, tracing::enabled!(tracing::Level::DEBUG)) {
                let request_id = self.request_id(&received.headers);
                tracing::debug!(
                    attempt,
                    status = received.status,
                    request_id = request_id.as_deref(),
                    "response"
                );
            }
            let retries_left = attempt <= max_retries;
            // Drawn only when a retry is being considered: a success never touches the RNG.
            let backoff = || {
                let mut rng = inner.rng.lock().unwrap_or_else(|e| e.into_inner());
                policy.backoff(attempt, policy.jitter_factor(&mut *rng))
            };
            // Read only when a retry is considered.
            let remaining = || deadline.map(|d| d.saturating_sub(started.elapsed()));
            let failure: Error<K> = match outcome {
                Ok(received)
                    if (200..300).contains(&received.status) && received.event_error.is_none() =>
                {
                    return Ok((received, attempt))
                }
                Ok(received) => {
                    let now = (inner.clock)();
                    let mut error = self.api_error::<K>(received, attempt, None, now);
                    // The wait the API asks for: the class's own sources when the spec names
                    // them, else the policy's hint headers, read from the response the error
                    // keeps (as the should-retry header is below).
                    let server_wait = policy.wait_for(
                        error.kind.class_name(),
                        error.kind.ancestors(),
                        |h| error.response.header(h).map(str::to_owned),
                        now,
                    );
                    error.retry_after = server_wait;
                    let should = policy
                        .should_retry_header
                        .and_then(|h| error.response.header(h).and_then(values::parse_bool));
                    let retry = retries_left
                        && policy.retries_response(
                            error.status,
                            error.kind.class_name(),
                            error.kind.ancestors(),
                            should,
                        )
                        && (idempotent || policy.not_processed(error.status));
                    if retry {
                        if let Next::RetryAfter(wait) =
                            next_wait(policy, backoff(), server_wait, remaining())
                        {
                            tracing::info!(
                                attempt,
                                status = error.status,
                                class = error.kind.class_name(),
                                wait_ms = millis(wait),
                                server_asked = server_wait.is_some(),
                                "retrying after an error response"
                            );
                            tokio::time::sleep(wait).await;
                            continue;
                        }
                    }
                    return Err(Error::Api(Box::new(error)));
                }
                Err(Transport::Connect(e)) => {
                    let error = Error::Connection(Box::new(ConnectionError {
                        message: self.inner.redactor.text(&describe(&e)).into_owned(),
                        attempts: attempt,
                        before_send: true,
                        source: Some(e),
                    }));
                    if !(retries_left && policy.on_connect) {
                        return Err(error);
                    }
                    error
                }
                Err(Transport::Timeout) => {
                    let error = if cut_by_deadline {
                        deadline_error(attempt, false)
                    } else {
                        Error::Timeout(Box::new(TimeoutError {
                            after: timeout,
                            deadline: false,
                            throttle: false,
                            attempts: attempt,
                        }))
                    };
                    if !(retries_left && policy.on_timeout && idempotent) {
                        return Err(error);
                    }
                    error
                }
                Err(Transport::Other(e)) => {
                    let error = Error::Connection(Box::new(ConnectionError {
                        message: self.inner.redactor.text(&describe(&e)).into_owned(),
                        attempts: attempt,
                        before_send: false,
                        source: Some(e),
                    }));
                    if !(retries_left && policy.on_connect && idempotent) {
                        return Err(error);
                    }
                    error
                }
                // Neither is retried: the same request would get the same answer.
                Err(Transport::Redirect {
                    status,
                    location,
                    refusal,
                }) => {
                    return Err(Error::Redirect(Box::new(RedirectError {
                        status,
                        location: inner.redactor.text(&location).into_owned(),
                        refusal,
                        attempts: attempt,
                    })))
                }
                Err(Transport::TooLarge { status, headers }) => {
                    let (request_id, rate_limit) = self.meta(&headers);
                    return Err(Error::TooLarge(Box::new(TooLargeError {
                        status,
                        limit: inner.max_response_size,
                        request_id,
                        rate_limit,
                        attempts: attempt,
                    })));
                }
                Err(Transport::Cut(message, source)) => {
                    let error = Error::Connection(Box::new(ConnectionError {
                        message: inner.redactor.text(&message).into_owned(),
                        attempts: attempt,
                        before_send: false,
                        source,
                    }));
                    if !(retries_left && policy.on_connect && idempotent) {
                        return Err(error);
                    }
                    error
                }
            };
            match next_wait(policy, backoff(), None, remaining()) {
                Next::RetryAfter(wait) => {
                    tracing::info!(
                        attempt,
                        error = error_kind(&failure),
                        wait_ms = millis(wait),
                        "retrying after a transport failure"
                    );
                    tokio::time::sleep(wait).await
                }
                Next::Stop => return Err(failure),
            }
        }
    }

    fn new_idempotency_key(&self) -> String {
        let mut rng = self.inner.rng.lock().unwrap_or_else(|e| e.into_inner());
        let bytes: [u8; 16] = rng.random();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-4{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[13..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    /// The base URL with `path` (percent-encoded) after its own path.
    fn url_with(&self, path: &str) -> reqwest::Url {
        let inner = &*self.inner;
        let mut url = inner.base.clone();
        if inner.base_path.is_empty() {
            url.set_path(path);
        } else {
            url.set_path(&format!("{}{}", inner.base_path, path));
        }
        url
    }

    fn build(
        &self,
        request: &Request,
        idempotency_key: Option<&(&'static str, String)>,
        attempt: u32,
        attempt_timeout: Duration,
    ) -> Result<reqwest::Request, RequestError> {
        let inner = &*self.inner;
        let invalid = |message: String| RequestError { message };
        // A fixed path's URL is built once; any other is the parsed base with the path
        // (already percent-encoded) set: no parse of the whole URL per attempt.
        let fixed = match request.path {
            Cow::Borrowed(path) => inner.spec.fixed_paths.binary_search(&path).ok(),
            Cow::Owned(_) => None,
        };
        let mut url = match fixed {
            Some(i) => inner.fixed_urls[i]
                .get_or_init(|| self.url_with(&request.path))
                .clone(),
            None => self.url_with(&request.path),
        };
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let mut built = reqwest::Request::new(request.method.clone(), url);
        let mut headers = inner.base_headers.clone();
        let header = |name: &str, value: &str| -> Result<(HeaderName, HeaderValue), RequestError> {
            let n = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("`{name}` is not a valid header name")))?;
            let v = HeaderValue::from_str(value)
                .map_err(|_| invalid(format!("header `{name}` has a value that cannot be sent")))?;
            Ok((n, v))
        };
        if let Some((name, key)) = idempotency_key {
            let (n, v) = header(name, key)?;
            headers.insert(n, v);
        }
        for (name, value) in inner.retry.attempt_headers {
            let (n, v) = header(name, &value.render(attempt, attempt_timeout))?;
            headers.insert(n, v);
        }
        // A header the caller gives replaces one the spec or the runtime would send (a fixed
        // API-version header, the generated idempotency key): it is sent once, with the
        // caller's value. The caller's own repeats of a name are all sent.
        let mut given: Vec<HeaderName> = Vec::new();
        let params = request.headers.iter().map(|(n, v)| (*n, v.as_str()));
        let extra = request
            .options
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        for (name, value) in params.chain(extra) {
            let (n, v) = header(name, value)?;
            if given.contains(&n) {
                headers.append(n, v);
            } else {
                given.push(n.clone());
                headers.insert(n, v);
            }
        }
        let (content_type, body) = match &request.body {
            Body::Invalid(message) => return Err(invalid(message.clone())),
            Body::None => (None, None),
            Body::Json(bytes) => (
                Some(HeaderValue::from_static("application/json")),
                Some(reqwest::Body::from(bytes.clone())),
            ),
            Body::Form(bytes) => (
                Some(HeaderValue::from_static(
                    "application/x-www-form-urlencoded",
                )),
                Some(reqwest::Body::from(bytes.clone())),
            ),
            Body::Multipart(parts) => {
                // reqwest turns a form into a body (with its boundary) only through a
                // request builder: build a throwaway request and keep its body.
                let form = parts.form().map_err(invalid)?;
                let mut r = inner
                    .http
                    .request(request.method.clone(), built.url().clone())
                    .multipart(form)
                    .build()
                    .map_err(|e| invalid(format!("the upload could not be built: {e}")))?;
                // Its length, when every part's is known, so the server need not read a
                // chunked upload.
                if let Some(length) = r.headers_mut().remove(reqwest::header::CONTENT_LENGTH) {
                    headers.insert(reqwest::header::CONTENT_LENGTH, length);
                }
                (
                    r.headers_mut().remove(reqwest::header::CONTENT_TYPE),
                    r.body_mut().take(),
                )
            }
        };
        if let Some(ct) = content_type {
            headers.insert(reqwest::header::CONTENT_TYPE, ct);
        }
        // Built directly, not through RequestBuilder: no header-by-header merge per call.
        *built.headers_mut() = headers;
        *built.body_mut() = body;
        Ok(built)
    }

    /// One attempt, all of it before `until`: send, follow redirects within the API's
    /// origin, then read the body (a success body up to the response-size limit, an error
    /// body up to [`BODY_LIMIT`] and, should it stop coming, as far as it came).
    async fn receive(
        &self,
        sent: impl Future<Output = Result<reqwest::Response, reqwest::Error>> + Unpin,
        get_or_head: bool,
        rebuild: impl Fn() -> Option<reqwest::Request>,
        until: Instant,
        stream_body: bool,
        events: Option<(&'static StreamSpec, Duration)>,
    ) -> Result<Received, Transport> {
        let classify = |e: reqwest::Error| {
            if e.is_connect() {
                Transport::Connect(e)
            } else if e.is_timeout() {
                Transport::Timeout
            } else {
                Transport::Other(e)
            }
        };
        // One timer for the whole attempt, polled beside each step: set up once, not per
        // await.
        let mut timer = std::pin::pin!(tokio::time::sleep_until(until));
        let mut response = self
            .follow(sent, get_or_head, rebuild, timer.as_mut(), classify)
            .await?;
        let status = response.status().as_u16();
        // Taken, not cloned: the body is read without them.
        let headers = std::mem::take(response.headers_mut());
        // Events: the head and the first event are the attempt's (an error event before any
        // data is an answer to retry on); the rest streams at the caller's pace.
        if let (Some((spec, idle)), true) = (events, (200..300).contains(&status)) {
            let mut reader = Box::new(EventReader::new(
                response,
                spec,
                idle,
                self.inner.max_response_size,
            ));
            return loop {
                let event = match within(timer.as_mut(), std::pin::pin!(reader.next_owned())).await
                {
                    None => return Err(Transport::Timeout),
                    Some(None) if spec.done.is_some() => {
                        return Err(Transport::Cut(
                            "the event stream ended before its first event".into(),
                            None,
                        ))
                    }
                    Some(None) => None,
                    Some(Some(Err(e))) => return Err(self.read_failure(e, status, headers)),
                    Some(Some(Ok(sorted))) => Some(sorted),
                };
                match event {
                    Some(Sorted::Skip) => continue,
                    Some(Sorted::Error { name, data }) => {
                        let (status, known) = self.event_status(spec, status, &data);
                        break Ok(Received {
                            status,
                            headers,
                            body: Bytes::from(data),
                            truncated: false,
                            stream: None,
                            events: None,
                            event_error: Some((name, known)),
                        });
                    }
                    first => {
                        reader.first = first;
                        break Ok(Received {
                            status,
                            headers,
                            body: Bytes::new(),
                            truncated: false,
                            stream: None,
                            events: Some(reader),
                            event_error: None,
                        });
                    }
                }
            };
        }
        // A download: the head is the attempt's; the body streams at the caller's pace.
        if stream_body && (200..300).contains(&status) {
            return Ok(Received {
                status,
                headers,
                body: Bytes::new(),
                truncated: false,
                stream: Some(Box::new(response)),
                events: None,
                event_error: None,
            });
        }
        if (200..300).contains(&status) {
            let limit = self.inner.max_response_size;
            if response.content_length().is_some_and(|n| n > limit as u64) {
                return Err(Transport::TooLarge { status, headers });
            }
            // A body that comes in one chunk (most do) is kept as it came, not copied.
            let mut first = Bytes::new();
            let mut rest: Option<BytesMut> = None;
            let mut chunks = 0usize;
            loop {
                let chunk = match within(timer.as_mut(), std::pin::pin!(response.chunk())).await {
                    None => return Err(Transport::Timeout),
                    Some(chunk) => chunk.map_err(classify)?,
                };
                let Some(chunk) = chunk else { break };
                let read = rest.as_ref().map_or(first.len(), BytesMut::len);
                if chunk.len() > limit - read {
                    return Err(Transport::TooLarge { status, headers });
                }
                if chunks == 0 {
                    first = chunk;
                } else {
                    rest.get_or_insert_with(|| BytesMut::from(std::mem::take(&mut first)))
                        .extend_from_slice(&chunk);
                }
                chunks += 1;
                if chunks % YIELD_EVERY_CHUNKS == 0 {
                    if Instant::now() >= until {
                        return Err(Transport::Timeout);
                    }
                    tokio::task::yield_now().await;
                }
            }
            return Ok(Received {
                status,
                headers,
                body: rest.map_or(first, BytesMut::freeze),
                truncated: false,
                stream: None,
                events: None,
                event_error: None,
            });
        }
        let mut body = BytesMut::new();
        let mut truncated = false;
        // An error body that fails or stalls half-way is kept as far as it came: the status
        // is the answer, the body only detail.
        loop {
            let chunk = match within(timer.as_mut(), std::pin::pin!(response.chunk())).await {
                Some(Ok(Some(chunk))) => chunk,
                Some(Ok(None)) => break,
                Some(Err(_)) | None => {
                    truncated = true;
                    break;
                }
            };
            let room = BODY_LIMIT - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Received {
            status,
            headers,
            body: body.freeze(),
            truncated,
            stream: None,
            events: None,
            event_error: None,
        })
    }

    /// Waits for the answer to `sent` (the request, already handed to reqwest), following
    /// redirects while they stay within the API's origin and keep the method: a 307/308 is
    /// resent as it was; a 301/302/303 only for GET and HEAD (`get_or_head`: never turning
    /// a POST into a GET). Anything else is refused, naming the `Location`.
    async fn follow(
        &self,
        sent: impl Future<Output = Result<reqwest::Response, reqwest::Error>> + Unpin,
        get_or_head: bool,
        rebuild: impl Fn() -> Option<reqwest::Request>,
        mut timer: std::pin::Pin<&mut tokio::time::Sleep>,
        classify: impl Fn(reqwest::Error) -> Transport,
    ) -> Result<reqwest::Response, Transport> {
        // Only the request in flight is held across the wait: a redirect is judged and the
        // next request built in between, so none of that takes room in this future.
        let mut in_flight = futures_util::future::Either::Left(sent);
        let mut hops = 0;
        loop {
            let response = match within(timer.as_mut(), &mut in_flight).await {
                None => return Err(Transport::Timeout),
                Some(r) => r.map_err(&classify)?,
            };
            match self.redirect(response, get_or_head, &rebuild, &mut hops) {
                Hop::Done(response) => return Ok(response),
                Hop::Refused(refusal) => return Err(refusal),
                Hop::Next(next) => {
                    in_flight = futures_util::future::Either::Right(self.inner.http.execute(next))
                }
            }
        }
    }

    /// What a response means for [`Client::follow`]: the answer, the next request of a
    /// redirect the rules allow (`hops` counts them), or the refusal.
    fn redirect(
        &self,
        response: reqwest::Response,
        get_or_head: bool,
        rebuild: &impl Fn() -> Option<reqwest::Request>,
        hops: &mut usize,
    ) -> Hop {
        let status = response.status().as_u16();
        if !matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Hop::Done(response);
        }
        let Some(location) = response.headers().get(reqwest::header::LOCATION) else {
            // Nothing to follow: the 3xx is the answer.
            return Hop::Done(response);
        };
        let refuse = |refusal| Transport::Redirect {
            status,
            location: String::from_utf8_lossy(location.as_bytes()).into_owned(),
            refusal,
        };
        let target = match location
            .to_str()
            .ok()
            .and_then(|l| response.url().join(l).ok())
        {
            Some(url) => url,
            None => return Hop::Refused(refuse(RedirectRefusal::InvalidLocation)),
        };
        if target.origin() != self.inner.origin {
            return Hop::Refused(refuse(RedirectRefusal::OtherOrigin));
        }
        let keeps_method = matches!(status, 307 | 308) || get_or_head;
        if !keeps_method {
            return Hop::Refused(refuse(RedirectRefusal::MethodChange));
        }
        // Built as the first was (it was built once, so it builds again).
        let Some(mut next) = rebuild() else {
            return Hop::Refused(refuse(RedirectRefusal::MethodChange));
        };
        *hops += 1;
        if *hops > MAX_REDIRECTS {
            return Hop::Refused(refuse(RedirectRefusal::TooMany));
        }
        *next.url_mut() = target;
        Hop::Next(next)
    }

    fn api_error<K: ErrorClass>(
        &self,
        received: Received,
        attempts: u32,
        retry_after: Option<Duration>,
        now: SystemTime,
    ) -> ApiError<K> {
        let spec = self.inner.spec;
        // A key the server echoes back (in the body or any header) is taken out before
        // anything is read from the response, so no attribute, detail or header keeps it.
        let mut received = received;
        received.body = self.inner.redactor.bytes(received.body);
        received.headers = self.redacted(received.headers);
        let json: Option<serde_json::Value> = if received.truncated {
            None
        } else {
            serde_json::from_slice(&received.body).ok()
        };
        let response = match &received.event_error {
            Some((_, named)) => {
                ErrorResponse::for_event(*named, &received.headers, json.as_ref(), now)
            }
            None => ErrorResponse::new(received.status, &received.headers, json.as_ref(), now),
        };
        let kind = K::from_response(&response);
        // A statusless error event stands for the status its class documents, if one.
        let status = match &received.event_error {
            Some((_, None)) => response.implied_status().unwrap_or(received.status),
            _ => received.status,
        };
        let env = &spec.envelope;
        let detail = response
            .body_string(env.detail)
            .unwrap_or_else(|| fallback_detail(&received, json.is_some(), env.non_json_text));
        let code = response.body_string(env.code);
        let error_type = response.body_string(env.error_type);
        let (request_id, rate_limit) = self.meta(&received.headers);
        let headers = received
            .headers
            .iter()
            .map(|(n, v)| {
                let name = n.as_str().to_owned();
                let value = if SECRET_HEADERS.contains(&n.as_str())
                    || matches!(self.inner.auth, Auth::Header { name: h, .. } if h.eq_ignore_ascii_case(n.as_str()))
                {
                    crate::secret::REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                };
                (name, value)
            })
            .collect();
        ApiError {
            kind,
            status,
            event: received.event_error.map(|(name, _)| name),
            detail,
            code,
            error_type,
            request_id,
            retry_after,
            attempts,
            rate_limit,
            response: RawResponse {
                status: received.status,
                headers,
                body: received.body,
                truncated: received.truncated,
            },
        }
    }
}

/// The detail of an error whose body has none: a short cut of the text for a non-JSON body
/// (when the spec says so), else the status's reason phrase.
fn fallback_detail(received: &Received, was_json: bool, use_text: bool) -> String {
    let reason = reqwest::StatusCode::from_u16(received.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown status")
        .to_owned();
    if was_json || !use_text {
        return reason;
    }
    let text = String::from_utf8_lossy(&received.body);
    let text = text.trim();
    if text.is_empty() {
        return reason;
    }
    // An HTML error page (a proxy's 502) says what it is in its title; the markup is noise.
    let is_html = received
        .headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("text/html"))
        || text.starts_with("<!DOCTYPE html")
        || text.starts_with("<html");
    if is_html {
        return html_title(text).unwrap_or(reason);
    }
    // Keep it to one line and 1 KiB: the raw response has the rest.
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = one_line.chars().take(1024).collect();
    if cut.len() < one_line.len() {
        cut.push('…');
    }
    cut
}

/// The text of an HTML page's `<title>`, when it has a non-empty one.
fn html_title(page: &str) -> Option<String> {
    let lower = page.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let end = start + lower[start..].find("</title")?;
    let title = page[start..end]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then_some(title)
}

/// A streamed response: its events as they arrive, each decoded into `E`, as a
/// [`Stream`](futures_util::Stream). `Response<EventStream<E, K>>` derefs to it; read it
/// with `StreamExt::next` (it is `Unpin`: no pinning needed). An error is its last item.
#[must_use = "a stream does nothing until it is polled"]
pub struct EventStream<E, K> {
    /// `None` once the stream has ended.
    state: Option<EventState>,
    item: PhantomData<fn() -> (E, K)>,
}

// Nothing of it is pinned in place: the body is polled through `Pin::new`, its timer boxed.
impl<E, K> Unpin for EventStream<E, K> {}

impl<E, K> fmt::Debug for EventStream<E, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("ended", &self.state.is_none())
            .finish_non_exhaustive()
    }
}

impl<E: DeserializeOwned, K: ErrorClass> futures_util::Stream for EventStream<E, K> {
    type Item = Result<E, Error<K>>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let Some(reading) = self.state.as_mut() else {
            return std::task::Poll::Ready(None);
        };
        let item = std::task::ready!(reading.poll_item::<E, K>(cx));
        // An error, or the end, is the last item.
        if !matches!(item, Some(Ok(_))) {
            self.state = None;
        }
        std::task::Poll::Ready(item)
    }
}

/// A streamed response being read.
struct EventState {
    reader: EventReader,
    meta: StreamMeta,
}

/// What a streamed response's items need besides its events.
struct StreamMeta {
    client: Client,
    spec: &'static StreamSpec,
    status: u16,
    headers: HeaderMap,
    attempts: u32,
    idle: Duration,
}

impl EventState {
    /// The next item: `None` at the end (the terminator, or the end of a stream that has
    /// none); an error ends the stream after it. Polled in place: no future per item.
    fn poll_item<E: DeserializeOwned, K: ErrorClass>(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<E, Error<K>>>> {
        let EventState { reader, meta } = self;
        if let Some(first) = reader.first.take() {
            if let Some(item) = meta.item(first) {
                return std::task::Poll::Ready(item);
            }
        }
        std::task::Poll::Ready(loop {
            let sorted = match std::task::ready!(reader.poll_next(cx)) {
                None if meta.spec.done.is_some() => {
                    break Some(Err(Error::Connection(Box::new(ConnectionError {
                        message: "the event stream ended before its terminator".into(),
                        attempts: meta.attempts,
                        before_send: false,
                        source: None,
                    }))))
                }
                None => break None,
                Some(Err(e)) => break Some(Err(meta.failure(e))),
                Some(Ok(sorted)) => sorted,
            };
            if let Some(item) = meta.item(sorted) {
                break item;
            }
        })
    }
}

impl StreamMeta {
    /// What a sorted event gives the caller; `None` to read on (a skipped event).
    fn item<E: DeserializeOwned, K: ErrorClass>(
        &self,
        sorted: Sorted<'_>,
    ) -> Option<Option<Result<E, Error<K>>>> {
        let client = &self.client;
        Some(match sorted {
            Sorted::Skip => return None,
            Sorted::Done => None,
            Sorted::Data(data) => {
                // Checked as text once, then decoded from it: serde_json checks each
                // string of a byte slice on its own, which costs more.
                let decoded = match std::str::from_utf8(&data) {
                    Ok(text) => serde_json::from_str::<E>(text).map_err(|e| e.to_string()),
                    Err(e) => Err(format!("the event's data is not UTF-8: {e}")),
                };
                Some(decoded.map_err(|message| {
                    client.decode_error(
                        self.status,
                        &self.headers,
                        message,
                        Bytes::from(data.into_owned()),
                        self.attempts,
                    )
                }))
            }
            Sorted::Error { name, data } => {
                let (status, named) = client.event_status(self.spec, self.status, &data);
                let received = Received {
                    status,
                    headers: self.headers.clone(),
                    body: Bytes::from(data),
                    truncated: false,
                    stream: None,
                    events: None,
                    event_error: Some((name, named)),
                };
                let now = (client.inner.clock)();
                let mut error = client.api_error::<K>(received, self.attempts, None, now);
                error.retry_after = client.inner.retry.wait_for(
                    error.kind.class_name(),
                    error.kind.ancestors(),
                    |h| error.response.header(h).map(str::to_owned),
                    now,
                );
                Some(Err(Error::Api(Box::new(error))))
            }
        })
    }

    /// A failure reading the stream after its first event.
    fn failure<K>(&self, e: ReadError) -> Error<K> {
        self.client
            .stream_failure(e, self.status, &self.headers, self.attempts, self.idle)
    }
}

/// A transport error described by its kind and its chain of causes. reqwest's own
/// `Display` names the URL; the causes do not, and the URL never carries a secret anyway.
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut message = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_builder() {
        "could not build the request"
    } else if e.is_body() || e.is_decode() {
        "could not read the response"
    } else {
        "request failed"
    }
    .to_owned();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// `future`'s output, or `None` once `timer` fires first. The attempt's one timer serves
/// every step of it (`tokio::time::timeout_at` would set up a timer per step).
///
/// The future comes pinned by the caller, so it is held once, in the caller's state.
fn within<'a, F: Future + Unpin + 'a>(
    mut timer: std::pin::Pin<&'a mut tokio::time::Sleep>,
    mut future: F,
) -> impl Future<Output = Option<F::Output>> + 'a {
    std::future::poll_fn(move |cx| {
        if let std::task::Poll::Ready(out) = std::pin::Pin::new(&mut future).poll(cx) {
            return std::task::Poll::Ready(Some(out));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
}

/// A wait or timeout in whole milliseconds, for trace fields.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What kind of error ended a call or an attempt, for trace fields (never its message,
/// which may quote a body).
fn error_kind<K: ErrorClass>(e: &Error<K>) -> &'static str {
    match e {
        Error::Api(e) => e.kind.class_name(),
        Error::Connection(_) => "connection",
        Error::Timeout(_) => "timeout",
        Error::Decode(_) => "decode",
        Error::Request(_) => "request",
        Error::Redirect(_) => "redirect",
        Error::TooLarge(_) => "too large",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_titles() {
        assert_eq!(
            html_title("<html><head><TITLE> 502 Bad\n Gateway </TITLE>").as_deref(),
            Some("502 Bad Gateway")
        );
        assert_eq!(html_title("<title></title>"), None);
        assert_eq!(html_title("<title>unclosed"), None);
        assert_eq!(html_title("no markup"), None);
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, out) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), out);
        }
    }

    #[test]
    fn path_segments_cannot_escape() {
        assert_eq!(path_segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(path_segment("org_1-x.y~z"), "org_1-x.y~z");
    }

    #[test]
    fn forms_flatten_with_brackets() {
        let r = Request::new("POST", "/")
            .form(&serde_json::json!({"a": 1, "m": {"k": "v w"}, "l": ["x", "y"], "n": null}));
        let Body::Form(text) = r.body else {
            panic!("not a form")
        };
        assert_eq!(text, "a=1&l%5B0%5D=x&l%5B1%5D=y&m%5Bk%5D=v+w");
    }

    /// A call allocates the retry loop's future and each attempt's. Both stay within the
    /// largest block glibc's per-thread cache serves (1,032 bytes): a larger one takes
    /// malloc's slow path on every call.
    #[test]
    fn a_calls_futures_fit_the_allocators_cache() {
        #[derive(Debug)]
        struct Any;
        impl ErrorClass for Any {
            fn from_response(_: &ErrorResponse<'_>) -> Self {
                Any
            }
            fn class_name(&self) -> &'static str {
                "Any"
            }
            fn ancestors(&self) -> &'static [&'static str] {
                &[]
            }
        }
        static SPEC: ApiSpec = ApiSpec {
            name: "Sizes",
            user_agent: "sizes/0",
            base_url: "http://127.0.0.1:9",
            env_api_key: &[],
            extra_credentials: &[],
            optional_headers: &[],
            env_base_url: None,
            auth: Auth::None,
            headers: &[],
            request_id_header: None,
            envelope: EnvelopeSpec {
                detail: &[],
                code: &[],
                error_type: &[],
                non_json_text: false,
            },
            rate_limit_headers: &[],
            throttle_buckets: &[],
            retry: RetryPolicy::NEVER,
            default_timeout: Duration::from_secs(1),
            connect_timeout: None,
            fixed_paths: &[],
        };
        const CACHED: usize = 1032;
        let client = ClientBuilder::<Client>::new(&SPEC).build().unwrap();
        let request = Request::new("GET", "/");
        let attempts = client.attempts::<Any>(&request);
        let size = std::mem::size_of_val(&attempts);
        assert!(size <= CACHED, "the retry loop's future is {size} bytes");
        // The attempt, its `rebuild` holding what the loop's does.
        let sent = client.inner.http.execute(reqwest::Request::new(
            reqwest::Method::GET,
            client.url_with("/"),
        ));
        let key: Option<(&'static str, String)> = None;
        let (c, r, k, attempt, timeout) = (&client, &request, &key, 1u32, Duration::ZERO);
        let rebuild = move || {
            let _ = (c, r, k, attempt, timeout);
            None
        };
        let attempt = client.receive(sent, true, rebuild, Instant::now(), false, None);
        let size = std::mem::size_of_val(&attempt);
        assert!(size <= CACHED, "an attempt's future is {size} bytes");
    }
}
