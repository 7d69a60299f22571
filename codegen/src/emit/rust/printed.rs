//! Rust written out directly in the layout prettyplease prints, for items so regular that
//! their layout is known without asking it.
//!
//! Parsing tokens with syn and printing them with prettyplease is most of what emitting an
//! item costs; for an item whose every line fits the margin, the printed text is fixed by
//! rules simple enough to follow here: one line per field, attribute and statement; a
//! function signature on one line when it fits the 89-column margin, else a parameter a
//! line; a chain of calls likewise, else a call a line; and a struct expression on one line
//! when it is at most 34 columns wide. A [`Printed`] keeps to those rules and says, when
//! done, whether the item stayed inside them. When it did not (a line too long, a character
//! prettyplease might measure differently, a doc comment it prints specially, a layout the
//! rules do not cover), the item is printed by prettyplease instead: from its tokens, or
//! from the text read back as tokens. So the output is the same either way, which the tests
//! check over every spec they have, over random items and at each rule's boundary.

use std::fmt::Write as _;

use proc_macro2::Literal;

use crate::model::Api;
use crate::syntax::TypeExpr;

/// prettyplease's margin: a line it could break stays whole when it is at most this long,
/// indentation and a closing ` {` or `;` included.
const MARGIN: usize = 89;

/// prettyplease prints a struct expression (`Self { a, b }`) on one line when the text
/// from its path to its closing space is at most this wide.
const STRUCT_EXPR_WIDTH: usize = 34;

/// An item's text, line by line, and whether it kept to the layout rules (see the module).
pub(super) struct Printed {
    out: String,
    fits: bool,
}

impl Printed {
    pub(super) fn new() -> Self {
        Printed {
            out: String::with_capacity(1024),
            fits: true,
        }
    }

    /// The text, when every line kept to the rules; `None` when prettyplease must print it.
    #[cfg(test)]
    pub(super) fn finish(self) -> Option<String> {
        self.fits.then_some(self.out)
    }

    /// The text, when every line kept to the rules; else the text read back as tokens and
    /// printed by prettyplease.
    pub(super) fn finish_or_print(self) -> String {
        if self.fits {
            return self.out;
        }
        super::unparse(read_back(&self.out))
    }

    /// Whether a line of these parts at `indent` fits the margin.
    pub(super) fn fits(&self, indent: usize, parts: &[&str]) -> bool {
        indent + parts.iter().map(|p| p.len()).sum::<usize>() <= MARGIN
    }

    /// Tokens written as their text, for prettyplease to lay out.
    pub(super) fn tokens(&mut self, tokens: &proc_macro2::TokenStream) {
        self.out.push_str(&tokens.to_string());
        self.out.push('\n');
        self.fits = false;
    }

    /// `left op right` (`a || b`) on one line when it is shorter than the margin, else
    /// broken before the operator, as prettyplease breaks a binary expression.
    pub(super) fn binary(&mut self, indent: usize, left: &str, op: &str, right: &str) {
        let one_line = indent + left.len() + op.len() + right.len() + 2;
        if one_line < MARGIN {
            self.line(indent, format_args!("{left} {op} {right}"));
        } else {
            if one_line == MARGIN {
                // Whether prettyplease breaks it depends on what follows.
                self.fits = false;
            }
            self.line(indent, format_args!("{left}"));
            self.line(indent + 4, format_args!("{op} {right}"));
        }
    }

    /// Lines whose layout is not one of the rules: the item is printed by prettyplease.
    pub(super) fn any_layout(&mut self) {
        self.fits = false;
    }

    /// One line of code at `indent` columns, which prettyplease prints as written when it
    /// is shorter than the margin. (A line as long as the margin is not sure to: the space
    /// prettyplease may put after it counts against the margin too.)
    pub(super) fn line(&mut self, indent: usize, code: std::fmt::Arguments<'_>) {
        self.line_within(MARGIN - 1, indent, code, "");
    }

    /// A line whose layout the caller chose by measuring it against the margin, by a rule
    /// the tests check at the margin's edge: it may be as long as the margin.
    pub(super) fn measured_line(&mut self, indent: usize, code: std::fmt::Arguments<'_>) {
        self.line_within(MARGIN, indent, code, "");
    }

