//! Every semantic rule of the spec language. Each rule is one function over a shared
//! context; all of them run and every diagnostic is collected before generation stops.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostic::{Diagnostic, SourceMap};
use crate::model::naming::{is_ident, rust_name, NameKind};
use crate::spec::{self, AttrType, AuthScheme, HeaderFormat, ParamLocation, Spec};
use crate::syntax::{self, StatusRange, TypeExpr};

/// The deepest endpoint name: `a.b.c.method`.
const MAX_ENDPOINT_DEPTH: usize = 4;

/// Crate names a generated crate may not take (compared with `-` as `_`): the workspace's
/// own crates, the crates generated code depends on, Rust's own crates, names Cargo
/// reserves for its build directories, and names Windows cannot give a directory.
pub const RESERVED_CRATE_NAMES: [&str; 34] = [
    "codegen",
    "conformance",
    "xtask",
    "sdkgen_runtime",
    "serde",
    "serde_json",
    "reqwest",
    "tokio",
    "bytes",
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "deps",
    "examples",
    "build",
    "incremental",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "com2",
    "com3",
    "com4",
    "com5",
    "com6",
    "com7",
    "com8",
    "com9",
    "lpt1",
    "lpt2",
    "lpt3",
];

/// Methods the generated client builder already has; a spec's setter may not take them.
const BUILDER_METHODS: [&str; 15] = [
    "new",
    "api_key",
    "base_url",
    "timeout",
    "connect_timeout",
    "max_retries",
    "deadline",
    "http_client_builder",
    "max_response_size",
    "throttle",
    "clock",
    "jitter_seed",
    "build",
    "credential",
    "optional_header",
];

/// The longest crate name crates.io accepts.
const MAX_CRATE_NAME: usize = 64;

/// Names the generated crate defines itself; a model or error class may not take them.
pub const RESERVED_TYPE_NAMES: [&str; 23] = [
    "Client",
    "ClientBuilder",
    "Response",
    "Result",
    "Error",
    "ErrorKind",
    "RateLimitCause",
    "BuildError",
    "Option",
    // Re-exported from the runtime.
    "BodyStream",
    "CallOptions",
    "ErrorClass",
    "EventStream",
    "File",
    "RateLimitFamily",
    "RateLimitState",
    "RawResponse",
    "RedirectError",
    "RequestError",
    "SecretString",
    "TimeoutError",
    "Timestamp",
    "TooLargeError",
];

struct Ctx<'a> {
    spec: &'a Spec,
    map: &'a SourceMap,
    out: Vec<Diagnostic>,
}

impl<'a> Ctx<'a> {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        let d = self.map.at(path, message);
        self.out.push(d);
    }

    fn err_hint(&mut self, path: &str, message: impl Into<String>, hint: impl Into<String>) {
        let d = self.map.at(path, message).hint(hint);
        self.out.push(d);
    }

    fn class_names(&self) -> BTreeSet<&'a str> {
        let spec: &'a Spec = self.spec;
        spec.errors
            .classes
            .iter()
            .map(|c| c.name.as_str())
            .collect()
    }

    fn model(&self, name: &str) -> Option<&'a spec::Model> {
        let spec: &'a Spec = self.spec;
        spec.models.iter().find(|m| m.name == name)
    }
}

/// Checks one parsed spec; an empty result means it can be lowered.
pub fn check(spec: &Spec, map: &SourceMap) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        spec,
        map,
        out: Vec::new(),
    };
    check_api(&mut cx);
    check_names(&mut cx);
    check_hierarchy(&mut cx);
    check_envelope(&mut cx);
    check_classes(&mut cx);
    check_classification(&mut cx);
    check_retry(&mut cx);
    check_rate_limits(&mut cx);
    check_endpoints(&mut cx);
    check_models(&mut cx);
    check_files(&mut cx);
    check_member_names(&mut cx);
    cx.out
}

/// Every attribute, field, parameter and enum value must become an identifier: a name of
/// only punctuation or non-ASCII letters cleans up to nothing.
fn check_member_names(cx: &mut Ctx) {
    let spec = cx.spec;
    let mut names: Vec<(String, &str, NameKind, &str)> = Vec::new();
    for (i, c) in spec.errors.classes.iter().enumerate() {
        for (j, a) in c.attributes.iter().enumerate() {
            names.push((
                format!("errors.classes[{i}].attributes[{j}].name"),
                &a.name,
                NameKind::Field,
                "attribute",
            ));
        }
    }
    for (i, m) in spec.models.iter().enumerate() {
        for (j, f) in m.fields.iter().flatten().enumerate() {
            names.push((
                format!("models[{i}].fields[{j}].name"),
                &f.name,
                NameKind::Field,
                "field",
            ));
        }
        for (j, v) in m.values.iter().flatten().enumerate() {
            names.push((
                format!("models[{i}].values[{j}].value"),
                &v.value,
                NameKind::Variant,
                "enum value",
            ));
        }
    }
    for (i, e) in spec.endpoints.iter().enumerate() {
        for (j, p) in e.params.iter().enumerate() {
            names.push((
                format!("endpoints[{i}].params[{j}].name"),
                &p.name,
                NameKind::Field,
                "parameter",
            ));
        }
        // The body travels as the method's `body` argument.
        if e.body.is_some() {
            for (j, p) in e.params.iter().enumerate() {
                if rust_name(&p.name, NameKind::Field) == "body" {
                    cx.err_hint(
                        &format!("endpoints[{i}].params[{j}].name"),
                        format!(
                            "parameter `{}` of `{}` takes the name of the body argument",
                            p.name, e.name
                        ),
                        "rename the parameter: the method's body argument is called `body`",
                    );
                }
            }
        }
    }
    for (path, name, kind, what) in names {
        let rust = rust_name(name, kind);
        if !is_ident(&rust) {
            cx.err_hint(
                &path,
                format!("{what} `{}` has no letters or digits to make a Rust name from", name.escape_debug()),
                "a member is named by its wire name, and this one has no ASCII letter or digit to build a Rust name from; rename it or leave it out",
            );
        }
    }
}

/// An http(s) URL with something after the scheme, and no space or control character in
/// it (it is written into a manifest and handed to a fetcher as is).
fn is_http_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > 8
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `api.sources`: a URL to fetch each page from, and a place inside the spec's directory
/// to keep it.
fn check_sources(cx: &mut Ctx) {
    let sources = cx.spec.api.sources.clone();
    for (i, page) in sources.iter().enumerate() {
        let url = &page.url;
        if !is_http_url(url) {
            cx.err(
                &format!("api.sources[{i}].url"),
                format!("`{}` is not an http(s) URL", url.escape_debug()),
            );
        }
        let saved = &page.saved;
        let escapes = saved.starts_with('/')
            || saved.contains('\\')
            || saved.contains(':')
            || saved.split('/').any(|p| p == ".." || p.is_empty());
        if escapes || saved.chars().any(char::is_control) {
            cx.err_hint(
                &format!("api.sources[{i}].saved"),
                format!(
                    "`{}` is not a path inside the spec's directory",
                    saved.escape_debug()
                ),
                "write it relative to the spec file, e.g. `pages/errors.html`",
            );
        }
    }
}

/// `api.package`: what crates.io accepts, so `cargo publish` cannot fail on metadata.
fn check_package(cx: &mut Ctx) {
    let p = cx.spec.api.package.clone();
    for (field, url) in [
        ("repository", &p.repository),
        ("homepage", &p.homepage),
        ("documentation", &p.documentation),
    ] {
        let Some(url) = url else { continue };
        if !is_http_url(url) {
            cx.err(
                &format!("api.package.{field}"),
                format!("`{}` is not an http(s) URL", url.escape_debug()),
            );
        }
    }
    if let Some(l) = &p.license {
        let ok = !l.trim().is_empty()
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || " .+-()".contains(c));
        if !ok {
            cx.err_hint(
                "api.package.license",
                format!("licence `{}` is not an SPDX expression", l.escape_debug()),
                "write it like `MIT OR Apache-2.0`",
            );
        }
    }
    for (field, list, max) in [
        ("keywords", &p.keywords, 5),
        ("categories", &p.categories, 5),
    ] {
        if list.len() > max {
            cx.err(
                &format!("api.package.{field}"),
                format!("crates.io takes at most {max} {field}, not {}", list.len()),
            );
        }
    }
    for (i, k) in p.keywords.iter().enumerate() {
        let ok = k.len() <= 20
            && k.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_+".contains(c));
        if !ok {
            cx.err_hint(
                &format!("api.package.keywords[{i}]"),
                format!("keyword `{}` is not one crates.io accepts", k.escape_debug()),
                "at most 20 ASCII letters, digits, `-`, `_` or `+`, starting with a letter or digit",
            );
        }
    }
    for (i, c) in p.categories.iter().enumerate() {
        let ok = !c.is_empty()
            && c.split("::").all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            });
        if !ok {
            cx.err_hint(
                &format!("api.package.categories[{i}]"),
                format!(
                    "category `{}` is not a crates.io category slug",
                    c.escape_debug()
                ),
                "use a slug from https://crates.io/category_slugs, e.g. `api-bindings`",
            );
        }
    }
}

