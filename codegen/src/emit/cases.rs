//! Spec-derived conformance cases: one per error class, one per endpoint's success, and one
//! per retry path the spec declares. Each case lists the coverage keys it satisfies; the
//! harness checks the outcome really is what the key claims.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::emit::File;
use crate::model::example::{
    class_example, class_example_at, class_for_status, error_response, header_sample, in_ranges,
    row_witness, sample, set_path,
};
use crate::model::{self, Api};
use crate::spec::{AuthScheme, BodyEncoding, HeaderFormat, ParamLocation};
use crate::syntax::TypeExpr;

/// The API key placeholder cassettes hold (the harness substitutes its own key).
pub const API_KEY: &str = "{{api_key}}";

/// A case before it is written: its file stem and YAML value.
struct Case {
    stem: String,
    yaml: Value,
    covers: Vec<String>,
}

/// The case files of one API, and the coverage keys its spec requires.
pub fn cases(api: &Api) -> (Vec<File>, Vec<String>) {
    let mut out = Vec::new();
    if api.endpoints.is_empty() {
        return (Vec::new(), Vec::new());
    }
    for (i, c) in api.errors.classes.iter().enumerate() {
        if !c.is_abstract() {
            out.push(error_case(api, i));
            out.extend(alternative_cases(api, i));
        }
    }
    for e in &api.endpoints {
        // An endpoint that always streams succeeds by streaming: its stream case is that.
        if e.stream.as_ref().is_none_or(|st| st.flag.is_some()) {
            out.push(success_case(api, e));
        }
        out.extend(page_cases(api, e));
        out.extend(stream_cases(api, e));
    }
    out.extend(retry_cases(api));
    let mut required = BTreeSet::new();
    let files = out
        .into_iter()
        .map(|c| {
            required.extend(c.covers.iter().cloned());
            File {
                path: format!("conformance/cases/{}/{}.yaml", api.crate_name, c.stem),
                contents: format!(
                    "{}{}",
                    crate::emit::header("#", &api.spec_file),
                    super::yaml::to_string(&c.yaml)
                ),
            }
        })
        .collect();
    (files, required.into_iter().collect())
}

fn kebab(s: &str) -> String {
    crate::model::naming::rust_name(s, crate::model::naming::NameKind::Field)
        .trim_start_matches("r#")
        .replace('_', "-")
}

/// A parameter value as it goes into a query string or header.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Form pairs of a body, flattened the way the runtime must (`a[b]`, `l[0]`). Written
/// apart from the runtime's encoder on purpose: the case states what the wire should
/// carry, and a case built by the code under test would prove nothing.
fn form_pairs(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}[{k}]")
        }
    };
    match v {
        Value::Null => {}
        Value::Object(m) => m.iter().for_each(|(k, v)| form_pairs(&key(k), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| form_pairs(&key(&i.to_string()), v, out)),
        other => out.push((prefix.to_owned(), text(other))),
    }
}

