//! Rust sources of a generated crate, in prettyplease's layout: the regular items written
//! as that text directly (module `printed`), the rest built with `quote!`, parsed by `syn` and
//! printed by `prettyplease`.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use crate::emit::header;
use crate::model::{self, Api, Shape, Source, Test};
use crate::spec::{AttrType, HeaderFormat};
use crate::syntax::{StatusRange, TypeExpr};

pub(crate) mod client;
mod conformance;
mod enums;
mod errors;
mod printed;
mod structs;

/// `(file name under src/, contents)` for every source file of the crate.
pub fn sources(api: &Api) -> Vec<(&'static str, String)> {
    source_jobs(api)
        .into_iter()
        .map(|(name, job)| (name, job()))
        .collect()
}

/// A file's contents, computed when called; independent of every other file, so files can
/// be emitted on several threads.
pub type Job<'a, T> = Box<dyn FnOnce() -> T + Send + 'a>;

/// [`sources`] as one job per file, by name under `src/`.
pub fn source_jobs(api: &Api) -> Vec<(&'static str, Job<'_, String>)> {
    let mut jobs: Vec<(&'static str, Job<'_, String>)> = vec![
        ("lib.rs", Box::new(move || lib_rs(api))),
        (
            "error.rs",
            Box::new(move || header("//", &api.spec_file) + &errors::error_file(api)),
        ),
        ("client.rs", Box::new(move || client::client_file(api))),
    ];
    if !api.models.is_empty() {
        jobs.push(("models.rs", Box::new(move || models_file(api))));
    }
    jobs
}

/// The conformance test, its dispatcher and the record example, by path in the crate.
pub fn conformance_sources(api: &Api, required: &[String]) -> Vec<(String, String)> {
    vec![
        ("tests/conformance.rs".into(), conformance::test_rs(api)),
        (
            "tests/conformance/dispatch.rs".into(),
            conformance::dispatch_file(api, required),
        ),
        (
            format!("examples/{}.rs", record_example(api)),
            conformance::record_rs(api),
        ),
    ]
}

/// The record-mode example's name; unique per crate, as Cargo wants.
pub fn record_example(api: &Api) -> String {
    format!("{}_record", api.crate_ident)
}

/// The version of `sdkgen-runtime` generated crates depend on (a test holds it to the
/// runtime's own manifest).
pub const RUNTIME_VERSION: &str = "0.1.0";

/// The runtime's TLS features, each forwarded by a generated crate's feature of that name.
pub const TLS_FEATURES: [&str; 3] = ["rustls", "rustls-native-roots", "native-tls"];

/// The oldest Rust the generated crates build with, as the workspace claims it.
pub const RUST_VERSION: &str = "1.85";

