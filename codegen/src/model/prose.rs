//! Spec prose made safe for Markdown and rustdoc, once, where the model is built: every
//! place docs land (doc comments, the crate README that is also its rustdoc front page, the
//! docs pages) reads Markdown.
//!
//! A vendor's sentence such as `send metadata[key]=value` or `a List<String>` is text, not
//! an intra-doc link or an HTML tag; a bare URL is a link; a code fence without a language
//! is an example in some other language, not a Rust doctest. Inline code, fenced code and
//! real Markdown links (`[text](url)`) are kept as written.

/// The Markdown-safe form of spec prose.
pub fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut fence: Option<String> = None;
    // The text indent of the list item the lines run on in, if any: a line that continues
    // an item lazily (unindented) is indented under its text, as rustdoc's lint wants.
    let mut item: Option<usize> = None;
    // Inside an indented code block (4 spaces after a blank line), written as a `text`
    // fence: rustdoc would compile an indented block as Rust.
    let mut indented = false;
    let mut blank_before = true;
    for (i, line) in text.trim().lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if fence.is_none() && item.is_none() {
            if !indented && indent >= 4 && !trimmed.is_empty() && blank_before {
                out.push_str("```text\n");
                indented = true;
            } else if indented && indent < 4 && !trimmed.is_empty() {
                out.push_str("```\n");
                indented = false;
            }
        }
        blank_before = trimmed.is_empty();
        if indented {
            out.push_str(line);
            continue;
        }
        if fence.is_none() {
            let indent = line.len() - trimmed.len();
            if trimmed.is_empty() {
                item = None;
            } else if let Some(width) = list_marker(trimmed) {
                item = Some(indent + width);
            } else if let Some(w) = item.filter(|w| indent < *w) {
                out.push_str(&" ".repeat(w - indent));
            }
        }
        if let Some(open) = &fence {
            out.push_str(line);
            if trimmed.starts_with(open.as_str()) && trimmed.trim_matches(['`', '~']).is_empty() {
                fence = None;
            }
            continue;
        }
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        if let Some(m) = marker {
            let run: String = trimmed.chars().take_while(|c| m.starts_with(*c)).collect();
            let info = trimmed[run.len()..].trim();
            fence = Some(run.clone());
            let indent = &line[..line.len() - trimmed.len()];
            // An untagged fence would be compiled as a Rust doctest.
            let info = if info.is_empty() { "text" } else { info };
            out.push_str(&format!("{indent}{run}{info}"));
            continue;
        }
        escape_line(line, &mut out);
    }
    if indented {
        out.push_str("\n```");
    }
    out
}

/// The width of a list item's marker and the space after it (`* `, `- `, `+ `, `12. `).
fn list_marker(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    match bytes {
        [b'*' | b'-' | b'+', b' ', ..] => Some(2),
        _ => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            (digits > 0
                && digits < 10
                && bytes.get(digits) == Some(&b'.')
                && bytes.get(digits + 1) == Some(&b' '))
            .then_some(digits + 2)
        }
    }
}

/// Escapes one line outside fences: code spans are copied, links kept, the rest escaped.
fn escape_line(line: &str, out: &mut String) {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' => {
                // A code span runs to the next run of as many backticks.
                let run = chars[i..].iter().take_while(|&&c| c == '`').count();
                let close = (i + run..chars.len()).find(|&j| {
                    chars[j..].iter().take_while(|&&c| c == '`').count() == run
                        && (j == 0 || chars[j - 1] != '`')
                });
                match close {
                    Some(j) => {
                        out.extend(&chars[i..j + run]);
                        i = j + run;
                    }
                    None => {
                        out.extend(&chars[i..i + run]);
                        i += run;
                    }
                }
                continue;
            }
            '[' => {
                if let Some(end) = link_end(&chars, i) {
                    let link: String = chars[i..end].iter().collect();
                    out.push_str(&link);
                    i = end;
                    continue;
                }
                out.push_str("\\[");
            }
            ']' => out.push_str("\\]"),
            '<' => {
                // An autolink `<https://…>` stays one.
                let rest: String = chars[i + 1..].iter().take(8).collect();
                if (rest.starts_with("http://") || rest.starts_with("https://"))
                    && chars[i..].contains(&'>')
                {
                    let end = i + chars[i..].iter().position(|&c| c == '>').unwrap_or(0) + 1;
                    out.extend(&chars[i..end]);
                    i = end;
                    continue;
                }
                out.push_str("\\<");
            }
            'h' if url_at(&chars, i) => {
                let end = (i..chars.len())
                    .find(|&j| {
                        chars[j].is_whitespace() || matches!(chars[j], ')' | '>' | '"' | '<')
                    })
                    .unwrap_or(chars.len());
                // A trailing full stop or comma ends the sentence, not the URL.
                let mut end = end;
                while end > i && matches!(chars[end - 1], '.' | ',' | ';' | ':') {
                    end -= 1;
                }
                // A scheme with no host (`https://<host>` as a pattern) is text.
                if !chars[i..end].iter().skip(8).any(|c| c.is_alphanumeric()) {
                    out.push(c);
                    i += 1;
                    continue;
                }
                out.push('<');
                out.extend(&chars[i..end]);
                out.push('>');
                i = end;
                continue;
            }
            c => out.push(c),
        }
        i += 1;
    }
}

/// Where a Markdown link `[text](target)` starting at `i` ends, if one does.
fn link_end(chars: &[char], i: usize) -> Option<usize> {
    let close = (i + 1..chars.len()).find(|&j| chars[j] == ']')?;
    if chars.get(close + 1) != Some(&'(') || chars[i + 1..close].contains(&'[') {
        return None;
    }
    let end = (close + 2..chars.len()).find(|&j| chars[j] == ')')?;
    Some(end + 1)
}