/// The call and the request it must produce, with every parameter and body field filled.
fn call_and_request(api: &Api, e: &model::Endpoint) -> (Value, Value) {
    let mut params = Map::new();
    let mut path = e.path.clone();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers = Map::new();
    for p in &e.params {
        let v = match (&p.location, &p.ty) {
            (ParamLocation::Query, TypeExpr::List(inner)) => {
                json!([
                    sample(api, inner, &p.spec_name, 0),
                    sample(api, inner, &format!("{}-b", p.spec_name), 0)
                ])
            }
            (_, t) => sample(api, t, &p.spec_name, 0),
        };
        match p.location {
            ParamLocation::Path => path = path.replace(&format!("{{{}}}", p.spec_name), &text(&v)),
            ParamLocation::Query => match &v {
                Value::Array(items) => {
                    query.extend(items.iter().map(|i| (p.spec_name.clone(), text(i))))
                }
                other => query.push((p.spec_name.clone(), text(other))),
            },
            ParamLocation::Header => {
                headers.insert(p.spec_name.to_ascii_lowercase(), json!(text(&v)));
            }
        }
        params.insert(p.spec_name.clone(), v);
    }
    let auth = match api.auth.scheme {
        AuthScheme::Bearer => Some(("authorization".to_owned(), format!("Bearer {API_KEY}"))),
        AuthScheme::Header => Some((
            api.auth
                .header
                .clone()
                .unwrap_or_default()
                .to_ascii_lowercase(),
            format!("{}{API_KEY}", api.auth.prefix.clone().unwrap_or_default()),
        )),
        AuthScheme::Basic => Some((
            "authorization".to_owned(),
            match &api.auth.username {
                Some(u) => format!("Basic {u}:{API_KEY}"),
                None => format!("Basic {API_KEY}:"),
            },
        )),
        AuthScheme::None => None,
    };
    if let Some((n, v)) = auth {
        headers.insert(n, json!(v));
    }
    headers.insert(
        "user-agent".into(),
        json!(format!("{}/{} (rust)", api.crate_name, api.version)),
    );
    // A header parameter replaces a fixed header of the same name (sent once).
    for h in &api.fixed_headers {
        headers
            .entry(h.name.to_ascii_lowercase())
            .or_insert(json!(h.value));
    }
    let mut call = Map::new();
    call.insert("endpoint".into(), json!(e.spec_name));
    if !params.is_empty() {
        call.insert("params".into(), Value::Object(params));
    }
    let mut request = Map::new();
    request.insert("method".into(), json!(e.http_method));
    request.insert("path".into(), json!(path));
    if !query.is_empty() {
        request.insert("query".into(), json!(query));
    }
    if let Some((m, enc)) = e.body {
        let body = sample(
            api,
            &TypeExpr::Named(api.models[m].spec_name.clone()),
            "body",
            0,
        );
        call.insert("body".into(), body.clone());
        match enc {
            BodyEncoding::Json => {
                headers.insert("content-type".into(), json!("application/json"));
                request.insert("body".into(), body);
            }
            BodyEncoding::Form => {
                headers.insert(
                    "content-type".into(),
                    json!("application/x-www-form-urlencoded"),
                );
                let mut pairs = Vec::new();
                form_pairs("", &body, &mut pairs);
                request.insert("form".into(), json!(pairs));
            }
            BodyEncoding::Multipart => {
                // Parts in field order: a file part per file field, text parts for the
                // rest (flattened as a form would be). The content type carries a random
                // boundary, so it is not compared.
                let mut parts = Vec::new();
                if let model::Shape::Struct(fields) = &api.models[m].shape {
                    for f in fields {
                        let Some(v) = body.get(&f.spec_name) else {
                            continue;
                        };
                        if f.ty == TypeExpr::File {
                            parts.push(json!({
                                "name": f.spec_name,
                                "filename": v["filename"],
                                "content_type": v.get("content_type").cloned().unwrap_or(json!("application/octet-stream")),
                                "text": v["text"],
                            }));
                        } else {
                            let mut pairs = Vec::new();
                            form_pairs(&f.spec_name, v, &mut pairs);
                            parts.extend(
                                pairs
                                    .into_iter()
                                    .map(|(name, text)| json!({"name": name, "text": text})),
                            );
                        }
                    }
                }
                request.insert("multipart".into(), json!(parts));
            }
        }
    }
    request.insert("headers".into(), Value::Object(headers));
    (Value::Object(call), Value::Object(request))
}

/// The headers of a success response: the request id and every rate-limit family.
fn success_headers(api: &Api) -> Map<String, Value> {
    let mut headers = Map::new();
    if let Some(h) = &api.request_id_header {
        headers.insert(h.to_ascii_lowercase(), json!("req_ok_1"));
    }
    for f in &api.rate_limits.families {
        for (h, count) in [(&f.limit, "100"), (&f.remaining, "99"), (&f.used, "1")] {
            if let Some((name, fmt)) = h {
                let v = if *fmt == HeaderFormat::Number {
                    format!("{count}.0")
                } else {
                    count.to_owned()
                };
                headers.insert(name.to_ascii_lowercase(), json!(v));
            }
        }
        if let Some((name, fmt)) = &f.reset {
            headers.insert(name.to_ascii_lowercase(), json!(header_sample(*fmt)));
        }
        for (field, header) in &f.fields {
            headers.insert(header.clone(), json!(format!("{field}-1")));
        }
    }
    headers
}

