//! The spec fuzzer: seeded, bounded mutations of the seed and golden specs (line edits,
//! hostile scalars in every position, names, versions, docs, deep nesting, anchors) through
//! the library entry point. Every case must end without a panic; a spec that fails must get
//! diagnostics that all have a line and column; a spec that checks must produce Rust that
//! `syn` parses and a manifest that is TOML with a name and version Cargo accepts.
//!
//! `SDKGEN_FUZZ_CASES=100000 cargo test -p codegen --release --test fuzz` runs a long
//! campaign; `SDKGEN_FUZZ_SEED` picks another sequence.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use codegen::{Layout, SpecSource};

/// Cases run by default: enough to cover every operator on every input many times over,
/// within a few seconds of a debug build.
const DEFAULT_CASES: usize = 2000;

/// A small, fast, seeded generator (SplitMix64): the same seed gives the same campaign.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Scalars an attacker or a careless editor puts anywhere.
const HOSTILE: &[&str] = &[
    "\"\"",
    "_",
    "\"-\"",
    "é",
    "\"{\"",
    "self",
    "Self",
    "type",
    "crate",
    "request",
    "body",
    "1st",
    "xtask",
    "sdkgen-runtime",
    "\"0.1.0-a\\\"\\nbuild = \\\"evil.rs\\\"\\n#\"",
    "\"back\\\\slash\"",
    "\"ctl\\u0001\\u0007\\u001b\"",
    "\"line\\nbreak\"",
    "\"metadata[key]=value\"",
    "\"*/ /* `code` <b>html</b>\"",
    "\"\\\"quoted\\\" 'single'\"",
    "-1",
    "0",
    "99999999999999999999",
    "1e308",
    ".nan",
    "~",
    "null",
    "true",
    "[]",
    "{}",
    "[a, b]",
    "{a: 1}",
    "'#not a comment'",
    "\"\\u202e reversed\"",
    "0.0.0",
    "1.2",
    "v1.0.0",
    "1.0.0+build.1",
    "5xx",
    "600",
    "\"399\"",
    "[200, 4xx]",
    "\"error.code[0]..x\"",
    "\"$.a\"",
    "0s",
    "-5s",
    "999999999h",
    "\"list<map<list<Foo>>>\"",
    "\"map<\"",
    "GET",
    "get",
    "\"/a/{b}/{b}\"",
    "\"/{\"",
    "\"x-api-key\"",
    "\"bad header\"",
];

