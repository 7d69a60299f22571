//! `cargo xtask record`: replays an API's spec-derived cases against a live server through
//! a recording proxy and writes the exchanges as cassettes, secrets scrubbed. The key comes
//! from the environment variable the spec names, never from the command line.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::codegen_cmd::{read_specs, repo_root};

/// Options of `cargo xtask record`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The API (the spec file's stem, e.g. `memsy`).
    #[arg(long)]
    pub api: String,
    /// The live server's base URL, e.g. `https://api.memsy.io`.
    #[arg(long)]
    pub base_url: String,
    /// Where to write the cassettes; default `conformance/cassettes/<crate>/`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs the API's record example; `Ok(false)` when it reported failures.
pub fn run(args: &Args) -> Result<bool> {
    let root = repo_root();
    let sources = read_specs(&root, "spec", Some(&args.api))?;
    let (spec, _) = codegen::parse(&sources[0])
        .map_err(|d| anyhow::anyhow!(d.iter().map(|d| d.to_string()).collect::<String>()))?;
    let krate = spec.api.crate_name;
    if !(args.base_url.starts_with("http://") || args.base_url.starts_with("https://")) {
        bail!("--base-url must start with http:// or https://");
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("conformance/cassettes").join(&krate));
    let example = format!("{}_record", krate.replace('-', "_"));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .args(["run", "--quiet", "-p", &krate, "--example", &example, "--"])
        .arg(&args.base_url)
        .arg(&out)
        .status()
        .with_context(|| format!("running the {example} example"))?;
    Ok(status.success())
}
