//! Documents split across files: finding the files a root's `$ref`s reach, and joining them
//! into one document whose references are all local, so the importer reads one tree.
//!
//! A reference into another file (`resources/droplets/droplet.yml#/droplet`) is resolved
//! against the directory of the file that holds it; its target is copied once under
//! `/x-sdkgen-bundled/<n>` of the root (references inside it rewritten the same way), and
//! every reference to it points there. Where each copy came from is kept, so a diagnostic
//! about it names the file and place it came from.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;

use serde_json::Value;

/// Where bundled targets live in the joined document.
pub const BUNDLED: &str = "x-sdkgen-bundled";

/// The most files one document may be split into.
pub const MAX_FILES: usize = 10_000;

/// The most bytes all of a document's files may hold together.
pub const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;

/// Every file a document reaches through `$ref`, the root first, each read once by `read`
/// (given a path relative to the spec, `..` resolved, `/`-separated; `None` when it cannot
/// be read, which the import then reports). Bounded by [`MAX_FILES`] and
/// [`MAX_TOTAL_BYTES`]: past them, the rest is not read.
pub fn read_all(
    root: &str,
    mut read: impl FnMut(&str) -> Option<String>,
) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut queue = VecDeque::from([normalize(root)]);
    let mut total = 0usize;
    while let Some(path) = queue.pop_front() {
        if files.contains_key(&path) || files.len() >= MAX_FILES || total >= MAX_TOTAL_BYTES {
            continue;
        }
        let Some(text) = read(&path) else { continue };
        total += text.len();
        for reference in external_refs(&text) {
            let target = resolve(&path, &reference);
            if !files.contains_key(&target) {
                queue.push_back(target);
            }
        }
        files.insert(path, text);
    }
    files
}

/// The file parts of a text's `$ref`s to other files, found by scanning the text (a file
/// that is not valid YAML still has its references followed; the import reports it).
fn external_refs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    // One search over the whole text (a large document has a line per key), then each
    // reference read from the rest of its line.
    for (i, _) in text.match_indices("$ref") {
        let rest = text[i + 4..].split('\n').next().unwrap_or("");
        let rest = rest.strip_suffix('\r').unwrap_or(rest);
        let value = rest
            .trim_start_matches(['"', '\''])
            .trim_start()
            .trim_start_matches(':')
            .trim_start();
        let value = value.trim_start_matches(['"', '\'']);
        let end = value
            .find(['"', '\'', ',', '}', ' '])
            .unwrap_or(value.len());
        let reference = &value[..end];
        let file = reference.split('#').next().unwrap_or("");
        if !file.is_empty() && !file.contains("://") {
            out.push(file.to_owned());
        }
    }
    out
}

/// `reference` (a file path, relative) as seen from the file `from`.
fn resolve(from: &str, reference: &str) -> String {
    let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
    if dir.is_empty() {
        normalize(reference)
    } else {
        normalize(&format!("{dir}/{reference}"))
    }
}

/// A path with `.` and `x/..` taken out (leading `..` kept).
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The joined document, and where each bundled target came from: `(file, pointer)`.
pub struct Bundle {
    /// The root with every target under `/x-sdkgen-bundled/<n>`.
    pub root: Value,
    /// The file and JSON pointer each bundled target came from, by `n`.
    pub origins: Vec<(String, String)>,
}

