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
        .map(|r| r.name.clone())
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
