//! This project's codegen and progenitor's (0.15.1, the closest peer: OpenAPI to a Rust
//! client through quote, syn and prettyplease) on the same OpenAPI documents.
//!
//! Each generator runs as a whole process (start, read, generate, format, write), the two
//! alternating in every round with the order swapped each round, so drift in the machine's
//! speed hits both alike. Printed per document: both medians, the median of the per-round
//! ratios (ours / progenitor), peak memory and the lines of Rust each wrote.
//!
//! ```text
//! cargo run --release --manifest-path bench/peers/Cargo.toml [-- [--rounds N] [--system-allocator] [DOCUMENT...]]
//! cargo run --release --manifest-path bench/peers/Cargo.toml -- --build [--rounds N] [DOCUMENT...]
//! ```
//!
//! With `--build`, the crates the two generators wrote are built instead: debug builds, as
//! `cargo build` makes them, in one workspace whose dependencies are all built first; per
//! round, a clean build of each generated crate alone, then its rebuild after its `lib.rs`
//! is touched, the two crates alternating. Each build is timed as cargo takes it and, in a
//! second table, by the compiler's time for the generated crate alone: cargo runs this
//! binary as its rustc wrapper, which times each compiler run. progenitor's crate depends
//! on what its documentation lists for generated code (progenitor-client 0.15, reqwest
//! 0.13, serde, serde_json, chrono, uuid, regress, base64, rand, futures, bytes,
//! percent-encoding), fetched from crates.io on the first run.
//!
//! Each generator runs as its own CLI would: ours is a program of its own
//! (`sdkgen-peers-ours`, built alone first, so its dependencies have only the features
//! `cargo xtask codegen` gives them), with mimalloc, as `cargo xtask codegen` does;
//! progenitor is this binary, with the system allocator and its dependencies' features, as
//! its `cargo progenitor` has them. With `--system-allocator`, ours runs with the system
//! allocator too.
//!
//! Documents: `petstore` (8 operations, 14 schemas), `petstore50` (the same 50 times),
//! `nexus` (Oxide's, progenitor's own main sample), `museum` (OpenAPI 3.1) and
//! `digitalocean` (about 2,900 files joined by `$ref`). Where progenitor cannot generate a
//! document its row says why. With `SDKGEN_PEERS_KEEP=1` set, both generators' outputs are
//! kept for reading.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};

/// `--system-allocator`: our generator's children run with the system allocator too.
static OURS_ON_SYSTEM: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// What both generators' processes share: how they write and what they report.
#[path = "../ours/src/common.rs"]
mod common;
use common::{peak_kib, rust_lines, write_if_changed};

fn main() -> ExitCode {
    // Run by cargo as its rustc wrapper (`--build`): time the compiler alone.
    if let Some(log) = env::var_os(RUSTC_LOG) {
        return rustc_timed(Path::new(&log));
    }
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("--child-progenitor") if args.len() == 3 => {
            child_progenitor(Path::new(&args[1]), &args[2])
        }
        _ => driver(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Set for cargo's rustc wrapper (this binary): the file each compiler run's time is
/// appended to.
const RUSTC_LOG: &str = "SDKGEN_PEERS_RUSTC_LOG";

/// As cargo's rustc wrapper: runs the compiler it was given and appends `crate seconds`
/// to `log`, so a build's compile time is read apart from cargo's own work.
fn rustc_timed(log: &Path) -> ExitCode {
    let mut args = env::args_os().skip(1);
    let Some(rustc) = args.next() else {
        eprintln!("rustc wrapper: no compiler given");
        return ExitCode::FAILURE;
    };
    let args: Vec<_> = args.collect();
    let crate_name = args
        .iter()
        .position(|a| a == "--crate-name")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.to_string_lossy().into_owned());
    let start = Instant::now();
    let status = match Command::new(&rustc).args(&args).status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("rustc wrapper: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secs = start.elapsed().as_secs_f64();
    if let Some(name) = crate_name {
        use std::io::Write;
        let logged = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .and_then(|mut f| writeln!(f, "{name} {secs}"));
        if let Err(e) = logged {
            eprintln!("rustc wrapper: {e}");
            return ExitCode::FAILURE;
        }
    }
    match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    }
}

/// One input: our spec (which imports the document) and the document progenitor reads.
struct Case {
    name: &'static str,
    spec: PathBuf,
    /// `Err` says why progenitor is not run on it.
    document: Result<PathBuf, &'static str>,
    operations: usize,
}

/// What one child process reported.
#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    lines: usize,
    peak_kib: u64,
}

