//! `cargo xtask codegen`: regenerate, or with `--check` diff against what is committed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use codegen::{File, Layout, SpecSource};

/// The directories whose crates the generator owns: the SDKs from `spec/`, and the golden
/// crates from the good-spec corpus (committed and compiled, so goldens must build).
const OUT_ROOTS: [(&str, &str); 2] = [
    ("spec", "generated"),
    ("codegen/tests/good_specs", "codegen/tests/goldens"),
];

/// Directories holding one generator-owned directory per API: a file in one of them that
/// the generator no longer produces is an orphan.
const OWNED_ROOTS: [&str; 3] = ["generated", "codegen/tests/goldens", "conformance/cases"];

/// Options of `cargo xtask codegen`.
#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// Write nothing; fail with a diff if anything generated is stale, missing or extra.
    #[arg(long)]
    pub check: bool,
    /// Only this API (the spec file's stem, e.g. `memsy`).
    #[arg(long)]
    pub api: Option<String>,
    /// Print how long generation takes: the seed specs, and a synthetic spec 50 times larger.
    #[arg(long)]
    pub timings: bool,
}

/// The repository root (the workspace that holds `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every spec under `spec_dir` (relative to `root`), sorted by path, as the generator names
/// them.
pub fn read_specs(root: &Path, spec_dir: &str, only: Option<&str>) -> Result<Vec<SpecSource>> {
    let dir = root.join(spec_dir);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    if let Some(api) = only {
        paths.retain(|p| p.file_stem().is_some_and(|s| s == api));
        if paths.is_empty() {
            bail!("no spec named `{api}`: expected spec/{api}.yaml");
        }
    }
    paths
        .iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            // The documents it imports, relative to it. One that cannot be read is left
            // out: the generator reports it, at the spec's line that names it.
            let dir = p.parent().unwrap_or(Path::new("."));
            let documents =
                codegen::read_documents(&text, |rel| fs::read_to_string(dir.join(rel)).ok());
            Ok(SpecSource {
                path: format!("{spec_dir}/{name}"),
                text,
                documents,
            })
        })
        .collect()
}

