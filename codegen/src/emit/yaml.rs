//! The conformance cases' YAML, printed as `serde_yaml::to_string` prints it, byte for
//! byte, at a fraction of the cost.
//!
//! serde_yaml decides each string's style (plain, quoted) by trying to read it back as
//! every other kind of scalar and then analysing it character by character, once per
//! occurrence: most of what a case file cost to write. Here the block structure (mappings,
//! indentless sequences, `{}` and `[]`) is written directly; a string that is plainly a
//! plain scalar (see [`plainly_plain`]: a word, a path, a header value) is written as it
//! is, and every other string as serde_yaml prints it alone, once per distinct string.
//! Whatever this does not handle exactly (a string with a line break of any kind, a long
//! key, a float, a top level that is not a mapping) makes the whole value go through
//! serde_yaml instead. Tests hold the two to the same bytes over thousands of random
//! values.

use std::collections::hash_map::{Entry, HashMap};

use serde_json::{Map, Value};

/// `value` as `serde_yaml::to_string` prints it.
pub(crate) fn to_string(value: &Value) -> String {
    if let Value::Object(map) = value {
        if !map.is_empty() {
            let mut w = Writer::default();
            if w.mapping(map, 0, false).is_some() {
                return w.out;
            }
        }
    }
    serde_yaml::to_string(value).unwrap_or_default()
}

/// The longest key written here: libyaml writes a key past 128 bytes in the `? key` form.
const MAX_KEY: usize = 128;

#[derive(Default)]
struct Writer<'v> {
    out: String,
    /// serde_yaml's printing of each string that is not plainly plain, by string.
    printed: HashMap<&'v str, String>,
}

impl<'v> Writer<'v> {
    /// A block mapping's entries at `indent`; when `inline`, the first entry's indentation
    /// is already written (after a sequence's `- `).
    fn mapping(&mut self, map: &'v Map<String, Value>, indent: usize, inline: bool) -> Option<()> {
        for (i, (key, value)) in map.iter().enumerate() {
            if !(inline && i == 0) {
                self.indent(indent);
            }
            if key.len() > MAX_KEY {
                return None;
            }
            self.string(key)?;
            self.out.push(':');
            match value {
                Value::Object(m) if !m.is_empty() => {
                    self.out.push('\n');
                    self.mapping(m, indent + 2, false)?;
                }
                // A sequence in a mapping is not indented: its `-` sit under the key.
                Value::Array(items) if !items.is_empty() => {
                    self.out.push('\n');
                    self.sequence(items, indent, false)?;
                }
                scalar => {
                    self.out.push(' ');
                    self.scalar(scalar)?;
                    self.out.push('\n');
                }
            }
        }
        Some(())
    }

    /// A block sequence's items, their `-` at `indent`; `inline` as for [`Self::mapping`].
    fn sequence(&mut self, items: &'v [Value], indent: usize, inline: bool) -> Option<()> {
        for (i, item) in items.iter().enumerate() {
            if !(inline && i == 0) {
                self.indent(indent);
            }
            self.out.push_str("- ");
            match item {
                Value::Object(m) if !m.is_empty() => self.mapping(m, indent + 2, true)?,
                Value::Array(inner) if !inner.is_empty() => {
                    self.sequence(inner, indent + 2, true)?
                }
                scalar => {
                    self.scalar(scalar)?;
                    self.out.push('\n');
                }
            }
        }
        Some(())
    }

    fn indent(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// A scalar, or an empty mapping or sequence (printed in flow style).
    fn scalar(&mut self, value: &'v Value) -> Option<()> {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) if n.is_i64() || n.is_u64() => self.out.push_str(&n.to_string()),
            // serde_yaml's float printing is its own: left to it.
            Value::Number(_) => return None,
            Value::String(s) => self.string(s)?,
            Value::Object(_) => self.out.push_str("{}"),
            Value::Array(_) => self.out.push_str("[]"),
        }
        Some(())
    }

    fn string(&mut self, s: &'v str) -> Option<()> {
        if plainly_plain(s) {
            self.out.push_str(s);
            return Some(());
        }
        // YAML's line breaks (a key holding one is written in the `? key` form).
        if s.contains(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
            return None;
        }
        let printed = match self.printed.entry(s) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => {
                let mut printed = serde_yaml::to_string(s).ok()?;
                if printed.pop() != Some('\n') || printed.contains('\n') {
                    return None;
                }
                slot.insert(printed)
            }
        };
        self.out.push_str(printed);
        Some(())
    }
}

