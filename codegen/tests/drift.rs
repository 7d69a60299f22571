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

/// A seed's spec, resolved, and its saved HTML page.
fn seed(name: &str, page: &str) -> (codegen::model::Api, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let api = codegen::resolve(&SpecSource {
        path: format!("spec/{name}.yaml"),
        text: std::fs::read_to_string(root.join(format!("{name}.yaml"))).unwrap(),
        documents: Default::default(),
    })
    .unwrap_or_else(|d| panic!("{d:?}"));
    let html = std::fs::read_to_string(root.join("pages").join(page)).unwrap();
    (api, html)
}

/// Asserts that each of `lines` is a whole line of `text`.
fn has_lines(text: &str, lines: &[&str]) {
    for line in lines {
        assert!(
            text.lines().any(|l| l == *line),
            "no line {line:?} in\n{text}"
        );
    }
}

/// Both seeds' pages, saved as a browser renders them (headings, tables, code blocks), read
/// as HTML: tables come out as rows, code blocks line by line, and the specs hold every fact.
#[test]
fn the_seed_pages_as_html_hold_no_drift() {
    let (memsy, page) = seed("memsy", "memsy-exceptions.html");
    let text = codegen::drift::html_text(&page);
    has_lines(
        &text,
        &[
            "AuthorizationError (403)",
            "| required_scope | str | None | Scope that was missing. |",
            "    ├── RateLimitExceeded       # 429 — rate limit hit (after retries)",
            "from memsy.exceptions import (",
        ],
    );
    assert!(
        !text.contains("Docs › API Reference"),
        "navigation is left out"
    );
    assert_eq!(drift(&memsy, &text), []);

    let (mnemexa, page) = seed("mnemexa", "mnemexa-rate-limits.html");
    let text = codegen::drift::html_text(&page);
    has_lines(
        &text,
        &[
            "| memory_write_limit | POST /v1/memory/store |",
            "| Burst capacity (burst_limit) | 15 requests | Yes, via plan or admin override |",
            "X-RateLimit-Remaining: 0",
        ],
    );
    assert_eq!(drift(&mnemexa, &text), []);
}

/// The vendor changes the HTML page: a status, a new attribute row, a new class, a new
/// header in a code block, a new quota row. Each is a finding.
#[test]
fn a_changed_html_page_is_drift() {
    let (memsy, page) = seed("memsy", "memsy-exceptions.html");
    let changed = page
        .replace("<h3>AuthorizationError (403)</h3>", "<h3>AuthorizationError (401)</h3>")
        .replace(
            "<tr><td><code>required_scope</code></td>",
            "<tr><td><code>scope_hint</code></td><td><code>str | None</code></td><td>Hint.</td></tr>\n<tr><td><code>required_scope</code></td>",
        )
        .replace(
            "<h2>See also</h2>",
            "<h3>ConflictError (409)</h3>\n<p>Raised on a conflicting write. Retry-After is not sent; X-Conflict-Id is.</p>\n<h2>See also</h2>",
        );
    let facts: Vec<(&str, String)> = drift(&memsy, &codegen::drift::html_text(&changed))
        .into_iter()
        .map(|m| (m.kind, m.fact))
        .collect();
    for expected in [
        ("status", "AuthorizationError 401".to_owned()),
        ("attribute", "AuthorizationError.scope_hint".to_owned()),
        ("error class", "ConflictError".to_owned()),
        ("header", "X-Conflict-Id".to_owned()),
    ] {
        assert!(facts.contains(&expected), "{expected:?} not in {facts:?}");
    }

    let (mnemexa, page) = seed("mnemexa", "mnemexa-rate-limits.html");
    let changed = page.replace(
        "</tbody>\n</table>\n<p>When you hit a quota:",
        "<tr><td><code>memory_delete_limit</code></td><td><code>POST /v1/memory/delete</code></td></tr>\n</tbody>\n</table>\n<p>When you hit a quota:",
    );
    assert_ne!(changed, page);
    let facts: Vec<String> = drift(&mnemexa, &codegen::drift::html_text(&changed))
        .into_iter()
        .map(|m| m.fact)
        .collect();
    assert_eq!(facts, ["POST /v1/memory/delete", "memory_delete_limit"]);
}

/// Hostile HTML: deep nesting, unclosed tags, binary junk. The reader ends, bounded.
#[test]
fn hostile_html_is_read_without_panic() {
    let deep = "<div>".repeat(4_000) + "x" + &"</div>".repeat(4_000);
    let text = codegen::drift::html_text(&deep);
    assert!(text.len() < 10, "{}", text.len());
    let mut seed = 0x9e37_79b9_u64;
    for _ in 0..200 {
        let junk: String = (0..400)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                [
                    "<tr>", "<td>", "</table>", "<pre>", "&amp;", "\u{0}", "<h2", ">", "a", " ",
                    "\n", "<!--", "<script>",
                ][(seed % 13) as usize]
            })
            .collect();
        let _ = codegen::drift::html_text(&junk);
        assert!(!codegen::drift::is_html("page.txt", &junk) || junk.starts_with('<'));
    }
}