    /// A line measured against the margin followed by `tail`, which prettyplease does not
    /// measure: the trailing comma of the last item of a broken list.
    fn line_then(&mut self, indent: usize, code: std::fmt::Arguments<'_>, tail: &str) {
        self.line_within(MARGIN, indent, code, tail);
    }

    fn line_within(
        &mut self,
        longest: usize,
        indent: usize,
        code: std::fmt::Arguments<'_>,
        tail: &str,
    ) {
        let start = self.out.len();
        for _ in 0..indent {
            self.out.push(' ');
        }
        // Writing to a `String` cannot fail.
        let _ = self.out.write_fmt(code);
        let line = &self.out[start..];
        if line.len() > longest || !line.is_ascii() {
            self.fits = false;
        }
        self.out.push_str(tail);
        self.out.push('\n');
    }

    /// A line prettyplease prints as it is whatever its length (a `derive` list, which it
    /// never wraps).
    pub(super) fn fixed(&mut self, indent: usize, line: &str) {
        for _ in 0..indent {
            self.out.push(' ');
        }
        self.out.push_str(line);
        self.out.push('\n');
    }

    /// A function's signature and the `{` of its body: `head(params) tail` on one line when
    /// it fits prettyplease's margin, else a parameter a line.
    pub(super) fn signature(&mut self, indent: usize, head: &str, params: &[String], tail: &str) {
        let one_line = indent + head.len() + 2 + joined_len(params) + tail.len();
        if one_line <= MARGIN || params.is_empty() {
            self.measured_line(indent, format_args!("{head}({}){tail}", params.join(", ")));
        } else {
            self.line(indent, format_args!("{head}("));
            for p in params {
                self.line(indent + 4, format_args!("{p},"));
            }
            self.line(indent, format_args!("){tail}"));
        }
    }

    /// A struct expression's field holding an array (`name: &[a, b],`), laid out as
    /// [`Printed::list`] lays out a statement's.
    pub(super) fn field_list(&mut self, indent: usize, name: &str, items: &[String]) {
        self.list(indent, &format!("{name}: &["), items, "],");
    }

