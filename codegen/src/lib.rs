//! The SDK generator as a library: spec files in, generated files out.
//!
//! ```text
//! spec::parse -> check::check -> model::lower -> emit::*
//! ```
//! Parsing and checking collect every diagnostic of every spec before stopping; lowering
//! and emission cannot fail. Nothing here touches the file system: `xtask` writes.

#![deny(missing_docs)]

pub mod bounds;
pub mod check;
pub mod diagnostic;
pub mod drift;
pub mod emit;
pub mod model;
pub mod openapi;
pub mod spec;
pub mod surface;
pub mod syntax;

use std::collections::BTreeMap;

pub use diagnostic::Diagnostic;
pub use emit::{File, Layout};

use diagnostic::SourceMap;

/// A spec file handed to the generator.
#[derive(Debug, Clone, Default)]
pub struct SpecSource {
    /// The path diagnostics and `@generated` headers name, e.g. `spec/memsy.yaml`.
    pub path: String,
    /// The file's text.
    pub text: String,
    /// The documents the spec imports (its `openapi.document`), by the path the spec
    /// writes, as the caller read them (see [`documents_wanted`]).
    pub documents: BTreeMap<String, String>,
}

/// Every document a spec's text imports, read by `read` (given a path relative to the spec
/// file's directory): its `openapi.document` and the files that document's references reach,
/// keyed as [`SpecSource::documents`] wants them. What cannot be read is left out; the
/// import reports it where it is named.
pub fn read_documents(
    text: &str,
    mut read: impl FnMut(&str) -> Option<String>,
) -> BTreeMap<String, String> {
    documents_wanted(text)
        .iter()
        .flat_map(|doc| openapi::bundle::read_all(doc, &mut read))
        .collect()
}

/// The documents a spec's text imports (its `openapi.document`, as written, relative to the
/// spec file). A text that does not parse imports nothing here; parsing reports it.
pub fn documents_wanted(text: &str) -> Vec<String> {
    // Only the one key is kept: the rest of the spec is skipped as it is read, not built
    // into a tree (it is parsed in full, with its diagnostics, later).
    #[derive(serde::Deserialize)]
    struct Spec {
        openapi: Option<Import>,
    }
    #[derive(serde::Deserialize)]
    struct Import {
        document: Option<serde_yaml::Value>,
    }
    serde_yaml::from_str::<Spec>(text)
        .ok()
        .and_then(|s| s.openapi?.document?.as_str().map(str::to_owned))
        .into_iter()
        .collect()
}

/// The spec's imported document (`root`, normalized) and the files it reaches, named
/// relative to the spec's directory.
fn document_sources<'a>(source: &'a SpecSource, root: &'a str) -> openapi::Sources<'a> {
    openapi::Sources {
        dir: source.path.rsplit_once('/').map_or("", |(d, _)| d),
        root,
        documents: &source.documents,
    }
}

/// Adds what the spec's OpenAPI document holds to the spec; the import's own problems are
/// diagnostics placed in the document.
fn import_into(
    spec: &mut spec::Spec,
    source: &SpecSource,
    map: &SourceMap,
) -> Result<(), Vec<Diagnostic>> {
    let Some(config) = spec.openapi.clone() else {
        return Ok(());
    };
    let root = openapi::bundle::normalize(&config.document);
    if !source.documents.contains_key(&root) {
        return Err(vec![map
            .at(
                "openapi.document",
                format!(
                    "the OpenAPI document `{}` could not be read",
                    config.document
                ),
            )
            .hint("the path is relative to the spec file")]);
    }
    let sources = document_sources(source, &root);
    // Names the crate already uses: the spec's models and error types, and its own.
    let e = &spec.errors;
    let taken = spec
        .models
        .iter()
        .map(|m| m.name.clone())
        .chain(e.classes.iter().map(|c| c.name.clone()))
        .chain([&e.root.name, &e.api.name].into_iter().cloned())
        .chain(check::RESERVED_TYPE_NAMES.iter().map(|n| (*n).to_owned()))
        .map(|n| model::naming::rust_name(&n, model::naming::NameKind::Type))
        .collect();
    let imported = openapi::import(&config, sources, &taken)?;
    if !imported.spec_errors.is_empty() {
        return Err(imported
            .spec_errors
            .iter()
            .map(|(path, message)| map.at(path, message.clone()))
            .collect());
    }
    spec.import = Some(spec::ImportReport {
        document: config.document.clone(),
        first_endpoint: spec.endpoints.len(),
        first_model: spec.models.len(),
        present: imported.present,
        excluded: imported.excluded,
        warnings: imported.warnings,
        endpoint_origins: imported.endpoint_origins,
        model_origins: imported.model_origins,
        bundle_origins: imported.bundle_origins,
    });
    spec.endpoints.extend(imported.endpoints);
    spec.models.extend(imported.models);
    Ok(())
}

