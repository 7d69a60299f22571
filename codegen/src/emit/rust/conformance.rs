//! The generated conformance test of an SDK crate: a dispatcher from spec endpoint names to
//! typed method calls, the coverage keys the spec requires, and the record-mode example.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ident;
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
    let krate = format_ident!("{}", api.crate_ident);
    // Each endpoint's call is a function of its own returning a boxed future, so the
    // dispatcher's frame and future stay small however many endpoints the API has (a
    // debug build of one `async` match over hundreds of calls overflows a test's stack).
    let names: Vec<&String> = api.endpoints.iter().map(|e| &e.spec_name).collect();
    let fns: Vec<proc_macro2::Ident> = (0..api.endpoints.len())
        .map(|i| format_ident!("call_{i}"))
        .collect();
    let record = record_main(api);
    let head = quote! {
        //! Calls an endpoint of the SDK by its spec name with a case's arguments; shared by
        //! the conformance test and the record example.

        use conformance::{Call, CallFuture, ClientOptions};

        /// Coverage the spec requires: every error class, every endpoint, every retry path.
        #[allow(dead_code)]
        pub const REQUIRED: &[&str] = &[#(#required),*];

        #record

        /// A dispatcher whose clients use `key`, or the harness's key when `None`.
        pub fn dispatcher(key: Option<String>) -> impl Fn(&str, &ClientOptions, &Call) -> CallFuture<'static> {
            move |url, options, call| {
                let client = client(url, options, key.as_deref());
                let call = call.clone();
                Box::pin(async move { dispatch(&client?, &call).await })
            }
        }

        fn client(url: &str, options: &ClientOptions, key: Option<&str>) -> Result<#krate::Client, String> {
            conformance::client(#krate::Client::builder(), url, options, key)
        }

        fn dispatch<'a>(client: &'a #krate::Client, call: &'a Call) -> CallFuture<'a> {
            match call.endpoint.as_str() {
                #(#names => #fns(client, call),)*
                other => {
                    let message = format!("the spec has no endpoint `{other}`");
                    Box::pin(async move { Err(message) })
                }
            }
        }
    };
    // The functions, printed in runs on every core.
    let runs: Vec<String> = (0..api.endpoints.len().div_ceil(RUN))
        .into_par_iter()
        .map(|run| {
            // Tokens are built on the thread that prints them.
            let krate = format_ident!("{}", api.crate_ident);
            let fns = api.endpoints.iter().enumerate().skip(run * RUN).take(RUN).map(|(i, e)| {
                let name = format_ident!("call_{i}");
                let body = arm(api, e);
                // A call with no arguments to read does not name the case.
                let uses = reads_call(&body);
                let param = format_ident!("{}", if uses { "call" } else { "_call" });
                quote! {
                    fn #name<'a>(client: &'a #krate::Client, #param: &'a Call) -> CallFuture<'a> {
                        Box::pin(async move {
                            #body
                        })
                    }
                }
            });
            super::unparse(quote!(#(#fns)*))
        })
        .collect();
    super::render(api, head) + &runs.concat()
}

/// Whether the tokens use the case (`call.` followed by a method), looked for in the token
/// tree rather than in its printed text.
fn reads_call(tokens: &TokenStream) -> bool {
    use proc_macro2::TokenTree;
    let mut previous_is_call = false;
    for tree in tokens.clone() {
        match &tree {
            TokenTree::Punct(p) if previous_is_call && p.as_char() == '.' => return true,
            TokenTree::Group(g) if reads_call(&g.stream()) => return true,
            _ => {}
        }
        previous_is_call = matches!(&tree, TokenTree::Ident(i) if i == "call");
    }
    false
}

