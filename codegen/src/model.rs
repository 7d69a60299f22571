//! The resolved API: every reference followed, every default applied, every Rust name
//! computed, everything in emission order. Emitters read only this.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::spec::{self, AttrType, AuthScheme, BodyEncoding, HeaderFormat, NonJson, ParamLocation};
use crate::syntax::{self, StatusRange, TypeExpr};

pub mod describe;
pub mod example;
pub mod naming;
pub mod prose;

use naming::{rust_name, NameKind};

/// One API, resolved.
#[derive(Debug, Clone)]
pub struct Api {
    /// The spec file, as named in `@generated` headers (e.g. `spec/memsy.yaml`).
    pub spec_file: String,
    /// What an OpenAPI import added and left out, when the spec imports one.
    pub import: Option<spec::ImportReport>,
    /// Cargo features, one per top-level namespace, when the crate has them (an imported
    /// API): by group index, the feature that gates it. Empty: nothing is gated.
    pub features: BTreeMap<usize, String>,
    /// Display name, e.g. `Memsy`.
    pub name: String,
    /// Package name, e.g. `memsy`.
    pub crate_name: String,
    /// The crate as a Rust path segment (`-` folded to `_`).
    pub crate_ident: String,
    /// Crate version.
    pub version: String,
    /// Crate docs.
    pub docs: String,
    /// Default base URL.
    pub base_url: String,
    /// Environment variables holding the API key, tried in order.
    pub env_api_key: Vec<String>,
    /// Environment variable overriding the base URL.
    pub env_base_url: Option<String>,
    /// Authentication (the API key's scheme).
    pub auth: Auth,
    /// Further schemes, tried after the API key; the first configured wins.
    pub extra_auth: Vec<ExtraAuth>,
    /// Headers on every request, in spec order.
    pub fixed_headers: Vec<FixedHeader>,
    /// Headers sent when the builder or the environment gives a value, in spec order.
    pub optional_headers: Vec<OptionalHeader>,
    /// Response header with the request id.
    pub request_id_header: Option<String>,
    /// Default timeout of one attempt.
    pub timeout: Duration,
    /// Default connect timeout.
    pub connect_timeout: Option<Duration>,
    /// Publishing settings of the crate.
    pub package: spec::Package,
    /// The vendor's docs pages the spec is written from.
    pub sources: Vec<spec::SourcePage>,
    /// The error hierarchy and classification.
    pub errors: Errors,
    /// The retry policy (disabled when the spec has none).
    pub retry: Retry,
    /// Rate limits and quotas.
    pub rate_limits: RateLimits,
    /// Endpoint groups in order of first appearance; ungrouped endpoints have `name: None`
    /// and come first.
    pub groups: Vec<Group>,
    /// Every endpoint in spec order.
    pub endpoints: Vec<Endpoint>,
    /// Every model in spec order.
    pub models: Vec<Model>,
}

/// Authentication, resolved.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The scheme.
    pub scheme: AuthScheme,
    /// The header for `header` auth.
    pub header: Option<String>,
    /// The value prefix for `header` auth.
    pub prefix: Option<String>,
    /// The fixed user name for `basic` auth.
    pub username: Option<String>,
}

/// A further authentication scheme.
#[derive(Debug, Clone)]
pub struct ExtraAuth {
    /// How it travels.
    pub auth: Auth,
    /// Its environment variables, in order.
    pub env: Vec<String>,
    /// The builder method that sets it.
    pub setter: String,
}

/// A client-wide header without a fixed value.
#[derive(Debug, Clone)]
pub struct OptionalHeader {
    /// Name, lowercase.
    pub name: String,
    /// Its environment variables, in order.
    pub env: Vec<String>,
    /// The builder method that sets it.
    pub setter: String,
    /// Why.
    pub docs: Option<String>,
}

/// A fixed header.
#[derive(Debug, Clone)]
pub struct FixedHeader {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
    /// Why.
    pub docs: Option<String>,
}

/// A named class outside the classification table (root, connection, api, ...).
#[derive(Debug, Clone)]
pub struct Named {
    /// Name as the vendor documents it.
    pub spec_name: String,
    /// Rust type name.
    pub rust_name: String,
    /// Docs.
    pub docs: String,
}

/// The error side, resolved.
#[derive(Debug, Clone)]
pub struct Errors {
    /// Root of the hierarchy.
    pub root: Named,
    /// Transport failures.
    pub connection: Named,
    /// Timeouts, when the vendor names them apart.
    pub timeout: Option<Named>,
    /// Undecodable success bodies.
    pub decode: Named,
    /// The base API error.
    pub api: Named,
    /// Rust name of the enum with one variant per concrete class.
    pub kind_enum: String,
    /// Envelope paths.
    pub envelope: Envelope,
    /// Every class in spec order.
    pub classes: Vec<Class>,
    /// Classification order: indexes into `classes`. Non-fallback classes in spec order,
    /// then fallback classes in spec order; abstract classes are never tried.
    pub order: Vec<usize>,
}

/// Where the fields of an error body are.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Paths to the detail message, tried in order.
    pub detail: Vec<String>,
    /// Paths to the error code.
    pub code: Vec<String>,
    /// Paths to the error type.
    pub error_type: Vec<String>,
    /// What the detail is for a non-JSON body.
    pub non_json: NonJson,
}

/// One error class.
#[derive(Debug, Clone)]
pub struct Class {
    /// Name as documented.
    pub spec_name: String,
    /// Rust type (and enum variant) name.
    pub rust_name: String,
    /// Name of the `is_*` predicate for classes that have subclasses.
    pub predicate: String,
    /// Docs.
    pub docs: String,
    /// Spec names of the ancestors, nearest first, ending with the API base class.
    pub ancestors: Vec<String>,
    /// Indexes of the direct subclasses.
    pub children: Vec<usize>,
    /// Every status it is raised for (its own, then its alternatives'); empty for an
    /// abstract class.
    pub statuses: Vec<StatusRange>,
    /// Conditions every alternative shares (the `code` shorthand expanded first).
    pub matchers: Vec<Matcher>,
    /// The `any_of` alternatives, in spec order; empty when the class has one way in.
    pub alternatives: Vec<Alternative>,
    /// Fallback for its statuses.
    pub fallback: bool,
    /// Attributes: inherited ones first (root-most first), then its own, in spec order.
    pub attributes: Vec<Attribute>,
    /// Retried by the retry policy.
    pub retried: bool,
}