fn driver(args: &[String]) -> Result<()> {
    let mut rounds = 9usize;
    let mut build = false;
    let mut wanted = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .context("--rounds takes a positive number")?
            }
            "--build" => build = true,
            "--system-allocator" => {
                OURS_ON_SYSTEM.store(true, std::sync::atomic::Ordering::Relaxed)
            }
            "-h" | "--help" => {
                println!(
                    "usage: sdkgen-peers [--build] [--rounds N] [--system-allocator] [petstore|petstore50|nexus|museum|digitalocean ...]"
                );
                return Ok(());
            }
            name => wanted.push(name.to_owned()),
        }
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let work = env::temp_dir().join(format!("sdkgen-peers-{}", std::process::id()));
    fs::create_dir_all(&work)?;
    let cases = cases(&repo, &work)?;
    for name in &wanted {
        if !cases.iter().any(|c| c.name == name) {
            bail!("no document named `{name}`");
        }
    }
    let exes = Exes {
        ours: build_ours()?,
        this: env::current_exe()?,
    };
    if build {
        let chosen: Vec<&Case> = cases
            .iter()
            .filter(|c| wanted.is_empty() || wanted.iter().any(|w| w == c.name))
            .filter(|c| c.document.is_ok())
            .collect();
        let result = builds(&exes, &chosen, &work, &repo, rounds);
        if env::var_os("SDKGEN_PEERS_KEEP").is_some() {
            println!("outputs kept in {}", work.display());
        } else {
            let _ = fs::remove_dir_all(&work);
        }
        return result;
    }
    println!(
        "whole process, release builds, {rounds} paired rounds (order swapped each round), {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let ours_allocator = if OURS_ON_SYSTEM.load(std::sync::atomic::Ordering::Relaxed) {
        "the system allocator"
    } else {
        "mimalloc, as `cargo xtask codegen`"
    };
    println!(
        "ours with {ours_allocator}; progenitor with the system allocator, as `cargo progenitor`"
    );
    println!(
        "{:<13} {:>5} {:>11} {:>11} {:>7} {:>10} {:>10} {:>8} {:>8}",
        "document",
        "ops",
        "ours",
        "progenitor",
        "ratio",
        "ours MiB",
        "prog MiB",
        "ours ln",
        "prog ln"
    );
    for case in cases
        .iter()
        .filter(|c| wanted.is_empty() || wanted.iter().any(|w| w == c.name))
    {
        let out = work.join(case.name);
        let ours = |out: &Path| child(&exes, Generator::Ours, &case.spec, out);
        // A first run of each, not counted: the files are in the page cache for both.
        ours(&out.join("ours"))?;
        let peer = match &case.document {
            Ok(doc) => child(&exes, Generator::Progenitor, doc, &out.join("progenitor"))
                .map_err(|e| format!("{e:#}")),
            Err(why) => Err((*why).to_owned()),
        };
        let mut mine = Vec::new();
        let mut theirs = Vec::new();
        let mut ratios = Vec::new();
        for round in 0..rounds {
            let run_peer = |theirs: &mut Vec<Run>| -> Result<()> {
                if let (Ok(doc), Ok(_)) = (&case.document, &peer) {
                    theirs.push(child(
                        &exes,
                        Generator::Progenitor,
                        doc,
                        &out.join("progenitor"),
                    )?);
                }
                Ok(())
            };
            if round % 2 == 0 {
                mine.push(ours(&out.join("ours"))?);
                run_peer(&mut theirs)?;
            } else {
                run_peer(&mut theirs)?;
                mine.push(ours(&out.join("ours"))?);
            }
            if let (Some(a), Some(b)) = (mine.last(), theirs.last()) {
                if theirs.len() == mine.len() {
                    ratios.push(a.wall.as_secs_f64() / b.wall.as_secs_f64());
                }
            }
        }
        let ms = |runs: &[Run]| median(runs.iter().map(|r| r.wall.as_secs_f64() * 1e3).collect());
        let mib = |runs: &[Run]| median(runs.iter().map(|r| r.peak_kib as f64 / 1024.0).collect());
        let (ours_ms, ours_mib, ours_lines) = (ms(&mine), mib(&mine), mine[0].lines);
        match &peer {
            Ok(_) => println!(
                "{:<13} {:>5} {:>8.1} ms {:>8.1} ms {:>7.2} {:>10.1} {:>10.1} {:>8} {:>8}",
                case.name,
                case.operations,
                ours_ms,
                ms(&theirs),
                median(ratios),
                ours_mib,
                mib(&theirs),
                ours_lines,
                theirs[0].lines
            ),
            Err(why) => {
                println!(
                    "{:<13} {:>5} {:>8.1} ms {:>11} {:>7} {:>10.1} {:>10} {:>8} {:>8}",
                    case.name, case.operations, ours_ms, "-", "-", ours_mib, "-", ours_lines, "-"
                );
                println!("{:<13} progenitor: {}", "", one_line(why));
            }
        }
    }
    if env::var_os("SDKGEN_PEERS_KEEP").is_some() {
        println!("outputs kept in {}", work.display());
    } else {
        let _ = fs::remove_dir_all(&work);
    }
    Ok(())
}