fn success_response(api: &Api, e: &model::Endpoint) -> Value {
    let mut headers = success_headers(api);
    let mut r = Map::new();
    if e.download {
        headers.insert("content-type".into(), json!("application/octet-stream"));
        r.insert("status".into(), json!(200));
        r.insert("headers".into(), Value::Object(headers));
        r.insert(
            "text".into(),
            json!(format!("the bytes of {}", e.spec_name)),
        );
        return Value::Object(r);
    }
    match &e.response {
        Some(t) => {
            r.insert("status".into(), json!(200));
            if !headers.is_empty() {
                r.insert("headers".into(), Value::Object(headers));
            }
            r.insert("body".into(), sample(api, t, "value", 0));
        }
        None => {
            r.insert("status".into(), json!(204));
            if !headers.is_empty() {
                r.insert("headers".into(), Value::Object(headers));
            }
        }
    }
    Value::Object(r)
}

fn case(
    description: String,
    covers: Vec<String>,
    call: Value,
    client: Option<Value>,
    request: Value,
    responses: Vec<Value>,
) -> Value {
    let mut m = Map::new();
    m.insert("description".into(), json!(description));
    m.insert("covers".into(), json!(covers));
    m.insert("call".into(), call);
    if let Some(c) = client {
        m.insert("client".into(), c);
    }
    m.insert("request".into(), request);
    m.insert("responses".into(), json!(responses));
    Value::Object(m)
}

/// The endpoint an error class is shown on: the first documented to raise it (or an
/// ancestor), else the first endpoint.
fn endpoint_for_class<'a>(api: &'a Api, c: &model::Class) -> &'a model::Endpoint {
    api.endpoints
        .iter()
        .find(|e| e.errors.contains(&c.spec_name))
        .or_else(|| {
            api.endpoints
                .iter()
                .find(|e| e.errors.iter().any(|n| c.ancestors.contains(n)))
        })
        .unwrap_or(&api.endpoints[0])
}

fn error_case(api: &Api, i: usize) -> Case {
    let c = &api.errors.classes[i];
    let e = endpoint_for_class(api, c);
    let (call, request) = call_and_request(api, e);
    let (status, response) = class_example(api, i);
    let covers = vec![format!("class:{}", c.spec_name)];
    Case {
        stem: format!("error-{}", kebab(&c.spec_name)),
        yaml: case(
            format!(
                "{} from `{}`: HTTP {status} classified with every attribute typed.",
                c.spec_name, e.spec_name
            ),
            covers.clone(),
            call,
            Some(json!({"max_retries": 0})),
            request,
            vec![response],
        ),
        covers,
    }
}

/// A case for each further `any_of` alternative of class `i` (the first is its main case):
/// every way in is shown to reach the class.
fn alternative_cases(api: &Api, i: usize) -> Vec<Case> {
    let c = &api.errors.classes[i];
    if c.fallback || c.alternatives.len() < 2 {
        return Vec::new();
    }
    let e = endpoint_for_class(api, c);
    let (call, request) = call_and_request(api, e);
    let covers = vec![format!("class:{}", c.spec_name)];
    (1..c.alternatives.len())
        .filter_map(|row| {
            let status = row_witness(api, i, row)?;
            Some(Case {
                stem: format!("error-{}-alternative-{}", kebab(&c.spec_name), row + 1),
                yaml: case(
                    format!(
                        "{} from `{}` by its alternative {}: HTTP {status}.",
                        c.spec_name,
                        e.spec_name,
                        row + 1
                    ),
                    covers.clone(),
                    call.clone(),
                    Some(json!({"max_retries": 0})),
                    request.clone(),
                    vec![error_response(api, i, row, status)],
                ),
                covers: covers.clone(),
            })
        })
        .collect()
}

fn success_case(api: &Api, e: &model::Endpoint) -> Case {
    let (call, request) = call_and_request(api, e);
    let covers = vec![format!("endpoint:{}", e.spec_name)];
    Case {
        stem: format!("ok-{}", kebab(&e.spec_name.replace('.', "-"))),
        yaml: case(
            format!(
                "`{}` succeeds: the request it sends and the typed value it returns.",
                e.spec_name
            ),
            covers.clone(),
            call,
            None,
            request,
            vec![success_response(api, e)],
        ),
        covers,
    }
}

