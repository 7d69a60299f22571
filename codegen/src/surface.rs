//! What changed in a crate's public surface between the committed generation and this one,
//! at the level of the spec, and whether the spec's version says so.
//!
//! Each crate carries its surface as a generated file (`api-surface.txt`): one sorted line
//! per class, attribute, endpoint, parameter, model, field, enum value and union variant,
//! with its type. Comparing the committed file with the new one gives the changes: a line
//! gone or a type changed is breaking; a line added is not, unless it is a required
//! parameter or field (the method or constructor gains an argument). The crate's
//! `CHANGELOG.md` gets a section per version written from them.

use std::collections::BTreeMap;

use crate::model::{self, Shape};
use crate::syntax::TypeExpr;

/// The file a crate's surface is kept in, in the crate's directory.
pub const SURFACE_FILE: &str = "api-surface.txt";

/// The surface of an API: its version and its lines, `key -> value`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Surface {
    /// The crate's version.
    pub version: String,
    /// Every item by key (`endpoint memories.store(text)`), with its type and whether it is
    /// required.
    pub items: BTreeMap<String, String>,
}

/// The spec form of a type (`list<Memory>`).
fn type_text(t: &TypeExpr) -> String {
    match t {
        TypeExpr::String => "string".into(),
        TypeExpr::Integer => "integer".into(),
        TypeExpr::Number => "number".into(),
        TypeExpr::Boolean => "boolean".into(),
        TypeExpr::Timestamp => "timestamp".into(),
        TypeExpr::Json => "json".into(),
        TypeExpr::File => "file".into(),
        TypeExpr::List(t) => format!("list<{}>", type_text(t)),
        TypeExpr::Map(t) => format!("map<{}>", type_text(t)),
        TypeExpr::Named(n) => n.clone(),
    }
}

fn required(r: bool) -> &'static str {
    if r {
        "required"
    } else {
        "optional"
    }
}

impl Surface {
    /// The surface the model gives the generated crate.
    pub fn of(api: &model::Api) -> Surface {
        let mut items = BTreeMap::new();
        let e = &api.errors;
        for class in &e.classes {
            items.insert(format!("class {}", class.spec_name), "class".into());
            for a in &class.attributes {
                let ty = match &a.typed {
                    Some(t) => type_text(t),
                    None => format!("{:?}", a.ty).to_lowercase(),
                };
                items.insert(format!("class {}.{}", class.spec_name, a.spec_name), ty);
            }
        }
        for ep in &api.endpoints {
            let returns = if ep.download {
                "download".to_owned()
            } else if let Some(s) = &ep.stream {
                format!("stream<{}>", type_text(&s.event))
            } else {
                ep.response.as_ref().map_or("()".into(), type_text)
            };
            items.insert(format!("endpoint {}", ep.spec_name), returns);
            for p in &ep.params {
                items.insert(
                    format!("endpoint {}({})", ep.spec_name, p.spec_name),
                    format!("{}, {}", type_text(&p.ty), required(p.required)),
                );
            }
            if let Some((m, _)) = ep.body {
                items.insert(
                    format!("endpoint {} body", ep.spec_name),
                    api.models[m].spec_name.clone(),
                );
            }
        }
        for m in &api.models {
            let name = &m.spec_name;
            match &m.shape {
                Shape::Struct(fields) => {
                    items.insert(format!("model {name}"), "struct".into());
                    for f in fields {
                        let nullable = if f.nullable { ", nullable" } else { "" };
                        items.insert(
                            format!("model {name}.{}", f.spec_name),
                            format!("{}, {}{nullable}", type_text(&f.ty), required(f.required)),
                        );
                    }
                }
                Shape::Enum { values, open } => {
                    let kind = if *open { "open enum" } else { "enum" };
                    items.insert(format!("model {name}"), kind.into());
                    for v in values {
                        items.insert(format!("model {name} = {}", v.wire), "value".into());
                    }
                }
                Shape::Union { tag, variants } => {
                    let kind = match tag {
                        Some(t) => format!("union tagged by {t}"),
                        None => "union".into(),
                    };
                    items.insert(format!("model {name}"), kind);
                    for v in variants {
                        let key = v.tag.as_deref().unwrap_or(&v.rust_name);
                        items.insert(format!("model {name} | {key}"), type_text(&v.ty));
                    }
                }
            }
        }
        Surface {
            version: api.version.clone(),
            items,
        }
    }

    /// The file's text: a header, the version, then `key: value` lines in key order.
    pub fn render(&self, spec_file: &str) -> String {
        let mut out = crate::emit::header("#", spec_file);
        out.push_str(
            "# The public surface the spec gives this crate. `cargo xtask codegen` compares it\n\
             # with the next generation's to check the version and write CHANGELOG.md.\n",
        );
        out.push_str(&format!("version {}\n", self.version));
        for (k, v) in &self.items {
            out.push_str(&format!("{k} :: {v}\n"));
        }
        out
    }

    /// Reads a committed file; `None` when it is not one (then there is nothing to compare).
    pub fn parse(text: &str) -> Option<Surface> {
        let mut surface = Surface::default();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if let Some(v) = line.strip_prefix("version ") {
                surface.version = v.trim().to_owned();
            } else {
                let (k, v) = line.split_once(" :: ")?;
                surface.items.insert(k.to_owned(), v.to_owned());
            }
        }
        (!surface.version.is_empty()).then_some(surface)
    }
}

/// One change of the surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Breaks code written against the old surface.
    pub breaking: bool,
    /// What changed, in words (`removed endpoint \`memories.delete\``).
    pub text: String,
}

