//! Plans against hand-made states: what one edit of a deployed program plans, in what order,
//! and the property that a plan applied to its state leaves nothing more to plan.

mod support;

use infrac_plan::diff::Action;
use infrac_plan::render::{render_human, render_json};
use infrac_plan::{diff, lower_program_for, ResourceGraph, StackNames, State};
use proptest::prelude::*;
use serde_json::json;

fn thumbnailer_text() -> String {
    std::fs::read_to_string(support::examples_dir().join("thumbnailer/main.infra"))
        .expect("thumbnailer example")
}

const TOML: &str = "name = \"thumbnailer\"\nregion = \"us-east-1\"\n";

fn thumbnailer(edit: impl Fn(String) -> String) -> ResourceGraph {
    support::lower_texts(&[("main.infra", &edit(thumbnailer_text()))], Some(TOML))
}

/// The thumbnailer whose bucket starts the task itself (`examples/thumbnailer-direct`).
fn direct(edit: impl Fn(String) -> String) -> ResourceGraph {
    let text =
        std::fs::read_to_string(support::examples_dir().join("thumbnailer-direct/main.infra"))
            .expect("thumbnailer-direct example");
    support::lower_texts(&[("main.infra", &edit(text))], Some(TOML))
}

/// The thumbnailer as deployed, unchanged.
fn deployed() -> State {
    let graph = thumbnailer(|t| t);
    support::deploy(&graph, &support::empty_state(&graph))
}

fn actions(plan: &infrac_plan::Plan) -> Vec<(Action, &str)> {
    plan.steps
        .iter()
        .map(|s| (s.action, s.id.as_str()))
        .collect()
}

#[test]
fn an_unchanged_program_plans_nothing() {
    let state = deployed();
    let plan = diff(&thumbnailer(|t| t), &state);
    assert!(plan.is_empty(), "{}", render_human(&plan, false));
    insta::assert_snapshot!(render_human(&plan, false), @"No changes: stack dev of thumbnailer matches the program.");
}

#[test]
fn one_changed_attribute_is_one_update() {
    let state = deployed();
    let graph = thumbnailer(|t| t.replace("timeout = 30s", "timeout = 60s"));
    let plan = diff(&graph, &state);
    assert_eq!(actions(&plan), vec![(Action::Update, "on_thumbnail")]);
    let step = &plan.steps[0];
    assert_eq!(step.changes.len(), 1);
    assert_eq!(step.changes[0].path, "timeout");
    assert_eq!(
        (&step.changes[0].old, &step.changes[0].new),
        (&json!(30), &json!(60))
    );
    insta::assert_snapshot!("timeout_update_human", render_human(&plan, false));
    insta::assert_snapshot!("timeout_update_json", render_json(&plan, true));
}

#[test]
fn a_renamed_bucket_is_replaced() {
    // A state whose bucket has another name than the program gives it (edited by hand: the
    // CLI lowers with the names the state recorded, see the test below).
    let mut state = deployed();
    let bucket = state
        .resources
        .iter_mut()
        .find(|r| r.id == "media")
        .expect("bucket in state");
    bucket.physical_id = "thumbnailer-dev-media-0ld".into();
    bucket.inputs["name"] = json!("thumbnailer-dev-media-0ld");
    let plan = diff(&thumbnailer(|t| t), &state);
    // The bucket is replaced because of its name; its notification configuration lives in the
    // bucket, so it is put again into the new one.
    assert_eq!(
        actions(&plan),
        vec![
            (Action::Replace, "media"),
            (Action::Replace, "media/notifications")
        ]
    );
    let change = &plan.steps[0].changes[0];
    assert_eq!(change.path, "name");
    assert!(change.forces_replace);
    insta::assert_snapshot!("bucket_rename_human", render_human(&plan, false));
}

