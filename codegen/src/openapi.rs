//! Import from an OpenAPI 3.0 or 3.1 document: its operations become endpoints and its
//! schemas models, in the spec's own terms, before the spec is checked. Everything else
//! (errors, limits, retry, auth, lifecycle) stays in the spec's YAML.
//!
//! Nothing the importer cannot express becomes a panic or a guess: an operation it cannot
//! import is left out with a diagnostic naming the document, the place and the way out
//! (exclude it, or override a type); a schema shape it cannot type becomes `json`, with a
//! warning.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, SourceMap};
use crate::spec::{self, BodyEncoding, Endpoint, Field, Model, Param, ParamLocation};

pub mod bundle;

/// HTTP methods an OpenAPI path item may hold, in the order they are imported.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// How deep the importer follows nested schemas before typing the rest as `json`.
const MAX_SCHEMA_DEPTH: usize = 32;

/// What an import produced: endpoints and models to add to the spec, and what was left out
/// or simplified, each with where and why.
#[derive(Debug, Default)]
pub struct Imported {
    /// The endpoints, in document order.
    pub endpoints: Vec<Endpoint>,
    /// The models, components first (in document order), then inline schemas.
    pub models: Vec<Model>,
    /// Operations left out: `(operation, reason)`.
    pub excluded: Vec<(String, String)>,
    /// Shapes kept as raw JSON, and names changed to stay unique: `(JSON pointer, note)`.
    pub warnings: Vec<(String, String)>,
    /// Operations and schemas the document has.
    pub present: (usize, usize),
    /// The JSON pointer of each endpoint's operation.
    pub endpoint_origins: Vec<String>,
    /// The JSON pointer of each model's schema.
    pub model_origins: Vec<String>,
    /// Where each bundled part of a document split across files came from.
    pub bundle_origins: Vec<(String, String)>,
    /// Problems of the spec's own `openapi:` section: `(YAML path, message)`.
    pub spec_errors: Vec<(String, String)>,
}

/// The documents of an import: the root and the files its references reach, by path
/// relative to the spec's directory (see [`bundle::read_all`]).
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// The spec's directory, as diagnostics name files (`codegen/tests/good_specs`).
    pub dir: &'a str,
    /// The root document's path, relative to `dir`.
    pub root: &'a str,
    /// Every file's text, by path relative to `dir`.
    pub documents: &'a BTreeMap<String, String>,
}

/// Places diagnostics at JSON pointers of the joined document: in the root, or in the file
/// a bundled part came from.
pub struct Placer<'a> {
    sources: Sources<'a>,
    origins: &'a [(String, String)],
    maps: BTreeMap<String, SourceMap>,
}

impl<'a> Placer<'a> {
    /// A placer over `sources`, whose bundled parts came from `origins`.
    pub fn new(sources: Sources<'a>, origins: &'a [(String, String)]) -> Self {
        Placer {
            sources,
            origins,
            maps: BTreeMap::new(),
        }
    }

    fn name(&self, key: &str) -> String {
        if self.sources.dir.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.sources.dir)
        }
    }

    /// A diagnostic at `pointer` of the joined document.
    pub fn place(&mut self, pointer: &str, message: String) -> Diagnostic {
        let prefix = format!("/{}/", bundle::BUNDLED);
        let (file, local) = match pointer.strip_prefix(&prefix) {
            Some(rest) => {
                let (n, tail) = rest.split_once('/').unwrap_or((rest, ""));
                match n.parse::<usize>().ok().and_then(|n| self.origins.get(n)) {
                    Some((file, at)) => (
                        file.clone(),
                        if tail.is_empty() {
                            at.clone()
                        } else {
                            format!("{at}/{tail}")
                        },
                    ),
                    None => (bundle::normalize(self.sources.root), pointer.to_owned()),
                }
            }
            None => (bundle::normalize(self.sources.root), pointer.to_owned()),
        };
        let name = self.name(&file);
        let text = self.sources.documents.get(&file).map_or("", String::as_str);
        let map = self
            .maps
            .entry(file.clone())
            .or_insert_with(|| SourceMap::new(&name, text));
        placed(map, &local, message)
    }
}