/// The Rust type of a type expression, models qualified by the crate (the dispatcher is
/// outside it).
fn rust_type(api: &Api, t: &TypeExpr) -> TokenStream {
    match t {
        TypeExpr::Named(n) => {
            let krate = format_ident!("{}", api.crate_ident);
            let name = api
                .model_index(n)
                .map(|i| api.models[i].rust_name.clone())
                .unwrap_or_else(|| n.clone());
            let id = ident(&name);
            quote!(#krate::#id)
        }
        TypeExpr::List(inner) => {
            let i = rust_type(api, inner);
            quote!(Vec<#i>)
        }
        TypeExpr::Map(inner) => {
            let i = rust_type(api, inner);
            quote!(::std::collections::BTreeMap<String, #i>)
        }
        other => super::rust_type(api, other),
    }
}

/// One endpoint's call: decode each argument into the type the method takes, start the call
/// with the required ones, set the optional ones that the case gives, send, describe.
fn arm(api: &Api, e: &Endpoint) -> TokenStream {
    let krate = format_ident!("{}", api.crate_ident);
    let mut lets = Vec::new();
    let mut args = Vec::new();
    let mut sets = Vec::new();
    for p in e.params.iter().filter(|p| p.required) {
        let v = format_ident!("p_{}", p.rust_name.trim_start_matches("r#"));
        let wire = &p.spec_name;
        let (owned, arg) = match &p.ty {
            TypeExpr::String => (quote!(String), quote!(&#v)),
            TypeExpr::List(inner) if **inner == TypeExpr::String => {
                let refs = format_ident!("{}_refs", v);
                lets.push(quote!(let #v: Vec<String> = call.param(#wire)?; let #refs: Vec<&str> = #v.iter().map(String::as_str).collect();));
                args.push(quote!(&#refs));
                continue;
            }
            TypeExpr::List(inner) => {
                let it = rust_type(api, inner);
                (quote!(Vec<#it>), quote!(&#v))
            }
            TypeExpr::Named(_) => (rust_type(api, &p.ty), quote!(&#v)),
            other => (rust_type(api, other), quote!(#v)),
        };
        lets.push(quote!(let #v: #owned = call.param(#wire)?;));
        args.push(arg);
    }
    for p in e.params.iter().filter(|p| !p.required) {
        let v = format_ident!("p_{}", p.rust_name.trim_start_matches("r#"));
        let wire = &p.spec_name;
        let owned = match &p.ty {
            TypeExpr::String => quote!(String),
            TypeExpr::List(inner) if **inner == TypeExpr::String => quote!(Vec<String>),
            TypeExpr::List(inner) => {
                let it = rust_type(api, inner);
                quote!(Vec<#it>)
            }
            other => rust_type(api, other),
        };
        let setter = ident(&p.setter);
        lets.push(quote!(let #v: Option<#owned> = call.opt_param(#wire)?;));
        sets.push(quote!(if let Some(v) = #v { builder = builder.#setter(v); }));
    }
    if let Some((m, _)) = e.body {
        let t = ident(&api.models[m].rust_name);
        lets.push(quote!(let body: #krate::#t = call.body()?;));
        args.push(quote!(&body));
    }
    let method = ident(&e.method_name);
    let accessors = e.accessors.iter().map(|a| ident(a));
    let mut_kw = (!sets.is_empty()).then(|| quote!(mut));
    // A paginated endpoint reads every item when the case asks for all pages; a download
    // reads its stream to the end.
    let run = if let Some(st) = &e.stream {
        if st.flag.is_some() {
            quote! {
                if call.stream {
                    conformance::outcome_events(builder.stream()).await
                } else {
                    conformance::outcome(builder.send().await)
                }
            }
        } else {
            quote!(conformance::outcome_events(builder.send()).await)
        }
    } else if e.download {
        quote!(conformance::outcome_download(builder.send().await).await)
    } else if e.pagination.is_some() {
        quote! {
            if call.pages {
                conformance::outcome_items(#krate::futures::TryStreamExt::try_collect::<Vec<_>>(builder.items()).await)
            } else {
                conformance::outcome(builder.send().await)
            }
        }
    } else {
        quote!(conformance::outcome(builder.send().await))
    };
    quote! {
        #(#lets)*
        let #mut_kw builder = client #(.#accessors())* .#method(#(#args),*);
        #(#sets)*
        Ok(#run)
    }
}

/// The record example's body: `main` of record mode, returning the exit code.
fn record_main(api: &Api) -> TokenStream {
    let name = &api.crate_name;
    let key_var = match api.env_api_key.first() {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    };
    let needs_key = api.auth.scheme != crate::spec::AuthScheme::None;
    quote! {
        /// Record mode: `<base-url> <out-dir>`; the key comes from the environment only.
        #[allow(dead_code)]
        pub fn record_main() -> i32 {
            conformance::record::main(#name, #key_var, #needs_key, dispatcher)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn a_case_is_read_when_call_dot_appears_at_any_depth() {
        assert!(reads_call(&quote!(let b = call.body()?;)));
        assert!(reads_call(&quote!(if x {
            f(call.param("a")?)
        })));
        assert!(!reads_call(
            &quote!(let builder = client.store().list_orders();)
        ));
        assert!(!reads_call(&quote!(recall.body(); call; call_1(x))));
    }
}
