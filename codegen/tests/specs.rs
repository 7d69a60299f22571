//! The spec corpus, as files: every bad spec fails with the diagnostics snapshotted beside
//! it, every good spec generates, and both seed specs validate against the JSON Schema.

use std::path::Path;

use codegen::{generate, SpecSource};

fn source(path: &Path) -> SpecSource {
    let dir = path
        .parent()
        .and_then(|p| p.file_name())
        .unwrap_or_default();
    let name = path.file_name().unwrap_or_default();
    let text = std::fs::read_to_string(path).expect("corpus file is readable");
    // The documents it imports, read as `cargo xtask codegen` reads them.
    let spec_dir = path.parent().expect("a spec is in a directory");
    let documents = codegen::read_documents(&text, |rel| {
        std::fs::read_to_string(spec_dir.join(rel)).ok()
    });
    SpecSource {
        path: format!("{}/{}", dir.to_string_lossy(), name.to_string_lossy()),
        text,
        documents,
    }
}

#[track_caller]
fn check_bad(path: &Path) -> String {
    let diagnostics = match generate(&[source(path)]) {
        Ok(_) => panic!("{} generated, but it is in the bad corpus", path.display()),
        Err(d) => d,
    };
    assert!(!diagnostics.is_empty());
    for d in &diagnostics {
        // Every diagnostic names its file and a place: a line and column, or a path.
        assert!(d.file.starts_with("bad_specs/"), "{d}");
        assert!(d.position.is_some() || d.path.is_some(), "no place: {d}");
        assert!(
            d.message.chars().next().is_some_and(|c| !c.is_uppercase())
                && !d.message.ends_with('.'),
            "messages are lowercase with no trailing period: {d}"
        );
    }
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn bad_specs_fail_with_their_diagnostics() {
    insta::glob!("bad_specs/*.yaml", |path| {
        insta::assert_snapshot!(check_bad(path));
    });
}

#[test]
fn good_specs_generate() {
    insta::glob!("good_specs/*.yaml", |path| {
        let files = generate(&[source(path)]).unwrap_or_else(|d| {
            panic!(
                "{}:\n{}",
                path.display(),
                d.iter().map(|d| d.to_string()).collect::<String>()
            )
        });
        // The crates they generate are committed under tests/goldens/ as workspace members,
        // so they are compiled and linted with the rest; xtask's freshness test keeps them
        // current. Here: every file carries the marker.
        for f in &files {
            let marker = f.contents.lines().next().unwrap_or_default();
            assert!(marker.contains("@generated"), "{}: {marker}", f.path);
        }
    });
}

#[test]
fn syntax_errors_carry_line_and_column() {
    for (file, line) in [
        ("yaml_tab_indent", 7),
        ("yaml_unclosed_quote", 5),
        ("yaml_wrong_type", 16),
    ] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/bad_specs/{file}.yaml"));
        let d = generate(&[source(&path)]).expect_err("bad YAML");
        let (l, c) = d[0]
            .position
            .unwrap_or_else(|| panic!("{file}: no position in {}", d[0]));
        assert_eq!(l, line, "{file}: {}", d[0]);
        assert!(c >= 1);
    }
}

#[test]
fn every_diagnostic_of_every_spec_is_reported_at_once() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_specs");
    let a = source(&dir.join("duplicate_class_name.yaml"));
    let b = source(&dir.join("invalid_method.yaml"));
    let d = generate(&[a, b]).expect_err("two bad specs");
    assert!(d
        .iter()
        .any(|d| d.file.ends_with("duplicate_class_name.yaml")));
    assert_eq!(
        d.iter()
            .filter(|d| d.file.ends_with("invalid_method.yaml"))
            .count(),
        2
    );
}

fn seed(name: &str) -> SpecSource {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../spec/{name}.yaml"));
    SpecSource {
        path: format!("spec/{name}.yaml"),
        text: std::fs::read_to_string(path).expect("seed spec"),
        documents: Default::default(),
    }
}

