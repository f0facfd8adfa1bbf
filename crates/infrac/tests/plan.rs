//! `infrac plan`, `infrac graph` and `infrac state` as a user runs them: exit codes, streams,
//! and what a deployed state changes.

use infrac_check::{check_project, load_project, DiskFileSystem};
use infrac_plan::{diff, lower_program, State};
use infrac_state::{LocalBackend, LockInfo, StateBackend};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn infrac(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run infrac")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == ".infra") {
                continue;
            }
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// A copy of an example in a temporary folder of its own.
fn example_copy(name: &str, tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("infrac-plan-cli-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("examples").join(name), &dir);
    dir
}

/// Writes the state a successful deploy of the project would leave (outputs made up).
fn deploy_in_memory(dir: &Path) -> State {
    let project = load_project(&DiskFileSystem, dir).expect("project");
    let checked = check_project(&project, &DiskFileSystem);
    let graph = lower_program(&project, &checked.model, &DiskFileSystem, "dev").graph;
    let mut state = State::empty(&graph.project, "dev", "lineage-1");
    state.serial = 1;
    let plan = diff(&graph, &state);
    for step in &plan.steps {
        let arn = format!("arn:aws:test:::{}", step.name);
        state.record(
            step,
            serde_json::json!({"arn": arn, "url": "repo.example/x"}),
        );
    }
    LocalBackend::for_project(dir)
        .save("dev", &state, None)
        .expect("save state");
    state
}

/// The secrets a project uses (its plan asks SSM about them).
fn used_secrets(dir: &Path) -> Vec<String> {
    let project = load_project(&DiskFileSystem, dir).expect("project");
    let checked = check_project(&project, &DiskFileSystem);
    infrac_plan::lower::used_secrets(&checked.model)
}

#[test]
fn every_example_plans_as_json_without_aws() {
    let mut count = 0;
    let mut with_secrets = 0;
    for entry in std::fs::read_dir(repo().join("examples")).expect("examples") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        count += 1;
        let path = dir.to_str().expect("utf-8 path");
        let secrets = used_secrets(&dir);
        if !secrets.is_empty() {
            // Only an example that uses secrets needs AWS: it says so, and plans nothing.
            with_secrets += 1;
            let out = Command::new(env!("CARGO_BIN_EXE_infrac"))
                .args(["plan", path, "--format", "json"])
                .env("NO_COLOR", "1")
                .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .env("AWS_REGION", "us-east-1")
                .output()
                .expect("run infrac");
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
            assert_eq!(stdout(&out), "");
            assert!(
                stderr(&out).starts_with(&format!(
                    "error: the program uses secrets ({}), and infrac asks SSM whether stack dev has their values before it plans; it could not: ssm:DescribeParameters failed: could not reach AWS",
                    secrets.join(", ")
                )),
                "{}",
                stderr(&out)
            );
            continue;
        }
        let out = infrac(
            &["plan", path, "--format", "json", "--detailed-exitcode"],
            &repo(),
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            dir.display(),
            stderr(&out)
        );
        let text = stdout(&out);
        assert_eq!(text.lines().count(), 1, "one JSON object on one line");
        let plan: Value = serde_json::from_str(&text).expect("JSON plan");
        let steps = plan["steps"].as_array().expect("steps");
        assert!(!steps.is_empty());
        assert_eq!(plan["summary"]["create"], steps.len());
        for step in steps {
            assert_eq!(step["action"], "create");
            for key in [
                "id",
                "type",
                "name",
                "depends_on",
                "origin",
                "properties",
                "changes",
            ] {
                assert!(step.get(key).is_some(), "{key} missing in {step}");
            }
        }
    }
    assert!(count >= 1);
    assert_eq!(with_secrets, 1, "thumbnailer-direct uses a secret");
}

#[test]
fn human_plan_ends_with_the_summary() {
    let dir = repo().join("examples/thumbnailer");
    let out = infrac(&["plan", dir.to_str().expect("path")], &repo());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Plan for thumbnailer, stack dev:"),
        "{text}"
    );
    assert!(
        text.contains("bucket media  main.infra:2\n  +   aws:s3:Bucket"),
        "{text}"
    );
    assert_eq!(
        text.lines().last(),
        Some("Plan: 17 to create, 0 to update, 0 to replace, 0 to delete.")
    );
    assert!(!text.contains('\x1b'), "no colour unless asked");
}

