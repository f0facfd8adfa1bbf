//! `cargo bench -p infrac-plan`: lowering a checked program to its resource graph and diffing
//! it against a state, for generated programs of about 100, 1,000 and 10,000 AWS resources,
//! on an empty state and on a state equal to the graph (what a plan without refresh does).
//! Checking the program is not measured (that is `cargo bench -p infrac-check`).

#[path = "../tests/support/mod.rs"]
mod support;

use infrac_check::{check_project, Model, Project};
use infrac_plan::{diff, lower_program, Plan, ResourceGraph, State};
use std::fmt::Write as _;

fn main() {
    divan::main();
}

/// One group of declarations making 14 AWS resources: a bucket (and its notification
/// configuration), a function (role, log group, function) triggered from it, a task (log
/// group, two roles, task definition) triggered from it through EventBridge (rule, role), and a
/// schedule (rule) that also runs the task (role). Every fourth task is built from a folder,
/// which adds its repository and image.
fn group(out: &mut String, i: usize) {
    let source = if i.is_multiple_of(4) {
        "build = \"./app\"".to_string()
    } else {
        "image = \"public.ecr.aws/docker/library/alpine:3.20\"".to_string()
    };
    let _ = write!(
        out,
        r#"bucket media_{i} {{ versioning = true }}
function thumb_{i} {{
  runtime = "nodejs24.x"
  handler = "index.handler"
  code = "./app"
  memory = 512MB
  env = {{ BUCKET = media_{i}.name }}
  reads media_{i}
  writes media_{i}("thumbs/*")
}}
task encode_{i} {{
  {source}
  cpu = 1024
  memory = 2GB
  env = {{ NOTIFY = thumb_{i}.arn }}
  reads media_{i}
  writes media_{i}("encoded/*.mp4")
}}
schedule tick_{i} {{ cron = "{minute} 3 * * *" }}
media_{i}.on_put("uploads/*.jpg") -> function thumb_{i}
media_{i}.on_put("uploads/*.mov") -> task encode_{i} {{ env = {{ INPUT = event.key }} }}
tick_{i}.on_tick() -> task encode_{i}
"#,
        minute = i % 60
    );
}

/// A checked program of about `resources` AWS resources.
fn program(resources: usize) -> (Project, Model) {
    let mut text = String::new();
    for i in 0..resources.div_ceil(14) {
        group(&mut text, i);
    }
    let project = support::project_from_texts(&[("main.infra", &text)], None);
    let checked = check_project(&project, &support::FakeFolders);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics.first());
    (project, checked.model)
}

/// Lowers and diffs; both results are handed back so that divan frees them outside the timed
/// part (a CLI run exits instead of freeing them).
fn lower_and_diff(project: &Project, model: &Model, state: &State) -> (ResourceGraph, Plan) {
    let lowered = lower_program(project, model, &support::FakeFolders, "dev");
    let plan = diff(&lowered.graph, state);
    (lowered.graph, plan)
}

#[divan::bench(args = [100, 1_000, 10_000], sample_count = 30)]
fn plan_on_empty_state(bencher: divan::Bencher, resources: usize) {
    let (project, model) = program(resources);
    let graph = lower_program(&project, &model, &support::FakeFolders, "dev").graph;
    let state = support::empty_state(&graph);
    assert_eq!(
        lower_and_diff(&project, &model, &state).1.steps.len(),
        graph.len()
    );
    bencher
        .counter(divan::counter::ItemsCount::new(graph.len()))
        .bench(|| lower_and_diff(&project, &model, &state));
}

#[divan::bench(args = [100, 1_000, 10_000], sample_count = 30)]
fn plan_on_deployed_state(bencher: divan::Bencher, resources: usize) {
    let (project, model) = program(resources);
    let graph = lower_program(&project, &model, &support::FakeFolders, "dev").graph;
    let state = support::deploy(&graph, &support::empty_state(&graph));
    assert!(
        lower_and_diff(&project, &model, &state).1.is_empty(),
        "nothing to do"
    );
    bencher
        .counter(divan::counter::ItemsCount::new(graph.len()))
        .bench(|| lower_and_diff(&project, &model, &state));
}
