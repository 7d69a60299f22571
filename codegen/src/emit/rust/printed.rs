//! Rust written out directly in the layout prettyplease prints, for items so regular that
//! their layout is known without asking it.
//!
//! Parsing tokens with syn and printing them with prettyplease is most of what emitting an
//! item costs; for an item whose every line is short, the printed text is fixed by rules
//! simple enough to follow here: one line per field, attribute and statement, a function
//! signature on one line when it fits the 89-column margin (else a parameter a line), and a
//! struct expression on one line when it is at most 34 columns wide. A [`Printed`] keeps to those
//! rules and says, when done, whether the item stayed inside them; when it did not (a line
//! long enough that prettyplease might wrap it, a character it might measure differently,
//! a doc comment it prints specially), the caller prints the item from tokens instead. So
//! the output is the same either way, which the tests check over every spec they have.

use std::fmt::Write as _;

use proc_macro2::Literal;

use crate::model::Api;
use crate::syntax::TypeExpr;

/// The longest line written here, indentation included. prettyplease wraps at 89 columns;
/// staying well inside that keeps every line out of reach of its line breaking.
const LONGEST_LINE: usize = 80;

/// prettyplease's margin: a function signature stays on one line when that line, its ` {`
/// included, is at most this long.
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

    /// The text, when every line kept to the rules; `None` when the item must be printed
    /// from tokens.
    pub(super) fn finish(self) -> Option<String> {
        self.fits.then_some(self.out)
    }

    /// One line of code at `indent` columns.
    pub(super) fn line(&mut self, indent: usize, code: std::fmt::Arguments<'_>) {
        self.line_within(LONGEST_LINE, indent, code);
    }

    /// One line of code, known to print as written if it is at most `longest` long.
    fn line_within(&mut self, longest: usize, indent: usize, code: std::fmt::Arguments<'_>) {
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
        let one_line = indent
            + head.len()
            + 2
            + params
                .iter()
                .map(|p| p.len() + 2)
                .sum::<usize>()
                .saturating_sub(2)
            + tail.len();
        if one_line <= MARGIN || params.is_empty() {
            self.line_within(
                MARGIN,
                indent,
                format_args!("{head}({}){tail}", params.join(", ")),
            );
        } else {
            self.line(indent, format_args!("{head}("));
            for p in params {
                self.line(indent + 4, format_args!("{p},"));
            }
            self.line(indent, format_args!("){tail}"));
        }
    }

    /// A doc comment's `///` lines, as [`super::doc`] and prettyplease print it: the text
    /// trimmed, each line after a space (an empty one bare), trailing spaces dropped. A text
    /// with a carriage return or the doc-joining character is printed from tokens.
    pub(super) fn doc(&mut self, indent: usize, text: &str) {
        let text = text.trim();
        if text.contains(['\r', super::DOC_LINE_BREAK]) {
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

    /// `Self { a: x, b: y }` at `indent`, on one line when prettyplease would keep it on
    /// one, else a field a line. There is at least one field.
    pub(super) fn struct_expr(&mut self, indent: usize, fields: &[String]) {
        // The width prettyplease measures: `Self {`, a space, the fields with their
        // separators, and the space before `}`.
        let width = "Self {".len() + fields.iter().map(|f| f.len() + 2).sum::<usize>();
        if width <= STRUCT_EXPR_WIDTH {
            self.line(indent, format_args!("Self {{ {} }}", fields.join(", ")));
        } else {
            self.line(indent, format_args!("Self {{"));
            for f in fields {
                self.line(indent + 4, format_args!("{f},"));
            }
            self.line(indent, format_args!("}}"));
        }
    }
}

/// The Rust type of a type expression, as [`super::rust_type`] gives it and prettyplease
/// prints it.
pub(super) fn rust_type(api: &Api, t: &TypeExpr) -> String {
    let mut out = String::new();
    push_type(api, t, &mut out);
    out
}

fn push_type(api: &Api, t: &TypeExpr, out: &mut String) {
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
            push_type(api, inner, out);
            out.push('>');
        }
        TypeExpr::Map(inner) => {
            out.push_str("::std::collections::BTreeMap<String, ");
            push_type(api, inner, out);
            out.push('>');
        }
        TypeExpr::Named(n) => match api.model_index(n) {
            Some(i) => out.push_str(&api.models[i].rust_name),
            None => out.push_str(n),
        },
    }
}