/// Imports the document `sources` names, as `config` says. Errors are diagnostics placed
/// in the document's files; a document that is not OpenAPI 3 fails whole.
pub fn import(
    config: &spec::OpenApiImport,
    sources: Sources<'_>,
    taken: &BTreeSet<String>,
) -> Result<Imported, Vec<Diagnostic>> {
    let root_key = bundle::normalize(sources.root);
    let name = |key: &str| {
        if sources.dir.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", sources.dir)
        }
    };
    // The files parse independently: on every core (a document split into thousands of
    // files spends most of its import here). The first failure in file order is reported.
    // A document of one file is parsed here: handing it to a pool thread would only add
    // the wait for that thread.
    let parse = |(key, text): (&String, &String)| {
        parse_document(&name(key), text).map(|v| (key.clone(), v))
    };
    let parsed: Vec<Result<(String, Value), Vec<Diagnostic>>> = if sources.documents.len() > 1 {
        use rayon::prelude::*;
        let files: Vec<(&String, &String)> = sources.documents.iter().collect();
        files.into_par_iter().map(parse).collect()
    } else {
        sources.documents.iter().map(parse).collect()
    };
    let mut docs = BTreeMap::new();
    for result in parsed {
        let (key, value) = result?;
        docs.insert(key, value);
    }
    let joined = match bundle::join(&root_key, docs) {
        Ok(b) => b,
        Err((file, at, reference)) => {
            let mut placer = Placer::new(sources, &[]);
            let mut d = placer.place(&at, format!("`$ref: {reference}` does not resolve"));
            if file != root_key {
                let text = sources.documents.get(&file).map_or("", String::as_str);
                d = placed(&SourceMap::new(&name(&file), text), &at, d.message);
            }
            return Err(vec![d.hint(
                "a reference is relative to the file that holds it; every file it names must be readable",
            )]);
        }
    };
    let root = joined.root;
    let origins = joined.origins;
    let fail = |pointer: &str, message: String, hint: &str| {
        let mut placer = Placer::new(sources, &origins);
        vec![placer.place(pointer, message).hint(hint)]
    };
    let version = root.get("openapi").and_then(Value::as_str).unwrap_or("");
    if !(version.starts_with("3.0") || version.starts_with("3.1")) {
        return Err(fail(
            "/openapi",
            format!("`openapi: {version}` is not a version the importer reads"),
            "OpenAPI 3.0 and 3.1 are supported; convert a Swagger 2.0 document first",
        ));
    }
    let mut cx = Importer {
        root: &root,
        config,
        models: Vec::new(),
        names: taken.clone(),
        components: BTreeMap::new(),
        aliases: BTreeMap::new(),
        resolving: BTreeSet::new(),
        warnings: Vec::new(),
        origins: Vec::new(),
        named: BTreeMap::new(),
        bundled: &origins,
    };
    cx.register_components();
    let mut out = Imported::default();
    let mut errors: Vec<(String, String, String)> = Vec::new();
    let paths = root.get("paths").and_then(Value::as_object);
    let mut operations = 0;
    for (path, item) in paths.into_iter().flatten() {
        let item = cx.deref(item);
        for method in METHODS {
            let Some(op) = item.get(method).map(|op| cx.deref(op)) else {
                continue;
            };
            operations += 1;
            let pointer = format!("/paths/{}/{method}", escape(path));
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{method}_{path}").to_snake_case());
            if let Some(reason) = cx.excluded(&id, path, op) {
                out.excluded.push((id, reason));
                continue;
            }
            match cx.operation(&id, path, method, item, op, &pointer) {
                Ok(e) => {
                    out.endpoints.push(e);
                    out.endpoint_origins.push(pointer);
                }
                Err((at, message)) => errors.push((at, message, id)),
            }
        }
    }
    // Entries of the spec's own `openapi:` that name nothing are the spec's errors.
    for (i, e) in config.exclude.iter().enumerate() {
        let matched = paths.into_iter().flatten().any(|(path, item)| {
            let item = cx.deref(item);
            METHODS.iter().any(|m| {
                item.get(*m).map(|op| cx.deref(op)).is_some_and(|op| {
                    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
                    e.matches(id, path, op)
                })
            })
        });
        if !matched {
            out.spec_errors.push((
                format!("openapi.exclude[{i}]"),
                format!("`exclude` entry {} matches no operation", e.describe()),
            ));
        }
    }
    for id in config.overrides.keys() {
        if !out
            .endpoints
            .iter()
            .any(|e| e.operation_id.as_deref() == Some(id))
        {
            out.spec_errors.push((
                format!("openapi.overrides.{id}"),
                format!("`overrides` names operation `{id}`, which is not imported"),
            ));
        }
    }
    if !errors.is_empty() {
        let mut placer = Placer::new(sources, &origins);
        return Err(errors
            .into_iter()
            .map(|(pointer, message, id)| {
                let mut d = placer.place(&pointer, message);
                if !id.is_empty() {
                    d = d.hint(format!(
                        "exclude it (`exclude: [{{operation: {id}, reason: ...}}]`) or override the type it uses (`types:`)"
                    ));
                }
                d
            })
            .collect());
    }
    let schemas = root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map_or(0, Map::len);
    out.present = (operations, schemas);
    out.models = cx.models;
    out.model_origins = cx.origins;
    out.warnings = cx.warnings;
    out.bundle_origins = origins;
    Ok(out)
}

/// A diagnostic at a JSON pointer of the document: at the node, or its nearest ancestor in
/// the text, or (for a document whose shape is not what the pointer expects) its first line.
pub(crate) fn placed(map: &SourceMap, pointer: &str, message: String) -> Diagnostic {
    let mut d = map.at(&yaml_path(pointer), message);
    if d.position.is_none() {
        d = map.at_position(Some((1, 1)), None, d.message);
    }
    d.path = Some(format!("#{pointer}"));
    d
}

/// A document's value, read from YAML or JSON as `serde_json` values are, except that an
/// integer past 64 bits (a `maximum` of 2^64) becomes the nearest float instead of failing
/// the whole document: the importer reads shapes, not those values.
/// One file of a document, parsed: JSON by the JSON parser (several times faster than
/// YAML's, and JSON is what large documents are published as), anything else, or JSON the
/// JSON parser refuses, as YAML, whose errors are the ones reported.
fn parse_document(file: &str, text: &str) -> Result<Value, Vec<Diagnostic>> {
    crate::bounds::check(file, text)?;
    if text.trim_start().starts_with('{') {
        if let Ok(Lossy(v)) = serde_json::from_str::<Lossy>(text) {
            return Ok(v);
        }
    }
    serde_yaml::from_str::<Lossy>(text)
        .map(|Lossy(v)| v)
        .map_err(|e| {
            // Placed where the parser stopped, as a spec's own syntax errors are.
            let mut d = crate::yaml_diagnostic(&SourceMap::new_unindexed(file, text), &e);
            d.message =
                d.message
                    .replacen("invalid spec:", "the OpenAPI document does not parse:", 1);
            d.hint = Some("it must be YAML or JSON".to_owned());
            vec![d]
        })
}