/// The thumbnailer lowered with the names of a deployed stack's state.
fn thumbnailer_for(state: &State, edit: impl Fn(String) -> String) -> ResourceGraph {
    let project =
        support::project_from_texts(&[("main.infra", &edit(thumbnailer_text()))], Some(TOML));
    let checked = infrac_check::check_project(&project, &support::FakeFolders);
    let names = StackNames::of_state("dev", state);
    let lowered = lower_program_for(&project, &checked.model, &support::FakeFolders, &names);
    assert!(lowered.problems.is_empty(), "{:?}", lowered.problems);
    lowered.graph
}

#[test]
fn a_bucket_keeps_the_name_it_was_created_with() {
    // A stack deployed before bucket names ended with the instance id: its bucket has the old
    // name, and the state has an instance id now. Renaming would replace the bucket, and it
    // holds data: it keeps its name, and so do the policies and variables that name it.
    let mut state = deployed();
    state.instance = Some("0123456789ab".into());
    let bucket = state
        .resources
        .iter_mut()
        .find(|r| r.id == "media")
        .expect("bucket in state");
    bucket.physical_id = "thumbnailer-dev-media-e867769a".into();
    bucket.inputs["name"] = json!("thumbnailer-dev-media-e867769a");
    let graph = thumbnailer_for(&state, |t| t);
    assert_eq!(
        graph.get("media").map(|n| n.name.as_str()),
        Some("thumbnailer-dev-media-e867769a")
    );
    let role = graph
        .get("ffmpeg/task-role")
        .expect("task role")
        .properties
        .to_string();
    assert!(
        role.contains("arn:aws:s3:::thumbnailer-dev-media-e867769a/*"),
        "{role}"
    );
    // The rest of the stack was lowered from the same program: only the bucket differs from
    // what `deployed()` recorded, so the plan updates what names it and nothing else.
    let plan = diff(&graph, &state);
    assert!(
        plan.steps
            .iter()
            .all(|s| s.action != Action::Replace || s.id != "media"),
        "{}",
        render_human(&plan, false)
    );
    // A bucket added to that stack gets the instance's suffix.
    let graph = thumbnailer_for(&state, |t| format!("{t}\nbucket archive {{}}\n"));
    assert_eq!(
        graph.get("archive").map(|n| n.name.as_str()),
        Some("thumbnailer-dev-archive-0123456789ab")
    );
}

#[test]
fn a_removed_function_is_deleted_after_what_used_it() {
    let state = deployed();
    let graph = thumbnailer(|t| {
        let start = t.find("function on_thumbnail").expect("function");
        let end = start + t[start..].find("}\n").expect("end of function") + 2;
        let t = format!("{}{}", &t[..start], &t[end..]);
        t.replace("media.on_put(\".jpg\") -> function on_thumbnail\n", "")
    });
    let plan = diff(&graph, &state);
    assert_eq!(
        actions(&plan),
        vec![
            // The bucket stops notifying the function before anything of it goes...
            (Action::Update, "media/notifications"),
            // ...then the permission that let S3 call it, the function, and what it used.
            (
                Action::Delete,
                "trigger/media.on_put(.jpg)->on_thumbnail/permission"
            ),
            (Action::Delete, "on_thumbnail"),
            (Action::Delete, "on_thumbnail/role"),
            (Action::Delete, "on_thumbnail/logs"),
        ]
    );
    insta::assert_snapshot!("function_removed_human", render_human(&plan, false));
    insta::assert_snapshot!("function_removed_json", render_json(&plan, true));
}

#[test]
fn a_new_task_definition_updates_what_runs_it() {
    // A function that `runs` the task names its family, not a revision: it starts the new
    // revision with nothing else changed.
    let state = deployed();
    let graph = thumbnailer(|t| t.replace("memory = 512MB", "memory = 1GB"));
    let plan = diff(&graph, &state);
    assert_eq!(actions(&plan), vec![(Action::Replace, "ffmpeg/definition")]);

    let graph = direct(|t| t);
    let state = support::deploy(&graph, &support::empty_state(&graph));
    let graph = direct(|t| t.replace("memory = 512MB", "memory = 1GB"));
    let plan = diff(&graph, &state);
    // A task definition is never edited: a new revision is made, and the rules and roles that
    // name its ARN are updated to the new one.
    assert_eq!(
        actions(&plan),
        vec![
            (Action::Replace, "ffmpeg/definition"),
            (Action::Update, "trigger/media.on_put(.mp4)->ffmpeg/role"),
            (Action::Update, "trigger/nightly.on_tick()->ffmpeg/role"),
            (Action::Update, "nightly"),
            (Action::Update, "trigger/media.on_put(.mp4)->ffmpeg/rule"),
        ]
    );
    insta::assert_snapshot!("task_memory_human", render_human(&plan, false));
}

