//! Enum models: a variant per wire value (and `Unknown` keeping a value this version does
//! not know, for an open enum), `as_str`, `Display`, and serde by the wire value. Written as
//! the text prettyplease prints (see [`super::printed`]).

use std::collections::BTreeSet;

use proc_macro2::Literal;

use super::printed::Printed;
use crate::model;

/// The enum and its impls, each gated by `cfg` when there is one, as prettyplease prints
/// them.
pub(super) fn enum_model(
    m: &model::Model,
    values: &[model::EnumValue],
    open: bool,
    cfg: Option<&BTreeSet<String>>,
) -> String {
    lines(m, values, open, cfg).finish_or_print()
}

/// `Serialize` and the head of `Deserialize` after its `impl` line, as prettyplease wraps
/// their signatures (too long for one line).
const SERIALIZE: &str = "    fn serialize<S: ::serde::Serializer>(
        &self,
        s: S,
    ) -> ::std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}";

const DESERIALIZE: &str = "    fn deserialize<D: ::serde::Deserializer<'de>>(
        d: D,
    ) -> ::std::result::Result<Self, D::Error> {
        let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
        match s.as_ref() {";

/// [`enum_model`]'s lines as written, before prettyplease is asked about any.
fn lines(
    m: &model::Model,
    values: &[model::EnumValue],
    open: bool,
    cfg: Option<&BTreeSet<String>>,
) -> Printed {
    let name = &m.rust_name;
    let wires: Vec<Literal> = values.iter().map(|v| Literal::string(&v.wire)).collect();
    let mut p = Printed::new();
    p.cfg(cfg);
    p.doc(
        0,
        &format!(
            "{}\n\nDocumented as `{}`.{}",
            m.docs,
            m.spec_name,
            if open {
                " Values this version does not know are kept in `Unknown`."
            } else {
                ""
            }
        ),
    );
    p.fixed(0, "#[derive(Debug, Clone, PartialEq, Eq, Hash)]");
    if open {
        p.fixed(0, "#[non_exhaustive]");
    }
    p.line(0, format_args!("pub enum {name} {{"));
    for v in values {
        let wire = &v.wire;
        match &v.docs {
            Some(docs) => p.doc(4, &format!("{docs}\n\nOn the wire: `{wire}`")),
            None => p.doc(4, &format!("On the wire: `{wire}`")),
        }
        p.line(4, format_args!("{},", v.rust_name));
    }
    if open {
        p.fixed(
            4,
            "/// A value this version of the SDK does not know, kept as sent.",
        );
        p.fixed(4, "Unknown(String),");
    }
    p.fixed(0, "}");

    p.cfg(cfg);
    p.line(0, format_args!("impl {name} {{"));
    p.fixed(4, "/// The value as sent on the wire.");
    p.fixed(4, "#[inline]");
    p.fixed(4, "pub fn as_str(&self) -> &str {");
    p.fixed(8, "match self {");
    for (v, wire) in values.iter().zip(&wires) {
        p.line(12, format_args!("Self::{} => {wire},", v.rust_name));
    }
    if open {
        p.fixed(12, "Self::Unknown(s) => s,");
    }
    p.fixed(8, "}");
    p.fixed(4, "}");
    p.fixed(0, "}");

    p.cfg(cfg);
    p.impl_for("impl ::std::fmt::Display", name);
    p.fixed(4, "#[inline]");
    p.fixed(
        4,
        "fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {",
    );
    p.fixed(8, "f.write_str(self.as_str())");
    p.fixed(4, "}");
    p.fixed(0, "}");

    p.cfg(cfg);
    p.impl_for("impl ::serde::Serialize", name);
    p.fixed(0, SERIALIZE);

    p.cfg(cfg);
    p.impl_for("impl<'de> ::serde::Deserialize<'de>", name);
    p.fixed(0, DESERIALIZE);
    for (v, wire) in values.iter().zip(&wires) {
        p.line(12, format_args!("{wire} => Ok(Self::{}),", v.rust_name));
    }
    if open {
        p.fixed(12, "other => Ok(Self::Unknown(other.to_owned())),");
    } else {
        // `Err(unknown_variant(other, &[...]))`, which prettyplease lays out by its length.
        p.any_layout();
        let wires: Vec<String> = wires.iter().map(Literal::to_string).collect();
        p.fixed(
            12,
            &format!(
                "other => Err(::serde::de::Error::unknown_variant(other, &[{}])),",
                wires.join(", ")
            ),
        );
    }
    p.fixed(8, "}");
    p.fixed(4, "}");
    p.fixed(0, "}");
    p
}

#[cfg(test)]
mod tests {
    use super::super::printed::corpus::{api_with, assert_as_printed, specs};
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Every enum model of the seeds and the test specs, under the features that gate it:
    /// written directly as prettyplease prints it, or printed by prettyplease.
    #[test]
    fn enums_of_every_spec_are_as_prettyplease_prints_them() {
        let (mut enums, mut direct) = (0, 0);
        for api in specs() {
            let gates = super::super::model_features(&api);
            for (m, cfg) in api.models.iter().zip(&gates) {
                let model::Shape::Enum { values, open } = &m.shape else {
                    continue;
                };
                enums += 1;
                if let Some(text) = lines(m, values, *open, cfg.as_ref()).finish() {
                    direct += 1;
                    assert_as_printed(&text, &m.spec_name);
                }
                let out = enum_model(m, values, *open, cfg.as_ref());
                assert_as_printed(&out, &m.spec_name);
            }
        }
        assert!(enums > 100, "{enums} enums");
        assert!(
            direct * 10 > enums * 8,
            "{direct} of {enums} written directly"
        );
        assert!(direct < enums, "none printed by prettyplease");
    }

    /// Enums drawn at random: open and closed, wire values short, long, quoted and
    /// non-ASCII, docs of every kind.
    #[test]
    fn random_enums_are_as_prettyplease_prints_them() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(14);
        // The benign pieces first; a round draws from the others too one time in three.
        const WIRES: &[&str] = &[
            "a",
            "available",
            "self",
            "2xl",
            "with \"quotes\"",
            "back\\slash",
            "déjà-vu",
            "a-wire-value-long-enough-to-push-its-match-arm-past-the-margin-of-prettyplease",
        ];
        const DOCS: &[&str] = &[
            "One line.",
            "Two lines.\nThe second.",
            "Trailing spaces.   \n\n  Indented.",
            "A carriage\rreturn.",
            "The joining \u{1} character.",
        ];
        let (mut direct, mut printed) = (0, 0);
        for round in 0..60 {
            let hostile = rng.random_bool(0.3);
            let wires = if hostile { WIRES.len() } else { 6 };
            let docs = if hostile { DOCS.len() } else { 3 };
            let n = rng.random_range(1..5);
            let mut values: Vec<serde_json::Value> = Vec::new();
            for w in rand::seq::index::sample(&mut rng, wires, n) {
                let mut v = serde_json::json!({"value": WIRES[w]});
                if rng.random_bool(0.4) {
                    v["docs"] = DOCS[rng.random_range(0..docs)].into();
                }
                values.push(v);
            }
            let open = !hostile || rng.random_bool(0.5);
            let long = if hostile { 18 } else { 8 };
            let name = format!("Kind{round}{}", "Long".repeat(rng.random_range(0..long)));
            let api = api_with(vec![serde_json::json!({
                "name": name,
                "docs": DOCS[rng.random_range(0..docs)],
                "open": open,
                "values": values,
            })]);
            let m = &api.models[0];
            let model::Shape::Enum { values, open } = &m.shape else {
                panic!("not an enum")
            };
            let cfg: Option<BTreeSet<String>> =
                rng.random_bool(0.5).then(|| ["pets".to_owned()].into());
            if let Some(text) = lines(m, values, *open, cfg.as_ref()).finish() {
                direct += 1;
                assert_as_printed(&text, &m.spec_name);
            } else {
                printed += 1;
            }
            let out = enum_model(m, values, *open, cfg.as_ref());
            if !out.contains('\r') {
                assert_as_printed(&out, &m.spec_name);
            }
        }
        assert!(
            direct > 10 && printed > 10,
            "{direct} direct, {printed} printed"
        );
    }
}
