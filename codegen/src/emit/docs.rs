//! Markdown docs of a generated crate, rendered with minijinja. Every decision is made here, in
//! the view models; the templates only lay the values out.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::check::{attr_type_name, header_format_name};
use crate::emit::{header, File};
use crate::model::describe::{class_trigger, retry_summary};
use crate::model::{self, Api, Shape, Source};
use crate::syntax::TypeExpr;

const README: &str = include_str!("../../templates/README.md.jinja");
const ERRORS: &str = include_str!("../../templates/errors.md.jinja");
const RATE_LIMITS: &str = include_str!("../../templates/rate-limits.md.jinja");

/// The docs files of one API: `docs/errors.md` and `docs/rate-limits.md`.
pub fn pages(api: &Api, crate_dir: &str) -> Vec<File> {
    let dir = format!("{crate_dir}/docs");
    let mut files = vec![
        File {
            path: format!("{dir}/errors.md"),
            contents: render("errors.md", &errors_view(api)),
        },
        File {
            path: format!("{dir}/rate-limits.md"),
            contents: render("rate-limits.md", &rate_limits_view(api)),
        },
    ];
    if let Some(report) = &api.import {
        files.push(File {
            path: format!("{dir}/openapi-import.md"),
            contents: import_report(api, report),
        });
    }
    files
}

/// What the OpenAPI import made of the document: counts, every operation left out with
/// its reason, and every shape simplified or type renamed, by JSON pointer.
fn import_report(api: &Api, r: &crate::spec::ImportReport) -> String {
    let imported = api.endpoints.len() - r.first_endpoint.min(api.endpoints.len());
    let models = api.models.len() - r.first_model.min(api.models.len());
    let mut out = format!(
        "<!-- {} -->\n# OpenAPI import\n\nFrom `{}`: {imported} of its {} operations are methods{}; \
         its {} component schemas, and the inline schemas they and the operations hold, \
         are {models} types.\n",
        header_text(api),
        r.document,
        r.present.0,
        if r.excluded.is_empty() {
            String::new()
        } else {
            format!(" ({} left out, listed below)", r.excluded.len())
        },
        r.present.1,
    );
    if !r.excluded.is_empty() {
        out.push_str("\n## Left out\n\n| operation | why |\n|---|---|\n");
        for (op, why) in &r.excluded {
            out.push_str(&format!("| `{op}` | {} |\n", why.replace('|', "\\|")));
        }
    }
    if !r.warnings.is_empty() {
        out.push_str("\n## Simplified\n\n| where | what |\n|---|---|\n");
        for (at, what) in &r.warnings {
            out.push_str(&format!(
                "| `#{}` | {} |\n",
                at.replace('|', "\\|"),
                what.replace('|', "\\|")
            ));
        }
    }
    out
}

/// The crate README (also the crate's rustdoc front page, so its examples are doctests).
pub fn readme(api: &Api) -> String {
    render("README.md", &readme_view(api))
}

/// The engine as every template is rendered: the built-in filters, no auto-escaping (the
/// output is Markdown), a variable no view sets is an error when printed but false in an
/// `{% if %}`, and a template's last newline is kept.
fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    env.set_keep_trailing_newline(true);
    env
}

/// Parses the templates now rather than when the first page is rendered: called on a
/// thread of the pool while the specs are read and checked, it takes their parsing off the
/// path of the run (and starts the pool's threads early).
pub fn prepare() {
    let _ = templates();
}

/// The templates, parsed once per process: every API renders the same three.
fn templates() -> &'static Result<minijinja::Environment<'static>, String> {
    static TEMPLATES: OnceLock<Result<minijinja::Environment<'static>, String>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut env = environment();
        for (name, source) in [
            ("README.md", README),
            ("errors.md", ERRORS),
            ("rate-limits.md", RATE_LIMITS),
        ] {
            env.add_template(name, source)
                .map_err(|e| format!("{name}: {e:#}"))?;
        }
        Ok(env)
    })
}

