//! The rust-version the crates claim, held to what the lockfile needs.

#[cfg(test)]
mod tests {
    use std::process::Command;

    fn version(v: &str) -> Vec<u64> {
        let mut parts: Vec<u64> = v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        parts.resize(3, 0);
        parts
    }

    /// Every dependency locked for this platform declares a rust-version no newer than the
    /// one every workspace crate (generated ones included) claims. `resolver = "3"` keeps
    /// `cargo update` to such versions; this catches a lockfile edited past them.
    #[test]
    fn every_locked_dependency_builds_with_our_rust_version() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let rustc = Command::new("rustc").arg("-vV").output().unwrap();
        let host = String::from_utf8_lossy(&rustc.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
            .expect("rustc -vV names the host");
        let out = Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--locked"])
            .args(["--filter-platform", &host])
            .current_dir(crate::codegen_cmd::repo_root())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let members: Vec<&str> = meta["workspace_members"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let used: Vec<&str> = meta["resolve"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["id"].as_str())
            .collect();
        let packages = meta["packages"].as_array().unwrap();
        let ours: Vec<(&str, &str)> = packages
            .iter()
            .filter(|p| members.contains(&p["id"].as_str().unwrap_or("")))
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or(""),
                    p["rust_version"].as_str().unwrap_or(""),
                )
            })
            .collect();
        let claim = ours
            .iter()
            .find(|(name, _)| *name == "sdkgen-runtime")
            .map(|(_, v)| *v)
            .expect("the runtime claims a rust-version");
        for (name, v) in &ours {
            assert_eq!(
                version(v),
                version(claim),
                "{name} claims rust-version {v:?}, the workspace {claim}"
            );
        }
        let too_new: Vec<String> = packages
            .iter()
            .filter(|p| used.contains(&p["id"].as_str().unwrap_or("")))
            .filter_map(|p| {
                let v = p["rust_version"].as_str()?;
                (version(v) > version(claim))
                    .then(|| format!("{} {} needs {v}", p["name"], p["version"]))
            })
            .collect();
        assert!(
            too_new.is_empty(),
            "locked dependencies newer than rust-version {claim}: {too_new:?}; \
             run `cargo update` (resolver 3 picks versions that fit)"
        );
    }
}
