//! What both generators' processes share (this file is also a module of `sdkgen-peers`):
//! how they write their files and what they report.

use std::fs;
use std::path::Path;

/// Both generators write a file only when its contents changed, as `cargo xtask codegen`
/// does (so a rerun leaves the tree, and cargo's fingerprints, alone); as it does, the file
/// is read first and its directory made only when it must be written.
pub fn write_if_changed(path: &Path, contents: &str) -> std::io::Result<()> {
    if fs::read(path).ok().as_deref() != Some(contents.as_bytes()) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, contents)?;
    }
    Ok(())
}

/// Lines of Rust, as reported.
pub fn rust_lines(text: &str) -> usize {
    text.lines().count()
}

/// Peak resident memory of this process (Linux), in KiB.
pub fn peak_kib() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