/// The generated crates built: per document, a clean build of each crate alone and a
/// rebuild after touching its `lib.rs`, in paired rounds.
fn builds(exes: &Exes, cases: &[&Case], work: &Path, repo: &Path, rounds: usize) -> Result<()> {
    let repo = repo.canonicalize()?;
    let ws = work.join("build");
    fs::create_dir_all(&ws)?;
    let mut members = Vec::new();
    let mut pairs = Vec::new();
    for case in cases {
        let out = work.join(case.name);
        child(exes, Generator::Ours, &case.spec, &out.join("ours"))?;
        let Ok(doc) = &case.document else { continue };
        if let Err(e) = child(exes, Generator::Progenitor, doc, &out.join("progenitor")) {
            println!("{}: progenitor: {}", case.name, one_line(&format!("{e:#}")));
            continue;
        }
        // Ours: the generated crate, its runtime and conformance paths made absolute.
        let generated = out.join("ours/generated");
        let dir = fs::read_dir(&generated)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.join("Cargo.toml").is_file())
            .context("no generated crate")?;
        let ours = ws.join(format!("ours-{}", case.name));
        copy_dir(&dir, &ours)?;
        let manifest = fs::read_to_string(ours.join("Cargo.toml"))?;
        let manifest = manifest
            .replace(
                "path = \"../../runtime\"",
                &format!("path = {:?}", repo.join("runtime")),
            )
            .replace(
                "path = \"../../conformance\"",
                &format!("path = {:?}", repo.join("conformance")),
            );
        fs::write(ours.join("Cargo.toml"), manifest)?;
        let ours_name = manifest_name(&ours)?;
        // progenitor's: its lib.rs and the dependencies its generated code uses.
        let theirs = ws.join(format!("progenitor-{}", case.name));
        fs::create_dir_all(theirs.join("src"))?;
        fs::copy(out.join("progenitor/lib.rs"), theirs.join("src/lib.rs"))?;
        let theirs_name = format!("progenitor-{}", case.name);
        fs::write(
            theirs.join("Cargo.toml"),
            format!(
                "[package]\nname = {theirs_name:?}\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
                 [dependencies]\nbytes = \"1\"\nchrono = {{ version = \"0.4\", default-features = false, features = [\"serde\", \"std\"] }}\n\
                 futures = \"0.3\"\npercent-encoding = \"2\"\nprogenitor-client = \"0.15\"\nrand = \"0.9\"\nregress = \"0.10\"\nbase64 = \"0.22\"\n\
                 reqwest = {{ version = \"0.13\", features = [\"json\", \"stream\"] }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\
                 serde_json = \"1\"\nuuid = {{ version = \"1\", features = [\"serde\", \"v4\"] }}\n"
            ),
        )?;
        members.push(
            ours.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        );
        members.push(
            theirs
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
        );
        pairs.push((case, (ours_name, ours), (theirs_name, theirs)));
    }
    fs::write(
        ws.join("Cargo.toml"),
        format!("[workspace]\nmembers = {members:?}\nresolver = \"2\"\n"),
    )?;
    // Our crates resolve as they do in this repository.
    fs::copy(repo.join("Cargo.lock"), ws.join("Cargo.lock"))?;
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Every build, dependencies' included, goes through the timing wrapper (a change of
    // wrapper would rebuild them all).
    let wrapper = env::current_exe()?;
    let log = ws.join("rustc-times.txt");
    let run = |args: &[&str]| -> Result<Duration> {
        let start = Instant::now();
        let out = Command::new(&cargo)
            .args(args)
            .current_dir(&ws)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_TARGET_DIR")
            .env("RUSTC_WRAPPER", &wrapper)
            .env(RUSTC_LOG, &log)
            .output()?;
        if !out.status.success() {
            bail!(
                "cargo {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(start.elapsed())
    };
    println!("building every dependency once (debug)...");
    run(&["build", "-q", "--workspace"])?;
    println!(
        "debug builds of the generated crate alone, dependencies built, {rounds} paired rounds, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<13} {:>11} {:>11} {:>7} {:>12} {:>12} {:>7}",
        "document", "ours clean", "prog clean", "ratio", "ours touch", "prog touch", "ratio"
    );
    // The compiler's time for `name`'s crate in the build `run` makes.
    // A build of `name`: (cargo's time, the compiler's time for its crate).
    let build = |name: &str| -> Result<(f64, f64)> {
        let _ = fs::remove_file(&log);
        let total = run(&["build", "-q", "-p", name])?;
        let crate_name = name.replace('-', "_");
        let text = fs::read_to_string(&log).unwrap_or_default();
        let rustc = text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(n, _)| *n == crate_name)
            .filter_map(|(_, secs)| secs.parse::<f64>().ok())
            .sum();
        Ok((total.as_secs_f64(), rustc))
    };
    // (clean, touched) as cargo takes them, then the compiler's share of each.
    let time = |name: &str, dir: &Path| -> Result<[(f64, f64); 2]> {
        run(&["clean", "-q", "-p", name])?;
        let clean = build(name)?;
        let lib = dir.join("src/lib.rs");
        let text = fs::read(&lib)?;
        fs::write(&lib, text)?;
        let touched = build(name)?;
        Ok([(clean.0, touched.0), (clean.1, touched.1)])
    };
    let mut compiler_rows = Vec::new();
    for (case, (ours_name, ours), (theirs_name, theirs)) in &pairs {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            if round % 2 == 0 {
                a.push(time(ours_name, ours)?);
                b.push(time(theirs_name, theirs)?);
            } else {
                b.push(time(theirs_name, theirs)?);
                a.push(time(ours_name, ours)?);
            }
        }
        let part = |v: &[[(f64, f64); 2]], k: usize| -> Vec<(f64, f64)> {
            v.iter().map(|r| r[k]).collect()
        };
        build_row(case.name, &part(&a, 0), &part(&b, 0));
        compiler_rows.push((case.name, part(&a, 1), part(&b, 1)));
    }
    println!("the compiler alone (rustc's time for the generated crate in the same builds)");
    for (name, a, b) in &compiler_rows {
        build_row(name, a, b);
    }
    Ok(())
}

