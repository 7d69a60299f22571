//! The GitHub workflow, checked for the shape CI relies on (actionlint lints it too, where
//! it can be installed).

#[cfg(test)]
mod tests {
    use serde_yaml::Value;

    /// The workflow runs `.ci/run` on pushes and pull requests, every step either runs a
    /// command or uses a pinned action, and a failure uploads the pending snapshots.
    #[test]
    fn the_ci_workflow_runs_the_ci_script_and_keeps_pending_snapshots() {
        let path = crate::codegen_cmd::repo_root().join(".github/workflows/ci.yml");
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_yaml::from_str(&text).unwrap();
        let on = &doc["on"];
        assert!(
            on.get("push").is_some() && on.get("pull_request").is_some(),
            "{on:?}"
        );
        let jobs = doc["jobs"].as_mapping().expect("jobs");
        assert!(!jobs.is_empty());
        let mut runs_ci = false;
        let mut uploads = false;
        for (name, job) in jobs {
            assert!(job["runs-on"].is_string(), "job {name:?} has no runs-on");
            let steps = job["steps"].as_sequence().expect("steps");
            for step in steps {
                let (run, uses) = (step.get("run"), step.get("uses"));
                assert!(
                    run.is_some() != uses.is_some(),
                    "a step either runs or uses: {step:?}"
                );
                if let Some(uses) = uses.and_then(Value::as_str) {
                    let (_, version) = uses.split_once('@').expect("pinned action");
                    assert!(!version.is_empty(), "{uses}");
                    if uses.starts_with("actions/upload-artifact@") {
                        let paths = step["with"]["path"].as_str().unwrap_or("");
                        uploads = paths.contains("*.snap.new") && step["if"] == "failure()";
                    }
                }
                runs_ci |= run.and_then(Value::as_str) == Some("bash .ci/run");
            }
        }
        assert!(runs_ci, "no step runs `bash .ci/run`");
        assert!(uploads, "a failure does not upload the pending snapshots");
    }

    /// The scheduled job fetches every page a spec lists and fails on drift.
    #[test]
    fn the_docs_drift_job_fetches_the_pages_and_runs_drift() {
        let path = crate::codegen_cmd::repo_root().join(".github/workflows/docs-drift.yml");
        let doc: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(doc["on"].get("schedule").is_some());
        let steps = doc["jobs"]["drift"]["steps"].as_sequence().unwrap();
        let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
        assert!(runs.iter().any(|r| r.contains("docs-drift")
            && r.contains("--list")
            && r.contains("curl --fail")));
        assert!(runs.iter().any(|r| r
            .trim()
            .ends_with("cargo xtask docs-drift --api \"${{ matrix.api }}\"")));
        let apis = doc["jobs"]["drift"]["strategy"]["matrix"]["api"]
            .as_sequence()
            .unwrap();
        // Every seed spec is in the matrix.
        for api in ["memsy", "mnemexa"] {
            assert!(apis.iter().any(|a| a.as_str() == Some(api)), "{api}");
        }
    }

    /// `cargo xtask` shows cargo's own progress: a fresh clone's first run compiles for
    /// minutes and must not look hung.
    #[test]
    fn the_xtask_alias_shows_cargo_progress() {
        let path = crate::codegen_cmd::repo_root().join(".cargo/config.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let alias = text
            .lines()
            .find(|l| l.trim_start().starts_with("xtask"))
            .expect("an xtask alias");
        assert!(alias.contains("run --package xtask"), "{alias}");
        assert!(
            !alias.contains("--quiet") && !alias.contains(" -q"),
            "{alias}"
        );
    }
}
