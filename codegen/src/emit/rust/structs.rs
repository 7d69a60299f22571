//! Struct models: what each one is made of, decided in a [`Plan`], then written as the text
//! prettyplease prints, or handed to prettyplease when a line is beyond the layout rules of
//! [`super::printed`].

use proc_macro2::Literal;

use super::printed::{self, Printed};
use crate::model::{self, Api};

/// How a field is held, sent and set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Always present: `T`, an argument of `new`.
    Required,
    /// May be absent: `Option<T>`, omitted when `None`.
    Optional,
    /// Always present but may be null: `Option<T>`, sent as `null` when `None`.
    Nullable,
    /// May be absent or null, which are different things: `Option<Option<T>>`, omitted
    /// (`None`), sent as `null` (`Some(None)`, which clears a value) or sent
    /// (`Some(Some(v))`).
    TriState,
}

/// One field of a [`Plan`].
struct Field<'a> {
    field: &'a model::Field,
    kind: Kind,
    /// Its doc comment's text.
    doc: String,
    /// The wire name differs from the Rust one: `#[serde(rename = ...)]`.
    renamed: bool,
}

/// A struct model as the SDK has it: the struct, its `new` over the required fields, and a
/// `with_` setter for each of the others (and a `clear_` one for a field that may be
/// absent or null).
pub(super) struct Plan<'a> {
    model: &'a model::Model,
    fields: Vec<Field<'a>>,
    doc: String,
    new_doc: String,
}

impl<'a> Plan<'a> {
    pub(super) fn new(m: &'a model::Model, fields: &'a [model::Field]) -> Self {
        let fields = fields
            .iter()
            .map(|f| {
                let wire = &f.spec_name;
                let renamed = f.rust_name.trim_start_matches("r#") != wire;
                let mut doc = f
                    .docs
                    .clone()
                    .unwrap_or_else(|| format!("The `{wire}` field."));
                if renamed {
                    doc.push_str(&format!("\n\nOn the wire: `{wire}`."));
                }
                let kind = match (f.required, f.nullable) {
                    (true, false) => Kind::Required,
                    (false, false) => Kind::Optional,
                    (true, true) => Kind::Nullable,
                    (false, true) => Kind::TriState,
                };
                Field {
                    field: f,
                    kind,
                    doc,
                    renamed,
                }
            })
            .collect();
        Plan {
            model: m,
            fields,
            doc: format!("{}\n\nDocumented as `{}`.", m.docs, m.spec_name),
            new_doc: format!(
                "{} `{}` with its required fields; the optional ones start empty.",
                crate::model::prose::article_capitalized(&m.spec_name),
                m.spec_name
            ),
        }
    }

    fn required(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.kind == Kind::Required)
    }

    /// With nothing required, `new()` takes no arguments and `Default` is the same value.
    fn derives_default(&self) -> bool {
        self.required().next().is_none()
    }

    fn many_arguments(&self) -> bool {
        self.required().count() > 7
    }
}

impl Field<'_> {
    fn setter(&self) -> String {
        crate::model::naming::prefixed("with_", &self.field.rust_name)
    }

    fn setter_doc(&self) -> String {
        format!("Sets `{}`.", self.field.spec_name)
    }

    fn clear(&self) -> String {
        crate::model::naming::prefixed("clear_", &self.field.rust_name)
    }

    fn clear_doc(&self) -> String {
        format!(
            "Sends `{}` as `null`, which clears it (leaving it unset omits it).",
            self.field.spec_name
        )
    }
}

/// A field left out of the JSON sent when it is `None`.
const SKIP_NONE: &str = "#[serde(skip_serializing_if = \"Option::is_none\")]";

/// `Deserialize` of a struct model, which the runtime's `de::Object` carries: the same for
/// every model after its `impl` line.
const DESERIALIZE: &str = "    fn deserialize<D: ::serde::Deserializer<'de>>(
        d: D,
    ) -> ::std::result::Result<Self, D::Error> {
        ::sdkgen_runtime::de::object(d)
    }
}";