fn check_api(cx: &mut Ctx) {
    let api = &cx.spec.api;
    let krate = &api.crate_name;
    let crate_ok = krate.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && krate.len() <= MAX_CRATE_NAME
        && krate
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    let crate_ident = krate.replace('-', "_");
    if !crate_ok {
        cx.err_hint(
            "api.crate",
            format!("crate name `{krate}` is not a valid crate name"),
            format!("use lowercase letters, digits, `-` and `_`, starting with a letter, at most {MAX_CRATE_NAME} characters"),
        );
    } else if !is_ident(&crate_ident) || RESERVED_CRATE_NAMES.contains(&crate_ident.as_str()) {
        cx.err_hint(
            "api.crate",
            format!("crate name `{krate}` is reserved: it is a Rust keyword, a crate of this workspace or of Rust, or a name Cargo or Windows reserves"),
            "prefix it with the vendor's name, e.g. `acme-sdk`",
        );
    }
    // Cargo's own rule for versions, so the manifest can never fail to load.
    if let Err(e) = semver::Version::parse(&api.version) {
        cx.err_hint(
            "api.version",
            format!(
                "crate version `{}` is not semver: {e}",
                api.version.escape_debug()
            ),
            "write it like `0.1.0` or `1.2.0-beta.1`",
        );
    }
    check_package(cx);
    check_sources(cx);
    let api = &cx.spec.api;
    let url = &api.base_url;
    if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() < 9 {
        cx.err(
            "api.base_url",
            format!("base URL `{url}` must start with https:// or http://"),
        );
    } else if url.ends_with('/') {
        cx.err_hint(
            "api.base_url",
            format!("base URL `{url}` ends with `/`"),
            "drop the trailing slash; endpoint paths start with `/`",
        );
    }
    let mut vars: Vec<(String, &str)> = Vec::new();
    match &api.env.api_key {
        Some(spec::OneOrMany::One(v)) => vars.push(("api.env.api_key".into(), v)),
        Some(spec::OneOrMany::Many(vs)) => vars.extend(
            vs.iter()
                .enumerate()
                .map(|(i, v)| (format!("api.env.api_key[{i}]"), v.as_str())),
        ),
        None => {}
    }
    if let Some(v) = &api.env.base_url {
        vars.push(("api.env.base_url".into(), v));
    }
    let schemes = api.auth.list();
    let many = matches!(api.auth, spec::AuthSpec::Many(_));
    let auth_at = |i: usize| {
        if many {
            format!("api.auth[{i}]")
        } else {
            "api.auth".to_owned()
        }
    };
    for (i, a) in schemes.iter().enumerate() {
        for (j, v) in a.env.iter().flat_map(|e| e.list()).enumerate() {
            vars.push((format!("{}.env[{j}]", auth_at(i)), v));
        }
    }
    for (i, h) in api.headers.iter().enumerate() {
        for (j, v) in h.env.iter().flat_map(|e| e.list()).enumerate() {
            vars.push((format!("api.headers[{i}].env[{j}]"), v));
        }
    }
    for (key, v) in vars {
        let ok = v
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
            && v.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !ok {
            cx.err(
                &key,
                format!("environment variable `{v}` should be UPPER_SNAKE_CASE"),
            );
        }
    }
    // Builder methods the spec names: identifiers, and not one the builder has already.
    let mut setters: BTreeMap<String, String> = BTreeMap::new();
    let mut setter = |cx: &mut Ctx, at: String, name: &str| {
        if !is_ident(name) || rust_name(name, NameKind::Field) != name {
            cx.err(
                &at,
                format!("builder method `{name}` is not a snake_case Rust name"),
            );
        } else if BUILDER_METHODS.contains(&name) {
            cx.err_hint(
                &at,
                format!("builder method `{name}` is one the builder already has"),
                "pick another name",
            );
        } else if let Some(prev) = setters.insert(name.to_owned(), at.clone()) {
            cx.err(
                &at,
                format!("builder method `{name}` is also named at `{prev}`"),
            );
        }
    };
    if schemes.is_empty() {
        cx.err("api.auth", "`auth` lists no scheme");
    }
    for (i, a) in schemes.iter().enumerate() {
        let at = auth_at(i);
        if i == 0 {
            if a.setter.is_some() {
                cx.err_hint(
                    &format!("{at}.setter"),
                    "the first auth scheme is set with `api_key`",
                    "remove `setter`",
                );
            }
            if a.env.is_some() {
                cx.err_hint(
                    &format!("{at}.env"),
                    "the first auth scheme reads `env.api_key`",
                    "move the variable to `env.api_key`",
                );
            }
        } else {
            if a.scheme == AuthScheme::None {
                cx.err(
                    &format!("{at}.scheme"),
                    "auth scheme `none` cannot be one of several",
                );
            }
            match &a.setter {
                Some(s) => setter(cx, format!("{at}.setter"), s),
                None => cx.err_hint(
                    &at,
                    "a further auth scheme needs the builder method that sets it",
                    "add `setter: auth_token` (or the vendor's name)",
                ),
            }
        }
    }
    for (i, h) in api.headers.iter().enumerate() {
        match (&h.value, &h.env, &h.setter) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => cx.err_hint(
                &format!("api.headers[{i}]"),
                format!(
                    "header `{}` has a fixed `value` and also `env` or `setter`",
                    h.name
                ),
                "keep `value` for a header always sent, or `env`/`setter` for one sent when given",
            ),
            (None, _, s) => {
                let name = s
                    .clone()
                    .unwrap_or_else(|| rust_name(&h.name, NameKind::Field));
                setter(
                    cx,
                    format!(
                        "api.headers[{i}].{}",
                        if s.is_some() { "setter" } else { "name" }
                    ),
                    &name,
                );
            }
            _ => {}
        }
    }
    for (i, auth) in schemes.iter().enumerate() {
        let at = auth_at(i);
        match auth.scheme {
            AuthScheme::Header => match &auth.header {
                None => cx.err_hint(
                    &at,
                    "auth scheme `header` needs the header name",
                    "add `header: x-api-key` (or the API's header)",
                ),
                Some(h) => {
                    if let Err(e) = syntax::header_name(h) {
                        cx.err(&format!("{at}.header"), e);
                    }
                }
            },
            _ => {
                if auth.header.is_some() || auth.prefix.is_some() {
                    cx.err(
                        &at,
                        "`header` and `prefix` only go with auth scheme `header`",
                    );
                }
            }
        }
        if auth.username.is_some() && auth.scheme != AuthScheme::Basic {
            cx.err(
                &format!("{at}.username"),
                "`username` only goes with auth scheme `basic`",
            );
        }
    }
    if api
        .auth
        .primary()
        .is_some_and(|a| a.scheme == AuthScheme::None)
        && api.env.api_key.is_some()
    {
        cx.err(
            "api.env.api_key",
            "auth scheme `none` has no API key to read from the environment",
        );
    }
    let mut seen = BTreeSet::new();
    for (i, h) in api.headers.iter().enumerate() {
        let path = format!("api.headers[{i}].name");
        if let Err(e) = syntax::header_name(&h.name) {
            cx.err(&path, e);
        }
        if !seen.insert(h.name.to_ascii_lowercase()) {
            cx.err(&path, format!("header `{}` is listed twice", h.name));
        }
        if h.value.iter().any(|v| v.chars().any(|c| c.is_control())) {
            cx.err(
                &format!("api.headers[{i}].value"),
                format!("header `{}` has a control character in its value", h.name),
            );
        }
    }
    if let Some(h) = &api.request_id_header {
        if let Err(e) = syntax::header_name(h) {
            cx.err("api.request_id_header", e);
        }
    }
    for (key, value) in [
        ("api.timeout", &api.timeout),
        ("api.connect_timeout", &api.connect_timeout),
    ] {
        match value.as_deref().map(syntax::duration) {
            Some(Err(e)) => cx.err(key, e),
            Some(Ok(d)) if d.is_zero() => cx.err(key, format!("`{key}` is zero")),
            _ => {}
        }
    }
}

/// Every name that becomes a Rust type, with its YAML path: error classes (fixed and
/// tabled) and models. Two spec names that fold to one Rust name collide.
fn check_names(cx: &mut Ctx) {
    let e = &cx.spec.errors;
    let mut names: Vec<(String, String)> = vec![
        ("errors.root.name".into(), e.root.name.clone()),
        ("errors.connection.name".into(), e.connection.name.clone()),
        ("errors.api.name".into(), e.api.name.clone()),
    ];
    if let Some(t) = &e.timeout {
        names.push(("errors.timeout.name".into(), t.name.clone()));
    }
    if let Some(d) = &e.decode {
        names.push(("errors.decode.name".into(), d.name.clone()));
    }
    for (i, c) in e.classes.iter().enumerate() {
        names.push((format!("errors.classes[{i}].name"), c.name.clone()));
    }
    for (i, m) in cx.spec.models.iter().enumerate() {
        names.push((format!("models[{i}].name"), m.name.clone()));
    }
    // Each endpoint's call builder is a type too (`orgs.list` -> `OrgsListCall`).
    let call_types: Vec<(String, String)> = cx
        .spec
        .endpoints
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let ty: String = e
                .name
                .split('.')
                .map(|s| rust_name(s, NameKind::Type))
                .collect();
            (format!("endpoints[{i}].name"), format!("{ty}Call"))
        })
        .collect();
    let kind_enum = format!("{}Kind", rust_name(&e.api.name, NameKind::Type));
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for (path, name) in names {
        let rust = rust_name(&name, NameKind::Type);
        if !is_ident(&rust) || !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            cx.err(&path, format!("`{name}` cannot be a Rust type name"));
            continue;
        }
        // `Other` is the class enum's variant for a response no class matched.
        let is_class = path.starts_with("errors.classes");
        if RESERVED_TYPE_NAMES.contains(&rust.as_str())
            || rust == kind_enum
            || (is_class && rust == "Other")
        {
            cx.err_hint(
                &path,
                format!("`{name}` is a name the generated crate defines itself"),
                "rename it, e.g. with the API's name as a prefix",
            );
        }
        if let Some((at, _)) = call_types.iter().find(|(_, t)| *t == rust) {
            cx.err_hint(
                &path,
                format!("`{name}` is the name of the call builder of the endpoint at `{at}`"),
                "rename the model or class",
            );
        }
        match seen.get(&rust) {
            Some(first) if *first == name => cx.err(&path, format!("`{name}` is defined twice")),
            Some(first) => cx.err(
                &path,
                format!("`{name}` and `{first}` both become the Rust type `{rust}`"),
            ),
            None => {
                seen.insert(rust, name);
            }
        }
    }
}

