//! This project's codegen as the peer benchmark runs it: one spec generated and written,
//! a whole process, as `cargo xtask codegen` would.
//!
//! ```text
//! sdkgen-peers-ours SPEC OUT
//! ```
//!
//! Its own package, built alone by `sdkgen-peers`, so its dependencies have the features
//! `cargo xtask codegen` gives them rather than those progenitor's tree asks for. Runs with
//! mimalloc, as `cargo xtask codegen` does, unless `SDKGEN_PEERS_ALLOCATOR=system`.

use std::env;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

mod common;
use common::{peak_kib, rust_lines, write_if_changed, ALLOCATOR_VAR};

/// `cargo xtask codegen`'s own allocator, the same file.
#[path = "../../../../xtask/src/alloc.rs"]
mod alloc;

/// mimalloc, or the system's allocator when [`ALLOCATOR_VAR`] says `system`; chosen before
/// the first allocation and fixed for the process's life, so every block is freed by the
/// allocator that gave it.
struct Allocator;

/// 0: not read yet; 1: the system's; 2: mimalloc.
static CHOICE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

impl Allocator {
    fn mimalloc() -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        match CHOICE.load(Relaxed) {
            1 => false,
            2 => true,
            _ => {
                // `getenv` does not allocate; the environment is set before Rust's start-up.
                extern "C" {
                    fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
                }
                let value = unsafe { getenv(ALLOCATOR_VAR.as_ptr()) };
                let system = !value.is_null()
                    && unsafe { std::ffi::CStr::from_ptr(value) }.to_bytes() == b"system";
                CHOICE.store(if system { 1 } else { 2 }, Relaxed);
                !system
            }
        }
    }
}

unsafe impl std::alloc::GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if Self::mimalloc() {
            alloc::Mimalloc.alloc(layout)
        } else {
            std::alloc::System.alloc(layout)
        }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if Self::mimalloc() {
            alloc::Mimalloc.alloc_zeroed(layout)
        } else {
            std::alloc::System.alloc_zeroed(layout)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if Self::mimalloc() {
            alloc::Mimalloc.dealloc(ptr, layout)
        } else {
            std::alloc::System.dealloc(ptr, layout)
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        if Self::mimalloc() {
            alloc::Mimalloc.realloc(ptr, layout, size)
        } else {
            std::alloc::System.realloc(ptr, layout, size)
        }
    }
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator;

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
