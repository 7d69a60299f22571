//! `error.rs`: the fixed classes as aliases of the runtime's types, the class enum with a
//! struct of typed attributes per class, the classification table and `ErrorClass`.
//!
//! Each part is written as the text prettyplease prints (see [`super::printed`]) and
//! printed by prettyplease when it is beyond those rules; the table's matchers and the
//! reading of attributes, whose layout depends on their length, are built as tokens.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::printed::Printed;
use super::{attr_doc, attr_read, class_rule, ident};
use crate::model::{self, Api};
use crate::spec::AttrType;

/// The file's text after its header.
pub(super) fn error_file(api: &Api) -> String {
    let mut out = head(api).finish_or_print();
    out.push_str(&kind_enum(api).finish_or_print());
    match class_rules(api) {
        Ok(p) => out.push_str(&p.finish_or_print()),
        Err(tokens) => out.push_str(&super::unparse(tokens)),
    }
    out.push_str(&error_class_impl(api).finish_or_print());
    out
}

/// The file's doc, its `use` of the models when attributes are typed by them, and the
/// fixed classes.
fn head(api: &Api) -> Printed {
    let mut p = Printed::new();
    p.fixed(0, "//! The error hierarchy, one type per documented class.");
    // Attributes typed by a model name the crate's models.
    let models_use = api
        .errors
        .classes
        .iter()
        .flat_map(|c| &c.attributes)
        .any(|a| a.typed.as_ref().is_some_and(|t| t.named().is_some()));
    if models_use {
        p.fixed(0, "use crate::models::*;");
    }
    aliases(&mut p, api);
    p
}

/// The fixed classes: the root, the API base, transport and decode failures, as aliases of
/// the runtime's types, documented with the vendor's names.
fn aliases(p: &mut Printed, api: &Api) {
    let e = &api.errors;
    let root = &e.root.rust_name;
    let kind = &e.kind_enum;
    let base = &e.api.spec_name;
    p.doc(
        0,
        &format!(
            "{}\n\nDocumented as `{}`: the root of the hierarchy. Match `{root}::Api(e)` to \
             catch every API error (any class below `{base}`), `{root}::Connection` and \
             `{root}::Timeout` for transport failures.\n\n\
             ```\n\
             fn explain(err: &{krate}::{root}) -> String {{\n\
             \x20   match err {{\n\
             \x20       {krate}::{root}::Api(e) => {{\n\
             \x20           format!(\"{{}} (HTTP {{}}): {{}}\", e.class_name(), e.status, e.detail)\n\
             \x20       }}\n\
             \x20       e if e.is_connection() => format!(\"unreachable: {{e}}\"),\n\
             \x20       e => e.to_string(),\n\
             \x20   }}\n\
             }}\n\
             ```",
            e.root.docs,
            e.root.spec_name,
            krate = api.crate_ident,
        ),
    );
    p.line(
        0,
        format_args!("pub type {root} = ::sdkgen_runtime::Error<{kind}>;"),
    );
    p.doc(
        0,
        &format!(
            "{}\n\nDocumented as `{base}`: every non-2xx response. Its class and typed \
             attributes are in [`{kind}`]; status, detail, error code, request id, rate-limit \
             state, `retry_after` and the raw response are fields of this type.",
            e.api.docs
        ),
    );
    p.line(
        0,
        format_args!(
            "pub type {} = ::sdkgen_runtime::ApiError<{kind}>;",
            e.api.rust_name
        ),
    );
    p.doc(
        0,
        &format!(
            "{}\n\nDocumented as `{}`; returned as `{root}::Connection`.{}",
            e.connection.docs,
            e.connection.spec_name,
            if e.timeout.is_none() {
                format!(
                    " The vendor counts timeouts here too; they are returned as \
                     `{root}::Timeout` so they can be told apart, and \
                     `{root}::is_connection()` covers both."
                )
            } else {
                String::new()
            }
        ),
    );
    p.line(
        0,
        format_args!(
            "pub type {} = ::sdkgen_runtime::ConnectionError;",
            e.connection.rust_name
        ),
    );
    if let Some(t) = &e.timeout {
        p.doc(
            0,
            &format!(
                "{}\n\nDocumented as `{}`; returned as `{root}::Timeout`.",
                t.docs, t.spec_name
            ),
        );
        p.line(
            0,
            format_args!("pub type {} = ::sdkgen_runtime::TimeoutError;", t.rust_name),
        );
    }
    p.doc(
        0,
        &format!(
            "{}\n\nReturned as `{root}::Decode`; the raw body is kept.",
            e.decode.docs
        ),
    );
    p.line(
        0,
        format_args!(
            "pub type {} = ::sdkgen_runtime::DecodeError;",
            e.decode.rust_name
        ),
    );
}