fn check_hierarchy(cx: &mut Ctx) {
    let classes = &cx.spec.errors.classes;
    let api_name = cx.spec.errors.api.name.clone();
    let names = cx.class_names();
    for (i, c) in classes.iter().enumerate() {
        let Some(parent) = &c.parent else { continue };
        if *parent == api_name {
            continue;
        }
        if !names.contains(parent.as_str()) {
            cx.err_hint(
                &format!("errors.classes[{i}].parent"),
                format!(
                    "error class `{}` names parent `{parent}`, which is not an error class",
                    c.name
                ),
                format!("use `{api_name}` or the name of another class in `errors.classes`"),
            );
            continue;
        }
        // Walk up; a cycle comes back to this class.
        let mut seen = BTreeSet::from([c.name.as_str()]);
        let mut cur = parent.as_str();
        while let Some(next) = classes.iter().find(|k| k.name == cur) {
            if !seen.insert(cur) {
                let message = if cur == c.name {
                    format!("error class `{}` is its own ancestor", c.name)
                } else {
                    format!(
                        "error class `{}` descends from a cycle through `{cur}`",
                        c.name
                    )
                };
                cx.err(&format!("errors.classes[{i}].parent"), message);
                break;
            }
            match &next.parent {
                Some(p) if *p != api_name => cur = p,
                _ => break,
            }
        }
    }
    for (i, c) in classes.iter().enumerate() {
        let has_children = classes.iter().any(|k| k.parent.as_ref() == Some(&c.name));
        // Alternatives that all name a status make a class concrete without one of its own.
        let by_alternatives = !c.any_of.is_empty() && c.any_of.iter().all(|a| a.status.is_some());
        if c.status.is_none() && !c.any_of.is_empty() && !by_alternatives {
            for (k, a) in c.any_of.iter().enumerate() {
                if a.status.is_none() {
                    cx.err_hint(
                        &format!("errors.classes[{i}].any_of[{k}]"),
                        format!("an alternative of error class `{}` has no status, and neither has the class", c.name),
                        "give the alternative a `status:`, or give the class one for every alternative",
                    );
                }
            }
        } else if c.status.is_none() && !by_alternatives {
            if !has_children {
                cx.err_hint(
                    &format!("errors.classes[{i}]"),
                    format!("error class `{}` has no status and no subclasses, so it can never be raised", c.name),
                    "give it `status:` or make it the `parent` of other classes",
                );
            }
            if c.code.is_some() || !c.when.is_empty() || c.fallback {
                cx.err(
                    &format!("errors.classes[{i}]"),
                    format!("error class `{}` has no status, so `code`, `when` and `fallback` do not apply", c.name),
                );
            }
        }
    }
}

fn check_envelope(cx: &mut Ctx) {
    let env = cx.spec.errors.envelope.clone();
    for (key, paths) in [
        ("detail", &env.detail),
        ("code", &env.code),
        ("type", &env.error_type),
    ] {
        if let Some(p) = paths {
            for (j, path) in p.list().into_iter().enumerate() {
                if let Err(e) = syntax::body_path(path) {
                    let at = match p {
                        spec::Paths::One(_) => format!("errors.envelope.{key}"),
                        spec::Paths::Many(_) => format!("errors.envelope.{key}[{j}]"),
                    };
                    cx.err(&at, e);
                }
            }
        }
    }
}

fn check_classes(cx: &mut Ctx) {
    let spec = cx.spec;
    let has_code_path = spec.errors.envelope.code.is_some();
    for (i, c) in spec.errors.classes.iter().enumerate() {
        let at = format!("errors.classes[{i}]");
        match c.status.as_ref().map(syntax::statuses) {
            Some(Err(e)) => cx.err(&format!("{at}.status"), e),
            Some(Ok(ranges)) if ranges.iter().any(|r| r.hi < 400) => cx.err(
                &format!("{at}.status"),
                format!("error class `{}` is raised for a status below 400", c.name),
            ),
            _ => {}
        }
        if c.code.is_some() && !has_code_path {
            cx.err_hint(
                &format!("{at}.code"),
                format!("error class `{}` matches on a code, but the envelope says nowhere where the code is", c.name),
                "add `errors.envelope.code: <path>`, e.g. `error.code`",
            );
        }
        if let Some(code) = &c.code {
            if code.list().is_empty() {
                cx.err(&format!("{at}.code"), "`code` lists no codes");
            }
        }
        for (j, m) in c.when.iter().enumerate() {
            check_matcher(cx, &format!("{at}.when[{j}]"), m);
        }
        for (k, a) in c.any_of.iter().enumerate() {
            let ap = format!("{at}.any_of[{k}]");
            if a.status.is_none() && a.code.is_none() && a.when.is_empty() {
                cx.err_hint(
                    &ap,
                    format!("an alternative of error class `{}` says nothing: no status, code or condition", c.name),
                    "remove it, or give it a `status:`, `code:` or `when:`",
                );
            }
            match a.status.as_ref().map(syntax::statuses) {
                Some(Err(e)) => cx.err(&format!("{ap}.status"), e),
                Some(Ok(ranges)) if ranges.iter().any(|r| r.hi < 400) => cx.err(
                    &format!("{ap}.status"),
                    format!("error class `{}` is raised for a status below 400", c.name),
                ),
                _ => {}
            }
            if let Some(code) = &a.code {
                if !has_code_path {
                    cx.err_hint(
                        &format!("{ap}.code"),
                        format!("error class `{}` matches on a code, but the envelope says nowhere where the code is", c.name),
                        "add `errors.envelope.code: <path>`, e.g. `error.code`",
                    );
                }
                if code.list().is_empty() {
                    cx.err(&format!("{ap}.code"), "`code` lists no codes");
                }
            }
            for (j, m) in a.when.iter().enumerate() {
                check_matcher(cx, &format!("{ap}.when[{j}]"), m);
            }
        }
        let mut attr_names = BTreeMap::new();
        for (j, a) in c.attributes.iter().enumerate() {
            let ap = format!("{at}.attributes[{j}]");
            let rust = rust_name(&a.name, NameKind::Field);
            if let Some(prev) = attr_names.insert(rust.clone(), a.name.clone()) {
                cx.err(
                    &format!("{ap}.name"),
                    format!(
                        "attribute `{}` of `{}` collides with `{prev}` (both `{rust}`)",
                        a.name, c.name
                    ),
                );
            }
            check_attribute(cx, &ap, &c.name, a);
        }
    }
}

fn check_matcher(cx: &mut Ctx, at: &str, m: &spec::Matcher) {
    match (&m.body, &m.header) {
        (Some(p), None) => {
            if let Err(e) = syntax::body_path(p) {
                cx.err(&format!("{at}.body"), e);
            }
        }
        (None, Some(h)) => {
            if let Err(e) = syntax::header_name(h) {
                cx.err(&format!("{at}.header"), e);
            }
        }
        _ => cx.err(at, "a matcher needs exactly one of `body` and `header`"),
    }
    let tests = [
        m.equals.is_some(),
        m.one_of.is_some(),
        m.ends_with.is_some(),
        m.contains.is_some(),
        m.exists.is_some(),
    ];
    if tests.iter().filter(|t| **t).count() != 1 {
        cx.err(
            at,
            "a matcher needs exactly one test of `equals`, `one_of`, `ends_with`, `contains`, `exists`",
        );
    }
    if m.one_of.as_ref().is_some_and(Vec::is_empty) {
        cx.err(&format!("{at}.one_of"), "`one_of` lists no values");
    }
    if m.ignore_case && m.exists.is_some() {
        cx.err(
            &format!("{at}.ignore_case"),
            "`ignore_case` compares text; it does not apply to `exists`",
        );
    }
}

/// The rule that needs the resolved model: every class must be the one the class table
/// picks for some example response of its own (the one its conformance case serves; see
/// `model::example::witness`). A class that loses every example to another class, or whose
/// conditions contradict each other, can never be raised.
pub fn shadowed_classes(api: &crate::model::Api, map: &SourceMap) -> Vec<Diagnostic> {
    use crate::model::example::witness;
    let e = &api.errors;
    let mut out = Vec::new();
    for (i, c) in e.classes.iter().enumerate() {
        if c.is_abstract() {
            continue;
        }
        let at = format!("errors.classes[{i}]");
        match witness(api, i) {
            Ok(_) => {}
            Err((status, Some(j))) => {
                let other = &e.classes[j];
                // The way out depends on who is tried first: never suggest moving a class
                // above one it already precedes.
                let later =
                    e.order.iter().position(|&k| k == i) > e.order.iter().position(|&k| k == j);
                let hint = if c.fallback {
                    format!(
                        "`{}` takes every {status} response; give it a `code:` or conditions so the rest fall to `{}`",
                        other.spec_name, c.spec_name
                    )
                } else if later && !other.fallback {
                    format!(
                        "narrow `{}`'s conditions, or move `{}` above it",
                        other.spec_name, c.spec_name
                    )
                } else {
                    format!("narrow `{}`'s conditions", other.spec_name)
                };
                out.push(
                    map.at(
                        &at,
                        format!(
                            "error class `{}` can never be raised: a {status} response meeting its conditions is taken by `{}`, which is tried first",
                            c.spec_name, other.spec_name
                        ),
                    )
                    .hint(hint),
                );
            }
            Err((_, None)) => out.push(map.at(
                &at,
                format!(
                    "error class `{}` can never be raised: its conditions contradict each other",
                    c.spec_name
                ),
            )),
        }
    }
    out
}

/// Which header formats can feed which attribute types.
fn format_fits(format: HeaderFormat, ty: AttrType) -> bool {
    use HeaderFormat as F;
    match format {
        F::String => ty == AttrType::String,
        F::Integer => matches!(ty, AttrType::Integer | AttrType::Number | AttrType::String),
        F::Number => matches!(ty, AttrType::Number | AttrType::String),
        F::Boolean => matches!(ty, AttrType::Boolean | AttrType::String),
        F::Seconds
        | F::Milliseconds
        | F::EpochSeconds
        | F::EpochMilliseconds
        | F::Rfc3339
        | F::HttpDate
        | F::RetryAfter
        | F::Duration => matches!(
            ty,
            AttrType::Number | AttrType::Duration | AttrType::Timestamp | AttrType::String
        ),
    }
}