/// For a streaming endpoint: every event read to the end (with a delay, a skipped event and
/// the terminator where the spec has them), and a stream that an error event ends after
/// its first event, classified through the error table.
fn stream_cases(api: &Api, e: &model::Endpoint) -> Vec<Case> {
    let Some(st) = &e.stream else {
        return Vec::new();
    };
    let (mut call, mut request) = call_and_request(api, e);
    if let Some(flag) = &st.flag {
        call["stream"] = json!(true);
        if let Some(body) = request.get_mut("body").and_then(Value::as_object_mut) {
            body.insert(flag.clone(), json!(true));
        }
    }
    let event = |n: usize, delay_ms: u64| {
        let mut ev = Map::new();
        if delay_ms > 0 {
            ev.insert("delay_ms".into(), json!(delay_ms));
        }
        ev.insert(
            "data".into(),
            sample(api, &st.event, &format!("event-{n}"), 0),
        );
        Value::Object(ev)
    };
    let respond = |events: Vec<Value>| {
        let mut headers = success_headers(api);
        headers.insert("content-type".into(), json!("text/event-stream"));
        json!({"status": 200, "headers": headers, "events": events})
    };
    let kebab_name = kebab(&e.spec_name.replace('.', "-"));
    let mut all = vec![event(1, 0)];
    if let Some(name) = st.ignore.first() {
        all.push(json!({"event": name, "data": {}}));
    }
    all.push(event(2, 250));
    if let Some(done) = &st.done {
        all.push(json!({"data": done}));
    }
    let mut covers = vec![format!("stream:{}", e.spec_name)];
    if st.flag.is_none() {
        covers.push(format!("endpoint:{}", e.spec_name));
    }
    let mut extras = Vec::new();
    if !st.ignore.is_empty() {
        extras.push("skipping an ignored event");
    }
    if st.done.is_some() {
        extras.push("ending at the terminator");
    }
    let everything = Case {
        stem: format!("stream-{kebab_name}"),
        yaml: case(
            format!(
                "`{}` streams every event, the second 250 ms after the first{}.",
                e.spec_name,
                extras.iter().map(|x| format!(", {x}")).collect::<String>()
            ),
            covers.clone(),
            call.clone(),
            None,
            request.clone(),
            vec![respond(all)],
        ),
        covers,
    };
    let mut cases = vec![everything];
    if let Some((data, name, class)) = error_event(api, st) {
        let mut error = Map::new();
        if let Some(n) = name {
            error.insert("event".into(), json!(n));
        }
        error.insert("delay_ms".into(), json!(100));
        error.insert("data".into(), data);
        let covers = vec![format!("stream-error:{}", e.spec_name)];
        cases.push(Case {
            stem: format!("stream-{kebab_name}-error"),
            yaml: case(
                format!(
                    "`{}` streams one event, then an error event ends it: {class}, classified through the error table, and nothing is resent.",
                    e.spec_name
                ),
                covers.clone(),
                call,
                None,
                request,
                vec![respond(vec![event(1, 0), Value::Object(error)])],
            ),
            covers,
        });
    }
    cases
}