/// The class enum: a variant per concrete class holding a struct of its typed attributes,
/// with `is_*` predicates for classes that have subclasses and accessors per class.
fn kind_enum(api: &Api) -> Printed {
    let e = &api.errors;
    let kind = &e.kind_enum;
    let concrete: Vec<&model::Class> = e.classes.iter().filter(|c| !c.is_abstract()).collect();
    let mut p = Printed::new();
    p.doc(
        0,
        &format!(
            "The class of a [`{}`] and its typed attributes: one variant per error class of \
             the spec, plus `Other` for a response no class matched (a plain `{}`).",
            e.api.rust_name, e.api.spec_name
        ),
    );
    p.fixed(0, "#[derive(Debug, Clone, PartialEq, ::serde::Serialize)]");
    p.fixed(0, "#[non_exhaustive]");
    p.fixed(0, "#[allow(clippy::enum_variant_names)]");
    p.line(0, format_args!("pub enum {kind} {{"));
    for c in &concrete {
        p.doc(
            4,
            &format!(
                "{}\n\n{}",
                c.docs,
                crate::model::describe::class_trigger(api, c)
            ),
        );
        p.line(4, format_args!("{0}({0}),", c.rust_name));
    }
    p.fixed(
        4,
        "/// No class of the spec matched: a plain API error of the base class.",
    );
    p.fixed(4, "Other,");
    p.fixed(0, "}");

    for c in &concrete {
        p.doc(
            0,
            &format!(
                "{}\n\n{}\n\nDocumented as `{}` (a subclass of `{}`).",
                c.docs,
                crate::model::describe::class_trigger(api, c),
                c.spec_name,
                c.ancestors.join("` < `")
            ),
        );
        p.fixed(
            0,
            "#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize)]",
        );
        p.fixed(0, "#[non_exhaustive]");
        if c.attributes.is_empty() {
            p.line(0, format_args!("pub struct {} {{}}", c.rust_name));
            continue;
        }
        p.line(0, format_args!("pub struct {} {{", c.rust_name));
        for a in &c.attributes {
            p.doc(4, &attr_doc(a));
            // Durations serialize as seconds, the unit the docs give; instants as RFC 3339.
            match a.ty {
                AttrType::Duration => p.fixed(
                    4,
                    "#[serde(serialize_with = \"::sdkgen_runtime::serde_helpers::duration_secs\")]",
                ),
                AttrType::Timestamp => p.fixed(
                    4,
                    "#[serde(serialize_with = \"::sdkgen_runtime::serde_helpers::instant_rfc3339\")]",
                ),
                _ => {}
            }
            p.line(
                4,
                format_args!("pub {}: Option<{}>,", a.rust_name, attr_rust_type(api, a)),
            );
        }
        p.fixed(0, "}");
    }

    p.line(0, format_args!("impl {kind} {{"));
    let mut methods = 0;
    for c in e.classes.iter().filter(|c| !c.children.is_empty()) {
        methods += 1;
        let name = Literal::string(&c.spec_name);
        p.doc(
            4,
            &format!(
                "Whether this is a `{0}` or one of its subclasses (catching `{0}` in the \
                 vendor's terms).",
                c.spec_name
            ),
        );
        p.fixed(4, "#[inline]");
        p.line(4, format_args!("pub fn {}(&self) -> bool {{", c.predicate));
        p.fixed(
            8,
            "let name = ::sdkgen_runtime::ErrorClass::class_name(self);",
        );
        let test = format!("name == {name}");
        let ancestors = format!("::sdkgen_runtime::ErrorClass::ancestors(self).contains(&{name})");
        p.binary(8, &test, "||", &ancestors);
        p.fixed(4, "}");
    }
    for c in &concrete {
        methods += 1;
        p.doc(
            4,
            &format!("The `{}` attributes, when this is one.", c.spec_name),
        );
        p.fixed(4, "#[inline]");
        p.signature(
            4,
            &format!("pub fn as_{}", c.predicate.trim_start_matches("is_")),
            &["&self".to_owned()],
            &format!(" -> Option<&{}> {{", c.rust_name),
        );
        p.fixed(8, "match self {");
        p.line(12, format_args!("Self::{}(v) => Some(v),", c.rust_name));
        p.fixed(12, "_ => None,");
        p.fixed(8, "}");
        p.fixed(4, "}");
    }
    if methods == 0 {
        // `impl A {}`, which prettyplease lays out.
        p.any_layout();
    }
    p.fixed(0, "}");
    p
}