fn check_attribute(cx: &mut Ctx, at: &str, class: &str, a: &spec::Attribute) {
    // The type: a scalar, or a type expression over models (read from the body only).
    let scalar = match &a.ty {
        spec::AttrTypeSpec::Scalar(t) => Some(*t),
        spec::AttrTypeSpec::Expr(text) => {
            match TypeExpr::parse(text) {
                Err(e) => cx.err(&format!("{at}.type"), e),
                Ok(t) => {
                    if let Some(n) = t.named() {
                        if cx.model(n).is_none() {
                            cx.err_hint(
                                &format!("{at}.type"),
                                format!("attribute `{}` of `{class}` has type `{text}`, and `{n}` is not a model", a.name),
                                "use string, integer, number, boolean, duration, timestamp or json, or define the model under `models`",
                            );
                        }
                    }
                }
            }
            None
        }
    };
    // Its sources: `body` / `header` / `format`, or a list of them in `sources`.
    type One<'s> = (
        String,
        Option<&'s String>,
        Option<&'s String>,
        Option<HeaderFormat>,
    );
    let sources: Vec<One> = if a.sources.is_empty() {
        vec![(at.to_owned(), a.body.as_ref(), a.header.as_ref(), a.format)]
    } else {
        if a.body.is_some() || a.header.is_some() || a.format.is_some() {
            cx.err_hint(
                at,
                format!("attribute `{}` of `{class}` has `sources` and also `body`, `header` or `format`", a.name),
                "list every place under `sources`",
            );
        }
        a.sources
            .iter()
            .enumerate()
            .map(|(k, s)| {
                (
                    format!("{at}.sources[{k}]"),
                    s.body.as_ref(),
                    s.header.as_ref(),
                    s.format,
                )
            })
            .collect()
    };
    for (at, body, header, format) in sources {
        match (body, header) {
            (Some(p), None) => {
                if let Err(e) = syntax::body_path(p) {
                    cx.err(&format!("{at}.body"), e);
                }
                if format.is_some() {
                    cx.err(
                        &format!("{at}.format"),
                        format!(
                            "attribute `{}` of `{class}` comes from the body; `format` is for headers",
                            a.name
                        ),
                    );
                }
            }
            (None, Some(h)) => {
                if let Err(e) = syntax::header_name(h) {
                    cx.err(&format!("{at}.header"), e);
                }
                match scalar {
                    None => cx.err(
                        &format!("{at}.header"),
                        format!("attribute `{}` of `{class}` is a model, which a header cannot hold; read it from the body", a.name),
                    ),
                    Some(AttrType::Json) => cx.err(
                        &format!("{at}.type"),
                        format!("attribute `{}` of `{class}` is read from a header, which cannot hold `json`", a.name),
                    ),
                    Some(ty @ (AttrType::Duration | AttrType::Timestamp)) if format.is_none() => {
                        cx.err_hint(
                            &format!("{at}.format"),
                            format!("attribute `{}` of `{class}` is a {} read from a header with no format", a.name, attr_type_name(ty)),
                            "add `format:` (seconds, milliseconds, epoch_seconds, rfc3339, retry_after, duration, ...)",
                        )
                    }
                    _ => {}
                }
                if let (Some(f), Some(ty)) = (format, scalar) {
                    if !format_fits(f, ty) {
                        cx.err(
                            &format!("{at}.format"),
                            format!(
                                "attribute `{}` of `{class}` has type `{}` but its header format `{}` does not give one",
                                a.name,
                                attr_type_name(ty),
                                header_format_name(f)
                            ),
                        );
                    }
                }
            }
            (Some(_), Some(_)) => cx.err_hint(
                &at,
                format!(
                    "attribute `{}` of `{class}` has both a body path and a header",
                    a.name
                ),
                "keep one of `body:` and `header:`",
            ),
            (None, None) => cx.err_hint(
                &at,
                format!("attribute `{}` of `{class}` has no source", a.name),
                "give exactly one of `body: <path>` and `header: <name>`",
            ),
        }
    }
}

/// The spec spelling of an attribute type, for messages.
pub fn attr_type_name(t: AttrType) -> &'static str {
    match t {
        AttrType::String => "string",
        AttrType::Integer => "integer",
        AttrType::Number => "number",
        AttrType::Boolean => "boolean",
        AttrType::Duration => "duration",
        AttrType::Timestamp => "timestamp",
        AttrType::Json => "json",
    }
}

/// The spec spelling of a header format, for messages.
pub fn header_format_name(f: HeaderFormat) -> &'static str {
    use HeaderFormat as F;
    match f {
        F::String => "string",
        F::Integer => "integer",
        F::Number => "number",
        F::Boolean => "boolean",
        F::Seconds => "seconds",
        F::Milliseconds => "milliseconds",
        F::EpochSeconds => "epoch_seconds",
        F::EpochMilliseconds => "epoch_milliseconds",
        F::Rfc3339 => "rfc3339",
        F::HttpDate => "http_date",
        F::RetryAfter => "retry_after",
        F::Duration => "duration",
    }
}

/// Two classes that share a status must be told apart, in spec order, by a code or a
/// condition; fallbacks are tried after every other class, one per status.
fn check_classification(cx: &mut Ctx) {
    /// One way a class is recognised: a row of the class table.
    struct Row<'a> {
        ranges: Vec<StatusRange>,
        codes: Option<BTreeSet<&'a str>>,
        has_when: bool,
    }
    impl Row<'_> {
        /// Matches every response of its statuses.
        fn plain(&self) -> bool {
            self.codes.is_none() && !self.has_when
        }
    }
    struct Class<'a> {
        i: usize,
        class: &'a spec::ErrorClass,
        rows: Vec<Row<'a>>,
        /// Every status the class answers to.
        statuses: Vec<StatusRange>,
    }
    fn codes_of(c: Option<&spec::OneOrMany>) -> Option<BTreeSet<&str>> {
        c.map(|c| c.list().into_iter().collect())
    }
    let classes: Vec<Class> = cx
        .spec
        .errors
        .classes
        .iter()
        .enumerate()
        .filter_map(|(i, class)| {
            let own = match &class.status {
                Some(s) => Some(syntax::statuses(s).ok()?),
                None => None,
            };
            let rows: Vec<Row> = if class.any_of.is_empty() {
                vec![Row {
                    ranges: own.clone()?,
                    codes: codes_of(class.code.as_ref()),
                    has_when: !class.when.is_empty(),
                }]
            } else {
                let mut rows = Vec::new();
                for a in &class.any_of {
                    let ranges = match &a.status {
                        Some(s) => syntax::statuses(s).ok()?,
                        None => own.clone()?,
                    };
                    // Both the class's code and the alternative's must hold.
                    let codes = match (codes_of(class.code.as_ref()), codes_of(a.code.as_ref())) {
                        (Some(x), Some(y)) => Some(x.intersection(&y).copied().collect()),
                        (x, y) => x.or(y),
                    };
                    rows.push(Row {
                        ranges,
                        codes,
                        has_when: !class.when.is_empty() || !a.when.is_empty(),
                    });
                }
                rows
            };
            let mut statuses = own.unwrap_or_default();
            for r in &rows {
                statuses.extend(r.ranges.iter().copied());
            }
            Some(Class {
                i,
                class,
                rows,
                statuses,
            })
        })
        .collect();
    let contains = |ranges: &[StatusRange], s: u16| ranges.iter().any(|r| r.lo <= s && s <= r.hi);
    for (bi, b) in classes.iter().enumerate() {
        let at = format!("errors.classes[{}]", b.i);
        let bn = &b.class.name;
        // Two fallbacks for one status.
        if b.class.fallback {
            for a in classes[..bi].iter().filter(|a| a.class.fallback) {
                if let Some(s) = first_shared(&a.statuses, &b.statuses) {
                    cx.err_hint(
                        &format!("{at}.fallback"),
                        format!(
                            "error classes `{bn}` and `{}` are both the fallback for {s}",
                            a.class.name
                        ),
                        "keep `fallback: true` on one of them",
                    );
                }
            }
        }
        // A class every one of whose statuses an unconditional class tried before it takes
        // can never be raised. (Covering part of a range is fine: a fallback over `5xx`
        // beside a class for 529 takes the rest of `5xx`.) Specific classes are tried in
        // spec order, fallbacks after all of them.
        let takers: Vec<&Class> = classes
            .iter()
            .enumerate()
            .filter(|(ai, a)| *ai != bi && !a.class.fallback && (b.class.fallback || *ai < bi))
            .map(|(_, a)| a)
            .filter(|a| a.rows.iter().any(Row::plain))
            .collect();
        let taker_of = |s: u16| {
            takers
                .iter()
                .find(|a| a.rows.iter().any(|r| r.plain() && contains(&r.ranges, s)))
        };
        let own: Vec<u16> = b.statuses.iter().flat_map(|r| r.lo..=r.hi).collect();
        if !own.is_empty() && own.iter().all(|&s| taker_of(s).is_some()) {
            let status = own[0];
            let Some(a) = taker_of(status) else { continue };
            let an = &a.class.name;
            let b_plain = !b.class.fallback && b.rows.iter().any(Row::plain);
            if b_plain {
                cx.err_hint(
                    &format!("{at}.status"),
                    format!("error class `{bn}` shares {status} with `{an}` but neither has an error code"),
                    "add `code:` to one of them or mark one `fallback: true`",
                );
            } else if b.class.fallback {
                cx.err_hint(
                    &format!("{at}.status"),
                    format!("error class `{bn}` can never be raised: `{an}` matches every response of its statuses ({status} first), and fallbacks are tried last"),
                    format!("give `{an}` a `code:` or conditions, so the responses it does not claim fall to `{bn}`"),
                );
            } else {
                cx.err_hint(
                    &format!("{at}.status"),
                    format!("error class `{bn}` can never be raised for {status}: `{an}` comes first and matches every {status}"),
                    format!("move `{bn}` above `{an}`, or give `{an}` a `code:`"),
                );
            }
            continue;
        }
        // The same (status, code) in two classes with no other condition.
        if b.class.fallback {
            continue;
        }
        for a in classes[..bi].iter().filter(|a| !a.class.fallback) {
            let clash = b.rows.iter().filter(|r| !r.has_when).find_map(|rb| {
                a.rows.iter().filter(|r| !r.has_when).find_map(|ra| {
                    let (ca, cb) = (ra.codes.as_ref()?, rb.codes.as_ref()?);
                    let code = ca.intersection(cb).next()?;
                    Some((first_shared(&ra.ranges, &rb.ranges)?, *code))
                })
            });
            if let Some((status, code)) = clash {
                cx.err_hint(
                    &format!("{at}.code"),
                    format!(
                        "error classes `{bn}` and `{}` both match {status} with code `{code}`",
                        a.class.name
                    ),
                    "give each (status, code) pair to one class",
                );
            }
        }
    }
}

