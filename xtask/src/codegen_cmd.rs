//! `cargo xtask codegen`: regenerate, or with `--check` diff against what is committed.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use codegen::{File, SpecSource};

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

/// Every spec under `spec/`, sorted by path, as the generator names them.
pub fn read_specs(root: &Path, only: Option<&str>) -> Result<Vec<SpecSource>> {
    let dir = root.join("spec");
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
            Ok(SpecSource {
                path: format!("spec/{name}"),
                text,
            })
        })
        .collect()
}

/// Runs the generator: the full file set, or the diagnostics printed and `None`.
pub fn generate(sources: &[SpecSource]) -> Option<Vec<File>> {
    match codegen::generate(sources) {
        Ok(mut files) => {
            files.push(File {
                path: "spec/schema.json".into(),
                contents: codegen::json_schema(),
            });
            files.sort_by(|a, b| a.path.cmp(&b.path));
            Some(files)
        }
        Err(diagnostics) => {
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
    }
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
    let mut owned: BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            let rest = f.path.strip_prefix("generated/")?;
            Some(format!("generated/{}", rest.split('/').next()?))
        })
        .collect();
    if all_apis {
        if let Ok(entries) = fs::read_dir(root.join("generated")) {
            for e in entries.flatten() {
                if e.path().is_dir() {
                    owned.insert(format!("generated/{}", e.file_name().to_string_lossy()));
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
            if d == root.join("generated") || fs::remove_dir(d).is_err() {
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
    let group = |path: &str| -> String {
        match path.strip_prefix("generated/") {
            Some(rest) => rest.split('/').next().unwrap_or(rest).to_owned(),
            None => path.to_owned(),
        }
    };
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
    let root = repo_root();
    let sources = read_specs(&root, args.api.as_deref())?;
    if args.timings {
        timings(&sources);
    }
    let Some(mut files) = generate(&sources) else {
        return Ok(false);
    };
    if args.api.is_some() {
        // One API: the schema is the whole format's and is only written with every API.
        files.retain(|f| f.path.starts_with("generated/"));
    }
    let plan = plan(&root, &files, args.api.is_none())?;
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
    apply(&root, &plan)?;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed tree must be what the specs generate: `cargo test` alone catches a
    /// stale tree, as `cargo xtask codegen --check` does.
    #[test]
    fn generated_tree_is_fresh() {
        let root = repo_root();
        let sources = read_specs(&root, None).unwrap();
        let files = generate(&sources).expect("the committed specs check");
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
        let sources = read_specs(&repo_root(), None).unwrap();
        let a = generate(&sources).unwrap();
        let b = generate(&sources).unwrap();
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