/// Builds one mutant of `text`.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = rng.below(lines.len());
        match rng.below(14) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = rng.below(lines.len());
                lines.swap(i, j);
            }
            // A hostile value after a key.
            3..=5 => {
                if let Some(colon) = lines[i].find(": ") {
                    let v = rng.pick(HOSTILE);
                    lines[i] = format!("{}: {v}", &lines[i][..colon]);
                } else if let Some(dash) = lines[i].find("- ") {
                    let v = rng.pick(HOSTILE);
                    lines[i] = format!("{}- {v}", &lines[i][..dash]);
                }
            }
            // A hostile key.
            6 => {
                if let Some(colon) = lines[i].find(": ") {
                    let indent = lines[i].len() - lines[i].trim_start().len();
                    let k = rng.pick(HOSTILE);
                    lines[i] = format!("{}{k}{}", " ".repeat(indent), &lines[i][colon..]);
                }
            }
            // Deep nesting, past the bounds and just under them.
            7 => {
                let depth = *rng.pick(&[10usize, 63, 65, 300, 4000]);
                let nest = if rng.below(2) == 0 {
                    format!("{}x", "- ".repeat(depth))
                } else {
                    format!("k: {}1{}", "{a: ".repeat(depth), "}".repeat(depth))
                };
                lines.insert(i, nest);
            }
            // Anchors and aliases, including an alias bomb.
            8 => {
                let indent = lines[i].len() - lines[i].trim_start().len();
                let pad = " ".repeat(indent);
                let bomb = [
                    format!("{pad}a0: &a0 [x, x, x, x, x, x, x, x, x]"),
                    format!("{pad}a1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]"),
                    format!("{pad}a2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]"),
                    format!("{pad}a3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]"),
                    format!("{pad}a4: [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]"),
                ];
                for (k, l) in bomb.into_iter().enumerate() {
                    lines.insert(i + k, l);
                }
            }
            // Indentation and tabs.
            9 => {
                let shift = rng.below(5);
                lines[i] = if rng.below(2) == 0 {
                    format!("{}{}", " ".repeat(shift), lines[i])
                } else {
                    lines[i].replacen(' ', "\t", 1)
                };
            }
            // A second document, or text cut short.
            10 => {
                if rng.below(2) == 0 {
                    lines.insert(i, "---".into());
                } else {
                    lines.truncate(i.max(1));
                    let last = lines.len() - 1;
                    let cut = rng.below(lines[last].len() + 1);
                    let cut = (0..=cut)
                        .rev()
                        .find(|c| lines[last].is_char_boundary(*c))
                        .unwrap_or(0);
                    lines[last].truncate(cut);
                }
            }
            // Hostile text inside docs, names and versions specifically.
            _ => {
                let targets = ["docs:", "name:", "version:", "crate:", "value:"];
                if let Some(j) = (0..lines.len()).map(|k| (i + k) % lines.len()).find(|&k| {
                    let l = lines[k].trim_start();
                    let l = l.strip_prefix("- ").unwrap_or(l);
                    targets.iter().any(|t| l.starts_with(t))
                }) {
                    let colon = lines[j].find(':').unwrap_or(0);
                    lines[j] = format!("{}: {}", &lines[j][..colon], rng.pick(HOSTILE));
                }
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// What one case must satisfy; the message names the broken promise. `Ok(true)` when the
/// spec checked and was generated.
fn check_case(source: &SpecSource) -> Result<bool, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        codegen::generate_into(
            std::slice::from_ref(source),
            &Layout {
                out_dir: "generated".into(),
            },
        )
    }))
    .map_err(|p| {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        format!("panicked: {msg}")
    })?;
    match outcome {
        Err(diagnostics) => {
            if diagnostics.is_empty() {
                return Err("failed with no diagnostic".into());
            }
            if let Some(d) = diagnostics.iter().find(|d| d.position.is_none()) {
                return Err(format!("diagnostic without a position:\n{d}"));
            }
            Ok(false)
        }
        Ok(files) => {
            for f in &files {
                if f.path.ends_with(".rs") {
                    syn::parse_file(&f.contents)
                        .map_err(|e| format!("{} does not parse: {e}", f.path))?;
                } else if f.path.ends_with("Cargo.toml") {
                    let doc: toml_edit::DocumentMut = f
                        .contents
                        .parse()
                        .map_err(|e| format!("{} is not TOML: {e}", f.path))?;
                    let keys: Vec<&str> = doc["package"]
                        .as_table()
                        .map(|t| t.iter().map(|(k, _)| k).collect())
                        .unwrap_or_default();
                    // The identity keys first, then only keys the generator writes: no
                    // spec value can add a key of its own.
                    let first = [
                        "name",
                        "version",
                        "description",
                        "edition",
                        "rust-version",
                        "license",
                    ];
                    let optional = [
                        "readme",
                        "repository",
                        "homepage",
                        "documentation",
                        "keywords",
                        "categories",
                        "exclude",
                        "publish",
                    ];
                    if keys.len() < first.len()
                        || keys[..first.len()] != first
                        || keys[first.len()..].iter().any(|k| !optional.contains(k))
                    {
                        return Err(format!("{}: package keys {keys:?}", f.path));
                    }
                    let version = doc["package"]["version"].as_str().unwrap_or_default();
                    semver::Version::parse(version)
                        .map_err(|e| format!("{}: version {version:?}: {e}", f.path))?;
                    let name = doc["package"]["name"].as_str().unwrap_or_default();
                    if syn::parse_str::<syn::Ident>(&name.replace('-', "_")).is_err() {
                        return Err(format!("{}: crate name {name:?}", f.path));
                    }
                }
            }
            Ok(true)
        }
    }
}