/// The lowest status two sets of ranges share.
fn first_shared(a: &[StatusRange], b: &[StatusRange]) -> Option<u16> {
    a.iter()
        .flat_map(|x| {
            b.iter()
                .filter(|y| x.overlaps(y))
                .map(|y| x.first_shared(y))
        })
        .min()
}

fn check_retry(cx: &mut Ctx) {
    let Some(r) = &cx.spec.retry else { return };
    if r.max_retries < 0 {
        cx.err(
            "retry.max_retries",
            format!("`max_retries` is {}; it must be 0 or more", r.max_retries),
        );
    } else if r.max_retries > 100 {
        cx.err(
            "retry.max_retries",
            format!(
                "`max_retries` is {}; more than 100 retries is never what a vendor documents",
                r.max_retries
            ),
        );
    }
    let b = &r.backoff;
    let initial = match (&b.initial, &b.schedule) {
        (Some(i), None) => match syntax::duration(i) {
            Ok(d) => Some(d),
            Err(e) => {
                cx.err("retry.backoff.initial", e);
                None
            }
        },
        (None, Some(schedule)) => {
            if schedule.is_empty() {
                cx.err("retry.backoff.schedule", "`schedule` lists no waits");
            }
            for (i, w) in schedule.iter().enumerate() {
                if let Err(e) = syntax::duration(w) {
                    cx.err(&format!("retry.backoff.schedule[{i}]"), e);
                }
            }
            if b.max.is_some() || b.multiplier.is_some() {
                cx.err(
                    "retry.backoff",
                    "a backoff `schedule` lists every wait; `max` and `multiplier` do not apply",
                );
            }
            None
        }
        _ => {
            cx.err_hint(
                "retry.backoff",
                "the backoff needs exactly one of `initial` (exponential) and `schedule` (explicit waits)",
                "e.g. `initial: 500ms` with `max: 8s`, or `schedule: [1s, 4s, 9s]`",
            );
            None
        }
    };
    if initial.is_some_and(|d| d.is_zero()) {
        cx.err("retry.backoff.initial", "the first backoff wait is zero");
    }
    if let Some(m) = &b.min {
        if let Err(e) = syntax::duration(m) {
            cx.err("retry.backoff.min", e);
        }
    }
    for (i, h) in r.attempt_headers.iter().enumerate() {
        if let Err(e) = syntax::header_name(&h.header) {
            cx.err(&format!("retry.attempt_headers[{i}].header"), e);
        }
    }
    let max = match &r.backoff.max {
        Some(m) => match syntax::duration(m) {
            Ok(d) => Some(d),
            Err(e) => {
                cx.err("retry.backoff.max", e);
                None
            }
        },
        None => None,
    };
    if let (Some(i), Some(m)) = (initial, max) {
        if m < i {
            cx.err(
                "retry.backoff.max",
                "the longest backoff wait is shorter than the first",
            );
        }
    }
    let multiplier = r.backoff.multiplier.unwrap_or(2.0);
    if !(1.0..=10.0).contains(&multiplier) {
        cx.err(
            "retry.backoff.multiplier",
            format!("backoff multiplier {multiplier} is outside 1 to 10"),
        );
    }
    if r.max_retries > 0
        && r.backoff.max.is_none()
        && r.backoff.schedule.is_none()
        && multiplier > 1.0
    {
        cx.err_hint(
            "retry.backoff",
            "the retry policy can wait forever: the backoff grows with no `max`",
            "add `max:` to the backoff, e.g. `max: 8s`",
        );
    }
    if let Some(j) = &r.backoff.jitter {
        let ok = j.len() == 2 && j[0] >= 0.0 && j[0] <= j[1] && j[1] <= 2.0;
        if !ok {
            cx.err(
                "retry.backoff.jitter",
                "`jitter` must be `[low, high]` with 0 <= low <= high <= 2",
            );
        }
    }
    if let Some(s) = &r.on.statuses {
        if let Err(e) = syntax::statuses(s) {
            cx.err("retry.on.statuses", e);
        }
    }
    let names = cx.class_names();
    for (i, c) in r.on.classes.iter().enumerate() {
        if !names.contains(c.as_str()) {
            cx.err(
                &format!("retry.on.classes[{i}]"),
                format!("retry names error class `{c}`, which is not in `errors.classes`"),
            );
        }
    }
    for (i, h) in r.retry_after.iter().enumerate() {
        if let Err(e) = syntax::header_name(&h.header) {
            cx.err(&format!("retry.retry_after[{i}].header"), e);
        }
        if matches!(
            h.format,
            HeaderFormat::String
                | HeaderFormat::Boolean
                | HeaderFormat::Integer
                | HeaderFormat::Number
        ) {
            cx.err_hint(
                &format!("retry.retry_after[{i}].format"),
                format!("`{}` is not a wait format", header_format_name(h.format)),
                "use seconds, milliseconds, epoch_seconds, epoch_milliseconds, rfc3339, http_date, retry_after or duration",
            );
        }
    }
    let max_wait = match &r.max_wait {
        Some(m) => match syntax::duration(m) {
            Ok(d) => Some(d),
            Err(e) => {
                cx.err("retry.max_wait", e);
                None
            }
        },
        None => None,
    };
    for (i, w) in r.class_waits.iter().enumerate() {
        let at = format!("retry.class_waits[{i}]");
        if !names.contains(w.class.as_str()) {
            cx.err(
                &format!("{at}.class"),
                format!(
                    "a wait is declared for error class `{}`, which is not in `errors.classes`",
                    w.class
                ),
            );
        }
        if r.class_waits[..i].iter().any(|o| o.class == w.class) {
            cx.err(
                &format!("{at}.class"),
                format!("error class `{}` has two waits", w.class),
            );
        }
        if w.from.is_empty() && w.default.is_none() {
            cx.err_hint(
                &at,
                format!("the wait of `{}` names no source and no default", w.class),
                "add `from:` headers or a `default:`",
            );
        }
        for (j, src) in w.from.iter().enumerate() {
            let sp = format!("{at}.from[{j}]");
            if let Err(e) = syntax::header_name(&src.header) {
                cx.err(&format!("{sp}.header"), e);
            }
            if matches!(
                src.format,
                HeaderFormat::String
                    | HeaderFormat::Boolean
                    | HeaderFormat::Integer
                    | HeaderFormat::Number
            ) {
                cx.err(
                    &format!("{sp}.format"),
                    format!("`{}` is not a wait format", header_format_name(src.format)),
                );
            }
            if let Some(Err(e)) = src.plus.as_deref().map(syntax::duration) {
                cx.err(&format!("{sp}.plus"), e);
            }
        }
        if let Some(Err(e)) = w.default.as_deref().map(syntax::duration) {
            cx.err(&format!("{at}.default"), e);
        }
    }
    if !r.class_waits.is_empty() && r.max_wait.is_none() {
        cx.err_hint(
            "retry.class_waits",
            "the retry policy can wait forever: class waits are honoured with no `max_wait`",
            "add `max_wait:`, e.g. `max_wait: 60s`",
        );
    }
    if !r.retry_after.is_empty() && r.max_wait.is_none() {
        cx.err_hint(
            "retry.retry_after",
            "the retry policy can wait forever: it honours server waits with no `max_wait`",
            "add `max_wait:`, e.g. `max_wait: 60s`",
        );
    }
    if max_wait.is_some_and(|d| d.is_zero()) {
        cx.err(
            "retry.max_wait",
            "`max_wait` is zero; omit `retry_after` instead",
        );
    }
    if r.past_max_wait.is_some() && r.max_wait.is_none() {
        cx.err("retry.past_max_wait", "`past_max_wait` needs `max_wait`");
    }
    if let Some(h) = &r.should_retry_header {
        if let Err(e) = syntax::header_name(h) {
            cx.err("retry.should_retry_header", e);
        }
    }
    if let Some(d) = &r.deadline {
        match syntax::duration(d) {
            Ok(d) if d.is_zero() => cx.err("retry.deadline", "the deadline is zero"),
            Ok(_) => {}
            Err(e) => cx.err("retry.deadline", e),
        }
    }
    if let Some(idem) = &r.idempotency {
        for (key, list) in [
            ("methods", &idem.methods),
            ("resend_methods", &idem.resend_methods),
        ] {
            for (i, m) in list.iter().flatten().enumerate() {
                if !syntax::METHODS.contains(&m.as_str()) {
                    cx.err(
                        &format!("retry.idempotency.{key}[{i}]"),
                        format!(
                            "`{m}` is not an HTTP method; use one of {}",
                            syntax::METHODS.join(", ")
                        ),
                    );
                }
            }
        }
        if let Some(s) = &idem.not_processed {
            if let Err(e) = syntax::statuses(s) {
                cx.err("retry.idempotency.not_processed", e);
            }
        }
        if let Some(h) = &idem.key_header {
            if let Err(e) = syntax::header_name(h) {
                cx.err("retry.idempotency.key_header", e);
            }
        }
    }
}