/// The head of `Object::read` as prettyplease wraps it (too long for one line), with its
/// three parameters named (`_` for one the body does not use).
fn read_head(slots: &str, index: &str, value: &str) -> String {
    format!(
        "    fn read<'de, V: ::sdkgen_runtime::de::FieldValue<'de>>(
        {slots}: &mut Self::Slots,
        {index}: usize,
        {value}: V,
    ) -> ::std::result::Result<(), V::Error> {{"
    )
}

/// The head of `Object::build` as prettyplease wraps it.
const BUILD: &str = "    fn build<E: ::serde::de::Error>(
        slots: Self::Slots,
    ) -> ::std::result::Result<Self, E> {";

/// `Object`'s `build` of a model without fields, and the end of its impl.
const NO_FIELDS_BUILD: &str =
    "    fn build<E: ::serde::de::Error>(_: Self::Slots) -> ::std::result::Result<Self, E> {
        Ok(Self {})
    }
}";

/// The struct and its `impl`, each gated by `cfg` when there is one, as prettyplease
/// prints them.
pub(super) fn struct_model(
    api: &Api,
    plan: &Plan<'_>,
    cfg: Option<&std::collections::BTreeSet<String>>,
) -> String {
    lines(api, plan, cfg).finish_or_print()
}

/// [`struct_model`]'s lines as written, before prettyplease is asked about any.
fn lines(api: &Api, plan: &Plan<'_>, cfg: Option<&std::collections::BTreeSet<String>>) -> Printed {
    let name = &plan.model.rust_name;
    let mut p = Printed::new();
    p.cfg(cfg);
    p.doc(0, &plan.doc);
    p.fixed(
        0,
        if plan.derives_default() {
            "#[derive(Debug, Clone, PartialEq, Default, ::serde::Serialize)]"
        } else {
            "#[derive(Debug, Clone, PartialEq, ::serde::Serialize)]"
        },
    );
    if plan.fields.is_empty() {
        // `pub struct A {}` and `Self {}`, which prettyplease lays out.
        p.any_layout();
    }
    p.line(0, format_args!("pub struct {name} {{"));
    let types: Vec<String> = plan
        .fields
        .iter()
        .map(|f| printed::rust_type(api, &f.field.ty, None))
        .collect();
    for (f, t) in plan.fields.iter().zip(&types) {
        p.doc(4, &f.doc);
        if f.renamed {
            let wire = Literal::string(&f.field.spec_name);
            p.line(4, format_args!("#[serde(rename = {wire})]"));
        }
        let fid = &f.field.rust_name;
        match f.kind {
            Kind::Required => p.line(4, format_args!("pub {fid}: {t},")),
            Kind::Optional => {
                p.line(4, format_args!("{SKIP_NONE}"));
                p.line(4, format_args!("pub {fid}: Option<{t}>,"));
            }
            Kind::Nullable => p.line(4, format_args!("pub {fid}: Option<{t}>,")),
            Kind::TriState => {
                p.line(4, format_args!("{SKIP_NONE}"));
                p.line(4, format_args!("pub {fid}: Option<Option<{t}>>,"));
            }
        }
    }
    p.line(0, format_args!("}}"));

    p.cfg(cfg);
    p.line(0, format_args!("impl {name} {{"));
    p.doc(4, &plan.new_doc);
    if plan.many_arguments() {
        p.line(4, format_args!("#[allow(clippy::too_many_arguments)]"));
    }
    p.line(4, format_args!("#[inline]"));
    let args: Vec<String> = plan
        .fields
        .iter()
        .zip(&types)
        .filter(|(f, _)| f.kind == Kind::Required)
        .map(|(f, t)| format!("{}: impl Into<{t}>", f.field.rust_name))
        .collect();
    p.signature(4, "pub fn new", &args, " -> Self {");
    let inits: Vec<String> = plan
        .fields
        .iter()
        .map(|f| {
            let fid = &f.field.rust_name;
            if f.kind == Kind::Required {
                format!("{fid}: {fid}.into()")
            } else {
                format!("{fid}: None")
            }
        })
        .collect();
    p.struct_expr(8, "Self", &inits);
    p.line(4, format_args!("}}"));
    for (f, t) in plan.fields.iter().zip(&types) {
        if f.kind == Kind::Required {
            continue;
        }
        let fid = &f.field.rust_name;
        p.doc(4, &f.setter_doc());
        p.line(4, format_args!("#[must_use]"));
        p.signature(
            4,
            &format!("pub fn {}", f.setter()),
            &["mut self".to_owned(), format!("value: impl Into<{t}>")],
            " -> Self {",
        );
        if f.kind == Kind::TriState {
            p.line(8, format_args!("self.{fid} = Some(Some(value.into()));"));
        } else {
            p.line(8, format_args!("self.{fid} = Some(value.into());"));
        }
        p.line(8, format_args!("self"));
        p.line(4, format_args!("}}"));
        if f.kind == Kind::TriState {
            p.doc(4, &f.clear_doc());
            p.line(4, format_args!("#[must_use]"));
            p.line(4, format_args!("#[inline]"));
            p.line(4, format_args!("pub fn {}(mut self) -> Self {{", f.clear()));
            p.line(8, format_args!("self.{fid} = Some(None);"));
            p.line(8, format_args!("self"));
            p.line(4, format_args!("}}"));
        }
    }
    p.line(0, format_args!("}}"));
    deserialize(&mut p, plan, &types, cfg);
    p
}