#[test]
fn changed_code_updates_the_function_and_a_changed_build_makes_a_new_image() {
    let state = deployed();
    let graph = support::lower(
        &support::project_from_texts(
            &[(
                "main.infra",
                &thumbnailer_text()
                    .replace("./on-thumbnail", "./other")
                    .replace("./ffmpeg", "./ffmpeg2"),
            )],
            Some(TOML),
        ),
        &support::FakeFolders,
        "dev",
    );
    let plan = diff(&graph, &state);
    let summary: Vec<(Action, &str)> = actions(&plan);
    assert!(
        summary.contains(&(Action::Update, "on_thumbnail")),
        "{summary:?}"
    );
    assert!(
        summary.contains(&(Action::Replace, "ffmpeg/image")),
        "{summary:?}"
    );
    assert!(
        summary.contains(&(Action::Replace, "ffmpeg/definition")),
        "{summary:?}"
    );
}

#[test]
fn a_pending_create_is_planned_again_and_an_unknown_entry_is_deleted() {
    let mut state = deployed();
    for r in &mut state.resources {
        if r.id == "on_thumbnail" {
            r.status = infrac_plan::Status::PendingCreate;
        }
    }
    let mut stray = state.resources[0].clone();
    stray.id = "old_bucket".into();
    state.resources.push(stray);
    let plan = diff(&thumbnailer(|t| t), &state);
    let summary = actions(&plan);
    assert!(
        summary.contains(&(Action::Create, "on_thumbnail")),
        "{summary:?}"
    );
    assert!(
        summary.contains(&(Action::Delete, "old_bucket")),
        "{summary:?}"
    );
}

// ---- the property ----------------------------------------------------------------------

fn lower_program_text(text: &str) -> ResourceGraph {
    support::lower_texts(&[("main.infra", text)], None)
}

/// Every step comes after the steps of what it depends on; every delete comes before the
/// deletes of what it depended on.
fn assert_executable(plan: &infrac_plan::Plan) {
    let position: std::collections::HashMap<&str, usize> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for (i, step) in plan.steps.iter().enumerate() {
        for dep in &step.depends_on {
            let Some(&j) = position.get(dep.as_str()) else {
                continue;
            };
            if step.action == Action::Delete {
                if plan.steps[j].action == Action::Delete {
                    assert!(
                        j > i,
                        "{} deleted after {dep}, which it depended on",
                        step.id
                    );
                }
            } else {
                assert!(j < i, "{} planned before {dep}, which it needs", step.id);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn applying_a_plan_leaves_nothing_to_plan(
        first in prop::collection::vec(any::<u8>(), 1..48),
        second in prop::collection::vec(any::<u8>(), 1..48),
    ) {
        let a = lower_program_text(&support::program(&first));
        let b = lower_program_text(&support::program(&second));
        let empty = support::empty_state(&a);
        let plan_a = diff(&a, &empty);
        assert_executable(&plan_a);
        let state_a = support::apply(&empty, &plan_a);
        prop_assert!(diff(&a, &state_a).is_empty());

        let plan_b = diff(&b, &state_a);
        assert_executable(&plan_b);
        let state_b = support::apply(&state_a, &plan_b);
        let again = diff(&b, &state_b);
        prop_assert!(again.is_empty(), "{}", render_human(&again, false));
        // And the state survives a round trip through its file format.
        let reread = State::parse(&state_b.to_json()).expect("state parses");
        prop_assert!(diff(&b, &reread).is_empty());
    }
}