impl Attribute {
    /// Whether the header format is a wait or a point in time (read as seconds from now).
    pub fn format_is_wait(&self) -> bool {
        matches!(self.source, Source::Header(_))
            && !matches!(
                self.format,
                HeaderFormat::String
                    | HeaderFormat::Integer
                    | HeaderFormat::Number
                    | HeaderFormat::Boolean
            )
    }
}

/// One alternative of a class's `any_of`, resolved.
#[derive(Debug, Clone)]
pub struct Alternative {
    /// Its statuses (the class's when it names none).
    pub statuses: Vec<StatusRange>,
    /// Its own conditions, besides the class's shared ones.
    pub matchers: Vec<Matcher>,
}

/// One row of the class table: statuses and every condition that must hold together.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// Statuses of the row.
    pub statuses: &'a [StatusRange],
    /// The class's shared conditions, then the alternative's.
    pub matchers: Vec<&'a Matcher>,
}

impl Class {
    /// Whether the class is only a parent (no status of its own).
    pub fn is_abstract(&self) -> bool {
        self.statuses.is_empty()
    }

    /// The ways the class is recognised, each a row of the class table tried in order: one
    /// per alternative, or the class itself when it has none. (A fallback waives them all
    /// and is one row over `statuses`.)
    pub fn rows(&self) -> Vec<Row<'_>> {
        if self.alternatives.is_empty() {
            return vec![Row {
                statuses: &self.statuses,
                matchers: self.matchers.iter().collect(),
            }];
        }
        self.alternatives
            .iter()
            .map(|a| Row {
                statuses: &a.statuses,
                matchers: self.matchers.iter().chain(&a.matchers).collect(),
            })
            .collect()
    }
}

/// A condition on an error response.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// Where the value is.
    pub source: Source,
    /// What must hold.
    pub test: Test,
    /// Compared ignoring case.
    pub ignore_case: bool,
}

/// Where a value of an error response is read.
#[derive(Debug, Clone)]
pub enum Source {
    /// Paths into the JSON body, tried in order.
    Body(Vec<String>),
    /// A response header.
    Header(String),
}

/// A test on a value.
#[derive(Debug, Clone)]
pub enum Test {
    /// Equal to.
    Equals(String),
    /// One of.
    OneOf(Vec<String>),
    /// Ends with.
    EndsWith(String),
    /// Contains.
    Contains(String),
    /// Present or absent.
    Exists(bool),
}

/// A typed error attribute.
#[derive(Debug, Clone)]
pub struct Attribute {
    /// Name as documented.
    pub spec_name: String,
    /// Rust field name.
    pub rust_name: String,
    /// Docs.
    pub docs: String,
    /// Type.
    pub ty: AttrType,
    /// Where it is read.
    pub source: Source,
    /// Header format (headers only; defaults from the type).
    pub format: HeaderFormat,
    /// Further places tried in order when the first holds nothing, each with its format.
    pub fallbacks: Vec<(Source, HeaderFormat)>,
    /// A model type (`list<ValidationError>`), decoded from the body's JSON; `ty` is then
    /// `Json`.
    pub typed: Option<TypeExpr>,
}

/// The retry policy, resolved.
#[derive(Debug, Clone)]
pub struct Retry {
    /// Whether the spec declares a policy at all.
    pub declared: bool,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff wait.
    pub initial: Duration,
    /// Longest backoff wait.
    pub max: Duration,
    /// Growth per attempt.
    pub multiplier: f64,
    /// Jitter factor range.
    pub jitter: (f64, f64),
    /// Statuses retried.
    pub statuses: Vec<StatusRange>,
    /// Spec names of classes retried.
    pub classes: Vec<String>,
    /// Connect failures retried.
    pub on_connect: bool,
    /// Timeouts retried.
    pub on_timeout: bool,
    /// Wait hints, in order.
    pub retry_after: Vec<(String, HeaderFormat)>,
    /// Header overriding the status rule.
    pub should_retry_header: Option<String>,
    /// Longest honoured server wait.
    pub max_wait: Option<Duration>,
    /// Raise (true) or back off (false) past `max_wait`.
    pub raise_past_max_wait: bool,
    /// Total deadline of a call.
    pub deadline: Option<Duration>,
    /// Methods retried after the request may have reached the server.
    pub idempotent_methods: Vec<String>,
    /// Statuses proving the request was not acted on.
    pub not_processed: Vec<StatusRange>,
    /// Idempotency-key header.
    pub key_header: Option<String>,
    /// Methods resent on purpose though not idempotent.
    pub resend_methods: Vec<String>,
    /// An explicit backoff schedule (the last wait repeats); empty for exponential.
    pub schedule: Vec<Duration>,
    /// Floor of the jittered backoff.
    pub min: Duration,
    /// A zero server wait is replaced by the backoff.
    pub zero_wait_backoff: bool,
    /// Per-attempt headers.
    pub attempt_headers: Vec<(String, spec::AttemptValue)>,
    /// Classes with waits of their own.
    pub class_waits: Vec<ClassWait>,
}

/// A class's own wait sources, resolved.
#[derive(Debug, Clone)]
pub struct ClassWait {
    /// Class spec name.
    pub class: String,
    /// Headers (lowercase), formats and margins, in order.
    pub sources: Vec<(String, HeaderFormat, Duration)>,
    /// The wait when no source is present.
    pub default: Option<Duration>,
}

/// Rate limits, resolved.
#[derive(Debug, Clone, Default)]
pub struct RateLimits {
    /// Overview.
    pub docs: Option<String>,
    /// Token buckets in spec order.
    pub buckets: Vec<Bucket>,
    /// Header families in spec order.
    pub families: Vec<HeaderFamily>,
    /// Quotas in spec order, with the endpoints that draw on them.
    pub quotas: Vec<Quota>,
    /// Lifecycle, when declared.
    pub lifecycle: Option<Lifecycle>,
}

/// A token bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// Name.
    pub name: String,
    /// Scope.
    pub scope: String,
    /// The refill rate: count, unit (`minute`, `hour`, ...) and tokens per second.
    pub refill: Option<(f64, &'static str, f64)>,
    /// Capacity.
    pub burst: Option<u64>,
    /// Docs.
    pub docs: String,
}

/// A header family.
#[derive(Debug, Clone)]
pub struct HeaderFamily {
    /// Name.
    pub name: String,
    /// Limit header.
    pub limit: Option<(String, HeaderFormat)>,
    /// Remaining header.
    pub remaining: Option<(String, HeaderFormat)>,
    /// Reset header.
    pub reset: Option<(String, HeaderFormat)>,
    /// Used header.
    pub used: Option<(String, HeaderFormat)>,
    /// Further named fields: name and header.
    pub fields: Vec<(String, String)>,
    /// Docs.
    pub docs: Option<String>,
}

