//! Limits checked on a spec's raw text before any YAML parser sees it: size, nesting depth
//! and a single document. A spec is hostile input; YAML parsers recurse per nesting level
//! and some of their work grows with the square of it, so a file past these limits gets a
//! diagnostic at the place it crosses them instead of a crash or a stall.

use crate::diagnostic::{Diagnostic, SourceMap};

/// The largest spec file read (4 MiB; a spec 50 times Memsy's is under 400 KiB).
pub const MAX_SPEC_BYTES: usize = 4 * 1024 * 1024;

/// The deepest nesting of mappings and sequences (a real spec nests under ten).
pub const MAX_DEPTH: usize = 64;

/// Checks the limits; the one diagnostic names the first place a limit is crossed.
pub fn check(file: &str, text: &str) -> Result<(), Vec<Diagnostic>> {
    first_violation(file, text).map_or(Ok(()), |d| Err(vec![d]))
}

fn first_violation(file: &str, text: &str) -> Option<Diagnostic> {
    let empty = || SourceMap::new_unindexed(file, text);
    if text.len() > MAX_SPEC_BYTES {
        return Some(
            empty()
                .at_position(
                    Some((1, 1)),
                    None,
                    format!(
                        "spec file is {} bytes, more than the limit of {MAX_SPEC_BYTES}",
                        text.len()
                    ),
                )
                .hint("split the API or trim its docs"),
        );
    }
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut seen_content = false;
    let mut block_scalar: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        // Lines of a block scalar (`|`, `>`) are text, whatever they look like.
        if let Some(min) = block_scalar {
            if body.is_empty() || indent > min {
                continue;
            }
            block_scalar = None;
        }
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if flow == 0 && (body == "---" || body.starts_with("--- ") || body == "...") {
            if seen_content && body != "..." {
                return Some(empty()
                    .at_position(
                        Some((line_no, 1)),
                        None,
                        "a spec file holds one YAML document, but a second one starts here",
                    )
                    .hint(
                        "remove the `---` line, or move the second document to a file of its own",
                    ));
            }
            continue;
        }
        seen_content = true;
        if flow == 0 {
            while indents.last().is_some_and(|&top| top >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        // Sequence dashes opening nested sequences on one line: `- - - x`.
        let mut rest = body;
        let mut dashes = 0;
        while let Some(r) = rest
            .strip_prefix("- ")
            .or_else(|| (rest == "-").then_some(""))
        {
            dashes += 1;
            rest = r.trim_start_matches(' ');
        }
        let depth = indents.len() + dashes;
        if depth > MAX_DEPTH {
            return Some(too_deep(file, text, line_no, indent + 1));
        }
        // Bytes, not chars: every byte this looks for is ASCII, and no byte of a multi-byte
        // UTF-8 character is, so each match is a whole character at a char boundary.
        let mut quote: Option<u8> = None;
        for (col, c) in line.bytes().enumerate().skip(indent) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') if flow > 0 || col == indent || prev_is_space(line, col) => {
                    quote = Some(c)
                }
                (None, b'#') if prev_is_space(line, col) => break,
                (None, b'[' | b'{') => {
                    flow += 1;
                    if depth + flow > MAX_DEPTH {
                        return Some(too_deep(file, text, line_no, col + 1));
                    }
                }
                (None, b']' | b'}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        if flow == 0 && (rest.ends_with('|') || rest.ends_with('>') || block_indicator(rest)) {
            block_scalar = Some(indent);
        }
    }
    None
}

fn prev_is_space(line: &str, col: usize) -> bool {
    col == 0 || line[..col].ends_with([' ', '\t', '[', '{', ',', ':'])
}

/// Whether a line ends with a block scalar header such as `|-`, `>+` or `|2`.
fn block_indicator(rest: &str) -> bool {
    let last = rest.rsplit(' ').next().unwrap_or("");
    let mut chars = last.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
        && !last.is_empty()
}

fn too_deep(file: &str, text: &str, line: usize, col: usize) -> Diagnostic {
    SourceMap::new_unindexed(file, text)
        .at_position(
            Some((line, col)),
            None,
            format!("the spec nests deeper than {MAX_DEPTH} levels here"),
        )
        .hint("a spec nests a few levels; this is likely a broken or generated file")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_specs_pass() {
        let text = "api:\n  name: X\n  docs: |\n    text\n      indented more\n        - not a list\nerrors:\n  - {a: [1, 2, {b: c}]}\n  - - x\n    - y\n";
        assert_eq!(check("x.yaml", text), Ok(()));
    }

    #[test]
    fn deep_block_sequences_on_one_line() {
        let text = format!("a: 1\nb:\n  {}x\n", "- ".repeat(4000));
        let d = first_violation("x.yaml", &text).unwrap();
        assert_eq!(d.position, Some((3, 3)));
        assert!(d.message.contains("deeper than 64"), "{}", d.message);
    }

    #[test]
    fn deep_indentation() {
        let text: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let d = first_violation("x.yaml", &text).unwrap();
        assert_eq!(d.position.map(|p| p.0), Some(65));
    }

    #[test]
    fn deep_flow_mappings() {
        let text = format!("a: {}1{}\n", "{b: ".repeat(50_000), "}".repeat(50_000));
        let d = first_violation("x.yaml", &text).unwrap();
        assert_eq!(d.position.map(|p| p.0), Some(1));
    }

    #[test]
    fn brackets_in_quotes_and_comments_do_not_count() {
        let text = format!(
            "a: \"{}\"\nb: '{}' # {}\n",
            "[".repeat(100),
            "{".repeat(100),
            "[".repeat(100)
        );
        assert_eq!(check("x.yaml", &text), Ok(()));
    }

    #[test]
    fn a_second_document_is_placed() {
        let d = first_violation("x.yaml", "---\na: 1\n---\nb: 2\n").unwrap();
        assert_eq!(d.position, Some((3, 1)));
    }

    #[test]
    fn size() {
        let text = "#".repeat(MAX_SPEC_BYTES + 1);
        let d = check("x.yaml", &text).unwrap_err();
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("bytes"), "{}", d[0]);
    }
}
