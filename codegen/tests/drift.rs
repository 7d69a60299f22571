//! Docs drift over small pages written for the tests, against `drift_pages/spec.yaml`:
//! every page's findings are snapshotted, and the headline cases asserted.

use std::path::Path;

use codegen::drift::{drift, Missing};
use codegen::SpecSource;

fn findings(page: &str) -> Vec<Missing> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drift_pages");
    let spec = SpecSource {
        path: "drift_pages/spec.yaml".into(),
        text: std::fs::read_to_string(dir.join("spec.yaml")).unwrap(),
        documents: Default::default(),
    };
    let api = codegen::resolve(&spec).unwrap_or_else(|d| panic!("{d:?}"));
    drift(&api, &std::fs::read_to_string(dir.join(page)).unwrap())
}

fn facts(page: &str) -> Vec<(usize, &'static str, String)> {
    findings(page)
        .into_iter()
        .map(|m| (m.line, m.kind, m.fact))
        .collect()
}

#[test]
fn a_matching_page_reports_nothing() {
    assert_eq!(facts("matching.txt"), []);
}

#[test]
fn a_new_class_is_reported_where_it_stands() {
    assert_eq!(
        facts("new_class.txt"),
        [(8, "error class", "ConflictError".to_owned())]
    );
}

#[test]
fn a_changed_status_is_reported() {
    let f = findings("changed_status.txt");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        (f[0].line, f[0].kind, f[0].fact.as_str()),
        (9, "status", "QuotaExceeded 403")
    );
    assert_eq!(f[0].detail, "the spec raises `QuotaExceeded` for 429");
}

#[test]
fn a_new_header_is_reported() {
    assert_eq!(
        facts("new_header.txt"),
        [(16, "header", "X-RateLimit-Reset".to_owned())]
    );
}

#[test]
fn attributes_limits_quotas_endpoints_and_states() {
    insta::assert_snapshot!(findings("new_everything_else.txt")
        .iter()
        .map(|m| m.to_string())
        .collect::<Vec<_>>()
        .join("\n"));
}