fn render(name: &str, context: &Value) -> String {
    // The templates are part of this crate and their variables are all set by the views
    // below; the tests below render every template for the seed specs. Should rendering
    // still fail, the file says so and `--check` shows it in review.
    let text = match templates() {
        Ok(env) => env
            .get_template(name)
            .and_then(|t| t.render(context))
            .unwrap_or_else(|e| format!("template {name} failed to render: {e:#}\n")),
        Err(e) => format!("the templates failed to parse: {e}\n"),
    };
    // Collapse runs of blank lines the template's control tags leave behind.
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn header_text(api: &Api) -> String {
    header("", &api.spec_file).trim().to_owned()
}

/// The hierarchy as an indented tree, with status and the first line of the docs.
pub(crate) fn tree(api: &Api) -> String {
    struct Node {
        label: String,
        note: String,
        children: Vec<Node>,
    }
    /// The first sentence, for a one-line note.
    fn first_line(s: &str) -> String {
        crate::model::prose::first_sentence(s)
    }
    fn class_node(api: &Api, i: usize) -> Node {
        let c = &api.errors.classes[i];
        let statuses: Vec<String> = c.statuses.iter().map(|s| s.to_string()).collect();
        let note = if statuses.is_empty() {
            first_line(&c.docs)
        } else {
            format!("{} — {}", statuses.join(", "), first_line(&c.docs))
        };
        Node {
            label: c.spec_name.clone(),
            note,
            children: c.children.iter().map(|&k| class_node(api, k)).collect(),
        }
    }
    let e = &api.errors;
    let top: Vec<usize> = (0..e.classes.len())
        .filter(|&i| e.classes[i].ancestors.len() == 1)
        .collect();
    let mut transport = vec![Node {
        label: e.connection.spec_name.clone(),
        note: first_line(&e.connection.docs),
        children: vec![],
    }];
    if let Some(t) = &e.timeout {
        transport.push(Node {
            label: t.spec_name.clone(),
            note: first_line(&t.docs),
            children: vec![],
        });
    }
    transport.push(Node {
        label: e.decode.spec_name.clone(),
        note: first_line(&e.decode.docs),
        children: vec![],
    });
    transport.push(Node {
        label: e.api.spec_name.clone(),
        note: first_line(&e.api.docs),
        children: top.into_iter().map(|i| class_node(api, i)).collect(),
    });
    let root = Node {
        label: e.root.spec_name.clone(),
        note: String::new(),
        children: transport,
    };
    let mut lines: Vec<(String, String)> = Vec::new();
    fn walk(n: &Node, prefix: &str, last: bool, top: bool, out: &mut Vec<(String, String)>) {
        let (branch, next) = if top {
            (String::new(), String::new())
        } else if last {
            (format!("{prefix}└── "), format!("{prefix}    "))
        } else {
            (format!("{prefix}├── "), format!("{prefix}│   "))
        };
        out.push((format!("{branch}{}", n.label), n.note.clone()));
        for (i, c) in n.children.iter().enumerate() {
            walk(c, &next, i + 1 == n.children.len(), false, out);
        }
    }
    walk(&root, "", true, true, &mut lines);
    let width = lines
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    lines
        .into_iter()
        .map(|(l, n)| {
            if n.is_empty() {
                l
            } else {
                let pad = width - l.chars().count();
                format!("{l}{}# {n}", " ".repeat(pad))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn type_text(t: &TypeExpr) -> String {
    match t {
        TypeExpr::String => "string".into(),
        TypeExpr::Integer => "integer".into(),
        TypeExpr::Number => "number".into(),
        TypeExpr::Boolean => "boolean".into(),
        TypeExpr::Timestamp => "timestamp".into(),
        TypeExpr::File => "file".into(),
        TypeExpr::Json => "json".into(),
        TypeExpr::List(i) => format!("list<{}>", type_text(i)),
        TypeExpr::Map(i) => format!("map<{}>", type_text(i)),
        TypeExpr::Named(n) => n.clone(),
    }
}

/// How an endpoint is called in Rust, e.g. `client.memory().store(&body).send()`: required
/// parameters and the body as arguments; optional ones are setters before `send`.
fn call_text(e: &model::Endpoint) -> String {
    let mut args: Vec<String> = e
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| p.rust_name.trim_start_matches("r#").to_owned())
        .collect();
    if e.body.is_some() {
        args.push("&body".into());
    }
    let chain: String = e.accessors.iter().map(|a| format!("{a}().")).collect();
    format!(
        "client.{chain}{}({}).send()",
        e.method_name,
        args.join(", ")
    )
}

fn readme_view(api: &Api) -> Value {
    let e = &api.errors;
    let endpoints: Vec<Value> = api
        .endpoints
        .iter()
        .map(|ep| {
            let mut notes = vec![ep.docs.lines().next().unwrap_or("").to_owned()];
            if ep.free {
                notes.push("free".into());
            }
            if let Some(q) = &ep.quota {
                notes.push(format!("quota `{q}`"));
            }
            json!({
                "call": call_text(ep),
                "http": format!("{} {}", ep.http_method, ep.path),
                "returns": match (&ep.stream, ep.download) {
                    (Some(st), _) if st.flag.is_none() => format!("events of {}", type_text(&st.event)),
                    (Some(st), _) => format!(
                        "{} (events of {} with .stream())",
                        ep.response.as_ref().map(type_text).unwrap_or_else(|| "nothing".into()),
                        type_text(&st.event)
                    ),
                    (None, true) => "bytes, streamed".into(),
                    (None, false) => ep.response.as_ref().map(type_text).unwrap_or_else(|| "nothing".into()),
                },
                "notes": notes.join("; "),
            })
        })
        .collect();
    // The example call: the first endpoint that needs no arguments (one with an optional
    // scalar parameter preferred, to show a setter), with a per-call timeout.
    let no_args =
        |ep: &&model::Endpoint| ep.body.is_none() && ep.params.iter().all(|p| !p.required);
    let sample = |p: &model::Param| match p.ty {
        TypeExpr::Integer => Some("10".to_owned()),
        TypeExpr::Number => Some("1.5".to_owned()),
        TypeExpr::Boolean => Some("true".to_owned()),
        TypeExpr::String => Some(format!("\"{}\"", p.spec_name)),
        _ => None,
    };
    let setter = |ep: &model::Endpoint| {
        ep.params.iter().find_map(|p| {
            let value = sample(p)?;
            Some(format!(
                "\n    .{}({value})",
                p.setter.trim_start_matches("r#")
            ))
        })
    };
    let example_call = api
        .endpoints
        .iter()
        .filter(no_args)
        .find(|ep| setter(ep).is_some())
        .or_else(|| api.endpoints.iter().find(no_args))
        .map(|ep| {
            let call = call_text(ep);
            let start = call.trim_end_matches(".send()");
            format!(
                "let response = {start}{}\n    .timeout(std::time::Duration::from_secs(30)) // this call only\n    .send()\n    .await?;\nprintln!(\"request id: {{:?}}\", response.request_id);",
                setter(ep).unwrap_or_default()
            )
        });
    // The paged listing: the first paginated endpoint, started with its required arguments
    // (the example passes them as variables named like them).
    let paged: Option<(String, String, String)> = api
        .endpoints
        .iter()
        .find(|ep| {
            ep.pagination.is_some()
                && ep.body.is_none()
                && ep
                    .params
                    .iter()
                    .all(|p| !p.required || p.ty == TypeExpr::String)
        })
        .and_then(|ep| {
            let p = ep.pagination.as_ref()?;
            let args: Vec<String> = ep
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| format!("\"{}\"", p.spec_name))
                .collect();
            let chain: String = ep.accessors.iter().map(|a| format!("{a}().")).collect();
            let call = format!("client.{chain}{}({})", ep.method_name, args.join(", "));
            Some((
                ep.spec_name.clone(),
                call,
                crate::model::describe::paging(p),
            ))
        });
    // The streamed call: the first streaming endpoint with no body whose required
    // parameters are strings.
    let streamed = api
        .endpoints
        .iter()
        .find(|ep| {
            ep.stream.is_some()
                && ep.body.is_none()
                && ep
                    .params
                    .iter()
                    .all(|p| !p.required || p.ty == TypeExpr::String)
        })
        .and_then(|ep| {
            let st = ep.stream.as_ref()?;
            let args: Vec<String> = ep
                .params
                .iter()
                .filter(|p| p.required)
                .map(|p| format!("\"{}\"", p.spec_name))
                .collect();
            let chain: String = ep.accessors.iter().map(|a| format!("{a}().")).collect();
            let method = if st.flag.is_some() { "stream" } else { "send" };
            let end = match &st.done {
                Some(d) => format!("and ends at the `{d}` event"),
                None => "and ends when the server closes it".to_owned(),
            };
            Some(json!({
                "endpoint": ep.spec_name,
                "call": format!("client.{chain}{}({}).{method}()", ep.method_name, args.join(", ")),
                "method": method,
                "end": end,
                "errors": !st.error_events.is_empty() || st.error_field.is_some(),
            }))
        });
    // The error example reads a typed attribute: the first class that has one.
    let example = e
        .classes
        .iter()
        .filter(|c| !c.is_abstract())
        .find(|c| !c.attributes.is_empty())
        .or_else(|| e.classes.iter().find(|c| !c.is_abstract()));
    let example_class = example.map(|c| c.rust_name.clone());
    let example_attr = example
        .and_then(|c| c.attributes.first())
        .map(|a| a.rust_name.trim_start_matches("r#").to_owned());
    let lifecycle = api.rate_limits.lifecycle.as_ref().map(|lc| {
        let ep = &api.endpoints[lc.endpoint];
        json!({"endpoint": ep.spec_name, "field": lc.field_spec_name})
    });
    let mut key_source = match crate::model::describe::env_vars(&api.env_api_key) {
        Some(v) => format!("Reads the API key from {v}."),
        None => "This API needs no key from the environment.".into(),
    };
    for x in &api.extra_auth {
        key_source.push_str(&format!(
            " Without one, `{}`{} is used instead.",
            x.setter,
            crate::model::describe::env_vars(&x.env)
                .map(|v| format!(" (or {v})"))
                .unwrap_or_default()
        ));
    }
    json!({
        "header": header_text(api),
        "name": api.name,
        "crate_name": api.crate_name,
        "crate_ident": api.crate_ident,
        "docs": api.docs,
        "spec_file": api.spec_file,
        "base_url": api.base_url,
        "key_source": key_source,
        "max_retries": api.retry.max_retries,
        "example_call": example_call,
        "paged_call": paged.as_ref().map(|(_, call, _)| call),
        "paged_endpoint": paged.as_ref().map(|(name, _, _)| name),
        "paged_how": paged.as_ref().map(|(_, _, how)| how),
        "streamed": streamed,
        "features": api.features.values().collect::<Vec<_>>(),
        "idempotency_key": api.retry.key_header.is_some(),
        "endpoints": endpoints,
        "root_error": e.root.rust_name,
        "api_error_spec": e.api.spec_name,
        "kind_enum": e.kind_enum,
        "use_errors": format!("use {}::{{{}, {}}};", api.crate_ident, e.root.rust_name, e.kind_enum),
        "example_class": example_class,
        "example_attr": example_attr,
        "lifecycle": lifecycle,
        "tree": tree(api),
        "retry_summary": retry_summary(api),
        "throttle_summary": throttle_summary(api),
    })
}

fn throttle_summary(api: &Api) -> String {
    let per_key: Vec<String> = api
        .rate_limits
        .buckets
        .iter()
        .filter(|b| b.scope == "api_key")
        .filter_map(|b| {
            let (count, unit, _) = b.refill?;
            Some(format!(
                "{count} requests/{unit} with a burst of {}",
                b.burst?
            ))
        })
        .collect();
    if per_key.is_empty() {
        "The spec declares no per-key token bucket, so `throttle(true)` has nothing to enforce."
            .into()
    } else {
        format!(
            "Client-side throttling is off by default; `throttle(true)` makes calls wait locally \
             for the per-key bucket ({}), shared by every clone of the client.",
            per_key.join("; ")
        )
    }
}

fn errors_view(api: &Api) -> Value {
    let e = &api.errors;
    let attr = |a: &model::Attribute| {
        let ty = match (&a.source, a.format_is_wait()) {
            (Source::Header(_), true) => format!(
                "{} (seconds, from `{}`)",
                attr_type_name(a.ty),
                header_format_name(a.format)
            ),
            _ => attr_type_name(a.ty).to_owned(),
        };
        let from = match &a.source {
            Source::Body(p) => format!("body `{}`", p.join("` or `")),
            Source::Header(h) => format!("header `{h}`"),
        };
        json!({
            "name": a.spec_name,
            "rust": a.rust_name,
            "ty": ty,
            "docs": format!("{} Read from the {from}.", a.docs),
        })
    };
    let classes: Vec<Value> = e
        .classes
        .iter()
        .map(|c| {
            let statuses: Vec<String> = c.statuses.iter().map(|s| s.to_string()).collect();
            json!({
                "spec_name": c.spec_name,
                "rust": c.rust_name,
                "parent": c.ancestors.first().cloned().unwrap_or_default(),
                "status": statuses.join(", "),
                "docs": c.docs,
                "trigger": class_trigger(api, c),
                "attributes": c.attributes.iter().map(attr).collect::<Vec<_>>(),
            })
        })
        .collect();
    let rules: Vec<Value> = e
        .order
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let c = &e.classes[i];
            let statuses: Vec<String> = c.statuses.iter().map(|s| s.to_string()).collect();
            let trigger = class_trigger(api, c);
            let when = trigger
                .split_once(" when ")
                .map(|(_, w)| w.trim_end_matches('.').to_owned())
                .unwrap_or_else(|| {
                    if c.fallback {
                        "fallback".into()
                    } else {
                        "always".into()
                    }
                });
            json!({
                "order": n + 1,
                "name": c.spec_name,
                "status": statuses.join(", "),
                "when": when,
            })
        })
        .collect();
    let env = &e.envelope;
    let paths = |p: &[String]| {
        if p.is_empty() {
            "not sent".to_owned()
        } else {
            format!("body `{}`", p.join("` or `"))
        }
    };
    let envelope = vec![
        json!({"field": "detail", "source": format!("{}; for a non-JSON body, {}", paths(&env.detail),
            if env.non_json == crate::spec::NonJson::Text { "the body text (cut to 1 KiB)" } else { "the status reason phrase" })}),
        json!({"field": "error code", "source": paths(&env.code)}),
        json!({"field": "error type", "source": paths(&env.error_type)}),
        json!({"field": "request id", "source": api.request_id_header.as_ref().map(|h| format!("header `{h}`")).unwrap_or_else(|| "not sent".into())}),
    ];
    let fixed_attr =
        |name: &str, ty: &str, docs: &str| json!({"name": name, "ty": ty, "docs": docs});
    let fixed = vec![
        json!({"spec_name": e.root.spec_name, "rust": e.root.rust_name, "docs": e.root.docs, "attributes": []}),
        json!({"spec_name": e.connection.spec_name, "rust": format!("{} ({}::Connection)", e.connection.rust_name, e.root.rust_name),
            "docs": e.connection.docs, "attributes": []}),
        json!({"spec_name": e.api.spec_name, "rust": e.api.rust_name, "docs": e.api.docs, "attributes": [
            fixed_attr("status", "integer", "HTTP status."),
            fixed_attr("detail", "string", "Server-provided detail message."),
            fixed_attr("code", "string, optional", "Stable machine-readable error code."),
            fixed_attr("error_type", "string, optional", "Error type, where the API sends one."),
            fixed_attr("request_id", "string, optional", "The request id header."),
            fixed_attr("retry_after", "duration, optional", "The server's wait hint."),
            fixed_attr("attempts", "integer", "Attempts made, retries included."),
            fixed_attr("rate_limit", "RateLimitState", "The rate-limit headers of the response."),
            fixed_attr("response", "RawResponse", "Raw response: status, headers (secrets redacted), body (capped at 64 KiB)."),
        ]}),
    ];
    json!({
        "header": header_text(api),
        "name": api.name,
        "crate_name": api.crate_name,
        "tree": tree(api),
        "rules": rules,
        "api": {"spec_name": e.api.spec_name},
        "kind_enum": e.kind_enum,
        "envelope": envelope,
        "fixed": fixed,
        "classes": classes,
    })
}

fn rate_limits_view(api: &Api) -> Value {
    let rl = &api.rate_limits;
    let opt = |v: Option<u64>, unit: &str| {
        v.map(|v| format!("{v}{unit}"))
            .unwrap_or_else(|| "not stated".into())
    };
    let buckets: Vec<Value> = rl
        .buckets
        .iter()
        .map(|b| {
            json!({
                "name": b.name,
                "scope": b.scope.replace('_', " "),
                "refill": b
                    .refill
                    .map(|(count, unit, _)| format!("{count} / {unit}"))
                    .unwrap_or_else(|| "not stated".into()),
                "burst": opt(b.burst, ""),
                "docs": b.docs.replace('\n', " "),
            })
        })
        .collect();
    let mut families = Vec::new();
    for f in &rl.families {
        for (field, h) in [
            ("limit", &f.limit),
            ("remaining", &f.remaining),
            ("reset", &f.reset),
            ("used", &f.used),
        ] {
            if let Some((name, fmt)) = h {
                families.push(json!({"family": f.name, "field": field, "header": name, "format": header_format_name(*fmt)}));
            }
        }
    }
    let family_docs: Vec<String> = rl.families.iter().filter_map(|f| f.docs.clone()).collect();
    let quotas: Vec<Value> = rl
        .quotas
        .iter()
        .map(|q| {
            let eps: Vec<String> = q
                .endpoints
                .iter()
                .filter_map(|n| api.endpoints.iter().find(|e| e.spec_name == *n))
                .map(|e| format!("`{} {}` (`{}`)", e.http_method, e.path, e.spec_name))
                .collect();
            json!({
                "name": q.name,
                "period": q.period.clone().unwrap_or_else(|| "not stated".into()).replace('_', " "),
                "limit": opt(q.limit, ""),
                "endpoints": if eps.is_empty() { "none".to_owned() } else { eps.join(", ") },
                "docs": q.docs.replace('\n', " "),
            })
        })
        .collect();
    let free: Vec<String> = api
        .endpoints
        .iter()
        .filter(|e| e.free)
        .map(|e| format!("`{}` (`{}`)", e.spec_name, call_text(e)))
        .collect();
    let lifecycle = rl.lifecycle.as_ref().map(|lc| {
        let ep = &api.endpoints[lc.endpoint];
        let m = &api.models[lc.model];
        let values: Vec<String> = match &m.shape {
            Shape::Enum { values, .. } => values
                .iter()
                .map(|v| {
                    format!(
                        "- `{}`{}",
                        v.wire,
                        v.docs
                            .as_ref()
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default()
                    )
                })
                .collect(),
            Shape::Struct(_) | Shape::Union { .. } => Vec::new(),
        };
        let mut s = format!(
            "{}The state is the `{}` field of `{}` (`{}`):\n\n{}",
            lc.docs
                .as_ref()
                .map(|d| format!("{}\n\n", d.trim()))
                .unwrap_or_default(),
            lc.field_spec_name,
            ep.spec_name,
            call_text(ep),
            values.join("\n")
        );
        if !lc.quota_exhausted.is_empty() {
            s.push_str(&format!(
                "\n\nA 429 while the state is `{}` means a quota is spent, not a rate limit: \
                 `client.rate_limit_cause(&err)` tells the two apart in one call.",
                lc.quota_exhausted.join("` or `")
            ));
        }
        s
    });
    json!({
        "header": header_text(api),
        "name": api.name,
        "docs": rl.docs.clone().unwrap_or_else(|| format!("What the {} spec declares about rate limits.", api.name)),
        "buckets": buckets,
        "throttle": throttle_summary(api),
        "families": families,
        "family_docs": family_docs,
        "quotas": quotas,
        "free": free.join(", "),
        "lifecycle": lifecycle,
        "retry": retry_summary(api),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_parse() {
        if let Err(e) = templates() {
            panic!("{e}");
        }
    }

    #[test]
    fn the_engine_prints_what_it_is_given_and_refuses_what_it_is_not() {
        let env = environment();
        let ctx = json!({"text": "a <b> & `c`", "empty": "", "list": ["x", "y"]});
        let render = |src: &str| env.render_str(src, &ctx).map_err(|e| e.to_string());
        // Markdown: nothing escaped.
        assert_eq!(render("{{ text }}").unwrap(), "a <b> & `c`");
        // A misspelt variable is an error where it is printed or iterated ...
        assert!(render("{{ txet }}").is_err());
        assert!(render("{% for x in lsit %}{{ x }}{% endfor %}").is_err());
        // ... and false where it is tested, as an empty value is.
        assert_eq!(
            render("{% if txet %}yes{% else %}no{% endif %}").unwrap(),
            "no"
        );
        assert_eq!(
            render("{% if empty %}yes{% else %}no{% endif %}").unwrap(),
            "no"
        );
        assert_eq!(
            render("{% for x in list %}{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}")
                .unwrap(),
            "x, y"
        );
        assert_eq!(render("{{ list | first }}\n").unwrap(), "x\n");
    }

    #[test]
    fn every_page_of_the_seed_specs_renders() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for spec in ["spec/memsy.yaml", "spec/mnemexa.yaml"] {
            let text = std::fs::read_to_string(root.join(spec)).unwrap();
            let source = crate::SpecSource {
                path: spec.into(),
                text,
                documents: Default::default(),
            };
            let api = crate::resolve(&source).unwrap_or_else(|d| panic!("{spec}: {d:?}"));
            let Ok(env) = templates() else {
                panic!("the templates do not parse")
            };
            // Rendered as `render` does, but the engine's error is asserted on, not a
            // marker in the output.
            for (name, view) in [
                ("README.md", readme_view(&api)),
                ("errors.md", errors_view(&api)),
                ("rate-limits.md", rate_limits_view(&api)),
            ] {
                let text = env
                    .get_template(name)
                    .and_then(|t| t.render(&view))
                    .unwrap_or_else(|e| panic!("{spec} {name}: {e:#}"));
                assert!(text.len() > 200, "{spec} {name}: {text}");
            }
        }
    }
}
