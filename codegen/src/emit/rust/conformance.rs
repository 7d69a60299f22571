//! The generated conformance test of an SDK crate: a dispatcher from spec endpoint names to
//! typed method calls, the coverage keys the spec requires, and the record-mode example.

use proc_macro2::Literal;

use crate::model::{Api, Endpoint};
use crate::syntax::TypeExpr;

/// `tests/conformance.rs`: a crate root, so rustfmt formats it; it is written in rustfmt's
/// style and keeps everything else in the skipped dispatch module.
pub fn test_rs(api: &Api) -> String {
    format!(
        "{header}\
//! Replays this API's spec-derived cases (`conformance/cases/`) and recorded cassettes
//! (`conformance/cassettes/`) over 127.0.0.1 and snapshots the typed outcomes; see
//! `conformance/README.md`.

// Printed by prettyplease; rustfmt leaves it alone.
#[rustfmt::skip]
#[path = \"conformance/dispatch.rs\"]
mod dispatch;

const API: &str = {name:?};

#[test]
fn conformance() {{
    let calls = dispatch::dispatcher(None);
    conformance::run_all(API, dispatch::REQUIRED, &calls);
}}
",
        header = crate::emit::header("//", &api.spec_file),
        name = api.crate_name,
    )
}

/// `examples/<crate>_record.rs`: record mode, run by `cargo xtask record`.
pub fn record_rs(api: &Api) -> String {
    format!(
        "{header}\
//! Record mode: replays this API's cases against a live server through a recording proxy
//! and writes cassettes with secrets scrubbed. Run it through
//! `cargo xtask record --api <name> --base-url <url>`.

#[rustfmt::skip]
#[path = \"../tests/conformance/dispatch.rs\"]
mod dispatch;

fn main() {{
    std::process::exit(dispatch::record_main());
}}
",
        header = crate::emit::header("//", &api.spec_file),
    )
}

/// `tests/conformance/dispatch.rs`, shared with the record example.
pub fn dispatch_file(api: &Api, required: &[String]) -> String {
    use rayon::prelude::*;
    const RUN: usize = 16;
    // The functions, written in runs on every core.
    let runs: Vec<String> = (0..api.endpoints.len().div_ceil(RUN))
        .into_par_iter()
        .map(|run| {
            api.endpoints
                .iter()
                .enumerate()
                .skip(run * RUN)
                .take(RUN)
                .map(|(i, e)| call_fn(api, i, e))
                .collect::<String>()
        })
        .collect();
    let head = head_lines(api, required).finish_or_print();
    crate::emit::header("//", &api.spec_file) + &head + &runs.concat()
}

/// The dispatcher's head: the coverage the spec requires, record mode, the dispatcher and
/// the match from an endpoint's spec name to its call function. Written as prettyplease
/// prints it (see [`super::printed`]).
fn head_lines(api: &Api, required: &[String]) -> super::printed::Printed {
    let krate = api.crate_ident.as_str();
    let mut p = super::printed::Printed::new();
    p.fixed(0, HEAD);
    let required: Vec<String> = required
        .iter()
        .map(|r| Literal::string(r).to_string())
        .collect();
    p.list(0, "pub const REQUIRED: &[&str] = &[", &required, "];");
    p.fixed(0, RECORD_MAIN);
    let key_var = match api.env_api_key.first() {
        Some(v) => format!("Some({})", Literal::string(v)),
        None => "None".to_owned(),
    };
    let needs_key = api.auth.scheme != crate::spec::AuthScheme::None;
    p.line(
        4,
        format_args!(
            "conformance::record::main({}, {key_var}, {needs_key}, dispatcher)",
            Literal::string(&api.crate_name)
        ),
    );
    p.fixed(0, "}");
    p.fixed(0, DISPATCHER);
    p.signature(
        0,
        "fn client",
        &[
            "url: &str".to_owned(),
            "options: &ClientOptions".to_owned(),
            "key: Option<&str>".to_owned(),
        ],
        &format!(" -> Result<{krate}::Client, String> {{"),
    );
    p.line(
        4,
        format_args!("conformance::client({krate}::Client::builder(), url, options, key)"),
    );
    p.fixed(0, "}");
    p.signature(
        0,
        "fn dispatch<'a>",
        &[
            format!("client: &'a {krate}::Client"),
            "call: &'a Call".to_owned(),
        ],
        " -> CallFuture<'a> {",
    );
    p.fixed(4, "match call.endpoint.as_str() {");
    for (i, e) in api.endpoints.iter().enumerate() {
        let name = Literal::string(&e.spec_name);
        p.line(8, format_args!("{name} => call_{i}(client, call),"));
    }
    p.fixed(0, DISPATCH_FALLBACK);
    p
}