/// Every change from `old` to `new`, breaking ones first, each group in key order.
pub fn changes(old: &Surface, new: &Surface) -> Vec<Change> {
    let mut out = Vec::new();
    for (k, v) in &old.items {
        match new.items.get(k) {
            None => out.push(Change {
                breaking: true,
                text: format!("removed {}", quoted(k)),
            }),
            Some(nv) if nv != v => out.push(Change {
                breaking: true,
                text: format!("changed {}: `{v}` is now `{nv}`", quoted(k)),
            }),
            Some(_) => {}
        }
    }
    for (k, v) in &new.items {
        if old.items.contains_key(k) {
            continue;
        }
        // A required parameter or field of an existing endpoint or model is a new argument.
        let owner_existed = owner(k).is_some_and(|o| old.items.contains_key(&o));
        let breaking = owner_existed && v.contains("required");
        let what = if breaking { "added required" } else { "added" };
        out.push(Change {
            breaking,
            text: format!("{what} {}: `{v}`", quoted(k)),
        });
    }
    out.sort_by_key(|c| !c.breaking);
    out
}

/// The endpoint or model a parameter or field line belongs to.
fn owner(key: &str) -> Option<String> {
    if let Some(i) = key.find('(') {
        return Some(key[..i].to_owned());
    }
    let (kind, rest) = key.split_once(' ')?;
    let (name, _) = rest.split_once('.')?;
    (kind == "model").then(|| format!("model {name}"))
}

/// `endpoint memories.store(text)` as "endpoint `memories.store(text)`".
fn quoted(key: &str) -> String {
    match key.split_once(' ') {
        Some((kind, rest)) => format!("{kind} `{rest}`"),
        None => format!("`{key}`"),
    }
}

/// `Ok` when `new` may carry `changes` after `old` (by cargo's rules of compatibility),
/// else why not and the lowest version that may.
pub fn required_version(old: &str, new: &str, changes: &[Change]) -> Result<(), String> {
    let (Ok(old_v), Ok(new_v)) = (::semver::Version::parse(old), ::semver::Version::parse(new))
    else {
        return Ok(());
    };
    if new_v < old_v {
        return Err(format!(
            "version {new} is lower than the committed crate's {old}"
        ));
    }
    let breaking = changes.iter().any(|c| c.breaking);
    if changes.is_empty() {
        return Ok(());
    }
    // What cargo treats as compatible: the leftmost non-zero component is the major one.
    let least = if breaking {
        match (old_v.major, old_v.minor) {
            (0, 0) => ::semver::Version::new(0, 0, old_v.patch + 1),
            (0, m) => ::semver::Version::new(0, m + 1, 0),
            (m, _) => ::semver::Version::new(m + 1, 0, 0),
        }
    } else {
        match old_v.major {
            0 => ::semver::Version::new(0, old_v.minor, old_v.patch + 1),
            m => ::semver::Version::new(m, old_v.minor + 1, 0),
        }
    };
    if new_v >= least {
        return Ok(());
    }
    let count = changes.iter().filter(|c| c.breaking == breaking).count();
    let kind = if breaking { "breaking" } else { "compatible" };
    let list: Vec<String> = changes
        .iter()
        .filter(|c| c.breaking == breaking)
        .take(12)
        .map(|c| format!("\n  - {}", c.text))
        .collect();
    let more = if count > 12 {
        format!("\n  - and {} more", count - 12)
    } else {
        String::new()
    };
    Err(format!(
        "version {new} does not reflect {count} {kind} change(s) since the committed crate ({old}):{}{more}\n  use version {least} or later",
        list.concat()
    ))
}

/// The crate's `CHANGELOG.md`: the committed one with this version's section written from
/// `changes` (merged into the section when the version is unchanged), or a first section.
pub fn changelog(
    spec_file: &str,
    crate_name: &str,
    version: &str,
    prior: Option<&str>,
    changes: Option<&[Change]>,
) -> String {
    let header = format!(
        "<!-- {} -->\n# Changelog of `{crate_name}`\n\nEach section lists what changed in the crate's public surface, from the spec.\n",
        crate::emit::header("", spec_file).trim()
    );
    let mut sections: Vec<(String, Vec<String>)> = prior.map(parse_sections).unwrap_or_default();
    let Some(changes) = changes else {
        // No committed surface: the first generation.
        if sections.is_empty() {
            sections.push((
                version.to_owned(),
                vec![format!("- First generated from `{spec_file}`.")],
            ));
        }
        return write_sections(&header, &sections);
    };
    let mut lines: Vec<String> = Vec::new();
    for (breaking, title) in [(true, "Breaking"), (false, "Added or compatible")] {
        let group: Vec<&Change> = changes.iter().filter(|c| c.breaking == breaking).collect();
        if !group.is_empty() {
            lines.push(format!("{title}:"));
            lines.extend(group.iter().map(|c| format!("- {}", c.text)));
        }
    }
    match sections.iter_mut().find(|(v, _)| v == version) {
        Some((_, body)) => {
            for line in lines {
                if !body.contains(&line) || !line.starts_with("- ") {
                    body.push(line);
                }
            }
        }
        None => {
            if lines.is_empty() {
                lines.push("- No change to the public surface.".into());
            }
            sections.insert(0, (version.to_owned(), lines));
        }
    }
    write_sections(&header, &sections)
}

fn parse_sections(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("## ") {
            out.push((v.trim().to_owned(), Vec::new()));
        } else if let Some((_, body)) = out.last_mut() {
            if !line.trim().is_empty() {
                body.push(line.to_owned());
            }
        }
    }
    out
}

fn write_sections(header: &str, sections: &[(String, Vec<String>)]) -> String {
    let mut out = header.to_owned();
    for (version, body) in sections {
        out.push_str(&format!("\n## {version}\n\n"));
        for line in body {
            // A group title after a list gets a blank line before it.
            if !line.starts_with("- ") && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