/// A quota.
#[derive(Debug, Clone)]
pub struct Quota {
    /// Name.
    pub name: String,
    /// Period.
    pub period: Option<String>,
    /// Limit.
    pub limit: Option<u64>,
    /// Docs.
    pub docs: String,
    /// Names of endpoints drawing on it, in spec order.
    pub endpoints: Vec<String>,
}

/// The lifecycle, resolved.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    /// Endpoint index.
    pub endpoint: usize,
    /// The response field (Rust name).
    pub field: String,
    /// The field's spec name.
    pub field_spec_name: String,
    /// The enum model index.
    pub model: usize,
    /// Values (wire) meaning a quota is spent.
    pub quota_exhausted: Vec<String>,
    /// Values (wire) meaning non-free calls are rejected.
    pub blocked: Vec<String>,
    /// Docs.
    pub docs: Option<String>,
}

/// A namespace of endpoints (`client.memory()`), or the client itself (`name: None`).
#[derive(Debug, Clone)]
pub struct Group {
    /// Spec name of the namespace, dotted for nested ones (`customers.sources`); `None`
    /// for the client itself.
    pub name: Option<String>,
    /// Accessor method name on the parent.
    pub method: String,
    /// Rust type of the group handle.
    pub rust_name: String,
    /// Endpoint indexes in spec order.
    pub endpoints: Vec<usize>,
    /// Index of the parent group (the client is group 0); `None` for the client.
    pub parent: Option<usize>,
    /// Indexes of nested groups, in order of first appearance.
    pub children: Vec<usize>,
}

/// An endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Full spec name, e.g. `memory.store`.
    pub spec_name: String,
    /// Rust method name.
    pub method_name: String,
    /// Group accessor methods from the client down: `["customers", "sources"]` for
    /// `customers.sources.list`, called as `client.customers().sources().list(..)`.
    pub accessors: Vec<String>,
    /// HTTP method, uppercase.
    pub http_method: String,
    /// Path template.
    pub path: String,
    /// Docs.
    pub docs: String,
    /// Parameters: path ones in placeholder order, then query, then header, each in spec
    /// order.
    pub params: Vec<Param>,
    /// Body model index and encoding.
    pub body: Option<(usize, BodyEncoding)>,
    /// Response type (`None` for no content, and for a download).
    pub response: Option<TypeExpr>,
    /// The success body is a download (`response: bytes`), streamed to the caller.
    pub download: bool,
    /// Quota it draws on.
    pub quota: Option<String>,
    /// Free (quota-exempt).
    pub free: bool,
    /// Idempotent (by the spec's methods or its own `idempotent`), as documented.
    pub idempotent: bool,
    /// Resent after it may have reached the server: idempotent, or its method is one the
    /// spec resends on purpose.
    pub resendable: bool,
    /// The Rust type of its call builder, e.g. `OrgsListCall` for `orgs.list`.
    pub call_type: String,
    /// Pagination, with the type of one item.
    pub pagination: Option<Pagination>,
    /// A streamed response: the type of each event, and how the stream is read.
    pub stream: Option<EventStream>,
    /// Error classes it is documented to raise (spec names).
    pub errors: Vec<String>,
}

/// A parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// Wire name.
    pub spec_name: String,
    /// Rust name.
    pub rust_name: String,
    /// The call builder's setter for it when optional: its Rust name, with `_param` added
    /// when that is a per-call option's name (`timeout` -> `timeout_param`).
    pub setter: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Type.
    pub ty: TypeExpr,
    /// Must be given.
    pub required: bool,
    /// Docs.
    pub docs: Option<String>,
}

/// A streamed response (server-sent events), resolved.
#[derive(Debug, Clone)]
pub struct EventStream {
    /// The type each event's data decodes into.
    pub event: TypeExpr,
    /// The body field set `true` to ask for the stream; `None` when the endpoint always
    /// streams.
    pub flag: Option<String>,
    /// The terminator's data.
    pub done: Option<String>,
    /// Events whose data is an error envelope.
    pub error_events: Vec<String>,
    /// A body path marking an event as an error.
    pub error_field: Option<String>,
    /// A body path in an error event with the status it stands for.
    pub error_status: Option<String>,
    /// Events skipped.
    pub ignore: Vec<String>,
}

/// A list endpoint's pagination, resolved.
#[derive(Debug, Clone)]
pub struct Pagination {
    /// The style.
    pub style: spec::PageStyle,
    /// Body path of the items (`$` for a list body).
    pub items: String,
    /// The type of one item.
    pub item: TypeExpr,
    /// Query parameter of the cursor, page or offset (empty for `link`).
    pub param: String,
    /// The cursor field of an item (`cursor`).
    pub field: String,
    /// Body path of the has-more flag (`cursor`).
    pub has_more: Option<String>,
    /// Body path of the next cursor (`next_cursor`).
    pub next: String,
    /// First page number (`page`).
    pub first: u64,
}

/// A model.
#[derive(Debug, Clone)]
pub struct Model {
    /// Name as written.
    pub spec_name: String,
    /// Rust type name.
    pub rust_name: String,
    /// Docs.
    pub docs: String,
    /// Struct or enum.
    pub shape: Shape,
}

/// Struct fields or enum values.
#[derive(Debug, Clone)]
pub enum Shape {
    /// A struct.
    Struct(Vec<Field>),
    /// An enum; `open` keeps unknown values.
    Enum {
        /// Values in spec order.
        values: Vec<EnumValue>,
        /// Unknown values decode into `Unknown(String)`.
        open: bool,
    },
    /// A union: tagged (`tag` names the field holding each variant's tag; an unknown tag
    /// keeps the raw JSON) or untagged (variants tried in order).
    Union {
        /// The tag field, for a tagged union.
        tag: Option<String>,
        /// Variants in spec order.
        variants: Vec<Variant>,
    },
}

/// A variant of a union.
#[derive(Debug, Clone)]
pub struct Variant {
    /// The tag's value (tagged unions).
    pub tag: Option<String>,
    /// The type it holds.
    pub ty: TypeExpr,
    /// Rust variant name.
    pub rust_name: String,
    /// Docs.
    pub docs: Option<String>,
}

/// A struct field.
#[derive(Debug, Clone)]
pub struct Field {
    /// Wire name.
    pub spec_name: String,
    /// Rust name.
    pub rust_name: String,
    /// Type.
    pub ty: TypeExpr,
    /// Always present.
    pub required: bool,
    /// May be null.
    pub nullable: bool,
    /// Docs.
    pub docs: Option<String>,
}