struct Lossy(Value);

impl<'de> serde::Deserialize<'de> for Lossy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LossyVisitor).map(Lossy)
    }
}

struct LossyVisitor;

impl<'de> serde::de::Visitor<'de> for LossyVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(float(v as f64))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(float(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(LossyVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Lossy(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<Lossy>()? {
            let key = match key.0 {
                Value::String(s) => s,
                other => other.to_string(),
            };
            let Lossy(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

fn float(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// `~` and `/` escaped for a JSON pointer token.
fn escape(token: &str) -> String {
    let mut escaped = String::with_capacity(token.len());
    push_escaped(&mut escaped, token);
    escaped
}

/// `token` pushed onto a JSON pointer, escaped (`~` as `~0`, `/` as `~1`).
fn push_escaped(pointer: &mut String, token: &str) {
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// A JSON pointer as the source map's YAML path (`/paths/~1a/get` -> `paths./a.get`).
fn yaml_path(pointer: &str) -> String {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

struct Importer<'d> {
    root: &'d Value,
    config: &'d spec::OpenApiImport,
    models: Vec<Model>,
    /// Model names in use (the spec's own, then each one made here).
    names: BTreeSet<String>,
    /// Component schemas that become models: their `$ref` -> model name.
    components: BTreeMap<String, String>,
    /// Component schemas that are another type (`string`, a list): `$ref` -> its schema.
    aliases: BTreeMap<String, &'d Value>,
    /// Aliases being resolved, so a cycle of aliases ends.
    resolving: BTreeSet<String>,
    warnings: Vec<(String, String)>,
    /// The JSON pointer each model was built from, by index.
    origins: Vec<String>,
    /// Schemas named by other references (another file's, a bundled part's): ref -> model.
    named: BTreeMap<String, String>,
    /// Where each bundled part came from, for naming its models.
    bundled: &'d [(String, String)],
}

impl<'d> Importer<'d> {
    /// Names every component schema that becomes a model first, so references between
    /// them (cycles included) resolve to names; then builds them.
    fn register_components(&mut self) {
        let Some(schemas) = self
            .root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        else {
            return;
        };
        let mut building = Vec::new();
        for (name, schema) in schemas {
            let reference = format!("#/components/schemas/{}", escape(name));
            // A type the spec overrides is that type wherever it is named.
            if self.config.types.contains_key(name) {
                continue;
            }
            if self.is_model(schema) {
                let model_name = self.fresh_name(&type_name(name), &reference);
                self.components
                    .insert(reference.clone(), model_name.clone());
                // A component that is a reference names what it refers to.
                if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
                    self.named.insert(r.to_owned(), model_name.clone());
                }
                building.push((model_name, schema, reference));
            } else {
                self.aliases.insert(reference, schema);
            }
        }
        for (model_name, schema, reference) in building {
            let pointer = reference.trim_start_matches('#').to_owned();
            self.build_model(&model_name, schema, &pointer, 0);
        }
    }

    /// Whether a schema becomes a model of its own (a struct, an enum, a union) rather than
    /// a type expression.
    fn is_model(&self, schema: &Value) -> bool {
        let schema = self.deref(schema);
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            if parts.len() == 1 && parts[0].get("$ref").is_some() {
                return false;
            }
            return true;
        }
        if let Some(alts) = union_alternatives(schema) {
            return self.nullable_of(alts).is_none() && self.scalar_union(alts).is_none();
        }
        if schema.get("enum").is_some() {
            return string_enum(schema).is_some();
        }
        schema.get("properties").is_some()
    }

    /// The name a referenced schema's model takes from where it is: the last key of its
    /// pointer (`#/droplet` -> `Droplet`), else its file's name (`droplet_actions.yml` ->
    /// `DropletActions`).
    fn ref_name(&self, reference: &str) -> Option<String> {
        let pointer = reference.strip_prefix('#')?;
        let prefix = format!("/{}/", bundle::BUNDLED);
        let (file, at) = match pointer.strip_prefix(&prefix) {
            Some(rest) => {
                let (n, tail) = rest.split_once('/').unwrap_or((rest, ""));
                let (file, at) = self.bundled.get(n.parse::<usize>().ok()?)?;
                (
                    file.as_str(),
                    if tail.is_empty() {
                        at.clone()
                    } else {
                        format!("{at}/{tail}")
                    },
                )
            }
            None => ("", pointer.to_owned()),
        };
        let last = at
            .rsplit('/')
            .find(|t| !t.is_empty() && t.parse::<usize>().is_err() && *t != "schema")
            .map(str::to_owned)
            .or_else(|| {
                let stem = file.rsplit('/').next()?;
                Some(stem.split('.').next().unwrap_or(stem).to_owned())
            })?;
        Some(type_name(&last.replace("~1", "/").replace("~0", "~")))
    }

    /// The one scalar type every alternative of a union is (an id or a name, both
    /// strings): the union is that scalar.
    fn scalar_union(&self, alts: &[Value]) -> Option<&'static str> {
        let mut found = None;
        for alt in alts {
            let t = self.scalar(alt, 0)?;
            if found.is_some_and(|f| f != t) {
                return None;
            }
            found = Some(t);
        }
        found
    }

    /// The scalar type of a schema that is one (through references and one-part `allOf`s),
    /// enums aside.
    fn scalar(&self, schema: &Value, depth: usize) -> Option<&'static str> {
        if depth > 8 {
            return None;
        }
        let schema = self.deref(schema);
        if let Some([one]) = schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            return self.scalar(one, depth + 1);
        }
        if schema.get("enum").is_some() || schema.get("properties").is_some() {
            return None;
        }
        match schema.get("type").and_then(Value::as_str)? {
            "string" if schema.get("format").and_then(Value::as_str) != Some("binary") => {
                Some("string")
            }
            "integer" => Some("integer"),
            "number" => Some("number"),
            "boolean" => Some("boolean"),
            _ => None,
        }
    }

    /// The name `wanted` (or, if the crate uses it, `wantedModel`, then `wanted2`,
    /// `wanted3`...), noting a rename.
    fn fresh_name(&mut self, wanted: &str, pointer: &str) -> String {
        let mut name = wanted.to_owned();
        if self.names.contains(&name) {
            name = format!("{wanted}Model");
        }
        let mut n = 2;
        while self.names.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        if name != wanted {
            self.warnings.push((
                pointer.trim_start_matches('#').to_owned(),
                format!("`{wanted}` is taken; the type is `{name}`"),
            ));
        }
        self.names.insert(name.clone());
        name
    }

    /// A local `$ref` followed (repeatedly) to what it names.
    fn deref(&self, v: &'d Value) -> &'d Value {
        let mut v = v;
        for _ in 0..16 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) if r.starts_with("#/") => match self.root.pointer(&r[1..]) {
                    Some(target) => v = target,
                    None => return v,
                },
                _ => return v,
            }
        }
        v
    }

    /// The alternative a `[X, null]` union makes nullable.
    fn nullable_of<'a>(&self, alts: &'a [Value]) -> Option<&'a Value> {
        if alts.len() != 2 {
            return None;
        }
        let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
        match (is_null(&alts[0]), is_null(&alts[1])) {
            (true, false) => Some(&alts[1]),
            (false, true) => Some(&alts[0]),
            _ => None,
        }
    }

    fn push_model(&mut self, model: Model, pointer: &str) {
        self.models.push(model);
        self.origins.push(pointer.to_owned());
    }

    /// Builds the model `name` from `schema`.
    fn build_model(&mut self, name: &str, schema: &'d Value, pointer: &str, depth: usize) {
        let schema = self.deref(schema);
        let docs = describe(schema).unwrap_or_else(|| format!("`{name}`."));
        let mut model = Model {
            name: name.to_owned(),
            docs,
            fields: None,
            values: None,
            open: None,
            tag: None,
            variants: None,
            one_of: None,
        };
        if let Some(mut values) = string_enum(schema) {
            // Values whose Rust names collide (`red` and `red*`): the first keeps the name;
            // the others decode into `Unknown`, their text kept.
            let mut seen = BTreeSet::new();
            let before = values.len();
            values.retain(|v| {
                seen.insert(crate::model::naming::rust_name(
                    v,
                    crate::model::naming::NameKind::Variant,
                ))
            });
            if values.len() < before {
                self.warnings.push((
                    pointer.to_owned(),
                    format!("values of `{name}` that share a Rust name with an earlier one are left to `Unknown`"),
                ));
            }
            // A value named like the fallback variant leaves no room for one: closed.
            if values.iter().any(|v| {
                crate::model::naming::rust_name(v, crate::model::naming::NameKind::Variant)
                    == "Unknown"
            }) {
                model.open = Some(false);
                self.warnings.push((
                    pointer.to_owned(),
                    format!("`{name}` has a value `UNKNOWN`-like that takes the fallback's name; it is a closed enum"),
                ));
            }
            model.values = Some(
                values
                    .into_iter()
                    .map(|v| spec::EnumValue {
                        value: v,
                        docs: None,
                    })
                    .collect(),
            );
            self.push_model(model, pointer);
            return;
        }
        if let Some(alts) = union_alternatives(schema) {
            if let Some(enumed) = self.enum_of_alternatives(alts) {
                model.values = Some(enumed);
            } else if let Some((tag, variants)) =
                self.tagged_variants(name, schema, alts, pointer, depth)
            {
                model.tag = Some(tag);
                model.variants = Some(variants);
            } else {
                let key = if schema.get("oneOf").is_some() {
                    "oneOf"
                } else {
                    "anyOf"
                };
                let mut types = Vec::new();
                for (i, alt) in alts.iter().enumerate() {
                    let t = self.type_of(
                        alt,
                        &format!("{pointer}/{key}/{i}"),
                        &format!("{name}{}", i + 1),
                        depth + 1,
                    );
                    if !types.contains(&t.0) {
                        types.push(t.0);
                    }
                }
                if types.len() < 2 || types.iter().any(|t| t == "json") {
                    // Alternatives the importer cannot tell apart: whatever does not match
                    // a typed one is kept as raw JSON.
                    types.retain(|t| t != "json");
                    if types.is_empty() {
                        types.push("map<json>".into());
                    }
                    types.push("json".into());
                    self.warnings.push((
                        pointer.to_owned(),
                        format!("alternatives of `{name}` the importer cannot tell apart are kept as raw JSON"),
                    ));
                }
                model.one_of = Some(types);
            }
            self.push_model(model, pointer);
            return;
        }
        let mut fields = Vec::new();
        self.collect_fields(name, schema, pointer, depth, &mut fields);
        model.fields = Some(fields);
        self.push_model(model, pointer);
    }

    /// The fields of an object schema, `allOf` parts merged in order.
    fn collect_fields(
        &mut self,
        name: &str,
        schema: &'d Value,
        pointer: &str,
        depth: usize,
        fields: &mut Vec<Field>,
    ) {
        // `allOf` parts can name each other in a cycle.
        if depth > MAX_SCHEMA_DEPTH {
            self.warnings.push((
                pointer.to_owned(),
                format!("`allOf` nested deeper than {MAX_SCHEMA_DEPTH}; the rest is left out"),
            ));
            return;
        }
        let schema = self.deref(schema);
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            for (i, part) in parts.iter().enumerate() {
                self.collect_fields(
                    name,
                    part,
                    &format!("{pointer}/allOf/{i}"),
                    depth + 1,
                    fields,
                );
            }
        }
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (prop, prop_schema) in props {
                let at = format!("{pointer}/properties/{}", escape(prop));
                let hint = format!("{name}{}", type_name(prop));
                let (ty, nullable) = self.type_of(prop_schema, &at, &hint, depth + 1);
                let field = Field {
                    name: prop.clone(),
                    ty,
                    required: Some(required.contains(prop.as_str())),
                    nullable,
                    docs: describe(self.deref(prop_schema)),
                };
                match fields.iter_mut().find(|f| f.name == field.name) {
                    // A later `allOf` part restates a field: the later type wins, and it
                    // is required when either says so.
                    Some(f) => {
                        let req = f.required == Some(true) || field.required == Some(true);
                        *f = field;
                        f.required = Some(req);
                    }
                    None => fields.push(field),
                }
            }
        }
    }

    /// A union of single-value string enums (each alternative documenting one value) as
    /// one enum's values.
    fn enum_of_alternatives(&self, alts: &[Value]) -> Option<Vec<spec::EnumValue>> {
        let mut values = Vec::new();
        for alt in alts {
            let alt = self.deref(alt);
            let vs = string_enum(alt)?;
            for v in vs {
                values.push(spec::EnumValue {
                    value: v,
                    docs: describe(alt),
                });
            }
        }
        (!values.is_empty()).then_some(values)
    }

    /// A union told apart by one property: the `discriminator`'s, or a property every
    /// alternative pins to one string. Each variant becomes a struct without that field.
    fn tagged_variants(
        &mut self,
        name: &str,
        schema: &'d Value,
        alts: &'d [Value],
        pointer: &str,
        depth: usize,
    ) -> Option<(String, Vec<spec::UnionVariant>)> {
        let declared = schema
            .pointer("/discriminator/propertyName")
            .and_then(Value::as_str);
        let candidates: Vec<String> = match declared {
            Some(p) => vec![p.to_owned()],
            None => {
                let first = self.deref(alts.first()?);
                first
                    .get("properties")?
                    .as_object()?
                    .iter()
                    .filter(|(_, v)| single_value(self.deref(v)).is_some())
                    .map(|(k, _)| k.clone())
                    .collect()
            }
        };
        let mapping: BTreeMap<String, String> = schema
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((v.as_str()?.to_owned(), k.clone())))
                    .collect()
            })
            .unwrap_or_default();
        'candidate: for tag in candidates {
            let mut tags = Vec::new();
            for alt in alts {
                let reference = alt.get("$ref").and_then(Value::as_str);
                let body = self.deref(alt);
                let pinned = body
                    .pointer(&format!("/properties/{}", escape(&tag)))
                    .map(|v| self.deref(v))
                    .and_then(single_value);
                let value = match (pinned, reference.and_then(|r| mapping.get(r))) {
                    (_, Some(mapped)) => mapped.clone(),
                    (Some(v), None) => v,
                    (None, None) => match reference {
                        Some(r) if declared.is_some() => {
                            r.rsplit('/').next().unwrap_or(r).to_owned()
                        }
                        _ => continue 'candidate,
                    },
                };
                if tags.contains(&value) {
                    continue 'candidate;
                }
                tags.push(value);
            }
            let mut variants = Vec::new();
            for (i, (alt, value)) in alts.iter().zip(&tags).enumerate() {
                let variant = self.fresh_name(
                    &format!("{name}{}", type_name(value)),
                    &format!("{pointer}/oneOf/{i}"),
                );
                let mut fields = Vec::new();
                self.collect_fields(
                    &variant,
                    alt,
                    &format!("{pointer}/oneOf/{i}"),
                    depth + 1,
                    &mut fields,
                );
                fields.retain(|f| f.name != tag);
                let body = self.deref(alt);
                self.push_model(
                    Model {
                        name: variant.clone(),
                        docs: describe(body).unwrap_or_else(|| format!("`{name}` of `{value}`.")),
                        fields: Some(fields),
                        values: None,
                        open: None,
                        tag: None,
                        variants: None,
                        one_of: None,
                    },
                    &format!("{pointer}/oneOf/{i}"),
                );
                variants.push(spec::UnionVariant {
                    tag: value.clone(),
                    model: variant,
                    docs: None,
                });
            }
            return Some((tag, variants));
        }
        None
    }

    /// The type expression of a schema, and whether it may be null. An inline object,
    /// enum or union becomes a model named `hint`.
    fn type_of(
        &mut self,
        schema: &'d Value,
        pointer: &str,
        hint: &str,
        depth: usize,
    ) -> (String, bool) {
        if depth > MAX_SCHEMA_DEPTH {
            self.warnings.push((
                pointer.to_owned(),
                format!("nested deeper than {MAX_SCHEMA_DEPTH}; kept as raw JSON"),
            ));
            return ("json".into(), false);
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let nullable = schema.get("nullable") == Some(&Value::Bool(true));
            if let Some(name) = self.components.get(r) {
                return (name.clone(), nullable);
            }
            if let Some(t) = r
                .strip_prefix("#/components/schemas/")
                .and_then(|n| self.config.types.get(n))
            {
                return (t.clone(), nullable);
            }
            if let Some(target) = self.aliases.get(r).copied() {
                if !self.resolving.insert(r.to_owned()) {
                    return ("json".into(), nullable);
                }
                let (t, n) = self.type_of(target, &r[1..], hint, depth + 1);
                self.resolving.remove(r);
                return (t, n || nullable);
            }
            if let Some(name) = self.named.get(r) {
                return (name.clone(), nullable);
            }
            let target = r.strip_prefix('#').and_then(|p| self.root.pointer(p));
            let Some(target) = target else {
                self.warnings.push((
                    pointer.to_owned(),
                    format!("`{r}` does not resolve; kept as raw JSON"),
                ));
                return ("json".into(), nullable);
            };
            // A schema of another file (or another place of this one): one model however
            // often it is named, called after the place it came from.
            if self.is_model(target) {
                let wanted = self.ref_name(r).unwrap_or_else(|| hint.to_owned());
                let name = self.fresh_name(&wanted, &r[1..]);
                self.named.insert(r.to_owned(), name.clone());
                self.build_model(&name, target, &r[1..], depth + 1);
                return (name, nullable);
            }
            if !self.resolving.insert(r.to_owned()) {
                return ("json".into(), nullable);
            }
            let (t, n) = self.type_of(target, &r[1..], hint, depth + 1);
            self.resolving.remove(r);
            return (t, n || nullable);
        }
        let mut nullable = schema.get("nullable") == Some(&Value::Bool(true));
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            if parts.len() == 1 {
                let (t, n) =
                    self.type_of(&parts[0], &format!("{pointer}/allOf/0"), hint, depth + 1);
                return (t, n || nullable);
            }
        }
        if let Some(alts) = union_alternatives(schema) {
            if let Some(inner) = self.nullable_of(alts) {
                let (t, _) = self.type_of(inner, pointer, hint, depth + 1);
                return (t, true);
            }
            if let Some(t) = self.scalar_union(alts) {
                return (t.to_owned(), nullable);
            }
        }
        let types: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if types.contains(&"null") {
            nullable = true;
        }
        let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
        if self.is_model(schema) {
            let name = self.fresh_name(hint, pointer);
            self.build_model(&name, schema, pointer, depth + 1);
            return (name, nullable);
        }
        let t = match types.as_slice() {
            ["string"] => match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => "timestamp".to_owned(),
                Some("binary") => "file".to_owned(),
                _ => "string".to_owned(),
            },
            ["integer"] => "integer".to_owned(),
            ["number"] => "number".to_owned(),
            ["boolean"] => "boolean".to_owned(),
            ["array"] => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                let (inner, _) = self.type_of(
                    items,
                    &format!("{pointer}/items"),
                    &format!("{hint}Item"),
                    depth + 1,
                );
                format!("list<{inner}>")
            }
            ["object"] | []
                if schema
                    .get("additionalProperties")
                    .is_some_and(Value::is_object) =>
            {
                let values = schema.get("additionalProperties").unwrap_or(&Value::Null);
                let (inner, _) = self.type_of(
                    values,
                    &format!("{pointer}/additionalProperties"),
                    &format!("{hint}Value"),
                    depth + 1,
                );
                format!("map<{inner}>")
            }
            _ => "json".to_owned(),
        };
        (t, nullable)
    }

    /// The reason an operation is left out, when the spec excludes it.
    fn excluded(&self, id: &str, path: &str, op: &Value) -> Option<String> {
        self.config
            .exclude
            .iter()
            .find(|e| e.matches(id, path, op))
            .map(|e| e.reason.clone())
    }

    /// One operation as an endpoint; `Err` names where it cannot be imported and why.
    fn operation(
        &mut self,
        id: &str,
        path: &str,
        method: &str,
        item: &'d Value,
        op: &'d Value,
        pointer: &str,
    ) -> Result<Endpoint, (String, String)> {
        let over = self.config.overrides.get(id);
        let base = segment(id);
        let namespace = match self.config.namespaces.unwrap_or_default() {
            spec::Namespaces::Tag => op.pointer("/tags/0").and_then(Value::as_str).map(segment),
            spec::Namespaces::Path => path
                .split('/')
                .find(|s| !s.is_empty() && !s.starts_with('{'))
                .map(segment),
            spec::Namespaces::None => None,
        };
        let name = match over.and_then(|o| o.name.clone()) {
            Some(n) => n,
            None => match namespace.filter(|n| !n.is_empty() && *n != base) {
                Some(ns) => format!("{ns}.{base}"),
                None => base.clone(),
            },
        };
        let type_base = id.to_upper_camel_case();
        let mut params = Vec::new();
        let declared = item
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        for (i, p) in declared.enumerate() {
            let p = self.deref(p);
            let at = format!("{pointer}/parameters/{i}");
            let pname = p.get("name").and_then(Value::as_str).unwrap_or("");
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some("header") => ParamLocation::Header,
                other => {
                    return Err((
                        at,
                        format!(
                            "parameter `{pname}` is in `{}`, which the spec cannot send",
                            other.unwrap_or("?")
                        ),
                    ))
                }
            };
            let required =
                p.get("required") == Some(&Value::Bool(true)) || location == ParamLocation::Path;
            let schema = p.get("schema").unwrap_or(&Value::Null);
            let hint = format!("{type_base}{}", type_name(pname));
            // A parameter that is one of several scalars (an id or a fingerprint) is sent as
            // text whichever it is.
            let mixed_scalars = union_alternatives(self.deref(schema))
                .is_some_and(|alts| alts.iter().all(|a| self.scalar(a, 0).is_some()));
            let (ty, _) = if mixed_scalars {
                ("string".to_owned(), false)
            } else {
                self.type_of(schema, &format!("{at}/schema"), &hint, 0)
            };
            let scalar_or_enum = |t: &str| {
                matches!(t, "string" | "integer" | "number" | "boolean")
                    || self
                        .models
                        .iter()
                        .any(|m| m.name == t && m.values.is_some())
            };
            let ok = match ty.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
                Some(inner) => location == ParamLocation::Query && scalar_or_enum(inner),
                None => scalar_or_enum(&ty),
            };
            if !ok {
                if required {
                    return Err((
                        format!("{at}/schema"),
                        format!(
                            "parameter `{pname}` is a `{ty}`, which cannot go in a {} ",
                            loc_name(location)
                        ),
                    ));
                }
                self.warnings.push((
                    at,
                    format!("optional parameter `{pname}` of `{id}` is a `{ty}` and is left out"),
                ));
                continue;
            }
            // A later declaration (the operation's) replaces the path item's.
            params.retain(|q: &Param| !(q.name == pname && q.location == location));
            params.push(Param {
                name: pname.to_owned(),
                location,
                ty: Some(ty),
                required: Some(required),
                docs: describe(p),
            });
        }
        let (mut body, mut body_encoding) = (None, None);
        if let Some(rb) = op.get("requestBody") {
            let rb = self.deref(rb);
            let at = format!("{pointer}/requestBody");
            let content = rb.get("content").and_then(Value::as_object);
            let pick = |wanted: &str| {
                content.and_then(|c| {
                    c.iter()
                        .find(|(k, _)| k.split(';').next().unwrap_or("").trim() == wanted)
                })
            };
            let chosen = [
                ("application/json", BodyEncoding::Json),
                ("application/x-www-form-urlencoded", BodyEncoding::Form),
                ("multipart/form-data", BodyEncoding::Multipart),
            ]
            .into_iter()
            .find_map(|(mt, enc)| pick(mt).map(|(k, v)| (k.clone(), v, enc)));
            let Some((media, media_value, encoding)) = chosen else {
                let types: Vec<&String> = content.map(|c| c.keys().collect()).unwrap_or_default();
                return Err((
                    format!("{at}/content"),
                    format!(
                        "request body of `{id}` is {}; the spec sends JSON, forms and multipart uploads",
                        types
                            .iter()
                            .map(|t| format!("`{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            let schema = media_value.get("schema").unwrap_or(&Value::Null);
            let (ty, _) = self.type_of(
                schema,
                &format!("{at}/content/{}/schema", escape(&media)),
                &format!("{type_base}Body"),
                0,
            );
            // A JSON body is any model but an enum; a form or an upload is a struct's fields.
            let fits = self.models.iter().any(|m| {
                m.name == ty
                    && (m.fields.is_some()
                        || (encoding == BodyEncoding::Json && m.values.is_none()))
            });
            if !fits {
                return Err((
                    format!("{at}/content/{}/schema", escape(&media)),
                    format!("request body of `{id}` is a `{ty}`; the spec sends a body that is an object"),
                ));
            }
            body = Some(ty);
            body_encoding = (encoding != BodyEncoding::Json).then_some(encoding);
        }
        let mut response = None;
        let responses = op.get("responses").and_then(Value::as_object);
        let success = responses
            .into_iter()
            .flatten()
            .find(|(code, _)| code.starts_with('2') || code.eq_ignore_ascii_case("2XX"));
        if let Some((code, r)) = success {
            let r = self.deref(r);
            let at = format!("{pointer}/responses/{}", escape(code));
            if let Some(content) = r.get("content").and_then(Value::as_object) {
                let json = content.iter().find(|(k, _)| k.contains("json"));
                match json {
                    Some((media, v)) => {
                        let schema = v.get("schema").unwrap_or(&Value::Null);
                        let (ty, _) = self.type_of(
                            schema,
                            &format!("{at}/content/{}/schema", escape(media)),
                            &format!("{type_base}Response"),
                            0,
                        );
                        response = Some(ty);
                    }
                    None if !content.is_empty() => {
                        response = Some(crate::syntax::DOWNLOAD.to_owned())
                    }
                    None => {}
                }
            }
        }
        let summary = op.get("summary").and_then(Value::as_str);
        let description = op.get("description").and_then(Value::as_str);
        let docs = match (summary, description) {
            (Some(s), Some(d)) if !d.starts_with(s) => plain_links(&format!("{s}\n\n{d}")),
            (_, Some(d)) => plain_links(d),
            (Some(s), None) => plain_links(s),
            (None, None) => format!("`{}` {path}.", method.to_uppercase()),
        };
        let mut e = Endpoint {
            name,
            method: method.to_uppercase(),
            path: path.to_owned(),
            docs,
            params,
            body,
            body_encoding,
            response,
            quota: None,
            free: false,
            idempotent: None,
            errors: Vec::new(),
            pagination: None,
            stream: None,
            operation_id: Some(id.to_owned()),
        };
        if let Some(o) = over {
            o.apply(&mut e);
        }
        Ok(e)
    }
}

fn loc_name(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query string",
        ParamLocation::Header => "header",
    }
}

/// A schema's `oneOf` or `anyOf`, when it has one.
fn union_alternatives(schema: &Value) -> Option<&[Value]> {
    schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
}

/// The values of a string enum (a `const` is an enum of one).
fn string_enum(schema: &Value) -> Option<Vec<String>> {
    if let Some(Value::String(c)) = schema.get("const") {
        return Some(vec![c.clone()]);
    }
    let values = schema.get("enum")?.as_array()?;
    let strings: Vec<String> = values
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    (!strings.is_empty()).then_some(strings)
}

/// The one string a property is pinned to (`enum: [x]` or `const: x`).
fn single_value(schema: &Value) -> Option<String> {
    match string_enum(schema)?.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// A schema's description, else its title.
fn describe(schema: &Value) -> Option<String> {
    schema
        .get("description")
        .or_else(|| schema.get("title"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(plain_links)
}

/// A document's prose with links into the vendor's own code (`crate::views::Disk`, which
/// rustdoc would try to resolve here) made their text; links to web addresses stay, and
/// every other bracket is escaped later, as all spec prose is (`model::prose`).
fn plain_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|mid| {
            let label = &after[..mid];
            let target_start = mid + 2;
            let close = after[target_start..].find(')')? + target_start;
            (!label.contains('[')).then_some((label, &after[target_start..close], close))
        });
        match link {
            Some((label, target, close))
                if !["http://", "https://", "mailto:"]
                    .iter()
                    .any(|p| target.starts_with(p)) =>
            {
                out.push_str(label);
                rest = &after[close + 1..];
            }
            // A web link stays one, its label on one line (prose is escaped line by line).
            Some((label, target, close)) if label.contains('\n') => {
                let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
                out.push_str(&format!("[{label}]({target})"));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A name segment from any text: snake case of its ASCII letters and digits, starting with
/// a letter (`1-Click Applications` -> `n1_click_applications`).
fn segment(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let snake = cleaned.to_snake_case();
    match snake.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => snake,
        Some(_) => format!("n{snake}"),
        None => "op".to_owned(),
    }
}

/// A model name from any text: UpperCamelCase of its ASCII letters and digits, starting
/// with a letter.
fn type_name(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let camel = cleaned.to_upper_camel_case();
    match camel.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => camel,
        Some(_) => format!("T{camel}"),
        None => "Value".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_into_the_vendors_code_become_text() {
        assert_eq!(
            plain_links("See [`Disk`](crate::views::Disk) and [docs](https://x.io/a)."),
            "See `Disk` and [docs](https://x.io/a)."
        );
        assert_eq!(plain_links("a [b] c"), "a [b] c");
        assert_eq!(plain_links("[x](y"), "[x](y");
    }

    #[test]
    fn names_are_types() {
        assert_eq!(type_name("ip-pool.range"), "IpPoolRange");
        assert_eq!(type_name("2fa"), "T2fa");
        assert_eq!(type_name("--"), "Value");
        assert_eq!(yaml_path("/paths/~1a~1{b}/get"), "paths./a/{b}.get");
    }

    /// JSON takes the JSON parser's path and YAML the YAML parser's, to the same tree;
    /// integers past `u64` become floats on both; a broken JSON file is reported by the
    /// YAML parser, placed in its file.
    #[test]
    fn documents_parse_alike_as_json_or_yaml() {
        let json = r#"{"openapi": "3.0.3", "info": {"title": "T", "version": "1"},
            "paths": {}, "x-big": 123456789012345678901234567890, "list": [1, -2, 0.5, null, true]}"#;
        let yaml = "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n\
                    x-big: 123456789012345678901234567890\nlist: [1, -2, 0.5, null, true]\n";
        let a = parse_document("a.json", json).unwrap();
        let b = parse_document("b.yaml", yaml).unwrap();
        assert_eq!(a, b);
        assert!(a["x-big"].as_f64().is_some_and(|f| f > 1e29));
        let broken =
            parse_document("c.json", "{\"openapi\": \"3.0.3\",\n  \"paths\": [}\n").unwrap_err();
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].file, "c.json");
        assert!(
            broken[0].message.contains("does not parse"),
            "{}",
            broken[0].message
        );
    }
}