/// The data of an error event a stream can carry, its event name, and the class it is
/// classified as: the first class whose example names itself by its body alone (or, when
/// the event names its status, the first class with a status), marked the way the spec
/// tells error events apart.
fn error_event(api: &Api, st: &model::EventStream) -> Option<(Value, Option<String>, String)> {
    let name = st.error_events.first().cloned();
    if name.is_none() && st.error_field.is_none() {
        return None;
    }
    let marked = |body: &Value| {
        name.is_some()
            || st
                .error_field
                .as_ref()
                .is_some_and(|f| crate::syntax::lookup(body, f).is_some_and(|v| !v.is_null()))
    };
    let e = &api.errors;
    for &i in &e.order {
        let c = &e.classes[i];
        if c.fallback {
            continue;
        }
        let (status, response) = class_example(api, i);
        let mut body = response.get("body").cloned().unwrap_or_else(|| json!({}));
        let picked = match &st.error_status {
            Some(path) => {
                set_path(&mut body, path, json!(status));
                crate::model::example::classify(
                    api,
                    &json!({"status": status, "body": body.clone()}),
                )
            }
            None => crate::model::example::classify_event(api, &body).map(|(j, _)| j),
        };
        if picked == Some(i) && marked(&body) {
            return Some((body, name, c.spec_name.clone()));
        }
    }
    // No class names itself by its body: the event is still an API error, of the base class.
    let mut body = json!({});
    if let Some(p) = e.envelope.detail.iter().find(|p| *p != "$") {
        set_path(&mut body, p, json!("The stream failed."));
    }
    if let Some(f) = &st.error_field {
        if crate::syntax::lookup(&body, f).is_none_or(Value::is_null) {
            set_path(&mut body, f, json!({"message": "The stream failed."}));
        }
    }
    Some((body, name, e.api.spec_name.clone()))
}

/// For a paginated endpoint: every page read to the end (two pages of items, then
/// whatever the style needs to say there is no more), and the same with the second page
/// failing once with a retried status first.
fn page_cases(api: &Api, e: &model::Endpoint) -> Vec<Case> {
    use crate::spec::PageStyle as S;
    let Some(p) = &e.pagination else {
        return Vec::new();
    };
    let (mut call, request) = call_and_request(api, e);
    call["pages"] = json!(true);
    let base_query: Vec<(String, String)> = request
        .get("query")
        .and_then(|q| serde_json::from_value(q.clone()).ok())
        .unwrap_or_default();
    // The query a later page is asked with: the case's, with the style's parameter set.
    let query_with = |value: String| {
        let mut q: Vec<(String, String)> = base_query
            .iter()
            .filter(|(k, _)| *k != p.param)
            .cloned()
            .collect();
        q.push((p.param.clone(), value));
        json!(q)
    };
    let item = |n: usize| {
        let mut v = sample(api, &p.item, &format!("item-{n}"), 0);
        if p.style == S::Cursor {
            if let Some(o) = v.as_object_mut() {
                o.insert(p.field.clone(), json!(format!("{}-{n}", p.field)));
            }
        }
        v
    };
    let page_body = |items: Vec<Value>, more: bool| {
        let list = Value::Array(items);
        if p.items == "$" {
            return list;
        }
        let mut body = e
            .response
            .as_ref()
            .map(|t| sample(api, t, "page", 0))
            .unwrap_or_else(|| json!({}));
        set_path(&mut body, &p.items, list);
        match p.style {
            S::Cursor => {
                if let Some(h) = &p.has_more {
                    set_path(&mut body, h, json!(more));
                }
            }
            S::NextCursor => {
                set_path(
                    &mut body,
                    &p.next,
                    if more { json!("cursor-2") } else { Value::Null },
                );
            }
            _ => {}
        }
        body
    };
    let ok = |body: Value| json!({"status": 200, "body": body});
    // Page 1 (two items, more to come), then page 2 (one item), then, where the style
    // only ends on an empty page, page 3.
    let mut first = ok(page_body(vec![item(1), item(2)], true));
    let mut pages: Vec<Value> = Vec::new();
    let second_query = match p.style {
        S::Cursor => Some(query_with(format!("{}-2", p.field))),
        S::NextCursor => Some(query_with("cursor-2".into())),
        S::Link => {
            // The request's own path, as the server names the next page of it.
            let path = request.get("path").and_then(Value::as_str).unwrap_or("/");
            first["headers"] = json!({"link": format!("<{path}?page=2>; rel=\"next\"")});
            Some(json!([["page", "2"]]))
        }
        S::Page => Some(query_with((p.first + 1).to_string())),
        S::Offset => Some(query_with("2".into())),
    };
    let mut second = ok(page_body(vec![item(3)], false));
    if let Some(q) = &second_query {
        second["query"] = q.clone();
    }
    let ends_on_empty = match p.style {
        S::Cursor => p.has_more.is_none(),
        S::Page | S::Offset => true,
        S::NextCursor | S::Link => false,
    };
    let third = ends_on_empty.then(|| {
        let mut t = ok(page_body(Vec::new(), false));
        t["query"] = match p.style {
            S::Cursor => query_with(format!("{}-3", p.field)),
            S::Page => query_with((p.first + 2).to_string()),
            _ => query_with("3".into()),
        };
        t
    });
    pages.push(first.clone());
    pages.push(second.clone());
    pages.extend(third.clone());
    let stem = kebab(&e.spec_name.replace('.', "-"));
    let key = format!("pages:{}", e.spec_name);
    let mut out = vec![Case {
        stem: format!("pages-{stem}"),
        yaml: case(
            format!(
                "`{}` read page after page until the API says there is no more.",
                e.spec_name
            ),
            vec![key.clone()],
            call.clone(),
            None,
            request.clone(),
            pages,
        ),
        covers: vec![key.clone()],
    }];
    // The second page fails once with a status the policy retries for this endpoint.
    let retried = api
        .retry
        .statuses
        .iter()
        .map(|r| r.lo)
        .find(|s| e.resendable || in_ranges(&api.retry.not_processed, *s))
        .filter(|_| api.retry.max_retries > 0);
    if let Some(status) = retried {
        let mut failed = match class_for_status(api, status) {
            Some(i) => class_example_at(api, i, status),
            None => json!({"status": status}),
        };
        if let (Some(q), Some(o)) = (&second_query, failed.as_object_mut()) {
            o.insert("query".into(), q.clone());
        }
        one_second_hints(api, &mut failed);
        let mut pages = vec![first, failed, second];
        pages.extend(third);
        out.push(Case {
            stem: format!("pages-{stem}-retried"),
            yaml: case(
                format!(
                    "`{}` read to the end, its second page failing once with HTTP {status} and retried.",
                    e.spec_name
                ),
                vec![key.clone()],
                call,
                None,
                request,
                pages,
            ),
            covers: vec![key],
        });
    }
    out
}