#[test]
fn a_program_with_errors_is_not_planned() {
    let dir = std::env::temp_dir().join(format!("infrac-plan-cli-{}-errors", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("main.infra"), "bucket media { versioning = 3 }\n").expect("write");
    let out = infrac(&["plan", ".", "--detailed-exitcode"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("E0203"), "{}", stderr(&out));
    assert!(stderr(&out).contains("fix it first"), "{}", stderr(&out));
    let out = infrac(&["plan", "no-such-folder"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let out = infrac(&["plan", ".", "--stack", "Bad_Stack"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("stack name"), "{}", stderr(&out));
}

#[test]
fn a_deployed_stack_plans_only_what_changed() {
    let dir = example_copy("thumbnailer", "deployed");
    deploy_in_memory(&dir);
    let out = infrac(
        &["plan", ".", "--detailed-exitcode", "--refresh=false"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "No changes: stack dev of thumbnailer matches the program.\n"
    );
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    // Without --refresh=false, plan reads the stack back from AWS: tests/moto.rs covers that.

    let main = dir.join("main.infra");
    let text = std::fs::read_to_string(&main).expect("main.infra");
    std::fs::write(&main, text.replace("timeout = 30s", "timeout = 60s")).expect("edit");
    let out = infrac(
        &["plan", ".", "--detailed-exitcode", "--refresh=false"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("  ~   aws:lambda:Function  on_thumbnail  thumbnailer-dev-on_thumbnail\n        timeout: 30 -> 60\n"), "{text}");
    assert!(
        text.ends_with("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.\n"),
        "{text}"
    );
    let out = infrac(&["plan", ".", "--format", "json", "--refresh=false"], &dir);
    let plan: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(
        plan["steps"][0]["changes"],
        serde_json::json!([{"path": "timeout", "old": 30, "new": 60}])
    );
    // Another stack has its own state: prod was never deployed, so everything is created.
    let out = infrac(&["plan", ".", "--stack", "prod", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(plan["summary"]["create"], 17);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn state_commands_list_show_and_unlock() {
    let dir = example_copy("thumbnailer", "state");
    let out = infrac(&["state", "list"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("never deployed"), "{}", stderr(&out));

    let state = deploy_in_memory(&dir);
    let out = infrac(&["state", "list"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let listed = stdout(&out);
    assert_eq!(listed.lines().count(), state.resources.len());
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("media ") && l.contains("aws:s3:Bucket")),
        "{listed}"
    );
    assert!(
        stderr(&out).contains("17 resources in stack dev (serial 1"),
        "{}",
        stderr(&out)
    );

    let out = infrac(&["state", "show", "ffmpeg/task-role"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(shown["type"], "aws:iam:Role");
    assert_eq!(shown["physical_id"], "thumbnailer-dev-ffmpeg-task");
    let out = infrac(&["state", "show", "nothing"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no resource `nothing`"),
        "{}",
        stderr(&out)
    );

    // A lock left by a process that is gone is cleared and named.
    let backend = LocalBackend::for_project(&dir);
    let mut gone = LockInfo::current("deploy");
    gone.pid = u32::MAX - 7;
    backend.lock("dev", &gone).expect("lock");
    let out = infrac(&["state", "unlock"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("it was locked by"),
        "{}",
        stderr(&out)
    );
    assert_eq!(backend.lock_holder("dev").expect("holder"), None);
    // A lock held by a process that still runs here (this test) needs --force.
    backend
        .lock("dev", &LockInfo::current("deploy"))
        .expect("lock");
    let out = infrac(&["state", "unlock"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("still running"), "{}", stderr(&out));
    let out = infrac(&["state", "unlock", "--force"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = infrac(&["state", "unlock"], &dir);
    assert!(stderr(&out).contains("was not locked"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn graph_draws_declarations_and_resources() {
    let dir = repo().join("examples/thumbnailer");
    let path = dir.to_str().expect("path");
    let out = infrac(&["graph", path], &repo());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("flowchart LR\n"));
    assert!(stdout(&out).contains("d_media -->|\"on_put(.mp4)\"| d_on_new_video"));
    assert!(stdout(&out).contains("d_on_new_video -.->|\"runs\"| d_ffmpeg"));
    let out = infrac(&["graph", path, "--format", "dot", "--resources"], &repo());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("digraph resources {"));
    assert!(stdout(&out).contains("aws:ecs:TaskDefinition"));
}
