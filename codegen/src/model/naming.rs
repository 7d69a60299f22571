//! The one place spec names become Rust names.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// What a name is for; each kind has its own case and escaping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A type: `UpperCamelCase`, acronyms folded (`MemsyAPIError` -> `MemsyApiError`).
    Type,
    /// A field, method or parameter: `snake_case`, keywords raw (`type` -> `r#type`).
    Field,
    /// An enum variant from a wire value: `UpperCamelCase`, a leading digit prefixed with `V`.
    Variant,
}

/// Rust's strict and reserved keywords (2021 edition and later).
const KEYWORDS: [&str; 51] = [
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore instead.
const NOT_RAW: [&str; 4] = ["crate", "self", "Self", "super"];

/// Converts a spec name to the Rust name of the given kind. Empty when nothing of the name
/// can be an identifier (`check` reports that).
pub fn rust_name(spec_name: &str, kind: NameKind) -> String {
    // Characters outside identifiers (`-`, `.`, spaces) separate words.
    let cleaned: String = spec_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    match kind {
        // `Self` is the one keyword a camel-cased name can become; it cannot be raw.
        NameKind::Type => not_self(upper_camel(&cleaned)),
        NameKind::Variant => {
            let n = upper_camel(&cleaned);
            if n.starts_with(|c: char| c.is_ascii_digit()) {
                format!("V{n}")
            } else {
                not_self(n)
            }
        }
        NameKind::Field => {
            let n = snake(&cleaned);
            if n.starts_with(|c: char| c.is_ascii_digit()) {
                format!("_{n}")
            } else if NOT_RAW.contains(&n.as_str()) {
                format!("{n}_")
            } else if KEYWORDS.contains(&n.as_str()) {
                format!("r#{n}")
            } else {
                n
            }
        }
    }
}

/// `s` in `snake_case`, exactly as heck's `to_snake_case` gives it. A name already in that
/// form (ASCII lowercase letters and digits, words joined by single underscores), as most
/// wire names are, comes back as it is, without heck's formatting of every character.
pub fn snake(s: &str) -> String {
    let b = s.as_bytes();
    let already = b.first().is_some_and(|&c| c != b'_')
        && b.last().is_some_and(|&c| c != b'_')
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
        && !s.contains("__");
    if already {
        s.to_owned()
    } else {
        s.to_snake_case()
    }
}

/// `s` in `UpperCamelCase`, exactly as heck's `to_upper_camel_case` gives it. A name already
/// in that form (ASCII letters and digits, a capital first, and every other capital right
/// after a lowercase letter, so no acronym to fold) comes back as it is.
pub fn upper_camel(s: &str) -> String {
    let b = s.as_bytes();
    let already = b.first().is_some_and(u8::is_ascii_uppercase)
        && b.iter().all(u8::is_ascii_alphanumeric)
        && b.windows(2)
            .all(|w| !w[1].is_ascii_uppercase() || w[0].is_ascii_lowercase());
    if already {
        s.to_owned()
    } else {
        s.to_upper_camel_case()
    }
}

fn not_self(n: String) -> String {
    if n == "Self" {
        "Self_".to_owned()
    } else {
        n
    }
}

/// Methods every generated call builder has; an optional parameter's setter of the same
/// name takes a `_param` suffix.
pub const CALL_METHODS: [&str; 8] = [
    "timeout",
    "max_retries",
    "header",
    "idempotency_key",
    "send",
    "pages",
    "items",
    "stream",
];

/// The setter of an optional parameter whose Rust name is `rust_name`.
pub fn setter_name(rust_name: &str) -> String {
    let plain = rust_name.trim_start_matches("r#");
    if CALL_METHODS.contains(&plain) {
        format!("{plain}_param")
    } else {
        rust_name.to_owned()
    }
}

/// Whether `name` (as [`rust_name`] returns it, raw or not) is an identifier Rust accepts:
/// what syn parses as one (its keywords are this module's `KEYWORDS`), the whole of
/// `name` (no space or comment around it), read from the characters rather than by lexing
/// and parsing it.
pub fn is_ident(name: &str) -> bool {
    let (raw, body) = match name.strip_prefix("r#") {
        Some(body) => (true, body),
        None => (false, name),
    };
    let mut chars = body.chars();
    let starts = chars
        .next()
        .is_some_and(|c| c == '_' || unicode_ident::is_xid_start(c));
    if !starts || !chars.all(unicode_ident::is_xid_continue) || body == "_" {
        return false;
    }
    if raw {
        !NOT_RAW.contains(&body)
    } else {
        !KEYWORDS.contains(&body)
    }
}

/// The name of a method made from a prefix and a field's Rust name (`with_` + `r#type` ->
/// `with_type`, `with_` + `_1st` -> `with_1st`): never a raw or doubled underscore.
pub fn prefixed(prefix: &str, rust_name: &str) -> String {
    format!(
        "{prefix}{}",
        rust_name.trim_start_matches("r#").trim_start_matches('_')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_ident` answers as syn's parser does, for every keyword, raw or not, and for every
    /// string of up to four characters over letters, digits, `_`, `#`, non-ASCII letters
    /// and marks, a space, and a character no identifier holds.
    #[test]
    fn is_ident_agrees_with_syn() {
        let syn_says = |s: &str| syn::parse_str::<syn::Ident>(s).is_ok();
        let mut words: Vec<String> = KEYWORDS
            .iter()
            .chain(["_", "union", "gen", "macro_rules", "default"].iter())
            .flat_map(|k| [k.to_string(), format!("r#{k}")])
            .collect();
        const ALPHABET: [&str; 10] = [
            "a", "Z", "1", "_", "r#", "é", "\u{301}", "\u{661}", " ", "-",
        ];
        let mut level = vec![String::new()];
        for _ in 0..4 {
            level = level
                .iter()
                .flat_map(|w| ALPHABET.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(level.iter().cloned());
        }
        let mut accepted = 0;
        for w in &words {
            assert_eq!(is_ident(w), syn_says(w.trim()) && w.trim() == w, "{w:?}");
            accepted += usize::from(is_ident(w));
        }
        assert!(accepted > 1000 && accepted < words.len() / 2, "{accepted}");
    }

    /// The shortcuts give heck's answer for every string of up to six characters over
    /// lowercase and capital letters, a digit, `_` and `-`: both the names they return as
    /// they are and those they hand to heck.
    #[test]
    fn shortcuts_agree_with_heck() {
        const ALPHABET: [char; 7] = ['a', 'b', 'A', 'B', '1', '_', '-'];
        let mut words = vec![String::new()];
        let mut checked = 0;
        for _ in 0..6 {
            let mut longer = Vec::with_capacity(words.len() * ALPHABET.len());
            for w in &words {
                for c in ALPHABET {
                    let s = format!("{w}{c}");
                    assert_eq!(snake(&s), s.to_snake_case(), "snake {s:?}");
                    assert_eq!(upper_camel(&s), s.to_upper_camel_case(), "camel {s:?}");
                    checked += 1;
                    longer.push(s);
                }
            }
            words = longer;
        }
        assert_eq!(checked, (1..=6).map(|n| 7usize.pow(n)).sum::<usize>());
        for s in [
            "",
            "Address",
            "PetStatus",
            "V2Beta",
            "A1B",
            "HTTPError",
            "x_request_id",
        ] {
            assert_eq!(snake(s), s.to_snake_case(), "snake {s:?}");
            assert_eq!(upper_camel(s), s.to_upper_camel_case(), "camel {s:?}");
        }
    }

    #[test]
    fn types_fold_acronyms() {
        assert_eq!(rust_name("MemsyAPIError", NameKind::Type), "MemsyApiError");
        assert_eq!(
            rust_name("OrgIdNotAllowedError", NameKind::Type),
            "OrgIdNotAllowedError"
        );
        assert_eq!(rust_name("HTTPError", NameKind::Type), "HttpError");
        assert_eq!(rust_name("rate-limit", NameKind::Type), "RateLimit");
    }

    #[test]
    fn fields_escape_keywords() {
        assert_eq!(rust_name("type", NameKind::Field), "r#type");
        assert_eq!(rust_name("self", NameKind::Field), "self_");
        assert_eq!(
            rust_name("requiredScope", NameKind::Field),
            "required_scope"
        );
        assert_eq!(rust_name("x-request-id", NameKind::Field), "x_request_id");
        assert_eq!(rust_name("2fa", NameKind::Field), "_2fa");
    }

    #[test]
    fn variants_from_wire_values() {
        assert_eq!(
            rust_name("limit_reached", NameKind::Variant),
            "LimitReached"
        );
        assert_eq!(rust_name("5xx", NameKind::Variant), "V5xx");
    }

    #[test]
    fn every_result_is_an_identifier_or_empty() {
        for name in [
            "self", "Self", "type", "crate", "super", "1st", "_x", "a-b", "é", "", "_", "-", "{",
        ] {
            for kind in [NameKind::Type, NameKind::Field, NameKind::Variant] {
                let n = rust_name(name, kind);
                // A type name must start with a letter; `check` says so before naming.
                let digit_type =
                    kind == NameKind::Type && name.starts_with(|c: char| c.is_ascii_digit());
                assert!(
                    n.is_empty() || digit_type || is_ident(&n),
                    "{name:?} {kind:?} -> {n:?}"
                );
            }
        }
        assert_eq!(rust_name("self", NameKind::Type), "Self_");
        assert_eq!(rust_name("Self", NameKind::Variant), "Self_");
        assert_eq!(prefixed("with_", "_1st"), "with_1st");
        assert_eq!(prefixed("with_", "r#type"), "with_type");
    }
}