/// Whether serde_yaml prints `s` as it is: an ASCII letter or `/` first, then ASCII
/// letters, digits, spaces and `_ - . / : ( ) , { } + = @`, with no `: ` and not ending in
/// `:` or a space, and not one of the words YAML reads as a boolean or null. So it starts
/// with no YAML indicator and holds no comment or `key: value` separator; the flow
/// indicators it may hold (`,{}`) are plain text in block style, and it is no number.
fn plainly_plain(s: &str) -> bool {
    let b = s.as_bytes();
    b.first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'/')
        && !matches!(b.last(), Some(b' ' | b':'))
        && b.iter().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    b'_' | b'-'
                        | b'.'
                        | b'/'
                        | b' '
                        | b':'
                        | b'('
                        | b')'
                        | b','
                        | b'{'
                        | b'}'
                        | b'+'
                        | b'='
                        | b'@'
                )
        })
        && !s.contains(": ")
        && !matches!(
            s,
            "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "null" | "Null" | "NULL"
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use serde_json::json;

    /// The workspace's seeded generator, so a failure reproduces.
    type Seeded = rand::rngs::StdRng;

    /// Strings from the pieces YAML treats specially, and from plain words.
    fn string(rng: &mut Seeded) -> String {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "name",
            "id",
            "7",
            "0",
            "1.5",
            "-",
            "_",
            ".",
            "/",
            " ",
            ":",
            ": ",
            " #",
            "#",
            "'",
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            "&",
            "*",
            "!",
            "|",
            ">",
            "%",
            "@",
            "`",
            "?",
            "~",
            "true",
            "False",
            "NULL",
            "null",
            "yes",
            "no",
            "on",
            "0x1F",
            "1e3",
            ".inf",
            "-.5",
            "+1",
            "é",
            "✓",
            "\t",
            "{{api_key}}",
            "Bearer ",
            "application/json",
            "---",
            "...",
            "=",
            "\u{7f}",
            "\u{1}",
            "\u{feff}",
            "\u{85}",
            "\u{2028}",
            "inf",
            "nan",
            "0123",
            "00",
            "1_000",
            "2001-12-14",
            "<<",
        ];
        let n = rng.random_range(0..5);
        (0..n)
            .map(|_| PIECES[rng.random_range(0..PIECES.len())])
            .collect()
    }

    fn value(rng: &mut Seeded, depth: usize) -> Value {
        let pick = if depth > 3 {
            rng.random_range(0..5)
        } else {
            rng.random_range(0..8)
        };
        match pick {
            0 => Value::Null,
            1 => Value::Bool(rng.random_range(0..2) == 0),
            2 => json!(rng.random::<i64>() >> rng.random_range(0..64)),
            3 | 4 => Value::String(string(rng)),
            5 | 6 => Value::Object(
                (0..rng.random_range(0..4))
                    .map(|_| (string(rng), value(rng, depth + 1)))
                    .collect(),
            ),
            _ => Value::Array(
                (0..rng.random_range(0..4))
                    .map(|_| value(rng, depth + 1))
                    .collect(),
            ),
        }
    }

    /// The same bytes as serde_yaml for thousands of random mappings, most of them written
    /// here rather than handed to serde_yaml (those that are handed over hold one of YAML's
    /// line breaks somewhere, which the pieces make common).
    #[test]
    fn prints_what_serde_yaml_prints() {
        let mut rng = Seeded::seed_from_u64(0x9e37_79b9_7f4a_7c15);
        let mut written_here = 0;
        let total = 4000;
        for _ in 0..total {
            let v = Value::Object(
                (0..1 + rng.random_range(0..5))
                    .map(|_| (string(&mut rng), value(&mut rng, 0)))
                    .collect(),
            );
            let want = serde_yaml::to_string(&v).unwrap();
            assert_eq!(to_string(&v), want, "for {v}");
            let mut w = Writer::default();
            if let Value::Object(m) = &v {
                written_here += usize::from(w.mapping(m, 0, false).is_some());
            }
        }
        assert!(written_here > total * 6 / 10, "{written_here} of {total}");
    }

    /// What is left to serde_yaml still comes out as it prints it.
    #[test]
    fn hands_over_what_it_does_not_print() {
        let long_key = "k".repeat(MAX_KEY + 1);
        for v in [
            json!({"a": "two\nlines"}),
            json!({"a": 1.5}),
            json!({(long_key): 1}),
            json!(["top", "level"]),
            json!("scalar"),
            json!({}),
        ] {
            assert_eq!(to_string(&v), serde_yaml::to_string(&v).unwrap(), "for {v}");
        }
    }

    /// Every string taken as plainly plain is one serde_yaml prints as it is, over words
    /// made of the characters the rule allows and of those it does not.
    #[test]
    fn plainly_plain_strings_are_printed_as_they_are() {
        for s in [
            "name",
            "a b",
            "pets.create_pet",
            "/pets/{petId}",
            "endpoint:pets.get",
            "petstore/0.1.0 (rust)",
            "Bearer {{api_key}}",
            "a,b",
        ] {
            assert!(plainly_plain(s), "{s}");
        }
        for s in [
            "", "1a", "true", "Null", "a: b", "a:", "a ", " a", "-a", "a#", "é", "{a}",
        ] {
            assert!(!plainly_plain(s), "{s}");
        }
        const CHARS: &[u8] = b"aZy7_-./ :(),{}+=@#'\"!&*|>%`?~[]";
        let mut rng = Seeded::seed_from_u64(0x0123_4567_89ab_cdef);
        let mut plain = 0;
        for _ in 0..40_000 {
            let s: String = (0..1 + rng.random_range(0..6))
                .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
                .collect();
            if plainly_plain(&s) {
                plain += 1;
                assert_eq!(
                    serde_yaml::to_string(&s).unwrap(),
                    format!("{s}\n"),
                    "{s:?}"
                );
            }
        }
        assert!(plain > 1000, "{plain}");
    }
}