/// Runs the generator over the specs of every output root (or one API of `spec/`): the
/// full file set, or the diagnostics printed and `None`.
pub fn generate(root: &Path, only: Option<&str>) -> Result<Option<Vec<File>>> {
    let mut inputs = Vec::new();
    for (spec_dir, out_dir) in OUT_ROOTS {
        // With `--api`, only that spec is generated, but the goldens are still read so its
        // crate name is checked against theirs.
        let only_here = if spec_dir == "spec" { only } else { None };
        let sources = read_specs(root, spec_dir, only_here)?;
        let layout = Layout {
            out_dir: out_dir.into(),
        };
        inputs.push((sources, layout, only.is_none() || spec_dir == "spec"));
    }
    let groups: Vec<(&[SpecSource], &Layout)> = inputs
        .iter()
        .map(|(sources, layout, _)| (sources.as_slice(), layout))
        .collect();
    let (mut files, diagnostics): (Vec<File>, _) =
        match codegen::generate_over(&groups, &|path: &str| {
            fs::read_to_string(root.join(path)).ok()
        }) {
            // Only the files of the groups asked for.
            Ok(per_group) => (
                per_group
                    .into_iter()
                    .zip(&inputs)
                    .filter(|(_, (_, _, wanted))| *wanted)
                    .flat_map(|(files, _)| files)
                    .collect(),
                Vec::new(),
            ),
            Err(d) => (Vec::new(), d),
        };
    if only.is_none() {
        files.push(File {
            path: "spec/schema.json".into(),
            contents: codegen::json_schema(),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(report(files, diagnostics))
}

/// The files, or, when any spec had a problem, `None` after printing every diagnostic.
fn report(files: Vec<File>, diagnostics: Vec<codegen::Diagnostic>) -> Option<Vec<File>> {
    if diagnostics.is_empty() {
        return Some(files);
    }
    for d in &diagnostics {
        eprintln!("{d}");
    }
    eprintln!(
        "error: {} problem{} in the specs; nothing was generated",
        diagnostics.len(),
        if diagnostics.len() == 1 { "" } else { "s" }
    );
    None
}

/// The output root and crate directory a generated path belongs to.
fn crate_dir_of(path: &str) -> Option<String> {
    OWNED_ROOTS.iter().find_map(|out| {
        let rest = path.strip_prefix(out)?.strip_prefix('/')?;
        Some(format!("{out}/{}", rest.split('/').next()?))
    })
}

/// What a run would change, per file.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files whose contents differ, with the old contents (`None` when missing).
    pub changed: Vec<(File, Option<String>)>,
    /// Files under a generated directory that the generator no longer produces.
    pub orphans: Vec<String>,
    /// Files already up to date.
    pub fresh: Vec<String>,
}

/// Compares the generated files with the tree. The directories owned by the generator are
/// `generated/<crate>/` of each API generated; with `all_apis`, every directory under
/// `generated/` is owned, so a crate whose spec was removed is reported as orphaned.
pub fn plan(root: &Path, files: &[File], all_apis: bool) -> Result<Plan> {
    let mut plan = Plan::default();
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for f in files {
        let path = root.join(&f.path);
        let old = match fs::read_to_string(&path) {
            Ok(s) => Some(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        if old.as_deref() == Some(f.contents.as_str()) {
            plan.fresh.push(f.path.clone());
        } else {
            plan.changed.push((f.clone(), old));
        }
    }
    let mut owned: BTreeSet<String> = files.iter().filter_map(|f| crate_dir_of(&f.path)).collect();
    if all_apis {
        for out in OWNED_ROOTS {
            let Ok(entries) = fs::read_dir(root.join(out)) else {
                continue;
            };
            for e in entries.flatten() {
                if e.path().is_dir() {
                    owned.insert(format!("{out}/{}", e.file_name().to_string_lossy()));
                }
            }
        }
    }
    for dir in owned {
        for path in walk(&root.join(&dir))? {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if !wanted.contains(rel.as_str()) {
                plan.orphans.push(rel);
            }
        }
    }
    plan.orphans.sort();
    Ok(plan)
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(out);
    };
    for e in entries {
        let path = e?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// Applies a plan: every changed file is first written beside its target, then all are
/// renamed into place, then orphans are removed. A failure while staging removes what was
/// staged and leaves the tree as it was.
pub fn apply(root: &Path, plan: &Plan) -> Result<()> {
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let stage = |staged: &mut Vec<(PathBuf, PathBuf)>| -> Result<()> {
        for (f, _) in &plan.changed {
            let target = root.join(&f.path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            let tmp = target.with_extension(format!(
                "{}.codegen-tmp",
                target
                    .extension()
                    .map(|e| e.to_string_lossy())
                    .unwrap_or_default()
            ));
            fs::write(&tmp, &f.contents).with_context(|| format!("writing {}", tmp.display()))?;
            staged.push((tmp, target));
        }
        Ok(())
    };
    if let Err(e) = stage(&mut staged) {
        for (tmp, _) in &staged {
            let _ = fs::remove_file(tmp);
        }
        return Err(e);
    }
    for (tmp, target) in &staged {
        fs::rename(tmp, target).with_context(|| format!("replacing {}", target.display()))?;
    }
    for orphan in &plan.orphans {
        let path = root.join(orphan);
        fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
        // Remove directories the orphan leaves empty, up to its generated/<crate>/ root.
        let mut dir = path.parent();
        while let Some(d) = dir {
            let is_out_root = OWNED_ROOTS.iter().any(|out| d == root.join(out));
            if is_out_root || fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}

/// A unified diff of one file, for `--check`.
pub fn diff(path: &str, old: Option<&str>, new: &str) -> String {
    let old = old.unwrap_or("");
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// The one-line summary per API (and one for the schema).
fn summary(files: &[File], plan: &Plan) -> Vec<String> {
    let group = |path: &str| -> String { crate_dir_of(path).unwrap_or_else(|| path.to_owned()) };
    let mut per: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for f in files {
        per.entry(group(&f.path)).or_default().0 += 1;
    }
    for (f, _) in &plan.changed {
        per.entry(group(&f.path)).or_default().1 += 1;
    }
    for o in &plan.orphans {
        per.entry(group(o)).or_default().2 += 1;
    }
    per.into_iter()
        .map(|(name, (total, changed, removed))| {
            if changed == 0 && removed == 0 {
                format!("{name}: up to date ({total} files)")
            } else {
                format!("{name}: {changed} of {total} files written, {removed} removed")
            }
        })
        .collect()
}

/// Runs the command; `Ok(false)` means it reported a failure (diagnostics or staleness).
pub fn run(args: &Args) -> Result<bool> {
    run_in(&repo_root(), args)
}

/// [`run`] on the tree at `root`.
pub fn run_in(root: &Path, args: &Args) -> Result<bool> {
    if args.timings {
        timings(&read_specs(root, "spec", args.api.as_deref())?);
    }
    let Some(files) = generate(root, args.api.as_deref())? else {
        return Ok(false);
    };
    let plan = plan(root, &files, args.api.is_none())?;
    if args.check {
        if plan.changed.is_empty() && plan.orphans.is_empty() {
            println!("generated files are fresh ({} files)", files.len());
            return Ok(true);
        }
        for (f, old) in &plan.changed {
            match old {
                None => eprintln!("missing: {}", f.path),
                Some(_) => eprintln!("stale: {}", f.path),
            }
            eprint!("{}", diff(&f.path, old.as_deref(), &f.contents));
        }
        for o in &plan.orphans {
            eprintln!("orphan (no spec generates it): {o}");
        }
        eprintln!(
            "error: {} stale or missing, {} orphaned; run `cargo xtask codegen` and commit the result",
            plan.changed.len(),
            plan.orphans.len()
        );
        return Ok(false);
    }
    apply(root, &plan)?;
    for line in summary(&files, &plan) {
        println!("{line}");
    }
    Ok(true)
}

/// Median wall time of `runs` calls.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn timings(sources: &[SpecSource]) {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let seeds = median(21, || {
        let _ = codegen::generate(sources);
    });
    println!(
        "timings ({profile} build): {} spec(s), median of 21 runs: {:.1} ms",
        sources.len(),
        seeds.as_secs_f64() * 1e3
    );
    let big = crate::synthetic::spec(50);
    let size = big.text.len();
    let synthetic = median(5, || {
        let _ = codegen::generate(std::slice::from_ref(&big));
    });
    println!(
        "timings ({profile} build): synthetic spec 50x ({} KiB of YAML), median of 5 runs: {:.1} ms",
        size / 1024,
        synthetic.as_secs_f64() * 1e3
    );
    // The OpenAPI corpus: each imported document alone, import to files.
    let root = repo_root();
    if let Ok(goldens) = read_specs(&root, "codegen/tests/good_specs", None) {
        for source in goldens.iter().filter(|s| !s.documents.is_empty()) {
            let doc_bytes: usize = source.documents.values().map(String::len).sum();
            let mut lines = 0;
            let time = median(7, || {
                if let Ok(files) = codegen::generate(std::slice::from_ref(source)) {
                    lines = files.iter().map(|f| f.contents.lines().count()).sum();
                }
            });
            println!(
                "timings ({profile} build): {} ({} KiB document), median of 7 runs: {:.1} ms, {lines} lines out",
                source.path,
                doc_bytes / 1024,
                time.as_secs_f64() * 1e3
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed tree must be what the specs generate: `cargo test` alone catches a
    /// stale tree, as `cargo xtask codegen --check` does.
    #[test]
    fn generated_tree_is_fresh() {
        let root = repo_root();
        let files = generate(&root, None)
            .unwrap()
            .expect("the committed specs check");
        let plan = plan(&root, &files, true).unwrap();
        let stale: Vec<&str> = plan.changed.iter().map(|(f, _)| f.path.as_str()).collect();
        assert!(
            stale.is_empty() && plan.orphans.is_empty(),
            "stale: {stale:?}, orphans: {:?}; run `cargo xtask codegen`",
            plan.orphans
        );
    }

    #[test]
    fn generation_is_byte_identical_across_runs() {
        let a = generate(&repo_root(), None).unwrap().unwrap();
        let b = generate(&repo_root(), None).unwrap().unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn the_synthetic_spec_checks_and_generates() {
        let files = codegen::generate(&[crate::synthetic::spec(2)]).unwrap();
        assert!(files
            .iter()
            .any(|f| f.path == "generated/synthetic/src/error.rs"));
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("generated/demo/src")).unwrap();
        dir
    }

    /// A bad spec makes the command fail and leaves every generated file as it was.
    #[test]
    fn a_bad_spec_writes_nothing() {
        let root = scratch("bad");
        fs::create_dir_all(root.join("spec")).unwrap();
        fs::create_dir_all(root.join("codegen/tests/good_specs")).unwrap();
        let good = fs::read_to_string(repo_root().join("spec/mnemexa.yaml")).unwrap();
        fs::write(root.join("spec/mnemexa.yaml"), &good).unwrap();
        fs::write(root.join("spec/broken.yaml"), "api: {name: X}\n").unwrap();
        fs::write(root.join("generated/demo/src/lib.rs"), "hand-made").unwrap();
        let ok = run_in(&root, &Args::default()).unwrap();
        assert!(!ok);
        assert_eq!(
            fs::read_to_string(root.join("generated/demo/src/lib.rs")).unwrap(),
            "hand-made"
        );
        assert!(!root.join("generated/mnemexa").exists());
        // With the bad spec gone the same tree generates, and --check then passes.
        fs::remove_file(root.join("spec/broken.yaml")).unwrap();
        assert!(run_in(&root, &Args::default()).unwrap());
        assert!(root.join("generated/mnemexa/src/client.rs").exists());
        assert!(!root.join("generated/demo").exists(), "orphans are removed");
        assert!(run_in(
            &root,
            &Args {
                check: true,
                ..Args::default()
            }
        )
        .unwrap());
        // A spec edited without regenerating fails --check.
        fs::write(
            root.join("spec/mnemexa.yaml"),
            good.replace("burst: 15", "burst: 16"),
        )
        .unwrap();
        assert!(!run_in(
            &root,
            &Args {
                check: true,
                ..Args::default()
            }
        )
        .unwrap());
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn plan_finds_stale_missing_and_orphaned_files_and_apply_fixes_them() {
        let root = scratch("plan");
        fs::write(root.join("generated/demo/src/lib.rs"), "old").unwrap();
        fs::write(root.join("generated/demo/src/gone.rs"), "x").unwrap();
        fs::create_dir_all(root.join("generated/removed")).unwrap();
        fs::write(root.join("generated/removed/Cargo.toml"), "x").unwrap();
        let files = vec![
            File {
                path: "generated/demo/src/lib.rs".into(),
                contents: "new".into(),
            },
            File {
                path: "generated/demo/Cargo.toml".into(),
                contents: "toml".into(),
            },
        ];
        let p = plan(&root, &files, true).unwrap();
        let changed: Vec<&str> = p.changed.iter().map(|(f, _)| f.path.as_str()).collect();
        assert_eq!(
            changed,
            ["generated/demo/src/lib.rs", "generated/demo/Cargo.toml"]
        );
        assert_eq!(
            p.orphans,
            ["generated/demo/src/gone.rs", "generated/removed/Cargo.toml"]
        );
        let d = diff("generated/demo/src/lib.rs", Some("old\n"), "new\n");
        assert!(
            d.contains("-old") && d.contains("+new") && d.contains("a/generated/demo/src/lib.rs"),
            "{d}"
        );
        apply(&root, &p).unwrap();
        assert_eq!(
            fs::read_to_string(root.join("generated/demo/src/lib.rs")).unwrap(),
            "new"
        );
        assert!(!root.join("generated/demo/src/gone.rs").exists());
        assert!(!root.join("generated/removed").exists());
        let again = plan(&root, &files, true).unwrap();
        assert!(again.changed.is_empty() && again.orphans.is_empty());
        fs::remove_dir_all(&root).unwrap();
    }
}
