//! `infrac state rm ID`: forgets a resource without touching AWS (the commands run with an
//! endpoint where nothing answers, so any AWS call would fail them).

mod support;

use infrac_plan::{ResourceState, ResourceType, State, Status};
use infrac_state::{LocalBackend, LockInfo, StateBackend};
use serde_json::json;
use std::path::Path;
use std::process::Output;
use support::moto::text;

/// Port 9 (discard): nothing answers there, so a call to AWS would be an error.
const NOWHERE: &str = "http://127.0.0.1:9";

fn infrac(args: &[&str]) -> Output {
    support::moto::infrac(NOWHERE, args, &[])
}

fn entry(id: &str, ty: ResourceType, name: &str) -> ResourceState {
    ResourceState {
        id: id.into(),
        ty,
        physical_id: name.into(),
        arn: Some(format!("arn:aws:x:::{name}")),
        status: Status::Applied,
        depends_on: vec![],
        inputs: json!({"name": name}),
        outputs: json!({"arn": format!("arn:aws:x:::{name}")}),
        pending_since: None,
        imported: false,
    }
}

/// A project whose stack `dev` has a bucket and a log group in its state.
fn deployed(root: &Path) -> LocalBackend {
    std::fs::write(root.join("infra.toml"), "name = \"p\"\n").expect("writes");
    std::fs::write(root.join("main.infra"), "bucket media {}\n").expect("writes");
    let backend = LocalBackend::for_project(root);
    let mut state = State::empty("p", "dev", "lineage-1");
    state.serial = 3;
    state.account = Some("123456789012".into());
    state.region = Some("us-east-1".into());
    state
        .resources
        .push(entry("media", ResourceType::S3Bucket, "p-dev-media-1"));
    state
        .resources
        .push(entry("logs", ResourceType::LogGroup, "/p/dev/logs"));
    backend.save("dev", &state, None).expect("saves");
    backend
}

#[test]
fn state_rm_forgets_one_resource_and_keeps_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = deployed(dir.path());
    let before = backend.load("dev").expect("loads").expect("state");
    let p = dir.path().to_str().expect("utf-8");
    let out = infrac(&["state", "rm", "media", p]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        text(&out),
        "Removed `media` (aws:s3:Bucket p-dev-media-1) from the state of stack dev. It is still \
         in AWS, and infrac no longer manages it; if the program still declares it, the next \
         deploy plans to create it again.\n"
    );
    let after = backend.load("dev").expect("loads").expect("state");
    assert_eq!(after.serial, 4);
    assert_eq!(after.lineage, before.lineage);
    assert_eq!(after.account, before.account);
    let ids: Vec<&str> = after.resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["logs"]);
    assert_eq!(after.get("logs"), before.get("logs"));
    assert!(
        backend.lock_holder("dev").expect("reads").is_none(),
        "the lock is released"
    );

    // The plan (without refresh: it would read AWS) now creates the bucket again.
    let out = infrac(&["plan", p, "--refresh=false", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan json");
    let steps: Vec<(&str, &str)> = plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap_or(""),
                s["id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(steps.contains(&("create", "media")), "{steps:?}");
}

#[test]
fn state_rm_of_an_unknown_id_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = deployed(dir.path());
    let before = std::fs::read(backend.state_path("dev")).expect("state");
    let out = infrac(&["state", "rm", "medai", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out),
        "error: no resource `medai` in the state of stack dev (`infrac state list` shows them); \
         nothing was removed\n"
    );
    assert_eq!(
        std::fs::read(backend.state_path("dev")).expect("state"),
        before
    );
    assert!(
        backend.lock_holder("dev").expect("reads").is_none(),
        "the lock is released"
    );
}

#[test]
fn state_rm_refuses_while_the_stack_is_locked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let backend = deployed(dir.path());
    let before = std::fs::read(backend.state_path("dev")).expect("state");
    backend
        .lock("dev", &LockInfo::current("deploy"))
        .expect("locks");
    let out = infrac(&["state", "rm", "media", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).starts_with("error: the stack is locked by"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read(backend.state_path("dev")).expect("state"),
        before
    );
}

#[test]
fn state_rm_of_a_stack_never_deployed_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("infra.toml"), "name = \"p\"\n").expect("writes");
    std::fs::write(dir.path().join("main.infra"), "bucket media {}\n").expect("writes");
    let out = infrac(&["state", "rm", "media", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out),
        "error: stack dev has no state: it was never deployed\n"
    );
}
