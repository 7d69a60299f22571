//! Secrets that never show up in `Debug` or `Display` output, and the redactor that finds
//! them by value in what a server sends back.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

/// A string (an API key) whose formatting always reads `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: String) -> Self {
        SecretString(secret)
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What stands in for a secret found in a response.
pub const REDACTED: &str = "[redacted]";

/// The shortest form of a secret searched for: shorter ones would redact ordinary text.
const MIN_FORM_LEN: usize = 6;

/// Finds a secret in text a server sent back, in every form it travels in: as is,
/// percent-encoded (path, query and form styles), JSON-escaped, and as the credential header
/// value (`Bearer …`, `Basic <base64>`), and replaces each with `[redacted]`.
///
/// A server may echo the key in a body, an unlisted header or a `Location`; everything of a
/// response that reaches `Debug`, `Display` or an error goes through this first.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, so a form containing another is replaced whole.
    forms: Vec<Vec<u8>>,
    /// A searcher per form that holds no other form, built once: every response header
    /// passes through `finds`, and a text holding a longer form holds one of these.
    finders: Vec<memchr::memmem::Finder<'static>>,
    /// The length of the shortest form: a shorter text holds none.
    shortest: usize,
    /// The opening byte pairs of the searched forms, hashed into a bit set: a text with
    /// none of its pairs in the set holds no form, and most header values are told so
    /// without a search. Empty for a redactor with no forms.
    pairs: Option<Box<[u64; PAIR_WORDS]>>,
    /// The secret's last four characters, for masked renderings.
    tail: Option<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} forms)", self.forms.len())
    }
}

impl Redactor {
    /// A redactor for `secret` and the extra encoded forms given (e.g. the whole credential
    /// header value).
    pub fn new<'a>(secret: &str, extra: impl IntoIterator<Item = &'a str>) -> Self {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let encoded = [
            utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
            utf8_percent_encode(secret, crate::client::FORM_SET)
                .to_string()
                .replace("%20", "+"),
            utf8_percent_encode(secret, crate::client::PATH_SEGMENT_SET).to_string(),
        ];
        let mut forms: Vec<String> = vec![secret.to_owned()];
        for e in encoded {
            // Lowercase hex digits too, as some encoders write them.
            forms.push(lower_percent(&e));
            forms.push(e);
        }
        if let Ok(json) = serde_json::to_string(secret) {
            let json = &json[1..json.len() - 1];
            // Some encoders escape `/` as well.
            forms.push(json.replace('/', "\\/"));
            forms.push(json.to_owned());
        }
        // Base64 of the key alone and of the `key:` / `:key` pairs of basic auth, with and
        // without padding.
        for pair in [
            secret.to_owned(),
            format!("{secret}:"),
            format!(":{secret}"),
        ] {
            let b64 = crate::client::base64(pair.as_bytes());
            forms.push(b64.trim_end_matches('=').to_owned());
            forms.push(b64);
        }
        forms.extend(extra.into_iter().map(str::to_owned));
        let mut forms: Vec<Vec<u8>> = forms
            .into_iter()
            .filter(|f| f.len() >= MIN_FORM_LEN)
            .map(String::into_bytes)
            .collect();
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let chars: Vec<char> = secret.chars().collect();
        let tail = (chars.len() >= MIN_FORM_LEN).then(|| chars[chars.len() - 4..].iter().collect());
        // `Bearer <key>` holds the key, padded base64 its unpadded form: searching for the
        // key and the unpadded form finds both.
        let minimal: Vec<&Vec<u8>> = forms
            .iter()
            .filter(|f| {
                !forms
                    .iter()
                    .any(|g| g.len() < f.len() && memchr::memmem::find(f, g).is_some())
            })
            .collect();
        let finders = minimal
            .iter()
            .map(|f| memchr::memmem::Finder::new(f).into_owned())
            .collect();
        let shortest = forms.iter().map(Vec::len).min().unwrap_or(usize::MAX);
        let mut pairs = Box::new([0u64; PAIR_WORDS]);
        for form in &minimal {
            let bit = pair_bit(form[0], form[1]);
            pairs[bit / 64] |= 1 << (bit % 64);
        }
        Redactor {
            forms,
            finders,
            shortest,
            pairs: Some(pairs),
            tail,
        }
    }

    /// Whether `bytes` holds any form of the secret.
    pub fn finds(&self, bytes: &[u8]) -> bool {
        let Some(pairs) = &self.pairs else {
            return false;
        };
        bytes.len() >= self.shortest
            && bytes.windows(2).any(|w| {
                let bit = pair_bit(w[0], w[1]);
                pairs[bit / 64] & (1 << (bit % 64)) != 0
            })
            && self.finders.iter().any(|f| f.find(bytes).is_some())
    }

    /// `bytes` with every form of the secret replaced; borrowed when there is none.
    pub fn bytes(&self, bytes: Bytes) -> Bytes {
        if !self.finds(&bytes) {
            return bytes;
        }
        let mut out = bytes.to_vec();
        for form in &self.forms {
            out = replace_all(&out, form, REDACTED.as_bytes());
        }
        Bytes::from(out)
    }

    /// `text` with every masked rendering of the secret (`****=123`, `sk-…=123`: a run of
    /// at least three mask characters, then the key's last four) replaced as well.
    pub fn text_and_masks<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let text = self.text(text);
        let Some(tail) = &self.tail else {
            return text;
        };
        let spans = mask_spans(&text, tail);
        if spans.is_empty() {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for (start, end) in spans {
            out.push_str(&text[last..start]);
            out.push_str(REDACTED);
            last = end;
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }

    /// Whether `text` holds the secret in any form, masked renderings included.
    pub fn finds_with_masks(&self, text: &str) -> bool {
        self.finds(text.as_bytes())
            || self
                .tail
                .as_ref()
                .is_some_and(|tail| !mask_spans(text, tail).is_empty())
    }

    /// `text` with every form of the secret replaced.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if !self.finds(text.as_bytes()) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_owned();
        for form in &self.forms {
            if let Ok(form) = std::str::from_utf8(form) {
                out = out.replace(form, REDACTED);
            }
        }
        Cow::Owned(out)
    }
}