#[test]
fn seed_specs_validate_against_the_json_schema() {
    let schema: serde_json::Value = serde_json::from_str(&codegen::json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for name in ["memsy", "mnemexa"] {
        let doc: serde_json::Value = serde_yaml::from_str(&seed(name).text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    // And the schema rejects what the parser rejects: an unknown key.
    let mut bad: serde_json::Value = serde_yaml::from_str(&seed("memsy").text).unwrap();
    bad["api"]["colour"] = "blue".into();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn committed_schema_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/schema.json");
    let committed = std::fs::read_to_string(path).expect("spec/schema.json exists");
    assert_eq!(
        committed,
        codegen::json_schema(),
        "run `cargo xtask codegen`"
    );
}

#[test]
fn every_corpus_snapshot_has_its_spec() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir(dir.join("snapshots")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("specs__bad_specs_fail_with_their_diagnostics@") else {
            continue;
        };
        let spec = rest.trim_end_matches(".snap");
        if !dir.join("bad_specs").join(spec).exists() {
            orphans.push(name);
        }
    }
    assert!(
        orphans.is_empty(),
        "snapshots whose bad spec is gone: {orphans:?}"
    );
}

#[test]
fn docs_with_quotes_backslashes_and_control_characters_stay_inside_the_manifest() {
    let minimal = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/good_specs/minimal.yaml"),
    )
    .unwrap();
    let docs = "C:\\\\path \\u0001 \\\"quoted\\\" \\\"\\nbuild = \\\"evil.rs\\\"";
    let text = minimal.replace("docs: Nothing but errors.", &format!("docs: \"{docs}\""));
    assert_ne!(text, minimal);
    let files = generate(&[SpecSource {
        path: "good_specs/hostile_docs.yaml".into(),
        text,
        ..Default::default()
    }])
    .unwrap_or_else(|d| panic!("{d:?}"));
    let manifest = files
        .iter()
        .find(|f| f.path.ends_with("Cargo.toml"))
        .unwrap();
    let doc: toml_edit::DocumentMut = manifest.contents.parse().unwrap();
    let package = doc["package"].as_table().unwrap();
    assert!(package.get("build").is_none(), "{}", manifest.contents);
    assert_eq!(
        package["description"].as_str(),
        Some("C:\\path \u{1} \"quoted\" \"")
    );
}

#[test]
fn a_fallback_over_a_range_sits_beside_a_status_in_it_in_either_order() {
    let minimal = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/good_specs/minimal.yaml"),
    )
    .unwrap();
    let overloaded = "    - {name: OverloadedError, docs: Overloaded., status: 529}\n";
    let server = "    - {name: InternalServerError, docs: Failed., status: 5xx, fallback: true}\n";
    for classes in [
        format!("{overloaded}{server}"),
        format!("{server}{overloaded}"),
    ] {
        let text = format!("{minimal}  classes:\n{classes}");
        let api = codegen::resolve(&SpecSource {
            path: "good_specs/fallback.yaml".into(),
            text,
            ..Default::default()
        })
        .unwrap_or_else(|d| panic!("{}", d.iter().map(|d| d.to_string()).collect::<String>()));
        // 529 is Overloaded's; every other 5xx falls to the fallback.
        let by_status = |status: u16| {
            let response = serde_json::json!({ "status": status });
            codegen::model::example::classify(&api, &response)
                .map(|i| api.errors.classes[i].spec_name.clone())
        };
        assert_eq!(by_status(529).as_deref(), Some("OverloadedError"));
        assert_eq!(by_status(503).as_deref(), Some("InternalServerError"));
        assert_eq!(by_status(599).as_deref(), Some("InternalServerError"));
    }
}