/// Sets every wait-hint header a response carries to one second (`1000` for a
/// milliseconds header), so a retry case stays short.
fn one_second_hints(api: &Api, response: &mut Value) {
    let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) else {
        return;
    };
    for (h, _) in &api.retry.retry_after {
        let h = h.to_ascii_lowercase();
        if let Some(v) = headers.get_mut(&h) {
            *v = json!(if h.ends_with("-ms") { "1000" } else { "1" });
        }
    }
}

/// The endpoint on which a failure with this status is retried: a resendable one, or any
/// when the status proves the request was not processed.
fn retryable_endpoint(api: &Api, status: u16) -> Option<&model::Endpoint> {
    let not_processed = in_ranges(&api.retry.not_processed, status);
    api.endpoints
        .iter()
        .find(|e| {
            e.resendable
                && e.params
                    .iter()
                    .all(|p| p.required || p.location != ParamLocation::Header)
        })
        .or_else(|| {
            api.endpoints
                .iter()
                .find(|e| not_processed || e.resendable || api.retry.key_header.is_some())
        })
}

fn retry_cases(api: &Api) -> Vec<Case> {
    let r = &api.retry;
    let mut out = Vec::new();
    let attempts = r.max_retries + 1;
    // Every retry trigger the spec declares: a retried class, or a retried status.
    let mut triggers: Vec<(String, u16, Value)> = Vec::new();
    if r.max_retries > 0 {
        for name in &r.classes {
            if let Some(i) = api
                .errors
                .classes
                .iter()
                .position(|c| c.spec_name == *name && !c.is_abstract())
            {
                let (status, mut resp) = class_example(api, i);
                one_second_hints(api, &mut resp);
                triggers.push((format!("class:{name}"), status, resp));
            }
        }
        for range in &r.statuses {
            let status = range.lo;
            let resp = match class_for_status(api, status) {
                Some(i) => class_example_at(api, i, status),
                None => json!({"status": status}),
            };
            triggers.push((format!("status:{range}"), status, resp));
        }
    }
    for (key, status, resp) in triggers {
        let Some(e) = retryable_endpoint(api, status) else {
            continue;
        };
        let (call, request) = call_and_request(api, e);
        let stem = key.replace([':', '_'], "-").to_ascii_lowercase();
        let recovered = format!("retry:{key}:recovered");
        out.push(Case {
            stem: format!("retry-{stem}-recovered"),
            yaml: case(
                format!(
                    "`{}` answers {key} once, is retried, then succeeds.",
                    e.spec_name
                ),
                vec![recovered.clone()],
                call.clone(),
                None,
                request.clone(),
                vec![resp.clone(), success_response(api, e)],
            ),
            covers: vec![recovered],
        });
        let exhausted = format!("retry:{key}:exhausted");
        out.push(Case {
            stem: format!("retry-{stem}-exhausted"),
            yaml: case(
                format!(
                    "`{}` answers {key} every time: {attempts} attempts, then the error.",
                    e.spec_name
                ),
                vec![exhausted.clone()],
                call,
                None,
                request,
                vec![resp; attempts as usize],
            ),
            covers: vec![exhausted],
        });
    }
    if r.max_retries > 0 && r.on_timeout {
        if let Some(e) = api.endpoints.iter().find(|e| e.resendable) {
            let (call, request) = call_and_request(api, e);
            let key = "retry:timeout:exhausted".to_owned();
            out.push(Case {
                stem: "retry-timeout-exhausted".into(),
                yaml: case(
                    format!(
                        "`{}` never answers: {attempts} attempts time out.",
                        e.spec_name
                    ),
                    vec![key.clone()],
                    call,
                    Some(json!({"timeout_ms": 1000})),
                    request,
                    vec![json!({"status": 200, "hang": true}); attempts as usize],
                ),
                covers: vec![key],
            });
        }
    }
    // Not retried: a class the policy leaves alone (a 429 one first: where vendors differ).
    let retried = |c: &model::Class| {
        c.retried
            || c.statuses
                .iter()
                .any(|s| r.statuses.iter().any(|x| x.overlaps(s)))
    };
    let mut candidates: Vec<usize> = (0..api.errors.classes.len())
        .filter(|&i| !api.errors.classes[i].is_abstract() && !retried(&api.errors.classes[i]))
        .collect();
    candidates.sort_by_key(|&i| !in_ranges(&api.errors.classes[i].statuses, 429));
    if let Some(&i) = candidates.first() {
        let c = &api.errors.classes[i];
        let e = endpoint_for_class(api, c);
        let (call, request) = call_and_request(api, e);
        let (status, response) = class_example(api, i);
        let key = "retry:not-retried".to_owned();
        out.push(Case {
            stem: "retry-not-retried".into(),
            yaml: case(
                format!(
                    "{} (HTTP {status}) is not retried: one request, then the error.",
                    c.spec_name
                ),
                vec![key.clone()],
                call,
                None,
                request,
                vec![response],
            ),
            covers: vec![key],
        });
    }
    // Not idempotent: a retried status that does not prove the request was unprocessed,
    // on an endpoint that is not idempotent, is returned at once.
    if r.max_retries > 0 && r.key_header.is_none() {
        let status = r
            .statuses
            .iter()
            .map(|s| s.lo)
            .find(|s| !in_ranges(&r.not_processed, *s));
        let endpoint = api.endpoints.iter().find(|e| !e.resendable);
        if let (Some(status), Some(e)) = (status, endpoint) {
            let (call, request) = call_and_request(api, e);
            let resp = match class_for_status(api, status) {
                Some(i) => class_example_at(api, i, status),
                None => json!({"status": status}),
            };
            let key = "retry:non-idempotent".to_owned();
            out.push(Case {
                stem: "retry-non-idempotent".into(),
                yaml: case(
                    format!(
                        "`{}` is not idempotent: HTTP {status} is returned without a retry.",
                        e.spec_name
                    ),
                    vec![key.clone()],
                    call,
                    None,
                    request,
                    vec![resp],
                ),
                covers: vec![key],
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_flatten_like_the_runtime() {
        let mut out = Vec::new();
        form_pairs("", &json!({"a": 1, "m": {"k": "v"}, "l": ["x"]}), &mut out);
        assert_eq!(
            out,
            vec![
                ("a".into(), "1".into()),
                ("l[0]".into(), "x".into()),
                ("m[k]".into(), "v".into())
            ]
        );
    }
}