fn inputs() -> Vec<SpecSource> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = Vec::new();
    for dir in ["spec", "codegen/tests/good_specs"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            out.push(SpecSource {
                path: format!("{dir}/{}", p.file_name().unwrap().to_string_lossy()),
                text: std::fs::read_to_string(&p).unwrap(),
                documents: Default::default(),
            });
        }
    }
    out
}

#[test]
fn mutated_specs_never_panic_and_always_place_their_diagnostics() {
    let cases: usize = std::env::var("SDKGEN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let seed: u64 = std::env::var("SDKGEN_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed);
    let inputs = inputs();
    assert!(inputs.len() >= 3, "the seeds and goldens are the corpus");
    // Panics are caught and reported; keep their default messages out of the output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let (mut checked, mut rejected) = (0usize, 0usize);
    for case in 0..cases {
        let base = rng.pick(&inputs);
        let source = SpecSource {
            path: base.path.clone(),
            text: mutate(&mut rng, &base.text),
            documents: Default::default(),
        };
        match check_case(&source) {
            Ok(true) => checked += 1,
            Ok(false) => rejected += 1,
            Err(why) => failures.push(format!(
                "case {case} (from {}): {why}\n--- spec ---\n{}",
                base.path, source.text
            )),
        }
        if failures.len() >= 3 {
            break;
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "fuzz: {cases} cases (seed {seed}): {checked} checked, {rejected} rejected, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The campaign must reach the emitters, not only the parser.
    assert!(
        checked > cases / 20,
        "only {checked} of {cases} mutants checked"
    );
}

/// The importer's fuzzer: the OpenAPI documents of the golden specs, mutated as the specs
/// are (line edits, hostile scalars, nesting), imported through the library entry point.
/// No panic, every diagnostic placed, every crate that comes out parses.
#[test]
fn mutated_openapi_documents_never_panic_and_always_place_their_diagnostics() {
    let cases: usize = std::env::var("SDKGEN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(|n: usize| n / 8)
        .unwrap_or(DEFAULT_CASES / 8);
    let seed: u64 = std::env::var("SDKGEN_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x0a91);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/good_specs");
    // The large document costs a second a case in a debug build: it is mutated in few.
    let corpus: Vec<(SpecSource, String, usize)> = [("museum.yaml", 20), ("nexus.yaml", 1)]
        .iter()
        .map(|(name, weight)| {
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            let documents =
                codegen::read_documents(&text, |rel| std::fs::read_to_string(dir.join(rel)).ok());
            let doc = documents.keys().next().unwrap().clone();
            let source = SpecSource {
                path: format!("good_specs/{name}"),
                text,
                documents,
            };
            (source, doc, *weight)
        })
        .collect();
    let weighted: Vec<usize> = corpus
        .iter()
        .enumerate()
        .flat_map(|(i, (_, _, w))| std::iter::repeat_n(i, *w))
        .collect();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let (mut checked, mut rejected) = (0usize, 0usize);
    for case in 0..cases {
        let (base, doc, _) = &corpus[*rng.pick(&weighted)];
        let mut source = base.clone();
        let mutated = mutate(&mut rng, &source.documents[doc]);
        source.documents.insert(doc.clone(), mutated);
        match check_case(&source) {
            Ok(true) => checked += 1,
            Ok(false) => rejected += 1,
            Err(why) => failures.push(format!("case {case} (from {}): {why}", base.path)),
        }
        if failures.len() >= 3 {
            break;
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "openapi fuzz: {cases} cases (seed {seed}): {checked} imported, {rejected} rejected, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(
        checked > 0 && rejected > 0,
        "the campaign must both import and reject"
    );
}
