//! This project's codegen as the peer benchmark runs it: one spec generated and written,
//! a whole process, as `cargo xtask codegen` would.
//!
//! ```text
//! sdkgen-peers-ours SPEC OUT
//! ```
//!
//! Its own package, built alone by `sdkgen-peers`, so its dependencies have the features
//! `cargo xtask codegen` gives them rather than those progenitor's tree asks for. Runs with
//! mimalloc, as `cargo xtask codegen` does, unless built with the `system-allocator` feature.

use std::env;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

mod common;
use common::{peak_kib, rust_lines, write_if_changed};

/// `cargo xtask codegen`'s own allocator, the same file.
#[cfg(not(feature = "system-allocator"))]
#[path = "../../../../xtask/src/alloc.rs"]
mod alloc;

/// `cargo xtask codegen`'s allocator, as it has it: no choice made per allocation. Built
/// with the `system-allocator` feature (the driver's `--system-allocator`), the process
/// keeps the system's.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: alloc::Mimalloc = alloc::Mimalloc;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.as_slice() {
        [spec, out] => generate(Path::new(spec), out),
        _ => Err(anyhow::anyhow!("usage: sdkgen-peers-ours SPEC OUT")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Our codegen: the spec and the documents it imports read, the crate generated and
/// written under `out`.
fn generate(spec: &Path, out: &str) -> Result<()> {
    let text = fs::read_to_string(spec).with_context(|| format!("reading {}", spec.display()))?;
    let dir = spec.parent().unwrap_or(Path::new("."));
    let documents = codegen::read_documents(&text, |rel| fs::read_to_string(dir.join(rel)).ok());
    let source = codegen::SpecSource {
        path: spec
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        text,
        documents,
    };
    // Paths come back relative to a repository root (the crate under `generated/`, its
    // conformance cases under `conformance/`): written relative to `out`.
    let out = Path::new(out);
    let layout = codegen::Layout::default();
    let files = match codegen::generate_into(std::slice::from_ref(&source), &layout) {
        Ok(files) => files,
        Err(diagnostics) => {
            for d in diagnostics.iter().take(5) {
                eprintln!("{d}");
            }
            bail!("{} diagnostic(s)", diagnostics.len());
        }
    };
    let mut lines = 0;
    for file in &files {
        write_if_changed(&out.join(&file.path), &file.contents)?;
        if file.path.ends_with(".rs") {
            lines += rust_lines(&file.contents);
        }
    }
    println!("lines={lines} peak_kib={}", peak_kib());
    Ok(())
}