/// An enum value.
#[derive(Debug, Clone)]
pub struct EnumValue {
    /// Wire value.
    pub wire: String,
    /// Rust variant.
    pub rust_name: String,
    /// Docs.
    pub docs: Option<String>,
}

impl Api {
    /// The model with this spec name. `check` guarantees every reference resolves.
    pub fn model_index(&self, name: &str) -> Option<usize> {
        self.models.iter().position(|m| m.spec_name == name)
    }
}

/// Lowers a checked spec. Every reference is known to resolve and every string to parse;
/// where a lookup could fail in principle, `check` has already rejected the spec.
pub fn lower(spec_file: &str, spec: &spec::Spec) -> Api {
    let models: Vec<Model> = spec.models.iter().map(lower_model).collect();
    let endpoints: Vec<Endpoint> = spec
        .endpoints
        .iter()
        .map(|e| lower_endpoint(e, spec, &models))
        .collect();
    let errors = lower_errors(spec);
    let retry = lower_retry(spec.retry.as_ref());
    let errors = mark_retried(errors, &retry);
    let rate_limits = lower_rate_limits(spec, &endpoints, &models);
    let groups = group_endpoints(&endpoints);
    let api = &spec.api;
    let features = namespace_features(spec, &groups, &endpoints);
    Api {
        spec_file: spec_file.to_owned(),
        import: spec.import.clone(),
        features,
        name: api.name.clone(),
        crate_name: api.crate_name.clone(),
        crate_ident: api.crate_name.replace('-', "_"),
        version: api.version.clone(),
        docs: prose::prose(&api.docs),
        base_url: api.base_url.clone(),
        env_api_key: api
            .env
            .api_key
            .iter()
            .flat_map(|v| v.list())
            .map(str::to_owned)
            .collect(),
        env_base_url: api.env.base_url.clone(),
        auth: api.auth.primary().map(lower_auth).unwrap_or(Auth {
            scheme: AuthScheme::None,
            header: None,
            prefix: None,
            username: None,
        }),
        extra_auth: api
            .auth
            .list()
            .into_iter()
            .skip(1)
            .map(|a| ExtraAuth {
                auth: lower_auth(a),
                env: a
                    .env
                    .iter()
                    .flat_map(|e| e.list())
                    .map(str::to_owned)
                    .collect(),
                setter: a.setter.clone().unwrap_or_default(),
            })
            .collect(),
        fixed_headers: api
            .headers
            .iter()
            .filter_map(|h| {
                Some(FixedHeader {
                    name: h.name.clone(),
                    value: h.value.clone()?,
                    docs: h.docs.as_deref().map(prose::prose),
                })
            })
            .collect(),
        optional_headers: api
            .headers
            .iter()
            .filter(|h| h.value.is_none())
            .map(|h| OptionalHeader {
                name: h.name.to_ascii_lowercase(),
                env: h
                    .env
                    .iter()
                    .flat_map(|e| e.list())
                    .map(str::to_owned)
                    .collect(),
                setter: h
                    .setter
                    .clone()
                    .unwrap_or_else(|| rust_name(&h.name, NameKind::Field)),
                docs: h.docs.as_deref().map(prose::prose),
            })
            .collect(),
        request_id_header: api.request_id_header.clone(),
        timeout: api
            .timeout
            .as_deref()
            .and_then(|t| syntax::duration(t).ok())
            .unwrap_or(DEFAULT_TIMEOUT),
        connect_timeout: api
            .connect_timeout
            .as_deref()
            .and_then(|t| syntax::duration(t).ok()),
        package: api.package.clone(),
        sources: api.sources.clone(),
        errors,
        retry,
        rate_limits,
        groups,
        endpoints,
        models,
    }
}

fn named(n: &spec::NamedError) -> Named {
    Named {
        spec_name: n.name.clone(),
        rust_name: rust_name(&n.name, NameKind::Type),
        docs: prose::prose(&n.docs),
    }
}

