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
}