/// The dispatcher's head up to its list of required coverage.
const HEAD: &str = "\
//! Calls an endpoint of the SDK by its spec name with a case's arguments; shared by
//! the conformance test and the record example.
use conformance::{Call, CallFuture, ClientOptions};
/// Coverage the spec requires: every error class, every endpoint, every retry path.
#[allow(dead_code)]";

/// Record mode's function, up to its one statement.
const RECORD_MAIN: &str = "\
/// Record mode: `<base-url> <out-dir>`; the key comes from the environment only.
#[allow(dead_code)]
pub fn record_main() -> i32 {";

/// The dispatcher, the same for every API.
const DISPATCHER: &str = "\
/// A dispatcher whose clients use `key`, or the harness's key when `None`.
pub fn dispatcher(
    key: Option<String>,
) -> impl Fn(&str, &ClientOptions, &Call) -> CallFuture<'static> {
    move |url, options, call| {
        let client = client(url, options, key.as_deref());
        let call = call.clone();
        Box::pin(async move { dispatch(&client?, &call).await })
    }
}";

/// The match's last arm and the end of `dispatch`.
const DISPATCH_FALLBACK: &str = "        other => {
            let message = format!(\"the spec has no endpoint `{other}`\");
            Box::pin(async move { Err(message) })
        }
    }
}";

/// One endpoint's call function: decode each argument into the type the method takes,
/// start the call with the required ones, set the optional ones that the case gives, send,
/// describe. Written as prettyplease prints it (see [`super::printed`]).
fn call_fn(api: &Api, i: usize, e: &Endpoint) -> String {
    call_fn_lines(api, i, e).finish_or_print()
}

/// [`call_fn`]'s lines as written, before prettyplease is asked about any.
fn call_fn_lines(api: &Api, i: usize, e: &Endpoint) -> super::printed::Printed {
    let krate = api.crate_ident.as_str();
    let ty = |t: &TypeExpr| super::printed::rust_type(api, t, Some(krate));
    let mut lets = Vec::new();
    let mut args = Vec::new();
    for p in e.params.iter().filter(|p| p.required) {
        let v = format!("p_{}", p.rust_name.trim_start_matches("r#"));
        let wire = Literal::string(&p.spec_name);
        let arg = match &p.ty {
            TypeExpr::List(inner) if **inner == TypeExpr::String => {
                lets.push(format!("let {v}: Vec<String> = call.param({wire})?;"));
                lets.push(format!(
                    "let {v}_refs: Vec<&str> = {v}.iter().map(String::as_str).collect();"
                ));
                args.push(format!("&{v}_refs"));
                continue;
            }
            TypeExpr::String | TypeExpr::List(_) | TypeExpr::Named(_) => format!("&{v}"),
            _ => v.clone(),
        };
        lets.push(format!("let {v}: {} = call.param({wire})?;", ty(&p.ty)));
        args.push(arg);
    }
    let mut sets = Vec::new();
    for p in e.params.iter().filter(|p| !p.required) {
        let v = format!("p_{}", p.rust_name.trim_start_matches("r#"));
        let wire = Literal::string(&p.spec_name);
        lets.push(format!(
            "let {v}: Option<{}> = call.opt_param({wire})?;",
            ty(&p.ty)
        ));
        sets.push((v, &p.setter));
    }
    if let Some((m, _)) = e.body {
        let t = &api.models[m].rust_name;
        lets.push(format!("let body: {krate}::{t} = call.body()?;"));
        args.push("&body".to_owned());
    }
    // A paginated endpoint reads every item when the case asks for all pages; a streamed
    // one reads its events, when the case asks for the stream; a download reads its body to
    // the end. The two that choose are laid out by prettyplease.
    // Written only for a paginated endpoint.
    let pages: String;
    let (run, choice): (Vec<&str>, bool) = match (&e.stream, e.download, &e.pagination) {
        (Some(st), _, _) if st.flag.is_some() => (
            vec![
                "Ok(if call.stream {",
                "conformance::outcome_events(builder.stream()).await",
                "} else {",
                "conformance::outcome(builder.send().await)",
                "})",
            ],
            true,
        ),
        (Some(_), _, _) => (
            vec!["Ok(conformance::outcome_events(builder.send()).await)"],
            false,
        ),
        (None, true, _) => (
            vec!["Ok(conformance::outcome_download(builder.send().await).await)"],
            false,
        ),
        (None, false, Some(_)) => (
            vec![
                "Ok(if call.pages {",
                {
                    pages = format!(
                        "conformance::outcome_items({krate}::futures::TryStreamExt::try_collect::<Vec<_>>(builder.items()).await)"
                    );
                    &pages
                },
                "} else {",
                "conformance::outcome(builder.send().await)",
                "})",
            ],
            true,
        ),
        (None, false, None) => (
            vec!["Ok(conformance::outcome(builder.send().await))"],
            false,
        ),
    };
    // A call with no arguments to read does not name the case.
    let case = if lets.is_empty() && !choice {
        "_call"
    } else {
        "call"
    };
    let mut p = super::printed::Printed::new();
    p.signature(
        0,
        &format!("fn call_{i}<'a>"),
        &[
            format!("client: &'a {krate}::Client"),
            format!("{case}: &'a Call"),
        ],
        " -> CallFuture<'a> {",
    );
    p.line(4, format_args!("Box::pin(async move {{"));
    for l in &lets {
        p.line(8, format_args!("{l}"));
    }
    let mut_kw = if sets.is_empty() { "" } else { "mut " };
    let mut calls: Vec<String> = e.accessors.iter().map(|a| format!(".{a}()")).collect();
    calls.push(format!(".{}({})", e.method_name, args.join(", ")));
    p.chain(8, &format!("let {mut_kw}builder = client"), &calls, ";");
    for (v, setter) in &sets {
        p.line(8, format_args!("if let Some(v) = {v} {{"));
        p.line(12, format_args!("builder = builder.{setter}(v);"));
        p.line(8, format_args!("}}"));
    }
    if choice {
        p.any_layout();
    }
    for l in run {
        p.line(8, format_args!("{l}"));
    }
    p.line(4, format_args!("}})"));
    p.line(0, format_args!("}}"));
    p
}