/// The crate manifest. Dependencies are only what the generated code uses. Built as a TOML
/// document, never by pasting text, so no spec value (a version or docs with quotes,
/// backslashes or newlines) can add a key or break the file.
pub fn cargo_toml(api: &Api, layout: &crate::emit::Layout) -> String {
    use toml_edit::{value, DocumentMut, InlineTable, Item, Table};
    let plain = crate::model::prose::plain(&api.docs);
    let description = plain.lines().next().unwrap_or(&api.name).trim();
    let description = if description.is_empty() {
        api.name.as_str()
    } else {
        description
    };
    let mut doc = DocumentMut::new();
    let mut package = Table::new();
    package["name"] = value(api.crate_name.as_str());
    package["version"] = value(api.version.as_str());
    package["description"] = value(description);
    package["edition"] = value("2021");
    package["rust-version"] = value(RUST_VERSION);
    let p = &api.package;
    package["license"] = value(p.license.as_deref().unwrap_or("MIT OR Apache-2.0"));
    package["readme"] = value("README.md");
    for (key, url) in [("repository", &p.repository), ("homepage", &p.homepage)] {
        if let Some(url) = url {
            package[key] = value(url.as_str());
        }
    }
    let docs_rs = format!("https://docs.rs/{}", api.crate_name);
    package["documentation"] = value(p.documentation.as_deref().unwrap_or(&docs_rs));
    for (key, list) in [("keywords", &p.keywords), ("categories", &p.categories)] {
        if !list.is_empty() {
            let mut array = toml_edit::Array::new();
            list.iter().for_each(|k| array.push(k.as_str()));
            package[key] = value(array);
        }
    }
    // The conformance test and record example need this repository's harness (a path
    // dev-dependency Cargo drops when packaging): they stay out of the published crate.
    if !api.endpoints.is_empty() {
        let mut exclude = toml_edit::Array::new();
        exclude.push("tests/");
        exclude.push("examples/");
        package["exclude"] = value(exclude);
    }
    if !p.publish {
        package["publish"] = value(false);
    }
    doc["package"] = Item::Table(package);
    let path_dep = |dir: &str| {
        let mut t = InlineTable::new();
        t.insert("path", layout.from_crate(dir).into());
        value(t)
    };
    let mut deps = Table::new();
    // By version and path: the path in this repository, the version once published (as
    // Cargo packages interdependent crates).
    let mut runtime = InlineTable::new();
    runtime.insert("version", RUNTIME_VERSION.into());
    runtime.insert("path", layout.from_crate("runtime").into());
    // TLS is a feature of this crate, forwarded to the runtime.
    runtime.insert("default-features", false.into());
    deps["sdkgen-runtime"] = value(runtime);
    let mut serde = InlineTable::new();
    serde.insert("version", "1".into());
    let mut features = toml_edit::Array::new();
    features.push("derive");
    serde.insert("features", features.into());
    deps["serde"] = value(serde);
    if uses_json(api) {
        deps["serde_json"] = value("1");
    }
    doc["dependencies"] = Item::Table(deps);
    if !api.endpoints.is_empty() {
        let mut dev = Table::new();
        dev["conformance"] = path_dep("conformance");
        doc["dev-dependencies"] = Item::Table(dev);
    }
    // A feature per namespace, all on by default: a user who needs a few turns off the
    // defaults and names them, and compiles only those. And the TLS choice, forwarded to
    // the runtime: rustls with compiled-in roots by default.
    let mut features = Table::new();
    let mut default = toml_edit::Array::new();
    for f in api.features.values() {
        default.push(f.as_str());
    }
    default.push("rustls");
    features["default"] = value(default);
    for f in api.features.values() {
        features[f.as_str()] = value(toml_edit::Array::new());
    }
    for tls in TLS_FEATURES {
        let mut forward = toml_edit::Array::new();
        forward.push(format!("sdkgen-runtime/{tls}"));
        features[tls] = value(forward);
    }
    doc["features"] = Item::Table(features);
    let mut out = header("#", &api.spec_file);
    out.push_str(&doc.to_string());
    out
}

/// Whether any generated type mentions `serde_json::Value`.
fn uses_json(api: &Api) -> bool {
    fn has_json(t: &TypeExpr) -> bool {
        match t {
            TypeExpr::Json => true,
            TypeExpr::List(i) | TypeExpr::Map(i) => has_json(i),
            _ => false,
        }
    }
    let in_models = api.models.iter().any(|m| match &m.shape {
        Shape::Struct(fields) => fields.iter().any(|f| has_json(&f.ty)),
        Shape::Enum { .. } => false,
        // A tagged union keeps an unknown variant as JSON.
        Shape::Union { tag, variants } => tag.is_some() || variants.iter().any(|v| has_json(&v.ty)),
    });
    let in_errors = api
        .errors
        .classes
        .iter()
        .flat_map(|c| &c.attributes)
        .any(|a| a.ty == AttrType::Json);
    let in_responses = api
        .endpoints
        .iter()
        .any(|e| e.response.as_ref().is_some_and(has_json));
    in_models || in_errors || in_responses
}

fn render(api: &Api, tokens: TokenStream) -> String {
    format!("{}{}", header("//", &api.spec_file), unparse(tokens))
}

/// Tokens printed as Rust by prettyplease.
fn unparse(tokens: TokenStream) -> String {
    // The token streams are built here from checked data, so they always parse; should one
    // not, the file says why and the crate's compilation shows it. (The tokens are given to
    // syn, not a copy: parsing a shared stream copies it first.)
    match syn::parse2::<syn::File>(tokens) {
        Ok(file) => split_doc_blocks(prettyplease::unparse(&file)),
        Err(e) => format!(
            "compile_error!({:?});\n",
            format!("generated code did not parse: {e}")
        ),
    }
}

/// What joins the lines of one doc comment inside its single attribute (see [`doc`]). A
/// control character: no other string of the generated code holds one unescaped, since
/// [`doc`] replaces it in the texts it is given, and every other literal is quoted by
/// `Literal::string`, which escapes it.
const DOC_LINE_BREAK: char = '\u{1}';