fn paths(p: &Option<spec::Paths>) -> Vec<String> {
    p.as_ref()
        .map(|p| p.list().into_iter().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn lower_errors(spec: &spec::Spec) -> Errors {
    let e = &spec.errors;
    let api = named(&e.api);
    let envelope = Envelope {
        detail: paths(&e.envelope.detail),
        code: paths(&e.envelope.code),
        error_type: paths(&e.envelope.error_type),
        non_json: e.envelope.non_json.unwrap_or(NonJson::Text),
    };
    let index: BTreeMap<&str, usize> = e
        .classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    let parent_of = |c: &spec::ErrorClass| -> Option<usize> {
        c.parent.as_deref().and_then(|p| index.get(p).copied())
    };
    let mut classes: Vec<Class> = Vec::with_capacity(e.classes.len());
    for c in &e.classes {
        // Ancestors, nearest first; `check` has ruled out cycles, the bound is a guard.
        let mut ancestors = Vec::new();
        let mut chain = Vec::new();
        let mut cur = parent_of(c);
        while let Some(p) = cur {
            if chain.len() > e.classes.len() {
                break;
            }
            chain.push(p);
            ancestors.push(e.classes[p].name.clone());
            cur = parent_of(&e.classes[p]);
        }
        ancestors.push(api.spec_name.clone());
        let mut attributes = Vec::new();
        for &p in chain.iter().rev() {
            attributes.extend(e.classes[p].attributes.iter().map(lower_attribute));
        }
        attributes.extend(c.attributes.iter().map(lower_attribute));
        // An attribute redeclared by a subclass replaces the inherited one.
        let mut seen = BTreeMap::new();
        for (i, a) in attributes.iter().enumerate() {
            seen.insert(a.rust_name.clone(), i);
        }
        let attributes: Vec<Attribute> = attributes
            .iter()
            .enumerate()
            .filter(|(i, a)| seen.get(&a.rust_name) == Some(i))
            .map(|(_, a)| a.clone())
            .collect();
        let conditions = |code: Option<&spec::OneOrMany>, when: &[spec::Matcher]| {
            let mut matchers = Vec::new();
            if let Some(code) = code {
                let codes: Vec<String> = code.list().into_iter().map(str::to_owned).collect();
                matchers.push(Matcher {
                    source: Source::Body(envelope.code.clone()),
                    test: if codes.len() == 1 {
                        Test::Equals(codes[0].clone())
                    } else {
                        Test::OneOf(codes)
                    },
                    ignore_case: false,
                });
            }
            matchers.extend(when.iter().map(lower_matcher));
            matchers
        };
        let matchers = conditions(c.code.as_ref(), &c.when);
        let own_statuses: Vec<StatusRange> = c
            .status
            .as_ref()
            .and_then(|s| syntax::statuses(s).ok())
            .unwrap_or_default();
        let alternatives: Vec<Alternative> = c
            .any_of
            .iter()
            .map(|a| Alternative {
                statuses: a
                    .status
                    .as_ref()
                    .and_then(|s| syntax::statuses(s).ok())
                    .unwrap_or_else(|| own_statuses.clone()),
                matchers: conditions(a.code.as_ref(), &a.when),
            })
            .collect();
        // Every status the class answers to, its own first, without repeats.
        let mut statuses = own_statuses.clone();
        for a in &alternatives {
            for r in &a.statuses {
                if !statuses.contains(r) {
                    statuses.push(*r);
                }
            }
        }
        let rust = rust_name(&c.name, NameKind::Type);
        classes.push(Class {
            spec_name: c.name.clone(),
            predicate: naming::prefixed("is_", &rust_name(&c.name, NameKind::Field)),
            rust_name: rust,
            docs: prose::prose(&c.docs),
            ancestors,
            children: e
                .classes
                .iter()
                .enumerate()
                .filter(|(_, k)| k.parent.as_deref() == Some(c.name.as_str()))
                .map(|(i, _)| i)
                .collect(),
            statuses,
            matchers,
            alternatives,
            fallback: c.fallback,
            attributes,
            retried: false,
        });
    }
    // Classification order: specific classes in spec order first, fallbacks after them, so
    // a fallback only takes what no specific class claimed.
    let concrete = |i: &usize| !classes[*i].is_abstract();
    let mut order: Vec<usize> = (0..classes.len())
        .filter(concrete)
        .filter(|i| !classes[*i].fallback)
        .collect();
    order.extend(
        (0..classes.len())
            .filter(concrete)
            .filter(|i| classes[*i].fallback),
    );
    Errors {
        root: named(&e.root),
        connection: named(&e.connection),
        timeout: e.timeout.as_ref().map(named),
        decode: e.decode.as_ref().map(named).unwrap_or_else(|| Named {
            spec_name: "DecodeError".into(),
            rust_name: "DecodeError".into(),
            docs: "A 2xx response whose body could not be decoded; the raw bytes are kept.".into(),
        }),
        // The same name in every crate, whatever the spec calls its classes.
        kind_enum: "ErrorKind".to_owned(),
        api,
        envelope,
        classes,
        order,
    }
}

fn lower_auth(a: &spec::Auth) -> Auth {
    Auth {
        scheme: a.scheme,
        header: a.header.clone(),
        prefix: a.prefix.clone(),
        username: a.username.clone(),
    }
}

fn mark_retried(mut errors: Errors, retry: &Retry) -> Errors {
    for c in &mut errors.classes {
        c.retried = retry.classes.contains(&c.spec_name)
            || c.ancestors.iter().any(|a| retry.classes.contains(a));
    }
    errors
}

fn lower_matcher(m: &spec::Matcher) -> Matcher {
    let source = match (&m.body, &m.header) {
        (Some(p), _) => Source::Body(vec![p.clone()]),
        (None, Some(h)) => Source::Header(h.clone()),
        (None, None) => Source::Body(vec!["$".into()]),
    };
    let test = if let Some(v) = &m.equals {
        Test::Equals(v.clone())
    } else if let Some(v) = &m.one_of {
        Test::OneOf(v.clone())
    } else if let Some(v) = &m.ends_with {
        Test::EndsWith(v.clone())
    } else if let Some(v) = &m.contains {
        Test::Contains(v.clone())
    } else {
        Test::Exists(m.exists.unwrap_or(true))
    };
    Matcher {
        source,
        test,
        ignore_case: m.ignore_case,
    }
}

fn lower_attribute(a: &spec::Attribute) -> Attribute {
    let (ty, typed) = match &a.ty {
        spec::AttrTypeSpec::Scalar(t) => (*t, None),
        // A type expression is JSON on the wire, decoded into its Rust type.
        spec::AttrTypeSpec::Expr(e) => (AttrType::Json, TypeExpr::parse(e).ok()),
    };
    let default_format = match ty {
        AttrType::String | AttrType::Json => HeaderFormat::String,
        AttrType::Integer => HeaderFormat::Integer,
        AttrType::Number => HeaderFormat::Number,
        AttrType::Boolean => HeaderFormat::Boolean,
        AttrType::Duration => HeaderFormat::Seconds,
        AttrType::Timestamp => HeaderFormat::Rfc3339,
    };
    let one = |body: &Option<String>, header: &Option<String>, format: Option<HeaderFormat>| {
        let source = match (body, header) {
            (Some(p), _) => Source::Body(vec![p.clone()]),
            (None, Some(h)) => Source::Header(h.clone()),
            (None, None) => Source::Body(vec![a.name.clone()]),
        };
        (source, format.unwrap_or(default_format))
    };
    let mut sources: Vec<(Source, HeaderFormat)> = if a.sources.is_empty() {
        vec![one(&a.body, &a.header, a.format)]
    } else {
        a.sources
            .iter()
            .map(|s| one(&s.body, &s.header, s.format))
            .collect()
    };
    let (source, format) = sources.remove(0);
    Attribute {
        spec_name: a.name.clone(),
        rust_name: rust_name(&a.name, NameKind::Field),
        docs: prose::prose(&a.docs),
        ty,
        typed,
        source,
        format,
        fallbacks: sources,
    }
}

/// The methods retried after the request may have reached the server when the spec does
/// not say (RFC 9110's idempotent methods).
const DEFAULT_IDEMPOTENT: [&str; 5] = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"];

/// The timeout of one attempt when the spec states none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

fn lower_retry(r: Option<&spec::Retry>) -> Retry {
    let dur = |s: &Option<String>| s.as_deref().and_then(|s| syntax::duration(s).ok());
    let Some(r) = r else {
        return Retry {
            declared: false,
            max_retries: 0,
            initial: Duration::from_millis(500),
            max: Duration::from_secs(8),
            multiplier: 2.0,
            jitter: (1.0, 1.0),
            statuses: Vec::new(),
            classes: Vec::new(),
            on_connect: false,
            on_timeout: false,
            retry_after: Vec::new(),
            should_retry_header: None,
            max_wait: None,
            raise_past_max_wait: true,
            deadline: None,
            idempotent_methods: DEFAULT_IDEMPOTENT.iter().map(|m| m.to_string()).collect(),
            not_processed: Vec::new(),
            key_header: None,
            resend_methods: Vec::new(),
            schedule: Vec::new(),
            min: Duration::ZERO,
            zero_wait_backoff: false,
            attempt_headers: Vec::new(),
            class_waits: Vec::new(),
        };
    };
    let schedule: Vec<Duration> = r
        .backoff
        .schedule
        .iter()
        .flatten()
        .filter_map(|w| syntax::duration(w).ok())
        .collect();
    let initial = r
        .backoff
        .initial
        .as_deref()
        .and_then(|i| syntax::duration(i).ok())
        .or_else(|| schedule.first().copied())
        .unwrap_or(Duration::from_millis(500));
    let jitter = match r.backoff.jitter.as_deref() {
        Some([lo, hi]) => (*lo, *hi),
        _ => (1.0, 1.0),
    };
    let idem = r.idempotency.as_ref();
    Retry {
        declared: true,
        max_retries: u32::try_from(r.max_retries).unwrap_or(0),
        initial,
        max: dur(&r.backoff.max)
            .or_else(|| schedule.iter().max().copied())
            .unwrap_or(initial),
        multiplier: r.backoff.multiplier.unwrap_or(2.0),
        jitter,
        statuses: r
            .on
            .statuses
            .as_ref()
            .and_then(|s| syntax::statuses(s).ok())
            .unwrap_or_default(),
        classes: r.on.classes.clone(),
        on_connect: r.on.transport.contains(&spec::TransportFailure::Connect),
        on_timeout: r.on.transport.contains(&spec::TransportFailure::Timeout),
        retry_after: r
            .retry_after
            .iter()
            .map(|h| (h.header.clone(), h.format))
            .collect(),
        should_retry_header: r.should_retry_header.clone(),
        max_wait: dur(&r.max_wait),
        raise_past_max_wait: r.past_max_wait != Some(spec::PastMaxWait::Backoff),
        deadline: dur(&r.deadline),
        idempotent_methods: idem
            .and_then(|i| i.methods.clone())
            .unwrap_or_else(|| DEFAULT_IDEMPOTENT.iter().map(|m| m.to_string()).collect()),
        not_processed: idem
            .and_then(|i| i.not_processed.as_ref())
            .and_then(|s| syntax::statuses(s).ok())
            .unwrap_or_default(),
        key_header: idem.and_then(|i| i.key_header.clone()),
        resend_methods: idem
            .and_then(|i| i.resend_methods.clone())
            .unwrap_or_default(),
        schedule,
        min: dur(&r.backoff.min).unwrap_or(Duration::ZERO),
        zero_wait_backoff: r.zero_wait == Some(spec::ZeroWait::Backoff),
        attempt_headers: r
            .attempt_headers
            .iter()
            .map(|h| (h.header.to_ascii_lowercase(), h.value))
            .collect(),
        class_waits: r
            .class_waits
            .iter()
            .map(|w| ClassWait {
                class: w.class.clone(),
                sources: w
                    .from
                    .iter()
                    .map(|s| {
                        (
                            s.header.to_ascii_lowercase(),
                            s.format,
                            dur(&s.plus).unwrap_or(Duration::ZERO),
                        )
                    })
                    .collect(),
                default: dur(&w.default),
            })
            .collect(),
    }
}

fn lower_rate_limits(spec: &spec::Spec, endpoints: &[Endpoint], models: &[Model]) -> RateLimits {
    let Some(rl) = &spec.rate_limits else {
        return RateLimits::default();
    };
    let href = |h: &Option<spec::HeaderRef>| h.as_ref().map(|h| (h.header.clone(), h.format));
    let lifecycle = rl.lifecycle.as_ref().and_then(|lc| {
        let endpoint = endpoints.iter().position(|e| e.spec_name == lc.endpoint)?;
        let response = endpoints[endpoint].response.as_ref()?.named()?.to_owned();
        let model = models.iter().find(|m| m.spec_name == response)?;
        let Shape::Struct(fields) = &model.shape else {
            return None;
        };
        let field = fields.iter().find(|f| f.spec_name == lc.field)?;
        let enum_name = field.ty.named()?;
        Some(Lifecycle {
            endpoint,
            field: field.rust_name.clone(),
            field_spec_name: field.spec_name.clone(),
            model: models.iter().position(|m| m.spec_name == enum_name)?,
            quota_exhausted: lc.quota_exhausted.clone(),
            blocked: lc.blocked.clone(),
            docs: lc.docs.as_deref().map(prose::prose),
        })
    });
    RateLimits {
        docs: rl.docs.as_deref().map(prose::prose),
        buckets: rl
            .buckets
            .iter()
            .map(|b| Bucket {
                name: b.name.clone(),
                scope: b.scope.clone(),
                refill: match (&b.refill, b.refill_per_minute) {
                    (Some(r), _) => syntax::rate(r).ok(),
                    (None, Some(n)) => u64::try_from(n)
                        .ok()
                        .map(|n| (n as f64, "minute", n as f64 / 60.0)),
                    (None, None) => None,
                },
                burst: b.burst.and_then(|v| u64::try_from(v).ok()),
                docs: prose::prose(&b.docs),
            })
            .collect(),
        families: rl
            .headers
            .iter()
            .map(|f| HeaderFamily {
                name: f.name.clone(),
                limit: href(&f.limit),
                remaining: href(&f.remaining),
                reset: href(&f.reset),
                used: href(&f.used),
                fields: f
                    .fields
                    .iter()
                    .map(|x| (x.name.clone(), x.header.to_ascii_lowercase()))
                    .collect(),
                docs: f.docs.as_deref().map(prose::prose),
            })
            .collect(),
        quotas: rl
            .quotas
            .iter()
            .map(|q| Quota {
                name: q.name.clone(),
                period: q.period.clone(),
                limit: q.limit.and_then(|v| u64::try_from(v).ok()),
                docs: prose::prose(&q.docs),
                endpoints: endpoints
                    .iter()
                    .filter(|e| e.quota.as_deref() == Some(q.name.as_str()))
                    .map(|e| e.spec_name.clone())
                    .collect(),
            })
            .collect(),
        lifecycle,
    }
}

fn lower_endpoint(e: &spec::Endpoint, spec: &spec::Spec, models: &[Model]) -> Endpoint {
    let local = e.name.rsplit('.').next().unwrap_or(&e.name);
    let placeholders = syntax::path_placeholders(&e.path).unwrap_or_default();
    let param = |p: &spec::Param| Param {
        spec_name: p.name.clone(),
        rust_name: rust_name(&p.name, NameKind::Field),
        setter: naming::setter_name(&rust_name(&p.name, NameKind::Field)),
        location: p.location,
        ty: TypeExpr::parse(p.ty.as_deref().unwrap_or("string")).unwrap_or(TypeExpr::String),
        required: p.location == ParamLocation::Path || p.required.unwrap_or(false),
        docs: p.docs.as_deref().map(prose::prose),
    };
    // Parameter order: path parameters in the order the path names them, then query, then
    // header parameters in spec order. Method signatures follow it.
    let mut params: Vec<Param> = placeholders
        .iter()
        .filter_map(|ph| {
            e.params
                .iter()
                .find(|p| p.location == ParamLocation::Path && p.name == *ph)
        })
        .map(param)
        .collect();
    for loc in [ParamLocation::Query, ParamLocation::Header] {
        params.extend(e.params.iter().filter(|p| p.location == loc).map(param));
    }
    let method = e.method.clone();
    let idempotent = e.idempotent.unwrap_or_else(|| {
        let methods = spec
            .retry
            .as_ref()
            .and_then(|r| r.idempotency.as_ref())
            .and_then(|i| i.methods.clone())
            .unwrap_or_else(|| DEFAULT_IDEMPOTENT.iter().map(|m| m.to_string()).collect());
        methods.contains(&method)
    });
    // Resent after it may have reached the server: idempotent, or a method the vendor's
    // SDK resends on purpose.
    let resendable = idempotent
        || spec
            .retry
            .as_ref()
            .and_then(|r| r.idempotency.as_ref())
            .and_then(|i| i.resend_methods.as_ref())
            .is_some_and(|m| m.contains(&method));
    let segments: Vec<&str> = e.name.split('.').collect();
    Endpoint {
        spec_name: e.name.clone(),
        method_name: rust_name(local, NameKind::Field),
        accessors: segments[..segments.len().saturating_sub(1)]
            .iter()
            .map(|s| rust_name(s, NameKind::Field))
            .collect(),
        http_method: method,
        path: e.path.clone(),
        docs: prose::prose(&e.docs),
        params,
        body: e.body.as_ref().and_then(|b| {
            models
                .iter()
                .position(|m| m.spec_name == *b)
                .map(|i| (i, e.body_encoding.unwrap_or(BodyEncoding::Json)))
        }),
        response: e
            .response
            .as_deref()
            .filter(|r| *r != syntax::DOWNLOAD)
            .and_then(|r| TypeExpr::parse(r).ok()),
        download: e.response.as_deref() == Some(syntax::DOWNLOAD),
        quota: e.quota.clone(),
        free: e.free,
        idempotent,
        resendable,
        call_type: format!(
            "{}Call",
            segments
                .iter()
                .map(|s| rust_name(s, NameKind::Type))
                .collect::<String>()
        ),
        errors: e.errors.clone(),
        pagination: e
            .pagination
            .as_ref()
            .and_then(|p| lower_pagination(p, e, models)),
        stream: e.stream.as_ref().and_then(|st| {
            Some(EventStream {
                event: TypeExpr::parse(&st.events).ok()?,
                flag: st.flag.clone(),
                done: st.done.clone(),
                error_events: st.error_events.clone(),
                error_field: st.error_field.clone(),
                error_status: st.error_status.clone(),
                ignore: st.ignore.clone(),
            })
        }),
    }
}

/// The feature of each top-level namespace of an imported API (its accessor's name), so a
/// user compiles only the namespaces they enable. The namespace holding the lifecycle
/// endpoint is never gated: the client's own helpers call it.
fn namespace_features(
    spec: &spec::Spec,
    groups: &[Group],
    endpoints: &[Endpoint],
) -> BTreeMap<usize, String> {
    if spec.import.is_none() {
        return BTreeMap::new();
    }
    let lifecycle_top = spec.rate_limits.as_ref().and_then(|r| {
        let lc = r.lifecycle.as_ref()?;
        let e = endpoints.iter().find(|e| e.spec_name == lc.endpoint)?;
        e.accessors.first().cloned()
    });
    groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.parent == Some(0))
        .filter(|(_, g)| lifecycle_top.as_deref() != Some(g.method.as_str()))
        .map(|(i, g)| {
            let name = g.method.trim_start_matches("r#");
            // Cargo's `default`, and the TLS features every crate has, are not namespaces.
            let name = if matches!(name, "default" | "rustls") {
                format!("{name}_endpoints")
            } else {
                name.to_owned()
            };
            (i, name)
        })
        .collect()
}

/// The items path and item type of a paginated endpoint: `$` of a list response, or a
/// path through the response model's fields to a list (`check` has proved it resolves).
pub fn page_items(
    p: &spec::Pagination,
    response: Option<&str>,
    field_type: impl Fn(&str, &str) -> Option<TypeExpr>,
) -> Option<(String, TypeExpr)> {
    let response = TypeExpr::parse(response?).ok()?;
    let default = if matches!(response, TypeExpr::List(_)) {
        "$"
    } else {
        "data"
    };
    let path = p.items.clone().unwrap_or_else(|| default.to_owned());
    let mut ty = response;
    if path != "$" {
        for segment in path.split('.') {
            let model = ty.named()?.to_owned();
            ty = field_type(&model, segment)?;
        }
    }
    match ty {
        TypeExpr::List(item) => Some((path, *item)),
        _ => None,
    }
}

fn lower_pagination(
    p: &spec::Pagination,
    e: &spec::Endpoint,
    models: &[Model],
) -> Option<Pagination> {
    let (items, item) = page_items(p, e.response.as_deref(), |model, field| {
        let m = models.iter().find(|m| m.spec_name == model)?;
        let Shape::Struct(fields) = &m.shape else {
            return None;
        };
        fields
            .iter()
            .find(|f| f.spec_name == field)
            .map(|f| f.ty.clone())
    })?;
    Some(Pagination {
        style: p.style,
        items,
        item,
        param: p.param.clone().unwrap_or_default(),
        field: p.field.clone().unwrap_or_else(|| "id".into()),
        has_more: p.has_more.clone(),
        next: p.next.clone().unwrap_or_else(|| "next_cursor".into()),
        first: p.first.unwrap_or(1),
    })
}

fn group_endpoints(endpoints: &[Endpoint]) -> Vec<Group> {
    // Groups: the client itself first, then namespaces in order of first appearance, each
    // parent before its children.
    let mut groups = vec![Group {
        name: None,
        method: String::new(),
        rust_name: String::new(),
        endpoints: Vec::new(),
        parent: None,
        children: Vec::new(),
    }];
    for (i, e) in endpoints.iter().enumerate() {
        let segments: Vec<&str> = e.spec_name.split('.').collect();
        let mut parent = 0;
        for depth in 1..segments.len() {
            let path = segments[..depth].join(".");
            let found = groups
                .iter()
                .position(|g| g.name.as_deref() == Some(path.as_str()));
            parent = match found {
                Some(g) => g,
                None => {
                    let type_name: String = segments[..depth]
                        .iter()
                        .map(|s| rust_name(s, NameKind::Type))
                        .collect();
                    groups.push(Group {
                        name: Some(path),
                        method: rust_name(segments[depth - 1], NameKind::Field),
                        rust_name: format!("{type_name}Api"),
                        endpoints: Vec::new(),
                        parent: Some(parent),
                        children: Vec::new(),
                    });
                    let new = groups.len() - 1;
                    groups[parent].children.push(new);
                    new
                }
            };
        }
        groups[parent].endpoints.push(i);
    }
    groups
}

/// The Rust variant name of an untagged alternative: `Part`, `StringList`, `PartMap`.
fn variant_name(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named(n) => rust_name(n, NameKind::Type),
        TypeExpr::List(i) => format!("{}List", variant_name(i)),
        TypeExpr::Map(i) => format!("{}Map", variant_name(i)),
        TypeExpr::String => "String".into(),
        TypeExpr::Integer => "Integer".into(),
        TypeExpr::Number => "Number".into(),
        TypeExpr::Boolean => "Boolean".into(),
        TypeExpr::Timestamp => "Timestamp".into(),
        TypeExpr::Json => "Json".into(),
        TypeExpr::File => "File".into(),
    }
}