/// The committed surface against the spec's version: removing an attribute without a
/// version that says so is refused at `api.version`, with the change listed and the version
/// to use; with that version the CHANGELOG gets a section; an added endpoint is compatible.
#[test]
fn surface_changes_need_the_version_that_says_so_and_fill_the_changelog() {
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/memsy.yaml");
    // From version 0.1.0, whatever the committed spec's version is now.
    let base: String = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| {
            if l.starts_with("  version: ") {
                "  version: 0.1.0\n".to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let layout = codegen::Layout::default();
    let tree: Mutex<BTreeMap<String, String>> = Mutex::default();
    let run = |text: &str| {
        let source = SpecSource {
            path: "spec/memsy.yaml".into(),
            text: text.to_owned(),
            ..Default::default()
        };
        let sources = [source];
        let prior = |p: &str| tree.lock().unwrap().get(p).cloned();
        let result = codegen::generate_over(&[(&sources[..], &layout)], &prior);
        if let Ok(groups) = &result {
            let mut tree = tree.lock().unwrap();
            for f in groups.iter().flatten() {
                tree.insert(f.path.clone(), f.contents.clone());
            }
        }
        result
    };
    let changelog = |tree: &Mutex<BTreeMap<String, String>>| {
        tree.lock().unwrap()["generated/memsy/CHANGELOG.md"].clone()
    };
    run(&base).expect("the first generation has nothing to compare");
    assert!(changelog(&tree).contains("## 0.1.0\n\n- First generated from `spec/memsy.yaml`."));
    // The same spec again: nothing changed, nothing to say.
    run(&base).unwrap();

    let removed = base.replace(
        "      attributes:\n        - name: required_scope\n          type: string\n          body: required_scope\n          docs: Scope that was missing.\n",
        "",
    );
    assert_ne!(removed, base);
    let d = run(&removed).expect_err("a removed attribute is breaking");
    assert_eq!(d.len(), 1, "{d:?}");
    let text = d[0].to_string();
    assert!(text.contains("spec/memsy.yaml:10:12"), "{text}");
    assert!(
        text.contains("version 0.1.0 does not reflect 1 breaking change(s)")
            && text.contains("removed class `AuthorizationError.required_scope`")
            && text.contains("use version 0.2.0 or later"),
        "{text}"
    );
    // Nothing was written: the committed tree still has the attribute.
    assert!(tree.lock().unwrap()["generated/memsy/api-surface.txt"]
        .contains("class AuthorizationError.required_scope :: string"));

    let bumped = removed.replace("  version: 0.1.0", "  version: 0.2.0");
    run(&bumped).expect("0.2.0 may break");
    let log = changelog(&tree);
    assert!(
        log.contains("## 0.2.0\n\nBreaking:\n- removed class `AuthorizationError.required_scope`\n\n## 0.1.0"),
        "{log}"
    );

    // An added endpoint is compatible, but still needs a version after 0.2.0.
    let added = bumped.replace(
        "endpoints:\n",
        "endpoints:\n  - {name: ping, method: GET, path: /ping, docs: Liveness.}\n",
    );
    assert_ne!(added, bumped);
    let d = run(&added).expect_err("an addition needs a patch bump below 1.0");
    assert!(
        d[0].to_string().contains("use version 0.2.1 or later"),
        "{}",
        d[0]
    );
    run(&added.replace("  version: 0.2.0", "  version: 0.2.1")).unwrap();
    let log = changelog(&tree);
    assert!(
        log.contains("## 0.2.1\n\nAdded or compatible:\n- added endpoint `ping`: `()`\n\n## 0.2.0"),
        "{log}"
    );
}

/// Generated crates depend on the runtime by the version its manifest has.
#[test]
fn generated_crates_name_the_runtimes_own_version() {
    let manifest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime/Cargo.toml"),
    )
    .unwrap();
    let doc: toml_edit::DocumentMut = manifest.parse().unwrap();
    assert_eq!(
        doc["package"]["version"].as_str(),
        Some(codegen::emit::rust::RUNTIME_VERSION)
    );
}