/// Parses one spec file. A YAML or shape error (a tab, an unclosed quote, a wrong type, an
/// unknown key) is one diagnostic with its line and column; serde stops at the first.
pub fn parse(source: &SpecSource) -> Result<(spec::Spec, SourceMap), Vec<Diagnostic>> {
    bounds::check(&source.path, &source.text)?;
    let map = SourceMap::new(&source.path, &source.text);
    match serde_yaml::from_str::<spec::Spec>(&source.text) {
        Ok(spec) => Ok((spec, map)),
        Err(e) => Err(vec![yaml_diagnostic(&map, &e)]),
    }
}

pub(crate) fn yaml_diagnostic(map: &SourceMap, e: &serde_yaml::Error) -> Diagnostic {
    let (mut message, marks) = strip_marks(&e.to_string());
    // A scan error names where it gave up and, last, where the construct it was reading
    // began ("while scanning a quoted scalar at line 5 column 9"). When it gave up at the
    // end of the file (an unclosed quote), the start is the place to look; otherwise
    // serde_yaml's own location is.
    let at_end = message.contains("end of stream");
    let position = if at_end && marks.len() > 1 {
        marks.last().copied()
    } else {
        e.location().map(|l| (l.line(), l.column()))
    }
    // serde_yaml gives no place for some errors (an empty file, a recursion or alias
    // limit); the start of the file is the honest place then.
    .or(Some((1, 1)));
    message = message.trim_end_matches(',').to_owned();
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

/// Removes every " at line L column C" from a serde_yaml message, returning the marks.
fn strip_marks(message: &str) -> (String, Vec<(usize, usize)>) {
    const AT: &str = " at line ";
    let mut out = String::new();
    let mut marks = Vec::new();
    let mut rest = message;
    while let Some(i) = rest.find(AT) {
        out.push_str(&rest[..i]);
        let after = &rest[i + AT.len()..];
        let mut words = after.splitn(4, ' ');
        let line = words.next().and_then(|w| w.parse().ok());
        let column = (words.next() == Some("column"))
            .then(|| words.next())
            .flatten()
            .map(|w| w.trim_end_matches(','))
            .and_then(|w| w.parse().ok());
        match (line, column) {
            (Some(l), Some(c)) => {
                marks.push((l, c));
                let consumed = after
                    .find(&format!("column {c}"))
                    .map(|p| p + format!("column {c}").len());
                rest = &after[consumed.unwrap_or(after.len())..];
            }
            _ => {
                out.push_str(AT);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, marks)
}

/// Diagnostics the checker placed at imported endpoints and models (which the spec file
/// does not hold) moved to the operation or schema of the document they came from.
fn place_imported(
    diagnostics: Vec<Diagnostic>,
    spec: &spec::Spec,
    source: &SpecSource,
) -> Vec<Diagnostic> {
    let Some(report) = &spec.import else {
        return diagnostics;
    };
    let origin = |path: &str| -> Option<String> {
        let (kind, rest) = path.split_once('[')?;
        let index: usize = rest.split(']').next()?.parse().ok()?;
        match kind {
            "endpoints" if index >= report.first_endpoint => report
                .endpoint_origins
                .get(index - report.first_endpoint)
                .cloned(),
            "models" if index >= report.first_model => report
                .model_origins
                .get(index - report.first_model)
                .cloned(),
            _ => None,
        }
    };
    let root = openapi::bundle::normalize(&report.document);
    let sources = document_sources(source, &root);
    let mut placer = openapi::Placer::new(sources, &report.bundle_origins);
    diagnostics
        .into_iter()
        .map(|d| {
            let Some(pointer) = d.path.as_deref().and_then(origin) else {
                return d;
            };
            let mut moved = placer.place(&pointer, d.message);
            moved.hint = Some(match d.hint {
                Some(h) => {
                    format!("{h}; or exclude the operation, or override it, under `openapi:`")
                }
                None => "exclude the operation, or override it, under `openapi:`".to_owned(),
            });
            moved
        })
        .collect()
}

/// Runs the whole pipeline over every spec. Either every spec parsed and checked and the
/// full file set comes back (sorted by path), or every diagnostic of every spec does
/// (sorted by file and position) and nothing was generated.
pub fn generate(sources: &[SpecSource]) -> Result<Vec<File>, Vec<Diagnostic>> {
    generate_into(sources, &Layout::default())
}

/// [`generate`] with the crates placed by `layout`.
pub fn generate_into(
    sources: &[SpecSource],
    layout: &Layout,
) -> Result<Vec<File>, Vec<Diagnostic>> {
    generate_groups(&[(sources, layout)]).map(|groups| groups.into_iter().flatten().collect())
}

/// [`generate`] over several groups of specs, each placing its crates by its own layout
/// (the SDKs, the golden crates). Crate names are unique across every group, since all of
/// them are members of one workspace. The files come back per group, each sorted by path.
pub fn generate_groups(
    groups: &[(&[SpecSource], &Layout)],
) -> Result<Vec<Vec<File>>, Vec<Diagnostic>> {
    generate_over(groups, &|_| None)
}

/// [`generate_groups`] over a committed tree: `prior` reads a file of it by path (relative
/// to the repository root, as [`File::path`]). Each crate's committed public surface is
/// compared with the new one: a change the spec's version does not reflect is a
/// diagnostic at `api.version`, and the crate's `CHANGELOG.md` gets the changes.
pub fn generate_over(
    groups: &[(&[SpecSource], &Layout)],
    prior: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Vec<Vec<File>>, Vec<Diagnostic>> {
    // Work the emission will need that does not depend on the specs, done meanwhile.
    rayon::spawn(emit::docs::prepare);
    let mut diagnostics = Vec::new();
    let mut checked = Vec::new();
    for (group, (sources, layout)) in groups.iter().enumerate() {
        for source in sources.iter() {
            match parse(source) {
                Err(d) => diagnostics.extend(d),
                Ok((mut spec, map)) => {
                    if let Err(d) = import_into(&mut spec, source, &map) {
                        diagnostics.extend(d);
                        continue;
                    }
                    let found = place_imported(check::check(&spec, &map), &spec, source);
                    if found.is_empty() {
                        checked.push((source, (group, *layout), spec, map));
                    } else {
                        diagnostics.extend(found);
                    }
                }
            }
        }
    }
    // Two specs may not generate the same crate (`-` and `_` name the same library).
    let mut crates: BTreeMap<String, &str> = BTreeMap::new();
    for (source, _, spec, map) in &checked {
        let key = spec.api.crate_name.replace('-', "_");
        if let Some(other) = crates.insert(key, &source.path) {
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
    // The second pass: rules that need the resolved model.
    let apis: Vec<model::Api> = checked
        .iter()
        .map(|(source, _, spec, _)| model::lower(&source.path, spec))
        .collect();
    for (api, (_, _, _, map)) in apis.iter().zip(&checked) {
        diagnostics.extend(check::shadowed_classes(api, map));
    }
    // What changed since the committed generation, and whether the version says so.
    // Per API: its surface file and CHANGELOG.md.
    let mut history: Vec<[File; 2]> = Vec::new();
    for (api, (_, (_, layout), _, map)) in apis.iter().zip(&checked) {
        let dir = layout.crate_dir(api);
        let new = surface::Surface::of(api);
        let old = prior(&format!("{dir}/{}", surface::SURFACE_FILE))
            .and_then(|t| surface::Surface::parse(&t));
        let changes = old.as_ref().map(|old| surface::changes(old, &new));
        if let (Some(old), Some(changes)) = (&old, &changes) {
            if let Err(why) = surface::required_version(&old.version, &new.version, changes) {
                diagnostics.push(
                    map.at("api.version", why).hint(
                        "bump `api.version` as the changes require; the CHANGELOG lists them",
                    ),
                );
            }
        }
        let log = surface::changelog(
            &api.spec_file,
            &api.crate_name,
            &api.version,
            prior(&format!("{dir}/CHANGELOG.md")).as_deref(),
            changes.as_deref(),
        );
        history.push([
            File {
                path: format!("{dir}/{}", surface::SURFACE_FILE),
                contents: new.render(&api.spec_file),
            },
            File {
                path: format!("{dir}/CHANGELOG.md"),
                contents: log,
            },
        ]);
    }
    if !diagnostics.is_empty() {
        diagnostic::sort(&mut diagnostics);
        return Err(diagnostics);
    }
    let mut files: Vec<Vec<File>> = vec![Vec::new(); groups.len()];
    let work: Vec<(&model::Api, &Layout)> = apis
        .iter()
        .zip(&checked)
        .map(|(api, (_, (_, layout), _, _))| (api, *layout))
        .collect();
    let emitted = emit::emit_all(&work).into_iter().zip(history);
    for ((api_files, history), (_, (group, _), _, _)) in emitted.zip(&checked) {
        files[*group].extend(api_files);
        files[*group].extend(history);
    }
    for group in &mut files {
        group.sort_by(|a, b| a.path.cmp(&b.path));
    }
    Ok(files)
}

/// Parses, checks and lowers one spec: the resolved model, or every diagnostic.
pub fn resolve(source: &SpecSource) -> Result<model::Api, Vec<Diagnostic>> {
    let (mut spec, map) = parse(source)?;
    import_into(&mut spec, source, &map)?;
    let mut found = place_imported(check::check(&spec, &map), &spec, source);
    if !found.is_empty() {
        diagnostic::sort(&mut found);
        return Err(found);
    }
    let api = model::lower(&source.path, &spec);
    let mut found = check::shadowed_classes(&api, &map);
    if !found.is_empty() {
        diagnostic::sort(&mut found);
        return Err(found);
    }
    Ok(api)
}

/// The JSON Schema of the spec format, for editors.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(spec::Spec);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::documents_wanted;

    #[test]
    fn documents_wanted_reads_only_the_import() {
        let spec = "api:\n  name: X\nopenapi:\n  document: api/openapi.json\n  include: [a]\nendpoints: []\n";
        assert_eq!(documents_wanted(spec), ["api/openapi.json"]);
        // No import, or one that is not what the format says: nothing to read here (the
        // full parse reports a malformed one).
        for text in [
            "api:\n  name: X\n",
            "openapi: some.json\n",
            "openapi:\n  document: [a, b]\n",
            "openapi:\n  document: 3\n",
            "openapi: null\n",
            "- a list\n",
            "openapi:\n  document: \"unclosed\n",
            "",
        ] {
            assert!(documents_wanted(text).is_empty(), "{text:?}");
        }
    }
}
