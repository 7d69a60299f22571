//! Developer commands. `cargo xtask codegen` regenerates every SDK from `spec/`;
//! `--check` proves the committed tree is fresh. Only this binary writes `generated/`.

mod alloc;
mod codegen_cmd;
mod drift_cmd;
mod msrv;
mod record_cmd;
mod synthetic;
mod workflow;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// mimalloc: codegen is allocation-bound (see [`alloc`]).
#[global_allocator]
static ALLOCATOR: alloc::Mimalloc = alloc::Mimalloc;

#[derive(Parser)]
#[command(name = "xtask", about = "Developer commands for the SDK generator")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the SDK crates, docs and schema from spec/*.yaml.
    Codegen(codegen_cmd::Args),
    /// Run an API's conformance cases against a live server and write cassettes.
    Record(record_cmd::Args),
    /// List the facts of vendor docs pages (plain text) that an API's spec does not hold.
    DocsDrift(drift_cmd::Args),
}

fn main() {
    let cli = Cli::parse();
    let result: Result<bool> = match cli.command {
        Command::Codegen(args) => codegen_cmd::run(&args),
        Command::Record(args) => record_cmd::run(&args),
        Command::DocsDrift(args) => drift_cmd::run(&args),
    };
    match result {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(1);
        }
    }
}