/// Joins `root_file`'s document (parsed as `docs[root_file]`) with the files it reaches.
/// `Err` names a reference that does not resolve: `(file, pointer in it, reference)`.
pub fn join(
    root_file: &str,
    mut docs: BTreeMap<String, Value>,
) -> Result<Bundle, (String, String, String)> {
    let root_file = normalize(root_file);
    // A document of one file is rewritten in place. Nothing is ever copied out of the root
    // (its references to itself stay), so only a document that has other files, which may
    // point back into the root, keeps the root's original for them.
    let root = if docs.len() == 1 {
        docs.remove(&root_file)
    } else {
        docs.get(&root_file).cloned()
    };
    let mut root = root.ok_or_else(|| (root_file.clone(), String::new(), root_file.clone()))?;
    let mut state = Joiner {
        docs: &docs,
        keys: BTreeMap::new(),
        bundled: Vec::new(),
        origins: Vec::new(),
    };
    state.rewrite(&mut root, &root_file, &mut String::new(), true)?;
    if !state.bundled.is_empty() {
        if let Some(map) = root.as_object_mut() {
            map.insert(BUNDLED.to_owned(), Value::Array(state.bundled));
        }
    }
    Ok(Bundle {
        root,
        origins: state.origins,
    })
}

struct Joiner<'a> {
    docs: &'a BTreeMap<String, Value>,
    /// (file, pointer) -> index of its bundled copy.
    keys: BTreeMap<(String, String), usize>,
    bundled: Vec<Value>,
    origins: Vec<(String, String)>,
}

