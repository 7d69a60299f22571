//! The generated `client.rs`: the API's static description, the builder, endpoint groups
//! and, when the spec has a lifecycle, the rate-limit-or-quota helper.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::printed::{read_back, Printed};
use super::{doc, header_format, ident, rust_type};
use crate::model::{self, Api, Shape};
use crate::spec::{AuthScheme, BodyEncoding, NonJson, ParamLocation};
use crate::syntax::TypeExpr;

/// `Some("v")` or `None`, as Rust.
fn opt_text(v: Option<&str>) -> String {
    match v {
        Some(s) => format!("Some({})", Literal::string(s)),
        None => "None".to_owned(),
    }
}

/// `::std::time::Duration::from_millis(..)`, as Rust.
fn duration_text(d: std::time::Duration) -> String {
    let ms = Literal::u64_suffixed(d.as_millis() as u64);
    format!("::std::time::Duration::from_millis({ms})")
}

/// `Some(::std::time::Duration::from_millis(..))` or `None`, as Rust.
fn opt_duration_text(d: Option<std::time::Duration>) -> String {
    match d {
        Some(d) => format!("Some({})", duration_text(d)),
        None => "None".to_owned(),
    }
}

/// An auth scheme's `::sdkgen_runtime::Auth` variant and its fields, as Rust.
fn auth_parts(a: &crate::model::Auth) -> (&'static str, Vec<String>) {
    let lit = |s: Option<&str>| Literal::string(s.unwrap_or_default()).to_string();
    match a.scheme {
        AuthScheme::Bearer => ("::sdkgen_runtime::Auth::Bearer", Vec::new()),
        AuthScheme::None => ("::sdkgen_runtime::Auth::None", Vec::new()),
        AuthScheme::Header => (
            "::sdkgen_runtime::Auth::Header",
            vec![
                format!("name: {}", lit(a.header.as_deref())),
                format!("prefix: {}", lit(a.prefix.as_deref())),
            ],
        ),
        AuthScheme::Basic => (
            "::sdkgen_runtime::Auth::Basic",
            vec![format!("username: {}", opt_text(a.username.as_deref()))],
        ),
    }
}

/// A string list as Rust items.
fn strs(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|s| Literal::string(s).to_string())
        .collect()
}

/// `::sdkgen_runtime::HeaderFormat::X`, as Rust.
fn header_format_text(f: crate::spec::HeaderFormat) -> String {
    format!(
        "::sdkgen_runtime::HeaderFormat::{}",
        super::header_format_name(f)
    )
}

