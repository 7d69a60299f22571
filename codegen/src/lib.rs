//! The SDK generator as a library: spec files in, generated files out.
//!
//! ```text
//! spec::parse -> check::check -> model::lower -> emit::*
//! ```
//! Parsing and checking collect every diagnostic of every spec before stopping; lowering
//! and emission cannot fail. Nothing here touches the file system: `xtask` writes.

pub mod check;
pub mod diagnostic;
pub mod emit;
pub mod model;
pub mod spec;
pub mod syntax;

use std::collections::BTreeMap;

pub use diagnostic::Diagnostic;
pub use emit::File;

use diagnostic::SourceMap;

/// A spec file handed to the generator.
#[derive(Debug, Clone)]
pub struct SpecSource {
    /// The path diagnostics and `@generated` headers name, e.g. `spec/memsy.yaml`.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// Parses one spec file. A YAML or shape error (a tab, an unclosed quote, a wrong type, an
/// unknown key) is one diagnostic with its line and column; serde stops at the first.
pub fn parse(source: &SpecSource) -> Result<(spec::Spec, SourceMap), Vec<Diagnostic>> {
    let map = SourceMap::new(&source.path, &source.text);
    match serde_yaml::from_str::<spec::Spec>(&source.text) {
        Ok(spec) => Ok((spec, map)),
        Err(e) => Err(vec![yaml_diagnostic(&map, &e)]),
    }
}

fn yaml_diagnostic(map: &SourceMap, e: &serde_yaml::Error) -> Diagnostic {
    let position = e.location().map(|l| (l.line(), l.column()));
    let mut message = e.to_string();
    // serde_yaml appends " at line L column C"; the diagnostic shows the position itself.
    if let Some(cut) = message.rfind(" at line ") {
        message.truncate(cut);
    }
    // It prefixes the YAML path ("errors.classes[2]: unknown field ..."); keep it apart.
    let mut path = None;
    if let Some((p, rest)) = message.split_once(": ") {
        if !p.contains(' ') && !p.is_empty() {
            path = Some(p.to_owned());
            message = rest.to_owned();
        }
    }
    let hint = if message.contains("unknown field") {
        Some("see spec/README.md for the keys each section takes")
    } else if message.contains("unknown variant") {
        Some("the value must be one of those listed")
    } else if message.contains("tab") {
        Some("indent YAML with spaces, not tabs")
    } else {
        None
    };
    let d = map.at_position(position, path, format!("invalid spec: {message}"));
    match hint {
        Some(h) => d.hint(h),
        None => d,
    }
}

/// Runs the whole pipeline over every spec. Either every spec parsed and checked and the
/// full file set comes back (sorted by path), or every diagnostic of every spec does
/// (sorted by file and position) and nothing was generated.
pub fn generate(sources: &[SpecSource]) -> Result<Vec<File>, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut checked = Vec::new();
    for source in sources {
        match parse(source) {
            Err(d) => diagnostics.extend(d),
            Ok((spec, map)) => {
                let found = check::check(&spec, &map);
                if found.is_empty() {
                    checked.push((source, spec, map));
                } else {
                    diagnostics.extend(found);
                }
            }
        }
    }
    // Two specs may not generate the same crate.
    let mut crates: BTreeMap<&str, &str> = BTreeMap::new();
    for (source, spec, map) in &checked {
        if let Some(other) = crates.insert(&spec.api.crate_name, &source.path) {
            diagnostics.push(map.at(
                "api.crate",
                format!(
                    "crate `{}` is also generated from {other}",
                    spec.api.crate_name
                ),
            ));
        }
    }
    if !diagnostics.is_empty() {
        diagnostic::sort(&mut diagnostics);
        return Err(diagnostics);
    }
    let mut files: Vec<File> = checked
        .iter()
        .flat_map(|(source, spec, _)| emit::api_files(&model::lower(&source.path, spec)))
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The JSON Schema of the spec format, for editors.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(spec::Spec);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}