/// A row of the build table: medians of ours (`a`) and progenitor's (`b`) clean and
/// touched builds, and the medians of their paired ratios.
fn build_row(name: &str, a: &[(f64, f64)], b: &[(f64, f64)]) {
    let med = |v: &[(f64, f64)], touched: bool| {
        median(v.iter().map(|r| if touched { r.1 } else { r.0 }).collect())
    };
    let ratio = |touched: bool| {
        median(
            a.iter()
                .zip(b)
                .map(|(x, y)| if touched { x.1 / y.1 } else { x.0 / y.0 })
                .collect(),
        )
    };
    println!(
        "{:<13} {:>9.2} s {:>9.2} s {:>7.2} {:>10.2} s {:>10.2} s {:>7.2}",
        name,
        med(a, false),
        med(b, false),
        ratio(false),
        med(a, true),
        med(b, true),
        ratio(true)
    );
}

/// The package name in `dir/Cargo.toml`.
fn manifest_name(dir: &Path) -> Result<String> {
    let text = fs::read_to_string(dir.join("Cargo.toml"))?;
    text.lines()
        .find_map(|l| {
            let v = l.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
            Some(v.trim().trim_matches('"').to_owned())
        })
        .context("no package name")
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The first line that says what went wrong (a panic's message rather than its location).
fn one_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let pick = lines
        .iter()
        .position(|l| l.contains("panicked at"))
        .and_then(|i| lines.get(i + 1))
        .or(lines.first())
        .copied()
        .unwrap_or("failed");
    pick.chars().take(160).collect()
}

/// The two generators' programs.
struct Exes {
    /// Ours: `sdkgen-peers-ours`, built alone (see [`build_ours`]).
    ours: PathBuf,
    /// This binary, which runs progenitor with `--child-progenitor`.
    this: PathBuf,
}

/// Which generator a child process runs.
#[derive(Clone, Copy, PartialEq)]
enum Generator {
    Ours,
    Progenitor,
}

/// Our generator's program, built by itself (`cargo build -p sdkgen-peers-ours`) so that
/// its dependencies get only the features it asks for, as in `cargo xtask codegen`. Built
/// as part of this binary, they would share progenitor's: proc-macro2 compiled to work
/// inside procedural macros too, which costs every token a check. progenitor's own CLI
/// has that, so its child keeps it.
fn build_ours() -> Result<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("ours/Cargo.toml");
    let profile = if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    };
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "--profile", profile, "--manifest-path"])
        .arg(&manifest);
    // The allocator is chosen when the program is built, as `cargo xtask codegen`'s is.
    if OURS_ON_SYSTEM.load(std::sync::atomic::Ordering::Relaxed) {
        command.args(["--features", "system-allocator"]);
    }
    let status = command
        .status()
        .context("running cargo to build sdkgen-peers-ours")?;
    if !status.success() {
        bail!("sdkgen-peers-ours did not build");
    }
    // Beside this binary: the same target directory and profile.
    Ok(env::current_exe()?.with_file_name(format!("sdkgen-peers-ours{}", env::consts::EXE_SUFFIX)))
}