/// `Deserialize` through the runtime's `de::object`, and the `Object` impl it reads the
/// model by: its name, its fields' wire names, a slot a field, and the model built from
/// the slots. A `null` reads into a slot as `Some(None)`: a field that may be both absent
/// and null keeps that apart from absent (`None`); any other optional field flattens both
/// to `None`, as `#[serde(default)]` on an `Option` does.
fn deserialize(
    p: &mut Printed,
    plan: &Plan<'_>,
    types: &[String],
    cfg: Option<&std::collections::BTreeSet<String>>,
) {
    let name = &plan.model.rust_name;
    let n = plan.fields.len();
    p.cfg(cfg);
    p.impl_for("impl<'de> ::serde::Deserialize<'de>", name);
    p.fixed(0, DESERIALIZE);

    p.cfg(cfg);
    p.impl_for("impl ::sdkgen_runtime::de::Object", name);
    // A string literal is never broken: prettyplease keeps the line whole at any length.
    let name_const = format!(
        "const NAME: &'static str = {};",
        Literal::string(&plan.model.spec_name)
    );
    if name_const.is_ascii() {
        p.fixed(4, &name_const);
    } else {
        p.line(4, format_args!("{name_const}"));
    }
    let wires: Vec<String> = plan
        .fields
        .iter()
        .map(|f| Literal::string(&f.field.spec_name).to_string())
        .collect();
    p.item_list(
        4,
        "const FIELDS: &'static [&'static str] = &[",
        &wires,
        "];",
    );
    if n == 0 {
        p.fixed(4, "type Slots = ();");
        p.fixed(4, "fn empty() -> Self::Slots {}");
        p.fixed(0, &read_head("_", "_", "_"));
        p.fixed(8, "Ok(())");
        p.fixed(4, "}");
        p.fixed(0, NO_FIELDS_BUILD);
        return;
    }
    // A slot is `Option` of what `FieldValue::get` reads: `T` for a required field,
    // `Option<T>` for any other, so that a `null` reads as `Some(None)`.
    let slots: Vec<String> = plan
        .fields
        .iter()
        .zip(types)
        .map(|(f, t)| match f.kind {
            Kind::Required => format!("Option<{t}>"),
            Kind::Optional | Kind::Nullable | Kind::TriState => format!("Option<Option<{t}>>"),
        })
        .collect();
    let nones = vec!["None".to_owned(); n];
    if n == 1 {
        p.line(4, format_args!("type Slots = ({},);", slots[0]));
        p.fixed(4, "fn empty() -> Self::Slots {");
        p.fixed(8, "(None,)");
    } else {
        p.item_list(4, "type Slots = (", &slots, ");");
        p.fixed(4, "fn empty() -> Self::Slots {");
        p.list(8, "(", &nones, ")");
    }
    p.fixed(4, "}");
    if n == 1 {
        // The index is always 0.
        p.fixed(0, &read_head("slots", "_", "value"));
        p.fixed(8, "slots.0 = value.get()?;");
    } else {
        p.fixed(0, &read_head("slots", "index", "value"));
        p.fixed(8, "match index {");
        for i in 0..n {
            if i + 1 < n {
                p.line(12, format_args!("{i} => slots.{i} = value.get()?,"));
            } else {
                p.line(12, format_args!("_ => slots.{i} = value.get()?,"));
            }
        }
        p.fixed(8, "}");
    }
    p.fixed(8, "Ok(())");
    p.fixed(4, "}");
    p.fixed(0, BUILD);
    if plan.required().next().is_some() {
        p.fixed(8, "use ::sdkgen_runtime::de::required;");
    }
    let inits: Vec<String> = plan
        .fields
        .iter()
        .zip(&wires)
        .enumerate()
        .map(|(i, (f, wire))| {
            let fid = &f.field.rust_name;
            match f.kind {
                Kind::Required => format!("{fid}: required(slots.{i}, {wire})?"),
                Kind::Optional | Kind::Nullable => format!("{fid}: slots.{i}.flatten()"),
                Kind::TriState => format!("{fid}: slots.{i}"),
            }
        })
        .collect();
    p.struct_arg(8, "Ok", "Self", &inits);
    p.fixed(4, "}");
    p.fixed(0, "}");
}