/// A doc comment as attributes that prettyplease prints as `///` lines.
///
/// Its lines travel as one attribute, joined by [`DOC_LINE_BREAK`]: prettyplease prints
/// that as one `///` line, which [`unparse`] splits back into the comment's lines. Parsing
/// and printing an attribute is most of what a doc comment costs to emit, and a doc comment
/// has two lines on average. A text with a carriage return gets one attribute per line
/// instead, printed the same. The joining character itself, should a spec's text hold it
/// (a control character, never meant to be shown), is printed as U+FFFD.
pub(crate) fn doc(text: &str) -> TokenStream {
    let text = text.trim();
    let text = if text.contains(DOC_LINE_BREAK) {
        std::borrow::Cow::Owned(text.replace(DOC_LINE_BREAK, "\u{fffd}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    };
    let lines = text.lines().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    if !text.contains('\r') {
        let joined = lines.collect::<Vec<_>>().join(&DOC_LINE_BREAK.to_string());
        if joined.is_empty() {
            return TokenStream::new();
        }
        let lit = doc_literal(&joined);
        return quote!(#[doc = #lit]);
    }
    let attrs = lines.map(|l| {
        let lit = doc_literal(&l);
        quote!(#[doc = #lit])
    });
    quote!(#(#attrs)*)
}

/// A doc attribute's literal, written raw: `r" line"`, or `r#" line"#` with as many `#` as
/// the line needs. prettyplease prints the string's value either way, and a raw string is
/// copied where a quoted one is escaped character by character here, then unescaped again
/// by syn and once more by prettyplease. A line a raw string cannot hold (a carriage
/// return) is quoted.
fn doc_literal(body: &str) -> Literal {
    if !body.contains('\r') {
        // One `#` more than the longest run of them after a quote in the line.
        let hashes = body
            .match_indices('"')
            .map(|(i, _)| 1 + body[i + 1..].bytes().take_while(|&b| b == b'#').count())
            .max()
            .unwrap_or(0);
        let fence = "#".repeat(hashes);
        if let Ok(lit) = format!("r{fence}\"{body}\"{fence}").parse::<Literal>() {
            return lit;
        }
    }
    Literal::string(body)
}

/// prettyplease's output with each joined doc comment (see [`doc`]) split back into its
/// `///` lines, at the indentation it was printed at, trailing spaces trimmed from each as
/// prettyplease trims a line's.
fn split_doc_blocks(printed: String) -> String {
    if !printed.contains(DOC_LINE_BREAK) {
        return printed;
    }
    let mut out = String::with_capacity(printed.len() + printed.len() / 8);
    for line in printed.split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        let (indent, body) = line.split_at(line.len() - body.len());
        let marker = body.get(..3).filter(|m| *m == "///" || *m == "//!");
        match marker {
            Some(marker) if line.contains(DOC_LINE_BREAK) => {
                for part in body[3..].trim_end_matches('\n').split(DOC_LINE_BREAK) {
                    out.push_str(indent);
                    out.push_str(marker);
                    out.push_str(part.trim_end_matches(' '));
                    out.push('\n');
                }
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// An identifier from a Rust name computed by `model::naming` (which may be raw: `r#type`).
pub(crate) fn ident(name: &str) -> proc_macro2::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => format_ident!("r#{}", raw),
        None => format_ident!("{}", name),
    }
}

pub(crate) fn u16_lit(v: u16) -> Literal {
    Literal::u16_unsuffixed(v)
}

/// `&[(lo, hi), ...]` of status ranges.
pub(crate) fn status_table(ranges: &[StatusRange]) -> TokenStream {
    let items = ranges.iter().map(|r| {
        let (lo, hi) = (u16_lit(r.lo), u16_lit(r.hi));
        quote!((#lo, #hi))
    });
    quote!(&[#(#items),*])
}

pub(crate) fn header_format(f: HeaderFormat) -> TokenStream {
    let v = format_ident!("{}", header_format_name(f));
    quote!(::sdkgen_runtime::HeaderFormat::#v)
}

/// The runtime's `HeaderFormat` variant of a format.
pub(crate) fn header_format_name(f: HeaderFormat) -> &'static str {
    match f {
        HeaderFormat::String => "String",
        HeaderFormat::Integer => "Integer",
        HeaderFormat::Number => "Number",
        HeaderFormat::Boolean => "Boolean",
        HeaderFormat::Seconds => "Seconds",
        HeaderFormat::Milliseconds => "Milliseconds",
        HeaderFormat::EpochSeconds => "EpochSeconds",
        HeaderFormat::EpochMilliseconds => "EpochMilliseconds",
        HeaderFormat::Rfc3339 => "Rfc3339",
        HeaderFormat::HttpDate => "HttpDate",
        HeaderFormat::RetryAfter => "RetryAfter",
        HeaderFormat::Duration => "Duration",
    }
}

/// The Rust type of a type expression, as tokens: the text [`printed::rust_type`] writes,
/// read back (one mapping from type expressions to Rust for both ways of writing it).
pub(crate) fn rust_type(api: &Api, t: &TypeExpr) -> TokenStream {
    printed::read_back(&printed::rust_type(api, t, None))
}

/// The crate root, written out in rustfmt's own style: rustfmt formats this file (the
/// modules it declares are skipped), so `cargo fmt` must find nothing to change.
fn lib_rs(api: &Api) -> String {
    let root = &api.errors.root.rust_name;
    // A spec without models has no models module: an empty glob re-export would warn.
    let (models_mod, models_use) = if api.models.is_empty() {
        ("", "")
    } else {
        ("#[rustfmt::skip]\nmod models;\n", "pub use models::*;\n")
    };
    format!(
        "{header}\
// The README is the crate's front page, so its examples run as doctests.
#![doc = include_str!(\"../README.md\")]
#![deny(missing_docs)]

// These sources are printed by prettyplease, not rustfmt; rustfmt leaves them alone so that
// `cargo fmt` never makes them stale.
#[rustfmt::skip]
mod client;
#[rustfmt::skip]
mod error;
{models_mod}
pub use client::*;
pub use error::*;
{models_use}
// Every type of a public signature is reachable from here: the everyday ones by name, the
// rest through `runtime`, and the one reqwest the builder takes.
/// The runtime this crate is built on, for the types it does not name itself.
pub use sdkgen_runtime as runtime;
pub use sdkgen_runtime::{{
    futures, reqwest, BodyStream, BuildError, CallOptions, ErrorClass, EventStream, File,
    RateLimitFamily, RateLimitState, RawResponse, RedirectError, RequestError, Response,
    SecretString, TimeoutError, Timestamp, TooLargeError,
}};

/// The result of every call of this crate.
pub type Result<T, E = {root}> = std::result::Result<T, E>;
",
        header = header("//", &api.spec_file)
    )
}

/// One row of the class table.
fn class_rule(
    class: usize,
    fallback: bool,
    statuses: &[crate::syntax::StatusRange],
    matchers: &[&model::Matcher],
) -> TokenStream {
    let statuses = status_table(statuses);
    let matchers = matchers.iter().map(|m| {
        let source = match &m.source {
            Source::Body(paths) => quote!(::sdkgen_runtime::Source::Body(&[#(#paths),*])),
            Source::Header(h) => quote!(::sdkgen_runtime::Source::Header(#h)),
        };
        let test = match &m.test {
            Test::Equals(v) => quote!(::sdkgen_runtime::Test::Equals(#v)),
            Test::OneOf(vs) => quote!(::sdkgen_runtime::Test::OneOf(&[#(#vs),*])),
            Test::EndsWith(v) => quote!(::sdkgen_runtime::Test::EndsWith(#v)),
            Test::Contains(v) => quote!(::sdkgen_runtime::Test::Contains(#v)),
            Test::Exists(b) => quote!(::sdkgen_runtime::Test::Exists(#b)),
        };
        let ignore_case = m.ignore_case;
        quote!(::sdkgen_runtime::Matcher { source: #source, test: #test, ignore_case: #ignore_case })
    });
    let class = Literal::usize_unsuffixed(class);
    quote! {
        ::sdkgen_runtime::ClassRule {
            class: #class,
            statuses: #statuses,
            matchers: &[#(#matchers),*],
            fallback: #fallback,
        }
    }
}

/// The expression reading an attribute: its first source, then each fallback in turn.
fn attr_read(a: &model::Attribute) -> TokenStream {
    let reads: Vec<TokenStream> = std::iter::once((&a.source, a.format))
        .chain(a.fallbacks.iter().map(|(s, f)| (s, *f)))
        .map(|(source, format)| source_read(a, source, format))
        .collect();
    let (first, rest) = reads
        .split_first()
        .map_or((quote!(None), &[][..]), |(f, r)| (f.clone(), r));
    quote!(#first #(.or_else(|| #rest))*)
}

fn source_read(a: &model::Attribute, source: &Source, format: HeaderFormat) -> TokenStream {
    match source {
        Source::Body(paths) => {
            if a.typed.is_some() {
                return quote!(r.body_typed(&[#(#paths),*]));
            }
            let getter = match a.ty {
                AttrType::String => quote!(body_string),
                AttrType::Integer => quote!(body_integer),
                AttrType::Number => quote!(body_number),
                AttrType::Boolean => quote!(body_boolean),
                AttrType::Duration => quote!(body_duration),
                AttrType::Timestamp => quote!(body_instant),
                AttrType::Json => quote!(body_json),
            };
            quote!(r.#getter(&[#(#paths),*]))
        }
        Source::Header(name) => {
            let fmt = header_format(format);
            match a.ty {
                AttrType::String => quote!(r.header_string(#name)),
                AttrType::Integer => quote!(r.header_integer(#name)),
                AttrType::Number => quote!(r.header_number(#name, #fmt)),
                AttrType::Boolean => quote!(r.header_boolean(#name)),
                AttrType::Duration => quote!(r.header_duration(#name, #fmt)),
                AttrType::Timestamp => quote!(r.header_instant(#name, #fmt)),
                // `check` rejects json and models from a header; read text to stay total.
                AttrType::Json => quote!(None),
            }
        }
    }
}

fn attr_doc(a: &model::Attribute) -> String {
    let place = |source: &Source| match source {
        Source::Body(p) => format!("body `{}`", p.join("` or `")),
        Source::Header(h) => format!("header `{h}`"),
    };
    let mut from = place(&a.source);
    for (s, _) in &a.fallbacks {
        from.push_str(&format!(", else the {}", place(s)));
    }
    let unit = if a.ty == AttrType::Number && a.format_is_wait() {
        " In seconds."
    } else {
        ""
    };
    format!(
        "{}{unit}\n\nDocumented as `{}`; read from the {from}.",
        a.docs, a.spec_name
    )
}

/// `models.rs`: rendered in runs of models on every core (an item's printed form does not
/// depend on its neighbours, so the runs are printed apart and joined).
fn models_file(api: &Api) -> String {
    use rayon::prelude::*;
    // A small API's models in eight runs (one model a run when it has fewer), so they
    // spread over the cores too; a large API's in runs of 24.
    let run_len = api.models.len().div_ceil(8).clamp(1, 24);
    let gates = model_features(api);
    let runs: Vec<String> = (0..api.models.len().div_ceil(run_len))
        .into_par_iter()
        .map(|run| {
            let models = api
                .models
                .iter()
                .enumerate()
                .skip(run * run_len)
                .take(run_len);
            // Items built as tokens wait in `pending` and are printed together, in order
            // with those written as text.
            let mut out = String::new();
            let mut pending = TokenStream::new();
            for (i, m) in models {
                let cfg = gates[i].as_ref();
                if let Shape::Union { tag, variants } = &m.shape {
                    let tokens = union_model(api, m, tag.as_deref(), variants);
                    pending.extend(gated(tokens, cfg.map(cfg_any)));
                    continue;
                }
                if !pending.is_empty() {
                    out.push_str(&unparse(std::mem::take(&mut pending)));
                }
                match &m.shape {
                    Shape::Struct(fields) => {
                        let plan = structs::Plan::new(m, fields);
                        out.push_str(&structs::struct_model(api, &plan, cfg));
                    }
                    Shape::Enum { values, open } => {
                        out.push_str(&enums::enum_model(m, values, *open, cfg));
                    }
                    Shape::Union { .. } => {}
                }
            }
            if !pending.is_empty() {
                out.push_str(&unparse(pending));
            }
            out
        })
        .collect();
    let head = quote! {
        //! Request and response models.
    };
    render(api, head) + &runs.concat()
}

/// `#[cfg(...)]` added before every item of `tokens`, when there is a cfg. The items are
/// found in the token stream itself (no parse: the file is parsed once, when it is
/// rendered): an item is its outer attributes, then tokens up to a `;` at its top level, or
/// for an item with a body (`struct`, `enum`, `impl`, `fn`, `trait`, `mod`, a macro call)
/// up to its first braced group.
pub(super) fn gated(tokens: TokenStream, cfg: Option<TokenStream>) -> TokenStream {
    use proc_macro2::{Delimiter, TokenTree};
    let Some(cfg) = cfg else { return tokens };
    let attr = quote!(#[cfg(#cfg)]);
    let mut out = TokenStream::new();
    let mut item: Vec<TokenTree> = Vec::new();
    // The item's first word after its attributes and `pub` (`struct`, `const`, ...).
    let mut keyword: Option<String> = None;
    let mut after_hash = false;
    let flush = |item: &mut Vec<TokenTree>, out: &mut TokenStream| {
        if !item.is_empty() {
            out.extend(attr.clone());
            out.extend(item.drain(..));
        }
    };
    for tree in tokens {
        let ends = match &tree {
            TokenTree::Punct(p) if p.as_char() == '#' && keyword.is_none() => {
                after_hash = true;
                false
            }
            TokenTree::Group(g) if after_hash && g.delimiter() == Delimiter::Bracket => {
                after_hash = false;
                false
            }
            TokenTree::Punct(p) if p.as_char() == ';' => true,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => !matches!(
                keyword.as_deref(),
                Some("const" | "static" | "type" | "use" | "let")
            ),
            TokenTree::Ident(i) => {
                if keyword.is_none() && i != "pub" {
                    keyword = Some(i.to_string());
                }
                false
            }
            _ => false,
        };
        item.push(tree);
        if ends {
            flush(&mut item, &mut out);
            keyword = None;
            after_hash = false;
        }
    }
    flush(&mut item, &mut out);
    out
}

/// `any(feature = "a", feature = "b")` over a set of features.
pub(super) fn cfg_any(features: &std::collections::BTreeSet<String>) -> TokenStream {
    let fs: Vec<TokenStream> = features.iter().map(|f| quote!(feature = #f)).collect();
    match fs.as_slice() {
        [one] => one.clone(),
        _ => quote!(any(#(#fs),*)),
    }
}

/// For each model, the features of the namespaces that use it (through endpoints, then
/// through models that hold it), or `None` when it must always be compiled: something
/// ungated uses it (an ungated endpoint, an error attribute), or nothing does, or the crate
/// has no features.
pub(super) fn model_features(api: &Api) -> Vec<Option<std::collections::BTreeSet<String>>> {
    use std::collections::BTreeSet;
    let n = api.models.len();
    if api.features.is_empty() {
        return vec![None; n];
    }
    // `None` in a use set stands for "ungated".
    let mut uses: Vec<BTreeSet<Option<String>>> = vec![BTreeSet::new(); n];
    let named = |t: &TypeExpr, gate: &Option<String>, uses: &mut Vec<BTreeSet<Option<String>>>| {
        if let Some(i) = t.named().and_then(|name| api.model_index(name)) {
            uses[i].insert(gate.clone());
        }
    };
    for (gi, g) in api.groups.iter().enumerate() {
        let gate = top_group(api, gi).and_then(|t| api.features.get(&t).cloned());
        for &ei in &g.endpoints {
            let e = &api.endpoints[ei];
            for p in &e.params {
                named(&p.ty, &gate, &mut uses);
            }
            if let Some((m, _)) = e.body {
                uses[m].insert(gate.clone());
            }
            if let Some(t) = &e.response {
                named(t, &gate, &mut uses);
            }
            if let Some(p) = &e.pagination {
                named(&p.item, &gate, &mut uses);
            }
            if let Some(st) = &e.stream {
                named(&st.event, &gate, &mut uses);
            }
        }
    }
    for c in &api.errors.classes {
        for a in &c.attributes {
            if let Some(t) = &a.typed {
                named(t, &None, &mut uses);
            }
        }
    }
    // A model nothing gated uses is always compiled, and so is what it holds.
    for u in &mut uses {
        if u.is_empty() {
            u.insert(None);
        }
    }
    // A model a used model holds is used as that one is, until nothing changes.
    loop {
        let mut changed = false;
        for i in 0..n {
            let from = uses[i].clone();
            let held: Vec<&TypeExpr> = match &api.models[i].shape {
                Shape::Struct(fields) => fields.iter().map(|f| &f.ty).collect(),
                Shape::Union { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
                Shape::Enum { .. } => Vec::new(),
            };
            for t in held {
                if let Some(j) = t.named().and_then(|name| api.model_index(name)) {
                    let before = uses[j].len();
                    uses[j].extend(from.iter().cloned());
                    changed |= uses[j].len() != before;
                }
            }
        }
        if !changed {
            break;
        }
    }
    uses.into_iter()
        .map(|u| {
            if u.contains(&None) {
                None
            } else {
                Some(u.into_iter().flatten().collect())
            }
        })
        .collect()
}

/// The top-level group (a child of the client) a group is in.
pub(super) fn top_group(api: &Api, mut g: usize) -> Option<usize> {
    loop {
        match api.groups[g].parent {
            None => return None,
            Some(0) => return Some(g),
            Some(p) => g = p,
        }
    }
}

/// A union: tagged, with `Unknown` keeping the raw JSON of a tag this version does not
/// know, or untagged, its alternatives tried in order. Both serialize back to the JSON they
/// came from.
fn union_model(
    api: &Api,
    m: &model::Model,
    tag: Option<&str>,
    variants: &[model::Variant],
) -> TokenStream {
    let id = ident(&m.rust_name);
    let arms = variants.iter().map(|v| {
        let vid = ident(&v.rust_name);
        let t = rust_type(api, &v.ty);
        let text = match (&v.tag, &v.docs) {
            (Some(tag), Some(d)) => format!("{d}\n\nTagged `{tag}`."),
            (Some(tag), None) => format!("Tagged `{tag}`."),
            (None, Some(d)) => d.clone(),
            (None, None) => format!("The value as `{}`.", crate::emit::docs::type_text(&v.ty)),
        };
        let vd = doc(&text);
        quote!(#vd #vid(#t),)
    });
    let Some(tag) = tag else {
        let d = doc(&format!(
            "{}\n\nDocumented as `{}`: one of several shapes, tried in order; it serializes back as it came.",
            m.docs, m.spec_name
        ));
        return quote! {
            #d
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            #[serde(untagged)]
            #[non_exhaustive]
            #[allow(clippy::large_enum_variant)] // Shapes as the API documents them, unboxed.
            pub enum #id { #(#arms)* }
        };
    };
    let d = doc(&format!(
        "{}\n\nDocumented as `{}`: tagged by its `{tag}` field. A tag this version does not know is kept, as raw JSON, in `Unknown`.",
        m.docs, m.spec_name
    ));
    let de_arms = variants.iter().map(|v| {
        let vid = ident(&v.rust_name);
        let t = v.tag.as_deref().unwrap_or_default();
        quote!(Some(#t) => ::serde_json::from_value(value).map(Self::#vid).map_err(::serde::de::Error::custom),)
    });
    let ser_arms = variants.iter().map(|v| {
        let vid = ident(&v.rust_name);
        let t = v.tag.as_deref().unwrap_or_default();
        quote!(Self::#vid(v) => ::sdkgen_runtime::serde_helpers::serialize_tagged(v, #tag, #t, serializer),)
    });
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant)] // Shapes as the API documents them, unboxed.
        pub enum #id {
            #(#arms)*
            /// A tag this version does not know, kept as the raw JSON.
            Unknown(::serde_json::Value),
        }

        impl<'de> ::serde::Deserialize<'de> for #id {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                match value.get(#tag).and_then(::serde_json::Value::as_str) {
                    #(#de_arms)*
                    // Only an object is a variant this version does not know yet.
                    _ if value.is_object() => Ok(Self::Unknown(value)),
                    _ => Err(::serde::de::Error::custom(concat!("expected a ", stringify!(#id), " object"))),
                }
            }
        }

        impl ::serde::Serialize for #id {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#ser_arms)*
                    Self::Unknown(v) => ::serde::Serialize::serialize(v, serializer),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Doc lines come out as the `///` lines they say, whatever quotes, hashes, escapes or
    /// carriage returns they hold; only the raw-string fence grows to fit them.
    #[test]
    fn doc_lines_print_as_written() {
        let lines = [
            "Plain words.",
            "A \"quoted\" word and a \\ backslash: \\n stays two characters.",
            "A quote then hashes: \"# and \"### and # alone.",
            "Ends in a quote\"",
            "A carriage\rreturn and a tab\there.",
            "Unicode: é, ✓, and \u{7f}.",
        ];
        for line in lines {
            let attr = doc(line);
            let printed = unparse(quote!(#attr pub struct A;));
            let want = format!("/// {}\npub struct A;\n", line.trim());
            assert_eq!(printed, want, "for {line:?}");
        }
        // The fence is as short as the line allows.
        assert_eq!(doc_literal(" x").to_string(), "r\" x\"");
        assert_eq!(doc_literal(" a \"b\"").to_string(), "r#\" a \"b\"\"#");
        assert_eq!(doc_literal(" \"##").to_string(), "r###\" \"##\"###");
        assert_eq!(doc_literal("").to_string(), "r\"\"");
        // A carriage return is not allowed raw: quoted and escaped instead.
        assert_eq!(doc_literal(" a\rb").to_string(), "\" a\\rb\"");
    }

    /// A comment of several lines travels as one attribute and comes out as its lines, at
    /// the indentation of what it documents, blank lines as bare `///`, trailing spaces
    /// trimmed; a text with a carriage return is printed the same from one attribute per
    /// line, and one holding the joining character gets U+FFFD in its place.
    #[test]
    fn doc_blocks_print_line_by_line_at_their_indentation() {
        let text = "One.  \n\n  Two \"#\n- three";
        let want = ["/// One.", "///", "///   Two \"#", "/// - three"];
        let attrs = doc(text);
        assert_eq!(
            attrs.clone().into_iter().count(),
            2,
            "one `#` and one `[...]`"
        );
        let field = doc("A field,\nover two lines.");
        let method = doc(text);
        let printed = unparse(quote! {
            #attrs
            pub struct A {
                #field
                pub x: u8,
            }
            impl A {
                #method
                pub fn f(&self) {}
            }
        });
        let mut expected = want.join("\n");
        expected.push_str(
            "\npub struct A {\n    /// A field,\n    /// over two lines.\n    pub x: u8,\n}\n",
        );
        expected.push_str("impl A {\n");
        for line in want {
            expected.push_str(&format!("    {line}\n"));
        }
        expected.push_str("    pub fn f(&self) {}\n}\n");
        assert_eq!(printed, expected);
        assert!(!printed.contains(DOC_LINE_BREAK));

        // A carriage return cannot be joined: one attribute per line, the same lines out.
        let attrs = doc("a\rb\nc");
        assert_eq!(attrs.clone().into_iter().count(), 4);
        let printed = unparse(quote!(#attrs pub struct A;));
        assert_eq!(printed, "/// a\rb\n/// c\npub struct A;\n");
        // The joining character in a text is not a line break.
        let attrs = doc("a\u{1}b\nc");
        let printed = unparse(quote!(#attrs pub struct A;));
        assert_eq!(printed, "/// a\u{fffd}b\n/// c\npub struct A;\n");
        assert!(doc("  \n ").is_empty());
    }

    /// Every item gets the cfg, whatever ends it: a body, a `;`, or a `;` after a braced
    /// initializer.
    #[test]
    fn gated_puts_the_cfg_before_every_item() {
        let tokens = quote! {
            /// Docs.
            #[derive(Debug)]
            pub struct A { x: u8 }
            pub(crate) struct B(u8);
            const C: A = A { x: 1 };
            impl<'a> A where A: Clone { fn f(&self) -> u8 { self.x } }
            use crate::models::*;
            pub fn g() -> impl Fn() { || {} }
            static D: [u8; 2] = [1, 2];
        };
        let out = gated(tokens, Some(quote!(feature = "x")));
        let file: syn::File = syn::parse2(out).unwrap();
        assert_eq!(file.items.len(), 7);
        for item in &file.items {
            let text = quote!(#item).to_string();
            assert!(
                text.starts_with("# [cfg (feature = \"x\")]"),
                "not gated first: {text}"
            );
            assert_eq!(text.matches("cfg (").count(), 1, "{text}");
        }
        let plain = quote!(
            struct E;
        );
        assert_eq!(gated(plain.clone(), None).to_string(), plain.to_string());
    }

    #[test]
    fn tokens_that_do_not_parse_become_a_compile_error_naming_why() {
        assert_eq!(
            unparse(quote!(
                struct A;
            )),
            "struct A;\n"
        );
        let out = unparse(quote!(let x = 1;));
        assert!(
            out.starts_with("compile_error!(\"generated code did not parse: "),
            "{out}"
        );
        let file: syn::File = syn::parse_str(&out).expect("the fallback is Rust");
        assert_eq!(file.items.len(), 1);
    }
}