/// The Rust type of an attribute's value, as prettyplease prints it.
fn attr_rust_type(api: &Api, a: &model::Attribute) -> String {
    if let Some(t) = &a.typed {
        return super::printed::rust_type(api, t, None);
    }
    match a.ty {
        AttrType::String => "String",
        AttrType::Integer => "i64",
        AttrType::Number => "f64",
        AttrType::Boolean => "bool",
        AttrType::Duration => "::std::time::Duration",
        AttrType::Timestamp => "::std::time::SystemTime",
        AttrType::Json => "::serde_json::Value",
    }
    .to_owned()
}

/// The class table handed to the runtime, in classification order (see
/// `model::Errors::order`): a row per way a class is recognised (its `any_of` alternatives,
/// in spec order); a fallback is one row over all its statuses, conditions waived. As
/// tokens when a row matches on the body or headers: its matchers' layout depends on their
/// length.
fn class_rules(api: &Api) -> Result<Printed, TokenStream> {
    let e = &api.errors;
    // A spec with no classes has no table: every API error is the base class.
    if e.classes.iter().all(|c| c.is_abstract()) {
        return Ok(Printed::new());
    }
    let rows: Vec<(
        usize,
        bool,
        &[crate::syntax::StatusRange],
        Vec<&model::Matcher>,
    )> = e
        .order
        .iter()
        .flat_map(|&i| {
            let c = &e.classes[i];
            let rows: Vec<_> = if c.fallback {
                vec![(i, true, &c.statuses[..], Vec::new())]
            } else {
                c.rows()
                    .into_iter()
                    .map(|r| (i, false, r.statuses, r.matchers))
                    .collect()
            };
            rows
        })
        .collect();
    if rows.iter().any(|(_, _, _, m)| !m.is_empty()) {
        let rules = rows
            .iter()
            .map(|(i, fallback, statuses, matchers)| class_rule(*i, *fallback, statuses, matchers));
        return Err(quote! {
            /// The classification table: specific classes in spec order, then fallbacks.
            static CLASS_RULES: &[::sdkgen_runtime::ClassRule] = &[#(#rules),*];
        });
    }
    let mut p = Printed::new();
    p.fixed(
        0,
        "/// The classification table: specific classes in spec order, then fallbacks.",
    );
    p.fixed(0, "static CLASS_RULES: &[::sdkgen_runtime::ClassRule] = &[");
    for (i, fallback, statuses, _) in &rows {
        p.fixed(4, "::sdkgen_runtime::ClassRule {");
        p.line(8, format_args!("class: {i},"));
        p.field_list(8, "statuses", &super::printed::status_items(statuses));
        p.fixed(8, "matchers: &[],");
        p.line(8, format_args!("fallback: {fallback},"));
        p.fixed(4, "},");
    }
    p.fixed(0, "];");
    Ok(p)
}

/// `ErrorClass` for the kind enum: classification, documented names and ancestors.
fn error_class_impl(api: &Api) -> Printed {
    let e = &api.errors;
    let concrete = e.classes.iter().any(|c| !c.is_abstract());
    let classes = || {
        e.classes
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_abstract())
    };
    let mut p = Printed::new();
    p.line(
        0,
        format_args!("impl ::sdkgen_runtime::ErrorClass for {} {{", e.kind_enum),
    );
    if !concrete {
        // A spec with no classes has no table: every API error is the base class.
        p.fixed(
            4,
            "fn from_response(_: &::sdkgen_runtime::ErrorResponse<'_>) -> Self {",
        );
        p.fixed(8, "Self::Other");
        p.fixed(4, "}");
    } else if classes().all(|(_, c)| c.attributes.is_empty()) {
        p.fixed(
            4,
            "fn from_response(r: &::sdkgen_runtime::ErrorResponse<'_>) -> Self {",
        );
        p.fixed(8, "match r.classify(CLASS_RULES) {");
        for (i, c) in classes() {
            p.line(
                12,
                format_args!("Some({i}usize) => Self::{0}({0} {{}}),", c.rust_name),
            );
        }
        p.fixed(12, "_ => Self::Other,");
        p.fixed(8, "}");
        p.fixed(4, "}");
    } else {
        // Reading attributes: expressions whose layout depends on their length, written as
        // tokens for prettyplease to lay out.
        let arms = classes().map(|(i, c)| {
            let id = ident(&c.rust_name);
            let fields = c.attributes.iter().map(|a| {
                let f = ident(&a.rust_name);
                let read = attr_read(a);
                quote!(#f: #read,)
            });
            quote!(Some(#i) => Self::#id(#id { #(#fields)* }),)
        });
        let from_response: TokenStream = quote! {
            fn from_response(r: &::sdkgen_runtime::ErrorResponse<'_>) -> Self {
                match r.classify(CLASS_RULES) {
                    #(#arms)*
                    _ => Self::Other,
                }
            }
        };
        p.tokens(&from_response);
    }
    p.fixed(4, "fn class_name(&self) -> &'static str {");
    p.fixed(8, "match self {");
    for (_, c) in classes() {
        let name = Literal::string(&c.spec_name);
        p.line(12, format_args!("Self::{}(_) => {name},", c.rust_name));
    }
    p.line(
        12,
        format_args!("Self::Other => {},", Literal::string(&e.api.spec_name)),
    );
    p.fixed(8, "}");
    p.fixed(4, "}");
    p.fixed(4, "fn ancestors(&self) -> &'static [&'static str] {");
    p.fixed(8, "match self {");
    for (_, c) in classes() {
        let ancestors: Vec<String> = c
            .ancestors
            .iter()
            .map(|a| Literal::string(a).to_string())
            .collect();
        p.line(
            12,
            format_args!("Self::{}(_) => &[{}],", c.rust_name, ancestors.join(", ")),
        );
    }
    p.fixed(12, "Self::Other => &[],");
    p.fixed(8, "}");
    p.fixed(4, "}");
    p.fixed(0, "}");
    p
}

#[cfg(test)]
mod tests {
    use super::super::printed::corpus::{assert_as_printed, specs};
    use super::*;

    /// Every part of every spec's error file that is written directly is as prettyplease
    /// prints it; the class enum and `ErrorClass` are for most specs.
    #[test]
    fn error_files_of_every_spec_are_as_prettyplease_prints_them() {
        let (mut apis, mut direct) = (0, 0);
        for api in specs() {
            apis += 1;
            let rules = class_rules(&api).ok();
            let parts = [
                Some(head(&api)),
                Some(kind_enum(&api)),
                rules,
                Some(error_class_impl(&api)),
            ];
            let written: Vec<String> = parts
                .into_iter()
                .flatten()
                .filter_map(Printed::finish)
                .collect();
            direct += written.len();
            for text in &written {
                assert_as_printed(text, &api.name);
            }
        }
        assert!(
            apis >= 8 && direct * 10 >= apis * 30,
            "{direct} parts of {apis} files"
        );
    }

    /// A predicate's test stays on one line while shorter than the margin and is broken
    /// before `||` past it, as prettyplease breaks it.
    #[test]
    fn binary_expressions_break_as_prettyplease_breaks_them() {
        let mut broken = Vec::new();
        for n in 1..30 {
            let name = Literal::string(&"N".repeat(n));
            let mut p = Printed::new();
            p.fixed(0, "fn f() -> bool {");
            p.fixed(4, "let name = 1;");
            let right = format!("::sdkgen_runtime::ErrorClass::ancestors(self).contains(&{name})");
            p.binary(4, &format!("name == {name}"), "||", &right);
            p.fixed(0, "}");
            if let Some(text) = p.finish() {
                assert_as_printed(&text, &name.to_string());
                broken.push(text.lines().count() == 5);
            }
        }
        assert!(broken.contains(&true) && broken.contains(&false));
    }
}
