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
    /// Docs pages as plain text.
    #[arg(required = true)]
    pub pages: Vec<PathBuf>,
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
    let mut total = 0;
    for page in &args.pages {
        let text =
            std::fs::read_to_string(page).with_context(|| format!("reading {}", page.display()))?;
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
            args.pages.len(),
            api.spec_file
        );
    } else {
        eprintln!("error: {total} fact(s) of the docs are missing from {}; update the spec, then `cargo xtask codegen`", api.spec_file);
    }
    Ok(total == 0)
}