/// Runs one generator's whole process.
fn child(exes: &Exes, generator: Generator, input: &Path, out: &Path) -> Result<Run> {
    // The output of the last run stays: each run regenerates over it.
    fs::create_dir_all(out)?;
    let start = Instant::now();
    // The child runs in `out`: every file either generator writes lands there.
    let mut command = match generator {
        Generator::Ours => Command::new(&exes.ours),
        Generator::Progenitor => {
            let mut c = Command::new(&exes.this);
            c.arg("--child-progenitor");
            c
        }
    };
    command
        .args([&input.display().to_string(), "."])
        .current_dir(out);
    let output = command.output()?;
    let wall = start.elapsed();
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let field = |key: &str| -> u64 {
        stdout
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
            .unwrap_or(0)
    };
    Ok(Run {
        wall,
        lines: field("lines") as usize,
        peak_kib: field("peak_kib"),
    })
}

/// progenitor as a library, the way its own `cargo progenitor` does it: the document
/// parsed, tokens generated, formatted by prettyplease, written as `lib.rs`.
fn child_progenitor(document: &Path, out: &str) -> Result<()> {
    let text = fs::read_to_string(document)?;
    let spec: openapiv3::OpenAPI = if document.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text)?
    } else {
        serde_yaml::from_str(&text)?
    };
    let mut generator = progenitor::Generator::new(&progenitor::GenerationSettings::default());
    let tokens = generator
        .generate_tokens(&spec)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let file: syn::File = syn::parse2(tokens)?;
    let code = prettyplease::unparse(&file);
    write_if_changed(&Path::new(out).join("lib.rs"), &code)?;
    println!("lines={} peak_kib={}", rust_lines(&code), peak_kib());
    Ok(())
}