#[cfg(test)]
mod tests {
    use super::super::printed::corpus::{api_with, assert_as_printed, specs};
    use super::*;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeSet;

    /// One model's text as written, checked against prettyplease: when every line kept to
    /// the rules, prettyplease prints the text as it is. The text, when it did.
    fn printed_as_prettyplease(
        api: &Api,
        m: &model::Model,
        cfg: Option<&BTreeSet<String>>,
    ) -> Option<String> {
        let model::Shape::Struct(fields) = &m.shape else {
            return None;
        };
        let text = lines(api, &Plan::new(m, fields), cfg).finish()?;
        assert_as_printed(&text, &m.spec_name);
        Some(text)
    }

    /// Every struct model of the seeds and of the test specs (three of them imported from
    /// real OpenAPI documents), with the features that gate it.
    #[test]
    fn printed_models_of_every_spec_are_what_prettyplease_prints() {
        let (mut structs, mut printed) = (0, 0);
        for api in specs() {
            let gates = super::super::model_features(&api);
            for (m, cfg) in api.models.iter().zip(&gates) {
                if matches!(m.shape, model::Shape::Struct(_)) {
                    structs += 1;
                    printed +=
                        usize::from(printed_as_prettyplease(&api, m, cfg.as_ref()).is_some());
                }
            }
        }
        // Most are short enough to be written directly; some are not.
        assert!(structs > 500, "{structs} struct models");
        assert!(
            printed * 10 > structs * 7,
            "{printed} of {structs} printed directly"
        );
        assert!(printed < structs, "none fell back to tokens");
    }

    /// A struct expression goes on one line exactly when prettyplease puts it on one: over
    /// every width around the limit.
    #[test]
    fn struct_expressions_break_where_prettyplease_breaks_them() {
        let (mut one_line, mut broken) = (BTreeSet::new(), BTreeSet::new());
        for a in 1..=12 {
            for b in 1..=12 {
                let spec = serde_json::json!({
                    "name": "Pair",
                    "docs": "Two fields.",
                    "fields": [
                        {"name": "a".repeat(a), "type": "string"},
                        {"name": "b".repeat(b), "type": "string", "required": false},
                    ],
                });
                let api = api_with(vec![spec]);
                let text = printed_as_prettyplease(&api, &api.models[0], None)
                    .expect("short lines are printed directly");
                // `Self { a: a.into(), b: None }` less its closing brace.
                let width = "Self { : .into(), : None ".len() + 2 * a + b;
                if text.contains("        Self {\n") {
                    broken.insert(width);
                } else {
                    one_line.insert(width);
                }
            }
        }
        assert_eq!(one_line.last(), Some(&STRUCT_EXPR_WIDTH_FOR_TESTS));
        assert_eq!(broken.first(), Some(&(STRUCT_EXPR_WIDTH_FOR_TESTS + 1)));
    }

    const STRUCT_EXPR_WIDTH_FOR_TESTS: usize = 34;

    /// A signature stays on one line exactly when prettyplease keeps it on one: over every
    /// length around its margin, for a setter and for `new`.
    #[test]
    fn signatures_break_where_prettyplease_breaks_them() {
        let (mut one_line, mut broken) = (BTreeSet::new(), BTreeSet::new());
        for n in 1..=25 {
            let spec = serde_json::json!({
                "name": "Stamp",
                "docs": "A long signature.",
                "fields": [
                    {"name": "t".repeat(n), "type": "timestamp", "required": false},
                    {"name": "r".repeat(n), "type": "timestamp"},
                    {"name": "s", "type": "map<string>"},
                ],
            });
            let api = api_with(vec![spec]);
            let text = printed_as_prettyplease(&api, &api.models[0], None)
                .expect("short lines are printed directly");
            for head in ["    pub fn with_", "    pub fn new("] {
                let line = text.lines().find(|l| l.starts_with(head)).unwrap();
                if line.ends_with('(') {
                    // The one line it would have been: both have two parameters.
                    let joined: String = text
                        .lines()
                        .skip_while(|l| *l != line)
                        .take(4)
                        .map(str::trim_start)
                        .collect::<Vec<_>>()
                        .join(" ");
                    let len = 4 + joined.len() - 3;
                    broken.insert(len);
                } else {
                    one_line.insert(line.len());
                }
            }
        }
        assert!(one_line.contains(&89), "{one_line:?}");
        assert!(broken.contains(&90), "{broken:?}");
        assert!(
            one_line.iter().all(|&l| l <= 89) && broken.iter().all(|&l| l > 89),
            "{one_line:?} {broken:?}"
        );
    }