/// The static `ApiSpec`: what the runtime is told about this API, all of it from the spec.
/// Written as prettyplease prints it; a list of structs (credentials, optional headers,
/// rate-limit header families, buckets, class waits), which prettyplease lays out by its
/// length, is built as tokens and the static printed by prettyplease.
fn api_spec(api: &Api) -> Printed {
    let mut p = Printed::new();
    p.fixed(
        0,
        "/// What the runtime is told about this API: all of it from the spec.",
    );
    p.fixed(
        0,
        "static SPEC: ::sdkgen_runtime::ApiSpec = ::sdkgen_runtime::ApiSpec {",
    );
    let lit = |s: &str| Literal::string(s).to_string();
    p.line(4, format_args!("name: {},", lit(&api.name)));
    p.line(
        4,
        format_args!(
            "user_agent: {},",
            lit(&format!("{}/{} (rust)", api.crate_name, api.version))
        ),
    );
    p.line(4, format_args!("base_url: {},", lit(&api.base_url)));
    p.field_list(4, "env_api_key", &strs(&api.env_api_key));
    let extra_credentials = api.extra_auth.iter().map(|x| {
        let (path, fields) = auth_parts(&x.auth);
        let auth = if fields.is_empty() {
            read_back(path)
        } else {
            read_back(&format!("{path} {{ {} }}", fields.join(", ")))
        };
        let env = &x.env;
        let setter = &x.setter;
        quote!(::sdkgen_runtime::Credential { auth: #auth, env: &[#(#env),*], setter: #setter })
    });
    p.struct_list(4, "extra_credentials", extra_credentials);
    let optional_headers = api.optional_headers.iter().map(|h| {
        let name = &h.name;
        let env = &h.env;
        quote!(::sdkgen_runtime::OptionalHeader { name: #name, env: &[#(#env),*] })
    });
    p.struct_list(4, "optional_headers", optional_headers);
    p.line(
        4,
        format_args!("env_base_url: {},", opt_text(api.env_base_url.as_deref())),
    );
    let (path, fields) = auth_parts(&api.auth);
    if fields.is_empty() {
        p.line(4, format_args!("auth: {path},"));
    } else {
        p.field_struct(4, "auth", path, &fields);
    }
    // Header names are lowercased: `HeaderValue::from_static` needs no case, and
    // `HeaderMap::insert` with a `&'static str` name panics on uppercase.
    let headers: Vec<String> = api
        .fixed_headers
        .iter()
        .map(|h| format!("({}, {})", lit(&h.name.to_ascii_lowercase()), lit(&h.value)))
        .collect();
    p.field_list(4, "headers", &headers);
    let request_id = api
        .request_id_header
        .as_ref()
        .map(|h| h.to_ascii_lowercase());
    p.line(
        4,
        format_args!("request_id_header: {},", opt_text(request_id.as_deref())),
    );
    let env = &api.errors.envelope;
    p.fixed(4, "envelope: ::sdkgen_runtime::EnvelopeSpec {");
    p.field_list(8, "detail", &strs(&env.detail));
    p.field_list(8, "code", &strs(&env.code));
    p.field_list(8, "error_type", &strs(&env.error_type));
    p.line(
        8,
        format_args!("non_json_text: {},", env.non_json == NonJson::Text),
    );
    p.fixed(4, "},");
    let families = api.rate_limits.families.iter().map(|f| {
        let n = &f.name;
        let href = |h: &Option<(String, crate::spec::HeaderFormat)>| match h {
            Some((name, fmt)) => {
                let name = name.to_ascii_lowercase();
                let fmt = header_format(*fmt);
                quote!(Some((#name, #fmt)))
            }
            None => quote!(None),
        };
        let (l, r, s, u) = (href(&f.limit), href(&f.remaining), href(&f.reset), href(&f.used));
        let fields = f.fields.iter().map(|(name, header)| quote!((#name, #header)));
        quote!(::sdkgen_runtime::HeaderFamilySpec { name: #n, limit: #l, remaining: #r, reset: #s, used: #u, fields: &[#(#fields),*] })
    });
    p.struct_list(4, "rate_limit_headers", families);
    // Only buckets counted per API key can be enforced by one client.
    let buckets = api
        .rate_limits
        .buckets
        .iter()
        .filter(|b| b.scope == "api_key")
        .filter_map(|b| {
            let ((_, _, per_second), burst) = (b.refill?, b.burst?);
            let n = &b.name;
            Some(quote!(::sdkgen_runtime::BucketSpec { name: #n, refill_per_second: #per_second, burst: #burst }))
        });
    p.struct_list(4, "throttle_buckets", buckets);
    let r = &api.retry;
    p.fixed(4, "retry: ::sdkgen_runtime::RetryPolicy {");
    p.line(
        8,
        format_args!("max_retries: {},", Literal::u32_suffixed(r.max_retries)),
    );
    p.line(
        8,
        format_args!("initial_backoff: {},", duration_text(r.initial)),
    );
    p.line(8, format_args!("max_backoff: {},", duration_text(r.max)));
    p.line(
        8,
        format_args!("multiplier: {},", Literal::f64_suffixed(r.multiplier)),
    );
    let (jlo, jhi) = r.jitter;
    p.line(
        8,
        format_args!(
            "jitter: ({}, {}),",
            Literal::f64_suffixed(jlo),
            Literal::f64_suffixed(jhi)
        ),
    );
    p.field_list(8, "statuses", &super::printed::status_items(&r.statuses));
    p.field_list(8, "classes", &strs(&r.classes));
    p.line(8, format_args!("on_connect: {},", r.on_connect));
    p.line(8, format_args!("on_timeout: {},", r.on_timeout));
    let hints: Vec<String> = r
        .retry_after
        .iter()
        .map(|(h, f)| {
            format!(
                "({}, {})",
                lit(&h.to_ascii_lowercase()),
                header_format_text(*f)
            )
        })
        .collect();
    p.field_list(8, "retry_after", &hints);
    let should = r
        .should_retry_header
        .as_ref()
        .map(|h| h.to_ascii_lowercase());
    p.line(
        8,
        format_args!("should_retry_header: {},", opt_text(should.as_deref())),
    );
    p.line(
        8,
        format_args!("max_wait: {},", opt_duration_text(r.max_wait)),
    );
    p.line(
        8,
        format_args!("raise_past_max_wait: {},", r.raise_past_max_wait),
    );
    p.line(
        8,
        format_args!("deadline: {},", opt_duration_text(r.deadline)),
    );
    p.field_list(
        8,
        "not_processed",
        &super::printed::status_items(&r.not_processed),
    );
    let key_header = r.key_header.as_ref().map(|h| h.to_ascii_lowercase());
    p.line(
        8,
        format_args!(
            "idempotency_key_header: {},",
            opt_text(key_header.as_deref())
        ),
    );
    let schedule: Vec<String> = r.schedule.iter().map(|d| duration_text(*d)).collect();
    p.field_list(8, "schedule", &schedule);
    p.line(8, format_args!("min_backoff: {},", duration_text(r.min)));
    p.line(
        8,
        format_args!("zero_wait_backoff: {},", r.zero_wait_backoff),
    );
    let attempt_headers: Vec<String> = r
        .attempt_headers
        .iter()
        .map(|(h, v)| {
            let v = match v {
                crate::spec::AttemptValue::Attempt => "Attempt",
                crate::spec::AttemptValue::RetryCount => "RetryCount",
                crate::spec::AttemptValue::TimeoutSeconds => "TimeoutSeconds",
            };
            format!("({}, ::sdkgen_runtime::AttemptValue::{v})", lit(h))
        })
        .collect();
    p.field_list(8, "attempt_headers", &attempt_headers);
    let class_waits = r.class_waits.iter().map(|w| {
        let class = &w.class;
        let sources = w.sources.iter().map(|(h, f, plus)| {
            let f = header_format(*f);
            let plus = read_back(&duration_text(*plus));
            quote!((#h, #f, #plus))
        });
        let default = read_back(&opt_duration_text(w.default));
        quote!(::sdkgen_runtime::ClassWait { class: #class, sources: &[#(#sources),*], default: #default })
    });
    p.struct_list(8, "class_waits", class_waits);
    p.fixed(4, "},");
    p.line(
        4,
        format_args!("default_timeout: {},", duration_text(api.timeout)),
    );
    p.line(
        4,
        format_args!(
            "connect_timeout: {},",
            opt_duration_text(api.connect_timeout)
        ),
    );
    let fixed: Vec<String> = fixed_paths(api).iter().map(|p| lit(p)).collect();
    p.field_list(4, "fixed_paths", &fixed);
    p.fixed(0, "};");
    p
}

/// An endpoint's path as a `format!` string, its arguments (each path parameter,
/// percent-encoded), and the path as sent when it has no parameter.
fn path_format(e: &crate::model::Endpoint) -> (String, Vec<String>, String) {
    let mut fmt = String::new();
    let mut plain = String::new();
    let mut fmt_args = Vec::new();
    let mut rest = e.path.as_str();
    while let Some(open) = rest.find('{') {
        fmt.push_str(&rest[..open].replace('{', "{{").replace('}', "}}"));
        plain.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .unwrap_or(rest.len() - 1);
        let ph = &rest[open + 1..close];
        if let Some(p) = e
            .params
            .iter()
            .find(|p| p.spec_name == ph && p.location == ParamLocation::Path)
        {
            fmt.push_str("{}");
            fmt_args.push(format!("::sdkgen_runtime::path_segment({})", p.rust_name));
        }
        rest = &rest[close + 1..];
    }
    fmt.push_str(&rest.replace('{', "{{").replace('}', "}}"));
    plain.push_str(rest);
    (fmt, fmt_args, plain)
}

/// The paths of the endpoints without path parameters, sorted and each once: the client
/// builds each one's URL once.
fn fixed_paths(api: &Api) -> Vec<String> {
    let mut paths: Vec<String> = api
        .endpoints
        .iter()
        .filter_map(|e| {
            let (_, args, plain) = path_format(e);
            args.is_empty().then_some(plain)
        })
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths
}

/// The builder: the runtime's, typed to build this crate's `Client`.
fn builder_alias(p: &mut Printed, api: &Api) {
    let key_env = match crate::model::describe::env_vars(&api.env_api_key) {
        Some(v) => format!(" The API key is read from {v} unless `api_key` is called."),
        None => String::new(),
    };
    let url_env = match &api.env_base_url {
        Some(v) => format!(" The base URL is read from `{v}`, else `{}`.", api.base_url),
        None => format!(" The base URL defaults to `{}`.", api.base_url),
    };
    p.doc(
        0,
        &format!(
            "Builds a [`Client`]; every setting has a default from the spec.{key_env}{url_env} \
             Retries: {} by default (`max_retries`). {}",
            api.retry.max_retries,
            throttle_doc(api)
        ),
    );
    p.fixed(
        0,
        "pub type ClientBuilder = ::sdkgen_runtime::ClientBuilder<Client>;",
    );
}

/// The spec's own builder settings (further credentials, optional client-wide headers) as
/// an extension trait of the runtime's builder, which this crate does not own. `None` when
/// the spec has none.
fn ext_trait(api: &Api) -> Option<TokenStream> {
    // `before` and `after` wrap the variables' names, when there are any.
    let env_note = |vars: &[String], before: &str, after: &str| {
        crate::model::describe::env_vars(vars)
            .map(|v| format!("{before}{v}{after}"))
            .unwrap_or_default()
    };
    let methods: Vec<(proc_macro2::Ident, TokenStream, TokenStream)> = api
        .extra_auth
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let d = doc(&format!(
                "Authenticates with this credential when no API key is given (the first configured wins){}.",
                env_note(&x.env, "; read from ", " otherwise")
            ));
            let i = Literal::usize_unsuffixed(i);
            (format_ident!("{}", x.setter), d, quote!(self.credential(#i, value)))
        })
        .chain(api.optional_headers.iter().map(|h| {
            let name = &h.name;
            let d = doc(&format!(
                "Sends `{}` on every request{}.{}",
                h.name,
                env_note(&h.env, " (read from ", " unless set here)"),
                h.docs.as_deref().map(|d| format!(" {d}")).unwrap_or_default()
            ));
            let m = format_ident!("{}", h.setter.trim_start_matches("r#"));
            (m, d, quote!(self.optional_header(#name, value)))
        }))
        .collect();
    if methods.is_empty() {
        return None;
    }
    let sigs = methods
        .iter()
        .map(|(m, d, _)| quote!(#d #[must_use] fn #m(self, value: impl Into<String>) -> Self;));
    let impls = methods
        .iter()
        .map(|(m, _, body)| quote!(fn #m(self, value: impl Into<String>) -> Self { #body }));
    Some(quote! {
        /// This API's own builder settings. Import it (`use <crate>::ClientBuilderExt;`) to
        /// call them on [`ClientBuilder`].
        pub trait ClientBuilderExt: Sized {
            #(#sigs)*
        }

        impl ClientBuilderExt for ClientBuilder {
            #(#impls)*
        }
    })
}

fn throttle_doc(api: &Api) -> String {
    let enforced: Vec<String> = api
        .rate_limits
        .buckets
        .iter()
        .filter(|b| b.scope == "api_key")
        .filter_map(|b| {
            let (count, unit, _) = b.refill?;
            Some(format!(
                "`{}` ({count} requests/{unit}, burst {})",
                b.name, b.burst?
            ))
        })
        .collect();
    if enforced.is_empty() {
        "Client-side throttling (off by default). The spec declares no per-key bucket with \
         numbers, so turning it on has no effect."
            .into()
    } else {
        format!(
            "Client-side throttling, off by default: when on, calls wait locally for a token \
             of {} so a fan-out workload paces itself instead of collecting 429s. Clones of \
             the client share the bucket.",
            enforced.join(" and ")
        )
    }
}

/// The argument list, request construction and call of one endpoint method.
/// An endpoint: the method that starts a call (required parameters and the body are its
/// arguments) and the call builder it returns (a setter per optional parameter, the
/// per-call options, `send`). `receiver` reaches the runtime client; `lifetime` is the
/// builder's.
fn endpoint_method(
    api: &Api,
    e: &model::Endpoint,
    out: &mut Printed,
    receiver: &str,
    lifetime: &str,
) -> TokenStream {
    let call_ty = ident(&e.call_type);
    let mut args = Vec::new();
    let mut arg_docs = Vec::new();
    let mut setter_docs = Vec::new();
    // Header names go lowercase, as HTTP/2 requires and `HeaderMap` expects.
    let wire = |p: &model::Param| match p.location {
        ParamLocation::Header => p.spec_name.to_ascii_lowercase(),
        _ => p.spec_name.clone(),
    };
    // The method's locals start with `__`, which no parameter's Rust name can (naming
    // folds leading underscores), so a parameter named `request` cannot shadow one.
    let mut steps: Vec<String> = Vec::new();
    let mut multipart = false;
    let mut setters = Vec::new();
    for p in &e.params {
        let pid = &p.rust_name;
        let place = match p.location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
        };
        // One line: it is an item of the method's list of arguments or setters.
        let about = format!(
            "{place} `{}`{}",
            p.spec_name,
            p.docs
                .as_deref()
                .map(|d| format!(": {}", d.split_whitespace().collect::<Vec<_>>().join(" ")))
                .unwrap_or_default()
        );
        let w = wire(p);
        if p.required {
            let w = Literal::string(&w);
            args.push(format!("{pid}: {}", param_type(api, &p.ty)));
            arg_docs.push(format!(
                "- `{}` ({about})",
                p.rust_name.trim_start_matches("r#")
            ));
            match (p.location, &p.ty) {
                (ParamLocation::Path, _) => {}
                (ParamLocation::Query, TypeExpr::List(_)) => {
                    steps.push(format!("__request.set_query_list({w}, {pid});"))
                }
                (ParamLocation::Query, _) => {
                    steps.push(format!("__request.set_query({w}, {pid});"))
                }
                (ParamLocation::Header, _) => {
                    steps.push(format!("__request.set_header({w}, {pid});"))
                }
            }
            continue;
        }
        // An optional parameter is a setter (see `model::naming::setter_name`).
        let sid = ident(&p.setter);
        setter_docs.push(format!(
            "- `.{}(..)` ({about})",
            p.setter.trim_start_matches("r#")
        ));
        let sd = doc(&format!("Sets {about}.",));
        let (ty, set) = match (&p.ty, p.location) {
            (TypeExpr::List(inner), _) => {
                let it = match &**inner {
                    TypeExpr::String => quote!(impl ::std::fmt::Display),
                    other => rust_type(api, other),
                };
                (
                    quote!(impl IntoIterator<Item = #it>),
                    quote!(self.call.request_mut().set_query_list(#w, value);),
                )
            }
            (t, loc) => {
                let (ty, value) = match t {
                    TypeExpr::String => (
                        quote!(impl Into<String>),
                        quote!(::std::convert::Into::<String>::into(value)),
                    ),
                    other => (rust_type(api, other), quote!(value)),
                };
                let set = if loc == ParamLocation::Header {
                    quote!(self.call.request_mut().set_header(#w, #value);)
                } else {
                    quote!(self.call.request_mut().set_query(#w, #value);)
                };
                (ty, set)
            }
        };
        setters.push(quote! {
            #sd
            #[inline]
            pub fn #sid(mut self, value: #ty) -> Self {
                #set
                self
            }
        });
    }
    if let Some((m, enc)) = e.body {
        args.push(format!("body: &{}", api.models[m].rust_name));
        arg_docs.push(format!(
            "- `body`: the `{}` request body",
            api.models[m].spec_name
        ));
        match enc {
            BodyEncoding::Json => steps.push("__request = __request.json(body);".to_owned()),
            BodyEncoding::Form => steps.push("__request = __request.form(body);".to_owned()),
            BodyEncoding::Multipart => {
                // File fields are file parts; every other field is text, in field order.
                let parts = match &api.models[m].shape {
                    model::Shape::Struct(fields) => fields
                        .iter()
                        .map(|f| {
                            let id = &f.rust_name;
                            let wire = Literal::string(&f.spec_name);
                            match (&f.ty, f.required && !f.nullable) {
                                (TypeExpr::File, true) => format!(".file({wire}, &body.{id})"),
                                (TypeExpr::File, false) => {
                                    format!(".file_opt({wire}, body.{id}.as_ref())")
                                }
                                _ => format!(".value({wire}, &body.{id})"),
                            }
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                // A chain of parts, which prettyplease lays out.
                multipart = true;
                steps.push(format!(
                    "__request = __request.multipart(::sdkgen_runtime::Multipart::new(){});",
                    parts.concat()
                ));
            }
        }
    }
    // The path, with each placeholder percent-encoded; a fixed path is a `&'static str`.
    let (fmt, fmt_args, plain) = path_format(e);
    let fmt = Literal::string(&fmt);
    let path = if fmt_args.is_empty() {
        Literal::string(&plain).to_string()
    } else {
        format!("format!({fmt}, {})", fmt_args.join(", "))
    };
    let mut path_args = vec![fmt.to_string()];
    path_args.extend(fmt_args);
    let method = Literal::string(&e.http_method);
    let kind_ident = ident(&api.errors.kind_enum);
    let events = e.stream.as_ref().map(|st| {
        let event = rust_type(api, &st.event);
        let opt = |v: &Option<String>| match v {
            Some(v) => quote!(Some(#v)),
            None => quote!(None),
        };
        let (done, error_field, error_status) =
            (opt(&st.done), opt(&st.error_field), opt(&st.error_status));
        let (error_events, ignore) = (&st.error_events, &st.ignore);
        let spec = quote! {
            static EVENTS: ::sdkgen_runtime::StreamSpec = ::sdkgen_runtime::StreamSpec {
                done: #done,
                error_events: &[#(#error_events),*],
                error_field: #error_field,
                error_status: #error_status,
                ignore: &[#(#ignore),*],
            };
        };
        (
            quote!(::sdkgen_runtime::EventStream<#event, #kind_ident>),
            spec,
            event,
        )
    });
    let always_streams = events
        .as_ref()
        .filter(|_| e.stream.as_ref().is_some_and(|st| st.flag.is_none()));
    let (ret, send) = match &e.response {
        _ if always_streams.is_some() => {
            let ty = always_streams.map(|(ty, _, _)| ty.clone());
            (quote!(#ty), quote!(send_events))
        }
        _ if e.download => {
            let kind = ident(&api.errors.kind_enum);
            (
                quote!(::sdkgen_runtime::BodyStream<#kind>),
                quote!(send_stream),
            )
        }
        Some(t) => {
            let t = rust_type(api, t);
            (quote!(#t), quote!(send_json))
        }
        None => (quote!(()), quote!(send_empty)),
    };
    let mut text = e.docs.clone();
    text.push_str(&format!(
        "\n\n`{} {}` (`{}`).",
        e.http_method, e.path, e.spec_name
    ));
    if e.free {
        text.push_str(" Free: it does not count against quotas and works whatever the account's lifecycle state.");
    }
    if let Some(q) = &e.quota {
        text.push_str(&format!(" Draws on the `{q}` quota."));
    }
    if e.idempotent {
        text.push_str(" Idempotent: retried even after it may have reached the server.");
    }
    text.push_str(&format!(
        " Returns a [`{}`]: set what you need, then `.send().await`.",
        e.call_type
    ));
    if !arg_docs.is_empty() {
        text.push_str("\n\n# Arguments\n");
        text.push_str(&arg_docs.join("\n"));
    }
    if !setter_docs.is_empty() {
        text.push_str("\n\n# Optional\n");
        text.push_str(&setter_docs.join("\n"));
    }
    if !e.errors.is_empty() {
        text.push_str("\n\n# Errors\nBesides transport failures, documented to raise: ");
        let names: Vec<String> = e.errors.iter().map(|n| format!("`{n}`")).collect();
        text.push_str(&names.join(", "));
        text.push('.');
    }
    let mut_kw = if steps.is_empty() { "" } else { "mut " };
    // A call with nothing of its own to set, sent plainly, is one of the runtime's generic
    // calls under the endpoint's name: the crate declares a type alias, not a builder.
    // Where the API has an idempotency-key header, the call's options include the key.
    let keyed = api
        .retry
        .key_header
        .is_some()
        .then(|| quote!(, ::sdkgen_runtime::Keyed));
    let plain_send =
        setters.is_empty() && e.stream.is_none() && !e.download && e.pagination.is_none();
    let shared = plain_send.then(|| match &e.response {
        // `ret` is the response type here: no stream, no download.
        Some(_) => quote!(::sdkgen_runtime::JsonCall<'a, #ret, #kind_ident #keyed>),
        None => quote!(::sdkgen_runtime::EmptyCall<'a, #kind_ident #keyed>),
    });
    // `#[inline]` here and on the builders' setters: an inline function is compiled in the
    // crate that calls it, as generic code is, so building the SDK does not compile every
    // endpoint's request (its body's serializer above all) up front; a user's crate
    // compiles the endpoints it calls.
    out.doc(4, &text);
    if args.len() > 6 {
        out.fixed(4, "#[allow(clippy::too_many_arguments)]");
    }
    out.fixed(4, "#[inline]");
    let mut params = vec!["&self".to_owned()];
    params.extend(args);
    out.signature(
        4,
        &format!("pub fn {}", e.method_name),
        &params,
        &format!(" -> {}<{lifetime}> {{", e.call_type),
    );
    // `Request::new(..)` and its settings, a call a line (they never fit one); the
    // arguments of `new` go on lines of their own when the first line is too long.
    let head = format!("let {mut_kw}__request = ::sdkgen_runtime::Request::new(");
    if !out.fits(8, &[&head, &method.to_string(), ", ", &path, ")"]) {
        out.line(8, format_args!("{head}"));
        out.line(16, format_args!("{method},"));
        if path_args.len() > 1 {
            out.last_macro_call(16, "format!", &path_args);
        } else {
            out.line(16, format_args!("{path},"));
        }
        out.line(12, format_args!(")"));
    } else {
        out.measured_line(8, format_args!("{head}{method}, {path})"));
    }
    out.line(
        12,
        format_args!(".endpoint({})", Literal::string(&e.spec_name)),
    );
    // What the runtime is told is whether it may resend the request, not whether the
    // endpoint is idempotent (the docs say that).
    out.line(12, format_args!(".idempotent({});", e.resendable));
    if multipart {
        out.any_layout();
    }
    for step in &steps {
        out.line(8, format_args!("{step}"));
    }
    let start = format!("::sdkgen_runtime::Call::new({receiver}, __request)");
    match shared {
        Some(_) => out.line(
            8,
            format_args!("{}::new({receiver}, __request)", e.call_type),
        ),
        None => out.struct_expr(8, &e.call_type, &[format!("call: {start}")]),
    }
    out.fixed(4, "}");
    let cd = doc(&format!(
        "A call of `{}` (`{} {}`): {} are set here, then `send` runs it.",
        e.spec_name,
        e.http_method,
        e.path,
        match shared {
            Some(_) => "per-call options",
            None => "optional parameters and per-call options",
        }
    ));
    if let Some(shared) = shared {
        return quote!(#cd pub type #call_ty<'a> = #shared;);
    }
    let paging = e.pagination.as_ref().map(|p| paging_methods(api, p, &ret));
    // `send` hands back the runtime's future rather than awaiting it in an `async fn` of
    // its own: a wrapper future would hold the call and the runtime's future side by side,
    // the request twice, and be copied whole when the caller's future starts.
    // It is `#[inline]` like the setters: the runtime's generic send is compiled for it
    // only where a user sends the call.
    let future = |output: &TokenStream| quote!(impl ::std::future::Future<Output = crate::Result<::sdkgen_runtime::Response<#output>>> + 'a);
    let plain = {
        let ret_future = future(&ret);
        let turbofish = match send.to_string().as_str() {
            "send_json" => quote!(::<#ret, #kind_ident>),
            _ => quote!(::<#kind_ident>),
        };
        (ret_future, quote!(self.call.#send #turbofish()))
    };
    let send_method = match (&e.stream, &events) {
        (Some(st), Some((stream_ty, spec, event))) => {
            let always = st.flag.is_none();
            let send_doc = doc(&stream_doc(st, always));
            let stream_future = future(stream_ty);
            let streamed = quote! {
                #spec
                self.call.send_events::<#event, #kind_ident>(&EVENTS)
            };
            match &st.flag {
                None => quote! {
                    #send_doc
                    #[inline]
                    pub fn send(self) -> #stream_future {
                        #streamed
                    }
                },
                Some(flag) => {
                    let (ret_future, call) = plain;
                    quote! {
                        /// Sends the call, with the client's retries, waits and limits, for the
                        /// whole response at once; [`stream`](Self::stream) asks for events.
                        #[inline]
                        pub fn send(self) -> #ret_future {
                            #call
                        }

                        #send_doc
                        #[inline]
                        pub fn stream(mut self) -> #stream_future {
                            self.call.request_mut().set_body_flag(#flag, true);
                            #streamed
                        }
                    }
                }
            }
        }
        _ => {
            let (ret_future, call) = plain;
            quote! {
                /// Sends the call, with the client's retries, waits and limits.
                #[inline]
                pub fn send(self) -> #ret_future {
                    #call
                }
            }
        }
    };
    let options = if api.retry.key_header.is_some() {
        quote!(::sdkgen_runtime::call_options!(idempotency_key);)
    } else {
        quote!(::sdkgen_runtime::call_options!();)
    };
    let builder = quote! {
        #cd
        #[derive(Debug)]
        #[must_use = "a call does nothing until it is sent with `.send().await`"]
        pub struct #call_ty<'a> {
            call: ::sdkgen_runtime::Call<'a>,
        }

        impl<'a> #call_ty<'a> {
            #(#setters)*

            #options

            #send_method

            #paging
        }
    };
    builder
}

/// The doc comment of the method that streams events.
fn stream_doc(st: &model::EventStream, always: bool) -> String {
    let mut text = String::from(if always {
        "Sends the call; the response is a stream of events, read with `StreamExt::next` (re-exported as `futures::StreamExt`)."
    } else {
        "Sends the call asking for a stream of events (the body's `FLAG` set to `true`), read with `StreamExt::next` (re-exported as `futures::StreamExt`)."
    });
    if let Some(flag) = &st.flag {
        text = text.replace("FLAG", flag);
    }
    text.push_str(" The client's retries cover the response head and the first event; from then on nothing is resent.");
    if let Some(done) = &st.done {
        text.push_str(&format!(" The stream ends at the `{done}` event; one that stops before it ends with a connection error."));
    }
    if !st.error_events.is_empty() || st.error_field.is_some() {
        text.push_str(" An error the server sends as an event is classified as an error response is, and is the stream's last item.");
    }
    text
}

/// `pages` and `items` of a paginated endpoint's call builder.
fn paging_methods(api: &Api, p: &model::Pagination, page_ty: &TokenStream) -> TokenStream {
    use crate::spec::PageStyle as S;
    let kind = ident(&api.errors.kind_enum);
    let item = rust_type(api, &p.item);
    let param = &p.param;
    let style = match p.style {
        S::Cursor => {
            let field = &p.field;
            let has_more = match &p.has_more {
                Some(h) => quote!(Some(#h)),
                None => quote!(None),
            };
            quote!(::sdkgen_runtime::PageStyle::Cursor { param: #param, field: #field, has_more: #has_more })
        }
        S::NextCursor => {
            let path = &p.next;
            quote!(::sdkgen_runtime::PageStyle::NextCursor { param: #param, path: #path })
        }
        S::Link => quote!(::sdkgen_runtime::PageStyle::Link),
        S::Page => {
            let first = p.first;
            quote!(::sdkgen_runtime::PageStyle::Page { param: #param, first: #first })
        }
        S::Offset => quote!(::sdkgen_runtime::PageStyle::Offset { param: #param }),
    };
    let items = &p.items;
    let pages_doc = doc(&format!(
        "Every page, from this one on, fetched lazily as the stream is polled ({}); each page goes through the same retries, waits and throttle as `send`, and an error ends the stream.",
        crate::model::describe::paging(p)
    ));
    let items_doc = doc(
        "Every item, page after page, fetched lazily as the stream is polled. Cap it with `StreamExt::take` (re-exported as `futures::StreamExt`).",
    );
    quote! {
        #pages_doc
        #[inline]
        pub fn pages(self) -> ::sdkgen_runtime::futures::BoxStream<'static, crate::Result<::sdkgen_runtime::Response<#page_ty>>> {
            static PAGES: ::sdkgen_runtime::PageSpec = ::sdkgen_runtime::PageSpec { style: #style, items: #items };
            self.call.pages::<#page_ty, #kind>(&PAGES)
        }

        #items_doc
        #[inline]
        pub fn items(self) -> ::sdkgen_runtime::Items<#item, #kind> {
            static PAGES: ::sdkgen_runtime::PageSpec = ::sdkgen_runtime::PageSpec { style: #style, items: #items };
            self.call.items::<#item, #kind>(&PAGES)
        }
    }
}

/// Parameter types: strings are taken by reference.
fn param_type(api: &Api, t: &TypeExpr) -> String {
    let ty = |t: &TypeExpr| super::printed::rust_type(api, t, None);
    match t {
        TypeExpr::String => "&str".to_owned(),
        TypeExpr::List(inner) if **inner == TypeExpr::String => "&[&str]".to_owned(),
        TypeExpr::List(inner) => format!("&[{}]", ty(inner)),
        TypeExpr::Named(_) => format!("&{}", ty(t)),
        other => ty(other),
    }
}

fn lifecycle_helper(api: &Api) -> Option<TokenStream> {
    let lc = api.rate_limits.lifecycle.as_ref()?;
    let ep = &api.endpoints[lc.endpoint];
    if !ep.params.is_empty() || ep.body.is_some() {
        return None;
    }
    let m = &api.models[lc.model];
    let Shape::Enum { values, .. } = &m.shape else {
        return None;
    };
    let state_ty = ident(&m.rust_name);
    let field = ident(&lc.field);
    let exhausted = values
        .iter()
        .filter(|v| lc.quota_exhausted.contains(&v.wire))
        .map(|v| {
            let vid = ident(&v.rust_name);
            quote!(#state_ty::#vid)
        })
        .collect::<Vec<_>>();
    let blocked = values
        .iter()
        .filter(|v| lc.blocked.contains(&v.wire))
        .map(|v| {
            let vid = ident(&v.rust_name);
            quote!(#state_ty::#vid)
        })
        .collect::<Vec<_>>();
    let accessors = ep.accessors.iter().map(|a| ident(a));
    let em = ident(&ep.method_name);
    let call = quote!(self #(.#accessors())* .#em());
    let root = ident(&api.errors.root.rust_name);
    let is_in = |states: &[TokenStream]| {
        if states.is_empty() {
            quote!(false)
        } else {
            quote!(matches!(state, #(#states)|*))
        }
    };
    let (is_exhausted, is_blocked) = (is_in(&exhausted), is_in(&blocked));
    let cause_doc = doc(&format!(
        "Why a request was refused with 429, as [`Client::rate_limit_cause`] tells after \
         asking `{}` for `{}`.",
        ep.spec_name, lc.field_spec_name
    ));
    let fn_doc = doc(&format!(
        "Tells a rate-limit 429 from a spent quota in one call: both are 429, but waiting \
         `retry_after` only helps the first. Reads `{field}` from the 429's own body when it \
         is there; otherwise calls `{}` once (free, so it works even when the quota is spent, \
         and not retried) and reads `{field}` from its answer. A 429 from that call means the \
         account is throttled, and is answered as such.\n\nReturns `None` when `error` is not \
         a 429; `Err` only when the lookup fails for another reason.",
        ep.spec_name,
        field = lc.field_spec_name
    ));
    let wire = &lc.field_spec_name;
    Some(quote! {
        #cause_doc
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum RateLimitCause {
            /// The per-minute rate limit: back off `retry_after` and try again.
            Throttled {
                /// How long the server asked to wait.
                retry_after: Option<::std::time::Duration>,
            },
            /// A per-period quota is spent: retrying will not help until it resets.
            QuotaExhausted {
                /// The lifecycle state reported.
                state: #state_ty,
            },
            /// The account is blocked: no retry will help until it is restored.
            Blocked {
                /// The lifecycle state reported.
                state: #state_ty,
            },
        }

        impl Client {
            #fn_doc
            pub async fn rate_limit_cause(&self, error: &#root) -> crate::Result<Option<RateLimitCause>> {
                let Some(api) = error.as_api().filter(|e| e.status == 429) else {
                    return Ok(None);
                };
                let throttled = || RateLimitCause::Throttled { retry_after: api.retry_after };
                // The 429's own body, when it says.
                let said = ::serde_json::from_slice::<::serde_json::Value>(&api.response.body)
                    .ok()
                    .and_then(|mut body| body.get_mut(#wire).map(::serde_json::Value::take))
                    .and_then(|v| ::serde_json::from_value::<#state_ty>(v).ok());
                let state = match said {
                    Some(state) => state,
                    None => match #call.max_retries(0).send().await {
                        Ok(status) => status.into_inner().#field,
                        // The lookup is refused for the rate too: that is the answer.
                        Err(e) if e.as_api().is_some_and(|e| e.status == 429) => {
                            return Ok(Some(throttled()));
                        }
                        Err(e) => return Err(e),
                    },
                };
                let state = &state;
                Ok(Some(if #is_exhausted {
                    RateLimitCause::QuotaExhausted { state: state.clone() }
                } else if #is_blocked {
                    RateLimitCause::Blocked { state: state.clone() }
                } else {
                    throttled()
                }))
            }
        }
    })
}

/// `client.rs`: the client, its builder and groups, then every endpoint's call builder,
/// rendered in runs on every core (an item's printed form does not depend on its
/// neighbours, so the runs are printed apart and joined).
pub(super) fn client_file(api: &Api) -> String {
    use rayon::prelude::*;
    let (head, root_builders, lifecycle) = client_rs(api);
    // Per named group: its type and its endpoints' call builders (the root group's are
    // the client's own, built with the head).
    let units: Vec<(String, String)> = api
        .groups
        .par_iter()
        .enumerate()
        .filter_map(|(gi, g)| Some((gi, g, g.name.as_ref()?)))
        .map(|(gi, g, ns)| {
            let (group, builders) = group_lines(api, gi, g, ns);
            (group.finish_or_print(), super::unparse(builders))
        })
        .collect();
    let mut out = super::header("//", &api.spec_file) + &head;
    for (group, _) in &units {
        out.push_str(group);
    }
    out.push_str(&super::unparse(root_builders));
    for (_, builders) in &units {
        out.push_str(builders);
    }
    out + &super::unparse(lifecycle)
}

/// A named group's type and its methods, as text, and its endpoints' call builders.
fn group_lines(api: &Api, gi: usize, g: &model::Group, ns: &str) -> (Printed, TokenStream) {
    let feature = group_feature(api, gi);
    let cfg = group_cfg(api, gi);
    let mut p = Printed::new();
    p.feature(0, feature);
    p.doc(0, &format!("The `{ns}` endpoints."));
    p.fixed(0, "#[derive(Debug, Clone, Copy)]");
    p.line(0, format_args!("pub struct {}<'a> {{", g.rust_name));
    p.fixed(4, "client: &'a Client,");
    p.fixed(0, "}");
    p.feature(0, feature);
    p.line(0, format_args!("impl<'a> {}<'a> {{", g.rust_name));
    if g.endpoints.is_empty() && g.children.is_empty() {
        // `impl<'a> A<'a> {}`, which prettyplease lays out.
        p.any_layout();
    }
    let mut builders = TokenStream::new();
    for &i in &g.endpoints {
        let b = endpoint_method(api, &api.endpoints[i], &mut p, "&self.client.inner", "'a");
        builders.extend(super::gated(b, cfg.clone()));
    }
    for &c in &g.children {
        accessor(&mut p, api, c, false);
    }
    p.fixed(0, "}");
    (p, builders)
}

/// The accessor of a nested group, as a method of its parent (the client or a group),
/// under the group's feature when the client's and the group has one.
fn accessor(out: &mut Printed, api: &Api, child: usize, from_client: bool) {
    let g = &api.groups[child];
    if from_client {
        out.feature(4, group_feature(api, child));
    }
    out.doc(
        4,
        &format!("The `{}` endpoints.", g.name.as_deref().unwrap_or_default()),
    );
    out.fixed(4, "#[inline]");
    // A group's own accessors hand on the client's lifetime, not their borrow of the
    // group, so `client.a().b().call()` outlives the temporary `a()`.
    let (client, lifetime) = if from_client {
        ("self", "'_")
    } else {
        ("self.client", "'a")
    };
    out.signature(
        4,
        &format!("pub fn {}", g.method),
        &["&self".to_owned()],
        &format!(" -> {}<{lifetime}> {{", g.rust_name),
    );
    out.struct_expr(8, &g.rust_name, &[format!("client: {client}")]);
    out.fixed(4, "}");
}

/// The feature a group's items are compiled under, if the crate has features.
fn group_feature(api: &Api, gi: usize) -> Option<&str> {
    super::top_group(api, gi)
        .and_then(|t| api.features.get(&t))
        .map(String::as_str)
}

/// [`group_feature`] as the tokens of a `cfg`.
fn group_cfg(api: &Api, gi: usize) -> Option<TokenStream> {
    group_feature(api, gi).map(|f| quote!(feature = #f))
}

/// The client file's items but the named groups' types and call builders: the head, the
/// root group's call builders, and the lifecycle helper that ends the file.
fn client_rs(api: &Api) -> (String, TokenStream, TokenStream) {
    let name = &api.name;
    let key_line = match crate::model::describe::env_vars(&api.env_api_key) {
        Some(v) => format!("reads the API key from {v}"),
        None => "needs an API key from the builder".into(),
    };
    let article = crate::model::prose::article_capitalized(name);
    // With namespaces behind features, a build of a few may use neither module.
    let mut p = Printed::new();
    p.fixed(0, "//! The client, its builder and the endpoint groups.");
    let allow = !api.features.is_empty();
    if !api.endpoints.is_empty() {
        if allow {
            p.fixed(0, "#[allow(unused_imports)]");
        }
        p.fixed(0, "use crate::error::*;");
    }
    let uses_models = api
        .endpoints
        .iter()
        .any(|e| e.body.is_some() || e.response.as_ref().is_some_and(|t| t.named().is_some()));
    if uses_models {
        if allow {
            p.fixed(0, "#[allow(unused_imports)]");
        }
        p.fixed(0, "use crate::models::*;");
    }
    let mut head = p.finish_or_print();
    head.push_str(&api_spec(api).finish_or_print());

    let mut p = Printed::new();
    p.doc(
        0,
        &format!(
            "{article} {name} client. Cheap to clone: clones share the connection pool and \
             the throttle.\n\n{}\n\n```no_run\n\
             # async fn demo() -> Result<(), Box<dyn std::error::Error>> {{\n\
             let client = {}::Client::builder().api_key(\"my-key\").build()?;\n\
             # let _ = client;\n# Ok(())\n# }}\n```",
            crate::model::describe::retry_summary(api),
            api.crate_ident
        ),
    );
    p.fixed(0, CLIENT);
    builder_alias(&mut p, api);
    head.push_str(&p.finish_or_print());
    if let Some(ext) = ext_trait(api) {
        head.push_str(&super::unparse(ext));
    }

    // The root group's endpoints and accessors are the client's own methods.
    let mut p = Printed::new();
    p.fixed(0, CLIENT_IMPL);
    p.doc(
        4,
        &format!(
            "A client with every default from the spec: it {key_line} and uses `{}` unless \
             the environment overrides it.",
            api.base_url
        ),
    );
    p.fixed(0, CLIENT_NEW);
    let mut root_builders = TokenStream::new();
    for g in api.groups.iter().filter(|g| g.name.is_none()) {
        for &i in &g.endpoints {
            root_builders.extend(endpoint_method(
                api,
                &api.endpoints[i],
                &mut p,
                "&self.inner",
                "'_",
            ));
        }
        for &c in &g.children {
            accessor(&mut p, api, c, true);
        }
    }
    p.fixed(0, "}");
    head.push_str(&p.finish_or_print());
    let lifecycle = lifecycle_helper(api);
    (head, root_builders, lifecycle.unwrap_or_default())
}

/// The client type and its `Debug`, the same for every API.
const CLIENT: &str = "\
#[derive(Clone)]
pub struct Client {
    inner: ::sdkgen_runtime::Client,
}
/// The runtime client's own: API, base URL, timeouts, never the key.
impl ::std::fmt::Debug for Client {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        ::std::fmt::Debug::fmt(&self.inner, f)
    }
}";

/// `From` the runtime's client, and the client's methods up to the doc of `new`.
const CLIENT_IMPL: &str = "\
impl From<::sdkgen_runtime::Client> for Client {
    fn from(inner: ::sdkgen_runtime::Client) -> Self {
        Client { inner }
    }
}
impl Client {
    /// A builder with the spec's defaults.
    pub fn builder() -> ClientBuilder {
        ::sdkgen_runtime::ClientBuilder::new(&SPEC)
    }";

/// `new` and `base_url`.
const CLIENT_NEW: &str = "    \
    pub fn new() -> ::std::result::Result<Self, ::sdkgen_runtime::BuildError> {
        Self::builder().build()
    }
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url()
    }";

#[cfg(test)]
mod tests {
    use super::super::printed::corpus::{assert_as_printed, specs};
    use super::*;

    /// Every named group of the seeds and the test specs, its endpoints' methods with it:
    /// written directly as prettyplease prints it, or printed by prettyplease, which then
    /// finds nothing to change.
    #[test]
    fn groups_of_every_spec_are_as_prettyplease_prints_them() {
        let (mut groups, mut direct, mut endpoints) = (0, 0, 0);
        for api in specs() {
            for (gi, g) in api.groups.iter().enumerate() {
                let Some(ns) = &g.name else { continue };
                groups += 1;
                endpoints += g.endpoints.len();
                let (lines, _) = group_lines(&api, gi, g, ns);
                let printed = match lines.finish() {
                    Some(text) => {
                        direct += 1;
                        text
                    }
                    None => group_lines(&api, gi, g, ns).0.finish_or_print(),
                };
                if !printed.contains('\r') {
                    assert_as_printed(&printed, ns);
                }
            }
        }
        assert!(
            groups > 50 && endpoints > 800,
            "{groups} groups, {endpoints} endpoints"
        );
        assert!(
            direct * 10 > groups * 6,
            "{direct} of {groups} written directly"
        );
        assert!(direct < groups, "none printed by prettyplease");
    }

    /// Every spec's `ApiSpec` static and the client's head are as prettyplease prints
    /// them; the static is written directly for most.
    #[test]
    fn heads_of_every_spec_are_as_prettyplease_prints_them() {
        let (mut apis, mut direct) = (0, 0);
        for api in specs() {
            apis += 1;
            if let Some(text) = api_spec(&api).finish() {
                direct += 1;
                assert_as_printed(&text, &api.name);
            }
            let (head, _, _) = client_rs(&api);
            if !head.contains('\r') {
                assert_as_printed(&head, &api.name);
            }
        }
        assert!(apis >= 8 && direct * 10 >= apis * 6, "{direct} of {apis}");
    }

    /// `Request::new`'s arguments stay on its line up to the margin and go on lines of their
    /// own past it, as prettyplease breaks them: over every length around the margin.
    #[test]
    fn request_arguments_break_at_the_margin_as_prettyplease_breaks_them() {
        let mut seen = Vec::new();
        for len in 80..=95 {
            // `        let __request = ::sdkgen_runtime::Request::new("GET", "/…")`
            let path = format!("/{}", "p".repeat(len - 8 - 58));
            let text = format!(
                "api: {{name: Edge, crate: edge, version: 0.1.0, docs: Edge., \
                 base_url: 'http://localhost', auth: {{scheme: none}}}}\n\
                 errors:\n  root: {{name: EdgeError, docs: Root.}}\n  \
                 connection: {{name: EdgeConnectionError, docs: Transport.}}\n  \
                 api: {{name: EdgeApiError, docs: Any.}}\n\
                 endpoints:\n  - {{name: things.list, method: GET, path: '{path}', docs: List.}}\n"
            );
            let api =
                super::super::printed::corpus::resolve(std::path::Path::new("edge.yaml"), text);
            let (gi, g) = api
                .groups
                .iter()
                .enumerate()
                .find(|(_, g)| g.name.is_some())
                .unwrap();
            let (lines, _) = group_lines(&api, gi, g, g.name.as_deref().unwrap());
            let text = lines.finish().expect("every line fits");
            assert_as_printed(&text, &path);
            let first = text.lines().find(|l| l.contains("Request::new(")).unwrap();
            seen.push((len, !first.ends_with('(')));
        }
        assert!(
            seen.contains(&(89, true)) && seen.contains(&(90, false)),
            "{seen:?}"
        );
    }
}