fn cases(repo: &Path, work: &Path) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    for (name, copies) in [("petstore", 1), ("petstore50", 50)] {
        let doc = work.join(format!("{name}.json"));
        fs::write(&doc, serde_json::to_string_pretty(&petstore(copies))?)?;
        let spec = work.join(format!("{name}.yaml"));
        fs::write(&spec, petstore_spec(name, &format!("{name}.json")))?;
        cases.push(Case {
            name,
            spec,
            document: Ok(doc),
            operations: 8 * copies,
        });
    }
    let good = repo.join("codegen/tests/good_specs");
    let corpus = repo.join("codegen/tests/openapi");
    cases.push(Case {
        name: "nexus",
        spec: good.join("nexus.yaml"),
        document: Ok(corpus.join("nexus/nexus.json")),
        operations: 193,
    });
    cases.push(Case {
        name: "museum",
        spec: good.join("museum.yaml"),
        document: Ok(corpus.join("museum/openapi.yaml")),
        operations: 8,
    });
    cases.push(Case {
        name: "digitalocean",
        spec: good.join("digitalocean.yaml"),
        document: Err("reads one file; this document is split across files joined by `$ref`"),
        operations: 659,
    });
    Ok(cases)
}

/// Our spec over a petstore document: the errors and retry policy the document cannot say.
fn petstore_spec(name: &str, document: &str) -> String {
    format!(
        "api:
  name: Petstore
  crate: {name}
  version: 0.1.0
  docs: A petstore-shaped API.
  base_url: https://petstore.example.com
  env: {{api_key: PETSTORE_KEY}}
  auth: {{scheme: bearer}}
errors:
  root: {{name: PetstoreError, docs: Any error of the API.}}
  connection: {{name: PetstoreConnectionError, docs: The API could not be reached.}}
  api: {{name: PetstoreApiError, docs: Any non-2xx answer.}}
  envelope:
    detail: [message]
    code: code
  classes:
    - {{name: NotFound, docs: No such thing., status: 404}}
    - {{name: ClientError, docs: A request the server could not accept., status: 4xx, fallback: true}}
    - {{name: ServerError, docs: The server failed., status: 5xx, fallback: true}}
retry:
  max_retries: 2
  backoff: {{initial: 500ms, max: 8s}}
  on:
    statuses: [429, 503]
    transport: [connect, timeout]
openapi:
  document: {document}
"
    )
}

