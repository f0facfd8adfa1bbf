//! Hover and code lenses lower one declaration's neighbourhood instead of the whole program.
//! Here that shortcut is held to the real thing: for every declaration of every example and of
//! a generated project, the resources are exactly those of lowering the whole program.

use infrac_check::project::{build_project, load_project};
use infrac_check::DiskFileSystem;
use infrac_ide::Analysis;
use infrac_plan::lower::lower_program;
use infrac_plan::preview::declaration_resources;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn assert_same(analysis: &Analysis, what: &str) {
    let whole = lower_program(
        &analysis.project,
        &analysis.checked.model,
        &DiskFileSystem,
        &analysis.stack,
    );
    let mut declarations: Vec<String> = analysis
        .checked
        .model
        .resources
        .iter()
        .map(|r| r.name.to_string())
        .collect();
    declarations.extend(
        analysis
            .checked
            .model
            .triggers
            .iter()
            .map(infrac_check::model::TriggerModel::id),
    );
    assert!(!declarations.is_empty());
    for declaration in declarations {
        let expected = declaration_resources(&whole.graph, &declaration);
        let actual = &analysis.preview(&declaration).resources;
        assert_eq!(&expected, actual, "{what}: {declaration}");
    }
}

#[test]
fn every_example_previews_exactly_what_it_plans() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).expect("examples") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let project = load_project(&DiskFileSystem, &dir).expect("example loads");
        let analysis = Analysis::new(project, Arc::new(DiskFileSystem));
        assert_same(&analysis, &dir.display().to_string());
        count += 1;
    }
    assert!(count >= 4);
}

#[test]
fn a_generated_project_previews_exactly_what_it_plans() {
    let dir = std::env::temp_dir().join(format!("infrac-preview-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("app")).expect("dir");
    std::fs::write(dir.join("app/Dockerfile"), "FROM alpine\n").expect("write");
    let sources: Vec<(PathBuf, Vec<u8>)> = infrac_check::synthetic::project(200, 3)
        .into_iter()
        .map(|(name, text)| (dir.join(name), text.into_bytes()))
        .collect();
    let project = build_project(dir.clone(), sources, None);
    let analysis = Analysis::new(project, Arc::new(DiskFileSystem));
    assert!(
        !analysis.checked.has_errors(),
        "{:?}",
        analysis.checked.diagnostics.first()
    );
    assert_same(&analysis, "generated");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A state as if the program had been deployed: every planned step recorded.
fn deployed(analysis: &Analysis) -> infrac_plan::state::State {
    let lowered = lower_program(
        &analysis.project,
        &analysis.checked.model,
        &DiskFileSystem,
        &analysis.stack,
    );
    let mut state = infrac_plan::state::State::empty(
        &analysis.project.settings.name,
        &analysis.stack,
        "test-lineage",
    );
    for step in infrac_plan::diff::diff(&lowered.graph, &state).steps {
        state.record(
            &step,
            serde_json::json!({"arn": format!("arn:aws:test:::{}", step.id)}),
        );
    }
    state
}

fn analysis_of(text: &str) -> Analysis {
    let project = build_project(
        PathBuf::from("."),
        vec![(PathBuf::from("main.infra"), text.as_bytes().to_vec())],
        None,
    );
    Analysis::new(project, Arc::new(DiskFileSystem))
}

#[test]
fn hover_says_what_is_deployed_and_what_a_deploy_would_change() {
    let program = "bucket media {}\ntask ffmpeg {\n  image = \"x\"\n  memory = 512MB\n  reads media\n}\nmedia.on_put(\".mp4\") -> task ffmpeg\n";
    let state = deployed(&analysis_of(program));

    let same = analysis_of(program).with_stack("dev", Some(state.clone()));
    let offset = program.find("ffmpeg").expect("name") + 1;
    let text = infrac_ide::hover(&same, infrac_syntax::FileId(0), offset, 0)
        .expect("hover")
        .markdown;
    assert!(
        text.contains("**infrac-ide-dev-ffmpeg** (deployed, up to date)"),
        "{text}"
    );
    assert!(!text.contains("known after deploy"), "{text}");

    let changed = program.replace("memory = 512MB", "cpu = 512\n  memory = 1GB");
    let after = analysis_of(&changed).with_stack("dev", Some(state));
    let offset = changed.find("ffmpeg").expect("name") + 1;
    let text = infrac_ide::hover(&after, infrac_syntax::FileId(0), offset, 0)
        .expect("hover")
        .markdown;
    assert!(
        text.contains("`aws:ecs:TaskDefinition` **infrac-ide-dev-ffmpeg** (will replace: "),
        "{text}"
    );
    assert!(text.contains("memory 512 -> 1024"), "{text}");
    assert!(
        text.contains("**infrac-ide-dev-ffmpeg-task** (deployed, up to date)"),
        "{text}"
    );
}

#[test]
fn hover_names_buckets_as_the_stack_has_them() {
    let program = "bucket media {}\nbucket archive {}\n";
    let never = analysis_of(program);
    let offset = program.find("media").expect("name") + 1;
    let text = infrac_ide::hover(&never, infrac_syntax::FileId(0), offset, 0)
        .expect("hover")
        .markdown;
    assert!(
        text.contains("**infrac-ide-dev-media-(random suffix)**"),
        "{text}"
    );

    // A deployed stack: its instance id, and a bucket created under an older name it keeps.
    let mut state = deployed(&never);
    state.instance = Some("0123456789ab".into());
    state.resources.retain(|r| r.id != "archive");
    let media = state
        .resources
        .iter_mut()
        .find(|r| r.id == "media")
        .expect("media");
    media.physical_id = "infrac-ide-dev-media-1a2b3c4d".into();
    media.inputs["name"] = serde_json::json!("infrac-ide-dev-media-1a2b3c4d");
    let deployed = analysis_of(program).with_stack("dev", Some(state));
    let text = infrac_ide::hover(&deployed, infrac_syntax::FileId(0), offset, 0)
        .expect("hover")
        .markdown;
    assert!(
        text.contains("`aws:s3:Bucket` **infrac-ide-dev-media-1a2b3c4d** (deployed, up to date)"),
        "{text}"
    );
    let offset = program.find("archive").expect("name") + 1;
    let text = infrac_ide::hover(&deployed, infrac_syntax::FileId(0), offset, 0)
        .expect("hover")
        .markdown;
    assert!(
        text.contains(
            "**infrac-ide-dev-archive-0123456789ab** (not deployed yet: will be created)"
        ),
        "{text}"
    );
}