/// The size of the byte-pair set, in 64-bit words (4,096 bits).
const PAIR_WORDS: usize = 64;

/// A byte pair's bit in the pair set.
fn pair_bit(a: u8, b: u8) -> usize {
    ((usize::from(a) << 5) ^ usize::from(b)) % (PAIR_WORDS * 64)
}

/// Characters a masked key is drawn with.
const MASK_CHARS: [char; 6] = ['*', 'x', 'X', '•', '.', '…'];

/// Byte spans `(start, end)` of `<mask run of 3+ characters, or one `…`><tail>` in `text`.
fn mask_spans(text: &str, tail: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(tail).map(|i| i + from) {
        let before = &text[..i];
        let run: Vec<(usize, char)> = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| MASK_CHARS.contains(c))
            .collect();
        let masked = run.len() >= 3 || run.iter().any(|(_, c)| *c == '…');
        if masked {
            let start = run.last().map_or(i, |(at, _)| *at);
            spans.push((start, i + tail.len()));
        }
        from = i + tail.len();
    }
    spans
}

fn lower_percent(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(i) = memchr::memmem::find(rest, needle) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with);
        rest = &rest[i + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_secret() {
        let s = SecretString::new("sk-live-123".into());
        assert_eq!(
            format!("{s:?} {s} {s:#?}"),
            "[redacted] [redacted] [redacted]"
        );
        assert_eq!(s.expose(), "sk-live-123");
    }

    #[test]
    fn every_encoded_form_is_redacted() {
        let key = "sk-live+SECRET/abc=123";
        let r = Redactor::new(key, ["Bearer sk-live+SECRET/abc=123"]);
        for text in [
            "echo sk-live+SECRET/abc=123 here",
            "https://x.test/?k=sk-live%2BSECRET%2Fabc%3D123",
            "https://x.test/?k=sk-live%2bSECRET%2fabc%3d123",
            "k=sk%2Dlive%2BSECRET%2Fabc%3D123",
            r#"{"key":"sk-live+SECRET\/abc=123"}"#,
        ] {
            let out = r.text(text);
            assert!(out.contains(REDACTED), "{text} -> {out}");
            assert!(!r.finds(out.as_bytes()), "{out}");
        }
        assert_eq!(r.text("nothing here"), "nothing here");
        let b = r.bytes(Bytes::from_static(b"a sk-live+SECRET/abc=123 b"));
        assert_eq!(&b[..], b"a [redacted] b");
        // Forms too short to be told from ordinary text are not searched for.
        assert_eq!(Redactor::new("abc", []).text("abc abc"), "abc abc");
    }

    #[test]
    fn every_form_is_found_though_only_the_shortest_are_searched() {
        for (key, extra) in [
            ("sk-live+SECRET/abc=123", "Bearer sk-live+SECRET/abc=123"),
            ("bench-key", "Basic dXNlcjpiZW5jaC1rZXk="),
            ("ключ-секрет", "Token ключ-секрет"),
        ] {
            let r = Redactor::new(key, [extra]);
            assert!(r.finders.len() < r.forms.len(), "{key}: nothing pruned");
            for form in &r.forms {
                let text = [b"x ".as_slice(), form, b" y"].concat();
                assert!(r.finds(&text), "{key}: {}", String::from_utf8_lossy(form));
            }
            let shortest = r.forms.iter().map(Vec::len).min().unwrap_or(0);
            assert!(!r.finds(&vec![b'x'; shortest - 1]));
            // The byte-pair prefilter never hides a form, wherever it sits in the text.
            let filler = b"application/json; Tue, 24 Nov 2026 00:26:18 GMT req_1 ";
            for form in &r.forms {
                for at in 0..filler.len() {
                    let text = [&filler[..at], form, &filler[at..]].concat();
                    assert!(r.finds(&text), "{key}: at {at}");
                }
            }
            assert!(!r.finds(filler));
        }
    }

    #[test]
    fn a_redactor_without_a_secret_finds_nothing() {
        let r = Redactor::default();
        assert!(!r.finds(b"anything at all"));
        assert_eq!(r.text("anything"), "anything");
    }

    #[test]
    fn base64_and_masked_renderings() {
        let key = "sk-live+SECRET/abc=123";
        let r = Redactor::new(key, []);
        let b64 = crate::client::base64(format!("{key}:").as_bytes());
        assert!(r.finds(b64.as_bytes()));
        assert!(r.finds(
            crate::client::base64(key.as_bytes())
                .trim_end_matches('=')
                .as_bytes()
        ));
        assert_eq!(r.text_and_masks("key ****=123 ok"), "key [redacted] ok");
        assert_eq!(
            r.text_and_masks("key sk-live…=123"),
            "key sk-live[redacted]"
        );
        assert_eq!(r.text_and_masks("total =123 items"), "total =123 items");
        assert!(r.finds_with_masks("xxxx=123"));
        assert!(!r.finds_with_masks("a=123"));
    }
}