/// A petstore-shaped OpenAPI 3.0 document: 8 operations and 14 schemas, `copies` times
/// (each copy under its own path prefix, tag and names).
fn petstore(copies: usize) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for copy in 1..=copies {
        let s = if copy == 1 {
            String::new()
        } else {
            copy.to_string()
        };
        let prefix = if copy == 1 {
            String::new()
        } else {
            format!("/v{copy}")
        };
        let r = |name: &str| json!({"$ref": format!("#/components/schemas/{name}{s}")});
        let ok = |schema: Value| json!({"description": "OK", "content": {"application/json": {"schema": schema}}});
        let error = json!({"description": "Error", "content": {"application/json": {"schema": r("Error")}}});
        let body = |schema: Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
        let pet_id = json!({"name": "petId", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}});
        let op = |id: &str, tag: &str, extra: Value| {
            let mut o = json!({"operationId": format!("{id}{s}"), "tags": [format!("{tag}{s}")], "summary": format!("{id}.")});
            if let (Some(o), Some(extra)) = (o.as_object_mut(), extra.as_object()) {
                o.extend(extra.clone());
            }
            o
        };
        paths.insert(
            format!("{prefix}/pets"),
            json!({
                "get": op("listPets", "pets", json!({
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32", "maximum": 100}},
                        {"name": "status", "in": "query", "schema": r("PetStatus")},
                        {"name": "page", "in": "query", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": ok(r("PetList")), "4XX": error.clone()}
                })),
                "post": op("createPet", "pets", json!({
                    "requestBody": body(r("NewPet")),
                    "responses": {"201": ok(r("Pet")), "4XX": error.clone()}
                }))
            }),
        );
        paths.insert(
            format!("{prefix}/pets/{{petId}}"),
            json!({
                "get": op("getPet", "pets", json!({
                    "parameters": [pet_id.clone()],
                    "responses": {"200": ok(r("Pet")), "4XX": error.clone()}
                })),
                "patch": op("updatePet", "pets", json!({
                    "parameters": [pet_id.clone()],
                    "requestBody": body(r("PetUpdate")),
                    "responses": {"200": ok(r("Pet")), "4XX": error.clone()}
                })),
                "delete": op("deletePet", "pets", json!({
                    "parameters": [pet_id],
                    "responses": {"204": {"description": "Deleted"}, "4XX": error.clone()}
                }))
            }),
        );
        paths.insert(
            format!("{prefix}/store/orders"),
            json!({
                "get": op("listOrders", "store", json!({
                    "responses": {"200": ok(r("OrderList")), "4XX": error.clone()}
                })),
                "post": op("placeOrder", "store", json!({
                    "requestBody": body(r("NewOrder")),
                    "responses": {"200": ok(r("Order")), "4XX": error.clone()}
                }))
            }),
        );
        paths.insert(
            format!("{prefix}/users/{{username}}"),
            json!({
                "get": op("getUser", "users", json!({
                    "parameters": [{"name": "username", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"200": ok(r("User")), "4XX": error}
                }))
            }),
        );
        let id = json!({"type": "integer", "format": "int64"});
        let text = json!({"type": "string"});
        let object = |required: Value, properties: Value| json!({"type": "object", "required": required, "properties": properties});
        let defs: BTreeMap<&str, Value> = BTreeMap::from([
            (
                "Pet",
                object(
                    json!(["id", "name"]),
                    json!({"id": id, "name": text, "category": r("Category"), "tags": {"type": "array", "items": r("Tag")}, "status": r("PetStatus"), "photoUrls": {"type": "array", "items": text}}),
                ),
            ),
            (
                "NewPet",
                object(
                    json!(["name"]),
                    json!({"name": text, "category": r("Category"), "tags": {"type": "array", "items": r("Tag")}, "status": r("PetStatus")}),
                ),
            ),
            (
                "PetUpdate",
                object(json!([]), json!({"name": text, "status": r("PetStatus")})),
            ),
            (
                "Category",
                object(json!(["id"]), json!({"id": id, "name": text})),
            ),
            (
                "Tag",
                object(json!(["id"]), json!({"id": id, "name": text})),
            ),
            (
                "PetStatus",
                json!({"type": "string", "enum": ["available", "pending", "sold"]}),
            ),
            (
                "PetList",
                object(
                    json!(["items"]),
                    json!({"items": {"type": "array", "items": r("Pet")}, "next_page": {"type": "string", "nullable": true}}),
                ),
            ),
            (
                "Order",
                object(
                    json!(["id", "petId", "quantity"]),
                    json!({"id": id, "petId": id, "quantity": {"type": "integer", "format": "int32"}, "shipDate": {"type": "string", "format": "date-time"}, "status": r("OrderStatus"), "complete": {"type": "boolean"}}),
                ),
            ),
            (
                "NewOrder",
                object(
                    json!(["petId", "quantity"]),
                    json!({"petId": id, "quantity": {"type": "integer", "format": "int32"}}),
                ),
            ),
            (
                "OrderStatus",
                json!({"type": "string", "enum": ["placed", "approved", "delivered"]}),
            ),
            (
                "OrderList",
                object(
                    json!(["items"]),
                    json!({"items": {"type": "array", "items": r("Order")}}),
                ),
            ),
            (
                "User",
                object(
                    json!(["id", "username"]),
                    json!({"id": id, "username": text, "email": text, "address": r("Address")}),
                ),
            ),
            (
                "Address",
                object(
                    json!(["street", "city"]),
                    json!({"street": text, "city": text, "zip": text}),
                ),
            ),
            (
                "Error",
                object(
                    json!(["code", "message"]),
                    json!({"code": text, "message": text}),
                ),
            ),
        ]);
        for (name, schema) in defs {
            schemas.insert(format!("{name}{s}"), schema);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Petstore", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": schemas}
    })
}