/// Whether a bare `http(s)://` URL starts at `i` (not inside a word).
fn url_at(chars: &[char], i: usize) -> bool {
    let rest: String = chars[i..].iter().take(8).collect();
    (rest.starts_with("http://") || rest.starts_with("https://"))
        && (i == 0 || !(chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '<' | '(' | '/')))
}

/// `a` or `an` before a word, by how it is said: "an OpenAI client", "a Memsy client",
/// "an HTTP error", "a UUID".
pub fn article(word: &str) -> &'static str {
    let lower = word.to_ascii_lowercase();
    // Initialisms read letter by letter: "an HTTP", "an SDK", but "a UUID".
    let letters = word.len() > 1
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if letters {
        return match word.chars().next() {
            Some('A' | 'E' | 'F' | 'H' | 'I' | 'L' | 'M' | 'N' | 'O' | 'R' | 'S' | 'X') => "an",
            _ => "a",
        };
    }
    // Vowel letters that sound like consonants, and a silent h.
    const A_BEFORE: [&str; 6] = ["uni", "use", "usu", "eu", "one", "uti"];
    const AN_BEFORE: [&str; 3] = ["hour", "honest", "heir"];
    if AN_BEFORE.iter().any(|p| lower.starts_with(p)) {
        return "an";
    }
    if A_BEFORE.iter().any(|p| lower.starts_with(p)) {
        return "a";
    }
    match lower.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// [`article`] to start a sentence: `A` or `An`.
pub fn article_capitalized(word: &str) -> &'static str {
    match article(word) {
        "an" => "An",
        _ => "A",
    }
}

/// The first sentence of a text's first line, without its full stop. A stop after an
/// abbreviation (`e.g.`, `i.e.`, `etc.`, `vs.`) or a single letter does not end it.
pub fn first_sentence(text: &str) -> String {
    const ABBREVIATIONS: [&str; 9] = [
        "e.g", "i.e", "etc", "vs", "cf", "approx", "incl", "no", "inc",
    ];
    let line = text.lines().next().unwrap_or("");
    let mut from = 0;
    while let Some(at) = line[from..].find(". ").map(|i| i + from) {
        let word = line[..at].rsplit([' ', '(']).next().unwrap_or("");
        let abbreviation = ABBREVIATIONS.contains(&word.to_ascii_lowercase().as_str())
            || (word.len() == 1 && word.chars().all(|c| c.is_alphabetic()));
        if !abbreviation {
            return line[..at].to_owned();
        }
        from = at + 2;
    }
    line.trim_end_matches('.').to_owned()
}

/// Undoes [`prose`]'s escapes, for a plain-text sink (the manifest's description).
pub fn plain(text: &str) -> String {
    text.replace("\\[", "[")
        .replace("\\]", "]")
        .replace("\\<", "<")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_and_angles_are_text() {
        assert_eq!(
            prose("send metadata[key]=value"),
            "send metadata\\[key\\]=value"
        );
        assert_eq!(prose("a List<String>"), "a List\\<String>");
        assert_eq!(plain(&prose("m[k] <x>")), "m[k] <x>");
    }

    #[test]
    fn code_links_and_urls() {
        assert_eq!(prose("use `a[b]` here"), "use `a[b]` here");
        assert_eq!(
            prose("see [the docs](https://x.test/a)"),
            "see [the docs](https://x.test/a)"
        );
        assert_eq!(prose("see https://x.test/a."), "see <https://x.test/a>.");
        assert_eq!(prose("see <https://x.test/a>"), "see <https://x.test/a>");
        assert_eq!(prose("``a ` b`` [c]"), "``a ` b`` \\[c\\]");
    }

    #[test]
    fn indented_blocks_are_text_fences_and_patterns_are_not_links() {
        assert_eq!(
            prose("Run:\n\n    a \\\n      b\nthen"),
            "Run:\n\n```text\n    a \\\n      b\n```\nthen"
        );
        assert_eq!(
            prose("Format: https://<host>:<port>."),
            "Format: https://\\<host>:\\<port>."
        );
    }

    #[test]
    fn lazy_list_continuations_are_indented() {
        assert_eq!(
            prose("* one\ncontinued\n\nafter\n12. two\n  kept\nlazy"),
            "* one\n  continued\n\nafter\n12. two\n    kept\n    lazy"
        );
    }

    #[test]
    fn untagged_fences_are_not_rust() {
        assert_eq!(
            prose("Call:\n```\ncurl -d '[1]' x\n```\nDone [x]."),
            "Call:\n```text\ncurl -d '[1]' x\n```\nDone \\[x\\]."
        );
        assert_eq!(
            prose("```rust\nlet a = [1];\n```"),
            "```rust\nlet a = [1];\n```"
        );
    }

    #[test]
    fn articles() {
        for (w, a) in [
            ("OpenAI", "an"),
            ("Memsy", "a"),
            ("HTTP", "an"),
            ("UUID", "a"),
            ("Anthropic", "an"),
            ("Stripe", "a"),
            ("hour", "an"),
            ("user", "a"),
            ("SDK", "an"),
            ("GitHub", "a"),
        ] {
            assert_eq!(article(w), a, "{w}");
        }
    }

    #[test]
    fn sentences_survive_abbreviations() {
        assert_eq!(
            first_sentence("Raised on a 5xx (e.g. a 502 from a proxy). More."),
            "Raised on a 5xx (e.g. a 502 from a proxy)"
        );
        assert_eq!(first_sentence("One. Two."), "One");
        assert_eq!(first_sentence("Only one."), "Only one");
        assert_eq!(first_sentence("Use i.e. this. Then."), "Use i.e. this");
    }
}