#[cfg(test)]
mod tests {
    use super::super::printed::corpus::{assert_as_printed, paths, resolve};
    use super::*;

    /// Every call function written directly is already as prettyplease prints it, over
    /// every endpoint of the seeds and the test specs, and under a crate name long enough
    /// to break the signature.
    #[test]
    fn call_functions_written_directly_are_as_prettyplease_prints_them() {
        // Endpoints, those written directly, and those with their signature broken, under
        // the specs' own crate names and under a long one.
        let mut counts = [[0; 3]; 2];
        for path in paths() {
            let text = std::fs::read_to_string(&path).unwrap();
            let renamed = text.replacen(
                "  crate: ",
                "  crate: a-crate-name-long-enough-to-break-the-signature-",
                1,
            );
            for (text, counts) in [text, renamed].into_iter().zip(&mut counts) {
                let api = resolve(&path, text);
                for (i, e) in api.endpoints.iter().enumerate() {
                    counts[0] += 1;
                    let Some(text) = call_fn_lines(&api, i, e).finish() else {
                        continue;
                    };
                    counts[1] += 1;
                    counts[2] += usize::from(text.starts_with(&format!("fn call_{i}<'a>(\n")));
                    assert_as_printed(&text, &e.spec_name);
                }
            }
        }
        let [[endpoints, direct, _], [_, long_direct, long_broken]] = counts;
        assert!(endpoints > 800, "{endpoints} endpoints");
        assert!(
            direct * 10 > endpoints * 8,
            "{direct} of {endpoints} written directly"
        );
        assert!(direct < endpoints, "none printed by prettyplease");
        assert!(
            long_direct > 100 && long_broken == long_direct,
            "{counts:?}"
        );
    }

    /// The head of every spec's dispatcher is as prettyplease prints it, with its list of
    /// required coverage on one line when short and a key a line when long.
    #[test]
    fn heads_are_as_prettyplease_prints_them() {
        let (mut heads, mut direct) = (0, 0);
        for api in super::super::printed::corpus::specs() {
            let short = vec!["class:A".to_owned()];
            let long: Vec<String> = (0..12).map(|i| format!("endpoint:e.{i}")).collect();
            for required in [short, long] {
                heads += 1;
                if let Some(text) = head_lines(&api, &required).finish() {
                    direct += 1;
                    assert_as_printed(&text, &api.name);
                }
                assert_as_printed(&head_lines(&api, &required).finish_or_print(), &api.name);
            }
        }
        assert!(
            heads > 10 && direct * 10 > heads * 8,
            "{direct} of {heads} direct"
        );
    }
}