    /// A struct expression's field holding an array of structs, built as tokens: `&[]`
    /// when there are none, else for prettyplease to lay out.
    pub(super) fn struct_list(
        &mut self,
        indent: usize,
        name: &str,
        items: impl Iterator<Item = proc_macro2::TokenStream>,
    ) {
        let items: Vec<proc_macro2::TokenStream> = items.collect();
        if items.is_empty() {
            self.line(indent, format_args!("{name}: &[],"));
        } else {
            let name = quote::format_ident!("{}", name);
            self.tokens(&quote::quote!(#name: &[#(#items),*],));
        }
    }

    /// A struct expression's field holding a struct (`name: Path { a, b },`), laid out by
    /// the struct expression's width, as [`Printed::struct_expr`].
    pub(super) fn field_struct(
        &mut self,
        indent: usize,
        name: &str,
        path: &str,
        fields: &[String],
    ) {
        self.struct_lit(indent, &format!("{name}: "), path, fields, ",");
    }

    /// An array ending a line (`let a = &[x, y];`, `name: &[x, y],`): `head`, the items
    /// and `tail` on one line when they fit the margin, else an item a line between them.
    /// (One as long as the margin is left to prettyplease, as [`Printed::line`] says.)
    pub(super) fn list(&mut self, indent: usize, head: &str, items: &[String], tail: &str) {
        let one_line = indent + head.len() + joined_len(items) + tail.len();
        if one_line <= MARGIN {
            self.line(indent, format_args!("{head}{}{tail}", items.join(", ")));
            return;
        }
        self.line(indent, format_args!("{head}"));
        for item in items {
            if is_string_literal(item) && item.is_ascii() {
                // A literal cannot be broken: prettyplease prints it on its own line
                // whatever its length (a long path in a list of paths).
                self.fixed(indent + 4, &format!("{item},"));
            } else {
                self.line(indent + 4, format_args!("{item},"));
            }
        }
        self.line(indent, format_args!("{tail}"));
    }

    /// An associated `const` or `type` whose value is a list (`const A: &[&str] = &[x, y];`,
    /// `type T = (A, B);`): laid out as [`Printed::list`] lays out a statement's, except that
    /// prettyplease keeps such an item whole when it is exactly as long as the margin too.
    pub(super) fn item_list(&mut self, indent: usize, head: &str, items: &[String], tail: &str) {
        let one_line = indent + head.len() + joined_len(items) + tail.len();
        if one_line == MARGIN {
            self.measured_line(indent, format_args!("{head}{}{tail}", items.join(", ")));
        } else {
            self.list(indent, head, items, tail);
        }
    }

    /// A trait impl's first line, `{head} for {ty} {`: whole when it fits the margin, else
    /// broken before `for`, as prettyplease breaks it.
    pub(super) fn impl_for(&mut self, head: &str, ty: &str) {
        if head.len() + " for ".len() + ty.len() + " {".len() <= MARGIN {
            self.measured_line(0, format_args!("{head} for {ty} {{"));
        } else {
            self.line(0, format_args!("{head}"));
            self.line(0, format_args!("for {ty} {{"));
        }
    }

    /// A macro call (`format!(..)`) as the last item of a broken list, its trailing comma
    /// after it: on one line when it fits the margin (the comma not counted), else the
    /// arguments on lines of their own, as many to a line as fit, as prettyplease fills a
    /// macro's.
    pub(super) fn last_macro_call(&mut self, indent: usize, name: &str, args: &[String]) {
        let one_line = indent + name.len() + 2 + joined_len(args);
        if one_line <= MARGIN {
            self.line_then(indent, format_args!("{name}({})", args.join(", ")), ",");
            return;
        }
        self.line(indent, format_args!("{name}("));
        let inner = indent + 4;
        let mut current = String::new();
        for (i, arg) in args.iter().enumerate() {
            let comma = if i + 1 < args.len() { "," } else { "" };
            if !current.is_empty() && inner + current.len() + 1 + arg.len() + comma.len() > MARGIN {
                self.line(inner, format_args!("{current}"));
                current.clear();
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(arg);
            current.push_str(comma);
        }
        self.line(inner, format_args!("{current}"));
        self.line(indent, format_args!("),"));
    }

    /// A statement that is a chain of method calls on `receiver` (`let x = client` and
    /// `.a()`, `.b(y)`), ended by `end`: on one line when it fits the margin, else a call a
    /// line after the receiver, as prettyplease breaks a chain of two calls or more.
    pub(super) fn chain(&mut self, indent: usize, receiver: &str, calls: &[String], end: &str) {
        let one_line =
            indent + receiver.len() + calls.iter().map(String::len).sum::<usize>() + end.len();
        if one_line <= MARGIN || calls.len() < 2 {
            self.measured_line(indent, format_args!("{receiver}{}{end}", calls.concat()));
            return;
        }
        self.line(indent, format_args!("{receiver}"));
        for (i, call) in calls.iter().enumerate() {
            let end = if i + 1 == calls.len() { end } else { "" };
            self.line(indent + 4, format_args!("{call}{end}"));
        }
    }

    /// A doc comment's `///` lines, as [`super::doc`] and prettyplease print it: the text
    /// trimmed, each line after a space (an empty one bare), trailing spaces dropped. A text
    /// with a carriage return or the doc-joining character is written as [`super::doc`]'s
    /// attributes instead, for prettyplease to print.
    pub(super) fn doc(&mut self, indent: usize, text: &str) {
        let text = text.trim();
        if text.contains(['\r', super::DOC_LINE_BREAK]) {
            self.out.push_str(&super::doc(text).to_string());
            self.out.push('\n');
            self.fits = false;
            return;
        }
        for line in text.lines() {
            for _ in 0..indent {
                self.out.push(' ');
            }
            self.out.push_str("///");
            let line = line.trim_end_matches(' ');
            if !line.is_empty() {
                self.out.push(' ');
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    /// `#[cfg(...)]` of a set of features (see [`super::cfg_any`]), when there is one.
    pub(super) fn cfg(&mut self, features: Option<&std::collections::BTreeSet<String>>) {
        let Some(features) = features else { return };
        let mut cfg = String::new();
        for (i, f) in features.iter().enumerate() {
            if i > 0 {
                cfg.push_str(", ");
            }
            let _ = write!(cfg, "feature = {}", Literal::string(f));
        }
        if features.len() == 1 {
            self.line(0, format_args!("#[cfg({cfg})]"));
        } else {
            self.line(0, format_args!("#[cfg(any({cfg}))]"));
        }
    }

    /// `#[cfg(feature = ...)]` at `indent`, when there is a feature.
    pub(super) fn feature(&mut self, indent: usize, feature: Option<&str>) {
        if let Some(f) = feature {
            let f = Literal::string(f);
            self.line(indent, format_args!("#[cfg(feature = {f})]"));
        }
    }

    /// `Path { a: x, b: y }` at `indent`, on one line when prettyplease would keep it on
    /// one, else a field a line. There is at least one field.
    pub(super) fn struct_expr(&mut self, indent: usize, path: &str, fields: &[String]) {
        self.struct_lit(indent, "", path, fields, "");
    }

    /// A struct expression that is a call's one argument (`Ok(Self { a })`), laid out as
    /// [`Printed::struct_expr`] lays out one alone.
    pub(super) fn struct_arg(&mut self, indent: usize, call: &str, path: &str, fields: &[String]) {
        self.struct_lit(indent, &format!("{call}("), path, fields, ")");
    }

    /// [`Printed::struct_expr`] after `lead` and before `trail` on its first and last line.
    fn struct_lit(
        &mut self,
        indent: usize,
        lead: &str,
        path: &str,
        fields: &[String],
        trail: &str,
    ) {
        // The width prettyplease measures: the path and ` {`, a space, the fields with their
        // separators, and the space before `}`.
        let width = path.len() + " { ".len() + joined_len(fields) + 1;
        if width <= STRUCT_EXPR_WIDTH {
            self.line(
                indent,
                format_args!("{lead}{path} {{ {} }}{trail}", fields.join(", ")),
            );
        } else {
            self.line(indent, format_args!("{lead}{path} {{"));
            for f in fields {
                self.line(indent + 4, format_args!("{f},"));
            }
            self.line(indent, format_args!("}}{trail}"));
        }
    }
}

/// Rust written as text, as tokens. Text written here always lexes; should some not, the
/// tokens are a `compile_error!` saying why, which the crate's compilation shows.
pub(super) fn read_back(text: &str) -> proc_macro2::TokenStream {
    text.parse().unwrap_or_else(|e| {
        let e = format!("generated code did not lex: {e}");
        quote::quote!(compile_error!(#e);)
    })
}

/// A table of status ranges' items, `(lo, hi)` each, as [`super::status_table`] has them.
pub(super) fn status_items(ranges: &[crate::syntax::StatusRange]) -> Vec<String> {
    ranges
        .iter()
        .map(|r| format!("({}, {})", r.lo, r.hi))
        .collect()
}

/// Whether `item` is one string literal (`"…"`, its inner quotes escaped), which
/// prettyplease never breaks.
fn is_string_literal(item: &str) -> bool {
    let Some(inner) = item.strip_prefix('"').and_then(|i| i.strip_suffix('"')) else {
        return false;
    };
    let mut escaped = false;
    for c in inner.chars() {
        if !escaped && c == '"' {
            return false;
        }
        escaped = !escaped && c == '\\';
    }
    // A final backslash would escape the closing quote.
    !escaped
}

/// The length of items joined by `, `.
fn joined_len(items: &[String]) -> usize {
    items
        .iter()
        .map(|i| i.len() + 2)
        .sum::<usize>()
        .saturating_sub(2)
}

/// The Rust type of a type expression, as prettyplease prints it (and, read back, the
/// tokens [`super::rust_type`] gives); a model's name is qualified by `krate` when there is one (code outside the
/// SDK crate).
pub(super) fn rust_type(api: &Api, t: &TypeExpr, krate: Option<&str>) -> String {
    let mut out = String::new();
    push_type(api, t, krate, &mut out);
    out
}

fn push_type(api: &Api, t: &TypeExpr, krate: Option<&str>, out: &mut String) {
    match t {
        TypeExpr::String => out.push_str("String"),
        TypeExpr::Integer => out.push_str("i64"),
        TypeExpr::Number => out.push_str("f64"),
        TypeExpr::Boolean => out.push_str("bool"),
        TypeExpr::Timestamp => out.push_str("::sdkgen_runtime::Timestamp"),
        TypeExpr::Json => out.push_str("::serde_json::Value"),
        TypeExpr::File => out.push_str("::sdkgen_runtime::File"),
        TypeExpr::List(inner) => {
            out.push_str("Vec<");
            push_type(api, inner, krate, out);
            out.push('>');
        }
        TypeExpr::Map(inner) => {
            out.push_str("::std::collections::BTreeMap<String, ");
            push_type(api, inner, krate, out);
            out.push('>');
        }
        TypeExpr::Named(n) => {
            if let Some(krate) = krate {
                out.push_str(krate);
                out.push_str("::");
            }
            match api.model_index(n) {
                Some(i) => out.push_str(&api.models[i].rust_name),
                None => out.push_str(n),
            }
        }
    }
}

/// What the tests of the items written here share: the specs they are tried on, and the
/// check that a text is as prettyplease prints it.
#[cfg(test)]
pub(super) mod corpus {
    use std::path::{Path, PathBuf};

    use crate::model::Api;

    /// The seeds and the test specs (three of them imported from real OpenAPI documents).
    pub(in crate::emit::rust) fn paths() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = vec![
            root.join("../spec/memsy.yaml"),
            root.join("../spec/mnemexa.yaml"),
        ];
        for entry in std::fs::read_dir(root.join("tests/good_specs")).unwrap() {
            paths.push(entry.unwrap().path());
        }
        paths.sort();
        paths
    }

    /// [`paths`] resolved.
    pub(in crate::emit::rust) fn specs() -> Vec<Api> {
        paths()
            .iter()
            .map(|path| resolve(path, std::fs::read_to_string(path).unwrap()))
            .collect()
    }

    /// A spec's text resolved, its OpenAPI documents read beside `path`.
    pub(in crate::emit::rust) fn resolve(path: &Path, text: String) -> Api {
        let dir = path.parent().unwrap();
        let documents =
            crate::read_documents(&text, |rel| std::fs::read_to_string(dir.join(rel)).ok());
        let source = crate::SpecSource {
            path: path.display().to_string(),
            text,
            documents,
        };
        crate::resolve(&source).unwrap_or_else(|d| panic!("{}: {d:?}", path.display()))
    }

    /// A spec of these models (JSON values of the spec's `models` list), resolved.
    pub(in crate::emit::rust) fn api_with(models: Vec<serde_json::Value>) -> Api {
        let spec = serde_json::json!({
            "api": {
                "name": "Shapes",
                "crate": "shapes",
                "version": "0.1.0",
                "docs": "Models only.",
                "base_url": "http://localhost:8080",
                "auth": {"scheme": "none"},
            },
            "errors": {
                "root": {"name": "ShapesError", "docs": "Root."},
                "connection": {"name": "ShapesConnectionError", "docs": "Transport."},
                "api": {"name": "ShapesApiError", "docs": "Any API error."},
            },
            "models": models,
        });
        let source = crate::SpecSource {
            path: "shapes.yaml".into(),
            text: serde_yaml::to_string(&spec).unwrap(),
            documents: Default::default(),
        };
        crate::resolve(&source).unwrap_or_else(|d| panic!("{d:?}\n{}", source.text))
    }

    /// Asserts that prettyplease prints `text` as it is.
    pub(in crate::emit::rust) fn assert_as_printed(text: &str, what: &str) {
        let tokens: proc_macro2::TokenStream = text.parse().unwrap();
        assert_eq!(super::super::unparse(tokens), text, "{what}");
    }
}

#[cfg(test)]
mod tests {
    use super::corpus::assert_as_printed;
    use super::*;

    /// A chain of calls stays on one line up to the margin, its `;` counted, and is broken
    /// a call a line past it, as prettyplease does: at every length around the margin.
    #[test]
    fn chains_break_at_the_margin_as_prettyplease_breaks_them() {
        let mut seen = Vec::new();
        for len in 80..=95 {
            // `    let builder = client.group()` and `.method(&x);` make `len` columns.
            let method = "m".repeat(len - 4 - "let builder = client.group().(&x);".len());
            let mut p = Printed::new();
            p.fixed(0, "fn f() {");
            let calls = [".group()".to_owned(), format!(".{method}(&x)")];
            p.chain(4, "let builder = client", &calls, ";");
            p.fixed(0, "}");
            let text = p.finish().expect("every line fits");
            assert_as_printed(&text, &format!("{len} columns"));
            seen.push((len, text.lines().count() == 3));
        }
        assert!(
            seen.contains(&(89, true)) && seen.contains(&(90, false)),
            "{seen:?}"
        );
    }

    /// A list of string literals, one longer than the margin, is written directly and as
    /// prettyplease prints it: the long literal alone on its line.
    #[test]
    fn a_literal_past_the_margin_keeps_its_line_in_a_list() {
        for len in [70, 88, 89, 90, 120] {
            let long = format!("\"/{}\"", "p".repeat(len));
            let items = ["\"/a\"".to_owned(), long.clone(), "\"/b\"".to_owned()];
            let mut p = Printed::new();
            p.fixed(0, "static S: Spec = Spec {");
            p.field_list(4, "paths", &items);
            p.fixed(0, "};");
            let text = p.finish().expect("a literal is never broken");
            assert_as_printed(&text, &format!("{len} columns"));
            assert!(text.contains(&format!("\n        {long},\n")), "{text}");
        }
    }

    /// A trait impl's first line is broken before `for` exactly where prettyplease breaks
    /// it: at every length around the margin, for each trait the models implement.
    #[test]
    fn impl_lines_break_at_the_margin_as_prettyplease_breaks_them() {
        let mut seen = Vec::new();
        for head in [
            "impl<'de> ::serde::Deserialize<'de>",
            "impl ::sdkgen_runtime::de::Object",
            "impl ::serde::Serialize",
            "impl ::std::fmt::Display",
        ] {
            for len in 84..=95 {
                let ty = "T".repeat(len - head.len() - " for  {".len());
                let mut p = Printed::new();
                p.impl_for(head, &ty);
                p.fixed(4, "fn f() {}");
                p.fixed(0, "}");
                let text = p.finish().expect("every line fits");
                assert_as_printed(&text, &format!("{head}: {len} columns"));
                seen.push((len, text.lines().count() == 3));
            }
        }
        assert!(
            seen.contains(&(89, true)) && seen.contains(&(90, false)),
            "{seen:?}"
        );
    }

    /// An associated `const` or `type` holding a list stays whole up to the margin, and is
    /// broken an item a line past it, as prettyplease does.
    #[test]
    fn item_lists_break_at_the_margin_as_prettyplease_breaks_them() {
        let mut seen = Vec::new();
        for len in 84..=95 {
            for (head, tail, item) in [
                ("const FIELDS: &'static [&'static str] = &[", "];", "\"w\""),
                ("type Slots = (", ");", "Option<W>"),
            ] {
                // Two items, the first padded to make the line `len` columns.
                let pad = len - 4 - head.len() - tail.len() - item.len() - ", ".len();
                let first = item
                    .replace('w', &"w".repeat(pad - 2))
                    .replace('W', &"W".repeat(pad - 8));
                let items = [first, item.to_owned()];
                let mut p = Printed::new();
                p.fixed(0, "impl X {");
                p.item_list(4, head, &items, tail);
                p.fixed(0, "}");
                let text = p.finish().expect("every line fits");
                assert_as_printed(&text, &format!("{head}: {len} columns"));
                seen.push((len, text.lines().count() == 3));
            }
        }
        assert!(
            seen.contains(&(89, true)) && seen.contains(&(90, false)),
            "{seen:?}"
        );
    }

    #[test]
    fn string_literals_are_told_from_other_items() {
        for yes in [r#""""#, r#""/a/b""#, r#""a\"b""#, r#""a\\""#] {
            assert!(is_string_literal(yes), "{yes}");
        }
        for no in [
            r#""a" + "b""#,
            r#""a\""#,
            r#"("a", "b")"#,
            "x",
            r#"""#,
            r#""a"b""#,
        ] {
            assert!(!is_string_literal(no), "{no}");
        }
    }
}