impl Joiner<'_> {
    /// Rewrites every `$ref` under `v` (which is in `file`, at `at`). References local to
    /// the root stay; all others point at a bundled copy. `at` is one buffer for the whole
    /// walk, each level's token pushed and popped (it is read only for an error), and is
    /// as it was when this returns `Ok`.
    fn rewrite(
        &mut self,
        v: &mut Value,
        file: &str,
        at: &mut String,
        in_root: bool,
    ) -> Result<(), (String, String, String)> {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    let reference = reference.clone();
                    let (target_file, pointer) = match reference.split_once('#') {
                        Some(("", p)) => (file.to_owned(), p.to_owned()),
                        Some((f, p)) => (resolve(file, f), p.to_owned()),
                        None => (resolve(file, &reference), String::new()),
                    };
                    if !(in_root && target_file == file) {
                        let index = self
                            .bundle(&target_file, &pointer)
                            .map_err(|_| (file.to_owned(), at.clone(), reference.clone()))?;
                        map.insert(
                            "$ref".to_owned(),
                            Value::String(format!("#/{BUNDLED}/{index}")),
                        );
                    }
                }
                for (k, child) in map.iter_mut() {
                    // Vendor extensions (code samples, display hints) are not read by the
                    // importer: their references are not followed.
                    if k == "$ref" || k.starts_with("x-") {
                        continue;
                    }
                    let len = at.len();
                    at.push('/');
                    super::push_escaped(at, k);
                    self.rewrite(child, file, at, in_root)?;
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    let len = at.len();
                    // Writing to a `String` does not fail.
                    let _ = write!(at, "/{i}");
                    self.rewrite(child, file, at, in_root)?;
                    at.truncate(len);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The index of the bundled copy of `pointer` in `file`, made on first use.
    fn bundle(&mut self, file: &str, pointer: &str) -> Result<usize, ()> {
        let key = (file.to_owned(), pointer.to_owned());
        if let Some(i) = self.keys.get(&key) {
            return Ok(*i);
        }
        let doc = self.docs.get(file).ok_or(())?;
        let target = if pointer.is_empty() {
            doc
        } else {
            doc.pointer(pointer).ok_or(())?
        };
        let index = self.bundled.len();
        self.keys.insert(key, index);
        self.bundled.push(Value::Null);
        self.origins.push((file.to_owned(), pointer.to_owned()));
        let mut copy = target.clone();
        self.rewrite(&mut copy, file, &mut pointer.to_owned(), false)
            .map_err(|_| ())?;
        self.bundled[index] = copy;
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_resolve_against_the_referring_file() {
        assert_eq!(normalize("a/./b/../c.yml"), "a/c.yml");
        assert_eq!(normalize("../x/../../y.yml"), "../../y.yml");
        assert_eq!(resolve("spec/root.yml", "r/d.yml"), "spec/r/d.yml");
        assert_eq!(resolve("spec/r/d.yml", "../../s/e.yml"), "s/e.yml");
        assert_eq!(
            external_refs(
                "  $ref: 'parameters.yml#/droplet_id'\n$ref: \"#/local\"\n{\"$ref\": \"x.json\"}"
            ),
            ["parameters.yml", "x.json"]
        );
        // Two on a line, CRLF line ends, a reference ending its text, and those that name
        // no file (local, or a URL) skipped.
        assert_eq!(
            external_refs(
                "[{\"$ref\": \"a.json#/x\"}, {\"$ref\":\"b.json\"}]\r\n$ref: c.yml\r\n\
                 $ref: https://example.com/d.yml\n$ref: '#/e'\n$ref: f.yml"
            ),
            ["a.json", "b.json", "c.yml", "f.yml"]
        );
        assert!(external_refs("no references\n$re f: x.yml\n$ref").is_empty());
    }

    #[test]
    fn targets_are_copied_once_and_cycles_end() {
        let docs: BTreeMap<String, Value> = [
            (
                "root.yml".to_owned(),
                json!({"paths": {"/a": {"get": {"$ref": "ops/a.yml"}}}, "x": {"$ref": "#/paths"}}),
            ),
            (
                "ops/a.yml".to_owned(),
                json!({"operationId": "a", "schema": {"$ref": "../models.yml#/Node"}, "again": {"$ref": "../models.yml#/Node"}}),
            ),
            (
                "models.yml".to_owned(),
                json!({"Node": {"properties": {"next": {"$ref": "#/Node"}}}}),
            ),
        ]
        .into();
        let b = join("root.yml", docs.clone()).unwrap();
        assert_eq!(b.root["x"]["$ref"], "#/paths");
        assert_eq!(b.root["paths"]["/a"]["get"]["$ref"], "#/x-sdkgen-bundled/0");
        let bundled = b.root[BUNDLED].as_array().unwrap();
        assert_eq!(bundled.len(), 2);
        assert_eq!(bundled[0]["schema"]["$ref"], "#/x-sdkgen-bundled/1");
        assert_eq!(bundled[0]["again"]["$ref"], "#/x-sdkgen-bundled/1");
        assert_eq!(
            bundled[1]["properties"]["next"]["$ref"],
            "#/x-sdkgen-bundled/1"
        );
        assert_eq!(b.origins[1], ("models.yml".to_owned(), "/Node".to_owned()));
        let missing: BTreeMap<String, Value> =
            [("root.yml".to_owned(), json!({"a": {"$ref": "nope.yml"}}))].into();
        assert!(join("root.yml", missing).is_err());
    }

    /// A reference that does not resolve is reported at its own pointer, escaped, whether
    /// the document is one file (rewritten in place) or several; the walk's one pointer
    /// buffer is back to each level's own after every sibling.
    #[test]
    fn an_unresolved_reference_is_placed_at_its_pointer() {
        let root = json!({
            "paths": {
                "/ok": {"get": {"$ref": "#/components/x"}},
                "/a~b/c": {"get": [{"x": 1}, {"schema": {"$ref": "nope.yml#/S"}}]}
            }
        });
        let want = (
            "root.yml".to_owned(),
            "/paths/~1a~0b~1c/get/1/schema".to_owned(),
            "nope.yml#/S".to_owned(),
        );
        let one: BTreeMap<String, Value> = [("root.yml".to_owned(), root.clone())].into();
        assert_eq!(join("root.yml", one).err(), Some(want.clone()));
        let two: BTreeMap<String, Value> = [
            ("root.yml".to_owned(), root),
            ("other.yml".to_owned(), json!({})),
        ]
        .into();
        assert_eq!(join("root.yml", two).err(), Some(want));
        // Within one file, local references stay and the document comes back whole.
        let local = json!({"a": {"$ref": "#/b"}, "b": [{"$ref": "root.yml#/a"}]});
        let one: BTreeMap<String, Value> = [("root.yml".to_owned(), local.clone())].into();
        let b = join("root.yml", one).unwrap();
        assert_eq!(b.root, local);
        assert!(b.origins.is_empty());
    }
}
