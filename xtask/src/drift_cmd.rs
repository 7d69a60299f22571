//! `cargo xtask docs-drift`: the facts of vendor docs pages that a spec does not hold.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::codegen_cmd::{read_specs, repo_root};

/// Options of `cargo xtask docs-drift`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The API (the spec file's stem, e.g. `memsy`).
    #[arg(long)]
    pub api: String,
    /// Docs pages (HTML or text); without any, the saved copies the spec's
    /// `api.sources` lists.
    pub pages: Vec<PathBuf>,
    /// Print each of the spec's source pages as `URL<TAB>saved copy` (for a job that
    /// fetches them) and check nothing.
    #[arg(long)]
    pub list: bool,
}

/// A page's text as drift reads it: HTML as the lines a reader sees.
fn page_text(path: &std::path::Path) -> Result<String> {
    // A docs page is not megabytes; a bigger file is not one (and HTML parsing of a
    // deeply nested page grows faster than its size).
    const MAX_PAGE: u64 = 8 * 1024 * 1024;
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    anyhow::ensure!(
        size <= MAX_PAGE,
        "{} is {size} bytes; a docs page is at most {MAX_PAGE}",
        path.display()
    );
    let raw =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.to_string_lossy();
    Ok(if codegen::drift::is_html(&name, &raw) {
        codegen::drift::html_text(&raw)
    } else {
        raw
    })
}

/// Prints one line per missing fact; `Ok(false)` when any page has one.
pub fn run(args: &Args) -> Result<bool> {
    let sources = read_specs(&repo_root(), "spec", Some(&args.api))?;
    let api = match codegen::resolve(&sources[0]) {
        Ok(api) => api,
        Err(diagnostics) => {
            for d in &diagnostics {
                eprintln!("{d}");
            }
            return Ok(false);
        }
    };
    if args.list {
        for s in &api.sources {
            println!("{}\tspec/{}", s.url, s.saved);
        }
        return Ok(true);
    }
    // The spec's own pages, saved beside it, unless pages are named.
    let spec_dir = repo_root().join("spec");
    let pages: Vec<PathBuf> = if args.pages.is_empty() {
        api.sources
            .iter()
            .map(|s| spec_dir.join(&s.saved))
            .collect()
    } else {
        args.pages.clone()
    };
    if pages.is_empty() {
        anyhow::bail!(
            "{} lists no `api.sources` and no page was named",
            api.spec_file
        );
    }
    let mut total = 0;
    for page in &pages {
        let text = page_text(page)?;
        let missing = codegen::drift::drift(&api, &text);
        for m in &missing {
            println!(
                "{}:{}: {} `{}` is not in {}: {}",
                page.display(),
                m.line,
                m.kind,
                m.fact,
                api.spec_file,
                m.detail
            );
        }
        total += missing.len();
    }
    if total == 0 {
        println!(
            "no drift: every fact of {} page(s) is in {}",
            pages.len(),
            api.spec_file
        );
    } else {
        eprintln!("error: {total} fact(s) of the docs are missing from {}; update the spec, then `cargo xtask codegen`", api.spec_file);
    }
    Ok(total == 0)
}