fn lower_model(m: &spec::Model) -> Model {
    if let Some(variants) = &m.variants {
        return Model {
            spec_name: m.name.clone(),
            rust_name: rust_name(&m.name, NameKind::Type),
            docs: prose::prose(&m.docs),
            shape: Shape::Union {
                tag: m.tag.clone(),
                variants: variants
                    .iter()
                    .map(|v| Variant {
                        tag: Some(v.tag.clone()),
                        ty: TypeExpr::Named(v.model.clone()),
                        rust_name: rust_name(&v.tag, NameKind::Variant),
                        docs: v.docs.as_deref().map(prose::prose),
                    })
                    .collect(),
            },
        };
    }
    if let Some(types) = &m.one_of {
        return Model {
            spec_name: m.name.clone(),
            rust_name: rust_name(&m.name, NameKind::Type),
            docs: prose::prose(&m.docs),
            shape: Shape::Union {
                tag: None,
                variants: types
                    .iter()
                    .filter_map(|t| TypeExpr::parse(t).ok())
                    .map(|ty| Variant {
                        tag: None,
                        rust_name: variant_name(&ty),
                        ty,
                        docs: None,
                    })
                    .collect(),
            },
        };
    }
    let shape = match (&m.fields, &m.values) {
        (_, Some(values)) => Shape::Enum {
            values: values
                .iter()
                .map(|v| EnumValue {
                    wire: v.value.clone(),
                    rust_name: rust_name(&v.value, NameKind::Variant),
                    docs: v.docs.as_deref().map(prose::prose),
                })
                .collect(),
            open: m.open.unwrap_or(true),
        },
        (fields, None) => Shape::Struct(
            fields
                .iter()
                .flatten()
                .map(|f| Field {
                    spec_name: f.name.clone(),
                    rust_name: rust_name(&f.name, NameKind::Field),
                    ty: TypeExpr::parse(&f.ty).unwrap_or(TypeExpr::Json),
                    required: f.required.unwrap_or(true),
                    nullable: f.nullable,
                    docs: f.docs.as_deref().map(prose::prose),
                })
                .collect(),
        ),
    };
    Model {
        spec_name: m.name.clone(),
        rust_name: rust_name(&m.name, NameKind::Type),
        docs: prose::prose(&m.docs),
        shape,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
api: {name: T, crate: t, version: 0.1.0, docs: T., base_url: "https://t.test", auth: {scheme: bearer}}
errors:
  root: {name: TError, docs: R.}
  connection: {name: TConnectionError, docs: C.}
  api: {name: TApiError, docs: A.}
  envelope: {code: code}
  classes:
    - {name: Fallback429, docs: F., status: 429, fallback: true}
    - {name: Group, docs: G.}
    - {name: Quota, docs: Q., status: 429, code: quota, parent: Group}
    - {name: Throttle, docs: T., status: 429, code: throttle}
endpoints:
  - name: b.x.get
    method: GET
    path: "/b/{second}/{first}"
    docs: D.
    params:
      - {name: h, in: header}
      - {name: q, in: query}
      - {name: first, in: path}
      - {name: second, in: path}
  - {name: top, method: GET, path: /top, docs: D.}
  - {name: a.get, method: GET, path: /a, docs: D.}
  - {name: b.get, method: GET, path: /b, docs: D.}
"#;

    fn api() -> Api {
        let spec: spec::Spec = serde_yaml::from_str(SPEC).unwrap();
        let map = crate::diagnostic::SourceMap::new("t.yaml", SPEC);
        assert!(crate::check::check(&spec, &map).is_empty());
        lower("t.yaml", &spec)
    }

    #[test]
    fn classification_order_is_spec_order_then_fallbacks_and_skips_abstract_classes() {
        let a = api();
        let names: Vec<&str> = a
            .errors
            .order
            .iter()
            .map(|&i| a.errors.classes[i].spec_name.as_str())
            .collect();
        assert_eq!(names, ["Quota", "Throttle", "Fallback429"]);
        assert_eq!(a.errors.classes[2].ancestors, ["Group", "TApiError"]);
        assert_eq!(a.errors.classes[1].children, [2]);
    }

    #[test]
    fn parameters_are_path_in_placeholder_order_then_query_then_header() {
        let a = api();
        let names: Vec<&str> = a.endpoints[0]
            .params
            .iter()
            .map(|p| p.spec_name.as_str())
            .collect();
        assert_eq!(names, ["second", "first", "q", "h"]);
    }

    #[test]
    fn groups_are_the_client_then_namespaces_by_first_appearance_parents_first() {
        let a = api();
        let names: Vec<Option<&str>> = a.groups.iter().map(|g| g.name.as_deref()).collect();
        assert_eq!(names, [None, Some("b"), Some("b.x"), Some("a")]);
        assert_eq!(a.groups[0].endpoints, [1]);
        assert_eq!(a.groups[1].endpoints, [3]);
        assert_eq!(a.groups[1].children, [2]);
        assert_eq!(a.endpoints[0].accessors, ["b", "x"]);
        assert_eq!(a.groups[2].rust_name, "BXApi");
    }
}
