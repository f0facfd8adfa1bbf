//! The pictures `infrac graph` draws and the plain data the language server shows on hover.

mod support;

use infrac_check::{check_project, DiskFileSystem};
use infrac_plan::graph_view::{render_declarations, render_resources, GraphFormat};
use infrac_plan::preview::planned_resources;

#[test]
fn thumbnailer_pictures() {
    let dir = support::examples_dir().join("thumbnailer");
    let project = support::load_example(&dir);
    let checked = check_project(&project, &DiskFileSystem);
    let graph = support::lower_example(&dir);
    insta::assert_snapshot!(
        "declarations_mermaid",
        render_declarations(&checked.model, GraphFormat::Mermaid)
    );
    insta::assert_snapshot!(
        "declarations_dot",
        render_declarations(&checked.model, GraphFormat::Dot)
    );
    insta::assert_snapshot!(
        "resources_mermaid",
        render_resources(&graph, GraphFormat::Mermaid)
    );
    insta::assert_snapshot!("resources_dot", render_resources(&graph, GraphFormat::Dot));
}

#[test]
fn hover_lists_a_declarations_resources_with_their_statements() {
    let dir = support::examples_dir().join("thumbnailer");
    let project = support::load_example(&dir);
    let checked = check_project(&project, &DiskFileSystem);
    let resources = planned_resources(&project, &checked.model, &DiskFileSystem, "dev", "ffmpeg");
    let ids: Vec<&str> = resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "ecs-cluster",
            "ffmpeg/logs",
            "ffmpeg/repository",
            "ffmpeg/image",
            "ffmpeg/execution-role",
            "ffmpeg/task-role",
            "ffmpeg/definition",
        ]
    );
    let task_role = &resources[5];
    assert_eq!(task_role.name, "thumbnailer-dev-ffmpeg-task");
    assert_eq!(
        task_role.trusted_service.as_deref(),
        Some("ecs-tasks.amazonaws.com")
    );
    let put = task_role
        .statements
        .iter()
        .find(|s| s.actions == ["s3:PutObject"])
        .expect("a PutObject statement");
    assert!(put.resources[0].ends_with("/*.jpg"), "{:?}", put.resources);
    let exec = &resources[4];
    assert!(exec
        .statements
        .iter()
        .any(|s| s.resources == ["{ffmpeg/logs.arn}:log-stream:*"]));
    let definition = &resources[6];
    let setting = |key: &str| {
        definition
            .settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(setting("cpu").as_deref(), Some("256"));
    assert_eq!(setting("memory").as_deref(), Some("512"));
    assert_eq!(
        setting("task_role_arn").as_deref(),
        Some("{ffmpeg/task-role.arn}")
    );
    // A trigger is asked about by its id.
    let rule = planned_resources(
        &project,
        &checked.model,
        &DiskFileSystem,
        "dev",
        "media.on_put(.mp4)->on_new_video",
    );
    assert_eq!(rule.len(), 1);
    assert_eq!(
        rule[0].id,
        "trigger/media.on_put(.mp4)->on_new_video/permission"
    );
    assert!(
        planned_resources(&project, &checked.model, &DiskFileSystem, "dev", "nothing").is_empty()
    );
}