    /// Models drawn at random: names short and long, every kind of field and type, docs
    /// with blank lines, trailing spaces, tabs, carriage returns and non-ASCII text, under
    /// no cfg, one feature or several. Each is written directly as prettyplease prints it,
    /// or printed by prettyplease, which then finds nothing to change.
    #[test]
    fn printed_random_models_are_what_prettyplease_prints() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(14);
        const WORDS: &[&str] = &[
            "id",
            "name",
            "type",
            "self",
            "createdAt",
            "x",
            "pet_id",
            "HTTPStatus",
            "value",
            "an_unusually_long_field_name_that_goes_on",
            "déjà",
            "list2",
        ];
        const TYPES: &[&str] = &[
            "string",
            "integer",
            "number",
            "boolean",
            "timestamp",
            "json",
            "list<string>",
            "map<json>",
            "list<Model0>",
            "map<list<Model1>>",
        ];
        const DOCS: &[&str] = &[
            "One line.",
            "Two lines.\nThe second.",
            "A blank line follows.\n\n  Indented, with trailing spaces.   ",
            "A\ttab and unicode: é ✓.",
            "A carriage\rreturn.",
            "The joining \u{1} character.",
            "/ starts with a slash",
            "`code` and \"quotes\" and #hashes",
        ];
        let (mut direct, mut fallback) = (0, 0);
        for round in 0..40 {
            let models: Vec<serde_json::Value> = (0..4)
                .map(|i| {
                    let n = rng.random_range(1..7);
                    let mut seen = BTreeSet::new();
                    let fields: Vec<serde_json::Value> = (0..n)
                        .filter_map(|_| {
                            let mut name = WORDS[rng.random_range(0..WORDS.len())].to_owned();
                            if rng.random_bool(0.2) {
                                name.push_str(&"_more".repeat(rng.random_range(1..8)));
                            }
                            if !seen.insert(name.clone()) {
                                return None;
                            }
                            let mut f = serde_json::json!({
                                "name": name,
                                "type": TYPES[rng.random_range(0..TYPES.len())],
                                "required": rng.random_bool(0.5),
                                "nullable": rng.random_bool(0.3),
                            });
                            if rng.random_bool(0.6) {
                                f["docs"] = DOCS[rng.random_range(0..DOCS.len())].into();
                            }
                            Some(f)
                        })
                        .collect();
                    let name = format!("Model{i}{}", "Long".repeat(rng.random_range(0..12)));
                    let name = if i < 2 { format!("Model{i}") } else { name };
                    serde_json::json!({
                        "name": name,
                        "docs": DOCS[rng.random_range(0..DOCS.len())],
                        "fields": fields,
                    })
                })
                .collect();
            let api = api_with(models);
            for m in &api.models {
                let cfg: Option<BTreeSet<String>> = match rng.random_range(0..4) {
                    0 => None,
                    1 => Some(["pets".to_owned()].into()),
                    2 => Some(["pets".to_owned(), "store".to_owned()].into()),
                    _ => Some((0..6).map(|i| format!("namespace_{i}_{round}")).collect()),
                };
                match printed_as_prettyplease(&api, m, cfg.as_ref()) {
                    Some(_) => direct += 1,
                    None => fallback += 1,
                }
                // prettyplease's own output, which it prints unchanged (unless a comment
                // holds a carriage return, which Rust does not read back).
                let model::Shape::Struct(fields) = &m.shape else {
                    continue;
                };
                let out = struct_model(&api, &Plan::new(m, fields), cfg.as_ref());
                if !out.contains('\r') {
                    assert_as_printed(&out, &m.spec_name);
                }
            }
        }
        assert!(
            direct > 20 && fallback > 20,
            "{direct} direct, {fallback} printed by prettyplease"
        );
    }
}
