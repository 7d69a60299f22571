//! Diagnostics: one type for every problem found in a spec, rendered with its source line.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A problem in a spec, with where it is and how to get out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file as given to the generator, e.g. `spec/memsy.yaml`.
    pub file: String,
    /// 1-based line and column, when the place exists in the file.
    pub position: Option<(usize, usize)>,
    /// The YAML path of the construct, e.g. `errors.classes[4].status`.
    pub path: Option<String>,
    /// What is wrong: lowercase, no trailing period, naming the construct.
    pub message: String,
    /// The way out, when there is one to suggest.
    pub hint: Option<String>,
    /// The source line at `position`, for display.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// Sort key: file, then position (diagnostics without one last), then path and message.
    fn key(&self) -> (&str, (usize, usize), &str, &str) {
        (
            &self.file,
            self.position.unwrap_or((usize::MAX, 0)),
            self.path.as_deref().unwrap_or(""),
            &self.message,
        )
    }
}

/// Puts diagnostics in the order they are shown: by file, then by position.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| a.key().cmp(&b.key()));
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        match (self.position, &self.path) {
            (Some((line, col)), Some(path)) => {
                writeln!(f, "  --> {}:{line}:{col} (at `{path}`)", self.file)?
            }
            (Some((line, col)), None) => writeln!(f, "  --> {}:{line}:{col}", self.file)?,
            (None, Some(path)) => writeln!(f, "  --> {} (at `{path}`)", self.file)?,
            (None, None) => writeln!(f, "  --> {}", self.file)?,
        }
        if let (Some((line, col)), Some(text)) = (self.position, &self.source_line) {
            let gutter = line.to_string().len();
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{line} | {text}")?;
            // Columns count characters; tabs in the prefix are kept so the caret lines up.
            let prefix: String = text
                .chars()
                .take(col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            writeln!(f, "{:gutter$} | {prefix}^", "")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// A spec file's text with an index from YAML paths to positions. The index is built the
/// first time a diagnostic needs a place: a spec with nothing to report never pays for it.
#[derive(Debug, Clone)]
pub struct SourceMap {
    file: String,
    text: String,
    /// Whether paths are looked up in the text (else only lines are shown).
    by_path: bool,
    index: OnceLock<Index>,
}

/// What a diagnostic is placed and shown with: the text's lines, and where each YAML path
/// starts.
#[derive(Debug, Clone, Default)]
struct Index {
    lines: Vec<String>,
    positions: BTreeMap<String, (usize, usize)>,
}

impl SourceMap {
    /// A map of `text` whose YAML paths are looked up when a diagnostic is placed. A text
    /// that is not valid YAML gets an empty index (the parse error is reported by
    /// serde_yaml with its own position).
    pub fn new(file: &str, text: &str) -> Self {
        SourceMap {
            file: file.to_owned(),
            text: text.to_owned(),
            by_path: true,
            index: OnceLock::new(),
        }
    }

    /// A map with no path index, for diagnostics placed by line and column alone.
    pub fn new_unindexed(file: &str, text: &str) -> Self {
        SourceMap {
            by_path: false,
            ..SourceMap::new(file, text)
        }
    }

    /// The index, built on first use.
    fn index(&self) -> &Index {
        self.index.get_or_init(|| Index {
            lines: self.text.lines().map(str::to_owned).collect(),
            positions: if self.by_path {
                index_paths(&self.text)
            } else {
                BTreeMap::new()
            },
        })
    }

    /// The file name diagnostics carry.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The position of `path`, or of its nearest ancestor that is in the file.
    pub fn position(&self, path: &str) -> Option<(usize, usize)> {
        let mut p = path;
        loop {
            if let Some(pos) = self.index().positions.get(p) {
                return Some(*pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// A diagnostic at a YAML path.
    pub fn at(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        let position = self.position(path);
        self.build(position, Some(path.to_owned()), message.into())
    }

    /// A diagnostic at a line and column (from the YAML parser).
    pub fn at_position(
        &self,
        position: Option<(usize, usize)>,
        path: Option<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.build(position, path, message.into())
    }

    fn build(
        &self,
        position: Option<(usize, usize)>,
        path: Option<String>,
        message: String,
    ) -> Diagnostic {
        let source_line = position.and_then(|(line, _)| self.index().lines.get(line - 1).cloned());
        Diagnostic {
            file: self.file.clone(),
            position,
            path: path.filter(|p| !p.is_empty() && p != "."),
            message,
            hint: None,
            source_line,
        }
    }
}

impl Diagnostic {
    /// Adds the way out.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Where the event walker is inside a container.
enum Frame {
    Mapping { path: String, key: Option<String> },
    Sequence { path: String, index: usize },
}

/// Where each YAML path of `text` starts (its first document).
fn index_paths(text: &str) -> BTreeMap<String, (usize, usize)> {
    let mut indexer = Indexer::default();
    // Events are pulled one at a time (the parser's own `load` recurses per level). A
    // scan error only stops the index early; parsing reports the error itself. Only
    // the first document is indexed; `bounds` rejects a second.
    let mut parser = Parser::new_from_str(text);
    while let Ok((event, mark)) = parser.next_token() {
        match event {
            Event::StreamEnd | Event::DocumentEnd => break,
            event => indexer.on_event(event, mark),
        }
        if indexer.stack.len() > crate::bounds::MAX_DEPTH {
            break;
        }
    }
    indexer.positions
}

/// Walks parser events, recording the position of every node under its YAML path.
#[derive(Default)]
struct Indexer {
    stack: Vec<Frame>,
    positions: BTreeMap<String, (usize, usize)>,
}

impl Indexer {
    /// The path of the node that starts now, advancing the parent's state; `None` for a
    /// mapping key.
    fn next_path(&mut self, scalar: Option<&str>, pos: Option<(usize, usize)>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Mapping { path, key }) => match key.take() {
                None => {
                    *key = Some(scalar.unwrap_or("?").to_owned());
                    // A mapping's place is where its first key starts: the parser marks a
                    // block mapping after that key.
                    if let (Some(pos), Some(entry)) = (pos, self.positions.get_mut(path.as_str())) {
                        *entry = (*entry).min(pos);
                    }
                    None
                }
                Some(k) => Some(if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                }),
            },
            Some(Frame::Sequence { path, index }) => {
                let p = format!("{path}[{index}]");
                *index += 1;
                Some(p)
            }
        }
    }
}

impl MarkedEventReceiver for Indexer {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = (mark.line(), mark.col() + 1);
        match ev {
            Event::Scalar(value, ..) => {
                if let Some(path) = self.next_path(Some(&value), Some(pos)) {
                    self.positions.entry(path).or_insert(pos);
                }
            }
            Event::Alias(_) => {
                self.next_path(Some("*"), None);
            }
            Event::MappingStart(..) => {
                let path = self.next_path(None, None).unwrap_or_default();
                self.positions.entry(path.clone()).or_insert(pos);
                self.stack.push(Frame::Mapping { path, key: None });
            }
            Event::SequenceStart(..) => {
                let path = self.next_path(None, None).unwrap_or_default();
                self.positions.entry(path.clone()).or_insert(pos);
                self.stack.push(Frame::Sequence { path, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_the_value_positions() {
        let text = "api:\n  name: Memsy\nerrors:\n  classes:\n    - name: A\n      status: 403\n";
        let map = SourceMap::new("x.yaml", text);
        assert_eq!(map.position("api.name"), Some((2, 9)));
        assert_eq!(map.position("errors.classes[0].status"), Some((6, 15)));
        // A missing key points at its nearest ancestor.
        assert_eq!(map.position("errors.classes[0].code"), Some((5, 7)));
    }

    /// The text is indexed only when a diagnostic is placed, and then once.
    #[test]
    fn the_index_is_built_when_a_diagnostic_needs_it() {
        let map = SourceMap::new("x.yaml", "api:\n  name: Memsy\n");
        assert!(map.index.get().is_none());
        let d = map.at("api.name", "wrong");
        assert_eq!(
            (d.position, d.source_line.as_deref()),
            (Some((2, 9)), Some("  name: Memsy"))
        );
        assert!(map.index.get().is_some());
        // Unindexed: lines only, no paths.
        let plain = SourceMap::new_unindexed("x.yaml", "api:\n  name: Memsy\n");
        assert_eq!(plain.position("api.name"), None);
        assert_eq!(
            plain
                .at_position(Some((2, 3)), None, "x")
                .source_line
                .as_deref(),
            Some("  name: Memsy")
        );
    }
}