fn check_rate_limits(cx: &mut Ctx) {
    let Some(rl) = &cx.spec.rate_limits else {
        return;
    };
    let mut seen = BTreeSet::new();
    for (i, b) in rl.buckets.iter().enumerate() {
        let at = format!("rate_limits.buckets[{i}]");
        if !seen.insert(b.name.as_str()) {
            cx.err(
                &format!("{at}.name"),
                format!("bucket `{}` is defined twice", b.name),
            );
        }
        for (key, v) in [
            ("refill_per_minute", b.refill_per_minute),
            ("burst", b.burst),
        ] {
            if let Some(v) = v {
                if v <= 0 {
                    cx.err(
                        &format!("{at}.{key}"),
                        format!(
                            "bucket `{}` has {key} {v}; a limit must be positive",
                            b.name
                        ),
                    );
                }
            }
        }
        if let Some(r) = &b.refill {
            if b.refill_per_minute.is_some() {
                cx.err_hint(
                    &format!("{at}.refill"),
                    format!(
                        "bucket `{}` gives both `refill` and `refill_per_minute`",
                        b.name
                    ),
                    "keep one; `refill` also takes rates per second, hour or day",
                );
            }
            if let Err(e) = syntax::rate(r) {
                cx.err(&format!("{at}.refill"), e);
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (i, f) in rl.headers.iter().enumerate() {
        let at = format!("rate_limits.headers[{i}]");
        if !seen.insert(f.name.as_str()) {
            cx.err(
                &format!("{at}.name"),
                format!("header family `{}` is defined twice", f.name),
            );
        }
        let refs = [
            ("limit", &f.limit),
            ("remaining", &f.remaining),
            ("reset", &f.reset),
            ("used", &f.used),
        ];
        if refs.iter().all(|(_, r)| r.is_none()) && f.fields.is_empty() {
            cx.err(&at, format!("header family `{}` names no header", f.name));
        }
        let mut field_names = BTreeSet::new();
        for (j, x) in f.fields.iter().enumerate() {
            if let Err(e) = syntax::header_name(&x.header) {
                cx.err(&format!("{at}.fields[{j}].header"), e);
            }
            if !field_names.insert(x.name.as_str()) {
                cx.err(
                    &format!("{at}.fields[{j}].name"),
                    format!(
                        "field `{}` of header family `{}` is listed twice",
                        x.name, f.name
                    ),
                );
            }
        }
        for (key, r) in refs {
            let Some(r) = r else { continue };
            if let Err(e) = syntax::header_name(&r.header) {
                cx.err(&format!("{at}.{key}.header"), e);
            }
            let count = matches!(r.format, HeaderFormat::Integer | HeaderFormat::Number);
            let ok = if key == "reset" {
                !matches!(
                    r.format,
                    HeaderFormat::String
                        | HeaderFormat::Boolean
                        | HeaderFormat::Integer
                        | HeaderFormat::Number
                )
            } else {
                count
            };
            if !ok {
                cx.err(
                    &format!("{at}.{key}.format"),
                    format!(
                        "`{key}` of header family `{}` cannot be read as `{}`; {}",
                        f.name,
                        header_format_name(r.format),
                        if key == "reset" {
                            "use seconds, milliseconds, epoch_seconds, epoch_milliseconds, rfc3339, http_date or duration"
                        } else {
                            "use integer or number"
                        }
                    ),
                );
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (i, q) in rl.quotas.iter().enumerate() {
        if !seen.insert(q.name.as_str()) {
            cx.err(
                &format!("rate_limits.quotas[{i}].name"),
                format!("quota `{}` is defined twice", q.name),
            );
        }
        if let Some(l) = q.limit {
            if l <= 0 {
                cx.err(
                    &format!("rate_limits.quotas[{i}].limit"),
                    format!("quota `{}` has limit {l}; a limit must be positive", q.name),
                );
            }
        }
    }
    if let Some(lc) = &rl.lifecycle {
        check_lifecycle(cx, lc);
    }
}

fn check_lifecycle(cx: &mut Ctx, lc: &spec::Lifecycle) {
    let Some(ep) = cx.spec.endpoints.iter().find(|e| e.name == lc.endpoint) else {
        cx.err(
            "rate_limits.lifecycle.endpoint",
            format!("lifecycle endpoint `{}` is not an endpoint", lc.endpoint),
        );
        return;
    };
    if !ep.params.is_empty() || ep.body.is_some() {
        cx.err_hint(
            "rate_limits.lifecycle.endpoint",
            format!("lifecycle endpoint `{}` takes arguments", lc.endpoint),
            "the lifecycle is read with a call that takes none, such as a status endpoint",
        );
    }
    let Some(model) = ep
        .response
        .as_deref()
        .and_then(|r| TypeExpr::parse(r).ok())
        .and_then(|t| match t {
            TypeExpr::Named(n) => cx.model(&n),
            _ => None,
        })
    else {
        cx.err(
            "rate_limits.lifecycle.endpoint",
            format!(
                "lifecycle endpoint `{}` does not return a model",
                lc.endpoint
            ),
        );
        return;
    };
    let field = model.fields.iter().flatten().find(|f| f.name == lc.field);
    let Some(field) = field else {
        cx.err(
            "rate_limits.lifecycle.field",
            format!("model `{}` has no field `{}`", model.name, lc.field),
        );
        return;
    };
    let enum_model = match TypeExpr::parse(&field.ty) {
        Ok(TypeExpr::Named(n)) => cx.model(&n).filter(|m| m.values.is_some()),
        _ => None,
    };
    let Some(enum_model) = enum_model else {
        cx.err(
            "rate_limits.lifecycle.field",
            format!("lifecycle field `{}` must have an enum type", lc.field),
        );
        return;
    };
    let values: BTreeSet<&str> = enum_model
        .values
        .iter()
        .flatten()
        .map(|v| v.value.as_str())
        .collect();
    for (key, states) in [
        ("quota_exhausted", &lc.quota_exhausted),
        ("blocked", &lc.blocked),
    ] {
        for (i, s) in states.iter().enumerate() {
            if !values.contains(s.as_str()) {
                cx.err(
                    &format!("rate_limits.lifecycle.{key}[{i}]"),
                    format!("`{s}` is not a value of enum `{}`", enum_model.name),
                );
            }
        }
    }
}

fn check_endpoints(cx: &mut Ctx) {
    let spec = cx.spec;
    let class_names = cx.class_names();
    let quotas: BTreeSet<&str> = spec
        .rate_limits
        .iter()
        .flat_map(|r| r.quotas.iter().map(|q| q.name.as_str()))
        .collect();
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    // Every namespace path (`a`, `a.b` for `a.b.c`), as Rust names: an endpoint may not
    // share one, since the namespace's accessor would take its method name.
    let rust_path = |segments: &[&str]| {
        segments
            .iter()
            .map(|s| rust_name(s, NameKind::Field))
            .collect::<Vec<_>>()
            .join(".")
    };
    let namespaces: BTreeSet<String> = spec
        .endpoints
        .iter()
        .flat_map(|e| {
            let segments: Vec<&str> = e.name.split('.').collect();
            (1..segments.len())
                .map(|depth| rust_path(&segments[..depth]))
                .collect::<Vec<_>>()
        })
        .collect();
    for (i, e) in spec.endpoints.iter().enumerate() {
        let at = format!("endpoints[{i}]");
        let segments: Vec<&str> = e.name.split('.').collect();
        let name_ok = segments.len() <= MAX_ENDPOINT_DEPTH
            && segments.iter().all(|s| {
                s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
        if !name_ok {
            cx.err_hint(
                &format!("{at}.name"),
                format!(
                    "endpoint name `{}` is not a dotted path of identifiers (at most {MAX_ENDPOINT_DEPTH})",
                    e.name
                ),
                "use names such as `status`, `memory.store` or `customers.sources.list`",
            );
        }
        let rust = rust_path(&segments);
        let clashes = namespaces.contains(&rust);
        if let Some(prev) = seen.insert(rust, &e.name) {
            cx.err(
                &format!("{at}.name"),
                if prev == e.name {
                    format!("endpoint `{}` is defined twice", e.name)
                } else {
                    format!(
                        "endpoints `{}` and `{prev}` get the same method name",
                        e.name
                    )
                },
            );
        }
        if clashes {
            cx.err(
                &format!("{at}.name"),
                format!(
                    "endpoint `{}` has the name of a namespace of other endpoints",
                    e.name
                ),
            );
        }
        if !syntax::METHODS.contains(&e.method.as_str()) {
            cx.err_hint(
                &format!("{at}.method"),
                format!("`{}` is not an HTTP method", e.method),
                format!("use one of {} (uppercase)", syntax::METHODS.join(", ")),
            );
        }
        if !e.path.starts_with('/') {
            cx.err(
                &format!("{at}.path"),
                format!("path `{}` must start with `/`", e.path),
            );
        }
        let placeholders = match syntax::path_placeholders(&e.path) {
            Ok(p) => p,
            Err(err) => {
                cx.err(&format!("{at}.path"), err);
                Vec::new()
            }
        };
        let mut param_names = BTreeSet::new();
        for (j, p) in e.params.iter().enumerate() {
            let pp = format!("{at}.params[{j}]");
            if !param_names.insert(rust_name(&p.name, NameKind::Field)) {
                cx.err(
                    &format!("{pp}.name"),
                    format!("parameter `{}` is declared twice", p.name),
                );
            }
            let ty = TypeExpr::parse(p.ty.as_deref().unwrap_or("string"));
            match &ty {
                Err(err) => cx.err(&format!("{pp}.type"), err.clone()),
                Ok(t) => {
                    let is_enum = t
                        .named()
                        .and_then(|n| cx.model(n))
                        .is_some_and(|m| m.values.is_some());
                    let scalar_ok = t.is_scalar() || (is_enum && matches!(t, TypeExpr::Named(_)));
                    let list_ok = p.location == ParamLocation::Query
                        && matches!(t, TypeExpr::List(inner) if inner.is_scalar()
                            || inner.named().and_then(|n| cx.model(n)).is_some_and(|m| m.values.is_some()));
                    if !(scalar_ok || list_ok) {
                        cx.err(
                            &format!("{pp}.type"),
                            format!("parameter `{}` must be a string, integer, number, boolean or enum{}", p.name,
                                if p.location == ParamLocation::Query { ", or a list of those" } else { "" }),
                        );
                    }
                }
            }
            match p.location {
                ParamLocation::Path => {
                    if !placeholders.contains(&p.name) {
                        cx.err_hint(
                            &format!("{pp}.name"),
                            format!(
                                "path parameter `{}` is declared but `{}` has no `{{{}}}`",
                                p.name, e.path, p.name
                            ),
                            "remove the parameter or add the placeholder to the path",
                        );
                    }
                    if p.required == Some(false) {
                        cx.err(
                            &format!("{pp}.required"),
                            format!("path parameter `{}` cannot be optional", p.name),
                        );
                    }
                }
                ParamLocation::Header => {
                    if let Err(err) = syntax::header_name(&p.name) {
                        cx.err(&format!("{pp}.name"), err);
                    }
                    // A header parameter replaces a fixed header or the generated
                    // idempotency key (sent once, the caller's value), but never a credential.
                    let lower = p.name.to_ascii_lowercase();
                    let credential = spec.api.auth.list().iter().any(|a| match a.scheme {
                        AuthScheme::Bearer | AuthScheme::Basic => lower == "authorization",
                        AuthScheme::Header => a
                            .header
                            .as_deref()
                            .is_some_and(|h| h.eq_ignore_ascii_case(&lower)),
                        AuthScheme::None => false,
                    });
                    if credential {
                        cx.err_hint(
                            &format!("{pp}.name"),
                            format!("header parameter `{}` would replace the credential the client sends", p.name),
                            "authentication is the builder's; remove the parameter",
                        );
                    }
                }
                ParamLocation::Query => {}
            }
        }
        for ph in &placeholders {
            let declared = e
                .params
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.name == *ph);
            if !declared {
                cx.err_hint(
                    &format!("{at}.path"),
                    format!("path parameter `{ph}` of `{}` is not declared", e.path),
                    format!("add `{{name: {ph}, in: path}}` to `params`"),
                );
            }
        }
        if let Some(body) = &e.body {
            match cx.model(body) {
                None => cx.err(
                    &format!("{at}.body"),
                    format!("body model `{body}` is not defined in `models`"),
                ),
                // A JSON body may be a union too; a form or an upload is a struct's fields.
                Some(m) if m.values.is_some() => cx.err(
                    &format!("{at}.body"),
                    format!("body model `{body}` is an enum; a body must be a struct or a union"),
                ),
                Some(m)
                    if m.fields.is_none()
                        && matches!(
                            e.body_encoding,
                            Some(spec::BodyEncoding::Form | spec::BodyEncoding::Multipart)
                        ) =>
                {
                    cx.err(
                        &format!("{at}.body"),
                        format!(
                            "body model `{body}` is a union; a form or an upload must be a struct"
                        ),
                    )
                }
                Some(_) => {}
            }
            if matches!(e.method.as_str(), "GET" | "HEAD") {
                cx.err(
                    &format!("{at}.body"),
                    format!("a {} request cannot carry a body", e.method),
                );
            }
        } else if e.body_encoding.is_some() {
            cx.err(
                &format!("{at}.body_encoding"),
                "`body_encoding` without a `body`",
            );
        }
        if e.response.as_deref() == Some(syntax::DOWNLOAD) {
            if e.pagination.is_some() {
                cx.err(
                    &format!("{at}.pagination"),
                    format!("endpoint `{}` downloads bytes; it cannot page", e.name),
                );
            }
        } else if let Some(r) = &e.response {
            match TypeExpr::parse(r) {
                Err(err) => cx.err(&format!("{at}.response"), err),
                Ok(t) => {
                    if let Some(n) = t.named() {
                        if cx.model(n).is_none() {
                            cx.err(
                                &format!("{at}.response"),
                                format!("response model `{n}` is not defined in `models`"),
                            );
                        }
                    }
                }
            }
        }
        if let Some(q) = &e.quota {
            if !quotas.contains(q.as_str()) {
                cx.err(
                    &format!("{at}.quota"),
                    format!("quota `{q}` is not defined in `rate_limits.quotas`"),
                );
            }
            if e.free {
                cx.err(
                    &format!("{at}.free"),
                    format!("endpoint `{}` is free but draws on quota `{q}`", e.name),
                );
            }
        }
        if let Some(p) = &e.pagination {
            check_pagination(cx, &at, e, p);
        }
        if let Some(st) = &e.stream {
            check_stream(cx, &at, e, st);
        }
        for (j, c) in e.errors.iter().enumerate() {
            if !class_names.contains(c.as_str()) && *c != spec.errors.api.name {
                cx.err(
                    &format!("{at}.errors[{j}]"),
                    format!(
                        "endpoint `{}` lists error class `{c}`, which is not in `errors.classes`",
                        e.name
                    ),
                );
            }
        }
    }
}

fn check_pagination(cx: &mut Ctx, at: &str, e: &spec::Endpoint, p: &spec::Pagination) {
    use spec::PageStyle as S;
    let at = format!("{at}.pagination");
    let field_type = |model: &str, field: &str| {
        let m = cx.model(model)?;
        let f = m.fields.as_ref()?.iter().find(|f| f.name == field)?;
        TypeExpr::parse(&f.ty).ok()
    };
    if e.response.is_none() {
        cx.err(
            &at,
            format!("endpoint `{}` pages but returns nothing", e.name),
        );
    } else if crate::model::page_items(p, e.response.as_deref(), field_type).is_none() {
        cx.err_hint(
            &format!("{at}.items"),
            format!(
                "the items of `{}` are not a list at `{}` of its response",
                e.name,
                p.items.as_deref().unwrap_or("data")
            ),
            "set `items:` to the path of the list in the response (`$` for a list body)",
        );
    }
    let takes_param = p.style != S::Link;
    match (&p.param, takes_param) {
        (None, true) => cx.err_hint(
            &at,
            format!(
                "pagination of `{}` needs the query parameter that asks for the next page",
                e.name
            ),
            "add `param:`, e.g. `starting_after`, `cursor`, `page` or `offset`",
        ),
        (Some(_), false) => cx.err(
            &format!("{at}.param"),
            "`link` pagination follows the header's URL; it takes no `param`",
        ),
        _ => {}
    }
    for (key, set, style) in [
        ("field", p.field.is_some(), S::Cursor),
        ("has_more", p.has_more.is_some(), S::Cursor),
        ("next", p.next.is_some(), S::NextCursor),
        ("first", p.first.is_some(), S::Page),
    ] {
        if set && p.style != style {
            cx.err(
                &format!("{at}.{key}"),
                format!("`{key}` does not apply to this pagination style"),
            );
        }
    }
    for (key, path) in [
        ("has_more", &p.has_more),
        ("next", &p.next),
        ("items", &p.items),
    ] {
        if let Some(path) = path {
            if let Err(err) = syntax::body_path(path) {
                cx.err(&format!("{at}.{key}"), err);
            }
        }
    }
}

fn check_stream(cx: &mut Ctx, at: &str, e: &spec::Endpoint, st: &spec::EventStreamSpec) {
    let at = format!("{at}.stream");
    match TypeExpr::parse(&st.events) {
        Err(err) => cx.err(&format!("{at}.events"), err),
        Ok(t) => {
            if let Some(n) = t.named() {
                if cx.model(n).is_none() {
                    cx.err(
                        &format!("{at}.events"),
                        format!("event model `{n}` is not defined in `models`"),
                    );
                }
            }
        }
    }
    if e.pagination.is_some() {
        cx.err(
            &at,
            format!("endpoint `{}` streams events; it cannot also page", e.name),
        );
    }
    match &st.flag {
        None if e.response.is_some() => cx.err_hint(
            &at,
            format!(
                "endpoint `{}` always streams events, so it has no other `response`",
                e.name
            ),
            "remove `response`, or add `flag:` naming the body field that asks for the stream",
        ),
        None => {}
        Some(flag) => {
            let json_body = e.body.is_some()
                && matches!(e.body_encoding, None | Some(spec::BodyEncoding::Json));
            if !json_body {
                cx.err(
                    &format!("{at}.flag"),
                    format!(
                        "`flag: {flag}` is a field of the JSON body, but `{}` has none",
                        e.name
                    ),
                );
            }
            if e.response.as_deref() == Some(syntax::DOWNLOAD) {
                cx.err(
                    &format!("{at}.flag"),
                    "a download cannot also stream events",
                );
            }
            if flag.is_empty() {
                cx.err(&format!("{at}.flag"), "`flag` is empty");
            }
        }
    }
    for (key, path) in [
        ("error_field", &st.error_field),
        ("error_status", &st.error_status),
    ] {
        if let Some(path) = path {
            if let Err(err) = syntax::body_path(path) {
                cx.err(&format!("{at}.{key}"), err);
            }
        }
    }
    if st.error_status.is_some() && st.error_events.is_empty() && st.error_field.is_none() {
        cx.err(
            &format!("{at}.error_status"),
            "`error_status` reads error events, but none are declared (`error_events` or `error_field`)",
        );
    }
    if st.done.as_deref().is_some_and(|d| d.trim().is_empty()) {
        cx.err(
            &format!("{at}.done"),
            "`done` is empty; an empty event never arrives",
        );
    }
    for name in &st.ignore {
        if st.error_events.contains(name) {
            cx.err(
                &format!("{at}.ignore"),
                format!("event `{name}` is both an error event and ignored"),
            );
        }
    }
    for (key, names) in [("error_events", &st.error_events), ("ignore", &st.ignore)] {
        for n in names {
            if n.is_empty() || n.contains(['\r', '\n']) {
                cx.err(
                    &format!("{at}.{key}"),
                    format!("`{}` is not an event name", n.escape_debug()),
                );
            }
        }
    }
}

/// Whether a type is or holds a `file`.
fn has_file(t: &TypeExpr) -> bool {
    match t {
        TypeExpr::File => true,
        TypeExpr::List(i) | TypeExpr::Map(i) => has_file(i),
        _ => false,
    }
}

/// A `file` is a field of a model sent as a `multipart` body, and nothing else: it is
/// read from memory, disk or a stream when sent, and never decoded from a response.
fn check_files(cx: &mut Ctx) {
    let spec = cx.spec;
    let parsed = |text: &str| TypeExpr::parse(text).ok().is_some_and(|t| has_file(&t));
    let uploads: BTreeSet<&str> = spec
        .endpoints
        .iter()
        .filter(|e| e.body_encoding == Some(spec::BodyEncoding::Multipart))
        .filter_map(|e| e.body.as_deref())
        .collect();
    for (i, m) in spec.models.iter().enumerate() {
        for (j, f) in m.fields.iter().flatten().enumerate() {
            if !parsed(&f.ty) {
                continue;
            }
            let at = format!("models[{i}].fields[{j}]");
            if f.ty.trim() != "file" {
                cx.err(
                    &format!("{at}.type"),
                    format!(
                        "field `{}` of `{}` is `{}`; a file part is a field of type `file` itself",
                        f.name, m.name, f.ty
                    ),
                );
            } else if !uploads.contains(m.name.as_str()) {
                cx.err_hint(
                    &format!("{at}.type"),
                    format!(
                        "field `{}` of `{}` is a `file`, but `{}` is not the body of an upload",
                        f.name, m.name, m.name
                    ),
                    "send the model with `body_encoding: multipart`",
                );
            } else if f.nullable {
                cx.err(
                    &format!("{at}.nullable"),
                    format!(
                        "file `{}` of `{}` cannot be null; make it optional",
                        f.name, m.name
                    ),
                );
            }
        }
        for (j, t) in m.one_of.iter().flatten().enumerate() {
            if parsed(t) {
                cx.err(
                    &format!("models[{i}].one_of[{j}]"),
                    format!(
                        "`{}` cannot be a file; a `file` is a field of an upload's body",
                        m.name
                    ),
                );
            }
        }
    }
    for (i, e) in spec.endpoints.iter().enumerate() {
        if e.response.as_deref().is_some_and(parsed) {
            cx.err_hint(
                &format!("endpoints[{i}].response"),
                format!("endpoint `{}` returns a `file`", e.name),
                "a response of raw bytes is `response: bytes` (a download)",
            );
        }
        if e.stream.as_ref().is_some_and(|st| parsed(&st.events)) {
            cx.err(
                &format!("endpoints[{i}].stream.events"),
                "events cannot be files",
            );
        }
    }
    for (i, c) in spec.errors.classes.iter().enumerate() {
        for (j, a) in c.attributes.iter().enumerate() {
            if let spec::AttrTypeSpec::Expr(text) = &a.ty {
                if parsed(text) {
                    cx.err(
                        &format!("errors.classes[{i}].attributes[{j}].type"),
                        format!("attribute `{}` of `{}` cannot be a file", a.name, c.name),
                    );
                }
            }
        }
    }
}

fn check_models(cx: &mut Ctx) {
    let spec = cx.spec;
    for (i, m) in spec.models.iter().enumerate() {
        let at = format!("models[{i}]");
        let kinds = [
            m.fields.is_some(),
            m.values.is_some(),
            m.variants.is_some(),
            m.one_of.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() > 1
            || (m.variants.is_none()
                && m.one_of.is_none()
                && m.fields.is_none()
                && m.values.is_none())
        {
            cx.err_hint(
                &at,
                format!(
                    "model `{}` needs exactly one of `fields` (a struct), `values` (an enum), `variants` (a tagged union) and `one_of` (untagged alternatives)",
                    m.name
                ),
                "a struct with no fields is `fields: []`",
            );
            continue;
        }
        if m.tag.is_some() != m.variants.is_some() {
            cx.err_hint(
                &at,
                format!(
                    "model `{}`: a tagged union has both `tag` and `variants`",
                    m.name
                ),
                "name the tag field, e.g. `tag: type`, beside the variants",
            );
        }
        if let Some(variants) = &m.variants {
            if variants.is_empty() {
                cx.err(
                    &format!("{at}.variants"),
                    format!("union `{}` has no variants", m.name),
                );
            }
            let mut seen = BTreeMap::new();
            for (j, v) in variants.iter().enumerate() {
                let vp = format!("{at}.variants[{j}]");
                match cx.model(&v.model) {
                    None => cx.err(
                        &format!("{vp}.model"),
                        format!(
                            "variant `{}` of `{}` holds model `{}`, which is not defined",
                            v.tag, m.name, v.model
                        ),
                    ),
                    Some(vm) if vm.fields.is_none() => cx.err(
                        &format!("{vp}.model"),
                        format!(
                            "variant `{}` of `{}` holds `{}`, which is not a struct",
                            v.tag, m.name, v.model
                        ),
                    ),
                    Some(_) => {}
                }
                let rust = rust_name(&v.tag, NameKind::Variant);
                if !is_ident(&rust) {
                    cx.err(
                        &format!("{vp}.tag"),
                        format!(
                            "tag `{}` of `{}` has no letters or digits to make a Rust name from",
                            v.tag.escape_debug(),
                            m.name
                        ),
                    );
                } else if rust == "Unknown" {
                    cx.err(
                        &format!("{vp}.tag"),
                        format!(
                            "tag `{}` of `{}` clashes with the fallback variant `Unknown`",
                            v.tag, m.name
                        ),
                    );
                } else if let Some(prev) = seen.insert(rust.clone(), v.tag.clone()) {
                    cx.err(
                        &format!("{vp}.tag"),
                        format!(
                            "tags `{}` and `{prev}` of `{}` both become `{rust}`",
                            v.tag, m.name
                        ),
                    );
                }
            }
            continue;
        }
        if let Some(types) = &m.one_of {
            if types.len() < 2 {
                cx.err(
                    &format!("{at}.one_of"),
                    format!("`one_of` of `{}` lists fewer than two alternatives", m.name),
                );
            }
            let mut seen = BTreeSet::new();
            for (j, t) in types.iter().enumerate() {
                match TypeExpr::parse(t) {
                    Err(e) => cx.err(&format!("{at}.one_of[{j}]"), e),
                    Ok(ty) => {
                        if let Some(n) = ty.named() {
                            if cx.model(n).is_none() {
                                cx.err(&format!("{at}.one_of[{j}]"), format!("alternative `{t}` of `{}` names `{n}`, which is not defined", m.name));
                            } else if n == m.name {
                                cx.err(
                                    &format!("{at}.one_of[{j}]"),
                                    format!("`{}` is one of its own alternatives", m.name),
                                );
                            }
                        }
                        if !seen.insert(t.replace(' ', "")) {
                            cx.err(
                                &format!("{at}.one_of[{j}]"),
                                format!("alternative `{t}` of `{}` is listed twice", m.name),
                            );
                        }
                    }
                }
            }
            continue;
        }
        match (&m.fields, &m.values) {
            (Some(fields), None) => {
                if m.open.is_some() {
                    cx.err(
                        &format!("{at}.open"),
                        format!("`open` applies to enums; `{}` is a struct", m.name),
                    );
                }
                let mut seen = BTreeMap::new();
                for (j, f) in fields.iter().enumerate() {
                    let fp = format!("{at}.fields[{j}]");
                    let rust = rust_name(&f.name, NameKind::Field);
                    // A name with no Rust form is reported once, by `check_member_names`.
                    let named = is_ident(&rust);
                    if let Some(prev) = named
                        .then(|| seen.insert(rust.clone(), f.name.clone()))
                        .flatten()
                    {
                        cx.err(
                            &format!("{fp}.name"),
                            if prev == f.name {
                                format!("field `{}` of `{}` is defined twice", f.name, m.name)
                            } else {
                                format!(
                                    "fields `{}` and `{prev}` of `{}` both become `{rust}`",
                                    f.name, m.name
                                )
                            },
                        );
                    }
                    match TypeExpr::parse(&f.ty) {
                        Err(err) => cx.err(&format!("{fp}.type"), err),
                        Ok(t) => {
                            if let Some(n) = t.named() {
                                if cx.model(n).is_none() {
                                    cx.err_hint(
                                        &format!("{fp}.type"),
                                        format!("field `{}` of `{}` refers to model `{n}`, which is not defined", f.name, m.name),
                                        "define it under `models` or fix the name",
                                    );
                                } else if n == m.name && matches!(t, TypeExpr::Named(_)) {
                                    cx.err_hint(
                                        &format!("{fp}.type"),
                                        format!(
                                            "field `{}` of `{}` contains `{}` itself",
                                            f.name, m.name, m.name
                                        ),
                                        "make it a list<> or map<> of the model",
                                    );
                                }
                            }
                        }
                    }
                }
            }
            (None, Some(values)) => {
                if values.is_empty() {
                    cx.err(
                        &format!("{at}.values"),
                        format!("enum `{}` has no values", m.name),
                    );
                }
                let mut seen = BTreeMap::new();
                for (j, v) in values.iter().enumerate() {
                    let rust = rust_name(&v.value, NameKind::Variant);
                    if rust == "Unknown" && m.open != Some(false) {
                        cx.err(
                            &format!("{at}.values[{j}].value"),
                            format!("open enum `{}` has a value `{}`, which clashes with the fallback variant `Unknown`", m.name, v.value),
                        );
                    }
                    if let Some(prev) = seen.insert(rust.clone(), v.value.clone()) {
                        cx.err(
                            &format!("{at}.values[{j}].value"),
                            if prev == v.value {
                                format!("value `{}` of enum `{}` is listed twice", v.value, m.name)
                            } else {
                                format!(
                                    "values `{}` and `{prev}` of enum `{}` both become `{rust}`",
                                    v.value, m.name
                                )
                            },
                        );
                    }
                }
            }
            _ => cx.err_hint(
                &at,
                format!(
                    "model `{}` needs exactly one of `fields` (a struct) and `values` (an enum)",
                    m.name
                ),
                "a struct with no fields is `fields: []`",
            ),
        }
    }
}
