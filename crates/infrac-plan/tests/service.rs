//! Plans of one edit to a deployed `service`: what updates in place (ECS rolls its tasks, the
//! scaling range, the health check) and what makes a new load balancer or target group.

mod support;

use infrac_plan::diff::Action;
use infrac_plan::render::render_human;
use infrac_plan::{diff, ResourceGraph, State};

const TOML: &str = "name = \"gallery\"\nregion = \"us-east-1\"\n";

const PROGRAM: &str = r#"
bucket media {}

service gallery {
  image  = "public.ecr.aws/nginx/nginx:1.27"
  port   = 8080
  health = "/healthz"
  min    = 1
  max    = 4
  reads media
}
"#;

fn gallery(edit: impl Fn(&str) -> String) -> ResourceGraph {
    support::lower_texts(&[("main.infra", &edit(PROGRAM))], Some(TOML))
}

fn deployed() -> State {
    let graph = gallery(str::to_string);
    support::deploy(&graph, &support::empty_state(&graph))
}

fn plan_of(edit: impl Fn(&str) -> String) -> infrac_plan::Plan {
    diff(&gallery(edit), &deployed())
}

fn actions(plan: &infrac_plan::Plan) -> Vec<(Action, &str)> {
    plan.steps
        .iter()
        .map(|s| (s.action, s.id.as_str()))
        .collect()
}

#[test]
fn an_unchanged_service_plans_nothing() {
    let plan = plan_of(str::to_string);
    assert!(plan.is_empty(), "{}", render_human(&plan, false));
}

#[test]
fn changing_max_is_one_update_of_the_scaling_target() {
    let plan = plan_of(|p| p.replace("max    = 4", "max    = 8"));
    assert_eq!(
        actions(&plan),
        vec![(Action::Update, "gallery/scaling-target")]
    );
    insta::assert_snapshot!(render_human(&plan, false), @r"
    Plan for gallery, stack dev:

    service gallery  main.infra:4
      ~   aws:applicationautoscaling:ScalableTarget  gallery/scaling-target  gallery-dev-gallery 1..8
            max_capacity: 4 -> 8

    Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.
    ");
}

#[test]
fn a_new_image_is_a_new_revision_and_an_update_of_the_service() {
    let plan = plan_of(|p| p.replace("nginx:1.27", "nginx:1.28"));
    assert_eq!(
        actions(&plan),
        vec![
            (Action::Replace, "gallery/definition"),
            (Action::Update, "gallery"),
        ]
    );
}

#[test]
fn a_new_health_path_updates_the_target_group_in_place() {
    let plan = plan_of(|p| p.replace("/healthz", "/ready"));
    assert_eq!(
        actions(&plan),
        vec![(Action::Update, "gallery/target-group")]
    );
}

#[test]
fn a_new_port_rolls_the_service_and_keeps_the_load_balancer() {
    let plan = plan_of(|p| p.replace("port   = 8080", "port   = 3000"));
    // The definition maps the new port in a new revision, the tasks' group opens it in place,
    // and ECS rolls the service onto both. The target group stays: for `ip` targets its port
    // is only a default, and ECS registers each task with its container port.
    assert_eq!(
        actions(&plan),
        vec![
            (Action::Replace, "gallery/definition"),
            (Action::Update, "gallery/security-group"),
            (Action::Update, "gallery/target-group"),
            (Action::Update, "gallery"),
        ]
    );
    insta::assert_snapshot!(render_human(&plan, false));
}

#[test]
fn going_internal_makes_a_new_load_balancer() {
    let plan = plan_of(|p| p.replace("  reads media", "  public = false\n  reads media"));
    let got = actions(&plan);
    assert!(
        got.contains(&(Action::Replace, "gallery/load-balancer")),
        "{}",
        render_human(&plan, false)
    );
    assert!(got.contains(&(Action::Update, "gallery/lb-security-group")));
}

#[test]
fn a_fixed_count_without_scaling_has_no_scaling_resources() {
    let graph = gallery(|p| p.replace("  min    = 1\n  max    = 4\n", "  count  = 3\n"));
    let ids: Vec<&str> = graph.nodes().iter().map(|n| n.id.as_str()).collect();
    assert!(!ids.contains(&"gallery/scaling-target"), "{ids:?}");
    let service = graph.get("gallery").expect("the service");
    assert_eq!(service.properties["desired_count"], 3);
    assert_eq!(service.properties["scaled"], false);
}

#[test]
fn removing_the_service_deletes_the_service_before_its_load_balancer() {
    let graph = gallery(|p| {
        p.split("service gallery")
            .next()
            .unwrap_or_default()
            .to_string()
    });
    let plan = diff(&graph, &deployed());
    let order: Vec<&str> = actions(&plan).into_iter().map(|(_, id)| id).collect();
    let at = |id: &str| order.iter().position(|x| *x == id).unwrap_or(usize::MAX);
    assert!(at("gallery/scaling-target") < at("gallery"), "{order:?}");
    assert!(at("gallery") < at("gallery/listener"), "{order:?}");
    assert!(
        at("gallery/listener") < at("gallery/load-balancer"),
        "{order:?}"
    );
    assert!(
        at("gallery/listener") < at("gallery/target-group"),
        "{order:?}"
    );
    assert!(
        at("gallery/load-balancer") < at("gallery/lb-security-group"),
        "{order:?}"
    );
}
